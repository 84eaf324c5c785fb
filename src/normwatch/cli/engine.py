"""CLI commands of the assessment engine: assess, rules, rule, brief, whatif."""

from __future__ import annotations

import json
import os
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
from normwatch.errors import InputError, NotFound

VERDICT_STYLE = {"breach": "bold red", "possible": "yellow", "undetermined": "dim", "not-engaged": "green"}


@app.command()
def assess(
    incident_ids: Annotated[list[str] | None, typer.Argument(help="Catalogue incident ids.")] = None,
    file: Annotated[
        list[Path] | None,
        typer.Option("--file", help="Incident file or folder (Contract 1: YAML, JSON, JSON lines); repeatable."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Assess the whole catalogue.")] = False,
    view: Annotated[
        list[str] | None,
        typer.Option(
            "--view",
            help="Law answers under this state's (ISO3) or group's (eu, au) published position; repeatable.",
        ),
    ] = None,
    rules_dir: RulesOption = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Assess incidents against every norm, the law and the red lines (Contract 3)."""
    # here, not at the top: every other command would load the engine too
    from normwatch.engine.assessment import assessment_document
    from normwatch.interchange.incidents_io import read_incident_files

    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    chosen = list(base.incidents) if all_ else []
    for incident_id in incident_ids or []:
        incident = base.incident_by_id.get(incident_id)
        if incident is None:
            fail(f"unknown incident {incident_id!r}; see `normwatch incidents`")
        chosen.append(incident)
    if file:
        extra, problems = read_incident_files(file)
        if problems:
            fail(InputError(problems))
        chosen += extra
    if not chosen:
        fail("name incidents, give --file PATH or use --all")
    asked = _views(view or [], base)
    # a long list is assessed on every core: the command line forks nothing else
    document = assessment_document(chosen, base, rules, views=asked, processes=os.cpu_count() or 1)
    if asked:
        # --view narrows the views shown to those asked (the baseline stays for comparison)
        wanted = {"tallinn", *asked}
        for item in document["assessments"]:
            item["law_views"] = [v for v in item["law_views"] if v["view"] in wanted]
    if json_out:
        emit_json(document)
        return
    for item in document["assessments"]:
        _print_assessment(item)


def _views(values: list[str], base: Any) -> tuple[str, ...]:
    """The views asked for: ISO3 codes (country names and ISO-2 accepted), group ids or
    ``tallinn``; one without a published position in the knowledge base is an error."""
    from normwatch.knowledge.countries import country_code

    authors = {p.who for p in base.positions}
    chosen: list[str] = []
    for raw in values:
        value = raw.strip()
        if value.lower() == "tallinn":
            continue
        who = value.lower() if value.lower() in base.organisation_by_id else None
        if who is None:
            try:
                who = country_code(value, "view", "assess")
            except InputError as exc:
                fail(exc)
        if who not in authors:
            fail(f"no published position of {who} is recorded in the knowledge base; "
                 f"positions are recorded for: {', '.join(sorted(authors))}")
        chosen.append(who)
    return tuple(chosen)


def _print_assessment(item: dict[str, Any]) -> None:
    who = ", ".join(f"{r['state']} ({r['confidence']})" for r in item["responsible"])
    who = who or "no state attributed"
    flags = []
    if item["red_line"]:
        flags.append("[bold red]red line[/]")
    if item["tolerated_espionage"]:
        flags.append("[green]tolerated espionage[/]")
    out.print(
        f"\n[bold]{item['incident']}[/]  responsible: {who}  "
        f"intensity {item['intensity']}  {' '.join(flags)}"
    )
    table = Table(show_header=True, header_style="bold")
    table.add_column("norm")
    table.add_column("verdict")
    table.add_column("because")
    for norm in item["norms"]:
        if norm["verdict"] == "not-engaged":
            continue
        style = VERDICT_STYLE[norm["verdict"]]
        table.add_row(norm["id"], f"[{style}]{norm['verdict']}[/]", escape("; ".join(norm["reasons"][:2])))
    out.print(table)
    law = ", ".join(f"{q}: {a}" for q, a in item["law"].items())
    out.print(f"law: {law}")
    for v in item.get("law_views", [])[1:]:
        answers = ", ".join(f"{q}: {a}" for q, a in v["answers"].items() if q not in v["silent"])
        answers = answers or "silent on every question (the baseline applies)"
        if v["silent"] and len(v["silent"]) < len(v["answers"]):
            answers += f" (silent on {', '.join(v['silent'])})"
        broken = v.get("breaks_own_reading") or []
        own = f"  [bold red]breaks its own reading: {', '.join(broken)}[/]" if broken else ""
        out.print(f"law as {escape(v['name'])} reads it: {answers}{own}")
    for c in item["commitments_breached"]:
        out.print(f"commitment breached: {c['state']} {c['norm']} (via {c['instrument']})")
    out.print("options: " + ", ".join(o["id"] for o in item["response_options"]))


@app.command()
def rules(
    rules_dir: RulesOption = None,
    facts: Annotated[bool, typer.Option("--facts", help="List the facts rules can use.")] = False,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
) -> None:
    """List the rules (one per norm) or the facts they are written in."""
    from normwatch.engine.facts import BASE_FACTS
    from normwatch.engine.rules import INJECTED_MEANINGS

    shape = list_format(fmt, json_out)
    ruleset = checked_rules(rules_dir)
    if facts:
        rows: list[dict[str, Any]] = [
            {"fact": n, "type": k, "meaning": m, "derived": False} for n, (k, m) in BASE_FACTS.items()
        ]
        rows += [{"fact": d.name, "type": "bool", "meaning": d.meaning, "derived": True, "when": d.when}
                 for d in ruleset.derived]
        # computed by the engine itself, between rule families: usable in responses.yaml
        rows += [{"fact": name, "type": "bool", "meaning": meaning, "derived": True, "when": "(engine)"}
                 for name, meaning in INJECTED_MEANINGS.items()]
        for row in rows:
            row["kind"] = row["type"] + (" (derived)" if row["derived"] else "")
        print_listing(
            rows, [Col("fact", keep=True), Col("kind", "type", drop=1), Col("meaning")], shape,
            title=f"Facts (rules {ruleset.version})", data=[{k: v for k, v in r.items() if k != "kind"} for r in rows],
            csv_columns=("fact", "type", "derived", "meaning", "when"),
        )
        return
    items = [r.model_dump() for r in ruleset.norms.values()]
    if shape == "csv":
        print_listing([{"norm": r.norm, "engaged_when": " OR ".join(c.when.strip() for c in r.engaged)}
                       for r in ruleset.norms.values()], [Col("norm"), Col("engaged_when")], shape)
        return
    if shape == "json":
        emit_json({
            "rules_version": ruleset.version, "norms": items,
            "law": [q.model_dump() for q in ruleset.law],
            "closed_world": [c.model_dump(mode="json", exclude_none=True) for c in ruleset.closed_world],
            "views": [v.model_dump() for v in ruleset.views],
        })
        return
    print_listing(
        [{"norm": r.norm, "engaged_when": " OR ".join(c.when.strip() for c in r.engaged)}
         for r in ruleset.norms.values()],
        [Col("norm", keep=True), Col("engaged_when", "engaged when")], shape, title=f"Rules {ruleset.version}",
    )
    print_listing(
        [{"question": q.id, "rule": q.rule, "yes_when": " OR ".join(c.when.strip() for c in q.yes_when)}
         for q in ruleset.law],
        [Col("question", keep=True), Col("rule", drop=1), Col("yes_when", "yes when")], shape,
        title="International-law questions (law.yaml)",
    )
    for inference in ruleset.closed_world:
        implied = ", ".join(f"{k}={v}" for k, v in inference.implied().items())
        out.print(f"closed world: only {', '.join(inference.only)} -> {implied}", highlight=False)
    stances = ", ".join(f"{v.topic}/{v.stance}" for v in ruleset.views)
    out.print(f"national-position views: {stances}", highlight=False)


@app.command()
def rule(norm_id: str, rules_dir: RulesOption = None, json_out: JsonOption = False) -> None:
    """Show the rule of one norm: its clauses and responsibility conditions."""
    ruleset = checked_rules(rules_dir)
    item = ruleset.norms.get(norm_id)
    if item is None:
        fail(f"no rule for {norm_id!r}; see `normwatch rules`")
    if json_out:
        emit_json(item.model_dump())
        return
    out.print(f"[bold]{item.norm}[/] (rules {ruleset.version})")
    for clause in item.engaged:
        out.print(f"  engaged when [cyan]{clause.when.strip()}[/]: {clause.reason}")
    out.print(f"  otherwise not engaged: {item.not_engaged}")
    if item.breach:
        out.print(f"  breach when [cyan]{item.breach}[/]")
    if item.possible:
        out.print(f"  possible when [cyan]{item.possible}[/]")


@app.command()
def brief(
    incident_id: Annotated[str | None, typer.Argument(help="A catalogue incident id (or give --file).")] = None,
    file: Annotated[
        list[Path] | None,
        typer.Option("--file", help="Incident file or folder (Contract 1: YAML, JSON, JSON lines), such as a "
                     "draft from `normwatch draft --from-text`; repeatable."),
    ] = None,
    format_: Annotated[str, typer.Option("--format", help="md, html, pdf or json.")] = "md",
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Write to this file (pdf: brief-ID.pdf by default); with several incidents, "
        "a folder that gets one brief per incident.")] = None,
    on: Annotated[str | None, typer.Option(help="Date for open channels, YYYY-MM-DD (default today).")] = None,
    rules_dir: RulesOption = None,
    kb: KbOption = None,
) -> None:
    """Crisis brief: assessment, response options, precedents and open channels.

    A draft incident is briefed exactly like a catalogue one: give it with --file."""
    from normwatch.analysis.brief import brief as make_brief
    from normwatch.files import write_atomic
    from normwatch.interchange.incidents_io import read_incident_files
    from normwatch.publish.brief import brief_document
    from normwatch.publish.document import to_html, to_markdown

    if format_ not in ("md", "html", "pdf", "json"):
        fail(f"unknown format {format_!r}: use md, html, pdf or json")
    if (incident_id is None) == (not file):
        fail("give one catalogue incident id or --file PATH (one of the two)")
    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    when = date_option(on or None, "--on")
    if incident_id is not None:
        incident = base.incident_by_id.get(incident_id)
        if incident is None:
            fail(f"unknown incident {incident_id!r}; see `normwatch incidents`, or brief a draft with --file")
        chosen = [incident]
    else:
        chosen, problems = read_incident_files(file or [])
        if problems:
            fail(InputError(problems))
        if not chosen:
            fail(f"no incident in {', '.join(str(p) for p in file or [])}")
    several = len(chosen) > 1
    if several and format_ in ("html", "pdf") and out_path is None:
        fail(f"{len(chosen)} incidents make {len(chosen)} {format_} briefs: give --out FOLDER")
    if format_ == "pdf" and out_path is None:
        out_path = Path(f"brief-{chosen[0].id}.pdf")

    def render(data: dict[str, Any]) -> bytes:
        if format_ == "json":
            return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
        doc = brief_document(data)
        if format_ == "pdf":
            from normwatch.publish.report import render as render_document

            return render_document(doc, "pdf")
        return (to_markdown(doc) if format_ == "md" else to_html(doc)).encode()

    briefs = [make_brief(item, base, rules, when).model_dump(mode="json") for item in chosen]
    if several and out_path is not None:
        if out_path.exists() and not out_path.is_dir():
            fail(f"{out_path}: {len(chosen)} briefs need a folder, and this is a file")
        out_path.mkdir(parents=True, exist_ok=True)
        for item, data in zip(chosen, briefs, strict=True):
            write_atomic(out_path / f"{item.id}.{format_}", render(data))
        out.print(f"wrote {len(chosen)} briefs to {out_path}")
        return
    if format_ == "json":
        body = (json.dumps(briefs if several else briefs[0], indent=2, ensure_ascii=False) + "\n").encode()
    else:
        body = b"\n---\n\n".join(render(data) for data in briefs)
    if out_path is None:
        out.file.write(body.decode())
        return
    write_atomic(out_path, body)
    out.print(f"wrote {out_path}")


@app.command()
def whatif(
    draft_path: Annotated[Path, typer.Argument(help="Draft rule (YAML, the format of rules/norms.yaml).")],
    against: Annotated[str | None, typer.Option(help="Compare with this existing norm.")] = None,
    instrument: Annotated[str, typer.Option(help="Signatories of this instrument vs the rest.")] = "paris-call",
    rules_dir: RulesOption = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run a draft norm over the whole catalogue: what it would cover, and how it differs."""
    from normwatch.analysis.whatif import read_draft
    from normwatch.analysis.whatif import whatif as run_whatif

    base = checked_kb(kb)
    rules = checked_rules(rules_dir)
    try:
        draft = read_draft(draft_path, rules)
        result = run_whatif(draft, base, rules, against, instrument).model_dump(mode="json")
    except (InputError, NotFound) as exc:
        fail(exc if isinstance(exc, InputError) else str(exc))
    if json_out:
        emit_json(result)
        return
    covered = result["covered"]
    out.print(f"[bold]{result['draft']}[/] covers {len(covered)} of {result['incidents']} incidents "
              f"({', '.join(f'{k}: {v}' for k, v in sorted(result['verdicts'].items()))})")
    out.print("by year: " + ", ".join(f"{y}: {n}" for y, n in result["by_year"].items()))
    out.print("by responsible state: " + ", ".join(f"{s}: {n}" for s, n in result["by_responsible_state"].items()))
    sides = {k: v for k, v in result["signatories"].items() if k != "instrument"}
    out.print(f"responsible state committed to {result['signatories']['instrument']}: "
              + ", ".join(f"{k}: {v}" for k, v in sides.items()))
    if "against" in result:
        diff = result["against"]
        out.print(f"vs {diff['norm']}: both {len(diff['both'])}, only the draft {len(diff['only_draft'])}, "
                  f"only {diff['norm']} {len(diff['only_existing'])}")
        for key in ("only_draft", "only_existing"):
            if diff[key]:
                out.print(f"  {key}: {', '.join(diff[key])}")
