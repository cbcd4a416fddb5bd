"""The portfolio and the leaderboard over every client: narrow bulk queries, the domain's figures.

No query is per client and no ORM object is made: each figure reads only the columns and days it
needs — one row per account for its latest count and last live day (indexed backward lookups),
the counts of the few days the growth windows end on, the last weeks' engagement rates — and
hands them to ``domain/portfolio.py``. Only the milestone correlation needs whole series (the
placebo days are chosen over a client's whole history): the daily totals of the clients with a
completed deliverable, added up in SQL.

Two caches, both by exact inputs (:class:`PortfolioCache`). Whole answers by their inputs'
:class:`Version`: every account's ``revision`` (bumped whenever its stored history changes) and
status, the completed deliverables, the clients' names, today, and the parameters; reading it
costs three narrow queries, and an unchanged portfolio is answered from memory and says when it
was computed. And each client's share of the correlation (``correlation.client_lifts``) by that
client's own inputs, so after a change only the changed clients' series are read and their lifts
recomputed; adding up the kept parts is cheap. ``refresh`` keeps the default portfolio warm in
the background.

By concern: the queries (``queries``), the caches (``cache``), each client's part of an answer
(``parts``) and the answers themselves (``answers``). Every name is importable from
``services.analytics.portfolio`` itself; the parts call the queries through their module (patch
``portfolio.queries.load_totals`` to reach the call).
"""

from __future__ import annotations

from services.analytics.portfolio.answers import (
    LeaderboardFigures,
    PortfolioFigures,
    leaderboard,
    portfolio,
    refresh,
)
from services.analytics.portfolio.cache import (
    AccountsKey,
    AnswerCache,
    ClientFigures,
    ClientKey,
    Combination,
    PortfolioCache,
    Version,
)
from services.analytics.portfolio.parts import (
    GROWTH_WINDOWS,
    accounts_keys,
    client_figures,
    client_keys,
    correlation,
    on_platform,
)
from services.analytics.portfolio.queries import (
    CHUNK,
    load_accounts,
    load_counts_on,
    load_rates,
    load_totals,
    read_version,
)

__all__ = [
    "CHUNK",
    "GROWTH_WINDOWS",
    "AccountsKey",
    "AnswerCache",
    "ClientFigures",
    "ClientKey",
    "Combination",
    "LeaderboardFigures",
    "PortfolioCache",
    "PortfolioFigures",
    "Version",
    "accounts_keys",
    "client_figures",
    "client_keys",
    "correlation",
    "leaderboard",
    "load_accounts",
    "load_counts_on",
    "load_rates",
    "load_totals",
    "on_platform",
    "portfolio",
    "read_version",
    "refresh",
]
