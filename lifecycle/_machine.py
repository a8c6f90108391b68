"""The one module that imports ``transitions``.

The ``transitions.Machine`` built here from ``_spec.TRANSITIONS`` is the
single definition of statuses and transitions. The model does not run it per
call: one trigger through ``transitions`` costs about 7 µs and a bound
machine per instance about 12-25 KB (``shared/reference/engine-notes.md``),
which a fleet of a million instances cannot pay. Instead, at import time the
machine is *compiled* into a flat table, ``TABLE[trigger][status] -> dest``,
and instances are plain records. ``reference_transition`` keeps the real
engine reachable, and the test suite proves the table and the engine agree
on every (trigger, status) pair.
"""

from __future__ import annotations

from typing import Final

from transitions import Machine, MachineError

from ._spec import INITIAL_STATUS, TRANSITIONS
from ._status import InstanceStatus
from .errors import SpecError

#: Statuses in code order: a record stores ``STATUSES.index(status)`` in one byte.
STATUSES: Final[tuple[InstanceStatus, ...]] = tuple(InstanceStatus)
STATUS_CODE: Final[dict[InstanceStatus, int]] = {s: i for i, s in enumerate(STATUSES)}
#: Table cell meaning "this trigger is not valid from this status".
NO_TRANSITION: Final = 255


def build_machine() -> Machine:
    """Build the specification machine: no model, no auto transitions, no callbacks.

    ``auto_transitions=False`` removes the ``to_<state>()`` shortcuts that would
    skip every precondition; ``model=None`` keeps the machine from decorating any
    object, so it can drive unregistered records.
    """
    return Machine(
        model=None,
        states=[status.value for status in STATUSES],
        transitions=TRANSITIONS,
        initial=INITIAL_STATUS.value,
        auto_transitions=False,
    )


def compile_table(machine: Machine) -> dict[str, bytes]:
    """Flatten ``machine`` into ``{trigger: bytes}``, one destination code per source status.

    Raises:
        SpecError: if the machine holds anything the flat table cannot express
            faithfully (guards, callbacks, internal or several transitions per
            source). The table can then never silently diverge from the machine.
    """
    table: dict[str, bytes] = {}
    for trigger, event in machine.events.items():
        row = bytearray([NO_TRANSITION] * len(STATUSES))
        for source, transitions in event.transitions.items():
            if len(transitions) != 1:
                raise SpecError(f"{trigger!r} has {len(transitions)} transitions from {source!r}")
            (transition,) = transitions
            if transition.dest is None:
                raise SpecError(f"{trigger!r} from {source!r} is an internal transition")
            callbacks = (transition.conditions, transition.prepare, transition.before)
            if any(callbacks) or transition.after:
                raise SpecError(f"{trigger!r} from {source!r} carries callbacks or guards")
            row[STATUS_CODE[InstanceStatus(source)]] = STATUS_CODE[InstanceStatus(transition.dest)]
        table[trigger] = bytes(row)
    return table


SPEC_MACHINE: Final = build_machine()
TABLE: Final = compile_table(SPEC_MACHINE)


class _Probe:
    """An unregistered model: transitions reads and writes ``state`` and nothing else."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def reference_transition(trigger: str, status: InstanceStatus) -> InstanceStatus | None:
    """Fire ``trigger`` on a record in ``status`` through the real ``transitions`` engine.

    This is the slow path (about 7 µs): it exists so that tests and curious
    users can check the compiled table against the engine itself.

    Returns:
        The destination status, or ``None`` where the engine refuses the
        trigger from this status. ``MachineError`` never leaves this module;
        callers map ``None`` to ``IncorrectInstanceStatus``.
    """
    probe = _Probe(status.value)
    try:
        SPEC_MACHINE.events[trigger].trigger(probe)
    except MachineError:
        return None
    return InstanceStatus(probe.state)


def mermaid_diagram() -> str:
    """The state diagram as Mermaid ``stateDiagram-v2`` text, drawn by transitions' mermaid backend.

    Styling lines (``classDef``/``Class``) are dropped: they mark the machine's
    current state, which means nothing for a diagram of the specification.
    """
    # Imported here: the diagram extension is only needed for documentation.
    from transitions.extensions.diagrams import GraphMachine  # noqa: PLC0415

    graph_machine = GraphMachine(
        states=[status.value for status in STATUSES],
        transitions=TRANSITIONS,
        initial=INITIAL_STATUS.value,
        auto_transitions=False,
        graph_engine="mermaid",
        title="ECS instance status",
    )
    text: str = graph_machine.get_graph().draw(None)
    kept = [
        line.rstrip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith(("classDef", "Class "))
    ]
    return "\n".join(kept) + "\n"
