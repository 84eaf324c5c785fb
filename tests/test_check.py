"""`normwatch check`: the shipped knowledge base passes; each kind of mistake is caught."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from normwatch.cli import app
from normwatch.knowledge.check import check
from normwatch.knowledge.load import load

BROKEN = Path(__file__).parent / "broken"
CASES = yaml.safe_load((BROKEN / "cases.yaml").read_text())
runner = CliRunner()


def test_shipped_knowledge_base_is_clean(kb):
    problems = check(kb)
    assert problems == [], "\n".join(map(str, problems[:20]))


def test_check_command_passes_on_shipped_kb():
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok:")


def test_corpus_covers_at_least_fifteen_kinds_of_mistake():
    assert len(CASES) >= 15
    assert {case["file"] for case in CASES} == {p.name for p in BROKEN.glob("*.yaml")} - {"cases.yaml"}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_library_names_file_record_and_field(case):
    path = BROKEN / case["file"]
    problems = check(load(extra=[path]))
    mine = [p for p in problems if p.file == str(path)]
    assert mine, f"no problem reported for {case['file']}: {problems[:3]}"
    matching = [
        p for p in mine
        if p.record == case["record"] and p.field == case["field"] and case["message"] in p.message
    ]
    assert matching, f"expected {case}, got {[str(p) for p in mine]}"


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_cli_exits_2_with_a_precise_line_and_no_traceback(case):
    path = BROKEN / case["file"]
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert any(case["message"] in line for line in lines), result.output
    if case["field"]:
        assert any(f"field {case['field']}" in line for line in lines)


def test_check_does_not_change_any_file(tmp_path):
    source = BROKEN / "unknown-key.yaml"
    copy = tmp_path / "incident.yaml"
    copy.write_bytes(source.read_bytes())
    before = copy.read_bytes()
    runner.invoke(app, ["check", str(copy)])
    assert copy.read_bytes() == before


def test_missing_extra_file_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "cannot read file" in result.output


def test_a_good_extra_file_passes(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(
        "id: good-incident-2021\nname: Good\nstart: '2021-04'\noperation: [espionage]\n"
        "targets: [{country: DEU, sector: research}]\n"
        "attributions: [{to: CHN, by: [Mandiant], kind: industry, date: '2021-06', confidence: medium, "
        "sources: [https://example.org/good]}]\n"
        "sources: [https://example.org/good]\n"
    )
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output


def test_date_in_the_future_depends_on_today():
    kb = load(extra=[BROKEN / "future-date.yaml"])
    assert any(p.field == "start" for p in check(kb, today=dt.date(2100, 1, 1))) is False
    assert any(p.field == "start" and "future" in p.message for p in check(kb))


def test_a_missing_or_file_kb_path_is_an_error_not_an_empty_kb(tmp_path: Path):
    not_folder = tmp_path / "kb.yaml"
    not_folder.write_text("frameworks: []\n", encoding="utf-8")
    for path, said in ((tmp_path / "no-such", "no such folder"), (not_folder, "is not a folder")):
        for command in (["check", "--kb", str(path)], ["overview", "--kb", str(path)]):
            result = runner.invoke(app, command)
            assert result.exit_code == 2, (command, result.output)
            assert said in result.output and not result.output.startswith("ok")


def test_check_refuses_a_claim_without_its_own_sources(mini_kb):
    base = load(None)
    notpetya = base.incident_by_id["notpetya-2017"].model_dump(mode="json", exclude_none=True)
    notpetya["attributions"][0].pop("sources")
    notpetya["responses"][0]["sources"] = []
    kb = mini_kb({"incidents/notpetya-2017.yaml": notpetya})
    found = {(p.record, p.field) for p in check(kb) if "its own sources" in p.message}
    assert found == {("notpetya-2017", "attributions.0.sources"), ("notpetya-2017", "responses.0.sources")}


def test_every_shipped_claim_has_its_own_sources(kb):
    claims = [c for i in kb.incidents for c in (*i.attributions, *i.responses)]
    assert claims and all(c.sources for c in claims)


def test_a_remembered_check_still_reports_every_problem(tmp_path, monkeypatch):
    from normwatch.knowledge.check import check_remembered

    monkeypatch.setenv("NORMWATCH_CACHE", str(tmp_path / "cache"))
    broken = load(extra=[BROKEN / "future-date.yaml"])
    first, second = check_remembered(broken), check_remembered(broken)
    assert first and first == second == check(broken)
    clean = load()
    assert check_remembered(clean) == [] == check_remembered(clean)
    assert any(p.name.startswith("check-") for p in (tmp_path / "cache").iterdir())
