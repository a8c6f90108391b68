"""``lifecycle.mock_ecs()``: both official SDKs served in-process, as moto serves boto3.

Every client here is configured as for the real cloud: a region, the SDK's
default protocol (https for the Tea SDK), no endpoint or protocol override.
No test opens a socket: ``no_sockets`` makes any attempt fail the test, so a
request that escaped the mock would be caught, not sent.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_ecs20140526 import models as tea_models
from alibabacloud_ecs20140526.client import Client as TeaClient
from alibabacloud_tea_openapi import exceptions as tea_exceptions
from alibabacloud_tea_openapi import models as tea_openapi
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_util.models import RuntimeOptions
from aliyunsdkcore.acs_exception.exceptions import ServerException as OldServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.http.http_response import HttpResponse
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import (
    DescribeInstancesRequest as OldDescribeInstances,
)
from aliyunsdkecs.request.v20140526.DescribeUserDataRequest import DescribeUserDataRequest
from aliyunsdkecs.request.v20140526.StartInstanceRequest import StartInstanceRequest
from aliyunsdkecs.request.v20140526.StartInstancesRequest import (
    StartInstancesRequest as OldStartInstances,
)
from aliyunsdkecs.request.v20140526.StopInstancesRequest import (
    StopInstancesRequest as OldStopInstances,
)
from darabonba.core import DaraCore
from darabonba.exceptions import UnretryableException
from darabonba.request import DaraRequest
from darabonba.websocket import DefaultWebSocketClient, WebSocketHandler
from Tea.core import TeaCore
from Tea.request import TeaRequest

import lifecycle
from lifecycle import (
    ErrorCode,
    FaultRule,
    InstanceStatus,
    InvalidArgument,
    MockEcs,
    UnservedRequest,
)
from lifecycle.wire import Credential
from tests.wire_helpers import v2_params

REGION = "cn-hangzhou"
REQUEST_ID = r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"

#: Every function mock_ecs() replaces, as its owner holds it (a staticmethod stays one).
PATCHED: list[tuple[type, str]] = [
    (DaraCore, "do_action"),
    (DaraCore, "async_do_action"),
    (DaraCore, "do_sse_action"),
    (DaraCore, "async_do_sse_action"),
    (DefaultWebSocketClient, "connect"),
    (TeaCore, "do_action"),
    (TeaCore, "async_do_action"),
    (HttpResponse, "get_response_object"),
]


def originals() -> list[object]:
    return [vars(owner)[name] for owner, name in PATCHED]


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: under the mock nothing may reach a network."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a socket was opened: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def tea(ecs: MockEcs, *, algorithm: str | None = None, key: Credential | None = None) -> TeaClient:
    """The current SDK as for the real cloud: a region, nothing else."""
    key = key or ecs.credential
    config = tea_openapi.Config(
        access_key_id=key.access_key_id, access_key_secret=key.access_key_secret, region_id=REGION
    )
    if algorithm is not None:
        config.signature_algorithm = algorithm
    return TeaClient(config)


def old(ecs: MockEcs, region: str = REGION) -> AcsClient:
    return AcsClient(ecs.access_key_id, ecs.access_key_secret, region)


def old_start(instance_id: str) -> StartInstanceRequest:
    request = StartInstanceRequest()
    request.set_InstanceId(instance_id)
    return request


# -- every SDK path -----------------------------------------------------------


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["tea-v3", "tea-v2"])
def test_the_tea_sdk_reaches_the_model_through_the_wire(algorithm: str | None) -> None:
    with lifecycle.mock_ecs() as ecs:
        ecs.model.create_instance("i-web", status="Stopped")
        client = tea(ecs, algorithm=algorithm)
        assert client._endpoint == "ecs-cn-hangzhou.aliyuncs.com"
        assert client._protocol is None  # the per-API default, HTTPS
        response = client.start_instance(tea_models.StartInstanceRequest(instance_id="i-web"))
        assert response.status_code == 200
        assert response.body.request_id == response.headers["x-acs-request-id"]
        assert response.headers["content-type"] == "application/json;charset=utf-8"
        assert ecs.model.status("i-web") == InstanceStatus.STARTING


def test_the_tea_sdk_async_calls_reach_the_model() -> None:
    async def scenario(client: TeaClient) -> tuple[int, str]:
        await client.start_instance_async(tea_models.StartInstanceRequest(instance_id="i-web"))
        try:
            await client.start_instance_async(tea_models.StartInstanceRequest(instance_id="i-web"))
        except tea_exceptions.ClientException as error:
            return error.status_code, error.code
        raise AssertionError("the second start was not refused")

    with lifecycle.mock_ecs() as ecs:
        ecs.model.create_instance("i-web", status="Stopped")
        assert asyncio.run(scenario(tea(ecs))) == (403, "IncorrectInstanceStatus")
        assert ecs.model.status("i-web") == InstanceStatus.STARTING


@pytest.mark.parametrize("region", [REGION, "eu-central-1"])
def test_the_old_sdk_reaches_the_model_through_the_wire(region: str) -> None:
    with lifecycle.mock_ecs() as ecs:
        ecs.model.create_instance("i-web", status="Stopped")
        body = json.loads(old(ecs, region).do_action_with_exception(old_start("i-web")))
        assert set(body) == {"RequestId"}
        assert ecs.model.status("i-web") == InstanceStatus.STARTING


def test_the_old_sdk_may_send_parameters_in_a_form_body() -> None:
    with lifecycle.mock_ecs() as ecs:
        ecs.model.create_instance("i-web", status="Stopped")
        request = CommonRequest(
            domain="ecs.cn-hangzhou.aliyuncs.com", version="2014-05-26", action_name="StartInstance"
        )
        request.set_method("POST")
        request.add_body_params("InstanceId", "i-web")  # signed, and sent as a form body
        old(ecs).do_action_with_exception(request)
        assert ecs.model.status("i-web") == InstanceStatus.STARTING


def test_a_body_the_protocol_does_not_read_is_sent_as_bytes_and_ignored() -> None:
    with lifecycle.mock_ecs() as ecs:
        ecs.model.create_instance("i-web", status="Stopped")
        request = old_start("i-web")
        request.set_content(b'{"ignored": true}')
        request.add_header("Content-Type", "application/json")
        old(ecs).do_action_with_exception(request)
        assert ecs.model.status("i-web") == InstanceStatus.STARTING


# -- documented errors, as each SDK's own exception ---------------------------


def test_a_documented_error_is_the_tea_sdks_client_exception() -> None:
    with lifecycle.mock_ecs() as ecs:
        ecs.model.create_instance("i-db", status="Stopped", security_locked=True)
        with pytest.raises(tea_exceptions.ClientException) as caught:
            tea(ecs).start_instance(tea_models.StartInstanceRequest(instance_id="i-db"))
        error = caught.value
        assert (error.status_code, error.code) == (403, "InstanceLockedForSecurity")
        table = lifecycle.error_table("StartInstance")
        assert error.data["Message"] == table[ErrorCode.INSTANCE_LOCKED_FOR_SECURITY].message
        assert error.request_id == error.data["RequestId"]
        assert error.data["HostId"] == "ecs.aliyuncs.com"


def test_a_server_error_is_each_sdks_server_exception() -> None:
    with lifecycle.mock_ecs() as ecs:
        ecs.model.create_instance("i-web", status="Stopped")
        ecs.model.add_fault(FaultRule(kind="error", action="StartInstance", count=2))
        with pytest.raises(tea_exceptions.ServerException) as tea_error:
            tea(ecs).start_instance(tea_models.StartInstanceRequest(instance_id="i-web"))
        with pytest.raises(OldServerException) as old_error:
            old(ecs).do_action_with_exception(old_start("i-web"))
        assert (tea_error.value.status_code, tea_error.value.code) == (500, "InternalError")
        assert (old_error.value.get_http_status(), old_error.value.get_error_code()) == (
            500,
            "InternalError",
        )
        assert ecs.model.status("i-web") == InstanceStatus.STOPPED


def test_an_unknown_instance_is_the_old_sdks_server_exception() -> None:
    with lifecycle.mock_ecs() as ecs, pytest.raises(OldServerException) as caught:
        old(ecs).do_action_with_exception(old_start("i-missing"))
    assert caught.value.get_http_status() == 404
    assert caught.value.get_error_code() == "InvalidInstanceId.NotFound"
    assert caught.value.get_request_id()


def test_signatures_are_verified_and_keys_name_accounts() -> None:
    alice = Credential(name="alice", access_key_id="LTAI-alice", access_key_secret="alice-secret")
    bob = Credential(name="bob", access_key_id="LTAI-bob", access_key_secret="bob-secret")
    with lifecycle.mock_ecs([alice, bob]) as ecs:
        assert ecs.credential == alice
        ecs.accounts["bob"].model.create_instance("i-bob", status="Stopped")
        tea(ecs, key=bob).start_instance(tea_models.StartInstanceRequest(instance_id="i-bob"))
        assert ecs.accounts["bob"].model.status("i-bob") == InstanceStatus.STARTING
        # Alice cannot see Bob's instance.
        with pytest.raises(tea_exceptions.ClientException) as unseen:
            tea(ecs).start_instance(tea_models.StartInstanceRequest(instance_id="i-bob"))
        assert unseen.value.code == "InvalidInstanceId.NotFound"
        # A wrong secret is refused as ECS refuses it (the old SDK renames it).
        forged = AcsClient("LTAI-alice", "not-the-secret", REGION)
        with pytest.raises(OldServerException) as refused:
            forged.do_action_with_exception(old_start("i-bob"))
        # SignatureDoesNotMatch, which the old SDK renames after comparing the
        # server's string to sign with its own: the two agree.
        assert refused.value.get_error_code() == "InvalidAccessKeySecret"


# -- a real client loop -------------------------------------------------------


def tea_loop(client: TeaClient, ids: list[str], sleep: Callable[[float], object]) -> list[str]:
    """Start, poll DescribeInstances until Running, stop: as a service would."""
    client.start_instances(tea_models.StartInstancesRequest(region_id=REGION, instance_id=ids))
    seen = []
    for _ in range(20):
        page = client.describe_instances(
            tea_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps(ids))
        )
        statuses = {item.status for item in page.body.instances.instance}
        seen.append("/".join(sorted(statuses)))
        if statuses == {"Running"}:
            break
        sleep(5)
    client.stop_instances(tea_models.StopInstancesRequest(region_id=REGION, instance_id=ids))
    return seen


def old_loop(client: AcsClient, ids: list[str], sleep: Callable[[float], object]) -> list[str]:
    start = OldStartInstances()
    start.set_InstanceIds(ids)
    client.do_action_with_exception(start)
    seen = []
    for _ in range(20):
        describe = OldDescribeInstances()
        describe.set_InstanceIds(json.dumps(ids))
        page = json.loads(client.do_action_with_exception(describe))
        statuses = {item["Status"] for item in page["Instances"]["Instance"]}
        seen.append("/".join(sorted(statuses)))
        if statuses == {"Running"}:
            break
        sleep(5)
    stop = OldStopInstances()
    stop.set_InstanceIds(ids)
    client.do_action_with_exception(stop)
    return seen


@pytest.mark.parametrize("sdk", ["tea", "old"])
def test_a_client_loop_starts_polls_until_running_and_stops(sdk: str) -> None:
    with lifecycle.mock_ecs() as ecs:
        ids = ecs.model.create_instances(3, status="Stopped")
        # The loop sleeps on the model's clock: no real waiting, no timing.
        if sdk == "tea":
            seen = tea_loop(tea(ecs), ids, ecs.clock.advance)
        else:
            seen = old_loop(old(ecs), ids, ecs.clock.advance)
        assert seen[0] == "Starting"
        assert seen[-1] == "Running"
        assert len(seen) > 1
        assert {ecs.model.status(i) for i in ids} == {InstanceStatus.STOPPING}
        ecs.clock.advance(600)
        assert {ecs.model.status(i) for i in ids} == {InstanceStatus.STOPPED}


# -- everything else fails loudly, and nothing is sent ------------------------


def test_an_action_the_model_does_not_serve_is_refused_by_name() -> None:
    with lifecycle.mock_ecs() as ecs:
        with pytest.raises(UnretryableException) as tea_error:
            tea(ecs).describe_user_data(
                tea_models.DescribeUserDataRequest(region_id=REGION, instance_id="i-1")
            )
        with pytest.raises(UnservedRequest) as old_error:
            old(ecs).do_action_with_exception(DescribeUserDataRequest())
        assert ecs.refused == [tea_error.value.inner_exception, old_error.value]
        ecs.refused.clear()  # expected: the block ends quietly
    for error in (tea_error.value.inner_exception, old_error.value):
        assert isinstance(error, UnservedRequest)
        assert (error.host, error.action) == ("ecs-cn-hangzhou.aliyuncs.com", "DescribeUserData")
        assert "does not serve ECS action 'DescribeUserData'" in str(error)
        assert "Nothing was sent" in str(error)
    # The Tea SDK wraps it, and says what it says.
    assert str(tea_error.value) == str(tea_error.value.inner_exception)


def test_another_product_is_refused_naming_host_product_and_action() -> None:
    params = tea_openapi.Params(
        action="DescribeVpcs",
        version="2016-04-28",
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    with lifecycle.mock_ecs() as ecs:
        vpc = OpenApiClient(
            tea_openapi.Config(
                access_key_id=ecs.access_key_id,
                access_key_secret=ecs.access_key_secret,
                endpoint="vpc.cn-hangzhou.aliyuncs.com",
            )
        )
        with pytest.raises(UnretryableException) as tea_error:
            vpc.call_api(params, tea_openapi.OpenApiRequest(), RuntimeOptions())
        request = CommonRequest(
            domain="vpc.cn-hangzhou.aliyuncs.com", version="2016-04-28", action_name="DescribeVpcs"
        )
        with pytest.raises(UnservedRequest) as old_error:
            old(ecs).do_action_with_exception(request)
        ecs.refused.clear()
    for error in (tea_error.value.inner_exception, old_error.value):
        assert isinstance(error, UnservedRequest)
        assert (error.host, error.product, error.action) == (
            "vpc.cn-hangzhou.aliyuncs.com",
            "vpc",
            "DescribeVpcs",
        )
        assert "host 'vpc.cn-hangzhou.aliyuncs.com' is not an ECS endpoint" in str(error)
        assert "(product 'vpc')" in str(error)


def test_an_endpoint_override_is_refused_with_the_way_to_configure() -> None:
    request = old_start("i-web")
    request.set_endpoint("127.0.0.1:8080")
    with lifecycle.mock_ecs() as ecs:
        with pytest.raises(UnservedRequest, match="configure the SDK as for the real cloud") as e:
            old(ecs).do_action_with_exception(request)
        ecs.refused.clear()
    assert (e.value.host, e.value.product) == ("127.0.0.1:8080", None)
    assert e.value.url == "http://127.0.0.1:8080/"


def test_a_credentials_provider_calling_sts_is_refused() -> None:
    """The Tea credential providers use ``Tea.core.TeaCore``: STS never leaves either."""
    config = CredentialConfig(
        type="ram_role_arn",
        access_key_id="LTAI-real",
        access_key_secret="real-secret",
        role_arn="acs:ram::1:role/x",
        role_session_name="s",
    )
    with lifecycle.mock_ecs() as ecs:
        with pytest.raises(UnservedRequest, match=r"host 'sts\.aliyuncs\.com'") as caught:
            CredentialClient(config).get_credential()
        assert {error.product for error in ecs.refused} == {"sts"}
        ecs.refused.clear()
    assert (caught.value.product, caught.value.action) == ("sts", "AssumeRole")


def test_the_tea_core_serves_ecs_as_the_dara_core_does() -> None:
    with lifecycle.mock_ecs() as ecs:
        ecs.model.create_instance("i-web", status="Stopped")
        request = TeaRequest()
        request.protocol = "https"
        request.method = "POST"
        request.pathname = "/"
        request.headers = {"host": "ecs.aliyuncs.com"}
        request.query = dict(
            v2_params(
                "StartInstance",
                {"InstanceId": "i-web"},
                key=ecs.access_key_id,
                secret=ecs.access_key_secret,
            )
        )
        response = TeaCore.do_action(request)
        assert (response.status_code, response.status_message) == (200, "OK")
        assert json.loads(response.body)["RequestId"] == response.headers["x-acs-request-id"]
        again = asyncio.run(TeaCore.async_do_action(request))
        assert json.loads(again.body)["Code"] == "SignatureNonceUsed"
        assert ecs.model.status("i-web") == InstanceStatus.STARTING


def test_another_path_on_the_ecs_host_is_refused() -> None:
    request = DaraRequest()
    request.protocol = "https"
    request.pathname = "/_lifecycle/reset"
    request.headers = {"host": "ecs.cn-hangzhou.aliyuncs.com"}
    with lifecycle.mock_ecs() as ecs:
        with pytest.raises(UnservedRequest, match="path '/_lifecycle/reset' is not ECS's RPC"):
            DaraCore.do_action(request)
        assert ecs.refused[0].action is None
        ecs.refused.clear()


def test_streamed_and_websocket_requests_are_refused() -> None:
    request = DaraRequest()
    request.headers = {"host": "ecs.cn-hangzhou.aliyuncs.com", "x-acs-action": "StartInstance"}
    with lifecycle.mock_ecs() as ecs:
        with pytest.raises(UnservedRequest, match="ECS has no streamed API"):
            DaraCore.do_sse_action(request)
        with pytest.raises(UnservedRequest, match="ECS has no streamed API"):
            asyncio.run(DaraCore.async_do_sse_action(request))
        with pytest.raises(UnservedRequest, match="ECS has no WebSocket API"):
            DefaultWebSocketClient(WebSocketHandler()).connect(request, {})
        assert len(ecs.refused) == 3
        ecs.refused.clear()


def run_under(ecs: MockEcs, body: Callable[[MockEcs], object]) -> None:
    with ecs:
        body(ecs)


def swallow_a_refusal(ecs: MockEcs) -> None:
    try:
        old(ecs).do_action_with_exception(DescribeUserDataRequest())
    except Exception:  # what a careless retry loop does
        return


def test_a_refusal_the_code_swallowed_is_raised_when_the_block_ends() -> None:
    with pytest.raises(UnservedRequest) as caught:
        run_under(lifecycle.mock_ecs(), swallow_a_refusal)
    assert "refused 1 request(s)" in str(caught.value)
    assert "'DescribeUserData'" in str(caught.value)


def test_a_refusal_behind_another_exception_is_noted_on_it() -> None:
    def fail_after_a_refusal(ecs: MockEcs) -> None:
        swallow_a_refusal(ecs)
        raise KeyError("the test's own failure")

    with pytest.raises(KeyError) as caught:
        run_under(lifecycle.mock_ecs(), fail_after_a_refusal)
    (note,) = caught.value.__notes__
    assert "refused 1 request(s)" in note


def test_the_refusal_that_ends_the_block_is_not_repeated() -> None:
    with pytest.raises(UnservedRequest) as caught:
        run_under(
            lifecycle.mock_ecs(),
            lambda ecs: old(ecs).do_action_with_exception(DescribeUserDataRequest()),
        )
    assert not hasattr(caught.value, "__notes__")
    assert caught.value.action == "DescribeUserData"


# -- leaving everything as it was ----------------------------------------------


def test_every_patch_is_undone_on_exit() -> None:
    before = originals()
    with lifecycle.mock_ecs():
        assert all(now is not then for now, then in zip(originals(), before, strict=True))
    assert all(now is then for now, then in zip(originals(), before, strict=True))
    assert MockEcs._active is None


def test_every_patch_is_undone_after_an_exception() -> None:
    before = originals()
    with pytest.raises(ZeroDivisionError), lifecycle.mock_ecs():
        _ = 1 / 0
    assert all(now is then for now, then in zip(originals(), before, strict=True))
    # And the mock can be used again.
    with lifecycle.mock_ecs() as ecs:
        assert repr(ecs) == "<MockEcs active, accounts: default>"
    assert repr(ecs) == "<MockEcs inactive, accounts: default>"


def test_a_failure_while_patching_undoes_the_patches_already_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = originals()

    def broken(self: MockEcs) -> None:
        raise RuntimeError("cannot patch")

    monkeypatch.setattr(MockEcs, "_patch_aliyunsdkcore", broken)
    with pytest.raises(RuntimeError, match="cannot patch"), lifecycle.mock_ecs():
        pass  # pragma: no cover - never entered
    assert all(now is then for now, then in zip(originals(), before, strict=True))
    assert MockEcs._active is None


def test_nesting_is_refused_and_leaves_the_outer_mock_working() -> None:
    outer = lifecycle.mock_ecs()
    with outer as ecs:
        ecs.model.create_instance("i-web", status="Stopped")
        for inner in (lifecycle.mock_ecs(), outer):
            with pytest.raises(InvalidArgument, match="already active"), inner:
                pass  # pragma: no cover - never entered
        old(ecs).do_action_with_exception(old_start("i-web"))
        assert ecs.model.status("i-web") == InstanceStatus.STARTING


def test_the_package_imports_no_sdk_and_serves_without_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code = (
        "import sys, lifecycle\n"
        "sdks = ('darabonba', 'Tea', 'aliyunsdkcore', 'alibabacloud', 'lifecycle.wire')\n"
        "print(sorted(m for m in sys.modules if m.startswith(sdks)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
    before = originals()
    for module in ("darabonba.core", "Tea.core", "aliyunsdkcore.http.http_response"):
        monkeypatch.setitem(sys.modules, module, None)  # importing it raises ImportError
    with lifecycle.mock_ecs() as ecs:
        assert originals() == before
        assert ecs.model.create_instance("i-web") == "i-web"


# -- the decorator and the fixture ------------------------------------------------

decorated = lifecycle.mock_ecs(seed=7)


@decorated
def start_through_the_old_sdk(instance_id: str) -> InstanceStatus:
    decorated.model.create_instance(instance_id, status="Stopped")
    old(decorated).do_action_with_exception(old_start(instance_id))
    return decorated.model.status(instance_id)


@decorated
async def start_through_the_tea_sdk(instance_id: str) -> InstanceStatus:
    decorated.model.create_instance(instance_id, status="Stopped")
    request = tea_models.StartInstanceRequest(instance_id=instance_id)
    await tea(decorated).start_instance_async(request)
    return decorated.model.status(instance_id)


def test_the_decorator_serves_each_call_from_fresh_accounts() -> None:
    before = originals()
    # The same id twice: the second call would be refused as a duplicate if state carried over.
    assert start_through_the_old_sdk("i-web") == InstanceStatus.STARTING
    assert start_through_the_old_sdk("i-web") == InstanceStatus.STARTING
    assert start_through_the_old_sdk.__name__ == "start_through_the_old_sdk"
    assert originals() == before


def test_the_decorator_serves_async_functions() -> None:
    assert inspect.iscoroutinefunction(start_through_the_tea_sdk)
    assert asyncio.run(start_through_the_tea_sdk("i-web")) == InstanceStatus.STARTING
    assert asyncio.run(start_through_the_tea_sdk("i-web")) == InstanceStatus.STARTING
    assert MockEcs._active is None


def test_the_fixture_is_an_active_mock(lifecycle_mock_ecs: MockEcs) -> None:
    assert MockEcs._active is lifecycle_mock_ecs
    lifecycle_mock_ecs.model.create_instance("i-web", status="Stopped")
    tea(lifecycle_mock_ecs).start_instance(tea_models.StartInstanceRequest(instance_id="i-web"))
    assert lifecycle_mock_ecs.model.status("i-web") == InstanceStatus.STARTING


def test_the_fixture_undoes_its_patches(tmp_path: Path) -> None:
    (tmp_path / "test_fixture.py").write_text(
        "from darabonba.core import DaraCore\n"
        "\n"
        "def module():\n"
        "    return DaraCore.__dict__['do_action'].__func__.__module__\n"
        "\n"
        "def test_inside(lifecycle_mock_ecs):\n"
        "    assert module() == 'lifecycle._mock'\n"
        "\n"
        "def test_after():\n"
        "    assert module() == 'darabonba.core'\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    assert "2 passed" in done.stdout
