"""``lifecycle._rules``: compiling the precedence and deciding from facts."""

from __future__ import annotations

import pytest

import lifecycle
from lifecycle import _rules
from lifecycle._spec import PRECEDENCE, Check, Clause, Fact, Rule
from lifecycle.errors import ErrorCode, SpecError

START = lifecycle.Action.START_INSTANCE


def _compile_with(monkeypatch: pytest.MonkeyPatch, rules: tuple[Rule, ...]) -> None:
    monkeypatch.setitem(PRECEDENCE, START, rules)
    _rules.compile_precedence(START)


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        (
            (Rule(Check.DISKS, ErrorCode.TOO_MANY_INSTANCE_IDS, (Clause(Fact.PENDING),)),),
            "not in its error table",
        ),
        (
            (Rule(Check.STATUS, ErrorCode.INCORRECT_INSTANCE_STATUS), PRECEDENCE[START][0]),
            "follows an instance check",
        ),
        ((Rule(Check.DISKS, ErrorCode.DISK_ERROR),), "no fails_when clause"),
        ((PRECEDENCE[START][3], PRECEDENCE[START][2]), "out of order"),
    ],
    ids=["unknown-code", "request-after-instance", "no-clause", "request-out-of-order"],
)
def test_precedence_that_the_model_cannot_honour_is_refused_at_compile_time(
    monkeypatch: pytest.MonkeyPatch, rules: tuple[Rule, ...], fragment: str
) -> None:
    with pytest.raises(SpecError, match=fragment):
        _compile_with(monkeypatch, rules)


def test_a_clause_fails_only_with_all_its_facts_and_none_of_its_exclusions() -> None:
    running = lifecycle._machine.STATUS_CODE[lifecycle.InstanceStatus.STOPPED]
    local = int(Fact.LOCAL_DISK_ABNORMAL)
    recoverable = int(Fact.LOCAL_DISK_RECOVERABLE)
    assert _rules.first_failure(START, local, running) is ErrorCode.DISK_ERROR
    assert _rules.first_failure(START, local | recoverable, running) is None
    assert _rules.first_failure(START, recoverable, running) is None


def test_describe_has_no_instance_steps() -> None:
    compiled = _rules.COMPILED[lifecycle.Action.DESCRIBE_INSTANCE_STATUS]
    assert compiled.instance_steps == ()
    assert compiled.trigger_row is None


@pytest.mark.parametrize(
    ("instance_type", "family"),
    [
        ("ecs.d1.2xlarge", "d1"),
        ("ecs.i1.c10d1.8xlarge", "i1"),
        ("d1", "d1"),
        ("g7.large", "g7.large"),
    ],
)
def test_family_is_the_middle_of_an_ecs_instance_type(instance_type: str, family: str) -> None:
    assert _rules.family_of(instance_type) == family


def test_precedence_lists_checks_with_their_codes_in_order() -> None:
    listed = lifecycle.precedence("RebootInstance")
    assert [check for check, _ in listed] == [
        rule.check for rule in PRECEDENCE[lifecycle.Action.REBOOT_INSTANCE]
    ]
    assert listed[-1] == (Check.DISKS, ErrorCode.DISK_ERROR)


def test_a_clause_that_requires_no_fact_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = Rule(Check.DISKS, ErrorCode.DISK_ERROR, (Clause(Fact(0)),))
    with pytest.raises(SpecError, match="requiring no fact"):
        _compile_with(monkeypatch, (rule,))
