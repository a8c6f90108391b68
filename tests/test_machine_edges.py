"""``lifecycle._machine`` at its edges: the machine and table built afresh, refusals named.

The module builds its machine and table once, at import. These tests build them
again at test time and hold them to ``specs/lifecycle.toml``, so that the
builders themselves are checked, not only the objects they made at import.
"""

from __future__ import annotations

import logging

import pytest
from transitions import Machine, MachineError

import lifecycle
from lifecycle._machine import (
    GUARDS,
    NO_TRANSITION,
    STATES,
    STATUSES,
    TABLE,
    build_machine,
    compile_table,
    mermaid_diagram,
)
from tests.reference import load

LIFECYCLE = load("lifecycle.toml")


def _table_from_specs() -> dict[str, bytes]:
    """``TABLE`` as ``specs/lifecycle.toml`` states it, built without the package's code."""
    names: list[str] = LIFECYCLE["machine_states"]
    table: dict[str, bytearray] = {}
    for transition in LIFECYCLE["transitions"]:
        row = table.setdefault(transition["trigger"], bytearray([NO_TRANSITION] * len(names)))
        source = transition["source"]
        for one in source if isinstance(source, list) else [source]:
            row[names.index(one)] = names.index(transition["dest"])
    return {trigger: bytes(row) for trigger, row in table.items()}


def test_a_freshly_built_machine_compiles_to_the_table_the_specs_describe() -> None:
    table = compile_table(build_machine())
    assert table == _table_from_specs()
    assert table == TABLE


def test_the_built_machine_has_the_documented_states_initial_status_and_no_model() -> None:
    """``model=None``: the machine decorates no object, not even itself."""
    machine = build_machine()
    assert list(machine.states) == LIFECYCLE["machine_states"]
    assert list(machine.states)[: len(STATUSES)] == LIFECYCLE["statuses"]
    assert machine.initial == LIFECYCLE["initial"]
    assert machine.models == []
    assert not machine.auto_transitions


def test_the_built_machine_refuses_a_trigger_from_a_status_it_does_not_leave() -> None:
    # The probe passes every guard the transition names, so only the source decides.
    guards = {name: lambda *args, **kwargs: True for name in GUARDS["start"]}
    probe = type("Probe", (), {"state": "Stopped", **guards})()
    machine = build_machine()
    machine.events["start"].trigger(probe)
    assert probe.state == "Starting"
    with pytest.raises(MachineError):
        machine.events["start"].trigger(probe)


def _machine(**transition: object) -> Machine:
    return Machine(
        model=None,
        states=[s.value for s in STATUSES],
        transitions=[{"trigger": "t", "source": "Stopped", "dest": "Starting", **transition}],
        initial="Stopped",
        auto_transitions=False,
    )


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ({"dest": None}, "'t' from 'Stopped' is an internal transition"),
        ({"unless": "guard"}, "'t' from 'Stopped' carries callbacks or unless"),
        ({"after": "callback"}, "'t' from 'Stopped' carries callbacks or unless"),
    ],
    ids=["internal", "guard", "after"],
)
def test_a_refused_machine_is_named_by_trigger_and_source(
    extra: dict[str, object], complaint: str
) -> None:
    with pytest.raises(lifecycle.SpecError) as refused:
        compile_table(_machine(**extra))
    assert str(refused.value) == complaint


def test_a_machine_with_one_plain_transition_compiles_to_one_cell() -> None:
    """Every other cell of the row says "not from here"."""
    (row,) = compile_table(_machine()).values()
    expected = bytearray([NO_TRANSITION] * len(STATES))
    expected[STATUSES.index(lifecycle.InstanceStatus.STOPPED)] = STATUSES.index(
        lifecycle.InstanceStatus.STARTING
    )
    assert row == bytes(expected)


def test_the_diagram_is_drawn_by_the_mermaid_backend_without_falling_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Asking transitions for its default (graphviz) engine logs a fallback warning."""
    with caplog.at_level(logging.WARNING, logger="transitions"):
        text = mermaid_diagram()
    assert "stateDiagram-v2" in text
    assert not [record for record in caplog.records if "graphviz" in record.getMessage()]
