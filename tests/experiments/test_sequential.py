"""Sequential allocation stops where the square-root law says, and flags what it cannot reach."""

from __future__ import annotations

import math

from inevitable.experiments.averaged import plan, run_draws
from inevitable.experiments.sequential import (
    TARGET,
    finding,
    next_batch,
    runs_needed,
    sequential,
)
from inevitable.experiments.stats import Estimate, Z
from inevitable.experiments.sweep import as_scenario
from inevitable.mechanisms.toy import defeat_chance

P = defeat_chance(0.05, 0.6, 24, 0)  # the toy's chance of defeat when resisting throughout
N_STAR = Z ** 2 * P * (1 - P) / TARGET ** 2  # runs for a half-width of 3 points


def _toy_runner():
    sc = as_scenario("toy")

    def run(start: int, n: int):
        draws = plan(sc, {"A": 1.0}, n, seeds=2, seed=0, start=start,
                     fixed={"hazard": 0.05, "effect": 0.6})
        return run_draws(sc, draws, ["resist"], {"A": 1.0}, backend="serial", progress=False)

    return run


def _width(res) -> float:
    return res.chance("resist", "defeat").estimate.half_width


def test_the_stopping_rule_stops_near_the_closed_form_run_count():
    seq = sequential(_toy_runner(), _width, first=100, budget=5000)
    e = seq.result.chance("resist", "defeat").estimate
    assert e.half_width <= TARGET and e.low <= P <= e.high
    assert 0.8 * N_STAR <= e.n <= 1.3 * N_STAR, (e.n, N_STAR)
    assert len(seq.draws) <= 3 and "narrow enough" in seq.stopped


def test_a_budget_too_small_stops_at_the_budget_and_says_what_it_would_need():
    seq = sequential(_toy_runner(), _width, first=50, budget=150)
    e = seq.result.chance("resist", "defeat").estimate
    assert len(seq.result.draws) == 150 and "budget spent" in seq.stopped
    f = finding(e)
    assert f["too_few_runs"] is True
    assert 0.8 * N_STAR <= f["runs_needed"] <= 1.25 * N_STAR
    assert {"estimate", "low", "high", "runs"} <= set(f) and f["runs"] == 300


def test_the_batch_rule():
    assert next_batch(100, 0.02, 0.03, 1000) == 0  # narrow enough
    assert next_batch(1000, 0.06, 0.03, 1000) == 0  # budget spent
    assert next_batch(100, 0.06, 0.03, 10_000) == math.ceil(100 * 4 * 1.05) - 100
    assert next_batch(100, 0.06, 0.03, 250) == 150  # never past the budget
    assert runs_needed(Estimate(0.5, 0.44, 0.56, 400)) in (1600, 1601)  # float rounding
    assert "too_few_runs" not in finding(Estimate(0.5, 0.48, 0.52, 2000))
