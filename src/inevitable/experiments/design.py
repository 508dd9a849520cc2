"""From points in the unit cube to runs: the factors experiments vary.

Sensitivity analysis and scenario discovery both sample the unit cube and
map each coordinate to a factor: a parameter through the inverse CDF of its
prior, or a discrete choice (the strategy, the theory) by cutting [0, 1)
into equal parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from inevitable.errors import InputError
from inevitable.experiments.compare import strategies_of, theories_of
from inevitable.scenarios.loader import Scenario


@dataclass(frozen=True)
class Factor:
    name: str
    prior: Any = None  # a prior with .ppf, for a parameter
    choices: tuple[str, ...] = ()  # for a discrete factor

    def value(self, u: float) -> Any:
        if self.choices:
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        v = float(self.prior.ppf(np.array([u]))[0])
        return v

    @property
    def discrete(self) -> bool:
        return bool(self.choices)


def factors(sc: Scenario, params: list[str] | None, strategies: list[str] | bool | None,
            theories: list[str] | bool | None = None) -> list[Factor]:
    """Parameters with priors (all of them when ``params`` is None), then the
    strategy and theory as discrete factors when asked for."""
    names = list(params) if params else sorted(sc.priors)
    out = []
    for name in names:
        if name not in sc.decls:
            raise InputError(f"unknown parameter '{name}'", "--params")
        if name not in sc.priors:
            raise InputError(f"parameter '{name}' has no prior to sample from", "--params")
        out.append(Factor(name, prior=sc.priors[name]))
    if strategies:
        known = strategies_of(sc)
        chosen = known if strategies is True else list(strategies)
        for s in chosen:
            if s not in known:
                raise InputError(f"unknown strategy '{s}'", "--strategies")
        out.append(Factor("strategy", choices=tuple(chosen)))
    if theories:
        known_t = theories_of(sc)
        chosen_t = known_t if theories is True else list(theories)
        if chosen_t == [None]:
            raise InputError(f"scenario '{sc.name}' has no theories", "--theories")
        out.append(Factor("theory", choices=tuple(chosen_t)))
    if not out:
        raise InputError("nothing to vary: give parameters with priors or strategies")
    return out


def to_params(sc: Scenario, fs: list[Factor], row: np.ndarray) -> dict[str, Any]:
    out = {}
    for f, u in zip(fs, row, strict=True):
        v = f.value(float(u))
        decl = sc.decls.get(f.name)
        if decl is not None and decl.kind == "int":
            v = round(v)
        out[f.name] = v
    return sc.check_overrides(out)
