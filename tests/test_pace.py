"""Autoplay pacing: tokens due by the clock, not one per redraw."""

from __future__ import annotations

from rnn_tui.tui.pace import FRAME_INTERVAL, Pace, tick_interval


def test_ticks_at_frame_rate_still_step_the_requested_rate() -> None:
    pace = Pace(rate=200, start=0.0)
    ticks = [k * FRAME_INTERVAL for k in range(1, 31)]  # one second of 30 ticks
    steps = [pace.due(now) for now in ticks]
    assert sum(steps) == 200
    assert set(steps) <= {6, 7}


def test_a_timer_that_fires_early_still_pays_its_token() -> None:
    pace = Pace(rate=1, start=0.0)
    assert [pace.due(now) for now in (0.998, 2.001, 2.999, 4.0)] == [1, 1, 1, 1]


def test_after_a_stall_at_most_max_lag_is_made_up() -> None:
    pace = Pace(rate=200, start=0.0, max_lag=0.25)
    assert pace.due(0.1) == 20
    assert pace.due(10.0) == 50  # 1,960 were owed; the rest are dropped
    assert pace.due(10.1) == 20  # and the pace goes on from there


def test_nothing_is_due_twice_or_before_its_time() -> None:
    pace = Pace(rate=10, start=5.0)
    assert pace.due(5.0) == 0
    assert pace.due(5.2) == 2
    assert pace.due(5.2) == 0
    assert pace.due(5.1) == 0  # a clock read out of order owes nothing


def test_slow_rates_tick_per_token_fast_ones_per_frame() -> None:
    assert tick_interval(5) == 0.2
    assert tick_interval(1000) == FRAME_INTERVAL
