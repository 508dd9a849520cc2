"""Scenario discovery: under which conditions does a strategy avoid the outcome?

Runs are drawn over the priors of the objective conditions (a scrambled
Sobol sequence, one seed shared by all points), and PRIM (Friedman & Fisher
1999) peels the box of conditions where the good outcome is densest: at each
step it trims a small slice off the low or high end of one dimension, the
slice whose removal raises the share of good runs most, until the box holds
too few runs. Every box on the way trades coverage (the share of all good
runs it contains) for density (the share of its runs that are good); the
reported box is the most covering one that reaches the requested density,
stated in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import qmc

from inevitable.errors import InputError
from inevitable.experiments.design import factors, to_params
from inevitable.experiments.predictive import draws
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import as_scenario, sweep


@dataclass
class Box:
    limits: dict[str, tuple[float, float]]  # only the restricted dimensions
    density: float  # share of runs in the box with the good outcome
    coverage: float  # share of all good runs that are in the box
    mass: float  # share of all runs in the box

    def describe(self, outcome_words: str, names: dict[str, str] | None = None) -> str:
        names = names or {}
        parts = []
        for dim, (lo, hi) in self.limits.items():
            label = names.get(dim, dim)
            if np.isfinite(lo) and np.isfinite(hi):
                parts.append(f"{label} between {lo:.3g} and {hi:.3g}")
            elif np.isfinite(lo):
                parts.append(f"{label} > {lo:.3g}")
            else:
                parts.append(f"{label} < {hi:.3g}")
        where = " and ".join(parts) if parts else "anywhere in the prior"
        return (f"{outcome_words} in {self.density:.0%} of runs where {where}; these runs "
                f"are {self.mass:.0%} of the prior and hold {self.coverage:.0%} of all such "
                "runs")


@dataclass
class Peeling:
    boxes: list[Box]
    chosen: Box


def prim(X: np.ndarray, y: np.ndarray, names: list[str], *, alpha: float = 0.05,
         min_mass: float = 0.05, threshold: float | None = None) -> Peeling:
    """Peel a box towards high mean of binary ``y``; return the trajectory and a choice.

    ``threshold``: the density the chosen box must reach (default: halfway
    between the overall share and 1).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    total_good = y.sum()
    if total_good == 0:
        raise InputError("no run has the good outcome: nothing to discover")
    inside = np.ones(n, dtype=bool)
    lo = np.full(d, -np.inf)
    hi = np.full(d, np.inf)

    def box_now() -> Box:
        limits = {names[j]: (lo[j], hi[j]) for j in range(d)
                  if np.isfinite(lo[j]) or np.isfinite(hi[j])}
        m = inside.sum()
        return Box(limits, float(y[inside].mean()), float(y[inside].sum() / total_good),
                   float(m / n))

    boxes = [box_now()]
    while inside.sum() / n > min_mass:
        best = None
        for j in range(d):
            xs = X[inside, j]
            for side in (0, 1):
                q = np.quantile(xs, alpha if side == 0 else 1 - alpha)
                keep = inside & ((X[:, j] >= q) if side == 0 else (X[:, j] <= q))
                removed = inside.sum() - keep.sum()
                if removed == 0 or keep.sum() / n < min_mass:
                    continue
                score = y[keep].mean()
                if best is None or score > best[0]:
                    best = (score, j, side, q, keep)
        if best is None or best[0] <= y[inside].mean():
            break
        _, j, side, q, keep = best
        if side == 0:
            lo[j] = q
        else:
            hi[j] = q
        inside = keep
        boxes.append(box_now())
    goal = threshold if threshold is not None else (y.mean() + 1.0) / 2
    good = [b for b in boxes if b.density >= goal]
    chosen = max(good, key=lambda b: b.coverage) if good else max(boxes, key=lambda b: b.density)
    return Peeling(boxes, chosen)


@dataclass
class Discovery:
    scenario: str
    strategy: str | None
    theory: str | None
    outcome: str
    runs: int
    overall: float
    peeling: Peeling
    words: str
    X: np.ndarray = field(repr=False, default=None)
    y: np.ndarray = field(repr=False, default=None)
    computed: int = 0
    reused: int = 0

    def to_dict(self) -> dict[str, Any]:
        b = self.peeling.chosen
        return {"scenario": self.scenario, "strategy": self.strategy, "theory": self.theory,
                "outcome": self.outcome, "runs": self.runs, "overall_share": self.overall,
                "box": {k: list(v) for k, v in b.limits.items()}, "density": b.density,
                "coverage": b.coverage, "mass": b.mass, "in_words": self.words,
                "trajectory": [{"density": x.density, "coverage": x.coverage, "mass": x.mass}
                               for x in self.peeling.boxes]}


def discover(
    scenario,
    params: list[str],
    *,
    strategy: str | None = None,
    theory: str | None = None,
    outcome: str | None = None,
    avoid: bool = True,
    samples: int = 512,
    seed: int = 0,
    threshold: float | None = None,
    backend=None,
    workers: int | None = None,
    scheduler: str | None = None,
    store=None,
    progress: bool | str = True,
    posterior=None,
) -> Discovery:
    """Where over the priors of ``params`` does ``strategy`` avoid ``outcome``?

    With a ``posterior``, the other parameters of each run are drawn from it
    (posterior predictive), so the boxes are found against the record-
    constrained background rather than the scenario's point values.
    """
    sc = as_scenario(scenario)
    if samples < 16:
        raise InputError("must be at least 16", "--samples")
    fs = factors(sc, params, None)
    outcome = outcome or (next(iter(sc.spec.outcomes.values())).final if sc.spec.outcomes
                          else None)
    if outcome is None:
        raise InputError("give the outcome to study", "--outcome")
    U = qmc.Sobol(len(fs), scramble=True, seed=seed).random(samples)
    fixed = sc.check_overrides({**({"strategy": strategy} if strategy else {}),
                                **({"theory": theory} if theory else {})})
    background = (draws(posterior, theory, samples, seed) if posterior is not None
                  else [{}] * samples)
    specs = [RunSpec(params={**fixed, **background[i], **to_params(sc, fs, u)}, seed=seed + i)
             for i, u in enumerate(U)]
    res = sweep(sc, specs, backend=backend, workers=workers, scheduler=scheduler, store=store,
                progress=progress, label="discover")
    if outcome not in res.finals[0]:
        raise InputError(f"no outcome '{outcome}'", "--outcome")
    raw = np.array([float(f[outcome]) for f in res.finals])
    if not np.all((raw == 0) | (raw == 1)):
        raise InputError(f"outcome '{outcome}' is not a yes/no outcome", "--outcome")
    y = 1.0 - raw if avoid else raw
    X = np.array([[s.params[f.name] for f in fs] for s in specs], dtype=float)
    peel = prim(X, y, [f.name for f in fs], threshold=threshold)
    verb = f"'{outcome}' avoided" if avoid else f"'{outcome}'"
    who = f" under strategy {strategy}" if strategy else ""
    words = peel.chosen.describe(verb + who)
    return Discovery(sc.name, strategy, theory, outcome, len(specs), float(y.mean()), peel,
                     words, X, y, res.computed, res.reused)
