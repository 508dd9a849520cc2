"""Estimates with 95% intervals: shares, means and paired differences."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtrit  # Student's t quantile; scipy.stats costs ~2 s to import

Z = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def to_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}


def is_binary(values: np.ndarray) -> bool:
    return bool(np.all((values == 0) | (values == 1)))


def share(successes: int, n: int) -> Estimate:
    """A proportion with its Wilson score interval (good near 0 and 1)."""
    if n == 0:
        return Estimate(math.nan, 0.0, 1.0, 0)
    p = successes / n
    d = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / d
    h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    low = 0.0 if successes == 0 else max(0.0, c - h)  # exact at the ends
    high = 1.0 if successes == n else min(1.0, c + h)
    return Estimate(p, low, high, n)


def mean(values: np.ndarray) -> Estimate:
    """A mean with its t interval."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    if n < 2:
        m = float(v.mean()) if n else math.nan
        return Estimate(m, -math.inf, math.inf, n)
    h = stdtrit(n - 1, 0.975) * v.std(ddof=1) / math.sqrt(n)
    return Estimate(float(v.mean()), float(v.mean() - h), float(v.mean() + h), n)


def estimate(values: np.ndarray) -> Estimate:
    v = np.asarray(values, dtype=float)
    return share(int(v.sum()), len(v)) if is_binary(v) else mean(v)


def paired_difference(a: np.ndarray, b: np.ndarray) -> tuple[Estimate, float]:
    """Mean of a - b over paired runs, its interval, and the half-width the same
    number of unpaired runs would give (for the variance reduction)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    diff = mean(a - b)
    if is_binary(a) and is_binary(b):  # a difference of shares lies in [-1, 1]
        diff = Estimate(diff.value, max(diff.low, -1.0), min(diff.high, 1.0), diff.n)
    n = len(a)
    unpaired = (stdtrit(max(2 * n - 2, 1), 0.975)
                * math.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n)) if n > 1 else math.inf
    return diff, unpaired


FAN_LEVELS = (5, 25, 50, 75, 95)


def fan(runs: np.ndarray, labels: list[str]) -> dict[str, list]:
    """Percentiles across runs (rows) of one series, step by step: a fan chart's bands."""
    q = np.percentile(np.asarray(runs, dtype=float), FAN_LEVELS, axis=0)
    return {"labels": labels, **{f"q{p:02d}": q[j].tolist() for j, p in enumerate(FAN_LEVELS)}}
