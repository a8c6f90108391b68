"""The workload format: TOML in, validated frozen data out, and back to TOML."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle import (
    ChargeType,
    Durations,
    Exponential,
    FaultKind,
    FaultRule,
    Fixed,
    InstanceStatus,
    InvalidArgument,
    Uniform,
    simulation,
)
from lifecycle.simulation import (
    Account,
    Group,
    Platform,
    Workload,
    default_workload,
    load_workload,
    parse_workload,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workloads"


def test_a_group_needs_only_a_name_and_a_count() -> None:
    workload = parse_workload('[[groups]]\nname = "web"\ncount = 3\n')
    (group,) = workload.groups
    assert group == Group(name="web", count=3)
    assert group.status is InstanceStatus.RUNNING
    assert group.charge_type is ChargeType.POSTPAID
    # The account the group names by default exists, with default settings.
    assert workload.accounts == (Account(),)
    assert workload.platform == Platform()
    assert workload.durations == Durations()


def test_every_example_workload_loads() -> None:
    paths = sorted(EXAMPLES.glob("*.toml"))
    assert paths
    for path in paths:
        assert load_workload(path).instances > 0, path


def test_the_default_example_file_is_the_built_in_default() -> None:
    assert load_workload(EXAMPLES / "default.toml") == default_workload()


def test_to_toml_reads_back_equal_for_every_example() -> None:
    for path in EXAMPLES.glob("*.toml"):
        workload = load_workload(path)
        assert parse_workload(workload.to_toml()) == workload, path


def test_to_toml_writes_every_duration_kind_and_fault() -> None:
    workload = Workload(
        groups=(Group(name="g", count=1, charge_type=ChargeType.PREPAID, expires_in_days=(4, 4)),),
        durations=Durations(pending=Fixed(1), starting=Uniform(2, 3), stopping=Exponential(4)),
        faults=(FaultRule(kind=FaultKind.DELAY, action="StartInstance", delay=5.0),),
    )
    text = workload.to_toml()
    assert "starting = { uniform = [2.0, 3.0] }" in text
    assert "stopping = { exponential = 4.0 }" in text
    assert 'kind = "delay"' in text
    # Keys of the other charge type are left out: a PrePaid group has no price.
    assert "price_per_hour" not in text
    assert parse_workload(text) == workload


def test_a_single_expiry_number_means_every_instance_expires_then() -> None:
    workload = parse_workload(
        '[[groups]]\nname="g"\ncount=1\ncharge_type="PrePaid"\nexpires_in_days=3\n'
    )
    assert workload.groups[0].expires_in_days == (3.0, 3.0)


def test_a_prepaid_group_expires_after_the_models_default_thirty_days() -> None:
    assert Group(name="g", count=1, charge_type=ChargeType.PREPAID).expires_in_days == (30.0, 30.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[groups]\n", "not valid TOML"),
        ("days = 1\n", "at least one [[groups]]"),
        ("colour = 1\n[[groups]]\nname='g'\ncount=1\n", "unknown key(s) colour"),
        ("[[groups]]\nname='g'\n", "'count' is required"),
        ("[[groups]]\ncount=1\n", "'name' is required"),
        ("[[groups]]\nname='g'\ncount=1\nspeed=2\n", "groups[0]: unknown key(s) speed"),
        ("[[groups]]\nname='g'\ncount=-1\n", "count=-1"),
        ("[[groups]]\nname='g'\ncount=1.5\n", "count=1.5"),
        ("[[groups]]\nname='a b'\ncount=1\n", "name='a b'"),
        ("[[groups]]\nname='g'\ncount=1\nstart_per_day=-1\n", "start_per_day=-1"),
        ("[[groups]]\nname='g'\ncount=1\nstart_per_day='x'\n", "start_per_day='x'"),
        ("[[groups]]\nname='g'\ncount=1\nforce_stop=1.5\n", "force_stop=1.5"),
        ("[[groups]]\nname='g'\ncount=1\nstatus='Busy'\n", "status='Busy'"),
        ("[[groups]]\nname='g'\ncount=1\ncharge_type='Free'\n", "charge_type='Free'"),
        ("[[groups]]\nname='g'\ncount=1\ninstance_type='big'\n", "instance_type='big'"),
        ("[[groups]]\nname='g'\ncount=1\ninstance_type='ecs.\"x'\n", "instance_type='ecs.\"x'"),
        ("[[groups]]\nname='g'\ncount=1\ntargets='some'\n", "targets='some'"),
        ("[[groups]]\nname='g'\ncount=1\nprice_per_hour='cheap'\n", "price_per_hour='cheap'"),
        ("[[groups]]\nname='g'\ncount=1\nprice_per_hour=true\n", "price_per_hour=True"),
        ("[[groups]]\nname='g'\ncount=1\nprice_per_hour='-1'\n", "price_per_hour='-1'"),
        ("[[groups]]\nname='g'\ncount=1\nexpires_in_days=3\n", "only PrePaid groups expire"),
        ("[[groups]]\nname='g'\ncount=1\nrenew_share=0.5\n", "only PrePaid subscriptions"),
        ("[[groups]]\nname='g'\ncount=1\ndisk_repair_hours=0\n", "disk_repair_hours=0"),
        (
            "[[groups]]\nname='g'\ncount=1\ncharge_type='PrePaid'\nprice_per_hour='1'\n",
            "only PostPaid groups are billed",
        ),
        (
            "[[groups]]\nname='g'\ncount=1\ncharge_type='PrePaid'\nexpires_in_days=[1,2,3]\n",
            "expected days, or [low, high]",
        ),
        (
            "[[groups]]\nname='g'\ncount=1\ncharge_type='PrePaid'\nexpires_in_days=[5,2]\n",
            "expires_in_days[1]=2",
        ),
        ("[[groups]]\nname='g'\ncount=1\n[[groups]]\nname='g'\ncount=2\n", "duplicate name"),
        ("[[groups]]\nname='g'\ncount=1\naccount='nobody'\n", "'nobody' is not defined"),
        (
            "[accounts.default]\n[accounts.spare]\n[[groups]]\nname='g'\ncount=1\n",
            "no group uses spare",
        ),
        ("[accounts.default]\nbalance='lots'\n[[groups]]\nname='g'\ncount=1\n", "balance='lots'"),
        ("[accounts.default]\ncolour=1\n[[groups]]\nname='g'\ncount=1\n", "colour"),
        ("accounts = 3\n[[groups]]\nname='g'\ncount=1\n", "accounts: expected a table"),
        ("[durations]\npending = -1\n[[groups]]\nname='g'\ncount=1\n", "pending=-1"),
        ("[durations]\nwarmup = 1\n[[groups]]\nname='g'\ncount=1\n", "unknown key(s) warmup"),
        (
            "[durations]\nstarting = { normal = 3 }\n[[groups]]\nname='g'\ncount=1\n",
            "uniform = [low, high]",
        ),
        (
            "[durations]\nstarting = { uniform = [1] }\n[[groups]]\nname='g'\ncount=1\n",
            "uniform = [low, high]",
        ),
        ("[platform]\nbilling_interval_minutes=0\n[[groups]]\nname='g'\ncount=1\n", "billing"),
        ("[platform]\nreactivate_on_payment=1\n[[groups]]\nname='g'\ncount=1\n", "reactivate"),
        ("[platform]\nsoon=1\n[[groups]]\nname='g'\ncount=1\n", "unknown key(s) soon"),
        ("days = 0\n[[groups]]\nname='g'\ncount=1\n", "days=0"),
        ("samples = 1\n[[groups]]\nname='g'\ncount=1\n", "samples=1"),
        ("faults = 1\n[[groups]]\nname='g'\ncount=1\n", "[[faults]] tables"),
        ("[[faults]]\nkind='meteor'\n[[groups]]\nname='g'\ncount=1\n", "kind='meteor'"),
    ],
)
def test_a_bad_workload_is_refused_with_the_key_it_is_about(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_workload(text)
    assert message in str(raised.value)


def test_python_built_workloads_are_checked_the_same_way() -> None:
    group = Group(name="g", count=1)
    with pytest.raises(InvalidArgument, match="at least one Group"):
        Workload(groups=())
    with pytest.raises(InvalidArgument, match="expected Account values"):
        Workload(groups=(group,), accounts=("default",))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="duplicate account names"):
        Workload(groups=(group,), accounts=(Account(), Account()))
    with pytest.raises(InvalidArgument, match="expected a Platform"):
        Workload(groups=(group,), platform=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=r"expected a lifecycle\.Durations"):
        Workload(groups=(group,), durations=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=r"expected lifecycle\.FaultRule"):
        Workload(groups=(group,), faults=("throttle",))  # type: ignore[arg-type]


def test_a_workload_takes_only_durations_it_can_write_back() -> None:
    class Weekly:
        def sample(self, rng: object) -> float:
            return 7.0

    with pytest.raises(InvalidArgument, match=r"durations\.starting"):
        Workload(groups=(Group(name="g", count=1),), durations=Durations(starting=Weekly()))


def test_accounts_are_listed_in_the_order_groups_first_use_them() -> None:
    workload = Workload(
        groups=(Group(name="g1", count=1, account="b"), Group(name="g2", count=1, account="a")),
        accounts=(Account(name="a"), Account(name="b")),
    )
    assert [a.name for a in workload.accounts] == ["b", "a"]
    assert workload.groups_of("a") == (workload.groups[1],)
    assert workload.account("b").name == "b"
    with pytest.raises(InvalidArgument, match="no such account"):
        workload.account("c")


def test_scaling_keeps_proportions_adds_up_exactly_and_scales_money() -> None:
    workload = default_workload()
    small = workload.scaled(1_001)
    assert small.instances == 1_001
    assert [g.count for g in small.groups] == [601, 150, 250]
    assert small.accounts[0].balance == Decimal("5005.00")
    assert small.accounts[0].top_up_amount == Decimal("10010.00")
    # Rates are per instance: untouched.
    assert [g.stop_per_day for g in small.groups] == [g.stop_per_day for g in workload.groups]
    assert default_workload(1_001) == small


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=6), st.integers(0, 10_000))
def test_scaled_counts_always_add_up_to_the_target(counts: list[int], target: int) -> None:
    if sum(counts) == 0:
        counts[0] = 1
    workload = Workload(groups=tuple(Group(name=f"g{i}", count=c) for i, c in enumerate(counts)))
    scaled = workload.scaled(target)
    assert scaled.instances == target
    for before, after in zip(workload.groups, scaled.groups, strict=True):
        assert abs(after.count - before.count * target / workload.instances) < 1


def test_scaling_refuses_nonsense() -> None:
    with pytest.raises(InvalidArgument, match="instances=-1"):
        default_workload().scaled(-1)
    empty = Workload(groups=(Group(name="g", count=0),))
    with pytest.raises(InvalidArgument, match="no instances to scale"):
        empty.scaled(10)


def test_derived_values() -> None:
    workload = replace(default_workload(), days=0.5)
    assert workload.seconds == 43_200
    assert workload.instances == 100_000
    assert workload.groups[2].prepaid
    assert not workload.groups[0].prepaid


def test_load_workload_names_the_file_in_its_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"missing\.toml"):
        load_workload(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("days = 'long'\n[[groups]]\nname='g'\ncount=1\n", encoding="utf-8")
    with pytest.raises(InvalidArgument, match=r"bad\.toml: days='long'"):
        load_workload(bad)


def test_the_simulation_s_public_names_are_exactly_all_and_presented_as_its_own() -> None:
    public = {
        name
        for name, value in vars(simulation).items()
        if not name.startswith("_") and not isinstance(value, type(simulation))
    }
    assert public == set(simulation.__all__)
    for name in simulation.__all__:
        module = getattr(getattr(simulation, name), "__module__", "lifecycle.simulation")
        assert module == "lifecycle.simulation", name
