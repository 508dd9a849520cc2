"""What one run returns: its series, its final values and how it was made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class RunResult:
    series: dict[str, np.ndarray]
    final: dict[str, Any]
    labels: list[str]
    seed: int
    params: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    # set by the scenario when its model can tell a run in words
    chronicler: Callable[[RunResult], list[str]] | None = field(default=None, repr=False)

    def chronicle(self) -> list[str]:
        """The run as a month-by-month account, where the model provides one."""
        if self.chronicler is None:
            from inevitable.errors import InputError

            raise InputError(f"scenario '{self.meta.get('scenario')}' has no chronicle")
        return self.chronicler(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``series`` (one value per step, step 0 included) and ``final``."""
        return {
            **self.meta,
            "seed": self.seed,
            "parameters": self.params,
            "time": self.labels,
            "series": {k: v.tolist() for k, v in self.series.items()},
            "final": {k: _plain(v) for k, v in self.final.items()},
        }

    def to_frame(self):
        """The series as a pyarrow Table, one row per step."""
        import pyarrow as pa

        cols = {"step": np.arange(len(self.labels)), "time": self.labels}
        cols.update(self.series)
        return pa.table(cols)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.series[name]


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v
