"""The leaders' coalitions and the apparatus machines behind them.

Each faction holds a share of the apparatus (its machine: the secretaries it
appoints); the rest are elected. The Centre grows its machine by appointment
(the General Secretary's patronage, unchecked after Lenin's death) and turns
on one rival at a time: the strongest faction outside its bloc while that one
is a threat, otherwise its strongest partner (Svolik's "eliminations"; a
ruling coalition must be self-enforcing, Acemoglu, Egorov & Sonin 2008). A
partner whose machine is being taken breaks with the Centre once it has lost
enough, openly at the next plenum or congress (Leningrad, 1925). Two
factions outside may ally (the United Opposition): once the Left is out and
willing, a broken partner whose machine the Centre keeps cutting needs
allies, and the more of its machine it has lost the sooner it takes them;
no date decides it. A faction in opposition loses its leaders' Politburo
seats at a gathering once its machine has been cut low enough, so the order
of the eliminations is an output too. Public mobilisation turns appointed
posts back into elected ones.
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet.kernels import C_ACTING, C_MEMBER_SUPPORT, C_MEMBERS, C_N

OPEN_ACTIONS = ("platform", "support_strikes", "appeal_workers", "organise_faction",
                "demonstrate", "prepare_split")


@register
class Coalitions(Mechanism):
    name = "coalitions"
    claims = ("nisonger-139-parallel-methods", "marot-leningrad-fiefdom")
    params = {
        "theory": k.THEORY,
        "coalitions_on": k.switch("coalitions", "alliances form and break (frozen at 1923)"),
        "patronage_on": k.switch("patronage", "the Centre appoints secretaries"),
        "machine_centre_1923": Param(0.25, "float", low=0.0, high=1.0,
                                     prior=Uniform(low=0.1, high=0.4),
                                     doc="Centre's share of apparatus posts, Jan 1923",
                                     assumption=True, source="no measure; wide prior"),
        "machine_leningrad_1923": Param(0.12, "float", low=0.0, high=1.0,
                                        prior=Uniform(low=0.06, high=0.2),
                                        doc="Zinoviev's Leningrad machine, Jan 1923",
                                        assumption=True,
                                        source="Leningrad sent 65 of 624 voting delegates "
                                               "to the 14th Congress (Rogovin); wide prior"),
        "machine_right_1923": Param(0.08, "float", low=0.0, high=1.0,
                                    prior=Uniform(low=0.03, high=0.15),
                                    doc="the Right's machine (unions, economic organs)",
                                    assumption=True, source="no measure; wide prior"),
        "machine_left_1923": Param(0.03, "float", low=0.0, high=1.0,
                                   prior=Uniform(low=0.0, high=0.08),
                                   doc="the Left's posts (army, economic organs)",
                                   assumption=True, source="no measure; wide prior"),
        "patronage_rate": Param(0.02, "float", unit="per month", low=0.0, high=1.0,
                                prior=Uniform(low=0.005, high=0.05),
                                doc="share of elected posts the Centre fills by appointment "
                                    "each month", assumption=True, source="no measure"),
        "lenin_boost": Param(1.0, "float", low=0.0, high=10.0, prior=Uniform(low=0.0, high=3.0),
                             doc="extra patronage once Lenin is gone", assumption=True,
                             source="no measure"),
        "erosion_rate": Param(0.04, "float", unit="per month", low=0.0, high=1.0,
                              prior=Uniform(low=0.01, high=0.1),
                              doc="share of its target's machine the Centre takes each month",
                              assumption=True, source="no measure"),
        "threat_floor": Param(0.1, "float", low=0.0, high=1.0,
                              prior=Uniform(low=0.02, high=0.2),
                              doc="below this an outside faction is no longer the Centre's "
                                  "first target", assumption=True, source="no measure"),
        "break_share": Param(0.6, "float", low=0.0, high=1.0, prior=Uniform(low=0.3, high=0.9),
                             doc="a targeted partner breaks when its machine falls below this "
                                 "share of its peak", assumption=True, source="no measure"),
        "democratise": Param(0.05, "float", unit="per month", low=0.0, high=5.0,
                             prior=Uniform(low=0.0, high=0.3),
                             doc="how fast open mobilisation turns appointed posts into "
                                 "elected ones (per unit of public support)",
                             assumption=True, source="no measure; Marot's thesis needs it > 0",
                             claim=("marot-strategy-shapes-forces",)),
        "left_prestige_1923": Param(0.1, "float", low=0.0, high=1.0,
                                    prior=Uniform(low=0.0, high=0.25),
                                    doc="Trotsky's standing as a rival in 1923, beyond any "
                                        "machine", assumption=True, source="no measure"),
        "prestige_decay": Param(0.1, "float", unit="per month", low=0.0, high=1.0,
                                prior=Uniform(low=0.0, high=0.2),
                                doc="monthly loss of that standing while the Left lies low",
                                assumption=True,
                                source="Marot: by 1927 workers honoured a figure of the past",
                                claim=("marot-homage-to-past",)),
        "swing_level": Param(0.2, "float", low=-1.0, high=1.0, prior=Uniform(low=0.0, high=0.5),
                             doc="T: policy position past which the Centre, swung left by the "
                                 "workers, turns on the Right instead of the Left",
                             assumption=True, source="Trotsky's theory of the Centre (form); "
                                                     "level unknown",
                             claim=("trotsky-centre-swings",)),
        "bloc_rate": Param(0.3, "float", unit="per month", low=0.0, high=1.0,
                           prior=Uniform(low=0.05, high=0.6),
                           doc="monthly chance that a broken partner allies with a willing Left, "
                               "per unit share of its machine it has lost",
                           assumption=True,
                           source="Leningrad broke at the 14th Congress (Dec 1925) and the bloc "
                                  "came in spring 1926 (Broue ch. 31): a lag of months, "
                                  "not a measure"),
        "removal_share": Param(0.3, "float", low=0.0, high=1.0,
                               prior=Uniform(low=0.05, high=0.6),
                               doc="a faction in opposition loses its Politburo seats at a "
                                   "gathering once its machine is below this share of its peak",
                               assumption=True,
                               source="no measure; the dates it must meet are targets "
                                      "(leningrad-, left- and right-removal-month)"),
        "popularity_weight": Param(1.0, "float", low=0.0, high=10.0,
                                   prior=Uniform(low=0.0, high=3.0),
                                   doc="weight of open support in a faction's threat",
                                   assumption=True, source="no measure"),
    }
    series = {
        "apparatus_control": Output("Centre's share of apparatus posts (A)"),
        "machine_leningrad": Output("Leningrad machine's share of posts"),
        "machine_right": Output("the Right's share of posts"),
        "machine_left": Output("the Left's share of posts"),
        "leningrad_in_opposition": Output("1 while the Leningrad group stands against the Centre: "
                                          "from its break until it recants with the bloc's end"),
        "united_opposition": Output("1 while the United Opposition bloc stands"),
        "right_in_opposition": Output("1 once the Right has broken with the Centre"),
        "centre_target": Output("the faction the Centre is cutting down (index)"),
    }
    finals = {
        "leningrad_break_month": Output("month index (from the start) of the Leningrad break, "
                                        "-1 if none"),
        "united_opposition_month": Output("month index the United Opposition formed, -1 if none"),
        "right_break_month": Output("month index the Right broke with the Centre, -1 if none"),
        "leningrad_removal_month": Output("month index Leningrad's leaders lost their Politburo "
                                          "seats, -1 if never"),
        "right_removal_month": Output("month index the Right's leaders lost their Politburo "
                                      "seats, -1 if never"),
        "left_removal_month": Output("month index the Left's leaders lost their Politburo seats, "
                                     "-1 if never"),
    }

    def init(self, sim) -> None:
        p = self.p
        self.machine = self.alloc("machine", 4, np.float64)
        self.machine[:] = [p.machine_centre_1923, p.machine_leningrad_1923,
                           p.machine_right_1923, p.machine_left_1923]
        total = self.machine.sum()
        if total > 1.0:
            self.machine /= total
        self.peak = self.alloc("peak", 4, np.float64)
        self.peak[:] = self.machine
        self.aligned = self.alloc("aligned", 4, np.int8, 1)
        self.united = self.alloc("united", (), np.int8, 0)
        self.target = self.alloc("target", (), np.int8, -1)
        self.prestige = self.alloc("prestige", (), np.float64, p.left_prestige_1923)
        # breaks (leningrad, united, right), then removals (leningrad, right, left)
        self.months = self.alloc("months", 6, np.int64, -1)
        # factions the Centre has cut down since the last gathering
        self.hit = self.alloc("hit", 4, np.int8, 0)

    def step(self, sim) -> None:
        p = self.p
        st = sim.state
        chosen = st[k.CHOSEN]
        stats = st[k.CITY_STATS]
        expelled = st[k.EXPELLED_LEADERS] > 0
        # The Left is in opposition once it acts openly (under every theory)
        opens = max(chosen[k.A[a]] for a in OPEN_ACTIONS)
        if opens >= 0.5 or expelled:
            self.aligned[k.LEFT] = 0
        # the Left's weight as a rival: its open support among members
        member_support = stats[3, C_MEMBER_SUPPORT] / max(stats[3, C_MEMBERS], 1.0)
        public_support = stats[3, C_ACTING] / max(stats[3, C_N], 1.0)

        if p.patronage_on:
            boost = 1.0 + p.lenin_boost * (1.0 - float(st[k.LENIN_ACTIVE]))
            free = max(0.0, 1.0 - self.machine.sum())
            self.machine[k.CENTRE] += p.patronage_rate * boost * free
        threat = self.machine.copy()
        levels = st[k.LEVELS]
        self.prestige[()] *= 1.0 - p.prestige_decay * (0.3 + levels[k.A["abstain"]])
        threat[k.LEFT] += float(self.prestige) + p.popularity_weight * member_support
        target = -1
        united = bool(self.united) and not expelled
        if united:  # the bloc is one rival, with both machines behind it
            threat[k.LEFT] += threat[k.LENINGRAD_GROUP]
            threat[k.LENINGRAD_GROUP] = 0.0
        if p.coalitions_on:
            outside = [f for f in (1, 2, 3) if self.aligned[f] == 0 and
                       not (f == k.LEFT and expelled)]
            inside = [f for f in (1, 2, 3) if self.aligned[f] == 1]
            strongest_out = max(outside, key=lambda f: threat[f], default=-1)
            swung_left = p.theory == "T" and float(st[k.POLICY]) > p.swing_level
            if swung_left and self.machine[k.RIGHT] > 0.01:
                # T: pushed left by the workers, the Centre turns on the Right
                # (partner or already in opposition) for as long as it stays left
                target = k.RIGHT
            elif united:
                # an organised bloc outside is fought before any partner is touched
                # (a ruling coalition must stay self-enforcing, AES 2008)
                target = k.LEFT
            elif strongest_out >= 0 and threat[strongest_out] > p.threat_floor:
                target = strongest_out
            elif unseated := [f for f, broke, gone in ((k.LENINGRAD_GROUP, 0, 3), (k.RIGHT, 2, 4))
                              if self.aligned[f] == 0 and self.months[broke] >= 0
                              and self.months[gone] < 0]:
                # a partner that broke openly is cut until it loses its seats, however
                # weak: leaving a declared rival in the Politburo is not self-enforcing
                target = max(unseated, key=lambda f: threat[f])
            elif inside:
                target = max(inside, key=lambda f: threat[f])
        elif self.aligned[k.LEFT] == 0 and not expelled:
            target = k.LEFT
        self.target[()] = target
        if target >= 0:
            self.hit[target] = 1
        if p.patronage_on and target >= 0:
            hit = (k.LEFT, k.LENINGRAD_GROUP) if (united and target == k.LEFT) else (target,)
            for f in hit:
                taken = p.erosion_rate * self.machine[f]
                self.machine[f] -= taken
                self.machine[k.CENTRE] += taken
        # open mobilisation returns posts to election
        self.machine *= 1.0 - min(1.0, p.democratise * public_support)
        np.maximum(self.peak, self.machine, out=self.peak)

        if not p.coalitions_on:
            return
        # a partner cut down since the last gathering breaks openly at the next one
        # (Leningrad's at the 14th Congress, Dec 1925; the Right's at the plenums of
        # 1928-29), whichever rival the Centre happens to be cutting that very month;
        # a group breaks once: having recanted, it does not come back
        meets = k.gathering_now(sim)
        for f, slot in ((k.LENINGRAD_GROUP, 0), (k.RIGHT, 2)):
            if (meets and self.aligned[f] == 1 and self.hit[f] == 1 and self.months[slot] < 0
                    and self.machine[f] < p.break_share * self.peak[f]):
                self.aligned[f] = 0
                self.months[slot] = sim.t
        if meets:
            self.hit[:] = 0
            self._remove(sim.t, expelled)
        # the bloc: a willing Left and a broken Leningrad group that needs allies
        # in proportion to the machine it has lost (draws are counter-based, so drawing
        # only in the months the bloc is possible changes no other number)
        need = 1.0 - self.machine[k.LENINGRAD_GROUP] / max(self.peak[k.LENINGRAD_GROUP], 1e-12)
        if (self.united == 0 and self.months[1] < 0 and self.aligned[k.LEFT] == 0
                and self.aligned[k.LENINGRAD_GROUP] == 0 and not expelled
                and chosen[k.A["seek_bloc"]] >= 0.5
                and self.stream("bloc").uniform(1)[0] < p.bloc_rate * need):
            self.united[()] = 1
            self.months[1] = sim.t
        if self.united == 1 and expelled:
            # the bloc does not survive the expulsions: Zinoviev's group recants
            # and is back with the majority (23 of them, Zinoviev and Kamenev among
            # them, signed a recantation on 19 Dec 1927: Felshtinsky & Chernyavsky),
            # so its machine no longer counts as opposition delegates
            self.united[()] = 0
            self.aligned[k.LENINGRAD_GROUP] = 1

    def _remove(self, t: int, expelled: bool) -> None:
        """Leaders in opposition lose their Politburo seats at a gathering once
        the Centre has cut their machine below ``removal_share`` of its peak: the
        seats follow the machine, not a date (Zinoviev went in July 1926, Trotsky
        in October 1926, Bukharin in November 1929). A partner is removed only at
        a gathering after the one where it broke; expelled leaders are off the
        Politburo at the next gathering whatever their machine."""
        share = self.p.removal_share
        for f, broke, slot in ((k.LENINGRAD_GROUP, 0, 3), (k.RIGHT, 2, 4), (k.LEFT, -1, 5)):
            if self.months[slot] >= 0 or self.aligned[f] == 1:
                continue
            if broke >= 0 and not 0 <= self.months[broke] < t:
                continue
            if self.machine[f] < share * self.peak[f] or (f == k.LEFT and expelled):
                self.months[slot] = t

    def record(self, sim):
        m = self.machine
        return {"apparatus_control": float(m[k.CENTRE]), "machine_leningrad": float(m[1]),
                "machine_right": float(m[2]), "machine_left": float(m[3]),
                "leningrad_in_opposition": float(self.aligned[1] == 0),
                "united_opposition": float(self.united),
                "right_in_opposition": float(self.aligned[2] == 0),
                "centre_target": float(self.target)}

    def finalize(self, sim):
        return {"leningrad_break_month": int(self.months[0]),
                "united_opposition_month": int(self.months[1]),
                "right_break_month": int(self.months[2]),
                "leningrad_removal_month": int(self.months[3]),
                "right_removal_month": int(self.months[4]),
                "left_removal_month": int(self.months[5])}
