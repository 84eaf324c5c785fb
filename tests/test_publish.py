"""Briefs and reports a reader can forward: names not slugs, plain reasons with the rule
behind a disclosure, sources beside their claims, readable versions, cached figures."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markdown_it import MarkdownIt

import normwatch
from normwatch.engine.results import split_rules
from normwatch.engine.rules import load_rules, shipped_rules
from normwatch.publish import report as rp
from normwatch.publish.brief import brief_document
from normwatch.publish.document import to_html, to_markdown


@pytest.fixture(scope="module")
def brief_data(kb):
    return normwatch.brief(kb.incident_by_id["notpetya-2017"], kb).model_dump(mode="json")


def _visible(page: str) -> str:
    """The text a reader sees before opening any disclosure."""
    page = re.sub(r"<details.*?</details>", "", page, flags=re.S)
    page = re.sub(r"<(style|title)>.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", "", page)


def test_split_rules_takes_the_expression_out_of_the_sentence():
    text, rules = split_rules("harm was done [rule: a && (b || c)] (Tallinn Manual 2.0, rule 4); more [rule: d]")
    assert text == "harm was done (Tallinn Manual 2.0, rule 4); more"
    assert rules == ["a && (b || c)", "d"]


def test_brief_html_names_norms_states_and_options_with_rules_disclosed(brief_data, kb):
    page = to_html(brief_document(brief_data, kb))
    seen = _visible(page)
    assert "[rule:" not in page and "state_confidence" not in seen
    assert '<details class="rule"><summary>' in page and "<code>state_confidence &gt;= 3</code>" in page
    assert kb.norms["un-gge-2015:13f"].title in seen and "Russian Federation" in seen
    assert '<span class="lead">Retorsion</span>:' in page and "retorsion [retorsion]" not in page
    assert "retorsion (retorsion)" not in seen
    # the id appears small beside its title, once per norm line
    assert ('<span class="lead">Do not damage critical infrastructure</span> <span class="id">un-gge-2015:13f</span>'
            in page)
    assert "RUS broke" not in seen and " -> " not in seen


def test_brief_markdown_renders_clean_through_markdown_it(brief_data, kb):
    text = to_markdown(brief_document(brief_data, kb))
    assert "[rule:" not in text and "## Rule expressions" in text
    assert re.search(r"^\[\^1\]: rule `[^`]+`$", text, flags=re.M)
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text.split("## Rule expressions")[0])
    assert "\\" not in _visible(body) and "`" not in _visible(body)  # no escape or code left showing
    assert "<strong>Protect individuals and infrastructure</strong>" in body


def test_the_versions_are_readable_and_explained_once(brief_data, kb):
    rules = shipped_rules()
    assert re.fullmatch(r"[0-9a-f]{8}", rules.version)
    assert rules.label.startswith(f"rules {rules.version} · {len(rules.norms)} norms in ")
    assert dict(rules.file_versions).keys() == {"derived", "norms", "acts", "law", "responses"}
    page = to_html(brief_document(brief_data, kb))
    assert page.count("are digests of the") == 1 and f"rules {rules.version}" in page


def test_rules_version_still_changes_with_any_rule_file(tmp_path):
    import shutil

    from normwatch.engine.rules import default_folder

    folder = tmp_path / "rules"
    shutil.copytree(default_folder(), folder)
    before = load_rules(folder).version
    (folder / "responses.yaml").write_text((folder / "responses.yaml").read_text() + "\n# edited\n")
    assert load_rules(folder).version != before


def test_state_report_lists_incidents_by_name_in_date_order(kb):
    report = rp.build(kb, "state", "RUS")
    table = next(b for b in report.blocks if isinstance(b, rp.Table) and "norms breached" in b.columns)
    names = [row[0] for row in table.rows]
    starts = [row[1] for row in table.rows]
    from normwatch.knowledge.dates import earliest

    days = [earliest(s) for s in starts]
    assert days == sorted(days)
    assert kb.incident_by_id["notpetya-2017"].name in names and "notpetya-2017" not in names


def test_report_sources_sit_beside_their_claims_grouped_by_incident(kb):
    report = rp.build(kb, "incident", "notpetya-2017")
    text = to_markdown(report)
    sources = text.split("\n## Sources\n")[1]
    assert "### NotPetya (2017-06-27)" in sources
    claim = next(line for line in sources.splitlines() if line.startswith("- Ukraine attributed it to"))
    incident = kb.incident_by_id["notpetya-2017"]
    ukraine = next(x for x in incident.attributions if x.by == ["UKR"])
    for url in ukraine.sources:
        assert f"]({url})" in claim
    assert set(report.sources) >= set(incident.sources)


def test_pdf_ids_break_at_hyphens_not_inside_words():
    assert rp._breakable("dragonfly-energy-2014 on 2014-06-30") == "dragonfly-\u200benergy-\u200b2014 on 2014-06-30"


def test_report_figures_come_from_the_cache_the_second_time(kb, monkeypatch, tmp_path):
    monkeypatch.setenv("NORMWATCH_CACHE", str(tmp_path))
    first = rp.build(kb, "norm", "un-gge-2015:13f")

    def no_drawing(*args, **kwargs):
        raise AssertionError("a cached figure was drawn again")

    from normwatch.publish import plots

    monkeypatch.setattr(plots, "norm_years", no_drawing)
    monkeypatch.setattr(plots, "state_bars", no_drawing)
    second = rp.build(kb, "norm", "un-gge-2015:13f")
    assert [i.png for i in second.images] == [i.png for i in first.images]
    assert rp.render(second, "pdf").startswith(b"%PDF")


def test_figures_are_kept_by_what_they_plot_not_by_day_or_report(kb, monkeypatch, tmp_path):
    monkeypatch.setenv("NORMWATCH_CACHE", str(tmp_path))
    first = rp.build(kb, "catalogue", None, on=dt.date(2026, 11, 30))
    from normwatch.publish import plots

    drawn: list[str] = []
    for name in ("timeline", "heatmap", "delay_histogram", "network", "stacked_years", "red_line_trend",
                 "bloc_bars"):
        real = getattr(plots, name)
        monkeypatch.setattr(plots, name, lambda *a, _n=name, _f=real, **k: drawn.append(_n) or _f(*a, **k))
    # the next day, only the figure that shows the day is drawn again: the bloc comparison
    # names the day its coverage is counted on; nothing else it plots changed
    second = rp.build(kb, "catalogue", None, on=dt.date(2026, 12, 1))
    assert drawn == ["bloc_bars"]
    assert [i.png for i in second.images if i.key != "blocs"] == [i.png for i in first.images if i.key != "blocs"]
    # the same report again draws nothing
    drawn.clear()
    rp.build(kb, "catalogue", None, on=dt.date(2026, 12, 1))
    assert drawn == []


def test_a_report_is_rendered_once_per_knowledge_base_and_day(tmp_path, monkeypatch):
    monkeypatch.setenv("NORMWATCH_CACHE", str(tmp_path / "cache"))
    kb = normwatch.load_kb()
    first, figures = rp.rendered(kb, "incident", "notpetya-2017", "md")
    assert first.startswith(b"# ") and b"NotPetya" in first

    def refuse(*args, **kwargs):
        raise AssertionError("built again although the knowledge base, rules and day are the same")

    monkeypatch.setattr(rp, "build", refuse)
    assert rp.rendered(kb, "incident", "notpetya-2017", "md") == (first, figures)
    # another subject, format or day is built anew
    with pytest.raises(AssertionError, match="built again"):
        rp.rendered(kb, "incident", "wannacry-2017", "md")
