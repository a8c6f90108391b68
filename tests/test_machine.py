"""``lifecycle._machine``: the transitions machine, its compiled table, the diagram."""

from __future__ import annotations

import pytest
from transitions import Machine

import lifecycle
from lifecycle._machine import (
    NO_TRANSITION,
    SPEC_MACHINE,
    STATUSES,
    TABLE,
    compile_guards,
    compile_table,
    reference_transition,
)
from lifecycle._rules import first_failure
from lifecycle._spec import ACTION_TRIGGERS, TRANSITIONS, Fact


@pytest.mark.parametrize("trigger", sorted(SPEC_MACHINE.events))
@pytest.mark.parametrize("status", list(lifecycle.InstanceStatus))
def test_compiled_table_agrees_with_the_transitions_engine(
    trigger: str, status: lifecycle.InstanceStatus
) -> None:
    cell = TABLE[trigger][STATUSES.index(status)]
    expected = reference_transition(trigger, status)
    assert (None if cell == NO_TRANSITION else STATUSES[cell]) == expected


@pytest.mark.parametrize("action", sorted(ACTION_TRIGGERS))
def test_the_engine_allows_a_transition_exactly_when_the_compiled_model_does(
    action: lifecycle.Action,
) -> None:
    """Every status and every combination of facts: the machine's sources and guards,
    fired through transitions itself, against the compiled precedence the model runs."""
    trigger = ACTION_TRIGGERS[action]
    every_fact = 1 << len(Fact)
    allowed = 0
    for status in lifecycle.InstanceStatus:
        code = STATUSES.index(status)
        for facts in range(every_fact):
            engine = reference_transition(trigger, status, facts)
            compiled = first_failure(action, facts, code)
            assert (engine is None) == (compiled is not None), (status, Fact(facts), compiled)
            if engine is not None:
                allowed += 1
                assert engine is STATUSES[TABLE[trigger][code]]
    # Some combinations pass and most do not: the check is not vacuous either way.
    assert 0 < allowed < every_fact


def test_the_spec_machine_has_no_auto_transitions() -> None:
    assert not any(trigger.startswith("to_") for trigger in SPEC_MACHINE.events)
    assert set(SPEC_MACHINE.events) == {t["trigger"] for t in TRANSITIONS}


def _machine(**transition: object) -> Machine:
    return Machine(
        model=None,
        states=[s.value for s in STATUSES],
        transitions=[{"trigger": "t", "source": "Stopped", "dest": "Starting", **transition}],
        initial="Stopped",
        auto_transitions=False,
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"conditions": lambda: True},
        {"unless": "guard"},
        {"before": "callback"},
        {"after": "callback"},
        {"prepare": "callback"},
        {"dest": None},
    ],
    ids=["conditions", "unless", "before", "after", "prepare", "internal"],
)
def test_compile_refuses_what_a_flat_table_cannot_express(extra: dict[str, object]) -> None:
    with pytest.raises(lifecycle.SpecError):
        compile_table(_machine(**extra))


def test_named_conditions_compile_into_the_guards_in_order() -> None:
    machine = _machine(conditions=["not_security_locked", "disks"])
    assert compile_guards(machine) == {"t": ("not_security_locked", "disks")}
    assert compile_table(machine) == compile_table(_machine())


def test_compile_refuses_a_trigger_whose_sources_name_different_guards() -> None:
    machine = _machine(conditions=["disks"])
    machine.add_transition("t", "Running", "Starting", conditions=["balance"])
    with pytest.raises(lifecycle.SpecError, match="different guards"):
        compile_guards(machine)


def test_compile_refuses_two_transitions_from_one_source() -> None:
    machine = _machine()
    machine.add_transition("t", "Stopped", "Running")
    with pytest.raises(lifecycle.SpecError, match="2 transitions"):
        compile_table(machine)


def test_mermaid_diagram_draws_every_transition_and_no_styling() -> None:
    text = lifecycle.mermaid_diagram()
    assert "stateDiagram-v2" in text
    for transition in TRANSITIONS:
        assert f"{transition['source']} --> {transition['dest']}: {transition['trigger']}" in text
    assert "classDef" not in text
    assert "Class " not in text


def test_the_probe_answers_only_the_guards_of_its_trigger() -> None:
    from lifecycle._machine import _GUARD_RULES, _Probe  # noqa: PLC0415

    probe = _Probe("Stopped", _GUARD_RULES["start"], 0)
    assert probe.disks() is True
    with pytest.raises(AttributeError):
        _ = probe.balance_of_nature


def test_a_precedence_row_whose_fact_checks_are_not_the_guards_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lifecycle import _machine, _rules  # noqa: PLC0415

    monkeypatch.setitem(_machine.GUARDS, "start", ("not_security_locked",))
    with pytest.raises(lifecycle.SpecError, match="are not its transition's guards"):
        _rules.compile_precedence(lifecycle.Action.START_INSTANCE)
