"""The dates a route accepts: every date or datetime parameter is in 2000-01-01 … today + 1 year.

Python's calendar runs from 0001-01-01 to 9999-12-31, so arithmetic on an unbounded date (the
90-day window before ``to=0001-01-01``) raises ``OverflowError`` and the caller got a 500. Every
date parameter of every service is typed :data:`BoundedDate` (a datetime one
:data:`BoundedDateTime`): outside the range it answers FastAPI's usual 422, whose ``loc`` names the
parameter and whose ``msg`` and ``ctx`` give the range. Within the range, a window of a few years
either way stays far inside the calendar.

The upper bound moves with :mod:`shared.clock`, so it is checked at request time, not by a
``le=`` constraint fixed at import.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from shared import clock

EARLIEST = date(2000, 1, 1)
"""No platform or client of ours has data before this day."""
AHEAD = timedelta(days=365)
"""How far past today a date may reach (a window ending in the future is harmless)."""


def latest() -> date:
    """The last date a parameter may take today (UTC)."""
    return clock.today() + AHEAD


def _out_of_range() -> PydanticCustomError:
    return PydanticCustomError(
        "date_out_of_range",
        "Input should be a date from {earliest} to {latest} (today + 365 days, UTC)",
        {"earliest": EARLIEST.isoformat(), "latest": latest().isoformat()},
    )


def _check_date(value: date) -> date:
    if not EARLIEST <= value <= latest():
        raise _out_of_range()
    return value


def _check_datetime(value: datetime) -> datetime:
    """Bounds the instant's UTC date; a naive value is taken as UTC, as stored everywhere."""
    try:
        day = value.astimezone(UTC).date() if value.tzinfo is not None else value.date()
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the calendar's end in UTC
        raise _out_of_range() from None
    _check_date(day)
    return value


BoundedDate = Annotated[date, AfterValidator(_check_date)]
"""A date parameter within :data:`EARLIEST` … :func:`latest`."""
BoundedDateTime = Annotated[datetime, AfterValidator(_check_datetime)]
"""A datetime parameter whose UTC date is within :data:`EARLIEST` … :func:`latest`."""
