"""The verdict: the whole study in one call, as one dict the report renders.

Steps, each an experiment of this package: the theories' posterior (a saved
calibration, or a small one run now); the paired comparison of strategies
per theory; the inevitability curve per theory; fan charts of key series;
structure versus agency (Sobol over the scenario's ``conditions`` and the
strategy); scenario discovery for the best alternative; the assumptions the
headline number rests on most (one at a time, prior 5% and 95% points); the
headline's runs read against the scenario's bounds from history (how many
break them, and the headline without them); and each testable claim of the
ledger judged against those numbers. Alongside the posterior, a table of which
targets tell the theories apart (posterior-predictive runs of the historical
strategy per theory, :mod:`~inevitable.experiments.discrimination`).
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numba
import numpy as np

from inevitable import __version__
from inevitable.errors import InputError
from inevitable.experiments.averaged import Averaged, plan, run_draws
from inevitable.experiments.compare import numeric_outcomes, strategies_of, theories_of
from inevitable.experiments.curve import curve
from inevitable.experiments.definition import definition_runs, outcome_definition
from inevitable.experiments.discover import discover
from inevitable.experiments.discrimination import simulate as discrimination
from inevitable.experiments.headline import SEEDS_PER_DRAW, Headline, Plan
from inevitable.experiments.judge import RULE, judge_claims
from inevitable.experiments.pool import kept_open
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sensitivity import PRECISION, sensitivity
from inevitable.experiments.sequential import TARGET, sequential
from inevitable.experiments.stats import Estimate, fan, share
from inevitable.experiments.survival import against_record, survival, unreachable
from inevitable.experiments.sweep import as_scenario, sweep


@dataclass(frozen=True)
class Budget:
    name: str
    reps: int  # headline comparison (the favoured theory), per arm
    alt_reps: int  # other theories, per arm
    curve_reps: int  # the favoured theory, per branch and strategy
    curve_alt_reps: int  # other theories
    branches: int
    sobol: int  # Saltelli base samples N (a power of two; N x (D + 2) design points)
    sobol_reps: int  # seeds per design point (more base samples buy more precision)
    discover: int
    fans: int
    assumption_reps: int
    particles: int
    generations: int
    late_reps: int = 24  # the late-branch check
    tip_params: int = 2
    tip_points: int = 3
    tip_draws: int = 8
    map_points: int = 2
    map_draws: int = 6
    sceptic_draws: int = 8
    threshold_draws: int = 4  # headline draws rerun at each other threshold of the outcome
    # posterior-predictive runs per theory for the targets' table; fewer than 10 could
    # never tell a target apart (discrimination.runs_needed)
    discrimination: int = 12

    def plan(self) -> Plan:
        """The headline's design: ``reps`` runs per arm at most, two seeds per draw."""
        draws = max(self.reps // SEEDS_PER_DRAW, 4)
        return Plan(draws, max(draws // 4, 4), self.tip_params, self.tip_points,
                    self.tip_draws, self.map_points, self.map_draws, self.sceptic_draws)


# run counts, not seconds: a faster engine makes each budget cheaper, not different.
# 'reps' is the headline's runs per arm at most (sequential: fewer if precise sooner).
# Sobol: N a power of two, one seed per point (at equal runs, 128 x 1 gave the flagship's
# agency share ±0.13 where 64 x 2 gave ±0.20). The gate (±0.05) needs about N = 1024 on
# the flagship, more runs than the whole default study: the default stays affordable
# (128: 1,152 of its at most 7,588 runs, +15% on the 144 before) and the gate says so;
# thorough affords 2048. The headline's cap of 2,400 runs an arm (600 before 0.3.1): its
# averaged difference needed 2,092 on the first 0.3.1 posterior, where a cap of 2,000 left
# it at 3.1 points; the sequential design stops sooner when it can. The late branch, drawn
# and averaged like the headline since, is sequential too, up to 1,200: its chance near 25%
# was 3.4 points wide on 600 runs and 3.04 on 800.
BUDGETS = {
    "quick": Budget("quick", 24, 8, 8, 4, 2, 16, 1, 32, 4, 8, 12, 1),
    "default": Budget("default", 2400, 60, 32, 16, 5, 128, 1, 128, 30, 40, 100, 3,
                      late_reps=1200, tip_params=3, tip_points=5, tip_draws=24,
                      map_points=3, map_draws=16, sceptic_draws=100, threshold_draws=100,
                      discrimination=100),
    "thorough": Budget("thorough", 4000, 500, 400, 100, 12, 2048, 1, 2048, 200, 400, 400, 5,
                       late_reps=2000, tip_params=4, tip_points=9, tip_draws=200,
                       map_points=5, map_draws=100, sceptic_draws=1000,
                       threshold_draws=1000, discrimination=500),
}
FAN_SERIES = ("sympathy", "public_support", "cadre", "fear", "strikes")


def _record_of(sc, time_final: str | None) -> tuple[str, float, float] | None:
    """The fitted target that dates the outcome (id, first and last month), if any:
    a range as given, a value as value +- sd."""
    if time_final is None:
        return None
    for t in sc.spec.targets:
        if t.quantity != time_final or t.use != "fit":
            continue
        if t.low is not None and t.high is not None:
            return t.id, float(t.low), float(t.high)
        return t.id, float(t.value - t.sd), float(t.value + t.sd)
    return None


def budget_of(spec: str | int) -> Budget:
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        n = int(spec)
        if n < 20:
            raise InputError("a numeric budget is the headline runs per arm, at least 20",
                             "--budget")
        d = BUDGETS["default"]
        f = n / d.reps
        return Budget("custom", n, max(16, int(d.alt_reps * f)), max(16, int(d.curve_reps * f)),
                      max(8, int(d.curve_alt_reps * f)),
                      d.branches, d.sobol, d.sobol_reps, max(64, int(d.discover * f)),
                      max(8, int(d.fans * f)), max(16, int(d.assumption_reps * f)),
                      d.particles, d.generations, max(24, int(d.late_reps * f)),
                      d.tip_params, d.tip_points, max(8, int(d.tip_draws * f)),
                      d.map_points, max(6, int(d.map_draws * f)),
                      max(8, int(d.sceptic_draws * f)), max(4, int(d.threshold_draws * f)),
                      max(12, int(d.discrimination * f)))
    if spec not in BUDGETS:
        raise InputError(f"unknown budget '{spec}' (quick, default, thorough or a number)",
                         "--budget")
    return BUDGETS[spec]


def estimated_runs(b: Budget, n_strategies: int, n_theories: int, n_conditions: int,
                   n_ablations: int = 2, n_curve: int | None = None,
                   n_assumptions: int = 3, n_definition: int = 0,
                   n_discriminated: int = 0) -> int:
    """Runs the study makes at most (the headline stops sooner once precise).

    Each term is one step of :func:`verdict`, counted as it builds its specs;
    a test checks the sum against the runs a verdict actually asks for.
    ``n_definition``: the runs of the outcome-definition grid
    (:func:`~inevitable.experiments.definition.definition_runs`);
    ``n_discriminated``: the theories the targets' table runs (each
    ``b.discrimination`` times; 0 without targets or rival theories).
    """
    p = b.plan()
    floor = 2 * n_theories  # every theory with weight gets two draws at least
    # a switch strategy adds nothing to branching and is left out of the curve
    curve_strategies = n_curve if n_curve is not None else max(n_strategies - 1, 1)
    # the Sobol design: N x (D + 2) points, D the conditions and the strategy contrast
    # (historical against the best alternative), which needs a second strategy
    sobol_strategy = 1 if n_strategies > 1 else 0
    headline = max(p.draws, floor) * SEEDS_PER_DRAW * n_strategies
    beliefs = (p.tip_params * p.tip_points * max(p.tip_draws, floor) * 2
               + (p.map_points ** 2 * max(p.map_draws, floor) * 2 if p.tip_params >= 2 else 0)
               + max(p.sceptic_draws, floor) * 2)
    return (headline + beliefs
            + b.branches * curve_strategies * (b.curve_reps + b.curve_alt_reps * (n_theories - 1))
            + b.sobol * (n_conditions + sobol_strategy + 2) * b.sobol_reps + b.discover
            + 2 * b.fans
            + 2 * n_assumptions * b.assumption_reps + 2 * n_ablations * b.alt_reps + b.late_reps
            + n_definition + n_discriminated * b.discrimination)


def study_runs(sc, b: Budget) -> int:
    """:func:`estimated_runs` for this scenario's strategies, theories and claims."""
    switches = {c.test.switch for c in sc.spec.claims
                if c.test is not None and c.test.kind == "ablation"}
    conditions = list(sc.spec.conditions) or sorted(sc.priors)[:6]
    strategies = strategies_of(sc)
    in_curve = [s for s in strategies if "before" not in sc.spec.strategies.get(s, {})]
    theories = theories_of(sc)
    outcome = next(iter(sc.spec.outcomes.values())).final if sc.spec.outcomes else ""
    grid = definition_runs(sc, outcome, len(theories), b.threshold_draws, SEEDS_PER_DRAW)
    # at most: a theory the calibration gives no weight is left out of the table
    told = len(theories) if sc.spec.targets and len(theories) >= 2 else 0
    return estimated_runs(b, len(strategies), len(theories), len(conditions),
                          len(switches), len(in_curve), min(3, len(sc.priors)), grid, told)


def run_seconds(sc, posterior=None, runs: int = 12, backend=None) -> float:
    """Seconds of one core that one of the study's replications takes here.

    Timed on runs drawn the way the headline draws them (theories by their
    posterior weight, calibrated parameters from the posterior, the rest
    from their priors), each with a strategy in turn. A run at default
    parameters under one strategy is not representative: drawn parameters
    and other strategies make bigger movements and cadres, and the
    flagship's study runs took 1.8 times as long as the historical
    strategy's runs at default values.

    Given the study's ``backend``, every worker runs ``runs`` of them at
    once, so the figure includes what running side by side costs (shared
    caches and memory, a lower clock with every core busy), which a run
    timed alone in the main process misses. One untimed run per worker
    first, so that start-up and compilation do not count.
    """
    from inevitable.experiments.averaged import plan
    from inevitable.experiments.runs import Batch, execute

    workers = max(int(getattr(backend, "workers", 1) or 1), 1) if backend is not None else 1
    probs = getattr(posterior, "theory_probabilities", None) or {}
    theories = theories_of(sc)
    weights = probs or ({t: 1.0 / len(theories) for t in theories} if theories != [None]
                        else {None: 1.0})
    strategies = strategies_of(sc)
    n = workers * (runs + 1)
    draws = plan(sc, weights, n, seeds=1, seed=900_000, posterior=posterior, minimum=1)[:n]
    specs = [RunSpec(params={**d.params, **({"theory": d.theory} if d.theory else {}),
                             "strategy": strategies[i % len(strategies)]}, seed=d.seeds[0])
             for i, d in enumerate(draws)]

    def tasks(chunk: list[RunSpec]) -> list[Batch]:
        size = max(len(chunk) // workers, 1)
        return [Batch(sc.text, sc.source, tuple(chunk[i:i + size]))
                for i in range(0, len(chunk), size)]

    def run(chunk: list[RunSpec]) -> None:
        if backend is None:
            execute(Batch(sc.text, sc.source, tuple(chunk)))
        else:
            for _ in backend.map_unordered(execute, tasks(chunk)):
                pass

    run(specs[:workers])
    timed = specs[workers:]
    t = time.perf_counter()
    run(timed)
    return (time.perf_counter() - t) * workers / max(len(timed), 1)


# What a study costs besides its runs, in runs' worth of time: the report's
# figures (about 8 s on the 2-core machine of docs/performance.md, where a
# study run took about 32 ms), storing the runs and opening the store for
# each of some 25 sweeps (about 0.13 s each). Counted in runs so that it scales with the
# machine's speed as the runs do.
OVERHEAD_RUNS = 350


def study_seconds(runs: int, per_run: float, cores: int) -> float:
    """The wall time a study of ``runs`` runs should take on ``cores`` workers."""
    return runs * per_run / max(cores, 1) + OVERHEAD_RUNS * per_run


def shipped_posterior(name: str):
    """A calibration shipped with a built-in scenario, if there is one."""
    from inevitable.experiments.posterior import Posterior

    f = resources.files("inevitable.scenarios.builtin").joinpath(f"{name}.posterior.json")
    if not f.is_file():
        return None
    with resources.as_file(f) as path:
        return Posterior.load(path)


def verdict(
    scenario="soviet-1923",
    budget: str | int = "default",
    *,
    seed: int = 0,
    posterior=None,
    backend=None,
    workers: int | None = None,
    scheduler: str | None = None,
    store=None,
    progress: bool | str = True,
    command: str | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    sc = as_scenario(scenario)
    b = budget_of(budget)
    if not sc.spec.outcomes:
        raise InputError(f"scenario '{sc.name}' declares no outcomes to judge")
    outcome = next(iter(sc.spec.outcomes.values()))
    strategies = strategies_of(sc)
    theories = theories_of(sc)
    base = "historical" if "historical" in strategies else strategies[0]
    # one pool of workers for every sweep of the study (starting processes or a
    # cluster per sweep would cost more than many of the sweeps)
    with kept_open(backend, workers, scheduler) as be:
        common = {"backend": be, "workers": None, "scheduler": None, "store": store,
                  "progress": progress}
        return _study(sc, b, seed, posterior, outcome, strategies, theories, base, common,
                      started, command)


def _study(sc, b: Budget, seed: int, posterior, outcome, strategies, theories, base, common,
           started: float, command: str | None) -> dict[str, Any]:
    # 1. the theories' posterior
    post, method = _posterior(sc, posterior, b, seed, theories, common)
    probs = post.theory_probabilities if post is not None else {}
    if theories != [None] and not probs:
        probs = {t: 1.0 / len(theories) for t in theories}
    favoured = max(probs, key=probs.get) if probs else None
    discriminated = _discrimination(sc, post, probs, base, b, seed, common)

    # 2. the headline: posterior predictive, model-averaged, paired, sequential
    o = outcome.final
    weights = probs if probs else {None: 1.0}
    hl = Headline(sc, strategies, base, o, weights, post, seed, common)
    res = hl.run(b.plan())
    best = hl.best(res)
    averaged, variance = hl.averaged(res, best)
    cmp = hl.compare(res, numeric_outcomes(sc, res.finals[base][0][0]))
    bounded = hl.bounded(res, best)  # the same runs, read against history's bounds
    others = [t for t in theories if t != favoured and t is not None]

    # 3. the inevitability curve per theory; a switch strategy is what branching
    # already does, so it is left out of the set
    tl = sc.timeline
    cutoff = sc.values.get("cutoff")
    last = tl.step_of(cutoff) - 2 if isinstance(cutoff, str) else int(tl.steps * 0.7)
    steps = sorted({round(5 + i * (last - 5) / max(b.branches - 1, 1))
                    for i in range(b.branches)})
    branches = [tl.label(s) if tl.unit == "month" else s for s in steps]
    in_curve = [s for s in strategies if "before" not in sc.spec.strategies.get(s, {})]
    cv = curve(sc, branches, in_curve, [favoured] if favoured else None, b.curve_reps, seed,
               outcome=o, base=base, posterior=post, **common)
    if others:
        rest_curve = curve(sc, branches, in_curve, others, b.curve_alt_reps, seed, outcome=o,
                           base=base, posterior=post, **common)
        cv.points += rest_curve.points

    # 4. fan charts for the base and the best alternative
    fans = _fans(sc, favoured, [base, best] if best != base else [base], b.fans, seed, common)

    # 5. structure versus agency: the strategy as a two-level contrast, the one
    # followed against the best alternative, so the share does not depend on the menu
    conditions = list(sc.spec.conditions) or sorted(sc.priors)[:6]
    sens = sensitivity(sc, conditions, [o], strategies=[base, best] if best != base else None,
                       theory=favoured, samples=b.sobol, replicates=b.sobol_reps, seed=seed,
                       **common)
    ix = sens.indices[0]
    sens_dict = {**_sensitivity_section(sens, ix), "theory": favoured}

    # 6. scenario discovery for the best alternative
    disc = []
    try:
        d = discover(sc, conditions, strategy=best, theory=favoured, outcome=o,
                     samples=b.discover, seed=seed, **common)
        disc.append({"strategy": best, "theory": favoured, "in_words": d.words,
                     "density": d.peeling.chosen.density, "coverage": d.peeling.chosen.coverage,
                     "mass": d.peeling.chosen.mass,
                     "box": {k: [_num(v[0]), _num(v[1])]
                             for k, v in d.peeling.chosen.limits.items()}})
    except InputError:
        pass  # nothing avoided the outcome anywhere: said in the identification text

    # 7. the assumptions the headline rests on most
    assumptions = _assumptions(sc, ix, best, favoured, o, b.assumption_reps, seed, common)

    # 8. the claims
    curve_points = {t: cv.for_theory(t) for t in (theories if theories != [None] else [None])}
    curve_dict = cv.to_dict()
    for key in ("selection_seeds", "evaluation_seeds"):  # each point's n says how many
        curve_dict.pop(key, None)
    claims = judge_claims(sc, probs=probs, favoured=favoured, differences=hl.evidence(res),
                          outcome=o, agency=ix.agency_share,
                          agency_half_width=ix.agency_half_width,
                          agency_samples_needed=(ix.agency() or {}).get("samples_needed"),
                          curve=curve_points.get(favoured, []),
                          ablations=lambda switch: _ablation(sc, switch, base, favoured, o,
                                                             b.alt_reps, seed, common))

    # 9. what one would have to believe, and survival
    tipping, beliefs = hl.beliefs(res, best, b.plan())
    labels = tl.labels()
    surv = survival(res, o, len(labels), labels, cutoff if isinstance(cutoff, str) else None) or {}
    surv["unreachable"] = unreachable(res, [x.final for x in sc.spec.outcomes.values()])
    dated = _record_of(sc, surv.get("time"))
    if dated is not None:
        surv["record"] = against_record(res, base, surv["time"], *dated, labels)
    definition = outcome_definition(sc, res, base, best, o, b.threshold_draws, **common)

    fav_points = curve_points.get(favoured, [])
    final = fav_points[-1] if fav_points else None
    late = None
    if final is not None:
        # the headline's late number at the headline's precision: the strategy the
        # curve chose at its last date, run from that date on fresh seeds
        late = _late_chance(sc, weights, post, base, final, o, b.late_reps, seed + 1_000_000,
                            common)
    answer = _answer(probs, base, best, averaged, variance, final, o, late, favoured,
                     _drawn(sc, post))
    elapsed = time.perf_counter() - started
    return {
        "schema": "inevitable-verdict/1",
        "scenario": {"name": sc.name, "title": sc.title, "hash": sc.hash},
        "question": sc.spec.question or f"Was '{o}' ({outcome.doc}) inevitable?",
        "outcome": {"name": o, "doc": outcome.doc},
        "answer": answer,
        "budget": {"name": b.name, "reps": b.reps, "seconds": round(elapsed, 1)},
        "theories": {"posterior": probs, "method": method,
                     "simulations": int(getattr(post, "n_simulations", 0) or 0),
                     "note": _theory_note(post)},
        "compare": cmp,
        "curve": curve_dict,
        "fans": fans,
        "sensitivity": sens_dict,
        "discovery": disc,
        "claims": claims,
        "judging": {"rule": RULE},
        "tipping": tipping,
        "beliefs": beliefs,
        "survival": surv,
        **({"definition": definition} if definition is not None else {}),
        **({"discrimination": discriminated} if discriminated is not None else {}),
        **bounded,
        "assumptions": assumptions,
        "identification": _identification(sc, post, sens_dict),
        "reproducibility": {"inevitable": __version__, "python": platform.python_version(),
                            "numpy": np.__version__, "numba": numba.__version__, "seed": seed,
                            "scenario_hash": sc.hash,
                            "command": command or f"inevitable verdict {sc.name} --budget "
                                                  f"{b.name} --seed {seed}",
                            "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")},
    }


def _sensitivity_section(sens, ix) -> dict[str, Any]:
    """verdict.json's ``sensitivity``: the indices, their gate and their convergence."""
    return {**ix.to_dict(), "contrast": list(sens.contrast) if sens.contrast else None,
            "samples": sens.samples, "replicates": sens.replicates, "runs": sens.runs,
            "precision": PRECISION}


def agency_sentence(s: dict[str, Any]) -> str | None:
    """Structure against agency in words, a number only when it is precise enough.

    The share is the strategy's total Sobol index in the contrast of the
    strategy followed with the best alternative; wider than ±``precision``
    (95% bootstrap half-width), it is "too few runs to say" with the base
    samples that would do, an estimate from the square-root rule.
    """
    a, contrast = s.get("agency"), s.get("contrast")
    if a is None or not contrast:
        return None
    pair = f"the choice between {contrast[0]} and the best alternative, {contrast[1]}"
    if s.get("constant"):
        return (f"The outcome was the same in all {s['runs']} runs of the sensitivity analysis, "
                "so there is no variance to share between the conditions and the strategy.")
    said = (f"{a['estimate']:.0%} ±{100 * a['half_width']:.0f} points (Sobol total index of "
            f"the strategy, {s['samples']} base samples, {s['runs']} runs)")
    if a.get("too_few_runs"):
        return (f"How much of the outcome's variance {pair}, explains across the priors of "
                f"the objective conditions: too few runs to say. The estimate, {said}, is "
                f"wider than ±{100 * s['precision']:.0f} points; about {a['samples_needed']} "
                f"base samples ({a['runs_needed']} runs) would be needed, an estimate that "
                "takes the half-width to shrink as one over the square root of the samples.")
    return (f"Across the priors of the objective conditions, {pair}, explains {said} of the "
            "outcome's variance, its interactions with the conditions included; the "
            "conditions alone explain the rest.")


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _posterior(sc, posterior, b: Budget, seed: int, theories, common):
    from inevitable.experiments.calibrate import calibrate
    from inevitable.experiments.posterior import Posterior

    if isinstance(posterior, str | Path):
        posterior = Posterior.load(posterior)
    if posterior is not None:
        return posterior, f"saved ABC-SMC calibration ({posterior.command or 'calibrate'})"
    shipped = shipped_posterior(sc.name)
    if shipped is not None:
        stale = "" if shipped.scenario_hash == sc.hash else (
            f" (made on another version of the scenario, hash {shipped.scenario_hash})")
        return shipped, f"ABC-SMC calibration shipped with the scenario{stale}: {shipped.command}"
    if not sc.spec.targets or theories == [None]:
        return None, "no calibration targets: theories weighed equally"
    params = [p for p in sc.spec.conditions if p in sc.priors][:3] or None
    post = calibrate(sc, params, None, particles=b.particles, generations=b.generations,
                     seed=seed, **common)
    return post, (f"ABC-SMC calibration run now ({b.particles} particles, {b.generations} "
                  "generations) on the scenario's targets")


def _discrimination(sc, post, probs, base, b: Budget, seed: int, common) -> dict | None:
    """Which targets tell the theories apart, on the base strategy's runs.

    The record is what happened under the strategy actually followed, so the
    runs are the base strategy's. Only theories the posterior gives weight
    can be drawn from it; with fewer than two there is nothing to contrast.
    """
    live = [t for t, p in probs.items() if t is not None and p > 0]
    if not sc.spec.targets or len(live) < 2 or b.discrimination < 1:
        return None
    return discrimination(sc, post, live, base, b.discrimination, seed, **common).to_dict()


def _theory_note(post) -> str:
    if post is None:
        return "No calibration: every theory weighed equally."
    fit = post.fit() if hasattr(post, "fit") else []
    worst = ", ".join(f"{f['id']}" for f in fit[:3]) if fit else ""
    return (f"{post.n_simulations} simulations; the targets fitted worst: {worst}. A theory "
            "the record cannot tell apart keeps its prior weight.")


def _fans(sc, theory, strategies, n, seed, common) -> dict:
    specs = [RunSpec(params={**({"theory": theory} if theory else {}), "strategy": s}, seed=i)
             for s in strategies for i in range(seed, seed + n)]
    res = sweep(sc, specs, series=True, label="fans", **common)
    labels = sc.timeline.labels()
    out: dict = {}
    for s in strategies:
        keys = [sp.key(sc.hash) for sp in specs if sp.params["strategy"] == s]
        out[s] = {}
        for name in FAN_SERIES:
            if name not in res.series[keys[0]]:
                continue
            out[s][name] = fan([res.series[k][name] for k in keys], labels)
    return out


def _assumptions(sc, ix, strategy, theory, outcome, reps, seed, common) -> list[dict]:
    order = [i for i in np.argsort(-ix.ST) if ix.names[i] != "strategy"][:3]
    specs, cells = [], []
    for i in order:
        name = ix.names[i]
        prior = sc.priors[name]
        for end, u in (("low", 0.05), ("high", 0.95)):
            v = float(prior.ppf(np.array([u]))[0])
            if sc.decls[name].kind == "int":
                v = round(v)
            cells.append((name, end, v))
            specs += [RunSpec(params={**({"theory": theory} if theory else {}),
                                      "strategy": strategy, name: v}, seed=k)
                      for k in range(seed, seed + reps)]
    if not specs:
        return []
    res = sweep(sc, specs, label="assumptions", **common)
    out: dict[str, dict] = {}
    for j, (name, end, v) in enumerate(cells):
        vals = [float(f[outcome]) for f in res.finals[j * reps:(j + 1) * reps]]
        entry = out.setdefault(name, {"name": name, "doc": sc.decls[name].doc,
                                      "note": sc.decls[name].source})
        entry[end] = v
        entry[f"verdict_at_{end}"] = share(int(sum(vals)), len(vals)).value
    return list(out.values())


def _ablation(sc, switch, strategy, theory, outcome, reps, seed, common):
    specs = [RunSpec(params={**({"theory": theory} if theory else {}), "strategy": strategy,
                             switch: on}, seed=k)
             for on in (True, False) for k in range(seed, seed + reps)]
    res = sweep(sc, specs, label=f"ablation {switch}", **common)
    on = np.array([float(f[outcome]) for f in res.finals[:reps]])
    off = np.array([float(f[outcome]) for f in res.finals[reps:]])
    from inevitable.experiments.stats import paired_difference

    diff, _ = paired_difference(on, off)
    return diff


def _pct(e) -> str:
    """A chance as the answer prints it, flagged when wider than the precision target."""
    text = f"{e.value:.0%} [{e.low:.0%}, {e.high:.0%}]"
    return text + (" (too few runs to say)" if not e.half_width <= TARGET else "")


def _late_chance(sc, weights, post, base, point, outcome, reps, seed, common):
    """P(avoid) with the curve's best strategy adopted at its last date, on new seeds.

    Drawn as the headline is (theory by its posterior weight, the particle's
    parameters, the rest from priors) and model-averaged, because the answer
    quotes it beside the headline: run at the scenario's default values under
    the favoured theory alone, as it once was, it held seed noise only. Like
    the headline it is sequential: half of ``reps`` first, more only if the
    interval is still wider than the target.
    """
    def run(start: int, n: int) -> Averaged:
        draws = plan(sc, weights, n, seeds=1, seed=seed, start=start, posterior=post,
                     minimum=2)
        return run_draws(sc, draws, [base], weights,
                         branch=(point.step, {"strategy": point.best}), label="late branch",
                         **common)

    def width(res: Averaged) -> float:
        return res.chance(base, outcome).estimate.half_width

    seq = sequential(run, width, max(reps // 2, 2), reps)
    hit = seq.result.chance(base, outcome).estimate
    return Estimate(1.0 - hit.value, 1.0 - hit.high, 1.0 - hit.low, hit.n)

def _fmt(f: dict) -> str:
    text = f"{f['estimate']:.0%} [{f['low']:.0%}, {f['high']:.0%}]"
    return text + (" (too few runs to say)" if f.get("too_few_runs") else "")


def _drawn(sc, post) -> str:
    """Where the headline's parameter values come from, as the answer says it.

    With a calibration that drew the other uncertain parameters too, whole
    particles are drawn (conditioned on the record); only what it did not
    draw, or a prior the user replaced, comes from a prior.
    """
    from inevitable.experiments.averaged import uncertain

    fresh = len(uncertain(sc, post))
    if post is None:
        return "their parameters' priors"
    carried = sum(1 for n in getattr(post, "nuisance", ()) if n in sc.priors
                  and post.carries(n, sc.priors[n]))
    if not carried:
        return "their calibrated parameters and the priors of the rest"
    text = (f"their calibrated parameters and {carried} other uncertain "
            f"{'one' if carried == 1 else 'ones'}, all drawn together from the calibration's "
            "particles")
    if fresh:
        text += f", and {fresh} more from their priors"
    return text


def _answer(probs, base, best, averaged, variance, final, o, late, favoured,
            drawn: str = "their calibrated parameters and the priors of the rest") -> dict:
    """The answer, its first sentence on the model-averaged figures."""
    p_base, p_best, diff = averaged
    who = ("Averaged over the theories (" + ", ".join(f"{t} {p:.0%}" for t, p in probs.items())
           + f"), {drawn}" if probs else "Averaged over the parameters' priors")
    s1 = (f"{who}, '{o}' came in {_fmt(p_base)} of runs with the {base} strategy and in "
          f"{_fmt(p_best)} with the best alternative, {best}, followed from the start.")
    # the curve picks the late strategy under the favoured theory; its chance is then
    # measured like the headline's, over every theory
    th = f" under theory {favoured}" if favoured else ""
    over = ", averaged over the theories" if len(probs) > 1 else ""
    if final is not None and late is not None and final.best == base:
        # no change of course beats the one followed: what avoids the outcome then is the
        # model's own history running late, which the survival section dates
        s2 = (f"At {final.branch} no strategy did better{th} than keeping to the {base} "
              f"one, and it still avoided '{o}' in {_pct(late)} of runs{over}: runs whose "
              "history had not come to it by the cut-off (the survival section dates "
              f"them), so its inevitability by then was {1 - late.value:.0%}; the curve "
              "below shows when the chance fell.")
    elif final is not None and late is not None:
        s2 = (f"Adopted as late as {final.branch}, the best strategy found then{th} "
              f"({final.best}) still avoided it in {_pct(late)} of runs{over}, so its "
              f"inevitability by then was {1 - late.value:.0%}; the curve below shows when "
              "the chance fell.")
    else:
        s2 = "No branch dates were studied."
    precise = not diff.get("too_few_runs")
    if diff["high"] < 0:
        lead = "Not inevitable at the start, averaged over what is uncertain; "
    elif diff["low"] > 0 or precise:
        lead = "Hard to avoid from the start, averaged over what is uncertain; "
    else:
        lead = "Too few runs to say whether it was avoidable at the start; "
    late_lost = late is not None and 1 - late.high > 0.8
    if late_lost:
        tail = "all but certain by the end."
    elif final is not None and final.best == base:
        # what is left open then is the model's timing, not a course anyone could take
        tail = "no change of course helped any more by the last date studied."
    else:
        tail = "still open at the last date studied."
    headline = lead + tail
    numbers = [{"label": f["label"], "value": f["estimate"], "low": f["low"],
                "high": f["high"], "n": f["runs"],
                "kind": "probability" if f["kind"] == "probability" else "number"}
               for f in (p_base, p_best)]
    if late is not None and final is not None:
        numbers.append({"label": f"chance to avoid {o} with {final.best} adopted at "
                                 f"{final.branch}{over}", **late.to_dict()})
    return {"headline": headline, "sentences": [s1, s2], "numbers": numbers,
            "averaged": averaged, "variance": variance, "drawn": drawn}


def _identification(sc, post, sens: dict[str, Any]) -> list[str]:
    paras = [
        "The record shows only the strategy actually followed. Every counterfactual number "
        "here rests on the model's mechanisms and on the priors of their strengths, not on "
        "observation: the record constrains the history under the historical strategy "
        f"({len(sc.spec.targets)} targets), not what another strategy would have done.",
        "The parameters that carry the agency channel (how far workers' sympathy and fear "
        "respond to what the Opposition is seen to do, how far open mobilisation undoes "
        "appointment) are assumptions with wide priors; the assumptions table shows how the "
        "headline number moves across them.",
    ]
    if post is None:
        paras.append("No calibration was available, so the theories were weighed equally.")
    agency = agency_sentence(sens)
    if agency is not None:
        paras.append(agency)
    return paras
