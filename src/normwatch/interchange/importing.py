"""All-or-nothing writing of validated records into a target folder.

An import first validates everything; only then are the files written, into a temporary
folder beside the target, and moved into place. If anything fails on the way, every file
moved so far is removed again: the target folder is left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from normwatch.errors import InputError, Problem
from normwatch.interchange.incidents_io import dump_yaml
from normwatch.knowledge.load import read_yaml
from normwatch.knowledge.models import MAX_ID, Incident, ThreatActor


@dataclass
class MappingReport:
    """What an import could and could not map."""

    source: str = ""
    rows: int = 0
    loaded: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    """Rows (or objects) left out, by reason."""
    unmapped: dict[str, Counter[str]] = field(default_factory=dict)
    """Values that had no place in our vocabulary, by field, with their counts."""

    def miss(self, what: str, value: object) -> None:
        self.unmapped.setdefault(what, Counter())[str(value)] += 1

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def merge(self, other: MappingReport) -> None:
        self.rows += other.rows
        self.loaded += other.loaded
        self.skipped.update(other.skipped)
        for key, counts in other.unmapped.items():
            self.unmapped.setdefault(key, Counter()).update(counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows": self.rows,
            "loaded": self.loaded,
            "skipped": dict(self.skipped.most_common()),
            "unmapped": {key: dict(c.most_common()) for key, c in sorted(self.unmapped.items())},
        }


@dataclass
class ImportResult:
    """Validated records of an import, and what was written where."""

    incidents: list[Incident] = field(default_factory=list)
    groups: list[ThreatActor] = field(default_factory=list)
    report: MappingReport = field(default_factory=MappingReport)
    written: list[Path] = field(default_factory=list)


def existing_ids(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Incident ids and group ids already in a folder, each with the file that holds it.

    Only the raw ``id`` keys are read: a broken file in the target is not the import's
    business, but its ids still count as taken.
    """
    incidents: dict[str, str] = {}
    groups: dict[str, str] = {}
    if not folder.is_dir():
        return incidents, groups
    for pattern in ("*.yaml", "*.yml", "*.json"):
        for path in folder.rglob(pattern):
            data, problems = read_yaml(path)
            if problems:
                continue
            if isinstance(data, dict) and "id" in data and "incidents" not in data:
                data = {"incidents": [data]}
            if not isinstance(data, dict):
                continue
            for key, seen in (("incidents", incidents), ("groups", groups)):
                items = data.get(key)
                if isinstance(items, list):
                    for item in items:
                        if isinstance(item, dict) and isinstance(item.get("id"), str):
                            seen.setdefault(item["id"], str(path))
    return incidents, groups




def check_duplicates(
    incidents: Sequence[Incident],
    groups: Sequence[ThreatActor],
    into: Path | None,
    origin: dict[str, str] | None = None,
) -> list[Problem]:
    """Ids too long for a file name, duplicate ids within the import and against the target."""
    origin = origin or {}
    problems: list[Problem] = []
    for kind, records in (("incident", incidents), ("group", groups)):
        for record in records:
            if len(record.id) > MAX_ID:
                file = origin.get(f"{kind}:{record.id}", "import")
                problems.append(Problem(file, record.id[:40] + "…", "id",
                                        f"an id longer than {MAX_ID} characters cannot name a file"))
    if problems:
        return problems
    taken_incidents, taken_groups = existing_ids(into) if into else ({}, {})
    for kind, records, taken in (
        ("incident", incidents, taken_incidents),
        ("group", groups, taken_groups),
    ):
        counts = Counter(r.id for r in records)
        for key, count in counts.items():
            file = origin.get(f"{kind}:{key}", "import")
            if count > 1:
                problems.append(Problem(file, key, "id", f"duplicate {kind} id ({count} times in the import)"))
            if key in taken:
                problems.append(Problem(file, key, "id", f"{kind} id already in the target ({taken[key]})"))
    if into is not None:
        for record in incidents:
            if (into / f"{record.id}.yaml").exists():
                file = origin.get(f"incident:{record.id}", "import")
                problems.append(Problem(file, record.id, "id", f"{into / (record.id + '.yaml')} already exists"))
        for group in groups:
            if (into / f"group-{group.id}.yaml").exists():
                file = origin.get(f"group:{group.id}", "import")
                name = into / f"group-{group.id}.yaml"
                problems.append(Problem(file, group.id, "id", f"{name} already exists"))
    return problems


def check_related(
    incidents: Sequence[Incident], known: Iterable[str], origin: dict[str, str] | None = None
) -> list[Problem]:
    """Every ``related[].id`` names an incident of the import, the target or the catalogue."""
    origin = origin or {}
    ids = {i.id for i in incidents} | set(known)
    problems = []
    for incident in incidents:
        for index, rel in enumerate(incident.related):
            if rel.id == incident.id:
                problems.append(Problem(origin.get(f"incident:{incident.id}", "import"), incident.id,
                                        f"related.{index}.id", "an incident cannot relate to itself"))
            elif rel.id not in ids:
                problems.append(Problem(origin.get(f"incident:{incident.id}", "import"), incident.id,
                                        f"related.{index}.id", f"unknown incident {rel.id!r}"))
    return problems


def _group_yaml(group: ThreatActor) -> str:
    data = {"groups": [group.model_dump(mode="json", exclude_defaults=True)]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_all_or_nothing(
    into: Path, incidents: Sequence[Incident], groups: Sequence[ThreatActor] = ()
) -> list[Path]:
    """Write each incident as ``<id>.yaml`` (and each group as ``group-<id>.yaml``) into ``into``.

    Files are rendered into a temporary folder beside ``into`` first, then moved. No
    existing file is ever replaced; on any failure the files moved so far are removed and
    ``into`` is left as it was (a folder created for the import is removed too).
    """
    into = into.resolve()
    created = not into.exists()
    if into.exists() and not into.is_dir():
        raise InputError([Problem(str(into), "", "", "the target is not a folder")])
    parent = into.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".normwatch-import-", dir=parent))
    except OSError as exc:
        raise InputError([Problem(str(into), "", "", f"cannot write here: {exc.strerror}")]) from exc
    moved: list[Path] = []
    try:
        names: list[tuple[str, str]] = [(f"{i.id}.yaml", dump_yaml(i)) for i in incidents]
        names += [(f"group-{g.id}.yaml", _group_yaml(g)) for g in groups]
        for name, text in names:
            (staging / name).write_text(text, encoding="utf-8")
        if created:
            os.replace(staging, into)
            return sorted(into / name for name, _ in names)
        for name, _ in names:
            target = into / name
            if target.exists():
                raise InputError([Problem(str(target), "", "", "file already exists")])
            if _same_device(staging, into):
                os.link(staging / name, target)  # fails rather than replace a file
            else:
                shutil.copy2(staging / name, target)
            moved.append(target)
        return moved
    except BaseException as exc:
        for path in moved:
            path.unlink(missing_ok=True)
        if created and into.exists():
            shutil.rmtree(into, ignore_errors=True)
        if isinstance(exc, OSError):
            raise InputError([Problem(str(into), "", "", f"cannot write: {exc.strerror or exc}")]) from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _same_device(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False
