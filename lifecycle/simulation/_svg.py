"""The status-over-time picture, as SVG text written by hand.

No plotting library: the picture is two panels of polygons and polylines, a
few hundred lines of text, and a dependency would cost more than it draws.
Upper panel: every instance, stacked by status, under a red strip while an
account is in arrears. Lower panel: the transitory
statuses on their own scale, since a few hundred Starting instances vanish
beside a hundred thousand Running ones. Every number is formatted with a fixed
precision, so the same samples give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from xml.sax.saxutils import escape

from ._summary import STATUS_NAMES, Samples

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

_WIDTH: Final = 960
_LEFT: Final = 78
_RIGHT: Final = 150
_TOP: Final = 48
_UPPER: Final = 300
_GAP: Final = 56
_LOWER: Final = 140
_HEIGHT: Final = _TOP + _UPPER + _GAP + _LOWER + 44


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


def status_svg(samples: Samples, *, title: str) -> str:
    """Draw how many instances were in each status over time.

    Args:
        samples: The run's samples (at least two).
        title: The picture's heading.

    Returns:
        A standalone SVG document.
    """
    totals = samples.totals()
    times = samples.times
    end = times[-1] if times and times[-1] > 0 else 1.0
    plot_width = _WIDTH - _LEFT - _RIGHT
    xs = [_LEFT + plot_width * t / end for t in times]
    index = {name: i for i, name in enumerate(STATUS_NAMES)}
    fleet = max((sum(row) for row in totals), default=0) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{_WIDTH}" height="{_HEIGHT}" fill="white"/>',
        f'<text x="{_LEFT}" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    # Above the upper panel: a red strip while an account is in arrears.
    arrears = samples.arrears if len(samples.arrears) == len(times) else (0,) * len(times)
    k = 0
    while k < len(times):
        if not arrears[k]:
            k += 1
            continue
        first = k
        while k + 1 < len(times) and arrears[k + 1]:
            k += 1
        right = xs[k + 1] if k + 1 < len(times) else xs[k]
        out.append(
            f'<rect x="{xs[first]:.1f}" y="{_TOP - 10}" width="{max(right - xs[first], 1.0):.1f}" '
            f'height="6" fill="{ARREARS}"><title>in arrears</title></rect>'
        )
        k += 1
    # Upper panel: stacked areas.
    bottom_y = _TOP + _UPPER
    below = [0.0] * len(times)
    for name in STACK:
        column = index[name]
        above = [b + row[column] for b, row in zip(below, totals, strict=True)]
        upper = [bottom_y - _UPPER * v / fleet for v in above]
        lower = [bottom_y - _UPPER * v / fleet for v in below]
        outline = _points(xs, upper) + " " + _points(xs[::-1], lower[::-1])
        out.append(f'<polygon points="{outline}" fill="{COLOURS[name]}" fill-opacity="0.85"/>')
        below = above
    out += _axis_y(_TOP, _UPPER, fleet, "instances")
    # Lower panel: transitory statuses as lines on their own scale.
    top = _TOP + _UPPER + _GAP
    peak = max((row[index[n]] for row in totals for n in TRANSITORY), default=0) or 1
    for name in TRANSITORY:
        column = index[name]
        ys = [top + _LOWER - _LOWER * row[column] / peak for row in totals]
        out.append(
            f'<polyline points="{_points(xs, ys)}" fill="none" '
            f'stroke="{COLOURS[name]}" stroke-width="1.5"/>'
        )
    out += _axis_y(top, _LOWER, peak, "in transit")
    out += _axis_x(end, plot_width, (_TOP, _UPPER), (top, _LOWER))
    # Legend.
    x = _WIDTH - _RIGHT + 16
    for k, name in enumerate(reversed(STACK)):
        y = _TOP + 8 + 22 * k
        out.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{COLOURS[name]}"/>')
        out.append(f'<text x="{x + 20}" y="{y + 11}">{name}</text>')
    y = _TOP + 8 + 22 * len(STACK) + 8
    out.append(f'<rect x="{x}" y="{y + 4}" width="14" height="6" fill="{ARREARS}"/>')
    out.append(f'<text x="{x + 20}" y="{y + 11}">in arrears</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _axis_y(top: int, height: int, peak: int, label: str) -> list[str]:
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
    return lines


def _axis_x(end: float, width: int, upper: tuple[int, int], lower: tuple[int, int]) -> list[str]:
    unit, name, ticks = _time_ticks(end)
    lines = []
    for top, height in (upper, lower):
        y = top + height
        lines.append(f'<line x1="{_LEFT}" y1="{y}" x2="{_LEFT + width}" y2="{y}" stroke="black"/>')
    y = lower[0] + lower[1]
    for tick in ticks:
        x = _LEFT + width * tick / end
        lines.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="black"/>')
        lines.append(f'<text x="{x:.1f}" y="{y + 17}" text-anchor="middle">{tick / unit:g}</text>')
    lines.append(
        f'<text x="{_LEFT + width / 2:.1f}" y="{y + 34}" text-anchor="middle">'
        f"simulated time ({name}s)</text>"
    )
    return lines
