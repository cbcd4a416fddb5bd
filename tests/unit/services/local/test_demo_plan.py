"""The demo portfolio's plan (``lsa demo``): dates relative to the pinned today, CSV rows."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from services.analytics.history_import import parse_history_csv
from services.local import demo
from services.local.broker import free_port
from services.local.demo_plan import (
    MAX_CLIENTS,
    DeliverablePlan,
    client_plan,
    deliverable_body,
    history_csv,
    import_range,
    portfolio,
)
from tests.support.clock import TODAY


def test_the_first_client_by_hand() -> None:
    plan = client_plan(1, TODAY)
    # 75 + (1 * 53) % 270 = 128 days before 2026-11-20; a one-year program.
    assert plan.program_start == date(2026, 7, 15)
    assert plan.program_end == date(2027, 7, 15)
    assert (plan.client_id, plan.account, plan.name) == ("demo-client-01", "demo_01", "Ada Arden")
    assert plan.platforms == ("instagram", "tiktok", "youtube")
    # 128 // 30 = 4 due by today, each completed (3 + 5k) % 8 - 3 days from its due date;
    # then 1 + 1 % 2 = 2 more, due later, open.
    assert plan.deliverables == (
        DeliverablePlan("M1", "Kick-off and goals", date(2026, 8, 14), date(2026, 8, 11)),
        DeliverablePlan("M2", "Content audit", date(2026, 9, 13), date(2026, 9, 15)),
        DeliverablePlan("M3", "Posting plan", date(2026, 10, 13), date(2026, 10, 12)),
        DeliverablePlan("M4", "Profile refresh", date(2026, 11, 12), date(2026, 11, 16)),
        DeliverablePlan("M5", "First collaboration", date(2026, 12, 12), None),
        DeliverablePlan("M6", "Live Q&A", date(2027, 1, 11), None),
    )
    assert plan.program_body() == {
        "name": "Ada Arden",
        "email": "ada.arden.01@example.com",
        "timezone": "America/New_York",
        "program_start": "2026-07-15",
        "program_end": "2027-07-15",
        "follower_goal": plan.follower_goal,
    }
    assert deliverable_body(plan.deliverables[0]) == {
        "title": "Kick-off and goals",
        "due_on": "2026-08-14",
        "completed_on": "2026-08-11",
    }
    assert deliverable_body(plan.deliverables[-1])["completed_on"] is None


@pytest.mark.parametrize("today", [TODAY, date(2027, 3, 1), date(2028, 1, 1)])
def test_every_client_is_months_in_with_work_done_and_open(today: date) -> None:
    plans = portfolio(MAX_CLIENTS, today)
    assert len({p.client_id for p in plans}) == len({p.account for p in plans}) == MAX_CLIENTS
    for plan in plans:
        assert 75 <= (today - plan.program_start).days <= 344
        assert plan.program_end > today
        done = [d for d in plan.deliverables if d.completed_on is not None]
        assert done and all(d.completed_on is not None and d.completed_on <= today for d in done)
        upcoming = [d for d in plan.deliverables if d.due_on > today]
        assert 1 <= len(upcoming) <= 2 and all(d.completed_on is None for d in upcoming)
        assert [d.code for d in plan.deliverables] == [
            f"M{k}" for k in range(1, len(plan.deliverables) + 1)
        ]
        assert 2 <= len(plan.platforms) <= 3
    # Some deliverable is overdue (due, its completion not yet happened): the alerts' case.
    assert any(d.due_on <= today and d.completed_on is None for p in plans for d in p.deliverables)


def test_the_default_portfolio_mixes_all_six_platforms() -> None:
    mix = Counter(platform for plan in portfolio(50, TODAY) for platform in plan.platforms)
    assert mix == {
        "instagram": 35,
        "tiktok": 30,
        "youtube": 30,
        "x": 10,
        "facebook": 10,
        "linkedin": 10,
    }


def test_a_portfolio_outside_the_generated_accounts_is_refused() -> None:
    for count in (0, MAX_CLIENTS + 1):
        with pytest.raises(ValueError, match="1 … 99"):
            portfolio(count, TODAY)


def test_the_import_covers_the_year_before_today() -> None:
    assert import_range(TODAY) == (date(2025, 11, 20), date(2026, 11, 19))


def test_the_csv_is_what_the_history_import_reads() -> None:
    days = [
        {"date": "2026-11-18", "followers": 5012, "following": 310, "posts": 121},
        {"date": "2026-11-19", "followers": 5020, "following": None, "posts": 122},
    ]
    text = history_csv(days)
    assert text == "date,followers,following,posts\n2026-11-18,5012,310,121\n2026-11-19,5020,,122\n"
    parsed = parse_history_csv(text, TODAY)
    assert not parsed.errors
    assert [(r.day, r.followers, r.following, r.posts) for r in parsed.rows] == [
        (TODAY - timedelta(days=2), 5012, 310, 121),
        (TODAY - timedelta(days=1), 5020, None, 122),
    ]


def test_no_system_running_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert demo.main(url, 3, concurrency=2, timeout=5) == 1
    error = capsys.readouterr().err
    assert f"no system answers at {url}" in error and "make run" in error


def test_a_bad_client_count_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main("http://127.0.0.1:1", 0, concurrency=2, timeout=5) == 2
    assert "--clients must be 1 … 99" in capsys.readouterr().err
