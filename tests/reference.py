"""An independent reference built only from ``specs/``: the oracle the tests trust.

Nothing here imports the package's tables. ``decide`` walks an operation's
``[[precedence]]`` list from its TOML file and evaluates each ``fails_when``
clause against facts derived, in plain Python, from a ``Condition`` as
``specs/facts.toml`` defines them. ``build_model`` turns the same
``Condition`` into an ``EcsModel`` through the public API only, so a test can
ask the model and the oracle the same question.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import lifecycle

SPECS = Path(__file__).resolve().parent.parent / "specs"
MUTATING = ("StartInstance", "RebootInstance", "StopInstance")
INSTANCE_ID = "i-given"


@cache
def load(relative: str) -> dict[str, Any]:
    """One spec file, parsed."""
    with (SPECS / relative).open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return data


def operation(action: str) -> dict[str, Any]:
    """``specs/operations/<action>.toml``."""
    return load(f"operations/{action}.toml")


def error_entry(action: str, code: str) -> dict[str, Any]:
    """The ``[[errors]]`` entry of ``code`` in ``action``'s file."""
    entries: list[dict[str, Any]] = operation(action)["errors"]
    (entry,) = [e for e in entries if e["code"] == code]
    return entry


@dataclass(frozen=True)
class Condition:
    """One instance and its account at call time, plus the request (facts' inputs)."""

    exists: bool = True
    status: str = "Stopped"
    security_locked: bool = False
    prepaid: bool = False
    expired: bool = False  # PrePaid only: ExpiredTime at or before the clock
    in_arrears: bool = False
    balance_low: bool = False
    cloud_disk_abnormal: bool = False
    local_disk_abnormal: bool = False
    instance_type: str = "ecs.g7.large"
    has_local_disk: bool = False
    # Stopped by the platform at expiry or for overdue payment, nothing done since.
    suspended: bool = False
    deletion_protected: bool = False
    # The request.
    missing_id: bool = False
    bad_boolean: bool = False
    throttled: bool = False
    injected_fault: bool = False
    dry_run: bool = False
    init_local_disk: bool = False
    force_stop: bool = False
    terminate_subscription: bool = False
    # Creation and renewal: the price exceeds the balance; the stock is short.
    unaffordable: bool = False
    out_of_stock: bool = False
    # StopInstance only; None sends nothing. Neither decides an outcome (the spec's notes):
    # StoppedMode is recorded on a stopped instance, ConfirmStop is validated and ignored.
    stopped_mode: str | None = None
    confirm_stop: bool | None = None
    # DeleteInstance(s)' Force; None for an action that has no Force (facts.toml's force_stop
    # is then ForceStop alone; with a Force it is Force=true and ForceStop=true).
    force: bool | None = None
    # RenewInstance's request: Period (an int, or a str that is no integer), PeriodUnit,
    # ExpectedRenewDay, the ClientToken sent, and whether an earlier accepted renewal used
    # that token with the same parameters ("same") or with others ("other").
    period: int | str | None = None
    period_unit: str = "Month"
    expected_renew_day: int | None = None
    client_token: str | None = None
    token_replay: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the documents say happens: an error code, or a status and maybe a data loss."""

    code: str | None = None
    status: str | None = None
    data_loss: str | None = None
    cleared: frozenset[str] = field(default_factory=frozenset)
    # The precedence check that refused (``None`` on success), to tell apart checks that
    # answer the same code (ReActivateInstances' status and overdue_stopped).
    check: str | None = None
    # RenewInstance: an earlier renewal's answer is given again, nothing extended.
    replayed: bool = False


def family(instance_type: str) -> str:
    """The family named by an instance type: ``ecs.d1.2xlarge`` -> ``d1``."""
    parts = instance_type.split(".")
    return parts[1] if len(parts) >= 3 and parts[0] == "ecs" else instance_type


def facts(condition: Condition) -> set[str]:
    """The facts of ``specs/facts.toml`` that hold, each by its written meaning."""
    c = condition
    init_families = set(load("facts.toml")["init_local_disk_families"])
    held = {
        "pending": c.status == "Pending",
        "security_locked": c.security_locked,
        "prepaid_expired": c.prepaid and c.expired,
        "postpaid_in_arrears": not c.prepaid and c.in_arrears,
        "postpaid_balance_low": not c.prepaid and c.balance_low,
        "cloud_disk_abnormal": c.cloud_disk_abnormal,
        "local_disk_abnormal": c.local_disk_abnormal,
        "local_disk_recoverable": c.init_local_disk and family(c.instance_type) in init_families,
        "force_stop": c.force_stop and c.force is not False,
        "prepaid": c.prepaid,
        "postpaid": not c.prepaid,
        "in_service": not c.suspended,
        "deletion_protected": c.deletion_protected,
        "terminate_subscription": c.terminate_subscription,
        "unaffordable": c.unaffordable,
        "out_of_stock": c.out_of_stock,
    }
    assert set(held) == set(load("facts.toml")["facts"]), "facts.toml and this oracle diverged"
    return {name for name, holds in held.items() if holds}


def _clause_fails(clause: dict[str, list[str]], held: set[str]) -> bool:
    return set(clause.get("all", [])) <= held and not set(clause.get("none", [])) & held


def renewal_problems(condition: Condition) -> set[str]:
    """The codes RenewInstance's request fields earn, each as its spec entry says."""
    c = condition
    op = operation("RenewInstance")
    params = {p["name"]: p for p in op["parameters"]}
    problems: set[str] = set()
    if c.period is None and c.expected_renew_day is None:
        problems.add("InvalidPeriod.NotFound")  # "cannot both be empty"
    if c.period is not None and c.expected_renew_day is not None:
        problems.add("InvalidExpectedRenewDay.Conflict")
    if c.period_unit not in params["PeriodUnit"]["choices"]:
        problems.add(params["PeriodUnit"]["invalid_code"])
    if c.period is not None and (
        not isinstance(c.period, int) or c.period not in op["periods"].get(c.period_unit, [])
    ):
        problems.add(params["Period"]["invalid_code"])
    if c.expected_renew_day is not None:
        # [[decisions]] ExpectedRenewDay: the model's accounts have no unified day.
        problems.add(params["ExpectedRenewDay"]["invalid_code"])
    token = c.client_token
    if token is not None and (len(token) > op["client_token_max_length"] or not token.isascii()):
        problems.add("InvalidClientToken.ValueNotSupported")
    return problems


def _invalid_parameters(action: str, condition: Condition) -> set[str]:
    if action == "RenewInstance":
        return renewal_problems(condition)
    return {"InvalidParameter"} if condition.bad_boolean else set()


def accepted_statuses(action: str, condition: Condition) -> list[str]:
    """The statuses the action accepts: ``forced_accepts`` when the request forces it."""
    op = operation(action)
    if condition.force and "forced_accepts" in op:
        accepted: list[str] = op["forced_accepts"]
        return accepted
    plain: list[str] = op["accepts"]
    return plain


def decide(action: str, condition: Condition) -> Outcome:
    """The documented outcome of ``action`` in ``condition``, from ``specs/`` alone."""
    op = operation(action)
    held = facts(condition)
    invalid = _invalid_parameters(action, condition)
    by_request = {
        "required_parameters": condition.missing_id,
        "throttled": condition.throttled,
        "injected_fault": condition.injected_fault,
        "dry_run": condition.dry_run,
        "client_token": condition.token_replay == "other",
        "exists": not condition.exists,
        "status": condition.status not in accepted_statuses(action, condition),
    }
    for rule in op["precedence"]:
        check = rule["check"]
        if check == "valid_parameters":
            failed = rule["error"] in invalid
        elif check in by_request:
            failed = by_request[check]
        else:
            failed = any(_clause_fails(clause, held) for clause in rule["fails_when"])
        if failed:
            return Outcome(code=rule["error"], check=check)
        if check == "client_token" and condition.token_replay == "same":
            # [[decisions]] ClientToken: the first renewal's answer again, looked up
            # before the instance.
            return Outcome(status=condition.status, replayed=True)
    loss = None
    cleared: set[str] = set()
    for effect in op.get("effects", []):
        if set(effect["when"]) <= held and condition.status not in effect.get("not_from", []):
            loss = effect["data_loss"]
            cleared |= set(effect["clears"])
    return Outcome(status=_destination(op, condition), data_loss=loss, cleared=frozenset(cleared))


def _destination(op: dict[str, Any], condition: Condition) -> str:
    if not op.get("keeps_status"):
        enters: str = op["enters"]
        return enters
    # RenewInstance keeps the status, except that an instance the platform stopped
    # (suspended, Stopped) resumes by the resume trigger ([[decisions]] "resume after expiry").
    (resume,) = [
        t for t in load("lifecycle.toml")["transitions"] if t["trigger"] == op["resume_trigger"]
    ]
    if condition.suspended and condition.status == resume["source"]:
        dest: str = resume["dest"]
        return dest
    return condition.status


def _epoch() -> datetime:
    stamp: str = operation("DescribeInstances")["response"]["epoch"]
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def renewed_expiry(expired_time: float, now: float, period: int, unit: str) -> float:
    """RenewInstance's [[decisions]] "new ExpiredTime": max(old, now) plus ``period`` weeks or
    calendar months (the same day of the month, or the last day of a shorter month)."""
    start = max(expired_time, now)
    if unit == "Week":
        return start + period * 7 * 86400
    epoch = _epoch()
    moment = epoch + timedelta(seconds=start)
    months = moment.year * 12 + moment.month - 1 + period
    year, month = divmod(months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    moved = moment.replace(year=year, month=month + 1, day=day)
    return (moved - epoch).total_seconds()


CLOCK = 1000.0


def build_model(condition: Condition, action: str, *, seed: int = 0) -> lifecycle.EcsModel:
    """An ``EcsModel`` holding ``condition``'s instance (unless it does not exist)."""
    model = lifecycle.EcsModel(
        seed=seed,
        clock=lifecycle.ManualClock(CLOCK),
        balance=Decimal(10) if condition.balance_low else Decimal(100),
        minimum_start_balance=Decimal(50),
        in_arrears=condition.in_arrears,
    )
    if condition.exists:
        kwargs: dict[str, Any] = {}
        if condition.prepaid:
            kwargs["charge_type"] = "PrePaid"
            kwargs["expired_time"] = CLOCK if condition.expired else CLOCK + 1
        model.create_instance(
            INSTANCE_ID,
            status=condition.status,
            instance_type=condition.instance_type,
            security_locked=condition.security_locked,
            has_local_disk=condition.has_local_disk,
            cloud_disk_abnormal=condition.cloud_disk_abnormal,
            local_disk_abnormal=condition.local_disk_abnormal,
            **kwargs,
        )
    if condition.throttled:
        model.add_fault(
            lifecycle.FaultRule(kind=lifecycle.FaultKind.THROTTLE, action=action, count=1)
        )
    if condition.injected_fault:
        model.inject_internal_error(action)
    return model


def request(action: str, condition: Condition) -> dict[str, object]:
    """The documented request parameters that express ``condition``'s request part."""
    params: dict[str, object] = {}
    if not condition.missing_id:
        params["InstanceId"] = INSTANCE_ID if condition.exists else "i-doesnotexist"
    if condition.dry_run:
        params["DryRun"] = "true"
    if action == "StartInstance":
        params["InitLocalDisk"] = "maybe" if condition.bad_boolean else condition.init_local_disk
    else:
        params["ForceStop"] = "maybe" if condition.bad_boolean else condition.force_stop
    if action == "StopInstance":
        if condition.stopped_mode is not None:
            params["StoppedMode"] = condition.stopped_mode
        if condition.confirm_stop is not None:
            params["ConfirmStop"] = condition.confirm_stop
    return params


#: StopInstance's StoppedMode values, and the mode each records (specs/operations/StopInstance.toml:
#: default KeepCharging; "Not-applicable" asks for no mode in particular, so KeepCharging).
STOPPED_MODES = {
    None: "KeepCharging",
    "KeepCharging": "KeepCharging",
    "StopCharging": "StopCharging",
    "Not-applicable": "KeepCharging",
}


Snapshot = tuple[
    float,
    lifecycle.AccountView,
    tuple[lifecycle.InstanceView, ...],
    tuple[lifecycle.FaultState, ...],
]


def snapshot(model: lifecycle.EcsModel) -> Snapshot:
    """Everything observable about a model except the position of its id generators
    (``request_ids`` reads the request-id stream)."""
    return (
        model.now,
        model.account,
        tuple(model.instance(i) for i in model.instance_ids()),
        model.faults(),
    )


def request_ids(model: lifecycle.EcsModel, count: int = 2) -> list[str]:
    """Draw the next ``count`` ids of the model's request-id stream.

    Each is read by creating one instance (one request id each, seen on its
    ``create`` event), so no action under test is its own yardstick. Call it on
    a twin built alike (``build_model`` is deterministic), or on a model whose
    checks are done.
    """
    ids: list[str] = []
    unsubscribe = model.subscribe(
        lambda event: (
            ids.append(event.request_id) if isinstance(event, lifecycle.TransitionEvent) else None
        )
    )
    first = len(model)
    for n in range(count):
        model.create_instance(f"i-request-id-probe-{first + n}", status="Stopped")
    unsubscribe()
    assert len(ids) == count
    return ids


def assert_one_request_id(model: lifecycle.EcsModel, twin: list[str], answered: str) -> None:
    """The call answered with the twin's next id and drew no other: the model's next id is
    the twin's second (``twin`` from ``request_ids`` on an uncalled twin)."""
    assert answered == twin[0], (answered, twin)
    assert request_ids(model, 1) == twin[1:2], "the call drew more than one request id"


# ---------------------------------------------------------------- issue 13: creation and release
# RunInstances, CreateInstance and DeleteInstances decide their request themselves (no instance
# exists yet, or a list of ids): the oracle reads each parameter's row of the action's file in
# order, collects the problems with the code the row (or the file's [[decisions]]) gives, and
# then walks the action's [[precedence]] as ``decide`` does.

#: A request parameter's problem: (code, the parameter its message names).
Problem = tuple[str, str]
Flag = bool | str | None  # a Boolean as sent: True/False, "true"/"false", "maybe"; None: left out
Number = int | str | None  # an Integer as sent: 3, "3", "one"; None: left out


@dataclass(frozen=True)
class Creation:
    """A RunInstances or CreateInstance request (``None``: left out) and the world it meets."""

    region_id: str | None = "cn-hangzhou"
    image_id: str | None = "m-reference"
    image_family: str | None = None
    launch_template_id: str | None = None  # RunInstances only
    instance_type: str | None = "ecs.g7.large"
    instance_charge_type: str | None = None
    period: Number = None
    period_unit: str | None = None
    auto_renew: Flag = None
    auto_renew_period: Number = None
    instance_name: str | None = None
    client_token: str | None = None
    deletion_protection: Flag = None
    zone_id: str | None = None
    dry_run: Flag = None
    amount: Number = None  # RunInstances only
    min_amount: Number = None  # RunInstances only
    auto_pay: Flag = None  # RunInstances only
    unique_suffix: Flag = None  # RunInstances only
    # The world: the account, the type's price per PeriodUnit, the zone's stock of the type
    # (None: unlimited), the injected faults, and an earlier accepted request with the same
    # ClientToken and the same parameters ("same") or others ("other").
    in_arrears: bool = False
    balance: Decimal = Decimal(100)
    price: Decimal = Decimal(0)
    stock: int | None = None
    throttled: bool = False
    injected_fault: bool = False
    token_replay: str | None = None


#: Each creation parameter's documented name, by ``Creation`` field.
CREATION_FIELDS = {
    "region_id": "RegionId",
    "image_id": "ImageId",
    "image_family": "ImageFamily",
    "launch_template_id": "LaunchTemplateId",
    "instance_type": "InstanceType",
    "instance_charge_type": "InstanceChargeType",
    "period": "Period",
    "period_unit": "PeriodUnit",
    "auto_renew": "AutoRenew",
    "auto_renew_period": "AutoRenewPeriod",
    "instance_name": "InstanceName",
    "client_token": "ClientToken",
    "deletion_protection": "DeletionProtection",
    "zone_id": "ZoneId",
    "dry_run": "DryRun",
    "amount": "Amount",
    "min_amount": "MinAmount",
    "auto_pay": "AutoPay",
    "unique_suffix": "UniqueSuffix",
}


def creation_request(request: Creation) -> dict[str, object]:
    """The documented parameters ``request`` sends (the ones not left out)."""
    return {
        name: getattr(request, field)
        for field, name in CREATION_FIELDS.items()
        if getattr(request, field) is not None
    }


def read_flag(value: Flag, default: bool) -> bool | None:
    """A documented Boolean: its value, ``default`` when left out, ``None`` if malformed."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(value.lower())


def read_integer(value: Number) -> int | None:
    """A documented Integer sent: an int or a decimal string; ``None`` if it is no integer."""
    if isinstance(value, int):
        return value
    if value is not None and value.strip().lstrip("-").isdigit() and value.isascii():
        return int(value)
    return None


def _type_well_formed(instance_type: str) -> bool:
    # "Not of the form ecs.<family>.<size>: 400 InvalidInstanceType.ValueNotSupported."
    parts = instance_type.split(".")
    return len(parts) == 3 and parts[0] == "ecs" and all(parts)


def _name_well_formed(action: str, name: str) -> bool:
    # "2-128 characters: letters, digits, ':', '_', '.', '-'; RunInstances also takes the
    # batch form prefix[begin,bits]suffix ('[', ']', ','); CreateInstance's must start with a
    # letter."
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-")
    if action == "RunInstances":
        allowed |= set("[],")
    if not 2 <= len(name) <= 128 or not set(name) <= allowed:
        return False
    return action == "RunInstances" or (name[0].isascii() and name[0].isalpha())


def creation_charge(action: str, request: Creation) -> tuple[bool, str]:
    """(PrePaid, PeriodUnit) as read: a value outside its choices reads as the default."""
    params = {p["name"]: p for p in operation(action)["parameters"]}

    def chosen(name: str, value: str | None) -> str:
        default: str = params[name]["default"]
        return value if value is not None and value in params[name]["choices"] else default

    charge = chosen("InstanceChargeType", request.instance_charge_type)
    return charge == "PrePaid", chosen("PeriodUnit", request.period_unit)


def _creation_problem(
    action: str, param: dict[str, Any], request: Creation, prepaid: bool, unit: str
) -> str | None:
    """The code one parameter row gives ``request``'s value, or ``None``."""
    op = operation(action)
    r = request
    name = param["name"]
    field = next((f for f, n in CREATION_FIELDS.items() if n == name), None)
    if field is None:
        return None  # a row the oracle never sends (LaunchTemplateName)
    value = getattr(r, field)
    if param["type"] == "Boolean" and read_flag(value, param["default"]) is None:
        return "InvalidParameter"  # "a Boolean that is not true or false"
    if param.get("required") and value in (None, ""):
        return "MissingParameter"
    if "choices" in param and value is not None and value not in param["choices"]:
        code: str = param["invalid_code"]
        return code
    checks: dict[str, Callable[[], str | None]] = {
        # [[decisions]] ImageId: required unless ImageFamily or a launch template.
        "ImageId": lambda: (
            "MissingParameter"
            if not value
            and not (r.image_family or (r.launch_template_id and action == "RunInstances"))
            else None
        ),
        # [[decisions]] InstanceType: always required; ecs.<family>.<size>.
        "InstanceType": lambda: (
            "MissingParameter"
            if not value
            else None
            if _type_well_formed(value)
            else "InvalidInstanceType.ValueNotSupported"
        ),
        # "Not an integer: 400 InvalidPeriod whatever the charge type"; otherwise "Only
        # read for PrePaid, and then required ... a PostPaid request's Period is ignored."
        "Period": lambda: (
            param["invalid_code"]
            if value is not None and read_integer(value) is None
            else None
            if not prepaid
            else "MissingParamter"
            if value is None
            else None
            if read_integer(value) in op["periods"][unit]
            else param["invalid_code"]
        ),
        "AutoRenewPeriod": lambda: (
            # "checked against its unit's set whenever given"
            param["invalid_code"]
            if value is not None and read_integer(value) not in op["auto_renew_periods"][unit]
            # CreateInstance's [[decisions]] AutoRenewPeriod: required with AutoRenew=true
            # (AutoRenew: "PrePaid only (ignored for PostPaid)").
            else "MissingParameter"
            if value is None
            and action == "CreateInstance"
            and read_flag(r.auto_renew, False)
            and prepaid
            else None
        ),
        "InstanceName": lambda: (
            "InvalidInstanceName.Malformed"
            if value is not None and not _name_well_formed(action, value)
            else None
        ),
        "ClientToken": lambda: (
            "InvalidClientToken.ValueNotSupported"
            if value is not None
            and (len(value) > op["client_token_max_length"] or not value.isascii())
            else None
        ),
        "DeletionProtection": lambda: (
            "InvalidChargeType.ValueNotSupported" if read_flag(value, False) and prepaid else None
        ),
        "ZoneId": lambda: (
            "InvalidZoneId.NotFound"
            if value is not None
            and value != operation("DescribeInstances")["response"]["default_zone"]
            else None
        ),
        "Amount": lambda: (
            "InvalidParameter" if value is not None and not _within(param, value) else None
        ),
        "MinAmount": lambda: (
            param["invalid_code"]
            if value is not None
            and (not _within(param, value) or _exceeds_amount(read_integer(value), r.amount))
            else None
        ),
        "AutoPay": lambda: (
            "InvalidAutoPay.PostPaidUnsupported"
            if read_flag(value, True) is False and not prepaid
            else None
        ),
    }
    check = checks.get(name)
    return check() if check else None


def _within(param: dict[str, Any], value: Number) -> bool:
    number = read_integer(value)
    return number is not None and param["minimum"] <= number <= param["maximum"]


def _exceeds_amount(least: int | None, amount: Number) -> bool:
    # "not more than Amount" (Amount left out: its default 1; malformed: InvalidParameter).
    number = read_integer(amount) if amount is not None else 1
    return least is not None and number is not None and least > number


def creation_problems(action: str, request: Creation) -> list[Problem]:
    """Every problem of ``request``'s parameters, in the order of the action's parameter rows,
    each with the code its row (or the action's [[decisions]]) gives."""
    prepaid, unit = creation_charge(action, request)
    problems: list[Problem] = []
    for param in operation(action)["parameters"]:
        code = _creation_problem(action, param, request, prepaid, unit)
        if code is not None:
            problems.append((code, param["name"]))
    return problems


@dataclass(frozen=True)
class CreationOutcome:
    """What the documents say a creation request gets."""

    code: str | None = None
    parameter: str | None = None  # the parameter a parameter problem's message names
    check: str | None = None
    count: int = 0  # the instances created
    cost: Decimal = Decimal(0)  # taken from the balance (TradePrice)
    prepaid: bool = False
    unit: str = "Month"
    period: int = 0
    replayed: bool = False


def creation_count(action: str, request: Creation) -> tuple[int, bool]:
    """(instances created, out of stock): [[decisions]] "stock and MinAmount"."""
    amount = read_integer(request.amount) if request.amount is not None else 1
    assert amount is not None
    least = read_integer(request.min_amount) if action == "RunInstances" else None
    stock = request.stock
    if stock is None or stock >= amount:
        return amount, False
    if least is not None and stock >= least:
        return stock, False  # "as many as the stock allows"
    return amount, True


def earlier_request(request: Creation) -> Creation:
    """The earlier accepted request a ClientToken replay repeats: the same parameters (no
    dry run), in a world that refuses nothing."""
    dry = read_flag(request.dry_run, False)
    return replace(
        request,
        dry_run=None if dry else request.dry_run,
        in_arrears=False,
        balance=Decimal(100),
        price=Decimal(0),
        stock=None,
        throttled=False,
        injected_fault=False,
        token_replay=None,
    )


def decide_creation(action: str, request: Creation) -> CreationOutcome:
    """RunInstances' or CreateInstance's documented answer, from ``specs/`` alone."""
    op = operation(action)
    r = request
    problems = creation_problems(action, r)
    replay = r.token_replay
    if replay is not None and decide_creation(action, earlier_request(r)).code is not None:
        replay = None  # no earlier request with this token was accepted
    by_request = {
        "throttled": r.throttled,
        "injected_fault": r.injected_fault,
        "dry_run": bool(read_flag(r.dry_run, False)),
        "client_token": replay == "other",
    }
    prepaid, unit = creation_charge(action, r)
    period = (read_integer(r.period) or 0) if prepaid else 0
    count, out_of_stock = creation_count(action, r) if not problems else (0, False)
    cost = r.price * period * count if prepaid else Decimal(0)
    held = {
        name
        for name, holds in {
            # facts.toml: for creation, "the account is in arrears".
            "postpaid_in_arrears": r.in_arrears,
            "unaffordable": cost > r.balance,
            "out_of_stock": out_of_stock,
        }.items()
        if holds
    }
    for rule in op["precedence"]:
        check, error = rule["check"], rule["error"]
        if check in ("required_parameters", "valid_parameters"):
            named = [parameter for code, parameter in problems if code == error]
            if named:
                return CreationOutcome(code=error, parameter=named[0], check=check)
            continue
        if check in by_request:
            failed = by_request[check]
        else:
            failed = any(_clause_fails(clause, held) for clause in rule["fails_when"])
        if failed:
            return CreationOutcome(code=error, check=check)
        if check == "client_token" and replay == "same":
            return CreationOutcome(replayed=True, prepaid=prepaid, unit=unit, period=period)
    return CreationOutcome(count=count, cost=cost, prepaid=prepaid, unit=unit, period=period)


def instance_names(name: str | None, count: int, unique_suffix: bool) -> list[str | None]:
    """RunInstances' [[decisions]] "names and ids": the batch form prefix[begin,bits]suffix
    numbers from begin with bits digits; UniqueSuffix with Amount > 1 appends 001, 002, ...;
    else every instance gets the name as given (``None``: DescribeInstances shows the id)."""
    if name is None:
        return [None] * count
    prefix, bracket, rest = name.partition("[")
    spec, closing, suffix = rest.partition("]")
    begin, comma, bits = spec.partition(",")
    if bracket and closing and comma and begin.isdigit() and bits.isdigit():
        return [f"{prefix}{int(begin) + n:0{int(bits)}d}{suffix}" for n in range(count)]
    if unique_suffix and count > 1:
        return [f"{name}{n + 1:03d}" for n in range(count)]
    return [name] * count


@dataclass(frozen=True)
class BatchDelete:
    """A DeleteInstances request (``None``: left out) and the world it meets."""

    region_id: str | None = "cn-hangzhou"
    instance_ids: tuple[str, ...] | None = ()
    force: Flag = None
    force_stop: Flag = None
    terminate_subscription: Flag = None
    dry_run: Flag = None
    client_token: str | None = None
    throttled: bool = False
    injected_fault: bool = False
    # An earlier accepted DeleteInstances with this ClientToken: the same parameters
    # ("same", accepted only if the earlier request would have been) or others ("other").
    token_replay: str | None = None


BATCH_DELETE_FIELDS = {
    "region_id": "RegionId",
    "force": "Force",
    "force_stop": "ForceStop",
    "terminate_subscription": "TerminateSubscription",
    "client_token": "ClientToken",
    "dry_run": "DryRun",
}


def batch_delete_problems(request: BatchDelete) -> list[Problem]:
    """Every problem of a DeleteInstances request's parameters, in the order of its rows."""
    op = operation("DeleteInstances")
    r = request
    problems: list[Problem] = []
    for param in op["parameters"]:
        name = param["name"]
        if name == "InstanceId":
            ids = r.instance_ids
            if not ids:
                problems.append(("MissingParameter", name))  # "missing or empty"
            elif not all(ids) or len(set(ids)) != len(ids):
                problems.append(("Abs.InvalidInstanceIds.MalFormed", name))  # [[decisions]]
            elif len(ids) > param["max_items"]:
                problems.append(("InvalidParameter.TooManyInstanceIds", name))
            continue
        field = next(f for f, n in BATCH_DELETE_FIELDS.items() if n == name)
        value = getattr(r, field)
        if param["type"] == "Boolean" and read_flag(value, param["default"]) is None:
            problems.append(("InvalidParameter", name))
        elif param.get("required") and value in (None, ""):
            problems.append(("MissingParameter", name))
        elif (
            name == "ClientToken"
            and value is not None
            and (len(value) > op_client_token_max("DeleteInstances") or not value.isascii())
        ):
            problems.append(("InvalidClientToken.ValueNotSupported", name))
    return problems


def op_client_token_max(action: str) -> int:
    """The longest ClientToken (``client_token_max_length``; DeleteInstances' file has none:
    its ClientToken row says "<= 64 ASCII characters")."""
    maximum: int = operation(action).get("client_token_max_length", 64)
    return maximum


@dataclass(frozen=True)
class BatchOutcome:
    """DeleteInstances' documented answer; ``losses`` per released id on success."""

    code: str | None = None
    parameter: str | None = None
    check: str | None = None
    replayed: bool = False
    forced: bool = False
    losses: tuple[str | None, ...] = ()


def instance_condition(request: BatchDelete, condition: Condition) -> Condition:
    """``condition`` with the DeleteInstances request's Force, ForceStop and
    TerminateSubscription (each at its default when left out)."""
    defaults = {p["name"]: p.get("default") for p in operation("DeleteInstances")["parameters"]}
    return replace(
        condition,
        force=read_flag(request.force, defaults["Force"]),
        force_stop=bool(read_flag(request.force_stop, defaults["ForceStop"])),
        terminate_subscription=bool(
            read_flag(request.terminate_subscription, defaults["TerminateSubscription"])
        ),
    )


def decide_delete_batch(
    request: BatchDelete, instances: dict[str, Condition], *, replay_ok: bool | None = None
) -> BatchOutcome:
    """DeleteInstances' documented answer: the request stage, then every id in request order
    through the instance checks ([[decisions]] "all or nothing"); ``instances`` holds each
    existing id's condition. ``replay_ok``: whether the earlier "same" request was accepted
    (computed when not given: the same request on the same instances, no dry run)."""
    op = operation("DeleteInstances")
    r = request
    problems = batch_delete_problems(r)
    replay = r.token_replay
    if replay == "same":
        if replay_ok is None:
            dry = read_flag(r.dry_run, False)
            earlier = replace(
                r,
                dry_run=None if dry else r.dry_run,
                throttled=False,
                injected_fault=False,
                token_replay=None,
            )
            replay_ok = decide_delete_batch(earlier, instances).code is None
        if not replay_ok:
            replay = None
    by_request = {
        "throttled": r.throttled,
        "injected_fault": r.injected_fault,
        "dry_run": bool(read_flag(r.dry_run, False)),
        "client_token": replay == "other",
    }
    rules: list[dict[str, Any]] = op["precedence"]
    (first_instance_rule,) = [n for n, rule in enumerate(rules) if rule["check"] == "exists"]
    for rule in rules[:first_instance_rule]:
        check, error = rule["check"], rule["error"]
        if check in by_request:
            if by_request[check]:
                return BatchOutcome(code=error, check=check)
        else:
            named = [parameter for code, parameter in problems if code == error]
            if named:
                return BatchOutcome(code=error, parameter=named[0], check=check)
        if check == "client_token" and replay == "same":
            return BatchOutcome(replayed=True)
    conditions = [instances.get(i) for i in r.instance_ids or ()]
    for condition in conditions:
        for rule in rules[first_instance_rule:]:
            check, error = rule["check"], rule["error"]
            if condition is None:
                failed = check == "exists"
            else:
                c = instance_condition(r, condition)
                if check == "exists":
                    failed = False
                elif check == "status":
                    failed = c.status not in accepted_statuses("DeleteInstances", c)
                else:
                    held = facts(c)
                    failed = any(_clause_fails(clause, held) for clause in rule["fails_when"])
            if failed:
                return BatchOutcome(code=error, check=check)
    losses: list[str | None] = []
    for condition in conditions:
        assert condition is not None
        c = instance_condition(r, condition)
        held = facts(c)
        loss = None
        for effect in op.get("effects", []):
            if set(effect["when"]) <= held and c.status not in effect.get("not_from", []):
                loss = effect["data_loss"]
        losses.append(loss)
    forced = bool(read_flag(r.force, False))
    return BatchOutcome(forced=forced, losses=tuple(losses))
