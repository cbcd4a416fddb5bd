"""The statistics of the table: a mean with its t interval, a difference with Welch's."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from services.analytics.domain.student_t import t_quantile

CONFIDENCE = 0.95

MIN_N_TO_SHOW_CI = 3
"""Fewest values whose interval is worth showing.

An interval exists from 2 values, but with 1 degree of freedom ``t(0.975, 1) = 12.71``: the
interval is about 9 times as wide as the two values are apart, which says nothing a reader can
use. From 3 values ``t(0.975, 2) = 4.30``.
"""


@dataclass(frozen=True)
class Statistic:
    """Mean of ``n`` values with its 95 % t interval (``n - 1`` degrees of freedom)."""

    n: int
    mean: float | None
    """``None`` when ``n == 0``."""
    sd: float | None
    """Sample standard deviation (divisor ``n - 1``); ``None`` when ``n < 2``."""
    ci: tuple[float, float] | None
    """``mean -/+ t(0.975, n - 1) * sd / sqrt(n)``; ``None`` when ``n < 2``."""

    @property
    def ci_to_show(self) -> tuple[float, float] | None:
        """The interval, only from ``MIN_N_TO_SHOW_CI`` values on."""
        return self.ci if self.n >= MIN_N_TO_SHOW_CI else None


@dataclass(frozen=True)
class Difference:
    """Difference of two means with its 95 % Welch interval."""

    estimate: float
    se: float
    df: float | None
    """Welch-Satterthwaite degrees of freedom; ``None`` when neither sample varies (``se == 0``,
    the interval then has zero width)."""
    ci: tuple[float, float]


def _t_quantile(df: float) -> float:
    """The two-sided 95 % quantile of Student's t with ``df`` degrees of freedom."""
    return t_quantile(0.5 + CONFIDENCE / 2, df)


def summarize(values: Sequence[float]) -> Statistic:
    """Mean, sample standard deviation and 95 % t interval (``n - 1`` degrees of freedom).

    The interval is ``mean -/+ t(0.975, n - 1) * s / sqrt(n)``: it assumes the values are
    independent (one per client) and that their mean is roughly normal, which the t
    distribution allows for at small ``n``.
    """
    n = len(values)
    if n == 0:
        return Statistic(0, None, None, None)
    mean = statistics.fmean(values)
    if n < 2:
        return Statistic(n, mean, None, None)
    sd = statistics.stdev(values)
    half = _t_quantile(n - 1) * sd / math.sqrt(n)
    return Statistic(n, mean, sd, (mean - half, mean + half))


def welch_difference(a: Sequence[float], b: Sequence[float]) -> Difference | None:
    """``mean(a) - mean(b)`` with its 95 % Welch interval; ``None`` unless both have 2 values.

    ``se = sqrt(s_a^2 / n_a + s_b^2 / n_b)``, and the degrees of freedom are Welch-Satterthwaite's
    ``se^4 / ((s_a^2 / n_a)^2 / (n_a - 1) + (s_b^2 / n_b)^2 / (n_b - 1))``: it does not assume the
    two spreads are equal. It treats the samples as independent. A client's lift and placebo
    lifts are both from one account, so if they go together (positive correlation) an interval
    for the paired difference would be narrower: this one is then on the cautious side.
    """
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    estimate = statistics.fmean(a) - statistics.fmean(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return Difference(estimate, 0.0, None, (estimate, estimate))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = _t_quantile(df) * se
    return Difference(estimate, se, df, (estimate - half, estimate + half))
