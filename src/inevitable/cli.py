"""The command line: thin verbs over the Python API.

Parse, call the API, print. Any :class:`~inevitable.errors.InputError` becomes
one line on stderr and exit status 2, before anything is written. Every path
a command writes to (``--out``, ``--results``, ``--export``) is checked
before any run, so that nothing is computed and then lost for want of a
place to put it; a write that fails anyway is the same one line, and leaves
no partial file.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from inevitable import __version__
from inevitable.errors import InputError
from inevitable.scenarios.loader import builtin_names, scenario
from inevitable.store.files import check_directory, check_target, write_result, write_text, writing

app = typer.Typer(
    name="inevitable",
    help="Make a historical counterfactual testable: run, compare and question "
    "calibrated agent-based models.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _split_pair(pair: str, form: str, option: str) -> tuple[str, str]:
    """``"name=value"`` -> ``("name", "value")``, or one line naming the option."""
    key, sep, raw = pair.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(f"expected {form}, got '{pair}'", option)
    return key, raw


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    """``["a=1", "b=[0,0.5]", "c=round"]`` -> ``{"a": 1, "b": [0, 0.5], "c": "round"}``.

    A value is read as JSON when it parses as JSON, else taken as text, so
    numbers, booleans and lists need no quoting beyond the shell's.
    """
    values: dict[str, Any] = {}
    for pair in pairs:
        key, raw = _split_pair(pair, "KEY=VALUE", "--set")
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            values[key] = raw
    return values


@app.command("scenarios")
def scenarios_cmd() -> None:
    """List the built-in scenarios, one line each."""
    for name in builtin_names():
        out.print(f"[bold]{name:<14}[/bold] {scenario(name).title}", highlight=False)


@app.command("check")
def check_cmd(file: Annotated[str, typer.Argument(help="a scenario file (.yaml) or name")]) -> None:
    """Validate a scenario file; print what it contains, or the first problem found."""
    sc = scenario(file)
    tl = sc.timeline
    span = f"{tl.label(0)}..{tl.label(tl.steps)} ({tl.steps} {tl.unit}s)"
    out.print(
        f"ok: {sc.name}: {len(sc.mechanisms)} mechanism(s), {len(sc.decls)} parameters, "
        f"{len(sc.events)} events, {len(sc.spec.targets)} targets{_held(sc)}, "
        f"{len(sc.spec.claims)} "
        f"claims, {span}", highlight=False)


@app.command("run")
def run_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO",
                                                help="built-in name or path to a .yaml file")],
    set_: Annotated[list[str], typer.Option("--set", metavar="KEY=VALUE",
                                            help="override a parameter (repeatable)")] = [],  # noqa: B006
    seed: Annotated[int, typer.Option(help="the run's seed")] = 0,
    steps: Annotated[int | None,
                     typer.Option(help="number of steps (default: the scenario's)")] = None,
    out_file: Annotated[Path | None,
                        typer.Option("--out", help="write .json, .csv or .parquet")] = None,
    chronicle: Annotated[bool, typer.Option("--chronicle",
                                            help="print a month-by-month account")] = False,
) -> None:
    """Run a scenario once and print a summary, or write the series to a file."""
    sc = scenario(scenario_ref)
    params = sc.check_overrides(parse_sets(set_))
    if out_file is not None:
        check_target(out_file)
    if chronicle and not any(hasattr(c, "chronicle") for c in sc.mechanisms):
        raise InputError(f"scenario '{sc.name}' has no chronicle", "--chronicle")
    if steps is not None and steps < 1:
        raise InputError("must be at least 1", "--steps")
    sim = sc.sim(seed=seed, params=params, steps=steps)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task(f"{sc.name} seed {seed}", total=sim.steps)
        result = sim.run(progress=lambda t, n: bar.update(task, completed=t))
    result = sc.finish(result)
    if chronicle:
        for line in result.chronicle():
            out.print(line, highlight=False, markup=False)
    if out_file is not None:
        write_result(result, out_file)
        err.print(f"wrote {out_file}", highlight=False)
    elif not chronicle:
        _summary(result)


def _summary(result) -> None:
    table = Table(title=f"{result.meta.get('scenario')} (seed {result.seed}, "
                  f"{len(result.labels) - 1} steps)")
    for col in ("series", "start", "end", "min", "mean", "max"):
        table.add_column(col, justify="left" if col == "series" else "right")
    for name, values in result.series.items():
        v = np.asarray(values, dtype=float)
        table.add_row(name, *(f"{x:.4g}" for x in (v[0], v[-1], v.min(), v.mean(), v.max())))
    out.print(table)
    extra = {k: v for k, v in result.final.items() if k not in result.series}
    if extra:
        out.print("final: " + ", ".join(f"{k} = {v}" for k, v in extra.items()), highlight=False)


def _names(text: str | None) -> list[str] | None:
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


Backend = Annotated[str, typer.Option("--backend", help="serial, processes or dask")]
Workers = Annotated[int | None, typer.Option(help="worker processes (default: all cores)")]
Scheduler = Annotated[str | None, typer.Option(help="Dask scheduler address, tcp://host:port")]
Results = Annotated[Path, typer.Option("--results", help="results directory (the store)")]
# how a calibration runs (calibrate, and the one validate makes)
Screen = Annotated[int, typer.Option(
    help="calibrate this many parameters: the --params named, then those a screen of "
         "prior draws finds the fit follows most (0: only --params)")]
ScreenRuns = Annotated[int, typer.Option(help="runs of the screen")]
MinFall = Annotated[float, typer.Option(
    help="stop once a generation lowers the tolerance by less than this share")]
MinEss = Annotated[float, typer.Option(
    help="stop once a generation's effective sample size falls below this; keep the one "
         "before")]
Weighting = Annotated[str, typer.Option(
    help="the distance: equal (RMS of the standardised errors, at the weights the targets "
         "declare, 1 unless they say) or information (each target "
         "scaled by its spread in the screen and weighted by what the calibrated parameters "
         "explain of it; needs --screen)")]
Replicates = Annotated[int, typer.Option(help="runs averaged per particle")]


@app.command("compare")
def compare_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO")],
    strategies: Annotated[str | None, typer.Option(help="comma-separated (default: all)")] = None,
    theories: Annotated[str | None, typer.Option(help="e.g. TCN or T,C (default: all)")] = None,
    reps: Annotated[int, typer.Option(help="paired replications per arm")] = 200,
    seed: Annotated[int, typer.Option(help="first seed; arms share seeds")] = 0,
    outcomes: Annotated[str | None, typer.Option(help="comma-separated finals")] = None,
    reference: Annotated[str | None, typer.Option(help="arm to difference against")] = None,
    set_: Annotated[list[str], typer.Option("--set", metavar="KEY=VALUE")] = [],  # noqa: B006
    backend: Backend = "processes",
    workers: Workers = None,
    scheduler: Scheduler = None,
    results: Results = Path("results"),
    out_file: Annotated[Path | None, typer.Option("--out", help="write .json")] = None,
    posterior: Annotated[Path | None, typer.Option(
        help="a posterior from 'inevitable calibrate': posterior-predictive runs")] = None,
) -> None:
    """Strategies x theories on the same seeds: chances with intervals, paired differences."""
    from inevitable.experiments.compare import compare

    sc = scenario(scenario_ref)
    params = sc.check_overrides(parse_sets(set_))
    _json_out(out_file)
    check_directory(results, "--results")
    cmp = compare(sc, _names(strategies), theories, reps, seed, outcomes=_names(outcomes),
                  reference=reference, params=params, backend=backend, workers=workers,
                  scheduler=scheduler, store=results, posterior=_load_posterior(posterior, sc),
                  progress=_progress())
    out.print(cmp.table())
    out.print(f"{cmp.computed} runs computed, {cmp.reused} reused from {results}",
              highlight=False)
    if out_file is not None:
        _write_json(out_file, cmp.to_dict())


@app.command("curve")
def curve_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO")],
    branches: Annotated[str | None, typer.Option(
        help="comma-separated dates (or ticks); default: from --start to --end")] = None,
    start: Annotated[str | None, typer.Option(help="first branch date")] = None,
    end: Annotated[str | None, typer.Option(help="last branch date")] = None,
    every: Annotated[int, typer.Option(help="months (or ticks) between branches")] = 6,
    strategies: Annotated[str | None, typer.Option(help="comma-separated (default: all)")] = None,
    theories: Annotated[str | None, typer.Option(help="e.g. TCN (default: all)")] = None,
    reps: Annotated[int, typer.Option(help="seeds per branch (half select, half measure)")] = 200,
    seed: Annotated[int, typer.Option(help="first seed")] = 0,
    outcome: Annotated[str | None, typer.Option(help="the outcome to avoid")] = None,
    base: Annotated[str | None, typer.Option(help="the strategy up to the branch")] = None,
    set_: Annotated[list[str], typer.Option("--set", metavar="KEY=VALUE")] = [],  # noqa: B006
    backend: Backend = "processes",
    workers: Workers = None,
    scheduler: Scheduler = None,
    results: Results = Path("results"),
    out_file: Annotated[Path | None, typer.Option("--out", help="write .json")] = None,
    posterior: Annotated[Path | None, typer.Option(
        help="a posterior from 'inevitable calibrate': posterior-predictive runs")] = None,
) -> None:
    """The inevitability curve: 1 - the best strategy's chance, per branch date and theory."""
    from inevitable.experiments.curve import curve

    sc = scenario(scenario_ref)
    params = sc.check_overrides(parse_sets(set_))
    _json_out(out_file)
    check_directory(results, "--results")
    points = _names(branches)
    if points is None and (start or end):
        tl = sc.timeline
        a = tl.step_of(start or tl.label(0), "--start")
        b = tl.step_of(end or tl.label(tl.steps - 1), "--end")
        if every < 1 or b < a:
            raise InputError("need --every >= 1 and --start before --end", "--every")
        points = [tl.label(i) for i in range(a, b + 1, every)]
    if points is not None and sc.timeline.unit == "tick":
        try:
            points = [int(x) for x in points]
        except ValueError:
            raise InputError("branches are tick numbers for this scenario", "--branches") \
                from None
    c = curve(sc, points, _names(strategies), theories, reps, seed, outcome=outcome, base=base,
              params=params, backend=backend, workers=workers, scheduler=scheduler,
              store=results, posterior=_load_posterior(posterior, sc),
              progress=_progress())
    out.print(c.table())
    out.print(f"{c.computed} runs computed, {c.reused} reused from {results}", highlight=False)
    if out_file is not None:
        _write_json(out_file, c.to_dict())


def _progress() -> bool | str:
    """A live bar in a terminal; one line per stored batch in logs and batch jobs."""
    return True if err.is_terminal else "lines"


def _json_out(out_file: Path | None) -> None:
    if out_file is not None:
        if out_file.suffix.lower() != ".json":
            raise InputError("results are written as .json", f"--out {out_file}")
        check_target(out_file)


@app.command("sensitivity")
def sensitivity_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO")],
    params: Annotated[str | None, typer.Option(
        help="comma-separated parameters with priors (default: all)")] = None,
    outcomes: Annotated[str | None, typer.Option(help="comma-separated outcomes")] = None,
    strategies: Annotated[str | None, typer.Option(
        help="vary the strategy too, as a contrast of two: 'reference,alternative' ('all' "
             "when the scenario has only two)")] = None,
    theory: Annotated[str | None, typer.Option(help="fix the theory")] = None,
    method: Annotated[str, typer.Option(help="sobol or morris")] = "sobol",
    samples: Annotated[int, typer.Option(help="Sobol base samples (a power of two) or "
                                              "Morris trajectories")] = 64,
    replicates: Annotated[int, typer.Option(help="seeds averaged per design point")] = 1,
    seed: Annotated[int, typer.Option(help="seed of the design and the runs")] = 0,
    backend: Backend = "processes",
    workers: Workers = None,
    scheduler: Scheduler = None,
    results: Results = Path("results"),
    out_file: Annotated[Path | None, typer.Option("--out", help="write .json")] = None,
    posterior: Annotated[Path | None, typer.Option(
        help="draw the other parameters from this calibration")] = None,
) -> None:
    """Structure vs agency: Sobol indices (or Morris screening) of the outcomes."""
    from inevitable.experiments.sensitivity import sensitivity

    _json_out(out_file)
    check_directory(results, "--results")
    strat = True if strategies == "all" else _names(strategies)
    sc = scenario(scenario_ref)
    s = sensitivity(sc, _names(params), _names(outcomes), strategies=strat,
                    posterior=_load_posterior(posterior, sc),
                    theory=theory, method=method, samples=samples, replicates=replicates,
                    seed=seed, backend=backend, workers=workers, scheduler=scheduler,
                    store=results, progress=_progress())
    out.print(s.table())
    if out_file is not None:
        _write_json(out_file, s.to_dict())


@app.command("discover")
def discover_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO")],
    params: Annotated[str, typer.Option(help="comma-separated conditions (with priors)")],
    strategy: Annotated[str | None, typer.Option(help="the strategy to study")] = None,
    theory: Annotated[str | None, typer.Option(help="the theory")] = None,
    outcome: Annotated[str | None, typer.Option(help="a yes/no outcome")] = None,
    samples: Annotated[int, typer.Option(help="runs over the priors")] = 512,
    threshold: Annotated[float | None, typer.Option(help="density the box must reach")] = None,
    seed: Annotated[int, typer.Option(help="seed")] = 0,
    backend: Backend = "processes",
    workers: Workers = None,
    scheduler: Scheduler = None,
    results: Results = Path("results"),
    out_file: Annotated[Path | None, typer.Option("--out", help="write .json")] = None,
    posterior: Annotated[Path | None, typer.Option(
        help="draw the other parameters from this calibration")] = None,
) -> None:
    """Scenario discovery (PRIM): the conditions under which a strategy avoids the outcome."""
    from inevitable.experiments.discover import discover

    _json_out(out_file)
    check_directory(results, "--results")
    sc = scenario(scenario_ref)
    d = discover(sc, _names(params) or [], strategy=strategy, theory=theory,
                 posterior=_load_posterior(posterior, sc),
                 outcome=outcome, samples=samples, seed=seed, threshold=threshold,
                 backend=backend, workers=workers, scheduler=scheduler, store=results,
                 progress=_progress())
    out.print(d.words, highlight=False)
    if out_file is not None:
        _write_json(out_file, d.to_dict())


@app.command("calibrate")
def calibrate_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO")],
    params: Annotated[str | None, typer.Option(
        help="comma-separated parameters to calibrate (with priors)")] = None,
    theories: Annotated[str | None, typer.Option(help="theories to choose among, e.g. TCN")] = None,
    particles: Annotated[int, typer.Option(help="particles per generation")] = 200,
    generations: Annotated[int, typer.Option(help="ABC-SMC generations (at most, with "
                                                  "--min-fall)")] = 4,
    until: Annotated[str | None, typer.Option(help="use only targets up to this date")] = None,
    screen: Screen = 0,
    screen_runs: ScreenRuns = 400,
    min_fall: MinFall = 0.0,
    min_ess: MinEss = 0.0,
    weighting: Weighting = "equal",
    replicates: Replicates = 1,
    seed: Annotated[int, typer.Option(help="seed of the whole calibration")] = 0,
    set_: Annotated[list[str], typer.Option("--set", metavar="KEY=VALUE")] = [],  # noqa: B006
    nuisance: Annotated[bool, typer.Option(
        help="draw every other parameter with a prior from it in each proposal and keep "
             "its values with the particles")] = True,
    backend: Backend = "processes",
    workers: Workers = None,
    scheduler: Scheduler = None,
    results: Results = Path("results"),
    out_file: Annotated[Path, typer.Option("--out", help="where to save the posterior "
                                                         "(.json)")] = Path("posterior.json"),
    budget: Annotated[int | None, typer.Option(
        help="runs the whole calibration may make, the screen's included: printed with its "
             "time before it starts; a generation that would need more is dropped and the "
             "one before kept")] = None,
) -> None:
    """ABC-SMC calibration against the scenario's targets, with the theories' posterior."""
    from inevitable.experiments.calibrate import calibrate

    sc = scenario(scenario_ref)
    fixed = sc.check_overrides(parse_sets(set_))
    _json_out(out_file)
    check_directory(results, "--results")
    command = "inevitable " + " ".join(sys.argv[1:])
    began = time.perf_counter()

    def announce(be) -> None:
        """Time runs on the calibration's own workers, once its settings passed."""
        from inevitable.experiments.verdict import run_seconds, study_seconds

        per_run = run_seconds(sc, None, backend=be)
        minutes = study_seconds(budget, per_run, be.workers) / 60
        err.print(f"budget: at most {budget:,} runs at {per_run * 1000:.1f} ms each (timed "
                  f"now on {be.workers} worker(s)), roughly {minutes:.1f} min (less if it "
                  f"stops sooner; runs already in {results} are reused)", highlight=False)

    post = calibrate(sc, _names(params), theories, particles=particles, generations=generations,
                     seed=seed, until=until, replicates=replicates, backend=backend,
                     workers=workers, scheduler=scheduler, store=results, fixed=fixed,
                     progress=_progress(), command=command, nuisance=nuisance,
                     screen=screen, screen_runs=screen_runs, min_fall=min_fall,
                     min_ess=min_ess, weighting=weighting, budget=budget,
                     before_runs=announce if budget is not None else None)
    post.wall_seconds = round(time.perf_counter() - began, 1)
    out.print(post.table())
    with writing(out_file):
        post.save(out_file, command=command)
    err.print(f"wrote {out_file}", highlight=False)


@app.command("validate")
def validate_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO")],
    params: Annotated[str | None, typer.Option(help="parameters to calibrate")] = None,
    theories: Annotated[str | None, typer.Option(help="theories, e.g. TCN")] = None,
    cutoff: Annotated[str, typer.Option(help="calibrate on targets up to this date")] = "1926-12",
    particles: Annotated[int, typer.Option()] = 100,
    generations: Annotated[int, typer.Option()] = 3,
    reps: Annotated[int, typer.Option(help="posterior-predictive runs")] = 100,
    seed: Annotated[int, typer.Option()] = 0,
    scale_factor: Annotated[int, typer.Option(help="agents x this for the scale check")] = 10,
    screen: Screen = 0,
    screen_runs: ScreenRuns = 400,
    min_fall: MinFall = 0.0,
    min_ess: MinEss = 0.0,
    weighting: Weighting = "equal",
    replicates: Replicates = 1,
    backend: Backend = "processes",
    workers: Workers = None,
    scheduler: Scheduler = None,
    results: Results = Path("results"),
    out_file: Annotated[Path | None, typer.Option("--out", help="write .json")] = None,
) -> None:
    """Out of sample: calibrate up to --cutoff, predict the later record; and scale convergence."""
    from inevitable.experiments.validate import validate

    _json_out(out_file)
    check_directory(results, "--results")
    v = validate(scenario(scenario_ref), _names(params), theories, cutoff=cutoff,
                 particles=particles, generations=generations, reps=reps, seed=seed,
                 scale_factor=scale_factor, replicates=replicates, screen=screen,
                 screen_runs=screen_runs, min_fall=min_fall, min_ess=min_ess,
                 weighting=weighting,
                 backend=backend, workers=workers, scheduler=scheduler, store=results,
                 progress=_progress())
    out.print(v.table())
    if out_file is not None:
        _write_json(out_file, v.to_dict())


@app.command("verdict")
def verdict_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO")] = "soviet-1923",
    budget: Annotated[str, typer.Option(help="quick, default, thorough, or the headline "
                                             "runs per arm")] = "default",
    out_dir: Annotated[Path, typer.Option("--out", help="directory for the report")] = Path(
        "verdict"),
    seed: Annotated[int, typer.Option(help="seed of the whole study")] = 0,
    posterior: Annotated[Path | None, typer.Option(
        help="a posterior from 'inevitable calibrate' (default: the shipped one)")] = None,
    prior: Annotated[list[str] | None, typer.Option(
        "--prior", help="NAME=PRIOR replaces a parameter's prior for the whole study, written "
                        "as in a scenario file, e.g. 'defend_effect={dist: beta, a: 1, b: 9}' "
                        "(repeatable; not for a calibrated parameter)")] = None,
    backend: Backend = "processes",
    workers: Workers = None,
    scheduler: Scheduler = None,
    results: Results = Path("results"),
) -> None:
    """Was it inevitable? The whole study in one command, and a report to read."""
    from inevitable.backends.base import check_backend
    from inevitable.experiments.verdict import (
        budget_of,
        run_seconds,
        shipped_posterior,
        study_runs,
        study_seconds,
        verdict,
    )
    from inevitable.report.write import write_report

    sc = scenario(scenario_ref)
    b = budget_of(budget)
    check_backend(backend)
    check_directory(out_dir, "--out")
    check_directory(results, "--results")
    post = _load_posterior(posterior, sc)
    # the posterior the study will use: the one given, or the one shipped with the scenario
    used = post if post is not None else shipped_posterior(sc.name)
    if prior:
        sc = _with_priors(sc, prior, used)
    runs = study_runs(sc, b)
    from inevitable.experiments.pool import kept_open

    # one pool for the timing and the study, so the estimate times runs where the
    # study will run them, and the workers start once
    with kept_open(backend, workers, scheduler) as be:
        cores = be.workers
        per_run = run_seconds(sc, used, backend=be)
        estimate = study_seconds(runs, per_run, cores)
        minutes = estimate / 60
        began = time.perf_counter()
        err.print(f"budget {b.name}: at most {runs:,} runs at {per_run * 1000:.1f} ms each "
                  f"(timed now on {cores} worker(s)), roughly {minutes:.1f} min (fewer if the "
                  f"headline is precise sooner; runs already in {results} are reused)",
                  highlight=False)
        command = "inevitable " + " ".join(sys.argv[1:])
        v = verdict(sc, b.name if b.name != "custom" else b.reps, seed=seed, posterior=post,
                    backend=be, store=results, progress=_progress(), command=command)
    with writing(out_dir):
        paths = write_report(v, out_dir)
    out.print(f"[bold]{v['answer']['headline']}[/bold]")
    for sentence in v["answer"]["sentences"]:
        out.print(sentence, highlight=False)
    if v.get("discrimination"):
        from inevitable.experiments.discrimination import in_words

        out.print(in_words(v["discrimination"]), highlight=False)
    took = time.perf_counter() - began
    out.print(f"report: {out_dir / 'report.html'} ({len(paths)} files; study and report "
              f"{took:.0f} s, estimated {estimate:.0f} s)", highlight=False)


def _held(sc) -> str:
    """' (7 held-out checks)' when some targets are never calibrated on, else ''."""
    n = sum(1 for t in sc.spec.targets if t.use == "check")
    return f" ({n} held-out check{'s' if n != 1 else ''})" if n else ""


def parse_priors(pairs: list[str]) -> dict[str, Any]:
    """``["x={dist: uniform, low: 0, high: 1}"]`` -> ``{"x": {"dist": "uniform", ...}}``.

    The value is read as YAML (JSON is YAML too), the way a scenario file
    writes a prior, so a prior on the command line reads like one in a file.
    """
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs:
        key, raw = _split_pair(pair, "NAME=PRIOR", "--prior")
        try:
            out[key] = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise InputError(f"'{raw}' is not a prior written as in a scenario file, e.g. "
                             "{dist: uniform, low: 0, high: 1}", f"--prior {key}") from None
    return out


def _with_priors(sc, pairs: list[str], post):
    """The scenario with the priors given on the command line.

    A calibrated parameter is drawn from the posterior, never from its prior,
    so replacing its prior would change nothing: refused rather than ignored.
    """
    priors = parse_priors(pairs)
    calibrated = set(getattr(post, "params", None) or [])
    for name in priors:
        if name in calibrated:
            raise InputError("calibrated by the posterior, so the verdict draws it from the "
                             "posterior, not its prior; a new prior would change nothing",
                             f"--prior {name}")
    return sc.with_priors(priors)


def _load_posterior(path: Path | None, sc=None):
    if path is None:
        return None
    from inevitable.experiments.posterior import Posterior

    post = Posterior.load(path)
    if sc is not None and post.scenario != sc.name:
        raise InputError(f"this posterior is for scenario '{post.scenario}', not '{sc.name}'",
                         f"--posterior {path}")
    if sc is not None and post.scenario_hash != sc.hash:
        err.print(f"warning: {path} was calibrated on another version of '{sc.name}' "
                  f"(hash {post.scenario_hash}, now {sc.hash})", highlight=False)
    return post


def _write_json(path: Path, data) -> None:
    """Write ``data`` whole or not at all; a failure is one line naming ``--out``."""
    text = json.dumps(data, indent=1, default=float) + "\n"
    with writing(path):
        write_text(path, text)


@app.command("runs")
def runs_cmd(
    results: Results = Path("results"),
    export: Annotated[Path | None, typer.Option(help="write all runs to .csv, .parquet "
                                                     "or .json")] = None,
) -> None:
    """List what the results store holds, or export it."""
    from inevitable.store.runstore import DB_NAME, RunStore

    if not (results / DB_NAME).exists():
        raise InputError("no results store here (run an experiment first)", str(results))
    if export is not None:
        check_target(export, "--export", (".csv", ".parquet", ".json"))
    with RunStore(results) as db:
        if export is not None:
            db.export(export)
            err.print(f"wrote {db.count()} runs to {export}", highlight=False)
            return
        table = Table(title=f"{results}: {db.count()} runs")
        for col in ("scenario", "theory", "strategy", "runs"):
            table.add_column(col, justify="right" if col == "runs" else "left")
        for row in db.summary():
            table.add_row(*(str(x) if x is not None else "-" for x in row))
        out.print(table)


@app.command("play")
def play_cmd(
    scenario_ref: Annotated[str, typer.Argument(metavar="SCENARIO",
                                                help="a scenario with a game")] = "soviet-1923",
    theory: Annotated[str, typer.Option(help="the theory the game runs under")] = "C",
    seed: Annotated[int | None, typer.Option(help="the game's seed (default: random)")] = None,
    reps: Annotated[int | None, typer.Option(help="runs per move (default: the game's)")] = None,
    moves: Annotated[str | None, typer.Option(
        help="all moves, comma-separated: replay a game without asking")] = None,
    backend: Backend = "processes",
    workers: Workers = None,
    results: Results = Path("results"),
) -> None:
    """Play the Opposition: choose its move at each juncture and see the odds move."""
    import secrets

    from rich.prompt import Prompt

    from inevitable.experiments.pool import kept_open
    from inevitable.game import game
    from inevitable.game.terminal import play
    from inevitable.store.games import GameLog

    check_directory(results, "--results")
    g = game(scenario(scenario_ref), theory, secrets.randbelow(2**31) if seed is None else seed,
             reps)
    log = GameLog(results)
    with kept_open(backend, workers) as be:
        path, _, s = play(g, _names(moves), lambda q: Prompt.ask(q, console=out), out, err,
                          {"backend": be, "store": results},
                          others=log.best_paths(g.scenario.name, g.theory))
    with writing(log.path, "--results"):
        log.record(g.scenario.name, g.theory, path, s.yours.value, g.permalink(path))


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="address to bind (default: this machine only)")] = (
        "127.0.0.1"),
    port: Annotated[int, typer.Option(help="port")] = 8000,
    results: Results = Path("results"),
    workers: Workers = None,
    max_reps: Annotated[int, typer.Option(help="largest ensemble per arm a client may ask "
                                               "for")] = 400,
    max_waiting: Annotated[int, typer.Option(help="jobs that may wait in the queue")] = 64,
) -> None:
    """The web explorer, verdicts and the game, at http://HOST:PORT."""
    import uvicorn

    from inevitable.web.app import create_app

    if not 1 <= port <= 65535:
        raise InputError("must be between 1 and 65535", "--port")
    if max_reps < 2 or max_waiting < 1:
        raise InputError("must be at least 2 and 1", "--max-reps/--max-waiting")
    check_directory(results, "--results")
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: binding {host}: anyone who can reach this machine can run jobs "
                  "on it", highlight=False)
    app_ = create_app(results=results, workers=workers, max_reps=max_reps,
                      max_waiting=max_waiting)
    err.print(f"inevitable {__version__}: http://{host}:{port}/ (results in {results}; "
              "Ctrl-C to stop)", highlight=False)
    uvicorn.run(app_, host=host, port=port, log_level="warning")


@app.command("version")
def version_cmd() -> None:
    """Print the version."""
    out.print(__version__)


def main() -> None:
    try:
        app()
    except InputError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    except OSError as exc:  # a path the system refuses: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"error: {where}{exc.strerror or exc}", highlight=False, markup=False,
                  soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
