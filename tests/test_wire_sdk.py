"""The official Python SDKs, unchanged, against a real server on a loopback port.

Three clients: ``alibabacloud-ecs20140526`` signing with V3 (its default) and
with ``signature_algorithm="v2"``, and ``aliyun-python-sdk-ecs`` on
``aliyun-python-sdk-core`` (V2). For every documented rule of StartInstance
and RebootInstance, each call returns the documented result or raises the
SDK's own exception carrying the documented code, message and HTTP status,
read from ``lifecycle.error_table``. Retries are off and timeouts short, as
both SDKs allow, so a failure is quick.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as tea_models
from alibabacloud_tea_openapi import exceptions as tea_exceptions
from aliyunsdkcore.acs_exception.exceptions import ServerException as OldServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstanceStatusRequest import (
    DescribeInstanceStatusRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest
from aliyunsdkecs.request.v20140526.StartInstanceRequest import StartInstanceRequest

import lifecycle
from lifecycle import Action, EcsModel, ErrorCode, FaultRule
from lifecycle.wire import Credential, WireApp, WireConfig, WireServer
from tests.wire_helpers import (
    AK,
    AK_B,
    SK,
    SK_B,
    expected_wire_error,
    fresh_account,
    http,
    loopback_server,
    tea_client,
)

REGION = "cn-hangzhou"
REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\Z")


@dataclass(frozen=True)
class Refusal:
    """What the SDK's exception carried."""

    status: int
    code: str
    message: str
    request_id: str


Result = dict[str, Any] | Refusal


class Sdk:
    """One official client, behind one calling convention for the tests."""

    name: str

    def call(self, action: str, **fields: Any) -> Result:
        raise NotImplementedError


class Tea(Sdk):
    """``alibabacloud-ecs20140526``: V3 by default, or V2."""

    def __init__(self, endpoint: str, key: str, secret: str, algorithm: str | None) -> None:
        self.client = tea_client(endpoint, algorithm, key=key, secret=secret)
        self.name = f"tea-{algorithm or 'v3'}"

    def call(self, action: str, **fields: Any) -> Result:
        requests: dict[str, tuple[Callable[..., Any], Any]] = {
            "StartInstance": (self.client.start_instance, tea_models.StartInstanceRequest),
            "RebootInstance": (self.client.reboot_instance, tea_models.RebootInstanceRequest),
            "DescribeInstanceStatus": (
                self.client.describe_instance_status,
                tea_models.DescribeInstanceStatusRequest,
            ),
        }
        method, request = requests[action]
        return tea_answer(lambda: method(request(**fields)))


def tea_answer(send: Callable[[], Any]) -> Result:
    """One Tea SDK call's answer: the success body, or the refusal its exception carries."""
    try:
        response = send()
    except tea_exceptions.ClientException as error:
        assert 400 <= error.status_code < 500
        return _tea_refusal(error)
    except tea_exceptions.ServerException as error:
        assert error.status_code >= 500
        return _tea_refusal(error)
    assert response.status_code == 200
    body: dict[str, Any] = response.body.to_map()
    return body


def _tea_refusal(error: Any) -> Refusal:
    # e.message is "code: <status>, <Message> request id: <id>"; e.data is the body.
    assert (
        error.message
        == f"code: {error.status_code}, {error.data['Message']} request id: {error.request_id}"
    )
    return Refusal(error.status_code, error.code, error.data["Message"], error.request_id)


class Old(Sdk):
    """``aliyun-python-sdk-ecs`` on ``aliyun-python-sdk-core``: V2, raw bytes back."""

    name = "aliyun-core"

    def __init__(self, endpoint: str, key: str, secret: str) -> None:
        self.endpoint = endpoint
        self.client = AcsClient(
            key, secret, REGION, auto_retry=False, timeout=10, connect_timeout=5
        )

    def call(self, action: str, **fields: Any) -> Result:
        request: Any
        if action == "StartInstance":
            request = StartInstanceRequest()
            setters = {
                "instance_id": request.set_InstanceId,
                "init_local_disk": request.set_InitLocalDisk,
                "dry_run": request.set_DryRun,
            }
        elif action == "RebootInstance":
            request = RebootInstanceRequest()
            setters = {
                "instance_id": request.set_InstanceId,
                "force_stop": request.set_ForceStop,
                "dry_run": request.set_DryRun,
            }
        else:
            request = DescribeInstanceStatusRequest()
            setters = {
                "instance_id": request.set_InstanceIds,
                "page_size": request.set_PageSize,
                "region_id": lambda _: None,  # the client's region is sent with every request
            }
        for name, value in fields.items():
            if value is not None:
                setters[name](value)
        request.set_endpoint(self.endpoint)
        request.set_protocol_type("http")
        try:
            raw = self.client.do_action_with_exception(request)
        except OldServerException as error:
            return Refusal(
                error.get_http_status(),
                error.get_error_code(),
                error.get_error_msg(),
                error.get_request_id(),
            )
        finally:
            # The client pools its connection in a session it never closes; a pooled
            # socket left for the garbage collector is an unraisable ResourceWarning,
            # which the suite's filterwarnings=error turns into a failed run.
            self.client.session.close()
        body: dict[str, Any] = json.loads(raw)
        return body


CLIENTS = ["tea-v3", "tea-v2", "aliyun-core"]


def make_sdk(name: str, server: WireServer, key: str = AK, secret: str = SK) -> Sdk:
    if name == "aliyun-core":
        return Old(server.endpoint, key, secret)
    return Tea(server.endpoint, key, secret, None if name == "tea-v3" else "v2")


@pytest.fixture(scope="module")
def app() -> WireApp:
    credentials = [
        Credential(name="alice", access_key_id=AK, access_key_secret=SK),
        Credential(name="bob", access_key_id=AK_B, access_key_secret=SK_B),
    ]
    return WireApp(credentials, WireConfig())


@pytest.fixture(scope="module")
def server(app: WireApp) -> Iterator[WireServer]:
    with loopback_server(app) as running:
        yield running


@pytest.fixture
def alice(app: WireApp) -> EcsModel:
    return fresh_account(app, "alice")


@pytest.fixture(scope="module", params=CLIENTS)
def sdk(request: pytest.FixtureRequest, server: WireServer) -> Sdk:
    return make_sdk(request.param, server)


# ----------------------------------------------------------------- the rules
#: For each documented code, the condition that makes it the answer: what to
#: set up on a fresh account, and the request fields. {parameter} is filled in.
Setup = Callable[[EcsModel], None]


def _instance(**condition: Any) -> Setup:
    def setup(model: EcsModel) -> None:
        model.create_instance("i-1", **condition)

    return setup


def _fault(kind: str, action: Action, **condition: Any) -> Setup:
    def setup(model: EcsModel) -> None:
        model.create_instance("i-1", **condition)
        model.add_fault(FaultRule(kind=kind, action=action, count=1))

    return setup


def _poor(model: EcsModel) -> None:
    model.create_instance("i-1", status="Stopped")
    model.set_minimum_start_balance(1000)


START: dict[ErrorCode, tuple[Setup, dict[str, Any], str | None]] = {
    ErrorCode.DRY_RUN_OPERATION: (_instance(status="Stopped"), {"dry_run": True}, None),
    ErrorCode.INVALID_PARAMETER: (
        _instance(status="Stopped"),
        {"init_local_disk": "maybe"},
        "InitLocalDisk",
    ),
    ErrorCode.MISSING_PARAMETER: (_instance(status="Stopped"), {"instance_id": None}, "InstanceId"),
    ErrorCode.THROTTLING: (_fault("throttle", Action.START_INSTANCE, status="Stopped"), {}, None),
    ErrorCode.DISK_ERROR: (_instance(status="Stopped", cloud_disk_abnormal=True), {}, None),
    ErrorCode.INCORRECT_INSTANCE_STATUS: (_instance(status="Running"), {}, None),
    ErrorCode.INSTANCE_EXPIRED: (
        _instance(status="Stopped", charge_type="PrePaid", expired_time=0),
        {},
        None,
    ),
    ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: (
        _instance(status="Stopped", security_locked=True),
        {},
        None,
    ),
    ErrorCode.INSUFFICIENT_BALANCE: (_poor, {}, None),
    ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: (
        _instance(status="Stopped"),
        {"instance_id": "i-nope"},
        None,
    ),
    ErrorCode.INSTANCE_NOT_READY: (_instance(status="Pending"), {}, None),
    ErrorCode.INTERNAL_ERROR: (_fault("error", Action.START_INSTANCE, status="Stopped"), {}, None),
}
REBOOT: dict[ErrorCode, tuple[Setup, dict[str, Any], str | None]] = {
    ErrorCode.DRY_RUN_OPERATION: (_instance(status="Running"), {"dry_run": True}, None),
    ErrorCode.INVALID_PARAMETER: (
        _instance(status="Running"),
        {"force_stop": "maybe"},
        "ForceStop",
    ),
    ErrorCode.MISSING_PARAMETER: (_instance(status="Running"), {"instance_id": None}, "InstanceId"),
    ErrorCode.THROTTLING: (_fault("throttle", Action.REBOOT_INSTANCE, status="Running"), {}, None),
    ErrorCode.DISK_ERROR: (_instance(status="Running", cloud_disk_abnormal=True), {}, None),
    ErrorCode.INCORRECT_INSTANCE_STATUS: (_instance(status="Stopped"), {}, None),
    ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: (
        _instance(status="Running", security_locked=True),
        {},
        None,
    ),
    ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: (
        _instance(status="Running"),
        {"instance_id": "i-nope"},
        None,
    ),
    ErrorCode.INTERNAL_ERROR: (_fault("error", Action.REBOOT_INSTANCE, status="Running"), {}, None),
}
RULES = {Action.START_INSTANCE: START, Action.REBOOT_INSTANCE: REBOOT}


@pytest.mark.parametrize("action", list(RULES))
def test_every_documented_code_of_the_action_has_a_case_here(action: Action) -> None:
    assert set(RULES[action]) == set(lifecycle.error_table(action))


CASES = [(action, code) for action, rules in RULES.items() for code in rules]


@pytest.mark.parametrize(("action", "code"), CASES, ids=[f"{a.value}-{c.value}" for a, c in CASES])
def test_each_documented_refusal_reaches_the_sdk_as_documented(
    sdk: Sdk, alice: EcsModel, action: Action, code: ErrorCode
) -> None:
    setup, fields, parameter = RULES[action][code]
    setup(alice)
    before = alice.instance("i-1")
    outcome = sdk.call(action.value, **{"instance_id": "i-1", **fields})
    entry = lifecycle.error_table(action)[code]
    message = entry.message.format(parameter=parameter) if parameter else entry.message
    assert isinstance(outcome, Refusal), outcome
    assert (outcome.status, outcome.code, outcome.message) == (
        entry.http_status,
        code.value,
        message,
    )
    assert REQUEST_ID.match(outcome.request_id)
    assert alice.instance("i-1") == before  # a rejected call changes nothing


@pytest.mark.parametrize(
    ("action", "status", "fields", "after"),
    [
        (Action.START_INSTANCE, "Stopped", {}, "Starting"),
        (Action.START_INSTANCE, "Stopped", {"init_local_disk": True}, "Starting"),
        (Action.REBOOT_INSTANCE, "Running", {}, "Starting"),
        (Action.REBOOT_INSTANCE, "Running", {"force_stop": True}, "Starting"),
    ],
)
def test_a_call_every_rule_allows_succeeds_through_the_sdk(
    sdk: Sdk, alice: EcsModel, action: Action, status: str, fields: dict[str, Any], after: str
) -> None:
    alice.create_instance("i-1", status=status)
    outcome = sdk.call(action.value, instance_id="i-1", **fields)
    assert isinstance(outcome, dict), outcome
    assert list(outcome) == ["RequestId"]
    assert REQUEST_ID.match(outcome["RequestId"])
    assert alice.status("i-1") == after
    if fields.get("force_stop"):
        (loss,) = alice.instance("i-1").data_losses
        assert loss.request_id == outcome["RequestId"]


def test_init_local_disk_recovers_a_local_disk_through_the_sdk(sdk: Sdk, alice: EcsModel) -> None:
    alice.create_instance(
        "i-1", status="Stopped", instance_type="ecs.d1.2xlarge", local_disk_abnormal=True
    )
    refused = sdk.call("StartInstance", instance_id="i-1")
    assert isinstance(refused, Refusal)
    assert refused.code == ErrorCode.DISK_ERROR.value
    assert isinstance(sdk.call("StartInstance", instance_id="i-1", init_local_disk=True), dict)
    assert alice.instance("i-1").local_disk_abnormal is False


def test_describe_through_the_sdk_is_the_model_s_answer(sdk: Sdk, alice: EcsModel) -> None:
    alice.create_instance("i-1", status="Running")
    alice.create_instance("i-2", status="Stopped")
    alice.create_instance("i-3", status="Pending")
    body = sdk.call("DescribeInstanceStatus", region_id=REGION, instance_id=["i-3", "i-1"])
    assert isinstance(body, dict)
    assert body["TotalCount"] == 2
    assert body["InstanceStatuses"]["InstanceStatus"] == [
        {"InstanceId": "i-1", "Status": "Running"},
        {"InstanceId": "i-3", "Status": "Pending"},
    ]
    paged = sdk.call("DescribeInstanceStatus", region_id=REGION, page_size=2)
    assert isinstance(paged, dict)
    assert (
        paged["TotalCount"],
        paged["PageSize"],
        len(paged["InstanceStatuses"]["InstanceStatus"]),
    ) == (3, 2, 2)


# ------------------------------------------------------------- the client loop
def test_start_then_poll_until_running_completes(
    sdk: Sdk, server: WireServer, alice: EcsModel
) -> None:
    """What Terraform's provider does: start, then poll the status until Running."""
    alice.create_instance("i-1", status="Stopped")
    assert isinstance(sdk.call("StartInstance", instance_id="i-1"), dict)
    running_at = alice.instance("i-1").settles_at
    assert running_at is not None
    seen = []
    for _ in range(20):
        body = sdk.call("DescribeInstanceStatus", region_id=REGION, instance_id=["i-1"])
        assert isinstance(body, dict)
        (item,) = body["InstanceStatuses"]["InstanceStatus"]
        seen.append(item["Status"])
        if item["Status"] == "Running":
            break
        # The poll interval passes on the model's clock, through the control surface.
        status, _, _ = http(
            server.url + "/_lifecycle/clock/advance",
            method="POST",
            body=b'{"seconds": 5}',
            headers={
                "Authorization": f"Bearer {server.app.control.token}",
                "Content-Type": "application/json",
            },
        )
        assert status == 200
    assert seen == ["Starting"] * math.ceil(running_at / 5) + ["Running"]


# ------------------------------------------------------------- accounts and keys
def test_one_account_cannot_see_another_s_instances(server: WireServer, alice: EcsModel) -> None:
    alice.create_instance("i-alice", status="Stopped")
    for name in CLIENTS:
        bob = make_sdk(name, server, AK_B, SK_B)
        refused = bob.call("StartInstance", instance_id="i-alice")
        entry = lifecycle.error_table("StartInstance")[ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND]
        assert isinstance(refused, Refusal)
        assert (refused.status, refused.code, refused.message) == (
            entry.http_status,
            ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND.value,
            entry.message,
        )
        listed = bob.call("DescribeInstanceStatus", region_id=REGION, instance_id=["i-alice"])
        assert isinstance(listed, dict)
        assert (listed["TotalCount"], listed["InstanceStatuses"]["InstanceStatus"]) == (0, [])
        everything = bob.call("DescribeInstanceStatus", region_id=REGION)
        assert isinstance(everything, dict)
        assert everything["TotalCount"] == 0
    assert alice.status("i-alice") == "Stopped"


@pytest.mark.parametrize("name", CLIENTS)
def test_an_unknown_access_key_is_refused(server: WireServer, alice: EcsModel, name: str) -> None:
    alice.create_instance("i-1", status="Stopped")
    refused = make_sdk(name, server, "LTAI-nobody", SK).call("StartInstance", instance_id="i-1")
    status, message = expected_wire_error("InvalidAccessKeyId.NotFound")
    assert isinstance(refused, Refusal)
    assert (refused.status, refused.code, refused.message) == (
        status,
        "InvalidAccessKeyId.NotFound",
        message,
    )
    assert alice.status("i-1") == "Stopped"


@pytest.mark.parametrize("name", ["tea-v3", "tea-v2"])
def test_a_wrong_secret_is_a_signature_mismatch(
    server: WireServer, alice: EcsModel, name: str
) -> None:
    alice.create_instance("i-1", status="Stopped")
    refused = make_sdk(name, server, AK, "not-the-secret").call("StartInstance", instance_id="i-1")
    status, _ = expected_wire_error("SignatureDoesNotMatch", string_to_sign="")
    assert isinstance(refused, Refusal)
    assert (refused.status, refused.code) == (status, "SignatureDoesNotMatch")
    assert refused.message.startswith(WIRE_MESSAGE_PREFIX)
    assert alice.status("i-1") == "Stopped"


WIRE_MESSAGE_PREFIX = expected_wire_error("SignatureDoesNotMatch", string_to_sign="")[1]


def test_the_old_sdk_recognises_our_string_to_sign(server: WireServer, alice: EcsModel) -> None:
    """aliyunsdkcore turns a 400 SignatureDoesNotMatch into InvalidAccessKeySecret
    when the server's string to sign equals its own: proof the two computed the same."""
    alice.create_instance("i-1", status="Stopped")
    refused = make_sdk("aliyun-core", server, AK, "not-the-secret").call(
        "StartInstance", instance_id="i-1"
    )
    assert isinstance(refused, Refusal)
    assert (refused.status, refused.code) == (400, "InvalidAccessKeySecret")
    assert alice.status("i-1") == "Stopped"
