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
* the log predictive likelihood of the record, ``log mean exp(-e^2 / 2)``
  over the runs: the record's Gaussian likelihood (a flat top for a range)
  averaged over the theory's runs. Its normalising constant is the same for
  every theory, so the difference between two theories is a per-target log
  Bayes factor in the posterior-predictive sense (how much more probable
  this one figure is under one theory's fitted runs than the other's).

A difference of log likelihoods is a finding only when it stands out of its
own Monte Carlo error: each theory's runs are resampled (bootstrap), the
difference recomputed, and a theory counts as behind the best only if the
gap exceeds :data:`THRESHOLD` bootstrap standard errors. Three rather than
two, because a table of some 35 targets with two comparisons each would
flag one or two by chance at two standard errors; at three, the chance that
any of them is a false alarm is about one in ten. A gap must also reach
:data:`MIN_GAP` (one nat, a likelihood ratio of e): below that, on the
usual scale of Bayes factors (Kass & Raftery 1995, JASA 90:773), it is "not
worth more than a bare mention", however precisely it is measured. Everything
else "does not discriminate", identical runs (a gap of exactly zero) included.

The Gaussian tail is an assumption: a gap of 50 nats says "far worse", not
that the odds are e^50. And targets are not independent (the membership
series is one trajectory read five times), so the rows must not be summed
into a Bayes factor of the whole record; the calibration's posterior is
that number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inevitable.errors import InputError
from inevitable.experiments import targets as tg

THRESHOLD = 3.0  # bootstrap standard errors a gap must exceed to count
BOOTSTRAP = 400  # resamples of each theory's runs
MIN_RUNS = 5  # runs per theory below which no target is judged
MIN_GAP = 1.0  # nats: a smaller gap is too small to count, however precise
SEED_OFFSET = 2_000_000  # the runs' seeds start here past the study's seed

def rule(threshold: float = THRESHOLD, bootstrap: int = BOOTSTRAP) -> str:
    """The rule in words, printed with the table so that a reader can disagree with it."""
    return (f"A theory is behind the best on a target when the best's log predictive "
            f"likelihood exceeds its own by more than {threshold:g} bootstrap standard "
            f"errors ({bootstrap} resamples of each theory's runs) and by at least "
            f"{MIN_GAP:g} nat (a likelihood ratio of e; less is not worth a mention). The "
            "target then favours the best, and any theory within that margin of it, over "
            "the theories behind. 'log ratio' is the gap between the best and the nearest "
            "theory behind it (a per-target log Bayes factor of the posterior-predictive "
            "runs, in nats); with none behind, the widest gap, which is within its error or "
            "under a nat. A target with no theory behind does not discriminate.")


@dataclass(frozen=True)
class Fit:
    """How one theory's runs meet one target."""

    runs: int
    mean_error: float  # inf when some run could not compute the quantity
    agree: float  # share of runs within 2 sd of the record or inside its range
    log_likelihood: float  # log mean exp(-e^2 / 2): -inf when no run computed it

    def to_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "mean_error": self.mean_error, "agree": self.agree,
                "log_likelihood": self.log_likelihood}


@dataclass(frozen=True)
class Row:
    """One target: every theory's fit, and what the contrast between them says."""

    target: tg.Target
    fits: Mapping[str, Fit]
    best: str | None  # highest log likelihood; None when nothing could be judged
    tied: tuple[str, ...]  # within the Monte Carlo error of the best
    behind: tuple[str, ...]  # clearly below the best
    against: str | None  # the theory log_ratio compares the best with
    log_ratio: float  # best minus ``against``, in nats
    se: float  # bootstrap standard error of log_ratio
    why_not: str | None = None  # set when the target could not be judged at all

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
        if self.why_not is not None:
            return self.why_not
        if not self.discriminates:
            return "does not discriminate"
        return f"favours {', '.join(self.favours)} over {', '.join(self.behind)}"

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target.id, **{k: v for k, v in self.target.to_dict().items()
                                             if k != "id"},
                "fits": {t: f.to_dict() for t, f in self.fits.items()},
                "best": self.best, "favours": list(self.favours), "behind": list(self.behind),
                "against": self.against, "log_ratio": self.log_ratio, "se": self.se,
                "discriminates": self.discriminates, "reading": self.reading}


@dataclass
class Discrimination:
    """The table: one row per target, the most discriminating first."""

    theories: list[str]
    rows: list[Row]
    runs: dict[str, int]  # per theory
    strategy: str | None = None
    method: str = ""
    threshold: float = THRESHOLD
    bootstrap: int = BOOTSTRAP
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """How many targets discriminate, and how many favour or count against each theory."""
        told = [r for r in self.rows if r.discriminates]
        return {"targets": len(self.rows), "discriminating": len(told),
                "favouring": {t: sum(t in r.favours for r in told) for t in self.theories},
                "against": {t: sum(t in r.behind for r in told) for t in self.theories}}

    def to_dict(self) -> dict[str, Any]:
        return {"theories": list(self.theories), "strategy": self.strategy,
                "method": self.method, "runs": dict(self.runs), "threshold": self.threshold,
                "min_gap": MIN_GAP, "bootstrap": self.bootstrap,
                "rule": rule(self.threshold, self.bootstrap), "summary": self.summary(),
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


def _gap(best: np.ndarray | float, other: np.ndarray | float) -> np.ndarray:
    """best - other, with -inf - -inf read as no gap rather than NaN."""
    b, o = np.asarray(best, dtype=float), np.asarray(other, dtype=float)
    with np.errstate(invalid="ignore"):
        d = b - o
    return np.where(np.isneginf(b) & np.isneginf(o), 0.0, d)


def _std(x: np.ndarray) -> float:
    """sd of the bootstrap gaps; an infinite gap in some resamples makes it infinite."""
    if np.any(np.isnan(x)) or np.any(np.isinf(x)):
        return math.inf
    return float(np.std(x, ddof=1)) if len(x) > 1 else math.inf


def discriminate(targets: Sequence[tg.Target], values: Mapping[str, np.ndarray], *,
                 seed: int = 0, bootstrap: int = BOOTSTRAP, threshold: float = THRESHOLD,
                 strategy: str | None = None, method: str = "") -> Discrimination:
    """The discrimination table from each theory's simulated values.

    ``values[theory]`` is a (runs, targets) array: each run's simulated value
    of each target, as :func:`inevitable.experiments.targets.simulated`
    returns them (event times with -1 for never, NaN for a value the run
    could not compute). The bootstrap draws from ``seed``.
    """
    theories = [str(t) for t in values]
    if len(theories) < 2:
        raise InputError("the discrimination table needs two theories or more, got "
                         f"{len(theories)}")
    if not targets:
        raise InputError("the discrimination table needs at least one target")
    k = len(targets)
    arrays = {}
    for t in theories:
        a = np.asarray(values[t], dtype=float)
        if a.ndim != 2 or a.shape[1] != k or a.shape[0] == 0:
            raise InputError(f"theory {t}: expected (runs, {k}) simulated values, got shape "
                             f"{a.shape}")
        arrays[t] = a
    errs = {t: _errors(targets, a) for t, a in arrays.items()}
    loglik = {t: -0.5 * e * e for t, e in errs.items()}  # inf error -> -inf, as it should
    ell = {t: _log_mean_exp(v) for t, v in loglik.items()}  # (targets,)
    rng = np.random.default_rng([int(seed), 0xD15C])
    boot = {}
    for t in theories:  # (bootstrap, targets): each theory resampled on its own
        n = len(loglik[t])
        idx = rng.integers(0, n, size=(bootstrap, n))
        boot[t] = np.array([_log_mean_exp(loglik[t][i]) for i in idx]).reshape(bootstrap, k)
    few = [t for t in theories if len(arrays[t]) < MIN_RUNS]
    rows = []
    for j, target in enumerate(targets):
        fits = {t: Fit(len(errs[t]), float(np.mean(errs[t][:, j])),
                       float(np.mean(errs[t][:, j] <= (0.0 if target.is_range else 2.0))),
                       float(ell[t][j])) for t in theories}
        rows.append(_row(target, fits, {t: boot[t][:, j] for t in theories}, theories,
                         threshold, few))
    rows.sort(key=_power)
    notes = []
    if few:
        notes.append(f"fewer than {MIN_RUNS} runs for {', '.join(few)}: no target judged")
    return Discrimination(theories, rows, {t: len(arrays[t]) for t in theories}, strategy,
                          method, threshold, bootstrap, notes)


def _row(target: tg.Target, fits: Mapping[str, Fit], boot: Mapping[str, np.ndarray],
         theories: Sequence[str], threshold: float, few: Sequence[str]) -> Row:
    ell = {t: fits[t].log_likelihood for t in theories}
    if all(math.isinf(v) for v in ell.values()):
        return Row(target, fits, None, (), (), None, math.nan, math.nan,
                   "no run computed it")
    best = max(theories, key=lambda t: ell[t])  # the first of equals, in theory order
    gaps = {t: (float(_gap(ell[best], ell[t])), _std(_gap(boot[best], boot[t])))
            for t in theories if t != best}
    if few:
        far = max(gaps, key=lambda t: gaps[t][0])
        return Row(target, fits, best, (), (), far, *gaps[far], "too few runs to tell")
    behind = tuple(t for t in theories if t in gaps and _clear(*gaps[t], threshold))
    tied = tuple(t for t in theories if t in gaps and t not in behind)
    # the nearest theory behind (the least the target says), or, with none behind,
    # the widest gap, to show how far from a finding it is
    against = (min(behind, key=lambda t: gaps[t][0]) if behind
               else max(gaps, key=lambda t: gaps[t][0]))
    return Row(target, fits, best, tied, behind, against, *gaps[against])


def _clear(gap: float, se: float, threshold: float) -> bool:
    if gap < MIN_GAP:
        return False
    if math.isinf(gap):
        return True  # the other theory never computed it at all
    return gap > threshold * se


def _power(row: Row) -> tuple[int, float, str]:
    """Sort key: rows that discriminate first, the largest gap first; then the rest,
    the nearest to a finding (gap over its standard error) first."""
    if row.discriminates:
        gap = row.log_ratio if math.isfinite(row.log_ratio) else math.inf
        return (0, -gap, row.target.id)
    if not math.isfinite(row.log_ratio) or not math.isfinite(row.se):
        return (2, 0.0, row.target.id)
    z = row.log_ratio / row.se if row.se > 0 else (0.0 if row.log_ratio <= 0 else math.inf)
    return (1, -z, row.target.id)


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
    return discriminate(targets, values, seed=seed, strategy=strategy, method=method)
