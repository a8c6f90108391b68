"""``lifecycle._rules`` at its edges: precedence compiled afresh and held to ``specs/``.

``COMPILED`` is built once, at import. These tests compile each action again at
test time and compare every field with what ``specs/operations/*.toml`` says,
then check the compiled form decides every combination of facts and statuses
exactly as the spec's ordered ``[[precedence]]`` list does.
"""

from __future__ import annotations

import itertools
from functools import reduce
from typing import Any

import pytest

import lifecycle
from lifecycle import _rules
from lifecycle._machine import NO_TRANSITION, STATES, STATUSES, TABLE
from lifecycle._spec import ERRORS, Check, ErrorEntry, Fact, _cite
from lifecycle.errors import ErrorCode
from tests.reference import operation

ACTIONS = list(lifecycle.Action)
MUTATING = [a for a in ACTIONS if a is not lifecycle.Action.DESCRIBE_INSTANCE_STATUS]
#: Checks decided from the request alone (no ``fails_when``, not the status).
REQUEST_CHECKS = {c.value for c in _rules.REQUEST_STAGE}


def fact_bits(names: list[str]) -> int:
    """The ``Fact`` flags the spec names ``names`` stand for (``pending`` -> ``Fact.PENDING``)."""
    return reduce(lambda bits, name: bits | int(Fact[name.upper()]), names, 0)


def _instance_rules(action: lifecycle.Action) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = operation(action.value)["precedence"]
    return [rule for rule in rules if rule["check"] not in REQUEST_CHECKS]


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_a_fresh_compilation_splits_the_spec_into_request_and_instance_stages(
    action: lifecycle.Action,
) -> None:
    spec = operation(action.value)
    compiled = _rules.compile_precedence(action)
    assert compiled.request_stage == tuple(
        Check(rule["check"]) for rule in spec["precedence"] if rule["check"] in REQUEST_CHECKS
    )
    steps = []
    for rule in _instance_rules(action):
        if rule["check"] == "status":
            steps.append((_rules.STATUS_STEP, 0, ErrorCode(rule["error"])))
        for clause in rule.get("fails_when", []):
            steps.append(
                (
                    fact_bits(clause.get("all", [])),
                    fact_bits(clause.get("none", [])),
                    ErrorCode(rule["error"]),
                )
            )
    assert compiled.instance_steps == tuple(steps)
    assert compiled == _rules.COMPILED[action]


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_a_fresh_compilation_knows_its_trigger_row_relevant_facts_and_status_code(
    action: lifecycle.Action,
) -> None:
    """``relevant`` is every fact some clause requires; ``status_code`` the status rule's."""
    spec = operation(action.value)
    compiled = _rules.compile_precedence(action)
    # A batch action's own row is its request stage; its instances use its single action's.
    trigger = None if "single" in spec else spec.get("trigger")
    assert compiled.trigger_row == (None if trigger is None else TABLE[trigger])
    required = [
        name
        for rule in spec["precedence"]
        for clause in rule.get("fails_when", [])
        for name in clause.get("all", [])
    ]
    assert compiled.relevant == fact_bits(required)
    status_rules = [rule["error"] for rule in spec["precedence"] if rule["check"] == "status"]
    assert compiled.status_code == (ErrorCode(status_rules[0]) if status_rules else None)


def _spec_decision(action: lifecycle.Action, facts: int, status: lifecycle.InstanceStatus) -> str:
    """The first failing instance-stage rule of the spec, or "ok"."""
    spec = operation(action.value)
    for rule in _instance_rules(action):
        if rule["check"] == "status":
            failed = status.value not in spec["accepts"]
        else:
            failed = any(
                facts & fact_bits(c.get("all", [])) == fact_bits(c.get("all", []))
                and not facts & fact_bits(c.get("none", []))
                for c in rule["fails_when"]
            )
        if failed:
            return str(rule["error"])
    return "ok"


@pytest.mark.parametrize("action", MUTATING, ids=str)
def test_a_fresh_compilation_decides_every_fact_set_and_status_as_the_spec(
    action: lifecycle.Action,
) -> None:
    """All 512 sets of the nine facts, in each of the five statuses."""
    compiled = _rules.compile_precedence(action)
    for bits in itertools.product((0, 1), repeat=len(Fact)):
        facts = sum(bit << position for position, bit in enumerate(bits))
        for code, status in enumerate(STATUSES):
            decided = _rules.decide(compiled, facts, code)
            assert (decided or "ok") == _spec_decision(action, facts, status), (facts, status)


def test_an_action_without_a_trigger_fails_its_status_check_from_every_status() -> None:
    """A status rule with no trigger row can never pass: no status is one it leaves from."""
    start = _rules.COMPILED[lifecycle.Action.START_INSTANCE]
    no_row = _rules.CompiledPrecedence(
        request_stage=start.request_stage,
        instance_steps=start.instance_steps,
        trigger_row=None,
        relevant=start.relevant,
        status_code=start.status_code,
    )
    for code in range(len(STATUSES)):
        assert _rules.decide(no_row, 0, code) is ErrorCode.INCORRECT_INSTANCE_STATUS
        locked = int(Fact.SECURITY_LOCKED)
        assert _rules.decide(no_row, locked, code) is ErrorCode.INSTANCE_LOCKED_FOR_SECURITY
        irrelevant = int(Fact.FORCE_STOP)  # no StartInstance clause requires it
        assert _rules.decide(no_row, irrelevant, code) is ErrorCode.INCORRECT_INSTANCE_STATUS


def test_every_status_a_trigger_does_not_leave_from_is_marked_in_its_row() -> None:
    for trigger, row in TABLE.items():
        assert len(row) == len(STATES), trigger
        assert NO_TRANSITION in row, trigger


def test_citing_an_entry_under_another_source_keeps_everything_else() -> None:
    entry = ERRORS[lifecycle.Action.START_INSTANCE][ErrorCode.DISK_ERROR]
    cited = _cite(entry, "elsewhere")
    assert cited == ErrorEntry(entry.http_status, entry.message, entry.meaning, "elsewhere")
