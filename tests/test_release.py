"""Tidy tables, the assessments export and the data release, through the CLI and the API."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from normwatch.cli import app
from normwatch.engine.assessment import assess_many
from normwatch.engine.rules import shipped_rules
from normwatch.interchange.release import closed_vocabularies, vocabulary_meanings
from normwatch.interchange.tabular import TABLES, plain_reason
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Attribution, Response

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "nw-release"
    result = runner.invoke(app, ["export", "--format", "release", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def assessments(kb: KnowledgeBase) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json") for a in assess_many(kb=kb, rules=shipped_rules()).assessments]


def test_every_table_has_its_columns_in_csv_and_parquet(release: Path) -> None:
    for name, spec in TABLES.items():
        with open(release / "csv" / f"{name}.csv", encoding="utf-8", newline="") as stream:
            header = next(csv.reader(stream))
        assert tuple(header) == spec.column_names, name
        frame = pl.read_parquet(release / "parquet" / f"{name}.parquet")
        assert tuple(frame.columns) == spec.column_names, name
        assert frame.height == len(read_csv(release / "csv" / f"{name}.csv")), name


def test_row_counts_match_the_knowledge_base(release: Path, kb: KnowledgeBase,
                                             assessments: list[dict[str, Any]]) -> None:
    incidents = kb.incidents
    expected = {
        "incidents": len(incidents),
        "operations": sum(len(i.operation) for i in incidents),
        "targets": sum(len(i.targets) for i in incidents),
        "actors": sum(len(i.actors) for i in incidents),
        "attributions": sum(len(i.attributions) for i in incidents),
        "attribution_claimants": sum(len(a.by) for i in incidents for a in i.attributions),
        "attribution_sources": sum(len(a.sources) for i in incidents for a in i.attributions),
        "responses": sum(len(i.responses) for i in incidents),
        "response_sources": sum(len(r.sources) for i in incidents for r in i.responses),
        "sources": sum(len(i.sources) for i in incidents),
        "related": sum(len(i.related) for i in incidents),
        "aliases": sum(len(i.aliases) for i in incidents),
        "assessments": sum(len(a["norms"]) for a in assessments),
        "incident_assessments": len(assessments),
        "responsible": sum(len(a["responsible"]) for a in assessments),
        "commitments_breached": sum(len(a["commitments_breached"]) for a in assessments),
    }
    assert expected["attributions"] > 0 and expected["assessments"] > 0
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    for name, rows in expected.items():
        assert len(read_csv(release / "csv" / f"{name}.csv")) == rows, name
        assert counts[name] == rows, name


def test_the_tables_give_back_each_claim_with_its_own_sources(release: Path, kb: KnowledgeBase) -> None:
    """Joining attributions with their claimants and sources (and responses with theirs)
    rebuilds exactly the records of the knowledge base."""
    attributions = pl.read_parquet(release / "parquet" / "attributions.parquet")
    claimants = read_csv(release / "csv" / "attribution_claimants.csv")
    sources = read_csv(release / "csv" / "attribution_sources.csv")
    rebuilt: dict[str, list[Attribution]] = {}
    for row in attributions.iter_rows(named=True):
        key = (row["incident"], str(row["attribution"]))
        rebuilt.setdefault(row["incident"], []).append(Attribution(
            to=row["to"], kind=row["kind"], confidence=row["confidence"], date=row["date"],
            by=[c["by"] for c in claimants if (c["incident"], c["attribution"]) == key],
            sources=[s["url"] for s in sources if (s["incident"], s["attribution"]) == key]))
    responses = read_csv(release / "csv" / "responses.csv")
    response_sources = read_csv(release / "csv" / "response_sources.csv")
    answers: dict[str, list[Response]] = {}
    for row in responses:
        key = (row["incident"], row["response"])
        answers.setdefault(row["incident"], []).append(Response(
            by=row["by"], kind=row["kind"], date=row["date"] or None,
            sources=[s["url"] for s in response_sources if (s["incident"], s["response"]) == key]))
    for incident in kb.incidents:
        assert rebuilt.get(incident.id, []) == incident.attributions, incident.id
        assert answers.get(incident.id, []) == incident.responses, incident.id


def test_assessment_rows_carry_verdicts_and_plain_reasons(release: Path, assessments: list[dict[str, Any]]) -> None:
    rows = {(r["incident"], r["norm"]): r for r in read_csv(release / "csv" / "assessments.csv")}
    for item in assessments:
        for norm in item["norms"]:
            row = rows[(item["incident"], norm["id"])]
            assert row["verdict"] == norm["verdict"]
            assert row["framework"] == norm["id"].split(":")[0]
            top = item["responsible"][0] if item["responsible"] else {"state": "", "confidence": ""}
            assert (row["responsible"], row["confidence"]) == (top["state"], top["confidence"])
            assert "[rule:" not in row["reasons"]
    assert any("[rule:" in r for item in assessments for n in item["norms"] for r in n["reasons"])


def test_plain_reason_drops_nested_rule_expressions() -> None:
    text = 'a target was hit [rule: x in ["a", "b"] && y] (Tallinn Manual 2.0, rule 4)'
    assert plain_reason(text) == "a target was hit (Tallinn Manual 2.0, rule 4)"
    assert plain_reason("no rule here") == "no rule here"


def test_checksums_verify_and_cover_every_file(release: Path) -> None:
    lines = (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        listed[name] = digest
    files = {str(p.relative_to(release)) for p in release.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest, name


def test_manifest_names_the_versions(release: Path, kb: KnowledgeBase) -> None:
    import datetime as dt

    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kb_version"] == kb.version
    assert manifest["rules_version"] == shipped_rules().version
    assert manifest["incidents"] == len(kb.incidents)
    assert dt.datetime.fromisoformat(manifest["exported"]).tzinfo is not None
    assert {t["name"] for t in manifest["tables"]} == set(TABLES)


def test_codebook_lists_every_vocabulary_value_field_and_rule(release: Path, kb: KnowledgeBase) -> None:
    book = json.loads((release / "codebook.json").read_text(encoding="utf-8"))
    markdown = (release / "codebook.md").read_text(encoding="utf-8")
    for name, values in closed_vocabularies().items():
        assert list(book["vocabularies"][name]) == list(values), name
        for value in values:
            assert book["vocabularies"][name][value].strip(), (name, value)
            assert f"| `{value}` |" in markdown, (name, value)
    assert set(book["vocabularies"]["norm"]) == set(kb.norms)
    for spec in TABLES.values():
        assert f"### `{spec.name}`" in markdown
        for column in spec.columns:
            assert column.vocabulary is None or column.vocabulary in book["vocabularies"], column
    rules = shipped_rules()
    assert [r["norm"] for r in book["rules"]["norms"]] == list(rules.norms)
    for rule in rules.norms.values():
        assert f"#### `{rule.norm}`" in markdown
        for clause in rule.engaged:
            assert " ".join(clause.when.split()) in markdown
    assert {f["fact"] for f in book["facts"]} >= set(rules.known_facts())


def test_codebook_data_names_every_value_and_no_other() -> None:
    meanings = vocabulary_meanings()
    vocab = closed_vocabularies()
    assert set(meanings) == set(vocab)
    for name, values in vocab.items():
        assert set(meanings[name]) == set(values), name


def test_release_carries_the_repository_citation(release: Path) -> None:
    assert (release / "CITATION.cff").read_bytes() == (ROOT / "CITATION.cff").read_bytes()


def test_a_non_empty_or_file_target_is_refused(tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["export", "--format", "release", "--out", str(full)])
    assert result.exit_code == 2
    assert "not empty" in result.stderr and str(full) in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["export", "--format", "release", "--out", str(afile)])
    assert result.exit_code == 2 and afile.read_text(encoding="utf-8") == "x"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["export", "--format", "release", "--out", str(empty)])
    assert result.exit_code == 0, result.output
    assert (empty / "SHA256SUMS").is_file()


def test_release_files_follow_the_users_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        out = tmp_path / "rel"
        result = runner.invoke(app, ["export", "--format", "release", "--out", str(out)])
        assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "csv").stat().st_mode) == 0o750
    for path in (out / "SHA256SUMS", out / "CITATION.cff", out / "csv" / "targets.csv",
                 out / "parquet" / "targets.parquet"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    from normwatch.service.app import create_app

    with TestClient(create_app()) as found:
        yield found


def test_assessments_export_is_the_api_csv(tmp_path: Path, client: TestClient) -> None:
    out = tmp_path / "a.csv"
    result = runner.invoke(app, ["export", "--format", "assessments-csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = read_csv(out)
    served = client.get("/api/assessments", params={"format": "csv"})
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/csv")
    api_rows = list(csv.DictReader(io.StringIO(served.text)))
    key = [*TABLES["assessments"].column_names]
    assert sorted(tuple(r[k] for k in key) for r in api_rows) == sorted(tuple(r[k] for k in key) for r in exported)
    parquet = tmp_path / "a.parquet"
    result = runner.invoke(app, ["export", "--format", "assessments-parquet", "--out", str(parquet)])
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(parquet)
    assert frame.height == len(exported) and tuple(frame.columns) == TABLES["assessments"].column_names


def test_one_table_from_the_cli_and_the_api(client: TestClient, kb: KnowledgeBase) -> None:
    result = runner.invoke(app, ["export", "--format", "csv", "--table", "targets"])
    assert result.exit_code == 0, result.output
    cli_rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(cli_rows) == sum(len(i.targets) for i in kb.incidents)
    served = client.get("/api/tables/targets.csv")
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/csv")
    assert list(csv.DictReader(io.StringIO(served.text))) == cli_rows
    attributions = client.get("/api/tables/attributions.csv")
    assert len(list(csv.DictReader(io.StringIO(attributions.text)))) == sum(
        len(i.attributions) for i in kb.incidents)
    law = client.get("/api/tables/law.csv")
    assert law.status_code == 200 and law.text.startswith("incident,question,answer,reasons")
    index = client.get("/api/tables").json()
    assert [t["name"] for t in index["tables"]] == list(TABLES)
    assert all(t["csv"].endswith(f"/api/tables/{t['name']}.csv") for t in index["tables"])
    missing = client.get("/api/tables/nope.csv")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]


@pytest.mark.parametrize("args", [
    ["export", "--format", "csv", "--table", "nope"],
    ["export", "--format", "json", "--table", "targets"],
    ["export", "--format", "release"],
])
def test_bad_table_exports_are_one_line(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error:")


def test_tidy_csv_cells_are_neutralised(tmp_path: Path) -> None:
    from normwatch.interchange import incidents_io
    from normwatch.knowledge.models import Incident

    formula = '=HYPERLINK("http://x","y")'
    incident = Incident.model_validate({
        "id": "formula-2020", "name": formula, "start": "2020", "operation": ["espionage"],
        "targets": [{"country": "FRA", "sector": "government", "entity": "@SUM(1+1)"}],
        "sources": ["https://example.org/x"],
    })
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "formula-2020.yaml").write_text(incidents_io.dump_yaml(incident), encoding="utf-8")
    for table, column, value in (("targets", "entity", "@SUM(1+1)"), ("incidents", "name", formula)):
        result = runner.invoke(app, ["export", "--format", "csv", "--table", table, "--kb", str(kb)])
        assert result.exit_code == 0, result.output
        row = next(csv.DictReader(io.StringIO(result.stdout)))
        assert row[column] == "'" + value
