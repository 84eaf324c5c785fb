"""Interchange: round trips of the whole catalogue, STIX validity, all-or-nothing imports, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from normwatch.cli import app
from normwatch.errors import InputError
from normwatch.interchange import import_incidents, incidents_io, stix, tabular
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Incident

runner = CliRunner()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def catalogue(kb: KnowledgeBase) -> list[Incident]:
    if not kb.incidents:
        pytest.skip("the catalogue holds no incidents")
    return sorted(kb.incidents, key=lambda i: i.id)


@pytest.fixture(scope="module")
def bundle_text(kb: KnowledgeBase, catalogue: list[Incident]) -> str:
    bundle = stix.export_bundle(catalogue, kb.groups, kb.bodies, kb.states)
    return stix.dump_bundle(bundle)


def by_id(items: list[Incident]) -> dict[str, Incident]:
    return {i.id: i for i in items}


# --- round trips -------------------------------------------------------------------------------


def test_yaml_round_trip(tmp_path: Path, catalogue: list[Incident]) -> None:
    for incident in catalogue:
        path = tmp_path / f"{incident.id}.yaml"
        path.write_text(incidents_io.dump_yaml(incident), encoding="utf-8")
        back, problems = incidents_io.read_incident_file(path)
        assert not problems
        assert back == [incident]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_round_trip(tmp_path: Path, catalogue: list[Incident], suffix: str) -> None:
    path = tmp_path / f"all{suffix}"
    dump = incidents_io.dump_json if suffix == ".json" else incidents_io.dump_jsonl
    path.write_text(dump(catalogue), encoding="utf-8")
    back, problems = incidents_io.read_incident_file(path)
    assert not problems
    assert back == catalogue


def test_stix_round_trip_is_lossless(bundle_text: str, catalogue: list[Incident], kb: KnowledgeBase) -> None:
    result, problems = stix.import_stix_text(bundle_text, "bundle.json")
    assert not problems
    assert by_id(result.incidents) == by_id(catalogue)
    groups = {g.id: g for g in kb.groups}
    assert {g.id: g for g in result.groups} == groups


def test_stix_export_is_stable(kb: KnowledgeBase, catalogue: list[Incident], bundle_text: str) -> None:
    again = stix.dump_bundle(stix.export_bundle(catalogue, kb.groups, kb.bodies, kb.states))
    assert again == bundle_text


def test_stix_export_validates_without_errors(bundle_text: str) -> None:
    from stix2validator import ValidationOptions, validate_string

    results = validate_string(bundle_text, ValidationOptions())
    results = results if isinstance(results, list) else [results]
    errors = [str(e) for r in results for e in r.errors]
    assert errors == []
    assert all(r.is_valid for r in results)


def test_csv_round_trip(catalogue: list[Incident]) -> None:
    back, problems = tabular.read_csv_text(tabular.dump_csv(catalogue), "all.csv")
    assert not problems
    assert back == catalogue


def test_csv_escapes_separators() -> None:
    tricky = Incident.model_validate({
        "id": "tricky-2020", "name": "A; B | C, D \\ E", "start": "2020",
        "operation": ["espionage"],
        "targets": [{"country": "FRA", "sector": "government", "entity": "Ministry; of | things, \\ too"}],
        "attributions": [{"to": "RUS", "by": ["A, B", "C|D"], "kind": "industry", "confidence": "low"}],
        "effects": {"economic_loss_usd": 1.5, "injuries": 0, "data_stolen": False},
        "sources": ["https://example.org/a;b"],
    })
    back, problems = tabular.read_csv_text(tabular.dump_csv([tricky]), "t.csv")
    assert not problems
    assert back == [tricky]


def test_parquet_round_trip(tmp_path: Path, catalogue: list[Incident]) -> None:
    path = tmp_path / "all.parquet"
    tabular.write_parquet(catalogue, path)
    back, problems = tabular.read_parquet(path)
    assert not problems
    assert back == catalogue


def test_template_is_valid() -> None:
    back, problems = tabular.read_csv(tabular.template_path())
    assert not problems
    assert len(back) >= 1


# --- STIX import of foreign bundles ------------------------------------------------------------

U = "00000000-0000-4000-8000-{:012d}"


def foreign_bundle() -> dict[str, object]:
    def oid(kind: str, n: int) -> str:
        return f"{kind}--{U.format(n)}"

    base = {"spec_version": "2.1", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z"}
    objects: list[dict[str, object]] = [
        {**base, "type": "identity", "id": oid("identity", 1), "name": "Acme CERT",
         "identity_class": "organization", "sectors": ["government-national"]},
        {**base, "type": "campaign", "id": oid("campaign", 2), "name": "Operation Test",
         "first_seen": "2019-03-01T00:00:00Z", "objective": "espionage against ministries",
         "created_by_ref": oid("identity", 1),
         "external_references": [{"source_name": "r", "url": "https://example.org/report"}]},
        {**base, "type": "identity", "id": oid("identity", 3), "name": "Ministry X",
         "identity_class": "organization", "sectors": ["government-national", "underwater-basket"]},
        {**base, "type": "location", "id": oid("location", 4), "country": "FR"},
        {**base, "type": "location", "id": oid("location", 5), "country": "RU"},
        {**base, "type": "intrusion-set", "id": oid("intrusion-set", 6), "name": "Test Bear",
         "aliases": ["Test Bear", "TB"],
         "external_references": [{"source_name": "mitre-attack", "external_id": "G9999",
                                  "url": "https://example.org/g9999"}]},
        {**base, "type": "attack-pattern", "id": oid("attack-pattern", 7), "name": "Phishing"},
        {**base, "type": "relationship", "id": oid("relationship", 8), "relationship_type": "targets",
         "source_ref": oid("campaign", 2), "target_ref": oid("identity", 3)},
        {**base, "type": "relationship", "id": oid("relationship", 9), "relationship_type": "located-at",
         "source_ref": oid("identity", 3), "target_ref": oid("location", 4)},
        {**base, "type": "relationship", "id": oid("relationship", 10), "relationship_type": "originates-from",
         "source_ref": oid("campaign", 2), "target_ref": oid("location", 5), "confidence": 80},
        {**base, "type": "relationship", "id": oid("relationship", 11), "relationship_type": "attributed-to",
         "source_ref": oid("campaign", 2), "target_ref": oid("intrusion-set", 6)},
        {**base, "type": "relationship", "id": oid("relationship", 12), "relationship_type": "uses",
         "source_ref": oid("campaign", 2), "target_ref": oid("attack-pattern", 7)},
    ]
    return {"type": "bundle", "id": oid("bundle", 99), "objects": objects}


def test_foreign_bundle_maps_with_report() -> None:
    result, problems = stix.import_stix_text(json.dumps(foreign_bundle()), "foreign.json")
    assert not problems
    [incident] = result.incidents
    assert incident.start == "2019-03-01"
    assert incident.operation == ["espionage"]
    assert [(t.country, t.sector, t.entity) for t in incident.targets] == [("FRA", "government", "Ministry X")]
    assert [(a.to, a.by, a.kind, a.confidence) for a in incident.attributions] == [
        ("RUS", ["Acme CERT"], "government", "high")
    ]
    assert incident.actors[0].name == "Test Bear"
    assert incident.sources == ["https://example.org/report"]
    [group] = result.groups
    assert group.name == "Test Bear" and group.aliases == ["TB"] and group.attack_id == "G9999"
    report = result.report.as_dict()
    assert report["skipped"]["attack-pattern: no place in an incident or group record"] == 1
    assert report["unmapped"]["relationship_type"] == {"uses": 1}
    assert report["unmapped"]["identity.sectors"] == {"underwater-basket": 1}


def test_dangling_reference_is_a_problem() -> None:
    bundle = foreign_bundle()
    objects = bundle["objects"]
    assert isinstance(objects, list)
    objects[-1]["target_ref"] = "attack-pattern--" + U.format(12345)
    _, problems = stix.import_stix_text(json.dumps(bundle), "b.json")
    assert len(problems) == 1
    assert problems[0].field == "target_ref" and "dangling" in problems[0].message


# --- all or nothing ----------------------------------------------------------------------------


def test_import_writes_all_or_nothing(tmp_path: Path, catalogue: list[Incident]) -> None:
    src = tmp_path / "in.json"
    src.write_text(incidents_io.dump_json(catalogue[:5]), encoding="utf-8")
    into = tmp_path / "store"
    result = import_incidents([src], into=into, known=[i.id for i in catalogue])
    assert len(result.written) == 5
    before = snapshot(into)
    # The same ids again: refused, nothing changes.
    with pytest.raises(InputError) as info:
        import_incidents([src], into=into, known=[i.id for i in catalogue])
    assert "already in the target" in str(info.value)
    assert snapshot(into) == before
    # A batch with one bad record writes nothing, not even the good ones.
    bad = [incidents_io.incident_to_dict(i) for i in catalogue[5:8]]
    bad[-1]["targets"][0]["sector"] = "not-a-sector"
    src2 = tmp_path / "in2.json"
    src2.write_text(json.dumps({"incidents": bad}), encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_incidents([src2], into=into, known=[i.id for i in catalogue])
    problem = info.value.problems[0]
    assert problem.file == str(src2) and problem.record == bad[-1]["id"] and problem.field == "targets.0.sector"
    assert snapshot(into) == before


def test_duplicate_ids_within_an_import(tmp_path: Path, catalogue: list[Incident]) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(incidents_io.dump_yaml(catalogue[0]), encoding="utf-8")
    b.write_text(incidents_io.dump_yaml(catalogue[0]), encoding="utf-8")
    with pytest.raises(InputError, match="duplicate incident id"):
        import_incidents([a, b], into=tmp_path / "store", known=[])
    assert not (tmp_path / "store").exists()


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_incidents_filters(catalogue: list[Incident]) -> None:
    first = catalogue[0]
    year = int(first.start[:4])
    result = runner.invoke(app, ["incidents", "--year", str(year), "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert first.id in {r["id"] for r in rows}
    assert all(r["start"].startswith(str(year)) for r in rows)
    victim = first.targets[0].country
    rows = json.loads(runner.invoke(app, ["incidents", "--victim", victim.lower(), "--json"]).stdout)
    assert rows and all(any(t["country"] == victim for t in r["targets"]) for r in rows)
    attributed = next((i for i in catalogue if i.attributions), None)
    if attributed:
        to = attributed.attributions[0].to
        rows = json.loads(runner.invoke(app, ["incidents", "--responsible", to, "--json"]).stdout)
        assert attributed.id in {r["id"] for r in rows}
    rows = json.loads(runner.invoke(app, ["incidents", "--operation", "espionage", "--sector",
                                          "government", "--json"]).stdout)
    assert all("espionage" in r["operation"] for r in rows)


@pytest.mark.parametrize("args", [
    ["incidents", "--sector", "nope"], ["incidents", "--victim", "XXX"], ["incidents", "--operation", "x"],
    ["incident", "no-such-incident"], ["export", "--format", "xml"], ["export", "--format", "parquet"],
])
def test_cli_bad_arguments(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "error" in result.stderr


def test_cli_incident(catalogue: list[Incident]) -> None:
    result = runner.invoke(app, ["incident", catalogue[0].id, "--json"])
    assert result.exit_code == 0
    assert Incident.model_validate(json.loads(result.stdout)) == catalogue[0]
    assert runner.invoke(app, ["incident", catalogue[0].id]).exit_code == 0


@pytest.mark.parametrize("fmt,name", [("stix", "b.json"), ("csv", "c.csv"), ("json", "d.json"),
                                      ("jsonl", "e.jsonl"), ("parquet", "f.parquet")])
def test_cli_export_then_import(tmp_path: Path, catalogue: list[Incident], fmt: str, name: str) -> None:
    out = tmp_path / name
    result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    into = tmp_path / "store"
    result = runner.invoke(app, ["import", str(out), "--into", str(into), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["incidents"] == len(catalogue)
    back, problems = incidents_io.read_incident_file(into / f"{catalogue[0].id}.yaml")
    assert not problems and back == [catalogue[0]]


def test_cli_import_bad_file_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x-2020\nname: X\nstart: '2020'\noperation: [spying]\ntargets: []\n", encoding="utf-8")
    into = tmp_path / "store"
    into.mkdir()
    (into / "keep.yaml").write_text("incidents: []\n", encoding="utf-8")
    before = snapshot(into)
    result = runner.invoke(app, ["import", str(bad), "--into", str(into)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr and "x-2020" in result.stderr and "operation" in result.stderr
    assert result.stderr.count("\n") == 1
    assert snapshot(into) == before


def test_exports_and_imports_follow_the_users_umask(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o027)
    try:
        out = tmp_path / "all.json"
        result = CliRunner().invoke(app, ["export", "--format", "json", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        into = tmp_path / "kb" / "incidents"
        result = CliRunner().invoke(app, ["import", str(out), "--into", str(into)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(into.stat().st_mode) == 0o750
        assert stat.S_IMODE(next(into.glob("*.yaml")).stat().st_mode) == 0o640
    finally:
        os.umask(old)
