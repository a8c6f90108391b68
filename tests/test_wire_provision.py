"""A user's provisioning code, through the official SDKs, against ``serve`` and ``mock_ecs()``.

What issue 13 asks of the wire: create -> wait -> drive -> renew -> delete, as a
user's own code does it, with the SDKs unchanged. Three clients
(``alibabacloud-ecs20140526`` signing V3 and V2, ``aliyun-python-sdk-ecs`` on
``aliyun-python-sdk-core``), against a live server on a loopback port (the
clock moved through the control surface) and in-process under
``lifecycle.mock_ecs()`` (the clock moved on the mock). Every refusal's code,
HTTP status and message is read from ``specs/operations/<Action>.toml``
(``tests.reference.error_entry``), never from the package's tables.

Requests are written once, as the documented request map (``Tag``, a list of
``{"Key", "Value"}``; ``SystemDisk``, a struct; ``InstanceId``, a list), and
each SDK builds its own request from it with its own API: the Tea SDK's
``Request().from_map`` and the old SDK's typed setters (``set_Tags``,
``set_SystemDisk``, ``set_InstanceIds``), so each flattens it as it would for a user.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import re
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree import ElementTree

import pytest
from alibabacloud_ecs20140526 import models as tea_models
from alibabacloud_ecs20140526.client import Client as TeaClient
from alibabacloud_tea_openapi import models as tea_openapi
from aliyunsdkcore.acs_exception.exceptions import ServerException as OldServerException
from aliyunsdkcore.client import AcsClient

import lifecycle
from lifecycle import EcsModel, MockEcs
from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, WireServer
from tests.reference import error_entry
from tests.test_wire_sdk import REQUEST_ID, Refusal, tea_answer
from tests.wire_helpers import (
    AK,
    SK,
    body_json,
    expected_wire_error,
    fresh_account,
    http,
    loopback_server,
    tea_client,
    v2_request,
    v3_request,
)

REGION = "cn-hangzhou"
TYPE = "ecs.g7.large"
IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
CLIENTS = ["tea-v3", "tea-v2", "aliyun-core"]
TOKEN = "provision-control"
WEEK = 7 * 24 * 3600

Result = dict[str, Any] | Refusal

#: What a user's RunInstances carries beyond what the model reads: a security
#: group and vSwitch, the disks, tags, a list and a list inside a list.
LAUNCH: dict[str, Any] = {
    "RegionId": REGION,
    "ImageId": IMAGE,
    "InstanceType": TYPE,
    "SecurityGroupId": "sg-web",
    "VSwitchId": "vsw-web",
    "InternetMaxBandwidthOut": 5,
    "SystemDisk": {"Category": "cloud_essd", "Size": 40},
    "DataDisk": [
        {"Category": "cloud_essd", "Size": 100, "DeleteWithInstance": True},
        {"Category": "cloud_auto", "Size": 200, "Encrypted": True},
    ],
    "Tag": [{"Key": "team", "Value": "web"}, {"Key": "env", "Value": "test"}],
}


def snake(action: str) -> str:
    """The Tea client's method: ``ReActivateInstances`` -> ``re_activate_instances``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


class Sdk:
    """One official client, configured for ``serve`` (an endpoint) or as for the cloud."""

    def __init__(self, name: str, endpoint: str | None, key: str, secret: str) -> None:
        self.name = name
        self.endpoint = endpoint
        algorithm = None if name == "tea-v3" else "v2"
        if name == "aliyun-core":
            self.old = AcsClient(key, secret, REGION, auto_retry=False, timeout=10)
        elif endpoint is not None:
            self.tea = tea_client(endpoint, algorithm, key=key, secret=secret)
        else:
            config = tea_openapi.Config(
                access_key_id=key, access_key_secret=secret, region_id=REGION
            )
            if algorithm is not None:
                config.signature_algorithm = algorithm
            self.tea = TeaClient(config)

    def call(self, action: str, **fields: Any) -> Result:
        """``action`` with the documented request map ``fields``: the body, or the refusal."""
        if self.name != "aliyun-core":
            request = getattr(tea_models, f"{action}Request")().from_map(fields)
            return tea_answer(lambda: getattr(self.tea, snake(action))(request))
        module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{action}Request")
        old = getattr(module, f"{action}Request")()
        for name, value in fields.items():
            # The old SDK's own setters: a list is set_<Name>s, anything else set_<Name>.
            setter = f"set_{name}s" if isinstance(value, list) else f"set_{name}"
            if name == "RegionId" and not hasattr(old, setter):
                continue  # the client sends its own region with every request
            getattr(old, setter)(value)
        if self.endpoint is not None:
            old.set_endpoint(self.endpoint)
            old.set_protocol_type("http")
        try:
            raw = self.old.do_action_with_exception(old)
        except OldServerException as error:
            return Refusal(
                error.get_http_status(),
                error.get_error_code(),
                error.get_error_msg(),
                error.get_request_id(),
            )
        finally:
            self.old.session.close()  # else a pooled socket is an unraisable ResourceWarning
        body: dict[str, Any] = json.loads(raw)
        return body

    def ok(self, action: str, **fields: Any) -> dict[str, Any]:
        answer = self.call(action, **fields)
        assert isinstance(answer, dict), (action, answer)
        assert REQUEST_ID.match(answer["RequestId"])
        return answer


class World:
    """What no ECS action does: time passing, prices, money, the platform's own stops."""

    def advance(self, seconds: float) -> None:
        raise NotImplementedError

    def billing(self, **fields: Any) -> None:
        raise NotImplementedError

    def price(self, instance_type: str, price: float, period_unit: str) -> None:
        raise NotImplementedError

    def stock(self, instance_type: str, count: int | None) -> None:
        raise NotImplementedError

    def platform_stop(self, instance_id: str, cause: str) -> None:
        raise NotImplementedError


class Served(World):
    """``serve``: all of it through the control surface, over HTTP, as a harness does."""

    def __init__(self, server: WireServer, account: str) -> None:
        self.server = server
        self.account = account

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, _, answer = http(
            f"{self.server.url}/_lifecycle/{path}",
            method="POST",
            body=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        assert status == 200, answer
        value: dict[str, Any] = json.loads(answer)
        return value

    def advance(self, seconds: float) -> None:
        self._post("clock/advance", {"seconds": seconds})

    def billing(self, **fields: Any) -> None:
        self._post(f"accounts/{self.account}/billing", fields)

    def price(self, instance_type: str, price: float, period_unit: str) -> None:
        body = {"instance_type": instance_type, "price": price, "period_unit": period_unit}
        assert self._post(f"accounts/{self.account}/prices", body) == body

    def stock(self, instance_type: str, count: int | None) -> None:
        body = {"instance_type": instance_type, "count": count}
        assert self._post(f"accounts/{self.account}/stock", body) == body

    def platform_stop(self, instance_id: str, cause: str) -> None:
        answer = self._post(
            f"accounts/{self.account}/instances/{instance_id}/platform-stop", {"cause": cause}
        )
        assert answer["stopped"] is True


class Mocked(World):
    """``mock_ecs()``: the model and the clock, from Python."""

    def __init__(self, ecs: MockEcs) -> None:
        self.ecs = ecs

    def advance(self, seconds: float) -> None:
        self.ecs.clock.advance(seconds)

    def billing(self, **fields: Any) -> None:
        if "balance" in fields:
            self.ecs.model.set_balance(fields["balance"])
        if "in_arrears" in fields:
            self.ecs.model.set_in_arrears(fields["in_arrears"])

    def price(self, instance_type: str, price: float, period_unit: str) -> None:
        self.ecs.model.set_price(instance_type, price, period_unit=period_unit)

    def stock(self, instance_type: str, count: int | None) -> None:
        self.ecs.model.set_stock(instance_type, count)

    def platform_stop(self, instance_id: str, cause: str) -> None:
        assert self.ecs.model.stop_by_platform(instance_id, cause) is True


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def app() -> WireApp:
    return WireApp(
        [Credential(name="alice", access_key_id=AK, access_key_secret=SK)],
        WireConfig(),
        control_token=TOKEN,
    )


@pytest.fixture(scope="module")
def server(app: WireApp) -> Iterator[WireServer]:
    with loopback_server(app) as running:
        yield running


@pytest.fixture
def alice(app: WireApp) -> EcsModel:
    return fresh_account(app, "alice")


Setting = tuple[Sdk, World, Callable[[], EcsModel]]
PLACES = [(where, client) for where in ("serve", "mock_ecs") for client in CLIENTS]


@pytest.fixture(params=PLACES, ids=[f"{where}-{client}" for where, client in PLACES])
def setting(
    request: pytest.FixtureRequest, server: WireServer, alice: EcsModel
) -> Iterator[Setting]:
    """One client against ``serve`` or under ``mock_ecs()``; its world; the account's model."""
    where, client = request.param
    if where == "serve":
        yield Sdk(client, server.endpoint, AK, SK), Served(server, "alice"), lambda: alice
        return
    with lifecycle.mock_ecs() as ecs:
        sdk = Sdk(client, None, ecs.access_key_id, ecs.access_key_secret)
        yield sdk, Mocked(ecs), lambda: ecs.model


# ----------------------------------------------------------------- helpers
def documented(action: str, code: str, **fields: str) -> tuple[int, str, str]:
    """The status, code and message ``specs/operations/<action>.toml`` documents."""
    entry = error_entry(action, code)
    return entry["http_status"], code, entry["message"].format(**fields)


def refused(answer: Result) -> tuple[int, str, str]:
    assert isinstance(answer, Refusal), answer
    assert REQUEST_ID.match(answer.request_id)
    return answer.status, answer.code, answer.message


def statuses(sdk: Sdk, ids: list[str]) -> dict[str, str]:
    """What DescribeInstances shows of ``ids``: id -> status (a released id is absent)."""
    body = sdk.ok("DescribeInstances", RegionId=REGION, InstanceIds=json.dumps(ids), PageSize=100)
    assert body["TotalCount"] == len(body["Instances"]["Instance"])
    return {item["InstanceId"]: item["Status"] for item in body["Instances"]["Instance"]}


def wait(sdk: Sdk, world: World, ids: list[str], status: str) -> list[set[str]]:
    """Poll DescribeInstances every 5 s (model time) until every id shows ``status``."""
    seen: list[set[str]] = []
    for _ in range(100):
        shown = statuses(sdk, ids)
        assert sorted(shown) == sorted(ids)
        seen.append(set(shown.values()))
        if seen[-1] == {status}:
            return seen
        world.advance(5)
    raise AssertionError(f"never {status}: {seen[-3:]}")


def ids_of(body: dict[str, Any]) -> list[str]:
    ids: list[str] = body["InstanceIdSets"]["InstanceIdSet"]
    return ids


# ------------------------------------------------------- the provisioning loop
def test_run_wait_retry_stop_delete_as_a_user_s_code_does(setting: Setting) -> None:
    sdk, world, model = setting
    launch = {**LAUNCH, "Amount": 3, "ClientToken": f"web-{sdk.name}", "InstanceName": "web"}

    # 1. RunInstances with Amount: three ids at once, PostPaid (no OrderId, nothing charged).
    run = sdk.ok("RunInstances", **launch)
    ids = ids_of(run)
    assert len(ids) == len(set(ids)) == 3
    assert "OrderId" not in run
    assert run["TradePrice"] == 0.0

    # 2. Wait for Running through DescribeInstances, the clock moving 5 s a poll.
    seen = wait(sdk, world, ids, "Running")
    assert seen[0] == {"Pending"}
    assert {"Starting"} in seen
    assert seen[-1] == {"Running"}

    # 3. A retry with the same ClientToken (a timeout, say): the same ids, none new.
    again = sdk.ok("RunInstances", **launch)
    assert ids_of(again) == ids
    assert again["RequestId"] != run["RequestId"]
    everything = sdk.ok("DescribeInstances", RegionId=REGION, PageSize=100)
    assert sorted(item["InstanceId"] for item in everything["Instances"]["Instance"]) == sorted(ids)
    # The same token with another request (a disk of another size) is refused, and
    # creates nothing: the ignored parameters reach the model and count.
    bigger = [{**LAUNCH["DataDisk"][0], "Size": 500}, LAUNCH["DataDisk"][1]]
    mismatch = sdk.call("RunInstances", **{**launch, "DataDisk": bigger})
    assert refused(mismatch) == documented("RunInstances", "IdempotentParameterMismatch")
    assert len(model()) == 3

    # 4. DeleteInstance refuses a Running instance without Force.
    first, *rest = ids
    assert refused(sdk.call("DeleteInstance", InstanceId=first)) == documented(
        "DeleteInstance", "IncorrectInstanceStatus"
    )

    # 5. StopInstance, wait Stopped, DeleteInstance: gone at once.
    sdk.ok("StopInstance", InstanceId=first)
    wait(sdk, world, [first], "Stopped")
    deleted = sdk.ok("DeleteInstance", InstanceId=first)
    assert list(deleted) == ["RequestId"]

    # 6. NotFound to every action; absent from every describe.
    for action in ("DeleteInstance", "StartInstance", "StopInstance", "DescribeInstanceAttribute"):
        assert refused(sdk.call(action, InstanceId=first)) == documented(
            action, "InvalidInstanceId.NotFound"
        ), action
    assert statuses(sdk, ids) == dict.fromkeys(rest, "Running")
    listed = sdk.ok("DescribeInstanceStatus", RegionId=REGION, InstanceId=[first])
    assert (listed["TotalCount"], listed["InstanceStatuses"]["InstanceStatus"]) == (0, [])

    # 7. DeleteInstances, the batch form, with Force on Running instances; an
    #    unknown id among them refuses the whole request first.
    assert refused(
        sdk.call("DeleteInstances", RegionId=REGION, InstanceId=[*rest, first], Force=True)
    ) == documented("DeleteInstances", "InvalidInstanceIds.NotFound")
    assert statuses(sdk, rest) == dict.fromkeys(rest, "Running")
    batch = sdk.ok("DeleteInstances", RegionId=REGION, InstanceId=rest, Force=True)
    assert list(batch) == ["RequestId"]
    assert statuses(sdk, ids) == {}
    assert len(model()) == 0


def test_a_prepaid_instance_expires_is_stopped_renewed_and_runs_again(setting: Setting) -> None:
    sdk, world, model = setting
    world.price(TYPE, 12.5, "Week")
    world.billing(balance=30)
    prepaid = {**LAUNCH, "InstanceChargeType": "PrePaid", "Period": 1, "PeriodUnit": "Week"}

    # Bought: an order, the price charged.
    run = sdk.ok("RunInstances", **prepaid)
    (instance,) = ids_of(run)
    assert re.fullmatch(r"[0-9]+", run["OrderId"])
    assert run["TradePrice"] == 12.5
    assert model().account.balance == 17.5
    wait(sdk, world, [instance], "Running")
    expires = sdk.ok("DescribeInstanceAttribute", InstanceId=instance)["ExpiredTime"]

    # Not released before it expires.
    assert refused(sdk.call("DeleteInstance", InstanceId=instance, Force=True)) == documented(
        "DeleteInstance", "ChargeTypeViolation"
    )

    # The week passes; the platform stops it ("stops providing services").
    world.advance(WEEK)
    world.platform_stop(instance, "expiry")
    wait(sdk, world, [instance], "Stopped")
    assert refused(sdk.call("StartInstance", InstanceId=instance)) == documented(
        "StartInstance", "InstanceExpired"
    )

    # A renewal the balance cannot pay is refused and changes nothing.
    world.billing(balance=10)
    assert refused(
        sdk.call("RenewInstance", InstanceId=instance, Period=1, PeriodUnit="Week")
    ) == documented("RenewInstance", "InsufficientBalance")
    assert statuses(sdk, [instance]) == {instance: "Stopped"}

    # Renewed: a new order; the instance the platform stopped runs again by itself.
    world.billing(balance=30)
    renewed = sdk.ok("RenewInstance", InstanceId=instance, Period=1, PeriodUnit="Week")
    assert sorted(renewed) == ["OrderId", "RequestId"]
    assert renewed["OrderId"] != run["OrderId"]
    wait(sdk, world, [instance], "Running")
    later = sdk.ok("DescribeInstanceAttribute", InstanceId=instance)["ExpiredTime"]
    assert later > expires

    # RenewInstance of a PostPaid instance: the documented charge-type refusal.
    (postpaid,) = ids_of(sdk.ok("RunInstances", **LAUNCH))
    assert refused(
        sdk.call("RenewInstance", InstanceId=postpaid, Period=1, PeriodUnit="Month")
    ) == documented("RenewInstance", "ChargeTypeViolation")


def test_reactivate_after_arrears_brings_an_overdue_instance_back(setting: Setting) -> None:
    sdk, world, _ = setting
    (instance,) = ids_of(sdk.ok("RunInstances", **LAUNCH))
    wait(sdk, world, [instance], "Running")
    assert refused(sdk.call("ReActivateInstances", InstanceId=instance)) == documented(
        "ReActivateInstances", "ReopenInstance.InstanceStatusNotValid"
    )

    # Payment overdue: the platform stops the PostPaid instance.
    world.billing(in_arrears=True)
    world.platform_stop(instance, "overdue")
    wait(sdk, world, [instance], "Stopped")
    assert refused(sdk.call("ReActivateInstances", InstanceId=instance)) == documented(
        "ReActivateInstances", "ReopenInstance.InstanceNotEnoughBalance"
    )

    # Paid: ReActivateInstances (one InstanceId, despite the name) starts it again.
    world.billing(in_arrears=False)
    assert list(sdk.ok("ReActivateInstances", InstanceId=instance)) == ["RequestId"]
    wait(sdk, world, [instance], "Running")
    assert refused(sdk.call("ReActivateInstances", InstanceId="i-nope")) == documented(
        "ReActivateInstances", "InvalidInstanceId.NotFound"
    )


def test_create_instance_is_stopped_until_started(setting: Setting) -> None:
    sdk, world, _ = setting
    created = sdk.ok("CreateInstance", **{**LAUNCH, "InstanceName": "db"})
    instance = created["InstanceId"]
    assert "OrderId" not in created
    wait(sdk, world, [instance], "Stopped")
    sdk.ok("StartInstance", InstanceId=instance)
    wait(sdk, world, [instance], "Running")
    shown = sdk.ok("DescribeInstances", RegionId=REGION, InstanceName="d*")
    assert [item["InstanceId"] for item in shown["Instances"]["Instance"]] == [instance]


def test_short_stock_refuses_all_or_creates_what_min_amount_allows(setting: Setting) -> None:
    sdk, world, model = setting
    world.stock(TYPE, 2)
    assert refused(sdk.call("RunInstances", **LAUNCH, Amount=3)) == documented(
        "RunInstances", "OperationDenied.NoStock"
    )
    assert len(model()) == 0
    some = ids_of(sdk.ok("RunInstances", **LAUNCH, Amount=3, MinAmount=2))
    assert len(some) == 2
    world.stock(TYPE, None)
    assert len(ids_of(sdk.ok("RunInstances", **LAUNCH, Amount=3))) == 3


MADE = {"RegionId": REGION, "ImageId": IMAGE, "InstanceType": TYPE}
REQUEST_REFUSALS: list[tuple[str, dict[str, Any], str, dict[str, str]]] = [
    (
        "RunInstances",
        {"RegionId": REGION, "InstanceType": TYPE},
        "MissingParameter",
        {"parameter": "ImageId"},
    ),
    ("RunInstances", {**MADE, "Amount": 101}, "InvalidParameter", {"parameter": "Amount"}),
    ("RunInstances", {**MADE, "InstanceChargeType": "PrePaid"}, "MissingParamter", {}),
    ("RunInstances", {**MADE, "DryRun": True}, "DryRunOperation", {}),
    ("CreateInstance", {**MADE, "InstanceType": "g7"}, "InvalidInstanceType.ValueNotSupported", {}),
    ("CreateInstance", {**MADE, "PeriodUnit": "Year"}, "InvalidPeriodType.ValueNotSupported", {}),
    (
        "DeleteInstances",
        {"RegionId": REGION, "InstanceId": ["i-nope"], "DryRun": True},
        "DRYRUN.SUCCESS",
        {},
    ),
    ("RenewInstance", {"InstanceId": "i-nope"}, "InvalidPeriod.NotFound", {}),
    ("RenewInstance", {"InstanceId": "i-nope", "Period": 1}, "InvalidInstanceId.NotFound", {}),
]


@pytest.mark.parametrize(
    ("action", "fields", "code", "message"),
    REQUEST_REFUSALS,
    ids=[f"{action}-{code}" for action, _, code, _ in REQUEST_REFUSALS],
)
def test_request_refusals_reach_the_sdk_as_documented(
    setting: Setting, action: str, fields: dict[str, Any], code: str, message: dict[str, str]
) -> None:
    sdk, _, model = setting
    assert refused(sdk.call(action, **fields)) == documented(action, code, **message)
    assert len(model()) == 0


# ------------------------------------------- every name each SDK can send
#: What the model reads, set to values it accepts; every other field of the SDK's
#: request is filled in with a placeholder of its type.
MODELLED: dict[str, dict[str, Any]] = {
    "RunInstances": {
        **MADE,
        "Amount": 2,
        "MinAmount": 1,
        "InstanceChargeType": "PostPaid",
        "Period": 1,
        "PeriodUnit": "Month",
        "AutoRenew": False,
        "AutoRenewPeriod": 1,
        "AutoPay": True,
        "InstanceName": "web",
        "UniqueSuffix": True,
        "ClientToken": "every-name",
        "DeletionProtection": False,
        "ZoneId": "cn-hangzhou-i",
        "DryRun": False,
    },
    "CreateInstance": {
        **MADE,
        "InstanceChargeType": "PostPaid",
        "Period": 1,
        "PeriodUnit": "Month",
        "AutoRenew": False,
        "AutoRenewPeriod": 1,
        "InstanceName": "web",
        "ClientToken": "every-name",
        "DeletionProtection": False,
        "ZoneId": "cn-hangzhou-i",
        "DryRun": False,
    },
    "DeleteInstance": {"InstanceId": "i-1", "DryRun": True},
    "DeleteInstances": {"RegionId": REGION, "InstanceId": ["i-1"], "DryRun": True},
    "RenewInstance": {"InstanceId": "i-1", "Period": 1, "PeriodUnit": "Month"},
    "ReActivateInstances": {"InstanceId": "i-1"},
}
#: Left out of the fullest request: "Period and ExpectedRenewDay: one or the other".
EXCLUSIVE = {"RenewInstance": ("ExpectedRenewDay",)}
#: How the fullest request is answered: a success, or the dry run's (or the
#: charge type's) documented code, after every parameter was read.
ANSWERS = {
    "DeleteInstance": "DryRunOperation",
    "DeleteInstances": "DRYRUN.SUCCESS",
    "ReActivateInstances": "InvalidPayType.NotSupport",
}
#: Names only a full request carries: struct members, lists, lists of structs with lists.
SHAPES: dict[str, set[str]] = {
    "RunInstances": {
        "SystemDisk.Category",
        "DataDisk.2.Size",
        "Tag.2.Key",
        "SecurityGroupIds.2",
        "HostNames.2",
        "Arn.2.Rolearn",
        "CpuOptions.Core",
        "NetworkInterface.2.SecurityGroupIds.2",
        "NetworkInterface.2.Ipv6Address.2",
    },
    "CreateInstance": {"SystemDisk.Category", "DataDisk.2.Size", "Tag.2.Value", "Arn.2.RoleType"},
}


def _placeholder(hint: Any) -> Any:
    """A value of the Tea model field's type: nested models filled, lists of two."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [_placeholder(item), _placeholder(item)]
    if inspect.isclass(hint) and hasattr(hint, "to_map"):
        return _filled(hint)
    return {bool: True, int: 1, float: 1.0}.get(hint, "x")


def _filled(model: type) -> Any:
    value = model()
    for name, hint in typing.get_type_hints(vars(model)["__init__"]).items():
        if name != "return":
            setattr(value, name, _placeholder(hint))
    return value


def tea_request(action: str) -> Any:
    """The Tea SDK's request with every field it has set, then the modelled ones."""
    model = getattr(tea_models, f"{action}Request")
    # from_map empties every list the map does not hold: the modelled fields go in the map.
    fields = {**_filled(model).to_map(), **MODELLED[action]}
    for name in EXCLUSIVE.get(action, ()):
        del fields[name]
    return model().from_map(fields)


def old_request(action: str) -> Any:
    """The old SDK's request with every setter called, then the modelled ones."""
    module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{action}Request")
    request = getattr(module, f"{action}Request")()
    own = vars(type(request))
    for name, setter in own.items():
        if not name.startswith("set_") or name.removeprefix("set_") in EXCLUSIVE.get(action, ()):
            continue
        source = inspect.getsource(setter)
        kind = re.search(r"#\s*(\w+)", source.splitlines()[0])
        assert kind is not None, name
        keys = re.findall(r"\.get\('(\w+)'\)", source)
        nested = set(re.findall(r"len\(\w+\[depth1\]\.get\('(\w+)'\)\)", source))
        item = {key: (["x", "y"] if key in nested else "x") for key in keys}
        value = {
            "Boolean": True,
            "Integer": 1,
            "Long": 1,
            "Float": 1.0,
            "String": "x",
            "Struct": item,
            "RepeatList": [item, item] if keys else ["x", "y"],
        }[kind.group(1)]
        setter(request, value)
    for name, value in MODELLED[action].items():
        setter_name = f"set_{name}s" if isinstance(value, list) else f"set_{name}"
        if hasattr(request, setter_name):
            getattr(request, setter_name)(value)
    return request


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("action", list(MODELLED))
def test_every_name_each_sdk_sends_is_accepted_as_documented(action: str, client: str) -> None:
    """Strict mode refuses any name an action does not document: each SDK's fullest
    request is still answered by the model, never ``UnsupportedParameter``."""
    sent: list[set[str]] = []
    with lifecycle.mock_ecs(config=WireConfig(control=False, strict_parameters=True)) as ecs:
        ecs.model.create_instance("i-1", status="Stopped", charge_type="PrePaid")
        handle = ecs.app.handle

        def record(request: WireRequest) -> Any:
            pairs = [part.partition("=")[0] for part in request.query.split("&")]
            sent.append({re.sub("%2E", ".", name, flags=re.IGNORECASE) for name in pairs})
            return handle(request)

        ecs.app.handle = record  # type: ignore[method-assign]
        sdk = Sdk(client, None, ecs.access_key_id, ecs.access_key_secret)
        if client == "aliyun-core":
            request = old_request(action)
            try:
                answer: Result = json.loads(sdk.old.do_action_with_exception(request))
            except OldServerException as error:
                answer = Refusal(error.get_http_status(), error.get_error_code(), "", "")
        else:
            answer = tea_answer(lambda: getattr(sdk.tea, snake(action))(tea_request(action)))
    (names,) = sent
    assert SHAPES.get(action, set()) <= names
    if action in ANSWERS:
        assert isinstance(answer, Refusal)
        assert answer.code == ANSWERS[action]
    else:
        assert isinstance(answer, dict), answer
    least = {"RunInstances": 150, "CreateInstance": 90}.get(action, 4)
    assert len(names) > least


def test_a_full_request_s_ignored_parameters_reach_the_model_and_count_for_the_token() -> None:
    """The same fullest request again is a replay; with one DataDisk size changed it is
    IdempotentParameterMismatch: the documented, unmodelled names reach the model."""
    with lifecycle.mock_ecs(config=WireConfig(control=False, strict_parameters=True)) as ecs:
        sdk = Sdk("tea-v3", None, ecs.access_key_id, ecs.access_key_secret)
        first = sdk.ok("RunInstances", **{**LAUNCH, **MODELLED["RunInstances"]})
        again = sdk.ok("RunInstances", **{**LAUNCH, **MODELLED["RunInstances"]})
        assert ids_of(again) == ids_of(first)
        changed = {**LAUNCH, **MODELLED["RunInstances"], "Tag": [{"Key": "team", "Value": "db"}]}
        assert refused(sdk.call("RunInstances", **changed)) == documented(
            "RunInstances", "IdempotentParameterMismatch"
        )
        assert len(ecs.model) == 2


# ------------------------------------------------- the wire, request by request
def _app(*, strict: bool) -> WireApp:
    return WireApp(
        [Credential(name="alice", access_key_id=AK, access_key_secret=SK)],
        WireConfig(strict_parameters=strict),
    )


def _signed(version: str, action: str, params: dict[str, str], **kwargs: Any) -> WireRequest:
    return (v2_request if version == "v2" else v3_request)(action, params, **kwargs)


RUN = {"RegionId": REGION, "ImageId": IMAGE, "InstanceType": TYPE, "Amount": "2"}


@pytest.mark.parametrize("version", ["v2", "v3"])
@pytest.mark.parametrize("strict", [True, False])
def test_struct_and_list_forms_are_documented_in_both_modes(
    version: str, strict: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(strict=strict)
    forms = {
        "DataDisk.1.Size": "40",
        "DataDisk.16.Category": "cloud_essd",
        "Tag.1.Key": "team",
        "Tag.1.Value": "web",
        "SecurityGroupIds.1": "sg-1",
        "SecurityGroupIds.2": "sg-2",
        "NetworkInterface.1.SecurityGroupIds.2": "sg-3",
        "SystemDisk.Category": "cloud_essd",
        "CpuOptions.Core": "2",
    }
    with caplog.at_level(logging.DEBUG, logger="lifecycle.wire"):
        response = app.handle(_signed(version, "RunInstances", {**RUN, **forms}))
    assert response.status == 200, response.body
    assert len(body_json(response)["InstanceIdSets"]["InstanceIdSet"]) == 2
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    created = app.handle(_signed(version, "CreateInstance", {**MADE, "Tag.1.key": "old-style"}))
    assert created.status == 200, created.body


MALFORMED = [
    "DataDisk.0.Size",
    "DataDisk.01.Size",
    "DataDisk.N.Size",
    "DataDisk.1.Sise",
    "NetworkInterface.1.SecurityGroupIds",
    "Tag.Key",
    "InstanceId.1",
]


@pytest.mark.parametrize("name", MALFORMED)
def test_a_name_no_documented_form_matches_is_unsupported_in_strict_mode(name: str) -> None:
    response = _app(strict=True).handle(v3_request("RunInstances", {**RUN, name: "x"}))
    assert (response.status, body_json(response)["Code"]) == (400, "UnsupportedParameter")
    status, message = expected_wire_error("UnsupportedParameter", parameter=name)
    assert (response.status, body_json(response)["Message"]) == (status, message)


@pytest.mark.parametrize("name", MALFORMED)
def test_a_name_no_documented_form_matches_is_ignored_and_named_by_default(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(strict=False)
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        response = app.handle(v3_request("RunInstances", {**RUN, name: "x"}))
    assert response.status == 200, response.body
    assert f"RunInstances: ignored parameters it does not document: {name!r}" in caplog.text
    # Dropped, not passed: the model was not given it (or it would have refused the call).
    assert len(app.accounts["alice"].model) == 2


def test_run_instances_renders_in_xml_as_the_api_wraps_lists() -> None:
    app = _app(strict=False)
    app.accounts["alice"].model.set_price(TYPE, 7, period_unit="Month")
    prepaid = {**RUN, "InstanceChargeType": "PrePaid", "Period": "1"}
    response = app.handle(v2_request("RunInstances", prepaid, fmt="XML"))
    assert (response.status, response.header("Content-Type")) == (200, "text/xml;charset=utf-8")
    root = ElementTree.fromstring(response.body)
    assert root.tag == "RunInstancesResponse"
    assert [child.tag for child in root] == ["RequestId", "InstanceIdSets", "OrderId", "TradePrice"]
    (sets,) = root.findall("InstanceIdSets")
    ids = [item.text for item in sets]
    assert [item.tag for item in sets] == ["InstanceIdSet", "InstanceIdSet"]
    assert ids == app.accounts["alice"].model.instance_ids()
    assert float(root.findtext("TradePrice") or "") == 14.0
    assert re.fullmatch(r"[0-9]+", root.findtext("OrderId") or "")
    # The JSON twin of the same answer: a flat list under InstanceIdSets.InstanceIdSet.
    again = app.handle(v2_request("RunInstances", {**RUN, "Amount": "1"}))
    assert list(body_json(again)["InstanceIdSets"]) == ["InstanceIdSet"]


@pytest.mark.parametrize(
    ("action", "params", "fields"),
    [
        ("CreateInstance", MADE, ["RequestId", "InstanceId", "TradePrice"]),
        ("DeleteInstance", {"InstanceId": "i-1"}, ["RequestId"]),
        ("RenewInstance", {"InstanceId": "i-pre", "Period": "1"}, ["RequestId", "OrderId"]),
    ],
)
def test_the_other_new_actions_render_in_xml(
    action: str, params: dict[str, str], fields: list[str]
) -> None:
    app = _app(strict=True)
    model = app.accounts["alice"].model
    model.create_instance("i-1", status="Stopped")
    model.create_instance("i-pre", status="Running", charge_type="PrePaid", expired_time=WEEK)
    response = app.handle(v2_request(action, params, fmt="XML"))
    assert response.status == 200, response.body
    root = ElementTree.fromstring(response.body)
    assert (root.tag, [child.tag for child in root]) == (f"{action}Response", fields)


def test_a_refusal_of_a_new_action_renders_in_xml_as_documented() -> None:
    app = _app(strict=False)
    response = app.handle(v2_request("DeleteInstance", {"InstanceId": "i-nope"}, fmt="XML"))
    status, code, message = documented("DeleteInstance", "InvalidInstanceId.NotFound")
    root = ElementTree.fromstring(response.body)
    assert (response.status, root.tag, root.findtext("Code"), root.findtext("Message")) == (
        status,
        "Error",
        code,
        message,
    )


def test_a_huge_price_still_answers_standard_json() -> None:
    app = _app(strict=False)
    model = app.accounts["alice"].model
    with pytest.raises(lifecycle.InvalidArgument, match="expected an amount from 0 to"):
        model.set_price(TYPE, "1e400")  # would be no JSON number as TradePrice
    model.set_balance("1e500")
    model.set_price(TYPE, 10**12)  # the most a unit may cost, for 60 months, 100 instances
    response = app.handle(
        v3_request(
            "RunInstances",
            {**RUN, "InstanceChargeType": "PrePaid", "Period": "60", "Amount": "100"},
        )
    )
    body = json.loads(response.body, parse_constant=lambda name: pytest.fail(f"not JSON: {name}"))
    assert body["TradePrice"] == 6e15
