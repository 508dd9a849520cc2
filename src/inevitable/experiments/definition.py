"""How the headline moves with the outcome's own definition: its cut-off date and threshold.

"Defeated by 1928-01, with the cadre below half its peak" is a definition,
not a fact of the record; a reader who would date the defeat later, or
call it only when less of the cadre is left, should see whether the answer
holds for them. So the headline (the reference strategy's chance, the
alternative's, and the paired difference) is recomputed on a small grid of
cut-off dates and thresholds.

A cut-off costs no runs: a run's time of the outcome (a final such as
``defeat_month``, -1 when never) says whether it came by any date, so the
headline's own runs are re-read. Before re-reading, the stored outcome is
rebuilt at the scenario's own cut-off, and the re-reading is used only if
it agrees in every run (a check that the time final dates this outcome).
A threshold changes when a run counts as defeated, which the finals do not
record, so each other threshold reruns a stratified subset of the
headline's draws (same theories, parameters and seeds: paired with it) for
the reference and the alternative only; those runs' own times of the
outcome then give every cut-off at that threshold too.

Conventions, so that any scenario can offer this: the cut-off is the
parameter ``cutoff`` of kind month (else the outcome counts by the run's
last step), the threshold is the float parameter ``<outcome>_share``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inevitable.experiments.averaged import Averaged, Draw, run_draws
from inevitable.experiments.mixture import allocate
from inevitable.experiments.sequential import finding
from inevitable.experiments.survival import time_final
from inevitable.scenarios.loader import Scenario

CUTOFF_MONTHS = (-6, 0, 6, 12)  # around a month cut-off, in months
CUTOFF_SHARES = (0.5, 0.75, 1.0)  # of the run, when the outcome counts by its end
THRESHOLD_STEP = 0.2  # thresholds at the scenario's own value and this either side


@dataclass(frozen=True)
class Definition:
    """Where an outcome's definition can be moved, and to which values."""

    outcome: str
    time: str  # the final that dates the outcome
    cutoff_param: str | None  # None: the outcome counts by the run's last step
    cutoff: int  # the scenario's own cut-off, as a step
    cutoffs: tuple[int, ...]  # steps, the own one among them
    threshold_param: str | None = None
    threshold: float | None = None
    thresholds: tuple[float, ...] = field(default_factory=tuple)

    @property
    def other_thresholds(self) -> tuple[float, ...]:
        return tuple(x for x in self.thresholds if x != self.threshold)


def definition_of(sc: Scenario, outcome: str, first: Mapping[str, Any]) -> Definition | None:
    """The movable parts of ``outcome``'s definition, or None if it has no time final.

    ``first``: one run's finals, to find the final that dates the outcome.
    """
    time = time_final(outcome, dict(first))
    if time is None:
        return None
    tl = sc.timeline
    decl = sc.decls.get("cutoff")
    if decl is not None and decl.kind == "month" and tl.unit == "month":
        own = tl.step_of(str(sc.values["cutoff"]))
        steps = {own + k for k in CUTOFF_MONTHS}
        param: str | None = "cutoff"
    else:
        own = tl.steps
        steps = {max(1, round(tl.steps * f)) for f in CUTOFF_SHARES}
        param = None
    cutoffs = tuple(sorted(s for s in steps if 0 <= s <= tl.steps))
    found = thresholds_of(sc, outcome)
    if found is None:
        return Definition(outcome, time, param, own, cutoffs)
    return Definition(outcome, time, param, own, cutoffs, f"{outcome}_share", *found)


def thresholds_of(sc: Scenario, outcome: str) -> tuple[float, tuple[float, ...]] | None:
    """The own value of ``<outcome>_share`` and the grid around it, within its bounds."""
    decl = sc.decls.get(f"{outcome}_share")
    if decl is None or decl.kind != "float":
        return None
    value = float(sc.values[f"{outcome}_share"])
    lo = decl.low if decl.low is not None else 0.0
    hi = decl.high if decl.high is not None else 1.0
    grid = {round(value + d, 10) for d in (-THRESHOLD_STEP, 0.0, THRESHOLD_STEP)}
    return value, tuple(sorted(x for x in grid if lo <= x <= hi))


def by_cutoff(res: Averaged, outcome: str, time: str, cutoff: int,
              strategies: Sequence[str] | None = None) -> Averaged:
    """``res`` with ``outcome`` re-read as "came by step ``cutoff``" from each run's time."""
    keep = list(strategies or res.strategies)
    finals = {s: [[{outcome: int(0 <= float(f[time]) <= cutoff)} for f in row]
                  for row in res.finals[s]] for s in keep}
    return Averaged(keep, res.draws, res.weights, finals, 0, res.meta)


def rereads_faithfully(res: Averaged, d: Definition) -> bool:
    """Whether the time final, read at the own cut-off, gives back every stored outcome."""
    again = by_cutoff(res, d.outcome, d.time, d.cutoff)
    return all(np.array_equal(res.values(s, d.outcome), again.values(s, d.outcome))
               for s in res.strategies)


def subset(draws: Sequence[Draw], weights: Mapping[str | None, float], n: int
           ) -> list[Draw]:
    """About ``n`` of the headline's draws, each theory in proportion to its weight.

    The first draws of each theory are taken, so a rerun on them is paired
    with the headline's runs and reuses its parameter sets and seeds.
    """
    counts = allocate(weights, n, 2)
    out: list[Draw] = []
    for t, k in counts.items():
        out += [d for d in draws if d.theory == t][:k]
    return out


def _best(res: Averaged, base: str, outcome: str) -> str:
    """The strategy least often reaching ``outcome``, one acting unlike the base.

    The base itself when every other strategy acts exactly as it does.
    """
    ref = res.values(base, outcome)
    alts = [s for s in res.strategies if s != base
            and not np.array_equal(res.values(s, outcome), ref)]
    if not alts:
        return base
    return min(alts, key=lambda s: res.chance(s, outcome).estimate.value)


def _row(res: Averaged, d: Definition, cutoff: int, threshold: float | None, base: str,
         alt: str, labels: Sequence[str], whole: bool) -> dict[str, Any]:
    r = by_cutoff(res, d.outcome, d.time, cutoff)
    o = d.outcome
    return {"cutoff": labels[cutoff], "threshold": threshold,
            "own": cutoff == d.cutoff and threshold == d.threshold,
            "draws": len(res.draws),
            "reference": finding(r.chance(base, o).estimate),
            "alternative": finding(r.chance(alt, o).estimate),
            "difference": finding(r.difference(alt, base, o).estimate),
            # only where every strategy ran can another one be found best
            "best": _best(r, base, o) if whole else None}


def outcome_definition(sc: Scenario, res: Averaged, base: str, alt: str, outcome: str,
                       threshold_draws: int, **common: Any) -> dict[str, Any] | None:
    """The headline on a grid of cut-offs and thresholds (verdict.json ``definition``).

    ``res``: the headline's runs (every strategy); ``alt``: its best
    alternative. ``threshold_draws``: headline draws rerun at each other
    threshold (0: thresholds left alone). ``common``: backend, store, progress.
    """
    first = res.finals[res.strategies[0]][0][0]
    d = definition_of(sc, outcome, first)
    if d is None or alt == base:
        return None
    labels = sc.timeline.labels()
    if not rereads_faithfully(res, d):
        return {"outcome": outcome, "time": d.time, "rows": [],
                "note": f"'{d.time}' read at the scenario's own cut-off does not give back "
                        f"'{outcome}' in every run, so the outcome cannot be re-read at "
                        "other dates; nothing is shown"}
    own_t = d.threshold if d.threshold_param else None
    rows = [_row(res, d, c, own_t, base, alt, labels, True) for c in d.cutoffs]
    if d.threshold_param and threshold_draws > 0:
        draws = subset(res.draws, res.weights, threshold_draws)
        for x in d.other_thresholds:
            rerun = run_draws(sc, draws, [base, alt], res.weights,
                              overrides={d.threshold_param: x},
                              label=f"{d.threshold_param} {x:g}", **common)
            rows += [_row(rerun, d, c, x, base, alt, labels, False) for c in d.cutoffs]
    rows.sort(key=lambda r: (r["threshold"] if r["threshold"] is not None else 0.0,
                             labels.index(r["cutoff"])))
    return {"outcome": outcome, "time": d.time, "reference": base, "alternative": alt,
            "cutoff": {"parameter": d.cutoff_param, "value": labels[d.cutoff]},
            "threshold": ({"parameter": d.threshold_param, "value": d.threshold}
                          if d.threshold_param else None),
            "rows": rows}


def definition_runs(sc: Scenario, outcome: str, n_theories: int, threshold_draws: int,
                    seeds: int) -> int:
    """Runs :func:`outcome_definition` asks for at most (for ``--budget``).

    Every theory with weight gets two draws at least, as in the headline.
    """
    found = thresholds_of(sc, outcome)
    if found is None or threshold_draws <= 0:
        return 0
    value, grid = found
    others = sum(1 for x in grid if x != value)
    return others * max(threshold_draws, 2 * n_theories) * seeds * 2
