"""The simulator bills PostPaid instances only while they are Running: a priced group
whose instances start Stopped costs nothing until they start.

Every priced group elsewhere in the simulation tests starts Running, so a
simulator that billed a group from time 0 whatever its status went unseen.
"""

from __future__ import annotations

import json
from decimal import Decimal

from lifecycle import Durations, Fixed, InstanceStatus
from lifecycle.simulation import Account, Group, Platform, Simulation, Summary, Workload


def workload(*groups: Group, balance: Decimal = Decimal(1000)) -> Workload:
    return Workload(
        groups=groups,
        accounts=(Account(balance=balance),),
        platform=Platform(overdue_stop_after_days=0.5),
        durations=Durations(stopping=Fixed(15), starting=Fixed(15)),
        days=1,
    )


def run(work: Workload) -> tuple[Summary, list[dict[str, object]]]:
    lines: list[str] = []
    summary = Simulation(work, seed=1, on_trace=lines.append).run().summary
    return summary, [json.loads(line) for line in lines]


def test_a_priced_group_that_starts_stopped_is_never_billed() -> None:
    summary, trace = run(
        workload(
            Group(
                name="spare",
                count=10,
                status=InstanceStatus.STOPPED,
                price_per_hour=Decimal("0.25"),
            ),
            balance=Decimal(1),
        )
    )
    assert summary.billed == Decimal(0)
    assert summary.balance == Decimal(1)
    assert {r["charged"] for r in trace if r["type"] == "billing"} <= {"0.000000"}
    assert summary.platform["arrears"] == 0
    assert summary.final_statuses["Stopped"] == 10


def test_beside_a_running_group_only_the_running_one_is_billed() -> None:
    summary, trace = run(
        workload(
            Group(name="web", count=10, price_per_hour=Decimal("0.25")),
            Group(
                name="spare", count=4, status=InstanceStatus.STOPPED, price_per_hour=Decimal("1.00")
            ),
        )
    )
    # 10 Running instances * 0.25 an hour * 24 hours; the 4 Stopped ones cost nothing.
    assert summary.billed == Decimal(60)
    bills = [r for r in trace if r["type"] == "billing"]
    assert len(bills) == 24
    assert {b["charged"] for b in bills} == {"2.500000"}
