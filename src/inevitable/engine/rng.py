"""Counter-based random streams: the engine's only source of randomness.

Common random numbers (CRN) hold by construction here, not by discipline. A draw
is a pure function of ``(stream key, step, slot, k)`` where the stream key is a
hash of the run seed and the stream's name. There is no generator state to
advance, so:

* a mechanism that draws nothing, or draws more, cannot shift anyone else's
  numbers (each decision owns its named stream);
* two arms that differ only after step t see the same numbers up to t;
* a snapshot needs no RNG state, and a branch continues bit for bit;
* the order in which agents or threads are visited does not matter.

The mixing function is SplitMix64's finaliser applied to a combination of the
counters (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators"). It passes the statistical tests in ``tests/engine/test_rng.py``;
it is not meant for cryptography.
"""

from __future__ import annotations

import hashlib

import numba as nb
import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SLOT = np.uint64(0xD1B54A32D192ED03)
_SUB = np.uint64(0xAEF17502108EF2D9)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def stream_key(seed: int, name: str) -> np.uint64:
    """The 64-bit key of stream ``name`` in a run with ``seed``.

    blake2b is used because Python's ``hash`` is salted per process, and CRN
    must hold across processes and machines.
    """
    digest = hashlib.blake2b(f"{int(seed)}\x1f{name}".encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


@nb.njit(inline="always", cache=True)
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always", cache=True)
def bits(key, step, slot, k):
    """64 random bits for (key, step, slot, k); all arguments are cast to uint64.

    The first mix depends only on (key, step), so a compiled loop over slots
    computes it once; each draw then costs one SplitMix64 output step over a
    counter unique to (slot, k).
    """
    h = _mix(nb.uint64(key) + _GOLDEN * (nb.uint64(step) + _ONE))
    return _mix(h + nb.uint64(slot) * _SLOT + nb.uint64(k) * _SUB)


@nb.njit(inline="always", cache=True)
def uniform(key, step, slot, k):
    """A float in [0, 1) with 53 random bits."""
    return nb.float64(bits(key, step, slot, k) >> _S11) * _INV53


@nb.njit(inline="always", cache=True)
def normal(key, step, slot, k):
    """A standard normal draw by Box-Muller from sub-draws 2k and 2k+1."""
    u1 = 1.0 - uniform(key, step, slot, 2 * k)  # in (0, 1], safe for log
    u2 = uniform(key, step, slot, 2 * k + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@nb.njit(cache=True)
def _fill_uniform(out, key, step, first_slot, k):
    for i in range(out.shape[0]):
        out[i] = uniform(key, step, first_slot + i, k)


@nb.njit(cache=True)
def _fill_uniform_at(out, key, step, slots, k):
    for i in range(slots.shape[0]):
        out[i] = uniform(key, step, slots[i], k)


@nb.njit(cache=True)
def _fill_normal(out, key, step, first_slot, k):
    for i in range(out.shape[0]):
        out[i] = normal(key, step, first_slot + i, k)


class Stream:
    """A named stream of random numbers bound to a run's seed and clock.

    Mechanisms receive streams from the simulation and never see a generator.
    Vectorised code calls the methods here; compiled kernels take ``key`` and
    call :func:`uniform` / :func:`normal` directly with the same arguments, so
    both paths give the same bits.
    """

    __slots__ = ("_clock", "key", "name")

    def __init__(self, seed: int, name: str, clock) -> None:
        self.name = name
        self.key = stream_key(seed, name)
        self._clock = clock  # a callable returning the current step

    @property
    def step(self) -> int:
        return int(self._clock())

    def uniform(self, n: int, k: int = 0, first_slot: int = 0) -> np.ndarray:
        """Uniform draws for slots ``first_slot .. first_slot + n - 1`` at the current step."""
        out = np.empty(int(n), dtype=np.float64)
        _fill_uniform(out, self.key, self.step, int(first_slot), int(k))
        return out

    def uniform_at(self, slots: np.ndarray, k: int = 0) -> np.ndarray:
        """Uniform draws for the given agent slots at the current step."""
        slots = np.ascontiguousarray(slots, dtype=np.int64)
        out = np.empty(slots.shape[0], dtype=np.float64)
        _fill_uniform_at(out, self.key, self.step, slots, int(k))
        return out

    def normal(self, n: int, k: int = 0, first_slot: int = 0) -> np.ndarray:
        """Standard normal draws for consecutive slots at the current step."""
        out = np.empty(int(n), dtype=np.float64)
        _fill_normal(out, self.key, self.step, int(first_slot), int(k))
        return out

    def permutation(self, n: int) -> np.ndarray:
        """A random order of ``n`` slots: argsort of per-slot uniform keys.

        Ties have probability ~n^2 / 2^54 and are broken by slot (stable sort),
        so the order is still a pure function of (seed, name, step).
        """
        return np.argsort(self.uniform(n), kind="stable").astype(np.int64)

    def __repr__(self) -> str:
        return f"Stream({self.name!r})"
