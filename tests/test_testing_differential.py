"""``DifferentialMachine``: the model against implementations of ECS, right and wrong."""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import FailedHealthCheck, Unsatisfiable
from hypothesis.errors import InvalidArgument as HypothesisInvalidArgument
from hypothesis.stateful import run_state_machine_as_test

import lifecycle
from lifecycle import Action, EcsModel, ErrorCode, InvalidArgument, ManualClock
from lifecycle._rules import PARAMETER_CHECKS
from lifecycle._spec import PRECEDENCE
from lifecycle.testing import (
    ACTIONS,
    FLEET_ACTIONS,
    PROFILES,
    SUCCESS,
    DifferentialMachine,
    Fleet,
    Implementation,
    InstanceCondition,
    Outcome,
    Request,
    assert_documented_outcomes_reached,
    fleets,
    get_profile,
    harness_settings,
    set_profile,
)
from lifecycle.testing._coverage import MACHINE_ACTIONS
from lifecycle.testing._differential import _body_difference
from lifecycle.testing._differential import _present_failure as present

EXAMPLES = 25
QUICK = {"max_examples": EXAMPLES, "stateful_step_count": 15, "database": None, "derandomize": True}


def run(machine: type[DifferentialMachine], **overrides: Any) -> None:
    run_state_machine_as_test(machine, settings=harness_settings(**{**QUICK, **overrides}))


def failure_of(machine: type[DifferentialMachine], **overrides: Any) -> tuple[str, list[str]]:
    """Run a machine that must fail; return its message and the reproduction's steps."""
    with pytest.raises(AssertionError) as failure:
        run(machine, **overrides)
    notes = getattr(failure.value, "__notes__", [])
    steps = [n for n in notes if n.startswith("state.") and not n.endswith("()")]
    return str(failure.value), steps


@pytest.fixture(autouse=True)
def default_profile() -> Iterator[None]:
    yield
    set_profile("default")


# -- implementations ------------------------------------------------------------


class CheckTheModel(DifferentialMachine):
    """The model is an implementation too: it must agree with itself."""

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return fleet.build(clock=clock, durations=self.durations)


class ThroughCalls:
    """A model behind ``call`` only: no statuses(), no add_fault(), a close()."""

    made = closed = 0

    def __init__(self, model: EcsModel, lie_about: str | None = None) -> None:
        type(self).made += 1
        self.model = model
        self.lie_about = lie_about

    def call(self, action: str, params: Mapping[str, object]) -> object:
        body = self.model.call(action, params).to_dict()
        if self.lie_about is not None and action == Action.DESCRIBE_INSTANCE_STATUS:
            for item in body["InstanceStatuses"]["InstanceStatus"]:  # type: ignore[index]
                if item["InstanceId"] == self.lie_about:
                    item["Status"] = "Running"
        return body

    def close(self) -> None:
        type(self).closed += 1


class CheckThroughCalls(DifferentialMachine):
    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return ThroughCalls(fleet.build(clock=clock, durations=self.durations))


class CheckALiar(DifferentialMachine):
    """Describes every instance i-0 as Running, whatever it is."""

    fleet_strategy = fleets(min_instances=1, max_instances=1)

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return ThroughCalls(fleet.build(clock=clock, durations=self.durations), lie_about="i-0")


class PageCounting(ThroughCalls):
    """Records how many ids each DescribeInstanceStatus call it answers names."""

    pages: ClassVar[set[int]] = set()

    def call(self, action: str, params: Mapping[str, object]) -> object:
        ids = params.get("InstanceId")
        if action == Action.DESCRIBE_INSTANCE_STATUS and isinstance(ids, list):
            type(self).pages.add(len(ids))
        return super().call(action, params)


class CheckPagedStatuses(DifferentialMachine):
    """More instances than one DescribeInstanceStatus page holds."""

    fleet_strategy = fleets(min_instances=51, max_instances=51)

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return PageCounting(fleet.build(clock=clock, durations=self.durations))


class SwappedStatuses:
    """Answers every call right, but reports each status one step behind."""

    def __init__(self, model: EcsModel) -> None:
        self.model = model

    def call(self, action: str, params: Mapping[str, object]) -> object:
        return self.model.call(action, params)

    def add_fault(self, rule: lifecycle.FaultRule) -> int:
        return self.model.add_fault(rule)

    def statuses(self, instance_ids: Sequence[str]) -> list[str]:
        return [
            "Stopped" if s is lifecycle.InstanceStatus.STARTING else s.value
            for s in self.model.statuses(instance_ids)
        ]


class CheckSwappedStatuses(DifferentialMachine):
    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return SwappedStatuses(fleet.build(clock=clock, durations=self.durations))


# -- agreement and disagreement ---------------------------------------------------


def test_the_model_agrees_with_itself_and_the_run_is_tallied() -> None:
    CheckTheModel.coverage.clear()
    run(CheckTheModel)
    reached = CheckTheModel.coverage.pairs
    assert (Action.START_INSTANCE, ErrorCode.INCORRECT_INSTANCE_STATUS.value) in reached
    assert not CheckTheModel.coverage.undocumented()
    assert DifferentialMachine.coverage is not CheckTheModel.coverage


def test_without_statuses_the_invariant_reads_through_describe_and_faults_are_not_injected() -> (
    None
):
    ThroughCalls.made = ThroughCalls.closed = 0
    CheckThroughCalls.coverage.clear()
    run(CheckThroughCalls)
    assert ThroughCalls.closed == ThroughCalls.made >= EXAMPLES  # teardown closes
    fault_codes = {ErrorCode.THROTTLING.value, ErrorCode.INTERNAL_ERROR.value}
    assert not {outcome for _, outcome in CheckThroughCalls.coverage.pairs} & fault_codes


def test_a_wrong_status_in_a_listing_is_caught_by_the_invariant_in_a_step_or_two() -> None:
    message, steps = failure_of(CheckALiar)
    assert "DescribeInstanceStatus" in message
    assert "Running" in message
    assert len(steps) <= 2


def test_statuses_beyond_one_page_are_read_page_by_page() -> None:
    PageCounting.pages.clear()
    run(CheckPagedStatuses, max_examples=3, stateful_step_count=3)
    # 51 instances at 50 a page: the harness reads them as a page of 50, then of 1.
    assert {50, 1} <= PageCounting.pages


def test_a_wrong_status_is_caught_and_named() -> None:
    message, steps = failure_of(CheckSwappedStatuses, max_examples=100, stateful_step_count=25)
    assert message.startswith("statuses differ")
    assert "model Starting, implementation Stopped" in message
    assert len(steps) <= 2  # often none: the shrunk fleet starts out Starting


class WrongBody:
    """Right codes, but DescribeInstanceStatus says TotalCount 0."""

    def __init__(self, model: EcsModel) -> None:
        self.model = model

    def call(self, action: str, params: Mapping[str, object]) -> object:
        body = self.model.call(action, params).to_dict()
        if action == Action.DESCRIBE_INSTANCE_STATUS:
            body["TotalCount"] = 0
        return body

    def statuses(self, instance_ids: Sequence[str]) -> list[str]:
        return [s.value for s in self.model.statuses(instance_ids)]


class CheckWrongBody(DifferentialMachine):
    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return WrongBody(fleet.build(clock=clock, durations=self.durations))


def test_a_wrong_response_body_names_the_key_that_differs_then_shows_both_bodies() -> None:
    message, steps = failure_of(CheckWrongBody)
    first, named, *rest = message.splitlines()
    assert first.endswith("model Success, implementation Success, but the bodies differ:")
    assert re.fullmatch(r"  TotalCount: model [1-9]\d*, implementation 0", named)
    assert rest[0].startswith("  model body: {")
    assert rest[1].startswith("  implementation body: {")
    assert steps == [s for s in steps if "describe_instance_status" in s]


def test_a_body_difference_names_each_path_absent_keys_and_extra_entries() -> None:
    model = Outcome.success(
        {
            "TotalCount": 2,
            "InstanceStatuses": {"InstanceStatus": [{"InstanceId": "i-0", "Status": "Running"}]},
            "Gone": None,
        }
    )
    theirs = Outcome.success(
        {
            "TotalCount": 2,
            "InstanceStatuses": {
                "InstanceStatus": [
                    {"InstanceId": "i-0", "Status": "Stopped"},
                    {"InstanceId": "i-9", "Status": "Running"},
                ]
            },
            "Extra": "x",
        }
    )
    lines = _body_difference(model, theirs).splitlines()[1:]
    assert lines[:4] == [
        "  InstanceStatuses.InstanceStatus[0].Status: model 'Running', implementation 'Stopped'"
        " (InstanceId 'i-0')",
        "  InstanceStatuses.InstanceStatus[1]: model (absent), implementation"
        " {'InstanceId': 'i-9', 'Status': 'Running'}",
        "  Gone: model None, implementation (absent)",
        "  Extra: model (absent), implementation 'x'",
    ]
    assert lines[4].startswith("  model body: ")
    many = {f"K{n}": n for n in range(200)}
    lines = _body_difference(Outcome.success(many), Outcome.success({})).splitlines()[1:]
    assert len(lines) == 12
    assert lines[10] == "  ... and 190 more differences"
    assert re.fullmatch(r"  \(the whole bodies are not shown: \d+ characters\)", lines[11])
    # Different codes, or a side without a body: nothing to compare key by key.
    assert _body_difference(model, Outcome.error("DiskError")) == ""
    assert _body_difference(model, Outcome.success()) == ""


# -- definitions ------------------------------------------------------------------


class NoAdapter(DifferentialMachine):
    pass


class NotAnImplementation(DifferentialMachine):
    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return "ecs"  # type: ignore[return-value]


def test_a_subclass_without_its_adapter_is_told_what_to_write() -> None:
    with pytest.raises(NotImplementedError, match=r"make_implementation\(fleet, clock\)"):
        run(NoAdapter, max_examples=1)
    with pytest.raises(InvalidArgument, match="has no call"):
        run(NotAnImplementation, max_examples=1)


def test_the_model_exists_only_once_a_fleet_was_drawn() -> None:
    machine = CheckTheModel()
    with pytest.raises(InvalidArgument, match="no fleet yet"):
        machine.model  # noqa: B018
    assert machine.fleet is None
    assert machine.implementation is None
    machine.teardown()  # nothing to close yet


def test_a_fleet_strategy_of_a_subclass_is_the_one_drawn() -> None:
    sizes: set[int] = set()

    class CheckOneInstance(CheckTheModel):
        fleet_strategy = fleets(min_instances=1, max_instances=1)

        def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
            sizes.add(len(fleet))
            assert self.fleet == fleet
            return super().make_implementation(fleet, clock)

    run(CheckOneInstance, max_examples=5)
    assert sizes == {1}


# -- settings ------------------------------------------------------------------------


def test_a_subclass_runs_with_the_harness_defaults_not_hypothesiss_blanket_ones() -> None:
    resolved = CheckTheModel.TestCase.settings
    assert resolved.deadline is None
    assert Phase.explain not in resolved.phases
    assert resolved.suppress_health_check == settings.default.suppress_health_check  # type: ignore[union-attr]
    assert resolved.max_examples == settings.default.max_examples  # type: ignore[union-attr]


def test_a_profile_changes_every_subclass_when_its_test_runs() -> None:
    assert get_profile() == "default"
    set_profile("quick")
    assert get_profile() == "quick"
    assert CheckTheModel.TestCase.settings.max_examples == PROFILES["quick"]["max_examples"]
    assert (
        CheckTheModel.TestCase().settings.stateful_step_count
        == (PROFILES["quick"]["stateful_step_count"])
    )
    settings.register_profile("lifecycle-test-tiny", max_examples=3)
    set_profile("lifecycle-test-tiny")
    assert CheckTheModel.TestCase.settings.max_examples == 3
    assert CheckTheModel.TestCase.settings.deadline is None


@pytest.mark.parametrize("name", ["warp", 7])
def test_an_unknown_profile_is_refused(name: object) -> None:
    with pytest.raises(InvalidArgument, match="quick, default, thorough"):
        set_profile(name)  # type: ignore[arg-type]
    assert get_profile() == "default"


def test_settings_on_a_subclass_are_used_and_inherited_by_its_subclasses() -> None:
    @settings(max_examples=7, suppress_health_check=[HealthCheck.too_slow])
    class Configured(CheckTheModel):
        pass

    class Inheriting(Configured):
        pass

    @settings(max_examples=9)
    class Reconfigured(Inheriting):
        pass

    assert Configured.TestCase.settings.max_examples == 7
    assert Inheriting.TestCase.settings.max_examples == 7
    assert Inheriting.TestCase.settings.suppress_health_check == (HealthCheck.too_slow,)
    assert Reconfigured.TestCase.settings.max_examples == 9
    with pytest.raises(HypothesisInvalidArgument, match="twice"):
        settings(max_examples=1)(Reconfigured)


def test_harness_settings_adjust_rather_than_replace() -> None:
    @harness_settings(max_examples=11)
    class Adjusted(CheckTheModel):
        pass

    assert Adjusted.TestCase.settings.max_examples == 11
    assert Adjusted.TestCase.settings.deadline is None


# -- coverage of the documented outcomes ----------------------------------------------


def test_a_run_reaches_every_documented_outcome_the_model_can_give() -> None:
    """Every (action, outcome) pair of the error tables, through the default strategies.

    DescribeInstanceStatus's ``MissingParameter`` is excluded: the model does not
    require ``RegionId`` (see ``lifecycle/_spec.py``), so no request can earn it here.
    """

    class CheckEverything(CheckTheModel):
        pass

    run(CheckEverything, max_examples=300, stateful_step_count=40)
    assert CheckEverything.actions == MACHINE_ACTIONS  # the default: the fleet actions opt in
    assert_documented_outcomes_reached(
        CheckEverything.coverage,
        exclude=[(Action.DESCRIBE_INSTANCE_STATUS, ErrorCode.MISSING_PARAMETER.value)],
    )


def test_a_run_of_the_fleet_actions_reaches_every_documented_outcome_of_theirs() -> None:
    """Every pair of the five fleet actions that depends on the fleet's state.

    The answers to malformed parameters (a dozen per action, each one defect
    among many) are drawn rarely in a stateful run, and which rare ones a
    derandomized run reaches depends on the tests before it in the process.
    ``test_every_parameter_check_is_reached_by_invalid_requests`` proves the
    strategies reach each of them for every action, deterministically; here
    they are compared whenever drawn, but not required.
    """

    class CheckTheFleetActions(CheckTheModel):
        actions = FLEET_ACTIONS

    run(CheckTheFleetActions, max_examples=200, stateful_step_count=40)
    assert {action for action, _ in CheckTheFleetActions.coverage.pairs} == set(FLEET_ACTIONS)
    assert_documented_outcomes_reached(
        CheckTheFleetActions.coverage,
        exclude=[
            (action, rule.code.value)
            for action in FLEET_ACTIONS
            for rule in PRECEDENCE[Action(action)]
            if rule.check in PARAMETER_CHECKS
        ],
    )


# -- a reproduction is plain method calls --------------------------------------------


class WithFaults(ThroughCalls):
    def add_fault(self, rule: lifecycle.FaultRule) -> int:
        return self.model.add_fault(rule)


class CheckWithFaults(DifferentialMachine):
    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return WithFaults(fleet.build(clock=clock, durations=self.durations))


ONE_STOPPED = Fleet(instances={"i-0": InstanceCondition(status="Stopped")})


def test_the_steps_hypothesis_prints_run_as_plain_calls() -> None:
    state = CheckWithFaults()
    (instance,) = state.create_fleet(fleet=ONE_STOPPED).values
    state.inject_fault(
        fault=lifecycle.FaultRule(kind="throttle", action="DescribeInstanceStatus", count=1)
    )
    state.statuses_agree()  # both sides refuse the read alike: nothing to compare
    state.start_instance(instance_id=instance, params={})
    state.advance_clock(seconds=30.0)
    state.statuses_agree()
    assert state.model.status(instance) is lifecycle.InstanceStatus.RUNNING
    state.teardown()


class WrongCode(ThroughCalls):
    def call(self, action: str, params: Mapping[str, object]) -> object:
        if action == Action.START_INSTANCE:
            raise lifecycle.ApiError(
                action=Action.START_INSTANCE,
                code=ErrorCode.DISK_ERROR,
                http_status=403,
                message="",
                request_id="",
            )
        return super().call(action, params)


class CheckWrongCode(DifferentialMachine):
    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return WrongCode(fleet.build(clock=clock, durations=self.durations))


def test_a_wrong_answer_names_both_answers_and_the_models_view_of_the_instance() -> None:
    state = CheckWrongCode()
    state.create_fleet(fleet=ONE_STOPPED)
    with pytest.raises(AssertionError) as failure:
        state.start_instance(instance_id="i-0", params={})
    message = str(failure.value)
    assert f"model Success, implementation 403 {ErrorCode.DISK_ERROR.value}" in message
    assert "before the call, the model had: i-0 Stopped ecs.g7.large PostPaid" in message
    assert "model body" not in message
    with pytest.raises(AssertionError, match="the model had: balance=100"):
        state.unknown_instance(
            request=lifecycle.testing.Request("StartInstance", {"InstanceId": "i-x"})
        )


# -- the fleet actions, and machines that send only some actions -------------------


class Narrow(ThroughCalls):
    """A model behind ``call`` that answers only some actions, as a partial fake does."""

    answers: frozenset[str] = frozenset()

    def call(self, action: str, params: Mapping[str, object]) -> object:
        assert action in self.answers, f"the harness sent {action}, which this fake does not answer"
        return super().call(action, params)


def narrow_machine(*chosen: str) -> type[DifferentialMachine]:
    class Answers(Narrow):
        answers = frozenset(chosen)

    class CheckNarrow(DifferentialMachine):
        actions = chosen
        fleet_strategy = fleets(max_instances=3)

        def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
            return Answers(fleet.build(clock=clock, durations=self.durations))

    return CheckNarrow


@pytest.mark.parametrize(
    "actions",
    [
        ("DescribeInstances", "StartInstances"),  # statuses read through DescribeInstances
        ("DescribeInstanceAttribute", "StopInstances", "RebootInstance"),  # ... one by one
        ("DescribeInstanceStatus",),  # nothing refuses an unknown id: no such rule
    ],
)
def test_a_machine_sends_only_its_actions_and_reads_statuses_through_one_of_them(
    actions: tuple[str, ...],
) -> None:
    machine = narrow_machine(*actions)
    run(machine, max_examples=15, stateful_step_count=10)
    assert {a.value for a, _ in machine.coverage.pairs} <= set(actions)
    assert machine.coverage.actions == tuple(a for a in ACTIONS if a.value in actions)


class NoReader(DifferentialMachine):
    actions = ("StartInstances",)

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return ThroughCalls(fleet.build(clock=clock, durations=self.durations))


def test_a_machine_that_can_read_no_status_is_told_which_actions_would() -> None:
    with pytest.raises(InvalidArgument, match="NoReader: the implementation has no statuses"):
        run(NoReader, max_examples=1)


@pytest.mark.parametrize(
    ("actions", "complaint"),
    [((), "Empty.actions: expected at least one"), ("StartInstance", "such as")],
)
def test_a_machine_refuses_a_choice_of_actions_that_names_none(
    actions: object, complaint: str
) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        type("Empty", (CheckTheModel,), {"actions": actions})


class Truncating(ThroughCalls):
    """Right on everything, but DescribeInstances never says there is another page."""

    def call(self, action: str, params: Mapping[str, object]) -> object:
        body = super().call(action, params)
        if action == Action.DESCRIBE_INSTANCES:
            body["NextToken"] = ""  # type: ignore[index]
        return body


class CheckTruncating(DifferentialMachine):
    actions = ("DescribeInstances",)

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return Truncating(fleet.build(clock=clock, durations=self.durations))


ELEVEN = Fleet(instances={f"i-{n}": InstanceCondition() for n in range(11)})


def test_a_page_that_hides_the_next_one_is_caught() -> None:
    state = CheckTruncating()
    state.create_fleet(fleet=ELEVEN)
    state.describe_instances(params={"RegionId": "cn-hangzhou", "PageSize": 5})  # page mode
    with pytest.raises(AssertionError) as failure:
        state.describe_instances(params={"RegionId": "cn-hangzhou", "MaxResults": 10})
    message = str(failure.value)
    assert "\n  NextToken: model True, implementation False\n" in message


class OwnTokens(ThroughCalls):
    """Its own NextToken strings, mapped to the model's: only their presence is compared."""

    def call(self, action: str, params: Mapping[str, object]) -> object:
        token = params.get("NextToken")
        if isinstance(token, str) and token.startswith("mine-"):
            params = {**params, "NextToken": token.removeprefix("mine-")}
        body = super().call(action, params)
        if action == Action.DESCRIBE_INSTANCES and body["NextToken"]:  # type: ignore[index]
            body["NextToken"] = "mine-" + body["NextToken"]  # type: ignore[index]
        return body


class CheckOwnTokens(DifferentialMachine):
    actions = ("DescribeInstances", "StopInstances")
    fleet_strategy = fleets(min_instances=25, max_instances=25)

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return OwnTokens(fleet.build(clock=clock, durations=self.durations))


def test_every_page_of_a_token_walk_is_compared_each_side_following_its_own_tokens() -> None:
    pages: list[tuple[object, object]] = []
    state = CheckOwnTokens()
    state.create_fleet(fleet=Fleet(instances={f"i-{n}": InstanceCondition() for n in range(25)}))
    original = state._compare

    def counting(request: Request, sent: Request | None = None) -> tuple[Outcome, Outcome]:
        theirs = None if sent is None else sent.params.get("NextToken")
        pages.append((request.params.get("NextToken"), theirs))
        return original(request, sent)

    state._compare = counting  # type: ignore[method-assign]
    state.describe_instances(params={"RegionId": "cn-hangzhou", "MaxResults": 10})
    assert len(pages) == 3
    assert pages[0] == (None, None)
    assert [theirs for _, theirs in pages[1:]] == [f"mine-{ours}" for ours, _ in pages[1:]]
    run(CheckOwnTokens, max_examples=5, stateful_step_count=5)


class WrongEntry(ThroughCalls):
    """Right codes, but a batch reports each moved instance as already there."""

    def call(self, action: str, params: Mapping[str, object]) -> object:
        body = super().call(action, params)
        if action == Action.STOP_INSTANCES:
            for entry in body["InstanceResponses"]["InstanceResponse"]:  # type: ignore[index]
                if entry["Code"] == "200":
                    entry["CurrentStatus"] = "Stopped"
        return body


class CheckWrongEntry(DifferentialMachine):
    actions = ACTIONS

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return WrongEntry(fleet.build(clock=clock, durations=self.durations))


def test_a_wrong_per_instance_entry_is_caught_and_the_instances_shown() -> None:
    state = CheckWrongEntry()
    running = InstanceCondition(status="Running")
    state.create_fleet(fleet=Fleet(instances={"i-0": running, "i-1": running}))
    params = {"RegionId": "cn-hangzhou", "InstanceId": ["i-0", "i-1"]}
    state.stop_instances(params={**params, "DryRun": "true"})  # no entries: agreed
    with pytest.raises(AssertionError) as failure:
        state.stop_instances(params=params)
    message = str(failure.value)
    for n in (0, 1):
        assert (
            f"  InstanceResponses.InstanceResponse[{n}].CurrentStatus: model 'Stopping', "
            f"implementation 'Stopped' (InstanceId 'i-{n}')\n"
        ) in message
    assert "the model had: i-0 Running ecs.g7.large" in message
    assert "; i-1 Running ecs.g7.large" in message


def test_a_success_without_a_body_is_compared_by_its_code_alone() -> None:
    class Silent(ThroughCalls):
        def call(self, action: str, params: Mapping[str, object]) -> object:
            super().call(action, params)
            return None

    class CheckSilent(DifferentialMachine):
        actions = ("DescribeInstances", "DescribeInstanceAttribute")

        def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
            return Silent(fleet.build(clock=clock, durations=self.durations))

    state = CheckSilent()
    state.create_fleet(fleet=ONE_STOPPED)
    state.describe_instances(params={"RegionId": "cn-hangzhou", "MaxResults": 10})
    state.describe_instance_attribute(instance_id="i-0")
    state.statuses_agree()
    # Both answers counted as the successes they are, with no body to compare.
    assert {
        (str(action), outcome)
        for action, outcome in CheckSilent.coverage.pairs
        if outcome == SUCCESS
    } == {("DescribeInstances", SUCCESS), ("DescribeInstanceAttribute", SUCCESS)}


# -- narrowing: a fake that models only part of ECS ------------------------------------

PARAMETER_CODES = {
    ErrorCode.MISSING_PARAMETER.value,
    ErrorCode.INVALID_PARAMETER.value,
    ErrorCode.INVALID_INSTANCE_IDS_MALFORMED.value,
    ErrorCode.TOO_MANY_INSTANCE_IDS.value,
}


class Partial(WithFaults):
    """A model behind ``call`` that refuses what the machine promised not to send."""

    kinds: frozenset[str] = frozenset()
    most_ids = 100
    check_parameters = True

    def call(self, action: str, params: Mapping[str, object]) -> object:
        assert len(Request(action, params).instance_ids) <= self.most_ids, "too many ids sent"
        try:
            return super().call(action, params)
        except lifecycle.ApiError as error:
            assert self.check_parameters or error.code.value not in PARAMETER_CODES, (
                f"a malformed {action} was sent: {error.code.value}"
            )
            raise

    def add_fault(self, rule: lifecycle.FaultRule) -> int:
        assert rule.kind.value in self.kinds, f"a {rule.kind.value} fault was injected"
        return super().add_fault(rule)


class NoParameterChecks(Partial):
    kinds = frozenset({"throttle"})
    check_parameters = False


class CheckNoParameterChecks(DifferentialMachine):
    invalid_requests = False
    fault_kinds = ("throttle",)

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return NoParameterChecks(fleet.build(clock=clock, durations=self.durations))


def test_a_fake_without_parameter_checks_is_sent_no_malformed_call_and_the_tally_says_so() -> None:
    coverage = CheckNoParameterChecks.coverage
    coverage.clear()
    run(CheckNoParameterChecks, max_examples=60)
    left_out = coverage.left_out
    for action in MACHINE_ACTIONS:
        assert left_out[action, ErrorCode.INVALID_PARAMETER.value] == "invalid_requests = False"
        assert left_out[action, ErrorCode.INTERNAL_ERROR.value] == "fault_kinds = ('throttle',)"
        assert (action, ErrorCode.THROTTLING.value) not in left_out
    assert (Action.START_INSTANCE, ErrorCode.THROTTLING.value) in coverage.pairs
    assert not coverage.pairs & set(left_out)  # nothing left out was answered after all
    assert not coverage.missing() & set(left_out)
    report = coverage.report()
    assert re.search(
        r"\nStartInstance -> MissingParameter +0  LEFT OUT: invalid_requests = False\n", report
    )
    assert report.splitlines()[-1].endswith(
        f"; {len(left_out)} left out (fault_kinds = ('throttle',), invalid_requests = False)"
    )
    # Only what was reached or missed by chance is excused: the left-out pairs are not required.
    assert_documented_outcomes_reached(coverage, exclude=coverage.missing())


class FewIds(Partial):
    kinds = frozenset(kind.value for kind in lifecycle.FaultKind)
    most_ids = 100


class CheckFewIds(DifferentialMachine):
    actions = ("DescribeInstanceStatus", "StopInstances", "DescribeInstances")
    too_many_ids = False
    fleet_strategy = fleets(max_instances=2)

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return FewIds(fleet.build(clock=clock, durations=self.durations))


def test_a_fake_that_does_not_count_ids_is_sent_malformed_calls_of_at_most_100() -> None:
    coverage = CheckFewIds.coverage
    run(CheckFewIds, max_examples=60)
    too_many = ErrorCode.TOO_MANY_INSTANCE_IDS.value
    assert coverage.left_out == {
        (Action(action), too_many): "too_many_ids = False" for action in CheckFewIds.actions
    }
    malformed = {ErrorCode.INVALID_INSTANCE_IDS_MALFORMED.value, ErrorCode.INVALID_PARAMETER.value}
    assert malformed <= {outcome for _, outcome in coverage.pairs}  # still malformed calls


@pytest.mark.parametrize(
    ("kinds", "internal_error_left_out"),
    [
        ((), set(MACHINE_ACTIONS)),
        (("lost_response",), {Action.DESCRIBE_INSTANCE_STATUS}),  # a describe loses nothing
        (("delay", "error"), set()),
    ],
)
def test_fault_kinds_narrow_the_faults_and_leave_out_the_codes_no_kind_left_gives(
    kinds: tuple[str, ...], internal_error_left_out: set[Action]
) -> None:
    machine: type[DifferentialMachine] = type(
        "CheckKinds", (CheckWithFaults,), {"fault_kinds": kinds}
    )
    chosen = tuple(kind.value for kind in lifecycle.FaultKind if kind.value in kinds)
    assert machine.fault_kinds == tuple(lifecycle.FaultKind(kind) for kind in chosen)
    left_out = machine.coverage.left_out
    internal = ErrorCode.INTERNAL_ERROR.value
    assert {a for (a, code) in left_out if code == internal} == internal_error_left_out
    throttled = {a for (a, code) in left_out if code == ErrorCode.THROTTLING.value}
    assert throttled == set(MACHINE_ACTIONS)  # no kind here throttles
    assert set(left_out.values()) == {f"fault_kinds = {chosen!r}"}
    assert ("inject_fault" in rule_names(machine)) == bool(kinds)
    run(machine, max_examples=5)


def test_an_implementation_without_add_fault_leaves_the_fault_codes_out() -> None:
    state = CheckThroughCalls()
    state.create_fleet(fleet=ONE_STOPPED)
    why = "the implementation has no add_fault"
    left_out = CheckThroughCalls.coverage.left_out
    assert left_out[Action.STOP_INSTANCE, ErrorCode.THROTTLING.value] == why
    assert left_out[Action.DESCRIBE_INSTANCE_STATUS, ErrorCode.INTERNAL_ERROR.value] == why
    assert not CheckWithFaults.coverage.left_out


@pytest.mark.parametrize(
    ("attributes", "complaint"),
    [
        ({"invalid_requests": "no"}, "Bad.invalid_requests='no': expected True or False"),
        ({"too_many_ids": 0}, "Bad.too_many_ids=0: expected True or False"),
        ({"fault_kinds": "throttle"}, r"Bad.fault_kinds='throttle': .* such as \['throttle'\]"),
        ({"fault_kinds": ("flood",)}, "expected some of error, lost_response, delay, throttle"),
    ],
)
def test_a_narrowing_that_is_not_one_is_refused_by_name(
    attributes: dict[str, object], complaint: str
) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        type("Bad", (CheckTheModel,), attributes)


def test_narrowing_is_inherited_by_a_subclass_of_a_subclass() -> None:
    class Again(CheckNoParameterChecks):
        pass

    assert Again.coverage is not CheckNoParameterChecks.coverage
    assert Again.coverage.left_out == CheckNoParameterChecks.coverage.left_out
    assert "malformed_request" not in rule_names(Again)
    assert "malformed_request" in rule_names(CheckTheModel)


def rule_names(machine: type[DifferentialMachine]) -> set[str]:
    """The names of the machine's rules (Hypothesis marks each rule function)."""
    names = {name for klass in machine.__mro__ for name in vars(klass)}
    return {n for n in names if hasattr(getattr(machine, n, None), "hypothesis_stateful_rule")}


# -- failure reports: the calls first, the harness's frames gone -------------------------


class TwoBugs(ThroughCalls):
    """Answers StopInstance with the wrong code, and crashes on RebootInstance."""

    def call(self, action: str, params: Mapping[str, object]) -> object:
        if action == Action.STOP_INSTANCE:
            raise lifecycle.ApiError(
                action=Action.STOP_INSTANCE,
                code=ErrorCode.DISK_ERROR,
                http_status=403,
                message="",
                request_id="",
            )
        if action == Action.REBOOT_INSTANCE:
            return self.crash(params)
        return super().call(action, params)

    def crash(self, params: Mapping[str, object]) -> object:
        known: dict[object, object] = {}
        return known[params["InstanceId"]]  # a bug in the fake itself


class CheckTwoBugs(DifferentialMachine):
    fleet_strategy = fleets(max_instances=1)

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return TwoBugs(fleet.build(clock=clock, durations=self.durations))


def frames(error: BaseException, names: bool = False) -> list[Any]:
    """The files of a traceback's frames (with their function names if ``names``)."""
    found: list[Any] = []
    entry = error.__traceback__
    while entry is not None:
        code = entry.tb_frame.f_code
        # Under mutation testing, mutmut's trampolines stand between the harness's
        # functions: frames of neither the package nor the user, never there otherwise.
        if MUTMUT not in code.co_filename:
            found.append((code.co_filename, code.co_name) if names else code.co_filename)
        entry = entry.tb_next
    return found


MUTMUT = os.path.join("mutmut", "mutation", "")


def test_distinct_failures_print_each_ones_calls_first_and_no_harness_frames() -> None:
    with pytest.raises(ExceptionGroup) as caught:
        CheckTwoBugs.run_as_test(**QUICK)
    group = caught.value
    summary = group.__notes__[0]
    assert summary.startswith(
        "CheckTwoBugs: 2 distinct failures, each shrunk to the calls that reproduce it"
    )
    blocks = summary.split("\n\n")[1:]
    assert [block.split(":")[0] for block in blocks] == ["Failure 1 of 2", "Failure 2 of 2"]
    headlines = {block.splitlines()[0].split(": ", 1)[1] for block in blocks}
    assert "KeyError: 'i-0'" in headlines
    assert any(h.endswith("implementation 403 DiskError") for h in headlines)
    for block in blocks:
        calls = block.splitlines()[1:]
        assert calls[0] == "    state = CheckTwoBugs()"
        assert calls[-1] == "    state.teardown()"
        assert all(c.startswith(("    state", "    (instances_0,) = ", "    # t=")) for c in calls)
    # What a user sees: the message, then the calls, before any traceback.
    shown = "".join(traceback.format_exception(group))
    first_failure = shown.index("+-+----")  # where Python starts printing the members
    assert shown.index("    state = CheckTwoBugs()") < first_failure
    harness = os.path.join("lifecycle", "testing", "")
    assert harness not in shown[:first_failure]  # the group shows no harness frame
    crash = next(e for e in group.exceptions if isinstance(e, KeyError))
    mismatch = next(e for e in group.exceptions if isinstance(e, AssertionError))
    assert frames(mismatch) == []  # the harness's own frames say nothing about the fake
    assert set(frames(crash)) == {__file__}  # the fake's frames are all that is left
    assert harness not in shown
    assert "hypothesis" not in shown.replace("hypothesis.readthedocs", "")


def test_one_failure_is_its_message_then_its_calls_and_the_test_case_runs_it_so() -> None:
    @harness_settings(**QUICK)
    class CheckWrong(CheckWrongCode):
        pass

    assert CheckWrong.TestCase.runTest._hypothesis_state_machine_class is CheckWrong  # type: ignore[attr-defined]
    with pytest.raises(AssertionError) as caught:
        CheckWrong.TestCase().runTest()
    failure = caught.value
    entries = [(path, name) for path, name in frames(failure, names=True)]
    # This test's frame, then the entry point pytest hides (__tracebackhide__).
    assert entries[0] == (
        __file__,
        "test_one_failure_is_its_message_then_its_calls_and_the_test_case_runs_it_so",
    )
    assert [name for _, name in entries[1:]] == ["runTest"]
    assert "implementation 403 DiskError" in str(failure).splitlines()[0]
    notes = failure.__notes__
    assert notes[notes.index("state = CheckWrong()") - 1].startswith("Failing test case")
    assert notes[-1] == "state.teardown()"
    assert any(n.startswith("# t=0.0 Request('StartInstance'") for n in notes)


def test_what_is_no_shrunk_failure_is_raised_as_hypothesis_raised_it() -> None:
    class CheckNothingDrawn(CheckTheModel):
        fleet_strategy = fleets().filter(lambda fleet: False)

    with pytest.raises((FailedHealthCheck, Unsatisfiable)) as caught:
        CheckNothingDrawn.run_as_test(max_examples=5, database=None)
    assert not getattr(caught.value, "__notes__", [])
    assert any("hypothesis" in path for path in frames(caught.value))


def test_a_reproduction_keeps_its_notes_as_comments_and_names_any_exception() -> None:
    error = RuntimeError()
    for text in (
        "Failing test case: <state machine>",
        "state = CheckX()",
        "mine",
        "state.teardown()",
    ):
        error.add_note(text)
    other = ValueError("bad\nworse")
    for text in (
        "Failing test case: <state machine>",
        "x_0 = state.make()",
        "state.teardown()",
        "after",
    ):
        other.add_note(text)
    group = ExceptionGroup("Hypothesis found 2 distinct failures.", [error, other])
    present(CheckTheModel, group)
    blocks = group.__notes__[0].split("\n\n")[1:]
    assert blocks[0].splitlines() == [
        "Failure 1 of 2: RuntimeError",
        "    state = CheckX()",
        "    # mine",
        "    state.teardown()",
    ]
    assert blocks[1].splitlines() == [
        "Failure 2 of 2: ValueError: bad",
        "    x_0 = state.make()",
        "    state.teardown()",
    ]
    cut = AssertionError("no teardown printed")
    for text in ("Failing test case: <state machine>", "state = CheckX()"):
        cut.add_note(text)
    present(CheckTheModel, cut)  # one failure: its notes stay as they are
    assert cut.__notes__ == ["Failing test case: <state machine>", "state = CheckX()"]
    unshrunk = ExceptionGroup("flaky", [ValueError("no notes")])
    present(CheckTheModel, unshrunk)
    assert not hasattr(unshrunk, "__notes__")


def test_run_as_test_takes_settings_and_overrides() -> None:
    ThroughCalls.made = 0
    CheckThroughCalls.run_as_test(harness_settings(**QUICK), max_examples=3)
    assert 3 <= ThroughCalls.made < EXAMPLES
