"""The status picture reads well: a spike does not flatten the in-transit panel, the
platform's events are marked, the title names the run, each account has its own
labelled arrears band, and the legend lists only the statuses that occur."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from lifecycle import InstanceStatus, SnapshotError
from lifecycle._cli import main
from lifecycle.simulation import (
    Samples,
    Simulation,
    SimulationResult,
    Workload,
    load_workload,
    status_svg,
)
from lifecycle.simulation._checkpoint import decode, encode
from lifecycle.simulation._summary import PLATFORM_EVENTS, STATUS_NAMES
from lifecycle.simulation._svg import _place_labels, in_transit_scale

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workloads"
SVG = "{http://www.w3.org/2000/svg}"
STOPPING = STATUS_NAMES.index("Stopping")
STARTING = STATUS_NAMES.index("Starting")
PENDING = STATUS_NAMES.index("Pending")


def small_busy() -> Workload:
    # 337 samples over 7 days fall on the half hour, as the billing hours do, so
    # the overdue stop lands on a sample with every stopped instance Stopping:
    # the same spike as the full week's 4,000, at 300 instances over 4 days.
    return replace(load_workload(EXAMPLES / "busy.toml").scaled(300), days=4, samples=193)


@pytest.fixture(scope="module")
def busy() -> SimulationResult:
    return Simulation(small_busy(), seed=7).run()


@pytest.fixture(scope="module")
def busy_svg(busy: SimulationResult) -> ET.Element:
    return ET.fromstring(status_svg(busy.samples, title="busy.toml, seed 7"))


def texts(root: ET.Element, group: str | None = None) -> list[str]:
    """Every text in the picture, or in its ``<g class=group>`` elements, in order."""
    within = (
        [root] if group is None else [g for g in root.iter(f"{SVG}g") if g.get("class") == group]
    )
    return [t.text or "" for g in within for t in g.iter(f"{SVG}text")]


def samples_of(
    rows: Sequence[tuple[int, ...]],
    *,
    accounts: tuple[str, ...] = (),
    account_arrears: tuple[tuple[int, ...], ...] = (),
    platform: tuple[tuple[int, ...], ...] = (),
) -> Samples:
    """One group's samples, ten minutes apart, with ``rows`` as its statuses."""
    return Samples(
        times=tuple(600.0 * k for k in range(len(rows))),
        groups=("g",),
        counts=tuple((row,) for row in rows),
        accounts=accounts,
        account_arrears=account_arrears,
        platform=platform,
    )


# ------------------------------------------------------- the in-transit scale
def test_the_overdue_stops_spike_is_cut_off_and_labelled_with_its_value(
    busy: SimulationResult, busy_svg: ET.Element
) -> None:
    stopping = [row[STOPPING] for row in busy.samples.totals()]
    assert max(stopping) == busy.summary.platform["overdue_stop"] > 100
    # The usual handful keeps the scale: it is cut at 5, and says so.
    axis = [t for t in texts(busy_svg) if t.isdigit()]
    assert "5" in axis
    assert "scale cut at 5:" in texts(busy_svg)
    assert [p.get("class") for p in busy_svg.findall(f"{SVG}path")] == ["cut"]
    assert texts(busy_svg, "peak") == [f"{max(stopping):,} Stopping"]
    # No line leaves the panel: every point is at most at the cut.
    lower = list(busy_svg.iter(f"{SVG}polyline"))
    tops = {min(float(xy.split(",")[1]) for xy in p.get("points", "").split()) for p in lower}
    marker = next(g for g in busy_svg.iter(f"{SVG}g") if g.get("class") == "peak")
    peak_top = float(marker[0].get("d", "").split()[1].split(",")[1])
    assert min(tops) >= peak_top


def test_a_scale_is_cut_only_above_a_spike_far_over_the_usual_range() -> None:
    assert in_transit_scale([]) == (1, False)
    assert in_transit_scale([0, 0, 0]) == (1, False)
    assert in_transit_scale([3, 7, 12, 9]) == (12, False)
    usual = [k % 15 for k in range(300)]
    assert in_transit_scale([*usual, 4_000]) == (20, True)
    assert in_transit_scale([*usual, 55]) == (55, False)
    assert in_transit_scale([*usual, 61]) == (20, True)


def test_every_peak_over_the_cut_is_labelled_and_labels_do_not_overlap() -> None:
    rows = [(0, 2, 0, 1, 0)] * 400
    rows[50] = (0, 2, 0, 3_000, 0)
    rows[51] = (0, 900, 0, 2, 0)
    rows[52] = (0, 2, 0, 2_500, 0)
    rows[53] = (0, 2, 0, 2_600, 0)  # one run over the cut: one label, at its highest
    rows[399] = (0, 2, 0, 700, 0)  # at the right edge: labelled to the left
    root = ET.fromstring(status_svg(samples_of(rows), title="peaks"))
    assert texts(root, "peak") == [
        "3,000 Stopping",
        "900 Starting",
        "2,600 Stopping",
        "700 Stopping",
    ]
    peaks = [g.find(f"{SVG}text") for g in root.iter(f"{SVG}g") if g.get("class") == "peak"]
    spots = [(p.get("y"), p.get("text-anchor")) for p in peaks if p is not None]
    assert [anchor for _, anchor in spots] == ["start", "start", "start", "end"]
    assert len({y for y, _ in spots[:3]}) == 3  # three close together: three rows


def test_labels_are_placed_in_rows_so_that_none_overlap() -> None:
    # Centred where there is room, held inside the plot at either edge.
    assert _place_labels([(80.0, "at the left"), (400.0, "x"), (790.0, "right")], 800.0) == [
        (0, "start", 80.0),
        (0, "middle", 400.0),
        (0, "end", 790.0),
    ]
    assert [row for row, _, _ in _place_labels([(300.0, "long label"), (310.0, "b")], 800)] == [
        0,
        1,
    ]
    assert _place_labels([(100.0, "beside"), (790.0, "beside")], 800.0, beside=True) == [
        (0, "start", 106.0),
        (0, "end", 784.0),
    ]


def test_an_uncut_axis_names_no_cut_and_labels_no_peak() -> None:
    root = ET.fromstring(status_svg(samples_of([(0, 3, 1, 2, 0)] * 10), title="calm"))
    assert not texts(root, "peak")
    assert not [t for t in texts(root) if t.startswith("scale cut")]


def test_a_cut_on_a_round_tick_is_not_labelled_twice() -> None:
    # Cut at 20, ticks 0, 5, ..., 20: the top tick is the cut.
    rows = [(0, k % 15, 0, 0, 0) for k in range(300)] + [(0, 4_000, 0, 0, 0)]
    axis = [t for t in texts(ET.fromstring(status_svg(samples_of(rows), title="t"))) if t == "20"]
    assert len(axis) == 1


# ------------------------------------------------------------ platform events
def test_the_overdue_stop_and_the_reactivation_are_marked_where_they_happen(
    busy: SimulationResult, busy_svg: ET.Element
) -> None:
    platform = busy.summary.platform
    assert texts(busy_svg, "event") == [
        f"overdue stop: {platform['overdue_stop']:,}",
        f"reactivated: {platform['reactivation']:,}",
    ]
    # Each dashed line stands on the first sample after its event.
    samples = busy.samples
    lines = [
        float(g[0].get("x1", ""))
        for g in busy_svg.iter(f"{SVG}g")
        if g.get("class") == "event" and g[0].get("stroke-dasharray")
    ]
    for event, x in zip(("overdue_stop", "reactivation"), lines, strict=True):
        e = PLATFORM_EVENTS.index(event)
        k = next(k for k, row in enumerate(samples.platform) if row[e])
        assert abs(x - (78 + 712 * samples.times[k] / samples.times[-1])) < 0.1


def test_expiry_stops_are_drawn_as_a_lane_of_waves(
    busy: SimulationResult, busy_svg: ET.Element
) -> None:
    expired = busy.summary.platform["expiry_stop"]
    lanes = texts(busy_svg, "lane")
    assert lanes[0] == f"{expired:,} PrePaid expiry stops"
    # Renewals are RenewInstance calls now (issue 13): their own lane.
    assert all(lane.endswith("renewed by owners") for lane in lanes[1:])
    lane = next(g for g in busy_svg.iter(f"{SVG}g") if g.get("class") == "lane")
    bars = lane.findall(f"{SVG}rect")
    e = PLATFORM_EVENTS.index("expiry_stop")
    rows = busy.samples.platform
    assert len(bars) == sum(rows[k][e] > rows[k - 1][e] for k in range(1, len(rows)))


def test_events_at_the_first_sample_and_unrecorded_events() -> None:
    rows = [(0, 0, 5, 0, 0)] * 4
    none = (0,) * len(PLATFORM_EVENTS)
    expired = tuple(int(e == "expiry_stop") for e in PLATFORM_EVENTS)
    at_start = samples_of(rows, platform=(expired, expired, expired, expired))
    root = ET.fromstring(status_svg(at_start, title="t"))
    assert texts(root, "lane") == ["1 PrePaid expiry stops"]
    quiet = ET.fromstring(status_svg(samples_of(rows, platform=(none,) * 4), title="t"))
    unrecorded = ET.fromstring(status_svg(samples_of(rows), title="t"))
    for root in (quiet, unrecorded):
        assert not texts(root, "lane")
        assert not texts(root, "event")


# ---------------------------------------------------------------- the title
def test_the_title_names_the_workload_file_and_the_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--instances", "40", "--days", "0.05"]
    plots = {
        "busy.toml, seed 9: 40 instances by status over 0.05 days": [
            "--workload",
            str(EXAMPLES / "busy.toml"),
            "--seed",
            "9",
            *common,
        ],
        "default workload, seed 42: 40 instances by status over 0.05 days": common,
    }
    for title, argv in plots.items():
        plot = tmp_path / "plot.svg"
        assert main(["simulate", *argv, "--plot", str(plot)]) == 0
        root = ET.fromstring(plot.read_text(encoding="utf-8"))
        assert texts(root)[0] == title
    snapshot = tmp_path / "half.snap"
    assert main(["simulate", *common, "--snapshot", str(snapshot), "--until", "0.02"]) == 0
    assert main(["simulate", "--resume", str(snapshot), "--plot", str(tmp_path / "r.svg")]) == 0
    resumed = ET.fromstring((tmp_path / "r.svg").read_text(encoding="utf-8"))
    assert texts(resumed)[0].startswith("resumed from half.snap, seed 42: 40 instances")
    capsys.readouterr()


def test_the_same_seed_draws_the_same_bytes(busy: SimulationResult) -> None:
    again = Simulation(small_busy(), seed=7).run()
    title = "busy.toml, seed 7"
    assert status_svg(again.samples, title=title) == status_svg(busy.samples, title=title)


# ------------------------------------------------------------ arrears bands
def test_each_account_has_its_own_labelled_arrears_band() -> None:
    workload = replace(load_workload(EXAMPLES / "two-accounts.toml").scaled(200), days=1.5)
    result = SimulationResult.combine(
        [Simulation(workload, seed=3, account=a.name).run() for a in workload.accounts]
    )
    samples = result.samples
    assert samples.accounts == ("team-a", "team-b")
    # team-b runs dry on day one and never pays: in arrears from then to the end.
    team_b = samples.account_arrears[1]
    assert team_b[-1] == 1
    assert team_b != samples.account_arrears[0]
    root = ET.fromstring(status_svg(samples, title="two accounts"))
    assert texts(root, "arrears") == ["in arrears: team-a", "in arrears: team-b"]
    bands = [g for g in root.iter(f"{SVG}g") if g.get("class") == "arrears"]
    strips = bands[1].findall(f"{SVG}rect")
    assert len(strips) == 1
    assert strips[0].findtext(f"{SVG}title") == "team-b in arrears"
    first = team_b.index(1)
    x = 78 + 712 * samples.times[first] / samples.times[-1]
    assert abs(float(strips[0].get("x", "")) - x) < 0.1


def test_bands_stack_one_row_per_account_and_each_shows_its_own_stretches() -> None:
    rows = [(0, 0, 1, 0, 0)] * 6
    samples = samples_of(
        rows,
        accounts=("a", "b<&>", "c"),
        account_arrears=((0, 1, 1, 0, 0, 0), (1, 0, 0, 0, 1, 1), (0,) * 6),
    )
    root = ET.fromstring(status_svg(samples, title="t"))
    bands = [g for g in root.iter(f"{SVG}g") if g.get("class") == "arrears"]
    assert texts(root, "arrears") == ["in arrears: a", "in arrears: b<&>", "in arrears: c (never)"]
    ys = [{r.get("y") for r in g.findall(f"{SVG}rect")} for g in bands]
    assert len(ys[0]) == len(ys[1]) == 1
    assert ys[0] != ys[1]
    assert [len(g.findall(f"{SVG}rect")) for g in bands] == [1, 2, 0]
    # Not recorded at all: no band.
    assert not texts(ET.fromstring(status_svg(samples_of(rows), title="t")), "arrears")


# ------------------------------------------------------------------ legend
def test_the_legend_lists_only_the_statuses_that_occur(busy_svg: ET.Element) -> None:
    legend = [t for t in texts(busy_svg) if t in {s.value for s in InstanceStatus}]
    assert legend == ["Stopped", "Stopping", "Starting", "Running"]  # no Pending in busy.toml
    rows = [(0, 0, 4, 0, 0), (2, 0, 4, 0, 0)]
    root = ET.fromstring(status_svg(samples_of(rows), title="t"))
    assert [t for t in texts(root) if t in {s.value for s in InstanceStatus}] == [
        "Pending",
        "Running",
    ]
    assert len(root.findall(f"{SVG}polygon")) == 2
    assert [p.get("stroke") for p in root.findall(f"{SVG}polyline")] == ["#8e24aa"]


# ------------------------------------------------------- the data behind it
def test_samples_record_platform_events_and_arrears_per_account_and_combine_them() -> None:
    one = samples_of(
        [(1, 0, 0, 0, 0)] * 2,
        accounts=("a",),
        account_arrears=((0, 1),),
        platform=((0,) * 10, (1,) * 10),
    )
    two = replace(one, groups=("h",), accounts=("b",), account_arrears=((1, 1),))
    both = Samples.combine([one, two])
    assert both.accounts == ("a", "b")
    assert both.account_arrears == ((0, 1), (1, 1))
    assert both.platform == ((0,) * 10, (2,) * 10)
    unrecorded = Samples.combine([one, replace(two, account_arrears=(), platform=())])
    assert (unrecorded.account_arrears, unrecorded.platform) == ((), ())
    data = both.to_dict()
    assert data["platform_events"] == list(PLATFORM_EVENTS)
    assert data["account_arrears"] == [[0, 1], [1, 1]]
    assert data["platform"] == [[0] * 10, [2] * 10]


def _resaved(data: bytes, change: object) -> bytes:
    document = decode(data)
    engine = document["accounts"][0]["engine"]
    if change is None:
        del engine["sample_platform"]
    else:
        engine["sample_platform"] = change
    return encode(document)


def test_a_resumed_run_keeps_its_platform_samples_and_an_older_snapshot_has_none() -> None:
    workload = replace(small_busy(), days=0.5)
    whole = Simulation(workload, seed=7).run()
    half = Simulation(workload, seed=7)
    half.run(workload.seconds / 2)
    data = half.snapshot()
    assert Simulation.restore(data).run().samples == whole.samples
    older = Simulation.restore(_resaved(data, None)).run().samples
    assert older.platform == ()
    assert older.counts == whole.samples.counts
    taken = len(decode(data)["accounts"][0]["engine"]["samples"])
    for bad in ("x", [[0] * 10] * (taken + 1), [[0] * 9] * taken, [[-1] * 10] * taken):
        with pytest.raises(SnapshotError, match="sample_platform"):
            Simulation.restore(_resaved(data, bad))
