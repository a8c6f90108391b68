"""``EcsModel``'s set-up of conditions no ECS action creates: locks, disks, expiry,
billing and injected faults. A mixin over the model's core and lock."""

from __future__ import annotations

import threading
from decimal import Decimal

from ._core import Core
from ._faults import FaultKind, FaultRule, FaultState
from ._instances import CLOUD_DISK, LOCAL_DISK, PREPAID, SECURITY
from ._params import bool_arg, enum_arg, model_time, money
from ._status import Action, DiskKind, resolve_action
from .errors import InvalidArgument

_DISK_BITS = {DiskKind.CLOUD: CLOUD_DISK, DiskKind.LOCAL: LOCAL_DISK}


class ConditionsMixin:
    """Set the conditions the rules read (part of ``EcsModel``)."""

    _core: Core
    _lock: threading.RLock

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
        disk = enum_arg(DiskKind, "kind", kind)
        self._set_fault(instance_id, _DISK_BITS[disk], bool_arg("abnormal", abnormal))

    def _set_fault(self, instance_id: str, bit: int, on: bool) -> None:
        with self._lock:
            core = self._core
            core.settle(core.clock.now())
            core.instances.set_fault(instance_id, bit, on)

    def set_expired_time(self, instance_id: str, expired_time: float) -> None:
        """Set a PrePaid instance's subscription end, in model time.

        Raises:
            InvalidArgument: for a PostPaid instance, or a time that is not a number.
        """
        when = model_time("expired_time", expired_time)
        with self._lock:
            core = self._core
            core.settle(core.clock.now())
            index = core.instances.lookup(instance_id)
            if not core.instances.traits[index] & PREPAID:
                raise InvalidArgument(
                    f"{instance_id!r} is PostPaid: expiry applies to PrePaid instances; "
                    "use set_in_arrears() for a PostPaid account"
                )
            core.instances.expired[index] = when

    # ----------------------------------------------------------- billing
    def set_balance(self, balance: Decimal | int | float | str) -> None:
        """Set the account balance."""
        value = money("balance", balance)
        with self._lock:
            self._core.billing.set(balance=value)

    def set_minimum_start_balance(self, minimum: Decimal | int | float | str) -> None:
        """Set the balance below which PostPaid instances cannot start."""
        value = money("minimum_start_balance", minimum)
        with self._lock:
            self._core.billing.set(minimum=value)

    def set_in_arrears(self, in_arrears: bool = True) -> None:
        """Mark the account as having (or no longer having) an overdue payment."""
        flag = bool_arg("in_arrears", in_arrears)
        with self._lock:
            self._core.billing.set(in_arrears=flag)

    # --------------------------------------------------- injected faults
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
            return self._core.faults.add(rule)

    def remove_fault(self, fault_id: int) -> None:
        """Stop injecting the fault ``add_fault`` returned ``fault_id`` for.

        Raises:
            InvalidArgument: if no such fault is active (a counted fault retires
                once it has fired ``count`` times).
        """
        with self._lock:
            rules = self._core.faults.rules
            for position, fault in enumerate(rules):
                if fault.fault_id == fault_id:
                    del rules[position]
                    return
        raise InvalidArgument(f"fault_id={fault_id!r}: no such active fault")

    def clear_faults(self) -> None:
        """Stop injecting every fault."""
        with self._lock:
            self._core.faults.rules.clear()

    def faults(self) -> tuple[FaultState, ...]:
        """The active faults, in the order they were added, with their counters."""
        with self._lock:
            return tuple(fault.state() for fault in self._core.faults.rules)

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
            faults = self._core.faults
            if count:
                faults.add(FaultRule(kind=FaultKind.ERROR, action=resolved, count=count))
            else:
                faults.rules = [f for f in faults.rules if not f.is_injected_error(resolved)]

    def injected_errors(self) -> dict[Action, int]:
        """How many ``inject_internal_error`` answers remain, per action."""
        with self._lock:
            remaining: dict[Action, int] = {}
            for fault in self._core.faults.rules:
                action = fault.rule.action
                if action is not None and fault.is_injected_error(action):
                    remaining[action] = remaining.get(action, 0) + (fault.remaining or 0)
            return remaining


def _security_bit(reason: str) -> int:
    if reason != "security":
        raise InvalidArgument(f"reason={reason!r}: only the 'security' lock reason is modelled")
    return SECURITY
