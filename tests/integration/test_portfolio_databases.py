"""The portfolio and the leaderboard on SQLite and on PostgreSQL: the same hand-checked answers.

No broker: the analytics app runs in-process (httpx's ASGI transport) on a migrated, seeded
database of each kind (``tests/support/portfolio.py``). The bulk queries differ in plan between
the two (correlated backward lookups, ``IN`` lists, ``GROUP BY`` totals); the figures may not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.analytics.domain.correlation import milestone_correlation
from tests.support.clock import TODAY
from tests.support.portfolio import full_histories, start_api
from tests.unit.services.analytics.test_portfolio import LEADERBOARD, PORTFOLIO
from tests.unit.support import clear_lsa_env

Get = Any


@pytest.fixture
async def get(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Get]:
    clear_lsa_env(monkeypatch)
    app, http, admin = await start_api(database_url, tmp_path)

    async def fetch(path: str, **params: Any) -> Any:
        answer = await http.get(path, params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        return answer.json()

    try:
        async with http:
            yield fetch
    finally:
        await app.state.runtime.engine.dispose()


async def test_portfolio_and_leaderboard(get: Get) -> None:
    body = await get(PORTFOLIO)
    # tests/unit/services/analytics/test_portfolio.py works these out by hand
    assert body["followers"]["total"] == 43_915
    assert (body["top_platform"]["platform"], body["top_platform"]["followers"]) == (
        "tiktok",
        24_315,
    )
    assert body["growth_30d"]["mean_percent"] == pytest.approx(
        (2 * 45_000 / 16_350 - 60_000 / 18_200) / 3
    )
    assert [e["client_id"] for e in body["leaderboard"]] == [
        "client-a",
        "client-c",
        "client-b",
        "client-e",
    ]
    kinds = {a["client_id"]: [r["kind"] for r in a["reasons"]] for a in body["attention"]}
    assert kinds == {
        "client-a": ["low_engagement"],
        "client-b": ["negative_growth", "low_engagement"],
        "client-c": ["reauth_required"],
        "client-e": ["stale_data"],
    }
    expected = milestone_correlation(full_histories(), today=TODAY, days=14)
    assert [
        (r["code"], r["lift"]["mean"], r["placebo"]["mean"])
        for r in body["milestone_correlation"]["rows"]
    ] == [(d.code, d.lift.mean, d.placebo.mean) for d in expected.deliverables]

    tiktok = await get(PORTFOLIO, platform="tiktok")
    assert (tiktok["clients"], tiktok["followers"]["total"]) == (3, 24_315)

    week = await get(LEADERBOARD, window="7d", limit=2, offset=1)
    assert week["total"] == 4
    assert [(e["position"], e["client_id"]) for e in week["entries"]] == [
        (2, "client-a"),
        (3, "client-b"),
    ]
    assert week["entries"][0]["growth"]["percent"] == pytest.approx(100 * 105 / 16_695)
