"""Where the followers are heading: the count at the program's end and the day of the goal.

Method. The known daily counts of the last ``window_days`` days (60 by default; today
included) are fitted with a straight line, count = a + b * day, by ordinary least squares
(exact rational arithmetic; day 0 is ``today``, so ``a`` is the trend's count today and ``b``
the followers gained per day). Fewer than ``MIN_POINTS`` (14) known days: no forecast (None).
Missing days are simply not points; none is filled in.

Why linear and not on log counts: over a few weeks an account's follower gains are close to a
steady number a day, and a compounding (log) fit carried months ahead to a program's end grows
faster and faster from a short window, promising more than the data shows; the linear trend is
the cautious reading, its band is in followers directly, and it copes with a count of 0.

Uncertainty: prediction intervals at 80% and 95% for a single future day ``x``,
``a + b*x -/+ t * s * sqrt(1 + 1/n + (x - mean_x)^2 / Sxx)``, where ``s`` is the residual
standard error ``sqrt(SSE / (n - 2))``, ``Sxx = sum((x_i - mean_x)^2)`` and ``t`` the Student t
quantile at ``(1 + level) / 2`` with ``n - 2`` degrees of freedom (``student_t``). A perfectly
straight history has ``s = 0``: the band collapses onto the line. Counts are never below 0: a
line or band edge that falls below 0 followers is shown as 0. The band takes the day-to-day
deviations from the line as independent; a running count wanders more than that, so read the
band as the least uncertainty there is, not the most.

The goal: "already reached" when the latest known count is at least the goal. Otherwise the
expected day is the first day after the latest known count on which the line reaches the goal;
the band of days is the first day the band's upper edge reaches it (earliest) and the first day
its lower edge does (latest; None when it does not within the horizon). Days are searched up
to ``MAX_HORIZON_DAYS`` (10 years) ahead: a trend that is flat or falling "never" reaches the
goal; a rising one that needs longer is "beyond the horizon" — no date either way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from services.analytics.domain.program import Program
from services.analytics.domain.ranges import DailyCounts
from services.analytics.domain.student_t import t_quantile

WINDOW_DAYS = 60
MIN_POINTS = 14
LEVELS = (0.80, 0.95)
MAX_HORIZON_DAYS = 3650


@dataclass(frozen=True)
class LineFit:
    """An ordinary least-squares line through ``(x, y)`` points, with its residual error."""

    points: int
    slope: float
    intercept: float
    """The line's value at ``x = 0``."""
    mean_x: float
    sxx: float
    """``sum((x_i - mean_x)^2)``."""
    residual_se: float
    """``sqrt(SSE / (points - 2))``."""

    def predict(self, x: float) -> float:
        return self.intercept + self.slope * x

    def half_width(self, x: float, level: float) -> float:
        """Half the prediction interval at ``x`` for a new observation, ``level`` e.g. 0.95."""
        if self.residual_se == 0.0:
            return 0.0
        t = t_quantile(0.5 + level / 2.0, self.points - 2)
        spread = 1.0 + 1.0 / self.points + (x - self.mean_x) ** 2 / self.sxx
        return t * self.residual_se * math.sqrt(spread)


def fit_line(points: Sequence[tuple[int, int]]) -> LineFit:
    """OLS fit of integer points; ``ValueError`` under 3 points or with a single ``x``."""
    n = len(points)
    if n < 3:
        raise ValueError(f"{n} points: a line with an error needs at least 3")
    sx = sum(x for x, _ in points)
    sy = sum(y for _, y in points)
    n_sxx = n * sum(x * x for x, _ in points) - sx * sx
    if n_sxx == 0:
        raise ValueError("every point is on the same day")
    slope = Fraction(n * sum(x * y for x, y in points) - sx * sy, n_sxx)
    intercept = (sy - slope * sx) / n
    sse = sum(((y - intercept - slope * x) ** 2 for x, y in points), Fraction(0))
    return LineFit(
        points=n,
        slope=float(slope),
        intercept=float(intercept),
        mean_x=sx / n,
        sxx=float(Fraction(n_sxx, n)),
        residual_se=math.sqrt(sse / (n - 2)),
    )


@dataclass(frozen=True)
class Trend:
    first_day: date
    last_day: date
    """The first and last known days the line was fitted on."""
    fit: LineFit
    """``x`` in days from ``today`` (0 = today); ``slope`` = followers a day."""


@dataclass(frozen=True)
class CountBand:
    level: float
    low: float
    high: float


@dataclass(frozen=True)
class EndForecast:
    day: date
    """The program's last day (its count, like every count, at the start of that day)."""
    expected: float
    """The line's count that day (not rounded), at least 0."""
    bands: tuple[CountBand, ...]


class GoalStatus(StrEnum):
    NO_GOAL = "no_goal"
    ALREADY_REACHED = "already_reached"
    EXPECTED = "expected"
    NEVER = "never"
    """The trend is flat or falling."""
    BEYOND_HORIZON = "beyond_horizon"
    """Rising, but not within ``MAX_HORIZON_DAYS``."""


@dataclass(frozen=True)
class DateBand:
    level: float
    earliest: date | None
    """First day the band's upper edge reaches the goal (None: not within the horizon)."""
    latest: date | None
    """First day the band's lower edge reaches the goal (None: not within the horizon)."""


@dataclass(frozen=True)
class GoalForecast:
    goal: int | None
    status: GoalStatus
    expected_on: date | None
    """Only with status ``EXPECTED``."""
    bands: tuple[DateBand, ...]
    """Empty when there is no goal or it is already reached."""


@dataclass(frozen=True)
class Forecast:
    trend: Trend
    at_end: EndForecast | None
    """None when the program's end is not after ``today``: its count is history, not forecast."""
    goal: GoalForecast


def _first_day(
    fit: LineFit, goal: int, side: int, level: float, today: date, first_x: int
) -> date | None:
    """First day from ``today + first_x`` on which the line (``side`` 0), or the band's upper
    (+1) or lower (-1) edge at ``level``, is at least ``goal``; None within the horizon."""
    for x in range(first_x, MAX_HORIZON_DAYS + 1):
        edge = fit.predict(x) + (side * fit.half_width(x, level) if side else 0.0)
        if edge >= goal:
            return today + timedelta(days=x)
    return None


def _goal(
    fit: LineFit, goal: int | None, latest: tuple[date, int], today: date, levels: Sequence[float]
) -> GoalForecast:
    if goal is None:
        return GoalForecast(None, GoalStatus.NO_GOAL, None, ())
    if latest[1] >= goal:
        return GoalForecast(goal, GoalStatus.ALREADY_REACHED, None, ())
    first_x = (latest[0] - today).days + 1
    expected = _first_day(fit, goal, 0, 0.0, today, first_x)
    if expected is not None:
        status = GoalStatus.EXPECTED
    else:
        status = GoalStatus.NEVER if fit.slope <= 0 else GoalStatus.BEYOND_HORIZON
    bands = tuple(
        DateBand(
            level,
            earliest=_first_day(fit, goal, +1, level, today, first_x),
            latest=_first_day(fit, goal, -1, level, today, first_x),
        )
        for level in levels
    )
    return GoalForecast(goal, status, expected, bands)


def forecast(
    counts: DailyCounts,
    program: Program,
    today: date,
    *,
    window_days: int = WINDOW_DAYS,
    min_points: int = MIN_POINTS,
    levels: Sequence[float] = LEVELS,
) -> Forecast | None:
    """The trend of the last ``window_days`` days carried to the program's end and goal.

    None with fewer than ``min_points`` known days in the window (``ValueError`` if
    ``min_points < 3``: a line's error needs 3 points).
    """
    if min_points < 3:
        raise ValueError(f"min_points {min_points}")
    first = today - timedelta(days=window_days - 1)
    known = sorted((d, n) for d, n in counts.items() if n is not None and first <= d <= today)
    if len(known) < min_points:
        return None
    fit = fit_line([((d - today).days, n) for d, n in known])
    at_end = None
    if program.end > today:
        x = (program.end - today).days
        line = fit.predict(x)
        at_end = EndForecast(
            program.end,
            max(0.0, line),
            tuple(
                CountBand(
                    level,
                    max(0.0, line - fit.half_width(x, level)),
                    max(0.0, line + fit.half_width(x, level)),
                )
                for level in levels
            ),
        )
    return Forecast(
        Trend(known[0][0], known[-1][0], fit),
        at_end,
        _goal(fit, program.goal, known[-1], today, levels),
    )
