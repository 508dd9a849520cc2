"""Scenario discovery finds a box planted in synthetic data, and says it in words."""

from __future__ import annotations

import numpy as np
import pytest

from inevitable.errors import InputError
from inevitable.experiments.discover import discover, prim


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(4000, 5))
    inside = (X[:, 1] > 0.4) & (X[:, 3] < 0.3)
    y = np.where(inside, rng.uniform(size=4000) < 0.9, rng.uniform(size=4000) < 0.05)
    peel = prim(X, y.astype(float), [f"x{i}" for i in range(5)], threshold=0.8)
    box = peel.chosen
    assert set(box.limits) >= {"x1", "x3"}
    assert abs(box.limits["x1"][0] - 0.4) < 0.07 and not np.isfinite(box.limits["x1"][1])
    assert abs(box.limits["x3"][1] - 0.3) < 0.07 and not np.isfinite(box.limits["x3"][0])
    for other in ("x0", "x2", "x4"):
        if other in box.limits:  # any spurious restriction must be slight
            lo, hi = box.limits[other]
            assert (lo if np.isfinite(lo) else 0) < 0.15 and (hi if np.isfinite(hi) else 1) > 0.85
    assert box.density > 0.8 and box.coverage > 0.6
    densities = [b.density for b in peel.boxes]
    assert densities[0] < densities[-1]


def test_discovery_on_the_toy_says_where_resisting_avoids_defeat():
    d = discover("toy", ["hazard", "effect"], strategy="resist", theory="A", samples=512,
                 backend="serial", progress=False)
    box = d.peeling.chosen
    assert box.density > d.overall
    # avoiding defeat needs a low hazard and a strong effect of resisting: the box caps
    # the first from above and the second from below
    lo, hi = box.limits["hazard"]
    assert not np.isfinite(lo) and hi < 0.08
    lo, hi = box.limits["effect"]
    assert lo > 0.2 and not np.isfinite(hi)
    assert d.words.startswith("'defeat' avoided under strategy resist in ")
    assert "of the prior" in d.words


def test_discovery_needs_a_yes_no_outcome():
    with pytest.raises(InputError, match="yes/no"):
        discover("toy", ["hazard"], outcome="defeat_step", samples=32, backend="serial",
                 progress=False)


def test_discovery_draws_the_other_parameters_from_a_posterior():
    class Post:
        theories = ["A", "B"]
        particles = [{"hazard": 0.0, "theory": "A"}]
        weights = np.array([1.0])

    d = discover("toy", ["effect"], strategy="resist", theory="A", samples=32,
                 backend="serial", progress=False, posterior=Post())
    assert d.overall == 1.0  # with no hazard at all, nobody is ever defeated
