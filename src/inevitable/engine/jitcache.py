"""Keep numba's on-disk cache honest about code in other files.

numba keys a cached compiled function by the modification stamp of the file
that defines it, and nothing else. A kernel in ``compiled.py`` that calls
kernels from ``kernels.py`` (which call the hash in ``engine/rng.py``) is
therefore loaded stale after either of those files changes: an upgrade or an
edit would silently run the old arithmetic (numba's own fix for this, pull
requests 8396 and 9563, was never merged). :func:`follow` closes the gap: a
module lists the files its compiled code calls into, and when their contents
change the module's cache entries are dropped, so numba compiles afresh.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path


def _digest(files: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def follow(module: str, *depends_on: str) -> None:
    """Drop module ``module``'s numba cache entries if it or a module it calls
    into (``depends_on``, importable names) has changed since they were written.

    Call it at the end of the module, after its ``cache=True`` functions are
    defined. A cache that cannot be read or written is left to numba, which
    then compiles in memory as usual.
    """
    mod = sys.modules[module]
    cache_path = next((getattr(getattr(v, "_cache", None), "_cache_path", None)
                       for v in vars(mod).values()
                       if getattr(getattr(v, "_cache", None), "_cache_path", None)), None)
    if cache_path is None:
        return
    own = Path(mod.__file__)
    files = [own] + [Path(sys.modules[d].__file__) for d in depends_on]
    try:
        digest = _digest(files)
        stamp = Path(cache_path) / f"{own.stem}.deps"
        if stamp.exists() and stamp.read_text() == digest:
            return
        for entry in Path(cache_path).glob(f"{own.stem}.*.nb[ic]"):
            entry.unlink(missing_ok=True)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest)
    except OSError:
        return
