"""The economy as workers and the leadership meet it: exogenous inputs.

Hardship by city, unemployment, the grain shortfall, the NEPmen's weight and
Lenin's presence come from the scenario's dated events; nothing here is a
consequence of the struggle except the NEPmen's weight, which grows while
policy stays with the market (DESIGN section 3: peasants and NEPmen as
aggregates that press on policy).
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k


@register
class Economy(Mechanism):
    name = "economy"
    claims = ("cliff-12-backwardness-isolation",)
    params = {
        "shock_effect": Param(1.0, "float", low=0.0, high=5.0, prior=Uniform(low=0.5, high=2.0),
                              doc="hardship multiplier per unit of an event's economic_shock "
                                  "(the events' magnitudes are themselves assumptions)",
                              assumption=True, source="no measure; wide prior"),
        "wage_elasticity": Param(0.5, "float", low=0.0, high=3.0,
                                 prior=Uniform(low=0.0, high=1.5),
                                 doc="hardship multiplier per unit fall of the real wage index",
                                 assumption=True, source="no measure; wide prior"),
        "nepmen_growth": Param(0.02, "float", unit="per month", low=0.0, high=1.0,
                               prior=Uniform(low=0.0, high=0.05),
                               doc="growth of the NEPmen's and kulaks' weight under market policy",
                               assumption=True, source="no measure; wide prior"),
    }
    series = {
        "hardship_index": Output("hardship multiplier, average of the cities"),
        "unemployment_rate": Output("registered unemployed / workforce", "fraction"),
        "grain_shortfall": Output("grain procurement shortfall (0-1)"),
        "nepmen": Output("weight of NEPmen and kulaks in the market (0-1)"),
    }

    def init(self, sim) -> None:
        self.hardship_city = self.alloc("hardship_city", 3, np.float64, 1.0)
        self.shock = self.alloc("shock", 3, np.float64)
        self.wage = self.alloc("wage", (), np.float64, 1.0)
        self.unemployment = self.alloc("unemployment", (), np.float64, 0.2)
        self.grain = self.alloc("grain_shortfall", (), np.float64)
        self.nepmen = self.alloc("nepmen", (), np.float64, 0.3)
        self.lenin = self.alloc("lenin_active", (), np.float64, 1.0)
        self.war_scare = self.alloc("war_scare", (), np.float64)
        self._apply(sim, 0)

    def _apply(self, sim, step: int) -> None:
        p = self.p
        # events set levels that hold until the next event of the same kind
        for event in k.events_at(sim, step):
            s = event.get("set", {})
            if "economic_shock" in s:
                cities = s.get("cities", list(k.CITIES))
                for c in cities:
                    self.shock[k.CITIES.index(c)] = float(s["economic_shock"])
            if "unemployment" in s:
                self.unemployment[()] = min(0.9, float(s["unemployment"]) / sim.p.workforce)
            if "real_wage_index" in s:
                self.wage[()] = float(s["real_wage_index"])
            if "grain_shortfall" in s:
                self.grain[()] = float(s["grain_shortfall"])
            if "lenin_active" in s:
                self.lenin[()] = 1.0 if s["lenin_active"] else 0.0
            if "war_scare" in s:
                self.war_scare[()] = float(s["war_scare"])
        wage_factor = 1.0 + p.wage_elasticity * max(0.0, 1.0 - float(self.wage))
        self.hardship_city[:] = wage_factor * (1.0 + p.shock_effect * self.shock)

    def step(self, sim) -> None:
        self._apply(sim, sim.t)
        policy = float(sim.state[k.POLICY])
        # NEP's market lets private traders and richer peasants gain ground;
        # a turn to the plan squeezes them
        drift = self.p.nepmen_growth * (1.0 - self.nepmen) if policy <= 0.2 \
            else -2 * self.p.nepmen_growth * self.nepmen * policy
        self.nepmen[()] = k.clip01(float(self.nepmen) + drift)

    def record(self, sim):
        return {"hardship_index": float(self.hardship_city.mean()),
                "unemployment_rate": float(self.unemployment),
                "grain_shortfall": float(self.grain), "nepmen": float(self.nepmen)}
