"""The strategy rule language: safe, and every mistake is named."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inevitable.errors import InputError
from inevitable.scenarios.loader import parse, scenario
from inevitable.scenarios.rules import apply_rules, compile_condition, compile_rules

NAMES = {"month", "cadre", "apparatus_control", "leaders_expelled"}
ACTIONS = {"platform", "abstain"}


def test_conditions_evaluate_months_numbers_and_logic():
    cond = compile_condition('month >= "1926-04" and (cadre > 100 or not leaders_expelled)', NAMES)
    month = 1926 * 12 + 3
    assert cond({"month": month, "cadre": 50, "leaders_expelled": 0, "apparatus_control": 0})
    assert not cond({"month": month - 1, "cadre": 500, "leaders_expelled": 0,
                     "apparatus_control": 0})
    assert not cond({"month": month, "cadre": 50, "leaders_expelled": 1, "apparatus_control": 0})
    assert compile_condition("0.2 < apparatus_control < 0.5", NAMES)({"apparatus_control": 0.3})


def test_later_rules_override_earlier_ones():
    rules = compile_rules([{"when": "always", "do": {"platform": 1.0, "abstain": 0.5}},
                           {"when": "cadre > 10", "do": {"platform": 0.2}}], NAMES, ACTIONS)
    assert apply_rules(rules, {"cadre": 50}, ["platform", "abstain"]) == \
        {"platform": 0.2, "abstain": 0.5}
    assert apply_rules(rules, {"cadre": 5}, ["platform", "abstain"]) == \
        {"platform": 1.0, "abstain": 0.5}


@pytest.mark.parametrize(("rule", "message"), [
    ({"when": "__import__('os').system('true')", "do": {"platform": 1}}, "not allowed"),
    ({"when": "cadre.real > 1", "do": {"platform": 1}}, "not allowed"),
    ({"when": "cadre[0] > 1", "do": {"platform": 1}}, "not allowed"),
    ({"when": "lambda: 1", "do": {"platform": 1}}, "not allowed"),
    ({"when": "cadres > 1", "do": {"platform": 1}}, "unknown name 'cadres'"),
    ({"when": "cadre >", "do": {"platform": 1}}, "cannot parse"),
    ({"when": 'month > "1926-13"', "do": {"platform": 1}}, "not a month"),
    ({"when": "always", "do": {"plaform": 1}}, "unknown action 'plaform'"),
    ({"when": "always", "do": {"platform": 2}}, "between 0 and 1"),
    ({"when": "always", "do": {"platform": "yes"}}, "between 0 and 1"),
    ({"when": "always"}, "'do' must map"),
    ({"when": "always", "do": {"platform": 1}, "then": 1}, "unknown field 'then'"),
    ("platform", "must be a mapping"),
])
def test_bad_rules_are_rejected_with_a_message(rule, message):
    with pytest.raises(InputError, match=message) as exc:
        compile_rules([rule], NAMES, ACTIONS)
    assert str(exc.value).startswith("rule 0")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_either_compiles_or_is_an_input_error(text):
    try:
        fn = compile_condition(text, NAMES)
    except InputError:
        return
    # what compiles only reads the observables given to it
    fn(dict.fromkeys(NAMES, 1.0))


def test_a_bad_rule_in_a_scenario_file_names_file_line_and_strategy():
    text = scenario("soviet-1923").text.replace(
        "        do: {abstain: 1.0}\n        note: lying low after the 13th Conference",
        "        do: {abstian: 1.0}\n        note: lying low after the 13th Conference")
    with pytest.raises(InputError) as exc:
        parse(text, "my.yaml")
    msg = str(exc.value)
    assert msg.startswith("my.yaml:") and "strategies.historical" in msg
    assert "rule 2: unknown action 'abstian'" in msg


def test_a_switch_to_an_unknown_strategy_is_refused():
    text = scenario("soviet-1923").text.replace("after: class-struggle", "after: class-strugle")
    with pytest.raises(InputError, match="unknown strategy 'class-strugle'"):
        parse(text, "my.yaml")


@pytest.mark.parametrize("text, message", [
    ("month > " + "9" * 400, "number too large"),
    ("(" * 3000 + "month" + ")" * 3000, "condition"),
])
def test_huge_numbers_and_deep_nesting_are_refused_not_crashed(text, message):
    with pytest.raises(InputError, match=message):
        compile_condition(text, {"month"})


def test_a_scenario_copy_with_a_users_strategy_runs_it_and_names_bad_rules():
    sc = scenario("soviet-1923")
    mine = sc.with_strategies({"mine": {"rules": [{"when": "always",
                                                   "do": {"support_strikes": 1.0}}]}})
    assert mine.hash != sc.hash and "mine" in mine.spec.strategies
    chosen = mine.sim(1, {"strategy": "mine"}, steps=3).run().series["act_support_strikes"]
    assert list(chosen[1:]) == [1.0, 1.0, 1.0]
    with pytest.raises(InputError, match=r"^rules: strategy 'mine': rule 0: unknown action"):
        sc.with_strategies({"mine": {"rules": [{"do": {"fly": 1.0}}]}}, where="rules")
    with pytest.raises(InputError, match="exists already"):
        sc.with_strategies({"historical": {"rules": [{"do": {"platform": 1.0}}]}})
