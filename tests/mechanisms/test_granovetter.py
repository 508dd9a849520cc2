"""Granovetter's cascade equals the analytic fixed point of the threshold CDF."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from inevitable.mechanisms.granovetter import fixed_point
from inevitable.scenarios.loader import scenario

SC = scenario("granovetter")


def _final(thresholds, seed=0):
    r = SC.run(seed=seed, params={"thresholds": list(thresholds)}, steps=len(thresholds) + 1)
    assert r.final["converged"]
    return r.final["participants"]


def test_granovetters_uniform_example_everyone_joins():
    assert _final([i / 100 for i in range(100)]) == 100


def test_granovetters_perturbed_example_only_one_joins():
    thresholds = [0.0, 0.02, *[i / 100 for i in range(2, 100)]]
    assert len(thresholds) == 100
    assert _final(thresholds) == 1


def _iterate_cdf(thresholds):
    """r(t+1) = F(r(t)) from r = F(0), with F the empirical CDF, in exact counts."""
    t = np.asarray(thresholds)
    n = len(t)
    count = 0
    while True:
        nxt = int(np.sum(t * n <= count + 1e-9))
        if nxt == count:
            return count
        count = nxt


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40).flatmap(
    lambda n: st.lists(st.integers(0, n), min_size=n, max_size=n)))
def test_cascade_matches_fixed_point_on_random_threshold_lists(counts):
    n = len(counts)
    thresholds = [c / n for c in counts]  # thresholds as fractions of this population
    expected = _iterate_cdf(thresholds)
    assert fixed_point(thresholds) == expected
    assert _final(thresholds) == expected


def test_normal_thresholds_cascade_flips_with_spread():
    """Granovetter: mean 0.25, participation jumps from a few to nearly all near sd 0.1-0.12."""
    def mean_share(sd):
        runs = [SC.run(seed=s, params={"sd": sd, "n": 1000}) for s in range(30)]
        return np.mean([r.final["participation"] for r in runs])

    assert mean_share(0.05) < 0.05
    assert mean_share(0.2) > 0.9


def test_series_is_monotone_and_starts_from_nobody():
    r = SC.run(seed=3, params={"sd": 0.15})
    p = r.series["participation"]
    assert p[0] == 0.0
    assert np.all(np.diff(p) >= 0)
