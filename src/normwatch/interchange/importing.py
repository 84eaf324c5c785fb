"""All-or-nothing writing of validated records into a target folder.

An import first validates everything; only then are the files written, into a complete
new folder beside the target (the files already there, hard-linked, and the new ones),
which then takes the target's place in one step. The target holds all the old files or
all the new ones, whether the import fails or its process is killed on the way; what a
killed import leaves beside it is settled by the next import or load
(:func:`normwatch.knowledge.load.settle`).
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from normwatch.errors import InputError, Problem
from normwatch.files import user_mode
from normwatch.interchange.incidents_io import dump_yaml
from normwatch.knowledge.load import LEFTOVER, folder_locks, leftover_prefix, read_yaml, settle, yaml_files
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
    files = yaml_files(folder)  # settles a killed import's leftovers first
    for path in files:
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
    import yaml  # writers only: this module is imported by every reader of incident files

    data = {"groups": [group.model_dump(mode="json", exclude_defaults=True)]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_all_or_nothing(
    into: Path, incidents: Sequence[Incident], groups: Sequence[ThreatActor] = ()
) -> list[Path]:
    """Write each incident as ``<id>.yaml`` (and each group as ``group-<id>.yaml``) into ``into``.

    The new ``into`` is built beside it (see the module's docstring) and swapped in; no
    existing file is replaced, and on any failure ``into`` is left as it was (a folder
    the import would have created is not created).
    """
    into = into.resolve()
    if into.exists() and not into.is_dir():
        raise InputError([Problem(str(into), "", "", "the target is not a folder")])
    names: list[tuple[str, str]] = [(f"{i.id}.yaml", dump_yaml(i)) for i in incidents]
    names += [(f"group-{g.id}.yaml", _group_yaml(g)) for g in groups]
    parent = into.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        settle(parent, into.name)
        staging = Path(tempfile.mkdtemp(prefix=leftover_prefix("import", into.name), dir=parent))
        user_mode(staging, directory=True)
    except OSError as exc:
        raise InputError([Problem(str(into), "", "", f"cannot write here: {exc.strerror}")]) from exc
    # Locked for as long as this runs, so that a load or import in another process does
    # not take the folder for a killed import's leftover (the lock follows it into place).
    with folder_locks([staging]):
        leftover = staging
        try:
            existed = into.is_dir()
            if existed:
                shutil.copytree(into, staging, symlinks=True, copy_function=_link, dirs_exist_ok=True,
                                ignore=lambda _, found: [n for n in found if n.startswith(LEFTOVER)])
            for name, text in names:
                try:
                    with open(staging / name, "x", encoding="utf-8") as out:
                        out.write(text)
                except FileExistsError:
                    raise InputError([Problem(str(into / name), "", "", "file already exists")]) from None
            if existed:
                leftover = _swap(staging, into)
                return [into / name for name, _ in names]
            os.rename(staging, into)
            return sorted(into / name for name, _ in names)
        except OSError as exc:
            raise InputError([Problem(str(into), "", "", f"cannot write: {exc.strerror or exc}")]) from exc
        finally:
            shutil.rmtree(leftover, ignore_errors=True)


def _link(source: str, target: str) -> str:
    # Hard links: the new folder shares the old files instead of copying them.
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)
    return target


def _swap(staging: Path, into: Path) -> Path:
    """Put ``staging`` in the place of ``into``; the path that now holds the old folder."""
    if _exchange(staging, into):
        return staging
    old = into.with_name(leftover_prefix("old", into.name) + secrets.token_hex(4))
    os.rename(into, old)
    try:
        os.rename(staging, into)
    except BaseException:
        os.rename(old, into)
        raise
    return old


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@cache
def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and later
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the system or the filesystem cannot."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))
