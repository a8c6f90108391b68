"""Many threads on one model (a service embedding it): no lost update, no half-made transition.

Worker threads start, stop and reboot random instances one at a time and in
bulk, a clock thread advances time, and observer threads describe, read views
and take snapshots while all this happens. Afterwards the trace must account
for every success exactly once, each instance's history must chain, and
everything an observer saw must have been a whole state.
"""

from __future__ import annotations

import random
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from lifecycle import (
    ApiError,
    Durations,
    EcsModel,
    Event,
    FaultEvent,
    FaultRule,
    Fixed,
    InstanceStatus,
    TransitionEvent,
)

INSTANCES = 6
WORKERS = 6
CALLS = 1500
TRANSITORY = {InstanceStatus.PENDING, InstanceStatus.STARTING, InstanceStatus.STOPPING}
ACTIONS = {"start": "StartInstance", "reboot": "RebootInstance", "stop": "StopInstance"}


@pytest.fixture(autouse=True)
def busy_switching() -> Iterator[None]:
    """Switch threads every few microseconds so calls really interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_threads(targets: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrapped(target: Callable[[], None]) -> None:
        barrier.wait()
        try:
            target()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=wrapped, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def observe(
    model: EcsModel, stop: threading.Event, snapshots: list[bytes], half_made: list[str]
) -> None:
    """Read the model every way there is until ``stop``; record anything half made."""
    while not stop.is_set():
        try:
            page = model.describe_instance_status(page_size=50)
        except ApiError as error:  # the throttle rule hits Describe too
            assert error.code.value == "Throttling"
            continue
        for item in page.instance_statuses:
            view = model.instance(item.instance_id)
            # A transitory status always has its end scheduled, a stable one never.
            if (view.status in TRANSITORY) != (view.settles_at is not None):
                half_made.append(f"{view.instance_id}: {view.status} {view.settles_at}")
        snapshots.append(model.snapshot())
        counts = model.status_counts()
        if sum(counts.values()) != INSTANCES:
            half_made.append(f"counts {counts}")


def check_every_move_is_accounted_for(
    events: list[Event], successes: Counter[str], lost: Counter[str], bulk_ok: int
) -> None:
    """Every 200 made exactly one move, so did every lost response, and nothing else moved."""
    moves = Counter(
        e.request_id for e in events if isinstance(e, TransitionEvent) and e.cause in ACTIONS
    )
    assert set(moves.values()) <= {1}
    lost_moves = {
        e.request_id
        for e in events
        if isinstance(e, FaultEvent) and e.kind.value == "lost_response"
    }
    assert set(successes) <= set(moves)
    assert lost_moves <= set(moves)
    assert not lost_moves & set(successes)
    # No error rule was added, so every single call's InternalError was a lost response.
    assert set(lost) <= lost_moves
    assert len(moves) == len(successes) + len(lost_moves) + bulk_ok


@pytest.mark.parametrize("seed", [9, 10, 11])
def test_many_threads_lose_no_update_and_never_see_a_half_made_transition(seed: int) -> None:
    model = EcsModel(seed=seed, durations=Durations(pending=Fixed(3), starting=Fixed(5)))
    model.add_fault(FaultRule(kind="lost_response", probability=0.05))
    model.add_fault(FaultRule(kind="throttle", probability=0.05))
    ids = model.create_instances(INSTANCES, id_prefix="i-")
    events: list[Event] = []
    model.subscribe(events.append)  # runs under the model's lock, in order
    successes: Counter[str] = Counter()  # request ids of calls that answered 200
    lost: Counter[str] = Counter()  # request ids of calls that answered InternalError
    bulk_ok = [0]  # bulk calls that answered success
    seen_lock = threading.Lock()
    stop_observers = threading.Event()
    snapshots: list[bytes] = []
    half_made: list[str] = []

    def worker(seed: int) -> Callable[[], None]:
        def work() -> None:
            rng = random.Random(seed)
            for _ in range(CALLS):
                action = rng.choice(list(ACTIONS.values()))
                if rng.random() < 0.1:
                    codes = model.bulk(action, rng.sample(ids, 3))
                    with seen_lock:
                        bulk_ok[0] += codes.count(None)
                    continue
                try:
                    response = model.call(action, {"InstanceId": rng.choice(ids)})
                except ApiError as error:
                    if error.code.value == "InternalError":
                        with seen_lock:
                            lost[error.request_id] += 1
                else:
                    with seen_lock:
                        successes[response.request_id] += 1

        return work

    def clock() -> None:
        for _ in range(CALLS):
            model.advance(0.5)

    observers = [
        threading.Thread(target=observe, args=(model, stop_observers, snapshots, half_made))
        for _ in range(2)
    ]
    for thread in observers:
        thread.start()
    errors = run_threads([worker(seed * 100 + n) for n in range(WORKERS)] + [clock])
    stop_observers.set()
    for thread in observers:
        thread.join()
    model.advance(10)

    assert errors == []
    assert half_made == []
    check_every_move_is_accounted_for(events, successes, lost, bulk_ok[0])
    transitions = [e for e in events if isinstance(e, TransitionEvent)]
    # Each instance's history chains, and ends where the model says it is.
    last: dict[str, InstanceStatus] = {}
    for event in transitions:
        assert last.get(event.instance_id, InstanceStatus.PENDING) is event.source, event
        assert event.dest is not None, "nothing here deletes an instance"
        last[event.instance_id] = event.dest
    assert model.statuses(ids) == [last.get(i, InstanceStatus.STOPPED) for i in ids]
    check_snapshots_restore_whole(snapshots, ids)


def check_snapshots_restore_whole(snapshots: list[bytes], ids: list[str]) -> None:
    """Every snapshot taken mid-run restores to a whole model."""
    assert snapshots
    for data in snapshots[:: max(1, len(snapshots) // 10)]:
        restored = EcsModel.restore(data)
        for instance_id in ids:
            view = restored.instance(instance_id)
            assert (view.status in TRANSITORY) == (view.settles_at is not None)
