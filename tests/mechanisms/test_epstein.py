"""Tests of the Epstein civil violence mechanism: Mesa's rules, the lattice, determinism.

Grids are 40x40 (the paper's) or smaller so that the file runs in well under a
minute. Where a test asserts an emergent pattern (punctuated outbursts) it
asks for it in most of a handful of seeds, as the paper reports it.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import inevitable as inv
from inevitable.engine import Sim, Snapshot, Timeline
from inevitable.errors import InputError
from inevitable.mechanisms import epstein_kernels as kern
from inevitable.mechanisms.epstein import (
    EpsteinCivilViolence,
    cops_wanted,
    legitimacy_at,
    outbursts,
    waits,
)

RUN2 = {"width": 40, "height": 40, "citizen_density": 0.7, "cop_density": 0.04,
        "citizen_vision": 7, "cop_vision": 7, "legitimacy": 0.82, "max_jail_term": 30}
SEEDS = range(5)


def make(seed: int = 1, steps: int = 200, **params) -> Sim:
    return Sim([EpsteinCivilViolence], timeline=Timeline(steps), seed=seed,
               params={**RUN2, **params})


def run(seed: int = 1, steps: int = 200, **params):
    return make(seed, steps, **params).run()


def digest(result) -> str:
    h = hashlib.sha256()
    for name in sorted(result.series):
        h.update(np.ascontiguousarray(result.series[name]).tobytes())
    return h.hexdigest()


def diamond(v: int, w: int, h: int, x: int, y: int) -> set[tuple[int, int]]:
    """Mesa's neighbourhood, by brute force: torus Manhattan distance <= v, no centre."""
    cells = {((x + dx) % w, (y + dy) % h)
             for dy in range(-v, v + 1) for dx in range(-v, v + 1) if abs(dx) + abs(dy) <= v}
    return cells - {(x, y)}


def row_cells(rows: np.ndarray, w: int, h: int, pad: int, x: int, y: int) -> list:
    """The cells of a vision_rows table around (x, y), in the order moves pick them."""
    out = []
    for d, first, n, rel, _ in rows.tolist():
        start = first + x * rel - pad
        out += [((start + i) % w, (y + d) % h) for i in range(n)]
    return out


# -- the neighbourhood ----------------------------------------------------------------

GEOMETRIES = [(7, 40, 40), (7, 100, 100), (3, 10, 10), (7, 9, 40), (7, 40, 5), (2, 3, 3),
              (4, 1, 6), (9, 40, 40), (1, 2, 2), (20, 30, 50)]


@pytest.mark.parametrize(("v", "w", "h"), GEOMETRIES)
def test_vision_rows_are_mesas_neighbourhood_without_duplicates(v, w, h):
    rows = kern.vision_rows(v, w, h, pad=v)
    for x, y in [(0, 0), (w - 1, h - 1), (w // 2, h // 3)]:
        cells = row_cells(rows, w, h, v, x, y)
        assert len(cells) == len(set(cells)), "a cell is counted twice"
        assert set(cells) - {(x, y)} == diamond(v, w, h, x, y)
        assert (x, y) in cells  # the centre is read, then taken out by the caller


def random_lattice(w: int, h: int, pad: int, seed: int):
    rng = np.random.default_rng(seed)
    values = rng.choice([kern.EMPTY, kern.ACTIVE_CELL, kern.COP_CELL, kern.HELD],
                        size=(h, w), p=[0.3, 0.2, 0.1, 0.4])
    return values, kern.build_lattice(values, pad)


@pytest.mark.parametrize(("v", "w", "h"), [*GEOMETRIES, (8, 18, 17), (8, 17, 17), (5, 12, 11)])
def test_neighbourhood_counts_and_picks_match_brute_force(v, w, h):
    values, lattice = random_lattice(w, h, v, seed=v * 1000 + w)
    rows = kern.vision_rows(v, w, h, v)
    small = kern.small_radius(v, w, h)
    rng = np.random.default_rng(0)
    for x, y in zip(rng.integers(0, w, 40), rng.integers(0, h, 40), strict=True):
        cells = diamond(v, w, h, x, y) | {(x, y)}
        expect = [sum(values[cy, cx] == code for cx, cy in cells)
                  for code in (kern.EMPTY, kern.ACTIVE_CELL, kern.COP_CELL)]
        got = kern.neighbourhood_counts(lattice, w, h, v, x, y, rows, small)
        assert list(got) == expect
        # The k-th empty (or active) cell is the k-th in the order of the row table.
        order = row_cells(rows, w, h, v, x, y)
        for active, code in ((False, kern.EMPTY), (True, kern.ACTIVE_CELL)):
            want = [c for c in order if values[c[1], c[0]] == code]
            picks = [kern.kth_cell(lattice, w, h, v, x, y, rows, small, active, k)
                     for k in range(len(want))]
            assert picks == want
            if small:  # the general path must agree with the unrolled one
                assert picks == [kern.kth_cell(lattice, w, h, v, x, y, rows, (), active, k)
                                 for k in range(len(want))]
        if small:
            assert kern.neighbourhood_counts(lattice, w, h, v, x, y, rows, ()) == got


def test_the_unrolled_path_is_taken_where_it_applies():
    assert len(kern.small_radius(7, 100, 100)) == 7
    assert kern.small_radius(9, 100, 100) == ()  # rows of 19 columns: general path
    assert kern.small_radius(7, 15, 40) == ()  # the middle row is a whole row
    assert len(kern.small_radius(7, 16, 15)) == 7
    assert kern.small_radius(7, 16, 14) == ()  # a row seen twice


def test_arrest_probability_rounds_as_mesa_floors_as_netlogo():
    table = kern.arrest_table(2.3, 8)
    for cops in range(0, 9):
        for actives in range(1, 9):
            ratio = cops / actives
            for mode, f in ((kern.ROUND, round), (kern.FLOOR, math.floor), (kern.NONE, float)):
                expect = 1 - math.exp(-1 * 2.3 * f(ratio)) if cops else 0.0
                assert kern.arrest_probability(cops, actives, 2.3, mode, table) == expect
                grid = kern.arrest_grid(table, mode)
                if mode != kern.NONE:  # the kernel's lookup: the same bits
                    assert grid[cops, actives] == expect
                else:
                    assert grid.size == 0
    # Python's round is half to even: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
    assert kern.arrest_probability(1, 2, 2.3, kern.ROUND, table) == 0.0
    assert kern.arrest_probability(3, 2, 2.3, kern.ROUND, table) == 1 - math.exp(-4.6)
    assert kern.arrest_probability(5, 2, 2.3, kern.ROUND, table) == 1 - math.exp(-4.6)


# -- Mesa's rules, one agent at a time ---------------------------------------------------

def tiny_world(citizens, cops, w=5, h=5, cit_vision=2, cop_vision=1, step=1, seed=0,
               legitimacy=0.5, threshold=0.1, rounding=kern.ROUND, max_jail=1000,
               movement=False):
    """Run one step of the kernel on a hand-made lattice.

    ``citizens`` are (x, y, state, hardship, risk, jail) and ``cops`` (x, y).
    Returns the arrays after the step.
    """
    pad = max(cit_vision, cop_vision)
    n_cit = len(citizens)
    pos = [(c[0], c[1]) for c in citizens] + list(cops)
    values = np.full((h, w), kern.EMPTY, dtype=np.int64)
    for x, y, state, *_ in citizens:
        values[y, x] = kern.ACTIVE_CELL if state == kern.ACTIVE else kern.HELD
    for x, y in cops:
        values[y, x] = kern.COP_CELL
    world = {
        "prefix": kern.build_lattice(values, pad),
        "occupant": np.full(w * h, -1, dtype=np.int32),
        "x": np.array([p[0] for p in pos], dtype=np.int32),
        "y": np.array([p[1] for p in pos], dtype=np.int32),
        "state": np.array([c[2] for c in citizens], dtype=np.uint8),
        "hardship": np.array([c[3] for c in citizens], dtype=np.float64),
        "risk": np.array([c[4] for c in citizens], dtype=np.float64),
        "jail": np.array([c[5] for c in citizens], dtype=np.int32),
    }
    for slot, (x, y) in enumerate(pos):
        world["occupant"][y * w + x] = slot
    table = kern.arrest_table(2.3, 2 * cit_vision * (cit_vision + 1) + 1)
    keys = [np.uint64(seed * 10 + i + 1) for i in range(4)]
    kern.step_kernel(
        world["prefix"], world["occupant"], world["x"], world["y"], world["state"],
        world["hardship"], world["risk"], world["jail"], np.empty(len(pos), np.int32),
        np.empty(len(pos), np.int32),
        np.empty(64, np.int64), np.zeros(kern.BLOCK, np.uint16), w, h, pad, n_cit,
        kern.vision_rows(cit_vision, w, h, pad), kern.vision_rows(cop_vision, w, h, pad),
        kern.small_radius(cit_vision, w, h), kern.small_radius(cop_vision, w, h),
        kern.window_table(len(kern.small_radius(cit_vision, w, h)), w, pad),
        kern.window_table(len(kern.small_radius(cop_vision, w, h)), w, pad),
        legitimacy, threshold, 2.3, rounding, table, kern.arrest_grid(table, rounding),
        max_jail, False, movement, *keys, step)
    return world


def test_a_citizen_counts_itself_once_and_not_its_own_cell():
    # One cop in sight, out of the cop's own sight. C = 1, A = 1 (itself):
    # P = 1 - exp(-2.3) = 0.90, so G - R P = 0.5 - 0.9 < T: quiet. Counting its
    # own (active) cell as well would give A = 2, round(0.5) = 0, P = 0: active.
    world = tiny_world([(2, 2, kern.ACTIVE, 1.0, 1.0, 0)], [(2, 0)])
    assert world["state"][0] == kern.QUIET
    # With no cop in sight P = 0 and G = 0.5 > T: active.
    world = tiny_world([(2, 2, kern.QUIET, 1.0, 1.0, 0)], [(0, 0)], cit_vision=1)
    assert world["state"][0] == kern.ACTIVE


def test_actives_in_sight_lower_the_risk():
    # Two cops and the citizen alone: round(2/1) = 2, P = 0.99, quiet. Two
    # active neighbours make A = 3: round(2/3) = 1, P = 0.90; a third, A = 4:
    # round(0.5) = 0 (half to even), P = 0, active.
    grievous = (2, 2, kern.QUIET, 1.0, 0.5, 0)
    near = [(2, 1, kern.ACTIVE, 1.0, 0.0, 0), (1, 2, kern.ACTIVE, 1.0, 0.0, 0),
            (3, 2, kern.ACTIVE, 1.0, 0.0, 0)]
    cops = [(0, 0), (4, 4)]
    alone = tiny_world([grievous], cops, cit_vision=4, cop_vision=1, w=9, h=9)
    assert alone["state"][0] == kern.QUIET
    assert tiny_world([grievous, *near[:2]], cops, cit_vision=4, w=9, h=9)["state"][0] \
        == kern.QUIET  # 0.5 - 0.5 * 0.90 = 0.05 < 0.1
    crowd = tiny_world([grievous, *near], cops, cit_vision=4, w=9, h=9)
    assert crowd["state"][0] == kern.ACTIVE


def test_a_sentence_counts_down_then_frees_at_zero():
    world = tiny_world([(2, 2, kern.JAILED, 1.0, 0.0, 2)], [])
    assert world["state"][0] == kern.JAILED and world["jail"][0] == 1
    world = tiny_world([(2, 2, kern.JAILED, 1.0, 0.0, 0)], [])
    assert world["state"][0] == kern.ACTIVE  # free, and acting, at its turn


def test_a_cop_jails_an_active_in_sight():
    world = tiny_world([(2, 2, kern.ACTIVE, 1.0, 0.0, 0)], [(2, 1)], cop_vision=1)
    assert world["state"][0] == kern.JAILED
    assert 1 <= world["jail"][0] <= 1000


def test_moves_go_to_each_empty_cell_in_sight_equally_often():
    # A citizen with vision 1 in the middle of a 5x5 lattice whose other cells
    # are full: it can go to its four von Neumann neighbours only.
    blockers = [(x, y, kern.QUIET, 0.0, 0.0, 0) for y in range(5) for x in range(5)
                if abs(x - 2) + abs(y - 2) > 1]
    counts: dict[tuple[int, int], int] = {}
    for step in range(2000):
        world = tiny_world([(2, 2, kern.QUIET, 0.0, 0.0, 0), *blockers], [], cit_vision=1,
                           cop_vision=1, step=step, movement=True)
        dest = (int(world["x"][0]), int(world["y"][0]))
        counts[dest] = counts.get(dest, 0) + 1
    assert set(counts) <= {(1, 2), (3, 2), (2, 1), (2, 3), (2, 2)}
    moved = [counts.get(c, 0) for c in [(1, 2), (3, 2), (2, 1), (2, 3)]]
    # Each blocker moves into the gap its neighbour leaves only if it acts
    # after, so the citizen finds all four cells empty about half the time;
    # whatever it finds, it picks uniformly: the four counts are alike.
    assert min(moved) > 0.8 * max(moved)


# -- state invariants ------------------------------------------------------------------

def check_lattice(sim: Sim) -> None:
    """The stored running sums, the occupant map and the agents tell one story."""
    m = sim.mechanisms[0]
    w, h, pad = m.p.width, m.p.height, m.pad
    on = m.x >= 0
    cells = m.y[on].astype(np.int64) * w + m.x[on]
    assert len(np.unique(cells)) == len(cells), "two agents share a cell"
    assert (m.x[: m.n_cit] >= 0).all(), "a citizen left the lattice"
    expect = np.full(w * h, kern.EMPTY, dtype=np.int64)
    slots = np.flatnonzero(on)
    codes = np.where(slots < m.n_cit, kern.HELD, kern.COP_CELL)
    active = slots < m.n_cit
    active[active] = m.state[slots[active]] == kern.ACTIVE
    codes[active] = kern.ACTIVE_CELL
    expect[cells] = codes
    # Every copy of every cell (ghost rows and columns, both shifted copies of
    # a row) holds the cell's value; the spare columns hold 0.
    values, zeros = kern.stored_values(m.prefix, w, h, pad)
    padded = expect.reshape(h, w)[(np.arange(h + 2 * pad) - pad) % h][
        :, (np.arange(w + 2 * pad) - pad) % w]
    want = np.zeros_like(values)
    want[:, 0, : w + 2 * pad] = padded
    want[:, 1, kern.HALF: kern.HALF + w + 2 * pad] = padded
    assert (values == want).all()
    assert (zeros == 0).all()
    occ = np.full(w * h, -1)
    occ[cells] = slots
    assert (m.occupant == occ).all()
    jailed = m.state == kern.JAILED
    assert ((m.jail != 0) <= jailed).all(), "a free citizen holds a sentence"


@pytest.mark.parametrize("params", [
    {},
    {"legitimacy": 0.6, "max_jail_term": 3},
    {"width": 7, "height": 6, "citizen_vision": 4, "cop_vision": 2, "cop_density": 0.1},
    {"width": 30, "height": 12, "citizen_vision": 9, "cop_vision": 11, "legitimacy": 0.7},
    {"cop_schedule": "reduce", "cop_reduction_tick": 5, "cop_reduction_per_tick": 0.05},
])
def test_invariants_hold_as_the_run_goes(params):
    sim = make(seed=3, steps=120, **params)
    n_cit = sim.mechanisms[0].n_cit
    for until in (1, 40, 120):
        sim.run(until=until)
        check_lattice(sim)
    r = sim.result()
    assert (r["active"] + r["quiet"] + r["jailed"] == n_cit).all()
    assert r["active"][0] == 0 and r["jailed"][0] == 0  # everyone starts quiet


def test_without_movement_nobody_moves_not_even_cops():
    sim = make(seed=2, steps=30, movement=False, legitimacy=0.6)
    m = sim.mechanisms[0]
    x0, y0 = m.x.copy(), m.y.copy()
    r = sim.run()
    assert r["jailed"].max() > 0  # cops still arrest
    assert (m.x == x0).all() and (m.y == y0).all()


def test_a_zero_term_frees_the_citizen_at_its_next_turn():
    # Mesa: jail_sentence 0 is falsy, so the next time it acts it is free. A
    # citizen can then only be in jail at the end of the step it was jailed,
    # and each cop jails at most one citizen per step.
    r = run(seed=4, steps=100, max_jail_term=0, legitimacy=0.5)
    assert r["jailed"].sum() > 0
    assert (r["jailed"] <= r["cops"]).all()


def test_life_sentences_only_fill_the_jail():
    r = run(seed=4, steps=100, infinite_jail=True, legitimacy=0.6)
    assert r["jailed"][-1] > 0
    assert (np.diff(r["jailed"]) >= 0).all()


def test_density_over_one_is_refused():
    with pytest.raises(InputError, match="must not exceed 1"):
        make(citizen_density=0.9, cop_density=0.2)


# -- determinism -----------------------------------------------------------------------

def test_same_seed_same_bits_other_seed_other_run():
    a, b, c = run(seed=7), run(seed=7), run(seed=8)
    assert digest(a) == digest(b)
    assert digest(a) != digest(c)


def test_snapshot_then_branch_continues_bit_for_bit(tmp_path):
    whole = make(seed=5, steps=120)
    whole.run()
    part = make(seed=5, steps=120)
    part.run(until=50)
    snap = part.snapshot()
    for sim in (snap.branch(), Snapshot.load(snap.save(tmp_path / "s.npz")).branch()):
        r = sim.run()
        assert digest(r) == digest(whole.result())
        for key, arr in whole.state.items():
            assert np.array_equal(sim.state[key], arr), key


def test_thread_count_does_not_change_the_bits():
    code = ("import hashlib, numpy as np, inevitable as inv; "
            "r = inv.run('epstein', seed=3, steps=60); "
            "print(hashlib.sha256(np.concatenate([r.series[k] for k in sorted(r.series)])"
            ".tobytes()).hexdigest())")
    out = set()
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True, timeout=300)
        out.add(res.stdout.strip())
    assert len(out) == 1


# -- what the model is for ---------------------------------------------------------------

def test_outburst_bookkeeping():
    active = np.array([0, 60, 70, 10, 0, 55, 0, 0, 80])
    spans = outbursts(active, 50)
    assert spans == [(1, 3), (5, 6), (8, 9)]
    assert waits(spans).tolist() == [2.0, 2.0]


@pytest.mark.parametrize("rounding", ["floor", "round"])
def test_run2_gives_punctuated_equilibrium(rounding):
    punctuated = 0
    for seed in SEEDS:
        r = run(seed=seed, steps=500, arrest_rounding=rounding)
        n_cit = r["active"][0] + r["quiet"][0]
        calm = np.median(r["active"][1:]) < 0.02 * n_cit  # mostly quiet ...
        punctuated += calm and r.final["outbursts"] >= 2  # ... broken by outbursts
    assert punctuated >= 4


def test_the_paper_as_printed_has_no_outbursts():
    for seed in range(3):
        plain = run(seed=seed, steps=300, arrest_rounding="none")
        floored = run(seed=seed, steps=300)
        assert plain.final["outbursts"] == 0
        assert digest(plain) != digest(floored)


def test_salami_tactics_are_absorbed_where_one_jump_explodes():
    # Runs 3 and 4 (L 0.9, cops 0.074, life sentences), under Mesa's round.
    # Salami: L falls 0.01 a tick from t = 77 down to 0.2. Jump: L falls once,
    # at t = 77, by less than half as much. Under Mesa's rules (in Mesa itself
    # too) the paper's own jump, to 0.7, sets off an outburst in only about a
    # fifth of seeds, so the jump here goes to 0.6 (about half to two thirds;
    # salami: one in ten or twenty). See docs/validation.md.
    runs34 = {"legitimacy": 0.9, "cop_density": 0.074, "infinite_jail": True,
              "arrest_rounding": "round"}
    level = 50  # the paper's outburst: more than 50 actives (Fig. 5)
    salami = [run(seed, 300, legitimacy_schedule="salami", **runs34)["active"][77:].max()
              for seed in SEEDS]
    jump = [run(seed, 300, legitimacy_schedule="jump", legitimacy_jump_to=0.6,
                **runs34)["active"][77:].max() for seed in SEEDS]
    assert sum(p <= level for p in salami) >= 4
    assert sum(p > level for p in jump) >= 3
    assert sum(j > s for j, s in zip(jump, salami, strict=True)) >= 4


def test_legitimacy_schedules_follow_runs_3_and_4():
    salami = run(steps=200, legitimacy=0.9, legitimacy_schedule="salami")["legitimacy"]
    assert (salami[:77] == 0.9).all()
    assert salami[77] == pytest.approx(0.89) and salami[100] == pytest.approx(0.66)
    assert salami[146:].tolist() == pytest.approx([0.2] * 55)
    assert (np.diff(salami) <= 1e-12).all()
    jump = run(steps=100, legitimacy=0.9, legitimacy_schedule="jump")["legitimacy"]
    assert (jump[:77] == 0.9).all() and (jump[77:] == 0.7).all()


def test_cop_reductions_follow_run_5():
    sim = make(steps=200, legitimacy=0.8, cop_density=0.074, cop_schedule="reduce",
               cop_reduction_tick=50, cop_reduction_per_tick=0.01, cop_reduction_floor=0.2)
    r = sim.run()
    n0 = r["cops"][0]
    want = [cops_wanted(sim.p, t, n0) for t in range(201)]
    assert r["cops"].tolist() == want
    assert want[49] == n0 and want[-1] == round(0.2 * n0)


def test_legitimacy_at_clamps_at_the_floor():
    p = make(legitimacy=0.5, legitimacy_schedule="salami", legitimacy_floor=0.7).p
    assert legitimacy_at(p, 500) == 0.5  # a floor above L never raises it


def test_builtin_scenario_runs_with_sources():
    sc = inv.scenario("epstein")
    assert sc.values["arrest_rounding"] == "floor"
    for name, spec in sc.spec.parameters.items():
        assert spec.source or spec.assumption, name
    r = sc.run(seed=1, steps=30)
    assert set(r.series) == {"active", "quiet", "jailed", "cops", "legitimacy"}
