"""The due-transition schedule: when each transitory status ends.

A min-heap of ``(due, sequence, index, request)``: the time the instance at
``index`` leaves its transitory status, a sequence number that settles ties
in call order, and the request number of the call that began it (the trace
stamps the clock-driven change with that call's RequestId). How long each
transitory status lasts comes from the model's ``Durations``, drawn from the
seed's own duration stream.
"""

from __future__ import annotations

import heapq
from random import Random

from ._machine import STATES
from ._spec import SETTLE_TRIGGERS
from ._status import InstanceStatus
from ._timing import Duration, Durations, Fixed

#: One scheduled change: due time, sequence, instance position, request number.
Due = tuple[float, int, int, int]


class Schedule:
    """The heap of due transitions and the durations they are drawn from."""

    __slots__ = ("due", "duration_of", "durations", "rng", "sequence")

    def __init__(self, durations: Durations, rng: Random) -> None:
        self.durations = durations
        self.rng = rng
        # Per state code: None for a stable status (and New, Released), the seconds
        # of a Fixed duration, or the Duration to draw from.
        self.duration_of: tuple[float | Duration | None, ...] = tuple(
            _fixed_seconds(durations.for_status(InstanceStatus(state)))
            if state in SETTLE_TRIGGERS
            else None
            for state in STATES
        )
        self.due: list[Due] = []
        self.sequence = 0

    def push(self, index: int, status: int, now: float, request: int, extra: float) -> float | None:
        """Schedule the end of ``status`` for ``index``; its due time, or ``None`` if stable."""
        duration = self.duration_of[status]
        if duration is None:
            return None
        seconds = duration if isinstance(duration, float) else duration.sample(self.rng)
        due = now + seconds + extra
        self.sequence += 1
        heapq.heappush(self.due, (due, self.sequence, index, request))
        return due

    def drop(self, index: int) -> None:
        """Forget the due entry of the instance at ``index`` (it was released)."""
        self.due[:] = [entry for entry in self.due if entry[2] != index]
        heapq.heapify(self.due)

    def pop(self) -> Due:
        """The earliest due entry, removed."""
        return heapq.heappop(self.due)


def _fixed_seconds(duration: Duration) -> float | Duration:
    return duration.seconds if isinstance(duration, Fixed) else duration
