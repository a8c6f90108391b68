"""``lifecycle.testing`` values: conditions, fleets, worlds, requests and outcomes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis.vendor.pretty import pretty

import lifecycle
from lifecycle import (
    ApiError,
    ChargeType,
    Durations,
    EcsModel,
    ErrorCode,
    InstanceStatus,
    InvalidArgument,
    ManualClock,
)
from lifecycle.testing import (
    AccountCondition,
    Fleet,
    InstanceCondition,
    Outcome,
    Request,
    World,
)

NAMESPACE = {
    "AccountCondition": AccountCondition,
    "Fleet": Fleet,
    "InstanceCondition": InstanceCondition,
    "Request": Request,
    "World": World,
}

LOCKED_D1 = InstanceCondition(
    status="Running",
    instance_type="ecs.d1.2xlarge",
    charge_type="PrePaid",
    expired_time=50,
    security_locked=True,
    local_disk_abnormal=True,
)


# -- conditions ---------------------------------------------------------------


def test_a_condition_normalises_names_to_enums_and_resolves_its_family() -> None:
    assert LOCKED_D1.status is InstanceStatus.RUNNING
    assert LOCKED_D1.charge_type is ChargeType.PREPAID
    assert LOCKED_D1.expired_time == 50.0
    assert LOCKED_D1.family == "d1"
    assert LOCKED_D1.local_disks  # the d1 family has local disks by default
    assert not InstanceCondition().local_disks


def test_a_condition_prints_as_the_code_that_builds_it() -> None:
    assert repr(InstanceCondition()) == "InstanceCondition()"
    for value in (
        LOCKED_D1,
        AccountCondition(balance="1.50", minimum_start_balance=2, in_arrears=True),
        Fleet(instances={"i-1": LOCKED_D1}, account=AccountCondition(balance=0), seed=3),
        World(fleets=[Fleet(name="a"), Fleet(name="b")], start_time=5),
        Request("StopInstance", {"InstanceId": "i-1", "ForceStop": "true"}),
    ):
        assert eval(repr(value), NAMESPACE) == value


def test_hypothesis_prints_conditions_with_their_short_repr() -> None:
    assert pretty(LOCKED_D1) == repr(LOCKED_D1)
    assert pretty(Request("StartInstance")) == "Request('StartInstance', {})"


def test_expiry_is_at_or_after_the_subscription_end() -> None:
    assert not LOCKED_D1.expired(49.9)
    assert LOCKED_D1.expired(50.0)
    assert not InstanceCondition().expired(1e9)


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"status": "Sleeping"}, "status='Sleeping'"),
        ({"charge_type": "Free"}, "charge_type='Free'"),
        ({"instance_type": ""}, "instance_type=''"),
        ({"security_locked": "yes"}, "security_locked='yes'"),
        ({"has_local_disk": 1}, "has_local_disk=1"),
        ({"local_disk_abnormal": True}, "has no local disk"),
        ({"expired_time": 5.0}, "only for PrePaid"),
        ({"charge_type": "PrePaid", "expired_time": "soon"}, "expired_time='soon'"),
        ({"charge_type": "PrePaid", "expired_time": float("nan")}, "expired_time=nan"),
    ],
)
def test_an_impossible_condition_is_refused_naming_the_argument(
    kwargs: dict[str, object], complaint: str
) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        InstanceCondition(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"balance": 1.5}, "balance=1.5"),
        ({"balance": True}, "balance=True"),
        ({"balance": "lots"}, "not a decimal"),
        ({"minimum_start_balance": "Infinity"}, "finite"),
        ({"in_arrears": None}, "in_arrears=None"),
    ],
)
def test_an_impossible_account_is_refused(kwargs: dict[str, object], complaint: str) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        AccountCondition(**kwargs)  # type: ignore[arg-type]


def test_an_account_is_short_of_balance_only_below_the_minimum() -> None:
    assert AccountCondition(balance=5, minimum_start_balance=6).balance_low
    assert not AccountCondition(balance=6, minimum_start_balance=6).balance_low
    assert AccountCondition().model_kwargs() == {
        "balance": Decimal(100),
        "minimum_start_balance": Decimal(0),
        "in_arrears": False,
    }


# -- fleets and worlds --------------------------------------------------------


def test_a_fleet_builds_a_model_in_exactly_its_condition() -> None:
    fleet = Fleet(
        instances=[
            ("i-a", LOCKED_D1),
            ("i-b", InstanceCondition(status="Stopped", cloud_disk_abnormal=True)),
        ],
        account=AccountCondition(balance=5, minimum_start_balance=10, in_arrears=True),
        seed=9,
    )
    model = fleet.build(durations=Durations.immediate())
    assert model.instance_ids() == ["i-a", "i-b"] == list(fleet.instance_ids)
    assert len(fleet) == 2
    assert [pair[0] for pair in fleet] == ["i-a", "i-b"]
    a, b = model.instance("i-a"), model.instance("i-b")
    assert (a.status, a.charge_type, a.expired_time) == (
        InstanceStatus.RUNNING,
        ChargeType.PREPAID,
        50.0,
    )
    assert a.lock_reasons == ("security",)
    assert a.local_disk_abnormal
    assert not a.cloud_disk_abnormal
    assert b.cloud_disk_abnormal
    assert model.account == lifecycle.AccountView(
        balance=Decimal(5), minimum_start_balance=Decimal(10), in_arrears=True
    )
    assert fleet.condition("i-b").cloud_disk_abnormal
    # The same fleet and seed give the same request ids.
    again = fleet.build(durations=Durations.immediate())
    with pytest.raises(ApiError) as first:
        model.start_instance("i-b")
    with pytest.raises(ApiError) as second:
        again.start_instance("i-b")
    assert first.value.request_id == second.value.request_id
    assert first.value.code is ErrorCode.INSTANCE_EXPIRED  # PostPaid, account in arrears


def test_a_fleet_built_later_keeps_its_absolute_expiry() -> None:
    fleet = Fleet(instances={"i-1": LOCKED_D1})
    model = fleet.build(clock=ManualClock(100.0))
    assert model.instance("i-1").expired_time == 50.0


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"instances": [("i-1", "Running")]}, "not an \\(instance_id, InstanceCondition\\)"),
        ({"instances": [("", InstanceCondition())]}, "empty or repeated"),
        (
            {"instances": [("i-1", InstanceCondition()), ("i-1", InstanceCondition())]},
            "empty or repeated",
        ),
        ({"account": {"balance": 1}}, "expected an AccountCondition"),
        ({"seed": "1"}, "seed='1'"),
        ({"name": 1}, "name=1"),
    ],
)
def test_a_malformed_fleet_is_refused(kwargs: dict[str, object], complaint: str) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        Fleet(**kwargs)  # type: ignore[arg-type]


def test_an_unknown_instance_of_a_fleet_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="not in this fleet"):
        Fleet().condition("i-nowhere")


def test_a_world_builds_one_model_per_account_on_one_clock() -> None:
    world = World(
        fleets=[
            Fleet(instances={"i-1": InstanceCondition(status="Pending")}, name="a"),
            Fleet(instances={"i-2": InstanceCondition(status="Stopping")}, name="b"),
        ],
        start_time=10,
    )
    models = world.build(durations=Durations.immediate())
    assert sorted(models) == ["a", "b"]
    assert models["a"].clock is models["b"].clock
    assert models["a"].now == 10.0
    assert models["a"].status("i-1") is models["b"].status("i-2") is InstanceStatus.STOPPED
    shared = ManualClock(3)
    assert world.build(clock=shared)["a"].clock is shared


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"fleets": [Fleet(), Fleet()]}, "repeat"),
        ({"fleets": ["fleet"]}, "expected Fleet values"),
        ({"start_time": float("inf")}, "start_time=inf"),
        ({"start_time": True}, "start_time=True"),
    ],
)
def test_a_malformed_world_is_refused(kwargs: dict[str, object], complaint: str) -> None:
    with pytest.raises(InvalidArgument, match=complaint):
        World(**kwargs)  # type: ignore[arg-type]


# -- requests and outcomes ----------------------------------------------------


def test_a_request_drops_absent_parameters_and_unpacks_as_a_call() -> None:
    request = Request("StartInstance", {"InstanceId": "i-1", "DryRun": None})
    action, params = request
    assert action is lifecycle.Action.START_INSTANCE
    assert params == {"InstanceId": "i-1"}
    assert request.instance_id == "i-1"
    assert Request("StartInstance", {"InstanceId": ""}).instance_id is None
    assert hash(request) == hash(Request("StartInstance", {"InstanceId": "i-1"}))
    model = EcsModel()
    model.create_instance("i-1", status="Stopped")
    assert request.send(model).request_id


def test_a_malformed_request_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="unknown"):
        Request("TerminateInstance")
    with pytest.raises(InvalidArgument, match="expected a mapping"):
        Request("StartInstance", ["i-1"])  # type: ignore[arg-type]


def test_an_outcome_reads_model_answers_and_sdk_shaped_ones() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Running")
    refused = Outcome.of(lambda: model.start_instance("i-1"))
    entry = lifecycle.error_table("StartInstance")[ErrorCode.INCORRECT_INSTANCE_STATUS]
    assert refused == Outcome.error(ErrorCode.INCORRECT_INSTANCE_STATUS, entry.http_status)
    assert (refused.label, str(refused)) == (
        ErrorCode.INCORRECT_INSTANCE_STATUS.value,
        f"{entry.http_status} {ErrorCode.INCORRECT_INSTANCE_STATUS.value}",
    )
    assert not refused.ok
    done = Outcome.of(lambda: model.stop_instance("i-1"))
    assert done.ok
    assert done.body == {}  # the RequestId is dropped: no two answerers share it
    assert (done.label, str(done)) == ("Success", "Success")
    listed = Outcome.of(lambda: model.describe_instance_status(["i-1"]))
    assert listed.body is not None
    assert "RequestId" not in listed.body
    assert listed.body["TotalCount"] == 1


THROTTLING, DISK = ErrorCode.THROTTLING, ErrorCode.DISK_ERROR


class SdkError(Exception):
    def __init__(self, code: object, status_code: object = None) -> None:
        super().__init__(code)
        self.code = code
        self.status_code = status_code


def test_an_outcome_reads_exceptions_bodies_and_timeouts() -> None:
    def raise_(error: BaseException) -> object:
        raise error

    assert Outcome.of(lambda: raise_(SdkError(THROTTLING, 400))) == Outcome.error(THROTTLING, 400)
    assert Outcome.of(lambda: raise_(SdkError(THROTTLING, "400"))).http_status is None
    assert Outcome.of(lambda: raise_(TimeoutError())).unknown
    assert Outcome.of(lambda: {"Code": DISK.value, "HttpStatus": 403}) == Outcome.error(DISK, 403)
    assert Outcome.of(lambda: {"RequestId": "x"}).ok
    assert Outcome.of(lambda: None).ok
    with pytest.raises(ZeroDivisionError):
        Outcome.of(lambda: 1 / 0)
    with pytest.raises(SdkError):
        Outcome.of(lambda: raise_(SdkError(None)))
    with pytest.raises(InvalidArgument, match="cannot read an outcome"):
        Outcome.of(lambda: 42)
    with pytest.raises(InvalidArgument, match="expected an error code"):
        Outcome.error("")


def test_outcomes_agree_when_the_documents_would_not_tell_them_apart() -> None:
    assert Outcome.error(DISK).agrees_with(Outcome.error(DISK, 403))
    assert not Outcome.error(DISK, 400).agrees_with(Outcome.error(DISK, 403))
    assert not Outcome.error(DISK).agrees_with(Outcome.success())
    assert Outcome.success({"A": 1, "RequestId": "x"}).agrees_with(Outcome.success({"A": 1}))
    assert not Outcome.success({"A": 1}).agrees_with(Outcome.success({"A": 2}))
    assert Outcome.success().agrees_with(Outcome.success({"A": 2}))
    assert Outcome.timeout().agrees_with(Outcome.timeout())
    assert not Outcome.timeout().agrees_with(Outcome.success())
    assert Outcome.timeout().label == "Unknown"
