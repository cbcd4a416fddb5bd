"""The dashboards' views, one function per view taking the client's id.

The portal's routes call them with the caller's own client id, the admin's with the id in the
path: one code path, so both see the same figures. Each view reads the stored rows once
(``reads``), hands them to the computations (``domain``) and shapes the answer
(``schemas``); nothing is computed here that a domain function computes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from fastapi import HTTPException, status
from sqlmodel.ext.asyncio.session import AsyncSession

from services.analytics import programs, reads, signaling
from services.analytics.domain import dashboard, engagement, program, themes, timing, totals
from services.analytics.domain.content import ContentItem, published_between
from services.analytics.domain.dashboard import Metric, Point
from services.analytics.domain.forecast import MIN_POINTS, WINDOW_DAYS, forecast
from services.analytics.domain.range_growth import (
    RangeGrowth,
    growth_between,
    growth_over,
    growth_rate,
    standard_growth,
)
from services.analytics.domain.ranges import DayRange
from services.analytics.domain.top_content import RankBy, top_content
from services.analytics.models import SignalRecord, TrackedConnection
from services.analytics.schemas import (
    AccountOverview,
    BucketPublic,
    ClientInfo,
    ClientOverviewPublic,
    ConnectedPlatform,
    ContentPublic,
    CountBandPublic,
    DailyMetric,
    DateBandPublic,
    DayRangePublic,
    DeliverableGainPublic,
    EngagementPublic,
    EngagementTrendPublic,
    ForecastPublic,
    GrowthPublic,
    GrowthSeries,
    LatestFigures,
    MarkerPublic,
    Overview,
    PlatformMetrics,
    PostingTimesPublic,
    SeriesPoint,
    SignalPublic,
    StandardGrowthPublic,
    StartVsNowPublic,
    ThemePublic,
    ThemesPublic,
    TopContentPublic,
    TotalsPublic,
)
from shared import clock
from shared.date_params import EARLIEST
from shared.db.types import as_utc
from shared.platforms import Platform

ALL = "all"
#: The longest custom range and history window a request may ask for.
MAX_RANGE_DAYS = 3 * 366
#: The default window of a platform's daily history (``…/metrics`` without ``from``/``to``).
HISTORY_DAYS = 90
#: Engagement "over the last 30 days" / the program's first and last 30 days: 30 local days.
ENGAGEMENT_DAYS = 30
#: Best posting time and themes read the posts of the last 90 local days.
INSIGHT_DAYS = 90
#: The overview's totals day is the latest with every account's count in this many days.
TOTALS_LOOKBACK_DAYS = 30
DEFAULT_TIMEZONE = "UTC"
#: Signals shown in the admin client overview, newest first.
RECENT_SIGNALS = 20


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


_RANK_BY = {
    TopBy.ENGAGEMENT: RankBy.ENGAGEMENT_RATE,
    TopBy.VIEWS: RankBy.VIEWS,
    TopBy.LIKES: RankBy.LIKES,
}


def _unprocessable(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=reason)


def _not_found(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=reason)


def checked_window(start: date, end: date) -> None:
    """422 for ``from`` after ``to`` or a window over ``MAX_RANGE_DAYS``."""
    if start > end:
        raise _unprocessable("'from' is after 'to'")
    if (end - start).days > MAX_RANGE_DAYS:
        raise _unprocessable(f"at most {MAX_RANGE_DAYS} days per request")


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
            raise _unprocessable(f"'from' and 'to' go with range=custom, not range={name}")
        if name is RangeName.ALL:
            return Window(name, None, today)
        return Window(name, today - timedelta(days=_WINDOW_DAYS[name]), today)
    if start is None or end is None:
        raise _unprocessable("range=custom needs both 'from' and 'to'")
    checked_window(start, end)
    return Window(name, start, end)


# --- shaping --------------------------------------------------------------------------------


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _reason(
    growth: RangeGrowth, missing: Mapping[date, tuple[str, ...]] | None = None
) -> str | None:
    """Why a growth has no change or no percent (``missing``: the accounts without a count on
    a day, for totals)."""
    absent = [
        d
        for d, n in ((growth.start, growth.start_count), (growth.end, growth.end_count))
        if n is None
    ]
    if absent:
        words = []
        for day in dict.fromkeys(absent):
            who = (missing or {}).get(day)
            what = "total" if missing is not None else "count"
            words.append(
                f"no {what} on {day}" + (f" (no count for {', '.join(who)})" if who else "")
            )
        return "; ".join(words)
    if growth.percent is None:
        return "no percent from 0 followers"
    return None


def _ranges(runs: Iterable[DayRange]) -> list[DayRangePublic]:
    return [DayRangePublic(first=r.first, last=r.last) for r in runs]


def _growth(
    growth: RangeGrowth, missing: Mapping[date, tuple[str, ...]] | None = None
) -> GrowthPublic:
    return GrowthPublic(
        start=growth.start,
        end=growth.end,
        start_count=growth.start_count,
        end_count=growth.end_count,
        change=growth.change,
        percent=_round(growth.percent),
        known_days=growth.known_days,
        gaps=_ranges(growth.gaps),
        reason=_reason(growth, missing),
    )


def _engagement(found: engagement.AccountEngagement) -> EngagementPublic:
    return EngagementPublic(
        start=found.start,
        end=found.end,
        posts=found.posts,
        posts_rated=found.posts_rated,
        mean_rate=_round(found.mean_rate),
    )


def _bucket(bucket: timing.Bucket | None) -> BucketPublic | None:
    if bucket is None:
        return None
    return BucketPublic(
        weekday=bucket.weekday,
        hour=bucket.hour,
        posts=bucket.posts,
        median_rate=_round(bucket.median_rate),
    )


def _points(points: Iterable[Point]) -> list[SeriesPoint]:
    return [
        SeriesPoint(
            date=p.day,
            value=_round(p.value) if isinstance(p.value, float) else p.value,
            source=p.source,
            missing=list(p.missing),
        )
        for p in points
    ]


def _content(item: ContentItem, urls: Mapping[tuple[str, str], str | None]) -> ContentPublic:
    return ContentPublic(
        platform=item.platform,
        item_id=item.item_id,
        kind=item.kind,
        published_at=item.published_at,
        url=urls.get((item.platform, item.item_id)),
        caption=item.caption,
        views=item.views,
        reach=item.reach,
        likes=item.likes,
        comments=item.comments,
        shares=item.shares,
        saves=item.saves,
        engagement_rate=item.engagement_rate,
    )


def _markers(
    found: programs.Program | None, gains: Iterable[program.DeliverableGain], start: date, end: date
) -> list[MarkerPublic]:
    """The deliverables due or completed in ``[start, end]``, with their gain labels."""
    if found is None:
        return []
    labels = {g.deliverable.code: g.label() for g in gains}
    return [
        MarkerPublic(
            code=d.code,
            title=d.title,
            due_on=d.due_on,
            completed_on=d.completed_on,
            label=labels.get(d.code),
        )
        for d in found.domain_deliverables()
        if start <= d.due_on <= end
        or (d.completed_on is not None and start <= d.completed_on <= end)
    ]


# --- what every view reads ------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    client_id: str
    tracked: list[TrackedConnection]
    program: programs.Program | None

    @property
    def timezone(self) -> str:
        """The client's IANA time zone (UTC until the CRM sends their program)."""
        return self.program.client.timezone if self.program else DEFAULT_TIMEZONE

    def shown(self) -> dict[str, TrackedConnection]:
        """The connected accounts by platform (one per platform)."""
        live = reads.connected(self.tracked)
        return {
            t.platform: t
            for t in (reads.of_platform(live, p) for p in sorted({t.platform for t in live}))
            if t is not None
        }

    def account(self, platform: str) -> TrackedConnection:
        """The account of a platform path segment: 404 unless a platform the client has had."""
        if platform not in {p.value for p in Platform}:
            raise _not_found(f"no such platform: {platform!r}")
        found = reads.of_platform(self.tracked, platform)
        if found is None:
            raise _not_found(f"not connected: the client has no {platform} account")
        return found

    def accounts(self, platform: str | None) -> dict[str, TrackedConnection]:
        """One platform's account, or every connected one for ``all``/None (404 with none)."""
        if platform is not None and platform != ALL:
            return {platform: self.account(platform)}
        shown = self.shown()
        if not shown:
            raise _not_found("not connected: the client has no connected account")
        return shown


async def client(session: AsyncSession, client_id: str, *, known: bool = False) -> Client:
    """The client's accounts and program; with ``known``, 404 when analytics has neither (an
    admin's look-up of an id that does not exist)."""
    tracked = await reads.accounts(session, client_id)
    found = await programs.program(session, client_id)
    if known and not tracked and found is None:
        raise _not_found("no such client")
    return Client(client_id, tracked, found)


def _by_platform(
    shown: Mapping[str, TrackedConnection],
    rows: Mapping[uuid.UUID, dict[date, dashboard.DayFigures]],
) -> dict[str, dict[date, dashboard.DayFigures]]:
    return {p: rows[t.connection_id] for p, t in shown.items()}


def _totals(
    accounts: Mapping[str, Mapping[date, dashboard.DayFigures]], start: date, end: date
) -> tuple[dict[date, int | None], dict[date, tuple[str, ...]]]:
    """The daily totals of followers across ``accounts`` and, per day, who has no count."""
    found = totals.daily_totals(dashboard.follower_counts(accounts), start, end)
    return totals.total_counts(found), {t.day: t.missing for t in found if t.missing}


# --- the views ------------------------------------------------------------------------------


async def overview(session: AsyncSession, client_id: str, *, known: bool = False) -> Overview:
    """Totals across platforms (with their 30-day change) and each connected account."""
    today = clock.today()
    found = await client(session, client_id, known=known)
    shown = found.shown()
    ids = [t.connection_id for t in shown.values()]
    latest = await reads.latest(session, ids)
    lo = today - timedelta(days=2 * TOTALS_LOOKBACK_DAYS)
    accounts = _by_platform(shown, await reads.figures(session, ids, lo, today))
    total, missing = _totals(accounts, lo, today)
    recent = [d for d in sorted(total) if d >= today - timedelta(days=TOTALS_LOOKBACK_DAYS)]
    day = max((d for d in recent if total[d] is not None), default=None)
    followers = None if day is None else total[day]
    if not shown:
        reason: str | None = "no connected account"
    elif day is None:
        reason = f"no day in the last {TOTALS_LOOKBACK_DAYS} on which every account has a count"
    else:
        reason = None
    change = None
    if day is not None:
        change = _growth(growth_between(total, day - timedelta(days=30), day), missing)
    rows = []
    for platform, tracked in shown.items():
        row = latest.get(tracked.connection_id)
        counts = dashboard.follower_counts({platform: accounts[platform]})[platform]
        month = dashboard.month_to_date(counts, today, row.day if row else None)
        own = None if day is None else counts.get(day)
        rows.append(
            AccountOverview(
                connection_id=tracked.connection_id,
                platform=platform,
                username=row.username if row else tracked.username,
                status=tracked.status,
                last_snapshot_date=row.day if row else None,
                last_snapshot_source=row.source.value if row else None,
                last_synced_at=row.last_synced_at if row else None,
                followers=row.followers if row else None,
                follower_source=row.follower_source if row else None,
                followers_change_1d=row.followers_change_1d if row else None,
                followers_change_7d=row.followers_change_7d if row else None,
                followers_change_30d=row.followers_change_30d if row else None,
                growth_pct_7d=row.growth_pct_7d if row else None,
                growth_pct_30d=row.growth_pct_30d if row else None,
                change_this_month=None if month is None else _growth(month),
                share_of_total_pct=_round(100.0 * own / followers)
                if own is not None and followers
                else None,
                engagement_rate=row.engagement_rate if row else None,
                engagement_formula=row.engagement_formula if row else None,
                posts=row.posts if row else None,
                missing_metrics=row.missing_metrics if row else [],
            )
        )
    return Overview(
        client_id=client_id,
        as_of=today,
        totals=TotalsPublic(
            accounts=len(shown),
            day=day,
            followers=followers,
            followers_change_30d=change,
            reason=reason,
        ),
        accounts=rows,
    )


def _posting_times(
    items: Iterable[ContentItem], timezone: str, start: date, end: date
) -> PostingTimesPublic:
    found = timing.posting_times(items, timezone)
    return PostingTimesPublic(
        timezone=timezone,
        start=start,
        end=end,
        min_bucket_posts=timing.MIN_BUCKET_POSTS,
        min_total_posts=timing.MIN_TOTAL_POSTS,
        posts_rated=found.posts_rated,
        posts_without_rate=found.posts_without_rate,
        best_slot=_bucket(found.best_slot),
        best_weekday=_bucket(found.best_weekday),
        best_hour=_bucket(found.best_hour),
        slots=[b for b in map(_bucket, found.slots) if b is not None],
    )


def _themes(items: Iterable[ContentItem], start: date, end: date) -> ThemesPublic:
    found = themes.theme_lifts(items)
    return ThemesPublic(
        start=start,
        end=end,
        min_posts=themes.MIN_THEME_POSTS,
        posts_rated=found.posts_rated,
        posts_without_rate=found.posts_without_rate,
        account_median=_round(found.account_median),
        themes=[
            ThemePublic(
                kind=t.theme.kind.value,
                text=t.theme.text,
                posts=t.posts,
                median_rate=round(t.median_rate, 2),
                lift_pct=_round(t.lift_pct),
            )
            for t in found.themes
        ],
    )


async def platform_metrics(
    session: AsyncSession,
    client_id: str,
    platform: str,
    start: date | None,
    end: date | None,
    *,
    known: bool = False,
) -> PlatformMetrics:
    """One account's latest figures, growth, insights and daily history (``start``…``end``,
    by default the last ``HISTORY_DAYS`` days)."""
    today = clock.today()
    found = await client(session, client_id, known=known)
    tracked = found.account(platform)
    end = end or today
    start = start or end - timedelta(days=HISTORY_DAYS)
    checked_window(start, end)
    cid = tracked.connection_id
    row = (await reads.latest(session, [cid])).get(cid)
    counts = dashboard.follower_counts(
        {platform: (await reads.figures(session, [cid], None, today))[cid]}
    )[platform]
    days = await reads.history_days(session, cid, start, end)
    first = today - timedelta(days=INSIGHT_DAYS - 1)
    items = (await reads.content(session, [cid], first, today)).items
    recent = published_between(items, first, today, found.timezone)
    standard = standard_growth(counts, today)
    month = today - timedelta(days=ENGAGEMENT_DAYS - 1)
    return PlatformMetrics(
        client_id=client_id,
        platform=platform,
        connection_id=cid,
        username=row.username if row else tracked.username,
        status=tracked.status,
        as_of=today,
        last_synced_at=row.last_synced_at if row else None,
        latest=None
        if row is None
        else LatestFigures(
            date=row.day,
            source=row.source.value,
            followers=row.followers,
            follower_source=row.follower_source,
            following=row.following,
            posts=row.posts,
            engagement_rate=row.engagement_rate,
            engagement_formula=row.engagement_formula,
            reach=row.reach,
            views=row.views,
            platform_metrics=row.platform_metrics,
            missing_metrics=row.missing_metrics,
            fetched_at=row.fetched_at,
        ),
        growth=StandardGrowthPublic(
            days_7=_growth(standard.days_7),
            days_30=_growth(standard.days_30),
            days_90=_growth(standard.days_90),
            all_time=None if standard.all_time is None else _growth(standard.all_time),
            growth_rate=_round(growth_rate(counts, today)),
        ),
        engagement_30d=_engagement(
            engagement.account_engagement(items, month, today, found.timezone)
        ),
        posting_times=_posting_times(recent, found.timezone, first, today),
        themes=_themes(recent, first, today),
        days=[
            DailyMetric(
                date=d["snapshot_date"],
                followers=d["followers"],
                follower_source=d["follower_source"],
                new_followers=d["followers_gained"],
                followers_lost=d["followers_lost"],
                followers_change_1d=d["followers_change_1d"],
                followers_change_7d=d["followers_change_7d"],
                followers_change_30d=d["followers_change_30d"],
                growth_pct_7d=d["growth_pct_7d"],
                growth_pct_30d=d["growth_pct_30d"],
                following=d["following"],
                posts=d["posts"],
                engagement_rate=d["engagement_rate"],
                reach=d["reach"],
                views=d["views"],
                backfill=d["backfill"],
                source=d["source"].value,
            )
            for d in days
        ],
    )


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
    accounts = _by_platform(shown, await reads.figures(session, ids, lo, hi))
    first = span.start or reads.first_day(accounts.values()) or today
    last = span.end if span.end >= first else first  # ``all`` with history only after today
    points = dashboard.series(accounts, metric, first, last)
    if len(accounts) == 1:  # one account's counts are its own: nothing to add up
        [counts] = dashboard.follower_counts(accounts).values()
        missing = None
    else:
        stored = [d for days in accounts.values() for d in days]
        counts, missing = _totals(accounts, min([first, *stored]), max([hi, *stored]))
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
        points=_points(points),
        gaps=_ranges(dashboard.point_gaps(points, first, last)),
        growth=_growth(growth_between(counts, first, last), missing),
        deliverables=_markers(found.program, gains, first, last),
    )


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
    ranked = top_content(content.items, first, span.end, found.timezone, _RANK_BY[by], limit)
    return TopContentPublic(
        client_id=client_id,
        platform=platform,
        by=by.value,
        start=first,
        end=span.end,
        published=ranked.published,
        without_metric=ranked.without_metric,
        items=[_content(i, content.urls) for i in ranked.items],
    )


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
        window=None if gain.window is None else _growth(gain.window, missing),
        after_7d=None if gain.after is None else _growth(gain.after, missing),
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
        start=_engagement(start),
        now=_engagement(now),
        change_points=_round(change),
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
    lo = today - timedelta(days=90)
    if plan is not None:
        lo = min(lo, plan.start)
    latest = await reads.latest(session, ids)
    accounts = _by_platform(shown, await reads.figures(session, ids, lo, today))
    counts, missing = _totals(accounts, lo, today)
    combined = growth_over(counts, today, 30) if accounts else None
    platforms = []
    for platform, tracked in shown.items():
        row = latest.get(tracked.connection_id)
        own = growth_over(
            dashboard.follower_counts({platform: accounts[platform]})[platform], today, 30
        )
        platforms.append(
            ConnectedPlatform(
                platform=platform,
                connection_id=tracked.connection_id,
                username=row.username if row else tracked.username,
                status=tracked.status,
                last_synced_at=row.last_synced_at if row else None,
                followers=row.followers if row else None,
                growth_30d=_growth(own),
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
        combined_growth_30d=None if combined is None else _growth(combined, missing),
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
            "timeline": _points(timeline),
            "milestones": _markers(found.program, gains, date.min, date.max),
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
