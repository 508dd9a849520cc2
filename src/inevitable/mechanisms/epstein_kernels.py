"""Compiled kernels of the Epstein civil violence model (see ``epstein.py``).

Why the lattice looks like this: the hot loop is every agent counting the
empty cells, actives and cops in its vision diamond (113 cells at vision 7)
and then picking one of them. The layout makes that count two memory reads
and a subtraction per row of the diamond, with no branch.

* A cell's contribution to the three counts is packed in 5-bit fields of a
  uint16 (empty = 1, active = 1 << 5, cop = 1 << 10; a quiet or jailed citizen
  = 0), so adding cells adds all three counts at once.
* The lattice stores running sums of those values within blocks of 32
  columns, modulo 2**16. The difference of two running sums in one block is
  the packed count of the cells between them, exact whenever each count is at
  most 31, even if the running sums themselves carried from one field into the
  next: the arithmetic is modular and the true result has no carry.
* Each lattice row is stored twice, the second copy shifted by half a block
  (16 columns). A run of at most 17 columns lies inside one block of one of
  the two copies (which one, bit 4 of its first column says), so a row of a
  diamond of radius up to 8 is always one in-block difference: no block edge
  to cross, no branch. A write updates one block in each copy: two
  fixed-width masked adds, which vectorise.
* ``pad`` ghost columns on each side and ``pad`` ghost rows above and below
  mirror the far edges of the torus, so a diamond never wraps: no modulo and
  no wrap test in the hot loop, and the rows of a diamond are at fixed
  distances from its centre. A write also updates the cell's ghost copies.
* The radius of the common case is a compile-time constant (the length of a
  tuple argument, so numba compiles one kernel per radius): the loops over the
  rows of the diamond are fully unrolled, and the k-th cell is found without
  a data-dependent branch. Where each row of the diamond is read (which copy,
  which entry) is looked up in a table by the centre's column.
* Diamonds that wrap onto themselves (a lattice smaller than 2v + 1 either
  way) or radii above 8 take a general path driven by a table of rows, which
  also removes duplicate cells.
* Geometry is done in uint64: Numba adds a negative-index check to every
  signed array index (and turns int64 + uint64 into a float).

Randomness comes only from :func:`inevitable.engine.rng.uniform` keyed by
(stream key, step, agent slot, draw), so a run is a pure function of its seed.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic

from inevitable.engine.jitcache import follow
from inevitable.engine.rng import uniform

# Cell values, packed counts of (empty, active, cop).
EMPTY = 1
ACTIVE_CELL = 1 << 5
COP_CELL = 1 << 10
HELD = 0  # a quiet or a jailed citizen: occupied, counts for nothing
BLOCK = 32  # columns per block of running sums
SLOTS = BLOCK + 1  # entries per block: a 0, then the running sums
HALF = BLOCK // 2  # the shift of a row's second copy
SMALL_MAX = HALF // 2  # largest radius of the unrolled path: rows of <= 17 columns
_BM = np.uint64(BLOCK - 1)
_U1, _U4, _U5 = np.uint64(1), np.uint64(4), np.uint64(5)
_UHALF = np.uint64(HALF)
_M16 = np.uint64(0xFFFF)
_EC = np.uint64(0x7C1F)  # the empty and cop fields of a packed uint16
_A = np.uint64(0x3E0)  # its active field
# Counts over a whole row or diamond (general path) use 20-bit fields of an int64.
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
    is relative to the centre's column else 0, row offset dy + pad in the
    padded lattice). When ``height < 2v + 1`` several dy land on one row; their
    spans share a centre, so the union is the widest. A span at least as wide
    as the lattice is the whole row, once.
    """
    best: dict[int, tuple[int, int]] = {}
    for dy in range(-v, v + 1):
        d, s = dy % height, v - abs(dy)
        if d not in best or s > best[d][1]:
            best[d] = (dy, s)
    rows = []
    for d, (dy, s) in sorted(best.items(), key=lambda kv: kv[1][0]):
        if 2 * s + 1 >= width:
            rows.append((d, pad, width, 0, dy + pad))
        else:
            rows.append((d, pad - s, 2 * s + 1, 1, dy + pad))
    return np.asarray(rows, dtype=np.uint64).reshape(-1, 5)


def small_radius(v: int, width: int, height: int) -> tuple:
    """The radius as a tuple of that length if the unrolled path applies, else ().

    It applies to radii up to :data:`SMALL_MAX` on a lattice of at least
    2v + 1 rows (no row seen twice) and more than 2v + 1 columns: a row of
    the diamond as wide as the lattice is read from column 0 in
    :func:`vision_rows`, which sets the order in which cells are picked. numba
    types a tuple by its length, so the kernel is compiled once per radius
    with the radius a constant, and its loops over the diamond's rows are
    unrolled.
    """
    fits = width > 2 * v + 1 and height >= 2 * v + 1
    return (0,) * v if v <= SMALL_MAX and fits else ()


@nb.njit(cache=True)
def stride(width: int, pad: int) -> int:
    """Entries in one copy of a stored row: the padded columns and the half-block
    shift of the second copy, in whole blocks of SLOTS entries."""
    return -(-(width + 2 * pad + HALF) // BLOCK) * SLOTS


def build_lattice(values: np.ndarray, pad: int) -> np.ndarray:
    """The stored lattice (flat uint16) for a (height, width) array of cell values."""
    h, w = values.shape
    blocks = stride(w, pad) // SLOTS
    padded = values[(np.arange(h + 2 * pad) - pad) % h][:, (np.arange(w + 2 * pad) - pad) % w]
    cells = np.zeros((h + 2 * pad, 2, blocks * BLOCK), dtype=np.int64)
    cells[:, 0, : w + 2 * pad] = padded
    cells[:, 1, HALF: HALF + w + 2 * pad] = padded
    out = np.zeros((h + 2 * pad, 2, blocks, SLOTS), dtype=np.int64)
    out[..., 1:] = np.cumsum(cells.reshape(h + 2 * pad, 2, blocks, BLOCK), axis=3)
    return (out & 0xFFFF).astype(np.uint16).ravel()


def stored_values(lattice: np.ndarray, width: int, height: int, pad: int) -> np.ndarray:
    """The (padded rows, 2, stored columns) cell values behind a stored lattice.

    For tests and checks, with the entry before each block, which must be 0.
    """
    blocks = stride(width, pad) // SLOTS
    pre = lattice.reshape(height + 2 * pad, 2, blocks, SLOTS).astype(np.int64)
    values = np.diff(pre, axis=3) & 0xFFFF
    return values.reshape(height + 2 * pad, 2, blocks * BLOCK), pre[..., 0]


# _TAIL[o] keeps the entries o.. of a block: a write adds its delta to the
# running sums from its column to the end of its block.
_TAIL = np.array([[0xFFFF if i >= o else 0 for i in range(BLOCK)] for o in range(BLOCK)],
                 dtype=np.uint16)


@intrinsic
def _add_block(typingctx, pre, first, tail, offset, delta):
    """pre[first + i] += delta & tail[offset, i] for i in 0..31, as one vector operation.

    Written in LLVM IR because numba leaves LLVM's SLP vectoriser off and LLVM
    fully unrolls a loop of constant length 32 before its loop vectoriser
    sees it: the plain loop becomes 32 scalar read-modify-writes (about 9 ns);
    this is a broadcast, an and, an add and a store. ``pre`` and ``tail`` are
    uint16 arrays, ``delta`` a uint16; the result is the same integers.
    """
    sig = nb.types.void(pre, first, tail, offset, delta)

    def codegen(context, builder, signature, args):
        pre_v, first_v, tail_v, offset_v, delta_v = args
        lanes = ir.VectorType(ir.IntType(16), BLOCK)
        data = context.make_array(signature.args[0])(context, builder, pre_v).data
        masks = context.make_array(signature.args[2])(context, builder, tail_v).data
        row = builder.mul(offset_v, ir.Constant(offset_v.type, BLOCK))
        target = builder.bitcast(builder.gep(data, [first_v]), lanes.as_pointer())
        mask = builder.load(builder.bitcast(builder.gep(masks, [row]), lanes.as_pointer()),
                            align=2)
        one = builder.insert_element(ir.Constant(lanes, None), delta_v,
                                     ir.Constant(ir.IntType(32), 0))
        every = builder.shuffle_vector(one, ir.Constant(lanes, None),
                                       ir.Constant(ir.VectorType(ir.IntType(32), BLOCK),
                                                   [0] * BLOCK))
        total = builder.add(builder.load(target, align=2), builder.and_(mask, every))
        builder.store(total, target, align=2)
        return context.get_dummy_value()

    return sig, codegen


def _splat(builder, lanes, value):
    """A vector of ``lanes`` with ``value`` (truncated to its element type) in every lane."""
    value = builder.trunc(value, lanes.element) if value.type.width > 16 else value
    one = builder.insert_element(ir.Constant(lanes, None), value, ir.Constant(ir.IntType(32), 0))
    return builder.shuffle_vector(one, ir.Constant(lanes, None),
                                  ir.Constant(ir.VectorType(ir.IntType(32), lanes.count),
                                              [0] * lanes.count))


def _count_true(builder, flags):
    """How many lanes of a vector of i1 are set, as an int64."""
    word = ir.IntType(flags.type.count)
    bits = builder.bitcast(flags, word)
    ones = builder.ctpop(bits)
    return builder.zext(ones, ir.IntType(64))


def _block_of(context, builder, array_type, array, index):
    """The 32 uint16 entries of ``array`` from ``index`` on, as a vector."""
    lanes = ir.VectorType(ir.IntType(16), BLOCK)
    data = context.make_array(array_type)(context, builder, array).data
    return builder.load(builder.bitcast(builder.gep(data, [index]), lanes.as_pointer()), align=2)


@intrinsic
def _pick_row(typingctx, counts, field, k, small):
    """(r, cells in rows before r) for the row r holding the k-th counted cell (from 0).

    ``counts`` holds the uint16 packed counts of the 2v + 1 rows of the
    diamond (v = ``len(small)``), then zeros; the count is the 5-bit field at
    bit ``field``. A running sum over the lanes (log2 of the lanes
    shift-and-add steps) gives the total up to each row; r is the number of
    rows whose total is at most k, and the total before it is the largest such
    total. No branch: about 20 vector instructions, where a loop over 15 rows
    took about 15 ns. 16 lanes when the rows fit (v <= 7), else 32.
    """
    sig = nb.types.UniTuple(nb.types.int64, 2)(counts, field, k, small)
    width = 16 if 2 * len(small) + 1 <= 16 else BLOCK

    def codegen(context, builder, signature, args):
        counts_v, field_v, k_v, _ = args
        lanes = ir.VectorType(ir.IntType(16), width)
        zero = ir.Constant(lanes, None)
        data = context.make_array(signature.args[0])(context, builder, counts_v).data
        rows = builder.load(builder.bitcast(data, lanes.as_pointer()), align=2)
        c = builder.and_(builder.lshr(rows, _splat(builder, lanes, field_v)),
                         _splat(builder, lanes, ir.Constant(ir.IntType(16), 31)))
        total = c
        s = 1
        while s < width:  # total[i] = c[0] + ... + c[i]
            moved = builder.shuffle_vector(
                total, zero, ir.Constant(ir.VectorType(ir.IntType(32), width),
                                         [i - s if i >= s else width for i in range(width)]))
            total = builder.add(total, moved)
            s *= 2
        full = builder.icmp_unsigned("<=", total, _splat(builder, lanes, k_v))
        row = _count_true(builder, full)
        kept = builder.select(full, total, zero)
        umax = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(lanes.element, [lanes]),
            f"llvm.vector.reduce.umax.v{width}i16")
        before = builder.zext(builder.call(umax, [kept]), ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, [row, before])

    return sig, codegen


@intrinsic
def _cells_before(typingctx, pre, block, lo, hi, start, field, k):
    """How many of entries lo..hi of the block at ``block`` count at most k cells from lo.

    The entries are running sums of packed counts; ``start`` is the running
    sum before entry lo (0 when lo is 0), so ((pre - start) >> field) & 31 is
    the number of counted cells from lo up to each entry. The number of
    entries whose count is at most k is the offset of the k-th counted cell
    from lo. One 32-lane vector compare and a popcount.
    """
    sig = nb.types.int64(pre, block, lo, hi, start, field, k)

    def codegen(context, builder, signature, args):
        pre_v, block_v, lo_v, hi_v, start_v, field_v, k_v = args
        lanes = ir.VectorType(ir.IntType(16), BLOCK)
        entries = _block_of(context, builder, signature.args[0], pre_v, block_v)
        seen = builder.and_(
            builder.lshr(builder.sub(entries, _splat(builder, lanes, start_v)),
                         _splat(builder, lanes, field_v)),
            _splat(builder, lanes, ir.Constant(ir.IntType(16), 31)))
        index = ir.Constant(lanes, list(range(BLOCK)))
        inside = builder.and_(builder.icmp_unsigned(">=", index, _splat(builder, lanes, lo_v)),
                              builder.icmp_unsigned("<=", index, _splat(builder, lanes, hi_v)))
        below = builder.icmp_unsigned("<=", seen, _splat(builder, lanes, k_v))
        return _count_true(builder, builder.and_(inside, below))

    return sig, codegen


@intrinsic
def _cells_in_run(typingctx, pre, before, last, field, k, small):
    """How many of the entries before + 1 .. before + 1 + last count at most k cells.

    The entries are running sums of packed counts and ``pre[before]`` is the
    running sum before them, so ((pre - pre[before]) >> field) & 31 is the
    number of counted cells up to each entry: the number of entries whose
    count is at most k is the offset of the k-th counted cell in the run. The
    run (at most 2v + 1 <= 16 entries after ``before``: radius v <= 7) lies in
    one block, so this 16-lane read stays in that block and in the cache lines
    the survey has just read; :func:`_cells_before` reads the whole block.
    """
    sig = nb.types.int64(pre, before, last, field, k, small)
    width = HALF

    def codegen(context, builder, signature, args):
        pre_v, before_v, last_v, field_v, k_v, _ = args
        lanes = ir.VectorType(ir.IntType(16), width)
        data = context.make_array(signature.args[0])(context, builder, pre_v).data
        start = builder.load(builder.gep(data, [before_v]))
        at = builder.gep(data, [builder.add(before_v, ir.Constant(before_v.type, 1))])
        entries = builder.load(builder.bitcast(at, lanes.as_pointer()), align=2)
        seen = builder.and_(
            builder.lshr(builder.sub(entries, _splat(builder, lanes, start)),
                         _splat(builder, lanes, field_v)),
            _splat(builder, lanes, ir.Constant(ir.IntType(16), 31)))
        index = ir.Constant(lanes, list(range(width)))
        inside = builder.icmp_unsigned("<=", index, _splat(builder, lanes, last_v))
        below = builder.icmp_unsigned("<=", seen, _splat(builder, lanes, k_v))
        return _count_true(builder, builder.and_(inside, below))

    return sig, codegen


@nb.njit(inline="always", cache=True)
def _add(pre, rs, width, height, pad, x, y, delta):
    """Add ``delta`` (mod 2**16) to the value of cell (x, y), in all its copies.

    The copies are the padded rows y + pad + j * height and padded columns
    x + pad + i * width inside the padded lattice, each in both shifted copies
    of its row. All arguments but ``delta`` are uint64.
    """
    delta = np.uint16(delta & 0xFFFF)
    half = rs >> _U1
    rows = height + pad + pad
    cols = width + pad + pad
    r = y + pad
    if rows <= height + height and cols <= width + width:
        # At most two copies each way: the topmost and leftmost without a loop,
        # so without a branch on the cell's position.
        r -= height * np.uint64(r >= height)
        p0 = x + pad
        p0 -= width * np.uint64(p0 >= width)
    else:
        while r >= height:  # the topmost copy
            r -= height
        p0 = x + pad
        while p0 >= width:  # the leftmost copy
            p0 -= width
    while r < rows:
        base = r * rs
        p = p0
        while p < cols:
            _add_block(pre, base + _slot(p) + _U1 - (p & _BM), _TAIL, p & _BM, delta)
            q = p + _UHALF
            _add_block(pre, base + half + _slot(q) + _U1 - (q & _BM), _TAIL, q & _BM, delta)
            p += width
        r += height


@nb.njit(inline="always", cache=True)
def _add_one(pre, rs, pad, x, y, delta):
    """:func:`_add` for a cell with no ghost copy (pad <= x < width - pad, and so for y)."""
    delta = np.uint16(delta & 0xFFFF)
    base = (y + pad) * rs
    p = x + pad
    _add_block(pre, base + _slot(p) + _U1 - (p & _BM), _TAIL, p & _BM, delta)
    q = p + _UHALF
    _add_block(pre, base + (rs >> _U1) + _slot(q) + _U1 - (q & _BM), _TAIL, q & _BM, delta)


@nb.njit(inline="always", cache=True)
def _slot(q):
    """The entry before column ``q`` of a row copy: the column's own entry is the next one.

    Block b holds a 0 and then the running sums of its 32 columns, in entries
    33 b .. 33 b + 32, so the entry before a block's first column is its 0:
    a run's count is always the difference of two entries, with no test for
    a run that starts a block.
    """
    return q + (q >> _U5)


@nb.njit(inline="always", cache=True)
def _span(pre, base, before, n):
    """Packed 5-bit counts over the ``n`` entries after ``before``, modulo 2**16."""
    return (np.uint64(pre[base + before + n]) - np.uint64(pre[base + before])) & _M16


def window_table(v: int, width: int, pad: int) -> np.ndarray:
    """Where each row of a diamond of radius ``v`` is read, for each centre column.

    Entry x * (v + 1) + d is the index, in a stored row, of the entry before
    the run of the rows d and -d from the centre x: padded columns
    sp = x + pad - v + d on, at most 17 of them, which lie in one block. Runs
    starting in columns 0..15 of a block are read in the first copy of the
    row, the others in the second, whose blocks start 16 columns later (at
    ``stride`` entries); the run's first lane in its block is sp % 16. The
    survey reads this table (for x in 0..width-1) instead of computing the
    index, which took seven instructions a pair of rows.
    """
    half = stride(width, pad)
    sp = (np.arange(width)[:, None] + pad - v + np.arange(v + 1)[None, :]).astype(np.int64)
    h = (sp >> 4) & 1  # 1: read in the second copy
    q = sp + h * HALF
    return (h * half + q + (q >> 5)).astype(np.uint32).ravel()


@nb.njit(inline="always", cache=True)
def _survey_small(pre, rs, x, y, pad, counts, win, v):
    """(empty, active, cop) cells in a diamond of constant radius ``v`` <= 8, centre included.

    ``win`` is :func:`window_table` for this radius.

    The rows dy and -dy have the same span, so they share their window (read
    from ``win``, see :func:`window_table`), and their sum still fits the
    5-bit fields (at most 30); it is added to two wide accumulators, one for
    the empty and cop fields, one for the active field. ``counts`` gets each
    row's packed counts, rows dy = -v .. v.
    """
    centre = (y + pad) * rs
    w0 = x * np.uint64(v + 1)
    mid = _span(pre, centre, np.uint64(win[w0]), np.uint64(2 * v + 1))
    counts[v] = mid
    ec = mid & _EC
    act = mid & _A
    for dy in range(1, v + 1):
        before = np.uint64(win[w0 + np.uint64(dy)])
        n = np.uint64(2 * (v - dy) + 1)
        step = np.uint64(dy) * rs
        a = _span(pre, centre - step, before, n)
        b = _span(pre, centre + step, before, n)
        counts[v - dy] = a
        counts[v + dy] = b
        both = a + b
        ec += both & _EC
        act += both & _A
    return np.int64(ec & np.uint64(1023)), np.int64(act >> np.uint64(5)), \
        np.int64(ec >> np.uint64(10))


@nb.njit(inline="always", cache=True)
def _kth_small(pre, rs, width, height, pad, x, y, counts, win, field, k, small):
    """(x, y) of the k-th cell (from 0) counted by ``field`` in the diamond of radius ``v``.

    Cells are in row order (dy = -v .. v), then left to right. ``counts`` is
    from :func:`_survey_small`; ``field`` is 0 for empty cells, 5 for actives.
    Both the row and the cell in it are found by vector compares, with no
    branch that depends on the data.
    """
    v = len(small)
    row, before = _pick_row(counts, np.uint16(field), np.uint16(k), small)
    dy = row - v
    s = v - abs(dy)
    at = np.uint64(win[x * np.uint64(v + 1) + np.uint64(v - s)])
    base = (y + pad + np.uint64(row) - np.uint64(v)) * rs + at
    if 2 * v + 1 <= HALF:  # a constant: the run fits 16 lanes
        off = _cells_in_run(pre, base, np.uint16(2 * s), np.uint16(field),
                            np.uint16(k - before), small)
    else:
        lo = (x + pad - np.uint64(s)) & np.uint64(HALF - 1)  # the run's first lane in its block
        off = _cells_before(pre, base + _U1 - lo, np.uint16(lo),
                            np.uint16(lo + np.uint64(2 * s)), pre[base], np.uint16(field),
                            np.uint16(k - before))
    cx = np.int64(x) + off - s
    if cx < 0:
        cx += width
    elif cx >= width:
        cx -= width
    cy = np.int64(y) + dy
    if cy < 0:
        cy += height
    elif cy >= height:
        cy -= height
    return cx, cy


@nb.njit(inline="always", cache=True)
def _widen(s):
    """5-bit packed counts to 20-bit ones; the fields of ``s`` must be in 0..31."""
    s = np.int64(s)
    return (s & 31) | ((s & (31 << 5)) << 15) | ((s & (31 << 10)) << 30)


@nb.njit(inline="always", cache=True)
def _run_sum(pre, base, sp, n):
    """Packed 20-bit counts over padded columns sp .. sp + n - 1 of the row at ``base``.

    Read in the first copy of the row, 16 aligned columns at a time: each
    piece lies inside one block and holds at most 16 cells, so its 5-bit
    counts are exact.
    """
    ep = sp + n - _U1
    total = np.int64(0)
    c = sp
    while c <= ep:
        end = min(c | np.uint64(HALF - 1), ep)
        total += _widen(_span(pre, base, _slot(c), end - c + _U1))
        c = end + _U1
    return total


@nb.njit(inline="always", cache=True)
def _survey_rows(pre, rs, x, y, rows, rowsum):
    """(empty, active, cop) cells in the diamond given by a :func:`vision_rows` table.

    The general path: any radius, and lattices where the diamond wraps onto
    itself. ``rowsum`` gets each row's 20-bit packed counts.
    """
    total = np.int64(0)
    for k in range(rows.shape[0]):
        s = _run_sum(pre, (y + rows[k, 4]) * rs, rows[k, 1] + x * rows[k, 3], rows[k, 2])
        rowsum[k] = s
        total += s
    return total & _FIELD, (total >> SHIFT_ACTIVE) & _FIELD, total >> SHIFT_COP


@nb.njit(inline="always", cache=True)
def _kth_rows(pre, rs, width, height, pad, x, y, rows, rowsum, field, value, k):
    """(x, y) of the k-th cell (from 0) holding ``value`` in the diamond of a row table.

    ``rowsum`` is from :func:`_survey_rows`; ``field`` is 0 (empty cells) or
    :data:`SHIFT_ACTIVE` (actives). Cells are read one by one in the first
    copy of the chosen row.
    """
    for kk in range(rows.shape[0]):
        n = (rowsum[kk] >> field) & _FIELD
        if k >= n:
            k -= n
            continue
        base = (y + rows[kk, 4]) * rs
        sp = rows[kk, 1] + x * rows[kk, 3]
        seen = 0
        off = 0
        for p in range(sp, sp + rows[kk, 2]):  # branch-free: off = cells before it
            seen += _span(pre, base, _slot(p), _U1) == value
            off += seen <= k
        cx = np.int64(sp) + off - np.int64(pad)
        if cx < 0:
            cx += width
        elif cx >= width:
            cx -= width
        cy = np.int64(y + rows[kk, 0])
        if cy >= height:
            cy -= height
        return cx, cy
    return -1, -1  # unreachable when rowsum is current


def arrest_table(k_arrest: float, n: int) -> np.ndarray:
    """1 - exp(-k r) for r = 0..n, by Python's math.exp as Mesa computes it.

    With round or floor, C/A becomes a whole number r no larger than the
    number of cells in vision, so the kernel looks P up instead of calling exp.
    """
    return np.array([1 - math.exp(-1 * k_arrest * r) for r in range(n + 1)])


def arrest_grid(table: np.ndarray, rounding: int, limit: int = 256) -> np.ndarray:
    """P for every (C, A), from :func:`arrest_table`, when f is round or floor.

    grid[c, a] is exactly the entry of ``table`` that :func:`arrest_probability`
    would pick, so looking it up gives the same bits, without the division
    and the rounding in the agent's chain of dependent instructions. Empty
    (the kernel computes P) under ``none`` or when the diamond has more than
    ``limit`` cells (the grid would grow past a few hundred kB).
    """
    n = len(table) - 1
    if rounding == NONE or n > limit:
        return np.zeros((0, 0))
    f = round if rounding == ROUND else math.floor
    grid = np.zeros((n + 1, n + 2))
    for c in range(1, n + 1):
        for a in range(1, n + 2):
            grid[c, a] = table[min(f(c / a), n)]
    return grid


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


@nb.njit(inline="always", cache=True)
def _survey(pre, rs, x, y, pad, rows, rowsum, counts, win, small):
    """(empty, active, cop) cells in vision, the centre included: unrolled or general path."""
    if len(small) > 0:
        return _survey_small(pre, rs, x, y, pad, counts, win, len(small))
    return _survey_rows(pre, rs, x, y, rows, rowsum)


@nb.njit(inline="always", cache=True)
def _kth(pre, rs, width, height, pad, x, y, rows, rowsum, counts, win, small, active, k):
    """(x, y) of the k-th empty cell (or active one, if ``active``) in vision."""
    if len(small) > 0:
        return _kth_small(pre, rs, width, height, pad, x, y, counts, win, 5 if active else 0,
                          k, small)
    return _kth_rows(pre, rs, width, height, pad, x, y, rows, rowsum,
                     SHIFT_ACTIVE if active else 0, ACTIVE_CELL if active else EMPTY, k)


@nb.njit(cache=True)
def _counts_at(pre, width, height, pad, x, y, rows, win, small):
    rowsum = np.zeros(rows.shape[0], dtype=np.int64)
    counts = np.zeros(BLOCK, dtype=np.uint16)
    rs = np.uint64(2 * stride(width, pad))
    return _survey(pre, rs, np.uint64(x), np.uint64(y), np.uint64(pad), rows, rowsum, counts,
                   win, small)


@nb.njit(cache=True)
def _kth_at(pre, width, height, pad, x, y, rows, win, small, active, k):
    rowsum = np.zeros(rows.shape[0], dtype=np.int64)
    counts = np.zeros(BLOCK, dtype=np.uint16)
    rs = np.uint64(2 * stride(width, pad))
    ux, uy, upad = np.uint64(x), np.uint64(y), np.uint64(pad)
    _survey(pre, rs, ux, uy, upad, rows, rowsum, counts, win, small)
    return _kth(pre, rs, width, height, upad, ux, uy, rows, rowsum, counts, win, small, active,
                k)


def neighbourhood_counts(pre, width, height, pad, x, y, rows, small):
    """(empty, active, cop) cells around (x, y), the centre included; for tests."""
    win = window_table(len(small), width, pad)
    return tuple(int(c) for c in _counts_at(pre, width, height, pad, x, y, rows, win, small))


def kth_cell(pre, width, height, pad, x, y, rows, small, active, k):
    """(x, y) of the k-th empty (or active) cell around (x, y), in row order; for tests."""
    win = window_table(len(small), width, pad)
    return tuple(int(c) for c in _kth_at(pre, width, height, pad, x, y, rows, win, small,
                                         active, k))


@nb.njit(inline="always", cache=True)
def _pick(key, step, slot, n):
    """A uniform integer in 0..n-1 (clamped: u * n can round up to n)."""
    j = np.int64(uniform(key, step, slot, 0) * n)
    return j if j < n else n - 1


@nb.njit(inline="always", cache=True)
def _move_inside(pre, occ, px, py, rs, width, pad, a, x, y, nx, ny, was, value):
    """:func:`_move` when neither cell has a ghost copy."""
    _add_one(pre, rs, pad, x, y, EMPTY - was)
    _add_one(pre, rs, pad, np.uint64(nx), np.uint64(ny), value - EMPTY)
    occ[y * width + x] = -1
    occ[np.uint64(ny) * width + np.uint64(nx)] = a
    px[a] = nx
    py[a] = ny


@nb.njit(inline="always", cache=True)
def _move(pre, occ, px, py, rs, width, height, pad, a, x, y, nx, ny, was, value):
    """Agent ``a`` leaves (x, y), where its cell held ``was``, for (nx, ny), to hold ``value``."""
    _add(pre, rs, width, height, pad, x, y, EMPTY - was)
    _add(pre, rs, width, height, pad, np.uint64(nx), np.uint64(ny), value - EMPTY)
    occ[y * width + x] = -1
    occ[ny * width + nx] = a
    px[a] = nx
    py[a] = ny


# _nrt=False: the kernel allocates nothing, and without numba's reference
# counting the arrays handed to the inlined helpers cost no atomic increments
# and decrements in the hot loop (about 6% of the step).
@nb.njit(cache=True, _nrt=False)
def step_kernel(pre, occ, px, py, state, hardship, risk, jail, order, swap, rowsum, counts,
                width, height, pad, n_cit, cit_rows, cop_rows, cit_small, cop_small,
                cit_win, cop_win,
                legitimacy, threshold, k_arrest, rounding, p_table, p_grid, max_jail, life,
                movement,
                key_order, key_move, key_pick, key_term, step):
    """One step of Mesa's rules: every agent acts once, sequentially, in a random order.

    A citizen in jail counts down its sentence and does nothing else; with
    sentence 0 it is free the next time it acts (Mesa's ``if
    self.jail_sentence``). A free citizen counts cops and actives in vision
    (+1 for itself), goes active iff G - R * P > T, then moves to a random
    empty cell in vision. A cop jails a random active citizen in vision, then
    moves likewise. Each agent sees the lattice as the agents before it left it.

    ``cit_small`` / ``cop_small`` are from :func:`small_radius`: a tuple whose
    length is the radius when the unrolled path applies, else empty;
    ``cit_win`` / ``cop_win`` from :func:`window_table` for the radius
    ``len(cit_small)`` / ``len(cop_small)``.
    """
    rs = np.uint64(2 * stride(width, pad))
    uw, uh, upad = np.uint64(width), np.uint64(height), np.uint64(pad)
    n_all = px.shape[0]
    if n_all == 0:
        return
    grievance_scale = 1.0 - legitimacy
    # Citizens at least ``inner`` cells from every edge see no ghost row or column.
    inner = upad + np.uint64(len(cit_small))
    inside = len(cit_small) > 0 and uw > inner + inner and uh > inner + inner
    un_cit = np.uint64(n_cit)
    # Fisher-Yates, one draw per position: the draws first, in a loop that
    # vectorises (``swap`` is scratch space), then the swaps.
    for i in range(1, n_all):
        swap[i] = _pick(key_order, step, i, i + 1)
    for i in range(n_all):
        order[i] = i
    for i in range(n_all - 1, 0, -1):
        j = np.uint64(swap[i])
        ui = np.uint64(i)
        tmp = order[ui]
        order[ui] = order[j]
        order[j] = tmp
    # Indices are unsigned: numba checks a signed index for a negative value.
    a_next = np.uint64(order[0])
    x_next, y_next = np.int64(px[a_next]), np.int64(py[a_next])
    for idx in range(n_all):
        # The next agent's position is read one turn early, to hide the cache
        # miss; only an agent's own turn moves it, so it cannot go stale.
        a, x, y = a_next, x_next, y_next
        if idx + 1 < n_all:
            a_next = np.uint64(order[idx + 1])
            x_next, y_next = np.int64(px[a_next]), np.int64(py[a_next])
        if x < 0:  # a cop taken off the lattice
            continue
        ux, uy = np.uint64(x), np.uint64(y)
        if a < un_cit:
            if jail[a] != 0:
                if jail[a] > 0:
                    jail[a] -= 1
                continue
            was = state[a]
            empties, actives, cops = _survey(pre, rs, ux, uy, upad, cit_rows, rowsum, counts,
                                              cit_win, cit_small)
            if was == ACTIVE:
                actives -= 1  # Mesa's neighbourhood leaves out the centre ...
            actives += 1  # ... and the citizen counts itself
            if p_grid.shape[0] > 0:
                p_arrest = p_grid[np.uint64(cops), np.uint64(actives)]
            else:
                p_arrest = arrest_probability(cops, actives, k_arrest, rounding, p_table)
            now = QUIET
            if hardship[a] * grievance_scale - risk[a] * p_arrest > threshold:
                now = ACTIVE
            state[a] = now
            old = ACTIVE_CELL if was == ACTIVE else HELD
            value = ACTIVE_CELL if now == ACTIVE else HELD
            if movement and empties > 0:
                # The change of state needs no write of its own: the cell is
                # left, and the pick below counts empty cells only.
                k = _pick(key_move, step, a, empties)
                nx, ny = _kth(pre, rs, width, height, upad, ux, uy, cit_rows, rowsum,
                              counts, cit_win, cit_small, False, k)
                if inside and ux - inner < uw - inner - inner and uy - inner < uh - inner - inner:
                    # The whole diamond is clear of the ghost rows and columns, so
                    # the cell moved to has one copy: no branch on where it is,
                    # which is known only at the end of the turn (a branch on
                    # where the citizen is resolves early).
                    _move_inside(pre, occ, px, py, rs, uw, upad, a, ux, uy, nx, ny, old, value)
                else:
                    _move(pre, occ, px, py, rs, uw, uh, upad, a, ux, uy, nx, ny, old, value)
            elif value != old:
                _add(pre, rs, uw, uh, upad, ux, uy, value - old)
        else:
            empties, actives, _ = _survey(pre, rs, ux, uy, upad, cop_rows, rowsum, counts,
                                           cop_win, cop_small)
            if actives > 0:
                k = _pick(key_pick, step, a, actives)
                tx, ty = _kth(pre, rs, width, height, upad, ux, uy, cop_rows, rowsum,
                              counts, cop_win, cop_small, True, k)
                victim = np.uint64(occ[ty * width + tx])
                _add(pre, rs, uw, uh, upad, np.uint64(tx), np.uint64(ty), HELD - ACTIVE_CELL)
                state[victim] = JAILED
                jail[victim] = LIFE if life else _pick(key_term, step, a, max_jail + 1)
            if movement and empties > 0:
                k = _pick(key_move, step, a, empties)
                nx, ny = _kth(pre, rs, width, height, upad, ux, uy, cop_rows, rowsum,
                              counts, cop_win, cop_small, False, k)
                _move(pre, occ, px, py, rs, uw, uh, upad, a, ux, uy, nx, ny, COP_CELL,
                      COP_CELL)


@nb.njit(cache=True)
def count_states(state, px, n_cit, out):
    """out = [active, quiet, jailed, cops on the lattice]."""
    active = 0
    quiet = 0
    for a in range(n_cit):  # no branch: the states come in a random pattern
        s = state[a]
        active += s == ACTIVE
        quiet += s == QUIET
    cops = 0
    for a in range(n_cit, px.shape[0]):
        cops += px[a] >= 0
    out[0] = active
    out[1] = quiet
    out[2] = n_cit - active - quiet
    out[3] = cops


@nb.njit(cache=True)
def remove_cops(pre, occ, px, py, width, height, pad, n_cit, n_remove, key, step):
    """Take ``n_remove`` cops, chosen uniformly at random, off the lattice."""
    rs = np.uint64(2 * stride(width, pad))
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
                _add(pre, rs, np.uint64(width), np.uint64(height), np.uint64(pad),
                     np.uint64(x), np.uint64(y), EMPTY - COP_CELL)
                occ[y * width + x] = -1
                px[a] = -1
                py[a] = -1
                break
            j -= 1



follow(__name__, "inevitable.engine.rng")
