"""The outside peer of the engine benchmark gives the reference evaluator's answers.

The shipped rules, translated into the ``rule-engine`` package's language, must answer
every incident of the catalogue exactly as normwatch's reference evaluator does:
otherwise the benchmark would compare speeds of different work. Correctness only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normwatch.engine.assessment import assess
from normwatch.engine.cel import compile_expression
from normwatch.engine.columnar import addresses_of
from normwatch.engine.rules import shipped_rules
from strategies import incidents

pytest.importorskip("rule_engine")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_rule_engine as peer  # noqa: E402

RULES = shipped_rules()


@pytest.fixture(scope="module")
def translated(kb):
    return peer.translate(RULES, list(kb.norms), addresses_of(kb))


def test_every_shipped_condition_translates(kb, translated):
    # Every rule family is a rule-engine rule: derived facts, norms with a rule, the law
    # questions, the red line and tolerated espionage.
    assert translated.expressions == len(RULES.derived) + len(RULES.norms) + len(RULES.law) + 2
    assert {n for n, _ in translated.norms} == set(RULES.norms)


def test_catalogue_answers_equal_the_reference(kb, translated):
    answers, _ = peer.run(translated, list(kb.incidents), RULES)
    reference = [assess(i, kb, RULES) for i in kb.incidents]
    assert peer.mismatches(answers, reference) == 0
    # The comparison can fail: one wrong answer is counted.
    answers[0]["red_line"] = not answers[0]["red_line"]
    assert peer.mismatches(answers, reference) == 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(incidents(), min_size=1, max_size=10))
def test_generated_incidents_answers_equal_the_reference(kb, translated, items):
    answers, _ = peer.run(translated, items, RULES)
    assert peer.mismatches(answers, [assess(i, kb, RULES) for i in items]) == 0


def test_unknown_facts_stay_unknown_in_the_translation():
    # Three-valued: an unrecorded fact makes "a && b" neither certainly true nor false.
    import rule_engine

    tr = peer.Translator({"data_stolen": "bool", "deaths": "number"})
    tree = compile_expression("data_stolen && deaths >= 1").ast
    true, false = (rule_engine.Rule(tr.true(tree)), rule_engine.Rule(tr.false(tree)))
    unknown = {"data_stolen": None, "deaths": 2}
    assert not true.matches(unknown) and not false.matches(unknown)
    assert false.matches({"data_stolen": False, "deaths": None})
    assert true.matches({"data_stolen": True, "deaths": 1})


def test_a_form_outside_the_translation_is_refused():
    tr = peer.Translator({"deaths": "number"})
    with pytest.raises(peer.Untranslatable):
        tr.true(compile_expression("deaths / 2 > 1").ast)
