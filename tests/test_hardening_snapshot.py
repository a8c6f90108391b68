"""Model snapshots never raise anything but SnapshotError, and nothing half-valid loads
(issue 10, item 8): huge header numbers, amounts, non-finite numbers, due entries that
do not match the statuses, and bodies that inflate far beyond their size."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from array import array
from typing import Any

import pytest

from lifecycle import EcsModel, InstanceStatus, ManualClock, SnapshotError
from lifecycle._snapshot import MAX_INFLATION, MIN_DOCUMENT_LIMIT

Document = dict[str, Any]


def sample() -> EcsModel:
    """Two Stopped instances, one Running, one Starting (its due entry pending)."""
    model = EcsModel(seed=3, clock=ManualClock())
    model.create_instances(2, id_prefix="s-", status="Stopped")
    model.create_instance("r-0", status="Running")
    model.create_instance("t-0", status="Stopped")
    model.start_instance("t-0")
    return model


def document(model: EcsModel | None = None) -> Document:
    data = (model or sample()).snapshot()
    loaded: Document = json.loads(zlib.decompress(data.split(b"\n", 2)[2]))
    return loaded


def framed(body: bytes, version: bytes = b"1", length: bytes | None = None) -> bytes:
    digest = hashlib.sha256(body).hexdigest().encode()
    size = str(len(body)).encode() if length is None else length
    return b"lifecycle-snapshot %s\nsha256=%s length=%s\n%s" % (version, digest, size, body)


def seal(doc: Document) -> bytes:
    return framed(zlib.compress(json.dumps(doc).encode()))


def index_of(doc: Document, instance_id: str) -> int:
    position: int = doc["instances"]["ids"].index(instance_id)
    return position


def test_the_sample_restores_when_left_alone() -> None:
    model = sample()
    assert EcsModel.restore(seal(document(model))).snapshot() == model.snapshot()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Issue 10: a header with a 5,000-digit version or length raised a bare ValueError.
        (framed(b"x", version=b"9" * 5_000), "a 5000-digit version"),
        (framed(b"x", length=b"9" * 5_000), "a 5000-digit length"),
    ],
)
def test_a_header_number_of_thousands_of_digits_is_refused_by_name(
    data: bytes, message: str
) -> None:
    with pytest.raises(SnapshotError, match=message):
        EcsModel.restore(data)


@pytest.mark.parametrize("amount", ["", "lots", "NaN", "Infinity", "-Infinity", "sNaN"])
@pytest.mark.parametrize("field", ["balance", "minimum_start_balance"])
def test_an_amount_that_is_not_a_finite_decimal_is_refused(field: str, amount: str) -> None:
    # Issue 10: a balance of "" raised decimal.InvalidOperation.
    doc = document()
    doc["account"][field] = amount
    with pytest.raises(SnapshotError, match=field):
        EcsModel.restore(seal(doc))


def test_a_due_entry_for_a_stable_instance_is_refused() -> None:
    # Issue 10: a due entry for a Stopped instance was accepted, and a later call
    # failed an assertion (through the control surface it stayed Stopping for good).
    doc = document()
    when, sequence, _, request = doc["due"][0]
    doc["due"].append([when, sequence + 1, index_of(doc, "s-0"), request])
    with pytest.raises(SnapshotError, match="one entry for each Pending, Starting or Stopping"):
        EcsModel.restore(seal(doc))


def test_a_transitory_instance_without_its_due_entry_is_refused() -> None:
    doc = document()
    doc["due"] = []
    with pytest.raises(SnapshotError, match="one entry for each"):
        EcsModel.restore(seal(doc))


def test_a_due_entry_that_disagrees_with_settles_at_is_refused() -> None:
    doc = document()
    doc["due"][0][0] += 1.0
    with pytest.raises(SnapshotError, match="settles_at: disagrees"):
        EcsModel.restore(seal(doc))


def test_due_entries_not_in_heap_order_still_settle_in_time_order() -> None:
    model = sample()
    model.start_instance("s-0")
    model.start_instance("s-1")
    doc = document(model)
    doc["due"].reverse()
    restored = EcsModel.restore(seal(doc))
    events: list[Any] = []
    restored.subscribe(events.append)
    restored.advance(3_600)
    assert [e.time for e in events] == sorted(e.time for e in events)
    assert restored.status_counts()[InstanceStatus.RUNNING] == 4


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # Issue 10: inf or NaN in due times, losses or rng state were accepted, and
        # snapshot() then failed.
        (b"NaN", "NaN is not a JSON number"),
        (b"Infinity", "Infinity is not a JSON number"),
        (b"1e400", "too large for a number"),
    ],
)
@pytest.mark.parametrize("where", ["due", "rng"])
def test_a_non_finite_number_is_refused(raw: bytes, message: str, where: str) -> None:
    doc = document()
    marker = 123456.5
    if where == "due":
        doc["due"][0][0] = marker
    else:
        doc["rng"]["duration"][2] = marker
    body = json.dumps(doc).encode().replace(b"123456.5", raw)
    with pytest.raises(SnapshotError, match=message):
        EcsModel.restore(framed(zlib.compress(body)))


@pytest.mark.parametrize("where", ["now", "due"])
def test_an_int_past_the_largest_float_is_refused_by_name(where: str) -> None:
    doc = document()
    if where == "now":
        doc["now"] = 10**400
    else:
        doc["due"][0][0] = 10**400
    with pytest.raises(SnapshotError, match=f"{where}: expected a finite number, got an int of"):
        EcsModel.restore(seal(doc))


def test_a_body_that_inflates_past_the_limit_is_refused_without_inflating_it() -> None:
    # Issue 10: a 306 KB snapshot that inflated to 300 MB was refused only after.
    size = MIN_DOCUMENT_LIMIT + 1
    body = zlib.compress(b'{"now": 0, "pad": "' + b"0" * size + b'"}', 9)
    assert len(body) * MAX_INFLATION < size
    with pytest.raises(SnapshotError, match="inflates past"):
        EcsModel.restore(framed(body))


@pytest.mark.parametrize(
    "body",
    [zlib.compress(b'{"now": 0}')[:-3], zlib.compress(b'{"now": 0}') + b"tail", b"not zlib"],
)
def test_a_stream_cut_short_padded_or_not_zlib_is_refused(body: bytes) -> None:
    with pytest.raises(SnapshotError, match="malformed snapshot body"):
        EcsModel.restore(framed(body))


def test_a_restored_snapshot_snapshots_again() -> None:
    model = sample()
    model.start_instance("s-0")
    restored = EcsModel.restore(model.snapshot())
    assert restored.snapshot() == model.snapshot()
    columns = document(restored)["instances"]
    settles = array("d", base64.b64decode(columns["settles_at"]))
    assert sum(1 for value in settles if value != float("inf")) == 2


@pytest.mark.parametrize(
    "path",
    [("instances", "count"), ("rng", "request", 1, 0), ("durations", "starting", "seconds")],
)
def test_an_int_too_large_for_an_array_or_a_float_is_a_snapshot_error(
    path: tuple[Any, ...],
) -> None:
    # Found by tests/test_fuzz_snapshot.py: OverflowError escaped.
    doc = document()
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = 10**400
    with pytest.raises(SnapshotError, match="OverflowError"):
        EcsModel.restore(seal(doc))


# ---- the keys issue 13 added within format 1: names, AutoRenew, prices, stock, tokens
def _provisioned() -> Document:
    model = EcsModel(seed=5)
    model.set_price("ecs.g7.large", 3)
    model.set_stock("ecs.g7.large", 9)
    model.run_instances(
        instance_type="ecs.g7.large",
        image_id="img",
        instance_charge_type="PrePaid",
        period=1,
        auto_renew=True,
        instance_name="web",
        client_token="t",
    )
    return document(model)


@pytest.mark.parametrize(
    ("where", "bad", "message"),
    [
        (("instances", "names"), [7], "instances.names"),
        (("instances", "names"), "web", "instances.names"),
        (("instances", "auto_renew"), [[0, 1, "Year"]], "instances.auto_renew"),
        (("instances", "auto_renew"), [[5, 1, "Month"]], "instances.auto_renew"),
        (("account", "prices"), [["ecs.g7.large", "Day", "1"]], "account.prices"),
        (("account", "prices"), [["ecs.g7.large", "Month", "lots"]], "account.prices"),
        (("account", "stock"), [1], "account.stock"),
        (("account", "stock"), {"ecs.g7.large": "many"}, "account.stock"),
        (("tokens",), {"t": 1}, "tokens: expected a list"),
        (("tokens",), [["RunInstances", "t", "{}"]], "tokens: expected"),
        (("tokens",), [["RunInstances", 5, "{}", {}]], "tokens.token"),
    ],
)
def test_a_corrupted_provisioning_key_is_a_snapshot_error(
    where: tuple[str, ...], bad: object, message: str
) -> None:
    doc = _provisioned()
    EcsModel.restore(seal(doc))  # as written, it loads
    target = doc
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = bad
    with pytest.raises(SnapshotError, match=message):
        EcsModel.restore(seal(doc))


def test_a_snapshot_from_before_the_provisioning_keys_reads_as_none_set() -> None:
    doc = _provisioned()
    for key in ("names", "auto_renew"):
        del doc["instances"][key]
    for key in ("prices", "stock"):
        del doc["account"][key]
    del doc["tokens"]
    restored = EcsModel.restore(seal(doc))
    (instance_id,) = restored.instance_ids()
    assert restored.describe_instance_attribute(instance_id).instance.instance_name == instance_id
    assert restored.run_instances(instance_type="ecs.g7.large", image_id="img").trade_price == 0.0
