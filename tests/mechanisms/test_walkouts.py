"""Local strikes below a workplace's strike share (``kernels.walk_out``).

A workplace block of the model is thousands of workers in many enterprises.
Where its ready share q is below ``strike_share`` the block does not strike
as a whole, but enterprises where readiness concentrates do: a ready worker
walks out with the chance P(Beta(a + 1, b) >= s), a = q (1 - c) / c,
b = (1 - q)(1 - c) / c. These tests hold the arithmetic to scipy, the draws
to that closed form, the counts to the STRIKE bits, and the strike series to
not being quantised in whole workplaces any more.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

import inevitable.mechanisms.soviet.mobilisation as mob_mod
from inevitable.engine.rng import stream_key
from inevitable.mechanisms.soviet import batch
from inevitable.mechanisms.soviet import kernels as kn
from inevitable.scenarios.loader import scenario


def test_beta_upper_matches_scipy():
    rng = np.random.default_rng(5)
    for _ in range(5000):
        a, b = 10.0 ** rng.uniform(-2, 3, 2)
        x = rng.uniform()
        want = special.betaincc(a, b, x)
        assert abs(kn.beta_upper(x, a, b) - want) < 1e-12, (x, a, b)
    assert kn.beta_upper(0.0, 2.0, 3.0) == 1.0
    assert kn.beta_upper(1.0, 2.0, 3.0) == 0.0


@pytest.mark.parametrize("q", [0.02, 0.1, 0.25, 0.45, 0.59])
@pytest.mark.parametrize("clustering", [0.02, 0.1, 0.4])
def test_local_strike_is_the_share_of_the_ready_in_striking_enterprises(q, clustering):
    """The closed form against the integrals it stands for."""
    s = 0.6
    n = (1 - clustering) / clustering
    enterprise = stats.beta(q * n, (1 - q) * n)  # ready shares of a block's enterprises
    ready_in_striking = integrate.quad(lambda x: x * enterprise.pdf(x), s, 1,
                                       epsabs=1e-14, epsrel=1e-10)[0]
    chance, per_walker = kn.local_strike(q, s, clustering)
    assert chance == pytest.approx(ready_in_striking / q, rel=1e-7, abs=1e-13)
    if chance > 1e-9:  # a striking enterprise's mean ready share, inverted
        assert per_walker == pytest.approx(enterprise.sf(s) / ready_in_striking, rel=1e-6)
        assert 1.0 <= per_walker <= 1.0 / s


def test_local_strike_at_the_ends():
    assert kn.local_strike(0.3, 0.6, 0.0) == (0.0, 0.0)  # the all-or-nothing block
    assert kn.local_strike(0.3, 0.6, 1.0) == (1.0, 1.0)  # enterprises all ready or none
    low, high = (kn.local_strike(q, 0.6, 0.1)[0] for q in (0.1, 0.3))
    assert 0.0 < low < high < 1.0  # more walk out the more of the block is ready


def one_block(ready: int, present: int, size: int = 20):
    """One workplace of ``size`` worker slots: ``present`` free, ``ready`` of them ready."""
    role = np.zeros(size, np.uint8)
    jail = np.zeros(size, np.uint8)
    jail[present:] = 3
    acting = np.zeros(size, np.uint8)
    acting[:ready] = kn.STRIKE | kn.SUPPORT
    return role, jail, acting


def test_walkouts_follow_the_closed_form_over_many_months():
    key = stream_key(11, "mobilisation.walkout")
    ready, present, s, c = 5, 18, 0.6, 0.1
    chance, per_walker = kn.local_strike(ready / present, s, c)
    months = 4000
    walked = 0
    memo = kn.walk_out_memo(20)
    for step in range(months):
        role, jail, acting = one_block(ready, present)
        st = kn.empty_stats()
        out = np.zeros(3)
        kn.walk_out(role, jail, acting, np.zeros(1, np.uint8), 20, s, c, key, step, st,
                    memo, out)
        struck = int(np.count_nonzero(acting & kn.STRIKE))
        assert out[0] == 0 and out[2] == struck == st[0, kn.C_STRIKING] == st[3, kn.C_STRIKING]
        assert out[1] == pytest.approx(struck * per_walker)
        assert np.all(acting[:ready] & kn.SUPPORT)  # the stance is left alone
        walked += struck
    low, high = stats.binom.interval(1 - 1e-6, ready * months, chance)
    assert low <= walked <= high
    assert walked > 0


def test_whole_workplaces_and_the_all_or_nothing_rule():
    key = stream_key(3, "mobilisation.walkout")
    out = np.zeros(3)
    role, jail, acting = one_block(12, 20)  # at the share: the workplace strikes
    st = kn.empty_stats()
    memo = kn.walk_out_memo(20)
    kn.walk_out(role, jail, acting, np.zeros(1, np.uint8), 20, 0.6, 0.1, key, 0, st, memo, out)
    assert list(out) == [1.0, 0.0, 0.0] and np.count_nonzero(acting & kn.STRIKE) == 12
    assert st[0, kn.C_STRIKING] == 0.0  # mobilise counted those strikers already
    for step in range(50):  # clustering 0: nobody walks out below the share, as before
        role, jail, acting = one_block(11, 20)
        kn.walk_out(role, jail, acting, np.zeros(1, np.uint8), 20, 0.6, 0.0, key, step,
                    kn.empty_stats(), memo, out)
        assert list(out) == [0.0, 0.0, 0.0] and not np.any(acting & kn.STRIKE)
        assert np.count_nonzero(acting & kn.SUPPORT) == 11


def test_strikers_are_the_strike_bits(monkeypatch):
    """After mobilise and walk_out, each city's strikers are its slots on strike."""
    sc = scenario("soviet-1923")
    sim = sc.sim(0, {})
    seen = []
    kernel = mob_mod.walk_out

    def spy(role, jail, acting, wp_city, wp_size, *rest):
        kernel(role, jail, acting, wp_city, wp_size, *rest)
        striking = (acting & kn.STRIKE) != 0
        city = np.repeat(wp_city, wp_size)
        counted = rest[-3][:, kn.C_STRIKING]
        got = [np.count_nonzero(striking & (city == c)) for c in range(3)]
        assert list(counted[:3]) == got and counted[3] == sum(got)
        seen.append(sum(got))

    monkeypatch.setattr(mob_mod, "walk_out", spy)
    sim.run(until=30)
    assert len(seen) == 30 and min(seen) > 0


def strike_series(clustering: float | None, seeds=range(4)) -> np.ndarray:
    sc = scenario("soviet-1923")
    params = {} if clustering is None else {"readiness_clustering": clustering}
    return np.array([s["strikes"] for s, _ in batch.run(sc, [(x, params, None, {})
                                                              for x in seeds])])


def test_strike_counts_are_not_quantised_in_whole_workplaces():
    sc = scenario("soviet-1923")
    block = sc.values["scale"] * sc.values["workplace_size"] / sc.values["enterprise_size"]
    after = slice(17, None)  # June 1924 on: before local strikes, nearly always zero
    old = strike_series(0.0)
    steps = old / block
    assert np.allclose(steps, np.round(steps))  # the old count: whole workplaces only
    assert np.mean(old[:, after] == 0) > 0.9
    new = strike_series(None)
    assert np.mean(new[:, after] == 0) < 0.05
    assert np.mean(np.abs(new / block - np.round(new / block)) > 0.05) > 0.8
    # one walker is a little over one strike at the default scale
    smallest = np.min(new[new > 0])
    assert 0.5 < smallest < 3.0
