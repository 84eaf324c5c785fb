"""A data release a researcher can cite and reuse: every tidy table, a codebook, checksums.

:func:`write_release` writes one folder:

- ``csv/<table>.csv`` and ``parquet/<table>.parquet``: every tidy table of
  :mod:`normwatch.interchange.tabular` (Contract 1 and Contract 3, one table per relation);
- ``incidents.json``: the incident records themselves (Contract 1, lossless);
- ``codebook.md`` and ``codebook.json``: every table and column with its meaning, every value
  of every vocabulary with its meaning, every fact the rules read, and every rule with its
  clauses;
- ``manifest.json``: the normwatch, knowledge-base and rules versions, the export time and
  the tables with their row counts;
- ``CITATION.cff``: how to cite normwatch (the copy shipped in the package data);
- ``SHA256SUMS``: the SHA-256 of every other file, in the format ``sha256sum -c`` reads.

The folder is built beside the target under a hidden name and renamed into place at the
end, so a reader never sees half a release; files get the user's umask.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from normwatch._version import __version__
from normwatch.data import shipped
from normwatch.engine.rules import INJECTED_MEANINGS, ResponseOption, RuleSet
from normwatch.errors import InputError, Problem
from normwatch.interchange.tabular import (
    INCIDENT_TABLES,
    TABLES,
    TableSpec,
    TidyTable,
    assessment_tables,
    incident_tables,
    plain_reason,
    table_csv,
    write_table_parquet,
)
from normwatch.knowledge.load import KnowledgeBase, read_yaml
from normwatch.knowledge.models import (
    OPERATIONS,
    SECTORS,
    ActorKind,
    Confidence,
    Effects,
    Relation,
    ResponseKind,
    SourceKind,
)

CITATION_FILE = "citation.yaml"
"""The package-data copy of the repository's CITATION.cff (CFF is YAML)."""


# --- vocabularies ------------------------------------------------------------------------------


def _values(annotation: Any) -> tuple[str, ...]:
    """The strings of a ``Literal`` (inside an optional one too)."""
    found: list[str] = []
    for arg in get_args(annotation) or (annotation,):
        if isinstance(arg, str):
            found.append(arg)
        elif get_args(arg):
            found += _values(arg)
    return tuple(found)


def closed_vocabularies() -> dict[str, tuple[str, ...]]:
    """Each closed vocabulary the code defines, with its values in order (codebook.yaml
    gives their meanings)."""
    from normwatch.engine.results import LawAnswer, Verdict

    return {
        "operation": OPERATIONS, "sector": SECTORS, "actor_kind": _values(ActorKind),
        "source_kind": _values(SourceKind), "confidence": _values(Confidence),
        "response_kind": _values(ResponseKind), "relation": _values(Relation),
        "availability": _values(Effects.model_fields["availability"].annotation),
        "scale": _values(Effects.model_fields["scale"].annotation),
        "verdict": _values(Verdict), "law_answer": _values(LawAnswer),
        "response_option_kind": _values(ResponseOption.model_fields["kind"].annotation),
    }


def vocabulary_meanings() -> dict[str, dict[str, str]]:
    """The meanings of the closed vocabularies, as ``codebook.yaml`` records them."""
    data, problems = read_yaml(shipped("codebook.yaml"))
    if problems or not isinstance(data, dict):
        raise InputError(problems or [Problem("codebook.yaml", "", "", "expected a mapping")])
    found: dict[str, dict[str, str]] = {
        name: {str(k): str(v) for k, v in values.items()} for name, values in data["vocabularies"].items()}
    return found


def vocabularies(kb: KnowledgeBase, rules: RuleSet) -> dict[str, dict[str, str]]:
    """Every vocabulary a table column draws from: value -> meaning. The closed ones come
    from the code with codebook.yaml's meanings; frameworks, norms, law questions and
    response options from the knowledge base and the rules."""
    meanings = vocabulary_meanings()
    out = {name: {v: meanings.get(name, {}).get(v, "") for v in values}
           for name, values in closed_vocabularies().items()}
    out["framework"] = {f.id: f.name for f in kb.frameworks}
    out["norm"] = {n.id: n.title for n in kb.norms.values()}
    out["law_question"] = {q.id: q.rule for q in rules.law}
    out["response_option"] = {o.id: plain_reason(o.reason) for o in rules.responses}
    return out


# --- the codebook ----------------------------------------------------------------------------


class Fact(BaseModel):
    """A fact the rule conditions read: a base fact of the incident, or a derived one."""

    fact: str
    type: str
    meaning: str
    derived: bool
    when: str | None = None


class Codebook(BaseModel):
    """Everything a reader needs to interpret the tables of a release."""

    normwatch_version: str
    kb_version: str
    rules_version: str
    tables: list[TableSpec]
    vocabularies: dict[str, dict[str, str]]
    facts: list[Fact]
    rules: dict[str, Any]
    """Every rule of the rule files, clause by clause (the YAML's own keys)."""


def facts(rules: RuleSet) -> list[Fact]:
    """Every fact a rule may read, with its type and meaning (as ``normwatch rules --facts``)."""
    from normwatch.engine.facts import BASE_FACTS

    rows = [Fact(fact=n, type=k, meaning=m, derived=False) for n, (k, m) in BASE_FACTS.items()]
    rows += [Fact(fact=d.name, type="bool", meaning=" ".join(d.meaning.split()), derived=True, when=d.when.strip())
             for d in rules.derived]
    rows += [Fact(fact=n, type="bool", meaning=m, derived=True, when="(computed by the engine)")
             for n, m in INJECTED_MEANINGS.items()]
    return rows


def _dump(items: Iterable[BaseModel]) -> list[dict[str, Any]]:
    return [i.model_dump(mode="json", exclude_none=True) for i in items]


def rule_listing(rules: RuleSet) -> dict[str, Any]:
    """Every rule with its clauses, by rule family (the keys of the rule files)."""
    return {
        "derived": _dump(rules.derived),
        "closed_world": _dump(rules.closed_world),
        "responsibility": {k: v.model_dump(mode="json") for k, v in rules.responsibility.items()},
        "norms": _dump(rules.norms.values()),
        "red_line": _dump(rules.red_line),
        "tolerated_espionage": rules.tolerated.model_dump(mode="json"),
        "law": _dump(rules.law),
        "views": _dump(rules.views),
        "responses": _dump(rules.responses),
    }


def codebook(kb: KnowledgeBase, rules: RuleSet) -> Codebook:
    """The codebook of a release over ``kb`` and ``rules``."""
    return Codebook(
        normwatch_version=__version__, kb_version=kb.version, rules_version=rules.version,
        tables=list(TABLES.values()), vocabularies=vocabularies(kb, rules), facts=facts(rules),
        rules=rule_listing(rules),
    )


def _md(text: Any) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _flat(text: Any) -> str:
    """Text on one line (outside tables a ``|`` needs no escape, and in a code span it would show)."""
    return " ".join(str(text).split())


def _clauses(title: str, clauses: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [f"- {title}:"] if clauses else []
    for clause in clauses:
        lines.append(f"  - {_flat(clause['reason'])} — `{_flat(clause['when'])}`")
    return lines


def codebook_markdown(book: Codebook) -> str:
    """The codebook as a markdown document."""
    lines = [
        "# normwatch data release: codebook", "",
        f"normwatch {book.normwatch_version}; knowledge base `{book.kb_version}`; rules `{book.rules_version}`.",
        "", "Every table is in `csv/` (UTF-8, header first, booleans `true`/`false`) and in "
        "`parquet/` (typed columns). An empty cell (null in Parquet) is unknown or not recorded, "
        "never false. Tables join on `incident` (= `incidents.id`), and the numbered items "
        "(`target`, `attribution`, `response`, …) on their number within the incident. A CSV "
        "cell that a spreadsheet would run as a formula starts with an added `'`.", "",
        "Cite the release with `CITATION.cff` and its `kb_version` and `rules_version` "
        "(`manifest.json`); `SHA256SUMS` checks the files (`sha256sum -c SHA256SUMS`).", "",
        "## Tables", "",
    ]
    for spec in book.tables:
        lines += [f"### `{spec.name}`", "", f"One row: {spec.row}. Key: {', '.join(f'`{k}`' for k in spec.key)}.",
                  "", "| column | type | meaning | values |", "|---|---|---|---|"]
        for col in spec.columns:
            drawn = f"vocabulary `{col.vocabulary}`" if col.vocabulary else ""
            lines.append(f"| `{col.name}` | {col.type} | {_md(col.meaning)} | {drawn} |")
        lines.append("")
    lines += ["## Vocabularies", ""]
    for name, values in book.vocabularies.items():
        lines += [f"### `{name}`", "", "| value | meaning |", "|---|---|"]
        lines += [f"| `{_md(v)}` | {_md(m)} |" for v, m in values.items()]
        lines.append("")
    lines += ["## Facts the rules read", "", "| fact | type | meaning | derived from |", "|---|---|---|---|"]
    for fact in book.facts:
        lines.append(f"| `{fact.fact}` | {fact.type} | {_md(fact.meaning)} | "
                     f"{'`' + _md(fact.when) + '`' if fact.when else ''} |")
    rules = book.rules
    lines += ["", "## Rules", "", "Conditions are CEL over the facts above, in three-valued logic "
              "(an unknown fact makes an undecided clause, never a false one).", "",
              "### Norms (`norms.yaml`)", ""]
    for kind, resp in rules["responsibility"].items():
        lines.append(f"- responsibility for norms addressing {kind}: breach when `{_flat(resp['breach'])}` "
                     f"({_flat(resp['breach_reason'])}); possible when `{_flat(resp['possible'])}`")
    lines.append("")
    for rule in rules["norms"]:
        lines.append(f"#### `{rule['norm']}`")
        lines += _clauses("engaged when", rule["engaged"])
        lines.append(f"- not engaged: {_flat(rule['not_engaged'])}")
        for key in ("breach", "possible"):
            if rule.get(key):
                lines.append(f"- {key} when `{_flat(rule[key])}` ({_flat(rule.get(key + '_reason', ''))})")
        lines.append("")
    lines += ["### Red lines and tolerated espionage (`acts.yaml`)", ""]
    lines += _clauses("red line when", rules["red_line"])
    tolerated = rules["tolerated_espionage"]
    lines += [f"- tolerated espionage when `{_flat(tolerated['when'])}`: {_flat(tolerated['reason'])}", "",
              "### International law (`law.yaml`)", ""]
    for question in rules["law"]:
        lines.append(f"#### `{question['id']}`: {_flat(question['rule'])}")
        for key in ("yes_when", "possible_when", "no_when"):
            lines += _clauses(key.replace("_", " "), question.get(key, []))
        lines += [f"- otherwise: {_flat(question['no_reason'])}", ""]
    if rules["views"]:
        lines += ["Published national positions re-answer questions (`views`):", ""]
        for view in rules["views"]:
            fixed = f" → `{view['answer']}`: {_flat(view['reason'])}" if view.get("answer") else ""
            lines.append(f"- `{view['topic']}` / `{view['stance']}`{fixed}")
            for key in ("yes_when", "possible_when", "no_when"):
                for clause in view.get(key, []):
                    lines.append(f"  - {key.replace('_', ' ')}: {_flat(clause['reason'])} — `{_flat(clause['when'])}`")
        lines.append("")
    lines += ["### Response options (`responses.yaml`)", ""]
    lines += [f"- `{o['id']}` ({o['kind']}) when `{_flat(o['when'])}`: {_flat(o['reason'])}"
              for o in rules["responses"]]
    lines += ["", "### Derived facts and the closed world (`derived.yaml`)", ""]
    lines += [f"- `{d['name']}` = `{_flat(d['when'])}`: {_flat(d['meaning'])}" for d in rules["derived"]]
    for inference in rules["closed_world"]:
        implied = ", ".join(f"{k}={v}" for k, v in inference["implies"].items())
        lines.append(f"- closed world: only {', '.join(inference['only'])} → {implied}: {_flat(inference['reason'])}")
    return "\n".join(lines) + "\n"


# --- the release ------------------------------------------------------------------------------


class TableEntry(BaseModel):
    """One table of a release: where its files are and how many rows it has."""

    name: str
    rows: int
    csv: str
    parquet: str


class ReleaseManifest(BaseModel):
    """What a release holds and what it was made from (``manifest.json``)."""

    normwatch_version: str
    kb_version: str
    rules_version: str
    exported: str
    """When the release was written (UTC, ISO 8601)."""
    incidents: int
    tables: list[TableEntry]
    files: list[str]
    """Every file of the release but SHA256SUMS, relative to its folder."""


def release_tables(kb: KnowledgeBase, rules: RuleSet,
                   assessments: Iterable[Mapping[str, Any]] | None = None) -> dict[str, TidyTable]:
    """Every tidy table over the catalogue, incidents in id order; ``assessments`` (Contract 3
    JSON) are computed when not given."""
    from normwatch.engine.assessment import assess

    incidents = sorted(kb.incidents, key=lambda i: i.id)
    found = list(assessments) if assessments is not None else [
        assess(i, kb, rules).model_dump(mode="json") for i in incidents]
    return {**incident_tables(incidents), **assessment_tables(found)}


def tidy_table(name: str, kb: KnowledgeBase, rules: RuleSet) -> TidyTable:
    """One tidy table over the catalogue by name (``TABLES``); only assessment tables assess."""
    if name in INCIDENT_TABLES:
        return incident_tables(sorted(kb.incidents, key=lambda i: i.id))[name]
    if name not in TABLES:
        raise InputError([Problem("", "", "table", f"{name!r} is not a table; one of {', '.join(TABLES)}")])
    return release_tables(kb, rules)[name]


def _refuse(out: Path, message: str) -> InputError:
    return InputError([Problem(str(out), "", "", f"--out {message}")])


def _check_target(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise _refuse(out, "exists and is not a folder; give a new or empty folder")
    if out.is_dir() and any(out.iterdir()):
        raise _refuse(out, "is not empty; give a new or empty folder (nothing was written)")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_text(path: Path, text: str) -> None:
    # plain open() gives the user's umask; the staging folder is renamed as a whole later
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(text)


def write_release(out: Path, kb: KnowledgeBase, rules: RuleSet, *,
                  now: dt.datetime | None = None) -> ReleaseManifest:
    """Write the release folder ``out`` (new, or an empty folder), all at once.

    Raises :class:`InputError` (naming ``--out``) when ``out`` is a file or a folder that is
    not empty; nothing is written then."""
    from normwatch.files import user_mode
    from normwatch.interchange.incidents_io import dump_json

    _check_target(out)
    tables = release_tables(kb, rules)
    book = codebook(kb, rules)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        user_mode(staging, directory=True)
        for sub in ("csv", "parquet"):
            (staging / sub).mkdir()
        entries = []
        for name, table in tables.items():
            _write_text(staging / "csv" / f"{name}.csv", table_csv(table))
            write_table_parquet(table, staging / "parquet" / f"{name}.parquet")
            user_mode(staging / "parquet" / f"{name}.parquet")
            entries.append(TableEntry(name=name, rows=len(table.rows), csv=f"csv/{name}.csv",
                                      parquet=f"parquet/{name}.parquet"))
        _write_text(staging / "incidents.json", dump_json(sorted(kb.incidents, key=lambda i: i.id)))
        _write_text(staging / "codebook.json", json.dumps(book.model_dump(mode="json"), indent=1,
                                                          ensure_ascii=False) + "\n")
        _write_text(staging / "codebook.md", codebook_markdown(book))
        shutil.copyfile(shipped(CITATION_FILE), staging / "CITATION.cff")
        user_mode(staging / "CITATION.cff")
        files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
        manifest = ReleaseManifest(
            normwatch_version=__version__, kb_version=kb.version, rules_version=rules.version,
            exported=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
            incidents=len(kb.incidents), tables=entries, files=sorted([*files, "manifest.json"]),
        )
        _write_text(staging / "manifest.json", json.dumps(manifest.model_dump(mode="json"), indent=1) + "\n")
        sums = "".join(f"{_sha256(staging / f)}  {f}\n" for f in manifest.files)
        _write_text(staging / "SHA256SUMS", sums)
        _check_target(out)  # again: it may have filled while the release was built
        # rename(2) replaces an empty folder in one step; a non-empty one makes it fail
        os.replace(staging, out)
    except OSError as exc:
        raise _refuse(out, f"cannot write the release: {exc.strerror or exc}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


__all__ = ["Codebook", "ReleaseManifest", "closed_vocabularies", "codebook", "codebook_markdown", "facts",
           "release_tables", "rule_listing", "tidy_table", "vocabularies", "vocabulary_meanings", "write_release"]
