"""Every instance condition x request of the issue-13 actions that act on an existing
instance (DeleteInstance, ReActivateInstances, RenewInstance), against ``specs/``.

As ``tests/test_exhaustive.py`` does for Start/Reboot/Stop: the oracle is
``tests/reference.decide``, built from ``specs/`` alone. Each instance is built
through the public API only: placed with ``create_instance``, launched with
RunInstances (the only way to a deletion-protected instance), stopped by the
platform (``stop_by_platform``: suspended), or suspended and then moved by the API
again (which ends a suspension). Each case is compared: the same error code with
the HTTP status and message of the action's ``[[errors]]`` entry, or the documented
success (released, reactivated, renewed); a rejected call leaves the model exactly
as it was, and every call draws exactly one request id.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest

import lifecycle
from tests.conftest import EXHAUSTIVE_COVERAGE
from tests.reference import (
    CLOCK,
    Condition,
    Outcome,
    Snapshot,
    assert_one_request_id,
    decide,
    error_entry,
    load,
    operation,
    renewed_expiry,
    request_ids,
    snapshot,
)

STATUSES = ("Pending", "Starting", "Running", "Stopping", "Stopped")
UNKNOWN_ID = "i-doesnotexist"
HELPER_ID = "i-token-holder"
IMAGE = "m-exhaustive"
INSTANCE_TYPE = "ecs.g7.large"
#: An unexpired PrePaid instance's ExpiredTime: 2026-01-31T00:00Z, so that one Month
#: more ends on the last day of February (RenewInstance's "new ExpiredTime").
UNEXPIRED = 30 * 86400.0
BALANCE, LOW_BALANCE, MINIMUM = Decimal(100), Decimal(10), Decimal(50)
TOKEN = "token-exhaustive-1"

# How an instance came to its status (not a fact: every path must give the same answers).
PLACED = "placed"  # create_instance(status=...)
LAUNCHED = "launched"  # RunInstances, then the clock and StopInstance
SUSPENDED = "suspended"  # Running, then stop_by_platform: "nothing done to it since"
RESUMED = "resumed"  # suspended, then StartInstance (and StopInstance): no longer suspended


@dataclass(frozen=True)
class Case:
    """One condition (the oracle's input) and how to build and ask it."""

    condition: Condition
    path: str = PLACED
    launched: bool = False  # a suspended/resumed instance made by RunInstances
    cloud_disk_abnormal: bool = False  # ReActivateInstances: no fact of its; must not matter
    exact_price: bool = False  # RenewInstance: price x Period == balance (affordable, the edge)
    spelling: int = 0  # how the booleans are written (bools, strings, defaults omitted)
    bad_parameter: str = "Force"  # DeleteInstance: the malformed boolean
    empty_id: bool = False  # a missing InstanceId sent as "" rather than left out


# ---------------------------------------------------------------- building
def paths(status: str, protected: bool = False) -> Iterator[tuple[str, bool, bool]]:
    """(path, launched, suspended) for every way the API reaches ``status``."""
    if not protected:
        yield PLACED, False, False
    yield LAUNCHED, True, False
    if status != "Pending":
        yield RESUMED, True, False
    if status in ("Stopping", "Stopped"):
        if not protected:
            yield SUSPENDED, False, True
        yield SUSPENDED, True, True


def _settle_to(model: lifecycle.EcsModel, instance_id: str, status: str) -> None:
    """Drive a Starting or Running instance to ``status`` through the API."""
    if status == "Starting":
        assert model.status(instance_id).value == "Starting"
        return
    if model.status(instance_id).value == "Starting":
        model.advance(30)
    if status in ("Stopping", "Stopped"):
        model.stop_instance(instance_id)
        if status == "Stopped":
            model.advance(15)


def _stop_by_platform(model: lifecycle.EcsModel, instance_id: str, prepaid: bool) -> None:
    """The platform stops the Running instance: at expiry (PrePaid) or overdue (PostPaid)."""
    if prepaid:
        model.set_expired_time(instance_id, model.now)
        assert model.stop_by_platform(instance_id, "expiry")
    else:
        model.set_in_arrears(True)
        assert model.stop_by_platform(instance_id, "overdue")
        model.set_in_arrears(False)


def _place(model: lifecycle.EcsModel, case: Case) -> str:
    """Create the instance and bring it to its status along ``case.path``."""
    c = case.condition
    charge = "PrePaid" if c.prepaid else "PostPaid"
    if case.path == PLACED:
        return model.create_instance(
            "i-given", status=c.status, charge_type=charge, instance_type=INSTANCE_TYPE
        )
    if case.launched or case.path == LAUNCHED:
        launched = model.run_instances(
            instance_type=INSTANCE_TYPE,
            image_id=IMAGE,
            instance_charge_type=charge,
            period=1 if c.prepaid else None,
            deletion_protection=c.deletion_protected,
        )
        (instance_id,) = launched.instance_ids
        if case.path == LAUNCHED and c.status in ("Pending", "Starting"):
            if c.status == "Starting":
                model.advance(30)  # Pending -> Starting (finish_launching)
            return instance_id
        model.advance(60)  # Pending -> Starting -> Running
    else:
        instance_id = model.create_instance(
            "i-given", status="Running", charge_type=charge, instance_type=INSTANCE_TYPE
        )
    if case.path == LAUNCHED:
        _settle_to(model, instance_id, c.status)
        return instance_id
    _stop_by_platform(model, instance_id, c.prepaid)
    if case.path == SUSPENDED:
        if c.status == "Stopped":
            model.advance(15)
        return instance_id
    model.advance(15)
    if c.prepaid:
        model.set_expired_time(instance_id, UNEXPIRED)
    model.start_instance(instance_id)  # any move the API makes ends a suspension
    _settle_to(model, instance_id, c.status)
    return instance_id


def build(case: Case, action: str) -> tuple[lifecycle.EcsModel, str]:
    """The model holding ``case``'s instance, and the id to send."""
    c = case.condition
    model = lifecycle.EcsModel(
        seed=0,
        clock=lifecycle.ManualClock(CLOCK),
        balance=BALANCE,
        minimum_start_balance=MINIMUM,
    )
    if c.token_replay == "other":
        # An earlier renewal with this token, of another instance.
        model.create_instance(HELPER_ID, status="Running", charge_type="PrePaid")
        model.renew_instance(HELPER_ID, period=1, client_token=c.client_token)
    instance_id = UNKNOWN_ID
    if c.exists:
        instance_id = _place(model, case)
        assert model.status(instance_id).value == c.status, (case, model.instance(instance_id))
        if c.token_replay == "same":
            # The earlier renewal this request repeats (same token, same parameters).
            model.renew_instance(
                instance_id,
                period=c.period,
                period_unit=c.period_unit,
                client_token=c.client_token,
            )
        if c.prepaid:
            model.set_expired_time(instance_id, model.now if c.expired else UNEXPIRED)
        if c.security_locked:
            model.lock(instance_id)
        if case.cloud_disk_abnormal:
            model.set_disk_abnormal(instance_id, "cloud")
    model.set_in_arrears(c.in_arrears)
    balance = LOW_BALANCE if c.balance_low else BALANCE
    model.set_balance(balance)
    if isinstance(c.period, int) and c.period > 0 and c.period_unit in ("Week", "Month"):
        if c.unaffordable:
            model.set_price(INSTANCE_TYPE, balance + 1, period_unit=c.period_unit)
        elif case.exact_price:
            model.set_price(INSTANCE_TYPE, balance // c.period, period_unit=c.period_unit)
    if c.throttled:
        model.add_fault(
            lifecycle.FaultRule(kind=lifecycle.FaultKind.THROTTLE, action=action, count=1)
        )
    if c.injected_fault:
        model.inject_internal_error(action)
    return model, instance_id


# ---------------------------------------------------------------- requests
def _defaults(action: str) -> dict[str, Any]:
    return {p["name"]: p.get("default") for p in operation(action)["parameters"]}


def _instance_id(case: Case, params: dict[str, object], instance_id: str) -> None:
    if not case.condition.missing_id:
        params["InstanceId"] = instance_id
    elif case.empty_id:
        params["InstanceId"] = ""  # "missing or empty"


def delete_request(case: Case, instance_id: str) -> dict[str, object]:
    """DeleteInstance's documented parameters for ``case`` (booleans spelled three ways)."""
    c = case.condition
    params: dict[str, object] = {}
    _instance_id(case, params, instance_id)
    defaults = _defaults("DeleteInstance")
    flags = {
        "Force": bool(c.force),
        "ForceStop": c.force_stop,
        "TerminateSubscription": c.terminate_subscription,
    }
    for name, value in flags.items():
        if c.bad_boolean and name == case.bad_parameter:
            params[name] = "maybe"
        elif case.spelling % 3 == 0:
            params[name] = value
        elif case.spelling % 3 == 1:
            params[name] = "true" if value else "false"
        elif value != defaults[name]:
            params[name] = value  # a default is left out
    if c.dry_run:
        params["DryRun"] = "true"
    return params


def reactivate_request(case: Case, instance_id: str) -> dict[str, object]:
    """ReActivateInstances' documented parameters (one InstanceId, RegionId sometimes)."""
    params: dict[str, object] = {}
    _instance_id(case, params, instance_id)
    if case.spelling % 2:
        params["RegionId"] = "cn-hangzhou"
    return params


def renew_request(case: Case, instance_id: str) -> dict[str, object]:
    """RenewInstance's documented parameters (PeriodUnit left out at its default sometimes)."""
    c = case.condition
    params: dict[str, object] = {}
    _instance_id(case, params, instance_id)
    if c.period is not None:
        params["Period"] = c.period
    if c.period_unit != _defaults("RenewInstance")["PeriodUnit"] or case.spelling % 2:
        params["PeriodUnit"] = c.period_unit
    if c.expected_renew_day is not None:
        params["ExpectedRenewDay"] = c.expected_renew_day
    if c.client_token is not None:
        params["ClientToken"] = c.client_token
    return params


REQUESTS: dict[str, Callable[[Case, str], dict[str, object]]] = {
    "DeleteInstance": delete_request,
    "ReActivateInstances": reactivate_request,
    "RenewInstance": renew_request,
}


# ---------------------------------------------------------------- one case
def settled(status: str) -> str:
    """Where ``status`` ends by itself (lifecycle.toml's settle triggers), or itself."""
    spec = load("lifecycle.toml")
    for entry in spec["transitory"]:
        if entry["status"] == status:
            (move,) = [
                t
                for t in spec["transitions"]
                if t["trigger"] == entry["settle_trigger"] and t["source"] == status
            ]
            dest: str = move["dest"]
            return dest
    return status


Pair = tuple[str, str]
SUCCESS: Pair = ("success", "success")


def precedence_pairs(action: str, checks: set[str] | None = None) -> set[Pair]:
    """Every (check, error) of the action's precedence (only ``checks``, if given)."""
    return {
        (rule["check"], rule["error"])
        for rule in operation(action)["precedence"]
        if checks is None or rule["check"] in checks
    }


def run_case(action: str, case: Case) -> Pair:
    """Check one case; return the (check, outcome) it reached."""
    c = case.condition
    expected = decide(action, c)
    model, instance_id = build(case, action)
    twin, _ = build(case, action)
    ids = request_ids(twin)  # an uncalled twin's stream
    before = snapshot(model)
    events: list[lifecycle.TransitionEvent] = []
    model.subscribe(
        lambda e: events.append(e) if isinstance(e, lifecycle.TransitionEvent) else None
    )
    try:
        response = model.call(action, REQUESTS[action](case, instance_id))
    except lifecycle.ApiError as error:
        code = error.code.value
        entry = error_entry(action, code)
        assert (code, error.http_status) == (expected.code, entry["http_status"]), (case, expected)
        parameter = "InstanceId" if c.missing_id else case.bad_parameter
        assert error.message == entry["message"].format(parameter=parameter)
        after = snapshot(model)
        if (c.injected_fault and code == "InternalError") or (c.throttled and code == "Throttling"):
            assert after[:3] == before[:3], case  # only the injected answer was consumed
        else:
            assert after == before, case
        assert events == []
        assert_one_request_id(model, ids, error.request_id)
        assert expected.check is not None
        return expected.check, code
    assert expected.code is None, (case, expected)
    CHECK_SUCCESS[action](model, instance_id, case, expected, before, events)
    assert_one_request_id(model, ids, response.request_id)
    if action == "RenewInstance":
        assert isinstance(response, lifecycle.RenewInstanceResponse)
        assert len(response.order_id) == 12
        assert response.order_id.isdigit()
        if expected.replayed:
            assert response.order_id == _earlier_order(case)
    AFTERWARDS[action](model, instance_id, case, expected)
    return SUCCESS


def _earlier_order(case: Case) -> str:
    """The OrderId of the renewal a replay repeats (built again: deterministic)."""
    model = lifecycle.EcsModel(
        seed=0, clock=lifecycle.ManualClock(CLOCK), balance=BALANCE, minimum_start_balance=MINIMUM
    )
    instance_id = _place(model, case)
    c = case.condition
    answer = model.renew_instance(
        instance_id, period=c.period, period_unit=c.period_unit, client_token=c.client_token
    )
    return answer.order_id


def _others(snap: Snapshot, instance_id: str) -> tuple[lifecycle.InstanceView, ...]:
    return tuple(view for view in snap[2] if view.instance_id != instance_id)


def released(
    model: lifecycle.EcsModel,
    instance_id: str,
    case: Case,
    expected: Outcome,
    before: Snapshot,
    events: list[lifecycle.TransitionEvent],
) -> None:
    """Gone at once, by the (forced) trigger, with the spec's data loss; nothing else moved."""
    op = operation("DeleteInstance")
    (event,) = [e for e in events if e.instance_id == instance_id]
    assert event.source is not None
    assert event.source.value == case.condition.status
    assert event.dest is None
    assert expected.status == "Released"
    assert event.cause == (op["forced_trigger"] if case.condition.force else op["trigger"])
    assert (event.data_loss.value if event.data_loss else None) == expected.data_loss, case
    after = snapshot(model)
    assert after[:2] == before[:2]
    assert after[2] == _others(before, instance_id)
    assert instance_id not in model


def released_afterwards(
    model: lifecycle.EcsModel, instance_id: str, case: Case, expected: Outcome
) -> None:
    assert model.describe_instances(instance_ids=[instance_id]).instances == ()
    assert model.describe_instance_status([instance_id]).instance_statuses == ()
    for action in ("DeleteInstance", "StartInstance", "RenewInstance", "ReActivateInstances"):
        params: dict[str, object] = {"InstanceId": instance_id}
        if action == "RenewInstance":
            params["Period"] = 1
        with pytest.raises(lifecycle.ApiError) as raised:
            model.call(action, params)
        assert raised.value.code.value == "InvalidInstanceId.NotFound"
    with pytest.raises(lifecycle.InvalidArgument):
        model.create_instance(instance_id)  # an id is never handed out again


def reactivated(
    model: lifecycle.EcsModel,
    instance_id: str,
    case: Case,
    expected: Outcome,
    before: Snapshot,
    events: list[lifecycle.TransitionEvent],
) -> None:
    """Stopped -> Starting by ``reactivate``; the account untouched."""
    assert expected.status is not None
    assert model.status(instance_id).value == expected.status
    (event,) = [e for e in events if e.instance_id == instance_id]
    assert (event.source, event.dest) == (
        lifecycle.InstanceStatus(case.condition.status),
        lifecycle.InstanceStatus(expected.status),
    )
    assert event.cause == operation("ReActivateInstances")["trigger"]
    assert event.data_loss is None
    after = snapshot(model)
    assert after[:2] == before[:2]
    assert _others(after, instance_id) == _others(before, instance_id)


def reactivated_afterwards(
    model: lifecycle.EcsModel, instance_id: str, case: Case, expected: Outcome
) -> None:
    model.advance(3600)
    assert model.status(instance_id).value == operation("ReActivateInstances")["settles_to"]


def renewed(
    model: lifecycle.EcsModel,
    instance_id: str,
    case: Case,
    expected: Outcome,
    before: Snapshot,
    events: list[lifecycle.TransitionEvent],
) -> None:
    """ExpiredTime extended as the spec decides, the price taken, resumed if suspended."""
    c = case.condition
    (old,) = [view for view in before[2] if view.instance_id == instance_id]
    view = model.instance(instance_id)
    assert view.status.value == expected.status, (case, view)
    assert isinstance(c.period, int)
    if expected.replayed:
        assert view.expired_time == old.expired_time
        assert model.account == before[1]
        assert events == []
    else:
        assert old.expired_time is not None
        assert view.expired_time == renewed_expiry(
            old.expired_time, model.now, c.period, c.period_unit
        ), case
        balance = before[1].balance
        price = balance // c.period if case.exact_price else Decimal(0)
        assert model.account.balance == balance - price * c.period
        moves = [(e.source, e.dest, e.cause) for e in events if e.instance_id == instance_id]
        if expected.status == c.status:
            assert moves == []
        else:
            assert moves == [
                (
                    lifecycle.InstanceStatus(c.status),
                    lifecycle.InstanceStatus(expected.status),
                    operation("RenewInstance")["resume_trigger"],
                )
            ]
    assert _others(snapshot(model), instance_id) == _others(before, instance_id)


def renewed_afterwards(
    model: lifecycle.EcsModel, instance_id: str, case: Case, expected: Outcome
) -> None:
    assert expected.status is not None
    model.advance(3600)
    assert model.status(instance_id).value == settled(expected.status)


CHECK_SUCCESS = {
    "DeleteInstance": released,
    "ReActivateInstances": reactivated,
    "RenewInstance": renewed,
}
AFTERWARDS = {
    "DeleteInstance": released_afterwards,
    "ReActivateInstances": reactivated_afterwards,
    "RenewInstance": renewed_afterwards,
}


# ---------------------------------------------------------------- the cases
BOOLS = (False, True)


def delete_instance_cases() -> Iterator[Case]:
    """Every status and path x charge (PrePaid unexpired/expired, PostPaid, PostPaid with
    DeletionProtection) x lock x arrears x low balance x Force x ForceStop x
    TerminateSubscription."""
    n = 0
    for status in STATUSES:
        for prepaid, expired, protected in (
            (True, False, False),
            (True, True, False),
            (False, False, False),
            (False, False, True),
        ):
            for path, launched, suspended in paths(status, protected):
                for locked, arrears, low, force, force_stop, term in itertools.product(
                    BOOLS, repeat=6
                ):
                    n += 1
                    yield Case(
                        Condition(
                            status=status,
                            prepaid=prepaid,
                            expired=expired,
                            deletion_protected=protected,
                            suspended=suspended,
                            security_locked=locked,
                            in_arrears=arrears,
                            balance_low=low,
                            force=force,
                            force_stop=force_stop,
                            terminate_subscription=term,
                        ),
                        path=path,
                        launched=launched,
                        spelling=n,
                    )


def reactivate_cases() -> Iterator[Case]:
    """Every status and path (suspended for overdue payment or at expiry, or not) x charge x
    lock x arrears x low balance x an abnormal cloud disk (no fact of ReActivateInstances)."""
    n = 0
    for status in STATUSES:
        for prepaid, expired in ((True, False), (True, True), (False, False)):
            for path, launched, suspended in paths(status):
                for locked, arrears, low, disk in itertools.product(BOOLS, repeat=4):
                    n += 1
                    yield Case(
                        Condition(
                            status=status,
                            prepaid=prepaid,
                            expired=expired,
                            suspended=suspended,
                            security_locked=locked,
                            in_arrears=arrears,
                            balance_low=low,
                        ),
                        path=path,
                        launched=launched,
                        cloud_disk_abnormal=disk,
                        spelling=n,
                    )


#: Valid renewals: (Period, PeriodUnit).
RENEWALS = ((1, "Month"), (12, "Month"), (60, "Month"), (2, "Week"))


def renew_cases() -> Iterator[Case]:
    """Every status and path (suspended at expiry or not) x charge (expired or not) x lock x
    account troubles x price affordable or not x each valid Period."""
    n = 0
    for status in STATUSES:
        for prepaid, expired in ((True, False), (True, True), (False, False)):
            for path, launched, suspended in paths(status):
                for locked, troubled, unaffordable, (period, unit) in itertools.product(
                    BOOLS, BOOLS, BOOLS, RENEWALS
                ):
                    n += 1
                    yield Case(
                        Condition(
                            status=status,
                            prepaid=prepaid,
                            expired=expired,
                            suspended=suspended,
                            security_locked=locked,
                            in_arrears=troubled,
                            balance_low=troubled,
                            unaffordable=unaffordable,
                            period=period,
                            period_unit=unit,
                        ),
                        path=path,
                        launched=launched,
                        exact_price=bool(n % 3),
                        spelling=n,
                    )


INSTANCE_CASES: dict[str, Callable[[], Iterator[Case]]] = {
    "DeleteInstance": delete_instance_cases,
    "ReActivateInstances": reactivate_cases,
    "RenewInstance": renew_cases,
}
REQUEST_CHECKS = {
    "required_parameters",
    "valid_parameters",
    "throttled",
    "injected_fault",
    "dry_run",
    "client_token",
    "exists",
}
#: The request-stage flags each action has (ReActivateInstances: no booleans, no DryRun).
REQUEST_FLAGS = {
    "DeleteInstance": ("missing_id", "bad_boolean", "throttled", "injected_fault", "dry_run"),
    "ReActivateInstances": ("missing_id", "throttled", "injected_fault"),
    "RenewInstance": ("missing_id", "throttled", "injected_fault"),
}
DELETE_FLAGS = ("Force", "ForceStop", "TerminateSubscription")
#: RenewInstance's request fields: (Period, PeriodUnit, ExpectedRenewDay), valid or not.
RENEW_SHAPES: tuple[tuple[int | str | None, str, int | None], ...] = (
    (1, "Month", None),
    (3, "Week", None),
    (10, "Month", None),  # not in Month's set
    (5, "Week", None),  # not in Week's set
    ("one", "Month", None),  # no integer
    (1, "Year", None),
    (None, "Month", 15),  # ExpectedRenewDay alone
    (1, "Month", 15),  # both
    (None, "Month", None),  # neither
)
TOKENS = (None, "token-fresh", "t" * 65, "t\u00f6ken")


def request_cases(action: str) -> Iterator[Case]:
    """Every combination of the action's request-stage checks, over every status."""
    n = 0
    flags = REQUEST_FLAGS[action]
    for status in STATUSES:
        suspendable = action == "ReActivateInstances" and status in ("Stopping", "Stopped")
        for values in itertools.product(BOOLS, repeat=len(flags) + 1):
            *request_flags, exists = values
            set_flags: dict[str, Any] = dict(zip(flags, request_flags, strict=True))
            base = Condition(status=status, exists=exists, **set_flags)
            if action == "DeleteInstance":
                n += 1
                yield Case(
                    replace(
                        base,
                        force=bool(n % 2),
                        force_stop=bool(n % 3),
                        terminate_subscription=bool(n % 5 == 0),
                    ),
                    bad_parameter=DELETE_FLAGS[n % 3],
                    empty_id=bool(n % 2),
                    spelling=n,
                )
            elif action == "ReActivateInstances":
                n += 1
                yield Case(
                    replace(base, suspended=suspendable),
                    path=SUSPENDED if suspendable else PLACED,
                    empty_id=bool(n % 2),
                    spelling=n,
                )
            else:
                base = replace(base, prepaid=True)
                for (period, unit, day), token in itertools.product(RENEW_SHAPES, TOKENS):
                    n += 1
                    yield Case(
                        replace(
                            base,
                            period=period,
                            period_unit=unit,
                            expected_renew_day=day,
                            client_token=token,
                        ),
                        empty_id=bool(n % 2),
                        exact_price=bool(n % 3),
                        spelling=n,
                    )
                for replay in ("same", "other"):
                    if replay == "same" and (not exists or status == "Pending"):
                        continue  # no earlier renewal of this very request could have passed
                    n += 1
                    yield Case(
                        replace(
                            base,
                            period=1,
                            period_unit="Month",
                            client_token=TOKEN,
                            token_replay=replay,
                        ),
                        spelling=n,
                    )


# ---------------------------------------------------------------- the tests
ACTIONS = tuple(INSTANCE_CASES)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_instance_condition_gets_the_documented_outcome(action: str) -> None:
    reached: dict[Pair, int] = {}
    checkable = action in ("DeleteInstance", "ReActivateInstances")
    for case in INSTANCE_CASES[action]():
        pair = run_case(action, case)
        reached[pair] = reached.get(pair, 0) + 1
        if checkable:
            # The pure query agrees with the call.
            c = case.condition
            model, instance_id = build(case, action)
            answer = model.check(
                action,
                instance_id,
                force=bool(c.force),
                force_stop=c.force_stop and bool(c.force),
                terminate_subscription=c.terminate_subscription,
            )
            assert (answer.value if answer else "success") == pair[1], case
    EXHAUSTIVE_COVERAGE[f"{action} instance conditions"] = sum(reached.values())
    # Every check of the precedence that concerns the instance was reached, and success.
    wanted = precedence_pairs(action) - precedence_pairs(action, REQUEST_CHECKS)
    assert wanted | {SUCCESS} <= set(reached), wanted | {SUCCESS} - set(reached)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_request_stage_combination_gets_the_documented_outcome(action: str) -> None:
    reached: dict[Pair, int] = {}
    for case in request_cases(action):
        pair = run_case(action, case)
        reached[pair] = reached.get(pair, 0) + 1
    EXHAUSTIVE_COVERAGE[f"{action} request combinations"] = sum(reached.values())
    wanted = precedence_pairs(action, REQUEST_CHECKS)
    assert wanted <= set(reached), wanted - set(reached)
