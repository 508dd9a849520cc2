"""How far a run is from the record: the calibration's distance, equal or weighted.

The plain distance is the RMS of the targets' standardised errors (each
error in the record's own units: sd, or half-widths outside a range). With
tens of targets it has two faults, both seen on the flagship:

* A target the model misses by many sd whatever the parameters (a count
  below its resolution, a figure one mechanism cannot reach) adds a large,
  nearly constant term. The tolerance then has to admit it, and a target
  that the parameters do move, such as the month of the expulsion, adds
  too little to be felt: the shipped posterior of 0.3.0 let the leaders be
  expelled anywhere from 1926 to never.
* A target's error scale is the record's precision, not what the model can
  vary: a membership count known to 1% weighs as much as a month known to
  within a year, however much or little either moves between runs.

The information weighting answers both from the screen that chooses what
to calibrate (:mod:`.fitscreen`), whose runs draw every uncertain
parameter from its prior:

* each target's error is divided by the spread of its simulated value
  across those runs (the median absolute deviation, scaled to an sd, in
  the error's units), so every target counts per unit of what the model
  can do to it (Prangle 2017, "Adapting the ABC
  distance function", Bayesian Analysis 12(1); pyABC's adaptive p-norm
  distances);
* each target's squared scaled error is weighted by the share of its
  variation that the calibrated parameters explain: the adjusted R² of a
  linear regression of the simulated value's ranks on the parameters'
  ranks. (The value, not the error: an error is smallest where the record
  lies, usually inside a prior's range, so it is not monotone in the
  parameter that settles it and a linear fit would miss it.) A
  target no calibrated parameter moves weighs nothing, since accepting or
  rejecting a particle on it only adds noise (after the regression-based
  weights of Schälte & Hasenauer 2023, PLOS ONE 18(5) e0285836, pyABC's
  ``InfoWeightedPNormDistance``).

The weights are fixed once, before the first generation, so tolerances of
successive generations stay comparable and a rerun gives the same
distances. The per-target fit that a posterior reports stays in the
record's units either way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from inevitable.errors import InputError

KINDS = ("equal", "information")
# the MAD times this is the sd of a normal sample; the mean absolute deviation times
# sqrt(pi/2) likewise (used where more than half the runs share one error, often 0)
_MAD_SD = 1.4826
_MEAN_AD_SD = math.sqrt(math.pi / 2)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(f"must be one of {', '.join(KINDS)}; got {kind!r}", "--weighting")
    return kind


@dataclass(frozen=True)
class Weighting:
    """Per target: the weight of its squared error and the spread it is divided by."""

    kind: str
    targets: tuple[str, ...]
    weight: np.ndarray
    scale: np.ndarray

    @classmethod
    def equal(cls, targets: Sequence[str], declared: Sequence[float] | None = None) -> Weighting:
        """Every target in its record's units, at the weight the scenario declares
        (``declared``; 1 each when None). Kind ``equal`` when all are 1, else ``declared``."""
        n = len(targets)
        w = np.ones(n) if declared is None else np.asarray(declared, dtype=float)
        kind = "equal" if np.all(w == 1.0) else "declared"
        return cls(kind, tuple(targets), w, np.ones(n))

    def __call__(self, errs: Sequence[float]) -> float:
        """A run's distance: the weighted RMS of its scaled errors (inf if a weighed
        target could not be computed)."""
        e = np.asarray(errs, dtype=float)
        used = self.weight > 0
        if np.isinf(e[used]).any():
            return math.inf
        z = e[used] / self.scale[used]
        return math.sqrt(float(np.sum(self.weight[used] * z * z)) /
                         float(np.sum(self.weight[used])))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": ["target", "weight", "scale"],
                "targets": [[t, round(float(w), 4), round(float(s), 4)]
                            for t, w, s in zip(self.targets, self.weight, self.scale,
                                               strict=True)]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Weighting:
        rows = d["targets"]
        return cls(d["kind"], tuple(r[0] for r in rows), np.array([r[1] for r in rows], float),
                   np.array([r[2] for r in rows], float))


def spread(samples: np.ndarray) -> np.ndarray:
    """Each column's spread as an sd: MAD-based, else mean absolute deviation, else 0."""
    e = np.asarray(samples, dtype=float)
    med = np.median(e, axis=0)
    dev = np.abs(e - med)
    mad = _MAD_SD * np.median(dev, axis=0)
    mean_ad = _MEAN_AD_SD * np.mean(dev, axis=0)
    return np.where(mad > 0, mad, mean_ad)


def explained(values: Mapping[str, np.ndarray], outputs: np.ndarray,
              names: Sequence[str]) -> np.ndarray:
    """Per column of ``outputs``: the adjusted R² of its ranks on the ranks of ``names``'
    values, floored at 0 (what those parameters explain beyond chance)."""
    e = np.asarray(outputs, dtype=float)
    n = e.shape[0]
    k = len(names)
    if k == 0 or n <= k + 1:
        return np.zeros(e.shape[1])
    x = np.column_stack([np.ones(n)] + [stats.rankdata(values[m]) for m in names])
    out = np.zeros(e.shape[1])
    for j in range(e.shape[1]):
        y = stats.rankdata(e[:, j])
        total = float(np.sum((y - y.mean()) ** 2))
        if total == 0.0:
            continue
        beta = np.linalg.lstsq(x, y, rcond=None)[0]
        r2 = 1.0 - float(np.sum((y - x @ beta) ** 2)) / total
        out[j] = max(0.0, 1.0 - (1.0 - r2) * (n - 1) / (n - k - 1))
    return out


def informed(values: Mapping[str, np.ndarray], deviations: np.ndarray,
             targets: Sequence[str], names: Sequence[str],
             declared: Sequence[float] | None = None) -> Weighting:
    """The information weighting from a screen's runs (see the module doc).

    ``values``: each parameter's drawn values; ``deviations``: (runs,
    targets) simulated values from the record, signed, in the error's units
    (:meth:`~inevitable.experiments.targets.Target.deviation`), non-finite
    ones already replaced by a large finite value; ``names``: the calibrated
    parameters; ``declared``: the scenario's own weights, which multiply the
    information weights (a declared choice stays a choice under either kind).
    """
    scale = spread(deviations)
    weight = explained(values, deviations, names)
    if declared is not None:
        weight = weight * np.asarray(declared, dtype=float)
    weight = np.where(scale > 0, weight, 0.0)  # a target that never moves tells nothing
    if not np.any(weight > 0):
        raise InputError("no target's error follows the calibrated parameters in the screen; "
                         "use --weighting equal or more --screen-runs", "--weighting")
    return Weighting("information", tuple(targets), weight, np.where(scale > 0, scale, 1.0))
