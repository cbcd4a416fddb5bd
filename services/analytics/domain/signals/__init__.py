"""Signals about one account (or a client's accounts in total), each with the figures behind it.

Conventions. ``count(t)`` is the follower count at the *start* of day ``t`` (``followers.py``);
the gain of day ``t`` is ``g(t) = count(t + 1) - count(t)``, known only when both counts are. A
signal *about day d* uses what is known at the start of ``d``: counts up to ``count(d)``, gains
up to ``g(d - 1)``, the engagement rate of ``d``. Missing data never becomes a number: a rule
without the data it needs says nothing.

Every signal has a ``key`` built from its kind, its day (or, for stale data, the last
successful sync) and, for milestones, the threshold. The same facts always give the same signals
and keys, so a caller that remembers the keys it emitted emits nothing new on a replay.

* **Milestone** (``milestone``, ``total_milestone``): on day ``d`` for each threshold ``T`` with
  ``count(d - 1) < T <= count(d)``, both counts known, and no known count before ``d`` at or
  above ``T``: a milestone is reached once in the series given (pass the whole history), so an
  oscillation around 10K fires on its first crossing only. Thresholds: ``milestones``, then every
  multiple of ``milestone_every`` above the last of them. The total variant adds the accounts'
  counts, on days where every account has one.
* **Surge, decline, stall**: the *recent* gains are the ``R`` gains ``g(d - R) … g(d - 1)``, all
  known; the *baseline* gains are the known ones of the ``B`` days before them,
  ``g(d - R - B) … g(d - R - 1)``, at least ``M``. ``m`` = median of the recent gains (a single
  spike day among three does not move it); ``b`` = median of the baseline gains;
  ``spread = max(1.4826 * MAD, min_spread, min_spread_fraction * count(d - R))``, MAD being the
  median absolute deviation of the baseline gains from ``b`` (1.4826 * MAD estimates a standard
  deviation; the floors keep a flat baseline from turning every wiggle into a signal). In this
  order, the first that holds: **surge** ``m > b + k * spread``; **stall** ``b > k * spread``
  (clearly growing) and ``|m| <= spread``; **decline** ``m < 0`` and ``m < b - k * spread``.
* **Low engagement**: the rate of ``d`` (percent) is below ``max(engagement_floor,
  engagement_fraction * median)``, the median over the known rates of the ``E`` days before ``d``
  (at least ``min_engagement_rates``).
* Surge, decline, stall and low engagement fire on the first day of a run: not on ``d`` if the
  same rule also held on ``d - 1`` (a day the rule cannot evaluate breaks the run).
* **Stale data**: no successful sync for ``N`` days, ``day - last_success >= N``; once per stale
  streak (the key carries the last-success date). Never synced is its own reason, counted from
  the connection day when it is given.

By rule: what the rules take and give (``config``), milestones (``milestones``), surge, stall
and decline (``growth``), low engagement and stale data (``engagement``); every signal of one
account is :func:`account_signals` here. Every name is importable from
``services.analytics.domain.signals`` itself.
"""

from __future__ import annotations

from datetime import date

from services.analytics.domain.signals.config import (
    DEFAULT_CONFIG,
    AccountSeries,
    DailyRates,
    Number,
    Signal,
    SignalConfig,
    SignalKind,
    StaleReason,
)
from services.analytics.domain.signals.engagement import (
    LowRate,
    low_engagement,
    low_rate,
    stale_data,
)
from services.analytics.domain.signals.growth import (
    MAD_TO_SD,
    GrowthReading,
    classify_growth,
    growth_signal,
    read_growth,
)
from services.analytics.domain.signals.milestones import (
    milestones,
    thresholds_between,
    total_milestones,
    total_series,
)

__all__ = [
    "DEFAULT_CONFIG",
    "MAD_TO_SD",
    "AccountSeries",
    "DailyRates",
    "GrowthReading",
    "LowRate",
    "Number",
    "Signal",
    "SignalConfig",
    "SignalKind",
    "StaleReason",
    "account_signals",
    "classify_growth",
    "growth_signal",
    "low_engagement",
    "low_rate",
    "milestones",
    "read_growth",
    "stale_data",
    "thresholds_between",
    "total_milestones",
    "total_series",
]


def account_signals(
    account: AccountSeries, day: date, config: SignalConfig = DEFAULT_CONFIG
) -> list[Signal]:
    """Every signal of one account about ``day``: milestones, growth, engagement, stale data."""
    out = milestones(account.counts, day, config)
    for signal in (
        growth_signal(account.counts, day, config),
        low_engagement(account.rates, day, config),
        stale_data(account.last_success, day, config, account.connected_on),
    ):
        if signal is not None:
            out.append(signal)
    return out
