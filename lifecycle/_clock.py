"""Time in the model: a clock the caller owns, never the wall clock."""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

from .errors import InvalidArgument


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the model what time it is, in seconds.

    The model never reads the wall clock. It asks its clock for ``now()`` at the
    start of every call and settles every transition that fell due by then,
    stamped with the time it fell due, not the time it was noticed.
    """

    def now(self) -> float:
        """The current time in seconds on the caller's time line."""
        ...  # pragma: no cover


class ManualClock:
    """A clock that moves only when told to.

    Args:
        start: The starting time in seconds (default 0.0).

    Several models may share one ``ManualClock``; each settles what fell due the
    next time it is called (or at once, through ``EcsModel.advance``).
    """

    __slots__ = ("_now",)

    def __init__(self, start: float = 0.0) -> None:
        self._now = _finite("start", start)

    def now(self) -> float:
        """The current time in seconds."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (zero or more) and return the new time.

        Raises:
            InvalidArgument: if ``seconds`` is negative, not finite or not a number,
                or would carry the clock past the largest finite time.
        """
        seconds = _finite("seconds", seconds)
        if seconds < 0:
            raise InvalidArgument(f"seconds={seconds!r}: a clock only moves forward; pass >= 0")
        now = self._now + seconds
        if not math.isfinite(now):
            raise InvalidArgument(
                f"seconds={seconds!r}: the clock would pass the largest finite time"
            )
        self._now = now
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock(now={self._now!r})"


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{name}={value!r}: expected a number of seconds")
    try:
        seconds = float(value)
    except OverflowError:  # an int past the largest float, like 10**400
        bits = int(value).bit_length()
        raise InvalidArgument(
            f"{name}=<an int of {bits} bits>: expected a finite number of seconds"
        ) from None
    if not math.isfinite(seconds):
        raise InvalidArgument(f"{name}={value!r}: expected a finite number of seconds")
    return seconds
