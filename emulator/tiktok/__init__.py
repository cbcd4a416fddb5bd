"""TikTok Login Kit v2 and Display API v2: consent dialog, OAuth endpoints, open.tiktokapis.com."""

from fastapi import APIRouter

from emulator.core import EmulatorCore
from emulator.tiktok.api import build_api_router
from emulator.tiktok.context import HOSTS, PLATFORM, TikTokContext
from emulator.tiktok.oauth import build_oauth_router

__all__ = ["HOSTS", "PLATFORM", "build_router"]


def build_router(core: EmulatorCore) -> APIRouter:
    """All TikTok routes (host-prefixed paths) for one emulator instance."""
    ctx = TikTokContext(core)
    router = APIRouter()
    router.include_router(build_oauth_router(ctx))
    router.include_router(build_api_router(ctx))
    return router
