"""The people: industrial workers, party members and apparatus officials.

Individuals where numbers matter (DESIGN section 3). One slot per modelled
person, preallocated for the whole run: the workforce (employed and
registered unemployed; some are party members), then the party's non-worker
members (first the student cells, then the Red Army's, then the rest) and
officials, then empty slots that later levies fill. ``scale`` real people
stand behind each slot; 1 is the full scale (about 4.6 million slots by
default).

Student and military cells are whole workplaces of their own, so their
members see each other and the bandwagon acts inside them: in December 1923
the Opposition's support came mainly from students and the military
(Sarabeev), a third of the Moscow garrison's military cells came out for it
(Erickson), while in Moscow's workers' cells it had under a fifth of the
members (Pavlyuchenkov). Their members are old members who are not at the
bench (no strikes, no unemployment), with an extra leaning of their own; in
the army a public stance also has to overcome military discipline.
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.mechanism import Mechanism
from inevitable.engine.params import Beta, Normal, Param, Uniform
from inevitable.engine.registry import register
from inevitable.mechanisms.soviet import common as k
from inevitable.mechanisms.soviet.kernels import OFFICIAL, OLD_MEMBER, OUTSIDE, WORKER


@register
class People(Mechanism):
    name = "people"
    params = {
        "scale": Param(250, "int", unit="people per agent", low=1, high=100_000,
                       doc="real people behind each modelled person; 1 = full scale",
                       source="model resolution"),
        "workforce": Param(
            4_000_000, "int", unit="people", low=1000,
            prior=Uniform(low=3_000_000, high=5_000_000),
            doc="industrial workers, employed or registered unemployed",
            assumption=True,
            source="no sourced series for 1923-27; bracketed by 3.02M industrial workers "
                   "(1917) and 1.24M (1921-22) (Cliff) plus about 1-1.5M registered "
                   "unemployed (Siegelbaum)"),
        "members_1923": Param(
            400_000, "int", unit="members", low=1000,
            prior=Uniform(low=350_000, high=450_000),
            doc="party members and candidates in January 1923", assumption=True,
            source="anchored on 446,089 on 1 Jan 1924 (soviethistory.msu.edu) less 1923 growth"),
        "worker_member_share": Param(
            0.45, "float", low=0.0, high=1.0, prior=Uniform(low=0.3, high=0.6),
            doc="share of 1923 members working at the bench", assumption=True,
            source="no figure found; wide prior"),
        "officials": Param(
            25_000, "int", unit="people", low=0, prior=Uniform(low=10_000, high=50_000),
            doc="full-time party apparatus officials", assumption=True,
            source="no figure found; wide prior"),
        "capacity_factor": Param(
            2.5, "float", low=1.0, high=10.0,
            doc="non-worker party slots preallocated, as a multiple of the 1923 non-worker "
                "members (room for the levies)", source="model resolution"),
        "workplace_size": Param(20, "int", unit="people", low=2, high=1000,
                                doc="people one sees at work (a shop, a cell)",
                                source="model resolution"),
        "moscow_share": Param(0.15, "float", low=0.0, high=1.0,
                              prior=Uniform(low=0.10, high=0.20),
                              doc="share of workplaces in Moscow", assumption=True,
                              source="no figure found; wide prior"),
        "leningrad_share": Param(0.12, "float", low=0.0, high=1.0,
                                 prior=Uniform(low=0.08, high=0.16),
                                 doc="share of workplaces in Leningrad", assumption=True,
                                 source="no figure found; wide prior"),
        "threshold_mean": Param(0.5, "float", low=0.0, high=1.0,
                                prior=Uniform(low=0.3, high=0.6),
                                doc="mean of the personal thresholds for acting in public",
                                assumption=True, source="Granovetter (1978) model form; "
                                "level unknown"),
        "threshold_sd": Param(0.15, "float", low=0.0, high=1.0,
                              prior=Uniform(low=0.05, high=0.3),
                              doc="spread of thresholds", assumption=True,
                              source="Granovetter (1978) model form; level unknown"),
        "sympathy_1923": Param(0.2, "float", low=0.0, high=1.0,
                               prior=Beta(a=2.5, b=7.5),
                               doc="mean private sympathy for the Opposition's cause, Jan 1923",
                               assumption=True,
                               source="order of magnitude from the 1923 Moscow discussion "
                                      "(a fifth to a third of Moscow communists)"),
        "sympathy_sd": Param(0.15, "float", low=0.0, high=1.0, prior=Uniform(low=0.05, high=0.35),
                             doc="spread of personal political leaning", assumption=True,
                             source="no measure; wide prior"),
        "member_leaning": Param(0.1, "float", low=-1.0, high=1.0, prior=Uniform(low=-0.1, high=0.3),
                                doc="extra leaning of 1923's party members towards the "
                                    "Opposition's cause", assumption=True,
                                source="under a fifth of the members of Moscow's workers' "
                                       "cells backed the Opposition in Dec 1923 "
                                       "(Pavlyuchenkov); a third of Moscow communists "
                                       "(booksonline.com.ua), students and the military "
                                       "foremost (Sarabeev)"),
        "student_share": Param(
            0.06, "float", low=0.0, high=1.0, prior=Uniform(low=0.02, high=0.12),
            doc="share of 1923 members in student cells (higher schools, workers' faculties, "
                "party schools), carved out of the non-bench members", assumption=True,
            source="no figure found; wide prior"),
        "army_share": Param(
            0.10, "float", low=0.0, high=1.0, prior=Uniform(low=0.04, high=0.2),
            doc="share of 1923 members in Red Army and Fleet cells, carved out of the "
                "non-bench members", assumption=True, source="no figure found; wide prior"),
        "student_army_moscow": Param(
            0.3, "float", low=0.0, high=1.0, prior=Uniform(low=0.15, high=0.45),
            doc="share of the student and military cells that are in Moscow (the capital's "
                "universities, party schools and garrison); other workplaces use moscow_share",
            assumption=True,
            source="no figure found; wide prior from no concentration (moscow_share) to three "
                   "times it"),
        "student_army_leaning": Param(
            0.35, "float", low=-1.0, high=1.0, prior=Uniform(low=0.0, high=0.6),
            doc="extra leaning of members in student and military cells towards the "
                "Opposition's cause (on top of member_leaning)", assumption=True,
            source="support came mainly from students and the military (Sarabeev); a third of "
                   "the Moscow garrison's military cells came out for the Opposition "
                   "(Erickson, The Soviet High Command): the default puts about a third of "
                   "Moscow's military cells at an open majority in Dec 1923; the Moscow "
                   "target (15-35% of communists) informs it"),
        "army_discipline": Param(
            0.1, "float", low=0.0, high=1.0, prior=Uniform(low=0.0, high=0.3),
            doc="extra threshold for a member of a military cell to stand with the "
                "Opposition in public: military discipline and the political commissars",
            assumption=True, source="no measure; wide prior"),
        "fear_1923": Param(0.2, "float", low=0.0, high=1.0,
                           prior=Uniform(low=0.0, high=0.5),
                           doc="fear left by the civil war and the Cheka, Jan 1923",
                           assumption=True, source="no measure exists; wide prior"),
        "hardship_mean": Param(0.5, "float", low=0.0, high=1.0,
                               prior=Normal(mean=0.5, sd=0.1, low=0.2, high=0.8),
                               doc="mean personal hardship (Epstein's H)", assumption=True,
                               source="Epstein (2002) uses U(0,1); the level is unknown"),
    }
    series = {}

    def init(self, sim) -> None:
        p = self.p
        size = p.workplace_size
        n_work = _round_up(max(p.workforce // p.scale, size), size)
        # officials are members too: the non-bench members include them
        n_officials = p.officials // p.scale
        nonworker_members = max(
            0, int(p.members_1923 * (1 - p.worker_member_share)) // p.scale - n_officials)
        n_party = _round_up(
            max(int((nonworker_members + n_officials) * p.capacity_factor), size), size)
        n = n_work + n_party
        n_wp = n // size
        # the non-bench members begin with the student cells and the military ones
        n_students, n_army = cell_slots(p, nonworker_members)
        cells = slice(n_work, n_work + n_students + n_army)
        army = slice(n_work + n_students, n_work + n_students + n_army)

        role = self.alloc("role", n, np.uint8, OUTSIDE)
        city = self.alloc("city", n, np.uint8)
        workplace = self.alloc("workplace", n, np.int32)
        wp_city = self.alloc("wp_city", n_wp, np.uint8)
        threshold = self.alloc("threshold", n, np.float32)
        risk = self.alloc("risk", n, np.float32)
        hardship = self.alloc("hardship", n, np.float32)
        employ = self.alloc("employ", n, np.float32)
        leaning = self.alloc("leaning", n, np.float32)
        sympathy = self.alloc("sympathy", n, np.float32)
        fear = self.alloc("fear", n, np.float32)
        self.alloc("acting", n, np.uint8)
        self.alloc("jail", n, np.uint8)
        self.alloc("cadre", n, np.uint8)

        u_city = self.stream("city").uniform(n_wp)
        moscow = np.full(n_wp, p.moscow_share)
        moscow[cells.start // size:cells.stop // size] = p.student_army_moscow
        wp_city[:] = np.where(u_city < moscow, k.MOSCOW,
                              np.where(u_city < moscow + p.leningrad_share,
                                       k.LENINGRAD, k.ELSEWHERE))
        workplace[:] = np.arange(n, dtype=np.int32) // size
        city[:] = wp_city[workplace]

        threshold[:] = np.clip(p.threshold_mean + p.threshold_sd
                               * self.stream("threshold").normal(n), 0.0, 1.0)
        risk[:] = self.stream("risk").uniform(n)
        hardship[:] = np.clip(2 * p.hardship_mean * self.stream("hardship").uniform(n), 0, 1)
        employ[:n_work] = self.stream("employment").uniform(n_work)
        employ[n_work:] = -1.0  # marks a non-worker slot
        # a lasting political leaning, around which sympathy moves with events
        leaning[:] = p.sympathy_1923 + p.sympathy_sd * self.stream("sympathy").normal(n)
        sympathy[:] = np.clip(leaning, 0, 1)
        fear[:] = np.clip(p.fear_1923 + 0.1 * self.stream("fear").normal(n), 0, 1)

        # workers, a share of them party members; then the party's other members
        role[:n_work] = WORKER
        worker_members = int(p.members_1923 * p.worker_member_share) // p.scale
        pick = self.stream("membership").uniform(n_work) < worker_members / n_work
        role[:n_work][pick] = OLD_MEMBER
        role[n_work:n_work + nonworker_members] = OLD_MEMBER
        role[n_work + nonworker_members:n_work + nonworker_members + n_officials] = OFFICIAL
        # the old party's members lean further towards the Opposition's cause, and
        # students and the military further still; the army's discipline holds them back
        leaning[(role == OLD_MEMBER)] += p.member_leaning
        leaning[cells] += p.student_army_leaning
        threshold[army] += p.army_discipline
        sympathy[:] = np.clip(leaning, 0, 1)


def cell_slots(p, nonworker: int) -> tuple[int, int]:
    """Slots of the student cells and of the military cells, whole cells each.

    Each is its share of the 1923 members, rounded to the nearest whole
    workplace, and no more than the whole cells left among the ``nonworker``
    non-bench members: the cells are carved out of them, so the count of
    members does not change.
    """
    size = int(p.workplace_size)
    scale = int(p.scale)
    out = []
    room = nonworker
    for share in (p.student_share, p.army_share):
        slots = int(share * p.members_1923) // scale
        n = min((slots + size // 2) // size * size, room // size * size)
        out.append(n)
        room -= n
    return out[0], out[1]


def _round_up(x: int, size: int) -> int:
    return ((int(x) + size - 1) // size) * size
