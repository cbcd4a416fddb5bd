"""The shapes several answers share: a day's source, a run of days, a growth, an engagement,
a chart's point and a deliverable marker. Percentages are rounded to 2 decimals unless a
field says otherwise."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

DaySourceName = Literal["live", "platform", "import"]


PlatformName = Literal["instagram", "tiktok", "youtube", "x", "linkedin", "facebook"]


class DayRangePublic(BaseModel):
    """The days ``first`` to ``last``, both included (a gap: no value on any of them)."""

    first: date
    last: date


class GrowthPublic(BaseModel):
    """Followers from the start of ``start`` to the start of ``end``, read on exactly those
    days (``range_growth.growth_between``); ``reason`` says why ``change`` or ``percent`` is
    null."""

    start: date
    end: date
    start_count: int | None
    end_count: int | None
    change: int | None
    percent: float | None
    known_days: int
    gaps: list[DayRangePublic]
    reason: str | None


class EngagementPublic(BaseModel):
    """The mean engagement rate of the posts published in ``start`` … ``end`` (local days)."""

    start: date
    end: date
    posts: int
    posts_rated: int
    mean_rate: float | None


class SeriesPoint(BaseModel):
    date: date
    value: int | float | None
    source: DaySourceName | None
    """Where the day's figures came from (for ``all``: the least direct of the accounts' —
    import, then platform, then live); null when no account has the day stored."""
    missing: list[str]
    """For ``all``: the platforms without a value that day."""


class MarkerPublic(BaseModel):
    """A deliverable on the chart's time axis."""

    code: str
    title: str
    due_on: date
    completed_on: date | None
    label: str | None
    """E.g. ``"M1 Complete (Dec 1): +500 followers"``; null until it is completed."""
