"""Red-team findings on reading and writing files: hostile YAML, spreadsheet formulas in
CSV exports, and an ``import --into`` killed half-way."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from normwatch.analysis.catalog import Catalog
from normwatch.cli import app
from normwatch.engine.rules import shipped_rules
from normwatch.interchange import incidents_io, tabular
from normwatch.knowledge.load import LEFTOVER, folder_locks, load
from normwatch.knowledge.models import Incident
from normwatch.service.app import create_app

runner = CliRunner()

INCIDENT = (
    'id: plain-2020\nname: Plain\nstart: "2020"\noperation: [espionage]\n'
    "targets: [{country: FRA, sector: government}]\nsources: ['https://example.org/x']\n"
)
# 387 bytes: six levels of nine aliases over a list of nine, used four times, which is
# 4 x 9^7 (19 million) values for whoever walks it. Before the fix `normwatch check` on it
# took 6.6 s and 319 MB here (the red team's file, 19 s and 565 MB).
BILLION_LAUGHS = (
    "# laughs\n"
    "x: &a [l,l,l,l,l,l,l,l,l]\n"
    "xb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "xc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "xd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "xe: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "xf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "xg: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    'id: bomb-2020\nname: Bomb\nstart: "2020"\noperation: [*g, *g, *g, *g]\n'
    "targets: [{country: FRA, sector: government}]\nsources: [x]\n"
    + "#" * 9 + "\n"
)
COMPLEX_KEY_INCIDENT = INCIDENT + "? [a, b]\n: 1\n"
COMPLEX_KEY_DRAFT = (
    "norm: draft:x\nengaged:\n  - when: sector_health\n    reason: r\nnot_engaged: n\n{a: 1}: b\n"
)
HUGE_INTEGER_INCIDENT = INCIDENT + "effects: {injuries: " + "9" * 5000 + "}\n"


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip() and "problem(s) found" not in line]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- YAML -------------------------------------------------------------------------------------


def test_the_billion_laughs_file_is_refused_by_check_at_once(tmp_path: Path) -> None:
    assert len(BILLION_LAUGHS.encode()) == 387
    path = _write(tmp_path, "laughs.yaml", BILLION_LAUGHS)
    runner.invoke(app, ["check", str(_write(tmp_path, "warm.yaml", INCIDENT))])  # load the shipped kb once
    started = time.perf_counter()
    result = runner.invoke(app, ["check", str(path)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 2, result.output
    assert _error_lines(result.output) == [f"{path}: line 2, column 4: YAML anchors and aliases are not accepted"]
    assert elapsed < 0.8, f"check took {elapsed:.2f} s"


def test_a_lone_anchor_is_refused_too(tmp_path: Path) -> None:
    path = _write(tmp_path, "anchor.yaml", INCIDENT.replace("name: Plain", "name: &n Plain"))
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert _error_lines(result.output) == [f"{path}: line 2, column 7: YAML anchors and aliases are not accepted"]


def test_a_complex_key_is_one_line_in_check(tmp_path: Path) -> None:
    path = _write(tmp_path, "complex.yaml", COMPLEX_KEY_INCIDENT)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert _error_lines(result.output) == [
        f"{path}: line 7, column 3: a key must be plain text or a number, not a mapping or a list"]


def test_a_complex_key_is_one_line_in_import(tmp_path: Path) -> None:
    path = _write(tmp_path, "complex.yaml", "incidents:\n- " + COMPLEX_KEY_INCIDENT.replace("\n", "\n  "))
    into = tmp_path / "into"
    for args in (["import", str(path)], ["import", str(path), "--into", str(into)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert _error_lines(result.output) == [
            f"error: {path}: line 8, column 5: a key must be plain text or a number, not a mapping or a list"]
    assert not into.exists()


def test_a_complex_key_is_one_line_in_whatif(tmp_path: Path) -> None:
    path = _write(tmp_path, "draft.yaml", COMPLEX_KEY_DRAFT)
    result = runner.invoke(app, ["whatif", str(path)])
    assert result.exit_code == 2, result.output
    assert _error_lines(result.output) == [
        f"error: {path}: line 6, column 1: a key must be plain text or a number, not a mapping or a list"]


def test_a_complex_key_is_400_in_the_web_whatif_form_and_422_in_the_api() -> None:
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        page = client.post("/whatif", data={"draft": COMPLEX_KEY_DRAFT, "against": "", "instrument": "paris-call"})
        assert page.status_code == 400
        assert "a key must be plain text or a number" in page.text and "Traceback" not in page.text
        api = client.post("/api/whatif", json={"rule": COMPLEX_KEY_DRAFT})
        assert api.status_code == 422
        assert api.json()["error"] == "rule: line 6, column 1: a key must be plain text or a number, not a mapping or a list"
        laughs = client.post("/api/whatif", json={"rule": BILLION_LAUGHS})
        assert laughs.status_code == 422
        assert laughs.json()["error"] == "rule: line 2, column 4: YAML anchors and aliases are not accepted"


def test_a_5000_digit_integer_is_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "huge.yaml", HUGE_INTEGER_INCIDENT)
    expected = f"{path}: line 7, column 21: an integer of 5000 digits is too long"
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert _error_lines(result.output) == [expected]
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 2, result.output
    assert _error_lines(result.output) == ["error: " + expected]
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        page = client.post("/whatif", data={"draft": "norm: " + "9" * 5000, "against": "", "instrument": "paris-call"})
        assert page.status_code == 400 and "an integer of 5000 digits is too long" in page.text
        api = client.post("/api/whatif", json={"rule": "norm: " + "9" * 5000})
        assert api.status_code == 422
        assert api.json()["error"] == "rule: line 1, column 7: an integer of 5000 digits is too long"


def test_duplicate_keys_are_still_refused_with_their_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "dup.yaml", INCIDENT + "name: Again\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert _error_lines(result.output) == [f"{path}: malformed YAML/JSON: line 7, column 1: duplicate key 'name'"]


# --- CSV --------------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'


def _formula_incident() -> Incident:
    return Incident.model_validate({
        "id": "formula-2020", "name": FORMULA, "start": "2020", "operation": ["espionage"],
        "targets": [{"country": "FRA", "sector": "government", "entity": "@SUM(1+1)"}],
        "sources": ["https://example.org/x"],
    })


def test_a_formula_name_is_neutralised_in_the_api_csv(tmp_path: Path) -> None:
    path = _write(tmp_path, "formula.yaml", incidents_io.dump_yaml(_formula_incident()))
    catalog = Catalog(load(extra=[path]), shipped_rules())
    with TestClient(create_app(catalog)) as client:
        text = client.get("/api/incidents", params={"format": "csv"}).text
    quoted = FORMULA.replace('"', '""')
    assert f'formula-2020,"\'{quoted}",' in text
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["id"] == "formula-2020")
    assert row["name"] == "'" + FORMULA


def test_a_formula_name_is_neutralised_in_the_cli_export_and_reads_back(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "formula-2020.yaml").write_text(incidents_io.dump_yaml(_formula_incident()), encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", "--format", "csv", "--kb", str(kb), "--out", str(out)])
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert row["name"] == "'" + FORMULA
    into = tmp_path / "back"
    result = runner.invoke(app, ["import", str(out), "--into", str(into)])
    assert result.exit_code == 0, result.output
    back, problems = incidents_io.read_incident_file(into / "formula-2020.yaml")
    assert not problems and back == [_formula_incident()]


@pytest.mark.parametrize("value,cell", [
    ("=1+1", "'=1+1"), ("+33 1 23", "'+33 1 23"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("'=1", "''=1"), ("-3.5", "-3.5"), (-3.5, "-3.5"), (-3, "-3"),
    ("-2e10", "-2e10"), ("- a list item", "'- a list item"), ("it's", "it's"), ("'", "'"), ("", ""),
    (None, ""), (True, "true"), (2.0, "2"), (["=a", "b"], "'=a; b"),
])
def test_csv_cell(value: object, cell: str) -> None:
    assert tabular.csv_cell(value) == cell
    if isinstance(value, str):
        assert tabular.csv_value(cell) == value


def test_csv_import_reads_back_every_neutralised_value(tmp_path: Path) -> None:
    names = ["=cmd", "'=cmd", "''+x", "-3.5", "'-3.5", "@x", "-x", "plain 'quoted'"]
    incidents = [Incident.model_validate({
        "id": f"n{n}-2020", "name": name, "start": "2020", "operation": ["espionage"],
        "targets": [{"country": "FRA", "sector": "government"}], "summary": name,
    }) for n, name in enumerate(names)]
    back, problems = tabular.read_csv_text(tabular.dump_csv(incidents), "n.csv")
    assert not problems and back == incidents


# --- import --into, killed half-way ---------------------------------------------------------


def _incident(ident: str) -> dict[str, object]:
    return {"id": ident, "name": f"Incident {ident}", "start": "2020-01-02", "operation": ["espionage"],
            "targets": [{"country": "FRA", "sector": "government"}]}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _import(source: Path, into: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "normwatch", "import", str(source), "--into", str(into)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _staging(root: Path) -> bool:
    try:
        return any(name.startswith(LEFTOVER) for name in os.listdir(root))
    except OSError:
        return False


def test_an_import_killed_at_random_points_leaves_all_old_or_all_new(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    chance = random.Random(seed)
    source = tmp_path / "new.jsonl"
    source.write_text("".join(json.dumps(_incident(f"new-{n:04d}-2020")) + "\n" for n in range(2000)),
                      encoding="utf-8")
    pristine = tmp_path / "pristine"
    pristine.mkdir()
    for n in range(100):
        incident = Incident.model_validate(_incident(f"old-{n:04d}-2020"))
        (pristine / f"{incident.id}.yaml").write_text(incidents_io.dump_yaml(incident), encoding="utf-8")
    old = _snapshot(pristine)
    roots = iter(range(1000))

    def fresh() -> Path:
        # A new folder each time: removing 2,000 files costs as much as writing them.
        target = tmp_path / f"root{next(roots)}" / "incidents"
        shutil.copytree(pristine, target)
        return target

    # One import run through, to know what "all new" is and when the folders are swapped.
    target = fresh()
    before = target.stat().st_ino
    run = _import(source, target)
    while run.poll() is None and not _staging(target.parent):
        time.sleep(0.002)
    staged = time.perf_counter()
    while run.poll() is None and target.stat().st_ino == before:
        time.sleep(0.002)
    swapped = time.perf_counter()
    assert run.wait(60) == 0, run.communicate()
    new = _snapshot(target)
    assert len(new) == 2100 and set(old) < set(new)
    window = max(swapped - staged, 0.02)

    kills: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        for attempt in range(15):
            with lock:
                if len(kills) >= 10 or failures:
                    return
                # Anywhere while the new folder is built, and every other kill around the swap.
                delay = window * chance.uniform(0.85 if attempt % 2 else 0, 1.1)
            target = fresh()
            process = _import(source, target)
            while process.poll() is None and not _staging(target.parent):
                time.sleep(0.002)
            time.sleep(delay)
            label = f"seed {seed}, worker {number}, try {attempt}, kill {delay:.3f} s after staging began"
            try:
                if process.poll() is not None:  # finished before the kill: not one of the ten
                    assert process.wait() == 0 and _snapshot(target) == new, label
                    continue
                process.send_signal(signal.SIGKILL)
                process.communicate()
                state = _snapshot(target)
                assert state in (old, new), f"{label}: {len(state)} files in the target"
                root = target.parent
                assert all(name == "incidents" or name.startswith(LEFTOVER) for name in os.listdir(root)), label
                kb = load(root)  # what `normwatch check --kb ROOT` reads
                assert len(kb.incidents) == len(state), label
                assert not any(LEFTOVER in where for where in kb.origin.values()), label
                assert os.listdir(root) == ["incidents"], f"{label}: leftovers not settled"
                rerun = _import(source, target)
                _, err = rerun.communicate(timeout=60)
                if state == old:
                    assert rerun.returncode == 0, f"{label}: {err}"
                else:  # the killed import had swapped the folders: a second one is a duplicate
                    assert rerun.returncode == 2 and "already in the target" in err, f"{label}: {err}"
                    assert len(err.strip().splitlines()) == 1, label
                assert _snapshot(target) == new, label
            except AssertionError as exc:
                with lock:
                    failures.append(str(exc))
                return
            with lock:
                kills.append(label + (" -> old" if state == old else " -> new"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert len(kills) >= 10, f"seed {seed}: only {len(kills)} kills landed during the import"


def test_leftovers_of_a_killed_import_are_settled_by_the_next_load_and_import(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    target = root / "incidents"
    target.mkdir(parents=True)
    (target / "plain-2020.yaml").write_text(INCIDENT, encoding="utf-8")
    # Killed between the two renames of a system without an atomic exchange: the target
    # is away as .normwatch-old-…, the complete new folder waits as .normwatch-import-….
    target.rename(root / ".normwatch-old-incidents-abcd1234")
    new = root / ".normwatch-import-incidents-x1y2z3w4"
    new.mkdir()
    (new / "plain-2020.yaml").write_text(INCIDENT, encoding="utf-8")
    (new / "other-2020.yaml").write_text(INCIDENT.replace("plain-2020", "other-2020"), encoding="utf-8")
    kb = load(root)
    assert [i.id for i in kb.incidents] == ["plain-2020"]
    assert os.listdir(root) == ["incidents"] and os.listdir(target) == ["plain-2020.yaml"]

    # A staging folder with a live import's lock is neither read nor removed.
    busy = root / ".normwatch-import-incidents-busy0000"
    busy.mkdir()
    (busy / "other-2020.yaml").write_text(INCIDENT.replace("plain-2020", "other-2020"), encoding="utf-8")
    with folder_locks([busy]) as mine:
        assert mine
        assert [i.id for i in load(root).incidents] == ["plain-2020"]
        assert busy.is_dir()
    source = _write(tmp_path, "other.yaml", INCIDENT.replace("plain-2020", "other-2020"))
    result = runner.invoke(app, ["import", str(source), "--into", str(target)])
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(root)) == ["incidents"]
    assert sorted(os.listdir(target)) == ["other-2020.yaml", "plain-2020.yaml"]


def test_a_5000_digit_integer_in_a_json_form_is_400() -> None:
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        page = client.post("/whatif", content=b'{"draft": ' + b"9" * 5000 + b"}",
                           headers={"content-type": "application/json"})
        assert page.status_code == 400


@pytest.mark.parametrize("text", [
    INCIDENT + "name: Twice\n",  # duplicate key
    COMPLEX_KEY_INCIDENT,
    HUGE_INTEGER_INCIDENT,
    INCIDENT.replace('"2020"', "2020-02-30"),  # not a date
    INCIDENT + "targets: [unclosed\n",  # malformed
    INCIDENT,  # good
])
def test_text_with_and_without_anchor_indicators_reads_alike(text: str) -> None:
    # Text without `&` or `*` goes through libyaml's composer, text with one through the
    # strict one: a comment holding `&` switches, and must change nothing else.
    from normwatch.knowledge.yamlread import parse_yaml

    plain = parse_yaml(text, "f.yaml")
    strict = parse_yaml(text.replace("\n", "  # AT&T *\n", 1), "f.yaml")
    assert plain == strict
