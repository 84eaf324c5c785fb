"""Tidy tables, flat CSV (the analyst template) and Parquet for incidents.

Tidy tables (:data:`TABLES`, :func:`incident_tables`, :func:`assessment_tables`): one
table per relation of Contract 1 and Contract 3, one value per cell, the documented way to
analyse the catalogue; written as CSV (:func:`table_csv`) or flat Parquet
(:func:`write_table_parquet`).

Packed CSV, kept because import reads it back: one row per incident. A list is written
with ``;`` between items; an item with several parts (a target, an actor, …) has its parts
separated by ``|``, in the order the column header gives; a list inside a part (an
attribution's ``by``) uses ``,``. A literal ``;``, ``|``, ``,`` or ``\\`` inside a value is
escaped with a backslash. Effects and context are one column each key
(``effects.data_stolen``, …); an empty cell is unknown.
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
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict

from normwatch.engine.results import split_rules
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


# --- Tidy tables ------------------------------------------------------------------------------
#
# One table per relation, one value per cell: what statistics tools read without unpacking.
# A list of Contract 1 becomes its own table keyed by the incident id and, where its items
# have lists of their own (an attribution's claimants and sources), by the item's number.
# The packed CSV above stays, because import reads it back.

ColumnType = Literal["string", "integer", "number", "boolean"]


class TableColumn(BaseModel):
    """One column of a tidy table: its name, type, meaning and, if closed, its vocabulary."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: ColumnType = "string"
    meaning: str
    vocabulary: str | None = None
    """The codebook vocabulary its values come from (``operation``, ``sector``, …)."""


class TableSpec(BaseModel):
    """What a tidy table holds: what one row is, its key and its columns."""

    model_config = ConfigDict(frozen=True)

    name: str
    row: str
    """What one row stands for."""
    key: tuple[str, ...]
    columns: tuple[TableColumn, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)


class TidyTable(BaseModel):
    """A tidy table: its spec and its rows (one mapping per row, keyed by column name)."""

    spec: TableSpec
    rows: list[dict[str, Any]]


def _c(name: str, meaning: str, type_: ColumnType = "string", vocabulary: str | None = None) -> TableColumn:
    return TableColumn(name=name, type=type_, meaning=meaning, vocabulary=vocabulary)


_INCIDENT = _c("incident", "the incident id (Contract 2); joins to incidents.id")
_ATTRIBUTION = _c("attribution", "number of the attribution within its incident, from 1 in record order; "
                                 "joins to attributions", "integer")
_RESPONSE = _c("response", "number of the response within its incident, from 1 in record order; joins to responses",
               "integer")
_NORM = _c("norm", "the norm id (framework:item)", vocabulary="norm")


def _spec(name: str, row: str, key: tuple[str, ...], *columns: TableColumn) -> TableSpec:
    return TableSpec(name=name, row=row, key=key, columns=columns)


_EFFECT_COLUMNS = (
    _c("data_stolen", "data was stolen; empty: unknown", "boolean"),
    _c("data_published", "stolen data was published; empty: unknown", "boolean"),
    _c("data_destroyed", "data was destroyed or wiped; empty: unknown", "boolean"),
    _c("availability", "loss of availability of systems or services; empty: unknown", vocabulary="availability"),
    _c("physical_damage", "physical damage was caused; empty: unknown", "boolean"),
    _c("injuries", "people injured; empty: unknown", "integer"),
    _c("deaths", "people killed; empty: unknown", "integer"),
    _c("economic_loss_usd", "estimated economic loss in US dollars; empty: unknown", "number"),
    _c("scale", "reach of the operation; empty: unknown", vocabulary="scale"),
    _c("indiscriminate", "self-propagating or uncontrolled spread; empty: unknown", "boolean"),
)

INCIDENT_TABLES: dict[str, TableSpec] = {s.name: s for s in (
    _spec("incidents", "one incident (Contract 1), its single-valued fields", ("id",),
          _c("id", "the incident id (Contract 2)"), _c("name", "display name"),
          _c("start", "first known activity (partial date YYYY, YYYY-MM or YYYY-MM-DD)"),
          _c("disclosed", "when the operation became public, where that differs from start (partial date)"),
          _c("end", "last known activity (partial date); empty: not recorded"),
          _c("summary", "what happened, in the catalogue's own words"),
          *_EFFECT_COLUMNS,
          _c("armed_conflict", "the operation took place in an armed conflict; empty: unknown", "boolean")),
    _spec("operations", "one operation type of an incident", ("incident", "operation"),
          _INCIDENT, _c("operation", "an operation type", vocabulary="operation")),
    _spec("aliases", "one former id of an incident (old links keep working)", ("incident", "alias"),
          _INCIDENT, _c("alias", "a former incident id")),
    _spec("targets", "one target of an incident: a country and a sector, optionally an entity",
          ("incident", "target"),
          _INCIDENT, _c("target", "number of the target within its incident, from 1", "integer"),
          _c("country", "ISO 3166-1 alpha-3 code of the targeted country"),
          _c("sector", "the targeted sector", vocabulary="sector"),
          _c("entity", "the targeted organisation, where named")),
    _spec("actors", "one actor named in an incident", ("incident", "actor"),
          _INCIDENT, _c("actor", "number of the actor within its incident, from 1", "integer"),
          _c("name", "the actor's name (a group of groups.yaml for state-sponsored actors)"),
          _c("kind", "what kind of actor", vocabulary="actor_kind"),
          _c("state", "ISO3 code of the state the actor is said to act for, where recorded")),
    _spec("attributions", "one public claim that a state is responsible", ("incident", "attribution"),
          _INCIDENT, _ATTRIBUTION,
          _c("to", "ISO3 code of the state held responsible"),
          _c("kind", "who made the claim", vocabulary="source_kind"),
          _c("date", "when the claim was made (partial date)"),
          _c("confidence", "the confidence the claim states or implies", vocabulary="confidence")),
    _spec("attribution_claimants", "one party that made an attribution", ("incident", "attribution", "by"),
          _INCIDENT, _ATTRIBUTION,
          _c("by", "the claimant: an ISO3 code, an organisation such as EU, or a firm or outlet")),
    _spec("attribution_sources", "one source URL that states an attribution", ("incident", "attribution", "url"),
          _INCIDENT, _ATTRIBUTION, _c("url", "a source stating this very claim")),
    _spec("infrastructure", "one state whose infrastructure was used", ("incident", "country"),
          _INCIDENT, _c("country", "ISO3 code of a state whose infrastructure (servers, hop points) was used")),
    _spec("conflict_parties", "one party to the armed conflict an incident took place in", ("incident", "country"),
          _INCIDENT, _c("country", "ISO3 code of a party to the armed conflict")),
    _spec("responses", "one response to an incident", ("incident", "response"),
          _INCIDENT, _RESPONSE,
          _c("by", "who responded: one state (ISO3) or organisation (e.g. EU)"),
          _c("kind", "what kind of response", vocabulary="response_kind"),
          _c("date", "when (partial date)")),
    _spec("response_sources", "one source URL that states a response", ("incident", "response", "url"),
          _INCIDENT, _RESPONSE, _c("url", "a source stating this very response")),
    _spec("related", "one link from an incident to another", ("incident", "related"),
          _INCIDENT, _c("related", "the other incident's id"),
          _c("relation", "how the two are related", vocabulary="relation")),
    _spec("sources", "one source URL of an incident record as a whole (what happened, its effects)",
          ("incident", "url"), _INCIDENT, _c("url", "a source of the record")),
)}
"""The tidy tables of Contract 1, in the order a codebook lists them."""

ASSESSMENT_TABLES: dict[str, TableSpec] = {s.name: s for s in (
    _spec("assessments", "one norm's verdict on one incident (Contract 3)", ("incident", "norm"),
          _INCIDENT, _NORM, _c("framework", "the framework the norm belongs to", vocabulary="framework"),
          _c("verdict", "the norm's verdict on the incident", vocabulary="verdict"),
          _c("responsible", "the state held responsible most strongly (all of them: table responsible)"),
          _c("confidence", "how confidently that state is held responsible; empty: nobody is",
             vocabulary="confidence"),
          _c("reasons", "why, in plain words (the rule expressions are in the codebook), joined by ' / '")),
    _spec("incident_assessments", "the incident-level findings of an assessment", ("incident",),
          _INCIDENT,
          _c("red_line", "the act crossed at least one red line", "boolean"),
          _c("red_line_reasons", "which red lines, or what is unknown, in plain words, joined by ' / '"),
          _c("tolerated_espionage", "state intelligence collection that crosses no red line", "boolean"),
          _c("intensity", "0 to 10, one decimal (Contract 3)", "number")),
    _spec("responsible", "one state held responsible for an incident", ("incident", "state"),
          _INCIDENT, _c("state", "ISO3 code of the state"),
          _c("confidence", "how confidently, derived from the attributions", vocabulary="confidence"),
          _c("basis", "why, in words")),
    _spec("law", "one international-law question answered for one incident", ("incident", "question"),
          _INCIDENT, _c("question", "the question", vocabulary="law_question"),
          _c("answer", "the answer", vocabulary="law_answer"),
          _c("reasons", "why, in plain words, joined by ' / '")),
    _spec("commitments_breached", "a responsible state broke a norm it had committed to, through one instrument",
          ("incident", "state", "norm", "instrument"),
          _INCIDENT, _c("state", "ISO3 code of the state held responsible with high confidence"), _NORM,
          _c("instrument", "the instrument through which the state had committed to the norm (its id)")),
    _spec("response_options", "one response option open to the victims", ("incident", "option"),
          _INCIDENT, _c("option", "the option's id", vocabulary="response_option"),
          _c("kind", "the kind of option", vocabulary="response_option_kind"),
          _c("reasons", "why it is open, in plain words, joined by ' / '")),
)}
"""The tidy tables of Contract 3."""

TABLES: dict[str, TableSpec] = {**INCIDENT_TABLES, **ASSESSMENT_TABLES}
"""Every tidy table, by name."""

REASON_JOIN = " / "
"""Between the reasons of one cell: reasons contain commas and semicolons, never this."""


def plain_reason(reason: str) -> str:
    """A reason without its rule expressions (``[rule: …]``)."""
    return split_rules(reason)[0]


def _reasons(reasons: Iterable[str]) -> str:
    return REASON_JOIN.join(plain_reason(r) for r in reasons)


def incident_tables(incidents: Iterable[Incident]) -> dict[str, TidyTable]:
    """Every tidy table of Contract 1 for these incidents, rows in the order given."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in INCIDENT_TABLES}
    for item in incidents:
        key = {"incident": item.id}
        rows["incidents"].append({
            "id": item.id, "name": item.name, "start": item.start, "disclosed": item.disclosed, "end": item.end,
            "summary": item.summary, **item.effects.model_dump(mode="json"),
            "armed_conflict": item.context.armed_conflict,
        })
        rows["operations"] += [{**key, "operation": op} for op in item.operation]
        rows["aliases"] += [{**key, "alias": alias} for alias in item.aliases]
        rows["targets"] += [{**key, "target": n, "country": t.country, "sector": t.sector, "entity": t.entity}
                            for n, t in enumerate(item.targets, start=1)]
        rows["actors"] += [{**key, "actor": n, "name": a.name, "kind": a.kind, "state": a.state}
                           for n, a in enumerate(item.actors, start=1)]
        for n, at in enumerate(item.attributions, start=1):
            rows["attributions"].append({**key, "attribution": n, "to": at.to, "kind": at.kind, "date": at.date,
                                         "confidence": at.confidence})
            rows["attribution_claimants"] += [{**key, "attribution": n, "by": by} for by in at.by]
            rows["attribution_sources"] += [{**key, "attribution": n, "url": url} for url in at.sources]
        rows["infrastructure"] += [{**key, "country": c} for c in item.infrastructure]
        rows["conflict_parties"] += [{**key, "country": c} for c in item.context.parties]
        for n, resp in enumerate(item.responses, start=1):
            rows["responses"].append({**key, "response": n, "by": resp.by, "kind": resp.kind, "date": resp.date})
            rows["response_sources"] += [{**key, "response": n, "url": url} for url in resp.sources]
        rows["related"] += [{**key, "related": r.id, "relation": r.relation} for r in item.related]
        rows["sources"] += [{**key, "url": url} for url in item.sources]
    return {name: TidyTable(spec=INCIDENT_TABLES[name], rows=found) for name, found in rows.items()}


def assessment_tables(assessments: Iterable[Mapping[str, Any]]) -> dict[str, TidyTable]:
    """Every tidy table of Contract 3, from assessments as JSON (``model_dump(mode="json")``)."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in ASSESSMENT_TABLES}
    for item in assessments:
        key = {"incident": item["incident"]}
        strongest = item["responsible"][0] if item["responsible"] else {}
        rows["assessments"] += [{
            **key, "norm": n["id"], "framework": n["id"].partition(":")[0], "verdict": n["verdict"],
            "responsible": strongest.get("state"), "confidence": strongest.get("confidence"),
            "reasons": _reasons(n["reasons"]),
        } for n in item["norms"]]
        rows["incident_assessments"].append({
            **key, "red_line": item["red_line"], "red_line_reasons": _reasons(item["red_line_reasons"]),
            "tolerated_espionage": item["tolerated_espionage"], "intensity": item["intensity"],
        })
        rows["responsible"] += [{**key, **r} for r in item["responsible"]]
        rows["law"] += [{**key, "question": q, "answer": answer, "reasons": _reasons(item["law_reasons"][q])}
                        for q, answer in item["law"].items()]
        rows["commitments_breached"] += [{**key, **c} for c in item["commitments_breached"]]
        rows["response_options"] += [{**key, "option": o["id"], "kind": o["kind"], "reasons": _reasons(o["reasons"])}
                                     for o in item["response_options"]]
    return {name: TidyTable(spec=ASSESSMENT_TABLES[name], rows=found) for name, found in rows.items()}


def table_csv(table: TidyTable) -> str:
    """A tidy table as CSV text (header first; cells neutralised like every CSV we write)."""
    buffer = io.StringIO()
    write_csv(table.rows, table.spec.column_names, buffer)
    return buffer.getvalue()


def write_table_parquet(table: TidyTable, path: Path) -> None:
    """A tidy table as a flat Parquet file, typed by its columns (an empty cell is null)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}
    schema = pa.schema([(c.name, types[c.type]) for c in table.spec.columns])
    columns = table.spec.column_names
    data = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in table.rows], schema=schema)
    pq.write_table(data, path)
