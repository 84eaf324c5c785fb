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


# Draft rules (what-if) may use forms the shipped rules do not: ternaries, arithmetic,
# comparisons of booleans and strings. The packed-bit evaluator must read them as the
# per-incident Kleene evaluator does, unknown facts included.
DRAFT_FORMS = [
    "data_stolen ? deaths >= 1 : injuries > 2",
    "(data_stolen ? 1 : 2) == 1",
    "(data_stolen ? 'a' : 'b') == 'a'",
    "data_stolen == physical_damage",
    "data_stolen != !physical_damage",
    "data_stolen < physical_damage || data_stolen >= physical_damage",
    "deaths * 2 + injuries - 1 > 3 && -deaths < 0",
    "injuries / deaths > 1",
    "!(data_stolen || physical_damage) && true",
    "data_stolen ? physical_damage : physical_damage",
    "'x' == 'x' && deaths >= 0",
]
_maybe_bool = st.one_of(st.none(), st.booleans())
_maybe_int = st.one_of(st.none(), st.integers(0, 5))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_maybe_bool, _maybe_bool, _maybe_int, _maybe_int), min_size=1, max_size=30))
def test_packed_evaluator_equals_kleene_evaluator(rows):
    import numpy as np

    from normwatch.engine.cel import compile_expression
    from normwatch.engine.columnar import _Packed

    def column(values, kind):
        known = np.array([v is not None for v in values])
        filled = [(v if v is not None else 0) for v in values]
        return np.array(filled, dtype=bool if kind == "bool" else float), known

    names = ("data_stolen", "physical_damage", "deaths", "injuries")
    kinds = ("bool", "bool", "number", "number")
    table = {n: column([r[k] for r in rows], kind) for k, (n, kind) in enumerate(zip(names, kinds, strict=True))}
    packed = _Packed(table, len(rows))
    for text in DRAFT_FORMS:
        values, known = (packed.unpack(plane) for plane in packed(text))
        expr = compile_expression(text)
        for k, row in enumerate(rows):
            expected = expr.evaluate(dict(zip(names, row, strict=True)))
            got = bool(values[k]) if known[k] else None
            assert got == expected, (text, row)
