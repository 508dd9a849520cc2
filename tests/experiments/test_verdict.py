"""The verdict end to end: right on the toy's known answer, and complete on the flagship."""

from __future__ import annotations

import json

import pytest

from inevitable.errors import InputError
from inevitable.experiments.verdict import budget_of, verdict
from inevitable.mechanisms.toy import defeat_chance
from inevitable.report.write import write_report


def test_quick_verdict_on_the_toy_gets_the_known_answer(tmp_path):
    v = verdict("toy", "quick", backend="serial", progress=False)
    paths = write_report(v, tmp_path)
    data = json.loads((tmp_path / "verdict.json").read_text())
    assert "report.html" in {str(p) for p in paths} or (tmp_path / "report.html").exists()
    truth = {"yield": defeat_chance(0.05, 0.6, 24, None),
             "resist": defeat_chance(0.05, 0.6, 24, 0)}
    for arm in data["compare"]["arms"]:
        # under B resisting changes nothing
        expected = truth["yield"] if arm["theory"] == "B" else truth[arm["strategy"]]
        e = arm["defeat"]
        assert e["low"] <= expected <= e["high"], (arm["theory"], arm["strategy"])
    for p in data["curve"]["points"]:
        if p["theory"] == "A":
            exact = defeat_chance(0.05, 0.6, 24, int(p["branch"]))
            e = p["inevitability"]
            assert e["low"] <= exact <= e["high"], p["branch"]
    md = (tmp_path / "report.md").read_text()
    for sentence in data["answer"]["sentences"]:
        assert sentence in md
    assert data["theories"]["posterior"] == {"A": 0.5, "B": 0.5}  # no targets: equal weights
    sens = data["sensitivity"]
    # the strategy as a contrast of the one followed with the best alternative
    assert sens["contrast"] == ["yield", "resist"] and sens["names"][-1] == "strategy"
    assert [lv["samples"] for lv in sens["convergence"]] == [2, 4, 8, 16]
    assert sens["runs"] == 16 * (len(sens["names"]) + 2)
    said = "too few runs to say" in " ".join(data["identification"])
    assert said == sens["agency"]["too_few_runs"]


def test_the_verdict_prints_the_agency_share_only_when_precise():
    from inevitable.experiments.sensitivity import sensitivity
    from inevitable.experiments.verdict import _sensitivity_section, agency_sentence

    s = sensitivity("toy", ["hazard"], ["defeat"], strategies=["yield", "resist"], theory="A",
                    samples=4, backend="serial", progress=False)
    d = _sensitivity_section(s, s.indices[0])
    text = agency_sentence(d)
    assert d["agency"]["too_few_runs"] and "too few runs to say" in text
    assert f"about {d['agency']['samples_needed']} base samples" in text and "an estimate" in text
    assert f"The estimate, {d['agency']['estimate']:.0%} ±" in text and "{" not in text
    precise = {**d, "agency": {"estimate": 0.31, "half_width": 0.02, "too_few_runs": False}}
    assert "too few runs" not in agency_sentence(precise)
    assert "explains 31% ±2 points" in agency_sentence(precise)
    assert agency_sentence({**d, "agency": None, "contrast": None}) is None


def test_quick_verdict_on_the_flagship_runs_end_to_end(tmp_path):
    v = verdict("soviet-1923", "quick", backend="processes", workers=2, progress=False)
    write_report(v, tmp_path)
    data = json.loads((tmp_path / "verdict.json").read_text())
    assert set(data["theories"]["posterior"]) == {"T", "C", "N"}
    assert abs(sum(data["theories"]["posterior"].values()) - 1) < 1e-9
    assert len(data["claims"]) == 65
    judged = [c for c in data["claims"] if c["verdict"] != "not tested"]
    assert len(judged) == 17
    assert {p["theory"] for p in data["curve"]["points"]} == {"T", "C", "N"}
    assert data["fans"]["historical"]["cadre"]["labels"][0] == "1923-01"
    assert (tmp_path / "report.html").stat().st_size > 100_000
    rows = data["definition"]["rows"]
    assert {(r["cutoff"], r["threshold"]) for r in rows} == {
        (c, t) for c in ("1927-07", "1928-01", "1928-07", "1929-01") for t in (0.3, 0.5, 0.7)}
    own = [r for r in rows if r["own"]]
    assert len(own) == 1 and own[0]["difference"]["estimate"] == pytest.approx(
        data["answer"]["averaged"][2]["estimate"])  # the headline's own row is the headline
    assert "If the outcome were defined otherwise" in (tmp_path / "report.md").read_text()


def test_budgets_are_checked():
    assert budget_of("default").reps == 2400
    assert budget_of(500).name == "custom"
    with pytest.raises(InputError, match="unknown budget"):
        budget_of("huge")
    with pytest.raises(InputError, match="at least 20"):
        budget_of(5)


def test_the_budget_estimate_counts_the_runs_a_verdict_asks_for():
    from inevitable.experiments.sweep import as_scenario
    from inevitable.experiments.verdict import run_seconds, study_runs

    asked: list[int] = []

    def count(label, done, total):
        if done == 0:  # each sweep reports its size first
            asked.append(total)

    sc = as_scenario("toy")
    b = budget_of("quick")
    v = verdict(sc, "quick", backend="serial", progress=count)
    assert "budget spent" in v["compare"]["stopped"]  # the headline used its whole budget
    assert sum(asked) == study_runs(sc, b)
    assert 0 < run_seconds(sc) < 0.05


def test_the_verdict_tells_which_targets_discriminate_and_counts_their_runs(tmp_path):
    from test_discrimination import TOY

    from inevitable.experiments.verdict import study_runs

    asked: list[int] = []

    def count(label, done, total):
        if done == 0:
            asked.append(total)

    b = budget_of("quick")
    v = verdict(TOY, "quick", backend="serial", progress=count)
    d = v["discrimination"]
    assert d["theories"] == ["A", "B"] and d["strategy"] == "yield"
    assert d["runs"] == {"A": b.discrimination, "B": b.discrimination}
    assert {r["target"] for r in d["rows"]} == {"alive-24", "defeat-step"}
    calibration = v["theories"]["simulations"]  # run before the study, not counted in it
    assert sum(asked) - calibration == study_runs(TOY, b)
    write_report(v, tmp_path)
    saved = json.loads((tmp_path / "verdict.json").read_text())
    assert saved["discrimination"]["summary"]["targets"] == 2
    md = (tmp_path / "report.md").read_text()
    assert "## Which targets tell the theories apart?" in md
    assert "| target | record | A | B | reading | log ratio | at least |" in md


def test_the_late_check_is_drawn_and_averaged_like_the_headline():
    """The answer's late number: theories by weight, parameters from their priors.

    On the toy the truth is an integral: under A, resisting from step b cuts
    the hazard h to h (1 - effect) from then on; under B it changes nothing.
    Averaged over h ~ U(0, 0.1), effect ~ U(0, 1) and A, B at 1/2 each, the
    chance to avoid defeat by step 24 is about 0.449 at b = 6, where theory A
    at the default values alone (what the check once ran) gives 0.511.
    """
    from types import SimpleNamespace

    import numpy as np

    from inevitable.experiments.sweep import as_scenario
    from inevitable.experiments.verdict import _late_chance

    b = 6
    h = np.linspace(0.0, 0.1, 1001)
    e = np.linspace(0.0, 1.0, 1001)
    hh, ee = np.meshgrid(h, e)
    under_a = np.trapezoid(np.trapezoid((1 - hh) ** b * (1 - hh * (1 - ee)) ** (24 - b), e,
                                        axis=0), h) / 0.1
    under_b = np.trapezoid((1 - h) ** 24, h) / 0.1
    truth = 0.5 * under_a + 0.5 * under_b
    defaults_a = 0.95 ** b * (1 - 0.05 * 0.4) ** (24 - b)
    point = SimpleNamespace(step=b, best="resist")
    late = _late_chance(as_scenario("toy"), {"A": 0.5, "B": 0.5}, None, "yield", point,
                        "defeat", 3000, 11, {"backend": "serial", "progress": False})
    assert 1500 <= late.n <= 3000 and late.half_width <= 0.03  # sequential: stops when narrow
    assert late.low <= truth <= late.high
    assert not late.low <= defaults_a <= late.high


@pytest.mark.parametrize(("best", "late", "tail"), [
    ("historical", (0.24, 0.21, 0.27), "no change of course helped any more"),
    ("class-struggle", (0.24, 0.21, 0.27), "still open at the last date studied"),
    ("class-struggle", (0.05, 0.03, 0.07), "all but certain by the end"),
])
def test_the_answer_tells_a_late_chance_of_timing_from_one_of_strategy(best, late, tail):
    """When the best late course is the one followed, what still avoids the outcome
    is the model's history running late, and the answer must not call it open."""
    from types import SimpleNamespace

    from inevitable.experiments.stats import Estimate
    from inevitable.experiments.verdict import _answer

    def num(label, kind, e):
        return {"label": label, "kind": kind, "estimate": e, "low": e - 0.02,
                "high": e + 0.02, "runs": 2000}

    averaged = (num("base", "probability", 0.75), num("best", "probability", 0.52),
                num("difference", "difference", -0.23))
    a = _answer({"T": 0.3, "C": 0.3, "N": 0.4}, "historical", "class-struggle", averaged, {},
                SimpleNamespace(branch="1927-11", best=best), "defeat", Estimate(*late, 600),
                "N")
    assert a["headline"].startswith("Not inevitable at the start")
    assert tail in a["headline"]
    assert ("no strategy did better" in a["sentences"][1]) == (best == "historical")
    assert "averaged over the theories" in a["sentences"][1]
