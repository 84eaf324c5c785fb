"""Shared pieces of the command line: the Typer application, common options, error output."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from normwatch.errors import InputError

# Every command module imports this one, so what it imports every command pays for: the
# knowledge base, the rules and their models load in the helpers that need them.
if TYPE_CHECKING:
    from normwatch.engine.rules import RuleSet
    from normwatch.knowledge.load import KnowledgeBase

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="normwatch: norms as code for cyberspace.",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

KbOption = Annotated[
    Path | None,
    typer.Option("--kb", help="Knowledge-base folder (default: the one shipped with normwatch)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Rules folder (default: the rules shipped with normwatch)."),
]


def _print_error(message: str) -> None:
    # The message is data: no markup, no emoji codes (``draft:fire:`` stays text).
    err.print("[bold red]error:[/] ", end="", highlight=False)
    err.print(message, markup=False, emoji=False, highlight=False, soft_wrap=True)


def fail(message: str | InputError) -> NoReturn:
    """Print the error — one line per problem of an :class:`InputError` — and exit with
    status 2 (bad input)."""
    if isinstance(message, InputError) and message.problems:
        for problem in message.problems:
            _print_error(str(problem))
    else:
        _print_error(str(message))
    raise typer.Exit(2)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def checked_kb(path: Path | None) -> KnowledgeBase:
    """The knowledge base at ``path`` (default: the shipped one); exit 2 if it has problems."""
    from normwatch.knowledge.check import check as check_kb
    from normwatch.knowledge.load import load

    kb = load(path)
    problems = check_kb(kb)
    if problems:
        fail(f"the knowledge base has {len(problems)} problem(s); first: {problems[0]}")
    return kb


def checked_rules(folder: Path | None) -> RuleSet:
    """The rules in ``folder`` (default: the shipped ones); exit 2 if they do not load."""
    from normwatch.engine.rules import load_rules

    try:
        return load_rules(folder)
    except InputError as exc:
        fail(exc)


def date_option(value: str | None, option: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` option's date (None when not given); exit 2 naming the option if bad."""
    if value is None:
        return None
    from normwatch.knowledge.dates import to_date

    try:
        return to_date(value)
    except ValueError as exc:
        fail(f"{option}: {exc}")
