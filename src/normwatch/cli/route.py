"""CLI commands for the route concern; they register themselves on normwatch.cli.common.app."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from normwatch.cli.common import JsonOption, KbOption, app, checked_kb, emit_json, fail, out
from normwatch.errors import InputError
from normwatch.evidence import router as routes


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
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Who can ask whom for the data, and through which legal channel (Contract 4)."""
    try:
        routes.question(requesting, holder, data, provider_home, offender, urgent, on)
    except InputError as exc:
        fail(exc)
    base = checked_kb(kb)
    try:
        answer = routes.route(requesting, holder, data, provider_home, offender, urgent, on, kb=base).model_dump(
            mode="json"
        )
    except InputError as exc:
        fail(exc)
    if json_out:
        emit_json(answer)
        return
    q = answer["question"]
    extra = "".join([
        f", provider based in {q['provider_home']}" if q["provider_home"] else "",
        f", offender from {q['offender']}" if q["offender"] else "",
        ", URGENT" if q["urgent"] else "",
    ])
    out.print(
        f"[bold]{q['requesting']}[/] asks for [bold]{q['data']}[/] data held in "
        f"[bold]{q['holder']}[/]{extra}, on {q['on']}",
        highlight=False,
    )
    for entry in answer["jurisdiction"]:
        out.print(f"  jurisdiction {entry['state']}: {', '.join(entry['bases'])}", highlight=False)
    table = Table(title="Channels (open first, fastest first)", show_lines=True)
    table.add_column("channel", no_wrap=True)
    table.add_column("open", no_wrap=True)
    for column in ("typical time", "legal basis", "why"):
        table.add_column(column, overflow="fold")
    for row in answer["channels"]:
        mark = "[green]yes[/]" if row["applicable"] else "[red]no[/]"
        why = row["summary"] + (" [yellow](unconfirmed figures)[/]" if row["unconfirmed"] else "")
        table.add_row(row["id"], mark, row["typical_time"], row["legal_basis"], why)
    out.print(table)
    for gap in answer["gaps"]:
        out.print(f"[yellow]gap:[/] {gap}", highlight=False)
