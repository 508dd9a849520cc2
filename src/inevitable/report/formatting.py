"""The one way a number is written in the report.

report.md, report.html and the tests all format through :func:`fmt`, so a
number printed in the report is, character for character, the JSON number
seen through the same rounding. That is what makes "every number in report.md
equals the one in verdict.json" a checkable statement rather than a hope.

Kinds (what a number *is* decides how it is written):

- ``prob``   a probability or share in [0, 1], written as a percentage: ``68.3%``
- ``pts``    a difference of probabilities, signed percentage points: ``+12.3 pts``
- ``pm_pts`` a half-width of such a difference: ``±4.1 pts``
- ``int``    a count or a seed: ``400``
- ``seconds`` wall time: ``121.4 s``
- ``index``  a Sobol index (may be slightly negative from sampling): ``0.123``
- ``number`` anything else, three significant digits at most: ``0.0123``, ``0.01``,
  ``1234``
- ``signed`` a difference of plain numbers: ``+0.0123``
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

Kind = Literal["prob", "pts", "pm_pts", "int", "seconds", "index", "number", "signed"]
MISSING = "n/a"


def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def _sig3(x: float) -> str:
    """About three significant digits without exponents in the everyday range."""
    if x == 0:
        return "0"
    a = abs(x)
    if 1e-3 <= a < 1e6:
        decimals = max(0, 2 - math.floor(math.log10(a)))
        s = f"{x:.{decimals}f}"
        return s.rstrip("0").rstrip(".") if "." in s else s
    return f"{x:.2e}"


def _no_negative_zero(s: str) -> str:
    """``-0.0`` reads as a sign error; rounding to zero is just zero."""
    body = s.lstrip("+-")
    if body and all(c in "0." for c in body):
        return body
    return s


def fmt(x: Any, kind: Kind = "number") -> str:
    """Write one number; ``None`` and non-finite values are ``n/a``."""
    if _is_missing(x):
        return MISSING
    x = float(x)
    if kind == "prob":
        return _no_negative_zero(f"{100 * x:.1f}") + "%"
    if kind == "pts":
        s = _no_negative_zero(f"{100 * x:+.1f}")
        return f"{s} pts"
    if kind == "pm_pts":
        return f"±{100 * abs(x):.1f} pts"
    if kind == "int":
        return str(round(x))
    if kind == "seconds":
        return f"{x:.1f} s"
    if kind == "index":
        return _no_negative_zero(f"{x:.3f}")
    if kind == "signed":
        s = _sig3(x)
        return s if s.startswith("-") or s == "0" else "+" + s
    if kind == "number":
        return _no_negative_zero(_sig3(x))
    raise ValueError(f"unknown number kind {kind!r}")


def fmt_interval(est: Mapping[str, Any] | None, kind: Kind = "prob") -> str:
    """An estimate with its 95% interval: ``68.3% [64.1%, 72.0%]``.

    The bounds carry the same kind as the value so each token can be checked
    on its own against verdict.json.
    """
    if not est:
        return MISSING
    value = fmt(est.get("value"), kind)
    low, high = est.get("low"), est.get("high")
    if _is_missing(low) and _is_missing(high):
        return value
    return f"{value} [{fmt(low, kind)}, {fmt(high, kind)}]"


def diff_kind(kind: Kind) -> Kind:
    """The kind of a difference of two numbers of ``kind``."""
    return "pts" if kind == "prob" else "signed"
