"""Which (action, outcome) pairs a run exercised, against the ones the documents list.

The documented pairs come from the package's own error tables
(``lifecycle.error_table``): every code an action's table lists, plus
``Success``. A pair is *reached* when some call answered it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final

from .. import Action, error_table
from .._status import resolve_action
from ..errors import InvalidArgument

#: The actions the strategies, the DifferentialMachine and the coverage report cover
#: by default. DescribeInstances, DescribeInstanceAttribute and the batch actions are
#: not in it yet: the model answers them, the harness does not generate them.
COVERED: Final = (
    Action.START_INSTANCE,
    Action.REBOOT_INSTANCE,
    Action.STOP_INSTANCE,
    Action.DESCRIBE_INSTANCE_STATUS,
)

__all__ = [
    "SUCCESS",
    "OutcomeCoverage",
    "assert_documented_outcomes_reached",
    "documented_outcomes",
]

#: The outcome name of a call that succeeded.
SUCCESS = "Success"

Pair = tuple[Action, str]


def documented_outcomes(actions: Iterable[Action | str] | None = None) -> frozenset[Pair]:
    """Every (action, outcome) pair the documents list: each error code, and ``Success``.

    Args:
        actions: The actions to include (default: all four).
    """
    chosen = COVERED if actions is None else tuple(resolve_action(a) for a in actions)
    return frozenset(
        (action, outcome)
        for action in chosen
        for outcome in (SUCCESS, *(code.value for code in error_table(action)))
    )


class OutcomeCoverage:
    """A tally of the (action, outcome) pairs calls answered. Thread-safe.

    ``DifferentialMachine`` subclasses keep one as ``cls.coverage`` across every
    example of a run, recording what the *model* answered.
    """

    def __init__(self) -> None:
        self._counts: Counter[Pair] = Counter()
        self._lock = threading.Lock()

    def record(self, action: Action | str, outcome: object) -> None:
        """Count one call of ``action`` that answered ``outcome``.

        Args:
            action: The action.
            outcome: An error code (``ErrorCode`` or its value), ``None`` or
                ``"Success"`` for success, or an ``Outcome`` (its ``label``).
        """
        resolved = resolve_action(action)
        label = getattr(outcome, "label", outcome)
        if label is None:
            label = SUCCESS
        if not isinstance(label, str) or not label:
            raise InvalidArgument(f"outcome={outcome!r}: expected an error code or None")
        with self._lock:
            self._counts[(resolved, str(label))] += 1

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
        """The documented pairs no call answered (default: ``documented_outcomes()``)."""
        wanted = documented_outcomes() if documented is None else frozenset(documented)
        return wanted - self.pairs

    def undocumented(self) -> frozenset[Pair]:
        """Pairs answered that no error table lists: a bug in whoever answered them."""
        return self.pairs - documented_outcomes()

    def report(self, documented: Iterable[Pair] | None = None) -> str:
        """A table, one line per documented or answered pair, with its count.

        Unreached documented pairs show ``0`` and a ``MISSING`` mark; answered
        pairs no table lists are marked ``UNDOCUMENTED``.
        """
        wanted = documented_outcomes() if documented is None else frozenset(documented)
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
            elif not count:
                mark = "  MISSING"
            lines.append(f"{f'{action.value} -> {outcome}':<{width}}  {count:>7}{mark}")
        reached = len(wanted & set(counts))
        lines.append(f"{reached} of {len(wanted)} documented outcomes reached")
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
        actions: Only these actions' pairs (default: all four).
        exclude: Pairs not to require, for example ones your run cannot reach
            by design, such as ``("DescribeInstanceStatus", "MissingParameter")``
            when nothing you call ever omits a required parameter.

    Raises:
        AssertionError: naming every pair that was not reached.
    """
    excluded = {(resolve_action(action), outcome) for action, outcome in exclude}
    missing = coverage.missing(documented_outcomes(actions) - excluded)
    if missing:
        names = ", ".join(f"{a.value} -> {o}" for a, o in sorted(missing))
        raise AssertionError(
            f"{len(missing)} documented outcome(s) never reached: {names}\n"
            + coverage.report(documented_outcomes(actions) - excluded)
        )
