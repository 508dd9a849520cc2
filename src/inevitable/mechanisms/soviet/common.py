"""Shared vocabulary of the 1923-1929 model: places, roles, factions, actions.

The mechanisms of the flagship scenario talk to each other only through the
state arrays named here (``sim.state[KEY]``), so that a snapshot holds
everything and any mechanism can be switched off and replaced by its neutral
behaviour without the others knowing.
"""

from __future__ import annotations

import numpy as np

from inevitable.engine.params import Param

CITIES = ("moscow", "leningrad", "elsewhere")
MOSCOW, LENINGRAD, ELSEWHERE = 0, 1, 2

# Agent roles (``people.role``): who a slot is this month.
WORKER = 0  # non-party industrial worker (employed or not)
OLD_MEMBER = 1  # party member admitted before 1924
RECRUIT = 2  # admitted in the levies of 1924 onward (the "Lenin enrollment")
OFFICIAL = 3  # apparatus official: post held by appointment
OUTSIDE = 255  # a preallocated slot not (yet) in the model: future recruits

# Factions of the leadership (``coalitions.*`` arrays are indexed by these).
FACTIONS = ("centre", "leningrad", "right", "left")
CENTRE, LENINGRAD_GROUP, RIGHT, LEFT = 0, 1, 2, 3

# The Opposition's levers: a strategy sets each to a level in [0, 1] monthly.
ACTIONS = (
    "platform",          # campaign openly inside the party (New Course, the 1927 Platform)
    "support_strikes",   # support strikes and the Workers' Group
    "defend_persecuted",  # protest arrests and expulsions of rank-and-file oppositionists
    "appeal_workers",    # address non-party workers directly
    "organise_faction",  # build an organised faction: centres, meetings, signatures
    "prepare_split",     # prepare a break and a new party
    "seek_bloc",         # ally with another leadership faction
    "hold_demands",      # keep the international demands (Anglo-Russian Committee, China)
    "demonstrate",       # street demonstrations
    "abstain",           # lie low: enforced abstention from action
)
A = {name: i for i, name in enumerate(ACTIONS)}

# What a strategy's conditions may look at (the Opposition's view of the state).
OBSERVABLES = (
    "month", "year", "t", "cadre", "cadre_share", "sympathy", "public_support",
    "member_support", "fear", "apparatus_control", "strikes", "leaders_expelled",
    "leningrad_in_opposition", "united_opposition", "right_in_opposition",
    "policy_left", "hope", "gathering",
)

THEORIES = ("T", "C", "N")
THEORY = Param("C", "choice", choices=THEORIES,
               doc="T: the Centre swings with outside class pressure (Trotsky); C: the "
                   "bureaucracy acts for itself and can turn left on its own (Cliff); N: "
                   "null, nothing the Opposition does moves workers' sympathy or fear",
               source="DESIGN section 4; the review",
               claim=("trotsky-centre-swings", "cliff-15-bureaucracy-ruling-class"))

# -- state keys shared between mechanisms ------------------------------------
P_ROLE = "people.role"
P_CITY = "people.city"
P_WORKPLACE = "people.workplace"
P_THRESHOLD = "people.threshold"
P_RISK = "people.risk"
P_HARDSHIP = "people.hardship"
P_EMPLOY = "people.employ"
P_LEANING = "people.leaning"
P_SYMPATHY = "people.sympathy"
P_FEAR = "people.fear"
P_ACTING = "people.acting"
P_JAIL = "people.jail"
P_CADRE = "people.cadre"

WP_CITY = "people.wp_city"
WP_ARRESTS = "repression.wp_arrests"  # arrests last month, per workplace
WP_CADRE = "cadre.wp_cadre"  # cadre per workplace
SPLIT_PREPARED = "cadre.prepared"  # share of the organisation prepared for a split

LEVELS = "strategy.levels"  # action levels in force this month (every theory)
CHOSEN = "strategy.chosen"  # the levels the strategy chose (recorded either way)

HARDSHIP_CITY = "economy.hardship_city"
UNEMPLOYMENT = "economy.unemployment"
GRAIN = "economy.grain_shortfall"
NEPMEN = "economy.nepmen"
LENIN_ACTIVE = "economy.lenin_active"
WAR_SCARE = "economy.war_scare"

HOPE = "international.hope"
MACHINE = "coalitions.machine"
ALIGNED = "coalitions.aligned"
UNITED = "coalitions.united"
TARGET = "coalitions.target"

POLICY = "policy.left"
POLICE = "repression.police"
EXPELLED_LEADERS = "outcomes.leaders_expelled"
CITY_STATS = "mobilisation.city_stats"  # per city: sympathy, acting, workers acting, members acting
ARRESTS_CITY = "repression.arrests_city"
LEVY = "party.levy"
GATHERING = "party.gathering"

# Dependence of livelihood on the apparatus, by role: the higher, the costlier
# a public stance against the line (DESIGN section 3; Serge on 7 Nov 1927).
DEPENDENCE_KEYS = ("dependence_worker", "dependence_old_member", "dependence_recruit",
                   "dependence_official")


def switch(name: str, what: str, claim: tuple[str, ...] = ()) -> Param:
    """The ablation switch of a mechanism: off means its neutral behaviour."""
    return Param(True, "bool", doc=f"ablation switch: {what}", source="model structure",
                 claim=claim)


def observe(sim) -> dict[str, float]:
    """What the Opposition can see this month (the inputs of strategy rules)."""
    from inevitable.engine.timeline import month_index, parse_month

    st = sim.state
    start = month_index(*parse_month(sim.timeline.start)) if sim.timeline.unit == "month" else 0
    from inevitable.mechanisms.soviet import kernels as kn

    total = st[CITY_STATS][3]
    people = max(total[kn.C_N], 1.0)
    members = max(total[kn.C_MEMBERS], 1.0)
    cadre = st["cadre.count"]
    peak = st["cadre.peak"]
    aligned = st[ALIGNED]
    return {
        "month": float(start + sim.t),
        "year": float((start + sim.t) // 12),
        "t": float(sim.t),
        "cadre": float(cadre),
        "cadre_share": float(cadre / peak) if peak > 0 else 0.0,
        "sympathy": float(total[kn.C_SYMPATHISERS] / people),
        "public_support": float(total[kn.C_ACTING] / people),
        "member_support": float(total[kn.C_MEMBER_SUPPORT] / members),
        "fear": float(total[kn.C_FEAR] / people),
        "apparatus_control": float(st[MACHINE][CENTRE]),
        "strikes": float(st["mobilisation.strikes"]),
        "leaders_expelled": float(st[EXPELLED_LEADERS] > 0),
        "leningrad_in_opposition": float(aligned[LENINGRAD_GROUP] == 0),
        "united_opposition": float(st[UNITED] > 0),
        "right_in_opposition": float(aligned[RIGHT] == 0),
        "policy_left": float(st[POLICY]),
        "hope": float(st[HOPE]),
        "gathering": float(st[GATHERING] > 0),
    }


def events_at(sim, step: int) -> list[dict]:
    return sim.events_at(step)


def gathering_now(sim) -> bool:
    """Whether the leadership meets this month (a plenum, conference or congress)."""
    return any("gathering" in e.get("set", {}) for e in events_at(sim, sim.t))


def voice(theory: str) -> float:
    """1, or 0 under the null N: whether the Opposition's deeds can move anyone."""
    return 0.0 if theory == "N" else 1.0


def inputs_at(sim, step: int) -> dict:
    """The exogenous inputs that events set at ``step`` (later events win)."""
    out: dict = {}
    for e in events_at(sim, step):
        out.update(e.get("set", {}))
    return out


def clip01(x: float) -> float:
    return float(np.clip(x, 0.0, 1.0))
