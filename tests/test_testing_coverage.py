"""``OutcomeCoverage`` and the documented (action, outcome) pairs."""

from __future__ import annotations

import pytest

import lifecycle
from lifecycle import Action, ErrorCode, InvalidArgument
from lifecycle.testing import (
    SUCCESS,
    Outcome,
    OutcomeCoverage,
    assert_documented_outcomes_reached,
    documented_outcomes,
)
from lifecycle.testing._coverage import COVERED


def test_the_documented_pairs_are_each_error_table_code_and_success() -> None:
    pairs = documented_outcomes()
    for action in COVERED:
        codes = {outcome for a, outcome in pairs if a is action}
        assert codes == {SUCCESS} | {code.value for code in lifecycle.error_table(action)}
    # The actions the harness does not generate yet are left out, not half-listed.
    assert {a for a, _ in pairs} == set(COVERED)
    everything = documented_outcomes(list(Action))
    assert {a for a, _ in everything} == set(Action)
    assert documented_outcomes(["StopInstance"]) == {
        p for p in pairs if p[0].value == "StopInstance"
    }


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
