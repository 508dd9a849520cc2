"""A frozen copy of the soviet-1923 kernels as plain loops, before the fast rewrite.

``tests/mechanisms/test_kernels_exact.py`` and ``benchmarks/bench_kernels.py``
run these next to ``inevitable.mechanisms.soviet.kernels`` to check that the
rewrite gives the same bits and to measure how much faster it is. Do not edit:
this is the definition of the right answer. Only a change of the model (with a
new model version) may change a spec here. Changed so far: ``mobilise`` no
longer clears the STRIKE bit below ``strike_share`` (``walk_out``, whose plain
loop is below, decides who walks out there), and it moved to float32
arithmetic and fixed-point sums.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from inevitable.engine.rng import uniform
from inevitable.mechanisms.soviet.kernels import local_strike

WORKER, OLD_MEMBER, RECRUIT, OFFICIAL, OUTSIDE = 0, 1, 2, 3, 255
STRIKE, SUPPORT = 1, 2  # bits of ``acting``: on strike / publicly with the Opposition

# columns of the per-city statistics (rows: 3 cities, then the total)
C_N, C_MEMBERS, C_SYMPATHY, C_SYMPATHISERS, C_ACTING, C_STRIKING, C_MEMBER_SUPPORT, \
    C_FEAR, C_WORKERS, C_MEMBER_SYMPATHISERS = range(10)
N_STATS = 10


@nb.njit(cache=True)
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

    The spec since the float32 rewrite: every quantity of a person is float32,
    the precision of the state. The month's and the workplace's constants are
    worked out in float64 and rounded to float32 once; every comparison is
    between float32 values. Head counts are integers; fear and sympathy are
    summed as integers, each value rounded (to nearest, ties to even) to a
    whole number of 2**-25, so no sum depends on the order of its terms.

    Workplaces are contiguous blocks of ``wp_size`` slots. ``wp_strike`` and
    ``wp_support`` hold last month's shares on entry and this month's on return.
    """
    f32 = np.float32
    unit = 2.0**25
    for r in range(stats.shape[0]):
        for c in range(stats.shape[1]):
            stats[r, c] = 0.0
    fear_units = np.zeros(3, np.int64)
    sympathy_units = np.zeros(3, np.int64)
    for w in range(wp_city.shape[0]):
        c = wp_city[w]
        # constants of the month and of the workplace, rounded once
        keep_fear = f32(1.0 - fear_decay)
        fear_in = f32((1.0 - defend) * (fear_gain * wp_arrests[w] + fear_climate))
        grievance_share = f32(1.0 - legitimacy)
        h_city = f32(hardship_city[c])
        pull_worker = f32(agency_workers[c] - abstain_loss + hope_term)
        pull_member = f32(agency_members[c] - abstain_loss + hope_term)
        strike_bar = f32(strike_barrier - peer_weight * wp_strike[w])
        lift = peer_weight * wp_support[w] + org_weight * wp_cadre[w]
        lift_worker = f32(lift - outsider_barrier)
        lift_member = f32(lift - ban_risk)
        ready = 0
        backing = 0
        present = 0
        first = w * wp_size
        for i in range(first, first + wp_size):
            ro = role[i]
            if ro == OUTSIDE:
                continue
            member = ro != WORKER
            stats[c, C_N] += 1.0
            stats[c, C_MEMBERS] += member
            if jail[i] > 0:
                acting[i] = 0
                fear_units[c] += np.int64(np.rint(fear[i] * f32(unit)))
                sympathy_units[c] += np.int64(np.rint(sympathy[i] * f32(unit)))
                stats[c, C_MEMBER_SYMPATHISERS] += member and sympathy[i] > f32(0.5)
                continue
            e = employ[i]
            worker_slot = e >= f32(0.0)
            unemployed = worker_slot and e < f32(unemployment)
            h = hardship[i] * h_city + (f32(0.25) if unemployed else f32(0.0))
            h = min(f32(1.0), h)
            g = h * grievance_share
            # fear: slow decay, renewed by arrests seen at work and the climate
            f = min(f32(1.0), fear[i] * keep_fear + fear_in)
            # private sympathy drifts towards what leaning, grievance, the
            # Opposition's visible deeds and hopes abroad make of it
            target = leaning[i] + f32(sym_grievance) * g + (pull_member if member else pull_worker)
            target = min(f32(1.0), max(f32(0.0), target))
            s = sympathy[i] + f32(sym_rate) * (target - sympathy[i])
            risk_i = risk[i] * (f32(fear_weight) * f + f32(dependence[min(ro, 3)])) \
                * f32(repression_level)
            drive = g + f32(sympathy_drive) * s - risk_i
            strike = worker_slot and not unemployed and drive > threshold[i] + strike_bar
            # members risk the ban on factions; non-members face the barrier of
            # an inner-party fight that does not address them (lowered by appeals)
            support = (s - risk_i) + (lift_member if member else lift_worker) > threshold[i]
            fear[i] = f
            sympathy[i] = s
            acting[i] = (STRIKE if strike else 0) | (SUPPORT if support else 0)
            ready += strike
            backing += support
            present += 1
            fear_units[c] += np.int64(np.rint(f * f32(unit)))
            sympathy_units[c] += np.int64(np.rint(s * f32(unit)))
            stats[c, C_SYMPATHISERS] += s > f32(0.5)
            stats[c, C_MEMBER_SYMPATHISERS] += member and s > f32(0.5)
            stats[c, C_MEMBER_SUPPORT] += member and support
            stats[c, C_WORKERS] += worker_slot
        share = ready / present if present > 0 else 0.0
        wp_support[w] = backing / present if present > 0 else 0.0
        wp_strike[w] = share
        if share >= strike_share:
            stats[c, C_STRIKING] += ready
        # below strike_share the ready keep their STRIKE bit: walk_out decides
        stats[c, C_ACTING] += backing
    for c in range(3):
        stats[c, C_FEAR] = fear_units[c] / unit
        stats[c, C_SYMPATHY] = sympathy_units[c] / unit
    for c in range(stats.shape[0] - 1):
        for k in range(N_STATS):
            stats[stats.shape[0] - 1, k] += stats[c, k]


@nb.njit(cache=True)
def walk_out(role, jail, acting, wp_city, wp_size, strike_share, clustering, key, step,
             stats, memo, out):
    """Who of the ready walks out below ``strike_share``, as a plain loop.

    The chance per share is ``kernels.local_strike`` itself (its arithmetic is
    checked against scipy in ``test_walkouts.py``); the kernel remembers it in
    ``memo`` per (ready, present), this loop works it out for every workplace
    and leaves ``memo`` alone.
    """
    whole = 0.0
    local = 0.0
    walkers_all = 0.0
    for w in range(wp_city.shape[0]):
        c = wp_city[w]
        first = w * wp_size
        ready = 0.0
        present = 0.0
        for i in range(first, first + wp_size):
            if role[i] != OUTSIDE and jail[i] == 0:
                present += 1.0
                if acting[i] & STRIKE:
                    ready += 1.0
        if ready == 0.0:
            continue
        share = ready / present
        if share >= strike_share:
            whole += 1.0
            continue
        chance, per_walker = local_strike(share, strike_share, clustering)
        walkers = 0.0
        for i in range(first, first + wp_size):
            if role[i] != OUTSIDE and jail[i] == 0 and acting[i] & STRIKE:
                if uniform(key, step, i, 0) < chance:
                    walkers += 1.0
                    stats[c, C_STRIKING] += 1.0
                    stats[stats.shape[0] - 1, C_STRIKING] += 1.0
                else:
                    acting[i] &= ~STRIKE
        local += walkers * per_walker
        walkers_all += walkers
    out[0] = whole
    out[1] = local
    out[2] = walkers_all


@nb.njit(cache=True)
def repress(
    role, city, workplace, acting, jail, fear, cadre, employ, wp_arrests, wp_size,
    key, step, police, strike_visibility, support_visibility, cadre_hunt, jail_max,
    arrests_city, expelled_out,
):
    """Arrests fall on the visible: strikers, open supporters and, once the
    leaders are out, the Opposition's cadre. The arrested sit out their term;
    party members among them are expelled."""
    for w in range(wp_arrests.shape[0]):
        wp_arrests[w] = 0.0
    for c in range(arrests_city.shape[0]):
        arrests_city[c] = 0.0
    expelled = 0.0
    cadre_arrested = 0.0
    for i in range(role.shape[0]):
        ro = role[i]
        if ro == OUTSIDE:
            continue
        if jail[i] > 0:
            jail[i] -= 1
            continue
        p = 0.0
        a = acting[i]
        if a & STRIKE:
            p += strike_visibility
        if a & SUPPORT:
            p += support_visibility
        if cadre[i] == 1 or cadre[i] == 3:
            p += cadre_hunt
        p *= police
        if p <= 0.0:
            continue
        if uniform(key, step, i, 0) < p:
            jail[i] = 1 + int(uniform(key, step, i, 1) * jail_max)
            acting[i] = 0
            fear[i] = 1.0
            if cadre[i] == 1 or cadre[i] == 3:
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
    likely the more one's livelihood hangs on the apparatus)."""
    for w in range(wp_cadre.shape[0]):
        wp_cadre[w] = 0.0
    joined = 0.0
    left = 0.0
    capitulated = 0.0
    total = 0.0
    for i in range(role.shape[0]):
        ro = role[i]
        if ro == OUTSIDE or jail[i] > 0:
            continue
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


