"""The verdict's headline, posterior-predictive and model-averaged, as verdict.json data.

Runs the sequential, paired design of :mod:`~inevitable.experiments.averaged`
over every strategy, then packages what the report prints from it: the
model-averaged chances and the headline difference (each a finding with its
precision), the variance split, per-theory arms and paired differences in
the ``compare`` layout, the screen of parameters, tipping curves, a
two-parameter map, the headline under a sceptical prior, and survival.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inevitable.experiments.averaged import Averaged, plan, run_draws, uncertain
from inevitable.experiments.judge import DifferenceEvidence
from inevitable.experiments.plausibility import bounds_of, headline_within, plausibility
from inevitable.experiments.priors import describe, sceptical
from inevitable.experiments.screen import screen
from inevitable.experiments.sequential import TARGET, finding, sequential
from inevitable.experiments.stats import paired_difference
from inevitable.experiments.tipping import tipping_curve, tipping_map

SEEDS_PER_DRAW = 2
# parameters that carry what the Opposition's deeds do (the agency block): a sceptic
# believes them small; the toy's 'effect' plays the same part
AGENCY_BLOCK = ("agency_effect", "demand_effect", "defend_effect", "effect")


@dataclass(frozen=True)
class Plan:
    """What to run: the design of the headline and of what one would have to believe."""

    draws: int  # headline draws at most (each on SEEDS_PER_DRAW seeds, every strategy)
    first: int  # draws in the first sequential batch
    tip_params: int
    tip_points: int
    tip_draws: int
    map_points: int
    map_draws: int
    sceptic_draws: int


class Headline:
    """The sequential headline design for one study, and what follows from it."""

    def __init__(self, sc, strategies: Sequence[str], base: str, outcome: str,
                 weights: Mapping[str | None, float], posterior, seed: int,
                 common: Mapping[str, Any]) -> None:
        self.sc, self.strategies, self.base, self.outcome = sc, list(strategies), base, outcome
        self.weights, self.posterior, self.seed, self.common = (dict(weights), posterior,
                                                                seed, dict(common))

    def _run(self, start: int, n: int, strategies: Sequence[str] | None = None,
             fixed: Mapping[str, Any] | None = None, priors=None, label: str = "headline",
             seeds: int = SEEDS_PER_DRAW) -> Averaged:
        draws = plan(self.sc, self.weights, n, seeds=seeds, seed=self.seed, start=start,
                     posterior=self.posterior, fixed=fixed, priors=priors,
                     minimum=2)
        return run_draws(self.sc, draws, strategies or self.strategies, self.weights,
                         label=label, **self.common)

    def run(self, p: Plan) -> Averaged:
        """The headline design, batch by batch, until its numbers are precise or p.draws."""
        def widest(res: Averaged) -> float:
            best = self.best(res)
            ests = [res.chance(self.base, self.outcome).estimate,
                    res.chance(best, self.outcome).estimate,
                    res.difference(best, self.base, self.outcome).estimate]
            return max(e.half_width for e in ests)

        seq = sequential(lambda start, n: self._run(start, n), widest, p.first, p.draws)
        seq.result.meta["stopped"] = seq.stopped
        seq.result.meta["batches"] = len(seq.draws)
        return seq.result

    def best(self, res: Averaged) -> str:
        alts = [s for s in self.strategies if s != self.base]
        if not alts:
            return self.base
        # an alternative that acts exactly as the base in every paired run is no alternative
        base = res.values(self.base, self.outcome)
        acting = [s for s in alts if not np.array_equal(res.values(s, self.outcome), base)]
        alts = acting or alts
        return min(alts, key=lambda s: res.chance(s, self.outcome).estimate.value)

    # -- verdict.json sections -------------------------------------------------------
    def averaged(self, res: Averaged, best: str) -> tuple[list[dict], dict]:
        o = self.outcome
        rows = []
        for label, kind, mix in (
                (f"chance of {o} with the {self.base} strategy", "probability",
                 res.chance(self.base, o)),
                (f"chance of {o} with {best} from the start", "probability",
                 res.chance(best, o)),
                (f"{best} minus {self.base}: change in the chance of {o}", "difference",
                 res.difference(best, self.base, o))):
            row = {"label": label, "kind": kind, **finding(mix.estimate),
                   "per_theory": {str(s.theory): finding(mix.for_theory(s.theory))
                                  for s in mix.strata}}
            rows.append(row)
        split = res.chance(self.base, o).variance
        return rows, split

    def compare(self, res: Averaged, outcomes: Sequence[str]) -> dict[str, Any]:
        """Per-theory arms and paired differences, in the ``compare`` layout."""
        arms, diffs = [], []
        theories = [t for t, w in self.weights.items() if w > 0]
        for t in theories:
            for s in self.strategies:
                arm: dict[str, Any] = {"theory": t, "strategy": s}
                for o in outcomes:
                    e = res.chance(s, o).for_theory(t)
                    arm[o] = {**e.to_dict(), **_flag(e)}
                arms.append(arm)
        rows = {t: [j for j, d in enumerate(res.draws) if d.theory == t] for t in theories}
        for t in theories:
            for s in self.strategies:
                if s == self.base:
                    continue
                for o in outcomes:
                    e = res.difference(s, self.base, o).for_theory(t)
                    a = res.values(s, o)[rows[t]].ravel()
                    b = res.values(self.base, o)[rows[t]].ravel()
                    _, unpaired = paired_difference(a, b)
                    saved = (1 - (e.half_width / unpaired) ** 2
                             if unpaired and np.isfinite(unpaired) and e.half_width else None)
                    diffs.append({"theory": t, "strategy": s, "reference": self.base,
                                  "outcome": o, **e.to_dict(), "unpaired_half_width": unpaired,
                                  "runs_saved_by_pairing": saved})
        return {"reps": len(res.draws) * SEEDS_PER_DRAW, "reference": self.base,
                "outcomes": list(outcomes), "arms": arms, "differences": diffs,
                "posterior_predictive": True, "seeds_per_draw": SEEDS_PER_DRAW,
                "draws": len(res.draws), "stopped": res.meta.get("stopped", ""),
                "params": {}}

    def bounded(self, res: Averaged, best: str) -> dict[str, Any]:
        """The runs beyond the scenario's bounds and the headline without them.

        Read from the headline's own runs (no new ones), so the two headlines
        differ only by the runs dropped. Empty when the scenario declares no
        bounds: then nothing was checked, and the verdict says nothing about it.
        """
        bounds = bounds_of(self.sc)
        if not bounds:
            return {}
        return {"plausibility": plausibility(res, self.outcome, bounds),
                "headline_within_bounds": headline_within(res, self.base, best,
                                                          self.outcome, bounds)}

    def evidence(self, res: Averaged) -> dict[tuple[str, str, str], DifferenceEvidence]:
        """Model-averaged paired differences as the claims see them.

        Every ordered pair of the strategies run, not only those against the
        base: a claim may name its own reference (``marot-should-prepare-split``
        compares class-struggle with the same strategy without its split), and
        the runs are paired across all strategies alike.
        """
        out = {}
        for s in self.strategies:
            for ref in self.strategies:
                if s == ref:
                    continue
                d = res.values(s, self.outcome) - res.values(ref, self.outcome)
                out[(s, ref, self.outcome)] = DifferenceEvidence(
                    res.difference(s, ref, self.outcome).estimate, bool(np.all(d == 0)),
                    "posterior predictive, model-averaged over theories and parameters")
        return out

    def beliefs(self, res: Averaged, best: str, p: Plan) -> tuple[list[dict], dict]:
        """The screen, the tipping curves, the two-parameter map and the sceptic's headline."""
        names = uncertain(self.sc, None)
        d = (res.values(best, self.outcome) - res.values(self.base, self.outcome)).mean(axis=1)
        ranked = screen([dr.params for dr in res.draws], d, names)
        top = [s.name for s in ranked[:p.tip_params]]

        def at(fixed, n=p.tip_draws):
            r = self._run(0, n, [self.base, best], fixed=fixed, label="tipping", seeds=1)
            return r.difference(best, self.base, self.outcome).estimate

        tipping = [tipping_curve(self.sc, name, p.tip_points, at).to_dict(finding)
                   for name in top]
        out: dict[str, Any] = {
            "alternative": best,
            "screen": [{"name": s.name, "rho": s.rho, "significant": s.significant}
                       for s in ranked[:8]],
        }
        if len(top) >= 2 and p.map_points >= 2:
            out["map"] = tipping_map(self.sc, (top[0], top[1]), p.map_points,
                                     lambda f: at(f, p.map_draws))
        block = [n for n in AGENCY_BLOCK if n in self.sc.priors]
        if block and p.sceptic_draws:
            priors = {n: sceptical(self.sc.priors[n]) for n in block}
            r = self._run(0, p.sceptic_draws, [self.base, best], priors=priors,
                          label="sceptical prior", seeds=1)
            out["sceptical"] = {"parameters": block,
                                "priors": {n: describe(q) for n, q in priors.items()},
                                **finding(r.difference(best, self.base, self.outcome)
                                          .estimate)}
        return tipping, out


def _flag(e) -> dict[str, Any]:
    return {"too_few_runs": True} if not e.half_width <= TARGET else {}
