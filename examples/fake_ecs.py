"""A small in-memory fake of ECS, written from the documents, with three optional bugs.

This is the kind of fake a team writes for its own tests: plain dicts, no
state machine library, the rules as ``if`` statements in the documented
order. It answers the nine actions the model did before the lifecycle ones
(RunInstances to ReActivateInstances): the single actions,
DescribeInstanceStatus, and the fleet actions real clients use
(DescribeInstances with its filters and both paging modes,
DescribeInstanceAttribute, and StartInstances, StopInstances and
RebootInstances with ``AllTogether`` and ``SuccessFirst``).
``tests/test_examples.py`` checks it against the reference model with
``lifecycle.testing.DifferentialMachine``: without bugs it agrees with the
model call for call; each bug is caught and shrunk to a step or two.

Bugs (pass their names in ``bugs``):

* ``"precedence"``: StartInstance checks the status before the security lock,
  so a locked instance that is not Stopped answers ``IncorrectInstanceStatus``
  where the documented order says ``InstanceLockedForSecurity``.
* ``"reboot_stopped"``: RebootInstance accepts a Stopped instance and starts it.
* ``"partial_batch"``: an ``AllTogether`` batch that fails still moves the
  instances checked before the failing one ("all or none" becomes "some").

The HTTP status of each error is read from ``lifecycle.error_table``, as a
fake should, rather than copied by hand.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

import lifecycle
from lifecycle.testing import Fleet

BUGS: Final = frozenset({"precedence", "reboot_stopped", "partial_batch"})
_TRANSITORY_NEXT: Final = {"Pending": "Stopped", "Starting": "Running", "Stopping": "Stopped"}
_INIT_FAMILIES: Final = frozenset({"d1", "i1", "i2"})
_BOOLEANS: Final = {
    "StartInstance": ("InitLocalDisk", "DryRun"),
    "RebootInstance": ("ForceStop", "DryRun"),
    "StopInstance": ("ForceStop", "StoppedMode", "ConfirmStop", "DryRun"),
}
_THIRTY_DAYS: Final = 30 * 86_400.0
#: Each batch action, the single action that decides each of its instances, and
#: its own Boolean parameters.
_BATCH: Final = {
    "StartInstances": ("StartInstance", ("DryRun",)),
    "StopInstances": ("StopInstance", ("ForceStop", "DryRun")),
    "RebootInstances": ("RebootInstance", ("ForceReboot", "DryRun")),
}
_STOPPED_MODES: Final = (None, "KeepCharging", "StopCharging", "Not-applicable")
_STATUSES: Final = ("Pending", "Running", "Starting", "Stopping", "Stopped")
_LOCK_REASONS: Final = ("financial", "security", "recycling", "dedicatedhostfinancial", "refunded")
#: The fake's one zone (the model's): DescribeInstances' ZoneId filter matches it.
ZONE: Final = "cn-hangzhou-i"


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
    instance_type: str
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
                instance_type=condition.instance_type,
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
        if action == "DescribeInstances":
            return self._describe_instances(params)
        if action == "DescribeInstanceAttribute":
            return self._describe_attribute(params)
        if action in _BATCH:
            return self._batch(action, params, now)
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
        if "" in ids:
            raise FakeEcsError(action, "Abs.InvalidInstanceIds.MalFormed")
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

    def _describe_instances(self, params: Mapping[str, object]) -> dict[str, object]:
        action = "DescribeInstances"
        if not params.get("RegionId"):
            raise FakeEcsError(action, "MissingParameter")
        number = _integer(params.get("PageNumber", 1))
        size = _integer(params.get("PageSize", 10))
        max_results = params.get("MaxResults")
        token = params.get("NextToken") or None
        after = 0
        if token is not None:
            text = str(token)
            digits = text.removeprefix("fake-")
            if digits == text or not digits.isdigit() or int(digits) > len(self.instances):
                raise FakeEcsError(action, "InvalidParameter")
            after = int(digits)
        if (
            number is None
            or number < 1
            or size is None
            or not 1 <= size <= 100
            or (max_results is not None and _integer(max_results) is None)
            or _boolean(params.get("DryRun")) is None
        ):
            raise FakeEcsError(action, "InvalidParameter")
        ids: list[str] | None = None
        if params.get("InstanceIds") is not None:
            try:
                parsed = json.loads(str(params["InstanceIds"]))
            except ValueError:
                parsed = None
            if not isinstance(parsed, list) or not all(isinstance(i, str) for i in parsed):
                raise FakeEcsError(action, "Abs.InvalidInstanceIds.MalFormed")
            if len(parsed) > 100:
                raise FakeEcsError(action, "InvalidParameter.TooManyInstanceIds")
            ids = parsed
        for name, choices, code in (
            ("Status", _STATUSES, "InvalidStatus.NotFound"),
            ("InstanceChargeType", ("PostPaid", "PrePaid"), "InvalidInstanceChargeType.NotFound"),
            ("LockReason", _LOCK_REASONS, "InvalidLockReason.NotFound"),
        ):
            if params.get(name) is not None and params[name] not in choices:
                raise FakeEcsError(action, code)
        self._fault_before(action, None)
        if _boolean(params.get("DryRun")):
            raise FakeEcsError(action, "DryRunOperation")
        matched = [
            (position, instance_id)
            for position, (instance_id, instance) in enumerate(self.instances.items())
            if (ids is None or instance_id in ids) and self._matches(instance_id, params)
        ]
        body: dict[str, object] = {
            "RequestId": f"fake-{next(self._requests)}",
            "TotalCount": len(matched),
        }
        if max_results is None and token is None:
            assert number is not None
            assert size is not None
            page = matched[(number - 1) * size : number * size]
            body.update(PageNumber=number, PageSize=size, NextToken="")
        else:
            # Token mode: "MaxResults ... less than 10 is 10; greater than 100 is 100".
            size = min(max(_integer(max_results) or 10, 10), 100)
            rest = [pair for pair in matched if pair[0] >= after]
            page = rest[:size]
            more = len(rest) > size
            body.update(PageSize=size, NextToken=f"fake-{page[-1][0] + 1}" if more else "")
        body["Instances"] = {"Instance": [self._attributes(i) for _, i in page]}
        return body

    def _matches(self, instance_id: str, params: Mapping[str, object]) -> bool:
        instance = self.instances[instance_id]
        reasons = self._lock_reasons(instance)
        tests = {
            "Status": instance.status,
            "InstanceChargeType": "PrePaid" if instance.prepaid else "PostPaid",
            "InstanceType": instance.instance_type,
            "InstanceTypeFamily": f"ecs.{instance.family}",
            "ZoneId": ZONE,
        }
        if params.get("LockReason") is not None and params["LockReason"] not in reasons:
            return False
        # InstanceName "supports the * wildcard"; the fake names no instance, so its
        # name is its id, as the model's is when none was given.
        name = params.get("InstanceName")
        if isinstance(name, str) and not fnmatch.fnmatchcase(
            instance_id, name.replace("[", "[[]").replace("?", "[?]")
        ):
            return False
        return all(params.get(name) in (None, value) for name, value in tests.items())

    def _lock_reasons(self, instance: _Instance) -> list[str]:
        reasons = ["security"] if instance.locked else []
        if not instance.prepaid and self.in_arrears:
            reasons.append("financial")
        return reasons

    def _attributes(self, instance_id: str) -> dict[str, object]:
        instance = self.instances[instance_id]
        return {
            "InstanceId": instance_id,
            "Status": instance.status,
            "InstanceChargeType": "PrePaid" if instance.prepaid else "PostPaid",
            "InstanceType": instance.instance_type,
            "OperationLocks": {
                "LockReason": [{"LockReason": r} for r in self._lock_reasons(instance)]
            },
            "ZoneId": ZONE,
        }

    def _describe_attribute(self, params: Mapping[str, object]) -> dict[str, object]:
        action = "DescribeInstanceAttribute"
        instance_id = params.get("InstanceId")
        if not instance_id:
            raise FakeEcsError(action, "MissingParameter")
        self._fault_before(action, str(instance_id))
        if str(instance_id) not in self.instances:
            raise FakeEcsError(action, "InvalidInstanceId.NotFound")
        return {"RequestId": f"fake-{next(self._requests)}", **self._attributes(str(instance_id))}

    def _batch(self, action: str, params: Mapping[str, object], now: float) -> dict[str, object]:
        single, booleans = _BATCH[action]
        ids = params.get("InstanceId")
        if not params.get("RegionId") or not ids:
            raise FakeEcsError(action, "MissingParameter")
        assert isinstance(ids, list)
        flags = {name: _boolean(params.get(name)) for name in booleans}
        if (
            None in flags.values()
            or params.get("BatchOptimization", "AllTogether") not in ("AllTogether", "SuccessFirst")
            or (action == "StopInstances" and params.get("StoppedMode") not in _STOPPED_MODES)
        ):
            raise FakeEcsError(action, "InvalidParameter")
        if "" in ids or len(set(ids)) != len(ids):
            raise FakeEcsError(action, "Abs.InvalidInstanceIds.MalFormed")
        if len(ids) > 100:
            raise FakeEcsError(action, "InvalidParameter.TooManyInstanceIds")
        self._fault_before(action, None)
        if flags["DryRun"]:
            raise FakeEcsError(action, "DRYRUN.SUCCESS")
        entries: list[dict[str, object]] = []
        lost = False
        if params.get("BatchOptimization") == "SuccessFirst":
            for instance_id in ids:
                code = self._batch_refusal(single, instance_id, now)
                if code is None:
                    entries.append(self._batch_move(action, single, instance_id, now))
                    lost = self._hits("lost_response", action, instance_id) is not None or lost
                    continue
                entry: dict[str, object] = {
                    "Code": code,
                    "Message": lifecycle.error_table(single)[lifecycle.ErrorCode(code)].message,
                    "InstanceId": instance_id,
                }
                if instance_id in self.instances:
                    status = self.instances[instance_id].status
                    entry.update(PreviousStatus=status, CurrentStatus=status)
                entries.append(entry)
        else:
            # All together: every instance is checked before any moves.
            for position, instance_id in enumerate(ids):
                code = self._batch_refusal(single, instance_id, now)
                if code is not None:
                    if "partial_batch" in self.bugs:
                        for moved in ids[:position]:  # BUG: not all or none
                            self._batch_move(action, single, moved, now)
                    if code == "InvalidInstanceId.NotFound":
                        code = "InvalidInstanceIds.NotFound"
                    raise FakeEcsError(action, code)
            for instance_id in ids:
                entries.append(self._batch_move(action, single, instance_id, now))
                lost = self._hits("lost_response", action, instance_id) is not None or lost
        if lost:
            raise FakeEcsError(action, "InternalError")
        return {
            "RequestId": f"fake-{next(self._requests)}",
            "InstanceResponses": {"InstanceResponse": entries},
        }

    def _batch_refusal(self, single: str, instance_id: str, now: float) -> str | None:
        instance = self.instances.get(instance_id)
        if instance is None:
            return "InvalidInstanceId.NotFound"
        return self._refusal(single, instance, now, {})

    def _batch_move(
        self, action: str, single: str, instance_id: str, now: float
    ) -> dict[str, object]:
        instance = self.instances[instance_id]
        before = instance.status
        delayed = self._hits("delay", action, instance_id)
        extra = 0.0 if delayed is None else delayed.rule.delay
        self._enter(instance, "Stopping" if single == "StopInstance" else "Starting", now, extra)
        return {
            "Code": "200",
            "Message": "success",
            "InstanceId": instance_id,
            "PreviousStatus": before,
            "CurrentStatus": instance.status,
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
