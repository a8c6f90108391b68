"""``EcsModel``: set-up, time, subscriptions, faults, describe, ``call`` and threads."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest

import lifecycle
from lifecycle import (
    ApiError,
    DataLossCause,
    Durations,
    EcsModel,
    ErrorCode,
    Event,
    Fixed,
    InstanceStatus,
    InvalidArgument,
    ManualClock,
    TransitionEvent,
    Uniform,
)

REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


def only_transitions(events: list[TransitionEvent]) -> Callable[[Event], None]:
    """A subscriber that records transitions and fails on any fault event."""

    def record(event: Event) -> None:
        assert isinstance(event, TransitionEvent), f"no fault was injected, got {event}"
        events.append(event)

    return record


def transitions(model: EcsModel) -> list[TransitionEvent]:
    """Subscribe to ``model`` and return the list its transitions are appended to."""
    events: list[TransitionEvent] = []
    model.subscribe(only_transitions(events))
    return events


def running(model: EcsModel, instance_id: str = "i-1", **kwargs: object) -> str:
    return model.create_instance(instance_id, status="Running", **kwargs)  # type: ignore[arg-type]


# -- creation ---------------------------------------------------------------


def test_a_created_instance_is_pending_until_creation_completes_then_stopped() -> None:
    model = EcsModel(durations=Durations(pending=Fixed(10)))
    model.create_instance("i-1")
    assert model.status("i-1") is InstanceStatus.PENDING
    assert model.instance("i-1").settles_at == 10.0
    model.advance(9.5)
    assert model.status("i-1") is InstanceStatus.PENDING
    model.advance(0.5)
    assert model.status("i-1") is InstanceStatus.STOPPED
    assert model.instance("i-1").settles_at is None


def test_generated_instance_ids_look_like_ecs_ids_and_follow_the_seed() -> None:
    first = [EcsModel(seed=5).create_instance() for _ in range(3)]
    again = [EcsModel(seed=5).create_instance() for _ in range(3)]
    other = EcsModel(seed=6).create_instance()
    assert first == again
    assert other != first[0]
    assert all(re.fullmatch(r"i-[a-z0-9]{20}", i) for i in first)


def test_duplicate_ids_are_refused() -> None:
    model = EcsModel()
    model.create_instance("i-1")
    with pytest.raises(InvalidArgument, match="already exists"):
        model.create_instance("i-1")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"instance_id": 7}, "instance_id=7"),
        ({"instance_id": ""}, "non-empty"),
        ({"status": "Booting"}, "status='Booting'"),
        ({"charge_type": "Free"}, "charge_type='Free'"),
        ({"instance_type": ""}, "instance_type"),
        ({"expired_time": 5.0}, "only for PrePaid"),
        ({"charge_type": "PrePaid", "expired_time": "soon"}, "expired_time='soon'"),
        ({"local_disk_abnormal": True}, "has_local_disk=True"),
        ({"security_locked": "yes"}, "security_locked='yes'"),
    ],
)
def test_impossible_instances_get_a_message_that_says_what_to_fix(
    kwargs: dict[str, object], fragment: str
) -> None:
    model = EcsModel()
    with pytest.raises(InvalidArgument, match=re.escape(fragment)):
        model.create_instance(**kwargs)  # type: ignore[arg-type]
    assert len(model) == 0


def test_prepaid_instances_expire_thirty_days_after_creation_by_default() -> None:
    model = EcsModel(clock=ManualClock(100.0))
    model.create_instance("i-1", charge_type="PrePaid", status="Stopped")
    view = model.instance("i-1")
    assert view.charge_type is lifecycle.ChargeType.PREPAID
    assert view.expired_time == 100.0 + 30 * 86400


def test_local_disks_default_to_the_init_local_disk_families() -> None:
    model = EcsModel()
    model.create_instance("i-d1", instance_type="ecs.d1.2xlarge")
    model.create_instance("i-g7", instance_type="ecs.g7.large")
    assert model.instance("i-d1").has_local_disk
    assert model.instance("i-d1").family == "d1"
    assert not model.instance("i-g7").has_local_disk


# -- time -------------------------------------------------------------------


def test_immediate_durations_reach_end_states_within_the_call() -> None:
    model = EcsModel(durations=Durations.immediate())
    model.create_instance("i-1")
    assert model.status("i-1") is InstanceStatus.STOPPED
    model.start_instance("i-1")
    assert model.status("i-1") is InstanceStatus.RUNNING
    model.stop_instance("i-1")
    assert model.status("i-1") is InstanceStatus.STOPPED


def test_drawn_durations_are_reproducible_from_the_seed() -> None:
    def settle_times(seed: int) -> list[float | None]:
        model = EcsModel(seed=seed, durations=Durations(pending=Uniform(10, 20)))
        for n in range(5):
            model.create_instance(f"i-{n}")
        return [model.instance(f"i-{n}").settles_at for n in range(5)]

    assert settle_times(1) == settle_times(1)
    assert settle_times(1) != settle_times(2)
    assert all(t is not None and 10 <= t <= 20 for t in settle_times(1))


def test_changing_durations_does_not_change_request_ids() -> None:
    ids = []
    for durations in (Durations(), Durations(pending=Uniform(1, 2))):
        model = EcsModel(seed=9, durations=durations)
        model.create_instance("i-1")
        with pytest.raises(ApiError) as caught:
            model.start_instance("i-nope")
        ids.append(caught.value.request_id)
    assert ids[0] == ids[1]


def test_a_shared_clock_settles_each_model_on_its_next_call_stamped_when_due() -> None:
    clock = ManualClock()
    model = EcsModel(clock=clock, durations=Durations(pending=Fixed(5)))
    events = transitions(model)
    model.create_instance("i-1")
    clock.advance(60)
    assert len(events) == 1  # nothing noticed yet: the model was not called
    model.settle()
    assert events[-1].dest is InstanceStatus.STOPPED
    assert events[-1].time == 5.0


def test_advance_needs_a_manual_clock() -> None:
    class WallLike:
        def now(self) -> float:
            return 42.0

    model = EcsModel(clock=WallLike())
    assert model.now == 42.0
    with pytest.raises(InvalidArgument, match="ManualClock"):
        model.advance(1)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "5", True])
def test_clocks_only_move_forward_by_finite_numbers(bad: object) -> None:
    with pytest.raises(InvalidArgument):
        ManualClock().advance(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Fixed(-1),
        lambda: Uniform(5, 1),
        lambda: lifecycle.Exponential(0),
        lambda: Fixed(float("nan")),
        lambda: Durations(pending=5),  # type: ignore[arg-type]
    ],
)
def test_impossible_durations_are_refused(make: object) -> None:
    with pytest.raises(InvalidArgument):
        make()  # type: ignore[operator]


def test_exponential_durations_are_positive_and_seeded() -> None:
    def waits(seed: int) -> list[float]:
        """How long each of 200 reboots stays Starting."""
        model = EcsModel(seed=seed, durations=Durations(starting=lifecycle.Exponential(30)))
        running(model)
        drawn = []
        for _ in range(200):
            model.reboot_instance("i-1")
            settles = model.instance("i-1").settles_at
            assert settles is not None
            drawn.append(settles - model.now)
            model.advance(drawn[-1] + 1)
            assert model.status("i-1") is InstanceStatus.RUNNING
        return drawn

    drawn = waits(2)
    assert min(drawn) > 0
    assert waits(2) == drawn  # seeded: the same seed draws the same waits
    assert waits(3) != drawn
    # Drawn, not fixed: an exponential with mean 30 (seed 2's 200 draws are fixed numbers,
    # so these bounds are not a matter of luck; the standard error is about 2).
    assert len(set(drawn)) == len(drawn)
    assert 24 < sum(drawn) / len(drawn) < 36
    assert max(drawn) > 60  # the long tail: P(all 200 under 2 means) is about 1e-13


@pytest.mark.parametrize(
    "kwargs",
    [{"seed": "1"}, {"clock": object()}, {"durations": object()}, {"balance": "lots"}],
)
def test_model_construction_validates_its_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        EcsModel(**kwargs)  # type: ignore[arg-type]


# -- subscriptions ----------------------------------------------------------


def test_subscribers_see_every_transition_with_its_cause_and_request_id() -> None:
    model = EcsModel(seed=4, durations=Durations(starting=Fixed(20)))
    events: list[TransitionEvent] = []
    unsubscribe = model.subscribe(only_transitions(events))
    running(model)
    response = model.reboot_instance("i-1", force_stop=True)
    model.advance(20)
    assert [(e.source, e.dest, e.cause) for e in events] == [
        (None, InstanceStatus.RUNNING, "create"),
        (InstanceStatus.RUNNING, InstanceStatus.STARTING, "reboot"),
        (InstanceStatus.STARTING, InstanceStatus.RUNNING, "finish_starting"),
    ]
    assert events[1].request_id == events[2].request_id == response.request_id
    assert events[1].data_loss is DataLossCause.FORCE_STOP
    assert events[2].time == 20.0
    unsubscribe()
    unsubscribe()  # twice is harmless
    model.stop_instance("i-1")
    assert len(events) == 3


def test_a_subscriber_must_be_callable() -> None:
    with pytest.raises(InvalidArgument):
        EcsModel().subscribe("print")  # type: ignore[arg-type]


# -- faults -----------------------------------------------------------------


def test_lock_and_unlock_toggle_the_security_lock() -> None:
    model = EcsModel()
    running(model)
    model.lock("i-1")
    assert model.instance("i-1").lock_reasons == ("security",)
    assert model.check("RebootInstance", "i-1") is ErrorCode.INSTANCE_LOCKED_FOR_SECURITY
    model.unlock("i-1")
    assert model.instance("i-1").lock_reasons == ()
    assert model.check("RebootInstance", "i-1") is None


def test_only_the_security_lock_reason_is_modelled() -> None:
    model = EcsModel()
    running(model)
    with pytest.raises(InvalidArgument, match="financial"):
        model.lock("i-1", reason="financial")


def test_disk_faults_can_be_set_and_cleared() -> None:
    model = EcsModel()
    running(model, instance_type="ecs.d1.2xlarge")
    model.set_disk_abnormal("i-1", "local")
    assert model.instance("i-1").local_disk_abnormal
    assert model.check("StopInstance", "i-1") is ErrorCode.DISK_ERROR
    model.set_disk_abnormal("i-1", "local", abnormal=False)
    model.set_disk_abnormal("i-1")
    assert model.instance("i-1").cloud_disk_abnormal
    assert not model.instance("i-1").local_disk_abnormal


def test_local_disk_faults_need_a_local_disk() -> None:
    model = EcsModel()
    running(model)
    with pytest.raises(InvalidArgument, match="no local disk"):
        model.set_disk_abnormal("i-1", "local")
    with pytest.raises(InvalidArgument, match="kind='tape'"):
        model.set_disk_abnormal("i-1", "tape")


def test_expiry_follows_the_models_clock() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Stopped", charge_type="PrePaid", expired_time=100)
    assert model.check("StartInstance", "i-1") is None
    model.advance(100)
    assert model.check("StartInstance", "i-1") is ErrorCode.INSTANCE_EXPIRED
    model.set_expired_time("i-1", 1000)
    assert model.check("StartInstance", "i-1") is None


def test_expiry_is_only_for_prepaid_instances() -> None:
    model = EcsModel()
    running(model)
    with pytest.raises(InvalidArgument, match="set_in_arrears"):
        model.set_expired_time("i-1", 5)


def test_account_settings_decide_balance_and_arrears() -> None:
    model = EcsModel(balance=10)
    model.create_instance("i-1", status="Stopped")
    model.set_minimum_start_balance("10.01")
    assert model.check("StartInstance", "i-1") is ErrorCode.INSUFFICIENT_BALANCE
    model.set_balance(Decimal("10.01"))
    assert model.check("StartInstance", "i-1") is None
    model.set_in_arrears()
    assert model.check("StartInstance", "i-1") is ErrorCode.INSTANCE_EXPIRED
    assert model.account == lifecycle.AccountView(
        balance=Decimal("10.01"), minimum_start_balance=Decimal("10.01"), in_arrears=True
    )
    model.set_in_arrears(False)
    model.set_balance(12.5)
    assert model.account.balance == Decimal("12.5")


@pytest.mark.parametrize("bad", [True, None, float("inf"), "ten", [1]])
def test_amounts_must_be_finite_numbers(bad: object) -> None:
    with pytest.raises(InvalidArgument):
        EcsModel().set_balance(bad)  # type: ignore[arg-type]


def test_injected_errors_answer_the_next_calls_and_change_nothing() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Stopped")
    model.inject_internal_error("StartInstance", count=2)
    for _ in range(2):
        with pytest.raises(ApiError) as caught:
            model.start_instance("i-1")
        assert (caught.value.code, caught.value.http_status) == (ErrorCode.INTERNAL_ERROR, 500)
        assert model.status("i-1") is InstanceStatus.STOPPED
    assert model.injected_errors() == {}
    model.start_instance("i-1")
    assert model.status("i-1") is InstanceStatus.STARTING


def test_malformed_calls_do_not_consume_an_injected_error() -> None:
    model = EcsModel()
    model.inject_internal_error("StartInstance")
    with pytest.raises(ApiError, match="MissingParameter"):
        model.start_instance("")
    assert model.injected_errors() == {lifecycle.Action.START_INSTANCE: 1}
    model.inject_internal_error("StartInstance", 0)
    assert model.injected_errors() == {}


@pytest.mark.parametrize(("action", "count"), [("Teleport", 1), ("StartInstance", -1)])
def test_injections_are_validated(action: str, count: int) -> None:
    with pytest.raises(InvalidArgument):
        EcsModel().inject_internal_error(action, count)


def test_fault_methods_refuse_unknown_instances() -> None:
    model = EcsModel()
    for call in (
        lambda: model.lock("i-x"),
        lambda: model.set_disk_abnormal("i-x"),
        lambda: model.instance("i-x"),
        lambda: model.status("i-x"),
    ):
        with pytest.raises(InvalidArgument, match="no such instance"):
            call()


# -- actions ----------------------------------------------------------------


def test_request_ids_have_the_documented_shape_and_follow_the_seed() -> None:
    def ids(seed: int) -> list[str]:
        model = EcsModel(seed=seed, durations=Durations.immediate())
        model.create_instance("i-1")
        return [model.start_instance("i-1").request_id, model.stop_instance("i-1").request_id]

    assert ids(1) == ids(1)
    assert ids(1) != ids(2)
    assert all(REQUEST_ID.match(i) for i in ids(1))


def test_stopped_mode_is_recorded_and_cleared_by_the_next_start() -> None:
    model = EcsModel(durations=Durations.immediate())
    running(model)
    model.stop_instance("i-1", stopped_mode="StopCharging")
    assert model.instance("i-1").stopped_mode is lifecycle.StoppedMode.STOP_CHARGING
    model.start_instance("i-1")
    assert model.instance("i-1").stopped_mode is None
    model.stop_instance("i-1", stopped_mode=lifecycle.StoppedMode.KEEP_CHARGING)
    assert model.instance("i-1").stopped_mode is lifecycle.StoppedMode.KEEP_CHARGING


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.start_instance("i-1", dry_run=1),
        lambda m: m.start_instance(42),
        lambda m: m.reboot_instance("i-1", force_stop=[]),
        lambda m: m.stop_instance("i-1", stopped_mode=3),
        lambda m: m.describe_instance_status("i-1"),
        lambda m: m.describe_instance_status([1]),
        lambda m: m.describe_instance_status(page_size=2.5),
        lambda m: m.describe_instance_status(page_number=True),
        lambda m: m.describe_instance_status(region_id=5),
        lambda m: m.check("DescribeInstanceStatus", "i-1"),
    ],
)
def test_wrong_python_types_get_invalid_argument_and_change_nothing(call: object) -> None:
    model = EcsModel()
    running(model)
    before = model.instance("i-1")
    with pytest.raises(InvalidArgument):
        call(model)  # type: ignore[operator]
    assert model.instance("i-1") == before


def test_a_successful_call_returns_only_a_request_id() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Stopped")
    response = model.start_instance("i-1")
    assert response.to_dict() == {"RequestId": response.request_id}


# -- describe ---------------------------------------------------------------


def test_describe_lists_in_creation_order_and_pages() -> None:
    model = EcsModel()
    for n in range(25):
        model.create_instance(f"i-{n:02d}", status="Running")
    page = model.describe_instance_status(page_number=3, page_size="10")
    assert page.total_count == 25
    assert [item.instance_id for item in page.instance_statuses] == [
        f"i-{n:02d}" for n in range(20, 25)
    ]
    beyond = model.describe_instance_status(page_number=4)
    assert beyond.instance_statuses == ()


def test_describe_filters_by_id_drops_unknown_and_duplicate_ids() -> None:
    model = EcsModel()
    model.create_instance("i-a", status="Running")
    model.create_instance("i-b", status="Stopped")
    body = model.describe_instance_status(["i-b", "i-zzz", "i-a", "i-b"]).to_dict()
    assert body["TotalCount"] == 2
    assert body["InstanceStatuses"] == {
        "InstanceStatus": [
            {"InstanceId": "i-a", "Status": "Running"},
            {"InstanceId": "i-b", "Status": "Stopped"},
        ]
    }


def test_describe_refuses_more_than_100_ids() -> None:
    with pytest.raises(ApiError) as caught:
        EcsModel().describe_instance_status([f"i-{n}" for n in range(101)])
    assert caught.value.code is ErrorCode.TOO_MANY_INSTANCE_IDS
    assert caught.value.http_status == 403


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"page_number": 0}, "PageNumber"),
        ({"page_number": "x"}, "PageNumber"),
        ({"page_size": 0}, "PageSize"),
        ({"page_size": "51"}, "PageSize"),
        # More digits than Python converts to an int: still a documented answer.
        ({"page_number": "9" * 5000}, "PageNumber"),
    ],
)
def test_describe_paging_values_are_validated(kwargs: dict[str, object], parameter: str) -> None:
    with pytest.raises(ApiError) as caught:
        EcsModel().describe_instance_status(**kwargs)  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.INVALID_PARAMETER
    assert parameter in caught.value.message


def test_describe_can_be_failed_by_injection() -> None:
    model = EcsModel()
    model.inject_internal_error("DescribeInstanceStatus")
    with pytest.raises(ApiError, match="InternalError"):
        model.describe_instance_status()


# -- call -------------------------------------------------------------------


def test_call_maps_documented_names_and_numbered_lists() -> None:
    model = EcsModel()
    model.create_instance("i-a", status="Running")
    model.create_instance("i-b", status="Running")
    response = model.call(
        "DescribeInstanceStatus",
        {"InstanceId.2": "i-b", "InstanceId.1": "i-a", "PageSize": "1", "RegionId": "cn-x"},
    )
    assert isinstance(response, lifecycle.DescribeInstanceStatusResponse)
    assert [i.instance_id for i in response.instance_statuses] == ["i-a"]
    assert response.total_count == 2
    listed = model.call("DescribeInstanceStatus", {"InstanceId": ["i-b"]})
    assert isinstance(listed, lifecycle.DescribeInstanceStatusResponse)
    assert listed.total_count == 1
    model.call("StopInstance", {"InstanceId": "i-a", "ForceStop": None})
    assert model.status("i-a") is InstanceStatus.STOPPING


@pytest.mark.parametrize(
    ("action", "params", "fragment"),
    [
        ("Explode", {}, "unknown"),
        ("StartInstance", {"Force": "true"}, "'Force' is not a parameter of StartInstance"),
        ("StartInstance", {"InstanceId.1": "i-a"}, "not a parameter"),
        ("DescribeInstanceStatus", {"InstanceId.x": "i-a"}, "InstanceId.N"),
        ("DescribeInstanceStatus", {"InstanceId.0": "i-a"}, "InstanceId.N"),
    ],
)
def test_call_refuses_unknown_actions_and_parameters(
    action: str, params: dict[str, object], fragment: str
) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(fragment)):
        EcsModel().call(action, params)


def test_repr_names_the_seed_and_size() -> None:
    model = EcsModel(seed=3)
    model.create_instance("i-1")
    assert repr(model) == "EcsModel(seed=3, instances=1, now=0.0)"
    assert "i-1" in model
    assert model.instance_ids() == ["i-1"]
    assert repr(model.clock) == "ManualClock(now=0.0)"


# -- threads ----------------------------------------------------------------


def test_concurrent_callers_never_start_an_instance_twice() -> None:
    """Many threads race to start and stop the same instances; every success is a real move."""
    model = EcsModel(durations=Durations.immediate())
    ids = [model.create_instance(f"i-{n}") for n in range(8)]
    events = transitions(model)
    successes: list[str] = []
    barrier = threading.Barrier(8)

    def worker(worker_id: int) -> None:
        barrier.wait()
        for round_ in range(300):
            instance_id = ids[(worker_id + round_) % len(ids)]
            try:
                if round_ % 2:
                    model.stop_instance(instance_id)
                    successes.append("stop")
                else:
                    model.start_instance(instance_id)
                    successes.append("start")
            except ApiError as error:
                assert error.code is ErrorCode.INCORRECT_INSTANCE_STATUS

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each success produced exactly its two transitions, and every instance's
    # event chain is consistent: each event leaves the status the previous one entered.
    assert len(events) == 2 * len(successes)
    last: dict[str, InstanceStatus | None] = {}
    for event in events:
        assert last.get(event.instance_id, InstanceStatus.STOPPED) == event.source
        last[event.instance_id] = event.dest
    for instance_id in ids:
        assert model.status(instance_id) == last.get(instance_id, InstanceStatus.STOPPED)


@pytest.mark.parametrize(
    "call",
    [
        lambda: EcsModel().check("Foo", "i-1"),
        lambda: EcsModel().check("StartInstance", 5),  # type: ignore[arg-type]
        lambda: lifecycle.error_table("Foo"),
        lambda: lifecycle.precedence("Foo"),
    ],
)
def test_unknown_actions_and_mistyped_ids_in_queries_are_invalid_arguments(call: object) -> None:
    with pytest.raises(InvalidArgument):
        call()  # type: ignore[operator]


def test_check_answers_not_found_without_drawing_a_request_id() -> None:
    model, twin = EcsModel(seed=1), EcsModel(seed=1)
    assert model.check("StartInstance", "i-x") is ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
    assert model.check("StopInstance", "") is ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
    ids = []
    for each in (model, twin):
        with pytest.raises(ApiError) as caught:
            each.start_instance("i-x")
        ids.append(caught.value.request_id)
    assert ids[0] == ids[1]


def test_generated_ids_skip_ids_already_taken() -> None:
    taken = EcsModel(seed=8).create_instance()
    model = EcsModel(seed=8)
    model.create_instance(taken)
    generated = model.create_instance()
    assert generated != taken
    assert len(model) == 2


def test_a_call_settles_what_fell_due_on_a_shared_clock_before_deciding() -> None:
    clock = ManualClock()
    model = EcsModel(clock=clock, durations=Durations(pending=Fixed(5)))
    model.create_instance("i-1")
    clock.advance(5)
    model.start_instance("i-1")  # Pending ended at t=5, so this is a start from Stopped
    assert model.status("i-1") is InstanceStatus.STARTING


def test_responses_are_immutable_values() -> None:
    response = lifecycle.ActionResponse(request_id="C0003E8B-B930-4F59-ADC0-0E2000000000")
    same = lifecycle.ActionResponse(request_id="C0003E8B-B930-4F59-ADC0-0E2000000000")
    assert response == same
    assert hash(response) == hash(same)
    assert response != "C0003E8B-B930-4F59-ADC0-0E2000000000"
    with pytest.raises(AttributeError, match="immutable"):
        response.request_id = "x"  # type: ignore[misc]


def test_fixed_durations_sample_their_value() -> None:
    assert Fixed(3).sample(random.Random(0)) == 3.0
