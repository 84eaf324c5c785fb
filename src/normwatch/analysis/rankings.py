"""Rankings of states by the breaches the catalogue finds in their conduct.

Two orderings of the same rows, both computed from the engine's assessments (Contract 3)
through :func:`normwatch.analysis.analytics.breach_table`; nothing is typed in:

- ``on="own"``: breaches of the state's *own* commitments, i.e. the pairs the engine lists
  in ``commitments_breached`` (a ``breach`` verdict, the state held responsible with high
  confidence, and committed to the norm's framework on the incident's first possible day);
- ``on="all"``: every high-confidence breach finding (incident × state × norm with a
  ``breach`` verdict), whether or not the state had committed to the norm.

A finding counts once per incident and norm, however many instruments carried the
commitment, so the counts agree with :func:`normwatch.analysis.analytics.scorecard`.

Where knowledge ends is counted apart, never as "no breach": ``possible`` findings (the
state named with medium or low confidence), ``undetermined`` verdicts in the incidents it is
held responsible for with high confidence (a fact the answer depends on is not recorded),
breaches of norms it had not committed to (or whose commitment the knowledge base does not
record), incidents attributed to it below high confidence, and catalogue incidents that no
state is held responsible for. The catalogue is a sample of publicly reported incidents: a
state absent from a ranking is not shown to have kept its commitments.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Literal

import polars as pl
from pydantic import BaseModel, Field

from normwatch.analysis.analytics import assessments, breach_table, incident_day
from normwatch.engine.rules import RuleSet, shipped_rules
from normwatch.knowledge.countries import country_name
from normwatch.knowledge.dates import earliest
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Incident

RankBy = Literal["own", "all"]
RANK_BY: tuple[RankBy, ...] = ("own", "all")

CSV_COLUMNS = (
    "rank", "state", "name", "own_commitment_breaches", "own_commitment_incidents",
    "high_confidence_breaches", "high_confidence_incidents", "not_committed_breaches", "possible_findings",
    "undetermined_verdicts", "lower_confidence_incidents", "norms", "incidents",
)
"""The columns of :func:`rankings_csv`, in order: one row per ranked state."""


class UnknownRanking(ValueError):
    """A ranking order other than ``own`` or ``all``."""


class Claim(BaseModel):
    """One attribution of the incident to the ranked state, with the sources of that claim."""

    by: list[str]
    kind: str
    date: str | None = None
    confidence: str
    sources: list[str] = Field(default_factory=list, description="URLs that state this very claim")


class RankedIncident(BaseModel):
    """An incident behind a ranked state's count: what it breached, why, and who says so."""

    id: str
    name: str
    start: str
    confidence: str = Field(description="how confidently the state is held responsible")
    basis: str = Field(description="why the engine holds the state responsible, in words")
    breached: list[str] = Field(description="norms with a breach verdict (high confidence)")
    own_commitment: list[str] = Field(description="of those, the norms the state had committed to on the day")
    instruments: list[str] = Field(description="the instruments through which it had committed to them")
    red_line: bool
    red_line_reasons: list[str] = Field(description="why the act crossed a red line (or what is not known)")
    claims: list[Claim] = Field(description="attributions to the state, oldest first")
    sources: list[str] = Field(description="sources of the incident record as a whole")


class RankingRow(BaseModel):
    """One state in a ranking, with the incidents behind its counts."""

    rank: int = Field(description="1 for the most; states with equal counts share a rank")
    state: str
    name: str
    own_commitment_breaches: int = Field(description="findings (incident × norm) that broke its own commitments")
    own_commitment_incidents: int
    high_confidence_breaches: int = Field(description="breach findings (incident × norm) at high confidence")
    high_confidence_incidents: int
    not_committed_breaches: int = Field(
        description="high-confidence breaches of norms it had not committed to on the day, or whose "
                    "commitment is not recorded")
    possible_findings: int = Field(description="possible breaches: the state is named below high confidence")
    undetermined_verdicts: int = Field(
        description="undetermined norm verdicts in incidents it is held responsible for with high confidence")
    lower_confidence_incidents: int = Field(description="incidents attributed to it below high confidence")
    norms: list[str] = Field(description="norms breached with high confidence")
    incidents: list[RankedIncident] = Field(description="the incidents behind the counts, oldest first")


class Limits(BaseModel):
    """What the ranking cannot say, counted over the whole catalogue."""

    incidents: int = Field(description="incidents in the catalogue")
    unattributed_incidents: int = Field(description="incidents no state is held responsible for")
    lower_confidence_only_incidents: int = Field(
        description="incidents whose responsible states are all below high confidence")
    possible_findings: int
    undetermined_verdicts: int = Field(description="undetermined verdicts in high-confidence incidents")
    not_committed_breaches: int
    note: str


class Rankings(BaseModel):
    """States ranked by breach findings (``by``: ``own`` commitments, or ``all`` at high confidence)."""

    by: RankBy
    kb_version: str
    rules_version: str
    rows: list[RankingRow]
    limits: Limits


NOTE = (
    "Counts come from the recorded incidents only, a sample of publicly reported operations. Undetermined "
    "verdicts, possible findings and attributions below high confidence are counted apart: they are neither "
    "breaches nor evidence that no breach happened, and a state absent from the ranking is not shown to have "
    "kept its commitments."
)


def _claims(incident: Incident, state: str) -> list[Claim]:
    found = [a for a in incident.attributions if a.to == state]
    found.sort(key=lambda a: (a.date is None, earliest(a.date) if a.date else None))
    return [Claim(by=list(a.by), kind=a.kind, date=a.date, confidence=a.confidence, sources=list(a.sources))
            for a in found]


def _ranks(values: Iterable[tuple[int, int]]) -> list[int]:
    """Standard competition ranks ("1224") of values already sorted from the most."""
    ranks: list[int] = []
    previous: tuple[int, int] | None = None
    for k, value in enumerate(values):
        ranks.append(ranks[-1] if value == previous else k + 1)
        previous = value
    return ranks


def rankings(kb: KnowledgeBase, rules: RuleSet | None = None, on: str = "own") -> Rankings:
    """Rank states by breaches of their own commitments (``on="own"``) or by every
    high-confidence breach finding (``on="all"``).

    ``own`` lists the states with at least one breach of their own commitments, ``all`` those
    with at least one high-confidence breach finding. Ties share a rank; the other count
    breaks them in the order, then the ISO3 code. Raises :class:`UnknownRanking` for another ``on``.
    """
    if on not in RANK_BY:
        raise UnknownRanking(f"unknown ranking {on!r}: use own or all")
    by: RankBy = "own" if on == "own" else "all"
    ruleset = rules if rules is not None else shipped_rules()
    docs = assessments(kb, ruleset)
    table = breach_table(kb, ruleset)
    high = table.filter((pl.col("verdict") == "breach") & (pl.col("confidence") == "high"))
    possible = table.filter(pl.col("verdict") == "possible")
    incidents = {i.id: i for i in kb.incidents}

    per_state: dict[str, dict[str, int]] = {}
    for state, count in possible.group_by("state").agg(n=pl.len()).iter_rows():
        per_state.setdefault(state, {})["possible"] = int(count)
    held: dict[str, list[str]] = {}
    for i in kb.incidents:
        for r in docs[i.id]["responsible"]:
            counts = per_state.setdefault(r["state"], {})
            if r["confidence"] == "high":
                held.setdefault(r["state"], []).append(i.id)
                counts["undetermined"] = counts.get("undetermined", 0) + sum(
                    1 for n in docs[i.id]["norms"] if n["verdict"] == "undetermined")
            else:
                counts["lower"] = counts.get("lower", 0) + 1

    rows: list[RankingRow] = []
    for state, found in high.partition_by("state", as_dict=True).items():
        code = str(state[0])
        own = found.filter(pl.col("own_commitment"))
        listed: list[RankedIncident] = []
        for incident_id in sorted(set(found["incident"]), key=lambda x: (incident_day(incidents[x]), x)):
            mine = found.filter(pl.col("incident") == incident_id)
            a = docs[incident_id]
            responsible = next(r for r in a["responsible"] if r["state"] == code)
            i = incidents[incident_id]
            listed.append(RankedIncident(
                id=i.id, name=i.name, start=i.start, confidence=responsible["confidence"],
                basis=responsible["basis"], breached=sorted(mine["norm"]),
                own_commitment=sorted(mine.filter(pl.col("own_commitment"))["norm"]),
                instruments=sorted({x for xs in mine["instruments"] for x in xs}),
                red_line=bool(a["red_line"]), red_line_reasons=list(a["red_line_reasons"]),
                claims=_claims(i, code), sources=list(i.sources),
            ))
        if by == "own":
            listed = [x for x in listed if x.own_commitment]
        counts = per_state.get(code, {})
        rows.append(RankingRow(
            rank=0, state=code, name=country_name(code),
            own_commitment_breaches=own.height, own_commitment_incidents=own["incident"].n_unique(),
            high_confidence_breaches=found.height, high_confidence_incidents=found["incident"].n_unique(),
            not_committed_breaches=found.height - own.height,
            possible_findings=counts.get("possible", 0), undetermined_verdicts=counts.get("undetermined", 0),
            lower_confidence_incidents=counts.get("lower", 0),
            norms=sorted(set(found["norm"])), incidents=listed,
        ))

    def key(row: RankingRow) -> tuple[int, int]:
        if by == "own":
            return row.own_commitment_breaches, row.high_confidence_breaches
        return row.high_confidence_breaches, row.own_commitment_breaches

    if by == "own":
        rows = [r for r in rows if r.own_commitment_breaches]
    rows.sort(key=lambda r: (-key(r)[0], -key(r)[1], r.state))
    for row, rank in zip(rows, _ranks(key(r) for r in rows), strict=True):
        row.rank = rank

    attributed_high = {x for ids in held.values() for x in ids}
    unattributed = sum(1 for i in kb.incidents if not docs[i.id]["responsible"])
    limits = Limits(
        incidents=len(kb.incidents),
        unattributed_incidents=unattributed,
        lower_confidence_only_incidents=len(kb.incidents) - unattributed - len(attributed_high),
        possible_findings=possible.height,
        undetermined_verdicts=sum(c.get("undetermined", 0) for c in per_state.values()),
        not_committed_breaches=high.height - int(high["own_commitment"].sum()),
        note=NOTE,
    )
    return Rankings(by=by, kb_version=kb.version, rules_version=ruleset.version, rows=rows, limits=limits)


def csv_rows(ranking: Rankings) -> list[dict[str, str | int]]:
    """One flat row per state (the columns of :data:`CSV_COLUMNS`): lists of norms and of
    incident ids are joined by spaces (ids never contain one)."""
    return [
        {
            **row.model_dump(include={c for c in CSV_COLUMNS if c not in ("norms", "incidents")}),
            "norms": " ".join(row.norms),
            "incidents": " ".join(x.id for x in row.incidents),
        }
        for row in ranking.rows
    ]


def rankings_csv(ranking: Rankings) -> str:
    """The ranking as CSV text, with a header row (the columns of :data:`CSV_COLUMNS`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(ranking))
    return buffer.getvalue()


__all__ = [
    "CSV_COLUMNS", "RANK_BY", "Claim", "Limits", "RankBy", "RankedIncident", "Rankings", "RankingRow",
    "UnknownRanking", "csv_rows", "rankings", "rankings_csv",
]
