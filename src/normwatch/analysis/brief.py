"""Crisis brief: the assessment of one incident, the response options with their legal
conditions, precedents from the catalogue, and the channels open between the states."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from normwatch.analysis.results import Brief
from normwatch.engine.assessment import assess, with_defaults
from normwatch.engine.responsibility import responsible_states
from normwatch.engine.rules import RuleSet
from normwatch.knowledge.commitments import committed
from normwatch.knowledge.countries import country_name
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


def _md_list(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items) or "- none"


def markdown(data: dict[str, Any]) -> str:
    """The brief as Markdown, with sources as links."""
    inc, a = data["incident"], data["assessment"]
    responsible = [
        f"{country_name(r['state'])} ({r['state']}), {r['confidence']} confidence: {r['basis']}"
        for r in a["responsible"]
    ]
    engaged = [
        f"**{n['id']}**: {n['verdict']} — {'; '.join(n['reasons'])}"
        for n in a["norms"] if n["verdict"] in ("breach", "possible")
    ]
    law = [f"**{q}**: {v} — {'; '.join(a['law_reasons'][q])}" for q, v in a["law"].items()]
    options = [f"**{o['id']}** ({o['kind']}): {' '.join(o['reasons'])}" for o in a["response_options"]]
    commitments = [f"{c['state']} broke {c['norm']} (committed through {c['instrument']})"
                   for c in a["commitments_breached"]]
    precedents_md = [
        f"{p['name']} ({p['incident']}, {p['start']}; similarity {p['similarity']}): responses "
        + (", ".join(f"{r['kind']} by {r['by']}" + (f" on {r['date']}" if r.get('date') else "")
                     for r in p["responses"]) or "none recorded")
        for p in data["precedents"]
    ]
    channels = [f"{c['between'][0]}–{c['between'][1]}: {c['name']} (since {c['since']})"
                + (" — status unconfirmed" if c["unconfirmed"] else "") for c in data["channels"]]
    sources = [f"[{url}]({url})" for url in inc.get("sources", [])]
    red_reasons = ("— " + "; ".join(a["red_line_reasons"])) if a["red_line_reasons"] else ""
    return f"""# Crisis brief: {inc['name']}

Incident `{inc['id']}`, started {inc['start']}. Knowledge base {data['kb_version']}, rules
{data['rules_version']}, as of {data['as_of']}.

{inc.get('summary', '')}

## Who is responsible
{_md_list(responsible)}

## The act
- Red line crossed: **{'yes' if a['red_line'] else 'no'}** {red_reasons}
- Tolerated espionage: **{'yes' if a['tolerated_espionage'] else 'no'}**
- Intensity: **{a['intensity']} / 10**

## Norms engaged
{_md_list(engaged)}

## Commitments broken
{_md_list(commitments)}

## International law
{_md_list(law)}

## Response options
{_md_list(options)}

## Precedents
{_md_list(precedents_md)}

## Channels for de-escalation
{_md_list(channels)}

## Sources
{_md_list(sources)}
"""


def html_page(data: dict[str, Any]) -> str:
    """The brief as a self-contained HTML page (Markdown lists rendered plainly)."""
    text = markdown(data)
    body = []
    in_list = False
    for line in text.splitlines():
        escaped = html.escape(line)
        escaped = _links(escaped)
        escaped = escaped.replace("**", "")
        if line.startswith("# "):
            body.append(f"<h1>{escaped[2:]}</h1>")
        elif line.startswith("## "):
            if in_list:
                body.append("</ul>")
                in_list = False
            body.append(f"<h2>{escaped[3:]}</h2>")
        elif line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{escaped[2:]}</li>")
        elif line.strip():
            body.append(f"<p>{escaped}</p>")
    if in_list:
        body.append("</ul>")
    title = html.escape(data["incident"]["name"])
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Crisis brief: {title}</title>"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}h2{border-bottom:1px solid #ccc}</style></head><body>"
        + "\n".join(body) + "</body></html>\n"
    )


def _links(escaped: str) -> str:
    # Markdown links [url](url) were escaped to text; turn them into anchors.
    import re

    return re.sub(r"\[(https?://[^\]]+)\]\((https?://[^)]+)\)", r'<a href="\2">\1</a>', escaped)
