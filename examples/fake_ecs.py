"""A small in-memory fake of ECS, written from the documents, with two optional bugs.

This is the kind of fake a team writes for its own tests: plain dicts, no
state machine library, the rules as ``if`` statements in the documented
order. ``tests/test_examples.py`` checks it against the reference model with
``lifecycle.testing.DifferentialMachine``: without bugs it agrees with the
model call for call; each bug is caught and shrunk to a step or two.

Bugs (pass their names in ``bugs``):

* ``"precedence"``: StartInstance checks the status before the security lock,
  so a locked instance that is not Stopped answers ``IncorrectInstanceStatus``
  where the documented order says ``InstanceLockedForSecurity``.
* ``"reboot_stopped"``: RebootInstance accepts a Stopped instance and starts it.

The HTTP status of each error is read from ``lifecycle.error_table``, as a
fake should, rather than copied by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

import lifecycle
from lifecycle.testing import Fleet

BUGS: Final = frozenset({"precedence", "reboot_stopped"})
_TRANSITORY_NEXT: Final = {"Pending": "Stopped", "Starting": "Running", "Stopping": "Stopped"}
_INIT_FAMILIES: Final = frozenset({"d1", "i1", "i2"})
_BOOLEANS: Final = {
    "StartInstance": ("InitLocalDisk", "DryRun"),
    "RebootInstance": ("ForceStop", "DryRun"),
    "StopInstance": ("ForceStop", "StoppedMode", "ConfirmStop", "DryRun"),
}
_THIRTY_DAYS: Final = 30 * 86_400.0


class FakeEcsError(Exception):
    """An ECS error answer, shaped like an SDK's server exception."""

    def __init__(self, action: str, code: str, http_status: int | None = None) -> None:
        if http_status is None:
            http_status = lifecycle.error_table(action)[lifecycle.ErrorCode(code)].http_status
        super().__init__(f"{http_status} {code}")
        self.code = code
        self.http_status = http_status


@dataclass
class _Instance:
    status: str
    family: str
    prepaid: bool
    expired_time: float
    locked: bool
    cloud_abnormal: bool
    local_abnormal: bool
    settles_at: float | None = None


@dataclass
class _Fault:
    rule: lifecycle.FaultRule
    remaining: int | None


@dataclass
class FakeEcs:
    """The fake: one account's instances, answering ``call(action, params)``.

    Args:
        clock: Anything with ``now()``; read at every call.
        durations: Seconds spent in Pending, Starting and Stopping.
        bugs: Which of ``BUGS`` to have.
    """

    clock: lifecycle.Clock
    durations: Mapping[str, float]
    balance: Decimal = Decimal(100)
    minimum_start_balance: Decimal = Decimal(0)
    in_arrears: bool = False
    bugs: frozenset[str] = frozenset()
    instances: dict[str, _Instance] = field(default_factory=dict)
    faults: list[_Fault] = field(default_factory=list)
    _requests: Iterator[int] = field(default_factory=itertools.count)

    @classmethod
    def from_fleet(
        cls,
        fleet: Fleet,
        clock: lifecycle.Clock,
        durations: lifecycle.Durations,
        bugs: Iterable[str] = (),
    ) -> FakeEcs:
        """A fake in the condition ``fleet`` describes (fixed durations only)."""
        seconds = {
            status.value: _fixed(durations.for_status(status))
            for status in (
                lifecycle.InstanceStatus.PENDING,
                lifecycle.InstanceStatus.STARTING,
                lifecycle.InstanceStatus.STOPPING,
            )
        }
        account = fleet.account
        fake = cls(
            clock=clock,
            durations=seconds,
            balance=Decimal(account.balance),
            minimum_start_balance=Decimal(account.minimum_start_balance),
            in_arrears=account.in_arrears,
            bugs=frozenset(bugs),
        )
        now = clock.now()
        for instance_id, condition in fleet.instances:
            prepaid = condition.charge_type == "PrePaid"
            expiry = condition.expired_time
            instance = _Instance(
                status=str(condition.status),
                family=condition.family,
                prepaid=prepaid,
                expired_time=(now + _THIRTY_DAYS if expiry is None else expiry),
                locked=condition.security_locked,
                cloud_abnormal=condition.cloud_disk_abnormal,
                local_abnormal=condition.local_disk_abnormal,
            )
            fake._enter(instance, instance.status, now)
            fake.instances[instance_id] = instance
        return fake

    # -------------------------------------------------------------- the API
    def call(self, action: str, params: Mapping[str, object]) -> dict[str, object]:
        """Answer one call, or raise ``FakeEcsError``."""
        now = self.clock.now()
        self._settle(now)
        if action == "DescribeInstanceStatus":
            return self._describe(params)
        instance_id = params.get("InstanceId")
        if not instance_id:
            raise FakeEcsError(action, "MissingParameter")
        flags: dict[str, bool] = {}
        for name in _BOOLEANS[action]:
            value = params.get(name)
            if name == "StoppedMode":
                if value not in (None, "KeepCharging", "StopCharging", "Not-applicable"):
                    raise FakeEcsError(action, "InvalidParameter")
                continue
            parsed = _boolean(value)
            if parsed is None:
                raise FakeEcsError(action, "InvalidParameter")
            flags[name] = parsed
        self._fault_before(action, str(instance_id))
        if flags.get("DryRun"):
            raise FakeEcsError(action, "DryRunOperation")
        instance = self.instances.get(str(instance_id))
        if instance is None:
            raise FakeEcsError(action, "InvalidInstanceId.NotFound")
        code = self._refusal(action, instance, now, flags)
        if code is not None:
            raise FakeEcsError(action, code)
        recovers = flags.get("InitLocalDisk") and instance.family in _INIT_FAMILIES
        if action == "StartInstance" and recovers:
            instance.local_abnormal = False
        # A delay fault lengthens the transitory status the call enters; a lost
        # response comes back as InternalError although the change was made.
        delayed = self._hits("delay", action, str(instance_id))
        extra = 0.0 if delayed is None else delayed.rule.delay
        self._enter(instance, "Stopping" if action == "StopInstance" else "Starting", now, extra)
        if self._hits("lost_response", action, str(instance_id)):
            raise FakeEcsError(action, "InternalError")
        return {"RequestId": f"fake-{next(self._requests)}"}

    def add_fault(self, rule: lifecycle.FaultRule) -> None:
        """Inject a fault rule (the harness only sends deterministic ones)."""
        self.faults.append(_Fault(rule, rule.count))

    def statuses(self, instance_ids: Sequence[str]) -> list[str]:
        """The statuses of ``instance_ids``, without a call."""
        self._settle(self.clock.now())
        return [self.instances[i].status for i in instance_ids]

    # ---------------------------------------------------------------- rules
    def _refusal(
        self, action: str, instance: _Instance, now: float, flags: Mapping[str, bool]
    ) -> str | None:
        expired = now >= instance.expired_time if instance.prepaid else self.in_arrears
        any_disk = instance.cloud_abnormal or instance.local_abnormal
        if action == "StartInstance":
            if instance.status == "Pending":
                return "InstanceNotReady"
            if "precedence" in self.bugs and instance.status != "Stopped":
                return "IncorrectInstanceStatus"  # BUG: the status is checked too early
            if instance.locked:
                return "InstanceLockedForSecurity"
            if expired:
                return "InstanceExpired"
            if not instance.prepaid and self.balance < self.minimum_start_balance:
                return "InsufficientBalance"
            if instance.status != "Stopped":
                return "IncorrectInstanceStatus"
            recovers = flags.get("InitLocalDisk", False) and instance.family in _INIT_FAMILIES
            if instance.cloud_abnormal or (instance.local_abnormal and not recovers):
                return "DiskError"
            return None
        if instance.locked:
            return "InstanceLockedForSecurity"
        if action == "StopInstance" and expired:
            return "InstanceExpiredOrInArrears"
        accepted = {"Running", "Stopped"} if "reboot_stopped" in self.bugs else {"Running"}
        if instance.status != "Running" and not (
            action == "RebootInstance" and instance.status in accepted
        ):
            return "IncorrectInstanceStatus"
        return "DiskError" if any_disk else None

    def _describe(self, params: Mapping[str, object]) -> dict[str, object]:
        action = "DescribeInstanceStatus"
        number = _integer(params.get("PageNumber", 1))
        size = _integer(params.get("PageSize", 10))
        if number is None or number < 1:
            raise FakeEcsError(action, "InvalidParameter")
        if size is None or not 1 <= size <= 50:
            raise FakeEcsError(action, "InvalidParameter")
        ids = params.get("InstanceId") or []
        assert isinstance(ids, list)
        if len(ids) > 100:
            raise FakeEcsError(action, "InvalidParameter.TooManyInstanceIds")
        self._fault_before(action, None)
        wanted = set(ids)
        listed = [i for i in self.instances if not wanted or i in wanted]
        page = listed[(number - 1) * size : number * size]
        return {
            "RequestId": f"fake-{next(self._requests)}",
            "PageNumber": number,
            "PageSize": size,
            "TotalCount": len(listed),
            "InstanceStatuses": {
                "InstanceStatus": [
                    {"InstanceId": i, "Status": self.instances[i].status} for i in page
                ]
            },
        }

    # ------------------------------------------------------- time and faults
    def _enter(self, instance: _Instance, status: str, now: float, extra: float = 0.0) -> None:
        instance.status = status
        if status in self.durations:
            instance.settles_at = now + self.durations[status] + extra
            self._settle(now)
        else:
            instance.settles_at = None

    def _settle(self, now: float) -> None:
        for instance in self.instances.values():
            while instance.settles_at is not None and instance.settles_at <= now:
                self._enter(instance, _TRANSITORY_NEXT[instance.status], instance.settles_at)

    def _hits(self, kind: str, action: str, instance_id: str | None) -> _Fault | None:
        for fault in self.faults:
            rule = fault.rule
            if rule.kind.value != kind or (rule.action is not None and rule.action.value != action):
                continue
            if rule.instance_ids is not None and instance_id not in rule.instance_ids:
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if not fault.remaining:
                    self.faults.remove(fault)
            return fault
        return None

    def _fault_before(self, action: str, instance_id: str | None) -> None:
        if self._hits("throttle", action, instance_id):
            raise FakeEcsError(action, "Throttling")
        if self._hits("error", action, instance_id):
            raise FakeEcsError(action, "InternalError")


def _boolean(value: object) -> bool | None:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    return True if text == "true" else False if text == "false" else None


def _integer(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _fixed(duration: object) -> float:
    if not isinstance(duration, lifecycle.Fixed):
        raise TypeError("the fake supports Fixed durations only")
    return duration.seconds
