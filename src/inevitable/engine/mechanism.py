"""The mechanism: the unit a model is built from.

A mechanism declares, in one place, its parameters (with unit, prior, source
and claim), the series it records each step and the values it reports at the
end. It keeps all of its mutable state in arrays it allocates from the
simulation, so that a snapshot is complete by construction; after ``init``
it cannot rebind attributes, and it reaches randomness only through named
streams (``self.stream("name")``), so common random numbers cannot be broken
by accident.

Lifecycle per run: ``init`` once at step 0, then per step ``step`` (in model
order, with ``sim.t`` already advanced to the new step), then ``record``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from inevitable.engine.params import Param

if TYPE_CHECKING:
    from inevitable.engine.rng import Stream
    from inevitable.engine.sim import Sim


@dataclass(frozen=True)
class Output:
    """A declared series (one value per step) or final value."""

    doc: str = ""
    unit: str = ""
    dtype: str = "float64"


class Mechanism:
    """Base class; subclasses fill the class-level declarations.

    ``claims`` lists the ids of the claims (in a scenario's ledger) that this
    mechanism encodes; it is empty for the validation models.
    """

    name: ClassVar[str] = ""
    claims: ClassVar[tuple[str, ...]] = ()
    params: ClassVar[dict[str, Param]] = {}
    series: ClassVar[dict[str, Output]] = {}
    finals: ClassVar[dict[str, Output]] = {}

    _frozen: bool = False

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.p = sim.p

    # -- the hooks a mechanism implements ---------------------------------
    def init(self, sim: Sim) -> None:
        """Allocate state and draw initial conditions (at step 0)."""

    def step(self, sim: Sim) -> None:
        """Advance the state from step ``sim.t - 1`` to step ``sim.t``."""

    def record(self, sim: Sim) -> dict[str, Any]:
        """The declared series' values at step ``sim.t``."""
        return {}

    def finalize(self, sim: Sim) -> dict[str, Any]:
        """The declared final values, after the last step."""
        return {}

    # -- the services it may use -------------------------------------------
    def alloc(
        self, name: str, shape: int | tuple[int, ...], dtype: Any, fill: Any = 0
    ) -> np.ndarray:
        """A preallocated state array, saved in snapshots under ``<mechanism>.<name>``."""
        return self.sim.alloc(f"{self.name}.{name}", shape, dtype, fill)

    def stream(self, name: str) -> Stream:
        """The named random stream ``<mechanism>.<name>`` of this run."""
        return self.sim.stream(f"{self.name}.{name}")

    def __setattr__(self, key: str, value: Any) -> None:
        if self._frozen and self.__dict__.get(key) is not value:
            # In-place operators (a |= b) rebind the same array: allowed.
            raise AttributeError(
                f"mechanism '{self.name}' tried to set '{key}' after init: keep mutable state "
                "in arrays from self.alloc() so that snapshots capture it"
            )
        object.__setattr__(self, key, value)

    def freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)
