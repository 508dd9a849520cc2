"""Scenario files: every bad input is one clear error naming file, line and field."""

from __future__ import annotations

import textwrap

import pytest

from inevitable.errors import InputError
from inevitable.scenarios.loader import builtin_names, parse, scenario

GOOD = """\
name: tiny
title: A tiny test scenario
mechanisms: [granovetter]
time:
  unit: tick
  steps: 20
parameters:
  n:
    value: 50
    source: "test"
  sd:
    value: 0.2
    prior: {dist: uniform, low: 0.0, high: 0.3}
    assumption: true
"""


def _err(text: str) -> str:
    with pytest.raises(InputError) as exc:
        parse(textwrap.dedent(text), "s.yaml")
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_a_good_scenario_loads_with_its_values_and_priors():
    sc = parse(GOOD, "s.yaml")
    assert sc.values["n"] == 50 and sc.values["sd"] == 0.2
    assert sc.priors["sd"].high == 0.3
    assert sc.timeline.steps == 20


def test_builtins_are_listed_and_load():
    assert "granovetter" in builtin_names()
    for name in builtin_names():
        assert scenario(name).name == name


def test_malformed_yaml_names_the_line():
    msg = _err(GOOD.replace("  steps: 20", "  steps: [20"))
    assert msg.startswith("s.yaml:") and "malformed YAML" in msg


def test_unknown_field_names_line_and_field():
    assert _err(GOOD.replace("  steps: 20", "  steps: 20\n  stpes: 3")) == \
        "s.yaml:7: time.stpes: unknown field"


def test_unknown_parameter_suggests_the_close_one():
    msg = _err(GOOD.replace("  sd:\n", "  sdd:\n"))
    assert msg == "s.yaml:11: parameters.sdd: unknown parameter 'sdd'; did you mean 'sd'?"


def test_mistyped_value_names_parameter_and_line():
    msg = _err(GOOD.replace("value: 50", "value: fifty"))
    assert msg == ("s.yaml:9: parameters.n.value: parameter 'n' must be an integer, "
                   "got 'fifty'")


def test_value_out_of_range():
    msg = _err(GOOD.replace("value: 0.2", "value: 12.5"))
    assert "s.yaml:12: parameters.sd.value" in msg and "above its maximum" in msg


def test_a_figure_without_source_or_assumption_is_refused():
    msg = _err(GOOD.replace('    source: "test"\n', ""))
    assert msg.startswith("s.yaml:8: parameters.n:") and "source" in msg


def test_prior_outside_the_parameter_range_is_refused():
    msg = _err(GOOD.replace("high: 0.3", "high: 30"))
    assert "parameters.sd.prior" in msg and "range" in msg


def test_unknown_mechanism():
    msg = _err(GOOD.replace("[granovetter]", "[granovetter, mobilise]"))
    assert msg.startswith("s.yaml:3: mechanisms.1: unknown mechanism 'mobilise'")


def test_missing_required_section():
    assert _err(GOOD.replace("title: A tiny test scenario\n", "")) == \
        "s.yaml:1: title: required field is missing"


def test_duplicate_key_is_an_error():
    msg = _err(GOOD.replace("  steps: 20", "  steps: 20\n  steps: 30"))
    assert msg == "s.yaml:7: time.steps: key 'steps' appears twice"


def test_bad_month_in_timeline():
    msg = _err(GOOD.replace("  unit: tick\n  steps: 20", "  unit: month\n  start: 1923-13\n"
                            "  end: 1929-12"))
    assert "time.start" in msg and "YYYY-MM" in msg


def test_not_a_mapping():
    assert "mapping" in _err("- just\n- a list\n")


def test_unknown_output_series():
    msg = _err(GOOD + "outputs:\n  series: [participation, turnout]\n")
    assert "outputs.series.1" in msg and "turnout" in msg


def test_yaml_tags_that_run_code_are_refused():
    msg = _err(GOOD + "evil: !!python/object/apply:os.system ['true']\n")
    assert "malformed YAML" in msg


def test_files_unknown_names_wrong_extensions(tmp_path):
    with pytest.raises(InputError, match="unknown scenario 'nope'"):
        scenario("nope")
    with pytest.raises(InputError, match="no such file"):
        scenario(tmp_path / "missing.yaml")
    txt = tmp_path / "s.txt"
    txt.write_text(GOOD)
    with pytest.raises(InputError, match=r"must end in \.yaml"):
        scenario(txt)
    d = tmp_path / "dir.yaml"
    d.mkdir()
    with pytest.raises(InputError, match="directory"):
        scenario(d)
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="cannot read"):
        scenario(binary)


# bounds: how far a counterfactual's finals may go, each from a sourced analogue
BOUND = """\
bounds:
- id: crowd
  final: participants
  max: 40
  source: "test analogue"
"""


def test_a_bound_loads_and_changes_no_run_key():
    sc = parse(GOOD + BOUND, "s.yaml")
    b = sc.spec.bounds[0]
    assert (b.id, b.final, b.max, b.min) == ("crowd", "participants", 40.0, None)
    # bounds only read results: the hash that keys runs (and calibrations) is unchanged
    assert sc.hash == parse(GOOD, "s.yaml").hash
    assert parse(GOOD + BOUND.replace("max: 40", "min: 2"), "s.yaml").spec.bounds[0].min == 2


def test_a_bound_on_an_unknown_final_names_the_close_one():
    msg = _err(GOOD + BOUND.replace("final: participants", "final: participant"))
    assert msg == ("s.yaml:17: bounds.0.final: no final value named 'participant'; "
                   "did you mean 'participants'?")


def test_a_bound_without_a_source_is_refused():
    msg = _err(GOOD + BOUND.replace('  source: "test analogue"\n', ""))
    assert msg == "s.yaml:16: bounds.0.source: required field is missing"


def test_a_bound_with_a_blank_source_is_refused():
    msg = _err(GOOD + BOUND.replace('"test analogue"', '"  "'))
    assert msg.startswith("s.yaml:16: bounds.0: a bound needs a 'source'")


def test_a_bound_whose_min_is_above_its_max_is_refused():
    msg = _err(GOOD + BOUND.replace("max: 40", "max: 40\n  min: 50"))
    assert msg == "s.yaml:16: bounds.0: 'min' (50) is above 'max' (40)"


def test_a_bound_without_min_or_max_is_refused():
    msg = _err(GOOD + BOUND.replace("  max: 40\n", ""))
    assert msg == "s.yaml:16: bounds.0: a bound needs 'max', 'min' or both"


def test_two_bounds_with_one_id_are_refused():
    msg = _err(GOOD + BOUND + BOUND.removeprefix("bounds:\n"))
    assert msg == "s.yaml:20: bounds.1.id: a bound named 'crowd' exists already"


def test_the_flagship_bounds_its_cadre_by_the_largest_sourced_figure():
    b = {x.id: x for x in scenario("soviet-1923").spec.bounds}["cadre-at-most-100k"]
    assert (b.final, b.max, b.min) == ("cadre_peak", 100_000, None)
    assert "100,000" in b.source and "Broue" in b.source and "Deutscher" in b.source


def test_a_target_weight_must_be_positive_and_is_named_with_its_line():
    text = GOOD + textwrap.dedent("""\
        targets:
        - id: count
          quantity: active
          value: 5
          sd: 1
          weight: 0
          source: test
        """)
    msg = _err(text)
    assert msg.startswith("s.yaml:") and "targets.0.weight" in msg and "greater than 0" in msg
    assert parse(text.replace("weight: 0", "weight: 2.5"), "s.yaml").spec.targets[0].weight == 2.5
