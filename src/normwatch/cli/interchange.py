"""CLI commands for the interchange concern; they register themselves on normwatch.cli.common.app.

``incidents`` and ``incident`` browse the catalogue; ``import`` reads files of any
supported format, validates everything and writes all or nothing; ``export`` writes the
catalogue as STIX 2.1, CSV, JSON, JSON lines or Parquet, one tidy table, the assessments,
or a data release (docs/interchange.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from normwatch.cli.common import (
    Col,
    FormatOption,
    JsonOption,
    KbOption,
    app,
    emit_json,
    err,
    fail,
    list_format,
    out,
    print_listing,
)
from normwatch.errors import InputError
from normwatch.files import replacing, write_atomic

_MAX_LINE = 400


def _one_line(text: str) -> str:
    """A message safe to print as one line: no control characters, bounded length."""
    flat = "".join(c if c.isprintable() else " " for c in text)
    if len(flat) > _MAX_LINE:
        flat = flat[: _MAX_LINE - 1] + "…"
    return flat  # fail() escapes markup itself


def _country(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    from normwatch.knowledge.countries import country_code

    try:
        return country_code(value, option, "option")
    except InputError as exc:
        fail(_one_line(str(exc)))


@app.command()
def incidents(
    year: Annotated[int | None, typer.Option(help="Only incidents that started in this year.")] = None,
    responsible: Annotated[
        str | None, typer.Option(help="Only incidents attributed to this state (ISO3).")
    ] = None,
    victim: Annotated[str | None, typer.Option(help="Only incidents with a target in this state (ISO3).")] = None,
    sector: Annotated[str | None, typer.Option(help="Only incidents with a target in this sector.")] = None,
    operation: Annotated[str | None, typer.Option(help="Only incidents of this operation type.")] = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
) -> None:
    """List the incidents of the catalogue, filtered by year, responsible state, victim, sector, operation."""
    # the catalogue's filter pulls in the assessment engine: load it only for this command
    from normwatch.analysis.catalog import IncidentFilter
    from normwatch.knowledge.load import load_kb
    from normwatch.knowledge.models import OPERATIONS, SECTORS

    if sector is not None and sector not in SECTORS:
        fail(_one_line(f"--sector: {sector!r} is not a sector; one of {', '.join(SECTORS)}"))
    if operation is not None and operation not in OPERATIONS:
        fail(_one_line(f"--operation: {operation!r} is not an operation; one of {', '.join(OPERATIONS)}"))
    responsible_code = _country(responsible, "--responsible")
    victim_code = _country(victim, "--victim")
    where = IncidentFilter(year=year, responsible=responsible_code, victim=victim_code, sector=sector,
                           operation=operation)
    shape = list_format(fmt, json_out)
    rows = [i for i in load_kb(kb).incidents if where.matches(i, red_line=False)]
    rows.sort(key=lambda i: (i.start, i.id))
    listed = [
        {"id": i.id, "start": i.start, "name": i.name, "operation": list(i.operation),
         "responsible": sorted({f"{a.to} ({a.confidence})" for a in i.attributions}),
         "victims": sorted({t.country for t in i.targets})}
        for i in rows
    ]
    print_listing(
        listed,
        [Col("id", keep=True), Col("start", keep=True), Col("name", drop=3), Col("operation", drop=2),
         Col("responsible"), Col("victims", drop=1)],
        shape, title=f"Incidents ({len(rows)})",
        data=[i.model_dump(mode="json", exclude_defaults=True) for i in rows] if shape == "json" else None,
    )


@app.command()
def incident(incident_id: str, kb: KbOption = None, json_out: JsonOption = False) -> None:
    """Show one incident: what happened, to whom, who is held responsible, responses, sources."""
    from normwatch.knowledge.load import load_kb

    base = load_kb(kb)
    item = base.incident_by_id.get(incident_id)
    if item is None:
        fail(_one_line(f"unknown incident {incident_id!r}; see `normwatch incidents`"))
    if json_out:
        emit_json(item.model_dump(mode="json", exclude_defaults=True))
        return
    out.print(f"[bold]{escape(item.name)}[/] ({item.id}), {item.start}{' to ' + item.end if item.end else ''}")
    out.print(f"operation: {', '.join(item.operation)}")
    if item.summary:
        out.print(escape(item.summary))
    targets = Table(title="Targets")
    for column in ("country", "sector", "entity"):
        targets.add_column(column)
    for t in item.targets:
        targets.add_row(t.country, t.sector, escape(t.entity or ""))
    out.print(targets)
    if item.attributions:
        attributions = Table(title="Attributions")
        for column in ("to", "by", "kind", "confidence", "date"):
            attributions.add_column(column)
        for a in item.attributions:
            attributions.add_row(a.to, escape(", ".join(a.by)), a.kind, a.confidence, a.date or "")
        out.print(attributions)
    for actor in item.actors:
        out.print(f"actor: {escape(actor.name)} ({actor.kind}{', ' + actor.state if actor.state else ''})")
    effects = item.effects.model_dump(exclude_none=True)
    if effects:
        out.print("effects: " + ", ".join(f"{k}={v}" for k, v in effects.items()))
    for r in item.responses:
        out.print(f"response: {escape(r.by)} {r.kind}{' on ' + r.date if r.date else ''}")
    for rel in item.related:
        out.print(f"related: {rel.relation} {rel.id}")
    for url in item.sources:
        out.print(f"  source: {escape(url)}", highlight=False)


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not (enabled and err.is_terminal),
    )
    with progress:
        task = progress.add_task("importing", total=None)
        state = {"file": ""}

        def step(file: str, done: int, total: int) -> None:
            if file != state["file"]:
                state["file"] = file
                progress.update(task, description=f"importing {Path(file).name[:40]}",
                                completed=0, total=total or None)
            progress.update(task, completed=done)

        yield step


def _summary(result: Any, into: Path | None) -> dict[str, Any]:
    report = result.report.as_dict()
    return {
        "incidents": len(result.incidents),
        "groups": len(result.groups),
        "into": str(into) if into else None,
        "written": [str(p) for p in result.written],
        "report": report,
    }


@app.command(name="import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to import.")],
    fmt: Annotated[
        str, typer.Option("--format", help="auto|yaml|json|stix|csv|parquet|eurepoc|cfr|dcid")
    ] = "auto",
    into: Annotated[
        Path | None,
        typer.Option("--into", help="Folder to write the incidents into (one YAML file each). "
                                    "Without it, the input is only validated and mapped."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Import incidents (and groups) from YAML/JSON, STIX 2.1, CSV, Parquet, EuRepoC, CFR or DCID.

    Everything is validated first; then every file is written, or none.
    """
    from normwatch.interchange import import_incidents

    message = None
    result = None
    try:
        big = len(paths) > 3 or any(p.is_file() and p.stat().st_size > 1_000_000 for p in paths)
        with _progress(big and not json_out) as step:
            result = import_incidents(paths, into=into, fmt=fmt, step=step)
    except InputError as exc:
        message = str(exc)
    except (OSError, ValueError, RecursionError, MemoryError) as exc:
        message = f"{paths[0] if paths else 'import'}: {type(exc).__name__}: {exc}"
    if message is not None or result is None:
        fail(_one_line(message or "import failed"))
    summary = _summary(result, into)
    if json_out:
        emit_json(summary)
        return
    verb = f"imported into {escape(str(into))}" if into else "validated (nothing written; give --into DIR)"
    out.print(f"[green]ok[/]: {summary['incidents']} incidents, {summary['groups']} groups {verb}")
    report = summary["report"]
    if report["rows"] != summary["incidents"] + summary["groups"]:
        out.print(f"read {report['rows']} rows/objects, mapped {report['loaded']}")
    for reason, count in report["skipped"].items():
        out.print(f"  skipped {count}: {escape(reason)}", highlight=False)
    for what, counts in report["unmapped"].items():
        top = ", ".join(f"{escape(str(k))[:60]} ({v})" for k, v in list(counts.items())[:5])
        more = f", … {len(counts) - 5} more" if len(counts) > 5 else ""
        out.print(f"  not mapped, {escape(what)}: {top}{more}", highlight=False)


@app.command()
def export(
    fmt: Annotated[str, typer.Option(
        "--format", help="stix|csv|json|jsonl|parquet|sqlite|assessments-csv|assessments-parquet|release")],
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="File to write (default: standard output); for release, a new or empty folder.")] = None,
    table: Annotated[str | None, typer.Option(
        "--table", help="With csv or parquet: one tidy table (incidents, targets, attributions, responses, "
                        "sources, assessments, …; docs/interchange.md) instead of the packed incident rows.")] = None,
    kb: KbOption = None,
) -> None:
    """Export the incident catalogue (STIX also carries groups, state bodies and states), one
    tidy table, the assessments, or a whole data release with its codebook."""
    import sys

    from normwatch.interchange import incidents_io, stix, tabular
    from normwatch.knowledge.load import load_kb

    formats = ("stix", "csv", "json", "jsonl", "parquet", "sqlite", "assessments-csv", "assessments-parquet",
               "release")
    if fmt not in formats:
        fail(_one_line(f"--format: {fmt!r} is not one of {', '.join(formats)}"))
    if fmt.startswith("assessments-"):
        # the same table as --format csv|parquet --table assessments (and /api/assessments?format=csv)
        fmt, table = fmt.removeprefix("assessments-"), "assessments"
    if table is not None:
        if fmt not in ("csv", "parquet"):
            fail(f"--table goes with --format csv or parquet, not {fmt}")
        if table not in tabular.TABLES:
            fail(_one_line(f"--table: {table!r} is not a table; one of {', '.join(tabular.TABLES)}"))
    if fmt in ("parquet", "sqlite", "release") and out_path is None:
        fail(f"--format {fmt} needs --out {'DIR' if fmt == 'release' else 'FILE'}")
    base = load_kb(kb)
    if fmt == "release" or table is not None:
        _export_tidy(fmt, table, out_path, base)
        return
    if fmt == "sqlite":
        from normwatch.analysis.catalog import Catalog
        from normwatch.engine.rules import shipped_rules
        from normwatch.service.store import export_sqlite

        assert out_path is not None
        export_sqlite(out_path, catalog=Catalog(base, shipped_rules()))
        out.print(f"wrote {out_path}")
        return
    records = sorted(base.incidents, key=lambda i: i.id)
    message = None
    try:
        if fmt == "parquet":
            assert out_path is not None
            with replacing(out_path) as temp:
                tabular.write_parquet(records, temp)
        else:
            if fmt == "stix":
                bundle = stix.export_bundle(records, sorted(base.groups, key=lambda g: g.id),
                                            sorted(base.bodies, key=lambda b: b.id), base.states)
                text = stix.dump_bundle(bundle)
            elif fmt == "csv":
                text = tabular.dump_csv(records)
            elif fmt == "json":
                text = incidents_io.dump_json(records)
            else:
                text = incidents_io.dump_jsonl(records)
            if out_path is None:
                sys.stdout.write(text)
            else:
                write_atomic(out_path, text.encode("utf-8"))
    except (OSError, ValueError) as exc:
        message = f"export: {type(exc).__name__}: {exc}"
    if message:
        fail(_one_line(message))
    if out_path is not None:
        err.print(f"[green]ok[/]: {len(records)} incidents written to {escape(str(out_path))} ({fmt})")


def _export_tidy(fmt: str, table: str | None, out_path: Path | None, base: Any) -> None:
    """``export --format release``, or one tidy table as CSV or Parquet."""
    import sys

    from normwatch.engine.rules import shipped_rules
    from normwatch.interchange import release, tabular

    message = None
    try:
        if fmt == "release":
            assert out_path is not None
            manifest = release.write_release(out_path, base, shipped_rules())
            err.print(f"[green]ok[/]: release of {manifest.incidents} incidents, {len(manifest.tables)} tables, "
                      f"written to {escape(str(out_path))} (kb {manifest.kb_version}, rules {manifest.rules_version})")
            return
        assert table is not None
        found = release.tidy_table(table, base, shipped_rules())
        if fmt == "parquet":
            assert out_path is not None
            with replacing(out_path) as temp:
                tabular.write_table_parquet(found, temp)
        elif out_path is None:
            sys.stdout.write(tabular.table_csv(found))
        else:
            write_atomic(out_path, tabular.table_csv(found).encode("utf-8"))
    except InputError as exc:
        message = str(exc)
    except (OSError, ValueError) as exc:
        message = f"export: {type(exc).__name__}: {exc}"
    if message:
        fail(_one_line(message))
    if out_path is not None:
        err.print(f"[green]ok[/]: {len(found.rows)} rows of table {table} written to {escape(str(out_path))} ({fmt})")
