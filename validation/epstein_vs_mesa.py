"""Does our Epstein model behave like Mesa's? A comparison of distributions.

Runs Mesa 3.3.1's ``EpsteinCivilViolence`` example and our ``epstein``
mechanism on the same lattice and parameters (the paper's Run 2, which are
also the sliders of Mesa's app: 40x40, citizens 0.7, cops 0.04, vision 7,
L = 0.82, J_max = 30, T = 0.1, k = 2.3) with Mesa's rounding of C/A
(Python's ``round``). The two use different random number generators, so no
single run can match; what must match is the distribution of what runs do.
Per run it measures the mean and the spread (sd over time) of the share of
citizens active, the peak share, the share in jail, the number of outbursts
(more than ``outburst_level`` of citizens active, the paper's 50 of 1120) and
the mean wait between them; across runs it compares each with a two-sided
Mann-Whitney U test and a two-sample Kolmogorov-Smirnov test, and pools the
waiting times of all runs for the same two tests. It calls the two models
consistent when no Holm-adjusted p-value falls below 0.05.

    python validation/epstein_vs_mesa.py --seeds 10 --steps 500
    python validation/epstein_vs_mesa.py --seeds 10 --steps 500 --json out.json

With ``--runs34 N`` it also runs the paper's Runs 3 and 4 on both (L = 0.9,
cops 0.074, life sentences, 300 steps, Mesa's round): legitimacy falling 0.01
a tick from t = 77 to 0.2 ("salami tactics"), or dropping at t = 77 in one
jump to 0.7 (the paper's) or to 0.6. Mesa has no legitimacy schedule, so the
script sets every citizen's legitimacy and grievance before each step, and
stands in for life sentences with J_max = 10**9. It counts the seeds with an
outburst (more than 50 actives after t = 77) and compares the two with
Fisher's exact test.

Needs the ``[mesa]`` extra (``pip install -e '.[mesa]'``: mesa==3.3.1). Mesa's
examples package imports every example, some of which need networkx; the
script loads only the Epstein example's modules, so networkx is not needed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import types
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy import stats

from inevitable.engine import Sim, Timeline
from inevitable.mechanisms.epstein import EpsteinCivilViolence, outbursts, waits

RUN2 = {"width": 40, "height": 40, "citizen_density": 0.7, "cop_density": 0.04,
        "citizen_vision": 7, "cop_vision": 7, "legitimacy": 0.82, "max_jail_term": 30,
        "active_threshold": 0.1, "arrest_prob_constant": 2.3, "movement": True}
LEVEL = 0.045  # outburst: more than 4.5% of citizens active (50 of ~1120)
METRICS = {
    "mean_active": "mean share active",
    "sd_active": "sd of share active over time",
    "peak_active": "peak share active",
    "mean_jailed": "mean share jailed",
    "outbursts": "outbursts per run",
    "mean_wait": "mean wait between outbursts (ticks)",
}


def mesa_model_class():
    """Mesa's EpsteinCivilViolence, imported without ``mesa.examples.__init__``."""
    import mesa

    root = Path(mesa.__file__).parent / "examples"
    for name, path in (("mesa.examples", root), ("mesa.examples.advanced", root / "advanced")):
        if name not in sys.modules:
            stub = types.ModuleType(name)
            stub.__path__ = [str(path)]
            sys.modules[name] = stub
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    if mesa.__version__ != "3.3.1":
        print(f"warning: this compares with mesa 3.3.1; found {mesa.__version__}",
              file=sys.stderr)
    return EpsteinCivilViolence


def run_mesa(job: tuple[int, int]) -> dict:
    """One Mesa run: counts of active, quiet and jailed citizens per step, step 0 included."""
    seed, steps = job
    model = mesa_model_class()(seed=seed, max_iters=steps + 1, **RUN2)
    counts = [(model.ACTIVE, model.QUIET, model.ARRESTED)]
    for _ in range(steps):
        model.step()
        counts.append((model.ACTIVE, model.QUIET, model.ARRESTED))
    a, q, j = (np.array(c, dtype=np.int64) for c in zip(*counts, strict=True))
    return {"seed": seed, "active": a, "quiet": q, "jailed": j}


RUNS34 = {**RUN2, "cop_density": 0.074, "legitimacy": 0.9}
SCHEDULES = {"salami 0.9 -> 0.2": ("salami", 0.7), "jump 0.9 -> 0.7": ("jump", 0.7),
             "jump 0.9 -> 0.6": ("jump", 0.6)}


def schedule_peak_mesa(job: tuple[int, str]) -> int:
    """Peak actives after t = 77 in one Mesa run of Run 3 or 4 (300 steps)."""
    seed, label = job
    kind, jump_to = SCHEDULES[label]
    cls = mesa_model_class()
    model = cls(seed=seed, max_iters=10**9, **{**RUNS34, "max_jail_term": 10**9})
    citizens = [a for a in model.agents if hasattr(a, "grievance")]
    peak = 0
    for t in range(1, 301):
        if t >= 77:
            lam = jump_to if kind == "jump" else max(0.2, 0.9 - 0.01 * (t - 76))
            for c in citizens:
                c.regime_legitimacy = lam
                c.grievance = c.hardship * (1 - lam)
        model.step()
        if t >= 77:
            peak = max(peak, model.ACTIVE)
    return peak


def schedule_peak_ours(seed: int, label: str) -> int:
    kind, jump_to = SCHEDULES[label]
    params = {**RUNS34, "infinite_jail": True, "arrest_rounding": "round",
              "legitimacy_schedule": kind, "legitimacy_jump_to": jump_to}
    r = Sim([EpsteinCivilViolence], timeline=Timeline(300), seed=seed, params=params).run()
    return int(r["active"][77:].max())


def runs34(n_mesa: int, n_ours: int, jobs: int, console: Console) -> list[dict]:
    """Runs 3 and 4 on both models: share of seeds with an outburst after t = 77."""
    jobs_list = [(s, label) for label in SCHEDULES for s in range(n_mesa)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        mesa_peaks = list(pool.map(schedule_peak_mesa, jobs_list))
    rows = []
    for label in SCHEDULES:
        mp = [p for (s, lab), p in zip(jobs_list, mesa_peaks, strict=True) if lab == label]
        op = [schedule_peak_ours(1000 + s, label) for s in range(n_ours)]
        km, ko = sum(p > 50 for p in mp), sum(p > 50 for p in op)
        p = stats.fisher_exact([[km, len(mp) - km], [ko, len(op) - ko]]).pvalue
        rows.append({"schedule": label, "mesa": [km, len(mp)], "ours": [ko, len(op)],
                     "mesa_peaks": mp, "ours_peaks": op, "fisher_p": float(p)})
    table = Table(title="Runs 3 and 4 (L 0.9, cops 0.074, life sentences, Mesa's round, "
                        "300 steps): seeds with an outburst (> 50 actives after t = 77)")
    for col in ("legitimacy", "Mesa 3.3.1", "inevitable", "Fisher p"):
        table.add_column(col, justify="left" if col == "legitimacy" else "right")
    for r in rows:
        table.add_row(r["schedule"], f"{r['mesa'][0]} / {r['mesa'][1]}",
                      f"{r['ours'][0]} / {r['ours'][1]}", f"{r['fisher_p']:.3f}")
    console.print(table)
    return rows


def run_ours(seed: int, steps: int) -> dict:
    params = {**RUN2, "arrest_rounding": "round"}
    r = Sim([EpsteinCivilViolence], timeline=Timeline(steps), seed=seed, params=params).run()
    return {"seed": seed, "active": r["active"], "quiet": r["quiet"], "jailed": r["jailed"]}


def describe(run: dict) -> dict:
    """Per-run statistics of one trajectory (shares are of all citizens)."""
    n = int(run["active"][0] + run["quiet"][0] + run["jailed"][0])
    share = run["active"][1:] / n
    spans = outbursts(run["active"], LEVEL * n)
    gaps = waits(spans)
    return {
        "mean_active": float(share.mean()),
        "sd_active": float(share.std()),
        "peak_active": float(share.max()),
        "mean_jailed": float((run["jailed"][1:] / n).mean()),
        "outbursts": len(spans),
        "mean_wait": float(gaps.mean()) if gaps.size else float("nan"),
        "waits": gaps.tolist(),
    }


def compare(x: list[float], y: list[float]) -> dict:
    x = np.asarray([v for v in x if np.isfinite(v)], dtype=float)
    y = np.asarray([v for v in y if np.isfinite(v)], dtype=float)
    if x.size < 2 or y.size < 2:
        return {"mw_p": float("nan"), "ks_p": float("nan")}
    return {"mw_p": float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue),
            "ks_p": float(stats.ks_2samp(x, y).pvalue)}


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment (NaN stays NaN)."""
    idx = [i for i, p in enumerate(pvalues) if np.isfinite(p)]
    order = sorted(idx, key=lambda i: pvalues[i])
    out = [float("nan")] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * pvalues[i]))
        out[i] = running
    return out


def summary(values: list[float], digits: int) -> str:
    """mean ± sd (ddof 1) of the finite values."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if v.size == 0:
        return "-"
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    return f"{v.mean():.{digits}f} ± {sd:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="Mesa runs (seeds 0..n-1)")
    ap.add_argument("--ours", type=int, default=None,
                    help="runs of ours (default: 10 x --seeds; they are cheap)")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="processes for the Mesa runs")
    ap.add_argument("--json", default=None, help="write per-run statistics and tests here")
    ap.add_argument("--markdown", default=None, help="write the table as Markdown here")
    ap.add_argument("--runs34", type=int, default=0,
                    help="also run Runs 3 and 4 on both, for this many Mesa seeds")
    a = ap.parse_args()
    n_ours = a.ours or 10 * a.seeds
    console = Console(width=130)

    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=a.jobs) as pool:
        mesa_runs = list(pool.map(run_mesa, [(s, a.steps) for s in range(a.seeds)]))
    t_mesa = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours_runs = [run_ours(1000 + s, a.steps) for s in range(n_ours)]
    t_ours = time.perf_counter() - t0

    mesa_stats = [describe(r) for r in mesa_runs]
    ours_stats = [describe(r) for r in ours_runs]
    rows = []
    for key in [*METRICS, "waits"]:
        if key == "waits":
            xs = [w for s in mesa_stats for w in s["waits"]]
            ys = [w for s in ours_stats for w in s["waits"]]
            label = "waits between outbursts, pooled (ticks)"
        else:
            xs = [s[key] for s in mesa_stats]
            ys = [s[key] for s in ours_stats]
            label = METRICS[key]
        digits = 4 if key.endswith(("_active", "_jailed")) else 1
        rows.append({"metric": key, "label": label, "mesa": summary(xs, digits),
                     "ours": summary(ys, digits),
                     "n": [len(xs), len(ys)], **compare(xs, ys)})
    for test in ("mw_p", "ks_p"):
        for row, adj in zip(rows, holm([r[test] for r in rows]), strict=True):
            row[test + "_holm"] = adj
    adjusted = [r[t] for r in rows for t in ("mw_p_holm", "ks_p_holm") if np.isfinite(r[t])]
    consistent = bool(adjusted) and min(adjusted) >= 0.05

    table = Table(title=f"Epstein Run 2 with Mesa's round, {a.steps} steps: "
                        f"Mesa 3.3.1 ({a.seeds} seeds) vs inevitable ({n_ours} seeds)")
    for col, just in (("metric", "left"), ("Mesa mean ± sd", "right"),
                      ("ours mean ± sd", "right"), ("MW p (Holm)", "right"),
                      ("KS p (Holm)", "right")):
        table.add_column(col, justify=just)
    for r in rows:
        table.add_row(r["label"], r["mesa"], r["ours"],
                      f"{r['mw_p']:.3f} ({r['mw_p_holm']:.3f})",
                      f"{r['ks_p']:.3f} ({r['ks_p_holm']:.3f})")
    console.print(table)
    verdict = "CONSISTENT" if consistent else "NOT CONSISTENT"
    smallest = f"{min(adjusted):.3f}" if adjusted else "n/a (too few runs to test)"
    console.print(f"{verdict}: smallest Holm-adjusted p = {smallest} "
                  f"(threshold 0.05). Mesa took {t_mesa:.0f} s on {a.jobs} process(es), "
                  f"ours {t_ours:.1f} s on one.")
    schedules = runs34(a.runs34, 2 * a.runs34, a.jobs, console) if a.runs34 else []
    if a.markdown:
        lines = ["| metric | Mesa 3.3.1 mean ± sd | inevitable mean ± sd | Mann-Whitney p "
                 "(Holm) | KS p (Holm) |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {r['label']} | {r['mesa']} | {r['ours']} | {r['mw_p']:.3f} "
                  f"({r['mw_p_holm']:.3f}) | {r['ks_p']:.3f} ({r['ks_p_holm']:.3f}) |"
                  for r in rows]
        if schedules:
            lines += ["", "| legitimacy (Runs 3-4) | Mesa 3.3.1 | inevitable | Fisher p |",
                      "|---|---:|---:|---:|"]
            lines += [f"| {r['schedule']} | {r['mesa'][0]} / {r['mesa'][1]} | "
                      f"{r['ours'][0]} / {r['ours'][1]} | {r['fisher_p']:.3f} |"
                      for r in schedules]
        Path(a.markdown).write_text("\n".join(lines) + "\n")
    if a.json:
        out = {"command": " ".join(["python", *sys.argv]), "steps": a.steps,
               "parameters": {**RUN2, "arrest_rounding": "round"}, "outburst_level": LEVEL,
               "rows": rows, "consistent": consistent, "runs34": schedules,
               "seconds": {"mesa": t_mesa, "ours": t_ours},
               "runs": {"mesa": mesa_stats, "ours": ours_stats}}
        Path(a.json).write_text(json.dumps(out, indent=1))
        console.print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
