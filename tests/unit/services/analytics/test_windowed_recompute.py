"""``recompute`` derives again only the days the incoming ones can reach; ``recompute_all``
derives every day. On random histories — observed counts, gains with and without losses,
gaps, the platform's history and live days, redeliveries, imports — both give the same days,
the same figures and the same changes, batch after batch.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.analytics.history import (
    ImportedDay,
    published,
    recompute,
    recompute_all,
    window_holds,
)
from services.analytics.history_store import Day
from shared.events import AccountSnapshot
from shared.platforms import Platform
from tests.support.clock import TODAY

CONNECTION = uuid.uuid5(uuid.NAMESPACE_URL, "windowed")
START = TODAY - timedelta(days=60)


@st.composite
def fact(draw: st.DrawFn, span: int) -> AccountSnapshot | ImportedDay:
    """One fact of a day among ``span`` days (few days: long chains; many: the 30-day window)."""
    day = START + timedelta(days=draw(st.integers(0, span - 1)))
    fetched = datetime(day.year, day.month, day.day, 3, tzinfo=UTC) + timedelta(
        hours=draw(st.integers(0, 40))
    )
    if draw(st.integers(0, 9)) == 0:
        return ImportedDay(
            connection_id=CONNECTION,
            client_id="c-1",
            platform=Platform.YOUTUBE,
            username="dana",
            snapshot_date=day,
            imported_at=fetched,
            followers=draw(st.integers(0, 60)),
        )
    gained = draw(st.none() | st.integers(0, 15))
    return AccountSnapshot(
        connection_id=CONNECTION,
        client_id="c-1",
        platform=Platform.YOUTUBE,
        platform_user_id="yt-1",
        username="dana",
        snapshot_date=day,
        fetched_at=fetched,
        backfill=draw(st.booleans()),
        followers=draw(st.none() | st.integers(0, 60)),
        followers_gained=gained,
        followers_lost=draw(st.none() | st.integers(0, 15)) if gained is not None else None,
        posts=draw(st.none() | st.integers(0, 3)),
    )


def state(rows: dict[date, Day]) -> dict[date, tuple[object, ...]]:
    return {day: published(row) for day, row in sorted(rows.items())}


def check(batches: list[list[AccountSnapshot | ImportedDay]]) -> None:
    windowed: dict[date, Day] = {}
    full: dict[date, Day] = {}
    for batch in batches:
        fast, reference = recompute(windowed, batch), recompute_all(full, batch)
        assert state(windowed) == state(full)
        assert [(r.snapshot_date, published(r)) for r in fast.changed] == [
            (r.snapshot_date, published(r)) for r in reference.changed
        ]
        # Every chain dropped now is one the full derivation drops (it reports them all).
        assert set(fast.dropped) <= set(reference.dropped)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(fact(span=20), min_size=1, max_size=25), min_size=1, max_size=6))
def test_the_windowed_recomputation_equals_deriving_every_day_on_dense_days(
    batches: list[list[AccountSnapshot | ImportedDay]],
) -> None:
    check(batches)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(fact(span=70), min_size=1, max_size=40), min_size=1, max_size=5))
def test_the_windowed_recomputation_equals_deriving_every_day_over_two_months(
    batches: list[list[AccountSnapshot | ImportedDay]],
) -> None:
    check(batches)


def test_a_new_live_day_after_a_year_derives_only_itself_and_its_windows() -> None:
    """Hand-checked: 365 live days of 1000 + day, then today's 1400 → only today changes:
    change_1d 1400 - 1365 = 35, change_7d 1400 - 1359 = 41, change_30d 1400 - 1336 = 64."""
    end = TODAY - timedelta(days=1)
    history = [
        AccountSnapshot(
            connection_id=CONNECTION,
            client_id="c-1",
            platform=Platform.YOUTUBE,
            platform_user_id="yt-1",
            username="dana",
            snapshot_date=end - timedelta(days=n),
            fetched_at=datetime(end.year, end.month, end.day, 3, tzinfo=UTC) - timedelta(days=n),
            followers=1365 - n,
        )
        for n in range(365)
    ]
    rows: dict[date, Day] = {}
    recompute_all(rows, history)
    today = history[0].model_copy(
        update={
            "snapshot_date": TODAY,
            "fetched_at": datetime(TODAY.year, TODAY.month, TODAY.day, 3, tzinfo=UTC),
            "followers": 1400,
        }
    )
    outcome = recompute(rows, [today])
    [row] = outcome.changed
    assert row.snapshot_date == TODAY
    assert (row.followers_change_1d, row.followers_change_7d, row.followers_change_30d) == (
        35,
        41,
        64,
    )
    assert (row.growth_pct_7d, row.growth_pct_30d) == (3.02, 4.79)  # 41/1359, 64/1336


@settings(max_examples=200, deadline=None)
@given(
    st.lists(fact(span=90), min_size=1, max_size=60),
    st.lists(fact(span=90), min_size=1, max_size=4),
    st.integers(0, 89),
    st.integers(0, 89),
)
def test_a_window_that_holds_gives_what_all_days_give(
    history: list[AccountSnapshot | ImportedDay],
    batch: list[AccountSnapshot | ImportedDay],
    a: int,
    b: int,
) -> None:
    """The stored days of a window ``window_holds`` accepts: the same changes and figures."""
    low, high = START + timedelta(days=min(a, b)), START + timedelta(days=max(a, b))
    full: dict[date, Day] = {}
    recompute_all(full, history)
    window: dict[date, Day] = {}
    recompute_all(window, history)
    for day in [d for d in window if not low <= d <= high]:
        del window[day]
    if not window_holds(window, [f.snapshot_date for f in batch], low, high):
        return
    fast, reference = recompute(window, batch), recompute_all(full, batch)
    assert [(r.snapshot_date, published(r)) for r in fast.changed] == [
        (r.snapshot_date, published(r)) for r in reference.changed
    ]
    assert state(window) == {day: row for day, row in state(full).items() if day in window}
