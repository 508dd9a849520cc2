"""Mobilisation: grievance, fear, private sympathy, public stance, strikes.

Per person each month (the compiled pass in ``kernels.mobilise``):
grievance is hardship times the regime's illegitimacy (Epstein 2002); fear
decays slowly and is renewed by arrests seen at work; private sympathy for
the Opposition drifts towards what grievance, the Opposition's visible deeds
for workers (supporting strikes, defending the persecuted, appealing to
them) and hopes abroad make of it, and falls when the Opposition is seen to
abstain (Marot). A person acts in public when what drives them, plus what
their workmates did last month, outweighs fear and dependence by more than
their own threshold (Granovetter 1978; Kuran 1991): the gap between private
sympathy and public stance is preference falsification.

A workplace block strikes as a whole when at least ``strike_share`` of it is
ready. Below that share it still has local strikes (``kernels.walk_out``):
the block is thousands of workers in many enterprises, readiness
concentrates in some of them, and each ready person walks out with the
chance of being in an enterprise whose own ready share reaches the
threshold. This is what the record's many small strikes ask for (Damier:
40-50 a month in summer 1923; Bolshakov: 174 protests with 15,700
participants in January-August 1929, about 90 each), when one block is 5,000
workers at the default scale.

Under the null theory N the Opposition's voice is cut: its deeds, its lying
low, its defence of the persecuted, its appeals and its cadre's pull at work
move nobody's sympathy, fear or stance. Everything else runs as under C, so
N nests in the model and tests the "objective conditions" reading alone
(Cliff 277, as the review reports it).
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet.kernels import (
    C_ACTING,
    C_FEAR,
    C_MEMBER_SUPPORT,
    C_MEMBER_SYMPATHISERS,
    C_MEMBERS,
    C_N,
    C_STRIKING,
    C_SYMPATHISERS,
    C_SYMPATHY,
    C_WORKERS,
    empty_stats,
    mobilise,
    walk_out,
    walk_out_memo,
)


def _prior(low, high):
    return Uniform(low=low, high=high)


@register
class Mobilisation(Mechanism):
    name = "mobilisation"
    claims = ("marot-not-naturally-submissive", "marot-public-action-louder",
              "serge-259-silent-acclamation", "cliff-19-cadres-need-action")
    params = {
        "theory": k.THEORY,
        "mobilisation_on": k.switch("mobilisation", "people update sympathy and stance"),
        "legitimacy": Param(0.5, "float", low=0.0, high=1.0, prior=_prior(0.3, 0.8),
                            doc="the regime's legitimacy in workers' eyes (Epstein's L)",
                            assumption=True, source="no measure; wide prior"),
        "fear_decay": Param(0.03, "float", unit="per month", low=0.0, high=1.0,
                            prior=_prior(0.01, 0.1),
                            doc="how fast fear fades when nobody is arrested",
                            assumption=True, source="Marot: years of intimidation accumulate; "
                                                    "rate unknown",
                            claim=("marot-not-naturally-submissive",)),
        "fear_gain": Param(2.0, "float", low=0.0, high=50.0, prior=_prior(0.5, 5.0),
                           doc="fear added per unit share of one's workplace arrested",
                           assumption=True, source="no measure"),
        "fear_climate": Param(0.1, "float", low=0.0, high=5.0, prior=_prior(0.0, 0.3),
                              doc="fear added each month per unit of police capacity, arrests "
                                  "or not (threats, intimidation, humiliation)", assumption=True,
                              source="Marot: years of threats, intimidation and humiliation; "
                                     "size unknown", claim=("marot-not-naturally-submissive",)),
        "defend_effect": Param(0.5, "float", low=0.0, high=1.0, prior=_prior(0.0, 1.0),
                               doc="how much being seen defending the persecuted takes the "
                                   "sting out of arrests", assumption=True,
                               source="Marot's thesis; size unknown",
                               claim=("marot-public-action-louder",)),
        "sympathy_rate": Param(0.1, "float", unit="per month", low=0.0, high=1.0,
                               prior=_prior(0.02, 0.3),
                               doc="how fast private sympathy follows its drivers",
                               assumption=True, source="no measure"),
        "sympathy_grievance": Param(0.6, "float", low=0.0, high=5.0, prior=_prior(0.2, 1.5),
                                    doc="private sympathy per unit of grievance",
                                    assumption=True, source="no measure"),
        "agency_effect": Param(0.3, "float", low=0.0, high=2.0, prior=_prior(0.0, 0.6),
                               doc="sympathy gained from the Opposition's visible deeds for "
                                   "workers (0 = deeds change nothing)", assumption=True,
                               source="Marot's central claim; its size is what experiments "
                                      "must find", claim=("marot-public-action-louder",
                                                          "marot-strategy-shapes-forces")),
        "abstain_effect": Param(0.1, "float", low=0.0, high=2.0, prior=_prior(0.0, 0.3),
                                doc="sympathy lost while the Opposition lies low",
                                assumption=True, source="Marot; size unknown",
                                claim=("marot-public-action-louder",)),
        "hope_effect": Param(0.2, "float", low=0.0, high=2.0, prior=_prior(0.0, 0.5),
                             doc="sympathy per unit of hope abroad above its mid-point",
                             assumption=True, source="no measure"),
        "peer_weight": Param(0.3, "float", low=0.0, high=2.0, prior=_prior(0.0, 0.8),
                             doc="pull of workmates' public stance last month (bandwagon)",
                             assumption=True, source="Granovetter (1978), Kuran (1991): form; "
                                                     "size unknown"),
        "organisation_weight": Param(0.5, "float", low=0.0, high=10.0, prior=_prior(0.0, 3.0),
                                     doc="pull of Opposition cadre in one's workplace",
                                     assumption=True, source="no measure"),
        "fear_weight": Param(0.6, "float", low=0.0, high=5.0, prior=_prior(0.2, 1.5),
                             doc="weight of fear in the risk of acting", assumption=True,
                             source="no measure"),
        "dependence_worker": Param(0.05, "float", low=0.0, high=1.0, prior=_prior(0.0, 0.2),
                                   doc="livelihood hanging on the apparatus: non-party worker",
                                   assumption=True, source="Serge (via Cliff 259-60): any "
                                   "gesture endangered one's livelihood; size unknown"),
        "dependence_old_member": Param(0.2, "float", low=0.0, high=1.0, prior=_prior(0.05, 0.4),
                                       doc="... party member admitted before 1924",
                                       assumption=True, source="no measure"),
        "dependence_recruit": Param(0.45, "float", low=0.0, high=1.0, prior=_prior(0.2, 0.7),
                                    doc="... member admitted in the levies", assumption=True,
                                    source="Marot: a career-seeking rank and file; size unknown"),
        "dependence_official": Param(0.8, "float", low=0.0, high=1.0, prior=_prior(0.5, 1.0),
                                     doc="... apparatus official", assumption=True,
                                     source="no measure"),
        "ban_risk": Param(0.15, "float", low=0.0, high=1.0, prior=_prior(0.0, 0.3),
                          doc="extra risk for a member of backing a faction under the 1921 "
                              "ban", assumption=True, source="no measure",
                          claim=("cliff-17-impossible-barriers",)),
        "outsider_barrier": Param(0.3, "float", low=0.0, high=2.0, prior=_prior(0.0, 0.6),
                                  doc="extra threshold for a non-party worker to back an "
                                      "inner-party opposition that does not appeal to them",
                                  assumption=True, source="Cliff (38) as the review reports: "
                                  "Trotsky would not call on forces outside the party",
                                  claim=("cliff-38-contradiction",)),
        "strike_barrier": Param(0.05, "float", low=0.0, high=2.0, prior=_prior(0.0, 0.5),
                                doc="how much more it takes to strike than to back the "
                                    "Opposition in private", assumption=True,
                                source="calibrated on 40-60 strikes a month in 1923 (Damier)"),
        "strike_sympathy": Param(0.3, "float", low=0.0, high=2.0, prior=_prior(0.0, 0.6),
                                 doc="weight of Opposition sympathy in the decision to strike",
                                 assumption=True, source="no measure"),
        "strike_share": Param(0.6, "float", low=0.0, high=1.0, prior=_prior(0.3, 0.7),
                              doc="a workplace counts as on strike when this share strikes",
                              assumption=True, source="model measurement"),
        "readiness_clustering": Param(
            0.1, "float", low=0.0, high=1.0, prior=_prior(0.02, 0.3),
            doc="how unevenly readiness to strike is spread over the enterprises of a "
                "workplace block (their intra-block correlation): 0, every enterprise is as "
                "ready as its block and only whole blocks strike; 1, each is all ready or none",
            assumption=True,
            source="no measure; the default puts the default run's strikers of 1927 and 1929 "
                   "in the record's ranges (Bolshakov); the strike targets should narrow it"),
        "enterprise_size": Param(300, "int", unit="workers", low=1, high=100_000,
                                 prior=_prior(100, 1000),
                                 doc="workers per enterprise, to count strikes", assumption=True,
                                 source="no figure found; wide prior"),
        "attend_rate": Param(0.015, "float", low=0.0, high=1.0, prior=_prior(0.01, 0.2),
                             doc="share of open supporters attending an Opposition meeting in a "
                                 "month of organised campaigning", assumption=True,
                             source="calibrated on ~20,000 attendees in 1927 (Trotsky)"),
        "sign_rate": Param(0.005, "float", low=0.0, high=1.0, prior=_prior(0.001, 0.05),
                           doc="share of open supporters signing during a platform campaign",
                           assumption=True, source="calibrated on 5-6,000 signatures (Serge)"),
        "march_rate": Param(0.05, "float", low=0.0, high=1.0, prior=_prior(0.01, 0.5),
                            doc="share of open supporters in Moscow and Leningrad who march "
                                "when the Opposition demonstrates", assumption=True,
                            source="calibrated on several thousand marchers, 7 Nov 1927 "
                                   "(Memorial)"),
    }
    series = {
        "sympathy": Output("share of people privately sympathising with the Opposition",
                           "fraction"),
        "public_support": Output("share openly backing the Opposition", "fraction"),
        "member_support": Output("share of party members openly backing the Opposition",
                                 "fraction"),
        "member_support_moscow": Output("the same, in Moscow", "fraction"),
        "member_sympathy": Output("share of party members privately sympathising", "fraction"),
        "opposition_vote_share": Output("share of members who would vote with the "
                                        "Opposition in a cell discussion", "fraction"),
        "falsification": Output("private sympathisers minus open supporters, as a share",
                                "fraction"),
        "fear": Output("mean fear (0-1)"),
        "strikes": Output("strikes this month (real count)"),
        "strikers": Output("workers on strike this month (real count)", "people"),
        "meeting_attendance": Output("cumulative attendance at Opposition meetings", "people"),
        "signatures": Output("cumulative signatures to the Opposition's platform", "people"),
        "demonstrators": Output("marchers with the Opposition this month", "people"),
    }

    def init(self, sim) -> None:
        # livelihood's dependence on the apparatus, by role (parameters: constant in a run)
        self.dependence = np.array([getattr(sim.p, name) for name in k.DEPENDENCE_KEYS])
        n_wp = sim.state[k.WP_CITY].shape[0]
        self.wp_strike = self.alloc("wp_strike", n_wp, np.float32)
        self.wp_support = self.alloc("wp_support", n_wp, np.float32)
        self.city_stats = self.alloc("city_stats", (4, empty_stats().shape[1]), np.float64)
        # walk_out's chances, worked out once a run (a cache of pure values, not state)
        self.walk_memo = walk_out_memo(sim.p.workplace_size)
        self.strikes = self.alloc("strikes", (), np.float64)
        # strikers, meeting attendance, signatures, marchers
        self.counts = self.alloc("counts", 4, np.float64)
        self._initial_stats(sim)

    def _initial_stats(self, sim) -> None:
        st = sim.state
        role, city = st[k.P_ROLE], st[k.P_CITY]
        live = role != 255
        for c in range(3):
            m = live & (city == c)
            row = self.city_stats[c]
            row[C_N] = m.sum()
            row[C_MEMBERS] = (m & (role != 0)).sum()
            row[C_SYMPATHY] = st[k.P_SYMPATHY][m].sum()
            row[C_SYMPATHISERS] = (st[k.P_SYMPATHY][m] > 0.5).sum()
            row[C_MEMBER_SYMPATHISERS] = (st[k.P_SYMPATHY][m & (role != 0)] > 0.5).sum()
            row[C_FEAR] = st[k.P_FEAR][m].sum()
            row[C_WORKERS] = (m & (st[k.P_EMPLOY] >= 0)).sum()
        self.city_stats[3] = self.city_stats[:3].sum(axis=0)

    def step(self, sim) -> None:
        p = self.p
        if not p.mobilisation_on:
            return
        st = sim.state
        lv = st[k.LEVELS]
        arrests = st[k.ARRESTS_CITY]
        stats = self.city_stats
        striking = stats[:3, C_STRIKING] / np.maximum(stats[:3, C_WORKERS], 1.0)
        # what each kind of person sees the Opposition do, as a weighted mean
        # in [0, 1]: workers its deeds for them, members its campaign inside
        # the party; doing everything at once is worth agency_effect, no more
        persecuted = (arrests > 0).astype(np.float64)
        demo = lv[k.A["demonstrate"]]
        defend = lv[k.A["defend_persecuted"]] * persecuted
        # N: the Opposition's voice reaches nobody (every channel below that it drives)
        voice = k.voice(p.theory)
        agency_workers = voice * p.agency_effect * (
            lv[k.A["support_strikes"]] * np.minimum(1.0, 10.0 * striking) + defend
            + lv[k.A["appeal_workers"]] + 0.5 * demo + 0.3 * lv[k.A["platform"]]) / 3.8
        agency_members = voice * p.agency_effect * (
            lv[k.A["platform"]] + defend + 0.5 * demo) / 2.5
        repression_on = 1.0 if sim.p.repression_on else 0.0
        mobilise(
            st[k.P_ROLE], st[k.WP_CITY], sim.p.workplace_size, st[k.P_THRESHOLD], st[k.P_RISK],
            st[k.P_HARDSHIP], st[k.P_EMPLOY], st[k.P_LEANING], st[k.P_SYMPATHY], st[k.P_FEAR],
            st[k.P_ACTING],
            st[k.P_JAIL], self.wp_strike, self.wp_support, st[k.WP_ARRESTS], st[k.WP_CADRE],
            st[k.HARDSHIP_CITY], float(st[k.UNEMPLOYMENT]), p.legitimacy, agency_workers,
            agency_members,
            voice * p.abstain_effect * lv[k.A["abstain"]],
            p.hope_effect * (float(st[k.HOPE]) - 0.5),
            p.fear_decay, p.fear_gain * repression_on,
            p.fear_climate * float(st[k.POLICE]) * repression_on,
            voice * p.defend_effect * lv[k.A["defend_persecuted"]],
            p.sympathy_rate, p.sympathy_grievance, p.peer_weight, voice * p.organisation_weight,
            p.fear_weight * repression_on, self.dependence, 1.0, p.ban_risk, p.strike_sympathy,
            p.outsider_barrier * (1.0 - voice * lv[k.A["appeal_workers"]]), p.strike_barrier,
            p.strike_share, stats,
        )
        scale = sim.p.scale
        wp_size = sim.p.workplace_size
        walked = np.zeros(3)
        walk_out(st[k.P_ROLE], st[k.P_JAIL], st[k.P_ACTING], st[k.WP_CITY], wp_size,
                 p.strike_share, p.readiness_clustering, self.stream("walkout").key, sim.t,
                 stats, self.walk_memo, walked)
        # a workplace on strike is every enterprise in it; a local strike is one enterprise
        self.strikes[()] = (walked[0] * wp_size + walked[1]) * scale / p.enterprise_size
        self.counts[0] = stats[3, C_STRIKING] * scale
        supporters = stats[3, C_ACTING] * scale
        organise = lv[k.A["organise_faction"]]
        self.counts[1] += supporters * p.attend_rate * organise
        self.counts[2] += supporters * p.sign_rate * organise * lv[k.A["platform"]]
        capitals = (stats[0, C_ACTING] + stats[1, C_ACTING]) * scale
        self.counts[3] = capitals * p.march_rate * lv[k.A["demonstrate"]]

    def record(self, sim):
        s = self.city_stats[3]
        n = max(s[C_N], 1.0)
        members = max(s[C_MEMBERS], 1.0)
        return {
            "sympathy": s[C_SYMPATHISERS] / n,
            "public_support": s[C_ACTING] / n,
            "member_support": s[C_MEMBER_SUPPORT] / members,
            "member_support_moscow": self.city_stats[0, C_MEMBER_SUPPORT]
            / max(self.city_stats[0, C_MEMBERS], 1.0),
            "opposition_vote_share": s[C_MEMBER_SUPPORT] / members,
            "member_sympathy": s[C_MEMBER_SYMPATHISERS] / members,
            "falsification": (s[C_SYMPATHISERS] - s[C_ACTING]) / n,
            "fear": s[C_FEAR] / n,
            "strikes": float(self.strikes),
            "strikers": float(self.counts[0]),
            "meeting_attendance": float(self.counts[1]),
            "signatures": float(self.counts[2]),
            "demonstrators": float(self.counts[3]),
        }
