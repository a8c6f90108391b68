"""Fuzzing the wire (issue 10, "Proof"): whatever a hostile or careless client sends, the
answer is a documented envelope or a JSON refusal, never a traceback or a logged bug, the
server keeps answering, and a refused request changes nothing.

Three doors: generated requests through the WSGI app (every environ field free), raw bytes
through a socket to the threaded server (request lines, duplicated and missing lengths,
chunked bodies, junk), and control-surface calls with any JSON. The example counts follow
the project's Hypothesis profiles (``dev`` locally, ``ci`` under CI).
"""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle import Durations
from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, WireServer, serve
from lifecycle.wire._accounts import jsonable
from tests.wire_helpers import AK, AK_B, SK, SK_B, WIRE

CREDENTIALS = [
    Credential(name="alice", access_key_id=AK, access_key_secret=SK),
    Credential(name="bob", access_key_id=AK_B, access_key_secret=SK_B),
]
TOKEN = "fuzz-token"
ERROR_FIELDS = WIRE["envelope"]["error_fields"]
#: What the server may be fed through one generated connection.
MAX_BODY = 2_000


class Problems(logging.Handler):
    """Every WARNING or worse the wire logs: a bug caught at a boundary, a broken connection."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Not a problem: the operator's notice that a request carried parameters ECS
        # does not document (QUERY sends Tag.0.Key), a WARNING the first time per app.
        if not str(record.msg).startswith("%s: ignored parameters it does not document"):
            self.records.append(record)


@pytest.fixture(scope="module")
def problems() -> Iterator[Problems]:
    handler = Problems()
    logger = logging.getLogger("lifecycle.wire")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def make_app(*, verify: bool = True) -> WireApp:
    app = WireApp(
        CREDENTIALS,
        WireConfig(verify=verify, max_body_bytes=MAX_BODY),
        durations=Durations.immediate(),
        control_token=TOKEN,
    )
    for account in app.accounts:
        account.model.create_instances(3, id_prefix=f"{account.name}-", status="Running")
    return app


def state(app: WireApp) -> object:
    """What a refused request must leave alone: the clock, and every account's instances,
    billing and faults (a refusal still draws its RequestId from the model's stream)."""
    return app.accounts.clock.now(), [
        (
            [jsonable(model.instance(i)) for i in model.instance_ids()],
            jsonable(model.account),
            [(f.fault_id, f.rule.to_dict(), f.fired, f.remaining) for f in model.faults()],
        )
        for model in (account.model for account in app.accounts)
    ]


def check_answer(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """An answer is JSON: a documented envelope, a success, or a control refusal."""
    assert 200 <= status < 600
    assert int(headers["content-length"]) == len(body)
    content_type = headers["content-type"]
    if content_type.startswith("text/xml"):
        assert body.startswith(b"<?xml")
        return {}
    answer = json.loads(body)
    assert isinstance(answer, dict)
    if "Code" in answer:
        assert list(answer) == ERROR_FIELDS
        assert answer["Code"] != "InternalError", answer
    elif "error" in answer:
        assert set(answer) == {"error", "message"}
        assert status != 500, answer
    return answer


# ----------------------------------------------------------------- strategies
TEXT = st.text(max_size=40)
LATIN = st.text(st.characters(max_codepoint=255), max_size=40)
NUMBERISH = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers(0, 5_000).map(lambda n: "9" * n),
    st.sampled_from(["", " ", "-1", "+5", "0x10", "1e3", "²", "0" * 4_400 + "1", "Infinity"]),
)
PATHS = st.one_of(
    st.sampled_from(
        [
            "/",
            "/_lifecycle",
            "/_lifecycle/",
            "/_lifecycle/clock",
            "/_lifecycle/clock/advance",
            "/_lifecycle/reset",
            "/_lifecycle/snapshot",
            "/_lifecycle/restore",
            "/_lifecycle/accounts",
            "/_lifecycle/accounts/alice",
            "/_lifecycle/accounts/alice/instances",
            "/_lifecycle/accounts/alice/instances/alice-0",
            "/_lifecycle/accounts/alice/instances/alice-0/lock",
            "/_lifecycle/accounts/alice/instances/alice-0/expiry",
            "/_lifecycle/accounts/alice/events",
            "/_lifecycle/accounts/alice/faults",
            "/_lifecycle/accounts/alice/faults/1",
            "/_lifecycle/accounts/bob/billing",
            "/_lifecycle/accounts/alice/prices",
            "/_lifecycle/accounts/alice/stock",
        ]
    ),
    TEXT.map(lambda t: "/" + t),
    st.builds(lambda n: "/_lifecycle/accounts/alice/faults/" + "7" * n, st.integers(0, 5_000)),
)
CONTROL_PATHS = st.one_of(
    PATHS.filter(lambda p: p.startswith("/_lifecycle/")),
    TEXT.map(lambda t: "/_lifecycle/" + t),
    st.builds(
        lambda a, i, e: f"/_lifecycle/accounts/{a}/instances/{i}/{e}",
        st.sampled_from(["alice", "bob", "nobody"]),
        st.sampled_from(["alice-0", "alice-1", "bob-2", "i-x"]),
        st.sampled_from(["lock", "unlock", "expiry", "disks", "platform-stop", "x"]),
    ),
)
BILLING = st.fixed_dictionaries(
    {},
    optional={
        "balance": st.one_of(st.sampled_from(["5", "-1", "x", "1e999", "NaN"]), st.integers()),
        "minimum_start_balance": st.one_of(st.sampled_from(["2", "x", "Infinity"]), st.none()),
        "in_arrears": st.one_of(st.booleans(), st.sampled_from(["maybe", 3])),
    },
)
#: The zone's prices and stock (issue 13): good, bad and missing fields.
ZONE = st.fixed_dictionaries(
    {},
    optional={
        "instance_type": st.one_of(st.sampled_from(["ecs.g7.large", "", "x"]), st.integers()),
        "price": st.one_of(st.sampled_from(["5", "-1", "x", "1e999", "NaN"]), st.integers()),
        "period_unit": st.sampled_from(["Week", "Month", "Year", ""]),
        "count": st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["3", 1.5, True])),
    },
)
QUERY = st.one_of(
    LATIN,
    st.builds(lambda n: "after=" + "9" * n, st.integers(0, 5_000)),
    st.lists(st.tuples(TEXT, TEXT), max_size=6).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
    ),
    st.sampled_from(
        [
            "Action=StopInstance&Version=2014-05-26&InstanceId=alice-0",
            "Action=DescribeInstanceStatus&Version=2014-05-26&RegionId=r&Format=XML",
            "Action=StartInstance&Version=2014-05-26&AccessKeyId=LTAI-alice&Signature=x",
            "Action=RunInstances&Version=2014-05-26&RegionId=r&ImageId=m&InstanceType=ecs.g7.large"
            "&Amount=2&DataDisk.1.Size=40&NetworkInterface.1.SecurityGroupIds.2=sg&Tag.0.Key=k",
            "Action=DeleteInstances&Version=2014-05-26&RegionId=r&InstanceId.1=alice-0&Force=true",
            "Action=RenewInstance&Version=2014-05-26&InstanceId=alice-0&Period=1&Format=XML",
        ]
    ),
)
HEADER_NAMES = st.one_of(
    st.sampled_from(
        [
            "Authorization",
            "Content-Type",
            "Origin",
            "Host",
            "Sec-Fetch-Site",
            "x-acs-action",
            "x-acs-version",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
        ]
    ),
    st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12),
)
HEADER_VALUES = st.one_of(
    LATIN,
    st.sampled_from(
        [
            f"Bearer {TOKEN}",
            "Bearer wrong",
            "Basic !!!",
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "ACS3-HMAC-SHA256 Credential=LTAI-alice,SignedHeaders=host,Signature=00",
            "StopInstance",
            "localhost",
            "http://evil.example",
        ]
    ),
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.just(10**400),  # past the largest float
        st.floats(allow_nan=False, allow_infinity=False),
        TEXT,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(
            ["seconds", "count", "instance_id", "status", "balance", "expired_time", "kind"]
        ),
        JSON_VALUES,
        max_size=4,
    ).map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b'{"seconds": 1e400}', b'{"seconds": NaN}', b'{"seconds": 1.7e308}']),
)
METHODS = st.one_of(st.sampled_from(["GET", "POST", "DELETE", "PUT", "HEAD"]), TEXT)


# ------------------------------------------------------------------ WSGI app
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    method=METHODS,
    path=PATHS,
    query=QUERY,
    headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=6),
    length=st.one_of(st.none(), NUMBERISH),
    body=BODIES,
    remote=st.sampled_from(["127.0.0.1", "::1", "10.0.0.1", None]),
    verify=st.booleans(),
)
def test_any_request_through_the_wsgi_app_gets_an_answer_and_a_refusal_changes_nothing(
    problems: Problems,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    length: str | None,
    body: bytes,
    remote: str | None,
    verify: bool,
) -> None:
    app = make_app(verify=verify)
    before = state(app)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.encode("utf-8", "surrogatepass").decode("latin-1"),
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)) if length is None else length,
        "wsgi.input": io.BytesIO(body),
    }
    if remote is not None:
        environ["REMOTE_ADDR"] = remote
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    captured: list[tuple[str, list[tuple[str, str]]]] = []
    problems.records.clear()
    content = b"".join(app(environ, lambda s, h: captured.append((s, h))))
    ((status_line, header_list),) = captured
    status = int(status_line.split(" ", 1)[0])
    check_answer(status, {k.lower(): v for k, v in header_list}, content)
    assert problems.records == []
    if status != 200:
        assert state(app) == before


# ------------------------------------------------------------- control calls
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    path=CONTROL_PATHS
    | st.sampled_from(
        [
            "/_lifecycle/accounts/alice/billing",
            "/_lifecycle/accounts/alice/prices",
            "/_lifecycle/accounts/alice/stock",
        ]
    ),
    body=BODIES | (BILLING | ZONE).map(lambda v: json.dumps(v).encode()),
    query=QUERY,
    verify=st.booleans(),
)
def test_any_control_call_is_answered_in_json_and_a_refusal_changes_nothing(
    problems: Problems, method: str, path: str, body: bytes, query: str, verify: bool
) -> None:
    app = make_app(verify=verify)
    before = state(app)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    problems.records.clear()
    response = app.handle(
        WireRequest(
            method=method,
            path=path,
            query=query,
            headers=headers,
            body=body,
            remote_addr="127.0.0.1",
        )
    )
    answer = check_answer(
        response.status,
        {
            "content-length": str(len(response.body)),
            "content-type": response.header("Content-Type") or "",
        },
        response.body,
    )
    assert problems.records == []
    if response.status != 200:
        assert state(app) == before, answer
    # Whatever happened, the surface still answers, and the models still snapshot.
    assert (
        app.control.handle(
            WireRequest(method="GET", path="/_lifecycle/clock", headers=headers, remote_addr="::1")
        ).status
        == 200
    )


# ------------------------------------------------------------ raw over TCP
@pytest.fixture(scope="module")
def live(problems: Problems) -> Iterator[tuple[WireApp, WireServer]]:
    app = make_app()
    with serve(app) as server:
        yield app, server


REQUEST_LINES = st.one_of(
    st.sampled_from(
        [
            b"GET / HTTP/1.1",
            b"POST / HTTP/1.1",
            b"POST /?Action=StopInstance&Version=2014-05-26 HTTP/1.1",
            b"GET /_lifecycle/clock HTTP/1.1",
            b"POST /_lifecycle/reset HTTP/1.1",
            b"GET / HTTP/1.0",
            b"GET /",
            b"BREW / HTTP/1.1",
            b"GET / HTTP/9.9",
            b"GET / HTTP/one",
        ]
    ),
    st.binary(max_size=60).filter(lambda b: b"\n" not in b),
)
RAW_HEADERS = st.lists(
    st.one_of(
        st.builds(lambda v: b"Content-Length: " + v.encode(), NUMBERISH),
        st.sampled_from(
            [
                b"Host: 127.0.0.1",
                b"Host: evil.example",
                b"Transfer-Encoding: chunked",
                b"Connection: close",
                b"Connection: keep-alive",
                b"Content-Type: application/json",
                b"Authorization: Bearer " + TOKEN.encode(),
                b"Origin: http://evil.example",
                b"Expect: 100-continue",
                b"x-acs-action: StopInstance",
            ]
        ),
        st.binary(max_size=40).filter(lambda b: b"\n" not in b),
    ),
    max_size=6,
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    line=REQUEST_LINES,
    headers=RAW_HEADERS,
    body=st.binary(max_size=300),
    pipelined=st.booleans(),
)
def test_any_bytes_to_the_server_get_http_answers_and_it_keeps_answering(
    live: tuple[WireApp, WireServer],
    problems: Problems,
    line: bytes,
    headers: list[bytes],
    body: bytes,
    pipelined: bool,
) -> None:
    app, server = live
    before = state(app)
    data = line + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body
    if pipelined:
        data += b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    problems.records.clear()
    with socket.create_connection((server.host, server.port), timeout=20) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):  # never reset: the server lingers on close
            received += chunk
    served = False
    while received:
        head, separator, rest = received.partition(b"\r\n\r\n")
        assert separator, received[:200]
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0].startswith(("HTTP/1.1 ", "HTTP/1.0 ")), lines[0]
        status = int(lines[0].split()[1])
        if status == 100:  # "Expect: 100-continue" was answered first
            received = rest
            continue
        fields = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        size = int(fields["content-length"])
        if line.startswith(b"HEAD"):
            size = 0
        if size:
            check_answer(status, fields, rest[:size])
        served = served or status == 200
        received = rest[size:]
    assert problems.records == []
    if not served:
        assert state(app) == before
    # The server is still there.
    with socket.create_connection((server.host, server.port), timeout=20) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := connection.recv(65536):  # all of it: closing early would reset it
            received += chunk
        assert received.startswith(b"HTTP/1.1 400 ")
