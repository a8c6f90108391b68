"""The V2 path's fast paths for what the SDKs send (issue 14, "The wire") give exactly
what the slower code they skip gives: the canonical query of a timestamp's colons,
ASCII percent-escapes, the ``environ``'s header names and headers already lower-cased."""

from __future__ import annotations

import io
import sys
from typing import Any
from urllib.parse import quote, unquote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, _wsgi
from lifecycle.wire._envelope import WireError
from lifecycle.wire._protocol import _unquote
from lifecycle.wire._signature import _canonical_query
from tests.wire_helpers import AK, SK, v2_params

#: Names and values made of what the fast path reads: unreserved text, colons,
#: and the separators it must not mistake for its own.
PLAIN = st.text(alphabet="aZ09-_.~:=&%", max_size=8)


@given(st.lists(st.tuples(PLAIN | st.text(max_size=4), PLAIN | st.text(max_size=4)), max_size=5))
@example([])
@example([("Timestamp", "2026-12-01T15:34:49Z"), ("Action", "RebootInstance")])
@example([("a", "b=c")])
@example([("a&b", "c")])
@example([("a", "b c")])
def test_the_canonical_query_is_each_pair_encoded(pairs: list[tuple[str, str]]) -> None:
    try:
        expected = "&".join(f"{quote(n, safe='~')}={quote(v, safe='~')}" for n, v in sorted(pairs))
    except UnicodeEncodeError:  # a lone surrogate: no request carries one
        return
    assert _canonical_query(pairs) == expected


@given(st.text(alphabet="%0123456789abcdefABCDEFxyz+é", max_size=12))
@example("2026-12-01T15%3A34%3A49Z")
@example("%2BtHnJUuesUK6678E9dpgAIGh39I%3D")
@example("%7f%80")
@example("%E4%B8%AD")
@example("%")
@example("%4")
@example("é%41")
def test_an_escape_is_decoded_as_unquote_decodes_it(text: str) -> None:
    plus = text.replace("+", " ")
    try:
        expected = unquote(plus, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        with pytest.raises(WireError):
            _unquote(text)
    else:
        assert _unquote(text) == expected


#: An answer's status, headers (less Content-Length) and body.
Answer = tuple[int, list[tuple[str, str]], bytes]


def _environ(headers: dict[str, str], query: str) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": query,
        "CONTENT_LENGTH": "0",
        "CONTENT_TYPE": "",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _app() -> WireApp:
    app = WireApp(
        [Credential(name="alice", access_key_id=AK, access_key_secret=SK)],
        WireConfig(),
        wall=lambda: 0.0,
    )
    app.accounts["alice"].model.create_instance("i-1", status="Running")
    return app


def _through_wsgi(headers: dict[str, str], query: str) -> Answer:
    captured: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(_app()(_environ(headers, query), lambda s, h: captured.append((s, h))))
    status, sent = captured[0]
    return int(status.split()[0]), sent[:-1], body  # less Content-Length, which handle() omits


def _through_handle(headers: dict[str, str], query: str) -> Answer:
    response = _app().handle(WireRequest(method="POST", query=query, headers=headers))
    return response.status, list(response.headers), response.body


@pytest.mark.parametrize("action_header", ["RebootInstance", "StopInstance"])
def test_the_wsgi_headers_are_read_as_handle_reads_them(action_header: str) -> None:
    """Lower-cased once by the app, or by the protocol from any case: the same answers
    (a success, and a V2 request whose header disagrees with its parameter)."""
    headers = {
        "User-Agent": "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2",
        "X-Acs-Action": action_header,
        "X-Acs-Version": "2014-05-26",
        "Accept": "*/*",
    }
    params = v2_params("RebootInstance", {"InstanceId": "i-1"}, when=0, nonce="n-1")
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params)
    assert _through_wsgi(headers, query) == _through_handle(headers, query)


def test_header_names_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wsgi, "_HEADER_NAMES", {})
    monkeypatch.setattr(_wsgi, "_MAX_HEADER_NAMES", 2)
    assert _wsgi._header_name("HTTP_X_ACS_DATE") == "x-acs-date"
    assert _wsgi._header_name("CONTENT_TYPE") == "content-type"
    assert _wsgi._header_name("wsgi.input") == ""  # no header; and no room left
    assert _wsgi._HEADER_NAMES == {"HTTP_X_ACS_DATE": "x-acs-date", "CONTENT_TYPE": "content-type"}
