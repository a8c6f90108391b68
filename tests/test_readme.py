"""The README's first screen is honest: its session runs, its tables are current,
and CI runs the commands it gives."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from tools import readme

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "README.md").read_text(encoding="utf-8")


def test_generated_blocks_are_current() -> None:
    assert readme.render(TEXT) == TEXT, "run: python -m tools.readme"


def test_the_interactive_session_runs_as_shown() -> None:
    result = doctest.testfile(
        str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 5
    assert result.failed == 0


def test_the_usage_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", TEXT, re.DOTALL)
    (usage,) = [block for block in blocks if ">>>" not in block]
    exec(compile(usage, "README.md", "exec"), {})
    assert "TransitionEvent" in capsys.readouterr().out


def test_ci_runs_the_two_commands_the_readme_gives() -> None:
    commands = re.findall(r"^\$ (.+?)\s+#", TEXT, re.MULTILINE)[:2]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert len(commands) == 2
    for command in commands:
        assert command in ci


def test_a_stale_readme_is_detected() -> None:
    stale = TEXT.replace("Pending --> Stopped: finish_creating", "Pending --> Running: magic")
    assert readme.render(stale) == TEXT


def test_a_readme_without_a_block_is_refused() -> None:
    with pytest.raises(SystemExit, match="generated:errors"):
        readme.render(TEXT.replace("<!-- generated:errors -->", ""))
