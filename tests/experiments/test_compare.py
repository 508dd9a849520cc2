"""Paired comparisons: honest intervals, and pairing that pays."""

from __future__ import annotations

import numpy as np

from inevitable.experiments.compare import compare
from inevitable.experiments.stats import paired_difference, share
from inevitable.mechanisms.toy import defeat_chance
from inevitable.scenarios.loader import scenario

TOY = scenario("toy")


def test_intervals_cover_the_true_chance_at_about_the_nominal_rate():
    truth = {"yield": defeat_chance(0.05, 0.6, 24, None),
             "resist": defeat_chance(0.05, 0.6, 24, 0)}
    hits = {"yield": 0, "resist": 0}
    experiments = 60
    for j in range(experiments):
        c = compare(TOY, theories="A", reps=60, seed=1000 * j, backend="serial",
                    progress=False)
        for strategy, p in truth.items():
            e = c.arm(strategy, "A").estimates["defeat"]
            hits[strategy] += e.low <= p <= e.high
    for strategy, h in hits.items():
        # 95% nominal; with 60 experiments anything below ~85% would be a real failure
        assert 0.85 <= h / experiments <= 1.0, (strategy, h)


def test_the_paired_difference_is_unbiased_and_its_interval_covers_the_truth():
    c = compare(TOY, theories="A", reps=2000, seed=7, backend="serial", progress=False)
    d = c.differences[0]
    true = defeat_chance(0.05, 0.6, 24, 0) - defeat_chance(0.05, 0.6, 24, None)
    assert d.estimate.low <= true <= d.estimate.high
    assert d.estimate.half_width < d.unpaired_half_width


def test_under_a_theory_where_nothing_matters_the_paired_difference_is_exactly_zero():
    c = compare(TOY, theories="B", reps=100, seed=3, backend="serial", progress=False)
    d = c.differences[0]
    assert d.estimate.value == 0 and d.estimate.half_width == 0


def test_pairing_reduces_the_variance_of_a_difference_on_the_flagship():
    # the two differ only through the international demands, which matter only when a
    # revolution abroad can succeed: at the default success_chance most runs are
    # identical in both arms (no variance to reduce), so the test raises it
    c = compare("soviet-1923", strategies=["historical", "bloc-holding-demands"], theories="C",
                reps=24, seed=0, backend="serial", progress=False,
                outcomes=["democracy_index"], params={"success_chance": 0.05})
    for d in c.differences:
        assert d.estimate.half_width < d.unpaired_half_width, d.outcome
        assert d.runs_saved > 0.3, (d.outcome, d.runs_saved)


def test_wilson_interval_and_paired_difference_helpers():
    e = share(0, 50)
    assert e.value == 0 and e.low == 0 and 0 < e.high < 0.1
    a = np.array([1.0, 2.0, 3.0, 4.0])
    d, unpaired = paired_difference(a + 1, a)
    assert d.value == 1 and d.half_width == 0 and unpaired > 0


class _Posterior:
    """Just what posterior-predictive experiments read from a calibration."""

    theories = ["A", "B"]

    def __init__(self):
        self.particles = [{"hazard": 0.01, "theory": "A"}, {"hazard": 0.2, "theory": "A"},
                          {"hazard": 0.09, "theory": "B"}]
        self.weights = np.array([0.5, 0.5, 0.0])


def test_posterior_predictive_compare_draws_per_seed_and_pairs_the_arms():
    from inevitable.experiments.predictive import draws

    post = _Posterior()
    c = compare(TOY, theories="A", reps=200, seed=5, backend="serial", progress=False,
                posterior=post)
    d = draws(post, "A", 200, 5)
    assert {x["hazard"] for x in d} == {0.01, 0.2}  # only theory A's particles
    # the mixture of the two hazards, not the scenario's 0.05
    truth = np.mean([defeat_chance(x["hazard"], 0.6, 24, None) for x in d])
    e = c.arm("yield", "A").estimates["defeat"]
    assert e.low <= truth <= e.high
    assert c.meta["posterior_predictive"]


def test_a_theory_without_posterior_weight_cannot_be_drawn():
    import pytest

    from inevitable.errors import InputError

    with pytest.raises(InputError, match="no weight"):
        compare(TOY, theories="B", reps=10, backend="serial", progress=False,
                posterior=_Posterior())
