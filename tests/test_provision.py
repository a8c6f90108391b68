"""Birth, renewal and death in process: RunInstances, CreateInstance, DeleteInstance(s),
RenewInstance and ReActivateInstances, each documented case pinned against specs/.

Every refusal is checked for its documented code, HTTP status and message (read
from ``specs/operations/<Action>.toml``) and for changing nothing: the model's
whole snapshot, request-id stream aside, is the same before and after.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

import lifecycle
from lifecycle import (
    Action,
    ApiError,
    Durations,
    EcsModel,
    ErrorCode,
    Fixed,
    InstanceStatus,
    InvalidArgument,
    TransitionEvent,
)
from lifecycle._provision import add_period
from tests.reference import error_entry, operation

IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
TYPE = "ecs.g7.large"
MONTH_1 = 31 * 86400.0  # January 2026, the model's first month


def model(**kwargs: Any) -> EcsModel:
    kwargs.setdefault("durations", Durations(pending=Fixed(30), starting=Fixed(20)))
    return EcsModel(**kwargs)


def state(m: EcsModel) -> dict[str, Any]:
    """The model's whole state, as its snapshot records it, without the request-id stream
    (a refused call draws one id, as a real call does)."""
    body = m.snapshot().split(b"\n", 2)[-1]
    document: dict[str, Any] = json.loads(zlib.decompress(body))
    del document["rng"]["request"]
    return document


def refused(
    m: EcsModel, action: str, code: str, call: Callable[[], object], parameter: str | None = None
) -> ApiError:
    """``call`` is refused with ``action``'s documented ``code`` and changes nothing."""
    before = state(m)
    with pytest.raises(ApiError) as caught:
        call()
    entry = error_entry(action, code)
    error = caught.value
    assert (error.code.value, error.http_status) == (code, entry["http_status"])
    message: str = entry["message"]
    assert error.message == (message.format(parameter=parameter) if parameter else message)
    assert state(m) == before, "a refused call changed the model"
    return error


def run(m: EcsModel, **kwargs: Any) -> lifecycle.RunInstancesResponse:
    kwargs.setdefault("instance_type", TYPE)
    kwargs.setdefault("image_id", IMAGE)
    return m.run_instances(**kwargs)


def events(m: EcsModel) -> list[TransitionEvent]:
    seen: list[TransitionEvent] = []
    m.subscribe(lambda e: seen.append(e) if isinstance(e, TransitionEvent) else None)
    return seen


# ---------------------------------------------------------------- RunInstances
def test_run_instances_creates_amount_instances_that_start_on_their_own() -> None:
    m = model()
    seen = events(m)
    response = run(m, amount=3)
    ids = list(response.instance_ids)
    assert len(ids) == len(set(ids)) == 3
    assert m.statuses(ids) == [InstanceStatus.PENDING] * 3
    assert {(e.source, e.dest, e.cause, e.request_id) for e in seen} == {
        (None, InstanceStatus.PENDING, "run", response.request_id)
    }
    m.advance(30)
    assert m.statuses(ids) == [InstanceStatus.STARTING] * 3
    m.advance(20)
    assert m.statuses(ids) == [InstanceStatus.RUNNING] * 3
    causes = [e.cause for e in seen if e.instance_id == ids[0]]
    assert causes == ["run", "finish_launching", "finish_starting"]
    # StartTime is when it entered Starting, CreationTime when it was made.
    (first,) = m.describe_instances(instance_ids=ids[:1]).instances
    assert (first.creation_time, first.start_time) == ("2026-01-01T00:00Z", "2026-01-01T00:00Z")
    assert response.to_dict()["InstanceIdSets"] == {"InstanceIdSet": ids}
    assert "OrderId" not in response.to_dict()


def test_create_instance_makes_one_stopped_instance_that_must_be_started() -> None:
    m = model()
    response = m.create_instance_api(instance_type=TYPE, image_id=IMAGE, instance_name="web")
    m.advance(60)
    assert m.status(response.instance_id) is InstanceStatus.STOPPED
    assert m.describe_instance_attribute(response.instance_id).instance.instance_name == "web"
    m.start_instance(response.instance_id)
    m.advance(20)
    assert m.status(response.instance_id) is InstanceStatus.RUNNING
    assert set(response.to_dict()) == {"RequestId", "InstanceId", "TradePrice"}


def test_the_same_client_token_answers_the_same_instances_and_creates_none() -> None:
    m = model()
    first = run(m, amount=2, client_token="deploy-1")
    again = run(m, amount=2, client_token="deploy-1")
    assert again.instance_ids == first.instance_ids
    assert again.request_id != first.request_id
    assert len(m) == 2
    # Another request with that token is refused; a fresh token creates.
    refused(
        m,
        "RunInstances",
        "IdempotentParameterMismatch",
        lambda: run(m, amount=3, client_token="deploy-1"),
    )
    assert len(run(m, amount=3, client_token="deploy-2").instance_ids) == 3


def test_a_refused_request_does_not_spend_its_client_token() -> None:
    m = model(in_arrears=True)
    refused(m, "RunInstances", "Account.Arrearage", lambda: run(m, client_token="t", amount=1))
    m.set_in_arrears(False)
    assert len(run(m, client_token="t", amount=1).instance_ids) == 1


def test_a_token_is_per_action() -> None:
    m = model()
    run(m, client_token="same")
    created = m.create_instance_api(instance_type=TYPE, image_id=IMAGE, client_token="same")
    assert created.instance_id in m


@pytest.mark.parametrize(
    ("kwargs", "code", "parameter"),
    [
        ({"instance_type": None}, "MissingParameter", "InstanceType"),
        ({"image_id": None}, "MissingParameter", "ImageId"),
        ({"region_id": ""}, "MissingParameter", "RegionId"),
        ({"instance_charge_type": "PrePaid"}, "MissingParamter", None),
        ({"instance_charge_type": "Subscription"}, "InvalidInstanceChargeType.NotFound", None),
        ({"instance_charge_type": "PrePaid", "period": 10}, "InvalidPeriod", None),
        (
            {"instance_charge_type": "PrePaid", "period": 5, "period_unit": "Week"},
            "InvalidPeriod",
            None,
        ),
        ({"period_unit": "Year"}, "InvalidPeriodType.ValueNotSupported", None),
        (
            {
                "instance_charge_type": "PrePaid",
                "period": 1,
                "auto_renew": True,
                "auto_renew_period": 4,
            },
            "InvalidAutoRenewPeriod.ValueNotSupported",
            None,
        ),
        ({"amount": 101}, "InvalidParameter", "Amount"),
        ({"amount": "two"}, "InvalidParameter", "Amount"),
        ({"amount": 2, "min_amount": 3}, "InvalidMinAmount.Malformed", None),
        ({"min_amount": 0}, "InvalidMinAmount.Malformed", None),
        ({"auto_pay": False}, "InvalidAutoPay.PostPaidUnsupported", None),
        ({"instance_type": "g7.large"}, "InvalidInstanceType.ValueNotSupported", None),
        ({"instance_name": "x"}, "InvalidInstanceName.Malformed", None),
        ({"instance_name": "web server"}, "InvalidInstanceName.Malformed", None),
        ({"client_token": "t" * 65}, "InvalidClientToken.ValueNotSupported", None),
        ({"client_token": "tökén"}, "InvalidClientToken.ValueNotSupported", None),
        (
            {"instance_charge_type": "PrePaid", "period": 1, "deletion_protection": True},
            "InvalidChargeType.ValueNotSupported",
            None,
        ),
        ({"zone_id": "cn-hangzhou-k"}, "InvalidZoneId.NotFound", None),
        ({"dry_run": "maybe"}, "InvalidParameter", "DryRun"),
        ({"dry_run": True}, "DryRunOperation", None),
    ],
)
def test_each_documented_refusal_of_run_instances_creates_nothing(
    kwargs: dict[str, Any], code: str, parameter: str | None
) -> None:
    m = model()
    refused(m, "RunInstances", code, lambda: run(m, **kwargs), parameter)
    assert len(m) == 0


def test_a_launch_template_or_image_family_stands_in_for_the_image() -> None:
    m = model()
    assert run(m, image_id=None, image_family="acs:alibaba_cloud_linux_3").instance_ids
    assert run(m, image_id=None, launch_template_id="lt-1").instance_ids


def test_the_account_must_not_be_in_arrears_and_a_subscription_must_be_affordable() -> None:
    m = model(balance=Decimal(100))
    m.set_price(TYPE, "30")
    m.set_price(TYPE, "8", period_unit="Week")
    refused(
        m,
        "RunInstances",
        "InsufficientBalance",
        lambda: run(m, amount=2, instance_charge_type="PrePaid", period=2),
    )
    bought = run(m, amount=3, instance_charge_type="PrePaid", period=1)
    assert m.account.balance == Decimal(10)
    body = bought.to_dict()
    assert body["TradePrice"] == 90.0
    assert isinstance(body["OrderId"], str)
    assert body["OrderId"].isdigit()
    weekly = run(m, instance_charge_type="PrePaid", period=1, period_unit="Week")
    assert m.account.balance == Decimal(2)
    assert weekly.trade_price == 8.0
    # PostPaid costs nothing up front, and is not held back by a low balance.
    assert run(m).trade_price == 0.0
    m.set_in_arrears(True)
    refused(m, "RunInstances", "Account.Arrearage", lambda: run(m))
    refused(
        m,
        "CreateInstance",
        "Account.Arrearage",
        lambda: m.create_instance_api(instance_type=TYPE, image_id=IMAGE),
    )


def test_a_subscription_expires_a_calendar_period_after_creation() -> None:
    m = model()
    m.advance(30 * 86400)  # 2026-01-31
    (monthly,) = run(m, instance_charge_type="PrePaid", period=1).instance_ids
    (weekly,) = run(m, instance_charge_type="PrePaid", period=2, period_unit="Week").instance_ids
    assert m.describe_instance_attribute(monthly).instance.expired_time == "2026-02-28T00:00Z"
    assert m.describe_instance_attribute(weekly).instance.expired_time == "2026-02-14T00:00Z"


@pytest.mark.parametrize(
    ("start", "periods", "unit", "expected"),
    [
        (0.0, 1, "Month", MONTH_1),
        (0.0, 12, "Month", 365 * 86400.0),
        (30 * 86400.0, 1, "Month", (31 + 27) * 86400.0),
        (0.0, 3, "Week", 21 * 86400.0),
        (45.5, 1, "Month", MONTH_1 + 45.5),
    ],
)
def test_add_period_adds_calendar_months_or_weeks(
    start: float, periods: int, unit: str, expected: float
) -> None:
    assert add_period(start, periods, unit) == expected


def test_stock_limits_creation_and_min_amount_takes_what_is_left() -> None:
    m = model()
    m.set_stock(TYPE, 3)
    refused(m, "RunInstances", "OperationDenied.NoStock", lambda: run(m, amount=4))
    refused(m, "RunInstances", "OperationDenied.NoStock", lambda: run(m, amount=5, min_amount=4))
    assert len(run(m, amount=5, min_amount=2).instance_ids) == 3
    refused(m, "RunInstances", "OperationDenied.NoStock", lambda: run(m))
    assert run(m, instance_type="ecs.c7.large").instance_ids  # other types are not limited
    m.set_stock(TYPE, None)
    assert run(m).instance_ids


def test_names_number_a_batch_as_documented() -> None:
    m = model()
    batch = run(m, amount=3, instance_name="node[8,3]-web").instance_ids
    suffixed = run(m, amount=2, instance_name="db", unique_suffix=True).instance_ids
    plain = run(m, amount=2, instance_name="cache").instance_ids
    name = {i.instance_id: i.instance_name for i in m.describe_instances(page_size=100).instances}
    assert [name[i] for i in batch] == ["node008-web", "node009-web", "node010-web"]
    assert [name[i] for i in suffixed] == ["db001", "db002"]
    assert [name[i] for i in plain] == ["cache", "cache"]
    unnamed = run(m).instance_ids[0]
    assert name.get(unnamed, m.describe_instance_attribute(unnamed).instance.instance_name) == (
        unnamed
    )
    found = m.describe_instances(instance_name="node*").instances
    assert [i.instance_id for i in found] == list(batch)


def test_other_documented_parameters_are_accepted_and_unknown_ones_refused_by_name() -> None:
    m = model()
    response = m.call(
        "RunInstances",
        {
            "RegionId": "cn-hangzhou",
            "InstanceType": TYPE,
            "ImageId": IMAGE,
            "SecurityGroupId": "sg-1",
            "DataDisk.1.Size": "40",
            "Tag.2.Key": "team",
            "NetworkInterface.1.SecurityGroupIds.3": "sg-2",
        },
    )
    assert len(response.to_dict()["InstanceIdSets"]["InstanceIdSet"]) == 1  # type: ignore[index]
    assert "DataDisk.N.Size" in lifecycle.ignored_parameters("RunInstances")
    with pytest.raises(InvalidArgument, match="not a parameter of RunInstances"):
        m.call("RunInstances", {"InstanceType": TYPE, "ImageId": IMAGE, "Colour": "blue"})
    with pytest.raises(InvalidArgument, match="not a parameter of RunInstances"):
        run(m, extra={"InstanceId": "i-1"})
    with pytest.raises(InvalidArgument, match="expected a str, int or bool"):
        run(m, extra={"Description": 1.5})
    assert len(m) == 1


def test_a_different_extra_parameter_is_a_different_request_for_a_token() -> None:
    m = model()
    run(m, client_token="t", extra={"Description": "a"})
    refused(
        m,
        "RunInstances",
        "IdempotentParameterMismatch",
        lambda: run(m, client_token="t", extra={"Description": "b"}),
    )


def test_create_instance_needs_an_auto_renew_period_and_a_name_that_starts_with_a_letter() -> None:
    m = model()

    def create(**kwargs: Any) -> object:
        return m.create_instance_api(instance_type=TYPE, image_id=IMAGE, **kwargs)

    refused(
        m,
        "CreateInstance",
        "MissingParameter",
        lambda: create(instance_charge_type="PrePaid", period=1, auto_renew=True),
        "AutoRenewPeriod",
    )
    refused(
        m, "CreateInstance", "InvalidInstanceName.Malformed", lambda: create(instance_name="1a")
    )
    assert create(instance_name="a1")


# ---------------------------------------------------------------- DeleteInstance
@pytest.fixture
def fleet() -> EcsModel:
    m = model()
    for status in ("Pending", "Starting", "Running", "Stopping", "Stopped"):
        m.create_instance(f"i-{status.lower()}", status=status)
    return m


def test_delete_instance_releases_only_a_stopped_instance_unless_forced(fleet: EcsModel) -> None:
    for status in ("starting", "running", "stopping"):
        refused(
            fleet,
            "DeleteInstance",
            "IncorrectInstanceStatus",
            lambda status=status: fleet.delete_instance(f"i-{status}"),  # type: ignore[misc]
        )
    for force in (False, True):
        refused(
            fleet,
            "DeleteInstance",
            "IncorrectInstanceStatus.Initializing",
            lambda force=force: fleet.delete_instance("i-pending", force=force),  # type: ignore[misc]
        )
    fleet.delete_instance("i-stopped")
    for status in ("starting", "running", "stopping"):
        fleet.delete_instance(f"i-{status}", force=True)
    assert fleet.instance_ids() == ["i-pending"]
    assert len(fleet) == 1


def test_a_forced_release_cuts_the_power_unless_force_stop_is_false() -> None:
    m = model()
    seen = events(m)
    for name in ("a", "b", "c"):
        m.create_instance(name, status="Running" if name != "c" else "Stopped")
    m.delete_instance("a", force=True)
    m.delete_instance("b", force=True, force_stop=False)
    m.delete_instance("c", force=True)  # Stopped: nothing in memory to lose
    released = {e.instance_id: e for e in seen if e.dest is None}
    assert {k: (e.cause, e.data_loss) for k, e in released.items()} == {
        "a": ("force_delete", lifecycle.DataLossCause.FORCE_STOP),
        "b": ("force_delete", None),
        "c": ("force_delete", None),
    }


def test_a_subscription_is_released_only_once_expired_and_with_terminate_subscription() -> None:
    m = model()
    m.create_instance("i-sub", status="Stopped", charge_type="PrePaid", expired_time=100.0)
    refused(m, "DeleteInstance", "ChargeTypeViolation", lambda: m.delete_instance("i-sub"))
    refused(
        m,
        "DeleteInstance",
        "ChargeTypeViolation",
        lambda: m.delete_instance("i-sub", terminate_subscription=True),
    )
    m.advance(100)
    refused(m, "DeleteInstance", "ChargeTypeViolation", lambda: m.delete_instance("i-sub"))
    m.delete_instance("i-sub", terminate_subscription=True)
    assert "i-sub" not in m


def test_deletion_protection_refuses_a_release_and_a_security_lock_does_not() -> None:
    m = model(durations=Durations.immediate())
    (kept,) = run(m, deletion_protection=True).instance_ids
    (locked,) = run(m).instance_ids
    m.lock(locked)
    refused(
        m,
        "DeleteInstance",
        "InvalidOperation.DeletionProtection",
        lambda: m.delete_instance(kept, force=True),
    )
    m.delete_instance(locked, force=True)
    assert m.instance_ids() == [kept]


def test_a_deleted_instance_is_gone_from_every_action_and_every_list() -> None:
    m = model(durations=Durations.immediate())
    ids = list(run(m, amount=3).instance_ids)
    gone = ids[1]
    m.delete_instance(gone, force=True)
    single = {
        "StartInstance": lambda: m.start_instance(gone),
        "StopInstance": lambda: m.stop_instance(gone),
        "RebootInstance": lambda: m.reboot_instance(gone),
        "DescribeInstanceAttribute": lambda: m.describe_instance_attribute(gone),
        "DeleteInstance": lambda: m.delete_instance(gone, force=True),
        "RenewInstance": lambda: m.renew_instance(gone, period=1),
        "ReActivateInstances": lambda: m.reactivate_instances(gone),
    }
    for action, call in single.items():
        refused(m, action, "InvalidInstanceId.NotFound", call)
    for action, batch in {
        "StartInstances": m.start_instances,
        "StopInstances": m.stop_instances,
        "RebootInstances": m.reboot_instances,
        "DeleteInstances": m.delete_instances,
    }.items():
        refused(m, action, "InvalidInstanceIds.NotFound", lambda batch=batch: batch([gone]))  # type: ignore[misc]
    assert gone not in m
    assert m.instance_ids() == [ids[0], ids[2]]
    assert len(m.statuses()) == 2
    assert [i.instance_id for i in m.describe_instances().instances] == [ids[0], ids[2]]
    assert m.describe_instances(instance_ids=[gone]).total_count == 0
    assert m.describe_instances(status="Running").total_count == 2
    assert [s.instance_id for s in m.describe_instance_status().instance_statuses] == [
        ids[0],
        ids[2],
    ]
    assert m.describe_instance_status([gone]).total_count == 0
    assert sum(m.status_counts().values()) == 2
    with pytest.raises(InvalidArgument, match="it was deleted"):
        m.instance(gone)
    with pytest.raises(InvalidArgument, match=r"was deleted; an id is never used again"):
        m.create_instance(gone)


def test_a_released_id_is_never_handed_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    m = model()
    first = m.create_instance(status="Stopped")
    m.delete_instance(first)
    draws = iter([list(first[2:]), list("b" * 20)])
    monkeypatch.setattr(m._core.instance_rng, "choices", lambda *a, **k: next(draws))
    assert m.create_instance(status="Stopped") == "i-" + "b" * 20


def test_a_release_gives_the_instance_back_to_the_stock() -> None:
    m = model(durations=Durations.immediate())
    m.set_stock(TYPE, 1)
    (one,) = run(m).instance_ids
    refused(m, "RunInstances", "OperationDenied.NoStock", lambda: run(m))
    m.delete_instance(one, force=True)
    assert run(m).instance_ids


# ---------------------------------------------------------------- DeleteInstances
def test_delete_instances_is_all_or_nothing(fleet: EcsModel) -> None:
    refused(
        fleet,
        "DeleteInstances",
        "IncorrectInstanceStatus",
        lambda: fleet.delete_instances(["i-stopped", "i-running"]),
    )
    refused(
        fleet,
        "DeleteInstances",
        "InvalidInstanceIds.NotFound",
        lambda: fleet.delete_instances(["i-stopped", "i-nowhere"]),
    )
    refused(
        fleet,
        "DeleteInstances",
        "DRYRUN.SUCCESS",
        lambda: fleet.delete_instances(["i-stopped"], dry_run=True),
    )
    refused(
        fleet,
        "DeleteInstances",
        "Abs.InvalidInstanceIds.MalFormed",
        lambda: fleet.delete_instances(["i-stopped", "i-stopped"]),
    )
    refused(
        fleet,
        "DeleteInstances",
        "InvalidParameter.TooManyInstanceIds",
        lambda: fleet.delete_instances([f"i-{n}" for n in range(101)]),
    )
    response = fleet.delete_instances(["i-stopped", "i-running"], force=True, client_token="x")
    assert response.to_dict() == {"RequestId": response.request_id}
    assert fleet.instance_ids() == ["i-pending", "i-starting", "i-stopping"]
    # The same token and parameters: the same answer, nothing more released.
    fleet.delete_instances(["i-stopped", "i-running"], force=True, client_token="x")
    refused(
        fleet,
        "DeleteInstances",
        "IdempotentParameterMismatch",
        lambda: fleet.delete_instances(["i-starting"], force=True, client_token="x"),
    )


# ---------------------------------------------------------------- RenewInstance
def test_renewing_before_expiry_extends_from_the_old_expiry() -> None:
    m = model()
    m.set_price(TYPE, 10)
    (sub,) = run(m, instance_charge_type="PrePaid", period=1).instance_ids
    m.advance(86400)
    response = m.renew_instance(sub, period=2)
    assert m.describe_instance_attribute(sub).instance.expired_time == "2026-04-01T00:00Z"
    assert m.account.balance == Decimal(100 - 10 - 20)
    assert set(response.to_dict()) == {"RequestId", "OrderId"}


def test_renewal_restarts_an_instance_the_platform_stopped_at_expiry() -> None:
    m = model()
    (sub,) = run(m, instance_charge_type="PrePaid", period=1).instance_ids
    m.advance(MONTH_1)
    refused(m, "StartInstance", "InstanceExpired", lambda: m.start_instance(sub))
    assert m.stop_by_platform(sub, "expiry")
    m.advance(60)
    assert m.status(sub) is InstanceStatus.STOPPED
    seen = events(m)
    m.advance(86400)  # renewed a day after expiry: the term starts at the renewal
    m.renew_instance(sub, period=1)
    assert [(e.source, e.dest, e.cause) for e in seen] == [
        (InstanceStatus.STOPPED, InstanceStatus.STARTING, "resume")
    ]
    m.advance(20)
    assert m.status(sub) is InstanceStatus.RUNNING
    # Renewed at 2026-02-02T00:01 (expiry, a minute of stopping, a day): one month on.
    assert m.describe_instance_attribute(sub).instance.expired_time == "2026-03-02T00:01Z"


def test_renewal_leaves_a_subscription_the_user_stopped_stopped() -> None:
    m = model(durations=Durations.immediate())
    (sub,) = run(m, instance_charge_type="PrePaid", period=1).instance_ids
    m.stop_instance(sub)
    m.advance(MONTH_1)
    m.renew_instance(sub, period=1)
    assert m.status(sub) is InstanceStatus.STOPPED
    m.start_instance(sub)


@pytest.mark.parametrize(
    ("kwargs", "code", "parameter"),
    [
        ({}, "InvalidPeriod.NotFound", None),
        ({"period": 1, "expected_renew_day": 5}, "InvalidExpectedRenewDay.Conflict", None),
        ({"expected_renew_day": 5}, "InvalidExpectedRenewDay.ValueNotSupported", None),
        ({"period": 13}, "InvalidPeriod", None),
        ({"period": "one"}, "InvalidPeriod", None),
        ({"period": 1, "period_unit": "Year"}, "InvalidPeriodUnit.ValueNotSupported", None),
        ({"period": 1, "client_token": "x" * 65}, "InvalidClientToken.ValueNotSupported", None),
    ],
)
def test_each_documented_parameter_refusal_of_renew_instance(
    kwargs: dict[str, Any], code: str, parameter: str | None
) -> None:
    m = model()
    m.create_instance("i-sub", charge_type="PrePaid", status="Running")
    refused(m, "RenewInstance", code, lambda: m.renew_instance("i-sub", **kwargs), parameter)


def test_renewal_refuses_pay_as_you_go_locked_creating_and_unaffordable_instances() -> None:
    m = model(balance=5)
    m.create_instance("i-post", status="Running")
    m.create_instance("i-new", charge_type="PrePaid")
    m.create_instance("i-locked", charge_type="PrePaid", status="Running", security_locked=True)
    m.create_instance("i-sub", charge_type="PrePaid", status="Running")
    m.set_price(TYPE, 6)
    cases = {
        "i-post": "ChargeTypeViolation",
        "i-new": "IncorrectInstanceStatus",
        "i-locked": "InstanceLockedForSecurity",
        "i-sub": "InsufficientBalance",
    }
    for instance_id, code in cases.items():
        refused(
            m,
            "RenewInstance",
            code,
            lambda instance_id=instance_id: m.renew_instance(instance_id, period=1),  # type: ignore[misc]
        )


def test_a_renewal_token_replays_its_order() -> None:
    m = model()
    m.create_instance("i-sub", charge_type="PrePaid", status="Running", expired_time=1000.0)
    first = m.renew_instance("i-sub", period=1, client_token="r")
    again = m.renew_instance("i-sub", period=1, client_token="r")
    assert again.order_id == first.order_id
    assert m.instance("i-sub").expired_time == add_period(1000.0, 1, "Month")
    refused(
        m,
        "RenewInstance",
        "IdempotenceParamNotMatch",
        lambda: m.renew_instance("i-sub", period=2, client_token="r"),
    )


# ---------------------------------------------------------------- ReActivateInstances
def test_reactivation_brings_back_an_instance_stopped_for_overdue_payment() -> None:
    m = model(durations=Durations.immediate())
    m.create_instance("i-post", status="Running")
    m.create_instance("i-idle", status="Stopped")
    m.set_in_arrears(True)
    assert m.stop_by_platform("i-post", "overdue")
    refused(
        m,
        "ReActivateInstances",
        "ReopenInstance.InstanceNotEnoughBalance",
        lambda: m.reactivate_instances("i-post"),
    )
    m.set_in_arrears(False)
    m.set_minimum_start_balance(200)
    refused(
        m,
        "ReActivateInstances",
        "ReopenInstance.InstanceNotEnoughBalance",
        lambda: m.reactivate_instances("i-post"),
    )
    m.set_minimum_start_balance(0)
    refused(
        m,
        "ReActivateInstances",
        "ReopenInstance.InstanceStatusNotValid",
        lambda: m.reactivate_instances("i-idle"),
    )
    m.lock("i-post")
    refused(
        m,
        "ReActivateInstances",
        "InstanceLockedForSecurity",
        lambda: m.reactivate_instances("i-post"),
    )
    m.unlock("i-post")
    seen = events(m)
    m.reactivate_instances("i-post")
    assert next((e.source, e.dest, e.cause) for e in seen) == (
        InstanceStatus.STOPPED,
        InstanceStatus.STARTING,
        "reactivate",
    )
    assert m.status("i-post") is InstanceStatus.RUNNING
    # Once reactivated it is no longer suspended: a second call is refused.
    m.stop_instance("i-post")
    refused(
        m,
        "ReActivateInstances",
        "ReopenInstance.InstanceStatusNotValid",
        lambda: m.reactivate_instances("i-post"),
    )


def test_reactivation_refuses_a_subscription() -> None:
    m = model()
    m.create_instance("i-sub", status="Stopped", charge_type="PrePaid")
    refused(
        m,
        "ReActivateInstances",
        "InvalidPayType.NotSupport",
        lambda: m.reactivate_instances("i-sub"),
    )


def test_a_start_after_arrears_clear_ends_the_suspension_too() -> None:
    m = model(durations=Durations.immediate())
    m.create_instance("i-post", status="Running")
    m.set_in_arrears(True)
    m.stop_by_platform("i-post", "overdue")
    m.set_in_arrears(False)
    m.start_instance("i-post")
    m.stop_instance("i-post")
    refused(
        m,
        "ReActivateInstances",
        "ReopenInstance.InstanceStatusNotValid",
        lambda: m.reactivate_instances("i-post"),
    )


# ---------------------------------------------------------------- whole flows
def test_a_snapshot_keeps_released_instances_names_tokens_prices_and_stock() -> None:
    m = model(balance=200)
    m.set_price(TYPE, "12.5")
    m.set_stock(TYPE, 10)
    ids = run(
        m,
        amount=3,
        instance_name="n[1,2]",
        client_token="tok",
        instance_charge_type="PrePaid",
        period=1,
        auto_renew=True,
    ).instance_ids
    m.advance(MONTH_1 + 60)
    m.delete_instance(ids[0], force=True, terminate_subscription=True)
    m.advance(60)
    m.delete_instance(ids[1], force=True, terminate_subscription=True)
    copy = EcsModel.restore(m.snapshot())
    assert copy.snapshot() == m.snapshot()
    for twin in (m, copy):
        again = run(
            twin,
            amount=3,
            instance_name="n[1,2]",
            client_token="tok",
            instance_charge_type="PrePaid",
            period=1,
            auto_renew=True,
        )
        assert again.instance_ids == ids
        assert twin.instance_ids() == [ids[2]]
        assert twin.describe_instance_attribute(ids[2]).instance.instance_name == "n03"
        assert len(run(twin, amount=7, instance_charge_type="PrePaid", period=1).instance_ids) == 7
        assert twin.account.balance == Decimal(200) - Decimal("12.5") * 10
    assert copy.snapshot() == m.snapshot()


def test_the_same_seed_gives_the_same_ids_and_trace() -> None:
    def trace(seed: int) -> list[tuple[str, object, object, str, str]]:
        m = model(seed=seed)
        seen = events(m)
        ids = run(m, amount=4, client_token="a").instance_ids
        m.advance(60)
        m.delete_instances(list(ids[:2]), force=True)
        m.create_instance_api(instance_type=TYPE, image_id=IMAGE)
        m.advance(60)
        return [(e.instance_id, e.source, e.dest, e.cause, e.request_id) for e in seen]

    assert trace(7) == trace(7)
    assert trace(7) != trace(8)


def test_every_new_action_is_callable_by_its_documented_name() -> None:
    m = model(durations=Durations.immediate())
    (one,) = m.call(
        "RunInstances", {"RegionId": "cn-hangzhou", "InstanceType": TYPE, "ImageId": IMAGE}
    ).to_dict()["InstanceIdSets"]["InstanceIdSet"]  # type: ignore[index]
    created = m.call(
        "CreateInstance", {"RegionId": "cn-hangzhou", "InstanceType": TYPE, "ImageId": IMAGE}
    ).to_dict()["InstanceId"]
    m.call("DeleteInstance", {"InstanceId": created})
    m.call("DeleteInstances", {"RegionId": "cn-hangzhou", "InstanceId.1": one, "Force": "true"})
    assert len(m) == 0
    with pytest.raises(ApiError) as caught:
        m.call("RenewInstance", {"InstanceId": one, "Period": "1"})
    assert caught.value.code.value == "InvalidInstanceId.NotFound"
    with pytest.raises(ApiError) as caught:
        m.call("ReActivateInstances", {"InstanceId": one})
    assert caught.value.action is Action.REACTIVATE_INSTANCES


@pytest.mark.parametrize("status", ["Starting", "Stopping"])
def test_an_instance_released_mid_transition_leaves_nothing_to_settle(status: str) -> None:
    m = model()
    m.create_instance("i-moving", status=status)
    m.create_instance("i-other", status=status)
    m.delete_instance("i-moving", force=True)
    m.advance(3600)  # the released instance's due entry is gone; the other one settles
    assert m.instance_ids() == ["i-other"]
    assert m.status("i-other") in (InstanceStatus.RUNNING, InstanceStatus.STOPPED)
    restored = EcsModel.restore(m.snapshot())
    assert restored.snapshot() == m.snapshot()


def test_check_predicts_delete_and_reactivate_without_changing_anything() -> None:
    m = model(durations=Durations.immediate())
    m.create_instance("i-run", status="Running")
    m.create_instance("i-sub", status="Stopped", charge_type="PrePaid", expired_time=0.0)
    before = m.snapshot()
    assert m.check("DeleteInstance", "i-run") is ErrorCode.INCORRECT_INSTANCE_STATUS
    assert m.check("DeleteInstance", "i-run", force=True) is None
    assert m.check("DeleteInstance", "i-sub") is ErrorCode.CHARGE_TYPE_VIOLATION
    assert m.check("DeleteInstance", "i-sub", terminate_subscription=True) is None
    assert m.check("ReActivateInstances", "i-run") is ErrorCode.REOPEN_STATUS_NOT_VALID
    assert m.check("DeleteInstance", "i-gone") is ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
    assert m.snapshot() == before
    for action in ("RunInstances", "CreateInstance", "DeleteInstances", "RenewInstance"):
        with pytest.raises(InvalidArgument, match="check\\(\\) answers StartInstance"):
            m.check(action, "i-run")
    with pytest.raises(InvalidArgument, match="force=1: expected True or False"):
        m.check("DeleteInstance", "i-run", force=1)  # type: ignore[arg-type]


def test_a_lost_response_to_run_instances_keeps_the_instances_for_a_retry() -> None:
    m = model()
    m.add_fault(lifecycle.FaultRule(kind="lost_response", action="RunInstances", count=1))
    with pytest.raises(ApiError) as caught:
        run(m, amount=2, client_token="retry-me")
    assert (caught.value.code, caught.value.http_status) == (ErrorCode.INTERNAL_ERROR, 500)
    made = m.instance_ids()
    assert len(made) == 2  # made, although the answer was lost
    assert list(run(m, amount=2, client_token="retry-me").instance_ids) == made
    assert len(m) == 2


def test_a_delay_fault_lengthens_the_pending_of_every_new_instance() -> None:
    m = model()
    m.add_fault(lifecycle.FaultRule(kind="delay", action="CreateInstance", delay=100, count=1))
    slow = m.create_instance_api(instance_type=TYPE, image_id=IMAGE).instance_id
    fast = m.create_instance_api(instance_type=TYPE, image_id=IMAGE).instance_id
    m.advance(30)
    assert m.statuses([slow, fast]) == [InstanceStatus.PENDING, InstanceStatus.STOPPED]
    m.advance(100)
    assert m.status(slow) is InstanceStatus.STOPPED


def test_a_lost_response_to_a_renewal_still_renews() -> None:
    m = model()
    m.create_instance("i-sub", charge_type="PrePaid", status="Running", expired_time=1000.0)
    m.add_fault(lifecycle.FaultRule(kind="lost_response", action="RenewInstance", count=1))
    with pytest.raises(ApiError, match="InternalError"):
        m.renew_instance("i-sub", period=1)
    assert m.instance("i-sub").expired_time == add_period(1000.0, 1, "Month")


def test_a_name_with_brackets_that_are_no_batch_form_is_kept_as_it_is() -> None:
    m = model()
    ids = run(m, amount=2, instance_name="a[b,c]").instance_ids
    names = [m.describe_instance_attribute(i).instance.instance_name for i in ids]
    assert names == ["a[b,c]", "a[b,c]"]


def test_extra_parameters_must_be_a_mapping_of_documented_names() -> None:
    m = model()
    with pytest.raises(InvalidArgument, match=r"extra=.*expected a mapping"):
        run(m, extra=["SecurityGroupId"])
    with pytest.raises(InvalidArgument, match="not a parameter of RunInstances"):
        run(m, extra={5: "x"})
    response = run(m, extra={"InternetMaxBandwidthOut": 5, "IoOptimized": True})
    assert len(response.instance_ids) == 1
    assert (
        m.call(
            "RunInstances",
            {"InstanceType": TYPE, "ImageId": IMAGE, "RegionId": "r", "Description": None},
        ).to_dict()["TradePrice"]
        == 0.0
    )


def test_a_lost_response_to_delete_instances_still_releases() -> None:
    m = model()
    m.create_instance("i-a", status="Stopped")
    m.add_fault(lifecycle.FaultRule(kind="lost_response", action="DeleteInstances", count=1))
    with pytest.raises(ApiError, match="InternalError"):
        m.delete_instances(["i-a"])
    assert "i-a" not in m


# ------------------------------------------------------------------ ClientToken
# A run of every mutant of the functions rewritten for speed on 2026-12-01 (call()'s
# look-up by name and its hand-off to the typed methods, _read_and_run) left this
# behaviour unguarded, and _creation's own mutants that keep the ignored parameters
# among the typed fields too.
@pytest.mark.parametrize("action", ["RunInstances", "CreateInstance"])
def test_a_client_token_retry_may_send_the_ignored_parameters_in_another_order(
    action: str,
) -> None:
    """RunInstances.toml, decision "ClientToken" (CreateInstance's "as RunInstances"):
    the same token with the same parameters, "in any order, the ignored ones included",
    answers the first success again and creates nothing. The parameters the model does
    not hold (``extra``) are part of the request, as a set of names and values, not a
    sequence: a client (or the wire, which passes them as sent) may list them in
    another order on a retry."""
    assert "in any order, the ignored ones included" in _decision("RunInstances", "ClientToken")
    ignored = {"Description": "web tier", "HostName": "web-1", "DataDisk.1.Size": "40"}
    assert {_spec_name(name) for name in ignored} <= lifecycle.ignored_parameters(action)
    model = EcsModel(durations=Durations.immediate())
    common = {
        "RegionId": "cn-hangzhou",
        "InstanceType": "ecs.g7.large",
        "ImageId": "img-1",
        "ClientToken": "retry-1",
    }
    first = model.call(action, {**common, **ignored}).to_dict()
    again = model.call(action, {**dict(reversed(ignored.items())), **common}).to_dict()
    first.pop("RequestId")
    again.pop("RequestId")
    assert again == first
    assert len(model) == 1


def _spec_name(name: str) -> str:
    """A sent name as the spec lists it: each position an ``N`` (``DataDisk.1.Size`` ->
    ``DataDisk.N.Size``)."""
    return ".".join("N" if part.isdigit() else part for part in name.split("."))


def _decision(action: str, topic: str) -> str:
    (decision,) = [
        row["decision"] for row in operation(action)["decisions"] if row["topic"] == topic
    ]
    return str(decision)


def test_auto_renew_is_recorded_for_prepaid_instances_that_ask_for_it_only() -> None:
    """RunInstances.toml, decision "AutoRenewPeriod": "Default 1 when AutoRenew=true and
    AutoRenewPeriod is absent ... Read for PrePaid only"; shown as ``instance(id).auto_renew``
    (``run_instances``' docstring)."""
    match = re.match(
        r"Default (\d+) when AutoRenew=true", _decision("RunInstances", "AutoRenewPeriod")
    )
    assert match is not None
    default = int(match.group(1))
    m = model(balance=1000)
    prepaid = {"instance_charge_type": "PrePaid", "period": 1}
    for unit in ("Month", "Week"):
        (asked,) = run(m, **prepaid, period_unit=unit, auto_renew=True).instance_ids
        assert m.instance(asked).auto_renew == (default, unit)
    (given,) = run(m, **prepaid, auto_renew=True, auto_renew_period=3).instance_ids
    assert m.instance(given).auto_renew == (3, "Month")
    (unasked,) = run(m, **prepaid, auto_renew=False, auto_renew_period=3).instance_ids
    (postpaid,) = run(m, auto_renew=True, auto_renew_period=3).instance_ids
    assert m.instance(unasked).auto_renew is None
    assert m.instance(postpaid).auto_renew is None
