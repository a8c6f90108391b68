"""Nothing lost: a run saved at any moment and resumed is the run never interrupted.

The property is checked on the trace (every line, byte for byte) and on the
result; then every way a snapshot can be damaged is refused, whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
import zlib
from array import array
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle import InvalidArgument, SnapshotError
from lifecycle._cli import main
from lifecycle.simulation import (
    Simulation,
    SimulationResult,
    Workload,
    load_workload,
    simulate,
)
from lifecycle.simulation._checkpoint import (
    MAX_INFLATION,
    MIN_DOCUMENT_LIMIT,
    decode,
    encode,
    unpack,
)
from lifecycle.simulation._engine import snapshot_accounts, snapshot_all
from lifecycle.simulation._runner import Interrupted, checkpoint, resume

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workloads"
DAY = 86_400.0


def small_busy() -> Workload:
    return replace(load_workload(EXAMPLES / "busy.toml").scaled(120), days=1.0)


BUSY = small_busy()


def uninterrupted(seed: int) -> tuple[list[str], SimulationResult]:
    lines: list[str] = []
    result = Simulation(BUSY, seed=seed, on_trace=lines.append).run()
    return lines, result


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 3),
    cuts=st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=3).map(sorted),
)
def test_interrupted_and_resumed_equals_uninterrupted(seed: int, cuts: list[float]) -> None:
    expected_lines, expected = uninterrupted(seed)
    lines: list[str] = []
    simulation = Simulation(BUSY, seed=seed, on_trace=lines.append)
    for cut in cuts:
        simulation.run(until=cut * BUSY.seconds)
        data = simulation.snapshot()
        del simulation  # nothing survives but the bytes
        simulation = Simulation.restore(data, on_trace=lines.append)
    assert simulation.run() == expected
    assert lines == expected_lines


def test_a_restored_run_answers_its_model_exactly_as_before() -> None:
    simulation = Simulation(BUSY, seed=1)
    simulation.run(until=0.4 * DAY)
    restored = Simulation.restore(simulation.snapshot())
    assert restored.now == simulation.now
    assert restored.result() == simulation.result()
    assert restored.model.status_counts() == simulation.model.status_counts()
    assert restored.model.account == simulation.model.account
    assert restored.model.snapshot() == simulation.model.snapshot()
    assert restored.snapshot() == simulation.snapshot()


def test_a_partial_result_says_how_far_the_run_got() -> None:
    partial = Simulation(BUSY, seed=1).run(until=0.25 * DAY).summary
    assert partial.elapsed == 0.25 * DAY
    assert partial.seconds == DAY
    assert partial.render().startswith("Simulated 120 instances for 0.25 of 1 days")
    assert sum(partial.status_seconds.values()) == pytest.approx(120 * 0.25 * DAY)


def test_every_account_of_a_run_fits_in_one_snapshot() -> None:
    workload = replace(load_workload(EXAMPLES / "two-accounts.toml").scaled(200), days=1)
    (expected,) = simulate(workload, [9])
    runs = [Simulation(workload, seed=9, account=a.name) for a in workload.accounts]
    for run in runs:
        run.run(until=0.5 * DAY)
    data = snapshot_all(runs)
    assert snapshot_accounts(data) == ["team-a", "team-b"]
    with pytest.raises(InvalidArgument, match="several accounts"):
        Simulation.restore(data)
    with pytest.raises(InvalidArgument, match="holds team-a, team-b"):
        Simulation.restore(data, account="team-c")
    resumed = [Simulation.restore(data, account=a).run() for a in ("team-a", "team-b")]
    assert SimulationResult.combine(resumed) == expected


def test_snapshot_all_refuses_simulations_of_different_runs() -> None:
    with pytest.raises(InvalidArgument, match="at least one"):
        snapshot_all([])
    one, other = Simulation(BUSY, seed=1), Simulation(BUSY, seed=2)
    with pytest.raises(InvalidArgument, match="not of one run"):
        snapshot_all([one, other])


# ------------------------------------------------------------------ damage
@pytest.fixture(scope="module")
def saved() -> bytes:
    simulation = Simulation(BUSY, seed=5)
    simulation.run(until=0.3 * DAY)
    return simulation.snapshot()


def reframed(data: bytes, change: Any) -> bytes:
    """``data`` with its document changed by ``change`` and framed again, checksum and all."""
    document = decode(data)
    change(document)
    return encode({k: v for k, v in document.items() if k != "format"})


def engine(document: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = document["accounts"][0]["engine"]
    return state


def test_anything_but_bytes_is_a_usage_error() -> None:
    with pytest.raises(InvalidArgument, match="expected the bytes"):
        Simulation.restore("lifecycle-simulation 1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: b"hello" + d, "not a simulation snapshot"),
        (lambda d: d.replace(b"simulation 1", b"simulation 2", 1), "format 2 comes from a newer"),
        (
            lambda d: d.replace(b"simulation 1", b"simulation 0", 1),
            "format 0 comes from an unknown",
        ),
        (lambda d: d.replace(b"sha256=", b"sha255=", 1), "checksum line"),
        (lambda d: d[:-10], "truncated or padded"),
        (lambda d: d + b"\0", "truncated or padded"),
        (lambda d: d[:-5] + bytes([d[-5] ^ 1]) + d[-4:], "does not match its sha256"),
    ],
)
def test_damaged_bytes_are_refused_saying_how(saved: bytes, damage: Any, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        Simulation.restore(damage(saved))


def test_a_model_snapshot_is_pointed_to_the_model() -> None:
    data = Simulation(BUSY, seed=1).model.snapshot()
    with pytest.raises(SnapshotError, match=r"use EcsModel\.restore"):
        Simulation.restore(data)


def framed(body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest().encode()
    return b"lifecycle-simulation 1\nsha256=%s length=%d\n%s" % (digest, len(body), body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not zlib", "malformed snapshot body"),
        (zlib.compress(b"{not json"), "malformed snapshot body"),
        (zlib.compress(b"[1, 2]"), "format field disagrees"),
        (zlib.compress(b'{"format": 2}'), "format field disagrees"),
        (zlib.compress(b'{"format": 1, "accounts": []}'), "not a list of accounts"),
        (zlib.compress(b'{"format": 1, "accounts": [{"x": 1}]}'), "not a list of accounts"),
    ],
)
def test_a_well_framed_but_malformed_body_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        Simulation.restore(framed(body))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("workload"), "KeyError"),
        (lambda d: d.update(workload="days = 'x'"), r"at least one \[\[groups\]\]"),
        (lambda d: engine(d).pop("heap"), r"engine\.heap: expected a list, got None"),
        (lambda d: engine(d).update(heap=[[1.0, 2]]), r"heap\[0\]: expected a list of 5"),
        (lambda d: engine(d).update(money=["lots", "0", "0"]), r"money\[0\]: expected a finite"),
        (lambda d: engine(d).update(status="!!"), "status: expected base64 of a column"),
        (lambda d: engine(d).update(entered="AAAA"), "entered: expected base64 of a column"),
        (
            lambda d: engine(d).update(flags=""),
            "columns disagree in length",
        ),
        (lambda d: d["accounts"][0].update(model="AAAA"), "not a lifecycle snapshot"),
        (
            lambda d: d.update(workload=d["workload"].replace("count = 84", "count = 85")),
            "the model holds 120 instances, the workload 121",
        ),
    ],
)
def test_a_body_that_does_not_hold_a_run_is_refused(
    saved: bytes, change: Any, message: str
) -> None:
    with pytest.raises(SnapshotError, match=message):
        Simulation.restore(reframed(saved, change))


def test_the_document_is_what_the_format_says(saved: bytes) -> None:
    document = decode(saved)
    assert document["format"] == 1
    assert document["seed"] == 5
    assert json.loads(json.dumps(document)) == document
    (entry,) = document["accounts"]
    assert entry["account"] == "default"
    assert base64.b64decode(entry["model"]).startswith(b"lifecycle-snapshot 1\n")
    assert len(unpack(entry["engine"]["entered"], "d")) == 120
    assert entry["engine"]["t"] == 0.3 * DAY


# ---------------------------------------------------------- runner and CLI
def test_checkpoint_and_resume_continue_one_trace_file(tmp_path: Path) -> None:
    whole = tmp_path / "whole.jsonl"
    (expected,) = simulate(BUSY, [4], trace=whole)
    part = tmp_path / "part.jsonl"
    saved_at = checkpoint(BUSY, 4, until=0.6 * DAY, path=tmp_path / "run.snap", trace=part)
    assert saved_at.summary.elapsed == 0.6 * DAY
    seen: list[float] = []
    assert resume(tmp_path / "run.snap", trace=part, on_progress=seen.append) == expected
    assert part.read_bytes() == whole.read_bytes()
    assert seen[-1] == 1.0


def test_a_trace_across_a_snapshot_needs_one_account(tmp_path: Path) -> None:
    workload = replace(load_workload(EXAMPLES / "two-accounts.toml").scaled(50), days=0.2)
    with pytest.raises(InvalidArgument, match="one account"):
        checkpoint(workload, 1, until=100, path=tmp_path / "s", trace=tmp_path / "t")
    seen: list[float] = []
    checkpoint(workload, 1, until=100, path=tmp_path / "s", on_progress=seen.append)
    assert seen
    with pytest.raises(InvalidArgument, match="one account"):
        resume(tmp_path / "s", trace=tmp_path / "t")
    assert resume(tmp_path / "s").summary.accounts == ("team-a", "team-b")
    with pytest.raises(InvalidArgument, match="snapshot file"):
        resume(tmp_path / "missing")


def test_the_command_line_saves_and_resumes_to_the_same_bytes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    common = ["simulate", "--instances", "300", "--days", "1", "--no-progress"]
    assert main([*common, "--trace", str(tmp_path / "whole.jsonl")]) == 0
    whole = capsys.readouterr().out
    snap, trace = str(tmp_path / "run.snap"), str(tmp_path / "part.jsonl")
    assert main([*common, "--trace", trace, "--snapshot", snap, "--until", "0.4"]) == 0
    saved = capsys.readouterr()
    assert saved.out.startswith("Simulated 300 instances for 0.4 of 1 days")
    assert f"--resume {snap}" in saved.err
    assert main(["simulate", "--resume", snap, "--trace", trace, "--no-progress"]) == 0
    resumed = capsys.readouterr()
    assert resumed.out == whole
    assert resumed.err.startswith("resumed run finished in")
    assert Path(trace).read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--snapshot", "x"], "go together"),
        (["--until", "1"], "go together"),
        (["--snapshot", "x", "--until", "1", "--seeds", "2"], "saves one run"),
        (["--resume", "x", "--days", "2"], "drop --days"),
        (["--resume", "x", "--seeds", "2"], "drop --seeds"),
        (["--resume", "no-such.snap"], "snapshot file"),
    ],
)
def test_snapshot_flags_are_checked(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["simulate", *argv]) == 2
    assert message in capsys.readouterr().err


def test_resuming_a_damaged_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.snap"
    bad.write_bytes(b"lifecycle-simulation 1\nsha256=00 length=0\n")
    assert main(["simulate", "--resume", str(bad)]) == 2
    assert "checksum line" in capsys.readouterr().err


# ------------------------------------------------- interruptible runs (issue 10, item 9)
class Once(threading.Event):
    """An interrupt that is set the first time it is looked at (after the first slice)."""

    def is_set(self) -> bool:
        self.set()
        return True


def test_a_run_that_may_be_interrupted_but_is_not_is_the_same_run(tmp_path: Path) -> None:
    whole, sliced = tmp_path / "whole.jsonl", tmp_path / "sliced.jsonl"
    expected = simulate(BUSY, [3], trace=whole)
    assert simulate(BUSY, [3], trace=sliced, interrupt=threading.Event()) == expected
    assert sliced.read_bytes() == whole.read_bytes()


def test_an_interrupted_run_says_how_far_it_got_and_marks_its_trace(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    with pytest.raises(Interrupted) as caught:
        simulate(BUSY, [3], trace=trace, interrupt=Once())
    stopped = caught.value
    assert stopped.seconds == pytest.approx(DAY / 1000)
    assert stopped.end == DAY
    assert stopped.where == f"seed 3, account {BUSY.accounts[0].name}"
    assert stopped.result.summary.elapsed == stopped.seconds
    last = json.loads(trace.read_text(encoding="utf-8").splitlines()[-1])
    assert last == {"t": stopped.seconds, "type": "interrupted", "partial": True, "until": DAY}


def test_an_interrupted_run_without_a_trace_still_has_its_partial_result() -> None:
    with pytest.raises(Interrupted) as caught:
        simulate(BUSY, [3], interrupt=Once())
    assert caught.value.result.summary.elapsed == pytest.approx(DAY / 1000)


def test_an_interrupted_run_of_two_accounts_keeps_the_trace_it_wrote(tmp_path: Path) -> None:
    workload = replace(load_workload(EXAMPLES / "two-accounts.toml").scaled(50), days=0.2)
    trace = tmp_path / "t.jsonl"
    with pytest.raises(Interrupted):
        simulate(workload, [1], trace=trace, interrupt=Once())
    assert json.loads(trace.read_text(encoding="utf-8").splitlines()[-1])["partial"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.jsonl"]  # no part left behind
    with pytest.raises(Interrupted):
        simulate(workload, [1], interrupt=Once())


def test_an_interrupted_checkpoint_saves_nothing_and_an_interrupted_resume_stops(
    tmp_path: Path,
) -> None:
    snap = tmp_path / "run.snap"
    with pytest.raises(Interrupted):
        checkpoint(BUSY, 4, until=0.6 * DAY, path=snap, interrupt=Once())
    assert not snap.exists()
    checkpoint(BUSY, 4, until=0.6 * DAY, path=snap)
    with pytest.raises(Interrupted) as caught:
        resume(snap, interrupt=Once())
    assert caught.value.where.startswith("resumed, account ")
    assert caught.value.seconds == pytest.approx(0.6 * DAY + DAY / 1000)


# ------------------------------------- every value checked first (issue 10, item 8)
def heap0(d: dict[str, Any], entry: list[Any]) -> None:
    state = engine(d)
    state["heap"][0] = entry if len(entry) == 5 else [state["t"] + 1, 1, *entry]


def column(typecode: str, values: list[Any]) -> str:
    return base64.b64encode(array(typecode, values).tobytes()).decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # Issue 10: a heap event of kind 99, group 99 or status code 200 crashed mid-run.
        (lambda d: heap0(d, [99, 0, 0]), r"heap\[0\]\[2\]: expected an int from 0 to 14, got 99"),
        (lambda d: heap0(d, [0, 99, 0]), r"heap\[0\]\[3\]: expected an int from 0 to 2, got 99"),
        (lambda d: engine(d).update(status=column("B", [200] * 120)), "status codes below 5"),
        # ... and an engine clock of "nan" ran and reported success.
        (lambda d: engine(d).update(t="nan"), r"engine\.t: expected a finite number"),
        (lambda d: engine(d).update(t=1e12), r"engine\.t: expected a finite number"),
        (lambda d: heap0(d, [0, 0, 3]), "a stream of kind 0"),
        (lambda d: heap0(d, [1, 0, 0]), "a stream of kind 1"),
        (lambda d: heap0(d, [3, 10**6, 0]), r"heap\[0\]\[3\]: expected an int from 0 to 119"),
        (lambda d: heap0(d, [5, 7, 0]), r"heap\[0\]\[3\]: expected an int from 0 to 2"),
        (lambda d: heap0(d, [11, 337, 0]), r"heap\[0\]\[3\]: expected an int from 0 to 336"),
        (lambda d: heap0(d, [9, -1, 0]), r"heap\[0\]\[3\]: expected an int >= 0"),
        (lambda d: heap0(d, [8, 0, "x"]), r"heap\[0\]\[4\]: expected an int, got 'x'"),
        (lambda d: heap0(d, [0.0, 1, 8, 0, 0]), r"heap\[0\]\[0\]: expected a finite number from"),
        (lambda d: heap0(d, [1e9, 10**9, 8, 0, 0]), r"heap\[0\]\[1\]: expected an int from 0"),
        (lambda d: engine(d)["platform_rng"].__setitem__(2, "x"), r"platform_rng\[2\]"),
        (lambda d: engine(d)["platform_rng"][1].__setitem__(0, 2**32), r"platform_rng\[1\]"),
        (lambda d: engine(d)["platform_rng"].__setitem__(0, 99), "a random generator's state"),
        (lambda d: engine(d).update(groups=[]), r"groups: expected a list of 3, got \[\]"),
        (lambda d: engine(d)["groups"].__setitem__(0, 1), r"groups\[0\]: expected an object"),
        (lambda d: engine(d)["groups"][0]["run"].__setitem__(0, 10**6), r"run\[0\]"),
        (lambda d: engine(d)["groups"][0]["run"].__setitem__(1, -1.0), r"run\[1\]"),
        (
            lambda d: engine(d)["groups"][0].update(expiry_order="!"),
            "expiry_order: expected base64",
        ),
        (
            lambda d: engine(d)["groups"][0].update(expiry_order=column("q", [0])),
            "expiry_order: expected instance positions, one per expiry time",
        ),
        (
            lambda d: engine(d)["groups"][0].update(
                expiry_order=column("q", [0]), expiry_times=column("d", [math.inf])
            ),
            "expiry_times: expected finite times",
        ),
        (lambda d: engine(d)["groups"][0].update(expiry_position=5), "expiry_position"),
        (lambda d: engine(d).update(money=["Infinity", "0", "0"]), r"money\[0\]"),
        (lambda d: engine(d).update(money=[5, "0", "0"]), r"money\[0\]"),
        (lambda d: engine(d).update(money=["", "0", "0"]), r"money\[0\]"),
        (lambda d: engine(d)["arrears"].__setitem__(0, 1), r"arrears\[0\]: expected true or false"),
        (lambda d: engine(d).update(overdue_stopped=column("q", [10**6])), "overdue_stopped"),
        (
            lambda d: engine(d)["calls"][0].__setitem__(0, []),
            r"calls\[0\]\[0\]: expected an object",
        ),
        (lambda d: engine(d)["calls"][0][0].update(OK=-1), r"calls\[0\]\[0\]\.OK"),
        (lambda d: engine(d).update(longest=[0.0] * 4), "longest: expected a list of 5"),
        (lambda d: engine(d).update(events=-1), r"events: expected an int >= 0"),
        (lambda d: engine(d).update(samples=engine(d)["samples"] * 400), "at most 337 samples"),
        (lambda d: engine(d)["samples"].__setitem__(0, [[0]]), r"samples\[0\]: expected a list"),
        (lambda d: engine(d)["sample_arrears"].__setitem__(0, 2), "sample_arrears"),
        (lambda d: engine(d)["counts"][0].__setitem__(0, -1), r"counts\[0\]"),
        (lambda d: engine(d)["seconds"][0].__setitem__(0, "x"), r"seconds\[0\]"),
        (lambda d: engine(d).update(entered=column("d", [1e12] * 120)), "entered"),
        (lambda d: engine(d).update(disk_tokens=[[10**6, 1]]), r"disk_tokens\[0\]\[0\]"),
        (lambda d: engine(d).update(disk_tokens=[[0, "x"]]), r"disk_tokens\[0\]\[1\]"),
        (lambda d: d["accounts"][0].update(model="!!"), r"accounts\[0\]\.model: expected base64"),
        (lambda d: d["accounts"][0].update(engine=1), r"accounts\[0\]\.engine: expected an object"),
        (lambda d: d.update(seed="x"), "seed: expected an int"),
    ],
)
def test_every_value_is_checked_before_anything_is_built(
    saved: bytes, change: Any, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[object] = []
    monkeypatch.setattr(Simulation, "_configure", lambda *args: built.append(args))
    with pytest.raises(SnapshotError, match=message):
        Simulation.restore(reframed(saved, change))
    assert built == []


def test_an_unknown_account_is_refused(saved: bytes) -> None:
    with pytest.raises(SnapshotError):
        Simulation.restore(reframed(saved, lambda d: d["accounts"][0].update(account="nobody")))


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_a_non_finite_constant_is_refused(constant: bytes) -> None:
    body = zlib.compress(b'{"format": 1, "seed": ' + constant + b"}")
    with pytest.raises(SnapshotError, match="is not a JSON number"):
        Simulation.restore(framed(body))


def test_a_body_that_inflates_past_the_limit_is_refused_without_inflating_it() -> None:
    # Issue 10: a 306 KB snapshot that inflated to 300 MB was refused only after.
    size = MIN_DOCUMENT_LIMIT + 1
    body = zlib.compress(b'{"format": 1, "pad": "' + b"0" * size + b'"}', 9)
    assert len(body) * MAX_INFLATION < size
    with pytest.raises(SnapshotError, match="inflates past 16,777,216 bytes"):
        Simulation.restore(framed(body))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (zlib.compress(b'{"format": 1}')[:-3], "cut short or padded"),
        (zlib.compress(b'{"format": 1}') + b"more", "cut short or padded"),
    ],
)
def test_a_stream_cut_short_or_padded_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        Simulation.restore(framed(body))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # Found by tests/test_fuzz_snapshot.py: TypeError and ValueError escaped.
        (lambda d: d["accounts"][0].update(account=[]), "not a list of accounts"),
        (lambda d: d["accounts"][0].update(model={"\xa1": None}), r"model: expected base64"),
        (lambda d: d.update(workload=None), "workload: expected the workload as TOML"),
    ],
)
def test_a_field_of_the_wrong_type_is_a_snapshot_error(
    saved: bytes, change: Any, message: str
) -> None:
    with pytest.raises(SnapshotError, match=message):
        Simulation.restore(reframed(saved, change))


@pytest.mark.parametrize("version", [[], {}, True, "1", 1.0])
def test_a_format_field_of_the_wrong_type_is_a_snapshot_error(version: object) -> None:
    # Found by tests/test_fuzz_snapshot.py: an unhashable format raised TypeError.
    body = zlib.compress(json.dumps({"format": version, "accounts": []}).encode())
    with pytest.raises(SnapshotError, match="format field disagrees"):
        Simulation.restore(framed(body))


@pytest.mark.parametrize("until", [math.nan, math.inf, -1.0, True, "1"])
def test_a_checkpoint_time_that_is_not_finite_is_refused(tmp_path: Path, until: Any) -> None:
    # Found by planting: checkpoint(until=nan) saved "day nan", and an interruptible
    # run toward nan never reached it.
    with pytest.raises(InvalidArgument, match="until="):
        checkpoint(BUSY, 1, until=until, path=tmp_path / "s")
    assert list(tmp_path.iterdir()) == []


def test_a_checkpoint_past_the_run_s_end_stops_at_the_end(tmp_path: Path) -> None:
    # Found by planting: an interruptible run toward a time past the end never got there.
    result = checkpoint(BUSY, 1, until=3 * DAY, path=tmp_path / "s", interrupt=threading.Event())
    assert result.summary.elapsed == DAY
    assert result == checkpoint(BUSY, 1, until=3 * DAY, path=tmp_path / "t")
