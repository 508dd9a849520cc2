"""Calibration by ABC-SMC, with the theory as a model to select.

Approximate Bayesian computation by sequential Monte Carlo (Toni et al.
2009, J. R. Soc. Interface 6:187) with model selection (Toni & Stumpf 2010,
Bioinformatics 26:104). The scenario's rival theories are the models; the
parameters named are calibrated jointly with them. Each generation keeps
``particles`` draws (theory, parameters) whose runs come within a tolerance
epsilon of the scenario's targets; epsilon shrinks from one generation to the
next, and importance weights correct for proposing from the last population
rather than from the prior. The posterior chance of a theory is the summed
weight of its particles. docs/experiments.md gives the maths.

Nuisance parameters. Every other parameter with a prior (not calibrated, not
fixed, not the strategy or the theory) is by default drawn afresh from its
prior for every proposal and run with it, and the accepted particles keep
the values they ran with. The posterior is then the joint one, calibrated
and nuisance parameters alike conditioned on the record, and the verdict
can draw whole particles instead of pairing fitted parameters with prior
draws the calibration never checked (docs/odd.md Appendix C item 25). The
kernel and the importance weights stay over the calibrated parameters: the
nuisance part of every proposal, in every generation, is its prior, so it
appears in the numerator and the denominator of the weight alike and
cancels.

Determinism. The answer must not depend on the backend, the number of
workers or the order in which runs finish. So every random choice of the
algorithm is made here, in the driving process: proposal ``i`` of generation
``g`` draws from its own generator ``default_rng([seed, g, i])`` and its runs
get seeds hashed from ``(seed, g, i, replicate)``. Proposals are run in
rounds and accepted in index order until ``particles`` are accepted, so the
population is the first ``particles`` acceptable proposals whatever the
round size, and workers only ever compute pure functions of their specs.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri

from inevitable.errors import InputError
from inevitable.experiments import priors as pri
from inevitable.experiments import targets as tg
from inevitable.experiments.compare import theories_of
from inevitable.experiments.distance import Weighting, check_kind, informed
from inevitable.experiments.pool import kept_open
from inevitable.experiments.posterior import Posterior, prior_to_json, run_params
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import as_scenario, sweep
from inevitable.scenarios.loader import Scenario
from inevitable.store.runstore import RunStore

STAY = 0.7  # chance the model kernel keeps a particle's theory
MIN_ACCEPTANCE = 0.01  # a generation needing more than particles / this many proposals stops


# -- what is calibrated -------------------------------------------------------------
@dataclass(frozen=True)
class Space:
    """The parameters calibrated (with priors and kinds) and the theories compared."""

    names: tuple[str, ...]
    priors: tuple[Any, ...]
    kinds: tuple[str, ...]
    theories: tuple[str | None, ...]
    fixed: Mapping[str, Any]
    nuisance: tuple[str, ...] = ()
    nuisance_priors: tuple[Any, ...] = ()
    nuisance_kinds: tuple[str, ...] = ()

    @property
    def dim(self) -> int:
        return len(self.names)

    @property
    def low(self) -> np.ndarray:
        return np.array([p.support[0] for p in self.priors], dtype=float)

    @property
    def high(self) -> np.ndarray:
        return np.array([p.support[1] for p in self.priors], dtype=float)

    def from_prior(self, rng: np.random.Generator) -> np.ndarray:
        u = np.maximum(rng.random(self.dim), np.finfo(float).tiny)
        return np.array([float(p.ppf(ui)) for p, ui in zip(self.priors, u, strict=True)])

    def log_prior(self, theta: np.ndarray) -> np.ndarray:
        """Log prior density of each row of ``theta`` (the theories' prior is uniform)."""
        theta = np.atleast_2d(theta)
        out = np.full(theta.shape[0], -math.log(len(self.theories)))
        for j, p in enumerate(self.priors):
            out += pri.logpdf(p, theta[:, j])
        return out

    def inside(self, theta: np.ndarray) -> bool:
        return bool(np.all(theta >= self.low) and np.all(theta <= self.high))

    def nuisance_from_prior(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of the nuisance parameters from their priors, as runs get them."""
        u = np.maximum(rng.random(len(self.nuisance)), np.finfo(float).tiny)
        return np.array([float(p.ppf(ui)) for p, ui in zip(self.nuisance_priors, u,
                                                           strict=True)])

    def run_params(self, model: int, theta: np.ndarray,
                   nuisance: np.ndarray | None = None) -> dict[str, Any]:
        out = run_params(self.names, self.kinds, self.priors, self.fixed,
                         self.theories[model], theta)
        if self.nuisance:
            assert nuisance is not None
            out.update(run_params(self.nuisance, self.nuisance_kinds, self.nuisance_priors,
                                  {}, None, nuisance))
        return out


def _names(value: Sequence[str] | str | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value]


def space_of(sc: Scenario, params: Sequence[str] | str | None,
             theories: Sequence[str] | str | None, fixed: Mapping[str, Any] | None,
             nuisance: bool = False, screening: bool = False) -> Space:
    """Check what the user asked to calibrate; every mistake is one InputError line.

    With ``nuisance``, every other parameter with a prior that the verdict
    would draw (:func:`~inevitable.experiments.averaged.uncertain`) is drawn
    from its prior in every proposal and kept with the particle.
    """
    fixed = dict(fixed or {})
    if "theory" in fixed:
        raise InputError("choose theories with 'theories', not by fixing 'theory'", "--fixed")
    fixed = sc.check_overrides(fixed, "--fixed")
    names = _names(params)
    if names is None:
        names = [n for n, d in sc.decls.items() if n in sc.priors and n != "theory"
                 and d.kind in ("float", "int") and n not in fixed]
    seen: set[str] = set()
    for n in names:
        if n == "theory":
            raise InputError("the theory is chosen with 'theories', not calibrated as a "
                             "parameter", "--params")
        if n not in sc.decls:
            sc.check_overrides({n: None}, "--params")  # raises with a did-you-mean hint
        if n in seen:
            raise InputError(f"parameter '{n}' is named twice", "--params")
        seen.add(n)
        if n not in sc.priors:
            raise InputError(f"parameter '{n}' has no prior to calibrate over; give it one in "
                             f"the scenario file (parameters: {n}: prior: ...)", "--params")
        if sc.decls[n].kind not in ("float", "int"):
            raise InputError(f"parameter '{n}' is a {sc.decls[n].kind}; only numbers can be "
                             "calibrated", "--params")
        if n in fixed:
            raise InputError(f"parameter '{n}' is both calibrated and fixed", "--params")

    declared = theories_of(sc)
    wanted = _names(theories)
    if wanted is not None and len(wanted) == 1 and declared != [None] and wanted[0] not in \
            declared and all(len(t) == 1 for t in declared):
        wanted = list(wanted[0])  # "TCN" when every theory has a one-letter name
    if wanted is None:
        chosen: list[str | None] = declared
    elif declared == [None]:
        raise InputError(f"scenario '{sc.name}' has no theories to choose between",
                         "--theories")
    else:
        for t in wanted:
            if t not in declared:
                raise InputError(f"unknown theory '{t}' (known: {', '.join(declared)})",
                                 "--theories")
        chosen = list(dict.fromkeys(wanted))
        if not chosen:
            raise InputError("no theories given", "--theories")
    if not names and len(chosen) < 2 and not screening:
        raise InputError("nothing to calibrate: name parameters with priors, or compare two "
                         "or more theories", "--params")
    extra: list[str] = []
    if nuisance:
        from inevitable.experiments.averaged import NOT_DRAWN

        extra = [n for n in sorted(sc.priors) if n not in seen and n not in fixed
                 and n not in NOT_DRAWN]
    return Space(tuple(names), tuple(sc.priors[n] for n in names),
                 tuple(sc.decls[n].kind for n in names), tuple(chosen), fixed,
                 tuple(extra), tuple(sc.priors[n] for n in extra),
                 tuple(sc.decls[n].kind for n in extra))


def run_seed(seed: int, generation: int, index: int, replicate: int) -> int:
    """The seed of one run of one proposal: a pure function of its coordinates."""
    text = f"calibrate\x1f{seed}\x1f{generation}\x1f{index}\x1f{replicate}"
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1  # fits the store's BIGINT


# -- populations and kernels -----------------------------------------------------------
@dataclass
class Population:
    """One generation's accepted particles, weights normalised to 1."""

    model: np.ndarray  # (N,) index into Space.theories
    theta: np.ndarray  # (N, d)
    weight: np.ndarray  # (N,)
    distance: np.ndarray  # (N,) mean distance of the particle's accepted replicates
    errors: np.ndarray  # (N, targets) mean standardised errors of those replicates
    nuisance: np.ndarray  # (N, k) the nuisance values each particle ran with

    def model_probs(self, n_models: int) -> np.ndarray:
        return np.bincount(self.model, weights=self.weight, minlength=n_models)


def _weighted_var(theta: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w / w.sum()
    mean = w @ theta
    return w @ (theta - mean) ** 2


def kernel_scales(pop: Population, space: Space) -> np.ndarray:
    """Per theory, the sd of the Gaussian perturbation of each parameter.

    Twice the weighted variance of the theory's particles (Beaumont et al.
    2009); a theory with too few particles to measure a spread borrows the
    whole population's, and a collapsed spread falls back on a small share of
    the prior's interquartile range so that particles can still move.
    """
    pooled = _weighted_var(pop.theta, pop.weight)
    floor = np.array([1e-3 * pri.spread(p) for p in space.priors])
    out = np.empty((len(space.theories), space.dim))
    for m in range(len(space.theories)):
        sel = pop.model == m
        var = pooled.copy()
        if sel.sum() >= 2 and pop.weight[sel].sum() > 0:
            own = _weighted_var(pop.theta[sel], pop.weight[sel])
            var = np.where(own > 0, own, pooled)
        out[m] = np.sqrt(np.maximum(2.0 * var, floor ** 2))
    return out


def _model_kernel(probs: np.ndarray) -> np.ndarray:
    """K[m_from, m_to]: stay with chance STAY, else move uniformly to another live theory."""
    alive = probs > 0
    n_alive = int(alive.sum())
    k = np.zeros((len(probs), len(probs)))
    for a in np.flatnonzero(alive):
        if n_alive == 1:
            k[a, a] = 1.0
            continue
        k[a, alive] = (1.0 - STAY) / (n_alive - 1)
        k[a, a] = STAY
    return k


def _pick(rng: np.random.Generator, weights: np.ndarray) -> int:
    cum = np.cumsum(weights)
    return int(min(np.searchsorted(cum, rng.random() * cum[-1], side="right"), len(cum) - 1))


class Proposer:
    """Draws proposal ``i`` of a generation from its own generator (see module doc)."""

    def __init__(self, space: Space, seed: int, generation: int,
                 prev: Population | None) -> None:
        self.space = space
        self.seed = seed
        self.generation = generation
        self.prev = prev
        if prev is not None:
            self.probs = prev.model_probs(len(space.theories))
            self.kmodel = _model_kernel(self.probs)
            self.scales = kernel_scales(prev, space)

    def __call__(self, i: int) -> tuple[int, np.ndarray, np.ndarray]:
        """Theory, calibrated parameters and nuisance values of proposal ``i``.

        The nuisance values come from a generator of their own, so turning
        them on leaves the calibrated proposals' draws as they were.
        """
        rng = np.random.default_rng([self.seed, self.generation, i])
        sp = self.space
        nu = sp.nuisance_from_prior(np.random.default_rng([self.seed, self.generation, i,
                                                           0x4E55]))
        if self.prev is None:
            return int(rng.integers(len(sp.theories))), sp.from_prior(rng), nu
        m_from = _pick(rng, self.probs)
        m = _pick(rng, self.kmodel[m_from])
        members = np.flatnonzero(self.prev.model == m)
        k = members[_pick(rng, self.prev.weight[members])]
        # each coordinate moves by a Gaussian truncated to the prior's support, drawn
        # by inverting its CDF: with tens of parameters an untruncated move would
        # almost never land inside in every coordinate at once
        centre, scale = self.prev.theta[k], self.scales[m]
        lo = ndtr((sp.low - centre) / scale)
        hi = ndtr((sp.high - centre) / scale)
        u = lo + rng.random(sp.dim) * (hi - lo)
        theta = centre + scale * ndtri(np.clip(u, 1e-300, 1 - 1e-16))
        return m, np.clip(theta, sp.low, sp.high), nu

    def log_weight(self, model: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Log importance weight (before b and normalisation) of accepted proposals.

        Prior density over the density of the proposal mixture: pick a theory
        by the last generation's probabilities, move it with the model kernel,
        pick one of its particles by weight, perturb it (Toni & Stumpf 2010)
        with a Gaussian truncated to the prior's support in each coordinate,
        whose density carries each particle's own normalising mass. Nuisance
        parameters are left out on purpose: they are proposed from their
        prior, so their density is the same factor in the prior and in the
        proposal and cancels.
        """
        if self.prev is None:
            return np.zeros(len(model))  # proposed from the prior: the weight is b alone
        prev, sp = self.prev, self.space
        lp = sp.log_prior(theta)
        q_model = self.probs @ self.kmodel  # density of the proposed theory
        out = np.empty(len(model))
        for n, (m, th) in enumerate(zip(model, theta, strict=True)):
            members = prev.model == m
            w = prev.weight[members] / self.probs[m]
            sc = self.scales[m]
            centres = prev.theta[members]
            z = (th - centres) / sc
            logk = (-0.5 * np.sum(z * z, axis=1) - np.sum(np.log(sc))
                    - 0.5 * sp.dim * math.log(2 * math.pi)
                    - np.sum(_log_mass(centres, sc, sp.low, sp.high), axis=1))
            out[n] = lp[n] - math.log(q_model[m]) - logsumexp(logk, b=w)
        return out


def _log_mass(centres: np.ndarray, scale: np.ndarray, low: np.ndarray,
              high: np.ndarray) -> np.ndarray:
    """log of the Gaussian mass each centre's kernel puts inside [low, high], per coordinate."""
    a = (low - centres) / scale
    b = (high - centres) / scale
    # log(Phi(b) - Phi(a)) computed on the side where it does not cancel (both sides are
    # computed, and the one not taken may overflow harmlessly)
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = log_ndtr(b) + np.log1p(-np.exp(np.minimum(log_ndtr(a) - log_ndtr(b), -1e-300)))
        lower = log_ndtr(-a) + np.log1p(-np.exp(np.minimum(log_ndtr(-b) - log_ndtr(-a),
                                                           -1e-300)))
    return np.where(a > 0, lower, upper)


# -- the algorithm -----------------------------------------------------------------------
@dataclass
class _Evaluated:
    index: int
    model: int
    theta: np.ndarray
    nuisance: np.ndarray
    distances: list[float]  # one per replicate
    errors: list[list[float]]  # per replicate, each target's standardised error


def _check_settings(particles: int, generations: int, replicates: int, seed: int,
                    alpha: float) -> None:
    for value, name, least in ((particles, "--particles", 2), (generations, "--generations", 1),
                               (replicates, "--replicates", 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InputError(f"must be a whole number, at least {least}; got {value!r}", name)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"must be a whole number, at least 0; got {seed!r}", "--seed")
    if not 0 < alpha < 1:
        raise InputError(f"must be between 0 and 1; got {alpha!r}", "--alpha")


def _check_budget(budget: int, particles: int, replicates: int, screen_runs: int,
                  alpha: float) -> None:
    """Refuse a run budget too small for the screen and one generation, in one line
    (after :func:`_check_settings` has checked the other settings)."""
    least = screen_runs + math.ceil(particles / alpha) * replicates
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < least:
        raise InputError(f"must allow at least {least:,} runs (the screen and a first "
                         f"generation of {particles} particles x {replicates} replicate(s)); "
                         f"got {budget!r}", "--budget")


def calibrate(
    scenario: Scenario | str | Path,
    params: Sequence[str] | str | None = None,
    theories: Sequence[str] | str | None = None,
    *,
    particles: int = 200,
    generations: int = 4,
    seed: int = 0,
    targets: Sequence[str] | str | None = None,
    until: str | int | None = None,
    replicates: int = 1,
    backend=None,
    workers: int | None = None,
    scheduler: str | None = None,
    store: RunStore | str | Path | None = None,
    progress: bool | str = True,
    fixed: Mapping[str, Any] | None = None,
    alpha: float = 0.5,
    command: str | None = None,
    nuisance: bool = True,
    screen: int = 0,
    screen_runs: int = 400,
    min_fall: float = 0.0,
    min_ess: float = 0.0,
    weighting: str = "equal",
    budget: int | None = None,
    before_runs: Callable[[Any], None] | None = None,
) -> Posterior:
    """Calibrate ``params`` and choose among ``theories`` by ABC-SMC on the targets.

    ``params``: names of parameters with priors (default: every numeric
    parameter with a prior). ``theories``: the theories compared (default: all
    the scenario declares). ``targets``: target ids (default: all), of which
    only those known by ``until`` are used when it is given (see
    :mod:`inevitable.experiments.targets`). Each proposal is run
    ``replicates`` times; its weight counts the runs within tolerance.
    ``fixed``: other parameters set for every run. ``alpha``: the quantile of
    a generation's accepted distances that becomes the next tolerance.
    ``nuisance``: draw every other parameter with a prior from its prior in
    each proposal and keep its values with the particles (see the module
    doc); off, those parameters stay at the scenario's values while
    calibrating and the posterior carries none. With ``store``, every run
    is kept and a repeated (or interrupted) calibration reuses them and
    reaches the same posterior.

    ``screen``: calibrate this many parameters in all, those named in
    ``params`` first and then the ones a screen of ``screen_runs`` prior
    draws finds the fit follows most (:mod:`.fitscreen`); the rest stay
    nuisance. ``min_fall``: stop before ``generations`` once a generation's
    tolerance falls by less than this share of the one before (it has
    stopped falling; more generations would mostly cost runs). ``min_ess``:
    stop once a generation's effective sample size falls below this, and
    keep the generation before (in many dimensions the importance weights
    can collapse onto a few particles as the tolerance tightens).
    ``weighting``: ``equal`` (the RMS of the standardised errors, each
    squared error at the weight its target declares, 1 unless it says) or
    ``information`` (each target scaled by its spread in the screen and
    weighted by what the calibrated parameters explain of it; needs
    ``screen``; :mod:`.distance`). ``budget``: the runs the whole
    calibration may make, the screen's included; a generation that would
    need more is not finished, and the one before is kept (as when a
    tolerance can no longer be met), so the wall time is known before it
    starts. ``before_runs``: called with the backend once every setting has
    been checked and before the first run (the CLI times runs there to
    print the budget's minutes).
    """
    sc = as_scenario(scenario)
    _check_settings(particles, generations, replicates, seed, alpha)
    if isinstance(screen, bool) or not isinstance(screen, int) or screen < 0:
        raise InputError(f"must be a whole number of parameters, 0 or more; got {screen!r}",
                         "--screen")
    if not 0.0 <= min_fall < 1.0:
        raise InputError(f"must be a share in [0, 1); got {min_fall!r}", "--min-fall")
    if not 0.0 <= min_ess <= particles:
        raise InputError(f"must be between 0 and the particles ({particles}); got {min_ess!r}",
                         "--min-ess")
    check_kind(weighting)
    if budget is not None:
        _check_budget(budget, particles, replicates, screen_runs if screen else 0, alpha)
    if weighting != "equal" and not screen:
        raise InputError("needs --screen: the weights come from the screen's runs",
                         "--weighting")
    named = _names(params)
    if screen and named is not None and len(named) > screen:
        raise InputError(f"{len(named)} parameters named but only {screen} to calibrate",
                         "--screen")
    space = space_of(sc, named if not screen else (named or []), theories, fixed, nuisance,
                     screening=bool(screen))
    chosen = tg.select(sc, _names(targets), until)
    probe_names = tg.probes(chosen)
    settings = {"particles": particles, "generations": generations, "seed": seed,
                "replicates": replicates, "alpha": alpha,
                "until": None if until is None else str(until),
                "targets_requested": _names(targets), "nuisance": bool(nuisance)}
    if min_fall:
        settings["min_fall"] = min_fall
    if min_ess:
        settings["min_ess"] = min_ess
    if budget is not None:
        settings["budget"] = budget

    own_store = store is not None and not isinstance(store, RunStore)
    db = RunStore(store) if own_store else store
    computed = 0
    say = _Say(progress)
    measure = Weighting.equal([t.id for t in chosen], [t.weight for t in chosen])
    if measure.kind == "declared":
        settings["weighting"] = measure.to_dict()

    def evaluate(gen: int, proposer: Proposer, start: int, stop: int) -> list[_Evaluated]:
        nonlocal computed
        drawn = [(i, *proposer(i)) for i in range(start, stop)]
        specs = [RunSpec(params=space.run_params(m, th, nu), seed=run_seed(seed, gen, i, b))
                 for i, m, th, nu in drawn for b in range(replicates)]
        res = sweep(sc, specs, backend=be, store=db, probes=probe_names, progress=progress,
                    label=f"calibrate: generation {gen + 1}/{generations}", experiment=exp)
        computed += res.computed
        errs = [tg.errors(chosen, tg.simulated(chosen, f, probe_names, pv))
                for f, pv in zip(res.finals, res.probes or [()] * len(specs), strict=True)]
        dists = [measure(e) for e in errs]
        return [_Evaluated(i, m, th, nu, dists[n * replicates:(n + 1) * replicates],
                           errs[n * replicates:(n + 1) * replicates])
                for n, (i, m, th, nu) in enumerate(drawn)]

    try:
        exp = None
        with kept_open(backend, workers, scheduler) as be:
            if before_runs is not None:
                before_runs(be)
            if screen:
                from inevitable.experiments.fitscreen import screen_fit

                fs = screen_fit(sc, screen_runs, seed=seed, theories=space.theories,
                                fixed=space.fixed, targets=chosen, backend=be, store=db,
                                progress=progress)
                picked = list(space.names)
                picked += [n for n in fs.top(len(fs.ranked)) if n not in picked][
                    : screen - len(picked)]
                space = space_of(sc, picked, theories, fixed, nuisance)
                settings["screen"] = {"calibrated": screen, **fs.to_dict()}
                if weighting == "information":
                    measure = informed(fs.values, fs.deviations, [t.id for t in chosen],
                                       list(space.names), [t.weight for t in chosen])
                    settings["weighting"] = measure.to_dict()
                    say("calibrate: targets weighted by information; "
                        f"{int(np.sum(measure.weight > 0))} of {len(chosen)} carry weight")
                n_sig = sum(r.significant for r in fs.ranked)
                say(f"calibrate: screened {len(fs.ranked)} parameters on {fs.runs} runs; "
                    f"{n_sig} pull the fit beyond |rho| {fs.bound:.2f}; calibrating "
                    + ", ".join(space.names))
            if db is not None:
                exp = db.add_experiment("calibrate", sc, {**settings,
                                                          "params": list(space.names),
                                                          "theories": list(space.theories),
                                                          "fixed": dict(space.fixed),
                                                          "targets": [t.id for t in chosen]})
            pop, epsilons, history, stopped, n_sims = _smc(
                space, seed, particles, generations, replicates, alpha, evaluate, say,
                min_fall, min_ess,
                None if budget is None else budget - (fs.runs if screen else 0))
    finally:
        if own_store and db is not None:
            db.close()

    settings["targets"] = [t.id for t in chosen]
    return Posterior(
        scenario=sc.name, scenario_hash=sc.hash, params=list(space.names),
        kinds=list(space.kinds),
        priors={n: prior_to_json(p) for n, p in zip(space.names, space.priors, strict=True)},
        theories=list(space.theories), fixed=dict(space.fixed),
        targets=[t.to_dict() for t in chosen], theta=pop.theta,
        theory=[space.theories[m] for m in pop.model], weights=pop.weight,
        distances=pop.distance, errors=pop.errors, epsilons=epsilons, history=history,
        n_simulations=n_sims, settings=settings, command=command, stopped=stopped,
        computed=computed, nuisance=list(space.nuisance),
        nuisance_kinds=list(space.nuisance_kinds),
        nuisance_priors={n: prior_to_json(p)
                         for n, p in zip(space.nuisance, space.nuisance_priors, strict=True)},
        nuisance_values=pop.nuisance)


class _Say:
    """One line per generation on stderr, unless progress is off."""

    def __init__(self, progress: bool | str) -> None:
        self.on = bool(progress)

    def __call__(self, text: str) -> None:
        if self.on:
            print(text, file=sys.stderr, flush=True)


def _smc(space: Space, seed: int, particles: int, generations: int, replicates: int,
         alpha: float, evaluate, say, min_fall: float = 0.0, min_ess: float = 0.0,
         max_sims: int | None = None
         ) -> tuple[Population, list[float], list[dict], str | None, int]:
    """The generations of ABC-SMC; ``evaluate`` runs proposals and returns distances.

    ``max_sims``: the runs all generations may make; a round is cut to what is
    left, and a generation left unfinished is dropped.
    """
    prev: Population | None = None
    prev_accepted: list[float] = []
    epsilons: list[float] = []
    history: list[dict[str, Any]] = []
    n_sims = 0
    stopped = None
    cap = max(math.ceil(particles / MIN_ACCEPTANCE), 10 * particles)
    rate = alpha
    for gen in range(generations):
        proposer = Proposer(space, seed, gen, prev)
        accepted: list[tuple[_Evaluated, int]] = []
        tried = 0
        eps = epsilons[-1] if epsilons else math.inf
        if gen > 0:
            eps = _next_epsilon(prev_accepted, alpha)
        out_of_budget = False
        while len(accepted) < particles and tried < cap:
            left = None if max_sims is None else (max_sims - n_sims) // replicates
            if left is not None and left <= 0:
                out_of_budget = True
                break
            need = particles - len(accepted)
            if gen == 0 and tried == 0:
                size = particles  # the pilot: its distances set the first tolerance
            else:
                # aim at just enough: proposals past the last acceptance are wasted,
                # a round too short only costs another round
                size = math.ceil(need / max(rate, 1.0 / cap))
                size = max(min(size, 10 * particles, cap - tried), min(need, cap - tried), 1)
            if left is not None and not (gen == 0 and tried == 0):
                size = min(size, left)  # the pilot always fits: the budget was checked
            batch = evaluate(gen, proposer, tried, tried + size)
            tried += size
            n_sims += size * replicates
            if gen == 0 and math.isinf(eps):
                finite = [d for e in batch for d in e.distances if math.isfinite(d)]
                if not finite:
                    raise InputError("no run gave finite values for the targets; check the "
                                     "targets' quantities")
                eps = float(np.quantile(finite, alpha))
            for e in batch:
                if len(accepted) >= particles:
                    break
                b = sum(1 for d in e.distances if math.isfinite(d) and d <= eps)
                if b > 0:
                    accepted.append((e, b))
            rate = max(len(accepted), 0.5) / tried
        if len(accepted) < particles:
            stopped = (f"the budget ran out in generation {gen + 1}, after {n_sims:,} runs "
                       f"of the generations; kept generation {gen}" if out_of_budget else
                       f"generation {gen + 1} accepted only {len(accepted)} of {tried} "
                       f"proposals within tolerance {eps:.4g}; kept generation {gen}")
            if prev is None:
                raise InputError(f"calibration failed: {stopped}")
            say(f"calibrate: {stopped}")
            break
        model = np.array([e.model for e, _ in accepted], dtype=np.int64)
        theta = np.array([e.theta for e, _ in accepted], dtype=float).reshape(
            particles, space.dim)
        nu = np.array([e.nuisance for e, _ in accepted], dtype=float).reshape(
            particles, len(space.nuisance))
        b = np.array([bb for _, bb in accepted], dtype=float)
        logw = proposer.log_weight(model, theta) + np.log(b)
        w = np.exp(logw - logw.max())
        w = w / w.sum()
        ess = float(1.0 / np.sum(w ** 2))
        if min_ess and prev is not None and ess < min_ess:
            # the weights have collapsed onto a few particles: a posterior of those few
            # would pass for one of `particles`; keep the last population that was not
            stopped = (f"generation {gen + 1}'s effective sample size {ess:.1f} is below "
                       f"{min_ess:g}; kept generation {gen}")
            n_sims_wasted = tried * replicates
            say(f"calibrate: stopped: {stopped} ({n_sims_wasted} runs spent on it)")
            break
        dist = np.array([np.mean([d for d in e.distances if d <= eps]) for e, _ in accepted])
        errs = np.array([np.mean([r for d, r in zip(e.distances, e.errors, strict=True)
                                  if d <= eps], axis=0) for e, _ in accepted])
        prev = Population(model, theta, w, dist, errs, nu)
        prev_accepted = [d for e, _ in accepted for d in e.distances if d <= eps]
        epsilons.append(eps)
        probs = prev.model_probs(len(space.theories))
        entry = {"generation": gen + 1, "epsilon": float(eps), "proposals": tried,
                 "simulations": tried * replicates, "acceptance": particles / tried,
                 "ess": float(1.0 / np.sum(w ** 2))}
        if space.theories != (None,):
            entry["theory_probabilities"] = {t: float(p) for t, p in
                                             zip(space.theories, probs, strict=True)}
        history.append(entry)
        theories = "" if space.theories == (None,) else "; " + ", ".join(
            f"P({t})={p:.2f}" for t, p in zip(space.theories, probs, strict=True))
        say(f"calibrate: generation {gen + 1}/{generations}: tolerance {eps:.4g}, "
            f"{tried} proposals, acceptance {particles / tried:.2f}{theories}")
        if (min_fall and len(epsilons) >= 2 and gen + 1 < generations
                and epsilons[-1] > (1.0 - min_fall) * epsilons[-2]):
            stopped = (f"the tolerance fell by less than {min_fall:.0%} in generation "
                       f"{gen + 1} ({epsilons[-2]:.4g} to {epsilons[-1]:.4g})")
            say(f"calibrate: stopped: {stopped}")
            break
    assert prev is not None
    return prev, epsilons, history, stopped, n_sims


def _next_epsilon(distances: list[float], alpha: float) -> float:
    return float(np.quantile(np.asarray(distances, dtype=float), alpha))
