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
    compile_table,
    reference_transition,
)
from lifecycle._spec import TRANSITIONS


@pytest.mark.parametrize("trigger", sorted(SPEC_MACHINE.events))
@pytest.mark.parametrize("status", list(lifecycle.InstanceStatus))
def test_compiled_table_agrees_with_the_transitions_engine(
    trigger: str, status: lifecycle.InstanceStatus
) -> None:
    cell = TABLE[trigger][STATUSES.index(status)]
    expected = reference_transition(trigger, status)
    assert (None if cell == NO_TRANSITION else STATUSES[cell]) == expected


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
        {"conditions": "guard"},
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
