"""Flat CSV (the analyst template), JSON and Parquet for incidents.

CSV: one row per incident. A list is written with ``;`` between items; an item with
several parts (a target, an actor, …) has its parts separated by ``|``, in the order the
column header gives; a list inside a part (an attribution's ``by``) uses ``,``. A literal
``;``, ``|``, ``,`` or ``\\`` inside a value is escaped with a backslash. Effects and
context are one column each key (``effects.data_stolen``, …); an empty cell is unknown.
See docs/interchange.md for the column table.

Every CSV normwatch writes (this one, the API's, the audit log) goes through
:func:`csv_cell` and :func:`write_csv`: a cell that a spreadsheet would run as a formula
(it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, and is not a
plain number such as ``-3.5``) gets a leading ``'``, and the reader here takes it off again.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from normwatch.errors import Problem
from normwatch.knowledge.load import parse_records
from normwatch.knowledge.models import Effects, Incident

LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "operation": (),
    "targets": ("country", "sector", "entity"),
    "actors": ("name", "kind", "state"),
    "attributions": ("to", "by", "kind", "date", "confidence", "sources"),
    "infrastructure": (),
    "responses": ("by", "kind", "date", "sources"),
    "related": ("id", "relation"),
    "sources": (),
    "aliases": (),
}
_COMMA_LISTS = {("attributions", "by"), ("attributions", "sources"), ("responses", "sources")}
"""Fields of a packed item that hold a list, joined by commas."""
EFFECT_KEYS: tuple[str, ...] = tuple(Effects.model_fields)
COLUMNS: tuple[str, ...] = (
    "id", "name", "start", "end", "summary", "operation", "targets", "actors", "attributions",
    "infrastructure", *(f"effects.{k}" for k in EFFECT_KEYS), "context.armed_conflict",
    "context.parties", "responses", "related", "sources", "aliases", "disclosed",
)
_SPECIAL = "\\;|,"


def _escape(value: str) -> str:
    return "".join("\\" + c if c in _SPECIAL else c for c in value)


def _split(text: str, sep: str) -> list[str]:
    """Split on an unescaped separator, unescaping each part."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for c in chars:
        if c == "\\":
            current.append("\\" + next(chars, ""))
        elif c == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for c in chars:
        out.append(next(chars, "") if c == "\\" else c)
    return "".join(out)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _formula_like(text: str) -> bool:
    # Quotes already in front are looked through, so that a value which itself starts
    # with ' gets one more and reads back unchanged.
    body = text.lstrip("'")
    return body[:1] in _FORMULA and not _NUMBER.fullmatch(body)


def csv_cell(value: Any) -> str:
    """The text of one CSV cell, safe to open in a spreadsheet (OWASP's CSV injection advice)."""
    text = _text(value)
    return "'" + text if _formula_like(text) else text


def csv_value(cell: str) -> str:
    """The value :func:`csv_cell` wrote into ``cell``."""
    return cell[1:] if cell.startswith("'") and _formula_like(cell[1:]) else cell


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], stream: TextIO) -> None:
    """A header of ``columns``, then one line per row (a missing key is an empty cell)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])


def incident_row(incident: Incident) -> dict[str, str]:
    """One CSV row of an incident."""
    data = incident.model_dump(mode="json")
    row: dict[str, str] = {}
    for column in COLUMNS:
        head, _, key = column.partition(".")
        if head in LIST_COLUMNS:
            parts = LIST_COLUMNS[head]
            items = []
            for item in data[head]:
                if not parts:
                    items.append(_escape(str(item)))
                else:
                    fields = []
                    for part in parts:
                        value = item.get(part)
                        if isinstance(value, list):
                            fields.append(",".join(_escape(v) for v in value))
                        else:
                            fields.append(_escape(_text(value)))
                    while fields and fields[-1] == "":
                        fields.pop()
                    items.append("|".join(fields))
            row[column] = ";".join(items)
        elif key:
            value = data[head][key]
            row[column] = ";".join(_escape(v) for v in value) if isinstance(value, list) else _text(value)
        else:
            row[column] = _text(data[column])
    return row


def dump_csv(incidents: Iterable[Incident]) -> str:
    """Incidents as CSV text (header first)."""
    buffer = io.StringIO()
    write_csv((incident_row(i) for i in incidents), COLUMNS, buffer)
    return buffer.getvalue()


def _bool(value: str) -> Any:
    lowered = value.strip().casefold()
    if lowered in {"true", "yes", "1"}:
        return True
    if lowered in {"false", "no", "0"}:
        return False
    return value  # left to the model, which names the field


def _number(value: str) -> Any:
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


_EFFECT_KIND = {
    "data_stolen": _bool, "data_published": _bool, "data_destroyed": _bool,
    "physical_damage": _bool, "indiscriminate": _bool, "injuries": _number, "deaths": _number,
    "economic_loss_usd": _number,
}


def row_to_data(row: dict[str, str]) -> dict[str, Any]:
    """The Contract-1 mapping of one CSV row (unvalidated; the model names bad fields)."""
    data: dict[str, Any] = {}
    effects: dict[str, Any] = {}
    context: dict[str, Any] = {}
    for column, raw in row.items():
        value = csv_value(raw or "").strip()
        if not value:
            continue
        head, _, key = column.partition(".")
        if head in LIST_COLUMNS:
            parts = LIST_COLUMNS[head]
            items: list[Any] = []
            for chunk in _split(value, ";"):
                chunk = chunk.strip()
                if not chunk:
                    continue
                if not parts:
                    items.append(_unescape(chunk))
                    continue
                fields = [f.strip() for f in _split(chunk, "|")]
                item: dict[str, Any] = {}
                for index, field in enumerate(fields):
                    name = parts[index] if index < len(parts) else f"part{index + 1}"
                    if field == "":
                        continue
                    if (head, name) in _COMMA_LISTS:
                        item[name] = [_unescape(v.strip()) for v in _split(field, ",") if v.strip()]
                    else:
                        item[name] = _unescape(field)
                items.append(item)
            data[head] = items
        elif head == "effects":
            effects[key] = _EFFECT_KIND.get(key, str)(value)
        elif head == "context":
            if key == "parties":
                context[key] = [_unescape(v.strip()) for v in _split(value, ";") if v.strip()]
            else:
                context[key] = _bool(value)
        else:
            data[column] = value
    if effects:
        data["effects"] = effects
    if context:
        data["context"] = context
    return data


def read_csv_text(text: str, file: str) -> tuple[list[Incident], list[Problem]]:
    """Validate CSV text of incidents; every problem names file, row (incident id) and field."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames
    except csv.Error as exc:
        return [], [Problem(file, "", "", f"malformed CSV: {exc}")]
    if not header:
        return [], [Problem(file, "", "", "empty CSV: expected a header row")]
    problems = [Problem(file, "", str(col), "unknown column") for col in header if col not in COLUMNS]
    for required in ("id", "name", "start", "operation", "targets"):
        if required not in header:
            problems.append(Problem(file, "", required, "required column is missing"))
    if problems:
        return [], problems
    raws: list[Any] = []
    try:
        for number, row in enumerate(reader, start=2):
            if None in row:
                problems.append(Problem(file, f"line {number}", "", "more cells than columns"))
                continue
            if not any((v or "").strip() for v in row.values()):
                continue
            raws.append(row_to_data(row))
    except csv.Error as exc:
        return [], [Problem(file, f"line {reader.line_num}", "", f"malformed CSV: {exc}")]
    if problems:
        return [], problems
    return parse_records(Incident, raws, file, "incidents")


def read_csv(path: Path) -> tuple[list[Incident], list[Problem]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Problem(str(path), "", "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return [], [Problem(str(path), "", "", f"cannot read file: {exc.strerror}")]
    return read_csv_text(text, str(path))


def template_path() -> Path:
    """The CSV template shipped with the package."""
    return Path(str(resources.files("normwatch.interchange") / "templates" / "incidents-template.csv"))


# --- Parquet ------------------------------------------------------------------------------


def _schema() -> Any:
    import pyarrow as pa

    s = pa.string()

    def lst(item: Any) -> Any:
        return pa.list_(item)

    def struct(*names: str) -> Any:
        return pa.struct([(n, s) for n in names])

    return pa.schema([
        ("id", s), ("name", s), ("start", s), ("end", s), ("summary", s),
        ("operation", lst(s)),
        ("targets", lst(struct("country", "sector", "entity"))),
        ("actors", lst(struct("name", "kind", "state"))),
        ("attributions", lst(pa.struct([("to", s), ("by", lst(s)), ("kind", s), ("date", s),
                                         ("confidence", s), ("sources", lst(s))]))),
        ("infrastructure", lst(s)),
        ("effects", pa.struct([
            ("data_stolen", pa.bool_()), ("data_published", pa.bool_()), ("data_destroyed", pa.bool_()),
            ("availability", s), ("physical_damage", pa.bool_()), ("injuries", pa.int64()),
            ("deaths", pa.int64()), ("economic_loss_usd", pa.float64()), ("scale", s),
            ("indiscriminate", pa.bool_()),
        ])),
        ("context", pa.struct([("armed_conflict", pa.bool_()), ("parties", lst(s))])),
        ("responses", lst(pa.struct([("by", s), ("kind", s), ("date", s), ("sources", lst(s))]))),
        ("related", lst(struct("id", "relation"))),
        ("sources", lst(s)),
        ("aliases", lst(s)),
        ("disclosed", s),
    ])


def write_parquet(incidents: Sequence[Incident], path: Path) -> None:
    """Incidents as a Parquet file (nested lists and structs, one row per incident)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [i.model_dump(mode="json") for i in incidents]
    table = pa.Table.from_pylist(rows, schema=_schema())
    pq.write_table(table, path)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def read_parquet(path: Path) -> tuple[list[Incident], list[Problem]]:
    """Read incidents from a Parquet file written by :func:`write_parquet` (or alike)."""
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        rows = table.to_pylist()
    except Exception as exc:  # pyarrow raises many kinds for a bad file
        return [], [Problem(str(path), "", "", f"not a readable Parquet file: {str(exc).splitlines()[0][:200]}")]
    return parse_records(Incident, [_drop_none(r) for r in rows], str(path), "incidents")
