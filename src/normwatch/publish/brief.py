"""The crisis brief as a document: the same model and renderers as the reports, so a
brief reads the same in Markdown, HTML and PDF, and its data stays text.

A brief is written for a reader who does not know the identifiers: states, norms,
instruments and response options appear by name (a norm's id once, small, after its
title), reasons in plain words, and the rule expression behind each reason is disclosed,
not inline (see :mod:`normwatch.publish.document`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from normwatch.engine.results import split_rules
from normwatch.knowledge.countries import country_name, is_country
from normwatch.publish.document import Bullets, Heading, Item, Paragraph, Points, Report

if TYPE_CHECKING:
    from normwatch.knowledge.load import KnowledgeBase

_CODE = re.compile(r"\b[A-Z]{3}\b")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


class Names:
    """Names for the identifiers of a knowledge base: what every document shows instead
    of slugs and codes. An identifier the knowledge base does not know is shown as is."""

    def __init__(self, kb: KnowledgeBase | None) -> None:
        self.kb = kb

    def state(self, code: str) -> str:
        """A state's common name (an organisation's name for an organisation id)."""
        if is_country(code):
            return country_name(code)
        org = self.kb.organisation_by_id.get(code.lower()) if self.kb is not None else None
        return org.name if org is not None else code

    def states(self, codes: list[str]) -> str:
        return ", ".join(self.state(c) for c in codes)

    def norm(self, norm_id: str) -> str:
        """A norm's title (its id when the knowledge base has no such norm)."""
        norm = self.kb.norms.get(norm_id) if self.kb is not None else None
        return norm.title if norm is not None else norm_id

    def instrument(self, instrument_id: str) -> str:
        item = self.kb.instrument_by_id.get(instrument_id) if self.kb is not None else None
        return item.name if item is not None else instrument_id

    def incident(self, incident_id: str) -> str:
        item = self.kb.incident_by_id.get(incident_id) if self.kb is not None else None
        return item.name if item is not None else incident_id

    def words(self, slug: str) -> str:
        """A slug in words: ``public-attribution`` → ``Public attribution``,
        ``eu-restrictive-measures`` → ``EU restrictive measures`` (organisation ids in capitals)."""
        orgs = set(self.kb.organisation_by_id) if self.kb is not None else set()
        parts = [p.upper() if p in orgs or p == "ihl" else p for p in re.split(r"[-_]", slug) if p]
        text = " ".join(parts)
        return text[:1].upper() + text[1:]

    def option(self, option_id: str, kind: str) -> tuple[str, str | None]:
        """A response option's name, and its kind when the name does not say it."""
        name = kind[:1].upper() + kind[1:] if option_id == kind else self.words(option_id)
        return name, None if option_id.startswith(kind) else kind

    def plain(self, text: str) -> str:
        """Engine text in plain words: state codes as names, fact names as words."""
        text = _CODE.sub(lambda m: country_name(m.group(0)) if is_country(m.group(0)) else m.group(0), text)
        text = _SNAKE.sub(lambda m: m.group(0).replace("_", " "), text)
        return text.replace(" -> ", " → ").replace("government(s)", "governments")

    def reason(self, text: str) -> tuple[str, list[str]]:
        """A reason in plain words, and the rule expressions it rests on."""
        words, rules = split_rules(text)
        return self.plain(words), rules

    def reasons(self, texts: list[str]) -> tuple[str, list[str]]:
        """Several reasons as one sentence (joined by semicolons), and all their rules."""
        pairs = [self.reason(t) for t in texts]
        return "; ".join(w for w, _ in pairs if w), [r for _, rules in pairs for r in rules]


def _default_kb() -> KnowledgeBase | None:
    from normwatch.knowledge.load import load_kb

    try:
        return load_kb()
    except Exception:  # noqa: BLE001 - without the shipped names a brief still shows the ids
        return None


def brief_document(data: dict[str, Any], kb: KnowledgeBase | None = None) -> Report:
    """The document of a brief (the JSON of :class:`normwatch.Brief`). ``kb`` names the
    states, norms and instruments (default: the shipped knowledge base)."""
    names = Names(kb if kb is not None else _default_kb())
    inc, a = data["incident"], data["assessment"]
    doc = Report(
        kind="brief", subject=inc["id"], title=f"Crisis brief: {inc['name']}",
        kb_version=data["kb_version"], kb_as_of=data["as_of"], rules_version=data["rules_version"],
        generated=data["as_of"],
        meta=f"As of {data['as_of']} · knowledge base {data['kb_version']} · rules {data['rules_version']}",
    )
    doc.add(Paragraph(f"Started {inc['start']}" + (f", ended {inc['end']}" if inc.get("end") else "")
                      + f" (catalogue id {inc['id']})."),
            Paragraph(inc.get("summary", "")))

    responsible = []
    for r in a["responsible"]:
        state = names.state(r["state"])
        basis, rules = names.reason(r["basis"])
        responsible.append(Item(f"{r['confidence']} confidence; {basis.removeprefix(state + ' ')}",
                                rules=rules, lead=state))
    # each claim with the sources that state it, oldest first: what a reader can cite
    dated = sorted(inc.get("attributions", []), key=lambda c: (c.get("date") is None, c.get("date") or ""))
    claims = [Item(f"{c['kind']} attribution to {names.state(c['to'])}"
                   + (f" on {c['date']}" if c.get("date") else " (undated)") + f", {c['confidence']} confidence",
                   lead=names.states(c["by"]), sources=list(c.get("sources", []))) for c in dated]
    claims += [Item(f"{r['kind']}" + (f" on {r['date']}" if r.get("date") else " (undated)"),
                    lead=names.state(r["by"]), sources=list(r.get("sources", [])))
               for r in sorted(inc.get("responses", []), key=lambda r: (r.get("date") is None, r.get("date") or ""))]
    red_text, red_rules = names.reasons(a["red_line_reasons"])
    act = [
        # "no" on the recorded facts is not "no": what could not be decided is said
        Item(("Red line crossed: yes" + (f" — {red_text}" if red_text else "")) if a["red_line"] else
             ("Red line crossed: not on the recorded facts" + (f"; what could not be decided: {red_text}"
                                                              if red_text else "")),
             rules=red_rules),
        Item(f"Tolerated espionage: {'yes' if a['tolerated_espionage'] else 'no'}"),
        Item(f"Intensity: {a['intensity']} / 10"),
    ]
    norms = []
    for n in a["norms"]:
        if n["verdict"] not in ("breach", "possible"):
            continue
        # who is responsible, and on what basis, is said once above
        why, rules = names.reasons([r for r in n["reasons"] if not r.startswith("responsibility:")])
        verdict = "breached" if n["verdict"] == "breach" else "possibly breached"
        norms.append(Item(f"{verdict} — {why}", note=n["id"], rules=rules, lead=names.norm(n["id"])))
    broken = [Item(f"committed to through {names.instrument(c['instrument'])}, broken by "
                   f"{names.state(c['state'])}", note=c["norm"], lead=names.norm(c["norm"]))
              for c in a["commitments_breached"]]
    law = []
    for question, answer in a["law"].items():
        why, rules = names.reasons(a["law_reasons"][question])
        law.append(Item(answer + (f" — {why}" if why else ""), rules=rules, lead=names.words(question)))
    options = []
    for o in a["response_options"]:
        name, kind = names.option(o["id"], o["kind"])
        why, rules = names.reasons(o["reasons"])
        options.append(Item(why, note=kind, rules=rules, lead=name))
    precedents = []
    for p in data["precedents"]:
        responses = ", ".join(
            f"{r['kind']} by {names.state(r['by'])}" + (f" on {r['date']}" if r.get("date") else "")
            for r in p["responses"]) or "none recorded"
        precedents.append(Item(f"started {p['start']}; similarity {p['similarity']}; responses: {responses}",
                               lead=p["name"]))
    channels = [Item(f"{c['name']} (since {c['since']})" + (" — status unconfirmed" if c["unconfirmed"] else ""),
                     lead=f"{names.state(c['between'][0])} – {names.state(c['between'][1])}")
                for c in data["channels"]]
    doc.add(
        Heading("Who is responsible"),
        Points(responsible, "no state is held responsible on the recorded attributions"),
        Heading("The claims, each with its sources"), Points(claims, "no attribution or response is recorded"),
        Heading("The act"), Points(act),
        Heading("Norms engaged"),
        Points(norms, "no norm is breached or possibly breached on what the record says"),
        Heading("Commitments broken"),
        Points(broken, "no breach of a commitment the responsible state is recorded as having made"),
        Heading("International law"), Points(law),
        Heading("Response options"), Points(options),
        Heading("Precedents"), Points(precedents, "no similar incident is recorded in the catalogue"),
        Heading("Channels for de-escalation"),
        Points(channels, "no confidence-building channel binding both states is recorded"),
        Heading("Sources"),
        Bullets([(url, url) for url in inc.get("sources", [])]),
    )
    doc.footer = versions_note(data["kb_version"], data["rules_version"], data["as_of"])
    return doc


def versions_note(kb_version: str, rules_version: str, as_of: str) -> str:
    """What the two versions in a document's header mean (said once, at its foot)."""
    return (f"Versions: knowledge base {kb_version} and rules {rules_version} are digests of the "
            "knowledge-base files and of the five rule files (derived facts, norms, acts, law, response "
            "options): the same two versions always give the same assessment, and any edit of a record or a "
            f"rule gives new ones. Facts as recorded on {as_of}.")
