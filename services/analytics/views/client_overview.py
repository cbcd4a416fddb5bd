"""The admin's client overview: platforms, program start versus now, milestones, the
engagement trend, the forecast and the recent signals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import reads, signaling
from services.analytics.domain import dashboard, engagement, program
from services.analytics.domain.content import ContentItem
from services.analytics.domain.dashboard import Metric
from services.analytics.domain.forecast import MIN_POINTS, WINDOW_DAYS, forecast
from services.analytics.domain.range_growth import (
    growth_over,
)
from services.analytics.models import SignalRecord
from services.analytics.schemas import (
    ClientInfo,
    ClientOverviewPublic,
    ConnectedPlatform,
    CountBandPublic,
    DateBandPublic,
    DeliverableGainPublic,
    EngagementTrendPublic,
    ForecastPublic,
    SignalPublic,
    StartVsNowPublic,
)
from services.analytics.views.client import by_platform, client, follower_totals
from services.analytics.views.metrics import ENGAGEMENT_DAYS
from services.analytics.views.shaping import (
    engagement_public,
    growth_public,
    markers,
    round2,
    series_points,
)
from shared import clock
from shared.db.types import as_utc

#: Signals shown in the admin client overview, newest first.
RECENT_SIGNALS = 20
#: The platforms' and the combined growth (``growth_30d``, ``combined_growth_30d``).
GROWTH_DAYS = 30
#: Days read before today (from the program's start when it is earlier).
LOOKBACK_DAYS = 90


def _start_vs_now(found: program.StartVsNow) -> StartVsNowPublic:
    return StartVsNowPublic(
        start_day=found.start_day,
        start_substituted=found.start_substituted,
        start_count=found.start_count,
        now_day=found.now_day,
        now_count=found.now_count,
        change=found.change,
        percent=found.percent,
        percent_rounded=found.percent_rounded,
    )


def _gain(
    gain: program.DeliverableGain, missing: Mapping[date, tuple[str, ...]]
) -> DeliverableGainPublic:
    d = gain.deliverable
    return DeliverableGainPublic(
        code=d.code,
        title=d.title,
        due_on=d.due_on,
        completed_on=d.completed_on,
        label=gain.label(),
        window=None if gain.window is None else growth_public(gain.window, missing),
        after_7d=None if gain.after is None else growth_public(gain.after, missing),
    )


def _forecast(
    counts: Mapping[date, int | None], plan: program.Program, today: date
) -> ForecastPublic | None:
    found = forecast(counts, plan, today)
    if found is None:
        return None
    end, goal = found.at_end, found.goal
    return ForecastPublic(
        fitted_from=found.trend.first_day,
        fitted_to=found.trend.last_day,
        points=found.trend.fit.points,
        followers_per_day=found.trend.fit.slope,
        end_day=None if end is None else end.day,
        expected_at_end=None if end is None else end.expected,
        bands_at_end=[]
        if end is None
        else [CountBandPublic(level=b.level, low=b.low, high=b.high) for b in end.bands],
        goal=goal.goal,
        goal_status=goal.status.value,
        goal_expected_on=goal.expected_on,
        goal_bands=[
            DateBandPublic(level=b.level, earliest=b.earliest, latest=b.latest) for b in goal.bands
        ],
    )


def _trend(
    platform: str, items: Iterable[ContentItem], plan: program.Program, today: date
) -> EngagementTrendPublic:
    """The program's first ``ENGAGEMENT_DAYS`` local days against its last ones (up to today)."""
    span = timedelta(days=ENGAGEMENT_DAYS - 1)
    last = min(today, plan.end)
    start = engagement.account_engagement(items, plan.start, plan.start + span, plan.timezone)
    now = engagement.account_engagement(items, last - span, last, plan.timezone)
    change = None
    if start.mean_rate is not None and now.mean_rate is not None:
        change = now.mean_rate - start.mean_rate
    return EngagementTrendPublic(
        platform=platform,
        start=engagement_public(start),
        now=engagement_public(now),
        change_points=round2(change),
    )


def _signal(record: SignalRecord) -> SignalPublic:
    return SignalPublic(
        kind=record.kind,
        day=record.day,
        platform=record.platform,
        connection_id=record.connection_id,
        username=record.username,
        key=record.key,
        numbers=record.numbers,
        reason=record.reason,
        raised_at=as_utc(record.raised_at) or record.raised_at,
    )


async def client_overview(session: AsyncSession, client_id: str) -> ClientOverviewPublic:
    """The admin's overview of one client (404 when analytics knows nothing of the id)."""
    today = clock.today()
    found = await client(session, client_id, known=True)
    shown = found.shown()
    ids = [t.connection_id for t in shown.values()]
    plan = found.program.domain() if found.program else None
    lo = today - timedelta(days=LOOKBACK_DAYS)
    if plan is not None:
        lo = min(lo, plan.start)
    latest = await reads.latest(session, ids)
    accounts = by_platform(shown, await reads.figures(session, ids, lo, today))
    counts, missing = follower_totals(accounts, lo, today)
    combined = growth_over(counts, today, GROWTH_DAYS) if accounts else None
    platforms = []
    for platform, tracked in shown.items():
        row = latest.get(tracked.connection_id)
        own = growth_over(
            dashboard.follower_counts({platform: accounts[platform]})[platform], today, GROWTH_DAYS
        )
        platforms.append(
            ConnectedPlatform(
                platform=platform,
                connection_id=tracked.connection_id,
                username=row.username if row else tracked.username,
                status=tracked.status,
                last_synced_at=row.last_synced_at if row else None,
                followers=row.followers if row else None,
                growth_30d=growth_public(own),
                performance=dashboard.performance(
                    own.percent, combined.percent if combined else None
                ).value,
            )
        )
    answer = ClientOverviewPublic(
        client_id=client_id,
        as_of=today,
        client=None,
        platforms=platforms,
        combined_growth_30d=None if combined is None else growth_public(combined, missing),
        start_vs_now=None,
        timeline=[],
        milestones=[],
        deliverable_gains=[],
        engagement_trend=[],
        forecast=None,
        forecast_reason="no program from the CRM yet",
        recent_signals=[
            _signal(record)
            for record in await signaling.recent_signals(session, client_id, RECENT_SIGNALS)
        ],
    )
    if found.program is None or plan is None:
        return answer
    c = found.program.client
    gains = program.deliverable_gains(counts, plan, found.program.domain_deliverables(), today)
    timeline_end = min(plan.end, today)
    timeline = (
        dashboard.series(accounts, Metric.FOLLOWERS, plan.start, timeline_end)
        if plan.start <= today
        else []
    )
    content = (
        await reads.content(session, ids, plan.start, today)
        if plan.start <= today
        else reads.Content(())
    )
    predicted = _forecast(counts, plan, today) if accounts else None
    return answer.model_copy(
        update={
            "client": ClientInfo(
                name=c.name,
                email=c.email,
                timezone=c.timezone,
                program_start=c.program_start,
                program_end=c.program_end,
                follower_goal=c.follower_goal,
            ),
            "start_vs_now": _start_vs_now(program.start_vs_now(counts, plan, today))
            if accounts
            else None,
            "timeline": series_points(timeline),
            "milestones": markers(found.program, gains, date.min, date.max),
            "deliverable_gains": [_gain(g, missing) for g in gains],
            "engagement_trend": [
                _trend(p, content.of(p), plan, today) for p in shown if plan.start <= today
            ],
            "forecast": predicted,
            "forecast_reason": None
            if predicted is not None
            else "no account"
            if not accounts
            else f"fewer than {MIN_POINTS} days with a total in the last {WINDOW_DAYS} days",
        }
    )
