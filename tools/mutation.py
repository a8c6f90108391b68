"""Mutation testing of the core model with mutmut, and its score.

Usage::

    nice -n 15 python -m tools.mutation               # run (resumes), then report
    nice -n 15 python -m tools.mutation --fresh       # forget earlier results first
    python -m tools.mutation --survivors              # re-run the unexplained survivors
    python -m tools.mutation --report [--show]        # no run: the score (and diffs)

mutmut 3 (the ``mutation`` extra) copies ``lifecycle/`` into ``mutants/``,
mutates the modules ``[tool.mutmut] only_mutate`` lists (the core model: not
the CLI, the demo or the wire, testing and simulation subpackages) and, for
each mutant, runs only the tests that cover the mutated function. This
wrapper adds what mutmut leaves to its caller:

* Hypothesis runs its derandomized ``ci`` profile (``CI=true``), so a mutant's
  fate does not depend on the examples a random seed happens to draw, and no
  deadline can kill a mutant that is merely slow;
* at most two worker processes by default (``--max-children``);
* after the run, a per-module table and the score, both as killed / total and
  as killed / (total - equivalent), where the equivalent mutants are the ones
  ``tools/mutation-equivalents.md`` lists, each with its reason;
* the surviving mutants that the list does not explain, and the listed ones
  that no longer survive (stale entries).

One property of mutmut 3 to keep in mind when writing tests for it: a mutant
is switched on in a worker forked after the package was imported, so code that
runs at import (the compiled table, the compiled precedence, the error
catalogue) ran unmutated. Such builders are only checked by tests that call
them again (``tests/test_machine_edges.py``, ``tests/test_rules_edges.py``),
and a test that compares with an object built at import compares with the
original code's output.

The exit status is 0 when every survivor is explained and the score (killed /
(total - equivalent)) is at least ``--fail-under`` percent, 1 otherwise.
It is never run by ``.ci/run``: a full run takes tens of minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "tools" / "mutation-equivalents.md"

#: mutmut's exit code of a mutant's test run -> its verdict (mutmut/stats.py,
#: ``status_by_exit_code``); any other code is "suspicious".
VERDICTS: dict[int | None, str] = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    2: "interrupted",
    None: "not checked",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "type check",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
}
COLUMNS = ("killed", "survived", "timeout", "suspicious", "no tests", "not checked")
#: A listed equivalent: a Markdown list item that starts with the mutant's name in backticks.
_LISTED = re.compile(r"^- `([^`]+)`", re.MULTILINE)


@dataclass
class Results:
    """Every mutant's verdict, by module."""

    verdicts: dict[str, dict[str, str]] = field(default_factory=dict)

    def by_verdict(self, verdict: str) -> list[str]:
        """The names of the mutants with ``verdict``, sorted."""
        return sorted(
            name
            for module in self.verdicts.values()
            for name, found in module.items()
            if found == verdict
        )


def read_results() -> Results:
    """The verdicts mutmut stored in ``mutants/**/*.py.meta``."""
    results = Results()
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        module = meta.relative_to(MUTANTS).as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if codes:
            results.verdicts[module] = {
                name: VERDICTS.get(code, "suspicious") for name, code in codes.items()
            }
    return results


def listed_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """The mutants ``path`` explains as equivalent, each with its line of reasoning."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _LISTED.match(line)
        if match:
            found[match.group(1)] = line[match.end() :].lstrip(" :-").strip()
    return found


def report(results: Results, equivalents: dict[str, str], fail_under: float) -> int:
    """Print the table, the score and the unexplained survivors; return the exit status."""
    total_counts: Counter[str] = Counter()
    header = f"{'module':<24}{'mutants':>8}" + "".join(f"{c:>13}" for c in COLUMNS)
    print(header)
    print("-" * len(header))
    for module, verdicts in sorted(results.verdicts.items()):
        counts = Counter(verdicts.values())
        total_counts.update(counts)
        cells = "".join(f"{counts.get(c, 0):>13}" for c in COLUMNS)
        print(f"{module:<24}{len(verdicts):>8}{cells}")
    total = sum(total_counts.values())
    cells = "".join(f"{total_counts.get(c, 0):>13}" for c in COLUMNS)
    print("-" * len(header))
    print(f"{'total':<24}{total:>8}{cells}")
    other = set(total_counts) - set(COLUMNS)
    if other:
        print("other verdicts: " + ", ".join(f"{v} {total_counts[v]}" for v in sorted(other)))

    survivors = set(results.by_verdict("survived"))
    explained = survivors & set(equivalents)
    unexplained = sorted(survivors - explained)
    stale = sorted(set(equivalents) - survivors)
    killed = total_counts["killed"]
    print()
    if not total:
        print("no results yet: run without --report first")
        return 1
    plain = 100 * killed / total
    adjusted = 100 * killed / (total - len(explained)) if total > len(explained) else 100.0
    print(f"killed: {killed} of {total} mutants = {plain:.2f}%")
    print(
        f"killed: {killed} of {total - len(explained)} non-equivalent mutants = {adjusted:.2f}% "
        f"({len(explained)} survivors explained as equivalent in "
        f"{EQUIVALENTS.relative_to(ROOT)})"
    )
    if total_counts["timeout"]:
        detected = killed + total_counts["timeout"]
        print(f"killed or timed out: {detected} of {total} mutants = {100 * detected / total:.2f}%")
    if unexplained:
        print(f"\n{len(unexplained)} surviving mutants are neither killed nor explained:")
        for name in unexplained:
            print(f"  {name}")
        print("(python -m tools.mutation --report --show prints their diffs)")
    if stale:
        print(f"\n{len(stale)} listed equivalents no longer survive (remove them from the list):")
        for name in stale:
            print(f"  {name}")
    undecided = total - killed - total_counts["survived"]
    if undecided:
        print(f"\n{undecided} mutants are neither killed nor survived (see the table)")
    return 0 if not unexplained and adjusted >= fail_under else 1


def _mutmut() -> str:
    found = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or shutil.which("mutmut")
    if found is None:
        raise SystemExit('mutmut is not installed: python -m pip install -e ".[test,mutation]"')
    return found


def run(names: Sequence[str], max_children: int) -> int:
    """``mutmut run`` from the repository root, with the derandomized Hypothesis profile."""
    environment = dict(os.environ, CI="true")
    command = [_mutmut(), "run", "--max-children", str(max_children), *names]
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode


def show(names: Sequence[str]) -> None:
    """Print mutmut's diff of each mutant."""
    for name in names:
        subprocess.run([_mutmut(), "show", name], cwd=ROOT, check=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run mutmut as configured in ``pyproject.toml`` and print the score."""
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--report", action="store_true", help="do not run; report stored results")
    mode.add_argument("--fresh", action="store_true", help="delete mutants/ and run everything")
    mode.add_argument(
        "--survivors", action="store_true", help="re-run the survivors not listed as equivalent"
    )
    parser.add_argument("--max-children", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--fail-under", type=float, default=95.0, help="score to pass (95)")
    parser.add_argument("--show", action="store_true", help="print unexplained survivors' diffs")
    parser.add_argument("names", nargs="*", help="only these mutants (mutmut's names or globs)")
    args = parser.parse_args(argv)

    if not args.report:
        if args.fresh and MUTANTS.exists():
            shutil.rmtree(MUTANTS)
        names = list(args.names)
        if args.survivors:
            explained = set(listed_equivalents())
            names = [n for n in read_results().by_verdict("survived") if n not in explained]
            if not names:
                print("no unexplained surviving mutants to re-run")
        if not args.survivors or names:
            status = run(names, args.max_children)
            if status != 0:
                print(f"mutmut run exited with {status}", file=sys.stderr)
                return status
    results = read_results()
    equivalents = listed_equivalents()
    status = report(results, equivalents, args.fail_under)
    if args.show:
        show(sorted(set(results.by_verdict("survived")) - set(equivalents)))
    return status


if __name__ == "__main__":
    sys.exit(main())
