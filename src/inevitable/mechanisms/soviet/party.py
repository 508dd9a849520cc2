"""The party: levies that dilute it, cells and delegates, votes at gatherings.

Recruitment runs at a low rate, and at a high one during the levies that the
scenario's events date (the Lenin enrollment of 1924 and later ones); the
apparatus admits workers who do not sympathise with the Opposition, so each
levy adds members whose livelihood and promotion hang on it (Marot: a
servile, career-seeking rank and file).

Delegates to a gathering come from two sources: the factions' machines send
their own, and the elected remainder follow their cells, where a cell goes
to the Opposition only if most of its members stand with it in public. So
what the Opposition gets at a congress is what survives fear, dependence
and appointment, not its private sympathy.
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet.kernels import C_MEMBERS, OUTSIDE, SUPPORT, WORKER, admit


@register
class Party(Mechanism):
    name = "party"
    claims = ("marot-error-appealing-to-party", "cliff-17-impossible-barriers")
    params = {
        "recruitment_on": k.switch("recruitment", "the party admits new members"),
        "recruit_rate": Param(0.0015, "float", unit="per month", low=0.0, high=1.0,
                              prior=Uniform(low=0.0, high=0.003),
                              doc="share of non-party workers admitted in an ordinary month",
                              assumption=True, source="no measure; calibrated on membership"),
        "levy_rate": Param(0.02, "float", unit="per month", low=0.0, high=1.0,
                           prior=Uniform(low=0.01, high=0.06),
                           doc="share of non-party workers admitted per month of a levy",
                           assumption=True,
                           source="calibrated on the Lenin enrollment: 241,600 admitted in "
                                  "Feb-May 1924 (Great Soviet Encyclopedia)"),
        "outside_ratio": Param(0.1, "float", low=0.0, high=10.0,
                               prior=Uniform(low=0.0, high=0.3),
                               doc="admission chance of non-workers relative to workers",
                               source="92.4% of Lenin-enrollment admissions were workers "
                                      "(Great Soviet Encyclopedia)"),
        "screen_sympathy": Param(0.5, "float", low=0.0, high=1.0,
                                 prior=Uniform(low=0.3, high=1.0),
                                 doc="the apparatus admits only those with sympathy below this",
                                 assumption=True, source="no measure"),
    }
    series = {
        "members": Output("party members and candidates", "people"),
        "recruits": Output("admitted this month", "people"),
        "gathering": Output("1 in a month with a conference or congress (plenums elect no "
                            "delegates; outcomes treats them as decision points too)"),
        "opposition_delegates": Output("Opposition's share of voting delegates at the last "
                                       "gathering", "fraction"),
        "cells_with_opposition": Output("share of cells where most members openly back the "
                                        "Opposition, at the last gathering", "fraction"),
    }
    finals = {"lenin_enrollment": Output("admitted during the first levy", "people")}

    def init(self, sim) -> None:
        self.levy = self.alloc("levy", (), np.float64)
        self.gathering = self.alloc("gathering", (), np.float64)
        self.recruits = self.alloc("recruits", (), np.float64)
        self.delegates = self.alloc("delegates", (), np.float64)
        self.cells = self.alloc("cells", (), np.float64)
        self.first_levy = self.alloc("first_levy", 2, np.float64)  # admitted, state (0,1,2)
        self.members0 = self.alloc("members0", (), np.float64)
        role = sim.state[k.P_ROLE]
        self.members0[()] = float(np.count_nonzero((role != WORKER) & (role != OUTSIDE)))

    def step(self, sim) -> None:
        p = self.p
        self.gathering[()] = 0.0  # a gathering lasts its month; a levy lasts until closed
        for event in k.events_at(sim, sim.t):
            s = event.get("set", {})
            if "levy" in s:
                self.levy[()] = float(s["levy"])
            if s.get("gathering") in ("conference", "congress"):
                self.gathering[()] = 1.0
        out = np.zeros(1)
        rate = p.recruit_rate + p.levy_rate * float(self.levy)
        if p.recruitment_on and rate > 0:
            st = sim.state
            admit(st[k.P_ROLE], st[k.P_EMPLOY], st[k.P_SYMPATHY], sim.p.workplace_size,
                  self.stream("admit").key, sim.t, rate, rate * p.outside_ratio,
                  p.screen_sympathy, out)
        self.recruits[()] = out[0]
        if self.gathering > 0:
            # the delegates vote as the cells stood when they were chosen (last month),
            # so the outcomes mechanism sees this gathering's result in the same month
            self._vote(sim)
        # the first levy's total, for the Lenin enrollment target
        if self.levy > 0 and self.first_levy[1] < 2:
            self.first_levy[0] += out[0]
            self.first_levy[1] = 1
        elif self.first_levy[1] == 1:
            self.first_levy[1] = 2

    def record(self, sim):
        stats = sim.state[k.CITY_STATS]
        members = stats[3, C_MEMBERS] if sim.t > 0 else float(self.members0)
        return {"members": members * self.p.scale, "recruits": float(self.recruits) * self.p.scale,
                "gathering": float(self.gathering), "opposition_delegates": float(self.delegates),
                "cells_with_opposition": float(self.cells)}

    def _vote(self, sim) -> None:
        """Delegates: the machines' own, plus elected ones who follow their cells."""
        st = sim.state
        role, acting, wp = st[k.P_ROLE], st[k.P_ACTING], st[k.P_WORKPLACE]
        member = (role != WORKER) & (role != OUTSIDE) & (st[k.P_JAIL] == 0)
        n_wp = st[k.WP_CITY].shape[0]
        members = np.bincount(wp[member], minlength=n_wp)
        backing = np.bincount(wp[member & ((acting & SUPPORT) > 0)], minlength=n_wp)
        has = members > 0
        cells = float(np.mean(backing[has] * 2 > members[has])) if has.any() else 0.0
        machine, aligned = st[k.MACHINE], st[k.ALIGNED]
        elected = max(0.0, 1.0 - machine.sum())
        opposition = [f for f in (k.LEFT, k.LENINGRAD_GROUP) if aligned[f] == 0]
        self.cells[()] = cells
        self.delegates[()] = sum(machine[f] for f in opposition) + elected * cells

    def finalize(self, sim):
        return {"lenin_enrollment": float(self.first_levy[0]) * self.p.scale}
