"""The Opposition's cadre: recruited in action, lost in abstention.

Open supporters with strong private sympathy join the organised cadre, at a
base rate and faster when the Opposition builds a faction or appeals to
workers, and slower the bigger the organisation already is (recruitment
saturates). Cadre drift away at a base rate and faster while the Opposition
makes them abstain from action (Cliff p. 19: cadres cannot be kept if they
must abstain); they capitulate the more their livelihood hangs on the
apparatus, much more once the leaders are expelled, and more again once the
leadership turns left and takes up part of the Opposition's programme (the
capitulations of 1929).

A split prepared in time is an organisation outside the party (Marot: once
the apparatus holds the party, lead a faction fight ready to split and found
a new party). While the Opposition prepares a split, a share of its
organisation is made clandestine each month (``split_build`` times the
level), and the share built stays. Once the leaders are expelled the
prepared organisation keeps recruiting among sympathising non-party workers
outside the party (``split_recruit`` times the share prepared), and
``repression`` hunts it less (``split_shelter``). Neither the breach nor the
hunt of the preparation itself is spared. Both benefits are assumptions
whose priors reach zero, so "a split helps nothing" stays a possible world.
The channel is organisation, not voice: like all joining it acts under every
theory, N included (N cuts only what the Opposition's deeds do to sympathy
and fear).
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet.kernels import organise


@register
class Cadre(Mechanism):
    name = "cadre"
    claims = ("cliff-19-cadres-need-action", "cliff-19-dilemma", "marot-should-prepare-split")
    params = {
        "retention_on": k.switch("cadre retention", "abstention costs cadre",
                                 claim=("cliff-19-cadres-need-action",)),
        "join_base": Param(0.01, "float", unit="per month", low=0.0, high=1.0,
                           prior=Uniform(low=0.0, high=0.03),
                           doc="chance an open, convinced supporter joins the cadre unasked",
                           assumption=True, source="no measure"),
        "join_organised": Param(0.03, "float", unit="per month", low=0.0, high=1.0,
                                prior=Uniform(low=0.02, high=0.3),
                                doc="extra chance when the Opposition organises a faction",
                                assumption=True, source="calibrated on 4,000-20,000 cadre in "
                                                        "1926 (Broue; Deutscher)"),
        "join_sympathy": Param(0.6, "float", low=0.0, high=1.0, prior=Uniform(low=0.4, high=0.8),
                               doc="private sympathy needed to join", assumption=True,
                               source="no measure"),
        "attrition": Param(0.01, "float", unit="per month", low=0.0, high=1.0,
                           prior=Uniform(low=0.0, high=0.03),
                           doc="cadre lost per month in any case", assumption=True,
                           source="no measure"),
        "abstention_loss": Param(0.06, "float", unit="per month", low=0.0, high=1.0,
                                 prior=Uniform(low=0.0, high=0.15),
                                 doc="extra cadre lost per month of full abstention",
                                 assumption=True, source="Cliff (19), as the review reports; "
                                                         "size unknown",
                                 claim=("cliff-19-cadres-need-action",)),
        "bloc_cadre": Param(0.1, "float", low=0.0, high=1.0, prior=Uniform(low=0.0, high=0.2),
                            doc="share of Leningrad's members that Zinoviev's machine brings "
                                "into the United Opposition's cadre (they recant with their "
                                "leaders when the bloc breaks)", assumption=True,
                            source="19 Dec 1927: 23 Zinovievists recant (Felshtinsky & "
                                   "Chernyavsky); size of the contingent unknown",
                            claim=("marot-leningrad-fiefdom",)),
        "underground_joining": Param(0.2, "float", low=0.0, high=1.0,
                                     prior=Uniform(low=0.0, high=0.5),
                                     doc="joining rate once the Opposition is outlawed, relative "
                                         "to before", assumption=True, source="no measure"),
        "capitulation": Param(0.01, "float", unit="per month", low=0.0, high=1.0,
                              prior=Uniform(low=0.0, high=0.03),
                              doc="capitulation chance per unit of dependence, before expulsion",
                              assumption=True, source="no measure"),
        "capitulation_after": Param(25.0, "float", low=0.0, high=50.0,
                                    prior=Uniform(low=5.0, high=40.0),
                                    doc="multiplier on capitulation once the leaders are out",
                                    assumption=True, source="recantations of Dec 1927 and "
                                    "1928-29 (Felshtinsky; Halfin); size unknown"),
        "cadre_scale": Param(50000.0, "float", unit="people", low=1.0, high=1e7,
                             prior=Uniform(low=10000.0, high=200000.0),
                             doc="cadre at which joining comes at half its rate: recruitment "
                                 "saturates as the organisation grows",
                             assumption=True,
                             source="no measure; the largest figures for the Opposition's "
                                    "following are about 20,000 active (Deutscher) and "
                                    "100,000 declared (Stalin's claim, per Broue)"),
        "left_capitulation": Param(1.0, "float", low=0.0, high=20.0,
                                   prior=Uniform(low=0.0, high=4.0),
                                   doc="capitulation multiplies by 1 + this x the leadership's "
                                       "left course (policy above 0): the left turn disarms "
                                       "oppositionists who wanted it",
                                   assumption=True,
                                   source="Preobrazhensky, Radek and Smilga recant in 1929 "
                                          "citing the left course (Cliff; Deutscher); size "
                                          "unknown", claim=("trotsky-centre-swings",)),
        "split_build": Param(0.1, "float", unit="per month", low=0.0, high=1.0,
                             prior=Uniform(low=0.0, high=0.3),
                             doc="share of the organisation not yet prepared that is made "
                                 "clandestine (cells, addresses, a press outside the party) "
                                 "per month of a split prepared at full level",
                             assumption=True,
                             source="no measure; Marot, ATC 52 (1994), 'Lessons of Defeat': a "
                                    "faction fight ready to split and found a new party",
                             claim=("marot-should-prepare-split",)),
        "split_recruit": Param(0.03, "float", unit="per month", low=0.0, high=1.0,
                               prior=Uniform(low=0.0, high=0.1),
                               doc="once the leaders are expelled, extra chance that an open, "
                                   "convinced non-party worker joins, per unit of the "
                                   "organisation prepared for a split (x room); at the default "
                                   "the prepared organisation recruits as the open faction "
                                   "does at join_organised's default",
                               assumption=True,
                               source="no measure; Marot, ATC 52 (1994), 'Lessons of Defeat': "
                                      "a new party appealing to the working class; 0 is the "
                                      "reading in which a split wins no one",
                               claim=("marot-should-prepare-split",)),
    }
    series = {
        "cadre": Output("organised Opposition cadre (real count)", "people"),
        "capitulations": Output("cumulative capitulations (real count)", "people"),
        "split_prepared": Output("share of the organisation prepared for a split "
                                 "(clandestine, outside the party)"),
    }
    finals = {"cadre_peak": Output("largest cadre reached", "people")}

    def init(self, sim) -> None:
        # livelihood's dependence on the apparatus, by role (parameters: constant in a run)
        self.dependence = np.array([getattr(sim.p, name) for name in k.DEPENDENCE_KEYS])
        n_wp = sim.state[k.WP_CITY].shape[0]
        self.wp_cadre = self.alloc("wp_cadre", n_wp, np.float32)
        self.count = self.alloc("count", (), np.float64)
        self.peak = self.alloc("peak", (), np.float64)
        self.capitulated = self.alloc("capitulated", (), np.float64)
        self.united_before = self.alloc("united_before", (), np.int8)
        self.prepared = self.alloc("prepared", (), np.float64)  # read by repression

    def step(self, sim) -> None:
        p = self.p
        st = sim.state
        lv = st[k.LEVELS]
        # a split in preparation makes part of what is not yet prepared clandestine
        prepared = float(self.prepared)
        prepared = min(1.0, prepared + p.split_build * lv[k.A["prepare_split"]]
                       * (1.0 - prepared))
        self.prepared[()] = prepared
        recruit = lv[k.A["organise_faction"]] + 0.5 * lv[k.A["appeal_workers"]]
        join_member = p.join_base + p.join_organised * min(1.0, recruit)
        join_worker = p.join_base * 0.5 + p.join_organised * lv[k.A["appeal_workers"]]
        # recruitment saturates: a bigger illegal organisation is harder to vet, hide and
        # coordinate, so each recruit comes harder (last month's cadre)
        room = 1.0 / (1.0 + float(self.count) / p.cadre_scale)
        join_member *= room
        join_worker *= room
        leave = p.attrition + (p.abstention_loss * lv[k.A["abstain"]] if p.retention_on else 0.0)
        expelled = st[k.EXPELLED_LEADERS] > 0
        pressure = 1.0 + (p.capitulation_after - 1.0) * expelled
        # last month's course (policy steps after the cadre): the left turn pulls them in
        pressure *= 1.0 + p.left_capitulation * max(0.0, float(st[k.POLICY]))
        if expelled:  # joining an outlawed organisation
            join_member *= p.underground_joining
            join_worker *= p.underground_joining
            # the party is closed: the prepared organisation recruits workers outside it
            join_worker += p.split_recruit * prepared * room
        counts = np.zeros(4)
        united = int(st[k.UNITED])
        bloc_joins = p.bloc_cadre if (united == 1 and self.united_before == 0) else 0.0
        bloc_breaks = united == 0 and self.united_before == 1
        self.united_before[()] = united
        organise(st[k.P_ROLE], st[k.P_WORKPLACE], st[k.P_ACTING], st[k.P_SYMPATHY],
                 st[k.P_CADRE], st[k.P_JAIL], self.wp_cadre, float(sim.p.workplace_size),
                 self.stream("cadre").key, sim.t, join_member, join_worker, p.join_sympathy,
                 leave, p.capitulation * pressure, self.dependence, bloc_joins, bloc_breaks,
                 st[k.P_CITY], counts)
        self.count[()] = counts[0] * sim.p.scale
        self.capitulated[()] += counts[3] * sim.p.scale
        self.peak[()] = max(float(self.peak), float(self.count))

    def record(self, sim):
        return {"cadre": float(self.count), "capitulations": float(self.capitulated),
                "split_prepared": float(self.prepared)}

    def finalize(self, sim):
        return {"cadre_peak": float(self.peak)}
