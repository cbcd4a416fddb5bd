"""LinkedIn: OAuth on www.linkedin.com, OpenID userinfo and the versioned member REST API."""

from fastapi import APIRouter

from emulator.core import EmulatorCore
from emulator.linkedin.context import HOSTS, PLATFORM, LinkedInContext
from emulator.linkedin.oauth import build_oauth_router
from emulator.linkedin.rest import build_rest_router

__all__ = ["HOSTS", "PLATFORM", "build_router"]


def build_router(core: EmulatorCore) -> APIRouter:
    """All LinkedIn routes (host-prefixed paths) for one emulator instance."""
    ctx = LinkedInContext(core)
    router = APIRouter()
    router.include_router(build_oauth_router(ctx))
    router.include_router(build_rest_router(ctx))
    return router
