"""Top content: the best posts of a range, of one platform or of every connected one."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import reads
from services.analytics.domain.top_content import top_content
from services.analytics.schemas import (
    TopContentPublic,
)
from services.analytics.views.client import client
from services.analytics.views.params import RANK_BY, RangeName, TopBy, window
from services.analytics.views.shaping import content_public
from shared import clock
from shared.date_params import EARLIEST


async def top(
    session: AsyncSession,
    client_id: str,
    platform: str | None,
    range_name: RangeName | None,
    start: date | None,
    end: date | None,
    by: TopBy,
    limit: int,
    *,
    known: bool = False,
) -> TopContentPublic:
    """The best posts of the range, of one platform or of every connected one."""
    today = clock.today()
    found = await client(session, client_id, known=known)
    shown = found.accounts(platform)
    span = window(range_name, start, end, today)
    from_day = span.start or EARLIEST
    content = await reads.content(
        session, [t.connection_id for t in shown.values()], from_day, span.end
    )
    first = span.start
    if first is None:  # ``all``: from the first post's local day
        days = [i.local_time(found.timezone).date() for i in content.items]
        first = min([*days, span.end])
    ranked = top_content(content.items, first, span.end, found.timezone, RANK_BY[by], limit)
    return TopContentPublic(
        client_id=client_id,
        platform=platform,
        by=by.value,
        start=first,
        end=span.end,
        published=ranked.published,
        without_metric=ranked.without_metric,
        items=[content_public(i, content.urls) for i in ranked.items],
    )
