"""Accountability and bloc analytics over the catalogue, as polars DataFrames for notebooks.

Every number here is computed from the knowledge base and the rule engine
(:func:`normwatch.engine.assessment.assess`, Contract 3); nothing is typed in. The main entry points:

- :func:`incident_table`, :func:`responsibility_table`, :func:`breach_table`: the catalogue
  as tidy tables (one row per incident; per incident and responsible state; per incident,
  responsible state and norm found breached or possibly breached).
- :func:`scorecard`: one state's commitments over time, incidents attributed to it and the
  norms they breached (its own commitments apart), incidents it suffered, responses made
  and received.
- :func:`bloc_members`, :func:`bloc_comparison`, :func:`vote_blocs`, :func:`vote_overlap`:
  groups of states on a date (organisations, Paris Call supporters and absentees, UNGA
  roll-call positions, custom lists), compared on commitments, conduct and votes.
- :func:`per_year`, :func:`red_line_share`, :func:`attribution_delays`, :func:`trends`.

Dates. A partial date means a span of days (:mod:`normwatch.knowledge.dates`). An incident is dated
by the first day its start may mean (as the engine does for commitments). Membership and
commitments are *conservative*: a state counts as a member or supporter only from the last
day its joining date may mean, and up to the first day its leaving date may mean.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl

from normwatch.engine.assessment import assess
from normwatch.engine.responsibility import responsible_states
from normwatch.engine.rules import RuleSet, shipped_rules
from normwatch.knowledge.commitments import commitment_start, commitment_status, holds, member_on, members_on
from normwatch.knowledge.countries import country_code, country_name, is_country
from normwatch.knowledge.dates import earliest, to_date
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Commitment, Incident

CONFIDENCES = ("high", "medium", "low")
COVERAGE_INSTRUMENTS = ("paris-call", "unga-70-237", "g20-2015", "budapest")
DEFAULT_BLOCS = (
    "paris-call", "paris-call-absentees", "eu", "nato", "g7", "five-eyes", "sco", "brics",
    "vote:unga-73-27:yes", "vote:unga-73-266:yes",
)
PARIS_CALL = "paris-call"


class UnknownBloc(ValueError):
    """A bloc name that names no organisation, instrument, roll call or list of states."""


# --- assessments, cached per knowledge base and rule set --------------------------------

T = TypeVar("T")


def _memo(kb: KnowledgeBase, key: tuple[str, ...], make: Callable[[], T]) -> T:
    """A value computed once per knowledge-base object and key. It lives on the object, so
    it goes with it: no process-wide table keyed by ``id()``, which a new object may reuse."""
    table: dict[tuple[str, ...], Any] = kb.__dict__.setdefault("_analytics_memo", {})
    if key not in table:
        table[key] = make()
    found: T = table[key]
    return found


def _rules(rules: RuleSet | None) -> RuleSet:
    return rules if rules is not None else shipped_rules()


def assessments(kb: KnowledgeBase, rules: RuleSet | None = None) -> dict[str, dict[str, Any]]:
    """The Contract 3 assessment of every catalogue incident, by incident id (cached)."""
    ruleset = _rules(rules)
    return _memo(kb, ("assessments", ruleset.version), lambda: _assess_all(kb, ruleset))


def _assess_all(kb: KnowledgeBase, rules: RuleSet) -> dict[str, dict[str, Any]]:
    """Every assessment, kept in the disk cache per knowledge base, rules and engine code
    (an assessment does not depend on the day): a report, a scorecard or a ranking started
    in a new process does not assess the catalogue again."""
    from normwatch.knowledge import diskcache

    key = f"{kb.version}-{rules.version}-{diskcache.package_key('engine', 'knowledge')}"
    found = diskcache.load("assessments", key) if kb.version else None
    if isinstance(found, dict) and found.keys() == {i.id for i in kb.incidents}:
        return found
    made = {i.id: assess(i, kb, rules).model_dump(mode="json") for i in kb.incidents}
    if kb.version:
        diskcache.save("assessments", key, made)
    return made


def incident_day(incident: Incident) -> dt.date:
    """The day an incident is dated by: the first day its start may mean."""
    return earliest(incident.start)


def suffering_states(incident: Incident, responsible: Iterable[str] | None = None) -> frozenset[str]:
    """The states that suffered ``incident``: the countries of its targets, less every state
    held responsible for it at any confidence (NotPetya hit Rosneft, yet Russia, held
    responsible, did not suffer it). The one definition of "suffered" that the scorecard,
    the state list and the state page share. ``responsible``: the states held responsible,
    when the caller already has them (default: :func:`responsible_states`)."""
    held = set(responsible) if responsible is not None else {r.state for r in responsible_states(incident)}
    return frozenset({t.country for t in incident.targets} - held)


def _day(on: str | dt.date | None) -> dt.date:
    return to_date(on) if on is not None else dt.date.today()


# --- membership and commitments on a date ------------------------------------------------


@dataclass(frozen=True)
class _Index:
    """Commitments of states by instrument, for fast look-ups over many states."""

    by_instrument: dict[str, dict[str, list[Commitment]]]

    def committed(self, kb: KnowledgeBase, state: str, instrument: str, day: dt.date) -> bool:
        item = kb.instrument_by_id.get(instrument)
        if item is None:
            return False
        return any(holds(c, item, day) for c in self.by_instrument.get(instrument, {}).get(state, []))

    def states(self, kb: KnowledgeBase, instrument: str, day: dt.date) -> frozenset[str]:
        return frozenset(
            s for s in self.by_instrument.get(instrument, {}) if self.committed(kb, s, instrument, day)
        )


def _index(kb: KnowledgeBase) -> _Index:
    def build() -> _Index:
        table: dict[str, dict[str, list[Commitment]]] = {}
        for c in kb.commitments:
            if c.state is not None:
                table.setdefault(c.instrument, {}).setdefault(c.state, []).append(c)
        return _Index(table)

    return _memo(kb, ("commitment-index",), build)


def committed_states(kb: KnowledgeBase, instrument: str, on: str | dt.date | None = None) -> frozenset[str]:
    """States (ISO3) committed to an instrument on a date (non-state supporters left out)."""
    return _index(kb).states(kb, instrument, _day(on))


def un_states(kb: KnowledgeBase) -> frozenset[str]:
    """UN member and observer states recorded in the knowledge base."""
    return frozenset(s.iso3 for s in kb.states)


# --- blocs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bloc:
    """A named group of states whose membership may depend on the date.

    ``kind`` is ``organisation``, ``instrument`` (states committed), ``absent`` (UN states
    not committed), ``vote`` (a position in a recorded roll call: fixed) or ``custom``
    (a fixed list).
    """

    name: str
    kind: str
    ref: str = ""
    position: str = ""
    states: frozenset[str] = frozenset()

    @property
    def dated(self) -> bool:
        """Whether membership changes with the date."""
        return self.kind in ("organisation", "instrument", "absent")

    def label(self) -> str:
        return self.name

    def members(self, kb: KnowledgeBase, on: dt.date) -> frozenset[str]:
        """Member states on a day (fixed blocs ignore the day)."""
        if self.kind == "organisation":
            org = kb.organisation_by_id[self.ref]
            return members_on(org, on)
        if self.kind == "instrument":
            return _index(kb).states(kb, self.ref, on)
        if self.kind == "absent":
            return un_states(kb) - _index(kb).states(kb, self.ref, on)
        if self.kind == "vote":
            call = next(r for r in kb.roll_calls if r.id == self.ref)
            return frozenset(s for s, v in call.votes.items() if v == self.position)
        return self.states


def parse_bloc(kb: KnowledgeBase, name: str) -> Bloc:
    """Read a bloc name.

    Accepted: an organisation id (``eu``, ``nato``, ``g7``, ``five-eyes`` …); ``paris-call``
    (supporters) and ``paris-call-absentees``; ``instrument:ID`` and ``absent:ID`` for any
    instrument; ``vote:ROLLCALL:yes|no|abstain`` (e.g. ``vote:unga-73-27:yes``);
    ``custom:RUS,CHN`` (a fixed list of ISO3 codes).
    """
    text = name.strip()
    if text in kb.organisation_by_id:
        return Bloc(text, "organisation", text)
    if text == PARIS_CALL:
        return Bloc(text, "instrument", PARIS_CALL)
    if text == "paris-call-absentees":
        return Bloc(text, "absent", PARIS_CALL)
    head, _, rest = text.partition(":")
    if head in ("instrument", "absent") and rest:
        if rest not in kb.instrument_by_id:
            raise UnknownBloc(f"unknown instrument {rest!r} in bloc {name!r}")
        return Bloc(text, head, rest)
    if head == "vote" and rest:
        call, _, position = rest.partition(":")
        calls = {r.id for r in kb.roll_calls}
        if call not in calls:
            raise UnknownBloc(f"unknown roll call {call!r} in bloc {name!r}; known: {', '.join(sorted(calls))}")
        if position not in ("yes", "no", "abstain"):
            raise UnknownBloc(f"bloc {name!r}: the position must be yes, no or abstain")
        return Bloc(text, "vote", call, position)
    if head == "custom" and rest:
        codes = [c.strip().upper() for c in rest.split(",") if c.strip()]
        bad = [c for c in codes if not is_country(c)]
        if bad or not codes:
            raise UnknownBloc(f"bloc {name!r}: not ISO 3166-1 alpha-3 codes: {', '.join(bad) or '(none)'}")
        return Bloc(text, "custom", states=frozenset(codes))
    known = ", ".join(sorted(kb.organisation_by_id))
    raise UnknownBloc(
        f"unknown bloc {name!r}; use an organisation ({known}), paris-call, paris-call-absentees, "
        "instrument:ID, absent:ID, vote:ROLLCALL:yes|no|abstain or custom:ISO3,ISO3"
    )


def bloc_members(kb: KnowledgeBase, bloc: str | Bloc, on: str | dt.date | None = None) -> pl.DataFrame:
    """The members of a bloc on a date, with their names."""
    item = parse_bloc(kb, bloc) if isinstance(bloc, str) else bloc
    states = sorted(item.members(kb, _day(on)))
    return pl.DataFrame(
        {"state": states, "name": [country_name(s) for s in states]},
        schema={"state": pl.Utf8, "name": pl.Utf8},
    )


# --- the catalogue as tables ---------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A table cell as text, the same in the CLI and in reports: yes/no, 2 decimals, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def _first_government_attribution(incident: Incident) -> tuple[dt.date | None, list[str]]:
    dated = [(earliest(a.date), a.by) for a in incident.attributions if a.kind == "government" and a.date]
    if not dated:
        return None, []
    first = min(d for d, _ in dated)
    by = sorted({who for d, names in dated if d == first for who in names})
    return first, by


def incident_table(kb: KnowledgeBase, rules: RuleSet | None = None) -> pl.DataFrame:
    """One row per incident: dates, operations, sectors, victims, responsibility, verdicts."""
    docs = assessments(kb, rules)
    rows = []
    for i in kb.incidents:
        a = docs[i.id]
        first, first_by = _first_government_attribution(i)
        day = incident_day(i)
        rows.append({
            "id": i.id, "name": i.name, "start": i.start, "start_date": day, "year": day.year,
            "operation": list(i.operation),
            "sectors": sorted({t.sector for t in i.targets}),
            "victims": sorted({t.country for t in i.targets}),
            "responsible": [r["state"] for r in a["responsible"]],
            "confidence": [r["confidence"] for r in a["responsible"]],
            "responsible_high": [r["state"] for r in a["responsible"] if r["confidence"] == "high"],
            "red_line": bool(a["red_line"]),
            "tolerated_espionage": bool(a["tolerated_espionage"]),
            "intensity": float(a["intensity"]),
            "breach": [n["id"] for n in a["norms"] if n["verdict"] == "breach"],
            "possible": [n["id"] for n in a["norms"] if n["verdict"] == "possible"],
            "commitments_breached": len(a["commitments_breached"]),
            "responses": len(i.responses),
            "first_government_attribution": first,
            "first_attributed_by": first_by,
            "attribution_delay_days": (first - day).days if first else None,
            "sources": list(i.sources),
        })
    schema: dict[str, Any] = {
        "id": pl.Utf8, "name": pl.Utf8, "start": pl.Utf8, "start_date": pl.Date, "year": pl.Int64,
        "operation": pl.List(pl.Utf8), "sectors": pl.List(pl.Utf8), "victims": pl.List(pl.Utf8),
        "responsible": pl.List(pl.Utf8), "confidence": pl.List(pl.Utf8),
        "responsible_high": pl.List(pl.Utf8), "red_line": pl.Boolean,
        "tolerated_espionage": pl.Boolean, "intensity": pl.Float64, "breach": pl.List(pl.Utf8),
        "possible": pl.List(pl.Utf8), "commitments_breached": pl.Int64, "responses": pl.Int64,
        "first_government_attribution": pl.Date, "first_attributed_by": pl.List(pl.Utf8),
        "attribution_delay_days": pl.Int64, "sources": pl.List(pl.Utf8),
    }
    return pl.DataFrame(rows, schema=schema).sort("start_date", "id")


def responsibility_table(kb: KnowledgeBase, rules: RuleSet | None = None) -> pl.DataFrame:
    """One row per incident and responsible state, with the confidence and the victims."""
    docs = assessments(kb, rules)
    rows = []
    for i in kb.incidents:
        a = docs[i.id]
        victims = sorted({t.country for t in i.targets})
        for r in a["responsible"]:
            rows.append({
                "incident": i.id, "state": r["state"], "confidence": r["confidence"],
                "start": i.start, "start_date": incident_day(i), "year": incident_day(i).year,
                "red_line": bool(a["red_line"]), "victims": victims,
            })
    schema: dict[str, Any] = {
        "incident": pl.Utf8, "state": pl.Utf8, "confidence": pl.Utf8, "start": pl.Utf8,
        "start_date": pl.Date, "year": pl.Int64, "red_line": pl.Boolean, "victims": pl.List(pl.Utf8),
    }
    return pl.DataFrame(rows, schema=schema)


def breach_table(kb: KnowledgeBase, rules: RuleSet | None = None) -> pl.DataFrame:
    """One row per incident, responsible state and norm whose verdict is breach or possible.

    ``committed``: the state was committed to the norm on the incident's date (through any
    instrument carrying its framework). ``own_commitment``: the engine lists the pair in
    ``commitments_breached`` (a breach verdict, high confidence, and a commitment held).
    """
    docs = assessments(kb, rules)
    rows = []
    for i in kb.incidents:
        a = docs[i.id]
        day = incident_day(i)
        own: dict[tuple[str, str], list[str]] = {}
        for c in a["commitments_breached"]:
            own.setdefault((c["state"], c["norm"]), []).append(c["instrument"])
        for r in a["responsible"]:
            for n in a["norms"]:
                if n["verdict"] not in ("breach", "possible"):
                    continue
                status = commitment_status(kb, r["state"], n["id"], day)
                rows.append({
                    "incident": i.id, "year": day.year, "start_date": day, "state": r["state"],
                    "confidence": r["confidence"], "norm": n["id"],
                    "framework": kb.framework_of[n["id"]].id, "verdict": n["verdict"],
                    "committed": status.committed,
                    "own_commitment": (r["state"], n["id"]) in own,
                    "instruments": sorted(own.get((r["state"], n["id"]), [])),
                    "red_line": bool(a["red_line"]),
                })
    schema: dict[str, Any] = {
        "incident": pl.Utf8, "year": pl.Int64, "start_date": pl.Date, "state": pl.Utf8,
        "confidence": pl.Utf8, "norm": pl.Utf8, "framework": pl.Utf8, "verdict": pl.Utf8,
        "committed": pl.Boolean, "own_commitment": pl.Boolean, "instruments": pl.List(pl.Utf8),
        "red_line": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)


def victim_edges(kb: KnowledgeBase, rules: RuleSet | None = None, confidence: Sequence[str] = CONFIDENCES
                 ) -> pl.DataFrame:
    """Responsible state → victim state, with the number of incidents (self-targeting left out)."""
    table = responsibility_table(kb, rules).filter(pl.col("confidence").is_in(list(confidence)))
    edges = (
        table.explode("victims").rename({"victims": "victim"})
        .filter(pl.col("victim") != pl.col("state"))
        .group_by("state", "victim")
        .agg(incidents=pl.col("incident").n_unique(), red_line=pl.col("red_line").sum())
        .rename({"state": "responsible"})
        .sort(["incidents", "responsible", "victim"], descending=[True, False, False])
    )
    return edges


# --- trends --------------------------------------------------------------------------------

_BY = {"operation": "operation", "sector": "sectors", "victim": "victims", "responsible": "responsible"}


def per_year(kb: KnowledgeBase, by: str = "operation", rules: RuleSet | None = None) -> pl.DataFrame:
    """Incidents per year and key (``operation``, ``sector``, ``victim`` or ``responsible``).

    An incident with several keys counts once under each; ``responsible`` counts every
    state held responsible, whatever the confidence (``unattributed`` when none).
    """
    if by not in _BY:
        raise ValueError(f"per_year: by must be one of {', '.join(_BY)}")
    column = _BY[by]
    table = incident_table(kb, rules).select("id", "year", column)
    if by == "responsible":
        table = table.with_columns(
            pl.when(pl.col(column).list.len() == 0).then(pl.lit(["unattributed"]))
            .otherwise(pl.col(column)).alias(column)
        )
    return (
        table.explode(column).rename({column: by})
        .group_by("year", by).agg(incidents=pl.col("id").n_unique())
        .sort(["year", "incidents", by], descending=[False, True, False])
    )


def red_line_share(kb: KnowledgeBase, rules: RuleSet | None = None) -> pl.DataFrame:
    """Per year: incidents, incidents crossing a red line, and their share."""
    return (
        incident_table(kb, rules)
        .group_by("year")
        .agg(incidents=pl.len(), red_line=pl.col("red_line").sum(),
             tolerated_espionage=pl.col("tolerated_espionage").sum())
        .with_columns(share=pl.col("red_line") / pl.col("incidents"))
        .sort("year")
    )


def attribution_delays(kb: KnowledgeBase, rules: RuleSet | None = None) -> pl.DataFrame:
    """Days from an incident's start to its first dated government attribution.

    Both ends are the first day their (possibly partial) date may mean; ``exact`` says
    whether both dates were full days. Incidents with no dated government attribution are
    left out, and so are those whose attribution date is too coarse to fall after the start
    (an attribution dated "2024" for an operation starting 2024-03).
    """
    table = incident_table(kb, rules).filter(pl.col("first_government_attribution").is_not_null())
    exact = {
        i.id: len(i.start) == 10 and any(
            a.kind == "government" and a.date and len(a.date) == 10
            and earliest(a.date) == _first_government_attribution(i)[0] for a in i.attributions
        )
        for i in kb.incidents
    }
    return (
        table.select(
            "id", "name", "start", "start_date", "year", "responsible",
            "first_government_attribution", "first_attributed_by", "attribution_delay_days",
        )
        .with_columns(exact=pl.col("id").replace_strict(exact, return_dtype=pl.Boolean))
        .filter(pl.col("attribution_delay_days") >= 0)
        .sort("attribution_delay_days")
    )


def delay_summary(delays: pl.DataFrame) -> dict[str, float | int]:
    """Count, median and quartiles (days) of an :func:`attribution_delays` table."""
    days = delays["attribution_delay_days"].cast(pl.Float64)
    if days.len() == 0:
        return {"incidents": 0}

    def quantile(q: float) -> float:
        value = days.quantile(q, "linear")
        return float(value) if isinstance(value, int | float) else 0.0

    return {
        "incidents": int(days.len()),
        "median_days": quantile(0.5),
        "q1_days": quantile(0.25),
        "q3_days": quantile(0.75),
        "within_365_days": int((days <= 365).sum()),
        "same_day": int((days == 0).sum()),
    }


def trends(kb: KnowledgeBase, rules: RuleSet | None = None) -> dict[str, pl.DataFrame]:
    """Every trend table: per year by operation, responsible state, sector; red lines; delays."""
    return {
        "by_operation": per_year(kb, "operation", rules),
        "by_responsible": per_year(kb, "responsible", rules),
        "by_sector": per_year(kb, "sector", rules),
        "red_line_share": red_line_share(kb, rules),
        "attribution_delays": attribution_delays(kb, rules),
    }


# --- state scorecards ----------------------------------------------------------------------


def _org_codes(kb: KnowledgeBase) -> dict[str, str]:
    """Organisation names as they appear in ``responses[].by`` (``EU``, ``NATO``) → ids."""
    return {o.id.upper(): o.id for o in kb.organisations}


def _response_day(incident: Incident, date: str | None) -> dt.date:
    return earliest(date) if date else incident_day(incident)


def _member_of(kb: KnowledgeBase, org_id: str, state: str, day: dt.date) -> bool:
    org = kb.organisation_by_id[org_id]
    return state in members_on(org, day)


def scorecard(
    kb: KnowledgeBase, state: str, rules: RuleSet | None = None, on: str | dt.date | None = None
) -> dict[str, pl.DataFrame]:
    """A state's accountability record, as tables.

    Keys: ``summary`` (one row), ``commitments``, ``memberships``, ``attributed`` (incidents
    attributed to it, any confidence), ``norms`` (per norm: breach verdicts in incidents
    attributed to it, split into breaches of its own commitments and others),
    ``commitments_broken`` (one row per incident, norm and instrument through which the state
    had committed to the norm it breached), ``suffered`` (incidents where it is a target and
    not held responsible), ``also_hit_own`` (incidents it is held responsible for, at any
    confidence, that also hit targets in its own country: NotPetya hit Rosneft),
    ``responses_made`` (by the state, or by an organisation it belonged to on the day) and
    ``responses_received`` (responses to incidents attributed to it).
    """
    code = country_code(state, "state", "scorecard")
    day = _day(on)
    docs = assessments(kb, rules)
    commitments = []
    for c in sorted(kb.commitments_of(code), key=lambda c: (c.instrument, c.signed or c.joined or "")):
        item = kb.instrument_by_id.get(c.instrument)
        start = commitment_start(c, item) if item else None
        commitments.append({
            "instrument": c.instrument, "name": item.name if item else c.instrument,
            "kind": item.kind if item else "", "binding": bool(item and item.binding),
            "carries": list(item.carries) if item else [],
            "signed": c.signed, "joined": c.joined or c.ratified, "in_force": c.in_force,
            "withdrawn": c.withdrawn, "committed_from": start,
            "committed_on_date": bool(item and holds(c, item, day)),
            "unconfirmed": c.unconfirmed, "source": c.sources[0],
        })
    memberships = [
        {"organisation": o.id, "name": o.name, "joined": m.joined, "left": m.left,
         "member_on_date": member_on(m, day)}
        for o in kb.organisations for m in o.members if m.state == code
    ]
    attributed, norm_rows, made, received, broken = [], [], [], [], []
    # Incidents the state is held responsible for that also hit targets in its own country
    # (NotPetya hit Rosneft too) are shown apart, never as incidents it suffered.
    suffered: list[dict[str, Any]] = []
    also_hit_own: list[dict[str, Any]] = []
    codes = _org_codes(kb)
    for i in kb.incidents:
        a = docs[i.id]
        mine = next((r for r in a["responsible"] if r["state"] == code), None)
        if mine is not None:
            own = sorted({c["norm"] for c in a["commitments_breached"] if c["state"] == code})
            breach = [n["id"] for n in a["norms"] if n["verdict"] == "breach"]
            attributed.append({
                "incident": i.id, "name": i.name, "start": i.start, "confidence": mine["confidence"],
                "red_line": bool(a["red_line"]), "tolerated_espionage": bool(a["tolerated_espionage"]),
                "intensity": float(a["intensity"]), "breach": breach,
                "possible": [n["id"] for n in a["norms"] if n["verdict"] == "possible"],
                "own_commitment": own, "victims": sorted({t.country for t in i.targets} - {code}),
            })
            broken += [{"incident": i.id, "start": i.start, "norm": c["norm"], "instrument": c["instrument"]}
                       for c in a["commitments_breached"] if c["state"] == code]
            for norm in breach:
                norm_rows.append({"norm": norm, "incident": i.id, "confidence": mine["confidence"],
                                  "own": norm in own})
            for r in i.responses:
                if r.by != code:
                    received.append({"incident": i.id, "by": r.by, "kind": r.kind, "date": r.date})
        if code in {t.country for t in i.targets}:
            victims = suffering_states(i, [r["state"] for r in a["responsible"]])
            (suffered if code in victims else also_hit_own).append({
                "incident": i.id, "name": i.name, "start": i.start,
                "responsible": [f"{r['state']} ({r['confidence']})" for r in a["responsible"]],
                "red_line": bool(a["red_line"]),
                "sectors": sorted({t.sector for t in i.targets if t.country == code}),
            })
        for r in i.responses:
            via = None
            if r.by == code:
                via = code
            elif r.by in codes and _member_of(kb, codes[r.by], code, _response_day(i, r.date)):
                via = r.by
            if via is not None:
                made.append({
                    "incident": i.id, "kind": r.kind, "date": r.date, "via": via,
                    "against": [x["state"] for x in a["responsible"]],
                })
    norms = _norm_counts(norm_rows)
    conf = {c: sum(1 for row in attributed if row["confidence"] == c) for c in CONFIDENCES}
    summary = {
        "state": code, "name": country_name(code), "on": day,
        "commitments": len(commitments),
        "committed_on_date": sum(1 for c in commitments if c["committed_on_date"]),
        # The instrument's own `binding` field tells treaties from political commitments.
        "binding_on_date": sum(1 for c in commitments if c["committed_on_date"] and c["binding"]),
        "political_on_date": sum(1 for c in commitments if c["committed_on_date"] and not c["binding"]),
        "attributed": len(attributed),
        "attributed_high": conf["high"], "attributed_medium": conf["medium"], "attributed_low": conf["low"],
        "red_line_attributed": sum(1 for row in attributed if row["red_line"]),
        "breach_findings": len(norm_rows),
        "own_commitment_breaches": sum(1 for row in norm_rows if row["own"]),
        "other_breaches": sum(1 for row in norm_rows if not row["own"]),
        "norms_breached": len({row["norm"] for row in norm_rows}),
        "suffered": len(suffered),
        "also_hit_own": len(also_hit_own),
        "responses_made": len(made),
        "responses_received": len(received),
    }
    return {
        "summary": pl.DataFrame([summary]),
        "commitments": pl.DataFrame(commitments, schema={
            "instrument": pl.Utf8, "name": pl.Utf8, "kind": pl.Utf8, "binding": pl.Boolean,
            "carries": pl.List(pl.Utf8), "signed": pl.Utf8, "joined": pl.Utf8, "in_force": pl.Utf8,
            "withdrawn": pl.Utf8, "committed_from": pl.Date, "committed_on_date": pl.Boolean,
            "unconfirmed": pl.Boolean, "source": pl.Utf8,
        }),
        "memberships": pl.DataFrame(memberships, schema={
            "organisation": pl.Utf8, "name": pl.Utf8, "joined": pl.Utf8, "left": pl.Utf8,
            "member_on_date": pl.Boolean,
        }),
        "attributed": pl.DataFrame(attributed, schema={
            "incident": pl.Utf8, "name": pl.Utf8, "start": pl.Utf8, "confidence": pl.Utf8,
            "red_line": pl.Boolean, "tolerated_espionage": pl.Boolean, "intensity": pl.Float64,
            "breach": pl.List(pl.Utf8), "possible": pl.List(pl.Utf8),
            "own_commitment": pl.List(pl.Utf8), "victims": pl.List(pl.Utf8),
        }),
        "norms": norms,
        "commitments_broken": pl.DataFrame(broken, schema={
            "incident": pl.Utf8, "start": pl.Utf8, "norm": pl.Utf8, "instrument": pl.Utf8,
        }),
        "suffered": pl.DataFrame(suffered, schema=_SUFFERED_SCHEMA),
        "also_hit_own": pl.DataFrame(also_hit_own, schema=_SUFFERED_SCHEMA),
        "responses_made": pl.DataFrame(made, schema={
            "incident": pl.Utf8, "kind": pl.Utf8, "date": pl.Utf8, "via": pl.Utf8,
            "against": pl.List(pl.Utf8),
        }),
        "responses_received": pl.DataFrame(received, schema={
            "incident": pl.Utf8, "by": pl.Utf8, "kind": pl.Utf8, "date": pl.Utf8,
        }),
    }


_SUFFERED_SCHEMA: dict[str, Any] = {
    "incident": pl.Utf8, "name": pl.Utf8, "start": pl.Utf8, "responsible": pl.List(pl.Utf8),
    "red_line": pl.Boolean, "sectors": pl.List(pl.Utf8),
}


def _norm_counts(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {"norm": pl.Utf8, "incident": pl.Utf8, "confidence": pl.Utf8, "own": pl.Boolean}
    return (
        pl.DataFrame(rows, schema=schema)
        .group_by("norm")
        .agg(
            breaches=pl.len(),
            own_commitment=pl.col("own").sum().cast(pl.Int64),
            other=(~pl.col("own")).sum().cast(pl.Int64),
            high_confidence=(pl.col("confidence") == "high").sum().cast(pl.Int64),
        )
        .sort(["breaches", "norm"], descending=[True, False])
    )


# --- bloc comparison -----------------------------------------------------------------------


def cohesion(yes: int, no: int, abstain: int) -> dict[str, float | None]:
    """Rice index |Y−N|/(Y+N) and the Hix–Noury–Roland agreement index of one bloc's votes.

    Agreement index: (max(Y,N,A) − ½·(Y+N+A − max(Y,N,A))) / (Y+N+A), from 0 (split
    evenly three ways) to 1 (all vote alike); it counts abstentions, the Rice index does
    not. Absent members are left out of both. None when nobody in the bloc voted.
    """
    total = yes + no + abstain
    top = max(yes, no, abstain)
    rice = abs(yes - no) / (yes + no) if yes + no else None
    agreement = (top - 0.5 * (total - top)) / total if total else None
    return {"rice": rice, "agreement": agreement}


def _vote_columns(kb: KnowledgeBase, members: frozenset[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for call in kb.roll_calls:
        key = call.id.replace("unga-", "").replace("-", "_")
        counts = {v: sum(1 for s in members if call.votes.get(s) == v) for v in ("yes", "no", "abstain")}
        row[f"{key}_yes"] = counts["yes"]
        row[f"{key}_no"] = counts["no"]
        row[f"{key}_abstain"] = counts["abstain"]
        row[f"{key}_absent"] = len(members) - sum(counts.values())
        index = cohesion(counts["yes"], counts["no"], counts["abstain"])
        row[f"{key}_rice"] = index["rice"]
        row[f"{key}_agreement"] = index["agreement"]
    return row


def bloc_comparison(
    kb: KnowledgeBase,
    blocs: Iterable[str | Bloc] = DEFAULT_BLOCS,
    on: str | dt.date | None = None,
    rules: RuleSet | None = None,
    since: str | dt.date | None = None,
) -> pl.DataFrame:
    """Compare blocs: one row per bloc.

    Composition and commitment coverage are taken on ``on`` (default today); an incident
    counts for a bloc when a state held responsible was a member on the incident's date;
    cohesion on each roll call uses the members on the day of the vote for organisations,
    and on ``on`` for instrument blocs (most Paris Call dates are upper bounds, listed in
    2019, so supporters on the day of a 2018 vote would be undercounted). ``since`` keeps
    only incidents that started on or after that day (e.g. ``2018-11-12``, the Paris Call).

    Columns: ``members``; ``coverage_<instrument>`` (share of members committed on ``on``);
    ``incidents_attributed`` (any confidence) and ``incidents_attributed_high``;
    ``red_line_incidents``; ``norms_breached`` (distinct norms with a breach verdict in
    incidents attributed to members with high confidence); ``breach_findings`` (incident ×
    member × norm with a breach verdict, high confidence); ``endorsed_breaches`` (those
    where the member had committed to the norm on the incident's date) and
    ``endorsed_share``; per roll call, yes/no/abstain/absent counts, Rice and agreement
    indices.
    """
    day = _day(on)
    items = [parse_bloc(kb, b) if isinstance(b, str) else b for b in blocs]
    incidents = {i.id: i for i in kb.incidents}
    resp = responsibility_table(kb, rules)
    breaches = breach_table(kb, rules).filter(
        (pl.col("verdict") == "breach") & (pl.col("confidence") == "high")
    )
    if since is not None:
        first = to_date(since)
        resp = resp.filter(pl.col("start_date") >= first)
        breaches = breaches.filter(pl.col("start_date") >= first)
    index = _index(kb)
    # Membership on an incident's date, computed once per (bloc, day).
    rows = []
    for bloc in items:
        members = bloc.members(kb, day)
        memo: dict[dt.date, frozenset[str]] = {}

        def member(state: str, incident: str, bloc: Bloc = bloc, memo: dict[dt.date, frozenset[str]] = memo) -> bool:
            when = incident_day(incidents[incident])
            if when not in memo:
                memo[when] = bloc.members(kb, when)
            return state in memo[when]

        mask = [member(s, i) for s, i in zip(resp["state"], resp["incident"], strict=True)]
        mine = resp.filter(pl.Series(mask, dtype=pl.Boolean))
        bmask = [member(s, i) for s, i in zip(breaches["state"], breaches["incident"], strict=True)]
        found = breaches.filter(pl.Series(bmask, dtype=pl.Boolean))
        red = mine.filter(pl.col("red_line"))["incident"].n_unique()
        row: dict[str, Any] = {
            "bloc": bloc.name, "kind": bloc.kind, "on": day,
            "since": to_date(since) if since is not None else None, "members": len(members),
        }
        for instrument in COVERAGE_INSTRUMENTS:
            if instrument in kb.instrument_by_id:
                share = (
                    sum(1 for s in members if index.committed(kb, s, instrument, day)) / len(members)
                    if members else None
                )
                row[f"coverage_{instrument.replace('-', '_')}"] = share
        attributed = mine["incident"].n_unique()
        row.update({
            "incidents_attributed": attributed,
            "incidents_attributed_high": mine.filter(pl.col("confidence") == "high")["incident"].n_unique(),
            "red_line_incidents": red,
            "red_line_share": red / attributed if attributed else None,
            "norms_breached": found["norm"].n_unique(),
            "breach_findings": found.height,
            "endorsed_breaches": int(found["committed"].sum()),
            "endorsed_share": float(found["committed"].sum()) / found.height if found.height else None,
        })
        for call in kb.roll_calls:
            vote_members = bloc.members(kb, earliest(call.date)) if bloc.kind == "organisation" else members
            row.update({k: v for k, v in _vote_columns(kb, vote_members).items()
                        if k.startswith(call.id.replace("unga-", "").replace("-", "_"))})
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)


def vote_blocs(kb: KnowledgeBase, on: str | dt.date | None = None) -> pl.DataFrame:
    """Per roll call and position: how many states, and how many were Paris Call supporters.

    ``paris_call_at_vote`` counts supporters on the day of the vote; ``paris_call_on``
    on ``on`` (default today). ``share_paris_call_on`` is the second over ``states``.
    """
    day = _day(on)
    rows = []
    for call in kb.roll_calls:
        at_vote = committed_states(kb, PARIS_CALL, earliest(call.date))
        now = committed_states(kb, PARIS_CALL, day)
        for position in ("yes", "no", "abstain"):
            states = {s for s, v in call.votes.items() if v == position}
            rows.append({
                "roll_call": call.id, "resolution": call.resolution, "date": call.date,
                "position": position, "states": len(states),
                "paris_call_at_vote": len(states & at_vote), "paris_call_on": len(states & now),
                "share_paris_call_on": len(states & now) / len(states) if states else None,
            })
    return pl.DataFrame(rows)


def vote_overlap(kb: KnowledgeBase, on: str | dt.date | None = None) -> dict[str, pl.DataFrame]:
    """How the two 2018 roll calls and Paris Call support line up.

    ``crosstab``: states by their position on each roll call (``absent`` when not
    recorded), with how many of them were Paris Call supporters on ``on``.
    ``jaccard``: for each roll call and position, the Jaccard overlap |A∩P|/|A∪P| with the
    Paris Call supporters P on ``on``.
    """
    day = _day(on)
    supporters = committed_states(kb, PARIS_CALL, day)
    calls = list(kb.roll_calls)
    universe = un_states(kb) | {s for c in calls for s in c.votes}
    cross: dict[tuple[str, ...], list[str]] = {}
    for s in sorted(universe):
        cross.setdefault(tuple(c.votes.get(s, "absent") for c in calls), []).append(s)
    crosstab = pl.DataFrame([
        {**{c.id: key[k] for k, c in enumerate(calls)}, "states": len(states),
         "paris_call_on": sum(1 for s in states if s in supporters),
         "examples": ", ".join(states[:8])}
        for key, states in sorted(cross.items(), key=lambda kv: -len(kv[1]))
    ])
    jac = []
    for c in calls:
        for position in ("yes", "no", "abstain"):
            states = {s for s, v in c.votes.items() if v == position}
            union = states | supporters
            jac.append({"roll_call": c.id, "position": position, "states": len(states),
                        "paris_call": len(supporters), "both": len(states & supporters),
                        "jaccard": len(states & supporters) / len(union) if union else None})
    return {"crosstab": crosstab, "jaccard": pl.DataFrame(jac)}


def blocs(
    kb: KnowledgeBase,
    names: Iterable[str] = DEFAULT_BLOCS,
    on: str | dt.date | None = None,
    rules: RuleSet | None = None,
    since: str | dt.date | None = None,
) -> dict[str, pl.DataFrame]:
    """Everything ``normwatch blocs`` shows: comparison, votes, and the overlap with the Paris Call."""
    return {
        "comparison": bloc_comparison(kb, names, on, rules, since),
        "votes": vote_blocs(kb, on),
        **vote_overlap(kb, on),
    }


# --- norms ---------------------------------------------------------------------------------


def norm_record(kb: KnowledgeBase, norm_id: str, rules: RuleSet | None = None) -> dict[str, pl.DataFrame]:
    """One norm across the catalogue: verdicts per year, and who breached it (own commitment apart)."""
    if norm_id not in kb.norms:
        raise ValueError(f"unknown norm {norm_id!r}; see `normwatch norms`")
    docs = assessments(kb, rules)
    verdicts = []
    for i in kb.incidents:
        verdict = next(n["verdict"] for n in docs[i.id]["norms"] if n["id"] == norm_id)
        verdicts.append({"incident": i.id, "name": i.name, "start": i.start,
                         "year": incident_day(i).year, "verdict": verdict,
                         "responsible": [r["state"] for r in docs[i.id]["responsible"]]})
    table = pl.DataFrame(verdicts, schema={
        "incident": pl.Utf8, "name": pl.Utf8, "start": pl.Utf8, "year": pl.Int64,
        "verdict": pl.Utf8, "responsible": pl.List(pl.Utf8),
    })
    by_year = (
        table.filter(pl.col("verdict").is_in(["breach", "possible"]))
        .group_by("year", "verdict").agg(incidents=pl.len()).sort("year", "verdict")
    )
    states = (
        breach_table(kb, rules).filter(pl.col("norm") == norm_id)
        .group_by("state")
        .agg(
            breach_high=((pl.col("verdict") == "breach") & (pl.col("confidence") == "high")).sum().cast(pl.Int64),
            own_commitment=pl.col("own_commitment").sum().cast(pl.Int64),
            possible=(pl.col("verdict") == "possible").sum().cast(pl.Int64),
            any_verdict=pl.len(),
        )
        .sort(["breach_high", "any_verdict", "state"], descending=[True, True, False])
    )
    counts = table.group_by("verdict").agg(incidents=pl.len()).sort("verdict")
    return {"verdicts": table, "counts": counts, "by_year": by_year, "states": states}


# --- the knowledge base's date -------------------------------------------------------------


def kb_as_of(kb: KnowledgeBase) -> dt.date | None:
    """The latest date recorded in the knowledge base (first day of partial dates)."""
    dates: list[str] = []
    for i in kb.incidents:
        dates += [i.start, *([i.end] if i.end else [])]
        dates += [a.date for a in i.attributions if a.date]
        dates += [r.date for r in i.responses if r.date]
    for c in kb.commitments:
        dates += [d for d in (c.signed, c.ratified, c.joined, c.in_force, c.withdrawn) if d]
    days = [earliest(d) for d in dates]
    return max(days) if days else None


__all__ = [
    "Bloc", "DEFAULT_BLOCS", "UnknownBloc", "assessments", "attribution_delays", "bloc_comparison",
    "bloc_members", "blocs", "breach_table", "cohesion", "committed_states", "delay_summary",
    "incident_table", "kb_as_of", "norm_record", "parse_bloc", "per_year", "red_line_share",
    "responsibility_table", "responsible_states", "scorecard", "suffering_states", "trends", "victim_edges",
    "vote_blocs", "vote_overlap",
]
