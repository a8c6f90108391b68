"""``lifecycle._machine``: the transitions machine, its compiled table, the diagram."""

from __future__ import annotations

import pytest
from transitions import Machine

import lifecycle
from lifecycle._machine import (
    GUARDS,
    NEW_CODE,
    NO_TRANSITION,
    SPEC_MACHINE,
    STATES,
    STATUSES,
    TABLE,
    compile_guards,
    compile_table,
    reference_transition,
)
from lifecycle._rules import COMPILED, FORCED, CompiledPrecedence, decide
from lifecycle._spec import ACTION_TRIGGERS, FORCED_TRIGGERS, NEW, PRECEDENCE, TRANSITIONS, Fact


@pytest.mark.parametrize("trigger", sorted(SPEC_MACHINE.events))
@pytest.mark.parametrize("state", STATES)
def test_compiled_table_agrees_with_the_transitions_engine(trigger: str, state: str) -> None:
    cell = TABLE[trigger][STATES.index(state)]
    expected = reference_transition(trigger, state)
    assert (None if cell == NO_TRANSITION else STATES[cell]) == expected


def _mentioned(action: lifecycle.Action) -> int:
    """Every fact a clause of the action's precedence reads (required or forbidden)."""
    facts = 0
    for rule in PRECEDENCE[action]:
        for clause in rule.fails_when:
            facts |= clause.all_of | clause.none_of
    return facts


def _subsets(mask: int) -> list[int]:
    found, subset = [0], mask
    while subset:
        found.append(subset)
        subset = (subset - 1) & mask
    return found


_FIRED = sorted(
    [(action, trigger, COMPILED[action]) for action, trigger in ACTION_TRIGGERS.items()]
    + [(action, trigger, FORCED[action]) for action, trigger in FORCED_TRIGGERS.items()]
)


@pytest.mark.parametrize(("action", "trigger", "compiled"), _FIRED, ids=[t for _, t, _ in _FIRED])
def test_the_engine_allows_a_transition_exactly_when_the_compiled_model_does(
    action: lifecycle.Action, trigger: str, compiled: CompiledPrecedence
) -> None:
    """Every state and every combination of the facts the action reads: the machine's
    sources and guards, fired through transitions itself, against the compiled
    precedence the model runs. A creation is only ever decided from ``New``."""
    creation = TABLE[trigger][NEW_CODE] != NO_TRANSITION
    states = [NEW] if creation else [s for s in STATES if s != NEW]
    combinations = _subsets(_mentioned(action))
    allowed = 0
    for state in states:
        code = STATES.index(state)
        for facts in combinations:
            engine = reference_transition(trigger, state, facts)
            decided = decide(compiled, facts, code)
            assert (engine is None) == (decided is not None), (state, Fact(facts), decided)
            if engine is not None:
                allowed += 1
                assert engine == STATES[TABLE[trigger][code]]
    # Some combinations pass and most do not: the check is not vacuous either way.
    assert 0 < allowed < len(states) * len(combinations)


def test_every_fact_a_guard_reads_is_one_the_action_mentions() -> None:
    # The exhaustive check above walks only the facts an action's clauses name: a guard
    # reading any other fact would escape it. The probe reads exactly the clauses.
    for action, trigger in ACTION_TRIGGERS.items():
        assert set(GUARDS[trigger]) <= {rule.check.value for rule in PRECEDENCE[action]}


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
    lines = text.splitlines()
    for transition in TRANSITIONS:
        source = transition["source"]
        for one in source if isinstance(source, list) else [source]:
            arrow = f"{one} --> {transition['dest']}: "
            drawn = [line for line in lines if line.strip().startswith(arrow)]
            assert any(transition["trigger"] in line for line in drawn), (arrow, transition)
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
