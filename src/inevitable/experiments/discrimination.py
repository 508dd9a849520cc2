"""Which targets tell the theories apart, and in whose favour.

The theory posterior of a calibration is one number per theory for the
whole record at once. It cannot say which observed figures carry the
difference: a posterior of 0.40 against 0.33 might come from one target
that one theory misses by ten sds, or from noise spread over all of them.
This module takes the figures one at a time.

For each target and theory it reads the theory's posterior-predictive runs
(runs of the historical strategy with parameters drawn from that theory's
calibrated particles) and asks how well they reproduce the record:

* the mean standardised error, ``|sim - record| / sd`` (for a range, 0
  inside and the distance to the nearer end in half-widths outside), the
  calibration's own unit (:mod:`inevitable.experiments.targets`);
* the share of runs that agree with the record (within 2 sd, or inside the
  range);
* the log predictive likelihood of the record, ``log mean w`` with
  ``w = exp(-e^2 / 2)`` per run: the record's Gaussian likelihood (a flat
  top over a range) averaged over the theory's runs. Its normalising
  constant is the same for every theory, so the difference between two
  theories is a per-target log Bayes factor in the posterior-predictive
  sense: how much more probable this one figure is under one theory's
  fitted runs than under the other's.

Monte Carlo error. The record's sd is usually narrow next to the spread of
the runs, so the mean of ``w`` rests on the few runs that land near the
record, and a theory with none of them in its sample may simply have been
unlucky. A bootstrap cannot see that (resampling zero hits gives zero hits):
on the flagship's own runs, one theory's 100 runs split into two halves of
50, a 3-standard-error bootstrap rule flagged 13 of 1,020 comparisons of a
theory with itself, ten times its nominal rate. So the error is bounded the
way a count is: ``w`` lies in [0, 1], and the mean of such a variable is no
less certain than a Bernoulli's of the same mean, so ``sum(w)`` of ``n``
runs gets a Clopper-Pearson interval for the mean likelihood (generalised
to a non-integer count), one-sided at :data:`THRESHOLD` standard normal
deviates (0.13% on each side). A theory is behind the best on a target only
when its upper bound lies below the best's lower bound: with zero hits in
100 runs the upper bound is still 6.4%, so no target can be called against
a theory merely because its runs did not happen to land on the record. The
gap must also reach :data:`MIN_GAP` (one nat, a likelihood ratio of e):
below that, on the usual scale of Bayes factors (Kass & Raftery 1995, JASA
90:773), it is "not worth more than a bare mention", however precisely it
is measured. Everything else "does not discriminate", identical runs (a gap
of exactly zero) included. ``log_ratio_low`` is the gap the bounds still
guarantee: with ``n`` runs it can never exceed about ``log(n / 6.6)``, the
resolution of the runs.

The Gaussian tail is an assumption: a gap of 50 nats says "far worse", not
that the odds are e^50. And targets are not independent (the membership
series is one trajectory read five times), so the rows must not be summed
into a Bayes factor of the whole record; the calibration's posterior is
that number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import betaincinv, ndtr  # scipy.stats costs ~2 s to import

from inevitable.errors import InputError
from inevitable.experiments import targets as tg

THRESHOLD = 3.0  # standard normal deviates: each likelihood's bound is one-sided at 0.13%
MIN_GAP = 1.0  # nats: a smaller gap is too small to count, however precise
SEED_OFFSET = 2_000_000  # the runs' seeds start here past the study's seed


def rule(threshold: float = THRESHOLD) -> str:
    """The rule in words, printed with the table so that a reader can disagree with it."""
    return (f"A theory is behind the best on a target when the upper bound of its "
            f"likelihood of the record lies below the best's lower bound (Clopper-Pearson "
            f"bounds on the mean of exp(-error²/2) over the runs, one-sided at "
            f"{threshold:g} standard errors) and the best's log likelihood exceeds its own by "
            f"at least {MIN_GAP:g} nat (a likelihood ratio of e; less is not worth a "
            "mention). The target then favours the best, and any theory not behind it, over "
            "the theories behind. 'log ratio' is the gap between the best and the nearest "
            "theory behind it (a per-target log Bayes factor of the posterior-predictive "
            "runs, in nats), 'at least' the gap the bounds still guarantee; with none behind, "
            "both are for the widest gap. A target with no theory behind does not "
            "discriminate.")


@dataclass(frozen=True)
class Fit:
    """How one theory's runs meet one target."""

    runs: int
    mean_error: float  # inf when some run could not compute the quantity
    agree: float  # share of runs within 2 sd of the record or inside its range
    log_likelihood: float  # log mean exp(-e^2 / 2): -inf when no run computed it
    low: float  # log of the likelihood's lower bound (-inf with no run near the record)
    high: float  # log of its upper bound

    def to_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "mean_error": self.mean_error, "agree": self.agree,
                "log_likelihood": self.log_likelihood, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Row:
    """One target: every theory's fit, and what the contrast between them says."""

    target: tg.Target
    fits: Mapping[str, Fit]
    best: str | None  # highest log likelihood; None when nothing could be judged
    tied: tuple[str, ...]  # not clearly below the best
    behind: tuple[str, ...]  # clearly below the best
    against: str | None  # the theory log_ratio compares the best with
    log_ratio: float  # best minus ``against``, in nats
    log_ratio_low: float  # the least the bounds allow: best's low minus against's high

    @property
    def discriminates(self) -> bool:
        return bool(self.behind)

    @property
    def favours(self) -> tuple[str, ...]:
        if not self.discriminates or self.best is None:
            return ()
        return (self.best, *self.tied)

    @property
    def reading(self) -> str:
        if self.best is None:
            return "no run computed it"
        if self.discriminates:
            return f"favours {', '.join(self.favours)} over {', '.join(self.behind)}"
        if all(f.agree == 0 for f in self.fits.values()):
            return "does not discriminate (no run agrees with the record)"
        return "does not discriminate"

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target.id, **{k: v for k, v in self.target.to_dict().items()
                                             if k != "id"},
                "fits": {t: f.to_dict() for t, f in self.fits.items()},
                "best": self.best, "favours": list(self.favours), "behind": list(self.behind),
                "against": self.against, "log_ratio": self.log_ratio,
                "log_ratio_low": self.log_ratio_low, "discriminates": self.discriminates,
                "reading": self.reading}


@dataclass
class Discrimination:
    """The table: one row per target, the most discriminating first."""

    theories: list[str]
    rows: list[Row]
    runs: dict[str, int]  # per theory
    strategy: str | None = None
    method: str = ""
    threshold: float = THRESHOLD
    notes: list[str] = field(default_factory=list)

    @property
    def resolution(self) -> float:
        """The largest 'at least' any target could show with these runs (nats).

        Every run of one theory on the record against none of another's: the
        most that this many runs can tell. At or below 0 no target can
        discriminate, however far apart the theories are.
        """
        return resolution(self.runs.values(), self.threshold)

    def summary(self) -> dict[str, Any]:
        """How many targets discriminate, and how many favour or count against each theory."""
        told = [r for r in self.rows if r.discriminates]
        return {"targets": len(self.rows), "discriminating": len(told),
                "favouring": {t: sum(t in r.favours for r in told) for t in self.theories},
                "against": {t: sum(t in r.behind for r in told) for t in self.theories}}

    def to_dict(self) -> dict[str, Any]:
        return {"theories": list(self.theories), "strategy": self.strategy,
                "method": self.method, "runs": dict(self.runs), "threshold": self.threshold,
                "min_gap": MIN_GAP, "resolution": self.resolution,
                "rule": rule(self.threshold), "summary": self.summary(),
                "rows": [r.to_dict() for r in self.rows], "notes": list(self.notes)}


def _log_mean_exp(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """log mean exp along ``axis``; -inf where every entry is -inf (no warnings)."""
    top = np.max(a, axis=axis, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.mean(np.exp(a - safe), axis=axis, keepdims=True)) + safe
    out = np.where(np.isneginf(top), -np.inf, out)
    return np.squeeze(out, axis=axis)


def _errors(targets: Sequence[tg.Target], values: np.ndarray) -> np.ndarray:
    return np.array([[t.error(float(x)) for t, x in zip(targets, row, strict=True)]
                     for row in values], dtype=float).reshape(len(values), len(targets))


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def bounds(hits: float, n: int, threshold: float = THRESHOLD) -> tuple[float, float]:
    """Clopper-Pearson bounds on a mean in [0, 1] from ``hits`` (its sum) over ``n`` runs.

    One-sided at ``threshold`` standard normal deviates each; ``hits`` need
    not be a whole number (the beta-quantile form of the interval).
    """
    alpha = float(ndtr(-threshold))
    hits = min(max(float(hits), 0.0), float(n))
    low = 0.0 if hits <= 0 else float(betaincinv(hits, n - hits + 1, alpha))
    high = 1.0 if hits >= n else float(betaincinv(hits + 1, n - hits, 1 - alpha))
    return low, high


def resolution(runs: Iterable[int], threshold: float = THRESHOLD) -> float:
    """The widest gap the bounds can guarantee between two theories with these run counts."""
    runs = list(runs)
    return max(_log(bounds(a, a, threshold)[0]) - _log(bounds(0, b, threshold)[1])
               for i, a in enumerate(runs) for j, b in enumerate(runs) if i != j)


def runs_needed(threshold: float = THRESHOLD) -> int:
    """The fewest runs per theory with which any target can discriminate at all."""
    n = 1
    while resolution([n, n], threshold) <= 0:
        n += 1
    return n


def _gap(best: float, other: float) -> float:
    """best - other, with -inf - -inf read as no gap rather than NaN."""
    if math.isinf(best) and math.isinf(other) and best < 0 and other < 0:
        return 0.0
    return best - other


def discriminate(targets: Sequence[tg.Target], values: Mapping[str, np.ndarray], *,
                 threshold: float = THRESHOLD, strategy: str | None = None,
                 method: str = "") -> Discrimination:
    """The discrimination table from each theory's simulated values.

    ``values[theory]`` is a (runs, targets) array: each run's simulated value
    of each target, as :func:`inevitable.experiments.targets.simulated`
    returns them (event times with -1 for never, NaN for a value the run
    could not compute).
    """
    theories = [str(t) for t in values]
    if len(theories) < 2:
        raise InputError("the discrimination table needs two theories or more, got "
                         f"{len(theories)}")
    if not targets:
        raise InputError("the discrimination table needs at least one target")
    if not threshold > 0:
        raise InputError(f"the threshold must be above 0, got {threshold!r}")
    k = len(targets)
    errs = {}
    for t in theories:
        a = np.asarray(values[t], dtype=float)
        if a.ndim != 2 or a.shape[1] != k or a.shape[0] == 0:
            raise InputError(f"theory {t}: expected (runs, {k}) simulated values, got shape "
                             f"{a.shape}")
        errs[t] = _errors(targets, a)
    loglik = {t: -0.5 * e * e for t, e in errs.items()}  # inf error -> -inf, as it should
    ell = {t: _log_mean_exp(v) for t, v in loglik.items()}  # (targets,)
    hits = {t: np.exp(v).sum(axis=0) for t, v in loglik.items()}  # sum of w per target
    rows = []
    for j, target in enumerate(targets):
        fits = {}
        for t in theories:
            n = len(errs[t])
            lo, hi = bounds(float(hits[t][j]), n, threshold)
            e = errs[t][:, j]
            fits[t] = Fit(n, float(np.mean(e)),
                          float(np.mean(e <= (0.0 if target.is_range else 2.0))),
                          float(ell[t][j]), _log(lo), _log(hi))
        rows.append(_row(target, fits, theories))
    rows.sort(key=_power)
    out = Discrimination(theories, rows, {t: len(errs[t]) for t in theories}, strategy,
                         method, threshold)
    if out.resolution <= 0:
        need = runs_needed(threshold)
        out.notes.append("with these runs no target can discriminate, however far apart the "
                         "theories: even every run of one on the record against none of "
                         f"another's leaves the bounds overlapping; it takes {need} runs per "
                         "theory at least")
    return out


def _row(target: tg.Target, fits: Mapping[str, Fit], theories: Sequence[str]) -> Row:
    ell = {t: fits[t].log_likelihood for t in theories}
    if all(math.isinf(v) for v in ell.values()):
        return Row(target, fits, None, (), (), None, math.nan, math.nan)
    best = max(theories, key=lambda t: ell[t])  # the first of equals, in theory order
    gaps = {t: (_gap(ell[best], ell[t]), _gap(fits[best].low, fits[t].high))
            for t in theories if t != best}
    behind = tuple(t for t in theories if t in gaps and gaps[t][0] >= MIN_GAP
                   and gaps[t][1] > 0)
    tied = tuple(t for t in theories if t in gaps and t not in behind)
    # the nearest theory behind (the least the target says), or, with none behind,
    # the widest gap, to show how far from a finding it is
    against = (min(behind, key=lambda t: gaps[t][0]) if behind
               else max(gaps, key=lambda t: gaps[t][0]))
    return Row(target, fits, best, tied, behind, against, *gaps[against])


def _power(row: Row) -> tuple[int, float, str]:
    """Sort key: rows that discriminate first, the largest gap first; then the rest,
    the nearest to a finding (the gap the bounds guarantee) first."""
    if row.discriminates:
        gap = row.log_ratio if math.isfinite(row.log_ratio) else math.inf
        return (0, -gap, row.target.id)
    low = row.log_ratio_low
    if row.best is None or math.isnan(low):
        return (2, 0.0, row.target.id)
    return (1, -low, row.target.id)


def in_words(table: Mapping[str, Any]) -> str:
    """One sentence on a table (as ``to_dict`` gives it), for the command line's answer."""
    s = table["summary"]
    runs = sorted(set(table["runs"].values()))
    per = (f"{runs[0]} runs per theory" if len(runs) == 1
           else "runs per theory: " + ", ".join(f"{t} {n}" for t, n in table["runs"].items()))
    if not s["discriminating"]:
        return (f"Target by target, none of the {s['targets']} targets tells the theories "
                f"apart beyond Monte Carlo error ({per}).")
    top = table["rows"][0]
    gap = top["log_ratio"]
    by = f" by {gap:.2g} nats" if gap is not None and math.isfinite(gap) else ""
    return (f"{s['discriminating']} of {s['targets']} targets tell the theories apart "
            f"({per}); the strongest, {top['target']}, {top['reading']}{by}.")


def simulate(sc, posterior, theories: Sequence[str], strategy: str, runs: int, seed: int,
             **common: Any) -> Discrimination:
    """Run ``runs`` posterior-predictive runs of ``strategy`` per theory and tabulate them.

    Each run draws its calibrated parameters from the theory's particles and
    every other uncertain parameter from its prior, as the verdict's headline
    does, on one seed of its own (seeds from ``seed + SEED_OFFSET``, apart from
    the study's other runs). Every target of the scenario is read, not only
    those the calibration used. ``common``: backend, store, progress...
    """
    from inevitable.experiments.averaged import plan, specs_for
    from inevitable.experiments.sweep import sweep

    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise InputError(f"must be a whole number, at least 1; got {runs!r}", "runs")
    targets = tg.all_targets(sc)
    theories = list(theories)
    draws = plan(sc, dict.fromkeys(theories, 1.0), runs * len(theories), seeds=1,
                 seed=seed + SEED_OFFSET, posterior=posterior, minimum=runs)
    specs = specs_for(draws, [strategy])
    probe_names = tg.probes(targets)
    res = sweep(sc, specs, probes=probe_names, label="discrimination", **common)
    sims = [tg.simulated(targets, f, probe_names, pv)
            for f, pv in zip(res.finals, res.probes or [()] * len(specs), strict=True)]
    values = {t: np.array([s for s, d in zip(sims, draws, strict=True) if d.theory == t],
                          dtype=float).reshape(-1, len(targets)) for t in theories}
    method = (f"posterior-predictive runs of the {strategy} strategy, {runs} per theory "
              "(calibrated parameters from the theory's particles, the rest from their "
              "priors), fresh seeds")
    return discriminate(targets, values, strategy=strategy, method=method)
