"""Outcomes: the expulsion of the leaders, defeat, survival, prevailing.

The apparatus expels the Opposition's leaders in answer to the threat it
measures: an open breach of the ban on factions (organising a faction,
demonstrating, preparing a split, each with its own weight) counts in
proportion to the Opposition's organised strength (its cadre, the signatures
it has gathered, its marchers) and to its leaders' standing. The threat is
remembered from one occasion to the next, and acted on once the Centre
controls enough of the apparatus and open support in the party is low enough
to make it safe, most often at a plenum or congress. The Fifteenth Congress
expelled the Opposition for factional work, not for a march, so organising
alone can bring expulsion. The Opposition is *defeated* once its leaders are
out and its organised cadre has fallen below a share of its peak (DESIGN
section 2). Every figure here is a definition or a prior; nothing dates the
defeat, and no theory changes this bookkeeping.
"""

from __future__ import annotations

import math

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.engine.timeline import month_index, parse_month
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet.chronicle import chronicle

# the actions that breach the ban on factions, and the parameter weighing each
BREACH = {"organise_faction": "breach_organise", "demonstrate": "breach_demonstrate",
          "prepare_split": "breach_split"}


@register
class Outcomes(Mechanism):
    name = "outcomes"
    chronicle = staticmethod(chronicle)
    claims = ("marot-fight-already-lost-1927", "cliff-277-objective-conditions")
    params = {
        "theory": k.THEORY,
        "expel_rate": Param(1.0, "float", unit="per month", low=0.0, high=1.0,
                            prior=Uniform(low=0.3, high=1.0),
                            doc="monthly chance of expulsion when all conditions fully hold",
                            assumption=True, source="no measure"),
        "expel_control": Param(0.7, "float", low=0.0, high=1.0, prior=Uniform(low=0.4, high=0.8),
                               doc="apparatus control at which expelling the leaders becomes "
                                   "possible", assumption=True,
                               source="the 1921 resolution on unity let a joint CC-CCC plenum "
                                      "expel a CC member by two thirds (so about 2/3 of "
                                      "posts); the model's posts are not the plenum: a prior"),
        "expel_support": Param(0.15, "float", low=0.0, high=1.0, prior=Uniform(low=0.02, high=0.3),
                               doc="open support among members above which expulsion is "
                                   "too costly", assumption=True, source="no measure"),
        "breach_organise": Param(0.3, "float", low=0.0, high=1.0,
                                 prior=Uniform(low=0.2, high=1.0),
                                 doc="weight of organising a faction (centres, secret meetings, "
                                     "signatures) as a breach of the ban on factions",
                                 assumption=True,
                                 source="the 15th Congress (Dec 1927) expelled 75 "
                                        "oppositionists for factional work (Felshtinsky & "
                                        "Chernyavsky); the weight itself is not measured"),
        "breach_demonstrate": Param(1.0, "float", low=0.0, high=1.0,
                                    prior=Uniform(low=0.5, high=1.0),
                                    doc="weight of a street demonstration as a breach",
                                    assumption=True,
                                    source="Trotsky and Zinoviev expelled on 14 Nov 1927, a "
                                           "week after the 7 November marches (Memorial; "
                                           "Broue); the weight is not measured"),
        "breach_split": Param(1.0, "float", low=0.0, high=1.0,
                              prior=Uniform(low=0.5, high=1.0),
                              doc="weight of preparing a split and a new party as a breach",
                              assumption=True,
                              source="no measure: the ban of 1921 made a second party the "
                                     "gravest breach"),
        "threat_size": Param(10000.0, "float", unit="people", low=1.0, high=1e6,
                             prior=Uniform(low=1000.0, high=20000.0),
                             doc="organised strength (cadre + signatures + marchers) at which "
                                 "a breach counts half as much as it can",
                             assumption=True,
                             source="the cadre of 1926 was 4,000-8,000 by the two sides' "
                                    "estimates (Broue ch. 31); the apparatus's scale is "
                                    "not measured"),
        "breach_memory": Param(0.8, "float", low=0.0, high=1.0, prior=Uniform(low=0.0, high=0.95),
                               doc="share of an open breach of discipline still held against "
                                   "the Opposition a month later", assumption=True,
                               source="no measure"),
        "gathering_factor": Param(3.0, "float", low=1.0, high=20.0,
                                  prior=Uniform(low=1.0, high=6.0),
                                  doc="expulsions are decided at plenums, conferences and "
                                      "congresses: the hazard's multiplier in those months",
                                  assumption=True, source="expulsions from the CC (Oct 1927 "
                                  "plenum) and the party (15th Congress, Dec 1927)"),
        "defeat_share": Param(0.5, "float", low=0.0, high=1.0,
                              doc="defeat: cadre below this share of its peak after expulsion",
                              source="definition (DESIGN section 2)"),
        "survival_share": Param(0.3, "float", low=0.0, high=1.0,
                                doc="survival: cadre at the end at least this share of its peak",
                                source="definition"),
        "cutoff": Param("1928-01", "month", doc="defeat counts if it comes by this month",
                        source="DESIGN section 2 (default 1928-01-31)"),
        "democracy_level": Param(0.5, "float", low=0.0, high=1.0,
                                 doc="prevailing: the Centre's share of posts falls below this "
                                     "share of its peak (posts elected again)",
                                 source="definition"),
    }
    series = {
        "leaders_expelled": Output("1 once the Opposition's leaders are expelled"),
        "defeated": Output("1 once the Opposition is defeated"),
        "deported": Output("cumulative cadre arrested after the leaders' expulsion", "people"),
    }
    finals = {
        "defeat": Output("1 if defeated by the cut-off month"),
        "defeat_month": Output("month index of defeat, -1 if none"),
        "expulsion_month": Output("month index of the leaders' expulsion, -1 if none"),
        "survival": Output("1 if the cadre ends at least survival_share of its peak"),
        "prevail": Output("1 if the Opposition won a gathering or the posts became elected"),
        "democracy_index": Output("(1 - apparatus control) x (1 - fear) at the end"),
        "consolidation_index": Output("apparatus control x (1 - open support) at the end"),
    }

    def init(self, sim) -> None:
        self.expelled_at = self.alloc("leaders_expelled", (), np.int64, 0)  # step+1, 0 = not
        self.defeat_at = self.alloc("defeat_at", (), np.int64, -1)
        self.prevailed = self.alloc("prevailed", (), np.int8, 0)
        self.deported = self.alloc("deported", (), np.float64)
        self.offence = self.alloc("offence", (), np.float64)

    def step(self, sim) -> None:
        p = self.p
        st = sim.state
        stats = st[k.CITY_STATS]
        member_support = stats[3, 6] / max(stats[3, 1], 1.0)
        control = float(st[k.MACHINE][k.CENTRE])
        if self.expelled_at == 0:
            chosen = st[k.CHOSEN]
            breach = min(1.0, sum(getattr(p, w) * chosen[k.A[a]] for a, w in BREACH.items()))
            counts = st["mobilisation.counts"]
            strength = float(st["cadre.count"]) + float(counts[2]) + float(counts[3])
            weight = strength / (strength + p.threat_size) + float(st["coalitions.prestige"])
            # the apparatus remembers an open breach until the next occasion
            self.offence[()] = max(float(self.offence) * p.breach_memory,
                                   min(1.0, breach * weight))
            organised = float(self.offence)
            ready = min(1.0, max(0.0, (control - p.expel_control) / (1.0 - p.expel_control)))
            if p.theory == "T":
                # T: a Centre swung left by the workers does not expel the Left
                ready *= 1.0 - min(1.0, max(0.0, float(st[k.POLICY])))
            # open support makes expulsion costlier, never impossible
            safe = math.exp(-member_support / p.expel_support)
            meets = k.gathering_now(sim)
            hazard = p.expel_rate * organised * ready * safe
            if meets:
                hazard = min(1.0, hazard * p.gathering_factor)
            if hazard > 0 and self.stream("expel").uniform(1)[0] < hazard:
                self.expelled_at[()] = sim.t + 1
        cadre, peak = float(st["cadre.count"]), float(st["cadre.peak"])
        if self.expelled_at > 0:
            # cadre lost to arrest since the expulsion: the deportations
            lost = st["repression.cadre_arrests"]
            self.deported[()] = float(lost) * sim.p.scale
            if self.defeat_at < 0 and (peak <= 0 or cadre < p.defeat_share * peak):
                self.defeat_at[()] = sim.t
        beaten = self.defeat_at >= 0
        if not beaten and st[k.GATHERING] > 0 and float(st["party.delegates"]) > 0.5:
            self.prevailed[()] = 1
        peak_control = float(st["coalitions.peak"][k.CENTRE])
        if not beaten and control < p.democracy_level * peak_control:
            self.prevailed[()] = 1  # most appointed posts are elected again

    def record(self, sim):
        return {"leaders_expelled": float(self.expelled_at > 0),
                "defeated": float(self.defeat_at >= 0), "deported": float(self.deported)}

    def finalize(self, sim):
        st = sim.state
        stats = st[k.CITY_STATS][3]
        control = float(st[k.MACHINE][k.CENTRE])
        start = month_index(*parse_month(sim.timeline.start))
        cutoff = month_index(*parse_month(self.p.cutoff)) - start
        cadre, peak = float(st["cadre.count"]), float(st["cadre.peak"])
        fear = stats[7] / max(stats[0], 1.0)
        support = stats[4] / max(stats[0], 1.0)
        return {
            "defeat": int(0 <= self.defeat_at <= cutoff),
            "defeat_month": int(self.defeat_at),
            "expulsion_month": int(self.expelled_at) - 1,
            "survival": int(peak > 0 and cadre >= self.p.survival_share * peak),
            "prevail": int(self.prevailed),
            "democracy_index": (1.0 - control) * (1.0 - fear),
            "consolidation_index": control * (1.0 - support),
        }
