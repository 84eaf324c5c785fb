"""Printable reports on an incident, a state, a bloc, a norm or the whole catalogue.

A report is built once as a :class:`Report` (headings, paragraphs, tables, figures and
links, plus the ``numbers`` quoted in its text) and rendered to Markdown, HTML or PDF.
Every number comes from :mod:`normwatch.analysis.analytics` or the engine, never typed in. Each
rendering is self-contained: figures are embedded (base64 PNG in Markdown and HTML, images
in the PDF), sources are links, and the header names the knowledge-base version, the latest
date it records and the rules version.

PDF: written with fpdf2 (pure Python, installs from PyPI alone) using the DejaVu Sans font
that matplotlib ships, so any Unicode name prints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from normwatch.analysis import analytics as an
from normwatch.analysis.brief import precedents
from normwatch.engine.rules import RuleSet, shipped_rules
from normwatch.knowledge.dates import earliest
from normwatch.knowledge.load import KnowledgeBase
from normwatch.publish.brief import Names, versions_note
from normwatch.publish.document import (
    NOTES_HEADING,
    NOTES_TEXT,
    Block,
    Bullets,
    Heading,
    Image,
    Item,
    Paragraph,
    Points,
    Report,
    Table,
    _meta,
    _Notes,
    to_html,
    to_markdown,
)

if TYPE_CHECKING:

    from normwatch.publish import plots

Format = Literal["md", "html", "pdf"]
KINDS = ("incident", "state", "bloc", "norm", "catalogue")


class ReportError(ValueError):
    """A report that cannot be made: unknown subject or kind."""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def table_of(df: pl.DataFrame, columns: list[str] | None = None, caption: str = "",
             rename: dict[str, str] | None = None, widths: list[float] | None = None) -> Table:
    """A report table from a DataFrame (selected columns, values as text)."""
    cols = columns or df.columns
    names = [(rename or {}).get(c, c.replace("_", " ")) for c in cols]
    rows = [[an.cell_text(row[c]) for c in cols] for row in df.select(cols).iter_rows(named=True)]
    return Table(names, rows, caption, widths)


def _new(kb: KnowledgeBase, rules: RuleSet, kind: str, subject: str, title: str, on: dt.date) -> Report:
    as_of = an.kb_as_of(kb)
    report = Report(kind, subject, title, kb.version, as_of.isoformat() if as_of else "n/a",
                    rules.version, on.isoformat())
    report.footer = versions_note(kb.version, rules.version, report.kb_as_of)
    return report


FIGURES_KEPT = 64
"""Figures kept in the disk cache (about 100 KB each): every report's, on every day."""


class _Figures:
    """The figures of one report. Each is kept in the disk cache as PNG under a digest of what
    it plots (the plotting function's name, its data and arguments, and the plotting code), not
    of the day or the report: a report made again, on another day, in another format or for
    another subject, reuses every figure whose data did not change, and one whose data did
    change is drawn again (drawing is most of a report's time)."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def add(self, key: str, caption: str, plot: str, *args: Any, **kwargs: Any) -> None:
        """Add the figure ``key``: ``plots.<plot>(*args, **kwargs)``, from the cache if drawn before."""
        import pickle

        from normwatch.knowledge import diskcache

        digest = hashlib.sha256(pickle.dumps((plot, args, sorted(kwargs.items())), protocol=5))
        digest.update(diskcache.code_key("publish/plots").encode())
        name = digest.hexdigest()[:32]
        found = diskcache.load("figure", name)
        if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], bytes)):
            _load_plots()
            fig = getattr(plots, plot)(*args, **kwargs)
            width, height = fig.get_size_inches()
            found = (plots.png_bytes(fig, dpi=130), float(height / width))
            diskcache.save("figure", name, found, keep=FIGURES_KEPT)
        self.report.add(Image(key, caption, found[0], found[1]))


def _by_date(table: Table, kb: KnowledgeBase, states: tuple[str, ...] = ("state", "responsible", "by")) -> Table:
    """An incident table for people: rows in date order (start), incidents by name, state
    codes as names."""
    names = Names(kb)
    cols = table.columns
    if "incident" in cols:
        k = cols.index("incident")
        starts = {i.id: earliest(i.start) for i in kb.incidents}
        table.rows.sort(key=lambda row: (starts.get(row[k], dt.date.max), row[k]))
        for row in table.rows:
            row[k] = names.incident(row[k])
    for col in states:
        if col in cols:
            k = cols.index(col)
            for row in table.rows:
                row[k] = names.plain(row[k])
    return table


def _load_plots() -> None:
    # matplotlib takes over half a second to import: only a report that draws loads it (the
    # draw functions name the module ``plots``, bound here on first use)
    import importlib

    globals()["plots"] = importlib.import_module("normwatch.publish.plots")


def _sources(report: Report, kb: KnowledgeBase, ids: list[str], extra: list[str] | None = None,
             heading: str = "Sources") -> None:
    """The sources, grouped by incident (in date order), each beside the claim it supports:
    an attribution or a response with its own sources, then the incident's other sources."""
    names = Names(kb)
    report.add(Heading(heading))
    seen: list[str] = []
    if extra:
        report.add(Bullets([(url, url) for url in dict.fromkeys(extra)]))
        seen += extra
    incidents = sorted((kb.incident_by_id[i] for i in dict.fromkeys(ids) if i in kb.incident_by_id),
                       key=lambda i: (earliest(i.start), i.id))
    for incident in incidents:
        items: list[Item] = []
        used: set[str] = set()
        for x in sorted(incident.attributions, key=lambda x: (x.date or "9999", x.to)):
            items.append(Item(f"{names.states(x.by)} attributed it to {names.state(x.to)} ({x.kind}, "
                              f"{x.confidence} confidence{', ' + x.date if x.date else ''})", sources=list(x.sources)))
            used.update(x.sources)
        for r in sorted(incident.responses, key=lambda r: r.date or "9999"):
            items.append(Item(f"Response by {names.state(r.by)}: {r.kind}{', ' + r.date if r.date else ''}",
                              sources=list(r.sources)))
            used.update(r.sources)
        rest = [url for url in incident.sources if url not in used]
        if rest:
            items.append(Item("The incident record", sources=rest))
        seen += [u for item in items for u in item.sources]
        report.add(Heading(f"{incident.name} ({incident.start})", level=3), Points(items))
    report.sources = list(dict.fromkeys(seen))


# --- incident ------------------------------------------------------------------------------


def incident_report(kb: KnowledgeBase, incident_id: str, rules: RuleSet | None = None,
                    on: dt.date | None = None) -> Report:
    """One incident: what happened, who is held responsible, the verdicts, responses, sources."""
    ruleset = rules or shipped_rules()
    incident = kb.incident_by_id.get(incident_id)
    if incident is None:
        raise ReportError(f"unknown incident {incident_id!r}; see `normwatch incidents`")
    day = on or dt.date.today()
    a = an.assessments(kb, ruleset)[incident.id]
    row = an.incident_table(kb, ruleset).filter(pl.col("id") == incident.id).row(0, named=True)
    report = _new(kb, ruleset, "incident", incident.id, f"Incident report: {incident.name}", day)
    figs = _Figures(report)
    breach = [n for n in a["norms"] if n["verdict"] == "breach"]
    possible = [n for n in a["norms"] if n["verdict"] == "possible"]
    report.numbers = {
        "intensity": a["intensity"], "red_line": a["red_line"], "norms_breach": len(breach),
        "norms_possible": len(possible), "commitments_breached": len(a["commitments_breached"]),
        "responses": len(incident.responses), "attributions": len(incident.attributions),
        "attribution_delay_days": row["attribution_delay_days"], "sources": len(incident.sources),
    }
    names = Names(kb)
    who = "; ".join(f"{names.state(r['state'])} ({r['confidence']} confidence)"
                    for r in a["responsible"]) or "no state is held responsible"
    first_by = row["first_attributed_by"]
    delay = (f"The first dated government attribution came {row['attribution_delay_days']} days after the "
             f"start ({an.cell_text(row['first_government_attribution'])}, by "
             f"{names.states(first_by) if isinstance(first_by, list) else names.state(an.cell_text(first_by))})."
             if row["attribution_delay_days"] is not None else "No dated government attribution is recorded.")
    red_text, red_rules = names.reasons(a["red_line_reasons"])
    norm_rows: list[list[str]] = []
    norm_rules: list[list[str]] = []
    for n in breach + possible:
        why, exprs = names.reasons([r for r in n["reasons"] if not r.startswith("responsibility:")])
        norm_rows.append([f"{names.norm(n['id'])} ({n['id']})", n["verdict"], why])
        norm_rules.append(exprs)
    law_rows: list[list[str]] = []
    law_rules: list[list[str]] = []
    for q, v in a["law"].items():
        why, exprs = names.reasons(a["law_reasons"][q])
        law_rows.append([names.words(q), v, why])
        law_rules.append(exprs)
    attributions = sorted(incident.attributions, key=lambda x: (x.date or "9999", x.to))
    responses = sorted(incident.responses, key=lambda r: (r.date or "9999", r.by))
    report.add(
        Paragraph(incident.summary or ""),
        Heading("Assessment at a glance"),
        Points([
            Item(f"Started {incident.start}" + (f", ended {incident.end}" if incident.end else "")
                 + f" (catalogue id {incident.id})"),
            Item(f"Operation: {', '.join(names.words(op).lower() for op in incident.operation)}"),
            Item(f"Responsible: {who}"),
            Item(f"Red line crossed: {an.cell_text(a['red_line'])}"
                 + (f" — {red_text}" if a["red_line"] and red_text else ""), rules=red_rules if a["red_line"] else []),
            Item(f"Tolerated espionage: {an.cell_text(a['tolerated_espionage'])}"),
            Item(f"Intensity: {a['intensity']} / 10"),
            Item(f"Norms breached: {len(breach)}; possibly breached: {len(possible)}; "
                 f"commitments of the responsible state broken: {len(a['commitments_breached'])}"),
            Item(delay),
        ]),
        Heading("Targets"),
        Table(["country", "sector", "entity"],
              [[names.state(t.country), t.sector, t.entity or ""] for t in incident.targets]),
        Heading("Responsibility"),
        Table(["state", "confidence", "basis"],
              [[names.state(r["state"]), r["confidence"], names.reason(r["basis"])[0]] for r in a["responsible"]],
              widths=[1.4, 1, 6]),
        Table(["to", "by", "kind", "confidence", "date"],
              [[names.state(x.to), names.states(x.by), x.kind, x.confidence, x.date or ""] for x in attributions],
              caption="Attributions recorded (by date; their sources are listed under Sources)",
              widths=[1.6, 3, 1.2, 1.2, 1.2]),
        Heading("Norms engaged"),
        Table(["norm", "verdict", "why"], norm_rows, widths=[2.4, 0.9, 5.5], rules=norm_rules),
        Table(["state", "norm", "instrument"],
              [[names.state(c["state"]), f"{names.norm(c['norm'])} ({c['norm']})", names.instrument(c["instrument"])]
               for c in a["commitments_breached"]],
              caption="Commitments broken (the state had committed to the norm on the incident's date)"),
        Heading("International law"),
        Table(["question", "answer", "why"], law_rows, widths=[1.2, 1, 6], rules=law_rules),
        Heading("Responses"),
        Table(["by", "kind", "date"], [[names.state(r.by), r.kind, r.date or ""] for r in responses]),
    )
    start = earliest(incident.start)
    events = sorted(
        [(earliest(x.date), "attribution", f"{', '.join(x.by)} → {x.to} ({x.kind})")
         for x in incident.attributions if x.date]
        + [(earliest(r.date), "response", f"{r.by}: {r.kind}") for r in incident.responses
           if r.date and not (r.kind == "attribution" and any(
               x.date == r.date and r.by in x.by for x in incident.attributions))],
        key=lambda e: e[0],
    )
    figs.add("chronology", "Attributions and responses over time, from the incident's start (black line).",
             "incident_chronology", events, start, f"{incident.name}: attributions and responses")
    states = [r["state"] for r in a["responsible"]]
    if states:
        related = an.incident_table(kb, ruleset).filter(
            pl.col("responsible").list.eval(pl.element().is_in(states)).list.any())
        figs.add("timeline", f"Incidents attributed to {names.states(states)} in the catalogue.",
                 "timeline", related, title=f"Incidents attributed to {', '.join(states)}")
    similar = precedents(incident, kb)
    report.add(Heading("Similar incidents in the catalogue"),
               Table(["incident", "start", "similarity", "responses"],
                     [[p["name"], p["start"], f"{p['similarity']:.2f}",
                       ", ".join(f"{r['kind']} by {names.state(r['by'])}" for r in p["responses"]) or "none recorded"]
                      for p in similar], widths=[2.5, 1, 1, 5]))
    _sources(report, kb, [incident.id])
    return report


# --- state ---------------------------------------------------------------------------------


def state_report(kb: KnowledgeBase, iso3: str, rules: RuleSet | None = None,
                 on: dt.date | None = None) -> Report:
    """A state's scorecard: commitments, conduct, incidents suffered, responses."""
    ruleset = rules or shipped_rules()
    day = on or dt.date.today()
    try:
        card = an.scorecard(kb, iso3, ruleset, day)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    s = card["summary"].row(0, named=True)
    code, name = s["state"], s["name"]
    report = _new(kb, ruleset, "state", code, f"State scorecard: {name} ({code})", day)
    figs = _Figures(report)
    report.numbers = {k: v for k, v in s.items() if isinstance(v, int)}
    report.add(
        Paragraph(
            # treaties and political commitments apart, as the scorecard counts them (by the
            # instrument's own `binding` field)
            f"{name} has {s['commitments']} recorded commitments; on {day.isoformat()} "
            f"{s['committed_on_date']} of them held: {s['binding_on_date']} legally binding (treaties and other "
            f"binding instruments) and {s['political_on_date']} political commitments, not legally binding. "
            f"The catalogue attributes {s['attributed']} incidents to it "
            f"({s['attributed_high']} with high, {s['attributed_medium']} with medium and {s['attributed_low']} "
            f"with low confidence); {s['red_line_attributed']} of them crossed a red line. They carry "
            f"{s['breach_findings']} breach verdicts on {s['norms_breached']} norms: {s['own_commitment_breaches']} "
            f"broke {name}'s own commitments and {s['other_breaches']} concern norms it had not committed to "
            f"(or attributions below high confidence). {name} suffered {s['suffered']} incidents (not counting "
            f"{s['also_hit_own']} attributed to it that also hit its own country); it made "
            f"{s['responses_made']} responses (itself or through an organisation it belonged to) and the "
            f"incidents attributed to it drew {s['responses_received']} responses."
        ),
        Heading("Commitments over time"),
        table_of(card["commitments"], ["instrument", "kind", "signed", "joined", "in_force", "committed_from",
                                       "committed_on_date"],
                 rename={"joined": "joined/ratified", "committed_on_date": f"on {day.isoformat()}"}),
    )
    figs.add("commitments", f"{name}'s commitments: from the day each first bound it (hatched: signed only).",
             "commitments_gantt", card["commitments"], f"Commitments of {name}", day)
    report.add(Heading("Memberships"), table_of(card["memberships"], ["organisation", "name", "joined", "left"]))
    report.add(Heading("Incidents attributed to it"))
    attributed = card["attributed"]
    if attributed.height:
        per_year = (an.responsibility_table(kb, ruleset).filter(pl.col("state") == code)
                    .group_by("year", "confidence").agg(incidents=pl.len()).sort("year", "confidence"))
        figs.add("attributed", f"Incidents attributed to {name} per year, by confidence.",
                 "stacked_years", per_year, "confidence", f"Incidents attributed to {name}, by confidence")
    report.add(
        _by_date(table_of(attributed, ["incident", "start", "confidence", "red_line", "breach", "own_commitment"],
                 rename={"breach": "norms breached", "own_commitment": "of its own commitments"},
                 widths=[2.6, 1.2, 1.2, 0.8, 3.2, 2.4]), kb),
        Heading("Norms breached"),
        table_of(card["norms"], ["norm", "breaches", "own_commitment", "other", "high_confidence"],
                 caption="Breach verdicts in incidents attributed to it: own commitment (committed on the "
                         "incident's date, high confidence) and other."),
    )
    breaches = an.breach_table(kb, ruleset).filter(pl.col("state") == code)
    if breaches.filter(pl.col("verdict") == "breach").height:
        figs.add("heatmap", f"Norms breached in incidents attributed to {name} (high confidence).",
                 "heatmap", breaches, title=f"Norms breached: {name}")
    edges = an.victim_edges(kb, ruleset).filter((pl.col("responsible") == code) | (pl.col("victim") == code))
    if edges.height:
        figs.add("network", f"Who {name} targeted and who targeted it.",
                 "network", edges, title=f"{name}: responsible → victim")
    report.add(
        Heading("Incidents it suffered"),
        _by_date(table_of(card["suffered"], ["incident", "start", "responsible", "red_line", "sectors"]), kb),
        Heading("Responses it made"),
        table_of(card["responses_made"], ["incident", "kind", "date", "via", "against"]),
        Heading("Responses to incidents attributed to it"),
        table_of(card["responses_received"].group_by("by", "kind").agg(responses=pl.len())
                 .sort(["responses", "by", "kind"], descending=[True, False, False]), ["by", "kind", "responses"]),
    )
    ids = set(attributed["incident"].to_list()) | set(card["suffered"]["incident"].to_list())
    _sources(report, kb, sorted(ids), [c for c in card["commitments"]["source"].to_list()])
    return report


# --- bloc ----------------------------------------------------------------------------------


def bloc_report(kb: KnowledgeBase, name: str, rules: RuleSet | None = None, on: dt.date | None = None,
                since: dt.date | None = None) -> Report:
    """A bloc compared with Paris Call supporters and absentees: conduct, commitments, votes."""
    ruleset = rules or shipped_rules()
    day = on or dt.date.today()
    try:
        bloc = an.parse_bloc(kb, name)
    except an.UnknownBloc as exc:
        raise ReportError(str(exc)) from None
    others = [b for b in ("paris-call", "paris-call-absentees") if b != bloc.name]
    comparison = an.bloc_comparison(kb, [bloc, *others], day, ruleset, since)
    mine = comparison.row(0, named=True)
    members = an.bloc_members(kb, bloc, day)
    report = _new(kb, ruleset, "bloc", bloc.name, f"Bloc report: {bloc.name}", day)
    figs = _Figures(report)
    report.numbers = {k: v for k, v in mine.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    period = f" since {since.isoformat()}" if since else ""
    report.add(Paragraph(
        f"On {day.isoformat()} the bloc has {mine['members']} members. Counting a state only while it was a "
        f"member on the incident's date, {mine['incidents_attributed']} incidents{period} are attributed to "
        f"members ({mine['incidents_attributed_high']} with high confidence), {mine['red_line_incidents']} of "
        f"them crossing a red line. They carry {mine['breach_findings']} breach findings on "
        f"{mine['norms_breached']} norms, {mine['endorsed_breaches']} of them on norms the member had endorsed "
        f"({_pct(mine['endorsed_share'])}). Paris Call coverage: {_pct(mine.get('coverage_paris_call'))}."
    ))
    report.add(Heading("Compared with Paris Call supporters and absentees"), table_of(
        comparison, ["bloc", "members", "coverage_paris_call", "coverage_unga_70_237", "coverage_budapest",
                     "incidents_attributed", "incidents_attributed_high", "red_line_incidents", "breach_findings",
                     "endorsed_breaches"],
        rename={"coverage_paris_call": "Paris Call", "coverage_unga_70_237": "UNGA 70/237",
                "coverage_budapest": "Budapest", "incidents_attributed": "incidents",
                "incidents_attributed_high": "high conf.", "red_line_incidents": "red line",
                "breach_findings": "breaches", "endorsed_breaches": "of endorsed norms"},
    ))
    figs.add("blocs", "The bloc beside Paris Call supporters and absentees.", "bloc_bars", comparison)
    vote_cols = [c for c in comparison.columns if c[:2].isdigit()]
    report.add(Heading("Votes on the 2018 UNGA resolutions"), Paragraph(
        "Resolution 73/27 (Russian-sponsored, creating the OEWG) and 73/266 (US-sponsored, a sixth GGE). "
        "Rice index: |yes − no| / (yes + no); agreement index (Hix, Noury and Roland): "
        "(max − ½·(others)) / votes cast, abstentions counted; both 1 when every member voted alike."
    ), table_of(comparison.select("bloc", *vote_cols), ["bloc", *vote_cols]))
    report.add(Heading("Members"), table_of(members, caption=f"Members on {day.isoformat()}"))
    resp = an.responsibility_table(kb, ruleset)
    if since:
        resp = resp.filter(pl.col("start_date") >= since)
    keep = [bloc.members(kb, d).__contains__(s) for s, d in zip(resp["state"], resp["start_date"], strict=True)]
    attributed = resp.filter(pl.Series(keep, dtype=pl.Boolean))
    ids = attributed["incident"].unique().to_list()
    incidents = an.incident_table(kb, ruleset).filter(pl.col("id").is_in(ids))
    if incidents.height:
        figs.add("timeline", "Incidents attributed to members (membership on the incident's date).",
                 "timeline", incidents, title=f"Incidents attributed to members of {bloc.name}")
        breaches = an.breach_table(kb, ruleset).join(
            attributed.select("incident", "state").unique(), on=["incident", "state"], how="semi")
        if breaches.filter(pl.col("verdict") == "breach").height:
            figs.add("heatmap", "Norms breached by members (high-confidence attribution).",
                     "heatmap", breaches, title=f"Norms breached by members of {bloc.name}")
    report.add(Heading("Incidents attributed to members"), _by_date(table_of(
        attributed.sort("start_date", "incident"), ["incident", "state", "confidence", "start", "red_line"]), kb))
    urls: list[str] = []
    if bloc.kind == "organisation":
        urls += kb.organisation_by_id[bloc.ref].sources
    if bloc.kind == "vote":
        urls += next(r for r in kb.roll_calls if r.id == bloc.ref).sources
    urls += [r.sources[0] for r in kb.roll_calls]
    _sources(report, kb, sorted(ids), urls)
    return report


# --- norm ----------------------------------------------------------------------------------


def norm_report(kb: KnowledgeBase, norm_id: str, rules: RuleSet | None = None,
                on: dt.date | None = None) -> Report:
    """One norm across the catalogue: who breached it, when, and whether they had endorsed it."""
    ruleset = rules or shipped_rules()
    day = on or dt.date.today()
    if norm_id not in kb.norms:
        raise ReportError(f"unknown norm {norm_id!r}; see `normwatch norms`")
    norm = kb.norms[norm_id]
    framework = kb.framework_of[norm_id]
    record = an.norm_record(kb, norm_id, ruleset)
    counts = {r["verdict"]: r["incidents"] for r in record["counts"].iter_rows(named=True)}
    carriers = [i.id for i in kb.instruments if framework.id in i.carries]
    committed = len(set().union(*(an.committed_states(kb, i, day) for i in carriers))) if carriers else 0
    report = _new(kb, ruleset, "norm", norm_id, f"Norm report: {norm_id} — {norm.title}", day)
    figs = _Figures(report)
    states = record["states"]
    report.numbers = {
        "breach": counts.get("breach", 0), "possible": counts.get("possible", 0),
        "not_engaged": counts.get("not-engaged", 0), "undetermined": counts.get("undetermined", 0),
        "states_committed": committed,
        "own_commitment": int(states["own_commitment"].sum()) if states.height else 0,
    }
    carried = (f"{committed} states are committed to it on {day.isoformat()} (through {', '.join(carriers)})."
               if carriers else "No instrument in the knowledge base commits states to it.")
    report.add(
        Paragraph(f"{framework.name}, {norm.paragraph} (adopted {framework.adopted}). {norm.summary}"),
        Paragraph(
            f"Across the {sum(counts.values())} catalogue incidents the verdict is breach in "
            f"{report.numbers['breach']}, possible in {report.numbers['possible']}, undetermined in "
            f"{report.numbers['undetermined']} and not engaged in {report.numbers['not_engaged']}. {carried} "
            f"Breaches by a state that had committed to it: {report.numbers['own_commitment']}."
        ),
    )
    figs.add("years", "Incidents per year with a breach or possible verdict on this norm.",
             "norm_years", record["by_year"], f"{norm_id}: breach and possible verdicts per year")
    figs.add("states", "Per responsible state: breaches of its own commitment, other breaches, possible.",
             "state_bars", states, f"{norm_id}: who is held responsible")
    report.add(
        Heading("Responsible states"),
        _by_date(table_of(states, ["state", "breach_high", "own_commitment", "possible", "any_verdict"],
                          rename={"breach_high": "breach (high conf.)", "any_verdict": "all findings"}), kb),
        Heading("Incidents"),
        _by_date(table_of(record["verdicts"].filter(pl.col("verdict").is_in(["breach", "possible"])).sort("start"),
                          ["incident", "start", "verdict", "responsible"]), kb),
    )
    flagged = set(record["verdicts"].filter(pl.col("verdict").is_in(["breach", "possible"]))["incident"].to_list())
    _sources(report, kb, sorted(flagged), list(norm.sources))
    return report


# --- catalogue -----------------------------------------------------------------------------


def catalogue_report(kb: KnowledgeBase, rules: RuleSet | None = None, on: dt.date | None = None) -> Report:
    """The whole catalogue: the five plots, trends and the bloc comparison."""
    ruleset = rules or shipped_rules()
    day = on or dt.date.today()
    report = _new(kb, ruleset, "catalogue", "all", "The normwatch catalogue: conduct, blocs and trends", day)
    figs = _Figures(report)
    table = an.incident_table(kb, ruleset)
    delays = an.attribution_delays(kb, ruleset)
    summary = an.delay_summary(delays)
    report.numbers = {
        "incidents": table.height, "red_line": int(table["red_line"].sum()),
        "attributed": int((table["responsible"].list.len() > 0).sum()),
        "delay_incidents": summary["incidents"], "median_delay_days": summary.get("median_days"),
    }
    report.add(Paragraph(
        f"{table.height} incidents, {report.numbers['attributed']} of them attributed to a state; "
        f"{report.numbers['red_line']} crossed a red line. For {summary['incidents']} a dated government "
        f"attribution is recorded; the median delay from the start was {summary.get('median_days', 0):.0f} days."
    ))
    blocs = an.bloc_comparison(kb, an.DEFAULT_BLOCS, day, ruleset)
    figs.add("timeline", _CAPTIONS["timeline"], "timeline", table)
    figs.add("heatmap", _CAPTIONS["heatmap"], "heatmap", an.breach_table(kb, ruleset))
    figs.add("blocs", _CAPTIONS["blocs"], "bloc_bars", blocs)
    figs.add("delays", _CAPTIONS["delays"], "delay_histogram", delays)
    figs.add("network", _CAPTIONS["network"], "network", an.victim_edges(kb, ruleset))
    for column, what in (("responsible", "responsible state"), ("operation", "operation type"),
                         ("sector", "targeted sector")):
        figs.add(f"by_{column}", f"Incidents per year by {what}.", "stacked_years",
                 an.per_year(kb, column, ruleset), column, f"Incidents per year by {what}")
    figs.add("red_line_share", "Share of incidents crossing a red line, per year.", "red_line_trend",
             an.red_line_share(kb, ruleset))
    report.add(Heading("Blocs"), table_of(blocs, [
        "bloc", "members", "coverage_paris_call", "incidents_attributed", "incidents_attributed_high",
        "red_line_incidents", "breach_findings", "endorsed_breaches"]))
    report.add(Heading("Slowest and fastest official attributions"), table_of(
        pl.concat([delays.head(5), delays.tail(5)]),
        ["id", "start", "first_government_attribution", "first_attributed_by", "attribution_delay_days"]))
    return report


_CAPTIONS = {
    "timeline": "Every incident by start date and responsible state; red crosses a red line, blue is tolerated "
                "espionage; size is intensity.",
    "heatmap": "Responsible states × norms breached (high-confidence attribution); in brackets, breaches of the "
               "state's own commitments.",
    "blocs": "Blocs compared: incidents attributed to members, red lines, breaches and Paris Call coverage.",
    "delays": "Time from an incident's start to its first official (government) attribution.",
    "network": "Responsible states to victim states; line width is the number of incidents.",
}


def build(kb: KnowledgeBase, kind: str, subject: str | None, rules: RuleSet | None = None,
          on: dt.date | None = None, since: dt.date | None = None) -> Report:
    """The report of ``kind`` (incident, state, bloc, norm, catalogue) on ``subject``."""
    if kind not in KINDS:
        raise ReportError(f"unknown report kind {kind!r}: use {', '.join(KINDS)}")
    if kind == "catalogue":
        return catalogue_report(kb, rules, on)
    if not subject:
        raise ReportError(f"a {kind} report needs a subject (an id)")
    if kind == "incident":
        return incident_report(kb, subject, rules, on)
    if kind == "state":
        return state_report(kb, subject, rules, on)
    if kind == "bloc":
        return bloc_report(kb, subject, rules, on, since)
    return norm_report(kb, subject, rules, on)


def rendered(kb: KnowledgeBase, kind: str, subject: str | None, fmt: Format, rules: RuleSet | None = None,
             on: dt.date | None = None, since: dt.date | None = None) -> tuple[bytes, int]:
    """The report in ``fmt`` and its number of figures, rendered once per knowledge base,
    rules, subject, day and format: a second request is read from the disk cache (a PDF's
    layout is most of its time)."""
    from normwatch.engine.rules import shipped_rules
    from normwatch.knowledge import diskcache

    rules = rules or shipped_rules()
    key = "-".join([kb.version, rules.version, kind, subject or "", (on or dt.date.today()).isoformat(),
                    since.isoformat() if since else "", fmt, diskcache.code_key(
                        "publish/report", "publish/document", "publish/plots", "analysis/analytics",
                        "analysis/brief", "engine/assessment")])
    key = hashlib.sha256(key.encode()).hexdigest()[:32]
    found = diskcache.load("report", key)
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], bytes):
        return found[0], int(found[1])
    document = build(kb, kind, subject, rules, on, since)
    body = render(document, fmt)
    diskcache.save("report", key, (body, len(document.images)))
    return body, len(document.images)


# --- rendering -----------------------------------------------------------------------------


def _font_dir() -> Path:
    """matplotlib's copy of DejaVu Sans, found without importing matplotlib (an eighth of a
    second, for a report whose figures all come from the cache)."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ReportError("matplotlib, whose DejaVu fonts the PDF uses, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def to_pdf(report: Report) -> bytes:
    """An A4 PDF with the figures and clickable source links (fpdf2, DejaVu Sans)."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    meta = _meta(report)
    notes = _Notes()

    class _PDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=7)
            self.set_text_color(120)
            self.cell(0, 5, f"normwatch · {report.kind} {report.subject} · kb {report.kb_version} · "
                            f"page {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0)

    pdf = _PDF(format="A4")
    pdf.set_title(report.title)
    pdf.set_author("normwatch")
    pdf.set_subject(meta)
    pdf.set_creation_date(dt.datetime.fromisoformat(report.generated).replace(tzinfo=dt.UTC))
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    _lines(pdf, 0, 8, report.title)
    pdf.set_font("DejaVu", "I", 8)
    pdf.set_text_color(90)
    _lines(pdf, 0, 4.5, meta)
    pdf.set_text_color(0)
    pdf.ln(3)
    heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    for index, block in enumerate(report.blocks):
        if isinstance(block, Heading):
            following = report.blocks[index + 1] if index + 1 < len(report.blocks) else None
            if pdf.will_page_break(16 + _needs(following, pdf.epw, pdf.eph)):
                pdf.add_page()
            pdf.ln(3)
            pdf.set_font("DejaVu", "B", 13 if block.level <= 2 else 11)
            _lines(pdf, 0, 7, block.text)
            pdf.set_draw_color(200)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
            pdf.ln(2)
        elif isinstance(block, Paragraph):
            if block.text:
                pdf.set_font("DejaVu", "", 9.5)
                _lines(pdf, 0, 5, block.text, align="L")
                pdf.ln(2)
        elif isinstance(block, Bullets):
            pdf.set_font("DejaVu", "", 8.5 if any(u for _, u in block.items) else 9.5)
            for text, url in block.items or [(block.empty, None)]:
                pdf.set_x(pdf.l_margin + 3)
                if url:
                    pdf.set_text_color(30, 80, 160)
                    _lines(pdf, pdf.epw - 3, 4.2, f"• {text}", link=url,
                           align="L", wrapmode=WrapMode.CHAR)
                    pdf.set_text_color(0)
                else:
                    _lines(pdf, pdf.epw - 3, 5, f"• {text}", align="L")
            pdf.ln(2)
        elif isinstance(block, Points):
            for item in block.items or [Item(block.empty)]:
                _pdf_item(pdf, item, notes)
            pdf.ln(2)
        elif isinstance(block, Table):
            if block.caption:
                pdf.set_font("DejaVu", "I", 8)
                _lines(pdf, 0, 4.5, block.caption)
            if not block.rows:
                pdf.set_font("DejaVu", "", 8.5)
                _lines(pdf, 0, 5, "(none recorded)")
                pdf.ln(1)
                continue
            pdf.set_font("DejaVu", "", 7 if len(block.columns) > 6 else 7.5)
            widths = block.widths or _widths(block)
            with pdf.table(col_widths=tuple(widths), headings_style=heading, line_height=3.8,
                           text_align="LEFT", padding=1, borders_layout="HORIZONTAL_LINES") as table:
                table.row(block.columns)
                for k, row in enumerate(block.rows):
                    marks = "".join(f" [{n}]" for n in notes.mark(block.rules[k] if k < len(block.rules) else []))
                    cells = [_breakable(c[:600]) for c in row]
                    cells[-1] += marks
                    table.row(cells)
            pdf.ln(2)
        else:
            buf = io.BytesIO(block.png)
            width, height = _image_size(block, pdf.epw, pdf.eph)
            if pdf.will_page_break(height + 10):
                pdf.add_page()
            pdf.image(buf, x=pdf.l_margin + (pdf.epw - width) / 2, w=width, h=height)
            pdf.set_font("DejaVu", "I", 8)
            _lines(pdf, 0, 4.5, f"Figure: {block.caption}")
            pdf.ln(3)
    if notes.numbers:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 13)
        _lines(pdf, 0, 7, NOTES_HEADING)
        pdf.set_font("DejaVu", "I", 8)
        _lines(pdf, 0, 4.5, NOTES_TEXT)
        pdf.set_font("DejaVu", "", 7.5)
        for n, rule in notes.items():
            _lines(pdf, 0, 4, f"[{n}] {rule}", align="L")
    if report.footer:
        pdf.ln(4)
        pdf.set_font("DejaVu", "I", 7.5)
        pdf.set_text_color(90)
        _lines(pdf, 0, 4, report.footer, align="L")
        pdf.set_text_color(0)
    return bytes(pdf.output())


def _lines(pdf: Any, width: float, height: float, text: str, *, align: str = "J", link: str = "",
           wrapmode: Any = None) -> None:
    """Text from the current position over as many lines as it needs, then at the left margin
    on the next line (fpdf's ``multi_cell``). Left-aligned text is broken into lines here, a
    word at a time: fpdf's line breaking measures the line again at every character, which
    was most of a long report's layout time. ``wrapmode`` CHAR breaks anywhere (links)."""
    from fpdf.enums import WrapMode

    x = pdf.x
    room = (pdf.w - pdf.r_margin - x) if width == 0 else width
    fits = room - 2 * pdf.c_margin
    if align != "L":
        if "\n" not in text and pdf.get_string_width(text) <= fits:
            pdf.cell(width, height, text, link=link, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(width, height, text, link=link, align=align, new_x="LMARGIN", new_y="NEXT")
        return
    # a string's width is the sum of its characters' (fpdf shapes no text here): each
    # character is measured once per font and size
    sizes: dict[str, float] = pdf.__dict__.setdefault("_char_widths", {}).setdefault(
        (pdf.font_family, pdf.font_style, pdf.font_size_pt), {})

    def measure(piece: str) -> float:
        total = 0.0
        for char in piece:
            size = sizes.get(char)
            if size is None:
                size = sizes[char] = pdf.get_string_width(char)
            total += size
        return total

    for line in _wrap(measure, text, fits, by_char=wrapmode is WrapMode.CHAR):
        pdf.set_x(x)
        pdf.cell(room, height, line, link=link, new_x="LMARGIN", new_y="NEXT")


_GAP = re.compile(r"(?<=[ \u200b])")


def _wrap(width: Callable[[str], float], text: str, fits: float, by_char: bool = False) -> list[str]:
    """``text`` in lines no wider than ``fits``: broken after spaces and zero-width spaces (or
    anywhere, ``by_char``); a word longer than a line is cut where the line is full."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for piece in list(paragraph) if by_char else _GAP.split(paragraph):
            if line and used + width(piece.rstrip()) > fits:
                lines.append(line.rstrip())
                line, used = "", 0.0
                piece = piece.lstrip(" ")
            size = width(piece)
            while used + size > fits and len(piece) > 1:
                cut, filled = 0, used
                while cut < len(piece) - 1 and filled + width(piece[cut]) <= fits:
                    filled += width(piece[cut])
                    cut += 1
                cut = max(cut, 1)
                lines.append((line + piece[:cut]).rstrip())
                line, used, piece = "", 0.0, piece[cut:]
                size = width(piece)
            line += piece
            used += size
        lines.append(line.rstrip())
    return lines


_ID = re.compile(r"\S*[A-Za-z]\S*-\S*")


def _breakable(text: str) -> str:
    """Text a PDF line may break at the hyphens of an identifier (``dragonfly-energy-2014``)
    rather than inside a word; dates and numbers stay whole."""
    return _ID.sub(lambda m: m.group(0).replace("-", "-\u200b"), text)


def _pdf_item(pdf: Any, item: Item, notes: _Notes) -> None:
    """One point: its text (lead first, id after it), rule numbers, then its sources below
    it as links, indented."""
    from fpdf.enums import WrapMode

    pdf.set_font("DejaVu", "", 9.5)
    pdf.set_x(pdf.l_margin + 3)
    note = f" ({item.note})" if item.note else ""
    text = (f"{item.lead}{note}" + (f": {item.text}" if item.text else "")) if item.lead else item.text + note
    text += "".join(f" [{n}]" for n in notes.mark(item.rules))
    if item.link:
        pdf.set_text_color(30, 80, 160)
    _lines(pdf, pdf.epw - 3, 5, f"• {_breakable(text)}", link=item.link or "", align="L")
    pdf.set_text_color(30, 80, 160)
    pdf.set_font("DejaVu", "", 7.5)
    for url in item.sources:
        pdf.set_x(pdf.l_margin + 7)
        _lines(pdf, pdf.epw - 7, 3.8, url, link=url, align="L",
               wrapmode=WrapMode.CHAR)
    pdf.set_text_color(0)


def _image_size(image: Image, epw: float, eph: float) -> tuple[float, float]:
    """Width and height (mm) of a figure in the PDF: full width, at most a page high."""
    width, height = epw, epw * image.ratio
    limit = eph - 14
    if height > limit:
        height, width = limit, limit / image.ratio
    return width, height


def _needs(block: Block | None, epw: float, eph: float) -> float:
    """Room (mm) to keep below a heading so that it is not left alone at a page's foot."""
    if isinstance(block, Image):
        return _image_size(block, epw, eph)[1] + 6
    if isinstance(block, Table):
        return 12 + 5 * min(len(block.rows), 3)
    return 14


def _widths(table: Table) -> list[float]:
    """Column widths from the longest text in each column (bounded), for the PDF."""
    widths = []
    for k, name in enumerate(table.columns):
        longest = max([len(name), *(len(row[k]) for row in table.rows)])
        widths.append(float(min(max(longest, 4), 60)))
    return widths


def render(report: Report, fmt: Format) -> bytes:
    """The report in ``md``, ``html`` (UTF-8) or ``pdf``."""
    if fmt == "md":
        return to_markdown(report).encode()
    if fmt == "html":
        return to_html(report).encode()
    if fmt == "pdf":
        return to_pdf(report)
    raise ReportError(f"unknown format {fmt!r}: use md, html or pdf")


__all__ = [
    "KINDS", "Report", "ReportError", "bloc_report", "build", "catalogue_report", "incident_report",
    "norm_report", "render", "rendered", "state_report", "table_of", "to_html", "to_markdown", "to_pdf",
]
