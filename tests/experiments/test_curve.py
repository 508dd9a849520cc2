"""The inevitability curve: right on a known answer, and no winner's curse."""

from __future__ import annotations

import pytest

from inevitable.errors import InputError
from inevitable.experiments.curve import curve
from inevitable.mechanisms.toy import defeat_chance


def test_curve_matches_the_closed_form_on_the_toy():
    c = curve("toy", branches=[0, 8, 16, 23], reps=1200, theories=["A"], backend="serial",
              progress=False)
    for p in c.points:
        assert p.best == "resist"
        truth = defeat_chance(0.05, 0.6, 24, p.step)
        assert p.inevitability.low <= truth <= p.inevitability.high, (p.step, truth)
    values = [p.inevitability.value for p in c.points]
    assert values == sorted(values)  # the later the turn, the less it can do


def test_when_no_strategy_matters_the_curve_is_flat_at_the_base_chance():
    c = curve("toy", branches=[0, 12], reps=400, theories=["B"], backend="serial",
              progress=False)
    for p in c.points:
        assert p.avoid["resist"].value == p.avoid["yield"].value


def test_the_best_strategy_is_chosen_on_one_half_and_measured_on_the_other():
    c = curve("toy", branches=[0, 12], reps=60, theories=["A"], backend="serial",
              progress=False)
    assert set(c.selection_seeds).isdisjoint(c.evaluation_seeds)
    assert len(c.selection_seeds) == len(c.evaluation_seeds) == 30
    for p in c.points:
        for s in c.strategies:
            outcomes = c.outcomes[("A", p.branch, s)]
            avoid = 1.0 - outcomes
            assert p.avoid_selection[s] == pytest.approx(avoid[0::2].mean())
            assert p.avoid[s].value == pytest.approx(avoid[1::2].mean())
        # the best is the best on the selection half, reported on the other half
        assert p.best == max(c.strategies, key=lambda s: p.avoid_selection[s])
        assert p.inevitability.value == pytest.approx(1 - p.avoid[p.best].value)


def test_bad_branches_are_refused():
    with pytest.raises(InputError, match="outside"):
        curve("toy", branches=[40], reps=10, backend="serial", progress=False)
    with pytest.raises(InputError, match="at least 4"):
        curve("toy", branches=[0], reps=2, backend="serial", progress=False)
