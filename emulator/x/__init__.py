"""X API v2: OAuth 2.0 with PKCE (x.com, twitter.com) and the v2 data endpoints (api.x.com)."""

from fastapi import APIRouter

from emulator.core import EmulatorCore
from emulator.x.api import build_api_router
from emulator.x.context import HOSTS, PLATFORM, XContext
from emulator.x.oauth import build_oauth_router

__all__ = ["HOSTS", "PLATFORM", "build_router"]


def build_router(core: EmulatorCore) -> APIRouter:
    """All X routes (host-prefixed paths) for one emulator instance."""
    ctx = XContext(core)
    router = APIRouter()
    router.include_router(build_oauth_router(ctx))
    router.include_router(build_api_router(ctx))
    return router
