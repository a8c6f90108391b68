"""Issue 13 in the simulator: instances launched and released through the API,
renewals by owners and by AutoRenew through RenewInstance, reactivation through
ReActivateInstances; the summary, samples, plot and snapshots count them."""

from __future__ import annotations

import base64
import json
from array import array
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from lifecycle import Action, ChargeType, InstanceStatus, InvalidArgument, SnapshotError
from lifecycle.simulation import (
    OK,
    Account,
    Group,
    Platform,
    Samples,
    Simulation,
    SimulationResult,
    Summary,
    Workload,
    parse_workload,
    status_svg,
)
from lifecycle.simulation._checkpoint import decode, encode
from lifecycle.simulation._engine import _auto_renew_time
from lifecycle.simulation._workload import renew_period

DAY = 86_400.0


def traced(workload: Workload, seed: int = 1) -> tuple[Simulation, list[str]]:
    lines: list[str] = []
    return Simulation(workload, seed=seed, on_trace=lines.append), lines


def records(lines: list[str], kind: str) -> list[dict[str, Any]]:
    return [r for r in map(json.loads, lines) if r["type"] == kind]


def churning(days: float = 6, **group: object) -> Workload:
    spec: dict[str, object] = {
        "name": "web",
        "count": 40,
        "start_per_day": 4,
        "stop_per_day": 4,
        "security_locks_per_day": 0.2,
        "disk_faults_per_day": 0.2,
        "launches_per_day": 30,
        "launch_amount": 2,
        "delete_per_day": 1.0,
    }
    spec.update(group)
    return Workload(groups=(Group(**spec),), days=days, samples=25)  # type: ignore[arg-type]


# ----------------------------------------------------------------- workload
@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"launch_amount": 0}, "launch_amount=0: expected an int from 1 to 100"),
        ({"launch_amount": True}, "launch_amount"),
        ({"launches_per_day": -1}, "launches_per_day"),
        ({"delete_per_day": float("nan")}, "delete_per_day"),
        ({"auto_renew": 1, "charge_type": ChargeType.PREPAID}, "auto_renew=1: expected true"),
        ({"auto_renew": True}, "auto_renew: only PrePaid"),
        ({"renew_before_share": 0.5}, "renew_before_share: only PrePaid"),
        ({"renew_before_share": 2.0, "charge_type": ChargeType.PREPAID}, "renew_before_share"),
        ({"renew_before_days": 0, "charge_type": ChargeType.PREPAID}, "renew_before_days"),
        ({"renew_for_days": 10, "charge_type": ChargeType.PREPAID}, "a RenewInstance period"),
        (
            {"renew_for_days": 28, "auto_renew": True, "charge_type": ChargeType.PREPAID},
            "with auto_renew, an AutoRenewPeriod",
        ),
    ],
)
def test_fleet_knobs_are_validated(group: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        Group(name="g", count=1, **group)  # type: ignore[arg-type]


def test_renew_for_days_is_a_renewinstance_period() -> None:
    assert renew_period(7) == (1, "Week")
    assert renew_period(28) == (4, "Week")
    assert renew_period(30) == (1, "Month")
    assert renew_period(360) == (12, "Month")
    assert renew_period(35) is None
    assert renew_period(330) is None


def test_fleet_keys_round_trip_and_are_left_out_when_unset() -> None:
    workload = Workload(
        groups=(
            Group(name="a", count=3, launches_per_day=2.5, launch_amount=4, delete_per_day=0.5),
            Group(
                name="b",
                count=2,
                charge_type=ChargeType.PREPAID,
                auto_renew=True,
                renew_before_share=0.25,
                renew_before_days=2.0,
                renew_for_days=7,
            ),
            Group(name="c", count=1),
        )
    )
    text = workload.to_toml()
    assert parse_workload(text) == workload
    plain = text.split("[[groups]]")[3]
    assert "launch" not in plain
    assert "delete_per_day" not in plain
    assert "auto_renew" not in text.split("[[groups]]")[1]  # PostPaid: no PrePaid keys


def test_scaling_scales_launches_per_group_not_per_instance_rates() -> None:
    workload = Workload(
        groups=(
            Group(name="a", count=100, launches_per_day=10, delete_per_day=0.5),
            Group(name="b", count=100),
        )
    )
    scaled = workload.scaled(20)
    assert scaled.groups[0].launches_per_day == pytest.approx(1.0)
    assert scaled.groups[0].delete_per_day == 0.5
    assert scaled.groups[1].launches_per_day == 0


# ------------------------------------------------------------------- churn
def test_instances_come_through_runinstances_and_go_through_deleteinstance() -> None:
    simulation, lines = traced(churning())
    result = simulation.run()
    summary = result.summary
    fleet = summary.fleet
    assert fleet["launch"] > 100
    assert fleet["delete"] > 100
    runs = summary.calls[Action.RUN_INSTANCES.value]
    assert fleet["launch"] == 2 * runs[OK]
    assert summary.calls[Action.DELETE_INSTANCE.value][OK] == fleet["delete"]
    live = 40 + fleet["launch"] - fleet["delete"]
    assert sum(summary.final_statuses.values()) == live == len(simulation.model)
    assert summary.instances == 40 + fleet["launch"]
    # Every status the engine mirrors is the model's.
    counts = simulation.model.status_counts()
    assert summary.final_statuses == {s.value: n for s, n in counts.items()}
    transitions = records(lines, "transition")
    born = [r for r in transitions if r["from"] is None]
    gone = [r for r in transitions if r["to"] is None]
    assert len(born) == fleet["launch"]
    assert {r["cause"] for r in born} == {"run"}
    assert len(gone) == fleet["delete"]
    assert {r["cause"] for r in gone} == {"delete", "force_delete"}
    # Force only where needed: a Stopped instance is deleted without it.
    assert {r["from"] for r in gone if r["cause"] == "delete"} == {"Stopped"}
    assert "Stopped" not in {r["from"] for r in gone if r["cause"] == "force_delete"}
    # The samples count the fleet, and the released instances are gone from them.
    last = result.samples.fleet[-1]
    assert last == (fleet["launch"], fleet["delete"], 0, 0)
    assert sum(result.samples.totals()[-1]) == live
    text = summary.render()
    assert "Fleet changes" in text
    assert f"{live:>9,}" in text
    assert summary.to_dict()["fleet"] == fleet


def test_the_same_seed_gives_the_same_churn() -> None:
    first, second = (traced(churning(), seed=9) for _ in range(2))
    assert first[0].run() == second[0].run()
    assert first[1] == second[1]


def test_an_empty_group_wakes_when_instances_are_launched() -> None:
    simulation, _ = traced(churning(count=0, launches_per_day=4))
    summary = simulation.run().summary
    assert summary.fleet["launch"] > 0
    assert summary.calls[Action.START_INSTANCE.value]
    assert summary.calls[Action.STOP_INSTANCE.value]


def test_a_group_that_empties_waits_for_its_next_launch() -> None:
    workload = replace(churning(count=5, launches_per_day=0.5, delete_per_day=30), days=10)
    simulation, _lines = traced(workload)
    summary = simulation.run().summary
    assert summary.fleet["delete"] >= 5
    assert summary.fleet["launch"] > 0


def test_pending_instances_and_running_subscriptions_are_not_deleted_when_eligible() -> None:
    workload = Workload(
        groups=(
            Group(
                name="subs",
                count=30,
                charge_type=ChargeType.PREPAID,
                expires_in_days=(1, 2),
                delete_per_day=4,
                launches_per_day=20,
                renew_for_days=7,
            ),
        ),
        days=3,
    )
    summary = Simulation(workload, seed=2).run().summary
    assert summary.calls[Action.DELETE_INSTANCE.value] == {OK: summary.fleet["delete"]}
    assert summary.fleet["delete"] > 0
    anyone = replace(workload, groups=(replace(workload.groups[0], targets="any"),))
    refused = Simulation(anyone, seed=2).run().summary.calls[Action.DELETE_INSTANCE.value]
    assert refused.get("ChargeTypeViolation", 0) > 0


def test_a_run_with_churn_resumes_from_a_snapshot_exactly() -> None:
    workload = churning(instance_type="ecs.d1.2xlarge", init_local_disk=0.5, force_stop=0.3, days=4)
    workload = replace(workload, groups=(*workload.groups, Group(name="still", count=5)))
    whole, lines = traced(workload, seed=3)
    expected = whole.run()
    first, before = traced(workload, seed=3)
    first.run(until=1.7 * DAY)
    after: list[str] = []
    second = Simulation.restore(first.snapshot(), on_trace=after.append)
    assert second.run() == expected
    assert before + after == lines
    assert second.model.status_counts() == whole.model.status_counts()


def test_released_instances_drop_what_was_scheduled_for_them() -> None:
    workload = churning(
        count=60,
        launches_per_day=0,
        delete_per_day=3,
        security_locks_per_day=3,
        security_lock_hours=30,
        disk_faults_per_day=3,
        disk_repair_hours=30,
        force_stop=1.0,
        days=3,
    )
    summary = Simulation(workload, seed=4).run().summary
    assert summary.fleet["delete"] > 30
    assert summary.platform["security_unlock"] < summary.platform["security_lock"]
    assert sum(summary.instances_with_loss.values()) > 0


def test_the_overdue_stop_and_reactivation_reach_launched_instances() -> None:
    workload = Workload(
        groups=(
            Group(
                name="web",
                count=10,
                price_per_hour=Decimal(1),
                launches_per_day=20,
                stop_per_day=4,
                security_locks_per_day=2,
                security_lock_hours=100,
            ),
        ),
        accounts=(Account(balance=Decimal(3), top_up_amount=Decimal(10_000)),),
        platform=Platform(overdue_stop_after_days=0.01),
        days=3,
    )
    simulation, lines = traced(workload, seed=5)
    summary = simulation.run().summary
    launched = {r["instance"] for r in records(lines, "transition") if r["from"] is None}
    stopped = {r["instance"] for r in records(lines, "transition") if r["cause"] == "overdue"}
    assert stopped & launched
    reactivations = summary.calls[Action.REACTIVATE_INSTANCES.value]
    assert reactivations[OK] == summary.platform["reactivation"] > 0
    assert reactivations.get("InstanceLockedForSecurity", 0) > 0
    refused = [r for r in records(lines, "call") if r["action"] == "ReActivateInstances"]
    assert refused


def test_a_failed_launch_is_counted_and_traced() -> None:
    workload = Workload(
        groups=(Group(name="web", count=2, price_per_hour=Decimal(5), launches_per_day=30),),
        accounts=(Account(balance=Decimal(1)),),
        days=1,
    )
    simulation, lines = traced(workload)
    summary = simulation.run().summary
    assert summary.calls[Action.RUN_INSTANCES.value].get("Account.Arrearage", 0) > 0
    assert any(r["action"] == "RunInstances" for r in records(lines, "call"))


# ---------------------------------------------------------------- renewals
def subscriptions(**group: object) -> Workload:
    spec: dict[str, object] = {"name": "subs", "count": 30, "charge_type": ChargeType.PREPAID}
    spec.update(group)
    return Workload(groups=(Group(**spec),), days=30, samples=31)  # type: ignore[arg-type]


def test_owners_renew_before_the_end_and_no_expiry_stop_comes() -> None:
    workload = subscriptions(expires_in_days=(5, 6), renew_before_share=1.0, renew_for_days=30)
    workload = replace(workload, days=8)
    simulation, _lines = traced(workload)
    summary = simulation.run().summary
    assert summary.fleet["renew_manual"] == 30
    assert summary.platform["expiry_stop"] == 0
    assert summary.final_statuses[InstanceStatus.RUNNING.value] == 30
    for view in map(simulation.model.instance, simulation.model.instance_ids()):
        assert view.expired_time is not None
        assert view.expired_time > 30 * DAY  # a calendar month on from the old end


def test_autorenew_renews_nine_days_before_the_expiry_date() -> None:
    workload = subscriptions(expires_in_days=(12, 20), auto_renew=True, renew_for_days=30)
    simulation, lines = traced(workload)
    summary = simulation.run().summary
    assert summary.fleet["renew_auto"] >= 30
    assert summary.platform["expiry_stop"] == 0
    renewals = [r for r in records(lines, "platform") if r["event"] == "renewal"]
    assert {r["by"] for r in renewals} == {"auto_renew"}
    for renewal in renewals:
        assert renewal["t"] % DAY == 0  # 00:00 UTC: 08:00 UTC+8
    assert summary.to_dict()["fleet"] == summary.fleet


def test_autorenew_retries_daily_and_gives_up_at_expiry() -> None:
    workload = subscriptions(
        count=20,
        expires_in_days=(3, 4),
        auto_renew=True,
        renew_for_days=7,
        security_locks_per_day=5,
        security_lock_hours=200,
    )
    simulation, _lines = traced(replace(workload, days=6))
    summary = simulation.run().summary
    locked = summary.calls[Action.RENEW_INSTANCE.value]["InstanceLockedForSecurity"]
    assert locked > 0
    assert summary.platform["expiry_stop"] > 0  # locked all along: AutoRenew gave up


def test_a_short_term_is_renewed_the_next_day() -> None:
    assert _auto_renew_time(20 * DAY + 5, 0.0) == 11 * DAY
    assert _auto_renew_time(3 * DAY, 0.0) == DAY
    assert _auto_renew_time(3 * DAY, 1.5 * DAY) == 2 * DAY


def test_owner_and_autorenew_renewals_do_not_double_up() -> None:
    workload = subscriptions(
        expires_in_days=(10, 11),
        auto_renew=True,
        renew_before_share=0.5,
        renew_before_days=5,
        renew_for_days=7,
        delete_per_day=0.05,
        targets="any",
    )
    simulation = Simulation(replace(workload, days=20), seed=3)
    summary = simulation.run().summary
    assert summary.fleet["renew_manual"] > 0
    assert summary.fleet["renew_auto"] > 0
    assert (
        summary.platform["renewal"] == summary.fleet["renew_manual"] + summary.fleet["renew_auto"]
    )


def test_renewal_state_survives_a_snapshot_without_fleet_changes() -> None:
    workload = subscriptions(expires_in_days=(20, 25), renew_share=1.0, renew_for_days=7)
    whole = Simulation(workload, seed=1).run()
    first = Simulation(workload, seed=1)
    first.run(until=2 * DAY)
    document = decode(first.snapshot())
    assert "fleet" not in document["accounts"][0]["engine"]  # nothing happened yet
    assert Simulation.restore(first.snapshot()).run() == whole


# ------------------------------------------------------- summary and plot
def test_accounts_with_and_without_fleet_changes_combine() -> None:
    workload = Workload(
        groups=(
            Group(name="a", count=5, launches_per_day=10, account="one"),
            Group(name="b", count=5, account="two"),
        ),
        accounts=(Account(name="one"), Account(name="two")),
        days=2,
    )
    parts = [Simulation(workload, seed=1, account=a).run() for a in ("one", "two")]
    combined = SimulationResult.combine(parts)
    assert combined.summary.fleet["launch"] == parts[0].summary.fleet["launch"] > 0
    assert combined.samples.fleet == parts[0].samples.fleet
    rows: Any = combined.samples.to_dict()["fleet"]
    assert rows[-1][0] == combined.summary.fleet["launch"]
    assert not parts[1].samples.fleet
    assert "fleet" not in Samples.combine([parts[1].samples]).to_dict()
    quiet = Summary.combine([parts[1].summary])
    assert "fleet" not in quiet.to_dict()
    assert "Fleet changes" not in quiet.render()


def test_the_plot_draws_a_lane_per_fleet_change() -> None:
    result = Simulation(churning(), seed=1).run()
    svg = status_svg(result.samples, title="churn")
    assert f"{result.summary.fleet['launch']:,} launched" in svg
    assert f"{result.summary.fleet['delete']:,} released" in svg
    auto = Simulation(
        subscriptions(expires_in_days=(12, 20), auto_renew=True, renew_for_days=30), seed=1
    ).run()
    assert "renewed by AutoRenew" in status_svg(auto.samples, title="auto")


# ---------------------------------------------------------------- snapshots
@pytest.fixture(scope="module")
def churned() -> bytes:
    simulation = Simulation(churning(days=2), seed=5)
    simulation.run(until=DAY)
    return simulation.snapshot()


def changed(data: bytes, change: Any) -> bytes:
    document = decode(data)
    change(document["accounts"][0]["engine"])
    return encode({k: v for k, v in document.items() if k != "format"})


def column(typecode: str, values: list[int]) -> str:
    return base64.b64encode(array(typecode, values).tobytes()).decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(fleet=1), r"fleet: expected an object"),
        (lambda e: e["fleet"].update(created=[1]), r"fleet\.created: expected instance ids"),
        (lambda e: e["fleet"].update(group_of=column("I", [])), r"fleet\.group_of"),
        (lambda e: e["fleet"]["members"].__setitem__(0, column("q", [10**6])), "members"),
        (lambda e: e["fleet"]["idle"].__setitem__(0, [9]), r"fleet\.idle\[0\]"),
        (lambda e: e["fleet"].update(counts={"launch": 1}), r"fleet\.counts: expected 4"),
        (lambda e: e["fleet"].update(samples=[[0, 0, 0, 0]] * 99), "at most 25 samples"),
        (lambda e: e["fleet"]["samples"].__setitem__(0, [0]), r"fleet\.samples"),
        (lambda e: e.update(api_calls=[]), r"api_calls: expected an object"),
        (lambda e: e["fleet"]["members"].__setitem__(0, None), "fleet.members: group 'web'"),
        (
            lambda e: (e.pop("fleet"), e.update(heap=[], status=column("B", [2] * 40))),
            "changes size, and the snapshot says nothing of it",
        ),
    ],
)
def test_fleet_state_is_checked(churned: bytes, change: Any, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        Simulation.restore(changed(churned, change))


def test_fleet_state_needs_a_workload_with_fleet_changes(churned: bytes) -> None:
    document = decode(churned)
    plain = replace(churning(days=2), groups=(Group(name="web", count=40),))
    document["workload"] = plain.to_toml()
    fleet = document["accounts"][0]["engine"]["fleet"]
    fleet["created"] = []
    fleet["group_of"] = column("I", [])
    data = encode({k: v for k, v in document.items() if k != "format"})
    with pytest.raises(SnapshotError):
        Simulation.restore(data)


def test_a_launched_instance_needs_its_group(churned: bytes) -> None:
    def change(engine: dict[str, Any]) -> None:
        fleet = engine["fleet"]
        fleet["group_of"] = column("I", [0] * (len(fleet["created"]) - 1))

    with pytest.raises(SnapshotError, match="group_of"):
        Simulation.restore(changed(churned, change))


def test_renewals_due_for_released_subscriptions_are_dropped() -> None:
    owners = subscriptions(
        expires_in_days=(0.5, 1),
        renew_share=1.0,
        renew_after_days=3,
        delete_per_day=2,
        renew_for_days=7,
    )
    summary = Simulation(replace(owners, days=4), seed=1).run().summary
    assert summary.fleet["delete"] > 20
    assert summary.fleet["renew_manual"] < 10
    auto = subscriptions(
        expires_in_days=(2, 3),
        auto_renew=True,
        renew_for_days=7,
        security_locks_per_day=20,
        security_lock_hours=500,
        delete_per_day=20,
    )
    summary = Simulation(replace(auto, days=5), seed=1).run().summary
    assert summary.fleet["delete"] > 20
    assert summary.calls[Action.RENEW_INSTANCE.value].get(OK, 0) < 10


def test_launched_subscriptions_carry_autorenew() -> None:
    workload = subscriptions(
        count=0, auto_renew=True, renew_for_days=7, launches_per_day=5, expires_in_days=1
    )
    simulation = Simulation(replace(workload, days=12), seed=2)
    summary = simulation.run().summary
    assert summary.fleet["launch"] > 0
    assert summary.fleet["renew_auto"] > 0
    assert summary.platform["expiry_stop"] == 0
