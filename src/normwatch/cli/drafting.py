"""CLI command ``draft``: a draft incident record from the text of a news report or statement."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from normwatch.cli.common import JsonOption, KbOption, app, checked_kb, date_option, emit_json, fail, out
from normwatch.errors import InputError


def _read(path: str) -> tuple[bytes, str]:
    """The bytes of ``path`` (``-`` is standard input) and the name to show in errors."""
    from normwatch.interchange.fromtext import MAX_TEXT_BYTES

    if path == "-":
        # read one byte more than allowed, so a larger input is told apart without reading it all
        return sys.stdin.buffer.read(MAX_TEXT_BYTES + 1), "<stdin>"
    file = Path(path)
    if file.is_dir():
        fail(f"{path}: is a folder; give one text file or - for standard input")
    try:
        with file.open("rb") as handle:
            return handle.read(MAX_TEXT_BYTES + 1), path
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")


@app.command()
def draft(
    from_text: Annotated[
        str, typer.Option("--from-text", help="Text file of a news article or statement (- for standard input).")
    ],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the draft incident (Contract 1 YAML) to this file.")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="The day the text speaks from, YYYY-MM-DD (default: today).")
    ] = None,
    kb: KbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Read a news text and print a draft incident, the evidence for each field, and the open questions."""
    from normwatch.interchange.fromtext import decode_text, draft_from_text

    day: dt.date | None = date_option(on, "--on")
    data, source = _read(from_text)
    try:
        text = decode_text(data, source)
    except InputError as exc:
        fail(exc)
    result = draft_from_text(text, kb=checked_kb(kb), on=day)
    if out_file is not None:
        if out_file.is_dir():
            fail(f"--out {out_file}: is a folder; give a file name such as draft.yaml")
        from normwatch.files import write_atomic

        write_atomic(out_file, result.yaml().encode("utf-8"))
    if json_out:
        emit_json(result.model_dump(mode="json"))
        return
    _print_summary(result)
    if out_file is not None:
        out.print(f"[green]wrote[/] {escape(str(out_file))}", highlight=False)


def _print_summary(result: object) -> None:
    from normwatch.interchange.fromtext import TextDraft

    assert isinstance(result, TextDraft)
    out.print("[bold]Fields and their evidence[/]", highlight=False)
    for path, items in result.evidence.items():
        snippets = "; ".join(f"“{escape(e.text)}” @{e.start} ({e.confidence:.2f})" for e in items[:4])
        more = f" (+{len(items) - 4})" if len(items) > 4 else ""
        out.print(f"  {escape(path)}: {snippets}{more}", highlight=False, soft_wrap=True)
    if result.questions:
        out.print("\n[bold]Questions the text leaves open[/]", highlight=False)
        for question in result.questions:
            out.print(f"  - {escape(question)}", highlight=False, soft_wrap=True)
    state = "validates as a Contract 1 incident" if result.is_complete() else "incomplete: answer the questions"
    out.print(f"\n[bold]Draft incident[/] ({state})", highlight=False)
    out.print(escape(result.yaml()), highlight=False, soft_wrap=True, end="")
