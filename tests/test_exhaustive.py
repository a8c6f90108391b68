"""Every combination of instance condition and request, against the specs' decision table.

The oracle is ``tests/reference.decide``, built from ``specs/`` alone. For each
case the model is built through the public API, called with documented
parameter names, and compared: the same error code (with the HTTP status and
message of the action's ``[[errors]]`` entry), or the same new status and data
loss; a rejected call must leave the model exactly as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

import lifecycle
from tests.conftest import EXHAUSTIVE_COVERAGE
from tests.reference import (
    INSTANCE_ID,
    MUTATING,
    STOPPED_MODES,
    Condition,
    assert_one_request_id,
    build_model,
    decide,
    error_entry,
    operation,
    request,
    request_ids,
    snapshot,
)

STATUSES = ("Pending", "Starting", "Running", "Stopping", "Stopped")
# (prepaid, expired, in_arrears, balance_low): every billing situation that differs.
BILLING = [
    (True, False, False, False),
    (True, True, False, False),
    (True, False, True, True),  # the account's troubles do not touch a PrePaid instance
    *((False, False, arrears, low) for arrears in (False, True) for low in (False, True)),
]
# (instance_type, has_local_disk, cloud_abnormal, local_abnormal)
DISKS = [
    ("ecs.g7.large", False, False, False),
    ("ecs.g7.large", False, True, False),
    *(
        (instance_type, True, cloud, local)
        for instance_type in ("ecs.d1.2xlarge", "ecs.i2.xlarge", "ecs.d2s.5xlarge")
        for cloud in (False, True)
        for local in (False, True)
    ),
]


# StopInstance's parameters that decide no outcome, cycled through the cases (every value
# meets every status): a rejected stop must not record its StoppedMode.
MODES = tuple(STOPPED_MODES)
CONFIRMS = (None, True, False)


def stop_extras(action: str, n: int) -> dict[str, object]:
    """The n-th case's StoppedMode and ConfirmStop (StopInstance only)."""
    if action != "StopInstance":
        return {}
    return {"stopped_mode": MODES[n % len(MODES)], "confirm_stop": CONFIRMS[n % len(CONFIRMS)]}


def instance_conditions(action: str) -> Iterator[Condition]:
    """Every instance condition, with every value of the action's own boolean parameter."""
    for n, (status, locked, billing, disks, flag) in enumerate(
        itertools.product(STATUSES, (False, True), BILLING, DISKS, (False, True))
    ):
        prepaid, expired, arrears, low = billing
        instance_type, has_local, cloud, local = disks
        yield Condition(
            status=status,
            security_locked=locked,
            prepaid=prepaid,
            expired=expired,
            in_arrears=arrears,
            balance_low=low,
            instance_type=instance_type,
            has_local_disk=has_local,
            cloud_disk_abnormal=cloud,
            local_disk_abnormal=local,
            init_local_disk=flag and action == "StartInstance",
            force_stop=flag and action != "StartInstance",
            **stop_extras(action, n),  # type: ignore[arg-type]
        )


def request_conditions(action: str) -> Iterator[Condition]:
    """Every combination of the request-stage checks, over every status."""
    for status in STATUSES:
        for n, (missing, bad, throttled, fault, dry, exists) in enumerate(
            itertools.product((False, True), repeat=6)
        ):
            yield Condition(
                status=status,
                missing_id=missing,
                bad_boolean=bad,
                throttled=throttled,
                injected_fault=fault,
                dry_run=dry,
                exists=exists,
                **stop_extras(action, n),  # type: ignore[arg-type]
            )


def run_case(action: str, condition: Condition) -> str:
    """Check one case; return the outcome's name for the coverage count."""
    expected = decide(action, condition)
    model = build_model(condition, action)
    before = snapshot(model)
    ids = request_ids(build_model(condition, action))  # an uncalled twin's stream
    try:
        response = model.call(action, request(action, condition))
    except lifecycle.ApiError as error:
        entry = error_entry(action, error.code.value)
        assert (error.code.value, error.http_status) == (expected.code, entry["http_status"]), (
            condition
        )
        flag_name = "InitLocalDisk" if action == "StartInstance" else "ForceStop"
        parameter = "InstanceId" if condition.missing_id else flag_name
        assert error.message == entry["message"].format(parameter=parameter)
        after_fault = snapshot(model)
        if (condition.injected_fault and expected.code == "InternalError") or (
            condition.throttled and expected.code == "Throttling"
        ):
            # The injected answer was consumed; nothing else may change.
            assert after_fault[:3] == before[:3]
        else:
            assert after_fault == before, condition
        assert_one_request_id(model, ids, error.request_id)
        return expected.code or ""
    assert expected.code is None, (condition, expected)
    assert isinstance(response, lifecycle.ActionResponse)
    assert_one_request_id(model, ids, response.request_id)
    view = model.instance(INSTANCE_ID)
    if action == "StopInstance":
        assert view.stopped_mode is not None
        assert view.stopped_mode.value == STOPPED_MODES[condition.stopped_mode], condition
    assert view.status.value == expected.status
    losses = [loss.cause.value for loss in view.data_losses]
    assert losses == ([expected.data_loss] if expected.data_loss else [])
    if "local_disk_abnormal" in expected.cleared:
        assert not view.local_disk_abnormal
    # The compiled table and the transitions engine itself agree on the move.
    trigger = operation(action)["trigger"]
    dest = lifecycle.reference_transition(trigger, lifecycle.InstanceStatus(condition.status))
    assert dest == expected.status
    model.advance(3600)
    assert model.status(INSTANCE_ID).value == operation(action)["settles_to"]
    return "success"


@pytest.mark.parametrize("action", MUTATING)
def test_every_instance_condition_gets_the_documented_outcome(action: str) -> None:
    outcomes: dict[str, int] = {}
    for condition in instance_conditions(action):
        name = run_case(action, condition)
        outcomes[name] = outcomes.get(name, 0) + 1
        # The pure query agrees with the call.
        model = build_model(condition, action)
        answer = model.check(
            action,
            INSTANCE_ID,
            init_local_disk=condition.init_local_disk,
            force_stop=condition.force_stop,
        )
        assert (answer.value if answer else "success") == name
    EXHAUSTIVE_COVERAGE[f"{action} instance conditions"] = sum(outcomes.values())
    # Every rule of the action's precedence that concerns the instance was reached.
    instance_checks = {
        rule["error"]
        for rule in operation(action)["precedence"]
        if "fails_when" in rule or rule["check"] == "status"
    }
    assert instance_checks <= set(outcomes)
    assert "success" in outcomes


@pytest.mark.parametrize("action", MUTATING)
def test_every_request_stage_combination_gets_the_documented_outcome(action: str) -> None:
    outcomes: dict[str, int] = {}
    for condition in request_conditions(action):
        name = run_case(action, condition)
        outcomes[name] = outcomes.get(name, 0) + 1
    EXHAUSTIVE_COVERAGE[f"{action} request combinations"] = sum(outcomes.values())
    request_checks = {
        rule["error"]
        for rule in operation(action)["precedence"]
        if rule["check"]
        in {
            "required_parameters",
            "valid_parameters",
            "throttled",
            "injected_fault",
            "dry_run",
            "exists",
        }
    }
    assert request_checks <= set(outcomes)
