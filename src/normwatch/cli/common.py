"""Shared pieces of the command line: the Typer application, common options, error output."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

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
LIST_FORMATS = ("table", "csv", "json")
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="table (default), csv or json (--json is the same as --format json)."),
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
    """Print ``data`` as indented JSON. orjson writes the same bytes as ``json.dumps(indent=2,
    ensure_ascii=False)`` some ten times faster (the standard library drops to pure Python
    when indenting: 2 s of a 1,450-incident assessment); anything orjson refuses (keys that
    are not strings, integers beyond 64 bits) goes through the standard library."""
    import orjson

    try:
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    except TypeError:
        text = json.dumps(data, indent=2, ensure_ascii=False)
    sys.stdout.write(text + "\n")


def checked_kb(path: Path | None) -> KnowledgeBase:
    """The knowledge base at ``path`` (default: the shipped one); exit 2 if it has problems."""
    from normwatch.knowledge.check import check_remembered
    from normwatch.knowledge.load import load

    kb = load(path)
    problems = check_remembered(kb)
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


# --- listings: one printer for every list a command prints -------------------------------------


@dataclass(frozen=True)
class Col:
    """A column of a listing.

    ``keep``: never wrapped, cut or left out (ids, dates: a person copies them whole).
    ``drop``: when the terminal is too narrow for every column, columns with the highest
    ``drop`` are left out first; 0 is never left out (it wraps instead).
    ``text``: the cell as the table shows it (default: lists joined with ``, ``).
    """

    key: str
    header: str = ""
    keep: bool = False
    drop: int = 0
    text: Callable[[Any], str] | None = None

    @property
    def title(self) -> str:
        return self.header or self.key.replace("_", " ")

    def cell(self, row: Mapping[str, Any]) -> str:
        value = row.get(self.key)
        if self.text is not None:
            return self.text(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return str(value)


def list_format(fmt: str | None, json_out: bool = False) -> str:
    """The listing format of ``--format`` (and the older ``--json``); exit 2 on a bad one."""
    if fmt is None:
        return "json" if json_out else "table"
    if fmt not in LIST_FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(LIST_FORMATS)}")
    if json_out and fmt != "json":
        fail(f"--json and --format {fmt} ask for different outputs: give one")
    return fmt


_WRAP_FLOOR = 10
"""Narrowest a wrapping column gets before it is left out instead (longer words fold)."""


def _fitting(rows: Sequence[Mapping[str, Any]], columns: Sequence[Col], width: int) -> list[Col]:
    """The columns that fit ``width``: kept columns at their full width, others at least
    their header or ``_WRAP_FLOOR``; the most droppable go first until the rest fit."""
    def least(col: Col) -> int:
        cells = [col.cell(r) for r in rows]
        if col.keep:
            return max([len(col.title), *(len(c) for c in cells)])
        longest_word = max([0, *(len(w) for c in cells for w in c.split())])
        return max(min(longest_word, _WRAP_FLOOR), min(len(col.title), _WRAP_FLOOR))

    shown = list(columns)
    need = {c.key: least(c) for c in columns}
    # a rich box: one space of padding each side of a cell and one rule between columns
    while sum(need[c.key] + 3 for c in shown) + 1 > width:
        droppable = [c for c in shown if c.drop > 0]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda c: c.drop))
    return shown


def print_listing(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Col],
    fmt: str,
    *,
    title: str = "",
    data: Any = None,
    csv_columns: Sequence[str] | None = None,
) -> None:
    """Print a listing as a table (fitted to the terminal: ids and dates whole, long text
    wrapped, the least important columns left out when it is narrow), as CSV (every column,
    formula-like cells neutralised) or as JSON (``data``, default the rows).

    ``csv_columns`` names the CSV's columns (default: the table's keys); CSV lists are
    joined with ``; ``."""
    if fmt == "json":
        emit_json(list(rows) if data is None else data)
        return
    if fmt == "csv":
        from normwatch.interchange.tabular import write_csv

        write_csv(rows, list(csv_columns or [c.key for c in columns]), sys.stdout)
        return
    shown = _fitting(rows, columns, out.width)
    table = Table(title=title or None, title_justify="left")
    for col in shown:
        if col.keep:
            widest = max([len(col.title), *(len(col.cell(r)) for r in rows)])
            table.add_column(col.title, no_wrap=True, min_width=widest)
        else:
            table.add_column(col.title, overflow="fold")
    for row in rows:
        # the data is text, not markup: a value such as [red] or :fire: prints as written
        table.add_row(*(Text(col.cell(row)) for col in shown))
    out.print(table)
    left_out = [c.title for c in columns if c not in shown]
    if left_out:
        out.print(f"(left out to fit {out.width} columns: {', '.join(left_out)}; --format csv or json has them)",
                  markup=False, highlight=False, style="dim")
