"""Same seed, same bits: across processes and whatever the number of threads."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

import inevitable as inv

_SCRIPT = """
import hashlib, sys
import inevitable as inv
names = sys.argv[1].split(',')
h = hashlib.sha256()
for name in names:
    r = inv.scenario(name).run(seed=7)
    for k in sorted(r.series):
        h.update(r.series[k].tobytes())
print(h.hexdigest())
"""


def _digest_here(names):
    h = hashlib.sha256()
    for name in names:
        r = inv.scenario(name).run(seed=7)
        for k in sorted(r.series):
            h.update(r.series[k].tobytes())
    return h.hexdigest()


def _digest_in_subprocess(names, threads):
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads), "PYTHONHASHSEED": str(threads * 17)}
    out = subprocess.run([sys.executable, "-c", _SCRIPT, ",".join(names)], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("threads", [1, 2])
def test_same_seed_same_bits_in_another_process_and_thread_count(threads):
    names = inv.builtin_names()
    assert _digest_in_subprocess(names, threads) == _digest_here(names)
