"""``check_history`` and ``ModelClient``: could the model have produced what a client saw?"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle import (
    Action,
    ApiError,
    Durations,
    EcsModel,
    ErrorCode,
    FaultKind,
    FaultRule,
    Fixed,
    InstanceStatus,
    InvalidArgument,
)
from lifecycle.testing import (
    SUCCESS,
    Call,
    Fleet,
    HistoryCheck,
    InstanceCondition,
    ModelClient,
    Outcome,
    Request,
    ResponseBody,
    check_history,
    fault_plans,
    fleets,
    valid_requests,
)

STOPPED = Fleet(instances={"i-1": InstanceCondition(status="Stopped")})
START = Request("StartInstance", {"InstanceId": "i-1"})
INCORRECT = Outcome.error(ErrorCode.INCORRECT_INSTANCE_STATUS)
INTERNAL = Outcome.error(ErrorCode.INTERNAL_ERROR)
LONG = Durations(pending=Fixed(1e9), starting=Fixed(1e9), stopping=Fixed(1e9))


def describe(time: float, asked: list[str] | None = None, **statuses: str) -> Call:
    """A DescribeInstanceStatus of ``asked`` (default: the given ids) that observed ``statuses``.

    The observed body is the one the model itself writes for those statuses.
    """
    model = EcsModel(durations=LONG)
    for instance_id, status in statuses.items():
        model.create_instance(instance_id.replace("_", "-"), status=status)
    ids = model.instance_ids()
    body = model.describe_instance_status(ids).to_dict()
    request = Request("DescribeInstanceStatus", {"InstanceId": ids if asked is None else asked})
    return Call(request, Outcome.success(body), time)


def call(request: Request, outcome: Outcome, time: float | None = None) -> Call:
    return Call(request, outcome, time)


# -- simple verdicts ----------------------------------------------------------


def test_an_empty_history_is_consistent() -> None:
    result = check_history([], STOPPED)
    assert result
    assert result.consistent is True
    assert result.explain().startswith("consistent")


def test_a_refusal_the_model_would_not_give_is_the_first_disagreement() -> None:
    history = [call(START, INCORRECT)]
    result = check_history(history, STOPPED)
    assert not result
    assert result.consistent is False
    assert result.first_disagreement == 0
    assert result.possible == {SUCCESS, ErrorCode.INTERNAL_ERROR, ErrorCode.THROTTLING}
    assert check_history(history, STOPPED, faults=False).possible == {SUCCESS}
    assert "call 0 Request('StartInstance'" in result.explain(history)
    assert "could have answered" in result.explain()


def test_the_disagreement_is_the_first_call_no_explanation_gets_past() -> None:
    history = [
        call(START, Outcome.success()),
        describe(1, i_1="Starting"),
        describe(40, i_1="Running"),
        describe(41, i_1="Starting"),  # Running never goes back to Starting by itself
    ]
    result = check_history(history, STOPPED)
    assert result.first_disagreement == 3


def test_a_transitory_status_may_end_at_any_moment_but_only_once() -> None:
    history = [
        call(START, Outcome.success(), 0),
        describe(0, i_1="Starting"),
        describe(0, i_1="Running"),  # no duration is assumed: even at once
        call(START, INCORRECT, 0),
    ]
    assert check_history(history, STOPPED, faults=False)


def test_time_decides_expiry() -> None:
    fleet = Fleet(instances={"i-1": InstanceCondition(charge_type="PrePaid", expired_time=100)})
    assert check_history([call(START, Outcome.success(), 50)], fleet, faults=False)
    late = check_history([call(START, Outcome.success(), 150)], fleet, faults=False)
    assert late.possible == {ErrorCode.INSTANCE_EXPIRED.value}


def test_a_prepaid_instance_with_the_default_expiry_expires_thirty_days_after_the_start() -> None:
    fleet = Fleet(instances={"i-1": InstanceCondition(charge_type="PrePaid")})
    expiry = fleet.build().instance("i-1").expired_time
    assert expiry is not None
    assert check_history([call(START, Outcome.success(), expiry - 1)], fleet, faults=False)
    assert not check_history([call(START, Outcome.success(), expiry)], fleet, faults=False)


# -- faults -------------------------------------------------------------------


def test_a_lost_response_explains_an_internal_error_followed_by_a_refused_retry() -> None:
    history = [call(START, INTERNAL), call(START, INCORRECT), describe(0, i_1="Starting")]
    assert check_history(history, STOPPED)
    assert check_history(history, STOPPED, faults=False).first_disagreement == 0


def test_an_internal_error_with_nothing_changed_is_explained_too() -> None:
    history = [call(START, INTERNAL), call(START, Outcome.success())]
    assert check_history(history, STOPPED)


def test_throttling_changes_nothing() -> None:
    throttled = Outcome.error(ErrorCode.THROTTLING)
    assert check_history([call(START, throttled), call(START, Outcome.success())], STOPPED)
    assert not check_history([call(START, throttled), describe(0, i_1="Starting")], STOPPED)


# -- unknown outcomes ---------------------------------------------------------


def test_a_timed_out_call_may_take_effect_later() -> None:
    history = [
        call(START, Outcome.timeout(), 0),
        describe(5, i_1="Stopped"),
        describe(10, i_1="Starting"),  # the start went through between the two polls
    ]
    result = check_history(history, STOPPED, faults=False)
    assert result
    assert result.took_effect == (0,)


def test_a_timed_out_call_may_never_take_effect() -> None:
    history = [call(START, Outcome.timeout()), describe(60, i_1="Stopped")]
    result = check_history(history, STOPPED, faults=False)
    assert result
    assert result.took_effect == ()


def test_a_timed_out_call_takes_effect_at_most_once() -> None:
    history = [
        call(START, Outcome.timeout()),
        describe(5, i_1="Running"),
        call(Request("StopInstance", {"InstanceId": "i-1"}), Outcome.success(), 6),
        describe(30, i_1="Stopped"),
        describe(31, i_1="Starting"),  # the timed-out start cannot land twice
    ]
    assert check_history(history, STOPPED, faults=False).first_disagreement == 4


def test_explanations_that_meet_in_one_state_are_explored_once() -> None:
    """Landing the timed-out start before or after an unrelated call leads to one state."""
    history = [
        call(START, Outcome.timeout()),
        describe(1, ["i-9"]),  # lists nothing: it says nothing about i-1
        describe(2, i_1="Starting"),
    ]
    result = check_history(history, STOPPED, faults=False)
    assert result
    assert result.took_effect == (0,)
    # Refuted, the search goes through every state, reaching the meeting point twice.
    refuted = check_history([*history, describe(3, i_1="Stopping")], STOPPED, faults=False)
    assert refuted.first_disagreement == 3
    assert refuted.explored == 6


def test_a_timed_out_call_that_would_be_refused_changes_nothing_whenever_it_lands() -> None:
    fleet = Fleet(instances={"i-1": InstanceCondition(status="Running")})
    history = [call(START, Outcome.timeout()), describe(5, i_1="Running")]
    result = check_history(history, fleet, faults=False)
    assert result
    assert result.took_effect == ()


def test_timed_out_calls_that_change_nothing_are_not_kept_pending() -> None:
    history = [
        call(Request("StartInstance", {"InstanceId": "i-1", "DryRun": "true"}), Outcome.timeout()),
        call(Request("DescribeInstanceStatus"), Outcome.timeout()),
        describe(5, i_1="Stopped"),
    ]
    result = check_history(history, STOPPED, faults=False)
    assert result
    assert result.explored == len(history)


def test_two_timed_out_calls_may_land_in_either_order() -> None:
    fleet = Fleet(instances={"i-1": InstanceCondition(status="Running")})
    stop = Request("StopInstance", {"InstanceId": "i-1"})
    history = [
        call(stop, Outcome.timeout()),
        call(START, Outcome.timeout()),
        describe(60, i_1="Starting"),  # stop landed, settled, then the start landed
    ]
    result = check_history(history, fleet, faults=False)
    assert result
    assert result.took_effect == (0, 1)


def test_the_search_answers_undecided_when_it_runs_out_of_states() -> None:
    history = [call(START, Outcome.timeout()) for _ in range(6)] + [describe(9, i_1="Stopped")]
    result = check_history(history, STOPPED, max_states=3)
    assert result.consistent is None
    assert not result
    assert "undecided" in result.explain()


# -- DescribeInstanceStatus ---------------------------------------------------


def test_a_listing_must_match_the_models_ids_and_counts() -> None:
    fleet = Fleet(
        instances={"i-1": InstanceCondition(status="Stopped"), "i-2": InstanceCondition()}
    )
    assert check_history([describe(0, i_1="Stopped", i_2="Stopped")], fleet, faults=False)
    both = ["i-1", "i-2"]
    assert not check_history([describe(0, both, i_1="Stopped")], fleet, faults=False)
    assert not check_history([describe(0, both, i_2="Stopped", i_1="Stopped")], fleet)
    assert not check_history([describe(0, i_1="Stopped", i_2="Stopped")], STOPPED)


def test_a_listing_is_checked_status_by_status() -> None:
    fleet = Fleet(instances={"i-1": InstanceCondition(status="Pending")})
    assert check_history([describe(0, i_1="Stopped")], fleet, faults=False)
    assert not check_history([describe(0, i_1="Running")], fleet, faults=False)


def test_a_describe_error_is_checked_like_any_other() -> None:
    bad_page = Request("DescribeInstanceStatus", {"PageSize": "0"})
    refused = Outcome.error(ErrorCode.INVALID_PARAMETER)
    assert check_history([call(bad_page, refused)], STOPPED, faults=False)
    listing = Request("DescribeInstanceStatus")
    assert check_history([call(listing, INTERNAL)], STOPPED)
    assert not check_history([call(listing, INTERNAL)], STOPPED, faults=False)
    assert not check_history([call(listing, refused)], STOPPED)
    assert check_history([call(listing, Outcome.success())], STOPPED)  # no body: the code only
    assert not check_history([call(bad_page, Outcome.success())], STOPPED)


# -- arguments ----------------------------------------------------------------


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="in the order the calls were made"):
        check_history([call(START, INCORRECT, 5), call(START, INCORRECT, 4)], STOPPED)
    with pytest.raises(InvalidArgument, match="Call values"):
        check_history([START], STOPPED)  # type: ignore[list-item]
    with pytest.raises(InvalidArgument, match="fleet="):
        check_history([], {"i-1": "Stopped"})  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="max_states=0"):
        check_history([], STOPPED, max_states=0)
    with pytest.raises(InvalidArgument, match="request="):
        Call("StartInstance", INCORRECT)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="outcome="):
        Call(START, ErrorCode.DISK_ERROR)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="time="):
        Call(START, INCORRECT, float("nan"))


def test_a_verdict_explains_itself_without_the_calls() -> None:
    verdict = HistoryCheck(False, first_disagreement=2)
    assert (
        verdict.explain()
        == "call 2; the model could have answered: nothing (no explanation reached it)"
    )


# -- ModelClient --------------------------------------------------------------


def test_the_client_records_every_call_with_its_time_and_outcome() -> None:
    model = STOPPED.build()
    client = ModelClient(model)
    assert client.model is model
    body = client.call("StartInstance", {"InstanceId": "i-1"})
    assert set(body) == {"RequestId"}
    client.sleep(100)
    with pytest.raises(ApiError) as refused:
        client.call("StartInstance", {"InstanceId": "i-1"})
    listing = client.call("DescribeInstanceStatus")
    assert listing["TotalCount"] == 1
    first, second, third = client.history
    assert (first.time, first.outcome) == (0.0, Outcome.success())
    assert (second.time, second.outcome.code) == (100.0, refused.value.code)
    assert second.outcome.http_status == refused.value.http_status
    assert third.outcome.body is not None
    assert client.coverage.counts()[(Action.START_INSTANCE, SUCCESS)] == 1
    assert repr(client).endswith("3 calls>")
    assert check_history(client.history, STOPPED, faults=False)


def test_the_client_needs_a_model_and_sleeps_only_on_a_manual_clock() -> None:
    with pytest.raises(InvalidArgument, match="model="):
        ModelClient("ecs")  # type: ignore[arg-type]

    class WallClock:
        def now(self) -> float:
            return 0.0

    client = ModelClient(EcsModel(clock=WallClock()))
    with pytest.raises(InvalidArgument, match="ManualClock"):
        client.sleep(1)


# -- the property: a history the model produced is always accepted -----------


@settings(max_examples=40, deadline=None)
@given(
    fleet=fleets(max_instances=2),
    plan=fault_plans(max_rules=2, deterministic=True),
    script=st.lists(
        st.tuples(
            valid_requests(instance_ids=("i-0", "i-1"), unknown_ids=False),
            st.sampled_from((0.0, 1.0, 20.0, 60.0)),
        ),
        max_size=12,
    ),
)
def test_every_history_the_model_produces_is_consistent_with_it(
    fleet: Fleet, plan: list[FaultRule], script: list[tuple[Request, float]]
) -> None:
    model = fleet.build()
    for rule in plan:
        model.add_fault(rule)
    client = ModelClient(model)
    for request, pause in script:
        client.sleep(pause)
        with contextlib.suppress(ApiError):
            client.call(request.action, request.params)
    result = check_history(client.history, fleet, faults=True)
    assert result, result.explain(client.history)


@settings(max_examples=25, deadline=None)
@given(
    fleet=fleets(max_instances=1),
    script=st.lists(
        st.tuples(
            valid_requests(
                ("StartInstance", "StopInstance", "RebootInstance"),
                instance_ids=("i-0",),
                unknown_ids=False,
            ),
            st.booleans(),
        ),
        max_size=8,
    ),
)
def test_hiding_outcomes_as_timeouts_keeps_a_model_history_consistent(
    fleet: Fleet, script: list[tuple[Request, bool]]
) -> None:
    model = fleet.build()
    model.add_fault(FaultRule(kind=FaultKind.LOST_RESPONSE, count=1))
    client = ModelClient(model)
    hidden: set[int] = set()
    for request, hide in script:
        client.sleep(10)
        if hide:
            hidden.add(len(client.history))
        with contextlib.suppress(ApiError):
            client.call(request.action, request.params)
    history = [
        Call(c.request, Outcome.timeout(), c.time) if n in hidden else c
        for n, c in enumerate(client.history)
    ]
    assert check_history(history, fleet), history


def test_a_status_the_model_never_reaches_is_caught_in_a_recorded_history() -> None:
    model = STOPPED.build()
    client = ModelClient(model)
    client.call("StartInstance", {"InstanceId": "i-1"})
    client.sleep(1)
    client.call("DescribeInstanceStatus", {"InstanceId": ["i-1"]})
    genuine = list(client.history)
    assert check_history(genuine, STOPPED)
    observed = genuine[1].outcome.body
    assert observed is not None
    wrapper = observed["InstanceStatuses"]
    assert isinstance(wrapper, dict)
    forged = dict(
        observed,
        InstanceStatuses={
            "InstanceStatus": [
                dict(wrapper["InstanceStatus"][0], Status=InstanceStatus.STOPPING.value)
            ]
        },
    )
    genuine[1] = Call(genuine[1].request, Outcome.success(forged), genuine[1].time)
    assert check_history(genuine, STOPPED).first_disagreement == 1


# -- the fleet actions ----------------------------------------------------------

RUNNING_TWO = Fleet(
    instances={
        "i-1": InstanceCondition(status="Running"),
        "i-2": InstanceCondition(status="Running"),
    }
)
REGION = {"RegionId": "cn-hangzhou"}


def listing(*items: tuple[str, str], total: int | None = None) -> Outcome:
    """A DescribeInstances page (page mode, page 1 of 10) that observed ``items``."""
    return Outcome.success(
        {
            "TotalCount": len(items) if total is None else total,
            "PageNumber": 1,
            "PageSize": 10,
            "NextToken": "",
            "Instances": {"Instance": [{"InstanceId": i, "Status": s} for i, s in items]},
        }
    )


def test_a_batch_moves_every_instance_it_names_and_a_status_filter_sees_them_settle() -> None:
    model = RUNNING_TWO.build()
    client = ModelClient(model)
    client.call("StopInstances", {**REGION, "InstanceId": ["i-1", "i-2"]})
    client.sleep(60)
    client.call("DescribeInstances", {**REGION, "Status": "Stopped"})
    history = list(client.history)
    assert check_history(history, RUNNING_TWO)
    stopped = Request("DescribeInstances", {**REGION, "Status": "Stopped"})
    # No duration is assumed: one may have settled and the other not yet.
    only_one = [history[0], Call(stopped, listing(("i-2", "Stopped")), 60)]
    assert check_history(only_one, RUNNING_TWO)
    # But a Stopping instance never becomes Running, and nothing was ever stopped twice.
    running = Request("DescribeInstances", {**REGION, "Status": "Running"})
    wrong = [history[0], Call(running, listing(("i-1", "Running")), 60)]
    verdict = check_history(wrong, RUNNING_TWO)
    assert verdict.first_disagreement == 1
    assert not check_history([history[0], *history], RUNNING_TWO)


def test_a_batch_entry_is_checked_instance_by_instance() -> None:
    fleet = Fleet(
        instances={
            "i-1": InstanceCondition(status="Running"),
            "i-2": InstanceCondition(status="Running", security_locked=True),
        }
    )
    client = ModelClient(fleet.build())
    params = {**REGION, "InstanceId": ["i-1", "i-2"], "BatchOptimization": "SuccessFirst"}
    client.call("RebootInstances", params)
    (call,) = client.history
    assert check_history([call], fleet)
    body = call.outcome.body
    assert body is not None
    first, locked = body["InstanceResponses"]["InstanceResponse"]  # type: ignore[index]
    assert locked["Code"] == ErrorCode.INSTANCE_LOCKED_FOR_SECURITY.value
    # Another message is fine (messages are not compared); another code is not.
    reworded = {**locked, "Message": "locked"}
    moved = {**locked, "Code": "200", "CurrentStatus": "Starting"}
    for entry, consistent in ((reworded, True), (moved, False)):
        forged = {"InstanceResponses": {"InstanceResponse": [first, entry]}}
        verdict = check_history([Call(call.request, Outcome.success(forged))], fleet)
        assert bool(verdict) is consistent


def test_a_timed_out_batch_may_take_effect_before_a_later_listing() -> None:
    start = Request("StartInstances", {**REGION, "InstanceId": ["i-1", "i-2"]})
    stopped = Fleet(instances={"i-1": InstanceCondition(), "i-2": InstanceCondition()})
    everything = Request("DescribeInstances", REGION)
    history = [
        Call(start, Outcome.timeout(), 0),
        Call(everything, listing(("i-1", "Running"), ("i-2", "Starting")), 30),
    ]
    verdict = check_history(history, stopped)
    assert verdict.took_effect == (0,)
    assert not check_history([history[1]], stopped)
    miscounted = [history[0], Call(everything, listing(("i-1", "Running"), total=1), 30)]
    assert not check_history(miscounted, stopped)


def test_a_lost_batch_response_explains_the_instances_moving_anyway() -> None:
    model = RUNNING_TWO.build()
    model.add_fault(FaultRule(kind=FaultKind.LOST_RESPONSE, action="StopInstances", count=1))
    client = ModelClient(model)
    with pytest.raises(ApiError):
        client.call("StopInstances", {**REGION, "InstanceId": ["i-1", "i-2"]})
    client.call("DescribeInstanceAttribute", {"InstanceId": "i-2"})
    assert check_history(client.history, RUNNING_TWO)
    assert not check_history(client.history, RUNNING_TWO, faults=False)


def test_an_attribute_read_observes_one_status_as_a_listing_does() -> None:
    attribute = Request("DescribeInstanceAttribute", {"InstanceId": "i-1"})
    history = [
        Call(START, Outcome.success({}), 0),
        Call(attribute, Outcome.success({"InstanceId": "i-1", "Status": "Running"}), 5),
        Call(attribute, Outcome.success({"InstanceId": "i-1", "Status": "Stopping"}), 6),
    ]
    assert check_history(history[:2], STOPPED)
    assert check_history(history, STOPPED).first_disagreement == 2
    unknown = Request("DescribeInstanceAttribute", {"InstanceId": "i-9"})
    not_found = Outcome.error(ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND)
    assert check_history([Call(unknown, not_found)], STOPPED)
    assert not check_history([Call(unknown, Outcome.success({}))], STOPPED)


def test_a_timed_out_describe_of_the_fleet_actions_changes_nothing() -> None:
    history = [Call(Request("DescribeInstances", REGION), Outcome.timeout())]
    assert check_history(history, STOPPED).took_effect == ()


def test_both_paths_give_a_body_through_to_dict_and_the_client_a_dict_too() -> None:
    """``EcsModel.call`` and ``ModelClient.call`` differ in type but share ``to_dict()``."""

    def stopped_ids(ecs: Any) -> list[object]:  # written once, for either
        body = ecs.call("DescribeInstances", {**REGION, "Status": "Stopped"}).to_dict()
        return [item["InstanceId"] for item in body["Instances"]["Instance"]]

    model = STOPPED.build()
    client = ModelClient(STOPPED.build())
    assert stopped_ids(model) == stopped_ids(client) == ["i-1"]
    body = client.call("DescribeInstanceStatus", {"InstanceId": ["i-1"]})
    assert isinstance(body, dict)
    assert isinstance(body, ResponseBody)
    plain = body.to_dict()
    assert type(plain) is dict
    assert plain == body
    listed = [{"InstanceId": "i-1", "Status": "Stopped"}]
    plain["InstanceStatuses"]["InstanceStatus"].clear()  # type: ignore[index]
    assert body["InstanceStatuses"] == {"InstanceStatus": listed}  # to_dict() gave a copy
    body["InstanceStatuses"]["InstanceStatus"].clear()
    recorded = client.history[-1].outcome.body
    assert recorded is not None
    assert recorded["InstanceStatuses"] == {"InstanceStatus": listed}  # the history kept its own
