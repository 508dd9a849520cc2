"""Out-of-sample validation: calibrate on the past, predict the rest of the record.

A model that fits every target it was calibrated on may have learnt nothing.
:func:`validate` hides the record after a cut-off date, calibrates on what is
left (ABC-SMC, :mod:`inevitable.experiments.calibrate`), then runs the model
with parameters drawn from that posterior and checks each hidden target
against the predictive distribution: its median, its 90% interval, whether
the record falls inside, and the standardised error of the median in the
calibration's own units. Final values with no date (the month of the left
turn, say) are predicted too, unless the record places them before the cut-off.

It also checks that the headline outcome has converged in the model's
resolution: the same posterior draws and seeds are run with ``scale``
divided by ``scale_factor`` (that many times more agents), and the two
estimates should agree within their paired 95% interval.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inevitable.errors import InputError
from inevitable.experiments import targets as tg
from inevitable.experiments.calibrate import calibrate
from inevitable.experiments.pool import kept_open
from inevitable.experiments.posterior import Posterior
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.stats import Estimate, estimate, paired_difference
from inevitable.experiments.sweep import as_scenario, sweep
from inevitable.scenarios.loader import Scenario
from inevitable.store.runstore import RunStore

LEVEL = 0.90  # the predictive interval reported per target


@dataclass
class Prediction:
    """The posterior-predictive distribution of one held-out target."""

    target: tg.Target
    median: float
    low: float  # 5% quantile
    high: float  # 95% quantile
    inside: bool  # the record (a value, or any part of a range) lies in [low, high]
    error: float  # standardised error of the median (the calibration's distance unit)
    agree: float  # share of runs that agree with the record (in its range, or within 2 sd)
    n: int

    @property
    def width(self) -> float:
        """The interval's width over the record's (its range, or the 4 sd that
        ``agree`` accepts): how sharp a prediction is, beside whether it covers.
        An interval a hundred times wider than the record covers it and says
        little."""
        t = self.target
        record = (t.high - t.low) if t.is_range else 4.0 * t.sd
        return (self.high - self.low) / record if record > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        record = self.target.to_dict()
        if self.target.is_range:  # the record's range, beside the interval's ends
            record["record_low"] = record.pop("low")
            record["record_high"] = record.pop("high")
        return {**record, "median": self.median, "low": self.low,
                "high": self.high, "inside": self.inside,
                "error": self.error if math.isfinite(self.error) else None,
                "agree": self.agree, "width": _finite_or_none(self.width), "n": self.n}


@dataclass
class ScaleCheck:
    """The headline outcome at the default scale and at a finer one, same seeds."""

    outcome: str
    scale: int
    fine_scale: int
    coarse: Estimate
    fine: Estimate
    difference: Estimate  # fine - coarse, paired by seed and parameters

    @property
    def agree(self) -> bool:
        return self.difference.low <= 0.0 <= self.difference.high

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "scale": self.scale, "fine_scale": self.fine_scale,
                "coarse": self.coarse.to_dict(), "fine": self.fine.to_dict(),
                "difference": self.difference.to_dict(), "agree": self.agree}


@dataclass
class Validation:
    scenario: str
    cutoff: str
    posterior: Posterior
    predictions: list[Prediction]
    scale: ScaleCheck | None
    reps: int
    seed: int
    notes: list[str] = field(default_factory=list)
    labels: Mapping[int, str] = field(default_factory=dict, repr=False)

    @property
    def sharpness(self) -> float:
        """Median width of the 90% intervals over the record's (see Prediction.width)."""
        widths = [p.width for p in self.predictions if not math.isnan(p.width)]
        return float(np.median(widths)) if widths else math.nan

    @property
    def agreeing(self) -> float:
        """Mean over held-out targets of the share of runs that agree with the record."""
        return float(np.mean([p.agree for p in self.predictions])) if self.predictions \
            else math.nan

    @property
    def coverage(self) -> float:
        """Share of held-out targets whose record falls in the 90% predictive interval."""
        if not self.predictions:
            return math.nan
        return sum(p.inside for p in self.predictions) / len(self.predictions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "cutoff": self.cutoff, "reps": self.reps,
            "seed": self.seed, "interval": LEVEL, "coverage": self.coverage,
            "sharpness": _finite_or_none(self.sharpness), "agreeing": self.agreeing,
            "calibration": {"targets": [t["id"] for t in self.posterior.targets],
                            "params": list(self.posterior.params),
                            "settings": self.posterior.settings,
                            "theory_probabilities": self.posterior.theory_probabilities,
                            "summary": self.posterior.summary(),
                            "epsilons": self.posterior.epsilons,
                            "n_simulations": self.posterior.n_simulations},
            "predictions": [p.to_dict() for p in self.predictions],
            "scale": None if self.scale is None else self.scale.to_dict(),
            "notes": self.notes,
        }

    def _fmt(self, p: Prediction, x: float) -> str:
        if p.target.event_time and x >= p.target.never:
            return "never"
        if p.target.event_time and self.labels:
            return self.labels.get(round(x), f"{x:.3g}")
        return f"{x:.4g}"

    def table(self):
        """The predictions, then the scale check, as one printable rich group."""
        from rich.console import Group
        from rich.table import Table

        post = self.posterior
        probs = ", ".join(f"P({t})={p:.2f}" for t, p in post.theory_probabilities.items())
        t = Table(title=f"{self.scenario}: calibrated on the record to {self.cutoff} "
                        f"({len(post.targets)} targets{'; ' + probs if probs else ''}); "
                        f"predicted with {self.reps} posterior draws",
                  caption=f"{sum(p.inside for p in self.predictions)} of "
                          f"{len(self.predictions)} records inside the 90% predictive "
                          f"interval, {self.sharpness:.3g} times the record's width "
                          f"(median); {self.agreeing:.0%} of runs agree with a record (mean); "
                          "error: |median - record| in sd (or range half-widths)")
        for col in ("target", "when", "record", "predicted median", "90% interval",
                    "inside", "error", "runs agreeing"):
            t.add_column(col, justify="left" if col in ("target", "when") else "right")
        for p in self.predictions:
            tgt = p.target
            record = (f"{tgt.value:.4g} ± {tgt.sd:.3g}" if not tgt.is_range
                      else f"{tgt.low:.4g} .. {tgt.high:.4g}")
            if tgt.event_time and self.labels:
                record = (f"{self.labels.get(int(tgt.low), tgt.low)} .. "
                          f"{self.labels.get(int(tgt.high), tgt.high)}" if tgt.is_range
                          else f"{self.labels.get(int(tgt.value), tgt.value)} ± {tgt.sd:.3g}")
            t.add_row(tgt.id, tgt.date or "final", record, self._fmt(p, p.median),
                      f"[{self._fmt(p, p.low)}, {self._fmt(p, p.high)}]",
                      "yes" if p.inside else "NO",
                      f"{p.error:.3g}" if math.isfinite(p.error) else "n/a", f"{p.agree:.0%}")
        parts: list[Any] = [t]
        s = self.scale
        if s is not None:
            st = Table(title=f"convergence in scale: '{s.outcome}' at scale {s.scale} and "
                             f"{s.fine_scale} (same seeds and draws)")
            for col in ("scale", "estimate", "95% interval"):
                st.add_column(col, justify="right")
            for sc_, e in ((s.scale, s.coarse), (s.fine_scale, s.fine)):
                st.add_row(str(sc_), f"{e.value:.4g}", f"[{e.low:.4g}, {e.high:.4g}]")
            d = s.difference
            st.add_row("difference", f"{d.value:+.4g}", f"[{d.low:+.4g}, {d.high:+.4g}] "
                       + ("agree" if s.agree else "DISAGREE"))
            parts.append(st)
        parts.extend(f"note: {n}" for n in self.notes)
        return Group(*parts)


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _seed(seed: int, i: int) -> int:
    digest = hashlib.blake2b(f"validate\x1f{seed}\x1f{i}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _predict(target: tg.Target, values: np.ndarray) -> Prediction:
    v = np.array([target.observed(x) for x in values], dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return Prediction(target, math.nan, math.nan, math.nan, False, math.inf, 0.0, 0)
    lo, med, hi = (float(q) for q in np.quantile(v, [(1 - LEVEL) / 2, 0.5, (1 + LEVEL) / 2]))
    # a value inside the interval, or a range overlapping it
    inside = (lo <= target.high and target.low <= hi) if target.is_range else (
        lo <= target.value <= hi)
    agree = float(np.mean([target.contains(x) for x in v]))
    return Prediction(target, med, lo, hi, bool(inside), target.error(med), agree, len(v))


def validate(
    scenario: Scenario | str | Path,
    params: Sequence[str] | str | None = None,
    theories: Sequence[str] | str | None = None,
    *,
    cutoff: str | int = "1926-12",
    particles: int = 100,
    generations: int = 3,
    reps: int = 100,
    seed: int = 0,
    replicates: int = 1,
    fixed: Mapping[str, Any] | None = None,
    scale_factor: int = 10,
    alpha: float = 0.5,
    backend=None,
    workers: int | None = None,
    scheduler: str | None = None,
    store: RunStore | str | Path | None = None,
    progress: bool | str = True,
    screen: int = 0,
    screen_runs: int = 400,
    min_fall: float = 0.0,
    min_ess: float = 0.0,
    weighting: str = "equal",
) -> Validation:
    """Calibrate on targets to ``cutoff``, predict the others, check convergence in scale.

    The calibration's settings are :func:`~inevitable.experiments.calibrate.calibrate`'s,
    so a validation can test the very method that made a shipped posterior.
    """
    sc = as_scenario(scenario)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise InputError(f"must be a whole number, at least 2; got {reps!r}", "--reps")
    if isinstance(scale_factor, bool) or not isinstance(scale_factor, int) or scale_factor < 2:
        raise InputError(f"must be a whole number, at least 2; got {scale_factor!r}",
                         "--scale-factor")
    tg.step_of(sc, cutoff, "--cutoff")  # a bad date fails before anything runs
    own_store = store is not None and not isinstance(store, RunStore)
    db = RunStore(store) if own_store else store
    notes: list[str] = []
    try:
        with kept_open(backend, workers, scheduler) as be:
            post = calibrate(sc, params, theories, particles=particles,
                             generations=generations, seed=seed, until=cutoff,
                             replicates=replicates, backend=be, store=db, progress=progress,
                             fixed=fixed, alpha=alpha, screen=screen, screen_runs=screen_runs,
                             min_fall=min_fall, min_ess=min_ess, weighting=weighting)
            used = {t["id"] for t in post.targets}
            held_out = [t for t in tg.all_targets(sc) if t.id not in used]
            if not held_out:
                raise InputError(f"every target is known by {cutoff}: nothing left to predict",
                                 "--cutoff")
            draws = post.sample(reps, seed)
            specs = [RunSpec(params=d, seed=_seed(seed, i)) for i, d in enumerate(draws)]
            probe_names = tg.probes(held_out)
            res = sweep(sc, specs, backend=be, store=db, probes=probe_names,
                        progress=progress, label="validate: predictions")
            sims = np.array([tg.simulated(held_out, f, probe_names, pv)
                             for f, pv in zip(res.finals, res.probes or [()] * len(specs),
                                              strict=True)], dtype=float)
            predictions = [_predict(t, sims[:, j]) for j, t in enumerate(held_out)]
            scale = _scale_check(sc, post, specs, res.finals, scale_factor, be, db, progress,
                                 notes)
    finally:
        if own_store and db is not None:
            db.close()
    labels = ({i: sc.timeline.label(i) for i in range(sc.timeline.steps + 1)}
              if sc.timeline.unit == "month" else {})
    return Validation(scenario=sc.name, cutoff=str(cutoff), posterior=post,
                      predictions=predictions, scale=scale, reps=reps, seed=seed,
                      notes=notes, labels=labels)


def _scale_check(sc: Scenario, post: Posterior, specs: list[RunSpec], finals: list[dict],
                 factor: int, be, db, progress, notes: list[str]) -> ScaleCheck | None:
    if not sc.spec.outcomes:
        notes.append("no headline outcome declared: scale convergence not checked")
        return None
    name, outcome = next(iter(sc.spec.outcomes.items()))
    if "scale" not in sc.decls or sc.decls["scale"].kind != "int":
        notes.append("the scenario has no integer 'scale' parameter: scale convergence "
                     "not checked")
        return None
    if "scale" in post.params:
        notes.append("'scale' was calibrated: scale convergence not checked")
        return None
    scale = int(post.fixed.get("scale", sc.values["scale"]))
    fine = max(1, scale // factor)
    if fine == scale:
        notes.append(f"scale is already {scale}: no finer scale to compare with")
        return None
    fine_specs = [RunSpec(params={**s.params, "scale": fine}, seed=s.seed) for s in specs]
    res = sweep(sc, fine_specs, backend=be, store=db, progress=progress,
                label=f"validate: scale {fine}")
    coarse_v = np.array([f[outcome.final] for f in finals], dtype=float)
    fine_v = np.array([f[outcome.final] for f in res.finals], dtype=float)
    diff, _ = paired_difference(fine_v, coarse_v)
    return ScaleCheck(name, scale, fine, estimate(coarse_v), estimate(fine_v), diff)
