"""The protocol layer without sockets: routing, parameters, formats, envelopes, limits.

Every request goes through ``WireApp.handle``; the expected codes, messages
and statuses come from ``specs/wire.toml`` and ``lifecycle.error_table``.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import lifecycle
from lifecycle import Action, ErrorCode, InvalidArgument
from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, WireResponse, _protocol
from lifecycle.wire._envelope import render_xml
from tests.reference import operation as spec_operation
from tests.wire_helpers import (
    AK,
    AK_B,
    SK,
    SK_B,
    WIRE,
    body_json,
    expected_wire_error,
    v2_params,
    v2_request,
    v3_request,
)

CREDENTIALS = [
    Credential(name="alice", access_key_id=AK, access_key_secret=SK),
    Credential(name="bob", access_key_id=AK_B, access_key_secret=SK_B),
]


def make_app(**config: Any) -> WireApp:
    return WireApp(CREDENTIALS, WireConfig(**config))


@pytest.fixture
def app() -> WireApp:
    app = make_app()
    model = app.accounts["alice"].model
    model.create_instance("i-stopped", status="Stopped")
    model.create_instance("i-locked", status="Stopped", security_locked=True)
    model.create_instance("i-running", status="Running")
    return app


def assert_wire_error(response: WireResponse, code: str, **fields: str) -> dict[str, Any]:
    status, message = expected_wire_error(code, **fields)
    body = body_json(response)
    assert (response.status, body["Code"], body["Message"]) == (status, code, message)
    assert list(body) == WIRE["envelope"]["error_fields"]
    assert response.header("Content-Type") == WIRE["envelope"]["json_content_type"]
    return body


def assert_model_error(
    response: WireResponse, action: Action, code: ErrorCode, parameter: str | None = None
) -> dict[str, Any]:
    entry = lifecycle.error_table(action)[code]
    message = entry.message.format(parameter=parameter) if parameter else entry.message
    body = body_json(response)
    assert (response.status, body["Code"], body["Message"]) == (
        entry.http_status,
        code.value,
        message,
    )
    return body


# ----------------------------------------------------------------- success
@pytest.mark.parametrize("build", [v2_request, v3_request], ids=["v2", "v3"])
def test_a_signed_start_succeeds_and_the_instance_starts(app: WireApp, build: Any) -> None:
    response = app.handle(build("StartInstance", {"InstanceId": "i-stopped"}))
    body = body_json(response)
    assert response.status == 200
    assert list(body) == ["RequestId"]
    assert response.header(WIRE["envelope"]["request_id_header"]) == body["RequestId"]
    assert response.header("content-type") == WIRE["envelope"]["json_content_type"]
    assert app.accounts["alice"].model.status("i-stopped") == "Starting"


def test_booleans_arrive_as_the_sdks_write_them(app: WireApp) -> None:
    response = app.handle(
        v3_request("RebootInstance", {"InstanceId": "i-running", "ForceStop": "True"})
    )
    assert response.status == 200
    (loss,) = app.accounts["alice"].model.instance("i-running").data_losses
    assert loss.request_id == body_json(response)["RequestId"]


def test_a_model_error_passes_through_with_its_documented_envelope(app: WireApp) -> None:
    response = app.handle(v3_request("StartInstance", {"InstanceId": "i-locked"}))
    body = assert_model_error(
        response, Action.START_INSTANCE, ErrorCode.INSTANCE_LOCKED_FOR_SECURITY
    )
    assert body["HostId"] == WIRE["host_id"]
    assert body["Recommend"] == WIRE["envelope"]["recommend"].format(
        code=body["Code"], request_id=body["RequestId"]
    )
    assert response.header("x-acs-request-id") == body["RequestId"]


def test_a_missing_instance_id_is_the_model_s_missing_parameter(app: WireApp) -> None:
    response = app.handle(v2_request("StartInstance", {}))
    assert_model_error(response, Action.START_INSTANCE, ErrorCode.MISSING_PARAMETER, "InstanceId")


def test_a_malformed_boolean_is_the_model_s_invalid_parameter(app: WireApp) -> None:
    response = app.handle(v2_request("StartInstance", {"InstanceId": "i-stopped", "DryRun": "yes"}))
    assert_model_error(response, Action.START_INSTANCE, ErrorCode.INVALID_PARAMETER, "DryRun")
    assert app.accounts["alice"].model.status("i-stopped") == "Stopped"


# ----------------------------------------------------------------- formats
def test_format_xml_renders_the_action_response_root(app: WireApp) -> None:
    response = app.handle(v2_request("StartInstance", {"InstanceId": "i-stopped"}, fmt="XML"))
    assert response.status == 200
    assert response.header("Content-Type") == WIRE["envelope"]["xml_content_type"]
    root = ET.fromstring(response.body)
    assert root.tag == WIRE["envelope"]["xml_success_root"].format(action="StartInstance")
    assert root.findtext("RequestId") == response.header("x-acs-request-id")


def test_format_xml_errors_are_the_documented_error_document(app: WireApp) -> None:
    response = app.handle(v2_request("StartInstance", {"InstanceId": "i-locked"}, fmt="xml"))
    entry = lifecycle.error_table("StartInstance")[ErrorCode.INSTANCE_LOCKED_FOR_SECURITY]
    assert response.status == entry.http_status
    assert response.header("Content-Type") == WIRE["envelope"]["xml_content_type"]
    assert response.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Error>')
    assert b"<Recommend><![CDATA[https://" in response.body
    root = ET.fromstring(response.body)
    assert root.tag == WIRE["envelope"]["xml_error_root"]
    assert [child.tag for child in root] == WIRE["envelope"]["error_fields"]
    assert root.findtext("Code") == ErrorCode.INSTANCE_LOCKED_FOR_SECURITY.value
    assert root.findtext("Message") == entry.message


def test_describe_in_xml_wraps_lists_as_repeated_elements(app: WireApp) -> None:
    params = {"RegionId": "cn-hangzhou", "InstanceId.1": "i-running", "InstanceId.2": "i-stopped"}
    response = app.handle(v2_request("DescribeInstanceStatus", params, fmt="XML"))
    root = ET.fromstring(response.body)
    items = root.findall("InstanceStatuses/InstanceStatus")
    assert [(i.findtext("InstanceId"), i.findtext("Status")) for i in items] == [
        ("i-stopped", "Stopped"),
        ("i-running", "Running"),
    ]
    assert root.findtext("TotalCount") == "2"


def test_render_xml_repeats_list_items_inside_their_wrapper() -> None:
    body = {
        "RequestId": "R",
        "Instances": {
            "Instance": [
                {"InstanceId": "i-1", "OperationLocks": {"LockReason": []}},
                {"InstanceId": "i-2", "OperationLocks": {"LockReason": [{"LockReason": "a&b"}]}},
            ]
        },
        "Empty": {"Item": []},
        "TotalCount": 2,
    }
    assert render_xml("DescribeInstancesResponse", body).decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse>'
        "<RequestId>R</RequestId><Instances>"
        "<Instance><InstanceId>i-1</InstanceId><OperationLocks></OperationLocks></Instance>"
        "<Instance><InstanceId>i-2</InstanceId><OperationLocks><LockReason>"
        "<LockReason>a&amp;b</LockReason></LockReason></OperationLocks></Instance>"
        "</Instances><Empty></Empty><TotalCount>2</TotalCount></DescribeInstancesResponse>"
    )


def test_without_format_the_action_parameter_gets_xml_and_the_header_json(app: WireApp) -> None:
    v2 = app.handle(v2_request("DescribeInstanceStatus", {"RegionId": "r"}, fmt=None))
    v3 = app.handle(v3_request("DescribeInstanceStatus", {"RegionId": "r"}))
    defaults = WIRE["formats"]
    assert defaults["default_with_action_parameter"] == "XML"
    assert v2.header("Content-Type") == WIRE["envelope"]["xml_content_type"]
    assert defaults["default_with_action_header"] == "JSON"
    assert v3.header("Content-Type") == WIRE["envelope"]["json_content_type"]


def test_an_unknown_format_is_invalid_and_answered_in_json(app: WireApp) -> None:
    response = app.handle(v2_request("StartInstance", {"InstanceId": "i-stopped"}, fmt="YAML"))
    assert_wire_error(response, "InvalidParameter", parameter="Format")


def test_xml_never_carries_characters_xml_cannot_hold(app: WireApp) -> None:
    app = make_app(verify=False, strict_parameters=True)
    query = urlencode(
        {"Action": "StartInstance", "Version": "2014-05-26", "Format": "XML", "A\x01<&": "x"}
    )
    response = app.handle(WireRequest(method="GET", query=query))
    root = ET.fromstring(response.body)  # parses: the control character was replaced
    assert root.findtext("Message") == 'The parameter "A\ufffd<&" is not supported.'


# ----------------------------------------------------------------- routing
@pytest.mark.parametrize("method", ["PUT", "DELETE", "HEAD", "PATCH"])
def test_methods_other_than_get_and_post_are_unsupported(app: WireApp, method: str) -> None:
    assert method not in WIRE["routing"]["methods"]
    response = app.handle(WireRequest(method=method, query="Action=StartInstance"))
    assert_wire_error(response, "UnsupportedHTTPMethod")


def test_get_is_served_like_post(app: WireApp) -> None:
    response = app.handle(v2_request("StartInstance", {"InstanceId": "i-stopped"}, method="GET"))
    assert response.status == 200


def test_a_path_other_than_the_root_is_not_an_api(app: WireApp) -> None:
    assert WIRE["routing"]["path"] == "/"
    response = app.handle(WireRequest(method="POST", path="/ecs", query="Action=StartInstance"))
    assert_wire_error(response, "InvalidAction.NotFound")


def _absolute(request: WireRequest, target: str) -> WireRequest:
    return WireRequest(
        method=request.method,
        path=target,
        query=request.query,
        headers=request.headers,
        body=request.body,
        remote_addr=request.remote_addr,
    )


@pytest.mark.parametrize("build", [v2_request, v3_request], ids=["v2", "v3"])
@pytest.mark.parametrize(
    "target",
    [
        "http://ecs.cn-hangzhou.aliyuncs.com/",
        "HTTPS://ecs.aliyuncs.com/",
        "http://127.0.0.1:8080",
    ],
)
def test_a_request_in_absolute_form_is_the_same_request(
    app: WireApp, build: Any, target: str
) -> None:
    """As a client sends it through an HTTP proxy; V3 verifies the signed path "/"."""
    request = _absolute(build("StartInstance", {"InstanceId": "i-stopped"}), target)
    response = app.handle(request)
    assert response.status == 200, response.body
    assert app.accounts["alice"].model.status("i-stopped") == "Starting"


@pytest.mark.parametrize(
    "target", ["http://ecs.aliyuncs.com/ecs", "ftp://ecs.aliyuncs.com/", "http:/x", "http://"]
)
def test_an_absolute_form_other_than_the_root_is_not_an_api(app: WireApp, target: str) -> None:
    request = _absolute(v3_request("StartInstance", {"InstanceId": "i-stopped"}), target)
    assert_wire_error(app.handle(request), "InvalidAction.NotFound")
    assert app.accounts["alice"].model.status("i-stopped") == "Stopped"


@pytest.mark.parametrize("missing", ["Action", "Version"])
def test_a_missing_action_or_version_is_a_missing_parameter(missing: str) -> None:
    app = make_app(verify=False)
    params = {"Action": "StartInstance", "Version": "2014-05-26", "Format": "JSON"}
    del params[missing]
    response = app.handle(WireRequest(method="POST", query=urlencode(params)))
    assert_wire_error(response, "MissingParameter", parameter=missing)


@pytest.mark.parametrize("empty", ["Action", "Version"])
def test_an_empty_action_or_version_is_missing(empty: str) -> None:
    app = make_app(verify=False)
    params = {"Action": "StartInstance", "Version": "2014-05-26", "Format": "JSON", empty: ""}
    response = app.handle(WireRequest(method="POST", query=urlencode(params)))
    assert_wire_error(response, "MissingParameter", parameter=empty)


def test_another_api_version_is_invalid() -> None:
    app = make_app(verify=False)
    query = urlencode({"Action": "StartInstance", "Version": "2016-03-14", "Format": "JSON"})
    assert_wire_error(
        app.handle(WireRequest(method="POST", query=query)), "InvalidParameter", parameter="Version"
    )


def test_an_unknown_action_is_not_found(app: WireApp) -> None:
    # A real ECS action the model does not answer (RunInstances was the example
    # until issue 13 made it served).
    response = app.handle(v3_request("DescribeUserData", {"RegionId": "cn-hangzhou"}))
    assert_wire_error(response, "InvalidAction.NotFound")


@pytest.mark.parametrize(
    ("name", "header"), [("Action", "x-acs-action"), ("Version", "x-acs-version")]
)
def test_a_parameter_and_header_that_disagree_are_invalid(name: str, header: str) -> None:
    app = make_app(verify=False)
    query = urlencode({"Action": "StartInstance", "Version": "2014-05-26", "Format": "JSON"})
    request = WireRequest(method="POST", query=query, headers={header: "Other"})
    assert_wire_error(app.handle(request), "InvalidParameter", parameter=name)


def test_a_parameter_and_header_that_agree_are_served() -> None:
    app = make_app(verify=False)
    query = urlencode(
        {
            "Action": "DescribeInstanceStatus",
            "Version": "2014-05-26",
            "RegionId": "r",
            "Format": "JSON",
        }
    )
    headers = {"X-Acs-Action": "DescribeInstanceStatus", "x-acs-version": "2014-05-26"}
    assert app.handle(WireRequest(method="POST", query=query, headers=headers)).status == 200


# -------------------------------------------------------------- parameters
def test_a_parameter_sent_twice_is_invalid(app: WireApp) -> None:
    pairs = v2_params("StartInstance", {"InstanceId": "i-stopped"})
    request = WireRequest(method="POST", query=urlencode([*pairs, ("InstanceId", "i-running")]))
    assert_wire_error(app.handle(request), "InvalidParameter", parameter="InstanceId")


def test_an_undocumented_parameter_is_ignored_and_named_in_the_log(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="lifecycle.wire"):
        response = app.handle(
            v3_request("StartInstance", {"InstanceId": "i-stopped", "Force": "true"})
        )
    assert response.status == 200
    assert app.accounts["alice"].model.status("i-stopped") == "Starting"
    # Besides the INFO line every answer gets (tests/test_wire_logging.py):
    (line,) = [
        r for r in caplog.records if r.name == "lifecycle.wire" and r.levelno != logging.INFO
    ]
    assert line.levelno == logging.WARNING
    assert "StartInstance" in line.getMessage()
    assert "'Force'" in line.getMessage()


def test_strict_parameters_refuse_an_undocumented_parameter(app: WireApp) -> None:
    strict = make_app(strict_parameters=True)
    strict.accounts["alice"].model.create_instance("i-stopped", status="Stopped")
    request = v3_request("StartInstance", {"InstanceId": "i-stopped", "Force": "true"})
    assert_wire_error(strict.handle(request), "UnsupportedParameter", parameter="Force")
    assert strict.accounts["alice"].model.status("i-stopped") == "Stopped"


def test_footmark_s_stray_on_parameter_is_served(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    """The client behind Ansible's modules sends ``on=<Action>`` with every call."""
    params = {"RegionId": "cn-hangzhou", "InstanceId.1": "i-stopped", "on": "StartInstances"}
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        response = app.handle(v2_request("StartInstances", params))
    assert response.status == 200
    (item,) = body_json(response)["InstanceResponses"]["InstanceResponse"]
    assert (item["InstanceId"], item["Code"], item["CurrentStatus"]) == (
        "i-stopped",
        "200",
        "Starting",
    )
    (line,) = caplog.records
    assert line.getMessage() == (
        "StartInstances: ignored parameters it does not document: 'on'"
        " (as ECS does; named once, then at DEBUG)"
    )


def test_a_stray_parameter_is_a_warning_once_then_debug(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    """A client polling in a tight loop sends it every time: one warning is enough."""
    params = {"RegionId": "r", "InstanceIds": '["i-running"]', "on": "DescribeInstances"}
    with caplog.at_level(logging.DEBUG, logger="lifecycle.wire"):
        for _ in range(3):
            assert app.handle(v3_request("DescribeInstances", params)).status == 200
        # Another action, and another name with the same action, are named anew.
        app.handle(v3_request("DescribeInstanceStatus", {"RegionId": "r", "on": "x"}))
        app.handle(v3_request("DescribeInstances", {**params, "Foo": "1"}))
    named = [
        (r.levelname, r.getMessage().split(" (")[0])
        for r in caplog.records
        if r.levelno != logging.INFO  # every answer's own line
    ]
    stray = "ignored parameters it does not document"
    assert named == [
        ("WARNING", f"DescribeInstances: {stray}: 'on'"),
        ("DEBUG", f"DescribeInstances: {stray}: 'on'"),
        ("DEBUG", f"DescribeInstances: {stray}: 'on'"),
        ("WARNING", f"DescribeInstanceStatus: {stray}: 'on'"),
        ("WARNING", f"DescribeInstances: {stray}: 'Foo'"),
    ]


def test_beyond_the_names_it_remembers_a_stray_parameter_is_always_a_warning(
    app: WireApp, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_protocol, "MAX_NAMED", 1)
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        for _ in range(2):
            app.handle(v3_request("RebootInstance", {"InstanceId": "i-nope", "a": "1"}))
            app.handle(v3_request("RebootInstance", {"InstanceId": "i-nope", "b": "1"}))
    assert [r.getMessage().split(": ")[-1] for r in caplog.records] == [
        "'a' (as ECS does; named once, then at DEBUG)",
        "'b' (as ECS does; named once, then at DEBUG)",
        "'b' (as ECS does; named once, then at DEBUG)",
    ]


def test_several_undocumented_parameters_are_one_log_line(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    params = {"InstanceId": "i-running", "on": "x", "Hibernate": "true", "zz": ""}
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        response = app.handle(v3_request("RebootInstance", params))
    assert response.status == 200
    (line,) = caplog.records
    assert line.getMessage().startswith("RebootInstance: ")
    assert all(f"{name!r}" in line.getMessage() for name in ("on", "Hibernate", "zz"))


def test_a_list_parameter_where_the_action_takes_none_is_ignored(app: WireApp) -> None:
    response = app.handle(v3_request("StartInstance", {"InstanceId.1": "i-stopped"}))
    assert_model_error(response, Action.START_INSTANCE, ErrorCode.MISSING_PARAMETER, "InstanceId")
    strict = make_app(strict_parameters=True)
    response = strict.handle(v3_request("StartInstance", {"InstanceId.1": "i-stopped"}))
    assert_wire_error(response, "UnsupportedParameter", parameter="InstanceId.1")


@pytest.mark.parametrize(
    ("action", "params"),
    [
        ("StartInstance", {"InstanceId": "i-stopped", "OwnerId": "1"}),
        ("StopInstance", {"InstanceId": "i-running", "Hibernate": "false", "RegionId": "r"}),
        ("DescribeInstanceStatus", {"RegionId": "r", "ZoneId": "z", "ClusterId": "c"}),
        (
            "DescribeInstances",
            {
                "RegionId": "r",
                "VpcId": "vpc-1",
                "Tag.1.Key": "k",
                "Tag.12.Value": "v",
                "Filter.2.Value": "2026-01-01T00:00Z",
                "AdditionalAttributes.3": "META_OPTIONS",
                "Ipv6Address.1": "::1",
            },
        ),
        ("DescribeInstanceAttribute", {"InstanceId": "i-running", "RegionId": "r"}),
    ],
)
def test_documented_parameters_the_model_does_not_know_are_accepted_even_strictly(
    action: str, params: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    strict = make_app(strict_parameters=True)
    model = strict.accounts["alice"].model
    model.create_instance("i-stopped", status="Stopped")
    model.create_instance("i-running", status="Running")
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        assert strict.handle(v3_request(action, params)).status == 200
    assert caplog.records == []  # documented: not a warning


@pytest.mark.parametrize("name", ["Tag.0.Key", "Tag.N.Key", "Tag.1.Key.x", "Tag.01.Key", "VpcIdX"])
def test_a_documented_pattern_matches_positions_only(name: str) -> None:
    strict = make_app(strict_parameters=True)
    response = strict.handle(v3_request("DescribeInstances", {"RegionId": "r", name: "v"}))
    assert_wire_error(response, "UnsupportedParameter", parameter=name)


def test_start_instance_s_source_region_id_is_gone_from_the_metadata(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    params = {"InstanceId": "i-stopped", "SourceRegionId": "cn-beijing"}
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        assert app.handle(v3_request("StartInstance", params)).status == 200
    assert "'SourceRegionId'" in caplog.text
    strict = make_app(strict_parameters=True)
    response = strict.handle(v3_request("StartInstance", params))
    assert_wire_error(response, "UnsupportedParameter", parameter="SourceRegionId")


def test_describe_needs_a_region(app: WireApp) -> None:
    response = app.handle(v3_request("DescribeInstanceStatus", {}))
    assert_wire_error(response, "MissingParameter", parameter="RegionId")


def test_describe_lists_instance_ids_in_position_order(app: WireApp) -> None:
    params = {
        "RegionId": "r",
        "InstanceId.2": "i-locked",
        "InstanceId.10": "nope",
        "InstanceId.1": "i-running",
    }
    body = body_json(app.handle(v3_request("DescribeInstanceStatus", params)))
    assert body["TotalCount"] == 2
    listed = [item["InstanceId"] for item in body["InstanceStatuses"]["InstanceStatus"]]
    assert listed == ["i-locked", "i-running"]  # creation order, as the model answers


@pytest.mark.parametrize("name", ["InstanceId.0", "InstanceId.01", "InstanceId.x", "InstanceId."])
def test_a_malformed_list_position_is_invalid(app: WireApp, name: str) -> None:
    response = app.handle(v3_request("DescribeInstanceStatus", {"RegionId": "r", name: "i-1"}))
    assert_wire_error(response, "InvalidParameter", parameter=name)


def test_more_than_a_hundred_ids_is_the_model_s_answer(app: WireApp) -> None:
    params = {"RegionId": "r", **{f"InstanceId.{n}": f"i-{n}" for n in range(1, 102)}}
    response = app.handle(v3_request("DescribeInstanceStatus", params))
    assert_model_error(response, Action.DESCRIBE_INSTANCE_STATUS, ErrorCode.TOO_MANY_INSTANCE_IDS)


def test_form_body_parameters_are_read_and_signed(app: WireApp) -> None:
    pairs = v2_params("StartInstance", {"InstanceId": "i-stopped"})
    query = [(k, v) for k, v in pairs if k != "InstanceId"]
    request = WireRequest(
        method="POST",
        query=urlencode(query),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        body=urlencode({"InstanceId": "i-stopped"}).encode(),
    )
    assert app.handle(request).status == 200
    assert app.accounts["alice"].model.status("i-stopped") == "Starting"


def test_a_body_that_is_not_a_form_is_not_read(app: WireApp) -> None:
    request = v3_request("StartInstance", {"InstanceId": "i-stopped"}, body=b'{"InstanceId": "x"}')
    request = WireRequest(
        method="POST",
        query=request.query,
        headers={**request.headers, "content-type": "application/json"},
        body=b'{"InstanceId": "x"}',
    )
    assert app.handle(request).status == 200


@pytest.mark.parametrize(
    ("query", "body"),
    [("Action=StartInstance&InstanceId=%FF", b""), ("Action=StartInstance", b"InstanceId=\xff")],
)
def test_text_that_is_not_utf8_is_an_invalid_parameter(query: str, body: bytes) -> None:
    app = make_app(verify=False)
    request = WireRequest(
        method="POST",
        query=query,
        headers={"content-type": "application/x-www-form-urlencoded"},
        body=body,
    )
    response = app.handle(request)
    assert (response.status, body_json(response)["Code"]) == (400, "InvalidParameter")
    assert body_json(response)["Message"] == "The specified parameter is not valid."


# ------------------------------------------------------- the fleet actions
@pytest.mark.parametrize("build", [v2_request, v3_request], ids=["v2", "v3"])
@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ('["i-running", "i-stopped"]', ["i-stopped", "i-running"]),  # footmark: json.dumps
        ('[ "i-running" ,"nope"\n]', ["i-running"]),
        ('["i-running","i-running"]', ["i-running"]),  # Terraform: no spaces
        ("[]", []),
    ],
)
def test_describe_instances_reads_instance_ids_as_real_clients_send_them(
    app: WireApp, build: Any, ids: str, expected: list[str]
) -> None:
    response = app.handle(build("DescribeInstances", {"RegionId": "r", "InstanceIds": ids}))
    body = body_json(response)
    assert response.status == 200
    assert [item["InstanceId"] for item in body["Instances"]["Instance"]] == expected
    assert body["TotalCount"] == len(expected)


@pytest.mark.parametrize("ids", ["i-running", '["i-running", 1]', '{"a": 1}'])
def test_describe_instances_refuses_instance_ids_that_are_no_json_list(
    app: WireApp, ids: str
) -> None:
    response = app.handle(v3_request("DescribeInstances", {"RegionId": "r", "InstanceIds": ids}))
    assert_model_error(
        response, Action.DESCRIBE_INSTANCES, ErrorCode.INVALID_INSTANCE_IDS_MALFORMED
    )


def test_describe_instances_filters_by_status(app: WireApp) -> None:
    params = {"RegionId": "r", "Status": "Stopped", "PageSize": "1"}
    body = body_json(app.handle(v3_request("DescribeInstances", params)))
    assert (body["TotalCount"], body["PageSize"], body["PageNumber"]) == (2, 1, 1)
    assert [item["InstanceId"] for item in body["Instances"]["Instance"]] == ["i-stopped"]


def test_describe_instances_needs_a_region_from_the_model(app: WireApp) -> None:
    response = app.handle(v3_request("DescribeInstances", {}))
    assert_model_error(response, Action.DESCRIBE_INSTANCES, ErrorCode.MISSING_PARAMETER, "RegionId")


def test_describe_instances_in_xml_repeats_each_instance(app: WireApp) -> None:
    response = app.handle(v2_request("DescribeInstances", {"RegionId": "r"}, fmt="XML"))
    assert response.status == 200
    assert response.header("Content-Type") == WIRE["envelope"]["xml_content_type"]
    root = ET.fromstring(response.body)
    assert root.tag == "DescribeInstancesResponse"
    assert [child.tag for child in root.find("Instances") or []] == ["Instance"] * 3
    assert b"<Instances><Instance><InstanceId>i-stopped</InstanceId>" in response.body
    assert b"</Instance><Instance><InstanceId>i-locked</InstanceId>" in response.body
    locked = root.findall("Instances/Instance")[1]
    assert [r.text for r in locked.findall("OperationLocks/LockReason/LockReason")] == ["security"]
    assert root.findall("Instances/Instance")[0].find("OperationLocks/LockReason") is None
    assert root.findtext("TotalCount") == "3"


def test_describe_instance_attribute_on_the_wire(app: WireApp) -> None:
    body = body_json(
        app.handle(v3_request("DescribeInstanceAttribute", {"InstanceId": "i-locked"}))
    )
    assert (body["InstanceId"], body["Status"]) == ("i-locked", "Stopped")
    assert body["OperationLocks"] == {"LockReason": [{"LockReason": "security"}]}
    response = app.handle(v2_request("DescribeInstanceAttribute", {"InstanceId": "i-nope"}))
    assert_model_error(
        response, Action.DESCRIBE_INSTANCE_ATTRIBUTE, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
    )


@pytest.mark.parametrize("build", [v2_request, v3_request], ids=["v2", "v3"])
def test_a_batch_reads_instance_id_n_in_position_order(app: WireApp, build: Any) -> None:
    params = {
        "RegionId": "r",
        "BatchOptimization": "SuccessFirst",
        "InstanceId.2": "i-locked",
        "InstanceId.10": "i-nope",
        "InstanceId.1": "i-running",
    }
    body = body_json(app.handle(build("StopInstances", params)))
    items = body["InstanceResponses"]["InstanceResponse"]
    assert [(i["InstanceId"], i["Code"]) for i in items] == [
        ("i-running", "200"),
        ("i-locked", "InstanceLockedForSecurity"),
        ("i-nope", "InvalidInstanceId.NotFound"),
    ]
    assert app.accounts["alice"].model.status("i-running") == "Stopping"


def test_a_batch_in_xml_repeats_each_instance_response(app: WireApp) -> None:
    params = {
        "RegionId": "r",
        "BatchOptimization": "SuccessFirst",
        "InstanceId.1": "i-stopped",
        "InstanceId.2": "i-locked",
    }
    response = app.handle(v2_request("StartInstances", params, fmt="XML"))
    root = ET.fromstring(response.body)
    assert root.tag == "StartInstancesResponse"
    assert b"<InstanceResponses><InstanceResponse><Code>200</Code>" in response.body
    items = root.findall("InstanceResponses/InstanceResponse")
    assert [(i.findtext("InstanceId"), i.findtext("Code")) for i in items] == [
        ("i-stopped", "200"),
        ("i-locked", "InstanceLockedForSecurity"),
    ]
    assert [child.tag for child in root.find("InstanceResponses") or []] == ["InstanceResponse"] * 2


def test_a_batch_without_ids_is_the_model_s_missing_parameter(app: WireApp) -> None:
    response = app.handle(v3_request("RebootInstances", {"RegionId": "r"}))
    assert_model_error(response, Action.REBOOT_INSTANCES, ErrorCode.MISSING_PARAMETER, "InstanceId")


@pytest.mark.parametrize("name", ["InstanceId.0", "InstanceId.x"])
def test_a_batch_s_malformed_position_is_invalid(app: WireApp, name: str) -> None:
    response = app.handle(v3_request("StartInstances", {"RegionId": "r", name: "i-stopped"}))
    assert_wire_error(response, "InvalidParameter", parameter=name)


# ------------------------------------------------------------------ limits
def test_a_query_over_the_limit_is_refused_with_414() -> None:
    app = make_app(max_query_bytes=100)
    response = app.handle(WireRequest(method="POST", query="a=" + "x" * 100))
    body = body_json(response)
    assert (response.status, body["Code"]) == (
        WIRE["limits"]["query_status"],
        WIRE["limits"]["code"],
    )
    assert "at most 100" in body["Message"]


def test_a_body_over_the_limit_is_refused_with_413() -> None:
    app = make_app(max_body_bytes=10)
    response = app.handle(WireRequest(method="POST", body=b"x" * 11))
    body = body_json(response)
    assert (response.status, body["Code"]) == (
        WIRE["limits"]["body_status"],
        WIRE["limits"]["code"],
    )
    assert "at most 10" in body["Message"]


def test_too_many_parameters_are_refused() -> None:
    app = make_app(max_parameters=3, verify=False)
    response = app.handle(WireRequest(method="POST", query="a=1&b=2&c=3&d=4"))
    body = body_json(response)
    assert (response.status, body["Code"]) == (
        WIRE["limits"]["parameters_status"],
        WIRE["limits"]["code"],
    )
    assert "at most 3" in body["Message"]


@pytest.mark.parametrize(
    "config",
    [
        {"max_body_bytes": 0},
        {"max_parameters": True},
        {"timestamp_window": 0},
        {"timestamp_window": "900"},
        {"verify": "yes"},
        {"strict_parameters": 1},
        {"host_id": ""},
    ],
)
def test_a_bad_configuration_is_refused(config: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        WireConfig(**config)


# ---------------------------------------------------------- verification off
def unsigned(action: str, params: dict[str, str]) -> WireRequest:
    query = urlencode({"Action": action, "Version": "2014-05-26", "Format": "JSON", **params})
    return WireRequest(method="POST", query=query)


def test_without_verification_an_unsigned_request_is_the_first_account_s() -> None:
    app = make_app(verify=False)
    app.accounts["alice"].model.create_instance("i-a", status="Stopped")
    assert app.handle(unsigned("StartInstance", {"InstanceId": "i-a"})).status == 200


def test_without_verification_the_access_key_still_picks_the_account() -> None:
    app = make_app(verify=False)
    app.accounts["bob"].model.create_instance("i-b", status="Stopped")
    assert (
        app.handle(unsigned("StartInstance", {"InstanceId": "i-b", "AccessKeyId": AK_B})).status
        == 200
    )
    wrong_secret = v3_request("StartInstance", {"InstanceId": "i-b"}, key=AK_B, secret="wrong")
    response = app.handle(wrong_secret)
    assert_model_error(response, Action.START_INSTANCE, ErrorCode.INCORRECT_INSTANCE_STATUS)


def test_without_verification_an_unknown_key_is_the_first_account_s() -> None:
    app = make_app(verify=False)
    app.accounts["alice"].model.create_instance("i-a", status="Stopped")
    request = unsigned("StartInstance", {"InstanceId": "i-a", "AccessKeyId": "nobody"})
    assert app.handle(request).status == 200


# ---------------------------------------------------------------- the net
def test_a_misuse_refusal_from_the_model_becomes_invalid_parameter(
    app: WireApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*args: object) -> None:
        raise InvalidArgument("no")

    monkeypatch.setattr(app.accounts["alice"].model, "call", refuse)
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        response = app.handle(v3_request("StartInstance", {"InstanceId": "i-stopped"}))
    body = body_json(response)
    assert (response.status, body["Code"], body["Message"]) == (
        400,
        "InvalidParameter",
        "The specified parameter is not valid.",
    )
    assert "refused" in caplog.text


def test_a_bug_is_logged_and_answered_with_the_documented_internal_error(
    app: WireApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.accounts["alice"].model, "call", crash)
    with caplog.at_level(logging.ERROR, logger="lifecycle.wire"):
        response = app.handle(v3_request("StartInstance", {"InstanceId": "i-stopped"}))
    assert_wire_error(response, "InternalError")
    assert "boom" in caplog.text


def test_a_bug_outside_both_handlers_is_still_an_internal_error(
    app: WireApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(request: WireRequest) -> WireResponse:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.protocol, "handle", crash)
    assert_wire_error(app.handle(WireRequest(method="GET")), "InternalError")


# ------------------------------------------------------------------- fuzz
_NAMES = st.sampled_from(
    [
        "Action",
        "Version",
        "Format",
        "InstanceId",
        "InstanceId.1",
        "InstanceId.x",
        "RegionId",
        "DryRun",
        "ForceStop",
        "InitLocalDisk",
        "StoppedMode",
        "PageNumber",
        "PageSize",
        "InstanceIds",
        "Status",
        "BatchOptimization",
        "ForceReboot",
        "MaxResults",
        "NextToken",
        "Tag.1.Key",
        "on",
        "AccessKeyId",
        "Signature",
        "SignatureNonce",
        "Timestamp",
        "SignatureMethod",
        "SignatureVersion",
    ]
) | st.text(max_size=8)
_VALUES = st.sampled_from(
    [
        "StartInstance",
        "RebootInstance",
        "StopInstance",
        "DescribeInstanceStatus",
        "DescribeInstances",
        "DescribeInstanceAttribute",
        "StartInstances",
        "StopInstances",
        "RebootInstances",
        "SuccessFirst",
        '["i-fuzz"]',
        "[ ]",
        "2014-05-26",
        "JSON",
        "xml",
        "True",
        "false",
        "i-fuzz",
        AK,
        "HMAC-SHA1",
        "1.0",
        "2026-11-23T12:03:01Z",
        "",
        "-1",
        "50",
    ]
) | st.text(max_size=12)
_HEADERS = st.dictionaries(
    st.sampled_from(
        [
            "x-acs-action",
            "x-acs-version",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
            "authorization",
            "content-type",
            "host",
        ]
    ),
    st.sampled_from(
        [
            "StartInstance",
            "DescribeInstanceStatus",
            "2014-05-26",
            "application/x-www-form-urlencoded",
            f"ACS3-HMAC-SHA256 Credential={AK},SignedHeaders=host;x-acs-action,Signature=00",
            "ACS3-HMAC-SHA256 nonsense",
        ]
    )
    | st.text(max_size=20),
    max_size=5,
)
_QUERIES = st.one_of(
    st.lists(st.tuples(_NAMES, _VALUES), max_size=8).map(urlencode),
    st.text(max_size=40),
)
_REQUESTS = st.builds(
    WireRequest,
    method=st.sampled_from(["GET", "POST", "PUT", "OPTIONS"]) | st.text(max_size=5),
    path=st.sampled_from(["/", "/x", "", "http://ecs.aliyuncs.com/", "http://h/x"]),
    query=_QUERIES,
    headers=_HEADERS,
    body=st.one_of(st.just(b""), _QUERIES.map(str.encode), st.binary(max_size=30)),
)


def _named_actions(request: WireRequest) -> set[str]:
    """Every documented action the request names, in its query, form body or x-acs-action."""
    named = [v for k, v in parse_qsl(request.query, keep_blank_values=True) if k == "Action"]
    named += [
        value
        for name, value in parse_qsl(
            request.body.decode("utf-8", "replace"), keep_blank_values=True
        )
        if name == "Action"
    ]
    named += [value for name, value in request.headers.items() if name.lower() == "x-acs-action"]
    return {action.value for action in Action} & set(named)


def _documented(code: str, status: int, request: WireRequest) -> bool:
    """Whether (code, status) is documented: by specs/wire.toml for the protocol layer, or by
    ``specs/operations/<Action>.toml`` of an action the request names (never by the package's
    own tables, and never another action's row)."""
    if code in ("InvalidParameter",) and status in (
        WIRE["limits"]["query_status"],
        WIRE["limits"]["body_status"],
    ):
        return True
    rows = {(row["code"], row["http_status"]) for row in WIRE["errors"]}
    for action in _named_actions(request):
        rows |= {(e["code"], e["http_status"]) for e in spec_operation(action)["errors"]}
    return (code, status) in rows


_FUZZ_APPS = {
    (verify, strict): make_app(verify=verify, strict_parameters=strict, max_parameters=6)
    for verify in (True, False)
    for strict in (True, False)
}
for _app in _FUZZ_APPS.values():
    _app.accounts["alice"].model.create_instance("i-fuzz", status="Stopped")
    # No call can move it: every mutating action answers DiskError, whose status differs
    # between the actions (StopInstance 400, StartInstance and RebootInstance 403).
    _app.accounts["alice"].model.create_instance(
        "i-disk", status="Running", cloud_disk_abnormal=True
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(request=_REQUESTS, verify=st.booleans(), strict=st.booleans())
@example(
    request=WireRequest(method="GET", query="Version=&Action=StartInstance"),
    verify=False,
    strict=False,
)
@example(
    request=WireRequest(method="GET", query="Version=2014-05-26&Action="),
    verify=False,
    strict=True,
)
@example(
    request=WireRequest(
        method="GET",
        query=urlencode(
            {
                "Action": "StopInstance",
                "Version": "2014-05-26",
                "InstanceId": "i-disk",
                "AccessKeyId": AK,
            }
        ),
    ),
    verify=False,
    strict=False,
)
def test_any_request_gets_a_documented_answer_never_a_bug(
    request: WireRequest, verify: bool, strict: bool
) -> None:
    response = _FUZZ_APPS[verify, strict].handle(request)
    content_type = response.header("Content-Type")
    assert content_type in (
        WIRE["envelope"]["json_content_type"],
        WIRE["envelope"]["xml_content_type"],
    )
    if content_type == WIRE["envelope"]["json_content_type"]:
        body = body_json(response)
        fields = list(body)
    else:
        root = ET.fromstring(response.body)
        body = {child.tag: child.text or "" for child in root}
        fields = [child.tag for child in root]
    assert response.header("x-acs-request-id") == body["RequestId"]
    if response.status == 200:
        return
    assert fields == WIRE["envelope"]["error_fields"]
    assert body["Code"] != "InternalError"
    assert _documented(body["Code"], response.status, request), (body["Code"], response.status)
