"""Loading the YAML knowledge base into typed records.

The knowledge base is a folder of YAML files shipped inside the package (``normwatch/data/kb``).
Loading never stops at the first mistake: it collects every problem, each naming the
file, the record and the field, so ``normwatch check`` can report them all at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
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
    RollCall,
    State,
    StateBody,
    ThreatActor,
)

M = TypeVar("M", bound=BaseModel)


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys (PyYAML keeps the last silently)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


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
    name = str(path)
    text, problems = read_text(path)
    if text is None:
        return None, problems
    try:
        return yaml.load(text, Loader=_StrictLoader), []  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(name, "", "", f"malformed YAML/JSON: {where}{problem}")]


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
            return [c for c in self.commitments if c.state == who]
        return [c for c in self.commitments if c.party == who]

    def commitments_to(self, instrument: str) -> list[Commitment]:
        """Commitments made to one instrument."""
        return [c for c in self.commitments if c.instrument == instrument]


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


def _yaml_files(folder: Path) -> Iterator[Path]:
    for pattern in ("*.yaml", "*.yml", "*.json"):
        yield from folder.rglob(pattern)


def load(path: Path | None = None, extra: Iterable[Path] = ()) -> KnowledgeBase:
    """Load the knowledge base at ``path`` (default: the shipped one) plus extra files.

    Never raises on bad data: problems are collected in ``KnowledgeBase.problems``. The
    result is cached on disk by content digest (see :mod:`normwatch.knowledge.diskcache`).
    """
    from normwatch.knowledge import diskcache as cache

    root = path or default_path()
    extra = list(extra)
    digest = hashlib.sha256()
    files = sorted(_yaml_files(root))
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


def read_incidents(paths: Iterable[Path]) -> tuple[list[Incident], list[Problem]]:
    """Incidents from user files (Contract 1), validated record by record.

    Only the record itself is checked here (schema, unknown keys, dates); references to
    the catalogue are not required, so new incidents can be assessed as they are.
    """
    incidents: list[Incident] = []
    problems: list[Problem] = []
    for path in paths:
        data, found = read_yaml(path)
        problems += found
        if found:
            continue
        if isinstance(data, dict) and "incidents" in data:
            extra = sorted(set(data) - {"incidents"})
            problems += [Problem(str(path), "", key, "unknown key at the top of the file") for key in extra]
            data = data["incidents"]
        elif isinstance(data, dict):
            data = [data]
        records, found = parse_records(Incident, data, str(path), "incidents")
        incidents += records
        problems += found
    return incidents, problems


@cache
def shipped_kb() -> KnowledgeBase:
    """The knowledge base shipped with the package (parsed once per process)."""
    return load()


def load_kb(path: str | Path | None = None) -> KnowledgeBase:
    """The knowledge base at ``path``, or the one shipped with the package (cached)."""
    return shipped_kb() if path is None else load(Path(path))
