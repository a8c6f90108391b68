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

Issue 13 added two optional keys to the engine's state, written only by runs
that use them (so other runs save the bytes they saved before): ``api_calls``
(outcomes of RunInstances, DeleteInstance, RenewInstance and
ReActivateInstances calls) and ``fleet``, for a workload with launches,
deletions or renewals: the launched instances' ids and groups (their mirror
entries follow the workload's own instances), each changing group's members,
its idle streams, the fleet counters and their samples, and data lost by
released instances. A released instance's mirror status is 5.

Reading is all or nothing: header, length and checksum are checked before the
body is decoded; the body may inflate to at most ``MAX_INFLATION`` times its
size (or ``MIN_DOCUMENT_LIMIT``), so a small file cannot take a lot of memory;
then every field of the document is checked against the workload it carries
(types, finite numbers, kinds, groups, instance positions, status codes)
before anything is built. A body that does not hold what format 1 says raises
``SnapshotError`` naming the field, and no simulation is returned.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import sys
from array import array
from decimal import Decimal, InvalidOperation
from random import Random
from typing import Any, Final

from .._snapshot import MAGIC as MODEL_MAGIC
from .._snapshot import MAX_INFLATION, MIN_DOCUMENT_LIMIT, inflate, pack, seal, unseal
from ..errors import InvalidArgument, SnapshotError

__all__ = [
    "FORMAT_VERSION",
    "MAX_INFLATION",
    "MIN_DOCUMENT_LIMIT",
    "decode",
    "encode",
    "inflate",
    "pack",
    "unpack",
]

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
        document = json.loads(inflate(body), parse_constant=_no_constant)
    except ValueError as error:
        raise SnapshotError(f"malformed snapshot body: {error}") from None
    disagrees = "malformed snapshot body: the format field disagrees with the header"
    if not isinstance(document, dict):
        raise SnapshotError(disagrees)
    version = document.get("format")
    if isinstance(version, bool) or not isinstance(version, int) or version not in READABLE:
        raise SnapshotError(disagrees)
    _check_document(document)
    return document


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


# ---------------------------------------------------------------- checking
# Heap entry kinds (as _engine numbers them) and what their fields index.
_STREAMS: Final = {
    0: frozenset({0, 1, 2}),
    1: frozenset({3}),
    2: frozenset({4}),
    12: frozenset(range(6)),
}
_INSTANCE_KINDS: Final = frozenset({3, 4, 6, 7, 14})
_GROUP_KINDS: Final = frozenset({5, 13})
_SAMPLE_KIND: Final = 11
_KINDS: Final = 15
_STATUSES: Final = 5
_FLEET_EVENTS: Final = 4
_RNG_WORDS: Final = 625


def _bad(where: str, expected: str, value: object) -> SnapshotError:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:60] + "..."
    return SnapshotError(f"malformed snapshot body: {where}: expected {expected}, got {shown}")


def _int(value: object, where: str, low: int | None = 0, high: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or (low is not None and value < low)
        or (high is not None and value >= high)
    ):
        bound = "an int" if low is None else f"an int >= {low}"
        if high is not None:
            bound = f"an int from {low} to {high - 1}"
        raise _bad(where, bound, value)
    return value


def _number(value: object, where: str, low: float = 0.0, high: float = math.inf) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not low <= value <= high
        or not math.isfinite(value)
    ):
        raise _bad(where, f"a finite number from {low:g} to {high:g}", value)
    return float(value)


def _list(value: object, where: str, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise _bad(where, "a list" if length is None else f"a list of {length}", value)
    return value


def _counters(value: object, where: str) -> None:
    if not isinstance(value, dict):
        raise _bad(where, "an object of counters", value)
    for name, count in value.items():
        _int(count, f"{where}.{name}")


def _column(value: object, typecode: str, where: str) -> array[Any]:
    try:
        return unpack(value, typecode)
    except SnapshotError:
        raise _bad(where, "base64 of a column", value) from None


def _rng(value: object, where: str) -> None:
    version, internal, gauss = _list(value, where, 3)
    words = _list(internal, f"{where}[1]", _RNG_WORDS)
    for word in words:
        _int(word, f"{where}[1]", 0, 2**32)
    if gauss is not None:
        _number(gauss, f"{where}[2]", -math.inf)
    try:
        Random().setstate((version, tuple(words), gauss))
    except (TypeError, ValueError) as error:
        raise _bad(where, f"a random generator's state ({error})", version) from None


def _check_document(document: dict[str, Any]) -> None:
    """Every value, before anything is built.

    The document's shape (the account list, the workload's TOML, the length of
    the instance columns against the model) is ``_engine``'s to check as it
    reads; here every value it would take as it is (numbers, kinds, positions,
    codes) is checked, for every account, before any account is built.
    """
    from ._workload import parse_workload  # noqa: PLC0415 - _workload imports nothing from here

    entries = document.get("accounts")
    text = document.get("workload")
    if "workload" in document and not isinstance(text, str):
        raise _bad("workload", "the workload as TOML", text)
    if not isinstance(entries, list) or not isinstance(text, str):
        return
    try:
        workload = parse_workload(text)
    except InvalidArgument:
        return
    _int(document.get("seed"), "seed", None)
    names = {account.name for account in workload.accounts}
    for number, entry in enumerate(entries):
        name = entry.get("account") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name not in names:
            return
        where = f"accounts[{number}]"
        model = entry.get("model")
        try:
            base64.b64decode(str(model), validate=True)
        except (binascii.Error, ValueError):  # ValueError: characters beyond ASCII
            raise _bad(f"{where}.model", "base64 of a model snapshot", model) from None
        engine = entry.get("engine")
        if not isinstance(engine, dict):
            raise _bad(f"{where}.engine", "an object", engine)
        groups = workload.groups_of(name)
        _check_engine(engine, f"{where}.engine", workload.seconds, workload.samples, groups)


def _check_engine(
    engine: dict[str, Any], where: str, end: float, samples: int, groups: tuple[Any, ...]
) -> None:
    count = sum(group.count for group in groups)
    fleet = engine.get("fleet")
    if fleet is not None:
        count += _check_fleet(fleet, f"{where}.fleet", groups, count, samples)
    if "api_calls" in engine:
        calls = engine["api_calls"]
        if not isinstance(calls, dict):
            raise _bad(f"{where}.api_calls", "an object per action", calls)
        for action, outcomes in calls.items():
            _counters(outcomes, f"{where}.api_calls.{action}")
    t = _number(engine.get("t"), f"{where}.t", 0.0, end)
    _check_heap(engine, where, t, samples, len(groups), count)
    _check_groups(engine, where, groups, count, fleet is not None)
    _check_money(engine, where, count)
    _check_counters(engine, where, samples, len(groups))
    _check_mirror(engine, where, t, count, _STATUSES + (fleet is not None))


def _check_fleet(
    fleet: object, where: str, groups: tuple[Any, ...], initial: int, samples: int
) -> int:
    """The ``fleet`` state; returns how many instances were launched."""
    if not isinstance(fleet, dict):
        raise _bad(where, "an object", fleet)
    created = _list(fleet.get("created"), f"{where}.created")
    if not all(isinstance(name, str) for name in created):
        raise _bad(f"{where}.created", "instance ids", created[:3])
    count = initial + len(created)
    owners = _column(fleet.get("group_of"), "I", f"{where}.group_of")
    if len(owners) != len(created) or any(g >= len(groups) for g in owners):
        raise _bad(f"{where}.group_of", "a group per launched instance", len(owners))
    for g, members in enumerate(_list(fleet.get("members"), f"{where}.members", len(groups))):
        if members is not None:
            column = _column(members, "q", f"{where}.members[{g}]")
            if any(not 0 <= i < count for i in column):
                raise _bad(f"{where}.members[{g}]", "instance positions", list(column)[:5])
    for g, idle in enumerate(_list(fleet.get("idle"), f"{where}.idle", len(groups))):
        for stream in _list(idle, f"{where}.idle[{g}]"):
            _int(stream, f"{where}.idle[{g}]", 0, 6)
    counts = fleet.get("counts")
    _counters(counts, f"{where}.counts")
    assert isinstance(counts, dict)
    if len(counts) != _FLEET_EVENTS:
        raise _bad(f"{where}.counts", f"{_FLEET_EVENTS} counters", counts)
    rows = _list(fleet.get("samples"), f"{where}.samples")
    if len(rows) > samples:
        raise _bad(f"{where}.samples", f"at most {samples} samples", len(rows))
    for row in rows:
        for value in _list(row, f"{where}.samples", _FLEET_EVENTS):
            _int(value, f"{where}.samples")
    _counters(fleet.get("gone_losses"), f"{where}.gone_losses")
    return len(created)


def _check_heap(
    engine: dict[str, Any], where: str, t: float, samples: int, n: int, count: int
) -> None:
    sequence = _int(engine.get("sequence"), f"{where}.sequence")
    for i, item in enumerate(_list(engine.get("heap"), f"{where}.heap")):
        at = f"{where}.heap[{i}]"
        when, order, kind, a, b = _list(item, at, 5)
        _number(when, f"{at}[0]", t)
        _int(order, f"{at}[1]", 0, sequence + 1)
        _int(kind, f"{at}[2]", 0, _KINDS)
        _int(b, f"{at}[4]", None)
        if kind in _STREAMS:
            _int(a, f"{at}[3]", 0, n)
            if b not in _STREAMS[kind]:
                raise _bad(f"{at}[4]", f"a stream of kind {kind}", b)
        elif kind in _INSTANCE_KINDS:
            _int(a, f"{at}[3]", 0, count)
        elif kind in _GROUP_KINDS:
            _int(a, f"{at}[3]", 0, n)
        elif kind == _SAMPLE_KIND:
            _int(a, f"{at}[3]", 0, samples)
        else:
            _int(a, f"{at}[3]")


def _check_groups(
    engine: dict[str, Any], where: str, groups: tuple[Any, ...], count: int, fleet: bool
) -> None:
    _rng(engine.get("platform_rng"), f"{where}.platform_rng")
    for g, saved in enumerate(_list(engine.get("groups"), f"{where}.groups", len(groups))):
        at = f"{where}.groups[{g}]"
        if not isinstance(saved, dict):
            raise _bad(at, "an object", saved)
        spec = groups[g]
        streams = 10 if spec.churns or spec.renew_before_share or spec.auto_renew else 7
        for r, state in enumerate(_list(saved.get("rngs"), f"{at}.rngs", streams)):
            _rng(state, f"{at}.rngs[{r}]")
        run_count, integral, since, billed = _list(saved.get("run"), f"{at}.run", 4)
        _int(run_count, f"{at}.run[0]", 0, (count if fleet else spec.count) + 1)
        for k, value in ((1, integral), (2, since), (3, billed)):
            _number(value, f"{at}.run[{k}]")
        order = _column(saved.get("expiry_order"), "q", f"{at}.expiry_order")
        times = _column(saved.get("expiry_times"), "d", f"{at}.expiry_times")
        if len(order) != len(times) or any(not 0 <= i < count for i in order):
            raise _bad(f"{at}.expiry_order", "instance positions, one per expiry time", len(order))
        if not all(math.isfinite(x) for x in times):
            raise _bad(f"{at}.expiry_times", "finite times", "inf or nan")
        _int(saved.get("expiry_position"), f"{at}.expiry_position", 0, len(times) + 1)


def _check_money(engine: dict[str, Any], where: str, count: int) -> None:
    for k, text in enumerate(_list(engine.get("money"), f"{where}.money", 3)):
        try:
            if not isinstance(text, str) or not Decimal(text).is_finite():
                raise _bad(f"{where}.money[{k}]", "a finite decimal string", text)
        except InvalidOperation:
            raise _bad(f"{where}.money[{k}]", "a finite decimal string", text) from None
    in_arrears, since, seconds, period = _list(engine.get("arrears"), f"{where}.arrears", 4)
    if not isinstance(in_arrears, bool):
        raise _bad(f"{where}.arrears[0]", "true or false", in_arrears)
    _number(since, f"{where}.arrears[1]")
    _number(seconds, f"{where}.arrears[2]")
    _int(period, f"{where}.arrears[3]")
    stopped = _column(engine.get("overdue_stopped"), "q", f"{where}.overdue_stopped")
    if any(not 0 <= i < count for i in stopped):
        raise _bad(f"{where}.overdue_stopped", "instance positions", list(stopped)[:5])


def _check_counters(engine: dict[str, Any], where: str, samples: int, n: int) -> None:
    for g, per_group in enumerate(_list(engine.get("calls"), f"{where}.calls", n)):
        for a, outcomes in enumerate(_list(per_group, f"{where}.calls[{g}]", 3)):
            _counters(outcomes, f"{where}.calls[{g}][{a}]")
    for name in ("platform", "faults", "losses"):
        _counters(engine.get(name), f"{where}.{name}")
    for k, value in enumerate(_list(engine.get("longest"), f"{where}.longest", _STATUSES)):
        _number(value, f"{where}.longest[{k}]")
    _int(engine.get("events"), f"{where}.events")
    _int(engine.get("transitions"), f"{where}.transitions")
    taken = _list(engine.get("samples"), f"{where}.samples")
    if len(taken) > samples:
        raise _bad(f"{where}.samples", f"at most {samples} samples", len(taken))
    for k, sample in enumerate(taken):
        for g, per_status in enumerate(_list(sample, f"{where}.samples[{k}]", n)):
            for value in _list(per_status, f"{where}.samples[{k}][{g}]", _STATUSES):
                _int(value, f"{where}.samples[{k}][{g}]")
    arrears = _list(engine.get("sample_arrears"), f"{where}.sample_arrears", len(taken))
    for value in arrears:
        _int(value, f"{where}.sample_arrears", 0, 2)
    for name in ("counts", "seconds"):
        for g, row in enumerate(_list(engine.get(name), f"{where}.{name}", n)):
            for value in _list(row, f"{where}.{name}[{g}]", _STATUSES):
                if name == "counts":
                    _int(value, f"{where}.counts[{g}]")
                else:
                    _number(value, f"{where}.seconds[{g}]")


def _check_mirror(engine: dict[str, Any], where: str, t: float, count: int, codes: int) -> None:
    status = _column(engine.get("status"), "B", f"{where}.status")
    flags = _column(engine.get("flags"), "B", f"{where}.flags")
    entered = _column(engine.get("entered"), "d", f"{where}.entered")
    del flags  # its bits are the engine's own; its length is checked as it is read
    if any(code >= codes for code in status):
        raise _bad(f"{where}.status", f"status codes below {codes}", max(status))
    if not all(0 <= x <= t for x in entered):
        raise _bad(f"{where}.entered", "finite times before the engine's", "another")
    for k, pair in enumerate(_list(engine.get("disk_tokens"), f"{where}.disk_tokens")):
        index, token = _list(pair, f"{where}.disk_tokens[{k}]", 2)
        _int(index, f"{where}.disk_tokens[{k}][0]", 0, count)
        _int(token, f"{where}.disk_tokens[{k}][1]", None)


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
