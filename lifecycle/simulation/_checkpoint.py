"""Simulation snapshots: a run's whole state as bytes, and back, exactly.

Format 1, byte by byte (the model's own snapshot format, with another magic word)::

    lifecycle-simulation 1\\n                     magic word and format version
    sha256=<64 hex digits> length=<n>\\n          checksum and length of the body
    <n bytes>                                    zlib-compressed UTF-8 JSON

The JSON document::

    {"format": 1,
     "seed": <the run's seed>,
     "workload": "<the workload as TOML (Workload.to_toml)>",
     "accounts": [{"account": "<name>",
                   "model": "<base64 of EcsModel.snapshot()>",
                   "engine": {<the engine's own state>}}, ...]}

The engine's state is the clock time, the event heap and its sequence
counter, the state of every random stream (each group's seven and the
platform's), the account's money and arrears, the counters behind the
summary, the samples taken so far, and the instance mirror (status, flags
and entry time per instance, as base64 of little-endian arrays). Instance ids
and everything else the workload decides are rebuilt from the workload.

Reading is all or nothing: header, length and checksum are checked before the
body is decoded; a body that does not hold what format 1 says raises
``SnapshotError`` and no simulation is returned.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
import zlib
from array import array
from typing import Any, Final

from .._snapshot import MAGIC as MODEL_MAGIC
from .._snapshot import pack, seal, unseal
from ..errors import InvalidArgument, SnapshotError

__all__ = ["FORMAT_VERSION", "decode", "encode", "pack", "unpack"]

FORMAT_VERSION: Final = 1
READABLE: Final = frozenset({1})
MAGIC: Final = b"lifecycle-simulation"
_FOREIGN: Final = {
    MODEL_MAGIC: "this is a model snapshot (EcsModel.snapshot()); use EcsModel.restore for it"
}


def encode(document: dict[str, Any]) -> bytes:
    """``document`` (with ``format`` set here) as format-1 bytes."""
    return seal(MAGIC, {"format": FORMAT_VERSION, **document})


def decode(data: object) -> dict[str, Any]:
    """The document in ``data``, once framing, length and checksum are verified.

    Raises:
        InvalidArgument: if ``data`` is not bytes.
        SnapshotError: for anything else wrong, saying what.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidArgument(f"data={type(data).__name__}: expected the bytes snapshot() made")
    body = unseal(data, MAGIC, READABLE, "simulation snapshot", _FOREIGN)
    try:
        document = json.loads(zlib.decompress(body))
    except (ValueError, zlib.error) as error:
        raise SnapshotError(f"malformed snapshot body: {error}") from None
    if not isinstance(document, dict) or document.get("format") not in READABLE:
        raise SnapshotError("malformed snapshot body: the format field disagrees with the header")
    return document


def unpack(text: object, typecode: str) -> array[Any]:
    """The inverse of ``pack`` for an ``array`` of ``typecode``.

    Raises:
        SnapshotError: for text that is not base64 of whole items.
    """
    try:
        raw = base64.b64decode(str(text), validate=True)
        column = array(typecode, raw)
    except (binascii.Error, ValueError) as error:
        raise SnapshotError(f"malformed snapshot column: {error}") from None
    if sys.byteorder == "big":  # pragma: no cover - CI is little-endian
        column.byteswap()
    return column
