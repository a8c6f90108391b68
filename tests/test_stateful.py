"""Random sequences of calls, faults and clock steps, against a plain-Python reference.

The reference below knows nothing of the package's tables: it reads the
transitions from ``specs/lifecycle.toml`` and decides every call with
``tests.reference.decide``, which reads ``specs/operations/*.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

import lifecycle
from tests.reference import MUTATING, Condition, decide, load, request

DURATIONS = {"Pending": 10.0, "Starting": 20.0, "Stopping": 15.0}
TYPES = ["ecs.g7.large", "ecs.d1.2xlarge", "ecs.d2s.5xlarge"]


@dataclass
class RefInstance:
    status: str
    instance_type: str
    has_local_disk: bool
    prepaid: bool
    expired_time: float
    security_locked: bool = False
    cloud_disk_abnormal: bool = False
    local_disk_abnormal: bool = False
    settles_at: float | None = None
    losses: list[str] = field(default_factory=list)


class Reference:
    """Statuses, clock and account as ``specs/`` describe them."""

    def __init__(self) -> None:
        spec = load("lifecycle.toml")
        self.settle = {
            t["status"]: next(
                tr["dest"] for tr in spec["transitions"] if tr["trigger"] == t["settle_trigger"]
            )
            for t in spec["transitory"]
        }
        self.now = 0.0
        self.in_arrears = False
        self.balance_low = False
        self.faults: dict[str, int] = {}
        self.instances: dict[str, RefInstance] = {}

    def enter(self, instance: RefInstance, status: str, at: float) -> None:
        instance.status = status
        instance.settles_at = at + DURATIONS[status] if status in self.settle else None

    def advance(self, seconds: float) -> None:
        self.now += seconds
        while True:
            due = [i for i in self.instances.values() if i.settles_at is not None]
            due = [i for i in due if i.settles_at is not None and i.settles_at <= self.now]
            if not due:
                return
            for instance in due:
                assert instance.settles_at is not None
                self.enter(instance, self.settle[instance.status], instance.settles_at)

    def condition(self, instance_id: str, **request_part: Any) -> Condition:
        instance = self.instances.get(instance_id)
        if instance is None:
            return Condition(exists=False, **request_part)
        return Condition(
            status=instance.status,
            security_locked=instance.security_locked,
            prepaid=instance.prepaid,
            expired=instance.prepaid and self.now >= instance.expired_time,
            in_arrears=self.in_arrears,
            balance_low=self.balance_low,
            cloud_disk_abnormal=instance.cloud_disk_abnormal,
            local_disk_abnormal=instance.local_disk_abnormal,
            instance_type=instance.instance_type,
            has_local_disk=instance.has_local_disk,
            **request_part,
        )


class ModelMatchesReference(RuleBasedStateMachine):
    instances = Bundle("instances")

    def __init__(self) -> None:
        super().__init__()
        self.model = lifecycle.EcsModel(
            seed=0,
            durations=lifecycle.Durations(
                pending=lifecycle.Fixed(DURATIONS["Pending"]),
                starting=lifecycle.Fixed(DURATIONS["Starting"]),
                stopping=lifecycle.Fixed(DURATIONS["Stopping"]),
            ),
            minimum_start_balance=Decimal(50),
        )
        self.ref = Reference()

    @initialize(target=instances, count=st.integers(1, 4), data=st.data())
    def create(self, count: int, data: st.DataObject) -> object:
        ids = []
        for n in range(count):
            instance_id = f"i-{n}"
            instance_type = data.draw(st.sampled_from(TYPES))
            status = data.draw(st.sampled_from(["Pending", "Stopped", "Running"]))
            prepaid = data.draw(st.booleans())
            expiry = data.draw(st.floats(0, 200)) if prepaid else float("inf")
            has_local = instance_type != "ecs.g7.large"
            billing: dict[str, Any] = (
                {"charge_type": "PrePaid", "expired_time": expiry} if prepaid else {}
            )
            self.model.create_instance(
                instance_id,
                status=status,
                instance_type=instance_type,
                has_local_disk=has_local,
                **billing,
            )
            instance = RefInstance(status, instance_type, has_local, prepaid, expiry)
            self.ref.enter(instance, status, self.ref.now)
            self.ref.instances[instance_id] = instance
            ids.append(instance_id)
        return multiple(*ids)

    @rule(
        instance_id=st.one_of(instances, st.just("i-unknown")),
        action=st.sampled_from(MUTATING),
        flag=st.booleans(),
        dry_run=st.booleans(),
        bad=st.booleans(),
    )
    def call(self, instance_id: str, action: str, flag: bool, dry_run: bool, bad: bool) -> None:
        part = {
            "dry_run": dry_run,
            "bad_boolean": bad,
            "injected_fault": self.ref.faults.get(action, 0) > 0,
            "init_local_disk": flag and action == "StartInstance",
            "force_stop": flag and action != "StartInstance",
        }
        condition = self.ref.condition(instance_id, **part)
        expected = decide(action, condition)
        params = request(action, condition)
        if condition.exists:
            params["InstanceId"] = instance_id
        try:
            self.model.call(action, params)
            got = None
        except lifecycle.ApiError as error:
            got = error.code.value
        note(f"{action}({instance_id}, {part}) -> model {got}, reference {expected.code}")
        assert got == expected.code
        if expected.code == "InternalError":
            self.ref.faults[action] -= 1
        if expected.code is None:
            instance = self.ref.instances[instance_id]
            assert expected.status is not None
            self.ref.enter(instance, expected.status, self.ref.now)
            if expected.data_loss:
                instance.losses.append(expected.data_loss)
            if "local_disk_abnormal" in expected.cleared:
                instance.local_disk_abnormal = False

    @rule(
        instance_id=instances,
        locked=st.booleans(),
        cloud=st.booleans(),
        local=st.booleans(),
        expiry=st.floats(0, 400),
    )
    def set_instance_faults(
        self, instance_id: str, locked: bool, cloud: bool, local: bool, expiry: float
    ) -> None:
        """The whole fault vector at once, so late rules in the precedence are reached."""
        instance = self.ref.instances[instance_id]
        (self.model.lock if locked else self.model.unlock)(instance_id)
        self.model.set_disk_abnormal(instance_id, "cloud", cloud)
        instance.security_locked, instance.cloud_disk_abnormal = locked, cloud
        if instance.has_local_disk:
            self.model.set_disk_abnormal(instance_id, "local", local)
            instance.local_disk_abnormal = local
        if instance.prepaid:
            self.model.set_expired_time(instance_id, expiry)
            instance.expired_time = expiry

    @rule(in_arrears=st.booleans(), balance_low=st.booleans())
    def set_account(self, in_arrears: bool, balance_low: bool) -> None:
        self.model.set_in_arrears(in_arrears)
        self.model.set_balance(10 if balance_low else 100)
        self.ref.in_arrears, self.ref.balance_low = in_arrears, balance_low

    @rule(action=st.sampled_from(MUTATING), count=st.integers(1, 2))
    def inject(self, action: str, count: int) -> None:
        self.model.inject_internal_error(action, count)
        self.ref.faults[action] = self.ref.faults.get(action, 0) + count

    @rule(seconds=st.sampled_from([0.0, 1.0, 5.0, 10.0, 15.0, 20.0, 60.0]))
    def advance(self, seconds: float) -> None:
        self.model.advance(seconds)
        self.ref.advance(seconds)

    @invariant()
    def statuses_agree(self) -> None:
        assert self.model.now == self.ref.now
        for instance_id, instance in self.ref.instances.items():
            view = self.model.instance(instance_id)
            assert view.status.value == instance.status, instance_id
            assert view.settles_at == instance.settles_at
            assert [loss.cause.value for loss in view.data_losses] == instance.losses
            assert view.local_disk_abnormal == instance.local_disk_abnormal


TestModelMatchesReference = ModelMatchesReference.TestCase
