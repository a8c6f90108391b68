"""Request signatures: RPC V2 (HMAC-SHA1) and V3 (``ACS3-HMAC-SHA256``), and replay checks.

Both algorithms are as ecs-api-facts.md sections 3.2 and 3.3 give them, and
as both official Python SDKs compute them (``alibabacloud_tea_openapi/utils.py``
and ``aliyunsdkcore/auth/composer/rpc_signature_composer.py``):

V2: sort every parameter but ``Signature`` (query and form body) by name,
percent-encode names and values (RFC 3986: ``A-Z a-z 0-9 - _ . ~`` kept),
join as ``name=value`` with ``&``; ``StringToSign = METHOD & %2F &
percentEncode(that)``; the signature is Base64(HMAC-SHA1(secret + "&")).

V3: ``CanonicalRequest`` = method, path, canonical query, canonical headers
(each signed header ``name:trimmed value``), the signed header names joined
with ``;`` and the hex SHA-256 of the body, joined by newlines;
``StringToSign = "ACS3-HMAC-SHA256\\n" + hex(SHA-256(CanonicalRequest))``;
the signature is hex(HMAC-SHA256(secret)).

``Verifier`` checks a request end to end: the key, the timestamp window, the
signature, then the nonce. It reads time through an injected function, so
tests control the window; nonces are remembered until their timestamp has
left the window, when a replay would be refused as stale anyway. A live
nonce is never forgotten early: when a key's share of the store is full, its
new requests are refused with the documented ``Throttling`` instead.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import heapq
import hmac
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

from .._views import _NEW, _slot
from ._envelope import GENERIC_INVALID_PARAMETER, WireError

__all__ = [
    "EMPTY_SHA256",
    "V3_ALGORITHM",
    "Verifier",
    "percent_encode",
    "sign_v2",
    "sign_v3",
    "string_to_sign_v2",
    "string_to_sign_v3",
]

V3_ALGORITHM: Final = "ACS3-HMAC-SHA256"
#: The hex SHA-256 of an empty body: what both SDKs send for a bodiless RPC call.
EMPTY_SHA256: Final = hashlib.sha256(b"").hexdigest()
V2_METHOD: Final = "HMAC-SHA1"
V2_VERSION: Final = "1.0"
#: "Timestamp ... UTC yyyy-MM-ddTHH:mm:ssZ" (section 3.1); x-acs-date likewise (section 3.3).
_TIMESTAMP: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
#: Text that RFC 3986 percent-encoding leaves as it is.
_UNRESERVED: Final = re.compile(r"[A-Za-z0-9_.~-]*\Z")
#: A joined query whose names and values need no encoding but of their colons.
_PLAIN_QUERY: Final = re.compile(r"[A-Za-z0-9_.~:=&-]*\Z")
_AUTHORIZATION: Final = re.compile(
    r"ACS3-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),"
    r"\s*Signature=([0-9a-fA-F]+)\Z"
)


#: ``%XX`` of every ASCII character but the unreserved ones, for ``str.translate``.
_ASCII_ESCAPES: Final = {
    code: f"%{code:02X}" for code in range(128) if not (chr(code).isalnum() or chr(code) in "-_.~")
}


def percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 text: only ``A-Z a-z 0-9 - _ . ~`` stay."""
    if _UNRESERVED.match(text):
        return text  # most names and values: nothing to encode, and quote() is slow
    if text.isascii():
        # One byte a character: what quote() gives, without its machinery
        # (a timestamp's colons, a space, a slash).
        return text.translate(_ASCII_ESCAPES)
    return quote(text, safe="~")


def _canonical_query(pairs: Sequence[tuple[str, str]]) -> str:
    """``name=value`` pairs, sorted, percent-encoded and joined with ``&`` (V2 and V3)."""
    ordered = sorted(pairs)
    joined = "&".join([f"{name}={value}" for name, value in ordered])
    if (
        _PLAIN_QUERY.match(joined)
        and joined.count("=") == len(ordered)
        and joined.count("&") == len(ordered) - 1
    ):
        # Every name and value is unreserved text, or that and a timestamp's
        # colons (the separators are exactly the ones joined in): encode them all
        # at once, the colons being the only thing to encode.
        return joined.replace(":", "%3A")
    unreserved = _UNRESERVED.match
    return "&".join(
        [
            f"{name if unreserved(name) else percent_encode(name)}="
            f"{value if unreserved(value) else percent_encode(value)}"
            for name, value in ordered
        ]
    )


def string_to_sign_v2(method: str, params: Sequence[tuple[str, str]]) -> str:
    """The V2 ``StringToSign`` of ``params`` (every parameter except ``Signature``)."""
    canonical = _canonical_query(params)
    # percent_encode(canonical), knowing that its names and values are encoded
    # already: only "%", "=" and "&" are left to encode.
    encoded = canonical.replace("%", "%25").replace("=", "%3D").replace("&", "%26")
    return f"{method}&%2F&{encoded}"


def sign_v2(secret: str, string_to_sign: str) -> str:
    """The V2 signature: Base64(HMAC-SHA1(secret + "&", string_to_sign))."""
    digest = _hmac(_keyed(secret + "&", hashlib.sha1), string_to_sign)
    # base64.b64encode(digest), without its Python frame.
    return binascii.b2a_base64(digest, newline=False).decode("ascii")


def canonical_request_v3(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload_sha256: str,
) -> str:
    """The V3 ``CanonicalRequest``; ``headers`` are keyed by lower-case name."""
    canonical_query = _canonical_query(query)
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed_headers)
    return "\n".join(
        (
            method,
            path or "/",
            canonical_query,
            canonical_headers,
            ";".join(signed_headers),
            payload_sha256,
        )
    )


def string_to_sign_v3(canonical_request: str) -> str:
    """``ACS3-HMAC-SHA256`` and the hex SHA-256 of the canonical request, on two lines."""
    return f"{V3_ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"


def sign_v3(secret: str, string_to_sign: str) -> str:
    """The V3 signature: hex(HMAC-SHA256(secret, string_to_sign))."""
    return _hmac(_keyed(secret, hashlib.sha256), string_to_sign).hex()


#: The RFC 2104 pads, as ``bytes.translate`` tables: XOR-ing a key with 0x36 and 0x5C.
_INNER_PAD: Final = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD: Final = bytes(byte ^ 0x5C for byte in range(256))
_Hash = Any  # hashlib's objects have no public type


@functools.lru_cache(maxsize=64)
def _keyed(key: str, algorithm: Callable[..., _Hash]) -> tuple[_Hash, _Hash]:
    """HMAC's two hashes with ``key`` already fed in (RFC 2104), for ``_hmac`` to copy.

    ``hmac.digest`` asks OpenSSL 3 for the algorithm on every call, code that
    runs cold on a server between two requests: copying these is the same
    HMAC for a third of the work. The keys are the server's secrets (few).
    """
    raw = key.encode()
    block = algorithm().block_size
    if len(raw) > block:
        raw = algorithm(raw).digest()
    raw = raw.ljust(block, b"\0")
    return algorithm(raw.translate(_INNER_PAD)), algorithm(raw.translate(_OUTER_PAD))


def _hmac(keyed: tuple[_Hash, _Hash], message: str) -> bytes:
    """HMAC of ``message`` (UTF-8) with the key ``keyed`` holds: ``hmac.digest``'s bytes."""
    inner_template, outer_template = keyed
    inner = inner_template.copy()
    inner.update(message.encode())
    outer = outer_template.copy()
    outer.update(inner.digest())
    return outer.digest()  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedRequest:
    """What ``Verifier`` reads from one parsed request.

    Attributes:
        method: The HTTP method, as sent.
        path: The request path.
        query: The query string's parameters, decoded, in order.
        params: Every parameter: the query's and the form body's.
        headers: The headers, keyed by lower-case name.
        body: The raw body.
    """

    method: str
    path: str
    query: Sequence[tuple[str, str]]
    params: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


_SIGNED_SLOTS = tuple(
    _slot(SignedRequest, name) for name in ("method", "path", "query", "params", "headers", "body")
)


def signed_request(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    params: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> SignedRequest:
    """``SignedRequest(method=..., ...)``, built directly (as ``_protocol.wire_request``)."""
    request: SignedRequest = _NEW(SignedRequest)
    set_method, set_path, set_query, set_params, set_headers, set_body = _SIGNED_SLOTS
    set_method(request, method)
    set_path(request, path)
    set_query(request, query)
    set_params(request, params)
    set_headers(request, headers)
    set_body(request, body)
    return request


def signature_version(request: SignedRequest) -> int | None:
    """2 or 3 for the signature the request carries, or ``None`` if it carries none."""
    if "authorization" in request.headers:
        return 3
    if "Signature" in request.params or "AccessKeyId" in request.params:
        return 2
    return None


def access_key_id(request: SignedRequest) -> str | None:
    """The AccessKeyId the request names, signed or not (for unverified requests)."""
    match = _AUTHORIZATION.match(request.headers.get("authorization", ""))
    if match:
        return match.group(1)
    return request.params.get("AccessKeyId")


#: The documented ``Throttling`` row (ecs-api-facts.md section 3.6; the model's
#: error tables carry the same code, status and message): the answer when an
#: account's share of the nonce store is full, and the server's when it has no
#: connection to spare. The old SDK retries it with a back-off.
THROTTLING: Final = "Throttling"
THROTTLING_STATUS: Final = 400
THROTTLING_MESSAGE: Final = "Request was denied due to request throttling."
#: Nonces this long or longer are kept as their SHA-256, in as many hex digits.
_HASHED_NONCE: Final = 64


class NonceStore:
    """Nonces seen recently, each kept until its timestamp leaves the window.

    A live nonce is never forgotten: forgetting one would let its request be
    replayed inside the window. So the store is bounded by refusing instead:
    each key may hold ``capacity // keys`` live nonces (its fair share, so one
    account's traffic never takes another's room), and a request beyond its
    share is refused until some of its nonces expire. A nonce is kept as it
    is (the SDKs send 32 to 36 characters), or as the 64 hex digits of its
    SHA-256 if it has 64 characters or more, so a long nonce costs no more
    memory than a short one and never matches one.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._live: dict[str, dict[str, float]] = {}
        self._heap: list[tuple[float, str, str]] = []
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    def remember(
        self, key: str, nonce: str, expires_at: float, now: float, *, keys: int = 1
    ) -> str:
        """Record ``key``'s ``nonce`` until ``expires_at``.

        Args:
            key: The AccessKeyId.
            nonce: The nonce it sent.
            expires_at: When a replay would be refused as stale anyway.
            now: The current time; nonces that expired before it are forgotten.
            keys: How many keys share the store (each gets ``capacity // keys``).

        Returns:
            ``"new"`` (recorded), ``"used"`` (live already) or ``"full"`` (the
            key's share is full: nothing recorded).
        """
        if len(nonce) >= _HASHED_NONCE:
            nonce = hashlib.sha256(nonce.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            heap = self._heap
            # Strictly before now: at expires_at itself the timestamp is still fresh.
            while heap and heap[0][0] < now:
                _, old_key, old = heapq.heappop(heap)
                live = self._live[old_key]
                del live[old]
                self._size -= 1
                if not live:
                    del self._live[old_key]
            live = self._live.get(key, {})
            if nonce in live:
                return "used"
            if len(live) >= max(1, self._capacity // max(1, keys)) or self._size >= self._capacity:
                return "full"
            live[nonce] = expires_at
            self._live[key] = live
            self._size += 1
            heapq.heappush(heap, (expires_at, key, nonce))
            return "new"


class Verifier:
    """Checks the signature, timestamp and nonce of requests.

    Args:
        secret_of: The AccessKeySecret of an AccessKeyId, or ``None`` if unknown.
        window: How far a request's timestamp may be from now, in seconds.
        wall: The current UNIX time; ``time.time`` unless a test injects one.
        max_nonces: How many live nonces are remembered at most, shared fairly
            between the keys (``verify``'s ``keys``).
    """

    def __init__(
        self,
        secret_of: Callable[[str], str | None],
        *,
        window: float = 900.0,
        wall: Callable[[], float] = time.time,
        max_nonces: int = 100_000,
    ) -> None:
        self._secret_of = secret_of
        self._window = window
        self._wall = wall
        self._nonces = NonceStore(max_nonces)

    def verify(self, request: SignedRequest, *, keys: int = 1) -> str:
        """Return the AccessKeyId of a correctly signed, fresh, unreplayed request.

        Args:
            request: The request.
            keys: How many AccessKeyIds share the nonce store; each may hold
                ``max_nonces // keys`` live nonces.

        Raises:
            WireError: the documented error of the first check that fails;
                ``Throttling`` when the key's share of the nonce store is full.
        """
        try:
            if signature_version(request) == 3:
                return self._verify_v3(request, keys)
            return self._verify_v2(request, keys)
        except UnicodeEncodeError:
            # Text that is not Unicode scalar values (a lone surrogate) cannot be signed:
            # only a WireRequest built in-process carries it (HTTP's bytes are decoded).
            raise _unsignable(request) from None

    def _verify_v2(self, request: SignedRequest, keys: int) -> str:
        params = request.params
        key = _required(params, "AccessKeyId")
        signature = _required(params, "Signature")
        method = _required(params, "SignatureMethod")
        version = _required(params, "SignatureVersion")
        nonce = _required(params, "SignatureNonce")
        stamp = _required(params, "Timestamp")
        if method != V2_METHOD:
            raise WireError.of("InvalidParameter", parameter="SignatureMethod")
        if version != V2_VERSION:
            raise WireError.of("InvalidParameter", parameter="SignatureVersion")
        secret = self._secret(key)
        when = self._fresh(stamp, "Timestamp")
        signed = [(name, value) for name, value in params.items() if name != "Signature"]
        string_to_sign = string_to_sign_v2(request.method, signed)
        if not hmac.compare_digest(sign_v2(secret, string_to_sign).encode(), signature.encode()):
            raise WireError.of("SignatureDoesNotMatch", string_to_sign=string_to_sign)
        self._unused(key, nonce, when, keys)
        return key

    def _verify_v3(self, request: SignedRequest, keys: int) -> str:
        headers = request.headers
        match = _AUTHORIZATION.match(headers["authorization"])
        if match is None:
            raise WireError.of("IncompleteSignature")
        key, signed_list, signature = match.groups()
        signed = signed_list.split(";")
        # Every header the request routes or authenticates on must be signed, or a
        # man in the middle could change it (the V3 doc: every common header sent);
        # and every header said to be signed must be there.
        needed = {name for name in headers if name.startswith("x-acs-")}
        needed.add("host")
        if not needed <= set(signed) <= headers.keys():
            raise WireError.of("IncompleteSignature")
        secret = self._secret(key)
        nonce = _required(headers, "x-acs-signature-nonce")
        stamp = _required(headers, "x-acs-date")
        payload = _required(headers, "x-acs-content-sha256")
        when = self._fresh(stamp, "x-acs-date")
        canonical = canonical_request_v3(
            request.method, request.path, request.query, headers, signed, payload
        )
        string_to_sign = string_to_sign_v3(canonical)
        expected = sign_v3(secret, string_to_sign)
        body_sha256 = hashlib.sha256(request.body).hexdigest() if request.body else EMPTY_SHA256
        body_matches = hmac.compare_digest(body_sha256, payload.lower())
        if not hmac.compare_digest(expected, signature.lower()) or not body_matches:
            raise WireError.of("SignatureDoesNotMatch", string_to_sign=string_to_sign)
        self._unused(key, nonce, when, keys)
        return key

    def _secret(self, key: str) -> str:
        secret = self._secret_of(key)
        if secret is None:
            raise WireError.of("InvalidAccessKeyId.NotFound")
        return secret

    def _fresh(self, stamp: str, name: str) -> float:
        if not _TIMESTAMP.match(stamp):
            raise WireError.of("InvalidParameter", parameter=name)
        when = _epoch(stamp)
        if when is None:
            raise WireError.of("InvalidParameter", parameter=name)
        if abs(self._wall() - when) > self._window:
            raise WireError.of("InvalidTimeStamp.Expired")
        return when

    def _unused(self, key: str, nonce: str, when: float, keys: int) -> None:
        outcome = self._nonces.remember(key, nonce, when + self._window, self._wall(), keys=keys)
        if outcome == "used":
            raise WireError.of("SignatureNonceUsed")
        if outcome == "full":
            raise WireError(THROTTLING, THROTTLING_STATUS, THROTTLING_MESSAGE)


@functools.lru_cache(maxsize=64)
def _epoch(stamp: str) -> float | None:
    """The UNIX time of a ``yyyy-MM-ddTHH:mm:ssZ`` timestamp, or ``None`` if it is no date.

    Cached: every request signed in the same second sends the same timestamp,
    and ``strptime`` costs more than the rest of the check.
    """
    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _unsignable(request: SignedRequest) -> WireError:
    """``InvalidParameter`` naming the first parameter or header whose name or value
    cannot be UTF-8 encoded; the generic message if the name itself cannot be."""
    fields = (*request.params.items(), *request.headers.items())
    bad = next((n for n, value in fields if not (_encodable(n) and _encodable(value))), None)
    if bad is not None and _encodable(bad):
        return WireError.of("InvalidParameter", parameter=bad)
    return WireError("InvalidParameter", 400, GENERIC_INVALID_PARAMETER)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _required(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name)
    if not value:
        raise WireError.of("MissingParameter", parameter=name)
    return value
