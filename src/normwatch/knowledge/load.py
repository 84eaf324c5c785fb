"""Loading the YAML knowledge base into typed records.

The knowledge base is a folder of YAML files shipped inside the package (``normwatch/data/kb``).
Loading never stops at the first mistake: it collects every problem, each naming the
file, the record and the field, so ``normwatch check`` can report them all at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from normwatch.data import shipped
from normwatch.errors import Problem, from_validation_error
from normwatch.knowledge.countries import is_country
from normwatch.knowledge.models import (
    Commitment,
    Framework,
    Incident,
    Instrument,
    Norm,
    Organisation,
    Position,
    RollCall,
    SanctionsRegime,
    State,
    StateBody,
    ThreatActor,
)

M = TypeVar("M", bound=BaseModel)


@cache
def _shipped_root() -> Path:
    return shipped().resolve()


def read_text(path: Path, encoding: str = "utf-8") -> tuple[str | None, list[Problem]]:
    """The text of a file; an unreadable or non-UTF-8 file becomes a problem instead."""
    name = str(path)
    try:
        return path.read_bytes().decode(encoding), []
    except UnicodeDecodeError as exc:
        return None, [Problem(name, "", "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(name, "", "", f"cannot read file: {exc.strerror}")]


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse one YAML or JSON file; a syntax or encoding error becomes a problem."""
    text, problems = read_text(path)
    if text is None:
        return None, problems
    # here, not at the top: a start from the disk cache never parses YAML
    from normwatch.knowledge.yamlread import parse_yaml

    return parse_yaml(text, str(path), shipped_data=path.resolve().is_relative_to(_shipped_root()))


def default_path() -> Path:
    """Folder of the knowledge base shipped with the package."""
    return shipped("kb")


def record_label(raw: Any, index: int) -> str:
    """How a problem names a record: its id, else its state or party, else its position."""
    if isinstance(raw, dict):
        for key in ("id", "state", "party", "name"):
            value = raw.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return f"#{index + 1}"


def parse_records(
    model: type[M], items: Any, file: str, key: str, extra: dict[str, Any] | None = None
) -> tuple[list[M], list[Problem]]:
    """Validate a list of raw mappings as ``model``; collect a problem per bad field."""
    if not isinstance(items, list):
        return [], [Problem(file, "", key, "expected a list of records")]
    records: list[M] = []
    problems: list[Problem] = []
    for index, raw in enumerate(items):
        label = record_label(raw, index)
        if not isinstance(raw, dict):
            problems.append(Problem(file, label, "", "expected a mapping of keys to values"))
            continue
        data = {**raw, **(extra or {})}
        try:
            records.append(model.model_validate(data))
        except ValidationError as exc:
            problems.extend(from_validation_error(file, label, exc))
    return records, problems


@dataclass
class KnowledgeBase:
    """Every record of the knowledge base, and the problems met while loading it."""

    frameworks: list[Framework] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    instruments: list[Instrument] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    bodies: list[StateBody] = field(default_factory=list)
    groups: list[ThreatActor] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    roll_calls: list[RollCall] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    sanctions: list[SanctionsRegime] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    version: str = ""
    origin: dict[str, str] = field(default_factory=dict)
    """Which file each record came from, keyed by ``kind:id``."""

    @cached_property
    def norms(self) -> dict[str, Norm]:
        """Every norm of every framework, by id."""
        return {norm.id: norm for fw in self.frameworks for norm in fw.norms}

    @cached_property
    def framework_of(self) -> dict[str, Framework]:
        """The framework of each norm id."""
        return {norm.id: fw for fw in self.frameworks for norm in fw.norms}

    @cached_property
    def instrument_by_id(self) -> dict[str, Instrument]:
        return {item.id: item for item in self.instruments}

    @cached_property
    def organisation_by_id(self) -> dict[str, Organisation]:
        return {item.id: item for item in self.organisations}

    @cached_property
    def group_by_id(self) -> dict[str, ThreatActor]:
        return {item.id: item for item in self.groups}

    @cached_property
    def body_by_id(self) -> dict[str, StateBody]:
        return {item.id: item for item in self.bodies}

    @cached_property
    def incident_by_id(self) -> dict[str, Incident]:
        return {item.id: item for item in self.incidents}

    @cached_property
    def group_by_name(self) -> dict[str, ThreatActor]:
        """Groups by lower-cased name and alias (an alias shared by two groups maps to neither)."""
        index: dict[str, ThreatActor] = {}
        shared: set[str] = set()
        for group in self.groups:
            for name in group.names():
                key = name.casefold()
                if key in index and index[key].id != group.id:
                    shared.add(key)
                index.setdefault(key, group)
        for key in shared:
            del index[key]
        return index

    def find_group(self, name: str) -> ThreatActor | None:
        """The group with this id, name or alias (case-insensitive), if exactly one matches."""
        return self.group_by_id.get(name) or self.group_by_name.get(name.casefold())

    def commitments_of(self, who: str) -> list[Commitment]:
        """Commitments of a state (ISO3 code) or, failing that, of a party with that name.

        A company may be called like a country code (Arm's supporter file says "ARM"), so a
        code always means the state.
        """
        if is_country(who):
            return list(self._commitments_by_state.get(who, ()))
        return list(self._commitments_by_party.get(who, ()))

    def commitments_to(self, instrument: str) -> list[Commitment]:
        """Commitments made to one instrument."""
        return list(self._commitments_by_instrument.get(instrument, ()))

    # The router asks these hundreds of times per answer: index the commitments once.
    @cached_property
    def _commitments_by_state(self) -> dict[str, list[Commitment]]:
        return _index(self.commitments, lambda c: c.state)

    @cached_property
    def _commitments_by_party(self) -> dict[str, list[Commitment]]:
        return _index(self.commitments, lambda c: c.party)

    @cached_property
    def _commitments_by_instrument(self) -> dict[str, list[Commitment]]:
        return _index(self.commitments, lambda c: c.instrument)


def _index(items: list[Commitment], key: Callable[[Commitment], str | None]) -> dict[str, list[Commitment]]:
    """Commitments grouped by ``key``, in their original order (None keys left out)."""
    out: dict[str, list[Commitment]] = {}
    for item in items:
        value = key(item)
        if value is not None:
            out.setdefault(value, []).append(item)
    return out


# Which top-level key of a file holds which kind of record.
_SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "frameworks": ("frameworks", Framework),
    "states": ("states", State),
    "organisations": ("organisations", Organisation),
    "instruments": ("instruments", Instrument),
    "bodies": ("bodies", StateBody),
    "groups": ("groups", ThreatActor),
    "incidents": ("incidents", Incident),
    "roll_calls": ("roll_calls", RollCall),
    "positions": ("positions", Position),
    "sanctions": ("sanctions", SanctionsRegime),
}
_FILE_KEYS = set(_SECTIONS) | {"instrument", "commitments"}


@dataclass(frozen=True)
class _Parsed:
    """What one file yields: records per section, commitments, origins and problems."""

    sections: dict[str, list[BaseModel]]
    commitments: list[Commitment]
    origin: dict[str, str]
    problems: list[Problem]


@lru_cache(maxsize=4096)
def _parse_file(path: Path, display: str, stamp: tuple[int, int]) -> _Parsed:
    # Cached on the file's mtime and size: the shipped knowledge base is parsed once per
    # process however many times it is loaded with different extra files.
    sections: dict[str, list[BaseModel]] = {}
    commitments: list[Commitment] = []
    origin: dict[str, str] = {}
    data, problems = read_yaml(path)
    if problems:
        return _Parsed(sections, commitments, origin, problems)
    if isinstance(data, dict) and "id" in data and "incidents" not in data:
        data = {"incidents": [data]}  # a file holding one incident mapping
    if not isinstance(data, dict):
        problems.append(Problem(display, "", "", "expected a mapping at the top of the file"))
        return _Parsed(sections, commitments, origin, problems)
    for key in data:
        if key not in _FILE_KEYS:
            problems.append(Problem(display, "", str(key), "unknown key at the top of the file"))
    for key, (_, model) in _SECTIONS.items():
        if key in data:
            records, found = parse_records(model, data[key], display, key)
            problems.extend(found)
            sections[key] = list(records)
            for record in records:
                origin[f"{key}:{getattr(record, 'id', getattr(record, 'iso3', ''))}"] = display
    if "commitments" in data:
        instrument = data.get("instrument")
        if not isinstance(instrument, str):
            problems.append(
                Problem(display, "", "instrument", "a commitments file must name its instrument")
            )
        else:
            commitments, found = parse_records(
                Commitment, data["commitments"], display, "commitments",
                {"instrument": instrument},
            )
            problems.extend(found)
            for record in commitments:
                origin[f"commitments:{record.instrument}:{record.who}"] = display
    return _Parsed(sections, commitments, origin, problems)


def _add_file(kb: KnowledgeBase, path: Path, display: str) -> None:
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, -1)
    parsed = _parse_file(path, display, stamp)
    kb.problems.extend(parsed.problems)
    for key, records in parsed.sections.items():
        getattr(kb, _SECTIONS[key][0]).extend(records)
    kb.commitments.extend(parsed.commitments)
    kb.origin.update(parsed.origin)


# --- folders an import replaced whole -----------------------------------------------------------
#
# ``normwatch import --into DIR`` builds the new DIR beside it, as ``.normwatch-import-DIR-XXXX``,
# and swaps it in; where the system cannot exchange two folders in one step, the old DIR
# waits as ``.normwatch-old-DIR-XXXX`` between two renames. A process killed on the way
# leaves them behind: no reader looks into them, and the next import or load settles them.

LEFTOVER = ".normwatch-"
"""The start of every name an import leaves beside the folder it writes."""


def leftover_prefix(kind: str, target: str) -> str:
    """The name, up to a random tail without dashes, of an import's ``kind`` of folder
    (``import``: the new folder being built; ``old``: the folder it replaces)."""
    return f"{LEFTOVER}{kind}-{target}-"


def _leftover(name: str) -> tuple[str, str] | None:
    for kind in ("import", "old"):
        prefix = f"{LEFTOVER}{kind}-"
        if name.startswith(prefix):
            target, sep, _ = name[len(prefix):].rpartition("-")
            if sep and target:
                return kind, target
    return None


@contextmanager
def folder_locks(paths: Iterable[Path]) -> Iterator[bool]:
    """Hold an exclusive lock on each folder that exists; yields False, holding none, if
    another process holds one. The system drops a lock when its process dies, so a
    killed import's folders are free while a running import's are not."""
    handles: list[int] = []
    free = True
    try:
        for path in paths:
            try:
                handle = os.open(path, os.O_RDONLY)
            except OSError:
                continue  # gone already, or a system that cannot open a folder
            handles.append(handle)
            if sys.platform != "win32":
                import fcntl

                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    free = False
                    break
                except OSError:
                    pass  # a filesystem without locks
        yield free
    finally:
        for handle in handles:
            os.close(handle)


def settle(parent: Path, name: str | None = None) -> None:
    """Finish or undo what killed imports left in ``parent`` (for its folder ``name``, or
    for every folder): an old folder whose target is missing is put back, and every
    other leftover is removed. Leftovers of an import still running are left alone."""
    found: dict[str, list[tuple[str, Path]]] = {}
    try:
        with os.scandir(parent) as entries:
            for entry in entries:
                parsed = _leftover(entry.name)
                if parsed and name in (None, parsed[1]) and entry.is_dir(follow_symlinks=False):
                    found.setdefault(parsed[1], []).append((parsed[0], Path(entry.path)))
    except OSError:
        return
    for target_name, leftovers in sorted(found.items()):
        target = parent / target_name
        with folder_locks([target, *(path for _, path in leftovers)]) as free:
            if not free:
                continue
            try:
                olds = sorted((path for kind, path in leftovers if kind == "old"), key=lambda p: p.stat().st_mtime)
                if olds and not target.exists():
                    os.rename(olds[-1], target)  # killed between the two renames
                for kind, path in leftovers:
                    if path.exists() and (kind == "import" or target.exists()):
                        shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass  # a read-only folder, say: its leftovers are still never read


def _listing(folder: Path) -> tuple[list[Path], set[Path]]:
    files: list[Path] = []
    dirty: set[Path] = set()
    for pattern in ("*.yaml", "*.yml", "*.json"):
        for path in folder.rglob(pattern):
            parts = path.relative_to(folder).parts
            inside = next((n for n, part in enumerate(parts) if part.startswith(LEFTOVER)), None)
            if inside is None:
                files.append(path)
            else:
                dirty.add(folder.joinpath(*parts[:inside]))
    return sorted(files), dirty


def yaml_files(folder: Path) -> list[Path]:
    """The YAML and JSON files of a folder and its subfolders, sorted; never those an
    import left behind (see :func:`settle`, run here first)."""
    settle(folder.parent, folder.name)
    files, dirty = _listing(folder)
    if dirty:
        for where in sorted(dirty):
            settle(where)
        files, _ = _listing(folder)
    return files


def load(path: Path | None = None, extra: Iterable[Path] = ()) -> KnowledgeBase:
    """Load the knowledge base at ``path`` (default: the shipped one) plus extra files.

    Never raises on bad data: problems are collected in ``KnowledgeBase.problems``. The
    result is cached on disk by content digest (see :mod:`normwatch.knowledge.diskcache`).
    """
    from normwatch.knowledge import diskcache as cache

    root = path or default_path()
    extra = list(extra)
    if not root.is_dir():
        # a mistyped --kb must not read as an empty, valid knowledge base
        missing = KnowledgeBase()
        what = "is not a folder" if root.exists() else "no such folder"
        missing.problems.append(Problem(str(root), "", "", f"{what}: a knowledge base is a folder of YAML files"))
        return missing
    digest = hashlib.sha256()
    files = yaml_files(root)
    shown = []
    for file in files:
        display = str(file.relative_to(root.parent)) if path is None else str(file)
        shown.append((file, display))
        digest.update(display.encode())
        digest.update(file.read_bytes())
    for file in extra:
        digest.update(str(file).encode())
        if file.is_file():
            digest.update(file.read_bytes())
        shown.append((file, str(file)))
    version = digest.hexdigest()[:12]
    key = digest.hexdigest() + cache.code_key(
        "knowledge/load", "knowledge/models", "knowledge/dates", "knowledge/countries", "errors"
    )
    cached = cache.load("kb", key)
    if isinstance(cached, KnowledgeBase):
        return cached
    kb = KnowledgeBase()
    for file, display in shown:
        _add_file(kb, file, display)
    kb.version = version
    cache.save("kb", key, kb)
    return kb


@cache
def shipped_kb() -> KnowledgeBase:
    """The knowledge base shipped with the package (parsed once per process)."""
    return load()


def load_kb(path: str | Path | None = None) -> KnowledgeBase:
    """The knowledge base at ``path``, or the one shipped with the package (cached)."""
    return shipped_kb() if path is None else load(Path(path))
