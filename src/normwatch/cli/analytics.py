"""CLI commands of analytics and reports; they register themselves on normwatch.cli.common.app.

``scorecard``, ``blocs``, ``trends``, ``plots`` and ``report``: thin wrappers over
:mod:`normwatch.analysis.analytics`, :mod:`normwatch.publish.plots` and :mod:`normwatch.publish.report`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from normwatch.cli.common import (
    JsonOption,
    KbOption,
    RulesOption,
    app,
    checked_kb,
    checked_rules,
    date_option,
    emit_json,
    fail,
    out,
)

# polars (and the analytics it feeds) costs a large share of start-up: only these commands
# load it, so the rest of the command line does not pay for it.
if TYPE_CHECKING:
    import polars as pl

OnOption = Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default today).")]


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (dates as ISO strings)."""
    return json.loads(df.write_json())  # type: ignore[no-any-return]


def _show(df: pl.DataFrame, title: str, columns: list[str] | None = None, limit: int | None = None) -> None:
    from normwatch.analysis.analytics import cell_text

    table = Table(title=title, title_justify="left")
    cols = columns or df.columns
    for column in cols:
        table.add_column(column.replace("_", " "), overflow="fold")
    rows = df.select(cols).iter_rows()
    for k, row in enumerate(rows):
        if limit is not None and k >= limit:
            table.add_row(*(["…"] * len(cols)))
            break
        table.add_row(*(cell_text(v) for v in row))
    out.print(table)


@app.command()
def scorecard(
    iso3: Annotated[str, typer.Argument(help="State, ISO 3166-1 alpha-3 (e.g. FRA).")],
    on: OnOption = None,
    rules_dir: RulesOption = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """A state's record: commitments over time, incidents attributed to it and the norms they
    breached (its own commitments apart), incidents it suffered, responses made and received."""
    import polars as pl

    from normwatch.analysis import analytics

    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    try:
        card = analytics.scorecard(base, iso3, rules, date_option(on, "--on"))
    except ValueError as exc:
        fail(str(exc))
    if json_out:
        emit_json({"kb_version": base.version, "rules_version": rules.version,
                   **{key: _records(df) for key, df in card.items()}})
        return
    s = card["summary"].row(0, named=True)
    out.print(f"[bold]{s['name']}[/] ({s['state']}) — scorecard on {s['on']} (kb {base.version})")
    out.print(
        f"attributed incidents: {s['attributed']} (high {s['attributed_high']}, medium {s['attributed_medium']}, "
        f"low {s['attributed_low']}); red line: {s['red_line_attributed']}; breach findings: "
        f"{s['breach_findings']} on {s['norms_breached']} norms — own commitments {s['own_commitment_breaches']}, "
        f"other {s['other_breaches']}; suffered: {s['suffered']}; responses made: {s['responses_made']}, "
        f"received: {s['responses_received']}"
    )
    _show(card["commitments"], "Commitments", ["instrument", "kind", "signed", "joined", "in_force",
                                               "committed_from", "committed_on_date"])
    _show(card["norms"], "Norms breached in incidents attributed to it")
    _show(card["attributed"], "Incidents attributed to it",
          ["incident", "start", "confidence", "red_line", "breach", "own_commitment"])
    _show(card["suffered"], "Incidents it suffered", ["incident", "start", "responsible", "red_line"])
    _show(card["responses_made"], "Responses it made", ["incident", "kind", "date", "via", "against"])
    received = card["responses_received"].group_by("by", "kind").agg(responses=pl.len()).sort(
        ["responses", "by"], descending=[True, False])
    _show(received, "Responses to incidents attributed to it")


@app.command()
def blocs(
    bloc: Annotated[
        list[str] | None,
        typer.Option("--bloc", help="Bloc: an organisation id (eu, nato, g7, sco, brics, five-eyes …), paris-call, "
                                    "paris-call-absentees, instrument:ID, absent:ID, vote:unga-73-27:yes, "
                                    "custom:RUS,CHN. Repeatable; default: a standard set."),
    ] = None,
    on: OnOption = None,
    since: Annotated[str | None, typer.Option("--since", help="Only incidents from this date (YYYY-MM-DD).")] = None,
    rules_dir: RulesOption = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Compare blocs: commitment coverage, incidents attributed to members (membership on the
    incident's date), norms breached, red lines, breaches of endorsed norms, and UNGA vote cohesion."""
    from normwatch.analysis import analytics
    from normwatch.analysis.analytics import cell_text

    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    names = bloc or list(analytics.DEFAULT_BLOCS)
    try:
        data = analytics.blocs(base, names, date_option(on, "--on"), rules, date_option(since, "--since"))
    except analytics.UnknownBloc as exc:
        fail(str(exc))
    if json_out:
        emit_json({"kb_version": base.version, "rules_version": rules.version,
                   **{key: _records(df) for key, df in data.items()}})
        return
    comparison = data["comparison"]
    measures = [c for c in comparison.columns if c not in ("bloc", "kind", "on", "since")]
    table = Table(title=f"Blocs on {comparison['on'][0]} (incidents: membership on the incident's date; "
                        "votes: Rice and agreement indices, 1 = all alike)", title_justify="left")
    table.add_column("measure", no_wrap=True, min_width=22)
    for name in comparison["bloc"].to_list():
        table.add_column(name, justify="right", overflow="fold")
    for measure in measures:
        table.add_row(measure.replace("_", " "), *(cell_text(v) for v in comparison[measure].to_list()))
    out.print(table)
    _show(data["votes"], "Roll-call positions and Paris Call support")
    _show(data["crosstab"], "73/27 × 73/266")


@app.command()
def trends(
    rules_dir: RulesOption = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Incidents per year by operation, responsible state and sector; red-line share; attribution delays."""
    import polars as pl

    from normwatch.analysis import analytics

    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    data = analytics.trends(base, rules)
    summary = analytics.delay_summary(data["attribution_delays"])
    if json_out:
        emit_json({"kb_version": base.version, "rules_version": rules.version, "delay_summary": summary,
                   **{key: _records(df) for key, df in data.items()}})
        return
    _show(data["red_line_share"], "Red-line share per year")
    for key, label in (("by_operation", "operation"), ("by_responsible", "responsible"), ("by_sector", "sector")):
        wide = (data[key].pivot(on="year", index=label, values="incidents", sort_columns=True)
                .fill_null(0).with_columns(total=pl.sum_horizontal(pl.exclude(label)))
                .sort("total", descending=True))
        recent = [c for c in wide.columns if c.isdigit()][-8:]
        _show(wide, f"Incidents per year by {label} (total, and the last {len(recent)} years; --json for all)",
              [label, "total", *recent])
    out.print(
        f"Attribution delay (start → first dated government attribution): {summary['incidents']} incidents, "
        f"median {summary.get('median_days', 0):.0f} days, quartiles {summary.get('q1_days', 0):.0f}–"
        f"{summary.get('q3_days', 0):.0f} days; {summary.get('within_365_days', 0)} within a year"
    )


@app.command()
def plots(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("normwatch-plots"),
    on: OnOption = None,
    rules_dir: RulesOption = None,
    kb: KbOption = None,
) -> None:
    """Write the catalogue plots (timeline, heatmap, blocs, delays, network) as PNG and SVG, with
    interactive Vega-Lite / node-link JSON."""
    from normwatch.publish import plots as plotting

    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    written = plotting.write_all(base, out_dir, rules, date_option(on, "--on"))
    for path in written:
        out.print(f"wrote {path}", highlight=False)


@app.command()
def report(
    kind: Annotated[str, typer.Argument(help="incident, state, bloc, norm or catalogue.")],
    subject: Annotated[str | None, typer.Argument(help="Incident id, ISO3, bloc name or norm id.")] = None,
    format_: Annotated[str, typer.Option("--format", help="md, html or pdf.")] = "md",
    out_path: Annotated[Path | None, typer.Option("--out", help="Write to this file (pdf default: "
                                                                "normwatch-KIND-SUBJECT.pdf).")] = None,
    on: OnOption = None,
    since: Annotated[str | None, typer.Option("--since", help="Bloc reports: only incidents from this date.")] = None,
    rules_dir: RulesOption = None,
    kb: KbOption = None,
) -> None:
    """A self-contained report (figures embedded, sources as links, kb version and date)."""
    from normwatch.publish import report as reporting

    if format_ not in ("md", "html", "pdf"):
        fail(f"unknown format {format_!r}: use md, html or pdf")
    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    try:
        document = reporting.build(base, kind, subject, rules, date_option(on, "--on"), date_option(since, "--since"))
    except reporting.ReportError as exc:
        fail(str(exc))
    data = reporting.render(document, format_)  # type: ignore[arg-type]
    if out_path is None and format_ == "pdf":
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in (subject or "all"))
        out_path = Path(f"normwatch-{kind}-{safe}.pdf")
    if out_path is None:
        out.file.write(data.decode())
        return
    try:
        out_path.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {out_path}: {exc.strerror}")
    out.print(f"wrote {out_path} ({len(data)} bytes, {len(document.images)} figures)", highlight=False)
