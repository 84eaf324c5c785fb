"""Reports and plots on the real catalogue: structure, embedded figures, computed numbers."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from normwatch.analysis import analytics as an
from normwatch.cli import app
from normwatch.publish import plots
from normwatch.publish import report as rp

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"
SUBJECTS = [("incident", "notpetya-2017"), ("state", "IRN"), ("bloc", "five-eyes"),
            ("norm", "un-gge-2015:13f"), ("catalogue", None)]


@pytest.fixture(scope="module")
def reports(kb, rules):
    return {kind: rp.build(kb, kind, subject, rules) for kind, subject in SUBJECTS}


@pytest.mark.parametrize("kind", [k for k, _ in SUBJECTS])
def test_html_is_self_contained_with_every_figure_and_source(reports, kb, kind):
    report = reports[kind]
    assert report.images, "every report has figures"
    page = rp.to_html(report)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert kb.version in page and report.kb_as_of in page
    assert "<script" not in page and not re.search(r'src="https?://', page)
    for image in report.images:
        match = re.search(rf'<figure id="fig-{image.key}"><img alt="[^"]*" src="data:image/png;base64,([^"]+)"', page)
        assert match, f"figure {image.key} missing"
        data = base64.b64decode(match.group(1))
        assert data.startswith(PNG) and len(data) > 5000
    for url in report.sources:
        assert f'href="{url.replace("&", "&amp;")}"' in page


@pytest.mark.parametrize("kind", [k for k, _ in SUBJECTS])
def test_markdown_embeds_figures_and_links(reports, kind):
    report = reports[kind]
    text = rp.to_markdown(report)
    assert text.startswith(f"# {report.title}")
    embedded = re.findall(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", text)
    assert len(embedded) == len(report.images)
    assert all(base64.b64decode(b).startswith(PNG) for b in embedded)
    for url in report.sources:
        assert f"]({url})" in text


@pytest.mark.parametrize("kind", [k for k, _ in SUBJECTS])
def test_pdf_has_pages_images_and_links(reports, kind):
    report = reports[kind]
    data = rp.to_pdf(report)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Subtype /Image", data)) >= len(report.images)
    assert len(re.findall(rb"/URI \(", data)) >= len(report.sources)
    assert re.search(rb"/Type /Pages", data)


def test_numbers_in_reports_are_the_analytics(reports, kb, rules):
    state = reports["state"]
    summary = an.scorecard(kb, "IRN", rules)["summary"].row(0, named=True)
    for key in ("attributed", "own_commitment_breaches", "other_breaches", "suffered", "responses_received"):
        assert state.numbers[key] == summary[key]
    md = rp.to_markdown(state)
    assert f"attributes {summary['attributed']} incidents" in md
    assert f"{summary['own_commitment_breaches']} broke" in md
    bloc = reports["bloc"]
    row = an.bloc_comparison(kb, ["five-eyes"], None, rules).row(0, named=True)
    for key in ("members", "incidents_attributed", "red_line_incidents", "breach_findings", "endorsed_breaches"):
        assert bloc.numbers[key] == row[key]
    assert f"the bloc has {row['members']} members" in rp.to_markdown(bloc)
    norm = reports["norm"]
    counts = {r["verdict"]: r["incidents"] for r in an.norm_record(kb, "un-gge-2015:13f", rules)["counts"].to_dicts()}
    assert norm.numbers["breach"] == counts["breach"]
    assert f"breach in {counts['breach']}, possible in {counts.get('possible', 0)}" in rp.to_markdown(norm)
    incident = reports["incident"]
    doc = an.assessments(kb, rules)["notpetya-2017"]
    assert incident.numbers["intensity"] == doc["intensity"]
    assert incident.numbers["norms_breach"] == sum(n["verdict"] == "breach" for n in doc["norms"])
    catalogue = reports["catalogue"]
    assert catalogue.numbers["incidents"] == len(kb.incidents)
    assert catalogue.numbers["median_delay_days"] == an.delay_summary(an.attribution_delays(kb, rules))["median_days"]
    assert {"timeline", "heatmap", "blocs", "delays", "network"} <= {i.key for i in catalogue.images}


def test_unknown_subjects_are_report_errors(kb, rules):
    for kind, subject in [("incident", "nope"), ("state", "XXX"), ("bloc", "atlantis"), ("norm", "x:y"),
                          ("poem", "x"), ("state", None)]:
        with pytest.raises(rp.ReportError):
            rp.build(kb, kind, subject, rules)


def test_plots_write_png_svg_and_interactive_json(kb, rules, tmp_path):
    written = plots.write_all(kb, tmp_path, rules, "2025-01-01")
    names = {p.name for p in written}
    for key in plots.CATALOGUE_FIGURES:
        png, svg = tmp_path / f"{key}.png", tmp_path / f"{key}.svg"
        assert png.read_bytes().startswith(PNG) and png.stat().st_size > 10_000
        assert "<svg" in svg.read_text(encoding="utf-8")
    assert {"timeline.vl.json", "heatmap.vl.json", "blocs.vl.json", "delays.vl.json", "network.graph.json"} <= names
    spec = json.loads((tmp_path / "timeline.vl.json").read_text(encoding="utf-8"))
    assert spec["$schema"].endswith("vega-lite/v5.json") and len(spec["data"]["values"]) == len(kb.incidents)
    graph = json.loads((tmp_path / "network.graph.json").read_text(encoding="utf-8"))
    assert graph["links"] and all(link["source"] != link["target"] for link in graph["links"])


def test_plots_cope_with_empty_tables():
    empty = pl.DataFrame(schema={"attribution_delay_days": pl.Int64})
    assert plots.png_bytes(plots.delay_histogram(empty)).startswith(PNG)


def test_cli_report_formats(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    md = runner.invoke(app, ["report", "incident", "notpetya-2017", "--format", "md"])
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("# Incident report: NotPetya")
    html = runner.invoke(app, ["report", "norm", "paris-call:3", "--format", "html", "--out", "n.html"])
    assert html.exit_code == 0, html.output
    assert (tmp_path / "n.html").read_text(encoding="utf-8").count("data:image/png;base64,") >= 2
    pdf = runner.invoke(app, ["report", "bloc", "custom:RUS,CHN", "--format", "pdf"])
    assert pdf.exit_code == 0, pdf.output
    written = tmp_path / "normwatch-bloc-custom-RUS-CHN.pdf"
    assert written.read_bytes().startswith(b"%PDF-")
    assert runner.invoke(app, ["report", "state", "XXX"]).exit_code == 2
    assert runner.invoke(app, ["report", "state", "FRA", "--format", "docx"]).exit_code == 2
    plotted = runner.invoke(app, ["plots", "--out", str(tmp_path / "plots")])
    assert plotted.exit_code == 0, plotted.output
    assert (tmp_path / "plots" / "network.svg").is_file()


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not os.environ.get("NORMWATCH_REQUIRE_POPPLER"),
    reason="pdftoppm (poppler-utils) is not installed; scripts/test.sh installs it and requires it",
)
def test_pdf_pages_render_to_images(reports, tmp_path):
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(rp.to_pdf(reports["incident"]))
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages and all(p.read_bytes().startswith(PNG) and p.stat().st_size > 1000 for p in pages)


def test_report_paths_are_package_relative():
    assert Path(rp.__file__).name == "report.py"


@pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("NORMWATCH_REQUIRE_POPPLER"),
    reason="pdftotext (poppler-utils) is not installed; scripts/test.sh installs it and requires it",
)
def test_pdf_lines_keep_every_word_and_every_link_whole(tmp_path):
    from normwatch.publish.document import Item, Points

    words = " ".join(f"word{n}" for n in range(400))
    url = "https://example.org/" + "-".join(f"segment{n}" for n in range(60))
    report = rp.Report(kind="incident", subject="x", title="A long point", kb_version="v", kb_as_of="2026-12-01",
                       rules_version="r", generated="2026-12-01",
                       blocks=[Points([Item(words, lead="Lead", sources=[url]), Item("short", sources=[url])])])
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(rp.to_pdf(report))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    found = re.findall(r"word\d+", text)
    assert found == words.split()  # every word, once, in order, over many lines
    assert len([line for line in text.splitlines() if "word" in line]) > 10
    lines = text.splitlines()
    # no line runs past the page: the widest is within A4's 180 mm of text at these sizes
    assert max(len(line.rstrip()) for line in lines) < 200
    assert text.replace("\n", "").replace(" ", "").replace("\u200b", "").count(url) == 2
    assert len(re.findall(rb"/URI \(", pdf.read_bytes())) >= 2
