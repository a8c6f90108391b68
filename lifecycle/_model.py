"""``EcsModel``: one account's ECS instances, in memory, driven by the tables.

Instances are columns, not objects: a status byte, a fault byte and a trait
byte per instance, plus two float arrays (expiry, settle time). A call reads
the instance's bytes, folds them into ``Fact`` flags, asks ``_rules`` for the
first failing check and, on success, writes the destination the compiled
``transitions`` table gives. This keeps a million instances in a few tens of
megabytes and a call in a few microseconds, flat in fleet size.

Every public method takes the model's re-entrant lock for its whole duration,
so concurrent callers see each call as atomic. Subscribers are called under
that lock, in transition order.
"""

from __future__ import annotations

import heapq
import math
import threading
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from random import Random
from typing import Final, NamedTuple, TypeVar

from ._clock import Clock, ManualClock
from ._faults import FaultKind, FaultRule, FaultState
from ._machine import NO_TRANSITION, STATUS_CODE, STATUSES, TABLE
from ._rules import (
    COMPILED,
    CompiledPrecedence,
    api_error,
    decide,
    family_of,
    first_failure,
    init_local_disk_applies,
)
from ._snapshot import dump, load
from ._spec import (
    ACTION_TRIGGERS,
    DEFAULT_PAGE_SIZE,
    EFFECTS,
    MAX_DESCRIBE_IDS,
    PARAMETERS,
    SETTLE_TRIGGERS,
    Fact,
    Param,
    ParamType,
)
from ._status import (
    Action,
    ChargeType,
    DataLossCause,
    DiskKind,
    InstanceStatus,
    StoppedMode,
    resolve_action,
)
from ._timing import Duration, Durations, Fixed
from ._views import (
    AccountView,
    ActionResponse,
    DataLoss,
    DescribeInstanceStatusResponse,
    Event,
    FaultEvent,
    InstanceStatusItem,
    InstanceView,
    TransitionEvent,
    format_request_id,
)
from .errors import ApiError, ErrorCode, InvalidArgument

Subscriber = Callable[[Event], object]
Response = ActionResponse | DescribeInstanceStatusResponse

_PENDING: Final = STATUS_CODE[InstanceStatus.PENDING]
_NEVER: Final = math.inf
_ID_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz0123456789"

# Per-instance fault bits share their positions with ``Fact`` so they fold in with one OR.
_SECURITY: Final = int(Fact.SECURITY_LOCKED)
_CLOUD_DISK: Final = int(Fact.CLOUD_DISK_ABNORMAL)
_LOCAL_DISK: Final = int(Fact.LOCAL_DISK_ABNORMAL)
_RECOVERABLE: Final = int(Fact.LOCAL_DISK_RECOVERABLE)
_DISK_BITS: Final = {DiskKind.CLOUD: _CLOUD_DISK, DiskKind.LOCAL: _LOCAL_DISK}

# Per-instance trait bits: fixed at creation, except the stopped mode.
_PREPAID: Final = 1
_INIT_FAMILY: Final = 2
_HAS_LOCAL_DISK: Final = 4
_STOPPED_BY_API: Final = 8
_STOP_CHARGING: Final = 16

# Settle trigger per status code (None for stable statuses), and its compiled row.
_SETTLE_ROWS: Final[tuple[tuple[str, bytes] | None, ...]] = tuple(
    (SETTLE_TRIGGERS[s], TABLE[SETTLE_TRIGGERS[s]]) if s in SETTLE_TRIGGERS else None
    for s in STATUSES
)
#: ``EFFECTS`` as plain ints: a ``Fact & Fact`` goes through the enum machinery each time.
_EFFECTS: Final[dict[Action, tuple[tuple[int, int, DataLossCause], ...]]] = {
    action: tuple((int(e.when), int(e.clears), e.loss) for e in effects)
    for action, effects in EFFECTS.items()
}
_response = ActionResponse._from_number
_THROTTLE: Final = FaultKind.THROTTLE
_ERROR: Final = FaultKind.ERROR
_DELAY: Final = FaultKind.DELAY
_LOST: Final = FaultKind.LOST_RESPONSE
#: The causes of a stop the platform makes on its own (ecs-api-facts.md section 2.5).
PLATFORM_STOP_CAUSES: Final = ("expiry", "overdue")
#: What ``_attempt`` returns: the request number, the code (``None`` on success)
#: and the parameter a ``MissingParameter``/``InvalidParameter`` message names.
_Outcome = tuple[int, ErrorCode | None, str | None]


class _ActiveFault:
    """A rule the model holds, with its counters (mutable, under the model's lock)."""

    __slots__ = ("fault_id", "fired", "remaining", "rule")

    def __init__(self, fault_id: int, rule: FaultRule, fired: int, remaining: int | None) -> None:
        self.fault_id = fault_id
        self.rule = rule
        self.fired = fired
        self.remaining = remaining

    def state(self) -> FaultState:
        return FaultState(
            fault_id=self.fault_id, rule=self.rule, fired=self.fired, remaining=self.remaining
        )


class _Plan(NamedTuple):
    """Everything ``_act`` needs about one action, looked up once at import.

    Enum members hash through a Python-level ``__hash__``; keying per-call
    lookups by ``Action`` cost several hundred nanoseconds a call.
    """

    action: Action
    trigger: str
    row: bytes
    compiled: CompiledPrecedence
    effects: tuple[tuple[int, int, DataLossCause], ...]


_PLANS: Final = {
    action: _Plan(action, trigger, TABLE[trigger], COMPILED[action], _EFFECTS[action])
    for action, trigger in ACTION_TRIGGERS.items()
}
_START: Final = _PLANS[Action.START_INSTANCE]
_REBOOT: Final = _PLANS[Action.REBOOT_INSTANCE]
_STOP: Final = _PLANS[Action.STOP_INSTANCE]
_PARAMS_BY_NAME: Final[dict[Action, dict[str, Param]]] = {
    action: {param.name: param for param in params} for action, params in PARAMETERS.items()
}


def _flag(name: str, value: object) -> bool | None:
    """A documented Boolean: ``True``/``False``, or ``"true"``/``"false"`` in any case.

    Returns ``None`` for a string that is not a boolean (the API's
    ``InvalidParameter``); raises for a value no request could carry.
    """
    if value is True or value is False:
        return value
    if value is None:
        return False
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        return None
    raise InvalidArgument(f"{name}={value!r}: expected a bool or the string 'true' or 'false'")


def _instance_id(value: object) -> str | None:
    """``None`` for a missing or empty id (``MissingParameter``); the id otherwise."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"instance_id={value!r}: expected the instance id as a str")
    return value


def _money(name: str, value: object) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidArgument(f"{name}={value!r}: expected an amount (Decimal, int, float or str)")
    else:
        try:
            result = Decimal(repr(value) if isinstance(value, float) else value)
        except InvalidOperation:
            raise InvalidArgument(f"{name}={value!r}: not a number") from None
    if not result.is_finite():
        raise InvalidArgument(f"{name}={value!r}: expected a finite amount")
    return result


def _bool_arg(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r}: expected True or False")
    return value


class EcsModel:
    """One account's ECS instances: the documented lifecycle, in memory.

    Args:
        seed: Seeds request ids, generated instance ids and drawn durations. The
            same seed and the same calls give the same ids, timings and trace.
        clock: The caller's clock; a new ``ManualClock()`` at 0.0 by default.
        durations: How long Pending, Starting and Stopping last
            (``Durations()`` by default; ``Durations.immediate()`` for none).
        balance: The account balance.
        minimum_start_balance: A PostPaid instance cannot start while the balance
            is below this (default 0).
        in_arrears: Whether the account has an overdue payment.

    The model does no I/O, reads no wall clock and starts no thread.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        durations: Durations | None = None,
        balance: Decimal | int | float | str = Decimal(100),
        minimum_start_balance: Decimal | int | float | str = Decimal(0),
        in_arrears: bool = False,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgument(f"seed={seed!r}: expected an int")
        if clock is None:
            clock = ManualClock()
        elif not isinstance(clock, Clock):
            raise InvalidArgument(f"clock={clock!r}: expected an object with a now() method")
        if durations is None:
            durations = Durations()
        elif not isinstance(durations, Durations):
            raise InvalidArgument(f"durations={durations!r}: expected a lifecycle.Durations")
        self._seed = seed
        self._clock = clock
        self._durations = durations
        # Per status code: None for a stable status, the seconds of a Fixed
        # duration, or the Duration to draw from.
        self._duration_of: tuple[float | Duration | None, ...] = tuple(
            None if row is None else _fixed_seconds(durations.for_status(status))
            for status, row in zip(STATUSES, _SETTLE_ROWS, strict=True)
        )
        # Independent streams: changing the durations or the faults never shifts request ids.
        self._request_rng = Random(f"{seed}/request-ids")
        self._instance_rng = Random(f"{seed}/instance-ids")
        self._duration_rng = Random(f"{seed}/durations")
        self._fault_rng = Random(f"{seed}/faults")
        self._lock = threading.RLock()
        self._subscribers: list[Subscriber] = []
        # Account.
        self._balance = _money("balance", balance)
        self._minimum = _money("minimum_start_balance", minimum_start_balance)
        self._in_arrears = _bool_arg("in_arrears", in_arrears)
        self._account_facts = 0
        self._refresh_account_facts()
        # Instances, one column per attribute.
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        self._status = bytearray()
        self._faults = bytearray()
        self._traits = bytearray()
        self._expired = array("d")
        self._settles_at = array("d")
        self._types: list[str] = []
        self._losses: dict[int, list[DataLoss]] = {}
        # Clock-driven transitions: (due, sequence, index, request id of the cause).
        self._due: list[tuple[float, int, int, int]] = []
        self._sequence = 0
        # Injected faults, in the order they were added.
        self._fault_rules: list[_ActiveFault] = []
        self._next_fault_id = 1

    # ------------------------------------------------------------------ time
    @property
    def clock(self) -> Clock:
        """The clock the model reads."""
        return self._clock

    @property
    def now(self) -> float:
        """The model's current time (the clock's ``now()``)."""
        return self._clock.now()

    def advance(self, seconds: float) -> float:
        """Advance a ``ManualClock`` and settle every transition that fell due.

        Returns:
            The new time.

        Raises:
            InvalidArgument: if the model's clock is not a ``ManualClock``, or
                ``seconds`` is negative.
        """
        if not isinstance(self._clock, ManualClock):
            raise InvalidArgument(
                "advance() needs a ManualClock; advance your own clock and call settle()"
            )
        with self._lock:
            now = self._clock.advance(seconds)
            self._settle(now)
            return now

    def settle(self) -> None:
        """Apply every clock-driven transition that is due by the clock's ``now()``.

        Every other public method does this first; call it to have subscribers
        hear about due transitions without making a call.
        """
        with self._lock:
            self._settle(self._clock.now())

    # ------------------------------------------------------- subscriptions
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every status change from now on.

        Callbacks run under the model's lock, in order; they may read the model
        but should not block. An exception from a callback propagates to the
        caller after the change it reports has been made.

        Returns:
            A function that unsubscribes ``callback``.
        """
        if not callable(callback):
            raise InvalidArgument(f"callback={callback!r}: expected a callable")
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    # ---------------------------------------------------------- set-up
    def create_instance(
        self,
        instance_id: str | None = None,
        *,
        instance_type: str = "ecs.g7.large",
        status: InstanceStatus | str = InstanceStatus.PENDING,
        charge_type: ChargeType | str = ChargeType.POSTPAID,
        expired_time: float | None = None,
        security_locked: bool = False,
        has_local_disk: bool | None = None,
        cloud_disk_abnormal: bool = False,
        local_disk_abnormal: bool = False,
    ) -> str:
        """Add an instance in any documented condition and return its id.

        A new instance is ``Pending`` and becomes ``Stopped`` when its creation
        completes. Pass ``status`` to place it directly in another status (a
        transitory one settles after its configured duration).

        Args:
            instance_id: The id; generated from the seed (``i-`` and 20 characters)
                when omitted.
            instance_type: For example ``ecs.d1.2xlarge``; its family decides
                whether ``InitLocalDisk`` applies.
            status: The starting status.
            charge_type: ``PostPaid`` (default) or ``PrePaid``.
            expired_time: A PrePaid instance's subscription end on the model's
                clock; default 30 days from now. Not allowed for PostPaid.
            security_locked: Whether ``OperationLocks`` holds ``security``.
            has_local_disk: Whether it has local disks; default: d1, i1 and i2
                families do.
            cloud_disk_abnormal: A cloud disk is in an abnormal status.
            local_disk_abnormal: A local disk is in an abnormal status.

        Raises:
            InvalidArgument: for a duplicate id or an impossible condition.
        """
        if instance_id is not None and (not isinstance(instance_id, str) or not instance_id):
            raise InvalidArgument(f"instance_id={instance_id!r}: expected a non-empty str")
        template = _template(
            instance_type,
            status,
            charge_type,
            expired_time,
            security_locked,
            has_local_disk,
            cloud_disk_abnormal,
            local_disk_abnormal,
        )
        with self._lock:
            now = self._clock.now()
            self._settle(now)
            if instance_id is None:
                instance_id = self._new_instance_id()
            elif instance_id in self._index:
                raise InvalidArgument(f"instance_id={instance_id!r}: already exists in this model")
            self._append(template, [instance_id], now)
            return instance_id

    def create_instances(
        self,
        count: int,
        *,
        id_prefix: str | None = None,
        instance_type: str = "ecs.g7.large",
        status: InstanceStatus | str = InstanceStatus.PENDING,
        charge_type: ChargeType | str = ChargeType.POSTPAID,
        expired_time: float | None = None,
        security_locked: bool = False,
        has_local_disk: bool | None = None,
        cloud_disk_abnormal: bool = False,
        local_disk_abnormal: bool = False,
    ) -> list[str]:
        """Add ``count`` instances in the same condition and return their ids, in order.

        The same as ``count`` calls of ``create_instance`` (same generated ids,
        same request ids, same events), at a small constant cost per instance.

        Args:
            count: How many (zero or more).
            id_prefix: Name them ``{id_prefix}0``, ``{id_prefix}1``, ...; generated
                from the seed like ``create_instance``'s when omitted.
            instance_type: As for ``create_instance``; so are the other arguments.

        Raises:
            InvalidArgument: for a bad count, an impossible condition, or an id
                that already exists; then no instance is added.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidArgument(f"count={count!r}: expected an int >= 0")
        if id_prefix is not None and (not isinstance(id_prefix, str) or not id_prefix):
            raise InvalidArgument(f"id_prefix={id_prefix!r}: expected a non-empty str")
        template = _template(
            instance_type,
            status,
            charge_type,
            expired_time,
            security_locked,
            has_local_disk,
            cloud_disk_abnormal,
            local_disk_abnormal,
        )
        with self._lock:
            now = self._clock.now()
            self._settle(now)
            if id_prefix is None:
                ids = [self._new_instance_id() for _ in range(count)]
            else:
                ids = [f"{id_prefix}{n}" for n in range(count)]
                taken = next((i for i in ids if i in self._index), None)
                if taken is not None:
                    raise InvalidArgument(
                        f"id_prefix={id_prefix!r}: {taken!r} already exists in this model"
                    )
            self._append(template, ids, now)
            return ids

    def _append(self, template: _Template, ids: list[str], now: float) -> None:
        """Add instances named ``ids`` made from ``template``; the caller holds the lock."""
        count = len(ids)
        first = len(self._ids)
        status, faults, traits, charge, expired_time, instance_type = template
        if charge is ChargeType.PREPAID:
            expiry = now + 30 * 86400.0 if expired_time is None else expired_time
        else:
            expiry = _NEVER
        self._ids.extend(ids)
        self._index.update(zip(ids, range(first, first + count), strict=True))
        self._status.extend(bytes((status,)) * count)
        self._faults.extend(bytes((faults,)) * count)
        self._traits.extend(bytes((traits,)) * count)
        self._expired.extend(array("d", (expiry,)) * count)
        self._settles_at.extend(array("d", (_NEVER,)) * count)
        self._types.extend([instance_type] * count)
        code = STATUSES[status]
        for index in range(first, first + count):
            request = self._request_rng.getrandbits(128)
            if self._subscribers:
                self._emit(self._ids[index], None, code, "create", now, request, None)
            self._schedule(index, status, now, request)

    def _new_instance_id(self) -> str:
        while True:
            candidate = "i-" + "".join(self._instance_rng.choices(_ID_ALPHABET, k=20))
            if candidate not in self._index:
                return candidate

    # ----------------------------------------------------------- actions
    def start_instance(
        self, instance_id: str, *, init_local_disk: bool | str = False, dry_run: bool | str = False
    ) -> ActionResponse:
        """StartInstance: Stopped -> Starting, then Running when the start time has passed.

        Args:
            instance_id: The instance to start.
            init_local_disk: On d1, i1 and i2 instances, recover an abnormal local
                disk to its last normal status (its newer data is lost) instead of
                failing with ``DiskError``. Does nothing on other families.
            dry_run: Check the request only; answers ``DryRunOperation``.

        Returns:
            The response, carrying the ``RequestId``.

        Raises:
            ApiError: the documented code, message and HTTP status of the first
                failing check; the model is left exactly as it was.
            InvalidArgument: for an argument of the wrong Python type.
        """
        init = _flag("init_local_disk", init_local_disk)
        dry = _flag("dry_run", dry_run)
        invalid = "InitLocalDisk" if init is None else "DryRun" if dry is None else None
        with self._lock:
            return self._act(
                _START,
                _instance_id(instance_id),
                invalid,
                dry,
                int(Fact.LOCAL_DISK_RECOVERABLE) if init else 0,
                None,
            )

    def reboot_instance(
        self, instance_id: str, *, force_stop: bool | str = False, dry_run: bool | str = False
    ) -> ActionResponse:
        """RebootInstance: Running -> Starting -> Running.

        Args:
            instance_id: The instance to restart.
            force_stop: Stop it like a power cut: data not yet flushed is lost
                (recorded as a ``DataLoss`` on the instance).
            dry_run: Check the request only; answers ``DryRunOperation``.

        Raises:
            ApiError: as for ``start_instance``.
            InvalidArgument: for an argument of the wrong Python type.
        """
        force = _flag("force_stop", force_stop)
        dry = _flag("dry_run", dry_run)
        invalid = "ForceStop" if force is None else "DryRun" if dry is None else None
        with self._lock:
            return self._act(
                _REBOOT,
                _instance_id(instance_id),
                invalid,
                dry,
                int(Fact.FORCE_STOP) if force else 0,
                None,
            )

    def stop_instance(
        self,
        instance_id: str,
        *,
        force_stop: bool | str = False,
        stopped_mode: StoppedMode | str | None = None,
        confirm_stop: bool | str | None = None,
        dry_run: bool | str = False,
    ) -> ActionResponse:
        """StopInstance: Running -> Stopping -> Stopped.

        Args:
            instance_id: The instance to stop.
            force_stop: Power cut: data not yet flushed is lost.
            stopped_mode: ``KeepCharging`` (default) or ``StopCharging``; recorded
                on the instance.
            confirm_stop: Accepted for compatibility and ignored, as documented.
            dry_run: Check the request only; answers ``DryRunOperation``.

        Raises:
            ApiError: as for ``start_instance``.
            InvalidArgument: for an argument of the wrong Python type.
        """
        force = _flag("force_stop", force_stop)
        confirm = _flag("confirm_stop", confirm_stop)
        dry = _flag("dry_run", dry_run)
        mode: StoppedMode | None = StoppedMode.KEEP_CHARGING
        if isinstance(stopped_mode, StoppedMode):
            mode = stopped_mode
        elif isinstance(stopped_mode, str):
            mode = next((m for m in StoppedMode if m.value == stopped_mode), None)
        elif stopped_mode is not None:
            raise InvalidArgument(
                f"stopped_mode={stopped_mode!r}: expected 'KeepCharging' or 'StopCharging'"
            )
        invalid = next(
            (
                name
                for name, value in (
                    ("ForceStop", force),
                    ("StoppedMode", mode),
                    ("ConfirmStop", confirm),
                    ("DryRun", dry),
                )
                if value is None
            ),
            None,
        )
        with self._lock:
            return self._act(
                _STOP,
                _instance_id(instance_id),
                invalid,
                dry,
                int(Fact.FORCE_STOP) if force else 0,
                mode,
            )

    def stop_by_platform(self, instance_id: str, cause: str) -> bool:
        """The platform stops a Running instance on its own: expiry or overdue payment.

        A PrePaid instance "stops providing services" when its subscription ends,
        and a PostPaid instance is stopped when its payment has been overdue for
        15 days (ecs-api-facts.md section 2.5). The model does not decide *when*:
        a simulator calls this at the time its own schedule says. The instance
        goes Running -> Stopping -> Stopped, as for StopInstance; the trace's
        ``cause`` is ``cause``. It is not an API call, so no rule is checked,
        but it draws a RequestId for the trace like a call does.

        Args:
            instance_id: The instance.
            cause: ``"expiry"`` (a PrePaid instance) or ``"overdue"`` (a
                PostPaid instance of an account in arrears).

        Returns:
            True if the instance was Running and is now stopping; False otherwise
            (nothing changes).

        Raises:
            InvalidArgument: for an unknown instance or cause, or a cause that
                does not apply to the instance (expiry of a PostPaid instance,
                an overdue stop while the account is not in arrears).
        """
        if cause not in PLATFORM_STOP_CAUSES:
            raise InvalidArgument(
                f"cause={cause!r}: expected one of {', '.join(map(repr, PLATFORM_STOP_CAUSES))}"
            )
        with self._lock:
            now = self._clock.now()
            self._settle(now)
            index = self._lookup(instance_id)
            prepaid = bool(self._traits[index] & _PREPAID)
            if cause == "expiry" and not prepaid:
                raise InvalidArgument(
                    f"{instance_id!r} is PostPaid: only a PrePaid subscription expires; "
                    "a PostPaid instance is stopped for cause='overdue'"
                )
            if cause == "overdue" and (prepaid or not self._in_arrears):
                raise InvalidArgument(
                    f"{instance_id!r}: an overdue stop needs a PostPaid instance of an account "
                    "in arrears (set_in_arrears())"
                )
            status = self._status[index]
            dest = _STOP.row[status]
            if dest == NO_TRANSITION:
                return False
            request = self._request_rng.getrandbits(128)
            self._status[index] = dest
            # No StoppedMode to clear: the start that made it Running cleared it (_attempt).
            if self._subscribers:
                self._emit(instance_id, STATUSES[status], STATUSES[dest], cause, now, request, None)
            self._schedule(index, dest, now, request)
            return True

    def bulk(
        self,
        action: Action | str,
        instance_ids: Iterable[str],
        *,
        force_stop: bool = False,
        init_local_disk: bool = False,
        stopped_mode: StoppedMode | str | None = None,
    ) -> list[ErrorCode | None]:
        """Call ``action`` on each instance in turn: a simulator's bulk path.

        Each is a full call, decided exactly as the single-call method decides
        it and drawing its own RequestId, but the answers are codes rather than
        responses and exceptions, and the lock is taken once.

        Args:
            action: ``StartInstance``, ``RebootInstance`` or ``StopInstance``.
            instance_ids: The instances, in call order.
            force_stop: For RebootInstance and StopInstance.
            init_local_disk: For StartInstance.
            stopped_mode: For StopInstance.

        Returns:
            Per instance, in order: ``None`` for success, else the error code
            the call would have raised.

        Raises:
            InvalidArgument: for a non-mutating action, a parameter the action
                does not take, or an id that is not a str.
        """
        resolved = resolve_action(action)
        plan = _PLANS.get(resolved)
        if plan is None:
            raise InvalidArgument(
                f"action={action!r}: bulk() runs StartInstance, RebootInstance or StopInstance"
            )
        force = _bool_arg("force_stop", force_stop)
        init = _bool_arg("init_local_disk", init_local_disk)
        if init and plan is not _START:
            raise InvalidArgument("init_local_disk applies to StartInstance only")
        if force and plan is _START:
            raise InvalidArgument("force_stop applies to RebootInstance and StopInstance only")
        mode: StoppedMode | None = None
        if stopped_mode is not None:
            if plan is not _STOP:
                raise InvalidArgument("stopped_mode applies to StopInstance only")
            mode = _enum(StoppedMode, "stopped_mode", stopped_mode)
        elif plan is _STOP:
            mode = StoppedMode.KEEP_CHARGING
        if isinstance(instance_ids, str) or not isinstance(instance_ids, Iterable):
            raise InvalidArgument(f"instance_ids={instance_ids!r}: expected a list of str ids")
        ids = list(instance_ids)
        if not all(isinstance(i, str) for i in ids):
            raise InvalidArgument(f"instance_ids={instance_ids!r}: expected a list of str ids")
        request_facts = (int(Fact.LOCAL_DISK_RECOVERABLE) if init else 0) | (
            int(Fact.FORCE_STOP) if force else 0
        )
        attempt = self._attempt
        with self._lock:
            return [
                attempt(plan, instance_id or None, None, False, request_facts, mode)[1]
                for instance_id in ids
            ]

    def _act(
        self,
        plan: _Plan,
        instance_id: str | None,
        invalid: str | None,
        dry_run: bool | None,
        request_facts: int,
        stopped_mode: StoppedMode | None,
    ) -> ActionResponse:
        request, code, parameter = self._attempt(
            plan, instance_id, invalid, dry_run, request_facts, stopped_mode
        )
        if code is not None:
            raise _reject(plan.action, code, request, parameter)
        return _response(request)

    def _attempt(
        self,
        plan: _Plan,
        instance_id: str | None,
        invalid: str | None,
        dry_run: bool | None,
        request_facts: int,
        stopped_mode: StoppedMode | None,
    ) -> _Outcome:
        """One call, decided and (on success) applied; the caller holds the lock."""
        # NB: the request stage runs in _rules.REQUEST_STAGE order; compile_precedence
        # refuses a PRECEDENCE row that disagrees with it.
        action = plan.action
        now = self._clock.now()
        if self._due and self._due[0][0] <= now:
            self._settle(now)
        request = self._request_rng.getrandbits(128)
        if instance_id is None:
            return request, ErrorCode.MISSING_PARAMETER, "InstanceId"
        if invalid is not None:
            return request, ErrorCode.INVALID_PARAMETER, invalid
        if self._fault_rules:
            fault_code = self._fault_before(action, instance_id, now, request)
            if fault_code is not None:
                return request, fault_code, None
        if dry_run:
            return request, ErrorCode.DRY_RUN_OPERATION, None
        index = self._index.get(instance_id)
        if index is None:
            return request, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND, None
        status = self._status[index]
        facts = self._facts(index, status, now, request_facts)
        code = decide(plan.compiled, facts, status)
        if code is not None:
            return request, code, None
        # Every check passed: change status, then apply the documented effects.
        dest = plan.row[status]
        self._status[index] = dest
        loss: DataLossCause | None = None
        for when, clears, cause in plan.effects:
            if facts & when == when:
                self._faults[index] &= ~clears & 0xFF
                loss = cause
        if loss is not None:
            self._losses.setdefault(index, []).append(
                DataLoss(time=now, cause=loss, request_id=format_request_id(request))
            )
        traits = self._traits[index]
        if traits & _STOPPED_BY_API or stopped_mode is not None:
            traits &= ~(_STOPPED_BY_API | _STOP_CHARGING)
            if stopped_mode is not None:
                traits |= _STOPPED_BY_API
                if stopped_mode is StoppedMode.STOP_CHARGING:
                    traits |= _STOP_CHARGING
            self._traits[index] = traits
        if self._subscribers:
            self._emit(
                instance_id,
                STATUSES[status],
                STATUSES[dest],
                plan.trigger,
                now,
                request,
                loss,
            )
        if self._fault_rules:
            delayed = self._fault_after(_DELAY, action, instance_id, now, request)
            lost = self._fault_after(_LOST, action, instance_id, now, request)
            self._schedule(index, dest, now, request, delayed.rule.delay if delayed else 0.0)
            if lost is not None:
                return request, ErrorCode.INTERNAL_ERROR, None
            return request, None, None
        self._schedule(index, dest, now, request)
        return request, None, None

    def _facts(self, index: int, status: int, now: float, request_facts: int) -> int:
        """The instance's ``Fact`` flags, as ``_spec.Fact`` defines each one."""
        facts = self._faults[index] | request_facts
        if status == _PENDING:
            facts |= Fact.PENDING
        traits = self._traits[index]
        if traits & _PREPAID:
            if now >= self._expired[index]:
                facts |= Fact.PREPAID_EXPIRED
        else:
            facts |= self._account_facts
        if not traits & _INIT_FAMILY:
            # InitLocalDisk only applies to d1, i1 and i2; elsewhere the request bit is void.
            facts &= ~_RECOVERABLE
        return facts

    def describe_instance_status(
        self,
        instance_ids: Sequence[str] | None = None,
        *,
        page_number: int | str = 1,
        page_size: int | str = DEFAULT_PAGE_SIZE,
        region_id: str | None = None,
    ) -> DescribeInstanceStatusResponse:
        """DescribeInstanceStatus: the status of the given instances, or of all.

        Unknown ids are simply absent, as documented. Results are in creation
        order, paged by ``page_number`` (from 1) and ``page_size`` (1 to 50).

        Raises:
            ApiError: ``InvalidParameter.TooManyInstanceIds`` for more than 100 ids,
                ``InvalidParameter`` for a bad page number or size.
            InvalidArgument: for arguments of the wrong Python type.
        """
        action = Action.DESCRIBE_INSTANCE_STATUS
        ids: list[str] = []
        if instance_ids is not None:
            if isinstance(instance_ids, str) or not isinstance(instance_ids, Iterable):
                raise InvalidArgument(f"instance_ids={instance_ids!r}: expected a list of str ids")
            ids = list(instance_ids)
            if not all(isinstance(i, str) for i in ids):
                raise InvalidArgument(f"instance_ids={instance_ids!r}: expected a list of str ids")
        if region_id is not None and not isinstance(region_id, str):
            raise InvalidArgument(f"region_id={region_id!r}: expected a str")
        number = _integer("page_number", page_number)
        size = _integer("page_size", page_size)
        with self._lock:
            now = self._clock.now()
            self._settle(now)
            request = self._request_number()
            request_id = format_request_id(request)
            if number is None or number < 1:
                raise api_error(action, ErrorCode.INVALID_PARAMETER, request_id, "PageNumber")
            if size is None or not 1 <= size <= 50:
                raise api_error(action, ErrorCode.INVALID_PARAMETER, request_id, "PageSize")
            if len(ids) > MAX_DESCRIBE_IDS:
                raise api_error(action, ErrorCode.TOO_MANY_INSTANCE_IDS, request_id)
            if self._fault_rules:
                fault_code = self._fault_before(action, None, now, request)
                if fault_code is not None:
                    raise api_error(action, fault_code, request_id)
            if not ids:
                matched: Sequence[int] = range(len(self._ids))
            else:
                matched = sorted({self._index[i] for i in ids if i in self._index})
            first = (number - 1) * size
            page = matched[first : first + size]
            items = tuple(
                InstanceStatusItem(instance_id=self._ids[i], status=STATUSES[self._status[i]])
                for i in page
            )
            return DescribeInstanceStatusResponse(
                request_id=request_id,
                page_number=number,
                page_size=size,
                total_count=len(matched),
                instance_statuses=items,
            )

    def call(self, action: Action | str, params: Mapping[str, object] | None = None) -> Response:
        """Call an action by its documented name with documented parameter names.

        ``model.call("StartInstance", {"InstanceId": "i-1", "InitLocalDisk": "True"})``
        is ``model.start_instance("i-1", init_local_disk="True")``. List parameters
        may be given as a list or as ``InstanceId.1``, ``InstanceId.2``, ... keys.

        Raises:
            ApiError: as the action documents.
            InvalidArgument: for an unknown action or parameter name.
        """
        try:
            resolved = Action(action)
        except ValueError:
            known = ", ".join(a.value for a in Action)
            raise InvalidArgument(
                f"action={action!r}: unknown; the model answers {known}"
            ) from None
        known_params = _PARAMS_BY_NAME[resolved]
        kwargs: dict[str, object] = {}
        listed: dict[str, dict[int, object]] = {}
        for name, value in (params or {}).items():
            base, dot, position = name.partition(".")
            param = known_params.get(base if dot else name)
            if param is None or (dot and (param.type is not ParamType.STRING_LIST)):
                raise InvalidArgument(
                    f"parameter {name!r} is not a parameter of {resolved.value}; "
                    f"it takes {', '.join(p.name for p in known_params.values())}"
                )
            if dot:
                if not position.isdigit() or int(position) < 1:
                    raise InvalidArgument(f"parameter {name!r}: expected {base}.N with N >= 1")
                listed.setdefault(param.python_name, {})[int(position)] = value
            elif value is not None:
                kwargs[param.python_name] = value
        for python_name, by_position in listed.items():
            kwargs[python_name] = [by_position[k] for k in sorted(by_position)]
        if resolved is Action.DESCRIBE_INSTANCE_STATUS:
            return self.describe_instance_status(**kwargs)  # type: ignore[arg-type]
        instance_id = kwargs.pop("instance_id", None)
        methods: dict[Action, Callable[..., ActionResponse]] = {
            Action.START_INSTANCE: self.start_instance,
            Action.REBOOT_INSTANCE: self.reboot_instance,
            Action.STOP_INSTANCE: self.stop_instance,
        }
        return methods[resolved](instance_id, **kwargs)

    # ------------------------------------------------------- observation
    def instance_ids(self) -> list[str]:
        """Every instance id, in creation order."""
        with self._lock:
            return list(self._ids)

    def statuses(self, instance_ids: Iterable[str] | None = None) -> list[InstanceStatus]:
        """The status of each given instance (or of every one, in creation order), now.

        Raises:
            InvalidArgument: for an id that is not in the model.
        """
        with self._lock:
            self._settle(self._clock.now())
            codes = self._status
            if instance_ids is None:
                return [STATUSES[code] for code in codes]
            return [STATUSES[codes[self._lookup(i)]] for i in instance_ids]

    def status_counts(self) -> dict[InstanceStatus, int]:
        """How many instances are in each status now (every status, zeros included)."""
        with self._lock:
            self._settle(self._clock.now())
            return {status: self._status.count(code) for code, status in enumerate(STATUSES)}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, instance_id: object) -> bool:
        return instance_id in self._index

    def instance(self, instance_id: str) -> InstanceView:
        """Everything the model knows about one instance, now.

        Raises:
            InvalidArgument: if there is no such instance.
        """
        with self._lock:
            self._settle(self._clock.now())
            index = self._lookup(instance_id)
            traits = self._traits[index]
            faults = self._faults[index]
            mode = None
            if traits & _STOPPED_BY_API:
                mode = (
                    StoppedMode.STOP_CHARGING
                    if traits & _STOP_CHARGING
                    else StoppedMode.KEEP_CHARGING
                )
            settles_at = self._settles_at[index]
            return InstanceView(
                instance_id=instance_id,
                status=STATUSES[self._status[index]],
                instance_type=self._types[index],
                family=family_of(self._types[index]),
                charge_type=ChargeType.PREPAID if traits & _PREPAID else ChargeType.POSTPAID,
                expired_time=self._expired[index] if traits & _PREPAID else None,
                lock_reasons=("security",) if faults & _SECURITY else (),
                has_local_disk=bool(traits & _HAS_LOCAL_DISK),
                cloud_disk_abnormal=bool(faults & _CLOUD_DISK),
                local_disk_abnormal=bool(faults & _LOCAL_DISK),
                stopped_mode=mode,
                settles_at=None if settles_at == _NEVER else settles_at,
                data_losses=tuple(self._losses.get(index, ())),
            )

    def status(self, instance_id: str) -> InstanceStatus:
        """The instance's status now.

        Raises:
            InvalidArgument: if there is no such instance.
        """
        with self._lock:
            self._settle(self._clock.now())
            return STATUSES[self._status[self._lookup(instance_id)]]

    @property
    def account(self) -> AccountView:
        """The account's balance, minimum for starting and arrears flag."""
        with self._lock:
            return AccountView(
                balance=self._balance,
                minimum_start_balance=self._minimum,
                in_arrears=self._in_arrears,
            )

    def check(
        self,
        action: Action | str,
        instance_id: str,
        *,
        init_local_disk: bool = False,
        force_stop: bool = False,
    ) -> ErrorCode | None:
        """Would ``action`` on ``instance_id`` succeed now? A pure query.

        Unlike a call, it draws no request id, consumes no injected fault and
        changes nothing. It answers the first failing instance check, or
        ``InvalidInstanceId.NotFound``, or ``None`` when the call would succeed.
        """
        resolved = resolve_action(action)
        instance_id = _instance_id(instance_id) or ""
        if resolved not in ACTION_TRIGGERS:
            raise InvalidArgument(f"action={action!r}: check() answers mutating actions only")
        request_facts = (int(Fact.LOCAL_DISK_RECOVERABLE) if init_local_disk else 0) | (
            int(Fact.FORCE_STOP) if force_stop else 0
        )
        with self._lock:
            now = self._clock.now()
            self._settle(now)
            index = self._index.get(instance_id)
            if index is None:
                return ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
            status = self._status[index]
            return first_failure(resolved, self._facts(index, status, now, request_facts), status)

    # ------------------------------------------------------------ faults
    def lock(self, instance_id: str, reason: str = "security") -> None:
        """Add ``reason`` to the instance's ``OperationLocks`` (only ``security`` is modelled)."""
        self._set_fault(instance_id, _security_bit(reason), True)

    def unlock(self, instance_id: str, reason: str = "security") -> None:
        """Remove ``reason`` from the instance's ``OperationLocks``."""
        self._set_fault(instance_id, _security_bit(reason), False)

    def set_disk_abnormal(
        self, instance_id: str, kind: DiskKind | str = DiskKind.CLOUD, abnormal: bool = True
    ) -> None:
        """Mark the instance's cloud or local disks abnormal (or normal again).

        Raises:
            InvalidArgument: for a local-disk fault on an instance without local disks.
        """
        disk = _enum(DiskKind, "kind", kind)
        self._set_fault(instance_id, _DISK_BITS[disk], _bool_arg("abnormal", abnormal))

    def _set_fault(self, instance_id: str, bit: int, on: bool) -> None:
        with self._lock:
            self._settle(self._clock.now())
            index = self._lookup(instance_id)
            if bit == _LOCAL_DISK and not self._traits[index] & _HAS_LOCAL_DISK:
                raise InvalidArgument(
                    f"kind='local': {instance_id!r} has no local disk "
                    "(create it with has_local_disk=True)"
                )
            if on:
                self._faults[index] |= bit
            else:
                self._faults[index] &= ~bit & 0xFF

    def set_expired_time(self, instance_id: str, expired_time: float) -> None:
        """Set a PrePaid instance's subscription end, in model time.

        Raises:
            InvalidArgument: for a PostPaid instance, or a time that is not a number.
        """
        when = _time(expired_time)
        with self._lock:
            self._settle(self._clock.now())
            index = self._lookup(instance_id)
            if not self._traits[index] & _PREPAID:
                raise InvalidArgument(
                    f"{instance_id!r} is PostPaid: expiry applies to PrePaid instances; "
                    "use set_in_arrears() for a PostPaid account"
                )
            self._expired[index] = when

    def set_balance(self, balance: Decimal | int | float | str) -> None:
        """Set the account balance."""
        value = _money("balance", balance)
        with self._lock:
            self._balance = value
            self._refresh_account_facts()

    def set_minimum_start_balance(self, minimum: Decimal | int | float | str) -> None:
        """Set the balance below which PostPaid instances cannot start."""
        value = _money("minimum_start_balance", minimum)
        with self._lock:
            self._minimum = value
            self._refresh_account_facts()

    def set_in_arrears(self, in_arrears: bool = True) -> None:
        """Mark the account as having (or no longer having) an overdue payment."""
        flag = _bool_arg("in_arrears", in_arrears)
        with self._lock:
            self._in_arrears = flag
            self._refresh_account_facts()

    def add_fault(self, rule: FaultRule) -> int:
        """Inject a fault: calls the rule matches fail (or are delayed) as it says.

        Faults are checked after a call's parameter checks and before its dry
        run, so a malformed call never reaches one and never uses one up. See
        ``FaultRule`` and ``FaultKind`` for what each kind does.

        Returns:
            The fault's id, for ``remove_fault`` and in every ``FaultEvent``.
        """
        if not isinstance(rule, FaultRule):
            raise InvalidArgument(f"rule={rule!r}: expected a lifecycle.FaultRule")
        with self._lock:
            fault_id = self._next_fault_id
            self._next_fault_id += 1
            self._fault_rules.append(_ActiveFault(fault_id, rule, 0, rule.count))
            return fault_id

    def remove_fault(self, fault_id: int) -> None:
        """Stop injecting the fault ``add_fault`` returned ``fault_id`` for.

        Raises:
            InvalidArgument: if no such fault is active (a counted fault retires
                once it has fired ``count`` times).
        """
        with self._lock:
            for position, fault in enumerate(self._fault_rules):
                if fault.fault_id == fault_id:
                    del self._fault_rules[position]
                    return
        raise InvalidArgument(f"fault_id={fault_id!r}: no such active fault")

    def clear_faults(self) -> None:
        """Stop injecting every fault."""
        with self._lock:
            self._fault_rules.clear()

    def faults(self) -> tuple[FaultState, ...]:
        """The active faults, in the order they were added, with their counters."""
        with self._lock:
            return tuple(fault.state() for fault in self._fault_rules)

    def inject_internal_error(self, action: Action | str, count: int = 1) -> None:
        """Make the next ``count`` well-formed calls of ``action`` fail with ``InternalError``.

        Shorthand for ``add_fault(FaultRule(kind="error", action=action, count=count))``;
        ``count=0`` removes every such counted fault of ``action``. Such a call
        changes nothing. Calls rejected for their parameters do not reach the
        fault and do not consume it.
        """
        resolved = resolve_action(action)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidArgument(f"count={count!r}: expected an int >= 0")
        with self._lock:
            if count:
                self.add_fault(FaultRule(kind=FaultKind.ERROR, action=resolved, count=count))
            else:
                self._fault_rules = [
                    fault for fault in self._fault_rules if not _is_injected_error(fault, resolved)
                ]

    def injected_errors(self) -> dict[Action, int]:
        """How many ``inject_internal_error`` answers remain, per action."""
        with self._lock:
            remaining: dict[Action, int] = {}
            for fault in self._fault_rules:
                action = fault.rule.action
                if action is not None and _is_injected_error(fault, action):
                    remaining[action] = remaining.get(action, 0) + (fault.remaining or 0)
            return remaining

    # ------------------------------------------------------------ snapshots
    def snapshot(self) -> bytes:
        """The whole model as bytes: ``EcsModel.restore`` gives it back exactly.

        Instances, account, clock time, pending transitions, fault rules and the
        state of every seeded stream are saved, so a restored model answers the
        same calls with the same ids, timings and trace. Subscribers and the
        clock object are not saved. The format is documented in the README
        ("Snapshots") and is versioned; the bytes carry a sha256 checksum.

        Raises:
            SnapshotError: if a duration is a custom ``Duration`` (only ``Fixed``,
                ``Uniform`` and ``Exponential`` can be recorded).
        """
        with self._lock:
            self._settle(self._clock.now())
            return dump(self)

    @classmethod
    def restore(cls, data: bytes, *, clock: Clock | None = None) -> EcsModel:
        """A new model from ``snapshot()`` bytes.

        Args:
            data: The bytes.
            clock: The new model's clock; a ``ManualClock`` at the snapshot's time
                by default. A given clock must not be behind the snapshot's time.

        Raises:
            SnapshotError: for bytes that are not a snapshot, an unknown format
                version, or a truncated or corrupted snapshot. Nothing is half-loaded.
            InvalidArgument: for a clock that is not a clock, or is behind.
        """
        return load(data, clock, cls)

    def _restore_faults(self, active: list[tuple[int, FaultRule, int, int | None]]) -> None:
        self._fault_rules = [_ActiveFault(*fields) for fields in active]

    # ---------------------------------------------------------- internals
    def _fault_before(
        self, action: Action, instance_id: str | None, now: float, request: int
    ) -> ErrorCode | None:
        """The code of the first throttle, then error, fault that hits this call."""
        for kind, code in ((_THROTTLE, ErrorCode.THROTTLING), (_ERROR, ErrorCode.INTERNAL_ERROR)):
            for fault in self._fault_rules:
                if fault.rule.kind is kind and self._hits(fault, action, instance_id):
                    self._fired(fault, action, instance_id, now, request)
                    return code
        return None

    def _fault_after(
        self, kind: FaultKind, action: Action, instance_id: str, now: float, request: int
    ) -> _ActiveFault | None:
        """The first fault of ``kind`` (delay or lost response) that hits a successful call."""
        for fault in self._fault_rules:
            if fault.rule.kind is kind and self._hits(fault, action, instance_id):
                self._fired(fault, action, instance_id, now, request)
                return fault
        return None

    def _hits(self, fault: _ActiveFault, action: Action, instance_id: str | None) -> bool:
        rule = fault.rule
        if not rule.matches(action, instance_id):
            return False
        return rule.probability == 1.0 or self._fault_rng.random() < rule.probability

    def _fired(
        self,
        fault: _ActiveFault,
        action: Action,
        instance_id: str | None,
        now: float,
        request: int,
    ) -> None:
        fault.fired += 1
        if fault.remaining is not None:
            fault.remaining -= 1
            if not fault.remaining:
                self._fault_rules.remove(fault)
        if self._subscribers:
            event = FaultEvent(
                time=now,
                action=action,
                kind=fault.rule.kind,
                fault_id=fault.fault_id,
                request_id=format_request_id(request),
                instance_id=instance_id,
                delay=fault.rule.delay,
            )
            for callback in tuple(self._subscribers):
                callback(event)

    def _refresh_account_facts(self) -> None:
        facts = 0
        if self._in_arrears:
            facts |= Fact.POSTPAID_IN_ARREARS
        if self._balance < self._minimum:
            facts |= Fact.POSTPAID_BALANCE_LOW
        self._account_facts = facts

    def _lookup(self, instance_id: str) -> int:
        index = self._index.get(instance_id) if isinstance(instance_id, str) else None
        if index is None:
            raise InvalidArgument(f"instance_id={instance_id!r}: no such instance in this model")
        return index

    def _request_number(self) -> int:
        """The next request's 128-bit number; ``format_request_id`` makes it a RequestId."""
        return self._request_rng.getrandbits(128)

    def _schedule(
        self, index: int, status: int, now: float, request: int, extra: float = 0.0
    ) -> None:
        duration = self._duration_of[status]
        if duration is None:
            return
        seconds = duration if isinstance(duration, float) else duration.sample(self._duration_rng)
        due = now + seconds + extra
        self._settles_at[index] = due
        self._sequence += 1
        heapq.heappush(self._due, (due, self._sequence, index, request))
        if due <= now:
            self._settle(now)

    def _settle(self, now: float) -> None:
        due_list = self._due
        while due_list and due_list[0][0] <= now:
            due, _, index, request = heapq.heappop(due_list)
            status = self._status[index]
            settle = _SETTLE_ROWS[status]
            assert settle is not None, "only transitory statuses are ever scheduled"
            trigger, row = settle
            dest = row[status]
            self._status[index] = dest
            self._settles_at[index] = _NEVER
            if self._subscribers:
                self._emit(
                    self._ids[index],
                    STATUSES[status],
                    STATUSES[dest],
                    trigger,
                    due,
                    request,
                    None,
                )
            self._schedule(index, dest, due, request)

    def _emit(
        self,
        instance_id: str,
        source: InstanceStatus | None,
        dest: InstanceStatus,
        cause: str,
        time: float,
        request: int,
        loss: DataLossCause | None,
    ) -> None:
        event = TransitionEvent(
            instance_id=instance_id,
            source=source,
            dest=dest,
            cause=cause,
            time=time,
            request_id=format_request_id(request),
            data_loss=loss,
        )
        for callback in tuple(self._subscribers):
            callback(event)

    def __repr__(self) -> str:
        return f"EcsModel(seed={self._seed}, instances={len(self._ids)}, now={self.now!r})"


_E = TypeVar("_E", InstanceStatus, ChargeType, DiskKind, StoppedMode)


def _enum(kind: type[_E], name: str, value: object) -> _E:
    if isinstance(value, kind):
        return value
    for member in kind:
        if member.value == value:
            return member
    choices = ", ".join(repr(m.value) for m in kind)
    raise InvalidArgument(f"{name}={value!r}: expected one of {choices}")


def _fixed_seconds(duration: Duration) -> float | Duration:
    return duration.seconds if isinstance(duration, Fixed) else duration


def _reject(
    action: Action, code: ErrorCode, request: int, parameter: str | None = None
) -> ApiError:
    return api_error(action, code, format_request_id(request), parameter)


#: A validated condition for new instances: status code, fault bits, trait bits,
#: charge type, the PrePaid expiry (``None``: 30 days from creation) and the type.
_Template = tuple[int, int, int, ChargeType, float | None, str]


def _template(
    instance_type: object,
    status: object,
    charge_type: object,
    expired_time: object,
    security_locked: object,
    has_local_disk: object,
    cloud_disk_abnormal: object,
    local_disk_abnormal: object,
) -> _Template:
    """Validate a condition for new instances (``create_instance``'s arguments)."""
    if not isinstance(instance_type, str) or not instance_type:
        raise InvalidArgument(
            f"instance_type={instance_type!r}: expected a str such as 'ecs.g7.large'"
        )
    resolved_status = _enum(InstanceStatus, "status", status)
    charge = _enum(ChargeType, "charge_type", charge_type)
    family = family_of(instance_type)
    if has_local_disk is None:
        has_local_disk = init_local_disk_applies(family)
    locked = _bool_arg("security_locked", security_locked)
    local = _bool_arg("has_local_disk", has_local_disk)
    cloud_abnormal = _bool_arg("cloud_disk_abnormal", cloud_disk_abnormal)
    local_abnormal = _bool_arg("local_disk_abnormal", local_disk_abnormal)
    if local_abnormal and not local:
        raise InvalidArgument(
            "local_disk_abnormal=True: the instance has no local disk; pass has_local_disk=True"
        )
    expiry: float | None = None
    if expired_time is not None:
        if charge is not ChargeType.PREPAID:
            raise InvalidArgument(
                "expired_time is only for PrePaid instances; pass charge_type='PrePaid'"
            )
        expiry = _time(expired_time)
    faults = (
        (_SECURITY if locked else 0)
        | (_CLOUD_DISK if cloud_abnormal else 0)
        | (_LOCAL_DISK if local_abnormal else 0)
    )
    traits = (
        (_PREPAID if charge is ChargeType.PREPAID else 0)
        | (_INIT_FAMILY if init_local_disk_applies(family) else 0)
        | (_HAS_LOCAL_DISK if local else 0)
    )
    return STATUS_CODE[resolved_status], faults, traits, charge, expiry, instance_type


def _is_injected_error(fault: _ActiveFault, action: Action) -> bool:
    """Whether ``fault`` is of the ``inject_internal_error(action, count)`` shape."""
    rule = fault.rule
    return (
        rule.kind is _ERROR
        and rule.action is action
        and rule.instance_ids is None
        and rule.probability == 1.0
        and rule.count is not None
    )


def _security_bit(reason: str) -> int:
    if reason != "security":
        raise InvalidArgument(f"reason={reason!r}: only the 'security' lock reason is modelled")
    return _SECURITY


def _time(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidArgument(f"expired_time={value!r}: expected a time in seconds (model time)")
    return float(value)


def _integer(name: str, value: object) -> int | None:
    """A documented Integer: an int, or a decimal string; ``None`` if malformed."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r}: expected an int")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()):
            return None
        try:
            return int(text)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            return None
    raise InvalidArgument(f"{name}={value!r}: expected an int")
