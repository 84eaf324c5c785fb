"""Crisis brief: the assessment of one incident, the response options with their legal
conditions, precedents from the catalogue, and the channels open between the states."""

from __future__ import annotations

import datetime as dt
from typing import Any

from normwatch.analysis.results import Brief
from normwatch.engine.assessment import assess, with_defaults
from normwatch.engine.responsibility import responsible_states
from normwatch.engine.rules import RuleSet
from normwatch.knowledge.commitments import committed
from normwatch.knowledge.dates import earliest
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Incident


def features(incident: Incident) -> set[str]:
    """What two incidents are compared on: operations, sectors, victims, responsible states."""
    found = {f"operation:{op}" for op in incident.operation}
    found |= {f"sector:{t.sector}" for t in incident.targets}
    found |= {f"victim:{t.country}" for t in incident.targets}
    found |= {f"responsible:{r.state}" for r in responsible_states(incident)}
    return found


def precedents(incident: Incident, kb: KnowledgeBase, limit: int = 5) -> list[dict[str, Any]]:
    """The catalogue incidents most like this one (Jaccard similarity), with their responses."""
    mine = features(incident)
    scored = []
    for other in kb.incidents:
        if other.id == incident.id:
            continue
        theirs = features(other)
        union = mine | theirs
        score = len(mine & theirs) / len(union) if union else 0.0
        if score > 0:
            scored.append((score, other, sorted(mine & theirs)))
    scored.sort(key=lambda item: (-item[0], item[1].id))
    return [
        {
            "incident": other.id, "name": other.name, "start": other.start,
            "similarity": round(score, 2), "shared": shared,
            "responses": [r.model_dump(exclude_none=True) for r in other.responses],
        }
        for score, other, shared in scored[:limit]
    ]


def crisis_channels(
    kb: KnowledgeBase, incident: Incident, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """Confidence-building channels open between each responsible state and each victim."""
    day = on or dt.date.today()
    victims = sorted({t.country for t in incident.targets})
    channels = []
    arrangements = [i for i in kb.instruments if i.kind == "confidence-building"]
    for r in responsible_states(incident):
        for victim in victims:
            if victim == r.state:
                continue
            for item in arrangements:
                if committed(r.state, item.id, day, kb=kb) and committed(victim, item.id, day, kb=kb):
                    channels.append({
                        "between": [r.state, victim], "instrument": item.id, "name": item.name,
                        "since": item.adopted, "unconfirmed": item.unconfirmed,
                        "sources": list(item.sources),
                    })
    return channels


def brief(
    incident: Incident | str,
    kb: KnowledgeBase | None = None,
    rules: RuleSet | None = None,
    on: dt.date | None = None,
) -> Brief:
    """Everything a crisis cell needs on one incident (a record, or a catalogue id), as of
    ``on`` (default today): the assessment, precedents and open crisis channels."""
    incident, kb, rules = with_defaults(incident, kb, rules)
    return Brief.model_validate({
        "incident": incident,
        "assessment": assess(incident, kb, rules),
        "precedents": precedents(incident, kb),
        "channels": crisis_channels(kb, incident, on),
        "kb_version": kb.version,
        "rules_version": rules.version,
        "as_of": (on or dt.date.today()).isoformat(),
        "started": earliest(incident.start).isoformat(),
    })
