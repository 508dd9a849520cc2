"""Are two versions of the Epstein kernel bit-identical? Hashes of many runs.

Each run's hash covers its series (active, quiet, jailed, cops, legitimacy
per step) and its final state (every array a snapshot holds: lattice,
positions, states, sentences, ...). Save the hashes with the old code, then
check the new code against them:

    git archive OLD src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src python benchmarks/epstein_bits.py save ref.json
    python benchmarks/epstein_bits.py check ref.json

1,041 runs, about 1.5 minutes on one core: Run 2 under round, floor and none
on 100x100 (6 seeds, 150 steps, and one of 1,000 steps) and 40x40 (8 seeds,
300 steps); 16 geometries (1x1, 2x3, 5x5, 10x10, 15x15, 16x16, 17x17, 18x18,
30x7, 7x30, 250x3, 3x250, 33x47, 31x33, 64x64, 200x150) at visions 1, 2, 3, 5,
7, 8 (and 9, 12 on the small ones), two seeds each;
citizen and cop visions that differ; salami and jump legitimacy, cop
reduction, life sentences, no movement, J_max = 0, dense, full, sparse, no
cops, empty, cops only, low legitimacy, negative threshold, k = 0.
"""

import hashlib
import itertools
import json
import sys

import numpy as np

from inevitable.engine import Sim, Timeline
from inevitable.mechanisms.epstein import EpsteinCivilViolence

RUN2 = {"citizen_density": 0.7, "cop_density": 0.04, "citizen_vision": 7, "cop_vision": 7,
        "legitimacy": 0.82, "max_jail_term": 30, "active_threshold": 0.1,
        "arrest_prob_constant": 2.3, "movement": True}


def configs():
    """(name, params, seed, steps) of every run."""
    R = ("round", "floor", "none")
    for r in R:
        for seed in range(6):
            yield (f"run2-100-{r}-{seed}",
                   {**RUN2, "width": 100, "height": 100, "arrest_rounding": r}, seed, 150)
        yield (f"run2-100-{r}-long",
               {**RUN2, "width": 100, "height": 100, "arrest_rounding": r}, 99, 1000)
        for seed in range(8):
            yield (f"run2-40-{r}-{seed}",
                   {**RUN2, "width": 40, "height": 40, "arrest_rounding": r}, seed, 300)
    geoms = [(1, 1), (2, 3), (5, 5), (10, 10), (15, 15), (16, 16), (17, 17), (18, 18), (30, 7),
             (7, 30), (250, 3), (3, 250), (33, 47), (64, 64), (200, 150), (31, 33)]
    for (w, h), v, r in itertools.product(geoms, (1, 2, 3, 5, 7, 8, 9, 12), R):
        if v in (9, 12) and w * h > 5000:
            continue
        for seed in range(2):
            yield (f"geom-{w}x{h}-v{v}-{r}-{seed}",
                   {**RUN2, "width": w, "height": h, "citizen_vision": v, "cop_vision": v,
                    "arrest_rounding": r}, seed, 60)
    for (cv, pv) in ((3, 8), (8, 2), (7, 1), (1, 7), (6, 30)):
        for r in R:
            yield (f"mixvis-{cv}-{pv}-{r}",
                   {**RUN2, "width": 50, "height": 45, "citizen_vision": cv, "cop_vision": pv,
                    "arrest_rounding": r}, 3, 100)
    extra = {
        "salami": {"legitimacy": 0.9, "legitimacy_schedule": "salami",
                   "legitimacy_change_tick": 20},
        "jump": {"legitimacy": 0.9, "legitimacy_schedule": "jump", "legitimacy_change_tick": 20},
        "reduce": {"cop_schedule": "reduce", "cop_reduction_tick": 10,
                   "cop_reduction_per_tick": 0.01},
        "life": {"infinite_jail": True},
        "still": {"movement": False},
        "jail0": {"max_jail_term": 0},
        "dense": {"citizen_density": 0.9, "cop_density": 0.1},
        "full": {"citizen_density": 0.95, "cop_density": 0.05},
        "sparse": {"citizen_density": 0.1, "cop_density": 0.01},
        "nocops": {"cop_density": 0.0},
        "empty": {"citizen_density": 0.0, "cop_density": 0.0},
        "onlycops": {"citizen_density": 0.0, "cop_density": 0.3},
        "lowL": {"legitimacy": 0.3},
        "negT": {"active_threshold": -0.2},
        "k0": {"arrest_prob_constant": 0.0},
    }
    for name, e in extra.items():
        for r in R:
            for side in (40, 100):
                for seed in range(2):
                    yield (f"{name}-{side}-{r}-{seed}", {**RUN2, "width": side, "height": side,
                           "arrest_rounding": r, **e}, seed, 200 if side == 40 else 120)
            yield (f"{name}-17x13-{r}", {**RUN2, "width": 17, "height": 13,
                   "arrest_rounding": r, **e}, 5, 150)

def digest(params: dict, seed: int, steps: int) -> str:
    sim = Sim([EpsteinCivilViolence], timeline=Timeline(steps), seed=seed, params=params)
    sim.run()
    h = hashlib.sha256()
    for k in sorted(sim.results):
        h.update(k.encode())
        h.update(np.ascontiguousarray(sim.results[k]).tobytes())
    for k in sorted(sim.state):
        h.update(k.encode())
        h.update(np.ascontiguousarray(sim.state[k]).tobytes())
    return h.hexdigest()

def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    out = {}
    for name, params, seed, steps in configs():
        out[name] = digest(params, seed, steps)
    if mode == "save":
        with open(path, "w") as f:
            json.dump(out, f, indent=0)
        print(len(out), "runs saved")
    else:
        with open(path) as f:
            ref = json.load(f)
        bad = [k for k in ref if out.get(k) != ref[k]]
        print(len(ref), "runs,", len(bad), "differ", bad[:20])
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
