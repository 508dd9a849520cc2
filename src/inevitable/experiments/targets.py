"""Scenario targets as things a run can be measured against.

A target in a scenario file is an observed figure: a ``value`` with its
``sd``, or a ``low``-``high`` range, for a ``quantity`` that is either a
series (read at the target's ``date``) or a final value of the run. This
module turns targets into :class:`Target` objects that know which step of
which series to read (a *probe*), and how far a simulated value is from the
record, in units of the record's own uncertainty. Calibration combines these
distances; validation reports them one by one.

Event times. A final value that is a month (or tick) index of an event
(``left_turn_month``, ``defeat_step``: names ending in ``_month`` or
``_step``, or a headline outcome of kind ``month``) uses -1 for "never
happened". Read literally, -1 would sit *before* the start, which is the
wrong way round: a run in which the event never happened is treated as if it
happened just after the last step (``steps + 1``).

Targets and a cut-off. With ``until`` set, a target is kept if its date is at
or before ``until``. A target without a date is a final value; it is kept
only if it is an event time whose record lies entirely at or before
``until`` (its ``high``, or ``value + 2 sd``): the record of an event known
by then is in-sample knowledge. Other undated finals (a cumulative count,
say) carry no date to place them, so they are left out of a calibration
with a cut-off, and are predicted out of sample by validation instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inevitable.errors import InputError
from inevitable.scenarios.loader import Scenario


@dataclass(frozen=True)
class Target:
    """One observed figure and where to read its simulated counterpart."""

    id: str
    quantity: str
    date: str | None
    step: int | None  # the step a series is read at; None for a final value
    value: float | None
    sd: float | None
    low: float | None
    high: float | None
    event_time: bool  # a month/tick index where -1 means "never"
    never: int  # what -1 is read as for an event time (steps + 1)
    check: bool = False  # held out of every calibration (``use: check``)
    weight: float = 1.0  # declared weight of its squared error in the calibration's distance

    @property
    def probe(self) -> tuple[str, int] | None:
        return None if self.step is None else (self.quantity, self.step)

    @property
    def is_range(self) -> bool:
        return self.sd is None

    def observed(self, x: float) -> float:
        """A simulated value as compared with the record (event times: -1 -> never)."""
        if self.event_time and x < 0:
            return float(self.never)
        return float(x)

    def error(self, x: float) -> float:
        """The standardised error of simulated value ``x``.

        ``|x - value| / sd`` for a value with its sd; for a range, 0 inside it
        and the distance to the nearer end over the half-width outside it.
        NaN (a quantity the run could not compute) is infinitely far.
        """
        x = self.observed(x)
        if math.isnan(x):
            return math.inf
        if not self.is_range:
            return abs(x - self.value) / self.sd
        half = (self.high - self.low) / 2
        if x < self.low:
            return (self.low - x) / half
        if x > self.high:
            return (x - self.high) / half
        return 0.0

    def deviation(self, x: float) -> float:
        """Simulated value ``x`` from the record's centre, signed, in the error's units
        (sd, or half-widths from a range's middle); NaN stays NaN.

        Unlike :meth:`error` it keeps the side, so it grows with a parameter that
        pushes the quantity up even where the record lies inside the prior's reach.
        """
        x = self.observed(x)
        if not self.is_range:
            return (x - self.value) / self.sd
        return (x - (self.low + self.high) / 2) / ((self.high - self.low) / 2)

    def contains(self, x: float) -> bool:
        """Whether ``x`` agrees with the record: inside the range, or within 2 sd."""
        return self.error(x) <= (2.0 if not self.is_range else 0.0)

    @property
    def latest(self) -> float:
        """The latest value the record allows (for placing an event time in time)."""
        return self.high if self.is_range else self.value + 2 * self.sd

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "quantity": self.quantity, "date": self.date}
        if self.is_range:
            d.update(low=self.low, high=self.high)
        else:
            d.update(value=self.value, sd=self.sd)
        if self.check:
            d["check"] = True
        return d


def step_of(sc: Scenario, when: str | int, where: str) -> int:
    """The step of a date ("YYYY-MM" on a month timeline, a tick number otherwise)."""
    tl = sc.timeline
    if tl.unit == "month":
        if isinstance(when, int) and not isinstance(when, bool):
            return when
        return tl.step_of(str(when), where)
    if isinstance(when, int) and not isinstance(when, bool):
        return when
    text = str(when).strip()
    if not text.lstrip("-").isdigit():
        raise InputError(f"'{when}' is not a tick number", where)
    return int(text)


def _is_event_time(sc: Scenario, quantity: str) -> bool:
    if quantity.endswith(("_month", "_step")):
        return True
    return any(o.final == quantity and o.kind == "month" for o in sc.spec.outcomes.values())


def all_targets(sc: Scenario) -> list[Target]:
    """Every target of the scenario, checked against what its runs produce."""
    series = {n for c in sc.mechanisms for n in c.series}
    finals = series | {n for c in sc.mechanisms for n in c.finals}
    out = []
    for t in sc.spec.targets:
        where = f"target {t.id}"
        if t.quantity not in finals:
            raise InputError(f"no series or final value named '{t.quantity}'", where)
        step = None
        if t.date is not None:
            step = step_of(sc, t.date, where)
            if not 0 <= step <= sc.timeline.steps:
                raise InputError(f"date {t.date} is outside the run "
                                 f"({sc.timeline.label(0)} .. "
                                 f"{sc.timeline.label(sc.timeline.steps)})", where)
            if t.quantity not in series:
                step = None  # a final value with a date: the date only places it in time
        if t.value is not None:
            if t.sd is None:
                raise InputError("a target with a 'value' needs an 'sd' to be measured "
                                 "against (or give 'low' and 'high')", where)
            value, sd, low, high = float(t.value), float(t.sd), None, None
        else:
            if not t.high > t.low:
                raise InputError("the range is empty ('low' equals 'high'); give a 'value' "
                                 "with an 'sd'", where)
            value, sd, low, high = None, None, float(t.low), float(t.high)
        out.append(Target(t.id, t.quantity, t.date, step, value, sd, low, high,
                          _is_event_time(sc, t.quantity), sc.timeline.steps + 1,
                          t.use == "check", float(t.weight)))
    return out


def known_by(sc: Scenario, target: Target, until: int) -> bool:
    """Whether a target's record belongs to the history up to step ``until``."""
    if target.date is not None:
        return step_of(sc, target.date, f"target {target.id}") <= until
    return target.event_time and target.latest <= until


def select(sc: Scenario, ids: Sequence[str] | None = None,
           until: str | int | None = None) -> list[Target]:
    """The targets to calibrate on: those named by ``ids`` (default every one that
    is not a held-out check), known by ``until`` if given."""
    every = all_targets(sc)
    if ids is None:
        every = [t for t in every if not t.check]
    else:
        if isinstance(ids, str):
            ids = [i.strip() for i in ids.split(",") if i.strip()]
        by_id = {t.id: t for t in every}
        for i in ids:
            if i not in by_id:
                known = ", ".join(by_id) or "none"
                raise InputError(f"unknown target '{i}' (known: {known})", "--targets")
        every = [by_id[i] for i in dict.fromkeys(ids)]
        held = [t.id for t in every if t.check]
        if held:
            raise InputError(f"target '{held[0]}' is a held-out check ('use: check'): no "
                             "calibration fits it, so that it can test the model", "--targets")
    if until is not None:
        cut = step_of(sc, until, "--until")
        every = [t for t in every if known_by(sc, t, cut)]
    if not every:
        what = f" known by {until}" if until is not None else ""
        raise InputError(f"scenario '{sc.name}' has no targets{what} to measure runs against")
    return every


def probes(targets: Sequence[Target]) -> tuple[tuple[str, int], ...]:
    """The (series, step) reads the targets need, each once, in a fixed order."""
    return tuple(dict.fromkeys(t.probe for t in targets if t.probe is not None))


def simulated(targets: Sequence[Target], final: Mapping[str, Any],
              probe_names: Sequence[tuple[str, int]], probe_values: Sequence[float]
              ) -> list[float]:
    """Each target's simulated value in one run, from its finals and probe values."""
    at = dict(zip(probe_names, probe_values, strict=True))
    out = []
    for t in targets:
        x = at[t.probe] if t.probe is not None else final.get(t.quantity)
        out.append(math.nan if x is None else float(x))
    return out


def errors(targets: Sequence[Target], values: Sequence[float]) -> list[float]:
    """Each target's standardised error for one run's simulated values."""
    return [t.error(x) for t, x in zip(targets, values, strict=True)]


def rms(errs: Sequence[float]) -> float:
    """Root-mean-square of standardised errors: a run's distance from the record."""
    if any(math.isinf(e) for e in errs):
        return math.inf
    return math.sqrt(math.fsum(e * e for e in errs) / len(errs))


def distance(targets: Sequence[Target], values: Sequence[float]) -> float:
    """A run's distance from the record: the RMS of the targets' standardised errors."""
    return rms(errors(targets, values))
