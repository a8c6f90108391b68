"""``WireApp``: the ECS endpoint and its control surface as one WSGI application.

Any WSGI server can host it; ``serve`` (``_server``) is the small threaded
one from the standard library. The app reads at most the configured body
size, routes ``/_lifecycle/...`` to the control surface and everything else
to the ECS protocol, and catches every exception at this boundary: a bug is
logged and answered with the documented ``InternalError`` envelope, never a
traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, Final

from .. import Durations
from ._accounts import Accounts, Credential, ServerClock
from ._control import CONTROL_PREFIX, ControlSurface
from ._envelope import WireError
from ._protocol import (
    EcsProtocol,
    LowerCaseHeaders,
    RequestIds,
    WireConfig,
    WireRequest,
    WireResponse,
    too_large,
    wire_request,
)

__all__ = ["WireApp", "body_length"]

logger = logging.getLogger("lifecycle.wire")

StartResponse = Callable[[str, list[tuple[str, str]]], object]
#: ``environ`` keys that are headers without the ``HTTP_`` prefix (PEP 3333).
_UNPREFIXED: Final = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


class WireApp:
    """The ECS API of a set of accounts, as a WSGI application.

    Args:
        accounts: The accounts, or the credentials to make them from (then
            ``seed``, ``time_scale`` and ``durations`` shape them).
        config: What to check, and the limits (``WireConfig()`` by default:
            signatures verified).
        seed: The first account's seed (account ``n`` gets ``seed + n``); also
            seeds the RequestIds of the wire's own errors.
        time_scale: Model seconds per real second, when making the accounts.
        durations: How long transitory statuses last, when making the accounts.
        wall: The UNIX time used for signature timestamps (``time.time``).
        control_token: The control surface's own credential, sent as
            ``Authorization: Bearer TOKEN``; a fresh random one when ``None``
            (read it back from ``app.control.token``).

    Attributes:
        accounts: The accounts: ``app.accounts["alice"].model`` is her ``EcsModel``.
        config: The configuration.
        control: The control surface (``control.token`` is its credential).
    """

    def __init__(
        self,
        accounts: Accounts | Iterable[Credential],
        config: WireConfig | None = None,
        *,
        seed: int = 0,
        time_scale: float = 0.0,
        durations: Durations | None = None,
        wall: Callable[[], float] = time.time,
        control_token: str | None = None,
    ) -> None:
        if not isinstance(accounts, Accounts):
            accounts = Accounts(
                accounts, seed=seed, clock=ServerClock(time_scale=time_scale), durations=durations
            )
        self.accounts = accounts
        self.config = WireConfig() if config is None else config
        self.protocol = EcsProtocol(accounts, self.config, wall=wall, request_ids=RequestIds(seed))
        self.control = ControlSurface(accounts, self.config, token=control_token)

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer one request, without any server: the ECS API or the control surface."""
        try:
            path = request.path
            if self.config.control and (
                path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
            ):
                return self.control.handle(request)
            return self.protocol.handle(request)
        except Exception:
            # Both handlers catch everything themselves; this is the last net.
            logger.exception("bug while answering %s %s", request.method, request.path)
            return self.protocol.internal_error()

    def __call__(self, environ: Mapping[str, Any], start_response: StartResponse) -> list[bytes]:
        """The WSGI entry point (PEP 3333)."""
        try:
            response = self._respond(environ)
        except Exception:
            logger.exception("bug while reading a WSGI request")
            response = self.protocol.internal_error()
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(_status_line(response.status), headers)
        return [response.body]

    def _respond(self, environ: Mapping[str, Any]) -> WireResponse:
        headers = LowerCaseHeaders()
        known = _HEADER_NAMES
        for key, value in environ.items():
            name = known.get(key)
            if name is None:
                name = _header_name(key)
            if name:
                headers[name] = str(value)
        try:
            length = body_length(str(environ.get("CONTENT_LENGTH") or "0"), self.config)
        except WireError as error:
            return self.protocol.error(error.code, error.http_status, error.message)
        body = environ["wsgi.input"].read(length) if length else b""
        request = wire_request(
            str(environ.get("REQUEST_METHOD", "GET")),
            _text(str(environ.get("PATH_INFO", "") or "/")),
            _text(str(environ.get("QUERY_STRING", ""))),
            headers,
            body,
            environ.get("REMOTE_ADDR"),
        )
        return self.handle(request)


def body_length(text: str, config: WireConfig) -> int:
    """The body size a ``Content-Length`` value states, within ``config.max_body_bytes``.

    A value longer than any limit is refused by its digits alone: ``int()`` of
    4,300 digits or more raises.

    Raises:
        WireError: ``InvalidParameter`` 400 for a value that is not a number of
            bytes, 413 for one over the limit.
    """
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise WireError(
            "InvalidParameter", 400, f"Content-Length {shown!r} is not a number of bytes."
        )
    limit = config.max_body_bytes
    digits = text.lstrip("0")
    if len(digits) > len(str(limit)):
        raise WireError(
            "InvalidParameter",
            413,
            f"The request body is a {len(digits)}-digit number of bytes; "
            f"this endpoint accepts at most {limit}.",
        )
    length = int(digits or "0")
    if length > limit:
        raise too_large(length, limit)
    return length


#: ``environ`` keys seen, each the lower-case header name it stands for, or ``""``
#: for a key that is no header: every request sends much the same ones.
_HEADER_NAMES: dict[str, str] = {}
#: The most keys ``_HEADER_NAMES`` keeps (bounded, for clients that send new ones).
_MAX_HEADER_NAMES: Final = 512


def _header_name(key: str) -> str:
    """The lower-case header name an ``environ`` key stands for, or ``""`` for another key.

    Remembered in ``_HEADER_NAMES`` while there is room.
    """
    if key.startswith("HTTP_"):
        name = key[5:].replace("_", "-").lower()
    else:
        name = _UNPREFIXED.get(key, "")
    if len(_HEADER_NAMES) < _MAX_HEADER_NAMES:
        _HEADER_NAMES[key] = name
    return name


def _text(value: str) -> str:
    """A PEP 3333 "bytes as latin-1" string as the UTF-8 text it carries."""
    if value.isascii():
        return value  # the same text either way (most paths and queries are percent-encoded)
    try:
        return value.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return value


#: ``200 OK`` and the rest: the WSGI status line of each status ``http`` knows.
_STATUS_LINES: Final = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def _status_line(status: int) -> str:
    return _STATUS_LINES.get(status) or f"{status} Unknown"
