"""The command line: ``lifecycle demo|diagram|errors|precedence`` and ``python -m lifecycle``."""

from __future__ import annotations

import itertools
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import lifecycle
from lifecycle import Action, ErrorCode
from lifecycle._cli import main
from lifecycle._demo import WIDTH, demo_lines

REPO_ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call ``main`` with ``argv`` and return its exit code, stdout and stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_demo_prints_the_same_trace_twice_for_the_same_seed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = run(capsys, "demo", "--seed", "42")
    second = run(capsys, "demo", "--seed", "42")
    assert first == second
    assert first[0] == 0
    assert first[1].startswith("lifecycle demo, seed=42")


def test_the_demo_defaults_to_seed_42(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "demo") == run(capsys, "demo", "--seed", "42")


def test_the_demo_trace_differs_for_another_seed(capsys: pytest.CaptureFixture[str]) -> None:
    _, seed_42, _ = run(capsys, "demo", "--seed", "42")
    _, seed_7, _ = run(capsys, "demo", "--seed", "7")
    assert seed_42 != seed_7
    # Only the seed-drawn parts differ: the scenario itself is the same.
    assert len(seed_42.splitlines()) == len(seed_7.splitlines())


def test_the_demo_prints_exactly_the_lines_demo_lines_returns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "demo", "--seed", "3")
    assert out == "".join(f"{line}\n" for line in demo_lines(3))


@pytest.mark.parametrize("action", [Action.START_INSTANCE, Action.REBOOT_INSTANCE])
def test_the_demo_mentions_every_error_code_the_action_documents(
    capsys: pytest.CaptureFixture[str], action: Action
) -> None:
    _, out, _ = run(capsys, "demo")
    missing = [code.value for code in lifecycle.error_table(action) if code.value not in out]
    assert missing == []


def test_the_demo_shows_every_start_instance_error_as_a_start_instance_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "demo")
    rejected = [line for line in out.splitlines() if Action.START_INSTANCE.value in line]
    for code, entry in lifecycle.error_table(Action.START_INSTANCE).items():
        answer = f"HTTP {entry.http_status} {code.value}  "
        assert any(answer in line for line in rejected), answer


def test_the_demo_shows_the_three_disk_error_variants(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "demo")
    for action in (Action.START_INSTANCE, Action.REBOOT_INSTANCE, Action.STOP_INSTANCE):
        entry = lifecycle.error_table(action)[ErrorCode.DISK_ERROR]
        answer = f"HTTP {entry.http_status} {ErrorCode.DISK_ERROR.value}  "
        lines = out.splitlines()
        # The call's line, then its message on the next line.
        assert any(
            action.value in line and answer in line and f"Message: {entry.message}" in after
            for line, after in itertools.pairwise(lines)
        )


def test_every_demo_line_fits_its_width_and_every_row_ends_with_a_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "demo")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    rows = [line for line in lines if line.startswith("t=+") and " clock " not in line]
    assert rows
    assert all(re.search(r"  [0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$", row) for row in rows)


def test_the_demo_records_both_kinds_of_data_loss(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "demo")
    assert "DataLoss(InitLocalDisk)" in out
    assert "DataLoss(ForceStop)" in out


def test_the_demo_leaves_unknown_ids_out_of_describe_instance_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "demo")
    (line,) = [line for line in out.splitlines() if "i-web,i-nosuch" in line]
    # i-web ends the tour Running (the delayed reboot); i-nosuch is simply absent.
    assert "TotalCount=1 [i-web=Running]" in line


def test_the_demo_shows_every_kind_of_injected_fault(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "demo")
    fault_rows = [line.split() for line in out.splitlines() if " fault " in line]
    assert {row[3] for row in fault_rows} == {kind.value for kind in lifecycle.FaultKind}


def test_the_diagram_is_a_mermaid_state_diagram(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diagram")
    assert code == 0
    assert "stateDiagram-v2" in out
    assert out == lifecycle.mermaid_diagram()


def test_the_start_instance_error_table_lists_instance_not_ready_with_500(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "errors", "StartInstance")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["action", "code", "HTTP", "message"]
    (row,) = [row for row in rows if row.split()[1] == ErrorCode.INSTANCE_NOT_READY.value]
    assert row.split()[:3] == ["StartInstance", "InstanceNotReady", "500"]
    assert len(rows) == len(lifecycle.error_table(Action.START_INSTANCE))


def test_the_error_table_without_an_action_covers_every_action(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "errors")
    rows = out.splitlines()[1:]
    assert len(rows) == sum(len(lifecycle.error_table(action)) for action in Action)
    assert {row.split()[0] for row in rows} == {action.value for action in Action}


def test_precedence_prints_the_checks_of_an_action_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "precedence", "StopInstance")
    assert code == 0
    rows = [row.split() for row in out.splitlines()[1:]]
    expected = lifecycle.precedence(Action.STOP_INSTANCE)
    assert [(row[2], row[3]) for row in rows] == [(c.value, e.value) for c, e in expected]


@pytest.mark.parametrize("command", ["errors", "precedence"])
def test_an_unknown_action_is_a_usage_error_with_exit_code_2(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, out, err = run(capsys, command, "LaunchInstance")
    assert code == 2
    assert out == ""
    assert "unknown action 'LaunchInstance'" in err
    assert "StartInstance" in err


def test_a_missing_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == 2
    assert "usage:" in err


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"lifecycle {lifecycle.__version__}"


def test_python_dash_m_lifecycle_runs_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lifecycle", "demo", "--seed", "42"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    _, out, _ = run(capsys, "demo", "--seed", "42")
    assert result.stdout == out


def test_running_the_package_as_a_module_exits_with_mains_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["lifecycle", "precedence", "RebootInstance"])
    # lifecycle ships a pytest11 plugin, so pytest marks the whole package for assertion
    # rewriting, and its import hook (which runpy cannot use: no get_code) claims
    # lifecycle.__main__. Run it the way `python -m` does, without that hook.
    monkeypatch.setattr(
        "sys.meta_path",
        [f for f in sys.meta_path if type(f).__name__ != "AssertionRewritingHook"],
    )
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("lifecycle", run_name="__main__", alter_sys=True)
    assert exited.value.code == 0
    assert "not_security_locked" in capsys.readouterr().out


def test_a_misspelt_option_is_answered_with_the_subcommand_s_usage_and_a_guess(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "simulate", "--instanses", "5")
    assert code == 2
    assert "usage: lifecycle simulate" in err
    assert err.rstrip().endswith(
        "lifecycle simulate: error: unrecognized arguments: --instanses 5 "
        "(did you mean --instances?)"
    )
    code, _, err = run(capsys, "demo", "--bogus")
    assert code == 2
    assert err.rstrip().endswith("lifecycle demo: error: unrecognized arguments: --bogus")


@pytest.mark.parametrize("days", ["-1", "0"])
def test_days_that_are_not_positive_get_the_one_true_bound(
    capsys: pytest.CaptureFixture[str], days: str
) -> None:
    code, _, err = run(capsys, "simulate", "--days", days)
    assert code == 2
    assert err.rstrip().endswith(f"days={float(days)!r}: expected a number > 0")


def test_the_demo_walks_an_instance_from_birth_to_death(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "demo")
    launches = [line for line in out.splitlines() if " RunInstances " in line]
    assert len(launches) == 2  # the request, and its ClientToken retry: no third, hidden one
    sets = [line.split(": ", 1)[1] for line in out.splitlines() if "InstanceIdSet:" in line]
    assert len(sets) == 2
    assert sets[0] == sets[1]  # the retry answered the same instances
    assert re.search(r"Running -> \(released\) +force_delete", out)
    assert "InvalidInstanceId.NotFound" in out
    assert "RenewInstance   i-sub             HTTP 200 OK" in out
