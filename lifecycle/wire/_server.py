"""A small threaded HTTP/1.1 server from the standard library, hosting a ``WireApp``.

``http.server`` parses the requests; one thread serves each connection, with
keep-alive (both SDKs pool connections). The handler turns each request into
a PEP 3333 ``environ`` and calls the WSGI app. Its own refusals (a malformed
request line, headers over ``http.server``'s limits, a chunked body) are
answered with the same documented error envelope, never with its HTML page.

Framing is strict, so no body is ever run as a request (request smuggling): a
``Content-Length`` sent twice, or a ``POST``/``PUT``/``PATCH`` without one, is
refused and the connection closed. Connections are bounded: beyond
``max_connections`` open ones, a new connection is answered with the
documented ``Throttling`` and closed, by one of a few short-lived threads
(beyond those, it is closed unanswered), so a crowd of slow clients cannot
make a thread each.

Why not ``wsgiref.simple_server``: it speaks HTTP/1.0, closing the connection
after every request, and answers its own errors in HTML.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any, Final
from urllib.parse import unquote

from .._version import __version__
from ..errors import InvalidArgument
from ._envelope import WireError
from ._protocol import WireResponse
from ._signature import THROTTLING, THROTTLING_MESSAGE, THROTTLING_STATUS
from ._wsgi import WireApp, body_length

__all__ = ["WireServer", "serve"]

logger = logging.getLogger("lifecycle.wire")

#: An idle keep-alive connection is closed after this many seconds.
IDLE_TIMEOUT: Final = 30.0
#: The listen backlog (the kernel caps it at ``net.core.somaxconn``). With
#: ``socketserver``'s default of 5, 32 simultaneous connects waited up to 8.6 s.
LISTEN_BACKLOG: Final = 1024
#: Open connections served at once (one thread each), by default.
MAX_CONNECTIONS: Final = 256
#: Connections beyond ``max_connections`` answered ``Throttling`` at once; the rest are closed.
_REFUSERS: Final = 8
#: How long a refusal waits for the request it answers, and for the client to close.
_REFUSAL_TIMEOUT: Final = 2.0
#: A closing connection reads at most this much of what the client still sends...
_LINGER_BYTES: Final = 4 * 1024 * 1024
#: ...waiting at most this long for each read.
_LINGER_SECONDS: Final = 2.0
#: Methods whose requests carry a body: they must say how long it is.
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], app: WireApp, max_connections: int) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.max_connections = max_connections
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.refusers = threading.BoundedSemaphore(_REFUSERS)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            full = len(self.connections) >= self.max_connections
            if not full:
                self.connections.add(request)
        if not full:
            super().process_request(request, client_address)
        elif self.refusers.acquire(blocking=False):
            threading.Thread(
                target=self._refuse, args=(request,), name="lifecycle-wire-refusal", daemon=True
            ).start()
        else:
            # Even the refusals are busy: close without an answer rather than wait.
            self.close_request(request)

    def _refuse(self, connection: socket.socket) -> None:
        """Answer ``Throttling`` on a connection beyond the bound, then close it."""
        try:
            connection.settimeout(_REFUSAL_TIMEOUT)
            # Read the request first: closing with unread bytes resets the
            # connection, and the client could lose the answer.
            received = b""
            while b"\r\n\r\n" not in received and len(received) < 65_536:
                chunk = connection.recv(65_536)
                if not chunk:
                    break
                received += chunk
            response = self.app.protocol.error(THROTTLING, THROTTLING_STATUS, THROTTLING_MESSAGE)
            connection.sendall(_raw_response(response))
            connection.shutdown(socket.SHUT_WR)
            # Give the client a moment to read the answer and close first (at most
            # _REFUSAL_TIMEOUT; it may never): closing first could reset the answer away.
            connection.recv(65_536)
        except OSError:
            pass  # the client went away or stayed silent: nothing more to do
        finally:
            self.close_request(connection)
            self.refusers.release()

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        try:
            request.shutdown(socket.SHUT_WR)  # the answer is sent in full
            # A lingering close: read what the client is still sending (a refused
            # body, a header block cut short), within bounds, so that closing with
            # unread bytes does not reset the connection and lose the answer.
            request.settimeout(_LINGER_SECONDS)
            received = 0
            while received < _LINGER_BYTES and (chunk := request.recv(65_536)):
                received += len(chunk)
        except OSError:
            pass  # the client is gone, or silent past the linger
        self.close_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that broke mid-exchange: log, don't print.

        A peer that reset or closed its end is the peer's doing: one INFO line.
        Anything else is a bug worth a WARNING and its traceback.
        """
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            logger.info("connection from %s ended early: %s", client_address[0], error)
            return
        logger.warning("connection from %s ended abnormally", client_address[0], exc_info=True)

    def close_connections(self) -> None:
        """End every open keep-alive connection, so no handler thread outlives the server."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"lifecycle-wire/{__version__}"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # An answer goes out in one write, but http.server's own (a 100 Continue,
        # then the answer) take two; without this, Nagle's algorithm holds the
        # second until the client's delayed ACK: 40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the app, which answers UnsupportedHTTPMethod itself.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        app = self.server.app
        try:
            if self.request_version == "HTTP/0.9":
                # "GET /" alone: HTTP/0.9 answers have no status line; answer as HTTP/1.0.
                self.request_version = "HTTP/1.0"
                raise WireError(
                    "InvalidParameter", 505, "HTTP/0.9 requests are not accepted; send HTTP/1.1."
                )
            length = self._body_length()
        except WireError as error:
            # Where this request's body ends is unknown, or it is not read: the
            # connection cannot carry another request.
            self.close_connection = True
            self._write(app.protocol.error(error.code, error.http_status, error.message))
            return
        body = self.rfile.read(length)
        self._write(self._call(app, str(length), body))

    def _body_length(self) -> int:
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            raise WireError(
                "InvalidParameter", 400, "Content-Length is sent more than once; send it once."
            )
        if self.headers.get("Transfer-Encoding"):
            raise WireError(
                "InvalidParameter",
                411,
                "A request body needs a Content-Length; chunked bodies are not accepted.",
            )
        if not lengths and self.command in _BODY_METHODS:
            raise WireError(
                "InvalidParameter",
                411,
                f"A {self.command} request needs a Content-Length (0 for no body).",
            )
        return body_length(lengths[0] if lengths else "0", self.server.app.config)

    def _call(self, app: WireApp, length: str, body: bytes) -> WireResponse:
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": length,
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = _environ_key(name)
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        captured: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            captured.append((status, headers))

        content = b"".join(app(environ, start_response))
        status, headers = captured[0]
        return WireResponse(
            status=int(status.split(" ", 1)[0]),
            headers=tuple((k, v) for k, v in headers if k.lower() != "content-length"),
            body=content,
        )

    def _write(self, response: WireResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # The header block and the body in one write (one system call, one
        # segment): end_headers() writes the buffered header block to a buffer here.
        wfile, head = self.wfile, BytesIO()
        self.wfile = head
        try:
            self.end_headers()
        finally:
            self.wfile = wfile
        wfile.write(head.getvalue() if self.command == "HEAD" else head.getvalue() + response.body)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header: formatted once a second, not once an answer."""
        return _http_date(int(time.time() if timestamp is None else timestamp))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """``http.server``'s own refusals, as the documented envelope instead of HTML."""
        self.close_connection = True
        # A request line too malformed to name a version leaves HTTP/0.9, which has
        # no status line: answer as HTTP/1.0 so the client sees the status.
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        text = message or (self.responses.get(code, ("Bad request",))[0])
        self._write(self.server.app.protocol.error("InvalidParameter", code, f"{text}."))

    def log_message(self, format: str, *args: Any) -> None:
        if logger.isEnabledFor(logging.INFO):  # serve --log; otherwise, skip formatting
            logger.info("%s %s", self.client_address[0], format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The access line names the method and path, never the query string.

        A query carries every parameter (a client's ``Password`` too); the
        protocol's own line names the action and the answer.
        """
        if not getattr(self, "command", None):
            # A request line too malformed to parse: http.server's own line says so.
            super().log_request(code, size)
            return
        path = self.path.split("?", 1)[0]
        self.log_message('"%s %s %s" %s', self.command, path, self.request_version, code)


@functools.lru_cache(maxsize=256)
def _environ_key(header: str) -> str:
    """The WSGI ``environ`` key of a header (``x-acs-date``: ``HTTP_X_ACS_DATE``).

    Cached: every request sends much the same headers (bounded, for clients that do not).
    """
    return "HTTP_" + header.upper().replace("-", "_")


@functools.lru_cache(maxsize=2)
def _http_date(second: int) -> str:
    """An HTTP ``Date`` (RFC 9110: ``Tue, 01 Dec 2026 15:01:18 GMT``)."""
    return email.utils.formatdate(second, usegmt=True)


def _raw_response(response: WireResponse) -> bytes:
    """``response`` as the bytes of an HTTP/1.1 answer that closes the connection."""
    lines = [f"HTTP/1.1 {response.status} {_PHRASES.get(response.status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    lines += [f"Content-Length: {len(response.body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + response.body


_PHRASES: Final = {code: phrase for code, (phrase, _) in _Handler.responses.items()}


class WireServer:
    """A ``WireApp`` on a TCP port, served by threads.

    Args:
        app: The application.
        host: The address to listen on; loopback by default.
        port: The port; 0 picks a free one (read it back from ``port``).
        max_connections: Open connections served at once, one thread each;
            beyond them a new connection is answered ``Throttling`` and closed.

    Raises:
        InvalidArgument: for a port outside 0 to 65535 or a bound below 1.
        OSError: if the address cannot be bound.

    Use ``start()`` to serve from a background thread (tests), or
    ``serve_forever()`` in the foreground (the ``serve`` command). As a context
    manager it shuts down on exit, closing open connections too.
    """

    def __init__(
        self,
        app: WireApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise InvalidArgument(f"port={port!r}: expected an int from 0 to 65535")
        if (
            isinstance(max_connections, bool)
            or not isinstance(max_connections, int)
            or max_connections < 1
        ):
            raise InvalidArgument(f"max_connections={max_connections!r}: expected an int >= 1")
        self.app = app
        self._httpd = _HTTPServer((host, port), app, max_connections)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The address listened on."""
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        """The port listened on."""
        return int(self._httpd.server_address[1])

    @property
    def endpoint(self) -> str:
        """``host:port``, as the Tea SDK's ``Config(endpoint=...)`` wants it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.endpoint}"

    def start(self) -> WireServer:
        """Serve from a daemon thread; returns ``self``."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"lifecycle-wire-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``shutdown`` is called from another (or Ctrl-C)."""
        self._httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        """Stop serving, close every open connection and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> WireServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return f"WireServer(url={self.url!r})"


def serve(
    app: WireApp, *, host: str = "127.0.0.1", port: int = 0, max_connections: int = MAX_CONNECTIONS
) -> WireServer:
    """Start serving ``app`` from a background thread and return the server.

    ``with serve(app) as server:`` stops it at the end of the block. Point the
    Tea SDK at ``server.endpoint`` with ``protocol="http"``, or the old SDK's
    requests at it with ``set_endpoint`` and ``set_protocol_type("http")``.
    """
    return WireServer(app, host=host, port=port, max_connections=max_connections).start()
