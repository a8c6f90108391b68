"""Boundaries and corners of creation and batch deletion that no other test reached.

Found by mutation testing (docs/development.md, "Mutation testing"): an
InstanceName's length and characters per action, DeleteInstances' 100-id limit,
its ClientToken check, a refusal of the model's first instance, a subscription
in a batch, the time on a batch's events and fault events, and the RequestId of
a replayed batch. Each expectation is the documented one (specs/operations/).
"""

from __future__ import annotations

import string
from typing import Any

import pytest

from lifecycle import (
    ApiError,
    Durations,
    EcsModel,
    FaultEvent,
    FaultRule,
    Fixed,
    InvalidArgument,
    TransitionEvent,
)

IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
TYPE = "ecs.g7.large"
#: The characters an InstanceName may hold (both actions): letters, digits, ``:_.-``.
NAME_CHARACTERS = string.ascii_letters + string.digits + ":_.-"


def model() -> EcsModel:
    return EcsModel(durations=Durations(pending=Fixed(30), starting=Fixed(20)))


def code_of(call: Any) -> str:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.code.value


def create(m: EcsModel, name: str) -> str:
    return m.create_instance_api(instance_type=TYPE, image_id=IMAGE, instance_name=name).instance_id


def run(m: EcsModel, name: str) -> str:
    (instance_id,) = m.run_instances(
        instance_type=TYPE, image_id=IMAGE, instance_name=name
    ).instance_ids
    return instance_id


# ------------------------------------------------------------------ InstanceName
@pytest.mark.parametrize("make", [create, run], ids=["CreateInstance", "RunInstances"])
def test_an_instance_name_is_2_to_128_characters(make: Any) -> None:
    m = model()
    make(m, "a" * 128)
    make(m, "ab")
    assert code_of(lambda: make(m, "a" * 129)) == "InvalidInstanceName.Malformed"
    assert code_of(lambda: make(m, "a")) == "InvalidInstanceName.Malformed"
    assert len(m) == 2


@pytest.mark.parametrize("make", [create, run], ids=["CreateInstance", "RunInstances"])
def test_a_name_may_use_every_allowed_character_at_once(make: Any) -> None:
    m = model()
    instance_id = make(m, NAME_CHARACTERS)
    assert m.describe_instance_attribute(instance_id).instance.instance_name == NAME_CHARACTERS


def test_only_run_instances_takes_the_batch_name_form() -> None:
    m = model()
    assert code_of(lambda: create(m, "web[1,3]")) == "InvalidInstanceName.Malformed"
    instance_id = run(m, "web[1,3]")
    assert m.describe_instance_attribute(instance_id).instance.instance_name == "web001"


# ---------------------------------------------------------------- DeleteInstances
def test_delete_instances_takes_up_to_100_ids() -> None:
    m = model()
    ids = m.create_instances(101, status="Stopped")
    assert code_of(lambda: m.delete_instances(ids)) == "InvalidParameter.TooManyInstanceIds"
    m.delete_instances(ids[:100])
    assert m.instance_ids() == ids[100:]


@pytest.mark.parametrize("token", ["t" * 65, "tökén"])
def test_delete_instances_refuses_a_malformed_client_token(token: str) -> None:
    m = model()
    m.create_instance("i-a", status="Stopped")
    assert code_of(lambda: m.delete_instances(["i-a"], client_token=token)) == (
        "InvalidClientToken.ValueNotSupported"
    )
    assert "i-a" in m


def test_a_refusal_of_the_first_instance_is_its_own_code_not_not_found() -> None:
    m = model()
    m.create_instance("i-first", status="Running")  # position 0
    m.create_instance("i-second", status="Running")
    for ids in (["i-first"], ["i-second"]):
        assert code_of(lambda ids=ids: m.delete_instances(ids)) == "IncorrectInstanceStatus"
    assert code_of(lambda: m.delete_instances(["i-gone"])) == "InvalidInstanceIds.NotFound"


def test_a_batch_with_an_unexpired_subscription_is_refused_whole() -> None:
    m = model()
    m.create_instance("i-sub", status="Stopped", charge_type="PrePaid", expired_time=100.0)
    m.create_instance("i-plain", status="Stopped")
    batch = ["i-plain", "i-sub"]
    assert code_of(lambda: m.delete_instances(batch, terminate_subscription=True)) == (
        "ChargeTypeViolation"
    )
    assert {"i-sub", "i-plain"} <= set(m.instance_ids())


def test_a_batch_release_and_a_fault_on_it_happen_at_the_model_time() -> None:
    m = model()
    seen: list[object] = []
    m.subscribe(seen.append)
    m.create_instances(2, id_prefix="i-run-", status="Running")
    m.advance(250)
    m.delete_instances(["i-run-0"], force=True)
    released = [e for e in seen if isinstance(e, TransitionEvent) and e.dest is None]
    assert [(e.instance_id, e.time) for e in released] == [("i-run-0", 250.0)]
    m.add_fault(FaultRule(kind="throttle", action="DeleteInstances"))
    m.advance(5)
    assert code_of(lambda: m.delete_instances(["i-run-1"], force=True)) == "Throttling"
    (fault,) = [e for e in seen if isinstance(e, FaultEvent)]
    assert fault.time == 255.0


def test_a_replayed_batch_answers_a_request_id_of_its_own() -> None:
    m = model()
    m.create_instance("i-a", status="Stopped")
    first = m.delete_instances(["i-a"], client_token="delete-1")
    again = m.delete_instances(["i-a"], client_token="delete-1")
    assert isinstance(again.request_id, str)
    assert again.request_id != first.request_id
    assert again.to_dict() == {"RequestId": again.request_id}


# ------------------------------------------------------------------- creation
@pytest.mark.parametrize("action", ["RunInstances", "CreateInstance"])
def test_a_fault_on_creation_is_told_with_its_action_time_and_request(action: str) -> None:
    m = model()
    faults: list[FaultEvent] = []
    m.subscribe(lambda e: faults.append(e) if isinstance(e, FaultEvent) else None)
    m.add_fault(FaultRule(kind="throttle", action=action))
    m.advance(7)
    make = run if action == "RunInstances" else create
    with pytest.raises(ApiError) as caught:
        make(m, "web")
    assert caught.value.code.value == "Throttling"
    (fault,) = faults
    assert (fault.action.value, fault.time, fault.request_id) == (
        action,
        7.0,
        caught.value.request_id,
    )
    assert len(m) == 0


def test_min_amount_takes_a_stock_of_exactly_min_amount() -> None:
    m = model()
    m.set_stock(TYPE, 2)
    response = m.run_instances(instance_type=TYPE, image_id=IMAGE, amount=3, min_amount=2)
    assert len(response.instance_ids) == 2


def test_a_price_equal_to_the_balance_is_affordable() -> None:
    m = EcsModel(balance=100)
    m.set_price(TYPE, 50)
    response = m.run_instances(
        instance_type=TYPE, image_id=IMAGE, instance_charge_type="PrePaid", period=2
    )
    assert response.trade_price == 100.0
    # The balance is spent: the next purchase is refused.
    assert code_of(
        lambda: m.run_instances(
            instance_type=TYPE, image_id=IMAGE, instance_charge_type="PrePaid", period=1
        )
    ) == ("InsufficientBalance")


def test_an_account_in_arrears_is_refused_before_stock_and_balance() -> None:
    m = EcsModel(in_arrears=True)
    m.set_stock(TYPE, 0)
    assert code_of(lambda: m.run_instances(instance_type=TYPE, image_id=IMAGE)) == (
        "Account.Arrearage"
    )
    m = EcsModel(balance=10, in_arrears=True)
    m.set_price(TYPE, 100)
    assert code_of(
        lambda: m.create_instance_api(
            instance_type=TYPE, image_id=IMAGE, instance_charge_type="PrePaid", period=1
        )
    ) == ("Account.Arrearage")


# ------------------------------------------------------------------ set_price
@pytest.mark.parametrize("instance_type", ["", 5, None])
def test_set_price_needs_an_instance_type_and_names_it(instance_type: Any) -> None:
    with pytest.raises(InvalidArgument, match=r"^instance_type="):
        model().set_price(instance_type, 1)


def test_set_price_names_a_wrong_period_unit_and_a_wrong_price() -> None:
    with pytest.raises(InvalidArgument, match=r"^period_unit="):
        model().set_price(TYPE, 1, period_unit="Day")
    with pytest.raises(InvalidArgument, match=r"^price="):
        model().set_price(TYPE, "lots")


def test_a_pay_as_you_go_request_costs_nothing_even_with_a_period() -> None:
    # specs/operations/RunInstances.toml: "a PostPaid request's Period is ignored".
    m = EcsModel(balance=10)
    m.set_price(TYPE, 100)
    response = m.run_instances(instance_type=TYPE, image_id=IMAGE, period=3)
    assert response.trade_price == 0.0
    assert response.order_id is None


@pytest.mark.parametrize("instance_type", ["g7.large.x", "ecs.g7", "ecs..large", "ecs.g7."])
def test_an_instance_type_is_ecs_family_size(instance_type: str) -> None:
    m = model()
    assert code_of(lambda: m.run_instances(instance_type=instance_type, image_id=IMAGE)) == (
        "InvalidInstanceType.ValueNotSupported"
    )


@pytest.mark.parametrize("name", ["web[1,3", "web1,3]", "web[x,3]", "web[1,y]"])
def test_only_the_whole_batch_form_numbers_a_name(name: str) -> None:
    m = model()
    ids = m.run_instances(instance_type=TYPE, image_id=IMAGE, instance_name=name, amount=2)
    names = {m.describe_instance_attribute(i).instance.instance_name for i in ids.instance_ids}
    assert names == {name}


def test_a_unique_suffix_numbers_only_several_instances() -> None:
    m = model()
    (single,) = m.run_instances(
        instance_type=TYPE, image_id=IMAGE, instance_name="web", unique_suffix=True
    ).instance_ids
    assert m.describe_instance_attribute(single).instance.instance_name == "web"


def test_a_launch_template_name_stands_in_for_the_image() -> None:
    m = model()
    m.run_instances(instance_type=TYPE, launch_template_name="web-template")
    assert len(m) == 1


def test_create_instance_answers_its_order_and_price() -> None:
    m = EcsModel(balance=1000)
    m.set_price(TYPE, 25)
    response = m.create_instance_api(
        instance_type=TYPE, image_id=IMAGE, instance_charge_type="PrePaid", period=2
    )
    assert response.trade_price == 50.0
    assert response.order_id is not None
    assert len(response.order_id) == 12
    assert response.to_dict()["OrderId"] == response.order_id


# ------------------------------------------------------------------- renewal
@pytest.mark.parametrize("kind", ["throttle", "lost_response"])
def test_a_fault_on_a_renewal_is_told_with_its_instance_time_and_request(kind: str) -> None:
    m = model()
    m.create_instance("i-sub", status="Running", charge_type="PrePaid")
    faults: list[FaultEvent] = []
    m.subscribe(lambda e: faults.append(e) if isinstance(e, FaultEvent) else None)
    m.add_fault(FaultRule(kind=kind, action="RenewInstance", instance_ids=["i-sub"]))
    m.advance(9)
    with pytest.raises(ApiError) as caught:
        m.renew_instance("i-sub", period=1)
    (fault,) = faults
    assert (fault.instance_id, fault.time, fault.request_id) == (
        "i-sub",
        9.0,
        caught.value.request_id,
    )


def test_a_client_token_of_64_ascii_characters_is_accepted() -> None:
    m = model()
    m.create_instance("i-a", status="Stopped")
    m.delete_instances(["i-a"], client_token="t" * 64)
    first = m.run_instances(instance_type=TYPE, image_id=IMAGE, client_token="r" * 64)
    assert len(first.instance_ids) == 1


def test_min_amount_may_equal_amount() -> None:
    m = model()
    response = m.run_instances(instance_type=TYPE, image_id=IMAGE, amount=2, min_amount=2)
    assert len(response.instance_ids) == 2


def test_a_subscription_bought_in_november_ends_in_december() -> None:
    m = model()
    m.advance((304 + 29) * 86400)  # 2026-11-30
    (instance_id,) = m.run_instances(
        instance_type=TYPE, image_id=IMAGE, instance_charge_type="PrePaid", period=1
    ).instance_ids
    assert m.describe_instance_attribute(instance_id).instance.expired_time == "2026-12-30T00:00Z"
