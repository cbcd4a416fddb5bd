"""The portfolio and the leaderboard: figures worked out by hand, and the domain's own on full data.

The app runs in-process over httpx's ASGI transport on a migrated SQLite database, without its
lifespan (no broker). The portfolio is ``tests/support/portfolio.py``'s: read its docstring for
the series every number below comes from. The suite's clock stands at 2026-11-20 12:00 UTC.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, update

from services.analytics import portfolio as figures
from services.analytics.domain import portfolio as plain
from services.analytics.domain.correlation import milestone_correlation
from services.analytics.domain.range_growth import growth_over
from services.analytics.domain.totals import daily_totals, total_counts
from services.analytics.models import DailySnapshot, Deliverable, TrackedConnection
from services.analytics.portfolio import queries as figure_queries
from shared.auth import Role, issue_token
from tests.support import portfolio as seeded
from tests.support.clock import TODAY
from tests.unit.support import clear_lsa_env

PORTFOLIO = "/api/admin/social/portfolio"
LEADERBOARD = "/api/admin/social/leaderboard"


@dataclass
class Api:
    app: FastAPI
    http: httpx.AsyncClient
    admin: dict[str, str]

    async def get(self, path: str, **params: Any) -> Any:
        answer = await self.http.get(path, params=params, headers=self.admin)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
async def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    clear_lsa_env(monkeypatch)
    app, http, admin = await seeded.start_api(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", tmp_path)
    async with http:
        yield Api(app, http, admin)
    await app.state.runtime.engine.dispose()


# --- the plain parts --------------------------------------------------------------------------


def _growth(percent: float | None, change: int | None) -> plain.Growth:
    return plain.Growth(TODAY, TODAY, None, None, change, percent)


def test_standings_rank_by_percent_then_change_then_id_and_put_unknown_last() -> None:
    growths = {
        "z": _growth(None, None),
        "b": _growth(5.0, 50),
        "a": _growth(5.0, 50),  # the same as b: the id decides
        "c": _growth(5.0, 80),  # same percent, larger change: first
        "d": _growth(-1.0, -10),
        "e": _growth(None, 30),  # a change from a count of 0 has no percent
    }
    out = plain.standings(growths)
    assert [(s.position, s.rank, s.client_id) for s in out] == [
        (1, 1, "c"),
        (2, 2, "a"),
        (3, 3, "b"),
        (4, 4, "d"),
        (5, None, "e"),
        (6, None, "z"),
    ]


def test_average_growth_counts_only_known_percents() -> None:
    out = plain.average_growth(30, [_growth(2.0, 2), _growth(-1.0, -1), _growth(None, None)])
    # (2.0 + -1.0) / 2 = 0.5 over 2 of 3 clients
    assert (out.mean_percent, out.n, out.clients) == (0.5, 2, 3)
    assert plain.average_growth(30, [_growth(None, None)]).mean_percent is None


def test_client_growth_needs_every_account_on_both_days() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    start = date(2026, 10, 21)
    both = {first: {start: 100, TODAY: 130}, second: {start: 300, TODAY: 290}}
    growth = plain.client_growth(both, TODAY, 30)
    # (130 + 290) - (100 + 300) = 20; 100 * 20 / 400 = 5 %
    assert (growth.start_count, growth.end_count, growth.change, growth.percent) == (
        400,
        420,
        20,
        5.0,
    )
    one_missing = {first: {start: 100, TODAY: 130}, second: {TODAY: 290}}
    assert plain.client_growth(one_missing, TODAY, 30).change is None


# --- the portfolio ------------------------------------------------------------------------------


async def test_portfolio_figures_by_hand(api: Api) -> None:
    body = await api.get(PORTFOLIO)
    assert body["as_of"] == TODAY.isoformat()
    assert body["platform"] is None
    assert body["clients"] == 4  # a, b, c, e; d is disconnected
    # latest known counts: a 11,200 + 5,600, b 17,600, c 8,400, e 1,115 (5 days ago)
    assert body["followers"] == {"total": 43_915, "accounts": 5, "accounts_without_count": 0}
    # TikTok: 5,600 + 17,600 + 1,115 = 24,315 of 43,915 = 55.368…%
    top = body["top_platform"]
    assert (top["platform"], top["followers"], top["accounts"]) == ("tiktok", 24_315, 3)
    assert top["share_percent"] == pytest.approx(100 * 24_315 / 43_915)
    assert top["share_percent"] == pytest.approx(55.3683, abs=1e-4)
    assert [(p["platform"], p["followers"]) for p in body["platforms"]] == [
        ("tiktok", 24_315),
        ("instagram", 11_200),
        ("youtube", 8_400),
    ]
    # 30 days: a 16,350 → 16,800 (+2.7523 %), b 18,200 → 17,600 (-3.2967 %),
    # c 8,175 → 8,400 (+2.7523 %); e has no count today: not in the mean.
    g30 = body["growth_30d"]
    assert (g30["n"], g30["clients"]) == (3, 4)
    assert g30["mean_percent"] == pytest.approx((2 * 45_000 / 16_350 - 60_000 / 18_200) / 3)
    assert g30["mean_percent"] == pytest.approx(0.7359, abs=1e-4)
    # 90 days: a 15,450 → 16,800, b 19,400 → 17,600, c 7,725 → 8,400
    g90 = body["growth_90d"]
    assert g90["n"] == 3
    assert g90["mean_percent"] == pytest.approx((2 * 135_000 / 15_450 - 180_000 / 19_400) / 3)


async def test_portfolio_leaderboard_is_the_top_by_30_days(api: Api) -> None:
    board = (await api.get(PORTFOLIO))["leaderboard"]
    # a and c both +2.7523 %: a's change (+450) beats c's (+225); e unknown, last, unranked
    assert [(e["client_id"], e["rank"], e["growth"]["change"]) for e in board] == [
        ("client-a", 1, 450),
        ("client-c", 2, 225),
        ("client-b", 3, -600),
        ("client-e", None, None),
    ]
    assert board[0]["name"] == "Ada"
    assert board[0]["growth"]["percent"] == pytest.approx(100 * 450 / 16_350)


async def test_portfolio_attention_reasons(api: Api) -> None:
    attention = {a["client_id"]: a["reasons"] for a in (await api.get(PORTFOLIO))["attention"]}
    assert sorted(attention) == ["client-a", "client-b", "client-c", "client-e"]
    # a's Instagram: 1.0 % today < max(0.5, 0.5 * median 3.0) = 1.5 %; TikTok's 2.0 % is fine
    [low] = attention["client-a"]
    assert (low["kind"], low["platform"]) == ("low_engagement", "instagram")
    assert low["connection_id"] == str(seeded.A_INSTAGRAM)
    assert low["numbers"]["rate"] == 1.0
    assert low["numbers"]["median_rate"] == 3.0
    assert low["numbers"]["threshold"] == 1.5
    # b: -600 over 30 days, and 0.4 % under the 0.5 % floor (0.5 * 0.4 = 0.2 is lower)
    negative, floor = attention["client-b"]
    assert negative["kind"] == "negative_growth"
    assert (negative["numbers"]["change"], negative["numbers"]["start_count"]) == (-600, 18_200)
    assert (floor["kind"], floor["numbers"]["threshold"]) == ("low_engagement", 0.5)
    # c: its YouTube connection needs reauthorising
    assert [r["kind"] for r in attention["client-c"]] == ["reauth_required"]
    # e: last live day 5 days ago, 5 >= 3
    [stale] = attention["client-e"]
    assert stale["kind"] == "stale_data"
    assert stale["numbers"]["days_since_success"] == 5
    assert stale["numbers"]["last_success"] == seeded.day(115).isoformat()


async def test_platform_filter_counts_only_that_platforms_accounts(api: Api) -> None:
    body = await api.get(PORTFOLIO, platform="tiktok")
    assert body["platform"] == "tiktok"
    assert body["clients"] == 3  # a, b, e
    assert body["followers"]["total"] == 24_315
    assert body["top_platform"]["share_percent"] == 100.0
    # a's TikTok alone: 5,450 → 5,600 (+150); b: -600
    assert [(e["client_id"], e["growth"]["change"]) for e in body["leaderboard"]] == [
        ("client-a", 150),
        ("client-b", -600),
        ("client-e", None),
    ]
    assert body["growth_30d"]["mean_percent"] == pytest.approx(
        (15_000 / 5_450 - 60_000 / 18_200) / 2
    )
    attention = {a["client_id"] for a in body["attention"]}
    assert attention == {"client-b", "client-e"}  # a's low engagement is on Instagram
    [m1] = body["milestone_correlation"]["rows"][:1]
    assert m1["lift"]["n"] == 2  # a and b; c has no TikTok


@pytest.mark.parametrize(("platform", "days"), [(None, 14), (None, 7), ("tiktok", 14)])
async def test_correlation_table_is_milestone_correlation_on_the_full_data(
    api: Api, platform: str | None, days: int
) -> None:
    params: dict[str, Any] = {"days": days} | ({"platform": platform} if platform else {})
    table = (await api.get(PORTFOLIO, **params))["milestone_correlation"]
    expected = milestone_correlation(seeded.full_histories(platform), today=TODAY, days=days)
    assert table["days"] == days
    assert [row["code"] for row in table["rows"]] == [d.code for d in expected.deliverables]
    for row, want in zip(table["rows"], expected.deliverables, strict=True):
        assert row["lift"]["n"] == want.lift.n
        assert row["lift"]["mean"] == want.lift.mean
        ci = want.lift.ci_to_show
        assert row["lift"]["ci"] == (list(ci) if ci else None)
        assert row["placebo"]["n"] == want.placebo.n
        assert row["placebo"]["mean"] == want.placebo.mean
        assert row["placebo_days"] == want.placebo_days
        diff = want.difference
        assert row["difference"] == (
            None if diff is None else {"estimate": diff.estimate, "ci": list(diff.ci)}
        )


async def test_correlation_lifts_by_hand(api: Api) -> None:
    rows = {r["code"]: r for r in (await api.get(PORTFOLIO))["milestone_correlation"]["rows"]}
    # M2: a alone, on day 100 — total 15 * (1000 + i): 16,290 (i=86), 16,500, 16,710 (i=114);
    # before = after = +210; lift = 100*210/16,500/14 - 100*210/16,290/14
    # = 0.0909091 - 0.0920810 = -0.0011719 pp a day
    m2 = rows["M2"]
    assert m2["lift"]["n"] == 1
    assert m2["lift"]["mean"] == pytest.approx(1500 / 16_500 - 1500 / 16_290)
    assert m2["lift"]["mean"] == pytest.approx(-0.0011719, abs=1e-7)
    assert m2["lift"]["ci"] is None  # one value
    # M1: a (day 60), b (day 60), c (day 50); e's day 110 + 14 is after today: excluded.
    # b: 20 * (1000 - i): 19,080, 18,800, 18,520 → -2000/18,800 + 2000/19,080 = -0.0015612
    # a: 15,690, 15,900, 16,110 → 1500/15,900 - 1500/15,690 = -0.0012627
    # c: 7,770, 7,875, 7,980 → 750/7,875 - 750/7,770 = -0.0012870
    m1 = rows["M1"]
    lifts = (
        1500 / 15_900 - 1500 / 15_690,
        -2000 / 18_800 + 2000 / 19_080,
        750 / 7_875 - 750 / 7_770,
    )
    assert m1["lift"]["n"] == 3
    assert m1["lift"]["mean"] == pytest.approx(sum(lifts) / 3)
    # (-0.0012627 - 0.0015612 - 0.0012870) / 3 = -0.0013703
    assert m1["lift"]["mean"] == pytest.approx(-0.0013703, abs=1e-7)
    assert m1["lift"]["ci"] is not None
    assert m1["excluded"] == {"incomplete_window": 1}


async def test_an_unchanged_portfolio_is_answered_from_memory(api: Api) -> None:
    first = await api.get(PORTFOLIO)
    again = await api.get(PORTFOLIO)
    assert again["computed_at"] == first["computed_at"]
    # A new count for b today (and the revision every stored change bumps): computed again.
    async with api.app.state.runtime.sessions() as session:
        db = await session.connection()
        await db.execute(
            update(DailySnapshot)
            .where(
                col(DailySnapshot.connection_id) == seeded.B_TIKTOK,
                col(DailySnapshot.snapshot_date) == TODAY,
            )
            .values(followers=18_300)
        )
        await db.execute(
            update(TrackedConnection)
            .where(col(TrackedConnection.connection_id) == seeded.B_TIKTOK)
            .values(revision=2)
        )
        await session.commit()
    changed = await api.get(PORTFOLIO)
    assert changed["computed_at"] != first["computed_at"]
    # 17,600 → 18,300: the total rises by 700
    assert changed["followers"]["total"] == 43_915 + 700


# --- what is recomputed after a change -----------------------------------------------------------


def spy_on_totals(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The clients whose whole series each call of the correlation's loader read."""
    calls: list[list[str]] = []
    real = figure_queries.load_totals

    async def spy(
        db: AsyncConnection, sizes: dict[str, int], today: date, platform: str | None
    ) -> dict[str, dict[date, int | None]]:
        calls.append(sorted(sizes))
        return await real(db, sizes, today, platform)

    monkeypatch.setattr(figure_queries, "load_totals", spy)
    return calls


def spy_on_accounts(monkeypatch: pytest.MonkeyPatch) -> list[list[uuid.UUID] | None]:
    """The accounts each call of the other figures' loader read (None: every account)."""
    calls: list[list[uuid.UUID] | None] = []
    real = figure_queries.load_accounts

    async def spy(
        db: AsyncConnection,
        today: date,
        platform: str | None,
        connection_ids: list[uuid.UUID] | None = None,
    ) -> list[plain.Account]:
        calls.append(None if connection_ids is None else sorted(connection_ids))
        return await real(db, today, platform, connection_ids)

    monkeypatch.setattr(figure_queries, "load_accounts", spy)
    return calls


async def fresh_answer(api: Api, **params: Any) -> Any:
    """The answer of a cache that has never seen the portfolio: a full computation."""
    kept = api.app.state.portfolio_cache
    api.app.state.portfolio_cache = figures.PortfolioCache()
    try:
        return await api.get(PORTFOLIO, **params)
    finally:
        api.app.state.portfolio_cache = kept


def without_time(body: Any) -> Any:
    return {k: v for k, v in body.items() if k != "computed_at"}


async def execute(api: Api, *statements: Any) -> None:
    async with api.app.state.runtime.sessions() as session:
        db = await session.connection()
        for statement in statements:
            await db.execute(statement)
        await session.commit()


ALL = ["client-a", "client-b", "client-c", "client-e"]


async def test_after_a_change_only_that_clients_series_is_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = spy_on_totals(monkeypatch)
    accounts = spy_on_accounts(monkeypatch)
    await api.get(PORTFOLIO)
    assert loads == [ALL]  # d is disconnected
    assert accounts == [None]

    # b's M1 moves from day 60 to day 70: 20 * (1000 - i) gives 18,880 (i=56), 18,600, 18,320;
    # before = after = -280: lift = -2000/18,600 + 2000/18,880 = -0.0015944
    await execute(
        api,
        update(Deliverable)
        .where(col(Deliverable.client_id) == "client-b", col(Deliverable.code) == "M1")
        .values(completed_on=seeded.day(70)),
    )
    changed = await api.get(PORTFOLIO)
    assert loads == [ALL, ["client-b"]]
    assert accounts == [None]  # a deliverable changes no account: no account read again
    assert without_time(changed) == without_time(await fresh_answer(api))
    m1 = changed["milestone_correlation"]["rows"][0]
    a, b = 1500 / 15_900 - 1500 / 15_690, -2000 / 18_600 + 2000 / 18_880
    c = 750 / 7_875 - 750 / 7_770
    # (-0.0012627 - 0.0015944 - 0.0012870) / 3 = -0.0013814
    assert m1["lift"]["mean"] == pytest.approx((a + b + c) / 3)
    assert m1["lift"]["mean"] == pytest.approx(-0.0013814, abs=1e-7)

    # c's count of day 64 (its M1 at 50 + 14) becomes 8,100 instead of 7,980, and its
    # revision rises as a stored snapshot's would: c's after = 8,100 - 7,875 = +225,
    # lift = 100 * 225 / 7,875 / 14 - 100 * 105 / 7,770 / 14 = 0.2040816 - 0.0965251 = 0.1075565
    loads.clear()
    accounts.clear()
    await execute(
        api,
        update(DailySnapshot)
        .where(
            col(DailySnapshot.connection_id) == seeded.C_YOUTUBE,
            col(DailySnapshot.snapshot_date) == seeded.day(64),
        )
        .values(followers=8_100),
        update(TrackedConnection)
        .where(col(TrackedConnection.connection_id) == seeded.C_YOUTUBE)
        .values(revision=2),
    )
    changed = await api.get(PORTFOLIO)
    assert loads == [["client-c"]]
    assert accounts == [[seeded.C_YOUTUBE]]
    assert without_time(changed) == without_time(await fresh_answer(api))
    c = 22_500 / 7_875 / 14 - 750 / 7_770
    m1 = changed["milestone_correlation"]["rows"][0]
    # (-0.0012627 - 0.0015944 + 0.1075565) / 3 = 0.0348998
    assert m1["lift"]["mean"] == pytest.approx((a + b + c) / 3)
    assert m1["lift"]["mean"] == pytest.approx(0.0348998, abs=1e-7)

    # another filter or window is a combination of its own: its parts are computed once
    loads.clear()
    await api.get(PORTFOLIO, platform="tiktok")
    await api.get(PORTFOLIO, platform="tiktok")
    assert loads == [["client-a", "client-b", "client-e"]]


async def test_a_status_change_reloads_that_client_and_a_disconnection_drops_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = spy_on_totals(monkeypatch)
    await api.get(PORTFOLIO)
    await execute(
        api,
        update(TrackedConnection)
        .where(col(TrackedConnection.connection_id) == seeded.E_TIKTOK)
        .values(status="disconnected"),
    )
    changed = await api.get(PORTFOLIO)
    assert loads == [ALL]  # nothing to read: e has left the portfolio
    assert changed["clients"] == 3
    assert without_time(changed) == without_time(await fresh_answer(api))
    m1 = changed["milestone_correlation"]["rows"][0]
    assert m1["excluded"] == {}  # e's incomplete window went with it


async def test_concurrent_requests_compute_once_and_agree(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = spy_on_totals(monkeypatch)
    answers = await asyncio.gather(*(api.get(PORTFOLIO) for _ in range(4)))
    assert all(a == answers[0] for a in answers)  # computed_at too: one computation
    assert loads == [ALL]
    await execute(
        api,
        update(TrackedConnection)
        .where(col(TrackedConnection.connection_id) == seeded.A_TIKTOK)
        .values(revision=2),
    )
    answers = await asyncio.gather(*(api.get(PORTFOLIO) for _ in range(4)))
    assert all(a == answers[0] for a in answers)
    assert loads == [ALL, ["client-a"]]
    assert without_time(answers[0]) == without_time(await fresh_answer(api))


async def test_the_refresher_warms_the_default_portfolio(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = spy_on_totals(monkeypatch)
    cache = api.app.state.portfolio_cache
    warmed = await figures.refresh(api.app.state.runtime.sessions, cache)
    body = await api.get(PORTFOLIO)
    assert body["computed_at"] == warmed.computed_at.isoformat().replace("+00:00", "Z")
    assert loads == [ALL]
    # after a change, the refresher reads the changed client; the request then reads nothing
    await execute(
        api,
        update(TrackedConnection)
        .where(col(TrackedConnection.connection_id) == seeded.B_TIKTOK)
        .values(revision=2),
    )
    await figures.refresh(api.app.state.runtime.sessions, cache)
    assert loads == [ALL, ["client-b"]]
    await api.get(PORTFOLIO)
    assert loads == [ALL, ["client-b"]]


def test_the_cache_keeps_a_few_combinations_of_today() -> None:
    cache = figures.PortfolioCache(combinations=2)
    first = cache.combination(TODAY, None, 14)
    cache.combination(TODAY, "tiktok", 14)
    assert cache.combination(TODAY, None, 14) is first  # used last: kept
    cache.combination(TODAY, None, 7)  # the least recently used (tiktok) goes
    assert cache.combination(TODAY, None, 14) is first
    assert cache.combination(TODAY, "tiktok", 14) is not first
    tomorrow = cache.combination(TODAY + timedelta(days=1), None, 14)
    assert tomorrow is not first  # another day: today's are dropped
    assert cache.combination(TODAY, None, 14) is not first


# --- the leaderboard ----------------------------------------------------------------------------


async def test_leaderboard_windows_and_pages(api: Api) -> None:
    body = await api.get(LEADERBOARD)
    assert (body["window"], body["total"], body["ranked"], body["unranked"]) == ("30d", 4, 3, 1)
    assert [e["client_id"] for e in body["entries"]] == [
        "client-a",
        "client-c",
        "client-b",
        "client-e",
    ]
    # 7 days: a 16,695 → 16,800 = +0.6289 %; c (15 * 1113) // 2 = 8,347 → 8,400 = +0.6350 %
    week = await api.get(LEADERBOARD, window="7d")
    assert [e["client_id"] for e in week["entries"]] == [
        "client-c",
        "client-a",
        "client-b",
        "client-e",
    ]
    assert week["entries"][0]["growth"]["percent"] == pytest.approx(100 * 53 / 8_347)
    assert week["entries"][1]["growth"]["percent"] == pytest.approx(100 * 105 / 16_695)
    page = await api.get(LEADERBOARD, window="90d", limit=2, offset=1)
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [(e["position"], e["client_id"]) for e in page["entries"]] == [
        (2, "client-c"),
        (3, "client-b"),
    ]
    tiktok = await api.get(LEADERBOARD, platform="tiktok", offset=3)
    assert (tiktok["total"], tiktok["entries"]) == (3, [])


async def test_leaderboard_growth_is_the_domains_on_the_full_data(api: Api) -> None:
    body = await api.get(LEADERBOARD, window="90d", limit=100)
    for entry in body["entries"]:
        accounts = {
            str(a.connection_id): seeded.account_counts(a)
            for a in seeded.ACCOUNTS
            if a.client_id == entry["client_id"]
        }
        totals = total_counts(daily_totals(accounts, seeded.FIRST, TODAY))
        want = growth_over(totals, TODAY, 90)
        got = entry["growth"]
        assert (got["change"], got["percent"]) == (want.change, want.percent)


# --- who may ask, and bad input -----------------------------------------------------------------


async def test_only_admins(api: Api) -> None:
    token = issue_token(api.app.state.auth_settings, role=Role.CLIENT, client_id="client-a")
    for path in (PORTFOLIO, LEADERBOARD):
        assert (await api.http.get(path)).status_code == 401
        answer = await api.http.get(path, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 403


BAD_PARAMETERS: list[tuple[str, dict[str, Any], str]] = [
    (PORTFOLIO, {"days": 0}, "days"),
    (PORTFOLIO, {"days": 91}, "days"),
    (PORTFOLIO, {"platform": "myspace"}, "'tiktok'"),
    (LEADERBOARD, {"window": "1y"}, "'7d', '30d' or '90d'"),
    (LEADERBOARD, {"platform": "myspace"}, "'instagram'"),
    (LEADERBOARD, {"limit": 0}, "limit"),
    (LEADERBOARD, {"limit": 101}, "limit"),
    (LEADERBOARD, {"offset": -1}, "offset"),
]


async def test_bad_parameters_are_422_naming_the_reason(api: Api) -> None:
    for path, params, named in BAD_PARAMETERS:
        answer = await api.http.get(path, params=params, headers=api.admin)
        assert answer.status_code == 422, (path, params)
        assert named in answer.text, (path, params)
