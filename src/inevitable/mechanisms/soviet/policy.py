"""The leadership's policy: where the theories part ways.

``policy_left`` runs from -1 (market, concessions to kulaks and NEPmen) to
+1 (forced industrialisation and collectivisation); the "left turn" is the
first month it passes ``left_turn_level``.

* T (Trotsky): the Centre has no line of its own; policy drifts towards the
  balance of outside pressures. Workers' open mobilisation pulls left; the
  NEPmen and a grain shortfall short of crisis pull right (concessions to
  get the grain in); a grain crisis, the kulak's strike against the state,
  pushes the Centre left to save itself (Trotsky's reading of 1928).
* C (Cliff): the bureaucracy acts for its own accumulation and control; it
  keeps the market while it still needs allies against the Left, and turns
  left on its own once the Left is no threat and a grain crisis makes the
  turn serve it.
* N (null): as C, the bureaucracy's interest; only the Opposition's
  feedback is cut (in ``strategy``).
"""

from __future__ import annotations

import math

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k


@register
class Policy(Mechanism):
    name = "policy"
    claims = ("trotsky-centre-swings", "cliff-15-bureaucracy-ruling-class",
              "cliff-left-turn-refutes-t")
    params = {
        "theory": k.THEORY,
        "policy_on": k.switch("policy", "the leadership changes policy"),
        "policy_rate": Param(0.2, "float", unit="per month", low=0.0, high=1.0,
                             prior=Uniform(low=0.05, high=0.5),
                             doc="how fast policy moves towards its target", assumption=True,
                             source="no measure"),
        "left_turn_level": Param(0.5, "float", low=0.0, high=1.0,
                                 doc="policy level that counts as the left turn",
                                 source="definition (outcome)"),
        "worker_pull": Param(3.0, "float", low=0.0, high=50.0, prior=Uniform(low=0.5, high=10.0),
                             doc="T: pull of workers' open mobilisation towards the left",
                             assumption=True, source="Trotsky's theory (form); size unknown"),
        "peasant_pull": Param(1.5, "float", low=0.0, high=50.0, prior=Uniform(low=0.5, high=5.0),
                              doc="T: pull of the NEPmen and of a grain shortfall short of "
                                  "crisis towards the right",
                              assumption=True, source="Trotsky's theory (form); size unknown"),
        "crisis_pull": Param(2.0, "float", low=0.0, high=50.0, prior=Uniform(low=0.0, high=5.0),
                             doc="T: push of a grain crisis (the kulak's grain strike) "
                                 "towards the left", assumption=True,
                             source="Trotsky's reading of the 1928 turn (form); size unknown",
                             claim=("trotsky-centre-swings",)),
        "grain_crisis": Param(0.25, "float", low=0.0, high=1.0, prior=Uniform(low=0.1, high=0.4),
                              doc="shortfall that makes a crisis: under C turning on the "
                                  "peasantry then serves the bureaucracy's accumulation, under "
                                  "T the kulak's pressure drives the Centre left",
                              assumption=True,
                              source="the 1927-28 procurement crisis (128M poods short, Stalin "
                                     "13 Feb 1928); the threshold is unknown"),
        "threat_support": Param(0.02, "float", low=0.0, high=1.0,
                                prior=Uniform(low=0.005, high=0.1),
                                doc="C: open support among members below which the Left is no "
                                    "threat", assumption=True, source="no measure"),
    }
    series = {"policy_left": Output("policy position, -1 market .. +1 plan and collectivisation")}
    finals = {"left_turn_month": Output("month index of the left turn, -1 if none")}

    def init(self, sim) -> None:
        self.left = self.alloc("left", (), np.float64)
        self.turn = self.alloc("turn", (), np.int64, -1)

    def step(self, sim) -> None:
        p = self.p
        if not p.policy_on:
            return
        st = sim.state
        stats = st[k.CITY_STATS]
        grain = float(st[k.GRAIN])
        nepmen = float(st[k.NEPMEN])
        if p.theory == "T":
            workers = stats[3, 4] / max(stats[3, 0], 1.0) + stats[3, 5] / max(stats[3, 8], 1.0)
            crisis = 1.0 if grain >= p.grain_crisis else 0.0
            target = math.tanh(p.worker_pull * workers + p.crisis_pull * crisis
                               - p.peasant_pull * ((1.0 - crisis) * grain + 0.5 * nepmen))
        else:
            member_support = stats[3, 6] / max(stats[3, 1], 1.0)
            left_beaten = st[k.EXPELLED_LEADERS] > 0 or member_support < p.threat_support
            target = 1.0 if (left_beaten and grain >= p.grain_crisis) else -0.2 * nepmen
        self.left[()] = float(self.left) + p.policy_rate * (target - float(self.left))
        if self.turn < 0 and self.left >= p.left_turn_level:
            self.turn[()] = sim.t

    def record(self, sim):
        return {"policy_left": float(self.left)}

    def finalize(self, sim):
        return {"left_turn_month": int(self.turn)}
