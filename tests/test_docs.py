"""Every Python example in the README and the docs runs from a user's own project.

Each one runs in a subprocess with this virtualenv's Python, in a fresh temporary
directory outside the repository, so nothing but the installed package (and what its
extras install) can be imported: not ``examples/``, not ``tools/``, not ``tests/``.

- ``>>>`` blocks are doctests, run page by page (later blocks of a page see earlier ones).
- Other ``python`` blocks are scripts, unless a comment line just above says otherwise:
  ``<!-- run: pytest -->`` is a user's test file, run with pytest;
  ``<!-- run: against serve -->`` is a script against a live ``lifecycle serve``, run
  twice; ``<!-- not-run: REASON -->`` is not run, and says why.

Also: the site builds in CI in strict mode.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from lifecycle.wire import Credential, WireApp, serve
from tools import readme

ROOT = Path(__file__).resolve().parent.parent
PAGES = readme.pages()
KINDS = ("doctest", "script", "pytest", "against serve", "not-run")
BLOCK = re.compile(
    r"^(?:<!-- (?P<marker>[^\n]*?) -->\n)?```(?P<lang>python|py|pycon)\n(?P<code>.*?)^```",
    re.DOTALL | re.MULTILINE,
)
#: Run first in every subprocess: proof that the repository is out of reach.
GUARD = f"""\
import importlib.util, pathlib, sys
_root = pathlib.Path({str(ROOT)!r})
assert all(pathlib.Path(p or ".").resolve() != _root for p in sys.path), sys.path
for _name in ("examples", "tools", "tests"):
    assert importlib.util.find_spec(_name) is None, _name
assert not pathlib.Path.cwd().resolve().is_relative_to(_root)
"""
DOCTEST = """\
import doctest, sys
result = doctest.testfile(sys.argv[1], module_relative=False, optionflags=doctest.ELLIPSIS)
sys.exit(1 if result.failed or not result.attempted else 0)
"""
KEYS = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-docs",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "docs-secret",
}


@dataclass(frozen=True)
class Example:
    page: Path
    line: int
    kind: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT).as_posix()}:{self.line}"


def _kind(marker: str | None, code: str) -> str:
    if marker is None:
        return "doctest" if code.lstrip().startswith(">>>") else "script"
    if marker.startswith("not-run: ") and marker.removeprefix("not-run: ").strip():
        return "not-run"
    if marker.startswith("run: ") and marker.removeprefix("run: ") in KINDS:
        return marker.removeprefix("run: ")
    raise AssertionError(f"unknown marker <!-- {marker} --> (or a not-run without a reason)")


def examples(page: Path) -> list[Example]:
    """The page's Python blocks, in order, each with how it is run."""
    text = page.read_text(encoding="utf-8")
    found = [
        Example(
            page=page,
            line=text.count("\n", 0, match.start("code")) + 1,
            kind=_kind(match.group("marker"), match.group("code")),
            code=match.group("code"),
        )
        for match in BLOCK.finditer(text)
    ]
    # Nothing slips past the pattern: an indented or oddly opened Python fence fails here.
    assert len(found) == len(re.findall(r"```(?:python|py|pycon)\b", text)), page
    return found


EXAMPLES = [example for page in PAGES for example in examples(page)]
DOCTEST_PAGES = sorted({e.page for e in EXAMPLES if e.kind == "doctest"})


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        env.pop(name, None)
    return env


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    assert not cwd.resolve().is_relative_to(ROOT)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _script(tmp_path: Path, name: str, code: str) -> Path:
    path = tmp_path / name
    path.write_text(GUARD + code, encoding="utf-8")
    return path


def test_every_python_block_is_found_and_classified() -> None:
    kinds = [example.kind for example in EXAMPLES]
    assert set(kinds) <= set(KINDS)
    assert kinds.count("doctest") >= 10
    assert kinds.count("script") >= 1
    assert kinds.count("pytest") == 1
    assert kinds.count("against serve") == 1
    # Deliberately unrun examples stay rare: today there are none.
    assert kinds.count("not-run") <= 2
    assert ROOT / "README.md" in DOCTEST_PAGES


def test_the_guard_refuses_the_repository(tmp_path: Path) -> None:
    inside = subprocess.run(
        [sys.executable, "-c", GUARD], cwd=ROOT, env=_env(), capture_output=True, check=False
    )
    assert inside.returncode != 0
    assert _run(["-c", GUARD], cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("page", DOCTEST_PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_sessions_of_each_page_run_outside_the_repository(page: Path, tmp_path: Path) -> None:
    blocks = [e.code for e in EXAMPLES if e.page == page and e.kind == "doctest"]
    (tmp_path / "page.txt").write_text("\n".join(blocks), encoding="utf-8")
    result = _run(["-c", GUARD + DOCTEST, "page.txt"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "example", [e for e in EXAMPLES if e.kind == "script"], ids=lambda e: e.name
)
def test_each_script_runs_outside_the_repository(example: Example, tmp_path: Path) -> None:
    _script(tmp_path, "example.py", example.code)
    result = _run(["example.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "example", [e for e in EXAMPLES if e.kind == "pytest"], ids=lambda e: e.name
)
def test_each_test_file_passes_under_pytest_outside_the_repository(
    example: Example, tmp_path: Path
) -> None:
    _script(tmp_path, "test_example.py", example.code)
    result = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.parametrize(
    "example", [e for e in EXAMPLES if e.kind == "against serve"], ids=lambda e: e.name
)
def test_each_serve_script_runs_twice_outside_the_repository(
    example: Example, tmp_path: Path
) -> None:
    credential = Credential(
        name="default",
        access_key_id=KEYS["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        access_key_secret=KEYS["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    )
    env = _env() | KEYS
    with serve(WireApp([credential])) as server:
        code = example.code.replace('"127.0.0.1:8080"', repr(server.endpoint))
        assert code != example.code
        _script(tmp_path, "example.py", code)
        first, second = (_run(["example.py"], tmp_path, env) for _ in range(2))
        # Without its reset, the same script's second run stops on the server's message.
        _script(tmp_path, "no_reset.py", code.replace('control("accounts/default/reset", {})', ""))
        refused = _run(["no_reset.py"], tmp_path, env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.splitlines()) == 3
    assert refused.returncode == 1
    assert "already exists in this model" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_ci_builds_the_site_in_strict_mode() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (command,) = re.findall(r"^(?:\w+=\S+ )*mkdocs build --strict [^#\n]*", ci, re.MULTILINE)
    # --quiet drops warnings below the log level strict mode counts: they would pass.
    assert "--quiet" not in command
    assert " -q" not in command
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^strict: true$", config, re.MULTILINE)
    for page in PAGES[1:]:
        assert page.relative_to(ROOT / "docs").as_posix() in config, page


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    env = _env() | {"NO_MKDOCS_2_WARNING": "1"}
    args = ["-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")]
    return _run(args, root, env)


@pytest.fixture
def site_source(tmp_path: Path) -> Path:
    """A copy of ``mkdocs.yml`` and ``docs/`` outside the repository, to build or break."""
    pytest.importorskip("mkdocs", reason='the docs extra: pip install -e ".[docs]"')
    pytest.importorskip("mkdocstrings_handlers.python")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    return tmp_path


def test_the_site_builds_in_strict_mode(site_source: Path) -> None:
    result = _build(site_source)
    assert result.returncode == 0, result.stderr
    site = site_source / "site"
    assert 'class="mermaid"' in (site / "rules" / "index.html").read_text(encoding="utf-8")
    # The API reference lists every public name of every public module.
    for module in ("lifecycle", "errors", "testing", "wire", "simulation"):
        name = "lifecycle" if module == "lifecycle" else f"lifecycle.{module}"
        html = (site / "reference" / module / "index.html").read_text(encoding="utf-8")
        public = [n for n in importlib.import_module(name).__all__ if not n.startswith("__")]
        assert public
        assert [n for n in public if f'id="{name}.{n}"' not in html] == [], name


def test_a_broken_link_anchor_or_cross_reference_fails_the_strict_build(
    site_source: Path,
) -> None:
    index = site_source / "docs" / "index.md"
    broken = "\n[a](nowhere.md) [b](sdk.md#no-such-anchor) [c][lifecycle.NoSuchName]\n"
    index.write_text(index.read_text(encoding="utf-8") + broken, encoding="utf-8")
    result = _build(site_source)
    assert result.returncode != 0
    assert "'nowhere.md'" in result.stderr
    assert "'#no-such-anchor'" in result.stderr
    assert "'lifecycle.NoSuchName'" in result.stderr


def test_a_reference_to_a_missing_object_fails_the_strict_build(site_source: Path) -> None:
    page = site_source / "docs" / "reference" / "lifecycle.md"
    page.write_text("# gone\n\n::: lifecycle.NoSuchName\n", encoding="utf-8")
    result = _build(site_source)
    assert result.returncode != 0
    assert "lifecycle.NoSuchName" in result.stderr
