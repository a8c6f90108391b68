"""Seeded fault injection: throttles, errors, lost responses and delays.

The documented answers (codes, messages, HTTP statuses) come from specs/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle
from lifecycle import (
    Action,
    ApiError,
    Durations,
    EcsModel,
    Event,
    FaultEvent,
    FaultKind,
    FaultRule,
    Fixed,
    InstanceStatus,
    InvalidArgument,
    TransitionEvent,
)
from tests.reference import MUTATING, error_entry

START = Action.START_INSTANCE


def stopped(seed: int = 0, **kwargs: Any) -> EcsModel:
    model = EcsModel(seed=seed, durations=Durations(starting=Fixed(30), stopping=Fixed(15)))
    for name in ("i-1", "i-2"):
        model.create_instance(name, status=InstanceStatus.STOPPED, **kwargs)
    return model


def recorded(model: EcsModel) -> list[Event]:
    events: list[Event] = []
    model.subscribe(events.append)
    return events


def assert_documented(error: ApiError, code: str) -> None:
    entry = error_entry(error.action.value, code)
    assert (error.code.value, error.http_status, error.message) == (
        code,
        entry["http_status"],
        entry["message"],
    )


# --------------------------------------------------------------- FaultRule
@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"kind": "explode"}, "kind='explode'"),
        ({"kind": "error", "action": "TerminateInstance"}, "action='TerminateInstance'"),
        ({"kind": "error", "instance_ids": "i-1"}, "instance_ids='i-1'"),
        ({"kind": "error", "instance_ids": 7}, "instance_ids=7"),
        ({"kind": "error", "instance_ids": []}, "non-empty"),
        ({"kind": "error", "instance_ids": ["i-1", 2]}, "non-empty"),
        ({"kind": "error", "probability": 0}, "probability=0"),
        ({"kind": "error", "probability": 1.5}, "probability=1.5"),
        ({"kind": "error", "probability": True}, "probability=True"),
        ({"kind": "error", "count": 0}, "count=0"),
        ({"kind": "error", "count": 2.0}, "count=2.0"),
        ({"kind": "error", "count": True}, "count=True"),
        ({"kind": "delay"}, "needs delay > 0"),
        ({"kind": "delay", "delay": float("inf")}, "finite"),
        ({"kind": "delay", "delay": "5"}, "delay='5'"),
        ({"kind": "error", "delay": 5}, "only a DELAY"),
        ({"kind": "lost_response", "action": "DescribeInstanceStatus"}, "changes nothing"),
        ({"kind": "delay", "delay": 1, "action": "DescribeInstanceStatus"}, "changes nothing"),
    ],
)
def test_an_impossible_rule_is_refused_with_a_message_naming_the_field(
    kwargs: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(complaint)):
        FaultRule(**kwargs)


def test_a_rule_normalises_names_to_enums_and_round_trips_through_plain_values() -> None:
    rule = FaultRule(
        kind="delay", action="RebootInstance", instance_ids=["i-2", "i-1"], delay=5, count=3
    )
    assert rule.kind is FaultKind.DELAY
    assert rule.action is Action.REBOOT_INSTANCE
    assert rule.instance_ids == frozenset({"i-1", "i-2"})
    assert rule.delay == 5.0
    assert rule.to_dict()["instance_ids"] == ["i-1", "i-2"]
    assert FaultRule.from_dict(rule.to_dict()) == rule


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (["error"], "expected a mapping"),
        ({"kind": "error", "when": "now"}, "unknown field"),
        ({"action": "StartInstance"}, "'kind' is required"),
    ],
)
def test_from_dict_refuses_what_is_not_a_rule(data: object, complaint: str) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        FaultRule.from_dict(data)


def test_a_rule_matches_by_action_and_instance() -> None:
    anywhere = FaultRule(kind="error")
    assert anywhere.matches(START, "i-1")
    assert anywhere.matches(Action.DESCRIBE_INSTANCE_STATUS, None)
    one = FaultRule(kind="error", action=START, instance_ids={"i-1"})
    assert one.matches(START, "i-1")
    assert not one.matches(START, "i-2")
    assert not one.matches(Action.STOP_INSTANCE, "i-1")
    assert not FaultRule(kind="error", instance_ids={"i-1"}).matches(
        Action.DESCRIBE_INSTANCE_STATUS, None
    )


# ------------------------------------------------------ managing the rules
def test_faults_are_listed_with_counters_and_can_be_removed_or_cleared() -> None:
    model = stopped()
    first = model.add_fault(FaultRule(kind="throttle", count=2))
    second = model.add_fault(FaultRule(kind="error", action=START))
    assert second == first + 1
    with pytest.raises(ApiError):
        model.start_instance("i-1")
    states = model.faults()
    assert [(s.fault_id, s.fired, s.remaining) for s in states] == [
        (first, 1, 1),
        (second, 0, None),
    ]
    model.remove_fault(first)
    assert [s.fault_id for s in model.faults()] == [second]
    with pytest.raises(InvalidArgument, match=f"fault_id={first}"):
        model.remove_fault(first)
    model.clear_faults()
    assert model.faults() == ()
    model.start_instance("i-1")


def test_add_fault_takes_only_a_rule() -> None:
    with pytest.raises(InvalidArgument, match=r"expected a lifecycle\.FaultRule"):
        stopped().add_fault({"kind": "error"})  # type: ignore[arg-type]


def test_a_counted_fault_retires_after_count_hits() -> None:
    model = stopped()
    model.add_fault(FaultRule(kind="error", count=2))
    for _ in range(2):
        with pytest.raises(ApiError):
            model.start_instance("i-1")
    assert model.faults() == ()
    model.start_instance("i-1")


def test_inject_internal_error_is_a_counted_error_rule_and_zero_removes_it() -> None:
    model = stopped()
    model.add_fault(FaultRule(kind="error", action=START, instance_ids={"i-2"}))
    model.inject_internal_error(START, 2)
    model.inject_internal_error("StopInstance")
    assert model.injected_errors() == {START: 2, Action.STOP_INSTANCE: 1}
    model.inject_internal_error(START, 0)
    assert model.injected_errors() == {Action.STOP_INSTANCE: 1}
    # The selective rule is not the shorthand's, so it stays.
    assert len(model.faults()) == 2


# ----------------------------------------------------- throttle and error
def test_a_throttled_call_gets_the_documented_throttling_answer_and_changes_nothing() -> None:
    model = stopped()
    events = recorded(model)
    model.add_fault(FaultRule(kind="throttle", action=START))
    with pytest.raises(ApiError) as caught:
        model.start_instance("i-1")
    assert_documented(caught.value, "Throttling")
    assert model.status("i-1") is InstanceStatus.STOPPED
    assert events == [
        FaultEvent(
            time=0.0,
            action=START,
            kind=FaultKind.THROTTLE,
            fault_id=1,
            request_id=caught.value.request_id,
            instance_id="i-1",
        )
    ]


def test_throttling_is_checked_before_an_injected_error_whatever_order_they_were_added() -> None:
    model = stopped()
    model.add_fault(FaultRule(kind="error", count=1))
    model.add_fault(FaultRule(kind="throttle", count=1))
    with pytest.raises(ApiError) as first:
        model.start_instance("i-1")
    with pytest.raises(ApiError) as second:
        model.start_instance("i-1")
    assert (first.value.code.value, second.value.code.value) == ("Throttling", "InternalError")


def test_a_fault_comes_after_the_parameter_checks_and_before_the_dry_run() -> None:
    model = stopped()
    model.add_fault(FaultRule(kind="error", count=1))
    with pytest.raises(ApiError) as malformed:
        model.start_instance("i-1", dry_run="perhaps")
    assert malformed.value.code.value == "InvalidParameter"
    assert len(model.faults()) == 1  # not used up by a malformed call
    with pytest.raises(ApiError) as dry:
        model.start_instance("i-1", dry_run=True)
    assert dry.value.code.value == "InternalError"


def test_an_instance_selector_only_hits_calls_naming_those_instances() -> None:
    model = stopped()
    model.add_fault(FaultRule(kind="error", instance_ids={"i-2"}))
    model.start_instance("i-1")
    with pytest.raises(ApiError) as caught:
        model.start_instance("i-2")
    assert caught.value.code.value == "InternalError"
    # A selector never hits Describe, which names no single instance.
    assert model.describe_instance_status().total_count == 2


def test_describe_can_be_throttled_or_fail_and_reports_the_fault() -> None:
    model = stopped()
    events = recorded(model)
    model.add_fault(FaultRule(kind="throttle", action="DescribeInstanceStatus", count=1))
    model.add_fault(FaultRule(kind="error", action="DescribeInstanceStatus", count=1))
    codes = []
    for _ in range(2):
        with pytest.raises(ApiError) as caught:
            model.describe_instance_status()
        assert_documented(caught.value, caught.value.code.value)
        codes.append(caught.value.code.value)
    assert codes == ["Throttling", "InternalError"]
    assert [(e.kind, e.instance_id) for e in events if isinstance(e, FaultEvent)] == [
        (FaultKind.THROTTLE, None),
        (FaultKind.ERROR, None),
    ]
    assert model.describe_instance_status().total_count == 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_probable_fault_hits_the_same_calls_for_the_same_seed(seed: int) -> None:
    def hits(seed: int) -> list[bool]:
        model = stopped(seed=seed)
        model.add_fault(FaultRule(kind="throttle", probability=0.5))
        outcome = []
        for _ in range(40):
            try:
                model.describe_instance_status()
            except ApiError:
                outcome.append(True)
            else:
                outcome.append(False)
        return outcome

    first = hits(seed)
    assert first == hits(seed)
    assert 0 < sum(first) < 40
    assert first != hits(seed + 100)


def test_a_fault_draw_never_shifts_request_ids_or_durations() -> None:
    plain, faulty = stopped(seed=5), stopped(seed=5)
    faulty.add_fault(FaultRule(kind="throttle", action="StopInstance", probability=0.5))
    assert plain.start_instance("i-1").request_id == faulty.start_instance("i-1").request_id


# ------------------------------------------------- lost response and delay
@pytest.mark.parametrize("action", MUTATING)
def test_a_lost_response_makes_the_change_and_answers_internal_error(action: str) -> None:
    model = stopped()
    if action != "StartInstance":
        model.start_instance("i-1")
        model.advance(30)
    before = model.status("i-1")
    events = recorded(model)
    model.add_fault(FaultRule(kind="lost_response", action=action, count=1))
    with pytest.raises(ApiError) as caught:
        model.call(action, {"InstanceId": "i-1"})
    assert_documented(caught.value, "InternalError")
    transition, fault = events
    assert isinstance(transition, TransitionEvent)
    assert isinstance(fault, FaultEvent)
    assert transition.source is before
    assert model.status("i-1") is transition.dest is not before
    assert transition.request_id == fault.request_id == caught.value.request_id
    assert fault.kind is FaultKind.LOST_RESPONSE


def test_a_lost_response_waits_for_a_call_that_succeeds() -> None:
    model = stopped()
    model.add_fault(FaultRule(kind="lost_response", count=1))
    with pytest.raises(ApiError) as refused:
        model.reboot_instance("i-1")  # Stopped: refused on its own merits
    assert refused.value.code.value == "IncorrectInstanceStatus"
    assert model.faults()[0].fired == 0
    with pytest.raises(ApiError):
        model.start_instance("i-1")
    assert model.status("i-1") is InstanceStatus.STARTING


def test_a_delay_keeps_the_instance_in_its_transitory_status_longer() -> None:
    model = stopped()
    events = recorded(model)
    model.add_fault(FaultRule(kind="delay", action=START, instance_ids={"i-1"}, delay=45))
    response = model.start_instance("i-1")
    model.start_instance("i-2")
    model.advance(30)
    assert model.status("i-1") is InstanceStatus.STARTING
    assert model.status("i-2") is InstanceStatus.RUNNING
    assert model.instance("i-1").settles_at == 75.0
    model.advance(45)
    assert model.status("i-1") is InstanceStatus.RUNNING
    (fault,) = [e for e in events if isinstance(e, FaultEvent)]
    assert (fault.kind, fault.delay, fault.request_id) == (
        FaultKind.DELAY,
        45.0,
        response.request_id,
    )


def test_a_delay_and_a_lost_response_can_hit_the_same_call() -> None:
    model = stopped()
    model.add_fault(FaultRule(kind="delay", delay=10))
    model.add_fault(FaultRule(kind="lost_response"))
    with pytest.raises(ApiError):
        model.start_instance("i-1")
    assert model.instance("i-1").settles_at == 40.0
    assert [s.fired for s in model.faults()] == [1, 1]


def test_without_subscribers_faults_still_fire_and_count() -> None:
    model = stopped()
    model.add_fault(FaultRule(kind="delay", delay=10, count=1))
    model.start_instance("i-1")
    assert model.faults() == ()
    assert model.instance("i-1").settles_at == 40.0


@given(
    rules=st.lists(
        st.builds(
            FaultRule,
            kind=st.sampled_from([k for k in FaultKind if k is not FaultKind.DELAY]),
            action=st.sampled_from([None, *MUTATING]),
            probability=st.sampled_from([1.0, 0.5]),
            count=st.sampled_from([None, 1, 2]),
        ),
        max_size=3,
    ),
    calls=st.lists(st.tuples(st.sampled_from(MUTATING), st.sampled_from(["i-1", "i-2"]))),
)
def test_every_answer_is_documented_and_every_fault_is_in_the_trace(
    rules: list[FaultRule], calls: list[tuple[str, str]]
) -> None:
    """Whatever the rules, each call answers a documented outcome, and the number of
    fault events equals the number of faults that fired."""
    model = stopped(seed=3)
    events = recorded(model)
    for rule in rules:
        model.add_fault(rule)
    internal_errors = throttles = 0
    for action, instance_id in calls:
        try:
            model.call(action, {"InstanceId": instance_id})
        except ApiError as error:
            assert_documented(error, error.code.value)
            internal_errors += error.code.value == "InternalError"
            throttles += error.code.value == "Throttling"
        model.advance(30)
    faults = [e for e in events if isinstance(e, FaultEvent)]
    assert sum(e.kind is FaultKind.THROTTLE for e in faults) == throttles
    assert (
        sum(e.kind in (FaultKind.ERROR, FaultKind.LOST_RESPONSE) for e in faults) == internal_errors
    )
    # Each instance's transitions still chain: every change starts where the last ended.
    last: dict[str, InstanceStatus | None] = {}
    for event in events:
        if isinstance(event, TransitionEvent):
            assert last.get(event.instance_id, event.source) == event.source
            last[event.instance_id] = event.dest


def test_the_fault_types_are_public() -> None:
    for name in ("FaultEvent", "FaultKind", "FaultRule", "FaultState", "Event"):
        assert name in lifecycle.__all__
