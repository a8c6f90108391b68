"""The control surface under ``/_lifecycle/``, without sockets: every endpoint, every refusal."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import pytest

from lifecycle import Action, ErrorCode, FaultKind, InvalidArgument
from lifecycle.wire import (
    Accounts,
    Credential,
    ServerClock,
    WireApp,
    WireConfig,
    WireRequest,
    WireResponse,
    _accounts,
)
from tests.wire_helpers import AK, AK_B, SK, SK_B, basic, body_json, v3_request

ALICE = basic(AK, SK)
BOB = basic(AK_B, SK_B)
TOKEN = "control-token"
CONTROL = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def app() -> WireApp:
    credentials = [
        Credential(name="alice", access_key_id=AK, access_key_secret=SK),
        Credential(name="bob", access_key_id=AK_B, access_key_secret=SK_B),
    ]
    return WireApp(credentials, WireConfig(), control_token=TOKEN)


def control(
    app: WireApp,
    method: str,
    path: str,
    body: object = None,
    *,
    auth: dict[str, str] | None = None,
    remote: str | None = "127.0.0.1",
    query: str = "",
    raw: bytes | None = None,
) -> tuple[int, Any]:
    data = raw if raw is not None else b"" if body is None else json.dumps(body).encode()
    headers = CONTROL if auth is None else auth
    if data:
        headers = {**headers, **JSON}
    response = app.handle(
        WireRequest(
            method=method,
            path="/_lifecycle" + path,
            query=query,
            headers=headers,
            body=data,
            remote_addr=remote,
        )
    )
    assert response.header("Content-Type") == "application/json"
    return response.status, json.loads(response.body)


def ok(app: WireApp, method: str, path: str, body: object = None, **kwargs: Any) -> Any:
    status, answer = control(app, method, path, body, **kwargs)
    assert status == 200, answer
    return answer


def refused(
    app: WireApp, status: int, method: str, path: str, body: object = None, **kwargs: Any
) -> str:
    got, answer = control(app, method, path, body, **kwargs)
    assert got == status, answer
    assert set(answer) == {"error", "message"}
    assert isinstance(answer["message"], str)
    assert answer["message"]
    return str(answer["message"])


# -------------------------------------------------------------- the server
def test_the_index_describes_the_server(app: WireApp) -> None:
    for path in ("", "/"):
        info = ok(app, "GET", path)
        assert info["accounts"] == ["alice", "bob"]
        assert info["verify"] is True
        assert info["limits"]["max_body_bytes"] == app.config.max_body_bytes


def test_the_clock_advances_and_every_account_settles(app: WireApp) -> None:
    alice = app.accounts["alice"].model
    alice.create_instance("i-1", status="Stopped")
    alice.start_instance("i-1")
    events: list[object] = []
    alice.subscribe(events.append)
    assert ok(app, "GET", "/clock") == {"now": 0.0, "time_scale": 0.0}
    assert ok(app, "POST", "/clock/advance", {"seconds": 30}) == {"now": 30.0}
    assert len(events) == 1  # settled by the advance itself, not by a later call
    assert alice.status("i-1") == "Running"


@pytest.mark.parametrize("body", [{"seconds": -1}, {"seconds": "10"}, {}, {"seconds": 1, "x": 2}])
def test_a_bad_advance_is_refused_and_time_stays(app: WireApp, body: dict[str, object]) -> None:
    refused(app, 400, "POST", "/clock/advance", body)
    assert app.accounts.clock.now() == 0.0


def test_reset_gives_every_account_a_fresh_model_and_time_zero(app: WireApp) -> None:
    app.accounts["alice"].model.create_instance("i-1")
    app.accounts["bob"].model.create_instance("i-2")
    ok(app, "POST", "/clock/advance", {"seconds": 5})
    assert ok(app, "POST", "/reset") == {"now": 0.0}
    assert len(app.accounts["alice"].model) == len(app.accounts["bob"].model) == 0


def test_a_snapshot_restores_every_account_and_the_time(app: WireApp) -> None:
    alice = app.accounts["alice"].model
    alice.create_instance("i-1", status="Stopped")
    alice.start_instance("i-1")
    ok(app, "POST", "/clock/advance", {"seconds": 10})
    snapshot = ok(app, "GET", "/snapshot")
    after = ok(app, "GET", "/accounts/alice/instances/i-1")
    ok(app, "POST", "/reset")
    assert ok(app, "POST", "/restore", snapshot) == {"now": 10.0}
    assert ok(app, "GET", "/accounts/alice/instances/i-1") == after
    ok(app, "POST", "/clock/advance", {"seconds": 20})
    assert app.accounts["alice"].model.status("i-1") == "Running"


def test_a_restored_account_answers_the_same_request_ids(app: WireApp) -> None:
    app.accounts["alice"].model.create_instance("i-1", status="Running")
    snapshot = ok(app, "GET", "/snapshot")
    first = app.accounts["alice"].model.reboot_instance("i-1").request_id
    ok(app, "POST", "/restore", snapshot)
    assert app.accounts["alice"].model.reboot_instance("i-1").request_id == first


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: {**s, "format": "other"},
        lambda s: {**s, "now": -1},
        lambda s: {**s, "now": True},
        lambda s: {**s, "accounts": {"alice": s["accounts"]["alice"]}},
        lambda s: {**s, "accounts": {**s["accounts"], "bob": "not base64!"}},
        lambda s: {**s, "accounts": {**s["accounts"], "bob": "AAAA"}},
    ],
)
def test_a_bad_snapshot_is_refused_and_changes_nothing(app: WireApp, mangle: Any) -> None:
    app.accounts["alice"].model.create_instance("i-1")
    snapshot = ok(app, "GET", "/snapshot")
    app.accounts["alice"].model.create_instance("i-2")
    ok(app, "POST", "/clock/advance", {"seconds": 7})
    refused(app, 400, "POST", "/restore", mangle(snapshot))
    assert app.accounts["alice"].model.instance_ids() == ["i-1", "i-2"]
    assert app.accounts.clock.now() == 7.0


def test_a_snapshot_of_a_running_clock_restores() -> None:
    real = [0.0]
    clock = ServerClock(time_scale=1.0, monotonic=lambda: real[0])
    credentials = [Credential(name="alice", access_key_id=AK, access_key_secret=SK)]
    running = WireApp(Accounts(credentials, clock=clock), WireConfig(verify=False))
    running.accounts["alice"].model.create_instance("i-1", status="Stopped")
    real[0] += 3.0
    snapshot = ok(running, "GET", "/snapshot")
    assert snapshot["now"] == 3.0
    real[0] += 100.0
    assert ok(running, "POST", "/restore", snapshot) == {"now": 3.0}
    assert running.accounts["alice"].model.status("i-1") == "Stopped"


def test_accounts_are_listed_without_secrets(app: WireApp) -> None:
    listed = ok(app, "GET", "/accounts")["accounts"]
    assert listed == [
        {"name": "alice", "access_key_id": AK, "seed": 0},
        {"name": "bob", "access_key_id": AK_B, "seed": 1},
    ]
    assert SK not in json.dumps(listed)


# ------------------------------------------------------------- an account
def test_an_account_shows_its_billing_and_statuses(app: WireApp) -> None:
    app.accounts["alice"].model.create_instance(status="Running")
    app.accounts["alice"].model.create_instance(status="Stopped")
    account = ok(app, "GET", "/accounts/alice")
    assert account["balance"] == "100"
    assert account["in_arrears"] is False
    assert account["instances"] == 2
    assert account["status_counts"]["Running"] == 1
    assert account["status_counts"]["Stopped"] == 1


def test_billing_sets_balance_minimum_and_arrears(app: WireApp) -> None:
    answer = ok(
        app,
        "POST",
        "/accounts/alice/billing",
        {"balance": "5.50", "minimum_start_balance": 10, "in_arrears": True},
    )
    assert answer == {"balance": "5.50", "minimum_start_balance": "10", "in_arrears": True}
    assert ok(app, "POST", "/accounts/alice/billing", {})["balance"] == "5.50"
    refused(app, 400, "POST", "/accounts/alice/billing", {"balance": "lots"})
    refused(app, 400, "POST", "/accounts/alice/billing", {"debt": 1})


def _run(app: WireApp, **params: str) -> WireResponse:
    """RunInstances on alice's account, as a client sends it (V3)."""
    request = {"RegionId": "cn-hangzhou", "ImageId": "img", "InstanceType": "ecs.g7.large"}
    return app.handle(v3_request("RunInstances", {**request, **params}))


def test_prices_are_what_run_instances_charges(app: WireApp) -> None:
    body = {"instance_type": "ecs.g7.large", "price": "12.50", "period_unit": "Week"}
    assert ok(app, "POST", "/accounts/alice/prices", body) == body
    # period_unit defaults to Month, as EcsModel.set_price's does.
    monthly = ok(
        app, "POST", "/accounts/alice/prices", {"instance_type": "ecs.g7.large", "price": 40}
    )
    assert monthly == {"instance_type": "ecs.g7.large", "price": 40, "period_unit": "Month"}
    bought = _run(app, InstanceChargeType="PrePaid", Period="2", PeriodUnit="Week")
    assert body_json(bought)["TradePrice"] == 25.0
    assert ok(app, "GET", "/accounts/alice")["balance"] == "75.00"
    # Bob's account has its own prices: none set, nothing charged.
    assert app.accounts["bob"].model.account.balance == 100


@pytest.mark.parametrize(
    "body",
    [
        {"instance_type": "ecs.g7.large", "price": -1},
        {"instance_type": "ecs.g7.large", "price": "lots"},
        {"instance_type": "ecs.g7.large", "price": 1, "period_unit": "Year"},
        {"instance_type": "", "price": 1},
        {"price": 1},
        {"instance_type": "ecs.g7.large"},
        {"instance_type": "ecs.g7.large", "price": 1, "currency": "CNY"},
    ],
)
def test_a_bad_price_is_refused_and_changes_nothing(app: WireApp, body: dict[str, object]) -> None:
    refused(app, 400, "POST", "/accounts/alice/prices", body)
    bought = _run(app, InstanceChargeType="PrePaid", Period="1")
    assert body_json(bought)["TradePrice"] == 0.0


def test_stock_limits_run_instances_until_lifted(app: WireApp) -> None:
    body = {"instance_type": "ecs.g7.large", "count": 1}
    assert ok(app, "POST", "/accounts/alice/stock", body) == body
    short = _run(app, Amount="2")
    assert (short.status, body_json(short)["Code"]) == (403, "OperationDenied.NoStock")
    assert _run(app, Amount="1").status == 200
    lifted = {"instance_type": "ecs.g7.large", "count": None}
    assert ok(app, "POST", "/accounts/alice/stock", lifted) == lifted
    assert _run(app, Amount="2").status == 200
    assert len(app.accounts["alice"].model) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"instance_type": "ecs.g7.large", "count": -1},
        {"instance_type": "ecs.g7.large", "count": 1.5},
        {"instance_type": "ecs.g7.large", "count": True},
        {"instance_type": 7, "count": 1},
        {"instance_type": "ecs.g7.large"},
    ],
)
def test_a_bad_stock_is_refused_and_changes_nothing(app: WireApp, body: dict[str, object]) -> None:
    refused(app, 400, "POST", "/accounts/alice/stock", body)
    assert _run(app, Amount="3").status == 200


def test_prices_and_stock_take_the_account_s_own_credentials(app: WireApp) -> None:
    body = {"instance_type": "ecs.g7.large", "count": 0}
    refused(app, 403, "POST", "/accounts/alice/stock", body, auth=BOB)
    ok(app, "POST", "/accounts/alice/stock", body, auth=ALICE)
    price = {"instance_type": "ecs.g7.large", "price": 1}
    refused(app, 403, "POST", "/accounts/bob/prices", price, auth=ALICE)
    refused(app, 401, "POST", "/accounts/bob/prices", price, auth={})


def test_no_route_does_what_an_ecs_action_does() -> None:
    """Issue 13: instances are born, renewed, reactivated and released through the API.
    The surface keeps only what no action can do; its two set-up routes say why they stay."""
    from lifecycle.wire import _control  # noqa: PLC0415

    doc = _control.__doc__ or ""
    for phrase in ("renew", "reactivat", "delete", "release", "run-instances"):
        routes = [line for line in doc.splitlines() if line.startswith(("GET", "POST", "DELETE"))]
        assert not [line for line in routes if phrase in line.split()[1].lower()], phrase
    assert "places an instance in *any* condition" in doc
    assert "RenewInstance only moves it" in doc


def test_an_account_resets_alone(app: WireApp) -> None:
    app.accounts["alice"].model.create_instance("i-1")
    app.accounts["bob"].model.create_instance("i-2")
    ok(app, "POST", "/accounts/alice/reset")
    assert len(app.accounts["alice"].model) == 0
    assert len(app.accounts["bob"].model) == 1


def test_instances_are_created_in_any_condition(app: WireApp) -> None:
    created = ok(
        app,
        "POST",
        "/accounts/alice/instances",
        {
            "instance_id": "i-1",
            "status": "Stopped",
            "charge_type": "PrePaid",
            "expired_time": 100,
            "security_locked": True,
            "instance_type": "ecs.d1.2xlarge",
            "local_disk_abnormal": True,
        },
    )
    assert created == {"instance_ids": ["i-1"]}
    view = ok(app, "GET", "/accounts/alice/instances/i-1")
    assert view["status"] == "Stopped"
    assert view["charge_type"] == "PrePaid"
    assert view["expired_time"] == 100
    assert view["lock_reasons"] == ["security"]
    assert view["local_disk_abnormal"] is True
    model = app.accounts["alice"].model
    assert model.check("StartInstance", "i-1") == ErrorCode.INSTANCE_LOCKED_FOR_SECURITY


def test_instances_are_created_in_bulk(app: WireApp) -> None:
    created = ok(
        app,
        "POST",
        "/accounts/alice/instances",
        {"count": 3, "id_prefix": "web-", "status": "Running"},
    )
    assert created == {"instance_ids": ["web-0", "web-1", "web-2"]}
    listed = ok(app, "GET", "/accounts/alice/instances")["instances"]
    assert [(i["instance_id"], i["status"]) for i in listed] == [
        ("web-0", "Running"),
        ("web-1", "Running"),
        ("web-2", "Running"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"status": "Sleeping"},
        {"colour": "blue"},
        {"instance_id": 7},
        {"count": -1},
        {"local_disk_abnormal": True},
    ],
)
def test_an_impossible_instance_is_refused(app: WireApp, body: dict[str, object]) -> None:
    message = refused(app, 400, "POST", "/accounts/alice/instances", body)
    assert len(app.accounts["alice"].model) == 0
    if "colour" in body:
        assert "instance_type" in message  # says what it accepts


def test_lock_unlock_expiry_disks_change_the_rules(app: WireApp) -> None:
    model = app.accounts["alice"].model
    model.create_instance("i-1", status="Stopped", charge_type="PrePaid")
    base = "/accounts/alice/instances/i-1"
    assert ok(app, "POST", base + "/lock")["lock_reasons"] == ["security"]
    assert ok(app, "POST", base + "/unlock", {"reason": "security"})["lock_reasons"] == []
    refused(app, 400, "POST", base + "/lock", {"reason": "financial"})
    assert ok(app, "POST", base + "/expiry", {"expired_time": 0})["expired_time"] == 0
    assert model.check("StartInstance", "i-1") == ErrorCode.INSTANCE_EXPIRED
    ok(app, "POST", base + "/expiry", {"expired_time": 1e9})
    assert ok(app, "POST", base + "/disks", {"kind": "cloud"})["cloud_disk_abnormal"] is True
    assert model.check("StartInstance", "i-1") == ErrorCode.DISK_ERROR
    assert ok(app, "POST", base + "/disks", {"abnormal": False})["cloud_disk_abnormal"] is False
    assert model.check("StartInstance", "i-1") is None


def test_the_platform_stops_an_expired_running_instance(app: WireApp) -> None:
    app.accounts["alice"].model.create_instance("i-1", status="Running", charge_type="PrePaid")
    base = "/accounts/alice/instances/i-1/platform-stop"
    answer = ok(app, "POST", base, {"cause": "expiry"})
    assert (answer["stopped"], answer["status"]) == (True, "Stopping")
    assert ok(app, "POST", base, {"cause": "expiry"})["stopped"] is False
    refused(app, 400, "POST", base, {"cause": "boredom"})


@pytest.mark.parametrize("path", ["", "/lock", "/expiry"])
def test_an_unknown_instance_is_not_found(app: WireApp, path: str) -> None:
    method = "GET" if not path else "POST"
    assert "i-404" in refused(app, 404, method, "/accounts/alice/instances/i-404" + path, {})


def test_an_unknown_account_is_not_found(app: WireApp) -> None:
    assert "carol" in refused(app, 404, "GET", "/accounts/carol")


# ----------------------------------------------------------------- faults
def test_faults_are_added_listed_fired_and_removed(app: WireApp) -> None:
    model = app.accounts["alice"].model
    model.create_instance("i-1", status="Stopped")
    rule = {"kind": "throttle", "action": "StartInstance", "count": 1}
    fault_id = ok(app, "POST", "/accounts/alice/faults", rule)["fault_id"]
    (listed,) = ok(app, "GET", "/accounts/alice/faults")["faults"]
    assert listed["fault_id"] == fault_id
    assert listed["rule"]["kind"] == FaultKind.THROTTLE.value
    assert (listed["fired"], listed["remaining"]) == (0, 1)
    response = app.handle(v3_request("StartInstance", {"InstanceId": "i-1"}))
    assert json.loads(response.body)["Code"] == ErrorCode.THROTTLING.value
    assert ok(app, "GET", "/accounts/alice/faults")["faults"] == []  # counted out
    second = ok(app, "POST", "/accounts/alice/faults", {"kind": "error"})["fault_id"]
    ok(app, "DELETE", f"/accounts/alice/faults/{second}")
    refused(app, 404, "DELETE", f"/accounts/alice/faults/{second}")
    refused(app, 404, "DELETE", "/accounts/alice/faults/first")
    refused(app, 404, "DELETE", "/accounts/alice/faults/\u00b2")  # a digit int() refuses
    ok(app, "POST", "/accounts/alice/faults", {"kind": "error"})
    ok(app, "DELETE", "/accounts/alice/faults")
    assert model.faults() == ()


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "gremlin"},
        {"action": "StartInstance"},
        {"kind": "delay"},
        {"kind": "error", "when": 1},
        ["error"],
    ],
)
def test_an_impossible_fault_is_refused(app: WireApp, rule: object) -> None:
    refused(app, 400, "POST", "/accounts/alice/faults", rule)
    assert app.accounts["alice"].model.faults() == ()


def test_an_injected_internal_error_reaches_the_wire_as_documented(app: WireApp) -> None:
    app.accounts["alice"].model.create_instance("i-1", status="Running")
    ok(
        app,
        "POST",
        "/accounts/alice/faults",
        {"kind": "error", "action": "RebootInstance", "count": 1},
    )
    body = body_json(app.handle(v3_request("RebootInstance", {"InstanceId": "i-1"})))
    assert body["Code"] == ErrorCode.INTERNAL_ERROR.value
    assert app.accounts["alice"].model.status("i-1") == "Running"


# ----------------------------------------------------------------- events
def test_the_trace_is_numbered_and_read_after_a_cursor(app: WireApp) -> None:
    ok(app, "POST", "/accounts/alice/instances", {"instance_id": "i-1", "status": "Stopped"})
    app.handle(v3_request("StartInstance", {"InstanceId": "i-1"}))
    trace = ok(app, "GET", "/accounts/alice/events")
    assert [(e["number"], e["type"], e["dest"]) for e in trace["events"]] == [
        (0, "TransitionEvent", "Stopped"),
        (1, "TransitionEvent", "Starting"),
    ]
    assert trace["next"] == 2
    ok(app, "POST", "/accounts/alice/faults", {"kind": "error", "count": 1})
    app.handle(v3_request("StartInstance", {"InstanceId": "i-1"}))
    later = ok(app, "GET", "/accounts/alice/events", query="after=2")["events"]
    assert [(e["number"], e["type"], e["action"]) for e in later] == [
        (2, "FaultEvent", Action.START_INSTANCE.value)
    ]
    refused(app, 400, "GET", "/accounts/alice/events", query="after=-1")
    refused(app, 400, "GET", "/accounts/alice/events", query="after=%C2%B2")


def test_a_reset_clears_the_trace_but_numbers_go_on(app: WireApp) -> None:
    ok(app, "POST", "/accounts/alice/instances", {})
    ok(app, "POST", "/accounts/alice/reset")
    ok(app, "POST", "/accounts/alice/instances", {})
    assert [e["number"] for e in ok(app, "GET", "/accounts/alice/events")["events"]] == [1]


# ------------------------------------------------------------- protection
def test_only_loopback_peers_are_answered(app: WireApp) -> None:
    for remote in ("10.0.0.7", None, "not an address"):
        refused(app, 403, "GET", "/", remote=remote)
    ok(app, "GET", "/", remote="::1")


def test_credentials_are_required_while_signatures_are_verified(app: WireApp) -> None:
    status, _ = control(app, "GET", "/", auth={})
    assert status == 401
    response = app.handle(WireRequest(method="GET", path="/_lifecycle/", remote_addr="127.0.0.1"))
    assert response.header("WWW-Authenticate") == 'Bearer realm="lifecycle"'
    response = app.handle(
        WireRequest(method="GET", path="/_lifecycle/accounts/alice", remote_addr="127.0.0.1")
    )
    assert response.header("WWW-Authenticate") == 'Basic realm="lifecycle"'
    refused(app, 401, "GET", "/accounts/alice", auth={"Authorization": "Basic !!!"})
    refused(app, 403, "GET", "/accounts/alice", auth=basic(AK, "wrong"))
    refused(app, 403, "GET", "/accounts/alice", auth=basic("LTAI-nobody", SK))
    refused(app, 403, "GET", "/", auth={"Authorization": "Bearer wrong"})
    refused(app, 403, "GET", "/accounts/alice", auth={"Authorization": "Bearer wrong"})


def test_an_account_is_controlled_only_with_its_own_credentials(app: WireApp) -> None:
    refused(app, 403, "GET", "/accounts/alice", auth=BOB)
    ok(app, "GET", "/accounts/bob", auth=BOB)
    ok(app, "GET", "/accounts/alice", auth=CONTROL)  # the control credential: every account


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/", None),
        ("GET", "/clock", None),
        ("POST", "/clock/advance", {"seconds": 5}),
        ("POST", "/reset", None),
        ("GET", "/snapshot", None),
        ("POST", "/restore", {}),
        ("GET", "/accounts", None),
    ],
)
def test_an_ecs_key_does_not_open_the_server_wide_endpoints(
    app: WireApp, method: str, path: str, body: object
) -> None:
    # Issue 10, item 3: any account's ECS key could read every account or wipe it.
    app.accounts["bob"].model.create_instance("i-b")
    for auth in (ALICE, BOB):
        assert "control credential" in refused(app, 401, method, path, body, auth=auth)
    assert app.accounts["bob"].model.instance_ids() == ["i-b"]
    assert app.accounts.clock.now() == 0.0


def test_a_control_token_is_generated_unless_given() -> None:
    credentials = [Credential(name="a", access_key_id=AK, access_key_secret=SK)]
    first, second = WireApp(credentials), WireApp(credentials)
    assert len(first.control.token) >= 32
    assert first.control.token != second.control.token
    assert WireApp(credentials, control_token="mine").control.token == "mine"


@pytest.mark.parametrize("token", ["", "has space", "é", "tab\t", 7])
def test_a_bad_control_token_is_refused(token: Any) -> None:
    credentials = [Credential(name="a", access_key_id=AK, access_key_secret=SK)]
    with pytest.raises(InvalidArgument, match="control token"):
        WireApp(credentials, control_token=token)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:8080"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Host": "evil.example:8080"},
        {"Host": "[bad"},
        {"Host": ":8080"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
    ],
)
def test_what_a_browser_page_could_send_is_refused(headers: dict[str, str]) -> None:
    # Issue 10, item 3: with --no-verify, a text/plain POST with a foreign Origin
    # (what a web page in a local browser can send) reset the server.
    app = WireApp(
        [Credential(name="a", access_key_id=AK, access_key_secret=SK)], WireConfig(verify=False)
    )
    app.accounts["a"].model.create_instance("i-1")
    response = app.handle(
        WireRequest(
            method="POST",
            path="/_lifecycle/reset",
            headers=headers,
            body=b"{}" if "Content-Type" in headers else b"",
            remote_addr="127.0.0.1",
        )
    )
    assert response.status in (403, 415)
    assert app.accounts["a"].model.instance_ids() == ["i-1"]


def test_a_body_without_a_content_type_is_refused(app: WireApp) -> None:
    got = app.handle(
        WireRequest(
            method="POST",
            path="/_lifecycle/clock/advance",
            headers=CONTROL,
            body=b'{"seconds": 5}',
            remote_addr="127.0.0.1",
        )
    )
    assert got.status == 415
    assert app.accounts.clock.now() == 0.0


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "localhost:8080", "Sec-Fetch-Site": "none"},
        {"Host": "LOCALHOST"},
        {"Host": "127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"},
        {"Host": "[::1]:8080", "Content-Type": "application/json; charset=utf-8"},
    ],
)
def test_what_a_local_client_sends_is_answered(app: WireApp, headers: dict[str, str]) -> None:
    ok(app, "GET", "/clock", auth={**CONTROL, **headers})


def test_without_verification_no_credentials_are_needed() -> None:
    app = WireApp(
        [Credential(name="a", access_key_id=AK, access_key_secret=SK)], WireConfig(verify=False)
    )
    assert control(app, "GET", "/accounts/a", auth={})[0] == 200


def test_the_surface_can_be_turned_off() -> None:
    app = WireApp(
        [Credential(name="a", access_key_id=AK, access_key_secret=SK)], WireConfig(control=False)
    )
    response = app.handle(
        WireRequest(method="GET", path="/_lifecycle/", headers=ALICE, remote_addr="127.0.0.1")
    )
    assert json.loads(response.body)["Code"] == "InvalidAction.NotFound"


# -------------------------------------------------------------- refusals
def test_an_unknown_endpoint_is_not_found(app: WireApp) -> None:
    assert "GET /_lifecycle/" in refused(app, 404, "GET", "/nothing/here")


def test_a_wrong_method_is_not_allowed(app: WireApp) -> None:
    assert "POST" in refused(app, 405, "GET", "/clock/advance")


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(app: WireApp, raw: bytes) -> None:
    refused(app, 400, "POST", "/clock/advance", raw=raw)


def test_a_bug_is_logged_and_answered_as_json(
    app: WireApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash() -> float:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.accounts.clock, "now", crash)
    with caplog.at_level(logging.ERROR, logger="lifecycle.wire"):
        status, answer = control(app, "GET", "/clock")
    assert (status, answer["error"]) == (500, "internal")
    assert "boom" in caplog.text


def test_responses_are_wire_responses(app: WireApp) -> None:
    response = app.handle(
        WireRequest(method="GET", path="/_lifecycle/clock", headers=ALICE, remote_addr="127.0.0.1")
    )
    assert isinstance(response, WireResponse)
    assert response.header("missing") is None


# ------------------------------------------------- numbers, never a traceback
HUGE = "9" * 5_000


def test_an_event_cursor_of_5000_digits_is_a_bad_request(app: WireApp) -> None:
    # Issue 10, item 7: int() of 4,300 digits or more raised, and the answer was 500.
    message = refused(app, 400, "GET", "/accounts/alice/events", query=f"after={HUGE}")
    assert len(message) < 200
    ok(app, "GET", "/accounts/alice/events", query="after=" + "0" * 5_000 + "1")


def test_a_fault_id_of_5000_digits_is_not_found(app: WireApp) -> None:
    message = refused(app, 404, "DELETE", f"/accounts/alice/faults/{HUGE}")
    assert len(message) < 200
    refused(app, 404, "DELETE", "/accounts/alice/faults/" + "0" * 5_000 + "7")


def test_clock_advances_that_would_overflow_are_refused(app: WireApp) -> None:
    # Issue 10, item 7: two advances of 1.7e308 made the clock infinite.
    ok(app, "POST", "/clock/advance", {"seconds": 1.7e308})
    assert "largest finite time" in refused(
        app, 400, "POST", "/clock/advance", {"seconds": 1.7e308}
    )
    assert ok(app, "GET", "/clock") == {"now": 1.7e308, "time_scale": 0.0}
    ok(app, "GET", "/snapshot")


@pytest.mark.parametrize(
    "raw", [b'{"seconds": 1e400}', b'{"seconds": Infinity}', b'{"seconds": NaN}']
)
def test_a_non_finite_number_in_a_body_is_a_bad_request(app: WireApp, raw: bytes) -> None:
    assert "not JSON" in refused(app, 400, "POST", "/clock/advance", raw=raw)
    assert app.accounts.clock.now() == 0.0


def test_a_non_finite_answer_is_a_logged_bug_never_non_standard_json(
    app: WireApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(app.accounts.clock, "now", lambda: math.inf)
    with caplog.at_level(logging.ERROR, logger="lifecycle.wire"):
        assert control(app, "GET", "/clock")[0] == 500


# ------------------------------------------------------------- the event feed
def test_the_event_feed_s_next_is_read_with_its_events(
    app: WireApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 10, item 5: the events and "next" were read separately, so an event
    # recorded in between was skipped by a client following next.
    model = app.accounts["alice"].model
    model.create_instance("i-1", status="Stopped")
    fields = _accounts._fields
    landed: list[bool] = []

    def fields_while_an_event_lands(event: object) -> dict[str, object]:
        if not landed:
            landed.append(True)
            model.start_instance("i-1")  # an event lands while the feed is being read
        return fields(event)

    monkeypatch.setattr(_accounts, "_fields", fields_while_an_event_lands)
    first = ok(app, "GET", "/accounts/alice/events")
    second = ok(app, "GET", "/accounts/alice/events", query=f"after={first['next']}")
    numbers = [e["number"] for e in first["events"] + second["events"]]
    assert landed
    assert numbers == list(range(second["next"]))
    assert numbers[-1] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"balance": "5", "minimum_start_balance": "x"},
        {"balance": "5", "in_arrears": "maybe"},
        {"minimum_start_balance": "2", "in_arrears": 3},
    ],
)
def test_a_billing_change_with_one_bad_field_changes_nothing(
    app: WireApp, body: dict[str, object]
) -> None:
    # Found by tests/test_fuzz_wire.py: the balance was set, then the bad field refused.
    before = app.accounts["alice"].model.account
    refused(app, 400, "POST", "/accounts/alice/billing", body)
    assert app.accounts["alice"].model.account == before


# ----------------------------------------- found trying what the fuzz could not reach
def test_a_restore_time_past_the_largest_float_is_a_bad_request(app: WireApp) -> None:
    snapshot = ok(app, "GET", "/snapshot")
    ok(app, "POST", "/clock/advance", {"seconds": 7})
    raw = json.dumps({**snapshot, "now": 0}).replace('"now": 0', '"now": 1' + "0" * 400)
    assert "'now' must be a time" in refused(app, 400, "POST", "/restore", raw=raw.encode())
    assert app.accounts.clock.now() == 7.0


def test_a_restore_to_before_a_snapshot_s_own_time_changes_nothing(app: WireApp) -> None:
    # The clock was set back before the second read refused the snapshot.
    app.accounts["alice"].model.create_instance("i-1")
    ok(app, "POST", "/clock/advance", {"seconds": 50})
    snapshot = ok(app, "GET", "/snapshot")
    app.accounts["alice"].model.create_instance("i-2")
    refused(app, 400, "POST", "/restore", {**snapshot, "now": 10})
    assert app.accounts.clock.now() == 50.0
    assert app.accounts["alice"].model.instance_ids() == ["i-1", "i-2"]


def test_a_restore_blob_beyond_ascii_is_a_bad_request(app: WireApp) -> None:
    snapshot = ok(app, "GET", "/snapshot")
    bad = {**snapshot, "accounts": {**snapshot["accounts"], "bob": "\u00e9t\u00e9"}}
    assert "not base64" in refused(app, 400, "POST", "/restore", bad)


@pytest.mark.parametrize("count", [1_000_001, 10**400])
def test_creating_more_than_a_million_instances_at_once_is_refused(
    app: WireApp, count: int
) -> None:
    raw = f'{{"count": {count}}}'.encode()
    assert "at most 1,000,000" in refused(app, 400, "POST", "/accounts/alice/instances", raw=raw)
    assert len(app.accounts["alice"].model) == 0
