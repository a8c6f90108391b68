"""``EcsModel`` at its edges: behaviour the main suite reaches but does not pin down.

Each test names one documented behaviour: what a view reports, what a flag
means when it is absent, what a fault event carries, where a limit lies.
Documented facts (codes, messages, limits) are read from ``specs/``.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from lifecycle import (
    ApiError,
    ChargeType,
    DataLossCause,
    DescribeInstanceStatusResponse,
    Durations,
    EcsModel,
    ErrorCode,
    Event,
    FaultEvent,
    FaultKind,
    FaultRule,
    Fixed,
    InstanceStatus,
    InvalidArgument,
    ManualClock,
    StoppedMode,
    TransitionEvent,
)
from tests.reference import error_entry, family, load, operation

REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
DESCRIBE = "DescribeInstanceStatus"


def recorded(model: EcsModel) -> list[Event]:
    events: list[Event] = []
    model.subscribe(events.append)
    return events


def documented_message(action: str, code: str, parameter: str | None = None) -> str:
    message: str = error_entry(action, code)["message"]
    return message.format(parameter=parameter) if parameter else message


# ------------------------------------------------------------------ views
def test_a_view_reports_the_instance_type_charge_type_and_healthy_disks_it_was_made_with() -> None:
    model = EcsModel()
    model.create_instance("i-post", instance_type="ecs.c6.xlarge", status="Stopped")
    view = model.instance("i-post")
    assert view.instance_type == "ecs.c6.xlarge"
    assert view.family == "c6"
    assert view.charge_type is ChargeType.POSTPAID
    assert view.expired_time is None
    assert view.cloud_disk_abnormal is False
    assert view.local_disk_abnormal is False
    assert view.lock_reasons == ()


def test_the_default_instance_type_is_a_g7_without_local_disks() -> None:
    model = EcsModel()
    one = model.instance(model.create_instance())
    (many,) = model.create_instances(1)
    for view in (one, model.instance(many)):
        assert view.instance_type == "ecs.g7.large"
        assert view.family == "g7"
        assert view.has_local_disk is False


def test_create_instances_honours_an_explicit_local_disk_on_any_family() -> None:
    model = EcsModel()
    ids = model.create_instances(2, instance_type="ecs.g7.large", has_local_disk=True)
    assert [model.instance(i).has_local_disk for i in ids] == [True, True]


def test_setting_one_fault_keeps_the_others_and_clearing_one_clears_only_it() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Running", instance_type="ecs.d1.2xlarge")
    model.set_disk_abnormal("i-1", "cloud")
    model.set_disk_abnormal("i-1", "local")
    model.lock("i-1")
    view = model.instance("i-1")
    assert (view.lock_reasons, view.cloud_disk_abnormal, view.local_disk_abnormal) == (
        ("security",),
        True,
        True,
    )
    model.unlock("i-1")
    view = model.instance("i-1")
    assert (view.lock_reasons, view.cloud_disk_abnormal, view.local_disk_abnormal) == (
        (),
        True,
        True,
    )
    model.set_disk_abnormal("i-1", "local", abnormal=False)
    view = model.instance("i-1")
    assert (view.cloud_disk_abnormal, view.local_disk_abnormal) == (True, False)


def test_stopping_with_a_mode_keeps_the_instances_billing_and_disk_traits() -> None:
    model = EcsModel()
    model.create_instance(
        "i-d1",
        status="Running",
        instance_type="ecs.d1.2xlarge",
        charge_type="PrePaid",
        expired_time=5000.0,
    )
    before = model.instance("i-d1")
    model.stop_instance("i-d1", stopped_mode="StopCharging")
    after = model.instance("i-d1")
    assert after.stopped_mode is StoppedMode.STOP_CHARGING
    assert (after.charge_type, after.expired_time, after.has_local_disk) == (
        before.charge_type,
        before.expired_time,
        before.has_local_disk,
    )


def test_a_platform_stop_keeps_the_instances_billing_and_disk_traits() -> None:
    model = EcsModel()
    model.create_instance("i-pre", status="Running", charge_type="PrePaid", expired_time=10.0)
    before = model.instance("i-pre")
    assert model.stop_by_platform("i-pre", "expiry") is True
    after = model.instance("i-pre")
    assert (after.charge_type, after.expired_time, after.has_local_disk, after.stopped_mode) == (
        before.charge_type,
        before.expired_time,
        before.has_local_disk,
        None,
    )


# -------------------------------------------------------------- time
def test_a_call_settles_what_fell_due_within_the_first_second() -> None:
    """Settling compares due times with the clock, at any fraction of a second."""
    clock = ManualClock()
    model = EcsModel(clock=clock, durations=Durations(pending=Fixed(0.25)))
    model.create_instance("i-1")
    clock.advance(0.5)
    model.start_instance("i-1")
    assert model.status("i-1") is InstanceStatus.STARTING


def test_a_platform_stop_settles_what_fell_due_on_a_shared_clock_first() -> None:
    clock = ManualClock()
    model = EcsModel(clock=clock, durations=Durations(starting=Fixed(30)))
    model.create_instance("i-1", status="Stopped", charge_type="PrePaid")
    model.start_instance("i-1")
    clock.advance(40)
    events = recorded(model)
    assert model.stop_by_platform("i-1", "expiry") is True
    assert [(e.instance_id, e.dest, e.cause, e.time) for e in events] == [  # type: ignore[union-attr]
        ("i-1", InstanceStatus.RUNNING, "finish_starting", 30.0),
        ("i-1", InstanceStatus.STOPPING, "expiry", 40.0),
    ]
    stop = events[-1]
    assert isinstance(stop, TransitionEvent)
    assert REQUEST_ID.fullmatch(stop.request_id)


# ----------------------------------------------------------- request ids
def test_every_request_id_has_the_documented_shape_whatever_drew_it() -> None:
    """Calls, rejected describes and platform stops all draw 128-bit RequestIds."""
    model = EcsModel(seed=3, durations=Durations.immediate())
    ids = model.create_instances(24, id_prefix="i-", status="Running", charge_type="PrePaid")
    events = recorded(model)
    seen: list[str] = []
    for instance_id in ids:
        model.stop_by_platform(instance_id, "expiry")
        seen.append(model.describe_instance_status().request_id)
        with pytest.raises(ApiError) as rejected:
            model.describe_instance_status(page_size=0)
        seen.append(rejected.value.request_id)
    seen.extend(e.request_id for e in events)
    assert len(seen) == 24 * 4
    assert all(REQUEST_ID.fullmatch(request_id) for request_id in seen), seen


# ------------------------------------------------------------ flags
def test_a_flag_passed_as_none_is_a_flag_not_sent() -> None:
    """``None`` means "not given", which for a documented Boolean means false."""
    model = EcsModel()
    model.create_instance(
        "i-d1", status="Stopped", instance_type="ecs.d1.2xlarge", local_disk_abnormal=True
    )
    with pytest.raises(ApiError) as refused:
        model.start_instance("i-d1", init_local_disk=None)  # type: ignore[arg-type]
    assert refused.value.code is ErrorCode.DISK_ERROR


def test_start_does_not_recover_a_local_disk_unless_asked() -> None:
    model = EcsModel()
    model.create_instance(
        "i-d1", status="Stopped", instance_type="ecs.d1.2xlarge", local_disk_abnormal=True
    )
    with pytest.raises(ApiError) as refused:
        model.start_instance("i-d1")
    assert refused.value.code is ErrorCode.DISK_ERROR
    assert model.check("StartInstance", "i-d1") is ErrorCode.DISK_ERROR
    assert model.check("StartInstance", "i-d1", init_local_disk=True) is None


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("StartInstance", lambda m: m.start_instance("i-1", dry_run="maybe")),
        ("RebootInstance", lambda m: m.reboot_instance("i-1", dry_run="maybe")),
        ("StopInstance", lambda m: m.stop_instance("i-1", dry_run="maybe")),
    ],
)
def test_a_malformed_dry_run_is_invalid_parameter_dry_run(action: str, call: object) -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Running")
    with pytest.raises(ApiError) as refused:
        call(model)  # type: ignore[operator]
    assert refused.value.code is ErrorCode.INVALID_PARAMETER
    assert refused.value.message == documented_message(action, "InvalidParameter", "DryRun")
    assert model.status("i-1") is InstanceStatus.RUNNING


def test_a_malformed_confirm_stop_is_invalid_parameter_confirm_stop() -> None:
    """``ConfirmStop`` is ignored, but a value that is not a Boolean is still refused."""
    model = EcsModel()
    model.create_instance("i-1", status="Running")
    with pytest.raises(ApiError) as refused:
        model.stop_instance("i-1", confirm_stop="maybe")
    assert refused.value.message == documented_message(
        "StopInstance", "InvalidParameter", "ConfirmStop"
    )
    model.stop_instance("i-1", confirm_stop="false")
    assert model.status("i-1") is InstanceStatus.STOPPING


# ------------------------------------------------------------ describe
def test_describe_answers_the_documented_body_for_a_page() -> None:
    model = EcsModel()
    for name in ("i-a", "i-b", "i-c"):
        model.create_instance(name, status="Running")
    page = model.describe_instance_status(page_number=2, page_size=1)
    assert REQUEST_ID.fullmatch(page.request_id)
    assert page.to_dict() == {
        "RequestId": page.request_id,
        "PageNumber": 2,
        "PageSize": 1,
        "TotalCount": 3,
        "InstanceStatuses": {"InstanceStatus": [{"InstanceId": "i-b", "Status": "Running"}]},
    }


def test_describe_takes_up_to_the_documented_number_of_ids() -> None:
    limit = operation(DESCRIBE)["max_instance_ids"]
    model = EcsModel()
    model.create_instance("i-0", status="Stopped")
    page = model.describe_instance_status([f"i-{n}" for n in range(limit)])
    assert page.total_count == 1
    with pytest.raises(ApiError) as refused:
        model.describe_instance_status([f"i-{n}" for n in range(limit + 1)])
    assert refused.value.code is ErrorCode.TOO_MANY_INSTANCE_IDS
    assert REQUEST_ID.fullmatch(refused.value.request_id)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"page_number": 0}, "PageNumber"),
        ({"page_number": "5-"}, "PageNumber"),
        ({"page_number": "x5"}, "PageNumber"),
        # A digit, but not an ASCII one (ARABIC-INDIC DIGIT THREE): not a documented Integer.
        ({"page_number": "\u0663"}, "PageNumber"),
        ({"page_size": 51}, "PageSize"),
        ({"page_size": "-"}, "PageSize"),
    ],
)
def test_a_bad_page_value_is_invalid_parameter_with_its_documented_message(
    kwargs: dict[str, object], parameter: str
) -> None:
    with pytest.raises(ApiError) as refused:
        EcsModel().describe_instance_status(**kwargs)  # type: ignore[arg-type]
    assert refused.value.code is ErrorCode.INVALID_PARAMETER
    assert refused.value.message == documented_message(DESCRIBE, "InvalidParameter", parameter)
    assert REQUEST_ID.fullmatch(refused.value.request_id)


def test_a_faulted_describe_reports_its_time_and_request_id() -> None:
    model = EcsModel(clock=ManualClock(12.5))
    events = recorded(model)
    model.add_fault(FaultRule(kind="throttle", action=DESCRIBE, count=1))
    with pytest.raises(ApiError) as refused:
        model.describe_instance_status()
    (event,) = events
    assert isinstance(event, FaultEvent)
    assert (event.time, event.action.value, event.instance_id) == (12.5, DESCRIBE, None)
    assert event.request_id == refused.value.request_id
    assert REQUEST_ID.fullmatch(refused.value.request_id)


def test_call_filters_describe_by_numbered_instance_ids() -> None:
    model = EcsModel()
    for name in ("i-a", "i-b", "i-c"):
        model.create_instance(name, status="Running")
    page = model.call(DESCRIBE, {"InstanceId.1": "i-c"})
    assert isinstance(page, DescribeInstanceStatusResponse)
    assert [item.instance_id for item in page.instance_statuses] == ["i-c"]
    assert page.total_count == 1


def test_call_refuses_a_list_position_that_is_not_a_whole_number() -> None:
    with pytest.raises(InvalidArgument, match=re.escape("expected InstanceId.N with N >= 1")):
        EcsModel().call(DESCRIBE, {"InstanceId.1.2": "i-a"})


# ------------------------------------------------------------- check
def test_check_never_finds_an_instance_for_an_empty_id() -> None:
    model = EcsModel()
    for odd in ("XXXX", "None", "-", "i-"):
        model.create_instance(odd, status="Stopped")
    assert model.check("StartInstance", "") is ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND


# -------------------------------------------------------------- bulk
def test_bulk_start_recovers_a_local_disk_only_when_asked() -> None:
    model = EcsModel()
    ids = model.create_instances(
        2,
        id_prefix="i-",
        status="Stopped",
        instance_type="ecs.i2.xlarge",
        local_disk_abnormal=True,
    )
    assert model.bulk("StartInstance", ids[:1]) == [ErrorCode.DISK_ERROR]
    assert model.bulk("StartInstance", ids, init_local_disk=True) == [None, None]
    losses = [model.instance(i).data_losses for i in ids]
    assert [[loss.cause for loss in found] for found in losses] == [
        [DataLossCause.INIT_LOCAL_DISK]
    ] * 2


# -------------------------------------------------------------- faults
def test_a_fault_counts_every_hit_and_lists_its_rule() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Stopped")
    rule = FaultRule(kind="throttle", action="StartInstance")
    model.add_fault(rule)
    for _ in range(3):
        with pytest.raises(ApiError):
            model.start_instance("i-1")
    (state,) = model.faults()
    assert (state.rule, state.fired, state.remaining) == (rule, 3, None)


def test_a_lost_response_aimed_at_an_instance_hits_calls_on_it_and_says_so() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Running")
    model.create_instance("i-2", status="Running")
    events = recorded(model)
    fault_id = model.add_fault(FaultRule(kind="lost_response", instance_ids=["i-1"], count=1))
    model.reboot_instance("i-2")
    with pytest.raises(ApiError) as lost:
        model.reboot_instance("i-1")
    assert lost.value.code is ErrorCode.INTERNAL_ERROR
    assert model.status("i-1") is InstanceStatus.STARTING
    (fault,) = [e for e in events if isinstance(e, FaultEvent)]
    assert (fault.fault_id, fault.kind, fault.action.value, fault.instance_id) == (
        fault_id,
        FaultKind.LOST_RESPONSE,
        "RebootInstance",
        "i-1",
    )


def test_a_delay_event_names_the_action_and_the_instance() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Stopped")
    events = recorded(model)
    model.add_fault(FaultRule(kind="delay", action="StartInstance", delay=4.0))
    model.start_instance("i-1")
    (fault,) = [e for e in events if isinstance(e, FaultEvent)]
    assert (fault.action.value, fault.instance_id, fault.delay) == ("StartInstance", "i-1", 4.0)


def test_a_certain_fault_draws_nothing_from_the_fault_stream() -> None:
    """Only rules with probability below 1 draw, so a certain rule never shifts the others."""

    def answers(with_certain_rule: bool) -> list[str]:
        model = EcsModel(seed=8)
        model.create_instance("i-idle", status="Stopped")
        model.create_instance("i-off", status="Stopped", security_locked=True)
        if with_certain_rule:
            model.add_fault(FaultRule(kind="throttle", action="RebootInstance"))
        model.add_fault(FaultRule(kind="error", action="StartInstance", probability=0.5))
        seen = []
        for _ in range(40):
            with pytest.raises(ApiError):
                model.reboot_instance(
                    "i-idle"
                )  # Throttling with the rule, else IncorrectInstanceStatus
            try:
                model.start_instance("i-off")
                seen.append("ok")
            except ApiError as error:
                seen.append(error.code.value)
        return seen

    assert answers(with_certain_rule=True) == answers(with_certain_rule=False)
    assert {"InternalError", "InstanceLockedForSecurity"} <= set(answers(True))


def test_injected_errors_add_up_per_action() -> None:
    model = EcsModel()
    model.inject_internal_error("StopInstance", 2)
    model.inject_internal_error("StopInstance", 3)
    model.inject_internal_error("StartInstance", 1)
    assert {a.value: n for a, n in model.injected_errors().items()} == {
        "StopInstance": 5,
        "StartInstance": 1,
    }


def test_the_account_view_reads_back_what_was_set() -> None:
    model = EcsModel(balance="5.50", minimum_start_balance=2, in_arrears=True)
    assert (model.account.balance, model.account.minimum_start_balance) == (
        Decimal("5.50"),
        Decimal(2),
    )
    assert model.account.in_arrears is True


# ------------------------------------------------------ defaults and order
def test_the_default_seed_is_zero() -> None:
    """``EcsModel()`` draws the same ids as ``EcsModel(seed=0)``, as its signature says."""
    default, zero = EcsModel(), EcsModel(seed=0)
    assert default.create_instance() == zero.create_instance()
    assert default.describe_instance_status().request_id == (
        zero.describe_instance_status().request_id
    )


def test_a_float_amount_is_read_as_written_not_as_its_binary_value() -> None:
    model = EcsModel(balance=0.1, minimum_start_balance=0.3)
    assert model.account.balance == Decimal("0.1")
    assert model.account.minimum_start_balance == Decimal("0.3")


def test_subscribers_hear_each_creation_with_the_new_instances_id() -> None:
    model = EcsModel()
    events = recorded(model)
    model.create_instance("i-one")
    model.create_instances(2, id_prefix="i-bulk-")
    assert [(e.instance_id, e.source, e.dest, e.cause) for e in events] == [  # type: ignore[union-attr]
        ("i-one", None, InstanceStatus.PENDING, "create"),
        ("i-bulk-0", None, InstanceStatus.PENDING, "create"),
        ("i-bulk-1", None, InstanceStatus.PENDING, "create"),
    ]


def test_transitions_due_at_the_same_time_settle_in_the_order_they_began() -> None:
    """Ties on the clock are broken by the order of the calls, not by instance position."""
    model = EcsModel(durations=Durations(starting=Fixed(30)))
    model.create_instances(3, id_prefix="i-", status="Stopped")
    for instance_id in ("i-2", "i-0", "i-1"):
        model.start_instance(instance_id)
    events = recorded(model)
    model.advance(30)
    assert [e.instance_id for e in events if isinstance(e, TransitionEvent)] == [
        "i-2",
        "i-0",
        "i-1",
    ]


@pytest.mark.parametrize(
    "instance_type", ["ecs.d1.2xlarge", "ecs.d1", "acme.d1.2xlarge", "d1", "ecs.i2.xlarge.x"]
)
def test_the_family_is_the_middle_of_an_ecs_type_and_the_whole_name_otherwise(
    instance_type: str,
) -> None:
    """As ``specs/facts.toml`` defines it (``tests/reference.family``); it decides local disks."""
    model = EcsModel()
    view = model.instance(model.create_instance(instance_type=instance_type))
    assert view.family == family(instance_type)
    families = load("facts.toml")["init_local_disk_families"]
    assert view.has_local_disk is (family(instance_type) in families)
