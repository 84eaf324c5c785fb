"""CLI commands for the route concern; they register themselves on normwatch.cli.common.app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from normwatch.cli.common import JsonOption, KbOption, app, checked_kb, emit_json, fail, out
from normwatch.errors import InputError
from normwatch.files import write_atomic


@app.command("route")
def route_command(
    requesting: Annotated[
        str, typer.Option("--requesting", help="State that wants the data (ISO3), e.g. FRA.")
    ],
    holder: Annotated[
        str, typer.Option("--holder", help="State where the data or server is (ISO3), e.g. NLD.")
    ],
    data: Annotated[str, typer.Option("--data", help="Data category: subscriber, traffic or content.")],
    provider_home: Annotated[
        str | None, typer.Option("--provider-home", help="Home state of the service provider (ISO3).")
    ] = None,
    offender: Annotated[str | None, typer.Option("--offender", help="Offender's state (ISO3).")] = None,
    urgent: Annotated[bool, typer.Option("--urgent", help="Emergency: threat to life or safety.")] = False,
    on: Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default today).")] = None,
    provider_offers_eu: Annotated[
        bool, typer.Option("--provider-offers-eu", help="The provider offers services in the EU.")
    ] = False,
    organised_crime: Annotated[
        bool, typer.Option("--organised-crime", help="An organised criminal group is involved.")
    ] = False,
    request_draft: Annotated[
        str | None,
        typer.Option("--request-draft", help="Write a request skeleton: md, html, docx or pdf."),
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="Channel id for --request-draft (default: the best open one).")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="File for --request-draft (default request-REQ-HOLDER.FMT).")
    ] = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Who can ask whom for the data, and through which legal channel (Contract 4)."""
    # here, not at the top: every other command would pay for the router's import
    from normwatch.evidence import router as routes
    from normwatch.publish.request import DRAFT_FORMATS, render_request, request_document

    try:
        routes.question(
            requesting, holder, data, provider_home, offender, urgent, on,
            provider_offers_eu, organised_crime,
        )
        if request_draft is not None and request_draft not in DRAFT_FORMATS:
            raise InputError.one(
                "route", "", "request-draft",
                f"unknown format {request_draft!r}; use {', '.join(DRAFT_FORMATS)}",
            )
    except InputError as exc:
        fail(exc)
    base = checked_kb(kb)
    try:
        typed = routes.route(
            requesting, holder, data, provider_home, offender, urgent, on,
            provider_offers_eu, organised_crime, kb=base,
        )
        if request_draft is not None:
            document = request_document(typed, channel, base.version)
            target = out_path or Path(
                f"request-{typed.question.requesting}-{typed.question.holder}.{request_draft}"
            )
            write_atomic(target, render_request(document, request_draft))
            out.print(f"wrote {target} ({document.subject})", highlight=False)
            return
    except InputError as exc:
        fail(exc)
    answer = typed.model_dump(mode="json")
    if json_out:
        emit_json(answer)
        return
    q = answer["question"]
    extra = "".join([
        f", provider based in {q['provider_home']}" if q["provider_home"] else "",
        f", offender from {q['offender']}" if q["offender"] else "",
        ", provider offers services in the EU" if q["provider_offers_eu"] else "",
        ", organised crime" if q["organised_crime"] else "",
        ", URGENT" if q["urgent"] else "",
    ])
    out.print(
        f"[bold]{q['requesting']}[/] asks for [bold]{q['data']}[/] data held in "
        f"[bold]{q['holder']}[/]{extra}, on {q['on']}",
        highlight=False,
    )
    for entry in answer["jurisdiction"]:
        out.print(f"  jurisdiction {entry['state']}: {', '.join(entry['bases'])}", highlight=False)
    # A list, not a table: at 80 columns a five-column table cut names and ids.
    open_rows = [r for r in answer["channels"] if r["applicable"]]
    closed = [r for r in answer["channels"] if not r["applicable"]]
    out.print(f"\n[bold]Open channels[/] ({len(open_rows)}, fastest first)", highlight=False)
    for row in open_rows:
        doubt = " [yellow](unconfirmed figures)[/]" if row["unconfirmed"] else ""
        out.print(f"[green]+[/] [bold]{escape(row['name'])}[/] ({row['id']}): {escape(row['typical_time'])}{doubt}",
                  highlight=False)
        out.print(f"    {escape(row['legal_basis'])}", highlight=False)
        out.print(f"    {escape(row['summary'])}", highlight=False)
        for contact in row["contacts"]:
            out.print(f"    send to: {escape(contact['text'])}", highlight=False)
    out.print(f"\n[bold]Not open[/] ({len(closed)})", highlight=False)
    for row in closed:
        out.print(f"[red]-[/] {escape(row['name'])} ({row['id']}): {escape(row['summary'])}", highlight=False)
    out.print("")
    for gap in answer["gaps"]:
        out.print(f"[yellow]gap:[/] {escape(gap)}", highlight=False)
