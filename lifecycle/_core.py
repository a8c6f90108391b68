"""The model's core: its rooms composed, and the kernel every action runs through.

``Core`` owns the clock, the seeded streams, the instance columns, the
account, the schedule, the faults and the subscribers. Its kernel decides a
call in the documented precedence (``_rules.decide`` over ``Fact`` flags) and
applies a success: the destination the compiled machine gives, the effects
``_spec.EFFECTS`` lists, the trace event, the next due transition. Nothing
here takes a lock or checks a Python argument: ``EcsModel`` does both, once
per public call.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random
from typing import Final, NamedTuple

from ._billing import Billing
from ._clock import Clock
from ._faults import FaultKind
from ._injector import FaultInjector
from ._instances import (
    DELETION_PROTECTED,
    INIT_FAMILY,
    LAUNCH,
    NEVER,
    PREPAID,
    RECOVERABLE,
    STARTING,
    STOPPED_BY_API,
    SUSPENDED,
    Instances,
    Template,
)
from ._machine import NO_TRANSITION, RELEASED_CODE, STATUS_CODE, STATUSES, TABLE
from ._rules import COMPILED, FORCED, CompiledPrecedence, decide
from ._schedule import Schedule
from ._spec import ACTION_TRIGGERS, EFFECTS, LAUNCH_SETTLE, SETTLE_TRIGGERS, Fact
from ._status import Action, DataLossCause, InstanceStatus, StoppedMode
from ._timing import Durations
from ._views import DataLoss, Event, format_request_id, transition_event
from .errors import ErrorCode

Subscriber = Callable[[Event], object]

_PENDING: Final = STATUS_CODE[InstanceStatus.PENDING]
_STOPPED: Final = STATUS_CODE[InstanceStatus.STOPPED]
_FORCE_STOP: Final = int(Fact.FORCE_STOP)
_PENDING_FACT: Final = int(Fact.PENDING)
_PREPAID_EXPIRED: Final = int(Fact.PREPAID_EXPIRED)
_ID_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
_DELAY: Final = FaultKind.DELAY
_LOST: Final = FaultKind.LOST_RESPONSE
_NOT_FOUND: Final = ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
#: Settle trigger per status code (None for stable statuses), and its compiled row.
_SETTLE_ROWS: Final[tuple[tuple[str, bytes] | None, ...]] = tuple(
    (SETTLE_TRIGGERS[s], TABLE[SETTLE_TRIGGERS[s]]) if s in SETTLE_TRIGGERS else None
    for s in STATUSES
)
_LAUNCH_ROW: Final = (LAUNCH_SETTLE, TABLE[LAUNCH_SETTLE])
#: The facts an instance's trait byte implies, per byte value: its charge type, whether
#: the platform has it suspended, whether it is protected from deletion.
_TRAIT_FACTS: Final[tuple[int, ...]] = tuple(
    # Plain ints: OR-ing a ``Fact`` in would make every later operation an enum one.
    int(
        (Fact.PREPAID if traits & PREPAID else Fact.POSTPAID)
        | (0 if traits & SUSPENDED else Fact.IN_SERVICE)
        | (Fact.DELETION_PROTECTED if traits & DELETION_PROTECTED else 0)
    )
    for traits in range(256)
)
#: What ``attempt`` returns: the request number, the code (``None`` on success)
#: and the parameter a ``MissingParameter``/``InvalidParameter`` message names.
Outcome = tuple[int, ErrorCode | None, str | None]


class Plan(NamedTuple):
    """Everything the kernel needs about one mutating action, looked up once at import:
    one tuple the call carries, not a look-up per table per call."""

    action: Action
    trigger: str
    row: bytes
    compiled: CompiledPrecedence
    #: ``EFFECTS`` as plain ints: a ``Fact & Fact`` goes through the enum machinery each time.
    effects: tuple[tuple[int, int, DataLossCause], ...]
    #: Every fact some effect needs (their ``when`` masks OR-ed): a success whose facts
    #: share none skips the effects. -1 (every fact) for a plan made without it.
    effect_facts: int = -1
    #: The statuses (a bit per status code) from which a success records no effect:
    #: the ``not_from`` of the action's effects, which must all name the same ones.
    quiet_from: int = 0


def plan_of(action: Action, trigger: str | None = None) -> Plan:
    """The plan of ``action``, firing ``trigger`` (its ``ACTION_TRIGGERS`` one by default)."""
    fired = ACTION_TRIGGERS[action] if trigger is None else trigger
    compiled = COMPILED[action] if trigger is None else FORCED[action]
    effects = tuple((int(e.when), int(e.clears), e.loss) for e in EFFECTS[action])
    quiet = {sum(1 << STATUS_CODE[s] for s in e.not_from) for e in EFFECTS[action]}
    assert len(quiet) <= 1, f"{action.value}: its effects name different not_from statuses"
    return Plan(
        action, fired, TABLE[fired], compiled, effects, _union(effects), quiet.pop() if quiet else 0
    )


def _union(effects: tuple[tuple[int, int, DataLossCause], ...]) -> int:
    union = 0
    for when, _, _ in effects:
        assert when, "an effect needs at least one fact"
        union |= when
    return union


class Core:
    """One account's state and the kernel that changes it; the caller holds the lock."""

    __slots__ = (
        "billing",
        "clock",
        "faults",
        "instance_rng",
        "instances",
        "request_rng",
        "schedule",
        "subscribers",
        "tokens",
    )

    def __init__(self, seed: int, clock: Clock, durations: Durations, billing: Billing) -> None:
        self.clock = clock
        # Independent streams: changing the durations or the faults never shifts request ids.
        self.request_rng = Random(f"{seed}/request-ids")
        self.instance_rng = Random(f"{seed}/instance-ids")
        self.subscribers: list[Subscriber] = []
        self.billing = billing
        self.instances = Instances()
        self.schedule = Schedule(durations, Random(f"{seed}/durations"))
        self.faults = FaultInjector(Random(f"{seed}/faults"), self.subscribers)
        #: ClientTokens of accepted requests, per action: the request's parameters
        #: (canonical text) and what it answered, replayed for the same token.
        self.tokens: dict[tuple[str, str], tuple[str, dict[str, object]]] = {}

    # ------------------------------------------------------------ time
    def settle(self, now: float) -> None:
        """Apply every due transition up to ``now``, in due order."""
        due_list = self.schedule.due
        instances = self.instances
        status_column = instances.status
        while due_list and due_list[0][0] <= now:
            due, _, index, request = self.schedule.pop()
            status = status_column[index]
            settle = _SETTLE_ROWS[status]
            assert settle is not None, "only transitory statuses are ever scheduled"
            if status == _PENDING and instances.traits[index] & LAUNCH:
                # RunInstances: "created and then started" (the trait is spent here).
                instances.traits[index] &= ~LAUNCH & 0xFF
                settle = _LAUNCH_ROW
            trigger, row = settle
            dest = row[status]
            instances.move(index, status, dest)
            instances.settles_at[index] = NEVER
            if dest == STARTING:
                instances.started[index] = due
            if self.subscribers:
                self.emit(instances.ids[index], status, dest, trigger, due, request, None)
            self.enter(index, dest, due, request)

    def enter(self, index: int, status: int, now: float, request: int, extra: float = 0.0) -> None:
        """Schedule the end of the status ``index`` just entered, if it is transitory."""
        due = self.schedule.push(index, status, now, request, extra)
        if due is None:
            return
        self.instances.settles_at[index] = due
        if due <= now:
            self.settle(now)

    def now(self) -> float:
        """The clock's time, with everything due by then settled."""
        now = self.clock.now()
        due = self.schedule.due
        if due and due[0][0] <= now:
            self.settle(now)
        return now

    # ---------------------------------------------------------- events
    def emit(
        self,
        instance_id: str,
        source: int | None,
        dest: int,
        cause: str,
        time: float,
        request: int,
        loss: DataLossCause | None,
    ) -> None:
        event = transition_event(
            instance_id,
            None if source is None else STATUSES[source],
            None if dest == RELEASED_CODE else STATUSES[dest],
            cause,
            time,
            format_request_id(request),
            loss,
        )
        for callback in tuple(self.subscribers):
            callback(event)

    # ------------------------------------------------------- instances
    def add(self, template: Template, ids: list[str], now: float) -> None:
        """Create instances named ``ids``: one request id, event and schedule each."""
        status = template[0]
        rng = self.request_rng
        positions = self.instances.append(template, ids, now)
        for instance_id, index in zip(ids, positions, strict=True):
            request = rng.getrandbits(128)
            if self.subscribers:
                self.emit(instance_id, None, status, "create", now, request, None)
            self.enter(index, status, now, request)

    def create(
        self,
        template: Template,
        ids: list[str],
        now: float,
        request: int,
        cause: str,
        action: Action,
    ) -> bool:
        """Create instances named ``ids`` for one request (RunInstances, CreateInstance).

        As ``apply`` does for a move: the events first, then the faults that hit a
        success (a delay lengthens every new instance's Pending), then the schedule.
        Returns whether a lost-response fault hit it (the instances stand).
        """
        status = template[0]
        positions = self.instances.append(template, ids, now)
        if self.subscribers:
            for instance_id in ids:
                self.emit(instance_id, None, status, cause, now, request, None)
        extra, lost = 0.0, False
        if self.faults.rules:
            delayed = self.faults.after(_DELAY, action, None, now, request)
            lost = self.faults.after(_LOST, action, None, now, request) is not None
            extra = delayed.rule.delay if delayed else 0.0
        for index in positions:
            self.enter(index, status, now, request, extra)
        return lost

    def new_instance_id(self) -> str:
        taken = self.instances.index
        retired = self.instances.retired
        while True:
            candidate = "i-" + "".join(self.instance_rng.choices(_ID_ALPHABET, k=20))
            if candidate not in taken and candidate not in retired:
                return candidate

    def facts(self, index: int, status: int, now: float, request_facts: int) -> int:
        """The instance's ``Fact`` flags, as ``_spec.Fact`` defines each one."""
        instances = self.instances
        facts = instances.faults[index] | request_facts
        if status == _PENDING:
            facts |= _PENDING_FACT
        traits = instances.traits[index]
        facts |= _TRAIT_FACTS[traits]
        if traits & PREPAID:
            if now >= instances.expired[index]:
                facts |= _PREPAID_EXPIRED
        else:
            facts |= self.billing.facts
        if not traits & INIT_FAMILY:
            # InitLocalDisk only applies to d1, i1 and i2; elsewhere the request bit is void.
            facts &= ~RECOVERABLE
        return facts

    # ---------------------------------------------------------- kernel
    def attempt(
        self,
        plan: Plan,
        instance_id: str | None,
        problem: ErrorCode | None,
        parameter: str | None,
        dry_run: bool,
        request_facts: int,
        stopped_mode: StoppedMode | None,
    ) -> Outcome:
        """One call of a single-instance action, decided and (on success) applied."""
        # NB: the request stage runs in _rules.REQUEST_STAGE order; compile_precedence
        # refuses a PRECEDENCE row that disagrees with it.
        now = self.clock.now()
        due = self.schedule.due
        if due and due[0][0] <= now:
            self.settle(now)
        request = self.request_rng.getrandbits(128)
        if problem is not None:
            return request, problem, parameter
        action = plan.action
        if self.faults.rules:
            fault_code = self.faults.before(action, instance_id, now, request)
            if fault_code is not None:
                return request, fault_code, None
        if dry_run:
            return request, ErrorCode.DRY_RUN_OPERATION, None
        index, code, facts = self.check(plan, instance_id, now, request_facts)
        if code is not None:
            return request, code, None
        lost = self.apply(plan, index, facts, now, request, stopped_mode)
        return request, ErrorCode.INTERNAL_ERROR if lost else None, None

    def attempt_typed(
        self, plan: Plan, instance_id: str, request_facts: int, stopped_mode: StoppedMode | None
    ) -> tuple[int, ErrorCode | None]:
        """``attempt`` for a well-formed call that is not a dry run: the public methods'
        fast path. The same steps in the same order, with ``check`` and ``facts`` inlined
        (each call costs more than the work it does): the request number and the code.
        """
        now = self.clock.now()
        due = self.schedule.due
        if due and due[0][0] <= now:
            self.settle(now)
        request = self.request_rng.getrandbits(128)
        if self.faults.rules:
            fault_code = self.faults.before(plan.action, instance_id, now, request)
            if fault_code is not None:
                return request, fault_code
        instances = self.instances
        index = instances.index.get(instance_id)
        if index is None:
            return request, _NOT_FOUND
        status = instances.status[index]
        # Core.facts, inlined: keep the two in step (test_fast_paths compares them).
        facts = instances.faults[index] | request_facts
        if status == _PENDING:
            facts |= _PENDING_FACT
        traits = instances.traits[index]
        facts |= _TRAIT_FACTS[traits]
        if traits & PREPAID:
            if now >= instances.expired[index]:
                facts |= _PREPAID_EXPIRED
        else:
            facts |= self.billing.facts
        if not traits & INIT_FAMILY:
            facts &= ~RECOVERABLE
        compiled = plan.compiled
        if not facts & compiled.relevant:
            # decide()'s first case, inlined: no fact rule can fail, only the status check
            # (plan.row is the compiled trigger row; test_fast_paths checks every plan).
            if compiled.status_code is not None and plan.row[status] == NO_TRANSITION:
                return request, compiled.status_code
        else:
            code = decide(compiled, facts, status)
            if code is not None:
                return request, code
        if self.apply(plan, index, facts, now, request, stopped_mode):
            return request, ErrorCode.INTERNAL_ERROR
        return request, None

    def check(
        self, plan: Plan, instance_id: str | None, now: float, request_facts: int
    ) -> tuple[int, ErrorCode | None, int]:
        """The instance stage: its position, the first failing check's code, its facts."""
        index = self.instances.index.get(instance_id) if instance_id is not None else None
        if index is None:
            return -1, _NOT_FOUND, 0
        status = self.instances.status[index]
        facts = self.facts(index, status, now, request_facts)
        return index, decide(plan.compiled, facts, status), facts

    def effects(
        self, plan: Plan, index: int, source: int, facts: int, now: float, request: int
    ) -> DataLossCause | None:
        """Apply ``plan``'s effects whose facts hold to the instance that left ``source``;
        the data loss recorded, if any. (Callers skip it when no effect fact holds.)"""
        if plan.quiet_from >> source & 1:
            return None
        instances = self.instances
        loss: DataLossCause | None = None
        for when, clears, cause in plan.effects:
            if facts & when == when:
                instances.faults[index] &= ~clears & 0xFF
                loss = cause
        if loss is not None:
            instances.losses.setdefault(index, []).append(
                DataLoss(time=now, cause=loss, request_id=format_request_id(request))
            )
        return loss

    def apply(
        self,
        plan: Plan,
        index: int,
        facts: int,
        now: float,
        request: int,
        stopped_mode: StoppedMode | None,
    ) -> bool:
        """Make a decided success: move, apply the effects, emit, schedule.

        Returns whether a lost-response fault hit it (the change stands).
        """
        instances = self.instances
        status = instances.status[index]
        dest = plan.row[status]
        if dest == RELEASED_CODE:
            if instances.settles_at[index] != NEVER:
                self.schedule.drop(index)  # released mid-transition: nothing left to settle
            self.billing.give_back(instances.types[index])
            instances.release(index, status)
        else:
            instances.move(index, status, dest)
        if dest == STARTING:
            instances.started[index] = now
        loss = (
            self.effects(plan, index, status, facts, now, request)
            if facts & plan.effect_facts
            else None
        )
        if stopped_mode is not None or instances.traits[index] & (STOPPED_BY_API | SUSPENDED):
            instances.record_stop_mode(index, stopped_mode)
        if self.subscribers:
            self.emit(instances.ids[index], status, dest, plan.trigger, now, request, loss)
        if self.faults.rules:
            action, instance_id = plan.action, instances.ids[index]
            delayed = self.faults.after(_DELAY, action, instance_id, now, request)
            lost = self.faults.after(_LOST, action, instance_id, now, request)
            self.enter(index, dest, now, request, delayed.rule.delay if delayed else 0.0)
            return lost is not None
        self.enter(index, dest, now, request)
        return False
