"""The README and the docs are honest: their sessions run, their generated tables are
current (wherever they stand), and CI runs the commands the README gives.

Each example is also run from outside the repository by ``tests/test_docs.py``; these
run them in-process, where a failure is quickest to read."""

from __future__ import annotations

import doctest
import re
import shutil
from pathlib import Path

import pytest

from tools import readme

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = readme.pages()
RULES = ROOT / "docs" / "rules.md"


def test_the_pages_are_the_readme_and_every_docs_page() -> None:
    assert PAGES[0] == ROOT / "README.md"
    assert {path.relative_to(ROOT).as_posix() for path in PAGES} >= {
        "docs/index.md",
        "docs/model.md",
        "docs/rules.md",
        "docs/sdk.md",
        "docs/testing.md",
        "docs/simulation.md",
    }


def test_generated_blocks_are_current() -> None:
    texts = {path: path.read_text(encoding="utf-8") for path in PAGES}
    assert readme.render_pages(texts) == texts, "run: python -m tools.readme"


def test_the_generated_blocks_stand_in_the_rules_page() -> None:
    text = RULES.read_text(encoding="utf-8")
    for name in readme.BLOCKS:
        assert f"<!-- generated:{name} -->" in text
        assert f"<!-- /generated:{name} -->" in text


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_the_interactive_sessions_run_as_shown(page: Path) -> None:
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if ">>> " in page.read_text(encoding="utf-8"):
        assert result.attempted > 0


def test_the_readme_and_the_docs_hold_sessions_for_each_use() -> None:
    attempted = {
        page.name: doctest.DocTestParser().get_examples(page.read_text(encoding="utf-8"))
        for page in PAGES
    }
    assert len(attempted["README.md"]) > 15
    for name in ("model.md", "sdk.md", "testing.md", "simulation.md"):
        assert attempted[name], name


def test_the_usage_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    (usage,) = [block for block in blocks if ">>>" not in block]
    exec(compile(usage, "docs/model.md", "exec"), {})
    assert "TransitionEvent" in capsys.readouterr().out


def test_ci_runs_the_two_commands_the_readme_gives() -> None:
    commands = re.findall(r"^\$ (.+?)\s+#", TEXT, re.MULTILINE)[:2]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert len(commands) == 2
    for command in commands:
        assert command in ci


def test_a_stale_page_is_detected() -> None:
    text = RULES.read_text(encoding="utf-8")
    stale = text.replace("Pending --> Stopped: finish_creating", "Pending --> Running: magic")
    assert stale != text
    assert readme.render(stale) == text


def test_pages_without_a_block_are_refused() -> None:
    texts = {path: path.read_text(encoding="utf-8") for path in PAGES}
    texts[RULES] = texts[RULES].replace("<!-- generated:errors -->", "")
    with pytest.raises(SystemExit, match="generated:errors"):
        readme.render_pages(texts)


def test_a_block_is_regenerated_in_whichever_page_holds_it() -> None:
    block = readme.BLOCKS["precedence"]()
    moved = "# A page\n\n<!-- generated:precedence -->\nold\n<!-- /generated:precedence -->\n"
    assert readme.render(moved) == moved.replace("old", block)


def test_check_fails_on_a_stale_page_and_a_rewrite_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    assert readme.main(["--check", "--root", str(tmp_path)]) == 0
    rules = tmp_path / "docs" / "rules.md"
    fresh = rules.read_text(encoding="utf-8")
    rules.write_text(fresh.replace("| 403 |", "| 499 |"), encoding="utf-8")
    assert readme.main(["--check", "--root", str(tmp_path)]) == 1
    assert "docs/rules.md is out of date" in capsys.readouterr().err
    assert readme.main(["--root", str(tmp_path)]) == 0
    assert rules.read_text(encoding="utf-8") == fresh
    assert readme.main(["--check", "--root", str(tmp_path)]) == 0
