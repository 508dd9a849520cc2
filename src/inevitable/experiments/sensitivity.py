"""Structure versus agency: Sobol indices of the outcomes, and Morris screening.

The objective conditions (parameters with priors) and the strategy are varied
together over Saltelli's design (SALib); the first-order index of a factor is
the share of the outcome's variance it explains alone, the total-order index
adds its interactions.

**The strategy is a two-level contrast**, a reference strategy (the verdict's:
the one actually followed) against one alternative (the verdict's: the best
alternative the headline found), each level equally likely. The share of
agency is the strategy's total-order index: the share of the outcome's
variance that would vanish if one knew which of the two was followed, its
interactions with the conditions included (without a choice of strategy they
would not exist). The rest, one minus it, is what the conditions explain on
their own: structure. Both add up to one by construction.

Why a contrast, not the whole menu as one factor: a factor over k strategies
gives each weight 1/k, so its variance, and any share built on it, changes
when a strategy is added to the menu, a near copy of the historical one
dilutes agency and a hopeless one inflates it, though nothing about the
history changed. A pair fixes the question ("this strategy or that one?") and
the answer does not depend on what else is on the menu. (Using the paired
difference of the two strategies as the output instead would say which
conditions decide how much the strategy matters, but gives no share of the
outcome's variance, which is the question asked.) The earlier share, the
strategy's total index over the sum of all total indices, depended on the
menu and on how interactions were counted twice; it is gone.

Every point of the design runs on the same seeds (common random numbers), so
the outcome is a deterministic function of the factors for each seed and no
luck is credited to a factor: the two levels of the strategy at one point of
the conditions are a paired comparison (same seed, same draw of the other
parameters), and a strategy that changes nothing gets an index of exactly
zero. The outcome is averaged over ``replicates`` seeds.

**Precision.** SALib gives each index a bootstrap 95% half-width (resampling
the base samples); for a factor that changed no run of the design the
bootstrap says exactly 0, so such a factor gets the rule of three's bound
instead (:func:`unseen_floor`). An index is a finding only when that half-width is at most
:data:`PRECISION`; otherwise it is "too few runs to say", with the base
samples it would need: half-widths shrink about as one over the square root of
the base samples, so ``n`` samples at half-width ``h`` need about
``n (h / PRECISION)^2``, rounded up to a power of two (an estimate: the
bootstrap half-width is itself estimated, and the rule assumes the estimator
already behaves as it will at the larger size).

**Convergence.** SALib's Sobol design interleaves its rows by base sample
(``A``, the ``D`` cross rows, ``B``, then the next sample), and a prefix of a
scrambled Sobol sequence is itself a Sobol sequence, so the first ``n (D + 2)``
rows of the design for ``N`` base samples are the design for ``n``. The
indices at ``N/8``, ``N/4``, ``N/2`` and ``N`` are computed from those nested
prefixes of the same runs, at no extra cost: if they still move between
``N/2`` and ``N`` by more than their intervals, ``N`` was not enough.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from inevitable.errors import InputError
from inevitable.experiments.compare import strategies_of
from inevitable.experiments.design import factors, to_params
from inevitable.experiments.predictive import draws
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import as_scenario, sweep

PRECISION = 0.05  # 95% half-width of a Sobol index printed as a finding (issue 11, item 4)
RESAMPLES = 1000  # bootstrap resamples per index: the half-width's own error about 2%
CONVERGENCE = (8, 4, 2, 1)  # the record holds the indices at N/8, N/4, N/2 and N
CONTRAST_HELP = ("the strategy enters as a two-level contrast, a reference and one "
                 "alternative, so that its share does not depend on how many strategies "
                 "are on the menu: name two, e.g. --strategies historical,class-struggle")


def samples_needed(samples: int, half_width: float, target: float = PRECISION) -> int | None:
    """Base samples that would bring ``half_width`` to ``target``; None when already there.

    Half-widths shrink as one over the square root of the base samples, so
    ``samples`` at ``half_width`` need about ``samples (half_width / target)^2``;
    rounded up to a power of two, as the Sobol design wants. An estimate, not
    a promise. A half-width that is not a number (no interval) asks for twice
    the samples, the least that could tell.
    """
    if math.isfinite(half_width) and half_width <= target:
        return None
    if not math.isfinite(half_width):
        return 2 * samples
    want = samples * (half_width / target) ** 2
    return max(2 * samples, 1 << math.ceil(math.log2(want)))


@dataclass
class Level:
    """The indices from the first ``samples`` base samples of the design."""

    samples: int
    runs: int
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    constant: bool = False  # the outcome was the same in all these runs: zeros, no variance

    def to_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "runs": self.runs, "S1": self.S1.tolist(),
                "S1_conf": self.S1_conf.tolist(), "ST": self.ST.tolist(),
                "ST_conf": self.ST_conf.tolist(), "constant": self.constant}


@dataclass
class Indices:
    outcome: str
    names: list[str]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    samples: int = 0  # base samples N
    runs_per_sample: int = 0  # (D + 2) x replicates
    convergence: list[Level] = field(default_factory=list)
    constant: bool = False  # the outcome was the same in every run: no variance to share

    @property
    def agency_share(self) -> float | None:
        """The strategy's total-order index: the variance that knowing it would remove."""
        if "strategy" not in self.names:
            return None
        return float(np.clip(self.ST[self.names.index("strategy")], 0.0, 1.0))

    @property
    def agency_half_width(self) -> float | None:
        """The agency share's 95% half-width (the strategy's total index's, bootstrap)."""
        if "strategy" not in self.names:
            return None
        return float(self.ST_conf[self.names.index("strategy")])

    def needed(self, key: str) -> list[int | None]:
        """Per factor, the base samples ``key`` (``S1`` or ``ST``) would need; None if precise."""
        conf = getattr(self, f"{key}_conf")
        return [samples_needed(self.samples, float(h)) for h in conf]

    def agency(self) -> dict[str, Any] | None:
        """The agency share as a finding: flagged, with what it would need, when too wide."""
        share, half = self.agency_share, self.agency_half_width
        if share is None or half is None:
            return None
        need = samples_needed(self.samples, half)
        out: dict[str, Any] = {"estimate": share, "half_width": half,
                               "too_few_runs": need is not None}
        if need is not None:
            out["samples_needed"] = need
            out["runs_needed"] = need * self.runs_per_sample
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "names": self.names, "S1": self.S1.tolist(),
                "S1_conf": self.S1_conf.tolist(), "ST": self.ST.tolist(),
                "ST_conf": self.ST_conf.tolist(), "agency_share": self.agency_share,
                "agency": self.agency(), "constant": self.constant,
                "S1_samples_needed": self.needed("S1"), "ST_samples_needed": self.needed("ST"),
                "convergence": [lv.to_dict() for lv in self.convergence]}


@dataclass
class Sensitivity:
    scenario: str
    method: str
    runs: int
    indices: list[Indices]
    morris: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    computed: int = 0
    reused: int = 0
    samples: int = 0
    replicates: int = 1
    contrast: tuple[str, str] | None = None  # (reference, alternative)

    def to_dict(self) -> dict[str, Any]:
        if self.method == "morris":
            return {"scenario": self.scenario, "method": "morris", "runs": self.runs,
                    "outcomes": {o: {k: np.asarray(v).tolist() for k, v in m.items()}
                                 for o, m in self.morris.items()}}
        return {"scenario": self.scenario, "method": "sobol", "runs": self.runs,
                "samples": self.samples, "replicates": self.replicates,
                "contrast": list(self.contrast) if self.contrast else None,
                "precision": PRECISION,
                "outcomes": {ix.outcome: ix.to_dict() for ix in self.indices}}

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
        vs = f", {self.contrast[0]} vs {self.contrast[1]}" if self.contrast else ""
        t = Table(title=f"{self.scenario}: Sobol indices ({self.samples} base samples, "
                        f"{self.runs} runs{vs}; 95% bootstrap, findings within "
                        f"±{PRECISION:.2f})")
        for col in ("outcome", "factor", "first order", "total order"):
            t.add_column(col)
        for ix in self.indices:
            s1, st = ix.needed("S1"), ix.needed("ST")
            for i in np.argsort(-ix.ST):
                t.add_row(ix.outcome, ix.names[i],
                          _cell(ix.S1[i], ix.S1_conf[i], s1[i]),
                          _cell(ix.ST[i], ix.ST_conf[i], st[i]))
            a = ix.agency()
            if a is not None:
                t.add_row(ix.outcome, "[b]agency share[/b]", "",
                          _cell(a["estimate"], a["half_width"], a.get("samples_needed")))
        return t


def _cell(value: float, half: float, need: int | None) -> str:
    text = f"{value:.3f} ±{half:.3f}"
    return text if need is None else f"{text} (too few runs to say; ~{need} base samples)"


def contrast_of(sc, strategies: list[str] | bool | None) -> tuple[str, str] | None:
    """The strategy factor's two levels (reference, alternative), or None.

    ``True`` takes the scenario's menu, which must then hold exactly two.
    """
    if not strategies:
        return None
    chosen = strategies_of(sc) if strategies is True else list(dict.fromkeys(strategies))
    if len(chosen) != 2:
        raise InputError(f"{len(chosen)} strategies given: {CONTRAST_HELP}", "--strategies")
    return chosen[0], chosen[1]


def _analyze(problem: dict[str, Any], y: np.ndarray, seed: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """SALib's first and total indices with bootstrap half-widths; zeros if ``y`` is flat.

    The bootstrap gets a generator of its own: SALib reads ``seed=0`` as "no
    seed" and would draw from numpy's global state, so the same study could
    print other intervals. A resample of a yes/no outcome can draw only equal
    values; SALib scores it zero, rightly, and warns, which says nothing about
    the result, so that warning is silenced.
    """
    d = problem["num_vars"]
    if np.var(y) == 0:
        zeros = np.zeros(d)
        return zeros, zeros, zeros, zeros, True
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Constant values encountered")
        si = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                   num_resamples=RESAMPLES, conf_level=0.95,
                                   seed=np.random.default_rng(seed))
    s1c, stc = unseen_floor(y, d, np.asarray(si["S1_conf"]), np.asarray(si["ST_conf"]))
    return np.asarray(si["S1"]), s1c, np.asarray(si["ST"]), stc, False


def unseen_floor(y: np.ndarray, d: int, s1_conf: np.ndarray, st_conf: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Half-widths no narrower than the runs can show, for a factor that changed nothing.

    When no run that differs from its base row only in factor ``j`` gave
    another outcome, every bootstrap resample scores the factor zero and the
    half-width comes out as exactly 0, though ``n`` unchanged pairs only show
    that a change happens in fewer than about 3/n of them (the rule of three,
    95%). A change moves the standardised outcome by at most its range
    ``r``, so the total index (and the first-order one, never above it) is
    below ``r^2 / 2 x 3/n``: that is the half-width such a factor gets. An
    exact zero by construction (a strategy that does nothing) then reads
    "0 within ±h" and a large enough design makes it a finding; a small one
    cannot.
    """
    n = len(y) // (d + 2)
    rows = y[:n * (d + 2)].reshape(n, d + 2)
    unseen = ~np.any(rows[:, 1:d + 1] != rows[:, :1], axis=0)
    if not unseen.any():
        return s1_conf, st_conf
    r = float(np.ptp(y) / np.std(y))
    floor = 0.5 * r * r * 3.0 / n
    return (np.where(unseen, np.maximum(s1_conf, floor), s1_conf),
            np.where(unseen, np.maximum(st_conf, floor), st_conf))


def convergence_levels(samples: int) -> list[int]:
    """``N/8, N/4, N/2, N``, those of at least two base samples (a bootstrap needs two)."""
    return [samples // k for k in CONVERGENCE if samples // k >= 2]


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
    """Sobol (``samples`` base samples, a power of two; samples x (D + 2) points,
    each run on ``replicates`` seeds) or Morris (``samples`` trajectories;
    samples x (D + 1) points).

    ``strategies``: two strategies, reference first, or True for a menu of
    exactly two; the strategy is then one factor with those two levels.

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
    contrast = contrast_of(sc, strategies)
    fs = factors(sc, params, list(contrast) if contrast else None)
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
                      computed=res.computed, reused=res.reused, samples=samples,
                      replicates=replicates, contrast=contrast)
    rows = len(fs) + 2  # rows per base sample in the Sobol design
    for o in outcomes:
        if o not in res.finals[0]:
            raise InputError(f"no outcome '{o}'", "--outcomes")
        y = np.array([float(f[o]) for f in res.finals]).reshape(len(X), replicates).mean(axis=1)
        if method == "sobol":
            levels = []
            for n in convergence_levels(samples):  # nested prefixes, the last is all of y
                s1, s1c, st, stc, flat = _analyze(problem, y[:n * rows], seed)
                levels.append(Level(n, n * rows * replicates, s1, s1c, st, stc, flat))
            out.indices.append(Indices(o, problem["names"], s1, s1c, st, stc, samples,
                                       rows * replicates, levels, flat))
        else:
            si = morris_analyze.analyze(problem, X, y, num_resamples=200, conf_level=0.95,
                                        seed=seed)
            out.morris[o] = {"names": problem["names"], "mu_star": si["mu_star"],
                             "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]}
    return out
