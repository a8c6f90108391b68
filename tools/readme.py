"""Regenerate the generated blocks of the README and the docs from ``specs/`` and the machine.

Usage::

    python -m tools.readme          # rewrite every page that holds a block, in place
    python -m tools.readme --check  # exit 1 if any page is out of date

Each block sits between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``,
in ``README.md`` or any page under ``docs/`` (today all five are in
``docs/rules.md``); every block must stand somewhere. The state diagram comes
from the ``transitions`` machine (its mermaid backend); the error and
precedence tables come from ``specs/``, the reviewed source of truth.
``tests/test_readme.py`` fails when a page is stale.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lifecycle

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = tuple(action.value for action in lifecycle.Action)
SINGLES = ("StartInstance", "RebootInstance", "StopInstance")
#: The actions that create, renew, reactivate and release (issue #13).
LIFECYCLE = (
    "RunInstances",
    "CreateInstance",
    "DeleteInstance",
    "DeleteInstances",
    "RenewInstance",
    "ReActivateInstances",
)
#: The actions whose precedence is a request stage only (instances follow their single's).
REQUESTS = (
    "StartInstances",
    "DescribeInstances",
    "DescribeInstanceAttribute",
    "DescribeInstanceStatus",
)


def _operation(action: str) -> dict[str, Any]:
    with (ROOT / "specs" / "operations" / f"{action}.toml").open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return data


def diagram() -> str:
    """The state diagram, as a fenced mermaid block."""
    return f"```mermaid\n{lifecycle.mermaid_diagram()}```"


def error_table() -> str:
    """Every action's documented errors, one row per (action, code)."""
    rows = ["| action | code | HTTP | message | source |", "|---|---|---|---|---|"]
    for action in ACTIONS:
        for entry in sorted(
            _operation(action)["errors"], key=lambda e: (e["http_status"], e["code"])
        ):
            message = entry["message"].replace("|", "\\|")
            rows.append(
                f"| {action} | `{entry['code']}` | {entry['http_status']} | {message} "
                f"| {entry['source']} |"
            )
    return "\n".join(rows)


def _columns(actions: tuple[str, ...]) -> str:
    header = [
        action if action != "StartInstances" else "Start/Stop/RebootInstances" for action in actions
    ]
    rows = ["| # | " + " | ".join(header) + " |", "|---" * (len(actions) + 1) + "|"]
    columns = [
        [f"{rule['check']} → `{rule['error']}`" for rule in _operation(action)["precedence"]]
        for action in actions
    ]
    for n in range(max(len(column) for column in columns)):
        cells = [column[n] if n < len(column) else "" for column in columns]
        rows.append(f"| {n + 1} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def precedence_table() -> str:
    """Each single mutating action's checks, in the order that decides which error wins."""
    return _columns(SINGLES)


def request_table() -> str:
    """The request-stage checks of the batch and describe actions."""
    return _columns(REQUESTS)


def lifecycle_table() -> str:
    """The checks of the actions that create, renew, reactivate and release instances."""
    return _columns(LIFECYCLE)


BLOCKS = {
    "diagram": diagram,
    "errors": error_table,
    "precedence": precedence_table,
    "requests": request_table,
    "lifecycle": lifecycle_table,
}


def _replacement(block: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group(1) + block + match.group(2)


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated:{name} -->\n).*?(\n<!-- /generated:{name} -->)", re.DOTALL)


def render(text: str) -> str:
    """``text`` with every generated block it holds replaced by its current content."""
    for name, make in BLOCKS.items():
        pattern = _pattern(name)
        if pattern.search(text):
            text = pattern.sub(_replacement(make()), text)
    return text


def pages(root: Path = ROOT) -> list[Path]:
    """The pages that may hold generated blocks: the README and every page under ``docs/``."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def render_pages(texts: dict[Path, str]) -> dict[Path, str]:
    """Each page's text with its blocks regenerated.

    Raises:
        SystemExit: if some block stands on none of the pages.
    """
    for name in BLOCKS:
        if not any(_pattern(name).search(text) for text in texts.values()):
            raise SystemExit(f"no page holds a generated:{name} block (README.md, docs/)")
    return {path: render(text) for path, text in texts.items()}


def main(argv: list[str] | None = None) -> int:
    """Rewrite the stale pages, or with ``--check`` report which are stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    current = {path: path.read_text(encoding="utf-8") for path in pages(args.root)}
    fresh = render_pages(current)
    stale = [path for path in current if fresh[path] != current[path]]
    if args.check:
        for path in stale:
            name = path.relative_to(args.root)
            print(f"{name} is out of date: run python -m tools.readme", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(fresh[path], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
