"""The ingestor's batch bookkeeping of sync runs (``claim`` / ``settle``), on SQLite and PostgreSQL.

Every test runs once per database kind (``database_url`` is parametrized over ``KINDS``), on a
freshly migrated database.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.ingestor.app import MIGRATIONS
from services.ingestor.models import KnownConnection, RawResponse, SyncRun, SyncStatus
from services.ingestor.runs import Settlement, claim, settle
from shared import clock
from shared.db import create_engine, make_sessionmaker
from shared.db.migrations import upgrade
from shared.db.types import as_utc
from shared.events import SyncReason, SyncRequested
from shared.platforms import Platform
from tests.support.databases import KINDS

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
LONG_AGO = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def test_both_database_kinds_are_covered(database_kind: str) -> None:
    assert set(KINDS) == {"sqlite", "postgresql"}
    assert database_kind in KINDS


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    engine = create_engine(database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def add_connection(
    sessions: Sessions, *, active: bool = True, platform: Platform = Platform.INSTAGRAM
) -> KnownConnection:
    connection = KnownConnection(
        connection_id=uuid.uuid4(),
        client_id="client-1",
        platform=platform,
        platform_user_id=f"user-{uuid.uuid4().hex[:8]}",
        username="someone",
        active=active,
    )
    async with sessions() as session:
        session.add(connection)
        await session.commit()
    return connection


def request_for(
    connection: KnownConnection, *, attempt: int = 1, sync_id: uuid.UUID | None = None
) -> SyncRequested:
    return SyncRequested(
        connection_id=connection.connection_id,
        client_id=connection.client_id,
        platform=Platform(connection.platform),
        reason=SyncReason.DAILY,
        sync_id=sync_id or uuid.uuid4(),
        attempt=attempt,
    )


async def add_run(
    sessions: Sessions,
    request: SyncRequested,
    *,
    status: SyncStatus,
    attempt: int,
    not_before: datetime | None = None,
) -> None:
    async with sessions() as session:
        session.add(
            SyncRun(
                id=request.sync_id,
                connection_id=request.connection_id,
                client_id=request.client_id,
                platform=request.platform,
                reason=request.reason,
                status=status,
                attempt=attempt,
                not_before=not_before,
                started_at=LONG_AGO,
                finished_at=LONG_AGO
                if status in {SyncStatus.SUCCEEDED, SyncStatus.FAILED}
                else None,
            )
        )
        await session.commit()


async def do_claim(
    sessions: Sessions, requests: Sequence[SyncRequested]
) -> dict[uuid.UUID, KnownConnection]:
    async with sessions() as session:
        chosen = await claim(session, requests)
        await session.commit()
    return chosen


async def do_settle(
    sessions: Sessions, settlements: Sequence[Settlement], *, keep_raw: bool
) -> None:
    async with sessions() as session:
        await settle(session, settlements, keep_raw=keep_raw)
        await session.commit()


async def all_runs(sessions: Sessions) -> dict[uuid.UUID, SyncRun]:
    async with sessions() as session:
        return {run.id: run for run in await session.exec(select(SyncRun))}


async def all_raw(sessions: Sessions) -> list[RawResponse]:
    async with sessions() as session:
        return list(await session.exec(select(RawResponse).order_by(col(RawResponse.id))))


# --- claim -------------------------------------------------------------------------------------


async def test_claim_returns_the_runnable_requests_with_their_connection_and_marks_them_running(
    sessions: Sessions,
) -> None:
    first = await add_connection(sessions)
    second = await add_connection(sessions, platform=Platform.TIKTOK)
    requests = [request_for(first), request_for(second, attempt=2), request_for(first)]
    requests[1] = requests[1].model_copy(update={"backfill": True, "reason": SyncReason.INITIAL})

    before = clock.now()
    chosen = await do_claim(sessions, requests)
    after = clock.now()

    assert set(chosen) == {r.sync_id for r in requests}
    for request in requests:
        assert chosen[request.sync_id].connection_id == request.connection_id
    assert chosen[requests[1].sync_id].platform == "tiktok"
    runs = await all_runs(sessions)
    assert set(runs) == {r.sync_id for r in requests}
    for request in requests:
        run = runs[request.sync_id]
        assert run.status == SyncStatus.RUNNING
        assert run.attempt == request.attempt
        assert run.connection_id == request.connection_id
        assert run.client_id == request.client_id
        assert run.platform == request.platform.value
        assert run.reason == request.reason.value
        assert run.backfill == request.backfill
        assert run.not_before is None
        assert run.finished_at is None
        assert (run.api_calls, run.snapshots) == (0, 0)
        started = as_utc(run.started_at)
        assert started is not None and before <= started <= after


async def test_claim_of_nothing_is_nothing(sessions: Sessions) -> None:
    assert await do_claim(sessions, []) == {}
    assert await all_runs(sessions) == {}


@pytest.mark.parametrize("status", [SyncStatus.SUCCEEDED, SyncStatus.FAILED])
@pytest.mark.parametrize("attempt", [1, 2])
async def test_claim_leaves_out_a_redelivered_request_whose_run_is_settled(
    sessions: Sessions, status: SyncStatus, attempt: int
) -> None:
    connection = await add_connection(sessions)
    settled = request_for(connection, attempt=attempt)
    await add_run(sessions, settled, status=status, attempt=1)
    fresh = request_for(connection)

    chosen = await do_claim(sessions, [settled, fresh])

    assert set(chosen) == {fresh.sync_id}
    run = (await all_runs(sessions))[settled.sync_id]
    assert (run.status, run.attempt) == (status, 1)  # untouched
    assert as_utc(run.finished_at) == LONG_AGO


@pytest.mark.parametrize("status", [SyncStatus.RUNNING, SyncStatus.DEFERRED, SyncStatus.REQUEUED])
async def test_claim_leaves_out_an_older_attempt_than_the_runs(
    sessions: Sessions, status: SyncStatus
) -> None:
    connection = await add_connection(sessions)
    old = request_for(connection, attempt=2)
    not_before = LONG_AGO + timedelta(days=1)
    await add_run(sessions, old, status=status, attempt=3, not_before=not_before)

    assert await do_claim(sessions, [old]) == {}

    run = (await all_runs(sessions))[old.sync_id]
    assert (run.status, run.attempt) == (status, 3)
    assert as_utc(run.not_before) == not_before


@pytest.mark.parametrize("status", [SyncStatus.DEFERRED, SyncStatus.REQUEUED])
async def test_claim_takes_a_parked_run_again_with_a_newer_attempt(
    sessions: Sessions, status: SyncStatus
) -> None:
    connection = await add_connection(sessions)
    retry = request_for(connection, attempt=2)
    await add_run(
        sessions, retry, status=status, attempt=1, not_before=LONG_AGO + timedelta(hours=1)
    )

    chosen = await do_claim(sessions, [retry])

    assert chosen[retry.sync_id].connection_id == connection.connection_id
    run = (await all_runs(sessions))[retry.sync_id]
    assert run.status == SyncStatus.RUNNING
    assert run.attempt == 2
    assert run.not_before is None
    assert as_utc(run.started_at) == LONG_AGO  # when the sync first started, kept


async def test_claim_takes_a_running_run_again_on_redelivery_of_the_same_attempt(
    sessions: Sessions,
) -> None:
    """Claimed, then the consumer died before settling: the redelivery must run the sync."""
    connection = await add_connection(sessions)
    request = request_for(connection, attempt=2)
    await add_run(sessions, request, status=SyncStatus.RUNNING, attempt=2)

    assert set(await do_claim(sessions, [request])) == {request.sync_id}
    run = (await all_runs(sessions))[request.sync_id]
    assert (run.status, run.attempt, as_utc(run.started_at)) == (SyncStatus.RUNNING, 2, LONG_AGO)


async def test_claim_leaves_out_a_redelivery_of_the_attempt_that_was_deferred(
    sessions: Sessions,
) -> None:
    """A batch nacked after its runs were settled comes back: a parked attempt waits its turn."""
    connection = await add_connection(sessions)
    request = request_for(connection, attempt=1)
    retry_at = clock.now() + timedelta(minutes=15)
    await add_run(sessions, request, status=SyncStatus.DEFERRED, attempt=1, not_before=retry_at)

    assert await do_claim(sessions, [request]) == {}
    run = (await all_runs(sessions))[request.sync_id]
    assert (run.status, run.attempt) == (SyncStatus.DEFERRED, 1)
    assert as_utc(run.not_before) == retry_at


async def test_claim_leaves_out_unknown_and_inactive_connections(sessions: Sessions) -> None:
    active = await add_connection(sessions)
    inactive = await add_connection(sessions, active=False)
    unknown = KnownConnection(
        connection_id=uuid.uuid4(),
        client_id="client-1",
        platform=Platform.INSTAGRAM,
        platform_user_id="ghost",
        username="ghost",
    )
    runnable = request_for(active)
    requests = [request_for(inactive), runnable, request_for(unknown)]

    chosen = await do_claim(sessions, requests)

    assert set(chosen) == {runnable.sync_id}
    assert set(await all_runs(sessions)) == {runnable.sync_id}  # no run for the others


async def test_claim_takes_two_copies_of_a_sync_in_one_batch_once(sessions: Sessions) -> None:
    connection = await add_connection(sessions)
    new = request_for(connection)
    redelivered = request_for(connection, attempt=2)
    await add_run(sessions, redelivered, status=SyncStatus.RUNNING, attempt=2)
    other = request_for(connection)
    batch = [new, redelivered, new.model_copy(), other, redelivered.model_copy(), new]

    # PostgreSQL would refuse an upsert naming a row twice ("cannot affect row a second time").
    chosen = await do_claim(sessions, batch)

    assert set(chosen) == {new.sync_id, redelivered.sync_id, other.sync_id}
    runs = await all_runs(sessions)
    assert set(runs) == {new.sync_id, redelivered.sync_id, other.sync_id}
    assert all(run.status == SyncStatus.RUNNING for run in runs.values())
    assert runs[redelivered.sync_id].attempt == 2


# --- settle ------------------------------------------------------------------------------------


async def test_settle_writes_how_each_run_ended_in_one_call(sessions: Sessions) -> None:
    connection = await add_connection(sessions)
    succeeded, failed, deferred, untouched = (request_for(connection) for _ in range(4))
    await do_claim(sessions, [succeeded, failed, deferred, untouched])
    finished = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    retry_at = finished + timedelta(minutes=15)

    await do_settle(
        sessions,
        [
            Settlement(succeeded.sync_id, SyncStatus.SUCCEEDED, finished, snapshots=3, api_calls=7),
            Settlement(
                failed.sync_id,
                SyncStatus.FAILED,
                finished + timedelta(seconds=1),
                api_calls=1,
                error_class="reauth_required",
                error="é" + "x" * 4999,
            ),
            Settlement(
                deferred.sync_id,
                SyncStatus.DEFERRED,
                None,
                api_calls=2,
                error_class="rate_limited",
                error="slow down",
                not_before=retry_at,
            ),
        ],
        keep_raw=False,
    )

    runs = await all_runs(sessions)
    ok = runs[succeeded.sync_id]
    assert (ok.status, as_utc(ok.finished_at), ok.snapshots, ok.api_calls) == (
        SyncStatus.SUCCEEDED,
        finished,
        3,
        7,
    )
    assert (ok.error_class, ok.error, ok.not_before) == (None, None, None)
    bad = runs[failed.sync_id]
    assert bad.status == SyncStatus.FAILED
    assert as_utc(bad.finished_at) == finished + timedelta(seconds=1)
    assert (bad.snapshots, bad.api_calls, bad.error_class) == (0, 1, "reauth_required")
    assert bad.error == "é" + "x" * 999  # truncated to the column's 1000 characters
    assert bad.not_before is None
    parked = runs[deferred.sync_id]
    assert parked.status == SyncStatus.DEFERRED
    assert parked.finished_at is None
    assert (parked.api_calls, parked.error_class, parked.error) == (2, "rate_limited", "slow down")
    assert as_utc(parked.not_before) == retry_at
    still = runs[untouched.sync_id]
    assert (still.status, still.finished_at) == (SyncStatus.RUNNING, None)
    assert await all_raw(sessions) == []


async def test_settle_of_nothing_changes_nothing(sessions: Sessions) -> None:
    connection = await add_connection(sessions)
    request = request_for(connection)
    await do_claim(sessions, [request])
    await do_settle(sessions, [], keep_raw=True)
    assert (await all_runs(sessions))[request.sync_id].status == SyncStatus.RUNNING


async def test_settle_keeps_raw_answers_compressed_when_asked(sessions: Sessions) -> None:
    connection = await add_connection(sessions)
    kept, no_day, no_raw, deferred = (request_for(connection) for _ in range(4))
    await do_claim(sessions, [kept, no_day, no_raw, deferred])
    finished = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    answers = [
        {"url": "/me", "status": 200, "body": {"followers": 12, "name": "Zoë"}},
        {"url": "/me/media", "status": 200, "body": {"data": [1, 2, 3]}},
    ]
    deferred_answers = [{"url": "/me", "status": 429, "body": {"error": "slow down"}}]

    before = clock.now()
    await do_settle(
        sessions,
        [
            Settlement(
                kept.sync_id,
                SyncStatus.SUCCEEDED,
                finished,
                connection_id=connection.connection_id,
                day=date(2025, 3, 3),
                raw=answers,
            ),
            Settlement(
                no_day.sync_id,
                SyncStatus.SUCCEEDED,
                finished,
                connection_id=connection.connection_id,
                raw=answers,
            ),
            Settlement(
                no_raw.sync_id,
                SyncStatus.SUCCEEDED,
                finished,
                connection_id=connection.connection_id,
                day=date(2025, 3, 3),
            ),
            Settlement(
                deferred.sync_id,
                SyncStatus.DEFERRED,
                None,
                connection_id=connection.connection_id,
                day=date(2025, 3, 2),
                raw=deferred_answers,
            ),
        ],
        keep_raw=True,
    )
    after = clock.now()

    first, second = await all_raw(sessions)
    assert (first.sync_id, first.connection_id, first.day) == (
        kept.sync_id,
        connection.connection_id,
        date(2025, 3, 3),
    )
    assert as_utc(first.fetched_at) == finished
    assert json.loads(zlib.decompress(first.body)) == answers
    assert (second.sync_id, second.day) == (deferred.sync_id, date(2025, 3, 2))
    fetched = as_utc(second.fetched_at)  # not finished: fetched now
    assert fetched is not None and before <= fetched <= after
    assert json.loads(zlib.decompress(second.body)) == deferred_answers
    runs = await all_runs(sessions)
    assert runs[no_day.sync_id].status == SyncStatus.SUCCEEDED  # settled all the same


async def test_settle_keeps_no_raw_answers_unless_asked(sessions: Sessions) -> None:
    connection = await add_connection(sessions)
    request = request_for(connection)
    await do_claim(sessions, [request])
    await do_settle(
        sessions,
        [
            Settlement(
                request.sync_id,
                SyncStatus.SUCCEEDED,
                clock.now(),
                connection_id=connection.connection_id,
                day=date(2025, 3, 3),
                raw=[{"url": "/me", "status": 200}],
            )
        ],
        keep_raw=False,
    )
    assert await all_raw(sessions) == []
    assert (await all_runs(sessions))[request.sync_id].status == SyncStatus.SUCCEEDED


# --- a full batch: the multi-row statements within SQLite's and asyncpg's parameter limits ------

#: ``IngestorSettings.sync_concurrency``'s maximum: the largest batch claimed at once.
BATCH = 1000


async def test_a_full_batch_is_claimed_settled_and_not_claimed_again(sessions: Sessions) -> None:
    connections = [await add_connection(sessions) for _ in range(25)]
    inactive = await add_connection(sessions, active=False)
    requests = [request_for(connections[n % len(connections)]) for n in range(BATCH)]
    left_out = [request_for(inactive) for _ in range(20)]
    batch = [*requests, *left_out, *requests[:30]]  # with 30 duplicates too

    chosen = await do_claim(sessions, batch)

    assert set(chosen) == {r.sync_id for r in requests}
    runs = await all_runs(sessions)
    assert len(runs) == BATCH
    assert {run.status for run in runs.values()} == {SyncStatus.RUNNING}

    finished = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    await do_settle(
        sessions,
        [
            Settlement(
                r.sync_id,
                SyncStatus.SUCCEEDED if n % 2 else SyncStatus.FAILED,
                finished,
                snapshots=n % 5,
                api_calls=n,
                error=None if n % 2 else f"error {n}",
                connection_id=r.connection_id,
                day=date(2025, 3, 3),
                raw=[{"n": n}],
            )
            for n, r in enumerate(requests)
        ],
        keep_raw=True,
    )

    runs = await all_runs(sessions)
    for n, request in enumerate(requests):
        run = runs[request.sync_id]
        assert run.status == (SyncStatus.SUCCEEDED if n % 2 else SyncStatus.FAILED)
        assert (run.api_calls, run.snapshots) == (n, n % 5)
        assert run.error == (None if n % 2 else f"error {n}")
        assert as_utc(run.finished_at) == finished
    raw = await all_raw(sessions)
    assert len(raw) == BATCH
    by_sync = {r.sync_id: json.loads(zlib.decompress(r.body)) for r in raw}
    assert by_sync == {r.sync_id: [{"n": n}] for n, r in enumerate(requests)}

    # The whole batch redelivered: every run is settled, nothing runs twice.
    assert await do_claim(sessions, batch) == {}
