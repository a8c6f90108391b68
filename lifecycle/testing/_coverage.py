"""Which (action, outcome) pairs a run exercised, against the ones the documents list.

The documented pairs come from the package's own error tables
(``lifecycle.error_table``): every code an action's table lists, plus
``Success``. A pair is *reached* when some call answered it. A batch action
(StartInstances, StopInstances, RebootInstances) answered with ``SuccessFirst``
succeeds as a request and answers each instance on its own: every per-instance
error code its ``InstanceResponses`` carry is reached too, as that action's pair.

A tally may *leave out* documented pairs its run cannot reach by design (a
``DifferentialMachine`` that sends no invalid requests or injects no faults):
``leave_out`` records them with the reason, ``missing`` and
``assert_documented_outcomes_reached`` then do not expect them, and ``report``
lists them as left out, saying why.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final

from .. import Action, error_table
from .._status import resolve_action
from ..errors import InvalidArgument
from ._outcomes import items_of

#: Every action the model answers, in ``Action`` order: what the strategies draw,
#: ``check_history`` understands and the coverage report lists by default.
ACTIONS: Final = tuple(Action)
#: The actions real clients watch and drive fleets with (issue #9). A
#: ``DifferentialMachine`` sends them only when its ``actions`` include them: a
#: fake written before them would fail on its first such call.
FLEET_ACTIONS: Final = (
    Action.DESCRIBE_INSTANCES,
    Action.DESCRIBE_INSTANCE_ATTRIBUTE,
    Action.START_INSTANCES,
    Action.STOP_INSTANCES,
    Action.REBOOT_INSTANCES,
)
#: The actions that create, renew, reactivate and release instances (issue #13).
#: Opt-in for a ``DifferentialMachine`` as the fleet actions are, for the same reason.
LIFECYCLE_ACTIONS: Final = (
    Action.RUN_INSTANCES,
    Action.CREATE_INSTANCE,
    Action.DELETE_INSTANCE,
    Action.DELETE_INSTANCES,
    Action.RENEW_INSTANCE,
    Action.REACTIVATE_INSTANCES,
)
#: The actions a ``DifferentialMachine`` sends unless its ``actions`` say otherwise.
MACHINE_ACTIONS: Final = tuple(
    a for a in ACTIONS if a not in FLEET_ACTIONS and a not in LIFECYCLE_ACTIONS
)

__all__ = [
    "ACTIONS",
    "FLEET_ACTIONS",
    "LIFECYCLE_ACTIONS",
    "SUCCESS",
    "OutcomeCoverage",
    "assert_documented_outcomes_reached",
    "documented_outcomes",
]

#: The outcome name of a call that succeeded.
SUCCESS = "Success"

Pair = tuple[Action, str]


def resolve_actions(actions: Iterable[Action | str]) -> tuple[Action, ...]:
    """``actions`` as distinct ``Action`` values, in ``Action`` order; at least one.

    Raises:
        InvalidArgument: for an empty choice, a str given as the whole choice, or
            a name that is no action.
    """
    if isinstance(actions, str) or not isinstance(actions, Iterable):
        raise InvalidArgument(
            f"actions={actions!r}: expected a collection of actions, such as [{actions!r}]"
        )
    chosen = {resolve_action(a) for a in actions}
    if not chosen:
        raise InvalidArgument("actions: expected at least one action")
    return tuple(a for a in ACTIONS if a in chosen)


def documented_outcomes(actions: Iterable[Action | str] | None = None) -> frozenset[Pair]:
    """Every (action, outcome) pair the documents list: each error code, and ``Success``.

    Args:
        actions: The actions to include (default: ``ACTIONS``, every one).
    """
    chosen = ACTIONS if actions is None else resolve_actions(actions)
    return frozenset(
        (action, outcome)
        for action in chosen
        for outcome in (SUCCESS, *(code.value for code in error_table(action)))
    )


class OutcomeCoverage:
    """A tally of the (action, outcome) pairs calls answered. Thread-safe.

    ``DifferentialMachine`` subclasses keep one as ``cls.coverage`` across every
    example of a run, recording what the *model* answered.

    Args:
        actions: The actions whose documented pairs ``missing``, ``report`` and
            ``assert_documented_outcomes_reached`` compare against by default
            (default: ``ACTIONS``). A machine's tally uses the machine's actions.
    """

    def __init__(self, actions: Iterable[Action | str] | None = None) -> None:
        self._counts: Counter[Pair] = Counter()
        self._left_out: dict[Pair, str] = {}
        self._lock = threading.Lock()
        self.actions: tuple[Action, ...] = ACTIONS if actions is None else resolve_actions(actions)

    def leave_out(self, pairs: Iterable[tuple[Action | str, str]], why: str) -> None:
        """Do not expect ``pairs``: the run cannot reach them by design, because ``why``.

        ``missing``, ``report`` and ``assert_documented_outcomes_reached`` then
        measure against the documented pairs without them; ``report`` lists
        them as left out with ``why``. A pair already left out keeps its first
        reason. ``clear`` keeps them: they describe the run, not its counts.
        """
        resolved = [(resolve_action(action), outcome) for action, outcome in pairs]
        with self._lock:
            for pair in resolved:
                self._left_out.setdefault(pair, why)

    @property
    def left_out(self) -> Mapping[Pair, str]:
        """The pairs ``leave_out`` took away, each with its reason."""
        with self._lock:
            return dict(self._left_out)

    def expected(self) -> frozenset[Pair]:
        """The documented pairs of ``self.actions`` but those left out: what a run should reach."""
        return documented_outcomes(self.actions) - set(self.left_out)

    def record(self, action: Action | str, outcome: object) -> None:
        """Count one call of ``action`` that answered ``outcome``.

        Args:
            action: The action.
            outcome: An error code (``ErrorCode`` or its value), ``None`` or
                ``"Success"`` for success, or an ``Outcome`` (its ``label``). A
                batch action's successful ``Outcome`` also counts each
                per-instance error code its body carries.
        """
        resolved = resolve_action(action)
        label = getattr(outcome, "label", outcome)
        if label is None:
            label = SUCCESS
        if not isinstance(label, str) or not label:
            raise InvalidArgument(f"outcome={outcome!r}: expected an error code or None")
        labels = [str(label), *_per_instance_codes(getattr(outcome, "body", None))]
        with self._lock:
            self._counts.update((resolved, each) for each in labels)

    def update(self, other: OutcomeCoverage) -> None:
        """Add every count of ``other`` to this tally."""
        counts = other.counts()
        with self._lock:
            self._counts.update(counts)

    def clear(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()

    def counts(self) -> Mapping[Pair, int]:
        """How many calls answered each pair."""
        with self._lock:
            return dict(self._counts)

    @property
    def pairs(self) -> frozenset[Pair]:
        """Every pair answered at least once."""
        with self._lock:
            return frozenset(self._counts)

    def missing(self, documented: Iterable[Pair] | None = None) -> frozenset[Pair]:
        """The documented pairs no call answered (default: ``expected()``)."""
        wanted = self.expected() if documented is None else frozenset(documented)
        return wanted - self.pairs

    def undocumented(self) -> frozenset[Pair]:
        """Pairs answered that no error table lists: a bug in whoever answered them."""
        return self.pairs - documented_outcomes()

    def report(self, documented: Iterable[Pair] | None = None) -> str:
        """A table, one line per documented or answered pair, with its count.

        Unreached documented pairs show ``0`` and a ``MISSING`` mark; answered
        pairs no table lists are marked ``UNDOCUMENTED``; unreached pairs
        ``leave_out`` took away are marked ``LEFT OUT`` with the reason, and
        the last line counts them. By default the documented pairs are those
        of ``self.actions``.
        """
        left_out = self.left_out
        wanted = documented_outcomes(self.actions) if documented is None else frozenset(documented)
        counts = self.counts()
        order = {action: n for n, action in enumerate(Action)}
        rows = sorted(wanted | set(counts), key=lambda p: (order[p[0]], p[1] != SUCCESS, p[1]))
        known = documented_outcomes()
        width = max((len(f"{a.value} -> {o}") for a, o in rows), default=0)
        lines = []
        for action, outcome in rows:
            count = counts.get((action, outcome), 0)
            mark = ""
            if (action, outcome) not in known:
                mark = "  UNDOCUMENTED"
            elif not count and (action, outcome) in left_out:
                mark = f"  LEFT OUT: {left_out[action, outcome]}"
            elif not count:
                mark = "  MISSING"
            lines.append(f"{f'{action.value} -> {outcome}':<{width}}  {count:>7}{mark}")
        expected = wanted - set(left_out)
        reached = len(expected & set(counts))
        line = f"{reached} of {len(expected)} documented outcomes reached"
        skipped = wanted & set(left_out)
        if skipped:
            reasons = ", ".join(sorted({left_out[pair] for pair in skipped}))
            line += f"; {len(skipped)} left out ({reasons})"
        lines.append(line)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<OutcomeCoverage: {len(self._counts)} pairs, {sum(self._counts.values())} calls>"


def assert_documented_outcomes_reached(
    coverage: OutcomeCoverage,
    *,
    actions: Iterable[Action | str] | None = None,
    exclude: Iterable[tuple[Action | str, str]] = (),
) -> None:
    """Fail unless every documented (action, outcome) pair was answered at least once.

    Args:
        coverage: The tally of a run.
        actions: Only these actions' pairs (default: ``coverage.actions``, which
            for a ``DifferentialMachine``'s tally are the actions it sends).
            The pairs ``coverage.left_out`` are never required.
        exclude: Pairs not to require, for example ones your run cannot reach
            by design, such as ``("DescribeInstanceStatus", "MissingParameter")``
            when nothing you call ever omits a required parameter.

    Raises:
        AssertionError: naming every pair that was not reached.
    """
    excluded = {(resolve_action(action), outcome) for action, outcome in exclude}
    wanted = documented_outcomes(coverage.actions if actions is None else actions) - excluded
    wanted -= set(coverage.left_out)
    missing = coverage.missing(wanted)
    if missing:
        names = ", ".join(f"{a.value} -> {o}" for a, o in sorted(missing))
        raise AssertionError(
            f"{len(missing)} documented outcome(s) never reached: {names}\n"
            + coverage.report(wanted)
        )


def _per_instance_codes(body: object) -> list[str]:
    """The error codes of a batch response's ``InstanceResponses`` ("200" is success)."""
    if not isinstance(body, Mapping):
        return []
    codes = (entry.get("Code") for entry in items_of(body, "InstanceResponses", "InstanceResponse"))
    return [str(code) for code in codes if code is not None and str(code) != "200"]
