"""Repression: arrests of the visible, and the fear they leave behind.

The political police's capacity grows with the Centre's hold on the
apparatus (bureaucratic consolidation) and with war scares. Each month it
falls on those who act in public: strikers, open supporters of the
Opposition (members among them are expelled) and, once the Opposition's
leaders are expelled, its cadre. The arrested sit out their term; the fear
it spreads is felt by their workmates next month (``mobilisation``).

A split prepared before the blow shelters the cadre after it (Marot's advice
to prepare a split and a new party): once the leaders are out, the hunt
falls on the cadre reduced by ``split_shelter`` times the share of the
organisation that ``cadre`` has made clandestine (as it stood last month).
Before the expulsion the preparation itself is what the police hunt, and it
is not sheltered.
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet.kernels import C_ACTING, C_N, repress


@register
class Repression(Mechanism):
    name = "repression"
    claims = ("marot-not-naturally-submissive", "cliff-1923-arrests-and-denunciation",
              "marot-should-prepare-split")
    params = {
        "repression_on": k.switch("repression", "arrests and the fear they leave"),
        "police_1923": Param(0.05, "float", low=0.0, high=1.0, prior=Uniform(low=0.01, high=0.15),
                             doc="monthly arrest chance of a fully visible person, 1923",
                             assumption=True, source="no measure; wide prior"),
        "police_growth": Param(2.0, "float", low=0.0, high=20.0, prior=Uniform(low=0.0, high=5.0),
                               doc="growth of police capacity per unit of apparatus control",
                               assumption=True, source="DESIGN: capacity grows with "
                               "bureaucratic consolidation; size unknown"),
        "threat_response": Param(5.0, "float", low=0.0, high=100.0,
                                 prior=Uniform(low=0.0, high=15.0),
                                 doc="growth of police capacity per unit share of people "
                                     "openly backing the Opposition", assumption=True,
                                 source="Stalin (1927): the cadres can be removed only by civil "
                                        "war (as the review quotes him); size unknown",
                                 claim=("stalin-cadres-only-by-civil-war",)),
        "strike_visibility": Param(0.3, "float", low=0.0, high=1.0,
                                   prior=Uniform(low=0.05, high=0.6),
                                   doc="how visible a striker is to the police", assumption=True,
                                   source="the review: ringleaders of 1923 arrested"),
        "support_visibility": Param(0.05, "float", low=0.0, high=1.0,
                                    prior=Uniform(low=0.01, high=0.2),
                                    doc="how visible an open supporter of the Opposition is",
                                    assumption=True, source="no measure"),
        "cadre_hunt": Param(1.0, "float", low=0.0, high=5.0, prior=Uniform(low=0.1, high=2.0),
                            doc="visibility of Opposition cadre once its leaders are expelled",
                            assumption=True, source="mass arrests and exile from Nov 1927 "
                                                    "(research notes); rate unknown"),
        "split_shelter": Param(0.5, "float", low=0.0, high=1.0, prior=Uniform(low=0.0, high=1.0),
                               doc="once the leaders are expelled, the share of the hunt on "
                                   "the cadre that an organisation fully prepared for a split "
                                   "escapes (its members are hunted at cadre_hunt x (1 - this "
                                   "x the share prepared))",
                               assumption=True,
                               source="no measure; Marot, ATC 52 (1994), 'Lessons of Defeat': "
                                      "prepare a split and a new party; 0 is the reading in "
                                      "which a prepared organisation is no harder to find",
                               claim=("marot-should-prepare-split",)),
        "jail_months": Param(12, "int", unit="months", low=1, high=200,
                             prior=Uniform(low=3, high=36),
                             doc="longest term (terms are uniform from 1 month)",
                             assumption=True, source="three-year banishment of 52 in Jan 1928 "
                                                     "(press); terms varied"),
    }
    series = {
        "arrests": Output("arrests this month (real count)", "people"),
        "expelled": Output("cumulative members expelled after arrest (real count)", "people"),
        "police": Output("police capacity (arrest chance of a fully visible person)"),
    }

    def init(self, sim) -> None:
        n_wp = sim.state[k.WP_CITY].shape[0]
        self.wp_arrests = self.alloc("wp_arrests", n_wp, np.float32)
        self.arrests_city = self.alloc("arrests_city", 3, np.float64)
        self.police = self.alloc("police", (), np.float64,
                                 self.p.police_1923 if self.p.repression_on else 0.0)
        self.expelled = self.alloc("expelled", (), np.float64)
        self.cadre_arrests = self.alloc("cadre_arrests", (), np.float64)  # after the expulsion

    def step(self, sim) -> None:
        p = self.p
        st = sim.state
        if not p.repression_on:
            self.police[()] = 0.0
            return
        control = float(st[k.MACHINE][k.CENTRE])
        stats = st[k.CITY_STATS][3]
        open_support = stats[C_ACTING] / max(stats[C_N], 1.0)
        # the regime answers a rising movement with more police
        self.police[()] = min(1.0, p.police_1923 * (1.0 + p.police_growth * control)
                              * (1.0 + float(st[k.WAR_SCARE]))
                              * (1.0 + p.threat_response * open_support))
        # cadre are hunted once the leaders are out (less, the more of the organisation a
        # split prepared: last month's share), and while a split is prepared
        split = st[k.LEVELS][k.A["prepare_split"]]
        sheltered = 1.0 - p.split_shelter * float(st[k.SPLIT_PREPARED])
        hunt = p.cadre_hunt * (sheltered if st[k.EXPELLED_LEADERS] > 0 else 0.5 * split)
        out = np.zeros(2)
        repress(st[k.P_ROLE], st[k.P_CITY], st[k.P_WORKPLACE], st[k.P_ACTING], st[k.P_JAIL],
                st[k.P_FEAR], st[k.P_CADRE], st[k.P_EMPLOY], self.wp_arrests,
                float(sim.p.workplace_size), self.stream("arrest").key, sim.t,
                float(self.police), p.strike_visibility, p.support_visibility, hunt,
                float(p.jail_months), self.arrests_city, out)
        self.expelled[()] += out[0] * sim.p.scale
        if st[k.EXPELLED_LEADERS] > 0:
            self.cadre_arrests[()] += out[1]

    def record(self, sim):
        return {"arrests": float(self.arrests_city.sum()) * sim.p.scale,
                "expelled": float(self.expelled), "police": float(self.police)}
