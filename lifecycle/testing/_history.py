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

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Final

from .. import Action, Durations, EcsModel, ErrorCode, Fixed, InstanceStatus, ManualClock
from .._instances import DELETION_PROTECTED, LAUNCH
from ..errors import InvalidArgument
from ._conditions import AccountCondition, Fleet, InstanceCondition
from ._outcomes import Outcome, Request, created_ids, documented_view

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
#: The actions that make instances: their ids are read from the observed answer.
_CREATING: Final = frozenset({Action.RUN_INSTANCES, Action.CREATE_INSTANCE})
#: The actions whose ClientToken the model remembers: replayed, or refused with other parameters.
_TOKENS: Final = frozenset({*_CREATING, Action.DELETE_INSTANCES, Action.RENEW_INSTANCE})
#: A ClientToken the model remembers: ((action, token), fingerprint, answer as JSON).
_Token = tuple[tuple[str, str], str, str]


@dataclass(frozen=True, eq=True, repr=False, init=False)
class _Created(InstanceCondition):
    """The condition of an instance a call created: what ``InstanceCondition`` cannot say.

    A RunInstances instance's Pending settles into Starting (``launch``);
    ``DeletionProtection`` and the name are set at creation.
    """

    launch: bool = False
    deletion_protected: bool = False
    name: str | None = None

    def __init__(
        self,
        *,
        launch: bool = False,
        deletion_protected: bool = False,
        name: str | None = None,
        **condition: Any,
    ) -> None:
        super().__init__(**condition)
        object.__setattr__(self, "launch", launch)
        object.__setattr__(self, "deletion_protected", deletion_protected)
        object.__setattr__(self, "name", name)

    def create(self, model: EcsModel, instance_id: str | None = None) -> str:
        created = super().create(model, instance_id)
        instances = model._core.instances  # what no set-up method places
        index = instances.index[created]
        launching = self.launch and self.status is InstanceStatus.PENDING
        instances.traits[index] |= (LAUNCH if launching else 0) | (
            DELETION_PROTECTED if self.deletion_protected else 0
        )
        instances.names[index] = self.name
        return created


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
    tokens: tuple[_Token, ...] = ()


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
    if search.unseen_creation:
        # A creation whose answer was lost made instances the history cannot name.
        return HistoryCheck(None, explored=explored)
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
        #: A creation may have taken effect unseen (a timeout, a lost response).
        self.unseen_creation = False
        #: The instances the last creation evaluated made, by the model's ids.
        self._made: dict[str, InstanceCondition] = {}
        self._answers: dict[
            tuple[int, tuple[tuple[str, InstanceCondition], ...], tuple[_Token, ...], float],
            tuple[Outcome, dict[str, InstanceCondition | None], tuple[_Token, ...]],
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
                outcome, after, tokens = self._evaluate(request, instances, time, node.tokens)
                if outcome.ok and after != instances:
                    applied = (*node.applied, index)
                    found.append(_Node(node.position, after, rest, applied, tokens))
        return found

    def explain(self, node: _Node) -> list[_Node]:
        """The ways the model could have answered the next call as observed."""
        position = node.position
        self.furthest = max(self.furthest, position)
        call = self.history[position]
        time = self.times[position]
        observed = call.outcome
        nxt = position + 1
        creating = call.request.action in _CREATING
        if observed.unknown:
            if creating:
                # Its ids were never seen: it is taken to have made nothing (see unseen_creation).
                self.unseen_creation = self.unseen_creation or _may_change(call.request)
                return [replace(node, position=nxt)]
            pending = node.pending | {position} if _may_change(call.request) else node.pending
            return [_Node(nxt, node.instances, pending, node.applied, node.tokens)]
        if call.request.action in _OBSERVERS:
            return self._explain_describe(node, call, time)
        if creating:
            return self._explain_creation(node, call, time)
        seen = _documented(call.request, observed)
        found = []
        for instances in self._settle_choices(node.instances, call.request.instance_ids):
            outcome, after, tokens = self._evaluate(call.request, instances, time, node.tokens)
            self._saw(position, outcome)
            if seen.agrees_with(outcome):
                found.append(_Node(nxt, after, node.pending, node.applied, tokens))
            elif self.faults and observed.code in (_INTERNAL_ERROR, _THROTTLING):
                found.append(_Node(nxt, instances, node.pending, node.applied, node.tokens))
                if observed.code == _INTERNAL_ERROR and outcome.ok:  # a lost response
                    found.append(_Node(nxt, after, node.pending, node.applied, tokens))
        return found

    def _explain_creation(self, node: _Node, call: Call, time: float) -> list[_Node]:
        """RunInstances or CreateInstance: the new instances take the ids the answer gave."""
        request, observed = call.request, call.outcome
        position = node.position
        outcome, _, tokens = self._evaluate(request, (), time, node.tokens)
        self._saw(position, outcome)
        unchanged = replace(node, position=position + 1)
        if observed.code is not None:
            if observed.agrees_with(outcome):
                return [unchanged]
            if self.faults and observed.code in (_INTERNAL_ERROR, _THROTTLING):
                if observed.code == _INTERNAL_ERROR and outcome.ok:
                    self.unseen_creation = True  # its response may have been lost
                return [unchanged]
            return []
        if not outcome.ok:
            return []
        if observed.body is None:
            self.unseen_creation = True  # which ids it made is not known
            return [unchanged]
        mine = created_ids(request.action, outcome.body)
        theirs = created_ids(request.action, observed.body)
        names = dict(zip(mine, theirs, strict=False))
        seen = _documented(request, observed)
        if len(mine) != len(theirs) or _renamed(outcome.body, names) != seen.body:
            return []
        known = {instance_id for instance_id, _ in node.instances}
        made = self._made
        added = tuple(
            (names[own], made[own]) for own in mine if own in made and names[own] not in known
        )
        if any(names[own] in known for own in mine if own in made):
            return []  # an id handed out twice
        if any(names[own] != own for own in mine if own not in made):
            return []  # a ClientToken's replay answers the ids it answered first
        renamed = tuple(
            (key, fingerprint, json.dumps(_renamed(json.loads(answer), names)))
            for key, fingerprint, answer in tokens
        )
        return [_Node(position + 1, (*node.instances, *added), node.pending, node.applied, renamed)]

    def _explain_describe(self, node: _Node, call: Call, time: float) -> list[_Node]:
        position = node.position
        observed = call.outcome
        request = call.request
        outcome, _, _ = self._evaluate(request, node.instances, time, node.tokens)
        self._saw(position, outcome)
        nxt = replace(node, position=position + 1)
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
            reached = next((c for c in _settlings(condition) if c.status.value == status), None)
            if reached is None:
                return []
            instances[instance_id] = reached
        return [
            _Node(position + 1, tuple(instances.items()), node.pending, node.applied, node.tokens)
        ]

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
            and wanted in {c.status.value for c in _settlings(condition)}
        ]
        found = []
        for instances in self._settle_choices(node.instances, relevant):
            outcome, _, _ = self._evaluate(request, instances, time, node.tokens)
            if outcome.body == seen:
                found.append(replace(node, position=node.position + 1, instances=instances))
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
                choices = [
                    (*choice[:position], (known, settled), *choice[position + 1 :])
                    for choice in choices
                    for settled in _settlings(condition)
                ]
        return choices

    def _evaluate(
        self,
        request: Request,
        instances: tuple[tuple[str, InstanceCondition], ...],
        time: float,
        tokens: tuple[_Token, ...],
    ) -> tuple[Outcome, tuple[tuple[str, InstanceCondition], ...], tuple[_Token, ...]]:
        """What the model answers ``request`` at ``time`` (its body as ``documented_view``
        reduces it), the instances after it (released ones gone), and the tokens it remembers.
        A creation's new instances are left in ``self._made`` by the model's ids."""
        action = request.action
        if action in _LISTINGS:
            subset = instances
        else:
            named = set(request.instance_ids)
            subset = tuple(pair for pair in instances if pair[0] in named)
        remembered = tokens if action in _TOKENS and request.params.get("ClientToken") else ()
        # Many nodes differ only in instances this call does not touch: the model is
        # asked once per (call, the instances it reads, the tokens it reads, time).
        key = (id(request), subset, remembered, time)
        known = self._answers.get(key)
        if known is None or action in _CREATING:
            model = Fleet(instances=subset, account=self.account).build(
                clock=ManualClock(time), durations=_NEVER
            )
            memory = model._core.tokens  # the model's own replay memory
            for (token_action, token), fingerprint, answer in remembered:
                memory[token_action, token] = (fingerprint, json.loads(answer))
            outcome = _documented(request, Outcome.of(lambda: request.send(model)))
            changed: dict[str, InstanceCondition | None] = {}
            if outcome.ok and action not in _OBSERVERS:
                changed = {i: _condition_of(model, c, i) for i, c in subset}
            self._made = {
                i: _created_condition(model, i, action is Action.RUN_INSTANCES)
                for i in created_ids(action, outcome.body)
                if i in model
            }
            after_tokens = tuple(
                sorted(
                    (key, fingerprint, json.dumps(answer, sort_keys=True, default=str))
                    for key, (fingerprint, answer) in memory.items()
                )
            )
            known = self._answers[key] = (outcome, changed, after_tokens)
        outcome, changed, after_tokens = known
        if action not in _TOKENS:
            after_tokens = tokens
        elif not remembered:
            after_tokens = tuple(sorted({*tokens, *after_tokens}))
        if not changed:
            return outcome, instances, after_tokens
        after = []
        for instance_id, condition in instances:
            now = changed.get(instance_id, condition)
            if now is not None:  # None: released, gone for good
                after.append((instance_id, now))
        return outcome, tuple(after), after_tokens


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
) -> InstanceCondition | None:
    """The instance's condition after a call, or ``None`` when the call released it."""
    if instance_id not in model:
        return None
    view = model.instance(instance_id)
    return replace(
        before,
        status=view.status,
        expired_time=view.expired_time,
        security_locked=bool(view.lock_reasons),
        cloud_disk_abnormal=view.cloud_disk_abnormal,
        local_disk_abnormal=view.local_disk_abnormal,
    )


def _created_condition(model: EcsModel, instance_id: str, launch: bool) -> InstanceCondition:
    """The condition of an instance a creation just made in ``model``."""
    view = model.instance(instance_id)
    instances = model._core.instances  # what no view shows
    index = instances.index[instance_id]
    return _Created(
        launch=launch,
        deletion_protected=bool(instances.traits[index] & DELETION_PROTECTED),
        name=instances.names[index],
        status=view.status,
        instance_type=view.instance_type,
        charge_type=view.charge_type,
        expired_time=view.expired_time,
        has_local_disk=view.has_local_disk,
    )


def _settlings(condition: InstanceCondition) -> list[InstanceCondition]:
    """``condition`` as it is and as each settling of its transitory status leaves it:
    a RunInstances instance's Pending settles into Starting, and that into Running."""
    found = [condition]
    while found[-1].status in _TRANSITORY:
        current = found[-1]
        launching = isinstance(current, _Created) and current.launch
        if launching and current.status is InstanceStatus.PENDING:
            found.append(replace(current, status=InstanceStatus.STARTING))
        else:
            found.append(replace(current, status=_settles_to(current.status)))
    return found


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    """``value`` with each id in ``names`` replaced (the model's new ids by the observed)."""
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, Mapping):
        return {key: _renamed(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_renamed(item, names) for item in value]
    return value


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
