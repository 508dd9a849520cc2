"""Precision: a number is printed as a finding only if its interval is narrow enough.

A 95% interval wider than a few points does not say what a reader takes a
printed percentage to say. So every finding carries ``low``/``high`` and,
when its half-width exceeds the target (3 points for probabilities),
``too_few_runs: true`` with the runs it would need: the half-width of a
mean shrinks as one over the square root of the runs, so ``n`` runs at
half-width ``h`` need about ``n (h / target)^2``.

Runs are spent sequentially: a first batch of draws, then more, sized by
that same rule from the widest headline interval so far, until every
headline interval is narrow enough or the budget is spent. Stopping on the
data costs a little coverage in principle; the batches are few (the rule
aims at the target in one step) and the target is a bound on width, not a
test, so the intervals keep their meaning.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inevitable.experiments.averaged import Averaged
from inevitable.experiments.stats import Estimate

TARGET = 0.03  # 95% half-width of a printed probability or difference of probabilities
MAX_BATCHES = 6


def runs_needed(e: Estimate, target: float = TARGET) -> int:
    """Runs that would bring ``e``'s half-width down to ``target`` (at least its own)."""
    h = e.half_width
    if not math.isfinite(h):
        return max(2 * e.n, 2)
    return max(e.n, math.ceil(e.n * (h / target) ** 2))


def finding(e: Estimate, target: float = TARGET) -> dict[str, Any]:
    """A printed number: ``{estimate, low, high, runs}``, flagged when too wide."""
    out: dict[str, Any] = {"estimate": e.value, "low": e.low, "high": e.high, "runs": e.n}
    if not e.half_width <= target:
        out["too_few_runs"] = True
        out["runs_needed"] = runs_needed(e, target)
    return out


def next_batch(done: int, half_width: float, target: float, budget: int,
               minimum: int = 2) -> int:
    """Draws to add after ``done`` draws left the widest interval at ``half_width``.

    Zero when the interval is narrow enough or the budget is spent; else the
    draws the square-root rule predicts (5% more, so that one more batch
    usually suffices), never fewer than ``minimum`` nor beyond the budget.
    """
    if half_width <= target or done >= budget:
        return 0
    if not math.isfinite(half_width):
        want = done
    else:
        want = math.ceil(done * (half_width / target) ** 2 * 1.05) - done
    return max(min(want, budget - done), min(minimum, budget - done))


@dataclass
class Sequential:
    """The design as it stood when it stopped, and why."""

    result: Averaged
    widths: list[float] = field(default_factory=list)  # widest half-width after each batch
    draws: list[int] = field(default_factory=list)  # draws after each batch
    stopped: str = ""


def sequential(run: Callable[[int, int], Averaged], widest: Callable[[Averaged], float],
               first: int, budget: int, target: float = TARGET) -> Sequential:
    """Batches of draws until ``widest(result) <= target`` or ``budget`` draws.

    ``run(start, n)`` runs draws ``start .. start + n - 1`` (a batch),
    ``widest`` gives the widest half-width among the headline numbers.
    """
    first = max(min(first, budget), 2)
    res = run(0, first)
    seq = Sequential(res)
    for _ in range(MAX_BATCHES):
        h = widest(seq.result)
        seq.widths.append(h)
        seq.draws.append(len(seq.result.draws))
        more = next_batch(len(seq.result.draws), h, target, budget)
        if more == 0:
            break
        seq.result = seq.result.extended(run(len(seq.result.draws), more))
    else:
        seq.widths.append(widest(seq.result))
        seq.draws.append(len(seq.result.draws))
    h = seq.widths[-1]
    seq.stopped = (f"narrow enough (±{h:.3f} <= ±{target:.3f})" if h <= target
                   else f"budget spent ({len(seq.result.draws)} draws; ±{h:.3f})")
    return seq
