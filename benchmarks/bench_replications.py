"""Replications per second, this version against a baseline, side by side.

Times the issue's command end to end (start-up, scenario parsing, the runs,
the store) in two installed environments, alternately, each round into an
empty results store, and reports the median ratio and its range:

    inevitable compare soviet-1923 --theories C --strategies historical,class-struggle \\
        --reps 1000 --backend serial --results <empty dir>

    python benchmarks/bench_replications.py \\
        --new /work/venv/bin/inevitable --base /work/venv-base/bin/inevitable \\
        --rounds 3 --reps 1000 --json benchmarks/results/replications.json

The baseline is whatever the second environment has installed (for issue 13:
commit af3f2ac, ``pip install`` of a checkout of it into a fresh venv). Each
environment runs the command once before the rounds, so that both time the
runs with their compiled kernels already cached, as a user's second call does;
that warm-up is reported too. Everything runs on one core
(``NUMBA_NUM_THREADS=1``, serial backend).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def timed(exe: str, reps: int) -> float:
    with tempfile.TemporaryDirectory() as store:
        cmd = [exe, "compare", "soviet-1923", "--theories", "C", "--strategies",
               "historical,class-struggle", "--reps", str(reps), "--backend", "serial",
               "--results", store]
        env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
        t = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - t
        if done.returncode != 0:
            raise SystemExit(f"{exe} failed: {done.stderr.strip()[-500:]}")
        return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--new", required=True, help="the 'inevitable' executable to measure")
    ap.add_argument("--base", required=True, help="the baseline's 'inevitable' executable")
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    warm = {"new": timed(a.new, 10), "base": timed(a.base, 10)}
    rows = []
    for i in range(a.rounds):
        order = ("new", "base") if i % 2 == 0 else ("base", "new")
        got = {}
        for which in order:
            got[which] = timed(a.new if which == "new" else a.base, a.reps)
        ratio = got["base"] / got["new"]
        rows.append({"round": i + 1, "new_s": got["new"], "base_s": got["base"],
                     "ratio": ratio})
        print(f"round {i + 1}: new {got['new']:.1f} s, base {got['base']:.1f} s, "
              f"ratio {ratio:.2f}x", flush=True)
    ratios = [r["ratio"] for r in rows]
    runs = 2 * a.reps
    summary = {
        "command": "inevitable compare soviet-1923 --theories C --strategies "
                   f"historical,class-struggle --reps {a.reps} --backend serial",
        "runs_per_call": runs, "rounds": rows, "warm_up_s": warm,
        "median_ratio": statistics.median(ratios), "min_ratio": min(ratios),
        "max_ratio": max(ratios),
        "new_runs_per_s": runs / statistics.median(r["new_s"] for r in rows),
        "base_runs_per_s": runs / statistics.median(r["base_s"] for r in rows),
        "machine": {"python": platform.python_version(), "cpu": platform.processor(),
                    "cores": os.cpu_count()},
    }
    print(f"median ratio {summary['median_ratio']:.2f}x (range {summary['min_ratio']:.2f}-"
          f"{summary['max_ratio']:.2f}); {summary['new_runs_per_s']:.1f} vs "
          f"{summary['base_runs_per_s']:.1f} runs/s")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
