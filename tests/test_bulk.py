"""Bulk paths for simulators, and the platform's own stops.

The bulk paths promise to be *the same* as the one-at-a-time calls, only
cheaper; the properties here check exactly that on twin models.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle import (
    ApiError,
    ChargeType,
    Durations,
    EcsModel,
    ErrorCode,
    Event,
    Fixed,
    InstanceStatus,
    InvalidArgument,
    ManualClock,
    StoppedMode,
    TransitionEvent,
)
from tests.reference import MUTATING


def twins(seed: int) -> tuple[EcsModel, EcsModel]:
    return tuple(  # type: ignore[return-value]
        EcsModel(seed=seed, clock=ManualClock(100.0), durations=Durations(pending=Fixed(5)))
        for _ in range(2)
    )


def recorded(model: EcsModel) -> list[Event]:
    events: list[Event] = []
    model.subscribe(events.append)
    return events


def everything(model: EcsModel) -> tuple[object, ...]:
    return (
        model.now,
        model.account,
        tuple(model.instance(i) for i in model.instance_ids()),
        model.faults(),
    )


conditions = st.fixed_dictionaries(
    {
        "status": st.sampled_from(list(InstanceStatus)),
        "security_locked": st.booleans(),
        "cloud_disk_abnormal": st.booleans(),
        "instance_type": st.sampled_from(["ecs.g7.large", "ecs.d1.2xlarge"]),
    },
    optional={"charge_type": st.sampled_from(list(ChargeType))},
)


# ---------------------------------------------------------- create_instances
@given(seed=st.integers(0, 50), count=st.integers(0, 20), condition=conditions)
def test_create_instances_is_count_calls_of_create_instance(
    seed: int, count: int, condition: dict[str, Any]
) -> None:
    bulk, single = twins(seed)
    bulk_events, single_events = recorded(bulk), recorded(single)
    ids = bulk.create_instances(count, **condition)
    assert ids == [single.create_instance(**condition) for _ in range(count)]
    assert bulk_events == single_events
    assert everything(bulk) == everything(single)
    bulk.advance(10)
    single.advance(10)
    assert bulk_events == single_events


def test_create_instances_names_them_by_prefix_and_refuses_a_clash_whole() -> None:
    model = EcsModel()
    assert model.create_instances(3, id_prefix="i-web-", status="Running") == [
        "i-web-0",
        "i-web-1",
        "i-web-2",
    ]
    assert model.status_counts()[InstanceStatus.RUNNING] == 3
    with pytest.raises(InvalidArgument, match="'i-web-0' already exists"):
        model.create_instances(5, id_prefix="i-web-")
    assert len(model) == 3
    assert model.create_instances(0) == []


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"count": -1}, "count=-1"),
        ({"count": True}, "count=True"),
        ({"count": 2, "id_prefix": ""}, "id_prefix=''"),
        ({"count": 2, "status": "Sleeping"}, "status='Sleeping'"),
        ({"count": 2, "expired_time": 5.0}, "only for PrePaid"),
        ({"count": 2, "local_disk_abnormal": True}, "has no local disk"),
        ({"count": 2, "instance_type": ""}, "instance_type=''"),
    ],
)
def test_create_instances_refuses_bad_arguments_and_adds_nothing(
    kwargs: dict[str, Any], complaint: str
) -> None:
    model = EcsModel()
    with pytest.raises(InvalidArgument, match=complaint):
        model.create_instances(**kwargs)
    assert len(model) == 0


# ---------------------------------------------------------------------- bulk
@given(
    seed=st.integers(0, 50),
    worlds=st.lists(conditions, min_size=1, max_size=8),
    action=st.sampled_from(MUTATING),
    flag=st.booleans(),
    extra_ids=st.lists(st.sampled_from(["i-unknown", ""]), max_size=2),
)
def test_bulk_answers_what_each_single_call_would_and_leaves_the_same_model(
    seed: int,
    worlds: list[dict[str, Any]],
    action: str,
    flag: bool,
    extra_ids: list[str],
) -> None:
    bulk, single = twins(seed)
    ids = [m.create_instance(**c) for m in (bulk, single) for c in worlds][: len(worlds)]
    bulk_events, single_events = recorded(bulk), recorded(single)
    targets = ids + extra_ids
    if action == "StartInstance":
        codes = bulk.bulk(action, targets, init_local_disk=flag)
    else:
        codes = bulk.bulk(action, targets, force_stop=flag)
    expected: list[ErrorCode | None] = []
    params = {"InitLocalDisk" if action == "StartInstance" else "ForceStop": flag}
    for instance_id in targets:
        try:
            single.call(action, {"InstanceId": instance_id, **params})
            expected.append(None)
        except ApiError as error:
            expected.append(error.code)
    assert codes == expected
    assert bulk_events == single_events
    assert everything(bulk) == everything(single)


def test_bulk_stop_records_the_stopped_mode() -> None:
    model = EcsModel(durations=Durations.immediate())
    ids = model.create_instances(2, id_prefix="i-", status="Running")
    assert model.bulk("StopInstance", ids, stopped_mode="StopCharging") == [None, None]
    assert {model.instance(i).stopped_mode for i in ids} == {StoppedMode.STOP_CHARGING}
    model.bulk("StartInstance", ids)
    model.bulk("StopInstance", ids)
    assert {model.instance(i).stopped_mode for i in ids} == {StoppedMode.KEEP_CHARGING}


@pytest.mark.parametrize(
    ("args", "kwargs", "complaint"),
    [
        (("DescribeInstanceStatus", []), {}, "bulk\\(\\) runs"),
        (("StartInstance", []), {"force_stop": True}, "force_stop applies"),
        (("StopInstance", []), {"init_local_disk": True}, "init_local_disk applies"),
        (("RebootInstance", []), {"stopped_mode": "StopCharging"}, "stopped_mode applies"),
        (("StopInstance", []), {"stopped_mode": "Hibernate"}, "stopped_mode='Hibernate'"),
        (("StopInstance", []), {"force_stop": "yes"}, "force_stop='yes'"),
        (("StopInstance", "i-1"), {}, "instance_ids='i-1'"),
        (("StopInstance", ["i-1", 2]), {}, "expected a list of str"),
    ],
)
def test_bulk_refuses_misuse_with_a_clear_message(
    args: tuple[Any, ...], kwargs: dict[str, Any], complaint: str
) -> None:
    model = EcsModel()
    with pytest.raises(InvalidArgument, match=complaint):
        model.bulk(*args, **kwargs)


# ------------------------------------------------------- statuses and counts
def test_statuses_and_counts_see_settled_time() -> None:
    model = EcsModel(durations=Durations(pending=Fixed(10)))
    model.create_instances(3, id_prefix="new-")
    model.create_instance("i-run", status="Running")
    assert model.status_counts() == {
        InstanceStatus.PENDING: 3,
        InstanceStatus.STARTING: 0,
        InstanceStatus.RUNNING: 1,
        InstanceStatus.STOPPING: 0,
        InstanceStatus.STOPPED: 0,
    }
    model.advance(10)
    assert model.statuses() == [InstanceStatus.STOPPED] * 3 + [InstanceStatus.RUNNING]
    assert model.statuses(["i-run", "new-1"]) == [InstanceStatus.RUNNING, InstanceStatus.STOPPED]
    with pytest.raises(InvalidArgument, match="no such instance"):
        model.statuses(["i-gone"])
    assert sum(model.status_counts().values()) == len(model)


# ------------------------------------------------------------ platform stops
def test_an_expired_subscription_is_stopped_by_the_platform() -> None:
    model = EcsModel(durations=Durations(stopping=Fixed(15)))
    model.create_instance("i-pre", status="Running", charge_type="PrePaid", expired_time=50.0)
    events = recorded(model)
    assert model.stop_by_platform("i-pre", "expiry") is True
    model.advance(15)
    assert [(e.source, e.dest, e.cause) for e in events if isinstance(e, TransitionEvent)] == [
        (InstanceStatus.RUNNING, InstanceStatus.STOPPING, "expiry"),
        (InstanceStatus.STOPPING, InstanceStatus.STOPPED, "finish_stopping"),
    ]
    # Stopped by the platform, not by StopInstance: no StoppedMode is recorded.
    assert model.instance("i-pre").stopped_mode is None
    assert model.stop_by_platform("i-pre", "expiry") is False


def test_an_overdue_account_has_its_running_postpaid_instances_stopped() -> None:
    model = EcsModel(durations=Durations.immediate(), in_arrears=True)
    model.create_instance("i-idle", status="Stopped")
    model.create_instance("i-busy", status="Running")
    assert model.stop_by_platform("i-busy", "overdue") is True
    assert model.stop_by_platform("i-idle", "overdue") is False
    assert model.statuses(["i-busy", "i-idle"]) == [InstanceStatus.STOPPED] * 2


@pytest.mark.parametrize(
    ("charge", "in_arrears", "cause", "complaint"),
    [
        ("PostPaid", False, "expiry", "only a PrePaid subscription expires"),
        ("PrePaid", True, "overdue", "needs a PostPaid instance"),
        ("PostPaid", False, "overdue", "needs a PostPaid instance of an account in arrears"),
        ("PostPaid", True, "meteor", "cause='meteor'"),
    ],
)
def test_a_platform_stop_that_cannot_happen_is_refused(
    charge: str, in_arrears: bool, cause: str, complaint: str
) -> None:
    model = EcsModel(in_arrears=in_arrears)
    model.create_instance("i-1", status="Running", charge_type=charge)
    with pytest.raises(InvalidArgument, match=complaint):
        model.stop_by_platform("i-1", cause)
    assert model.status("i-1") is InstanceStatus.RUNNING
