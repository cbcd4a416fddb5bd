"""Facebook Login and graph.facebook.com: Pages, and Instagram accounts linked to a Page."""

from fastapi import APIRouter

from emulator.core import EmulatorCore
from emulator.facebook.context import HOSTS, PLATFORM, FacebookContext
from emulator.facebook.graph import build_graph_router
from emulator.facebook.oauth import build_oauth_router

__all__ = ["HOSTS", "PLATFORM", "build_router"]


def build_router(core: EmulatorCore) -> APIRouter:
    """All Facebook routes (host-prefixed paths) for one emulator instance."""
    ctx = FacebookContext(core)
    router = APIRouter()
    router.include_router(build_oauth_router(ctx))
    router.include_router(build_graph_router(ctx))
    return router
