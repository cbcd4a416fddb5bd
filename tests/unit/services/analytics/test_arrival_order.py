"""Every derived figure is the same whatever order the days arrive in, however often each does.

Hypothesis draws an account's true history, what a platform of each kind reports of it (net
changes, gains only, absolute counts) in two history fetches with a reporting lag plus the live
days, then delivers all of it shuffled, in random batches, with redeliveries. Analytics' rule
(``history.recompute``, the whole of it without a database) must end where delivering everything
at once ends; so must the read models of reports and alerts, fed the ``MetricsUpdated`` events in
the order they were made, with older events redelivered in between.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.alerts.models import WatchedAccount
from services.alerts.watch import is_newer
from services.analytics.history import metrics_event, published, recompute
from services.analytics.models import DailySnapshot
from services.reports.ledger import supersedes
from services.reports.models import ReportDay
from shared.events import AccountSnapshot, MetricsUpdated
from shared.platforms import Platform

CONNECTION = uuid.UUID("00000000-0000-4000-8000-000000000001")
FIRST_DAY = date(2026, 10, 1)
LAG = 3  # days of reporting lag


@dataclass(frozen=True)
class Scenario:
    kind: str
    counts: list[int]  # the true count at the start of each day
    connect_at: int  # index of the first live day
    snapshots: list[AccountSnapshot]


def _at(index: int, hour: int = 3) -> datetime:
    return datetime.combine(FIRST_DAY + timedelta(days=index), datetime.min.time(), UTC).replace(
        hour=hour
    )


def _snapshot(
    index: int, fetched: int, *, backfill: bool, **figures: float | None
) -> AccountSnapshot:
    return AccountSnapshot(
        connection_id=CONNECTION,
        client_id="c-1",
        platform=Platform.YOUTUBE,
        platform_user_id="UC1",
        username="@creator",
        snapshot_date=FIRST_DAY + timedelta(days=index),
        fetched_at=_at(fetched, hour=3 if not backfill else 4),
        backfill=backfill,
        **figures,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    days = draw(st.integers(min_value=4, max_value=40))
    start = draw(st.integers(min_value=0, max_value=300))
    nets = draw(st.lists(st.integers(-25, 40), min_size=days, max_size=days))
    counts = [start]
    for net in nets[:-1]:
        counts.append(max(0, counts[-1] + net))
    kind = draw(st.sampled_from(["net", "gains_only", "absolute"]))
    connect_at = draw(st.integers(min_value=1, max_value=days - 1))
    refetch_at = draw(st.integers(min_value=connect_at, max_value=days - 1))
    snapshots = [
        _snapshot(i, i, backfill=False, followers=counts[i], engagement_rate=1.5)
        for i in range(connect_at, days)
    ]
    for fetched in sorted({connect_at, refetch_at}):
        for i in range(0, max(0, fetched - LAG)):
            following = counts[i + 1] if i + 1 < days else counts[i]
            change = following - counts[i]
            churn = draw(st.integers(0, 3))
            gained = max(change, 0) + churn
            figures: dict[str, float | None] = {"followers_gained": gained}
            if kind == "net":
                figures["followers_lost"] = max(-change, 0) + churn
            if kind == "absolute":
                figures["followers"] = counts[i]
            snapshots.append(_snapshot(i, fetched, backfill=True, **figures))
    return Scenario(kind, counts, connect_at, snapshots)


@st.composite
def deliveries(draw: st.DrawFn, snapshots: list[AccountSnapshot]) -> list[list[AccountSnapshot]]:
    """``snapshots`` shuffled, some delivered twice, cut into batches."""
    order = draw(st.permutations(snapshots))
    again = draw(st.lists(st.sampled_from(snapshots), max_size=len(snapshots)))
    stream = list(order)
    for snapshot in again:
        stream.insert(draw(st.integers(0, len(stream))), snapshot)
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(stream) - 1)), max_size=8)))
    return [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True) if a < b]


def run(
    batches: list[list[AccountSnapshot]],
) -> tuple[dict[date, DailySnapshot], list[MetricsUpdated]]:
    """Analytics as the handler runs it: one recomputation and one revision per batch."""
    rows: dict[date, DailySnapshot] = {}
    events: list[MetricsUpdated] = []
    revision = 0
    for batch in batches:
        outcome = recompute(rows, batch)
        if outcome.changed:
            revision += 1
            events += [metrics_event(row, Platform.YOUTUBE, revision) for row in outcome.changed]
    return rows, events


def ledger(events: list[MetricsUpdated]) -> dict[date, MetricsUpdated]:
    """The reports read model: per day, the event it keeps (``ledger.supersedes``)."""
    kept: dict[date, tuple[ReportDay, MetricsUpdated]] = {}
    for event in events:
        current = kept.get(event.metrics_date)
        if supersedes(event, current[0] if current else None):
            row = ReportDay(
                connection_id=event.connection_id,
                metrics_date=event.metrics_date,
                client_id=event.client_id,
                platform=event.platform.value,
                username=event.username,
                revision=event.revision,
                received_at=event.occurred_at,
            )
            kept[event.metrics_date] = (row, event)
    return {day: event for day, (_, event) in kept.items()}


def watched(events: list[MetricsUpdated]) -> MetricsUpdated | None:
    """The alerts read model: the latest day at its newest revision (``watch.is_newer``)."""
    current: tuple[WatchedAccount, MetricsUpdated] | None = None
    for event in events:
        if is_newer(event, current[0] if current else None):
            row = WatchedAccount(
                connection_id=event.connection_id,
                client_id=event.client_id,
                platform=event.platform.value,
                username=event.username,
                metrics_date=event.metrics_date,
                revision=event.revision,
                observed_at=event.occurred_at,
            )
            current = (row, event)
    return current[1] if current else None


def figures(event: MetricsUpdated) -> tuple[object, ...]:
    return (
        event.followers,
        event.followers_source,
        event.new_followers,
        event.followers_change_1d,
        event.followers_change_7d,
        event.followers_change_30d,
        event.growth_pct_7d,
        event.growth_pct_30d,
        event.engagement_rate,
        event.backfill,
    )


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_derived_figures_do_not_depend_on_arrival_order(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    canonical, _ = run([scenario.snapshots])
    batches = data.draw(deliveries(scenario.snapshots))
    rows, events = run(batches)
    assert {day: published(row) for day, row in rows.items()} == {
        day: published(row) for day, row in canonical.items()
    }
    # The read models, fed the events as made, with older ones redelivered in between.
    replayed = list(events)
    for event in data.draw(st.lists(st.sampled_from(events), max_size=20)) if events else []:
        replayed.insert(data.draw(st.integers(0, len(replayed))), event)
    kept = ledger(replayed)
    assert {day: figures(event) for day, event in kept.items()} == {
        day: figures(metrics_event(row, Platform.YOUTUBE, 0)) for day, row in canonical.items()
    }
    latest = watched(replayed)
    assert latest is not None
    newest = max(canonical)
    assert (latest.metrics_date, figures(latest)) == (
        newest,
        figures(metrics_event(canonical[newest], Platform.YOUTUBE, 0)),
    )


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios())
def test_derived_counts_are_true_where_known(scenario: Scenario) -> None:
    """Whatever is shown is the true count: never a number the facts do not support."""
    rows, _ = run([scenario.snapshots])
    for day, row in rows.items():
        if row.followers is not None:
            assert row.followers == scenario.counts[(day - FIRST_DAY).days]
            assert row.followers >= 0
    live = {FIRST_DAY + timedelta(days=i) for i in range(scenario.connect_at, len(scenario.counts))}
    backfilled = set(rows) - live
    if scenario.kind == "gains_only":
        assert all(rows[day].followers is None for day in backfilled)
