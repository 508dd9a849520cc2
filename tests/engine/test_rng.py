"""The random streams: statistically sound, and a pure function of their counters."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from inevitable.engine.rng import Stream, normal, stream_key, uniform


def _stream(seed=1, name="s", step=0):
    return Stream(seed, name, lambda: step)


def test_uniforms_are_uniform_and_uncorrelated():
    u = _stream().uniform(200_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # neighbouring slots, steps and streams are not correlated
    v = _stream(step=1).uniform(200_000)
    w = _stream(name="t").uniform(200_000)
    for other in (u[1:], v, w):
        r = np.corrcoef(u[: len(other)], other)[0, 1]
        assert abs(r) < 0.01


def test_normals_are_standard_normal():
    z = _stream().normal(200_000)
    assert stats.kstest(z, "norm").pvalue > 1e-3


def test_vectorised_and_compiled_draws_agree_bit_for_bit():
    s = _stream(seed=7, name="x", step=12)
    u = s.uniform(100, k=3)
    one = np.array([uniform(s.key, 12, i, 3) for i in range(100)])
    assert np.array_equal(u, one)
    z = s.normal(10, k=1)
    assert np.array_equal(z, np.array([normal(s.key, 12, i, 1) for i in range(10)]))
    assert np.array_equal(s.uniform_at(np.array([5, 2, 99]), k=3), u[[5, 2, 99]])


@given(seed=st.integers(0, 2**62), step=st.integers(0, 10_000), slot=st.integers(0, 10**9))
def test_a_draw_depends_only_on_seed_name_step_slot(seed, step, slot):
    key = stream_key(seed, "mobilisation.threshold")
    a = uniform(key, step, slot, 0)
    # drawing other numbers first changes nothing: there is no state
    for i in range(3):
        uniform(key, step + 1, slot + i, 0)
    assert uniform(key, step, slot, 0) == a
    assert stream_key(seed, "mobilisation.threshold") == key


def test_stream_keys_differ_by_seed_and_name():
    keys = {stream_key(s, n) for s in range(50) for n in ("a", "b", "a.b", "ab")}
    assert len(keys) == 200


def test_permutation_is_a_permutation_and_depends_on_step():
    p0 = _stream(step=0).permutation(1000)
    p1 = _stream(step=1).permutation(1000)
    assert sorted(p0) == list(range(1000))
    assert not np.array_equal(p0, p1)
