"""Posterior-predictive runs: parameters drawn from a calibration, per theory.

An experiment given a posterior runs each seed with its own parameter set
drawn from it, the same set for every arm of that seed (so pairing still
holds). Arms are per theory, so draws come from the particles of that
theory only; a theory the calibration gave no weight has no draws.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from inevitable.errors import InputError


def draws(posterior, theory: str | None, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` parameter sets for ``theory`` (or the whole posterior when None)."""
    particles = posterior.particles
    weights = np.asarray(posterior.weights, dtype=float)
    if theory is not None and posterior.theories != [None]:
        keep = np.array([p.get("theory") == theory for p in particles])
        weights = np.where(keep, weights, 0.0)
    total = weights.sum()
    if total <= 0:
        raise InputError(f"the posterior gives theory '{theory}' no weight; nothing to draw "
                         "from", "--posterior")
    tag = int(hashlib.blake2b(str(theory).encode(), digest_size=4).hexdigest(), 16)
    rng = np.random.default_rng([int(seed), tag, 0x9D])
    cum = np.cumsum(weights)
    idx = np.minimum(np.searchsorted(cum, rng.random(n) * total, side="right"),
                     len(cum) - 1)
    out = []
    for i in idx:
        p = dict(particles[int(i)])
        p.pop("theory", None)
        out.append(p)
    return out
