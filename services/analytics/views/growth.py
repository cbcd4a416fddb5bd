"""The growth chart: one metric's points over a range, with the program's deliverables."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import reads
from services.analytics.domain import dashboard, program
from services.analytics.domain.dashboard import Metric
from services.analytics.domain.range_growth import (
    growth_between,
)
from services.analytics.schemas import (
    GrowthSeries,
)
from services.analytics.views.client import by_platform, client, follower_totals
from services.analytics.views.params import RangeName, window
from services.analytics.views.shaping import day_ranges, growth_public, markers, series_points
from shared import clock


async def growth_series(
    session: AsyncSession,
    client_id: str,
    platform: str,
    metric: Metric,
    range_name: RangeName | None,
    start: date | None,
    end: date | None,
    *,
    known: bool = False,
) -> GrowthSeries:
    """Chart-ready points of one metric, one per day of the range, with the deliverables."""
    today = clock.today()
    found = await client(session, client_id, known=known)
    shown = found.accounts(platform)
    span = window(range_name, start, end, today)
    ids = [t.connection_id for t in shown.values()]
    plan = found.program.domain() if found.program else None
    lo = span.start if plan is None or span.start is None else min(span.start, plan.start)
    hi = max(span.end, today)
    accounts = by_platform(shown, await reads.figures(session, ids, lo, hi))
    first = span.start or reads.first_day(accounts.values()) or today
    last = span.end if span.end >= first else first  # ``all`` with history only after today
    points = dashboard.series(accounts, metric, first, last)
    if len(accounts) == 1:  # one account's counts are its own: nothing to add up
        [counts] = dashboard.follower_counts(accounts).values()
        missing = None
    else:
        stored = [d for days in accounts.values() for d in days]
        counts, missing = follower_totals(accounts, min([first, *stored]), max([hi, *stored]))
    gains = (
        program.deliverable_gains(counts, plan, found.program.domain_deliverables(), today)
        if plan is not None and found.program is not None
        else ()
    )
    return GrowthSeries(
        client_id=client_id,
        platform=platform,
        metric=metric.value,
        range=span.name.value,
        start=first,
        end=last,
        points=series_points(points),
        gaps=day_ranges(dashboard.point_gaps(points, first, last)),
        growth=growth_public(growth_between(counts, first, last), missing),
        deliverables=markers(found.program, gains, first, last),
    )
