"""ABC-SMC calibration and validation against models whose answer is known.

The Gaussian test model (conftest.py) has closed-form posteriors: for a
parameter, the exact ABC posterior at the final tolerance is computed on a
grid; for the theory, the chance that a run lands within tolerance is
computed by direct simulation of the same model in numpy, outside the engine.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from inevitable.errors import InputError
from inevitable.experiments import targets as tg
from inevitable.experiments.calibrate import calibrate
from inevitable.experiments.posterior import Posterior
from inevitable.experiments.validate import validate
from inevitable.scenarios.loader import parse, scenario


def gauss(xbar: float = 1.0, s: float | None = None, n: int = 10, prior: str = "",
          extra: str = "") -> object:
    """The Gaussian test scenario with observed mean ``xbar`` (and sample sd ``s``)."""
    spread = (f'- {{id: spread, quantity: s, date: "1", value: {s}, sd: 0.25, source: t}}\n'
              if s is not None else "")
    return parse(f"""
name: gauss
title: Gaussian test model
mechanisms: [test-gauss]
time: {{unit: tick, steps: 2}}
parameters:
  n: {{value: {n}, source: t}}
{prior}
outcomes:
  xbar: {{final: xbar, kind: number, doc: the sample mean plus 100}}
targets:
- {{id: xbar, quantity: xbar, date: "1", value: {xbar}, sd: 0.5, source: t}}
{spread}{extra}""", "gauss.yaml")


TOY = parse("""
name: toy-cal
title: toy hazard with targets
mechanisms: [toy-hazard]
time: {unit: tick, steps: 24}
targets:
- {id: defeat-step, quantity: defeat_step, value: 12, sd: 4, source: t}
- {id: alive-6, quantity: alive, date: "6", low: 0.5, high: 1.0, source: t}
""", "toy-cal.yaml")


def exact_abc_posterior(obs: float, target_sd: float, eps: float, like_sd: float,
                        prior_sd: float) -> tuple[float, float]:
    """Mean and sd of the ABC posterior of mu at tolerance eps, by quadrature.

    A run is accepted when |xbar - obs| <= eps * target_sd with xbar ~ N(mu,
    like_sd^2); the prior is N(0, prior_sd^2).
    """
    h = eps * target_sd
    grid = np.linspace(-4, 4, 40001)
    accept = (stats.norm.cdf((obs + h - grid) / like_sd)
              - stats.norm.cdf((obs - h - grid) / like_sd))
    p = stats.norm.pdf(grid, 0, prior_sd) * accept
    p /= p.sum()
    mean = float(grid @ p)
    return mean, float(math.sqrt(((grid - mean) ** 2) @ p))


def test_abc_recovers_the_exact_posterior_of_a_parameter_under_an_informative_prior():
    # n = 4 draws of N(mu, 1), xbar = 1, prior N(0, 0.5^2): the exact posterior
    # is N(0.5, 0.354^2); at tolerance eps it widens slightly (computed exactly).
    # Dropping the prior from the weights would give mean 1.0, sd 0.5.
    sc = gauss(n=4, prior="  mu: {prior: {dist: normal, mean: 0, sd: 0.5, low: -10, high: 10},"
                          " assumption: true}")
    post = calibrate(sc, ["mu"], ["A"], particles=400, generations=5, seed=3,
                     backend="serial", progress=False)
    s = post.summary()["mu"]
    mean, sd = exact_abc_posterior(1.0, 0.5, post.epsilons[-1], 0.5, 0.5)
    assert post.epsilons == sorted(post.epsilons, reverse=True)
    assert abs(s["mean"] - mean) < 4 * sd / math.sqrt(post.ess), (s, mean)
    assert abs(s["sd"] / sd - 1) < 0.15, (s, sd)
    assert s["low"] < mean < s["high"]


def reference_theory_probability(s_obs: float, eps: float, n: int = 10,
                                 draws: int = 1_000_000) -> float:
    """P(theory A) for ABC at tolerance eps, by direct simulation outside the engine."""
    rng = np.random.default_rng(0)
    hits = []
    for sd in (1.0, 2.0):
        mu = rng.uniform(-5, 5, draws)
        xbar = mu + sd / math.sqrt(n) * rng.standard_normal(draws)
        s = sd * np.sqrt(rng.chisquare(n - 1, draws) / (n - 1))
        d = np.sqrt((((xbar - 1.0) / 0.5) ** 2 + ((s - s_obs) / 0.25) ** 2) / 2)
        hits.append(np.mean(d <= eps))
    return hits[0] / (hits[0] + hits[1])


def test_model_selection_gives_the_exact_abc_theory_probability():
    # an ambiguous sample sd (1.3): P(A) is about 0.65, where the weights'
    # model-kernel term matters (leaving it out gives about 0.74)
    post = calibrate(gauss(s=1.3), ["mu"], particles=600, generations=5, seed=1,
                     backend="serial", progress=False)
    p_a = post.theory_probabilities["A"]
    ref = reference_theory_probability(1.3, post.epsilons[-1])
    assert abs(p_a - ref) < 0.05, (p_a, ref)
    assert abs(sum(post.theory_probabilities.values()) - 1) < 1e-12


def test_model_selection_picks_the_theory_that_generated_the_data():
    # data from A (sample sd 1): analytic P(A) -> 0.946 as the tolerance -> 0
    post = calibrate(gauss(s=1.0), ["mu"], particles=300, generations=5, seed=1,
                     backend="serial", progress=False)
    assert post.theory_probabilities["A"] > 0.85
    assert abs(post.summary("A")["mu"]["mean"] - 1.0) < 0.15
    # data from B (sample sd 2): A can hardly produce it
    post_b = calibrate(gauss(s=2.0), ["mu"], particles=200, generations=4, seed=1,
                       backend="serial", progress=False)
    assert post_b.theory_probabilities["B"] > 0.95


def test_the_posterior_is_the_same_bits_on_every_backend():
    kw = dict(params=["hazard", "effect"], particles=40, generations=2, seed=5,
              fixed={"strategy": "resist"}, progress=False)
    serial = calibrate(TOY, backend="serial", **kw)
    assert calibrate(TOY, backend="processes", workers=2, **kw).to_dict() == serial.to_dict()
    pytest.importorskip("dask.distributed")
    assert calibrate(TOY, backend="dask", workers=2, **kw).to_dict() == serial.to_dict()


def test_a_calibration_run_again_on_its_store_reuses_every_run(tmp_path):
    kw = dict(params=["hazard"], theories="A", particles=30, generations=2, seed=2,
              backend="serial", progress=False, store=tmp_path)
    first = calibrate(TOY, **kw)
    again = calibrate(TOY, **kw)
    assert first.computed == first.n_simulations > 0
    assert again.computed == 0
    assert again.to_dict() == first.to_dict()


def test_save_and_load_give_back_the_same_posterior(tmp_path):
    post = calibrate(TOY, ["hazard", "effect"], particles=30, generations=2, seed=4,
                     backend="serial", progress=False, fixed={"strategy": "resist"})
    path = post.save(tmp_path / "post.json", command="inevitable calibrate toy-cal.yaml")
    back = Posterior.load(path)
    assert back.to_dict() == post.to_dict()
    assert back.command == "inevitable calibrate toy-cal.yaml"
    assert back.sample(50, seed=9) == post.sample(50, seed=9)
    data = json.loads(path.read_text())
    assert data["scenario_hash"] == TOY.hash and data["settings"]["seed"] == 4
    draws = post.sample(2000, seed=1)
    assert {d["strategy"] for d in draws} == {"resist"}
    assert {d["theory"] for d in draws} <= {"A", "B"}
    # draws follow the weights: the share of theory A matches its probability
    share_a = sum(d["theory"] == "A" for d in draws) / len(draws)
    assert abs(share_a - post.theory_probabilities["A"]) < 0.05


@pytest.mark.parametrize("content, message", [
    ("{not json", "invalid JSON"),
    ('{"format": "something-else"}', "not a posterior file"),
    ('{"format": "inevitable-posterior/1", "params": ["a"]}', "missing field"),
    ('{"format": "inevitable-posterior/1", "params": [], "particles": []}', "no particles"),
])
def test_a_bad_posterior_file_is_one_clear_error(tmp_path, content, message):
    f = tmp_path / "post.json"
    f.write_text(content)
    with pytest.raises(InputError, match=message):
        Posterior.load(f)
    with pytest.raises(InputError, match="no such file"):
        Posterior.load(tmp_path / "missing.json")


NO_TARGETS = parse("""
name: bare
title: no targets
mechanisms: [test-gauss]
time: {unit: tick, steps: 2}
""", "bare.yaml")


@pytest.mark.parametrize("scenario_, kwargs, message", [
    (TOY, {"params": ["hazzard"]}, "did you mean 'hazard'"),
    (TOY, {"params": ["strategy"]}, "no prior"),
    (TOY, {"params": ["theory"]}, "chosen with 'theories'"),
    (TOY, {"params": ["hazard"], "theories": ["Z"]}, "unknown theory 'Z'"),
    (TOY, {"params": ["hazard"], "particles": 1}, "at least 2"),
    (TOY, {"params": ["hazard"], "generations": 0}, "at least 1"),
    (TOY, {"params": ["hazard"], "seed": -1}, "--seed"),
    (TOY, {"params": ["hazard"], "targets": ["nope"]}, "unknown target 'nope'"),
    (TOY, {"params": ["hazard"], "until": "x"}, "not a tick number"),
    (TOY, {"params": ["hazard"], "fixed": {"hazard": 0.1}}, "both calibrated and fixed"),
    (NO_TARGETS, {"params": ["mu"]}, "no targets"),
])
def test_bad_input_is_refused_before_anything_runs(scenario_, kwargs, message):
    with pytest.raises(InputError, match=message):
        calibrate(scenario_, backend="serial", progress=False, **kwargs)


def test_targets_known_by_a_cutoff_include_events_recorded_before_it():
    sc = scenario("soviet-1923")
    ids = {t.id for t in tg.select(sc, until="1926-12")}
    assert {"members-1925-12", "leningrad-break-month", "united-opposition-month"} <= ids
    assert not ids & {"members-1927-12", "left-turn-month", "defeat-month", "lenin-enrollment"}
    assert len(tg.select(sc)) == sum(t.use == "fit" for t in sc.spec.targets)
    left = next(t for t in tg.all_targets(sc) if t.id == "left-turn-month")
    assert left.event_time and left.observed(-1) == sc.timeline.steps + 1
    assert left.error(70) == 0 and left.error(-1) > 0


def test_validation_predicts_held_out_targets_and_checks_the_scale():
    extra = '- {id: later, quantity: xbar, date: "2", value: 101, sd: 0.5, source: t}\n'
    v = validate(gauss(extra=extra), ["mu"], ["A"], cutoff="1", particles=100,
                 generations=3, reps=60, seed=0, backend="serial", progress=False)
    assert [t["id"] for t in v.posterior.targets] == ["xbar"]
    (p,) = v.predictions
    assert p.target.id == "later" and p.inside and p.n == 60
    assert abs(p.median - 101) < 0.5 and p.low < 101 < p.high
    assert v.scale is not None and (v.scale.scale, v.scale.fine_scale) == (10, 1)
    assert v.scale.agree
    d = v.to_dict()
    assert d["coverage"] == 1.0 and d["predictions"][0]["id"] == "later"
    assert "record_low" not in d["predictions"][0]  # a value target keeps value and sd
    # sharpness beside coverage: the interval's width over the record's 4 sd
    assert d["predictions"][0]["width"] == pytest.approx((p.high - p.low) / 2.0)
    assert d["sharpness"] == pytest.approx(p.width) and d["agreeing"] == p.agree
    assert d["calibration"]["params"] == ["mu"] and "particles" in d["calibration"]["settings"]
    # a target the model misses by far is flagged
    extra_bad = '- {id: later, quantity: xbar, date: "2", value: 50, sd: 0.5, source: t}\n'
    bad = validate(gauss(extra=extra_bad), ["mu"], ["A"], cutoff="1", particles=50,
                   generations=2, reps=20, seed=0, backend="serial", progress=False)
    assert not bad.predictions[0].inside and bad.predictions[0].error > 50


def test_a_held_out_check_is_never_calibrated_on_and_validation_predicts_it():
    # the check sits at the cut-off's date and far from the fit: were it fitted, mu would move
    check = ('- {id: ogpu, quantity: xbar, date: "1", use: check, value: 104, sd: 0.5, '
             'source: t}\n')
    sc = gauss(extra=check)
    assert [t.id for t in tg.select(sc)] == ["xbar"]
    assert [t.id for t in tg.select(sc, until="1")] == ["xbar"]
    with pytest.raises(InputError, match="target 'ogpu' is a held-out check"):
        tg.select(sc, ["xbar", "ogpu"])
    v = validate(sc, ["mu"], ["A"], cutoff="1", particles=60, generations=2, reps=30, seed=0,
                 backend="serial", progress=False)
    assert [t["id"] for t in v.posterior.targets] == ["xbar"]
    (p,) = v.predictions
    assert p.target.id == "ogpu" and not p.inside  # the fit near 101 misses 104
    assert v.to_dict()["predictions"][0]["check"] is True
    with pytest.raises(InputError, match="use"):
        gauss(extra=check.replace("use: check", "use: maybe"))


# -- nuisance parameters --------------------------------------------------------------
# the Gaussian model with n calibrated and mu left as a nuisance parameter: the record
# (xbar = 1, sd 0.25, from 100 draws) rules out most of mu's prior uniform(-5, 5)
NUIS = parse("""
name: gauss-nuis
title: Gaussian test model with a nuisance mean
mechanisms: [test-gauss]
time: {unit: tick, steps: 2}
parameters:
  n: {value: 100, prior: {dist: uniform, low: 80, high: 120}, source: t}
outcomes:
  xbar: {final: xbar, kind: number, doc: the sample mean plus 100}
targets:
- {id: xbar, quantity: xbar, date: "1", value: 1.0, sd: 0.25, source: t}
""", "gauss-nuis.yaml")
NUIS_KW = dict(theories="A", particles=40, generations=3, seed=5, backend="serial",
               progress=False)


def test_the_calibration_conditions_the_nuisance_parameters_on_the_record():
    post = calibrate(NUIS, ["n"], **NUIS_KW)
    assert post.nuisance == ["mu"] and post.settings["nuisance"] is True
    assert post.nuisance_values.shape == (40, 1)
    mu = np.array([p["mu"] for p in post.particles])
    assert np.array_equal(mu, post.nuisance_values[:, 0])  # runs got the stored values
    assert all(isinstance(p["n"], int) for p in post.particles)
    mean = float(post.weights @ mu)
    sd = math.sqrt(float(post.weights @ (mu - mean) ** 2))
    # the prior has mean 0 and sd 10 / sqrt(12) = 2.9; the record puts mu near 1
    assert abs(mean - 1.0) < 0.3 and sd < 0.5
    assert mu.min() > -1 and mu.max() < 3
    # every proposal draws its nuisance values afresh, seeded by its coordinates
    assert calibrate(NUIS, ["n"], **NUIS_KW).to_dict() == post.to_dict()
    # off, the nuisance parameter stays at its value and the posterior carries none
    plain = calibrate(NUIS, ["n"], nuisance=False, **{**NUIS_KW, "generations": 1})
    assert plain.nuisance == [] and "mu" not in plain.particles[0]
    assert plain.settings["nuisance"] is False


def test_a_posterior_with_nuisance_values_round_trips_and_an_old_file_still_loads(tmp_path):
    post = calibrate(NUIS, ["n"], **{**NUIS_KW, "particles": 20, "generations": 2})
    path = post.save(tmp_path / "post.json")
    data = json.loads(path.read_text())
    assert data["nuisance"] == ["mu"] and data["nuisance_kinds"] == ["float"]
    assert all(len(p["nuisance"]) == 1 for p in data["particles"])
    back = Posterior.load(path)
    assert back.to_dict() == post.to_dict()
    assert back.particles == post.particles
    assert np.array_equal(back.nuisance_values, post.nuisance_values)
    # a file written before nuisance values were kept: loads, and carries none
    for key in ("nuisance", "nuisance_kinds", "nuisance_priors"):
        del data[key]
    for p in data["particles"]:
        del p["nuisance"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    was = Posterior.load(old)
    assert was.nuisance == [] and was.nuisance_values.shape == (20, 0)
    assert [{k: v for k, v in p.items() if k != "mu"} for p in post.particles] == \
        was.particles
    # a particle with the wrong number of nuisance values is one clear error
    data = json.loads(path.read_text())
    data["particles"][3]["nuisance"] = [0.1, 0.2]
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="nuisance values do not match"):
        Posterior.load(path)


# -- the screen that picks what to calibrate ------------------------------------------
def test_the_fit_screen_ranks_a_parameter_the_distance_follows_first():
    from inevitable.experiments.fitscreen import rank

    rng = np.random.default_rng(0)
    d = rng.random(300)
    fs = rank({"noise": rng.random(300), "pull": d + 0.1 * rng.random(300),
               "against": -d + 0.5 * rng.random(300)}, d)
    assert [r.name for r in fs.ranked] == ["pull", "against", "noise"]
    assert fs.ranked[0].rho > 0.95 and fs.ranked[1].rho < -0.5
    assert fs.ranked[0].significant and not fs.ranked[2].significant
    assert abs(fs.bound - 1.959963984540054 / math.sqrt(299)) < 1e-9
    # per target: a parameter that settles one small target is not drowned by the distance,
    # which the other target's large errors make; the bound is Bonferroni over the targets
    small = rng.random(300)  # the target "month" follows it alone
    big = 100 * rng.random(300)  # and "count", which dominates the RMS, follows nothing
    errors = np.column_stack([small + 0.05 * rng.random(300), big])
    dist = np.sqrt((errors ** 2).mean(axis=1))
    fs = rank({"settles": small, "idle": rng.random(300)}, dist, errors, ["month", "count"])
    assert [r.name for r in fs.ranked] == ["settles", "idle"]
    assert fs.ranked[0].target == "month" and fs.ranked[0].significant
    assert abs(fs.ranked[0].rho) < 0.2  # the RMS alone would not have seen it
    from scipy import stats as st
    assert abs(fs.bound - st.norm.ppf(1 - 0.025 / 2) / math.sqrt(299)) < 1e-12


def test_a_screened_calibration_calibrates_what_the_record_constrains():
    # mu moves xbar by its whole prior width; n only changes the noise around it
    post = calibrate(NUIS, None, screen=1, screen_runs=60, **NUIS_KW)
    assert post.params == ["mu"] and post.nuisance == ["n"]
    ranked = post.settings["screen"]["ranked"]
    assert ranked[0][0] == "mu" and ranked[0][4] is True and abs(ranked[1][2]) < 0.3
    # named parameters come first, the screen fills the rest
    both = calibrate(NUIS, ["n"], screen=2, screen_runs=60, **NUIS_KW)
    assert both.params == ["n", "mu"]
    # and the posterior file keeps the screen and the wall time the CLI adds
    both.wall_seconds = 1.5
    again = Posterior.from_dict(json.loads(json.dumps(both.to_dict())), "x")
    assert again.wall_seconds == 1.5 and again.settings["screen"]["runs"] == 60


def test_the_calibration_stops_once_the_tolerance_stops_falling():
    kw = {**NUIS_KW, "generations": 6}
    post = calibrate(NUIS, ["mu"], min_fall=0.99, **kw)
    assert len(post.epsilons) == 2 and "fell by less than 99%" in post.stopped
    assert len(calibrate(NUIS, ["mu"], **kw).epsilons) == 6
    # weights that collapse below the floor: the population before is kept, unchanged
    first = calibrate(NUIS, ["mu"], **{**kw, "generations": 1})
    floor = calibrate(NUIS, ["mu"], min_ess=39.99, **kw)
    assert len(floor.epsilons) == 1 and "effective sample size" in floor.stopped
    assert np.array_equal(floor.theta, first.theta) and np.array_equal(floor.weights,
                                                                       first.weights)


@pytest.mark.parametrize(("kw", "message"), [
    ({"screen": -1}, "--screen"), ({"screen": 1, "screen_runs": 5}, "--screen-runs"),
    ({"min_fall": 1.5}, "--min-fall"), ({"min_ess": -1}, "--min-ess"),
    ({"screen": 1, "params": ["mu", "n"]}, "--screen")])
def test_bad_screen_settings_are_one_line(kw, message):
    kw = {"params": None, **kw}
    with pytest.raises(InputError) as err:
        calibrate(NUIS, kw.pop("params"), **{**NUIS_KW, **kw})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_the_perturbation_kernel_is_truncated_to_the_support_with_its_mass():
    from inevitable.engine.params import Uniform
    from inevitable.experiments.calibrate import Population, Proposer, Space, _log_mass

    c = np.array([[0.05, 0.5, 0.999]])
    s = np.array([0.2, 0.2, 0.2])
    lo, hi = np.zeros(3), np.ones(3)
    exact = np.log(stats.norm.cdf((hi - c) / s) - stats.norm.cdf((lo - c) / s))
    assert np.allclose(_log_mass(c, s, lo, hi), exact, rtol=1e-12)
    # far in a tail, where the plain difference cancels to 0
    assert np.isfinite(_log_mass(np.array([[-40.0]]), np.array([1.0]), np.zeros(1),
                                 np.ones(1))).all()
    # 30 parameters near the edges of their supports: every proposal lands inside
    d = 30
    space = Space(tuple(f"p{j}" for j in range(d)), tuple(Uniform(low=0.0, high=1.0)
                                                          for _ in range(d)),
                  ("float",) * d, ("A",), {})
    theta = np.full((50, d), 0.98)
    theta[:, ::2] = 0.02
    pop = Population(np.zeros(50, dtype=np.int64), theta, np.full(50, 1 / 50), np.zeros(50),
                     np.zeros((50, 0)), np.zeros((50, 0)))
    prop = Proposer(space, 0, 1, pop)
    drawn = np.array([prop(i)[1] for i in range(200)])
    assert drawn.min() >= 0.0 and drawn.max() <= 1.0
    assert np.isfinite(prop.log_weight(np.zeros(200, dtype=np.int64), drawn)).all()


# -- the information weighting of the distance ------------------------------------------
def test_the_spread_is_an_sd_by_the_mad_or_by_the_mean_deviation_where_most_runs_agree():
    from inevitable.experiments.distance import spread

    rng = np.random.default_rng(1)
    normal = rng.normal(0.0, 3.0, 20_000)
    mostly_zero = np.r_[np.zeros(70), np.full(30, 2.0)]  # MAD 0: a range met by most runs
    s = spread(np.column_stack([normal, mostly_zero[np.arange(20_000) % 100],
                                np.zeros(20_000)]))
    assert abs(s[0] - 3.0) < 0.06  # 1.4826 MAD estimates the sd of a normal sample
    assert s[1] == pytest.approx(math.sqrt(math.pi / 2) * 0.6)  # mean |e - median| = 0.6
    assert s[2] == 0.0  # a target that never moves


def test_the_weight_is_what_the_calibrated_parameters_explain_of_a_target_beyond_chance():
    from inevitable.experiments.distance import explained

    rng = np.random.default_rng(2)
    n = 400
    a, b, idle = rng.random(n), rng.random(n), rng.random(n)
    errors = np.column_stack([3 * a + 0.0 * b,  # a alone: explained exactly (monotone)
                              a + b + 0.3 * rng.normal(size=n),  # both, with noise
                              rng.random(n)])  # neither
    r2 = explained({"a": a, "b": b, "idle": idle}, errors, ["a", "b"])
    assert r2[0] == pytest.approx(1.0, abs=1e-12)
    assert 0.6 < r2[1] < 0.95
    assert r2[2] < 0.03  # chance, adjusted away (floored at 0)
    # the same target is not informative about a parameter that does not move it
    assert explained({"idle": idle}, errors[:, :1], ["idle"])[0] < 0.02


def test_the_weighted_distance_scales_each_target_and_ignores_those_without_weight():
    from inevitable.experiments.distance import Weighting

    w = Weighting("information", ("month", "count"), np.array([0.5, 0.0]), np.array([2.0, 1.0]))
    assert w([3.0, 1e9]) == pytest.approx(1.5)  # |3| / 2, and the count weighs nothing
    assert w([3.0, math.inf]) == pytest.approx(1.5)
    assert w([math.inf, 0.0]) == math.inf
    two = Weighting("information", ("x", "y"), np.array([1.0, 3.0]), np.array([1.0, 2.0]))
    assert two([2.0, 2.0]) == pytest.approx(math.sqrt((4.0 + 3.0 * 1.0) / 4.0))
    assert Weighting.equal(["x", "y"])([3.0, 4.0]) == pytest.approx(tg.rms([3.0, 4.0]))
    again = Weighting.from_dict(json.loads(json.dumps(two.to_dict())))
    assert again.targets == two.targets and np.array_equal(again.weight, two.weight)
    # what the weights are measured on keeps the side of the record a value falls
    value = tg.Target("v", "q", None, None, 10.0, 2.0, None, None, False, 0)
    span = tg.Target("r", "q", None, None, None, None, 4.0, 8.0, False, 0)
    assert [value.deviation(x) for x in (6.0, 13.0)] == [-2.0, 1.5]
    assert [span.deviation(x) for x in (5.0, 12.0)] == [-0.5, 3.0]
    assert span.error(12.0) == 2.0  # the error counts from the range's end, not its middle


def test_an_information_weighted_calibration_keeps_its_weights_and_uses_them():
    post = calibrate(NUIS, None, screen=1, screen_runs=60, weighting="information", **NUIS_KW)
    (target, weight, scale), = post.settings["weighting"]["targets"]
    assert target == "xbar" and weight > 0.5 and scale > 0
    # one target: the distance is its error over the spread of its value in the screen
    assert np.allclose(post.distances, post.errors[:, 0] / scale, rtol=1e-3)
    assert post.fit()[0]["weight"] == weight
    # equal weighting is the RMS, and the posterior says nothing of weights
    assert "weighting" not in calibrate(NUIS, None, screen=1, screen_runs=60,
                                        **NUIS_KW).settings


def test_a_declared_target_weight_counts_its_squared_error_that_many_times():
    sc = gauss(1.0, s=1.0)
    heavy = parse(sc.text.replace("value: 1.0, sd: 0.5,", "value: 1.0, sd: 0.5, weight: 3,"),
                  "gauss.yaml")
    kw = dict(theories="A", particles=30, generations=2, seed=3, backend="serial",
              progress=False)
    post = calibrate(heavy, ["mu"], **kw)
    assert post.settings["weighting"]["kind"] == "declared"
    assert [r[:2] for r in post.settings["weighting"]["targets"]] == [["xbar", 3.0],
                                                                        ["spread", 1.0]]
    e = post.errors
    assert np.allclose(post.distances, np.sqrt((3 * e[:, 0] ** 2 + e[:, 1] ** 2) / 4))
    assert {f["id"]: f["weight"] for f in post.fit()} == {"xbar": 3.0, "spread": 1.0}
    # at weight 1 everywhere nothing is recorded and the distance is the plain RMS
    plain = calibrate(sc, ["mu"], **kw)
    assert "weighting" not in plain.settings
    assert np.allclose(plain.distances, np.sqrt((plain.errors ** 2).mean(axis=1)))


def test_a_run_budget_drops_the_generation_it_cannot_finish_and_keeps_the_ones_before():
    kw = dict(theories="A", particles=30, generations=6, seed=4, backend="serial",
              progress=False)
    full = calibrate(gauss(1.0), ["mu"], **kw)
    assert len(full.epsilons) == 6 and full.n_simulations > 300
    cut = calibrate(gauss(1.0), ["mu"], budget=300, **kw)
    assert cut.n_simulations <= 300 and cut.settings["budget"] == 300
    assert "budget ran out" in cut.stopped
    kept = len(cut.epsilons)
    assert 1 <= kept < 6
    # the generations it finished are the full run's, bit for bit: acceptance goes in
    # proposal order, whatever the size of the rounds
    assert cut.epsilons == full.epsilons[:kept]
    assert [h["proposals"] for h in cut.history] == [h["proposals"] for h in full.history[:kept]]


@pytest.mark.parametrize("budget", [59, 0, -5])
def test_a_budget_below_one_generation_is_one_line(budget):
    with pytest.raises(InputError) as err:
        calibrate(gauss(1.0), ["mu"], theories="A", particles=30, backend="serial",
                  progress=False, budget=budget)
    assert "must allow at least 60 runs" in str(err.value) and "--budget" in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("kw", "message"), [
    ({"weighting": "informative", "screen": 1}, "must be one of equal, information"),
    ({"weighting": "information"}, "needs --screen")])
def test_a_bad_weighting_is_one_line_naming_the_option(kw, message):
    with pytest.raises(InputError) as err:
        calibrate(NUIS, None, **{**NUIS_KW, **kw})
    assert message in str(err.value) and "--weighting" in str(err.value)
    assert "\n" not in str(err.value)
