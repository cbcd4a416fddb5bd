"""YouTube: Google OAuth, the Data API v3 (with its daily unit quota) and the Analytics API v2."""

from fastapi import APIRouter

from emulator.core import EmulatorCore
from emulator.youtube.analytics import build_analytics_router
from emulator.youtube.context import HOSTS, PLATFORM, YouTubeContext
from emulator.youtube.data_api import build_data_router
from emulator.youtube.oauth import build_oauth_router

__all__ = ["HOSTS", "PLATFORM", "build_router"]


def build_router(core: EmulatorCore) -> APIRouter:
    """All YouTube routes (host-prefixed paths) for one emulator instance."""
    ctx = YouTubeContext(core)
    router = APIRouter()
    router.include_router(build_oauth_router(ctx))
    router.include_router(build_data_router(ctx))
    router.include_router(build_analytics_router(ctx))
    return router
