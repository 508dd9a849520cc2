"""Which parameters move the headline difference: a screen that costs no runs.

The posterior-predictive headline already draws every uncertain parameter
from its prior (or posterior) run by run, with the strategies paired. The
rank correlation across draws between a parameter's value and the draw's
paired difference says how strongly, and in which direction, the
difference follows the parameter (a random-balance design): it spends no
further runs and looks at every parameter at once. It sees monotone
effects; the tipping curves of the parameters it picks then show the shape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from inevitable.experiments.stats import Z


@dataclass(frozen=True)
class Screened:
    name: str
    rho: float  # Spearman rank correlation with the paired difference
    significant: bool  # |rho| beyond what independence gives at 95%


def screen(params: Sequence[Mapping[str, Any]], difference: np.ndarray,
           names: Sequence[str]) -> list[Screened]:
    """Parameters by |rank correlation| with the per-draw difference, largest first."""
    d = np.asarray(difference, dtype=float)
    n = len(d)
    bound = Z / math.sqrt(max(n - 1, 1))
    out = []
    for name in names:
        x = np.array([float(p[name]) for p in params])
        if n < 3 or np.ptp(x) == 0 or np.ptp(d) == 0:
            continue
        rho = float(stats.spearmanr(x, d).statistic)
        if math.isfinite(rho):
            out.append(Screened(name, rho, abs(rho) > bound))
    return sorted(out, key=lambda s: -abs(s.rho))
