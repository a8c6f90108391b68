"""StopInstance over the wire, end to end through the official SDKs: every refusal the
action documents reaches the client with the HTTP status, code and message of
``specs/operations/StopInstance.toml`` (never the package's own tables), and
changes nothing; StoppedMode and ConfirmStop travel as the SDKs send them.

The clients are those of ``tests/test_wire_sdk.py`` (which covers StartInstance
and RebootInstance): ``alibabacloud-ecs20140526`` signing with V3 and with V2,
and ``aliyun-python-sdk-ecs`` (V2), retries off.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as tea_models
from aliyunsdkcore.acs_exception.exceptions import ServerException as OldServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.StopInstanceRequest import StopInstanceRequest

from lifecycle import EcsModel, FaultRule
from lifecycle.wire import Credential, WireApp, WireConfig, WireServer
from tests.reference import operation
from tests.test_wire_sdk import REGION, REQUEST_ID, Refusal, tea_answer
from tests.wire_helpers import AK, SK, fresh_account, loopback_server, tea_client

ACTION = "StopInstance"
#: The documented errors, read from the spec file alone.
SPEC_ERRORS: dict[str, dict[str, Any]] = {e["code"]: e for e in operation(ACTION)["errors"]}
Result = dict[str, Any] | Refusal
Stop = Callable[..., Result]


def tea_stop(endpoint: str, algorithm: str | None) -> Stop:
    client = tea_client(endpoint, algorithm)

    def stop(**fields: Any) -> Result:
        return tea_answer(lambda: client.stop_instance(tea_models.StopInstanceRequest(**fields)))

    return stop


def old_stop(endpoint: str) -> Stop:
    client = AcsClient(AK, SK, REGION, auto_retry=False, timeout=10, connect_timeout=5)

    def stop(**fields: Any) -> Result:
        request = StopInstanceRequest()
        setters = {
            "instance_id": request.set_InstanceId,
            "force_stop": request.set_ForceStop,
            "stopped_mode": request.set_StoppedMode,
            "confirm_stop": request.set_ConfirmStop,
            "dry_run": request.set_DryRun,
        }
        for name, value in fields.items():
            if value is not None:
                setters[name](value)
        request.set_endpoint(endpoint)
        request.set_protocol_type("http")
        try:
            raw = client.do_action_with_exception(request)
        except OldServerException as error:
            return Refusal(
                error.get_http_status(),
                error.get_error_code(),
                error.get_error_msg(),
                error.get_request_id(),
            )
        body: dict[str, Any] = json.loads(raw)
        return body

    return stop


@pytest.fixture(scope="module")
def app() -> WireApp:
    return WireApp([Credential(name="alice", access_key_id=AK, access_key_secret=SK)], WireConfig())


@pytest.fixture(scope="module")
def server(app: WireApp) -> Iterator[WireServer]:
    with loopback_server(app) as running:
        yield running


@pytest.fixture
def alice(app: WireApp) -> EcsModel:
    return fresh_account(app, "alice")


@pytest.fixture(scope="module", params=["tea-v3", "tea-v2", "aliyun-core"])
def stop(request: pytest.FixtureRequest, server: WireServer) -> Stop:
    if request.param == "aliyun-core":
        return old_stop(server.endpoint)
    return tea_stop(server.endpoint, None if request.param == "tea-v3" else "v2")


# ------------------------------------------------------------------ the cases
Setup = Callable[[EcsModel], None]


def instance(**condition: Any) -> Setup:
    def setup(model: EcsModel) -> None:
        model.create_instance("i-1", **condition)

    return setup


def fault(kind: str) -> Setup:
    def setup(model: EcsModel) -> None:
        model.create_instance("i-1", status="Running")
        model.add_fault(FaultRule(kind=kind, action=ACTION, count=1))

    return setup


def in_arrears(model: EcsModel) -> None:
    model.create_instance("i-1", status="Running")
    model.set_in_arrears(True)


def expired(model: EcsModel) -> None:
    model.create_instance("i-1", status="Running", charge_type="PrePaid", expired_time=model.now)


#: (case id, the code the spec documents, set-up, request fields, {parameter} of the message).
#: Each refusal also sends StoppedMode=StopCharging and ConfirmStop, which must change nothing.
CASES: list[tuple[str, str, Setup, dict[str, Any], str | None]] = [
    ("dry-run", "DryRunOperation", instance(status="Running"), {"dry_run": True}, None),
    ("bad-force-stop", "InvalidParameter", instance(status="Running"), {"force_stop": "maybe"},
     "ForceStop"),
    ("bad-stopped-mode", "InvalidParameter", instance(status="Running"),
     {"stopped_mode": "Hibernate"}, "StoppedMode"),
    ("no-instance-id", "MissingParameter", instance(status="Running"), {"instance_id": None},
     "InstanceId"),
    ("throttled", "Throttling", fault("throttle"), {}, None),
    ("internal-error", "InternalError", fault("error"), {}, None),
    ("not-found", "InvalidInstanceId.NotFound", instance(status="Running"),
     {"instance_id": "i-nope"}, None),
    ("security-locked", "InstanceLockedForSecurity",
     instance(status="Running", security_locked=True), {}, None),
    ("prepaid-expired", "InstanceExpiredOrInArrears", expired, {}, None),
    ("postpaid-in-arrears", "InstanceExpiredOrInArrears", in_arrears, {}, None),
    ("stopped", "IncorrectInstanceStatus", instance(status="Stopped"), {}, None),
    ("starting", "IncorrectInstanceStatus", instance(status="Starting"), {}, None),
    ("disk-error", "DiskError", instance(status="Running", cloud_disk_abnormal=True), {}, None),
]  # fmt: skip


def test_every_documented_stop_instance_code_has_a_case_here() -> None:
    assert {code for _, code, _, _, _ in CASES} == set(SPEC_ERRORS)


@pytest.mark.parametrize(
    ("code", "setup", "fields", "parameter"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_stop_instance_refusal_reaches_the_sdk_as_the_spec_documents(
    stop: Stop,
    alice: EcsModel,
    code: str,
    setup: Setup,
    fields: dict[str, Any],
    parameter: str | None,
) -> None:
    setup(alice)
    before = alice.instance("i-1")
    request = {
        "instance_id": "i-1",
        "stopped_mode": "StopCharging",
        "confirm_stop": True,
        **fields,
    }
    outcome = stop(**request)
    entry = SPEC_ERRORS[code]
    message = entry["message"].format(parameter=parameter) if parameter else entry["message"]
    assert isinstance(outcome, Refusal), outcome
    assert (outcome.status, outcome.code, outcome.message) == (
        entry["http_status"],
        code,
        message,
    )
    assert REQUEST_ID.match(outcome.request_id)
    assert alice.instance("i-1") == before  # a rejected call changes nothing, not even the mode


@pytest.mark.parametrize("mode", ["StopCharging", "KeepCharging"])
def test_a_stop_every_rule_allows_records_the_mode_the_sdk_sent(
    stop: Stop, alice: EcsModel, mode: str
) -> None:
    alice.create_instance("i-1", status="Running")
    outcome = stop(instance_id="i-1", stopped_mode=mode, confirm_stop=False, force_stop=True)
    assert isinstance(outcome, dict), outcome
    assert REQUEST_ID.match(outcome["RequestId"])
    view = alice.instance("i-1")
    assert view.status.value == operation(ACTION)["enters"]
    assert view.stopped_mode is not None
    assert view.stopped_mode.value == mode
    assert [loss.cause.value for loss in view.data_losses] == ["ForceStop"]
