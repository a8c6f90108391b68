"""Hypothesis strategies for ECS situations, requests and fault plans.

Conditions are drawn as whole vectors: one draw decides every fault an
instance (or an account) is in. Drawing one toggle at a time almost never
reaches the rules late in the precedence (a disk fault only shows when the
instance is also unlocked, unexpired, paid up and in the right status); a
vector is clean, or holds one fault or two, and shrinks to exactly the faults
a failure needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

from hypothesis import strategies as st

from .. import Action, ChargeType, FaultKind, FaultRule, InstanceStatus
from .._rules import family_of, init_local_disk_applies
from .._spec import (
    AUTO_RENEW_PERIODS,
    ERRORS,
    MAX_AMOUNT,
    MAX_BATCH_IDS,
    MAX_CLIENT_TOKEN,
    MAX_DESCRIBE_IDS,
    PARAMETERS,
    PERIODS,
    PRECEDENCE,
    REGION_ID,
    ZONE_ID,
    Check,
    Param,
    ParamType,
)
from .._status import resolve_action
from ..errors import ErrorCode, InvalidArgument
from ._conditions import AccountCondition, Fleet, InstanceCondition, World
from ._coverage import ACTIONS, resolve_actions
from ._outcomes import Request

__all__ = [
    "INSTANCE_TYPES",
    "UNKNOWN_INSTANCE_ID",
    "account_conditions",
    "action_params",
    "fault_plans",
    "fault_rules",
    "fleets",
    "instance_conditions",
    "invalid_requests",
    "requests",
    "valid_requests",
    "worlds",
]

#: Instance types covering every disk rule: no local disk; local disks that
#: ``InitLocalDisk`` recovers (d1, i2); local disks it does not (d2s).
INSTANCE_TYPES: Final = ("ecs.g7.large", "ecs.d1.2xlarge", "ecs.i2.xlarge", "ecs.d2s.5xlarge")
#: Whether each of ``INSTANCE_TYPES`` has local disks (others: as their family defaults).
_LOCAL_DISKS: Final = {
    "ecs.g7.large": False,
    "ecs.d1.2xlarge": True,
    "ecs.i2.xlarge": True,
    "ecs.d2s.5xlarge": True,
}
#: The stable statuses twice: most actions leave from one of them.
_STATUS_WEIGHTS: Final = (
    InstanceStatus.STOPPED,
    InstanceStatus.RUNNING,
    *InstanceStatus,
)
#: An id no drawn fleet uses: requests naming it answer ``InvalidInstanceId.NotFound``.
UNKNOWN_INSTANCE_ID: Final = "i-unknown"

_INSTANCE_FAULTS: Final = (
    "security_locked",
    "expired",
    "cloud_disk_abnormal",
    "local_disk_abnormal",
)
_ACCOUNT_FAULTS: Final = ("in_arrears", "balance_low")
_DAY: Final = 86_400.0

# Wire-style values. The model reads Booleans as True/False or "true"/"false" in any case.
_GOOD_BOOLEANS: Final[tuple[object, ...]] = (False, "false", "FALSE", True, "true", "True")
_BAD_BOOLEANS: Final = ("yes", "1", "on", "maybe")
# The parameter tables are the model's own (lifecycle._spec.PARAMETERS): one
# definition of each documented name, type, choice and limit.
#: The optional parameters of each mutating action, in the order the model checks them.
_MAX_BATCH_IDS: Final = max(MAX_DESCRIBE_IDS, MAX_BATCH_IDS)
#: The actions that only read: a delay or a lost response cannot hit them.
_OBSERVERS: Final = frozenset(
    a.value
    for a in (
        Action.DESCRIBE_INSTANCE_STATUS,
        Action.DESCRIBE_INSTANCES,
        Action.DESCRIBE_INSTANCE_ATTRIBUTE,
    )
)


def _sample(
    values: Iterable[Any] | None, default: Sequence[Any], name: str
) -> st.SearchStrategy[Any]:
    chosen = tuple(default if values is None else values)
    if not chosen:
        raise InvalidArgument(f"{name}: expected at least one value")
    return st.sampled_from(chosen)


# Built once: constructing a strategy inside a draw costs more than the draw.
# The whole fault vector is one draw: half the instances clean (the status
# changes worth checking happen to them), a quarter with one fault (so each
# rule is reached alone, however late in the precedence), a quarter with two
# (so each pair's precedence is exercised). Weights are by repetition.
_CLEAN: Final = st.just(frozenset[str]())
_FAULT_VECTORS: Final = st.one_of(
    _CLEAN,
    _CLEAN,
    st.sampled_from(_INSTANCE_FAULTS).map(lambda fault: frozenset({fault})),
    st.sets(st.sampled_from(_INSTANCE_FAULTS), min_size=2, max_size=2).map(frozenset),
)
_PAST: Final = st.sampled_from((0.0, 1.0, _DAY))
_FUTURE: Final = st.sampled_from((30 * _DAY, 1.0, 60.0, _DAY))


def instance_conditions(
    *,
    statuses: Iterable[InstanceStatus | str] | None = None,
    instance_types: Iterable[str] | None = None,
    charge_types: Iterable[ChargeType | str] | None = None,
    now: float = 0.0,
) -> st.SearchStrategy[InstanceCondition]:
    """One instance's whole condition vector.

    Draws the status, instance type (family), charge type and the *set* of
    faults it is in at once: security lock, expiry (PrePaid), abnormal cloud
    disk, abnormal local disk. A PrePaid instance that is not expired expires
    between a second and a day after ``now``, or in 30 days, so clock steps
    can cross its expiry.

    Args:
        statuses: The statuses to draw from (default: all five, the stable ones
            twice as often).
        instance_types: The types to draw from (default: ``INSTANCE_TYPES``).
        charge_types: ``PrePaid`` and/or ``PostPaid`` (default: both).
        now: The model time the condition is for (expiry is relative to it).
    """
    status_strategy = _sample(statuses, _STATUS_WEIGHTS, "statuses")
    type_strategy = _sample(instance_types, INSTANCE_TYPES, "instance_types")
    charge_strategy = _sample(
        charge_types, (ChargeType.POSTPAID, ChargeType.PREPAID), "charge_types"
    )

    @st.composite
    def one(draw: st.DrawFn) -> InstanceCondition:
        status = draw(status_strategy)
        instance_type = draw(type_strategy)
        charge_type = ChargeType(draw(charge_strategy))
        faults = draw(_FAULT_VECTORS)
        # Both expiries are drawn whatever the charge type, so that the shrinker
        # can turn a PrePaid instance PostPaid without shifting later draws.
        past, future = draw(_PAST), draw(_FUTURE)
        family_default = init_local_disk_applies(family_of(instance_type))
        has_local_disk = _LOCAL_DISKS.get(instance_type, family_default)
        expired_time: float | None = None
        if charge_type is ChargeType.PREPAID:
            expired_time = now - past if "expired" in faults else now + future
        return InstanceCondition(
            status=status,
            instance_type=instance_type,
            charge_type=charge_type,
            expired_time=expired_time,
            security_locked="security_locked" in faults,
            # None when the family decides: the condition then prints shorter.
            has_local_disk=None if has_local_disk == family_default else has_local_disk,
            cloud_disk_abnormal="cloud_disk_abnormal" in faults,
            local_disk_abnormal=has_local_disk and "local_disk_abnormal" in faults,
        )

    return one()


# One draw of the whole vector, weighted by repetition: a clean account often,
# as its condition applies to every PostPaid instance of the fleet, and a low
# balance alone as often as arrears and both together, since InsufficientBalance
# only shows when nothing earlier in the precedence fails.
_ACCOUNT_VECTORS: Final = st.sampled_from(
    ((), (), (), ("balance_low",), ("balance_low",), ("in_arrears",), _ACCOUNT_FAULTS)
)
_MINIMUM_CENTS: Final = st.sampled_from((0, 1_000, 10_000))
# First the default account's distance (a balance of 100 over a minimum of 0), so a
# shrunk example's account prints as AccountCondition(); then the boundary.
_DISTANCE_CENTS: Final = st.sampled_from((10_000, 0, 1))


@st.composite
def _accounts(draw: st.DrawFn) -> AccountCondition:
    faults = draw(_ACCOUNT_VECTORS)
    minimum_cents = draw(_MINIMUM_CENTS)
    distance = draw(_DISTANCE_CENTS)
    if "balance_low" in faults:
        balance_cents = minimum_cents - max(distance, 1)
    else:
        balance_cents = minimum_cents + distance
    return AccountCondition(
        balance=Decimal(balance_cents) / 100,
        minimum_start_balance=Decimal(minimum_cents) / 100,
        in_arrears="in_arrears" in faults,
    )


_ACCOUNTS: Final = _accounts()


def account_conditions() -> st.SearchStrategy[AccountCondition]:
    """An account's whole billing vector: arrears and a low balance, drawn as one.

    The balance is at the minimum for starting, a cent away, or 100 away, so
    the ``balance < minimum`` boundary is exercised.
    """
    return _ACCOUNTS


def fleets(
    *,
    min_instances: int = 1,
    max_instances: int = 6,
    conditions: st.SearchStrategy[InstanceCondition] | None = None,
    accounts: st.SearchStrategy[AccountCondition] | None = None,
    id_prefix: str = "i-",
    name: str = "fleet",
) -> st.SearchStrategy[Fleet]:
    """One account and its instances, ids ``i-0``, ``i-1``, ... in creation order.

    Args:
        min_instances: At least this many instances.
        max_instances: At most this many.
        conditions: Each instance's condition (default ``instance_conditions()``).
        accounts: The account's condition (default ``account_conditions()``).
        id_prefix: The ids' prefix.
        name: The fleet's name.
    """
    if not 0 <= min_instances <= max_instances:
        raise InvalidArgument(
            f"min_instances={min_instances}, max_instances={max_instances}: "
            "expected 0 <= min_instances <= max_instances"
        )
    # A list, not a count: the shrinker deletes the instances a failure does not need.
    instance_lists = st.lists(
        instance_conditions() if conditions is None else conditions,
        min_size=min_instances,
        max_size=max_instances,
    )

    def build(drawn: list[InstanceCondition], account: AccountCondition, seed: int) -> Fleet:
        instances = tuple((f"{id_prefix}{n}", c) for n, c in enumerate(drawn))
        return Fleet(instances=instances, account=account, seed=seed, name=name)

    return st.builds(
        build,
        instance_lists,
        account_conditions() if accounts is None else accounts,
        st.integers(0, 2**32 - 1),
    )


def worlds(
    *,
    min_fleets: int = 1,
    max_fleets: int = 3,
    min_instances: int = 1,
    max_instances: int = 4,
) -> st.SearchStrategy[World]:
    """Several accounts on one clock; fleet ``account-N`` has ids ``i-N-0``, ``i-N-1``, ...

    Args:
        min_fleets: At least this many accounts.
        max_fleets: At most this many.
        min_instances: Each account has at least this many instances.
        max_instances: And at most this many.
    """
    if not 1 <= min_fleets <= max_fleets:
        raise InvalidArgument(
            f"min_fleets={min_fleets}, max_fleets={max_fleets}: expected 1 <= min <= max"
        )
    each = [
        fleets(
            min_instances=min_instances,
            max_instances=max_instances,
            id_prefix=f"i-{n}-",
            name=f"account-{n}",
        )
        for n in range(max_fleets)
    ]

    @st.composite
    def one(draw: st.DrawFn) -> World:
        count = draw(st.integers(min_fleets, max_fleets))
        return World(fleets=tuple(draw(each[n]) for n in range(count)))

    return one()


# ---------------------------------------------------------------- requests
# Every value below is read off the model's own parameter tables (PARAMETERS): the
# choices, the Boolean and Integer types, the limits, which parameters are required
# and which name the instances. Only strings the tables leave free (a region, an
# instance type, a zone) take their plausible values from _FREE_STRINGS.
_FREE_STRINGS: Final[dict[str, tuple[str, ...]]] = {
    "RegionId": (REGION_ID,),
    "InstanceType": (*INSTANCE_TYPES, "ecs.g8.large"),
    "InstanceTypeFamily": (
        *sorted({f"ecs.{family_of(t)}" for t in INSTANCE_TYPES}),
        "ecs.g8",
    ),
    "ZoneId": (ZONE_ID, "cn-hangzhou-k"),
    "InstanceName": ("web-1", "web-*", "i-*"),
    "ClientToken": ("token-1", "token-2"),
}
#: DescribeInstances' paging parameters, by mode: a request uses one mode or none.
_PAGE_MODE: Final = ("PageNumber", "PageSize")
_TOKEN_MODE: Final = ("MaxResults",)
#: A token only a page can give: requests never draw one (the machine walks pages).
_FROM_A_PAGE: Final = frozenset({"NextToken"})
_IDS_LIST_MAX: Final = 5
_TOO_MANY_IDS: Final = tuple(f"i-many-{n}" for n in range(_MAX_BATCH_IDS + 1))


def _id_param(action: Action) -> Param | None:
    """The parameter that names the instances of ``action`` (none for a creation)."""
    found = [p for p in PARAMETERS[action] if p.python_name in ("instance_id", "instance_ids")]
    return found[0] if found else None


def _names_one_instance(action: Action) -> bool:
    """Whether ``action`` names one instance by ``InstanceId`` (the caller adds it)."""
    param = _id_param(action)
    return param is not None and param.type is ParamType.STRING


def _good_value(param: Param) -> st.SearchStrategy[object]:
    if param.choices:
        return st.sampled_from(param.choices)
    if param.type is ParamType.BOOLEAN:
        # DryRun=true answers before any condition is checked: mostly false, so
        # that calls reach the rest of the precedence.
        return st.sampled_from(_GOOD_BOOLEANS[:4] if param.name == "DryRun" else _GOOD_BOOLEANS)
    if param.type is ParamType.INTEGER:
        if param.minimum is None:
            # No limits: clamped, never refused (DescribeInstances' MaxResults).
            return st.sampled_from((0, 5, 10, 20, 100, 101, "20"))
        low, high = param.minimum, param.maximum
        values: list[object] = [low, low + 1, str(low + 1)]
        if high is not None:
            values += [high, str(high), *([10] if low <= 10 <= high else [])]
        return st.sampled_from(tuple(dict.fromkeys(values)))
    return st.sampled_from(_FREE_STRINGS[param.name])


def _bad_value(param: Param) -> st.SearchStrategy[object] | None:
    """Values a parameter check refuses, or ``None`` when the table allows any value."""
    if param.required and param.type is ParamType.STRING:
        return st.sampled_from((None, ""))  # missing, or empty
    if param.choices:
        # Not one of the documented values: a near miss and a stranger.
        return st.sampled_from((param.choices[0] + "Now", "Hibernate"))
    if param.type is ParamType.BOOLEAN:
        return st.sampled_from(_BAD_BOOLEANS)
    if param.type is ParamType.INTEGER:
        bad: list[object] = ["x", "1.5"]
        if param.minimum is not None:
            bad.append(param.minimum - 1)
        if param.maximum is not None:
            bad.append(param.maximum + 1)
        return st.sampled_from(tuple(bad))
    if param.name in _FROM_A_PAGE:
        return st.just("not-a-token")
    return None


def _bad_token(action: Action) -> st.SearchStrategy[object] | None:
    """A ClientToken the action refuses, where its table documents the refusal."""
    if ErrorCode.INVALID_CLIENT_TOKEN not in ERRORS[action]:
        return None
    return st.sampled_from(_BAD_TOKENS)


# ------------------------------------------------- creation and renewal
# RunInstances, CreateInstance and RenewInstance read fields together (Period is
# checked against PeriodUnit, Period is required for PrePaid, DeletionProtection
# is PostPaid's, MinAmount is at most Amount), so a valid request is drawn as a
# whole and an invalid one is a valid one with one or two defects laid over it.
# The values are still read off the tables: the choices, PERIODS and
# AUTO_RENEW_PERIODS per unit, the Amount limits, the ClientToken length.
_CREATIONS: Final = frozenset({Action.RUN_INSTANCES, Action.CREATE_INSTANCE})
#: Image ids as the API metadata's examples spell them (the model does not read them).
_IMAGES: Final = ("ubuntu_22_04_x64_20G_alibase_20240130.vhd", "aliyun_3_x64_20G_alibase.vhd")
#: InstanceName: 2-128 letters, digits, ':', '_', '.', '-'; CreateInstance's starts
#: with a letter; RunInstances numbers a batch with ``prefix[begin,bits]suffix``.
_NAMES: Final = ("web-1", "db.primary", "Web_01:a")
_BATCH_NAMES: Final = ("web-[1,3]", "node[10,2]-hz")
_BAD_NAMES: Final = ("w", "web 1", "x" * 129, "web/1")
_BAD_CREATE_NAMES: Final = ("1web", "-web")
_BAD_TYPES: Final = ("g7.large", "ecs.g7", "ecs..large")
#: Longer than 64 characters; not ASCII.
_BAD_TOKENS: Final = ("t" * (MAX_CLIENT_TOKEN + 1), "tok\u00e9n")
_BAD_ZONES: Final = ("cn-hangzhou-k", "cn-beijing-a")
#: The units, and a Period and an AutoRenewPeriod outside each unit's values.
_UNITS: Final = tuple(PERIODS)
_BAD_PERIODS: Final = {
    unit: tuple(n for n in (0, 5, 10, 13, 61, "x") if n not in PERIODS[unit]) for unit in _UNITS
}
_BAD_RENEW_PERIODS: Final = {
    unit: tuple(n for n in (0, 4, 5, 7, "x") if n not in AUTO_RENEW_PERIODS[unit])
    for unit in _UNITS
}


def _set(name: str, values: Sequence[object]) -> st.SearchStrategy[dict[str, object]]:
    """``{name: value}`` for each of ``values``: one defect."""
    return st.sampled_from(tuple({name: value} for value in values))


def _as_wire(value: int) -> st.SearchStrategy[object]:
    """An Integer as a Python int or as the string a wire request carries."""
    return st.sampled_from((value, str(value)))


@st.composite
def _subscription(draw: st.DrawFn, renewal: bool) -> dict[str, object]:
    """``PeriodUnit`` (often left to its default, Month) and a ``Period`` valid for it."""
    unit = draw(st.sampled_from((None, *_UNITS)))
    period = draw(st.sampled_from(sorted(PERIODS[unit or "Month"])))
    params: dict[str, object] = {"PeriodUnit": unit, "Period": draw(_as_wire(period))}
    if renewal:
        return params
    if draw(st.booleans()):
        params["AutoRenew"] = draw(st.sampled_from(_GOOD_BOOLEANS))
    return params


@st.composite
def _good_creation(draw: st.DrawFn, action: Action, max_amount: int) -> dict[str, object]:
    launch = action is Action.RUN_INSTANCES
    params: dict[str, object] = {
        "RegionId": REGION_ID,
        "InstanceType": draw(st.sampled_from(_FREE_STRINGS["InstanceType"])),
    }
    # The image: ImageId mostly; ImageFamily or (RunInstances) a launch template instead.
    sources: list[tuple[str, str]] = [("ImageId", image) for image in _IMAGES]
    sources.append(("ImageFamily", "acs:ubuntu_22_04_x64"))
    if launch:
        sources += [("LaunchTemplateId", "lt-bp1"), ("LaunchTemplateName", "web")]
    key, value = draw(st.sampled_from(sources))
    params[key] = value
    prepaid = draw(st.booleans())
    if prepaid:
        params["InstanceChargeType"] = "PrePaid"
        params.update(draw(_subscription(renewal=False)))
        auto = params.get("AutoRenew")
        unit = str(params["PeriodUnit"] or "Month")
        # CreateInstance needs AutoRenewPeriod with AutoRenew=true; RunInstances defaults it.
        needs = auto is not None and str(auto).lower() == "true" and not launch
        if needs or (auto is not None and draw(st.booleans())):
            params["AutoRenewPeriod"] = draw(
                st.sampled_from(sorted(AUTO_RENEW_PERIODS[unit])).flatmap(_as_wire)
            )
    else:
        params["InstanceChargeType"] = draw(st.sampled_from((None, "PostPaid")))
        params["DeletionProtection"] = draw(st.sampled_from((None, *_GOOD_BOOLEANS)))
    if launch:
        amount = draw(st.integers(1, max_amount))
        params["Amount"] = draw(
            st.sampled_from((None, amount)) if amount == 1 else _as_wire(amount)
        )
        if draw(st.booleans()):
            params["MinAmount"] = draw(st.integers(1, amount))
        params["UniqueSuffix"] = draw(st.sampled_from((None, *_GOOD_BOOLEANS)))
        if prepaid:
            params["AutoPay"] = draw(st.sampled_from((None, *_GOOD_BOOLEANS)))
    names = (*_NAMES, *(_BATCH_NAMES if launch else ()))
    params["InstanceName"] = draw(st.sampled_from((None, *names)))
    params["ClientToken"] = draw(st.sampled_from((None, *_FREE_STRINGS["ClientToken"])))
    params["ZoneId"] = draw(st.sampled_from((None, ZONE_ID)))
    params["DryRun"] = draw(st.sampled_from((None, *_GOOD_BOOLEANS[:4])))
    return params


def _creation_defects(action: Action) -> list[st.SearchStrategy[dict[str, object]]]:
    """One defect each: a field (or two read together) that a check of ``action`` refuses."""
    launch = action is Action.RUN_INSTANCES
    image_gone = {"ImageId": None, "ImageFamily": None}
    if launch:
        image_gone.update(LaunchTemplateId=None, LaunchTemplateName=None)
    defects: list[st.SearchStrategy[dict[str, object]]] = [
        # MissingParameter: RegionId, the image or InstanceType missing or empty.
        st.sampled_from(({"RegionId": None}, {"RegionId": ""}, image_gone)),
        st.sampled_from(({"InstanceType": None}, {"InstanceType": ""})),
        # MissingParamter (sic): PrePaid without Period.
        st.just({"InstanceChargeType": "PrePaid", "Period": None, "DeletionProtection": None}),
        # InvalidParameter: a Boolean that is not one.
        _set("AutoRenew", _BAD_BOOLEANS),
        _set("DeletionProtection", _BAD_BOOLEANS),
        _set("InstanceChargeType", ("PrePaidNow", "Hibernate")),
        _set("PeriodUnit", ("Year", "month", "Day")),
        st.sampled_from(_UNITS).flatmap(
            lambda unit: st.sampled_from(_BAD_PERIODS[unit]).map(
                lambda n: {
                    "InstanceChargeType": "PrePaid",
                    "PeriodUnit": unit,
                    "Period": n,
                    "DeletionProtection": None,
                }
            )
        ),
        st.sampled_from(_UNITS).flatmap(
            lambda unit: st.sampled_from(_BAD_RENEW_PERIODS[unit]).map(
                lambda n: {"PeriodUnit": unit, "AutoRenewPeriod": n}
            )
        ),
        _set("InstanceType", _BAD_TYPES),
        _set("InstanceName", (*_BAD_NAMES, *(() if launch else _BAD_CREATE_NAMES))),
        _set("ClientToken", _BAD_TOKENS),
        # InvalidChargeType.ValueNotSupported: deletion protection is PostPaid's.
        st.just(
            {
                "InstanceChargeType": "PrePaid",
                "Period": 1,
                "PeriodUnit": None,
                "DeletionProtection": "true",
            }
        ),
        _set("ZoneId", _BAD_ZONES),
        _set("DryRun", _BAD_BOOLEANS),
    ]
    if not launch:
        # CreateInstance: AutoRenew=true needs AutoRenewPeriod.
        defects.append(
            st.just(
                {
                    "InstanceChargeType": "PrePaid",
                    "Period": 1,
                    "PeriodUnit": None,
                    "AutoRenew": True,
                    "AutoRenewPeriod": None,
                    "DeletionProtection": None,
                }
            )
        )
        return defects
    defects += [
        _set("Amount", (0, MAX_AMOUNT + 1, "x", "1.5")),
        _set("UniqueSuffix", _BAD_BOOLEANS),
        # InvalidAutoPay.PostPaidUnsupported: AutoPay=false is PrePaid's.
        st.sampled_from((False, "false")).map(
            lambda v: {"InstanceChargeType": "PostPaid", "AutoPay": v}
        ),
        # InvalidMinAmount.Malformed: outside 1-100, or more than Amount.
        st.sampled_from(
            (
                {"MinAmount": 0},
                {"MinAmount": MAX_AMOUNT + 1},
                {"MinAmount": "x"},
                {"Amount": 1, "MinAmount": 2},
            )
        ),
    ]
    return defects


def _creation_params(
    action: Action, valid: bool, max_amount: int
) -> st.SearchStrategy[dict[str, object]]:
    good = _good_creation(action, max_amount)
    if valid:
        return good
    one_defect = st.one_of(_creation_defects(action))
    return st.builds(_merged, good, one_defect | st.builds(_merged, one_defect, one_defect))


def _renew_params(valid: bool) -> st.SearchStrategy[dict[str, object]]:
    """RenewInstance's parameters (without ``InstanceId``): a Period valid for its unit.

    ``ExpectedRenewDay`` is only ever refused by the model (it must equal the
    account's unified expiration day, and the model's accounts set none), so
    valid requests never carry it.
    """
    good = st.builds(
        _merged,
        _subscription(renewal=True),
        st.fixed_dictionaries(
            {}, optional={"ClientToken": st.sampled_from(_FREE_STRINGS["ClientToken"])}
        ),
    )
    if valid:
        return good
    defects = st.one_of(
        st.sampled_from(({"InstanceId": None}, {"InstanceId": ""})),
        st.just({"Period": None}),  # InvalidPeriod.NotFound: neither Period nor the day
        _set("ExpectedRenewDay", (1, 15, 28)),  # with Period: a conflict
        st.sampled_from((1, 28)).map(lambda d: {"Period": None, "ExpectedRenewDay": d}),
        st.just({"Period": None, "ExpectedRenewDay": "x"}),
        _set("PeriodUnit", ("Year", "week", "Day")),
        st.sampled_from(_UNITS).flatmap(
            lambda unit: st.sampled_from(_BAD_PERIODS[unit]).map(
                lambda n: {"PeriodUnit": unit, "Period": n}
            )
        ),
        _set("ClientToken", _BAD_TOKENS),
    )
    return st.builds(_merged, good, defects | st.builds(_merged, defects, defects))


def _json_ids(ids: list[str], spaced: bool) -> str:
    """A JSON array as clients send it: compact (Terraform) or with spaces (json.dumps)."""
    return json.dumps(ids, separators=(", " if spaced else ",", ":"))


def _good_ids(param: Param, ids: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    if param.type is ParamType.JSON_LIST:
        return st.builds(_json_ids, st.lists(ids, max_size=_IDS_LIST_MAX), st.booleans())
    # A batch names each instance once; a listing may name none (all instances).
    return st.lists(
        ids, min_size=int(param.required), max_size=_IDS_LIST_MAX, unique=param.required
    )


def _bad_ids(
    action: Action, param: Param, ids: st.SearchStrategy[str], too_many_ids: bool
) -> st.SearchStrategy[object] | None:
    # More than 100 ids is one choice among several: rare, as it costs a long request.
    too_many: list[st.SearchStrategy[object]] = []
    if too_many_ids:
        too_many.append(
            st.just(json.dumps(list(_TOO_MANY_IDS)))
            if param.type is ParamType.JSON_LIST
            else st.just(list(_TOO_MANY_IDS))
        )
    if param.type is ParamType.JSON_LIST:
        return st.one_of(
            ids.map(lambda i: f"{i},{i}-other"),  # a comma list, not JSON
            ids.map(lambda i: json.dumps({"InstanceIds": [i]})),
            ids.map(lambda i: json.dumps([i, 3])),
            *too_many,
        )
    if not param.required:
        # An empty id is malformed where the action checks its ids are well formed.
        checked = Check.INSTANCE_IDS_WELL_FORMED in {rule.check for rule in PRECEDENCE[action]}
        options = [ids.map(lambda i: [i, ""])] if checked else []
        return st.one_of(*options, *too_many) if options or too_many else None
    return st.one_of(
        st.just([]),  # no InstanceId.N at all: missing
        ids.map(lambda i: [i, i]),  # the same id twice: malformed
        ids.map(lambda i: [i, ""]),  # an empty id: malformed
        *too_many,
    )


def _merged(*parts: dict[str, object]) -> dict[str, object]:
    merged: dict[str, object] = {}
    for part in parts:
        merged.update(part)
    return merged


def _good_params(
    action: Action, ids: st.SearchStrategy[str]
) -> st.SearchStrategy[dict[str, object]]:
    """Well-formed parameters of ``action`` (without the one ``InstanceId`` a caller adds)."""
    required: dict[str, st.SearchStrategy[object]] = {}
    optional: dict[str, st.SearchStrategy[object]] = {}
    id_param = _id_param(action)
    for param in PARAMETERS[action]:
        if param.name in _FROM_A_PAGE:
            continue
        if param is id_param:
            if _names_one_instance(action):
                continue
            strategy = _good_ids(param, ids)
        else:
            strategy = _good_value(param)
        (required if param.required else optional)[param.name] = strategy
    if action is not Action.DESCRIBE_INSTANCES:
        return st.fixed_dictionaries(required, optional=optional)
    # DescribeInstances: no filter, one, or two (more almost always match nothing),
    # and page mode, token mode or neither.
    paging = {name: optional.pop(name) for name in (*_PAGE_MODE, *_TOKEN_MODE)}
    filters = {
        name: optional.pop(name)
        for name in list(optional)
        if name not in ("DryRun", getattr(id_param, "name", None))
    }
    one_filter = st.one_of([st.fixed_dictionaries({n: s}) for n, s in filters.items()])
    return st.builds(
        _merged,
        st.fixed_dictionaries(required, optional=optional),
        st.one_of(st.just({}), one_filter, st.builds(_merged, one_filter, one_filter)),
        st.one_of(
            st.fixed_dictionaries({}, optional={n: paging[n] for n in _PAGE_MODE}),
            st.fixed_dictionaries({n: paging[n] for n in _TOKEN_MODE}),
        ),
    )


def _action_params(
    action: Action,
    ids: st.SearchStrategy[str],
    valid: bool,
    too_many_ids: bool = True,
    max_amount: int = MAX_AMOUNT,
) -> st.SearchStrategy[dict[str, object]]:
    """Parameters of ``action``; an invalid set has one defect or two.

    The precedence between MissingParameter and InvalidParameter, and between two
    invalid parameters, is part of what is checked.
    """
    if action in _CREATIONS:
        return _creation_params(action, valid, max_amount)
    if action is Action.RENEW_INSTANCE:
        return _renew_params(valid)
    good = _good_params(action, ids)
    if valid:
        return good
    id_param = _id_param(action)
    defective: dict[str, st.SearchStrategy[object]] = {}
    for param in PARAMETERS[action]:
        if param is id_param and param.type is not ParamType.STRING:
            bad = _bad_ids(action, param, ids, too_many_ids)
        elif param.name == "ClientToken":
            bad = _bad_token(action)
        else:
            bad = _bad_value(param)
        if bad is not None:
            defective[param.name] = bad
    # One defect half the time, so that each check late in the request stage
    # (malformed ids, too many) answers; two otherwise, so that precedence shows.
    one_defect = st.one_of([st.fixed_dictionaries({n: b}) for n, b in defective.items()])
    defects = one_defect | st.builds(_merged, one_defect, one_defect)
    return st.builds(_merged, good, defects)


def _ids_strategy(
    instance_ids: Iterable[str] | st.SearchStrategy[str] | None, unknown_ids: bool
) -> st.SearchStrategy[str]:
    if isinstance(instance_ids, st.SearchStrategy):
        known: st.SearchStrategy[str] | None = instance_ids
    else:
        ids = tuple(instance_ids or ())
        if not all(isinstance(i, str) and i for i in ids):
            raise InvalidArgument(f"instance_ids={instance_ids!r}: expected non-empty id strings")
        known = st.sampled_from(ids) if ids else None
    if known is None:
        return st.just(UNKNOWN_INSTANCE_ID)
    return known | st.just(UNKNOWN_INSTANCE_ID) if unknown_ids else known


def action_params(
    action: Action | str,
    *,
    valid: bool = True,
    instance_ids: Iterable[str] | st.SearchStrategy[str] | None = None,
    too_many_ids: bool = True,
) -> st.SearchStrategy[dict[str, object]]:
    """Parameters for ``action``, drawn from the model's own parameter tables.

    For an action that names one instance (StartInstance, RebootInstance,
    StopInstance, DescribeInstanceAttribute) the parameters come *without* a
    valid ``InstanceId``: the caller adds it, so that a state machine can draw
    it from a ``Bundle``: ``{"InstanceId": some_id, **params}``. An invalid set
    may itself set ``InstanceId`` to ``None`` (left out) or ``""`` (empty),
    which must win over the caller's. For the actions that name a list
    (DescribeInstanceStatus, DescribeInstances' JSON ``InstanceIds``, the batch
    actions' ``InstanceId.N``) the ids come from ``instance_ids``, with an
    unknown id now and then.

    Args:
        action: The action.
        valid: Well-formed parameters, or ones with at least one defect a
            parameter check refuses (``MissingParameter``, ``InvalidParameter``,
            ``Abs.InvalidInstanceIds.MalFormed``, ``TooManyInstanceIds``, a
            DescribeInstances filter's ``...NotFound``).
        instance_ids: For the list actions: the ids (or a strategy of ids) to
            name; default: an unknown id.
        too_many_ids: Whether an invalid set may name more than 100 ids
            (``TooManyInstanceIds``); ``False`` for an implementation that
            does not count them.
    """
    resolved = resolve_action(action)
    _check_flag("too_many_ids", too_many_ids)
    return _action_params(
        resolved, _ids_strategy(instance_ids, unknown_ids=True), valid, too_many_ids
    )


def _check_flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r}: expected True or False")


def _requests(
    actions: Iterable[Action | str] | None,
    instance_ids: Iterable[str] | st.SearchStrategy[str] | None,
    unknown_ids: bool,
    valid: bool,
    too_many_ids: bool = True,
) -> st.SearchStrategy[Request]:
    chosen = ACTIONS if actions is None else resolve_actions(actions)
    _check_flag("too_many_ids", too_many_ids)
    ids = _ids_strategy(instance_ids, unknown_ids)
    options = []
    for action in chosen:
        params = _action_params(action, ids, valid, too_many_ids)
        if _names_one_instance(action):
            options.append(st.builds(_single_request, st.just(action), ids, params))
        else:
            options.append(st.builds(Request, st.just(action), params))
    return st.one_of(options)


def _single_request(action: Action, instance_id: str, params: dict[str, object]) -> Request:
    return Request(action, {"InstanceId": instance_id, **params})


def valid_requests(
    actions: Iterable[Action | str] | None = None,
    *,
    instance_ids: Iterable[str] | st.SearchStrategy[str] | None = None,
    unknown_ids: bool = True,
) -> st.SearchStrategy[Request]:
    """Well-formed requests: they pass every parameter check.

    They may still be refused for the instance's condition, name an unknown
    instance (when ``unknown_ids``), or ask for a dry run. Batch requests name
    1 to 5 distinct ids, ``AllTogether`` or ``SuccessFirst``; DescribeInstances
    requests filter by zero to two fields and page by number, by token
    (``MaxResults``) or not at all.

    Args:
        actions: The actions to draw from (default: ``ACTIONS``, all fifteen).
        instance_ids: The ids to name (a collection or a strategy).
        unknown_ids: Sometimes name ``UNKNOWN_INSTANCE_ID`` instead.
    """
    return _requests(actions, instance_ids, unknown_ids, valid=True)


def invalid_requests(
    actions: Iterable[Action | str] | None = None,
    *,
    instance_ids: Iterable[str] | st.SearchStrategy[str] | None = None,
    unknown_ids: bool = True,
    too_many_ids: bool = True,
) -> st.SearchStrategy[Request]:
    """Malformed requests: each has one or more defects a parameter check refuses.

    A missing or empty ``InstanceId`` or ``RegionId``, a Boolean that is not
    true or false, a value outside its documented choices, a page number or
    size out of range, a batch with no id, an empty id or the same id twice,
    an ``InstanceIds`` that is no JSON array of strings, more than 100 ids
    (rarely; never with ``too_many_ids=False``), a ``NextToken`` no page gave.
    The model answers the parameter check its precedence puts first.
    """
    return _requests(actions, instance_ids, unknown_ids, valid=False, too_many_ids=too_many_ids)


def requests(
    actions: Iterable[Action | str] | None = None,
    *,
    instance_ids: Iterable[str] | st.SearchStrategy[str] | None = None,
    unknown_ids: bool = True,
) -> st.SearchStrategy[Request]:
    """Valid requests, and now and then an invalid one."""
    return valid_requests(actions, instance_ids=instance_ids, unknown_ids=unknown_ids) | (
        invalid_requests(actions, instance_ids=instance_ids, unknown_ids=unknown_ids)
    )


# ------------------------------------------------------------------- faults
def fault_rules(
    *,
    actions: Iterable[Action | str | None] | None = None,
    kinds: Iterable[FaultKind | str] | None = None,
    instance_ids: Iterable[str] | st.SearchStrategy[frozenset[str] | None] | None = None,
    deterministic: bool = False,
    max_count: int = 3,
    max_delay: float = 120.0,
) -> st.SearchStrategy[FaultRule]:
    """One ``lifecycle.FaultRule``: throttle, error, lost response or delay.

    Rules print as the call that builds them (``FaultRule(kind='lost_response',
    action='StartInstance', count=1)``), so a shrunk failure can be pasted.

    Args:
        actions: The actions a rule may target; ``None`` in it means "any
            action" (default: each of ``ACTIONS`` and ``None``). Delays and
            lost responses never target a describe action, which changes nothing.
        kinds: The kinds to draw (default: all four).
        instance_ids: Ids a rule may be limited to (a rule then hits only calls
            naming one of them), or a strategy of such sets; default: any instance.
        deterministic: Every rule fires with probability 1 and a count, so two
            implementations given the same plan fail the same calls. Use it for
            differential tests; otherwise probabilities and unlimited rules are
            drawn as well, seeded by the model.
        max_count: The largest ``count`` drawn.
        max_delay: The longest ``DELAY`` drawn, in seconds.
    """
    if isinstance(max_count, bool) or not isinstance(max_count, int) or max_count < 1:
        raise InvalidArgument(f"max_count={max_count!r}: expected an int >= 1")
    if not max_delay >= 1:
        raise InvalidArgument(f"max_delay={max_delay!r}: expected at least 1 second")
    action_choices: tuple[str | None, ...] = (
        (None, *(a.value for a in ACTIONS))
        if actions is None
        else tuple(None if a is None else resolve_action(a).value for a in actions)
    )
    kind_choices = tuple(FaultKind(k).value for k in (FaultKind if kinds is None else kinds))
    if not action_choices or not kind_choices:
        raise InvalidArgument("actions and kinds: expected at least one of each")
    if instance_ids is None:
        id_sets: st.SearchStrategy[frozenset[str] | None] = st.none()
    elif isinstance(instance_ids, st.SearchStrategy):
        id_sets = st.none() | instance_ids
    else:
        ids = tuple(instance_ids)
        id_sets = st.none() | st.frozensets(st.sampled_from(ids), min_size=1) if ids else st.none()
    counts: st.SearchStrategy[int | None] = st.integers(1, max_count)
    probabilities: st.SearchStrategy[float] = st.just(1.0)
    if not deterministic:
        counts = st.none() | counts
        probabilities = st.sampled_from((1.0, 0.5, 0.1))

    def of_kind(kind: FaultKind) -> st.SearchStrategy[FaultRule] | None:
        targets = action_choices
        if kind in (FaultKind.DELAY, FaultKind.LOST_RESPONSE):
            # The describe actions change nothing: they can only be throttled or fail.
            targets = tuple(a for a in targets if a not in _OBSERVERS)
        if not targets:
            return None
        # st.builds with plain values prints as the call that builds the rule.
        kwargs: dict[str, st.SearchStrategy[Any]] = {
            "kind": st.just(kind.value),
            "action": st.sampled_from(targets),
            "instance_ids": id_sets,
            "probability": probabilities,
            "count": counts,
        }
        if kind is FaultKind.DELAY:
            kwargs["delay"] = st.integers(1, int(max_delay)).map(float)
        return st.builds(FaultRule, **kwargs)

    options = [s for s in map(of_kind, map(FaultKind, kind_choices)) if s is not None]
    if not options:
        raise InvalidArgument(
            "actions and kinds: only describe actions with delay or lost_response; "
            "a describe changes nothing, so neither can hit it"
        )
    return st.one_of(options)


def fault_plans(
    *,
    min_rules: int = 0,
    max_rules: int = 3,
    actions: Iterable[Action | str | None] | None = None,
    kinds: Iterable[FaultKind | str] | None = None,
    instance_ids: Iterable[str] | st.SearchStrategy[frozenset[str] | None] | None = None,
    deterministic: bool = False,
    max_count: int = 3,
    max_delay: float = 120.0,
) -> st.SearchStrategy[list[FaultRule]]:
    """A list of fault rules to add to a model, in order (the first that fires wins).

    Add them with ``for rule in plan: model.add_fault(rule)``. The other
    arguments are ``fault_rules``'s.
    """
    return st.lists(
        fault_rules(
            actions=actions,
            kinds=kinds,
            instance_ids=instance_ids,
            deterministic=deterministic,
            max_count=max_count,
            max_delay=max_delay,
        ),
        min_size=min_rules,
        max_size=max_rules,
    )
