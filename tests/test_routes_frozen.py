"""The router on a knowledge base frozen in code (tests/fixture_kb.py): its expectations
move only when the router or the channels change, never with curation."""

from __future__ import annotations

import pytest

import normwatch
from fixture_kb import FILES, dump_yaml
from normwatch.evidence.answer import ChannelAnswer
from normwatch.knowledge.load import load


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> normwatch.KnowledgeBase:
    root = tmp_path_factory.mktemp("frozen") / "kb"
    for name, data in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(data), encoding="utf-8")
    kb = load(root)
    assert kb.problems == []
    return kb


def _open(kb: normwatch.KnowledgeBase, requesting: str, holder: str, data: str, on: str) -> dict[str, ChannelAnswer]:
    return {c.id: c for c in normwatch.route(requesting, holder, data, on=on, kb=kb).channels}


def test_an_eu_pair_after_e_evidence_applies(frozen: normwatch.KnowledgeBase) -> None:
    channels = _open(frozen, "FRA", "NLD", "subscriber", on="2026-11-22")
    for wanted in ("eu-production-order", "eu-preservation-order", "eu-investigation-order",
                   "budapest-preservation", "budapest-24-7", "budapest-mla", "letters-rogatory"):
        assert channels[wanted].applicable, wanted
    assert not channels["cloud-act-agreement"].applicable
    assert not channels["bilateral-mlat"].applicable


def test_e_evidence_is_closed_before_it_applies(frozen: normwatch.KnowledgeBase) -> None:
    channels = _open(frozen, "FRA", "NLD", "content", on="2026-06-01")
    production = channels["eu-production-order"]
    assert not production.applicable
    assert any("2026-08-18" in reason for reason in production.reasons)
    assert channels["eu-investigation-order"].applicable


def test_a_state_outside_the_eio_gets_budapest_not_the_eio(frozen: normwatch.KnowledgeBase) -> None:
    channels = _open(frozen, "DNK", "DEU", "content", on="2025-01-01")
    assert not channels["eu-investigation-order"].applicable
    assert channels["budapest-mla"].applicable


def test_the_eio_opens_when_both_sides_are_bound(frozen: normwatch.KnowledgeBase) -> None:
    assert not _open(frozen, "DEU", "NLD", "content", on="2017-07-01")["eu-investigation-order"].applicable
    assert _open(frozen, "DEU", "NLD", "content", on="2017-08-01")["eu-investigation-order"].applicable


def test_budapest_follows_each_partys_date(frozen: normwatch.KnowledgeBase) -> None:
    assert not _open(frozen, "USA", "JPN", "traffic", on="2010-01-01")["budapest-mla"].applicable
    assert _open(frozen, "USA", "JPN", "traffic", on="2013-01-01")["budapest-mla"].applicable


def test_a_state_party_to_nothing_has_only_letters_rogatory(frozen: normwatch.KnowledgeBase) -> None:
    answer = normwatch.route("PRK", "USA", "content", on="2024-01-01", kb=frozen)
    assert [c.id for c in answer.applicable()] == ["letters-rogatory"]
    assert answer.gaps
