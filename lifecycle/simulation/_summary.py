"""What a simulation found: the summary, the status samples, and their text.

Both are plain frozen data, built by the engine at the end of a run (or at
any moment, from its state), added up across accounts, and rendered as text
with no clock and no locale, so the same run prints the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from .. import Action, ErrorCode, InstanceStatus, error_table
from ..errors import InvalidArgument

__all__ = ["OK", "Samples", "SimulationResult", "Summary", "compare"]

#: The outcome of a call that succeeded, beside the documented error codes.
OK: Final = "OK"
STATUS_NAMES: Final = tuple(s.value for s in InstanceStatus)
TRANSITORY: Final = (
    InstanceStatus.PENDING.value,
    InstanceStatus.STARTING.value,
    InstanceStatus.STOPPING.value,
)
#: The platform's own events, in the order the summary lists them.
PLATFORM_EVENTS: Final = (
    "expiry_stop",
    "renewal",
    "arrears",
    "overdue_stop",
    "payment",
    "reactivation",
    "security_lock",
    "security_unlock",
    "disk_fault",
    "disk_repair",
)
_PLATFORM_LABELS: Final = {
    "expiry_stop": "PrePaid instances stopped at expiry",
    "renewal": "subscriptions renewed",
    "arrears": "times the balance fell below zero (arrears)",
    "overdue_stop": "PostPaid instances stopped for overdue payment",
    "payment": "payments",
    "reactivation": "instances reactivated after payment",
    "security_lock": "security locks",
    "security_unlock": "security locks lifted",
    "disk_fault": "disk faults",
    "disk_repair": "disks repaired",
}


#: Instances that came and went, and renewals by who made them (issue 13), in the
#: order the summary lists them. A run whose workload has none of them leaves them out.
FLEET_EVENTS: Final = ("launch", "delete", "renew_manual", "renew_auto")
_FLEET_LABELS: Final = {
    "launch": "instances launched (RunInstances)",
    "delete": "instances released (DeleteInstance)",
    "renew_manual": "subscriptions renewed by their owner (RenewInstance)",
    "renew_auto": "subscriptions renewed by AutoRenew (RenewInstance)",
}


def _add(into: dict[str, int], more: Mapping[str, int]) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) + value


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """What happened in one simulation run (one seed; one or several accounts).

    Attributes:
        seed: The run's seed.
        accounts: The accounts simulated.
        instances: How many instances.
        seconds: The simulated seconds the run is for.
        elapsed: The simulated seconds reached (``seconds`` once the run is over).
        calls: Per action name, per outcome (``"OK"`` or the documented error
            code), how many workload calls had it.
        status_seconds: Instance-seconds spent in each status.
        final_statuses: How many instances ended in each status.
        in_flight: Per transitory status, instances still in it at the end.
        stuck: Of those, the ones that had been in it longer than ``stuck_after``.
        stuck_after: The threshold, in seconds.
        longest: Per transitory status, the longest any instance spent in it.
        data_losses: Per cause (``ForceStop``, ``InitLocalDisk``), how many losses.
        instances_with_loss: Per cause, how many instances lost data at least once.
        platform: How many of each platform event (see ``PLATFORM_EVENTS``).
        faults: Per injected fault kind, how many calls it hit.
        billed: PostPaid usage charged.
        paid: Payments made.
        balance: The balance at the end (summed over accounts).
        arrears_seconds: Time spent in arrears (summed over accounts).
        events: Scheduled events processed (calls aimed, platform events, ticks).
        transitions: Status changes observed.
        fleet: How many of each ``FLEET_EVENTS`` (launches, releases, renewals by
            owners and by AutoRenew); empty when the workload has none of them.
    """

    seed: int
    accounts: tuple[str, ...]
    instances: int
    seconds: float
    elapsed: float
    calls: dict[str, dict[str, int]]
    status_seconds: dict[str, float]
    final_statuses: dict[str, int]
    in_flight: dict[str, int]
    stuck: dict[str, int]
    stuck_after: float
    longest: dict[str, float]
    data_losses: dict[str, int]
    instances_with_loss: dict[str, int]
    platform: dict[str, int]
    faults: dict[str, int]
    billed: Decimal
    paid: Decimal
    balance: Decimal
    arrears_seconds: float
    events: int
    transitions: int
    fleet: dict[str, int] = field(default_factory=dict)

    @property
    def total_calls(self) -> int:
        """Every workload call made."""
        return sum(sum(outcomes.values()) for outcomes in self.calls.values())

    @classmethod
    def combine(cls, parts: Sequence[Summary]) -> Summary:
        """Add up the summaries of one seed's accounts, run apart.

        Raises:
            InvalidArgument: for no parts, parts of different seeds or lengths,
                or an account that appears twice.
        """
        if not parts:
            raise InvalidArgument("combine: expected at least one Summary")
        first = parts[0]
        if any(
            (p.seed, p.seconds, p.elapsed) != (first.seed, first.seconds, first.elapsed)
            for p in parts
        ):
            raise InvalidArgument("combine: the parts come from different runs")
        accounts = tuple(a for p in parts for a in p.accounts)
        if len(set(accounts)) != len(accounts):
            raise InvalidArgument(f"combine: an account appears twice in {accounts}")
        calls: dict[str, dict[str, int]] = {}
        counters: dict[str, dict[str, int]] = {
            name: {}
            for name in (
                "final_statuses",
                "in_flight",
                "stuck",
                "data_losses",
                "instances_with_loss",
                "platform",
                "faults",
                "fleet",
            )
        }
        status_seconds = dict.fromkeys(STATUS_NAMES, 0.0)
        longest = dict.fromkeys(TRANSITORY, 0.0)
        for part in parts:
            for action, outcomes in part.calls.items():
                _add(calls.setdefault(action, {}), outcomes)
            for name, into in counters.items():
                _add(into, getattr(part, name))
            for status, seconds in part.status_seconds.items():
                status_seconds[status] += seconds
            for status, seconds in part.longest.items():
                longest[status] = max(longest[status], seconds)
        return cls(
            seed=first.seed,
            accounts=accounts,
            instances=sum(p.instances for p in parts),
            seconds=first.seconds,
            elapsed=first.elapsed,
            calls={a: dict(sorted(o.items())) for a, o in sorted(calls.items())},
            status_seconds=status_seconds,
            stuck_after=first.stuck_after,
            longest=longest,
            billed=sum((p.billed for p in parts), Decimal(0)),
            paid=sum((p.paid for p in parts), Decimal(0)),
            balance=sum((p.balance for p in parts), Decimal(0)),
            arrears_seconds=sum(p.arrears_seconds for p in parts),
            events=sum(p.events for p in parts),
            transitions=sum(p.transitions for p in parts),
            **{name: dict(sorted(into.items())) for name, into in counters.items()},
        )

    def to_dict(self) -> dict[str, object]:
        """Plain JSON values (money as strings), keys in a fixed order."""
        body: dict[str, object] = {
            "seed": self.seed,
            "accounts": list(self.accounts),
            "instances": self.instances,
            "seconds": self.seconds,
            "elapsed": self.elapsed,
            "calls": self.calls,
            "status_seconds": self.status_seconds,
            "final_statuses": self.final_statuses,
            "in_flight": self.in_flight,
            "stuck": self.stuck,
            "stuck_after": self.stuck_after,
            "longest": self.longest,
            "data_losses": self.data_losses,
            "instances_with_loss": self.instances_with_loss,
            "platform": self.platform,
            "faults": self.faults,
            "billed": str(self.billed),
            "paid": str(self.paid),
            "balance": str(self.balance),
            "arrears_seconds": self.arrears_seconds,
            "events": self.events,
            "transitions": self.transitions,
        }
        if any(self.fleet.values()):
            body["fleet"] = self.fleet
        return body

    def render(self) -> str:
        """The summary as text for a terminal: calls, time, stuck instances, data lost."""
        out: list[str] = []
        days = f"{self.seconds / 86_400:g}"
        if self.elapsed < self.seconds:
            days = f"{self.elapsed / 86_400:.4g} of {days}"
        out.append(
            f"Simulated {self.instances:,} instances for {days} days "
            f"(seed {self.seed}; {len(self.accounts)} account"
            f"{'' if len(self.accounts) == 1 else 's'}): "
            f"{self.events:,} events, {self.transitions:,} transitions"
        )
        out += ["", f"Calls by outcome ({self.total_calls:,} calls)"]
        rows: list[tuple[str, ...]] = [("action", "outcome", "HTTP", "calls", "share")]
        for action, outcomes in self.calls.items():
            made = sum(outcomes.values())
            for outcome, count in sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0])):
                rows.append(
                    (
                        action,
                        outcome,
                        _http_status(action, outcome),
                        f"{count:,}",
                        _percent(count, made),
                    )
                )
        out += _columns(rows, right=(2, 3, 4))
        total = sum(self.status_seconds.values())
        out += ["", "Time per status (instance-hours)"]
        times: list[tuple[str, ...]] = [("status", "hours", "share", "at the end")]
        for status in STATUS_NAMES:
            seconds = self.status_seconds.get(status, 0.0)
            times.append(
                (
                    status,
                    f"{seconds / 3600:,.1f}",
                    _percent(seconds, total),
                    f"{self.final_statuses.get(status, 0):,}",
                )
            )
        out += _columns(times, right=(1, 2, 3))
        stuck = sum(self.stuck.values())
        flying = sum(self.in_flight.values())
        out += [
            "",
            f"Stuck: {stuck:,} instances in a transitory status for over "
            f"{_duration(self.stuck_after)} at the end ({flying:,} in one at all)",
        ]
        for status in TRANSITORY:
            out.append(
                f"  {status:<9} {self.stuck.get(status, 0):>9,} stuck "
                f"{self.in_flight.get(status, 0):>9,} in it   "
                f"longest stay {_duration(self.longest.get(status, 0.0))}"
            )
        out += ["", "Data lost"]
        if not self.data_losses:
            out.append("  none")
        for cause, count in self.data_losses.items():
            out.append(
                f"  {cause:<14} {count:>9,} losses on "
                f"{self.instances_with_loss.get(cause, 0):,} instances"
            )
        out += ["", "Platform events"]
        for event in PLATFORM_EVENTS:
            out.append(f"  {_PLATFORM_LABELS[event]:<48} {self.platform.get(event, 0):>9,}")
        out.append(f"  {'time in arrears':<48} {_duration(self.arrears_seconds):>9}")
        out.append(
            f"  money: billed {self.billed:,.2f}, paid {self.paid:,.2f}, "
            f"balance at the end {self.balance:,.2f}"
        )
        if any(self.fleet.values()):
            out += ["", "Fleet changes"]
            for event in FLEET_EVENTS:
                out.append(f"  {_FLEET_LABELS[event]:<53} {self.fleet.get(event, 0):>9,}")
            out.append(f"  {'instances at the end':<53} {sum(self.final_statuses.values()):>9,}")
        if self.faults:
            out += ["", "Injected faults"]
            out += [f"  {kind:<14} {count:>9,}" for kind, count in self.faults.items()]
        return "\n".join(out) + "\n"


def compare(summaries: Sequence[Summary]) -> str:
    """Several seeds' summaries side by side, one row per seed, as text."""
    rows: list[tuple[str, ...]] = [
        (
            "seed",
            "calls",
            "OK",
            "losses",
            "stuck",
            "expiry stops",
            "overdue stops",
            "arrears",
            "balance",
        )
    ]
    for s in summaries:
        made = s.total_calls
        ok = sum(outcomes.get(OK, 0) for outcomes in s.calls.values())
        rows.append(
            (
                str(s.seed),
                f"{made:,}",
                _percent(ok, made),
                f"{sum(s.data_losses.values()):,}",
                f"{sum(s.stuck.values()):,}",
                f"{s.platform.get('expiry_stop', 0):,}",
                f"{s.platform.get('overdue_stop', 0):,}",
                _duration(s.arrears_seconds),
                f"{s.balance:,.2f}",
            )
        )
    first = summaries[0]
    head = (
        f"{len(summaries)} seeds, {first.instances:,} instances, "
        f"{first.seconds / 86_400:g} days each"
    )
    return "\n".join([head, "", *_columns(rows, right=range(1, 9))]) + "\n"


def _http_status(action: str, outcome: str) -> str:
    if outcome == OK:
        return "200"
    entry = error_table(Action(action)).get(ErrorCode(outcome))
    return "" if entry is None else str(entry.http_status)


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def _columns(rows: Sequence[Sequence[str]], right: Iterable[int] = ()) -> list[str]:
    aligned = set(right)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if i in aligned else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


@dataclass(frozen=True, slots=True, kw_only=True)
class Samples:
    """How many instances of each group were in each status, over time.

    Attributes:
        times: When each sample was taken (seconds), evenly spaced from 0 to the end.
        groups: The group names, in workload order.
        counts: ``counts[k][g][s]``: at ``times[k]``, instances of ``groups[g]``
            in status ``s`` (in ``InstanceStatus`` order).
        arrears: ``arrears[k]``: how many accounts were in arrears at ``times[k]``
            (empty when not recorded).
        accounts: The accounts sampled, in the order their groups appear.
        account_arrears: ``account_arrears[a][k]``: 1 if ``accounts[a]`` was in
            arrears at ``times[k]``, else 0 (empty when not recorded).
        platform: ``platform[k][e]``: how many platform events of kind
            ``PLATFORM_EVENTS[e]`` happened up to ``times[k]``, over every
            account (empty when not recorded).
        fleet: ``fleet[k][e]``: likewise for ``FLEET_EVENTS[e]`` (empty when
            the workload has no fleet changes).
    """

    times: tuple[float, ...]
    groups: tuple[str, ...]
    counts: tuple[tuple[tuple[int, ...], ...], ...]
    arrears: tuple[int, ...] = ()
    accounts: tuple[str, ...] = ()
    account_arrears: tuple[tuple[int, ...], ...] = ()
    platform: tuple[tuple[int, ...], ...] = ()
    fleet: tuple[tuple[int, ...], ...] = ()

    def totals(self) -> list[tuple[int, ...]]:
        """Per sample, the instances in each status over every group."""
        return [
            tuple(sum(column) for column in zip(*sample, strict=True)) for sample in self.counts
        ]

    @classmethod
    def combine(cls, parts: Sequence[Samples]) -> Samples:
        """Put the samples of one seed's accounts side by side (their groups concatenated).

        Raises:
            InvalidArgument: if the parts were not taken at the same times.
        """
        if not parts or any(p.times != parts[0].times for p in parts):
            raise InvalidArgument("combine: expected samples taken at the same times")
        samples = range(len(parts[0].times))
        recorded = all(len(p.arrears) == len(p.times) for p in parts)
        per_account = all(len(p.account_arrears) == len(p.accounts) for p in parts)
        events = all(len(p.platform) == len(p.times) for p in parts)
        zero = (0,) * len(FLEET_EVENTS)
        # An account without fleet changes adds nothing to the others'.
        fleet = tuple(
            tuple(
                sum(column)
                for column in zip(*(p.fleet[k] if p.fleet else zero for p in parts), strict=True)
            )
            for k in samples
        )
        return cls(
            times=parts[0].times,
            groups=tuple(g for p in parts for g in p.groups),
            counts=tuple(tuple(c for p in parts for c in p.counts[k]) for k in samples),
            arrears=tuple(sum(p.arrears[k] for p in parts) for k in samples) if recorded else (),
            accounts=tuple(a for p in parts for a in p.accounts),
            account_arrears=tuple(r for p in parts for r in p.account_arrears)
            if per_account
            else (),
            platform=tuple(
                tuple(sum(column) for column in zip(*(p.platform[k] for p in parts), strict=True))
                for k in samples
            )
            if events
            else (),
            fleet=fleet if any(p.fleet for p in parts) else (),
        )

    def to_dict(self) -> dict[str, object]:
        """Plain JSON values."""
        return {
            "times": list(self.times),
            "groups": list(self.groups),
            "statuses": list(STATUS_NAMES),
            "counts": [[list(c) for c in sample] for sample in self.counts],
            "arrears": list(self.arrears),
            "accounts": list(self.accounts),
            "account_arrears": [list(row) for row in self.account_arrears],
            "platform_events": list(PLATFORM_EVENTS),
            "platform": [list(row) for row in self.platform],
            **(
                {"fleet_events": list(FLEET_EVENTS), "fleet": [list(r) for r in self.fleet]}
                if self.fleet
                else {}
            ),
        }


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """A finished run: its summary and its status samples."""

    summary: Summary
    samples: Samples

    @classmethod
    def combine(cls, parts: Sequence[SimulationResult]) -> SimulationResult:
        """One seed's accounts, run apart, as one result."""
        return cls(
            Summary.combine([p.summary for p in parts]),
            Samples.combine([p.samples for p in parts]),
        )
