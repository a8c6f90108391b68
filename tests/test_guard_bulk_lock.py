"""``bulk()`` is one atomic step for other threads: nothing runs between its calls.

The race is forced, not hoped for. ``bulk()`` reads the clock before each of its
calls; on its second read the clock (running in the bulk thread) lets another
thread make a call and waits for that thread to either enter the model (it
reads the clock too, from inside) or be refused the model's lock. The model's
lock is wrapped so that the refusal is seen, not timed: the wrapper tries it
without blocking, reports "blocked", then waits for it. So every run takes the
same path, and a ``bulk()`` that does not hold the lock fails every time.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from lifecycle import ApiError, EcsModel, ErrorCode, TransitionEvent

#: How long the bulk thread may wait for the other thread to show where it is. Reached only
#: if the model neither lets the thread in nor makes it wait for the lock: a hang, not a race.
HANG = 60.0


class ProbeLock:
    """The model's re-entrant lock, reporting each acquirer that has to wait for it."""

    def __init__(self, on_wait: Any) -> None:
        self._lock = threading.RLock()
        self._on_wait = on_wait

    def __enter__(self) -> bool:
        if not self._lock.acquire(blocking=False):
            self._on_wait()
            self._lock.acquire()
        return True

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    # The model's single-instance fast path calls these directly (cheaper than ``with``).
    def acquire(self) -> bool:
        return self.__enter__()

    def release(self) -> None:
        self._lock.release()


class SwitchingClock:
    """A fixed clock that, at one chosen read by the bulk thread, runs ``intruder`` in
    another thread and waits to learn whether it got into the model."""

    def __init__(self) -> None:
        self.bulk_thread: threading.Thread | None = None
        self.reads_in_bulk = 0
        self.switch_at = 2  # before bulk's second call
        self.decided = threading.Event()
        self.seen: list[str] = []
        self.intruder: threading.Thread | None = None
        self.target: Any = None

    def now(self) -> float:
        me = threading.current_thread()
        if me is self.intruder and not self.decided.is_set():
            self.seen.append("inside the model while bulk() was between calls")
            self.decided.set()
        elif me is self.bulk_thread:
            self.reads_in_bulk += 1
            if self.reads_in_bulk == self.switch_at:
                self.intruder = threading.Thread(target=self.target)
                self.intruder.start()
                assert self.decided.wait(HANG), "the other thread neither ran nor waited"
        return 100.0

    def blocked(self) -> None:
        if threading.current_thread() is self.intruder and not self.decided.is_set():
            self.seen.append("waited for the lock")
            self.decided.set()


def test_no_call_runs_between_the_calls_of_one_bulk() -> None:
    clock = SwitchingClock()
    model = EcsModel(seed=3, clock=clock)
    # The scheduler hook: the model's own lock, wrapped to report who waits for it.
    model._lock = ProbeLock(clock.blocked)  # type: ignore[assignment]
    ids = [model.create_instance(f"i-{n}", status="Stopped") for n in range(4)]
    events: list[TransitionEvent] = []
    model.subscribe(lambda e: events.append(e) if isinstance(e, TransitionEvent) else None)
    intruder_answer: list[object] = []

    def intrude() -> None:
        # Starts the last instance bulk() is about to start, if it can get in first.
        try:
            intruder_answer.append(model.start_instance(ids[-1]).request_id)
        except ApiError as error:
            intruder_answer.append(error.code)

    clock.target = intrude
    clock.bulk_thread = threading.current_thread()
    codes = model.bulk("StartInstance", ids)
    clock.bulk_thread = None
    assert clock.intruder is not None
    clock.intruder.join()

    assert clock.seen == ["waited for the lock"]
    assert codes == [None, None, None, None]
    # The other call came after the whole bulk, so it found the instance already Starting.
    assert intruder_answer == [ErrorCode.INCORRECT_INSTANCE_STATUS]
    assert [e.instance_id for e in events] == ids


@pytest.mark.parametrize("switch_at", [1, 3, 4])
def test_the_other_thread_waits_wherever_it_is_let_go(switch_at: int) -> None:
    """The same at bulk()'s first and last clock reads: the whole bulk is one step."""
    clock = SwitchingClock()
    clock.switch_at = switch_at
    model = EcsModel(seed=3, clock=clock)
    model._lock = ProbeLock(clock.blocked)  # type: ignore[assignment]
    ids = [model.create_instance(f"i-{n}", status="Running") for n in range(4)]
    clock.target = model.describe_instance_status
    clock.bulk_thread = threading.current_thread()
    codes = model.bulk("StopInstance", ids)
    clock.bulk_thread = None
    assert clock.intruder is not None
    clock.intruder.join()
    assert clock.seen == ["waited for the lock"]
    assert codes == [None] * 4
