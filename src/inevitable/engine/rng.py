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
import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import errors, types
from numba.extending import intrinsic

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


@intrinsic
def _float_bits(typingctx, x):
    """The IEEE-754 bits of a float64, as an int64 (a reinterpretation, no arithmetic)."""
    if x != types.float64:
        raise errors.TypingError("_float_bits takes a float64")

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(x), codegen


@intrinsic
def _bits_float(typingctx, b):
    """The float64 whose IEEE-754 bits are the int64 ``b``."""
    if b != types.int64:
        raise errors.TypingError("_bits_float takes an int64")

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(b), codegen


@intrinsic
def _divide(typingctx, a, b):
    """``a / b`` for float64, an IEEE division without numba's zero check.

    Why: under numba's default error model a float division may raise, and a
    loop with that exit cannot be vectorised. Only used where ``b`` > 0.
    """
    if a != types.float64 or b != types.float64:
        raise errors.TypingError("_divide takes two float64")

    def codegen(context, builder, sig, args):
        return builder.fdiv(args[0], args[1])

    return types.float64(a, b), codegen


_EXPONENT_BIAS = np.int64(1023)
_MANTISSA = np.int64((1 << 52) - 1)
_ONE_BITS = np.int64(1023 << 52)
_SQRT2 = 1.4142135623730951
_LN2 = 0.6931471805599453
# log(m) = 2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ...), s = (m - 1) / (m + 1); with
# |s| <= (sqrt 2 - 1) / (sqrt 2 + 1), terms past s^19 are below 2**-54 of the sum
_ATANH = tuple(1.0 / (2 * k + 1) for k in range(10))
# sin and cos by their Taylor series on [-pi/4, pi/4], to a^17 and a^18
_SIN = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(9))
_COS = tuple((-1) ** k / math.factorial(2 * k) for k in range(10))
_HALF_PI = 1.5707963267948966


@nb.njit(inline="always", cache=True)
def _log(x):
    """The natural log of a positive normal float64, to a few units in the last place.

    Why not ``np.log``: it is a call into the C library, which a loop cannot
    vectorise and whose last bits may differ between libraries. This is
    arithmetic and bit operations only, so it gives the same bits on every
    machine and in SIMD lanes.
    """
    b = _float_bits(x)
    e = (b >> 52) - _EXPONENT_BIAS
    m = _bits_float((b & _MANTISSA) | _ONE_BITS)  # x = m 2^e, m in [1, 2)
    big = m > _SQRT2
    m = m * 0.5 if big else m  # now m in [sqrt(2)/2, sqrt(2)]
    e = e + 1 if big else e
    f = m - 1.0  # exact (Sterbenz)
    s = _divide(f, 2.0 + f)  # 2 + f >= 2 - sqrt(2)/2
    z = s * s
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9 = _ATANH
    p = a0 + z * (a1 + z * (a2 + z * (a3 + z * (a4 + z * (a5 + z * (a6 + z * (a7 + z * (
        a8 + z * a9))))))))
    return e * _LN2 + 2.0 * s * p


@nb.njit(inline="always", cache=True)
def _cos_turns(u):
    """cos(2 pi u) for u in [0, 1), to a few units in the last place.

    The turn is cut into quarters exactly (u is a multiple of 2**-53), so
    only the angle within a quarter, at most pi/4, goes through a series.
    Arithmetic only, like :func:`_log`.
    """
    t = 4.0 * u
    q = np.floor(t + 0.5)
    a = (t - q) * _HALF_PI  # t - q in [-1/2, 1/2], exact
    a2 = a * a
    s0, s1, s2, s3, s4, s5, s6, s7, s8 = _SIN
    c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 = _COS
    s = a * (s0 + a2 * (s1 + a2 * (s2 + a2 * (s3 + a2 * (s4 + a2 * (s5 + a2 * (s6 + a2 * (
        s7 + a2 * s8))))))))
    c = c0 + a2 * (c1 + a2 * (c2 + a2 * (c3 + a2 * (c4 + a2 * (c5 + a2 * (c6 + a2 * (
        c7 + a2 * (c8 + a2 * c9))))))))
    quarter = np.int64(q) & 3  # cos(q pi/2 + a): c, -s, -c, s
    v = s if quarter & 1 else c
    return -v if (quarter == 1) | (quarter == 2) else v


@nb.njit(inline="always", cache=True)
def normal(key, step, slot, k):
    """A standard normal draw by Box-Muller from sub-draws 2k and 2k+1.

    The log and the cosine are this module's own (:func:`_log`,
    :func:`_cos_turns`), so a loop of draws vectorises and its bits do not
    depend on the machine's C library.
    """
    u1 = 1.0 - uniform(key, step, slot, 2 * k)  # in (0, 1], at least 2**-53: safe for log
    u2 = uniform(key, step, slot, 2 * k + 1)
    return np.sqrt(-2.0 * _log(u1)) * _cos_turns(u2)


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
