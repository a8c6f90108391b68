"""``lifecycle simulate``: same seed, same bytes; errors as exit code 2; a bar on terminals only."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lifecycle._cli import _parser, main
from lifecycle.simulation import _cli as simulation_cli
from lifecycle.simulation import default_workload, load_workload, parse_workload
from lifecycle.simulation._cli import ProgressBar, run_command, wants_progress

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = REPO_ROOT / "examples" / "workloads"
SMALL = ["simulate", "--instances", "400", "--days", "1", "--no-progress"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_same_seed_writes_the_same_bytes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outputs = []
    for name in ("first", "second"):
        trace, plot = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.svg"
        code, out, _ = run(
            capsys, *SMALL, "--seed", "42", "--trace", str(trace), "--plot", str(plot)
        )
        assert code == 0
        outputs.append((out, trace.read_bytes(), plot.read_bytes()))
    assert outputs[0] == outputs[1]
    out, trace_bytes, plot_bytes = outputs[0]
    assert out.startswith("Simulated 400 instances for 1 days (seed 42; 1 account)")
    assert len(trace_bytes.splitlines()) > 100
    assert plot_bytes.startswith(b"<svg")


def test_another_seed_prints_another_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, *SMALL, "--seed", "1")[1] != run(capsys, *SMALL, "--seed", "2")[1]


def test_stdout_holds_the_summary_and_stderr_the_timing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, err = run(capsys, *SMALL)
    assert "Calls by outcome" in out
    assert "events and transitions per second" not in out
    assert err.startswith("1 run in ")
    assert "events and transitions per second" in err


def test_json_output_is_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, *SMALL, "--json")
    data = json.loads(out)
    assert data["instances"] == 400
    assert data["seed"] == 42
    _, out, _ = run(capsys, *SMALL, "--json", "--seeds", "2")
    assert [d["seed"] for d in json.loads(out)] == [42, 43]


def test_several_seeds_in_a_pool_print_a_comparison_and_write_one_file_each(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [*SMALL, "--seeds", "2", "--seed", "7", "--plot", str(tmp_path / "p.svg")]
    code, pooled, _ = run(capsys, *argv, "--jobs", "2")
    assert code == 0
    assert pooled.startswith("2 seeds, 400 instances, 1 days each")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p-seed7.svg", "p-seed8.svg"]
    _, alone, _ = run(capsys, *argv, "--jobs", "1")
    assert pooled == alone


def test_a_workload_file_with_instances_and_days(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--workload", str(EXAMPLES / "two-accounts.toml"), "--instances", "300"]
    code, out, _ = run(capsys, *argv, "--days", "0.5", "--no-progress")
    assert code == 0
    assert out.startswith("Simulated 300 instances for 0.5 days (seed 42; 2 accounts)")


def test_a_workload_file_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--workload", str(EXAMPLES / "two-accounts.toml"), "--show-workload"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert parse_workload(out) == load_workload(EXAMPLES / "two-accounts.toml")


def test_show_workload_prints_toml_that_reads_back(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", "--show-workload", "--instances", "1000", "--days", "2")
    assert code == 0
    workload = parse_workload(out)
    assert workload.instances == 1000
    assert workload.days == 2
    _, out, _ = run(capsys, "simulate", "--show-workload")
    assert parse_workload(out) == default_workload(10_000)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "0"], "--seeds 0"),
        (["--jobs", "-1"], "--jobs -1"),
        (["--instances", "-5"], "instances=-5"),
        (["--days", "0"], "days=0"),
        (["--workload", "no/such/file.toml"], "no/such/file.toml"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "simulate", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("lifecycle simulate: error: ")
    assert message in err


def test_python_m_lifecycle_simulate_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lifecycle", *SMALL[:-1], "--instances", "50"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    assert done.stdout.startswith("Simulated 50 instances")
    # Piped: no progress bar, only the timing line.
    assert "\r" not in done.stderr


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_is_drawn_on_a_terminal_only_and_never_under_ci() -> None:
    assert wants_progress(FakeTerminal(), {})
    assert not wants_progress(FakeTerminal(), {"CI": "true"})
    assert wants_progress(FakeTerminal(), {"CI": ""})
    assert not wants_progress(io.StringIO(), {})


def test_the_bar_redraws_in_place_and_erases_itself() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, "simulating")
    bar(0.0)
    bar(0.5)
    bar(0.5)  # unchanged: not redrawn
    bar(1.0)
    drawn = stream.getvalue().split("\r")[1:]
    assert len(drawn) == 3
    assert "[" + "#" * 15 + "." * 15 + "]" in drawn[1]
    assert " 50.0 %" in drawn[1]
    assert "100.0 %" in drawn[2]
    bar.close()
    assert stream.getvalue().endswith("\r")


def test_progress_on_request_goes_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, err = run(capsys, *SMALL[:-1], "--progress")
    assert "\r" not in out
    assert "simulating [" in err


# ------------------------------------------- checked before any work (issue 10, item 9)
@pytest.mark.parametrize("flag", ["--trace", "--plot"])
def test_an_output_into_a_missing_directory_is_refused_before_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str
) -> None:
    # It was a traceback after the whole run, and the summary was lost.
    code, out, err = run(capsys, *SMALL, flag, str(tmp_path / "missing" / "file"))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"lifecycle simulate: error: {flag} ")
    assert "no directory" in err


def test_a_snapshot_into_a_missing_directory_is_refused_before_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [*SMALL, "--snapshot", str(tmp_path / "no" / "x.snap"), "--until", "0.5"]
    code, out, err = run(capsys, *argv)
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "--snapshot" in err


def test_an_output_that_is_a_directory_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, *SMALL, "--trace", str(tmp_path))
    assert code == 2
    assert "is a directory" in err


def test_every_seed_s_output_is_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "t-seed43.jsonl").mkdir()
    code, _, err = run(capsys, *SMALL, "--seeds", "2", "--trace", str(tmp_path / "t.jsonl"))
    assert code == 2
    assert "t-seed43.jsonl: is a directory" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_trace_that_cannot_be_written_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # It was an OSError traceback.
    code, _, err = run(capsys, *SMALL, "--trace", "/dev/full")
    assert code == 2
    assert err.count("\n") == 1
    assert "cannot write --trace /dev/full: No space left on device" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--days", "4", "--until", "9"], "--until 9: expected a day from 0 to before"),
        (["--days", "4", "--until", "4"], "--until 4:"),
        (["--until", "-1"], "--until -1:"),
        (["--until", "nan"], "--until nan:"),
        (["--seeds", "10001"], "--seeds 10001: expected 1 to 10,000"),
    ],
)
def test_a_value_out_of_range_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    if "--until" in argv:
        argv = [*argv, "--snapshot", str(tmp_path / "x.snap")]
    code, out, err = run(capsys, "simulate", "--instances", "10", "--no-progress", *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert message in err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ Ctrl-C
class InterruptingStream(io.StringIO):
    """A progress stream that presses Ctrl-C (a real SIGINT) once the bar passes ``at``."""

    def __init__(self, at: float) -> None:
        super().__init__()
        self.at = at
        self.sent = False

    def write(self, text: str) -> int:
        shown = text.rsplit("]", maxsplit=1)[-1].split("%", maxsplit=1)[0] if "%" in text else ""
        if not self.sent and shown and float(shown) >= self.at:
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)
        return super().write(text)

    def isatty(self) -> bool:
        return True


def test_ctrl_c_prints_the_partial_summary_and_keeps_a_marked_partial_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # It was a 30-line traceback and no summary.
    handler = signal.getsignal(signal.SIGINT)  # SIG_IGN in a job a shell put in the background
    full = tmp_path / "full.jsonl"
    assert run(capsys, *SMALL, "--trace", str(full))[0] == 0
    partial = tmp_path / "partial.jsonl"
    args = _parser().parse_args(
        ["simulate", "--instances", "400", "--days", "1", "--progress", "--trace", str(partial)]
    )
    out, err = io.StringIO(), InterruptingStream(at=30.0)
    assert run_command(args, stdout=out, stderr=err) == 130
    assert err.sent
    assert out.getvalue().startswith("Simulated 400 instances for")
    message = err.getvalue().rsplit("\r", 1)[-1]
    assert "lifecycle simulate: interrupted at day 0." in message
    assert "of 1 (seed 42, account " in message
    assert "the summary above is partial" in message
    assert "--snapshot FILE --until DAY" in message
    lines = partial.read_text(encoding="utf-8").splitlines()
    last = json.loads(lines[-1])
    assert (last["type"], last["partial"]) == ("interrupted", True)
    assert 0 < last["t"] < 86_400
    # Everything before the marker is exactly the uninterrupted run's trace so far.
    expected = full.read_text(encoding="utf-8").splitlines()
    assert lines[:-1] == expected[: len(lines) - 1]
    assert len(lines) - 1 < len(expected)
    assert signal.getsignal(signal.SIGINT) is handler  # put back as it was


def test_ctrl_c_in_a_pool_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(simulation_cli, "simulate", interrupted)
    code, out, err = run(capsys, *SMALL, "--seeds", "2", "--jobs", "2")
    assert (code, out) == (130, "")
    assert err.count("\n") == 1
    assert "--jobs 1" in err


def test_ctrl_c_is_only_caught_on_the_main_thread() -> None:
    seen: list[object] = []

    def elsewhere() -> None:
        with simulation_cli._on_sigint(threading.Event()):
            seen.append(signal.getsignal(signal.SIGINT))

    before = signal.getsignal(signal.SIGINT)  # SIG_IGN in a job a shell put in the background
    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()
    assert seen == [before]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--instances", "100000000000"], "--instances 100,000,000,000: expected at most"),
        (["--instances", "10", "--days", "1e12"], "days=1e+12: expected at most 36,500 days"),
    ],
)
def test_a_fleet_or_a_run_too_large_to_finish_is_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    # Found trying careless values: a MemoryError traceback, and a run that never ended.
    code, out, err = run(capsys, "simulate", "--no-progress", *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert message in err


def test_running_out_of_memory_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_big(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(simulation_cli, "simulate", too_big)
    code, out, err = run(capsys, *SMALL)
    assert (code, out) == (1, "")
    assert (
        err
        == "lifecycle simulate: error: not enough memory for 400 instances; try fewer --instances\n"
    )


def test_the_files_written_are_named_and_help_says_how_several_seeds_name_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot, trace = tmp_path / "s.svg", tmp_path / "t.jsonl"
    code, _, err = run(
        capsys,
        "simulate",
        "--instances",
        "20",
        "--days",
        "0.1",
        "--seeds",
        "2",
        "--plot",
        str(plot),
        "--trace",
        str(trace),
        "--no-progress",
    )
    assert code == 0
    plots = [tmp_path / "s-seed42.svg", tmp_path / "s-seed43.svg"]
    traces = [tmp_path / "t-seed42.jsonl", tmp_path / "t-seed43.jsonl"]
    assert all(path.exists() for path in plots + traces)
    assert f"--plot: wrote {plots[0]}, {plots[1]}" in err
    assert f"--trace: wrote {traces[0]}, {traces[1]}" in err
    code, usage, _ = run(capsys, "simulate", "--help")
    assert code == 0
    assert "one file per seed" in " ".join(usage.split())
