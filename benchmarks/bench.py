"""Benchmark: what one call costs, against the floor, whether that stays flat, and its weight.

Run it from the repository root (it imports ``lifecycle`` from this checkout)::

    python benchmarks/bench.py            # full run: about 1.5 minutes on a slow 2-core VM
    python benchmarks/bench.py --quick    # smaller sizes, fewer repeats: about 10 s

Only the standard library, ``lifecycle`` and ``transitions`` are used. Nothing
is asserted about timings: the script prints figures side by side, and the
machine it runs on decides them. Compare the ratios, not the absolute numbers
(``shared/reference/engine-notes.md`` measured 5-30 % run-to-run noise on the
reference VM). The header and the last line print a speed yardstick,
``sum(range(1000))``, which engine-notes timed at 8.5 µs on its VM: it tells how
fast this machine is, and how much it drifted during the run.

The figures:

1. **Per-call cost**, in ns per call: the median over several repeats of a
   timed loop (``time.perf_counter_ns``, cyclic GC disabled inside the loop and
   restored after), net of the loop's own overhead. The repeats of all rows are
   interleaved in rounds, so a slow spell of the machine hits every row alike;
   "fastest" is the best repeat.

   a. *transitions*: ``SPEC_MACHINE.events["start"].trigger(probe)`` on an
      unregistered ``__slots__`` object whose ``state`` is reset to
      ``"Stopped"`` every iteration; the cost of the reset loop alone is
      subtracted, as engine-notes section 2a does. The spec machine names
      start's five guards as conditions; the probe passes each (engine-notes'
      6.5 µs had two guards).
   b. *hand-written table*: a ``{(trigger, status): dest}`` dict lookup plus two
      guard checks on a plain object, the status written back; the reset loop
      is subtracted. This is engine-notes' "hand-written dict table" row
      (132-142 ns there, the "0.2 µs" baseline).
   c. *the public API*, net of a bare ``for`` loop:
      ``EcsModel.start_instance(id)`` succeeding (Stopped -> Starting) on
      successive distinct Stopped instances, in creation order (the model is
      rebuilt, untimed, for every repeat); the same call *rejected* (the
      instance is Running, so it raises ``ApiError`` ``IncorrectInstanceStatus``,
      caught in the loop); and ``EcsModel.check("StartInstance", id)``, a pure
      query. (c2) and (c3) repeat one instance id.
   d. the ratio of each row to (b) and to (a).

2. **Against the floor** (issue 14): each of the issue's rows, the model's
   call against the same operation hand-written on a struct-of-arrays table
   (``Floor``: bytearray and array columns, a dict index, a due heap), in
   thread CPU time (``time.thread_time_ns``, so the other core's jobs do not
   count), GC paused. Every contender (model and floor of every row, and a
   bare loop) runs once per round in a freshly shuffled order, each on a fresh
   fleet set up untimed; figures are medians over the rounds, the ratio is
   median over median, and each row is marked met or not met against its
   goal (<= 5x; ``bulk`` <= 3x). The floor answers an int code in the model's
   precondition order (lock, expiry or arrears, balance, status, disks) and a
   success makes the move a real implementation needs (status byte, counts,
   start time, settle time, due-heap entry); it draws no RequestId and builds
   no response or exception. ``sanity_checks`` first makes sure floor and
   model agree on every timed row.

3. **Flatness**: the success-path ``start_instance`` cost at fleet sizes 1,000,
   10,000, 100,000 and (without ``--quick``) 1,000,000. All fleets are built
   first; each round then times, on every fleet, one batch of distinct Stopped
   instances drawn at random from the fleet's second half ("random": a large
   fleet pays its real cache misses) and one batch taken in creation order from
   its first half ("in order": cache-friendly). A fleet too small for the next
   batches is rebuilt between timings. The median build time of each fleet
   (``create_instance`` in a loop, GC on) is shown too.

4. **Memory per instance**: each size is built in a fresh subprocess, with
   explicit ids ``f"i-{n:020d}"`` and ``status="Stopped"``. One subprocess runs
   under ``tracemalloc`` and reports net traced bytes after ``gc.collect()``
   (the ids are counted: the model keeps them); a second, untraced one reports
   the build time and the growth of ``VmRSS`` (``/proc/self/status``; "n/a"
   where that file does not exist). Sizes: 100,000 and (without ``--quick``)
   1,000,000.

A per-instance memory figure for bare ``transitions`` is not measured here;
the footnote cites engine-notes instead.
"""

from __future__ import annotations

import argparse
import functools
import gc
import heapq
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Final

import transitions

# A script's own folder, not the working directory, heads sys.path: put the
# checkout first so the benchmark measures this tree, installed or not.
ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lifecycle  # noqa: E402
from lifecycle import (  # noqa: E402
    ApiError,
    ChargeType,
    EcsModel,
    ErrorCode,
    InstanceStatus,
    ManualClock,
)
from lifecycle._machine import SPEC_MACHINE  # noqa: E402

STOPPED: Final = "Stopped"
RUNNING: Final = "Running"


@dataclass(frozen=True, slots=True)
class Plan:
    """How much work a run does."""

    repeats: int
    transitions_loops: int
    table_loops: int
    api_loops: int
    #: Section 2: calls per timing, batch calls (of 100) per timing, shuffled rounds.
    floor_calls: int
    floor_batches: int
    floor_rounds: int
    flat_sizes: tuple[int, ...]
    flat_batch: int
    memory_sizes: tuple[int, ...]


FULL: Final = Plan(
    repeats=7,
    transitions_loops=20_000,
    table_loops=200_000,
    api_loops=20_000,
    floor_calls=10_000,
    floor_batches=50,
    floor_rounds=11,
    flat_sizes=(1_000, 10_000, 100_000, 1_000_000),
    flat_batch=10_000,
    memory_sizes=(100_000, 1_000_000),
)
QUICK: Final = Plan(
    repeats=5,
    transitions_loops=5_000,
    table_loops=50_000,
    api_loops=5_000,
    floor_calls=2_000,
    floor_batches=10,
    floor_rounds=7,
    flat_sizes=(1_000, 10_000, 100_000),
    flat_batch=5_000,
    memory_sizes=(100_000,),
)


# --------------------------------------------------------------------- timing
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


def instance_id(n: int) -> str:
    """The benchmark's explicit instance id for the ``n``-th instance."""
    return f"i-{n:020d}"


def build_model(size: int, *, running: int = 0) -> EcsModel:
    """A model with ``size`` Stopped instances and ``running`` Running ones.

    The Stopped ones are ``instance_id(0)`` to ``instance_id(size - 1)``, the
    Running ones ``i-running-<k>``. The clock never moves, so no
    Starting instance ever settles during a benchmark.
    """
    model = EcsModel()
    create = model.create_instance
    for n in range(size):
        create(instance_id(n), status=STOPPED)
    for k in range(running):
        create(f"i-running-{k}", status=RUNNING)
    return model


def empty_loop_ns(items: Sequence[str]) -> int:
    """A bare ``for`` over ``items``: the overhead subtracted from the API rows."""
    with gc_paused():
        start = time.perf_counter_ns()
        for _ in items:
            pass
        return time.perf_counter_ns() - start


def _holds() -> bool:
    return True


class Probe:
    """An unregistered model for transitions: ``state``, and the start guards, which all hold."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state

    not_pending = staticmethod(_holds)
    not_security_locked = staticmethod(_holds)
    not_expired = staticmethod(_holds)
    balance = staticmethod(_holds)
    disks = staticmethod(_holds)


def probe_reset_ns(probe: Probe, loops: int) -> int:
    """The reset loop alone: ``probe.state = "Stopped"`` ``loops`` times."""
    with gc_paused():
        start = time.perf_counter_ns()
        for _ in range(loops):
            probe.state = STOPPED
        return time.perf_counter_ns() - start


def transitions_trigger_ns(probe: Probe, loops: int) -> int:
    """Reset the probe and fire ``start`` through the real engine, ``loops`` times."""
    trigger = SPEC_MACHINE.events["start"].trigger
    with gc_paused():
        start = time.perf_counter_ns()
        for _ in range(loops):
            probe.state = STOPPED
            trigger(probe)
        return time.perf_counter_ns() - start


class PlainRecord:
    """A plain object (with a ``__dict__``): a status and two guard flags."""

    def __init__(self) -> None:
        self.status = STOPPED
        self.security_locked = False
        self.in_arrears = False


HAND_TABLE: Final[dict[tuple[str, str], str]] = {
    ("start", "Stopped"): "Starting",
    ("reboot", "Running"): "Starting",
    ("stop", "Running"): "Stopping",
}


def hand_fire(record: PlainRecord, trigger: str) -> str | None:
    """The hand-written table: look up, check two guards, write the status back."""
    dest = HAND_TABLE.get((trigger, record.status))
    if dest is None:
        return "IncorrectInstanceStatus"
    if record.security_locked:
        return "InstanceLockedForSecurity"
    if record.in_arrears:
        return "Account.Arrearage"
    record.status = dest
    return None


def record_reset_ns(record: PlainRecord, loops: int) -> int:
    """The reset loop alone: ``record.status = "Stopped"`` ``loops`` times."""
    with gc_paused():
        start = time.perf_counter_ns()
        for _ in range(loops):
            record.status = STOPPED
        return time.perf_counter_ns() - start


def hand_table_ns(record: PlainRecord, loops: int) -> int:
    """Reset the record and fire ``start`` through the hand-written table, ``loops`` times."""
    fire = hand_fire
    with gc_paused():
        start = time.perf_counter_ns()
        for _ in range(loops):
            record.status = STOPPED
            fire(record, "start")
        return time.perf_counter_ns() - start


def start_success_ns(model: EcsModel, ids: Sequence[str]) -> int:
    """``start_instance`` on each of ``ids`` (all Stopped, all distinct): every call succeeds."""
    start_instance = model.start_instance
    with gc_paused():
        start = time.perf_counter_ns()
        for iid in ids:
            start_instance(iid)
        return time.perf_counter_ns() - start


def start_rejected_ns(model: EcsModel, ids: Sequence[str]) -> int:
    """``start_instance`` on each of ``ids`` (Running): every call raises ``ApiError``."""
    start_instance = model.start_instance
    with gc_paused():
        start = time.perf_counter_ns()
        for iid in ids:
            # A bare try costs nothing in 3.11; contextlib.suppress would add a call.
            try:  # noqa: SIM105
                start_instance(iid)
            except ApiError:
                pass
        return time.perf_counter_ns() - start


def check_ns(model: EcsModel, ids: Sequence[str]) -> int:
    """``check("StartInstance", id)`` on each of ``ids``: a pure query."""
    check = model.check
    with gc_paused():
        start = time.perf_counter_ns()
        for iid in ids:
            check("StartInstance", iid)
        return time.perf_counter_ns() - start


def calibration_us(repeats: int, loops: int = 2_000) -> float:
    """Median µs of ``sum(range(1000))``: engine-notes' yardstick for the VM's speed (8.5 µs)."""
    samples: list[int] = []
    for _ in range(repeats):
        with gc_paused():
            start = time.perf_counter_ns()
            for _ in range(loops):
                sum(range(1000))
            samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / loops / 1000


# ------------------------------------------------------------- section 1
@dataclass(frozen=True, slots=True)
class Row:
    """One per-call figure: median and fastest repeat, in ns per call, net of overhead."""

    label: str
    median_ns: float
    min_ns: float
    loops: int
    reference: str


def net_row(
    label: str, loops: int, runs: list[int], baselines: list[int], reference: str = ""
) -> Row:
    """Per-call ns of ``runs`` minus the median of ``baselines`` (both totals over ``loops``)."""
    base = statistics.median(baselines)
    return Row(
        label=label,
        median_ns=(statistics.median(runs) - base) / loops,
        min_ns=(min(runs) - base) / loops,
        loops=loops,
        reference=reference,
    )


def sanity_checks() -> None:
    """Make sure every timed loop does what its label says, once, before timing it."""
    probe = Probe(STOPPED)
    SPEC_MACHINE.events["start"].trigger(probe)
    assert probe.state == "Starting", probe.state
    record = PlainRecord()
    model = build_model(1, running=1)
    model.start_instance(instance_id(0))
    try:
        model.start_instance("i-running-0")
    except ApiError as error:
        rejected: ErrorCode | None = error.code
    else:
        rejected = None
    problems = [
        f"{what}: got {got!r}, expected {want!r}"
        for what, got, want in (
            ("transitions trigger", probe.state, "Starting"),
            ("hand-written table", (hand_fire(record, "start"), record.status), (None, "Starting")),
            ("start_instance success", model.status(instance_id(0)).value, "Starting"),
            ("start_instance rejected", rejected, ErrorCode.INCORRECT_INSTANCE_STATUS),
            ("check on Stopped", build_model(1).check("StartInstance", instance_id(0)), None),
        )
        if got != want
    ]
    problems += floor_problems()
    if problems:
        raise SystemExit("benchmark set-up is wrong:\n  " + "\n  ".join(problems))


def floor_problems() -> list[str]:
    """Where the floor's answers differ from the model's, on the rows section 2 times."""
    model, table = fleet(4, RUNNING), floor_of(4, S_RUNNING)
    ids = [instance_id(n) for n in range(4)]
    got: list[tuple[str, object, object]] = []
    try:
        model.start_instance(ids[0])
    except ApiError as error:
        got.append(("rejected start", F_CODES.get(floor_start(table, ids[0])), error.code))
        try:
            floor_start_raising(table, ids[0])
        except FloorRefusal as refusal:
            got.append(("raising floor", F_CODES.get(refusal.args[0]), error.code))
        else:
            got.append(("raising floor", "no refusal", error.code))
    model.stop_instance(ids[0])
    model.reboot_instance(ids[1])
    got.append(("stop, reboot", (floor_stop(table, ids[0]), floor_reboot(table, ids[1])), (0, 0)))
    answer = model.stop_instances(ids[2:])
    code, items = floor_batch(table, ids[2:], check_stop, STOP_ROW, 1)
    got.append(("stop_instances code", code, F_OK))
    got.append(
        (
            "stop_instances items",
            items,
            [
                (i.instance_id, i.code, i.previous_status, i.current_status)
                for i in answer.instance_responses
            ],
        )
    )
    status = model.describe_instance_status([ids[1]])
    got.append(
        (
            "describe_instance_status",
            floor_describe_status(table, [ids[1]]),
            (
                status.total_count,
                [(item.instance_id, item.status) for item in status.instance_statuses],
            ),
        )
    )
    pages = model.describe_instances(page_size=BATCH)
    got.append(
        (
            "describe_instances",
            floor_describe_instances(table, 0, BATCH),
            (
                pages.total_count,
                [
                    tuple(getattr(item, field) for field in item.__dataclass_fields__)
                    for item in pages.instances
                ],
            ),
        )
    )
    stopped, stopped_table = fleet(2, STOPPED), floor_of(2, S_STOPPED)
    got.append(
        (
            "bulk start",
            [F_CODES[floor_start(stopped_table, i)] for i in ids[:2]],
            stopped.bulk("StartInstance", ids[:2]),
        )
    )
    got.append(("counts", table.counts, [model.status_counts().get(s, 0) for s in F_NAMES]))
    return [
        f"floor {what}: got {mine!r}, the model {theirs!r}"
        for what, mine, theirs in got
        if mine != theirs
    ]


def per_call_rows(plan: Plan) -> list[Row]:
    """Section 1: rows (a), (b), (c1)-(c3), their repeats interleaved in rounds.

    Every round times every loop once, so a slow spell of the machine lands on
    all rows alike instead of on whichever figure was running.
    """
    probe = Probe(STOPPED)
    record = PlainRecord()
    trans_loops, table_loops, api_loops = (
        plan.transitions_loops,
        plan.table_loops,
        plan.api_loops,
    )
    ids = [instance_id(n) for n in range(api_loops)]
    steady = build_model(1, running=1)
    running = ["i-running-0"] * api_loops
    stopped = [instance_id(0)] * api_loops
    samples: dict[str, list[int]] = {
        key: [] for key in ("a", "a0", "b", "b0", "c1", "c2", "c3", "c0")
    }
    for _ in range(plan.repeats):
        samples["a"].append(transitions_trigger_ns(probe, trans_loops))
        samples["a0"].append(probe_reset_ns(probe, trans_loops))
        samples["b"].append(hand_table_ns(record, table_loops))
        samples["b0"].append(record_reset_ns(record, table_loops))
        fresh = build_model(api_loops)  # untimed: every round needs fresh Stopped instances
        samples["c1"].append(start_success_ns(fresh, fresh.instance_ids()))
        del fresh
        samples["c2"].append(start_rejected_ns(steady, running))
        samples["c3"].append(check_ns(steady, stopped))
        samples["c0"].append(empty_loop_ns(ids))
    return [
        net_row(
            "(a) transitions Event.trigger, 5 guards, __slots__ probe",
            trans_loops,
            samples["a"],
            samples["a0"],
            "6,544-6,562 (2 guards)",
        ),
        net_row(
            "(b) hand-written dict table + 2 guards",
            table_loops,
            samples["b"],
            samples["b0"],
            "132-142",
        ),
        net_row(
            "(c1) EcsModel.start_instance, success",
            api_loops,
            samples["c1"],
            samples["c0"],
            "kernel prototype: 188-197",
        ),
        net_row("(c2) EcsModel.start_instance, rejected", api_loops, samples["c2"], samples["c0"]),
        net_row(
            '(c3) EcsModel.check("StartInstance", id)', api_loops, samples["c3"], samples["c0"]
        ),
    ]


# ------------------------------------------------------------- section 2
# The floor (issue 14): a hand-written struct-of-arrays table with a dict index,
# the model's precondition order (lock, expiry or arrears, balance, status,
# disks), answering a code. A success also makes the move a real implementation
# needs: the status byte, the per-status counts, the start time, the settle time
# and the due-heap entry. It reads the same kind of clock the model reads and
# settles what fell due before deciding, as the model does.
F_OK: Final = 0
F_NOT_FOUND: Final = 1
F_NOT_READY: Final = 2
F_LOCKED: Final = 3
F_EXPIRED: Final = 4
F_BALANCE: Final = 5
F_INCORRECT: Final = 6
F_DISK: Final = 7
F_MALFORMED: Final = 8
#: The floor's codes as the model names them (for the set-up check).
F_CODES: Final[dict[int, ErrorCode | None]] = {
    F_OK: None,
    F_INCORRECT: ErrorCode.INCORRECT_INSTANCE_STATUS,
}
S_PENDING, S_STARTING, S_RUNNING, S_STOPPING, S_STOPPED = range(5)
NO_MOVE: Final = 255
F_NAMES: Final = (
    InstanceStatus.PENDING,
    InstanceStatus.STARTING,
    InstanceStatus.RUNNING,
    InstanceStatus.STOPPING,
    InstanceStatus.STOPPED,
)


def _row(moves: dict[int, int]) -> bytes:
    return bytes(moves.get(status, NO_MOVE) for status in range(len(F_NAMES)))


START_ROW: Final = _row({S_STOPPED: S_STARTING})
STOP_ROW: Final = _row({S_RUNNING: S_STOPPING})
REBOOT_ROW: Final = _row({S_RUNNING: S_STARTING})
#: Where a transitory status settles, and after how long (the model's default Durations).
SETTLE_ROW: Final = _row({S_PENDING: S_STOPPED, S_STARTING: S_RUNNING, S_STOPPING: S_STOPPED})
SECONDS: Final = (30.0, 30.0, 0.0, 15.0, 0.0)
F_EPOCH: Final = 1_767_225_600  # model time 0 is 2026-01-01T00:00Z
F_POSTPAID_EXPIRY: Final = "2099-12-31T15:59Z"
F_CHARGES: Final = (ChargeType.POSTPAID, ChargeType.PREPAID)
F_MODES: Final = ("Not-applicable", "KeepCharging", "StopCharging")
F_LOCKS: Final[tuple[tuple[str, ...], ...]] = ((), ("security",))
F_FAMILIES: Final[dict[str, str]] = {"ecs.g7.large": "ecs.g7"}
_MINUTES: dict[int, str] = {}


def minute_text(seconds: float) -> str:
    """Model time as ``yyyy-MM-ddTHH:mmZ``, each distinct minute formatted once."""
    minute = int(seconds // 60)
    text = _MINUTES.get(minute)
    if text is None:
        moment = datetime.fromtimestamp(F_EPOCH + minute * 60, UTC)
        text = _MINUTES[minute] = moment.strftime("%Y-%m-%dT%H:%MZ")
    return text


class Floor:
    """The floor's table: one column per fact, a dict from id to position, a due heap."""

    __slots__ = (
        "balance",
        "clock",
        "counts",
        "created",
        "disks",
        "due",
        "expired",
        "ids",
        "in_arrears",
        "index",
        "locks",
        "minimum",
        "modes",
        "names",
        "prepaid",
        "sequence",
        "settles_at",
        "started",
        "status",
        "types",
    )

    def __init__(self, ids: Sequence[str], status: int) -> None:
        count = len(ids)
        self.clock = ManualClock()
        self.ids = list(ids)
        self.index = {iid: n for n, iid in enumerate(self.ids)}
        self.status = bytearray((status,)) * count
        self.counts = [0] * len(F_NAMES)
        self.counts[status] = count
        self.locks = bytearray(count)
        self.disks = bytearray(count)
        self.prepaid = bytearray(count)
        self.modes = bytearray(count)
        self.expired = array("d", (math.inf,)) * count
        self.settles_at = array("d", (math.inf,)) * count
        under_way = status in (S_STARTING, S_RUNNING)
        self.started = array("d", (0.0 if under_way else math.nan,)) * count
        self.created = array("d", (0.0,)) * count
        self.types = ["ecs.g7.large"] * count
        self.names: list[str | None] = [None] * count  # None: the name is the id
        self.in_arrears = False
        self.balance = 100
        self.minimum = 0
        self.due: list[tuple[float, int, int]] = []
        self.sequence = 0


def floor_settle(table: Floor, now: float) -> None:
    """Apply every due move up to ``now`` (never reached: the benchmark's clock stands still)."""
    due = table.due
    while due and due[0][0] <= now:
        when, _, index = heapq.heappop(due)
        status = table.status[index]
        dest = SETTLE_ROW[status]
        table.status[index] = dest
        table.counts[status] -= 1
        table.counts[dest] += 1
        table.settles_at[index] = math.inf
        if SECONDS[dest]:
            table.sequence += 1
            heapq.heappush(due, (when + SECONDS[dest], table.sequence, index))


def floor_start(table: Floor, iid: str) -> int:
    """StartInstance: not ready, lock, expiry or arrears, balance, status, disks; then the move."""
    now = table.clock.now()
    due = table.due
    if due and due[0][0] <= now:
        floor_settle(table, now)
    index = table.index.get(iid)
    if index is None:
        return F_NOT_FOUND
    status = table.status[index]
    if status == S_PENDING:
        return F_NOT_READY
    if table.locks[index]:
        return F_LOCKED
    if table.prepaid[index]:
        if now >= table.expired[index]:
            return F_EXPIRED
    elif table.in_arrears:
        return F_EXPIRED
    elif table.balance < table.minimum:
        return F_BALANCE
    dest = START_ROW[status]
    if dest == NO_MOVE:
        return F_INCORRECT
    if table.disks[index]:
        return F_DISK
    table.status[index] = dest
    counts = table.counts
    counts[status] -= 1
    counts[dest] += 1
    table.started[index] = now
    settles = now + SECONDS[dest]
    table.settles_at[index] = settles
    table.sequence += 1
    heapq.heappush(due, (settles, table.sequence, index))
    return F_OK


class FloorRefusal(Exception):
    """The raising floor's refusal: the floor's code, in an exception of its own."""


def floor_start_raising(table: Floor, iid: str) -> int:
    """``floor_start``, refusing as the model's API does: by raising (not a goal's floor:
    the context row shows what the exception alone costs; one more call than inlined)."""
    code = floor_start(table, iid)
    if code != F_OK:
        raise FloorRefusal(code)
    return code


def floor_stop(table: Floor, iid: str) -> int:
    """StopInstance: lock, expiry or arrears, status, disks; then the move and the stopped mode."""
    now = table.clock.now()
    due = table.due
    if due and due[0][0] <= now:
        floor_settle(table, now)
    index = table.index.get(iid)
    if index is None:
        return F_NOT_FOUND
    if table.locks[index]:
        return F_LOCKED
    if table.prepaid[index]:
        if now >= table.expired[index]:
            return F_EXPIRED
    elif table.in_arrears:
        return F_EXPIRED
    status = table.status[index]
    dest = STOP_ROW[status]
    if dest == NO_MOVE:
        return F_INCORRECT
    if table.disks[index]:
        return F_DISK
    table.status[index] = dest
    counts = table.counts
    counts[status] -= 1
    counts[dest] += 1
    table.modes[index] = 1  # KeepCharging
    settles = now + SECONDS[dest]
    table.settles_at[index] = settles
    table.sequence += 1
    heapq.heappush(due, (settles, table.sequence, index))
    return F_OK


def floor_reboot(table: Floor, iid: str) -> int:
    """RebootInstance: lock, status, disks; then the move."""
    now = table.clock.now()
    due = table.due
    if due and due[0][0] <= now:
        floor_settle(table, now)
    index = table.index.get(iid)
    if index is None:
        return F_NOT_FOUND
    if table.locks[index]:
        return F_LOCKED
    status = table.status[index]
    dest = REBOOT_ROW[status]
    if dest == NO_MOVE:
        return F_INCORRECT
    if table.disks[index]:
        return F_DISK
    table.status[index] = dest
    counts = table.counts
    counts[status] -= 1
    counts[dest] += 1
    table.started[index] = now
    settles = now + SECONDS[dest]
    table.settles_at[index] = settles
    table.sequence += 1
    heapq.heappush(due, (settles, table.sequence, index))
    return F_OK


def check_start(table: Floor, index: int, now: float) -> int:
    """StartInstance's checks for one instance of a batch."""
    status = table.status[index]
    if status == S_PENDING:
        return F_NOT_READY
    if table.locks[index]:
        return F_LOCKED
    if table.prepaid[index]:
        if now >= table.expired[index]:
            return F_EXPIRED
    elif table.in_arrears:
        return F_EXPIRED
    elif table.balance < table.minimum:
        return F_BALANCE
    if START_ROW[status] == NO_MOVE:
        return F_INCORRECT
    return F_DISK if table.disks[index] else F_OK


def check_stop(table: Floor, index: int, now: float) -> int:
    """StopInstance's checks for one instance of a batch."""
    if table.locks[index]:
        return F_LOCKED
    if table.prepaid[index]:
        if now >= table.expired[index]:
            return F_EXPIRED
    elif table.in_arrears:
        return F_EXPIRED
    if STOP_ROW[table.status[index]] == NO_MOVE:
        return F_INCORRECT
    return F_DISK if table.disks[index] else F_OK


def check_reboot(table: Floor, index: int, now: float) -> int:
    """RebootInstance's checks for one instance of a batch."""
    if table.locks[index]:
        return F_LOCKED
    if REBOOT_ROW[table.status[index]] == NO_MOVE:
        return F_INCORRECT
    return F_DISK if table.disks[index] else F_OK


BatchItem = tuple[str, str, InstanceStatus, InstanceStatus]


def floor_batch(
    table: Floor, ids: list[str], check: Callable[[Floor, int, float], int], row: bytes, mode: int
) -> tuple[int, list[BatchItem]]:
    """A batch action, AllTogether: every instance checked, then every one moved."""
    now = table.clock.now()
    due = table.due
    if due and due[0][0] <= now:
        floor_settle(table, now)
    if not all(ids) or len(set(ids)) != len(ids):
        return F_MALFORMED, []
    lookup = table.index.get
    positions: list[int] = []
    for iid in ids:
        index = lookup(iid)
        if index is None:
            return F_NOT_FOUND, []
        code = check(table, index, now)
        if code:
            return code, []
        positions.append(index)
    status_column, counts, names = table.status, table.counts, F_NAMES
    items: list[BatchItem] = []
    for iid, index in zip(ids, positions, strict=True):
        status = status_column[index]
        dest = row[status]
        status_column[index] = dest
        counts[status] -= 1
        counts[dest] += 1
        if dest == S_STARTING:
            table.started[index] = now
        if mode:
            table.modes[index] = mode
        settles = now + SECONDS[dest]
        table.settles_at[index] = settles
        table.sequence += 1
        heapq.heappush(due, (settles, table.sequence, index))
        items.append((iid, "200", names[status], names[dest]))
    return F_OK, items


def floor_describe_status(
    table: Floor, ids: list[str]
) -> tuple[int, list[tuple[str, InstanceStatus]]]:
    """DescribeInstanceStatus of ``ids``: the total and (id, status) in creation order."""
    now = table.clock.now()
    due = table.due
    if due and due[0][0] <= now:
        floor_settle(table, now)
    index = table.index
    found = [index[iid] for iid in ids if iid in index]
    if len(found) > 1:
        found = sorted(set(found))
    all_ids, status, names = table.ids, table.status, F_NAMES
    return len(found), [(all_ids[n], names[status[n]]) for n in found]


Attributes = tuple[
    str,
    str,
    InstanceStatus,
    ChargeType,
    str,
    str,
    str,
    str,
    tuple[str, ...],
    str,
    str | None,
    str,
    str,
]


def floor_describe_instances(table: Floor, first: int, size: int) -> tuple[int, list[Attributes]]:
    """DescribeInstances, no filter: the total and one page of DescribeInstances' fields."""
    now = table.clock.now()
    due = table.due
    if due and due[0][0] <= now:
        floor_settle(table, now)
    total = len(table.ids)
    ids, status, prepaid, types = table.ids, table.status, table.prepaid, table.types
    names = table.names
    arrears = table.in_arrears
    page: list[Attributes] = []
    for index in range(first, min(first + size, total)):
        kind = types[index]
        paid = prepaid[index]
        started = table.started[index]
        locks = F_LOCKS[table.locks[index]]
        if arrears and not paid:
            locks += ("financial",)
        page.append(
            (
                ids[index],
                names[index] or ids[index],
                F_NAMES[status[index]],
                F_CHARGES[paid],
                kind,
                F_FAMILIES[kind],
                minute_text(table.expired[index]) if paid else F_POSTPAID_EXPIRY,
                F_MODES[table.modes[index]],
                locks,
                minute_text(table.created[index]),
                None if started != started else minute_text(started),  # noqa: PLR0124 (NaN)
                "cn-hangzhou",
                "cn-hangzhou-i",
            )
        )
    return total, page


# The rows: what the model does, what the floor does, and the goal (issue 14).
Body = Callable[[], object]
Prepare = Callable[[], Body]
#: Instances per batch call and per DescribeInstances page (the documented maximum).
BATCH: Final = 100


@dataclass(frozen=True, slots=True)
class Contest:
    """One row's two contenders: set-ups (untimed) that return the timed bodies."""

    label: str
    unit: str
    units: int
    model: Prepare
    floor: Prepare
    #: The issue's goal; ``None`` for a context row, which has none and is not counted.
    goal: float | None
    #: Per-call rows subtract a bare ``for`` over ``units`` items (the loop is not the call).
    net: bool


@dataclass(frozen=True, slots=True)
class FloorRow:
    """One row of the issue's table: the model's and the floor's ns per unit, and the goal."""

    label: str
    unit: str
    model_ns: float
    floor_ns: float
    #: The per-round ratios (model over floor, each net of that round's bare loop).
    ratios: tuple[float, ...]
    goal: float | None
    #: Cyclic garbage the model left per unit: paused GC hides what freeing it costs.
    garbage: float = 0.0

    @property
    def ratio(self) -> float:
        """The ratio of the medians."""
        return self.model_ns / self.floor_ns if self.floor_ns > 0 else math.inf


def fleet(size: int, status: str) -> EcsModel:
    """A model of ``size`` instances ``instance_id(0..size-1)``, all in ``status``."""
    model = EcsModel()
    create = model.create_instance
    for n in range(size):
        create(instance_id(n), status=status)
    return model


def floor_of(size: int, status: int) -> Floor:
    """The floor's table with the same ids, all in ``status``."""
    return Floor([instance_id(n) for n in range(size)], status)


def each(fire: Callable[[str], object], ids: list[str]) -> Body:
    """``fire(id)`` for each id."""

    def body() -> None:
        for iid in ids:
            fire(iid)

    return body


def each_rejected(fire: Callable[[str], object], ids: list[str]) -> Body:
    """``fire(id)`` for each id, each raising ``ApiError``, caught."""

    def body() -> None:
        for iid in ids:
            # A bare try costs nothing in 3.11; contextlib.suppress would add a call.
            try:  # noqa: SIM105
                fire(iid)
            except ApiError:
                pass

    return body


def each_floor(fire: Callable[[Floor, str], object], table: Floor, ids: list[str]) -> Body:
    """``fire(table, id)`` for each id."""

    def body() -> None:
        for iid in ids:
            fire(table, iid)

    return body


def each_group(fire: Callable[[list[str]], object], groups: list[list[str]]) -> Body:
    """``fire(group)`` for each group of ids."""

    def body() -> None:
        for group in groups:
            fire(group)

    return body


def repeat(fire: Callable[[list[str]], object], ids: list[str], items: list[str]) -> Body:
    """``fire(ids)`` once for each of ``items``."""

    def body() -> None:
        for _ in items:
            fire(ids)

    return body


def bare_loop(items: list[str]) -> Body:
    """A bare ``for`` over ``items``: the overhead subtracted from the per-call rows."""

    def body() -> None:
        for _ in items:
            pass

    return body


def contests(plan: Plan) -> list[Contest]:
    """The issue's rows, each with its model body and its floor body."""
    n, groups_count = plan.floor_calls, plan.floor_batches
    ids = [instance_id(k) for k in range(n)]
    same = [instance_id(0)] * n
    one = [instance_id(0)]
    batched = BATCH * groups_count
    groups = [
        [instance_id(k) for k in range(g * BATCH, (g + 1) * BATCH)] for g in range(groups_count)
    ]

    def model_single(method: str, status: str) -> Prepare:
        return lambda: each(getattr(fleet(n, status), method), ids)

    def floor_single(fire: Callable[[Floor, str], int], status: int) -> Prepare:
        return lambda: each_floor(fire, floor_of(n, status), ids)

    def model_batch(method: str, status: str) -> Prepare:
        return lambda: each_group(getattr(fleet(batched, status), method), groups)

    def floor_batches(check: Callable[[Floor, int, float], int], row: bytes, mode: int) -> Prepare:
        def prepare() -> Body:
            table = floor_of(batched, S_STOPPED if row is START_ROW else S_RUNNING)
            return each_group(lambda group: floor_batch(table, group, check, row, mode), groups)

        return prepare

    def model_rejected() -> Body:
        return each_rejected(fleet(1, RUNNING).start_instance, same)

    def floor_rejected_raising() -> Body:
        fire, table = floor_start_raising, floor_of(1, S_RUNNING)

        def body() -> None:
            for iid in same:
                try:  # noqa: SIM105 (as each_rejected)
                    fire(table, iid)
                except FloorRefusal:
                    pass

        return body

    def model_status() -> Body:
        describe = fleet(1, RUNNING).describe_instance_status
        return repeat(describe, one, same)

    def floor_status() -> Body:
        table = floor_of(1, S_RUNNING)
        return repeat(functools.partial(floor_describe_status, table), one, same)

    def model_bulk() -> Body:
        model = fleet(n, STOPPED)
        return lambda: model.bulk("StartInstance", ids)

    def floor_bulk() -> Body:
        table = floor_of(n, S_STOPPED)
        return lambda: [floor_start(table, iid) for iid in ids]

    def model_pages() -> Body:
        describe = fleet(batched, STOPPED).describe_instances
        return each_group(lambda _: describe(page_size=BATCH), groups)

    def floor_pages() -> Body:
        table = floor_of(batched, S_STOPPED)
        return each_group(lambda _: floor_describe_instances(table, 0, BATCH), groups)

    return [
        Contest(
            "start_instance, success",
            "call",
            n,
            model_single("start_instance", STOPPED),
            floor_single(floor_start, S_STOPPED),
            5,
            net=True,
        ),
        Contest(
            "stop_instance, success",
            "call",
            n,
            model_single("stop_instance", RUNNING),
            floor_single(floor_stop, S_RUNNING),
            5,
            net=True,
        ),
        Contest(
            "reboot_instance, success",
            "call",
            n,
            model_single("reboot_instance", RUNNING),
            floor_single(floor_reboot, S_RUNNING),
            5,
            net=True,
        ),
        Contest(
            "rejected: start_instance on Running",
            "call",
            n,
            model_rejected,
            lambda: each_floor(floor_start, floor_of(1, S_RUNNING), same),
            5,
            net=True,
        ),
        Contest(
            "  context: against a floor that raises",
            "call",
            n,
            model_rejected,
            floor_rejected_raising,
            None,
            net=True,
        ),
        Contest(
            "describe_instance_status([id])",
            "call",
            n,
            model_status,
            floor_status,
            5,
            net=True,
        ),
        Contest(
            'bulk("StartInstance", ids)',
            "instance",
            n,
            model_bulk,
            floor_bulk,
            3,
            net=False,
        ),
        Contest(
            f"describe_instances(page_size={BATCH})",
            "instance",
            batched,
            model_pages,
            floor_pages,
            5,
            net=False,
        ),
        Contest(
            f"start_instances({BATCH} ids)",
            "instance",
            batched,
            model_batch("start_instances", STOPPED),
            floor_batches(check_start, START_ROW, 0),
            5,
            net=False,
        ),
        Contest(
            f"stop_instances({BATCH} ids)",
            "instance",
            batched,
            model_batch("stop_instances", RUNNING),
            floor_batches(check_stop, STOP_ROW, 1),
            5,
            net=False,
        ),
        Contest(
            f"reboot_instances({BATCH} ids)",
            "instance",
            batched,
            model_batch("reboot_instances", RUNNING),
            floor_batches(check_reboot, REBOOT_ROW, 0),
            5,
            net=False,
        ),
    ]


def thread_ns(body: Body) -> tuple[int, int]:
    """The thread CPU time ``body()`` takes, cyclic GC paused, and the cyclic garbage
    it left (objects only the collector could free, whose cost pausing it hides)."""
    with gc_paused():
        gc.collect(0)  # untimed: what the set-up made leaves the youngest generation
        start = time.thread_time_ns()
        body()
        elapsed = time.thread_time_ns() - start
        return elapsed, gc.collect(0)


def floor_rows(plan: Plan, seed: int = 14) -> list[FloorRow]:
    """Section 2: every contender of every row, in a freshly shuffled order each round."""
    rows = contests(plan)
    loop_items = [instance_id(0)] * plan.floor_calls
    # (row, side): side 0 is the model, 1 the floor; (-1, 0) is the bare loop.
    jobs: list[tuple[int, int]] = [(-1, 0)] + [(r, s) for r in range(len(rows)) for s in (0, 1)]
    samples: dict[tuple[int, int], list[int]] = {job: [] for job in jobs}
    garbage: dict[tuple[int, int], int] = dict.fromkeys(jobs, 0)
    rng = Random(seed)
    for _ in range(plan.floor_rounds):
        rng.shuffle(jobs)
        for job in jobs:
            row, side = job
            # Set up untimed: a fresh fleet (or table) for every timing.
            body = bare_loop(loop_items) if row < 0 else (rows[row].model, rows[row].floor)[side]()
            elapsed, left = thread_ns(body)
            samples[job].append(elapsed)
            garbage[job] += left
            del body
    loops = samples[(-1, 0)]
    results = []
    for r, contest in enumerate(rows):
        model, floor = samples[(r, 0)], samples[(r, 1)]
        bases = loops if contest.net else [0] * len(loops)
        per_round = tuple(
            (m - b) / (f - b) if f > b else math.inf
            for m, f, b in zip(model, floor, bases, strict=True)
        )
        base = statistics.median(bases)
        results.append(
            FloorRow(
                label=contest.label,
                unit=contest.unit,
                model_ns=(statistics.median(model) - base) / contest.units,
                floor_ns=(statistics.median(floor) - base) / contest.units,
                ratios=per_round,
                goal=contest.goal,
                garbage=garbage[(r, 0)] / (plan.floor_rounds * contest.units),
            )
        )
    return results


# ------------------------------------------------------------- section 3
class Fleet:
    """A model of ``size`` Stopped instances that hands out never-started ids in batches.

    The first half of the ids is handed out in creation order (contiguous in
    every column), the second half at random; when either runs short, the model
    is rebuilt (timed, but outside any call-timing loop).
    """

    __slots__ = ("batch", "builds", "ids", "model", "pool", "rng", "sequential", "size")

    def __init__(self, size: int, batch: int, rng: Random, rounds: int) -> None:
        self.size = size
        self.batch = min(batch, size // 2)
        self.rng = rng
        self.builds: list[float] = []
        self.model = EcsModel()
        self.ids: list[str] = []
        self.sequential = 0
        self.pool: list[int] = []
        self.rebuild(rounds_left=rounds)

    def rebuild(self, rounds_left: int) -> None:
        """Build a fresh fleet and draw the random ids the remaining rounds need."""
        del self.model, self.ids  # free the previous fleet before building the next
        began = time.perf_counter()
        self.model = build_model(self.size)
        self.builds.append(time.perf_counter() - began)
        self.ids = self.model.instance_ids()
        self.sequential = 0
        half = self.size // 2
        wanted = min(self.size - half, self.batch * rounds_left)
        self.pool = self.rng.sample(range(half, self.size), wanted)

    def take(self, rounds_left: int) -> tuple[list[str], list[str]]:
        """The next batch of random ids and the next batch of ids in creation order."""
        if len(self.pool) < self.batch or self.sequential + self.batch > self.size // 2:
            self.rebuild(rounds_left)
        randoms = [self.ids[k] for k in self.pool[-self.batch :]]
        del self.pool[-self.batch :]
        ordered = self.ids[self.sequential : self.sequential + self.batch]
        self.sequential += self.batch
        return randoms, ordered


@dataclass(frozen=True, slots=True)
class FlatRow:
    """The success-path cost at one fleet size."""

    size: int
    batch: int
    random_ns: float
    random_min_ns: float
    ordered_ns: float
    build_s: float
    builds: int


def flat_rows(plan: Plan, seed: int = 0) -> list[FlatRow]:
    """Section 3: ``start_instance`` at every fleet size, interleaved in rounds.

    All fleets are built first; each round then times one random batch and one
    creation-order batch on every fleet, so machine drift hits every size alike.
    """
    rng = Random(seed)
    fleets = [Fleet(size, plan.flat_batch, rng, plan.repeats) for size in plan.flat_sizes]
    randoms: dict[int, list[int]] = {fleet.size: [] for fleet in fleets}
    ordered: dict[int, list[int]] = {fleet.size: [] for fleet in fleets}
    empties: dict[int, list[int]] = {fleet.size: [] for fleet in fleets}
    for done in range(plan.repeats):
        for fleet in fleets:
            random_ids, ordered_ids = fleet.take(plan.repeats - done)
            randoms[fleet.size].append(start_success_ns(fleet.model, random_ids))
            ordered[fleet.size].append(start_success_ns(fleet.model, ordered_ids))
            empties[fleet.size].append(empty_loop_ns(random_ids))
    rows = []
    for fleet in fleets:
        base = statistics.median(empties[fleet.size])
        rows.append(
            FlatRow(
                size=fleet.size,
                batch=fleet.batch,
                random_ns=(statistics.median(randoms[fleet.size]) - base) / fleet.batch,
                random_min_ns=(min(randoms[fleet.size]) - base) / fleet.batch,
                ordered_ns=(statistics.median(ordered[fleet.size]) - base) / fleet.batch,
                build_s=statistics.median(fleet.builds),
                builds=len(fleet.builds),
            )
        )
    return rows


# ------------------------------------------------------------- section 4
@dataclass(frozen=True, slots=True)
class MemoryRow:
    """Memory and build time of one fleet size, from two fresh subprocesses."""

    size: int
    traced_bytes: int
    traced_build_s: float
    build_s: float
    rss_bytes: int | None


def rss_bytes() -> int | None:
    """This process's resident set size from ``/proc/self/status``, or ``None`` without it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def memory_worker(size: int, traced: bool) -> None:
    """Build a ``size`` fleet in this (fresh) process and print one JSON line about it."""
    gc.collect()
    rss_before = rss_bytes()
    if traced:
        tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0] if traced else 0
    began = time.perf_counter()
    model = EcsModel()
    create = model.create_instance
    for n in range(size):
        create(f"i-{n:020d}", status=STOPPED)
    build_s = time.perf_counter() - began
    gc.collect()
    traced_net = tracemalloc.get_traced_memory()[0] - traced_before if traced else 0
    if traced:
        tracemalloc.stop()
    rss_after = rss_bytes()
    rss_net = None if rss_before is None or rss_after is None else rss_after - rss_before
    answer = {"size": len(model), "build_s": build_s, "traced": traced_net, "rss": rss_net}
    print(json.dumps(answer))


def run_worker(size: int, traced: bool) -> dict[str, object]:
    """Run ``memory_worker`` in a fresh interpreter and return its JSON answer."""
    command = [sys.executable, str(Path(__file__).resolve()), "--memory-worker", str(size)]
    if traced:
        command.append("--traced")
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def memory_row(size: int) -> MemoryRow:
    """Section 4: one fleet size, traced in one subprocess and untraced in another."""
    traced = run_worker(size, traced=True)
    plain = run_worker(size, traced=False)
    rss = plain["rss"]
    return MemoryRow(
        size=size,
        traced_bytes=int(str(traced["traced"])),
        traced_build_s=float(str(traced["build_s"])),
        build_s=float(str(plain["build_s"])),
        rss_bytes=None if rss is None else int(str(rss)),
    )


# ------------------------------------------------------------- printing
def ratio(value: float, base: float) -> str:
    """``value / base`` as ``12.3x`` (``0.05x`` below 1), or ``-`` when the base is not positive."""
    if base <= 0:
        return "-"
    share = value / base
    return f"{share:,.2f}x" if share < 1 else f"{share:,.1f}x"


def print_header(plan: Plan, quick: bool) -> None:
    """Versions, machine and run parameters."""
    print(f"lifecycle benchmark ({'--quick' if quick else 'full run'})")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"transitions {transitions.__version__}, lifecycle {lifecycle.__version__}"
    )
    print(f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs")
    print(
        f"speed yardstick: sum(range(1000)) = {calibration_us(plan.repeats):.1f} µs here, "
        "8.5 µs on the engine-notes VM"
    )
    print(
        f"{plan.repeats} repeats per figure; medians; GC disabled inside timing loops; "
        "no assertions on timings"
    )


def print_per_call(rows: list[Row]) -> None:
    """Section 1 table."""
    row_a, row_b = rows[0], rows[1]
    print()
    print("1. Per-call cost (ns per call, net of loop overhead)")
    print(
        f"   {'figure':<46} {'median':>8} {'fastest':>8} {'loops':>8} "
        f"{'vs (b)':>8} {'vs (a)':>7}   engine-notes §2a"
    )
    for row in rows:
        print(
            f"   {row.label:<46} {row.median_ns:>8,.0f} {row.min_ns:>8,.0f} {row.loops:>8,} "
            f"{ratio(row.median_ns, row_b.median_ns):>8} "
            f"{ratio(row.median_ns, row_a.median_ns):>7}   {row.reference}"
        )


def print_floor(rows: list[FloorRow], plan: Plan) -> None:
    """Section 2 table: each of issue 14's rows against the floor, and its goal."""
    print()
    print(
        "2. Against the floor (issue 14): thread CPU ns per call or per instance, "
        f"median of {plan.floor_rounds} shuffled rounds"
    )
    print(
        f"   {'path':<38} {'per':<8} {'model':>7} {'floor':>6} {'ratio':>6} "
        f"{'rounds':>12} {'goal':>6}   verdict"
    )
    for row in rows:
        low, high = min(row.ratios), max(row.ratios)
        if row.goal is None:
            goal, verdict = "-", "(no goal)"
        else:
            goal, verdict = f"<= {row.goal:g}x", "met" if row.ratio <= row.goal else "not met"
        print(
            f"   {row.label:<38} {row.unit:<8} {row.model_ns:>7,.0f} {row.floor_ns:>6,.0f} "
            f"{row.ratio:>5.1f}x {f'{low:.1f}-{high:.1f}x':>12} {goal:>6}   {verdict}"
        )
    goals = [row for row in rows if row.goal is not None]
    met = sum(row.goal is not None and row.ratio <= row.goal for row in goals)
    print(f"   {met} of {len(goals)} rows at or under their goal.")
    cyclic = [f"{row.label} ({row.garbage:.1f} per {row.unit})" for row in rows if row.garbage]
    print(
        "   Cyclic garbage left by the model (paused GC would hide its cost): "
        + ("; ".join(cyclic) if cyclic else "none.")
    )
    print(
        "   Method: time.thread_time_ns around each timed loop (this thread's CPU time, so "
        "the other"
    )
    print(
        "   core's jobs do not count), GC paused; model and floor interleaved in one process, every"
    )
    print(
        "   contender once per round in a freshly shuffled order; fresh fleets set up untimed "
        "before each."
    )
    print(
        "   ratio = median model / median floor; rounds = the lowest and highest per-round "
        "ratio. Per-call"
    )
    print(
        f"   rows are net of a bare for loop; {plan.floor_calls:,} calls per timing, "
        f"{plan.floor_batches * BATCH:,} instances per batch row."
    )
    print(
        "   floor = a hand-written struct-of-arrays table (bytearray/array columns, a dict "
        "from id to"
    )
    print(
        "   position, a due heap): read the clock, settle what is due, then lock, expiry or "
        "arrears,"
    )
    print(
        "   balance, status, disks in the model's order, answering an int code; a success "
        "moves the status"
    )
    print(
        "   byte and counts and records the start time, settle time and heap entry (stop: the "
        "stopped mode)."
    )
    print(
        "   It draws no RequestId and builds no response or exception. describe: sorted "
        "positions and"
    )
    print(
        "   (id, status) pairs; DescribeInstances: a 12-field tuple per instance (times "
        "formatted, cached"
    )
    print(
        "   per minute); batches: check all, then move all, an (id, code, before, after) "
        "tuple each; bulk:"
    )
    print("   the single start in a list comprehension.")
    print(
        "   context: the same rejection against the floor raising its code in an exception "
        "of its own"
    )
    print(
        "   (caught like the ApiError): what raising costs, which the code-returning floor "
        "does not pay."
    )


def print_flatness(rows: list[FlatRow], plan: Plan) -> None:
    """Section 3 table."""
    first = rows[0].random_ns
    print()
    print(
        "3. start_instance success cost vs fleet size "
        f"(ns per call, median of {plan.repeats} interleaved rounds)"
    )
    print(
        f"   {'instances':>10} {'batch':>7} {'random':>8} {'fastest':>8} {'vs 1st':>7} "
        f"{'in order':>9} {'build s':>8} {'µs/create':>10} {'builds':>7}"
    )
    for row in rows:
        print(
            f"   {row.size:>10,} {row.batch:>7,} {row.random_ns:>8,.0f} {row.random_min_ns:>8,.0f} "
            f"{ratio(row.random_ns, first):>7} {row.ordered_ns:>9,.0f} {row.build_s:>8.2f} "
            f"{row.build_s / row.size * 1e6:>10.2f} {row.builds:>7}"
        )
    print(
        "   random: distinct never-started instances drawn at random from the fleet's second half;"
    )
    print("   in order: the next ids in creation order from its first half (cache-friendly).")
    print("   build s: median time to create the fleet (create_instance loop, GC on).")


def print_memory(rows: list[MemoryRow]) -> None:
    """Section 4 table."""
    id_bytes = sys.getsizeof(instance_id(0))
    print()
    print('4. Memory per instance (fresh subprocesses; ids f"i-{n:020d}", status="Stopped")')
    print(
        f"   {'instances':>10} {'traced MB':>10} {'B/inst':>7} {'B/inst -ids':>12} "
        f"{'RSS Δ MB':>9} {'RSS B/inst':>11} {'build s':>8} {'µs/create':>10} {'traced s':>9}"
    )
    for row in rows:
        per = row.traced_bytes / row.size
        if row.rss_bytes is None:
            rss_mb, rss_per = "n/a", "n/a"
        else:
            rss_mb, rss_per = f"{row.rss_bytes / 2**20:,.1f}", f"{row.rss_bytes / row.size:,.0f}"
        print(
            f"   {row.size:>10,} {row.traced_bytes / 2**20:>10,.1f} {per:>7,.0f} "
            f"{per - id_bytes:>12,.0f} {rss_mb:>9} {rss_per:>11} {row.build_s:>8.2f} "
            f"{row.build_s / row.size * 1e6:>10.2f} {row.traced_build_s:>9.2f}"
        )
    print(
        f"   B/inst -ids: without the caller's id strings, which the model keeps "
        f"({id_bytes} B each). MB = MiB."
    )
    print("   build s, µs/create: untraced subprocess; traced s: the same build under tracemalloc.")


def print_footnotes() -> None:
    """Where the reference figures come from."""
    print()
    print("Notes")
    print("   engine-notes = shared/reference/engine-notes.md section 2, same kind of VM.")
    print(
        "   engine-notes §2a: transitions 6.5 µs per guarded trigger; hand-written dict table"
        " 132-142 ns;"
    )
    print("     compiled-from-Machine prototype kernel 188-197 ns (4 ordered guards).")
    print(
        "   engine-notes §2b/§2c: bare transitions costs 11.7-23.8 KB per instance with one"
        " Machine each"
    )
    print("     (4.5-7.9 KB with add_model); the prototype struct of arrays about 11 B.")
    print("   (a) fires start through its five guards (conditions on the Machine), all holding.")


# ------------------------------------------------------------------ main
def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and print every section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes and fewer repeats (about 10 s)"
    )
    parser.add_argument("--memory-worker", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_worker is not None:
        memory_worker(args.memory_worker, args.traced)
        return

    plan = QUICK if args.quick else FULL
    began = time.perf_counter()
    print_header(plan, args.quick)
    sanity_checks()
    per_call = per_call_rows(plan)
    print_per_call(per_call)
    print_floor(floor_rows(plan), plan)
    print_flatness(flat_rows(plan), plan)
    memory = [memory_row(size) for size in plan.memory_sizes]
    print_memory(memory)
    print_footnotes()
    print(
        f"\nTotal time: {time.perf_counter() - began:.1f} s; speed yardstick now "
        f"{calibration_us(plan.repeats):.1f} µs (drift check)"
    )


if __name__ == "__main__":
    main()
