"""The product at the calendar's edges: midnight, month and year ends, US/Pacific DST changes.

Each case freezes the one process clock (``shared.clock``) at a hand-picked instant and checks
what a user would see, with the expected values worked out by hand in the comments. Nothing is
passed a ``now``: the components must read it from the clock, as they do in production.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from emulator.core import EmulatorCore
from emulator.settings import EmulatorSettings
from services.ingestor.jobs import seconds_until_daily_run
from services.ingestor.settings import IngestorSettings
from shared import clock
from shared.platforms import linkedin, youtube
from shared.platforms.base import ErrorClass
from tests.support.clock import frozen_at
from tests.unit.shared.platforms.test_instagram import connect, me
from tests.unit.support import emulated_instagram


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# --- The daily sync at 03:00 UTC ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (utc(2027, 1, 31, 23, 59), 3 * 3600 + 60),  # month end: Feb 1, 03:00
        (utc(2027, 2, 28, 3, 0), 86400),  # 03:00 itself: the next one is a day later (Mar 1)
        (utc(2027, 12, 31, 2, 59, 59), 1),  # year end: Dec 31, 03:00
        (utc(2027, 12, 31, 3, 0, 1), 86400 - 1),  # …then 2028-01-01, 03:00
        # US/Pacific DST changes (2027-03-14 10:00 UTC, 2027-11-07 09:00 UTC) move nothing:
        (utc(2027, 3, 14, 9, 59), 17 * 3600 + 60),
        (utc(2027, 11, 7, 8, 59), 18 * 3600 + 60),
    ],
)
def test_daily_sync_runs_at_three_utc_across_boundaries(now: datetime, seconds: float) -> None:
    with frozen_at(now):
        assert seconds_until_daily_run(IngestorSettings()) == seconds


# --- YouTube's quota resets at midnight America/Los_Angeles -------------------------------------


def quota_exceeded() -> httpx.Response:
    body = {
        "error": {
            "code": 403,
            "message": "The request cannot be completed because you have exceeded your quota.",
            "errors": [{"reason": "quotaExceeded", "domain": "youtube.quota"}],
        }
    }
    return httpx.Response(403, json=body)


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        # Mar 13, 23:30 PST: midnight PST is Mar 14 08:00 UTC, 30 min away.
        (utc(2027, 3, 14, 7, 30), 1800),
        # Mar 14, 01:30 PST, just before clocks spring forward: the day has 23 hours, and the
        # next midnight (Mar 15 00:00 PDT = 07:00 UTC) is 21 h 30 min away.
        (utc(2027, 3, 14, 9, 30), 21 * 3600 + 1800),
        # Nov 7, 00:30 PDT: clocks fall back, the day has 25 hours; midnight PST = Nov 8 08:00
        # UTC, 24 h 30 min away.
        (utc(2027, 11, 7, 7, 30), 24 * 3600 + 1800),
        # Dec 31, 00:30 PST: next midnight 2028-01-01 00:00 PST = 08:00 UTC, 23 h 30 min away.
        (utc(2027, 12, 31, 8, 30), 23 * 3600 + 1800),
        # Already Jan 1 in UTC, still Dec 31 in Los Angeles (23:00 PST): one hour.
        (utc(2028, 1, 1, 7, 0), 3600),
    ],
)
def test_youtube_quota_waits_for_pacific_midnight(now: datetime, seconds: float) -> None:
    with frozen_at(now):
        error = youtube.classify(quota_exceeded())
    assert (error.error_class, error.retry_after) == (ErrorClass.RATE_LIMITED, seconds)


# --- LinkedIn's daily limits reset at 00:00 UTC -------------------------------------------------


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (utc(2027, 12, 31, 23, 59, 30), 30),  # year end
        (utc(2028, 1, 1, 0, 0, 0), 86400),  # exactly midnight: a whole day
        (utc(2027, 2, 28, 12, 0), 12 * 3600),  # month end (not a leap year)
        (utc(2027, 3, 14, 9, 59), 14 * 3600 + 60),  # Pacific DST is nothing to LinkedIn
        (utc(2027, 6, 30, 23, 59, 59, 500_000), 1),  # never less than a second
    ],
)
def test_linkedin_daily_limit_waits_for_utc_midnight(now: datetime, seconds: float) -> None:
    with frozen_at(now):
        error = linkedin.classify(httpx.Response(429, json={"status": 429, "message": "quota"}))
        oauth = linkedin.classify(httpx.Response(429, json={"error": "rate_limited"}))
    assert (error.error_class, error.retry_after) == (ErrorClass.RATE_LIMITED, seconds)
    assert (oauth.error_class, oauth.retry_after) == (ErrorClass.RATE_LIMITED, seconds)


# --- Instagram's 30-day history window ----------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        utc(2027, 1, 1, 0, 0, 30),  # seconds after a year end
        utc(2027, 3, 1, 23, 59),  # the end of a day after February's 28
        utc(2027, 3, 14, 10, 30),  # the US/Pacific DST change
        utc(2028, 3, 1, 6, 0),  # after a leap day
    ],
)
async def test_instagram_history_is_the_29_days_before_today(now: datetime) -> None:
    """The window (30 days back from the start of today, UTC) yields the 29 days up to today,
    each once and in order, whatever month, year or DST change it spans.

    The emulator is not pinned here: it follows the same frozen clock, as the real platform
    follows the real one.
    """
    with frozen_at(now):
        async with emulated_instagram(EmulatorSettings()) as emu:
            grant = await connect(emu)
            profile = await me(emu, grant.access_token)
            history = await emu.instagram.fetch_history(
                grant.access_token, account_id=str(profile["user_id"]), days=90
            )
    today = now.date()
    assert [point.day for point in history] == [
        today - timedelta(days=d) for d in range(28, -1, -1)
    ]


# --- The emulator's day changes exactly at midnight UTC -----------------------------------------


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (utc(2027, 12, 31, 23, 59, 59, 999_000), date(2027, 12, 31)),
        (utc(2028, 1, 1), date(2028, 1, 1)),
        (utc(2028, 2, 29, 23, 59, 59), date(2028, 2, 29)),
        (utc(2028, 3, 1), date(2028, 3, 1)),
    ],
)
def test_the_emulators_day_turns_at_utc_midnight(now: datetime, day: date) -> None:
    with frozen_at(now):
        assert EmulatorCore(EmulatorSettings()).today() == day == clock.today()
