"""What the wire layer's mutation sample found untested (issue 12), pinned by documented behaviour.

``python -m tools.mutation --layer wire --sample 300 --seed 12`` left these
slips alive; each test below fails on one or more of them and checks what
``specs/wire.toml``, ``docs/sdk.md`` or HTTP itself says:

- the parameter tables the wire builds at import (``ActionParameters.of``),
  built again: a mutant is switched on after import, so only a fresh build
  can show a slip in the builder (tools/mutation.py's docstring);
- every control-surface refusal names its HTTP status in ``error``
  (``{"error": "bad_request", ...}`` for a 400, as docs/sdk.md shows);
- the control surface's index and account views agree with the clock and the
  account list they summarize;
- the ``serve`` banner states the control surface's protections with
  ``--no-verify`` too;
- the WSGI app's and the server's own refusals answer the documented
  ``InvalidParameter`` code with a message naming the value sent;
- ``mock_ecs()``'s refusal names the action, as its docstring promises.

A run of every mutant of the functions rewritten for speed on 2026-12-01 (the
slot builders, the keyed HMAC, the nonce store's unhashed short nonces, the WSGI
header-name cache) added the tests from "the WSGI environ" on: an environ
without the optional ``PATH_INFO`` or ``QUERY_STRING`` (PEP 3333), a body read
to its Content-Length and no further, a header the app has never seen before
(its name cache is filled by earlier requests, so a mutant that drops unseen
names passed every test), and the nonce store's per-key share and expiry.

The survivors no test can tell from the original are explained in
``tools/mutation-equivalents-wire.md``.
"""

from __future__ import annotations

import fnmatch
import io
import json
import socket
import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

import lifecycle
from lifecycle import Action, UnservedRequest
from lifecycle._spec import IGNORED_PARAMETERS, PARAMETERS
from lifecycle.wire import (
    Credential,
    WireApp,
    WireConfig,
    WireRequest,
    _protocol,
    serve,
)
from lifecycle.wire._command import ServeOptions, prepare
from lifecycle.wire._signature import NonceStore
from tests.reference import operation
from tests.test_wire_control import TOKEN, control
from tests.test_wire_protocol import CREDENTIALS
from tests.test_wire_server import raw_exchange
from tests.wire_helpers import (
    AK,
    SK,
    WIRE,
    expected_wire_error,
    v2_params,
    v3_headers,
)


@pytest.fixture
def app() -> WireApp:
    return WireApp(CREDENTIALS, WireConfig(max_body_bytes=1000), control_token=TOKEN)


def at(name: str, position: str) -> str:
    """A documented name with each ``N`` part a position: ``Tag.N.Key`` -> ``Tag.2.Key``."""
    return ".".join(position if part == "N" else part for part in name.split("."))


# ------------------------------------------------- the tables, built afresh
@pytest.mark.parametrize("action", [action.value for action in Action])
def test_each_action_s_parameter_handling_built_afresh_is_the_documented_one(action: str) -> None:
    """``ActionParameters.of`` on the model's table gives what the operation file and
    ``specs/wire.toml`` document: the RepeatList parameter as the ``Name.N`` list, every
    other one passed as sent, and the ignored and passed names matched with each ``N``
    a position (1, 2, ... without leading zeros)."""
    built = _protocol.ActionParameters.of(
        PARAMETERS[Action(action)],
        ignored=_protocol.DOCUMENTED_IGNORED.get(Action(action), ()),
        required=_protocol.WIRE_REQUIRED.get(Action(action), ()),
        extra=IGNORED_PARAMETERS.get(Action(action), ()),
    )
    documented = operation(action)["parameters"]
    lists = {row["name"] for row in documented if row["type"] == "RepeatList"}
    assert ({built.listed} if built.listed is not None else set()) == lists
    assert set(built.model) == {row["name"] for row in documented} - lists
    ignored = [row["name"] for row in WIRE["ignored_parameters"] if row["action"] == action]
    ignored += [row["name"] for row in operation(action).get("ignored", [])]
    assert built.ignored | built.extra == set(ignored)
    for names, pattern in ((built.ignored, built.ignores), (built.extra, built.passes)):
        for name in names:
            assert pattern.match(at(name, "1")), name
            assert pattern.match(at(name, "12")), name
            if "N" in name.split("."):
                assert not pattern.match(at(name, "0")), name
                assert not pattern.match(at(name, "01")), name
    for name in built.model:
        assert not built.ignores.match(name)
        assert not built.passes.match(name)


# ------------------------------------------------------ the control surface
def snake(status: int) -> str:
    """HTTP's reason phrase of ``status`` in snake case: 400 is ``bad_request``, as in
    docs/sdk.md's ``accounts/default/instances: 400 {"error": "bad_request", ...}``."""
    return HTTPStatus(status).phrase.lower().replace(" ", "_")


def snapshot_of(app: WireApp) -> dict[str, Any]:
    status, snapshot = control(app, "GET", "/snapshot")
    assert status == 200
    assert isinstance(snapshot, dict)
    return snapshot


REFUSALS: dict[str, Any] = {
    "a wrong control token": lambda app: ("GET", "/clock", b"", {"Authorization": "Bearer no"}),
    "a body that is a list": lambda app: ("POST", "/clock/advance", b"[1]", None),
    "a million and one instances": lambda app: (
        "POST",
        "/accounts/alice/instances",
        b'{"count": 1000001}',
        None,
    ),
    "a snapshot of other accounts": lambda app: (
        "POST",
        "/restore",
        json.dumps({**snapshot_of(app), "accounts": {"carol": "AAAA"}}).encode(),
        None,
    ),
    "a snapshot that is not base64": lambda app: (
        "POST",
        "/restore",
        json.dumps(
            {**snapshot_of(app), "accounts": dict.fromkeys(("alice", "bob"), "not base64!")}
        ).encode(),
        None,
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_every_control_refusal_names_its_http_status(app: WireApp, case: str) -> None:
    """docs/sdk.md: "a JSON ``{"error", "message"}`` with a 4xx status for anything
    malformed", and its one example is ``400 {"error": "bad_request", ...}``: the
    error is the status's reason phrase, so a client can branch on either."""
    method, path, body, headers = REFUSALS[case](app)
    status, answer = control(app, method, path, raw=body, auth=headers)
    assert 400 <= status < 500, answer
    assert set(answer) == {"error", "message"}
    assert answer["error"] == snake(status)


def test_the_index_shows_the_clock_the_clock_endpoint_shows(app: WireApp) -> None:
    """docs/sdk.md: ``GET /_lifecycle/`` gives the time, as ``GET /_lifecycle/clock`` does
    (``{"now", "time_scale"}``)."""
    control(app, "POST", "/clock/advance", {"seconds": 12.5})
    _, clock = control(app, "GET", "/clock")
    _, info = control(app, "GET", "/")
    assert clock == {"now": 12.5, "time_scale": 0.0}
    assert {key: info[key] for key in clock} == clock


def test_each_account_s_view_names_the_account_the_list_names(app: WireApp) -> None:
    """``GET /_lifecycle/accounts`` lists names and AccessKeyIds; each account's own view
    (``GET /_lifecycle/accounts/{a}``) is of that account, and says so the same way."""
    _, listed = control(app, "GET", "/accounts")
    for entry in listed["accounts"]:
        status, view = control(app, "GET", f"/accounts/{entry['name']}")
        assert status == 200
        assert {key: view[key] for key in entry} == entry


# ------------------------------------------------------------ the banner
def test_the_no_verify_banner_still_states_the_control_surface_s_protections() -> None:
    """docs/sdk.md: the control surface answers loopback peers only, JSON bodies, no web
    page, whether or not signatures are verified; ``--no-verify`` only drops the
    credential. The banner says both."""
    prepared = prepare(ServeOptions(port=0, verify=False, time_scale=0.0), {})
    with prepared.server:
        (line,) = [line for line in prepared.banner if "control surface:" in line]
    assert "(loopback only, JSON bodies, no browser pages" in line
    assert "--no-verify" in line


# ----------------------------------------------- Content-Length refusals
def wsgi(app: WireApp, length: str) -> tuple[str, dict[str, Any]]:
    captured: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "CONTENT_LENGTH": length,
        "wsgi.input": io.BytesIO(b""),
    }
    body = b"".join(app(environ, lambda status, headers: captured.append(status)))
    return captured[0], json.loads(body)


@pytest.mark.parametrize(
    ("length", "status"),
    [("x", "400"), ("lots", "400"), ("9" * 30, str(WIRE["limits"]["body_status"]))],
)
def test_a_bad_content_length_is_the_documented_invalid_parameter(
    app: WireApp, length: str, status: str
) -> None:
    """specs/wire.toml [limits]: beyond a limit, or malformed, the answer is the
    documented generic ``InvalidParameter``, the HTTP status HTTP has for the case."""
    line, body = wsgi(app, length)
    assert line.split()[0] == status
    assert body["Code"] == WIRE["limits"]["code"]


@pytest.mark.parametrize("length", ["x", "lots", "-1"])
def test_a_content_length_that_is_no_number_is_named_as_sent(app: WireApp, length: str) -> None:
    # STYLE.md habit 8: messages name the value they refuse, so the sender sees the fix.
    _, body = wsgi(app, length)
    assert repr(length) in body["Message"]


def test_a_chunked_body_s_refusal_says_why(app: WireApp) -> None:
    """The documented error envelope (specs/wire.toml [envelope]) carries a Message,
    a text, in every refusal: the framing refusals too ([framing])."""
    request = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    with serve(app) as server:
        answer = raw_exchange(server, request)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert int(head.split()[1]) == WIRE["framing"]["chunked_status"]
    envelope = json.loads(body)
    assert list(envelope) == WIRE["envelope"]["error_fields"]
    assert isinstance(envelope["Message"], str)
    assert envelope["Message"]


def test_a_connection_beyond_the_bound_is_answered_with_the_http_reason_phrase(
    app: WireApp,
) -> None:
    """specs/wire.toml [throttling]: a connection beyond ``max_connections`` is answered
    ``Throttling`` with HTTP 400, whose status line reads ``400 Bad Request``
    (RFC 9110 section 15.5.1), as every other answer of the server does."""
    with (
        serve(app, max_connections=1) as server,
        socket.create_connection((server.host, server.port), timeout=10) as held,
    ):
        held.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            received += held.recv(65536)
        answer = raw_exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line == f"HTTP/1.1 {WIRE['throttling']['http_status']} Bad Request"
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["Code"] == WIRE["throttling"]["code"]


# ---------------------------------------------------------------- mock_ecs
def test_a_refusal_names_the_action_in_its_message() -> None:
    """lifecycle._mock's docstring: a request the mock does not serve "raises
    ``UnservedRequest`` naming the host, product and action"; the message names all
    three, not only the attributes."""
    with lifecycle.mock_ecs() as ecs:
        client = AcsClient(ecs.access_key_id, ecs.access_key_secret, "cn-hangzhou")
        request = CommonRequest(
            domain="vpc.cn-hangzhou.aliyuncs.com", version="2016-04-28", action_name="DescribeVpcs"
        )
        with pytest.raises(UnservedRequest) as refused:
            client.do_action_with_exception(request)
        ecs.refused.clear()
    assert "'DescribeVpcs'" in str(refused.value)
    assert "vpc.cn-hangzhou.aliyuncs.com" in str(refused.value)


# ------------------------------------------------------------ credentials
@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"name": ""}, "name=''"),
        ({"access_key_id": " LTAI-x"}, "access_key_id=' LTAI-x'"),
        ({"name": "a/b"}, "name='a/b'"),
    ],
)
def test_a_bad_credential_is_refused_naming_the_field_and_value(
    fields: dict[str, str], named: str
) -> None:
    # STYLE.md habit 8: ``name=value`` messages that tell you the fix (the secret
    # alone is never shown: test_wire_accounts.py checks that).
    given = {"name": "alice", "access_key_id": AK, "access_key_secret": SK, **fields}
    with pytest.raises(lifecycle.InvalidArgument) as refused:
        Credential(**given)
    assert str(refused.value).startswith(named + ":")


# ----------------------------------------------------- the order of checks
@pytest.mark.parametrize("signed_by", ["AccessKeyId", "Signature"])
def test_a_v2_request_naming_its_action_only_in_a_header_is_missing_action(
    app: WireApp, signed_by: str
) -> None:
    """lifecycle/wire/_protocol.py's order: the action (step 4) before the signature
    (step 5); and a V2 request (``Signature`` or ``AccessKeyId`` parameters) must send
    ``Action`` as a parameter, which its signature covers (specs/wire.toml, the decision
    'Action in both places'): so a V2 request with only ``x-acs-action`` is
    ``MissingParameter`` naming ``Action``, whichever signature field it lacks."""
    params = {signed_by: "x", "Version": WIRE["version"], "Format": "JSON"}
    request = WireRequest(
        method="POST",
        path="/",
        query="&".join(f"{name}={value}" for name, value in params.items()),
        headers={"x-acs-action": "StartInstance"},
    )
    body = json.loads(app.handle(request).body)
    assert (body["Code"], body["Message"]) == (
        "MissingParameter",
        expected_wire_error("MissingParameter", parameter="Action")[1],
    )


# ------------------------------------------------- the WSGI environ (PEP 3333)
# Mutation run of the day's new code (the slot builders, the header-name cache, the
# nonce store's short nonces): what its survivors showed, pinned by PEP 3333 and
# specs/wire.toml.
def answer(app: WireApp, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The status and JSON body ``app`` answers the WSGI ``environ`` with."""
    captured: list[str] = []
    body = b"".join(app(environ, lambda status, headers: captured.append(status)))
    return int(captured[0].split()[0]), json.loads(body)


def form_environ(app: WireApp, rest: bytes = b"") -> tuple[dict[str, Any], io.BytesIO]:
    """A V2-signed POST with every parameter in its form body (as the old SDK can send
    one), and the stream ``wsgi.input`` that holds the body followed by ``rest``."""
    app.accounts["alice"].model.create_instance("i-1", status="Running")
    body = urlencode(v2_params("DescribeInstanceStatus", {"RegionId": "cn-hangzhou"})).encode()
    stream = io.BytesIO(body + rest)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": stream,
    }
    return environ, stream


@pytest.mark.parametrize(
    "change",
    [
        {"PATH_INFO": None},
        {"PATH_INFO": ""},
        {"QUERY_STRING": None},
        {"PATH_INFO": None, "QUERY_STRING": None},
    ],
    ids=["no PATH_INFO", "empty PATH_INFO", "no QUERY_STRING", "neither"],
)
def test_an_environ_without_the_optional_path_or_query_is_the_root_with_no_query(
    app: WireApp, change: dict[str, str | None]
) -> None:
    """PEP 3333: ``PATH_INFO`` "may be an empty string, if the request URL targets the
    application root", ``QUERY_STRING`` "may be empty or absent", and a variable whose
    value would be empty may be omitted. So a request so described is a request to
    ``/`` with no query string: answered, not refused as another path or as carrying a
    parameter it never sent (whose V2 signature would not match)."""
    environ, _ = form_environ(app)
    for key, value in change.items():
        if value is None:
            del environ[key]
        else:
            environ[key] = value
    status, body = answer(app, environ)
    assert status == 200, body
    assert body["TotalCount"] == 1


def test_the_body_read_is_the_content_length_and_no_more(app: WireApp) -> None:
    """PEP 3333: "The application should not attempt to read more data than is
    specified by the CONTENT_LENGTH variable" (a server's stream may be the
    connection itself, holding the next pipelined request). The app reads exactly the
    body, answers it, and leaves the rest unread."""
    rest = b"POST / HTTP/1.1\r\nHost: x\r\n\r\n"
    environ, stream = form_environ(app, rest)
    status, body = answer(app, environ)
    assert status == 200, body
    assert stream.read() == rest


def v3_environ(headers: dict[str, str]) -> dict[str, Any]:
    """The WSGI environ of a bodiless V3-signed POST with ``headers`` (PEP 3333: each
    header as ``HTTP_`` and its name in upper case, ``-`` as ``_``)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": urlencode([("RegionId", "cn-hangzhou")]),
        "wsgi.input": io.BytesIO(b""),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def unseen_header() -> str:
    """An ``x-acs-`` header name no request in this process has sent before: the app
    remembers the names it has read, and a header must be read the first time too."""
    return f"x-acs-probe-{uuid.uuid4().hex}"


def test_a_header_never_seen_before_is_read_and_signed(app: WireApp) -> None:
    """specs/wire.toml [signature.v3] must_sign: host and every ``x-acs-*`` header are
    signed; a request that signs one more header of its own is a correct request, even
    the first time the server meets that header's name."""
    extra = unseen_header()
    assert fnmatch.fnmatchcase(extra, "x-acs-*")
    assert "x-acs-*" in WIRE["signature"]["v3"]["must_sign"]
    headers = v3_headers(
        "DescribeInstanceStatus", [("RegionId", "cn-hangzhou")], extra={extra: "1"}
    )
    assert extra in headers["authorization"]
    status, body = answer(app, v3_environ(headers))
    assert status == 200, body


def test_an_unsigned_header_never_seen_before_is_an_incomplete_signature(app: WireApp) -> None:
    """specs/wire.toml: IncompleteSignature when a request "leaves host or an x-acs-*
    header unsigned" (must_sign); a header whose name the server meets for the first
    time is no exception, or a man in the middle could add any new one."""
    headers = v3_headers("DescribeInstanceStatus", [("RegionId", "cn-hangzhou")])
    status, body = answer(app, v3_environ({**headers, unseen_header(): "unsigned"}))
    documented_status, message = expected_wire_error("IncompleteSignature")
    assert (status, body["Code"], body["Message"]) == (
        documented_status,
        "IncompleteSignature",
        message,
    )


# ------------------------------------------------------------ the nonce store
def test_an_expiring_nonce_leaves_its_key_s_live_ones_remembered() -> None:
    """NonceStore: "A live nonce is never forgotten" early, each is kept "until its
    timestamp leaves the window". Forgetting an expired nonce of a key keeps the same
    key's live ones, so their requests still cannot be replayed."""
    store = NonceStore(capacity=8)
    assert store.remember("k", "early", expires_at=10, now=0) == "new"
    assert store.remember("k", "late", expires_at=30, now=0) == "new"
    # At 20 "early" has expired and is forgotten; "late" is live until 30.
    assert store.remember("k", "other", expires_at=40, now=20) == "new"
    assert store.remember("k", "late", expires_at=40, now=21) == "used"
    assert store.remember("k", "early", expires_at=40, now=21) == "new"
    assert len(store) == 3


def test_a_key_s_share_is_the_whole_part_of_capacity_over_keys() -> None:
    """NonceStore: "each key may hold ``capacity // keys`` live nonces": with room for
    three shared by two keys, each holds one (not one and a half, not two), and the
    third place stays free rather than going to whichever key asks first."""
    store = NonceStore(capacity=3)
    assert store.remember("a", "1", 100, 0, keys=2) == "new"
    assert store.remember("a", "2", 100, 0, keys=2) == "full"
    assert store.remember("b", "1", 100, 0, keys=2) == "new"
    assert store.remember("b", "2", 100, 0, keys=2) == "full"
    assert len(store) == 2


def test_a_long_nonce_is_remembered_whatever_its_text() -> None:
    """NonceStore: a nonce of 64 characters or more is kept as the 64 hex digits of its
    SHA-256; the store takes any text as a nonce (``str``), so one that UTF-8 cannot
    encode strictly (a lone surrogate) is remembered and matched like any other."""
    store = NonceStore(capacity=4)
    nonce = "\ud800" * 64
    assert store.remember("k", nonce, expires_at=10, now=0) == "new"
    assert store.remember("k", nonce, expires_at=10, now=1) == "used"
    assert store.remember("k", nonce[:-1] + "x", expires_at=10, now=1) == "new"
