"""Compiled per-agent passes of the 1923-1929 model.

Each kernel touches every slot once, reads last month's workplace and city
aggregates (a synchronous update: everyone reacts to what they saw last
month), and accumulates this month's aggregates in the same pass. Random
draws come from counter-based streams indexed by (step, slot), so results do
not depend on the visiting order and a kernel could be split across threads
without changing a bit. Aggregates are summed in slot order, serially, for
the same reason.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numba import types
from numba.core import cgutils, errors
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

from inevitable.engine.jitcache import follow
from inevitable.engine.rng import bits, uniform

WORKER, OLD_MEMBER, RECRUIT, OFFICIAL, OUTSIDE = 0, 1, 2, 3, 255
STRIKE, SUPPORT = 1, 2  # bits of ``acting``: on strike / publicly with the Opposition

# columns of the per-city statistics (rows: 3 cities, then the total)
C_N, C_MEMBERS, C_SYMPATHY, C_SYMPATHISERS, C_ACTING, C_STRIKING, C_MEMBER_SUPPORT, \
    C_FEAR, C_WORKERS, C_MEMBER_SYMPATHISERS = range(10)
N_STATS = 10


# Largest workplace the fast passes handle: their per-workplace buffers live on
# the stack (about 25 bytes a slot). Larger workplaces take the scalar pass.
MAX_FAST_WP = 1024

# ``mobilise`` sums fear and sympathy (both in [0, 1]) as integers in units of
# 1 / FIXED_ONE, exact in any order. It counts a workplace in chunks of at most
# CHUNK slots (a multiple of 8), each chunk's head counts packed into FIELD-bit
# fields of int32 words: CHUNK < 2**FIELD, and CHUNK * FIXED_ONE < 2**31.
FIXED_ONE = 2.0**25
CHUNK = 56
FIELD = 6
WIDE = 12  # bits of a count summed over chunks: MAX_FAST_WP < 2**WIDE


@intrinsic
def _stack_buffer(typingctx, size, dtype):
    """A pointer to ``size`` elements of ``dtype`` on the caller's stack.

    Why not ``np.empty``: the vectoriser may only write to memory it can prove
    distinct from every array it reads, and a heap array could be any of them
    (numba does not mark arrays ``noalias``), so loops writing one need run-time
    overlap checks, and with this many arrays LLVM gives up. A stack slot that
    is never passed out cannot overlap anything the caller passed in.
    """
    if not isinstance(size, types.IntegerLiteral):
        raise errors.RequireLiteralValue(size)
    n = size.literal_value
    elt = dtype.dtype

    def codegen(context, builder, sig, args):
        return cgutils.alloca_once(builder, context.get_value_type(elt), size=n)

    return types.CPointer(elt)(size, dtype), codegen


@nb.njit(inline="always", cache=True)
def _scratch(n, dtype):
    return nb.carray(_stack_buffer(n, dtype), n)


@nb.njit(inline="always", cache=True)
def _fixed(x):
    """A float32 in [0, 1] as an integer number of 1 / FIXED_ONE, rounded to
    nearest (ties to even). Sums of these are exact, so they do not depend on
    the order of the slots or on the SIMD width."""
    return np.int32(np.rint(x * np.float32(FIXED_ONE)))


@nb.njit(inline="always", cache=True)
def _widen(word):
    """The five FIELD-bit counts of a chunk's word, as WIDE-bit fields of an
    int64 (wide enough for any workplace the fast pass takes)."""
    out = 0
    for k in range(5):
        out += np.int64((word >> (k * FIELD)) & ((1 << FIELD) - 1)) << (k * WIDE)
    return out


@nb.njit(inline="always", cache=True)
def _field(counts, k):
    return (counts >> (k * WIDE)) & ((1 << WIDE) - 1)


@nb.njit(inline="always", cache=True)
def _mobilise_chunk(role, jail, fear, sympathy, employ, hardship, leaning, risk, threshold,
                    acting, f_out, s_out, a_out, first, wp_size, lo, hi, month, place):
    """Pass (a) of :func:`mobilise` over slots ``first + lo`` to ``first + hi``
    of a workplace (at most CHUNK of them; those from ``wp_size`` on belong to
    the next workplace and count for nothing).

    Returns two words of packed counts (FIELD bits each; see :func:`_widen`)
    and the fixed-point sums of the new fear and sympathy of those present.
    """
    f32 = np.float32
    i32 = np.int32
    one = f32(1.0)
    zero = f32(0.0)
    half = f32(0.5)
    jobless = f32(0.25)
    dep0, dep1, dep2, dep3, keep_fear, grievance_share, jobless_below, grievance_pull, rate, \
        fear_risk, repression, strike_pull = month
    fear_in, strike_bar, lift_worker, lift_member, h_city, pull_worker, pull_member = place
    ufirst = np.uint64(first)  # unsigned indices: no negative-index fix-up in the loop
    word_a = i32(0)
    word_b = i32(0)
    sum_fear = i32(0)
    sum_sym = i32(0)
    for j in range(lo, hi):
        uj = np.uint64(j)
        i = ufirst + uj
        ro = role[i]
        live = (j < wp_size) & (ro != OUTSIDE)
        free = live & (jail[i] == 0)
        worker = ro == WORKER
        member = live & (not worker)
        fear_old = fear[i]
        sym_old = sympathy[i]
        e = employ[i]
        is_worker_slot = e >= zero
        unemployed = is_worker_slot & (e < jobless_below)
        h = min(one, hardship[i] * h_city + (jobless if unemployed else zero))
        g = h * grievance_share
        f = min(one, fear_old * keep_fear + fear_in)
        target = leaning[i] + grievance_pull * g + (pull_worker if worker else pull_member)
        target = min(one, max(zero, target))
        s = sym_old + rate * (target - sym_old)
        dep = dep0 if ro == 0 else (dep1 if ro == 1 else (dep2 if ro == 2 else dep3))
        risk_i = risk[i] * (fear_risk * f + dep) * repression
        drive = g + strike_pull * s - risk_i
        th = threshold[i]
        strike = is_worker_slot & (not unemployed) & (drive > th + strike_bar)
        support = (s - risk_i) + (lift_worker if worker else lift_member) > th
        strike = strike & free
        support = support & free
        f_new = f if free else fear_old
        s_new = s if free else sym_old
        sympathiser = s_new > half
        a_new = np.uint8(strike) * STRIKE | np.uint8(support) * SUPPORT
        a_out[uj] = a_new if live else acting[i]
        f_out[uj] = f_new
        s_out[uj] = s_new
        # an outside slot (or a lane past the workplace) adds nothing
        sum_fear = i32(sum_fear + _fixed(f_new if live else zero))
        sum_sym = i32(sum_sym + _fixed(s_new if live else zero))
        word_a = i32(word_a + (i32(live) | (i32(free) << FIELD) | (i32(strike) << 2 * FIELD)
                               | (i32(support) << 3 * FIELD) | (i32(member) << 4 * FIELD)))
        word_b = i32(word_b + (i32(free & is_worker_slot) | (i32(free & sympathiser) << FIELD)
                               | (i32(member & sympathiser) << 2 * FIELD)
                               | (i32(member & support) << 3 * FIELD)))
    return word_a, word_b, sum_fear, sum_sym


@nb.njit(cache=True, error_model="numpy")
def mobilise(
    role, wp_city, wp_size, threshold, risk, hardship, employ, leaning, sympathy, fear, acting,
    jail, wp_strike, wp_support, wp_arrests, wp_cadre,
    hardship_city, unemployment, legitimacy, agency_workers, agency_members, abstain_loss,
    hope_term,
    fear_decay, fear_gain, fear_climate, defend, sym_rate, sym_grievance, peer_weight, org_weight,
    fear_weight, dependence, repression_level, ban_risk, sympathy_drive, outsider_barrier,
    strike_barrier, strike_share, stats,
):
    """Grievance, fear, private sympathy and public stance for every person.

    A person is ready to strike when grievance plus what their workmates did
    last month outweighs the risk by more than their threshold (Granovetter,
    Epstein); the whole workplace strikes if at least ``strike_share`` of it
    is ready (those strikers are counted here), and below that share the
    ready keep their STRIKE bit for :func:`walk_out` to decide; they
    stand publicly with the Opposition when private sympathy, the workmates'
    stance and the Opposition's organisation in their workplace outweigh the
    risk (Kuran's preference falsification is the difference).

    Workplaces are contiguous blocks of ``wp_size`` slots, so each is
    finished (its strike decided, its counts added) while still in cache.
    ``wp_strike`` and ``wp_support`` hold last month's shares on entry and
    this month's on return.

    The per-slot arithmetic is float32, the precision of the state, with the
    month's and the workplace's constants worked out in float64 and rounded
    once; every comparison is between float32 values. Nothing here depends on
    the order of a float sum, so SIMD lanes of any width give the same bits:
    the head counts are integers, and fear and sympathy are summed as
    integers in units of ``1 / FIXED_ONE`` (:func:`_fixed`).

    Each workplace takes two passes (there was a pass (b), the serial float
    sums, until the sums became integers):

    (a) every slot's new fear, sympathy and stance, without branches (jailed
        and outside slots are computed too and then not kept), into stack
        buffers, and the workplace's counts and sums. The pass runs over a
        multiple of 8 slots, reading into the next workplace (those lanes
        count for nothing), so that no slot takes the slow scalar remainder
        of a vector loop; it goes in chunks of at most ``CHUNK`` slots,
        whose counts fit in ``FIELD``-bit fields of two int32 words and
        whose sums fit in int32;
    (c) the buffers copied back into the state arrays.

    :func:`_mobilise_scalar`, the plain loop, computes the same expressions;
    workplaces larger than ``MAX_FAST_WP`` go there.
    """
    if wp_size > MAX_FAST_WP:
        _mobilise_scalar(
            role, wp_city, wp_size, threshold, risk, hardship, employ, leaning, sympathy, fear,
            acting, jail, wp_strike, wp_support, wp_arrests, wp_cadre,
            hardship_city, unemployment, legitimacy, agency_workers, agency_members,
            abstain_loss, hope_term,
            fear_decay, fear_gain, fear_climate, defend, sym_rate, sym_grievance, peer_weight,
            org_weight, fear_weight, dependence, repression_level, ban_risk, sympathy_drive,
            outsider_barrier, strike_barrier, strike_share, stats,
        )
        return
    f_out = _scratch(MAX_FAST_WP, np.float32)
    s_out = _scratch(MAX_FAST_WP, np.float32)
    a_out = _scratch(MAX_FAST_WP, np.uint8)
    for r in range(stats.shape[0]):
        for c in range(stats.shape[1]):
            stats[r, c] = 0.0
    f32 = np.float32
    # the month's constants in float32
    dep0 = f32(dependence[0])
    dep1 = f32(dependence[1])
    dep2 = f32(dependence[2])
    dep3 = f32(dependence[3])
    keep_fear = f32(1.0 - fear_decay)
    grievance_share = f32(1.0 - legitimacy)
    jobless_below = f32(unemployment)
    grievance_pull = f32(sym_grievance)
    rate = f32(sym_rate)
    fear_risk = f32(fear_weight)
    repression = f32(repression_level)
    strike_pull = f32(sympathy_drive)
    fear_sum = np.zeros(stats.shape[0], np.int64)  # per city, in units of 1 / FIXED_ONE
    sym_sum = np.zeros(stats.shape[0], np.int64)
    n_slots = role.shape[0]
    span = (wp_size + 7) // 8 * 8
    for w in range(wp_city.shape[0]):
        c = wp_city[w]
        # the workplace's constants
        fear_in = f32((1.0 - defend) * (fear_gain * wp_arrests[w] + fear_climate))
        strike_bar = f32(strike_barrier - peer_weight * wp_strike[w])
        lift = peer_weight * wp_support[w] + org_weight * wp_cadre[w]
        lift_worker = f32(lift - outsider_barrier)
        lift_member = f32(lift - ban_risk)
        h_city = f32(hardship_city[c])
        pull_worker = f32(agency_workers[c] - abstain_loss + hope_term)
        pull_member = f32(agency_members[c] - abstain_loss + hope_term)
        first = w * wp_size
        # (a) branch-free per slot; the last workplace stops at the array's end
        n_iter = span if first + span <= n_slots else wp_size
        month = (dep0, dep1, dep2, dep3, keep_fear, grievance_share, jobless_below,
                 grievance_pull, rate, fear_risk, repression, strike_pull)
        place = (fear_in, strike_bar, lift_worker, lift_member, h_city, pull_worker, pull_member)
        if n_iter <= CHUNK:  # the usual case, without the chunk loop (it costs ~10%)
            word_a, word_b, sum_fear, sum_sym = _mobilise_chunk(
                role, jail, fear, sympathy, employ, hardship, leaning, risk, threshold, acting,
                f_out, s_out, a_out, first, wp_size, 0, n_iter, month, place)
            counts_a = _widen(word_a)
            counts_b = _widen(word_b)
        else:
            counts_a = 0
            counts_b = 0
            sum_fear = 0
            sum_sym = 0
            for c0 in range(0, n_iter, CHUNK):
                word_a, word_b, chunk_fear, chunk_sym = _mobilise_chunk(
                    role, jail, fear, sympathy, employ, hardship, leaning, risk, threshold,
                    acting, f_out, s_out, a_out, first, wp_size, c0, min(c0 + CHUNK, n_iter),
                    month, place)
                counts_a += _widen(word_a)
                counts_b += _widen(word_b)
                sum_fear += chunk_fear
                sum_sym += chunk_sym
        n_all = _field(counts_a, 0)
        present = _field(counts_a, 1)
        ready = _field(counts_a, 2)
        backing = _field(counts_a, 3)
        n_members = _field(counts_a, 4)
        n_workers = _field(counts_b, 0)
        n_sympathisers = _field(counts_b, 1)
        n_member_sympathisers = _field(counts_b, 2)
        n_member_support = _field(counts_b, 3)
        fear_sum[c] += sum_fear
        sym_sum[c] += sum_sym
        f_ready = float(ready)
        f_backing = float(backing)
        f_present = float(present)
        share = f_ready / f_present if present > 0 else 0.0
        wp_support[w] = f_backing / f_present if present > 0 else 0.0
        wp_strike[w] = share
        if share >= strike_share:
            stats[c, C_STRIKING] += f_ready
        # below strike_share the ready keep their STRIKE bit: ``walk_out``, called
        # next, decides which of them walk out in a local strike
        # (c) back into the state
        for j in range(wp_size):
            i = first + j
            fear[i] = f_out[j]
            sympathy[i] = s_out[j]
            acting[i] = a_out[j]
        stats[c, C_N] += float(n_all)
        stats[c, C_MEMBERS] += float(n_members)
        stats[c, C_SYMPATHISERS] += float(n_sympathisers)
        stats[c, C_ACTING] += f_backing
        stats[c, C_MEMBER_SUPPORT] += float(n_member_support)
        stats[c, C_WORKERS] += float(n_workers)
        stats[c, C_MEMBER_SYMPATHISERS] += float(n_member_sympathisers)
    for c in range(stats.shape[0] - 1):
        stats[c, C_FEAR] = fear_sum[c] / FIXED_ONE
        stats[c, C_SYMPATHY] = sym_sum[c] / FIXED_ONE
        for k in range(N_STATS):
            stats[stats.shape[0] - 1, k] += stats[c, k]


@nb.njit(cache=True)
def _mobilise_scalar(
    role, wp_city, wp_size, threshold, risk, hardship, employ, leaning, sympathy, fear, acting,
    jail, wp_strike, wp_support, wp_arrests, wp_cadre,
    hardship_city, unemployment, legitimacy, agency_workers, agency_members, abstain_loss,
    hope_term,
    fear_decay, fear_gain, fear_climate, defend, sym_rate, sym_grievance, peer_weight, org_weight,
    fear_weight, dependence, repression_level, ban_risk, sympathy_drive, outsider_barrier,
    strike_barrier, strike_share, stats,
):
    """:func:`mobilise` as a plain loop over the slots, for workplaces too large
    for its stack buffers: the same float32 expressions, counts and
    fixed-point sums, so the same bits. Below ``strike_share`` the ready keep
    their STRIKE bit for :func:`walk_out` to decide."""
    for r in range(stats.shape[0]):
        for c in range(stats.shape[1]):
            stats[r, c] = 0.0
    f32 = np.float32
    one = f32(1.0)
    zero = f32(0.0)
    half = f32(0.5)
    jobless = f32(0.25)
    keep_fear = f32(1.0 - fear_decay)
    grievance_share = f32(1.0 - legitimacy)
    jobless_below = f32(unemployment)
    grievance_pull = f32(sym_grievance)
    rate = f32(sym_rate)
    fear_risk = f32(fear_weight)
    repression = f32(repression_level)
    strike_pull = f32(sympathy_drive)
    fear_sum = np.zeros(stats.shape[0], np.int64)
    sym_sum = np.zeros(stats.shape[0], np.int64)
    for w in range(wp_city.shape[0]):
        c = wp_city[w]
        fear_in = f32((1.0 - defend) * (fear_gain * wp_arrests[w] + fear_climate))
        strike_bar = f32(strike_barrier - peer_weight * wp_strike[w])
        lift = peer_weight * wp_support[w] + org_weight * wp_cadre[w]
        lift_worker = f32(lift - outsider_barrier)
        lift_member = f32(lift - ban_risk)
        h_city = f32(hardship_city[c])
        pull_worker = f32(agency_workers[c] - abstain_loss + hope_term)
        pull_member = f32(agency_members[c] - abstain_loss + hope_term)
        n_all = 0
        n_members = 0
        n_workers = 0
        n_sympathisers = 0
        n_member_sympathisers = 0
        n_member_support = 0
        ready = 0
        backing = 0
        present = 0
        first = w * wp_size
        for i in range(first, first + wp_size):
            ro = role[i]
            if ro == OUTSIDE:
                continue
            member = ro != WORKER
            n_all += 1
            n_members += member
            if jail[i] > 0:
                acting[i] = 0
                fear_sum[c] += _fixed(fear[i])
                sym_sum[c] += _fixed(sympathy[i])
                n_member_sympathisers += member & (sympathy[i] > half)
                continue
            e = employ[i]
            is_worker_slot = e >= zero
            unemployed = is_worker_slot & (e < jobless_below)
            h = min(one, hardship[i] * h_city + (jobless if unemployed else zero))
            g = h * grievance_share
            f = min(one, fear[i] * keep_fear + fear_in)
            fear[i] = f
            target = leaning[i] + grievance_pull * g + (pull_member if member else pull_worker)
            target = min(one, max(zero, target))
            s = sympathy[i] + rate * (target - sympathy[i])
            sympathy[i] = s
            risk_i = risk[i] * (fear_risk * f + f32(dependence[min(ro, 3)])) * repression
            drive = g + strike_pull * s - risk_i
            strike = is_worker_slot & (not unemployed) & (drive > threshold[i] + strike_bar)
            support = (s - risk_i) + (lift_member if member else lift_worker) > threshold[i]
            acting[i] = np.uint8(strike) * STRIKE | np.uint8(support) * SUPPORT
            sympathiser = s > half
            ready += strike
            backing += support
            present += 1
            fear_sum[c] += _fixed(f)
            sym_sum[c] += _fixed(s)
            n_sympathisers += sympathiser
            n_member_sympathisers += member & sympathiser
            n_member_support += member & support
            n_workers += is_worker_slot
        f_ready = float(ready)
        f_backing = float(backing)
        f_present = float(present)
        share = f_ready / f_present if present > 0 else 0.0
        wp_support[w] = f_backing / f_present if present > 0 else 0.0
        wp_strike[w] = share
        if share >= strike_share:
            stats[c, C_STRIKING] += f_ready
        # below strike_share the ready keep their STRIKE bit for ``walk_out``
        stats[c, C_N] += float(n_all)
        stats[c, C_MEMBERS] += float(n_members)
        stats[c, C_SYMPATHISERS] += float(n_sympathisers)
        stats[c, C_ACTING] += f_backing
        stats[c, C_MEMBER_SUPPORT] += float(n_member_support)
        stats[c, C_WORKERS] += float(n_workers)
        stats[c, C_MEMBER_SYMPATHISERS] += float(n_member_sympathisers)
    for c in range(stats.shape[0] - 1):
        stats[c, C_FEAR] = fear_sum[c] / FIXED_ONE
        stats[c, C_SYMPATHY] = sym_sum[c] / FIXED_ONE
        for k in range(N_STATS):
            stats[stats.shape[0] - 1, k] += stats[c, k]


# Largest workplace for which ``walk_out`` keeps a table of its chances, one
# entry per (ready, present) pair (larger ones work each out every month).
MAX_MEMO_WP = 64


@nb.njit(cache=True)
def _beta_cf(x, a, b):
    """The continued fraction of the incomplete beta function I_x(a, b).

    I_x(a, b) = x^a (1 - x)^b / (a B(a, b)) / (1 + d1 / (1 + d2 / (1 + ...))),
    d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)) and
    d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) (DLMF 8.17.22);
    this returns 1 / (1 + d1 / ...), evaluated forwards by Lentz's method.
    It converges fast for x below (a + 1) / (a + b + 2).
    """
    tiny = 1e-300
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    if abs(d) < tiny:
        d = tiny
    d = 1.0 / d
    h = d
    for m in range(1, 500):
        two_m = 2.0 * m
        for odd in range(2):
            if odd == 0:
                term = m * (b - m) * x / ((a + two_m - 1.0) * (a + two_m))
            else:
                term = -(a + m) * (a + b + m) * x / ((a + two_m) * (a + two_m + 1.0))
            d = 1.0 + term * d
            if abs(d) < tiny:
                d = tiny
            c = 1.0 + term / c
            if abs(c) < tiny:
                c = tiny
            d = 1.0 / d
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


@nb.njit(cache=True)
def beta_upper(x, a, b):
    """P(X >= x) for X ~ Beta(a, b), a, b > 0 (1 - the regularised incomplete beta)."""
    if x <= 0.0:
        return 1.0
    if x >= 1.0:
        return 0.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x)
                     - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))
    if x < (a + 1.0) / (a + b + 2.0):
        return max(0.0, 1.0 - front * _beta_cf(x, a, b) / a)
    return min(1.0, front * _beta_cf(1.0 - x, b, a) / b)


@nb.njit(cache=True)
def local_strike(q, strike_share, clustering):
    """Where a workplace block's ready share ``q`` is below ``strike_share``:
    the chance that a ready worker walks out, and strikes per worker who does.

    A block is many enterprises. Their ready shares X vary around the
    block's q, as Beta(a, b) with mean q and intra-block correlation
    ``clustering`` (a = q (1 - c) / c, b = (1 - q)(1 - c) / c); an enterprise
    strikes where X reaches ``strike_share``. The share of the block's
    ready workers who are in such an enterprise is E[X; X >= s] / q, and
    x Beta(a, b)(x) / q is the Beta(a + 1, b) density, so the chance is
    P(Beta(a + 1, b) >= s). Each local strike is one enterprise with its
    ready workers out; on average it has E[X | X >= s] of them, so a
    worker on strike is P(Beta(a, b) >= s) / (q chance) strikes, in
    enterprise units. ``clustering`` 0 is the all-or-nothing block (nobody
    walks out below the share), 1 enterprises all ready or none.
    """
    if clustering <= 0.0 or q <= 0.0:
        return 0.0, 0.0
    if clustering >= 1.0:
        return 1.0, 1.0
    n = (1.0 - clustering) / clustering
    a = q * n
    b = (1.0 - q) * n
    chance = beta_upper(strike_share, a + 1.0, b)
    if chance <= 0.0:
        return 0.0, 0.0
    return chance, beta_upper(strike_share, a, b) / (q * chance)


@nb.njit(cache=True)
def walk_out_memo(wp_size):
    """An empty table for :func:`walk_out` to keep its chances in across months.

    [0], [1]: the ``strike_share`` and ``clustering`` it holds values for
    (NaN: none yet); then the chance and the strikes per walker for each
    (ready, present), -1 where not worked out yet. A pure function's values,
    so a run gives the same bits with a fresh table or a used one.
    """
    side = wp_size + 1 if wp_size <= MAX_MEMO_WP else 0
    memo = np.full(2 + 2 * side * side, -1.0)
    memo[0] = np.nan
    memo[1] = np.nan
    return memo


# Widest workplace whose ready ``walk_out`` counts in one vector pass of this
# many slots (reading into the next workplace; those slots count for nothing).
WALK_SPAN = 32


@nb.njit(cache=True)
def walk_out(role, jail, acting, wp_city, wp_size, strike_share, clustering, key, step,
             stats, memo, out):
    """Which of the ready walk out, after :func:`mobilise`; the strikes counted.

    The record's strikes were many and small (Damier: 40-50 a month in
    summer 1923, 59 in November; Bolshakov: 15,700 participants in 174
    protests in January-August 1929), far smaller than a workplace block of
    the model, so a block below the share still has local strikes.

    ``mobilise`` leaves a STRIKE bit on everyone ready to strike and counts
    the strikers of the workplaces where at least ``strike_share`` of those
    present are ready. Here those are the whole-workplace strikes, and in a
    workplace below the share each ready person walks out with the chance
    of :func:`local_strike`, from the draw (key, step, slot, 0), and keeps
    the STRIKE bit (so arrests and the strike share seen next month follow);
    the others lose it. The walkers are added to the strikers of their city
    and of the total (``stats``, as ``mobilise`` left it).

    ``out`` receives the workplaces on strike, the local strikes in units
    of slots (each walker over the mean ready share of a striking
    enterprise) and the walkers. The test of the share repeats
    ``mobilise``'s, on the same integer counts, so the two agree.

    The chance depends on the parameters and (ready, present) alone, so it
    is worked out once a run in ``memo`` (:func:`walk_out_memo`; it starts
    again if the parameters differ from those it was filled for).

    A workplace of at most ``WALK_SPAN`` slots is counted in one vector pass
    of exactly that many (a workplace of 20 would otherwise run the scalar
    remainder of a vector loop, about three cycles a slot), which also
    flags its ready slots a byte each; the draws then visit the flagged in
    slot order. Only the ready draw, as in the plain loop, so no bit changes.
    """
    total = stats.shape[0] - 1
    whole = 0.0
    local = 0.0
    walkers_all = 0.0
    side = wp_size + 1
    cells = side * side
    use_memo = memo.shape[0] == 2 + 2 * cells
    if use_memo and not (memo[0] == strike_share and memo[1] == clustering):
        memo[0] = strike_share
        memo[1] = clustering
        for j in range(2, memo.shape[0]):
            memo[j] = -1.0
    n_slots = role.shape[0]
    at_ready = np.empty(max(wp_size, 1), np.int64)  # the plain loop's ready slots, in order
    flags = _scratch(WALK_SPAN, np.uint8)  # which slots of a workplace are ready (0 or 1)
    words = flags.view(np.uint64)
    for w in range(wp_city.shape[0]):
        first = w * wp_size
        ufirst = np.uint64(first)  # unsigned indices: no negative-index fix-up in the loop
        # the counts in a fixed-width vector pass where the workplace fits one and
        # the pass does not run past the array's end
        if wp_size <= WALK_SPAN and first + WALK_SPAN <= n_slots:
            # a known trip count: one vector pass, no scalar remainder (the
            # loop is written here, not in a helper: passing the arrays to an
            # inlined function costs reference counting at every workplace)
            fast = True
            packed = np.int32(0)
            for j in range(WALK_SPAN):
                i = ufirst + np.uint64(j)
                free = (j < wp_size) & (role[i] != OUTSIDE) & (jail[i] == 0)
                ready_j = free & ((acting[i] & STRIKE) != 0)
                flags[j] = ready_j
                packed = np.int32(packed + (np.int32(free) | (np.int32(ready_j) << 16)))
            ready = packed >> 16
            present = packed & 0xFFFF
        else:  # the plain loop (the last workplace, or one wider than WALK_SPAN)
            fast = False
            ready = 0
            present = 0
            for j in range(wp_size):
                # without branches (who is ready is close to a coin flip): every slot is
                # written at the end of the list, which grows only past the ready
                i = first + j
                free = np.uint8(role[i] != OUTSIDE) & np.uint8(jail[i] == 0)
                present += free
                at_ready[ready] = i
                ready += free & (acting[i] & STRIKE)  # STRIKE is bit 0: a 0/1 count
        if ready == 0:
            continue
        share = float(ready) / float(present)
        if share >= strike_share:
            whole += 1.0
            continue
        if use_memo:
            at = 2 + ready * side + present
            if memo[at] < 0.0:
                memo[at], memo[at + cells] = local_strike(share, strike_share, clustering)
            chance = memo[at]
            per_walker = memo[at + cells]
        else:
            chance, per_walker = local_strike(share, strike_share, clustering)
        walkers = 0
        if fast:
            # the ready in slot order: a flag is a byte 1, so the lowest set bit
            # of a word of eight is the next ready slot (as in ``organise``)
            for q in range((wp_size + 7) // 8):
                word = words[q]
                while word != 0:
                    i = first + 8 * q + (trailing_zeros(word) >> 3)
                    word &= word - np.uint64(1)
                    if uniform(key, step, i, 0) < chance:
                        walkers += 1
                    else:
                        acting[i] &= ~STRIKE
        else:
            for r in range(ready):
                i = at_ready[r]
                if uniform(key, step, i, 0) < chance:
                    walkers += 1
                else:
                    acting[i] &= ~STRIKE
        if walkers > 0:
            c = wp_city[w]
            stats[c, C_STRIKING] += float(walkers)
            stats[total, C_STRIKING] += float(walkers)
            local += walkers * per_walker
            walkers_all += walkers
    out[0] = whole
    out[1] = local
    out[2] = walkers_all


@nb.njit(inline="always", cache=True)
def _float32_below(x):
    """The largest float32 not above the float64 ``x`` (a float32 ``s`` has
    ``s > x`` exactly when ``s > _float32_below(x)``)."""
    y = np.float32(x)
    if np.float64(y) > x:
        y = np.nextafter(y, np.float32(-np.inf))
    return y


@nb.njit(inline="always", cache=True)
def _whole(x):
    """A whole float64 in [0, 2**53] as a uint64."""
    return np.uint64(x)


# Slots screened at a time by the branch-free pre-passes of ``repress`` and
# ``organise`` (their buffers live on the stack).
SCREEN = 512


@nb.njit(inline="always", cache=True)
def _draw_bound(p):
    """ceil(p 2**53) within [0, 2**53], as a float64: a uniform() draw u = b 2**-53
    (b its 53 bits) is below p exactly when b is below this."""
    return min(np.ceil(p * 9007199254740992.0), 9007199254740992.0) if p > 0.0 else 0.0


@nb.njit(cache=True)
def repress(
    role, city, workplace, acting, jail, fear, cadre, employ, wp_arrests, wp_size,
    key, step, police, strike_visibility, support_visibility, cadre_hunt, jail_max,
    arrests_city, expelled_out,
):
    """Arrests fall on the visible: strikers, open supporters and, once the
    leaders are out, the Opposition's cadre. The arrested sit out their term;
    party members among them are expelled.

    A chance of arrest is one of eight sums (struck or not, stood up or not,
    hunted cadre or not), worked out once, in the order a plain loop adds
    them. Few people are arrested in a month, so one branch-free pass over
    a block of slots (wide SIMD, counter-based draws computed for
    every slot whether or not it is visible) serves the jailed their month
    and decides who is arrested; the branching part runs on the arrested
    alone, in slot order. The draws are the plain loop's, (key, step, slot,
    k): a slot's draw does not depend on whether it was needed, so deciding
    for all at once changes no bit. The per-workplace and per-city sums are
    still added in slot order.
    """
    for w in range(wp_arrests.shape[0]):
        wp_arrests[w] = 0.0
    for c in range(arrests_city.shape[0]):
        arrests_city[c] = 0.0
    expelled = 0.0
    cadre_arrested = 0.0
    chance = np.empty(8)
    for v in range(8):
        p = 0.0
        if v & STRIKE:
            p += strike_visibility
        if v & SUPPORT:
            p += support_visibility
        if v & 4:
            p += cadre_hunt
        p *= police
        # u = b 2**-53 (b the draw's 53 bits) is below p exactly when b is
        # below ceil(p 2**53): the screen compares integers, not floats
        chance[v] = _draw_bound(p)
    ch0, ch1, ch2, ch3 = _whole(chance[0]), _whole(chance[1]), _whole(chance[2]), _whole(chance[3])
    ch4, ch5, ch6, ch7 = _whole(chance[4]), _whole(chance[5]), _whole(chance[6]), _whole(chance[7])
    marked = _scratch(SCREEN, np.uint8)
    words = marked.view(np.uint64)
    n_all = role.shape[0]
    for s0 in range(0, n_all, SCREEN):
        n = min(SCREEN, n_all - s0)
        role_b = role[s0:s0 + n]
        jail_b = jail[s0:s0 + n]
        acting_b = acting[s0:s0 + n]
        cadre_b = cadre[s0:s0 + n]
        hits = 0
        for k in range(n):
            ro = role_b[k]
            jl = jail_b[k]
            cd = cadre_b[k]
            a = acting_b[k]
            struck = (a & STRIKE) != 0
            stood = (a & SUPPORT) != 0
            hunted = (cd == 1) | (cd == 3)
            p_x0 = (ch5 if struck else ch4) if hunted else (ch1 if struck else ch0)
            p_x1 = (ch7 if struck else ch6) if hunted else (ch3 if struck else ch2)
            p = p_x1 if stood else p_x0
            live = ro != OUTSIDE
            # the jailed serve a month; a free person is arrested if the draw
            # falls under their chance (never where the chance is <= 0)
            jail_b[k] = jl - np.uint8(live & (jl > 0))
            b = bits(key, step, s0 + k, 0) >> np.uint64(11)  # uniform() is b 2**-53
            hit = live & (jl == 0) & (b < p)
            marked[k] = hit
            hits += hit
        if hits == 0:
            continue
        for k in range(n, (n + 7) // 8 * 8):
            marked[k] = 0
        for q in range((n + 7) // 8):
            if words[q] == 0:
                continue
            for k in range(8 * q, 8 * q + 8):
                if not marked[k]:
                    continue
                i = s0 + k
                ro = role[i]
                hunted = cadre[i] == 1 or cadre[i] == 3
                jail[i] = 1 + int(uniform(key, step, i, 1) * jail_max)
                acting[i] = 0
                fear[i] = 1.0
                if hunted:
                    cadre[i] = 0
                    cadre_arrested += 1.0
                if ro != WORKER:
                    expelled += 1.0
                    if employ[i] >= 0.0:
                        role[i] = WORKER
                    else:  # a non-bench member expelled leaves the model's population
                        role[i] = OUTSIDE
                        jail[i] = 0
                wp_arrests[workplace[i]] += 1.0 / wp_size
                arrests_city[city[i]] += 1.0
    expelled_out[0] = expelled
    expelled_out[1] = cadre_arrested


@nb.njit(cache=True)
def organise(
    role, workplace, acting, sympathy, cadre, jail, wp_cadre, wp_size, key, step,
    join_p_member, join_p_worker, join_sympathy, leave_p, capitulate_p, dependence,
    bloc_joins, bloc_breaks, city, counts,
):
    """Cadre: recruited from open supporters with strong sympathy, lost to
    attrition (faster under enforced abstention) and to capitulation (more
    likely the more one's livelihood hangs on the apparatus).

    Only cadre and would-be cadre can change, so a branch-free (SIMD) pass
    over a block of slots marks them and the branching part, with its random
    draws, runs on the marked alone, in slot order; what each does, its draws
    and the order of the sums are those of a plain loop over every slot.

    The screen also takes the joining draw (key, step, slot, 1) of every slot
    and marks an open supporter only if it falls under their chance: about a
    tenth of the slots are such supporters and few of them join, and one
    vector hash a slot is cheaper than a branching visit to each of them. A
    draw does not depend on whether it was needed, and a supporter whose draw
    fails did nothing in the plain loop, so leaving them unmarked changes no
    bit (the branching part takes the same draw again for those marked).
    """
    for w in range(wp_cadre.shape[0]):
        wp_cadre[w] = 0.0
    joined = 0.0
    left = 0.0
    capitulated = 0.0
    total = 0.0
    marked = _scratch(SCREEN, np.uint8)
    words = marked.view(np.uint64)
    may_join_bloc = bloc_joins > 0.0
    # the float32 sympathy exceeds join_sympathy exactly when it exceeds the
    # largest float32 not above it: a float32 comparison, so the screen's
    # lanes stay float32 wide
    join_below = _float32_below(join_sympathy)
    # the joining draw's screen, as in ``repress``: u = b 2**-53 is below p
    # exactly when the integer b is below ceil(p 2**53)
    join_w = _whole(_draw_bound(join_p_worker))
    join_m = _whole(_draw_bound(join_p_member))
    n_all = role.shape[0]
    for s0 in range(0, n_all, SCREEN):
        n = min(SCREEN, n_all - s0)
        role_b = role[s0:s0 + n]
        jail_b = jail[s0:s0 + n]
        acting_b = acting[s0:s0 + n]
        cadre_b = cadre[s0:s0 + n]
        sym_b = sympathy[s0:s0 + n]
        city_b = city[s0:s0 + n]
        hits = np.int32(0)
        for k in range(n):
            ro = role_b[k]
            cd = cadre_b[k]
            free = (ro != OUTSIDE) & (jail_b[k] == 0)
            joins_bloc = may_join_bloc & (ro != WORKER) & (city_b[k] == 1)
            b = bits(key, step, s0 + k, 1) >> np.uint64(11)
            joins = ((acting_b[k] & SUPPORT) != 0) & (sym_b[k] > join_below) \
                & (b < (join_w if ro == WORKER else join_m))
            hit = free & ((cd == 1) | (cd == 3) | ((cd == 0) & (joins_bloc | joins)))
            marked[k] = hit
            hits = np.int32(hits + hit)
        if hits == 0:
            continue
        for k in range(n, (n + 7) // 8 * 8):
            marked[k] = 0
        # visit the marked in slot order, one step each: a marked byte is 1,
        # so the lowest set bit of a word of eight is the next marked slot
        # (scanning byte by byte mispredicts on every tenth slot or so)
        for q in range((n + 7) // 8):
            word = words[q]
            while word != 0:
                k = 8 * q + (trailing_zeros(word) >> 3)
                word &= word - np.uint64(1)
                i = s0 + k
                ro = role[i]
                if cadre[i] == 3 and bloc_breaks:
                    cadre[i] = 2  # the bloc's Zinovievist contingent recants with its leaders
                    capitulated += 1.0
                    continue
                if cadre[i] == 1 or cadre[i] == 3:
                    u = uniform(key, step, i, 0)
                    pc = capitulate_p * dependence[min(ro, 3)]
                    if u < pc:
                        cadre[i] = 2
                        capitulated += 1.0
                        continue
                    if u < pc + leave_p:
                        cadre[i] = 0
                        left += 1.0
                        continue
                    total += 1.0
                    wp_cadre[workplace[i]] += 1.0 / wp_size
                elif cadre[i] == 0 and bloc_joins > 0.0 and ro != WORKER and city[i] == 1 \
                        and uniform(key, step, i, 2) < bloc_joins:
                    cadre[i] = 3  # Leningrad members brought in by the bloc with Zinoviev's machine
                    joined += 1.0
                    total += 1.0
                    wp_cadre[workplace[i]] += 1.0 / wp_size
                elif cadre[i] == 0 and (acting[i] & SUPPORT) and sympathy[i] > join_sympathy:
                    p = join_p_worker if ro == WORKER else join_p_member
                    if uniform(key, step, i, 1) < p:
                        cadre[i] = 1
                        joined += 1.0
                        total += 1.0
                        wp_cadre[workplace[i]] += 1.0 / wp_size
    counts[0] = total
    counts[1] = joined
    counts[2] = left
    counts[3] = capitulated


@nb.njit(cache=True)
def admit(role, employ, sympathy, wp_size, key, step, p_worker, p_outside, max_sympathy, out):
    """A levy: workers (and some outsiders) join the party; the apparatus
    admits those who do not sympathise with the Opposition.

    Each eligible person joins with chance p, independently. Sampled per
    workplace without a draw per person: the number admitted is binomial,
    from one uniform of the workplace's stream slot, and which of the
    eligible join is decided by per-slot draws only where someone does.
    """
    admitted = 0.0
    n_wp = role.shape[0] // wp_size
    # (1 - p)^m for every possible m, once: the chance a workplace admits nobody
    none_w = np.empty(wp_size + 1)
    none_o = np.empty(wp_size + 1)
    none_w[0] = 1.0
    none_o[0] = 1.0
    for m in range(1, wp_size + 1):
        none_w[m] = none_w[m - 1] * (1.0 - p_worker)
        none_o[m] = none_o[m - 1] * (1.0 - p_outside)
    floor = min(none_w[wp_size], none_o[wp_size])
    for w in range(n_wp):
        first = w * wp_size
        u = uniform(key, step, w, 0)
        if u < floor:
            continue  # nobody joins here whoever is eligible: (1 - p)^m >= (1 - p)^size
        m = 0
        p = 0.0
        for i in range(first, first + wp_size):
            ro = role[i]
            if sympathy[i] > max_sympathy:
                continue
            if ro == WORKER:
                m += 1
                p = p_worker
            elif ro == OUTSIDE and employ[i] < 0.0:
                m += 1
                p = p_outside
        if m == 0 or p <= 0.0:
            continue
        # inverse binomial CDF from the workplace's uniform
        q = none_w[m] if p == p_worker else none_o[m]
        if u < q:
            continue  # nobody here this month (the common case)
        cdf = q
        count = 0
        while u >= cdf and count < m:
            q *= (m - count) / (count + 1.0) * p / (1.0 - p) if p < 1.0 else 0.0
            count += 1
            cdf += q
        if count == 0:
            continue
        # the `count` eligible people with the smallest per-slot draws join
        for _ in range(count):
            best = -1
            best_u = 2.0
            for i in range(first, first + wp_size):
                ro = role[i]
                if sympathy[i] > max_sympathy or not (
                        ro == WORKER or (ro == OUTSIDE and employ[i] < 0.0)):
                    continue
                v = uniform(key, step, i, 1)
                if v < best_u:
                    best_u = v
                    best = i
            role[best] = RECRUIT
            admitted += 1.0
    out[0] = admitted


def empty_stats() -> np.ndarray:
    return np.zeros((4, N_STATS), dtype=np.float64)


follow(__name__, "inevitable.engine.rng")
