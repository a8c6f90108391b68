"""Mutation testing of the whole package with mutmut, and its score per layer.

Usage::

    python -m tools.mutation --list                         # the layers and their mutants
    nice -n 15 python -m tools.mutation --layer wire --sample 150   # minutes: a seeded sample
    nice -n 15 python -m tools.mutation --layer core        # one layer in full (resumes)
    nice -n 15 python -m tools.mutation --fresh             # every layer, forgetting results
    python -m tools.mutation --survivors                    # re-run the unexplained survivors
    python -m tools.mutation --report [--show]              # no run: the scores (and diffs)

The package is cut into layers (``LAYERS``): the core model, the wire (the
HTTP and in-process protocol), the testing toolkit, the simulator and the
command line. ``[tool.mutmut] only_mutate`` in ``pyproject.toml`` lists all of
them. mutmut 3 (the ``mutation`` extra) copies ``lifecycle/`` into
``mutants/``, mutates every module and, for each mutant it is asked to run,
runs only the tests that cover the mutated function. This wrapper adds what
mutmut leaves to its caller:

* ``--layer`` runs one layer's mutants (mutmut's name globs), ``--sample N``
  a sample of N of them drawn with ``--seed``: the names come from mutmut's
  own generator (``mutate_file_contents``), so a sample is the same set on
  every machine for the same source;
* Hypothesis runs its derandomized ``ci`` profile (``CI=true``), so a mutant's
  fate does not depend on the examples a random seed happens to draw, and no
  deadline can kill a mutant that is merely slow;
* at most two worker processes by default (``--max-children``);
* after the run, a table per layer and per module and the score, both as
  killed / run and as killed / (run - equivalent), where the equivalent
  mutants are the ones ``tools/mutation-equivalents*.md`` list (one file per
  layer, the core's without a suffix), each with its reason;
* the surviving mutants that the lists do not explain, and the listed ones
  that no longer survive (stale entries).

One property of mutmut 3 to keep in mind when writing tests for it: a mutant
is switched on in a worker forked after the package was imported, so code that
runs at import (the compiled table, the compiled precedence, the error
catalogue) ran unmutated. Such builders are only checked by tests that call
them again (``tests/test_machine_edges.py``, ``tests/test_rules_edges.py``),
and a test that compares with an object built at import compares with the
original code's output.

The exit status is 0 when every survivor is explained and the score (killed /
(run - equivalent)) is at least ``--fail-under`` percent, 1 otherwise.
It is never run by ``.ci/run``: a full run of every layer takes hours.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import random
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

#: The package's layers, as mutmut's ``only_mutate`` globs over ``lifecycle/``.
#: Every module is in exactly one (``tests/test_mutation_tool.py`` checks it, and
#: that ``pyproject.toml`` lists them all).
LAYERS: dict[str, tuple[str, ...]] = {
    "core": (
        "lifecycle/__init__.py",
        "lifecycle/_actions.py",
        "lifecycle/_billing.py",
        "lifecycle/_clock.py",
        "lifecycle/_core.py",
        "lifecycle/_engine_path.py",
        "lifecycle/_faults.py",
        "lifecycle/_injector.py",
        "lifecycle/_instances.py",
        "lifecycle/_machine.py",
        "lifecycle/_model.py",
        "lifecycle/_model_conditions.py",
        "lifecycle/_model_fleet.py",
        "lifecycle/_model_lifecycle.py",
        "lifecycle/_model_observe.py",
        "lifecycle/_model_platform.py",
        "lifecycle/_params.py",
        "lifecycle/_provision.py",
        "lifecycle/_rules.py",
        "lifecycle/_schedule.py",
        "lifecycle/_snapshot.py",
        "lifecycle/_spec.py",
        "lifecycle/_status.py",
        "lifecycle/_timing.py",
        "lifecycle/_version.py",
        "lifecycle/_views.py",
        "lifecycle/errors.py",
    ),
    "wire": ("lifecycle/wire/*", "lifecycle/_mock.py"),
    "testing": ("lifecycle/testing/*",),
    "simulation": ("lifecycle/simulation/*",),
    "cli": ("lifecycle/__main__.py", "lifecycle/_cli.py", "lifecycle/_demo.py"),
}
#: The tests that guard each layer (globs under ``tests/``): a run of one layer
#: collects only these (``LAYER_ENV``, read by ``tests/conftest.py``), so mutmut's
#: stats pass, which runs every selected test once under its trampolines, costs
#: minutes, not the hour the whole suite takes there. The core's are every test
#: file the other layers do not claim, but for ``NOT_CORE``.
LAYER_TESTS: dict[str, tuple[str, ...]] = {
    "wire": (
        "test_wire_*.py",
        "test_mock_ecs.py",
        "test_fuzz_wire.py",
        "test_guard_signature.py",
        "test_guard_wire_stop.py",
        "test_mutation_kills_wire.py",
    ),
    "testing": ("test_testing_*.py", "test_examples.py", "test_mutation_kills_testing.py"),
    "simulation": (
        "test_simulation_*.py",
        "test_guard_simulation_billing.py",
        "test_mutation_kills_simulation.py",
    ),
    "cli": (
        "test_cli.py",
        "test_wire_cli.py",
        "test_simulation_cli.py",
        "test_readme.py",
        "test_mutation_kills_cli.py",
    ),
}
#: Test files no layer's run selects, each with its reason.
NOT_CORE: dict[str, str] = {
    "test_table_mutation.py": "tools/table_mutation.py's own tests",
    "test_mutation_tool.py": "this tool's own tests",
    "test_docs.py": "runs the docs' examples in subprocesses, against the installed package",
    "test_dask.py": "runs simulate() in Dask worker processes, against the installed package",
    "test_distribution.py": "builds and inspects the distribution files",
}
#: The environment variable that names the layer whose tests a run selects.
LAYER_ENV = "LIFECYCLE_MUTATION_LAYER"

#: Modules left unmutated (``[tool.mutmut] do_not_mutate``), each with its reason.
NOT_MUTATED: dict[str, str] = {
    "lifecycle/*__init__.py": (
        "the packages' namespaces: mutmut adds its own names (MutantDict) to a module it "
        "mutates, which tests/test_exports.py rightly refuses in a public namespace; only "
        "lifecycle.testing's has functions (its lazy exports), and its tests import them"
    ),
}

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


def layer_of(module: str) -> str:
    """The layer of ``module``, a path such as ``lifecycle/wire/_server.py``."""
    for layer, globs in LAYERS.items():
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in globs):
            return layer
    raise ValueError(f"{module}: in no layer of tools/mutation.py's LAYERS")


def guards(layer: str, test_file: str) -> bool:
    """Whether ``test_file`` (a name such as ``test_wire_sdk.py``) is one of ``layer``'s tests."""
    claimed = {
        other: any(fnmatch.fnmatchcase(test_file, g) for g in globs)
        for other, globs in LAYER_TESTS.items()
    }
    if layer == "core":
        return test_file not in NOT_CORE and not any(
            hit for other, hit in claimed.items() if other != "cli"
        )
    return claimed[layer]


def mutated_never(module: str) -> bool:
    """Whether ``module`` is one of ``NOT_MUTATED``."""
    return any(fnmatch.fnmatchcase(module, pattern) for pattern in NOT_MUTATED)


def name_globs(layer: str) -> list[str]:
    """mutmut's mutant-name globs for ``layer`` (``lifecycle/wire/*`` -> ``lifecycle.wire.*``)."""
    globs = []
    for pattern in LAYERS[layer]:
        dotted = pattern.removesuffix(".py").replace("/", ".")
        if dotted.endswith(".__init__"):
            # mutmut drops "__init__" from the name: match only this package's own
            # functions (x_name) and methods (xǁClassǁname), not its submodules'.
            package = dotted.removesuffix(".__init__")
            globs += [f"{package}.x_*", f"{package}.xǁ*"]
        else:
            globs.append(dotted if dotted.endswith("*") else f"{dotted}.*")
    return globs


def layer_mutants(layer: str) -> list[str]:
    """Every mutant name of ``layer``, as mutmut names them, from mutmut's own generator."""
    from mutmut.mutation.file_mutation import mutate_file_contents  # noqa: PLC0415
    from mutmut.utils.format_utils import get_mutant_name  # noqa: PLC0415

    names = []
    for path in sorted((ROOT / "lifecycle").rglob("*.py")):
        module = path.relative_to(ROOT)
        if layer_of(module.as_posix()) != layer or mutated_never(module.as_posix()):
            continue
        mutated = mutate_file_contents(str(module), path.read_text(encoding="utf-8"))
        names += [get_mutant_name(module, name) for name in mutated.mutant_names]
    return names


def sample(names: Sequence[str], size: int, seed: int) -> list[str]:
    """``size`` of ``names`` drawn with ``seed``, in mutmut's order (all if fewer)."""
    if size >= len(names):
        return list(names)
    chosen = set(random.Random(seed).sample(sorted(names), size))
    return [name for name in names if name in chosen]


def equivalents_files() -> list[Path]:
    """The lists of explained survivors: the core's, then one per other layer."""
    return sorted((ROOT / "tools").glob("mutation-equivalents*.md"))


def listed_equivalents(paths: Sequence[Path] | None = None) -> dict[str, str]:
    """The mutants ``paths`` explain as equivalent, each with its line of reasoning."""
    found: dict[str, str] = {}
    for path in equivalents_files() if paths is None else paths:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _LISTED.match(line)
            if match:
                found[match.group(1)] = line[match.end() :].lstrip(" :-").strip()
    return found


def print_layers(
    chosen: dict[str, dict[str, str]],
    checked: dict[str, dict[str, str]],
    by_layer: dict[str, Counter[str]],
    explained: set[str],
    layers: Sequence[str],
) -> None:
    """The score table per layer: generated, run (a sample or all), and the verdicts."""
    print()
    print(
        f"{'layer':<12}{'mutants':>8}{'run':>6}{'killed':>8}{'timeout':>8}"
        f"{'survived':>9}{'explained':>10}{'score':>8}"
    )
    for layer in layers:
        counts = by_layer.get(layer, Counter())
        run_here = sum(counts.values())
        generated = sum(len(v) for m, v in chosen.items() if layer_of(m) == layer)
        listed = sum(
            1 for m, v in checked.items() if layer_of(m) == layer for n in v if n in explained
        )
        caught = counts["killed"] + counts["timeout"]  # a mutant that hangs the tests fails CI
        score = f"{100 * caught / (run_here - listed):.1f}%" if run_here > listed else "-"
        print(
            f"{layer:<12}{generated:>8}{run_here:>6}{counts['killed']:>8}{counts['timeout']:>8}"
            f"{counts['survived']:>9}{listed:>10}{score:>8}"
        )
    print(
        "(score: (killed + timed out) / (run - explained); "
        "run: the mutants with a verdict, a sample or all)"
    )


def report(
    results: Results, equivalents: dict[str, str], fail_under: float, layers: Sequence[str]
) -> int:
    """Print the tables, the score and the unexplained survivors; return the exit status."""
    chosen = {
        module: verdicts
        for module, verdicts in results.verdicts.items()
        if layer_of(module) in layers
    }
    checked = {
        module: {name: v for name, v in verdicts.items() if v != "not checked"}
        for module, verdicts in chosen.items()
    }
    header = f"{'module':<34}{'run':>6}" + "".join(f"{c:>11}" for c in COLUMNS[:-1])
    by_layer: dict[str, Counter[str]] = {}
    total_counts: Counter[str] = Counter()
    print(header)
    print("-" * len(header))
    for module, verdicts in sorted(checked.items(), key=lambda item: (layer_of(item[0]), item[0])):
        if not verdicts:
            continue
        counts = Counter(verdicts.values())
        total_counts.update(counts)
        by_layer.setdefault(layer_of(module), Counter()).update(counts)
        cells = "".join(f"{counts.get(c, 0):>11}" for c in COLUMNS[:-1])
        print(f"{module:<34}{len(verdicts):>6}{cells}")
    survivors = set(results.by_verdict("survived")) & {
        name for verdicts in checked.values() for name in verdicts
    }
    explained = survivors & set(equivalents)
    print_layers(chosen, checked, by_layer, explained, layers)
    total = sum(total_counts.values())
    other = set(total_counts) - set(COLUMNS)
    if other:
        print("other verdicts: " + ", ".join(f"{v} {total_counts[v]}" for v in sorted(other)))

    unexplained = sorted(survivors - explained)
    stale = sorted(
        name
        for name in set(equivalents) - survivors
        if any(fnmatch.fnmatchcase(name, glob) for layer in layers for glob in name_globs(layer))
        and any(name in verdicts for verdicts in checked.values())
    )
    killed = total_counts["killed"]
    print()
    if not total:
        print("no results yet: run without --report first")
        return 1
    plain = 100 * killed / total
    adjusted = 100 * killed / (total - len(explained)) if total > len(explained) else 100.0
    print(f"killed: {killed} of {total} mutants run = {plain:.2f}%")
    print(
        f"killed: {killed} of {total - len(explained)} non-equivalent mutants = {adjusted:.2f}% "
        f"({len(explained)} survivors explained in tools/mutation-equivalents*.md)"
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


def run(names: Sequence[str], max_children: int, layer: str | None) -> int:
    """``mutmut run`` from the repository root, with the derandomized Hypothesis profile
    and, for one layer, only that layer's tests."""
    environment = dict(os.environ, CI="true")
    environment.pop(LAYER_ENV, None)
    if layer is not None:
        environment[LAYER_ENV] = layer
    command = [_mutmut(), "run", "--max-children", str(max_children), *names]
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode


def show(names: Sequence[str]) -> None:
    """Print mutmut's diff of each mutant."""
    for name in names:
        subprocess.run([_mutmut(), "show", name], cwd=ROOT, check=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run mutmut as configured in ``pyproject.toml`` and print the scores."""
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--report", action="store_true", help="do not run; report stored results")
    mode.add_argument("--fresh", action="store_true", help="delete mutants/ and run everything")
    mode.add_argument(
        "--survivors", action="store_true", help="re-run the survivors not listed as equivalent"
    )
    mode.add_argument("--list", action="store_true", help="count each layer's mutants; no run")
    parser.add_argument(
        "--layer", action="append", choices=list(LAYERS), help="only this layer (repeatable)"
    )
    parser.add_argument("--sample", type=int, help="run a seeded sample of N mutants per layer")
    parser.add_argument("--seed", type=int, default=12, help="the sample's seed (12)")
    parser.add_argument("--max-children", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--fail-under", type=float, default=95.0, help="score to pass (95)")
    parser.add_argument("--show", action="store_true", help="print unexplained survivors' diffs")
    parser.add_argument("names", nargs="*", help="only these mutants (mutmut's names or globs)")
    args = parser.parse_args(argv)
    layers = args.layer or list(LAYERS)

    if args.list:
        for layer in layers:
            print(f"{layer:<12}{len(layer_mutants(layer)):>7} mutants  {' '.join(LAYERS[layer])}")
        return 0
    if not args.report:
        if args.fresh and MUTANTS.exists():
            shutil.rmtree(MUTANTS)
        names = list(args.names)
        if args.survivors:
            explained = set(listed_equivalents())
            names = [
                n
                for n in read_results().by_verdict("survived")
                if n not in explained and layer_of(_module(n)) in layers
            ]
            if not names:
                print("no unexplained surviving mutants to re-run")
        elif not names and args.sample:
            for layer in layers:
                names += sample(layer_mutants(layer), args.sample, args.seed)
        elif not names and args.layer:
            names = [glob for layer in layers for glob in name_globs(layer)]
        if not args.survivors or names:
            status = run(names, args.max_children, layers[0] if len(layers) == 1 else None)
            if status != 0:
                print(f"mutmut run exited with {status}", file=sys.stderr)
                return status
    results = read_results()
    equivalents = listed_equivalents()
    status = report(results, equivalents, args.fail_under, layers)
    if args.show:
        show(sorted(set(results.by_verdict("survived")) - set(equivalents)))
    return status


def _module(name: str) -> str:
    """The source path of mutant ``name`` (``lifecycle.wire._server.x_f__mutmut_1``)."""
    dotted = name.partition(".x")[0]
    path = ROOT / (dotted.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / dotted.replace(".", "/") / "__init__.py"
    return path.relative_to(ROOT).as_posix()


if __name__ == "__main__":
    sys.exit(main())
