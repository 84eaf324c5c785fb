"""Contract-1 incident files in and out: YAML and JSON (one mapping or ``incidents:``), JSON lines.

Reading never raises on bad data: every problem names the file, the record and the field
(:class:`normwatch.errors.Problem`). Writing is done by :mod:`normwatch.interchange.importing`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from normwatch.errors import Problem
from normwatch.knowledge.load import parse_records, read_text, read_yaml
from normwatch.knowledge.models import Incident

_TOP_KEYS = {"incidents"}


def incident_to_dict(incident: Incident) -> dict[str, Any]:
    """A Contract-1 mapping of an incident, in the contract's key order, without defaults.

    ``exclude_defaults`` drops unknown effects (``None``), empty lists and empty mappings,
    so an unknown fact never turns into a false one.
    """
    return incident.model_dump(mode="json", exclude_defaults=True)


def incidents_from_data(data: Any, file: str) -> tuple[list[Incident], list[Problem]]:
    """Validate already-parsed data: one incident mapping, or ``{"incidents": [...]}``."""
    if isinstance(data, dict) and "incidents" not in data and "id" in data:
        data = {"incidents": [data]}
    if not isinstance(data, dict):
        kind = "an empty file" if data is None else f"a {type(data).__name__}"
        return [], [Problem(file, "", "", f"expected an incident mapping or `incidents:` list, got {kind}")]
    problems = [
        Problem(file, "", str(key), "unknown key at the top of the file (expected `incidents:`)")
        for key in data
        if key not in _TOP_KEYS
    ]
    if "incidents" not in data:
        problems.append(Problem(file, "", "incidents", "required key is missing"))
        return [], problems
    records, found = parse_records(Incident, data["incidents"], file, "incidents")
    return records, problems + found


def read_jsonl(path: Path) -> tuple[list[Incident], list[Problem]]:
    """Read JSON lines: one Contract-1 incident mapping per line (blank lines ignored)."""
    name = str(path)
    text, problems = read_text(path)
    if text is None:
        return [], problems
    raws: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raws.append(json.loads(line))
        except (json.JSONDecodeError, RecursionError) as exc:
            message = getattr(exc, "msg", "too deeply nested")
            problems.append(Problem(name, f"line {number}", "", f"malformed JSON: {message}"))
    if problems:
        return [], problems
    return parse_records(Incident, raws, name, "incidents")


def read_incident_file(path: Path) -> tuple[list[Incident], list[Problem]]:
    """Read one YAML, JSON or JSON-lines file of Contract-1 incidents."""
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return read_jsonl(path)
    try:
        data, problems = read_yaml(path)
    except RecursionError:
        return [], [Problem(str(path), "", "", "malformed YAML/JSON: nested too deeply")]
    if problems:
        return [], problems
    return incidents_from_data(data, str(path))


def dump_yaml(incident: Incident) -> str:
    """One incident as a YAML document (dates stay quoted strings)."""
    import yaml  # only writers need it: reading a cached start does not

    return yaml.safe_dump(
        incident_to_dict(incident), sort_keys=False, allow_unicode=True, width=100
    )


def dump_json(incidents: Iterable[Incident]) -> str:
    """Incidents as one JSON document ``{"incidents": [...]}``."""
    body = {"incidents": [incident_to_dict(item) for item in incidents]}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def dump_jsonl(incidents: Iterable[Incident]) -> str:
    """Incidents as JSON lines, one incident per line."""
    return "".join(
        json.dumps(incident_to_dict(item), ensure_ascii=False) + "\n" for item in incidents
    )


INCIDENT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".ndjson")


def incident_files(paths: Iterable[Path]) -> list[Path]:
    """The Contract 1 files named by ``paths``: files as given, folders expanded (sorted,
    recursively), leaving out hidden names such as an import's staging folder."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(
                p for p in path.rglob("*")
                if p.suffix.lower() in INCIDENT_SUFFIXES and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ))
        else:
            files.append(path)
    return files


def read_incident_files(paths: Iterable[Path]) -> tuple[list[Incident], list[Problem]]:
    """Every incident of the files and folders given (YAML, JSON or JSON lines): the one
    reader of user incident files, for every command that takes them."""
    incidents: list[Incident] = []
    problems: list[Problem] = []
    paths = list(paths)
    for folder in paths:
        if folder.is_dir() and not incident_files([folder]):
            problems.append(Problem(str(folder), "", "", "no incident files (.yaml, .yml, .json, .jsonl, .ndjson) "
                                    "in this folder"))
    for path in incident_files(paths):
        if not path.exists():
            problems.append(Problem(str(path), "", "", "no such file or folder"))
            continue
        found, trouble = read_incident_file(path)
        incidents += found
        problems += trouble
    return incidents, problems
