"""Real inputs of the soviet-1923 kernels, captured from running the model.

The exactness test and the kernel benchmark both need the arguments the
mechanisms really pass (dtypes, shapes, the mix of jailed, striking and
outside slots), not only invented ones, so this module runs the flagship
scenario and copies every kernel call's arguments before the call mutates them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import inevitable.mechanisms.soviet.cadre as cadre_mod
import inevitable.mechanisms.soviet.mobilisation as mob_mod
import inevitable.mechanisms.soviet.party as party_mod
import inevitable.mechanisms.soviet.repression as rep_mod
from inevitable.scenarios.loader import scenario

# kernel name -> (module that imported it, the name it is bound to there)
SITES: dict[str, tuple[Any, str]] = {
    "mobilise": (mob_mod, "mobilise"),
    "walk_out": (mob_mod, "walk_out"),
    "repress": (rep_mod, "repress"),
    "organise": (cadre_mod, "organise"),
    "admit": (party_mod, "admit"),
}

Case = tuple[str, tuple[Any, ...]]  # (label, arguments)


def copy_args(args: Iterable[Any]) -> tuple[Any, ...]:
    """Arrays copied (the kernels write into them), scalars as they are."""
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def capture(seed: int = 0, params: dict | None = None, steps: Iterable[int] = (),
            until: int | None = None) -> dict[str, list[Case]]:
    """Run soviet-1923 and keep each kernel's arguments at the given steps.

    ``steps`` are values of ``sim.t`` at which calls are kept (all steps when
    empty); the run stops after ``until`` steps (the whole run when None).
    """
    wanted = set(steps)
    cases: dict[str, list[Case]] = {name: [] for name in SITES}
    sc = scenario("soviet-1923")
    sim = sc.sim(seed, dict(params or {}))
    saved = {name: getattr(mod, attr) for name, (mod, attr) in SITES.items()}

    def wrap(name: str, kernel: Callable) -> Callable:
        def spy(*args):
            if not wanted or sim.t in wanted:
                cases[name].append((f"{name} seed={seed} {params or {}} t={sim.t}",
                                    copy_args(args)))
            return kernel(*args)
        return spy

    try:
        for name, (mod, attr) in SITES.items():
            setattr(mod, attr, wrap(name, saved[name]))
        if until is None:
            sim.run()
        else:
            sim.run(until=until)
    finally:
        for name, (mod, attr) in SITES.items():
            setattr(mod, attr, saved[name])
    return cases
