"""The wire's fast paths (issue 14, "The wire") give exactly what the library calls they
replace give: query parsing, percent-encoding, the V2 string to sign, timestamps and the
value objects every request makes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lifecycle.wire import WireRequest
from lifecycle.wire._envelope import WireError
from lifecycle.wire._protocol import WireResponse, _pairs, wire_request, wire_response
from lifecycle.wire._signature import (
    SignedRequest,
    _epoch,
    percent_encode,
    signed_request,
    string_to_sign_v2,
)
from lifecycle.wire._wsgi import _text

#: Query text: the characters that mean something to a parser, percent-escapes
#: (valid UTF-8 or not), and anything else.
_ESCAPES = st.binary(min_size=1, max_size=3).map(lambda b: "".join(f"%{x:02X}" for x in b))
QUERY_TEXT = st.lists(
    st.sampled_from(["&", "=", "+", "%", "%2", "%zz", "a", "B", "~"]) | _ESCAPES | st.text(),
    max_size=12,
).map("".join)


@given(QUERY_TEXT)
@example("")
@example("a=1&&b&=c&d=")
@example("a+b=c+d&e%20f=%E4%B8%AD")
@example("a=%FF")
def test_pairs_are_parse_qsl(text: str) -> None:
    try:
        expected = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        with pytest.raises(WireError):
            _pairs(text)
    else:
        assert _pairs(text) == expected


@given(st.text())
@example("Aa0-_.~")
@example("a b/c=d&e%")
@example("\ud800")
def test_percent_encode_is_quote(text: str) -> None:
    try:
        expected = quote(text, safe="~")
    except UnicodeEncodeError:  # a lone surrogate
        with pytest.raises(UnicodeEncodeError):
            percent_encode(text)
    else:
        assert percent_encode(text) == expected


@given(st.lists(st.tuples(QUERY_TEXT, QUERY_TEXT), max_size=6), st.sampled_from(["GET", "POST"]))
def test_the_v2_string_to_sign_encodes_the_canonical_query_as_documented(
    params: list[tuple[str, str]], method: str
) -> None:
    try:
        canonical = "&".join(
            f"{quote(n, safe='~')}={quote(v, safe='~')}" for n, v in sorted(params)
        )
    except UnicodeEncodeError:  # a lone surrogate: no request carries one (UTF-8 decoded)
        return
    assert string_to_sign_v2(method, params) == f"{method}&%2F&{quote(canonical, safe='~')}"


@given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)))
def test_a_timestamp_is_read_as_strptime_reads_it(moment: datetime) -> None:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    expected = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert _epoch(stamp) == expected


@pytest.mark.parametrize("stamp", ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "junk"])
def test_a_timestamp_that_is_no_date_is_none(stamp: str) -> None:
    assert _epoch(stamp) is None


def test_the_built_requests_and_responses_equal_the_dataclass_made_ones() -> None:
    headers = {"host": "ecs"}
    built = [
        (
            wire_request("POST", "/", "a=1", headers, b"x=2", "127.0.0.1"),
            WireRequest(
                method="POST",
                path="/",
                query="a=1",
                headers=headers,
                body=b"x=2",
                remote_addr="127.0.0.1",
            ),
        ),
        (
            wire_response(403, (("Content-Type", "application/json"),), b"{}", "Forbidden"),
            WireResponse(
                status=403,
                headers=(("Content-Type", "application/json"),),
                body=b"{}",
                code="Forbidden",
            ),
        ),
        (
            signed_request("GET", "/", [("a", "1")], {"a": "1"}, headers, b""),
            SignedRequest(
                method="GET",
                path="/",
                query=[("a", "1")],
                params={"a": "1"},
                headers=headers,
                body=b"",
            ),
        ),
    ]
    for fast, made in built:
        assert type(fast) is type(made)
        assert fast == made
        assert repr(fast) == repr(made)
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.body = b""  # type: ignore[attr-defined]


@given(st.text(alphabet=st.characters(max_codepoint=0xFF)) | st.text())
@example("/caf\u00c3\u00a9")  # "café" as PEP 3333 hands it over
@example("\u00ff")  # not UTF-8: replaced
def test_environ_text_is_decoded_as_the_utf_8_it_carries(value: str) -> None:
    try:
        expected = value.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # not a PEP 3333 string: passed on as it is
        expected = value
    assert _text(value) == expected
