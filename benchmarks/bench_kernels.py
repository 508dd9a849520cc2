"""How much faster are the SIMD-friendly soviet-1923 kernels than the plain loops?

Captures every kernel call of a few flagship runs (see
``tests/mechanisms/kernel_cases.py``), then times the frozen reference kernels
(``tests/mechanisms/reference_kernels.py``) and the current ones on the same
inputs, alternating old and new call by call so that a busy machine slows
both alike. Each timed call gets fresh copies of its arrays (copying is not
timed). Prints, per kernel, the median time per call and the ratio of
medians; "net" subtracts the cost of calling a do-nothing compiled function
with the same arguments (numba's dispatch, which a compiled driver would not
pay). One core: NUMBA_NUM_THREADS=1 is set before numba loads.

    PYTHONPATH=src python benchmarks/bench_kernels.py [--reps 20] [--json out.json]
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numba as nb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "mechanisms"))

import reference_kernels as ref
from kernel_cases import capture, copy_args

from inevitable.mechanisms.soviet import kernels as fast

KERNELS = ("mobilise", "walk_out", "repress", "organise", "admit")
RUNS = ((0, {}), (1, {"theory": "T", "strategy": "class-struggle"}),
        (2, {"strategy": "class-struggle"}))


@nb.njit
def _nothing(*args):
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description="soviet-1923 kernels: reference vs fast")
    ap.add_argument("--reps", type=int, default=20, help="timed calls per captured call")
    ap.add_argument("--every", type=int, default=4, help="keep every n-th month's call")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    cases = {name: [] for name in KERNELS}
    for seed, params in RUNS:
        for name, got in capture(seed, params).items():
            cases[name] += got[:: a.every]
    results = {}
    for name in KERNELS:
        old, new, noop = getattr(ref, name), getattr(fast, name), _nothing
        for _, args in cases[name][:1]:  # compile, or load from the cache
            old(*copy_args(args)), new(*copy_args(args)), noop(*copy_args(args))
        t_old, t_new, t_noop = [], [], []
        for _, args in cases[name]:
            for _ in range(a.reps):
                for f, out in ((old, t_old), (new, t_new), (noop, t_noop)):
                    b = copy_args(args)
                    t = time.perf_counter()
                    f(*b)
                    out.append(time.perf_counter() - t)
        m_old, m_new, m_noop = (statistics.median(t) * 1e6 for t in (t_old, t_new, t_noop))
        results[name] = {
            "calls": len(cases[name]), "old_us": m_old, "new_us": m_new,
            "dispatch_us": m_noop, "ratio": m_old / m_new,
            "net_ratio": (m_old - m_noop) / max(m_new - m_noop, 1e-9),
        }
        r = results[name]
        print(f"{name:9s} {r['calls']:4d} calls  old {m_old:8.1f} us  new {m_new:8.1f} us  "
              f"ratio {r['ratio']:5.2f}x  (dispatch {m_noop:4.1f} us, net {r['net_ratio']:5.2f}x)")
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
