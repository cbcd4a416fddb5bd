"""The bounded date types: 2000-01-01 … today + 365 days, the upper end moving with the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.date_params import BoundedDate, BoundedDateTime, latest
from tests.support.clock import frozen_at

DATES = TypeAdapter(BoundedDate)
DATETIMES = TypeAdapter(BoundedDateTime)


def rejected(adapter: TypeAdapter[date] | TypeAdapter[datetime], value: str) -> dict[str, object]:
    with pytest.raises(ValidationError) as raised:
        adapter.validate_python(value)
    [error] = raised.value.errors()
    assert error["type"] == "date_out_of_range"
    return dict(error["ctx"])


def test_the_upper_end_is_a_year_after_the_pinned_day() -> None:
    assert latest() == date(2027, 11, 20)  # 2026-11-20 + 365 days: no 29 February between


@pytest.mark.parametrize("value", ["2000-01-01", "2026-11-20", "2027-11-20"])
def test_dates_within_the_range_pass(value: str) -> None:
    assert DATES.validate_python(value) == date.fromisoformat(value)


@pytest.mark.parametrize("value", ["0001-01-01", "1999-12-31", "2027-11-21", "9999-12-31"])
def test_dates_outside_the_range_are_refused_with_the_range(value: str) -> None:
    assert rejected(DATES, value) == {"earliest": "2000-01-01", "latest": "2027-11-20"}


def test_the_upper_end_moves_with_the_clock() -> None:
    # 2028-02-29 + 365 days is 2029-02-28: the year after a leap day has no 29 February.
    with frozen_at(datetime(2028, 2, 29, 23, 59, tzinfo=UTC)):
        assert DATES.validate_python("2029-02-28") == date(2029, 2, 28)
        assert rejected(DATES, "2029-03-01")["latest"] == "2029-02-28"


@pytest.mark.parametrize(
    "value",
    [
        "2000-01-01T00:00:00Z",
        "2000-01-01T00:00:00",  # naive: taken as UTC
        "2027-11-20T23:59:59Z",
        "2000-01-01T01:30:00+01:00",  # 2000-01-01 00:30 UTC
        "2027-11-21T00:30:00+01:00",  # 2027-11-20 23:30 UTC
    ],
)
def test_datetimes_whose_utc_day_is_within_the_range_pass(value: str) -> None:
    assert DATETIMES.validate_python(value) == datetime.fromisoformat(value)


@pytest.mark.parametrize(
    "value",
    [
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:30:00+01:00",  # 1999-12-31 23:30 UTC
        "2027-11-21T00:00:00Z",
        "2027-11-20T23:00:00-05:00",  # 2027-11-21 04:00 UTC
        "0001-01-01T00:30:00+01:00",  # before the calendar's start in UTC: no OverflowError
        "9999-12-31T23:00:00-05:00",  # after the calendar's end in UTC: no OverflowError
    ],
)
def test_datetimes_whose_utc_day_is_outside_the_range_are_refused(value: str) -> None:
    assert rejected(DATETIMES, value) == {"earliest": "2000-01-01", "latest": "2027-11-20"}
