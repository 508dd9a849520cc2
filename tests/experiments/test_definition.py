"""The headline under other cut-offs and thresholds, against closed forms and reruns.

A test mechanism makes both parts of the definition exact: each month a blow
halves the opposition's strength with chance ``h`` (``h (1 - EFFECT)`` when
it ducks), and it is defeated the first month its strength falls below
``defeat_share``. So defeat by step ``c`` needs ``k`` blows in ``c`` months,
``k`` the least with ``0.5^k < share``: a binomial tail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from inevitable.engine import Mechanism, Output, Param, register
from inevitable.experiments.averaged import plan, run_draws
from inevitable.experiments.definition import (
    by_cutoff,
    definition_of,
    definition_runs,
    outcome_definition,
    subset,
)
from inevitable.experiments.sweep import as_scenario
from inevitable.experiments.verdict import SEEDS_PER_DRAW

H, EFFECT = 0.15, 0.5


@register
class Blows(Mechanism):
    """Blows that halve strength; defeat below a share of it, counted by a cut-off month."""

    name = "test-blows"
    params = {
        "strategy": Param("stand", "choice", choices=("stand", "duck"), source="test"),
        "defeat_share": Param(0.4, "float", low=0.0, high=1.0, source="test"),
        "cutoff": Param("1923-12", "month", source="test"),
    }
    finals = {"defeat": Output("1 if defeated by the cut-off"),
              "defeat_month": Output("step of defeat, -1 if none")}

    def init(self, sim) -> None:
        self.strength = self.alloc("strength", (), np.float64, 1.0)
        self.when = self.alloc("when", (), np.int64, -1)

    def step(self, sim) -> None:
        h = H * (1 - EFFECT) if self.p.strategy == "duck" else H
        if self.stream("blow").uniform(1)[0] < h:
            self.strength[()] *= 0.5
        if self.when < 0 and self.strength < self.p.defeat_share:
            self.when[()] = sim.t

    def record(self, sim):
        return {}

    def finalize(self, sim):
        cutoff = sim.timeline.step_of(self.p.cutoff)
        return {"defeat": int(0 <= self.when <= cutoff), "defeat_month": int(self.when)}


YAML = """name: blows
title: blows against a share of strength
mechanisms: [test-blows]
time: {unit: month, start: "1923-01", end: "1925-01"}
outcomes:
  defeat: {final: defeat, doc: defeated by the cut-off}
outputs:
  final: [defeat, defeat_month]
"""


def chance(h: float, months: int, share: float) -> float:
    """P(at least k blows in ``months``), k the least with 0.5^k < share."""
    k = next(k for k in range(1, 60) if 0.5 ** k < share)
    return sum(math.comb(months, j) * h ** j * (1 - h) ** (months - j)
               for j in range(k, months + 1))


@pytest.fixture(scope="module")
def blows(tmp_path_factory):
    path = tmp_path_factory.mktemp("blows") / "blows.yaml"
    path.write_text(YAML)
    sc = as_scenario(str(path))
    draws = plan(sc, {None: 1.0}, 500, seeds=2, seed=3)
    res = run_draws(sc, draws, ["stand", "duck"], {None: 1.0}, backend="serial",
                    progress=False)
    return sc, res


def test_the_grid_sits_around_the_scenarios_own_definition(blows):
    sc, res = blows
    d = definition_of(sc, "defeat", res.finals["stand"][0][0])
    labels = sc.timeline.labels()
    assert d.time == "defeat_month" and d.cutoff_param == "cutoff"
    assert [labels[c] for c in d.cutoffs] == ["1923-06", "1923-12", "1924-06", "1924-12"]
    assert d.threshold_param == "defeat_share"
    assert d.thresholds == (0.2, 0.4, 0.6) and d.other_thresholds == (0.2, 0.6)
    # two other thresholds, two strategies, the draws and their seeds
    assert definition_runs(sc, "defeat", 1, 50, SEEDS_PER_DRAW) == 2 * 2 * 50 * 2
    toy = as_scenario("toy")  # no cut-off parameter: by the run's last step; no threshold
    t = definition_of(toy, "defeat", {"defeat": 1, "defeat_step": 3})
    assert t.cutoff_param is None and t.cutoffs == (12, 18, 24) and t.threshold_param is None
    assert definition_runs(toy, "defeat", 2, 50, SEEDS_PER_DRAW) == 0


def test_a_cutoff_reread_from_the_runs_equals_rerunning_with_that_cutoff(blows):
    sc, res = blows
    draws = res.draws[:40]
    again = run_draws(sc, draws, ["stand"], {None: 1.0}, overrides={"cutoff": "1924-06"},
                      backend="serial", progress=False)
    head = type(res)(res.strategies, draws, res.weights,
                     {s: res.finals[s][:40] for s in res.strategies})
    reread = by_cutoff(head, "defeat", "defeat_month", sc.timeline.step_of("1924-06"))
    assert np.array_equal(reread.values("stand", "defeat"), again.values("stand", "defeat"))
    assert 0.2 < again.values("stand", "defeat").mean() < 0.9  # a test that can tell


def test_every_cell_of_the_grid_follows_the_binomial_tail(blows):
    sc, res = blows
    out = outcome_definition(sc, res, "stand", "duck", "defeat", 500, backend="serial",
                             progress=False)
    tl = sc.timeline
    assert out["cutoff"] == {"parameter": "cutoff", "value": "1923-12"}
    assert out["threshold"] == {"parameter": "defeat_share", "value": 0.4}
    assert len(out["rows"]) == 12
    for r in out["rows"]:
        months = tl.step_of(r["cutoff"])
        stand = chance(H, months, r["threshold"])
        duck = chance(H * (1 - EFFECT), months, r["threshold"])
        for key, truth in (("reference", stand), ("alternative", duck),
                           ("difference", duck - stand)):
            f = r[key]
            half = (f["high"] - f["low"]) / 2
            # four standard errors: a wrong count of blows or month is far outside
            assert abs(f["estimate"] - truth) <= 2 * half + 1e-9, (r["cutoff"],
                                                                   r["threshold"], key)
        assert r["draws"] == 500
        assert r["best"] == ("duck" if r["threshold"] == 0.4 else None)
    own = [r for r in out["rows"] if r["own"]]
    assert len(own) == 1 and (own[0]["cutoff"], own[0]["threshold"]) == ("1923-12", 0.4)
    # the headline's own row is the headline, number for number
    head = res.difference("duck", "stand", "defeat").estimate
    assert own[0]["difference"]["estimate"] == pytest.approx(head.value)
    assert own[0]["difference"]["low"] == pytest.approx(head.low)
    # the thresholds order the chances: a higher share is reached with fewer blows
    at = {(r["cutoff"], r["threshold"]): r["reference"]["estimate"] for r in out["rows"]}
    assert at[("1924-06", 0.2)] < at[("1924-06", 0.4)] < at[("1924-06", 0.6)]


def test_the_toy_grid_costs_no_runs_and_matches_the_geometric_law():
    sc = as_scenario("toy")
    weights = {"A": 0.5, "B": 0.5}
    draws = plan(sc, weights, 800, seeds=2, seed=1, fixed={"hazard": 0.05, "effect": 0.6})
    res = run_draws(sc, draws, ["yield", "resist"], weights, backend="serial",
                    progress=False)
    calls: list[str] = []
    out = outcome_definition(sc, res, "yield", "resist", "defeat", 100, backend="serial",
                             progress=lambda label, done, total: calls.append(label))
    assert not calls  # no threshold to move and cut-offs re-read: nothing ran
    assert out["threshold"] is None and [r["cutoff"] for r in out["rows"]] == ["12", "18", "24"]
    for r in out["rows"]:
        c = int(r["cutoff"])
        y = 1 - 0.95 ** c
        rs = 0.5 * (1 - 0.98 ** c) + 0.5 * y  # resisting works under A only
        for key, truth in (("reference", y), ("alternative", rs), ("difference", rs - y)):
            f = r[key]
            assert abs(f["estimate"] - truth) <= (f["high"] - f["low"]) + 1e-9, (c, key)


def test_a_time_final_that_does_not_date_the_outcome_is_not_reread(blows):
    sc, res = blows
    broken = type(res)(res.strategies, res.draws, res.weights,
                       {s: [[{**f, "defeat_month": -1} for f in row] for row in res.finals[s]]
                        for s in res.strategies})
    out = outcome_definition(sc, broken, "stand", "duck", "defeat", 10, backend="serial",
                             progress=False)
    assert out["rows"] == [] and "cannot be re-read" in out["note"]


def test_the_subset_keeps_the_theories_in_proportion():
    sc = as_scenario("toy")
    draws = plan(sc, {"A": 0.75, "B": 0.25}, 40, seeds=2)
    picked = subset(draws, {"A": 0.75, "B": 0.25}, 8)
    assert [d.theory for d in picked] == ["A"] * 6 + ["B"] * 2
    assert picked[0] is draws[0]  # the headline's own draws, so paired with it


def test_the_flagships_defeat_month_rereads_to_its_defeat_at_any_cutoff():
    # the flagship's cut-offs cost no runs only if defeat_month dates defeat exactly
    sc = as_scenario("soviet-1923")
    weights = {"C": 1.0}
    draws = plan(sc, weights, 12, seeds=1, seed=7)
    strategies = ["historical", "class-struggle"]
    res = run_draws(sc, draws, strategies, weights, backend="serial", progress=False)
    d = definition_of(sc, "defeat", res.finals["historical"][0][0])
    assert d.time == "defeat_month" and d.threshold_param == "defeat_share"
    labels = sc.timeline.labels()
    assert [labels[c] for c in d.cutoffs] == ["1927-07", "1928-01", "1928-07", "1929-01"]
    early, late = (by_cutoff(res, "defeat", "defeat_month", sc.timeline.step_of(w))
                   for w in ("1927-07", "1929-01"))
    assert not np.array_equal(early.values("historical", "defeat"),
                              late.values("historical", "defeat"))  # the cut-off matters here
    for when in ("1927-07", "1929-01"):
        again = run_draws(sc, draws, strategies, weights, overrides={"cutoff": when},
                          backend="serial", progress=False)
        reread = by_cutoff(res, "defeat", "defeat_month", sc.timeline.step_of(when))
        for s in strategies:
            assert np.array_equal(reread.values(s, "defeat"), again.values(s, "defeat")), when
