"""The dashboards' views answer the same on SQLite and PostgreSQL (no broker: in-process app).

The row-number query of the latest days, the Core selects of narrow columns and the naive
timestamps SQLite hands back are where the two could differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared.auth import Role
from tests.support.dashboards import OWNER, seeded_api
from tests.support.databases import KINDS, temporary_database
from tests.unit.support import clear_lsa_env

pytestmark = pytest.mark.integration

VIEWS = [
    ("/api/portal/social/overview", {}),
    ("/api/portal/social/instagram/metrics", {"from": "2026-10-01", "to": "2026-11-20"}),
    ("/api/portal/social/instagram/growth", {"range": "all"}),
    ("/api/portal/social/all/growth", {"range": "30d", "metric": "engagement"}),
    ("/api/portal/social/top-content", {"range": "30d", "by": "views"}),
    (f"/api/admin/social/clients/{OWNER}", {}),
]


async def _answers(kind: str, tmp_path: Path) -> list[Any]:
    async with (
        temporary_database(kind, tmp_path, "views") as url,
        seeded_api(url, tmp_path) as api,
    ):
        answers = []
        for path, params in VIEWS:
            role = Role.ADMIN if path.startswith("/api/admin") else Role.CLIENT
            response = await api.http.get(path, params=params, headers=api.headers(role))
            assert response.status_code == 200, f"{kind} {path}: {response.text}"
            answers.append(response.json())
        return answers


@pytest.fixture(scope="module")
async def sqlite_answers(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_lsa_env(monkeypatch)
        return await _answers("sqlite", tmp_path_factory.mktemp("views-sqlite"))


@pytest.mark.parametrize("kind", KINDS)
async def test_the_views_answer_the_same_on_both_databases(
    kind: str, sqlite_answers: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_lsa_env(monkeypatch)
    answers = await _answers(kind, tmp_path)
    overview, metrics, growth, combined, top, client = answers
    # The hand-checked figures of tests/unit/services/analytics/test_views_api.py …
    assert (
        overview["totals"]["followers"],
        overview["totals"]["followers_change_30d"]["change"],
    ) == (
        2000,
        420,
    )
    assert metrics["latest"]["fetched_at"] == "2026-11-20T03:00:00Z"
    assert (growth["growth"]["change"], growth["points"][0]["source"]) == (400, "import")
    assert combined["points"][-1]["value"] == 2.6
    assert [i["item_id"] for i in top["items"]] == ["tt1", "ig1", "ig2"]
    assert top["items"][0]["published_at"] == "2026-11-15T18:00:00Z"
    assert client["start_vs_now"]["percent_rounded"] == 27
    # … and every other figure as on SQLite.
    for (path, _), mine, sqlite in zip(VIEWS, answers, sqlite_answers, strict=True):
        assert mine == sqlite, path
