"""The one document model of normwatch's printable outputs, and its Markdown and HTML
renderers: reports (:mod:`normwatch.publish.report`, which adds the PDF) and crisis briefs
are built as a :class:`Report` of blocks and rendered here.

Data is text. Every string that comes from a record (a name, a summary, a reason) is
escaped for the output: in Markdown its markup characters are backslash-escaped, in HTML
it is HTML-escaped, so markup inside a record never becomes a live link or formatting.
Only the links a block names (a source URL in :class:`Bullets`) are links.
"""

from __future__ import annotations

import base64
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


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    widths: list[float] | None = None
    """Relative column widths for the PDF."""


@dataclass
class Image:
    key: str
    caption: str
    png: bytes
    svg: str
    ratio: float = 0.6
    """Height over width."""


Block = Heading | Paragraph | Bullets | Table | Image


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

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def figure(self, key: str, caption: str, fig: Figure) -> None:
        from normwatch.publish import plots  # matplotlib only for documents with figures

        width, height = fig.get_size_inches()
        self.blocks.append(Image(key, caption, plots.png_bytes(fig, dpi=130), plots.svg_text(fig),
                                 float(height / width)))

    @property
    def images(self) -> list[Image]:
        return [b for b in self.blocks if isinstance(b, Image)]



_MARKUP = re.compile(r"([\\`*_\[\]<>|~])")
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


def _meta(report: Report) -> str:
    if report.meta is not None:
        return report.meta
    return (f"Knowledge base {report.kb_version} (latest recorded date {report.kb_as_of}); rules "
            f"{report.rules_version}; generated {report.generated} by normwatch.")


def _md_cell(text: str) -> str:
    return md_text(text).replace("\n", " ")


def to_markdown(report: Report) -> str:
    """Markdown with figures embedded as base64 PNG data URIs."""
    lines = [f"# {md_text(report.title)}", "", f"*{md_text(_meta(report))}*", ""]
    for block in report.blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + md_text(block.text), ""]
        elif isinstance(block, Paragraph):
            if block.text:
                lines += [md_text(block.text), ""]
        elif isinstance(block, Bullets):
            items = [f"- [{md_text(t)}]({_md_url(u)})" if u else f"- {md_text(t)}" for t, u in block.items]
            lines += items or ["- none"]
            lines.append("")
        elif isinstance(block, Table):
            if block.caption:
                lines += [f"*{md_text(block.caption)}*", ""]
            if not block.rows:
                lines += ["(none)", ""]
                continue
            lines.append("| " + " | ".join(_md_cell(c) for c in block.columns) + " |")
            lines.append("|" + "---|" * len(block.columns))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        else:
            data = base64.b64encode(block.png).decode()
            caption = md_text(block.caption)
            lines += [f"![{caption}](data:image/png;base64,{data})", "", f"*Figure: {caption}*", ""]
    return "\n".join(lines)


_CSS = (
    "body{font-family:'DejaVu Sans',system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.45;color:#222}h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;font-size:1.2rem;"
    "margin-top:2rem}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem;width:100%}"
    "th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    "figure{margin:1rem 0}figure img{max-width:100%}figcaption{font-size:.85rem;color:#555}"
    ".meta{color:#666;font-size:.85rem}.caption{font-style:italic;font-size:.85rem}"
    "@media print{body{max-width:none}figure,table{page-break-inside:avoid}}"
)


def to_html(report: Report) -> str:
    """A self-contained HTML page (inline CSS, figures as base64 PNG)."""
    e = html.escape
    body = [f"<h1>{e(report.title)}</h1>", f"<p class=\"meta\">{e(_meta(report))}</p>"]
    for block in report.blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            if block.text:
                body.append(f"<p>{e(block.text)}</p>")
        elif isinstance(block, Bullets):
            items = [f"<li><a href=\"{e(u)}\">{e(t)}</a></li>" if u else f"<li>{e(t)}</li>" for t, u in block.items]
            body.append("<ul>" + "".join(items or ["<li>none</li>"]) + "</ul>")
        elif isinstance(block, Table):
            if block.caption:
                body.append(f"<p class=\"caption\">{e(block.caption)}</p>")
            if not block.rows:
                body.append("<p>(none)</p>")
                continue
            head = "".join(f"<th>{e(c)}</th>" for c in block.columns)
            rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:
            data = base64.b64encode(block.png).decode()
            body.append(f"<figure id=\"fig-{e(block.key)}\"><img alt=\"{e(block.caption)}\" "
                        f"src=\"data:image/png;base64,{data}\"><figcaption>{e(block.caption)}</figcaption></figure>")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(report.title)}</title><meta name=\"generator\" content=\"normwatch\">"
            f"<meta name=\"kb-version\" content=\"{e(report.kb_version)}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


