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

import numba as nb
import numpy as np

from inevitable.engine.rng import uniform

WORKER, OLD_MEMBER, RECRUIT, OFFICIAL, OUTSIDE = 0, 1, 2, 3, 255
STRIKE, SUPPORT = 1, 2  # bits of ``acting``: on strike / publicly with the Opposition

# columns of the per-city statistics (rows: 3 cities, then the total)
C_N, C_MEMBERS, C_SYMPATHY, C_SYMPATHISERS, C_ACTING, C_STRIKING, C_MEMBER_SUPPORT, \
    C_FEAR, C_WORKERS, C_MEMBER_SYMPATHISERS = range(10)
N_STATS = 10


@nb.njit(cache=True)
def mobilise(
    role, city, workplace, threshold, risk, hardship, employ, leaning, sympathy, fear, acting,
    jail, wp_strike, wp_support, wp_arrests, wp_cadre, wp_strike_new, wp_support_new, wp_n,
    hardship_city, unemployment, legitimacy, agency_workers, agency_members, abstain_loss,
    hope_term,
    fear_decay, fear_gain, fear_climate, defend, sym_rate, sym_grievance, peer_weight, org_weight,
    fear_weight, dependence, repression_level, ban_risk, sympathy_drive, outsider_barrier,
    strike_barrier, strike_share, stats,
):
    """Grievance, fear, private sympathy and public stance for every person.

    A person strikes when grievance plus what their workmates did last month
    outweighs the risk by more than their threshold (Granovetter, Epstein);
    they stand publicly with the Opposition when private sympathy, the
    workmates' stance and the Opposition's organisation in their workplace
    outweigh the risk (Kuran's preference falsification is the difference).
    """
    n = role.shape[0]
    for w in range(wp_strike_new.shape[0]):
        wp_strike_new[w] = 0.0
        wp_support_new[w] = 0.0
        wp_n[w] = 0.0
    for r in range(stats.shape[0]):
        for c in range(stats.shape[1]):
            stats[r, c] = 0.0
    for i in range(n):
        ro = role[i]
        if ro == OUTSIDE:
            continue
        c = city[i]
        w = workplace[i]
        if jail[i] > 0:
            acting[i] = 0
            # the jailed count in their city's statistics but do nothing
            stats[c, C_N] += 1.0
            stats[c, C_FEAR] += fear[i]
            stats[c, C_SYMPATHY] += sympathy[i]
            if ro != WORKER:
                stats[c, C_MEMBERS] += 1.0
                if sympathy[i] > 0.5:
                    stats[c, C_MEMBER_SYMPATHISERS] += 1.0
            continue
        is_worker_slot = employ[i] >= 0.0
        unemployed = is_worker_slot and employ[i] < unemployment
        h = hardship[i] * hardship_city[c]
        if unemployed:
            h = min(1.0, h + 0.25)
        g = h * (1.0 - legitimacy)
        # fear: slow decay, renewed by arrests seen at work (years of intimidation)
        f = fear[i] * (1.0 - fear_decay) + (1.0 - defend) * (fear_gain * wp_arrests[w]
                                                             + fear_climate)
        if f > 1.0:
            f = 1.0
        fear[i] = f
        # private sympathy drifts towards what grievance, the Opposition's
        # visible deeds and hopes abroad make of it
        seen = agency_workers[c] if ro == WORKER else agency_members[c]
        target = leaning[i] + sym_grievance * g + seen - abstain_loss + hope_term
        if target < 0.0:
            target = 0.0
        elif target > 1.0:
            target = 1.0
        s = sympathy[i] + sym_rate * (target - sympathy[i])
        sympathy[i] = s
        risk_i = risk[i] * (fear_weight * f + dependence[min(ro, 3)]) * repression_level
        a = 0
        if is_worker_slot and not unemployed:
            if g + sympathy_drive * s + peer_weight * wp_strike[w] - risk_i \
                    > threshold[i] + strike_barrier:
                a |= STRIKE
        # members risk the ban on factions; non-members face the barrier of an
        # inner-party fight that does not address them (lowered by appeals)
        member_risk = ban_risk if ro != WORKER else outsider_barrier
        if s + peer_weight * wp_support[w] + org_weight * wp_cadre[w] \
                - risk_i - member_risk > threshold[i]:
            a |= SUPPORT
        acting[i] = a
        wp_n[w] += 1.0
        if a & STRIKE:
            wp_strike_new[w] += 1.0
        if a & SUPPORT:
            wp_support_new[w] += 1.0
        stats[c, C_N] += 1.0
        stats[c, C_SYMPATHY] += s
        if s > 0.5:
            stats[c, C_SYMPATHISERS] += 1.0
        if a & SUPPORT:
            stats[c, C_ACTING] += 1.0
        if a & STRIKE:
            stats[c, C_STRIKING] += 1.0
        stats[c, C_FEAR] += f
        if ro != WORKER:
            stats[c, C_MEMBERS] += 1.0
            if s > 0.5:
                stats[c, C_MEMBER_SYMPATHISERS] += 1.0
            if a & SUPPORT:
                stats[c, C_MEMBER_SUPPORT] += 1.0
        if is_worker_slot:
            stats[c, C_WORKERS] += 1.0
    for w in range(wp_strike_new.shape[0]):
        if wp_n[w] > 0.0:
            wp_strike_new[w] /= wp_n[w]
            wp_support_new[w] /= wp_n[w]
    # a strike is a workplace's act: where too few are ready, nobody walks out
    for i in range(n):
        if acting[i] & STRIKE and wp_strike_new[workplace[i]] < strike_share:
            acting[i] &= ~STRIKE
            stats[city[i], C_STRIKING] -= 1.0
    for c in range(stats.shape[0] - 1):
        for k in range(N_STATS):
            stats[stats.shape[0] - 1, k] += stats[c, k]


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
                role[i] = WORKER if employ[i] >= 0.0 else OUTSIDE
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
def admit(role, employ, sympathy, key, step, p_worker, p_outside, max_sympathy, out):
    """A levy: workers (and some outsiders) join the party; the apparatus
    admits those who do not sympathise with the Opposition."""
    admitted = 0.0
    for i in range(role.shape[0]):
        ro = role[i]
        if ro == WORKER:
            p = p_worker
        elif ro == OUTSIDE and employ[i] < 0.0:
            p = p_outside
        else:
            continue
        if p > 0.0 and sympathy[i] <= max_sympathy and uniform(key, step, i, 0) < p:
            role[i] = RECRUIT
            admitted += 1.0
    out[0] = admitted


def empty_stats() -> np.ndarray:
    return np.zeros((4, N_STATS), dtype=np.float64)
