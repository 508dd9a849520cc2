"""Experiment throughput: replications per core, Dask scaling, what pairing saves.

    python benchmarks/bench_experiments.py               # full: a 2,000-run sweep
    python benchmarks/bench_experiments.py --runs 400    # quicker

Measures, in one run on this machine:
1. replications per second on one core (serial backend, flagship, default scale);
2. the same sweep of --runs flagship runs on a Dask LocalCluster with 1 and
   with 2 workers, and the speed-up (target: at least 1.7x on 2 workers);
3. the share of runs pairing saves for the same interval width, from a paired
   comparison of the historical and class-struggle strategies under theory C.
"""

from __future__ import annotations

import argparse
import json
import time

from rich.console import Console
from rich.table import Table

import inevitable as inv
from inevitable.experiments.compare import compare
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import sweep


def main() -> None:
    ap = argparse.ArgumentParser(description="experiment throughput")
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--serial-runs", type=int, default=100)
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    sc = inv.scenario("soviet-1923")
    sc.run(seed=0)  # compile

    specs = [RunSpec(params={"theory": "C", "strategy": s}, seed=i)
             for i in range(a.serial_runs // 2) for s in ("historical", "class-struggle")]
    t = time.perf_counter()
    sweep(sc, specs, backend="serial", progress=False)
    serial_rate = len(specs) / (time.perf_counter() - t)

    big = [RunSpec(params={"theory": "C", "strategy": s}, seed=10_000 + i)
           for i in range(a.runs // 2) for s in ("historical", "class-struggle")]
    timings = {}
    finals = {}
    for workers in (1, 2):
        t = time.perf_counter()
        res = sweep(sc, big, backend="dask", workers=workers, progress=False)
        timings[workers] = time.perf_counter() - t
        finals[workers] = res.finals
    assert finals[1] == finals[2], "Dask results differ with the number of workers"

    cmp = compare(sc, ["historical", "class-struggle"], "C", reps=a.pairs, backend="processes",
                  progress=False)
    saved = {d.outcome: d.runs_saved for d in cmp.differences}

    out = {"replications_per_s_one_core": serial_rate,
           "dask_runs": len(big), "dask_1_worker_s": timings[1], "dask_2_workers_s": timings[2],
           "dask_speedup": timings[1] / timings[2], "pairing_runs_saved": saved,
           "pairs": a.pairs}
    table = Table(title="experiments on soviet-1923 (default scale)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("replications per second, one core (serial)", f"{serial_rate:.1f}")
    table.add_row(f"{len(big)}-run sweep, Dask 1 worker", f"{timings[1]:.1f} s")
    table.add_row(f"{len(big)}-run sweep, Dask 2 workers", f"{timings[2]:.1f} s")
    table.add_row("speed-up, 2 workers vs 1 (target >= 1.7)", f"{out['dask_speedup']:.2f}x")
    for o, v in saved.items():
        table.add_row(f"runs saved by pairing: {o}", f"{v:.0%}" if v == v else "n/a")
    Console().print(table)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
