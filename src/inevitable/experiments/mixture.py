"""Estimates over a mixture: theories, parameter draws within a theory, seeds within a draw.

A posterior-predictive chance averages a run's outcome over three layers of
uncertainty: which theory holds (weights from the theory posterior), which
parameter values hold under it (draws from its posterior particles and the
priors), and luck (the seed). Runs are laid out as ``values[j, r]``: draw
``j`` (one theory, one parameter set) run on ``r = 0 .. k-1`` seeds.

Draws are allocated to theories in proportion to their weights and the
average is taken per theory, then weighted (stratified sampling): the same
expectation as drawing the theory at random per run, without the noise of
how many runs each theory happened to get.

The law of total variance splits a run's variance into the three layers,

    Var(Y) = E[Var(Y | theory, params)]                  (seeds)
           + E_theory[Var_params(E[Y | theory, params])] (parameters)
           + Var_theory(E[Y | theory])                   (theories),

estimated without bias from the k seeds per draw: the spread between a
draw's seeds estimates the first term, the spread between draws' means
(less the part seeds explain, ``W / k``) the second, and the spread between
theories' means (less the part their own sampling error explains) the third.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from inevitable.errors import InputError
from inevitable.experiments.stats import Estimate, Z, is_binary


@dataclass(frozen=True)
class Stratum:
    """One theory's draws: the average outcome, its sampling variance, its variance parts."""

    theory: str | None
    weight: float
    mean: float
    var_of_mean: float  # sampling variance of ``mean``
    seeds: float  # E[Var(Y | params)] within this theory
    parameters: float  # Var_params(E[Y | params]) within this theory
    runs: int


@dataclass(frozen=True)
class Mixture:
    """The model-averaged number, per-theory numbers and the variance split."""

    estimate: Estimate
    strata: tuple[Stratum, ...]
    variance: dict[str, float | None]  # seeds / parameters / theories, shares of the total
    binary: bool = False
    difference: bool = False

    def for_theory(self, theory: str | None) -> Estimate:
        """One theory's own number, with its sampling interval."""
        s = next(x for x in self.strata if x.theory == theory)
        return _interval(s.mean, s.var_of_mean, s.runs, self.binary,
                         -1.0 if self.difference else 0.0)


def _interval(mean: float, var: float, runs: int, clip: bool, floor: float = 0.0
              ) -> Estimate:
    h = Z * math.sqrt(max(var, 0.0))
    low, high = mean - h, mean + h
    if clip:
        low, high = max(low, floor), min(high, 1.0)
    return Estimate(float(mean), float(low), float(high), int(runs))


def allocate(weights: Mapping[str | None, float], n: int, minimum: int = 2
             ) -> dict[str | None, int]:
    """Draws per theory, in proportion to its weight (largest remainders).

    A theory with any weight gets at least ``minimum`` draws, so that its own
    number and its sampling variance can be estimated at all.
    """
    live = {t: float(w) for t, w in weights.items() if w > 0}
    if not live:
        raise InputError("no theory has any weight")
    total = sum(live.values())
    n = max(n, minimum * len(live))
    exact = {t: n * w / total for t, w in live.items()}
    counts = {t: max(minimum, math.floor(x)) for t, x in exact.items()}
    spare = n - sum(counts.values())
    for t in sorted(live, key=lambda t: -(exact[t] - math.floor(exact[t]))):
        if spare <= 0:
            break
        counts[t] += 1
        spare -= 1
    return counts


def _stratum(theory, weight: float, v: np.ndarray, binary: bool) -> Stratum:
    """One theory's (draws, seeds) block of values."""
    n, k = v.shape
    means = v.mean(axis=1)
    m = float(means.mean())
    # one seed per draw cannot tell luck from parameters: the split is left unknown
    within = float(v.var(axis=1, ddof=1).mean()) if k > 1 else math.nan
    between = float(means.var(ddof=1)) if n > 1 else math.inf
    params = max(between - within / k, 0.0) if k > 1 else math.nan
    if binary:
        # Var(draw mean) = Var(m) + E[m(1-m)]/k >= p(1-p)/k for a 0/1 outcome: a floor
        # that keeps an all-zero stratum from claiming certainty (p smoothed as
        # Agresti-Coull do, two successes and two failures added)
        p = (v.sum() + 2.0) / (v.size + 4.0)
        between = max(between, p * (1 - p) / k)
    return Stratum(theory, weight, m, between / n, within, params, int(v.size))


def mixture(values: np.ndarray, theories: Sequence[str | None],
            weights: Mapping[str | None, float], difference: bool = False) -> Mixture:
    """The model-averaged mean of ``values[j, r]`` (draw j of theory ``theories[j]``).

    ``weights`` are the theories' posterior probabilities; each theory with
    weight needs at least two draws. The variance split needs at least two
    seeds per draw (with one, luck and parameters cannot be told apart and
    the shares are None). ``difference``: the values are paired differences
    of 0/1 outcomes (in [-1, 1], no binomial floor: a zero difference in every
    pair is a measured zero, two strategies acting alike).
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or len(theories) != v.shape[0]:
        raise ValueError("values must be (draws, seeds), one theory per draw")
    binary = is_binary(v) and not difference
    labels = np.array([str(t) for t in theories])
    live = {t: float(w) for t, w in weights.items() if w > 0}
    total = sum(live.values())
    strata = []
    for t, w in live.items():
        rows = v[labels == str(t)]
        if len(rows) < 2:
            raise InputError(f"theory '{t}' has weight but fewer than two draws")
        strata.append(_stratum(t, w / total, rows, binary))
    mean = sum(s.weight * s.mean for s in strata)
    var = sum(s.weight ** 2 * s.var_of_mean for s in strata)
    bounded = binary or (difference and bool(np.all(np.abs(v) <= 1)))
    est = _interval(mean, var, int(v.size), bounded, -1.0 if difference else 0.0)
    seeds = sum(s.weight * s.seeds for s in strata)
    params = sum(s.weight * s.parameters for s in strata)
    spread = sum(s.weight * (s.mean - mean) ** 2 for s in strata)
    bias = sum(s.weight * (1 - s.weight) * s.var_of_mean for s in strata)
    between = max(spread - bias, 0.0)
    return Mixture(est, tuple(strata), shares(seeds, params, between), bounded, difference)


def shares(seeds: float, parameters: float, theories: float) -> dict[str, float | None]:
    """Variance components as shares summing to 1 (None each when nothing varies)."""
    parts = {"seeds": seeds, "parameters": parameters, "theories": theories}
    if any(not math.isfinite(x) for x in parts.values()):
        return dict.fromkeys(parts)
    total = sum(max(x, 0.0) for x in parts.values())
    if total <= 0:
        return dict.fromkeys(parts)
    return {k: max(x, 0.0) / total for k, x in parts.items()}


def conditional(values: np.ndarray, keep: np.ndarray, theories: Sequence[str | None],
                weights: Mapping[str | None, float], difference: bool = False) -> Estimate:
    """The model-averaged mean of ``values[j, r]`` over the runs with ``keep[j, r]`` only.

    Dropping runs (those outside the scenario's bounds) leaves each draw a
    different number of seeds, so :func:`mixture` does not apply. This is the
    mean conditional on being kept, E[Y keep] / E[keep], each expectation
    taken over the theory mixture as :func:`mixture` takes it: theories whose
    runs are dropped more often weigh less, since a world beyond the bounds is
    evidence against what produced it. With draws allocated in proportion to
    the weights it is the plain mean over the kept runs. The interval is the
    ratio estimator's (delta method, draws as clusters, per theory); a 0/1
    outcome gets the binomial floor of the kept runs (two successes and two
    failures added), so few kept runs cannot claim certainty. ``difference``:
    the values are paired differences in [-1, 1], no floor.
    """
    v = np.asarray(values, dtype=float)
    m = np.asarray(keep, dtype=bool)
    if v.shape != m.shape or v.ndim != 2 or len(theories) != v.shape[0]:
        raise ValueError("values and keep must be (draws, seeds), one theory per draw")
    labels = np.array([str(t) for t in theories])
    live = {t: float(w) for t, w in weights.items() if w > 0}
    total = sum(live.values())
    kept = int(m.sum())
    floor = -1.0 if difference else 0.0
    if kept == 0:
        return Estimate(math.nan, floor, 1.0, 0)
    a = np.where(m, v, 0.0).sum(axis=1)  # per draw: the kept runs' sum
    b = m.sum(axis=1).astype(float)  # per draw: the kept runs
    parts = [(w / total, a[labels == str(t)], b[labels == str(t)]) for t, w in live.items()]
    num = sum(w * x.mean() for w, x, _ in parts if len(x))
    den = sum(w * y.mean() for w, _, y in parts if len(y))
    ratio = num / den
    var = sum(w * w * (np.var(x - ratio * y, ddof=1) / len(x) if len(x) > 1 else math.inf)
              for w, x, y in parts if len(x)) / den ** 2
    binary = is_binary(v[m]) and not difference
    if binary:
        p = (float(v[m].sum()) + 2.0) / (kept + 4.0)
        var = max(var, p * (1 - p) / kept)
    bounded = binary or (difference and bool(np.all(np.abs(v[m]) <= 1)))
    return _interval(float(ratio), float(var), kept, bounded, floor)
