"""Which headers a V3 signature must cover: ``host`` and every ``x-acs-*`` header sent
(``specs/wire.toml``, ``[signature.v3] must_sign``). A request correctly signed over
every other header, with one of these present but left out of ``SignedHeaders``,
is refused with the documented ``IncompleteSignature``, and changes nothing.

The signer here is written from the spec (section 3.3), independently of
``lifecycle.wire``; signing every header is the control that shows it is right.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from urllib.parse import quote, urlencode

import pytest

from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest
from tests.wire_helpers import AK, SK, WIRE, body_json, expected_wire_error, stamp

NOW = 1_800_000_000.0
V3 = WIRE["signature"]["v3"]
QUERY = [("InstanceId", "i-1")]


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def headers_of(action: str) -> dict[str, str]:
    """The headers the Tea SDK sends with a V3 request (section 4.3 A), one ``x-acs-*``
    header more than the routing ones: ``x-acs-credentials-provider``."""
    return {
        "host": "127.0.0.1:8080",
        "accept": "application/json",
        "x-acs-action": action,
        "x-acs-version": WIRE["version"],
        "x-acs-date": stamp(NOW),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": V3["empty_body_sha256"],
        "x-acs-credentials-provider": "static_ak",
    }


def signed_request(headers: dict[str, str], signed: Sequence[str]) -> WireRequest:
    """A POST whose ``authorization`` correctly signs exactly the headers ``signed``."""
    names = sorted(signed)
    canonical = "\n".join(
        (
            "POST",
            "/",
            "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(QUERY)),
            "".join(f"{name}:{headers[name].strip()}\n" for name in names),
            ";".join(names),
            headers["x-acs-content-sha256"],
        )
    )
    to_sign = f"{V3['algorithm']}\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(SK.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = V3["authorization"].format(
        access_key_id=AK, signed_headers=";".join(names), signature=signature
    )
    return WireRequest(
        method="POST",
        path="/",
        query=urlencode(QUERY),
        headers={**headers, "authorization": authorization},
        remote_addr="127.0.0.1",
    )


def must_sign(headers: dict[str, str]) -> list[str]:
    """The headers of ``headers`` that ``must_sign`` names (``x-acs-*`` is a prefix)."""
    patterns = V3["must_sign"]
    return sorted(
        name
        for name in headers
        if any(name == p or (p.endswith("*") and name.startswith(p[:-1])) for p in patterns)
    )


@pytest.fixture
def app() -> WireApp:
    app = WireApp(
        [Credential(name="alice", access_key_id=AK, access_key_secret=SK)],
        WireConfig(),
        wall=lambda: NOW,
    )
    app.accounts["alice"].model.create_instance("i-1", status="Stopped")
    return app


def test_the_must_sign_list_names_every_routing_and_authenticating_header() -> None:
    assert must_sign(headers_of("StartInstance")) == [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-credentials-provider",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ]


def test_a_request_signing_every_header_it_sends_is_served(app: WireApp) -> None:
    headers = headers_of("StartInstance")
    response = app.handle(signed_request(headers, list(headers)))
    assert response.status == 200, response.body
    assert app.accounts["alice"].model.status("i-1").value == "Starting"


def test_leaving_out_a_header_no_rule_names_is_served(app: WireApp) -> None:
    headers = headers_of("StartInstance")
    response = app.handle(signed_request(headers, must_sign(headers)))  # "accept" unsigned
    assert response.status == 200, response.body


@pytest.mark.parametrize("unsigned", must_sign(headers_of("StartInstance")))
def test_each_header_that_must_be_signed_is_refused_unsigned(app: WireApp, unsigned: str) -> None:
    headers = headers_of("StartInstance")
    model = app.accounts["alice"].model
    before = model.instance("i-1")
    request = signed_request(headers, [name for name in headers if name != unsigned])
    response = app.handle(request)
    body = body_json(response)
    status, message = expected_wire_error("IncompleteSignature")
    assert (response.status, body["Code"], body["Message"]) == (
        status,
        "IncompleteSignature",
        message,
    )
    assert model.instance("i-1") == before
