"""The whole 1923-1929 model as one compiled function: many replications per call.

The mechanisms of this package are the model's reference implementation:
readable, one class per mechanism, stepped by :class:`inevitable.engine.Sim`
with a Python call per mechanism per month. That costs about as much as the
per-agent kernels themselves, and the experiments need 10^5 and more runs.
Here the same mechanisms, in the same order and with the same arithmetic,
run inside one numba function that loops over replications and months, so a
batch of runs costs no Python per month or per run.

The two are kept equal bit for bit (``tests/mechanisms/test_compiled.py``
compares every series and final of many runs across seeds, theories,
strategies, game paths and branches). A run's random numbers are a pure
function of (seed, stream, step, slot), so a run gives the same bits alone,
in a batch of any size and on any backend.

What crosses in: a record of parameter values per run (and the values in
force after a branch step), the stream keys of each run, the month-by-month
table of which strategy program is in force, the strategy programs as
postfix code (:func:`inevitable.scenarios.rules.condition_code`), and the
scenario's dated events as per-step tables. What comes out: every declared
series, every step, and the finals.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from inevitable.engine.jitcache import follow
from inevitable.engine.rng import normal, uniform
from inevitable.mechanisms.soviet.kernels import (
    C_ACTING,
    C_FEAR,
    C_MEMBER_SUPPORT,
    C_MEMBER_SYMPATHISERS,
    C_MEMBERS,
    C_N,
    C_STRIKING,
    C_SYMPATHISERS,
    C_SYMPATHY,
    C_WORKERS,
    N_STATS,
    OFFICIAL,
    OLD_MEMBER,
    OUTSIDE,
    SUPPORT,
    WORKER,
    admit,
    mobilise,
    organise,
    repress,
    walk_out,
    walk_out_memo,
)
from inevitable.scenarios.rules import (
    OP_ADD,
    OP_AND,
    OP_CONST,
    OP_DIV,
    OP_EQ,
    OP_GE,
    OP_GT,
    OP_LE,
    OP_LT,
    OP_MUL,
    OP_NEG,
    OP_NOT,
    OP_OBS,
    OP_OR,
    OP_SUB,
)

# stream keys of a run, in this order (``<mechanism>.<name>``, as the mechanisms name them)
STREAMS = ("people.city", "people.threshold", "people.risk", "people.hardship",
           "people.employment", "people.sympathy", "people.fear", "people.membership",
           "party.admit", "repression.arrest", "cadre.cadre", "international.success",
           "outcomes.expel", "coalitions.bloc", "mobilisation.walkout")
K_CITY, K_THRESHOLD, K_RISK, K_HARDSHIP, K_EMPLOY, K_SYMPATHY, K_FEAR, K_MEMBERSHIP, \
    K_ADMIT, K_ARREST, K_CADRE, K_SUCCESS, K_EXPEL, K_BLOC, K_WALKOUT = range(15)

# actions (common.ACTIONS order) and factions (common.FACTIONS order)
A_PLATFORM, A_STRIKES, A_DEFEND, A_APPEAL, A_ORGANISE, A_SPLIT, A_BLOC, A_DEMANDS, \
    A_DEMONSTRATE, A_ABSTAIN = range(10)
N_ACTIONS = 10
CENTRE, LENINGRAD_GROUP, RIGHT, LEFT = range(4)
THEORY_T, THEORY_C, THEORY_N = range(3)
N_OBS = 18

# the series, in the order the mechanisms declare them (checked against them at import
# by ``batch.py``); the kernel writes column j of the output as series j
SERIES = (
    "hardship_index", "unemployment_rate", "grain_shortfall", "nepmen",
    "hope", "comintern_line",
    "act_platform", "act_support_strikes", "act_defend_persecuted", "act_appeal_workers",
    "act_organise_faction", "act_prepare_split", "act_seek_bloc", "act_hold_demands",
    "act_demonstrate", "act_abstain",
    "apparatus_control", "machine_leningrad", "machine_right", "machine_left",
    "leningrad_in_opposition", "united_opposition", "right_in_opposition", "centre_target",
    "members", "recruits", "gathering", "opposition_delegates", "cells_with_opposition",
    "sympathy", "public_support", "member_support", "member_support_moscow",
    "member_sympathy", "opposition_vote_share", "falsification", "fear", "strikes",
    "strikers", "meeting_attendance", "signatures", "demonstrators",
    "arrests", "expelled", "police",
    "cadre", "capitulations", "split_prepared",
    "policy_left",
    "leaders_expelled", "defeated", "deported",
)
# the finals each mechanism reports (besides every series' last value), in order
FINALS = (
    "germany_outcome", "britain_outcome", "china_outcome",
    "leningrad_break_month", "united_opposition_month", "right_break_month",
    "leningrad_removal_month", "right_removal_month", "left_removal_month",
    "lenin_enrollment", "cadre_peak", "left_turn_month",
    "defeat", "defeat_month", "expulsion_month", "survival", "prevail", "democracy_index",
    "consolidation_index",
)
N_SERIES = len(SERIES)
N_FINALS = len(FINALS)

# per-step event table columns (NaN: not set this step)
EV_SHOCK0, EV_SHOCK1, EV_SHOCK2, EV_UNEMPLOYMENT, EV_WAGE, EV_GRAIN, EV_LENIN, EV_WAR, \
    EV_LEVY, EV_CONGRESS, EV_MEETS = range(11)
N_EV = 11


@nb.njit(cache=True)
def _clip01(x):
    return min(1.0, max(0.0, x))


@nb.njit(cache=True)
def _round_up(x, size):
    return ((x + size - 1) // size) * size


@nb.njit(cache=True)
def _layout(p):
    """Slot counts as ``people.init`` computes them (integer arithmetic alike)."""
    size = np.int64(p.workplace_size)
    scale = np.int64(p.scale)
    n_work = _round_up(max(np.int64(p.workforce) // scale, size), size)
    n_officials = np.int64(p.officials) // scale
    nonworker = max(np.int64(0), np.int64(p.members_1923 * (1 - p.worker_member_share))
                    // scale - n_officials)
    n_party = _round_up(max(np.int64((nonworker + n_officials) * p.capacity_factor), size), size)
    # ``people.cell_slots``: student and military cells, whole cells carved out of nonworker
    students = np.int64(p.student_share * p.members_1923) // scale
    n_students = min((students + size // 2) // size * size, nonworker // size * size)
    army = np.int64(p.army_share * p.members_1923) // scale
    room = nonworker - n_students
    n_army = min((army + size // 2) // size * size, room // size * size)
    return n_work, n_officials, nonworker, n_party, n_students, n_army


@nb.njit(cache=True)
def _init_people(p, keys, n_work, n_officials, nonworker, n_students, n_army, role, city,
                 workplace, wp_city, threshold, risk, hardship, employ, leaning, sympathy, fear):
    """``People.init``: draws in the same streams, slots and sub-draws."""
    n = role.shape[0]
    size = np.int64(p.workplace_size)
    n_wp = wp_city.shape[0]
    cells_lo = n_work
    army_lo = n_work + n_students
    cells_hi = army_lo + n_army
    for w in range(n_wp):
        u = uniform(keys[K_CITY], 0, w, 0)
        moscow = p.student_army_moscow if cells_lo // size <= w < cells_hi // size \
            else p.moscow_share
        if u < moscow:
            wp_city[w] = 0
        elif u < moscow + p.leningrad_share:
            wp_city[w] = 1
        else:
            wp_city[w] = 2
    for i in range(n):
        workplace[i] = i // size
        city[i] = wp_city[i // size]
        role[i] = OUTSIDE
    # the draws in a loop of their own, which vectorises (the integer division
    # above may raise, and a loop that can exit early does not)
    for i in range(n):
        threshold[i] = min(max(p.threshold_mean + p.threshold_sd
                               * normal(keys[K_THRESHOLD], 0, i, 0), 0.0), 1.0)
        risk[i] = uniform(keys[K_RISK], 0, i, 0)
        hardship[i] = min(max(2 * p.hardship_mean * uniform(keys[K_HARDSHIP], 0, i, 0), 0.0),
                          1.0)
        employ[i] = uniform(keys[K_EMPLOY], 0, i, 0) if i < n_work else -1.0
        leaning[i] = p.sympathy_1923 + p.sympathy_sd * normal(keys[K_SYMPATHY], 0, i, 0)
        fear[i] = min(max(p.fear_1923 + 0.1 * normal(keys[K_FEAR], 0, i, 0), 0.0), 1.0)
    worker_members = np.int64(p.members_1923 * p.worker_member_share) // np.int64(p.scale)
    share = worker_members / n_work
    for i in range(n_work):
        role[i] = OLD_MEMBER if uniform(keys[K_MEMBERSHIP], 0, i, 0) < share else WORKER
    for i in range(n_work, n_work + nonworker):
        role[i] = OLD_MEMBER
    for i in range(n_work + nonworker, n_work + nonworker + n_officials):
        role[i] = OFFICIAL
    ml = np.float32(p.member_leaning)
    cl = np.float32(p.student_army_leaning)
    discipline = np.float32(p.army_discipline)
    for i in range(n):
        if role[i] == OLD_MEMBER:
            leaning[i] = leaning[i] + ml
        if cells_lo <= i < cells_hi:
            leaning[i] = leaning[i] + cl
        if army_lo <= i < cells_hi:
            threshold[i] = threshold[i] + discipline
        sympathy[i] = min(max(leaning[i], np.float32(0.0)), np.float32(1.0))


@nb.njit(cache=True)
def _block_sum(a, lo, n):
    """A leaf of numpy's float32 pairwise summation (at most 128 values)."""
    if n < 8:
        res = np.float32(-0.0)
        for i in range(lo, lo + n):
            res = np.float32(res + a[i])
        return res
    r = np.empty(8, dtype=np.float32)
    for j in range(8):
        r[j] = a[lo + j]
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] = np.float32(r[j] + a[lo + i + j])
        i += 8
    res = np.float32(np.float32(np.float32(r[0] + r[1]) + np.float32(r[2] + r[3]))
                     + np.float32(np.float32(r[4] + r[5]) + np.float32(r[6] + r[7])))
    while i < n:
        res = np.float32(res + a[lo + i])
        i += 1
    return res


@nb.njit(cache=True)
def _pairwise_sum(a, lo, n):
    """numpy's float32 pairwise summation (``np.add.reduce``), to match ``.sum()``.

    numpy halves a long array (keeping the first half a multiple of 8) until
    blocks of at most 128 remain; the same tree is walked here with an
    explicit stack (numba cannot cache recursive functions).
    """
    los = np.empty(64, np.int64)
    ns = np.empty(64, np.int64)
    stage = np.empty(64, np.int64)
    left = np.empty(64, np.float32)
    los[0] = lo
    ns[0] = n
    stage[0] = 0
    sp = 1
    ret = np.float32(0.0)
    while sp > 0:
        top = sp - 1
        m = ns[top]
        if m <= 128:
            ret = _block_sum(a, los[top], m)
            sp -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:
            stage[top] = 1
            los[sp] = los[top]
            ns[sp] = half
            stage[sp] = 0
            sp += 1
        elif stage[top] == 1:
            stage[top] = 2
            left[top] = ret
            los[sp] = los[top] + half
            ns[sp] = m - half
            stage[sp] = 0
            sp += 1
        else:
            ret = np.float32(left[top] + ret)
            sp -= 1
    return ret


@nb.njit(cache=True)
def _initial_stats(role, city, sympathy, fear, employ, stats, buf):
    """``Mobilisation._initial_stats``: numpy's boolean-masked float32 sums, alike."""
    for r in range(stats.shape[0]):
        for c in range(stats.shape[1]):
            stats[r, c] = 0.0
    n = role.shape[0]
    for c in range(3):
        # numpy sums the masked copy of each array pairwise: gather, then sum alike
        for col, values in ((C_SYMPATHY, sympathy), (C_FEAR, fear)):
            m = 0
            for i in range(n):
                if role[i] != OUTSIDE and city[i] == c:
                    buf[m] = values[i]
                    m += 1
            stats[c, col] = _pairwise_sum(buf, 0, m)
        for i in range(n):
            if role[i] == OUTSIDE or city[i] != c:
                continue
            stats[c, C_N] += 1.0
            if role[i] != WORKER:
                stats[c, C_MEMBERS] += 1.0
                if sympathy[i] > 0.5:
                    stats[c, C_MEMBER_SYMPATHISERS] += 1.0
            if sympathy[i] > 0.5:
                stats[c, C_SYMPATHISERS] += 1.0
            if employ[i] >= 0:
                stats[c, C_WORKERS] += 1.0
    for k in range(N_STATS):
        stats[3, k] = stats[0, k] + stats[1, k] + stats[2, k]


@nb.njit(cache=True)
def _evaluate(ops, args, lo, hi, obs, stack):
    """Run a condition's postfix code (see ``rules.condition_code``)."""
    top = 0
    for j in range(lo, hi):
        op = ops[j]
        if op == OP_CONST:
            stack[top] = args[j]
            top += 1
        elif op == OP_OBS:
            stack[top] = obs[np.int64(args[j])]
            top += 1
        elif op == OP_NEG:
            stack[top - 1] = -stack[top - 1]
        elif op == OP_NOT:
            stack[top - 1] = 1.0 if stack[top - 1] == 0.0 else 0.0
        elif op in (OP_AND, OP_OR):
            n = np.int64(args[j])
            hit = 0
            for q in range(top - n, top):
                if stack[q] != 0.0:
                    hit += 1
            top -= n
            if op == OP_AND:
                stack[top] = 1.0 if hit == n else 0.0
            else:
                stack[top] = 1.0 if hit > 0 else 0.0
            top += 1
        else:
            b = stack[top - 1]
            a = stack[top - 2]
            top -= 1
            if op == OP_ADD:
                v = a + b
            elif op == OP_SUB:
                v = a - b
            elif op == OP_MUL:
                v = a * b
            elif op == OP_DIV:
                v = a / b if b != 0.0 else 0.0
            elif op == OP_LT:
                v = 1.0 if a < b else 0.0
            elif op == OP_LE:
                v = 1.0 if a <= b else 0.0
            elif op == OP_GT:
                v = 1.0 if a > b else 0.0
            elif op == OP_GE:
                v = 1.0 if a >= b else 0.0
            elif op == OP_EQ:
                v = 1.0 if a == b else 0.0
            else:  # OP_NE
                v = 1.0 if a != b else 0.0
            stack[top - 1] = v
    return stack[0]


@nb.njit(cache=True)
def run_batch(P, P_after, branch_at, keys, plans, prog_rules, rule_code, rule_do, rule_set,
              ops, args, events, sit_step, sit_which, sit_strength, start_month, steps,
              cutoff, series, finals):
    """Run every replication r of a batch: ``series[r, j, t]``, ``finals[r, j]``.

    ``P[r]`` holds run r's parameters up to step ``branch_at[r]`` and
    ``P_after[r]`` from the step after it (a branch); ``plans[r, t]`` is the
    strategy program in force at step t; ``prog_rules[q]`` the rules of
    program q, each with its condition code ``rule_code[i]`` (a slice of
    ``ops``/``args``) and the levels it sets (``rule_do[i]`` where
    ``rule_set[i]``).
    """
    stack = np.empty(64)
    for r in range(P.shape[0]):
        _run_one(P[r], P_after[r], branch_at[r], keys[r], plans[r], prog_rules, rule_code,
                 rule_do, rule_set, ops, args, events, sit_step, sit_which, sit_strength,
                 start_month, steps, cutoff[r], series[r], finals[r], stack)


@nb.njit(cache=True)
def _run_one(p0, p1, branch_at, keys, plan, prog_rules, rule_code, rule_do, rule_set, ops, args,
             events, sit_step, sit_which, sit_strength, start_month, steps, cutoff, out, fin,
             stack):
    p = p0
    n_work, n_officials, nonworker, n_party, n_students, n_army = _layout(p)
    size = np.int64(p.workplace_size)
    n = n_work + n_party
    n_wp = n // size
    # -- people ----------
    role = np.empty(n, np.uint8)
    city = np.empty(n, np.uint8)
    workplace = np.empty(n, np.int32)
    wp_city = np.empty(n_wp, np.uint8)
    threshold = np.empty(n, np.float32)
    risk = np.empty(n, np.float32)
    hardship = np.empty(n, np.float32)
    employ = np.empty(n, np.float32)
    leaning = np.empty(n, np.float32)
    sympathy = np.empty(n, np.float32)
    fear = np.empty(n, np.float32)
    acting = np.zeros(n, np.uint8)
    jail = np.zeros(n, np.uint8)
    cadre = np.zeros(n, np.uint8)
    _init_people(p, keys, n_work, n_officials, nonworker, n_students, n_army, role, city,
                 workplace, wp_city, threshold, risk, hardship, employ, leaning, sympathy, fear)
    # -- economy ----------
    hardship_city = np.ones(3)
    shock = np.zeros(3)
    wage = 1.0
    unemployment = 0.2
    grain = 0.0
    nepmen = 0.3
    lenin = 1.0
    war_scare = 0.0
    # -- international ----------
    hope = 0.5
    line = 1.0
    strength = np.zeros(3)
    outcome = np.full(3, -1, np.int64)
    # -- strategy ----------
    chosen = np.zeros(N_ACTIONS)
    levels = np.zeros(N_ACTIONS)
    # -- coalitions ----------
    machine = np.empty(4)
    machine[0] = p.machine_centre_1923
    machine[1] = p.machine_leningrad_1923
    machine[2] = p.machine_right_1923
    machine[3] = p.machine_left_1923
    total = ((machine[0] + machine[1]) + machine[2]) + machine[3]
    if total > 1.0:
        for f in range(4):
            machine[f] /= total
    peak = machine.copy()
    aligned = np.ones(4, np.int64)
    united = 0
    target = -1
    prestige = p.left_prestige_1923
    months = np.full(6, -1, np.int64)  # breaks (leningrad, united, right), removals
    hit = np.zeros(4, np.int64)  # cut down since the last gathering
    # -- party ----------
    levy = 0.0
    gathering = 0.0
    recruits = 0.0
    delegates = 0.0
    cells = 0.0
    first_levy = 0.0
    first_state = 0.0
    members0 = 0.0
    for i in range(n):
        if role[i] != WORKER and role[i] != OUTSIDE:
            members0 += 1.0
    # -- mobilisation ----------
    dependence = np.empty(4)
    agency_workers = np.empty(3)
    agency_members = np.empty(3)
    closing = np.zeros(3, np.bool_)
    wp_strike = np.zeros(n_wp, np.float32)
    wp_support = np.zeros(n_wp, np.float32)
    stats = np.zeros((4, N_STATS))
    strikes = 0.0
    counts = np.zeros(4)
    buf = np.empty(n, np.float32)
    _initial_stats(role, city, sympathy, fear, employ, stats, buf)
    # -- repression ----------
    wp_arrests = np.zeros(n_wp, np.float32)
    arrests_city = np.zeros(3)
    police = p.police_1923 if p.repression_on else 0.0
    expelled_total = 0.0
    cadre_arrests = 0.0
    # -- cadre ----------
    wp_cadre = np.zeros(n_wp, np.float32)
    cadre_count = 0.0
    cadre_peak = 0.0
    capitulated = 0.0
    united_before = 0
    prepared = 0.0  # share of the organisation prepared for a split (read by repression)
    # -- policy, outcomes ----------
    left = 0.0
    turn = -1
    expelled_at = 0
    defeat_at = -1
    prevailed = 0
    deported = 0.0
    offence = 0.0

    obs = np.zeros(N_OBS)
    out1 = np.zeros(1)
    out2 = np.zeros(2)
    counts4 = np.zeros(4)
    walked = np.zeros(3)  # walk_out: workplaces on strike, local strikes (slot units), walkers
    walk_memo = walk_out_memo(size)
    sit_j = 0
    scale = p.scale

    # economy._apply(0) runs in init
    for t in range(steps + 1):
        if t > branch_at:
            p = p1
        # livelihood's dependence on the apparatus, by role (read by mobilise and organise)
        # N: the Opposition's voice reaches nobody (mobilisation, international)
        voice = 0.0 if p.theory == THEORY_N else 1.0
        dependence[0] = p.dependence_worker
        dependence[1] = p.dependence_old_member
        dependence[2] = p.dependence_recruit
        dependence[3] = p.dependence_official
        ev = events[t]
        # ---- economy: events set levels that hold until the next event of their kind
        for c in range(3):
            if not math.isnan(ev[EV_SHOCK0 + c]):
                shock[c] = ev[EV_SHOCK0 + c]
        if not math.isnan(ev[EV_UNEMPLOYMENT]):
            unemployment = min(0.9, ev[EV_UNEMPLOYMENT] / np.float64(np.int64(p.workforce)))
        if not math.isnan(ev[EV_WAGE]):
            wage = ev[EV_WAGE]
        if not math.isnan(ev[EV_GRAIN]):
            grain = ev[EV_GRAIN]
        if not math.isnan(ev[EV_LENIN]):
            lenin = ev[EV_LENIN]
        if not math.isnan(ev[EV_WAR]):
            war_scare = ev[EV_WAR]
        wage_factor = 1.0 + p.wage_elasticity * max(0.0, 1.0 - wage)
        for c in range(3):
            hardship_city[c] = wage_factor * (1.0 + p.shock_effect * shock[c])
        closing[:] = False
        # ---- international: situations open and close with their events
        while sit_j < sit_step.shape[0] and sit_step[sit_j] == t:
            j = sit_which[sit_j]
            s = sit_strength[sit_j]
            strength[j] = s
            if s > 0 and outcome[j] == -1:
                outcome[j] = -2
            elif s <= 0 and outcome[j] == -2:
                closing[j] = True
            sit_j += 1
        if t == 0:
            _record(out, 0, hardship_city, unemployment, grain, nepmen, hope, line, chosen,
                    machine, aligned, united, target, members0 * scale, recruits * scale,
                    gathering, delegates, cells, stats, strikes, counts, arrests_city, scale,
                    expelled_total, police, cadre_count, capitulated, prepared, left,
                    expelled_at, defeat_at, deported)
            continue
        # ---- economy.step: NEP's market lets traders gain ground; the plan squeezes them
        if left <= 0.2:
            drift = p.nepmen_growth * (1.0 - nepmen)
        else:
            drift = -2 * p.nepmen_growth * nepmen * left
        nepmen = _clip01(nepmen + drift)
        # ---- international.step
        if not p.international_on:
            for j in range(3):
                if closing[j]:
                    outcome[j] = 0
        else:
            weight = min(1.0, (stats[3, 6] / max(stats[3, 1], 1.0)) / 0.2)
            pressure = voice * levels[A_DEMANDS] * weight
            line = 1.0 + p.demand_effect * pressure
            for j in range(3):
                if outcome[j] != -2:
                    continue
                if closing[j]:
                    outcome[j] = 0
                    hope = _clip01(hope - p.defeat_hope_loss)
                elif uniform(keys[K_SUCCESS], t, j, 0) < p.success_chance * strength[j] * line:
                    outcome[j] = 1
                    hope = _clip01(hope + p.success_hope_gain)
        # ---- strategy.step: rules map what the Opposition sees to what it does
        people_n = max(stats[3, C_N], 1.0)
        members_n = max(stats[3, C_MEMBERS], 1.0)
        # dated rules see the calendar moved back by move_shift (strategy.rule_view)
        shift = np.int64(math.floor(p.move_shift + 0.5))
        month = start_month + t - shift
        obs[0] = np.float64(month)
        obs[1] = np.float64(month // 12)
        obs[2] = np.float64(t - shift)
        obs[3] = cadre_count
        obs[4] = cadre_count / cadre_peak if cadre_peak > 0 else 0.0
        obs[5] = stats[3, C_SYMPATHISERS] / people_n
        obs[6] = stats[3, C_ACTING] / people_n
        obs[7] = stats[3, C_MEMBER_SUPPORT] / members_n
        obs[8] = stats[3, C_FEAR] / people_n
        obs[9] = machine[CENTRE]
        obs[10] = strikes
        obs[11] = 1.0 if expelled_at > 0 else 0.0
        obs[12] = 1.0 if aligned[LENINGRAD_GROUP] == 0 else 0.0
        obs[13] = 1.0 if united > 0 else 0.0
        obs[14] = 1.0 if aligned[RIGHT] == 0 else 0.0
        obs[15] = left
        obs[16] = hope
        obs[17] = 1.0 if gathering > 0 else 0.0
        q = plan[t]
        for a in range(N_ACTIONS):
            chosen[a] = 0.0
        for i in range(prog_rules[q, 0], prog_rules[q, 1]):
            if _evaluate(ops, args, rule_code[i, 0], rule_code[i, 1], obs, stack) != 0.0:
                for a in range(N_ACTIONS):
                    if rule_set[i, a]:
                        chosen[a] = rule_do[i, a]
        for a in range(N_ACTIONS):
            levels[a] = chosen[a]
        # ---- coalitions.step
        expelled = expelled_at > 0
        opens = max(max(max(chosen[A_PLATFORM], chosen[A_STRIKES]),
                        max(chosen[A_APPEAL], chosen[A_ORGANISE])),
                    max(chosen[A_DEMONSTRATE], chosen[A_SPLIT]))
        if opens >= 0.5 or expelled:
            aligned[LEFT] = 0
        member_support = stats[3, C_MEMBER_SUPPORT] / max(stats[3, C_MEMBERS], 1.0)
        public_support = stats[3, C_ACTING] / max(stats[3, C_N], 1.0)
        if p.patronage_on:
            boost = 1.0 + p.lenin_boost * (1.0 - lenin)
            free = max(0.0, 1.0 - (((machine[0] + machine[1]) + machine[2]) + machine[3]))
            machine[CENTRE] += p.patronage_rate * boost * free
        threat = machine.copy()
        prestige *= 1.0 - p.prestige_decay * (0.3 + levels[A_ABSTAIN])
        threat[LEFT] += prestige + p.popularity_weight * member_support
        target = -1
        is_united = united != 0 and not expelled
        if is_united:
            threat[LEFT] += threat[LENINGRAD_GROUP]
            threat[LENINGRAD_GROUP] = 0.0
        if p.coalitions_on:
            strongest_out = -1
            strongest_in = -1
            for f in range(1, 4):
                outside = aligned[f] == 0 and not (f == LEFT and expelled)
                if outside and (strongest_out < 0 or threat[f] > threat[strongest_out]):
                    strongest_out = f
                if aligned[f] == 1 and (strongest_in < 0 or threat[f] > threat[strongest_in]):
                    strongest_in = f
            broken_seated = -1  # coalitions: a partner that broke, still in its seats
            for f, broke, gone in ((LENINGRAD_GROUP, 0, 3), (RIGHT, 2, 4)):
                if (aligned[f] == 0 and months[broke] >= 0 and months[gone] < 0
                        and (broken_seated < 0 or threat[f] > threat[broken_seated])):
                    broken_seated = f
            swung_left = p.theory == THEORY_T and left > p.swing_level
            if swung_left and machine[RIGHT] > 0.01:
                target = RIGHT
            elif is_united:
                target = LEFT
            elif strongest_out >= 0 and threat[strongest_out] > p.threat_floor:
                target = strongest_out
            elif broken_seated >= 0:
                target = broken_seated
            elif strongest_in >= 0:
                target = strongest_in
        elif aligned[LEFT] == 0 and not expelled:
            target = LEFT
        if target >= 0:
            hit[target] = 1
        if p.patronage_on and target >= 0:
            if is_united and target == LEFT:
                for f in (LEFT, LENINGRAD_GROUP):
                    taken = p.erosion_rate * machine[f]
                    machine[f] -= taken
                    machine[CENTRE] += taken
            else:
                taken = p.erosion_rate * machine[target]
                machine[target] -= taken
                machine[CENTRE] += taken
        keep = 1.0 - min(1.0, p.democratise * public_support)
        for f in range(4):
            machine[f] *= keep
            peak[f] = max(peak[f], machine[f])
        if p.coalitions_on:
            for f, slot in ((LENINGRAD_GROUP, 0), (RIGHT, 2)):
                if (ev[EV_MEETS] > 0 and aligned[f] == 1 and hit[f] == 1 and months[slot] < 0
                        and machine[f] < p.break_share * peak[f]):
                    aligned[f] = 0
                    months[slot] = t
            if ev[EV_MEETS] > 0:
                hit[:] = 0
                _remove(months, aligned, machine, peak, p.removal_share, t, expelled)
            need = 1.0 - machine[LENINGRAD_GROUP] / max(peak[LENINGRAD_GROUP], 1e-12)
            if (united == 0 and months[1] < 0 and aligned[LEFT] == 0
                    and aligned[LENINGRAD_GROUP] == 0 and not expelled
                    and chosen[A_BLOC] >= 0.5
                    and uniform(keys[K_BLOC], t, 0, 0) < p.bloc_rate * need):
                united = 1
                months[1] = t
            if united == 1 and expelled:
                united = 0  # coalitions: the Leningrad group recants with the bloc's end
                aligned[LENINGRAD_GROUP] = 1
        # ---- party.step: levies, gatherings, the vote
        gathering = 0.0
        if not math.isnan(ev[EV_LEVY]):
            levy = ev[EV_LEVY]
        if ev[EV_CONGRESS] > 0:
            gathering = 1.0
        out1[0] = 0.0
        rate = p.recruit_rate + p.levy_rate * levy
        if p.recruitment_on and rate > 0:
            admit(role, employ, sympathy, np.int64(p.workplace_size), keys[K_ADMIT], t, rate,
                  rate * p.outside_ratio, p.screen_sympathy, out1)
        recruits = out1[0]
        if gathering > 0:
            cells, delegates = _vote(role, acting, workplace, jail, n_wp, machine, aligned)
        if levy > 0 and first_state < 2:
            first_levy += out1[0]
            first_state = 1.0
        elif first_state == 1:
            first_state = 2.0
        # ---- mobilisation.step
        if p.mobilisation_on:
            demo = levels[A_DEMONSTRATE]
            for c in range(3):
                striking = stats[c, C_STRIKING] / max(stats[c, C_WORKERS], 1.0)
                persecuted = 1.0 if arrests_city[c] > 0 else 0.0
                defend = levels[A_DEFEND] * persecuted
                agency_workers[c] = voice * p.agency_effect * (
                    levels[A_STRIKES] * min(1.0, 10.0 * striking) + defend
                    + levels[A_APPEAL] + 0.5 * demo + 0.3 * levels[A_PLATFORM]) / 3.8
                agency_members[c] = voice * p.agency_effect * (
                    levels[A_PLATFORM] + defend + 0.5 * demo) / 2.5
            repression_on = 1.0 if p.repression_on else 0.0
            mobilise(
                role, wp_city, np.int64(p.workplace_size), threshold, risk, hardship, employ,
                leaning, sympathy, fear, acting, jail, wp_strike, wp_support, wp_arrests,
                wp_cadre, hardship_city, unemployment, p.legitimacy, agency_workers,
                agency_members, voice * p.abstain_effect * levels[A_ABSTAIN],
                p.hope_effect * (hope - 0.5), p.fear_decay, p.fear_gain * repression_on,
                p.fear_climate * police * repression_on,
                voice * p.defend_effect * levels[A_DEFEND], p.sympathy_rate,
                p.sympathy_grievance, p.peer_weight, voice * p.organisation_weight,
                p.fear_weight * repression_on, dependence, 1.0, p.ban_risk, p.strike_sympathy,
                p.outsider_barrier * (1.0 - voice * levels[A_APPEAL]), p.strike_barrier,
                p.strike_share, stats)
            walk_out(role, jail, acting, wp_city, np.int64(p.workplace_size), p.strike_share,
                     p.readiness_clustering, keys[K_WALKOUT], t, stats, walk_memo, walked)
            strikes = (walked[0] * np.int64(p.workplace_size) + walked[1]) * scale \
                / p.enterprise_size
            counts[0] = stats[3, C_STRIKING] * scale
            supporters = stats[3, C_ACTING] * scale
            org = levels[A_ORGANISE]
            counts[1] += supporters * p.attend_rate * org
            counts[2] += supporters * p.sign_rate * org * levels[A_PLATFORM]
            capitals = (stats[0, C_ACTING] + stats[1, C_ACTING]) * scale
            counts[3] = capitals * p.march_rate * levels[A_DEMONSTRATE]
        # ---- repression.step
        if not p.repression_on:
            police = 0.0
        else:
            control = machine[CENTRE]
            open_support = stats[3, C_ACTING] / max(stats[3, C_N], 1.0)
            police = min(1.0, p.police_1923 * (1.0 + p.police_growth * control)
                         * (1.0 + war_scare) * (1.0 + p.threat_response * open_support))
            split = levels[A_SPLIT]
            sheltered = 1.0 - p.split_shelter * prepared
            hunt = p.cadre_hunt * (sheltered if expelled_at > 0 else 0.5 * split)
            out2[0] = 0.0
            out2[1] = 0.0
            repress(role, city, workplace, acting, jail, fear, cadre, employ, wp_arrests,
                    np.float64(np.int64(p.workplace_size)), keys[K_ARREST], t, police,
                    p.strike_visibility, p.support_visibility, hunt,
                    np.float64(np.int64(p.jail_months)), arrests_city, out2)
            expelled_total += out2[0] * scale
            if expelled_at > 0:
                cadre_arrests += out2[1]
        # ---- cadre.step
        prepared = min(1.0, prepared + p.split_build * levels[A_SPLIT] * (1.0 - prepared))
        recruit = levels[A_ORGANISE] + 0.5 * levels[A_APPEAL]
        join_member = p.join_base + p.join_organised * min(1.0, recruit)
        join_worker = p.join_base * 0.5 + p.join_organised * levels[A_APPEAL]
        room = 1.0 / (1.0 + cadre_count / p.cadre_scale)
        join_member *= room
        join_worker *= room
        leave = p.attrition + (p.abstention_loss * levels[A_ABSTAIN] if p.retention_on else 0.0)
        is_expelled = expelled_at > 0
        pressure_c = 1.0 + (p.capitulation_after - 1.0) * (1.0 if is_expelled else 0.0)
        pressure_c *= 1.0 + p.left_capitulation * max(0.0, left)
        if is_expelled:
            join_member *= p.underground_joining
            join_worker *= p.underground_joining
            join_worker += p.split_recruit * prepared * room
        bloc_joins = p.bloc_cadre if (united == 1 and united_before == 0) else 0.0
        bloc_breaks = united == 0 and united_before == 1
        united_before = united
        organise(role, workplace, acting, sympathy, cadre, jail, wp_cadre,
                 np.float64(np.int64(p.workplace_size)), keys[K_CADRE], t, join_member,
                 join_worker, p.join_sympathy, leave, p.capitulation * pressure_c, dependence,
                 bloc_joins, bloc_breaks, city, counts4)
        cadre_count = counts4[0] * scale
        capitulated += counts4[3] * scale
        cadre_peak = max(cadre_peak, cadre_count)
        # ---- policy.step
        if p.policy_on:
            if p.theory == THEORY_T:
                workers = stats[3, 4] / max(stats[3, 0], 1.0) + stats[3, 5] / max(stats[3, 8], 1.0)
                crisis = 1.0 if grain >= p.grain_crisis else 0.0
                ptarget = math.tanh(p.worker_pull * workers + p.crisis_pull * crisis
                                    - p.peasant_pull * ((1.0 - crisis) * grain + 0.5 * nepmen))
            else:
                ms = stats[3, 6] / max(stats[3, 1], 1.0)
                left_beaten = expelled_at > 0 or ms < p.threat_support
                ptarget = 1.0 if (left_beaten and grain >= p.grain_crisis) else -0.2 * nepmen
            left = left + p.policy_rate * (ptarget - left)
            if turn < 0 and left >= p.left_turn_level:
                turn = t
        # ---- outcomes.step
        member_support = stats[3, 6] / max(stats[3, 1], 1.0)
        control = machine[CENTRE]
        if expelled_at == 0:
            breach = min(1.0, ((0.0 + p.breach_organise * chosen[A_ORGANISE])
                               + p.breach_demonstrate * chosen[A_DEMONSTRATE])
                         + p.breach_split * chosen[A_SPLIT])
            organised = (cadre_count + counts[2]) + counts[3]
            weight = organised / (organised + p.threat_size) + prestige
            offence = max(offence * p.breach_memory, min(1.0, breach * weight))
            ready = min(1.0, max(0.0, (control - p.expel_control) / (1.0 - p.expel_control)))
            if p.theory == THEORY_T:
                ready *= 1.0 - min(1.0, max(0.0, left))
            safe = math.exp(-member_support / p.expel_support)
            hazard = p.expel_rate * offence * ready * safe
            if ev[EV_MEETS] > 0:
                hazard = min(1.0, hazard * p.gathering_factor)
            if hazard > 0 and uniform(keys[K_EXPEL], t, 0, 0) < hazard:
                expelled_at = t + 1
        if expelled_at > 0:
            deported = cadre_arrests * scale
            if defeat_at < 0 and (cadre_peak <= 0 or cadre_count < p.defeat_share * cadre_peak):
                defeat_at = t
        beaten = defeat_at >= 0
        if not beaten and gathering > 0 and delegates > 0.5:
            prevailed = 1
        if not beaten and control < p.democracy_level * peak[CENTRE]:
            prevailed = 1
        _record(out, t, hardship_city, unemployment, grain, nepmen, hope, line, chosen,
                machine, aligned, united, target, stats[3, C_MEMBERS] * scale, recruits * scale,
                gathering, delegates, cells, stats, strikes, counts, arrests_city, scale,
                expelled_total, police, cadre_count, capitulated, prepared, left, expelled_at,
                defeat_at, deported)
    # -- finals ----------
    for j in range(3):
        fin[j] = max(outcome[j], -1) if outcome[j] != -2 else 0
    for j in range(6):
        fin[3 + j] = months[j]
    fin[9] = first_levy * scale
    fin[10] = cadre_peak
    fin[11] = turn
    fin[12] = 1 if 0 <= defeat_at <= cutoff else 0
    fin[13] = defeat_at
    fin[14] = expelled_at - 1
    fin[15] = 1 if (cadre_peak > 0 and cadre_count >= p.survival_share * cadre_peak) else 0
    fin[16] = prevailed
    fear_end = stats[3, 7] / max(stats[3, 0], 1.0)
    support_end = stats[3, 4] / max(stats[3, 0], 1.0)
    fin[17] = (1.0 - machine[CENTRE]) * (1.0 - fear_end)
    fin[18] = machine[CENTRE] * (1.0 - support_end)


@nb.njit(cache=True)
def _remove(months, aligned, machine, peak, share, t, expelled):
    """Coalitions' ``_remove``: leaders in opposition lose their Politburo seats
    at a gathering once their machine is below ``share`` of its peak (a partner
    only after the gathering where it broke; expelled leaders at once)."""
    for q in range(3):
        f = LENINGRAD_GROUP if q == 0 else (RIGHT if q == 1 else LEFT)
        broke = 0 if q == 0 else (2 if q == 1 else -1)
        slot = 3 + q
        if months[slot] >= 0 or aligned[f] == 1:
            continue
        if broke >= 0 and not (0 <= months[broke] < t):
            continue
        if machine[f] < share * peak[f] or (f == LEFT and expelled):
            months[slot] = t


@nb.njit(cache=True)
def _vote(role, acting, workplace, jail, n_wp, machine, aligned):
    """``Party._vote``: cells follow the majority of their members' public stance."""
    members = np.zeros(n_wp, np.int64)
    backing = np.zeros(n_wp, np.int64)
    for i in range(role.shape[0]):
        if role[i] != WORKER and role[i] != OUTSIDE and jail[i] == 0:
            members[workplace[i]] += 1
            if acting[i] & SUPPORT:
                backing[workplace[i]] += 1
    has = 0
    won = 0
    for w in range(n_wp):
        if members[w] > 0:
            has += 1
            if backing[w] * 2 > members[w]:
                won += 1
    cells = won / has if has > 0 else 0.0
    elected = max(0.0, 1.0 - (((machine[0] + machine[1]) + machine[2]) + machine[3]))
    delegates = 0.0
    if aligned[LEFT] == 0:
        delegates += machine[LEFT]
    if aligned[LENINGRAD_GROUP] == 0:
        delegates += machine[LENINGRAD_GROUP]
    return cells, delegates + elected * cells


@nb.njit(cache=True)
def _record(out, t, hardship_city, unemployment, grain, nepmen, hope, line, chosen, machine,
            aligned, united, target, members, recruits, gathering, delegates, cells, stats,
            strikes, counts, arrests_city, scale, expelled_total, police, cadre_count,
            capitulated, prepared, left, expelled_at, defeat_at, deported):
    """Every series at step t, as the mechanisms' ``record`` methods compute them."""
    out[0, t] = ((hardship_city[0] + hardship_city[1]) + hardship_city[2]) / 3.0
    out[1, t] = unemployment
    out[2, t] = grain
    out[3, t] = nepmen
    out[4, t] = hope
    out[5, t] = line
    for a in range(N_ACTIONS):
        out[6 + a, t] = chosen[a]
    out[16, t] = machine[CENTRE]
    out[17, t] = machine[1]
    out[18, t] = machine[2]
    out[19, t] = machine[3]
    out[20, t] = 1.0 if aligned[1] == 0 else 0.0
    out[21, t] = np.float64(united)
    out[22, t] = 1.0 if aligned[2] == 0 else 0.0
    out[23, t] = np.float64(target)
    out[24, t] = members
    out[25, t] = recruits
    out[26, t] = gathering
    out[27, t] = delegates
    out[28, t] = cells
    s = stats[3]
    nn = max(s[C_N], 1.0)
    mm = max(s[C_MEMBERS], 1.0)
    out[29, t] = s[C_SYMPATHISERS] / nn
    out[30, t] = s[C_ACTING] / nn
    out[31, t] = s[C_MEMBER_SUPPORT] / mm
    out[32, t] = stats[0, C_MEMBER_SUPPORT] / max(stats[0, C_MEMBERS], 1.0)
    out[33, t] = s[C_MEMBER_SYMPATHISERS] / mm
    out[34, t] = s[C_MEMBER_SUPPORT] / mm
    out[35, t] = (s[C_SYMPATHISERS] - s[C_ACTING]) / nn
    out[36, t] = s[C_FEAR] / nn
    out[37, t] = strikes
    out[38, t] = counts[0]
    out[39, t] = counts[1]
    out[40, t] = counts[2]
    out[41, t] = counts[3]
    out[42, t] = ((arrests_city[0] + arrests_city[1]) + arrests_city[2]) * scale
    out[43, t] = expelled_total
    out[44, t] = police
    out[45, t] = cadre_count
    out[46, t] = capitulated
    out[47, t] = prepared
    out[48, t] = left
    out[49, t] = 1.0 if expelled_at > 0 else 0.0
    out[50, t] = 1.0 if defeat_at >= 0 else 0.0
    out[51, t] = deported


follow(__name__, "inevitable.mechanisms.soviet.kernels", "inevitable.engine.rng")
