"""The simulation engine: seeded and exact, agreeing with the model it drives.

Each platform rule is checked on a small fleet where the answer can be worked
out by hand (billing, arrears, the overdue stop, payment, expiry, renewal);
the busy example workload then checks the invariants that must hold whatever
happens (the engine's mirror equals the model, time adds up, the trace
replays to the final statuses).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lifecycle import (
    Action,
    ChargeType,
    Durations,
    ErrorCode,
    Event,
    FaultKind,
    FaultRule,
    Fixed,
    InstanceStatus,
    InvalidArgument,
    TransitionEvent,
    error_table,
)
from lifecycle.simulation import (
    OK,
    Account,
    Group,
    Platform,
    Simulation,
    SimulationResult,
    Workload,
    account_seed,
    load_workload,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workloads"
DAY = 86_400.0


def traced(workload: Workload, seed: int = 1, **kwargs: object) -> tuple[Simulation, list[str]]:
    lines: list[str] = []
    simulation = Simulation(workload, seed=seed, on_trace=lines.append, **kwargs)  # type: ignore[arg-type]
    return simulation, lines


def records(lines: list[str], kind: str | None = None) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in lines]
    return [r for r in parsed if kind is None or r["type"] == kind]


def busy(instances: int = 600, days: float = 2.0) -> Workload:
    return replace(load_workload(EXAMPLES / "busy.toml").scaled(instances), days=days)


def assert_mirror_matches_model(simulation: Simulation, result: SimulationResult) -> None:
    model = simulation.model
    counts = {status.value: n for status, n in model.status_counts().items()}
    assert result.summary.final_statuses == counts
    assert result.samples.totals()[-1] == tuple(counts[s.value] for s in InstanceStatus)


# ------------------------------------------------------------------ determinism
def test_the_same_seed_gives_the_same_trace_and_summary() -> None:
    first, lines_1 = traced(busy(), seed=7)
    second, lines_2 = traced(busy(), seed=7)
    assert first.run() == second.run()
    assert lines_1 == lines_2
    assert len(lines_1) > 1000


def test_another_seed_gives_another_run() -> None:
    _, lines_1 = traced(busy(), seed=7)
    _, lines_2 = traced(busy(), seed=8)
    assert lines_1[:2] != lines_2[:2]


def test_a_run_split_at_any_times_equals_one_run() -> None:
    whole, whole_lines = traced(busy(), seed=3)
    expected = whole.run()
    split, split_lines = traced(busy(), seed=3)
    for until in (0.0, 1234.5, DAY, 1.5 * DAY, 1.5 * DAY):
        partial = split.run(until=until)
        assert split.now <= until
        assert not split.finished
        assert partial.summary.seconds == expected.summary.seconds
    assert split.run() == expected
    assert split.finished
    assert split_lines == whole_lines


def test_an_outside_subscriber_changes_nothing_and_hears_every_transition() -> None:
    # Alone, the engine is told of its own calls' transitions directly (no event
    # objects); with another subscriber it hears the model's events like anyone.
    alone, alone_lines = traced(busy(), seed=5)
    expected = alone.run(until=DAY)
    watched, watched_lines = traced(busy(), seed=5)
    heard: list[Event] = []
    unsubscribe = watched.model.subscribe(heard.append)
    assert watched.run(until=DAY) == expected
    assert watched_lines == alone_lines
    transitions = [e for e in heard if isinstance(e, TransitionEvent)]
    assert len(transitions) == expected.summary.transitions > 1000
    # Unsubscribed half way: the rest of the run is the same as well.
    unsubscribe()
    assert watched.run() == alone.run()
    assert watched_lines == alone_lines


def test_account_seeds_are_stable_and_differ_by_account() -> None:
    assert account_seed(42, "default") == account_seed(42, "default")
    assert account_seed(42, "default") != account_seed(42, "other")
    assert account_seed(42, "default") != account_seed(43, "default")
    assert 0 <= account_seed(42, "default") < 2**64


# ---------------------------------------------------------------- invariants
def test_the_busy_workload_keeps_every_invariant() -> None:
    workload = busy()
    simulation, lines = traced(workload)
    result = simulation.run()
    summary = result.summary
    assert_mirror_matches_model(simulation, result)
    # Every instance is somewhere at every moment.
    total = sum(summary.status_seconds.values())
    assert math.isclose(total, workload.instances * workload.seconds, rel_tol=1e-9)
    for sample in result.samples.totals():
        assert sum(sample) == workload.instances
    # The trace is in time order and replays to the final statuses.
    parsed = records(lines)
    times = [r["t"] for r in parsed]
    assert times == sorted(times)
    status = {}
    for group in records(lines, "group"):
        prefix, _, last = str(group["ids"]).partition("..")
        for n in range(group["count"]):
            status[f"{prefix[:-1]}{n}"] = group["status"]
        assert last.endswith(str(group["count"] - 1))
    for move in records(lines, "transition"):
        assert status[move["instance"]] == move["from"]
        status[move["instance"]] = move["to"]
    assert Counter(status.values()) == Counter(
        {k: v for k, v in summary.final_statuses.items() if v}
    )
    assert summary.transitions == len(records(lines, "transition"))
    # Every workload call is counted once: successes as transitions, failures as calls.
    failures = sum(n for o in summary.calls.values() for k, n in o.items() if k != OK)
    assert failures == len(records(lines, "call"))
    # Every platform and fault event is in the trace as often as it is counted.
    counted = Counter(r["event"] for r in records(lines, "platform"))
    for event, count in summary.platform.items():
        if event not in {"expiry_stop", "overdue_stop", "reactivation"}:
            assert counted[event] == count, event
    by_cause = Counter(r["cause"] for r in records(lines, "transition"))
    assert by_cause["expiry"] == summary.platform["expiry_stop"]
    assert by_cause["overdue"] == summary.platform["overdue_stop"]
    assert Counter(r["kind"] for r in records(lines, "fault")) == summary.faults
    # The busy week makes every kind of platform event happen.
    assert all(summary.platform[e] for e in ("expiry_stop", "renewal", "arrears", "disk_fault"))


def test_every_outcome_is_a_code_the_action_documents() -> None:
    result = Simulation(busy(), seed=2).run()
    for action, outcomes in result.summary.calls.items():
        documented = {code.value for code in error_table(Action(action))}
        assert set(outcomes) - {OK} <= documented


def test_eligible_targets_never_meet_a_wrong_status_and_any_targets_do() -> None:
    group = Group(name="g", count=200, start_per_day=20, stop_per_day=20, reboot_per_day=10)
    eligible = Workload(groups=(group,), days=1)
    careless = Workload(groups=(replace(group, targets="any"),), days=1)
    wrong = ErrorCode.INCORRECT_INSTANCE_STATUS.value
    calls = Simulation(eligible, seed=1).run().summary.calls
    assert all(wrong not in outcomes for outcomes in calls.values())
    calls = Simulation(careless, seed=1).run().summary.calls
    assert all(outcomes[wrong] > 0 for outcomes in calls.values())


def test_call_rates_are_per_instance_per_day() -> None:
    # Reboots settle at once, so every instance is always Running and eligible:
    # the number of calls is Poisson with mean count * rate * days.
    workload = Workload(
        groups=(Group(name="g", count=500, reboot_per_day=4),),
        durations=Durations.immediate(),
        days=2,
    )
    made = Simulation(workload, seed=5).run().summary.calls[Action.REBOOT_INSTANCE.value][OK]
    mean = 500 * 4 * 2
    assert abs(made - mean) < 5 * math.sqrt(mean)


# ------------------------------------------------------------- billing rules
def billed_fleet(**account: object) -> Workload:
    return Workload(
        groups=(Group(name="web", count=10, price_per_hour=Decimal("0.25")),),
        accounts=(Account(**account),),  # type: ignore[arg-type]
        platform=Platform(overdue_stop_after_days=0.5),
        durations=Durations(stopping=Fixed(15)),
        days=1,
    )


def test_running_postpaid_instances_are_billed_by_the_hour() -> None:
    simulation, lines = traced(billed_fleet(balance=Decimal(1000)))
    summary = simulation.run().summary
    # 10 instances * 0.25 an hour * 24 hours, charged in 24 hourly bills.
    assert summary.billed == Decimal(60)
    assert summary.balance == Decimal(940)
    assert simulation.model.account.balance == Decimal(940)
    bills = records(lines, "billing")
    assert len(bills) == 24
    assert {b["charged"] for b in bills} == {"2.500000"}
    assert summary.platform["arrears"] == 0


def test_arrears_then_the_overdue_stop_after_the_grace() -> None:
    # 2.50 an hour from 6.00: below zero at the third bill (t = 3 h).
    simulation, lines = traced(billed_fleet(balance=Decimal(6)))
    result = simulation.run()
    summary = result.summary
    # The samples (every 4.5 minutes) see the account go into arrears at 3 h.
    first_in_arrears = result.samples.arrears.index(1)
    assert result.samples.times[first_in_arrears - 1] < 3 * 3600
    assert result.samples.times[first_in_arrears] >= 3 * 3600
    assert all(result.samples.arrears[first_in_arrears:])
    (arrears,) = [r for r in records(lines, "platform") if r["event"] == "arrears"]
    assert arrears["t"] == 3 * 3600
    assert arrears["balance"] == "-1.500000"
    assert simulation.model.account.in_arrears
    stops = [r for r in records(lines, "transition") if r["cause"] == "overdue"]
    assert len(stops) == 10 == summary.platform["overdue_stop"]
    assert {r["t"] for r in stops} == {3 * 3600 + 0.5 * DAY}
    # Billing stops with the instances: 3 + 12 hours Running (Stopping is not billed).
    assert summary.final_statuses[InstanceStatus.STOPPED.value] == 10
    assert summary.billed == 10 * Decimal("0.25") * 15
    assert summary.arrears_seconds == DAY - 3 * 3600


def test_a_payment_clears_arrears_and_reactivates_what_the_platform_stopped() -> None:
    workload = replace(
        billed_fleet(balance=Decimal(6), top_up_amount=Decimal(1), top_up_after_days=0.3),
        days=3,
    )
    simulation, lines = traced(workload)
    summary = simulation.run().summary
    events = [r["event"] for r in records(lines, "platform") if r["event"] != "billing"]
    assert events[0] == "arrears"
    assert "payment" in events
    assert summary.paid == Decimal(summary.platform["payment"])
    assert summary.paid - summary.billed + 6 == summary.balance
    # Payments of 1 never catch up with usage unless the fleet is stopped first:
    # once it is, the next payment clears the debt and restarts the fleet.
    if summary.platform["overdue_stop"]:
        assert summary.platform["reactivation"] <= summary.platform["overdue_stop"]


def test_payment_after_the_overdue_stop_restarts_the_fleet() -> None:
    workload = replace(
        billed_fleet(balance=Decimal(6), top_up_amount=Decimal(500), top_up_after_days=1.0),
        platform=Platform(overdue_stop_after_days=0.05),
        days=4,
    )
    simulation, lines = traced(workload, seed=4)
    summary = simulation.run().summary
    assert summary.platform["overdue_stop"] == 10
    assert summary.platform["payment"] >= 1
    assert summary.platform["reactivation"] == 10
    assert not simulation.model.account.in_arrears
    assert summary.final_statuses[InstanceStatus.RUNNING.value] == 10
    # Through ReActivateInstances, one instance a call (issue 13).
    starts = [r for r in records(lines, "transition") if r["cause"] == "reactivate"]
    (payment, *_) = [r for r in records(lines, "platform") if r["event"] == "payment"]
    assert len(starts) == 10
    assert summary.calls[Action.REACTIVATE_INSTANCES.value] == {OK: 10}
    assert {r["t"] for r in starts} == {payment["t"]}
    (reactivation,) = [r for r in records(lines, "platform") if r["event"] == "reactivation"]
    assert (reactivation["started"], reactivation["refused"]) == (10, 0)


def test_no_reactivation_when_the_platform_does_not_reactivate() -> None:
    workload = replace(
        billed_fleet(balance=Decimal(6), top_up_amount=Decimal(500), top_up_after_days=1.0),
        platform=Platform(overdue_stop_after_days=0.05, reactivate_on_payment=False),
        days=4,
    )
    summary = Simulation(workload, seed=4).run().summary
    assert summary.platform["overdue_stop"] == 10
    assert summary.platform["reactivation"] == 0
    assert summary.final_statuses[InstanceStatus.STOPPED.value] == 10


def test_a_payment_within_the_grace_cancels_the_overdue_stop() -> None:
    workload = replace(
        billed_fleet(balance=Decimal(6), top_up_amount=Decimal(1000), top_up_after_days=0.01),
        platform=Platform(overdue_stop_after_days=0.5),
    )
    summary = Simulation(workload, seed=1).run().summary
    assert summary.platform["arrears"] == summary.platform["payment"] == 1
    assert summary.platform["overdue_stop"] == 0
    assert summary.final_statuses[InstanceStatus.RUNNING.value] == 10
    assert 0 < summary.arrears_seconds < 0.1 * DAY


def test_the_overdue_stop_spares_prepaid_instances_and_waits_for_starting_ones() -> None:
    workload = Workload(
        groups=(
            Group(name="web", count=10, price_per_hour=Decimal(1), reboot_per_day=24),
            Group(name="sub", count=5, charge_type=ChargeType.PREPAID),
        ),
        accounts=(Account(balance=Decimal(5)),),
        platform=Platform(overdue_stop_after_days=0.1),
        durations=Durations(starting=Fixed(1800), stopping=Fixed(15)),
        days=1,
    )
    simulation, lines = traced(workload, seed=2)
    summary = simulation.run().summary
    (arrears,) = [r for r in records(lines, "platform") if r["event"] == "arrears"]
    due = arrears["t"] + 0.1 * DAY
    stops = [r["t"] for r in records(lines, "transition") if r["cause"] == "overdue"]
    assert len(stops) == 10 == summary.platform["overdue_stop"]
    # Instances rebooting at the due time were stopped once they ran again.
    assert min(stops) == due
    assert max(stops) > due
    assert summary.final_statuses == {
        "Pending": 0,
        "Starting": 0,
        "Running": 5,
        "Stopping": 0,
        "Stopped": 10,
    }


def test_starts_fail_as_documented_while_the_account_is_in_arrears() -> None:
    workload = Workload(
        groups=(
            Group(
                name="web", count=50, price_per_hour=Decimal(1), start_per_day=24, stop_per_day=24
            ),
        ),
        accounts=(Account(balance=Decimal(100)),),
        days=1,
    )
    calls = Simulation(workload, seed=1).run().summary.calls
    assert calls[Action.START_INSTANCE.value][ErrorCode.INSTANCE_EXPIRED.value] > 0
    assert calls[Action.STOP_INSTANCE.value][ErrorCode.INSTANCE_EXPIRED_OR_IN_ARREARS.value] > 0


# ---------------------------------------------------------------- expiry rules
def subscriptions(**group: object) -> Workload:
    return Workload(
        groups=(
            Group(
                name="sub",
                count=20,
                charge_type=ChargeType.PREPAID,
                **group,  # type: ignore[arg-type]
            ),
        ),
        platform=Platform(expiry_stop_window_hours=0),
        durations=Durations(stopping=Fixed(15), starting=Fixed(30)),
        days=3,
    )


def test_prepaid_instances_are_stopped_when_their_subscription_ends() -> None:
    simulation, lines = traced(subscriptions(expires_in_days=1, start_per_day=10))
    summary = simulation.run().summary
    stops = [r for r in records(lines, "transition") if r["cause"] == "expiry"]
    assert len(stops) == 20 == summary.platform["expiry_stop"]
    assert {r["t"] for r in stops} == {DAY}
    # Starting an expired subscription fails as StartInstance documents.
    start = summary.calls[Action.START_INSTANCE.value]
    assert set(start) == {ErrorCode.INSTANCE_EXPIRED.value}
    assert summary.final_statuses[InstanceStatus.STOPPED.value] == 20


def test_the_expiry_stop_comes_within_the_window() -> None:
    workload = replace(
        subscriptions(expires_in_days=[1, 1.5]),
        platform=Platform(expiry_stop_window_hours=6),
    )
    simulation, lines = traced(workload)
    simulation.run()
    stops = [r["t"] for r in records(lines, "transition") if r["cause"] == "expiry"]
    assert len(stops) == 20
    assert all(DAY <= t <= 1.5 * DAY + 6 * 3600 for t in stops)
    for instance in simulation.model.instance_ids():
        expiry = simulation.model.instance(instance).expired_time
        assert expiry is not None
        assert DAY <= expiry <= 1.5 * DAY


def test_an_instance_starting_at_expiry_is_stopped_once_it_runs() -> None:
    workload = replace(
        subscriptions(expires_in_days=0, status=InstanceStatus.STARTING),
        durations=Durations(starting=Fixed(100), stopping=Fixed(15)),
    )
    simulation, lines = traced(workload)
    simulation.run()
    stops = {r["t"] for r in records(lines, "transition") if r["cause"] == "expiry"}
    assert stops == {120.0}  # tried at 0 and 60 (Starting), stopped at 120


def test_renewed_subscriptions_start_again_and_expire_again() -> None:
    workload = replace(
        subscriptions(
            expires_in_days=0.5,
            renew_share=1.0,
            renew_after_days=0.1,
            renew_for_days=7,
        ),
        days=20,
    )
    simulation, lines = traced(workload)
    summary = simulation.run().summary
    assert summary.platform["renewal"] > 20
    assert summary.calls[Action.RENEW_INSTANCE.value][OK] == summary.platform["renewal"]
    assert summary.fleet["renew_manual"] == summary.platform["renewal"]
    assert summary.platform["expiry_stop"] > 20
    # RenewInstance restarts an instance the platform stopped at expiry ("resume").
    resumed = [r for r in records(lines, "transition") if r["cause"] == "resume"]
    assert len(resumed) == summary.platform["renewal"]
    for renewal in (r for r in records(lines, "platform") if r["event"] == "renewal"):
        # After expiry, the new week starts at the renewal.
        assert renewal["expired_time"] == renewal["t"] + 7 * DAY
        assert renewal["by"] == "owner"


# -------------------------------------------------------- locks, disks, faults
def test_locks_and_disk_faults_come_and_go_and_agree_with_the_model() -> None:
    workload = Workload(
        groups=(
            Group(
                name="store",
                count=300,
                instance_type="ecs.d1.2xlarge",
                start_per_day=4,
                stop_per_day=4,
                init_local_disk=1.0,
                security_locks_per_day=0.5,
                security_lock_hours=4,
                disk_faults_per_day=0.5,
                disk_repair_hours=8,
                local_disk_share=0.8,
            ),
        ),
        days=2,
    )
    simulation, lines = traced(workload)
    summary = simulation.run().summary
    platform = summary.platform
    assert platform["security_lock"] > platform["security_unlock"] > 0
    assert platform["disk_fault"] > platform["disk_repair"] > 0
    views = [simulation.model.instance(i) for i in simulation.model.instance_ids()]
    locked = sum(bool(v.lock_reasons) for v in views)
    assert locked == platform["security_lock"] - platform["security_unlock"]
    # InitLocalDisk recovered some local disks before their repair came.
    assert summary.data_losses["InitLocalDisk"] > 0
    faulty = sum(v.cloud_disk_abnormal or v.local_disk_abnormal for v in views)
    recovered = summary.data_losses["InitLocalDisk"]
    assert faulty == platform["disk_fault"] - platform["disk_repair"] - recovered
    start = summary.calls[Action.START_INSTANCE.value]
    assert start[ErrorCode.INSTANCE_LOCKED_FOR_SECURITY.value] > 0
    assert summary.instances_with_loss["InitLocalDisk"] <= recovered
    kinds = Counter(r["disk"] for r in records(lines, "platform") if r["event"] == "disk_fault")
    assert kinds["local"] > kinds["cloud"] > 0


def test_force_stop_loses_data_on_the_instances_it_hits() -> None:
    workload = Workload(
        groups=(Group(name="g", count=100, stop_per_day=6, start_per_day=6, force_stop=0.5),),
        days=1,
    )
    simulation, lines = traced(workload)
    summary = simulation.run().summary
    losses = [r for r in records(lines, "transition") if r.get("data_loss") == "ForceStop"]
    assert summary.data_losses == {"ForceStop": len(losses)}
    assert summary.instances_with_loss == {"ForceStop": len({r["instance"] for r in losses})}
    model = simulation.model
    assert sum(len(model.instance(i).data_losses) for i in model.instance_ids()) == len(losses)


def test_injected_faults_are_traced_and_a_long_delay_leaves_instances_stuck() -> None:
    workload = Workload(
        groups=(Group(name="g", count=50, status=InstanceStatus.STOPPED, start_per_day=4),),
        faults=(
            FaultRule(kind=FaultKind.DELAY, action="StartInstance", count=3, delay=10 * DAY),
            FaultRule(kind=FaultKind.THROTTLE, action="StartInstance", probability=0.1),
        ),
        days=1,
        stuck_after_minutes=30,
    )
    simulation, lines = traced(workload)
    summary = simulation.run().summary
    assert summary.faults["delay"] == 3
    assert summary.faults["throttle"] > 0
    assert (
        summary.calls[Action.START_INSTANCE.value][ErrorCode.THROTTLING.value]
        == (summary.faults["throttle"])
    )
    assert summary.stuck == {"Pending": 0, "Starting": 3, "Stopping": 0}
    assert summary.in_flight["Starting"] >= 3
    assert summary.longest["Starting"] > 0.5 * DAY
    faults = records(lines, "fault")
    assert {f["kind"] for f in faults} == {"delay", "throttle"}
    assert all(f["instance"] is not None for f in faults)


def test_nothing_happens_without_rates() -> None:
    workload = Workload(
        groups=(
            Group(name="idle", count=5, status=InstanceStatus.PENDING),
            Group(name="none", count=0, start_per_day=10, disk_faults_per_day=1),
        ),
        days=1,
    )
    simulation, lines = traced(workload)
    result = simulation.run()
    summary = result.summary
    assert summary.calls == {}
    assert summary.transitions == 5  # Pending -> Stopped, once each
    assert summary.final_statuses[InstanceStatus.STOPPED.value] == 5
    assert summary.longest["Pending"] == 30.0
    assert result.samples.times[0] == 0.0
    assert result.samples.times[-1] == DAY
    assert result.samples.counts[0] == ((5, 0, 0, 0, 0), (0, 0, 0, 0, 0))
    assert "billing" not in {r["type"] for r in records(lines)}


# ------------------------------------------------------------------ the API
def test_progress_is_reported_up_to_one() -> None:
    seen: list[float] = []
    Simulation(busy(days=1), seed=1, on_progress=seen.append).run()
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert len(seen) >= 2
    partial: list[float] = []
    Simulation(busy(days=1), seed=1, on_progress=partial.append).run(until=DAY / 2)
    assert partial[-1] == pytest.approx(0.5, abs=0.01)


def test_simulation_refuses_bad_arguments() -> None:
    workload = load_workload(EXAMPLES / "two-accounts.toml")
    with pytest.raises(InvalidArgument, match="expected a Workload"):
        Simulation("busy")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="seed='1'"):
        Simulation(workload, seed="1", account="team-a")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="several accounts"):
        Simulation(workload)
    with pytest.raises(InvalidArgument, match="no such account"):
        Simulation(workload, account="team-c")


def test_each_account_is_its_own_model() -> None:
    workload = load_workload(EXAMPLES / "two-accounts.toml")
    a = Simulation(workload, seed=1, account="team-a")
    b = Simulation(workload, seed=1, account="team-b")
    assert len(a.model) == len(b.model) == 5000
    assert a.model.account.balance == Decimal(2000)
    assert b.model.account.balance == Decimal(100)
    assert a.model.instance_ids()[0] == "i-a-web-0"
