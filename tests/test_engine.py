"""The assessment engine on real, clear-cut cases and on cases with missing facts.

Expected verdicts are justified from the sources cited in each catalogue record; the
comments name the decisive public fact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import normwatch
from normwatch.cli import app
from normwatch.engine.assessment import assessed_norms
from normwatch.engine.rules import LAW_QUESTIONS
from normwatch.knowledge.models import Incident

runner = CliRunner()


def assess(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Contract 3 JSON of one assessment (what the CLI and the API print)."""
    return normwatch.assess(*args, **kwargs).model_dump(mode="json")


VERDICTS = {"breach", "possible", "not-engaged", "undetermined"}
ANSWERS = {"yes", "possible", "no", "undetermined"}


def _assess(kb, rules, incident_id):
    return assess(kb.incident_by_id[incident_id], kb, rules)


def _verdict(result, norm_id):
    return next(n for n in result["norms"] if n["id"] == norm_id)


def test_notpetya(kb, rules):
    # UK NCSC and the Five Eyes attributed NotPetya to the Russian military in Feb 2018;
    # the malware destroyed data worldwide, including ports and hospitals.
    result = _assess(kb, rules, "notpetya-2017")
    assert result["responsible"][0]["state"] == "RUS"
    assert result["responsible"][0]["confidence"] == "high"
    assert result["red_line"] is True
    assert result["tolerated_espionage"] is False
    assert _verdict(result, "un-gge-2015:13f")["verdict"] == "breach"
    assert result["law"]["sovereignty"] == "yes"
    # Russia was committed to the GGE norms through resolution 70/237 in June 2017.
    assert {"state": "RUS", "norm": "un-gge-2015:13f", "instrument": "unga-70-237"} in result["commitments_breached"]
    kinds = {o["kind"] for o in result["response_options"]}
    assert {"retorsion", "countermeasure"} <= kinds


def test_wannacry_is_indiscriminate_and_north_korean(kb, rules):
    # US and UK attributed WannaCry to North Korea in December 2017; it spread by itself.
    result = _assess(kb, rules, "wannacry-2017")
    assert [r["state"] for r in result["responsible"] if r["confidence"] == "high"] == ["PRK"]
    assert result["red_line"] is True
    assert any("spread indiscriminately" in r for r in result["red_line_reasons"])


def test_stuxnet_never_breach_on_press_attribution(kb, rules):
    # Stuxnet damaged centrifuges, but no government has officially attributed it.
    result = _assess(kb, rules, "stuxnet-2010")
    assert all(r["confidence"] != "high" for r in result["responsible"])
    assert _verdict(result, "un-gge-2015:13f")["verdict"] == "possible"
    assert all(n["verdict"] != "breach" for n in result["norms"])
    assert result["commitments_breached"] == []


def test_cloud_hopper_is_commercial_ip_theft_by_china(kb, rules):
    # US indictment and UK statement of 20 Dec 2018 (APT10, MSS Tianjin bureau).
    result = _assess(kb, rules, "cloud-hopper-apt10-2016")
    assert _verdict(result, "g20-2015:ip-theft")["verdict"] == "breach"
    assert _verdict(result, "paris-call:4")["verdict"] == "breach"
    # China is a G20 member since before Antalya, but not a Paris Call supporter.
    breached = {(c["norm"], c["instrument"]) for c in result["commitments_breached"]}
    assert ("g20-2015:ip-theft", "g20-2015") in breached
    assert not any(c["norm"].startswith("paris-call") for c in result["commitments_breached"])


def test_state_espionage_without_red_line_is_tolerated(kb, rules):
    # OPM: records of US federal employees collected; no disruption recorded.
    result = _assess(kb, rules, "opm-breach-2014")
    assert result["tolerated_espionage"] is True
    assert result["red_line"] is False
    assert result["law"]["use_of_force"] == "no"


def test_dns_hijacking_engages_the_public_core_norms(kb, rules):
    result = _assess(kb, rules, "sea-turtle-2019")
    assert result["red_line"] is True
    for norm_id in ("paris-call:2", "gcsc:1"):
        verdict = _verdict(result, norm_id)
        assert verdict["verdict"] in ("possible", "undetermined"), verdict
        assert verdict["verdict"] != "breach"


def test_private_hack_back_is_a_red_line_whoever_did_it(kb, rules):
    result = _assess(kb, rules, "google-aurora-hack-back-2009")
    assert result["red_line"] is True
    assert _verdict(result, "paris-call:8")["verdict"] in ("possible", "breach")
    assert _verdict(result, "un-gge-2015:13k")["verdict"] == "not-engaged"


def _incident(**changes):
    data = {
        "id": "test-2021", "name": "Test", "start": "2021-03-01",
        "operation": ["disruption"],
        "targets": [{"country": "EST", "sector": "energy"}],
        "attributions": [
            {"to": "RUS", "by": ["EST", "GBR"], "kind": "government", "date": "2021-05-01",
             "confidence": "high"},
        ],
    }
    data.update(changes)
    return Incident.model_validate(data)


def test_operation_type_disruption_on_ci_is_a_breach(kb, rules):
    result = assess(_incident(), kb, rules)
    assert _verdict(result, "un-gge-2015:13f")["verdict"] == "breach"


def test_the_closed_world_of_operation_types(kb, rules):
    # Email espionage against a cloud provider: Contract 1's operation list is the record's
    # full account, so no outage, destruction or damage happened, and 13(f) is not engaged.
    spying = assess(_incident(operation=["espionage"],
                              targets=[{"country": "USA", "sector": "digital-provider"}]), kb, rules)
    verdict = _verdict(spying, "un-gge-2015:13f")
    assert verdict["verdict"] == "not-engaged"
    assert spying["law"]["use_of_force"] == "no"
    # A hack-and-leak operation is not a use of force, even with no casualty figure recorded.
    leak = assess(_incident(operation=["hack-and-leak"],
                            targets=[{"country": "FRA", "sector": "political-party"}]), kb, rules)
    assert leak["law"]["use_of_force"] == "no" and leak["law"]["armed_attack"] == "no"
    # An explicit effect always wins over the inference.
    stated = assess(_incident(operation=["espionage"], effects={"availability": "lasting"}), kb, rules)
    assert _verdict(stated, "un-gge-2015:13f")["verdict"] == "breach"


def test_a_fact_that_could_go_either_way_stays_undetermined(kb, rules):
    # Ransomware against hospitals: whether anyone was hurt is not recorded, and it could
    # be either way; the closed world says nothing about it.
    result = assess(_incident(operation=["ransomware"],
                              targets=[{"country": "IRL", "sector": "health"}]), kb, rules)
    assert result["law"]["use_of_force"] == "undetermined"
    assert any("unknown" in r for r in result["law_reasons"]["use_of_force"])


def test_contested_or_weak_attribution_gives_possible_never_breach(kb, rules):
    weak = [{"to": "RUS", "by": ["ESET"], "kind": "industry", "confidence": "medium"}]
    result = assess(_incident(attributions=weak), kb, rules)
    assert _verdict(result, "un-gge-2015:13f")["verdict"] == "possible"
    contested = [
        {"to": "RUS", "by": ["EST", "LVA"], "kind": "government", "confidence": "medium"},
        {"to": "BLR", "by": ["POL"], "kind": "government", "confidence": "medium"},
    ]
    result = assess(_incident(attributions=contested), kb, rules)
    assert {r["confidence"] for r in result["responsible"]} == {"medium"}
    assert _verdict(result, "un-gge-2015:13f")["verdict"] == "possible"


def test_no_attribution_gives_undetermined(kb, rules):
    result = assess(_incident(attributions=[]), kb, rules)
    assert result["responsible"] == []
    assert _verdict(result, "un-gge-2015:13f")["verdict"] == "undetermined"
    assert result["red_line"] is True  # the act, whoever did it


def test_commitment_follows_the_incident_date(kb, rules):
    # The GGE norms bind through 70/237 (December 2015): an incident in 2014 breaches
    # the norm's content but no commitment of the state yet.
    early = assess(_incident(start="2014-03-01", attributions=[
        {"to": "RUS", "by": ["EST", "GBR"], "kind": "government", "confidence": "high"}]), kb, rules)
    assert _verdict(early, "un-gge-2015:13f")["verdict"] == "breach"
    assert early["commitments_breached"] == []


def test_every_catalogue_incident_gets_every_norm_with_reasons(kb, rules):
    document = normwatch.assess_many(kb.incidents, kb, rules).model_dump(mode="json")
    assert len(document["assessments"]) == len(kb.incidents)
    for item in document["assessments"]:
        assert [n["id"] for n in item["norms"]] == assessed_norms(kb, rules)
        for norm in item["norms"]:
            assert norm["verdict"] in VERDICTS
            assert norm["reasons"], (item["incident"], norm["id"])
        assert set(item["law"]) == set(LAW_QUESTIONS)
        assert set(item["law"].values()) <= ANSWERS
        assert 0 <= item["intensity"] <= 10
        assert item["response_options"][0]["kind"] == "retorsion"


def test_assess_json_follows_contract_3():
    result = runner.invoke(app, ["assess", "notpetya-2017", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert set(document) == {"kb_version", "rules_version", "assessments"}
    item = document["assessments"][0]
    for key in ("incident", "responsible", "red_line", "tolerated_espionage", "norms", "law",
                "commitments_breached", "intensity", "response_options"):
        assert key in item
    assert isinstance(item["intensity"], float)
    assert {"id", "kind", "reasons"} <= set(item["response_options"][0])


def test_assess_file_with_a_new_incident(tmp_path: Path):
    path = tmp_path / "new.yaml"
    path.write_text(
        "id: held-out-2024\nname: Held-out\nstart: '2024-02'\noperation: [destruction]\n"
        "targets: [{country: POL, sector: water}]\n"
        "actors: [{name: Unknown Bear, kind: state-sponsored, state: RUS}]\n"
        "attributions: [{to: RUS, by: [POL, USA], kind: government, date: '2024-03', confidence: high}]\n"
        "effects: {availability: lasting}\n"
    )
    result = runner.invoke(app, ["assess", "--file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)["assessments"][0]
    assert item["incident"] == "held-out-2024"
    assert item["red_line"] is True
    assert next(n for n in item["norms"] if n["id"] == "un-gge-2015:13f")["verdict"] == "breach"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("id: bad-2024\nname: B\nstart: '2024-13'\noperation: [espionage]\ntargets: [{country: FRA, sector: health}]\n",
         "field start"),
        ("id: bad-2024\nname: B\nstart: '2024'\noperation: [spying]\ntargets: [{country: FRA, sector: health}]\n",
         "field operation.0"),
        ("id: bad-2024\nname: B\nstart: '2024'\noperation: [espionage]\ntargets: [{country: FRA, sector: health}]\nextra: 1\n",
         "field extra"),
        ("{not yaml", "malformed"),
    ],
)

def test_assess_bad_file_exits_2_with_one_line(tmp_path: Path, content, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    result = runner.invoke(app, ["assess", "--file", str(path), "--json"])
    assert result.exit_code == 2
    assert fragment in result.output and str(path) in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_assess_unknown_id_exits_2():
    result = runner.invoke(app, ["assess", "no-such-incident"])
    assert result.exit_code == 2
    assert "unknown incident" in result.output


def test_assess_file_takes_json_lines_and_folders(tmp_path: Path, kb):
    # the same reader as `import`: JSON lines and folders work, not only YAML files
    folder = tmp_path / "new"
    folder.mkdir()
    lines = folder / "two.jsonl"
    records = [kb.incident_by_id[i].model_dump(mode="json", exclude_none=True) for i in ("notpetya-2017", "wannacry-2017")]
    lines.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "skip.yaml").write_text("not: [an incident", encoding="utf-8")
    for target in (lines, folder):
        result = runner.invoke(app, ["assess", "--file", str(target), "--json"])
        assert result.exit_code == 0, result.output
        ids = [a["incident"] for a in json.loads(result.stdout)["assessments"]]
        assert ids == ["notpetya-2017", "wannacry-2017"]


def test_a_long_list_assessed_in_processes_is_the_same_document(kb, rules):
    from normwatch.engine.assessment import PARALLEL_FROM, assess_many, assessment_document

    # the catalogue twice over (the copies renamed) is long enough to be forked
    chosen = [*kb.incidents, *(i.model_copy(update={"id": f"{i.id}-again"}) for i in kb.incidents)]
    assert len(chosen) >= PARALLEL_FROM
    serial = assess_many(chosen, kb, rules, views=("FRA",)).model_dump(mode="json")
    assert assessment_document(chosen, kb, rules, views=("FRA",), processes=2) == serial
    assert [a["incident"] for a in serial["assessments"]] == [i.id for i in chosen]
    # a short list, or one process, is assessed here
    short = assess_many(chosen[:5], kb, rules, views=("FRA",)).model_dump(mode="json")
    assert assessment_document(chosen[:5], kb, rules, views=("FRA",), processes=2) == short
