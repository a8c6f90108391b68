"""Clocks refuse non-finite times at the door (issue 10, item 7): no advance, start or
reset leaves a clock at inf, and no int too large for a float escapes as OverflowError."""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle import InvalidArgument, ManualClock
from lifecycle.wire import ServerClock

HUGE_INT = 10**400


@pytest.mark.parametrize("seconds", [HUGE_INT, float("inf"), float("nan")])
def test_a_manual_clock_refuses_a_non_finite_advance_by_name(seconds: Any) -> None:
    clock = ManualClock()
    with pytest.raises(InvalidArgument, match="seconds="):
        clock.advance(seconds)
    assert clock.now() == 0.0


def test_a_manual_clock_refuses_an_advance_that_overflows() -> None:
    clock = ManualClock(1.7e308)
    with pytest.raises(InvalidArgument, match="largest finite time"):
        clock.advance(1.7e308)
    assert clock.now() == 1.7e308


def test_a_manual_clock_refuses_a_huge_int_start_by_name() -> None:
    with pytest.raises(InvalidArgument, match="start=<an int of 1329 bits>"):
        ManualClock(HUGE_INT)


def test_a_manual_clock_takes_a_large_finite_int() -> None:
    assert ManualClock().advance(10**300) == float(10**300)


@pytest.mark.parametrize("seconds", [HUGE_INT, float("inf"), float("nan"), -1, True, "1"])
def test_a_server_clock_refuses_a_bad_advance_by_name(seconds: Any) -> None:
    clock = ServerClock()
    with pytest.raises(InvalidArgument, match="seconds="):
        clock.advance(seconds)
    assert clock.now() == 0.0


def test_a_server_clock_refuses_an_advance_that_overflows() -> None:
    clock = ServerClock()
    clock.advance(1.7e308)
    with pytest.raises(InvalidArgument, match="largest finite time"):
        clock.advance(1.7e308)
    assert clock.now() == 1.7e308


def test_a_running_server_clock_refuses_an_advance_that_would_overflow_as_it_runs() -> None:
    real = [0.0]
    clock = ServerClock(time_scale=1e308, monotonic=lambda: real[0])
    real[0] = 1.0
    with pytest.raises(InvalidArgument, match="largest finite time"):
        clock.advance(1.0e308)


@pytest.mark.parametrize("to", [HUGE_INT, float("inf"), -1.0])
def test_a_server_clock_refuses_a_bad_reset_by_name(to: Any) -> None:
    clock = ServerClock()
    with pytest.raises(InvalidArgument, match="to="):
        clock.reset(to)


@pytest.mark.parametrize("scale", [HUGE_INT, float("inf"), -1])
def test_a_server_clock_refuses_a_bad_time_scale_by_name(scale: Any) -> None:
    with pytest.raises(InvalidArgument, match="time_scale="):
        ServerClock(time_scale=scale)
