"""Signatures, timestamps and nonces, on an injected clock: each refusal is the documented one."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest
from lifecycle.wire._signature import NonceStore, sign_v2, sign_v3, string_to_sign_v2
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
    v3_headers,
    v3_request,
)

NOW = 1_800_000_000.0
WINDOW = WIRE["timestamp"]["window_seconds"]


class Wall:
    """A UNIX clock the test moves."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def app(wall: Wall) -> WireApp:
    credentials = [
        Credential(name="alice", access_key_id=AK, access_key_secret=SK),
        Credential(name="bob", access_key_id=AK_B, access_key_secret=SK_B),
    ]
    app = WireApp(credentials, WireConfig(), wall=wall)
    app.accounts["alice"].model.create_instance("i-1", status="Stopped")
    return app


def refused(app: WireApp, request: WireRequest, code: str, **fields: str) -> None:
    status, message = expected_wire_error(code, **fields)
    response = app.handle(request)
    body = body_json(response)
    assert (response.status, body["Code"], body["Message"]) == (status, code, message)


def describe(**kwargs: Any) -> WireRequest:
    return v2_request("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW, **kwargs)


def test_a_correct_v2_and_v3_request_is_accepted(app: WireApp) -> None:
    assert app.handle(describe()).status == 200
    v3 = v3_request("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW)
    assert app.handle(v3).status == 200


@pytest.mark.parametrize("build", [v2_request, v3_request], ids=["v2", "v3"])
def test_an_unknown_access_key_is_not_found(app: WireApp, build: Any) -> None:
    request = build("DescribeInstanceStatus", {"RegionId": "r"}, key="LTAI-nobody", when=NOW)
    refused(app, request, "InvalidAccessKeyId.NotFound")


def test_a_wrong_v2_secret_answers_the_client_s_own_string_to_sign(app: WireApp) -> None:
    pairs = v2_params("DescribeInstanceStatus", {"RegionId": "r"}, secret="wrong", when=NOW)
    to_sign = string_to_sign_v2("POST", [p for p in pairs if p[0] != "Signature"])
    request = WireRequest(method="POST", query=urlencode(pairs))
    # The old SDK compares the text after ':' with its own: here they are equal.
    refused(app, request, "SignatureDoesNotMatch", string_to_sign=to_sign)


def test_a_tampered_v2_parameter_is_refused(app: WireApp) -> None:
    pairs = v2_params("StartInstance", {"InstanceId": "i-other"}, when=NOW)
    tampered = [(k, "i-1" if k == "InstanceId" else v) for k, v in pairs]
    response = app.handle(WireRequest(method="POST", query=urlencode(tampered)))
    assert body_json(response)["Code"] == "SignatureDoesNotMatch"
    assert app.accounts["alice"].model.status("i-1") == "Stopped"


def test_a_v2_signature_over_another_method_is_refused(app: WireApp) -> None:
    pairs = v2_params("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW, method="GET")
    response = app.handle(WireRequest(method="POST", query=urlencode(pairs)))
    assert body_json(response)["Code"] == "SignatureDoesNotMatch"


def test_a_tampered_v3_query_is_refused(app: WireApp) -> None:
    request = v3_request("StartInstance", {"InstanceId": "i-other"}, when=NOW)
    tampered = WireRequest(method="POST", query="InstanceId=i-1", headers=request.headers)
    response = app.handle(tampered)
    body = body_json(response)
    assert (response.status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert body["Message"].startswith("Specified signature is not matched")
    assert app.accounts["alice"].model.status("i-1") == "Stopped"


def test_a_tampered_v3_action_header_is_refused(app: WireApp) -> None:
    request = v3_request("DescribeInstanceStatus", {"InstanceId": "i-1"}, when=NOW)
    headers = {**request.headers, "x-acs-action": "StartInstance"}
    response = app.handle(WireRequest(method="POST", query=request.query, headers=headers))
    assert body_json(response)["Code"] == "SignatureDoesNotMatch"


def test_a_v3_body_that_is_not_the_signed_one_is_refused(app: WireApp) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    signed = b"InstanceId=i-other"
    headers = v3_headers("StartInstance", [], body=signed, when=NOW, extra=form)
    request = WireRequest(method="POST", headers=headers, body=b"InstanceId=i-1")
    assert body_json(app.handle(request))["Code"] == "SignatureDoesNotMatch"
    good = WireRequest(method="POST", headers=headers, body=signed)
    assert body_json(app.handle(good))["Code"] == "InvalidInstanceId.NotFound"


def test_v3_with_a_form_body_is_served(app: WireApp) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    body = b"InstanceId=i-1"
    headers = v3_headers("StartInstance", [], body=body, when=NOW, extra=form)
    assert app.handle(WireRequest(method="POST", headers=headers, body=body)).status == 200


@pytest.mark.parametrize(
    "authorization",
    [
        "ACS3-HMAC-SHA1 Credential=a,SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a",
        "Bearer token",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=zz",
    ],
)
def test_a_malformed_authorization_is_an_incomplete_signature(
    app: WireApp, authorization: str
) -> None:
    request = v3_request("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW)
    headers = {**request.headers, "authorization": authorization}
    refused(
        app, WireRequest(method="POST", query=request.query, headers=headers), "IncompleteSignature"
    )


def test_an_unsigned_x_acs_header_is_an_incomplete_signature(app: WireApp) -> None:
    request = v3_request("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW)
    headers = {**request.headers, "x-acs-extra": "unsigned"}
    refused(
        app, WireRequest(method="POST", query=request.query, headers=headers), "IncompleteSignature"
    )


def test_a_signed_header_that_was_not_sent_is_an_incomplete_signature(app: WireApp) -> None:
    request = v3_request(
        "DescribeInstanceStatus", {"RegionId": "r"}, when=NOW, extra={"user-agent": "x"}
    )
    headers = {k: v for k, v in request.headers.items() if k != "user-agent"}
    refused(
        app, WireRequest(method="POST", query=request.query, headers=headers), "IncompleteSignature"
    )


@pytest.mark.parametrize("header", ["x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"])
def test_a_missing_v3_header_is_a_missing_parameter(app: WireApp, header: str) -> None:
    request = v3_request("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW)
    headers = {k: v for k, v in request.headers.items() if k != header}
    # The header is gone from the request and from the signed list alike.
    auth = headers["authorization"]
    headers["authorization"] = auth.replace(header + ";", "").replace(";" + header, "")
    response = app.handle(WireRequest(method="POST", query=request.query, headers=headers))
    status, message = expected_wire_error("MissingParameter", parameter=header)
    assert (response.status, body_json(response)["Message"]) == (status, message)


@pytest.mark.parametrize(
    "field",
    [
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
    ],
)
def test_a_missing_v2_field_is_a_missing_parameter(app: WireApp, field: str) -> None:
    pairs = [
        p for p in v2_params("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW) if p[0] != field
    ]
    refused(
        app, WireRequest(method="POST", query=urlencode(pairs)), "MissingParameter", parameter=field
    )


def test_an_unsigned_request_is_missing_its_access_key(app: WireApp) -> None:
    query = urlencode(
        {
            "Action": "DescribeInstanceStatus",
            "Version": "2014-05-26",
            "RegionId": "r",
            "Format": "JSON",
        }
    )
    refused(
        app, WireRequest(method="POST", query=query), "MissingParameter", parameter="AccessKeyId"
    )


@pytest.mark.parametrize(
    ("field", "value"), [("SignatureMethod", "HMAC-SHA256"), ("SignatureVersion", "2.0")]
)
def test_another_v2_method_or_version_is_invalid(app: WireApp, field: str, value: str) -> None:
    pairs = [
        (k, value if k == field else v)
        for k, v in v2_params("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW)
    ]
    refused(
        app, WireRequest(method="POST", query=urlencode(pairs)), "InvalidParameter", parameter=field
    )


@pytest.mark.parametrize("value", ["2026-11-23 12:03:01", "2026-13-45T12:03:01Z", "yesterday"])
def test_a_malformed_timestamp_is_invalid(app: WireApp, value: str) -> None:
    pairs = [
        (k, value if k == "Timestamp" else v)
        for k, v in v2_params("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW)
    ]
    refused(
        app,
        WireRequest(method="POST", query=urlencode(pairs)),
        "InvalidParameter",
        parameter="Timestamp",
    )


def test_a_malformed_x_acs_date_is_invalid(app: WireApp) -> None:
    headers = v3_headers("DescribeInstanceStatus", [("RegionId", "r")], when=NOW)
    headers["x-acs-date"] = "Mon, 23 Nov 2026 12:03:00 GMT"
    request = WireRequest(method="POST", query="RegionId=r", headers=headers)
    refused(app, request, "InvalidParameter", parameter="x-acs-date")


@pytest.mark.parametrize("build", [v2_request, v3_request], ids=["v2", "v3"])
@pytest.mark.parametrize("offset", [-WINDOW - 1, WINDOW + 1])
def test_a_timestamp_outside_the_window_is_expired(app: WireApp, build: Any, offset: float) -> None:
    request = build("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW + offset)
    refused(app, request, WIRE["timestamp"]["stale_code"])


@pytest.mark.parametrize("offset", [-WINDOW, WINDOW])
def test_a_timestamp_at_the_edge_of_the_window_is_fresh(app: WireApp, offset: float) -> None:
    assert (
        app.handle(
            v3_request("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW + offset)
        ).status
        == 200
    )


def test_the_window_follows_the_configuration(wall: Wall) -> None:
    app = WireApp(
        [Credential(name="a", access_key_id=AK, access_key_secret=SK)],
        WireConfig(timestamp_window=60),
        wall=wall,
    )
    assert app.handle(describe()).status == 200
    wall.now += 61
    refused(app, describe(), "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("build", [v2_request, v3_request], ids=["v2", "v3"])
def test_a_replayed_request_is_refused(app: WireApp, build: Any) -> None:
    request = build("StartInstance", {"InstanceId": "i-1"}, when=NOW)
    assert app.handle(request).status == 200
    refused(app, request, WIRE["timestamp"]["nonce_code"])


def test_a_nonce_is_per_access_key(app: WireApp) -> None:
    assert app.handle(describe(nonce="n-1")).status == 200
    assert app.handle(describe(nonce="n-1", key=AK_B, secret=SK_B)).status == 200


def test_a_refused_signature_does_not_use_up_its_nonce(app: WireApp) -> None:
    assert (
        body_json(app.handle(describe(nonce="n-2", secret="wrong")))["Code"]
        == "SignatureDoesNotMatch"
    )
    assert app.handle(describe(nonce="n-2")).status == 200


def test_a_replay_after_the_window_is_refused_as_stale(app: WireApp, wall: Wall) -> None:
    request = describe(nonce="n-3")
    assert app.handle(request).status == 200
    wall.now += WINDOW + 1
    refused(app, request, "InvalidTimeStamp.Expired")


def test_the_nonce_store_forgets_only_expired_nonces() -> None:
    store = NonceStore(capacity=2)
    assert store.remember("k", "a", expires_at=10, now=0) == "new"
    assert store.remember("k", "a", expires_at=10, now=10) == "used"  # still live at 10
    assert store.remember("k", "a", expires_at=30, now=10.5) == "new"  # expired, so new again
    assert store.remember("k", "b", expires_at=20, now=11) == "new"
    assert len(store) == 2


@pytest.mark.parametrize("length", [1, 36, 63, 64, 65, 4096])
def test_a_nonce_of_any_length_is_remembered_and_matches_only_itself(length: int) -> None:
    store = NonceStore(capacity=8)
    nonce = ("n\u00e9" * length)[:length]
    assert store.remember("k", nonce, expires_at=10, now=0) == "new"
    assert store.remember("k", nonce, expires_at=10, now=1) == "used"
    # Long nonces are kept as the hex of their SHA-256: sending that text is no replay.
    as_kept = hashlib.sha256(nonce.encode()).hexdigest()
    assert store.remember("k", as_kept, expires_at=10, now=1) == "new"
    assert store.remember("k", nonce[:-1] + "x", expires_at=10, now=1) == "new"


def test_a_full_nonce_store_refuses_rather_than_forgets_a_live_nonce() -> None:
    store = NonceStore(capacity=2)
    assert store.remember("k", "a", expires_at=10, now=0) == "new"
    assert store.remember("k", "b", expires_at=20, now=0) == "new"
    assert store.remember("k", "c", expires_at=25, now=1) == "full"
    assert store.remember("k", "a", expires_at=10, now=2) == "used"  # never forgotten
    assert store.remember("k", "c", expires_at=25, now=11) == "new"  # "a" expired: room again


def test_each_key_has_its_own_share_of_the_nonce_store() -> None:
    store = NonceStore(capacity=4)
    assert [store.remember("a", str(n), 100, 0, keys=2) for n in range(3)] == [
        "new",
        "new",
        "full",
    ]
    assert [store.remember("b", str(n), 100, 0, keys=2) for n in range(3)] == [
        "new",
        "new",
        "full",
    ]
    assert store.remember("b", "0", 100, 0, keys=2) == "used"


def test_a_nonce_store_never_has_a_share_of_zero() -> None:
    store = NonceStore(capacity=1)
    assert store.remember("a", "x", 10, 0, keys=5) == "new"
    assert store.remember("b", "x", 10, 0, keys=5) == "full"  # the store itself is full


def test_a_replay_at_the_very_end_of_the_window_is_still_refused(app: WireApp, wall: Wall) -> None:
    request = describe(nonce="edge")
    assert app.handle(request).status == 200
    wall.now = NOW + WINDOW  # the timestamp is still fresh: |now - when| == window
    refused(app, request, "SignatureNonceUsed")


def test_one_account_filling_its_share_cannot_make_another_s_request_replayable(
    wall: Wall,
) -> None:
    # Issue 10, item 1: 100,016 fresh requests from one account made the store
    # forget another account's nonce, and its captured StopInstance replayed.
    credentials = [
        Credential(name="alice", access_key_id=AK, access_key_secret=SK),
        Credential(name="bob", access_key_id=AK_B, access_key_secret=SK_B),
    ]
    app = WireApp(credentials, WireConfig(max_nonces=10), wall=wall)
    bob = app.accounts["bob"].model
    bob.create_instance("i-b", status="Running")
    captured = v2_request(
        "StopInstance", {"InstanceId": "i-b"}, key=AK_B, secret=SK_B, when=NOW, nonce="bob-1"
    )
    assert app.handle(captured).status == 200
    answers = [body_json(app.handle(describe(nonce=f"alice-{n}"))) for n in range(20)]
    throttled = [answer for answer in answers if "Code" in answer]
    assert len(throttled) == 15  # her share is 10 // 2
    assert {(a["Code"], a["Message"]) for a in throttled} == {
        ("Throttling", "Request was denied due to request throttling.")
    }
    app.accounts.clock.advance(600)
    assert bob.status("i-b") == "Stopped"
    bob.start_instance("i-b")
    app.accounts.clock.advance(600)
    refused(app, captured, "SignatureNonceUsed")
    assert bob.status("i-b") == "Running"
    # Bob's own share is untouched by alice's traffic.
    assert app.handle(describe(key=AK_B, secret=SK_B, nonce="bob-2")).status == 200


def test_a_throttled_account_is_served_again_once_its_nonces_expire(wall: Wall) -> None:
    app = WireApp(
        [Credential(name="a", access_key_id=AK, access_key_secret=SK)],
        WireConfig(max_nonces=1),
        wall=wall,
    )
    assert app.handle(describe(nonce="1")).status == 200
    assert body_json(app.handle(describe(nonce="2")))["Code"] == "Throttling"
    wall.now = NOW + WINDOW + 1
    assert (
        app.handle(
            v2_request("DescribeInstanceStatus", {"RegionId": "r"}, when=wall.now, nonce="2")
        ).status
        == 200
    )


def test_the_old_sdk_s_empty_signature_type_is_signed_and_accepted(app: WireApp) -> None:
    pairs = v2_params("DescribeInstanceStatus", {"RegionId": "r", "SignatureType": ""}, when=NOW)
    assert ("SignatureType", "") in pairs
    request = WireRequest(method="POST", query=urlencode(pairs))
    assert dict(parse_qsl(request.query, keep_blank_values=True))["SignatureType"] == ""
    assert app.handle(request).status == 200


@pytest.mark.parametrize(
    ("name", "header"), [("Action", "StopInstance"), ("Version", "DescribeInstanceStatus")]
)
def test_a_v2_request_must_sign_its_action_and_version(
    app: WireApp, name: str, header: str
) -> None:
    # Issue 10, item 2: signed without Action, the unsigned x-acs-action header
    # chose the action (a StopInstance reached the model that way).
    model = app.accounts["alice"].model
    model.create_instance("i-2", status="Running")
    signed = dict(v2_params("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW))
    del signed["Signature"], signed[name]
    canonical = "&".join(
        f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(signed.items())
    )
    to_sign = f"POST&%2F&{quote(canonical, safe='~')}"
    digest = hmac.new(f"{SK}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    pairs = [*signed.items(), ("Signature", base64.b64encode(digest).decode())]
    headers = {"x-acs-action": header, "x-acs-version": WIRE["version"]}
    request = WireRequest(method="POST", query=urlencode(pairs), headers=headers)
    refused(app, request, "MissingParameter", parameter=name)
    assert model.status("i-2") == "Running"


@settings(max_examples=300)
@given(
    # Block-sized keys and longer (hashed first, RFC 2104) and any text, as UTF-8.
    secret=st.text(max_size=70) | st.text(min_size=64, max_size=300),
    message=st.text(max_size=400),
)
def test_signatures_are_the_standard_hmacs(secret: str, message: str) -> None:
    # sign_v2 and sign_v3 copy hashes keyed in advance rather than call hmac.digest.
    v2 = hmac.digest(f"{secret}&".encode(), message.encode(), "sha1")
    assert sign_v2(secret, message) == base64.b64encode(v2).decode()
    v3 = hmac.digest(secret.encode(), message.encode(), "sha256")
    assert sign_v3(secret, message) == v3.hex()
    assert sign_v3(secret, message) == sign_v3(secret, message)  # the keyed hashes stay unfed


# A WireRequest built in-process can carry text HTTP cannot: a lone surrogate, which no
# signature can cover (it has no UTF-8 bytes). It is a malformed parameter, not a bug.
LONE = "\ud800"


def test_a_v2_parameter_no_signature_can_cover_is_an_invalid_parameter(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    signed = v2_params("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW)
    tampered = urlencode(signed) + f"&InstanceId.1=i-{LONE}"
    refused(
        app,
        WireRequest(method="POST", query=tampered),
        "InvalidParameter",
        parameter="InstanceId.1",
    )
    named_badly = urlencode(signed) + f"&{LONE}=1"
    response = app.handle(WireRequest(method="POST", query=named_badly))
    assert (response.status, body_json(response)["Code"]) == (400, "InvalidParameter")
    assert body_json(response)["Message"] == "The specified parameter is not valid."
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_v3_signed_header_no_signature_can_cover_is_an_invalid_parameter(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    request = v3_request("DescribeInstanceStatus", {"RegionId": "r"}, when=NOW)
    headers = dict(request.headers)
    headers["x-acs-signature-nonce"] = LONE
    tampered = dataclasses.replace(request, headers=headers)
    refused(app, tampered, "InvalidParameter", parameter="x-acs-signature-nonce")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
