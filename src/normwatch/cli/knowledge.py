"""Commands that browse and check the knowledge base: check, norms, state, instruments,
committed, groups, overview."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from normwatch.cli.common import (
    Col,
    FormatOption,
    JsonOption,
    KbOption,
    app,
    checked_kb,
    emit_json,
    err,
    fail,
    list_format,
    out,
    print_listing,
)
from normwatch.errors import NotFound


@app.command()
def check(
    files: Annotated[list[Path] | None, typer.Argument(help="Extra YAML/JSON files to validate.")] = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Validate the knowledge base and any extra files: schema, references, dates, sources."""
    from normwatch.knowledge.check import check as check_kb
    from normwatch.knowledge.load import load

    base = load(kb, extra=files or [])
    problems = check_kb(base)
    if kb is None:
        # The shipped channel file names shipped instruments and families; a user's own
        # knowledge base need not hold them, so only the shipped pair is checked together.
        from normwatch.errors import Problem
        from normwatch.evidence.router import channels_path, check_channels

        where = str(channels_path())
        problems += [Problem(where, "", "channels", message) for message in check_channels(base)]
    if json_out:
        emit_json({
            "kb_version": base.version,
            "ok": not problems,
            "problems": [p.__dict__ for p in problems],
        })
    else:
        for problem in problems:
            err.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    if problems:
        if not json_out:
            err.print(f"[bold red]{len(problems)} problem(s) found[/]")
        raise typer.Exit(2)
    if not json_out:
        out.print(
            f"[green]ok[/]: {len(base.frameworks)} frameworks, {len(base.norms)} norms, "
            f"{len(base.states)} states, {len(base.organisations)} organisations, "
            f"{len(base.instruments)} instruments, {len(base.commitments)} commitments, "
            f"{len(base.groups)} groups, {len(base.incidents)} incidents, "
            f"{len(base.positions)} national positions, {len(base.sanctions)} sanctions regimes "
            f"(kb {base.version})"
        )


@app.command()
def norms(
    framework: Annotated[str | None, typer.Option(help="Only this framework id.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only norms with this tag.")] = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
) -> None:
    """List the norms of every framework."""
    shape = list_format(fmt, json_out)
    base = checked_kb(kb)
    rows = [
        n for n in base.norms.values()
        if (framework is None or base.framework_of[n.id].id == framework)
        and (tag is None or tag in n.tags)
    ]
    if framework and not rows and framework not in {f.id for f in base.frameworks}:
        fail(f"unknown framework {framework!r}; known: {', '.join(f.id for f in base.frameworks)}")
    print_listing(
        [{"id": n.id, "framework": base.framework_of[n.id].id, "title": n.title, "paragraph": n.paragraph,
          "tags": list(n.tags)} for n in rows],
        [Col("id", keep=True), Col("title"), Col("paragraph", drop=2), Col("tags", drop=1)],
        shape, title="Norms", csv_columns=("id", "framework", "title", "paragraph", "tags"),
        data=[n.model_dump(mode="json", exclude_none=True) for n in rows] if shape == "json" else None,
    )


@app.command()
def norm(norm_id: str, kb: KbOption = None, json_out: JsonOption = False) -> None:
    """Show one norm: summary, paragraph, tags, crosswalk and sources."""
    from normwatch.analysis import browse

    base = checked_kb(kb)
    try:
        item = browse.norm(base, norm_id)
    except NotFound as exc:
        fail(str(exc))
    framework = base.framework_of[item.id]
    if json_out:
        emit_json({**item.model_dump(mode="json", exclude_none=True), "framework": framework.id})
        return
    out.print(f"[bold]{item.id}[/] — {item.title}")
    out.print(f"{framework.name}, {item.paragraph} (adopted {framework.adopted})")
    out.print(item.summary)
    out.print(f"tags: {', '.join(item.tags) or '-'}")
    for other in item.crosswalk:
        out.print(f"  overlaps {other}: {base.norms[other].title}")
    for url in item.sources:
        out.print(f"  source: {url}", highlight=False)
    if item.unconfirmed:
        out.print(f"[yellow]unconfirmed[/]: {item.note}")


@app.command()
def state(
    iso3: str,
    on: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD (default today).")] = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """A state's memberships and commitments."""
    from normwatch.analysis import browse

    base = checked_kb(kb)
    try:
        profile = browse.state_profile(base, iso3, on)
    except (NotFound, ValueError) as exc:
        fail(str(exc))
    if json_out:
        emit_json(profile)
        return
    out.print(f"[bold]{profile['name']}[/] ({profile['state']}), UN: {profile['un'] or 'not a member'}")
    members = Table(title="Memberships")
    for column in ("organisation", "joined", "left"):
        members.add_column(column)
    for row in profile["memberships"]:
        members.add_row(row["name"], row["joined"], row["left"] or "")
    out.print(members)
    table = Table(title=f"Commitments (committed on {profile['on']}?)")
    for column in ("instrument", "signed", "ratified/joined", "in force", "committed from", "on date"):
        table.add_column(column)
    for row in profile["commitments"]:
        table.add_row(
            row["instrument"], row["signed"] or "", row["ratified"] or row["joined"] or "",
            row["in_force"] or "", row["committed_from"] or "no",
            "yes" if row["committed_on_date"] else "no",
        )
    out.print(table)


@app.command()
def instrument(
    instrument_id: str,
    on: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD (default today).")] = None,
    states_only: Annotated[bool, typer.Option("--states-only", help="Hide non-state supporters.")] = False,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """An instrument and its parties over time."""
    from normwatch.analysis import browse

    base = checked_kb(kb)
    try:
        profile = browse.instrument_profile(base, instrument_id, on)
    except (NotFound, ValueError) as exc:
        fail(str(exc))
    if states_only:
        profile["commitments"] = [r for r in profile["commitments"] if r["is_state"]]
    if json_out:
        emit_json(profile)
        return
    info = profile["instrument"]
    counts = profile["counts"]
    out.print(f"[bold]{info['name']}[/] ({info['id']}, {info['kind']}, adopted {info['adopted']})")
    out.print(
        f"{counts['states_committed_on_date']} states committed on {profile['on']}; "
        f"{counts['signatories_only']} signatories only; "
        f"{counts['others_committed_on_date']} other supporters"
    )
    out.print("committed by year (cumulative): " + ", ".join(
        f"{year}: {n}" for year, n in profile["committed_by_year"].items()
    ))
    table = Table()
    for column in ("party", "signed", "ratified/joined", "in force", "committed from"):
        table.add_column(column)
    for row in profile["commitments"]:
        table.add_row(
            row["who"], row["signed"] or "", row["ratified"] or row["joined"] or "",
            row["in_force"] or "", row["committed_from"] or "not bound",
        )
    out.print(table)


@app.command()
def instruments(kb: KbOption = None, json_out: JsonOption = False, fmt: FormatOption = None) -> None:
    """List the instruments and how many states are committed today."""
    from normwatch.analysis import browse

    shape = list_format(fmt, json_out)
    base = checked_kb(kb)
    rows = []
    for item in base.instruments:
        profile = browse.instrument_profile(base, item.id)
        rows.append({
            "id": item.id, "name": item.name, "kind": item.kind, "adopted": item.adopted,
            "entry_into_force": item.entry_into_force,
            "states_committed": profile["counts"]["states_committed_on_date"],
        })
    print_listing(
        rows,
        [Col("id", keep=True), Col("kind", drop=2), Col("adopted", keep=True),
         Col("entry_into_force", "in force", keep=True), Col("states_committed", "states committed today"),
         Col("name", drop=1)],
        shape, title="Instruments",
        csv_columns=("id", "name", "kind", "adopted", "entry_into_force", "states_committed"),
    )


@app.command()
def committed(
    who: str,
    what: str,
    on: Annotated[str, typer.Option(help="Date YYYY-MM-DD.")],
    signed: Annotated[bool, typer.Option("--signed", help="Count a bare signature.")] = False,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Was WHO (ISO3 or party name) committed to WHAT (instrument, framework or norm) on a date?"""
    from normwatch.knowledge.commitments import commitment_status

    base = checked_kb(kb)
    try:
        status = commitment_status(base, who, what, on, "signed" if signed else "bound")
    except (KeyError, ValueError) as exc:
        fail(str(exc).strip("'\""))
    if json_out:
        emit_json({
            "who": status.who, "what": status.what, "on": status.on.isoformat(),
            "committed": status.committed, "reason": status.reason,
            "via": [c.instrument for c in status.via],
        })
        return
    answer = "[green]yes[/]" if status.committed else "[red]no[/]"
    out.print(f"{answer}: {status.reason}")


@app.command()
def groups(
    state_code: Annotated[
        str | None, typer.Option("--state", help="Only groups linked to this state.")
    ] = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
) -> None:
    """List threat-actor groups and the states they are linked to."""
    shape = list_format(fmt, json_out)
    base = checked_kb(kb)
    rows = [
        g for g in base.groups
        if state_code is None or any(link.state == state_code.upper() for link in g.links)
    ]
    print_listing(
        [{"id": g.id, "name": g.name, "attack_id": g.attack_id, "sponsor": g.sponsor,
          "linked_to": sorted({f"{lk.state} ({lk.confidence})" for lk in g.links}), "aliases": list(g.aliases)}
         for g in rows],
        [Col("id", keep=True), Col("name", drop=1), Col("attack_id", "ATT&CK", keep=True, drop=3),
         Col("linked_to", "linked to"), Col("aliases", drop=2, text=lambda a: ", ".join(a[:4]))],
        shape, title="Threat-actor groups",
        csv_columns=("id", "name", "attack_id", "sponsor", "linked_to", "aliases"),
        data=[{**g.model_dump(mode="json", exclude_none=True), "sponsor": g.sponsor} for g in rows]
        if shape == "json" else None,
    )


@app.command()
def group(group_id: str, kb: KbOption = None, json_out: JsonOption = False) -> None:
    """Show one group (by id, name or alias) with every claim linking it to a state."""
    base = checked_kb(kb)
    item = base.find_group(group_id)
    if item is None:
        fail(f"unknown group {group_id!r}; see `normwatch groups`")
    if json_out:
        emit_json({**item.model_dump(mode="json", exclude_none=True), "sponsor": item.sponsor})
        return
    out.print(f"[bold]{item.name}[/] ({item.id}{', ' + item.attack_id if item.attack_id else ''})")
    out.print(f"aliases: {', '.join(item.aliases) or '-'}")
    if item.summary:
        out.print(item.summary)
    table = Table(title="Claims linking the group to a state")
    for column in ("state", "body", "by", "kind", "confidence", "date"):
        table.add_column(column)
    for link in item.links:
        table.add_row(link.state, link.body or "", ", ".join(link.by), link.kind,
                      link.confidence + (" (unconfirmed)" if link.unconfirmed else ""),
                      link.date or "")
    out.print(table)


@app.command()
def overview(kb: KbOption = None) -> None:
    """Check the knowledge base and print what it holds."""
    from normwatch.analysis import browse

    base = checked_kb(kb)
    table = Table(title=f"normwatch knowledge base {base.version}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for fw in base.frameworks:
        table.add_row(f"norms of {fw.id}", str(len(fw.norms)))
    table.add_row("states (UN members and observers)", str(len(base.states)))
    table.add_row("organisations", str(len(base.organisations)))
    for item in base.instruments:
        profile = browse.instrument_profile(base, item.id)
        committed_today = profile["counts"]["states_committed_on_date"]
        table.add_row(f"states committed to {item.id} today", str(committed_today))
    table.add_row("threat-actor groups", str(len(base.groups)))
    table.add_row("incidents", str(len(base.incidents)))
    out.print(table)
