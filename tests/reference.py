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
from dataclasses import dataclass, field
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
