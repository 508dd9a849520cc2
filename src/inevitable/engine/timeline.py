"""The clock: step indices and the dates they stand for.

Step 0 is the initial state; a run of ``steps`` steps has ``steps + 1``
recorded points. Historical scenarios count in months, abstract models in
ticks; everything in the engine counts in step indices and only the edges
(scenario files, reports, the chronicle) speak in dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inevitable.errors import InputError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, where: str = "") -> tuple[int, int]:
    """``'1923-08'`` -> ``(1923, 8)``; anything else is an input error."""
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"'{text}' is not a month in the form YYYY-MM", where or None)
    return int(m.group(1)), int(m.group(2))


def month_index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` inclusive, as labels."""
    a = month_index(*parse_month(start))
    b = month_index(*parse_month(end))
    if b < a:
        raise InputError(f"month range {start}..{end} is empty")
    return [month_label(i) for i in range(a, b + 1)]


@dataclass(frozen=True)
class Timeline:
    """``steps`` steps of one ``unit`` each, from ``start``."""

    steps: int
    unit: str = "tick"  # "tick" or "month"
    start: str | None = None  # a month label when unit == "month"

    def label(self, step: int) -> str:
        if self.unit == "month":
            return month_label(month_index(*parse_month(self.start)) + step)
        return str(step)

    def labels(self) -> list[str]:
        return [self.label(i) for i in range(self.steps + 1)]

    def step_of(self, when: str | int, where: str = "") -> int:
        """The step index of a date (for months) or a tick number.

        Dates before the start map to negative steps and dates after the end
        to steps beyond it; callers decide whether that is an error.
        """
        if self.unit == "month":
            if isinstance(when, int):
                return when
            return month_index(*parse_month(when, where)) - month_index(*parse_month(self.start))
        if isinstance(when, bool) or not isinstance(when, int):
            raise InputError(f"'{when}' is not a tick number", where or None)
        return when

    def with_steps(self, steps: int) -> Timeline:
        return Timeline(steps=steps, unit=self.unit, start=self.start)
