"""``/_emulator/*``: health, demo accounts and fault injection (never delayed, never faulted)."""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from emulator.core import EmulatorCore
from emulator.creators import CREATORS, Creator, followers, get_creator, posts_published
from emulator.facebook.data import has_page, page_followers
from emulator.faults import FaultSpec
from emulator.youtube.data import has_channel, public_subscribers

#: The longest range ``/_emulator/accounts/{key}/history`` answers in one call.
MAX_HISTORY_DAYS = 3 * 366
#: Platforms whose profile states how many accounts the person follows.
_FOLLOWING = frozenset({"instagram", "tiktok", "x"})


def platform_followers(creator: Creator, platform: str, day: date) -> int | None:
    """The follower count ``platform`` states for the creator on ``day`` (None: no account).

    Facebook counts the Page's followers (a share of the person's audience) and YouTube shows
    its public, rounded subscriber count; the other four state the shared curve itself.
    """
    if platform == "facebook":
        return page_followers(creator, day) if has_page(creator) else None
    if platform == "youtube":
        return public_subscribers(followers(creator, day)) if has_channel(creator) else None
    return followers(creator, day)


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

    @router.get("/accounts/{key}/history")
    async def account_history(
        key: str,
        platform: str,
        start: Annotated[date, Query(alias="from")],
        end: Annotated[date, Query(alias="to")],
    ) -> dict[str, object]:
        """The counts one platform stated for a demo account on each day of a range.

        What the person would have noted down by hand before connecting (``lsa demo`` imports
        them as history): followers, following (where the platform has it) and posts, each
        the count at the start of the day. Days up to today only.
        """
        creator = get_creator(key)
        if creator is None:
            raise HTTPException(404, f"unknown demo account {key!r}")
        if platform not in known:
            raise HTTPException(400, f"unknown platform {platform!r}; known: {sorted(known)}")
        today = core.today()
        if start > end or end > today or (end - start).days >= MAX_HISTORY_DAYS:
            raise HTTPException(
                400, f"need from <= to <= today ({today}), at most {MAX_HISTORY_DAYS} days"
            )
        if platform_followers(creator, platform, end) is None:
            raise HTTPException(404, f"{key} has no {platform} account to count")
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        return {
            "key": key,
            "platform": platform,
            "days": [
                {
                    "date": day.isoformat(),
                    "followers": platform_followers(creator, platform, day),
                    "following": creator.follows if platform in _FOLLOWING else None,
                    "posts": posts_published(creator, day),
                }
                for day in days
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
