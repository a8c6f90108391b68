"""``EcsModel``: one account's ECS instances, in memory, driven by the tables.

The model is a facade over rooms of its own (``_core``): the instance
columns (``_instances``), the account and billing (``_billing``), the
due-transition schedule (``_schedule``), the faults (``_injector``) and the
snapshot format (``_snapshot``). Every action is declared once in
``_actions``: its parameter table and what answering it does. A call reads its
parameters with the one generic reader (``_params``), folds the instance's
condition into ``Fact`` flags, asks ``_rules`` for the first failing check and,
on success, writes the destination the compiled ``transitions`` machine gives.
This keeps a million instances in a few tens of megabytes and a call in a few
microseconds, flat in fleet size.

Every public method takes the model's re-entrant lock for its whole duration,
so concurrent callers see each call as atomic. Subscribers are called under
that lock, in transition order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from ._actions import DECLARATIONS as _FLEET_DECLARATIONS
from ._actions import (
    MAX_STATUS_PAGE,
    MIN_STATUS_PAGE,
    PLANS,
    Declaration,
    Response,
    describe_status_of,
)
from ._billing import Billing
from ._clock import Clock, ManualClock
from ._core import Core, Plan, Subscriber
from ._instances import template
from ._model_conditions import ConditionsMixin
from ._model_fleet import FleetMixin
from ._model_lifecycle import LifecycleMixin
from ._model_observe import ObservationMixin
from ._model_platform import PLATFORM_STOP_CAUSES, PlatformMixin
from ._params import by_python_name, extra_parameters, read
from ._provision import LIFECYCLE_DECLARATIONS
from ._snapshot import dump, load
from ._spec import DEFAULT_PAGE_SIZE, Fact, ParamType
from ._status import Action, ChargeType, InstanceStatus, StoppedMode
from ._timing import Durations
from ._views import ActionResponse, DescribeInstanceStatusResponse
from .errors import ErrorCode, InvalidArgument, _deferred_error

__all__ = ["PLATFORM_STOP_CAUSES", "EcsModel", "Response", "Subscriber"]

_START: Final = PLANS[Action.START_INSTANCE]
_STOP: Final = PLANS[Action.STOP_INSTANCE]
_REBOOT: Final = PLANS[Action.REBOOT_INSTANCE]
_RECOVERABLE: Final = int(Fact.LOCAL_DISK_RECOVERABLE)
_FORCE_STOP: Final = int(Fact.FORCE_STOP)
_KEEP_CHARGING: Final = StoppedMode.KEEP_CHARGING
_STOP_CHARGING: Final = StoppedMode.STOP_CHARGING
#: StopInstance's documented StoppedMode values, as the mode it records (see _actions._stop).
_STOP_MODES: Final[dict[str, StoppedMode]] = {
    StoppedMode.KEEP_CHARGING.value: StoppedMode.KEEP_CHARGING,
    StoppedMode.STOP_CHARGING.value: StoppedMode.STOP_CHARGING,
    StoppedMode.NOT_APPLICABLE.value: StoppedMode.KEEP_CHARGING,
}
_response = ActionResponse._from_number

#: Every action the model answers, declared once (``_actions``, ``_provision``).
DECLARATIONS: Final = {**_FLEET_DECLARATIONS, **LIFECYCLE_DECLARATIONS}
#: ``call``'s look-up by documented name: calling ``Action`` on a str runs the Enum
#: machinery's Python code (about 280 ns), more than the rest of the look-up.
#: (An ``Action`` finds itself too: a ``StrEnum`` member hashes and compares as its
#: value.) The declaration is looked up in ``DECLARATIONS`` per call, as ``_run`` does.
_ACTIONS: Final[dict[str, Action]] = {action.value: action for action in Action}
#: The single-instance actions ``call`` hands to their typed methods (the method's
#: name, and per documented parameter its keyword and whether it is a Boolean): the
#: typed method reads what its fast path cannot take exactly as ``call`` would.
_FLAGS: Final = {"true": True, "false": False}
_TYPED_CALLS: Final[dict[str, tuple[str, dict[str, tuple[str, bool]]]]] = {
    action.value: (
        method,
        {
            name: (param.python_name, param.type is ParamType.BOOLEAN)
            for name, param in DECLARATIONS[action].by_name.items()
        },
    )
    for action, method in (
        (Action.START_INSTANCE, "start_instance"),
        (Action.REBOOT_INSTANCE, "reboot_instance"),
        (Action.STOP_INSTANCE, "stop_instance"),
    )
}


class EcsModel(FleetMixin, LifecycleMixin, ConditionsMixin, ObservationMixin, PlatformMixin):
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
        billing = Billing(balance, minimum_start_balance, in_arrears)
        self._seed = seed
        self._lock = threading.RLock()
        self._core = Core(seed, clock, durations, billing)

    # ------------------------------------------------------------------ time
    @property
    def clock(self) -> Clock:
        """The clock the model reads."""
        return self._core.clock

    @property
    def now(self) -> float:
        """The model's current time (the clock's ``now()``)."""
        return self._core.clock.now()

    def advance(self, seconds: float) -> float:
        """Advance a ``ManualClock`` and settle every transition that fell due.

        Returns:
            The new time.

        Raises:
            InvalidArgument: if the model's clock is not a ``ManualClock``, or
                ``seconds`` is negative.
        """
        clock = self._core.clock
        if not isinstance(clock, ManualClock):
            raise InvalidArgument(
                "advance() needs a ManualClock; advance your own clock and call settle()"
            )
        with self._lock:
            now = clock.advance(seconds)
            self._core.settle(now)
            return now

    def settle(self) -> None:
        """Apply every clock-driven transition that is due by the clock's ``now()``.

        Every other public method does this first; call it to have subscribers
        hear about due transitions without making a call.
        """
        with self._lock:
            self._core.settle(self._core.clock.now())

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
            self._core.subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._core.subscribers:
                    self._core.subscribers.remove(callback)

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
        condition = template(
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
            core = self._core
            now = core.clock.now()
            core.settle(now)
            if instance_id is None:
                instance_id = core.new_instance_id()
            elif instance_id in core.instances.index:
                raise InvalidArgument(f"instance_id={instance_id!r}: already exists in this model")
            elif instance_id in core.instances.retired:
                raise InvalidArgument(
                    f"instance_id={instance_id!r}: was deleted; an id is never used again"
                )
            core.add(condition, [instance_id], now)
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
        condition = template(
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
            core = self._core
            now = core.clock.now()
            core.settle(now)
            if id_prefix is None:
                ids = [core.new_instance_id() for _ in range(count)]
            else:
                ids = [f"{id_prefix}{n}" for n in range(count)]
                instances = core.instances
                taken = next(
                    (i for i in ids if i in instances.index or i in instances.retired), None
                )
                if taken is not None:
                    raise InvalidArgument(
                        f"id_prefix={id_prefix!r}: {taken!r} already exists in this model"
                        " (or was deleted: an id is never used again)"
                    )
            core.add(condition, ids, now)
            return ids

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
        if (
            type(instance_id) is str
            and instance_id
            and dry_run is False
            and (init_local_disk is False or init_local_disk is True)
        ):
            request, code = self._typed(
                _START, instance_id, _RECOVERABLE if init_local_disk else 0, None
            )
            if code is None:
                return _response(request)
            raise _deferred_error(_START.action, code, request, None)
        return self._run(  # type: ignore[return-value]
            Action.START_INSTANCE,
            {"instance_id": instance_id, "init_local_disk": init_local_disk, "dry_run": dry_run},
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
        if (
            type(instance_id) is str
            and instance_id
            and dry_run is False
            and (force_stop is False or force_stop is True)
        ):
            request, code = self._typed(
                _REBOOT, instance_id, _FORCE_STOP if force_stop else 0, None
            )
            if code is None:
                return _response(request)
            raise _deferred_error(_REBOOT.action, code, request, None)
        return self._run(  # type: ignore[return-value]
            Action.REBOOT_INSTANCE,
            {"instance_id": instance_id, "force_stop": force_stop, "dry_run": dry_run},
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
        if (
            type(instance_id) is str
            and instance_id
            and dry_run is False
            and (force_stop is False or force_stop is True)
            and (confirm_stop is None or confirm_stop is False or confirm_stop is True)
        ):
            # StoppedMode as _actions._stop reads it: StopCharging, else KeepCharging. A
            # value outside the documented choices is an InvalidParameter: the slow path.
            mode: StoppedMode | None
            if stopped_mode is None or stopped_mode is _KEEP_CHARGING:
                mode = _KEEP_CHARGING
            elif stopped_mode is _STOP_CHARGING:
                mode = _STOP_CHARGING
            elif type(stopped_mode) is str:
                mode = _STOP_MODES.get(stopped_mode)
            else:
                mode = None
            if mode is not None:
                request, code = self._typed(
                    _STOP, instance_id, _FORCE_STOP if force_stop else 0, mode
                )
                if code is None:
                    return _response(request)
                raise _deferred_error(_STOP.action, code, request, None)
        return self._run(  # type: ignore[return-value]
            Action.STOP_INSTANCE,
            {
                "instance_id": instance_id,
                "force_stop": force_stop,
                "stopped_mode": stopped_mode,
                "confirm_stop": confirm_stop,
                "dry_run": dry_run,
            },
        )

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
            ApiError: ``InvalidParameter`` for a bad page number or size,
                ``Abs.InvalidInstanceIds.MalFormed`` for an empty id,
                ``InvalidParameter.TooManyInstanceIds`` for more than 100 ids.
            InvalidArgument: for arguments of the wrong Python type.
        """
        if (
            type(instance_ids) is list
            and len(instance_ids) == 1
            and type(page_number) is int
            and page_number >= 1
            and type(page_size) is int
            and MIN_STATUS_PAGE <= page_size <= MAX_STATUS_PAGE
            and (region_id is None or type(region_id) is str)
        ):
            # One id, typed as documented: nothing can be malformed but the id itself.
            instance_id = instance_ids[0]
            if type(instance_id) is str and instance_id:
                lock = self._lock
                lock.acquire()
                try:
                    if not self._core.faults.rules:
                        return describe_status_of(self._core, instance_id, page_number, page_size)
                finally:
                    lock.release()
        return self._run(  # type: ignore[return-value]
            Action.DESCRIBE_INSTANCE_STATUS,
            {
                "instance_ids": instance_ids,
                "page_number": page_number,
                "page_size": page_size,
                "region_id": region_id,
            },
        )

    def call(self, action: Action | str, params: Mapping[str, object] | None = None) -> Response:
        """Call an action by its documented name with documented parameter names.

        ``model.call("StartInstance", {"InstanceId": "i-1", "InitLocalDisk": "True"})``
        is ``model.start_instance("i-1", init_local_disk="True")``. Every action
        the model answers is callable so (``lifecycle.Action`` lists them). List
        parameters may be given as a list or as ``InstanceId.1``,
        ``InstanceId.2``, ... keys; DescribeInstances' ``InstanceIds`` as the
        JSON array string the API takes, or a list. Every response has
        ``to_dict()``, the documented body.

        Raises:
            ApiError: as the action documents.
            InvalidArgument: for an unknown action or parameter name.
        """
        resolved = _ACTIONS.get(action) if isinstance(action, str) else None
        if resolved is None:
            known = ", ".join(a.value for a in Action)
            raise InvalidArgument(f"action={action!r}: unknown; the model answers {known}")
        typed = _TYPED_CALLS.get(resolved) if type(params) is dict else None
        if typed is not None:
            method, keywords = typed
            arguments: dict[str, object] = {}
            for key, value in params.items():  # type: ignore[union-attr]
                keyword = keywords.get(key)
                if keyword is None or value is None:
                    break  # an unknown name or a None: the generic reader says what
                python_name, boolean = keyword
                # "true"/"false" as the typed fast path takes them; other text the
                # typed method hands to the reader, as here.
                arguments[python_name] = (
                    _FLAGS.get(value, value) if boolean and type(value) is str else value
                )
            else:
                if "instance_id" in arguments:  # else MissingParameter: the reader's
                    return getattr(self, method)(**arguments)  # type: ignore[no-any-return]
        declaration = DECLARATIONS[resolved]
        kwargs = by_python_name(resolved, declaration.by_name, params, declaration.ignored)
        return self._read_and_run(resolved, declaration, kwargs)

    def _typed(
        self, plan: Plan, instance_id: str, request_facts: int, mode: StoppedMode | None
    ) -> tuple[int, ErrorCode | None]:
        """A single-instance call whose arguments are already typed as documented.

        The public methods take this path when no parameter can be malformed (a
        non-empty str id, real bools, no dry run): it skips the generic reader and
        answers through ``Core.attempt_typed``, the same steps ``_run`` ends in:
        the request number and the refusal's code, None for a success.

        The public method builds the response, or raises a deferred ``ApiError``
        (as ``ApiError.deferred`` would build it) in its own frame, with no local
        name for it: each frame an exception crosses costs, and a local holding it
        would make a cycle (error, traceback, frame) that only the collector frees.
        """
        lock = self._lock
        lock.acquire()  # cheaper than ``with``, which looks up __enter__ and __exit__
        try:
            return self._core.attempt_typed(plan, instance_id, request_facts, mode)
        finally:
            lock.release()

    def _run(self, action: Action, values: Mapping[str, object]) -> Response:
        """Read ``values`` with the action's parameter table, then answer it under the lock."""
        return self._read_and_run(action, DECLARATIONS[action], values)

    def _read_and_run(
        self, action: Action, declaration: Declaration, values: Mapping[str, object]
    ) -> Response:
        typed, problems = read(declaration.params, values)
        if declaration.ignored:
            typed["extra"] = extra_parameters(action, declaration.ignored, values.get("extra"))
        with self._lock:
            return declaration.run(self._core, typed, problems)

    # ------------------------------------------------------------ snapshots
    def snapshot(self) -> bytes:
        """The whole model as bytes: ``EcsModel.restore`` gives it back exactly.

        Instances, account, clock time, pending transitions, fault rules and the
        state of every seeded stream are saved, so a restored model answers the
        same calls with the same ids, timings and trace. Subscribers and the
        clock object are not saved. The format is documented in docs/model.md
        ("Faults, fleets and snapshots") and is versioned; the bytes carry a
        sha256 checksum.

        Raises:
            SnapshotError: if a duration is a custom ``Duration`` (only ``Fixed``,
                ``Uniform`` and ``Exponential`` can be recorded).
        """
        with self._lock:
            self._core.settle(self._core.clock.now())
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

    def __repr__(self) -> str:
        return f"EcsModel(seed={self._seed}, instances={len(self)}, now={self.now!r})"
