"""The verdict: the whole study in one call, as one dict the report renders.

Steps, each an experiment of this package: the theories' posterior (a saved
calibration, or a small one run now); the paired comparison of strategies
per theory; the inevitability curve per theory; fan charts of key series;
structure versus agency (Sobol over the scenario's ``conditions`` and the
strategy); scenario discovery for the best alternative; the assumptions the
headline number rests on most (one at a time, prior 5% and 95% points); and
each testable claim of the ledger judged against those numbers.
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
from inevitable.experiments.compare import compare, strategies_of, theories_of
from inevitable.experiments.curve import curve
from inevitable.experiments.discover import discover
from inevitable.experiments.judge import RULE, DifferenceEvidence, judge_claims
from inevitable.experiments.pool import kept_open
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sensitivity import sensitivity
from inevitable.experiments.stats import fan, share
from inevitable.experiments.sweep import as_scenario, sweep


@dataclass(frozen=True)
class Budget:
    name: str
    reps: int  # headline comparison (the favoured theory), per arm
    alt_reps: int  # other theories, per arm
    curve_reps: int  # the favoured theory, per branch and strategy
    curve_alt_reps: int  # other theories
    branches: int
    sobol: int  # Saltelli base samples (power of two)
    sobol_reps: int
    discover: int
    fans: int
    assumption_reps: int
    particles: int
    generations: int


BUDGETS = {
    "quick": Budget("quick", 24, 8, 8, 4, 2, 2, 1, 32, 4, 8, 12, 1),
    "default": Budget("default", 400, 60, 48, 16, 5, 8, 2, 128, 30, 40, 100, 3),
    "thorough": Budget("thorough", 2000, 500, 400, 100, 12, 128, 4, 2048, 200, 400, 400, 5),
}
FAN_SERIES = ("sympathy", "public_support", "cadre", "fear", "strikes")
RUN_SECONDS = 0.055  # one flagship replication on one core, overheads included (measured)


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
                      d.particles, d.generations)
    if spec not in BUDGETS:
        raise InputError(f"unknown budget '{spec}' (quick, default, thorough or a number)",
                         "--budget")
    return BUDGETS[spec]


def estimated_runs(b: Budget, n_strategies: int, n_theories: int, n_conditions: int) -> int:
    curve_strategies = max(n_strategies - 1, 1)  # a switch adds nothing to branching
    return (b.reps * n_strategies + b.alt_reps * n_strategies * (n_theories - 1)
            + b.branches * curve_strategies * (b.curve_reps + b.curve_alt_reps * (n_theories - 1))
            + b.sobol * (n_conditions + 3) * b.sobol_reps + b.discover + 2 * b.fans
            + 6 * b.assumption_reps + 4 * b.alt_reps + b.reps * 9 // 4)


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

    # 2. paired comparison: the favoured theory at full budget, the others lighter
    head = compare(sc, strategies, [favoured] if favoured else None, b.reps, seed,
                   reference=base, **common)
    others = [t for t in theories if t != favoured and t is not None]
    rest = compare(sc, strategies, others, b.alt_reps, seed, reference=base,
                   **common) if others else None
    cmp = head.to_dict()
    if rest is not None:
        r = rest.to_dict()
        cmp["arms"] += r["arms"]
        cmp["differences"] += r["differences"]
    cmp["reps"] = b.reps
    cmp.pop("seeds", None)  # the report states the runs per arm; seeds are in reproducibility
    o = outcome.final
    p_base = head.arm(base, favoured).estimates[o]
    alternatives = [s for s in strategies if s != base]
    best = min(alternatives, key=lambda s: head.arm(s, favoured).estimates[o].value) \
        if alternatives else base
    p_best = head.arm(best, favoured).estimates[o]

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
               outcome=o, base=base, **common)
    if others:
        rest_curve = curve(sc, branches, in_curve, others, b.curve_alt_reps, seed, outcome=o,
                           base=base, **common)
        cv.points += rest_curve.points

    # 4. fan charts for the base and the best alternative
    fans = _fans(sc, favoured, [base, best] if best != base else [base], b.fans, seed, common)

    # 5. structure versus agency
    conditions = list(sc.spec.conditions) or sorted(sc.priors)[:6]
    sens = sensitivity(sc, conditions, [o], strategies=True, theory=favoured,
                       samples=b.sobol, replicates=b.sobol_reps, seed=seed, **common)
    ix = sens.indices[0]

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
    claims = judge_claims(sc, probs=probs, favoured=favoured,
                          differences=_differences(head, favoured), outcome=o,
                          agency=ix.agency_share, curve=curve_points.get(favoured, []),
                          ablations=lambda switch: _ablation(sc, switch, base, favoured, o,
                                                             b.alt_reps, seed, common))

    fav_points = curve_points.get(favoured, [])
    first, final = (fav_points[0], fav_points[-1]) if fav_points else (None, None)
    late = None
    if final is not None:
        # the headline's late number at the headline's precision: the strategy the
        # curve chose at its last date, run from that date on fresh seeds
        late = _late_chance(sc, favoured, base, final, o, b.reps * 9 // 4, seed + 1_000_000,
                            common)
    answer = _answer(sc, favoured, probs, base, best, p_base, p_best, first, final, o, late)
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
        "sensitivity": {"outcome": o, "names": ix.names, "S1": ix.S1.tolist(),
                        "S1_conf": ix.S1_conf.tolist(), "ST": ix.ST.tolist(),
                        "ST_conf": ix.ST_conf.tolist(), "agency_share": ix.agency_share},
        "discovery": disc,
        "claims": claims,
        "judging": {"rule": RULE},
        "assumptions": assumptions,
        "identification": _identification(sc, post, ix.agency_share),
        "reproducibility": {"inevitable": __version__, "python": platform.python_version(),
                            "numpy": np.__version__, "numba": numba.__version__, "seed": seed,
                            "scenario_hash": sc.hash,
                            "command": command or f"inevitable verdict {sc.name} --budget "
                                                  f"{b.name} --seed {seed}",
                            "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")},
    }


def _differences(head, theory) -> dict:
    out = {}
    for d in head.differences:
        a = head.arm(d.strategy, d.theory).values[d.outcome]
        b = head.arm(d.reference, d.theory).values[d.outcome]
        out[(d.strategy, d.reference, d.outcome)] = DifferenceEvidence(
            d.estimate, bool(np.all(a == b)), f"under theory {theory}")
    return out


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
    return f"{e.value:.0%} [{e.low:.0%}, {e.high:.0%}]"


def _late_chance(sc, theory, base, point, outcome, reps, seed, common):
    """P(avoid) with the curve's best strategy adopted at its last date, on new seeds."""
    specs = [RunSpec(params={**({"theory": theory} if theory else {}), "strategy": base},
                     seed=i, branch=point.step, branch_params={"strategy": point.best})
             for i in range(seed, seed + reps)]
    res = sweep(sc, specs, label="late branch", **common)
    avoided = sum(1 for f in res.finals if not f[outcome])
    return share(avoided, reps)


def _answer(sc, favoured, probs, base, best, p_base, p_best, first, final, o,
            late=None) -> dict:
    who = f"Under theory {favoured} (posterior {probs.get(favoured, 0):.0%})" if favoured \
        else "In this scenario"
    th = f", theory {favoured}" if favoured else ""
    s1 = (f"{who}, '{o}' came in {_pct(p_base)} of runs with the {base} strategy and in "
          f"{_pct(p_best)} with the best alternative, {best}, followed from the start.")
    if first is not None and final is not None and late is not None:
        s2 = (f"Adopted as late as {final.branch}, the best strategy found then "
              f"({final.best}) still avoided it in {_pct(late)} of runs, so its inevitability "
              f"by then was {1 - late.value:.0%}; the curve below shows when the chance fell.")
    else:
        s2 = "No branch dates were studied."
    avoidable = p_best.high < p_base.low
    late_lost = late is not None and 1 - late.high > 0.8
    headline = ("Not inevitable at the start; " if avoidable
                else "Hard to avoid from the start; ") + (
        "all but certain by the end." if late_lost else "still open at the last date studied.")
    numbers = [
        {"label": f"chance of {o} with the {base} strategy{th}", **p_base.to_dict()},
        {"label": f"chance of {o} with {best} from the start{th}", **p_best.to_dict()},
    ]
    if late is not None and final is not None:
        numbers.append({"label": f"chance to avoid {o} with {final.best} adopted at "
                                 f"{final.branch}{th}", **late.to_dict()})
    return {"headline": headline, "sentences": [s1, s2], "numbers": numbers}


def _identification(sc, post, agency) -> list[str]:
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
    if agency is not None:
        paras.append(f"Across the priors of the objective conditions, the strategy explains "
                     f"{agency:.0%} of the outcome's variance (Sobol total indices).")
    return paras
