"""Helpers for the wire tests: the spec file, signed requests built by hand, SDK clients.

The signed requests are built here independently of ``lifecycle.wire``'s own
verifier (only the percent-encoding is shared with the standard library), so
a test that passes proves the two agree with the documented algorithms, which
``specs/wire.toml``'s vectors pin to the captured SDK requests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from lifecycle import EcsModel
from lifecycle.wire import WireApp, WireRequest, WireResponse, WireServer, serve

SPECS = Path(__file__).resolve().parent.parent / "specs"
WIRE: dict[str, Any] = tomllib.loads((SPECS / "wire.toml").read_text(encoding="utf-8"))
WIRE_ERRORS: dict[str, dict[str, Any]] = {row["code"]: row for row in WIRE["errors"]}

AK = "LTAI-alice"
SK = "alice-secret"
AK_B = "LTAI-bob"
SK_B = "bob-secret"


def _encode(text: str) -> str:
    return quote(text, safe="~")


def stamp(when: float | None = None) -> str:
    """A UTC ``yyyy-MM-ddTHH:mm:ssZ`` timestamp (now by default)."""
    moment = datetime.fromtimestamp(time.time() if when is None else when, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def v2_params(
    action: str,
    params: Mapping[str, str],
    *,
    key: str = AK,
    secret: str = SK,
    method: str = "POST",
    when: float | None = None,
    nonce: str | None = None,
    fmt: str | None = "JSON",
) -> list[tuple[str, str]]:
    """Every parameter of a V2-signed request, ``Signature`` last (section 3.2)."""
    common = {
        "Action": action,
        "Version": WIRE["version"],
        "AccessKeyId": key,
        "SignatureMethod": WIRE["signature"]["v2"]["method"],
        "SignatureVersion": WIRE["signature"]["v2"]["version"],
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "Timestamp": stamp(when),
    }
    if fmt is not None:
        common["Format"] = fmt
    merged = {**common, **params}
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(merged.items()))
    to_sign = f"{method}&%2F&{_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return [*merged.items(), ("Signature", base64.b64encode(digest).decode())]


def v2_request(action: str, params: Mapping[str, str] | None = None, **kwargs: Any) -> WireRequest:
    """A V2-signed POST with every parameter in the query string, as both SDKs send it."""
    method = kwargs.get("method", "POST")
    pairs = v2_params(action, params or {}, **kwargs)
    return WireRequest(method=method, path="/", query=urlencode(pairs), remote_addr="127.0.0.1")


def v3_headers(
    action: str,
    query: Sequence[tuple[str, str]],
    *,
    key: str = AK,
    secret: str = SK,
    host: str = "127.0.0.1:8080",
    body: bytes = b"",
    when: float | None = None,
    nonce: str | None = None,
    extra: Mapping[str, str] | None = None,
    method: str = "POST",
) -> dict[str, str]:
    """The headers of a V3-signed request (section 3.3), every header signed as Tea does."""
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": WIRE["version"],
        "x-acs-date": stamp(when),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        **(extra or {}),
    }
    names = sorted(headers)
    canonical_query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(query))
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in names)
    canonical = "\n".join(
        (
            method,
            "/",
            canonical_query,
            canonical_headers,
            ";".join(names),
            headers["x-acs-content-sha256"],
        )
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={key},SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return headers


def v3_request(action: str, params: Mapping[str, str] | None = None, **kwargs: Any) -> WireRequest:
    """A V3-signed POST: parameters in the query string, action and version in headers."""
    query = list((params or {}).items())
    headers = v3_headers(action, query, **kwargs)
    return WireRequest(
        method=kwargs.get("method", "POST"),
        path="/",
        query=urlencode(query),
        headers=headers,
        remote_addr="127.0.0.1",
    )


def body_json(response: WireResponse) -> dict[str, Any]:
    """The JSON body of a response."""
    value = json.loads(response.body)
    assert isinstance(value, dict)
    return value


def expected_wire_error(code: str, **fields: str) -> tuple[int, str]:
    """The HTTP status and message ``specs/wire.toml`` documents for a protocol error."""
    row = WIRE_ERRORS[code]
    return row["http_status"], row["message"].format(**fields)


def http(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP exchange with urllib: status, headers (lower-case names), body."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def basic(key: str, secret: str) -> dict[str, str]:
    """An HTTP Basic ``Authorization`` header, as the control surface wants it."""
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@contextmanager
def loopback_server(app: WireApp) -> Iterator[WireServer]:
    """``serve(app)`` with the proxy variables unset: both SDKs honour them, and the
    server is on loopback (for a module-scoped ``server`` fixture)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            patch.delenv(name, raising=False)
        with serve(app) as running:
            yield running


def fresh_account(app: WireApp, name: str) -> EcsModel:
    """Every account of ``app`` reset; ``name``'s model (for a per-test fixture)."""
    app.accounts.reset()
    return app.accounts[name].model


def tea_client(
    endpoint: str,
    algorithm: str | None = None,
    *,
    key: str = AK,
    secret: str = SK,
    **config: Any,
) -> Any:
    """The official Tea SDK's ECS client, pointed at ``endpoint`` over http
    (V3 signatures, or ``algorithm="v2"``)."""
    from alibabacloud_ecs20140526.client import Client  # noqa: PLC0415
    from alibabacloud_tea_openapi import models  # noqa: PLC0415

    settings = models.Config(
        access_key_id=key,
        access_key_secret=secret,
        region_id="cn-hangzhou",
        endpoint=endpoint,
        protocol="http",
        read_timeout=10_000,
        connect_timeout=5_000,
        **config,
    )
    if algorithm is not None:
        settings.signature_algorithm = algorithm
    return Client(settings)
