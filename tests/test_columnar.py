"""The vectorised path equals the per-incident reference evaluator."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import normwatch
from normwatch.engine.columnar import addresses_of, assess_table, frame, incidents_from_table
from normwatch.engine.rules import shipped_rules
from strategies import incidents


def assess(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Contract 3 JSON of one assessment (what the CLI and the API print)."""
    return normwatch.assess(*args, **kwargs).model_dump(mode="json")

RULES = shipped_rules()


def _compare(kb, items):
    table = assess_table(frame(items), RULES, list(kb.norms), addresses_of(kb))
    for row, incident in zip(table.iter_rows(named=True), items, strict=True):
        expected = assess(incident, kb, RULES)
        for norm in expected["norms"]:
            assert row[norm["id"]] == norm["verdict"], (incident.id, norm["id"], norm["reasons"])
        for question, answer in expected["law"].items():
            assert row[f"law_{question}"] == answer, (incident.id, question)
        assert row["red_line"] == expected["red_line"]
        assert row["tolerated_espionage"] == expected["tolerated_espionage"]


def test_catalogue_fast_path_equals_reference(kb):
    _compare(kb, kb.incidents)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(incidents(), min_size=1, max_size=20))
def test_generated_corpora_fast_path_equals_reference(kb, items):
    _compare(kb, items)


def test_table_round_trip_keeps_every_fact(kb):
    rebuilt = incidents_from_table(frame(kb.incidents))
    _compare(kb, rebuilt)
    table_a = assess_table(frame(kb.incidents), RULES, list(kb.norms), addresses_of(kb))
    table_b = assess_table(frame(rebuilt), RULES, list(kb.norms), addresses_of(kb))
    assert table_a.equals(table_b)
