"""A toy scenario with a known answer, to test the experiments.

Each step a resisting or yielding opposition is defeated with a known
hazard; resisting lowers it by ``effect`` (under theory ``B`` resisting does
nothing, like the flagship's null theory N). So every quantity the
experiments estimate has a closed form: the chance of defeat by step T under
a strategy adopted at step t is
``1 - (1 - h)^t * (1 - h * (1 - effect))^(T - t)``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from inevitable.engine.jitcache import follow
from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register, register_runner
from inevitable.engine.rng import stream_key, uniform


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


@nb.njit(cache=True)
def _hazard_runs(hazard, effect, resists, key, branch_at, steps, alive_out, when_out):
    """``Hazard`` stepped for many runs; columns 0/1 of the parameters: before/after a branch."""
    for r in range(hazard.shape[0]):
        alive = 1
        when = -1
        alive_out[r, 0] = 1.0
        for t in range(1, steps + 1):
            c = 0 if t <= branch_at[r] else 1
            if alive:
                h = hazard[r, c]
                if resists[r, c]:
                    h *= 1.0 - effect[r, c]
                if uniform(key[r], t, 0, 0) < h:
                    alive = 0
                    when = t
            alive_out[r, t] = float(alive)
        when_out[r] = when


def run_compiled(sc, runs) -> list[tuple[dict[str, np.ndarray], dict]]:
    """The toy's compiled runner: the same bits as stepping ``Hazard`` in a Sim."""
    n = len(runs)
    steps = sc.timeline.steps
    hazard, effect = np.zeros((n, 2)), np.zeros((n, 2))
    resists = np.zeros((n, 2), dtype=np.bool_)
    key = np.zeros(n, dtype=np.uint64)
    branch_at = np.full(n, steps + 1, dtype=np.int64)
    for r, (seed, params, branch, branch_params) in enumerate(runs):
        before = {**sc.values, **sc.check_overrides(params or {})}
        after = {**before, **sc.check_overrides(branch_params or {})}
        for c, v in enumerate((before, after)):
            hazard[r, c], effect[r, c] = v["hazard"], v["effect"]
            resists[r, c] = v["strategy"] == "resist" and v["theory"] == "A"
        key[r] = stream_key(seed, "toy-hazard.defeat")
        if branch is not None:
            branch_at[r] = int(branch)
    alive = np.zeros((n, steps + 1))
    when = np.zeros(n, dtype=np.int64)
    _hazard_runs(hazard, effect, resists, key, branch_at, steps, alive, when)
    return [({"alive": alive[r]},
             {"alive": float(alive[r, steps]), "defeat": int(alive[r, steps] == 0),
              "defeat_step": int(when[r])}) for r in range(n)]


register_runner(("toy-hazard",), run_compiled)
follow(__name__, "inevitable.engine.rng")
