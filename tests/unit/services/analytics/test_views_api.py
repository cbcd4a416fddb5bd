"""The dashboards' routes on the history of ``tests/support/dashboards.py``, figures by hand.

The app runs in-process over httpx's ASGI transport, on a migrated SQLite database, without
its lifespan. The suite's clock stands at 2026-11-20 (``TODAY``); ``day(j)`` is ``j`` days
before it. Instagram has ``1400 - 10 j`` followers (no row on j = 4, 5), TikTok ``600 - 4 j``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.analytics.models import SignalRecord
from shared.auth import Role
from tests.support.clock import PINNED
from tests.support.dashboards import (
    INSTAGRAM,
    OTHER,
    OTHERS_INSTAGRAM,
    OWNER,
    TIKTOK,
    Api,
    day,
    seeded_api,
)
from tests.unit.support import clear_lsa_env

PORTAL = "/api/portal/social"
ADMIN = "/api/admin/social"


@pytest.fixture
async def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    clear_lsa_env(monkeypatch)
    async with seeded_api(f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}", tmp_path) as api:
        yield api


async def _get(api: Api, path: str, client_id: str = OWNER, **params: Any) -> Any:
    response = await api.http.get(path, params=params, headers=api.headers(client_id=client_id))
    assert response.status_code == 200, response.text
    return response.json()


async def _admin(api: Api, path: str, **params: Any) -> Any:
    response = await api.http.get(path, params=params, headers=api.headers(Role.ADMIN))
    assert response.status_code == 200, response.text
    return response.json()


def _iso(j: int) -> str:
    return day(j).isoformat()


GAP = [{"first": _iso(5), "last": _iso(4)}]


# --- overview -------------------------------------------------------------------------------


async def test_the_overview_totals_shares_and_this_months_change(api: Api) -> None:
    body = await _get(api, f"{PORTAL}/overview")
    totals = body["totals"]
    # Today both accounts have a count: 1400 + 600 = 2000. Thirty days ago: 1100 + 480 = 1580.
    assert (totals["accounts"], totals["day"], totals["followers"]) == (2, _iso(0), 2000)
    change = totals["followers_change_30d"]
    # 2000 - 1580 = 420; 100 * 420 / 1580 = 26.582… -> 26.58. The Instagram gap is listed.
    assert (change["start"], change["change"], change["percent"]) == (_iso(30), 420, 26.58)
    assert change["gaps"] == GAP
    ig, tt = body["accounts"]
    assert (ig["platform"], ig["connection_id"], tt["connection_id"]) == (
        "instagram",
        str(INSTAGRAM),
        str(TIKTOK),
    )
    # Shares of 2000: 1400 -> 70 %, 600 -> 30 %.
    assert (ig["share_of_total_pct"], tt["share_of_total_pct"]) == (70.0, 30.0)
    # This month: Nov 1 (j = 19) to today. Instagram 1210 -> 1400: +190, 100 * 190 / 1210 =
    # 15.702… -> 15.7; TikTok 524 -> 600: +76, 100 * 76 / 524 = 14.503… -> 14.5.
    assert [
        (a["change_this_month"]["start"], a["change_this_month"]["change"]) for a in (ig, tt)
    ] == [
        ("2026-11-01", 190),
        ("2026-11-01", 76),
    ]
    assert (ig["change_this_month"]["percent"], tt["change_this_month"]["percent"]) == (15.7, 14.5)
    assert ig["last_synced_at"] == "2026-11-20T03:00:00Z"
    assert (ig["followers"], ig["engagement_rate"], ig["status"]) == (1400, 2.0, "active")
    assert ig["missing_metrics"] == ["media.shares"]


async def test_the_overview_has_no_total_without_every_accounts_count(api: Api) -> None:
    """The other client's single account: its own count, nothing of the owner's."""
    body = await _get(api, f"{PORTAL}/overview", client_id=OTHER)
    assert body["totals"]["followers"] == 99_999
    assert [a["connection_id"] for a in body["accounts"]] == [str(OTHERS_INSTAGRAM)]
    # No count 30 days before today: the change is unknown, and says why.
    change = body["totals"]["followers_change_30d"]
    assert (change["change"], change["reason"]) == (
        None,
        f"no total on {_iso(30)} (no count for instagram)",
    )
    assert body["accounts"][0]["share_of_total_pct"] == 100.0
    nobody = await _get(api, f"{PORTAL}/overview", client_id="client-new")
    assert nobody["totals"] == {
        "accounts": 0,
        "day": None,
        "followers": None,
        "followers_change_30d": None,
        "reason": "no connected account",
    }


# --- a platform's metrics -------------------------------------------------------------------


async def test_a_platforms_metrics_latest_growth_and_insights(api: Api) -> None:
    body = await _get(api, f"{PORTAL}/instagram/metrics")
    assert (body["connection_id"], body["last_synced_at"]) == (
        str(INSTAGRAM),
        "2026-11-20T03:00:00Z",
    )
    latest = body["latest"]
    assert (latest["date"], latest["source"], latest["followers"], latest["views"]) == (
        _iso(0),
        "live",
        1400,
        5000,
    )
    assert latest["platform_metrics"] == {"saves": 12.0}
    growth = body["growth"]
    # 7 days: 1330 -> 1400, +70, 100 * 70 / 1330 = 5.263… -> 5.26, across the gap.
    assert (growth["days_7"]["change"], growth["days_7"]["percent"]) == (70, 5.26)
    assert growth["days_7"]["gaps"] == GAP
    # 30 days: 1100 -> 1400, +300, 27.27 % (the seed's growthRate).
    assert (growth["days_30"]["change"], growth["days_30"]["percent"]) == (300, 27.27)
    assert growth["growth_rate"] == 27.27
    # 90 days reaches before the first day: no answer, with the reason.
    assert growth["days_90"]["change"] is None
    assert growth["days_90"]["reason"] == f"no count on {_iso(90)}"
    # All time from the first (imported) day: 1000 -> 1400, +400, 40 %.
    assert (growth["all_time"]["start"], growth["all_time"]["change"]) == (_iso(40), 400)
    assert growth["all_time"]["percent"] == 40.0
    # Engagement over the last 30 local days (Oct 22 … Nov 20): ig2 3.0 and ig3 5.0 -> 4.0.
    assert body["engagement_30d"] == {
        "start": _iso(29),
        "end": _iso(0),
        "posts": 2,
        "posts_rated": 2,
        "mean_rate": 4.0,
    }
    # Three rated posts: under the minimum of 10, so no best time; the sample is shown.
    times = body["posting_times"]
    assert (times["posts_rated"], times["min_total_posts"], times["best_slot"]) == (3, 10, None)
    # #fitness is on all three: median(1.5, 3.0, 5.0) = 3.0 = the account's median, lift 0 %.
    themes = {(t["kind"], t["text"]): t for t in body["themes"]["themes"]}
    assert themes["hashtag", "fitness"]["posts"] == 3
    assert themes["hashtag", "fitness"]["lift_pct"] == 0.0


async def test_a_platforms_metrics_keep_the_daily_history_with_its_sources(api: Api) -> None:
    body = await _get(api, f"{PORTAL}/instagram/metrics", **{"from": _iso(40), "to": _iso(0)})
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == 41 - 2  # the gap has no row
    assert _iso(4) not in days
    assert (days[_iso(40)]["source"], days[_iso(40)]["followers"]) == ("import", 1000)
    assert (days[_iso(10)]["source"], days[_iso(10)]["backfill"]) == ("platform", True)
    assert days[_iso(0)]["source"] == "live"
    reversed_ = await api.http.get(
        f"{PORTAL}/instagram/metrics",
        params={"from": _iso(0), "to": _iso(1)},
        headers=api.headers(),
    )
    assert (reversed_.status_code, reversed_.json()["detail"]) == (422, "'from' is after 'to'")


# --- growth series --------------------------------------------------------------------------


async def test_a_platforms_growth_points_gaps_sources_and_markers(api: Api) -> None:
    body = await _get(api, f"{PORTAL}/instagram/growth", range="30d")
    points = body["points"]
    assert (body["start"], body["end"], len(points)) == (_iso(30), _iso(0), 31)
    values = {p["date"]: p["value"] for p in points}
    assert (values[_iso(30)], values[_iso(6)], values[_iso(5)], values[_iso(0)]) == (
        1100,
        1340,
        None,
        1400,
    )
    assert body["gaps"] == GAP
    assert (body["growth"]["change"], body["growth"]["percent"]) == (300, 27.27)
    # M1 (completed Oct 31 = j 20): Instagram from the program's start (j 30) 1100 -> 1200.
    assert body["deliverables"] == [
        {
            "code": "M1",
            "title": "Launch plan",
            "due_on": "2026-10-30",
            "completed_on": "2026-10-31",
            "label": "M1 Complete (Oct 31): +100 followers",
        }
    ]
    everything = await _get(api, f"{PORTAL}/instagram/growth", range="all")
    assert (everything["start"], len(everything["points"])) == (_iso(40), 41)
    sources = {p["date"]: p["source"] for p in everything["points"]}
    assert (sources[_iso(40)], sources[_iso(35)], sources[_iso(34)], sources[_iso(0)]) == (
        "import",
        "import",
        "platform",
        "live",
    )
    assert sources[_iso(4)] is None
    # All time: 1000 -> 1400 = +400, 40 %.
    assert (everything["growth"]["change"], everything["growth"]["percent"]) == (400, 40.0)


async def test_all_platforms_combined(api: Api) -> None:
    body = await _get(api, f"{PORTAL}/all/growth", range="7d")
    points = {p["date"]: p for p in body["points"]}
    # j = 7: 1330 + 572 = 1902; today 2000; on the gap days only TikTok: no total.
    assert (points[_iso(7)]["value"], points[_iso(0)]["value"]) == (1902, 2000)
    assert (points[_iso(5)]["value"], points[_iso(5)]["missing"]) == (None, ["instagram"])
    # A day of Instagram's history and TikTok's live sync: the less direct source, platform.
    assert (points[_iso(6)]["source"], points[_iso(0)]["source"]) == ("platform", "live")
    # 2000 - 1902 = 98; 100 * 98 / 1902 = 5.152… -> 5.15.
    assert (body["growth"]["change"], body["growth"]["percent"]) == (98, 5.15)
    assert body["gaps"] == GAP
    assert body["deliverables"] == []  # none due or completed in the last 7 days
    rates = await _get(api, f"{PORTAL}/all/growth", range="30d", metric="engagement")
    by_day = {p["date"]: p["value"] for p in rates["points"]}
    # Follower-weighted: today (2.0 * 1400 + 4.0 * 600) / 2000 = 2.6; j = 30
    # (2.0 * 1100 + 4.0 * 480) / 1580 = 4120 / 1580 = 2.607… -> 2.61.
    assert (by_day[_iso(0)], by_day[_iso(30)], by_day[_iso(4)]) == (2.6, 2.61, None)
    custom = await _get(
        api, f"{PORTAL}/all/growth", range="custom", **{"from": _iso(2), "to": _iso(1)}
    )
    # Followers: j = 2 -> 1380 + 592 = 1972; j = 1 -> 1390 + 596 = 1986.
    assert [p["value"] for p in custom["points"]] == [1972, 1986]
    # Reach is 900 - j on each account, summed: 898 + 898, 899 + 899 (from/to imply custom).
    summed = await _get(
        api, f"{PORTAL}/all/growth", metric="reach", **{"from": _iso(2), "to": _iso(1)}
    )
    assert [p["value"] for p in summed["points"]] == [898 + 898, 899 + 899]
    assert summed["range"] == "custom"


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"range": "custom"}, "range=custom needs both 'from' and 'to'"),
        ({"range": "custom", "from": "2026-11-01"}, "range=custom needs both 'from' and 'to'"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "'from' is after 'to'"),
        (
            {"range": "7d", "from": "2026-11-01"},
            "'from' and 'to' go with range=custom, not range=7d",
        ),
        ({"from": "2020-01-01", "to": "2026-11-01"}, "at most 1098 days per request"),
    ],
)
async def test_bad_ranges_are_422_with_the_reason(
    api: Api, params: dict[str, str], detail: str
) -> None:
    for path in (f"{PORTAL}/instagram/growth", f"{PORTAL}/top-content"):
        response = await api.http.get(path, params=params, headers=api.headers())
        assert (response.status_code, response.json()["detail"]) == (422, detail), path


@pytest.mark.parametrize(
    ("params", "allowed"),
    [
        ({"range": "week"}, "'7d', '30d', '90d', 'all' or 'custom'"),
        ({"metric": "likes"}, "'followers', 'engagement', 'reach', 'views' or 'posts'"),
    ],
)
async def test_an_unknown_range_or_metric_is_422_naming_the_allowed(
    api: Api, params: dict[str, str], allowed: str
) -> None:
    response = await api.http.get(
        f"{PORTAL}/instagram/growth", params=params, headers=api.headers()
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", next(iter(params))]
    assert error["msg"] == f"Input should be {allowed}"


# --- top content ----------------------------------------------------------------------------


async def test_top_content_ranks_the_latest_versions(api: Api) -> None:
    body = await _get(api, f"{PORTAL}/top-content", range="30d")
    # Oct 21 … Nov 20: ig3 5.0, tt1 4.0, ig2 3.0, ig1 1.5 (its version of Nov 1, not 1.0).
    assert [(i["item_id"], i["engagement_rate"]) for i in body["items"]] == [
        ("ig3", 5.0),
        ("tt1", 4.0),
        ("ig2", 3.0),
        ("ig1", 1.5),
    ]
    assert body["items"][3]["likes"] == 50
    assert body["items"][0]["url"] == "https://example.test/ig3"
    views = await _get(api, f"{PORTAL}/top-content", range="30d", by="views")
    # ig3 has no views: left out and counted.
    assert [i["item_id"] for i in views["items"]] == ["tt1", "ig1", "ig2"]
    assert (views["published"], views["without_metric"]) == (4, 1)
    likes = await _get(api, f"{PORTAL}/top-content", range="30d", by="likes", limit=2)
    assert [i["item_id"] for i in likes["items"]] == ["tt1", "ig3"]
    tiktok = await _get(api, f"{PORTAL}/top-content", platform="tiktok", range="all")
    assert ([i["item_id"] for i in tiktok["items"]], tiktok["start"]) == (["tt1"], _iso(5))
    week = await _get(api, f"{PORTAL}/top-content", range="7d")
    assert [i["item_id"] for i in week["items"]] == ["ig3", "tt1"]
    for bad in ({"limit": "0"}, {"limit": "51"}, {"by": "shares"}):
        response = await api.http.get(f"{PORTAL}/top-content", params=bad, headers=api.headers())
        assert response.status_code == 422, bad


# --- the admin's client overview ------------------------------------------------------------


async def test_the_admin_client_overview(api: Api) -> None:
    body = await _admin(api, f"{ADMIN}/clients/{OWNER}")
    assert body["client"]["name"] == "Dana Dash"
    labels = {
        p["platform"]: (p["growth_30d"]["percent"], p["performance"]) for p in body["platforms"]
    }
    # Combined 26.58 %: Instagram 27.27 is within a point (steady), TikTok 25.0 (480 -> 600) is
    # 1.58 below (lagging).
    assert labels == {"instagram": (27.27, "steady"), "tiktok": (25.0, "lagging")}
    assert body["combined_growth_30d"]["percent"] == 26.58
    start = body["start_vs_now"]
    # 1580 on Oct 21 -> 2000 today: +420, 26.582… %, rounded 27.
    assert (start["start_count"], start["now_count"], start["change"]) == (1580, 2000, 420)
    assert start["percent"] == pytest.approx(100 * 420 / 1580)
    assert start["percent_rounded"] == 27
    timeline = {p["date"]: p["value"] for p in body["timeline"]}
    assert (len(timeline), timeline[_iso(30)], timeline[_iso(20)], timeline[_iso(4)]) == (
        31,
        1580,
        1720,
        None,
    )
    assert [m["code"] for m in body["milestones"]] == ["M1", "M2"]
    [gain] = body["deliverable_gains"]
    # Oct 21 -> Oct 31: 1580 -> 1200 + 520 = 1720, +140; the 7 days after: 1720 -> 1270 + 548.
    assert gain["label"] == "M1 Complete (Oct 31): +140 followers"
    assert gain["window"]["change"] == 140
    assert gain["after_7d"]["change"] == 1818 - 1720
    trend = {t["platform"]: t for t in body["engagement_trend"]}
    # Instagram: first 30 days (Oct 21 … Nov 19) ig1 1.5 and ig2 3.0 -> 2.25; the last 30
    # (Oct 22 … Nov 20) ig2 3.0 and ig3 5.0 -> 4.0: +1.75 points.
    assert (trend["instagram"]["start"]["mean_rate"], trend["instagram"]["now"]["mean_rate"]) == (
        2.25,
        4.0,
    )
    assert trend["instagram"]["change_points"] == 1.75
    assert trend["tiktok"]["change_points"] == 0.0
    forecast = body["forecast"]
    # The totals fall on a line, 2000 - 14 j (29 known days), so the band is the line itself:
    # Dec 31 (41 days on) 2000 + 14 * 41 = 2574; the goal 3000 needs 1000 / 14 = 71.4 -> day 72,
    # Jan 31.
    assert (forecast["points"], forecast["followers_per_day"]) == (29, pytest.approx(14.0))
    assert forecast["expected_at_end"] == pytest.approx(2574.0)
    assert (forecast["goal_status"], forecast["goal_expected_on"]) == ("expected", "2027-01-31")
    assert {(b["earliest"], b["latest"]) for b in forecast["goal_bands"]} == {
        ("2027-01-31", "2027-01-31")
    }


async def test_the_admin_client_overview_lists_the_clients_recent_signals(api: Api) -> None:
    """Newest day first, only the client's own; a total milestone has no platform."""
    raised = PINNED - timedelta(hours=1)

    def record(scope: str, key: str, client_id: str, on: int, **extra: Any) -> SignalRecord:
        return SignalRecord(
            scope=scope, key=key, client_id=client_id, day=day(on), raised_at=raised, **extra
        )

    async with api.app.state.runtime.sessions() as session:
        session.add_all(
            [
                record(
                    str(INSTAGRAM),
                    f"milestone:1000:{_iso(3)}",
                    OWNER,
                    3,
                    kind="milestone",
                    connection_id=INSTAGRAM,
                    platform="instagram",
                    username="dana",
                    numbers={"threshold": 1000, "before": 990, "after": 1010},
                ),
                record(
                    f"client:{OWNER}",
                    f"total_milestone:1000:{_iso(1)}",
                    OWNER,
                    1,
                    kind="total_milestone",
                    numbers={"threshold": 1000},
                ),
                record(
                    str(OTHERS_INSTAGRAM),
                    f"stall:{_iso(0)}",
                    OTHER,
                    0,
                    kind="stall",
                    connection_id=OTHERS_INSTAGRAM,
                    platform="instagram",
                ),
            ]
        )
        await session.commit()
    body = await _admin(api, f"{ADMIN}/clients/{OWNER}")
    assert [(s["kind"], s["day"], s["platform"]) for s in body["recent_signals"]] == [
        ("total_milestone", _iso(1), None),
        ("milestone", _iso(3), "instagram"),
    ]
    assert body["recent_signals"][1]["numbers"] == {"threshold": 1000, "before": 990, "after": 1010}
    assert body["recent_signals"][1]["raised_at"] == raised.isoformat().replace("+00:00", "Z")


async def test_a_client_without_a_program_has_no_program_figures(api: Api) -> None:
    body = await _admin(api, f"{ADMIN}/clients/{OTHER}")
    assert (body["client"], body["start_vs_now"], body["forecast"]) == (None, None, None)
    assert body["forecast_reason"] == "no program from the CRM yet"
    assert [p["performance"] for p in body["platforms"]] == ["no_data"]  # one day only


async def test_admins_read_every_portal_view_of_any_client(api: Api) -> None:
    pairs = [
        (f"{PORTAL}/overview", f"{ADMIN}/clients/{OWNER}/overview", {}),
        (f"{PORTAL}/instagram/metrics", f"{ADMIN}/clients/{OWNER}/instagram/metrics", {}),
        (f"{PORTAL}/all/growth", f"{ADMIN}/clients/{OWNER}/all/growth", {"range": "90d"}),
        (f"{PORTAL}/top-content", f"{ADMIN}/clients/{OWNER}/top-content", {"by": "likes"}),
    ]
    for own, admins, params in pairs:
        assert await _admin(api, admins, **params) == await _get(api, own, **params), admins


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (f"{PORTAL}/friendster/metrics", "no such platform: 'friendster'"),
        (f"{PORTAL}/friendster/growth", "no such platform: 'friendster'"),
        (f"{PORTAL}/top-content?platform=friendster", "no such platform: 'friendster'"),
        (f"{PORTAL}/youtube/metrics", "not connected: the client has no youtube account"),
        (f"{PORTAL}/youtube/growth", "not connected: the client has no youtube account"),
        (
            f"{PORTAL}/top-content?platform=youtube",
            "not connected: the client has no youtube account",
        ),
        (f"{ADMIN}/clients/nobody", "no such client"),
        (f"{ADMIN}/clients/nobody/overview", "no such client"),
        (f"{ADMIN}/clients/nobody/instagram/metrics", "no such client"),
        (f"{ADMIN}/clients/nobody/all/growth", "no such client"),
        (f"{ADMIN}/clients/nobody/top-content", "no such client"),
        (
            f"{ADMIN}/clients/{OTHER}/tiktok/growth",
            "not connected: the client has no tiktok account",
        ),
    ],
)
async def test_unknown_platforms_accounts_and_clients_are_404(
    api: Api, path: str, detail: str
) -> None:
    role = Role.ADMIN if path.startswith(ADMIN) else Role.CLIENT
    response = await api.http.get(path, headers=api.headers(role))
    assert (response.status_code, response.json()["detail"]) == (404, detail)


async def test_a_client_sees_only_their_own_accounts(api: Api) -> None:
    """Every view of the other client answers with its own single account, never the owner's."""
    metrics = await _get(api, f"{PORTAL}/instagram/metrics", client_id=OTHER)
    assert (metrics["connection_id"], metrics["latest"]["followers"]) == (
        str(OTHERS_INSTAGRAM),
        99_999,
    )
    growth = await _get(api, f"{PORTAL}/instagram/growth", client_id=OTHER, range="7d")
    assert [p["value"] for p in growth["points"] if p["value"] is not None] == [99_999]
    assert growth["deliverables"] == []  # the owner's program is not theirs
    combined = await _get(api, f"{PORTAL}/all/growth", client_id=OTHER, range="7d")
    assert [p["value"] for p in combined["points"] if p["value"] is not None] == [99_999]
    top = await _get(api, f"{PORTAL}/top-content", client_id=OTHER, range="30d")
    assert [i["item_id"] for i in top["items"]] == ["other1"]
    owners = await _get(api, f"{PORTAL}/top-content", range="all", by="likes")
    assert "other1" not in [i["item_id"] for i in owners["items"]]
    response = await api.http.get(f"{PORTAL}/tiktok/metrics", headers=api.headers(client_id=OTHER))
    assert response.status_code == 404


VIEWS = [
    f"{PORTAL}/overview",
    f"{PORTAL}/instagram/metrics",
    f"{PORTAL}/instagram/growth",
    f"{PORTAL}/all/growth",
    f"{PORTAL}/top-content",
]
ADMIN_VIEWS = [
    f"{ADMIN}/clients/{OWNER}",
    f"{ADMIN}/clients/{OWNER}/overview",
    f"{ADMIN}/clients/{OWNER}/instagram/metrics",
    f"{ADMIN}/clients/{OWNER}/all/growth",
    f"{ADMIN}/clients/{OWNER}/top-content",
]


@pytest.mark.parametrize("path", VIEWS + ADMIN_VIEWS)
async def test_every_view_needs_the_right_credential(api: Api, path: str) -> None:
    assert (await api.http.get(path)).status_code == 401
    wrong = Role.CLIENT if path in ADMIN_VIEWS else Role.ADMIN
    assert (await api.http.get(path, headers=api.headers(wrong))).status_code == 403
