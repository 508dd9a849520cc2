"""Runs beyond history's bounds, and the headline without them, against exact counts.

On a copy of the toy with a bound on ``defeat_step``, every number is a
count of the headline's own runs (the share beyond a bound, the chance over
the kept runs) or, with the hazard drawn from its U(0, 0.1) prior, a closed
form: E[(1 - h)^n] = 10 (1 - 0.9^(n + 1)) / (n + 1).
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from inevitable.experiments.averaged import Averaged, Draw, plan, run_draws
from inevitable.experiments.mixture import conditional
from inevitable.experiments.plausibility import (
    Bound,
    bounds_of,
    headline_within,
    kept_pairs,
    plausibility,
)
from inevitable.experiments.verdict import verdict
from inevitable.scenarios.loader import Scenario, parse

WEIGHTS = {"A": 0.5, "B": 0.5}


def bounded_toy(bound: str = "max: 12") -> Scenario:
    """The shipped toy with one bound on the step of defeat (a test copy)."""
    text = resources.files("inevitable.scenarios.builtin").joinpath("toy.yaml").read_text()
    return parse(text + f"bounds:\n- id: late\n  final: defeat_step\n  {bound}\n"
                        "  source: test analogue\n", "toy-bounded")


def survive(n: int) -> float:
    """E[(1 - h)^n] with h ~ U(0, 0.1): the chance of standing n steps under yield."""
    return 10 * (1 - 0.9 ** (n + 1)) / (n + 1)


@pytest.fixture(scope="module")
def runs() -> tuple[Scenario, Averaged]:
    sc = bounded_toy()
    draws = plan(sc, WEIGHTS, 400, seeds=2, seed=5)
    return sc, run_draws(sc, draws, ["yield", "resist"], WEIGHTS, backend="serial",
                         progress=False)


def finals(res: Averaged, strategy: str, name: str) -> np.ndarray:
    return np.array([[f[name] for f in row] for row in res.finals[strategy]], dtype=float)


def test_a_bound_is_broken_beyond_its_ends_and_not_at_them():
    b = Bound("b", "x", 2.0, 5.0, "s")
    assert b.broken(np.array([1, 2, 3, 5, 6])).tolist() == [True, False, False, False, True]
    assert Bound("b", "x", None, 5.0, "s").broken(np.array([-9, 6])).tolist() == [False, True]


def test_the_conditional_mean_is_the_mean_over_kept_runs_when_draws_follow_the_weights():
    rng = np.random.default_rng(0)
    v = rng.random((8, 3))
    keep = rng.random((8, 3)) < 0.6
    e = conditional(v, keep, ["A"] * 4 + ["B"] * 4, WEIGHTS)
    assert e.value == pytest.approx(v[keep].mean()) and e.n == int(keep.sum())
    assert e.low < e.value < e.high


def test_the_conditional_mean_reweighs_theories_by_how_often_they_stay_inside():
    # A (weight 0.5, 2 draws): values 1, all kept; B (0.5, 4 draws): 0, half kept
    v = np.array([[1.0, 1.0]] * 2 + [[0.0, 0.0]] * 4)
    keep = np.array([[True, True]] * 2 + [[True, False]] * 4)
    e = conditional(v, keep, ["A", "A", "B", "B", "B", "B"], WEIGHTS)
    # E[Y keep] / E[keep] = (0.5 * 2 + 0.5 * 0) / (0.5 * 2 + 0.5 * 1) = 2/3, not 4/8
    assert e.value == pytest.approx(2 / 3)
    gone = conditional(v, np.array([[False, False]] * 2 + [[True, True]] * 4),
                       ["A", "A", "B", "B", "B", "B"], WEIGHTS)
    assert gone.value == 0.0 and gone.high > 0  # B alone, and not claimed certain


def test_nothing_kept_gives_no_number():
    e = conditional(np.ones((4, 2)), np.zeros((4, 2), bool), ["A", "A", "B", "B"], WEIGHTS)
    assert np.isnan(e.value) and e.n == 0


def test_the_share_beyond_a_bound_is_the_count_of_runs_beyond_it(runs):
    sc, res = runs
    p = plausibility(res, "defeat", bounds_of(sc))
    assert [r["strategy"] for r in p["strategies"]] == ["yield", "resist"]
    for row in p["strategies"]:
        step = finals(res, row["strategy"], "defeat_step")
        beyond = int((step > 12).sum())
        assert 0 < beyond < step.size
        assert row["outside"]["count"] == row["per_bound"]["late"]["count"] == beyond
        assert row["outside"]["estimate"] == pytest.approx(beyond / step.size)
        assert row["outside"]["runs"] == step.size == 800
        defeat = finals(res, row["strategy"], "defeat")
        assert row["chance_within_bounds"]["estimate"] == pytest.approx(
            defeat[step <= 12].mean())
        assert row["chance_within_bounds"]["runs"] == int((step <= 12).sum())
        assert row["most_outside"] is False


def test_the_shares_cover_their_closed_forms_under_yield(runs):
    sc, res = runs
    row = plausibility(res, "defeat", bounds_of(sc))["strategies"][0]
    assert row["strategy"] == "yield"
    beyond = survive(12) - survive(24)  # standing at 12, fallen by 24
    assert row["outside"]["low"] <= beyond <= row["outside"]["high"]
    # defeated by 12, among the runs not defeated in 13..24
    within = (1 - survive(12)) / (1 - beyond)
    f = row["chance_within_bounds"]
    assert f["low"] <= within <= f["high"]


def test_the_headline_within_bounds_keeps_a_pair_only_if_both_arms_are_inside(runs):
    sc, res = runs
    h = headline_within(res, "yield", "resist", "defeat", bounds_of(sc))
    inside = (finals(res, "yield", "defeat_step") <= 12) & (
        finals(res, "resist", "defeat_step") <= 12)
    assert np.array_equal(kept_pairs(res, "yield", "resist", bounds_of(sc)), inside)
    assert h["kept"] == int(inside.sum()) and h["pairs"] == inside.size
    base, alt, diff = h["rows"]
    assert base["estimate"] == pytest.approx(finals(res, "yield", "defeat")[inside].mean())
    assert alt["estimate"] == pytest.approx(finals(res, "resist", "defeat")[inside].mean())
    assert diff["estimate"] == pytest.approx(alt["estimate"] - base["estimate"])
    assert base["runs"] == alt["runs"] == diff["runs"] == h["kept"]
    assert diff["low"] < diff["estimate"] < diff["high"]
    # under B resisting changes nothing: its pairs are both inside or both outside
    b = np.array([d.theory == "B" for d in res.draws])
    assert np.array_equal(inside[b], (finals(res, "yield", "defeat_step") <= 12)[b])
    share = {t: inside[np.array([d.theory == t for d in res.draws])].mean() for t in WEIGHTS}
    assert h["weights"] == pytest.approx({t: share[t] / sum(share.values()) for t in share})


def test_a_strategy_with_most_runs_outside_is_flagged():
    sc = bounded_toy("max: 0")  # every defeated run breaks it
    draws = plan(sc, WEIGHTS, 200, seeds=2, seed=5)
    res = run_draws(sc, draws, ["yield"], WEIGHTS, backend="serial", progress=False)
    row = plausibility(res, "defeat", bounds_of(sc))["strategies"][0]
    assert row["outside"]["estimate"] == pytest.approx(finals(res, "yield", "defeat").mean())
    assert row["outside"]["low"] <= 1 - survive(24) <= row["outside"]["high"]
    assert row["most_outside"] is True  # 1 - E[(1 - h)^24] = 63%
    # inside the bound nobody is defeated: a measured zero, not a certainty
    assert row["chance_within_bounds"]["estimate"] == 0.0
    assert row["chance_within_bounds"]["high"] > 0


def test_no_pair_inside_gives_an_empty_headline_not_a_number():
    draws = [Draw("A", {}, (1, 2)), Draw("A", {}, (3, 4))]
    out = {"defeat": 1, "defeat_step": 20}
    res = Averaged(["yield", "resist"], draws, {"A": 1.0},
                   {s: [[out, out], [out, out]] for s in ("yield", "resist")})
    h = headline_within(res, "yield", "resist", "defeat",
                        [Bound("late", "defeat_step", None, 12.0, "s")])
    assert h["kept"] == 0 and all(r["estimate"] is None for r in h["rows"])
    assert "weights" not in h  # one theory: nothing to reweigh


def test_the_verdict_reports_plausibility_only_for_a_scenario_with_bounds():
    v = verdict(bounded_toy(), "quick", backend="serial", progress=False)
    p, h = v["plausibility"], v["headline_within_bounds"]
    assert [b["id"] for b in p["bounds"]] == ["late"]
    assert {r["strategy"] for r in p["strategies"]} == {"yield", "resist"}
    assert (h["reference"], h["alternative"]) == ("yield", "resist")
    total = v["compare"]["draws"] * v["compare"]["seeds_per_draw"]
    assert h["pairs"] == total and all(r["outside"]["runs"] == total for r in p["strategies"])
    assert v["answer"]["averaged"][2]["label"].startswith("resist minus yield")
    plain = verdict("toy", "quick", backend="serial", progress=False)
    assert "plausibility" not in plain and "headline_within_bounds" not in plain
