"""What does preparing a split do for the class-struggle strategy?

Runs ``class-struggle`` and the same strategy without its split rule
(``class-struggle-no-split``: its last rule sets ``prepare_split`` to 0) on the
same seeds, under each theory asked for, at the scenario's default parameters
(and any ``--set name=value``), and prints per arm the median cadre at the
end, the share of runs defeated by the cut-off, the share whose leaders were
expelled, and the share that survived. Where the scenario has no
``class-struggle-no-split`` (older versions), the script adds it.

    python benchmarks/split_benefit.py --seeds 50 --theories CN
"""

from __future__ import annotations

import argparse
import json

import numpy as np

import inevitable as inv
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import sweep

WITH, WITHOUT = "class-struggle", "class-struggle-no-split"
NO_SPLIT = {"doc": "class-struggle without its split rule", "extends": WITH,
            "rules": [{"when": "always", "do": {"prepare_split": 0.0}}]}


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--theories", default="CN")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    sc = inv.scenario("soviet-1923")
    if WITHOUT not in sc.spec.strategies:
        sc = sc.with_strategies({WITHOUT: NO_SPLIT})
    fixed = {k: _value(v) for k, v in (s.split("=", 1) for s in a.set)}
    arms = [(t, s) for t in a.theories for s in (WITH, WITHOUT)]
    specs = [RunSpec(params={**fixed, "theory": t, "strategy": s}, seed=seed)
             for t, s in arms for seed in range(a.seeds)]
    res = sweep(sc, specs, backend="processes", workers=a.workers, progress=False)
    print(f"soviet-1923, {a.seeds} seeds per arm (0..{a.seeds - 1}), parameters "
          f"{fixed or 'at their defaults'}")
    print(f"{'theory':<7}{'strategy':<26}{'cadre at end (median)':>22}{'defeated':>10}"
          f"{'expelled':>10}{'survived':>10}")
    for i, (t, s) in enumerate(arms):
        fin = res.finals[i * a.seeds:(i + 1) * a.seeds]
        cadre = float(np.median([f["cadre"] for f in fin]))
        defeated = sum(f["defeat"] for f in fin)
        expelled = sum(f["expulsion_month"] >= 0 for f in fin)
        survived = sum(f["survival"] for f in fin)
        print(f"{t:<7}{s:<26}{cadre:>22,.0f}{defeated:>7}/{a.seeds}{expelled:>7}/{a.seeds}"
              f"{survived:>7}/{a.seeds}")


if __name__ == "__main__":
    main()
