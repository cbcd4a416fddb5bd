"""The dashboards' views, one function per view taking the client's id.

The portal's routes call them with the caller's own client id, the admin's with the id in the
path: one code path, so both see the same figures. Each view reads the stored rows once
(``reads``), hands them to the computations (``domain``) and shapes the answer
(``schemas``); nothing is computed here that a domain function computes.

One module per dashboard (``overview``, ``metrics``, ``growth``, ``content``,
``client_overview``) over what they share: the range parameters (``params``), the client's
accounts and program (``client``) and the shaping of results into schemas (``shaping``).
Every name the routes use is importable from ``services.analytics.views`` itself.
"""

from __future__ import annotations

from services.analytics.views.client import DEFAULT_TIMEZONE, Client, client
from services.analytics.views.client_overview import RECENT_SIGNALS, client_overview
from services.analytics.views.content import top
from services.analytics.views.growth import growth_series
from services.analytics.views.metrics import (
    ENGAGEMENT_DAYS,
    HISTORY_DAYS,
    INSIGHT_DAYS,
    platform_metrics,
)
from services.analytics.views.overview import TOTALS_LOOKBACK_DAYS, overview
from services.analytics.views.params import (
    ALL,
    MAX_RANGE_DAYS,
    RangeName,
    TopBy,
    Window,
    checked_window,
    window,
)

__all__ = [
    "ALL",
    "DEFAULT_TIMEZONE",
    "ENGAGEMENT_DAYS",
    "HISTORY_DAYS",
    "INSIGHT_DAYS",
    "MAX_RANGE_DAYS",
    "RECENT_SIGNALS",
    "TOTALS_LOOKBACK_DAYS",
    "Client",
    "RangeName",
    "TopBy",
    "Window",
    "checked_window",
    "client",
    "client_overview",
    "growth_series",
    "overview",
    "platform_metrics",
    "top",
    "window",
]
