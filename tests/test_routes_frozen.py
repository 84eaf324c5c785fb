"""The router on a knowledge base frozen in code (tests/fixture_kb.py): its expectations
move only when the router or the channels change, never with curation."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import normwatch
from fixture_kb import FILES, dump_yaml
from normwatch.cli import app
from normwatch.evidence.answer import ChannelAnswer
from normwatch.knowledge.load import load
from normwatch.publish.request import PLACEHOLDER, render_request, request_document


@pytest.fixture(scope="module")
def frozen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("frozen") / "kb"
    for name, data in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(data), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def frozen(frozen_dir: Path) -> normwatch.KnowledgeBase:
    kb = load(frozen_dir)
    assert kb.problems == []
    return kb


def _open(kb: normwatch.KnowledgeBase, requesting: str, holder: str, data: str, on: str) -> dict[str, ChannelAnswer]:
    return {c.id: c for c in normwatch.route(requesting, holder, data, on=on, kb=kb).channels}


def test_an_eu_pair_after_e_evidence_applies(frozen: normwatch.KnowledgeBase) -> None:
    channels = _open(frozen, "FRA", "NLD", "subscriber", on="2026-11-22")
    for wanted in ("eu-production-order", "eu-preservation-order", "eu-investigation-order",
                   "budapest-preservation", "budapest-24-7", "letters-rogatory"):
        assert channels[wanted].applicable, wanted
    assert not channels["cloud-act-agreement"].applicable
    assert not channels["bilateral-mlat"].applicable
    # Between EIO states, the EIO replaces the 1959 Convention, and Budapest's Article 27
    # gives way to the treaty that binds them: both are named as replaced, not offered.
    for replaced in ("coe-mla-convention", "budapest-mla"):
        assert not channels[replaced].applicable, replaced
        assert channels[replaced].superseded_by == "eu-investigation-order", replaced


def test_e_evidence_is_closed_before_it_applies(frozen: normwatch.KnowledgeBase) -> None:
    channels = _open(frozen, "FRA", "NLD", "content", on="2026-06-01")
    production = channels["eu-production-order"]
    assert not production.applicable
    assert any("2026-08-18" in reason for reason in production.reasons)
    assert channels["eu-investigation-order"].applicable


def test_a_state_outside_the_eio_gets_the_1959_convention_not_the_eio(
    frozen: normwatch.KnowledgeBase,
) -> None:
    channels = _open(frozen, "DNK", "DEU", "content", on="2025-01-01")
    assert not channels["eu-investigation-order"].applicable
    coe = channels["coe-mla-convention"]
    assert coe.applicable and coe.superseded_by is None
    assert [p.state for p in coe.via[0].parties] == ["DNK", "DEU"]
    # Budapest Article 27 applies only where no mutual assistance treaty binds the pair.
    assert not channels["budapest-mla"].applicable
    assert channels["budapest-mla"].superseded_by == "coe-mla-convention"
    assert any("Article 27(1)" in r for r in channels["budapest-mla"].reasons)


def test_the_eio_opens_when_both_sides_are_bound(frozen: normwatch.KnowledgeBase) -> None:
    assert not _open(frozen, "DEU", "NLD", "content", on="2017-07-01")["eu-investigation-order"].applicable
    assert _open(frozen, "DEU", "NLD", "content", on="2017-08-01")["eu-investigation-order"].applicable


def test_a_protocol_is_named_with_whether_both_sides_apply_it(frozen: normwatch.KnowledgeBase) -> None:
    reasons = _open(frozen, "DNK", "DEU", "content", on="2025-01-01")["coe-mla-convention"].reasons
    assert any("coe-mla-protocol-2" in r and "does not bind Germany" in r for r in reasons)
    reasons = _open(frozen, "FRA", "DNK", "content", on="2025-01-01")["coe-mla-convention"].reasons
    assert any("coe-mla-protocol-2" in r and "also binds both sides" in r for r in reasons)


def test_e_evidence_reaches_a_provider_offering_services_in_the_union(
    frozen: normwatch.KnowledgeBase,
) -> None:
    # A US provider holding the data in the US: without the offering, no EU order reaches it.
    closed = normwatch.route("FRA", "USA", "subscriber", provider_home="USA", on="2026-11-22", kb=frozen)
    production = {c.id: c for c in closed.channels}["eu-production-order"]
    assert not production.applicable
    assert any("--provider-offers-eu" in r for r in production.reasons)
    reached = normwatch.route("FRA", "USA", "subscriber", provider_home="USA", on="2026-11-22",
                              provider_offers_eu=True, kb=frozen)
    production = {c.id: c for c in reached.channels}["eu-production-order"]
    assert production.applicable
    assert any("2023/1544" in r for r in production.reasons)
    assert not any("Article 17" in r for r in production.reasons)
    # Content from a US provider: the order is open, and the conflict with US law is said.
    content = normwatch.route("FRA", "USA", "content", provider_home="USA", on="2026-11-22",
                              provider_offers_eu=True, kb=frozen)
    production = {c.id: c for c in content.channels}["eu-production-order"]
    assert production.applicable
    assert any("Article 17" in r and "2702" in r for r in production.reasons)
    # Before the Regulation applies, the offering changes nothing.
    early = normwatch.route("FRA", "USA", "subscriber", provider_home="USA", on="2026-06-01",
                            provider_offers_eu=True, kb=frozen)
    assert not {c.id: c for c in early.channels}["eu-production-order"].applicable
    # A requesting state the Regulation does not bind cannot issue the order at all.
    danish = normwatch.route("DNK", "USA", "subscriber", provider_home="USA", on="2026-11-22",
                             provider_offers_eu=True, kb=frozen)
    assert not {c.id: c for c in danish.channels}["eu-production-order"].applicable


def test_untoc_needs_organised_crime_and_gives_way_to_a_treaty(frozen: normwatch.KnowledgeBase) -> None:
    plain = normwatch.route("FRA", "USA", "content", on="2025-01-01", kb=frozen)
    untoc = {c.id: c for c in plain.channels}["untoc-mla"]
    assert not untoc.applicable
    assert any("organised criminal group" in g for g in plain.gaps)
    organised = normwatch.route("FRA", "USA", "content", on="2025-01-01", organised_crime=True, kb=frozen)
    assert {c.id: c for c in organised.channels}["untoc-mla"].applicable
    # France and Japan have a bilateral treaty: Article 18(7) sends the request under it.
    treaty = normwatch.route("FRA", "JPN", "content", on="2025-01-01", organised_crime=True, kb=frozen)
    channels = {c.id: c for c in treaty.channels}
    assert channels["bilateral-mlat"].applicable
    assert "Fixture fra-jpn-mlat" in channels["bilateral-mlat"].legal_basis
    assert not channels["untoc-mla"].applicable
    assert channels["untoc-mla"].superseded_by == "bilateral-mlat"


def test_no_recorded_treaty_is_said_as_a_limit_of_the_records(frozen: normwatch.KnowledgeBase) -> None:
    answer = normwatch.route("PRK", "FRA", "content", on="2025-01-01", kb=frozen)
    text = " ".join(answer.gaps)
    assert "share no instrument" not in text
    assert "No bilateral treaty is recorded for PRK–FRA" in text
    assert "France 1" in text and "Korea" in text
    assert "basedoc.diplomatie.gouv.fr" in text  # France's own treaty database
    assert answer.coverage is not None
    sides = {s.state: s for s in answer.coverage.sides}
    assert sides["FRA"].bilateral_partners == ["JPN"]
    assert sides["PRK"].bilateral_treaties == 0 and sides["PRK"].bound == {}
    assert "bilateral-mlat" in answer.coverage.families


def test_budapest_follows_each_partys_date(frozen: normwatch.KnowledgeBase) -> None:
    assert not _open(frozen, "USA", "JPN", "traffic", on="2010-01-01")["budapest-mla"].applicable
    assert _open(frozen, "USA", "JPN", "traffic", on="2013-01-01")["budapest-mla"].applicable


def test_a_state_party_to_nothing_has_only_letters_rogatory(frozen: normwatch.KnowledgeBase) -> None:
    answer = normwatch.route("PRK", "USA", "content", on="2024-01-01", kb=frozen)
    assert [c.id for c in answer.applicable()] == ["letters-rogatory"]
    assert answer.gaps


def test_a_request_draft_carries_the_basis_the_parties_and_what_to_fill(
    frozen: normwatch.KnowledgeBase,
) -> None:
    answer = normwatch.route("DNK", "DEU", "content", on="2025-01-01", kb=frozen)
    document = request_document(answer, kb_version=frozen.version)
    assert document.subject == "coe-mla-convention"  # the open channel that hands over content
    text = render_request(document, "md").decode()
    assert "European Convention on Mutual Assistance in Criminal Matters (ETS No. 30)" in text
    assert "Denmark (DNK)" in text and "Germany (DEU)" in text and "1977-01-01" in text
    assert "The object of and the reason for the request" in text
    assert text.count(PLACEHOLDER.replace("[", "\\[").replace("]", "\\]")) >= 5
    docx = render_request(document, "docx")
    with zipfile.ZipFile(__import__("io").BytesIO(docx)) as archive:
        body = archive.read("word/document.xml").decode()
    assert "ETS No. 30" in body and "to be completed" in body
    assert render_request(document, "pdf").startswith(b"%PDF")


def test_the_route_cli_writes_a_draft_and_refuses_bad_input_in_one_line(
    frozen_dir: Path, tmp_path: Path,
) -> None:
    runner = CliRunner()
    target = tmp_path / "draft.md"
    result = runner.invoke(app, ["route", "--requesting", "DNK", "--holder", "DEU", "--data", "content",
                                 "--on", "2025-01-01", "--kb", str(frozen_dir),
                                 "--request-draft", "md", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert "coe-mla-convention" in result.output and target.read_text().startswith("# Draft request")
    for bad in (["--request-draft", "odt"], ["--channel", "cloud-act-agreement", "--request-draft", "md"]):
        before = sorted(tmp_path.iterdir())
        result = runner.invoke(app, ["route", "--requesting", "DNK", "--holder", "DEU", "--data",
                                     "content", "--on", "2025-01-01", "--kb", str(frozen_dir),
                                     "--out", str(tmp_path / "x.md"), *bad])
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert sorted(tmp_path.iterdir()) == before
    result = runner.invoke(app, ["route", "--requesting", "XXX", "--holder", "DEU", "--data", "content",
                                 "--kb", str(frozen_dir)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
