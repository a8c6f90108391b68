"""``EcsModel``'s paths for simulators: the platform's own stops, and many calls at once.
A mixin over the model's core and lock."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Final

from ._actions import PLANS
from ._core import Core
from ._instances import PREPAID, SUSPENDED
from ._machine import NO_TRANSITION
from ._params import bool_arg, enum_arg, str_list
from ._spec import Fact
from ._status import Action, StoppedMode, resolve_action
from .errors import ErrorCode, InvalidArgument

#: The causes of a stop the platform makes on its own (ecs-api-facts.md section 2.5).
PLATFORM_STOP_CAUSES: Final = ("expiry", "overdue")
_START: Final = PLANS[Action.START_INSTANCE]
_STOP: Final = PLANS[Action.STOP_INSTANCE]
_MISSING: Final = ErrorCode.MISSING_PARAMETER


class PlatformMixin:
    """What the platform and simulators do besides single API calls (part of ``EcsModel``)."""

    _core: Core
    _lock: threading.RLock

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
            core = self._core
            now = core.clock.now()
            core.settle(now)
            instances = core.instances
            index = instances.lookup(instance_id)
            prepaid = bool(instances.traits[index] & PREPAID)
            if cause == "expiry" and not prepaid:
                raise InvalidArgument(
                    f"{instance_id!r} is PostPaid: only a PrePaid subscription expires; "
                    "a PostPaid instance is stopped for cause='overdue'"
                )
            if cause == "overdue" and (prepaid or not core.billing.in_arrears):
                raise InvalidArgument(
                    f"{instance_id!r}: an overdue stop needs a PostPaid instance of an account "
                    "in arrears (set_in_arrears())"
                )
            status = instances.status[index]
            dest = _STOP.row[status]
            if dest == NO_TRANSITION:
                return False
            request = core.request_rng.getrandbits(128)
            instances.move(index, status, dest)
            # Suspended until renewed (expiry) or reactivated (overdue), or started again.
            # No StoppedMode to clear: the start that made it Running cleared it (Core.apply).
            instances.traits[index] |= SUSPENDED
            if core.subscribers:
                core.emit(instance_id, status, dest, cause, now, request, None)
            core.enter(index, dest, now, request)
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
        plan = PLANS.get(resolved)
        if plan is None:
            raise InvalidArgument(
                f"action={action!r}: bulk() runs StartInstance, RebootInstance or StopInstance"
            )
        force = bool_arg("force_stop", force_stop)
        init = bool_arg("init_local_disk", init_local_disk)
        if init and plan is not _START:
            raise InvalidArgument("init_local_disk applies to StartInstance only")
        if force and plan is _START:
            raise InvalidArgument("force_stop applies to RebootInstance and StopInstance only")
        mode: StoppedMode | None = None
        if stopped_mode is not None:
            if plan is not _STOP:
                raise InvalidArgument("stopped_mode applies to StopInstance only")
            mode = enum_arg(StoppedMode, "stopped_mode", stopped_mode)
        elif plan is _STOP:
            mode = StoppedMode.KEEP_CHARGING
        ids = str_list("instance_ids", instance_ids)
        request_facts = (int(Fact.LOCAL_DISK_RECOVERABLE) if init else 0) | (
            int(Fact.FORCE_STOP) if force else 0
        )
        attempt = self._core.attempt
        with self._lock:
            return [
                attempt(
                    plan,
                    instance_id,
                    None if instance_id else _MISSING,
                    "InstanceId",
                    False,
                    request_facts,
                    mode,
                )[1]
                for instance_id in ids
            ]
