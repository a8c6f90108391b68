"""What a simulation hands back: summaries, samples, the SVG picture, the runner's files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from lifecycle import Action, ErrorCode, InstanceStatus, InvalidArgument, error_table
from lifecycle.simulation import (
    OK,
    Group,
    Samples,
    Simulation,
    SimulationResult,
    Summary,
    Workload,
    load_workload,
    simulate,
    status_svg,
)
from lifecycle.simulation._runner import output_path
from lifecycle.simulation._summary import _duration, compare
from lifecycle.simulation._svg import _nice_step, _time_ticks

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workloads"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def two_accounts() -> Workload:
    return replace(load_workload(EXAMPLES / "two-accounts.toml").scaled(400), days=1.5)


@pytest.fixture(scope="module")
def busy_result() -> SimulationResult:
    workload = replace(load_workload(EXAMPLES / "busy.toml").scaled(500), days=1)
    return Simulation(workload, seed=11).run()


# ------------------------------------------------------------------ summary
def test_the_summary_shows_every_outcome_with_its_documented_http_status(
    busy_result: SimulationResult,
) -> None:
    summary = busy_result.summary
    text = summary.render()
    for action, outcomes in summary.calls.items():
        for outcome, count in outcomes.items():
            status = (
                "200"
                if outcome == OK
                else str(error_table(Action(action))[ErrorCode(outcome)].http_status)
            )
            assert any(
                line.split()[:4] == [action, outcome, status, f"{count:,}"]
                for line in text.splitlines()
            ), (action, outcome)
    for status in InstanceStatus:
        assert f"  {status.value} " in text
    assert "Stuck:" in text
    assert "Data lost" in text
    assert f"balance at the end {summary.balance:,.2f}" in text


def test_a_quiet_run_says_no_data_was_lost() -> None:
    summary = Simulation(Workload(groups=(Group(name="g", count=2),), days=0.1)).run().summary
    text = summary.render()
    assert "Data lost\n  none" in text
    assert "Injected faults" not in text
    assert "(0 calls)" in text


def test_the_summary_is_plain_json(busy_result: SimulationResult) -> None:
    data = busy_result.summary.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["balance"] == str(busy_result.summary.balance)
    samples = busy_result.samples.to_dict()
    assert json.loads(json.dumps(samples)) == samples
    assert samples["statuses"] == [s.value for s in InstanceStatus]


def test_summaries_of_one_seeds_accounts_add_up(two_accounts: Workload) -> None:
    parts = [Simulation(two_accounts, seed=3, account=a.name).run() for a in two_accounts.accounts]
    whole = SimulationResult.combine(parts)
    summary = whole.summary
    assert summary.accounts == ("team-a", "team-b")
    assert summary.instances == 400
    assert summary.total_calls == sum(p.summary.total_calls for p in parts)
    assert summary.billed == sum((p.summary.billed for p in parts), Decimal(0))
    assert summary.platform["overdue_stop"] == sum(
        p.summary.platform["overdue_stop"] for p in parts
    )
    assert summary.longest == {s: max(p.summary.longest[s] for p in parts) for s in summary.longest}
    assert whole.samples.groups == ("a-web", "b-web")
    assert whole.samples.totals()[-1] == tuple(
        a + b for a, b in zip(*(p.samples.totals()[-1] for p in parts), strict=True)
    )


def test_combining_refuses_parts_of_different_runs(busy_result: SimulationResult) -> None:
    summary = busy_result.summary
    with pytest.raises(InvalidArgument, match="at least one"):
        Summary.combine([])
    with pytest.raises(InvalidArgument, match="different runs"):
        Summary.combine([summary, replace(summary, seed=summary.seed + 1)])
    with pytest.raises(InvalidArgument, match="appears twice"):
        Summary.combine([summary, summary])
    with pytest.raises(InvalidArgument, match="same times"):
        Samples.combine([busy_result.samples, replace(busy_result.samples, times=(0.0, 1.0))])


def test_several_seeds_compare_side_by_side(busy_result: SimulationResult) -> None:
    other = replace(busy_result.summary, seed=99)
    lines = compare([busy_result.summary, other]).splitlines()
    assert lines[0].startswith("2 seeds, 500 instances")
    assert lines[2].split()[0] == "seed"
    assert [line.split()[0] for line in lines[3:]] == ["11", "99"]


# ---------------------------------------------------------------------- SVG
def test_the_picture_is_well_formed_svg_with_every_status(
    busy_result: SimulationResult,
) -> None:
    text = status_svg(busy_result.samples, title="Fleet <busy> & co")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    totals = busy_result.samples.totals()
    occurring = {s.value for k, s in enumerate(InstanceStatus) if any(row[k] for row in totals)}
    assert len(root.findall(f"{SVG}polygon")) == len(occurring)
    assert len(root.findall(f"{SVG}polyline")) == len(occurring - {"Running", "Stopped"})
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert "Fleet <busy> & co" in labels
    assert occurring <= labels
    assert "simulated time (hours)" in labels
    assert status_svg(busy_result.samples, title="x") == status_svg(busy_result.samples, title="x")


def test_the_picture_marks_every_stretch_of_arrears() -> None:
    counts = tuple(((1, 0, 2, 0, 3),) for _ in range(6))
    samples = Samples(
        times=tuple(600.0 * k for k in range(6)),
        groups=("g",),
        counts=counts,
        arrears=(0, 1, 1, 0, 0, 1),
    )
    root = ET.fromstring(status_svg(samples, title="arrears"))
    strips = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    spans = [(float(r.get("x", "")), float(r.get("width", ""))) for r in strips]
    # Samples 1-2 (until sample 3 begins), and the last sample alone (at least a pixel).
    expected = [(78 + 712 * 0.2, 712 * 0.4), (78 + 712.0, 1.0)]
    assert len(spans) == len(expected)
    for (x, width), (want_x, want_width) in zip(spans, expected, strict=True):
        assert abs(x - want_x) < 0.1
        assert abs(width - want_width) < 0.1
    # Samples that count accounts in arrears but do not say which: one band for them all.
    assert "in arrears: any account" in {t.text for t in root.iter(f"{SVG}text")}


def test_samples_count_accounts_in_arrears_when_every_part_recorded_them() -> None:
    recorded = Samples(times=(0.0, 1.0), groups=("a",), counts=(((1,) * 5,),) * 2, arrears=(0, 1))
    other = replace(recorded, groups=("b",), arrears=(1, 1))
    assert Samples.combine([recorded, other]).arrears == (1, 2)
    assert Samples.combine([recorded, replace(other, arrears=())]).arrears == ()


def test_the_picture_copes_with_an_empty_fleet() -> None:
    samples = Samples(times=(0.0, 60.0), groups=("g",), counts=(((0,) * 5,), ((0,) * 5,)))
    root = ET.fromstring(status_svg(samples, title="empty"))
    assert "simulated time (minutes)" in {t.text for t in root.findall(f"{SVG}text")}


@pytest.mark.parametrize(
    ("end", "unit", "name"),
    [(7 * 86_400, 86_400, "day"), (86_400, 3_600, "hour"), (600, 60, "minute")],
)
def test_time_ticks_pick_a_readable_unit(end: float, unit: float, name: str) -> None:
    got_unit, got_name, ticks = _time_ticks(end)
    assert (got_unit, got_name) == (unit, name)
    assert ticks[0] == 0
    assert ticks[-1] <= end
    assert 4 <= len(ticks) <= 13


@pytest.mark.parametrize(
    ("span", "ticks", "step"), [(100, 4, 25.0 * 2), (7, 10, 1.0), (3_000, 4, 1_000.0), (1, 4, 0.5)]
)
def test_nice_steps_are_one_two_or_five_times_a_power_of_ten(
    span: float, ticks: int, step: float
) -> None:
    assert _nice_step(span, ticks) == step


# ------------------------------------------------------------------- runner
def test_output_paths_for_one_and_several_seeds() -> None:
    assert output_path("out/t.jsonl", 7, several=False) == Path("out/t.jsonl")
    assert output_path("out/t.jsonl", 7, several=True) == Path("out/t-seed7.jsonl")
    assert output_path("t-{seed}.jsonl", 7, several=False) == Path("t-7.jsonl")


def test_simulate_merges_accounts_in_time_order_whatever_the_jobs(
    tmp_path: Path, two_accounts: Workload
) -> None:
    here = simulate(two_accounts, [5, 6], trace=tmp_path / "here.jsonl")
    pooled = simulate(two_accounts, [5, 6], jobs=2, trace=tmp_path / "pool-{seed}.jsonl")
    assert here == pooled
    for seed in (5, 6):
        text = (tmp_path / f"here-seed{seed}.jsonl").read_text(encoding="utf-8")
        assert text == (tmp_path / f"pool-{seed}.jsonl").read_text(encoding="utf-8")
        lines = [json.loads(line) for line in text.splitlines()]
        assert [r["t"] for r in lines] == sorted(r["t"] for r in lines)
        assert {r["account"] for r in lines if r["type"] == "run"} == {"team-a", "team-b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "here-seed5.jsonl",
        "here-seed6.jsonl",
        "pool-5.jsonl",
        "pool-6.jsonl",
    ]
    # One seed, run apart per account, is the two accounts' runs combined.
    alone = [Simulation(two_accounts, seed=5, account=a).run() for a in ("team-a", "team-b")]
    assert here[0] == SimulationResult.combine(alone)


def test_simulate_runs_on_any_executor(two_accounts: Workload) -> None:
    # A Dask cluster's client.get_executor() plugs in the same way.
    with ThreadPoolExecutor(max_workers=3) as executor:
        seen: list[float] = []
        threaded = simulate(two_accounts, [5, 6], executor=executor, on_progress=seen.append)
    assert threaded == simulate(two_accounts, [5, 6])
    assert seen == [0.25, 0.5, 0.75, 1.0]


def test_simulate_reports_progress_in_and_out_of_a_pool(two_accounts: Workload) -> None:
    seen: list[float] = []
    simulate(two_accounts, [1], on_progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert any(0.4 < f < 0.6 for f in seen)  # half-way: the first of two accounts done


def test_a_pool_of_its_own_reports_progress_as_the_work_goes(two_accounts: Workload) -> None:
    """With --jobs 2 the bar jumped 0 -> 50% -> done (issue 11, item 7): the workers
    now report their share as they go, and every report comes before its task's end."""
    seen: list[float] = []
    simulate(two_accounts, [1], jobs=2, on_progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert {f for f in seen if f not in (0.5, 1.0)}
    assert len(seen) > 10


def test_a_given_executor_reports_progress_as_tasks_finish(two_accounts: Workload) -> None:
    """A pool the caller gives (Dask's, say) may not reach back: whole tasks only."""
    seen: list[float] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        simulate(two_accounts, [1], executor=pool, on_progress=seen.append)
    assert seen == [0.5, 1.0]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "30.0 s"), (600, "10.0 min"), (36_000, "10.0 h"), (864_000, "10.0 d")],
)
def test_durations_are_shown_in_a_readable_unit(seconds: float, text: str) -> None:
    assert _duration(seconds) == text


def test_simulate_refuses_bad_arguments(two_accounts: Workload) -> None:
    with pytest.raises(InvalidArgument, match="one or more int seeds"):
        simulate(two_accounts, [])
    with pytest.raises(InvalidArgument, match="each seed once"):
        simulate(two_accounts, [1, 1])
    with pytest.raises(InvalidArgument, match="jobs=0"):
        simulate(two_accounts, [1], jobs=0)


def test_a_worker_reports_its_share_in_steps_of_one_percent() -> None:
    """The sink a pool's worker gets (it runs in that process, so it is tested here)."""
    from queue import Queue  # noqa: PLC0415

    from lifecycle.simulation._runner import _Reporter  # noqa: PLC0415

    queue: Queue[tuple[int, float]] = Queue()
    report = _Reporter(queue, 3)
    for share in (0.004, 0.012, 0.015, 0.03, 1.0):
        report(share)
    assert [queue.get_nowait() for _ in range(queue.qsize())] == [(3, 0.012), (3, 0.03), (3, 1.0)]
