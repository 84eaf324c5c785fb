"""Counts and shape of the shipped knowledge base."""

from __future__ import annotations

import pytest

from normwatch.knowledge.countries import is_country


@pytest.mark.parametrize(
    ("framework", "count"), [("paris-call", 9), ("un-gge-2015", 11), ("gcsc", 8), ("g20-2015", 1)]
)
def test_each_framework_has_its_norms(kb, framework, count):
    fw = next(f for f in kb.frameworks if f.id == framework)
    assert len(fw.norms) == count


def test_norm_ids_follow_contract_2(kb):
    ids = set(kb.norms)
    assert {f"paris-call:{i}" for i in range(1, 10)} <= ids
    assert {f"un-gge-2015:13{c}" for c in "abcdefghijk"} <= ids
    assert {f"gcsc:{i}" for i in range(1, 9)} <= ids
    assert "g20-2015:ip-theft" in ids
    # The four founding frameworks hold exactly the 29 norms of Contract 2.
    founding = {"paris-call", "un-gge-2015", "gcsc", "g20-2015"}
    assert len([n for n in ids if n.split(":")[0] in founding]) == 29


def test_the_frameworks_since_2021_are_present_and_annotate_gge_2015(kb):
    frameworks = {fw.id for fw in kb.frameworks}
    assert {"un-oewg-2021", "un-gge-2021", "un-oewg-2025", "asean-norms", "pall-mall-2025",
            "counter-ransomware"} <= frameworks
    annotated = {n.annotates for n in kb.norms.values() if n.id.startswith("un-gge-2021:")}
    assert annotated == {f"un-gge-2015:13{c}" for c in "abcdefghijk"}


def test_the_catalogue_is_current_and_claims_carry_their_sources(kb):
    recent = [i for i in kb.incidents if str(i.start)[:4] >= "2024"]
    assert len(recent) >= 30
    official = [a.date for i in kb.incidents for a in i.attributions if a.kind == "government" and a.date]
    official += [r.date for i in kb.incidents for r in i.responses if r.date]
    assert max(str(d) for d in official) >= "2025-12"
    # every claim names its own sources (test_check holds check to refusing one without)
    everything = [c for i in kb.incidents for c in [*i.attributions, *i.responses]]
    assert all(c.sources for c in everything)
    assert len(kb.sanctions) >= 1 and "eu-cyber-sanctions" in {r.id for r in kb.sanctions}
    assert len({c.state for c in kb.commitments_to("un-cybercrime") if c.state}) >= 72


def test_every_norm_is_summarised_cited_and_sourced(kb):
    for norm in kb.norms.values():
        assert norm.summary.strip() and norm.paragraph.strip() and norm.sources


def test_crosswalk_joins_public_core_norms(kb):
    assert "gcsc:1" in kb.norms["paris-call:2"].crosswalk
    assert "paris-call:2" in kb.norms["gcsc:1"].crosswalk


def test_states_are_the_un_members_and_observers(kb):
    members = [s for s in kb.states if s.un == "member"]
    observers = {s.iso3 for s in kb.states if s.un == "observer"}
    assert len(members) == 193
    assert observers == {"PSE", "VAT"}
    assert all(is_country(s.iso3) for s in kb.states)


def test_unga_70_237_reaches_every_member(kb):
    assert len(kb.commitments_to("unga-70-237")) == 193


def test_paris_call_has_states_and_other_supporters(kb):
    records = kb.commitments_to("paris-call")
    states = {c.state for c in records if c.state}
    others = [c for c in records if c.party]
    assert len(states) == 81
    assert {"FRA", "USA", "GBR", "JPN"} <= states
    assert not {"RUS", "CHN", "ISR", "IRN"} & states
    assert len(others) > 1000
    assert any(c.party == "Microsoft" for c in others)


@pytest.mark.parametrize(
    ("org", "state", "present"),
    [("eu", "FRA", True), ("nato", "FIN", True), ("g20", "SAU", True), ("sco", "IRN", True),
     ("five-eyes", "NZL", True), ("coe", "RUS", True), ("asean", "VNM", True), ("au", "NGA", True),
     ("oas", "BRA", True), ("osce", "MNG", True), ("brics", "ZAF", True), ("g7", "JPN", True)],
)
def test_organisations_hold_their_members(kb, org, state, present):
    members = {m.state for m in kb.organisation_by_id[org].members}
    assert (state in members) is present


def test_membership_changes_are_dated(kb):
    eu = {m.state: m for m in kb.organisation_by_id["eu"].members}
    assert eu["GBR"].left == "2020-01-31"
    coe = {m.state: m for m in kb.organisation_by_id["coe"].members}
    assert coe["RUS"].left == "2022-03-16"
    nato = {m.state: m for m in kb.organisation_by_id["nato"].members}
    assert nato["SWE"].joined == "2024-03-07"


def test_budapest_parties(kb):
    records = kb.commitments_to("budapest")
    parties = {c.state for c in records if c.in_force or c.ratified}
    assert len(parties) >= 75
    assert {"USA", "JPN", "FRA", "GBR"} <= parties
    assert not {"RUS", "CHN"} & parties


def test_every_commitment_is_sourced(kb):
    assert all(c.sources for c in kb.commitments)


def test_instrument_profile_counts_states_not_companies_named_like_codes(kb):
    from normwatch.analysis.browse import instrument_profile

    counts = instrument_profile(kb, "paris-call", "2025-12-25")["counts"]
    # "ARM" (the company Arm) and "ITA" are non-state supporters, not Armenia and Italy twice.
    assert counts["states"] == 81
    assert counts["states_committed_on_date"] == 81
    assert counts["others_committed_on_date"] > 1000


def test_the_citation_file_names_the_package_version():
    from pathlib import Path

    import yaml

    import normwatch

    citation = yaml.safe_load((Path(__file__).parent.parent / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["title"].startswith("normwatch")
    assert citation["version"] == normwatch.__version__
    assert citation["authors"] and citation["license"] == "MIT"


def test_a_copy_of_the_shipped_knowledge_base_passes_the_user_loader(tmp_path):
    # A user who copies the knowledge base to edit it gets the strict loader (no YAML
    # aliases): the shipped files must already be written that way.
    import shutil

    from normwatch.data import shipped
    from normwatch.knowledge.load import load

    copy = tmp_path / "kb"
    shutil.copytree(shipped("kb"), copy)
    assert load(copy).problems == []
