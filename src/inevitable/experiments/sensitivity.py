"""Structure versus agency: Sobol indices of the outcomes, and Morris screening.

The objective conditions (parameters with priors) and the strategy (a
discrete factor) are varied together over Saltelli's design (SALib); the
first-order index of a factor is the share of the outcome's variance it
explains alone, the total-order index adds its interactions. The share of
agency is the strategy's total index against the sum of all total indices;
the rest is structure.

Every point of the design runs on the same seeds (common random numbers), so
the outcome is a deterministic function of the factors for each seed and no
luck is credited to a factor: a strategy that changes nothing gets an index
of exactly zero. The outcome is averaged over ``replicates`` seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from inevitable.errors import InputError
from inevitable.experiments.design import factors, to_params
from inevitable.experiments.predictive import draws
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import as_scenario, sweep


@dataclass
class Indices:
    outcome: str
    names: list[str]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray

    @property
    def agency_share(self) -> float | None:
        """The strategy's share of the summed total-order indices."""
        if "strategy" not in self.names:
            return None
        st = np.clip(self.ST, 0, None)
        return float(st[self.names.index("strategy")] / st.sum()) if st.sum() > 0 else 0.0


@dataclass
class Sensitivity:
    scenario: str
    method: str
    runs: int
    indices: list[Indices]
    morris: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    computed: int = 0
    reused: int = 0

    def to_dict(self) -> dict[str, Any]:
        if self.method == "morris":
            return {"scenario": self.scenario, "method": "morris", "runs": self.runs,
                    "outcomes": {o: {k: np.asarray(v).tolist() for k, v in m.items()}
                                 for o, m in self.morris.items()}}
        return {"scenario": self.scenario, "method": "sobol", "runs": self.runs,
                "outcomes": {ix.outcome: {"names": ix.names, "S1": ix.S1.tolist(),
                                          "S1_conf": ix.S1_conf.tolist(), "ST": ix.ST.tolist(),
                                          "ST_conf": ix.ST_conf.tolist(),
                                          "agency_share": ix.agency_share}
                             for ix in self.indices}}

    def table(self):
        from rich.table import Table

        if self.method == "morris":
            t = Table(title=f"{self.scenario}: Morris screening ({self.runs} runs)")
            for col in ("outcome", "factor", "mu*", "±", "sigma"):
                t.add_column(col)
            for o, m in self.morris.items():
                order = np.argsort(-np.asarray(m["mu_star"]))
                for i in order:
                    t.add_row(o, m["names"][i], f"{m['mu_star'][i]:.3g}",
                              f"{m['mu_star_conf'][i]:.2g}", f"{m['sigma'][i]:.3g}")
            return t
        t = Table(title=f"{self.scenario}: Sobol indices ({self.runs} runs, 95% bootstrap)")
        for col in ("outcome", "factor", "first order", "total order"):
            t.add_column(col)
        for ix in self.indices:
            order = np.argsort(-ix.ST)
            for i in order:
                t.add_row(ix.outcome, ix.names[i], f"{ix.S1[i]:.3f} ±{ix.S1_conf[i]:.3f}",
                          f"{ix.ST[i]:.3f} ±{ix.ST_conf[i]:.3f}")
            if ix.agency_share is not None:
                t.add_row(ix.outcome, "[b]agency share[/b]", "", f"{ix.agency_share:.2f}")
        return t


def sensitivity(
    scenario,
    params: list[str] | None = None,
    outcomes: list[str] | None = None,
    *,
    strategies: list[str] | bool | None = None,
    theory: str | None = None,
    method: str = "sobol",
    samples: int = 64,
    replicates: int = 1,
    seed: int = 0,
    fixed: dict[str, Any] | None = None,
    backend=None,
    workers: int | None = None,
    scheduler: str | None = None,
    store=None,
    progress: bool | str = True,
    posterior=None,
) -> Sensitivity:
    """Sobol (``samples`` a power of two; samples x (D + 2) points) or Morris
    (``samples`` trajectories; samples x (D + 1) points).

    With a ``posterior``, the parameters not varied are drawn from it (one
    draw per seed, shared by every design point, so the design stays paired);
    the varied factors still span their priors.
    """
    sc = as_scenario(scenario)
    if method not in ("sobol", "morris"):
        raise InputError(f"unknown method '{method}' (sobol or morris)", "--method")
    if samples < 2 or (method == "sobol" and samples & (samples - 1)):
        raise InputError("must be a power of two, at least 2 (Sobol design)", "--samples")
    if replicates < 1:
        raise InputError("must be at least 1", "--replicates")
    fs = factors(sc, params, strategies)
    problem = {"num_vars": len(fs), "names": [f.name for f in fs],
               "bounds": [[0.0, 1.0]] * len(fs)}
    if method == "sobol":
        X = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        X = morris_sample.sample(problem, samples, num_levels=4, seed=seed)
    base = sc.check_overrides({**(fixed or {}), **({"theory": theory} if theory else {})})
    background = (draws(posterior, theory, replicates, seed) if posterior is not None
                  else [{}] * replicates)
    specs = [RunSpec(params={**base, **background[r], **to_params(sc, fs, row)}, seed=seed + r)
             for row in X for r in range(replicates)]
    res = sweep(sc, specs, backend=backend, workers=workers, scheduler=scheduler, store=store,
                progress=progress, label="sensitivity")
    outcomes = outcomes or ([o.final for o in sc.spec.outcomes.values()] if sc.spec.outcomes
                            else [k for k, v in res.finals[0].items()
                                  if isinstance(v, int | float)])
    out = Sensitivity(scenario=sc.name, method=method, runs=len(specs), indices=[],
                      computed=res.computed, reused=res.reused)
    for o in outcomes:
        if o not in res.finals[0]:
            raise InputError(f"no outcome '{o}'", "--outcomes")
        y = np.array([float(f[o]) for f in res.finals]).reshape(len(X), replicates).mean(axis=1)
        if method == "sobol":
            if np.var(y) == 0:
                zeros = np.zeros(len(fs))
                out.indices.append(Indices(o, problem["names"], zeros, zeros, zeros, zeros))
                continue
            si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=200,
                                       conf_level=0.95, seed=seed)
            out.indices.append(Indices(o, problem["names"], si["S1"], si["S1_conf"], si["ST"],
                                       si["ST_conf"]))
        else:
            si = morris_analyze.analyze(problem, X, y, num_resamples=200, conf_level=0.95,
                                        seed=seed)
            out.morris[o] = {"names": problem["names"], "mu_star": si["mu_star"],
                             "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]}
    return out
