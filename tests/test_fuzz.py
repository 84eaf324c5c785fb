"""Hostile input for every importer: a problem naming file/record/field, exit 2, nothing written."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from normwatch.cli import app
from normwatch.errors import InputError
from normwatch.interchange import FORMATS, import_incidents, incidents_io, stix
from normwatch.knowledge.models import Incident

runner = CliRunner()
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

SAMPLE = Incident.model_validate({
    "id": "sample-2020", "name": "Sample", "start": "2020-01-02", "operation": ["espionage"],
    "targets": [{"country": "FRA", "sector": "government", "entity": "Ministry"}],
    "attributions": [{"to": "RUS", "by": ["FRA"], "kind": "government", "confidence": "high"}],
    "effects": {"data_stolen": True}, "sources": ["https://example.org/x"],
})
BUNDLE = stix.dump_bundle(stix.export_bundle([SAMPLE]))
JSON_DOC = incidents_io.dump_json([SAMPLE])
EUREPOC_HEADER = ",".join(__import__("normwatch.interchange.external", fromlist=["x"]).EUREPOC_COLUMNS)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def store(tmp_path: Path) -> Path:
    into = tmp_path / "store"
    into.mkdir(exist_ok=True)
    (into / "existing.yaml").write_text(incidents_io.dump_yaml(SAMPLE), encoding="utf-8")
    return into


def attempt(path: Path, into: Path, fmt: str = "auto") -> None:
    """Import must either succeed or raise InputError with named problems; never anything else."""
    before = snapshot(into)
    try:
        import_incidents([path], into=into, fmt=fmt, known=[])
    except InputError as exc:
        assert exc.problems
        assert all(p.file for p in exc.problems)
        assert snapshot(into) == before
        return
    # A successful import only ever adds files.
    after = snapshot(into)
    assert all(after[name] == data for name, data in before.items())
    for name in set(after) - set(before):
        (into / name).unlink()


def cli_attempt(path: Path, into: Path, fmt: str = "auto") -> None:
    before = snapshot(into)
    result = runner.invoke(app, ["import", str(path), "--into", str(into), "--format", fmt])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stderr.count("\n") == 1
        assert snapshot(into) == before


@FAST
@given(cut=st.integers(min_value=0, max_value=len(BUNDLE) - 2))
def test_truncated_stix(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "t.json"
    path.write_text(BUNDLE[:cut], encoding="utf-8")
    into = store(tmp_path)
    with pytest.raises(InputError):
        import_incidents([path], into=into, fmt="stix", known=[])
    cli_attempt(path, into, "stix")


@FAST
@given(cut=st.integers(min_value=0, max_value=len(JSON_DOC) - 3))
def test_truncated_json(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "t.json"
    path.write_text(JSON_DOC[:cut], encoding="utf-8")
    into = store(tmp_path)
    with pytest.raises(InputError):
        import_incidents([path], into=into, fmt="json", known=[])


@FAST
@given(key=st.sampled_from(sorted(Incident.model_fields)), value=json_values)
def test_wrong_types_in_incident_records(tmp_path: Path, key: str, value: object) -> None:
    data = incidents_io.incident_to_dict(SAMPLE)
    data[key] = value
    data["id"] = data["id"] if key != "id" else value
    for suffix, text in ((".json", json.dumps({"incidents": [data]})), (".jsonl", json.dumps(data) + "\n")):
        path = tmp_path / f"w{suffix}"
        path.write_text(text, encoding="utf-8")
        attempt(path, store(tmp_path))


@FAST
@given(kind=st.text(min_size=1, max_size=30), extra=st.dictionaries(st.sampled_from(
    ["name", "first_seen", "aliases", "external_references", "extensions", "object_refs", "sectors",
     "objective", "threat_actor_types", "country"]), json_values, max_size=4))
def test_unknown_and_malformed_stix_objects(tmp_path: Path, kind: str, extra: dict[str, object]) -> None:
    bundle = json.loads(BUNDLE)
    obj = {"type": kind, "spec_version": "2.1", "id": f"{kind}--00000000-0000-4000-8000-000000000001", **extra}
    bundle["objects"].append(obj)
    for target in ("campaign", "intrusion-set"):
        mutated = {**obj, "type": target, "id": f"{target}--00000000-0000-4000-8000-000000000002"}
        bundle["objects"].append(mutated)
    path = tmp_path / "u.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    attempt(path, store(tmp_path), "stix")
    cli_attempt(path, store(tmp_path), "stix")


@FAST
@given(which=st.sampled_from(["source_ref", "target_ref"]), hexid=st.text("0123456789abcdef", min_size=12, max_size=12))
def test_dangling_references(tmp_path: Path, which: str, hexid: str) -> None:
    bundle = json.loads(BUNDLE)
    rel = next(o for o in bundle["objects"] if o["type"] == "relationship")
    rel[which] = f"location--00000000-0000-4000-8000-{hexid}"
    path = tmp_path / "d.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(InputError, match="dangling"):
        import_incidents([path], into=store(tmp_path), fmt="stix", known=[])


@settings(max_examples=9, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.sampled_from([121, 10_000, 2_000_000]), field=st.sampled_from(["name", "id", "summary"]))
def test_huge_strings(tmp_path: Path, size: int, field: str) -> None:
    data = incidents_io.incident_to_dict(SAMPLE)
    data[field] = "x" * size
    path = tmp_path / "h.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    into = store(tmp_path)
    attempt(path, into)
    cli_attempt(path, into)


@FAST
@given(encoding=st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252"]),
       fmt=st.sampled_from(["yaml", "json", "stix", "csv", "eurepoc", "cfr", "dcid"]))
def test_wrong_encodings(tmp_path: Path, encoding: str, fmt: str) -> None:
    text = {"stix": BUNDLE, "csv": "id,name\nx-2020,Café ü\n",
            "eurepoc": EUREPOC_HEADER + "\n" + "é," * 25 + "\n"}.get(fmt, JSON_DOC.replace("Sample", "Sämple"))
    path = tmp_path / "e.dat"
    path.write_bytes(text.encode(encoding, errors="replace"))
    into = store(tmp_path)
    with pytest.raises(InputError):
        import_incidents([path], into=into, fmt=fmt, known=[])
    cli_attempt(path, into, fmt)


@FAST
@given(data=st.binary(max_size=400), fmt=st.sampled_from([f for f in FORMATS if f != "auto"]))
def test_random_bytes(tmp_path: Path, data: bytes, fmt: str) -> None:
    path = tmp_path / "r.bin"
    path.write_bytes(data)
    into = store(tmp_path)
    attempt(path, into, fmt)
    cli_attempt(path, into, fmt)


@FAST
@given(cells=st.lists(st.lists(st.text(string.printable, max_size=12), min_size=26, max_size=26), max_size=4),
       fmt=st.sampled_from(["eurepoc", "cfr", "dcid", "csv"]))
def test_random_csv_cells(tmp_path: Path, cells: list[list[str]], fmt: str) -> None:
    from normwatch.interchange import external, tabular

    header = {"eurepoc": list(external.EUREPOC_COLUMNS), "cfr": list(external.CFR_COLUMNS),
              "dcid": list(external.DCID_COLUMNS), "csv": list(tabular.COLUMNS)}[fmt]
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in cells:
        writer.writerow((row * 2)[: len(header)])
    path = tmp_path / "c.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    attempt(path, store(tmp_path), fmt)


def test_deeply_nested_json(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    path.write_text('{"type": "bundle", "objects": [' + "[" * 100_000 + "]" * 100_000 + "]}", encoding="utf-8")
    into = store(tmp_path)
    with pytest.raises(InputError):
        import_incidents([path], into=into, fmt="stix", known=[])
    path.write_text('{"incidents": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    attempt(path, into, "json")
    cli_attempt(path, into, "json")
