"""Plots of the analytics: static figures (PNG, SVG) and interactive specs for a web UI.

Static figures are built on :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: no global state, no display, and the Agg renderer whatever backend a notebook
uses. Each function takes the DataFrames of :mod:`normwatch.analysis.analytics` and returns a
figure; :func:`catalogue_figures` builds the five catalogue plots from a knowledge base.

Interactive versions (:func:`vega_specs`) are Vega-Lite v5 specifications with their data
inline (self-contained JSON; a page renders them with vega-embed), plus a node-link JSON
for the network.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from normwatch.analysis import analytics as an
from normwatch.engine.rules import RuleSet
from normwatch.knowledge.load import KnowledgeBase

RED = "#c0392b"
BLUE = "#2e6da4"
GREY = "#8c8c8c"
GREEN = "#3a8d5d"
PALETTE = ["#2e6da4", "#c0392b", "#e69f00", "#3a8d5d", "#8e5ea2", "#56b4e9", "#cc79a7", "#6b6b6b"]
VEGA_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
CATALOGUE_FIGURES = ("timeline", "heatmap", "blocs", "delays", "network")


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color=GREY)
    return fig


def png_bytes(fig: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def svg_text(fig: Figure) -> str:
    """The figure as SVG (text kept as paths-free text for search)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def save(fig: Figure, stem: Path, dpi: int = 150) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg``; return both paths."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    png.write_bytes(png_bytes(fig, dpi))
    svg.write_text(svg_text(fig), encoding="utf-8")
    return [png, svg]


# --- catalogue plots -----------------------------------------------------------------------


def _lead() -> pl.Expr:
    """The strongest responsible state of each incident, or ``unattributed``."""
    return pl.col("responsible").list.first().fill_null("unattributed")


def timeline(incidents: pl.DataFrame, top: int = 10, title: str = "Incidents over time") -> Figure:
    """Incidents by start date, one row per responsible state (the strongest attribution).

    Red: crosses a red line; blue: tolerated espionage; grey: other. Marker size grows
    with the engine's intensity score.
    """
    if incidents.height == 0:
        return _empty(_figure(9, 3), "no incidents")
    table = incidents.with_columns(
        lead=_lead()
    )
    counts = table.group_by("lead").len().sort(["len", "lead"], descending=[True, False])
    keep = [s for s in counts["lead"].to_list() if s != "unattributed"][:top]
    table = table.with_columns(
        row=pl.when(pl.col("lead").is_in(keep)).then(pl.col("lead"))
        .when(pl.col("lead") == "unattributed").then(pl.lit("unattributed"))
        .otherwise(pl.lit("other"))
    )
    rows = [*keep, *[r for r in ("other", "unattributed") if r in table["row"].to_list()]]
    fig = _figure(10, 0.42 * len(rows) + 1.6)
    ax = fig.add_subplot()
    y = {name: len(rows) - k for k, name in enumerate(rows)}
    for key, color, label in (("other", GREY, "other"), ("espionage", BLUE, "tolerated espionage"),
                              ("red", RED, "red line crossed")):
        if key == "red":
            part = table.filter(pl.col("red_line"))
        elif key == "espionage":
            part = table.filter(~pl.col("red_line") & pl.col("tolerated_espionage"))
        else:
            part = table.filter(~pl.col("red_line") & ~pl.col("tolerated_espionage"))
        if part.height:
            ax.scatter(
                part["start_date"].to_list(), [y[r] for r in part["row"].to_list()],
                s=[12 + 9 * v for v in part["intensity"].to_list()], c=color, alpha=0.7,
                edgecolors="white", linewidths=0.5, label=label,
            )
    ax.set_yticks(list(y.values()), list(y.keys()))
    ax.set_ylim(0.4, len(rows) + 0.6)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("start of the incident")
    ax.set_title(f"{title} ({incidents.height} incidents; marker size: intensity)")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig


def heatmap(breaches: pl.DataFrame, top_states: int = 12,
            title: str = "Norms breached, by responsible state") -> Figure:
    """States × norms: incidents with a breach verdict attributed with high confidence.

    Each cell reads ``n`` or ``n (k)`` where ``k`` of the ``n`` were breaches of the
    state's own commitment (it had endorsed the norm on the incident's date).
    """
    found = breaches.filter((pl.col("verdict") == "breach") & (pl.col("confidence") == "high"))
    if found.height == 0:
        return _empty(_figure(8, 3), "no breach verdicts with high-confidence attribution")
    cells = found.group_by("state", "norm").agg(
        n=pl.col("incident").n_unique(), own=pl.col("own_commitment").sum()
    )
    totals = cells.group_by("state").agg(pl.col("n").sum()).sort(["n", "state"], descending=[True, False])
    states = totals["state"].to_list()[:top_states]
    norms = sorted(cells["norm"].unique().to_list(), key=_norm_key)
    grid = [[0] * len(norms) for _ in states]
    own = [[0] * len(norms) for _ in states]
    for row in cells.iter_rows(named=True):
        if row["state"] in states:
            r, c = states.index(row["state"]), norms.index(row["norm"])
            grid[r][c], own[r][c] = row["n"], row["own"]
    fig = _figure(max(7.0, 0.62 * len(norms) + 2.5), 0.45 * len(states) + 2.4)
    ax = fig.add_subplot()
    image = ax.imshow(grid, cmap="Reds", aspect="auto", vmin=0)
    peak = max(max(r) for r in grid) or 1
    for r in range(len(states)):
        for c in range(len(norms)):
            if grid[r][c]:
                text = f"{grid[r][c]}" + (f"\n({own[r][c]})" if own[r][c] else "")
                color = "white" if grid[r][c] > peak * 0.55 else "black"
                ax.text(c, r, text, ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(norms)), norms, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(states)), states)
    ax.set_title(f"{title}\n(incidents, high-confidence attribution; in brackets: the state's own commitment)",
                 fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8, label="incidents")
    return fig


def _norm_key(norm: str) -> tuple[int, str]:
    order = {"un-gge-2015": 0, "paris-call": 1, "g20-2015": 2, "gcsc": 3}
    framework, _, item = norm.partition(":")
    return order.get(framework, 9), item.zfill(4)


def bloc_bars(comparison: pl.DataFrame, title: str = "Blocs compared") -> Figure:
    """Four panels per bloc: incidents attributed to members (on the incident's date),
    red-line incidents, breach findings (and those of norms the member had endorsed), and
    the share of members that support the Paris Call."""
    if comparison.height == 0:
        return _empty(_figure(8, 3), "no blocs")
    names = comparison["bloc"].to_list()
    fig = _figure(11, 0.32 * len(names) * 2 + 2.4)
    axes = fig.subplots(1, 4, sharey=True)
    y = list(range(len(names)))[::-1]
    panels: list[tuple[str, list[tuple[str, str, str]]]] = [
        ("incidents attributed", [("incidents_attributed", BLUE, "any confidence"),
                                  ("incidents_attributed_high", "#173b5e", "high")]),
        ("red-line incidents", [("red_line_incidents", RED, "red line")]),
        ("breach findings", [("breach_findings", "#e69f00", "all"),
                             ("endorsed_breaches", "#8a5a00", "of endorsed norms")]),
        ("Paris Call coverage", [("coverage_paris_call", GREEN, "share of members")]),
    ]
    for ax, (label, series) in zip(axes, panels, strict=True):
        height = 0.8 / len(series)
        for k, (column, color, legend) in enumerate(series):
            if column not in comparison.columns:
                continue
            values = [v or 0 for v in comparison[column].to_list()]
            offset = (k - (len(series) - 1) / 2) * height
            bars = ax.barh([v - offset for v in y], values, height=height, color=color, label=legend)
            fmt = "{:.0%}" if column.startswith("coverage") else "{:.0f}"
            ax.bar_label(bars, labels=[fmt.format(v) for v in values], fontsize=7, padding=2)
        ax.set_title(label, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.25)
        if len(series) > 1:
            ax.legend(fontsize=7, frameon=False, loc="lower right")
    axes[0].set_yticks(y, names, fontsize=8)
    fig.suptitle(f"{title} (membership on each incident's date; coverage on "
                 f"{comparison['on'][0]})", fontsize=11)
    return fig


_DELAY_BINS = [(0, 7, "< 1 week"), (7, 31, "1 week–1 month"), (31, 92, "1–3 months"),
               (92, 183, "3–6 months"), (183, 366, "6–12 months"), (366, 731, "1–2 years"),
               (731, 1827, "2–5 years"), (1827, 10**7, "5 years +")]


def delay_histogram(delays: pl.DataFrame, title: str = "Time from incident start to first official attribution"
                    ) -> Figure:
    """How long governments took to attribute: incidents per delay band, with the median."""
    days = [int(d) for d in delays["attribution_delay_days"].drop_nulls().to_list()]
    if not days:
        return _empty(_figure(8, 3), "no dated government attributions")
    counts = [sum(1 for d in days if lo <= d < hi) for lo, hi, _ in _DELAY_BINS]
    fig = _figure(9, 4.2)
    ax = fig.add_subplot()
    bars = ax.bar(range(len(counts)), counts, color=BLUE)
    labels = ax.bar_label(bars, fontsize=8, padding=2)
    for label in labels:
        label.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 0.5})
        label.set_zorder(5)
    ax.set_xticks(range(len(counts)), [label for *_, label in _DELAY_BINS], rotation=20, ha="right")
    summary = an.delay_summary(delays)
    median = float(summary["median_days"])
    band = next(k for k, (lo, hi, _) in enumerate(_DELAY_BINS) if lo <= median < hi)
    ax.axvline(band, color=RED, linestyle="--", linewidth=1)
    ax.set_ylim(0, max(counts) * 1.18)
    ax.text(band, max(counts) * 1.1, f"median {median:.0f} days", color=RED, fontsize=9, ha="center",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_ylabel("incidents")
    ax.set_title(f"{title}\n({summary['incidents']} incidents with a dated government attribution)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return fig


def network(edges: pl.DataFrame, top_victims: int = 18,
            title: str = "Who targets whom: responsible states → victim states") -> Figure:
    """A two-column graph: responsible states (left) to victim states (right).

    Line width grows with the number of incidents; colour is the share of them that
    crossed a red line. Victims beyond the ``top_victims`` most targeted are grouped.
    """
    if edges.height == 0:
        return _empty(_figure(8, 3), "no attributed incidents with foreign victims")
    victim_totals = edges.group_by("victim").agg(pl.col("incidents").sum()).sort(
        ["incidents", "victim"], descending=[True, False])
    keep = victim_totals["victim"].to_list()[:top_victims]
    table = (
        edges.with_columns(victim=pl.when(pl.col("victim").is_in(keep)).then(pl.col("victim"))
                           .otherwise(pl.lit("others")))
        .group_by("responsible", "victim").agg(pl.col("incidents").sum(), pl.col("red_line").sum())
    )
    left = table.group_by("responsible").agg(pl.col("incidents").sum()).sort(
        ["incidents", "responsible"], descending=[True, False])
    right = table.group_by("victim").agg(pl.col("incidents").sum()).sort(
        ["incidents", "victim"], descending=[True, False])
    lnames, rnames = left["responsible"].to_list(), right["victim"].to_list()
    if "others" in rnames:
        rnames = [*(n for n in rnames if n != "others"), "others"]
    height = max(len(lnames), len(rnames))
    fig = _figure(9, 0.3 * height + 1.8)
    ax = fig.add_subplot()

    def ys(n: int) -> list[float]:
        return [height - 1 - k * (height - 1) / max(n - 1, 1) for k in range(n)]

    ly, ry = dict(zip(lnames, ys(len(lnames)), strict=True)), dict(zip(rnames, ys(len(rnames)), strict=True))
    peak = max(table["incidents"].to_list())
    cmap = _cmap()
    for row in table.sort("incidents").iter_rows(named=True):
        share = row["red_line"] / row["incidents"]
        ax.plot([0, 1], [ly[row["responsible"]], ry[row["victim"]]], color=cmap(share),
                linewidth=0.6 + 6.0 * row["incidents"] / peak, alpha=0.55, solid_capstyle="round")
    ltot = dict(zip(lnames, left["incidents"].to_list(), strict=True))
    rtot = dict(zip(right["victim"].to_list(), right["incidents"].to_list(), strict=True))
    for name, yy in ly.items():
        ax.text(-0.02, yy, f"{name} ({ltot[name]})", ha="right", va="center", fontsize=8)
    for name, yy in ry.items():
        ax.text(1.02, yy, f"{name} ({rtot[name]})", ha="left", va="center", fontsize=8)
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(-1, height)
    ax.axis("off")
    ax.text(0, height - 0.2, "responsible", ha="center", fontsize=9, weight="bold")
    ax.text(1, height - 0.2, "victim", ha="center", fontsize=9, weight="bold")
    handles = [Line2D([0], [0], color=cmap(v), linewidth=3) for v in (0.0, 0.5, 1.0)]
    ax.legend(handles, ["no red line", "half red-line", "all red-line"], loc="lower center",
              ncols=3, fontsize=7, frameon=False, bbox_to_anchor=(0.5, -0.06))
    ax.set_title(f"{title}\n(line width: incidents per pair, any confidence; in brackets: incident–victim pairs)",
                 fontsize=10)
    return fig


def _cmap() -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("redline", [BLUE, "#9b59b6", RED])


# --- report plots --------------------------------------------------------------------------


CONFIDENCE_COLORS = {"high": "#173b5e", "medium": BLUE, "low": "#9ecae1"}


def stacked_years(table: pl.DataFrame, key: str, title: str, top: int = 7,
                  colors: dict[str, str] | None = None) -> Figure:
    """Stacked bars: incidents per year, split by ``key`` (top keys, the rest as other);
    confidence levels always take :data:`CONFIDENCE_COLORS`."""
    if colors is None and key == "confidence":
        colors = CONFIDENCE_COLORS
    if table.height == 0:
        return _empty(_figure(8, 3), "nothing to show")
    totals = table.group_by(key).agg(pl.col("incidents").sum()).sort(["incidents", key], descending=[True, False])
    keep = totals[key].to_list()[:top]
    data = (
        table.with_columns(pl.when(pl.col(key).is_in(keep)).then(pl.col(key)).otherwise(pl.lit("other")).alias(key))
        .group_by("year", key).agg(pl.col("incidents").sum())
    )
    years = list(range(min(data["year"]), max(data["year"]) + 1))
    keys = [*keep, *(["other"] if "other" in data[key].to_list() else [])]
    fig = _figure(10, 4.2)
    ax = fig.add_subplot()
    bottom = [0] * len(years)
    lookup = {(r["year"], r[key]): r["incidents"] for r in data.iter_rows(named=True)}
    for k, name in enumerate(keys):
        values = [lookup.get((y, name), 0) for y in years]
        color = (colors or {}).get(name, PALETTE[k % len(PALETTE)])
        ax.bar(years, values, bottom=bottom, label=name, color=color, width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(title, fontsize=10)
    ax.set_xlim(years[0] - 1, years[-1] + 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("incidents (may count under several keys)", fontsize=8)
    fig.legend(loc="outside right upper", fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig


def red_line_trend(share: pl.DataFrame, title: str = "Red-line share over time") -> Figure:
    """Incidents per year (bars) and the share crossing a red line (line)."""
    if share.height == 0:
        return _empty(_figure(8, 3), "nothing to show")
    fig = _figure(10, 3.8)
    ax = fig.add_subplot()
    years = share["year"].to_list()
    ax.bar(years, share["incidents"].to_list(), color="#d9d9d9", label="incidents")
    ax.bar(years, share["red_line"].to_list(), color=RED, alpha=0.8, label="crossing a red line")
    ax.set_ylabel("incidents")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    twin = ax.twinx()
    twin.plot(years, [100 * v for v in share["share"].to_list()], color="black", marker="o", markersize=3,
              label="red-line share (%)")
    twin.set_ylim(0, 105)
    twin.set_ylabel("share (%)")
    fig.legend(loc="outside upper center", ncols=3, fontsize=8, frameon=False)
    ax.set_title(title, fontsize=10)
    return fig


def _num(day: Any) -> float:
    """A date as a Matplotlib date number."""
    return float(date2num(day))  # type: ignore[no-untyped-call]


def commitments_gantt(commitments: pl.DataFrame, title: str, until: Any) -> Figure:
    """Bars from the day each commitment first bound the state (hatched: signed only)."""
    rows = commitments.to_dicts()
    if not rows:
        return _empty(_figure(8, 2), "no commitments recorded")
    fig = _figure(9, 0.45 * len(rows) + 1.4)
    ax = fig.add_subplot()
    import datetime as dt

    end = until if isinstance(until, dt.date) else dt.date.today()
    x_end = _num(end)
    for k, row in enumerate(rows):
        start = row["committed_from"]
        if start is None:
            signed = row["signed"]
            if signed:
                from normwatch.knowledge.dates import latest

                s = _num(latest(signed))
                ax.barh(k, x_end - s, left=s, color="white", edgecolor=GREY, hatch="//", height=0.6)
                ax.text(s, k, " signed only", va="center", fontsize=7, color=GREY)
            continue
        x = _num(start)
        ax.barh(k, x_end - x, left=x, color=GREEN if row["binding"] else BLUE, height=0.6)
        ax.text(x, k, f" {start.isoformat()}", va="center", fontsize=7, color="white")
    ax.set_yticks(range(len(rows)), [r["instrument"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.grid(axis="x", alpha=0.3)
    ax.legend(handles=[Line2D([0], [0], color=GREEN, linewidth=6), Line2D([0], [0], color=BLUE, linewidth=6)],
              labels=["binding", "political"], fontsize=7, frameon=False, loc="lower right")
    ax.set_title(title, fontsize=10)
    return fig


def norm_years(by_year: pl.DataFrame, title: str) -> Figure:
    """Incidents per year with a breach or a possible verdict on one norm."""
    if by_year.height == 0:
        return _empty(_figure(8, 3), "no incident engages this norm with a breach or possible verdict")
    years = list(range(min(by_year["year"]), max(by_year["year"]) + 1))
    lookup = {(r["year"], r["verdict"]): r["incidents"] for r in by_year.iter_rows(named=True)}
    breach = [lookup.get((y, "breach"), 0) for y in years]
    possible = [lookup.get((y, "possible"), 0) for y in years]
    fig = _figure(9, 3.6)
    ax = fig.add_subplot()
    ax.bar(years, breach, color=RED, label="breach")
    ax.bar(years, possible, bottom=breach, color="#e69f00", label="possible")
    ax.set_ylabel("incidents")
    ax.set_xlim(years[0] - 1, years[-1] + 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title, fontsize=10)
    return fig


def state_bars(states: pl.DataFrame, title: str, top: int = 15) -> Figure:
    """Per responsible state: high-confidence breaches (own commitment apart) and possible."""
    if states.height == 0:
        return _empty(_figure(8, 3), "no state is held responsible for a breach or a possible breach")
    table = states.head(top)
    names = table["state"].to_list()[::-1]
    own = table["own_commitment"].to_list()[::-1]
    other = [b - o for b, o in zip(table["breach_high"].to_list()[::-1], own, strict=True)]
    possible = table["possible"].to_list()[::-1]
    fig = _figure(8, 0.35 * len(names) + 1.6)
    ax = fig.add_subplot()
    ax.barh(names, own, color="#7b1e14", label="breach of its own commitment")
    ax.barh(names, other, left=own, color=RED, label="other breach (high confidence)")
    ax.barh(names, possible, left=[a + b for a, b in zip(own, other, strict=True)], color="#e69f00",
            label="possible")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("incidents × state")
    ax.set_title(title, fontsize=10)
    return fig


def incident_chronology(events: Sequence[tuple[Any, str, str]], start: Any, title: str) -> Figure:
    """Attributions and responses of one incident on a time axis from its start."""
    fig = _figure(9, 0.3 * max(len(events), 1) + 1.8)
    ax = fig.add_subplot()
    if not events:
        return _empty(fig, "no dated attribution or response")
    colors = {"attribution": BLUE, "response": RED}
    for k, (day, kind, label) in enumerate(events):
        ax.plot([start, day], [k, k], color="#d9d9d9", linewidth=1)
        ax.scatter([day], [k], color=colors.get(kind, GREY), zorder=3, s=25)
        ax.text(day, k, f"  {label}", va="center", fontsize=7)
    ax.axvline(start, color="black", linewidth=1)
    ax.set_yticks([])
    ax.invert_yaxis()
    ax.margins(x=0.35)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(handles=[Line2D([0], [0], marker="o", color="w", markerfacecolor=c, markersize=7)
                       for c in colors.values()], labels=list(colors), fontsize=7, frameon=False)
    ax.set_title(title, fontsize=10)
    return fig


# --- everything at once --------------------------------------------------------------------


def catalogue_figures(kb: KnowledgeBase, rules: RuleSet | None = None, on: Any = None,
                      blocs: Sequence[str] = an.DEFAULT_BLOCS) -> dict[str, Figure]:
    """The five catalogue plots: timeline, heatmap, blocs, delays, network."""
    return {
        "timeline": timeline(an.incident_table(kb, rules)),
        "heatmap": heatmap(an.breach_table(kb, rules)),
        "blocs": bloc_bars(an.bloc_comparison(kb, blocs, on, rules)),
        "delays": delay_histogram(an.attribution_delays(kb, rules)),
        "network": network(an.victim_edges(kb, rules)),
    }


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.write_json())  # type: ignore[no-any-return]


def vega_specs(kb: KnowledgeBase, rules: RuleSet | None = None, on: Any = None,
               blocs: Sequence[str] = an.DEFAULT_BLOCS) -> dict[str, dict[str, Any]]:
    """Interactive versions: Vega-Lite specs with inline data, and the network as nodes/links."""
    incidents = an.incident_table(kb, rules).with_columns(
        lead=_lead(),
        start_date=pl.col("start_date").cast(pl.Utf8),
    ).select("id", "name", "start_date", "lead", "red_line", "tolerated_espionage", "intensity")
    breaches = an.breach_table(kb, rules).filter(
        (pl.col("verdict") == "breach") & (pl.col("confidence") == "high")
    ).group_by("state", "norm").agg(incidents=pl.col("incident").n_unique(),
                                    own_commitment=pl.col("own_commitment").sum())
    comparison = an.bloc_comparison(kb, blocs, on, rules).select(
        "bloc", "members", "incidents_attributed", "incidents_attributed_high", "red_line_incidents",
        "breach_findings", "endorsed_breaches")
    long = comparison.unpivot(index="bloc", variable_name="measure", value_name="value")
    delays = an.attribution_delays(kb, rules).select("id", "name", "attribution_delay_days")
    edges = an.victim_edges(kb, rules)
    nodes = sorted(set(edges["responsible"].to_list()) | set(edges["victim"].to_list()))
    return {
        "timeline": {
            "$schema": VEGA_SCHEMA, "title": "Incidents over time", "width": 800, "height": 400,
            "data": {"values": _records(incidents)}, "mark": {"type": "circle", "opacity": 0.7},
            "encoding": {
                "x": {"field": "start_date", "type": "temporal", "title": "start"},
                "y": {"field": "lead", "type": "nominal", "title": "responsible (strongest)"},
                "size": {"field": "intensity", "type": "quantitative"},
                "color": {"field": "red_line", "type": "nominal", "title": "red line"},
                "tooltip": [{"field": "name"}, {"field": "id"}, {"field": "start_date"},
                            {"field": "intensity"}],
            },
        },
        "heatmap": {
            "$schema": VEGA_SCHEMA, "title": "Norms breached by responsible state (high confidence)",
            "data": {"values": _records(breaches)},
            "encoding": {"x": {"field": "norm", "type": "nominal"}, "y": {"field": "state", "type": "nominal"}},
            "layer": [
                {"mark": "rect", "encoding": {
                    "color": {"field": "incidents", "type": "quantitative", "scale": {"scheme": "reds"}},
                    "tooltip": [{"field": "state"}, {"field": "norm"}, {"field": "incidents"},
                                {"field": "own_commitment"}]}},
                {"mark": "text", "encoding": {"text": {"field": "incidents", "type": "quantitative"}}},
            ],
        },
        "blocs": {
            "$schema": VEGA_SCHEMA, "title": "Blocs compared", "data": {"values": _records(long)},
            "mark": "bar",
            "encoding": {
                "y": {"field": "bloc", "type": "nominal"}, "x": {"field": "value", "type": "quantitative"},
                "color": {"field": "bloc", "type": "nominal", "legend": None},
                "facet": {"field": "measure", "type": "nominal", "columns": 3},
                "tooltip": [{"field": "bloc"}, {"field": "measure"}, {"field": "value"}],
            },
            "resolve": {"scale": {"x": "independent"}},
        },
        "delays": {
            "$schema": VEGA_SCHEMA, "title": "Days from incident start to first official attribution",
            "data": {"values": _records(delays)}, "mark": "bar",
            "transform": [{"calculate": "log(datum.attribution_delay_days + 1) / LN10", "as": "log10_days"}],
            "encoding": {
                "x": {"field": "log10_days", "type": "quantitative", "bin": {"maxbins": 20},
                      "title": "log10(days + 1)"},
                "y": {"aggregate": "count", "type": "quantitative", "title": "incidents"},
            },
        },
        "network": {
            "nodes": [{"id": n} for n in nodes],
            "links": [{"source": r["responsible"], "target": r["victim"], "incidents": r["incidents"],
                       "red_line": r["red_line"]} for r in edges.iter_rows(named=True)],
        },
    }


def write_all(kb: KnowledgeBase, folder: Path, rules: RuleSet | None = None, on: Any = None,
              blocs: Sequence[str] = an.DEFAULT_BLOCS) -> list[Path]:
    """Write the five catalogue plots as PNG and SVG, and their interactive JSON."""
    written: list[Path] = []
    for name, fig in catalogue_figures(kb, rules, on, blocs).items():
        written += save(fig, folder / name)
    for name, spec in vega_specs(kb, rules, on, blocs).items():
        path = folder / f"{name}.{'graph' if name == 'network' else 'vl'}.json"
        path.write_text(json.dumps(spec, indent=1, default=str), encoding="utf-8")
        written.append(path)
    return written


__all__ = [
    "CATALOGUE_FIGURES", "bloc_bars", "catalogue_figures", "commitments_gantt", "delay_histogram",
    "heatmap", "incident_chronology", "network", "norm_years", "png_bytes", "red_line_trend", "save",
    "stacked_years", "state_bars", "svg_text", "timeline", "vega_specs", "write_all",
]
