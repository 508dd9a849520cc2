"""Prior densities, for the importance weights of ABC-SMC.

The prior classes in :mod:`inevitable.engine.params` sample (``ppf``) and
state their support; calibration also needs their density at a proposed
point. The log-density is computed here, one formula per prior family, so
that the engine's declarations stay free of inference code.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from inevitable.engine.params import Beta


def logpdf(prior, x: np.ndarray) -> np.ndarray:
    """Log prior density at ``x`` (``-inf`` outside the support)."""
    x = np.asarray(x, dtype=float)
    lo, hi = prior.support
    inside = (x >= lo) & (x <= hi)
    out = np.full(x.shape, -math.inf)
    xi = x[inside]
    dist = prior.dist
    if dist == "uniform":
        val = np.full(xi.shape, -math.log(hi - lo))
    elif dist == "loguniform":
        val = -np.log(xi) - math.log(math.log(hi / lo))
    elif dist == "normal":
        a = stats.norm.cdf((lo - prior.mean) / prior.sd)
        b = stats.norm.cdf((hi - prior.mean) / prior.sd)
        val = stats.norm.logpdf((xi - prior.mean) / prior.sd) - math.log(prior.sd) - math.log(b - a)
    elif dist == "beta":
        val = stats.beta.logpdf((xi - lo) / (hi - lo), prior.a, prior.b) - math.log(hi - lo)
    elif dist == "triangular":
        c = (prior.mode - lo) / (hi - lo)
        val = stats.triang.logpdf(xi, c, lo, hi - lo)
    else:  # pragma: no cover - every family of engine.params is handled above
        raise TypeError(f"no density for prior family '{dist}'")
    out[inside] = val
    return out


def spread(prior) -> float:
    """The prior's interquartile range: a scale for fallback perturbation kernels."""
    q = np.asarray(prior.ppf(np.array([0.25, 0.75])), dtype=float)
    width = float(q[1] - q[0])
    return width if width > 0 and math.isfinite(width) else 1.0


def describe(prior) -> str:
    """A short human-readable form, e.g. ``uniform(0, 0.6)``."""
    fields = prior.model_dump()
    dist = fields.pop("dist")
    args = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for k, v in fields.items()
                     if not (isinstance(v, float) and math.isinf(v)) or k not in ("low", "high"))
    return f"{dist}({args})"


def sceptical(prior) -> Beta:
    """A prior with its mass near the bottom of ``prior``'s range: Beta(1, 9) on it.

    For a parameter that carries an effect (0 = no effect), this is the
    sceptic's belief: an effect is possible, but most likely small (mean a
    tenth of the range, 90% of the mass below a fifth of it).
    """
    lo, hi = prior.support
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = (float(x) for x in prior.ppf(np.array([0.001, 0.999])))
    return Beta(a=1.0, b=9.0, low=float(lo), high=float(hi))
