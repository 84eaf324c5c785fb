"""From attributions to responsibility: which states, with what confidence, and why.

Official government attributions weigh more than vendor, academic or media ones, and
several governments more than one. A claim contested by an attribution of the same
incident to another state is capped at ``medium``: it can make a norm ``possible``,
never ``breach``.
"""

from __future__ import annotations

from dataclasses import dataclass

from normwatch.knowledge.countries import is_country
from normwatch.knowledge.models import Attribution, Incident

RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}
LEVEL = {rank: name for name, rank in RANK.items()}


@dataclass(frozen=True)
class Responsible:
    """One state held responsible for an incident."""

    state: str
    confidence: str  # high | medium | low
    basis: str

    @property
    def rank(self) -> int:
        return RANK[self.confidence]


def _governments(items: list[Attribution]) -> list[str]:
    names = {who for a in items if a.kind == "government" for who in a.by}
    return sorted(names)


def _confidence(items: list[Attribution]) -> int:
    """Confidence rank (1-3) that the attributions in ``items`` give to their state."""
    gov = [a for a in items if a.kind == "government"]
    other = [a for a in items if a.kind != "government"]
    gov_high = [a for a in gov if a.confidence == "high"]
    gov_medium = [a for a in gov if a.confidence in ("high", "medium")]
    governments = _governments(gov_medium)
    if gov_high or len([g for g in governments if is_country(g) or g == "EU"]) >= 2:
        return 3
    if gov_medium:
        return 2
    industry = [a for a in other if a.kind in ("industry", "academic")]
    strong_industry = [a for a in industry if a.confidence in ("high", "medium")]
    distinct = {who for a in strong_industry for who in a.by}
    if any(a.confidence == "high" for a in industry) or len(distinct) >= 2:
        return 2
    if strong_industry or gov:
        return 2 if strong_industry else 1
    return 1


def _basis(state: str, items: list[Attribution], rank: int, contested: bool) -> str:
    gov = _governments(items)
    parts = []
    if gov:
        dates = sorted(a.date for a in items if a.kind == "government" and a.date)
        when = f", first on {dates[0]}" if dates else ""
        parts.append(f"attributed by {len(gov)} government(s) ({', '.join(gov)}){when}")
    others = sorted({who for a in items if a.kind != "government" for who in a.by})
    if others:
        kinds = sorted({a.kind for a in items if a.kind != "government"})
        parts.append(f"by {'/'.join(kinds)} sources ({', '.join(others)})")
    text = "; ".join(parts) or "attributed"
    if contested:
        text += "; contested: other states are also named, so confidence is capped at medium"
    return f"{state} {text} -> {LEVEL[rank]} confidence"


def responsible_states(incident: Incident) -> list[Responsible]:
    """States responsible for ``incident`` according to its attributions, strongest first."""
    by_state: dict[str, list[Attribution]] = {}
    for item in incident.attributions:
        by_state.setdefault(item.to, []).append(item)
    ranks = {state: _confidence(items) for state, items in by_state.items()}
    result = []
    for state, items in by_state.items():
        rank = ranks[state]
        rivals = [s for s in by_state if s != state and ranks[s] >= 2]
        contested = bool(rivals) and rank >= 2 and not _governments(
            [a for a in items if a.confidence == "high"]
        )
        if contested:
            rank = min(rank, 2)
        result.append(Responsible(state, LEVEL[rank], _basis(state, items, rank, contested)))
    return sorted(result, key=lambda r: (-r.rank, r.state))
