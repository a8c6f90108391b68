"""``OutcomeCoverage`` and the documented (action, outcome) pairs."""

from __future__ import annotations

import pytest

import lifecycle
from lifecycle import Action, ErrorCode, InvalidArgument
from lifecycle.testing import (
    ACTIONS,
    FLEET_ACTIONS,
    SUCCESS,
    Outcome,
    OutcomeCoverage,
    Request,
    assert_documented_outcomes_reached,
    documented_outcomes,
    documented_view,
)
from tests.reference import operation


def test_the_documented_pairs_are_each_error_table_code_and_success() -> None:
    pairs = documented_outcomes()
    assert {a for a, _ in pairs} == set(Action) == set(ACTIONS)
    for action in Action:
        codes = {outcome for a, outcome in pairs if a is action}
        assert codes == {SUCCESS} | {code.value for code in lifecycle.error_table(action)}
        # ... which is every code the action's spec file lists, read from specs/ itself.
        assert codes == {SUCCESS} | {e["code"] for e in operation(action.value)["errors"]}
    assert documented_outcomes(["StopInstance"]) == {
        p for p in pairs if p[0].value == "StopInstance"
    }
    assert {a for a, _ in documented_outcomes(FLEET_ACTIONS)} == set(FLEET_ACTIONS)


@pytest.mark.parametrize(
    ("actions", "complaint"),
    [([], "at least one action"), ("StartInstance", r"such as \['StartInstance'\]")],
)
def test_a_choice_of_actions_must_name_some(actions: object, complaint: str) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        documented_outcomes(actions)  # type: ignore[arg-type]


def test_a_batch_success_reaches_each_per_instance_code_it_carries() -> None:
    model = lifecycle.EcsModel()
    model.create_instance("i-1", status="Running")
    model.create_instance("i-2", status="Running", security_locked=True)
    body = model.stop_instances(["i-1", "i-2", "i-3"], batch_optimization="SuccessFirst").to_dict()
    coverage = OutcomeCoverage(["StopInstances"])
    coverage.record("StopInstances", Outcome.success(body))
    assert coverage.counts() == {
        (Action.STOP_INSTANCES, SUCCESS): 1,
        (Action.STOP_INSTANCES, ErrorCode.INSTANCE_LOCKED_FOR_SECURITY.value): 1,
        (Action.STOP_INSTANCES, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND.value): 1,
    }
    # Bodies that carry no entries add nothing beyond the call's own outcome.
    odd_bodies: list[dict[str, object]] = [
        {"InstanceResponses": []},
        {"InstanceResponses": {"InstanceResponse": 7}},
    ]
    for odd in odd_bodies:
        coverage.record("StopInstances", Outcome.success(odd))
    assert sum(coverage.counts().values()) == 5
    # The tally's own actions are what it is measured against by default.
    assert coverage.missing() == documented_outcomes(["StopInstances"]) - coverage.pairs
    assert "StartInstance" not in coverage.report()


def test_a_tally_counts_codes_successes_and_outcomes_alike() -> None:
    coverage = OutcomeCoverage()
    coverage.record("StartInstance", None)
    coverage.record(Action.START_INSTANCE, SUCCESS)
    coverage.record("StartInstance", ErrorCode.DISK_ERROR)
    coverage.record("StopInstance", Outcome.error(ErrorCode.DISK_ERROR))
    coverage.record("StopInstance", Outcome.success())
    counts = coverage.counts()
    assert counts[(Action.START_INSTANCE, SUCCESS)] == 2
    assert counts[(Action.START_INSTANCE, ErrorCode.DISK_ERROR.value)] == 1
    assert coverage.pairs == set(counts)
    assert repr(coverage) == "<OutcomeCoverage: 4 pairs, 5 calls>"
    other = OutcomeCoverage()
    other.update(coverage)
    other.update(coverage)
    assert other.counts()[(Action.START_INSTANCE, SUCCESS)] == 4
    other.clear()
    assert not other.pairs


def test_a_tally_refuses_what_is_not_an_outcome() -> None:
    with pytest.raises(InvalidArgument, match="outcome=3"):
        OutcomeCoverage().record("StartInstance", 3)
    with pytest.raises(InvalidArgument, match="unknown"):
        OutcomeCoverage().record("Launch", None)


def test_the_report_marks_missing_and_undocumented_pairs() -> None:
    coverage = OutcomeCoverage()
    coverage.record("RebootInstance", None)
    coverage.record("RebootInstance", ErrorCode.INSUFFICIENT_BALANCE)  # not in Reboot's table
    assert coverage.undocumented() == {(Action.REBOOT_INSTANCE, ErrorCode.INSUFFICIENT_BALANCE)}
    wanted = documented_outcomes(["RebootInstance"])
    report = coverage.report(wanted).splitlines()
    assert report[0].startswith("RebootInstance -> Success")
    assert report[0].split()[-1] == "1"
    assert sum("MISSING" in line for line in report) == len(wanted) - 1
    assert any(line.endswith("UNDOCUMENTED") for line in report)
    assert report[-1] == f"1 of {len(wanted)} documented outcomes reached"
    assert coverage.missing(wanted) == wanted - {(Action.REBOOT_INSTANCE, SUCCESS)}
    assert len(OutcomeCoverage().report().splitlines()) == len(documented_outcomes()) + 1


def test_the_helper_fails_naming_each_documented_pair_never_reached() -> None:
    coverage = OutcomeCoverage()
    for action, outcome in documented_outcomes(["StopInstance"]):
        if outcome != ErrorCode.DISK_ERROR.value:
            coverage.record(action, outcome)
    with pytest.raises(AssertionError, match=r"1 documented outcome.*StopInstance -> DiskError"):
        assert_documented_outcomes_reached(coverage, actions=["StopInstance"])
    assert_documented_outcomes_reached(
        coverage,
        actions=["StopInstance"],
        exclude=[("StopInstance", ErrorCode.DISK_ERROR.value)],
    )


def test_a_documented_view_keeps_what_two_correct_answerers_share() -> None:
    model = lifecycle.EcsModel()
    model.create_instance("i-1", status="Running")
    batch = Request("StopInstances", {"RegionId": "cn-hangzhou", "InstanceId": ["i-1", "i-2"]})
    body = model.stop_instances(["i-1", "i-2"], batch_optimization="SuccessFirst").to_dict()
    assert documented_view(batch, body) == {
        "InstanceResponses": [
            {
                "InstanceId": "i-1",
                "Code": "200",
                "PreviousStatus": "Running",
                "CurrentStatus": "Stopping",
            },
            {
                "InstanceId": "i-2",
                "Code": "InvalidInstanceId.NotFound",
                "PreviousStatus": None,
                "CurrentStatus": None,
            },
        ]
    }
    page = Request("DescribeInstances", {"RegionId": "cn-hangzhou"})
    by_token = Request("DescribeInstances", {"RegionId": "cn-hangzhou", "MaxResults": 10})
    listed = model.describe_instances().to_dict()
    assert documented_view(page, listed) == {
        "TotalCount": 1,
        "PageNumber": 1,
        "PageSize": 10,
        "NextToken": False,
        "Instances": [{"InstanceId": "i-1", "Status": "Stopping"}],
    }
    assert "PageNumber" not in documented_view(by_token, listed)  # token mode has none
    attribute = Request("DescribeInstanceAttribute", {"InstanceId": "i-1"})
    shown = model.describe_instance_attribute("i-1").to_dict()
    assert documented_view(attribute, shown) == {"InstanceId": "i-1", "Status": "Stopping"}
    single = Request("StartInstance", {"InstanceId": "i-1"})
    assert documented_view(single, {"RequestId": "x", "Extra": 1}) == {"Extra": 1}
    # Shapes that are not the documented ones read as empty lists, not errors.
    assert documented_view(batch, {"InstanceResponses": "none"}) == {"InstanceResponses": []}
    odd = documented_view(page, {"Instances": {"Instance": ["i-1"]}})
    assert odd["Instances"] == []


def test_a_tally_leaves_out_pairs_with_their_reason_and_counts_them_apart() -> None:
    coverage = OutcomeCoverage(["StopInstance"])
    throttled = (Action.STOP_INSTANCE, ErrorCode.THROTTLING.value)
    failed = (Action.STOP_INSTANCE, ErrorCode.INTERNAL_ERROR.value)
    coverage.leave_out([("StopInstance", ErrorCode.THROTTLING.value)], "no faults")
    coverage.leave_out([throttled, failed], "no add_fault")  # the first reason stays
    assert coverage.left_out == {throttled: "no faults", failed: "no add_fault"}
    assert coverage.expected() == documented_outcomes(["StopInstance"]) - {throttled, failed}
    coverage.record("StopInstance", ErrorCode.INTERNAL_ERROR)  # reached after all: counted
    coverage.record("StopInstance", None)
    report = coverage.report()
    assert "StopInstance -> Throttling" in report
    assert report.count("LEFT OUT") == 1
    assert "  LEFT OUT: no faults" in report
    last = report.splitlines()[-1]
    total = len(coverage.expected())
    assert last == f"1 of {total} documented outcomes reached; 2 left out (no add_fault, no faults)"
    assert throttled not in coverage.missing()
    coverage.clear()
    assert coverage.left_out  # they describe the run, not its counts
