"""A verdict the experiments really computed (the toy, quick budget), rendered and opened.

The toy here carries one bound (a test copy: defeat after step 12 breaks it),
so the plausibility section is computed and checked like every other.
"""

from __future__ import annotations

from importlib import resources

import pytest
from test_report import (
    assert_json_numbers_are_in_md,
    assert_md_numbers_are_json_numbers,
    open_in_chromium,
)

from inevitable.experiments.verdict import verdict
from inevitable.report import write_report
from inevitable.scenarios.loader import parse

BOUND = """bounds:
- id: late
  final: defeat_step
  max: 12
  source: test analogue (a defeat after step 12 is beyond it)
"""


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    toy = resources.files("inevitable.scenarios.builtin").joinpath("toy.yaml").read_text()
    v = verdict(parse(toy + BOUND, "toy-bounded"), "quick", backend="serial", progress=False)
    return write_report(v, tmp_path_factory.mktemp("toy-verdict"))


def test_every_number_of_a_computed_verdict_is_the_same_in_md_and_json(real_report):
    assert "Inside the bounds of history" in real_report["report.md"].read_text()
    assert_json_numbers_are_in_md(real_report)
    assert assert_md_numbers_are_json_numbers(real_report) > 10


def test_the_report_says_where_the_headline_took_its_parameter_values(real_report):
    """The section on what the headline includes repeats the answer's account, not a
    fixed sentence that went stale once calibrations carried their nuisance values."""
    import json

    v = json.loads(real_report["verdict.json"].read_text())
    drawn = v["answer"]["drawn"].removeprefix("their ")
    md = real_report["report.md"].read_text()
    section = md[md.index("## What the headline includes"):]
    assert f"and its parameter values ({drawn});" in section[:section.index("\n|")]


def test_the_agency_share_names_the_one_theory_it_was_computed_under(real_report):
    import json

    v = json.loads(real_report["verdict.json"].read_text())
    t = v["sensitivity"]["theory"]
    assert t in v["theories"]["posterior"]
    md = real_report["report.md"].read_text()
    section = md[md.index("## Structure or agency?"):]
    assert f"The design runs under one theory, {t}, the one the calibration favours" in section
    assert f"so this is {t}'s share, not one averaged over the theories" in section


def test_the_computed_report_opens_in_chromium_with_every_figure_drawn(real_report):
    errors, requests, drawn, _ = open_in_chromium(real_report, "verdict-toy.png")
    assert not errors, f"console errors: {errors}"
    assert not requests, f"the page asked the network for {requests}"
    assert drawn and all(plot and caption for _, plot, caption in drawn), drawn


TARGETS = """parameters:
  hazard: {prior: {dist: uniform, low: 0.05, high: 0.07}, source: t}
targets:
- {id: alive-24, quantity: alive, date: "24", low: 0.9, high: 1.0, source: t}
- {id: defeat-step, quantity: defeat_step, value: 12, sd: 4, source: t}
"""


def test_a_computed_discrimination_table_is_the_same_in_md_and_json(tmp_path):
    toy = resources.files("inevitable.scenarios.builtin").joinpath("toy.yaml").read_text()
    v = verdict(parse(toy + TARGETS, "toy-targets"), "quick", backend="serial", progress=False)
    paths = write_report(v, tmp_path)
    md = paths["report.md"].read_text()
    assert "Which targets tell the theories apart?" in md
    assert_json_numbers_are_in_md(paths)
    assert assert_md_numbers_are_json_numbers(paths) > 10
