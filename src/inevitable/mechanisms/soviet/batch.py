"""Batches of flagship runs through the compiled model (:mod:`.compiled`).

This module turns what a scenario and its runs say (parameter values,
strategies in the rule language, dated events) into the flat tables the
compiled function reads, once per scenario, and turns its output back into
each run's series and finals, shaped as a lone :class:`~inevitable.engine.Sim`
would give them. Nothing here knows of the store, the CLI or the backends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inevitable.engine.rng import stream_key
from inevitable.engine.timeline import month_index, parse_month
from inevitable.errors import InputError
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet import compiled as cc
from inevitable.mechanisms.soviet.strategy import compile_play, inherited_rules, move_at, parse_path
from inevitable.scenarios.rules import condition_code, stack_depth

ORDER = ("people", "economy", "international", "strategy", "coalitions", "party",
         "mobilisation", "repression", "cadre", "policy", "outcomes")
# parameters the tables carry instead of the record (text, months)
NOT_NUMERIC = ("strategy", "switch_date", "path", "cutoff")


def supports(mechanisms: Sequence[Any]) -> bool:
    """Whether a scenario's model is exactly the flagship's, in its order."""
    return tuple(getattr(m, "name", "") for m in mechanisms) == ORDER


@dataclass(frozen=True)
class Tables:
    """Everything about a scenario the compiled model needs, as arrays."""

    dtype: np.dtype
    names: tuple[str, ...]
    programs: dict[str, int]  # rule strategy or game move -> program index
    prog_rules: np.ndarray
    rule_code: np.ndarray
    rule_do: np.ndarray
    rule_set: np.ndarray
    ops: np.ndarray
    args: np.ndarray
    events: np.ndarray
    sit_step: np.ndarray
    sit_which: np.ndarray
    sit_strength: np.ndarray
    start_month: int
    steps: int
    strategies: dict
    play: dict | None
    junctures: tuple[int, ...]
    series_names: tuple[str, ...]
    final_names: tuple[str, ...]


def tables(sc) -> Tables:
    """The compiled model's tables for scenario ``sc`` (cached on the scenario)."""
    cached = getattr(sc, "_compiled_tables", None)
    if cached is not None:
        return cached
    out = _build(sc)
    object.__setattr__(sc, "_compiled_tables", out)
    return out


def _build(sc) -> Tables:
    decls = sc.decls
    names = tuple(n for n in sorted(decls) if n not in NOT_NUMERIC)
    dtype = np.dtype([(n, np.float64) for n in names])
    strategies = sc.sim_data.get("strategies", {})
    play = sc.sim_data.get("play")
    start = month_index(*parse_month(sc.timeline.start))
    junctures, moves = compile_play(play, sc.timeline.start)
    # one program per rule strategy (its inherited rules first) and per game move
    programs: dict[str, int] = {}
    prog_rules, rule_code, rule_do, rule_set = [], [], [], []
    ops: list[int] = []
    args: list[float] = []

    def add_program(key: str, rules: list[tuple[str, dict[str, float]]]) -> None:
        first = len(rule_code)
        for when, do in rules:
            code = condition_code(when, list(k.OBSERVABLES))
            if stack_depth(code) > 64:
                raise InputError(f"a condition of '{key}' is nested too deeply")
            rule_code.append((len(ops), len(ops) + len(code)))
            ops.extend(op for op, _ in code)
            args.extend(arg for _, arg in code)
            rule_do.append([float(do.get(a, 0.0)) for a in k.ACTIONS])
            rule_set.append([a in do for a in k.ACTIONS])
        programs[key] = len(prog_rules)
        prog_rules.append((first, len(rule_code)))

    for name, spec in strategies.items():
        if isinstance(spec, dict) and "rules" in spec:
            raw = inherited_rules(name, strategies, ()) + list(spec["rules"])
            add_program(name, [(str(r.get("when", "always")), dict(r["do"])) for r in raw])
    for name, levels in moves.items():
        add_program(f"move:{name}", [("always", dict(levels))])
    steps = sc.timeline.steps
    events, sits = _event_tables(sc.events, steps)
    series_names = tuple(n for m in sc.mechanisms for n in m.series)
    final_names = tuple(n for m in sc.mechanisms for n in m.finals)
    if series_names != cc.SERIES or final_names != cc.FINALS:
        raise RuntimeError("the compiled model's outputs differ from the mechanisms' declared "
                           "series and finals: update mechanisms/soviet/compiled.py")
    return Tables(
        dtype=dtype, names=names, programs=programs,
        prog_rules=np.array(prog_rules, dtype=np.int64).reshape(-1, 2),
        rule_code=np.array(rule_code, dtype=np.int64).reshape(-1, 2),
        rule_do=np.array(rule_do, dtype=np.float64).reshape(-1, len(k.ACTIONS)),
        rule_set=np.array(rule_set, dtype=np.bool_).reshape(-1, len(k.ACTIONS)),
        ops=np.array(ops, dtype=np.int64), args=np.array(args, dtype=np.float64),
        events=events, sit_step=sits[0], sit_which=sits[1], sit_strength=sits[2],
        start_month=start, steps=steps, strategies=strategies, play=play,
        junctures=tuple(junctures), series_names=series_names, final_names=final_names)


def _event_tables(events: Sequence[dict], steps: int):
    """Per-step inputs (NaN where an event sets nothing) and the situations' events."""
    table = np.full((steps + 1, cc.N_EV), np.nan)
    table[:, cc.EV_CONGRESS] = 0.0
    table[:, cc.EV_MEETS] = 0.0
    sit_step, sit_which, sit_strength = [], [], []
    cities = list(k.CITIES)
    situations = ("germany", "britain", "china")
    for e in events:  # file order: a later event of the same step wins, as in the mechanisms
        t = e.get("step")
        if not isinstance(e, dict) or t is None or not 0 <= t <= steps:
            continue
        s = e.get("set", {})
        row = table[t]
        if "economic_shock" in s:
            for c in s.get("cities", cities):
                row[cc.EV_SHOCK0 + cities.index(c)] = float(s["economic_shock"])
        for key, col in (("unemployment", cc.EV_UNEMPLOYMENT), ("real_wage_index", cc.EV_WAGE),
                         ("grain_shortfall", cc.EV_GRAIN), ("war_scare", cc.EV_WAR),
                         ("levy", cc.EV_LEVY)):
            if key in s:
                row[col] = float(s[key])
        if "lenin_active" in s:
            row[cc.EV_LENIN] = 1.0 if s["lenin_active"] else 0.0
        if s.get("gathering") in ("conference", "congress"):
            row[cc.EV_CONGRESS] = 1.0
        if "gathering" in s:
            row[cc.EV_MEETS] = 1.0
        if s.get("revolutionary_situation") in situations:
            sit_step.append(t)
            sit_which.append(situations.index(s["revolutionary_situation"]))
            sit_strength.append(float(s.get("situation_strength", 1.0)))
    order = np.argsort(np.array(sit_step, dtype=np.int64), kind="stable")
    sits = (np.array(sit_step, dtype=np.int64)[order], np.array(sit_which, dtype=np.int64)[order],
            np.array(sit_strength, dtype=np.float64)[order])
    return table, sits


def _record(tb: Tables, values: Mapping[str, Any]) -> np.void:
    """A run's numeric parameters as one record (the theory as its index in THEORIES)."""
    rec = np.zeros((), dtype=tb.dtype)
    for n in tb.names:
        rec[n] = float(k.THEORIES.index(values[n])) if n == "theory" else float(values[n])
    return rec


def _plan(tb: Tables, values: Mapping[str, Any]) -> np.ndarray:
    """The program in force at each step: a game move, else the strategy's rules.

    The same resolution as ``Strategy.step`` (``move_at``, then a switch
    strategy's ``before``/``after`` by month), done once for a run's values.
    """
    path = parse_path(values.get("path", ""), tb.play)
    plan = np.zeros(tb.steps + 1, dtype=np.int64)
    for t in range(1, tb.steps + 1):
        month = tb.start_month + t
        move = move_at(tb.junctures, path, values.get("hold_last", False), month)
        if move is not None:
            plan[t] = tb.programs[f"move:{move}"]
            continue
        name = values["strategy"]
        for _ in range(len(tb.strategies) + 1):
            spec = tb.strategies[name]
            if "rules" in spec:
                break
            when = values["switch_date"] if spec["at"] == "switch_date" else spec["at"]
            name = spec["after"] if month >= month_index(*parse_month(when)) else spec["before"]
        else:
            raise InputError(f"strategy '{values['strategy']}' refers to itself")
        plan[t] = tb.programs[name]
    return plan


def run(sc, runs: Sequence[tuple[int, Mapping[str, Any], int | None, Mapping[str, Any]]]
        ) -> list[tuple[dict[str, np.ndarray], dict[str, Any]]]:
    """Run ``(seed, params, branch, branch_params)`` for each run, in one compiled call.

    Returns each run's full series (every step) and finals, as a lone run
    of ``sc.sim(seed, params)`` (branched at ``branch``) would report them.
    """
    tb = tables(sc)
    n = len(runs)
    steps = tb.steps
    P = np.zeros(n, dtype=tb.dtype)
    P_after = np.zeros(n, dtype=tb.dtype)
    branch_at = np.full(n, steps + 1, dtype=np.int64)
    keys = np.zeros((n, len(cc.STREAMS)), dtype=np.uint64)
    plans = np.zeros((n, steps + 1), dtype=np.int64)
    cutoff = np.zeros(n, dtype=np.int64)
    made: dict[tuple, np.ndarray] = {}  # runs of one batch mostly share a few strategies

    def plan_of(values: Mapping[str, Any]) -> np.ndarray:
        what = tuple(values.get(x) for x in ("strategy", "switch_date", "path", "hold_last"))
        if what not in made:
            made[what] = _plan(tb, values)
        return made[what]

    for r, (seed, params, branch, branch_params) in enumerate(runs):
        before = {**sc.values, **sc.check_overrides(params or {})}
        after = {**before, **sc.check_overrides(branch_params or {})} if branch is not None \
            else before
        P[r] = _record(tb, before)
        P_after[r] = _record(tb, after)
        for j, name in enumerate(cc.STREAMS):
            keys[r, j] = stream_key(seed, name)
        plans[r] = plan_of(before)
        if branch is not None:
            branch_at[r] = int(branch)
            plans[r, branch + 1:] = plan_of(after)[branch + 1:]
        cutoff[r] = month_index(*parse_month(after["cutoff"])) - tb.start_month
    series = np.zeros((n, cc.N_SERIES, steps + 1))
    finals = np.zeros((n, cc.N_FINALS))
    cc.run_batch(P, P_after, branch_at, keys, plans, tb.prog_rules, tb.rule_code, tb.rule_do,
                 tb.rule_set, tb.ops, tb.args, tb.events, tb.sit_step, tb.sit_which,
                 tb.sit_strength, tb.start_month, steps, cutoff, series, finals)
    out = []
    for r in range(n):
        s = {name: series[r, j] for j, name in enumerate(tb.series_names)}
        f: dict[str, Any] = {name: float(series[r, j, steps])
                             for j, name in enumerate(tb.series_names)}
        for j, name in enumerate(tb.final_names):
            v = finals[r, j]
            f[name] = int(v) if name not in _FLOAT_FINALS else float(v)
        out.append((s, f))
    return out


_FLOAT_FINALS = {"lenin_enrollment", "cadre_peak", "democracy_index", "consolidation_index"}

