"""A simulation engine's own path into the model's kernel: by position, no lock, no objects.

A simulation engine owns its model while it runs: it makes every call, one at
a time, from one thread, and nothing else reaches the model between two of its
events. The public lock buys such an owner nothing, and the public answers
(responses, ``ApiError`` objects, ``TransitionEvent`` objects for its own
mirror) cost more than the decisions. ``EnginePath`` gives the owner what
``Core.attempt_typed`` and ``Core.settle`` do, by instance position rather than
id: a call answers its error code (``None`` for success) and leaves its request
number in ``request``; every status change is reported straight to the owner's
``moved`` callback, with no event object, while the owner is the model's only
subscriber. When anyone else is subscribed, the model's own events go out
(``Core.emit``) exactly as a public call sends them, and the owner, itself a
subscriber, hears them that way instead.

The decisions stay the kernel's: the instance's facts come from
``Core.facts``, the first failing check from ``_rules.decide`` over the plan's
compiled precedence, the destination from the plan's compiled row, the effects
from the plan (``_spec.EFFECTS``), the durations from the model's schedule,
the faults from its injector. The steps are ``Core.attempt_typed``'s,
``Core.apply``'s and ``Core.settle``'s, in their order, drawing the same request
numbers; ``tests/test_engine_path.py`` drives twin models through this path and
through the public methods and compares every answer, request id, event and
snapshot. Only StartInstance, StopInstance and RebootInstance go this way
(their plans never release an instance); everything else an engine does goes
through the public methods.

Not thread-safe, by design: use it only while nothing else calls the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ._actions import PLANS
from ._core import Core, Plan, Subscriber
from ._faults import FaultKind
from ._instances import LAUNCH, NEVER, STARTING, STOPPED_BY_API, SUSPENDED
from ._machine import RELEASED_CODE, STATUS_CODE, STATUSES, TABLE
from ._model import EcsModel
from ._rules import decide
from ._spec import LAUNCH_SETTLE, SETTLE_TRIGGERS
from ._status import Action, DataLossCause, InstanceStatus, StoppedMode
from .errors import ErrorCode

__all__ = ["REBOOT", "START", "STOP", "EnginePath", "Moved"]

#: ``moved(index, dest, cause, time, request, loss)``: the instance at ``index``
#: entered state code ``dest`` at ``time``, for ``cause`` (a trigger), in the
#: request numbered ``request``, losing data to ``loss`` (or not: ``None``).
Moved = Callable[[int, int, str, float, int, DataLossCause | None], object]

START: Final = PLANS[Action.START_INSTANCE]
STOP: Final = PLANS[Action.STOP_INSTANCE]
REBOOT: Final = PLANS[Action.REBOOT_INSTANCE]
#: The plans this path runs: none of them releases an instance (no schedule to drop,
#: no billing to give back), which is what lets ``_apply`` leave release out.
_PLANS: Final = (START, STOP, REBOOT)
assert all(RELEASED_CODE not in plan.row for plan in _PLANS)

_PENDING: Final = STATUS_CODE[InstanceStatus.PENDING]
_DELAY: Final = FaultKind.DELAY
_LOST: Final = FaultKind.LOST_RESPONSE
_NOT_FOUND: Final = ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
_INTERNAL_ERROR: Final = ErrorCode.INTERNAL_ERROR
#: Per state code: the settle trigger and its compiled row (``None``: nothing settles).
_SETTLE_ROWS: Final[tuple[tuple[str, bytes] | None, ...]] = tuple(
    (SETTLE_TRIGGERS[s], TABLE[SETTLE_TRIGGERS[s]]) if s in SETTLE_TRIGGERS else None
    for s in STATUSES
)
_LAUNCH_ROW: Final = (LAUNCH_SETTLE, TABLE[LAUNCH_SETTLE])


class EnginePath:
    """An owner's index-based calls and settling, straight through ``model``'s kernel.

    Args:
        model: The model the owner has to itself while it uses this path.
        listener: The owner's subscriber, already subscribed to ``model``.
        moved: Told of every status change the path makes while ``listener`` is
            the model's only subscriber.
    """

    __slots__ = ("_core", "_moved", "_solo", "due", "request")

    def __init__(self, model: EcsModel, listener: Subscriber, moved: Moved) -> None:
        self._core: Core = model._core
        self._solo = [listener]
        self._moved = moved
        #: The model's schedule (read only): ``settle`` has work only when
        #: ``due and due[0][0] <= now``, so an owner checks before calling it.
        self.due = self._core.schedule.due
        #: The request number the last ``call`` drew (for a refusal's RequestId).
        self.request = 0

    def settle(self, now: float) -> None:
        """``Core.settle``: apply every due transition up to ``now``, in due order."""
        core = self._core
        schedule = core.schedule
        due_list = schedule.due
        instances = core.instances
        status_column = instances.status
        traits = instances.traits
        while due_list and due_list[0][0] <= now:
            due, _, index, request = schedule.pop()
            status = status_column[index]
            settle = _SETTLE_ROWS[status]
            assert settle is not None, "only transitory statuses are ever scheduled"
            if status == _PENDING and traits[index] & LAUNCH:
                # RunInstances: "created and then started" (the trait is spent here).
                traits[index] &= ~LAUNCH & 0xFF
                settle = _LAUNCH_ROW
            trigger, row = settle
            dest = row[status]
            instances.move(index, status, dest)
            instances.settles_at[index] = NEVER
            if dest == STARTING:
                instances.started[index] = due
            if core.subscribers == self._solo:
                self._moved(index, dest, trigger, due, request, None)
            elif core.subscribers:
                core.emit(instances.ids[index], status, dest, trigger, due, request, None)
            self._enter(index, dest, due, request, 0.0)

    def call(
        self, plan: Plan, index: int, now: float, request_facts: int, mode: StoppedMode | None
    ) -> ErrorCode | None:
        """``Core.attempt_typed`` for the instance at ``index``: its code, ``None`` for success.

        ``plan`` is ``START``, ``STOP`` or ``REBOOT``; ``now`` the clock's time;
        ``request_facts`` and ``mode`` what the public method would pass. The
        request number drawn is left in ``request``.
        """
        core = self._core
        due = core.schedule.due
        if due and due[0][0] <= now:
            self.settle(now)
        request = core.request_rng.getrandbits(128)
        self.request = request
        instances = core.instances
        if core.faults.rules:
            fault_code = core.faults.before(plan.action, instances.ids[index], now, request)
            if fault_code is not None:
                return fault_code
        status = instances.status[index]
        if status == RELEASED_CODE:
            return _NOT_FOUND  # what the released id's lookup answers
        facts = core.facts(index, status, now, request_facts)
        code = decide(plan.compiled, facts, status)
        if code is not None:
            return code
        if self._apply(plan, index, status, facts, now, request, mode):
            return _INTERNAL_ERROR
        return None

    def _apply(
        self,
        plan: Plan,
        index: int,
        status: int,
        facts: int,
        now: float,
        request: int,
        mode: StoppedMode | None,
    ) -> bool:
        """``Core.apply`` for a plan that never releases; whether a lost response hit it."""
        core = self._core
        instances = core.instances
        dest = plan.row[status]
        instances.move(index, status, dest)
        if dest == STARTING:
            instances.started[index] = now
        loss = (
            core.effects(plan, index, status, facts, now, request)
            if facts & plan.effect_facts
            else None
        )
        if mode is not None or instances.traits[index] & (STOPPED_BY_API | SUSPENDED):
            instances.record_stop_mode(index, mode)
        if core.subscribers == self._solo:
            self._moved(index, dest, plan.trigger, now, request, loss)
        elif core.subscribers:
            core.emit(instances.ids[index], status, dest, plan.trigger, now, request, loss)
        faults = core.faults
        if faults.rules:
            action, instance_id = plan.action, instances.ids[index]
            delayed = faults.after(_DELAY, action, instance_id, now, request)
            lost = faults.after(_LOST, action, instance_id, now, request)
            self._enter(index, dest, now, request, delayed.rule.delay if delayed else 0.0)
            return lost is not None
        self._enter(index, dest, now, request, 0.0)
        return False

    def _enter(self, index: int, status: int, now: float, request: int, extra: float) -> None:
        """``Core.enter``: schedule the end of a transitory status just entered."""
        core = self._core
        due = core.schedule.push(index, status, now, request, extra)
        if due is None:
            return
        core.instances.settles_at[index] = due
        if due <= now:
            self.settle(now)
