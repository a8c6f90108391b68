"""Birth, renewal and death: the actions that create, renew, reactivate and release.

RunInstances and CreateInstance fire the machine's ``run`` and ``create``
(``New`` -> ``Pending``); DeleteInstance(s) fire ``delete`` or, forced,
``force_delete`` (-> ``Released``); ReActivateInstances fires ``reactivate``;
RenewInstance fires ``renew``, which leaves the status as it is, and then
``resume`` for an instance the platform stopped at expiry. Each is decided by
its ``_spec.PRECEDENCE`` row, like every other action: the parameters first,
then the request's own facts (the account, the price, the stock) or the
instance's. What a ClientToken replays is kept in ``Core.tokens``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

from ._actions import (
    _ORDER,
    Declaration,
    Run,
    _faults_before,
    _refuse,
    batch_id_problems,
    reject,
)
from ._core import Core, Plan, plan_of
from ._faults import FaultKind
from ._instances import DELETION_PROTECTED, LAUNCH, SUSPENDED, template
from ._machine import NEW_CODE, STATUS_CODE, TABLE
from ._params import Problem, first_problem
from ._rules import COMPILED, decide
from ._spec import (
    AUTO_RENEW_PERIODS,
    BATCH_NAME_CHARACTERS,
    EPOCH,
    FORCED_TRIGGERS,
    IGNORED_PARAMETERS,
    INSTANCE_NAME_CHARACTERS,
    INSTANCE_NAME_LENGTH,
    MAX_CLIENT_TOKEN,
    PARAMETERS,
    PERIODS,
    PRECEDENCE,
    RESUME,
    ZONE_ID,
    Check,
    Fact,
)
from ._status import Action, ChargeType, InstanceStatus
from ._views import (
    ActionResponse,
    CreateInstanceResponse,
    RenewInstanceResponse,
    RunInstancesResponse,
    format_request_id,
)
from .errors import ErrorCode

_response = ActionResponse._from_number
_STOPPED: Final = STATUS_CODE[InstanceStatus.STOPPED]
_FORCE_STOP: Final = int(Fact.FORCE_STOP)
_TERMINATE: Final = int(Fact.TERMINATE_SUBSCRIPTION)
_UNAFFORDABLE: Final = int(Fact.UNAFFORDABLE)
_OUT_OF_STOCK: Final = int(Fact.OUT_OF_STOCK)
_IN_ARREARS: Final = int(Fact.POSTPAID_IN_ARREARS)
#: What each action answers for a ClientToken reused with other parameters: its precedence's.
_TOKEN_MISMATCH: Final[dict[Action, ErrorCode]] = {
    action: rule.code
    for action, rules in PRECEDENCE.items()
    for rule in rules
    if rule.check is Check.CLIENT_TOKEN
}


def add_period(start: float, periods: int, unit: str) -> float:
    """``start`` plus ``periods`` weeks or calendar months, on the model's clock.

    A month ends on the same day of the month (the last day when that month is
    shorter): 31 January plus one month is 28 February.
    """
    if unit == "Week":
        return start + periods * 7 * 86400.0
    moment = datetime.fromtimestamp(EPOCH, UTC) + timedelta(seconds=start)
    month = moment.month - 1 + periods
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, _days_in(year, month))
    moved = moment.replace(year=year, month=month, day=day)
    return (moved - datetime.fromtimestamp(EPOCH, UTC)).total_seconds()


def _days_in(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return (following - timedelta(days=1)).day


def order_id(request: int) -> str:
    """The ``OrderId`` of a PrePaid purchase: a 12-digit number drawn from its request."""
    return str(200_000_000_000 + request % 100_000_000_000)


def _fingerprint(typed: dict[str, object], extra: dict[str, str]) -> str:
    """The request's parameters as canonical text: what a ClientToken's retry must repeat."""
    fields = {name: value for name, value in typed.items() if name != "client_token"}
    return json.dumps([sorted(fields.items()), sorted(extra.items())], default=str)


def _token_problems(typed: dict[str, object], problems: list[Problem]) -> None:
    token = typed.get("client_token")
    if isinstance(token, str) and (len(token) > MAX_CLIENT_TOKEN or not token.isascii()):
        problems.append((ErrorCode.INVALID_CLIENT_TOKEN, "ClientToken"))


def _replayed(
    core: Core, action: Action, typed: dict[str, object], extra: dict[str, str], request: int
) -> tuple[str | None, dict[str, object] | None]:
    """``(fingerprint, earlier answer)`` for a ClientToken; raises for a mismatch."""
    token = typed.get("client_token")
    if not token:
        return None, None
    fingerprint = _fingerprint(typed, extra)
    found = core.tokens.get((action.value, str(token)))
    if found is None:
        return fingerprint, None
    if found[0] != fingerprint:
        raise reject(action, _TOKEN_MISMATCH[action], request, None)
    return fingerprint, found[1]


def _remember(
    core: Core,
    action: Action,
    typed: dict[str, object],
    fingerprint: str | None,
    answer: dict[str, object],
) -> None:
    if fingerprint is not None:
        core.tokens[(action.value, str(typed["client_token"]))] = (fingerprint, answer)


# ------------------------------------------------------------------ creation
def _name_ok(name: str, action: Action) -> bool:
    batch = action is Action.RUN_INSTANCES
    allowed = INSTANCE_NAME_CHARACTERS | (BATCH_NAME_CHARACTERS if batch else frozenset())
    shortest, longest = INSTANCE_NAME_LENGTH
    if not shortest <= len(name) <= longest or not set(name) <= allowed:
        return False
    return batch or name[0].isalpha()


def _type_ok(instance_type: str) -> bool:
    parts = instance_type.split(".")
    return len(parts) >= 3 and parts[0] == "ecs" and all(parts)


def _names(name: str | None, count: int, unique_suffix: bool) -> list[str | None]:
    """Each new instance's InstanceName: the name, its batch form, or a numbered suffix."""
    if name is None:
        return [None] * count
    if "[" in name and "]" in name:
        prefix, _, rest = name.partition("[")
        spec, _, suffix = rest.partition("]")
        begin_text, _, bits_text = spec.partition(",")
        if begin_text.isdigit() and bits_text.isdigit():
            begin, bits = int(begin_text), int(bits_text)
            return [f"{prefix}{begin + n:0{bits}d}{suffix}" for n in range(count)]
    if unique_suffix and count > 1:
        return [f"{name}{n + 1:03d}" for n in range(count)]
    return [name] * count


@dataclass(frozen=True, slots=True)
class _Purchase:
    """What a creation request asks for, read and checked."""

    instance_type: str
    prepaid: bool
    unit: str
    period: int
    amount: int
    minimum: int | None
    renew_period: int | None
    name: str | None


def _read_purchase(action: Action, typed: dict[str, object], problems: list[Problem]) -> _Purchase:
    """The creation request's fields, every problem with them added to ``problems``."""
    launch = action is Action.RUN_INSTANCES
    instance_type = str(typed["instance_type"] or "")
    prepaid = typed["instance_charge_type"] == ChargeType.PREPAID.value
    unit = str(typed["period_unit"])
    period: int | None = typed["period"]  # type: ignore[assignment]
    if not typed["image_id"] and not (
        typed["image_family"]
        or typed.get("launch_template_id")
        or typed.get("launch_template_name")
    ):
        problems.append((ErrorCode.MISSING_PARAMETER, "ImageId"))
    if not instance_type:
        problems.append((ErrorCode.MISSING_PARAMETER, "InstanceType"))
    elif not _type_ok(instance_type):
        problems.append((ErrorCode.INVALID_INSTANCE_TYPE, "InstanceType"))
    given = {name for _, name in problems}  # a malformed value is not a missing one
    if prepaid and period is None and "Period" not in given:
        problems.append((ErrorCode.MISSING_PERIOD, "Period"))
    if prepaid and period is not None and period not in PERIODS.get(unit, ()):
        problems.append((ErrorCode.INVALID_PERIOD, "Period"))
    renew_period: int | None = typed["auto_renew_period"]  # type: ignore[assignment]
    if renew_period is None and typed["auto_renew"] and prepaid and "AutoRenewPeriod" not in given:
        if launch:
            renew_period = 1  # "AutoRenewPeriod ... Default value: 1" (RunInstances)
        else:
            problems.append((ErrorCode.MISSING_PARAMETER, "AutoRenewPeriod"))
    if renew_period is not None and renew_period not in AUTO_RENEW_PERIODS.get(unit, ()):
        problems.append((ErrorCode.INVALID_AUTO_RENEW_PERIOD, "AutoRenewPeriod"))
    name: str | None = typed["instance_name"]  # type: ignore[assignment]
    if name is not None and not _name_ok(name, action):
        problems.append((ErrorCode.INVALID_INSTANCE_NAME, "InstanceName"))
    _token_problems(typed, problems)
    if prepaid and typed["deletion_protection"]:
        problems.append((ErrorCode.INVALID_CHARGE_TYPE_FOR_PROTECTION, "DeletionProtection"))
    if typed["zone_id"] is not None and typed["zone_id"] != ZONE_ID:
        problems.append((ErrorCode.INVALID_ZONE_ID, "ZoneId"))
    amount: int = typed.get("amount") or 1  # type: ignore[assignment]
    minimum: int | None = typed.get("min_amount")  # type: ignore[assignment]
    if launch:
        if not prepaid and typed["auto_pay"] is False:
            problems.append((ErrorCode.INVALID_AUTO_PAY, "AutoPay"))
        if minimum is not None and minimum > amount:
            problems.append((ErrorCode.INVALID_MIN_AMOUNT, "MinAmount"))
    return _Purchase(
        instance_type,
        prepaid,
        unit,
        period or 0,
        amount,
        minimum,
        renew_period if typed["auto_renew"] and prepaid else None,
        name,
    )


def _creation(action: Action) -> Run:
    plan = plan_of(action)
    launch = action is Action.RUN_INSTANCES

    def run(
        core: Core, typed: dict[str, object], problems: list[Problem]
    ) -> RunInstancesResponse | CreateInstanceResponse:
        now = core.now()
        request = core.request_rng.getrandbits(128)
        extra: dict[str, str] = typed.pop("extra", None) or {}  # type: ignore[assignment]
        wanted = _read_purchase(action, typed, problems)
        if problems:
            raise _refuse(action, problems, request)
        _faults_before(core, action, now, request)
        if typed["dry_run"]:
            raise reject(action, ErrorCode.DRY_RUN_OPERATION, request, None)
        fingerprint, earlier = _replayed(core, action, typed, extra, request)
        if earlier is not None:
            return _creation_response(action, request, earlier)
        billing = core.billing
        count = wanted.amount
        left = billing.in_stock(wanted.instance_type)
        facts = billing.facts & _IN_ARREARS
        if left is not None and left < count:
            # "MinAmount ... if the stock is at least MinAmount, as many as it allows".
            if wanted.minimum is not None and left >= wanted.minimum:
                count = left
            else:
                facts |= _OUT_OF_STOCK
        price = (
            billing.price(wanted.instance_type, wanted.unit, wanted.period, count)
            if wanted.prepaid
            else Decimal(0)
        )
        if price and price > billing.balance:
            facts |= _UNAFFORDABLE
        code = decide(plan.compiled, facts, NEW_CODE)
        if code is not None:
            raise reject(action, code, request, None)
        ids, lost = _make(core, plan.trigger, wanted, count, now, request, typed)
        billing.charge(price)
        billing.take(wanted.instance_type, count)
        answer: dict[str, object] = {
            "instance_ids": ids,
            "order_id": order_id(request) if wanted.prepaid else None,
            "trade_price": float(price),
        }
        _remember(core, action, typed, fingerprint, answer)
        if lost:  # the instances stand; a retry with the token gets them
            raise reject(action, ErrorCode.INTERNAL_ERROR, request, None)
        return _creation_response(action, request, answer)

    def _make(
        core: Core,
        trigger: str,
        wanted: _Purchase,
        count: int,
        now: float,
        request: int,
        typed: dict[str, object],
    ) -> tuple[list[str], bool]:
        status, faults, traits, charge, expiry, kind = template(
            wanted.instance_type,
            InstanceStatus.PENDING,
            ChargeType.PREPAID if wanted.prepaid else ChargeType.POSTPAID,
            add_period(now, wanted.period, wanted.unit) if wanted.prepaid else None,
            False,
            None,
            False,
            False,
        )
        traits |= (LAUNCH if launch else 0) | (
            DELETION_PROTECTED if typed["deletion_protection"] else 0
        )
        ids = [core.new_instance_id() for _ in range(count)]
        first = len(core.instances.ids)
        condition = (status, faults, traits, charge, expiry, kind)
        lost = core.create(condition, ids, now, request, trigger, action)
        instances = core.instances
        names = _names(wanted.name, count, bool(typed.get("unique_suffix")))
        for n, name in enumerate(names):
            instances.names[first + n] = name
            if wanted.renew_period is not None:
                instances.auto_renew[first + n] = (wanted.renew_period, wanted.unit)
        return ids, lost

    return run


def _creation_response(
    action: Action, request: int, answer: dict[str, object]
) -> RunInstancesResponse | CreateInstanceResponse:
    ids: Sequence[str] = answer["instance_ids"]  # type: ignore[assignment]
    order: str | None = answer["order_id"]  # type: ignore[assignment]
    price = float(answer["trade_price"])  # type: ignore[arg-type]
    if action is Action.RUN_INSTANCES:
        return RunInstancesResponse(
            request_id=format_request_id(request),
            instance_ids=tuple(ids),
            order_id=order,
            trade_price=price,
        )
    return CreateInstanceResponse(
        request_id=format_request_id(request), instance_id=ids[0], order_id=order, trade_price=price
    )


# ------------------------------------------------------------------ deletion
_DELETE: Final = plan_of(Action.DELETE_INSTANCE)
_FORCE_DELETE: Final = plan_of(Action.DELETE_INSTANCE, FORCED_TRIGGERS[Action.DELETE_INSTANCE])
_DELETE_BATCH: Final = plan_of(Action.DELETE_INSTANCES)
_FORCE_DELETE_BATCH: Final = plan_of(
    Action.DELETE_INSTANCES, FORCED_TRIGGERS[Action.DELETE_INSTANCES]
)


def _deletion_facts(typed: dict[str, object]) -> int:
    # ForceStop only matters with Force: "the instance is forcibly powered off".
    forced = bool(typed["force"]) and bool(typed["force_stop"])
    return (_TERMINATE if typed["terminate_subscription"] else 0) | (_FORCE_STOP if forced else 0)


def _delete(core: Core, typed: dict[str, object], problems: list[Problem]) -> ActionResponse:
    plan = _FORCE_DELETE if typed["force"] else _DELETE
    code, parameter = first_problem(_ORDER[plan.action], problems) if problems else (None, None)
    request, answer, named = core.attempt(
        plan,
        typed["instance_id"],  # type: ignore[arg-type]
        code,
        parameter,
        bool(typed["dry_run"]),
        _deletion_facts(typed),
        None,
    )
    if answer is not None:
        raise reject(plan.action, answer, request, named)
    return _response(request)


def _delete_batch(core: Core, typed: dict[str, object], problems: list[Problem]) -> ActionResponse:
    action = Action.DELETE_INSTANCES
    now = core.now()
    request = core.request_rng.getrandbits(128)
    ids: list[str] = typed["instance_ids"]  # type: ignore[assignment]
    batch_id_problems(ids, problems)
    _token_problems(typed, problems)
    if problems:
        raise _refuse(action, problems, request)
    _faults_before(core, action, now, request)
    if typed["dry_run"]:
        raise reject(action, ErrorCode.DRYRUN_SUCCESS, request, None)
    fingerprint, earlier = _replayed(core, action, typed, {}, request)
    if earlier is not None:
        return _response(request)
    plan = _FORCE_DELETE_BATCH if typed["force"] else _DELETE_BATCH
    request_facts = _deletion_facts(typed)
    # All or nothing: the docs describe no partial result, so one refusal refuses the request.
    decided = [core.check(plan, instance_id, now, request_facts) for instance_id in ids]
    for index, code, _ in decided:
        if code is not None:
            answer = ErrorCode.INVALID_INSTANCE_IDS_NOT_FOUND if index < 0 else code
            raise reject(action, answer, request, None)
    lost = False
    for index, _, facts in decided:
        lost = core.apply(plan, index, facts, now, request, None) or lost
    _remember(core, action, typed, fingerprint, {})
    if lost:
        raise reject(action, ErrorCode.INTERNAL_ERROR, request, None)
    return _response(request)


# ------------------------------------------------------------------ renewal
_RENEW: Final = COMPILED[Action.RENEW_INSTANCE]
#: A malformed Period or ExpectedRenewDay was given: "both empty" is not the answer.
_PERIOD_CODES: Final = frozenset((ErrorCode.INVALID_PERIOD, ErrorCode.INVALID_EXPECTED_RENEW_DAY))
_RESUME: Final = Plan(Action.RENEW_INSTANCE, RESUME, TABLE[RESUME], _RENEW, ())


def _renew(core: Core, typed: dict[str, object], problems: list[Problem]) -> RenewInstanceResponse:
    action = Action.RENEW_INSTANCE
    now = core.now()
    request = core.request_rng.getrandbits(128)
    period = typed["period"]
    unit = str(typed["period_unit"])
    day = typed["expected_renew_day"]
    malformed = {code for code, _ in problems}
    if period is None and day is None and not malformed & _PERIOD_CODES:
        problems.append((ErrorCode.INVALID_PERIOD_NOT_FOUND, None))
    if period is not None and day is not None:
        problems.append((ErrorCode.INVALID_EXPECTED_RENEW_DAY_CONFLICT, "ExpectedRenewDay"))
    if period is not None and period not in PERIODS.get(unit, ()):
        problems.append((ErrorCode.INVALID_PERIOD, "Period"))
    if day is not None:
        # "must equal the unified expiration day": the model's accounts set none.
        problems.append((ErrorCode.INVALID_EXPECTED_RENEW_DAY, "ExpectedRenewDay"))
    _token_problems(typed, problems)
    if problems:
        raise _refuse(action, problems, request)
    instance_id: str = typed["instance_id"]  # type: ignore[assignment]
    _faults_before(core, action, now, request, instance_id)
    fingerprint, earlier = _replayed(core, action, typed, {}, request)
    if earlier is not None:
        return RenewInstanceResponse(
            request_id=format_request_id(request), order_id=str(earlier["order_id"])
        )
    instances = core.instances
    index = instances.index.get(instance_id)
    if index is None:
        raise reject(action, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND, request, None)
    status = instances.status[index]
    price = core.billing.price(instances.types[index], unit, int(period), 1)  # type: ignore[call-overload]
    unaffordable = price and price > core.billing.balance
    facts = core.facts(index, status, now, _UNAFFORDABLE if unaffordable else 0)
    code = decide(_RENEW, facts, status)
    if code is not None:
        raise reject(action, code, request, None)
    # "The new billing cycle starts at the original expiration time" before expiry;
    # after it, the docs say nothing: the model starts it at the renewal (specs/).
    expiry = instances.expired[index]
    instances.expired[index] = add_period(max(expiry, now), int(period), unit)  # type: ignore[call-overload]
    core.billing.charge(price)
    if instances.traits[index] & SUSPENDED and status == _STOPPED:
        # "The instance can automatically restart after renewal." A delay fault
        # lengthens its Starting; a lost response is checked by apply, as for any move.
        lost = core.apply(_RESUME, index, facts, now, request, None)
    else:
        lost = bool(core.faults.rules) and (
            core.faults.after(FaultKind.LOST_RESPONSE, action, instance_id, now, request)
            is not None
        )
    answer: dict[str, object] = {"order_id": order_id(request)}
    _remember(core, action, typed, fingerprint, answer)
    if lost:
        raise reject(action, ErrorCode.INTERNAL_ERROR, request, None)
    return RenewInstanceResponse(request_id=format_request_id(request), order_id=order_id(request))


# -------------------------------------------------------------- reactivation
_REACTIVATE: Final = plan_of(Action.REACTIVATE_INSTANCES)


def _reactivate(core: Core, typed: dict[str, object], problems: list[Problem]) -> ActionResponse:
    code, parameter = (
        first_problem(_ORDER[Action.REACTIVATE_INSTANCES], problems) if problems else (None, None)
    )
    request, answer, named = core.attempt(
        _REACTIVATE,
        typed["instance_id"],  # type: ignore[arg-type]
        code,
        parameter,
        False,
        0,
        None,
    )
    if answer is not None:
        raise reject(Action.REACTIVATE_INSTANCES, answer, request, named)
    return _response(request)


def _declare(action: Action, run: Run) -> Declaration:
    params = PARAMETERS[action]
    return Declaration(
        action,
        params,
        run,
        {param.name: param for param in params},
        IGNORED_PARAMETERS.get(action, frozenset()),
    )


LIFECYCLE_DECLARATIONS: Final[dict[Action, Declaration]] = {
    Action.RUN_INSTANCES: _declare(Action.RUN_INSTANCES, _creation(Action.RUN_INSTANCES)),
    Action.CREATE_INSTANCE: _declare(Action.CREATE_INSTANCE, _creation(Action.CREATE_INSTANCE)),
    Action.DELETE_INSTANCE: _declare(Action.DELETE_INSTANCE, _delete),
    Action.DELETE_INSTANCES: _declare(Action.DELETE_INSTANCES, _delete_batch),
    Action.RENEW_INSTANCE: _declare(Action.RENEW_INSTANCE, _renew),
    Action.REACTIVATE_INSTANCES: _declare(Action.REACTIVATE_INSTANCES, _reactivate),
}
