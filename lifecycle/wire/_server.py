"""A small threaded HTTP/1.1 server from the standard library, hosting a ``WireApp``.

``http.server`` parses the requests; one thread serves each connection, with
keep-alive (both SDKs pool connections). The handler turns each request into
a PEP 3333 ``environ`` and calls the WSGI app. Its own refusals (a malformed
request line, headers over ``http.server``'s limits, a chunked body) are
answered with the same documented error envelope, never with its HTML page.

Why not ``wsgiref.simple_server``: it speaks HTTP/1.0, closing the connection
after every request, and answers its own errors in HTML.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any, Final
from urllib.parse import unquote

from .._version import __version__
from ._protocol import WireResponse
from ._wsgi import WireApp

__all__ = ["WireServer", "serve"]

logger = logging.getLogger("lifecycle.wire")

#: An idle keep-alive connection is closed after this many seconds.
IDLE_TIMEOUT: Final = 30.0


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: WireApp) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that broke mid-exchange (the peer went away): log, don't print."""
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
        # Headers and body go out in two writes; without this, Nagle's algorithm
        # holds the second until the client's delayed ACK: 40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the app, which answers UnsupportedHTTPMethod itself.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        app = self.server.app
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._write(
                app.protocol.error(
                    "InvalidParameter",
                    411,
                    "A request body needs a Content-Length; chunked bodies are not accepted.",
                )
            )
            return
        length_text = (self.headers.get("Content-Length") or "0").strip()
        # isascii: str.isdigit() accepts "²", which int() refuses.
        valid = length_text.isascii() and length_text.isdigit()
        length = int(length_text) if valid else 0
        if not valid or length > app.config.max_body_bytes:
            # The app refuses it without reading the body: the connection cannot be reused.
            self.close_connection = True
            body = b""
        else:
            body = self.rfile.read(length)
        self._write(self._call(app, length_text, body))

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
            key = "HTTP_" + name.upper().replace("-", "_")
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
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

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
        logger.info("%s %s", self.client_address[0], format % args)


class WireServer:
    """A ``WireApp`` on a TCP port, served by threads.

    Args:
        app: The application.
        host: The address to listen on; loopback by default.
        port: The port; 0 picks a free one (read it back from ``port``).

    Use ``start()`` to serve from a background thread (tests), or
    ``serve_forever()`` in the foreground (the ``serve`` command). As a context
    manager it shuts down on exit, closing open connections too.
    """

    def __init__(self, app: WireApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._httpd = _HTTPServer((host, port), app)
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


def serve(app: WireApp, *, host: str = "127.0.0.1", port: int = 0) -> WireServer:
    """Start serving ``app`` from a background thread and return the server.

    ``with serve(app) as server:`` stops it at the end of the block. Point the
    Tea SDK at ``server.endpoint`` with ``protocol="http"``, or the old SDK's
    requests at it with ``set_endpoint`` and ``set_protocol_type("http")``.
    """
    return WireServer(app, host=host, port=port).start()
