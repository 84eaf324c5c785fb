"""The read side shared by the REST API and the web UI.

A :class:`Catalog` answers every question the front ends ask — incidents with filters,
search and pagination, assessments, norms, states, groups, routes, what-if — over a
knowledge base and a rule set. Assessments are computed once, vectorised, and cached.
The service's store publishes its data through a Catalog built from the published
records, so the API and the UI read the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from normwatch.analysis.browse import instrument_profile, state_profile
from normwatch.engine.assessment import assess
from normwatch.engine.responsibility import responsible_states
from normwatch.engine.rules import RuleSet
from normwatch.errors import NotFound
from normwatch.knowledge.countries import country_name
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Incident


@dataclass(frozen=True)
class IncidentFilter:
    """Filters of the incident list; every field is optional."""

    q: str | None = None
    year: int | None = None
    responsible: str | None = None
    victim: str | None = None
    sector: str | None = None
    operation: str | None = None
    red_line: bool | None = None

    def matches(self, incident: Incident, red_line: bool, names: str = "") -> bool:
        """Whether the incident passes every filter; ``names`` is more text the search
        matches (group aliases, state names: :meth:`Catalog.search_text`)."""
        if self.year is not None and int(incident.start[:4]) != self.year:
            return False
        if self.responsible and self.responsible.upper() not in {a.to for a in incident.attributions}:
            return False
        if self.victim and self.victim.upper() not in {t.country for t in incident.targets}:
            return False
        if self.sector and self.sector not in {t.sector for t in incident.targets}:
            return False
        if self.operation and self.operation not in incident.operation:
            return False
        if self.red_line is not None and red_line != self.red_line:
            return False
        if self.q:
            text = " ".join([incident.id, incident.name, incident.summary or "",
                             *(a.name for a in incident.actors), *incident.aliases, names]).casefold()
            return all(word in text for word in self.q.casefold().split())
        return True


@dataclass
class Catalog:
    """Read access to incidents, assessments and reference data."""

    kb: KnowledgeBase
    rules: RuleSet
    _assessments: dict[str, dict[str, Any]] = field(default_factory=dict)

    @cached_property
    def incidents_by_start(self) -> list[Incident]:
        """Every incident, newest first."""
        return sorted(self.kb.incidents, key=lambda i: (i.start, i.id), reverse=True)

    @cached_property
    def red_lines(self) -> dict[str, bool]:
        """Whether each incident crosses a red line (vectorised, computed once)."""
        from normwatch.engine.columnar import addresses_of, assess_table, frame

        table = assess_table(frame(self.kb.incidents), self.rules, [], addresses_of(self.kb))
        return dict(zip(table["id"].to_list(), table["red_line"].to_list(), strict=True))

    def incidents(
        self, where: IncidentFilter | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[Incident], int]:
        """One page of incidents matching ``where``, and how many match in all."""
        where = where or IncidentFilter()
        names = self.search_text if where.q else {}
        found = [
            i for i in self.incidents_by_start
            if where.matches(i, self.red_lines[i.id], names.get(i.id, ""))
        ]
        return found[offset:offset + limit], len(found)

    @cached_property
    def search_text(self) -> dict[str, str]:
        """Per incident, the names a search should find it by besides its own text: every
        name and alias of its actors' groups (Fancy Bear finds APT28's incidents) and the
        names of its responsible and victim states."""
        from normwatch.knowledge.countries import country_name

        out: dict[str, str] = {}
        for incident in self.kb.incidents:
            words: list[str] = []
            for actor in incident.actors:
                group = self.kb.find_group(actor.name)
                if group is not None:
                    words += group.names()
            states = {a.to for a in incident.attributions} | {t.country for t in incident.targets}
            words += [country_name(code) for code in sorted(states)]
            out[incident.id] = " ".join(words)
        return out

    def incident(self, incident_id: str) -> Incident:
        found = self.kb.incident_by_id.get(incident_id)
        if found is None:
            raise NotFound("incident", incident_id)
        return found

    def assessment(self, incident_id: str) -> dict[str, Any]:
        """The Contract 3 assessment of one catalogue incident (cached)."""
        if incident_id not in self._assessments:
            found = assess(self.incident(incident_id), self.kb, self.rules)
            self._assessments[incident_id] = found.model_dump(mode="json")
        return self._assessments[incident_id]

    def assess_new(self, incident: Incident) -> dict[str, Any]:
        """The assessment of an incident that is not (yet) in the catalogue."""
        return assess(incident, self.kb, self.rules).model_dump(mode="json")

    def summary(self, incident: Incident) -> dict[str, Any]:
        """A list row: id, name, start, operations, victims, responsible, red line."""
        return {
            "id": incident.id, "name": incident.name, "start": incident.start,
            "operation": list(incident.operation),
            "victims": sorted({t.country for t in incident.targets}),
            "sectors": sorted({t.sector for t in incident.targets}),
            "responsible": [
                {"state": r.state, "confidence": r.confidence} for r in responsible_states(incident)
            ],
            "red_line": self.red_lines[incident.id],
        }

    def state_table(self) -> list[dict[str, Any]]:
        """One row per state of the knowledge base (UN members and observers, the count
        ``check`` reports), then any other territory that incidents name (Taiwan, say),
        marked ``recorded_state: False``: incidents attributed to it and suffered by it
        (the scorecard's definition, :func:`normwatch.analysis.analytics.suffering_states`),
        and its commitments."""
        # imported here: the analytics module brings polars, which the rest of the catalogue
        # does not need
        from normwatch.analysis.analytics import suffering_states

        held = {i.id: [r.state for r in responsible_states(i)] for i in self.kb.incidents}
        attributed: Counter[str] = Counter(s for i in self.kb.incidents for s in held[i.id])
        suffered: Counter[str] = Counter(
            c for i in self.kb.incidents for c in suffering_states(i, held[i.id]))
        committed: Counter[str] = Counter(c.state for c in self.kb.commitments if c.state)
        recorded = {s.iso3 for s in self.kb.states}
        others = (set(attributed) | set(suffered)) - recorded
        return [
            {"state": code, "name": country_name(code), "recorded_state": code in recorded,
             "attributed": attributed[code], "suffered": suffered[code], "commitments": committed[code]}
            for code in sorted(recorded, key=country_name) + sorted(others, key=country_name)
        ]

    def state(self, iso3: str, on: str | dt.date | None = None) -> dict[str, Any]:
        return state_profile(self.kb, iso3, on)

    def instrument(self, instrument_id: str, on: str | dt.date | None = None) -> dict[str, Any]:
        return instrument_profile(self.kb, instrument_id, on)
