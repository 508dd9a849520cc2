"""Parameter declarations and priors.

A mechanism declares each parameter once, with its default, unit, bounds,
prior, source and the claim it encodes. That one declaration is the
documentation (``docs/odd.md`` and ``inevitable scenarios --params`` print it),
the schema a scenario file and ``--set`` are checked against, and, through the
prior, the space that sensitivity analysis and calibration explore.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from inevitable.errors import InputError

Kind = Literal["float", "int", "bool", "choice", "floats", "str", "month"]


class _Prior(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms in [0, 1) to draws from the prior (inverse CDF)."""
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:
        raise NotImplementedError


class Uniform(_Prior):
    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must exceed low ({self.low})")
        return self

    def ppf(self, u):
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    @property
    def support(self):
        return (self.low, self.high)


class LogUniform(Uniform):
    dist: Literal["loguniform"] = "loguniform"  # type: ignore[assignment]

    @model_validator(mode="after")
    def _positive(self) -> LogUniform:
        if self.low <= 0:
            raise ValueError("low must be positive for a log-uniform prior")
        return self

    def ppf(self, u):
        lo, hi = math.log(self.low), math.log(self.high)
        return np.exp(lo + (hi - lo) * np.asarray(u, dtype=float))


class Normal(_Prior):
    """A normal prior, truncated to [low, high] when bounds are given."""

    dist: Literal["normal"] = "normal"
    mean: float
    sd: float = Field(gt=0)
    low: float = -math.inf
    high: float = math.inf

    def ppf(self, u):
        a = _stats().norm.cdf((self.low - self.mean) / self.sd)
        b = _stats().norm.cdf((self.high - self.mean) / self.sd)
        q = a + (b - a) * np.asarray(u, dtype=float)
        return self.mean + self.sd * _stats().norm.ppf(q)

    @property
    def support(self):
        return (self.low, self.high)


class Beta(_Prior):
    """A beta prior on [low, high] (default [0, 1]) with shapes a and b."""

    dist: Literal["beta"] = "beta"
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    def ppf(self, u):
        return self.low + (self.high - self.low) * _stats().beta.ppf(
            np.asarray(u, dtype=float), self.a, self.b
        )

    @property
    def support(self):
        return (self.low, self.high)


class Triangular(_Prior):
    dist: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def ppf(self, u):
        c = (self.mode - self.low) / (self.high - self.low)
        return _stats().triang.ppf(np.asarray(u, dtype=float), c, self.low, self.high - self.low)

    @property
    def support(self):
        return (self.low, self.high)


Prior = Annotated[
    Uniform | LogUniform | Normal | Beta | Triangular, Field(discriminator="dist")
]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)



def _stats():
    """scipy.stats, imported on first use: it costs about a second at start-up, and
    most commands (a run, a comparison) never turn a prior's quantile."""
    from scipy import stats

    return stats

@dataclass(frozen=True)
class Param:
    """One declared parameter of a mechanism.

    ``source`` cites where the default comes from; ``assumption=True`` says
    there is no source and the prior must be wide enough to be honest about it.
    ``claim`` names the ledger claim(s) the parameter encodes, if any.
    """

    default: Any
    kind: Kind = "float"
    unit: str = ""
    doc: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    prior: Any = None
    source: str = ""
    assumption: bool = False
    claim: tuple[str, ...] = field(default_factory=tuple)
    nullable: bool = False

    def coerce(self, name: str, value: Any) -> Any:
        """Check ``value`` against the declaration; return it in canonical form.

        Raises :class:`InputError` with a message naming the parameter, the
        value and what was expected (the caller adds the location).
        """
        if value is None:
            if self.nullable:
                return None
            raise InputError(f"parameter '{name}' must not be empty")
        kind = self.kind
        if kind == "bool":
            if isinstance(value, bool):
                return value
            raise InputError(f"parameter '{name}' must be true or false, got {value!r}")
        if kind == "int":
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            ):
                raise InputError(f"parameter '{name}' must be an integer, got {value!r}")
            value = int(value)
            self._check_range(name, value)
            return value
        if kind == "float":
            if not _is_number(value) or not math.isfinite(value):
                raise InputError(f"parameter '{name}' must be a number, got {value!r}")
            value = float(value)
            self._check_range(name, value)
            return value
        if kind == "choice":
            if value not in self.choices:
                raise InputError(
                    f"parameter '{name}' must be one of {', '.join(self.choices)}; got {value!r}"
                )
            return value
        if kind == "floats":
            if not isinstance(value, list | tuple) or not all(_is_number(v) for v in value):
                raise InputError(f"parameter '{name}' must be a list of numbers, got {value!r}")
            out = [float(v) for v in value]
            for v in out:
                self._check_range(name, v)
            return out
        if kind == "month":
            from inevitable.engine.timeline import parse_month

            if not isinstance(value, str):
                raise InputError(f"parameter '{name}' must be a month like 1925-12, got {value!r}")
            parse_month(value, name)
            return value
        if not isinstance(value, str):
            raise InputError(f"parameter '{name}' must be text, got {value!r}")
        return value

    def _check_range(self, name: str, value: float) -> None:
        if self.low is not None and value < self.low:
            raise InputError(f"parameter '{name}' = {value} is below its minimum {self.low}")
        if self.high is not None and value > self.high:
            raise InputError(f"parameter '{name}' = {value} is above its maximum {self.high}")
