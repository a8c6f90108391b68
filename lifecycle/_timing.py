"""How long Pending, Starting and Stopping last: fixed, drawn from a distribution, or zero.

The documents give no durations, so the defaults are round numbers, stated
in docs/model.md, and every caller can replace them. Draws come from the model's
own seeded generator, so the same seed gives the same timings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random
from typing import Protocol

from ._status import InstanceStatus
from .errors import InvalidArgument


class Duration(Protocol):
    """A source of durations, in seconds."""

    def sample(self, rng: Random) -> float:
        """Draw one duration (>= 0) using ``rng`` and nothing else."""
        ...  # pragma: no cover


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgument(f"{name}={value!r}: expected a finite number of seconds")
    if value < 0:
        raise InvalidArgument(f"{name}={value!r}: durations cannot be negative")
    return float(value)


@dataclass(frozen=True, slots=True)
class Fixed:
    """Always ``seconds``. ``Fixed(0)`` settles the status within the call."""

    seconds: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", _seconds("seconds", self.seconds))

    def sample(self, rng: Random) -> float:
        """Return ``seconds``; draws nothing."""
        return self.seconds


@dataclass(frozen=True, slots=True)
class Uniform:
    """Uniformly between ``low`` and ``high`` seconds."""

    low: float
    high: float

    def __post_init__(self) -> None:
        low, high = _seconds("low", self.low), _seconds("high", self.high)
        if high < low:
            raise InvalidArgument(f"Uniform(low={low}, high={high}): high must be >= low")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def sample(self, rng: Random) -> float:
        """Draw uniformly from [low, high]."""
        return rng.uniform(self.low, self.high)


@dataclass(frozen=True, slots=True)
class Exponential:
    """Exponentially distributed with the given ``mean`` (a memoryless wait)."""

    mean: float

    def __post_init__(self) -> None:
        mean = _seconds("mean", self.mean)
        if mean == 0:
            raise InvalidArgument("Exponential(mean=0): use Fixed(0) for no wait")
        object.__setattr__(self, "mean", mean)

    def sample(self, rng: Random) -> float:
        """Draw from an exponential distribution with the configured mean."""
        return rng.expovariate(1.0 / self.mean)


@dataclass(frozen=True, slots=True, kw_only=True)
class Durations:
    """How long each transitory status lasts.

    Args:
        pending: Creation time: Pending until Stopped.
        starting: Start or reboot time: Starting until Running.
        stopping: Stop time: Stopping until Stopped.
    """

    pending: Duration = Fixed(30.0)
    starting: Duration = Fixed(30.0)
    stopping: Duration = Fixed(15.0)

    def __post_init__(self) -> None:
        for name in ("pending", "starting", "stopping"):
            value = getattr(self, name)
            if not callable(getattr(value, "sample", None)):
                raise InvalidArgument(
                    f"{name}={value!r}: expected a Duration such as Fixed(30) or Uniform(20, 40)"
                )

    @classmethod
    def immediate(cls) -> Durations:
        """Every transitory status ends within the call that entered it."""
        return cls(pending=Fixed(0), starting=Fixed(0), stopping=Fixed(0))

    def for_status(self, status: InstanceStatus) -> Duration:
        """The duration of the transitory ``status``."""
        if status is InstanceStatus.PENDING:
            return self.pending
        if status is InstanceStatus.STARTING:
            return self.starting
        return self.stopping
