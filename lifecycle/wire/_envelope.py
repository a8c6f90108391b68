"""What the endpoint answers: the documented envelopes and the protocol's own error codes.

Every answer is one of two documented shapes (ecs-api-facts.md sections 3.4
and 3.5): a success body with ``RequestId`` and the action's fields, or an
error with ``RequestId``, ``HostId``, ``Code``, ``Message`` and ``Recommend``.
Both render as JSON, or as XML when the request asks ``Format=XML``.

The model's own errors (``InvalidInstanceId.NotFound`` and the rest) carry their
code, message and HTTP status on the ``ApiError``; this module adds the codes
that only the protocol can answer (signatures, unknown actions, malformed
requests), as ``WIRE_ERRORS``. ``specs/wire.toml`` holds the same rows with
their sources, and the tests prove the two agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final
from urllib.parse import quote
from xml.sax.saxutils import escape

__all__ = [
    "JSON_CONTENT_TYPE",
    "WIRE_ERRORS",
    "XML_CONTENT_TYPE",
    "WireErrorEntry",
]

#: The success and error content type of JSON answers (ecs-api-facts.md section 4.4).
JSON_CONTENT_TYPE: Final = "application/json;charset=utf-8"
#: Exactly this string, or the Tea SDK's V3 path will not parse an XML error (section 4.5).
XML_CONTENT_TYPE: Final = "text/xml;charset=utf-8"
#: The header that repeats the RequestId on every answer (section 4.4).
REQUEST_ID_HEADER: Final = "x-acs-request-id"
#: ``Recommend``: the troubleshooting link the gateway adds (aliyun-cli's tests, section 3.5).
RECOMMEND: Final = "https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId={request_id}"
_XML_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>'


@dataclass(frozen=True, slots=True, kw_only=True)
class WireErrorEntry:
    """One error only the protocol layer answers.

    Attributes:
        code: The documented ``Code``.
        http_status: The HTTP status this endpoint answers it with.
        message: The ``Message``; ``{parameter}``, ``{string_to_sign}`` or
            ``{detail}`` are filled in per request where present.
        source: Where the code, message and status come from.
    """

    code: str
    http_status: int
    message: str
    source: str


_FACTS: Final = "ecs-api-facts.md section 3.6"
_E = WireErrorEntry

#: Every error the protocol layer answers itself, by code. ``InternalError`` is
#: the answer to a bug caught at the boundary (the model has its own row for an
#: injected one).
WIRE_ERRORS: Final[Mapping[str, WireErrorEntry]] = MappingProxyType(
    {
        entry.code: entry
        for entry in (
            _E(
                code="MissingParameter",
                http_status=400,
                message='The input parameter "{parameter}" that is mandatory for processing'
                " this request is not supplied.",
                source=_FACTS + " (old ECS public error table)",
            ),
            _E(
                code="InvalidParameter",
                http_status=400,
                message='The specified parameter "{parameter}" is not valid.',
                source=_FACTS + " (old ECS public error table)",
            ),
            _E(
                code="UnsupportedParameter",
                http_status=400,
                message='The parameter "{parameter}" is not supported.',
                source=_FACTS + " (old ECS public error table)",
            ),
            _E(
                code="InvalidAction.NotFound",
                http_status=404,
                message="Specified api is not found, please check your url and method.",
                source=_FACTS + " (live body; HTTP status not captured: 404 is this"
                " endpoint's decision, as for the other NotFound codes)",
            ),
            _E(
                code="UnsupportedHTTPMethod",
                http_status=403,
                message="This http method is not supported.",
                source=_FACTS + " (old ECS public error table; GET and POST supported)",
            ),
            _E(
                code="InvalidAccessKeyId.NotFound",
                http_status=404,
                message="Specified access key is not found.",
                source=_FACTS + " (live capture: 404 now, the old table said 400)",
            ),
            _E(
                code="IncompleteSignature",
                http_status=400,
                message="The request signature does not conform to Aliyun standards.",
                source=_FACTS + " (old ECS public error table)",
            ),
            _E(
                code="SignatureDoesNotMatch",
                http_status=400,
                message="Specified signature is not matched with our calculation."
                " server string to sign is:{string_to_sign}",
                source=_FACTS + "; aliyunsdkcore/client.py compares the text after ':'"
                " with its own string to sign",
            ),
            _E(
                code="InvalidTimeStamp.Expired",
                http_status=400,
                message="Specified time stamp or date value is expired.",
                source=_FACTS,
            ),
            _E(
                code="SignatureNonceUsed",
                http_status=400,
                message="Specified signature nonce was used already.",
                source=_FACTS,
            ),
            _E(
                code="InternalError",
                http_status=500,
                message="The request processing has failed due to some unknown error,"
                " exception or failure.",
                source=_FACTS,
            ),
        )
    }
)

#: ``InvalidParameter`` without a parameter name (ecs-api-facts.md section 3.6:
#: "The specified parameter is not valid").
GENERIC_INVALID_PARAMETER: Final = "The specified parameter is not valid."

#: ``json.dumps`` with options builds an encoder per call; this one is shared
#: (``encode`` keeps no state between calls).
_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

# XML 1.0 cannot carry most control characters, and request text can hold any.
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class WireError(Exception):
    """A request the protocol layer answers with a documented error envelope.

    Raised inside the wire package only; ``_protocol`` renders it.
    """

    def __init__(self, code: str, http_status: int, message: str) -> None:
        super().__init__(f"{http_status} {code}: {message}")
        self.code = code
        self.http_status = http_status
        self.message = message

    @classmethod
    def of(cls, code: str, **fields: str) -> WireError:
        """The ``WIRE_ERRORS`` row for ``code``, its message filled with ``fields``."""
        entry = WIRE_ERRORS[code]
        return cls(code, entry.http_status, entry.message.format(**fields))


def error_body(code: str, message: str, request_id: str, host_id: str) -> dict[str, str]:
    """The documented error envelope, as a mapping in the documented field order."""
    return {
        "RequestId": request_id,
        "HostId": host_id,
        "Code": code,
        "Message": message,
        "Recommend": RECOMMEND.format(
            code=quote(code, safe=""), request_id=quote(request_id, safe="")
        ),
    }


def render_json(body: Mapping[str, object]) -> bytes:
    """A response body as compact UTF-8 JSON."""
    return _JSON.encode(body).encode("utf-8")


def render_xml(
    root: str, body: Mapping[str, object], *, cdata: frozenset[str] = frozenset()
) -> bytes:
    """A response body as the API's XML: one element per key, a list as repeated elements.

    ``{"InstanceStatuses": {"InstanceStatus": [a, b]}}`` becomes
    ``<InstanceStatuses><InstanceStatus>a</InstanceStatus><InstanceStatus>b</InstanceStatus>
    </InstanceStatuses>``, as the API wraps lists; likewise ``Instances.Instance[]``,
    ``InstanceResponses.InstanceResponse[]`` and, inside an instance,
    ``OperationLocks.LockReason[]`` (``<OperationLocks><LockReason><LockReason>security
    </LockReason></LockReason></OperationLocks>``). An empty list leaves its wrapper
    empty. Keys named in ``cdata`` are written as CDATA sections (the error
    envelope's ``Recommend``).
    """
    parts = [_XML_DECLARATION, f"<{root}>"]
    _xml_fields(parts, body, cdata)
    parts.append(f"</{root}>")
    return "".join(parts).encode("utf-8")


def _xml_fields(parts: list[str], body: Mapping[str, object], cdata: frozenset[str]) -> None:
    for key, value in body.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            parts.append(f"<{key}>")
            if isinstance(item, Mapping):
                _xml_fields(parts, item, cdata)
            elif key in cdata and "]]>" not in str(item):
                parts.append(f"<![CDATA[{_xml_text(item)}]]>")
            else:
                parts.append(escape(_xml_text(item)))
            parts.append(f"</{key}>")


def _xml_text(value: object) -> str:
    # Bodies hold strings and ints only (RequestId, codes, statuses, counts).
    return _NOT_XML.sub("\ufffd", str(value))
