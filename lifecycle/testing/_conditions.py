"""Plain descriptions of ECS situations: an instance's condition, an account, a fleet, a world.

These are data, not strategies: frozen values that print as the Python that
builds them (so a shrunk failure can be pasted into a test) and that build
``EcsModel`` objects through the model's public API only. The strategies in
``_strategies`` draw them; users may also write them by hand.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from .. import ChargeType, Clock, Durations, EcsModel, InstanceStatus, ManualClock
from .._rules import family_of, init_local_disk_applies
from ..errors import InvalidArgument

__all__ = ["AccountCondition", "Fleet", "InstanceCondition", "World"]


def _enum_value(value: object) -> object:
    """Enums print as their plain value so that a repr is valid Python on its own."""
    return value.value if isinstance(value, InstanceStatus | ChargeType) else value


class _Printable:
    """A compact, evaluable ``repr``: only the fields that differ from their defaults."""

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.default is not value and f.default != value:
                shown = _enum_value(value)
                if isinstance(shown, Decimal):
                    shown = str(shown)
                parts.append(f"{f.name}={shown!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis pretty-prints dataclasses field by field, enums included;
        # the compact repr is shorter and can be pasted back as code.
        printer.text(repr(self))


def _money(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidArgument(f"{name}={value!r}: expected a Decimal, an int or a decimal str")
    try:
        result = Decimal(value)
    except ArithmeticError:
        raise InvalidArgument(f"{name}={value!r}: not a decimal amount") from None
    if not result.is_finite():
        raise InvalidArgument(f"{name}={value!r}: expected a finite amount")
    return result


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r}: expected True or False")
    return value


@dataclass(frozen=True, eq=True, repr=False, init=False)
class InstanceCondition(_Printable):
    """One instance's whole condition: everything the precedence rules read about it.

    Args:
        status: The status it is placed in (a transitory one settles on the clock).
        instance_type: For example ``ecs.d1.2xlarge``; the family decides whether
            ``InitLocalDisk`` applies.
        charge_type: ``PostPaid`` or ``PrePaid``.
        expired_time: A PrePaid instance's subscription end, in model time
            (expired when the clock is at or past it). ``None``: 30 days after
            the build time, as the model defaults. Must be ``None`` for PostPaid.
        security_locked: ``OperationLocks`` holds ``security``.
        has_local_disk: Whether it has local disks; ``None``: the family decides.
        cloud_disk_abnormal: A cloud disk is in an abnormal status.
        local_disk_abnormal: A local disk is in an abnormal status.

    Raises:
        InvalidArgument: for a combination no instance can be in (an abnormal
            local disk on an instance without one, an expiry on PostPaid).
    """

    status: InstanceStatus = InstanceStatus.STOPPED
    instance_type: str = "ecs.g7.large"
    charge_type: ChargeType = ChargeType.POSTPAID
    expired_time: float | None = None
    security_locked: bool = False
    has_local_disk: bool | None = None
    cloud_disk_abnormal: bool = False
    local_disk_abnormal: bool = False

    def __init__(
        self,
        *,
        status: InstanceStatus | str = InstanceStatus.STOPPED,
        instance_type: str = "ecs.g7.large",
        charge_type: ChargeType | str = ChargeType.POSTPAID,
        expired_time: float | None = None,
        security_locked: bool = False,
        has_local_disk: bool | None = None,
        cloud_disk_abnormal: bool = False,
        local_disk_abnormal: bool = False,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "status", _to_enum(InstanceStatus, "status", status))
        set_(self, "charge_type", _to_enum(ChargeType, "charge_type", charge_type))
        if not isinstance(instance_type, str) or not instance_type:
            raise InvalidArgument(
                f"instance_type={instance_type!r}: expected a str such as 'ecs.g7.large'"
            )
        set_(self, "instance_type", instance_type)
        for name, flag in (
            ("security_locked", security_locked),
            ("cloud_disk_abnormal", cloud_disk_abnormal),
            ("local_disk_abnormal", local_disk_abnormal),
        ):
            set_(self, name, _flag(name, flag))
        set_(
            self,
            "has_local_disk",
            None if has_local_disk is None else _flag("has_local_disk", has_local_disk),
        )
        if local_disk_abnormal and not self.local_disks:
            raise InvalidArgument(
                "local_disk_abnormal=True: the instance has no local disk; pass has_local_disk=True"
            )
        if expired_time is not None:
            if self.charge_type is not ChargeType.PREPAID:
                raise InvalidArgument(
                    "expired_time is only for PrePaid instances; pass charge_type='PrePaid'"
                )
            if (
                isinstance(expired_time, bool)
                or not isinstance(expired_time, int | float)
                or math.isnan(expired_time)
            ):
                raise InvalidArgument(
                    f"expired_time={expired_time!r}: expected model time in seconds"
                )
            expired_time = float(expired_time)
        set_(self, "expired_time", expired_time)

    @property
    def family(self) -> str:
        """The instance type family, for example ``d1``."""
        return family_of(self.instance_type)

    @property
    def local_disks(self) -> bool:
        """Whether the instance has local disks (``has_local_disk``, or its family's default)."""
        if self.has_local_disk is None:
            return init_local_disk_applies(self.family)
        return self.has_local_disk

    def expired(self, now: float) -> bool:
        """Whether a PrePaid subscription has ended at model time ``now``."""
        return self.expired_time is not None and now >= self.expired_time

    def create(self, model: EcsModel, instance_id: str | None = None) -> str:
        """Create this instance in ``model`` (through its public API) and return its id."""
        return model.create_instance(
            instance_id,
            instance_type=self.instance_type,
            status=self.status,
            charge_type=self.charge_type,
            expired_time=self.expired_time,
            security_locked=self.security_locked,
            has_local_disk=self.has_local_disk,
            cloud_disk_abnormal=self.cloud_disk_abnormal,
            local_disk_abnormal=self.local_disk_abnormal,
        )


@dataclass(frozen=True, eq=True, repr=False, init=False)
class AccountCondition(_Printable):
    """An account's billing condition: what the balance and arrears rules read.

    Args:
        balance: The account balance.
        minimum_start_balance: PostPaid instances cannot start below it.
        in_arrears: The account has an overdue payment.
    """

    balance: Decimal = Decimal(100)
    minimum_start_balance: Decimal = Decimal(0)
    in_arrears: bool = False

    def __init__(
        self,
        *,
        balance: Decimal | int | str = Decimal(100),
        minimum_start_balance: Decimal | int | str = Decimal(0),
        in_arrears: bool = False,
    ) -> None:
        object.__setattr__(self, "balance", _money("balance", balance))
        object.__setattr__(
            self, "minimum_start_balance", _money("minimum_start_balance", minimum_start_balance)
        )
        object.__setattr__(self, "in_arrears", _flag("in_arrears", in_arrears))

    @property
    def balance_low(self) -> bool:
        """Whether PostPaid starts are refused for the balance."""
        return self.balance < self.minimum_start_balance

    def model_kwargs(self) -> dict[str, Any]:
        """The ``EcsModel`` keyword arguments that set this condition."""
        return {
            "balance": self.balance,
            "minimum_start_balance": self.minimum_start_balance,
            "in_arrears": self.in_arrears,
        }


@dataclass(frozen=True, eq=True, repr=False, init=False)
class Fleet(_Printable):
    """One account and its instances: everything one ``EcsModel`` is built from.

    Args:
        instances: ``(instance_id, condition)`` pairs, in creation order. A
            mapping is accepted and kept in its order.
        account: The account's billing condition.
        seed: The model's seed (request ids, drawn durations).
        name: A label, used as the key in ``World.build``.

    Raises:
        InvalidArgument: for a duplicate or empty instance id.
    """

    instances: tuple[tuple[str, InstanceCondition], ...] = ()
    account: AccountCondition = AccountCondition()
    seed: int = 0
    name: str = "fleet"

    def __init__(
        self,
        *,
        instances: Iterable[tuple[str, InstanceCondition]] | Mapping[str, InstanceCondition] = (),
        account: AccountCondition | None = None,
        seed: int = 0,
        name: str = "fleet",
    ) -> None:
        pairs = tuple(instances.items() if isinstance(instances, Mapping) else instances)
        seen: set[str] = set()
        for pair in pairs:
            if (
                not isinstance(pair, tuple)
                or len(pair) != 2
                or not isinstance(pair[1], InstanceCondition)
            ):
                raise InvalidArgument(
                    f"instances: {pair!r} is not an (instance_id, InstanceCondition) pair"
                )
            instance_id = pair[0]
            if not isinstance(instance_id, str) or not instance_id or instance_id in seen:
                raise InvalidArgument(f"instances: id {instance_id!r} is empty or repeated")
            seen.add(instance_id)
        if account is None:
            account = AccountCondition()
        elif not isinstance(account, AccountCondition):
            raise InvalidArgument(f"account={account!r}: expected an AccountCondition")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgument(f"seed={seed!r}: expected an int")
        if not isinstance(name, str):
            raise InvalidArgument(f"name={name!r}: expected a str")
        object.__setattr__(self, "instances", pairs)
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "name", name)

    @property
    def instance_ids(self) -> tuple[str, ...]:
        """The instance ids, in creation order."""
        return tuple(instance_id for instance_id, _ in self.instances)

    def condition(self, instance_id: str) -> InstanceCondition:
        """The condition ``instance_id`` was created in.

        Raises:
            InvalidArgument: if the fleet has no such instance.
        """
        for known, condition in self.instances:
            if known == instance_id:
                return condition
        raise InvalidArgument(f"instance_id={instance_id!r}: not in this fleet")

    def __iter__(self) -> Iterator[tuple[str, InstanceCondition]]:
        return iter(self.instances)

    def __len__(self) -> int:
        return len(self.instances)

    def build(self, *, clock: Clock | None = None, durations: Durations | None = None) -> EcsModel:
        """A new ``EcsModel`` in exactly this condition.

        Args:
            clock: The clock to share (a new ``ManualClock()`` by default).
            durations: How long transitory statuses last (the model's default).
        """
        model = EcsModel(
            seed=self.seed,
            clock=ManualClock() if clock is None else clock,
            durations=durations,
            **self.account.model_kwargs(),
        )
        for instance_id, condition in self.instances:
            condition.create(model, instance_id)
        return model


@dataclass(frozen=True, eq=True, repr=False, init=False)
class World(_Printable):
    """Several accounts (fleets) on one shared clock.

    Args:
        fleets: The accounts; their names must differ.
        start_time: The shared clock's time when the world is built.

    Raises:
        InvalidArgument: for repeated fleet names.
    """

    fleets: tuple[Fleet, ...] = ()
    start_time: float = 0.0

    def __init__(self, *, fleets: Iterable[Fleet] = (), start_time: float = 0.0) -> None:
        chosen = tuple(fleets)
        if not all(isinstance(fleet, Fleet) for fleet in chosen):
            raise InvalidArgument(f"fleets={chosen!r}: expected Fleet values")
        names = [fleet.name for fleet in chosen]
        if len(set(names)) != len(names):
            raise InvalidArgument(f"fleets: names {names} repeat; give each fleet its own name")
        if (
            isinstance(start_time, bool)
            or not isinstance(start_time, int | float)
            or not math.isfinite(start_time)
        ):
            raise InvalidArgument(f"start_time={start_time!r}: expected a finite time in seconds")
        object.__setattr__(self, "fleets", chosen)
        object.__setattr__(self, "start_time", float(start_time))

    def build(
        self, *, clock: ManualClock | None = None, durations: Durations | None = None
    ) -> dict[str, EcsModel]:
        """One ``EcsModel`` per fleet, by fleet name, all reading one clock.

        Args:
            clock: The shared clock; a new ``ManualClock(start_time)`` by default.
            durations: How long transitory statuses last, in every model.
        """
        shared = ManualClock(self.start_time) if clock is None else clock
        return {fleet.name: fleet.build(clock=shared, durations=durations) for fleet in self.fleets}


def _to_enum(kind: type[Any], name: str, value: object) -> Any:
    for member in kind:
        if member is value or member.value == value:
            return member
    choices = ", ".join(repr(m.value) for m in kind)
    raise InvalidArgument(f"{name}={value!r}: expected one of {choices}")
