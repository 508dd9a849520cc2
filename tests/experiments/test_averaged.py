"""Posterior-predictive, model-averaged numbers against closed forms.

The synthetic checks draw 0/1 outcomes with known chances per theory and
parameter value, so every variance component is known exactly; the toy
checks run the real simulator on a posterior of two parameter values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from inevitable.errors import InputError
from inevitable.experiments.averaged import plan, run_draws, uncertain
from inevitable.experiments.mixture import allocate, mixture
from inevitable.experiments.posterior import Posterior, prior_to_json
from inevitable.experiments.sweep import as_scenario
from inevitable.mechanisms.toy import defeat_chance


def _synthetic(n_a: int, n_b: int, k: int, seed: int = 1):
    """Theory A (weight 0.3): chance 0.2 or 0.6, equally likely; B (0.7): always 0.9."""
    rng = np.random.default_rng(seed)
    m = np.concatenate([rng.choice([0.2, 0.6], n_a), np.full(n_b, 0.9)])
    values = (rng.random((n_a + n_b, k)) < m[:, None]).astype(float)
    return values, ["A"] * n_a + ["B"] * n_b


def test_the_mixture_mean_and_the_variance_split_recover_known_components():
    values, theories = _synthetic(6000, 14000, 2)
    mix = mixture(values, theories, {"A": 0.3, "B": 0.7})
    # mean 0.3 * 0.4 + 0.7 * 0.9 = 0.75; Var(Y) = 0.75 * 0.25 = 0.1875, of which
    # seeds E[m(1-m)] = 0.3 * 0.2 + 0.7 * 0.09 = 0.123, parameters 0.3 * Var_A(m) = 0.012,
    # theories 0.3 * 0.7 * 0.5^2 = 0.0525
    assert mix.estimate.low <= 0.75 <= mix.estimate.high
    assert mix.estimate.half_width < 0.01
    split = mix.variance
    assert sum(split.values()) == pytest.approx(1.0)
    assert split["seeds"] == pytest.approx(0.123 / 0.1875, abs=0.03)
    assert split["parameters"] == pytest.approx(0.012 / 0.1875, abs=0.03)
    assert split["theories"] == pytest.approx(0.0525 / 0.1875, abs=0.03)
    a = mix.for_theory("A")
    assert a.low <= 0.4 <= a.high


def test_the_interval_covers_the_truth_at_its_nominal_rate():
    covered = 0
    for s in range(200):
        values, theories = _synthetic(30, 70, 2, seed=100 + s)
        e = mixture(values, theories, {"A": 0.3, "B": 0.7}).estimate
        covered += e.low <= 0.75 <= e.high
    assert 0.90 <= covered / 200 <= 0.99


def test_an_outcome_that_never_varies_has_no_split_and_no_false_certainty():
    mix = mixture(np.zeros((10, 2)), ["A"] * 5 + ["B"] * 5, {"A": 0.5, "B": 0.5})
    assert mix.variance == {"seeds": None, "parameters": None, "theories": None}
    assert mix.estimate.value == 0 and mix.estimate.high > 0.05  # a floor, not [0, 0]


def test_one_seed_per_draw_leaves_the_split_unknown():
    values, theories = _synthetic(50, 50, 1)
    assert mixture(values, theories, {"A": 0.3, "B": 0.7}).variance["seeds"] is None


def test_allocation_follows_the_weights_with_a_floor():
    # the floor's two draws for N come out of the others' rounding; the total stays 100
    assert allocate({"T": 0.48, "C": 0.52, "N": 0.002}, 100, minimum=2) == {
        "T": 47, "C": 51, "N": 2}
    assert sum(allocate({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}, 10).values()) == 10
    with pytest.raises(InputError, match="no theory"):
        allocate({"A": 0.0}, 10)


def toy_posterior(effects: list[float], theories: list[str]) -> Posterior:
    """A calibration of the toy's ``effect`` that left two values, equally weighted."""
    sc = as_scenario("toy")
    n = len(effects)
    return Posterior(scenario="toy", scenario_hash=sc.hash, params=["effect"], kinds=["float"],
                     priors={"effect": prior_to_json(sc.priors["effect"])},
                     theories=["A", "B"], fixed={}, targets=[],
                     theta=np.array([[e] for e in effects]), theory=theories,
                     weights=np.full(n, 1.0 / n), distances=np.zeros(n),
                     errors=np.zeros((n, 0)), epsilons=[0.0], history=[], n_simulations=n,
                     settings={})


def test_a_posterior_of_two_values_gives_the_mixture_of_their_chances():
    sc = as_scenario("toy")
    post = toy_posterior([0.2, 0.8, 0.2, 0.8], ["A", "A", "B", "B"])
    weights = post.theory_probabilities
    assert weights == {"A": 0.5, "B": 0.5}
    assert uncertain(sc, post, {"hazard": 0.05}) == []
    draws = plan(sc, weights, 3000, seeds=2, seed=0, posterior=post, fixed={"hazard": 0.05})
    assert {d.params["effect"] for d in draws} == {0.2, 0.8}
    seeds = [r for d in draws for r in d.seeds]
    assert len(seeds) == len(set(seeds))  # no seed twice
    res = run_draws(sc, draws, ["yield", "resist"], weights, backend="serial", progress=False)
    resist_a = 0.5 * (defeat_chance(0.05, 0.2, 24, 0) + defeat_chance(0.05, 0.8, 24, 0))
    yielded = defeat_chance(0.05, 0.0, 24, None)
    truth = 0.5 * resist_a + 0.5 * yielded  # under B resisting does nothing
    got = res.chance("resist", "defeat")
    assert got.estimate.low <= truth <= got.estimate.high
    assert got.for_theory("A").low <= resist_a <= got.for_theory("A").high
    diff = res.difference("resist", "yield", "defeat")
    assert diff.estimate.low <= truth - yielded <= diff.estimate.high
    # under B the paired difference is zero run by run: common random numbers
    b = [i for i, d in enumerate(draws) if d.theory == "B"]
    delta = res.values("resist", "defeat") - res.values("yield", "defeat")
    assert np.all(delta[b] == 0)


def test_unfixed_parameters_are_drawn_from_their_priors():
    sc = as_scenario("toy")
    draws = plan(sc, {"A": 1.0}, 400, seeds=1, seed=3)
    h = np.array([d.params["hazard"] for d in draws])
    assert h.min() >= 0 and h.max() <= 0.1 and abs(h.mean() - 0.05) < 0.006
    again = plan(sc, {"A": 1.0}, 400, seeds=1, seed=3)
    assert [d.params for d in again] == [d.params for d in draws]  # reproducible
    later = plan(sc, {"A": 1.0}, 10, seeds=1, seed=3, start=400)
    assert later[0].seeds[0] == 3 + 400 and later[0].params != draws[0].params


def test_the_draws_take_nuisance_values_from_the_particles_unless_a_prior_replaces_them():
    sc = as_scenario("toy")
    post = toy_posterior([0.2, 0.8, 0.2, 0.8], ["A", "A", "B", "B"])
    post = Posterior(**{**{f: getattr(post, f) for f in (
        "scenario", "scenario_hash", "params", "kinds", "priors", "theories", "fixed",
        "targets", "theta", "theory", "weights", "distances", "errors", "epsilons",
        "history", "n_simulations", "settings")},
        "nuisance": ["hazard"], "nuisance_kinds": ["float"],
        "nuisance_priors": {"hazard": prior_to_json(sc.priors["hazard"])},
        "nuisance_values": np.array([[0.01], [0.09], [0.02], [0.08]])})
    assert uncertain(sc, post) == []
    weights = post.theory_probabilities
    draws = plan(sc, weights, 400, seeds=1, seed=0, posterior=post)
    pairs = {(d.theory, d.params["effect"], d.params["hazard"]) for d in draws}
    assert pairs == {("A", 0.2, 0.01), ("A", 0.8, 0.09), ("B", 0.2, 0.02), ("B", 0.8, 0.08)}
    # a sceptical prior wins over the stored values, given to plan ...
    from inevitable.engine.params import Uniform

    sceptic = plan(sc, weights, 400, seeds=1, seed=0, posterior=post,
                   priors={"hazard": Uniform(low=0.03, high=0.04)})
    h = np.array([d.params["hazard"] for d in sceptic])
    assert h.min() >= 0.03 and h.max() <= 0.04
    assert {d.params["effect"] for d in sceptic} == {0.2, 0.8}
    # ... or written into the scenario (verdict --prior): the stored values were drawn
    # under another prior, so they no longer stand for it
    other = sc.with_priors({"hazard": {"dist": "uniform", "low": 0.03, "high": 0.04}})
    assert uncertain(other, post) == ["hazard"]
    h = np.array([d.params["hazard"] for d in plan(other, weights, 400, seeds=1, seed=0,
                                                   posterior=post)])
    assert h.min() >= 0.03 and h.max() <= 0.04

    # the answer says where the values came from, as the draws above took them
    from inevitable.experiments.verdict import _drawn

    assert _drawn(sc, post) == ("their calibrated parameters and 1 other uncertain one, all "
                                "drawn together from the calibration's particles")
    assert _drawn(other, post) == "their calibrated parameters and the priors of the rest"
    assert _drawn(sc, None) == "their parameters' priors"


def test_the_contraction_is_the_posterior_sd_over_the_prior_sd():
    # two values 0.6 apart, equally weighted: sd 0.3, against uniform(0, 1)'s 1/sqrt(12)
    post = toy_posterior([0.2, 0.8, 0.2, 0.8], ["A", "A", "B", "B"])
    assert abs(post.contraction()["effect"] - 0.3 * math.sqrt(12)) < 1e-3
    assert post.to_dict()["contraction"]["effect"] == post.contraction()["effect"]
