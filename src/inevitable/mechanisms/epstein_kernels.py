"""Compiled kernels of the Epstein civil violence model (see ``epstein.py``).

Why the lattice looks like this: the hot loop is every agent counting the
empty cells, actives and cops in its vision diamond (112 cells at vision 7)
and then picking one of them. The layout makes that count cost a few
operations per row of the diamond instead of per cell, from memory that fits
in the L1 cache (25 kB for a 100x100 lattice).

* A cell's contribution to the three counts is packed in 5-bit fields of a
  uint16 (empty = 1, active = 1 << 5, cop = 1 << 10; a quiet or jailed citizen
  = 0), so adding cells adds all three counts at once.
* The lattice stores, per cell, the running sum of those values within its
  block of 16 columns (``prefix``); a cell's own value is the difference of
  two neighbours. A run of columns is then two prefix reads plus one block
  total per block edge it crosses; a write is one fixed-width masked add to
  the rest of its block, which vectorises.
* Rows carry ``pad`` ghost columns on each side that mirror the far edge of
  the torus, so a row of the diamond is one contiguous run: no modulo in the
  hot loop. Rows are rounded up to whole blocks.
* The rows of the diamond come from a table precomputed from the radius and
  the lattice size, which also removes duplicate cells when the diamond wraps
  onto itself on a small torus.
* Geometry is done in uint64: Numba adds a negative-index check to every
  signed array index (and turns int64 + uint64 into a float).

Randomness comes only from :func:`inevitable.engine.rng.uniform` keyed by
(stream key, step, agent slot, draw), so a run is a pure function of its seed.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from inevitable.engine.rng import uniform

# Cell values, packed counts of (empty, active, cop).
EMPTY = 1
ACTIVE_CELL = 1 << 5
COP_CELL = 1 << 10
HELD = 0  # a quiet or a jailed citizen: occupied, counts for nothing
BLOCK = 16  # columns per prefix block: a 5-bit field holds a block's count
_BM = np.uint64(BLOCK - 1)
_U0, _U1 = np.uint64(0), np.uint64(1)
# Counts over a whole row or diamond use 20-bit fields of an int64.
SHIFT_ACTIVE, SHIFT_COP = 20, 40
_FIELD = (1 << 20) - 1
MAX_VISION = 500

# Citizen states.
QUIET, ACTIVE, JAILED = np.uint8(0), np.uint8(1), np.uint8(2)
ROUND, FLOOR, NONE = 0, 1, 2  # arrest_rounding, as passed to the kernel
LIFE = -1  # jail term of a life sentence: never counted down


def vision_rows(v: int, width: int, height: int, pad: int) -> np.ndarray:
    """The rows of a von Neumann diamond of radius ``v`` on a torus, as a uint64 table.

    One row per distinct lattice row the diamond touches: (row offset in
    [0, height), first padded column, number of columns, 1 if the first column
    is relative to the centre's column else 0). When ``height < 2v + 1``
    several dy land on one row; their spans share a centre, so the union is
    the widest. A span at least as wide as the lattice is the whole row, once.
    """
    best: dict[int, tuple[int, int]] = {}
    for dy in range(-v, v + 1):
        d, s = dy % height, v - abs(dy)
        if d not in best or s > best[d][1]:
            best[d] = (dy, s)
    rows = []
    for d, (_dy, s) in sorted(best.items(), key=lambda kv: kv[1][0]):
        if 2 * s + 1 >= width:
            rows.append((d, pad, width, 0))
        else:
            rows.append((d, pad - s, 2 * s + 1, 1))
    return np.asarray(rows, dtype=np.uint64).reshape(-1, 4)


def small_radius(v: int, width: int, height: int) -> int:
    """``v`` if :func:`_survey_small` can count this diamond, else -1."""
    return v if v <= BLOCK // 2 and min(width, height) >= 2 * v + 1 else -1


@nb.njit(cache=True)
def stride(width: int, pad: int) -> int:
    """Stored row length: the padded row rounded up to whole blocks.

    Whole blocks let a write update its block with one fixed-width masked add
    and let a count read a block's last cell without leaving the row.
    """
    return -(-(width + 2 * pad) // BLOCK) * BLOCK


def build_prefix(values: np.ndarray) -> np.ndarray:
    """Running sums within blocks of a (rows, stride) array of cell values, as uint16."""
    out = np.zeros(values.shape, dtype=np.int64)
    for b in range(0, values.shape[1], BLOCK):
        out[:, b:b + BLOCK] = np.cumsum(values[:, b:b + BLOCK], axis=1)
    return out.astype(np.uint16)


def cell_values(prefix: np.ndarray, wp: int) -> np.ndarray:
    """The (rows, stride) cell values behind a prefix array (for tests and checks)."""
    pre = prefix.reshape(-1, wp).astype(np.int64)
    out = pre.copy()
    inner = np.arange(wp) % BLOCK != 0
    out[:, inner] -= pre[:, np.flatnonzero(inner) - 1]
    return out


@nb.njit(inline="always", cache=True)
def _value(pre, i):
    """The value of the cell at flat index ``i`` (uint64) from the block prefix sums."""
    inner = (i & _BM) != _U0
    return np.int64(pre[i]) - np.int64(pre[i - np.uint64(inner)]) * inner


@nb.njit(inline="always", cache=True)
def _widen(s):
    """5-bit packed counts to 20-bit ones; the fields of ``s`` must be in 0..31."""
    return (s & 31) | ((s & (31 << 5)) << 15) | ((s & (31 << 10)) << 30)


@nb.njit(inline="always", cache=True)
def set_cell(pre, wp, width, pad, x, y, value):
    """Write ``value`` at (x, y) and at its ghost copies, by updating the block sums."""
    base = np.uint64(y * wp)
    limit = np.uint64(width + 2 * pad)
    p = np.uint64(x + pad)
    while p >= np.uint64(width):  # leftmost copy of this column
        p -= np.uint64(width)
    while p < limit:
        delta = value - _value(pre, base + p)
        first = base + (p & ~_BM)
        offset = p & _BM
        for i in range(BLOCK):  # fixed width, so it vectorises: one masked add
            pre[first + np.uint64(i)] += delta if np.uint64(i) >= offset else 0
        p += np.uint64(width)


@nb.njit(inline="always", cache=True)
def _row_start(height, x, y, rows, k):
    """(lattice row, first padded column) of diamond row k; all uint64."""
    r = y + rows[k, 0]
    if r >= height:
        r -= height
    return r, rows[k, 1] + x * rows[k, 3]


@nb.njit(inline="always", cache=True)
def _run_sum(pre, base, sp, n):
    """Packed 20-bit counts over columns sp .. sp + n - 1 of the row at ``base``."""
    ep = sp + n - _U1
    inner = (sp & _BM) != _U0  # the run starts inside a block
    head = np.int64(pre[base + sp - np.uint64(inner)]) * inner
    b = sp | _BM  # last column of the first block; within the row
    if n <= np.uint64(BLOCK + 1):  # at most one block edge: add the 5-bit fields
        s = np.int64(pre[base + ep]) - head + np.int64(pre[base + b]) * (b < ep)
        return _widen(s)
    s = _widen(np.int64(pre[base + ep])) - _widen(head)
    while b < ep:
        s += _widen(np.int64(pre[base + b]))
        b += np.uint64(BLOCK)
    return s


@nb.njit(inline="always", cache=True)
def _survey(pre, wp, height, x, y, rows, rowsum):
    """Packed (empty, active, cop) counts over the diamond, the centre included.

    Also leaves each row's counts in ``rowsum`` for :func:`_kth`.
    """
    total = np.int64(0)
    for k in range(rows.shape[0]):
        r, sp = _row_start(height, x, y, rows, k)
        s = _run_sum(pre, r * wp, sp, rows[k, 2])
        rowsum[k] = s
        total += s
    return total


@nb.njit(inline="always", cache=True)
def _span(pre, base, sp, ep, inner, cross):
    """5-bit packed counts over padded columns sp..ep (at most one block edge)."""
    return (np.int64(pre[base + ep]) - np.int64(pre[base + sp - inner]) * np.int64(inner)
            + np.int64(pre[base + (sp | _BM)]) * cross)


@nb.njit(inline="always", cache=True)
def _survey_small(pre, wp, height, x, y, v, pad, rowsum):
    """:func:`_survey` for a radius of at most 8 on a lattice at least 2v + 1 each way.

    The rows dy and -dy of the diamond have the same span, so they share the
    index arithmetic, and their sum still fits the 5-bit fields (at most 30),
    so it is widened once per pair. ``rowsum`` gets 5-bit packed counts, rows
    in the order of :func:`vision_rows` (dy = -v .. v).
    """
    uv = np.uint64(v)
    hw = height * wp
    yb = y * wp
    sp = x + np.uint64(pad) - uv
    ep = x + np.uint64(pad) + uv
    inner = np.uint64((sp & _BM) != _U0)
    cross = np.int64((sp | _BM) < ep)
    mid = _span(pre, yb, sp, ep, inner, cross)
    rowsum[v] = mid
    total = _widen(mid)
    for dy in range(1, v + 1):
        sp += _U1
        ep -= _U1
        step = np.uint64(dy) * wp
        above = yb - step if yb >= step else yb + hw - step
        below = yb + step
        if below >= hw:
            below -= hw
        inner = np.uint64((sp & _BM) != _U0)
        cross = np.int64((sp | _BM) < ep)
        a = _span(pre, above, sp, ep, inner, cross)
        b = _span(pre, below, sp, ep, inner, cross)
        rowsum[v - dy] = a
        rowsum[v + dy] = b
        total += _widen(a + b)
    return total


@nb.njit(inline="always", cache=True)
def _kth(pre, wp, width, height, pad, x, y, rows, rowsum, unit, field, value, k):
    """(x, y) of the k-th cell holding ``value`` in the diamond, in row order.

    ``rowsum`` holds per-row packed counts with fields ``unit`` bits apart;
    ``field`` is 0, 1 or 2 for empty cells, actives or cops.
    """
    shift = field * unit
    mask = (1 << unit) - 1
    for kk in range(rows.shape[0]):
        n = (rowsum[kk] >> shift) & mask
        if k >= n:
            k -= n
            continue
        r, sp = _row_start(height, x, y, rows, kk)
        first = r * wp + sp
        seen = 0
        off = 0
        for p in range(first, first + rows[kk, 2]):  # branch-free: off = cells before it
            seen += _value(pre, p) == value
            off += seen <= k
        cx = np.int64(sp) + off - pad
        if cx < 0:
            cx += width
        elif cx >= width:
            cx -= width
        return cx, np.int64(r)
    return -1, -1  # unreachable when rowsum is current


def arrest_table(k_arrest: float, n: int) -> np.ndarray:
    """1 - exp(-k r) for r = 0..n, by Python's math.exp as Mesa computes it.

    With round or floor, C/A becomes a whole number r no larger than the
    number of cells in vision, so the kernel looks P up instead of calling exp.
    """
    return np.array([1 - math.exp(-1 * k_arrest * r) for r in range(n + 1)])


@nb.njit(inline="always", cache=True)
def arrest_probability(cops, actives, k_arrest, rounding, table):
    """P = 1 - exp(-k f(C/A)), as Mesa writes it (``-1 * k * round(C / A)``)."""
    if cops == 0:
        return 0.0
    ratio = cops / actives
    if rounding == ROUND:
        return table[np.int64(np.rint(ratio))]  # Python's round(): half to even
    if rounding == FLOOR:
        return table[np.int64(ratio)]
    return 1.0 - np.exp(-1.0 * k_arrest * ratio)


@nb.njit(cache=True)
def neighbourhood_counts(pre, width, height, pad, x, y, rows, small):
    """(empty, active, cop) cells around (x, y), the centre included; for tests."""
    rowsum = np.zeros(rows.shape[0], dtype=np.int64)
    wp, ux, uy = np.uint64(stride(width, pad)), np.uint64(x), np.uint64(y)
    if small >= 0:
        seen = _survey_small(pre, wp, np.uint64(height), ux, uy, small, pad, rowsum)
    else:
        seen = _survey(pre, wp, np.uint64(height), ux, uy, rows, rowsum)
    return seen & _FIELD, (seen >> SHIFT_ACTIVE) & _FIELD, seen >> SHIFT_COP


@nb.njit(inline="always", cache=True)
def _pick(key, step, slot, n):
    """A uniform integer in 0..n-1 (clamped: u * n can round up to n)."""
    j = np.int64(uniform(key, step, slot, 0) * n)
    return j if j < n else n - 1


@nb.njit(inline="always", cache=True)
def _move(pre, occ, px, py, wp, width, pad, a, x, y, nx, ny, value):
    set_cell(pre, wp, width, pad, x, y, EMPTY)
    set_cell(pre, wp, width, pad, nx, ny, value)
    occ[y * width + x] = -1
    occ[ny * width + nx] = a
    px[a] = nx
    py[a] = ny


# _nrt=False: the kernel allocates nothing, and without numba's reference
# counting the arrays handed to the inlined helpers cost no atomic increments
# and decrements in the hot loop (about 6% of the step).
@nb.njit(cache=True, _nrt=False)
def step_kernel(pre, occ, px, py, state, hardship, risk, jail, order, rowsum,
                width, height, pad, n_cit, cit_rows, cop_rows, cit_small, cop_small,
                legitimacy, threshold, k_arrest, rounding, p_table, max_jail, life, movement,
                key_order, key_move, key_pick, key_term, step):
    """One step of Mesa's rules: every agent acts once, sequentially, in a random order.

    A citizen in jail counts down its sentence and does nothing else; with
    sentence 0 it is free the next time it acts (Mesa's ``if
    self.jail_sentence``). A free citizen counts cops and actives in vision
    (+1 for itself), goes active iff G - R * P > T, then moves to a random
    empty cell in vision. A cop jails a random active citizen in vision, then
    moves likewise. Each agent sees the lattice as the agents before it left it.

    ``cit_small`` / ``cop_small`` are the radius when :func:`_survey_small`
    applies, else -1.
    """
    wp = stride(width, pad)
    cit_unit = 5 if cit_small >= 0 else 20
    cop_unit = 5 if cop_small >= 0 else 20
    uwp, uh = np.uint64(wp), np.uint64(height)
    n_all = px.shape[0]
    if n_all == 0:
        return
    grievance_scale = 1.0 - legitimacy
    for i in range(n_all):
        order[i] = i
    for i in range(n_all - 1, 0, -1):  # Fisher-Yates, one draw per position
        j = _pick(key_order, step, i, i + 1)
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp
    a_next = order[0]
    x_next, y_next = np.int64(px[a_next]), np.int64(py[a_next])
    for idx in range(n_all):
        # The next agent's position is read one turn early, to hide the cache
        # miss; only an agent's own turn moves it, so it cannot go stale.
        a, x, y = a_next, x_next, y_next
        if idx + 1 < n_all:
            a_next = order[idx + 1]
            x_next, y_next = np.int64(px[a_next]), np.int64(py[a_next])
        if x < 0:  # a cop taken off the lattice
            continue
        ux, uy = np.uint64(x), np.uint64(y)
        if a < n_cit:
            if jail[a] != 0:
                if jail[a] > 0:
                    jail[a] -= 1
                continue
            was = state[a]
            if cit_small >= 0:
                seen = _survey_small(pre, uwp, uh, ux, uy, cit_small, pad, rowsum)
            else:
                seen = _survey(pre, uwp, uh, ux, uy, cit_rows, rowsum)
            actives = (seen >> SHIFT_ACTIVE) & _FIELD
            if was == ACTIVE:
                actives -= 1  # Mesa's neighbourhood leaves out the centre ...
            actives += 1  # ... and the citizen counts itself
            p_arrest = arrest_probability(seen >> SHIFT_COP, actives, k_arrest, rounding,
                                          p_table)
            now = QUIET
            if hardship[a] * grievance_scale - risk[a] * p_arrest > threshold:
                now = ACTIVE
            value = ACTIVE_CELL if now == ACTIVE else HELD
            if now != was:
                state[a] = now
                set_cell(pre, wp, width, pad, x, y, value)
            empties = seen & _FIELD
            if movement and empties > 0:
                k = _pick(key_move, step, a, empties)
                nx, ny = _kth(pre, uwp, width, uh, pad, ux, uy, cit_rows, rowsum, cit_unit,
                              0, EMPTY, k)
                _move(pre, occ, px, py, wp, width, pad, a, x, y, nx, ny, value)
        else:
            if cop_small >= 0:
                seen = _survey_small(pre, uwp, uh, ux, uy, cop_small, pad, rowsum)
            else:
                seen = _survey(pre, uwp, uh, ux, uy, cop_rows, rowsum)
            actives = (seen >> SHIFT_ACTIVE) & _FIELD
            if actives > 0:
                k = _pick(key_pick, step, a, actives)
                tx, ty = _kth(pre, uwp, width, uh, pad, ux, uy, cop_rows, rowsum, cop_unit,
                              1, ACTIVE_CELL, k)
                victim = occ[ty * width + tx]
                set_cell(pre, wp, width, pad, tx, ty, HELD)
                state[victim] = JAILED
                jail[victim] = LIFE if life else _pick(key_term, step, a, max_jail + 1)
            empties = seen & _FIELD
            if movement and empties > 0:
                k = _pick(key_move, step, a, empties)
                nx, ny = _kth(pre, uwp, width, uh, pad, ux, uy, cop_rows, rowsum, cop_unit,
                              0, EMPTY, k)
                _move(pre, occ, px, py, wp, width, pad, a, x, y, nx, ny, COP_CELL)


@nb.njit(cache=True)
def count_states(state, px, n_cit, out):
    """out = [active, quiet, jailed, cops on the lattice]."""
    out[:] = 0
    for a in range(n_cit):
        s = state[a]
        if s == ACTIVE:
            out[0] += 1
        elif s == QUIET:
            out[1] += 1
        else:
            out[2] += 1
    for a in range(n_cit, px.shape[0]):
        if px[a] >= 0:
            out[3] += 1


@nb.njit(cache=True)
def remove_cops(pre, occ, px, py, width, pad, n_cit, n_remove, key, step):
    """Take ``n_remove`` cops, chosen uniformly at random, off the lattice."""
    wp = stride(width, pad)
    for k in range(n_remove):
        present = 0
        for a in range(n_cit, px.shape[0]):
            if px[a] >= 0:
                present += 1
        if present == 0:
            return
        j = np.int64(uniform(key, step, 0, k) * present)
        if j >= present:
            j = present - 1
        for a in range(n_cit, px.shape[0]):
            if px[a] < 0:
                continue
            if j == 0:
                x, y = np.int64(px[a]), np.int64(py[a])
                set_cell(pre, wp, width, pad, x, y, EMPTY)
                occ[y * width + x] = -1
                px[a] = -1
                py[a] = -1
                break
            j -= 1
