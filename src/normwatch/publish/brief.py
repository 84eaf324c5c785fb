"""The crisis brief as a document: the same model and renderers as the reports, so a
brief reads the same in Markdown, HTML and PDF, and its data stays text."""

from __future__ import annotations

from typing import Any

from normwatch.knowledge.countries import country_name
from normwatch.publish.document import Bullets, Heading, Paragraph, Report


def _items(texts: list[str]) -> Bullets:
    return Bullets([(text, None) for text in texts])


def brief_document(data: dict[str, Any]) -> Report:
    """The document of a brief (the JSON of :class:`normwatch.Brief`)."""
    inc, a = data["incident"], data["assessment"]
    doc = Report(
        kind="brief", subject=inc["id"], title=f"Crisis brief: {inc['name']}",
        kb_version=data["kb_version"], kb_as_of=data["as_of"], rules_version=data["rules_version"],
        generated=data["as_of"],
        meta=f"Knowledge base {data['kb_version']}, rules {data['rules_version']}, as of {data['as_of']}.",
    )
    doc.add(Paragraph(f"Incident {inc['id']}, started {inc['start']}."), Paragraph(inc.get("summary", "")))
    red = "yes" if a["red_line"] else "no"
    if a["red_line_reasons"]:
        red += " — " + "; ".join(a["red_line_reasons"])
    doc.add(
        Heading("Who is responsible"),
        _items([f"{country_name(r['state'])} ({r['state']}), {r['confidence']} confidence: {r['basis']}"
                for r in a["responsible"]]),
        Heading("The act"),
        _items([f"Red line crossed: {red}",
                f"Tolerated espionage: {'yes' if a['tolerated_espionage'] else 'no'}",
                f"Intensity: {a['intensity']} / 10"]),
        Heading("Norms engaged"),
        _items([f"{n['id']}: {n['verdict']} — {'; '.join(n['reasons'])}"
                for n in a["norms"] if n["verdict"] in ("breach", "possible")]),
        Heading("Commitments broken"),
        _items([f"{c['state']} broke {c['norm']} (committed through {c['instrument']})"
                for c in a["commitments_breached"]]),
        Heading("International law"),
        _items([f"{q}: {v} — {'; '.join(a['law_reasons'][q])}" for q, v in a["law"].items()]),
        Heading("Response options"),
        _items([f"{o['id']} ({o['kind']}): {' '.join(o['reasons'])}" for o in a["response_options"]]),
        Heading("Precedents"),
        _items([
            f"{p['name']} ({p['incident']}, {p['start']}; similarity {p['similarity']}): responses "
            + (", ".join(f"{r['kind']} by {r['by']}" + (f" on {r['date']}" if r.get("date") else "")
                         for r in p["responses"]) or "none recorded")
            for p in data["precedents"]]),
        Heading("Channels for de-escalation"),
        _items([f"{c['between'][0]}–{c['between'][1]}: {c['name']} (since {c['since']})"
                + (" — status unconfirmed" if c["unconfirmed"] else "") for c in data["channels"]]),
        Heading("Sources"),
        Bullets([(url, url) for url in inc.get("sources", [])]),
    )
    return doc
