"""The Opposition's strategy: each month, rules map what it sees to what it does.

Strategies are data in the scenario file (``strategies:``), written in the
rule language of :mod:`inevitable.scenarios.rules`. A strategy is either a
list of rules, or a switch: one strategy before a month, another from it on.
A game path (the parameter ``path``: one move per juncture of the
scenario's ``play`` section) overrides the strategy from each juncture to
the next with the move chosen there; the move ``historical`` leaves the
strategy in charge. What the strategy chooses is what every mechanism
sees, under every theory: the null (N) keeps the Opposition's meetings,
signatures, breaches and bloc, and cuts only their effect on workers'
sympathy and fear (in ``mobilisation``).

Dated rules ("month >= 1927-11") are what the record says the Opposition
did, and the record's dates are not exact to the month, nor is the model's
calendar of the same events. ``move_shift`` moves every dated condition of
a run by a whole number of months, so a finding that rests on the exact date
of a move shows up as sensitivity to it instead of hiding in a default.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.engine.timeline import month_index, parse_month
from inevitable.errors import InputError
from inevitable.mechanisms.soviet import common as k
from inevitable.scenarios.rules import apply_rules, compile_rules

THEORY = k.THEORY


def _compile(name: str, strategies: dict, seen: tuple = ()) -> Any:
    """A strategy name -> a function of (observables, month index) -> levels."""
    if name not in strategies:
        raise InputError(f"unknown strategy '{name}' (defined: {', '.join(sorted(strategies))})")
    if name in seen:
        raise InputError(f"strategy '{name}' refers to itself through {' -> '.join(seen)}")
    spec = strategies[name]
    if not isinstance(spec, dict):
        raise InputError(f"strategy '{name}' must be a mapping")
    allowed = {"doc", "source", "rules", "extends", "before", "after", "at"}
    extra = set(spec) - allowed
    if extra:
        raise InputError(f"strategy '{name}': unknown field '{sorted(extra)[0]}' "
                         f"(allowed: {', '.join(sorted(allowed))})")
    if "rules" in spec:
        if any(x in spec for x in ("before", "after", "at")):
            raise InputError(f"strategy '{name}' has both 'rules' and a switch")
        if not isinstance(spec["rules"], list):
            raise InputError(f"strategy '{name}': 'rules' must be a list")
        raw = inherited_rules(name, strategies, seen) + spec["rules"]
        try:
            rules = compile_rules(raw, set(k.OBSERVABLES), set(k.ACTIONS))
        except InputError as exc:
            raise InputError(f"strategy '{name}': {exc}") from None
        return lambda obs, at_param: apply_rules(rules, obs, list(k.ACTIONS))
    if not all(x in spec for x in ("before", "after", "at")):
        raise InputError(f"strategy '{name}' needs 'rules', or 'before', 'after' and 'at'")
    first = _compile(spec["before"], strategies, (*seen, name))
    then = _compile(spec["after"], strategies, (*seen, name))
    at = spec["at"]

    def switched(obs, at_param):
        when = at_param if at == "switch_date" else at
        switch_month = month_index(*parse_month(when, f"strategy '{name}'"))
        # a switch is an experiment's setting, on the true calendar (never shifted)
        return (then if obs[TRUE_MONTH] >= switch_month else first)(obs, at_param)

    if at != "switch_date":
        parse_month(at, f"strategy '{name}': at")
    return switched


TRUE_MONTH = "_true_month"  # the unshifted month, for switches and game junctures


def shift_months(shift: float) -> int:
    """``move_shift`` in whole months (half months round up, the same in compiled code)."""
    return math.floor(shift + 0.5)


def rule_view(obs: dict[str, float], shift: int) -> dict[str, float]:
    """What dated rules see: the calendar moved back by ``shift`` months.

    A rule dated 1927-11 then holds from 1927-11 + shift on the true calendar.
    """
    out = dict(obs)
    out[TRUE_MONTH] = obs["month"]
    if shift:
        month = obs["month"] - shift
        out["month"], out["year"], out["t"] = month, float(month // 12), obs["t"] - shift
    return out


def inherited_rules(name: str, strategies: dict, seen: tuple) -> list:
    """The rules of the strategy ``name`` extends (its own rules come after them)."""
    base = strategies[name].get("extends")
    if base is None:
        return []
    if base not in strategies or "rules" not in strategies.get(base, {}):
        raise InputError(f"strategy '{name}' extends '{base}', which is not a rule strategy")
    if base in (*seen, name):
        raise InputError(f"strategy '{name}' extends itself through '{base}'")
    return inherited_rules(base, strategies, (*seen, name)) + list(strategies[base]["rules"])


HISTORICAL_MOVE = "historical"  # the game's move "as it happened": the strategy decides


def move_at(junctures: list[int] | tuple[int, ...], path: list[str], hold_last: bool,
            month: float) -> str | None:
    """The game move in force in ``month`` (a month index), or None where the strategy decides.

    A move holds from its juncture to the next one; with ``hold_last`` the
    path's last move holds to the end of the run.
    """
    current = None
    for i, m in enumerate(junctures):
        if m <= month:
            current = i
    if hold_last and path and current is not None:
        current = min(current, len(path) - 1)
    if current is None or current >= len(path) or path[current] == HISTORICAL_MOVE:
        return None
    return path[current]


def compile_play(play: dict | None, timeline_start: str | None) -> tuple[list[int], dict]:
    """The game's juncture months (month indices, increasing) and its moves' levels.

    Raises :class:`InputError` naming the juncture or move that is wrong.
    """
    if not play:
        return [], {}
    moves: dict[str, dict[str, float]] = {}
    for name, move in play["moves"].items():
        if name == HISTORICAL_MOVE:
            raise InputError(f"'{HISTORICAL_MOVE}' is the built-in move (what the strategy "
                             "does); give this move another name", f"play: moves: {name}")
        try:
            (rule,) = compile_rules([{"do": move["do"]}], set(k.OBSERVABLES), set(k.ACTIONS))
        except InputError as exc:
            raise InputError(str(exc).removeprefix("rule 0: "),
                             f"play: moves: {name}: do") from None
        moves[name] = rule.do
    months: list[int] = []
    start = month_index(*parse_month(timeline_start)) if timeline_start else None
    for i, j in enumerate(play["junctures"]):
        where = f"play: junctures: {i}"
        m = month_index(*parse_month(j["month"], f"{where}: month"))
        if months and m <= months[-1]:
            raise InputError("junctures must come in order, one per month", f"{where}: month")
        if start is not None and m < start:
            raise InputError("before the scenario starts", f"{where}: month")
        for name in j.get("moves") or []:
            if name != HISTORICAL_MOVE and name not in moves:
                raise InputError(f"unknown move '{name}' (moves: {', '.join(moves)})",
                                 f"{where}: moves")
        months.append(m)
    return months, moves


def parse_path(path: str, play: dict | None) -> list[str]:
    """A game path, ``"historical,back-the-strikes,..."``, checked against the game."""
    if not path:
        return []
    if not play:
        raise InputError("this scenario has no game (no 'play' section) to follow a path in",
                         "parameter 'path'")
    moves = path.split(",")
    junctures = play["junctures"]
    if len(moves) > len(junctures):
        raise InputError(f"{len(moves)} moves for {len(junctures)} junctures",
                         "parameter 'path'")
    for i, name in enumerate(moves):
        offered = junctures[i].get("moves") or list(play["moves"])
        if name != HISTORICAL_MOVE and name not in offered:
            raise InputError(f"move {i + 1} ('{name}') is not offered at "
                             f"{junctures[i]['month']} (offered: "
                             f"{', '.join([HISTORICAL_MOVE, *offered])})", "parameter 'path'")
    return moves


@register
class Strategy(Mechanism):
    name = "strategy"
    claims = ("marot-strategy-shapes-forces",)
    params = {
        "strategy": Param("historical", "str",
                          doc="the Opposition's strategy, by name, from the scenario's "
                              "strategies", source="the scenario's strategies section"),
        "switch_date": Param("1924-01", "month",
                             doc="the month a switch strategy changes course",
                             source="experiment setting"),
        "path": Param("", "str",
                      doc="the game's moves, one per juncture of the scenario's 'play' "
                          "section, comma-separated; empty: the strategy alone",
                      source="experiment setting (the game 'play the Opposition')"),
        "hold_last": Param(False, "bool",
                           doc="the path's last move holds to the end of the run instead of "
                               "giving way to the strategy at the next juncture",
                           source="experiment setting (the game 'play the Opposition')"),
        "move_shift": Param(0.0, "float", unit="months", low=-12.0, high=12.0,
                            prior=Uniform(low=-2.5, high=2.5),
                            doc="every dated move of the strategy comes this many months later "
                                "(earlier if negative), rounded to whole months",
                            assumption=True,
                            source="date uncertainty of the recorded moves and of the "
                                   "model's calendar of them: an honest +-2 months, no measure"),
        "theory": THEORY,
    }
    series = {f"act_{a}": Output(f"level of the action '{a}' chosen this month")
              for a in k.ACTIONS}

    @classmethod
    def check_scenario(cls, spec, src, values) -> None:
        strategies = spec.model_dump(mode="json")["strategies"]
        for name in strategies:
            try:
                _compile(name, strategies)
            except InputError as exc:
                raise src.error(("strategies", name), str(exc)) from None
        play = spec.model_dump(mode="json").get("play")
        try:
            compile_play(play, spec.time.start)
            parse_path(values.get("path", ""), play)
        except InputError as exc:
            raise src.error(("play",), str(exc)) from None
        if values.get("strategy") not in strategies:
            raise src.error(("parameters", "strategy"),
                            f"unknown strategy '{values.get('strategy')}' "
                            f"(defined: {', '.join(sorted(strategies)) or 'none'})")

    def init(self, sim) -> None:
        strategies = sim.data.get("strategies", {})
        try:
            self.policy = _compile(self.p.strategy, strategies)
        except InputError as exc:
            raise InputError(str(exc), "parameter 'strategy'") from None
        play = sim.data.get("play")
        self.juncture_months, self.moves = compile_play(play, sim.timeline.start)
        self.path = parse_path(self.p.path, play)
        self.chosen = self.alloc("chosen", len(k.ACTIONS), np.float64)
        self.levels = self.alloc("levels", len(k.ACTIONS), np.float64)

    def step(self, sim) -> None:
        obs = k.observe(sim)
        chosen = self.policy(rule_view(obs, shift_months(self.p.move_shift)),
                             self.p.switch_date)
        move = self._move(obs["month"])
        if move is not None:
            chosen = {a: move.get(a, 0.0) for a in k.ACTIONS}
        self.chosen[:] = [chosen[a] for a in k.ACTIONS]
        self.levels[:] = self.chosen

    def _move(self, month: float) -> dict[str, float] | None:
        """The game move in force this month, or None where the strategy decides."""
        name = move_at(self.juncture_months, self.path, self.p.hold_last, month)
        return None if name is None else self.moves[name]

    def record(self, sim):
        return {f"act_{a}": float(self.chosen[i]) for i, a in enumerate(k.ACTIONS)}
