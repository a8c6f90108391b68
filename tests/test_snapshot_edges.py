"""Snapshots at their edges: every refusal names what it refuses, and nothing slips through.

``EcsModel.restore`` checks a snapshot field by field and says which field is
wrong (``SnapshotError``'s message starts with the field's path). These tests
edit the JSON body of a real snapshot, seal it again with a correct checksum
(so only the field check can catch it) and read the refusal.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import zlib
from array import array
from collections.abc import Callable
from typing import Any

import pytest

from lifecycle import (
    Durations,
    EcsModel,
    Exponential,
    FaultRule,
    Fixed,
    InvalidArgument,
    ManualClock,
    SnapshotError,
    Uniform,
    _snapshot,
)

Document = dict[str, Any]


def sample() -> bytes:
    """Four Running d1 instances, one rebooted with a power cut, a counted fault, a delay."""
    model = EcsModel(
        seed=11,
        durations=Durations(pending=Fixed(10), starting=Uniform(5, 40), stopping=Exponential(12)),
    )
    model.create_instances(4, id_prefix="i-", status="Running", instance_type="ecs.d1.2xlarge")
    model.reboot_instance("i-0", force_stop=True)
    model.add_fault(FaultRule(kind="throttle", action="StopInstance", count=3))
    model.add_fault(FaultRule(kind="delay", delay=5))
    return model.snapshot()


def document(data: bytes | None = None) -> Document:
    """The JSON body of a snapshot (of ``sample()`` by default).

    The sample is made afresh in each test, never once at import, so that a
    test compares bytes written by the code under test with bytes written by
    the same code.
    """
    loaded: Document = json.loads(zlib.decompress((data or sample()).split(b"\n", 2)[2]))
    return loaded


def seal(doc: Document) -> bytes:
    """A snapshot of ``doc`` with a correct header and checksum: malformed, not damaged."""
    body = zlib.compress(json.dumps(doc).encode())
    digest = hashlib.sha256(body).hexdigest().encode()
    return b"lifecycle-snapshot 1\nsha256=%s length=%d\n%s" % (digest, len(body), body)


def column(values: list[int], typecode: str = "B") -> str:
    return base64.b64encode(array(typecode, values).tobytes()).decode()


def _set(path: str, value: object) -> Callable[[Document], None]:
    keys = [int(key) if key.isdigit() else key for key in path.split("/")]

    def edit(doc: Document) -> None:
        target: Any = doc
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


def test_the_sample_restores_when_left_alone() -> None:
    data = sample()
    assert EcsModel.restore(seal(document(data))).snapshot() == data


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        pytest.param(
            _set("instances/count", "4"),
            r"^instances\.count: expected an integer, got '4'$",
            id="instances/count",
        ),
        pytest.param(
            _set("instances/ids", "i-0"),
            r"^instances\.ids: expected a list of instance id strings$",
            id="instances/ids",
        ),
        pytest.param(
            _set("instances/ids/3", "i-0"),
            r"^instances: the columns disagree on the number of ",
            id="instances/ids/3",
        ),
        pytest.param(
            _set("instances/type_names", [3]),
            r"^instances\.type_names: expected instance type ",
            id="instances/type_names",
        ),
        pytest.param(
            _set("instances/type_index", 5),
            r"^column: expected a string, got 5$",
            id="instances/type_index",
        ),
        pytest.param(
            _set("instances/status", column([1, 2, 2, 5])),
            r"^instances\.status: a status code ",
            id="instances/status",
        ),
        pytest.param(
            _set("account/minimum_start_balance", 10),
            r"^minimum_start_balance: expected a string",
            id="account/minimum_start_balance",
        ),
        pytest.param(
            _set("losses/0/0", True),
            r"^losses: instance position True is out of range$",
            id="losses/0/0",
        ),
        pytest.param(
            _set("losses/0/0", 4), r"^losses: instance position 4 is out of range$", id="losses/0/0"
        ),
        pytest.param(
            _set("losses/0/1", "noon"),
            r"^losses\.time: expected a number, got 'noon'$",
            id="losses/0/1",
        ),
        pytest.param(
            _set("losses/0/3", 5),
            r"^losses\.request_id: expected a string, got 5$",
            id="losses/0/3",
        ),
        pytest.param(
            _set("due/0/0", "noon"), r"^due: expected a number, got 'noon'$", id="due/0/0"
        ),
        pytest.param(_set("due/0/1", 1.5), r"^due: expected an integer, got 1\.5$", id="due/0/1"),
        pytest.param(
            _set("due/0/3", "id"), r"^due\.request: expected an integer, got 'id'$", id="due/0/3"
        ),
        pytest.param(
            _set("faults/active/0/fault_id", "1"),
            r"^faults\.fault_id: expected an integer",
            id="faults/active/0/fault_id",
        ),
        pytest.param(
            _set("faults/active/0/fired", 0.5),
            r"^faults\.fired: expected an integer, got 0\.5$",
            id="faults/active/0/fired",
        ),
        pytest.param(
            _set("faults/active/0/remaining", "3"),
            r"^faults\.remaining: expected an integer",
            id="faults/active/0/remaining",
        ),
        pytest.param(
            _set("faults/next_id", None),
            r"^faults\.next_id: expected an integer, got None$",
            id="faults/next_id",
        ),
    ],
)
def test_a_malformed_field_is_refused_by_its_path(
    edit: Callable[[Document], None], complaint: str
) -> None:
    doc = document()
    edit(doc)
    with pytest.raises(SnapshotError, match=complaint):
        EcsModel.restore(seal(doc))


@pytest.mark.parametrize("name", ["status", "faults", "traits"])
def test_a_byte_column_with_a_character_base64_does_not_have_is_refused(name: str) -> None:
    """A lenient decoder would skip the stray character and read the column as if intact."""
    doc = document()
    text = doc["instances"][name]
    doc["instances"][name] = text[:2] + "*" + text[2:]
    with pytest.raises(SnapshotError, match=r"^malformed snapshot body: "):
        EcsModel.restore(seal(doc))


def test_a_type_index_past_the_type_names_is_refused() -> None:
    """An index of 2**32 - 1 read as a signed number would be -1: the last name, silently."""
    doc = document()
    doc["instances"]["type_index"] = column([0, 0, 0, 2**32 - 1], "I")
    with pytest.raises(SnapshotError, match=r"^malformed snapshot body: IndexError"):
        EcsModel.restore(seal(doc))


def test_a_body_that_is_not_json_names_the_decoder_error() -> None:
    body = zlib.compress(b"{not json")
    digest = hashlib.sha256(body).hexdigest().encode()
    data = b"lifecycle-snapshot 1\nsha256=%s length=%d\n%s" % (digest, len(body), body)
    with pytest.raises(SnapshotError, match=r"^malformed snapshot body: JSONDecodeError: "):
        EcsModel.restore(data)


def test_the_header_refusals_say_what_is_wrong() -> None:
    with pytest.raises(SnapshotError, match=r"^not a lifecycle snapshot: it does not start with "):
        EcsModel.restore(b"PK\x03\x04")
    with pytest.raises(SnapshotError, match=r"^corrupted snapshot: the checksum line is missing"):
        EcsModel.restore(b"lifecycle-snapshot 1\n")
    header, checksum, body = sample().split(b"\n", 2)
    tampered = b"\n".join([header, checksum, bytes([body[0] ^ 1]) + body[1:]])
    with pytest.raises(
        SnapshotError,
        match=r"^corrupted snapshot: the body does not match its sha256 checksum$",
    ):
        EcsModel.restore(tampered)


def test_restoring_something_that_is_not_bytes_names_its_type() -> None:
    with pytest.raises(InvalidArgument, match=r"^data=str: expected the bytes snapshot\(\) made$"):
        EcsModel.restore("lifecycle-snapshot 1")  # type: ignore[arg-type]


def test_a_clock_exactly_at_the_snapshots_time_is_accepted() -> None:
    model = EcsModel(clock=ManualClock(50.0))
    model.create_instance("i-1", status="Starting")
    clock = ManualClock(50.0)
    restored = EcsModel.restore(model.snapshot(), clock=clock)
    assert restored.clock is clock
    assert restored.instance("i-1") == model.instance("i-1")
    with pytest.raises(InvalidArgument, match=r"a restored model cannot run time backwards$"):
        EcsModel.restore(model.snapshot(), clock=ManualClock(49.5))


def test_a_custom_duration_refusal_says_why() -> None:
    class Always:
        def sample(self, rng: object) -> float:
            return 1.0

    model = EcsModel(durations=Durations(stopping=Always()))
    with pytest.raises(SnapshotError, match=r"a custom Duration cannot be restored$"):
        model.snapshot()


class _Stuck:
    """A caller's clock that reads ``value``: off the end of time, or not a time at all."""

    def __init__(self, value: object) -> None:
        self.value = value

    def now(self) -> Any:
        return self.value


@pytest.mark.parametrize("reading", [math.inf, -math.inf, math.nan, True, "noon"], ids=repr)
def test_a_model_whose_clock_reads_no_finite_time_gets_a_typed_refusal(reading: object) -> None:
    """A time restore would refuse is never written: the snapshot call fails, naming the clock."""
    model = EcsModel(clock=_Stuck(reading))
    with pytest.raises(
        SnapshotError, match=r"^clock\.now\(\)=.*: a snapshot records a finite time"
    ):
        model.snapshot()


def test_the_framing_never_writes_a_number_json_cannot_hold() -> None:
    """JSON has no NaN or infinity: ``seal`` refuses them rather than write non-JSON."""
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="JSON"):
            _snapshot.seal(b"other-snapshot", {"format": 1, "value": bad})


def test_restore_reads_the_documented_format_line_by_line() -> None:
    """``lifecycle-snapshot 1``, then ``sha256=<hex> length=<n>``, then n bytes of zlib JSON."""
    header, checksum, body = sample().split(b"\n", 2)
    assert header == b"lifecycle-snapshot 1"
    match = re.fullmatch(rb"sha256=([0-9a-f]{64}) length=(\d+)", checksum)
    assert match is not None
    assert int(match.group(2)) == len(body)
    assert hashlib.sha256(body).hexdigest().encode() == match.group(1)
    assert json.loads(zlib.decompress(body))["format"] == 1


def test_bytes_framed_for_another_reader_get_that_readers_message() -> None:
    """``unseal`` is shared with the simulation's snapshots: each names the other's bytes."""
    other = _snapshot.seal(b"other-snapshot", {"format": 1})
    foreign = {b"other-snapshot": "that is another reader's snapshot"}
    with pytest.raises(SnapshotError, match=r"^that is another reader's snapshot$"):
        _snapshot.unseal(other, _snapshot.MAGIC, _snapshot.READABLE, "lifecycle snapshot", foreign)
    with pytest.raises(SnapshotError, match=r"^not a lifecycle snapshot: it does not start with "):
        _snapshot.unseal(
            other, _snapshot.MAGIC, _snapshot.READABLE, "lifecycle snapshot", {b"x": ""}
        )
    body = _snapshot.unseal(other, b"other-snapshot", frozenset({1}), "other snapshot", foreign)
    assert json.loads(zlib.decompress(body)) == {"format": 1}


def test_a_format_no_reader_knows_is_refused_naming_every_format_it_reads() -> None:
    newer = _snapshot.seal(b"other-snapshot", {"format": 5})
    with pytest.raises(
        SnapshotError,
        match=r"^other snapshot format 5 comes from a newer version of lifecycle; "
        r"this version reads format\(s\) 1, 2$",
    ):
        _snapshot.unseal(newer, b"other-snapshot", frozenset({2, 1}), "other snapshot")
