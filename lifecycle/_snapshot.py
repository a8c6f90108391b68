"""Snapshots: the whole model as bytes, and back, exactly.

Format 1, byte by byte::

    lifecycle-snapshot 1\\n                       magic word and format version
    sha256=<64 hex digits> length=<n>\\n          checksum and length of the body
    <n bytes>                                    zlib-compressed UTF-8 JSON

The JSON document holds every piece of state that decides a future outcome:
the seed and durations, the state of each random stream (request ids,
instance ids, durations, faults), the clock time, the account, every
instance column, the data losses, the pending clock-driven transitions with
their sequence numbers, and the fault rules with their counters. Binary
columns are base64 of their little-endian bytes; instance types are a table
of names plus one index per instance.

What a snapshot leaves out: subscribers (callables) and the clock object
itself. ``restore`` makes a ``ManualClock`` at the snapshot's time unless it
is given a clock (several models restored onto one shared clock).

Reading is all or nothing: the header, the length and the checksum are
checked before the body is decoded, the body may inflate to at most
``MAX_INFLATION`` times its size (so a small file cannot take a lot of
memory), the body is checked field by field (finite numbers and amounts, one
due entry for each transitory instance and no other), and the model is only
built once everything has been read. Anything wrong raises
``SnapshotError`` saying what, and no model is returned.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import json
import math
import re
import sys
import zlib
from array import array
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from ._clock import Clock, ManualClock
from ._faults import FaultRule
from ._injector import ActiveFault
from ._instances import Instances
from ._machine import RELEASED_CODE, STATUSES
from ._spec import SETTLE_TRIGGERS
from ._status import DataLossCause
from ._timing import Duration, Durations, Exponential, Fixed, Uniform
from ._views import DataLoss
from .errors import InvalidArgument, SnapshotError

if TYPE_CHECKING:
    from ._model import EcsModel

#: The format this version writes; ``READABLE`` lists the ones it reads.
FORMAT_VERSION: Final = 1
READABLE: Final = frozenset({1})
MAGIC: Final = b"lifecycle-snapshot"
_CHECK = re.compile(rb"\Asha256=([0-9a-f]{64}) length=(\d+)\n")
_RNGS: Final = ("request", "instance", "duration", "fault")
#: A body may inflate to this many times its compressed size (this version's
#: own snapshots inflate about 3 times), or to ``MIN_DOCUMENT_LIMIT``, whichever is more.
MAX_INFLATION: Final = 64
MIN_DOCUMENT_LIMIT: Final = 16 * 1024 * 1024
#: The status codes that end on their own: each has exactly one due entry.
_TRANSITORY: Final = frozenset(
    code for code, status in enumerate(STATUSES) if status in SETTLE_TRIGGERS
)


# ---------------------------------------------------------------- writing
def dump(model: EcsModel) -> bytes:
    """The model's whole state as format-1 bytes; the caller holds the model's lock."""
    m = model._core
    i = m.instances
    now = m.clock.now()
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise SnapshotError(
            f"clock.now()={now!r}: a snapshot records a finite time, and this clock's is not"
        )
    names: dict[str, int] = {}
    type_index = array("I", (names.setdefault(name, len(names)) for name in i.types))
    document = {
        "format": FORMAT_VERSION,
        "seed": model._seed,
        "now": now,
        "durations": {
            name: _duration_to_json(name, getattr(m.schedule.durations, name))
            for name in ("pending", "starting", "stopping")
        },
        "rng": {
            name: _rng_state(rng)
            for name, rng in zip(
                _RNGS,
                (m.request_rng, m.instance_rng, m.schedule.rng, m.faults.rng),
                strict=True,
            )
        },
        "account": {
            "balance": str(m.billing.balance),
            "minimum_start_balance": str(m.billing.minimum),
            "in_arrears": m.billing.in_arrears,
            "prices": [
                [instance_type, unit, str(price)]
                for (instance_type, unit), price in sorted(m.billing.prices.items())
            ],
            "stock": dict(sorted(m.billing.stock.items())),
        },
        "tokens": [
            [action, token, fingerprint, payload]
            for (action, token), (fingerprint, payload) in m.tokens.items()
        ],
        "instances": {
            "count": len(i.ids),
            "ids": i.ids,
            "type_names": list(names),
            "type_index": pack(type_index),
            "status": _b64(bytes(i.status)),
            "faults": _b64(bytes(i.faults)),
            "traits": _b64(bytes(i.traits)),
            "expired": pack(i.expired),
            "settles_at": pack(i.settles_at),
            "created": pack(i.created),
            "started": pack(i.started),
            "names": i.names,
            "auto_renew": [
                [index, period, unit] for index, (period, unit) in sorted(i.auto_renew.items())
            ],
        },
        "losses": [
            [index, loss.time, loss.cause.value, loss.request_id]
            for index, losses in sorted(i.losses.items())
            for loss in losses
        ],
        "due": [list(entry) for entry in m.schedule.due],
        "sequence": m.schedule.sequence,
        "faults": {
            "next_id": m.faults.next_id,
            "active": [
                {
                    "fault_id": f.fault_id,
                    "rule": f.rule.to_dict(),
                    "fired": f.fired,
                    "remaining": f.remaining,
                }
                for f in m.faults.rules
            ],
        },
    }
    return seal(MAGIC, document)


def seal(magic: bytes, document: dict[str, Any]) -> bytes:
    """Frame ``document`` (whose ``format`` is its version): magic line, checksum line, body.

    The simulation's snapshots use the same framing with their own magic word.
    """
    body = zlib.compress(json.dumps(document, separators=(",", ":"), allow_nan=False).encode(), 6)
    digest = hashlib.sha256(body).hexdigest().encode()
    return b"%s %d\nsha256=%s length=%d\n%s" % (magic, document["format"], digest, len(body), body)


def _duration_to_json(name: str, duration: Duration) -> dict[str, object]:
    if isinstance(duration, Fixed):
        return {"type": "Fixed", "seconds": duration.seconds}
    if isinstance(duration, Uniform):
        return {"type": "Uniform", "low": duration.low, "high": duration.high}
    if isinstance(duration, Exponential):
        return {"type": "Exponential", "mean": duration.mean}
    raise SnapshotError(
        f"durations.{name}={duration!r}: a snapshot records Fixed, Uniform and Exponential "
        "durations only; a custom Duration cannot be restored"
    )


def _rng_state(rng: Any) -> list[object]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def pack(column: array[Any] | bytearray) -> str:
    """A column as base64 of its little-endian bytes."""
    if isinstance(column, array) and sys.byteorder == "big":  # pragma: no cover - CI is LE
        column = array(column.typecode, column)
        column.byteswap()
    return _b64(bytes(column))


# ---------------------------------------------------------------- reading
def load(data: bytes, clock: Clock | None, model_type: type[EcsModel]) -> EcsModel:
    """Build a new model from ``data``; see the module docstring for the checks."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidArgument(f"data={type(data).__name__}: expected the bytes snapshot() made")
    if clock is not None and not isinstance(clock, Clock):
        raise InvalidArgument(f"clock={clock!r}: expected an object with a now() method")
    body = unseal(data, MAGIC, READABLE, "lifecycle snapshot")
    try:
        document = json.loads(inflate(body), parse_constant=_not_finite, parse_float=_finite)
        now = _float(document["now"], "now")
    except (KeyError, TypeError, ValueError) as error:
        raise SnapshotError(f"malformed snapshot body: {type(error).__name__}: {error}") from None
    if clock is not None and clock.now() < now:
        raise InvalidArgument(
            f"clock.now()={clock.now()!r} is before the snapshot's time {now!r}; "
            "a restored model cannot run time backwards"
        )
    try:
        return _build(document, clock or ManualClock(now), model_type)
    except SnapshotError:
        raise
    except (
        InvalidArgument,
        KeyError,
        IndexError,
        TypeError,
        ValueError,
        AttributeError,
        OverflowError,  # an int past what an array or a float holds (found by fuzzing)
        binascii.Error,
    ) as error:
        raise SnapshotError(f"malformed snapshot body: {type(error).__name__}: {error}") from None


def unseal(
    data: bytes | bytearray | memoryview,
    magic: bytes,
    readable: frozenset[int],
    what: str,
    foreign: dict[bytes, str] | None = None,
) -> bytes:
    """The compressed body of ``seal``-framed ``data``, once its magic word, format
    version, length and checksum are verified.

    Args:
        data: The bytes.
        magic: The magic word expected on the first line.
        readable: The format versions the caller reads.
        what: How messages name the thing ("lifecycle snapshot", "simulation snapshot").
        foreign: Other magic words, and what to say when ``data`` starts with one.

    Raises:
        SnapshotError: saying what is wrong.
    """
    data = bytes(data)
    header = re.match(rb"\A" + re.escape(magic) + rb" (\d+)\n", data)
    if header is None:
        for other, message in (foreign or {}).items():
            if data.startswith(other):
                raise SnapshotError(message)
        raise SnapshotError(f"not a {what}: it does not start with {magic.decode()!r}")
    if len(header.group(1)) > 9:  # int() of 4,300 digits or more raises
        raise SnapshotError(
            f"{what} format: a {len(header.group(1))}-digit version; this version reads "
            f"format(s) {', '.join(map(str, sorted(readable)))}"
        )
    version = int(header.group(1))
    if version not in readable:
        newer = "a newer" if version > max(readable) else "an unknown"
        raise SnapshotError(
            f"{what} format {version} comes from {newer} version of lifecycle; this version "
            f"reads format(s) {', '.join(map(str, sorted(readable)))}"
        )
    rest = data[header.end() :]
    check = _CHECK.match(rest)
    if check is None:
        raise SnapshotError("corrupted snapshot: the checksum line is missing or damaged")
    body = rest[check.end() :]
    if len(check.group(2)) > 20:
        raise SnapshotError(
            f"truncated or padded snapshot: the header says a {len(check.group(2))}-digit length"
        )
    length = int(check.group(2))
    if len(body) != length:
        raise SnapshotError(
            f"truncated or padded snapshot: the body is {len(body)} bytes, the header says {length}"
        )
    if hashlib.sha256(body).hexdigest() != check.group(1).decode():
        raise SnapshotError("corrupted snapshot: the body does not match its sha256 checksum")
    return body


def _build(doc: dict[str, Any], clock: Clock, model_type: type[EcsModel]) -> EcsModel:
    if doc["format"] != FORMAT_VERSION:
        raise SnapshotError(f"the body says format {doc['format']!r}, the header {FORMAT_VERSION}")
    account = doc["account"]
    model = model_type(
        seed=_int(doc["seed"], "seed"),
        clock=clock,
        durations=Durations(
            **{name: _duration_from_json(doc["durations"][name]) for name in _DURATION_NAMES}
        ),
        balance=_decimal(account["balance"], "balance"),
        minimum_start_balance=_decimal(account["minimum_start_balance"], "minimum_start_balance"),
        in_arrears=account["in_arrears"],
    )
    core = model._core
    for name, rng in zip(
        _RNGS,
        (core.request_rng, core.instance_rng, core.schedule.rng, core.faults.rng),
        strict=True,
    ):
        version, internal, gauss = doc["rng"][name]
        rng.setstate((version, tuple(internal), gauss))

    instances = _columns(doc["instances"])
    count = len(instances.ids)

    losses: dict[int, list[DataLoss]] = {}
    for index, time, cause, request_id in doc["losses"]:
        _position(index, count, "losses")
        losses.setdefault(index, []).append(
            DataLoss(
                time=_float(time, "losses.time"),
                cause=DataLossCause(cause),
                request_id=_str(request_id, "losses.request_id"),
            )
        )
    due: list[tuple[float, int, int, int]] = []
    for entry in doc["due"]:
        when, sequence, index, request = entry
        _position(index, count, "due")
        due.append(
            (_float(when, "due"), _int(sequence, "due"), index, _int(request, "due.request"))
        )
    _check_due(due, instances)
    active = []
    fault_doc = doc["faults"]
    for item in fault_doc["active"]:
        remaining = item["remaining"]
        active.append(
            (
                _int(item["fault_id"], "faults.fault_id"),
                FaultRule.from_dict(item["rule"]),
                _int(item["fired"], "faults.fired"),
                None if remaining is None else _int(remaining, "faults.remaining"),
            )
        )

    prices, stock = _catalog(account)
    tokens = _tokens(doc.get("tokens", []))

    # Everything is read and checked: now fill the new model.
    core.billing.prices = prices
    core.billing.stock = stock
    core.tokens = tokens
    instances.losses = losses
    core.instances = instances
    heapq.heapify(due)  # saved in heap order; a no-op then, and a heap whatever was sent
    core.schedule.due = due
    core.schedule.sequence = _int(doc["sequence"], "sequence")
    core.faults.next_id = _int(fault_doc["next_id"], "faults.next_id")
    core.faults.rules = [ActiveFault(*fields) for fields in active]
    return model


def absent_start(count: int) -> array[float]:
    """The start times of instances an older snapshot did not record: never started."""
    return array("d", [math.nan]) * count


def _columns(columns: dict[str, Any]) -> Instances:
    """The instance columns, read and checked (losses are read apart)."""
    count = _int(columns["count"], "instances.count")
    ids = columns["ids"]
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise SnapshotError("instances.ids: expected a list of instance id strings")
    names = columns["type_names"]
    if not all(isinstance(name, str) and name for name in names):
        raise SnapshotError("instances.type_names: expected instance type strings")
    type_index = _unpack("I", columns["type_index"])
    status = base64.b64decode(columns["status"], validate=True)
    faults = base64.b64decode(columns["faults"], validate=True)
    traits = base64.b64decode(columns["traits"], validate=True)
    expired = _unpack("d", columns["expired"])
    settles_at = _unpack("d", columns["settles_at"])
    # Added within format 1: an older snapshot has no creation or start times.
    absent = array("d", [0.0]) * count
    created = _unpack("d", columns["created"]) if "created" in columns else absent
    started = _unpack("d", columns["started"]) if "started" in columns else absent_start(count)
    lengths = {
        len(created),
        len(started),
        len(ids),
        len(type_index),
        len(status),
        len(faults),
        len(traits),
        len(expired),
        len(settles_at),
    }
    if lengths != {count} or len(set(ids)) != count:
        raise SnapshotError("instances: the columns disagree on the number of instances")
    if any(code >= len(STATUSES) and code != RELEASED_CODE for code in set(status)):
        raise SnapshotError("instances.status: a status code out of range")
    types = [names[i] for i in type_index]
    # Added within format 1: instance names, AutoRenew, released instances.
    instance_names = columns.get("names", [None] * count)
    if (
        not isinstance(instance_names, list)
        or len(instance_names) != count
        or not all(name is None or (isinstance(name, str) and name) for name in instance_names)
    ):
        raise SnapshotError("instances.names: expected a name string or null per instance")
    auto_renew: dict[int, tuple[int, str]] = {}
    for entry in columns.get("auto_renew", []):
        if not isinstance(entry, list) or len(entry) != 3 or entry[2] not in ("Week", "Month"):
            raise SnapshotError("instances.auto_renew: expected [index, period, unit] entries")
        index, period, unit = entry
        _position(index, count, "instances.auto_renew")
        auto_renew[index] = (_int(period, "instances.auto_renew"), unit)

    instances = Instances()
    instances.ids = ids
    instances.index = {
        instance_id: index
        for index, instance_id in enumerate(ids)
        if status[index] != RELEASED_CODE
    }
    instances.retired = {
        instance_id for index, instance_id in enumerate(ids) if status[index] == RELEASED_CODE
    }
    instances.names = instance_names
    instances.auto_renew = auto_renew
    instances.status = bytearray(status)
    instances.recount()
    instances.faults = bytearray(faults)
    instances.traits = bytearray(traits)
    instances.expired = expired
    instances.settles_at = settles_at
    instances.types = types
    instances.created = created
    instances.started = started
    return instances


_DURATION_NAMES: Final = ("pending", "starting", "stopping")
_DURATION_TYPES: Final[dict[str, Callable[..., Duration]]] = {
    "Fixed": Fixed,
    "Uniform": Uniform,
    "Exponential": Exponential,
}


def _catalog(account: dict[str, Any]) -> tuple[dict[tuple[str, str], Decimal], dict[str, int]]:
    """The prices and the stock (added within format 1: absent means none set)."""
    prices: dict[tuple[str, str], Decimal] = {}
    for entry in account.get("prices", []):
        if not isinstance(entry, list) or len(entry) != 3 or entry[1] not in ("Week", "Month"):
            raise SnapshotError("account.prices: expected [type, unit, price] entries")
        instance_type, unit, price = entry
        prices[(_str(instance_type, "account.prices"), unit)] = _decimal(price, "account.prices")
    stock = account.get("stock", {})
    if not isinstance(stock, dict):
        raise SnapshotError("account.stock: expected an object of counts")
    return prices, {
        _str(name, "account.stock"): _int(left, "account.stock") for name, left in stock.items()
    }


def _tokens(entries: object) -> dict[tuple[str, str], tuple[str, dict[str, object]]]:
    """The ClientTokens of accepted requests (added within format 1)."""
    if not isinstance(entries, list):
        raise SnapshotError("tokens: expected a list")
    tokens: dict[tuple[str, str], tuple[str, dict[str, object]]] = {}
    for entry in entries:
        if not isinstance(entry, list) or len(entry) != 4 or not isinstance(entry[3], dict):
            raise SnapshotError("tokens: expected [action, token, parameters, answer] entries")
        action, token, fingerprint, payload = entry
        key = (_str(action, "tokens.action"), _str(token, "tokens.token"))
        tokens[key] = (_str(fingerprint, "tokens.parameters"), payload)
    return tokens


def _duration_from_json(data: dict[str, Any]) -> Duration:
    fields = dict(data)
    kind = _DURATION_TYPES[fields.pop("type")]
    try:
        return kind(**fields)
    except InvalidArgument as error:
        raise SnapshotError(f"durations: {error}") from None


def _unpack(typecode: str, text: object) -> array[Any]:
    column = array(typecode)
    column.frombytes(base64.b64decode(_str(text, "column"), validate=True))
    if sys.byteorder == "big":  # pragma: no cover - the CI machines are little-endian
        column.byteswap()
    return column


def _position(index: object, count: int, where: str) -> None:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
        raise SnapshotError(f"{where}: instance position {index!r} is out of range")


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SnapshotError(f"{where}: expected an integer, got {value!r}")
    return value


def _float(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SnapshotError(f"{where}: expected a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int past the largest float
        number = math.inf
    if not math.isfinite(number):
        shown = f"an int of {int(value).bit_length()} bits" if isinstance(value, int) else value
        raise SnapshotError(f"{where}: expected a finite number, got {shown}")
    return number


def _decimal(value: object, where: str) -> Decimal:
    try:
        amount = Decimal(_str(value, where))
    except InvalidOperation:
        raise SnapshotError(f"{where}: expected a decimal amount, got {value!r}") from None
    if not amount.is_finite():
        raise SnapshotError(f"{where}: expected a finite amount, got {value!r}")
    return amount


def _check_due(due: list[tuple[float, int, int, int]], instances: Instances) -> None:
    """One due entry for each Pending, Starting or Stopping instance, at its settles_at.

    Any other entry would be settled from a stable status (an assertion inside a
    later call), and a transitory instance without one would never leave it.
    """
    status = instances.status
    scheduled = sorted(index for _, _, index, _ in due)
    transitory = [index for index, code in enumerate(status) if code in _TRANSITORY]
    if scheduled != transitory:
        raise SnapshotError(
            "due: expected one entry for each Pending, Starting or Stopping instance, and no other"
        )
    if any(instances.settles_at[index] != when for when, _, index, _ in due):
        raise SnapshotError("instances.settles_at: disagrees with the due entries")


def inflate(body: bytes) -> bytes:
    """``body`` decompressed, refusing to inflate past ``MAX_INFLATION`` times its size.

    The simulation's snapshots use it too.

    Raises:
        SnapshotError: for a stream that is not zlib, is cut short, has bytes
            after its end, or inflates past the limit (found without inflating it all).
    """
    limit = max(MIN_DOCUMENT_LIMIT, MAX_INFLATION * len(body))
    inflater = zlib.decompressobj()
    try:
        document = inflater.decompress(body, limit)
    except zlib.error as error:
        raise SnapshotError(f"malformed snapshot body: {error}") from None
    if inflater.unconsumed_tail:
        raise SnapshotError(
            f"malformed snapshot body: it inflates past {limit:,} bytes "
            f"({MAX_INFLATION} times its {len(body):,}); this version never writes such a body"
        )
    if not inflater.eof or inflater.unused_data:
        raise SnapshotError("malformed snapshot body: the compressed stream is cut short or padded")
    return document


def _not_finite(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:40]} is too large for a number")
    return number


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SnapshotError(f"{where}: expected a string, got {value!r}")
    return value
