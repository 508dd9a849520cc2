"""Common random numbers: no-op changes change nothing; arms agree until they differ."""

from __future__ import annotations

import numpy as np
import pytest

from inevitable.engine import Sim, Timeline
from inevitable.engine.registry import mechanism
from inevitable.scenarios.loader import scenario


def _run(names, params=None, seed=3, steps=60):
    sim = Sim([mechanism(n) for n in names], timeline=Timeline(steps), seed=seed, params=params)
    return sim.run()


def _same(a, b):
    assert a.series.keys() == b.series.keys()
    for k in a.series:
        assert np.array_equal(a.series[k], b.series[k]), k
    assert a.final == b.final


@pytest.mark.parametrize("extra", ["test-noop", "test-draws"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_adding_a_mechanism_that_does_nothing_changes_no_bit(extra, where):
    base = _run(["test-walkers"])
    names = [extra, "test-walkers"] if where == "before" else ["test-walkers", extra]
    _same(base, _run(names))


def test_noop_mechanism_leaves_granovetter_bit_identical():
    sc = scenario("granovetter")
    base = sc.run(seed=5)
    classes = [*sc.mechanisms, mechanism("test-noop"), mechanism("test-draws")]
    other = Sim(classes, timeline=sc.timeline, seed=5, params=sc.values).run()
    _same(base, other)


def test_two_arms_that_differ_after_t_are_identical_up_to_t():
    t = 25
    a = _run(["test-walkers"], {"drift": 0.0, "drift_from": t})
    b = _run(["test-walkers"], {"drift": 0.6, "drift_from": t})
    for k in a.series:
        assert np.array_equal(a.series[k][:t], b.series[k][:t]), k
    assert not np.array_equal(a.series["mean_position"][t:], b.series["mean_position"][t:])


def test_seeds_differ_and_repeat():
    _same(_run(["test-walkers"], seed=1), _run(["test-walkers"], seed=1))
    assert not np.array_equal(
        _run(["test-walkers"], seed=1).series["mean_position"],
        _run(["test-walkers"], seed=2).series["mean_position"],
    )


def test_mechanism_cannot_rebind_state_after_init():
    sim = Sim([mechanism("test-walkers")], timeline=Timeline(5), seed=0)
    with pytest.raises(AttributeError, match="keep mutable state"):
        sim.mechanisms[0].pos = np.zeros(3)
