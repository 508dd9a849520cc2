"""How often does soviet-1923 reproduce the record's main patterns?

Runs the historical strategy under each theory for many seeds and reports,
per pattern, the share of seeds that show it (with a 95% Wilson interval).

    python validation/soviet_patterns.py --seeds 200
"""

from __future__ import annotations

import argparse
import json
import math
from concurrent.futures import ProcessPoolExecutor

from rich.console import Console
from rich.table import Table

import inevitable as inv
from inevitable.mechanisms.soviet.patterns import PATTERNS, check

_SCENARIO = None


def _one(args):
    global _SCENARIO
    theory, seed, strategy = args
    if _SCENARIO is None:  # load once per worker process
        _SCENARIO = inv.scenario("soviet-1923")
    return check(_SCENARIO.run(seed=seed, params={"theory": theory, "strategy": strategy}))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return ((c - h) / d, (c + h) / d)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--theories", default="TCN")
    ap.add_argument("--strategy", default="historical")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    shares: dict[str, dict[str, list]] = {}
    with ProcessPoolExecutor() as pool:
        for theory in a.theories:
            runs = list(pool.map(_one, [(theory, s, a.strategy) for s in range(a.seeds)],
                                 chunksize=8))
            shares[theory] = {}
            for name in PATTERNS:
                k = sum(r[name] for r in runs)
                shares[theory][name] = [k / a.seeds, *wilson(k, a.seeds)]
    table = Table(title=f"soviet-1923, strategy {a.strategy}: share of {a.seeds} seeds "
                        "showing each pattern (95% interval)")
    table.add_column("pattern")
    for theory in a.theories:
        table.add_column(f"theory {theory}", justify="right")
    for name in PATTERNS:
        table.add_row(name, *(f"{shares[t][name][0]:.0%} ({shares[t][name][1]:.0%}-"
                              f"{shares[t][name][2]:.0%})" for t in a.theories))
    Console().print(table)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"seeds": a.seeds, "strategy": a.strategy, "shares": shares}, fh, indent=1)


if __name__ == "__main__":
    main()
