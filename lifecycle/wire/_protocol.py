"""The ECS RPC protocol, sans I/O: a request's bytes in, the documented answer out.

``EcsProtocol.handle`` takes a ``WireRequest`` (method, path, query string,
headers, body) and returns a ``WireResponse`` (status, headers, body). It
never opens a socket and never raises: every request, however malformed,
gets one of the documented envelopes (``_envelope``).

A request is decided in this order, first failure wins:

1. the HTTP method (GET or POST) and the path (``/``; a request in absolute
   form, ``http://ecs.cn-hangzhou.aliyuncs.com/``, as a client sends it
   through an HTTP proxy, is the same request, its path ``/``);
2. the size limits, then the parameters: the query string's and, for an
   ``application/x-www-form-urlencoded`` body, the body's (UTF-8, no name twice);
3. ``Format`` (``JSON`` or ``XML``, any case), so later errors render in it;
4. the action (``Action`` or the ``x-acs-action`` header: the current SDK sends
   only the header) and ``Version`` (or ``x-acs-version``), which must be
   ``2014-05-26``; an unknown action is ``InvalidAction.NotFound``;
5. the signature (``_signature``): the key names the account;
6. the action's parameters, read from the model's own table
   (``lifecycle._spec.PARAMETERS``): documented common parameters are accepted
   and not read; documented ones the model accepts and does not model
   (``lifecycle._spec.IGNORED_PARAMETERS``: RunInstances' ``DataDisk.1.Size``,
   ``Tag.1.Key``, ...) are passed to it, which gathers them under ``extra``;
   documented ones the model does not know at all are accepted and dropped
   here; any other name is ignored too and named in the log, as ECS ignores
   parameters it does not know (``WireConfig(strict_parameters=True)`` refuses
   it with ``UnsupportedParameter`` instead);
7. the model's own call, with the documented names and the values as sent.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from random import Random
from typing import Final
from urllib.parse import unquote, urlsplit

from .. import Action, ApiError, InvalidArgument
from .._spec import IGNORED_PARAMETERS, PARAMETERS, Param, ParamType
from .._views import _NEW, _slot
from ._accounts import Account, Accounts
from ._envelope import (
    GENERIC_INVALID_PARAMETER,
    JSON_CONTENT_TYPE,
    REQUEST_ID_HEADER,
    XML_CONTENT_TYPE,
    WireError,
    error_body,
    render_json,
    render_xml,
)
from ._signature import Verifier, access_key_id, signed_request

__all__ = ["API_VERSION", "EcsProtocol", "WireConfig", "WireRequest", "WireResponse"]

logger = logging.getLogger("lifecycle.wire")

#: "Version=2014-05-26" (ecs-api-facts.md section 1).
API_VERSION: Final = "2014-05-26"
_FORM: Final = "application/x-www-form-urlencoded"
#: ``N`` of a ``Name.N`` list parameter: 1, 2, ... without leading zeros.
_DIGITS: Final = "[1-9][0-9]{0,8}"
_POSITION: Final = re.compile(_DIGITS + r"\Z")
#: How many (action, unknown parameter) pairs an endpoint remembers having named
#: at WARNING; beyond them, each new one is named at WARNING every time it comes.
MAX_NAMED: Final = 1024

#: RPC common parameters (section 3.1) and the SDKs' hidden owner parameters
#: (section 1): accepted with every action, never read by the model.
COMMON_PARAMETERS: Final = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "SignatureType",
        "Timestamp",
        "SecurityToken",
        "RegionId",
        "OwnerId",
        "OwnerAccount",
        "ResourceOwnerId",
        "ResourceOwnerAccount",
    }
)


@dataclass(frozen=True, slots=True)
class ActionParameters:
    """How the wire treats one action's parameters.

    Attributes:
        model: Passed to ``EcsModel.call`` as sent.
        ignored: Documented, accepted, not modelled, and unknown to the model:
            dropped here. ``.N`` in a name stands for a position (``Tag.N.Key``
            is ``Tag.1.Key``, ``Tag.2.Key``, ...).
        extra: Documented, accepted and not modelled, but known to the model
            (``lifecycle._spec.IGNORED_PARAMETERS``): passed to ``EcsModel.call``
            as sent, which gathers them under ``extra`` (RunInstances' ClientToken
            compares them). ``.N`` as for ``ignored``.
        listed: The ``Name`` of a ``Name.N`` list parameter, if any.
        required: Documented as required, checked here (the model does not read them).
    """

    model: frozenset[str]
    ignored: frozenset[str] = frozenset()
    listed: str | None = None
    required: tuple[str, ...] = ()
    extra: frozenset[str] = frozenset()
    #: Matches exactly the ``ignored`` names, each ``.N`` a position.
    ignores: re.Pattern[str] = field(default=re.compile("(?!)"), compare=False, repr=False)
    #: Matches exactly the ``extra`` names, each ``.N`` a position.
    passes: re.Pattern[str] = field(default=re.compile("(?!)"), compare=False, repr=False)

    @classmethod
    def of(
        cls,
        params: Iterable[Param],
        *,
        ignored: Iterable[str] = (),
        required: Iterable[str] = (),
        extra: Iterable[str] = (),
    ) -> ActionParameters:
        """An action's handling from its parameter table (``lifecycle._spec.PARAMETERS``).

        A ``ParamType.STRING_LIST`` parameter is the ``Name.N`` list (one at most);
        every other parameter is passed as sent. ``required`` names parameters the
        wire must see although the model's table does not require them.
        """
        table = tuple(params)
        lists = [p.name for p in table if p.type is ParamType.STRING_LIST]
        assert len(lists) <= 1, "the wire reads at most one Name.N list per action"
        names = frozenset(ignored)
        passed = frozenset(extra)
        return cls(
            model=frozenset(p.name for p in table if p.type is not ParamType.STRING_LIST),
            ignored=names,
            listed=lists[0] if lists else None,
            required=tuple(required),
            extra=passed,
            ignores=_names_pattern(names),
            passes=_names_pattern(passed),
        )


def _names_pattern(names: frozenset[str]) -> re.Pattern[str]:
    """Matches exactly ``names``, each ``.N`` a position (never matches for none)."""
    return re.compile("|".join(sorted(map(_name_pattern, names))) or "(?!)")


def _name_pattern(name: str) -> str:
    """A documented name as a pattern: each ``N`` part a position (``Tag.N.Key``)."""
    parts = (_DIGITS if part == "N" else re.escape(part) for part in name.split("."))
    return "(?:" + re.escape(".").join(parts) + r")\Z"


#: Documented parameters the model does not know, accepted and ignored
#: (``specs/wire.toml`` ``[[ignored_parameters]]``; for DescribeInstances,
#: ``specs/operations/DescribeInstances.toml`` ``[[ignored]]``).
DOCUMENTED_IGNORED: Final[Mapping[Action, frozenset[str]]] = {
    # "in invitational preview and is not publicly available" (section 1.3).
    Action.STOP_INSTANCE: frozenset({"Hibernate"}),
    # One zone, no clusters: the filters are accepted and select everything.
    Action.DESCRIBE_INSTANCE_STATUS: frozenset({"ZoneId", "ClusterId"}),
    # Filters and options on what the model does not hold (Terraform sends VpcId,
    # VSwitchId, Tag.N.*, AdditionalAttributes.N, ...).
    Action.DESCRIBE_INSTANCES: frozenset(
        {
            "AdditionalAttributes.N",
            "DeviceAvailable",
            "EipAddresses",
            "Filter.1.Key",
            "Filter.1.Value",
            "Filter.2.Key",
            "Filter.2.Value",
            "Filter.3.Key",
            "Filter.3.Value",
            "Filter.4.Key",
            "Filter.4.Value",
            "HpcClusterId",
            "HttpEndpoint",
            "HttpPutResponseHopLimit",
            "HttpTokens",
            "ImageId",
            "InnerIpAddresses",
            "InstanceNetworkType",
            "InternetChargeType",
            "IoOptimized",
            "Ipv6Address.N",
            "KeyPairName",
            "NeedSaleCycle",
            "PrivateIpAddresses",
            "PublicIpAddresses",
            "RdmaIpAddresses",
            "ResourceGroupId",
            "SecurityGroupId",
            "Tag.N.Key",
            "Tag.N.Value",
            "VSwitchId",
            "VpcId",
        }
    ),
}

#: Required by the docs, not by the model's table: the wire asks for them.
#: "RegionId | string | yes" (section 1.5); the model is one region and ignores it.
WIRE_REQUIRED: Final[Mapping[Action, tuple[str, ...]]] = {
    Action.DESCRIBE_INSTANCE_STATUS: ("RegionId",),
}

#: Per action, from the model's own tables: ``tests/test_wire_specs.py`` proves
#: these names are exactly the ones ``EcsModel.call`` accepts.
ACTIONS: Final[Mapping[str, ActionParameters]] = {
    action.value: ActionParameters.of(
        params,
        ignored=DOCUMENTED_IGNORED.get(action, ()),
        required=WIRE_REQUIRED.get(action, ()),
        extra=IGNORED_PARAMETERS.get(action, ()),
    )
    for action, params in PARAMETERS.items()
}


@dataclass(frozen=True, slots=True, kw_only=True)
class WireConfig:
    """How the endpoint checks requests.

    Attributes:
        verify: Check signatures, timestamps and nonces. Off, a request is served
            for the account its AccessKeyId names, or the first account.
        timestamp_window: How far (seconds) ``Timestamp``/``x-acs-date`` may be from now.
        max_nonces: How many recent nonces are remembered for replay checks.
        max_query_bytes: The longest query string accepted.
        max_body_bytes: The largest body accepted.
        max_parameters: The most parameters (query and body together) accepted.
        host_id: The ``HostId`` of error envelopes.
        control: Serve the control surface under ``/_lifecycle/``.
        strict_parameters: Refuse a parameter the action does not document with
            ``UnsupportedParameter`` (400). Off (the default), it is ignored and
            named in the log, as ECS ignores parameters it does not know.

    Raises:
        InvalidArgument: for a limit that is not a positive number.
    """

    verify: bool = True
    timestamp_window: float = 900.0
    max_nonces: int = 100_000
    max_query_bytes: int = 64 * 1024
    max_body_bytes: int = 1024 * 1024
    max_parameters: int = 500
    host_id: str = "ecs.aliyuncs.com"
    control: bool = True
    strict_parameters: bool = False

    def __post_init__(self) -> None:
        for name in ("verify", "control", "strict_parameters"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidArgument(f"{name}={getattr(self, name)!r}: expected True or False")
        for name in ("max_nonces", "max_query_bytes", "max_body_bytes", "max_parameters"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgument(f"{name}={value!r}: expected an int >= 1")
        window = self.timestamp_window
        if isinstance(window, bool) or not isinstance(window, int | float) or not window > 0:
            raise InvalidArgument(f"timestamp_window={window!r}: expected seconds > 0")
        if not isinstance(self.host_id, str) or not self.host_id:
            raise InvalidArgument(f"host_id={self.host_id!r}: expected a non-empty str")


@dataclass(frozen=True, slots=True, kw_only=True)
class WireRequest:
    """One HTTP request, as received.

    Attributes:
        method: The HTTP method.
        path: The path, without the query string.
        query: The query string, without ``?``, percent-encoded as sent.
        headers: Header names (any case) to values.
        body: The body.
        remote_addr: The peer's IP address, if known (the control surface checks it).
    """

    method: str
    path: str = "/"
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    remote_addr: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WireResponse:
    """One HTTP response: status, headers and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    #: The error code of an error envelope (for logs); empty on success.
    code: str = ""

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or ``None``."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


# Builders for the value objects every request makes (as ``lifecycle._views`` builds
# the model's): a frozen dataclass's __init__ sets each field through
# object.__setattr__ (its frozen guard); these set the slots directly and give equal
# objects, for a sixth of a warm request's parsing.
_REQUEST_SLOTS = tuple(
    _slot(WireRequest, name)
    for name in ("method", "path", "query", "headers", "body", "remote_addr")
)
_RESPONSE_SLOTS = tuple(_slot(WireResponse, name) for name in ("status", "headers", "body", "code"))


def wire_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    remote_addr: str | None,
) -> WireRequest:
    """``WireRequest(method=..., path=..., ...)``, every field given, built directly."""
    request: WireRequest = _NEW(WireRequest)
    set_method, set_path, set_query, set_headers, set_body, set_remote = _REQUEST_SLOTS
    set_method(request, method)
    set_path(request, path)
    set_query(request, query)
    set_headers(request, headers)
    set_body(request, body)
    set_remote(request, remote_addr)
    return request


def wire_response(
    status: int, headers: tuple[tuple[str, str], ...], body: bytes, code: str
) -> WireResponse:
    """``WireResponse(status=..., headers=..., body=..., code=...)``, built directly."""
    response: WireResponse = _NEW(WireResponse)
    set_status, set_headers, set_body, set_code = _RESPONSE_SLOTS
    set_status(response, status)
    set_headers(response, headers)
    set_body(response, body)
    set_code(response, code)
    return response


class RequestIds:
    """Seeded RequestIds for the answers the wire gives itself (the model draws its own)."""

    def __init__(self, seed: int) -> None:
        self._rng = Random(f"{seed}/wire-request-ids")
        self._lock = threading.Lock()

    def next(self) -> str:
        """The next id, ``8-4-4-4-12`` upper-case hex like the model's."""
        with self._lock:
            digits = f"{self._rng.getrandbits(128):032X}"
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


class LowerCaseHeaders(dict[str, str]):
    """Headers already keyed by lower-case name (``WireApp`` builds them so from the
    ``environ``): the protocol reads them as they are, without lower-casing them again."""

    __slots__ = ()


@dataclass(slots=True)
class _Parsed:
    query: list[tuple[str, str]]
    params: dict[str, str]
    headers: dict[str, str]


class EcsProtocol:
    """The ECS API of a set of accounts, as a function from request to response.

    Args:
        accounts: The accounts; their keys sign requests, their models answer them.
        config: What to check and the limits.
        wall: The UNIX time for signature timestamps (``time.time`` by default).
        request_ids: Where the wire's own RequestIds come from.
    """

    def __init__(
        self,
        accounts: Accounts,
        config: WireConfig,
        *,
        wall: Callable[[], float] = time.time,
        request_ids: RequestIds | None = None,
    ) -> None:
        self.accounts = accounts
        self.config = config
        self._request_ids = request_ids or RequestIds(0)
        self._named_lock = threading.Lock()
        #: (action, parameter) pairs already named at WARNING (at most MAX_NAMED).
        self._named: set[tuple[str, str]] = set()
        self._verifier = Verifier(
            accounts.secret_of,
            window=config.timestamp_window,
            wall=wall,
            max_nonces=config.max_nonces,
        )

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer ``request``: the action's result, or its documented error envelope.

        Never raises: a bug is logged and answered with ``InternalError``. Each
        answer is one INFO line on the ``lifecycle.wire`` logger naming the
        action (from ``Action`` or ``x-acs-action``, V2 and V3 alike), the HTTP
        status, the code (``OK`` on success) and the RequestId; never a
        parameter value.
        """
        action: list[str] = []
        response = self._answer(request, action)
        if logger.isEnabledFor(logging.INFO):  # serve --log; otherwise, skip the arguments
            logger.info(
                "%s %d %s %s",
                action[0] if action else "-",
                response.status,
                response.code or "OK",
                response.header(REQUEST_ID_HEADER),
            )
        return response

    def _answer(self, request: WireRequest, named: list[str]) -> WireResponse:
        xml = False
        try:
            if request.method not in ("GET", "POST"):
                raise WireError.of("UnsupportedHTTPMethod")
            path = _origin_path(request.path)
            if path != "/":
                raise WireError.of("InvalidAction.NotFound")
            if request.path != path:
                # The signature (V3) covers the path the client signed: "/".
                request = dataclasses.replace(request, path=path)
            parsed = self._parse(request)
            xml = _wants_xml(parsed)
            action = _action(parsed)
            named.append(action)
            account = self._account(request, parsed)
            params, unknown = _model_params(
                action, parsed.params, strict=self.config.strict_parameters
            )
            if unknown:
                self._name_unknown(action, unknown)
            result = account.model.call(action, params)
        except ApiError as error:
            return self._error(
                error.code.value, error.http_status, error.message, xml, error.request_id
            )
        except WireError as error:
            return self._error(error.code, error.http_status, error.message, xml)
        except InvalidArgument:
            # The wire checks every name and passes strings, so the model should
            # never refuse a call as Python misuse; if it does, it is a bad value.
            logger.warning("the model refused a wire request as misuse", exc_info=True)
            return self._error("InvalidParameter", 400, GENERIC_INVALID_PARAMETER, xml)
        except Exception:
            logger.exception("bug while answering %s %s", request.method, request.path)
            return self.internal_error()
        body = result.to_dict()
        request_id = str(body["RequestId"])
        content = render_xml(f"{action}Response", body) if xml else render_json(body)
        return _response(200, XML_CONTENT_TYPE if xml else JSON_CONTENT_TYPE, content, request_id)

    def _name_unknown(self, action: str, unknown: list[str]) -> None:
        """Name ignored parameters in the log: a WARNING the first time for each
        action and name, DEBUG after that (a client polling in a tight loop
        sends the same stray parameter every time)."""
        with self._named_lock:
            new = [name for name in unknown if (action, name) not in self._named]
            if len(self._named) + len(new) <= MAX_NAMED:
                self._named.update((action, name) for name in new)
        if new:
            shown = ", ".join(repr(name) for name in new)
            logger.warning(
                "%s: ignored parameters it does not document: %s"
                " (as ECS does; named once, then at DEBUG)",
                action,
                shown,
            )
        else:
            shown = ", ".join(repr(name) for name in unknown)
            logger.debug("%s: ignored parameters it does not document: %s", action, shown)

    def internal_error(self) -> WireResponse:
        """The documented ``InternalError`` envelope, for a bug caught at a boundary."""
        error = WireError.of("InternalError")
        return self._error(error.code, error.http_status, error.message, False)

    def error(self, code: str, http_status: int, message: str) -> WireResponse:
        """A JSON error envelope with a fresh RequestId (for the transport's own refusals)."""
        return self._error(code, http_status, message, False)

    def _error(
        self, code: str, http_status: int, message: str, xml: bool, request_id: str | None = None
    ) -> WireResponse:
        request_id = request_id or self._request_ids.next()
        body = error_body(code, message, request_id, self.config.host_id)
        if xml:
            content = render_xml("Error", body, cdata=frozenset({"Recommend"}))
            return _response(http_status, XML_CONTENT_TYPE, content, request_id, code)
        return _response(http_status, JSON_CONTENT_TYPE, render_json(body), request_id, code)

    def _parse(self, request: WireRequest) -> _Parsed:
        config = self.config
        if len(request.query) > config.max_query_bytes:
            raise WireError(
                "InvalidParameter",
                414,
                f"The query string is {len(request.query)} bytes long; "
                f"this endpoint accepts at most {config.max_query_bytes}.",
            )
        if len(request.body) > config.max_body_bytes:
            raise too_large(len(request.body), config.max_body_bytes)
        headers = request.headers
        if type(headers) is not LowerCaseHeaders:
            headers = {name.lower(): value for name, value in headers.items()}
        query = _pairs(request.query)
        pairs = list(query)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if request.body and content_type == _FORM:
            try:
                text = request.body.decode("utf-8")
            except UnicodeDecodeError:
                raise WireError("InvalidParameter", 400, GENERIC_INVALID_PARAMETER) from None
            pairs.extend(_pairs(text))
        if len(pairs) > config.max_parameters:
            raise WireError(
                "InvalidParameter",
                400,
                f"The request has {len(pairs)} parameters; "
                f"this endpoint accepts at most {config.max_parameters}.",
            )
        params: dict[str, str] = {}
        for name, value in pairs:
            if name in params:
                raise WireError.of("InvalidParameter", parameter=name)
            params[name] = value
        return _Parsed(query=query, params=params, headers=headers)

    def _account(self, request: WireRequest, parsed: _Parsed) -> Account:
        signed = signed_request(
            request.method, request.path, parsed.query, parsed.params, parsed.headers, request.body
        )
        if self.config.verify:
            # Every account gets an equal share of the nonce store.
            key = self._verifier.verify(signed, keys=len(self.accounts))
            account = self.accounts.by_key(key)
            assert account is not None, "the verifier only accepts known keys"
            return account
        named = access_key_id(signed)
        return (self.accounts.by_key(named) if named else None) or self.accounts.default


def too_large(size: int, limit: int) -> WireError:
    """The answer to a body over the limit (HTTP 413, "Content Too Large")."""
    return WireError(
        "InvalidParameter",
        413,
        f"The request body is {size} bytes; this endpoint accepts at most {limit}.",
    )


def _pairs(text: str) -> list[tuple[str, str]]:
    """The ``name=value`` pairs of a query string or form body, decoded as UTF-8.

    Exactly ``parse_qsl(text, keep_blank_values=True, errors="strict")``
    (``tests/test_fuzz_wire.py`` proves it), without its per-field overhead.
    """
    pairs: list[tuple[str, str]] = []
    for item in text.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        if "%" in item or "+" in item:
            pairs.append((_unquote(name), _unquote(value)))
        else:  # most pairs: nothing to decode
            pairs.append((name, value))
    return pairs


#: What each ``%XX`` (hex digits in either case) of an ASCII character decodes to,
#: keyed by ``XX``.
_ASCII_ESCAPES: Final = {
    f"{high}{low}": chr(int(high + low, 16))
    for high in "01234567"
    for low in "0123456789ABCDEFabcdef"
}


def _unquote(text: str) -> str:
    """A form-encoded name or value, decoded: ``+`` is a space, ``%XX`` a UTF-8 byte."""
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    # Most escapes are of ASCII characters (a timestamp's colons, a signature's
    # "+/="), each one byte that decodes alone: a dictionary look-up each.
    head, *escaped = text.split("%")
    parts = [head]
    for part in escaped:
        char = _ASCII_ESCAPES.get(part[:2])
        if char is None:  # UTF-8 bytes past ASCII, or a "%" that escapes nothing
            return _unquote_utf8(text)
        parts += (char, part[2:])
    return "".join(parts)


def _unquote_utf8(text: str) -> str:
    try:
        return unquote(text, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise WireError("InvalidParameter", 400, GENERIC_INVALID_PARAMETER) from None


def _wants_xml(parsed: _Parsed) -> bool:
    """``Format=XML`` asks for XML, ``JSON`` for JSON (any case).

    Without ``Format``, a request that names its action with the ``Action``
    parameter (the V2 protocol) gets XML, the documented default (section 3.1);
    one that names it only in the ``x-acs-action`` header (V3, which has no
    ``Format``) gets JSON, as the SDK expects.
    """
    value = parsed.params.get("Format")
    if value is None:
        return "Action" in parsed.params
    lowered = value.lower()
    if lowered not in ("json", "xml"):
        raise WireError.of("InvalidParameter", parameter="Format")
    return lowered == "xml"


def _action(parsed: _Parsed) -> str:
    action = _named(parsed, "Action", "x-acs-action")
    version = _named(parsed, "Version", "x-acs-version")
    if version != API_VERSION:
        raise WireError.of("InvalidParameter", parameter="Version")
    if action not in ACTIONS:
        raise WireError.of("InvalidAction.NotFound")
    return action


def _named(parsed: _Parsed, name: str, header: str) -> str:
    """``Action``/``Version`` from the parameter or the header; an empty one is missing.

    A V2-signed request (``Signature`` or ``AccessKeyId`` parameters, no
    ``Authorization`` header) must send them as parameters: its signature covers
    the parameters and no header, so a header could have been changed in transit.
    """
    param = parsed.params.get(name) or None
    sent = parsed.headers.get(header, "").strip() or None
    v2 = "authorization" not in parsed.headers and (
        "Signature" in parsed.params or "AccessKeyId" in parsed.params
    )
    if v2 and param is None:
        raise WireError.of("MissingParameter", parameter=name)
    if param is not None and sent is not None and param != sent:
        # The V2 signature covers the parameter, not the header: they must agree.
        raise WireError.of("InvalidParameter", parameter=name)
    value = param or sent
    if value is None:
        raise WireError.of("MissingParameter", parameter=name)
    return value


def _origin_path(path: str) -> str:
    """The path of a request target in origin form (``/``) or absolute form.

    A client sends ``GET http://ecs.cn-hangzhou.aliyuncs.com/?...`` through an HTTP
    proxy (RFC 9112 section 3.2.2): the same request as ``GET /?...``. An
    absolute target with an empty path is ``/``.
    """
    scheme, _, rest = path.partition("://")
    if not rest or scheme.lower() not in ("http", "https"):
        return path
    return urlsplit(path).path or "/"


def _model_params(
    action: str, params: Mapping[str, str], *, strict: bool
) -> tuple[dict[str, object], list[str]]:
    """The parameters to pass to the model, and the names ignored as unknown."""
    spec = ACTIONS[action]
    chosen: dict[str, object] = {}
    listed: dict[int, str] = {}
    unknown: list[str] = []
    for name, value in params.items():
        if name in spec.model:
            chosen[name] = value
        elif spec.listed is not None and name.startswith(spec.listed + "."):
            position = name[len(spec.listed) + 1 :]
            if not _POSITION.match(position):
                raise WireError.of("InvalidParameter", parameter=name)
            listed[int(position)] = value
        elif name in COMMON_PARAMETERS:
            pass
        elif spec.ignores.match(name):
            logger.debug("%s: documented parameter %r is not modelled; ignored", action, name)
        elif spec.passes.match(name):
            chosen[name] = value  # the model gathers it under ``extra``
        elif strict:
            raise WireError.of("UnsupportedParameter", parameter=name)
        else:
            # Real ECS ignores a parameter it does not know (footmark sends on=<Action>).
            unknown.append(name)
    for name in spec.required:
        if not params.get(name):
            raise WireError.of("MissingParameter", parameter=name)
    if spec.listed is not None and listed:
        chosen[spec.listed] = [listed[position] for position in sorted(listed)]
    return chosen, unknown


def _response(
    status: int, content_type: str, body: bytes, request_id: str, code: str = ""
) -> WireResponse:
    return wire_response(
        status, (("Content-Type", content_type), (REQUEST_ID_HEADER, request_id)), body, code
    )
