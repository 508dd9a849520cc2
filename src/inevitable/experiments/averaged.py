"""Posterior-predictive, model-averaged arms: every run carries all of its uncertainty.

A headline chance at the scenario's default parameters holds only luck. Here
each draw picks a theory (in proportion to the theory posterior), one of
that theory's posterior particles (by weight) for the calibrated parameters
and, when the calibration drew them, the nuisance parameters it ran with,
and every other parameter with a prior from its prior; the draw then runs
on ``k`` seeds. Every strategy runs on the same draws and seeds (common
random numbers), so two arms differ only through the strategy, and a paired
difference carries the parameter and theory uncertainty without the luck.

Runs are ordinary :class:`~inevitable.experiments.runs.RunSpec` objects with
per-run parameters, executed by :func:`~inevitable.experiments.sweep.sweep`,
so batching, stores and faster engines apply unchanged. Draws are numbered
globally, so more of them (a sequential batch) never repeat earlier seeds or
parameter sets, and a rerun of the same plan reuses stored runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inevitable.experiments.mixture import Mixture, allocate, mixture
from inevitable.experiments.predictive import draws as posterior_draws
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import sweep
from inevitable.scenarios.loader import Scenario

NOT_DRAWN = ("strategy", "theory")


@dataclass(frozen=True)
class Draw:
    """One theory and one parameter set, run on ``seeds``."""

    theory: str | None
    params: Mapping[str, Any]
    seeds: tuple[int, ...]


def uncertain(sc: Scenario, posterior=None, fixed: Mapping[str, Any] | None = None
              ) -> list[str]:
    """Parameters drawn from their priors: those with one, not in the posterior, not fixed.

    A posterior whose calibration drew the nuisance parameters carries their
    values in its particles, conditioned on the record, so they come from
    there; but only while the scenario's prior is the one they were drawn
    from (``Posterior.carries``): a replaced prior is drawn from instead.
    """
    calibrated = set(posterior.params) if posterior is not None else set()
    if posterior is not None:
        calibrated |= {n for n in getattr(posterior, "nuisance", ())
                       if n in sc.priors and posterior.carries(n, sc.priors[n])}
    held = set(fixed or {})
    return [n for n in sorted(sc.priors)
            if n not in calibrated and n not in held and n not in NOT_DRAWN]


def _tag(*parts: Any) -> int:
    text = "|".join(map(str, parts))
    return int(hashlib.blake2b(text.encode(), digest_size=4).hexdigest(), 16)


def prior_draws(sc: Scenario, names: Sequence[str], n: int, seed: int, start: int,
                theory: str | None, priors: Mapping[str, Any] | None = None
                ) -> list[dict[str, Any]]:
    """``n`` parameter sets from the priors (``priors`` replaces some of them)."""
    if not names or n == 0:
        return [{} for _ in range(n)]
    table = {**sc.priors, **(priors or {})}
    rng = np.random.default_rng([int(seed), int(start), _tag(theory), 0xA7])
    u = rng.random((n, len(names)))
    cols = {name: np.asarray(table[name].ppf(u[:, i]), dtype=float)
            for i, name in enumerate(names)}
    out = []
    for j in range(n):
        row: dict[str, Any] = {}
        for name in names:
            x = float(cols[name][j])
            row[name] = round(x) if sc.decls[name].kind == "int" else x
        out.append(sc.check_overrides(row, "prior"))
    return out


def plan(sc: Scenario, weights: Mapping[str | None, float], n_draws: int, *, seeds: int = 2,
         seed: int = 0, start: int = 0, posterior=None, fixed: Mapping[str, Any] | None = None,
         priors: Mapping[str, Any] | None = None, minimum: int = 2) -> list[Draw]:
    """Draws ``start .. start + n`` of a posterior-predictive design.

    ``weights``: the theory posterior (``{None: 1}`` for a scenario without
    theories). ``fixed`` parameters are held at their values in every draw;
    ``priors`` replaces the priors of some parameters (a sceptical prior),
    calibrated ones and those whose values the posterior's particles carry
    included.
    Draw ``i`` runs on seeds ``seed + i * seeds .. + seeds - 1``.
    """
    counts = allocate(weights, n_draws, minimum)
    # every parameter with a prior is drawn, held ones too (then overwritten), so that
    # holding one leaves the others' draws as they were: common random numbers across
    # the points of a tipping curve
    names = uncertain(sc, posterior)
    # a replaced prior wins over the calibration too (calibrated and nuisance values
    # alike): a sceptic's belief about a parameter is not what the record says of it
    names += [n for n in (priors or {}) if n not in names]
    held = sc.check_overrides(dict(fixed or {}))
    out: list[Draw] = []
    for t, n in counts.items():
        calibrated = (posterior_draws(posterior, t, n, _tag(seed, start))
                      if posterior is not None else [{} for _ in range(n)])
        drawn = prior_draws(sc, names, n, seed, start, t, priors)
        for c, d in zip(calibrated, drawn, strict=True):
            out.append(Draw(t, {**c, **d, **held}, ()))
    return [Draw(d.theory, d.params,
                 tuple(seed + (start + i) * seeds + r for r in range(seeds)))
            for i, d in enumerate(out)]


def specs_for(draws: Sequence[Draw], strategies: Sequence[str],
              overrides: Mapping[str, Any] | None = None,
              branch: tuple[int, Mapping[str, Any]] | None = None) -> list[RunSpec]:
    """Runs of every strategy on every draw and seed: strategy-major, then draw, then seed.

    ``branch``: (step, parameters) applied from that step on, the strategy's
    history up to it shared by the runs of one draw and seed.
    """
    extra = dict(overrides or {})
    step, then = branch if branch is not None else (None, {})
    return [RunSpec(params={**d.params, **extra, **({"theory": d.theory} if d.theory else {}),
                            "strategy": s}, seed=r, branch=step, branch_params=dict(then))
            for s in strategies for d in draws for r in d.seeds]


@dataclass
class Averaged:
    """Finals of every (strategy, draw, seed), and the mixture estimates over them."""

    strategies: list[str]
    draws: list[Draw]
    weights: dict[str | None, float]
    finals: dict[str, list[list[dict[str, Any]]]]  # strategy -> draw -> seed -> finals
    computed: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return sum(len(d.seeds) for d in self.draws) * len(self.strategies)

    def values(self, strategy: str, outcome: str) -> np.ndarray:
        return np.array([[float(f[outcome]) for f in row] for row in self.finals[strategy]])

    def theories(self) -> list[str | None]:
        return [d.theory for d in self.draws]

    def chance(self, strategy: str, outcome: str) -> Mixture:
        """The model-averaged mean of ``outcome`` under ``strategy``."""
        return mixture(self.values(strategy, outcome), self.theories(), self.weights)

    def difference(self, strategy: str, reference: str, outcome: str) -> Mixture:
        """The paired difference ``strategy - reference``, draw by draw and seed by seed."""
        a, b = self.values(strategy, outcome), self.values(reference, outcome)
        both = bool(np.all(np.isin(a, (0, 1))) and np.all(np.isin(b, (0, 1))))
        return mixture(a - b, self.theories(), self.weights, difference=both)

    def extended(self, other: Averaged) -> Averaged:
        """This design with more draws (a later sequential batch)."""
        return Averaged(self.strategies, self.draws + other.draws, self.weights,
                        {s: self.finals[s] + other.finals[s] for s in self.strategies},
                        self.computed + other.computed, self.meta)


def run_draws(sc: Scenario, draws: Sequence[Draw], strategies: Sequence[str],
              weights: Mapping[str | None, float], *, overrides: Mapping[str, Any] | None = None,
              branch: tuple[int, Mapping[str, Any]] | None = None,
              label: str = "posterior predictive", **common: Any) -> Averaged:
    """Run every strategy on every draw (``common``: backend, store, progress...)."""
    specs = specs_for(draws, strategies, overrides, branch)
    res = sweep(sc, specs, label=label, **common)
    finals: dict[str, list[list[dict[str, Any]]]] = {}
    i = 0
    for s in strategies:
        rows = []
        for d in draws:
            rows.append(res.finals[i:i + len(d.seeds)])
            i += len(d.seeds)
        finals[s] = rows
    return Averaged(list(strategies), list(draws), dict(weights), finals, res.computed)
