"""The supervisor's restart backoff: 1 s doubling to 30 s, reset after a minute up."""

from __future__ import annotations

from services.local.backoff import RestartBackoff


def test_delays_double_up_to_the_cap_while_the_process_keeps_crashing() -> None:
    backoff = RestartBackoff()
    delays = [backoff.next_delay(uptime=0.5) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_process_that_stayed_up_a_minute_starts_again_from_one_second() -> None:
    backoff = RestartBackoff()
    assert [backoff.next_delay(uptime=5) for _ in range(3)] == [1, 2, 4]
    assert backoff.next_delay(uptime=59.9) == 8  # not quite long enough
    assert backoff.next_delay(uptime=60) == 1
    assert backoff.next_delay(uptime=1) == 2


def test_a_long_crash_loop_stays_at_the_cap() -> None:
    backoff = RestartBackoff(initial=0.5, factor=3, maximum=10)
    delays = [backoff.next_delay(uptime=0) for _ in range(5000)]
    assert delays[:4] == [0.5, 1.5, 4.5, 10]
    assert set(delays[3:]) == {10}
