"""Granovetter's (1978) threshold model of collective behaviour, well mixed.

Each person joins once the share already taking part reaches their threshold.
Starting from nobody, the share follows r(t+1) = F(r(t)), F the empirical CDF
of the thresholds, and stops at the first fixed point reached from r = F(0).
That fixed point is known analytically, which makes this model the engine's
test of an exact, emergent cascade: Granovetter's two 100-person examples
(thresholds 0..99 give everyone; moving the threshold-1 person to 2 gives one
person) must come out exactly.

Source: M. Granovetter, "Threshold Models of Collective Behavior",
American Journal of Sociology 83(6), 1978, pp. 1420-1443.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.errors import InputError

# Thresholds are fractions; a count k of n participants reaches threshold x
# when k >= x * n. The tolerance absorbs the rounding of x * n (e.g. 0.29 * 100
# is 28.999999999999996 in binary floating point) without ever admitting a
# whole person too many.
_TOL = 1e-9

_SOURCE = "Granovetter (1978), AJS 83(6): 1420-1443"


@register
class ThresholdCascade(Mechanism):
    name = "granovetter"
    params = {
        "thresholds": Param(
            None, "floats", unit="fraction", low=0.0, high=1.0, nullable=True,
            doc="explicit thresholds, one per person; when given, the distribution is ignored",
            source=_SOURCE,
        ),
        "n": Param(100, "int", unit="people", low=1, high=100_000_000,
                   doc="population size when thresholds are drawn", source=_SOURCE),
        "distribution": Param("normal", "choice", choices=("uniform", "normal"),
                              doc="how thresholds are drawn", source=_SOURCE),
        "mean": Param(0.25, "float", unit="fraction", low=0.0, high=1.0,
                      prior=Uniform(low=0.0, high=0.5),
                      doc="mean of normal thresholds (Granovetter's example: 0.25)",
                      source=_SOURCE),
        "sd": Param(0.1, "float", unit="fraction", low=0.0, high=10.0,
                    prior=Uniform(low=0.0, high=0.3),
                    doc="sd of normal thresholds; the cascade flips near 0.10-0.12",
                    source=_SOURCE),
        "low": Param(0.0, "float", unit="fraction", low=0.0, high=1.0,
                     doc="lower end of uniform thresholds", source=_SOURCE),
        "high": Param(1.0, "float", unit="fraction", low=0.0, high=1.0,
                      doc="upper end of uniform thresholds", source=_SOURCE),
    }
    series = {
        "participation": Output("share of the population taking part", "fraction"),
    }
    finals = {
        "participants": Output("number taking part at the end", "people", "int64"),
        "converged": Output("whether the last step changed nothing (a fixed point)"),
    }

    def init(self, sim) -> None:
        p = self.p
        if p.thresholds is not None:
            if len(p.thresholds) == 0:
                raise InputError("parameter 'thresholds' must list at least one threshold")
            th = np.asarray(p.thresholds, dtype=np.float64)
        elif p.distribution == "uniform":
            if p.high < p.low:
                raise InputError(f"parameter 'high' ({p.high}) is below 'low' ({p.low})")
            th = p.low + (p.high - p.low) * self.stream("threshold").uniform(p.n)
        else:
            # Normal thresholds clipped to [0, 1]: a threshold below 0 acts
            # like 0 (an instigator), above 1 like never joining.
            th = np.clip(p.mean + p.sd * self.stream("threshold").normal(p.n), 0.0, 1.0)
        self.threshold = self.alloc("threshold", th.shape[0], np.float64)
        self.threshold[:] = th
        self.active = self.alloc("active", th.shape[0], np.bool_, False)
        self.changed = self.alloc("changed", (), np.bool_, True)

    def step(self, sim) -> None:
        # Synchronous update: everyone compares with the share at the previous step.
        n = self.threshold.shape[0]
        count = int(self.active.sum())
        self.active |= count >= self.threshold * n - _TOL
        self.changed[()] = int(self.active.sum()) != count

    def record(self, sim) -> dict[str, Any]:
        return {"participation": self.active.sum() / self.active.shape[0]}

    def finalize(self, sim) -> dict[str, Any]:
        return {"participants": int(self.active.sum()), "converged": not bool(self.changed)}


def fixed_point(thresholds: np.ndarray) -> int:
    """The number who end up taking part, computed without simulating.

    Sort the thresholds; the cascade reaches person k (0-based) iff each of
    the first k+1 thresholds is reachable by the k people before them. The
    first person whose threshold exceeds what the people before can supply
    stops it.
    """
    t = np.sort(np.asarray(thresholds, dtype=np.float64))
    n = t.shape[0]
    reachable = t * n - _TOL <= np.arange(n)
    blocked = np.flatnonzero(~reachable)
    return int(blocked[0]) if blocked.size else n
