"""History imports: reading the CSV row by row, and how imported days meet the platform's.

The parser's expected errors are worked out by hand from the files below (the header is line
1); the merge tests run ``history.recompute`` — the whole rule, without a database — over days
built here, with the suite's clock at 2026-11-20.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.analytics.history import (
    DaySource,
    ImportedDay,
    ImportRow,
    day_source,
    metrics_event,
    plan_import,
    published,
    recompute,
)
from services.analytics.history_import import MAX_ERRORS, parse_history_csv
from services.analytics.models import DailySnapshot
from shared.events import AccountSnapshot
from shared.platforms import Platform
from tests.support.clock import TODAY

# --- the CSV ------------------------------------------------------------------------------


def _errors(text: str) -> list[tuple[int, str | None, str]]:
    parsed = parse_history_csv(text, TODAY)
    assert parsed.rows == [], "a file with a bad row gives no rows at all"
    return [(e.line, e.column, e.type) for e in parsed.errors]


def test_good_rows_are_read_with_their_optional_columns() -> None:
    parsed = parse_history_csv(
        "date,followers,following,posts\n"
        "2026-03-01,5000,310,120\n"
        "2026-03-02,5012,,121\n"
        "\n"
        f"{TODAY.isoformat()},7000,,\n",  # today is allowed; empty optional cells are unknown
        TODAY,
    )
    assert parsed.errors == []
    assert parsed.rows == [
        ImportRow(date(2026, 3, 1), 5000, 310, 120),
        ImportRow(date(2026, 3, 2), 5012, None, 121),
        ImportRow(date(2026, 11, 20), 7000, None, None),
    ]


def test_the_header_may_reorder_case_and_space_its_columns() -> None:
    text = "\ufeff Posts , FOLLOWERS,Date,\r\n12, 5000 ,2026-03-01,\r\n"  # BOM, CRLF, trailing ,
    parsed = parse_history_csv(text, TODAY)
    assert parsed.errors == []
    assert parsed.rows == [ImportRow(date(2026, 3, 1), 5000, None, 12)]


def test_only_date_and_followers_are_needed() -> None:
    parsed = parse_history_csv("date,followers\n2026-03-01,0\n", TODAY)
    assert parsed.rows == [ImportRow(date(2026, 3, 1), 0, None, None)]


BAD = (
    "date,followers,following,posts\n"  # 1
    "2026-03-01,5000,310,120\n"  # 2  good
    "2026-13-01,5000\n"  # 3  month 13
    "03/02/2026,5000\n"  # 4  not YYYY-MM-DD
    "2026-11-21,5000\n"  # 5  tomorrow
    "1999-12-31,5000\n"  # 6  before 2000
    "2026-03-01,5001\n"  # 7  line 2's day again
    "2026-03-03,\n"  # 8  no followers
    "2026-03-04,-3\n"  # 9  negative
    "2026-03-05,12.5\n"  # 10 not whole
    "2026-03-06,5000,-1,x\n"  # 11 two bad cells
    "2026-03-07,5000,1,2,3\n"  # 12 a fifth field
    "\n"  # 13 blank: ignored
    "2026-03-08,3000000000\n"  # 14 over 32 bits
    ",5000\n"  # 15 no date
    "2026-03-09,5000,,\n"  # 16 good
    "2026-03-10,1e3\n"  # 17 not whole
    "2026-03-11,٣\n"  # 18 an Arabic-Indic digit is not a number here
)


def test_every_bad_row_is_named_with_its_line_and_reason() -> None:
    assert _errors(BAD) == [
        (3, "date", "date_invalid"),
        (4, "date", "date_invalid"),
        (5, "date", "date_in_future"),
        (6, "date", "date_out_of_range"),
        (7, "date", "date_duplicate"),
        (8, "followers", "missing"),
        (9, "followers", "negative"),
        (10, "followers", "int_parsing"),
        (11, "following", "negative"),
        (11, "posts", "int_parsing"),
        (12, None, "row_length"),
        (14, "followers", "too_large"),
        (15, "date", "missing"),
        (17, "followers", "int_parsing"),
        (18, "followers", "int_parsing"),
    ]


def test_the_errors_come_in_fastapis_validation_shape() -> None:
    details = parse_history_csv(BAD, TODAY).details()
    assert details[4] == {
        "type": "date_duplicate",
        "loc": ["body", 7, "date"],
        "msg": "2026-03-01 is already on line 2",
        "input": "2026-03-01",
        "ctx": {"first_line": 2},
    }
    assert details[2]["msg"] == "in the future (the last day allowed is today, 2026-11-20 UTC)"
    assert details[10] == {
        "type": "row_length",
        "loc": ["body", 12],
        "msg": "5 fields, the header has 4",
        "input": "2026-03-07,5000,1,2,3",
    }


def test_a_duplicate_is_found_even_when_the_first_row_is_bad_otherwise() -> None:
    # Line 2 has a good date but no followers; line 3 repeats the date.
    assert _errors("date,followers\n2026-03-01,\n2026-03-01,5\n") == [
        (2, "followers", "missing"),
        (3, "date", "date_duplicate"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, None, "header_missing")]),
        ("\n\n", [(1, None, "header_missing")]),
        ("date,followers\n", [(2, None, "no_rows")]),
        ("date,followers\n\n\n", [(4, None, "no_rows")]),
        ("date,likes\n2026-03-01,5\n", [(1, None, "header"), (1, None, "header")]),
        ("date;followers\n2026-03-01;5\n", [(1, None, "header"), (1, None, "header"),
                                             (1, None, "header")]),
        ("date,followers,date\n", [(1, None, "header")]),
        ('date,followers\n2026-03-01,"5\n', [(2, None, "csv")]),  # where the row starts
    ],
)  # fmt: skip
def test_a_file_without_a_usable_header_or_rows_is_refused(
    text: str, expected: list[tuple[int, str | None, str]]
) -> None:
    assert _errors(text) == expected


def test_the_header_errors_say_what_is_expected() -> None:
    [unknown, missing] = parse_history_csv("date,likes\n", TODAY).errors
    assert unknown.msg == "unknown column 'likes' (expected date,followers[,following,posts])"
    assert (
        missing.msg == "column 'followers' is missing (expected date,followers[,following,posts])"
    )


def test_at_most_a_thousand_problems_are_listed_then_counted() -> None:
    text = "date,followers\n" + "".join(f"2026-03-01,x{i}\n" for i in range(MAX_ERRORS + 5))
    details = parse_history_csv(text, TODAY).details()
    assert len(details) == MAX_ERRORS + 1
    # 1005 rows: each has "x…" followers, and every row after the first repeats the date.
    assert details[-1]["msg"] == f"{2 * (MAX_ERRORS + 5) - 1 - MAX_ERRORS} more problems not listed"


# --- imported days and the platform's ------------------------------------------------------

CONNECTION = uuid.UUID("00000000-0000-4000-8000-00000000c5f0")
DAY = date(2026, 11, 10)
SYNCED = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
IMPORTED = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)  # after every platform fetch below


def imported(
    day: date = DAY, followers: int = 900, at: datetime = IMPORTED, **more: Any
) -> ImportedDay:
    return ImportedDay(
        connection_id=CONNECTION,
        client_id="c-1",
        platform=Platform.TIKTOK,
        username="@dana",
        snapshot_date=day,
        imported_at=at,
        followers=followers,
        **more,
    )


def snapshot(
    day: date = DAY, *, backfill: bool, fetched_at: datetime = SYNCED, **figures: Any
) -> AccountSnapshot:
    return AccountSnapshot(
        connection_id=CONNECTION,
        client_id="c-1",
        platform=Platform.TIKTOK,
        platform_user_id="tt-1",
        username="@dana",
        snapshot_date=day,
        fetched_at=fetched_at,
        backfill=backfill,
        **figures,
    )


def _after(*steps: list[AccountSnapshot | ImportedDay]) -> dict[date, DailySnapshot]:
    rows: dict[date, DailySnapshot] = {}
    for step in steps:
        recompute(rows, step)
    return rows


def test_an_imported_day_is_an_observed_count_marked_as_imported() -> None:
    rows = _after([imported(following=12, posts=3)])
    row = rows[DAY]
    assert day_source(row) is DaySource.IMPORT
    assert (row.imported, row.backfill) == (True, False)
    assert (row.followers, row.follower_source) == (900, "observed")
    assert (row.following, row.posts) == (12, 3)
    event = metrics_event(row, Platform.TIKTOK, revision=1)
    assert event.imported is True
    assert event.backfill is False
    assert event.followers == 900


@pytest.mark.parametrize("backfill", [False, True], ids=["live", "platform history"])
def test_an_import_never_replaces_a_day_the_platform_reported(backfill: bool) -> None:
    # Even a platform day without a count (gains only), and even an import fetched later.
    figures: dict[str, Any] = {"followers_gained": 4} if backfill else {"followers": 1000}
    rows = _after([snapshot(backfill=backfill, **figures)])
    before = published(rows[DAY])
    assert plan_import(rows, [DAY, DAY - timedelta(days=1)], IMPORTED) == (
        [DAY - timedelta(days=1)],
        [DAY],
    )
    outcome = recompute(rows, [imported(followers=1)])
    assert outcome.changed == []
    assert published(rows[DAY]) == before
    assert day_source(rows[DAY]) is (DaySource.PLATFORM if backfill else DaySource.LIVE)


@pytest.mark.parametrize("backfill", [False, True], ids=["live", "platform history"])
def test_a_day_the_platform_reports_later_replaces_the_import(backfill: bool) -> None:
    """Whatever the fetch times: here the platform's fetch is older than the import."""
    figures: dict[str, Any] = {"followers_gained": 4} if backfill else {"followers": 1000}
    rows = _after([imported(following=12)], [snapshot(backfill=backfill, **figures)])
    row = rows[DAY]
    assert (row.imported, row.backfill) == (False, backfill)
    assert row.followers == (None if backfill else 1000)  # nothing of the import is left
    assert row.following is None
    assert metrics_event(row, Platform.TIKTOK, revision=2).imported is False


def test_the_platform_and_an_import_end_the_same_in_either_order() -> None:
    platform_first = _after([snapshot(backfill=False, followers=1000)], [imported()])
    import_first = _after([imported()], [snapshot(backfill=False, followers=1000)])
    assert published(platform_first[DAY]) == published(import_first[DAY])


def test_a_later_import_replaces_an_earlier_import_of_the_day() -> None:
    first = imported(followers=900, following=12, posts=3)
    second = imported(followers=905, at=IMPORTED + timedelta(hours=1))
    rows = _after([first], [second])
    assert (rows[DAY].followers, rows[DAY].following, rows[DAY].posts) == (905, None, None)
    # ... and, the rule being the same either way, not the other way round.
    rows = _after([second], [first])
    assert rows[DAY].followers == 905


def test_a_platform_replacing_an_import_with_the_same_figures_still_publishes() -> None:
    """The day's source is part of what a MetricsUpdated says: the consumers must hear it."""
    rows = _after([imported(followers=1000)])
    outcome = recompute(rows, [snapshot(backfill=False, followers=1000)])
    assert [r.snapshot_date for r in outcome.changed] == [DAY]


def test_imported_counts_give_the_changes_of_the_days_after_them() -> None:
    """Imported 900 a week before a live 1000: change_7d = 100, growth 100 / 900 = 11.11 %."""
    week_ago = DAY - timedelta(days=7)
    rows = _after([snapshot(backfill=False, followers=1000)])
    outcome = recompute(rows, [imported(week_ago, 900)])
    live = rows[DAY]
    assert (live.followers_change_7d, live.growth_pct_7d) == (100, 11.11)
    assert live.followers_change_1d is None  # the day before is unknown: never made up
    assert day_source(live) is DaySource.LIVE
    # Both days changed: the imported one is new, the live one got its 7-day change.
    assert [(r.snapshot_date, r.imported) for r in outcome.changed] == [
        (week_ago, True),
        (DAY, False),
    ]


def test_imported_counts_anchor_the_chain_of_the_platforms_changes() -> None:
    """A gap in the platform's history filled by hand: the day before the imported count is
    rebuilt from it through that day's gains and losses (1000 - (10 - 4) = 994)."""
    before, gap = DAY - timedelta(days=1), DAY
    rows = _after(
        [snapshot(before, backfill=True, followers_gained=10, followers_lost=4)],
        [imported(gap, 1000)],
    )
    assert (rows[before].followers, rows[before].follower_source) == (994, "rebuilt")
    assert (rows[gap].followers, rows[gap].follower_source) == (1000, "observed")
