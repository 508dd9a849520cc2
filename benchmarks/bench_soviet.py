"""How fast is one replication of soviet-1923, and how much memory per agent?

Measures, on one core (NUMBA_NUM_THREADS=1 is set before numba loads):
- one replication at the default scale (median of --reps runs, after a
  warm-up run that compiles the kernels);
- one replication at full scale (scale = 1: every worker, member and official
  an agent), set-up and run timed separately;
- bytes of state per agent.

    python benchmarks/bench_soviet.py            # prints a table
    python benchmarks/bench_soviet.py --json out.json

Targets (issue 3): default scale <= 50 ms; full scale >= 4 million agents in
<= 10 s on one core, <= 150 bytes per agent.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse
import json
import statistics
import time

from rich.console import Console
from rich.table import Table

import inevitable as inv


def main() -> None:
    ap = argparse.ArgumentParser(description="soviet-1923 replication speed and memory")
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--full-reps", type=int, default=2)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    sc = inv.scenario("soviet-1923")
    sc.run(seed=0)  # compile (or load cached) kernels

    times = []
    for seed in range(a.reps):
        t = time.perf_counter()
        sc.run(seed=seed)
        times.append(time.perf_counter() - t)
    sim = sc.sim(seed=0)
    n_default = sim.state["people.role"].shape[0]

    full = []
    for seed in range(a.full_reps):
        t0 = time.perf_counter()
        big = sc.sim(seed=seed, params={"scale": 1})
        t1 = time.perf_counter()
        big.run()
        t2 = time.perf_counter()
        n_full = big.state["people.role"].shape[0]
        bytes_per_agent = sum(v.nbytes for v in big.state.values()) / n_full
        full.append((t1 - t0, t2 - t1))
        del big

    setup = min(f[0] for f in full)
    run = min(f[1] for f in full)
    out = {
        "default_scale": sc.values["scale"],
        "default_agents": n_default,
        "default_ms_median": 1000 * statistics.median(times),
        "default_ms_min": 1000 * min(times),
        "full_agents": n_full,
        "full_setup_s": setup,
        "full_run_s": run,
        "full_total_s": setup + run,
        "full_agent_steps_per_s": n_full * sc.timeline.steps / run,
        "bytes_per_agent": bytes_per_agent,
    }
    table = Table(title="soviet-1923, one replication on one core")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row(f"default scale (1:{out['default_scale']}), {n_default:,} agents, median",
                  f"{out['default_ms_median']:.1f} ms", "<= 50 ms")
    table.add_row(f"full scale, {n_full:,} agents: set-up", f"{setup:.2f} s", "")
    table.add_row("full scale: 83 monthly steps", f"{run:.2f} s", "")
    table.add_row("full scale: total", f"{setup + run:.2f} s", "<= 10 s")
    table.add_row("agent-steps per second (full scale)",
                  f"{out['full_agent_steps_per_s'] / 1e6:.1f} M", "")
    table.add_row("state per agent", f"{bytes_per_agent:.1f} B", "<= 150 B")
    Console().print(table)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
