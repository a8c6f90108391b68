"""Could the model have produced this history? A bounded, Knossos-style search.

A *history* is what one client saw: the calls it made, in order, each with the
model time it was made at and the outcome it observed. ``check_history`` asks
whether some behaviour the model allows explains every observation, and if
not, which call no explanation gets past.

What the model allows, beyond its rules:

* **Timing.** The documents give no durations, so the checker assumes none:
  a transitory status (Pending, Starting, Stopping) may end at any moment
  after it began. An instance's settling is decided lazily, when a call
  touches the instance (a batch call touches each it names) or a describe
  call (DescribeInstanceStatus, DescribeInstances, DescribeInstanceAttribute)
  shows its status.
* **Faults** (``faults=True``): any call may be answered ``Throttling`` or
  ``InternalError`` with nothing changed, and a call that would succeed may
  be answered ``InternalError`` after its change was made (a lost response).
* **Unknown outcomes** (``Outcome.timeout()``): as in Jepsen's Knossos, a call
  whose answer never came may take effect at any later moment, in any order
  with other such calls, or never.

The search. A node is ``(position in the history, the instances' conditions,
the pending unknown calls)``. From a node the checker may apply one pending
call (if it would succeed then), or explain the next observed call: settled or
not (for each transitory instance it names), and for an observed
``InternalError`` with or without its change. A batch call changes every
instance it moved under its one request. Each edge evaluates one call on a
model built from the node's conditions of the instances the call names (all of
them for a listing; the model itself decides, nothing here re-implements a
rule). A success is compared as ``documented_view`` reduces it: a batch's
per-instance entries, a listing's ids, page fields and statuses. Visited nodes
are remembered, so each is expanded once.

Complexity. With ``n`` calls of which ``u`` have unknown outcomes, a node has
at most ``2 + 2u`` successors, and there are at most ``n * 2**u * S`` nodes,
where ``S`` is the number of distinct fleet conditions the calls can reach
(small: each instance changes only its status and, through ``InitLocalDisk``,
its local-disk fault). Without unknown outcomes the search is linear in ``n``
up to the factor ``S``; each unknown call can double it. A call naming ``k``
transitory instances tries up to ``2**k`` settlings, and so does a
DescribeInstances filtered by ``Status`` for the ``k`` transitory instances
whose status or next status is the one it filters by (settling decides which
of them it lists); other listings are matched status by status, linearly. ``max_states`` caps
the nodes expanded; when the cap is hit the answer is "undecided", never a
guess.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Final

from .. import Action, Durations, EcsModel, ErrorCode, Fixed, InstanceStatus, ManualClock
from ..errors import InvalidArgument
from ._conditions import AccountCondition, Fleet, InstanceCondition
from ._outcomes import Outcome, Request, documented_view

__all__ = ["Call", "HistoryCheck", "check_history"]

#: Long enough that no transitory status settles on its own during one evaluation.
_NEVER: Final = Durations(pending=Fixed(1e15), starting=Fixed(1e15), stopping=Fixed(1e15))
_INTERNAL_ERROR: Final = ErrorCode.INTERNAL_ERROR.value
_THROTTLING: Final = ErrorCode.THROTTLING.value
_TRANSITORY: Final = frozenset(
    {InstanceStatus.PENDING, InstanceStatus.STARTING, InstanceStatus.STOPPING}
)
#: The actions that list instances: their answer depends on every instance.
_LISTINGS: Final = frozenset({Action.DESCRIBE_INSTANCE_STATUS, Action.DESCRIBE_INSTANCES})
#: The actions that change nothing: they only observe statuses.
_OBSERVERS: Final = _LISTINGS | {Action.DESCRIBE_INSTANCE_ATTRIBUTE}


@dataclass(frozen=True)
class Call:
    """One call of a history: the request, what the caller observed, and when.

    Args:
        request: The call (``Request(action, params)``).
        outcome: What came back: ``Outcome.success(body)``,
            ``Outcome.error(code)`` or ``Outcome.timeout()``. A describe
            success (DescribeInstanceStatus, DescribeInstances,
            DescribeInstanceAttribute) should carry its body (the statuses are
            what it observed), and so should a batch success (its per-instance
            entries); without one only the code is checked. A ``NextToken`` in
            a request must be one the model gave (``ModelClient`` records such).
        time: The model time the call was made at, in seconds from the fleet's
            build; ``None``: the previous call's time (0 for the first).
    """

    request: Request
    outcome: Outcome
    time: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.request, Request):
            raise InvalidArgument(f"request={self.request!r}: expected a lifecycle.testing.Request")
        if not isinstance(self.outcome, Outcome):
            raise InvalidArgument(f"outcome={self.outcome!r}: expected a lifecycle.testing.Outcome")
        if self.time is not None and (
            isinstance(self.time, bool)
            or not isinstance(self.time, int | float)
            or not math.isfinite(self.time)
        ):
            raise InvalidArgument(f"time={self.time!r}: expected model time in seconds")


@dataclass(frozen=True)
class HistoryCheck:
    """The verdict of ``check_history``.

    Attributes:
        consistent: ``True``: the model could have produced the history.
            ``False``: it could not. ``None``: undecided, the search hit
            ``max_states`` first.
        first_disagreement: When inconsistent, the index of the first call
            that no explanation gets past; ``None`` otherwise.
        possible: At that call, the outcomes the model could have answered
            (over every explanation that reached it), as ``Outcome.label``s.
        took_effect: When consistent, the indexes of the unknown-outcome calls
            that took effect in the explanation found.
        explored: How many search nodes were expanded.
    """

    consistent: bool | None
    first_disagreement: int | None = None
    possible: frozenset[str] = field(default_factory=frozenset)
    took_effect: tuple[int, ...] = ()
    explored: int = 0

    def __bool__(self) -> bool:
        return self.consistent is True

    def explain(self, calls: Sequence[Call] | None = None) -> str:
        """A sentence for a failure message."""
        if self.consistent:
            return f"consistent ({self.explored} states explored)"
        if self.consistent is None:
            return f"undecided: the search stopped after {self.explored} states (max_states)"
        index = self.first_disagreement
        observed = ""
        if calls is not None and index is not None:
            call = calls[index]
            observed = f" {call.request!r} observed {call.outcome}"
        could = ", ".join(sorted(self.possible)) or "nothing (no explanation reached it)"
        return f"call {index}{observed}; the model could have answered: {could}"


@dataclass(frozen=True)
class _Node:
    position: int
    instances: tuple[tuple[str, InstanceCondition], ...]
    pending: frozenset[int]
    applied: tuple[int, ...] = field(default=(), compare=False)


def check_history(
    calls: Iterable[Call],
    fleet: Fleet,
    *,
    faults: bool = True,
    max_states: int = 100_000,
) -> HistoryCheck:
    """Whether the model, started in ``fleet``'s condition, could have produced ``calls``.

    Args:
        calls: The history, in the order the caller made the calls (one caller;
            times must not decrease).
        fleet: The instances and account at time 0 of the history.
        faults: Allow injected faults: ``Throttling``, ``InternalError`` with
            nothing changed, and lost responses. Without it those answers must
            come from the model's own rules.
        max_states: The most search nodes to expand before answering "undecided".

    Returns:
        A ``HistoryCheck``; true in a boolean context when consistent.

    Raises:
        InvalidArgument: for decreasing times, or arguments of the wrong type.
    """
    history = list(calls)
    if not all(isinstance(c, Call) for c in history):
        raise InvalidArgument("calls: expected lifecycle.testing.Call values")
    if not isinstance(fleet, Fleet):
        raise InvalidArgument(f"fleet={fleet!r}: expected a lifecycle.testing.Fleet")
    if isinstance(max_states, bool) or not isinstance(max_states, int) or max_states < 1:
        raise InvalidArgument(f"max_states={max_states!r}: expected an int >= 1")
    times = _times(history)
    search = _Search(history, times, fleet.account, faults)
    start = _Node(0, _as_built(fleet), frozenset())
    stack = [start]
    seen = {start}
    explored = 0
    while stack:
        node = stack.pop()
        if node.position == len(history):
            return HistoryCheck(True, took_effect=tuple(sorted(node.applied)), explored=explored)
        explored += 1
        if explored > max_states:
            return HistoryCheck(None, explored=explored - 1)
        # Pushed last, popped first: explaining the next call before trying pending ones.
        successors = [*search.apply_pending(node), *search.explain(node)]
        for successor in successors:
            if successor not in seen:
                seen.add(successor)
                stack.append(successor)
    index = search.furthest
    return HistoryCheck(
        False,
        first_disagreement=index,
        possible=frozenset(search.possible.get(index, ())),
        explored=explored,
    )


def _times(history: Sequence[Call]) -> list[float]:
    times: list[float] = []
    now = 0.0
    for index, call in enumerate(history):
        if call.time is not None:
            if call.time < now:
                raise InvalidArgument(
                    f"calls[{index}].time={call.time!r} is before the previous call's {now!r}; "
                    "a history is in the order the calls were made"
                )
            now = float(call.time)
        times.append(now)
    return times


class _Search:
    """The successor functions of the search, and what it learnt on the way."""

    def __init__(
        self, history: list[Call], times: list[float], account: AccountCondition, faults: bool
    ) -> None:
        self.history = history
        self.times = times
        self.account = account
        self.faults = faults
        self.furthest = 0
        self.possible: dict[int, set[str]] = {}
        self._answers: dict[
            tuple[int, tuple[tuple[str, InstanceCondition], ...], float],
            tuple[Outcome, dict[str, InstanceCondition]],
        ] = {}

    # ------------------------------------------------------------ successors
    def apply_pending(self, node: _Node) -> list[_Node]:
        """A pending unknown call takes effect now (settled or not), if it succeeds."""
        found = []
        time = self.times[node.position]
        for index in sorted(node.pending):
            rest = node.pending - {index}
            request = self.history[index].request
            for instances in self._settle_choices(node.instances, request.instance_ids):
                outcome, after = self._evaluate(request, instances, time)
                if outcome.ok and after != instances:
                    found.append(_Node(node.position, after, rest, (*node.applied, index)))
        return found

    def explain(self, node: _Node) -> list[_Node]:
        """The ways the model could have answered the next call as observed."""
        position = node.position
        self.furthest = max(self.furthest, position)
        call = self.history[position]
        time = self.times[position]
        observed = call.outcome
        nxt = position + 1
        if observed.unknown:
            pending = node.pending | {position} if _may_change(call.request) else node.pending
            return [_Node(nxt, node.instances, pending, node.applied)]
        if call.request.action in _OBSERVERS:
            return self._explain_describe(node, call, time)
        seen = _documented(call.request, observed)
        found = []
        for instances in self._settle_choices(node.instances, call.request.instance_ids):
            outcome, after = self._evaluate(call.request, instances, time)
            self._saw(position, outcome)
            if seen.agrees_with(outcome):
                found.append(_Node(nxt, after, node.pending, node.applied))
            elif self.faults and observed.code in (_INTERNAL_ERROR, _THROTTLING):
                found.append(_Node(nxt, instances, node.pending, node.applied))
                if observed.code == _INTERNAL_ERROR and outcome.ok:
                    found.append(_Node(nxt, after, node.pending, node.applied))  # lost response
        return found

    def _explain_describe(self, node: _Node, call: Call, time: float) -> list[_Node]:
        position = node.position
        observed = call.outcome
        request = call.request
        outcome, _ = self._evaluate(request, node.instances, time)
        self._saw(position, outcome)
        nxt = _Node(position + 1, node.instances, node.pending, node.applied)
        if observed.code is not None:
            agrees = observed.agrees_with(outcome) or (
                self.faults and observed.code in (_INTERNAL_ERROR, _THROTTLING)
            )
            return [nxt] if agrees else []
        if not outcome.ok:
            return []
        if observed.body is None or outcome.body is None:
            return [nxt]
        seen = documented_view(request, observed.body)
        if request.action is Action.DESCRIBE_INSTANCES and request.params.get("Status"):
            return self._explain_filtered(node, request, seen, time)
        # The listing must match; each status may be the model's, or the one it settles to.
        settled, fields = _listed(request.action, seen)
        model_listed, model_fields = _listed(request.action, outcome.body)
        if fields != model_fields or [i for i, _ in settled] != [i for i, _ in model_listed]:
            return []
        instances = dict(node.instances)
        for instance_id, status in settled:
            condition = instances[instance_id]
            if status == condition.status.value:
                continue
            if condition.status in _TRANSITORY and status == _settles_to(condition.status).value:
                instances[instance_id] = replace(condition, status=_settles_to(condition.status))
                continue
            return []
        return [_Node(position + 1, tuple(instances.items()), node.pending, node.applied)]

    def _explain_filtered(
        self, node: _Node, request: Request, seen: Mapping[str, object], time: float
    ) -> list[_Node]:
        """A DescribeInstances filtered by Status: which instances it lists depends on
        which have settled, so each settling that could change the listing is tried."""
        wanted = request.params.get("Status")
        relevant = [
            instance_id
            for instance_id, condition in node.instances
            if condition.status in _TRANSITORY
            and wanted in (condition.status.value, _settles_to(condition.status).value)
        ]
        found = []
        for instances in self._settle_choices(node.instances, relevant):
            outcome, _ = self._evaluate(request, instances, time)
            if outcome.body == seen:
                found.append(_Node(node.position + 1, instances, node.pending, node.applied))
        return found

    # ---------------------------------------------------------------- helpers
    def _saw(self, position: int, outcome: Outcome) -> None:
        self.possible.setdefault(position, set()).add(outcome.label)
        if self.faults:
            self.possible[position].update((_INTERNAL_ERROR, _THROTTLING))

    @staticmethod
    def _settle_choices(
        instances: tuple[tuple[str, InstanceCondition], ...], instance_ids: Iterable[str]
    ) -> list[tuple[tuple[str, InstanceCondition], ...]]:
        """The instances as they are, and with each transitory one of ``instance_ids``
        settled or not: every combination."""
        named = set(instance_ids)
        choices = [instances]
        for position, (known, condition) in enumerate(instances):
            if known in named and condition.status in _TRANSITORY:
                settled = (known, replace(condition, status=_settles_to(condition.status)))
                choices += [
                    (*choice[:position], settled, *choice[position + 1 :]) for choice in choices
                ]
        return choices

    def _evaluate(
        self,
        request: Request,
        instances: tuple[tuple[str, InstanceCondition], ...],
        time: float,
    ) -> tuple[Outcome, tuple[tuple[str, InstanceCondition], ...]]:
        """What the model answers ``request`` at ``time`` (its body as ``documented_view``
        reduces it), and the instances after it."""
        if request.action in _LISTINGS:
            subset = instances
        else:
            named = set(request.instance_ids)
            subset = tuple(pair for pair in instances if pair[0] in named)
        # Many nodes differ only in instances this call does not touch: the model is
        # asked once per (call, the instances it reads, time).
        key = (id(request), subset, time)
        known = self._answers.get(key)
        if known is None:
            model = Fleet(instances=subset, account=self.account).build(
                clock=ManualClock(time), durations=_NEVER
            )
            outcome = _documented(request, Outcome.of(lambda: request.send(model)))
            changed: dict[str, InstanceCondition] = {}
            if outcome.ok and request.action not in _OBSERVERS:
                changed = {i: _condition_of(model, c, i) for i, c in subset}
            known = self._answers[key] = (outcome, changed)
        outcome, changed = known
        if not changed:
            return outcome, instances
        return outcome, tuple(
            (instance_id, changed.get(instance_id, condition))
            for instance_id, condition in instances
        )


def _as_built(fleet: Fleet) -> tuple[tuple[str, InstanceCondition], ...]:
    """The fleet's conditions with every default made explicit, as the model resolves them.

    A PrePaid instance without ``expired_time`` expires 30 days after the build:
    fixed once here, not again at each evaluation's time.
    """
    model = fleet.build(clock=ManualClock(0.0), durations=_NEVER)
    resolved = []
    for instance_id, condition in fleet.instances:
        view = model.instance(instance_id)
        resolved.append(
            (
                instance_id,
                replace(
                    condition,
                    expired_time=view.expired_time,
                    has_local_disk=view.has_local_disk,
                ),
            )
        )
    return tuple(resolved)


def _may_change(request: Request) -> bool:
    """Whether a call could ever change anything (a timed-out one may be pending)."""
    if request.action in _OBSERVERS:
        return False
    dry_run = request.params.get("DryRun")
    return not (dry_run is True or (isinstance(dry_run, str) and dry_run.lower() == "true"))


def _condition_of(
    model: EcsModel, before: InstanceCondition, instance_id: str
) -> InstanceCondition:
    view = model.instance(instance_id)
    return replace(
        before,
        status=view.status,
        security_locked=bool(view.lock_reasons),
        cloud_disk_abnormal=view.cloud_disk_abnormal,
        local_disk_abnormal=view.local_disk_abnormal,
    )


@cache
def _settles_to(status: InstanceStatus) -> InstanceStatus:
    """What a transitory status becomes when its time is up: the model's own answer."""
    model = EcsModel(durations=Durations.immediate())
    return model.status(model.create_instance(status=status))


def _documented(request: Request, outcome: Outcome) -> Outcome:
    if outcome.body is None:
        return outcome
    return replace(outcome, body=documented_view(request, outcome.body))


def _listed(
    action: Action, view: Mapping[str, object]
) -> tuple[list[tuple[str, str]], tuple[object, ...]]:
    """A describe's ``documented_view`` as its (id, status) listing and its other fields."""
    if action is Action.DESCRIBE_INSTANCE_ATTRIBUTE:
        return [(str(view.get("InstanceId")), str(view.get("Status")))], ()
    fields: tuple[object, ...]
    if action is Action.DESCRIBE_INSTANCES:
        items: Any = view.get("Instances")
        fields = tuple(sorted((k, str(v)) for k, v in view.items() if k != "Instances"))
    else:
        wrapper = view.get("InstanceStatuses")
        items = wrapper.get("InstanceStatus", []) if isinstance(wrapper, Mapping) else []
        fields = tuple(str(view.get(key)) for key in ("TotalCount", "PageNumber", "PageSize"))
    listing = [
        (str(item.get("InstanceId")), str(item.get("Status")))
        for item in items
        if isinstance(item, Mapping)
    ]
    return listing, fields
