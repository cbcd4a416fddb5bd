"""Milestone correlation on hand-made histories; every expected number is worked out beside it.

Conventions (see ``services/analytics/domain/correlation.py``): count(d) is the count at the
start of day d; for a day c and a window of N days, before = count(c) - count(c - N),
after = count(c + N) - count(c), before_rate = 100 * before / count(c - N) / N,
after_rate = 100 * after / count(c) / N (percent a day), lift = after_rate - before_rate.
"""

from __future__ import annotations

import math
import random
import statistics
from datetime import date, timedelta
from typing import Any

import pytest

from services.analytics.domain.correlation import (
    ClientHistory,
    Correlation,
    DeliverableCorrelation,
    Difference,
    Exclusion,
    Lift,
    NoLift,
    Reason,
    Statistic,
    client_lifts,
    correlation_of,
    lift_at,
    milestone_correlation,
    milestone_lifts,
    placebo_days,
    placebo_lifts,
    summarize,
    welch_difference,
)
from services.analytics.domain.program import Deliverable

D0 = date(2026, 1, 1)

# Two-sided 95 % t quantiles with a closed form:
# df = 1 (Cauchy): tan(pi * (0.975 - 0.5)) = tan(0.475 pi) = 12.7062047361747
T1 = 12.706204736174696
# df = 2: (2p - 1) / sqrt(2 p (1 - p)) with p = 0.975: 0.95 / sqrt(0.04875) = 4.30265272975
T2 = 4.302652729749464


def d(k: int) -> date:
    return D0 + timedelta(days=k)


def client(
    client_id: str, followers: dict[date, int | None], *deliverables: tuple[str, int | None]
) -> ClientHistory:
    return ClientHistory(
        client_id,
        followers,
        tuple(
            Deliverable(code, code, due_on=d(0), completed_on=None if k is None else d(k))
            for code, k in deliverables
        ),
    )


# --- one lift ---------------------------------------------------------------------------------


def test_linear_growth_with_a_jump_after_the_completion() -> None:
    # +10 a day from 1000 on day 0 up to the completion on day 20 (1200), then +30 a day.
    followers: dict[date, int | None] = {d(k): 1000 + 10 * k for k in range(21)}
    followers |= {d(20 + k): 1200 + 30 * k for k in range(11)}
    result = lift_at(followers, d(20), today=d(30), days=10)
    assert isinstance(result, Lift)
    assert (result.day, result.days) == (d(20), 10)
    assert result.start == 1100  # day 10: 1000 + 10 * 10
    assert result.at == 1200  # day 20
    assert result.end == 1500  # day 30: 1200 + 30 * 10
    assert result.before == 100  # 1200 - 1100
    assert result.after == 300  # 1500 - 1200
    assert result.before_rate == pytest.approx(10 / 11)  # 100 * 100 / 1100 / 10 = 0.90909…
    assert result.after_rate == 2.5  # 100 * 300 / 1200 / 10
    assert result.lift == pytest.approx(35 / 22)  # 2.5 - 10/11 = 55/22 - 20/22 = 1.59090…


def test_a_shrinking_baseline_gives_a_finite_lift() -> None:
    # Losing 10 a day before (a ratio of rates would be negative), gaining 4.5 a day after.
    followers: dict[date, int | None] = {d(0): 1000, d(10): 900, d(20): 945}
    result = lift_at(followers, d(10), today=d(20), days=10)
    assert isinstance(result, Lift)
    assert result.before_rate == -1.0  # 100 * -100 / 1000 / 10
    assert result.after_rate == 0.5  # 100 * 45 / 900 / 10
    assert result.lift == 1.5  # 0.5 - (-1.0)


def test_no_lift_reasons() -> None:
    followers: dict[date, int | None] = {d(0): 10, d(10): 100, d(20): None, d(30): 130}
    # Day 20 is None: the after-window of day 10 ends on an unknown count.
    assert lift_at(followers, d(10), today=d(40), days=10) == NoLift(Reason.MISSING_COUNT, (d(20),))
    # Day 5 and day 15 are absent; day 25 too.
    assert lift_at(followers, d(15), today=d(40), days=10) == NoLift(
        Reason.MISSING_COUNT, (d(5), d(15), d(25))
    )
    # count(day 0) = 0: no baseline rate.
    zero_start: dict[date, int | None] = {d(0): 0, d(10): 100, d(20): 130}
    assert lift_at(zero_start, d(10), today=d(40), days=10) == NoLift(Reason.ZERO_COUNT, (d(0),))
    zero_at: dict[date, int | None] = {d(0): 50, d(10): 0, d(20): 30}
    assert lift_at(zero_at, d(10), today=d(40), days=10) == NoLift(Reason.ZERO_COUNT, (d(10),))
    # 10 + 10 = day 20 is after today (day 19), even though its count is known.
    assert lift_at(zero_start, d(10), today=d(19), days=10) == NoLift(
        Reason.INCOMPLETE_WINDOW, (d(20),)
    )


def test_the_window_must_be_a_day_at_least() -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        lift_at({}, d(0), today=d(0), days=0)


# --- lifts of the deliverables ----------------------------------------------------------------


def three_step(start: int, at: int, end: int) -> dict[date, int | None]:
    """Counts on days 0, 10 and 20 only (the windows of a completion on day 10, N = 10)."""
    return {d(0): start, d(10): at, d(20): end}


def test_three_clients_mean_and_interval() -> None:
    # Each: before_rate = 100 * (1100 - 1000) / 1000 / 10 = 1.0 %/day, then
    # A: after_rate = 100 * 220 / 1100 / 10 = 2.0 -> lift 1.0
    # B: after_rate = 100 * 330 / 1100 / 10 = 3.0 -> lift 2.0
    # C: after_rate = 100 * 550 / 1100 / 10 = 5.0 -> lift 4.0
    clients = [
        client("A", three_step(1000, 1100, 1320), ("M1", 10)),
        client("B", three_step(1000, 1100, 1430), ("M1", 10)),
        client("C", three_step(1000, 1100, 1650), ("M1", 10)),
    ]
    lifts, excluded = milestone_lifts(clients, today=d(20), days=10)
    assert excluded == ()
    assert [(m.client_id, m.code, m.lift.lift) for m in lifts] == [
        ("A", "M1", 1.0),
        ("B", "M1", 2.0),
        ("C", "M1", 4.0),
    ]
    stat = summarize([m.lift.lift for m in lifts])
    # mean = 7/3; squared deviations 16/9 + 1/9 + 25/9 = 42/9; s^2 = (42/9) / 2 = 7/3
    # standard error = sqrt(7/3) / sqrt(3) = sqrt(7) / 3 = 0.881917…
    # half width = t(0.975, 2) * sqrt(7) / 3 = 4.302652729749464 * 0.881917… = 3.794583…
    half = T2 * math.sqrt(7) / 3
    assert stat.n == 3
    assert stat.mean == pytest.approx(7 / 3)
    assert stat.sd == pytest.approx(math.sqrt(7 / 3))
    assert stat.ci == pytest.approx((7 / 3 - half, 7 / 3 + half))
    assert stat.ci == pytest.approx((-1.461250, 6.127917), abs=1e-6)
    assert stat.ci_to_show == stat.ci


def test_excluded_completions_carry_their_reason() -> None:
    followers: dict[date, int | None] = {
        d(0): 500,
        d(10): 600,
        d(20): None,  # M1 (day 10): its after-window ends on an unknown count
        d(30): 0,  # M2 (day 40): its baseline starts at 0
        d(40): 40,
        d(50): 80,
        d(60): 90,  # M3 (day 60): day 70 is after today (day 65)
    }
    history = client("A", followers, ("M1", 10), ("M2", 40), ("M3", 60), ("M4", None))
    lifts, excluded = milestone_lifts([history], today=d(65), days=10)
    assert lifts == ()  # M4 is not completed: no case, no exclusion
    assert excluded == (
        Exclusion("A", "M1", d(10), Reason.MISSING_COUNT, (d(20),)),
        Exclusion("A", "M2", d(40), Reason.ZERO_COUNT, (d(30),)),
        Exclusion("A", "M3", d(60), Reason.INCOMPLETE_WINDOW, (d(70),)),
    )


def test_a_code_twice_for_one_client_is_an_input_error() -> None:
    history = client("A", {}, ("M1", 10), ("M1", None))
    with pytest.raises(ValueError, match="'M1' twice"):
        milestone_lifts([history], today=d(30))


# --- placebo days -----------------------------------------------------------------------------


def linear(first: int, last: int) -> dict[date, int | None]:
    return {d(k): 1000 + 10 * k for k in range(first, last + 1)}


def test_placebo_days_by_hand() -> None:
    # Days 0..60 known, N = 5, a completion on day 30, today = day 60.
    # Eligible p: p - 5 >= 0 and p + 5 <= 60, and |p - 30| >= 2 * 5 = 10:
    # 5..20 (16 days) and 40..55 (16 days), m = 32. With 4 per client, the positions
    # ((2k + 1) * 32) // 8 = 4, 12, 20, 28 -> days 5 + 4 = 9, 5 + 12 = 17,
    # 40 + (20 - 16) = 44, 40 + (28 - 16) = 52.
    history = client("A", linear(0, 60), ("M1", 30))
    assert placebo_days(history, today=d(60), days=5, per_client=4) == (d(9), d(17), d(44), d(52))
    lifts = placebo_lifts(history, today=d(60), days=5, per_client=4)
    # Day 9: before = 1090 - 1040 = 50, after = 1140 - 1090 = 50;
    # lift = 100 * 50 / 1090 / 5 - 100 * 50 / 1040 / 5 = 1000/1090 - 1000/1040 = -0.044107…
    assert lifts[0].lift == pytest.approx(1000 / 1090 - 1000 / 1040)
    assert lifts[0].lift == pytest.approx(-0.0441073, abs=1e-7)


def test_placebo_days_skip_unknown_counts() -> None:
    # As above, but day 12 unknown: p = 7 (ends on 12), 12, 17 (starts on 12) drop out.
    # 5..20 without 7, 12, 17 = 13 days; 40..55 = 16 days; m = 29.
    # Positions ((2k + 1) * 29) // 8 = 29//8 = 3, 87//8 = 10, 145//8 = 18, 203//8 = 25:
    # first run [5, 6, 8, 9, 10, 11, 13, 14, 15, 16, 18, 19, 20] -> [3] = 9, [10] = 18;
    # second run 40.. -> [18 - 13] = 45, [25 - 13] = 52.
    followers = linear(0, 60) | {d(12): None}
    history = client("A", followers, ("M1", 30))
    assert placebo_days(history, today=d(60), days=5, per_client=4) == (d(9), d(18), d(45), d(52))
    # Fewer eligible days than asked for: all of them.
    assert len(placebo_days(history, today=d(60), days=5, per_client=100)) == 29
    assert placebo_days(history, today=d(60), days=5, per_client=0) == ()


def test_placebo_days_stay_away_from_every_completion_and_are_deterministic() -> None:
    # A year of counts, N = 14, completions scattered; M3's window is still open (day 350 + 14 is
    # after today, day 355) and M4 is pending: M3 still keeps placebo days away, M4 does not.
    completions = {"M1": 40, "M2": 130, "M3": 350}
    history = client("A", linear(0, 365), *completions.items(), ("M4", None))
    chosen = placebo_days(history, today=d(355), days=14, per_client=8)
    assert len(chosen) == 8
    for p in chosen:
        for c in completions.values():
            assert abs((p - d(c)).days) >= 28  # 2N: windows never share a day (so never within N)
        assert p - timedelta(days=14) >= d(0)
        assert p + timedelta(days=14) <= d(355)
    # The same history, its days given in another order: the same days.
    reversed_history = ClientHistory(
        "A", dict(reversed(list(history.followers.items()))), history.deliverables
    )
    assert placebo_days(reversed_history, today=d(355), days=14, per_client=8) == chosen
    assert placebo_days(history, today=d(355), days=14, per_client=8) == chosen


# --- statistics -------------------------------------------------------------------------------


def test_fewer_than_two_values_have_no_interval() -> None:
    assert summarize([]) == Statistic(0, None, None, None)
    assert summarize([1.5]) == Statistic(1, 1.5, None, None)


def test_two_values_have_an_interval_too_wide_to_show() -> None:
    # mean 1.5; s = sqrt((0.25 + 0.25) / 1) = sqrt(0.5); se = sqrt(0.5) / sqrt(2) = 0.5
    # half width = t(0.975, 1) * 0.5 = 12.7062… * 0.5 = 6.3531…
    stat = summarize([1.0, 2.0])
    assert stat.ci == pytest.approx((1.5 - T1 * 0.5, 1.5 + T1 * 0.5))
    assert stat.ci_to_show is None


def test_welch_difference_with_equal_spreads() -> None:
    # a = [1, 3]: mean 2, s^2 = 2; b = [0, 2]: mean 1, s^2 = 2.
    # se^2 = 2/2 + 2/2 = 2; df = 2^2 / ((1)^2 / 1 + (1)^2 / 1) = 2
    # ci = 1 -/+ t(0.975, 2) * sqrt(2) = 1 -/+ 6.084870…
    diff = welch_difference([1.0, 3.0], [0.0, 2.0])
    assert diff is not None
    assert diff.estimate == 1.0
    assert diff.se == pytest.approx(math.sqrt(2))
    assert diff.df == pytest.approx(2.0)
    assert diff.ci == pytest.approx((1 - T2 * math.sqrt(2), 1 + T2 * math.sqrt(2)))
    assert diff.ci == pytest.approx((-5.084870, 7.084870), abs=1e-6)


def test_welch_difference_with_unequal_spreads() -> None:
    # a = [1, 2, 4]: mean 7/3, s^2 = 7/3; b = [0, 1, 2]: mean 1, s^2 = 1.
    # se^2 = (7/3)/3 + 1/3 = 7/9 + 3/9 = 10/9 -> se = sqrt(10)/3 = 1.054093…
    # df = (10/9)^2 / ((7/9)^2 / 2 + (3/9)^2 / 2) = (100/81) / (58/162) = 200/58 = 100/29 = 3.4483
    # t(0.975, 100/29) = 2.9607304803 (scipy.stats.t.ppf; no closed form at a fractional df),
    # ci = 4/3 -/+ 2.9607304803 * 1.054093 = 4/3 -/+ 3.120884…
    diff = welch_difference([1.0, 2.0, 4.0], [0.0, 1.0, 2.0])
    assert diff is not None
    assert diff.estimate == pytest.approx(4 / 3)
    assert diff.se == pytest.approx(math.sqrt(10) / 3)
    assert diff.df == pytest.approx(100 / 29)
    half = 2.9607304803172347 * math.sqrt(10) / 3
    assert diff.ci == pytest.approx((4 / 3 - half, 4 / 3 + half))


def test_welch_difference_edges() -> None:
    assert welch_difference([1.0], [0.0, 2.0]) is None  # one value: no spread to estimate
    assert welch_difference([1.0, 1.0], [0.5, 0.5]) == Difference(0.5, 0.0, None, (0.5, 0.5))


# --- the whole portfolio ----------------------------------------------------------------------


def flat_then_rise(per_day: int, at: int = 40, last: int = 50) -> dict[date, int | None]:
    """1000 followers on days 0..at, then +per_day a day up to day ``last``."""
    return {d(k): 1000 + per_day * max(0, k - at) for k in range(last + 1)}


def test_milestone_correlation_end_to_end() -> None:
    # N = 10, today = day 50, 3 placebo days per client.
    # A, B, C: flat at 1000 to the M1 day (40), then +10, +20, +40 a day:
    #   before_rate = 0; after_rate = 100 * (100, 200, 400) / 1000 / 10 = 1, 2, 4 -> lifts 1, 2, 4.
    # Placebo p: p - 10 >= 0, p + 10 <= 50, |p - 40| >= 20 -> p in 10..20 (11 days);
    #   positions ((2k + 1) * 11) // 6 = 1, 5, 9 -> days 11, 15, 19; their windows end by day 29,
    #   all flat: every placebo lift is 0.
    # D: M10 on day 40 (+10 a day after: lift 1) and M2 on day 45 (45 + 10 > 50: incomplete);
    #   M2 also keeps placebo days at |p - 45| >= 20, p <= 25: the same days 11, 15, 19.
    # E: M10 on day 40 with counts on days 30, 40, 50 only: lift 100 * 200 / 1000 / 10 = 2,
    #   no placebo day.
    clients = [
        client("A", flat_then_rise(10), ("M1", 40), ("M2", None)),
        client("B", flat_then_rise(20), ("M1", 40)),
        client("C", flat_then_rise(40), ("M1", 40)),
        client("D", flat_then_rise(10), ("M10", 40), ("M2", 45)),
        client("E", {d(30): 1000, d(40): 1000, d(50): 1200}, ("M10", 40)),
    ]
    result = milestone_correlation(clients, today=d(50), days=10, placebo_per_client=3)
    assert [r.code for r in result.deliverables] == ["M1", "M2", "M10"]  # natural order
    assert result.exclusions == (Exclusion("D", "M2", d(45), Reason.INCOMPLETE_WINDOW, (d(55),)),)
    assert placebo_days(clients[0], today=d(50), days=10, per_client=3) == (d(11), d(15), d(19))
    assert placebo_days(clients[3], today=d(50), days=10, per_client=3) == (d(11), d(15), d(19))

    m1, m2, m10 = result.deliverables
    half = T2 * math.sqrt(7) / 3  # as in test_three_clients_mean_and_interval
    assert m1.lift.n == 3
    assert m1.lift.mean == pytest.approx(7 / 3)
    assert m1.lift.ci == pytest.approx((7 / 3 - half, 7 / 3 + half))
    assert m1.placebo == Statistic(3, 0.0, 0.0, (0.0, 0.0))
    assert m1.placebo_days == 9  # 3 clients x 3 days
    # Welch with a placebo spread of 0: se^2 = (7/3)/3 + 0 = 7/9,
    # df = (7/9)^2 / ((7/9)^2 / (3 - 1)) = 2: the same interval as the lift's own.
    assert m1.difference is not None
    assert m1.difference.estimate == pytest.approx(7 / 3)
    assert m1.difference.df == pytest.approx(2.0)
    assert m1.difference.ci == pytest.approx((7 / 3 - half, 7 / 3 + half))
    assert m1.clients_without_placebo == ()

    assert m2.lift == Statistic(0, None, None, None)  # D's only M2 is excluded
    assert m2.placebo == Statistic(0, None, None, None)
    assert m2.difference is None

    # M10: lifts D = 1, E = 2 -> n = 2, mean 1.5, interval not shown; only D has placebo days.
    assert [(m.client_id, m.lift.lift) for m in m10.lifts] == [("D", 1.0), ("E", 2.0)]
    assert m10.lift.mean == 1.5
    assert m10.lift.ci is not None
    assert m10.lift.ci_to_show is None
    assert m10.placebo == Statistic(1, 0.0, None, None)
    assert m10.placebo_days == 3
    assert m10.difference is None  # one placebo client: no spread
    assert m10.clients_without_placebo == ("E",)


def test_each_client_once() -> None:
    with pytest.raises(ValueError, match="once"):
        milestone_correlation([client("A", {}), client("A", {})], today=d(0))


# --- the split: per-client parts, then the aggregation -----------------------------------------


def _unsplit(clients: list[ClientHistory], *, today: date, days: int, per_client: int) -> Any:
    """The correlation as computed before it was split into parts (kept as the reference)."""
    lifts, exclusions = milestone_lifts(clients, today=today, days=days)
    placebo = {
        c.client_id: placebo_lifts(c, today=today, days=days, per_client=per_client)
        for c in clients
    }
    codes = {x.code for c in clients for x in c.deliverables if x.completed_on is not None}
    rows = []
    for code in sorted(codes, key=lambda c: (c[0], int(c[1:]))):
        of_code = tuple(m for m in lifts if m.code == code)
        with_placebo = [m for m in of_code if placebo[m.client_id]]
        means = [statistics.fmean(p.lift for p in placebo[m.client_id]) for m in with_placebo]
        values = [m.lift.lift for m in of_code]
        rows.append(
            DeliverableCorrelation(
                code=code,
                lift=summarize(values),
                placebo=summarize(means),
                placebo_days=sum(len(placebo[m.client_id]) for m in with_placebo),
                difference=welch_difference(values, means),
                lifts=of_code,
                clients_without_placebo=tuple(
                    m.client_id for m in of_code if not placebo[m.client_id]
                ),
            )
        )
    return Correlation(days, today, tuple(rows), exclusions)


def _noisy(seed: int, last: int = 200) -> dict[date, int | None]:
    """A growing, noisy series with a few unknown days (fixed by ``seed``)."""
    rng = random.Random(seed)
    count, out = 500 + 100 * seed, {}
    for k in range(last + 1):
        out[d(k)] = None if rng.random() < 0.05 else count
        count += rng.randint(-5, 15)
    return out


SPLIT_CLIENTS = [
    client("A", flat_then_rise(10, last=200), ("M1", 40), ("M2", None)),
    client("B", _noisy(1), ("M1", 30), ("M2", 70), ("M3", 195)),
    client("C", _noisy(2), ("M1", 35), ("M3", 90)),
    client("D", _noisy(3), ("M2", 60)),
    client("E", {d(30): 1000, d(40): 1000, d(50): 1200}, ("M1", 40)),
    client("F", _noisy(4), ("M1", 25), ("M2", 65), ("M3", 100)),
]


def test_the_composition_is_the_unsplit_correlation() -> None:
    today = d(200)
    for days, per_client in ((10, 3), (14, 10), (7, 1)):
        got = milestone_correlation(
            SPLIT_CLIENTS, today=today, days=days, placebo_per_client=per_client
        )
        want = _unsplit(SPLIT_CLIENTS, today=today, days=days, per_client=per_client)
        assert got == want
        parts = [
            client_lifts(c, today=today, days=days, placebo_per_client=per_client)
            for c in SPLIT_CLIENTS
        ]
        assert correlation_of(parts, today=today, days=days) == want
    # the set is not trivial: three codes with lifts and placebo days, a client without
    # placebo days (E) and an exclusion (B's M3: 195 + 10 is after today)
    result = milestone_correlation(SPLIT_CLIENTS, today=today, days=10)
    assert [(r.code, r.lift.n, r.placebo.n) for r in result.deliverables] == [
        ("M1", 5, 4),
        ("M2", 3, 3),
        ("M3", 2, 2),
    ]
    assert result.deliverables[0].clients_without_placebo == ("E",)
    assert [(e.client_id, e.code, e.reason) for e in result.exclusions] == [
        ("B", "M3", Reason.INCOMPLETE_WINDOW)
    ]


def test_the_aggregation_order_does_not_matter() -> None:
    today, days = d(200), 10
    parts = [client_lifts(c, today=today, days=days) for c in SPLIT_CLIENTS]
    first = correlation_of(parts, today=today, days=days)
    for seed in range(5):
        shuffled = parts[:]
        random.Random(seed).shuffle(shuffled)
        again = correlation_of(shuffled, today=today, days=days)
        # the statistics are exactly equal (fmean, stdev: exactly rounded) ...
        for a, b in zip(first.deliverables, again.deliverables, strict=True):
            assert (a.code, a.lift, a.placebo, a.placebo_days, a.difference) == (
                b.code,
                b.lift,
                b.placebo,
                b.placebo_days,
                b.difference,
            )
            # ... and the listings hold the same items, in the parts' order
            assert sorted(a.lifts, key=str) == sorted(b.lifts, key=str)
            assert sorted(a.clients_without_placebo) == sorted(b.clients_without_placebo)
        assert sorted(first.exclusions, key=str) == sorted(again.exclusions, key=str)
        by_id = sorted(shuffled, key=lambda p: p.client_id)
        assert correlation_of(by_id, today=today, days=days) == first  # parts were by id


def test_parts_of_another_day_or_window_are_refused() -> None:
    part = client_lifts(SPLIT_CLIENTS[0], today=d(120), days=14)
    with pytest.raises(ValueError, match="computed for"):
        correlation_of([part], today=d(121), days=14)
    with pytest.raises(ValueError, match="computed for"):
        correlation_of([part], today=d(120), days=7)
    with pytest.raises(ValueError, match="once"):
        correlation_of([part, part], today=d(120), days=14)


def test_placebo_days_are_the_days_lift_at_measures() -> None:
    """The eligibility check is ``lift_at``'s own conditions (it is only not built)."""
    zeros: dict[date, int | None] = {d(k): (0 if k % 17 == 0 else 100 + k) for k in range(201)}
    for history in (*SPLIT_CLIENTS, client("Z", zeros, ("M1", 100))):
        done = [x.completed_on for x in history.deliverables if x.completed_on is not None]
        for days in (7, 10, 14):
            eligible = [
                day
                for day in sorted(history.followers)
                if all(abs((day - c).days) >= 2 * days for c in done)
                and isinstance(lift_at(history.followers, day, today=d(200), days=days), Lift)
            ]
            got = placebo_days(history, today=d(200), days=days, per_client=len(eligible) + 1)
            assert got == tuple(eligible)
