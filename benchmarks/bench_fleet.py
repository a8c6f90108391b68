"""Benchmark: a fleet of a million, and a simulated week of a hundred thousand.

Run it from the repository root (it imports ``lifecycle`` from this checkout)::

    python benchmarks/bench_fleet.py            # full run: about 5 minutes on a slow 2-core VM
    python benchmarks/bench_fleet.py --quick    # small sizes: about 15 seconds, for CI

Nothing is asserted about timings: the figures are printed side by side, and
the machine decides them. Compare ratios across rows of one run. The figures:

1. **Build and memory** of a fleet of N instances (1,000,000; 50,000 with
   ``--quick``), each measured in a fresh subprocess: ``EcsModel.create_instances``
   (bulk) against ``create_instance`` one at a time, and a whole
   ``Simulation`` of the default workload (the model plus the engine's
   per-instance mirror and schedules). One subprocess runs under
   ``tracemalloc`` (net traced bytes after ``gc.collect()``), another untraced
   one gives the build time and the growth of ``VmRSS``.
2. **Per-call cost against fleet size**, 1,000 to 1,000,000 instances (to
   100,000 with ``--quick``): ``start_instance`` succeeding on distinct Stopped
   instances drawn at random, ``status(id)``, and ``bulk("StartInstance", ids)``
   per instance, in ns, net of a bare loop; the median of interleaved rounds.
3. **Bulk against one call at a time**, every instance of a fleet of 100,000
   (10,000 with ``--quick``): starting each (``bulk`` vs ``start_instance`` in a
   loop, on twin fleets) and describing each (``statuses`` vs
   ``describe_instance_status`` with one id per call, and with pages of 100 ids,
   the API's maximum), in ns per instance.
4. **A simulated week**: ``examples/workloads/busy.toml`` (100,000 instances,
   seven days; 5,000 and one day with ``--quick``) in a fresh subprocess: build
   and run wall time, events handled, transitions, calls, and events plus
   transitions per second; the peak RSS of the process.
5. **A process pool of seeds**: the same seeds run with ``--jobs 1`` and with
   one worker per CPU, wall time and speed-up, and whether the results agree.
6. **The simulate command, per CPU-second**: ``python -m lifecycle simulate
   --instances 100000 --days 1 --seed 42`` (``--instances 10000`` with
   ``--quick``) in a fresh process, best of three; the process's CPU time (user
   plus system, start-up, build and summary included) and the events plus
   transitions it handled per CPU-second, the figure issue 14 sets at 400,000.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from random import Random
from typing import Any, Final

# A script's own folder, not the working directory, heads sys.path: put the
# checkout first so the benchmark measures this tree, installed or not.
ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lifecycle  # noqa: E402
from lifecycle import Durations, EcsModel, InstanceStatus  # noqa: E402
from lifecycle.simulation import (  # noqa: E402
    Simulation,
    default_workload,
    load_workload,
    simulate,
)

BUSY: Final = ROOT / "examples" / "workloads" / "busy.toml"
STOPPED: Final = InstanceStatus.STOPPED


@dataclass(frozen=True, slots=True)
class Plan:
    """How much work a run does."""

    repeats: int
    memory_size: int
    flat_sizes: tuple[int, ...]
    flat_batch: int
    bulk_size: int
    week_instances: int
    week_days: float
    pool_seeds: int
    pool_instances: int
    pool_days: float
    command_instances: int
    command_repeats: int


FULL: Final = Plan(
    repeats=5,
    memory_size=1_000_000,
    flat_sizes=(1_000, 10_000, 100_000, 1_000_000),
    flat_batch=10_000,
    bulk_size=100_000,
    week_instances=100_000,
    week_days=7.0,
    pool_seeds=4,
    pool_instances=20_000,
    pool_days=1.0,
    command_instances=100_000,
    command_repeats=3,
)
QUICK: Final = Plan(
    repeats=5,
    memory_size=50_000,
    flat_sizes=(1_000, 10_000, 100_000),
    flat_batch=2_000,
    bulk_size=10_000,
    week_instances=5_000,
    week_days=1.0,
    pool_seeds=2,
    pool_instances=2_000,
    pool_days=0.5,
    command_instances=10_000,
    command_repeats=1,
)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable cyclic GC for the block and restore its previous state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def timed_ns(action: Callable[[], object]) -> int:
    """Nanoseconds ``action()`` takes, GC paused."""
    with gc_paused():
        began = time.perf_counter_ns()
        action()
        return time.perf_counter_ns() - began


def each_ns(call: Callable[[Any], object], items: Sequence[Any]) -> int:
    """Nanoseconds ``call(item)`` takes for every item, GC paused."""
    with gc_paused():
        began = time.perf_counter_ns()
        for item in items:
            call(item)
        return time.perf_counter_ns() - began


def empty_ns(items: Sequence[Any]) -> int:
    """Nanoseconds a bare loop over ``items`` takes: the overhead ``each_ns`` includes."""
    with gc_paused():
        began = time.perf_counter_ns()
        for _ in items:
            pass
        return time.perf_counter_ns() - began


def yardstick_us(loops: int = 2_000) -> float:
    """Median µs of ``sum(range(1000))``: engine-notes' measure of a machine's speed (8.5 µs)."""
    samples = []
    for _ in range(5):
        with gc_paused():
            began = time.perf_counter_ns()
            for _ in range(loops):
                sum(range(1000))
            samples.append(time.perf_counter_ns() - began)
    return statistics.median(samples) / loops / 1000


def proc_status(field: str) -> int | None:
    """A ``/proc/self/status`` size field (``VmRSS``, ``VmHWM``) in bytes; ``None`` without it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def fleet(size: int) -> EcsModel:
    """A model of ``size`` Stopped instances ``i-0`` ... built in bulk."""
    model = EcsModel()
    model.create_instances(size, id_prefix="i-", status=STOPPED)
    return model


# ------------------------------------------------------------- section 1
BUILDERS: Final = ("bulk", "single", "simulation")


def build(kind: str, size: int) -> object:
    """Build a fleet of ``size`` the way ``kind`` names; return what holds it."""
    if kind == "bulk":
        return fleet(size)
    if kind == "single":
        model = EcsModel()
        create = model.create_instance
        for n in range(size):
            create(f"i-{n}", status=STOPPED)
        return model
    return Simulation(default_workload(size), seed=1)


def memory_worker(kind: str, size: int, traced: bool) -> None:
    """In a fresh process: build, then print one JSON line of time and memory."""
    gc.collect()
    rss_before = proc_status("VmRSS")
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    held = build(kind, size)
    build_s = time.perf_counter() - began
    gc.collect()
    traced_bytes = tracemalloc.get_traced_memory()[0] if traced else 0
    rss_after = proc_status("VmRSS")
    rss = None if rss_before is None or rss_after is None else rss_after - rss_before
    print(json.dumps({"build_s": build_s, "traced": traced_bytes, "rss": rss, "held": id(held)}))


def worker(*args: str) -> dict[str, Any]:
    """Run this script with ``args`` in a fresh interpreter; its last line, as JSON."""
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def memory_rows(plan: Plan) -> list[dict[str, Any]]:
    """Section 1: every builder, traced and untraced, each in its own process."""
    rows = []
    for kind in BUILDERS:
        size = str(plan.memory_size)
        traced = worker("--memory", kind, size, "--traced")
        plain = worker("--memory", kind, size)
        rows.append(
            {
                "kind": kind,
                "build_s": plain["build_s"],
                "traced": traced["traced"],
                "traced_build_s": traced["build_s"],
                "rss": plain["rss"],
            }
        )
    return rows


# ------------------------------------------------------------- section 2
def flat_rows(plan: Plan) -> list[dict[str, float]]:
    """Section 2: per-call costs at each size, rounds interleaved across sizes.

    Each round draws two fresh random batches of distinct Stopped instances per
    fleet: one for ``start_instance`` and ``status``, one for ``bulk``. After
    the round (untimed) the clock settles them to Running, a bulk stop and the
    clock bring them back to Stopped, so every round finds the whole fleet
    Stopped and the 1,000-instance fleet is sampled as fully as the largest.
    """
    rng = Random(0)
    fleets = {size: fleet(size) for size in plan.flat_sizes}
    ids = {size: model.instance_ids() for size, model in fleets.items()}
    samples: dict[tuple[int, str], list[int]] = {}
    for _ in range(plan.repeats):
        for size, model in fleets.items():
            batch = min(plan.flat_batch, size // 3)
            chosen = rng.sample(range(size), 2 * batch)
            picks = [ids[size][k] for k in chosen]
            singles, bulks = picks[:batch], picks[batch:]
            # A run of consecutive instances the random picks left alone: cache-friendly.
            taken = set(chosen)
            offset = rng.randrange(size)
            ordered = [
                ids[size][k]
                for k in (offset + j for j in range(size))
                if k < size and k not in taken
            ][:batch]
            empty = empty_ns(singles)
            figures = {
                "start_instance": each_ns(model.start_instance, singles) - empty,
                "in order": each_ns(model.start_instance, ordered) - empty_ns(ordered),
                "status": each_ns(model.status, singles) - empty,
                "bulk start": timed_ns(partial(model.bulk, "StartInstance", bulks)),
            }
            picks += ordered
            for name, total in figures.items():
                samples.setdefault((size, name), []).append(total // batch)
            samples[(size, "batch")] = [batch]
            model.advance(3_600)  # Starting -> Running
            model.bulk("StopInstance", picks)
            model.advance(3_600)  # Stopping -> Stopped
    return [
        {
            "size": size,
            "batch": samples[(size, "batch")][0],
            **{
                name: statistics.median(samples[(size, name)])
                for name in ("start_instance", "in order", "status", "bulk start")
            },
        }
        for size in plan.flat_sizes
    ]


# ----------------------------------------------------------- section 2b
def cpu_ns(action: Callable[[], object]) -> int:
    """Thread CPU nanoseconds ``action()`` takes, GC paused (wall time is noisy here)."""
    with gc_paused():
        began = time.thread_time_ns()
        action()
        return time.thread_time_ns() - began


def repeat_ns(call: Callable[[], object], times: int) -> float:
    """Thread CPU nanoseconds per ``call()``, over ``times`` calls."""

    def calls() -> None:
        for _ in range(times):
            call()

    return cpu_ns(calls) / times


def client_rows(plan: Plan) -> list[dict[str, float]]:
    """Section 2b: what a real client's loop costs against fleet size, in CPU time.

    Each fleet is half Running, half Stopped, interleaved. Per round and fleet:
    a DescribeInstances page of the Running ones by the Status filter (the
    wait loop of Terraform and Ansible), one by a one-id ``InstanceIds`` JSON
    list, and a 100-instance StopInstances against ``bulk`` on another 100
    (both brought back to Running, untimed). Rounds interleave the sizes.
    """
    rng = Random(1)
    models: dict[int, EcsModel] = {}
    for size in plan.flat_sizes:
        model = EcsModel(durations=Durations.immediate())
        for n in range(0, size, 2):
            model.create_instances(1, id_prefix=f"i-r{n}-", status="Running")
            model.create_instances(1, id_prefix=f"i-s{n}-", status=STOPPED)
        models[size] = model
    polls = 200
    samples: dict[tuple[int, str], list[float]] = {}
    for _ in range(plan.repeats):
        for size, model in models.items():
            running = [f"i-r{n}-0" for n in range(0, size, 2)]
            one = json.dumps([rng.choice(running)])
            batch = rng.sample(running, 200)
            figures = {
                "status page": repeat_ns(
                    partial(model.describe_instances, status="Running"), polls
                ),
                "ids page": repeat_ns(partial(model.describe_instances, instance_ids=one), polls),
                "StopInstances": cpu_ns(partial(model.stop_instances, batch[:100])) / 100,
                "bulk stop": cpu_ns(partial(model.bulk, "StopInstance", batch[100:])) / 100,
            }
            model.bulk("StartInstance", batch)
            for name, value in figures.items():
                samples.setdefault((size, name), []).append(value)
    return [
        {
            "size": size,
            **{
                name: statistics.median(samples[(size, name)])
                for name in ("status page", "ids page", "StopInstances", "bulk stop")
            },
        }
        for size in plan.flat_sizes
    ]


def print_client(rows: list[dict[str, float]]) -> None:
    """Section 2b table."""
    print()
    print("2b. A client's loop against fleet size (CPU ns per call, or per instance for batches)")
    print(
        f"   {'instances':>10} {'Status page':>12} {'vs 1st':>7} {'InstanceIds':>12} "
        f"{'vs 1st':>7} {'StopInstances':>14} {'bulk stop':>10}"
    )
    first = rows[0]
    for row in rows:
        print(
            f"   {int(row['size']):>10,} {row['status page']:>12,.0f} "
            f"{row['status page'] / first['status page']:>6.2f}x {row['ids page']:>12,.0f} "
            f"{row['ids page'] / first['ids page']:>6.2f}x {row['StopInstances']:>14,.0f} "
            f"{row['bulk stop']:>10,.0f}"
        )
    print("   Status page: describe_instances(status='Running'), the first 10 of half the fleet;")
    print("   InstanceIds: describe_instances(instance_ids='[\"i-...\"]'), one instance;")
    print("   StopInstances (100 ids, AllTogether) and bulk('StopInstance') per instance.")


# ------------------------------------------------------------- section 3
def bulk_rows(plan: Plan) -> list[tuple[str, float, float, str]]:
    """Section 3: (what, bulk ns per instance, one at a time ns per instance, how)."""
    size = plan.bulk_size
    starts_bulk: list[int] = []
    starts_single: list[int] = []
    statuses: list[int] = []
    describes: list[int] = []
    pages: list[int] = []
    counts: list[int] = []
    for _ in range(plan.repeats):
        twin_a, twin_b = fleet(size), fleet(size)
        ids = twin_a.instance_ids()
        starts_bulk.append(timed_ns(partial(twin_a.bulk, "StartInstance", ids)))
        starts_single.append(each_ns(twin_b.start_instance, ids))
        assert twin_a.status_counts() == twin_b.status_counts()
        statuses.append(timed_ns(partial(twin_a.statuses, ids)))
        describe = partial(twin_a.describe_instance_status, page_size=50)
        describes.append(each_ns(describe, [[i] for i in ids]))
        # The API takes up to 100 ids but answers at most 50 a page: 50 ids a call.
        pages.append(each_ns(describe, [ids[k : k + 50] for k in range(0, size, 50)]))
        counts.append(timed_ns(twin_a.status_counts))
    med = statistics.median
    return [
        (
            "start every instance",
            med(starts_bulk) / size,
            med(starts_single) / size,
            "bulk() vs start_instance() per id",
        ),
        (
            "describe every instance",
            med(statuses) / size,
            med(describes) / size,
            "statuses(ids) vs describe_instance_status([id]) per id",
        ),
        (
            "describe, 50 ids a call",
            med(statuses) / size,
            med(pages) / size,
            "statuses(ids) vs describe_instance_status(50 ids), a full page",
        ),
        (
            "count every status",
            med(counts) / size,
            med(statuses) / size,
            "status_counts() vs statuses(ids)",
        ),
    ]


# ------------------------------------------------------------- section 4
def week_worker(instances: int, days: float) -> None:
    """In a fresh process: simulate the busy workload; print one JSON line."""
    workload = replace(load_workload(BUSY).scaled(instances), days=days)
    began = time.perf_counter()
    simulation = Simulation(workload, seed=42)
    built = time.perf_counter()
    summary = simulation.run().summary
    ran = time.perf_counter()
    print(
        json.dumps(
            {
                "build_s": built - began,
                "run_s": ran - built,
                "events": summary.events,
                "transitions": summary.transitions,
                "calls": summary.total_calls,
                "stuck": sum(summary.stuck.values()),
                "losses": sum(summary.data_losses.values()),
                "platform": summary.platform,
                "faults": summary.faults,
                "peak_rss": proc_status("VmHWM"),
            }
        )
    )


# ------------------------------------------------------------- section 5
def pool_row(plan: Plan) -> dict[str, float | int | bool]:
    """Section 5: the same seeds in this process and in a pool of one worker per CPU."""
    workload = default_workload(plan.pool_instances, days=plan.pool_days)
    seeds = list(range(1, plan.pool_seeds + 1))
    jobs = os.cpu_count() or 1
    began = time.perf_counter()
    alone = simulate(workload, seeds, jobs=1)
    serial = time.perf_counter() - began
    began = time.perf_counter()
    pooled = simulate(workload, seeds, jobs=jobs)
    parallel = time.perf_counter() - began
    return {"jobs": jobs, "serial": serial, "parallel": parallel, "same": alone == pooled}


# ------------------------------------------------------------- section 6
def command_row(plan: Plan) -> dict[str, Any]:
    """Section 6: the simulate command in a fresh process; its CPU time (best of the repeats)."""
    argv = [
        sys.executable,
        "-m",
        "lifecycle",
        "simulate",
        "--instances",
        str(plan.command_instances),
        "--days",
        "1",
        "--seed",
        "42",
        "--no-progress",
        "--json",
    ]
    best: dict[str, Any] = {}
    for _ in range(plan.command_repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        user = after.ru_utime - before.ru_utime
        system = after.ru_stime - before.ru_stime
        if not best or user + system < best["user"] + best["system"]:
            summary = json.loads(done.stdout)
            best = {
                "command": " ".join(["python", *argv[1:-2]]),
                "user": user,
                "system": system,
                "wall": wall,
                "events": summary["events"],
                "transitions": summary["transitions"],
            }
    return best


# ------------------------------------------------------------- printing
def mib(value: float | None) -> str:
    """Bytes as MiB, or ``n/a``."""
    return "n/a" if value is None else f"{value / 2**20:,.1f}"


def print_memory(rows: list[dict[str, Any]], size: int) -> None:
    """Section 1 table."""
    print()
    print(f"1. Build and memory, {size:,} instances (fresh processes)")
    print(
        f"   {'how':<34} {'build s':>8} {'µs/inst':>8} {'traced MiB':>11} {'B/inst':>7} "
        f"{'RSS Δ MiB':>10} {'traced build s':>15}"
    )
    labels = {
        "bulk": "create_instances (bulk)",
        "single": "create_instance, one at a time",
        "simulation": "Simulation(default workload)",
    }
    for row in rows:
        print(
            f"   {labels[row['kind']]:<34} {row['build_s']:>8.2f} "
            f"{row['build_s'] / size * 1e6:>8.2f} {mib(row['traced']):>11} "
            f"{row['traced'] / size:>7,.0f} {mib(row['rss']):>10} {row['traced_build_s']:>15.2f}"
        )
    bulk, single = rows[0]["build_s"], rows[1]["build_s"]
    print(f"   bulk creation is {single / bulk:,.1f}x faster than one at a time.")
    print("   Simulation: the model plus the engine's mirror (status, flags, entry time per")
    print("   instance) and the PrePaid expiry schedule; ids are the model's own strings.")


def print_flat(rows: list[dict[str, float]]) -> None:
    """Section 2 table."""
    print()
    print("2. Per-call cost against fleet size (ns per instance, median of rounds)")
    print(
        f"   {'instances':>10} {'batch':>7} {'start_instance':>15} {'vs 1st':>7} "
        f"{'in order':>9} {'vs 1st':>7} {'status(id)':>11} {'bulk start':>11}"
    )
    first, first_ordered = rows[0]["start_instance"], rows[0]["in order"]
    for row in rows:
        print(
            f"   {int(row['size']):>10,} {int(row['batch']):>7,} {row['start_instance']:>15,.0f} "
            f"{row['start_instance'] / first:>6.2f}x {row['in order']:>9,.0f} "
            f"{row['in order'] / first_ordered:>6.2f}x {row['status']:>11,.0f} "
            f"{row['bulk start']:>11,.0f}"
        )
    print("   start_instance and status(id): distinct random instances, net of a bare loop;")
    print("   in order: start_instance on a run of consecutive instances (cache-friendly);")
    print("   bulk start: bulk('StartInstance', ids) over another random batch, per instance.")


def print_bulk(rows: list[tuple[str, float, float, str]], size: int) -> None:
    """Section 3 table."""
    print()
    print(f"3. Bulk against one call at a time, every instance of {size:,} (ns per instance)")
    print(f"   {'what':<32} {'bulk':>8} {'one by one':>11} {'ratio':>7}   how")
    for what, bulk, single, how in rows:
        print(f"   {what:<32} {bulk:>8,.0f} {single:>11,.0f} {single / bulk:>6.1f}x   {how}")


def print_week(answer: dict[str, Any], plan: Plan) -> None:
    """Section 4 table."""
    print()
    print(
        f"4. A simulated {plan.week_days:g}-day run of examples/workloads/busy.toml, "
        f"{plan.week_instances:,} instances, seed 42 (fresh process)"
    )
    handled = answer["events"] + answer["transitions"]
    print(
        f"   build {answer['build_s']:.2f} s, run {answer['run_s']:.1f} s: "
        f"{answer['events']:,} events, {answer['transitions']:,} transitions, "
        f"{answer['calls']:,} calls"
    )
    print(
        f"   {handled / answer['run_s']:,.0f} events and transitions per second "
        f"({answer['events'] / answer['run_s']:,.0f} events/s); "
        f"peak RSS {mib(answer['peak_rss'])} MiB"
    )
    platform_events = ", ".join(f"{k} {v:,}" for k, v in answer["platform"].items() if v)
    print(f"   platform: {platform_events}")
    faults = ", ".join(f"{k} {v:,}" for k, v in answer["faults"].items())
    print(
        f"   injected faults: {faults}; stuck at the end: {answer['stuck']:,}; "
        f"data losses: {answer['losses']:,}"
    )


def print_pool(row: dict[str, float | int | bool], plan: Plan) -> None:
    """Section 5 line."""
    print()
    print(
        f"5. Process pool: {plan.pool_seeds} seeds x {plan.pool_instances:,} instances x "
        f"{plan.pool_days:g} day(s) of the default workload"
    )
    print(
        f"   --jobs 1: {row['serial']:.1f} s; --jobs {row['jobs']}: {row['parallel']:.1f} s "
        f"({row['serial'] / row['parallel']:.2f}x); results identical: {row['same']}"
    )
    print("   (spawned workers each import lifecycle and rebuild their fleet: ~0.3 s apiece)")


def print_command(row: dict[str, Any], plan: Plan) -> None:
    """Section 6 lines."""
    cpu = row["user"] + row["system"]
    handled = row["events"] + row["transitions"]
    print()
    print(f"6. The simulate command, fresh process, best of {plan.command_repeats}")
    print(f"   {row['command']}")
    print(
        f"   {row['events']:,} events, {row['transitions']:,} transitions; CPU {cpu:.2f} s "
        f"(user {row['user']:.2f} s, system {row['system']:.2f} s), wall {row['wall']:.2f} s"
    )
    print(
        f"   {handled / cpu:,.0f} events and transitions per CPU-second "
        f"({row['events'] / cpu:,.0f} events per CPU-second); start-up, build and summary included"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and print every section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes (about 15 s)")
    parser.add_argument("--memory", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--week", nargs=2, metavar=("N", "DAYS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory is not None:
        memory_worker(args.memory[0], int(args.memory[1]), args.traced)
        return
    if args.week is not None:
        week_worker(int(args.week[0]), float(args.week[1]))
        return
    plan = QUICK if args.quick else FULL
    began = time.perf_counter()
    print(f"lifecycle fleet benchmark ({'--quick' if args.quick else 'full run'})")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"lifecycle {lifecycle.__version__}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; medians of {plan.repeats} rounds; nothing asserted"
    )
    print(
        f"speed yardstick: sum(range(1000)) = {yardstick_us():.1f} µs here, "
        "8.5 µs on the engine-notes VM"
    )
    print_memory(memory_rows(plan), plan.memory_size)
    print_flat(flat_rows(plan))
    print_client(client_rows(plan))
    print_bulk(bulk_rows(plan), plan.bulk_size)
    print_week(worker("--week", str(plan.week_instances), str(plan.week_days)), plan)
    print_pool(pool_row(plan), plan)
    print_command(command_row(plan), plan)
    print(
        f"\nTotal time: {time.perf_counter() - began:.1f} s; "
        f"speed yardstick now {yardstick_us():.1f} µs (drift check)"
    )


if __name__ == "__main__":
    main()
