"""The one document model of normwatch's printable outputs, and its Markdown and HTML
renderers: reports (:mod:`normwatch.publish.report`, which adds the PDF) and crisis briefs
are built as a :class:`Report` of blocks and rendered here.

Data is text. Every string that comes from a record (a name, a summary, a reason) is
escaped for the output: in Markdown its markup characters are backslash-escaped, in HTML
it is HTML-escaped, so markup inside a record never becomes a live link or formatting.
Only the links a block names (a source URL in :class:`Bullets`) are links.

Reasons are written for people: the rule expression behind a reason (``[rule: …]`` in the
engine's text) is taken out of the sentence and put behind a disclosure, an HTML
``<details>``, a Markdown footnote or a numbered line at the end of the PDF.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Bullets:
    items: list[tuple[str, str | None]]
    """Each item: its text and an optional link."""
    empty: str = "none recorded"
    """Said when there are no items: what the knowledge base does not record is not "none"."""


@dataclass
class Item:
    """One point of a :class:`Points` list: an optional lead (a name, in bold), an identifier
    shown small after the lead (or after the text), the text, an optional link, and the rule
    expressions behind it (disclosed, not inline)."""

    text: str
    link: str | None = None
    note: str | None = None
    rules: list[str] = field(default_factory=list)
    lead: str = ""
    sources: list[str] = field(default_factory=list)
    """Source URLs of the point, shown beside it as links named by their site."""


def site(url: str) -> str:
    """The site of a URL, as a source's link text: ``www.ncsc.gov.uk/news/…`` → ``ncsc.gov.uk``."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.IGNORECASE).split("/")[0].split("@")[-1]
    return host.removeprefix("www.") or url


@dataclass
class Points:
    """A list of :class:`Item`: the reasons, names and links of a brief."""

    items: list[Item]
    empty: str = "none recorded"
    """Said when there are no items (the knowledge base may simply not record any)."""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    widths: list[float] | None = None
    """Relative column widths for the PDF."""
    rules: list[list[str]] = field(default_factory=list)
    """Per row (when given): the rule expressions behind that row's reasons, disclosed
    after its last cell."""


@dataclass
class Image:
    key: str
    caption: str
    png: bytes
    ratio: float = 0.6
    """Height over width."""


Block = Heading | Paragraph | Bullets | Points | Table | Image


@dataclass
class Report:
    """A report, ready to render: its blocks and the numbers its text quotes."""

    kind: str
    subject: str
    title: str
    kb_version: str
    kb_as_of: str
    rules_version: str
    generated: str
    blocks: list[Block] = field(default_factory=list)
    meta: str | None = None
    """The line under the title, when not the default versions-and-date line."""
    numbers: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    footer: str | None = None
    """A closing line in small print (what the versions mean), after every block."""

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def figure(self, key: str, caption: str, fig: Figure) -> None:
        """Add a drawn figure (as a PNG)."""
        from normwatch.publish import plots  # matplotlib only for documents with figures

        width, height = fig.get_size_inches()
        self.blocks.append(Image(key, caption, plots.png_bytes(fig, dpi=130), float(height / width)))

    @property
    def images(self) -> list[Image]:
        return [b for b in self.blocks if isinstance(b, Image)]



_MARKUP = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START = re.compile(r"^(\s*)(?:([#+\-=])|(\d+)([.)]))", re.MULTILINE)


def md_text(text: str) -> str:
    """``text`` with its Markdown markup escaped, so that it shows as written: emphasis,
    code, links, tables and HTML anywhere, headings and lists at the start of a line."""
    escaped = _MARKUP.sub(r"\\\1", text)
    def mark(m: re.Match[str]) -> str:
        if m.group(2):
            return f"{m.group(1)}\\{m.group(2)}"
        return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"

    return _LINE_START.sub(mark, escaped)


def _md_url(url: str) -> str:
    # the link target of a Markdown link: spaces and brackets percent-encoded
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def paragraphs(text: str) -> list[str]:
    """``text`` as paragraphs: split at blank lines, each on one line. A line break inside a
    sentence (a wrapped line of a YAML block) never splits it."""
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]


def _meta(report: Report) -> str:
    if report.meta is not None:
        return report.meta
    return (f"Knowledge base {report.kb_version} (latest recorded date {report.kb_as_of}); rules "
            f"{report.rules_version}; generated {report.generated} by normwatch.")


class _Notes:
    """The rule expressions of one rendering, numbered in order of first use."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def mark(self, rules: list[str]) -> list[int]:
        return [self.numbers.setdefault(rule, len(self.numbers) + 1) for rule in dict.fromkeys(rules)]

    def items(self) -> list[tuple[int, str]]:
        return [(n, rule) for rule, n in self.numbers.items()]


NOTES_HEADING = "Rule expressions"
NOTES_TEXT = ("Each reason above rests on a condition in the rule files (CEL over the incident's facts); "
              "the number after a reason points here.")


def _md_code(text: str) -> str:
    # a code span long enough that a backtick inside the expression cannot close it
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if longest else f"`{text}`"


def _md_cell(text: str) -> str:
    return md_text(" ".join(text.split()))


def _md_item(item: Item, notes: _Notes) -> str:
    text = md_text(" ".join(item.text.split()))
    text = f"[{text}]({_md_url(item.link)})" if item.link else text
    note = f" ({md_text(item.note)})" if item.note else ""
    if item.lead:
        line = f"**{md_text(item.lead)}**{note}" + (f": {text}" if text else "")
    else:
        line = text + note
    if item.sources:
        line += " — " + " · ".join(f"[{md_text(site(u))}]({_md_url(u)})" for u in item.sources)
    return line + "".join(f"[^{n}]" for n in notes.mark(item.rules))


def to_markdown(report: Report) -> str:
    """Markdown with figures embedded as base64 PNG data URIs; rule expressions as footnotes."""
    notes = _Notes()
    lines = [f"# {md_text(report.title)}", "", f"*{md_text(_meta(report))}*", ""]
    for block in report.blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + md_text(block.text), ""]
        elif isinstance(block, Paragraph):
            for text in paragraphs(block.text):
                lines += [md_text(text), ""]
        elif isinstance(block, Bullets):
            items = [f"- [{md_text(t)}]({_md_url(u)})" if u else f"- {md_text(t)}" for t, u in block.items]
            lines += items or [f"- {md_text(block.empty)}"]
            lines.append("")
        elif isinstance(block, Points):
            lines += [f"- {_md_item(item, notes)}" for item in block.items] or [f"- {md_text(block.empty)}"]
            lines.append("")
        elif isinstance(block, Table):
            if block.caption:
                lines += [f"*{md_text(block.caption)}*", ""]
            if not block.rows:
                lines += ["(none recorded)", ""]
                continue
            lines.append("| " + " | ".join(_md_cell(c) for c in block.columns) + " |")
            lines.append("|" + "---|" * len(block.columns))
            for k, row in enumerate(block.rows):
                marks = "".join(f"[^{n}]" for n in notes.mark(block.rules[k] if k < len(block.rules) else []))
                lines.append("| " + " | ".join(_md_cell(c) for c in row) + marks + " |")
            lines.append("")
        else:
            data = base64.b64encode(block.png).decode()
            caption = md_text(block.caption)
            lines += [f"![{caption}](data:image/png;base64,{data})", "", f"*Figure: {caption}*", ""]
    if notes.numbers:
        lines += [f"## {NOTES_HEADING}", "", md_text(NOTES_TEXT), ""]
        lines += [f"[^{n}]: rule {_md_code(rule)}" for n, rule in notes.items()]
        lines.append("")
    if report.footer:
        lines += ["---", "", f"*{md_text(report.footer)}*", ""]
    return "\n".join(lines)


_CSS = (
    "body{font-family:'DejaVu Sans',system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.45;color:#222}h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;font-size:1.2rem;"
    "margin-top:2rem}h3{font-size:1rem;margin:1rem 0 .3rem}"
    "table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem;width:100%}"
    "th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    "figure{margin:1rem 0}figure img{max-width:100%}figcaption{font-size:.85rem;color:#555}"
    ".meta,.footer{color:#666;font-size:.85rem}.caption{font-style:italic;font-size:.85rem}"
    ".lead{font-weight:bold}.id{color:#666;font-size:.8em;white-space:nowrap}li{margin:.2rem 0}"
    "details.rule{display:inline;font-size:.8rem;color:#555}details.rule summary{display:inline;cursor:pointer;"
    "color:#36c}details.rule[open]{display:block;margin:.2rem 0 .4rem 1rem}"
    "details.rule code{display:block;white-space:pre-wrap;background:#f6f6f6;padding:.15rem .3rem}"
    ".footer{border-top:1px solid #ccc;margin-top:2rem;padding-top:.5rem}"
    "@media print{body{max-width:none}figure,table{page-break-inside:avoid}details.rule{display:block}}"
)


def style_hash() -> str:
    """The CSP source (``'sha256-…'``) of the one inline stylesheet of an HTML report or
    brief: a server may allow exactly that style and no other inline style."""
    digest = hashlib.sha256(_CSS.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _html_rules(rules: list[str]) -> str:
    if not rules:
        return ""
    e = html.escape
    codes = "".join(f"<code>{e(rule)}</code>" for rule in dict.fromkeys(rules))
    label = "rule" if len(set(rules)) == 1 else "rules"
    return f" <details class=\"rule\"><summary>{label}</summary>{codes}</details>"


def _html_item(item: Item) -> str:
    e = html.escape
    text = e(" ".join(item.text.split()))
    text = f"<a href=\"{e(item.link)}\">{text}</a>" if item.link else text
    note = f" <span class=\"id\">{e(item.note)}</span>" if item.note else ""
    if item.lead:
        # a class, not <strong>: the page's only emphasis is the project's own, styled here
        body = f"<span class=\"lead\">{e(item.lead)}</span>{note}" + (f": {text}" if text else "")
    else:
        body = text + note
    if item.sources:
        body += " — " + " · ".join(f"<a href=\"{e(u)}\">{e(site(u))}</a>" for u in item.sources)
    return body + _html_rules(item.rules)


def to_html(report: Report) -> str:
    """A self-contained HTML page (inline CSS, figures as base64 PNG, no script); rule
    expressions behind ``<details>``."""
    e = html.escape
    body = [f"<h1>{e(report.title)}</h1>", f"<p class=\"meta\">{e(_meta(report))}</p>"]
    for block in report.blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body += [f"<p>{e(text)}</p>" for text in paragraphs(block.text)]
        elif isinstance(block, Bullets):
            items = [f"<li><a href=\"{e(u)}\">{e(t)}</a></li>" if u else f"<li>{e(t)}</li>" for t, u in block.items]
            body.append("<ul>" + "".join(items or [f"<li>{e(block.empty)}</li>"]) + "</ul>")
        elif isinstance(block, Points):
            items = [f"<li>{_html_item(item)}</li>" for item in block.items]
            body.append("<ul>" + "".join(items or [f"<li>{e(block.empty)}</li>"]) + "</ul>")
        elif isinstance(block, Table):
            if block.caption:
                body.append(f"<p class=\"caption\">{e(block.caption)}</p>")
            if not block.rows:
                body.append("<p>(none recorded)</p>")
                continue
            head = "".join(f"<th>{e(c)}</th>" for c in block.columns)
            rows = []
            for k, row in enumerate(block.rows):
                rules = _html_rules(block.rules[k]) if k < len(block.rules) else ""
                cells = [f"<td>{e(c)}</td>" for c in row]
                if rules and cells:
                    cells[-1] = cells[-1][:-5] + rules + "</td>"
                rows.append("<tr>" + "".join(cells) + "</tr>")
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
        else:
            data = base64.b64encode(block.png).decode()
            body.append(f"<figure id=\"fig-{e(block.key)}\"><img alt=\"{e(block.caption)}\" "
                        f"src=\"data:image/png;base64,{data}\"><figcaption>{e(block.caption)}</figcaption></figure>")
    if report.footer:
        body.append(f"<p class=\"footer\">{e(report.footer)}</p>")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(report.title)}</title><meta name=\"generator\" content=\"normwatch\">"
            f"<meta name=\"kb-version\" content=\"{e(report.kb_version)}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
