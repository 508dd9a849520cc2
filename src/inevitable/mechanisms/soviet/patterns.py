"""The record's main patterns, as checks on one run of ``soviet-1923``.

Pattern-oriented modelling (Grimm et al. 2005): a model earns trust by
reproducing several qualitative patterns of the record at once, not by
fitting one number. Each check reads only the run's series and finals; the
share of seeds that pass, per theory, is a finding (``validation/``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from inevitable.engine.result import RunResult


def _at(result: RunResult, name: str, start: str, end: str) -> np.ndarray:
    labels = result.labels
    i, j = labels.index(start), labels.index(end)
    return np.asarray(result.series[name][i:j + 1], dtype=float)


def _month(label: str) -> int:
    year, month = label.split("-")
    return (int(year) - 1923) * 12 + int(month) - 1


def strikes_die_down(r: RunResult) -> bool:
    """1923's strike wave, left without support, subsides: 1925 has under a third of
    the wave's monthly strikes."""
    wave = _at(r, "strikes", "1923-07", "1923-12").mean()
    later = _at(r, "strikes", "1925-01", "1925-12").mean()
    return wave > 10 and later < wave / 3


def loses_13th_conference(r: RunResult) -> bool:
    """The Opposition has well under half the delegates at the 13th Conference."""
    return _at(r, "opposition_delegates", "1924-01", "1924-01")[0] < 0.25


def leningrad_breaks_1925(r: RunResult) -> bool:
    """The Leningrad group breaks with the Centre in 1925."""
    return _month("1925-01") <= r.final["leningrad_break_month"] <= _month("1925-12")


def united_opposition_1926(r: RunResult) -> bool:
    """The United Opposition forms in 1926."""
    return _month("1926-01") <= r.final["united_opposition_month"] <= _month("1926-12")


def silent_sympathy_1927(r: RunResult) -> bool:
    """Late 1927: private sympathy is at least three times open support."""
    sym = _at(r, "sympathy", "1927-09", "1927-12").mean()
    pub = _at(r, "public_support", "1927-09", "1927-12").mean()
    return sym > 0.01 and sym > 3 * pub


def defeat_late_1927(r: RunResult) -> bool:
    """Defeat comes between October 1927 and March 1928."""
    return _month("1927-10") <= r.final["defeat_month"] <= _month("1928-03")


def left_turn_1928_29(r: RunResult) -> bool:
    """The leadership turns left in 1928-29."""
    return _month("1928-01") <= r.final["left_turn_month"] <= _month("1929-12")


PATTERNS: dict[str, Callable[[RunResult], bool]] = {
    "strikes of 1923 die down": strikes_die_down,
    "Opposition loses the 13th Conference": loses_13th_conference,
    "Leningrad group breaks with the Centre in 1925": leningrad_breaks_1925,
    "United Opposition forms in 1926": united_opposition_1926,
    "private sympathy outruns open support, late 1927": silent_sympathy_1927,
    "defeat in late 1927 or early 1928": defeat_late_1927,
    "left turn in 1928-29": left_turn_1928_29,
}


def check(result: RunResult) -> dict[str, bool]:
    return {name: bool(fn(result)) for name, fn in PATTERNS.items()}
