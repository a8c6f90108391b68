"""Fuzzing snapshots (issue 10, "Proof"): damaged bytes and well-framed documents with any
field replaced by any JSON value are refused with ``SnapshotError``, or load into a model
(or simulation) that works: it settles, answers, and snapshots again. Nothing else escapes,
and nothing is half-loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle import (
    ApiError,
    Durations,
    EcsModel,
    Exponential,
    FaultRule,
    Fixed,
    InvalidArgument,
    ManualClock,
    SnapshotError,
    Uniform,
)
from lifecycle.simulation import Simulation, load_workload

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workloads"


def model_bytes() -> bytes:
    model = EcsModel(
        seed=7,
        clock=ManualClock(),
        durations=Durations(pending=Fixed(10), starting=Uniform(5, 40), stopping=Exponential(12)),
    )
    model.create_instances(3, id_prefix="s-", status="Stopped")
    model.create_instances(2, id_prefix="r-", status="Running", instance_type="ecs.d1.2xlarge")
    model.start_instance("s-0")
    model.stop_instance("r-0", force_stop=True)
    model.add_fault(FaultRule(kind="throttle", action="StopInstance", count=3))
    model.lock("s-1", reason="security")
    return model.snapshot()


def simulation_bytes() -> bytes:
    workload = replace(load_workload(EXAMPLES / "busy.toml").scaled(40), days=0.2)
    simulation = Simulation(workload, seed=2)
    simulation.run(until=0.05 * 86_400)
    return simulation.snapshot()


MODEL = model_bytes()
SIMULATION = simulation_bytes()


def split(data: bytes) -> tuple[bytes, Any]:
    magic = data.split(b" ", 1)[0]
    return magic, json.loads(zlib.decompress(data.split(b"\n", 2)[2]))


def frame(magic: bytes, document: Any) -> bytes:
    body = zlib.compress(json.dumps(document).encode())
    digest = hashlib.sha256(body).hexdigest().encode()
    return b"%s 1\nsha256=%s length=%d\n%s" % (magic, digest, len(body), body)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, containers and leaves, shallow first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:4]):  # a few of each list: enough places
            found += paths(item, (*prefix, index))
    return found


MODEL_PATHS = paths(split(MODEL)[1])[1:]
SIMULATION_PATHS = paths(split(SIMULATION)[1])[1:]

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(-(2**70), 2**70),
        st.just(10**400),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(["", "AAAA", "!!", "nan", "Infinity", "Running", "0", "-1"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


def exercise_model(model: EcsModel) -> None:
    """A loaded model works: it settles, answers every instance, and snapshots again."""
    for instance_id in model.instance_ids():
        model.instance(instance_id)
        for call in (model.start_instance, model.stop_instance, model.reboot_instance):
            with contextlib.suppress(ApiError):
                call(instance_id)
    model.advance(3_600)
    model.status_counts()
    assert EcsModel.restore(model.snapshot()).snapshot() == model.snapshot()


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(path=st.sampled_from(MODEL_PATHS), value=JSON_VALUES)
def test_a_model_document_with_any_field_replaced_is_refused_or_works(
    path: tuple[Any, ...], value: Any
) -> None:
    magic, document = split(MODEL)
    data = frame(magic, replaced(document, path, value))
    try:
        model = EcsModel.restore(data)
    except SnapshotError:
        return
    exercise_model(model)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    cut=st.integers(0, len(MODEL)),
    flips=st.lists(st.tuples(st.integers(0, len(MODEL) - 1), st.integers(1, 255)), max_size=3),
    junk=st.binary(max_size=8),
)
def test_damaged_model_bytes_are_refused_or_load_whole(
    cut: int, flips: list[tuple[int, int]], junk: bytes
) -> None:
    data = bytearray(MODEL[:cut] + junk + MODEL[cut:])
    for position, mask in flips:
        if position < len(data):
            data[position] ^= mask
    try:
        model = EcsModel.restore(bytes(data))
    except SnapshotError:
        return
    exercise_model(model)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=30)
@given(path=st.sampled_from(SIMULATION_PATHS), value=JSON_VALUES)
def test_a_simulation_document_with_any_field_replaced_is_refused_or_runs(
    path: tuple[Any, ...], value: Any
) -> None:
    magic, document = split(SIMULATION)
    data = frame(magic, replaced(document, path, value))
    try:
        simulation = Simulation.restore(data)
    except (SnapshotError, InvalidArgument):
        return
    result = simulation.run()
    assert simulation.finished
    assert result.summary.elapsed == simulation.now
    Simulation.restore(simulation.snapshot())


@pytest.mark.parametrize("data", [MODEL, SIMULATION], ids=["model", "simulation"])
def test_the_fuzzed_documents_load_when_left_alone(data: bytes) -> None:
    magic, document = split(data)
    if magic == b"lifecycle-snapshot":
        exercise_model(EcsModel.restore(frame(magic, document)))
    else:
        Simulation.restore(frame(magic, document)).run()
