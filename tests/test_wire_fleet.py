"""A real client's watch-and-drive loop, through the official SDKs against ``serve``.

What Terraform's provider, Ansible's modules (footmark) and fleet tools do:
create instances, poll DescribeInstances until they run, stop them all with
StopInstances, wait for Stopped through the ``Status`` filter, start them again
with StartInstances, reboot with RebootInstances, and read each instance's own
answer in a ``SuccessFirst`` response. The clients are the official
``alibabacloud-ecs20140526`` (Tea; V3 signatures by default, and V2) and the
old ``aliyun-python-sdk-ecs`` on ``aliyun-python-sdk-core``, unchanged. The
model's clock is frozen and moves only when a poll interval passes, through the
control surface, so nothing here depends on how fast the machine is.

Expected codes, statuses, messages and response fields come from
``specs/operations/<Action>.toml`` (``tests/reference.py``), never from the
package's own tables.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from alibabacloud_ecs20140526 import models as tea_models
from alibabacloud_ecs20140526.client import Client as TeaClient
from alibabacloud_tea_openapi import exceptions as tea_exceptions
from aliyunsdkcore.acs_exception.exceptions import ServerException as OldServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.StartInstancesRequest import StartInstancesRequest
from aliyunsdkecs.request.v20140526.StopInstancesRequest import StopInstancesRequest

from lifecycle import EcsModel
from lifecycle.wire import Credential, WireApp, WireServer
from tests.reference import error_entry, operation
from tests.wire_helpers import AK, SK, fresh_account, http, loopback_server, tea_client

REGION = "cn-hangzhou"
FLEET = ["i-web-1", "i-web-2", "i-web-3"]
#: Model seconds between two polls.
POLL = 5.0
#: More polls than any transition here takes at POLL seconds each.
MAX_POLLS = 100
REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\Z")
T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """What the SDK's exception carried."""

    status: int
    code: str
    message: str


@pytest.fixture(scope="module")
def app() -> WireApp:
    return WireApp([Credential(name="alice", access_key_id=AK, access_key_secret=SK)])


@pytest.fixture(scope="module")
def server(app: WireApp) -> Iterator[WireServer]:
    with loopback_server(app) as running:
        yield running


@pytest.fixture
def alice(app: WireApp) -> EcsModel:
    return fresh_account(app, "alice")


@pytest.fixture(scope="module", params=["v3", "v2"])
def tea(request: pytest.FixtureRequest, server: WireServer) -> TeaClient:
    """The Tea SDK, signing with V3 (its default) or V2."""
    return tea_client(server.endpoint, None if request.param == "v3" else "v2")


@pytest.fixture(scope="module")
def old(server: WireServer) -> Iterator[AcsClient]:
    client = AcsClient(AK, SK, REGION, auto_retry=False, timeout=10, connect_timeout=5)
    yield client
    # Its pooled connections, closed now rather than by the garbage collector.
    client.session.close()


def advance(server: WireServer, seconds: float) -> None:
    """A poll interval passes on the model's clock, through the control surface."""
    status, _, _ = http(
        server.url + "/_lifecycle/clock/advance",
        method="POST",
        body=json.dumps({"seconds": seconds}).encode(),
        headers={
            "Authorization": f"Bearer {server.app.control.token}",
            "Content-Type": "application/json",
        },
    )
    assert status == 200


def wait_for(server: WireServer, read: Callable[[], T], done: Callable[[T], bool]) -> list[T]:
    """Poll ``read`` until ``done``, a poll interval apart: every answer read."""
    seen = [read()]
    while not done(seen[-1]):
        assert len(seen) < MAX_POLLS, seen[-1]
        advance(server, POLL)
        seen.append(read())
    return seen


def refused(call: Callable[[], object]) -> Refusal:
    """The Tea SDK's exception for a refused call, as the HTTP status, code and message."""
    with pytest.raises((tea_exceptions.ClientException, tea_exceptions.ServerException)) as info:
        call()
    error: Any = info.value
    return Refusal(error.status_code, error.code, error.data["Message"])


def documented(action: str, code: str) -> Refusal:
    """The ``[[errors]]`` row of ``code`` in ``specs/operations/<action>.toml``."""
    entry = error_entry(action, code)
    return Refusal(entry["http_status"], code, entry["message"])


# ------------------------------------------------------------- Tea, as a client
def describe(tea: TeaClient, **fields: Any) -> dict[str, Any]:
    request = tea_models.DescribeInstancesRequest(region_id=REGION, **fields)
    body: dict[str, Any] = tea.describe_instances(request).body.to_map()
    return body


def instances(body: dict[str, Any]) -> dict[str, str]:
    """Instance id to status, from a DescribeInstances body."""
    return {item["InstanceId"]: item["Status"] for item in body["Instances"]["Instance"]}


def batch(tea: TeaClient, action: str, ids: list[str], **fields: Any) -> dict[str, Any]:
    calls: dict[str, tuple[Callable[[Any], Any], type[Any]]] = {
        "StartInstances": (tea.start_instances, tea_models.StartInstancesRequest),
        "StopInstances": (tea.stop_instances, tea_models.StopInstancesRequest),
        "RebootInstances": (tea.reboot_instances, tea_models.RebootInstancesRequest),
    }
    method, request = calls[action]
    response = method(request(region_id=REGION, instance_id=ids, **fields))
    assert response.status_code == 200
    body: dict[str, Any] = response.body.to_map()
    return body


def per_instance(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A batch answer's ``InstanceResponses``, by instance id, in request order."""
    return {item["InstanceId"]: item for item in body["InstanceResponses"]["InstanceResponse"]}


def moved(before: str, after: str) -> dict[str, str]:
    """What a batch answer says of an instance that moved."""
    return {"Code": "200", "Message": "success", "PreviousStatus": before, "CurrentStatus": after}


def test_a_real_client_watches_and_drives_a_fleet(
    tea: TeaClient, server: WireServer, alice: EcsModel
) -> None:
    # Created as RunInstances leaves them: starting. One more, security-locked.
    for name in FLEET:
        alice.create_instance(name, status="Starting")
    alice.create_instance("i-locked", status="Running", security_locked=True)
    ids = json.dumps(FLEET)  # ["i-web-1", "i-web-2", "i-web-3"]: footmark's json.dumps

    # 1. Poll DescribeInstances until every instance runs.
    polls = wait_for(
        server,
        lambda: describe(tea, instance_ids=ids),
        lambda body: set(instances(body).values()) == {"Running"},
    )
    assert [set(instances(body).values()) for body in polls[:-1]] == [{"Starting"}] * (
        len(polls) - 1
    )
    assert len(polls) > 1  # the first poll saw them starting
    assert list(instances(polls[-1])) == FLEET
    assert polls[-1]["TotalCount"] == len(FLEET)

    # 2. Stop them all in one request (AllTogether, the default).
    stopped = batch(tea, "StopInstances", FLEET)
    assert {key: dict(value) for key, value in per_instance(stopped).items()} == {
        name: {"InstanceId": name, **moved("Running", "Stopping")} for name in FLEET
    }

    # 3. Wait for Stopped through the Status filter.
    polls = wait_for(
        server,
        lambda: describe(tea, instance_ids=ids, status="Stopped"),
        lambda body: body["TotalCount"] == len(FLEET),
    )
    assert polls[0]["TotalCount"] == 0  # all still Stopping at the first poll
    assert set(instances(polls[-1]).values()) == {"Stopped"}
    assert {item["StoppedMode"] for item in polls[-1]["Instances"]["Instance"]} == {"KeepCharging"}

    # 4. Start them again, and wait for Running the same way.
    started = batch(tea, "StartInstances", FLEET)
    assert [item["CurrentStatus"] for item in per_instance(started).values()] == ["Starting"] * 3
    wait_for(
        server,
        lambda: describe(tea, instance_ids=ids, status="Running"),
        lambda body: body["TotalCount"] == len(FLEET),
    )

    # 5. Reboot with the batch action, each instance on its own (SuccessFirst):
    #    the locked one and a missing one fail, the others reboot.
    rebooted = batch(
        tea,
        "RebootInstances",
        [*FLEET, "i-locked", "i-missing"],
        batch_optimization="SuccessFirst",
    )
    answers = per_instance(rebooted)
    assert list(answers) == [*FLEET, "i-locked", "i-missing"]
    for name in FLEET:
        assert answers[name] == {"InstanceId": name, **moved("Running", "Starting")}
    locked = documented("RebootInstances", "InstanceLockedForSecurity")
    assert answers["i-locked"] == {
        "InstanceId": "i-locked",
        "Code": locked.code,
        "Message": locked.message,
        "PreviousStatus": "Running",
        "CurrentStatus": "Running",
    }
    missing = documented("RebootInstances", "InvalidInstanceId.NotFound")
    assert answers["i-missing"] == {
        "InstanceId": "i-missing",
        "Code": missing.code,
        "Message": missing.message,
    }
    # One request, one RequestId; the model saw the same.
    assert REQUEST_ID.match(rebooted["RequestId"])
    assert {alice.status(name) for name in FLEET} == {"Starting"}
    assert alice.status("i-locked") == "Running"
    everything = wait_for(
        server,
        lambda: describe(tea, status="Running"),
        lambda body: body["TotalCount"] == len(FLEET) + 1,
    )
    assert set(instances(everything[-1])) == {*FLEET, "i-locked"}


def test_describe_instances_shows_the_documented_fields(tea: TeaClient, alice: EcsModel) -> None:
    alice.create_instance("i-1", status="Running")
    alice.create_instance("i-2", status="Stopped", security_locked=True, charge_type="PrePaid")
    body = describe(tea, instance_ids='["i-1", "i-2"]')
    response = operation("DescribeInstances")["response"]
    assert set(body) == {name.split(".")[0] for name in response["top_level"]}
    running, locked = body["Instances"]["Instance"]
    fields = {name.split(".")[0] for name in response["instance_fields"]}
    assert set(running) == fields
    assert set(locked) == fields - {"StartTime"}  # never started: left out, not invented
    assert running["ExpiredTime"] == response["postpaid_expired_time"]
    assert (running["RegionId"], running["ZoneId"]) == (
        response["default_region"],
        response["default_zone"],
    )
    assert running["OperationLocks"] == {"LockReason": []}
    assert locked["OperationLocks"] == {"LockReason": [{"LockReason": "security"}]}
    assert (running["StoppedMode"], locked["InstanceChargeType"]) == ("Not-applicable", "PrePaid")


def test_an_empty_instance_id_list_matches_nothing(tea: TeaClient, alice: EcsModel) -> None:
    alice.create_instance("i-1", status="Running")
    body = describe(tea, instance_ids="[]")
    assert (body["TotalCount"], body["Instances"]["Instance"]) == (0, [])
    assert describe(tea)["TotalCount"] == 1


def test_a_client_pages_through_next_tokens(tea: TeaClient, alice: EcsModel) -> None:
    names = [f"i-{n:02d}" for n in range(25)]
    for name in names:
        alice.create_instance(name, status="Running")
    seen: list[str] = []
    token = None
    while True:
        body = describe(tea, max_results=10, next_token=token)
        seen += instances(body)
        token = body["NextToken"]
        if not token:
            break
    assert seen == names


#: AllTogether: one failing instance fails the request, with that instance's code.
ALL_TOGETHER = [
    ("StopInstances", {"i-1": "Running"}, ["i-1", "i-locked"], "InstanceLockedForSecurity"),
    ("StopInstances", {"i-1": "Running"}, ["i-1", "i-missing"], "InvalidInstanceIds.NotFound"),
    (
        "StartInstances",
        {"i-1": "Stopped", "i-2": "Running"},
        ["i-1", "i-2"],
        "IncorrectInstanceStatus",
    ),
    ("RebootInstances", {"i-1": "Running"}, ["i-1", "i-locked"], "InstanceLockedForSecurity"),
]


@pytest.mark.parametrize(("action", "setup", "ids", "code"), ALL_TOGETHER)
def test_all_together_fails_as_one_and_changes_nothing(
    tea: TeaClient,
    alice: EcsModel,
    action: str,
    setup: dict[str, str],
    ids: list[str],
    code: str,
) -> None:
    for name, status in setup.items():
        alice.create_instance(name, status=status)
    alice.create_instance("i-locked", status="Running", security_locked=True)
    before = instances(describe(tea))
    refusal = refused(lambda: batch(tea, action, ids, batch_optimization="AllTogether"))
    assert refusal == documented(action, code)
    assert instances(describe(tea)) == before


def test_describe_instance_attribute_is_one_instance_flat(tea: TeaClient, alice: EcsModel) -> None:
    alice.create_instance("i-1", status="Running", security_locked=True)
    request = tea_models.DescribeInstanceAttributeRequest(instance_id="i-1")
    body = tea.describe_instance_attribute(request).body.to_map()
    response = operation("DescribeInstanceAttribute")["response"]
    assert set(body) == {name.split(".")[0] for name in response["top_level"]}
    assert not set(body) & set(response["left_out"])
    assert (body["InstanceId"], body["Status"]) == ("i-1", "Running")
    assert body["OperationLocks"] == {"LockReason": [{"LockReason": "security"}]}
    missing = tea_models.DescribeInstanceAttributeRequest(instance_id="i-nope")
    assert refused(lambda: tea.describe_instance_attribute(missing)) == documented(
        "DescribeInstanceAttribute", "InvalidInstanceId.NotFound"
    )


def test_a_client_behind_an_http_proxy_is_served(server: WireServer, alice: EcsModel) -> None:
    """Through a proxy the request names its target in absolute form
    (``POST http://ecs.cn-hangzhou.aliyuncs.com/?...``); ``serve`` is the proxy here."""
    alice.create_instance("i-1", status="Stopped")
    proxied = tea_client("ecs.cn-hangzhou.aliyuncs.com", http_proxy=server.url)
    assert per_instance(batch(proxied, "StartInstances", ["i-1"]))["i-1"]["Code"] == "200"
    assert instances(describe(proxied, status="Starting")) == {"i-1": "Starting"}


# ------------------------------------------------------ the old SDK (footmark)
def old_call(old: AcsClient, server: WireServer, request: Any) -> bytes:
    """As footmark sends it: the stray ``on=<Action>`` parameter too."""
    request.add_query_param("on", request.get_action_name())
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    raw: bytes = old.do_action_with_exception(request)
    return raw


def test_the_old_sdk_drives_a_batch_and_watches_it(
    old: AcsClient, server: WireServer, alice: EcsModel, caplog: pytest.LogCaptureFixture
) -> None:
    for name in FLEET:
        alice.create_instance(name, status="Running")
    stop = StopInstancesRequest()
    stop.set_InstanceIds(FLEET)
    stop.set_BatchOptimization("SuccessFirst")
    stop.set_ForceStop(True)
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        body = json.loads(old_call(old, server, stop))
    assert [item["Code"] for item in body["InstanceResponses"]["InstanceResponse"]] == ["200"] * 3
    assert {alice.status(name) for name in FLEET} == {"Stopping"}
    assert (
        "StopInstances: ignored parameters it does not document: 'on'"
        " (as ECS does; named once, then at DEBUG)"
    ) in caplog.messages

    def poll() -> dict[str, Any]:
        request = DescribeInstancesRequest()
        request.set_InstanceIds(json.dumps(FLEET))
        request.set_Status("Stopped")
        value: dict[str, Any] = json.loads(old_call(old, server, request))
        return value

    polls = wait_for(server, poll, lambda body: body["TotalCount"] == len(FLEET))
    assert polls[0]["TotalCount"] == 0
    assert list(instances(polls[-1])) == FLEET


def test_the_old_sdk_sees_an_all_together_failure(
    old: AcsClient, server: WireServer, alice: EcsModel
) -> None:
    alice.create_instance("i-1", status="Stopped")
    start = StartInstancesRequest()
    start.set_InstanceIds(["i-1", "i-missing"])
    with pytest.raises(OldServerException) as info:
        old_call(old, server, start)
    error = info.value
    expected = documented("StartInstances", "InvalidInstanceIds.NotFound")
    assert (error.get_http_status(), error.get_error_code(), error.get_error_msg()) == (
        expected.status,
        expected.code,
        expected.message,
    )
    assert alice.status("i-1") == "Stopped"


def test_the_old_sdk_reads_describe_instances_in_xml(
    old: AcsClient, server: WireServer, alice: EcsModel
) -> None:
    for name in FLEET:
        alice.create_instance(name, status="Running")
    alice.create_instance("i-locked", status="Running", security_locked=True)
    request = DescribeInstancesRequest()
    request.set_accept_format("XML")
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    # do_action_with_exception asks for JSON whatever was set; do_action sends the
    # format asked for (and is deprecated).
    with pytest.warns(DeprecationWarning, match="do_action"):
        raw = old.do_action(request)
    root = ET.fromstring(raw)
    assert root.tag == "DescribeInstancesResponse"
    # A list is its element repeated inside the wrapper, as ECS writes XML.
    (wrapper,) = root.findall("Instances")
    assert [child.tag for child in wrapper] == ["Instance"] * 4
    assert [item.findtext("InstanceId") for item in wrapper] == [*FLEET, "i-locked"]
    locks = wrapper[3].findall("OperationLocks/LockReason/LockReason")
    assert [lock.text for lock in locks] == ["security"]
    assert root.findtext("TotalCount") == "4"
