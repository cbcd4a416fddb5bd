"""The range parameters the views take, their limits, and the errors a bad one gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from fastapi import HTTPException, status

from services.analytics.domain.top_content import RankBy

ALL = "all"
#: The longest custom range and history window a request may ask for.
MAX_RANGE_DAYS = 3 * 366


class RangeName(StrEnum):
    DAYS_7 = "7d"
    DAYS_30 = "30d"
    DAYS_90 = "90d"
    ALL = "all"
    CUSTOM = "custom"


_WINDOW_DAYS = {RangeName.DAYS_7: 7, RangeName.DAYS_30: 30, RangeName.DAYS_90: 90}


class TopBy(StrEnum):
    ENGAGEMENT = "engagement"
    VIEWS = "views"
    LIKES = "likes"


RANK_BY = {
    TopBy.ENGAGEMENT: RankBy.ENGAGEMENT_RATE,
    TopBy.VIEWS: RankBy.VIEWS,
    TopBy.LIKES: RankBy.LIKES,
}


def unprocessable(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=reason)


def not_found(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=reason)


def checked_window(start: date, end: date) -> None:
    """422 for ``from`` after ``to`` or a window over ``MAX_RANGE_DAYS``."""
    if start > end:
        raise unprocessable("'from' is after 'to'")
    if (end - start).days > MAX_RANGE_DAYS:
        raise unprocessable(f"at most {MAX_RANGE_DAYS} days per request")


@dataclass(frozen=True)
class Window:
    name: RangeName
    start: date | None
    """None for ``all``: from the first stored day."""
    end: date


def window(name: RangeName | None, start: date | None, end: date | None, today: date) -> Window:
    """The days a range parameter names: N days = ``[today - N, today]`` (as the growth
    windows), ``all`` = from the first stored day to today, ``custom`` = ``from`` … ``to``.
    ``from``/``to`` alone imply ``custom``; with another range they are a 422."""
    if name is None:
        name = RangeName.CUSTOM if start is not None or end is not None else RangeName.DAYS_30
    if name is not RangeName.CUSTOM:
        if start is not None or end is not None:
            raise unprocessable(f"'from' and 'to' go with range=custom, not range={name}")
        if name is RangeName.ALL:
            return Window(name, None, today)
        return Window(name, today - timedelta(days=_WINDOW_DAYS[name]), today)
    if start is None or end is None:
        raise unprocessable("range=custom needs both 'from' and 'to'")
    checked_window(start, end)
    return Window(name, start, end)
