"""Milestone correlation: does follower growth change after a deliverable is completed?

For one completion day ``c`` and a window of ``N`` days (default 14), with ``count(d)`` the
follower count at the start of day ``d`` (see ``followers.py``)::

    before      = count(c) - count(c - N)          followers gained in the N days before
    after       = count(c + N) - count(c)          followers gained in the N days after
    before_rate = 100 * before / count(c - N) / N  percent a day, the client's own baseline
    after_rate  = 100 * after / count(c) / N       percent a day
    lift        = after_rate - before_rate         percentage points a day

Each rate is relative to the count at the start of its own window, so accounts of any size are
comparable, and it is per day, so it reads the same whatever ``N`` is. The lift is a
*difference* of rates, not a ratio: a ratio explodes when the baseline is near zero and flips
sign when the baseline is negative (an account losing followers), while a difference stays
finite and keeps its meaning (+0.5 means half a percent of the account more each day).

Nothing is estimated. The three counts must be known for exactly those days, the after-window
must be over (``c + N <= today``) and the two window-start counts must not be 0; otherwise that
completion is excluded and the reason is reported, never filled in.

Across the portfolio, per deliverable code, the clients' lifts are summarised by their mean and
a 95 % t interval; the same lift measured on *placebo days* — days of the same clients far from
any completion — shows how large the lift is when nothing happened, and the Welch difference
"lift - placebo" shows whether the deliverable's lift exceeds that noise.

By concern: the lifts of completions (``lifts``), placebo days (``placebo``), the statistics
(``stats``) and the portfolio table from per-client shares (``table``). Every name is
importable from ``services.analytics.domain.correlation`` itself.
"""

from __future__ import annotations

from services.analytics.domain.correlation.lifts import (
    DEFAULT_DAYS,
    ClientHistory,
    Exclusion,
    Lift,
    MilestoneLift,
    NoLift,
    Reason,
    lift_at,
    milestone_lifts,
)
from services.analytics.domain.correlation.placebo import (
    DEFAULT_PLACEBO_PER_CLIENT,
    placebo_days,
    placebo_lifts,
)
from services.analytics.domain.correlation.stats import (
    CONFIDENCE,
    MIN_N_TO_SHOW_CI,
    Difference,
    Statistic,
    summarize,
    welch_difference,
)
from services.analytics.domain.correlation.table import (
    ClientLifts,
    Correlation,
    DeliverableCorrelation,
    client_lifts,
    correlation_of,
    milestone_correlation,
)

__all__ = [
    "CONFIDENCE",
    "DEFAULT_DAYS",
    "DEFAULT_PLACEBO_PER_CLIENT",
    "MIN_N_TO_SHOW_CI",
    "ClientHistory",
    "ClientLifts",
    "Correlation",
    "DeliverableCorrelation",
    "Difference",
    "Exclusion",
    "Lift",
    "MilestoneLift",
    "NoLift",
    "Reason",
    "Statistic",
    "client_lifts",
    "correlation_of",
    "lift_at",
    "milestone_correlation",
    "milestone_lifts",
    "placebo_days",
    "placebo_lifts",
    "summarize",
    "welch_difference",
]
