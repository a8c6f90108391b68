"""The WSGI app and the threaded server, over real sockets: keep-alive, the transport's own
refusals as envelopes, limits, concurrency, and a clean shutdown."""

from __future__ import annotations

import http.client as httplib
import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from lifecycle import Durations, ErrorCode, InvalidArgument
from lifecycle.wire import Credential, WireApp, WireConfig, WireServer, _server, serve
from tests.wire_helpers import AK, SK, WIRE, basic, expected_wire_error, http, v2_params, v3_headers

CREDENTIALS = [Credential(name="alice", access_key_id=AK, access_key_secret=SK)]
TOKEN = "control-token"
CONTROL = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app() -> WireApp:
    return WireApp(
        CREDENTIALS,
        WireConfig(max_body_bytes=1000),
        durations=Durations.immediate(),
        control_token=TOKEN,
    )


@pytest.fixture
def server(app: WireApp) -> Iterator[WireServer]:
    with serve(app) as running:
        yield running


def envelope(body: bytes) -> dict[str, Any]:
    parsed = json.loads(body)
    assert list(parsed) == WIRE["envelope"]["error_fields"]
    return dict(parsed)


def raw_exchange(server: WireServer, data: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def split(response: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def test_the_server_reports_where_it_listens(server: WireServer) -> None:
    assert server.host == "127.0.0.1"
    assert server.port > 0
    assert server.endpoint == f"127.0.0.1:{server.port}"
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.url in repr(server)


def test_a_server_on_ipv6_loopback_brackets_its_address(app: WireApp) -> None:
    with serve(app, host="::1") as server:
        assert server.endpoint == f"[::1]:{server.port}"
        status, _, _ = http(server.url + "/_lifecycle/clock", headers=CONTROL)
        assert status == 200


def test_a_connection_is_kept_alive_across_calls(app: WireApp, server: WireServer) -> None:
    app.accounts["alice"].model.create_instance("i-1", status="Stopped")
    connection = httplib.HTTPConnection(server.host, server.port, timeout=10)
    try:
        for action in ("StartInstance", "StopInstance", "StartInstance"):
            query = urlencode(v2_params(action, {"InstanceId": "i-1"}))
            connection.request("POST", "/?" + query)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, body
            assert response.getheader("Connection") is None
            assert response.getheader("Content-Length") == str(len(body))
        assert app.accounts["alice"].model.status("i-1") == "Running"
    finally:
        connection.close()


def test_a_tampered_request_is_refused_over_the_wire(app: WireApp, server: WireServer) -> None:
    app.accounts["alice"].model.create_instance("i-1", status="Stopped")
    pairs = v2_params("StartInstance", {"InstanceId": "i-other"})
    tampered = [(k, "i-1" if k == "InstanceId" else v) for k, v in pairs]
    status, headers, body = http(server.url + "/?" + urlencode(tampered), method="POST")
    refusal = envelope(body)
    assert (status, refusal["Code"]) == (
        expected_wire_error("SignatureDoesNotMatch", string_to_sign="")[0],
        "SignatureDoesNotMatch",
    )
    assert headers["x-acs-request-id"] == refusal["RequestId"]
    assert app.accounts["alice"].model.status("i-1") == "Stopped"


def test_a_replay_is_refused_over_the_wire(app: WireApp, server: WireServer) -> None:
    app.accounts["alice"].model.create_instance("i-1", status="Running")
    url = server.url + "/?" + urlencode(v2_params("RebootInstance", {"InstanceId": "i-1"}))
    assert http(url, method="POST")[0] == 200
    status, _, body = http(url, method="POST")
    assert (status, envelope(body)["Code"]) == (400, WIRE["timestamp"]["nonce_code"])


def test_a_v3_request_with_a_form_body_is_served_over_the_wire(
    app: WireApp, server: WireServer
) -> None:
    app.accounts["alice"].model.create_instance("i-1", status="Stopped")
    body = b"InstanceId=i-1"
    headers = v3_headers(
        "StartInstance",
        [],
        host=server.endpoint,
        body=body,
        extra={"content-type": "application/x-www-form-urlencoded"},
    )
    status, _, answer = http(server.url + "/", method="POST", body=body, headers=headers)
    assert status == 200, answer
    assert app.accounts["alice"].model.status("i-1") == "Running"


def test_a_malformed_request_line_gets_an_envelope_not_html(server: WireServer) -> None:
    status, headers, body = split(raw_exchange(server, b"GET / HTTP/one\r\n\r\n"))
    assert status == 400
    assert headers["content-type"] == WIRE["envelope"]["json_content_type"]
    assert envelope(body)["Code"] == "InvalidParameter"


def test_an_over_long_url_gets_an_envelope(server: WireServer) -> None:
    request = b"GET /?" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    status, _, body = split(raw_exchange(server, request))
    assert (status, envelope(body)["Code"]) == (414, "InvalidParameter")


def test_any_method_reaches_the_app(server: WireServer) -> None:
    for method in ("PUT", "FOO"):
        status, _, body = split(
            raw_exchange(
                server,
                f"{method} / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n".encode(),
            )
        )
        assert (status, envelope(body)["Code"]) == (
            expected_wire_error("UnsupportedHTTPMethod")[0],
            "UnsupportedHTTPMethod",
        )


def test_head_gets_the_headers_without_a_body(server: WireServer) -> None:
    status, headers, body = split(
        raw_exchange(server, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    )
    assert status == expected_wire_error("UnsupportedHTTPMethod")[0]
    assert int(headers["content-length"]) > 0
    assert body == b""


def test_a_chunked_body_is_refused_and_the_connection_closed(server: WireServer) -> None:
    request = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    )
    status, headers, body = split(raw_exchange(server, request))
    assert (status, headers["connection"]) == (WIRE["framing"]["chunked_status"], "close")
    assert envelope(body)["Code"] == "InvalidParameter"


@pytest.mark.parametrize("length", [b"lots", b"-1", b"\xb2"])
def test_a_malformed_content_length_is_refused(server: WireServer, length: bytes) -> None:
    request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n"
    status, headers, body = split(raw_exchange(server, request))
    assert (status, headers["connection"]) == (400, "close")
    assert "Content-Length" in envelope(body)["Message"]


def test_a_body_over_the_limit_is_refused_unread(server: WireServer) -> None:
    # The server answers from the headers alone and closes; the body is never read.
    request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"x" * 10
    status, headers, body = split(raw_exchange(server, request))
    assert (status, headers["connection"]) == (WIRE["limits"]["body_status"], "close")
    assert "at most 1000" in envelope(body)["Message"]


def test_the_control_surface_is_served_with_credentials(app: WireApp, server: WireServer) -> None:
    status, headers, body = http(
        server.url + "/_lifecycle/accounts/alice/instances",
        method="POST",
        body=b'{"instance_id": "i-9", "status": "Running"}',
        headers={**basic(AK, SK), "Content-Type": "application/json"},
    )
    assert (status, json.loads(body)) == (200, {"instance_ids": ["i-9"]})
    assert headers["content-type"] == "application/json"
    status, headers, _ = http(server.url + "/_lifecycle/clock")
    assert (status, headers["www-authenticate"]) == (401, 'Bearer realm="lifecycle"')


def test_concurrent_clients_never_corrupt_the_model(app: WireApp, server: WireServer) -> None:
    model = app.accounts["alice"].model
    model.create_instance("i-shared", status="Stopped")
    threads = 8
    rounds = 5
    ids = [model.create_instance(f"i-{n}", status="Stopped") for n in range(threads)]
    outcomes: list[tuple[str, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def client(own: str) -> None:
        connection = httplib.HTTPConnection(server.host, server.port, timeout=10)
        try:
            barrier.wait()
            # Everyone starts the shared instance at once: exactly one may succeed.
            calls = [("StartInstance", "i-shared")]
            for _ in range(rounds):
                calls += [("StartInstance", own), ("StopInstance", own)]
            for action, instance in calls:
                connection.request(
                    "POST", "/?" + urlencode(v2_params(action, {"InstanceId": instance}))
                )
                response = connection.getresponse()
                code = json.loads(response.read()).get("Code", "OK")
                with lock:
                    outcomes.append(
                        (
                            f"{action} {instance == own}",
                            response.status
                            if code != ErrorCode.INCORRECT_INSTANCE_STATUS.value
                            else -1,
                        )
                    )
        finally:
            connection.close()

    workers = [threading.Thread(target=client, args=(own,)) for own in ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    shared = [status for label, status in outcomes if label == "StartInstance False"]
    assert sorted(shared) == [-1] * (threads - 1) + [200]
    own = [status for label, status in outcomes if label.endswith("True")]
    assert own == [200] * (threads * rounds * 2)
    assert all(model.status(i) == "Stopped" for i in ids)
    assert model.status("i-shared") == "Running"
    transitions = [
        e
        for e in app.accounts["alice"].events.since(0)
        if e["type"] == "TransitionEvent" and e["cause"] != "create"
    ]
    # Each success is two transitions (into the transitory status and out of it).
    assert len(transitions) == 2 * (threads * rounds * 2 + 1)


def test_shutdown_closes_idle_keep_alive_connections(app: WireApp) -> None:
    server = serve(app)
    connection = socket.create_connection((server.host, server.port), timeout=10)
    with connection:
        connection.sendall(b"GET /_lifecycle/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            received += connection.recv(65536)
        _, headers, body = split(received)
        while len(body) < int(headers["content-length"]):
            body += connection.recv(65536)
        assert received.startswith(b"HTTP/1.1 401 ")  # answered; the connection stays open
        server.shutdown()
        assert connection.recv(65536) == b""  # the server ended the idle connection
    server.shutdown()  # a second shutdown is harmless


def test_serve_forever_runs_in_the_calling_thread_until_shut_down(app: WireApp) -> None:
    server = WireServer(app)
    runner = threading.Thread(target=server.serve_forever)
    runner.start()
    try:
        status, _, _ = http(server.url + "/_lifecycle/clock", headers=CONTROL)
        assert status == 200
    finally:
        server._httpd.shutdown()
        runner.join(timeout=10)
        server.shutdown()
    assert not runner.is_alive()


# --------------------------------------------------------------- WSGI alone
def wsgi(app: WireApp, **environ: Any) -> tuple[str, dict[str, str], bytes]:
    captured: list[tuple[str, list[tuple[str, str]]]] = []
    base = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(b""),
    }
    body = b"".join(app({**base, **environ}, lambda s, h: captured.append((s, h))))
    status, headers = captured[0]
    return status, dict(headers), body


def test_the_wsgi_app_states_the_length_and_reason(app: WireApp) -> None:
    status, headers, body = wsgi(app)
    assert status == "400 Bad Request"
    assert headers["Content-Length"] == str(len(body))
    assert envelope(body)["Code"] == "MissingParameter"


def test_the_wsgi_app_refuses_a_bad_or_huge_content_length_without_reading(app: WireApp) -> None:
    class Unreadable(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("the body must not be read")

    for length in ("x", "\u00b2"):
        status, _, body = wsgi(app, CONTENT_LENGTH=length, **{"wsgi.input": Unreadable()})
        assert status.startswith("400")
        assert "Content-Length" in envelope(body)["Message"]
    status, _, body = wsgi(app, CONTENT_LENGTH="1001", **{"wsgi.input": Unreadable()})
    assert status.startswith("413")


def test_the_wsgi_app_reads_headers_and_the_body_from_the_environ(app: WireApp) -> None:
    app.accounts["alice"].model.create_instance("i-1", status="Stopped")
    pairs = v2_params("StartInstance", {"InstanceId": "i-1"})
    query = [(k, v) for k, v in pairs if k != "InstanceId"]
    status, _, body = wsgi(
        app,
        REQUEST_METHOD="POST",
        QUERY_STRING=urlencode(query),
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH="14",
        HTTP_X_ACS_ACTION="StartInstance",
        **{"wsgi.input": io.BytesIO(b"InstanceId=i-1")},
    )
    assert status == "200 OK", body


def test_a_path_that_is_not_latin_1_is_taken_as_it_is(app: WireApp) -> None:
    status, _, body = wsgi(app, PATH_INFO="/\u20ac")
    assert (status[:3], envelope(body)["Code"]) == ("404", "InvalidAction.NotFound")


def test_a_bug_while_reading_the_environ_is_an_internal_error(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("the client went away")

    with caplog.at_level(logging.ERROR, logger="lifecycle.wire"):
        status, _, body = wsgi(
            app, REQUEST_METHOD="POST", CONTENT_LENGTH="5", **{"wsgi.input": Broken()}
        )
    status_code, message = expected_wire_error("InternalError")
    assert (status, envelope(body)["Message"]) == (f"{status_code} Internal Server Error", message)
    assert "went away" in caplog.text


def test_a_broken_connection_is_logged_not_printed(
    server: WireServer, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        try:
            raise RuntimeError("a bug")
        except RuntimeError:
            server._httpd.handle_error(None, ("127.0.0.1", 9))
    assert "ended abnormally" in caplog.text
    assert "a bug" in caplog.text
    assert "Traceback" in caplog.text
    assert capsys.readouterr().err == ""


def test_a_peer_that_went_away_is_one_info_line_without_a_traceback(
    server: WireServer, caplog: pytest.LogCaptureFixture
) -> None:
    # 128 clients giving up on a backlog of 5 logged 128 tracebacks (issue 10, item 6).
    with caplog.at_level(logging.INFO, logger="lifecycle.wire"):
        try:
            raise ConnectionResetError("peer went away")
        except ConnectionResetError:
            server._httpd.handle_error(None, ("127.0.0.1", 9))
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == "connection from 127.0.0.1 ended early: peer went away"
    assert record.exc_info is None


# ------------------------------------------------- framing: nothing smuggled
def stop_request(instance: str) -> bytes:
    query = urlencode(v2_params("StopInstance", {"InstanceId": instance}))
    return f"POST /?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode()


def test_a_second_content_length_is_refused_and_no_body_runs_as_a_request(
    app: WireApp, server: WireServer
) -> None:
    # Issue 10, item 4: "Content-Length: 0" then "Content-Length: N" were
    # accepted, the first used, and the body ran as a second request.
    model = app.accounts["alice"].model
    model.create_instance("i-1", status="Running")
    smuggled = stop_request("i-1")
    request = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
        b"Content-Length: " + str(len(smuggled)).encode() + b"\r\n\r\n" + smuggled
    )
    answer = raw_exchange(server, request)
    assert answer.count(b"HTTP/1.1 ") == 1
    status, headers, body = split(answer)
    assert (status, headers["connection"]) == (
        WIRE["framing"]["duplicate_content_length_status"],
        "close",
    )
    assert "more than once" in envelope(body)["Message"]
    assert model.status("i-1") == "Running"


@pytest.mark.parametrize("method", [b"POST", b"PUT", b"PATCH"])
def test_a_body_without_a_content_length_is_refused_and_never_run(
    app: WireApp, server: WireServer, method: bytes
) -> None:
    # Issue 10, item 4: a POST body without Content-Length on a keep-alive
    # connection ran as the next request (a signed StopInstance did).
    model = app.accounts["alice"].model
    model.create_instance("i-1", status="Running")
    answer = raw_exchange(server, method + b" / HTTP/1.1\r\nHost: x\r\n\r\n" + stop_request("i-1"))
    assert answer.count(b"HTTP/1.1 ") == 1
    status, headers, body = split(answer)
    assert (status, headers["connection"]) == (
        WIRE["framing"]["missing_content_length_status"],
        "close",
    )
    assert "needs a Content-Length" in envelope(body)["Message"]
    assert model.status("i-1") == "Running"


def test_a_get_without_a_content_length_stays_alive(app: WireApp, server: WireServer) -> None:
    answer = raw_exchange(
        server,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert answer.count(b"HTTP/1.1 400 ") == 2  # two requests, both answered


@pytest.mark.parametrize("digits", [19, 4_301, 5_000])
def test_a_content_length_of_thousands_of_digits_is_answered_413(
    server: WireServer, caplog: pytest.LogCaptureFixture, digits: int
) -> None:
    # Issue 10, item 7: 4,300+ digits closed the connection with no answer and a traceback.
    request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * digits + b"\r\n\r\n"
    with caplog.at_level(logging.WARNING, logger="lifecycle.wire"):
        status, headers, body = split(raw_exchange(server, request))
    assert (status, headers["connection"]) == (413, "close")
    assert f"{digits}-digit" in envelope(body)["Message"]
    assert caplog.records == []


def test_leading_zeros_do_not_make_a_length_too_long(app: WireApp) -> None:
    status, _, body = wsgi(
        app, CONTENT_LENGTH="0" * 5_000 + "2", **{"wsgi.input": io.BytesIO(b"{}")}
    )
    assert status.startswith("400 ")  # the ECS endpoint's own answer: no Action
    assert json.loads(body)["Code"] == "MissingParameter"


# ------------------------------------------------------ bounded connections
def open_and_use(server: WireServer) -> socket.socket:
    """A keep-alive connection the server has answered once, so it is surely counted."""
    connection = socket.create_connection((server.host, server.port), timeout=10)
    connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    return connection


def wait_for_connections(server: WireServer, count: int) -> None:
    for _ in range(1000):  # bounded: the handler thread ends soon after the peer closes
        with server._httpd.connections_lock:
            if len(server._httpd.connections) == count:
                return
        threading.Event().wait(0.01)
    raise AssertionError(f"the server still holds {len(server._httpd.connections)} connections")


def test_connections_beyond_the_bound_are_answered_throttling(app: WireApp) -> None:
    # Issue 10, item 6: 4,000 slow clients made 3,772 threads.
    with serve(app, max_connections=2) as server:
        first, second = open_and_use(server), open_and_use(server)
        with first, second:
            status, headers, body = split(
                raw_exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            )
            assert (status, headers["connection"]) == (400, "close")
            assert (envelope(body)["Code"], envelope(body)["Message"]) == (
                ErrorCode.THROTTLING.value,
                "Request was denied due to request throttling.",
            )
            assert threading.active_count() < 20
        wait_for_connections(server, 0)
        status, _, _ = http(server.url + "/_lifecycle/clock", headers=CONTROL)
        assert status == 200


def test_with_every_refusal_busy_a_connection_is_closed_unanswered(app: WireApp) -> None:
    with serve(app, max_connections=1) as server:
        server._httpd.refusers = threading.BoundedSemaphore(1)
        assert server._httpd.refusers.acquire(blocking=False)
        with open_and_use(server):
            try:
                answer = raw_exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            except ConnectionResetError:
                answer = b""
            assert answer == b""


def test_a_refused_client_that_says_nothing_is_let_go(app: WireApp) -> None:
    with serve(app, max_connections=1) as server, open_and_use(server):
        with socket.create_connection((server.host, server.port), timeout=10) as silent:
            silent.shutdown(socket.SHUT_WR)  # no request at all
            answer = b""
            while chunk := silent.recv(65536):
                answer += chunk
        assert split(answer)[0] == 400


def test_the_listen_backlog_is_raised() -> None:
    assert _server._HTTPServer.request_queue_size >= 128


@pytest.mark.parametrize("port", [-1, 65_536, 99_999, True, "80"])
def test_a_port_outside_the_range_is_refused_by_name(app: WireApp, port: Any) -> None:
    with pytest.raises(InvalidArgument, match="port="):
        WireServer(app, port=port)


@pytest.mark.parametrize("bound", [0, -1, True, 1.5])
def test_a_bad_connection_bound_is_refused_by_name(app: WireApp, bound: Any) -> None:
    with pytest.raises(InvalidArgument, match="max_connections="):
        WireServer(app, max_connections=bound)


def test_a_refusal_whose_client_vanished_still_closes_and_frees_its_slot(app: WireApp) -> None:
    class Vanished:
        closed = False

        def settimeout(self, seconds: float) -> None:
            raise ConnectionResetError("gone")

        def close(self) -> None:
            self.closed = True

    with serve(app, max_connections=1) as server:
        httpd = server._httpd
        assert httpd.refusers.acquire(blocking=False)
        vanished = Vanished()
        httpd._refuse(vanished)  # type: ignore[arg-type]
        assert vanished.closed
        assert httpd.refusers.acquire(blocking=False)  # the slot was given back
        httpd.refusers.release()


def test_an_http_0_9_request_is_answered_with_a_status_line(server: WireServer) -> None:
    # Found by tests/test_fuzz_wire.py: "GET /" alone got a bare body, no status line.
    status, headers, body = split(raw_exchange(server, b"GET /\r\n\r\n"))
    assert (status, headers["connection"]) == (505, "close")
    assert "HTTP/0.9" in envelope(body)["Message"]


def test_a_connection_refused_early_is_closed_without_a_reset(server: WireServer) -> None:
    # Found by tests/test_fuzz_wire.py: the server answered a malformed request
    # line and closed with the rest of the client's bytes unread; the reset made
    # the client's next socket call fail (ENOTCONN) after reading the answer.
    request = b"|\r\n" + b"X-Filler: y\r\n" * 5_000 + b"\r\n"
    with socket.create_connection((server.host, server.port), timeout=20) as connection:
        connection.sendall(request)
        received = connection.recv(65536)  # the answer is there: the server has acted
        connection.shutdown(socket.SHUT_WR)
        while chunk := connection.recv(65536):
            received += chunk
    assert split(received)[0] == 400


def test_a_refused_body_still_being_sent_does_not_lose_the_answer(server: WireServer) -> None:
    # The 413 is answered from the headers; the body the client is still sending
    # is read (within the linger's bound) rather than reset.
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n"
    with socket.create_connection((server.host, server.port), timeout=20) as connection:
        connection.sendall(head + b"x" * 3_000_000)  # more than socket buffers, within the linger
        received = b""
        while b"\r\n\r\n" not in received:
            received += connection.recv(65536)
    assert split(received)[0] == WIRE["limits"]["body_status"]


def test_a_lingering_close_reads_no_more_than_its_bound() -> None:
    class Endless:
        """A client that never stops sending."""

        def __init__(self) -> None:
            self.read = 0
            self.closed = False

        def shutdown(self, how: int) -> None:
            pass

        def settimeout(self, seconds: float) -> None:
            pass

        def recv(self, size: int) -> bytes:
            self.read += size
            return b"x" * size

        def close(self) -> None:
            self.closed = True

    app = WireApp(CREDENTIALS)
    with serve(app) as server:
        endless = Endless()
        server._httpd.shutdown_request(endless)
    assert endless.closed
    assert _server._LINGER_BYTES <= endless.read < _server._LINGER_BYTES + 65_536


def test_a_lingering_close_whose_client_is_gone_still_closes() -> None:
    """The client reset the connection before the linger: an OSError, then the close anyway
    (a fake socket makes the branch deterministic; a real one reaches it only by timing)."""

    class Reset:
        def __init__(self) -> None:
            self.closed = False

        def shutdown(self, how: int) -> None:
            raise ConnectionResetError("the client is gone")

        def close(self) -> None:
            self.closed = True

    app = WireApp(CREDENTIALS)
    with serve(app) as server:
        gone = Reset()
        server._httpd.shutdown_request(gone)
    assert gone.closed
