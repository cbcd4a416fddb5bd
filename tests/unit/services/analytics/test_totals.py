"""Totals across platforms: a day's total only when every account has a count that day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.analytics.domain.range_growth import growth_between
from services.analytics.domain.ranges import DayRange
from services.analytics.domain.totals import DayTotal, daily_totals, total_counts

T = date(2026, 11, 20)


def d(offset: int) -> date:
    return T + timedelta(days=offset)


ACCOUNTS: dict[str, dict[date, int | None]] = {
    "instagram": {d(0): 100, d(1): 110, d(2): None, d(3): 130},
    "youtube": {d(0): 50, d(2): 70, d(3): 80},
}


def test_a_day_is_totalled_only_when_every_account_is_known() -> None:
    assert daily_totals(ACCOUNTS, d(0), d(3)) == (
        DayTotal(d(0), 150, ()),  # 100 + 50
        DayTotal(d(1), None, ("youtube",)),  # youtube has no row
        DayTotal(d(2), None, ("instagram",)),  # instagram's count is None
        DayTotal(d(3), 210, ()),  # 130 + 80
    )


def test_growth_across_platforms_from_the_totals() -> None:
    g = growth_between(total_counts(daily_totals(ACCOUNTS, d(0), d(3))), d(0), d(3))
    assert g.change == 60  # 210 - 150
    assert g.percent == 40.0  # 100 * 60 / 150
    assert g.gaps == (DayRange(d(1), d(2)),)


def test_zero_is_a_count_and_missing_lists_every_missing_account() -> None:
    accounts: dict[str, dict[date, int | None]] = {"x": {d(0): 0}, "b": {}, "a": {}}
    assert daily_totals({"x": {d(0): 0}, "y": {d(0): 0}}, d(0), d(0)) == (DayTotal(d(0), 0, ()),)
    assert daily_totals(accounts, d(0), d(0)) == (DayTotal(d(0), None, ("a", "b")),)


def test_no_accounts_no_totals_and_a_reversed_range_is_refused() -> None:
    assert daily_totals({}, d(0), d(3)) == ()
    with pytest.raises(ValueError, match="before it starts"):
        daily_totals(ACCOUNTS, d(3), d(0))
