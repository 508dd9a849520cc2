"""Paired counterfactuals: strategies x theories on the same seeds.

Every arm runs on the same seeds, so with common random numbers two arms
differ only through what the strategy or theory changes, never through luck.
The paired difference from a reference arm therefore has a far smaller
interval than the same number of unpaired runs would give; the table shows
both, and the share of runs that pairing saves for the same width.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from inevitable.errors import InputError
from inevitable.experiments.predictive import draws
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.stats import Estimate, estimate, fan, paired_difference
from inevitable.experiments.sweep import as_scenario, sweep
from inevitable.scenarios.loader import Scenario


def strategies_of(sc: Scenario) -> list[str]:
    if sc.spec.strategies:
        return list(sc.spec.strategies)
    decl = sc.decls.get("strategy")
    if decl is not None and decl.choices:
        return list(decl.choices)
    raise InputError(f"scenario '{sc.name}' has no strategies to compare")


def theories_of(sc: Scenario) -> list[str | None]:
    decl = sc.decls.get("theory")
    return list(decl.choices) if decl is not None and decl.choices else [None]


def pick_strategies(sc: Scenario, strategies: list[str] | None) -> list[str]:
    """The strategies asked for (default: all), each checked against the scenario."""
    known = strategies_of(sc)
    chosen = list(strategies) if strategies else known
    for s in chosen:
        if s not in known:
            raise InputError(f"unknown strategy '{s}' (known: {', '.join(known)})",
                             "--strategies")
    return chosen


def pick_theories(sc: Scenario, theories: list[str] | str | None) -> list[str | None]:
    """``"T,C,N"``, ``"TCN"`` (one-letter names), a list, or None for all; checked."""
    allowed = theories_of(sc)
    if theories is None or theories == []:
        return allowed
    if isinstance(theories, str):
        theories = theories.split(",") if "," in theories else (
            list(theories) if all(len(t or "") == 1 for t in allowed) else [theories])
    chosen = [t.strip() for t in theories]
    for t in chosen:
        if t not in allowed:
            raise InputError(f"unknown theory '{t}' (known: {', '.join(map(str, allowed))})",
                             "--theories")
    return chosen


def numeric_outcomes(sc: Scenario, final: dict[str, Any]) -> list[str]:
    """The scenario's headline outcomes, else its numeric final values."""
    if sc.spec.outcomes:
        return [o.final for o in sc.spec.outcomes.values()]
    names = sc.spec.outputs.final or list(final)
    return [n for n in names if isinstance(final.get(n), int | float)
            and not isinstance(final.get(n), bool)]


@dataclass
class Arm:
    theory: str | None
    strategy: str
    values: dict[str, np.ndarray]
    estimates: dict[str, Estimate]
    fans: dict[str, dict] = field(default_factory=dict)  # series -> percentile bands


@dataclass
class Difference:
    theory: str | None
    strategy: str
    reference: str
    outcome: str
    estimate: Estimate
    unpaired_half_width: float

    @property
    def runs_saved(self) -> float:
        """Share of runs pairing saves for the same interval width."""
        if not self.estimate.half_width or not np.isfinite(self.unpaired_half_width):
            return float("nan")
        return 1.0 - (self.estimate.half_width / self.unpaired_half_width) ** 2


@dataclass
class Comparison:
    scenario: str
    seeds: list[int]
    outcomes: list[str]
    reference: str
    arms: list[Arm]
    differences: list[Difference]
    computed: int = 0
    reused: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def arm(self, strategy: str, theory: str | None = None) -> Arm:
        for a in self.arms:
            if a.strategy == strategy and a.theory == theory:
                return a
        raise KeyError((strategy, theory))

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "seeds": [self.seeds[0], self.seeds[-1]],
            "reps": len(self.seeds), "reference": self.reference, "outcomes": self.outcomes,
            "arms": [{"theory": a.theory, "strategy": a.strategy,
                      **{o: a.estimates[o].to_dict() for o in self.outcomes},
                      **({"fans": a.fans} if a.fans else {})}
                     for a in self.arms],
            "differences": [{"theory": d.theory, "strategy": d.strategy,
                             "reference": d.reference, "outcome": d.outcome,
                             **d.estimate.to_dict(),
                             "unpaired_half_width": d.unpaired_half_width,
                             "runs_saved_by_pairing": d.runs_saved}
                            for d in self.differences],
            **self.meta,
        }

    def to_frame(self):
        import pyarrow as pa

        rows = [{"theory": a.theory, "strategy": a.strategy, "outcome": o,
                 "estimate": e.value, "low": e.low, "high": e.high, "n": e.n}
                for a in self.arms for o, e in a.estimates.items()]
        return pa.Table.from_pylist(rows)

    def table(self):
        """A rich table, one row per arm and outcome, with the paired difference."""
        from rich.table import Table

        t = Table(title=f"{self.scenario}: {len(self.seeds)} paired runs per arm "
                        "(95% intervals)")
        for col in ("theory", "strategy", "outcome", "estimate", f"vs {self.reference}",
                    "unpaired would be"):
            t.add_column(col, justify="left" if col in ("theory", "strategy", "outcome")
                         else "right")
        diffs = {(d.theory, d.strategy, d.outcome): d for d in self.differences}
        for a in self.arms:
            for k, o in enumerate(self.outcomes):
                e = a.estimates[o]
                d = diffs.get((a.theory, a.strategy, o))
                t.add_row(a.theory or "-" if k == 0 else "", a.strategy if k == 0 else "", o,
                          f"{_fmt(e.value)} [{_fmt(e.low)}, {_fmt(e.high)}]",
                          f"{_fmt(d.estimate.value, True)} ±{_fmt(d.estimate.half_width)}"
                          if d else "", f"±{_fmt(d.unpaired_half_width)}" if d else "",
                          end_section=k == len(self.outcomes) - 1)
        return t


def _fmt(x: float, signed: bool = False) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:+.3g}" if signed else f"{x:.3g}"


def compare(
    scenario: Scenario | str,
    strategies: list[str] | None = None,
    theories: list[str] | str | None = None,
    reps: int = 200,
    seed: int = 0,
    *,
    outcomes: list[str] | None = None,
    reference: str | None = None,
    params: dict[str, Any] | None = None,
    backend=None,
    workers: int | None = None,
    scheduler: str | None = None,
    store=None,
    progress=True,
    posterior=None,
    branch: str | int | None = None,
    base: str | None = None,
    fans: list[str] | None = None,
) -> Comparison:
    """Run every (theory, strategy) arm on seeds ``seed .. seed + reps - 1``.

    With a ``posterior`` (from :func:`calibrate`), each seed runs with its own
    parameter set drawn from it for that theory: posterior-predictive chances
    instead of chances at the scenario's values.

    With a ``branch`` date, every seed's history runs under the ``base``
    strategy (default: historical) up to it, is snapshotted, and each
    strategy takes over from there. ``fans`` names series to summarise per
    arm as percentile bands (:func:`~inevitable.experiments.stats.fan`).
    """
    sc = as_scenario(scenario)
    if reps < 2:
        raise InputError("must be at least 2", "--reps")
    strategies = pick_strategies(sc, strategies)
    theories = pick_theories(sc, theories)
    reference = reference or strategies[0]
    if reference not in strategies:
        raise InputError(f"reference '{reference}' is not among the strategies compared",
                         "--reference")
    fixed = sc.check_overrides(params or {})
    seeds = list(range(seed, seed + reps))
    arms = list(product(theories, strategies))
    drawn = {t: (draws(posterior, t, reps, seed) if posterior is not None else [{}] * reps)
             for t in theories}
    step = branch_step(sc, branch)
    if step is None:
        specs = [RunSpec(params={**fixed, **drawn[t][k], **({"theory": t} if t else {}),
                                 "strategy": s}, seed=i)
                 for t, s in arms for k, i in enumerate(seeds)]
    else:
        trunk = base or ("historical" if "historical" in strategies_of(sc) else strategies[0])
        pick_strategies(sc, [trunk])
        specs = [RunSpec(params={**fixed, **drawn[t][k], **({"theory": t} if t else {}),
                                 "strategy": trunk}, seed=i, branch=step,
                         branch_params={"strategy": s})
                 for t, s in arms for k, i in enumerate(seeds)]
    result = sweep(sc, specs, backend=backend, workers=workers, scheduler=scheduler,
                   store=store, progress=progress, label="compare", series=bool(fans))
    outcomes = outcomes or numeric_outcomes(sc, result.finals[0])
    for o in outcomes:
        if o not in result.finals[0]:
            raise InputError(f"no outcome '{o}' (available: {', '.join(result.finals[0])})",
                             "--outcomes")
    built: list[Arm] = []
    for j, (t, s) in enumerate(arms):
        rows = result.finals[j * reps:(j + 1) * reps]
        values = {o: np.array([r[o] for r in rows], dtype=float) for o in outcomes}
        arm = Arm(t, s, values, {o: estimate(v) for o, v in values.items()})
        if fans:
            keys = [sp.key(sc.hash) for sp in specs[j * reps:(j + 1) * reps]]
            for name in fans:
                if name not in result.series[keys[0]]:
                    raise InputError(f"no series '{name}' (available: "
                                     f"{', '.join(result.series[keys[0]])})", "fans")
                arm.fans[name] = fan([result.series[k][name] for k in keys],
                                     sc.timeline.labels())
        built.append(arm)
    diffs = []
    for arm in built:
        if arm.strategy == reference:
            continue
        ref = next(a for a in built if a.theory == arm.theory and a.strategy == reference)
        for o in outcomes:
            est, unpaired = paired_difference(arm.values[o], ref.values[o])
            diffs.append(Difference(arm.theory, arm.strategy, reference, o, est, unpaired))
    return Comparison(scenario=sc.name, seeds=seeds, outcomes=outcomes, reference=reference,
                      arms=built, differences=diffs, computed=result.computed,
                      reused=result.reused,
                      meta={"scenario_hash": sc.hash, "params": fixed,
                            **({"branch": sc.timeline.label(step)} if step is not None else {}),
                            "posterior_predictive": posterior is not None})


def branch_step(sc: Scenario, branch: str | int | None, where: str = "--branch") -> int | None:
    """The step a branch date falls on, checked to lie inside the run."""
    if branch is None:
        return None
    step = sc.timeline.step_of(branch, where)
    if not 0 < step < sc.timeline.steps:
        raise InputError(f"'{branch}' lies outside the run ({sc.timeline.label(1)}.."
                         f"{sc.timeline.label(sc.timeline.steps - 1)})", where)
    return step
