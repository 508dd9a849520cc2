"""Counterfactuals inside plausibility: runs beyond history's bounds, and the headline without them.

The record constrains the historical strategy's runs, not an alternative's:
an alternative can win in worlds no period ever produced (an Opposition
cadre larger than the party). A scenario's ``bounds`` say, from historical
analogues with their sources, how far a final value ever went. Here, from
the headline's own runs (no new ones):

* per strategy, the share of runs that break any bound, and each bound
  (model-averaged, with an interval; the raw count beside it), and the
  strategy's chance of the outcome over its runs inside every bound;
* the headline again over the runs inside: a (draw, seed) pair is kept only
  if the reference *and* the alternative are both inside every bound there,
  so the difference stays paired and equals the difference of the two
  chances over the same pairs.

A strategy with most of its runs outside is flagged, so the report can say
plainly that its number describes worlds beyond the analogues.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inevitable.experiments.averaged import Averaged
from inevitable.experiments.mixture import conditional, mixture
from inevitable.experiments.sequential import finding
from inevitable.experiments.stats import Estimate
from inevitable.scenarios.loader import Scenario

PAIRING = ("a (draw, seed) pair is kept only if the reference and the alternative are both "
           "inside every bound in it; their chances and the paired difference are taken over "
           "the same kept pairs")


@dataclass(frozen=True)
class Bound:
    """A scenario's bound on one final: broken above ``high`` or below ``low``."""

    id: str
    final: str
    low: float | None
    high: float | None
    source: str
    note: str | None = None

    def broken(self, values: np.ndarray) -> np.ndarray:
        """True where a value lies beyond the bound (the bound itself is inside)."""
        v = np.asarray(values, dtype=float)
        out = np.zeros(v.shape, dtype=bool)
        if self.high is not None:
            out |= v > self.high
        if self.low is not None:
            out |= v < self.low
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "final": self.final, "min": self.low, "max": self.high,
                "source": self.source, "note": self.note}


def bounds_of(sc: Scenario) -> list[Bound]:
    """The scenario's declared bounds, in file order."""
    return [Bound(b.id, b.final, b.min, b.max, b.source, b.note) for b in sc.spec.bounds]


def broken(res: Averaged, strategy: str, bound: Bound) -> np.ndarray:
    """(draws, seeds): which of the strategy's runs break this bound."""
    return bound.broken(res.values(strategy, bound.final))


def outside(res: Averaged, strategy: str, bounds: Sequence[Bound]) -> np.ndarray:
    """(draws, seeds): which of the strategy's runs break at least one bound."""
    shape = (len(res.draws), len(res.draws[0].seeds)) if res.draws else (0, 0)
    out = np.zeros(shape, dtype=bool)
    for b in bounds:
        out |= broken(res, strategy, b)
    return out


def _share(res: Averaged, mask: np.ndarray) -> dict[str, Any]:
    """The model-averaged share of runs in ``mask``, with its interval and raw count."""
    est = mixture(mask.astype(float), res.theories(), res.weights).estimate
    return {"count": int(mask.sum()), **finding(est)}


def _within(res: Averaged, strategy: str, outcome: str, keep: np.ndarray) -> dict[str, Any]:
    """The strategy's chance over its own runs inside: what it does in plausible worlds."""
    return _finding(conditional(res.values(strategy, outcome), keep, res.theories(),
                               res.weights))


def plausibility(res: Averaged, outcome: str, bounds: Sequence[Bound]) -> dict[str, Any]:
    """verdict.json ``plausibility``: per strategy, the runs beyond the bounds."""
    rows = []
    for s in res.strategies:
        out = outside(res, s, bounds)
        share = _share(res, out)
        rows.append({"strategy": s, "outside": share,
                     "most_outside": bool(share["estimate"] > 0.5),
                     "per_bound": {b.id: _share(res, broken(res, s, b)) for b in bounds},
                     "chance_within_bounds": _within(res, s, outcome, ~out)})
    return {"outcome": outcome, "bounds": [b.to_dict() for b in bounds], "strategies": rows}


def kept_pairs(res: Averaged, reference: str, alternative: str,
               bounds: Sequence[Bound]) -> np.ndarray:
    """(draws, seeds): the pairs where both arms are inside every bound."""
    return ~(outside(res, reference, bounds) | outside(res, alternative, bounds))


def _weights_within(res: Averaged, keep: np.ndarray) -> dict[str, float]:
    """The theories' weights among the kept pairs: w_t P(kept | t), normalised.

    Conditioning on plausibility moves them (see
    :func:`~inevitable.experiments.mixture.conditional`); the report prints
    them so a reader sees which theory's worlds the bounds remove.
    """
    labels = [str(t) for t in res.theories()]
    live = {str(t): float(w) for t, w in res.weights.items() if w > 0}
    mass = {}
    for t, w in live.items():
        rows = keep[[i for i, x in enumerate(labels) if x == t]]
        mass[t] = w * float(rows.mean()) if rows.size else 0.0
    total = sum(mass.values())
    return {t: (m / total if total > 0 else 0.0) for t, m in mass.items()}


def headline_within(res: Averaged, reference: str, alternative: str, outcome: str,
                    bounds: Sequence[Bound]) -> dict[str, Any]:
    """verdict.json ``headline_within_bounds``: the headline over the kept pairs."""
    keep = kept_pairs(res, reference, alternative, bounds)
    th = res.theories()
    diff = res.values(alternative, outcome) - res.values(reference, outcome)
    both = bool(np.all(np.isin(res.values(alternative, outcome), (0, 1)))
                and np.all(np.isin(res.values(reference, outcome), (0, 1))))
    rows = []
    for label, kind, est in (
            (f"chance of {outcome} with the {reference} strategy", "probability",
             conditional(res.values(reference, outcome), keep, th, res.weights)),
            (f"chance of {outcome} with {alternative} from the start", "probability",
             conditional(res.values(alternative, outcome), keep, th, res.weights)),
            (f"{alternative} minus {reference}: change in the chance of {outcome}",
             "difference", conditional(diff, keep, th, res.weights, difference=both))):
        rows.append({"label": label, "kind": kind, **_finding(est)})
    out: dict[str, Any] = {"reference": reference, "alternative": alternative,
                           "outcome": outcome, "pairs": int(keep.size), "kept": int(keep.sum()),
                           "pairing": PAIRING, "rows": rows}
    if sum(w > 0 for w in res.weights.values()) > 1:  # one theory has nothing to reweigh
        out["weights"] = _weights_within(res, keep)
    return out


def _finding(e: Estimate) -> dict[str, Any]:
    """A finding; with nothing kept, an explicit empty one rather than a made-up number."""
    return finding(e) if e.n else {"estimate": None, "low": None, "high": None, "runs": 0,
                                   "too_few_runs": True, "runs_needed": None}
