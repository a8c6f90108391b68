"""Benchmark: one multi-seed, multi-account run in one process, a process pool, and on Dask.

Run it from the repository root, with the ``[dask]`` extra installed
(``python -m pip install -e ".[dask]"``)::

    python benchmarks/bench_dask.py            # full run: about a minute and a half
    python benchmarks/bench_dask.py --quick    # small sizes: about 10 seconds

The workload is ``examples/workloads/two-accounts.toml`` (two accounts that
share nothing) scaled and run for several seeds, so ``simulate`` splits it
into one task per seed and account. It runs three ways, in interleaved
rounds, and every way must give the same results:

- **one process**: ``simulate(workload, seeds)``;
- **process pool**: ``simulate(workload, seeds, jobs=2)``, the runner's own
  ``ProcessPoolExecutor`` (spawned fresh for each call, as ``--jobs 2`` does);
- **Dask**: ``simulate(workload, seeds, executor=client.get_executor())`` on a
  ``distributed.LocalCluster`` of two worker processes of one thread each,
  started once (its start-up is printed apart).

For each: wall time, and total CPU time of every process that took part (this
one, plus the pool's workers, reaped, or the Dask workers, asked). Nothing is
asserted about timings. The machine this was written on has two cores shared
with other people's jobs, so wall time is noisy: the load average is printed
before and after, and figures compare only within one run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Final

# A script's own folder, not the working directory, heads sys.path: put the
# checkout first so the benchmark measures this tree, installed or not.
ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lifecycle  # noqa: E402
from lifecycle.simulation import SimulationResult, Workload, load_workload, simulate  # noqa: E402

TWO_ACCOUNTS: Final = ROOT / "examples" / "workloads" / "two-accounts.toml"
WORKERS: Final = 2


@dataclass(frozen=True, slots=True)
class Plan:
    """How much work a run does."""

    rounds: int
    seeds: int
    instances: int
    days: float


FULL: Final = Plan(rounds=3, seeds=4, instances=20_000, days=1.0)
QUICK: Final = Plan(rounds=2, seeds=2, instances=4_000, days=1.0)


@dataclass(frozen=True, slots=True)
class Figure:
    """One timed run: wall seconds, CPU seconds of every process in it, and its results."""

    wall: float
    cpu: float
    results: list[SimulationResult]


def children_cpu() -> float:
    """CPU seconds of this process's reaped children (the pool's spawned workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worker_cpu() -> float:
    """Run in a Dask worker: the CPU seconds of that worker process so far."""
    return time.process_time()


def timed(run: Callable[[], list[SimulationResult]], others: Callable[[], float]) -> Figure:
    """Time ``run()``: wall, and this process's CPU plus what ``others()`` grows by."""
    wall, cpu, extra = time.perf_counter(), time.process_time(), others()
    results = run()
    return Figure(
        time.perf_counter() - wall,
        time.process_time() - cpu + others() - extra,
        results,
    )


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def import_distributed() -> ModuleType:
    """The ``distributed`` module, or exit with how to install it (the [dask] extra)."""
    try:
        # Imported by name, so the type checker does not need the extra installed.
        return importlib.import_module("distributed")
    except ImportError:
        sys.exit('bench_dask.py needs the [dask] extra: python -m pip install -e ".[dask]"')


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, run the rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes (about 10 s)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    distributed = import_distributed()
    workload: Workload = replace(load_workload(TWO_ACCOUNTS).scaled(plan.instances), days=plan.days)
    seeds = list(range(1, plan.seeds + 1))
    tasks = len(seeds) * len(workload.accounts)

    print(f"lifecycle Dask benchmark ({'--quick' if args.quick else 'full run'})")
    print(
        f"Python {platform.python_version()}, lifecycle {lifecycle.__version__}, "
        f"distributed {distributed.__version__}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; load average {load()} at the start"
    )
    print(
        "A shared, noisy machine: other people's jobs take CPU too, so wall times vary "
        "from run to run; compare within one run. Nothing is asserted."
    )
    print(
        f"Workload: two-accounts.toml scaled to {plan.instances:,} instances, "
        f"{plan.days:g} day(s), seeds {seeds[0]}-{seeds[-1]}: {tasks} tasks "
        f"(one per seed and account); {plan.rounds} interleaved rounds, median shown"
    )

    began = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=WORKERS,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    # Import the simulator in each worker now, so the rounds time the work, not the import.
    client.run(importlib.import_module, "lifecycle.simulation")
    started = time.perf_counter() - began
    try:

        def dask_cpu() -> float:
            return float(sum(client.run(worker_cpu).values()))

        executor = client.get_executor()
        ways: dict[str, tuple[Callable[[], list[SimulationResult]], Callable[[], float]]] = {
            "one process": (lambda: simulate(workload, seeds), lambda: 0.0),
            f"process pool (jobs={WORKERS})": (
                lambda: simulate(workload, seeds, jobs=WORKERS),
                children_cpu,
            ),
            f"Dask LocalCluster ({WORKERS} worker processes)": (
                lambda: simulate(workload, seeds, executor=executor),
                dask_cpu,
            ),
        }
        figures: dict[str, list[Figure]] = {name: [] for name in ways}
        for _ in range(plan.rounds):
            for name, (run, others) in ways.items():
                figures[name].append(timed(run, others))
    finally:
        client.close()
        cluster.close()

    report(figures, started)
    print(f"load average {load()} at the end; {time.perf_counter() - began:.1f} s in all")


def report(figures: dict[str, list[Figure]], started: float) -> None:
    """Print the table: median wall and CPU per way, and speed-ups against one process."""
    reference = next(iter(figures.values()))[0].results
    same = all(f.results == reference for runs in figures.values() for f in runs)
    medians: dict[str, dict[str, Any]] = {
        name: {
            "wall": statistics.median(f.wall for f in runs),
            "best": min(f.wall for f in runs),
            "cpu": statistics.median(f.cpu for f in runs),
            "walls": [f.wall for f in runs],
        }
        for name, runs in figures.items()
    }
    alone = next(iter(medians.values()))
    print()
    print(
        f"   {'way':<40} {'wall s':>7} {'speed-up':>9} {'best s':>7} {'speed-up':>9} "
        f"{'CPU s':>6} {'CPU x':>6}   wall of each round"
    )
    for name, row in medians.items():
        rounds = ", ".join(f"{w:.2f}" for w in row["walls"])
        print(
            f"   {name:<40} {row['wall']:>7.2f} {alone['wall'] / row['wall']:>8.2f}x "
            f"{row['best']:>7.2f} {alone['best'] / row['best']:>8.2f}x "
            f"{row['cpu']:>6.2f} {row['cpu'] / alone['cpu']:>5.2f}x   {rounds}"
        )
    print(f"   results identical in every way and round: {same}")
    print(
        f"   Dask cluster start-up (two spawned workers, lifecycle imported in each): "
        f"{started:.2f} s, not in the rows above"
    )
    print("   wall s: the median round; best s: the fastest (the least disturbed by other jobs);")
    print("   speed-up: one process's wall time over the row's; CPU x: the row's CPU (median)")
    print("   over one process's, the pool's spawned workers and Dask's workers included.")


if __name__ == "__main__":
    main()
