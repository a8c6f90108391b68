"""DescribeInstances, DescribeInstanceAttribute and the batch actions, in-process.

Expected codes, HTTP statuses and messages come from ``specs/operations/``;
the model's own tables are never consulted here.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle import ApiError, Durations, EcsModel, InstanceStatus, ManualClock
from tests.reference import error_entry, operation

REGION = "cn-hangzhou"
ONE = {"RegionId": REGION, "InstanceId.1": "i-0"}
MANY = [f"i-{n}" for n in range(101)]
MALFORMED = "Abs.InvalidInstanceIds.MalFormed"
TOO_MANY = "InvalidParameter.TooManyInstanceIds"


def fleet(count: int = 4, **kwargs: Any) -> tuple[EcsModel, list[str]]:
    model = EcsModel(durations=Durations.immediate())
    return model, model.create_instances(count, id_prefix="i-", status="Running", **kwargs)


def refused(call: Any, action: str, code: str) -> ApiError:
    """``call()`` answers ``code`` with the spec's HTTP status and message."""
    with pytest.raises(ApiError) as caught:
        call()
    error = caught.value
    entry = error_entry(action, code)
    assert (error.code.value, error.http_status) == (code, entry["http_status"])
    if "{parameter}" not in entry["message"]:
        assert error.message == entry["message"]
    return error


def unchanged(model: EcsModel) -> tuple[object, ...]:
    return tuple(model.instance(i) for i in model.instance_ids())


# ------------------------------------------------------------------ batch
@pytest.mark.parametrize(
    ("action", "method", "before", "after"),
    [
        ("StopInstances", "stop_instances", "Running", "Stopped"),
        ("RebootInstances", "reboot_instances", "Running", "Running"),
        ("StartInstances", "start_instances", "Stopped", "Running"),
    ],
)
def test_all_together_moves_every_instance_with_one_request_id(
    action: str, method: str, before: str, after: str
) -> None:
    model = EcsModel(durations=Durations.immediate())
    ids = model.create_instances(3, id_prefix="i-", status=before)
    events: list[Any] = []
    model.subscribe(events.append)
    response = getattr(model, method)(ids)
    body = response.to_dict()
    entries = body["InstanceResponses"]["InstanceResponse"]
    assert [e["InstanceId"] for e in entries] == ids
    assert {(e["Code"], e["Message"], e["PreviousStatus"]) for e in entries} == {
        ("200", "success", before)
    }
    assert model.statuses(ids) == [InstanceStatus(after)] * 3
    # The single calls' trace events, all stamped with the batch's one request id.
    assert {e.request_id for e in events} == {response.request_id}
    assert {e.cause for e in events if e.source is InstanceStatus(before)} == {
        operation(action)["trigger"]
    }


def test_all_together_fails_whole_with_the_first_failing_instance_and_changes_nothing() -> None:
    model, ids = fleet()
    model.lock(ids[2])
    model.stop_instance(ids[1])
    before = unchanged(model)
    error = refused(lambda: model.stop_instances(ids), "StopInstances", "IncorrectInstanceStatus")
    assert unchanged(model) == before
    refused(
        lambda: model.stop_instances([ids[0], "i-nowhere"]),
        "StopInstances",
        "InvalidInstanceIds.NotFound",
    )
    assert unchanged(model) == before
    assert error.request_id


def test_success_first_answers_each_instance_on_its_own() -> None:
    model, ids = fleet()
    model.lock(ids[1])
    response = model.stop_instances(
        [ids[0], ids[1], "i-nowhere"], batch_optimization="SuccessFirst"
    )
    body: dict[str, Any] = response.to_dict()
    moved, locked, missing = body["InstanceResponses"]["InstanceResponse"]
    assert (moved["Code"], moved["CurrentStatus"]) == ("200", "Stopped")
    single = error_entry("StopInstance", "InstanceLockedForSecurity")
    assert (locked["Code"], locked["Message"]) == ("InstanceLockedForSecurity", single["message"])
    assert locked["PreviousStatus"] == locked["CurrentStatus"] == "Running"
    assert missing["Code"] == "InvalidInstanceId.NotFound"
    assert "PreviousStatus" not in missing
    assert model.statuses(ids[:2]) == [InstanceStatus.STOPPED, InstanceStatus.RUNNING]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "MissingParameter"),
        ({"InstanceId.1": "i-0"}, "MissingParameter"),
        ({**ONE, "BatchOptimization": "Some"}, "InvalidParameter"),
        ({**ONE, "InstanceId.2": "i-0"}, MALFORMED),
        ({"RegionId": REGION, "InstanceId.1": ""}, MALFORMED),
        ({"RegionId": REGION, "InstanceId": MANY}, TOO_MANY),
        ({**ONE, "DryRun": "true"}, "DRYRUN.SUCCESS"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("action", ["StartInstances", "StopInstances", "RebootInstances"])
def test_a_batch_request_is_refused_whole_in_the_documented_order(
    action: str, params: dict[str, object], code: str
) -> None:
    model, _ = fleet()
    before = unchanged(model)
    refused(lambda: model.call(action, params), action, code)
    assert unchanged(model) == before


def test_describe_instance_status_refuses_an_empty_id_as_malformed() -> None:
    model, ids = fleet()
    refused(
        lambda: model.call("DescribeInstanceStatus", {"InstanceId.1": ids[0], "InstanceId.2": ""}),
        "DescribeInstanceStatus",
        MALFORMED,
    )
    # Repeated ids are not malformed: the instance is listed once.
    assert model.describe_instance_status([ids[0], ids[0]]).total_count == 1


def test_force_reboot_is_a_power_cut_and_stopped_modes_are_recorded() -> None:
    model, ids = fleet()
    model.reboot_instances(ids[:1], force_reboot=True)
    assert [loss.cause.value for loss in model.instance(ids[0]).data_losses] == ["ForceStop"]
    model.stop_instances(ids[1:2], stopped_mode="StopCharging")
    model.stop_instances(ids[2:3], stopped_mode="Not-applicable")
    assert model.instance(ids[1]).stopped_mode is not None
    assert model.instance(ids[1]).stopped_mode.value == "StopCharging"  # type: ignore[union-attr]
    assert model.instance(ids[2]).stopped_mode.value == "KeepCharging"  # type: ignore[union-attr]


def test_a_lost_response_in_a_batch_is_an_internal_error_after_the_change() -> None:
    from lifecycle import FaultRule  # noqa: PLC0415

    model, ids = fleet()
    model.add_fault(FaultRule(kind="throttle", action="StartInstances", count=1))
    refused(lambda: model.start_instances(ids), "StartInstances", "Throttling")
    model.add_fault(FaultRule(kind="lost_response", action="StopInstances", count=1))
    refused(lambda: model.stop_instances(ids[:1]), "StopInstances", "InternalError")
    assert model.status(ids[0]) is InstanceStatus.STOPPED


# -------------------------------------------------------- DescribeInstances
def test_describe_instances_shows_the_documented_fields_the_model_knows() -> None:
    model = EcsModel(clock=ManualClock(90.0), durations=Durations.immediate())
    model.create_instance("i-pre", status="Stopped", charge_type="PrePaid", expired_time=86400.0)
    model.create_instance("i-post", status="Running", security_locked=True)
    model.set_in_arrears()
    body: dict[str, Any] = model.describe_instances(
        instance_ids='["i-pre", "i-post", "i-gone"]'
    ).to_dict()
    pre, post = body["Instances"]["Instance"]
    spec = operation("DescribeInstances")["response"]
    assert set(body) == set(spec["top_level"]) - {"Instances.Instance"} | {"Instances"}
    assert set(post) == {field.split(".")[0] for field in spec["instance_fields"]}
    assert "StartTime" not in pre  # never started
    assert pre["ExpiredTime"] == "2026-01-02T00:00Z"
    assert pre["CreationTime"] == "2026-01-01T00:01Z"
    assert post["ExpiredTime"] == spec["postpaid_expired_time"]
    assert post["StoppedMode"] == "Not-applicable"
    assert [lock["LockReason"] for lock in post["OperationLocks"]["LockReason"]] == [
        "security",
        "financial",
    ]
    assert (post["InstanceTypeFamily"], post["RegionId"]) == ("ecs.g7", spec["default_region"])
    assert body["TotalCount"] == 2


def test_describe_instances_filters_and_pages() -> None:
    model, ids = fleet(30)
    model.stop_instances(ids[5:25])
    stopped = model.describe_instances(status="Stopped", page_size=7, page_number=3)
    assert [i.instance_id for i in stopped.instances] == ids[19:25]
    assert stopped.total_count == 20
    assert (
        model.describe_instances(status="Stopped", instance_type="ecs.g7.large").total_count == 20
    )
    assert model.describe_instances(instance_type_family="ecs.g8").total_count == 0
    assert model.describe_instances(instance_charge_type="PrePaid").total_count == 0
    assert model.describe_instances(zone_id="elsewhere").total_count == 0
    assert model.describe_instances(zone_id="cn-hangzhou-i", lock_reason="security").instances == ()
    assert model.describe_instances(instance_ids=[]).total_count == 0
    assert model.describe_instances(instance_ids=json.dumps(ids[:2])).total_count == 2


def test_token_mode_walks_every_match_once_clamping_max_results() -> None:
    model, ids = fleet(25)
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = model.describe_instances(max_results=3, next_token=token)
        assert page.page_number is None
        assert page.page_size == 10
        seen += [i.instance_id for i in page.instances]
        pages += 1
        if not page.next_token:
            break
        token = page.next_token
    assert seen == ids
    assert pages == 3
    assert model.describe_instances(max_results=500).page_size == 100


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "MissingParameter"),
        ({"RegionId": REGION, "PageSize": "101"}, "InvalidParameter"),
        ({"RegionId": REGION, "NextToken": "not-ours"}, "InvalidParameter"),
        ({"RegionId": REGION, "NextToken": "ffffffffffffffff"}, "InvalidParameter"),
        ({"RegionId": REGION, "InstanceIds": "i-1,i-2"}, MALFORMED),
        ({"RegionId": REGION, "InstanceIds": '{"a": 1}'}, MALFORMED),
        ({"RegionId": REGION, "InstanceIds": json.dumps(MANY)}, TOO_MANY),
        ({"RegionId": REGION, "Status": "Booting"}, "InvalidStatus.NotFound"),
        ({"RegionId": REGION, "InstanceChargeType": "Free"}, "InvalidInstanceChargeType.NotFound"),
        ({"RegionId": REGION, "LockReason": "boredom"}, "InvalidLockReason.NotFound"),
        ({"RegionId": REGION, "Status": "Booting", "PageNumber": "0"}, "InvalidParameter"),
        ({"RegionId": REGION, "DryRun": "true"}, "DryRunOperation"),
    ],
)  # fmt: skip
def test_describe_instances_refusals(params: dict[str, object], code: str) -> None:
    model, _ = fleet()
    refused(lambda: model.call("DescribeInstances", params), "DescribeInstances", code)


def test_describe_instance_attribute() -> None:
    model, ids = fleet()
    body: dict[str, Any] = model.describe_instance_attribute(ids[0]).to_dict()
    spec = operation("DescribeInstanceAttribute")["response"]
    assert set(body) == {field.split(".")[0] for field in spec["top_level"]}
    assert body["Status"] == "Running"
    refused(
        lambda: model.describe_instance_attribute("i-nowhere"),
        "DescribeInstanceAttribute",
        "InvalidInstanceId.NotFound",
    )
    refused(
        lambda: model.call("DescribeInstanceAttribute", {}),
        "DescribeInstanceAttribute",
        "MissingParameter",
    )
    from lifecycle import FaultRule  # noqa: PLC0415

    model.add_fault(FaultRule(kind="error", action="StartInstance"))
    assert model.describe_instance_attribute(ids[0]).instance.instance_id == ids[0]
    model.add_fault(FaultRule(kind="error", action="DescribeInstanceAttribute", count=1))
    refused(
        lambda: model.describe_instance_attribute(ids[0]),
        "DescribeInstanceAttribute",
        "InternalError",
    )


@pytest.mark.parametrize(
    ("misuse", "complaint"),
    [
        (lambda m: m.call("StartInstance", 5), "params=5: expected a mapping of parameter names"),
        (lambda m: m.call("StartInstance", {1: "x"}), "parameter 1: expected a parameter name"),
        (lambda m: m.statuses(1), "instance_ids=1: expected a list of str ids"),
        (
            lambda m: m.set_expired_time("i-p", 10**400),
            "too large for a time in seconds",
        ),
        (lambda m: m.set_expired_time("i-p", float("nan")), "expected a time in seconds"),
    ],
)
def test_python_misuse_is_refused_by_name(misuse: Any, complaint: str) -> None:
    from lifecycle import InvalidArgument  # noqa: PLC0415

    model = EcsModel()
    model.create_instance("i-p", charge_type="PrePaid")
    with pytest.raises(InvalidArgument, match=re.escape(complaint)):
        misuse(model)


def test_a_snapshot_keeps_creation_and_start_times() -> None:
    model = EcsModel(clock=ManualClock(600.0), durations=Durations.immediate())
    model.create_instance("i-1", status="Stopped")
    model.advance(60)
    model.start_instance("i-1")
    restored = EcsModel.restore(model.snapshot())
    (item,) = restored.describe_instances().instances
    assert (item.creation_time, item.start_time) == ("2026-01-01T00:10Z", "2026-01-01T00:11Z")


@given(
    statuses=st.lists(st.sampled_from(["Running", "Stopped", "Starting"]), max_size=40),
    wanted=st.sampled_from(["Running", "Stopped", "Pending"]),
    page_number=st.integers(1, 6),
    page_size=st.integers(1, 12),
    max_results=st.none() | st.integers(0, 120),
)
def test_the_status_only_page_agrees_with_the_general_filter(
    statuses: list[str], wanted: str, page_number: int, page_size: int, max_results: int | None
) -> None:
    """The byte-scan path for a Status-only filter answers exactly what filtering in
    Python answers (the zone filter matches every instance and forces that path)."""
    model = EcsModel()  # nothing settles: the clock does not move
    for n, status in enumerate(statuses):
        model.create_instance(f"i-{n}", status=status)
    expected = [f"i-{n}" for n, status in enumerate(statuses) if status == wanted]
    for zone in (None, "cn-hangzhou-i"):
        pages: list[list[str]] = []
        token: str | None = None
        while True:
            page = model.describe_instances(
                status=wanted,
                zone_id=zone,
                page_number=page_number,
                page_size=page_size,
                max_results=max_results,
                next_token=token,
            )
            assert page.total_count == len(expected)
            pages.append([i.instance_id for i in page.instances])
            if max_results is None or not page.next_token:
                break
            token = page.next_token
        if max_results is None:
            first = (page_number - 1) * page_size
            assert pages == [expected[first : first + page_size]]
        else:
            assert [i for p in pages for i in p] == expected


@given(
    moves=st.lists(
        st.tuples(
            st.sampled_from(["start", "stop", "reboot", "batch", "platform", "advance"]),
            st.integers(0, 5),
        ),
        max_size=30,
    )
)
def test_the_status_counts_kept_with_every_move_are_the_statuses_counted(
    moves: list[tuple[str, int]],
) -> None:
    model = EcsModel(clock=ManualClock(), durations=Durations())
    model.set_in_arrears()
    ids = model.create_instances(6, id_prefix="i-", status="Running")
    calls: dict[str, Any] = {
        "start": model.start_instance,
        "stop": model.stop_instance,
        "reboot": model.reboot_instance,
        "batch": lambda i: model.stop_instances([i], batch_optimization="SuccessFirst"),
        "platform": lambda i: model.stop_by_platform(i, "overdue"),
        "advance": lambda _: model.advance(10),
    }
    for move, n in moves:
        with contextlib.suppress(ApiError):
            calls[move](ids[n])
    counted = {status: model.statuses().count(status) for status in InstanceStatus}
    assert model.status_counts() == counted
    assert EcsModel.restore(model.snapshot()).status_counts() == counted
    assert model.describe_instances(status="Running").total_count == counted[InstanceStatus.RUNNING]


@pytest.mark.parametrize(
    "name",
    [
        "InstanceIds",
        "Status",
        "InstanceChargeType",
        "LockReason",
        "InstanceType",
        "InstanceTypeFamily",
        "ZoneId",
        "InstanceName",
        "NextToken",
    ],
)
def test_an_empty_filter_is_as_if_not_sent(name: str) -> None:
    """DescribeInstances: "filters are ANDed, empty ones ignored" (its spec's decisions)."""
    model, ids = fleet(3)
    page = model.call("DescribeInstances", {"RegionId": REGION, name: ""})
    assert page.to_dict()["TotalCount"] == len(ids)


def test_a_snapshot_from_before_creation_and_start_times_reads_as_created_at_zero() -> None:
    """Format 1 gained the two columns as optional keys: an older body has neither."""
    from tests.test_snapshot import body_of, reseal  # noqa: PLC0415

    model = EcsModel(clock=ManualClock(600.0))
    model.create_instance("i-1", status="Running")
    document = json.loads(body_of(model.snapshot()))
    del document["instances"]["created"], document["instances"]["started"]
    older = reseal(json.dumps(document, separators=(",", ":")).encode())
    (item,) = EcsModel.restore(older).describe_instances().instances
    assert (item.creation_time, item.start_time) == ("2026-01-01T00:00Z", None)


def test_call_without_params_reads_every_default() -> None:
    model, ids = fleet(2)
    answer = model.call("DescribeInstanceStatus")
    assert answer.to_dict()["TotalCount"] == len(ids)


@pytest.mark.parametrize("action", ["DescribeInstances", "DescribeInstanceAttribute"])
@pytest.mark.parametrize("kind", ["delay", "lost_response"])
def test_a_fault_that_could_never_fire_on_a_describe_action_is_refused(
    action: str, kind: str
) -> None:
    from lifecycle import FaultRule, InvalidArgument  # noqa: PLC0415

    with pytest.raises(InvalidArgument, match=f"{action} changes nothing"):
        FaultRule(kind=kind, action=action, delay=5 if kind == "delay" else 0)
