"""A pre-filled request skeleton for one channel of a route answer (``route --request-draft``).

The skeleton carries what the router knows: the states, the data, the legal basis and its
parties, where the request goes and the elements the instrument requires. Every element the
officer must supply is left as a visible placeholder; nothing is invented to fill it.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Literal

from normwatch.errors import InputError
from normwatch.evidence.answer import ChannelAnswer, RouteAnswer
from normwatch.knowledge.countries import country_name
from normwatch.publish.document import Bullets, Heading, Paragraph, Report, Table

DraftFormat = Literal["md", "html", "docx", "pdf"]
DRAFT_FORMATS: tuple[str, ...] = ("md", "html", "docx", "pdf")
PLACEHOLDER = "[to be completed by the requesting authority]"


def draft_channel(answer: RouteAnswer, channel: str | None = None) -> ChannelAnswer:
    """The channel a request draft is for: the one named, else the fastest open channel that
    hands over the data through a request (one with recorded request content). Raises
    InputError when none fits."""
    if channel is not None:
        for row in answer.channels:
            if row.id == channel:
                if not row.applicable:
                    raise InputError.one(
                        "route", "", "channel", f"channel {channel} is not open for this question: {row.summary}"
                    )
                return row
        raise InputError.one("route", "", "channel", f"unknown channel {channel!r}")
    fitting = [
        row for row in answer.channels
        if row.applicable and row.effect == "disclose" and answer.question.data in row.data_covered
    ]
    # A channel with recorded request content is a request to an authority; one without
    # (consent under Article 32(b), a provider's own policy) has nothing to draft.
    for row in sorted(fitting, key=lambda r: not r.request_content):
        return row
    raise InputError.one(
        "route", "", "request-draft",
        "no open channel hands over this data, so there is no request to draft",
    )


def _state(code: str | None) -> str:
    return f"{country_name(code)} ({code})" if code else "not given"


def request_document(answer: RouteAnswer, channel: str | None = None, kb_version: str = "") -> Report:
    """The request skeleton as a document of blocks (rendered to md, html, docx or pdf)."""
    row = draft_channel(answer, channel)
    q = answer.question
    today = dt.date.today().isoformat()
    report = Report(
        kind="request", subject=row.id, title=f"Draft request: {row.name}",
        kb_version=kb_version, kb_as_of=q.on.isoformat(), rules_version="", generated=today,
        meta=(
            f"Skeleton generated on {today} by normwatch from its records (knowledge base "
            f"{kb_version}) for the situation on {q.on.isoformat()}. Check the instrument's text "
            "and the receiving authority's guidance before sending."
        ),
    )
    report.add(
        Heading("The request"),
        Table(["element", "value"], [
            ["Requesting state", _state(q.requesting)],
            ["Requested state (where the data are)", _state(q.holder)],
            ["Provider's home state", _state(q.provider_home)],
            ["Data sought", f"{q.data} data"],
            ["Urgent", "yes: threat to life or safety" if q.urgent else "no"],
            ["Legal basis", row.legal_basis],
            ["Typical time", row.typical_time],
        ]),
    )
    if row.via:
        report.add(Heading("Parties bound"), Table(
            ["instrument", "state", "bound since"],
            [[via.instrument, _state(p.state), p.since or "date not recorded"]
             for via in row.via for p in via.parties],
        ))
    report.add(Heading("Addressed to"))
    if row.contacts:
        report.add(Bullets([(c.text, c.source) for c in row.contacts]))
    else:
        report.add(Paragraph(f"No public contact route is recorded for this channel. {PLACEHOLDER}"))
    report.add(Heading("Content the request must carry"))
    elements = row.request_content or ["A description of the investigation and of the data sought."]
    for element in elements:
        report.add(Heading(element, level=3), Paragraph(PLACEHOLDER))
    report.add(Heading("Conditions to meet"), Bullets([(r, None) for r in row.requirements]))
    notes = [r for r in row.reasons if "review procedure" in r or "replaced" in r]
    if notes:
        report.add(Heading("Points to watch"), Bullets([(n, None) for n in notes]))
    if row.unconfirmed and row.note:
        report.add(Paragraph(f"Caution: {row.note}"))
    report.add(Heading("Sources"), Bullets([(url, url) for url in row.sources]))
    report.sources = list(row.sources)
    return report


def to_docx(report: Report) -> bytes:
    """The document as a Word file (python-docx); placeholders stay visible text."""
    from docx import Document  # only this output needs python-docx

    doc = Document()
    doc.add_heading(report.title, level=1)
    if report.meta:
        doc.add_paragraph().add_run(report.meta).italic = True
    for block in report.blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=min(block.level, 4))
        elif isinstance(block, Paragraph):
            doc.add_paragraph(block.text)
        elif isinstance(block, Bullets):
            for text, url in block.items:
                doc.add_paragraph(f"{text} ({url})" if url and url != text else text, style="List Bullet")
        elif isinstance(block, Table):
            table = doc.add_table(rows=1, cols=len(block.columns))
            table.style = "Table Grid"
            for cell, name in zip(table.rows[0].cells, block.columns, strict=True):
                cell.text = name
            for values in block.rows:
                cells = table.add_row().cells
                for cell, value in zip(cells, values, strict=True):
                    cell.text = value
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_request(report: Report, fmt: str) -> bytes:
    """The skeleton in ``md``, ``html``, ``docx`` or ``pdf`` (all but docx through the one
    report renderer)."""
    if fmt == "docx":
        return to_docx(report)
    if fmt in ("md", "html", "pdf"):
        from normwatch.publish.report import render  # polars and fpdf2 only when drafting

        return render(report, fmt)  # type: ignore[arg-type]
    raise InputError.one("route", "", "request-draft", f"unknown format {fmt!r}; use {', '.join(DRAFT_FORMATS)}")


__all__ = ["DRAFT_FORMATS", "draft_channel", "render_request", "request_document", "to_docx"]
