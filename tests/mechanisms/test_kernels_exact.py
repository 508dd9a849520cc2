"""The fast soviet-1923 kernels give the bits of the plain loops they replaced.

``reference_kernels`` is a frozen copy of the kernels before they were
rewritten for SIMD. Both run on the same inputs, real ones captured from the
flagship scenario (several seeds, theories and strategies, every month, so
strikes, arrests, levies and expulsions are all in) and invented ones aimed at
the edges (everyone jailed or outside, empty and odd-sized workplaces, a
strike share exactly at the threshold), and every array they write must be
equal byte for byte. A whole run with the reference kernels patched in must
give the same series and finals as one with the fast kernels.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
import reference_kernels as ref
from kernel_cases import SITES, Case, capture, copy_args

import inevitable as inv
from inevitable.engine.rng import stream_key
from inevitable.mechanisms.soviet import kernels as fast

KERNELS = ("mobilise", "walk_out", "repress", "organise", "admit")
RUNS = (  # seed, params: the defaults, mobilised workers (T), expulsions (class struggle)
    (0, {}),
    (1, {"theory": "T", "strategy": "class-struggle"}),
    (2, {"strategy": "class-struggle"}),
    (3, {"theory": "N", "strategy": "switch"}),
)


@cache
def captured() -> dict[str, list[Case]]:
    out: dict[str, list[Case]] = {name: [] for name in KERNELS}
    for seed, params in RUNS:
        for name, cases in capture(seed, params).items():
            out[name] += cases
    return out


# arguments that are caches of pure values, not results (walk_out's table of chances)
CACHES = {"walk_out": (10,)}


def assert_same(name: str, args: tuple, label: str = "") -> None:
    """Run the reference and the fast kernel on copies; compare every array."""
    want, got = copy_args(args), copy_args(args)
    getattr(ref, name)(*want)
    getattr(fast, name)(*got)
    for pos, (a, b) in enumerate(zip(want, got, strict=True)):
        if isinstance(a, np.ndarray) and pos not in CACHES.get(name, ()):
            assert a.dtype == b.dtype and a.shape == b.shape
            assert a.tobytes() == b.tobytes(), f"{label}: argument {pos} differs"


def test_the_captured_runs_exercise_what_matters():
    cases = captured()
    assert all(len(cases[name]) >= 4 * 83 for name in KERNELS)
    strikes = [np.count_nonzero(a[10] & fast.STRIKE) for _, a in cases["mobilise"]]
    jailed = [np.count_nonzero(a[11]) for _, a in cases["mobilise"]]
    assert max(strikes) > 0 and max(jailed) > 0
    # walk_out sees the ready of last month's mobilise: below the share and at it
    shares = []
    for _, a in cases["walk_out"]:
        role, jail, acting, size = a[0], a[1], a[2], a[4]
        free = ((role != fast.OUTSIDE) & (jail == 0)).reshape(-1, size).sum(axis=1)
        ready = (((acting & fast.STRIKE) != 0) & (role != fast.OUTSIDE) & (jail == 0))
        ready = ready.reshape(-1, size).sum(axis=1)
        shares.append(ready[ready > 0] / free[ready > 0] >= a[5])
    shares = np.concatenate(shares)
    assert shares.any() and not shares.all()
    expelled = [np.count_nonzero(a[0] == fast.OUTSIDE) for _, a in cases["repress"]]
    assert max(expelled) > min(expelled)  # members expelled from the population
    levy = [a[6] for _, a in cases["admit"]]
    assert max(levy) > min(levy)  # levy months and ordinary months


@pytest.mark.parametrize("name", KERNELS)
def test_same_bits_on_captured_inputs(name):
    for label, args in captured()[name]:
        assert_same(name, args, label)


# ----- invented inputs -----------------------------------------------------------

def mobilise_args(rng: np.random.Generator, n_wp: int, wp_size: int, *, jailed=0.1,
                  outside=0.1, strike_share=0.5, police=1.0) -> list:
    n = n_wp * wp_size
    f32 = np.float32
    role = rng.choice(np.array([0, 1, 2, 3, 255], dtype=np.uint8), n,
                      p=[0.6 * (1 - outside), 0.2 * (1 - outside), 0.1 * (1 - outside),
                         0.1 * (1 - outside), outside])
    employ = np.where(rng.random(n) < 0.8, rng.random(n), -1.0).astype(f32)
    jail = np.where(rng.random(n) < jailed, rng.integers(1, 5, n), 0).astype(np.uint8)
    return [
        role, rng.integers(0, 3, n_wp).astype(np.uint8), wp_size,
        rng.random(n).astype(f32) * 0.6, rng.random(n).astype(f32),
        rng.random(n).astype(f32), employ, (rng.random(n) - 0.3).astype(f32),
        rng.random(n).astype(f32), rng.random(n).astype(f32),
        rng.integers(0, 4, n).astype(np.uint8), jail,
        rng.random(n_wp).astype(f32), rng.random(n_wp).astype(f32),
        (rng.random(n_wp) * 0.2).astype(f32), (rng.random(n_wp) * 0.3).astype(f32),
        rng.random(3) * 1.5, 0.3, 0.4, rng.random(3) * 0.3, rng.random(3) * 0.3,
        np.float64(0.05), 0.02, 0.1, 0.5 * police, 0.1 * police, 0.2, 0.3, 0.4, 0.6, 0.5,
        0.5 * police, rng.random(4), 1.0, 0.2, 0.3, 0.15, 0.05, strike_share,
        np.zeros((4, fast.N_STATS)),
    ]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("wp_size", [1, 2, 7, 20, 64, 1100])
def test_mobilise_same_bits_on_invented_inputs(seed, wp_size):
    rng = np.random.default_rng([seed, wp_size])
    n_wp = max(1, 600 // wp_size)
    for kw in ({}, {"jailed": 1.0}, {"outside": 1.0}, {"jailed": 0.0, "outside": 0.0},
               {"strike_share": 0.0}, {"strike_share": 1.0}, {"police": 0.0}):
        assert_same("mobilise", tuple(mobilise_args(rng, n_wp, wp_size, **kw)), str(kw))


def test_mobilise_strike_share_exactly_at_the_threshold():
    rng = np.random.default_rng(7)
    for _ in range(20):
        args = mobilise_args(rng, 40, 20, strike_share=0.3)
        probe = copy_args(args)
        ref.mobilise(*probe)
        shares = np.unique(probe[12][probe[12] > 0])  # this month's shares, as stored
        if shares.size == 0:
            continue
        for share in shares[:: max(1, shares.size // 4)]:
            # the kernel compares the unrounded share: use exact fractions k/present too
            for value in (float(share), round(float(share) * 20) / 20):
                args[-2] = value
                assert_same("mobilise", tuple(args), f"strike_share={value}")


def test_mobilise_without_workplaces():
    rng = np.random.default_rng(3)
    assert_same("mobilise", tuple(mobilise_args(rng, 0, 20)))
    args = mobilise_args(rng, 5, 0)  # workplaces of no one
    assert_same("mobilise", tuple(args))


def walk_out_args(rng: np.random.Generator, n_wp: int, wp_size: int, *, strike_share=0.5,
                  clustering=0.1, ready=0.3, jailed=0.1, outside=0.1, memo=None) -> list:
    """Inputs as ``mobilise`` leaves them: STRIKE bits on the ready, with a
    per-workplace ready share spread so that some workplaces pass the share.

    ``memo``: a table of chances to start from (a fresh one when None)."""
    n = n_wp * wp_size
    role = rng.choice(np.array([0, 1, 2, 3, 255], dtype=np.uint8), n,
                      p=[0.6 * (1 - outside), 0.2 * (1 - outside), 0.1 * (1 - outside),
                         0.1 * (1 - outside), outside])
    jail = np.where(rng.random(n) < jailed, rng.integers(1, 5, n), 0).astype(np.uint8)
    level = np.repeat(rng.random(n_wp) * 2 * ready, wp_size) if wp_size else np.zeros(0)
    acting = (rng.random(n) < level).astype(np.uint8) * fast.STRIKE \
        | rng.integers(0, 2, n).astype(np.uint8) * fast.SUPPORT
    stats = rng.integers(0, 50, (4, fast.N_STATS)).astype(np.float64)
    return [role, jail, acting, rng.integers(0, 3, n_wp).astype(np.uint8), wp_size,
            strike_share, clustering, stream_key(int(rng.integers(1 << 30)), "walkout"),
            int(rng.integers(0, 90)), stats,
            fast.walk_out_memo(wp_size) if memo is None else memo.copy(), np.zeros(3)]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("wp_size", [1, 2, 7, 20, 64, 65, 1100])
def test_walk_out_same_bits_on_invented_inputs(seed, wp_size):
    rng = np.random.default_rng([seed, wp_size, 19])
    n_wp = max(1, 2000 // wp_size)
    for kw in ({}, {"clustering": 0.0}, {"clustering": 1.0}, {"clustering": 0.5},
               {"strike_share": 0.0}, {"strike_share": 1.0}, {"ready": 0.02},
               {"jailed": 1.0}, {"outside": 1.0}, {"jailed": 0.0, "outside": 0.0}):
        assert_same("walk_out", tuple(walk_out_args(rng, n_wp, wp_size, **kw)), str(kw))
    # a table filled for other parameters, or for another workplace size, changes nothing
    args = walk_out_args(rng, n_wp, wp_size, strike_share=0.4, clustering=0.3)
    fast.walk_out(*copy_args(args))
    used = args[10]
    fast.walk_out(*args)
    for memo in (used, fast.walk_out_memo(wp_size + 1), np.zeros(0)):
        assert_same("walk_out", tuple(walk_out_args(rng, n_wp, wp_size, memo=memo)))


def test_walk_out_strike_share_exactly_at_the_threshold():
    rng = np.random.default_rng(23)
    for size in (20, 7):
        for value in (0.25, 0.3, 0.5, 0.6, 1 / 7, 3 / 7, float(np.float32(0.6))):
            args = walk_out_args(rng, 200, size, strike_share=value, ready=value)
            assert_same("walk_out", tuple(args), f"size={size} strike_share={value}")
    assert_same("walk_out", tuple(walk_out_args(rng, 0, 20)))
    assert_same("walk_out", tuple(walk_out_args(rng, 5, 0)))


def test_mobilise_sums_fear_and_sympathy_to_within_their_rounding():
    """Each value is rounded to a whole number of 2**-25 before it is summed, so a
    city's sum is the exact sum of its people's new values to within n * 2**-26."""
    for _, args in captured()["mobilise"][::10]:
        out = copy_args(args)
        fast.mobilise(*out)
        role, wp_city, wp_size, stats = out[0], out[1], out[2], out[-1]
        city = np.repeat(wp_city, wp_size)
        for col, values in ((fast.C_FEAR, out[9]), (fast.C_SYMPATHY, out[8])):
            for c in range(3):
                mine = values[(role != fast.OUTSIDE) & (city == c)].astype(np.float64)
                exact = math.fsum(mine)
                assert abs(stats[c, col] - exact) <= mine.size * 2.0**-26
                assert abs(stats[c, col] - exact) < 1e-8 * exact  # far inside that bound
            assert stats[3, col] == stats[0, col] + stats[1, col] + stats[2, col]


def test_mobilise_does_not_depend_on_the_order_of_workplaces():
    """No float sum depends on the order of its terms: workplaces visited in
    another order give the same bits (the last one, cut at the array's end,
    changes too)."""
    rng = np.random.default_rng(5)
    per_slot = (0, 3, 4, 5, 6, 7, 8, 9, 10, 11)  # arguments with one value a slot
    per_wp = (1, 12, 13, 14, 15)
    for _, args in captured()["mobilise"][::20]:
        wp_size = args[2]
        order = rng.permutation(args[1].shape[0])
        moved = list(copy_args(args))
        for pos in per_slot:
            moved[pos] = args[pos].reshape(-1, wp_size)[order].ravel()
        for pos in per_wp:
            moved[pos] = args[pos][order]
        want = copy_args(args)
        fast.mobilise(*want)
        fast.mobilise(*moved)
        assert moved[-1].tobytes() == want[-1].tobytes()  # the city stats
        for pos in per_slot:
            assert moved[pos].tobytes() == want[pos].reshape(-1, wp_size)[order].tobytes()
        for pos in per_wp:
            assert moved[pos].tobytes() == want[pos][order].tobytes()


def people(rng: np.random.Generator, n: int, wp_size: int, *, outside=0.1, jailed=0.2):
    role = rng.choice(np.array([0, 1, 2, 3, 255], dtype=np.uint8), n,
                      p=[0.5 * (1 - outside), 0.2 * (1 - outside), 0.2 * (1 - outside),
                         0.1 * (1 - outside), outside])
    return {
        "role": role,
        "city": rng.integers(0, 3, n).astype(np.uint8),
        "workplace": (np.arange(n) // max(wp_size, 1)).astype(np.int32),
        "acting": rng.integers(0, 4, n).astype(np.uint8),
        "jail": np.where(rng.random(n) < jailed, rng.integers(1, 6, n), 0).astype(np.uint8),
        "fear": rng.random(n).astype(np.float32),
        "cadre": rng.choice(np.array([0, 1, 2, 3], dtype=np.uint8), n, p=[0.7, 0.15, 0.1, 0.05]),
        "employ": np.where(rng.random(n) < 0.7, rng.random(n), -1.0).astype(np.float32),
        "sympathy": rng.random(n).astype(np.float32),
    }


@pytest.mark.parametrize("seed", range(8))
def test_repress_same_bits_on_invented_inputs(seed):
    rng = np.random.default_rng([seed, 11])
    key = stream_key(seed, "arrest")
    for n, wp_size, kw, police, hunt in (
            (2000, 20, {}, 0.5, 0.3), (1999, 7, {}, 1.0, 0.0), (513, 20, {"jailed": 1.0}, 1.0, 1),
            (600, 20, {"outside": 1.0}, 1.0, 1.0), (1024, 20, {"jailed": 0.0}, 0.0, 0.5),
            (100, 20, {}, -0.5, 0.5), (0, 20, {}, 1.0, 1.0)):
        p = people(rng, n, wp_size, **kw)
        n_wp = max(1, -(-n // wp_size))
        args = (p["role"], p["city"], p["workplace"], p["acting"], p["jail"], p["fear"],
                p["cadre"], p["employ"], np.zeros(n_wp, np.float32), float(wp_size), key,
                seed * 7 + 3, police, 0.4, 0.2, hunt, 6.0, np.zeros(3), np.zeros(2))
        assert_same("repress", args, f"n={n} {kw} police={police}")


@pytest.mark.parametrize("seed", range(8))
def test_organise_same_bits_on_invented_inputs(seed):
    rng = np.random.default_rng([seed, 13])
    key = stream_key(seed, "cadre")
    for n, kw, bloc_joins, bloc_breaks in (
            (2000, {}, 0.0, False), (2000, {}, 0.3, False), (1999, {}, 0.0, True),
            (513, {"jailed": 1.0}, 0.2, True), (600, {"outside": 1.0}, 0.2, False),
            (1024, {"jailed": 0.0, "outside": 0.0}, 0.5, True), (0, {}, 0.1, True)):
        p = people(rng, n, 20, **kw)
        n_wp = max(1, -(-n // 20))
        args = (p["role"], p["workplace"], p["acting"], p["sympathy"], p["cadre"], p["jail"],
                np.zeros(n_wp, np.float32), 20.0, key, seed + 5, np.float64(0.2),
                np.float64(0.1), 0.6, np.float64(0.05), np.float64(0.1), rng.random(4),
                bloc_joins, bloc_breaks, p["city"], np.zeros(4))
        assert_same("organise", args, f"n={n} {kw} {bloc_joins} {bloc_breaks}")


@pytest.mark.parametrize("seed", range(8))
def test_admit_same_bits_on_invented_inputs(seed):
    rng = np.random.default_rng([seed, 17])
    key = stream_key(seed, "admit")
    for n, wp_size, kw, p_worker, p_outside in (
            (2000, 20, {}, 0.05, 0.02), (2000, 20, {}, 0.5, 0.5), (1995, 7, {}, 0.2, 0.0),
            (600, 20, {"outside": 1.0}, 0.1, 0.3), (600, 20, {"outside": 0.0}, 1.0, 1.0),
            (400, 1, {}, 0.3, 0.1), (0, 20, {}, 0.1, 0.1)):
        p = people(rng, n, wp_size, **kw)
        for max_sympathy in (0.5, 2.0):
            args = (p["role"], p["employ"], p["sympathy"], wp_size, key, seed + 2,
                    p_worker, p_outside, max_sympathy, np.zeros(1))
            assert_same("admit", args, f"n={n} {kw} {p_worker} {p_outside}")


# ----- a whole run ---------------------------------------------------------------

@pytest.mark.parametrize(("seed", "params"), [(0, {}), (4, {"strategy": "class-struggle"})])
def test_a_whole_run_is_the_same_with_the_reference_kernels(monkeypatch, seed, params):
    sc = inv.scenario("soviet-1923")
    got = sc.run(seed=seed, params=params)
    for name, (mod, attr) in SITES.items():
        monkeypatch.setattr(mod, attr, getattr(ref, name))
    want = sc.run(seed=seed, params=params)
    assert want.series.keys() == got.series.keys()
    for key in want.series:
        assert np.asarray(want.series[key]).tobytes() == np.asarray(got.series[key]).tobytes(), key
    assert want.final == got.final


def test_float32_below_keeps_a_float32_comparison_exact():
    """``organise`` compares float32 sympathy with a float64 parameter in float32
    (so its screen runs on float32 lanes); the threshold it uses must give the
    float64 comparison's answer for every float32."""
    rng = np.random.default_rng(9)
    xs = np.concatenate([rng.random(2000), rng.normal(0, 3, 2000),
                         rng.random(200).astype(np.float32).astype(np.float64),  # representable
                         [0.0, -0.0, 1.0, 0.6, 1e-45, -1e-45, 3.4e38, -3.4e38]])
    for x in xs:
        below = fast._float32_below(x)
        near = np.float32(x)
        probes = np.array([np.nextafter(near, np.float32(-np.inf)), near,
                           np.nextafter(near, np.float32(np.inf))], dtype=np.float32)
        assert np.array_equal(probes > below, probes.astype(np.float64) > x), x
