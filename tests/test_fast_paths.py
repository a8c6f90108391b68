"""The model's fast paths answer exactly as the generic path does (issue 14).

The public single-instance methods skip the generic parameter reader when every
argument is already typed as documented; rejections build their ``ApiError``
lazily. Each test pins down which path a call takes and that both give the same
answers, request ids, events and snapshots.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import pickle
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle import (
    Action,
    ApiError,
    DataLossCause,
    EcsModel,
    ErrorCode,
    FaultRule,
    InstanceStatus,
    InvalidArgument,
    ManualClock,
    StoppedMode,
    TransitionEvent,
)
from lifecycle._actions import (
    _FAMILIES,
    _MINUTES,
    _MINUTES_KEPT,
    PLANS,
    _lock_reasons,
    attributes,
    format_time,
)
from lifecycle._core import Plan, _union, plan_of
from lifecycle._model import DECLARATIONS
from lifecycle._params import by_python_name
from lifecycle._rules import api_error
from lifecycle._views import (
    DescribeInstanceStatusResponse,
    InstanceStatusItem,
    format_request_id,
)

ARGS_ATTR = BaseException.__dict__["args"]


@pytest.fixture
def slow_calls(monkeypatch: pytest.MonkeyPatch) -> list[Action]:
    """Every action that went through the generic reader, in order."""
    seen: list[Action] = []
    real = EcsModel._read_and_run

    def spy(self: EcsModel, action: Action, declaration: Any, values: Any) -> Any:
        seen.append(action)
        return real(self, action, declaration, values)

    monkeypatch.setattr(EcsModel, "_read_and_run", spy)
    return seen


def pair() -> tuple[EcsModel, EcsModel, list[str], list[list[str]]]:
    """Two identical models with a Stopped, a Running, a d1 and a PrePaid instance."""
    models, traces = [], []
    for _ in range(2):
        model = EcsModel(seed=7, clock=ManualClock())
        trace: list[str] = []
        model.subscribe(functools.partial(_append_repr, trace))
        model.create_instance("i-stopped", status="Stopped")
        model.create_instance("i-running", status="Running")
        model.create_instance(
            "i-d1", instance_type="ecs.d1.2xlarge", status="Stopped", local_disk_abnormal=True
        )
        model.create_instance("i-prepaid", charge_type="PrePaid", status="Running", expired_time=50)
        models.append(model)
        traces.append(trace)
    return models[0], models[1], ["i-stopped", "i-running", "i-d1", "i-prepaid"], traces


def _append_repr(trace: list[str], event: object) -> None:
    trace.append(repr(event))


def answer(call: Callable[[], Any]) -> str:
    try:
        response = call()
    except ApiError as error:
        return f"{error!r} {error!s} {error.args!r} {error.to_dict()!r}"
    return f"{response!r} {response.to_dict()!r}"


FAST_CALLS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("start_instance", {}, {}),
    ("start_instance", {"init_local_disk": True}, {"InitLocalDisk": "true"}),
    ("reboot_instance", {}, {}),
    ("reboot_instance", {"force_stop": True}, {"ForceStop": "true"}),
    ("stop_instance", {}, {}),
    ("stop_instance", {"force_stop": True}, {"ForceStop": "true"}),
    ("stop_instance", {"stopped_mode": StoppedMode.STOP_CHARGING}, {"StoppedMode": "StopCharging"}),
    ("stop_instance", {"stopped_mode": StoppedMode.KEEP_CHARGING}, {"StoppedMode": "KeepCharging"}),
    ("stop_instance", {"stopped_mode": "StopCharging"}, {"StoppedMode": "StopCharging"}),
    ("stop_instance", {"stopped_mode": "Not-applicable"}, {"StoppedMode": "Not-applicable"}),
    ("stop_instance", {"confirm_stop": True}, {"ConfirmStop": "true"}),
    ("stop_instance", {"confirm_stop": False}, {"ConfirmStop": "false"}),
]
ACTIONS = {
    "start_instance": "StartInstance",
    "stop_instance": "StopInstance",
    "reboot_instance": "RebootInstance",
}


def answer_or_misuse(call: Callable[[], Any]) -> str:
    """``answer``, or the text of the ``InvalidArgument`` the call raised."""
    try:
        return answer(call)
    except InvalidArgument as error:
        return f"InvalidArgument: {error}"


def generic_call(model: EcsModel, action: str, params: dict[str, Any]) -> Any:
    """What ``call`` did before its short cut: the generic reader, by documented names."""
    resolved = Action(action)
    declaration = DECLARATIONS[resolved]
    kwargs = by_python_name(resolved, declaration.by_name, params, declaration.ignored)
    return model._read_and_run(resolved, declaration, kwargs)


#: Names and values a caller of ``call`` may send a single-instance action: the
#: documented ones, in every spelling the reader treats apart, and misuse.
CALL_NAMES = ("InstanceId", "InitLocalDisk", "ForceStop", "StoppedMode", "ConfirmStop", "DryRun")
CALL_VALUES: tuple[object, ...] = (
    "true",
    "false",
    "True",
    "FALSE",
    "",
    "yes",
    True,
    False,
    None,
    0,
    ["true"],
    "StopCharging",
    "KeepCharging",
    "Not-applicable",
    StoppedMode.STOP_CHARGING,
    "i-stopped",
    "i-running",
    "i-d1",
    "i-missing",
)


@settings(max_examples=300, deadline=None)
@given(
    action=st.sampled_from(sorted(ACTIONS.values())),
    params=st.dictionaries(
        st.sampled_from(CALL_NAMES) | st.sampled_from(("InstanceId.1", "Explode", "RegionId")),
        st.sampled_from(CALL_VALUES),
        max_size=4,
    ),
    advance=st.sampled_from((0, 40, 60)),
)
def test_call_answers_a_single_instance_action_as_the_generic_reader_does(
    action: str, params: dict[str, object], advance: int
) -> None:
    fast, slow, _, traces = pair()
    for model in (fast, slow):
        model.advance(advance)
    for params_now in ({"InstanceId": "i-running", **params}, params):
        got = answer_or_misuse(functools.partial(fast.call, action, params_now))
        want = answer_or_misuse(functools.partial(generic_call, slow, action, params_now))
        assert got == want
    assert traces[0] == traces[1]
    assert fast.snapshot() == slow.snapshot()


def test_call_hands_documented_parameters_to_the_typed_method(
    slow_calls: list[Action],
) -> None:
    model, *_ = pair()
    model.call("StopInstance", {"InstanceId": "i-running", "ForceStop": "true", "DryRun": "false"})
    model.call("StartInstance", {"InstanceId": "i-stopped", "InitLocalDisk": "false"})
    assert slow_calls == []
    assert model.status("i-running") is InstanceStatus.STOPPING
    model.call("RebootInstance", {"InstanceId": "i-prepaid", "ForceStop": "TRUE"})
    assert slow_calls == [Action.REBOOT_INSTANCE]  # other spellings: the reader's


@pytest.mark.parametrize(("method", "kwargs", "documented"), FAST_CALLS)
def test_the_fast_path_answers_as_the_generic_reader_does(
    slow_calls: list[Action], method: str, kwargs: dict[str, Any], documented: dict[str, Any]
) -> None:
    fast, slow, ids, traces = pair()
    for step in range(3):
        for instance_id in [*ids, "i-missing"]:
            got = answer(functools.partial(getattr(fast, method), instance_id, **kwargs))
            assert slow_calls == []
            want = answer(
                functools.partial(
                    generic_call, slow, ACTIONS[method], {"InstanceId": instance_id, **documented}
                )
            )
            assert slow_calls, "generic_call goes through the generic reader"
            slow_calls.clear()
            assert got == want
        fast.advance(40 * step)
        slow.advance(40 * step)
    assert traces[0] == traces[1]
    assert fast.snapshot() == slow.snapshot()


SLOW_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("start_instance", ("i-stopped",), {"init_local_disk": "true"}),
    ("start_instance", ("i-stopped",), {"dry_run": True}),
    ("start_instance", ("",), {}),
    ("start_instance", (5,), {}),
    ("reboot_instance", ("i-running",), {"force_stop": "false"}),
    ("reboot_instance", ("i-running",), {"dry_run": "true"}),
    ("reboot_instance", ("",), {}),
    ("stop_instance", ("i-running",), {"force_stop": "true"}),
    ("stop_instance", ("i-running",), {"confirm_stop": "yes"}),
    ("stop_instance", ("i-running",), {"stopped_mode": "Bogus"}),
    ("stop_instance", ("i-running",), {"stopped_mode": ""}),
    ("stop_instance", ("i-running",), {"stopped_mode": StoppedMode.NOT_APPLICABLE}),
    ("stop_instance", ("i-running",), {"stopped_mode": 5}),
    ("stop_instance", ("i-running",), {"stopped_mode": ["StopCharging"]}),
    ("stop_instance", ("i-running",), {"dry_run": True}),
    ("stop_instance", (None,), {}),
]


@pytest.mark.parametrize(("method", "args", "kwargs"), SLOW_CALLS)
def test_anything_not_typed_as_documented_takes_the_generic_reader(
    slow_calls: list[Action], method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    model, *_ = pair()
    with contextlib.suppress(ApiError, InvalidArgument):
        getattr(model, method)(*args, **kwargs)
    assert slow_calls == [Action(ACTIONS[method])]


def test_stop_records_the_mode_the_generic_reader_records() -> None:
    for mode, recorded in [
        (None, StoppedMode.KEEP_CHARGING),
        ("KeepCharging", StoppedMode.KEEP_CHARGING),
        ("Not-applicable", StoppedMode.KEEP_CHARGING),
        (StoppedMode.STOP_CHARGING, StoppedMode.STOP_CHARGING),
        ("StopCharging", StoppedMode.STOP_CHARGING),
    ]:
        model = EcsModel()
        model.create_instance("i-1", status="Running")
        model.stop_instance("i-1", stopped_mode=mode)
        assert model.instance("i-1").stopped_mode is recorded


def test_the_fast_path_meets_injected_faults_as_the_generic_reader_does() -> None:
    fast, slow, ids, traces = pair()
    for model in (fast, slow):
        model.add_fault(FaultRule(kind="throttle", action="StartInstance", count=1))
        model.add_fault(FaultRule(kind="error", instance_ids=["i-running"], count=1))
        model.add_fault(FaultRule(kind="lost_response", action="StopInstance", count=1))
        model.add_fault(FaultRule(kind="delay", action="RebootInstance", delay=5.0, count=1))
    got, want = [], []
    for method in ("start_instance", "stop_instance", "reboot_instance", "start_instance"):
        for instance_id in ids:
            got.append(answer(functools.partial(getattr(fast, method), instance_id)))
            want.append(
                answer(functools.partial(slow.call, ACTIONS[method], {"InstanceId": instance_id}))
            )
    assert got == want
    assert any("Throttling" in text for text in got)
    assert any("InternalError" in text for text in got)
    assert traces[0] == traces[1]
    assert fast.snapshot() == slow.snapshot()


def test_the_inlined_facts_are_core_facts() -> None:
    # Core.attempt_typed folds the facts inline; each condition must decide as Core.facts does.
    conditions: list[dict[str, Any]] = [
        {"status": "Pending"},
        {"status": "Stopped", "security_locked": True},
        {"status": "Stopped", "charge_type": "PrePaid", "expired_time": 0.0},
        {"status": "Stopped", "charge_type": "PrePaid", "expired_time": 1e9},
        {"status": "Stopped", "instance_type": "ecs.d1.2xlarge", "local_disk_abnormal": True},
        {"status": "Stopped", "has_local_disk": True, "local_disk_abnormal": True},
        {"status": "Stopped", "cloud_disk_abnormal": True},
        {"status": "Running"},
    ]
    for arrears in (False, True):
        for condition in conditions:
            for init in (False, True):
                model = EcsModel()
                model.set_in_arrears(arrears)
                model.create_instance("i-1", **condition)
                predicted = model.check("StartInstance", "i-1", init_local_disk=init)
                try:
                    model.start_instance("i-1", init_local_disk=init)
                except ApiError as error:
                    assert error.code is predicted
                else:
                    assert predicted is None


def test_a_plan_made_without_its_effect_facts_still_applies_its_effects() -> None:
    assert _union(((192, 64, None), (256, 0, None))) == 448  # type: ignore[arg-type]
    stop = PLANS[Action.STOP_INSTANCE]
    assert stop.effect_facts == 256 == plan_of(Action.STOP_INSTANCE).effect_facts
    legacy = Plan(stop.action, stop.trigger, stop.row, stop.compiled, stop.effects)
    assert legacy.effect_facts == -1
    model = EcsModel(seed=1)
    model.create_instance("i-1", status="Running")
    core = model._core
    with model._lock:
        assert core.attempt_typed(legacy, "i-1", 256, StoppedMode.KEEP_CHARGING)[1] is None
    assert [loss.cause.value for loss in model.instance("i-1").data_losses] == ["ForceStop"]


# ------------------------------------------------------------------ ApiError
def unread(error: ApiError) -> bool:
    """Whether nothing of ``error`` is worked out: no field, no text in its args slot."""
    return not error.__dict__ and "RequestId" not in repr(ARGS_ATTR.__get__(error))


def deferred_and_eager(parameter: str | None = None) -> tuple[ApiError, ApiError]:
    action, code, number = Action.START_INSTANCE, ErrorCode.INCORRECT_INSTANCE_STATUS, 2**127 + 5
    if parameter is not None:
        code = ErrorCode.INVALID_PARAMETER
    lazy = ApiError.deferred(action, code, number, parameter)
    eager = api_error(action, code, format_request_id(number), parameter)
    return lazy, eager


@pytest.mark.parametrize("parameter", [None, "InstanceId"])
@pytest.mark.parametrize(
    "read",
    [
        str,
        repr,
        lambda e: e.args,
        lambda e: e.to_dict(),
        lambda e: (e.action, e.code, e.http_status, e.message, e.request_id),
        lambda e: repr(pickle.loads(pickle.dumps(e))),
        lambda e: repr(copy.copy(e)),
        lambda e: str(copy.deepcopy(e)),
    ],
)
def test_a_deferred_error_reads_as_the_eager_one(
    read: Callable[[ApiError], object], parameter: str | None
) -> None:
    lazy, eager = deferred_and_eager(parameter)
    assert unread(lazy)  # nothing worked out before the first read
    assert read(lazy) == read(eager)
    assert read(lazy) == read(lazy)
    assert lazy.args == eager.args
    assert ARGS_ATTR.__get__(lazy) == eager.args  # the slot itself, for C-level readers


def test_a_pickled_error_is_an_api_error_with_the_same_fields() -> None:
    lazy, eager = deferred_and_eager()
    for error in (lazy, eager):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is ApiError
        assert again.to_dict() == eager.to_dict()
        assert again.args == eager.args


def test_args_can_be_set_on_a_deferred_error_as_on_any_exception() -> None:
    lazy, eager = deferred_and_eager()
    lazy.args = ("replaced",)
    assert lazy.args == ("replaced",)
    assert str(lazy) == "replaced"
    assert lazy.request_id == eager.request_id  # the fields are still worked out
    eager.args = ()
    assert str(eager) == ""
    eager.args = ("a", 1)
    assert str(eager) == "('a', 1)"


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    lazy, eager = deferred_and_eager()
    for error in (lazy, eager):
        with pytest.raises(AttributeError, match="'ApiError' object has no attribute 'nope'"):
            error.nope  # type: ignore[attr-defined]  # noqa: B018
    assert unread(lazy)  # an unknown name works nothing out


def test_a_rejection_raised_by_the_model_is_deferred_and_reads_identically() -> None:
    fast, slow, _, _ = pair()
    with pytest.raises(ApiError) as raised:
        fast.start_instance("i-running")
    assert unread(raised.value)
    assert answer(lambda: slow.call("StartInstance", {"InstanceId": "i-running"})) == answer(
        lambda: (_ for _ in ()).throw(raised.value)
    )


def test_a_deferred_error_worked_out_by_another_reader_meanwhile_reads_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another reader finishes working it out while this one is inside api_error: the
    # slot it read first must be the one it uses (it is not there any more).
    lazy, eager = deferred_and_eager()
    calls: list[object] = []

    def racing(*args: Any) -> ApiError:
        calls.append(args)
        if len(calls) == 1:
            assert lazy.args == eager.args  # the other reader, all the way through
        return api_error(*args)

    monkeypatch.setattr("lifecycle._rules.api_error", racing)
    assert (lazy.request_id, lazy.args, str(lazy)) == (eager.request_id, eager.args, str(eager))
    assert len(calls) == 2
    assert lazy.args == eager.args
    assert len(calls) == 2  # worked out: nothing more to do


CYCLE_CALLS: dict[str, Callable[[EcsModel], object]] = {
    "start, Running": lambda m: m.start_instance("i-running"),
    "start, unknown id": lambda m: m.start_instance("i-missing"),
    "start, dry run": lambda m: m.start_instance("i-stopped", dry_run=True),
    "stop, Stopped": lambda m: m.stop_instance("i-stopped"),
    "stop, bad StoppedMode": lambda m: m.stop_instance("i-running", stopped_mode="Off"),
    "reboot, Stopped": lambda m: m.reboot_instance("i-stopped"),
    "call, Running": lambda m: m.call("StartInstance", {"InstanceId": "i-running"}),
    "start_instances": lambda m: m.start_instances(["i-running"]),
    "describe, bad page": lambda m: m.describe_instance_status(["i-running"], page_size=101),
    "delete, Running": lambda m: m.delete_instance("i-running"),
    "renew, PostPaid": lambda m: m.renew_instance("i-running", period=1),
    "start, success": lambda m: m.start_instance("i-stopped"),
}


@pytest.mark.parametrize("call", CYCLE_CALLS.values(), ids=CYCLE_CALLS)
def test_a_call_leaves_no_garbage_only_the_collector_frees(
    call: Callable[[EcsModel], object],
) -> None:
    # A raised error held by a local of the frame it crosses makes a cycle (error,
    # traceback, frame): each rejection then costs a collection the benchmark, GC
    # paused, would not see.
    model = pair()[0]
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            with contextlib.suppress(ApiError):
                call(model)
        assert gc.collect() == 0
    finally:
        gc.enable()


# --------------------------------------------------------- DescribeInstanceStatus
STATUS_CALLS: list[tuple[tuple[Any, ...], dict[str, Any], bool]] = [
    ((["i-running"],), {}, True),
    ((["i-missing"],), {}, True),
    ((["i-running"],), {"page_number": 2, "page_size": 1}, True),
    ((["i-running"],), {"page_size": 50, "region_id": "cn-hangzhou"}, True),
    ((["i-running"],), {"region_id": ""}, True),
    ((("i-running",),), {}, False),
    ((["i-running", "i-stopped"],), {}, False),
    (([""],), {}, False),
    (([5],), {}, False),
    ((["i-running"],), {"page_number": "1"}, False),
    ((["i-running"],), {"page_number": 0}, False),
    ((["i-running"],), {"page_size": "10"}, False),
    ((["i-running"],), {"page_size": 51}, False),
    ((["i-running"],), {"page_size": 0}, False),
    ((["i-running"],), {"region_id": 3}, False),
    ((None,), {}, False),
]


@pytest.mark.parametrize(("args", "kwargs", "fast"), STATUS_CALLS)
def test_describe_instance_status_of_one_id_answers_as_the_generic_reader_does(
    slow_calls: list[Action], args: tuple[Any, ...], kwargs: dict[str, Any], fast: bool
) -> None:
    one, other, _, _ = pair()

    def call(model: EcsModel) -> str:
        try:
            return answer(lambda: model.describe_instance_status(*args, **kwargs))
        except InvalidArgument as error:
            return str(error)

    got = call(one)
    assert slow_calls == ([] if fast else [Action.DESCRIBE_INSTANCE_STATUS])
    other_answer = call_generic(other, args, kwargs)
    assert got == other_answer
    assert one.snapshot() == other.snapshot()


def call_generic(model: EcsModel, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    values = {"instance_ids": args[0], "page_number": 1, "page_size": 10, "region_id": None}
    values.update(kwargs)
    try:
        return answer(lambda: model._run(Action.DESCRIBE_INSTANCE_STATUS, values))
    except InvalidArgument as error:
        return str(error)


def test_describe_instance_status_with_fault_rules_takes_the_generic_reader(
    slow_calls: list[Action],
) -> None:
    model, *_ = pair()
    model.add_fault(FaultRule(kind="throttle", action="DescribeInstanceStatus", count=1))
    with pytest.raises(ApiError, match="Throttling"):
        model.describe_instance_status(["i-running"])
    assert slow_calls == [Action.DESCRIBE_INSTANCE_STATUS]
    assert model.describe_instance_status(["i-running"]).total_count == 1
    assert slow_calls == [Action.DESCRIBE_INSTANCE_STATUS]  # the rule retired: fast again


def test_the_built_views_equal_the_dataclass_made_ones() -> None:
    fast, _, _, _ = pair()
    page = fast.describe_instance_status(["i-running"])
    made = DescribeInstanceStatusResponse(
        request_id=page.request_id,
        page_number=1,
        page_size=10,
        total_count=1,
        instance_statuses=(
            InstanceStatusItem(instance_id="i-running", status=InstanceStatus.RUNNING),
        ),
    )
    assert page == made
    assert repr(page) == repr(made)
    assert hash(page) == hash(made)
    with pytest.raises(AttributeError):
        page.total_count = 2  # type: ignore[misc]


def test_the_events_a_call_emits_equal_the_dataclass_made_ones() -> None:
    model = EcsModel(seed=3)
    heard: list[object] = []
    model.subscribe(heard.append)
    model.create_instance("i-d1", instance_type="ecs.d1.2xlarge", status="Stopped")
    model.set_disk_abnormal("i-d1", "local")
    model.start_instance("i-d1", init_local_disk=True)  # a data loss rides on the event
    model.advance(3600)
    assert [type(event) for event in heard] == [TransitionEvent] * 3
    for event in heard:
        assert isinstance(event, TransitionEvent)
        made = TransitionEvent(**{f.name: getattr(event, f.name) for f in fields(event)})
        assert (event, repr(event), hash(event)) == (made, repr(made), hash(made))
    assert heard[1].data_loss is DataLossCause.INIT_LOCAL_DISK  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        heard[0].cause = "x"  # type: ignore[attr-defined]


# ------------------------------------------------------------ DescribeInstances
def test_the_stopped_mode_table_is_what_instances_record() -> None:
    model = EcsModel()
    model.create_instance("i-1", status="Stopped")
    instances = model._core.instances
    for traits in range(256):
        instances.traits[0] = traits
        mode = instances.stopped_mode(0)
        shown = attributes(model._core, 0, 0.0).stopped_mode
        assert shown == (mode.value if mode is not None else "Not-applicable")


def test_lock_reasons_and_families_as_describe_instances_shows_them() -> None:
    model = EcsModel()
    model.create_instance("i-pre", charge_type="PrePaid", status="Stopped")
    model.create_instance("i-post", instance_type="ecs.zz9.large", status="Stopped")
    _FAMILIES.pop("ecs.zz9.large", None)
    for arrears in (False, True):
        model.set_in_arrears(arrears)
        for locked in (False, True):
            for instance_id in ("i-pre", "i-post"):
                (model.lock if locked else model.unlock)(instance_id)
                index = model._core.instances.index[instance_id]
                shown = attributes(model._core, index, 0.0)
                assert shown.lock_reasons == _lock_reasons(model._core, index)
                financial = arrears and instance_id == "i-post"
                expected = ("security",) * locked + ("financial",) * financial
                assert shown.lock_reasons == expected
    assert attributes(model._core, 1, 0.0).instance_type_family == "ecs.zz9"
    assert _FAMILIES["ecs.zz9.large"] == "ecs.zz9"


def test_minutes_are_formatted_once_and_the_cache_stays_bounded() -> None:
    _MINUTES.clear()
    texts = [format_time(minute * 60.0) for minute in range(_MINUTES_KEPT + 5)]
    assert len(_MINUTES) <= _MINUTES_KEPT
    assert texts[0] == "2026-01-01T00:00Z" == format_time(59.9)
    assert texts[-1] == format_time((_MINUTES_KEPT + 4) * 60.0)


def test_both_paths_settle_what_fell_due_before_deciding() -> None:
    answers = []
    for use_fast in (True, False):
        clock = ManualClock()
        model = EcsModel(seed=3, clock=clock)
        model.create_instance("i-1", status="Stopped")
        model.start_instance("i-1")
        clock.advance(100.0)  # Starting -> Running fell due; nothing has settled it yet
        if use_fast:
            answers.append(answer(functools.partial(model.stop_instance, "i-1")))
        else:
            answers.append(
                answer(functools.partial(model.call, "StopInstance", {"InstanceId": "i-1"}))
            )
        assert model.status("i-1") is InstanceStatus.STOPPING
    assert answers[0] == answers[1]


def test_every_fast_plan_checks_status_against_its_compiled_row() -> None:
    # Core.attempt_typed reads plan.row where decide() reads compiled.trigger_row.
    for plan in PLANS.values():
        assert plan.row == plan.compiled.trigger_row
        assert plan.compiled.status_code is not None


def test_the_generic_reader_settles_what_is_due_before_deciding(
    slow_calls: list[Action],
) -> None:
    clock = ManualClock()
    model = EcsModel(seed=5, clock=clock)
    model.create_instance("i-1", status="Stopped")
    model.start_instance("i-1")
    clock.advance(600)  # the model is not told: Starting -> Running is due, not made
    # A string flag takes the generic reader; RebootInstance needs Running.
    model.reboot_instance("i-1", force_stop="true")
    assert slow_calls == [Action.REBOOT_INSTANCE]
    assert model.instance("i-1").data_losses[0].cause is DataLossCause.FORCE_STOP
