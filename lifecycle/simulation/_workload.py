"""What a simulated fleet is and what happens to it: the workload description.

A ``Workload`` is plain data: instance groups (how many, what type, how they
are billed, which calls arrive at what rates, which platform events hit them),
the accounts that pay for them, the platform's timing rules and how long the
simulation runs. It is read from TOML (``parse_workload``, stdlib ``tomllib``)
or built in Python, and written back as TOML (``Workload.to_toml``). Every
field has a default, so a group needs only a name and a count.

Rates are per instance per day and Poisson: a group of ``count`` instances with
``stop_per_day = 2`` receives StopInstance calls at ``2 * count`` a day, each on
an instance drawn uniformly from the group (with ``targets = "eligible"`` only
instances in the status the action leaves from are called; the others' draws
are skipped, which keeps the rate per eligible instance exact).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal, TypeVar

from .._faults import FaultRule
from .._spec import AUTO_RENEW_PERIODS, PERIODS
from .._status import ChargeType, InstanceStatus
from .._timing import Duration, Durations, Exponential, Fixed, Uniform
from ..errors import InvalidArgument

__all__ = [
    "DEFAULT_ACCOUNT",
    "Account",
    "Group",
    "Platform",
    "Workload",
    "default_workload",
    "parse_workload",
]

#: The account a group belongs to when it names none.
DEFAULT_ACCOUNT: Final = "default"
_NAME: Final = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_TYPE: Final = re.compile(r"ecs\.[A-Za-z0-9_.-]{1,60}")
_DAY: Final = 86_400.0
Targets = Literal["eligible", "any"]


def _finite(where: str, value: object, *, low: float = 0.0, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgument(f"{where}={value!r}: expected a number")
    if not low <= value <= high:
        upper = "" if high == math.inf else f" and <= {high:g}"
        raise InvalidArgument(f"{where}={value!r}: expected a number >= {low:g}{upper}")
    return float(value)


def _positive(where: str, value: object) -> float:
    # Not _finite's ">= 0" first: -1 and 0 get the same, true answer.
    number = _finite(where, value, low=-math.inf)
    if number <= 0:
        raise InvalidArgument(f"{where}={value!r}: expected a number > 0")
    return number


def _money(where: str, value: object, *, negative: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise InvalidArgument(f'{where}={value!r}: expected an amount such as "12.50"')
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise InvalidArgument(f"{where}={value!r}: not an amount") from None
    if not amount.is_finite() or (amount < 0 and not negative):
        raise InvalidArgument(f"{where}={value!r}: expected a finite amount >= 0")
    return amount


def _name(where: str, value: object) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InvalidArgument(
            f"{where}={value!r}: expected 1 to 40 letters, digits, '_', '.' or '-'"
        )
    return value


_E = TypeVar("_E", ChargeType, InstanceStatus)


def _enum_value(where: str, kind: type[_E], value: object) -> _E:
    for member in kind:
        if value == member.value:
            return member
    choices = ", ".join(repr(m.value) for m in kind)
    raise InvalidArgument(f"{where}={value!r}: expected one of {choices}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """Instances that look alike and are treated alike.

    Args:
        name: Unique within the workload; the trace and summary use it.
        count: How many instances (0 or more).
        account: The account that pays for them (``"default"``).
        instance_type: For example ``ecs.d1.2xlarge`` (d1, i1 and i2 have local disks).
        charge_type: ``PostPaid`` (billed per hour while Running) or ``PrePaid``
            (subscription; stopped by the platform when it ends).
        status: The status every instance starts in.
        price_per_hour: PostPaid only: what one Running instance costs per hour.
        expires_in_days: PrePaid only: the subscription ends this many days
            after the start, drawn uniformly between ``low`` and ``high``.
        renew_share: PrePaid only: the share of expired instances whose owner
            renews them (RenewInstance) after the platform stopped them.
        renew_after_days: Mean days (exponential) from the expiry stop to the renewal.
        renew_for_days: The RenewInstance period, in days: 7, 14, 21 or 28
            (``Period`` 1-4 ``Week``) or 30 times a documented month count
            (30 is ``Period=1``, ``PeriodUnit=Month``: one calendar month).
            Also the subscription RunInstances buys for a launched PrePaid
            instance, and the AutoRenew period.
        renew_before_share: PrePaid only: the share of subscriptions whose owner
            renews them (RenewInstance) before they end.
        renew_before_days: Mean days (exponential) before ``ExpiredTime`` of that
            renewal (at once if that is already past).
        auto_renew: PrePaid only: AutoRenew is on. The platform renews each
            subscription through RenewInstance at 08:00 UTC+8 nine days before
            the expiry date, and again every day until it succeeds or the
            subscription has ended (ModifyInstanceAutoRenewAttribute's docs).
        start_per_day: StartInstance calls per instance per day.
        stop_per_day: StopInstance calls per instance per day.
        reboot_per_day: RebootInstance calls per instance per day.
        targets: ``"eligible"``: calls go only to instances in the status the
            action leaves from (Stopped for Start, Running for Stop and Reboot),
            as a client that watches its fleet would; ``"any"``: to any instance.
        force_stop: The share of Stop and Reboot calls sent with ``ForceStop=true``.
        init_local_disk: The share of Start calls sent with ``InitLocalDisk=true``.
        security_locks_per_day: Security locks per instance per day.
        security_lock_hours: Mean hours (exponential) until a lock is lifted.
        disk_faults_per_day: Disk faults per instance per day.
        disk_repair_hours: Mean hours (exponential) until a faulty disk is repaired.
        local_disk_share: On instances with local disks, the share of disk
            faults that hit a local disk (the rest hit a cloud disk).
        launches_per_day: RunInstances calls a day for the whole group (not
            per instance), each for ``launch_amount`` instances of the group's
            type and charge type; they join the group.
        launch_amount: Instances per RunInstances call (``Amount``, 1 to 100).
        delete_per_day: DeleteInstance calls per instance per day, with
            ``Force=true`` where the instance is not Stopped (and
            ``TerminateSubscription=true`` for PrePaid instances, which only an
            ended subscription allows); a released instance leaves the group.
            Instances in Starting or Stopping are left until they settle; with
            ``targets = "eligible"`` so are Pending ones and running subscriptions.

    A group with launches or deletions has a size that changes: its per-instance
    rates follow the number of its instances, updated at each arrival.
    """

    name: str
    count: int
    account: str = DEFAULT_ACCOUNT
    instance_type: str = "ecs.g7.large"
    charge_type: ChargeType = ChargeType.POSTPAID
    status: InstanceStatus = InstanceStatus.RUNNING
    price_per_hour: Decimal = Decimal(0)
    expires_in_days: tuple[float, float] | None = None
    renew_share: float = 0.0
    renew_after_days: float = 1.0
    renew_for_days: float = 30.0
    start_per_day: float = 0.0
    stop_per_day: float = 0.0
    reboot_per_day: float = 0.0
    targets: Targets = "eligible"
    force_stop: float = 0.0
    init_local_disk: float = 0.0
    security_locks_per_day: float = 0.0
    security_lock_hours: float = 24.0
    disk_faults_per_day: float = 0.0
    disk_repair_hours: float = 4.0
    local_disk_share: float = 0.5
    renew_before_share: float = 0.0
    renew_before_days: float = 3.0
    auto_renew: bool = False
    launches_per_day: float = 0.0
    launch_amount: int = 1
    delete_per_day: float = 0.0

    def __post_init__(self) -> None:
        where = f"groups[{self.name!r}]"
        set_ = object.__setattr__
        set_(self, "name", _name("name", self.name))
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise InvalidArgument(f"{where}.count={self.count!r}: expected an int >= 0")
        set_(self, "account", _name(f"{where}.account", self.account))
        if not isinstance(self.instance_type, str) or not _TYPE.fullmatch(self.instance_type):
            raise InvalidArgument(
                f"{where}.instance_type={self.instance_type!r}: expected a str such as "
                "'ecs.g7.large'"
            )
        charge = _enum_value(f"{where}.charge_type", ChargeType, self.charge_type)
        set_(self, "charge_type", charge)
        set_(self, "status", _enum_value(f"{where}.status", InstanceStatus, self.status))
        set_(self, "price_per_hour", _money(f"{where}.price_per_hour", self.price_per_hour))
        prepaid = charge is ChargeType.PREPAID
        if prepaid and self.price_per_hour:
            raise InvalidArgument(
                f"{where}.price_per_hour: a PrePaid group is paid in advance; "
                "only PostPaid groups are billed per hour"
            )
        expiry = self.expires_in_days
        if expiry is not None:
            if not prepaid:
                raise InvalidArgument(
                    f"{where}.expires_in_days: only PrePaid groups expire; "
                    "PostPaid ones are stopped for arrears instead"
                )
            if isinstance(expiry, int | float) and not isinstance(expiry, bool):
                expiry = (expiry, expiry)
            if not isinstance(expiry, tuple | list) or len(expiry) != 2:
                raise InvalidArgument(
                    f"{where}.expires_in_days={expiry!r}: expected days, or [low, high]"
                )
            low = _finite(f"{where}.expires_in_days[0]", expiry[0])
            high = _finite(f"{where}.expires_in_days[1]", expiry[1], low=low)
            set_(self, "expires_in_days", (low, high))
        elif prepaid:
            # The model's own default subscription: 30 days.
            set_(self, "expires_in_days", (30.0, 30.0))
        for name in (
            "renew_share",
            "force_stop",
            "init_local_disk",
            "local_disk_share",
            "renew_before_share",
        ):
            set_(self, name, _finite(f"{where}.{name}", getattr(self, name), high=1.0))
        if not isinstance(self.auto_renew, bool):
            raise InvalidArgument(f"{where}.auto_renew={self.auto_renew!r}: expected true or false")
        for name in ("renew_share", "renew_before_share", "auto_renew"):
            if not prepaid and getattr(self, name):
                raise InvalidArgument(f"{where}.{name}: only PrePaid subscriptions are renewed")
        for name in (
            "start_per_day",
            "stop_per_day",
            "reboot_per_day",
            "launches_per_day",
            "delete_per_day",
        ):
            set_(self, name, _finite(f"{where}.{name}", getattr(self, name)))
        amount = self.launch_amount
        if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= 100:
            raise InvalidArgument(
                f"{where}.launch_amount={amount!r}: expected an int from 1 to 100 (Amount)"
            )
        for name in ("security_locks_per_day", "disk_faults_per_day"):
            set_(self, name, _finite(f"{where}.{name}", getattr(self, name)))
        for name in (
            "renew_after_days",
            "renew_for_days",
            "renew_before_days",
            "security_lock_hours",
            "disk_repair_hours",
        ):
            set_(self, name, _positive(f"{where}.{name}", getattr(self, name)))
        if prepaid:
            period = renew_period(self.renew_for_days)
            if period is None:
                raise InvalidArgument(
                    f"{where}.renew_for_days={self.renew_for_days!r}: expected a RenewInstance "
                    "period: 7, 14, 21 or 28 (weeks) or 30 times 1-9, 12, 24, 36, 48 or 60 (months)"
                )
            if self.auto_renew and period[0] not in AUTO_RENEW_PERIODS[period[1]]:
                raise InvalidArgument(
                    f"{where}.renew_for_days={self.renew_for_days!r}: with auto_renew, an "
                    "AutoRenewPeriod: 7, 14 or 21 (weeks) or 30 times 1, 2, 3, 6, 12, 24, 36, "
                    "48 or 60 (months)"
                )
        if self.targets not in ("eligible", "any"):
            raise InvalidArgument(f"{where}.targets={self.targets!r}: expected 'eligible' or 'any'")

    @property
    def prepaid(self) -> bool:
        """Whether the group is billed by subscription."""
        return self.charge_type is ChargeType.PREPAID

    @property
    def churns(self) -> bool:
        """Whether instances join (RunInstances) or leave (DeleteInstance) the group."""
        return self.launches_per_day > 0 or self.delete_per_day > 0

    @property
    def renews(self) -> bool:
        """Whether any subscription of the group is renewed (RenewInstance)."""
        return bool(self.renew_share or self.renew_before_share or self.auto_renew)


def renew_period(days: float) -> tuple[int, str] | None:
    """``renew_for_days`` as a RenewInstance ``(Period, PeriodUnit)``, or ``None``."""
    if days % 7 == 0 and int(days // 7) in PERIODS["Week"]:
        return int(days // 7), "Week"
    if days % 30 == 0 and int(days // 30) in PERIODS["Month"]:
        return int(days // 30), "Month"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """One account: a balance that PostPaid groups draw down, and how it is paid.

    Args:
        name: Referred to by groups' ``account``.
        balance: The balance at the start.
        minimum_start_balance: PostPaid instances cannot start below this balance.
        top_up_amount: What the owner pays once the account is in arrears
            (0: never pays).
        top_up_after_days: Mean days (exponential) from the start of arrears,
            or from a payment that did not clear them, to the next payment.
    """

    name: str = DEFAULT_ACCOUNT
    balance: Decimal = Decimal(100)
    minimum_start_balance: Decimal = Decimal(0)
    top_up_amount: Decimal = Decimal(0)
    top_up_after_days: float = 1.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "name", _name("accounts", self.name))
        where = f"accounts.{self.name}"
        set_(self, "balance", _money(f"{where}.balance", self.balance, negative=True))
        set_(
            self,
            "minimum_start_balance",
            _money(f"{where}.minimum_start_balance", self.minimum_start_balance, negative=True),
        )
        set_(self, "top_up_amount", _money(f"{where}.top_up_amount", self.top_up_amount))
        set_(
            self,
            "top_up_after_days",
            _positive(f"{where}.top_up_after_days", self.top_up_after_days),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Platform:
    """When the platform acts on its own. Defaults follow ``ecs-api-facts.md`` §2.5.

    Args:
        expiry_stop_window_hours: A PrePaid instance "stops providing services
            at some point from 00:00:00 on the expiration date to 00:00:00 the
            next day": the stop comes uniformly within this many hours of
            ``ExpiredTime``.
        overdue_stop_after_days: Fee deduction is retried on days T+7 and T+14;
            "the instance is stopped on day T+15": the days from the balance
            going below zero to the overdue stop.
        reactivate_on_payment: Instances stopped for an overdue payment are
            "auto-reactivated after payment": started again by the platform
            once a payment clears the arrears.
        billing_interval_minutes: How often PostPaid usage is charged.
    """

    expiry_stop_window_hours: float = 24.0
    overdue_stop_after_days: float = 15.0
    reactivate_on_payment: bool = True
    billing_interval_minutes: float = 60.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "expiry_stop_window_hours",
            _finite("platform.expiry_stop_window_hours", self.expiry_stop_window_hours),
        )
        set_(
            self,
            "overdue_stop_after_days",
            _finite("platform.overdue_stop_after_days", self.overdue_stop_after_days),
        )
        if not isinstance(self.reactivate_on_payment, bool):
            raise InvalidArgument(
                f"platform.reactivate_on_payment={self.reactivate_on_payment!r}: "
                "expected true or false"
            )
        set_(
            self,
            "billing_interval_minutes",
            _positive("platform.billing_interval_minutes", self.billing_interval_minutes),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    """A whole simulation's description.

    Args:
        groups: The instance groups, in order (ids are given in this order).
        accounts: The accounts; an account named ``default`` with default
            settings is added when a group needs it and it is not listed.
        platform: When the platform acts on its own.
        durations: How long Pending, Starting and Stopping last
            (``Fixed``, ``Uniform`` or ``Exponential``).
        faults: Injected API faults (``lifecycle.FaultRule``), added to every account's model.
        days: How long the simulation runs, in days.
        samples: How many times the statuses are counted for the
            status-over-time picture (evenly spaced, the first at time 0).
        stuck_after_minutes: An instance still in a transitory status this long
            at the end counts as stuck.
    """

    groups: tuple[Group, ...]
    accounts: tuple[Account, ...] = ()
    platform: Platform = field(default_factory=Platform)
    durations: Durations = field(default_factory=Durations)
    faults: tuple[FaultRule, ...] = ()
    days: float = 7.0
    samples: int = 337
    stuck_after_minutes: float = 10.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        groups = tuple(self.groups)
        if not groups or not all(isinstance(g, Group) for g in groups):
            raise InvalidArgument("groups: expected at least one Group")
        names = [g.name for g in groups]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidArgument(f"groups: duplicate name(s) {', '.join(duplicates)}")
        accounts = list(self.accounts)
        if not all(isinstance(a, Account) for a in accounts):
            raise InvalidArgument("accounts: expected Account values")
        known = [a.name for a in accounts]
        if len(set(known)) != len(known):
            raise InvalidArgument("accounts: duplicate account names")
        used = list(dict.fromkeys(g.account for g in groups))
        for name in used:
            if name not in known:
                if name != DEFAULT_ACCOUNT:
                    raise InvalidArgument(
                        f"groups: account {name!r} is not defined; add [accounts.{name}]"
                    )
                accounts.append(Account())
        unused = [name for name in known if name not in used]
        if unused:
            raise InvalidArgument(f"accounts: no group uses {', '.join(unused)}")
        set_(self, "groups", groups)
        set_(self, "accounts", tuple(sorted(accounts, key=lambda a: used.index(a.name))))
        if not isinstance(self.platform, Platform):
            raise InvalidArgument(f"platform={self.platform!r}: expected a Platform")
        if not isinstance(self.durations, Durations):
            raise InvalidArgument(f"durations={self.durations!r}: expected a lifecycle.Durations")
        for name in ("pending", "starting", "stopping"):
            if not isinstance(getattr(self.durations, name), Fixed | Uniform | Exponential):
                raise InvalidArgument(
                    f"durations.{name}: a workload takes Fixed, Uniform or Exponential"
                )
        faults = tuple(self.faults)
        if not all(isinstance(f, FaultRule) for f in faults):
            raise InvalidArgument("faults: expected lifecycle.FaultRule values")
        set_(self, "faults", faults)
        set_(self, "days", _positive("days", self.days))
        samples = self.samples
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
            raise InvalidArgument(f"samples={samples!r}: expected an int >= 2")
        set_(
            self,
            "stuck_after_minutes",
            _finite("stuck_after_minutes", self.stuck_after_minutes),
        )

    # ---------------------------------------------------------------- derived
    @property
    def instances(self) -> int:
        """How many instances the workload holds, in every group."""
        return sum(g.count for g in self.groups)

    @property
    def seconds(self) -> float:
        """How long the simulation runs, in seconds."""
        return self.days * _DAY

    def account(self, name: str) -> Account:
        """The account called ``name``.

        Raises:
            InvalidArgument: if there is none.
        """
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.accounts)
        raise InvalidArgument(f"account={name!r}: no such account; the workload has {known}")

    def groups_of(self, account: str) -> tuple[Group, ...]:
        """The groups ``account`` pays for, in workload order."""
        return tuple(g for g in self.groups if g.account == account)

    def scaled(self, instances: int) -> Workload:
        """The same workload for ``instances`` instances in all.

        Group counts keep their proportions (largest remainder, so they add up
        exactly); account money (balances and top-ups) and the groups'
        ``launches_per_day`` (a rate per group) are scaled by the same factor,
        so billing runs out at the same time. Rates per instance stay as they are.

        Raises:
            InvalidArgument: for a negative count, or a workload with no instances.
        """
        if isinstance(instances, bool) or not isinstance(instances, int) or instances < 0:
            raise InvalidArgument(f"instances={instances!r}: expected an int >= 0")
        total = self.instances
        if total == 0:
            raise InvalidArgument("the workload has no instances to scale")
        exact = [g.count * instances / total for g in self.groups]
        counts = [math.floor(x) for x in exact]
        by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
        for i in by_remainder[: instances - sum(counts)]:
            counts[i] += 1
        factor = Decimal(instances) / Decimal(total)

        def money(amount: Decimal) -> Decimal:
            return (amount * factor).quantize(Decimal("0.01"))

        return replace(
            self,
            groups=tuple(
                replace(g, count=c, launches_per_day=g.launches_per_day * float(factor))
                if g.launches_per_day
                else replace(g, count=c)
                for g, c in zip(self.groups, counts, strict=True)
            ),
            accounts=tuple(
                replace(a, balance=money(a.balance), top_up_amount=money(a.top_up_amount))
                for a in self.accounts
            ),
        )

    def to_toml(self) -> str:
        """The workload as a TOML document ``parse_workload`` reads back equal."""
        lines = [
            f"days = {_toml(self.days)}",
            f"samples = {self.samples}",
            f"stuck_after_minutes = {_toml(self.stuck_after_minutes)}",
            "",
            "[durations]",
        ]
        for name in ("pending", "starting", "stopping"):
            lines.append(f"{name} = {_duration_toml(getattr(self.durations, name))}")
        lines += ["", "[platform]"]
        lines += [f"{f.name} = {_toml(getattr(self.platform, f.name))}" for f in fields(Platform)]
        for account in self.accounts:
            lines += ["", f"[accounts.{account.name}]"]
            lines += [
                f"{f.name} = {_toml(getattr(account, f.name))}"
                for f in fields(Account)
                if f.name != "name"
            ]
        for group in self.groups:
            lines += ["", "[[groups]]"]
            # Keys that do not apply to the group's charge type are left out.
            skip = _POSTPAID_ONLY if group.prepaid else _PREPAID_ONLY
            # Keys added by issue 13 only when set: a workload without them
            # writes the same TOML (and snapshot bytes) as before.
            lines += [
                f"{f.name} = {_toml(getattr(group, f.name))}"
                for f in fields(Group)
                if f.name not in skip
                and (f.name not in _FLEET_KEYS or getattr(group, f.name) != f.default)
            ]
        for rule in self.faults:
            lines += ["", "[[faults]]"]
            lines += [
                f"{key} = {_toml(value)}"
                for key, value in rule.to_dict().items()
                if value is not None
            ]
        return "\n".join(lines) + "\n"


_PREPAID_ONLY: Final = (
    "expires_in_days",
    "renew_share",
    "renew_after_days",
    "renew_for_days",
    "renew_before_share",
    "renew_before_days",
    "auto_renew",
)
_FLEET_KEYS: Final = (
    "renew_before_share",
    "renew_before_days",
    "auto_renew",
    "launches_per_day",
    "launch_amount",
    "delete_per_day",
)
_POSTPAID_ONLY: Final = ("price_per_hour",)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f'"{value}"'
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert isinstance(value, tuple | list), value
    return "[" + ", ".join(_toml(item) for item in value) + "]"


def _duration_toml(duration: Duration) -> str:
    if isinstance(duration, Fixed):
        return repr(duration.seconds)
    if isinstance(duration, Uniform):
        return f"{{ uniform = [{duration.low!r}, {duration.high!r}] }}"
    assert isinstance(duration, Exponential)
    return f"{{ exponential = {duration.mean!r} }}"


# ------------------------------------------------------------------- parsing
def _table(where: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidArgument(f"{where}: expected a table")
    return value


def _only(where: str, table: Mapping[str, object], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise InvalidArgument(
            f"{where}: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(allowed)}"
        )


def _duration(where: str, value: object) -> Duration:
    if isinstance(value, dict):
        if len(value) == 1 and "uniform" in value:
            bounds = value["uniform"]
            if isinstance(bounds, list) and len(bounds) == 2:
                return Uniform(_finite(where, bounds[0]), _finite(where, bounds[1]))
        if len(value) == 1 and "exponential" in value:
            return Exponential(_finite(where, value["exponential"]))
        raise InvalidArgument(
            f"{where}={value!r}: expected seconds, {{ uniform = [low, high] }} "
            "or { exponential = mean }"
        )
    return Fixed(_finite(where, value))


def _group(position: int, value: object) -> Group:
    where = f"groups[{position}]"
    table = _table(where, value)
    names = tuple(f.name for f in fields(Group))
    _only(where, table, names)
    for required in ("name", "count"):
        if required not in table:
            raise InvalidArgument(f"{where}: {required!r} is required")
    values = dict(table)
    if isinstance(values.get("expires_in_days"), list):
        values["expires_in_days"] = tuple(values["expires_in_days"])
    return Group(**values)


def _account(name: str, value: object) -> Account:
    table = _table(f"accounts.{name}", value)
    _only(f"accounts.{name}", table, tuple(f.name for f in fields(Account) if f.name != "name"))
    return Account(name=name, **table)


def parse_workload(text: str) -> Workload:
    """Read a workload from TOML text.

    The format (every key optional but ``groups``' ``name`` and ``count``)::

        days = 7                        # simulated time
        samples = 337                   # points in the status-over-time picture
        stuck_after_minutes = 10

        [durations]                     # seconds; or { uniform = [20, 40] }, { exponential = 15 }
        pending = 30
        starting = 30
        stopping = 15

        [platform]
        expiry_stop_window_hours = 24
        overdue_stop_after_days = 15
        reactivate_on_payment = true
        billing_interval_minutes = 60

        [accounts.default]
        balance = "5000"
        top_up_amount = "2000"
        top_up_after_days = 2

        [[groups]]
        name = "web"
        count = 1000
        price_per_hour = "0.10"
        start_per_day = 2
        stop_per_day = 2

        [[faults]]                      # lifecycle.FaultRule fields
        kind = "throttle"
        probability = 0.01

    Raises:
        InvalidArgument: for malformed TOML, an unknown key, or a bad value; the
            message names the key.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidArgument(f"workload: not valid TOML: {error}") from None
    top = (
        "days",
        "samples",
        "stuck_after_minutes",
        "durations",
        "platform",
        "accounts",
        "groups",
        "faults",
    )
    _only("workload", data, top)
    groups = data.get("groups")
    if not isinstance(groups, list) or not groups:
        raise InvalidArgument("workload: expected at least one [[groups]] table")
    durations_table = _table("durations", data.get("durations", {}))
    _only("durations", durations_table, ("pending", "starting", "stopping"))
    durations = Durations(
        **{name: _duration(f"durations.{name}", value) for name, value in durations_table.items()}
    )
    platform_table = _table("platform", data.get("platform", {}))
    _only("platform", platform_table, tuple(f.name for f in fields(Platform)))
    accounts = _table("accounts", data.get("accounts", {}))
    faults = data.get("faults", [])
    if not isinstance(faults, list):
        raise InvalidArgument("faults: expected [[faults]] tables")
    options = {k: data[k] for k in ("days", "samples", "stuck_after_minutes") if k in data}
    return Workload(
        groups=tuple(_group(i, g) for i, g in enumerate(groups)),
        accounts=tuple(_account(name, value) for name, value in accounts.items()),
        platform=Platform(**platform_table),
        durations=durations,
        faults=tuple(FaultRule.from_dict(f) for f in faults),
        **options,
    )


# ------------------------------------------------------------------ default
#: The default workload's 100,000 instances, before ``scaled``.
_DEFAULT_INSTANCES: Final = 100_000


def default_workload(instances: int = _DEFAULT_INSTANCES, *, days: float = 7.0) -> Workload:
    """A mixed fleet that exercises every rule in a week.

    Sixty per cent pay-as-you-go web servers, fifteen per cent local-disk
    storage nodes (d1: disk faults, ``InitLocalDisk``), a quarter on
    subscriptions that expire over the month and are partly renewed. The
    account runs out of money around day three and is paid again about two
    days later, so arrears show up in a week.

    Args:
        instances: The fleet size; groups and money scale with it.
        days: Simulated days.
    """
    base = Workload(
        days=days,
        durations=Durations(pending=Fixed(30), starting=Uniform(20, 40), stopping=Fixed(15)),
        accounts=(
            Account(
                balance=Decimal(500_000),
                top_up_amount=Decimal(1_000_000),
                top_up_after_days=1.0,
            ),
        ),
        groups=(
            Group(
                name="web",
                count=60_000,
                price_per_hour=Decimal("0.10"),
                start_per_day=3.0,
                stop_per_day=3.0,
                reboot_per_day=1.0,
                force_stop=0.02,
                security_locks_per_day=0.0005,
                security_lock_hours=12.0,
                disk_faults_per_day=0.001,
                disk_repair_hours=6.0,
            ),
            Group(
                name="storage",
                count=15_000,
                instance_type="ecs.d1.2xlarge",
                price_per_hour=Decimal("0.50"),
                start_per_day=1.0,
                stop_per_day=1.0,
                reboot_per_day=0.5,
                force_stop=0.05,
                init_local_disk=0.5,
                disk_faults_per_day=0.01,
                disk_repair_hours=12.0,
                local_disk_share=0.7,
            ),
            Group(
                name="reserved",
                count=25_000,
                charge_type=ChargeType.PREPAID,
                expires_in_days=(2.0, 30.0),
                renew_share=0.6,
                renew_after_days=1.0,
                renew_for_days=30.0,
                start_per_day=1.0,
                stop_per_day=1.0,
                reboot_per_day=0.5,
                security_locks_per_day=0.0005,
            ),
        ),
    )
    return base if instances == _DEFAULT_INSTANCES else base.scaled(instances)
