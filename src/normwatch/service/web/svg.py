"""Small server-side SVG bar charts (no JavaScript): stacked vertical and horizontal bars.

Colours come from CSS classes (``series-0`` …) in ``static/style.css``; every bar carries a
``<title>`` with its value, and every chart is labelled for screen readers by its caption.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int]
    css: str


def _ticks(top: int) -> list[int]:
    if top <= 0:
        return [0]
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        step = candidate
        if top / candidate <= 5:
            break
    return list(range(0, top + step, step))


def _legend(series: list[Series], y: float) -> str:
    parts, x = [], 0.0
    for s in series:
        parts.append(f'<rect class="{s.css}" x="{x:.0f}" y="{y - 10:.0f}" width="12" height="12"/>'
                     f'<text x="{x + 16:.0f}" y="{y:.0f}" class="legend">{escape(s.name)}</text>')
        x += 26 + 8 * len(s.name)
    return "".join(parts)


def columns(labels: list[str], series: list[Series], labelled_by: str, height: int = 260) -> Markup:
    """Stacked vertical bars, one per label (e.g. one per year)."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    ticks = _ticks(max(totals, default=0))
    top = ticks[-1] or 1
    left, bottom, legend = 36, 40, 22 if len(series) > 1 else 12
    width = max(320, left + 26 * len(labels) + 10)
    plot_h = height - bottom - legend
    band = (width - left - 10) / max(1, len(labels))
    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="{labelled_by}" '
           f'class="chart" style="max-width: {width * 1.5:.0f}px" preserveAspectRatio="xMinYMin meet" '
           'xmlns="http://www.w3.org/2000/svg">']
    if len(series) > 1:
        out.append(_legend(series, 14))
    for t in ticks:
        y = legend + plot_h - plot_h * t / top
        out.append(f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{t}</text>')
    for i, label in enumerate(labels):
        x = left + i * band + band * 0.15
        base = float(legend + plot_h)
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            out.append(f'<rect class="{s.css}" x="{x:.1f}" y="{base:.1f}" width="{band * 0.7:.1f}" '
                       f'height="{h:.1f}"><title>{escape(label)}: {value} {escape(s.name)}</title></rect>')
        lx = x + band * 0.35
        out.append(f'<text class="tick" transform="translate({lx:.1f},{legend + plot_h + 8}) rotate(60)">'
                   f'{escape(label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def bars(
    labels: list[str], series: list[Series], labelled_by: str, label_width: int = 150, width: int = 640
) -> Markup:
    """Stacked horizontal bars, one row per label (e.g. one per norm)."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    row, legend = 22, 26 if len(series) > 1 else 4
    plot_w = width - label_width - 40
    height = legend + row * len(labels) + 6
    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="{labelled_by}" '
           f'class="chart" style="max-width: {width * 1.5:.0f}px" preserveAspectRatio="xMinYMin meet" '
           'xmlns="http://www.w3.org/2000/svg">']
    if len(series) > 1:
        out.append(_legend(series, 14))
    for i, label in enumerate(labels):
        y = legend + i * row
        out.append(f'<text class="tick" x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        x = float(label_width)
        for s in series:
            value = s.values[i]
            if not value:
                continue
            w = plot_w * value / top
            out.append(f'<rect class="{s.css}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}">'
                       f'<title>{escape(label)}: {value} {escape(s.name)}</title></rect>')
            x += w
        out.append(f'<text class="tick" x="{x + 4:.1f}" y="{y + 15}">{totals[i]}</text>')
    out.append("</svg>")
    return Markup("".join(out))
