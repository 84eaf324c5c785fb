"""CLI commands of analytics and reports; they register themselves on normwatch.cli.common.app.

``scorecard``, ``rankings``, ``blocs``, ``trends``, ``plots`` and ``report``: thin wrappers over
:mod:`normwatch.analysis.analytics`, :mod:`normwatch.analysis.rankings`, :mod:`normwatch.publish.plots`
and :mod:`normwatch.publish.report`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from normwatch.cli.common import (
    Col,
    FormatOption,
    JsonOption,
    KbOption,
    RulesOption,
    app,
    checked_kb,
    checked_rules,
    date_option,
    emit_json,
    fail,
    list_format,
    out,
    print_listing,
)

# polars (and the analytics it feeds) costs a large share of start-up: only these commands
# load it, so the rest of the command line does not pay for it.
if TYPE_CHECKING:
    import polars as pl

OnOption = Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default today).")]
TableOption = Annotated[
    str | None,
    typer.Option("--table", help="Only this one of the command's tables (--format csv prints one table, so it "
                                 "needs this; --format json lists the tables' names)."),
]

WHOLE = frozenset({
    "incident", "id", "start", "date", "year", "on", "since", "instrument", "norm", "organisation", "state", "by",
    "via", "signed", "joined", "in_force", "withdrawn", "committed_from", "left", "bloc", "roll_call", "resolution",
})
"""Columns a person copies whole (ids, codes, dates): the tables never wrap or cut them."""


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (dates as ISO strings)."""
    return json.loads(df.write_json())  # type: ignore[no-any-return]


def _columns(names: Sequence[str], drop: Mapping[str, int] | None = None, whole: Sequence[str] = (),
             headers: Mapping[str, str] | None = None) -> list[Col]:
    """Listing columns: ids and dates (:data:`WHOLE`, and ``whole``) kept whole, the rest
    wrapped; ``drop`` names the columns a narrow terminal may leave out, highest first."""
    from normwatch.analysis.analytics import cell_text

    drop, headers = drop or {}, headers or {}
    return [Col(n, headers.get(n, ""), keep=n in WHOLE or n in whole, drop=drop.get(n, 0), text=cell_text)
            for n in names]


def _show(df: pl.DataFrame, title: str, columns: Sequence[str] | None = None,
          drop: Mapping[str, int] | None = None, whole: Sequence[str] = (),
          headers: Mapping[str, str] | None = None) -> None:
    cols = list(columns or df.columns)
    print_listing(_records(df.select(cols)), _columns(cols, drop, whole, headers), "table", title=title)


def _tables_out(fmt: str, table: str | None, tables: Mapping[str, pl.DataFrame], envelope: Mapping[str, Any],
                extra: Mapping[str, Any] | None = None) -> bool:
    """Print a command's tables as CSV or JSON, or only the one ``--table`` names; True when
    done, False when the caller prints its own table layout. CSV holds one table, so it
    needs ``--table`` (exit 2 naming the choices)."""
    if table is not None and table not in tables:
        fail(f"--table: unknown table {table!r}: use one of {', '.join(tables)}")
    if fmt == "csv" and table is None:
        fail(f"--format csv prints one table: name it with --table (one of {', '.join(tables)})")
    if fmt == "json":
        chosen = {table: tables[table]} if table else tables
        emit_json({**envelope, **({} if table else dict(extra or {})),
                   **{key: _records(df) for key, df in chosen.items()}})
        return True
    if table is None:
        return False
    df = tables[table]
    # a long name goes first when the terminal is narrow: the id beside it names the row
    print_listing(_records(df), _columns(df.columns, drop={"name": 1}), fmt, title=table.replace("_", " "))
    return True


def _show_across(df: pl.DataFrame, key: str, title: str, skip: Sequence[str] = ()) -> None:
    """A table of many columns (one per value of ``key``: a bloc) turned on its side, a row
    per measure, and split into as many tables as the terminal needs to keep every column
    whole: a bloc's name and its figures are never cut."""
    from normwatch.analysis.analytics import cell_text

    names = [str(v) for v in df[key].to_list()]
    measures = [c for c in df.columns if c != key and c not in skip]
    rows = [{"measure": m.replace("_", " "), **{n: cell_text(v) for n, v in zip(names, df[m].to_list(), strict=True)}}
            for m in measures]

    def width(column: str) -> int:
        # a rich box: one space of padding each side of a cell and one rule between columns
        return max([len(column), *(len(r[column]) for r in rows)]) + 3

    groups: list[list[str]] = [[]]
    used = 1 + width("measure")
    for name in names:
        if groups[-1] and used + width(name) > out.width:
            groups.append([])
            used = 1 + width("measure")
        groups[-1].append(name)
        used += width(name)
    for k, group in enumerate(groups):
        label = title if k == 0 else f"{title.split(' (')[0]}, continued ({k + 1} of {len(groups)})"
        print_listing(rows, [Col("measure", keep=True), *(Col(n, n, keep=True) for n in group)], "table",
                      title=label)


@app.command()
def scorecard(
    iso3: Annotated[str, typer.Argument(help="State, ISO 3166-1 alpha-3 (e.g. FRA).")],
    on: OnOption = None,
    rules_dir: RulesOption = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
    format_: FormatOption = None,
    table: TableOption = None,
) -> None:
    """A state's record: commitments over time, incidents attributed to it and the norms they
    breached (its own commitments apart), incidents it suffered, responses made and received."""
    import polars as pl

    from normwatch.analysis import analytics

    fmt = list_format(format_, json_out)
    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    try:
        card = analytics.scorecard(base, iso3, rules, date_option(on, "--on"))
    except ValueError as exc:
        fail(str(exc))
    if _tables_out(fmt, table, card, {"kb_version": base.version, "rules_version": rules.version}):
        return
    s = card["summary"].row(0, named=True)
    out.print(f"[bold]{s['name']}[/] ({s['state']}) — scorecard on {s['on']} (kb {base.version})")
    out.print(
        f"attributed incidents: {s['attributed']} (high {s['attributed_high']}, medium {s['attributed_medium']}, "
        f"low {s['attributed_low']}); red line: {s['red_line_attributed']}; breach findings: "
        f"{s['breach_findings']} on {s['norms_breached']} norms — own commitments {s['own_commitment_breaches']}, "
        f"other {s['other_breaches']}; suffered: {s['suffered']} (not counting {s['also_hit_own']} of its own "
        f"incidents that also hit its own country); responses made: {s['responses_made']}, "
        f"received: {s['responses_received']}"
    )
    out.print(
        f"commitments held on {s['on']}: {s['committed_on_date']} of {s['commitments']} — "
        f"{s['binding_on_date']} legally binding (treaties and other binding instruments), "
        f"{s['political_on_date']} political commitments (not legally binding)"
    )
    # at 80 columns the dates a reader needs least go first (committed from: when it began to bind)
    _show(card["commitments"], "Commitments", ["instrument", "kind", "binding", "signed", "joined", "in_force",
                                               "committed_from", "committed_on_date"],
          drop={"signed": 3, "joined": 2, "in_force": 1},
          headers={"committed_on_date": f"on {s['on']}", "committed_from": "held from"})
    _show(card["norms"], "Norms breached in incidents attributed to it")
    # one table per confidence and the norms in a long table of their own: with ids kept whole
    # (up to 40 characters) a row holding the norm lists would not fit 80 columns
    attributed = card["attributed"]
    for level in analytics.CONFIDENCES:
        rows = attributed.filter(pl.col("confidence") == level)
        if rows.height:
            _show(rows, f"Incidents attributed to it with {level} confidence ({rows.height})",
                  ["incident", "start", "red_line", "tolerated_espionage"], drop={"tolerated_espionage": 1},
                  headers={"tolerated_espionage": "tolerated espionage"})
    findings = (attributed.select("incident", "start", "confidence", "breach", "own_commitment")
                .explode("breach").drop_nulls("breach")
                .with_columns(own=pl.col("own_commitment").list.contains(pl.col("breach"))))
    _show(findings.rename({"breach": "norm"}), "Breach findings in incidents attributed to it (one row per "
          "incident and norm; own: the norm was its own commitment)", ["incident", "norm", "confidence", "own"],
          drop={"confidence": 1})
    _show(card["suffered"], "Incidents it suffered", ["incident", "start", "responsible", "red_line"])
    if card["also_hit_own"].height:
        _show(card["also_hit_own"], "Incidents attributed to it that also hit its own country (not counted as "
                                    "suffered)", ["incident", "start", "responsible", "sectors"])
    _show(card["responses_made"], "Responses it made", ["incident", "kind", "date", "via", "against"])
    received = card["responses_received"].group_by("by", "kind").agg(responses=pl.len()).sort(
        ["responses", "by"], descending=[True, False])
    _show(received, "Responses to incidents attributed to it")


@app.command()
def rankings(
    by: Annotated[str, typer.Option("--by", help="own: breaches of the state's own commitments; "
                                               "all: every high-confidence breach finding.")] = "own",
    format_: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    rules_dir: RulesOption = None,
    kb: KbOption = None,
) -> None:
    """Rank states by breaches of their own commitments (--by own) or by high-confidence breach
    findings (--by all); undetermined and lower-confidence findings are counted apart."""
    from normwatch.analysis import rankings as ranking

    if by not in ranking.RANK_BY:
        fail(f"--by: unknown ranking {by!r}: use own or all")
    if format_ not in ("table", "csv", "json"):
        fail(f"--format: unknown format {format_!r}: use table, csv or json")
    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    result = ranking.rankings(base, rules, by)
    if format_ == "json":
        emit_json(result.model_dump(mode="json"))
        return
    if format_ == "csv":
        out.file.write(ranking.rankings_csv(result))
        return
    title = ("States by breaches of their own commitments" if result.by == "own"
             else "States by high-confidence breach findings")
    table = Table(title=f"{title} (kb {base.version}; counts are incident × norm findings)", title_justify="left")
    # short headers so the table fits 80 columns; the legend below says what each counts
    for name in ("rank", "state", "own", "high", "not own", "possible", "undetermined", "weaker"):
        table.add_column(name, justify="left" if name == "state" else "right", no_wrap=True)
    for row in result.rows:
        table.add_row(str(row.rank), row.state, str(row.own_commitment_breaches), str(row.high_confidence_breaches),
                      str(row.not_committed_breaches), str(row.possible_findings), str(row.undetermined_verdicts),
                      str(row.lower_confidence_incidents))
    out.print(table)
    lim = result.limits
    out.print(
        "own: breaches of its own commitments; high: all high-confidence breach findings; not own: of norms it "
        "had not committed to (or no commitment recorded); possible: named below high confidence; undetermined: "
        "verdicts a missing fact leaves open in its high-confidence incidents; weaker: incidents attributed to it "
        "below high confidence.", highlight=False, markup=False,
    )
    out.print(
        f"Not ranked: {lim.unattributed_incidents} of {lim.incidents} incidents have no state held responsible, "
        f"{lim.lower_confidence_only_incidents} only below high confidence. {lim.note} "
        "Incidents, claims and sources: --format json, or /rankings in the web UI.",
        highlight=False, markup=False,
    )


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
    format_: FormatOption = None,
    table: TableOption = None,
) -> None:
    """Compare blocs: commitment coverage, incidents attributed to members (membership on the
    incident's date), norms breached, red lines, breaches of endorsed norms, and UNGA vote cohesion."""
    from normwatch.analysis import analytics

    fmt = list_format(format_, json_out)
    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    names = bloc or list(analytics.DEFAULT_BLOCS)
    try:
        data = analytics.blocs(base, names, date_option(on, "--on"), rules, date_option(since, "--since"))
    except analytics.UnknownBloc as exc:
        fail(str(exc))
    if _tables_out(fmt, table, data, {"kb_version": base.version, "rules_version": rules.version}):
        return
    comparison = data["comparison"]
    _show_across(comparison, "bloc", f"Blocs on {comparison['on'][0]} (incidents: membership on the incident's "
                                     "date; votes: Rice and agreement indices, 1 = all alike)",
                 skip=("kind", "on", "since"))
    day = comparison["on"][0]
    _show(data["votes"], "Roll-call positions and Paris Call support", drop={"resolution": 2, "date": 1},
          headers={"paris_call_at_vote": "Paris Call at vote", "paris_call_on": f"Paris Call on {day}",
                   "share_paris_call_on": f"share Paris Call on {day}"})
    _show(data["crosstab"], "73/27 × 73/266", whole=("unga-73-27", "unga-73-266"))


@app.command()
def trends(
    rules_dir: RulesOption = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
    format_: FormatOption = None,
    table: TableOption = None,
) -> None:
    """Incidents per year by operation, responsible state and sector; red-line share; attribution delays."""
    import polars as pl

    from normwatch.analysis import analytics

    fmt = list_format(format_, json_out)
    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    data = analytics.trends(base, rules)
    summary = analytics.delay_summary(data["attribution_delays"])
    if _tables_out(fmt, table, data, {"kb_version": base.version, "rules_version": rules.version},
                   {"delay_summary": summary}):
        return
    _show(data["red_line_share"], "Red-line share per year")
    for key, label in (("by_operation", "operation"), ("by_responsible", "responsible"), ("by_sector", "sector")):
        wide = (data[key].pivot(on="year", index=label, values="incidents", sort_columns=True)
                .fill_null(0).with_columns(total=pl.sum_horizontal(pl.exclude(label)))
                .sort("total", descending=True))
        recent = [c for c in wide.columns if c.isdigit()][-8:]
        # a narrow terminal leaves out the oldest years first (the note under the table names them)
        _show(wide, f"Incidents per year by {label} (total, and the latest years; --format csv or json for all)",
              [label, "total", *recent], drop={y: len(recent) - k for k, y in enumerate(recent)}, whole=(label,))
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
        data, figures = reporting.rendered(base, kind, subject, format_,  # type: ignore[arg-type]
                                           rules, date_option(on, "--on"), date_option(since, "--since"))
    except reporting.ReportError as exc:
        fail(str(exc))
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
    out.print(f"wrote {out_path} ({len(data)} bytes, {figures} figures)", highlight=False)
