"""The strategies of ``lifecycle.testing``: what they draw, and that the model accepts it."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lifecycle
from lifecycle import Action, ApiError, ChargeType, ErrorCode, FaultKind, FaultRule, InvalidArgument
from lifecycle.testing import (
    ACTIONS,
    INSTANCE_TYPES,
    UNKNOWN_INSTANCE_ID,
    AccountCondition,
    Fleet,
    InstanceCondition,
    Outcome,
    Request,
    World,
    account_conditions,
    action_params,
    fault_plans,
    fault_rules,
    fleets,
    instance_conditions,
    invalid_requests,
    requests,
    valid_requests,
    worlds,
)
from tests.reference import operation

#: The checks of the parameters alone; every other check comes later in the precedence.
PARAMETER_CHECKS = {
    "required_parameters",
    "valid_parameters",
    "instance_ids_well_formed",
    "instance_id_count",
    "status_filter",
    "charge_type_filter",
    "lock_reason_filter",
}


def parameter_codes(action: Action | str) -> set[str]:
    """The codes ``action``'s parameter checks answer, read from its spec file."""
    name = action.value if isinstance(action, Action) else action
    return {
        step["error"] for step in operation(name)["precedence"] if step["check"] in PARAMETER_CHECKS
    }


def answer(model: lifecycle.EcsModel, request: Request) -> Outcome:
    return Outcome.of(lambda: request.send(model))


@settings(max_examples=60)
@given(fleet=fleets(), now=st.sampled_from((0.0, 5_000.0)))
def test_every_drawn_fleet_builds_a_model_in_its_condition(fleet: Fleet, now: float) -> None:
    model = fleet.build(clock=lifecycle.ManualClock(now))
    assert 1 <= len(fleet) <= 6
    assert model.instance_ids() == [f"i-{n}" for n in range(len(fleet))]
    for instance_id, condition in fleet:
        view = model.instance(instance_id)
        assert view.instance_type in INSTANCE_TYPES
        assert view.charge_type is condition.charge_type
        assert bool(view.lock_reasons) == condition.security_locked
        assert view.cloud_disk_abnormal == condition.cloud_disk_abnormal
        assert view.local_disk_abnormal == condition.local_disk_abnormal
        if condition.charge_type is ChargeType.PREPAID:
            assert view.expired_time == condition.expired_time
    assert model.account.in_arrears == fleet.account.in_arrears


def test_conditions_are_drawn_as_whole_vectors_reaching_every_single_fault() -> None:
    """A third of the vectors hold exactly one fault: late rules are reached alone."""
    alone: Counter[str] = Counter()

    @settings(max_examples=200, database=None, derandomize=True)
    @given(instance_conditions(charge_types=["PrePaid"], now=100.0))
    def draw(condition: InstanceCondition) -> None:
        faults = {
            "security_locked": condition.security_locked,
            "expired": condition.expired(100.0),
            "cloud_disk_abnormal": condition.cloud_disk_abnormal,
            "local_disk_abnormal": condition.local_disk_abnormal,
        }
        assert sum(faults.values()) <= 2
        if sum(faults.values()) == 1:
            alone.update(name for name, on in faults.items() if on)

    draw()
    assert set(alone) == {
        "security_locked",
        "expired",
        "cloud_disk_abnormal",
        "local_disk_abnormal",
    }


@given(instance_conditions(statuses=["Running"], instance_types=["ecs.d2s.5xlarge"]))
def test_conditions_can_be_narrowed(condition: InstanceCondition) -> None:
    assert condition.status is lifecycle.InstanceStatus.RUNNING
    assert condition.family == "d2s"
    assert condition.local_disks  # d2s has local disks InitLocalDisk does not recover


def test_an_empty_choice_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="statuses"):
        instance_conditions(statuses=[])


@given(account_conditions())
def test_accounts_put_the_balance_on_either_side_of_the_minimum(account: AccountCondition) -> None:
    distance = account.balance - account.minimum_start_balance
    assert account.balance_low == (distance < 0)


@settings(max_examples=30)
@given(worlds(max_fleets=3, max_instances=2))
def test_worlds_build_accounts_with_distinct_ids_on_one_clock(world: World) -> None:
    models = world.build()
    ids = [i for model in models.values() for i in model.instance_ids()]
    assert len(ids) == len(set(ids))
    assert len({id(model.clock) for model in models.values()}) == 1


@pytest.mark.parametrize(
    ("strategy", "complaint"),
    [
        (lambda: fleets(min_instances=3, max_instances=2), "min_instances=3"),
        (lambda: worlds(min_fleets=0), "min_fleets=0"),
        (lambda: fault_rules(max_count=0), "max_count=0"),
        (lambda: fault_rules(max_delay=0.5), "max_delay=0.5"),
        (lambda: fault_rules(kinds=[]), "at least one of each"),
        (
            lambda: fault_rules(actions=["DescribeInstanceStatus"], kinds=["delay"]),
            "changes nothing",
        ),
        (
            lambda: fault_rules(
                actions=["DescribeInstances", "DescribeInstanceAttribute"],
                kinds=["lost_response"],
            ),
            "changes nothing",
        ),
        (lambda: valid_requests("StartInstance"), "expected a collection of actions"),
        (lambda: valid_requests([]), "at least one action"),
        (lambda: valid_requests(instance_ids=["i-1", ""]), "non-empty id strings"),
    ],
)
def test_impossible_strategy_arguments_are_refused(strategy: object, complaint: str) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        strategy()  # type: ignore[operator]


# -- requests -------------------------------------------------------------------

FLEET = Fleet(
    instances={
        "i-0": InstanceCondition(status="Running"),
        "i-1": InstanceCondition(status="Stopped", instance_type="ecs.d1.2xlarge"),
    }
)


@settings(max_examples=150)
@given(valid_requests(instance_ids=FLEET.instance_ids))
def test_valid_requests_pass_every_parameter_check(request: Request) -> None:
    outcome = answer(FLEET.build(), request)
    assert outcome.code not in parameter_codes(request.action), (request, outcome)


@settings(max_examples=150)
@given(invalid_requests(instance_ids=FLEET.instance_ids))
def test_invalid_requests_fail_a_parameter_check_and_change_nothing(request: Request) -> None:
    model = FLEET.build()
    before = model.statuses()
    outcome = answer(model, request)
    assert outcome.code in parameter_codes(request.action), (request, outcome)
    assert model.statuses() == before


@settings(max_examples=60)
@given(requests(["StopInstance"], instance_ids=st.sampled_from(FLEET.instance_ids)))
def test_requests_mix_both_and_take_ids_from_a_strategy(request: Request) -> None:
    assert request.action is Action.STOP_INSTANCE
    answer(FLEET.build(), request)  # the model never refuses it as Python misuse


@given(valid_requests(["StartInstance"]))
def test_without_ids_requests_name_an_unknown_instance(request: Request) -> None:
    assert request.instance_id == UNKNOWN_INSTANCE_ID


@given(action_params("DescribeInstanceStatus"))
def test_describe_parameters_list_an_unknown_id_by_default(params: dict[str, object]) -> None:
    assert set(params.get("InstanceId", [])) <= {UNKNOWN_INSTANCE_ID}  # type: ignore[call-overload]


@settings(max_examples=100)
@given(action_params("StopInstance", valid=False))
def test_invalid_parameters_carry_at_least_one_defect(params: dict[str, object]) -> None:
    request = Request("StopInstance", {"InstanceId": "i-0", **params})
    assert answer(FLEET.build(), request).code in parameter_codes("StopInstance")


# -- faults ---------------------------------------------------------------------


@settings(max_examples=100)
@given(fault_plans(instance_ids=FLEET.instance_ids, max_rules=3))
def test_every_drawn_fault_plan_is_accepted_by_the_model(plan: list[FaultRule]) -> None:
    model = FLEET.build()
    for rule in plan:
        model.add_fault(rule)
    assert [state.rule for state in model.faults()] == plan
    for rule in plan:
        if rule.kind in (FaultKind.DELAY, FaultKind.LOST_RESPONSE):
            assert rule.action is not Action.DESCRIBE_INSTANCE_STATUS


@given(fault_rules(deterministic=True, instance_ids=st.just(frozenset({"i-9"}))))
def test_deterministic_rules_always_fire_and_are_counted(rule: FaultRule) -> None:
    assert rule.probability == 1.0
    assert rule.count is not None
    assert rule.instance_ids in (None, frozenset({"i-9"}))


@given(fault_rules(kinds=["delay"], actions=[None]))
def test_a_delay_rule_has_a_delay(rule: FaultRule) -> None:
    assert rule.kind is FaultKind.DELAY
    assert rule.action is None
    assert rule.delay >= 1


class Shown(Exception):
    """Raised to make Hypothesis print the example it drew."""


def test_a_drawn_rule_prints_as_the_call_that_builds_it() -> None:
    @settings(max_examples=1, database=None)
    @given(fault_rules(kinds=["lost_response"], actions=["StartInstance"]))
    def fails(rule: FaultRule) -> None:
        raise Shown

    with pytest.raises(Shown) as failure:
        fails()
    (report,) = [n for n in failure.value.__notes__ if "rule=" in n]
    start = report.index("FaultRule(")
    depth, end = 0, start
    for end, char in enumerate(report[start:], start):  # noqa: B007 - the loop finds the end
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ")" and not depth:
            break
    text = report[start : end + 1]
    assert "kind='lost_response'" in text  # plain values, not enum reprs
    assert eval(text, {"FaultRule": FaultRule}) == FaultRule(
        kind="lost_response", action="StartInstance"
    )


@pytest.mark.parametrize("action", ["StartInstance", "RebootInstance", "StopInstance"])
def test_the_conditions_drawn_reach_every_refusal_a_valid_request_can_get(action: str) -> None:
    """Whole vectors reach every instance-stage code, not just the early ones."""
    reached: set[ErrorCode | None] = set()
    ids = ("i-0", "i-1", "i-2")

    @settings(max_examples=200, database=None, derandomize=True)
    @given(
        fleet=fleets(min_instances=3, max_instances=3),
        request=valid_requests([action], instance_ids=ids),
    )
    def explore(fleet: Fleet, request: Request) -> None:
        try:
            request.send(fleet.build())
            reached.add(None)
        except ApiError as error:
            reached.add(error.code)

    explore()
    request_stage = {"required_parameters", "valid_parameters", "throttled", "injected_fault"}
    instance_stage = {
        code for check, code in lifecycle.precedence(action) if check.value not in request_stage
    }
    assert reached == instance_stage | {None}


# -- the fleet actions ------------------------------------------------------------

BATCH = ("StartInstances", "StopInstances", "RebootInstances")


@settings(max_examples=100)
@given(valid_requests(BATCH, instance_ids=FLEET.instance_ids))
def test_a_valid_batch_names_one_to_five_distinct_ids_and_its_documented_options(
    request: Request,
) -> None:
    ids = request.params["InstanceId"]
    assert isinstance(ids, list)
    assert 1 <= len(ids) == len(set(ids)) <= 5
    assert request.instance_ids == tuple(ids)
    assert set(ids) <= {*FLEET.instance_ids, UNKNOWN_INSTANCE_ID}
    assert request.params["RegionId"] == "cn-hangzhou"
    assert request.params.get("BatchOptimization", "AllTogether") in ("AllTogether", "SuccessFirst")


@settings(max_examples=100)
@given(valid_requests(["DescribeInstances"], instance_ids=FLEET.instance_ids))
def test_describe_instances_pages_one_way_and_sends_ids_as_json(request: Request) -> None:
    params = request.params
    assert not ({"PageNumber", "PageSize"} & set(params) and "MaxResults" in params)
    assert "NextToken" not in params  # only a page gives one
    if "InstanceIds" in params:
        text = params["InstanceIds"]
        assert isinstance(text, str)
        assert set(json.loads(text)) <= {*FLEET.instance_ids, UNKNOWN_INSTANCE_ID}
    filters = set(params) - {"RegionId", "InstanceIds", "DryRun", "PageNumber", "PageSize"}
    assert len(filters - {"MaxResults"}) <= 2


@pytest.mark.parametrize("action", ACTIONS)
def test_every_parameter_check_is_reached_by_invalid_requests(action: Action) -> None:
    """Each request-stage code the action's spec file lists."""
    reached: set[str] = set()

    @settings(max_examples=400, database=None, derandomize=True)
    @given(invalid_requests([action], instance_ids=FLEET.instance_ids))
    def explore(request: Request) -> None:
        reached.add(str(answer(FLEET.build(), request).code))

    explore()
    wanted = parameter_codes(action)
    if action is Action.DESCRIBE_INSTANCE_STATUS:
        # It does not require RegionId (lifecycle/_spec.py): nothing left out is missing.
        wanted.discard("MissingParameter")
    if action in (Action.RENEW_INSTANCE, Action.REACTIVATE_INSTANCES):
        # Their tables list InvalidParameter, but no request earns it: RenewInstance's
        # Integers answer their own codes (InvalidPeriod, InvalidExpectedRenewDay...) and
        # ReActivateInstances has no typed parameter (reported against the core).
        wanted.discard("InvalidParameter")
    assert reached == wanted


@settings(max_examples=300, database=None, derandomize=True)
@given(
    request=invalid_requests(instance_ids=FLEET.instance_ids, too_many_ids=False),
    params=action_params("StopInstances", valid=False, too_many_ids=False),
)
def test_without_too_many_ids_no_invalid_request_names_more_than_100(
    request: Request, params: dict[str, object]
) -> None:
    assert len(request.instance_ids) <= 100
    assert len(Request("StopInstances", params).instance_ids) <= 100


def test_too_many_ids_is_a_flag() -> None:
    with pytest.raises(InvalidArgument, match="too_many_ids='no': expected True or False"):
        invalid_requests(too_many_ids="no")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="too_many_ids=1"):
        action_params("StartInstance", too_many_ids=1)  # type: ignore[arg-type]


def test_a_request_names_its_instances_however_they_are_given() -> None:
    assert Request("StartInstance", {"InstanceId": "i-1"}).instance_ids == ("i-1",)
    numbered = Request("StopInstances", {"InstanceId.2": "i-2", "InstanceId.1": "i-1"})
    assert numbered.instance_ids == ("i-1", "i-2")
    listed = Request("DescribeInstances", {"InstanceIds": '["i-1", "", 3]'})
    assert listed.instance_ids == ("i-1",)
    assert Request("DescribeInstances", {"InstanceIds": "i-1,i-2"}).instance_ids == ()
    assert Request("DescribeInstances", {"InstanceIds": '{"i-1": 1}'}).instance_ids == ()
    assert Request("DescribeInstanceStatus").instance_ids == ()


@settings(max_examples=60)
@given(fault_plans(max_rules=3))
def test_no_drawn_rule_delays_or_loses_a_describe(plan: list[FaultRule]) -> None:
    describes = {"DescribeInstanceStatus", "DescribeInstances", "DescribeInstanceAttribute"}
    for rule in plan:
        if rule.kind in (FaultKind.DELAY, FaultKind.LOST_RESPONSE):
            assert rule.action is None or rule.action.value not in describes
