"""The status-over-time picture, as SVG text written by hand.

No plotting library: the picture is two panels of polygons and polylines, a
few hundred lines of text, and a dependency would cost more than it draws.
From the top down:

- one labelled arrears band per account: red while that account is in arrears;
- labels for the platform's bursts (the overdue stop, reactivation after
  payment), each with a dashed line down through both panels;
- the upper panel: every instance, stacked by status;
- a lane for PrePaid expiry stops, which come in waves over days rather than
  at once: per sample interval, a bar as tall as its share of the busiest;
  likewise, when the workload has them, lanes for instances launched
  (RunInstances) and released (DeleteInstance) and for renewals by owners and
  by AutoRenew (RenewInstance); reactivations (ReActivateInstances) are a burst;
- the lower panel: the transitory statuses on their own scale, since a few
  hundred Starting instances vanish beside a hundred thousand Running ones.
  When one spike (thousands Stopping at the overdue stop) would flatten the
  usual handful onto the baseline, the scale is cut above the usual range and
  each peak above the cut is labelled with its value.

The legend lists only the statuses that occur. Every number is formatted with
a fixed precision, so the same samples give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from xml.sax.saxutils import escape

from ._summary import FLEET_EVENTS, PLATFORM_EVENTS, STATUS_NAMES, Samples

__all__ = ["status_svg"]

#: Fill colours per status, and the stacking order from the bottom up.
COLOURS: Final = {
    "Running": "#2e7d32",
    "Starting": "#1565c0",
    "Stopping": "#ef6c00",
    "Pending": "#8e24aa",
    "Stopped": "#90a4ae",
}
STACK: Final = ("Running", "Starting", "Stopping", "Pending", "Stopped")
ARREARS: Final = "#b71c1c"
TRANSITORY: Final = ("Pending", "Starting", "Stopping")
#: The platform events drawn: (event, its lane's label or "" for none, colour,
#: the label of a burst's dashed line or "" for none).
LANES: Final = (
    ("expiry_stop", "PrePaid expiry stops", "#5d4037", ""),
    ("overdue_stop", "", ARREARS, "overdue stop"),
    ("reactivation", "", "#00695c", "reactivated"),
)
#: The fleet's changes drawn as lanes (``Samples.fleet``), as ``LANES``.
FLEET_LANES: Final = (
    ("launch", "launched", "#283593", ""),
    ("delete", "released", "#424242", ""),
    ("renew_manual", "renewed by owners", "#6a1b9a", ""),
    ("renew_auto", "renewed by AutoRenew", "#ad1457", ""),
)

_WIDTH: Final = 960
_LEFT: Final = 78
_RIGHT: Final = 170
_UPPER: Final = 300
_LOWER: Final = 140
_BAND: Final = 14  # an arrears band's row
_MARK_ROW: Final = 15  # a burst label's row
_LANE: Final = 16  # an event lane's row
_CHAR: Final = 6.4  # the width of a character at font-size 11, to keep labels apart
#: The in-transit scale is cut when the peak is over this many times the usual range.
_CUT_RATIO: Final = 3


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each part of the picture goes, from the number of its rows."""

    bands: int
    mark_rows: int
    lanes: int

    @property
    def band_top(self) -> int:
        return 38

    @property
    def top(self) -> int:
        """The upper panel's top."""
        return self.band_top + _BAND * self.bands + _MARK_ROW * self.mark_rows + 8

    @property
    def lane_top(self) -> int:
        return self.top + _UPPER + 10

    @property
    def lower_top(self) -> int:
        return self.lane_top + _LANE * self.lanes + 24

    @property
    def height(self) -> int:
        return self.lower_top + _LOWER + 44


def _nice_step(span: float, ticks: int) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks."""
    raw = span / max(ticks, 1)
    power = 1.0
    while power * 10 <= raw:
        power *= 10
    while power > raw:
        power /= 10
    for factor in (1, 2, 5, 10):
        if power * factor >= raw:
            return power * factor
    return power * 10  # pragma: no cover - the loop above always returns


def _nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above ``value``."""
    ceiling = 1
    while True:
        for factor in (1, 2, 5):
            if ceiling * factor >= value:
                return ceiling * factor
        ceiling *= 10


def _time_ticks(end: float) -> tuple[float, str, list[float]]:
    """Tick spacing in seconds, the unit's name and the tick positions."""
    if end >= 2 * 86_400:
        unit, name = 86_400.0, "day"
    elif end >= 2 * 3_600:
        unit, name = 3_600.0, "hour"
    else:
        unit, name = 60.0, "minute"
    step = _nice_step(end / unit, 10) * unit
    count = int(end / step + 1e-9)
    return unit, name, [k * step for k in range(count + 1)]


def _points(xs: Sequence[float], ys: Sequence[float]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


def in_transit_scale(values: Sequence[int]) -> tuple[int, bool]:
    """The lower panel's top value, and whether it cuts off higher peaks.

    The usual range is what 99 samples in 100 stay within; when the peak is
    over ``_CUT_RATIO`` times a round value above it, the scale stops at that
    round value, so a single spike does not flatten the rest.
    """
    peak = max(values, default=0)
    if peak <= 0:
        return 1, False
    ordered = sorted(values)
    usual = ordered[(len(ordered) - 1) * 99 // 100]
    ceiling = _nice_ceiling(max(usual * 1.25, 1))
    if peak > _CUT_RATIO * ceiling:
        return ceiling, True
    return peak, False


def _arrears_rows(samples: Samples) -> list[tuple[str, tuple[int, ...]]]:
    """One (label, in arrears per sample) row per account, as recorded."""
    n = len(samples.times)
    rows = samples.account_arrears
    if samples.accounts and len(rows) == len(samples.accounts) and all(len(r) == n for r in rows):
        return list(zip(samples.accounts, rows, strict=True))
    if len(samples.arrears) == n:
        # Older samples: how many accounts, not which.
        return [("any account", tuple(int(a > 0) for a in samples.arrears))]
    return []


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """The (first, last) index of each run of true values."""
    runs = []
    k = 0
    while k < len(flags):
        if flags[k]:
            first = k
            while k + 1 < len(flags) and flags[k + 1]:
                k += 1
            runs.append((first, k))
        k += 1
    return runs


def _event_deltas(samples: Samples) -> dict[str, list[int]]:
    """Per drawn event that happened: how many in the interval ending at each sample.

    The first sample (time 0) counts what happened at time 0.
    """
    platform = samples.platform
    if len(platform) != len(samples.times) or not platform:
        return {}
    deltas = {}
    for event, *_ in LANES:
        e = PLATFORM_EVENTS.index(event)
        series = [platform[0][e]]
        series += [platform[k][e] - platform[k - 1][e] for k in range(1, len(platform))]
        if any(series):
            deltas[event] = series
    fleet = samples.fleet
    if len(fleet) == len(samples.times):
        for event, *_ in FLEET_LANES:
            e = FLEET_EVENTS.index(event)
            series = [fleet[0][e]] + [fleet[k][e] - fleet[k - 1][e] for k in range(1, len(fleet))]
            if any(series):
                deltas[event] = series
    return deltas


def _place_labels(
    labels: Sequence[tuple[float, str]], right: float, *, beside: bool = False
) -> list[tuple[int, str, float]]:
    """Each label's row, anchor and x, so that no two in a row overlap.

    Args:
        labels: (x, text) in x order.
        right: The rightmost x a label may reach.
        beside: Put each label beside its x (to the right, or to the left near
            the right edge) rather than centred on it.
    """
    ends: list[float] = []
    placed = []
    for x, text in labels:
        width = _CHAR * len(text)
        gap = 6 if beside else 0
        if beside and x + gap + width <= right:
            anchor, at, start = "start", x + gap, x + gap
        elif beside:
            anchor, at, start = "end", x - gap, x - gap - width
        elif x - width / 2 < _LEFT:
            anchor, at, start = "start", x, x
        elif x + width / 2 > right:
            anchor, at, start = "end", x, x - width
        else:
            anchor, at, start = "middle", x, x - width / 2
        row = next((r for r, end in enumerate(ends) if start > end + 6), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = start + width
        placed.append((row, anchor, at))
    return placed


@dataclass(frozen=True, slots=True)
class _Frame:
    """What every part of the picture is placed by."""

    totals: list[tuple[int, ...]]
    xs: list[float]
    occurring: list[str]
    layout: _Layout
    right: int

    def column(self, name: str) -> list[int]:
        """Instances in status ``name`` at each sample."""
        index = STATUS_NAMES.index(name)
        return [row[index] for row in self.totals]


def status_svg(samples: Samples, *, title: str) -> str:
    """Draw how many instances were in each status over time.

    Args:
        samples: The run's samples (at least two).
        title: The picture's heading (say which workload and seed).

    Returns:
        A standalone SVG document.
    """
    totals = samples.totals()
    times = samples.times
    end = times[-1] if times and times[-1] > 0 else 1.0
    plot_width = _WIDTH - _LEFT - _RIGHT
    xs = [_LEFT + plot_width * t / end for t in times]
    occurring = [n for n in STACK if any(row[STATUS_NAMES.index(n)] for row in totals)]
    bands = _arrears_rows(samples)
    deltas = _event_deltas(samples)
    # The bursts: a dashed line and a label where each run of them begins.
    bursts: list[tuple[float, str]] = []
    for event, _, _, mark in LANES:
        if mark and event in deltas:
            series = deltas[event]
            for first, last in _runs([d > 0 for d in series]):
                bursts.append((xs[first], f"{mark}: {sum(series[first : last + 1]):,}"))
    bursts.sort()
    placed = _place_labels(bursts, _LEFT + plot_width)
    lanes = [e for e in (*LANES, *FLEET_LANES) if e[1] and e[0] in deltas]
    layout = _Layout(len(bands), max((row + 1 for row, _, _ in placed), default=0), len(lanes))
    frame = _Frame(totals, xs, occurring, layout, _LEFT + plot_width)
    height = layout.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{_WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{_LEFT}" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    out += _draw_bands(frame, bands)
    # Bursts: a label above the upper panel, a dashed line down through both panels.
    bottom = layout.lower_top + _LOWER
    for (x, text), (row, anchor, at) in zip(bursts, placed, strict=True):
        y = layout.band_top + _BAND * len(bands) + _MARK_ROW * row + 9
        out.append(
            f'<g class="event"><line x1="{x:.1f}" y1="{y + 3}" x2="{x:.1f}" y2="{bottom}" '
            'stroke="#212121" stroke-dasharray="4 3" stroke-opacity="0.7"/>'
            f'<text x="{at:.1f}" y="{y}" font-size="11" text-anchor="{anchor}">{text}</text></g>'
        )
    out += _draw_upper(frame)
    for lane, (event, label, colour, _) in enumerate(lanes):
        out += _draw_lane(frame, layout.lane_top + _LANE * lane, deltas[event], label, colour)
    out += _draw_lower(frame)
    out += _axis_x(end, plot_width, layout.top + _UPPER, bottom)
    # Legend: the statuses that occur, top of the stack first.
    x = frame.right + 16
    for k, name in enumerate(reversed(occurring)):
        y = layout.top + 8 + 22 * k
        out.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{COLOURS[name]}"/>')
        out.append(f'<text x="{x + 20}" y="{y + 11}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _draw_bands(frame: _Frame, bands: list[tuple[str, tuple[int, ...]]]) -> list[str]:
    """One arrears band per account: a grey track, red while in arrears, named on the right."""
    out = []
    xs = frame.xs
    for row, (account, flags) in enumerate(bands):
        y = frame.layout.band_top + _BAND * row
        out.append(
            f'<g class="arrears"><line x1="{_LEFT}" y1="{y + 3}" x2="{frame.right}" y2="{y + 3}" '
            'stroke="#000" stroke-opacity="0.15"/>'
        )
        spans = _runs([bool(a) for a in flags])
        for first, last in spans:
            right = xs[last + 1] if last + 1 < len(xs) else xs[last]
            out.append(
                f'<rect x="{xs[first]:.1f}" y="{y}" width="{max(right - xs[first], 1.0):.1f}" '
                f'height="6" fill="{ARREARS}"><title>{escape(account)} in arrears</title></rect>'
            )
        note = "" if spans else " (never)"
        out.append(
            f'<text x="{frame.right + 8}" y="{y + 7}" font-size="11">'
            f"in arrears: {escape(account)}{note}</text></g>"
        )
    return out


def _draw_upper(frame: _Frame) -> list[str]:
    """The upper panel: every instance, stacked by status."""
    out = []
    top = frame.layout.top
    bottom = top + _UPPER
    fleet = max((sum(row) for row in frame.totals), default=0) or 1
    below = [0] * len(frame.xs)
    for name in STACK:
        above = [b + v for b, v in zip(below, frame.column(name), strict=True)]
        if name in frame.occurring:
            upper = [bottom - _UPPER * v / fleet for v in above]
            lower = [bottom - _UPPER * v / fleet for v in below]
            outline = _points(frame.xs, upper) + " " + _points(frame.xs[::-1], lower[::-1])
            out.append(f'<polygon points="{outline}" fill="{COLOURS[name]}" fill-opacity="0.85"/>')
        below = above
    return out + _axis_y(top, _UPPER, fleet, "instances")


def _draw_lane(frame: _Frame, y: int, series: list[int], label: str, colour: str) -> list[str]:
    """An event lane: per sample interval, a bar as tall as its share of the busiest one."""
    xs = frame.xs
    most = max(series)
    out = [f'<g class="lane"><title>{label}</title>']
    for k, count in enumerate(series):
        if count:
            left = xs[k - 1] if k else xs[0]
            bar = max(12 * count / most, 1.5)
            out.append(
                f'<rect x="{left:.1f}" y="{y + 13 - bar:.1f}" '
                f'width="{max(xs[k] - left, 1.0):.1f}" height="{bar:.1f}" fill="{colour}"/>'
            )
    out.append(
        f'<text x="{frame.right + 8}" y="{y + 10}" font-size="11">'
        f"{sum(series):,} {label}</text></g>"
    )
    return out


def _draw_lower(frame: _Frame) -> list[str]:
    """The lower panel: transitory statuses as lines, the scale cut above the usual range."""
    out = []
    top = frame.layout.lower_top
    xs = frame.xs
    drawn = [n for n in TRANSITORY if n in frame.occurring]
    ceiling, cut = in_transit_scale([v for n in drawn for v in frame.column(n)])
    peaks: list[tuple[float, str, str]] = []
    for name in drawn:
        values = frame.column(name)
        ys = [top + _LOWER - _LOWER * min(v, ceiling) / ceiling for v in values]
        out.append(
            f'<polyline points="{_points(xs, ys)}" fill="none" '
            f'stroke="{COLOURS[name]}" stroke-width="1.5"/>'
        )
        for first, last in _runs([v > ceiling for v in values]):
            k = max(range(first, last + 1), key=values.__getitem__)
            peaks.append((xs[k], f"{values[k]:,} {name}", COLOURS[name]))
    # Each peak above the cut: a marker at the top and its value beside it.
    peaks.sort()
    spots = _place_labels([(x, text) for x, text, _ in peaks], frame.right, beside=True)
    for (x, text, colour), (row, anchor, at) in zip(peaks, spots, strict=True):
        out.append(
            f'<g class="peak"><path d="M{x - 4:.1f},{top + 6} L{x:.1f},{top} '
            f'L{x + 4:.1f},{top + 6} Z" fill="{colour}"/><text x="{at:.1f}" '
            f'y="{top + 12 + 13 * row}" font-size="11" text-anchor="{anchor}" fill="{colour}" '
            f'stroke="white" stroke-width="3" paint-order="stroke">{text}</text></g>'
        )
    out += _axis_y(top, _LOWER, ceiling, "in transit", top_label=cut)
    if cut:
        out += [
            f'<path class="cut" d="M{_LEFT - 6},{top + 8} l12,-5 M{_LEFT - 6},{top + 12} l12,-5" '
            'stroke="black"/>',
            f'<text x="{frame.right + 8}" y="{top + 12}" font-size="11">'
            f"scale cut at {ceiling:,}:</text>",
            f'<text x="{frame.right + 8}" y="{top + 26}" font-size="11">'
            "peaks above it labelled</text>",
        ]
    return out


def _axis_y(top: int, height: int, peak: int, label: str, *, top_label: bool = False) -> list[str]:
    step = max(1.0, _nice_step(peak, 4))
    lines = [
        f'<line x1="{_LEFT}" y1="{top}" x2="{_LEFT}" y2="{top + height}" stroke="black"/>',
        f'<text x="16" y="{top + height / 2:.1f}" transform="rotate(-90 16 '
        f'{top + height / 2:.1f})" text-anchor="middle">{label}</text>',
    ]
    value = 0.0
    while value <= peak + 1e-9:
        y = top + height - height * value / peak
        lines.append(
            f'<line x1="{_LEFT - 4}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" '
            'stroke="#000" stroke-opacity="0.12"/>'
        )
        lines.append(f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{value:,.0f}</text>')
        value += step
    if top_label and value - step < peak:
        lines.append(f'<text x="{_LEFT - 8}" y="{top + 4}" text-anchor="end">{peak:,}</text>')
    return lines


def _axis_x(end: float, width: int, upper: int, lower: int) -> list[str]:
    unit, name, ticks = _time_ticks(end)
    lines = [
        f'<line x1="{_LEFT}" y1="{y}" x2="{_LEFT + width}" y2="{y}" stroke="black"/>'
        for y in (upper, lower)
    ]
    for tick in ticks:
        x = _LEFT + width * tick / end
        lines.append(
            f'<line x1="{x:.1f}" y1="{lower}" x2="{x:.1f}" y2="{lower + 4}" stroke="black"/>'
        )
        lines.append(
            f'<text x="{x:.1f}" y="{lower + 17}" text-anchor="middle">{tick / unit:g}</text>'
        )
    lines.append(
        f'<text x="{_LEFT + width / 2:.1f}" y="{lower + 34}" text-anchor="middle">'
        f"simulated time ({name}s)</text>"
    )
    return lines
