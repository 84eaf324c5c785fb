"""Importers of the EuRepoC, CFR and DCID datasets (read from ../shared/data/external/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from normwatch.cli import app
from normwatch.interchange import external, import_incidents

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
EUREPOC = EXTERNAL / "EuRepoC_Global_Database_1.1.csv"
CFR = EXTERNAL / "cfr_cyber_operations_tracker_2005-2022.csv"
DCID = EXTERNAL / "dcid_2.0_public_release.csv"

needs_data = pytest.mark.skipif(
    not EUREPOC.is_file(),
    reason=f"external datasets not found at {EXTERNAL} (they are not shipped: licences unconfirmed)",
)


@needs_data
def test_eurepoc_loads_rows_with_a_mapping_report() -> None:
    result, problems = external.import_eurepoc(EUREPOC)
    assert not problems
    report = result.report
    assert report.rows == 1643
    assert report.loaded == len(result.incidents) >= 1300
    assert report.loaded + sum(report.skipped.values()) == report.rows
    assert report.unmapped["incident_type"]["Hijacking with Misuse"] > 0
    assert "Europe (region)" in report.unmapped["receiver_country"]
    # The attribution dataset beside it is read: some state attributions with a claimant.
    attributed = [i for i in result.incidents if i.attributions]
    assert len(attributed) > 100
    assert any(a.kind == "government" for i in attributed for a in i.attributions)
    assert len({i.id for i in result.incidents}) == len(result.incidents)


@needs_data
def test_cfr_and_dcid_load() -> None:
    cfr, problems = external.import_cfr(CFR)
    assert not problems and cfr.report.rows == 768 and cfr.report.loaded > 300
    assert cfr.report.skipped["Type does not map (shifted or empty columns)"] > 0
    dcid, problems = external.import_dcid(DCID)
    assert not problems and dcid.report.rows == 429 and dcid.report.loaded > 400
    assert all(i.attributions[0].to != i.targets[0].country for i in dcid.incidents)


@needs_data
def test_cli_import_of_all_external_datasets(tmp_path: Path) -> None:
    into = tmp_path / "store"
    result = CliRunner().invoke(app, ["import", str(EUREPOC), str(EXTERNAL / "EuRepoC_Attribution_dataset_1.1.csv"),
                                      str(CFR), str(DCID), "--into", str(into), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["incidents"] == len(list(into.glob("*.yaml"))) > 2000
    assert summary["report"]["rows"] == 1643 + 768 + 429


@needs_data
def test_eurepoc_attribution_file_alone_is_refused(tmp_path: Path) -> None:
    from normwatch.errors import InputError

    with pytest.raises(InputError, match="attribution dataset"):
        import_incidents([EXTERNAL / "EuRepoC_Attribution_dataset_1.1.csv"], into=tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_country_names() -> None:
    assert external.country_code("Iran (Islamic Republic of)") == "IRN"
    assert external.country_code("N Korea") == "PRK"
    assert external.country_code("Europe (region)") is None
    assert external.countries_in("U.S. diplomats and Ugandan journalists") == ["USA", "UGA"]


def test_missing_columns_are_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("ID,name\n1,x\n", encoding="utf-8")
    _, problems = external.import_eurepoc(path)
    assert problems and problems[0].field == "start_date" or "column" in problems[0].message
