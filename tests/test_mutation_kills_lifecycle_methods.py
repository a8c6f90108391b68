"""Every argument of the lifecycle methods reaches the action, and the zone's set-up methods
check their arguments (``EcsModel.create_instance_api``, ``delete_instance``,
``delete_instances``, ``set_stock``).

Found by mutation testing (docs/development.md, "Mutation testing"): a method
that dropped one of its documented arguments on the way to the action, or
changed a default, passed every other test. Each test here calls the method
with the argument and checks what its docstring (or the action's documented
parameter) says it does.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle import (
    ApiError,
    DataLossCause,
    Durations,
    EcsModel,
    Fixed,
    InstanceStatus,
    InvalidArgument,
    TransitionEvent,
)
from lifecycle._model_lifecycle import MAX_PRICE

IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
TYPE = "ecs.g7.large"


def model() -> EcsModel:
    return EcsModel(durations=Durations(pending=Fixed(30), starting=Fixed(20)))


def create(m: EcsModel, **kwargs: Any) -> str:
    kwargs.setdefault("instance_type", TYPE)
    kwargs.setdefault("image_id", IMAGE)
    return m.create_instance_api(**kwargs).instance_id


def code_of(call: Any) -> str:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.code.value


# ------------------------------------------------------------- CreateInstance
def test_create_instance_buys_a_subscription_for_the_period_and_unit_given() -> None:
    m = model()
    weekly = create(m, instance_charge_type="PrePaid", period=2, period_unit="Week")
    monthly = create(m, instance_charge_type="PrePaid", period=1)
    assert m.describe_instance_attribute(weekly).instance.expired_time == "2026-01-15T00:00Z"
    assert m.describe_instance_attribute(monthly).instance.expired_time == "2026-02-01T00:00Z"
    # AutoRenew is off by default, and DeletionProtection too (PrePaid refuses it).
    assert len(m) == 2


def test_create_instance_renews_automatically_with_the_auto_renew_period_given() -> None:
    m = model()
    instance_id = create(
        m, instance_charge_type="PrePaid", period=1, auto_renew=True, auto_renew_period=2
    )
    assert m.status(instance_id) is InstanceStatus.PENDING
    # Without the period, CreateInstance asks for it (RunInstances defaults it to 1).
    assert (
        code_of(lambda: create(m, instance_charge_type="PrePaid", period=1, auto_renew=True))
        == "MissingParameter"
    )


def test_create_instance_replays_its_client_token_and_region_defaults_to_cn_hangzhou() -> None:
    m = model()
    first = create(m, client_token="create-1")
    assert create(m, client_token="create-1", region_id="cn-hangzhou") == first
    assert len(m) == 1
    assert code_of(lambda: create(m, client_token="create-1", instance_name="other")) == (
        "IdempotentParameterMismatch"
    )


def test_create_instance_deletion_protection_refuses_the_release() -> None:
    m = model()
    kept = create(m, deletion_protection=True)
    plain = create(m)
    m.advance(60)  # both Stopped
    assert code_of(lambda: m.delete_instance(kept)) == "InvalidOperation.DeletionProtection"
    m.delete_instance(plain)
    assert m.instance_ids() == [kept]


def test_create_instance_checks_the_zone_and_takes_an_image_family_for_an_image() -> None:
    m = model()
    assert code_of(lambda: create(m, zone_id="cn-hangzhou-b")) == "InvalidZoneId.NotFound"
    assert len(m) == 0
    create(m, zone_id="cn-hangzhou-i", image_id=None, image_family="acs:alibaba_cloud_linux_3")
    assert len(m) == 1


def test_create_instance_dry_run_checks_only() -> None:
    m = model()
    assert code_of(lambda: create(m, dry_run=True)) == "DryRunOperation"
    assert len(m) == 0


def test_create_instance_refuses_an_extra_parameter_it_does_not_document() -> None:
    m = model()
    with pytest.raises(InvalidArgument, match="NoSuchParameter"):
        create(m, extra={"NoSuchParameter": "1"})
    create(m, extra={"SecurityGroupId": "sg-1"})
    assert len(m) == 1


# ------------------------------------------------------------- DeleteInstance(s)
def test_delete_instance_dry_run_releases_nothing() -> None:
    m = model()
    m.create_instance("i-a", status="Stopped")
    assert code_of(lambda: m.delete_instance("i-a", dry_run=True)) == "DryRunOperation"
    assert "i-a" in m


def test_delete_instances_forced_cuts_the_power_unless_force_stop_is_false() -> None:
    m = model()
    seen: list[TransitionEvent] = []
    m.subscribe(lambda e: seen.append(e) if isinstance(e, TransitionEvent) else None)
    m.create_instance("i-a", status="Running")
    m.create_instance("i-b", status="Running")
    m.delete_instances(["i-a"], force=True)  # ForceStop defaults to true
    m.delete_instances(["i-b"], force=True, force_stop=False)
    assert {e.instance_id: e.data_loss for e in seen if e.dest is None} == {
        "i-a": DataLossCause.FORCE_STOP,
        "i-b": None,
    }


def test_delete_instances_releases_an_expired_subscription_only_with_terminate() -> None:
    m = model()
    m.create_instance("i-sub", status="Stopped", charge_type="PrePaid", expired_time=100.0)
    m.advance(100)
    assert code_of(lambda: m.delete_instances(["i-sub"])) == "ChargeTypeViolation"
    m.delete_instances(["i-sub"], terminate_subscription=True)
    assert "i-sub" not in m


def test_delete_instances_replays_its_token_with_the_default_region() -> None:
    m = model()
    m.create_instance("i-a", status="Stopped")
    m.delete_instances(["i-a"], client_token="delete-1")
    m.delete_instances(["i-a"], client_token="delete-1", region_id="cn-hangzhou")
    assert "i-a" not in m


# ------------------------------------------------------------------ set_stock
@pytest.mark.parametrize("instance_type", ["", 5, None])
def test_set_stock_needs_an_instance_type_and_names_it(instance_type: Any) -> None:
    with pytest.raises(InvalidArgument, match="instance_type"):
        model().set_stock(instance_type, 3)


@pytest.mark.parametrize("count", [-1, 1.5, True])
def test_set_stock_needs_a_count_of_at_least_zero_and_names_it(count: Any) -> None:
    with pytest.raises(InvalidArgument, match=r"^count="):
        model().set_stock(TYPE, count)


def test_a_stock_of_zero_sells_out_and_none_lifts_any_limit() -> None:
    m = model()
    m.set_stock("ecs.never.set", None)  # no limit was set: nothing to lift
    m.set_stock(TYPE, 0)
    with pytest.raises(ApiError) as caught:
        m.run_instances(instance_type=TYPE, image_id=IMAGE)
    assert caught.value.code.value == "OperationDenied.NoStock"
    m.set_stock(TYPE, None)
    assert len(m.run_instances(instance_type=TYPE, image_id=IMAGE).instance_ids) == 1


def test_run_instances_replays_its_client_token_and_region_defaults_to_cn_hangzhou() -> None:
    m = model()
    first = m.run_instances(instance_type=TYPE, image_id=IMAGE, client_token="run-1")
    again = m.run_instances(
        instance_type=TYPE, image_id=IMAGE, client_token="run-1", region_id="cn-hangzhou"
    )
    assert again.instance_ids == first.instance_ids
    assert len(m) == 1


# ------------------------------------------------------------------ set_price
def test_set_price_takes_a_price_up_to_its_documented_maximum_and_names_a_higher_one() -> None:
    m = model()
    m.set_price(TYPE, MAX_PRICE)
    m.set_price(TYPE, 0)
    with pytest.raises(InvalidArgument, match=r"^price="):
        m.set_price(TYPE, MAX_PRICE + 1)


# ------------------------------------------------------------------ AutoRenew
def test_auto_renew_is_recorded_shown_and_kept_but_never_acted_on_by_the_model() -> None:
    """Found by mutation testing: AutoRenew was recorded and read by nothing. The model
    shows it (``InstanceView.auto_renew``) and keeps it in snapshots; the renewal itself is
    the platform's move, a RenewInstance a simulator makes (run_instances' docstring)."""
    m = model()
    (renewing,) = m.run_instances(
        instance_type=TYPE,
        image_id=IMAGE,
        instance_charge_type="PrePaid",
        period=1,
        period_unit="Week",
        auto_renew=True,
        auto_renew_period=2,
    ).instance_ids
    (plain,) = m.run_instances(
        instance_type=TYPE, image_id=IMAGE, instance_charge_type="PrePaid", period=1
    ).instance_ids
    assert m.instance(renewing).auto_renew == (2, "Week")
    assert m.instance(plain).auto_renew is None
    assert EcsModel.restore(m.snapshot()).instance(renewing).auto_renew == (2, "Week")
    m.advance(8 * 86400)  # past the first term's end, 2026-01-08: nothing renewed it
    assert m.describe_instance_attribute(renewing).instance.expired_time == "2026-01-08T00:00Z"
