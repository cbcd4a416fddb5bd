"""Signals: each rule fires on its facts only, with the figures behind it and a stable key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from services.analytics.domain.signals import (
    AccountSeries,
    GrowthReading,
    Signal,
    SignalConfig,
    SignalKind,
    StaleReason,
    account_signals,
    classify_growth,
    growth_signal,
    low_engagement,
    milestones,
    read_growth,
    stale_data,
    thresholds_between,
    total_milestones,
    total_series,
)

D = date(2026, 11, 20)


def d(offset: int) -> date:
    return D + timedelta(days=offset)


def from_gains(start: int, gains: Sequence[int], first: int = -31) -> dict[date, int | None]:
    """count(d(first)) = start, then count(t + 1) = count(t) + gain(t)."""
    counts: dict[date, int | None] = {d(first): start}
    count = start
    for i, gain in enumerate(gains):
        count += gain
        counts[d(first + i + 1)] = count
    return counts


def growth(start: int, baseline: Sequence[int], recent: Sequence[int]) -> dict[date, int | None]:
    """28 baseline gains g(D-31) … g(D-4), then the 3 recent gains g(D-3) … g(D-1)."""
    assert len(baseline) == 28
    assert len(recent) == 3
    return from_gains(start, [*baseline, *recent])


FLAT_10 = [10] * 28


# --- milestones ---------------------------------------------------------------------------------


def test_a_milestone_crossed_carries_the_counts_around_it() -> None:
    counts: dict[date, int | None] = {d(-1): 9_980, d(0): 10_012}
    assert milestones(counts, D) == [
        Signal(
            SignalKind.MILESTONE,
            D,
            "milestone:10000:2026-11-20",
            {"threshold": 10_000, "before": 9_980, "after": 10_012},
        )
    ]
    assert milestones(counts, d(-1)) == []  # no count on d(-2): nothing to cross from


def test_reaching_the_threshold_exactly_is_crossing_it_starting_on_it_is_not() -> None:
    assert [s.key for s in milestones({d(-1): 9_999, d(0): 10_000}, D)] == [
        "milestone:10000:2026-11-20"
    ]
    assert milestones({d(-1): 10_000, d(0): 10_005}, D) == []  # 10_000 < 10_000 is false
    assert milestones({d(-1): 10_012, d(0): 9_980}, D) == []  # going down crosses nothing


def test_a_crossing_over_a_missing_day_has_no_day_and_fires_never() -> None:
    counts: dict[date, int | None] = {d(-2): 9_990, d(-1): None, d(0): 10_010, d(1): 10_020}
    assert milestones(counts, D) == []  # count(D - 1) unknown
    assert milestones(counts, d(1)) == []  # 10_010 on D already was at or above 10K


def test_an_oscillation_around_a_milestone_fires_on_the_first_crossing_only() -> None:
    values = [9_990, 10_010, 9_995, 10_005, 9_999, 10_001]  # days -5 … 0
    counts: dict[date, int | None] = {d(i - 5): n for i, n in enumerate(values)}
    fired = [s for t in range(-5, 2) for s in milestones(counts, d(t))]
    assert [(s.day, s.key) for s in fired] == [(d(-4), "milestone:10000:2026-11-16")]


def test_one_day_can_cross_several_thresholds_one_signal_each() -> None:
    fired = milestones({d(-1): 900, d(0): 5_200}, D)
    assert [s.numbers["threshold"] for s in fired] == [1_000, 5_000]
    assert [s.key for s in fired] == ["milestone:1000:2026-11-20", "milestone:5000:2026-11-20"]


def test_thresholds_after_the_list_are_every_million() -> None:
    assert thresholds_between(0, 1_000) == [1_000]
    assert thresholds_between(1_000, 25_000) == [5_000, 10_000, 25_000]
    assert thresholds_between(999_000, 3_000_000) == [1_000_000, 2_000_000, 3_000_000]
    assert thresholds_between(2_000_000, 3_999_999) == [3_000_000]
    assert thresholds_between(5_000, 9_999) == []
    [signal] = milestones({d(-1): 1_999_000, d(0): 2_001_000}, D)
    assert signal.key == "milestone:2000000:2026-11-20"


def test_thresholds_are_configurable() -> None:
    # Listed 100, then every multiple of 250 above it: 250, 500, 750, 1000.
    config = SignalConfig(milestones=(100,), milestone_every=250)
    assert thresholds_between(0, 1_000, config) == [100, 250, 500, 750, 1_000]
    only_listed = SignalConfig(milestones=(100, 200), milestone_every=None)
    assert thresholds_between(0, 10_000, only_listed) == [100, 200]
    assert [s.key for s in milestones({d(-1): 180, d(0): 210}, D, only_listed)] == [
        "milestone:200:2026-11-20"
    ]
    with pytest.raises(ValueError, match="increasing"):
        SignalConfig(milestones=(5_000, 1_000))


def test_total_milestone_fires_on_the_sum_of_every_account() -> None:
    accounts: dict[str, dict[date, int | None]] = {
        "instagram": {d(-1): 6_000, d(0): 6_010},
        "youtube": {d(-1): 3_995, d(0): 4_000},
    }
    # 6_000 + 3_995 = 9_995 < 10_000 <= 10_010 = 6_010 + 4_000
    assert total_milestones(accounts, D) == [
        Signal(
            SignalKind.TOTAL_MILESTONE,
            D,
            "total_milestone:10000:2026-11-20",
            {"threshold": 10_000, "before": 9_995, "after": 10_010, "accounts": 2},
        )
    ]
    assert total_milestones({}, D) == []


def test_total_needs_every_account_so_a_new_account_is_no_crossing() -> None:
    accounts: dict[str, dict[date, int | None]] = {
        "instagram": {d(-1): 8_000, d(0): 8_010, d(1): 8_020},
        "tiktok": {d(-1): None, d(0): 3_000, d(1): 3_001},
    }
    assert total_series(accounts) == {d(0): 11_010, d(1): 11_021}  # no total on d(-1)
    assert total_milestones(accounts, D) == []  # 8_000 alone is no total
    assert total_milestones(accounts, d(1)) == []  # 11_010 was already above 10K


# --- surge, decline, stall ------------------------------------------------------------------


def test_surge_against_a_flat_baseline_uses_the_one_follower_floor() -> None:
    # Baseline 28 x +10: median 10, MAD 0. count(D-3) = 100 + 280 = 380; 0.1 % of it is 0.38,
    # so spread = max(0, 1, 0.38) = 1 and a surge needs m > 10 + 3 * 1 = 13.
    counts = growth(100, FLAT_10, [10, 14, 14])
    # D - 1: recent g(D-4), g(D-3), g(D-2) = 10, 10, 14, median 10: no surge, so D starts one.
    assert growth_signal(counts, d(-1)) is None
    assert growth_signal(counts, D) == Signal(
        SignalKind.SURGE,
        D,
        "surge:2026-11-20",
        {
            "recent_median_gain": 14.0,  # median(10, 14, 14)
            "baseline_median_gain": 10.0,
            "mad": 0.0,
            "spread": 1.0,
            "k": 3.0,
            "baseline_gains": 28,
            "recent_days": 3,
            "count_start": 380,
            "count": 418,  # 380 + 10 + 14 + 14
            "threshold": 13.0,
        },
    )


def test_surge_at_exactly_the_threshold_is_nothing() -> None:
    # median(10, 13, 13) = 13, not > 13; not a stall either (|13| > 1).
    assert growth_signal(growth(100, FLAT_10, [10, 13, 13]), D) is None


def test_a_single_spike_day_in_the_recent_window_never_fires() -> None:
    # +500 on D-2 only; each window holding it has two ordinary days, median 10.
    counts = from_gains(100, [*FLAT_10, 10, 500, 10, 10, 10])  # g(D-31) … g(D+1)
    assert [growth_signal(counts, d(t)) for t in range(-1, 3)] == [None, None, None, None]


def test_a_spike_in_the_baseline_does_not_widen_the_spread() -> None:
    # 27 x +10 and one +500: median 10, deviations 27 x 0 and 490, MAD 0. count(D-3) =
    # 0 + 270 + 500 = 770, 0.1 % of it 0.77: spread still 1, surge line 13.
    # (Mean 770 / 28 = 27.5 and standard deviation sqrt((27 * 17.5^2 + 472.5^2) / 27) = 92.6
    # would put it at 27.5 + 3 * 92.6 = 305.)
    baseline = [10] * 14 + [500] + [10] * 13
    reading = read_growth(growth(0, baseline, [10, 14, 14]), D)
    assert reading is not None
    assert (reading.baseline_median, reading.mad, reading.spread) == (10.0, 0.0, 1.0)
    signal = growth_signal(growth(0, baseline, [10, 14, 14]), D)
    assert signal is not None
    assert signal.kind is SignalKind.SURGE


def test_spread_is_the_scaled_mad_of_a_noisy_baseline() -> None:
    # Gains 8, 10, 12, 8, 10, 12, … (ten 8s, nine 10s, nine 12s): median 10, deviations
    # nineteen 2s and nine 0s, MAD 2, spread 1.4826 * 2 = 2.9652 (count(D-3) = 100 + 80 + 90
    # + 108 = 378, floors 1 and 0.378); surge line 10 + 3 * 2.9652 = 18.8956.
    # D-1: baseline g(D-32) … g(D-5) is nine of each (median 10, MAD 2), recent 8, 10, 19
    # (median 10): no surge, so D starts one.
    baseline = ([8, 10, 12] * 10)[:28]
    reading = read_growth(growth(100, baseline, [10, 19, 19]), D)
    assert reading is not None
    assert reading.mad == 2.0
    assert reading.spread == pytest.approx(2.9652)
    above = growth_signal(growth(100, baseline, [10, 19, 19]), D)
    assert above is not None
    assert above.kind is SignalKind.SURGE
    assert above.numbers["threshold"] == pytest.approx(18.8956)
    assert growth_signal(growth(100, baseline, [10, 18, 18]), D) is None  # 18 < 18.8956


def test_spread_floor_of_a_tenth_of_a_percent_of_the_count() -> None:
    # count(D-3) = 19_720 + 280 = 20_000, 0.1 % of it = 20 > 1: spread 20, surge line 70.
    assert growth_signal(growth(19_720, FLAT_10, [10, 70, 70]), D) is None  # 70 not > 70
    signal = growth_signal(growth(19_720, FLAT_10, [10, 71, 71]), D)
    assert signal is not None
    assert (signal.kind, signal.numbers["spread"]) == (SignalKind.SURGE, 20.0)
    # +10 a day is 0.05 % of 20_000: not "clearly growing" (10 <= 3 * 20), so no stall.
    assert growth_signal(growth(19_720, FLAT_10, [10, 0, 0]), D) is None


def test_stall_when_clear_growth_stops() -> None:
    # b = 10 > 3 * 1: clearly growing. median(10, 1, 0) = 1, within +-1 of zero.
    counts = growth(100, FLAT_10, [10, 1, 0])
    signal = growth_signal(counts, D)
    assert signal is not None
    assert (signal.kind, signal.key) == (SignalKind.STALL, "stall:2026-11-20")
    assert "threshold" not in signal.numbers
    assert signal.numbers["recent_median_gain"] == 1.0
    assert growth_signal(growth(100, FLAT_10, [10, 2, 2]), D) is None  # 2 is outside +-1


def test_a_slight_loss_after_growth_is_a_stall_a_clear_one_a_decline() -> None:
    stall = growth_signal(growth(100, FLAT_10, [10, -1, -1]), D)
    decline = growth_signal(growth(100, FLAT_10, [10, -2, -2]), D)
    assert stall is not None
    assert decline is not None
    assert stall.kind is SignalKind.STALL  # |-1| <= 1, although -1 < 10 - 3 as well
    assert decline.kind is SignalKind.DECLINE  # -2 < 0, -2 < 7, |-2| > 1
    assert decline.numbers["threshold"] == 7.0  # 10 - 3 * 1


def test_no_stall_without_clear_growth_before() -> None:
    # b = 3 is not > 3 * 1; median(3, 0, 0) = 0 is no decline either (0 < 0 is false).
    assert growth_signal(growth(100, [3] * 28, [3, 0, 0]), D) is None


def test_decline_from_a_flat_baseline_needs_more_than_k_spreads() -> None:
    # Flat at 100: b = 0, spread max(0, 1, 0.1) = 1, decline line 0 - 3 = -3.
    flat = [0] * 28
    assert growth_signal(growth(100, flat, [0, -3, -3]), D) is None  # -3 not < -3
    signal = growth_signal(growth(100, flat, [0, -4, -4]), D)
    assert signal is not None
    assert (signal.kind, signal.numbers["threshold"]) == (SignalKind.DECLINE, -3.0)


def test_decline_against_an_account_that_always_loses() -> None:
    # b = -10, spread 1: decline needs m < -13; -12 is the account's ordinary pace.
    losing = [-10] * 28
    assert growth_signal(growth(1_000, losing, [-10, -12, -12]), D) is None
    signal = growth_signal(growth(1_000, losing, [-10, -14, -14]), D)
    assert signal is not None
    assert signal.kind is SignalKind.DECLINE


def test_the_rules_are_exclusive() -> None:
    reading = GrowthReading(D, 0.0, 10.0, 0.0, 1.0, 28, 380, 380)
    assert classify_growth(reading) is SignalKind.STALL
    cases = [
        (m, b, s)
        for m in (-20.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 13.0, 14.0, 40.0)
        for b in (-10.0, 0.0, 3.0, 10.0)
        for s in (1.0, 3.0)
    ]
    for m, b, s in cases:
        kind = classify_growth(GrowthReading(D, m, b, 0.0, s, 28, 380, 380))
        holds = {
            SignalKind.SURGE: m > b + 3 * s,
            SignalKind.STALL: b > 3 * s and abs(m) <= s and not m > b + 3 * s,
            SignalKind.DECLINE: m < 0 and m < b - 3 * s and not (b > 3 * s and abs(m) <= s),
        }
        assert [k for k, v in holds.items() if v] == ([] if kind is None else [kind])


def test_a_run_fires_on_its_first_day_only() -> None:
    # Recent gains from D-3: 10, 14, 14, 14, 14: surge on D (first), D+1, D+2 hold it too.
    counts = from_gains(100, [*FLAT_10, 10, 14, 14, 14, 14])
    fired = [s for t in range(-2, 3) if (s := growth_signal(counts, d(t))) is not None]
    assert [s.key for s in fired] == ["surge:2026-11-20"]


def test_too_little_history_gives_no_growth_signal() -> None:
    # Counts from D-16: baseline g(D-16) … g(D-4) = 13 known gains, M is 14.
    short = from_gains(100, [10] * 13 + [10, 14, 14], first=-16)
    assert read_growth(short, D) is None
    assert growth_signal(short, D) is None
    # From D-17: 14 known gains, enough.
    enough = from_gains(100, [10] * 14 + [10, 14, 14], first=-17)
    signal = growth_signal(enough, D)
    assert signal is not None
    assert (signal.kind, signal.numbers["baseline_gains"]) == (SignalKind.SURGE, 14)


def test_a_missing_day_is_no_gain() -> None:
    in_recent = growth(100, FLAT_10, [10, 14, 14])
    in_recent[d(-2)] = None  # g(D-3) and g(D-2) unknown
    assert growth_signal(in_recent, D) is None
    in_baseline = growth(100, FLAT_10, [10, 14, 14])
    del in_baseline[d(-10)]  # g(D-11) and g(D-10) unknown: 26 of 28 known
    signal = growth_signal(in_baseline, D)
    assert signal is not None
    assert (signal.kind, signal.numbers["baseline_gains"]) == (SignalKind.SURGE, 26)


# --- engagement --------------------------------------------------------------------------------


def rates_from(first: int, values: Sequence[float | None]) -> dict[date, float | None]:
    return {d(first + i): v for i, v in enumerate(values)}


def test_low_engagement_against_half_the_own_median() -> None:
    # Ten days of 3.0 % before D: median 3.0, threshold max(0.5, 0.5 * 3.0) = 1.5.
    rates = rates_from(-10, [3.0] * 10 + [1.4])
    assert low_engagement(rates, D) == Signal(
        SignalKind.LOW_ENGAGEMENT,
        D,
        "low_engagement:2026-11-20",
        {
            "rate": 1.4,
            "median_rate": 3.0,
            "threshold": 1.5,
            "floor": 0.5,
            "fraction": 0.5,
            "rates": 10,
        },
    )
    assert low_engagement(rates_from(-10, [3.0] * 10 + [1.5]), D) is None  # 1.5 not < 1.5


def test_the_absolute_floor_applies_when_half_the_median_is_below_it() -> None:
    # Median 0.8: half is 0.4, the floor 0.5 is higher.
    signal = low_engagement(rates_from(-10, [0.8] * 10 + [0.45]), D)
    assert signal is not None
    assert signal.numbers["threshold"] == 0.5
    assert low_engagement(rates_from(-10, [0.8] * 10 + [0.6]), D) is None


def test_low_engagement_needs_ten_known_rates_and_the_days_own() -> None:
    nine = rates_from(-10, [None] + [3.0] * 9 + [1.0])  # d(-10) unknown
    assert low_engagement(nine, D) is None
    no_rate_today = rates_from(-10, [3.0] * 10 + [None])
    assert low_engagement(no_rate_today, D) is None


def test_low_engagement_fires_once_per_run_of_low_days() -> None:
    # 12 days of 3.0, then D 1.0, D+1 1.0, D+2 3.0, D+3 1.0.
    # D+1: its 30 days hold twelve 3.0 and one 1.0, median 3.0, threshold 1.5: low, as D was.
    # D+3: fifteen rates, 1.0 1.0 and thirteen 3.0, median 3.0: low, after a normal D+2.
    rates = rates_from(-12, [3.0] * 12 + [1.0, 1.0, 3.0, 1.0])
    fired = [s for t in range(0, 4) if (s := low_engagement(rates, d(t))) is not None]
    assert [s.key for s in fired] == ["low_engagement:2026-11-20", "low_engagement:2026-11-23"]


def test_a_chronically_low_account_is_told_once() -> None:
    # 0.3 % every day from d(-10): D is the first day with ten rates before it.
    rates = rates_from(-10, [0.3] * 12)
    fired = [s for t in range(-1, 2) if (s := low_engagement(rates, d(t))) is not None]
    assert [(s.day, s.numbers["threshold"]) for s in fired] == [(D, 0.5)]


# --- stale data --------------------------------------------------------------------------------


def test_stale_after_three_days_without_a_successful_sync() -> None:
    assert stale_data(d(-2), D) is None  # 2 days
    assert stale_data(d(-3), D) == Signal(
        SignalKind.STALE_DATA,
        D,
        "stale_data:2026-11-17",
        {"days_since_success": 3, "threshold_days": 3, "last_success": "2026-11-17"},
        StaleReason.NO_RECENT_SYNC,
    )


def test_a_stale_streak_keeps_its_key_a_new_one_gets_another() -> None:
    streak = [stale_data(d(-3), d(t)) for t in range(0, 3)]
    assert {s.key for s in streak if s is not None} == {"stale_data:2026-11-17"}
    later = stale_data(d(5), d(8))  # synced again on d(5), then nothing for 3 days
    assert later is not None
    assert later.key == "stale_data:2026-11-25"
    assert stale_data(d(-3), D, SignalConfig(stale_days=4)) is None


def test_never_synced_is_its_own_reason() -> None:
    assert stale_data(None, D, connected_on=d(-2)) is None
    since = stale_data(None, D, connected_on=d(-3))
    assert since == Signal(
        SignalKind.STALE_DATA,
        D,
        "stale_data:never_synced:2026-11-17",
        {"days_since_connected": 3, "threshold_days": 3, "connected_on": "2026-11-17"},
        StaleReason.NEVER_SYNCED,
    )
    unknown = stale_data(None, D)
    assert unknown is not None
    assert (unknown.key, unknown.reason) == ("stale_data:never_synced", StaleReason.NEVER_SYNCED)


# --- one account, replayed -----------------------------------------------------------------------


def crossing_account() -> AccountSeries:
    # 9_600 on D-31, +10 a day to 9_880 on D-3, then +10, +60, +70: 9_890, 9_950, 10_020.
    # Milestone 10K on D (9_950 < 10_000 <= 10_020). Spread max(0, 1, 0.001 * 9_880) = 9.88,
    # surge line 10 + 3 * 9.88 = 39.64 < median(10, 60, 70) = 60; on D-1 median(10, 10, 60) = 10.
    return AccountSeries(
        counts=growth(9_600, FLAT_10, [10, 60, 70]),
        rates={},
        last_success=D,
    )


def test_an_account_gets_every_signal_of_the_day() -> None:
    fired = account_signals(crossing_account(), D)
    assert [s.key for s in fired] == ["milestone:10000:2026-11-20", "surge:2026-11-20"]
    assert fired[1].numbers["spread"] == pytest.approx(9.88)
    assert fired[1].numbers["threshold"] == pytest.approx(39.64)
    # Five days later nothing has come in: the series says nothing about D+5, the sync is stale.
    assert [s.key for s in account_signals(crossing_account(), d(5))] == ["stale_data:2026-11-20"]


def test_replaying_the_same_facts_gives_the_same_signals_and_keys() -> None:
    account = crossing_account()
    shuffled = AccountSeries(
        counts=dict(reversed(list(account.counts.items()))),
        rates={},
        last_success=D,
    )
    days = [d(t) for t in range(-31, 6)]
    first = [s for t in days for s in account_signals(account, t)]
    again = [s for t in days for s in account_signals(shuffled, t)]
    assert first == again
    # Stale on D+3, D+4, D+5: one streak, one key, so a caller remembering keys tells it once.
    assert [(s.day, s.key) for s in first] == [
        (D, "milestone:10000:2026-11-20"),
        (D, "surge:2026-11-20"),
        (d(3), "stale_data:2026-11-20"),
        (d(4), "stale_data:2026-11-20"),
        (d(5), "stale_data:2026-11-20"),
    ]


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="min_baseline_gains"):
        SignalConfig(min_baseline_gains=29)
    with pytest.raises(ValueError, match="min_engagement_rates"):
        SignalConfig(engagement_days=5)
