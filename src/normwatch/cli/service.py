"""CLI commands of the service: serve, db (build, status, migrate, export-yaml, export-sqlite), token."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from normwatch.cli.common import (
    Col,
    FormatOption,
    JsonOption,
    KbOption,
    app,
    checked_kb,
    emit_json,
    fail,
    list_format,
    out,
    print_listing,
)

if TYPE_CHECKING:
    from normwatch.service.store import Store

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL or SQLite path (default: $NORMWATCH_DATABASE_URL, "
                                    "else normwatch.sqlite in the data folder)."),
]

db_app = typer.Typer(no_args_is_help=True, help="The service's store: build, status, migrations, exports.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens for writes: create, list, revoke.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _store(database: str | None) -> Store:
    from normwatch.service.store import Store, StoreError

    try:
        store = Store(database)
        store.migrate()
    except StoreError as exc:
        fail(str(exc))
    except Exception as exc:  # a bad URL, an unreachable server: one line, exit 2
        fail(f"cannot open the database: {str(exc).splitlines()[0]}")
    return store


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    database: DatabaseOption = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    workers: Annotated[int, typer.Option(help="Server processes on the one port.", min=1, max=64)] = 1,
) -> None:
    """Serve the web UI, the REST API (/api) and TAXII 2.1 (/taxii2) over the store.

    The SQLite store is built from the knowledge base on first run (and brought up to date
    when the knowledge base changes).
    """
    from normwatch.service.app import serve as run
    from normwatch.service.store import StoreError, database_url

    out.print(f"normwatch: store {database_url(database).split('@')[-1]}; serving http://{host}:{port}/ "
              f"(API /api, OpenAPI /openapi.json, TAXII /taxii2/)", highlight=False)
    try:
        run(host=host, port=port, url=database, log_level=log_level, workers=workers)
    except StoreError as exc:
        fail(str(exc))


@db_app.command("build")
def db_build(
    database: DatabaseOption = None,
    force: Annotated[bool, typer.Option("--force", help="Reload every incident from the knowledge base, "
                                                        "discarding published changes.")] = False,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Build the store from the knowledge base (or bring it up to date with it)."""
    from normwatch.engine.rules import shipped_rules
    from normwatch.service.store import StoreError

    base = checked_kb(kb)
    store = _store(database)
    try:
        result = store.build(base, shipped_rules(), who=_who(), force=force)
    except StoreError as exc:
        fail(str(exc))
    if json_out:
        emit_json(result)
        return
    out.print(f"store {'built' if result['full'] else 'synchronised'}: {result['added']} added, "
              f"{result['updated']} updated, {len(result['kept'])} kept (changed by analysts) "
              f"from knowledge base {result['kb_version']}")
    for incident_id in result["kept"]:
        out.print(f"  kept the published version of {incident_id}; the knowledge base differs", highlight=False)


@db_app.command("status")
def db_status(database: DatabaseOption = None, json_out: JsonOption = False) -> None:
    """Schema version, knowledge-base version, counts."""
    from normwatch.service.migrations import LATEST

    store = _store(database)
    drafts, pending = store.drafts(None, 1)[1], store.drafts("pending", 1)[1]
    info = {
        "database": store.engine.url.render_as_string(hide_password=True),
        "schema_version": store.schema_version(), "latest_schema_version": LATEST,
        "meta": store.meta(), "incidents": len(store.incident_rows()), "drafts": drafts,
        "pending_drafts": pending, "tokens": len(store.list_tokens()), "audit_entries": store.audit_log(1)[1],
    }
    if json_out:
        emit_json(info)
        return
    for key, value in info.items():
        out.print(f"{key}: {value}", highlight=False)


@db_app.command("migrate")
def db_migrate(database: DatabaseOption = None) -> None:
    """Apply pending schema migrations."""
    from normwatch.service.store import Store

    store = Store(database)
    applied = store.migrate()
    out.print(f"schema version {store.schema_version()}"
              + (f" (applied {', '.join(map(str, applied))})" if applied else " (up to date)"))


@db_app.command("export-yaml")
def db_export_yaml(
    folder: Annotated[Path, typer.Argument(help="Folder for one <id>.yaml per incident (e.g. the kb's incidents/).")],
    database: DatabaseOption = None,
) -> None:
    """Write the published incidents back to YAML (Contract 1), one file per incident."""
    store = _store(database)
    written = store.export_yaml(folder)
    out.print(f"wrote {len(written)} changed file(s) to {folder}")
    for path in written:
        out.print(f"  {path}", highlight=False)


@db_app.command("export-sqlite")
def db_export_sqlite(
    path: Annotated[Path, typer.Argument(help="SQLite file to write (for Datasette).")],
    database: DatabaseOption = None,
) -> None:
    """Write a Datasette-ready SQLite file of the published data."""
    from normwatch.service.store import export_sqlite

    store = _store(database)
    if not store.is_built():
        fail("the store is empty: run `normwatch db build` first")
    export_sqlite(path, store=store)
    out.print(f"wrote {path} (try: datasette {path})")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the token.")],
    scope: Annotated[str, typer.Option("--scope", help="read, write (submit drafts) or admin (publish).")],
    database: DatabaseOption = None,
) -> None:
    """Create an API token; it is printed once and stored only hashed."""
    from normwatch.service.store import StoreError

    store = _store(database)
    try:
        plaintext = store.create_token(name, scope, who=_who())
    except StoreError as exc:
        fail(str(exc))
    out.print(f"token {name!r} ({scope}); copy it now, it is not shown again:", highlight=False)
    out.file.write(plaintext + "\n")


@token_app.command("list")
def token_list(database: DatabaseOption = None, json_out: JsonOption = False, fmt: FormatOption = None) -> None:
    """List tokens (names, scopes, dates; never the secrets)."""
    shape = list_format(fmt, json_out)
    store = _store(database)
    rows = store.list_tokens()
    print_listing(
        rows,
        [Col("key", keep=True), Col("name"), Col("scope"), Col("created_at", "created", keep=True, drop=1),
         Col("revoked_at", "revoked", keep=True)],
        shape, title="API tokens",
    )


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="Token name or key.")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a token (it stops working at once; the record stays for the audit log)."""
    from normwatch.service.store import Missing

    store = _store(database)
    try:
        result = store.revoke_token(name, who=_who())
    except Missing as exc:
        fail(str(exc))
    out.print(f"revoked token {result['name']!r} ({result['key']})", highlight=False)
