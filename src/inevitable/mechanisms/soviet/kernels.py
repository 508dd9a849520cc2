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
from numba.extending import intrinsic

from inevitable.engine.rng import uniform

WORKER, OLD_MEMBER, RECRUIT, OFFICIAL, OUTSIDE = 0, 1, 2, 3, 255
STRIKE, SUPPORT = 1, 2  # bits of ``acting``: on strike / publicly with the Opposition

# columns of the per-city statistics (rows: 3 cities, then the total)
C_N, C_MEMBERS, C_SYMPATHY, C_SYMPATHISERS, C_ACTING, C_STRIKING, C_MEMBER_SUPPORT, \
    C_FEAR, C_WORKERS, C_MEMBER_SYMPATHISERS = range(10)
N_STATS = 10


# Largest workplace the fast passes handle: their per-workplace buffers live on
# the stack (about 25 bytes a slot). Larger workplaces take the scalar pass.
MAX_FAST_WP = 1024


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

    Each workplace takes three passes, so that the arithmetic runs on SIMD
    lanes and still gives the bits of a plain slot-by-slot loop:

    (a) every slot's new fear, sympathy and stance, without branches (jailed
        and outside slots are computed too and then not kept), into stack
        buffers; the head counts are integers, exact in any order;
    (b) the float sums of fear and sympathy, one slot after the other, since
        a float sum's bits depend on its order (this month's order: slots in
        order, workplaces in order);
    (c) the buffers copied back into the state arrays.

    Per-slot arithmetic is the same expression, in the same precision, as
    :func:`_mobilise_scalar`, the plain loop; workplaces larger than
    ``MAX_FAST_WP`` go there.
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
    f_add = _scratch(MAX_FAST_WP, np.float64)  # what each slot adds to the fear sum
    s_add = _scratch(MAX_FAST_WP, np.float64)  # ... and to the sympathy sum
    f_out = _scratch(MAX_FAST_WP, np.float32)
    s_out = _scratch(MAX_FAST_WP, np.float32)
    a_out = _scratch(MAX_FAST_WP, np.uint8)
    for r in range(stats.shape[0]):
        for c in range(stats.shape[1]):
            stats[r, c] = 0.0
    # constants of the month, read once; the dependence gather becomes selects
    dep0 = dependence[0]
    dep1 = dependence[1]
    dep2 = dependence[2]
    dep3 = dependence[3]
    keep_fear = 1.0 - fear_decay
    grievance_share = 1.0 - legitimacy
    for w in range(wp_city.shape[0]):
        c = wp_city[w]
        fear_in = (1.0 - defend) * (fear_gain * wp_arrests[w] + fear_climate)
        organised = org_weight * wp_cadre[w]
        peer_strike = peer_weight * wp_strike[w]
        peer_support = peer_weight * wp_support[w]
        h_city = hardship_city[c]
        seen_worker = agency_workers[c]
        seen_member = agency_members[c]
        first = w * wp_size
        # (a) branch-free per slot; integer counts
        n_all = 0
        present = 0
        ready = 0
        backing = 0
        n_members = 0
        n_workers = 0
        n_sympathisers = 0
        n_member_sympathisers = 0
        n_member_support = 0
        for j in range(wp_size):
            i = first + j
            ro = role[i]
            live = ro != OUTSIDE
            free = live & (jail[i] == 0)
            worker = ro == WORKER
            member = live & (not worker)
            fear_old = fear[i]
            sym_old = sympathy[i]
            e = employ[i]
            is_worker_slot = e >= 0.0
            unemployed = is_worker_slot & (e < unemployment)
            h = min(1.0, hardship[i] * h_city + 0.25 * unemployed)
            g = h * grievance_share
            f = min(1.0, fear_old * keep_fear + fear_in)
            seen = seen_worker if worker else seen_member
            target = leaning[i] + sym_grievance * g + seen - abstain_loss + hope_term
            target = min(1.0, max(0.0, target))
            s = sym_old + sym_rate * (target - sym_old)
            dep = dep0 if ro == 0 else (dep1 if ro == 1 else (dep2 if ro == 2 else dep3))
            risk_i = risk[i] * (fear_weight * f + dep) * repression_level
            drive = g + sympathy_drive * s + peer_strike - risk_i
            strike = is_worker_slot & (not unemployed) & (drive > threshold[i] + strike_barrier)
            barrier = outsider_barrier if worker else ban_risk
            support = s + peer_support + organised - risk_i - barrier > threshold[i]
            strike = strike & free
            support = support & free
            sympathiser = (s > 0.5) if free else (sym_old > 0.5)
            a_new = np.uint8(strike) * STRIKE | np.uint8(support) * SUPPORT
            a_out[j] = a_new if live else acting[i]
            f_out[j] = np.float32(f) if free else fear_old
            s_out[j] = np.float32(s) if free else sym_old
            # an outside slot adds +0.0, which leaves the sum's bits as they
            # are: the sum starts at +0.0, so it is never -0.0
            f_add[j] = f if free else (np.float64(fear_old) if live else 0.0)
            s_add[j] = s if free else (np.float64(sym_old) if live else 0.0)
            n_all += live
            present += free
            ready += strike
            backing += support
            n_members += member
            n_workers += free & is_worker_slot
            n_sympathisers += free & sympathiser
            n_member_sympathisers += member & sympathiser
            n_member_support += member & support
        # (b) the float sums, in slot order
        sum_fear = 0.0
        sum_sym = 0.0
        for j in range(wp_size):
            sum_fear += f_add[j]
            sum_sym += s_add[j]
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
        stats[c, C_SYMPATHY] += sum_sym
        stats[c, C_SYMPATHISERS] += float(n_sympathisers)
        stats[c, C_ACTING] += f_backing
        stats[c, C_MEMBER_SUPPORT] += float(n_member_support)
        stats[c, C_FEAR] += sum_fear
        stats[c, C_WORKERS] += float(n_workers)
        stats[c, C_MEMBER_SYMPATHISERS] += float(n_member_sympathisers)
    for c in range(stats.shape[0] - 1):
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
    """
    for r in range(stats.shape[0]):
        for c in range(stats.shape[1]):
            stats[r, c] = 0.0
    for w in range(wp_city.shape[0]):
        c = wp_city[w]
        # per-workplace sums in registers; decisions below are written without
        # branches because they are close to coin flips and mispredict
        n_all = 0.0
        n_members = 0.0
        n_workers = 0.0
        sum_sym = 0.0
        sum_fear = 0.0
        n_sympathisers = 0.0
        n_member_sympathisers = 0.0
        n_member_support = 0.0
        ready = 0.0
        backing = 0.0
        present = 0.0
        strike_prev = wp_strike[w]
        support_prev = wp_support[w]
        fear_in = (1.0 - defend) * (fear_gain * wp_arrests[w] + fear_climate)
        organised = org_weight * wp_cadre[w]
        # workplace constants, read once (the compiler cannot hoist array reads
        # past the stores below, as arrays might alias)
        h_city = hardship_city[c]
        seen_worker = agency_workers[c]
        seen_member = agency_members[c]
        first = w * wp_size
        for i in range(first, first + wp_size):
            ro = role[i]
            if ro == OUTSIDE:
                continue
            member = 1.0 if ro != WORKER else 0.0
            if jail[i] > 0:
                acting[i] = 0
                n_all += 1.0
                sum_fear += fear[i]
                sum_sym += sympathy[i]
                n_members += member
                n_member_sympathisers += member * (sympathy[i] > 0.5)
                continue
            e = employ[i]
            is_worker_slot = e >= 0.0
            unemployed = is_worker_slot & (e < unemployment)
            h = min(1.0, hardship[i] * h_city + 0.25 * unemployed)
            g = h * (1.0 - legitimacy)
            # fear: slow decay, renewed by arrests seen at work and the climate
            f = min(1.0, fear[i] * (1.0 - fear_decay) + fear_in)
            fear[i] = f
            # private sympathy drifts towards what leaning, grievance, the
            # Opposition's visible deeds and hopes abroad make of it
            seen = seen_member if ro != WORKER else seen_worker
            target = leaning[i] + sym_grievance * g + seen - abstain_loss + hope_term
            target = min(1.0, max(0.0, target))
            s = sympathy[i] + sym_rate * (target - sympathy[i])
            sympathy[i] = s
            risk_i = risk[i] * (fear_weight * f + dependence[min(ro, 3)]) * repression_level
            drive = g + sympathy_drive * s + peer_weight * strike_prev - risk_i
            strike = is_worker_slot & (not unemployed) & (drive > threshold[i] + strike_barrier)
            # members risk the ban on factions; non-members face the barrier of
            # an inner-party fight that does not address them (lowered by appeals)
            barrier = ban_risk if ro != WORKER else outsider_barrier
            support = s + peer_weight * support_prev + organised - risk_i - barrier > threshold[i]
            acting[i] = np.uint8(strike) * STRIKE | np.uint8(support) * SUPPORT
            sympathiser = s > 0.5
            ready += strike
            backing += support
            present += 1.0
            n_all += 1.0
            sum_sym += s
            sum_fear += f
            n_sympathisers += sympathiser
            n_members += member
            n_member_sympathisers += member * sympathiser
            n_member_support += member * support
            n_workers += is_worker_slot
        share = ready / present if present > 0.0 else 0.0
        wp_support[w] = backing / present if present > 0.0 else 0.0
        wp_strike[w] = share
        if share >= strike_share:
            stats[c, C_STRIKING] += ready
        # below strike_share the ready keep their STRIKE bit for ``walk_out``
        stats[c, C_N] += n_all
        stats[c, C_MEMBERS] += n_members
        stats[c, C_SYMPATHY] += sum_sym
        stats[c, C_SYMPATHISERS] += n_sympathisers
        stats[c, C_ACTING] += backing
        stats[c, C_MEMBER_SUPPORT] += n_member_support
        stats[c, C_FEAR] += sum_fear
        stats[c, C_WORKERS] += n_workers
        stats[c, C_MEMBER_SYMPATHISERS] += n_member_sympathisers
    for c in range(stats.shape[0] - 1):
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
    at_ready = np.empty(max(wp_size, 1), np.int64)  # this workplace's ready slots, in order
    for w in range(wp_city.shape[0]):
        first = w * wp_size
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


# Slots screened at a time by the branch-free pre-passes of ``repress`` and
# ``organise`` (their buffers live on the stack).
SCREEN = 512


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
        chance[v] = p
    ch0, ch1, ch2, ch3 = chance[0], chance[1], chance[2], chance[3]
    ch4, ch5, ch6, ch7 = chance[4], chance[5], chance[6], chance[7]
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
            u = uniform(key, step, s0 + k, 0)
            hit = live & (jl == 0) & (u < p)
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
    """
    for w in range(wp_cadre.shape[0]):
        wp_cadre[w] = 0.0
    joined = 0.0
    left = 0.0
    capitulated = 0.0
    total = 0.0
    marked = _scratch(SCREEN, np.uint8)
    may_join_bloc = bloc_joins > 0.0
    n_all = role.shape[0]
    for s0 in range(0, n_all, SCREEN):
        n = min(SCREEN, n_all - s0)
        role_b = role[s0:s0 + n]
        jail_b = jail[s0:s0 + n]
        acting_b = acting[s0:s0 + n]
        cadre_b = cadre[s0:s0 + n]
        sym_b = sympathy[s0:s0 + n]
        city_b = city[s0:s0 + n]
        hits = 0
        for k in range(n):
            ro = role_b[k]
            cd = cadre_b[k]
            free = (ro != OUTSIDE) & (jail_b[k] == 0)
            joins_bloc = may_join_bloc & (ro != WORKER) & (city_b[k] == 1)
            joins = ((acting_b[k] & SUPPORT) != 0) & (sym_b[k] > join_sympathy)
            hit = free & ((cd == 1) | (cd == 3) | ((cd == 0) & (joins_bloc | joins)))
            marked[k] = hit
            hits += hit
        if hits == 0:
            continue
        for k in range(n):
            if not marked[k]:
                continue
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
