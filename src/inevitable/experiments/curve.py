"""The inevitability curve: when, if ever, did the outcome become unavoidable?

For each branch date t and theory, the history runs up to t under the base
(historical) strategy once per seed, is snapshotted, and every strategy of
the set is run from the snapshot. Inevitability at t is one minus the best
strategy's chance of avoiding the outcome.

Picking the best of several noisy estimates and reporting its own estimate
overstates it (the winner's curse). So the seeds are split in two: the best
strategy is chosen on the even seeds and its chance is measured on the odd
ones, which played no part in choosing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from inevitable.errors import InputError
from inevitable.experiments.compare import pick_strategies, pick_theories, strategies_of
from inevitable.experiments.predictive import draws
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.stats import Estimate, share
from inevitable.experiments.sweep import as_scenario, sweep
from inevitable.scenarios.loader import Scenario


@dataclass
class CurvePoint:
    theory: str | None
    branch: str
    step: int
    best: str
    inevitability: Estimate  # 1 - P(avoid) of the best strategy, held-out seeds
    avoid: dict[str, Estimate]  # every strategy's P(avoid), held-out seeds
    avoid_selection: dict[str, float]  # every strategy's P(avoid), selection seeds


@dataclass
class Curve:
    scenario: str
    outcome: str
    base: str
    strategies: list[str]
    selection_seeds: list[int]
    evaluation_seeds: list[int]
    points: list[CurvePoint]
    outcomes: dict[tuple, np.ndarray] = field(default_factory=dict, repr=False)
    computed: int = 0
    reused: int = 0

    def for_theory(self, theory: str | None) -> list[CurvePoint]:
        return [p for p in self.points if p.theory == theory]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "outcome": self.outcome, "base": self.base,
            "strategies": self.strategies,
            "selection_seeds": len(self.selection_seeds),
            "evaluation_seeds": len(self.evaluation_seeds),
            "points": [{"theory": p.theory, "branch": p.branch, "best": p.best,
                        "inevitability": p.inevitability.to_dict(),
                        "avoid": {s: e.to_dict() for s, e in p.avoid.items()}}
                       for p in self.points],
        }

    def table(self):
        from rich.table import Table

        t = Table(title=f"{self.scenario}: inevitability of '{self.outcome}' (1 - best "
                        f"strategy's chance of avoiding it; best chosen on "
                        f"{len(self.selection_seeds)} seeds, measured on "
                        f"{len(self.evaluation_seeds)} others)")
        for col in ("theory", "branch", "best strategy", "inevitability", "95% interval"):
            t.add_column(col, justify="right" if col in ("inevitability", "95% interval")
                         else "left")
        for p in self.points:
            e = p.inevitability
            t.add_row(p.theory or "-", p.branch, p.best, f"{e.value:.2f}",
                      f"[{e.low:.2f}, {e.high:.2f}]")
        return t


def branch_steps(sc: Scenario, branches) -> list[tuple[str, int]]:
    out = []
    for b in branches:
        step = sc.timeline.step_of(b, "--branches")
        if not 0 <= step < sc.timeline.steps:
            raise InputError(f"branch '{b}' lies outside {sc.timeline.label(0)}.."
                             f"{sc.timeline.label(sc.timeline.steps - 1)}", "--branches")
        out.append((sc.timeline.label(step), step))
    return out


def curve(
    scenario: Scenario | str,
    branches: list[str | int] | None = None,
    strategies: list[str] | None = None,
    theories: list[str] | str | None = None,
    reps: int = 200,
    seed: int = 0,
    *,
    outcome: str | None = None,
    base: str | None = None,
    params: dict[str, Any] | None = None,
    backend=None,
    workers: int | None = None,
    scheduler: str | None = None,
    store=None,
    progress: bool | str = True,
    posterior=None,
) -> Curve:
    """Inevitability per branch date and theory, with held-out intervals.

    With a ``posterior``, each seed's history and branches run with a
    parameter set drawn from it for that theory (posterior predictive).
    """
    sc = as_scenario(scenario)
    if reps < 4:
        raise InputError("must be at least 4 (half select, half measure)", "--reps")
    known = strategies_of(sc)
    strategies = pick_strategies(sc, strategies)
    base = base or ("historical" if "historical" in known else known[0])
    if base not in known:
        raise InputError(f"unknown base strategy '{base}'", "--base")
    theories = pick_theories(sc, theories)
    outcome = outcome or (next(iter(sc.spec.outcomes.values())).final if sc.spec.outcomes
                          else None)
    if outcome is None:
        raise InputError(f"scenario '{sc.name}' declares no outcomes; give one", "--outcome")
    if branches is None:
        n = sc.timeline.steps
        branches = sorted({round(i * 0.7 * n / 7) for i in range(8)})
    points_at = branch_steps(sc, branches)
    fixed = sc.check_overrides(params or {})
    seeds = list(range(seed, seed + reps))
    selection, evaluation = seeds[0::2], seeds[1::2]
    cells = list(product(theories, points_at, strategies))
    drawn = {t: (draws(posterior, t, reps, seed) if posterior is not None else [{}] * reps)
             for t in theories}
    specs = [RunSpec(params={**fixed, **drawn[t][k], **({"theory": t} if t else {}),
                             "strategy": base},
                     seed=i, branch=step, branch_params={"strategy": s})
             for t, (_, step), s in cells for k, i in enumerate(seeds)]
    res = sweep(sc, specs, backend=backend, workers=workers, scheduler=scheduler,
                store=store, progress=progress, label="curve")
    if outcome not in res.finals[0]:
        raise InputError(f"no outcome '{outcome}' (available: {', '.join(res.finals[0])})",
                         "--outcome")
    values: dict[tuple, np.ndarray] = {}
    for j, (t, (label, _), s) in enumerate(cells):
        rows = res.finals[j * reps:(j + 1) * reps]
        values[(t, label, s)] = np.array([float(r[outcome]) for r in rows])
    points = []
    sel_idx = np.arange(0, reps, 2)
    eval_idx = np.arange(1, reps, 2)
    for t, (label, step) in product(theories, points_at):
        avoided = {s: 1.0 - values[(t, label, s)] for s in strategies}
        chosen = {s: float(v[sel_idx].mean()) for s, v in avoided.items()}
        best = max(strategies, key=lambda s: (chosen[s], -strategies.index(s)))
        measured = {s: share(int(v[eval_idx].sum()), len(eval_idx)) for s, v in avoided.items()}
        e = measured[best]
        points.append(CurvePoint(t, label, step, best, Estimate(1 - e.value, 1 - e.high,
                                                                1 - e.low, e.n),
                                 measured, chosen))
    return Curve(scenario=sc.name, outcome=outcome, base=base, strategies=strategies,
                 selection_seeds=selection, evaluation_seeds=evaluation, points=points,
                 outcomes=values, computed=res.computed, reused=res.reused)
