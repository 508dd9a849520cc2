"""Tipping points against closed forms: a toy whose effect is linear in one parameter."""

from __future__ import annotations

import numpy as np
import pytest

from inevitable.engine import Mechanism, Output, Param, register
from inevitable.engine.params import Uniform
from inevitable.experiments.averaged import plan, run_draws
from inevitable.experiments.priors import sceptical
from inevitable.experiments.screen import screen
from inevitable.experiments.sequential import finding
from inevitable.experiments.sweep import as_scenario
from inevitable.experiments.tipping import (
    favouring_mass,
    threshold,
    tipping_curve,
    tipping_map,
)

X0, SLOPE = 0.4, 0.8


@register
class Linear(Mechanism):
    """Defeat with chance 1/2 under 'base'; under 'alt' 1/2 + SLOPE (x - X0).

    So the alternative's effect, SLOPE (x - X0), is linear in x and flips
    sign at X0; ``noise`` does nothing at all.
    """

    name = "test-linear"
    params = {
        "x": Param(0.5, "float", low=0.0, high=1.0, prior=Uniform(low=0.0, high=1.0),
                   source="test"),
        "noise": Param(0.5, "float", low=0.0, high=1.0, prior=Uniform(low=0.0, high=1.0),
                       source="test"),
        "strategy": Param("base", "choice", choices=("base", "alt"), source="test"),
    }
    finals = {"defeat": Output("1 if defeated")}

    def init(self, sim) -> None:
        self.lost = self.alloc("lost", (), np.int8, 0)

    def step(self, sim) -> None:
        p = 0.5 if self.p.strategy == "base" else 0.5 + SLOPE * (self.p.x - X0)
        self.lost[()] = int(self.stream("u").uniform(1)[0] < p)

    def record(self, sim):
        return {}

    def finalize(self, sim):
        return {"defeat": int(self.lost)}


YAML = """name: linear
title: a linear effect
mechanisms: [test-linear]
time: {unit: tick, steps: 1}
outcomes:
  defeat: {final: defeat, doc: defeated}
outputs:
  final: [defeat]
"""


@pytest.fixture(scope="module")
def linear(tmp_path_factory):
    path = tmp_path_factory.mktemp("linear") / "linear.yaml"
    path.write_text(YAML)
    return as_scenario(str(path))


def _difference_at(sc, n=400):
    def at(fixed):
        draws = plan(sc, {None: 1.0}, n, seeds=1, seed=5, fixed=fixed)
        res = run_draws(sc, draws, ["base", "alt"], {None: 1.0}, backend="serial",
                        progress=False)
        return res.difference("alt", "base", "defeat").estimate
    return at


def test_threshold_and_mass_of_a_linear_difference_are_exact():
    u = (np.arange(9) + 0.5) / 9  # a uniform(0, 1) prior: x = u
    diff = SLOPE * (u - X0)
    assert threshold(u, diff) == pytest.approx(X0)
    assert favouring_mass(u, diff) == pytest.approx(X0, abs=1e-3)
    assert threshold(u, np.abs(diff) + 0.1) is None  # never flips
    assert favouring_mass(u, np.abs(diff) + 0.1) == 0.0
    assert threshold([0, 1, 2], [0.2, 0.0, 0.1]) is None  # touching zero is not a flip


def test_the_tipping_point_of_the_linear_toy_is_found(linear):
    cur = tipping_curve(linear, "x", 9, _difference_at(linear))
    out = cur.to_dict(finding)
    assert out["threshold"] == pytest.approx(X0, abs=0.05)
    assert out["prior_mass_favouring_alternative"] == pytest.approx(X0, abs=0.05)
    for p in out["points"]:  # each point's interval holds its closed form
        assert p["low"] - 1e-9 <= SLOPE * (p["value"] - X0) <= p["high"] + 1e-9


def test_the_two_parameter_map_sees_only_the_parameter_that_matters(linear):
    m = tipping_map(linear, ("x", "noise"), 4, _difference_at(linear, 200))
    grid = np.array(m["difference"])
    assert np.all(np.diff(grid.mean(axis=1)) > 0)  # rises with x
    assert np.ptp(grid, axis=1).max() < 0.15  # flat in noise
    assert m["prior_mass_favouring_alternative"] == pytest.approx(0.5, abs=0.01)  # 2 of 4 x


def test_the_screen_picks_the_parameter_that_moves_the_difference(linear):
    draws = plan(linear, {None: 1.0}, 600, seeds=1, seed=9)
    res = run_draws(linear, draws, ["base", "alt"], {None: 1.0}, backend="serial",
                    progress=False)
    d = (res.values("alt", "defeat") - res.values("base", "defeat")).mean(axis=1)
    ranked = screen([dr.params for dr in draws], d, ["noise", "x"])
    assert ranked[0].name == "x" and ranked[0].rho > 0.3 and ranked[0].significant
    assert all(not s.significant or s.name == "x" for s in ranked)


def test_a_sceptical_prior_puts_its_mass_near_zero():
    p = sceptical(Uniform(low=0.0, high=0.6))
    assert p.support == (0.0, 0.6)
    assert float(p.ppf(np.array([0.9]))[0]) == pytest.approx(0.6 * (1 - 0.1 ** (1 / 9)))
