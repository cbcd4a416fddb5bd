"""The stored history on the running system: lag re-anchoring, and arrival order not mattering.

Both run on SQLite and PostgreSQL with the real broker. The expected counts come from the
emulator's own curves (``emulator.creators.followers``), i.e. the truth the platform reports on.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from emulator.creators import CREATORS_BY_KEY, followers
from emulator.youtube.data import public_subscribers
from services.ingestor import jobs
from services.reports.models import ReportDay
from shared import clock
from shared.db import create_engine, make_sessionmaker
from shared.events import AccountSnapshot
from shared.messaging import topics
from shared.platforms import Platform
from tests.integration.test_syncs import client_headers, connect, settled
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def history(system: RunningSystem, client_id: str, platform: str, start: date) -> Any:
    """The client's days on ``platform`` from ``start`` to today (none while analytics has not
    seen the account)."""
    async with system.client("analytics") as analytics:
        answer = await analytics.get(
            f"/api/portal/social/{platform}/metrics",
            params={"from": start.isoformat(), "to": clock.today().isoformat()},
            headers=client_headers(client_id),
        )
    if answer.status_code == 404:
        return []
    assert answer.status_code == 200, answer.text
    return answer.json()["days"]


async def report_days(system: RunningSystem, connection_id: str) -> dict[date, ReportDay]:
    engine = create_engine(system.database_urls["reports"])
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await session.exec(
                select(ReportDay).where(col(ReportDay.connection_id) == uuid.UUID(connection_id))
            )
            return {row.metrics_date: row for row in rows.all()}
    finally:
        await engine.dispose()


async def test_youtube_history_is_rebuilt_once_the_lagged_days_arrive(
    system: RunningSystem,
) -> None:
    """Connect on day T: Analytics stops at T-2, so no past count is known. Three days later
    the daily sync re-fetches the lagged days and the whole year is chained from T's count."""
    client_id = f"lag-{uuid.uuid4().hex[:6]}"
    connected = clock.today()
    connection_id = await connect(system, client_id, "youtube", "steady_creator")
    await settled(system, connection_id, "initial")
    year_ago = connected - timedelta(days=365)

    async def backfilled() -> Any:
        days = await history(system, client_id, "youtube", year_ago)
        return days if len(days) >= 360 else None

    days = await eventually(backfilled)
    past = [d for d in days if d["backfill"]]
    assert past and all(d["followers"] is None for d in past)  # not linked to today yet
    assert all(d["new_followers"] is not None and d["followers_lost"] is not None for d in past)

    creator = CREATORS_BY_KEY["steady_creator"]
    live = public_subscribers(followers(creator, connected))  # YouTube rounds public counts
    later = clock.RunningClock(clock.now() + timedelta(days=3))
    with clock.use(later):
        runtime = system.apps["ingestor"].state.ingestor.runtime
        assert await jobs.request_daily_syncs(runtime, day=clock.today()) >= 1
        await settled(system, connection_id, "daily")

        async def rebuilt() -> Any:
            days = await history(system, client_id, "youtube", year_ago)
            known = {d["date"] for d in days if d["followers"] is not None}
            wanted = {year_ago.isoformat(), clock.today().isoformat()}
            return days if wanted <= known else None

        days = await eventually(rebuilt)
        by_day = {date.fromisoformat(d["date"]): d for d in days}
        # Chained from T's public count through the exact daily changes: each past day is the
        # true count shifted by T's rounding, and T itself is what YouTube showed that day.
        offset = live - followers(creator, connected)
        for day in (year_ago, connected - timedelta(days=100), connected - timedelta(days=1)):
            assert by_day[day]["followers"] == followers(creator, day) + offset
            assert by_day[day]["follower_source"] == "rebuilt"
        assert by_day[connected]["follower_source"] == "observed"
        assert by_day[connected]["followers"] == live
        assert all(d["followers"] is None or d["followers"] >= 0 for d in days)
        today = by_day[clock.today()]
        assert (
            today["followers_change_7d"]
            == today["followers"] - by_day[clock.today() - timedelta(days=7)]["followers"]
        )

        # The read model of reports followed: the year, with the re-anchored counts.
        async def reported() -> Any:
            rows = await report_days(system, connection_id)
            wanted = (year_ago, connected - timedelta(days=1))
            return (
                rows if all(d in rows and rows[d].followers is not None for d in wanted) else None
            )

        rows = await eventually(reported)
        assert rows[year_ago].followers == followers(creator, year_ago) + offset
        assert rows[connected - timedelta(days=1)].follower_source == "rebuilt"


def _snapshots(connection_id: uuid.UUID, client_id: str) -> list[AccountSnapshot]:
    """Sixty days of an account: net changes, a lag, live days, and two history fetches."""
    start = clock.today() - timedelta(days=60)
    counts = [1000 + 7 * i - (i % 5) * 3 for i in range(61)]
    out: list[AccountSnapshot] = []

    def snapshot(i: int, fetched: int, backfill: bool, **figures: float | None) -> AccountSnapshot:
        at = datetime.combine(start + timedelta(days=fetched), datetime.min.time(), UTC)
        return AccountSnapshot(
            connection_id=connection_id,
            client_id=client_id,
            platform=Platform.YOUTUBE,
            platform_user_id="UC-order",
            username="@order",
            snapshot_date=start + timedelta(days=i),
            fetched_at=at + timedelta(hours=3 if not backfill else 4),
            backfill=backfill,
            **figures,
        )

    for i in range(50, 61):
        out.append(snapshot(i, i, False, followers=counts[i], engagement_rate=2.0))
    for fetched in (50, 54):
        for i in range(fetched - 2):
            change = counts[i + 1] - counts[i]
            out.append(
                snapshot(
                    i,
                    fetched,
                    True,
                    followers_gained=max(change, 0) + 2,
                    followers_lost=max(-change, 0) + 2,
                )
            )
    return out


async def test_the_same_days_in_any_order_give_the_same_history(system: RunningSystem) -> None:
    """Analysts' view: the same snapshots on the topic, once in order and once shuffled with
    redeliveries, for two connections. Analytics and reports end with the same figures."""
    run = uuid.uuid4().hex[:6]
    client_a, client_b = f"order-{run}", f"shuffle-{run}"  # one YouTube account each
    ordered, shuffled = uuid.uuid4(), uuid.uuid4()
    publisher = system.apps["analytics"].state.analytics.runtime.publisher
    topic = topics.snapshots(Platform.YOUTUBE)
    for snapshot in _snapshots(ordered, client_a):
        await publisher.publish(topic, snapshot, key=str(ordered))
    mixed = _snapshots(shuffled, client_b)
    rng = random.Random(20261120)
    mixed += rng.sample(mixed, 30)  # redeliveries
    rng.shuffle(mixed)
    for snapshot in mixed:
        await publisher.publish(topic, snapshot, key=str(shuffled))

    start = clock.today() - timedelta(days=60)
    fields = (
        "followers",
        "follower_source",
        "new_followers",
        "followers_change_1d",
        "followers_change_7d",
        "followers_change_30d",
        "growth_pct_7d",
        "growth_pct_30d",
        "engagement_rate",
    )

    async def both() -> Any:
        a = await history(system, client_a, "youtube", start)
        b = await history(system, client_b, "youtube", start)
        complete = len(a) == len(b) == 61 and all(d["followers"] is not None for d in (*a, *b))
        return (a, b) if complete else None

    a, b = await eventually(both)
    assert [[d[f] for f in fields] for d in a] == [[d[f] for f in fields] for d in b]
    assert a[0]["followers"] == 1000 and a[-1]["followers_change_30d"] is not None

    async def reports_agree() -> Any:
        x, y = await report_days(system, str(ordered)), await report_days(system, str(shuffled))

        def view(rows: dict[date, ReportDay]) -> list[tuple[object, ...]]:
            return [
                (d, r.followers, r.followers_change_7d, r.growth_pct_30d, r.follower_source)
                for d, r in sorted(rows.items())
            ]

        return (x, y) if len(x) == len(y) == 61 and view(x) == view(y) else None

    await eventually(reports_agree)
