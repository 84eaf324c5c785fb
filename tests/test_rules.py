"""Rules as data: every norm has a rule, every expression is valid CEL in our subset, and
the scalar three-valued evaluator agrees with cel-python itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normwatch.engine.cel import RuleSyntaxError, compile_expression, evaluate_reference
from normwatch.engine.facts import BASE_FACTS
from normwatch.engine.rules import INJECTED, default_folder, load_rules, shipped_rules
from normwatch.errors import InputError

RULES = shipped_rules()
KINDS = {**{n: k for n, (k, _) in BASE_FACTS.items()}, **{d.name: "bool" for d in RULES.derived}, **INJECTED}
EXPRESSIONS = sorted(set(RULES.expressions()))


def test_every_assessed_norm_has_exactly_one_rule(kb):
    from normwatch.engine.assessment import assessed_norms

    assessed = assessed_norms(kb, RULES)
    assert set(RULES.norms) == set(assessed)
    # The four founding frameworks are assessed; the later guidance and commitment
    # frameworks, which have no rules, are not.
    assert {kb.framework_of[n].id for n in assessed} == {"paris-call", "un-gge-2015", "gcsc", "g20-2015"}


def test_every_base_fact_is_documented():
    for name, (kind, meaning) in BASE_FACTS.items():
        assert kind in ("bool", "number") and meaning.strip(), name


def _value(kind: str, may_be_unknown: bool = True) -> st.SearchStrategy:
    known = st.booleans() if kind == "bool" else st.sampled_from([0, 1, 2, 3, 4, 10, 1e9])
    return st.one_of(st.none(), known) if may_be_unknown else known


UNKNOWN_AT_MOST = 10
"""The reference evaluator tries every unknown fact both ways (2**n runs of cel-python): the
long sector disjunctions have 20 facts, so only the first ten of an expression may be unknown."""


@pytest.mark.parametrize("text", EXPRESSIONS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_kleene_evaluator_agrees_with_cel_python(text, data):
    expr = compile_expression(text)
    facts = {name: data.draw(_value(KINDS[name], n < UNKNOWN_AT_MOST), label=name)
             for n, name in enumerate(sorted(expr.names))}
    assert expr.evaluate(facts) == evaluate_reference(expr, facts, KINDS)


@pytest.mark.parametrize("text", ["a in [1, 2]", "size(x) > 2", "a.b", "f(1)", "a &&", "{1: 2}"])
def test_expressions_outside_the_subset_are_refused(text):
    with pytest.raises(RuleSyntaxError):
        compile_expression(text)


def _copy_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(default_folder(), folder)
    return folder


def test_unknown_fact_in_a_rule_is_refused_with_file(tmp_path):
    folder = _copy_rules(tmp_path)
    path = folder / "norms.yaml"
    path.write_text(path.read_text().replace("when: op_ip_theft\n", "when: op_ip_thef\n", 1))
    with pytest.raises(InputError, match="unknown fact"):
        load_rules(folder)


def test_unknown_key_in_a_rule_file_is_refused(tmp_path):
    folder = _copy_rules(tmp_path)
    path = folder / "acts.yaml"
    path.write_text(path.read_text() + "colour: red\n")
    with pytest.raises(InputError) as info:
        load_rules(folder)
    assert "acts.yaml" in str(info.value) and "colour" in str(info.value)


def test_rules_version_changes_with_the_rules(tmp_path):
    folder = _copy_rules(tmp_path)
    before = load_rules(folder).version
    path = folder / "law.yaml"
    path.write_text(path.read_text() + "\n# edited\n")
    assert load_rules(folder).version != before


def test_rules_facts_lists_every_fact_a_rule_may_read() -> None:
    import json

    from typer.testing import CliRunner

    from normwatch.cli import app
    from normwatch.engine.rules import shipped_rules

    result = CliRunner().invoke(app, ["rules", "--facts", "--json"])
    assert result.exit_code == 0, result.output
    listed = {row["fact"] for row in json.loads(result.stdout)}
    assert listed == set(shipped_rules().known_facts())
    assert {"red_line", "eu_victim", "law_use_of_force_yes"} <= listed


def test_the_rules_command_shows_the_law_questions_the_closed_world_and_the_views():
    from typer.testing import CliRunner

    from normwatch.cli import app

    result = CliRunner().invoke(app, ["rules", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert {q["id"] for q in data["law"]} >= {"ihl_applies", "ihl_attack", "ihl_distinction"}
    assert data["closed_world"] and data["views"]
    text = CliRunner().invoke(app, ["rules"]).output
    assert "ihl_attack" in text and "closed world: only espionage" in text
