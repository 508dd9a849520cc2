"""What you would have to believe: the headline difference across a parameter's prior.

For a parameter the record does not inform, the headline difference (the
best alternative's chance of the outcome minus the historical strategy's,
model-averaged) is computed with the parameter held at points of its prior
(its quantiles, so the points are equally probable) and everything else
drawn as in the headline. Where the curve changes sign is the tipping
point: on one side the alternative beats the historical strategy, on the
other it does not. The prior mass on the alternative's side says how much
of what one might believe favours it.

The same draws and seeds are used at every point (common random numbers),
so the curve's shape is the parameter's doing, not luck's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inevitable.experiments.stats import Estimate


def quantile_grid(points: int) -> np.ndarray:
    """Mid-quantiles ``(i + 0.5) / points``: equally probable points of a prior."""
    return (np.arange(points) + 0.5) / points


def favouring_mass(u: Sequence[float], diff: Sequence[float], fine: int = 4001) -> float:
    """Prior mass where the alternative wins (difference < 0).

    The difference is interpolated linearly between the quantiles ``u`` and
    held constant beyond the first and last, then integrated over [0, 1].
    """
    grid = np.linspace(0.0, 1.0, fine)
    d = np.interp(grid, np.asarray(u, float), np.asarray(diff, float))
    return float(np.mean(d < 0))


def threshold(x: Sequence[float], diff: Sequence[float]) -> float | None:
    """Where the difference first changes sign along ``x`` (linear between points).

    None when it never does within the points given (the sign never flips
    in the prior range).
    """
    xs, ds = np.asarray(x, float), np.asarray(diff, float)
    for i in range(len(xs) - 1):
        a, b = ds[i], ds[i + 1]
        if a * b < 0:
            return float(xs[i] + (xs[i + 1] - xs[i]) * a / (a - b))
        if a != 0 and b == 0:  # a zero is a flip only if the sign beyond it is the other
            beyond = next((d for d in ds[i + 1:] if d != 0), 0.0)
            if beyond * a < 0:
                return float(xs[i + 1])
    return None


@dataclass
class TippingCurve:
    parameter: str
    u: list[float]
    x: list[float]
    difference: list[Estimate]

    def to_dict(self, finding: Callable[[Estimate], dict[str, Any]]) -> dict[str, Any]:
        values = [e.value for e in self.difference]
        return {"parameter": self.parameter, "threshold": threshold(self.x, values),
                "prior_mass_favouring_alternative": favouring_mass(self.u, values),
                "points": [{"value": x, "quantile": u, **finding(e)}
                           for x, u, e in zip(self.x, self.u, self.difference, strict=True)]}


def values_at(sc, parameter: str, u: np.ndarray, prior=None) -> list[float]:
    """The parameter's values at prior quantiles ``u`` (integers rounded)."""
    p = prior if prior is not None else sc.priors[parameter]
    xs = np.asarray(p.ppf(u), dtype=float)
    return [float(round(x)) if sc.decls[parameter].kind == "int" else float(x) for x in xs]


def tipping_curve(sc, parameter: str, points: int,
                  difference_at: Callable[[Mapping[str, Any]], Estimate]) -> TippingCurve:
    """The headline difference with ``parameter`` held at each of ``points`` quantiles.

    ``difference_at(fixed)`` returns the model-averaged difference with the
    parameters in ``fixed`` held at their values.
    """
    u = quantile_grid(points)
    xs = values_at(sc, parameter, u)
    diffs = [difference_at({parameter: x}) for x in xs]
    return TippingCurve(parameter, u.tolist(), xs, diffs)


def tipping_map(sc, pair: tuple[str, str], points: int,
                difference_at: Callable[[Mapping[str, Any]], Estimate]) -> dict[str, Any]:
    """The headline difference over a grid of two parameters' quantiles."""
    u = quantile_grid(points)
    xa, xb = values_at(sc, pair[0], u), values_at(sc, pair[1], u)
    grid = [[difference_at({pair[0]: a, pair[1]: b}).value for b in xb] for a in xa]
    favouring = float(np.mean(np.asarray(grid) < 0))
    return {"parameters": list(pair), "x": xa, "y": xb, "difference": grid,
            "prior_mass_favouring_alternative": favouring}
