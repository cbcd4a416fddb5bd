"""Raising signals from analytics' own tables: each once, about recent days, with its figures.

The use cases (``raise_for_metrics``, ``check_stale``) run on a migrated SQLite database with
no broker: the daily rows are written here with counts chosen by hand, the ``MetricsUpdated``
events name their days, and what would be published is read back from the outbox. Dates are
relative to the suite's pinned day (2026-11-20).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics.domain.signals import SignalKind, StaleReason
from services.analytics.models import (
    ConnectionStatus,
    DailySnapshot,
    SignalRecord,
    TrackedConnection,
)
from services.analytics.settings import AnalyticsSettings
from services.analytics.signaling import (
    SignalRules,
    check_stale,
    raise_for_metrics,
    recent_signals,
)
from services.registry import SERVICES
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.events import MetricsUpdated, SignalRaised
from shared.events.signals import SignalKindName, StaleReasonName, signal_event_id
from shared.messaging import topics
from shared.outbox import OutboxMessage
from shared.platforms import Platform
from tests.support.clock import PINNED, TODAY, frozen_at
from tests.unit.support import clear_lsa_env

CLIENT = "c-signals"
MIGRATIONS = SERVICES["analytics"].migrations
SOMEONE = "someone-else"


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


YESTERDAY = ago(1)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    engine = create_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_lsa_env(monkeypatch)


def rules(**settings: Any) -> SignalRules:
    return SignalRules.from_settings(AnalyticsSettings(**settings))


async def add_account(
    sessions: async_sessionmaker[AsyncSession],
    counts: Mapping[date, int],
    *,
    platform: str = "instagram",
    username: str = "dana",
    status: str = "active",
    connected_on: date | None = None,
    rates: Mapping[date, float] | None = None,
    imported: Iterable[date] = (),
    backfill: Iterable[date] = (),
    client_id: str = CLIENT,
) -> uuid.UUID:
    """A tracked connection and one stored day per count (live unless listed otherwise)."""
    connection_id = uuid.uuid4()
    imported, backfill = set(imported), set(backfill)
    first = connected_on or (min(counts) if counts else TODAY)
    at = datetime.combine(first, time(9), UTC)
    async with sessions() as session:
        session.add(
            TrackedConnection(
                connection_id=connection_id,
                client_id=client_id,
                platform=Platform(platform),
                platform_user_id=f"u-{connection_id.hex[:8]}",
                username=username,
                status=ConnectionStatus(status),
                connected_at=at,
            )
        )
        session.add_all(
            DailySnapshot(
                connection_id=connection_id,
                snapshot_date=day,
                client_id=client_id,
                platform=Platform(platform),
                username=username,
                followers_observed=count,
                followers=count,
                follower_source="observed",
                engagement_rate=(rates or {}).get(day),
                backfill=day in backfill,
                imported=day in imported,
                fetched_at=datetime.combine(day, time(9), UTC),
            )
            for day, count in counts.items()
        )
        await session.commit()
    return connection_id


def metrics(
    connection_id: uuid.UUID,
    day: date,
    *,
    platform: str = "instagram",
    imported: bool = False,
    client_id: str = CLIENT,
) -> MetricsUpdated:
    """The event of a changed day (its figures do not matter: the history is read again)."""
    return MetricsUpdated(
        connection_id=connection_id,
        client_id=client_id,
        platform=Platform(platform),
        username="dana",
        metrics_date=day,
        imported=imported,
        revision=1,
    )


async def published(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, SignalRaised]]:
    """The (Kafka key, event) of every signal in the outbox, in the order queued."""
    async with sessions() as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.topic) == topics.SIGNALS)
            .order_by(col(OutboxMessage.id))
        )
        return [(r.key, SignalRaised.model_validate_json(r.payload)) for r in rows.all()]


async def run(
    sessions: async_sessionmaker[AsyncSession],
    events: list[MetricsUpdated],
    signal_rules: SignalRules | None = None,
    client_id: str = CLIENT,
) -> list[SignalRecord]:
    async with sessions() as session:
        return await raise_for_metrics(session, client_id, events, signal_rules or rules())


async def stale(
    sessions: async_sessionmaker[AsyncSession], signal_rules: SignalRules | None = None
) -> list[SignalRecord]:
    async with sessions() as session:
        return await check_stale(session, signal_rules or rules())


def steady(count: int, first: date, last: date) -> dict[date, int]:
    return {first + timedelta(days=i): count for i in range((last - first).days + 1)}


# --- milestones ---------------------------------------------------------------------------


async def test_a_10k_milestone_crossed_yesterday_is_published_once_with_its_counts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid = await add_account(sessions, {ago(3): 9_950, ago(2): 9_990, YESTERDAY: 10_010})
    events = [metrics(cid, YESTERDAY)]

    await run(sessions, events)

    ((key, event),) = await published(sessions)
    signal_key = f"milestone:10000:{YESTERDAY.isoformat()}"
    assert key == CLIENT  # keyed by client: a client's signals stay in order
    assert event.type == "signal.raised"
    assert (event.kind, event.day, event.key) == ("milestone", YESTERDAY, signal_key)
    # count(yesterday - 1) = 9,990 < 10,000 <= 10,010 = count(yesterday).
    assert event.numbers == {"threshold": 10_000, "before": 9_990, "after": 10_010}
    assert (event.client_id, event.connection_id) == (CLIENT, cid)
    assert (event.platform, event.username, event.reason) == (Platform.INSTAGRAM, "dana", None)
    assert event.event_id == signal_event_id(str(cid), signal_key)
    assert event.raised_at.date() == TODAY
    # No total milestone: the total of one account is the account.

    # The same events again, and a redelivered older revision: nothing new.
    await run(sessions, events)
    await run(sessions, [metrics(cid, YESTERDAY), metrics(cid, ago(2))])
    assert len(await published(sessions)) == 1
    async with sessions() as session:
        assert len((await session.exec(select(SignalRecord))).all()) == 1


@pytest.mark.parametrize(("days_ago", "raised"), [(7, True), (8, False)])
async def test_a_rebuilt_history_raises_only_what_is_in_the_look_back_window(
    sessions: async_sessionmaker[AsyncSession], days_ago: int, raised: bool
) -> None:
    """A rebuild republishes every day: 1K and 5K were crossed 200 days ago (900 -> 9,900),
    10K ``days_ago`` days ago (9,900 -> 10,050); the window is 7 days (the default)."""
    crossing = ago(days_ago)
    counts = {
        **steady(900, ago(300), ago(201)),
        **steady(9_900, ago(200), crossing - timedelta(days=1)),
        **steady(10_050, crossing, YESTERDAY),
    }
    cid = await add_account(sessions, counts)

    await run(sessions, [metrics(cid, day) for day in counts])

    got = [(e.key, e.numbers) for _, e in await published(sessions)]
    expected = [
        (
            f"milestone:10000:{crossing.isoformat()}",
            {"threshold": 10_000, "before": 9_900, "after": 10_050},
        )
    ]
    assert got == (expected if raised else [])


async def test_the_total_of_a_clients_connected_accounts_crosses_a_milestone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    days = [ago(3), ago(2), YESTERDAY]
    a = await add_account(sessions, dict(zip(days, [6_000, 6_000, 6_010], strict=True)))
    b = await add_account(
        sessions, dict(zip(days, [3_990, 3_995, 4_005], strict=True)), platform="tiktok"
    )
    # Disconnected: left out of the total (with it the total would be far above 10K already).
    await add_account(sessions, steady(50_000, ago(3), YESTERDAY), status="disconnected")

    await run(sessions, [metrics(a, YESTERDAY), metrics(b, YESTERDAY, platform="tiktok")])

    ((key, event),) = await published(sessions)
    assert key == CLIENT
    assert (event.kind, event.day) == ("total_milestone", YESTERDAY)
    assert event.key == f"total_milestone:10000:{YESTERDAY.isoformat()}"
    assert (event.connection_id, event.platform, event.username) == (None, None, None)
    # before: 6,000 + 3,995 = 9,995; after: 6,010 + 4,005 = 10,015; two accounts.
    assert event.numbers == {"threshold": 10_000, "before": 9_995, "after": 10_015, "accounts": 2}
    assert event.event_id == signal_event_id(f"client:{CLIENT}", event.key)


async def test_each_platform_can_have_its_own_milestones(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSA_ANALYTICS_SIGNAL_PLATFORM_MILESTONES", '{"youtube": [1500, 3000]}')
    monkeypatch.setenv("LSA_ANALYTICS_SIGNAL_TOTAL_MILESTONES", "[3000]")
    settings = AnalyticsSettings()
    assert settings.signal_platform_milestones == {Platform.YOUTUBE: (1_500, 3_000)}
    counts = {ago(2): 1_490, YESTERDAY: 1_510}
    tube = await add_account(sessions, counts, platform="youtube")
    insta = await add_account(sessions, counts)  # the default 1K, 5K …: nothing crossed

    events = [metrics(tube, YESTERDAY, platform="youtube"), metrics(insta, YESTERDAY)]
    await run(sessions, events, SignalRules.from_settings(settings))

    got = {(e.kind, e.platform, e.numbers["threshold"]) for _, e in await published(sessions)}
    # YouTube: 1,490 < 1,500 <= 1,510; Instagram crosses none of 1K, 5K …
    # Total: 1,490 + 1,490 = 2,980 < 3,000 <= 3,020 = 1,510 + 1,510.
    assert got == {("milestone", Platform.YOUTUBE, 1_500), ("total_milestone", None, 3_000)}


def test_thresholds_the_rules_cannot_use_refuse_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LSA_ANALYTICS_SIGNAL_PLATFORM_MILESTONES", '{"myspace": [1000]}')
    with pytest.raises(ValidationError, match="myspace"):
        AnalyticsSettings()
    monkeypatch.delenv("LSA_ANALYTICS_SIGNAL_PLATFORM_MILESTONES")
    with pytest.raises(ValidationError, match="increasing"):
        AnalyticsSettings(signal_milestones=(5_000, 1_000))


async def test_an_imported_day_raises_nothing_but_counts_as_history(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Imported: 9,980 four days ago, 10,020 three days ago (a crossing, imported). Live:
    9,990 two days ago, 10,010 yesterday — 10K was reached before (by the import): nothing."""
    counts = {ago(4): 9_980, ago(3): 10_020, ago(2): 9_990, YESTERDAY: 10_010}
    cid = await add_account(sessions, counts, imported=[ago(4), ago(3)])

    await run(sessions, [metrics(cid, ago(3), imported=True), metrics(cid, YESTERDAY)])

    assert await published(sessions) == []


# --- growth ---------------------------------------------------------------------------------


async def test_a_surge_against_the_accounts_own_baseline(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Baseline: 28 gains g(d-31) … g(d-4) alternating +8, +12 from 2,000; then +30, +5, +40.

    d = yesterday. b = median(14 x 8, 14 x 12) = (8 + 12) / 2 = 10; every gain is 2 from b, so
    MAD = 2. count(d - 3) = 2,000 + 14 x 8 + 14 x 12 = 2,280; spread = max(1.4826 x 2 = 2.9652,
    1, 0.001 x 2,280 = 2.28) = 2.9652; threshold = 10 + 3 x 2.9652 = 18.8956. The recent median
    m = median(30, 5, 40) = 30 > 18.8956: a surge. count(d) = 2,280 + 75 = 2,355.
    The day before it is none (recent 12, 30, 5: median 12, below its threshold).
    """
    gains = [8 if i % 2 == 0 else 12 for i in range(28)] + [30, 5, 40]
    first = YESTERDAY - timedelta(days=31)
    counts = {first: 2_000}
    for i, gain in enumerate(gains):
        counts[first + timedelta(days=i + 1)] = counts[first + timedelta(days=i)] + gain
    assert counts[YESTERDAY] == 2_355
    cid = await add_account(sessions, counts)

    await run(sessions, [metrics(cid, YESTERDAY), metrics(cid, ago(2))])

    ((_, event),) = await published(sessions)
    assert (event.kind, event.day, event.key) == ("surge", YESTERDAY, f"surge:{YESTERDAY}")
    assert event.numbers == {
        "recent_median_gain": 30.0,
        "baseline_median_gain": 10.0,
        "mad": 2.0,
        "spread": pytest.approx(2.9652),
        "k": 3.0,
        "baseline_gains": 28,
        "recent_days": 3,
        "count_start": 2_280,
        "count": 2_355,
        "threshold": pytest.approx(18.8956),
    }


# --- stale data -----------------------------------------------------------------------------


async def test_stale_data_is_raised_once_per_streak_by_the_periodic_check(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Live days up to 2026-11-17 (three days ago); a backfilled day after them is not a sync.
    Today 2026-11-20: 3 days without a successful sync >= 3 (the default) -> stale."""
    last_live = ago(3)
    counts = {ago(5): 100, ago(4): 101, last_live: 102, ago(2): 103}
    cid = await add_account(sessions, counts, backfill=[ago(2)])
    await add_account(sessions, {ago(1): 50})  # synced yesterday: fresh
    await add_account(sessions, {ago(9): 70}, status="disconnected")  # never checked
    never = await add_account(sessions, {}, connected_on=ago(5), platform="x")  # never synced

    await stale(sessions)

    got = {e.connection_id: e for _, e in await published(sessions)}
    assert set(got) == {cid, never}
    event = got[cid]
    assert (event.kind, event.day, event.reason) == ("stale_data", TODAY, "no_recent_sync")
    assert event.key == f"stale_data:{last_live.isoformat()}"
    # TODAY - 2026-11-17 = 3 days.
    assert event.numbers == {
        "days_since_success": 3,
        "threshold_days": 3,
        "last_success": last_live.isoformat(),
    }
    # Connected five days ago, no live day since: 5 >= 3.
    assert got[never].reason == "never_synced"
    assert got[never].numbers["days_since_connected"] == 5

    async def of_cid() -> list[SignalRaised]:
        return [e for _, e in await published(sessions) if e.connection_id == cid]

    # The next check, and the next day's: the same streak, nothing new.
    await stale(sessions)
    with frozen_at(PINNED + timedelta(days=1)):
        await stale(sessions)
    assert len(await published(sessions)) == 2

    # A successful sync tomorrow ends the streak; three days later a new one begins.
    tomorrow = TODAY + timedelta(days=1)
    async with sessions() as session:
        session.add(
            DailySnapshot(
                connection_id=cid,
                snapshot_date=tomorrow,
                client_id=CLIENT,
                platform=Platform.INSTAGRAM,
                username="dana",
                followers=104,
                fetched_at=datetime.combine(tomorrow, time(9), UTC),
            )
        )
        await session.commit()
    with frozen_at(PINNED + timedelta(days=3)):
        await stale(sessions)  # two days since: not yet
    assert len(await of_cid()) == 1
    with frozen_at(PINNED + timedelta(days=4)):
        await stale(sessions)
    _, again = await of_cid()
    assert again.day == TODAY + timedelta(days=4)
    assert again.key == f"stale_data:{tomorrow.isoformat()}"
    assert again.numbers["days_since_success"] == 3


async def test_stale_data_days_are_a_setting(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_account(sessions, {ago(3): 102})
    await stale(sessions, rules(signal_stale_days=4))  # 3 days < 4
    assert await published(sessions) == []


# --- the admin's view ---------------------------------------------------------------------


async def test_recent_signals_are_a_clients_newest_days_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old = {ago(6): 990, ago(5): 1_010}  # 1K five days ago
    new = {ago(2): 4_990, YESTERDAY: 5_010}  # 5K yesterday
    cid = await add_account(sessions, {**old, **new})
    other = await add_account(sessions, {ago(2): 990, YESTERDAY: 1_010}, client_id=SOMEONE)
    await run(sessions, [metrics(cid, ago(5)), metrics(cid, YESTERDAY)])
    await run(sessions, [metrics(other, YESTERDAY, client_id=SOMEONE)], client_id=SOMEONE)

    async with sessions() as session:
        listed = await recent_signals(session, CLIENT, limit=10)
        first = await recent_signals(session, CLIENT, limit=1)
    assert [(r.key, r.day) for r in listed] == [
        (f"milestone:5000:{YESTERDAY}", YESTERDAY),
        (f"milestone:1000:{ago(5)}", ago(5)),
    ]
    assert [r.key for r in first] == [f"milestone:5000:{YESTERDAY}"]


def test_the_events_kinds_and_reasons_are_the_rules_own() -> None:
    """The published schema (shared, no domain import) names exactly the domain's kinds."""
    assert set(get_args(SignalKindName)) == {k.value for k in SignalKind}
    assert set(get_args(StaleReasonName)) == {r.value for r in StaleReason}
