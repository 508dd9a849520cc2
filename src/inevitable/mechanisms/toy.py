"""A toy scenario with a known answer, to test the experiments.

Each step a resisting or yielding opposition is defeated with a known
hazard; resisting lowers it by ``effect`` (under theory ``B`` resisting does
nothing, like the flagship's null theory N). So every quantity the
experiments estimate has a closed form: the chance of defeat by step T under
a strategy adopted at step t is
``1 - (1 - h)^t * (1 - h * (1 - effect))^(T - t)``.
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register


@register
class Hazard(Mechanism):
    name = "toy-hazard"
    params = {
        "hazard": Param(0.05, "float", unit="per step", low=0.0, high=1.0,
                        prior=Uniform(low=0.0, high=0.1), doc="chance of defeat each step",
                        source="toy model (definition)"),
        "effect": Param(0.6, "float", low=0.0, high=1.0, prior=Uniform(low=0.0, high=1.0),
                        doc="share of the hazard that resisting removes",
                        source="toy model (definition)"),
        "strategy": Param("yield", "choice", choices=("yield", "resist"),
                          doc="what the opposition does", source="toy model (definition)"),
        "theory": Param("A", "choice", choices=("A", "B"),
                        doc="A: resisting works; B: nothing the opposition does matters",
                        source="toy model (definition)"),
    }
    series = {"alive": Output("1 while the opposition stands")}
    finals = {"defeat": Output("1 if defeated by the last step"),
              "defeat_step": Output("step of defeat, -1 if none")}

    def init(self, sim) -> None:
        self.alive = self.alloc("alive", (), np.int8, 1)
        self.when = self.alloc("when", (), np.int64, -1)

    def step(self, sim) -> None:
        p = self.p
        if not self.alive:
            return
        h = p.hazard
        if p.strategy == "resist" and p.theory == "A":
            h *= 1.0 - p.effect
        if self.stream("defeat").uniform(1)[0] < h:
            self.alive[()] = 0
            self.when[()] = sim.t

    def record(self, sim):
        return {"alive": float(self.alive)}

    def finalize(self, sim):
        return {"defeat": int(self.alive == 0), "defeat_step": int(self.when)}


def defeat_chance(hazard: float, effect: float, steps: int, resist_from: int | None) -> float:
    """The exact chance of defeat by ``steps`` when resisting from ``resist_from`` on."""
    if resist_from is None:
        return 1.0 - (1.0 - hazard) ** steps
    resist_from = min(resist_from, steps)
    survive = (1.0 - hazard) ** resist_from * (1.0 - hazard * (1.0 - effect)) ** (
        steps - resist_from)
    return 1.0 - survive
