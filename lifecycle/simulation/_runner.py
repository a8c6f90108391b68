"""The thin I/O layer around the engine: workload files, trace files, the process pool.

The engine is pure; this module is where files are opened and processes
started. A run of several seeds is split into tasks, one per seed and
account; accounts share nothing, so each task is a whole ``Simulation`` and
the tasks can run in any order, in this process or in a pool
(``concurrent.futures.ProcessPoolExecutor``), with the same result. One
seed's accounts are then combined: summaries added up, samples put side by
side, trace files merged in time order.
"""

from __future__ import annotations

import heapq
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    ProcessPoolExecutor,
    as_completed,
    wait,
)
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from queue import Empty, Queue

from ..errors import InvalidArgument
from ._checkpoint import decode
from ._engine import Simulation, snapshot_accounts, snapshot_all
from ._summary import SimulationResult
from ._svg import status_svg
from ._workload import Workload, parse_workload

__all__ = [
    "Interrupted",
    "checkpoint",
    "load_workload",
    "output_path",
    "resume",
    "simulate",
    "write_plot",
]

ProgressSink = Callable[[float], object]
#: An interruptible run is run in this many slices of simulated time, and the
#: interrupt is looked at between two: a run split anywhere has the same outcome.
_SLICES = 1000


class Interrupted(Exception):
    """A run stopped early because ``interrupt`` was set (Ctrl-C in ``lifecycle simulate``).

    Attributes:
        result: The interrupted account's result up to ``seconds`` (exact: the
            run stopped between two slices, never inside an event).
        seconds: How far the run got, in simulated seconds.
        end: Where it would have ended.
        where: Which run: ``"seed S, account A"``.
    """

    def __init__(self, result: SimulationResult, seconds: float, end: float, where: str) -> None:
        super().__init__(f"interrupted at {seconds:g} s of {end:g} s ({where})")
        self.result = result
        self.seconds = seconds
        self.end = end
        self.where = where


def _run(
    simulation: Simulation,
    until: float,
    interrupt: threading.Event | None,
    where: str,
    trace: Callable[[str], object] | None = None,
) -> SimulationResult:
    """``simulation.run(until)``, in slices when it may be interrupted.

    Raises:
        Interrupted: once ``interrupt`` is set, at the end of the current slice;
            a ``trace`` gets a last line saying the trace is partial.
    """
    if interrupt is None:
        return simulation.run(until)
    step = until / _SLICES
    while True:
        stop = min(simulation.now + step, until)
        # A slice only advances: the result (a pass over every instance) is worked
        # out once, at the end or on an interruption, not after each of the slices.
        simulation._advance(stop)
        # Done at ``until``, or at the run's own end when ``until`` is past it.
        if stop >= until or simulation.now < stop:
            return simulation.result()
        if interrupt.is_set():
            if trace is not None:
                trace(
                    f'{{"t":{simulation.now!r},"type":"interrupted","partial":true,'
                    f'"until":{until!r}}}\n'
                )
            raise Interrupted(simulation.result(), simulation.now, until, where)


def load_workload(path: str | os.PathLike[str]) -> Workload:
    """Read a workload from a TOML file (see ``parse_workload`` for the format).

    Raises:
        InvalidArgument: if the file cannot be read or is not a valid workload;
            the message names the file.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidArgument(f"workload file {os.fspath(path)!r}: {error}") from None
    try:
        return parse_workload(text)
    except InvalidArgument as error:
        raise InvalidArgument(f"{os.fspath(path)}: {error}") from None


def output_path(template: str | os.PathLike[str], seed: int, *, several: bool) -> Path:
    """Where one seed's output goes.

    ``{seed}`` in ``template`` is replaced by the seed; without it, several
    seeds get ``-seed<N>`` before the suffix (``trace.jsonl`` becomes
    ``trace-seed7.jsonl``) and a single seed uses ``template`` as it is.
    """
    text = os.fspath(template)
    if "{seed}" in text:
        return Path(text.replace("{seed}", str(seed)))
    path = Path(text)
    if not several:
        return path
    return path.with_name(f"{path.stem}-seed{seed}{path.suffix}")


@dataclass(frozen=True, slots=True)
class _Task:
    """One account of one seed: what a worker process runs."""

    workload: Workload
    seed: int
    account: str
    trace: str | None


def _run_task(
    task: _Task, progress: ProgressSink | None = None, interrupt: threading.Event | None = None
) -> SimulationResult:
    """Run one task; the function a pool's worker calls (so it must be importable)."""
    end = task.workload.seconds
    where = f"seed {task.seed}, account {task.account}"
    if task.trace is None:
        simulation = Simulation(
            task.workload, seed=task.seed, account=task.account, on_progress=progress
        )
        return _run(simulation, end, interrupt, where)
    with open(task.trace, "w", encoding="utf-8", newline="\n") as handle:
        simulation = Simulation(
            task.workload,
            seed=task.seed,
            account=task.account,
            on_trace=handle.write,
            on_progress=progress,
        )
        return _run(simulation, end, interrupt, where, handle.write)


def _line_time(line: str) -> float:
    # Every trace line starts with {"t":<time>, (the engine writes it so).
    return float(line[5 : line.index(",", 5)])


def _merge_traces(parts: Sequence[str], into: Path) -> None:
    """Merge time-ordered trace files into one, in time order; ties keep part order."""
    with ExitStack() as stack:
        handles: list[Iterator[str]] = [
            stack.enter_context(open(part, encoding="utf-8", newline="\n")) for part in parts
        ]
        out = stack.enter_context(open(into, "w", encoding="utf-8", newline="\n"))
        out.writelines(heapq.merge(*handles, key=_line_time))
    for part in parts:
        os.remove(part)


def simulate(
    workload: Workload,
    seeds: Sequence[int] = (0,),
    *,
    jobs: int = 1,
    trace: str | os.PathLike[str] | None = None,
    on_progress: ProgressSink | None = None,
    executor: Executor | None = None,
    interrupt: threading.Event | None = None,
) -> list[SimulationResult]:
    """Run ``workload`` once per seed, every account, in this process or a pool.

    Args:
        workload: What to simulate.
        seeds: One run per seed, in this order.
        jobs: Worker processes; 1 runs everything here. Tasks are one seed's
            one account each, so a pool spreads seeds and accounts alike.
        trace: Where to write each seed's trace (JSON Lines); see
            ``output_path`` for several seeds. ``None`` for no trace.
        on_progress: Called with the share of the work done.
        executor: Any ``concurrent.futures.Executor`` to run the tasks on
            instead (``jobs`` is then ignored), for example a Dask cluster's
            ``client.get_executor()``; it is not shut down. Trace files are
            written by the workers, so their paths must be on storage the
            workers and this process share.
        interrupt: Looked at between slices of a run in this process (``jobs=1``):
            once set, the run stops and ``Interrupted`` is raised; the trace so
            far is kept and ends with a line saying it is partial.

    Returns:
        One result per seed, in the order of ``seeds``; the same whatever ``jobs`` is.

    Raises:
        InvalidArgument: for no seeds, a repeated seed, or a bad ``jobs``.
        Interrupted: when ``interrupt`` is set before the end.
    """
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
        raise InvalidArgument(f"seeds={seeds!r}: expected one or more int seeds")
    if len(set(seeds)) != len(seeds):
        raise InvalidArgument(f"seeds={seeds!r}: each seed once")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidArgument(f"jobs={jobs!r}: expected an int >= 1")
    accounts = [a.name for a in workload.accounts]
    several = len(seeds) > 1
    finals: dict[int, Path] = {}
    tasks: list[_Task] = []
    for seed in seeds:
        final = None if trace is None else output_path(trace, seed, several=several)
        for account in accounts:
            part = None
            if final is not None:
                finals[seed] = final
                part = str(final if len(accounts) == 1 else f"{final}.{account}.part")
            tasks.append(_Task(workload, seed, account, part))
    try:
        results = _run_tasks(tasks, jobs, on_progress, executor, interrupt)
    except Interrupted:
        # Keep what was traced: each seed's parts merged into its file.
        for seed, final in finals.items():
            parts = [t.trace for t in tasks if t.seed == seed and t.trace is not None]
            written = [part for part in parts if os.path.exists(part)]
            if len(accounts) > 1 and written:
                _merge_traces(written, final)
        raise
    combined = []
    for seed in seeds:
        mine = [results[i] for i, task in enumerate(tasks) if task.seed == seed]
        combined.append(SimulationResult.combine(mine))
        if seed in finals and len(accounts) > 1:
            parts = [t.trace for t in tasks if t.seed == seed and t.trace is not None]
            _merge_traces(parts, finals[seed])
    return combined


def _run_tasks(
    tasks: Sequence[_Task],
    jobs: int,
    on_progress: ProgressSink | None,
    executor: Executor | None,
    interrupt: threading.Event | None = None,
) -> list[SimulationResult]:
    total = len(tasks)
    if executor is None and (jobs == 1 or total == 1):
        results = []
        for done, task in enumerate(tasks):
            report = None
            if on_progress is not None:
                report = _scaled(on_progress, done, total)
            results.append(_run_task(task, report, interrupt))
        return results
    with ExitStack() as stack:
        slots: list[SimulationResult | None] = [None] * total
        if executor is None:
            # spawn: the same behaviour on every platform, and no fork of a threaded parent.
            context = get_context("spawn")
            executor = stack.enter_context(
                ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context)
            )
            if on_progress is not None:
                # Our own workers report how far each task is, so the bar moves with
                # the work, not only when a whole task ends.
                queue = stack.enter_context(context.Manager()).Queue()
                _run_reporting(tasks, executor, queue, on_progress, slots)
                return [result for result in slots if result is not None]
        futures = {executor.submit(_run_task, task): i for i, task in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), start=1):
            slots[futures[future]] = future.result()
            if on_progress is not None:
                on_progress(done / total)
    return [result for result in slots if result is not None]


def _run_reporting(
    tasks: Sequence[_Task],
    executor: Executor,
    queue: Queue[tuple[int, float]],
    on_progress: ProgressSink,
    slots: list[SimulationResult | None],
) -> None:
    """Run ``tasks`` on ``executor``, reporting the share of all the work done as it goes.

    A task's reports reach the queue before its result reaches its future, so
    the queue is drained before the finished futures are read: every share a
    task reported is seen before the task counts as done.
    """
    total = len(tasks)
    shares = [0.0] * total
    futures = {
        executor.submit(_run_task, task, _Reporter(queue, n)): n for n, task in enumerate(tasks)
    }
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
        while True:
            try:
                n, share = queue.get_nowait()
            except Empty:
                break
            shares[n] = share
            on_progress(sum(shares) / total)
        for future in finished:
            n = futures[future]
            slots[n] = future.result()
            shares[n] = 1.0
            on_progress(sum(shares) / total)


class _Reporter:
    """A worker's progress sink: sends its task's share to the parent, in steps of 1%."""

    def __init__(self, queue: Queue[tuple[int, float]], task: int) -> None:
        self._queue = queue
        self._task = task
        self._sent = 0.0

    def __call__(self, share: float) -> None:
        if share - self._sent >= 0.01:
            self._sent = share
            self._queue.put((self._task, share))


def _scaled(sink: ProgressSink, done: int, total: int) -> ProgressSink:
    def report(fraction: float) -> None:
        sink((done + fraction) / total)

    return report


def checkpoint(
    workload: Workload,
    seed: int,
    *,
    until: float,
    path: str | os.PathLike[str],
    trace: str | os.PathLike[str] | None = None,
    on_progress: ProgressSink | None = None,
    interrupt: threading.Event | None = None,
) -> SimulationResult:
    """Run one seed's every account up to ``until`` seconds and save them in one snapshot.

    ``resume(path)`` carries on to the end with the same outcome as a run
    never interrupted; a trace written here and continued by ``resume`` is
    byte for byte the uninterrupted trace.

    Returns:
        The result so far.

    Raises:
        InvalidArgument: for an ``until`` that is not a finite number >= 0, or a
            trace of a workload with several accounts (their traces are merged
            only at the end of a run).
        Interrupted: when ``interrupt`` is set before ``until`` (nothing is saved).
    """
    if isinstance(until, bool) or not isinstance(until, int | float) or not 0 <= until < math.inf:
        raise InvalidArgument(f"until={until!r}: expected a finite number of seconds >= 0")
    accounts = [a.name for a in workload.accounts]
    _check_trace(trace, accounts)
    with ExitStack() as stack:
        sink = None
        if trace is not None:
            sink = stack.enter_context(open(trace, "w", encoding="utf-8", newline="\n")).write
        simulations = [
            Simulation(workload, seed=seed, account=account, on_trace=sink) for account in accounts
        ]
        results = [
            _run(simulation, until, interrupt, f"seed {seed}, account {account}", sink)
            for simulation, account in zip(simulations, accounts, strict=True)
        ]
    Path(path).write_bytes(snapshot_all(simulations))
    if on_progress is not None:
        on_progress(1.0)
    return SimulationResult.combine(results)


def resume(
    path: str | os.PathLike[str],
    *,
    trace: str | os.PathLike[str] | None = None,
    on_progress: ProgressSink | None = None,
    interrupt: threading.Event | None = None,
) -> SimulationResult:
    """Carry on a ``checkpoint`` to the end, appending to its ``trace``.

    Raises:
        InvalidArgument: if the file cannot be read, or for a trace of several accounts.
        SnapshotError: for a file that is not a simulation snapshot, or a damaged one.
        Interrupted: when ``interrupt`` is set before the end.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InvalidArgument(f"snapshot file {os.fspath(path)!r}: {error}") from None
    accounts = snapshot_accounts(data)
    _check_trace(trace, accounts)
    with ExitStack() as stack:
        sink = None
        if trace is not None:
            sink = stack.enter_context(open(trace, "a", encoding="utf-8", newline="\n")).write
        results = []
        for done, account in enumerate(accounts):
            simulation = Simulation.restore(
                data,
                account=account,
                on_trace=sink,
                on_progress=None
                if on_progress is None
                else _scaled(on_progress, done, len(accounts)),
            )
            # Read after restore, which has checked the workload.
            end = parse_workload(decode(data)["workload"]).seconds
            where = f"resumed, account {account}"
            results.append(_run(simulation, end, interrupt, where, sink))
    return SimulationResult.combine(results)


def _check_trace(trace: object, accounts: Sequence[str]) -> None:
    if trace is not None and len(accounts) > 1:
        raise InvalidArgument(
            "a trace across a snapshot needs a workload with one account; "
            f"this one has {len(accounts)} ({', '.join(accounts)})"
        )


def write_plot(path: str | os.PathLike[str], result: SimulationResult, *, title: str) -> None:
    """Write ``result``'s status-over-time picture to ``path`` as SVG."""
    Path(path).write_text(status_svg(result.samples, title=title), encoding="utf-8")
