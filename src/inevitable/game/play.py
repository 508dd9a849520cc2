"""Play the Opposition: choose its move at each juncture and see the odds move.

The game is data in the scenario (its ``play`` section: junctures and
moves). A game is (scenario, theory, seed, reps) plus the moves chosen so
far, so it needs no server-side state: the same inputs give the same odds,
bit for bit, and a permalink that carries them replays a game exactly.

At juncture *i* the ensemble is ``reps`` seeds. Each seed's history runs
under the moves already chosen up to the juncture's month, is snapshotted
there, and two arms run on from the snapshot: the Opposition doing what it
did historically from here on, and the player's move held from here on (if
the Opposition committed to it). The difference between the arms is paired
seed by seed, so it shows what the move changed and nothing else. In the
finished game each move holds from its juncture to the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np

from inevitable.errors import InputError
from inevitable.experiments.compare import pick_theories
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.stats import Estimate, estimate, paired_difference
from inevitable.experiments.sweep import as_scenario, sweep
from inevitable.mechanisms.soviet.strategy import HISTORICAL_MOVE, parse_path
from inevitable.scenarios.loader import Scenario

MAX_REPS = 400


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    doc: str
    do: dict[str, float]
    source: str | None = None


@dataclass(frozen=True)
class Juncture:
    index: int
    month: str
    step: int
    title: str
    situation: str
    source: str
    moves: tuple[str, ...]  # offered, "historical" first


@dataclass(frozen=True)
class Game:
    """One game's settings; the moves chosen are passed to each call."""

    scenario: Scenario = field(repr=False)
    theory: str | None
    seed: int
    reps: int
    outcome: str
    junctures: tuple[Juncture, ...]
    moves: dict[str, Move] = field(repr=False)

    def check(self, path: list[str] | tuple[str, ...]) -> list[str]:
        """The path, checked: known moves, offered where they are played."""
        try:
            return parse_path(",".join(path), self.scenario.sim_data.get("play"))
        except InputError as exc:
            raise InputError(exc.message, "moves") from None

    def permalink(self, path: list[str] | tuple[str, ...]) -> dict[str, Any]:
        """Everything that replays this game exactly (as URL query parameters)."""
        return {"scenario": self.scenario.name, "theory": self.theory, "seed": self.seed,
                "reps": self.reps, "moves": ",".join(path)}

    def permalink_url(self, path: list[str] | tuple[str, ...]) -> str:
        """The web page that replays this game: ``/play?scenario=...&moves=...``."""
        query = {k: v for k, v in self.permalink(path).items() if v is not None}
        return "/play?" + urlencode(query, safe=",")

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name, "title": self.scenario.title,
            "theory": self.theory, "seed": self.seed, "reps": self.reps,
            "outcome": self.outcome,
            "outcome_doc": self.scenario.spec.outcomes[self.outcome].doc,
            "junctures": [{"index": j.index, "month": j.month, "title": j.title,
                           "situation": j.situation, "source": j.source,
                           "moves": list(j.moves)} for j in self.junctures],
            "moves": {m.name: {"label": m.label, "doc": m.doc, "do": m.do,
                               "source": m.source} for m in self.moves.values()},
        }


def game(scenario: Scenario | str = "soviet-1923", theory: str | None = "C", seed: int = 0,
         reps: int | None = None) -> Game:
    """Set up a game on a scenario with a ``play`` section."""
    sc = as_scenario(scenario)
    play = sc.spec.play
    if play is None:
        raise InputError(f"scenario '{sc.name}' has no game (no 'play' section)")
    try:
        (theory,) = pick_theories(sc, [theory] if theory else None)[:1]
    except InputError as exc:
        raise InputError(exc.message, "theory") from None
    reps = play.reps if reps is None else reps
    if isinstance(reps, bool) or not isinstance(reps, int) or not 4 <= reps <= MAX_REPS:
        raise InputError(f"must be a whole number from 4 to {MAX_REPS}, got {reps!r}", "reps")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise InputError(f"must be a whole number from 0 to {2**31 - 1}, got {seed!r}", "seed")
    moves = {HISTORICAL_MOVE: Move(HISTORICAL_MOVE, "As it happened",
                                   "What the Opposition actually did from here (the "
                                   "strategy 'historical').", {})}
    moves.update({n: Move(n, m.label, m.doc, dict(m.do), m.source)
                  for n, m in play.moves.items()})
    junctures = []
    for i, j in enumerate(play.junctures):
        step = sc.timeline.step_of(j.month, f"play: junctures: {i}: month")
        offered = (HISTORICAL_MOVE, *(j.moves or play.moves))
        junctures.append(Juncture(i, sc.timeline.label(step), step, j.title,
                                  " ".join(j.situation.split()), j.source, tuple(offered)))
    return Game(sc, theory, int(seed), int(reps), sc.spec.outcomes[play.outcome].final,
                tuple(junctures), moves)


@dataclass
class Turn:
    """The odds at one juncture: with history's course from here, and with the move held."""

    juncture: int
    move: str
    before: Estimate
    after: Estimate
    change: Estimate  # after - before, paired by seed

    def to_dict(self) -> dict[str, Any]:
        return {"juncture": self.juncture, "move": self.move, "before": self.before.to_dict(),
                "after": self.after.to_dict(), "change": self.change.to_dict()}


def _params(g: Game, path: list[str]) -> dict[str, Any]:
    return {**({"theory": g.theory} if g.theory else {}), "path": ",".join(path)}


def turn(g: Game, path: list[str], **run_options) -> Turn:
    """Play the last move of ``path`` at its juncture; the earlier moves stand."""
    path = g.check(path)
    if not path:
        raise InputError("give at least one move", "moves")
    i = len(path) - 1
    j = g.junctures[i]
    seeds = range(g.seed, g.seed + g.reps)
    specs = [RunSpec(params=_params(g, path[:i]), seed=s, branch=j.step,
                     branch_params=arm)
             for arm in ({}, {"path": ",".join(path), "hold_last": True}) for s in seeds]
    res = sweep(g.scenario, specs, label=f"juncture {i + 1}", **_options(run_options))
    values = np.array([float(r[g.outcome]) for r in res.finals]).reshape(2, g.reps)
    change, _ = paired_difference(values[1], values[0])
    return Turn(i, path[i], estimate(values[0]), estimate(values[1]), change)


@dataclass
class Summary:
    """A finished game: the player's path against history's and the best one found."""

    path: list[str]
    yours: Estimate
    historical: Estimate
    best_path: list[str]
    best: Estimate
    best_from: str
    versus_historical: Estimate  # yours - historical, paired
    measured: dict[str, tuple[list[str], Estimate]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "yours": self.yours.to_dict(),
                "measured": {label: {"moves": moves, **e.to_dict()}
                             for label, (moves, e) in self.measured.items()},
                "historical": self.historical.to_dict(), "best_path": self.best_path,
                "best": self.best.to_dict(), "best_from": self.best_from,
                "versus_historical": self.versus_historical.to_dict()}


def candidate_paths(g: Game) -> dict[str, list[str]]:
    """Paths every game is measured against: history's, and Marot's course throughout."""
    n = len(g.junctures)
    out = {"history's path": [HISTORICAL_MOVE] * n}
    if "class-struggle" in g.moves:
        out["the class-struggle move at every juncture"] = [
            "class-struggle" if "class-struggle" in j.moves else HISTORICAL_MOVE
            for j in g.junctures]
    return out


def summary(g: Game, path: list[str], others: dict[str, list[str]] | None = None,
            **run_options) -> Summary:
    """Measure a complete path against history's and the best of ``others`` (other games'
    paths, say) and :func:`candidate_paths`, all on this game's seeds."""
    path = g.check(path)
    if len(path) != len(g.junctures):
        raise InputError(f"a finished game has {len(g.junctures)} moves, got {len(path)}",
                         "moves")
    pool = {"your path": path, **candidate_paths(g)}
    for label, other in (others or {}).items():
        try:
            pool.setdefault(label, g.check(other))
        except InputError:
            continue  # a stored path the game no longer offers
    labels = list(pool)
    seeds = range(g.seed, g.seed + g.reps)
    specs = [RunSpec(params=_params(g, pool[name]), seed=s) for name in labels for s in seeds]
    res = sweep(g.scenario, specs, label="your path and others", **_options(run_options))
    values = np.array([float(r[g.outcome]) for r in res.finals]).reshape(len(labels), g.reps)
    means = values.mean(axis=1)
    best = min(range(len(labels)), key=lambda k: (means[k], k))
    hist = labels.index("history's path")
    diff, _ = paired_difference(values[0], values[hist])
    measured = {name: (list(pool[name]), estimate(values[k])) for k, name in enumerate(labels)}
    return Summary(path, estimate(values[0]), estimate(values[hist]), list(pool[labels[best]]),
                   estimate(values[best]), labels[best], diff, measured)


def _options(run_options: dict[str, Any]) -> dict[str, Any]:
    allowed = {"backend", "workers", "scheduler", "store", "progress"}
    extra = set(run_options) - allowed
    if extra:
        raise TypeError(f"unexpected option {sorted(extra)[0]!r}")
    return {"progress": False, **run_options}
