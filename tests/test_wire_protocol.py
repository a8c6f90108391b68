"""The protocol layer without sockets: routing, parameters, formats, envelopes, limits.

Every request goes through ``WireApp.handle``; the expected codes, messages
and statuses come from ``specs/wire.toml`` and ``lifecycle.error_table``.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import lifecycle
from lifecycle import Action, ErrorCode, InvalidArgument
from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, WireResponse
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
    app = make_app(verify=False)
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
    response = app.handle(v3_request("RunInstances", {}))
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


def test_an_undocumented_parameter_is_unsupported(app: WireApp) -> None:
    response = app.handle(v3_request("StartInstance", {"InstanceId": "i-stopped", "Force": "true"}))
    assert_wire_error(response, "UnsupportedParameter", parameter="Force")
    assert app.accounts["alice"].model.status("i-stopped") == "Stopped"


def test_a_list_parameter_is_unsupported_where_the_action_takes_none(app: WireApp) -> None:
    response = app.handle(v3_request("StartInstance", {"InstanceId.1": "i-stopped"}))
    assert_wire_error(response, "UnsupportedParameter", parameter="InstanceId.1")


@pytest.mark.parametrize(
    ("action", "params"),
    [
        ("StartInstance", {"InstanceId": "i-stopped", "SourceRegionId": "x", "OwnerId": "1"}),
        ("StopInstance", {"InstanceId": "i-running", "Hibernate": "false", "RegionId": "r"}),
        ("DescribeInstanceStatus", {"RegionId": "r", "ZoneId": "z", "ClusterId": "c"}),
    ],
)
def test_documented_parameters_the_model_does_not_know_are_accepted(
    app: WireApp, action: str, params: dict[str, str]
) -> None:
    assert app.handle(v3_request(action, params)).status == 200


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
    path=st.sampled_from(["/", "/x", ""]),
    query=_QUERIES,
    headers=_HEADERS,
    body=st.one_of(st.just(b""), _QUERIES.map(str.encode), st.binary(max_size=30)),
)


def _documented(code: str, status: int) -> bool:
    if code in ("InvalidParameter",) and status in (
        WIRE["limits"]["query_status"],
        WIRE["limits"]["body_status"],
    ):
        return True
    rows = {(row["code"], row["http_status"]) for row in WIRE["errors"]}
    for action in Action:
        rows |= {(c.value, e.http_status) for c, e in lifecycle.error_table(action).items()}
    return (code, status) in rows


_FUZZ_APPS = {verify: make_app(verify=verify, max_parameters=6) for verify in (True, False)}
for _app in _FUZZ_APPS.values():
    _app.accounts["alice"].model.create_instance("i-fuzz", status="Stopped")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(request=_REQUESTS, verify=st.booleans())
@example(request=WireRequest(method="GET", query="Version=&Action=StartInstance"), verify=False)
@example(request=WireRequest(method="GET", query="Version=2014-05-26&Action="), verify=False)
def test_any_request_gets_a_documented_answer_never_a_bug(
    request: WireRequest, verify: bool
) -> None:
    response = _FUZZ_APPS[verify].handle(request)
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
    assert _documented(body["Code"], response.status), (body["Code"], response.status)
