"""Nothing lost: a run saved at any moment and resumed is the run never interrupted.

The property is checked on the trace (every line, byte for byte) and on the
result; then every way a snapshot can be damaged is refused, whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import zlib
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
from lifecycle.simulation._checkpoint import decode, encode, unpack
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
        (lambda d: engine(d).pop("heap"), "KeyError"),
        (lambda d: engine(d).update(heap=[[1.0, 2]]), "ValueError"),
        (lambda d: engine(d).update(money=["lots", "0", "0"]), "InvalidOperation"),
        (lambda d: engine(d).update(status="!!"), "malformed snapshot column"),
        (lambda d: engine(d).update(entered="AAAA"), "malformed snapshot column"),
        (lambda d: engine(d).update(flags=""), "columns disagree in length"),
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
