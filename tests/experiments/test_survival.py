"""Survival curves against the toy's geometric closed form; unreachable outcomes named."""

from __future__ import annotations

import numpy as np
import pytest

from inevitable.experiments.averaged import plan, run_draws
from inevitable.experiments.survival import standing, survival, unreachable
from inevitable.experiments.sweep import as_scenario


def test_standing_counts_runs_not_yet_defeated():
    assert standing(np.array([-1, 0, 2, 2]), 4) == [0.75, 0.75, 0.25, 0.25]


@pytest.fixture(scope="module")
def toy_runs():
    sc = as_scenario("toy")
    draws = plan(sc, {"A": 0.5, "B": 0.5}, 2000, seeds=2, seed=0,
                 fixed={"hazard": 0.05, "effect": 0.6})
    return sc, run_draws(sc, draws, ["yield", "resist"], {"A": 0.5, "B": 0.5},
                         backend="serial", progress=False)


def test_survival_follows_the_geometric_law(toy_runs):
    sc, res = toy_runs
    steps = sc.timeline.steps
    s = survival(res, "defeat", steps, sc.timeline.labels())
    assert s["time"] == "defeat_step"
    by = {(c["strategy"], c["theory"]): c for c in s["curves"]}
    first = int(min(f["defeat_step"] for row in res.finals["yield"] for f in row
                    if f["defeat_step"] >= 0))
    for (strategy, theory), h in [(("yield", "A"), 0.05), (("resist", "A"), 0.02),
                                  (("resist", "B"), 0.05)]:
        c = by[(strategy, theory)]
        exact = [(1 - h) ** (t - first + 1) if t >= first else 1.0 for t in range(steps)]
        assert np.allclose(c["alive"], exact, atol=0.03), (strategy, theory)
        assert c["survive_to_end"] == pytest.approx((1 - h) ** steps, abs=0.03)
        # no cut-off before the end: a run spared defeat was never defeated
        assert c["avoided"] == 1.0 and c["postponed"] == 0.0


def test_an_outcome_no_run_reached_is_unreachable_not_zero(toy_runs):
    _, res = toy_runs
    for row in res.finals["yield"] + res.finals["resist"]:
        for f in row:
            f["prevail"] = 0  # an outcome no strategy ever reaches
    found = unreachable(res, ["defeat", "prevail"])
    assert [u["outcome"] for u in found] == ["prevail"]
    assert found[0]["upper_bound"] == pytest.approx(3 / found[0]["runs"])
    assert "not a measured 0%" in found[0]["note"]


def test_the_strategy_followed_is_placed_against_the_records_months(toy_runs):
    from inevitable.experiments.survival import against_record

    sc, res = toy_runs
    steps = sc.timeline.steps
    labels = sc.timeline.labels()
    r = against_record(res, "yield", "defeat_step", "defeat-step", 5, 9, labels)
    first = int(min(f["defeat_step"] for row in res.finals["yield"] for f in row
                    if f["defeat_step"] >= 0))

    def alive(t: int) -> float:  # the geometric law of 'yield' (hazard 0.05 in A and B)
        return (1 - 0.05) ** (t - first + 1) if t >= first else 1.0

    assert r["runs"] == 4000 and (r["low"], r["high"]) == (labels[5], labels[9])
    assert r["before"] == pytest.approx(1 - alive(4), abs=0.03)
    assert r["within"] == pytest.approx(alive(4) - alive(9), abs=0.03)
    assert r["never"] == pytest.approx(alive(steps - 1), abs=0.03)
    assert r["before_by_half_a_year"] == 0.0  # nothing can come six steps before step 5
    late = against_record(res, "yield", "defeat_step", "defeat-step", 12, 14, labels)
    assert late["before_by_half_a_year"] == pytest.approx(1 - alive(5), abs=0.03)
    assert r["before"] + r["within"] + r["after"] + r["never"] == pytest.approx(1.0, abs=1e-12)
