"""Which parameters the record can inform: a screen run before a calibration.

A calibration that perturbs a handful of chosen parameters and draws the
rest fresh from their priors leaves those others almost as wide as their
priors: the particles keep whatever values happened to pass. Choosing what
to calibrate by hand misses parameters whose effect on the fit nobody
guessed. This screen asks the model instead. It runs ``runs`` draws of
every uncertain parameter from its prior (theories in turn, one seed each:
a random-balance design) and measures each run against the record as the
calibration will: every target's standardised error, and their RMS.

A parameter is scored by how much of the record it moves: the rank
correlation (Spearman) of its values with each target's error, squared and
summed over the targets, less what independence gives by chance (1/(n-1)
a target). Summing over targets gives each target a voice. Ranking on the
RMS alone would let the few targets with the largest errors, which no
parameter may reach, decide what is calibrated, and miss a parameter that
settles, say, the month of the expulsion. The correlation with the RMS is
reported beside the score.

Rank correlation sees monotone effects only, and interactions not at all.
A parameter counts as significant when one of its correlations passes the
95% bound of independence, Bonferroni-corrected for the number of targets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import stats

from inevitable.errors import InputError
from inevitable.experiments import targets as tg
from inevitable.experiments.averaged import prior_draws, uncertain
from inevitable.experiments.compare import theories_of
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import sweep
from inevitable.scenarios.loader import Scenario


@dataclass(frozen=True)
class Ranked:
    name: str
    score: float  # excess squared rank correlation with the targets' errors, summed
    rho: float  # Spearman rank correlation of the value with the RMS distance
    target: str | None  # the target it moves most
    significant: bool  # some |rho| beyond the Bonferroni-corrected 95% bound


@dataclass(frozen=True)
class FitScreen:
    runs: int
    bound: float
    ranked: list[Ranked]  # largest |rho| first
    # the runs behind the ranking, for the calibration's target weights (:mod:`.distance`)
    values: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    errors: np.ndarray | None = field(default=None, repr=False, compare=False)
    deviations: np.ndarray | None = field(default=None, repr=False, compare=False)
    targets: tuple[str | None, ...] = ()

    def top(self, k: int) -> list[str]:
        return [r.name for r in self.ranked[:k]]

    def to_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "bound": self.bound,
                "columns": ["parameter", "score", "rho_distance", "target", "significant"],
                "ranked": [[r.name, round(r.score, 4), round(r.rho, 4), r.target,
                            r.significant] for r in self.ranked]}


def _finite(a: np.ndarray) -> np.ndarray:
    """A run that could not compute a value is infinitely far: rank it last, not out."""
    a = np.asarray(a, dtype=float)
    ok = np.isfinite(a)
    return np.where(ok, a, (np.max(np.abs(a[ok])) * 10 + 1) if ok.any() else 1.0)


def _rho(x: np.ndarray, y: np.ndarray) -> float:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(stats.spearmanr(x, y)[0])


def rank(values: Mapping[str, np.ndarray], distance: np.ndarray,
         errors: np.ndarray | None = None, names: Sequence[str] | None = None) -> FitScreen:
    """Parameters ordered by how much of the record's errors they move (see module doc).

    ``errors``: (runs, targets) standardised errors, ``names`` their targets;
    without them the distance is the only target.
    """
    d = _finite(distance)
    n = len(d)
    cols = _finite(errors) if errors is not None else d[:, None]
    labels = list(names) if names is not None else [None] * cols.shape[1]
    chance = 1.0 / max(n - 1, 1)
    bound = stats.norm.ppf(1 - 0.025 / cols.shape[1]) / math.sqrt(max(n - 1, 1))
    out = []
    for name, x in values.items():
        x = np.asarray(x, dtype=float)
        r = np.array([_rho(x, cols[:, j]) for j in range(cols.shape[1])])
        j = int(np.argmax(np.abs(r)))
        out.append(Ranked(name, float(np.sum(np.maximum(r ** 2 - chance, 0.0))), _rho(x, d),
                          labels[j], bool(abs(r[j]) > bound)))
    out.sort(key=lambda q: (-q.score, q.name))
    return FitScreen(n, float(bound), out, {k: np.asarray(v, dtype=float)
                                            for k, v in values.items()}, cols, tuple(labels))


def screen_fit(sc: Scenario, runs: int, *, seed: int = 0,
               theories: Sequence[str | None] | None = None,
               fixed: Mapping[str, Any] | None = None,
               targets: Sequence[tg.Target] | None = None,
               backend=None, store=None, progress: bool | str = True) -> FitScreen:
    """Run ``runs`` prior draws and rank every uncertain parameter by its pull on the fit."""
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 20:
        raise InputError(f"must be a whole number, at least 20; got {runs!r}", "--screen-runs")
    chosen = list(targets) if targets is not None else tg.select(sc)
    names = uncertain(sc, None, fixed)
    if not names:
        raise InputError(f"scenario '{sc.name}' has no uncertain parameters to screen",
                         "--screen")
    ths = list(theories) if theories else theories_of(sc)
    # theories in turn, each theory's draws in one block (one generator per theory)
    blocks = {t: iter(prior_draws(sc, names, len(range(j, runs, len(ths))), seed, 0, t))
              for j, t in enumerate(ths)}
    specs = []
    drawn: dict[str, list[float]] = {n: [] for n in names}
    for i in range(runs):
        theory = ths[i % len(ths)]
        params = next(blocks[theory])
        for n in names:
            drawn[n].append(float(params[n]))
        specs.append(RunSpec(params={**dict(fixed or {}), **params,
                                     **({"theory": theory} if theory else {})},
                             seed=seed * 1_000_003 + i))
    probe_names = tg.probes(chosen)
    res = sweep(sc, specs, backend=backend, store=store, probes=probe_names, progress=progress,
                label="calibrate: screening the parameters")
    values = [tg.simulated(chosen, f, probe_names, pv)
              for f, pv in zip(res.finals, res.probes or [()] * len(specs), strict=True)]
    errs = np.array([tg.errors(chosen, v) for v in values],
                    dtype=float).reshape(len(specs), len(chosen))
    devs = np.array([[t.deviation(x) for t, x in zip(chosen, v, strict=True)] for v in values],
                    dtype=float).reshape(len(specs), len(chosen))
    dist = np.array([tg.rms(list(e)) for e in errs])
    fs = rank({n: np.array(v) for n, v in drawn.items()}, dist, errs, [t.id for t in chosen])
    return replace(fs, deviations=_finite(devs))
