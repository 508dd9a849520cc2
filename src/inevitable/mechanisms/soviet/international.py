"""The international arena: revolutionary situations, the Comintern's line,
and what their outcomes do to workers' hopes at home.

A situation opened by an event (Germany 1923, Britain 1926, China 1925-27)
succeeds each month it is open with a small chance that depends on the
Comintern's line; the Opposition improves the line only by pressing its
demands (the Anglo-Russian Committee, the Communists inside the Kuomintang)
with weight in the party behind them (Marot, note 2). A situation that
closes without success is a defeat that lowers workers' hopes; hope feeds
private sympathy for an internationalist opposition.
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k

SITUATIONS = ("germany", "britain", "china")


@register
class International(Mechanism):
    name = "international"
    claims = ("marot-note2-trading-demands", "cliff-12-backwardness-isolation")
    params = {
        "theory": k.THEORY,
        "international_on": k.switch("international", "revolutionary situations and hope"),
        "success_chance": Param(0.01, "float", unit="per month", low=0.0, high=1.0,
                                prior=Uniform(low=0.0, high=0.05),
                                doc="monthly chance a full-strength situation succeeds under "
                                    "the Comintern's own line", assumption=True,
                                source="no measure; the three situations all failed"),
        "demand_effect": Param(1.0, "float", low=0.0, high=10.0,
                               prior=Uniform(low=0.0, high=3.0),
                               doc="how much the Opposition's pressed demands, with weight "
                                   "behind them, multiply that chance", assumption=True,
                               source="Marot note 2 (claim); size unknown", claim=(
                                   "marot-note2-trading-demands",)),
        "defeat_hope_loss": Param(0.15, "float", low=0.0, high=1.0,
                                  prior=Uniform(low=0.0, high=0.3),
                                  doc="fall in workers' hope after a defeat abroad",
                                  assumption=True, source="Cliff (12) as reported by Marot: "
                                  "defeats abroad weakened the class; size unknown"),
        "success_hope_gain": Param(0.3, "float", low=0.0, high=1.0,
                                   prior=Uniform(low=0.1, high=0.5),
                                   doc="rise in hope after a success abroad", assumption=True,
                                   source="no measure"),
    }
    series = {
        "hope": Output("workers' hope in the revolution abroad (0-1)"),
        "comintern_line": Output("quality of the line this month (multiplier)"),
    }
    finals = {f"{s}_outcome": Output(f"1 if the {s} situation succeeded, 0 if it was defeated, "
                                     "-1 if it never opened") for s in SITUATIONS}

    def init(self, sim) -> None:
        self.hope = self.alloc("hope", (), np.float64, 0.5)
        self.line = self.alloc("line", (), np.float64, 1.0)
        self.strength = self.alloc("strength", len(SITUATIONS), np.float64)
        self.outcome = self.alloc("outcome", len(SITUATIONS), np.int8, -1)
        self._open_or_close(sim, 0)

    def _open_or_close(self, sim, step: int) -> list[int]:
        """Apply the situations' events at ``step``; return those closing now."""
        closing = []
        for event in k.events_at(sim, step):
            s = event.get("set", {})
            name = s.get("revolutionary_situation")
            if name in SITUATIONS:
                j = SITUATIONS.index(name)
                strength = float(s.get("situation_strength", 1.0))
                self.strength[j] = strength
                if strength > 0 and self.outcome[j] == -1:
                    self.outcome[j] = -2  # open
                elif strength <= 0 and self.outcome[j] == -2:
                    closing.append(j)
        return closing

    def step(self, sim) -> None:
        p = self.p
        # a situation is open while an event holds its strength above zero;
        # closing it without a success is a defeat
        closing = self._open_or_close(sim, sim.t)
        if not p.international_on:
            for j in closing:
                self.outcome[j] = 0
            return
        levels = sim.state[k.LEVELS]
        weight = min(1.0, float(sim.state[k.CITY_STATS][3, 6]
                                / max(sim.state[k.CITY_STATS][3, 1], 1.0)) / 0.2)
        # N: the Opposition's demands do not move the line (its voice reaches nobody)
        pressure = k.voice(p.theory) * levels[k.A["hold_demands"]] * weight
        self.line[()] = 1.0 + p.demand_effect * pressure
        u = self.stream("success").uniform(len(SITUATIONS))
        for j in range(len(SITUATIONS)):
            if self.outcome[j] != -2:
                continue
            if j in closing:
                self.outcome[j] = 0
                self.hope[()] = k.clip01(float(self.hope) - p.defeat_hope_loss)
            elif u[j] < p.success_chance * self.strength[j] * float(self.line):
                self.outcome[j] = 1
                self.hope[()] = k.clip01(float(self.hope) + p.success_hope_gain)

    def record(self, sim):
        return {"hope": float(self.hope), "comintern_line": float(self.line)}

    def finalize(self, sim):
        return {f"{s}_outcome": int(max(self.outcome[j], -1) if self.outcome[j] != -2 else 0)
                for j, s in enumerate(SITUATIONS)}
