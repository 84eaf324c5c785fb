"""Interchange: incidents in and out of normwatch (Contract-1 YAML/JSON, STIX 2.1, CSV,
Parquet, and the EuRepoC, CFR and DCID datasets).

Every import validates everything first and writes all or nothing::

    from normwatch.interchange import import_incidents
    result = import_incidents([Path("bundle.json")], into=Path("my-incidents"))

Bad input raises :class:`normwatch.errors.InputError`, whose problems each name the
file, the record and the field; the target folder is then left untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from normwatch.errors import InputError, Problem
from normwatch.interchange.importing import (
    ImportResult,
    MappingReport,
    check_duplicates,
    check_related,
    existing_ids,
    write_all_or_nothing,
)
from normwatch.knowledge.load import LEFTOVER

Format = Literal["auto", "yaml", "json", "stix", "csv", "parquet", "eurepoc", "cfr", "dcid"]
FORMATS: tuple[str, ...] = Format.__args__  # type: ignore[attr-defined]
Step = Callable[[str, int, int], None]
"""Progress callback: (file, rows done, rows in total or 0 when unknown)."""

__all__ = [
    "FORMATS", "Format", "ImportResult", "MappingReport", "detect_format", "import_incidents",
    "read_path",
]


def _head(path: Path, size: int = 4096) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(size).decode("utf-8", errors="replace")
    except OSError:
        return ""


def detect_format(path: Path) -> str:
    """Guess a file's format from its suffix and first bytes."""
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml", ".jsonl", ".ndjson"}:
        return "yaml"
    if suffix == ".parquet":
        return "parquet"
    head = _head(path)
    if suffix == ".json" or head.lstrip().startswith("{"):
        compact = head.replace(" ", "").replace("\n", "")
        return "stix" if '"type":"bundle"' in compact or '"spec_version":"2.1"' in compact else "json"
    if suffix == ".csv":
        first = head.splitlines()[0] if head else ""
        if "incident_type" in first and "receiver_country" in first:
            return "eurepoc"
        if "incident_ID" in first and "attribution_ID" in first:
            return "eurepoc-attributions"
        if "Cyberincidentnum" in first:
            return "dcid"
        if "Sponsor" in first and "Title" in first:
            return "cfr"
        return "csv"
    return "yaml"


def _expand(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for pattern in ("*.yaml", "*.yml", "*.json", "*.jsonl")
                                for p in path.rglob(pattern)
                                if not any(part.startswith(LEFTOVER) for part in p.relative_to(path).parts)))
        else:
            files.append(path)
    return files


def read_path(
    path: Path, fmt: str = "auto", step: Step | None = None
) -> tuple[ImportResult, list[Problem]]:
    """Read and map one file (nothing is written)."""
    from normwatch.interchange import external, incidents_io, stix, tabular

    if not path.exists():
        return ImportResult(), [Problem(str(path), "", "", "no such file")]
    if not path.is_file():
        return ImportResult(), [Problem(str(path), "", "", "not a regular file")]
    kind = detect_format(path) if fmt == "auto" else fmt
    report = MappingReport(source=str(path))

    def rows(total: int) -> Callable[[int], None] | None:
        return (lambda done: step(str(path), done, total)) if step else None

    if kind in {"yaml", "json"}:
        incidents, problems = incidents_io.read_incident_file(path)
        report.rows = report.loaded = len(incidents)
        return ImportResult(incidents=incidents, report=report), problems
    if kind == "csv":
        incidents, problems = tabular.read_csv(path)
        report.rows = report.loaded = len(incidents)
        return ImportResult(incidents=incidents, report=report), problems
    if kind == "parquet":
        incidents, problems = tabular.read_parquet(path)
        report.rows = report.loaded = len(incidents)
        return ImportResult(incidents=incidents, report=report), problems
    if kind == "stix":
        return stix.import_stix(path)
    if kind == "eurepoc":
        return external.import_eurepoc(path, progress=rows(0))
    if kind == "eurepoc-attributions":
        return ImportResult(), [Problem(str(path), "", "", "this is EuRepoC's attribution dataset: import "
                                        "the Global Database file; the attribution file beside it is read too")]
    if kind == "cfr":
        return external.import_cfr(path, progress=rows(0))
    if kind == "dcid":
        return external.import_dcid(path, progress=rows(0))
    return ImportResult(), [Problem(str(path), "", "", f"unknown format {kind!r}")]


def import_incidents(
    paths: Sequence[Path],
    into: Path | None = None,
    fmt: str = "auto",
    step: Step | None = None,
    known: Sequence[str] | None = None,
) -> ImportResult:
    """Read, map and validate every file, then (with ``into``) write all or nothing.

    ``known`` are incident ids that ``related:`` links may name besides those of the import
    and the target (default: the shipped catalogue). Raises :class:`InputError`.
    """
    if fmt not in FORMATS:
        raise InputError([Problem("--format", "", "", f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")])
    files = _expand(paths)
    if not files:
        raise InputError([Problem("import", "", "", "no input files")])
    names = {p.name for p in files}
    result = ImportResult(report=MappingReport(source=", ".join(str(p) for p in files)))
    problems: list[Problem] = []
    origin: dict[str, str] = {}
    for number, path in enumerate(files):
        if step:
            step(str(path), number, len(files))
        if fmt == "auto" and detect_format(path) == "eurepoc-attributions" and any(
            "Global_Database" in n and n.replace("Global_Database", "Attribution_dataset") == path.name
            for n in names
        ):
            continue  # read together with its Global Database file
        part, found = read_path(path, fmt, step)
        problems.extend(found)
        for incident in part.incidents:
            origin.setdefault(f"incident:{incident.id}", str(path))
        for group in part.groups:
            origin.setdefault(f"group:{group.id}", str(path))
        result.incidents.extend(part.incidents)
        result.groups.extend(part.groups)
        result.report.merge(part.report)
    if problems:
        raise InputError(problems)
    problems = check_duplicates(result.incidents, result.groups, into, origin)
    if known is None:
        from normwatch.knowledge.load import load_kb

        known = [i.id for i in load_kb().incidents]
    in_target = list(existing_ids(into)[0]) if into else []
    problems += check_related(result.incidents, [*known, *in_target], origin)
    if problems:
        raise InputError(problems)
    if into is not None:
        result.written = write_all_or_nothing(into, result.incidents, result.groups)
    return result

