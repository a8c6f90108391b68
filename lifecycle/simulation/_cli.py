"""``lifecycle simulate``: the command line over ``simulate``, and its progress bar.

Only this module and ``_runner`` touch files, terminals and the wall clock.
Standard output carries the summary alone, so the same seed prints the same
bytes; the progress bar and the timing line go to standard error, the bar
only on a terminal and never under CI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from ..errors import InvalidArgument, SnapshotError
from ._runner import (
    Interrupted,
    checkpoint,
    load_workload,
    output_path,
    resume,
    simulate,
    write_plot,
)
from ._summary import SimulationResult, compare
from ._workload import Workload, default_workload

__all__ = ["ProgressBar", "add_parser", "run_command"]

#: ``simulate`` without ``--instances`` or ``--workload``: a few seconds' run.
DEFAULT_INSTANCES = 10_000
#: The most seeds one command runs (each is a whole run; the list is made up front).
MAX_SEEDS = 10_000
#: The largest fleet and the longest run the command takes (a careless 10**11
#: instances was a MemoryError traceback; 10**12 days never ended).
MAX_INSTANCES = 10_000_000
MAX_DAYS = 36_500


class ProgressBar:
    """A one-line progress bar redrawn in place, with the time left.

    Args:
        stream: Where to draw (a terminal).
        label: Shown before the bar.
    """

    def __init__(self, stream: TextIO, label: str) -> None:
        self._stream = stream
        self._label = label
        self._began = time.monotonic()
        self._shown = -1

    def __call__(self, fraction: float) -> None:
        """Show ``fraction`` (0 to 1) done."""
        permille = min(1000, max(0, int(fraction * 1000)))
        if permille == self._shown:
            return
        self._shown = permille
        width = 30
        filled = width * permille // 1000
        elapsed = time.monotonic() - self._began
        left = elapsed * (1000 - permille) / permille if permille else 0.0
        self._stream.write(
            f"\r{self._label} [{'#' * filled}{'.' * (width - filled)}] "
            f"{permille / 10:5.1f} %  {elapsed:6.1f} s, about {left:.0f} s left "
        )
        self._stream.flush()

    def close(self) -> None:
        """Erase the bar."""
        self._stream.write("\r" + " " * 79 + "\r")
        self._stream.flush()


def wants_progress(stream: TextIO, environ: dict[str, str] | os._Environ[str]) -> bool:
    """A bar only on a terminal, and never under CI (``CI`` set to anything but empty)."""
    return stream.isatty() and not environ.get("CI")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``simulate`` subcommand to the ``lifecycle`` command line."""
    parser = commands.add_parser(
        "simulate",
        help="simulate a fleet through a workload of calls and platform events",
        description=(
            "Simulate a fleet: Start/Stop/Reboot calls at Poisson rates per instance group, "
            "PrePaid expiry, PostPaid billing and arrears, security locks and disk faults. "
            "Prints a summary; the same seed prints the same bytes."
        ),
    )
    parser.add_argument(
        "--workload",
        metavar="FILE",
        help="a TOML workload file (default: a built-in mixed fleet; see --show-workload)",
    )
    parser.add_argument(
        "--instances",
        type=int,
        metavar="N",
        help=f"fleet size: scales the workload's groups and money (default workload: "
        f"{DEFAULT_INSTANCES:,})",
    )
    parser.add_argument("--days", type=float, metavar="D", help="simulated days (default: 7)")
    parser.add_argument("--seed", type=int, default=42, help="the first seed (default: 42)")
    parser.add_argument(
        "--seeds", type=int, default=1, metavar="K", help="run K seeds: SEED, SEED+1, ..."
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="J",
        help="worker processes for several seeds or accounts (0: one per CPU; default: 1)",
    )
    several = "; with --seeds K above 1, one file per seed: run.svg -> run-seed42.svg, ..."
    parser.add_argument(
        "--trace",
        metavar="FILE",
        help="write the trace as JSON Lines (about 3 KB per instance-day on a busy"
        f" workload){several.replace('svg', 'jsonl')}",
    )
    parser.add_argument("--plot", metavar="FILE", help=f"draw statuses over time as SVG{several}")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--show-workload",
        action="store_true",
        help="print the workload as TOML (after --instances and --days) and exit",
    )
    parser.add_argument(
        "--snapshot",
        metavar="FILE",
        help="with --until: stop at day UNTIL and save the whole run to FILE",
    )
    parser.add_argument(
        "--until", type=float, metavar="DAY", help="with --snapshot: the simulated day to stop at"
    )
    parser.add_argument(
        "--resume",
        metavar="FILE",
        help="carry on a --snapshot run to its end (a --trace is appended to)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: on a terminal, not under CI)",
    )


def _workload(args: argparse.Namespace) -> Workload:
    if args.workload is None:
        workload = default_workload(DEFAULT_INSTANCES if args.instances is None else args.instances)
    else:
        workload = load_workload(args.workload)
        if args.instances is not None:
            workload = workload.scaled(args.instances)
    if args.days is not None:
        workload = replace(workload, days=args.days)
    return workload


def _check_snapshot_flags(args: argparse.Namespace) -> None:
    if (args.snapshot is None) != (args.until is None):
        raise InvalidArgument("--snapshot FILE and --until DAY go together")
    if args.snapshot is not None and (args.seeds != 1 or args.resume is not None):
        raise InvalidArgument("--snapshot saves one run: no --seeds, no --resume")
    if args.resume is not None:
        given = [
            flag
            for flag, value in (
                ("--workload", args.workload),
                ("--instances", args.instances),
                ("--days", args.days),
                ("--show-workload", args.show_workload or None),
            )
            if value is not None
        ]
        if given or args.seeds != 1:
            raise InvalidArgument(
                f"--resume carries on the saved run as it was: drop {', '.join(given) or '--seeds'}"
            )


def _check_counts(args: argparse.Namespace) -> None:
    if args.seeds < 1 or args.seeds > MAX_SEEDS:
        raise InvalidArgument(f"--seeds {args.seeds}: expected 1 to {MAX_SEEDS:,}")
    if args.jobs < 0:
        raise InvalidArgument(f"--jobs {args.jobs}: expected 0 (one per CPU) or more")


def _check_values(args: argparse.Namespace, workload: Workload) -> None:
    if args.instances is not None and args.instances > MAX_INSTANCES:
        raise InvalidArgument(
            f"--instances {args.instances:,}: expected at most {MAX_INSTANCES:,} "
            "(a million instances take about 3 GB)"
        )
    if workload.days > MAX_DAYS:
        raise InvalidArgument(f"days={workload.days:g}: expected at most {MAX_DAYS:,} days")
    if args.until is not None and not 0 <= args.until < workload.days:
        raise InvalidArgument(
            f"--until {args.until:g}: expected a day from 0 to before the run's end "
            f"(day {workload.days:g})"
        )


def _check_outputs(args: argparse.Namespace, seeds: list[int]) -> None:
    """Every file the run will write can be written where it is named (before any work)."""
    several = len(seeds) > 1
    for flag, template in (("--trace", args.trace), ("--plot", args.plot)):
        if template is not None:
            for seed in seeds:
                _check_output(flag, output_path(template, seed, several=several))
    if args.snapshot is not None:
        _check_output("--snapshot", Path(args.snapshot))
    if args.resume is not None and not Path(args.resume).is_file():
        raise InvalidArgument(f"--resume {args.resume}: no snapshot file there")


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    return [("--trace", args.trace), ("--plot", args.plot), ("--snapshot", args.snapshot)]


def _check_output(flag: str, path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise InvalidArgument(f"{flag} {path}: no directory {str(folder)!r} to write it in")
    if path.is_dir():
        raise InvalidArgument(f"{flag} {path}: is a directory; name a file")


def run_command(
    args: argparse.Namespace,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``lifecycle simulate`` with parsed ``args``; return the exit code.

    Every value and every output path is checked before any work. Ctrl-C
    (SIGINT) during a run in this process stops it between two slices of
    simulated time: the summary so far is printed, marked partial, and the
    trace so far is kept with a last line marking it partial.

    Returns:
        0 on success; 2 for a bad argument, workload, path or a file that cannot
        be written (one line on stderr); 130 when interrupted.
    """
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    try:
        _check_counts(args)
        _check_snapshot_flags(args)
        workload = _workload(args)
        _check_values(args, workload)
        seeds = list(range(args.seed, args.seed + args.seeds))
        _check_outputs(args, seeds)
    except InvalidArgument as error:
        err.write(f"lifecycle simulate: error: {error}\n")
        return 2
    if args.show_workload:
        out.write(workload.to_toml())
        return 0
    jobs = args.jobs or os.cpu_count() or 1
    show = wants_progress(err, os.environ) if args.progress is None else args.progress
    bar = ProgressBar(err, "simulating") if show else None
    # Runs in this process stop cleanly on Ctrl-C; a pool's workers cannot.
    in_process = jobs == 1 or len(seeds) * len(workload.accounts) == 1
    interrupt = threading.Event() if in_process else None
    began = time.perf_counter()
    try:
        try:
            with _on_sigint(interrupt):
                results = _run(args, workload, seeds, jobs, bar, interrupt)
        finally:
            if bar is not None:
                bar.close()
        took = time.perf_counter() - began
        if args.plot is not None:
            for seed, result in zip(seeds, results, strict=True):
                write_plot(
                    output_path(args.plot, seed, several=len(seeds) > 1),
                    result,
                    title=_title(result, args),
                )
    except (InvalidArgument, SnapshotError) as error:
        err.write(f"lifecycle simulate: error: {error}\n")
        return 2
    except OSError as error:
        # A failed write names no file: name every output the run writes.
        given = [f"{flag} {value}" for flag, value in _outputs(args) if value is not None]
        named = repr(error.filename) if error.filename else " or ".join(given)
        err.write(f"lifecycle simulate: error: cannot write {named}: {error.strerror}\n")
        return 2
    except Interrupted as stopped:
        _write_interrupted(args, out, err, stopped)
        return 130
    except KeyboardInterrupt:
        err.write(
            "lifecycle simulate: interrupted; runs in worker processes (--jobs) leave no "
            "partial summary (run with --jobs 1 to get one)\n"
        )
        return 130
    except MemoryError:
        err.write(
            f"lifecycle simulate: error: not enough memory for {workload.instances:,} "
            "instances; try fewer --instances\n"
        )
        return 1
    if args.snapshot is not None:
        err.write(
            f"saved the run at day {args.until:g} to {args.snapshot}; "
            f"carry on with: python -m lifecycle simulate --resume {args.snapshot}\n"
        )
    _write_results(args, out, results)
    _write_timing(args, err, results, took)
    _write_outputs(args, err, seeds)
    return 0


def _write_outputs(args: argparse.Namespace, err: TextIO, seeds: Sequence[int]) -> None:
    """Name every file the run wrote: with several seeds the names are not the ones given."""
    several = len(seeds) > 1
    for flag, template in (("--trace", args.trace), ("--plot", args.plot)):
        if template is not None:
            written = ", ".join(str(output_path(template, s, several=several)) for s in seeds)
            err.write(f"{flag}: wrote {written}\n")


def _write_interrupted(
    args: argparse.Namespace, out: TextIO, err: TextIO, stopped: Interrupted
) -> None:
    _write_results(args, out, [stopped.result])
    err.write(
        f"lifecycle simulate: interrupted at day {stopped.seconds / 86_400:.4g} of "
        f"{stopped.end / 86_400:g} ({stopped.where}): the summary above is partial"
        f"{'; the trace ends with a line marking it partial' if args.trace else ''}. "
        "Nothing was saved to resume from: a run started with --snapshot FILE --until DAY "
        "saves one, and --resume FILE carries it on.\n"
    )


def _write_timing(
    args: argparse.Namespace, err: TextIO, results: list[SimulationResult], took: float
) -> None:
    if args.resume is None:
        events = sum(r.summary.events + r.summary.transitions for r in results)
        err.write(
            f"{len(results)} run{'s' if len(results) > 1 else ''} in {took:.1f} s "
            f"({events / took if took > 0 else 0:,.0f} events and transitions per second)\n"
        )
    else:
        err.write(f"resumed run finished in {took:.1f} s\n")


def _run(
    args: argparse.Namespace,
    workload: Workload,
    seeds: list[int],
    jobs: int,
    bar: ProgressBar | None,
    interrupt: threading.Event | None,
) -> list[SimulationResult]:
    if args.resume is not None:
        return [resume(args.resume, trace=args.trace, on_progress=bar, interrupt=interrupt)]
    if args.snapshot is not None:
        result = checkpoint(
            workload,
            args.seed,
            until=args.until * 86_400,
            path=args.snapshot,
            trace=args.trace,
            on_progress=bar,
            interrupt=interrupt,
        )
        return [result]
    return simulate(
        workload, seeds, jobs=jobs, trace=args.trace, on_progress=bar, interrupt=interrupt
    )


def _write_results(args: argparse.Namespace, out: TextIO, results: list[SimulationResult]) -> None:
    if args.json:
        bodies = [r.summary.to_dict() for r in results]
        out.write(json.dumps(bodies if len(bodies) > 1 else bodies[0], indent=2) + "\n")
    elif len(results) == 1:
        out.write(results[0].summary.render())
    else:
        out.write(compare([r.summary for r in results]))


@contextlib.contextmanager
def _on_sigint(interrupt: threading.Event | None) -> Iterator[None]:
    """While inside, Ctrl-C sets ``interrupt`` instead of raising (when there is one)."""
    if interrupt is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupt.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _title(result: SimulationResult, args: argparse.Namespace) -> str:
    """The picture's heading: which workload, which seed, how many instances for how long."""
    summary = result.summary
    if args.resume is not None:
        workload = f"resumed from {Path(args.resume).name}"
    elif args.workload is not None:
        workload = Path(args.workload).name
    else:
        workload = "default workload"
    return (
        f"{workload}, seed {summary.seed}: {summary.instances:,} instances by status "
        f"over {summary.seconds / 86_400:g} days"
    )
