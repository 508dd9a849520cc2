"""Sobol indices against the Ishigami function's analytic values; agency shares."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inevitable.engine import Mechanism, Output, Param, register
from inevitable.engine.params import Uniform
from inevitable.errors import InputError
from inevitable.experiments.sensitivity import sensitivity
from inevitable.scenarios.loader import parse

PI = math.pi


@register
class Ishigami(Mechanism):
    """y = sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1 (Ishigami & Homma 1990)."""

    name = "test-ishigami"
    params = {f"x{i}": Param(0.0, "float", low=-PI, high=PI, prior=Uniform(low=-PI, high=PI),
                             source="test") for i in (1, 2, 3)}
    finals = {"y": Output("the Ishigami function")}

    def finalize(self, sim):
        x1, x2, x3 = self.p.x1, self.p.x2, self.p.x3
        return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3 ** 4 * math.sin(x1)}


ISHIGAMI = parse("""\
name: ishigami
title: Ishigami test function
mechanisms: [test-ishigami]
time: {unit: tick, steps: 1}
""", "ishigami.yaml")

# analytic indices for a = 7, b = 0.1
S1 = np.array([0.3139, 0.4424, 0.0])
ST = np.array([0.5576, 0.4424, 0.2437])


def test_sobol_indices_match_the_analytic_ishigami_values_within_their_intervals():
    s = sensitivity(ISHIGAMI, outcomes=["y"], samples=1024, backend="serial", progress=False)
    ix = s.indices[0]
    assert ix.names == ["x1", "x2", "x3"]
    for i in range(3):
        # within the bootstrap interval, widened a little for the estimator's bias
        assert abs(ix.S1[i] - S1[i]) <= max(ix.S1_conf[i], 0.02) + 0.02, (i, ix.S1[i])
        assert abs(ix.ST[i] - ST[i]) <= max(ix.ST_conf[i], 0.02) + 0.02, (i, ix.ST[i])


def test_morris_ranks_the_ishigami_factors():
    s = sensitivity(ISHIGAMI, outcomes=["y"], method="morris", samples=40, backend="serial",
                    progress=False)
    mu = s.morris["y"]["mu_star"]
    assert mu[0] > mu[2] and mu[1] > mu[2] * 0.5


def test_agency_share_is_zero_where_strategy_cannot_matter_and_positive_where_it_can():
    a = sensitivity("toy", params=["hazard"], strategies=True, theory="B", outcomes=["defeat"],
                    samples=64, replicates=4, backend="serial", progress=False)
    b = sensitivity("toy", params=["hazard"], strategies=True, theory="A", outcomes=["defeat"],
                    samples=64, replicates=4, backend="serial", progress=False)
    assert a.indices[0].agency_share == pytest.approx(0.0, abs=0.05)
    assert b.indices[0].agency_share > 0.2


def test_bad_designs_are_refused():
    with pytest.raises(InputError, match="power of two"):
        sensitivity("toy", samples=100, backend="serial", progress=False)
    with pytest.raises(InputError, match="has no prior"):
        sensitivity("toy", params=["strategy"], backend="serial", progress=False)


def test_sensitivity_draws_the_background_from_a_posterior():
    class Post:
        theories = ["A", "B"]
        particles = [{"hazard": 0.0, "theory": "A"}]
        weights = np.array([1.0])

    s = sensitivity("toy", params=["effect"], strategies=True, theory="A", outcomes=["defeat"],
                    samples=8, replicates=2, backend="serial", progress=False, posterior=Post())
    ix = s.indices[0]
    assert np.all(ix.ST == 0)  # no hazard: the outcome never varies
