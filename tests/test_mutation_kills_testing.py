"""lifecycle.testing: the promises a seeded mutation sample of the testing layer found unguarded.

Each test here fails on one or more surviving mutants of
``python -m tools.mutation --layer testing --sample 200 --seed 12`` (issue 12) and
asserts behaviour the docs give: ``Request`` values are hashable as the frozen
dataclasses they are, ``worlds(min_fleets=1)`` is the documented lower bound,
``requests(instance_ids=...)`` names only the ids it is given, ``pytest --help``
shows the options as the plugin's docstring writes them, and the summary line
names every unreached outcome and nothing more.

Strategies are built inside the test bodies, not in ``@given`` at import:
mutmut switches a mutant on after the test modules were imported
(``tools/mutation.py``), so a strategy built at import runs unmutated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from lifecycle import EcsModel, ManualClock
from lifecycle.errors import InvalidArgument
from lifecycle.testing import (
    AccountCondition,
    DifferentialMachine,
    Fleet,
    Implementation,
    InstanceCondition,
    Request,
    documented_outcomes,
    fault_rules,
    fleets,
    harness_settings,
    requests,
    worlds,
)

pytest_plugins = ["pytester"]

PLUGIN = "lifecycle.testing._pytest_plugin"
FEW = settings(
    max_examples=30, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner pytest runs load the plugin by ``-p`` only (as tests/test_testing_plugin.py)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        "-p", PLUGIN, "-p", "no:cacheprovider", "--assert=plain", *args
    )


def test_equal_requests_hash_equal_whatever_their_parameter_values() -> None:
    # A DescribeInstanceStatus page mixes a list of ids and an int page size: the
    # hash orders parameters by name, so values of unlike types never compare.
    first = Request("DescribeInstanceStatus", {"InstanceId": ["i-1", "i-2"], "PageSize": 10})
    again = Request("DescribeInstanceStatus", {"PageSize": 10, "InstanceId": ["i-1", "i-2"]})
    assert first == again
    assert hash(first) == hash(again)
    assert len({first, again}) == 1


@FEW
@given(data=st.data())
def test_worlds_may_hold_a_single_fleet(data: st.DataObject) -> None:
    # The docstring's bound: 1 <= min_fleets <= max_fleets.
    world = data.draw(worlds(min_fleets=1, max_fleets=1, max_instances=2))
    assert len(world.fleets) == 1


@FEW
@given(data=st.data())
def test_fleets_may_be_empty_and_carry_the_name_they_are_given(data: st.DataObject) -> None:
    # The docstring's bound is 0 <= min_instances; the fleet takes ``name``.
    fleet = data.draw(fleets(min_instances=0, max_instances=0, name="prod"))
    assert fleet.instances == ()
    assert fleet.name == "prod"


@FEW
@given(data=st.data())
def test_fault_rules_limited_to_given_ids_name_only_those(data: st.DataObject) -> None:
    # instance_ids as a collection: a rule hits any instance (None) or some of these.
    rule = data.draw(fault_rules(instance_ids=["i-1", "i-2"]))
    assert rule.instance_ids is None or (rule.instance_ids and rule.instance_ids <= {"i-1", "i-2"})


@FEW
@given(data=st.data())
def test_requests_name_only_the_instance_ids_they_are_given(data: st.DataObject) -> None:
    # Valid and invalid alike: instance_ids is the pool for both halves of requests().
    drawn = data.draw(
        requests(["StartInstance", "StopInstances"], instance_ids=["i-mine"], unknown_ids=False)
    )
    if len(drawn.instance_ids) <= 100:  # beyond: the "more than 100 ids" defect's own ids
        assert set(drawn.instance_ids) <= {"i-mine"}


def test_pytest_help_shows_both_options_as_documented(
    pytester: pytest.Pytester, isolated: None
) -> None:
    result = run(pytester, "--help")
    text = " ".join(result.stdout.str().split())  # argparse wraps the help text
    assert "--lifecycle-seed=N " in text
    assert "--lifecycle-profile=NAME " in text
    # The plugin's docstring: the profile option takes quick, default, thorough or a
    # Hypothesis profile name; its help says so next to the option.
    profile = text.split("--lifecycle-profile=NAME", 1)[1].split("--lifecycle-seed", 1)[0]
    assert all(name in profile for name in ("quick", "default", "thorough", "Hypothesis profile"))


def test_the_summary_names_the_few_unreached_outcomes_and_nothing_more(
    pytester: pytest.Pytester, isolated: None
) -> None:
    # Two pairs unreached, fewer than the summary shows by name: the line ends with them.
    pytester.makepyfile(
        """
        from lifecycle.testing import DifferentialMachine, documented_outcomes, harness_settings

        @harness_settings(max_examples=1)
        class Almost(DifferentialMachine):
            actions = ["StartInstance"]

            def make_implementation(self, fleet, clock):
                return fleet.build(clock=clock, durations=self.durations)

        TestAlmost = Almost.TestCase

        def test_fill():
            Almost.coverage.clear()  # whatever the one example reached
            pairs = sorted(documented_outcomes(["StartInstance"]), key=str)
            for action, outcome in pairs:
                if outcome not in ("DiskError", "InvalidInstanceId.NotFound"):
                    Almost.coverage.record(action, outcome)
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=2)
    total = len(documented_outcomes(["StartInstance"]))
    after = result.stdout.str().split("documented outcomes reached")[1].splitlines()[1:]
    listed = [text for text in after if text.startswith("Almost:")]
    assert listed == [
        f"Almost: {total - 2} of {total}; not reached: "
        "StartInstance -> DiskError, StartInstance -> InvalidInstanceId.NotFound"
    ]


def test_a_machine_that_deletes_only_in_batches_is_defined_and_runs() -> None:
    # DeleteInstances names its ids as a list: no action of this machine names one
    # instance, so there is no released-instance rule to install (and none to draw from).
    class CheckBatchDeletes(DifferentialMachine):
        actions = ("DeleteInstances", "DescribeInstanceStatus")

        def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
            return fleet.build(clock=clock, durations=self.durations)

    run_state_machine_as_test(
        CheckBatchDeletes,
        settings=harness_settings(max_examples=5, stateful_step_count=5, database=None),
    )
    assert {a.value for a, _ in CheckBatchDeletes.coverage.pairs} <= {
        "DeleteInstances",
        "DescribeInstanceStatus",
    }


class ListsEveryoneRunning:
    """A fake whose DescribeInstances listings say Running for every instance."""

    def __init__(self, model: EcsModel) -> None:
        self.model = model

    def call(self, action: str, params: Mapping[str, object]) -> object:
        body = self.model.call(action, params).to_dict()
        if action == "DescribeInstances":
            for item in body["Instances"]["Instance"]:  # type: ignore[index]
                item["Status"] = "Running"
        return body


def caught(machine: type[DifferentialMachine], *, max_examples: int, steps: int) -> AssertionError:
    """The failure ``machine`` finds in a derandomized run (it must find one)."""
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(
            machine,
            settings=harness_settings(
                max_examples=max_examples,
                stateful_step_count=steps,
                database=None,
                derandomize=True,
            ),
        )
    return failure.value


def test_statuses_read_through_describe_instances_catch_a_wrong_listing_before_any_step() -> None:
    # statuses_agree is an invariant: it reads every status (here through
    # DescribeInstances, the machine's only reader) right after the set-up, so a
    # fleet with a Stopped instance fails with no step at all.
    class CheckListings(DifferentialMachine):
        actions = ("DescribeInstances",)
        fleet_strategy = fleets(min_instances=1, max_instances=1)

        def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
            return ListsEveryoneRunning(fleet.build(clock=clock, durations=self.durations))

    failure = caught(CheckListings, max_examples=25, steps=5)
    notes = getattr(failure, "__notes__", [])
    steps = [n for n in notes if n.startswith("state.") and not n.endswith("()")]
    assert "Running" in str(failure)
    assert steps == []


class Undead:
    """A fake that releases instances as the model does, then answers for them as if alive."""

    def __init__(self, model: EcsModel) -> None:
        self.model = model
        self.released: set[str] = set()

    def call(self, action: str, params: Mapping[str, object]) -> object:
        named = params.get("InstanceId")
        if isinstance(named, str) and named in self.released:
            return {"RequestId": "undead"}
        body = self.model.call(action, params).to_dict()
        if action == "DeleteInstance" and isinstance(named, str):
            self.released.add(named)
        return body


def test_a_call_naming_a_released_instance_is_compared_on_both_sides() -> None:
    # The released-instance rule names an id a DeleteInstance released: the model
    # answers it as gone, so a fake that still answers for it is caught.
    class CheckReleases(DifferentialMachine):
        actions = ("DeleteInstance", "StartInstance", "DescribeInstanceStatus")
        invalid_requests = False
        fleet_strategy = fleets(
            min_instances=1, max_instances=2, conditions=st.just(InstanceCondition())
        )

        def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
            return Undead(fleet.build(clock=clock, durations=self.durations))

    assert "InvalidInstanceId.NotFound" in str(caught(CheckReleases, max_examples=50, steps=10))


class OnlyItsOwnTokens:
    """A fake with its own NextToken strings that refuses any token it never gave."""

    def __init__(self, model: EcsModel) -> None:
        self.model = model

    def call(self, action: str, params: Mapping[str, object]) -> object:
        token = params.get("NextToken")
        if token is not None:
            if not (isinstance(token, str) and token.startswith("mine-")):
                return {"Code": "InvalidParameter", "HttpStatus": 400}
            params = {**params, "NextToken": token.removeprefix("mine-")}
        body = self.model.call(action, params).to_dict()
        if action == "DescribeInstances" and body.get("NextToken"):
            body["NextToken"] = f"mine-{body['NextToken']}"
        return body


def test_a_token_walk_sends_each_side_the_token_it_gave() -> None:
    # describe_instances' docstring: in token mode each side's NextToken is followed.
    class CheckTokens(DifferentialMachine):
        actions = ("DescribeInstances",)

        def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
            return OnlyItsOwnTokens(fleet.build(clock=clock, durations=self.durations))

    state = CheckTokens()
    state.create_fleet(fleet=Fleet(instances={f"i-{n}": InstanceCondition() for n in range(25)}))
    state.describe_instances(params={"RegionId": "cn-hangzhou", "MaxResults": 10})
    state.teardown()


def test_a_failing_harness_shows_no_frame_of_its_test_runner(
    pytester: pytest.Pytester, isolated: None
) -> None:
    # The package docstring: a failure shows the reproducing calls, then the
    # user's own code's frames only; the TestCase's runTest is the harness's.
    pytester.makepyfile(
        """
        from lifecycle.testing import DifferentialMachine, harness_settings

        class Wrong:
            def __init__(self, model):
                self.model = model

            def call(self, action, params):
                raise ValueError("this fake is broken")

        @harness_settings(max_examples=3)
        class CheckWrong(DifferentialMachine):
            actions = ["StartInstance", "DescribeInstanceStatus"]

            def make_implementation(self, fleet, clock):
                return Wrong(fleet.build(clock=clock, durations=self.durations))

        TestWrong = CheckWrong.TestCase
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "this fake is broken" in out
    assert "run_as_test" not in out  # the runner's frame: machine.run_as_test(...)


def test_a_bad_minimum_start_balance_is_refused_by_its_name() -> None:
    # Misuse is refused by name (tests/README.md): the caller's own keyword, as spelt.
    with pytest.raises(InvalidArgument) as refused:
        AccountCondition(minimum_start_balance="plenty")
    assert str(refused.value).startswith("minimum_start_balance='plenty':")


def test_an_abnormal_local_disk_without_one_names_the_argument_that_fixes_it() -> None:
    with pytest.raises(InvalidArgument) as refused:
        InstanceCondition(local_disk_abnormal=True)  # ecs.g7.large has no local disk
    fix = str(refused.value).rsplit("pass ", 1)[1]
    name, _, value = fix.partition("=")
    # The hint is a keyword argument a caller can paste, and it works.
    hint: dict[str, Any] = {name: {"True": True}[value]}
    condition = InstanceCondition(local_disk_abnormal=True, **hint)
    assert condition.local_disk_abnormal
