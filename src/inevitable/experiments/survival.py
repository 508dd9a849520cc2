"""Survival: when defeat came, and whether avoiding it by the cut-off only postponed it.

A chance of defeat by a cut-off date says nothing about the runs that were
defeated a month later. From each run's time of defeat (a final value such
as ``defeat_month``, -1 when never) this gives, per strategy and theory, the
share of runs still standing at each step, and splits the runs not defeated
by the cut-off into those defeated later (postponed) and those standing at
the end of the run (avoided).

An outcome that no run reached is reported as unreachable in these runs,
with the rule-of-three bound on its chance, rather than as a 0% that reads
like a measurement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from inevitable.experiments.averaged import Averaged


def time_final(outcome: str, finals: dict[str, Any]) -> str | None:
    """The final value that dates ``outcome`` (``<outcome>_month`` or ``_step``)."""
    for suffix in ("_month", "_step"):
        if f"{outcome}{suffix}" in finals:
            return f"{outcome}{suffix}"
    return None


def standing(times: np.ndarray, steps: int) -> list[float]:
    """Share of runs not yet defeated at each step 0 .. steps-1 (-1: never defeated)."""
    t = np.asarray(times, dtype=float)
    never = t < 0
    return [float(np.mean(never | (t > s))) for s in range(steps)]


def _times(res: Averaged, strategy: str, name: str, rows: Sequence[int]) -> np.ndarray:
    return np.array([float(f[name]) for j in rows for f in res.finals[strategy][j]])


def survival(res: Averaged, outcome: str, steps: int, labels: list[str],
             cutoff: str | None = None) -> dict[str, Any] | None:
    """Monthly survival per strategy and theory, and avoided versus postponed.

    A run spared ``outcome`` (its final value 0, e.g. not defeated by the
    cut-off) was defeated later (postponed) or never in the run (avoided).
    ``cutoff`` names the cut-off date, for the record.
    """
    first = res.finals[res.strategies[0]][0][0]
    name = time_final(outcome, first)
    if name is None:
        return None
    by_theory: dict[str | None, list[int]] = {}
    for j, d in enumerate(res.draws):
        by_theory.setdefault(d.theory, []).append(j)
    curves = []
    for s in res.strategies:
        for t, rows in by_theory.items():
            times = _times(res, s, name, rows)
            hit = np.array([float(f[outcome]) for j in rows for f in res.finals[s][j]]) > 0
            later = (times >= 0) & ~hit
            spared = int((~hit).sum())
            curves.append({
                "strategy": s, "theory": t, "runs": len(times),
                "alive": standing(times, steps),
                "survive_to_end": float(np.mean(times < 0)),
                "postponed": float(later.sum() / spared) if spared else None,
                "avoided": float((times < 0).sum() / spared) if spared else None})
    return {"time": name, "labels": labels, "cutoff": cutoff, "curves": curves}


def against_record(res: Averaged, strategy: str, name: str, target_id: str,
                   low: float, high: float, labels: Sequence[str]) -> dict[str, Any]:
    """When the runs of ``strategy`` (the one followed) met the outcome, against the
    record's months ``low`` .. ``high`` of it (a target on the time final ``name``).

    Pooled over every draw, so over theories as the headline weighs them. It
    says why a chance that the record puts at 1 comes out below 1: the share
    defeated before the record's months (and more than six steps before), in
    them, after them, or never.
    """
    rows = list(range(len(res.draws)))
    t = _times(res, strategy, name, rows)
    met = t >= 0

    def label(m: float) -> str:
        i = int(m)
        return labels[i] if 0 <= i < len(labels) else str(i)

    return {"strategy": strategy, "target": target_id, "time": name, "runs": int(t.size),
            "low": label(low), "high": label(high),
            "before": float(np.mean(met & (t < low))),
            "before_by_half_a_year": float(np.mean(met & (t < low - 6))),
            "within": float(np.mean(met & (t >= low) & (t <= high))),
            "after": float(np.mean(met & (t > high))),
            "never": float(np.mean(~met))}


def unreachable(res: Averaged, outcomes: Sequence[str]) -> list[dict[str, Any]]:
    """0/1 outcomes no run of any arm reached, with the rule-of-three bound."""
    out = []
    for o in outcomes:
        vals = np.concatenate([res.values(s, o).ravel() for s in res.strategies])
        binary = bool(np.all((vals == 0) | (vals == 1)))
        if binary and not vals.any():
            n = int(vals.size)
            out.append({"outcome": o, "runs": n, "upper_bound": 3.0 / n,
                        "note": f"never reached in any of the {n} runs of any strategy: "
                                "unreachable in this model as run here, not a measured 0%"})
    return out
