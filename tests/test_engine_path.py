"""The simulation engine's own path into the kernel answers exactly as the public methods.

``lifecycle._engine_path.EnginePath`` runs StartInstance, StopInstance and
RebootInstance by instance position, without the lock, exceptions or event
objects, and settles due transitions. Twin models, one driven through the
public methods and one through the path, must give the same codes, request ids,
transitions (with their causes, times and data losses), fault events and
snapshots: the path may not decide anything the kernel would not.
"""

from __future__ import annotations

from random import Random
from typing import Any

import pytest

from lifecycle import (
    ApiError,
    DataLossCause,
    DiskKind,
    Durations,
    EcsModel,
    ErrorCode,
    Event,
    FaultEvent,
    FaultRule,
    ManualClock,
    StoppedMode,
    TransitionEvent,
    Uniform,
)
from lifecycle._engine_path import REBOOT, START, STOP, EnginePath
from lifecycle._machine import STATUSES
from lifecycle._spec import Fact
from lifecycle._views import format_request_id

RECOVERABLE = int(Fact.LOCAL_DISK_RECOVERABLE)
FORCE = int(Fact.FORCE_STOP)


def fleet(model: EcsModel) -> list[str]:
    """Instances in every condition a workload call can meet."""
    ids: list[str] = []
    ids += model.create_instances(6, id_prefix="i-run-", status="Running")
    ids += model.create_instances(4, id_prefix="i-stop-", status="Stopped")
    ids += model.create_instances(
        3, id_prefix="i-d1-", instance_type="ecs.d1.2xlarge", status="Running"
    )
    ids += model.create_instances(
        3, id_prefix="i-pre-", charge_type="PrePaid", status="Running", expired_time=400.0
    )
    ids += model.create_instances(2, id_prefix="i-new-")  # Pending
    model.lock("i-run-0")
    model.set_disk_abnormal("i-run-1", DiskKind.CLOUD)
    model.set_disk_abnormal("i-d1-0", DiskKind.LOCAL)
    return ids


def twins(
    durations: Durations | None = None, faults: tuple[FaultRule, ...] = ()
) -> tuple[EcsModel, EcsModel, list[str]]:
    models = []
    for _ in range(2):
        model = EcsModel(seed=11, clock=ManualClock(), durations=durations)
        for rule in faults:
            model.add_fault(rule)
        ids = fleet(model)
        models.append(model)
    return models[0], models[1], ids


class Owner:
    """An engine's side of the path: its subscriber and its ``moved`` callback."""

    def __init__(self, model: EcsModel) -> None:
        self.model = model
        self.heard: list[tuple[Any, ...]] = []
        listener = self.listen  # a bound method is a new object each time: keep this one
        self.path = EnginePath(model, listener, self.moved)
        model.subscribe(listener)

    def listen(self, event: Event) -> None:
        self.heard.append(record(event))

    def moved(
        self,
        index: int,
        dest: int,
        cause: str,
        time: float,
        request: int,
        loss: DataLossCause | None,
    ) -> None:
        instance_id = self.model._core.instances.ids[index]
        self.heard.append(
            (
                "transition",
                instance_id,
                STATUSES[dest],
                cause,
                time,
                format_request_id(request),
                loss,
            )
        )


def record(event: Event) -> tuple[Any, ...]:
    if type(event) is TransitionEvent:
        dest = None if event.dest is None else event.dest.value
        return (
            "transition",
            event.instance_id,
            dest,
            event.cause,
            event.time,
            event.request_id,
            event.data_loss,
        )
    assert type(event) is FaultEvent
    return ("fault", event.kind, event.action, event.instance_id, event.time, event.request_id)


def public_call(model: EcsModel, plan: Any, instance_id: str, facts: int) -> tuple[Any, str]:
    """A call through the public method: its code (None for success) and RequestId."""
    try:
        if plan is START:
            response = model.start_instance(instance_id, init_local_disk=bool(facts & RECOVERABLE))
        elif plan is STOP:
            response = model.stop_instance(instance_id, force_stop=bool(facts & FORCE))
        else:
            response = model.reboot_instance(instance_id, force_stop=bool(facts & FORCE))
    except ApiError as error:
        return error.code, error.request_id
    return None, response.request_id


def drive(
    durations: Durations | None, faults: tuple[FaultRule, ...], outsider: bool, seed: int
) -> None:
    public, private, ids = twins(durations, faults)
    heard: list[tuple[Any, ...]] = []
    public.subscribe(lambda e: heard.append(record(e)))
    owner = Owner(private)
    if outsider:
        outside: list[Event] = []
        private.subscribe(outside.append)
    rng = Random(seed)
    plans = (START, STOP, REBOOT)
    for _ in range(400):
        dt = rng.choice((0.0, 0.0, 1.0, 5.0, 17.0, 40.0))
        public.clock.advance(dt)  # type: ignore[attr-defined]
        private.clock.advance(dt)  # type: ignore[attr-defined]
        now = private.clock.now()
        if rng.random() < 0.2:
            public.settle()
            if owner.path.due and owner.path.due[0][0] <= now:
                owner.path.settle(now)
            continue
        plan = rng.choice(plans)
        index = rng.randrange(len(ids))
        facts = (RECOVERABLE if plan is START else FORCE) if rng.random() < 0.3 else 0
        mode = StoppedMode.KEEP_CHARGING if plan is STOP else None
        expected = public_call(public, plan, ids[index], facts)
        code = owner.path.call(plan, index, now, facts, mode)
        assert (code, format_request_id(owner.path.request)) == expected
        assert private._core.instances.status == public._core.instances.status
    public.settle()
    owner.path.settle(private.clock.now())
    assert owner.heard == heard
    if outsider:
        assert [record(e) for e in outside] == heard
    assert private.snapshot() == public.snapshot()


FAULTS = (
    FaultRule(kind="throttle", probability=0.05),
    FaultRule(kind="error", action="RebootInstance", probability=0.1),
    FaultRule(kind="delay", action="StartInstance", probability=0.2, delay=30),
    FaultRule(kind="lost_response", action="StopInstance", probability=0.2),
)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("outsider", [False, True])
@pytest.mark.parametrize(
    ("durations", "faults"),
    [
        (None, ()),
        (Durations(starting=Uniform(20, 40)), FAULTS),
        (Durations.immediate(), FAULTS),
    ],
    ids=["plain", "faults", "immediate"],
)
def test_the_path_answers_as_the_public_methods(
    durations: Durations | None, faults: tuple[FaultRule, ...], outsider: bool, seed: int
) -> None:
    drive(durations, faults, outsider, seed)


def test_launched_instances_settle_into_starting_and_released_ones_are_not_found() -> None:
    public, private, ids = twins()
    heard: list[tuple[Any, ...]] = []
    public.subscribe(lambda e: heard.append(record(e)))
    owner = Owner(private)
    for model in (public, private):
        model.run_instances(instance_type="ecs.g7.large", image_id="m-1", amount=2)
        model.delete_instance(ids[4], force=True)  # a Stopped instance, released
    public.clock.advance(31.0)  # type: ignore[attr-defined]
    private.clock.advance(31.0)  # type: ignore[attr-defined]
    public.settle()
    owner.path.settle(31.0)
    assert heard == owner.heard
    assert [e[2] for e in heard[-2:]] == ["Starting", "Starting"]  # Pending -> Starting
    expected = public_call(public, START, ids[4], 0)
    assert expected[0] is ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
    assert owner.path.call(START, 4, 31.0, 0, None) is expected[0]
    assert format_request_id(owner.path.request) == expected[1]
    assert private.snapshot() == public.snapshot()


def test_with_no_subscriber_at_all_the_path_still_changes_the_model() -> None:
    public, private, ids = twins()
    path = EnginePath(private, print, print)  # never subscribed: nobody is told
    expected = public_call(public, STOP, ids[2], 0)
    assert path.call(STOP, 2, 0.0, 0, StoppedMode.KEEP_CHARGING) is expected[0] is None
    for model in (public, private):
        model.clock.advance(60.0)  # type: ignore[attr-defined]
    public.settle()
    path.settle(60.0)
    assert private.snapshot() == public.snapshot()
