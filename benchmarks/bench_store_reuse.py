"""Reading stored runs back: a sweep that finds its runs in the store.

    python benchmarks/bench_store_reuse.py --runs 2000 --workers 2

A calibration asks the store for the (series, month) probes of its targets,
and a rerun finds every run already stored. This sweeps ``--runs`` flagship
runs with the calibration's own probes into an empty store, then times, on
the same store and in this run:

1. reading the stored probes back run by run, one ``RunStore.series`` call a
   run (how ``sweep`` read them before commit 6530983);
2. the same through ``RunStore.series_of``, one read per batch file;
3. the whole second ``sweep`` (what a rerun pays), which must reuse every run
   and return the first sweep's probes exactly.

It prints the three times, the ratio of 1 to 2, and checks that 1 and 2 read
the same values.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import inevitable as inv
from inevitable.experiments import targets as tg
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import sweep
from inevitable.store.runstore import RunStore


def main() -> None:
    ap = argparse.ArgumentParser(description="stored runs read back")
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    sc = inv.scenario("soviet-1923")
    chosen = tg.select(sc)
    probes = tg.probes(chosen)
    names = sorted({n for n, _ in probes})
    specs = [RunSpec(params={"theory": "TCN"[i % 3]}, seed=i) for i in range(a.runs)]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        first = sweep(sc, specs, backend="processes", workers=a.workers, store=tmp,
                      probes=probes, progress=False)
        compute = time.perf_counter() - t
        keys = [s.key(sc.hash) for s in specs]
        with RunStore(tmp) as db:
            t = time.perf_counter()
            one = {k: db.series(k) for k in keys}
            per_run = time.perf_counter() - t
            t = time.perf_counter()
            bulk = db.series_of(keys, names)
            per_file = time.perf_counter() - t
        same = all((one[k][n] == bulk[k][n]).all() for k in keys for n in names)
        t = time.perf_counter()
        again = sweep(sc, specs, backend="serial", store=tmp, probes=probes, progress=False)
        rerun = time.perf_counter() - t
    assert again.computed == 0 and again.probes == first.probes, "the rerun differs"
    assert same, "per-run and per-file reads differ"
    out = {"runs": a.runs, "probes": len(probes), "compute_s": compute,
           "read_per_run_s": per_run, "read_per_file_s": per_file,
           "ratio": per_run / per_file, "rerun_sweep_s": rerun}
    print(f"{a.runs} runs, {len(probes)} probes: computed and stored in {compute:.1f} s "
          f"on {a.workers} worker(s)")
    print(f"read back run by run {per_run:.2f} s ({1e3 * per_run / a.runs:.2f} ms a run), "
          f"by file {per_file:.2f} s: {out['ratio']:.1f}x; a rerun's whole sweep {rerun:.2f} s")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
