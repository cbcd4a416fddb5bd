"""``/_emulator/*``: health, demo accounts and fault injection (never delayed, never faulted)."""

from collections.abc import Iterable

from fastapi import APIRouter, HTTPException

from emulator.core import EmulatorCore
from emulator.creators import CREATORS, followers, posts_published
from emulator.faults import FaultSpec


def build_control_router(core: EmulatorCore, platforms: Iterable[str]) -> APIRouter:
    """Control routes for one emulator instance; ``platforms`` are the names faults may target."""
    known = frozenset(platforms)
    router = APIRouter(prefix="/_emulator")

    @router.get("/health")
    async def health() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    @router.get("/accounts")
    async def accounts() -> dict[str, object]:
        """The demo creators and their numbers today, for humans and test setup."""
        today = core.today()
        return {
            "today": today.isoformat(),
            "accounts": [
                {
                    "key": c.key,
                    "name": c.display_name,
                    "professional": c.professional,
                    "followers": followers(c, today),
                    "posts": posts_published(c, today),
                }
                for c in CREATORS
            ],
        }

    @router.get("/faults")
    async def list_faults() -> dict[str, list[dict[str, object]]]:
        """Active faults."""
        return {"faults": [f.to_json() for f in core.faults.snapshot()]}

    @router.post("/faults")
    async def add_fault(spec: FaultSpec) -> dict[str, object]:
        """Activate a fault for one platform."""
        if spec.platform not in known:
            raise HTTPException(400, f"unknown platform {spec.platform!r}; known: {sorted(known)}")
        return core.faults.add(spec, core.now()).to_json()

    @router.delete("/faults")
    async def clear_faults() -> dict[str, int]:
        """Remove every fault."""
        cleared = len(core.faults.snapshot())
        core.faults.clear()
        return {"cleared": cleared}

    return router
