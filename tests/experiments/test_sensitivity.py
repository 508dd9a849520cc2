"""Sobol indices against known values (Ishigami; a two-level contrast with a dummy factor);
agency shares, the convergence record and the precision gate."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from SALib.sample import sobol as sobol_sample

from inevitable.engine import Mechanism, Output, Param, register
from inevitable.engine.params import Uniform
from inevitable.errors import InputError
from inevitable.experiments.sensitivity import (
    PRECISION,
    convergence_levels,
    samples_needed,
    sensitivity,
    unseen_floor,
)
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
    # x3 acts only with x1: its first-order index is 0, and its interval (a noisy estimate,
    # not an exact zero) covers it; x1's and x2's exclude 0
    assert abs(ix.S1[2]) <= ix.S1_conf[2]
    assert ix.S1[0] - ix.S1_conf[0] > 0 and ix.S1[1] - ix.S1_conf[1] > 0
    assert [lv.samples for lv in ix.convergence] == [128, 256, 512, 1024]


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
    # paired (same seeds in both levels): a strategy that does nothing scores exactly zero,
    # but 64 unchanged pairs cannot show it is nothing: the rule of three's half-width
    ia = a.indices[0]
    assert ia.agency_share == 0.0 and ia.ST[0] > 0
    assert 0.1 < ia.agency_half_width < 0.3 and ia.agency()["too_few_runs"]
    assert b.indices[0].agency_share > 0.2
    assert b.indices[0].agency_share - b.indices[0].agency_half_width > 0
    assert b.contrast == ("yield", "resist")


BETA = 1 / math.sqrt(3)  # Var(BETA * s) = BETA^2 / 4 = 1/12 = Var(x): the strategy's share is 1/2


@register
class Menu(Mechanism):
    """y = x + BETA [strategy moves]; ``z`` does nothing; three strategies, two act alike.

    With the strategy a fair coin between 'stay' and one that moves, its total
    (and first-order) index is exactly 1/2 and ``z``'s is 0. Over the whole
    menu as one factor (weights 1/3), the strategy's share would be
    (2/9 BETA^2) / (1/12 + 2/9 BETA^2) = 8/17, not 1/2: it would depend on the menu.
    """

    name = "test-menu"
    params = {
        "x": Param(0.5, "float", low=0, high=1, prior=Uniform(low=0, high=1), source="test"),
        "z": Param(0.5, "float", low=0, high=1, prior=Uniform(low=0, high=1), source="test"),
        "strategy": Param("stay", "choice", choices=("stay", "move", "move-too"),
                          source="test"),
    }
    finals = {"y": Output("x plus the strategy's step")}

    def finalize(self, sim):
        return {"y": self.p.x + (BETA if self.p.strategy != "stay" else 0.0)}


MENU = parse("""\
name: menu
title: Two levels of a strategy on a menu of three
mechanisms: [test-menu]
time: {unit: tick, steps: 1}
""", "menu.yaml")


@pytest.fixture(scope="module")
def contrast():
    return sensitivity(MENU, ["x", "z"], ["y"], strategies=["stay", "move"], samples=2048,
                       backend="serial", progress=False)


def test_a_two_level_contrast_gets_the_known_share_and_a_dummy_factor_gets_zero(contrast):
    ix = contrast.indices[0]
    assert ix.names == ["x", "z", "strategy"]
    x, z, s = 0, 1, 2
    # the share of agency is the strategy's total index: 1/2 here, within its interval
    assert abs(ix.agency_share - 0.5) <= ix.agency_half_width + 0.01
    assert abs(ix.ST[x] - 0.5) <= ix.ST_conf[x] + 0.01
    assert abs(ix.S1[s] - 0.5) <= ix.S1_conf[s] + 0.01
    # z has no effect: its estimates are exactly zero (every pair of runs that differs only
    # in z gives the same y), their intervals the rule of three's, about 0.011 at N = 2048,
    # not the bootstrap's degenerate 0; x's and the strategy's exclude 0
    assert ix.ST[z] == 0 and 0.005 < ix.ST_conf[z] < PRECISION
    assert ix.ST[z] - ix.ST_conf[z] <= 0 <= ix.ST[z] + ix.ST_conf[z]
    assert ix.S1[z] - ix.S1_conf[z] <= 0 <= ix.S1[z] + ix.S1_conf[z]
    assert ix.ST[x] - ix.ST_conf[x] > 0 and ix.ST[s] - ix.ST_conf[s] > 0
    # a precise enough design: every index is a finding
    assert ix.needed("S1") == [None] * 3 and ix.needed("ST") == [None] * 3
    assert ix.agency() == {"estimate": ix.agency_share, "half_width": ix.agency_half_width,
                           "too_few_runs": False}


def test_the_share_does_not_depend_on_the_menu():
    # the same pair, the other strategy of the menu in place of 'move' (it acts alike):
    # the same share, to the last digit; the whole menu as one factor is refused
    other = sensitivity(MENU, ["x", "z"], ["y"], strategies=["stay", "move-too"], samples=64,
                        backend="serial", progress=False)
    same = sensitivity(MENU, ["x", "z"], ["y"], strategies=["stay", "move"], samples=64,
                       backend="serial", progress=False)
    assert other.indices[0].agency_share == same.indices[0].agency_share
    with pytest.raises(InputError, match="two-level contrast"):
        sensitivity(MENU, ["x"], ["y"], strategies=True, samples=8, backend="serial",
                    progress=False)
    with pytest.raises(InputError, match="3 strategies given"):
        sensitivity(MENU, ["x"], ["y"], strategies=["stay", "move", "move-too"], samples=8,
                    backend="serial", progress=False)


def test_the_convergence_record_is_nested_prefixes_of_one_design(contrast):
    ix = contrast.indices[0]
    assert [lv.samples for lv in ix.convergence] == [256, 512, 1024, 2048]
    assert [lv.runs for lv in ix.convergence] == [256 * 5, 512 * 5, 1024 * 5, 2048 * 5]
    assert contrast.runs == 2048 * 5  # the record cost no runs of its own
    last = ix.convergence[-1]
    assert np.array_equal(last.ST, ix.ST) and np.array_equal(last.ST_conf, ix.ST_conf)
    # a level is exactly what a design of that size alone gives: a prefix, not a subsample
    small = sensitivity(MENU, ["x", "z"], ["y"], strategies=["stay", "move"], samples=512,
                        backend="serial", progress=False).indices[0]
    lv = ix.convergence[1]
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        assert np.array_equal(getattr(lv, key), getattr(small, key)), key
    problem = {"num_vars": 3, "names": ix.names, "bounds": [[0.0, 1.0]] * 3}
    assert np.array_equal(sobol_sample.sample(problem, 2048, calc_second_order=False, seed=0)
                          [:512 * 5],
                          sobol_sample.sample(problem, 512, calc_second_order=False, seed=0))
    # intervals shrink with N, roughly as 1/sqrt(N): 8 times the samples, under half the width
    assert last.ST_conf[0] < 0.5 * ix.convergence[0].ST_conf[0]
    assert convergence_levels(16) == [2, 4, 8, 16] and convergence_levels(4) == [2, 4]


def test_a_tiny_design_is_too_few_runs_to_say_with_the_samples_it_would_need():
    s = sensitivity(MENU, ["x", "z"], ["y"], strategies=["stay", "move"], samples=4,
                    backend="serial", progress=False)
    ix = s.indices[0]
    a = ix.agency()
    assert a["too_few_runs"] and a["half_width"] > PRECISION
    assert a["samples_needed"] == samples_needed(4, a["half_width"])
    assert a["runs_needed"] == a["samples_needed"] * 5
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(s.table())
    assert "too few runs to say" in console.export_text()
    assert s.to_dict()["outcomes"]["y"]["agency"]["too_few_runs"] is True


def test_the_samples_needed_grow_with_the_half_width():
    assert samples_needed(64, PRECISION) is None and samples_needed(64, 0.01) is None
    # the square-root rule, rounded up to a power of two
    assert samples_needed(64, 0.1) == 256 and samples_needed(64, 0.2) == 1024
    assert samples_needed(64, 0.06) == 128  # 92 -> 128: never fewer than twice as many
    assert samples_needed(64, float("nan")) == 128
    widths = np.linspace(0.051, 1.0, 60)
    needs = [samples_needed(128, h) for h in widths]
    assert all(a <= b for a, b in itertools.pairwise(needs)) and needs[-1] > needs[0]
    assert all(n & (n - 1) == 0 for n in needs)


def test_bad_designs_are_refused():
    with pytest.raises(InputError, match="two-level contrast"):
        sensitivity("toy", strategies=["yield"], backend="serial", progress=False)
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


def test_a_factor_that_changed_no_run_is_not_an_exact_finding():
    # two factors, N = 100: the first changed row 0 of one sample, the second nothing
    rng = np.random.default_rng(1)
    rows = np.repeat(rng.integers(0, 2, size=(100, 1)).astype(float), 4, axis=1)
    rows[0, 1] = 1 - rows[0, 0]
    y = rows.ravel()
    zeros = np.zeros(2)
    s1c, stc = unseen_floor(y, 2, zeros, zeros)
    r = np.ptp(y) / np.std(y)
    assert s1c[0] == stc[0] == 0  # it changed something: the bootstrap's width stands
    assert s1c[1] == stc[1] == pytest.approx(0.5 * r * r * 3 / 100)
    # the floor falls as 1/N, so a large design can make an exact zero a finding
    big = np.repeat(rows, 40, axis=0).ravel()
    assert unseen_floor(big, 2, zeros, zeros)[1][1] == pytest.approx(stc[1] / 40, rel=0.01)
