"""The simulation engine: one account's fleet on one event heap, seeded, pure.

Theory of operation. Everything that happens is an entry ``(time, sequence,
kind, a, b)`` on one heap; ``sequence`` is a counter, so ties are broken in
the order events were scheduled and a run is a pure function of its workload
and seed. The engine owns a clock that it sets to each entry's time, never the
wall clock. Before handling an entry it settles the model, so every
clock-driven transition that fell due is reported first, stamped with the time
it fell due: the trace is in time order.

Workload calls and platform faults are Poisson per instance. Rather than one
schedule per instance, each group has one stream per kind at the group's total
rate (``count * rate``); each arrival picks an instance uniformly. That is the
same process (a superposition of independent Poisson processes), at a heap
of a few dozen entries whatever the fleet size. A call aimed at an instance in
the wrong status (``targets = "eligible"``) is dropped, which thins the stream
to the exact rate per eligible instance.

The engine mirrors every instance's status from the model's events (a byte
per instance, plus when it entered it), which gives the time per status, the
stuck instances, the status counts per group and the running time that
PostPaid billing charges, without asking the model. Each kind of randomness
has its own generator, seeded from the run's seed, the account and the group,
so changing one group's rates leaves every other group's draws as they were.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
from array import array
from collections.abc import Callable, Sequence
from decimal import Decimal
from random import Random
from typing import Any, Final

from .. import (
    Action,
    ApiError,
    DataLossCause,
    DiskKind,
    EcsModel,
    Event,
    FaultEvent,
    InstanceStatus,
    StoppedMode,
    TransitionEvent,
)
from .._engine_path import REBOOT, START, STOP, EnginePath
from .._spec import Fact
from .._views import format_request_id
from ..errors import InvalidArgument, SnapshotError
from ._checkpoint import decode, encode, pack, unpack
from ._summary import (
    FLEET_EVENTS,
    OK,
    PLATFORM_EVENTS,
    STATUS_NAMES,
    TRANSITORY,
    Samples,
    SimulationResult,
    Summary,
)
from ._workload import Group, Workload, parse_workload, renew_period

__all__ = ["Simulation", "account_seed", "snapshot_accounts", "snapshot_all"]

TraceSink = Callable[[str], object]
ProgressSink = Callable[[float], object]

_DAY: Final = 86_400.0
_HOUR: Final = 3_600.0
_STATUSES: Final = tuple(InstanceStatus)
_CODE: Final = {status: code for code, status in enumerate(_STATUSES)}
_PENDING, _STARTING, _RUNNING, _STOPPING, _STOPPED = range(5)
_TRANSITORY_CODES: Final = (_PENDING, _STARTING, _STOPPING)
#: The mirror's code of a released instance: gone from every count.
_GONE: Final = 5
_RUNNING_BYTE: Final = bytes((_RUNNING,))
_STARTING_BYTE: Final = bytes((_STARTING,))

# Workload actions, in the order of a group's call streams.
_START, _STOP, _REBOOT = range(3)
_ACTIONS: Final = (Action.START_INSTANCE, Action.STOP_INSTANCE, Action.REBOOT_INSTANCE)
#: The status each action leaves from: "eligible" calls only go to instances in it.
_SOURCE: Final = (_STOPPED, _RUNNING, _RUNNING)

# Heap entry kinds.
# Streams: one entry per group and kind, rescheduled in place (b: the generator).
_CALL = 0  # a: group, b: action
_LOCK = 1  # a: group
_DISK = 2  # a: group
# One-off entries.
_UNLOCK = 3  # a: instance
_REPAIR = 4  # a: instance, b: fault token
_EXPIRY = 5  # a: group: the next initial expiry from the group's sorted schedule
_EXPIRY_AGAIN = 6  # a: instance: a retry, or a renewed subscription's end
_RENEW = 7  # a: instance
_BILLING = 8
_OVERDUE = 9  # a: arrears period
_TOP_UP = 10  # a: arrears period
_SAMPLE = 11  # a: sample number
# Issue 13: a group whose size changes, the launches that grow it, AutoRenew.
_CHURN = 12  # a: group, b: stream (0-2 calls, 3 lock, 4 disk, 5 delete)
_LAUNCH = 13  # a: group
_AUTO_RENEW = 14  # a: instance
# _RENEW's b: who renews, and when.
_AFTER_STOP, _BEFORE_END = 0, 1
#: The streams of a group whose size changes: calls, lock, disk and delete.
_CHURN_STREAMS: Final = 6
_DELETE_STREAM: Final = 5
#: AutoRenew: "payment is taken at 08:00 UTC+8 9 days before expiry" (08:00 UTC+8 is
#: 00:00 UTC, and the model's clock starts at 00:00 UTC), "retried daily".
_AUTO_RENEW_DAYS: Final = 9
#: What RunInstances needs beside the group's own: an image (not otherwise modelled).
_IMAGE: Final = "m-simulation"

#: How long the platform waits before it looks again at an instance it could
#: not stop because it was Starting (a reboot or a start in flight).
_RETRY_SECONDS: Final = 60.0

# Per-instance flag bits the engine keeps.
_LOCKED = 1
_CLOUD_FAULT = 2
_LOCAL_FAULT = 4
_OVERDUE_STOPPED = 8
_LOST_FORCE = 16
_LOST_INIT = 32
_AUTO_PENDING = 64  # an AutoRenew attempt is scheduled
_LOSS_BITS: Final = {
    DataLossCause.FORCE_STOP: _LOST_FORCE,
    DataLossCause.INIT_LOCAL_DISK: _LOST_INIT,
}
_MICRO: Final = Decimal("0.000001")
# What the public methods pass the kernel for the workload's calls (EcsModel._typed).
_RECOVERABLE: Final = int(Fact.LOCAL_DISK_RECOVERABLE)
_FORCE_STOP: Final = int(Fact.FORCE_STOP)
_KEEP_CHARGING: Final = StoppedMode.KEEP_CHARGING


def snapshot_all(simulations: Sequence[Simulation]) -> bytes:
    """One snapshot of several accounts of one run (the same workload and seed).

    Raises:
        InvalidArgument: for no simulations, or simulations of different runs.
    """
    if not simulations:
        raise InvalidArgument("snapshot_all: expected at least one Simulation")
    first = simulations[0]
    if any(
        (s._workload, s._seed) != (first._workload, first._seed) or s.now != first.now
        for s in simulations
    ):
        raise InvalidArgument("snapshot_all: the simulations are not of one run at one time")
    return encode(
        {
            "seed": first._seed,
            "workload": first._workload.to_toml(),
            "accounts": [s._state() for s in simulations],
        }
    )


def snapshot_accounts(data: bytes) -> list[str]:
    """The accounts a simulation snapshot holds, in order.

    Raises:
        SnapshotError: as ``Simulation.restore`` does.
    """
    return [str(entry["account"]) for entry in _entries(decode(data))]


def _entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    entries = document.get("accounts")
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) and isinstance(e.get("account"), str) for e in entries)
    ):
        raise SnapshotError("malformed snapshot body: 'accounts' is not a list of accounts")
    return entries


def _rng_state(rng: Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _rng_tuple(state: list[Any]) -> tuple[Any, ...]:
    version, internal, gauss = state
    return (version, tuple(internal), gauss)


def _platform_samples(saved: object, samples: list[Any]) -> list[tuple[int, ...]] | None:
    """The platform counters per sample from a snapshot (``None`` where an older one has none).

    Raises:
        SnapshotError: for counters that are not one row of counts per sample.
    """
    if saved is None:
        return None
    rows = saved if isinstance(saved, list) else None
    if rows is None or len(rows) != len(samples):
        raise SnapshotError("malformed snapshot body: sample_platform: expected a row per sample")
    width = len(PLATFORM_EVENTS)
    if not all(
        isinstance(row, list)
        and len(row) == width
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in row)
        for row in rows
    ):
        raise SnapshotError(
            f"malformed snapshot body: sample_platform: expected rows of {width} counts"
        )
    return [tuple(row) for row in rows]


def _auto_renew_due(expiry: float) -> float:
    """When AutoRenew renews a subscription ending at ``expiry``: 00:00 UTC (08:00 UTC+8)
    nine days before the expiry date."""
    return (expiry // _DAY - _AUTO_RENEW_DAYS) * _DAY


def _auto_renew_time(expiry: float, now: float) -> float:
    """AutoRenew's first attempt for a term planned at ``now``: when it is due, or the
    next 00:00 UTC when that is past (a short term "is charged on the first day")."""
    due = _auto_renew_due(expiry)
    return due if due >= now else (now // _DAY + 1) * _DAY


def account_seed(seed: int, account: str) -> int:
    """The model seed of ``account`` in a run seeded ``seed``: stable across runs and machines."""
    digest = hashlib.sha256(f"{seed}/{account}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _Clock:
    """The engine's clock: the time of the entry being handled."""

    __slots__ = ("t",)

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t


class _Group:
    """A group at run time: its instance range, streams, generators and meters."""

    __slots__ = (
        "billed",
        "count",
        "each",
        "expiry_order",
        "expiry_position",
        "expiry_times",
        "first",
        "idle",
        "index",
        "launch_rate",
        "local",
        "members",
        "period",
        "price",
        "rates",
        "rngs",
        "run_count",
        "run_integral",
        "run_since",
        "spec",
        "where",
    )

    def __init__(self, index: int, spec: Group, first: int, seed: int, account: str) -> None:
        self.index = index
        self.spec = spec
        self.first = first
        self.count = spec.count
        # Whether the instances have local disks: the model decides (from the family).
        self.local = False
        self.price = spec.price_per_hour if not spec.prepaid else Decimal(0)
        per_second = spec.count / _DAY
        self.rates = (
            spec.start_per_day * per_second,
            spec.stop_per_day * per_second,
            spec.reboot_per_day * per_second,
            spec.security_locks_per_day * per_second,
            spec.disk_faults_per_day * per_second,
        )
        streams: tuple[str, ...] = ("start", "stop", "reboot", "lock", "disk", "expiry", "renew")
        if spec.churns or spec.renew_before_share or spec.auto_renew:
            streams += ("launch", "delete", "renew-early")
        self.rngs = tuple(Random(f"{seed}/{account}/{spec.name}/{s}") for s in streams)
        # Issue 13. A group whose size changes keeps its instances' positions in
        # ``members`` (``where``: position -> place in it), and per-instance rates.
        self.members: array[int] | None = None
        self.where: dict[int, int] = {}
        self.idle: list[int] = []
        self.each = (
            spec.start_per_day / _DAY,
            spec.stop_per_day / _DAY,
            spec.reboot_per_day / _DAY,
            spec.security_locks_per_day / _DAY,
            spec.disk_faults_per_day / _DAY,
            spec.delete_per_day / _DAY,
        )
        self.launch_rate = spec.launches_per_day / _DAY
        self.period = renew_period(spec.renew_for_days) if spec.prepaid else None
        self.run_count = 0
        self.run_integral = 0.0
        self.run_since = 0.0
        self.billed = 0.0
        self.expiry_order = array("q")
        self.expiry_times = array("d")
        self.expiry_position = 0


class Simulation:
    """One account's fleet living through a workload: seeded, pure, resumable.

    Args:
        workload: What to simulate.
        seed: Seeds every draw; the same workload and seed give the same run.
        account: Which account to simulate; may be omitted when the workload
            has one. Accounts share nothing, so a workload's accounts can be
            simulated apart (in other processes) and their results combined.
        on_trace: Called with each trace line (JSON, ending in a newline), in
            time order; ``None`` for no trace.
        on_progress: Called now and then with the share of simulated time done.

    The engine reads no wall clock and does no I/O; the callbacks decide where
    lines and progress go.
    """

    def __init__(
        self,
        workload: Workload,
        *,
        seed: int = 0,
        account: str | None = None,
        on_trace: TraceSink | None = None,
        on_progress: ProgressSink | None = None,
    ) -> None:
        self._configure(workload, seed, account, on_trace, on_progress)
        settings = workload.account(self._account)
        self._model = EcsModel(
            seed=account_seed(seed, self._account),
            clock=self._clock,
            durations=workload.durations,
            balance=settings.balance,
            minimum_start_balance=settings.minimum_start_balance,
        )
        for rule in workload.faults:
            self._model.add_fault(rule)
        self._start_meters(settings.balance)
        self._build()
        self._learn_disks()
        self._attach()

    def _attach(self) -> None:
        """Subscribe to the model, and open the engine's own path into its kernel.

        The engine owns its model while it runs (one thread, nothing else calls
        it between two events), so its Start/Stop/Reboot calls and its settling
        go through ``EnginePath``: no lock, no response or error objects, and no
        event objects while the engine is the only subscriber. The rest (locks,
        disks, the platform's stops, RunInstances, DeleteInstance, RenewInstance,
        ReActivateInstances, money) are rare and go through the public methods,
        whose events reach ``_on_event``.
        """
        listener = self._on_event
        self._model.subscribe(listener)
        self._path = EnginePath(self._model, listener, self._moved)

    def _learn_disks(self) -> None:
        for group in self._groups:
            # A group whose size changes may have lost its first instance: any member does.
            members = group.members
            if members is not None and members:
                group.local = self._model.instance(self._ids[members[0]]).has_local_disk
            elif members is None and group.count:
                group.local = self._model.instance(self._ids[group.first]).has_local_disk

    def _configure(
        self,
        workload: Workload,
        seed: int,
        account: str | None,
        on_trace: TraceSink | None,
        on_progress: ProgressSink | None,
    ) -> None:
        """Everything the workload and seed decide: shared by a new run and a restored one."""
        if not isinstance(workload, Workload):
            raise InvalidArgument(f"workload={workload!r}: expected a Workload")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgument(f"seed={seed!r}: expected an int")
        if account is None:
            if len(workload.accounts) != 1:
                names = ", ".join(a.name for a in workload.accounts)
                raise InvalidArgument(
                    f"account: the workload has several accounts ({names}); name one, "
                    "or use lifecycle.simulation.simulate() for them all"
                )
            account = workload.accounts[0].name
        settings = workload.account(account)
        self._workload = workload
        self._seed = seed
        self._account = account
        self._trace = on_trace
        self._progress = on_progress
        self._end = workload.seconds
        self._stuck_after = workload.stuck_after_minutes * 60
        self._top_up = settings.top_up_amount
        self._top_up_mean = settings.top_up_after_days * _DAY
        self._clock = _Clock()
        self._platform_rng = Random(f"{seed}/{account}/platform")
        self._sample_times = tuple(
            self._end * k / (workload.samples - 1) for k in range(workload.samples)
        )
        self._groups: list[_Group] = []
        self._names: dict[str, int] = {}
        first = 0
        for index, spec in enumerate(workload.groups_of(account)):
            self._groups.append(_Group(index, spec, first, seed, account))
            self._names[spec.name] = index
            first += spec.count
        self._group_of = array("I")
        for group in self._groups:
            self._group_of.extend(array("I", (group.index,)) * group.count)
        self._handlers: dict[int, Callable[[float, int, int], None]] = {
            _UNLOCK: self._unlock,
            _REPAIR: self._repair,
            _EXPIRY: self._next_expiry,
            _EXPIRY_AGAIN: self._expire,
            _RENEW: self._renew,
            _BILLING: self._bill,
            _OVERDUE: self._overdue_stop,
            _TOP_UP: self._pay,
            _SAMPLE: self._sample,
            _CHURN: self._churn,
            _LAUNCH: self._launch,
            _AUTO_RENEW: self._auto_renew,
        }
        #: Whether instances come, go or are renewed: the engine then keeps (and
        #: saves) what that needs; without, its state is what it was before.
        self._fleet = any(g.spec.churns or g.spec.renews for g in self._groups)

    # ------------------------------------------------------------ set-up
    def _start_meters(self, balance: Decimal) -> None:
        """The account's money, the run's counters and the instance mirror at time 0."""
        # Account.
        self._balance = balance
        self._in_arrears = False
        self._arrears_since = 0.0
        self._arrears_seconds = 0.0
        self._period = 0
        self._billed = Decimal(0)
        self._paid = Decimal(0)
        self._overdue_stopped: list[int] = []
        # Counters.
        self._calls: list[list[dict[str, int]]] = [[{} for _ in _ACTIONS] for _ in self._groups]
        self._platform = dict.fromkeys(PLATFORM_EVENTS, 0)
        self._faults: dict[str, int] = {}
        self._losses: dict[str, int] = {}
        self._longest = [0.0] * 5
        self._events = 0
        self._transitions = 0
        self._samples: list[tuple[tuple[int, ...], ...]] = []
        self._sample_arrears: list[int] = []
        # Platform counters at each sample (None: a restored run that did not record them).
        self._sample_platform: list[tuple[int, ...]] | None = []
        # The instance mirror, and the schedule.
        self._ids: list[str] = []
        self._status = bytearray()
        self._flags = bytearray()
        self._entered = array("d")
        self._counts: list[list[int]] = []
        self._seconds: list[list[float]] = []
        self._disk_tokens: dict[int, int] = {}
        self._heap: list[tuple[float, int, int, int, int]] = []
        self._sequence = 0
        self._fleet_meters()

    def _fleet_meters(self) -> None:
        """Issue 13's state: launched instances, API calls beside the workload's, counters."""
        #: Launched instances' positions by id; the group a launch is for.
        self._created: dict[str, int] = {}
        self._launching = -1
        #: Per action (RunInstances, DeleteInstance, RenewInstance, ReActivateInstances),
        #: per outcome: how many calls.
        self._api_calls: dict[str, dict[str, int]] = {}
        self._fleet_counts = dict.fromkeys(FLEET_EVENTS, 0)
        self._sample_fleet: list[tuple[int, ...]] = []
        #: Per data-loss cause, released instances that had lost data.
        self._gone_losses: dict[str, int] = {}

    def _build(self) -> None:
        create = self._model.create_instances
        trace = self._trace
        if trace is not None:
            trace(
                f'{{"t":0.0,"type":"run","seed":{self._seed},"account":"{self._account}",'
                f'"model_seed":{account_seed(self._seed, self._account)},'
                f'"seconds":{self._end!r},"balance":"{self._balance}"}}\n'
            )
        for group in self._groups:
            spec, index = group.spec, group.index
            prefix = f"i-{spec.name}-"
            ids = create(
                spec.count,
                id_prefix=prefix,
                instance_type=spec.instance_type,
                status=spec.status,
                charge_type=spec.charge_type,
            )
            self._ids.extend(ids)
            code = _CODE[spec.status]
            self._status.extend(bytes((code,)) * spec.count)
            self._flags.extend(bytes(spec.count))
            self._entered.extend(array("d", (0.0,)) * spec.count)
            counts = [0] * 5
            counts[code] = spec.count
            self._counts.append(counts)
            self._seconds.append([0.0] * 5)
            if code == _RUNNING:
                group.run_count = spec.count
            if spec.prepaid:
                self._plan_expiries(group)
            if trace is not None:
                trace(
                    f'{{"t":0.0,"type":"group","group":"{spec.name}","count":{spec.count},'
                    f'"ids":"{prefix}0..{prefix}{max(spec.count - 1, 0)}",'
                    f'"instance_type":"{spec.instance_type}",'
                    f'"charge_type":"{spec.charge_type.value}","status":"{spec.status.value}"}}\n'
                )
            if spec.churns:
                self._start_churn(group)
            else:
                for stream, kind in ((0, _CALL), (1, _CALL), (2, _CALL), (3, _LOCK), (4, _DISK)):
                    rate = group.rates[stream]
                    if rate > 0:
                        rng = group.rngs[stream]
                        self._push(rng.expovariate(rate), kind, index, stream)
            if group.expiry_times:
                self._push(group.expiry_times[0], _EXPIRY, index, 0)
        if any(g.price for g in self._groups):
            self._push(self._workload.platform.billing_interval_minutes * 60, _BILLING, 0, 0)
        self._push(0.0, _SAMPLE, 0, 0)

    def _plan_expiries(self, group: _Group) -> None:
        """Draw each instance's subscription end and sort the platform's stops by time."""
        spec = group.spec
        assert spec.expires_in_days is not None
        low, high = spec.expires_in_days
        rng = group.rngs[5]
        window = self._workload.platform.expiry_stop_window_hours * _HOUR
        set_expired_time = self._model.set_expired_time
        stops: list[tuple[float, int]] = []
        ends: list[tuple[int, float]] = []
        for n in range(group.count):
            index = group.first + n
            expiry = (low + (high - low) * rng.random()) * _DAY
            set_expired_time(self._ids[index], expiry)
            stops.append((expiry + window * rng.random(), index))
            ends.append((index, expiry))
        stops.sort()
        group.expiry_times = array("d", (t for t, _ in stops))
        group.expiry_order = array("q", (i for _, i in stops))
        if spec.renew_before_share or spec.auto_renew:
            for index, expiry in ends:
                self._plan_renewals(group, index, expiry, 0.0)

    def _start_churn(self, group: _Group) -> None:
        """A group whose size changes: its members, and its streams at their rates now."""
        group.members = array("q", range(group.first, group.first + group.count))
        group.where = {index: index - group.first for index in group.members}
        for stream in range(_CHURN_STREAMS):
            if group.each[stream] > 0:
                group.idle.append(stream)
        self._wake(group, 0.0)
        if group.launch_rate > 0:
            self._push(group.rngs[7].expovariate(group.launch_rate), _LAUNCH, group.index, 0)

    def _wake(self, group: _Group, t: float) -> None:
        """Schedule the idle streams of a group that has instances (again)."""
        assert group.members is not None
        n = len(group.members)
        if not n:
            return
        idle, group.idle = group.idle, []
        for stream in idle:
            rng = group.rngs[8 if stream == _DELETE_STREAM else stream]
            self._push(t + rng.expovariate(group.each[stream] * n), _CHURN, group.index, stream)

    def _plan_renewals(self, group: _Group, index: int, expiry: float, t: float) -> None:
        """A new subscription term: its owner's renewal before it ends, and AutoRenew's."""
        spec = group.spec
        if spec.renew_before_share:
            rng = group.rngs[9]
            if rng.random() < spec.renew_before_share:
                early = expiry - rng.expovariate(1 / (spec.renew_before_days * _DAY))
                self._push(max(early, t), _RENEW, index, _BEFORE_END)
        if spec.auto_renew and not self._flags[index] & _AUTO_PENDING:
            self._flags[index] |= _AUTO_PENDING
            self._push(_auto_renew_time(expiry, t), _AUTO_RENEW, index, 0)

    def _push(self, time: float, kind: int, a: int, b: int) -> None:
        self._sequence += 1
        heapq.heappush(self._heap, (time, self._sequence, kind, a, b))

    # -------------------------------------------------------- observation
    def _on_event(self, event: Event) -> None:
        if type(event) is FaultEvent:
            kind = event.kind.value
            self._faults[kind] = self._faults.get(kind, 0) + 1
            if self._trace is not None:
                instance = "null" if event.instance_id is None else f'"{event.instance_id}"'
                self._trace(
                    f'{{"t":{event.time!r},"type":"fault","action":"{event.action.value}",'
                    f'"kind":"{kind}","fault_id":{event.fault_id},'
                    f'"request_id":"{event.request_id}","instance":{instance},'
                    f'"delay":{event.delay!r}}}\n'
                )
            return
        assert type(event) is TransitionEvent
        name = event.instance_id
        prefix, _, number = name.rpartition("-")
        g = self._names.get(prefix[2:])  # "i-{group}-{n}"
        if g is None:
            # A launched instance: the model named it.
            index = self._created.get(name, -1)
            if index < 0:
                self._transitions += 1
                self._admit(event)
                return
        else:
            index = self._groups[g].first + int(number)
        dest = event.dest
        if dest is None:
            self._transitions += 1
            group = self._groups[self._group_of[index]]
            self._release(group, index, self._status[index], event)
            return
        self._moved(index, _CODE[dest], event.cause, event.time, event.request_id, event.data_loss)

    def _moved(
        self,
        index: int,
        new: int,
        cause: str,
        t: float,
        request: int | str,
        loss: DataLossCause | None,
    ) -> None:
        """The instance at ``index`` entered status code ``new`` at ``t``: mirror it.

        From the engine's path (``request`` a number) or from a model event
        (``request`` the RequestId).
        """
        self._transitions += 1
        g = self._group_of[index]
        old = self._status[index]
        counts = self._counts[g]
        counts[old] -= 1
        counts[new] += 1
        self._status[index] = new
        stay = t - self._entered[index]
        self._entered[index] = t
        self._seconds[g][old] += stay
        if old not in (_RUNNING, _STOPPED) and stay > self._longest[old]:
            self._longest[old] = stay
        if _RUNNING in (old, new):
            group = self._groups[g]
            group.run_integral += group.run_count * (t - group.run_since)
            group.run_since = t
            group.run_count += 1 if new == _RUNNING else -1
        if loss is not None:
            value = loss.value
            self._losses[value] = self._losses.get(value, 0) + 1
            self._flags[index] |= _LOSS_BITS[loss]
            if loss is DataLossCause.INIT_LOCAL_DISK:
                # The call recovered the local disk: the scheduled repair has nothing to do.
                self._flags[index] &= ~_LOCAL_FAULT & 0xFF
                self._disk_tokens.pop(index, None)
        if self._trace is not None:
            lost = "" if loss is None else f',"data_loss":"{loss.value}"'
            request_id = request if type(request) is str else format_request_id(request)  # type: ignore[arg-type]
            self._trace(
                f'{{"t":{t!r},"type":"transition","instance":"{self._ids[index]}",'
                f'"from":"{_STATUSES[old].value}","to":"{_STATUSES[new].value}",'
                f'"cause":"{cause}","request_id":"{request_id}"{lost}}}\n'
            )

    def _admit(self, event: TransitionEvent) -> None:
        """A RunInstances instance appears: it joins the group being launched."""
        g = self._launching
        assert g >= 0, event
        assert event.source is None, event
        assert event.dest is not None, event
        group = self._groups[g]
        members = group.members
        assert members is not None
        name, t = event.instance_id, event.time
        index = len(self._ids)
        self._ids.append(name)
        self._created[name] = index
        self._group_of.append(g)
        new = _CODE[event.dest]
        self._status.append(new)
        self._flags.append(0)
        self._entered.append(t)
        group.where[index] = len(members)
        members.append(index)
        self._counts[g][new] += 1
        self._fleet_counts["launch"] += 1
        if self._trace is not None:
            self._trace(
                f'{{"t":{t!r},"type":"transition","instance":"{name}","from":null,'
                f'"to":"{event.dest.value}","cause":"{event.cause}",'
                f'"request_id":"{event.request_id}"}}\n'
            )

    def _release(self, group: _Group, index: int, old: int, event: TransitionEvent) -> None:
        """DeleteInstance released an instance: it leaves every count."""
        t = event.time
        g = group.index
        self._counts[g][old] -= 1
        stay = t - self._entered[index]
        self._seconds[g][old] += stay  # Running or Stopped: see _delete
        if old == _RUNNING:
            group.run_integral += group.run_count * (t - group.run_since)
            group.run_since = t
            group.run_count -= 1
        self._status[index] = _GONE
        self._entered[index] = t
        loss = event.data_loss
        if loss is not None:
            self._losses[loss.value] = self._losses.get(loss.value, 0) + 1
            self._flags[index] |= _LOSS_BITS[loss]
        for cause, bit in _LOSS_BITS.items():
            if self._flags[index] & bit:
                self._gone_losses[cause.value] = self._gone_losses.get(cause.value, 0) + 1
        self._flags[index] = 0
        self._disk_tokens.pop(index, None)
        members = group.members
        assert members is not None, "only a group whose size changes deletes"
        place = group.where.pop(index)
        last = members.pop()
        if last != index:
            members[place] = last
            group.where[last] = place
        self._created.pop(event.instance_id, None)
        self._fleet_counts["delete"] += 1
        if self._trace is not None:
            lost = "" if loss is None else f',"data_loss":"{loss.value}"'
            self._trace(
                f'{{"t":{t!r},"type":"transition","instance":"{event.instance_id}",'
                f'"from":"{_STATUSES[old].value}","to":null,"cause":"{event.cause}",'
                f'"request_id":"{event.request_id}"{lost}}}\n'
            )

    # --------------------------------------------------------------- run
    @property
    def model(self) -> EcsModel:
        """The account's model (read it; changing it changes the run).

        The engine owns it while ``run`` runs and calls it without its lock
        (``lifecycle/_engine_path.py``): use it between runs, or from a
        subscriber, never from another thread during one.
        """
        return self._model

    @property
    def now(self) -> float:
        """The simulated time reached, in seconds."""
        return self._clock.t

    @property
    def finished(self) -> bool:
        """Whether every event up to the end has been handled."""
        return not self._heap or self._heap[0][0] > self._end

    def run(self, until: float | None = None) -> SimulationResult:
        """Handle every event up to ``until`` seconds (default: the end).

        A run may be split into several calls of ``run`` at any times; the
        outcome is the same as one call.

        Returns:
            The result so far (``summary`` and ``samples``).
        """
        self._advance(self._end if until is None else float(until))
        return self.result()

    def _advance(self, until: float) -> None:
        """``run`` up to ``until`` (at most the end) without working out the result."""
        stop = min(until, self._end)
        heap = self._heap
        clock = self._clock
        due = self._path.due
        settle = self._path.settle
        handle = self._handle
        progress = self._progress
        # Progress is reported every 1/200 of the simulated time, never by the wall clock.
        step = self._end / 200
        report = clock.t + step if progress is not None else math.inf
        events = 0
        while heap and heap[0][0] <= stop:
            entry = heap[0]
            t = clock.t = entry[0]
            if due and due[0][0] <= t:
                settle(t)
            handle(entry)
            events += 1
            if clock.t >= report:
                assert progress is not None
                progress(clock.t / self._end)
                report = clock.t + step
        self._events += events
        # Time has reached ``stop`` even if nothing happened at ``stop`` itself.
        # Settling now emits exactly what the next event would have emitted first.
        t = clock.t = max(clock.t, stop)
        if due and due[0][0] <= t:
            settle(t)
        if progress is not None:
            progress(1.0 if self.finished else clock.t / self._end)

    # ---------------------------------------------------------- snapshots
    def snapshot(self) -> bytes:
        """The run's whole state: ``Simulation.restore`` continues it exactly.

        The model's snapshot, the engine's event heap, random streams, money,
        counters, samples and instance mirror, and the workload itself, in a
        versioned, checksummed format (``lifecycle.simulation._checkpoint``).
        A run resumed from a snapshot produces the same trace lines and result
        as one never interrupted. The callbacks are not saved.
        """
        return snapshot_all([self])

    @classmethod
    def restore(
        cls,
        data: bytes,
        *,
        account: str | None = None,
        on_trace: TraceSink | None = None,
        on_progress: ProgressSink | None = None,
    ) -> Simulation:
        """Continue a run from ``snapshot()`` bytes (or one account of a multi-account file).

        Args:
            data: The bytes.
            account: Which account, when the snapshot holds several.
            on_trace: Receives the trace lines from where the snapshot left off.
            on_progress: As for a new ``Simulation``.

        Raises:
            SnapshotError: for bytes that are not a simulation snapshot, an
                unknown format version, or a truncated, corrupted or malformed
                one; nothing is half-loaded.
            InvalidArgument: for an account the snapshot does not hold, or a
                missing one when it holds several.
        """
        document = decode(data)
        entries = _entries(document)
        names = [e["account"] for e in entries]
        if account is None and len(entries) != 1:
            raise InvalidArgument(
                f"account: the snapshot holds several accounts ({', '.join(names)}); name one"
            )
        if account is not None and account not in names:
            raise InvalidArgument(f"account={account!r}: the snapshot holds {', '.join(names)}")
        entry = entries[0 if account is None else names.index(account)]
        simulation = cls.__new__(cls)
        try:
            workload = parse_workload(document["workload"])
            simulation._configure(
                workload, document["seed"], entry["account"], on_trace, on_progress
            )
            simulation._load(entry)
        except SnapshotError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, ArithmeticError) as error:
            raise SnapshotError(
                f"malformed snapshot body: {type(error).__name__}: {error}"
            ) from None
        return simulation

    def _state(self) -> dict[str, Any]:
        groups = [
            {
                "rngs": [_rng_state(rng) for rng in g.rngs],
                "run": [g.run_count, g.run_integral, g.run_since, g.billed],
                "expiry_position": g.expiry_position,
                "expiry_order": pack(g.expiry_order),
                "expiry_times": pack(g.expiry_times),
            }
            for g in self._groups
        ]
        engine = {
            "t": self._clock.t,
            "heap": self._heap,
            "sequence": self._sequence,
            "platform_rng": _rng_state(self._platform_rng),
            "groups": groups,
            "money": [str(self._balance), str(self._billed), str(self._paid)],
            "arrears": [self._in_arrears, self._arrears_since, self._arrears_seconds, self._period],
            "overdue_stopped": pack(array("q", self._overdue_stopped)),
            "calls": self._calls,
            "platform": self._platform,
            "faults": self._faults,
            "losses": self._losses,
            "longest": self._longest,
            "events": self._events,
            "transitions": self._transitions,
            "samples": self._samples,
            "sample_arrears": self._sample_arrears,
            "sample_platform": self._sample_platform,
            "status": pack(self._status),
            "flags": pack(self._flags),
            "entered": pack(self._entered),
            "counts": self._counts,
            "seconds": self._seconds,
            "disk_tokens": sorted(self._disk_tokens.items()),
        }
        # Issue 13's state, only where it is used: other runs save what they saved before.
        if self._api_calls:
            engine["api_calls"] = self._api_calls
        if self._fleet and (
            any(self._fleet_counts.values()) or any(g.members is not None for g in self._groups)
        ):
            initial = sum(g.count for g in self._groups)
            engine["fleet"] = {
                "created": self._ids[initial:],
                "group_of": pack(self._group_of[initial:]),
                "members": [None if g.members is None else pack(g.members) for g in self._groups],
                "idle": [g.idle for g in self._groups],
                "counts": self._fleet_counts,
                "samples": self._sample_fleet,
                "gone_losses": self._gone_losses,
            }
        model = base64.b64encode(self._model.snapshot()).decode("ascii")
        return {"account": self._account, "model": model, "engine": engine}

    def _load(self, entry: dict[str, Any]) -> None:
        """Take the state ``_state`` saved; the workload is configured already."""
        engine = entry["engine"]
        self._clock.t = float(engine["t"])
        self._model = EcsModel.restore(base64.b64decode(entry["model"]), clock=self._clock)
        count = sum(g.count for g in self._groups)
        fleet = engine.get("fleet")
        self._fleet_meters()
        if fleet is None:
            self._no_fleet(engine)
        else:
            self._load_fleet(fleet, engine)
            count = len(self._ids)
        if len(self._ids) != count:
            raise SnapshotError(
                f"malformed snapshot body: the model holds {len(self._ids)} instances, "
                f"the workload {count}"
            )
        self._heap = [
            (float(t), int(q), int(k), int(a), int(b)) for t, q, k, a, b in engine["heap"]
        ]
        heapq.heapify(self._heap)
        self._sequence = int(engine["sequence"])
        self._platform_rng.setstate(_rng_tuple(engine["platform_rng"]))
        for group, saved in zip(self._groups, engine["groups"], strict=True):
            for rng, state in zip(group.rngs, saved["rngs"], strict=True):
                rng.setstate(_rng_tuple(state))
            run_count, group.run_integral, group.run_since, group.billed = saved["run"]
            group.run_count = int(run_count)
            group.expiry_position = int(saved["expiry_position"])
            group.expiry_order = unpack(saved["expiry_order"], "q")
            group.expiry_times = unpack(saved["expiry_times"], "d")
        balance, billed, paid = engine["money"]
        self._balance, self._billed, self._paid = Decimal(balance), Decimal(billed), Decimal(paid)
        in_arrears, since, seconds, period = engine["arrears"]
        self._in_arrears, self._arrears_since = bool(in_arrears), float(since)
        self._arrears_seconds, self._period = float(seconds), int(period)
        self._overdue_stopped = list(unpack(engine["overdue_stopped"], "q"))
        self._calls = [[dict(o) for o in per_group] for per_group in engine["calls"]]
        self._platform = dict(engine["platform"])
        self._faults = dict(engine["faults"])
        self._losses = dict(engine["losses"])
        self._longest = [float(x) for x in engine["longest"]]
        self._events, self._transitions = int(engine["events"]), int(engine["transitions"])
        self._samples = [tuple(tuple(c) for c in sample) for sample in engine["samples"]]
        self._sample_arrears = [int(n) for n in engine["sample_arrears"]]
        self._sample_platform = _platform_samples(engine.get("sample_platform"), self._samples)
        self._status = bytearray(unpack(engine["status"], "B").tobytes())
        self._flags = bytearray(unpack(engine["flags"], "B").tobytes())
        self._entered = unpack(engine["entered"], "d")
        if not len(self._status) == len(self._flags) == len(self._entered) == count:
            raise SnapshotError("malformed snapshot body: the instance columns disagree in length")
        self._counts = [[int(n) for n in c] for c in engine["counts"]]
        self._seconds = [[float(x) for x in s] for s in engine["seconds"]]
        self._disk_tokens = {int(k): int(v) for k, v in engine["disk_tokens"]}
        self._api_calls = {a: dict(o) for a, o in engine.get("api_calls", {}).items()}
        self._learn_disks()
        self._attach()

    def _no_fleet(self, engine: dict[str, Any]) -> None:
        """No fleet state: no instance came or went, and every fleet counter is zero."""
        self._ids = self._model.instance_ids()
        if self._fleet:
            zero = (0,) * len(FLEET_EVENTS)
            self._sample_fleet = [zero] * len(engine["samples"])
            for group in self._groups:
                if group.spec.churns:
                    raise SnapshotError(
                        f"malformed snapshot body: fleet: group {group.spec.name!r} "
                        "changes size, and the snapshot says nothing of it"
                    )

    def _load_fleet(self, fleet: dict[str, Any], engine: dict[str, Any]) -> None:
        """Issue 13's state: launched instances, group members, counters."""
        # The workload's own instances are named by it; launched ones by the model.
        self._ids = [f"i-{g.spec.name}-{n}" for g in self._groups for n in range(g.count)]
        initial = len(self._ids)
        created = [str(name) for name in fleet["created"]]
        self._ids += created
        self._group_of.extend(unpack(fleet["group_of"], "I"))  # one each: _checkpoint checked
        status = unpack(engine["status"], "B")
        self._created = {
            name: initial + k for k, name in enumerate(created) if status[initial + k] != _GONE
        }
        for group, members, idle in zip(self._groups, fleet["members"], fleet["idle"], strict=True):
            if (members is None) == group.spec.churns:
                raise SnapshotError(
                    f"malformed snapshot body: fleet.members: group {group.spec.name!r}"
                )
            if members is not None:
                group.members = unpack(members, "q")
                group.where = {index: place for place, index in enumerate(group.members)}
            group.idle = [int(stream) for stream in idle]
        self._fleet_counts = {e: int(fleet["counts"][e]) for e in FLEET_EVENTS}
        self._sample_fleet = [tuple(int(n) for n in row) for row in fleet["samples"]]
        self._gone_losses = {str(k): int(v) for k, v in fleet["gone_losses"].items()}

    def _handle(self, entry: tuple[float, int, int, int, int]) -> None:
        t, _, kind, a, b = entry
        if kind > _DISK:
            heapq.heappop(self._heap)
            self._handlers[kind](t, a, b)
            return
        # A stream: pick the instance, schedule the stream's next arrival, act.
        group = self._groups[a]
        rng = group.rngs[b]
        index = group.first + int(rng.random() * group.count)
        self._sequence += 1
        heapq.heapreplace(
            self._heap, (t + rng.expovariate(group.rates[b]), self._sequence, kind, a, b)
        )
        if kind == _CALL:
            if group.spec.targets == "eligible" and self._status[index] != _SOURCE[b]:
                return
            self._call(group, b, index, rng)
        elif kind == _LOCK:
            self._lock(group, index, rng)
        else:
            self._break_disk(group, index, rng)

    def _unlock(self, t: float, index: int, _: int) -> None:
        if self._status[index] == _GONE:
            return  # released while locked: the lock went with it
        self._model.unlock(self._ids[index])
        self._flags[index] &= ~_LOCKED & 0xFF
        self._count("security_unlock", t, index)

    def _repair(self, t: float, index: int, token: int) -> None:
        if self._disk_tokens.get(index) != token:
            return  # InitLocalDisk recovered it first; a newer fault has its own repair
        del self._disk_tokens[index]
        disk = DiskKind.LOCAL if self._flags[index] & _LOCAL_FAULT else DiskKind.CLOUD
        self._model.set_disk_abnormal(self._ids[index], disk, abnormal=False)
        self._flags[index] &= ~(_LOCAL_FAULT | _CLOUD_FAULT) & 0xFF
        self._count("disk_repair", t, index, f',"disk":"{disk.value}"')

    def _next_expiry(self, t: float, g: int, _: int) -> None:
        group = self._groups[g]
        position = group.expiry_position
        group.expiry_position = position + 1
        if position + 1 < len(group.expiry_times):
            self._push(group.expiry_times[position + 1], _EXPIRY, g, 0)
        self._expire(t, group.expiry_order[position])

    def _sample(self, t: float, k: int, _: int) -> None:
        self._samples.append(tuple(tuple(c) for c in self._counts))
        self._sample_arrears.append(int(self._in_arrears))
        if self._sample_platform is not None:
            self._sample_platform.append(tuple(self._platform[e] for e in PLATFORM_EVENTS))
        if self._fleet:
            self._sample_fleet.append(tuple(self._fleet_counts[e] for e in FLEET_EVENTS))
        if k + 1 < len(self._sample_times):
            self._push(self._sample_times[k + 1], _SAMPLE, k + 1, 0)

    # ------------------------------------------------------------ handlers
    def _call(self, group: _Group, action: int, index: int, rng: Random) -> None:
        """A workload call, as ``start_instance``/``stop_instance``/``reboot_instance``
        would make it, through the engine's path (the same draws and request ids)."""
        spec = group.spec
        t = self._clock.t
        path = self._path
        if action == _START:
            init = spec.init_local_disk > 0 and rng.random() < spec.init_local_disk
            code = path.call(START, index, t, _RECOVERABLE if init else 0, None)
        else:
            force = spec.force_stop > 0 and rng.random() < spec.force_stop
            if action == _STOP:
                code = path.call(STOP, index, t, _FORCE_STOP if force else 0, _KEEP_CHARGING)
            else:
                code = path.call(REBOOT, index, t, _FORCE_STOP if force else 0, None)
        if code is None:
            outcome = OK
        else:
            outcome = code.value
            if self._trace is not None:
                self._trace(
                    f'{{"t":{t!r},"type":"call","group":"{spec.name}",'
                    f'"action":"{_ACTIONS[action].value}","instance":"{self._ids[index]}",'
                    f'"code":"{outcome}","request_id":"{format_request_id(path.request)}"}}\n'
                )
        outcomes = self._calls[group.index][action]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    def _count(self, event: str, t: float, index: int | None = None, extra: str = "") -> None:
        self._platform[event] += 1
        if self._trace is not None:
            instance = "" if index is None else f',"instance":"{self._ids[index]}"'
            self._trace(f'{{"t":{t!r},"type":"platform","event":"{event}"{instance}{extra}}}\n')

    def _lock(self, group: _Group, index: int, rng: Random) -> None:
        if self._flags[index] & _LOCKED:
            return
        self._model.lock(self._ids[index])
        self._flags[index] |= _LOCKED
        t = self._clock.t
        self._count("security_lock", t, index)
        self._push(
            t + rng.expovariate(1 / (group.spec.security_lock_hours * _HOUR)), _UNLOCK, index, 0
        )

    def _break_disk(self, group: _Group, index: int, rng: Random) -> None:
        if self._flags[index] & (_LOCAL_FAULT | _CLOUD_FAULT):
            return
        spec = group.spec
        local = group.local and rng.random() < spec.local_disk_share
        disk = DiskKind.LOCAL if local else DiskKind.CLOUD
        self._model.set_disk_abnormal(self._ids[index], disk)
        self._flags[index] |= _LOCAL_FAULT if local else _CLOUD_FAULT
        t = self._clock.t
        self._count("disk_fault", t, index, f',"disk":"{disk.value}"')
        self._sequence += 1
        token = self._sequence
        self._disk_tokens[index] = token
        self._push(t + rng.expovariate(1 / (spec.disk_repair_hours * _HOUR)), _REPAIR, index, token)

    def _expire(self, t: float, index: int, _: int = 0) -> None:
        """A subscription has ended: stop the instance, and perhaps have it renewed later."""
        status = self._status[index]
        if status == _GONE:
            return
        if self._fleet and self._model.instance(self._ids[index]).expired_time > t:  # type: ignore[operator]
            return  # renewed in time: the renewal planned the new term's end
        if status == _STARTING:
            self._push(t + _RETRY_SECONDS, _EXPIRY_AGAIN, index, 0)
            return
        if status == _RUNNING and self._model.stop_by_platform(self._ids[index], "expiry"):
            self._platform["expiry_stop"] += 1
        group = self._groups[self._group_of[index]]
        spec = group.spec
        rng = group.rngs[6]
        if spec.renew_share > 0 and rng.random() < spec.renew_share:
            self._push(t + rng.expovariate(1 / (spec.renew_after_days * _DAY)), _RENEW, index, 0)

    def _renew(self, t: float, index: int, _: int = 0) -> None:
        """The owner renews a subscription (RenewInstance), before or after it ended."""
        if self._status[index] != _GONE:
            self._renew_call(t, index, "renew_manual")

    def _auto_renew(self, t: float, index: int, _: int = 0) -> None:
        """AutoRenew's daily attempt, from nine days before the expiry date until it ends."""
        if self._status[index] == _GONE:
            return
        expiry: float = self._model.instance(self._ids[index]).expired_time  # type: ignore[assignment]
        if t >= expiry:
            self._flags[index] &= ~_AUTO_PENDING & 0xFF  # it ended unpaid: AutoRenew stops
            return
        due = _auto_renew_due(expiry)
        if due > t:
            self._push(due, _AUTO_RENEW, index, 0)  # renewed since: wait for the new term
            return
        self._flags[index] &= ~_AUTO_PENDING & 0xFF
        if not self._renew_call(t, index, "renew_auto"):
            self._flags[index] |= _AUTO_PENDING
            self._push(t + _DAY, _AUTO_RENEW, index, 0)

    def _renew_call(self, t: float, index: int, counter: str) -> bool:
        """RenewInstance for the group's period; on success, plan the new term."""
        group = self._groups[self._group_of[index]]
        assert group.period is not None
        period, unit = group.period
        instance_id = self._ids[index]
        model = self._model
        try:
            model.renew_instance(instance_id, period=period, period_unit=unit)
        except ApiError as error:
            self._api_outcome(group, error.action, instance_id, error)
            return False
        self._api_outcome(group, Action.RENEW_INSTANCE, instance_id, None)
        self._fleet_counts[counter] += 1
        expiry: float = model.instance(instance_id).expired_time  # type: ignore[assignment]
        by = "owner" if counter == "renew_manual" else "auto_renew"
        self._count("renewal", t, index, f',"expired_time":{expiry!r},"by":"{by}"')
        window = self._workload.platform.expiry_stop_window_hours * _HOUR
        self._push(expiry + window * group.rngs[6].random(), _EXPIRY_AGAIN, index, 0)
        self._plan_renewals(group, index, expiry, t)
        return True

    def _api_outcome(
        self, group: _Group, action: Action, instance_id: str, error: ApiError | None
    ) -> None:
        """Count a call beyond the workload's Start/Stop/Reboot; trace a refusal."""
        outcomes = self._api_calls.setdefault(action.value, {})
        outcome = OK if error is None else error.code.value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if error is not None and self._trace is not None:
            self._trace(
                f'{{"t":{self._clock.t!r},"type":"call","group":"{group.spec.name}",'
                f'"action":"{action.value}","instance":"{instance_id}",'
                f'"code":"{outcome}","request_id":"{error.request_id}"}}\n'
            )

    # ----------------------------------------------------- fleet changes
    def _churn(self, t: float, g: int, stream: int) -> None:
        """A stream of a group whose size changes: its rate follows the group's size."""
        group = self._groups[g]
        members = group.members
        assert members is not None
        n = len(members)
        if not n:
            group.idle.append(stream)  # no instance to call: the next launch wakes it
            return
        rng = group.rngs[8 if stream == _DELETE_STREAM else stream]
        index = members[int(rng.random() * n)]
        self._push(t + rng.expovariate(group.each[stream] * n), _CHURN, g, stream)
        if stream < 3:
            if group.spec.targets == "eligible" and self._status[index] != _SOURCE[stream]:
                return
            self._call(group, stream, index, rng)
        elif stream == 3:
            self._lock(group, index, rng)
        elif stream == 4:
            self._break_disk(group, index, rng)
        else:
            self._delete(group, index)

    def _delete(self, group: _Group, index: int) -> None:
        """DeleteInstance, with Force where the instance is not Stopped."""
        spec = group.spec
        status = self._status[index]
        instance_id = self._ids[index]
        model = self._model
        if status in (_STARTING, _STOPPING):
            # Left until it settles: releasing an instance mid-transition leaves its
            # settle scheduled in the model, which then fails (a core bug, reported).
            return
        if spec.targets == "eligible" and (
            status == _PENDING
            or (spec.prepaid and model.instance(instance_id).expired_time > self._clock.t)  # type: ignore[operator]
        ):
            return  # a client that watches its fleet waits: Pending, or a subscription running
        try:
            model.delete_instance(
                instance_id, force=status != _STOPPED, terminate_subscription=spec.prepaid
            )
        except ApiError as error:
            self._api_outcome(group, error.action, instance_id, error)
            return
        self._api_outcome(group, Action.DELETE_INSTANCE, instance_id, None)

    def _launch(self, t: float, g: int, _: int = 0) -> None:
        """RunInstances for ``launch_amount`` instances of the group."""
        group = self._groups[g]
        spec = group.spec
        self._push(t + group.rngs[7].expovariate(group.launch_rate), _LAUNCH, g, 0)
        prepaid: dict[str, Any] = {}
        if group.period is not None:
            period, unit = group.period
            prepaid = {
                "instance_charge_type": spec.charge_type.value,
                "period": period,
                "period_unit": unit,
                "auto_renew": spec.auto_renew,
            }
            if spec.auto_renew:
                prepaid["auto_renew_period"] = period
        self._launching = g
        try:
            response = self._model.run_instances(
                instance_type=spec.instance_type,
                image_id=_IMAGE,
                amount=spec.launch_amount,
                **prepaid,
            )
        except ApiError as error:
            self._api_outcome(group, error.action, "", error)
            return
        finally:
            self._launching = -1
        self._api_outcome(group, Action.RUN_INSTANCES, "", None)
        instance = self._model.instance
        group.local = instance(response.instance_ids[0]).has_local_disk
        if group.period is not None:
            window = self._workload.platform.expiry_stop_window_hours * _HOUR
            rng = group.rngs[5]
            for instance_id in response.instance_ids:
                index = self._created[instance_id]
                expiry: float = instance(instance_id).expired_time  # type: ignore[assignment]
                self._push(expiry + window * rng.random(), _EXPIRY_AGAIN, index, 0)
                self._plan_renewals(group, index, expiry, t)
        self._wake(group, t)

    def _bill(self, t: float, _a: int = 0, _b: int = 0) -> None:
        charge = Decimal(0)
        for group in self._groups:
            if group.price:
                group.run_integral += group.run_count * (t - group.run_since)
                group.run_since = t
                seconds = group.run_integral - group.billed
                group.billed = group.run_integral
                charge += group.price * Decimal(seconds)
        charge = (charge / 3600).quantize(_MICRO)
        self._billed += charge
        self._balance -= charge
        self._model.set_balance(self._balance)
        if self._trace is not None:
            self._trace(
                f'{{"t":{t!r},"type":"billing","charged":"{charge}","balance":"{self._balance}"}}\n'
            )
        if self._balance < 0 and not self._in_arrears:
            self._in_arrears = True
            self._arrears_since = t
            self._period += 1
            self._model.set_in_arrears(True)
            self._count("arrears", t, None, f',"balance":"{self._balance}"')
            platform = self._workload.platform
            self._push(t + platform.overdue_stop_after_days * _DAY, _OVERDUE, self._period, 0)
            if self._top_up:
                delay = self._platform_rng.expovariate(1 / self._top_up_mean)
                self._push(t + delay, _TOP_UP, self._period, 0)
        self._push(t + self._workload.platform.billing_interval_minutes * 60, _BILLING, 0, 0)

    def _overdue_stop(self, t: float, period: int, _: int = 0) -> None:
        """Day T+15 of an unpaid bill: stop every Running PostPaid instance."""
        if not self._in_arrears or period != self._period:
            return
        stop = self._model.stop_by_platform
        retry = False
        for group in self._groups:
            if group.spec.prepaid:
                continue
            if group.members is not None:
                for index in list(group.members):
                    code = self._status[index]
                    if code == _RUNNING:
                        stop(self._ids[index], "overdue")
                        self._flags[index] |= _OVERDUE_STOPPED
                        self._overdue_stopped.append(index)
                        self._platform["overdue_stop"] += 1
                    retry = retry or code == _STARTING
                continue
            end = group.first + group.count
            index = self._status.find(_RUNNING_BYTE, group.first, end)
            while index >= 0:
                stop(self._ids[index], "overdue")
                self._flags[index] |= _OVERDUE_STOPPED
                self._overdue_stopped.append(index)
                self._platform["overdue_stop"] += 1
                index = self._status.find(_RUNNING_BYTE, index + 1, end)
            retry = retry or self._status.find(_STARTING_BYTE, group.first, end) >= 0
        if retry:
            self._push(t + _RETRY_SECONDS, _OVERDUE, period, 0)

    def _pay(self, t: float, period: int, _: int = 0) -> None:
        # Each arrears period has one chain of payments, which ends when one clears it.
        assert self._in_arrears
        assert period == self._period
        self._balance += self._top_up
        self._paid += self._top_up
        self._model.set_balance(self._balance)
        self._count("payment", t, None, f',"amount":"{self._top_up}","balance":"{self._balance}"')
        if self._balance < 0:
            delay = self._platform_rng.expovariate(1 / self._top_up_mean)
            self._push(t + delay, _TOP_UP, period, 0)
            return
        self._in_arrears = False
        self._arrears_seconds += t - self._arrears_since
        self._model.set_in_arrears(False)
        stopped, self._overdue_stopped = self._overdue_stopped, []
        for index in stopped:
            self._flags[index] &= ~_OVERDUE_STOPPED & 0xFF
        if self._workload.platform.reactivate_on_payment:
            # "Auto-reactivated after payment": ReActivateInstances, one instance a call.
            waiting = [i for i in stopped if self._status[i] == _STOPPED]
            reactivate = self._model.reactivate_instances
            started = 0
            for index in waiting:
                group = self._groups[self._group_of[index]]
                instance_id = self._ids[index]
                try:
                    reactivate(instance_id)
                except ApiError as error:
                    self._api_outcome(group, error.action, instance_id, error)
                    continue
                self._api_outcome(group, Action.REACTIVATE_INSTANCES, instance_id, None)
                started += 1
            self._platform["reactivation"] += started
            if self._trace is not None:
                self._trace(
                    f'{{"t":{t!r},"type":"platform","event":"reactivation",'
                    f'"started":{started},"refused":{len(waiting) - started}}}\n'
                )

    # ------------------------------------------------------------- result
    def result(self) -> SimulationResult:
        """The summary and samples as of now (the run may go on afterwards)."""
        now = self._clock.t
        seconds = [list(s) for s in self._seconds]
        longest = list(self._longest)
        in_flight = [0] * 5
        stuck = [0] * 5
        status, entered, flags = self._status, self._entered, self._flags
        losses = dict.fromkeys(_LOSS_BITS, 0)
        for group in self._groups:
            per_status = seconds[group.index]
            members = group.members
            for index in (
                range(group.first, group.first + group.count) if members is None else members
            ):
                code = status[index]
                stay = now - entered[index]
                per_status[code] += stay
                if code not in (_RUNNING, _STOPPED):
                    in_flight[code] += 1
                    longest[code] = max(longest[code], stay)
                    if stay > self._stuck_after:
                        stuck[code] += 1
                if flags[index] & (_LOST_FORCE | _LOST_INIT):
                    for cause, bit in _LOSS_BITS.items():
                        if flags[index] & bit:
                            losses[cause] += 1
        for value, count in self._gone_losses.items():
            losses[DataLossCause(value)] += count
        final = [sum(c[s] for c in self._counts) for s in range(5)]
        calls: dict[str, dict[str, int]] = {}
        for per_group in self._calls:
            for action, outcomes in zip(_ACTIONS, per_group, strict=True):
                into = calls.setdefault(action.value, {})
                for outcome, count in outcomes.items():
                    into[outcome] = into.get(outcome, 0) + count
        for name, outcomes in self._api_calls.items():
            calls[name] = dict(outcomes)
        arrears = self._arrears_seconds + (now - self._arrears_since if self._in_arrears else 0)
        summary = Summary(
            seed=self._seed,
            accounts=(self._account,),
            instances=len(self._ids),
            seconds=self._end,
            elapsed=now,
            calls={a: dict(sorted(o.items())) for a, o in sorted(calls.items()) if o},
            status_seconds={
                name: sum(s[code] for s in seconds) for code, name in enumerate(STATUS_NAMES)
            },
            final_statuses=dict(zip(STATUS_NAMES, final, strict=True)),
            in_flight={_STATUSES[c].value: in_flight[c] for c in _TRANSITORY_CODES},
            stuck={_STATUSES[c].value: stuck[c] for c in _TRANSITORY_CODES},
            stuck_after=self._stuck_after,
            longest={_STATUSES[c].value: longest[c] for c in _TRANSITORY_CODES},
            data_losses=dict(sorted(self._losses.items())),
            instances_with_loss={cause.value: count for cause, count in losses.items() if count},
            platform=dict(self._platform),
            faults=dict(sorted(self._faults.items())),
            billed=self._billed,
            paid=self._paid,
            balance=self._balance,
            arrears_seconds=arrears,
            events=self._events,
            transitions=self._transitions,
            fleet=dict(self._fleet_counts) if self._fleet else {},
        )
        samples = Samples(
            times=self._sample_times[: len(self._samples)],
            groups=tuple(g.spec.name for g in self._groups),
            counts=tuple(self._samples),
            arrears=tuple(self._sample_arrears),
            accounts=(self._account,),
            account_arrears=(tuple(self._sample_arrears),),
            platform=() if self._sample_platform is None else tuple(self._sample_platform),
            fleet=tuple(self._sample_fleet),
        )
        assert set(summary.longest) == set(TRANSITORY)
        return SimulationResult(summary, samples)
