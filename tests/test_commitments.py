"""committed(state, instrument_or_norm, on=date) on real records and dated edge cases."""

from __future__ import annotations

import datetime as dt

import pytest

import normwatch
from normwatch.knowledge.commitments import commitment_status

SRC = ["https://example.org/source"]


def test_france_supports_the_paris_call_from_its_launch(kb):
    assert normwatch.committed("FRA", "paris-call", on="2018-11-12", kb=kb)
    assert not normwatch.committed("FRA", "paris-call", on="2018-11-11", kb=kb)


def test_united_states_joined_the_paris_call_only_in_november_2021(kb):
    assert not normwatch.committed("USA", "paris-call:4", on="2020-06-01", kb=kb)
    assert normwatch.committed("USA", "paris-call:4", on="2021-11-11", kb=kb)


@pytest.mark.parametrize("state", ["RUS", "CHN", "ISR", "IRN", "PRK"])
def test_paris_call_absentees_are_never_committed(kb, state):
    status = commitment_status(kb, state, "paris-call:1", "2025-01-01")
    assert not status.committed
    assert "no commitment" in status.reason


def test_gge_norms_bind_every_un_member_from_resolution_70_237(kb):
    assert normwatch.committed("RUS", "un-gge-2015:13f", on="2017-06-27", kb=kb)
    assert not normwatch.committed("RUS", "un-gge-2015:13f", on="2015-12-22", kb=kb)
    # The Holy See is an observer, not a member: the resolution does not reach it.
    assert not normwatch.committed("VAT", "un-gge-2015:13f", on="2020-01-01", kb=kb)


def test_gcsc_norms_have_no_state_commitment(kb):
    status = commitment_status(kb, "FRA", "gcsc:1", "2022-01-01")
    assert not status.committed
    assert "no instrument" in status.reason


def test_g20_line_binds_members_from_antalya(kb):
    assert normwatch.committed("CHN", "g20-2015:ip-theft", on="2015-11-16", kb=kb)
    assert not normwatch.committed("CHN", "g20-2015:ip-theft", on="2015-11-15", kb=kb)
    assert not normwatch.committed("IRN", "g20-2015:ip-theft", on="2020-01-01", kb=kb)


def test_a_ratification_binds_only_once_the_treaty_is_in_force(kb):
    # Serbia ratified CETS 224 in 2023, but the protocol is not in force.
    assert not normwatch.committed("SRB", "budapest-protocol-2", on="2024-01-01", kb=kb)
    assert normwatch.committed("SRB", "budapest-protocol-2", on="2024-01-01", kb=kb, level="signed")


def test_budapest_entry_into_force_for_a_state(kb):
    assert normwatch.committed("FRA", "budapest", on="2006-05-01", kb=kb)
    assert not normwatch.committed("FRA", "budapest", on="2006-04-30", kb=kb)
    assert normwatch.committed("FRA", "budapest", on="2006-04-30", kb=kb, level="signed")


def test_denmark_is_not_bound_by_e_evidence(kb):
    assert normwatch.committed("FRA", "eu-e-evidence", on="2026-09-01", kb=kb)
    assert not normwatch.committed("DNK", "eu-e-evidence", on="2026-09-01", kb=kb)


def test_unknown_target_is_a_key_error(kb):
    with pytest.raises(KeyError):
        normwatch.committed("FRA", "no-such-thing", on="2020-01-01", kb=kb)


def _mini(mini_kb, commitment: dict, instrument: dict | None = None):
    fw = {
        "id": "fw", "name": "F", "adopted": "2000", "by": "x", "addresses": ["states"],
        "binding": False, "sources": SRC,
        "norms": [{"id": "fw:1", "title": "t", "summary": "s", "paragraph": "1", "sources": SRC}],
    }
    inst = {"id": "deal", "name": "Deal", "kind": "treaty", "binding": True, "adopted": "2001",
            "entry_into_force": "2002-01-01", "carries": ["fw"], "sources": SRC}
    inst.update(instrument or {})
    return mini_kb({
        "frameworks.yaml": {"frameworks": [fw]},
        "instruments.yaml": {"instruments": [inst]},
        "commitments/deal.yaml": {
            "instrument": "deal", "commitments": [{"state": "FRA", "sources": SRC, **commitment}]
        },
    })


def test_partial_dates_count_from_their_last_day(mini_kb):
    kb = _mini(mini_kb, {"in_force": "2019"})
    assert not normwatch.committed("FRA", "deal", on="2019-06-30", kb=kb)
    assert normwatch.committed("FRA", "deal", on="2019-12-31", kb=kb)
    kb = _mini(mini_kb, {"in_force": "2020-02"})
    assert not normwatch.committed("FRA", "fw:1", on="2020-02-28", kb=kb)
    assert normwatch.committed("FRA", "fw:1", on="2020-02-29", kb=kb)


def test_withdrawal_ends_the_commitment_on_its_day(mini_kb):
    kb = _mini(mini_kb, {"in_force": "2005-01-01", "withdrawn": "2010-03-15"})
    assert normwatch.committed("FRA", "deal", on="2010-03-14", kb=kb)
    status = commitment_status(kb, "FRA", "deal", "2010-03-15")
    assert not status.committed
    assert "withdrawn" in status.reason


def test_ratification_before_entry_into_force_waits_for_the_treaty(mini_kb):
    kb = _mini(mini_kb, {"signed": "2001-05-01", "ratified": "2001-06-01"})
    assert not normwatch.committed("FRA", "deal", on="2001-12-31", kb=kb)
    assert normwatch.committed("FRA", "deal", on="2002-01-01", kb=kb)


def test_signature_alone_binds_only_at_signed_level(mini_kb):
    kb = _mini(mini_kb, {"signed": "2001-05-01"})
    status = commitment_status(kb, "FRA", "deal", "2010-01-01")
    assert not status.committed and "not bound" in status.reason
    assert normwatch.committed("FRA", "deal", on="2001-05-01", kb=kb, level="signed")


def test_reason_says_when_commitment_starts_later(mini_kb):
    kb = _mini(mini_kb, {"in_force": "2015-07-01"})
    status = commitment_status(kb, "FRA", "fw", dt.date(2014, 1, 1))
    assert not status.committed
    assert status.reason == "committed only from 2015-07-01"


def test_query_date_must_be_a_full_date(kb):
    with pytest.raises(ValueError, match="full date"):
        normwatch.committed("FRA", "paris-call", on="2020", kb=kb)
