"""How much faster than Mesa is our Epstein model, and how does it scale?

In one run, on one core (NUMBA_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1 are
set before anything loads), with the paper's Run 2 parameters (citizens 0.7,
cops 0.04, vision 7, L = 0.82, J_max = 30) and Mesa's rounding on a 100x100
torus:

- Mesa 3.3.1's ``EpsteinCivilViolence`` example, as shipped (its data
  collector included), for ``--mesa-steps`` steps after one untimed step. The
  untimed step builds Mesa's cached neighbourhoods, so Mesa is timed at its
  fastest; its first step alone is reported too.
- Ours over the same steps, and over ``--steps`` steps (outbursts come and go,
  and the cost of a step moves with them). A warm-up run first compiles the
  numba kernels, so compile time is excluded.
- Mesa and ours over those same steps alternate for ``--rounds`` rounds (Mesa,
  ours, Mesa, ours, ...; each round a fresh model of each, same seed, one
  untimed step first), because this machine's speed drifts by 10-20% over
  minutes: each round's ratio compares two timings taken back to back. The
  headline ratio is the median over rounds; every round and the range are
  reported.
- Agent-steps per second (agents = citizens + cops, each acting once a step)
  for both, and the ratio. In the summary table, Mesa's and our figures over
  the same steps are medians over rounds, the ratio beside ours is the median
  of the rounds' ratios, and the 500-step figure is compared with Mesa's
  median.
- Memory per agent: bytes of our state arrays (everything a snapshot holds) per
  agent; for Mesa, bytes allocated while building the model and taking one
  step (tracemalloc), per agent.
- How time grows with the lattice: sides 100, 200, 400 and 1000.

    python benchmarks/bench_epstein.py
    python benchmarks/bench_epstein.py --json out.json --markdown out.md
    python benchmarks/bench_epstein.py --rounds 5 --mesa-steps 500 --steps 500

Needs the ``[mesa]`` extra for the Mesa side (``--no-mesa`` skips it).
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import platform
import statistics
import sys
import time
import tracemalloc
import types
from pathlib import Path

from rich.console import Console
from rich.table import Table

from inevitable.engine import Sim, Timeline
from inevitable.mechanisms.epstein import EpsteinCivilViolence

RUN2 = {"citizen_density": 0.7, "cop_density": 0.04, "citizen_vision": 7, "cop_vision": 7,
        "legitimacy": 0.82, "max_jail_term": 30, "active_threshold": 0.1,
        "arrest_prob_constant": 2.3, "movement": True}


def mesa_model_class():
    """Mesa's EpsteinCivilViolence, imported without ``mesa.examples.__init__``
    (which imports every example, some needing networkx)."""
    import mesa

    root = Path(mesa.__file__).parent / "examples"
    for name, path in (("mesa.examples", root), ("mesa.examples.advanced", root / "advanced")):
        if name not in sys.modules:
            stub = types.ModuleType(name)
            stub.__path__ = [str(path)]
            sys.modules[name] = stub
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    return EpsteinCivilViolence, mesa.__version__


def ours(side: int, seed: int, steps: int) -> Sim:
    params = {**RUN2, "width": side, "height": side, "arrest_rounding": "round"}
    return Sim([EpsteinCivilViolence], timeline=Timeline(steps), seed=seed, params=params)


def step_for(sim: Sim, steps: int) -> float:
    """Seconds for ``steps`` calls of ``Sim.step`` (each records the step's series)."""
    t0 = time.perf_counter()
    for _ in range(steps):
        sim.step()
    return time.perf_counter() - t0


def agents_of(sim: Sim) -> int:
    return int(sim.mechanisms[0].x.shape[0])


def time_ours(side: int, steps: int, seed: int) -> dict:
    t0 = time.perf_counter()
    sim = ours(side, seed, steps)
    t_init = time.perf_counter() - t0
    n = agents_of(sim)
    dt = step_for(sim, steps)
    state = sum(a.nbytes for a in sim.state.values())
    return {"side": side, "agents": n, "steps": steps, "init_s": t_init, "run_s": dt,
            "ms_per_step": 1e3 * dt / steps, "ns_per_agent_step": 1e9 * dt / (n * steps),
            "agent_steps_per_s": n * steps / dt, "state_bytes": state,
            "bytes_per_agent": state / n}


def time_mesa(side: int, steps: int, seed: int) -> dict:
    cls, version = mesa_model_class()
    model = cls(width=side, height=side, seed=seed, max_iters=10**9, **RUN2)
    n = len(model.agents)
    t0 = time.perf_counter()
    model.step()  # builds Mesa's cached neighbourhoods
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    dt = time.perf_counter() - t0
    return {"version": version, "side": side, "agents": n, "steps": steps,
            "first_step_s": first, "run_s": dt, "agent_steps_per_s": n * steps / dt,
            "first_step_agent_steps_per_s": n / first}


def mesa_bytes_per_agent(side: int, seed: int) -> float:
    cls, _ = mesa_model_class()
    tracemalloc.start()
    model = cls(width=side, height=side, seed=seed, max_iters=10**9, **RUN2)
    model.step()
    used = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return used / len(model.agents)


def main() -> None:
    ap = argparse.ArgumentParser(description="Epstein model: Mesa vs inevitable, and scaling")
    ap.add_argument("--mesa-steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating Mesa/ours rounds; the ratio reported is their median")
    ap.add_argument("--steps", type=int, default=500, help="our long run on 100x100")
    ap.add_argument("--sides", default="100,200,400,1000")
    ap.add_argument("--scale-steps", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-mesa", action="store_true")
    ap.add_argument("--json", default=None)
    ap.add_argument("--markdown", default=None)
    a = ap.parse_args()
    console = Console(width=130)

    ours(20, 0, 20).run()  # compile (or load from cache) the kernels: not timed
    # Alternate rounds: Mesa, then ours over the same steps (one untimed step, then
    # the same number of timed steps, each recording its series as Mesa's data
    # collector does), each round on fresh models with the same seed.
    rounds = []
    for _ in range(max(1, a.rounds)):
        m = None if a.no_mesa else time_mesa(100, a.mesa_steps, a.seed)
        sim = ours(100, a.seed, 1 + a.mesa_steps)
        sim.step()
        n = agents_of(sim)
        o = n * a.mesa_steps / step_for(sim, a.mesa_steps)
        rounds.append({"mesa": m, "ours": o,
                       "ratio": o / m["agent_steps_per_s"] if m else None})
    same = statistics.median(r["ours"] for r in rounds)
    if a.no_mesa:
        mesa = None
    else:
        ms = [r["mesa"] for r in rounds]
        mesa = {"version": ms[0]["version"], "side": 100, "agents": ms[0]["agents"],
                "steps": a.mesa_steps,
                "agent_steps_per_s": statistics.median(m["agent_steps_per_s"] for m in ms),
                "first_step_agent_steps_per_s":
                    statistics.median(m["first_step_agent_steps_per_s"] for m in ms)}
        ratios = [r["ratio"] for r in rounds]
    long = time_ours(100, a.steps, a.seed)
    scaling = [time_ours(int(s), a.scale_steps, a.seed) for s in a.sides.split(",")]
    mesa_mem = None if a.no_mesa else mesa_bytes_per_agent(100, a.seed)

    if mesa:
        per = Table(title=f"Alternating rounds: Mesa, then ours, {a.mesa_steps} steps each "
                          "after 1 untimed step (agent-steps per second)")
        for col in ("round", "Mesa", "Mesa, first step", "inevitable", "ratio"):
            per.add_column(col, justify="right")
        for i, r in enumerate(rounds, 1):
            per.add_row(str(i), f"{r['mesa']['agent_steps_per_s']:,.0f}",
                        f"{r['mesa']['first_step_agent_steps_per_s']:,.0f}",
                        f"{r['ours']:,.0f}", f"{r['ratio']:,.0f}x")
        console.print(per)
        console.print(f"ratio, median of {len(ratios)} rounds: "
                      f"{statistics.median(ratios):,.0f}x (range {min(ratios):,.0f}x - "
                      f"{max(ratios):,.0f}x)")

    head = Table(title=f"Epstein Run 2, 100x100, vision 7, Mesa's round: agent-steps per "
                       f"second on one core ({platform.processor() or platform.machine()})")
    for col in ("", "agents", "steps timed", "agent-steps/s", "ratio to Mesa",
                "bytes per agent"):
        head.add_column(col, justify="left" if not col else "right")
    rows = []
    if mesa:
        rows.append([f"Mesa {mesa['version']} (after 1 untimed step; median of rounds)",
                     mesa["agents"],
                     mesa["steps"], mesa["agent_steps_per_s"], 1.0, mesa_mem])
        rows.append(["Mesa, its first step alone (median of rounds)", mesa["agents"], 1,
                     mesa["first_step_agent_steps_per_s"], None, None])
    base = mesa["agent_steps_per_s"] if mesa else None
    rows.append(["inevitable, same steps as Mesa (median of rounds)", n, a.mesa_steps, same,
                 statistics.median(ratios) if base else None, long["bytes_per_agent"]])
    rows.append([f"inevitable, {a.steps} steps", long["agents"], a.steps,
                 long["agent_steps_per_s"], long["agent_steps_per_s"] / base if base else None,
                 long["bytes_per_agent"]])
    for r in rows:
        head.add_row(r[0], f"{r[1]:,}", str(r[2]), f"{r[3]:,.0f}",
                     "-" if r[4] is None else f"{r[4]:,.0f}x",
                     "-" if r[5] is None else f"{r[5]:,.0f}")
    console.print(head)

    grow = Table(title=f"inevitable: how time grows with the lattice ({a.scale_steps} steps, "
                       "compiled, one core)")
    for col in ("side", "agents", "set-up s", "ms per step", "ns per agent-step",
                "agent-steps/s", "bytes per agent"):
        grow.add_column(col, justify="right")
    for s in scaling:
        grow.add_row(str(s["side"]), f"{s['agents']:,}", f"{s['init_s']:.3f}",
                     f"{s['ms_per_step']:.2f}", f"{s['ns_per_agent_step']:.0f}",
                     f"{s['agent_steps_per_s']:,.0f}", f"{s['bytes_per_agent']:.1f}")
    console.print(grow)

    if a.markdown:
        md = ["| | agents | steps timed | agent-steps/s | ratio to Mesa | bytes per agent |",
              "|---|---:|---:|---:|---:|---:|"]
        md += [f"| {r[0]} | {r[1]:,} | {r[2]} | {r[3]:,.0f} | "
               f"{'-' if r[4] is None else f'{r[4]:,.0f}x'} | "
               f"{'-' if r[5] is None else f'{r[5]:,.0f}'} |" for r in rows]
        if mesa:
            md += ["", f"Alternating rounds, {a.mesa_steps} steps each after 1 untimed step "
                   "(agent-steps per second):", "",
                   "| round | Mesa | Mesa, first step | inevitable | ratio |",
                   "|---:|---:|---:|---:|---:|"]
            md += [f"| {i} | {r['mesa']['agent_steps_per_s']:,.0f} | "
                   f"{r['mesa']['first_step_agent_steps_per_s']:,.0f} | {r['ours']:,.0f} | "
                   f"{r['ratio']:,.0f}x |" for i, r in enumerate(rounds, 1)]
            md += ["", f"Ratio, median of {len(ratios)} rounds: "
                   f"{statistics.median(ratios):,.0f}x (range {min(ratios):,.0f}x - "
                   f"{max(ratios):,.0f}x)."]
        md += ["", "| side | agents | set-up s | ms per step | ns per agent-step | "
               "agent-steps/s | bytes per agent |", "|---:|---:|---:|---:|---:|---:|---:|"]
        md += [f"| {s['side']} | {s['agents']:,} | {s['init_s']:.3f} | {s['ms_per_step']:.2f} | "
               f"{s['ns_per_agent_step']:.0f} | {s['agent_steps_per_s']:,.0f} | "
               f"{s['bytes_per_agent']:.1f} |" for s in scaling]
        Path(a.markdown).write_text("\n".join(md) + "\n")
    if a.json:
        out = {"command": " ".join(["python", *sys.argv]), "machine": platform.platform(),
               "mesa": mesa, "mesa_bytes_per_agent": mesa_mem, "ours_same_steps": same,
               "rounds": rounds,
               "ratio_median": statistics.median(ratios) if mesa else None,
               "ratio_range": [min(ratios), max(ratios)] if mesa else None,
               "ours_long": long, "scaling": scaling}
        Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
