"""Instagram API with Instagram Login: consent dialog, token endpoints and graph.instagram.com."""

from fastapi import APIRouter

from emulator.core import EmulatorCore
from emulator.instagram.context import HOSTS, PLATFORM, InstagramContext
from emulator.instagram.graph import build_graph_router
from emulator.instagram.oauth import build_oauth_router

__all__ = ["HOSTS", "PLATFORM", "build_router"]


def build_router(core: EmulatorCore) -> APIRouter:
    """All Instagram routes (host-prefixed paths) for one emulator instance."""
    ctx = InstagramContext(core)
    router = APIRouter()
    router.include_router(build_oauth_router(ctx))
    router.include_router(build_graph_router(ctx))
    return router
