"""The one module that imports ``transitions``.

The ``transitions.Machine`` built here from ``_spec.TRANSITIONS`` is the
single definition of statuses, transitions and the guards each transition
names as its ``conditions``. The model does not run it per
call: one trigger through ``transitions`` costs about 7 µs and a bound
machine per instance about 12-25 KB (``shared/reference/engine-notes.md``),
which a fleet of a million instances cannot pay. Instead, at import time the
machine is *compiled* into a flat table, ``TABLE[trigger][status] -> dest``,
plus ``GUARDS[trigger]``, the names of the conditions that must hold, and
instances are plain records. ``reference_transition`` keeps the real engine
reachable (guards included), and the test suite proves the compiled model and
the engine agree on every (action, status, condition) combination.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from transitions import Machine, MachineError

from ._spec import (
    ACTION_TRIGGERS,
    FORCED_TRIGGERS,
    INITIAL_STATUS,
    NEW,
    PRECEDENCE,
    RELEASED,
    TRANSITIONS,
    Rule,
)
from ._status import InstanceStatus
from .errors import SpecError

#: Statuses in code order: a record stores ``STATUSES.index(status)`` in one byte.
STATUSES: Final[tuple[InstanceStatus, ...]] = tuple(InstanceStatus)
STATUS_CODE: Final[dict[InstanceStatus, int]] = {s: i for i, s in enumerate(STATUSES)}
#: Every state of the machine: the five statuses, then ``New`` (before creation) and
#: ``Released`` (after deletion), which no instance is ever shown in.
STATES: Final[tuple[str, ...]] = (*(s.value for s in STATUSES), NEW, RELEASED)
STATE_CODE: Final[dict[str, int]] = {state: i for i, state in enumerate(STATES)}
NEW_CODE: Final = STATE_CODE[NEW]
RELEASED_CODE: Final = STATE_CODE[RELEASED]
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
        states=list(STATES),
        transitions=TRANSITIONS,
        initial=INITIAL_STATUS,
        auto_transitions=False,
    )


def compile_table(machine: Machine) -> dict[str, bytes]:
    """Flatten ``machine`` into ``{trigger: bytes}``, one destination code per source status.

    Raises:
        SpecError: if the machine holds anything the flat table cannot express
            faithfully (callbacks, ``unless``, internal or several transitions per
            source, or a trigger whose sources name different guards). The table
            can then never silently diverge from the machine.
    """
    return {trigger: row for trigger, (row, _) in _compile(machine).items()}


def compile_guards(machine: Machine) -> dict[str, tuple[str, ...]]:
    """``{trigger: guard names}``: the conditions each trigger's transitions name, in order.

    Raises:
        SpecError: as ``compile_table``.
    """
    return {trigger: guards for trigger, (_, guards) in _compile(machine).items()}


def _compile(machine: Machine) -> dict[str, tuple[bytes, tuple[str, ...]]]:
    compiled: dict[str, tuple[bytes, tuple[str, ...]]] = {}
    for trigger, event in machine.events.items():
        row = bytearray([NO_TRANSITION] * len(STATES))
        guards: set[tuple[str, ...]] = set()
        for source, transitions in event.transitions.items():
            if len(transitions) != 1:
                raise SpecError(f"{trigger!r} has {len(transitions)} transitions from {source!r}")
            (transition,) = transitions
            if transition.dest is None:
                raise SpecError(f"{trigger!r} from {source!r} is an internal transition")
            callbacks = (transition.prepare, transition.before, transition.after)
            conditions = transition.conditions
            if any(callbacks) or not all(isinstance(c.func, str) and c.target for c in conditions):
                raise SpecError(f"{trigger!r} from {source!r} carries callbacks or unless")
            guards.add(tuple(str(c.func) for c in conditions))
            row[STATE_CODE[source]] = STATE_CODE[transition.dest]
        if len(guards) > 1:
            raise SpecError(f"{trigger!r} names different guards from different sources")
        compiled[trigger] = (bytes(row), guards.pop() if guards else ())
    return compiled


SPEC_MACHINE: Final = build_machine()
TABLE: Final = compile_table(SPEC_MACHINE)
GUARDS: Final = compile_guards(SPEC_MACHINE)
#: The rule each guard name stands for, per trigger: the action's ``PRECEDENCE`` row.
_GUARD_RULES: Final[dict[str, dict[str, Rule]]] = {
    trigger: {rule.check.value: rule for rule in PRECEDENCE[action]}
    for triggers in (ACTION_TRIGGERS, FORCED_TRIGGERS)
    for action, trigger in triggers.items()
}


class _Probe:
    """An unregistered model: transitions reads and writes ``state`` and asks it the guards.

    Each guard name resolves (``getattr``, as transitions resolves string
    conditions) to a function that holds when no ``fails_when`` clause of its
    ``PRECEDENCE`` rule matches ``facts``.
    """

    __slots__ = ("facts", "rules", "state")

    def __init__(self, state: str, rules: dict[str, Rule], facts: int) -> None:
        self.state = state
        self.rules = rules
        self.facts = facts

    def __getattr__(self, name: str) -> Callable[..., bool]:
        rule = self.rules.get(name)
        if rule is None:
            raise AttributeError(name)
        facts = self.facts
        holds = not any(
            facts & c.all_of == c.all_of and not facts & c.none_of for c in rule.fails_when
        )
        return lambda *args, **kwargs: holds


def reference_transition(trigger: str, status: str, facts: int = 0) -> str | None:
    """Fire ``trigger`` on a record in ``status`` through the real ``transitions`` engine.

    This is the slow path (about 7 µs): it exists so that tests and curious
    users can check the compiled model against the engine itself.

    Args:
        trigger: A trigger of the machine (``start``, ``finish_starting``, ...).
        status: The record's state: an ``InstanceStatus``, ``New`` or ``Released``.
        facts: The ``Fact`` flags the guards read (none by default: every guard holds).

    Returns:
        The destination state (an ``InstanceStatus`` where it is one), or
        ``None`` where the engine refuses the trigger from this status or a
        guard does not hold. ``MachineError`` never leaves this module.
    """
    probe = _Probe(str(status), _GUARD_RULES.get(trigger, {}), int(facts))
    try:
        moved = SPEC_MACHINE.events[trigger].trigger(probe)
    except MachineError:
        return None
    if not moved:
        return None
    state: str = probe.state
    return InstanceStatus(state) if state in _STATUS_VALUES else state


_STATUS_VALUES: Final = frozenset(s.value for s in STATUSES)


def mermaid_diagram() -> str:
    """The state diagram as Mermaid ``stateDiagram-v2`` text, drawn by transitions' mermaid backend.

    Styling lines (``classDef``/``Class``) are dropped: they mark the machine's
    current state, which means nothing for a diagram of the specification.
    """
    # Imported here: the diagram extension is only needed for documentation.
    from transitions.extensions.diagrams import GraphMachine  # noqa: PLC0415

    graph_machine = GraphMachine(
        states=list(STATES),
        transitions=TRANSITIONS,
        initial=INITIAL_STATUS,
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        title="ECS instance status",
    )
    text: str = graph_machine.get_graph().draw(None)
    kept = [
        line.rstrip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith(("classDef", "Class "))
    ]
    return "\n".join(kept) + "\n"
