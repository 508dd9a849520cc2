"""Epstein's civil violence Model 1 (PNAS 2002), with the rules of Mesa 3.3.1's example.

Citizens with hardship H ~ U(0,1) and risk aversion R ~ U(0,1) hold grievance
G = H(1 - L) against a regime of legitimacy L. A citizen estimates its chance
of arrest from the cops C and actives A in its vision (A counts itself),
P = 1 - exp(-k * f(C/A)), and goes active iff G - R * P > T. Cops jail a random
active citizen in their vision for a term drawn uniformly from 0..J_max. Both
then move to a random empty cell in vision. What comes out is punctuated
equilibrium: long calm, then sudden outbursts.

Why this model is in the package: it is the standard test of an agent-based
engine against the framework people already use. The rules mirror Mesa's
``mesa/examples/advanced/epstein_civil_violence`` line by line (von Neumann
vision on a torus, capacity 1, sequential random activation, jailed citizens
keep their cell, the ``if self.jail_sentence`` release logic), so that
``validation/epstein_vs_mesa.py`` can compare the two as distributions.

f is the rounding of C/A: Mesa uses Python's ``round`` (half to even),
NetLogo's Rebellion ``floor``; the paper prints no rounding (``none``), and
with it there are no outbursts. The paper's Runs 3-5 add schedules: legitimacy
falling a percent a tick ("salami tactics") or in one jump at t = 77, life
sentences, and cops withdrawn over time.

Sources: J. M. Epstein, "Modeling civil violence: An agent-based computational
approach", PNAS 99 suppl. 3 (2002) 7243-7250; Mesa 3.3.1,
``mesa/examples/advanced/epstein_civil_violence``; U. Wilensky, NetLogo
Rebellion (2004).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param, Uniform
from inevitable.engine.registry import register
from inevitable.errors import InputError
from inevitable.mechanisms import epstein_kernels as kern

PAPER = "Epstein (2002), PNAS 99 suppl. 3: 7243-7250"
RUN2 = f"{PAPER}, Table 2, Run 2"
RUNS34 = f"{PAPER}, Runs 3-4 (Figs. 9-10)"
MESA = "Mesa 3.3.1 examples/advanced/epstein_civil_violence"
NETLOGO = "NetLogo Rebellion (Wilensky 2004)"
ROUNDINGS = {"round": kern.ROUND, "floor": kern.FLOOR, "none": kern.NONE}


def _p(default, kind="float", **kw) -> Param:
    return Param(default, kind, **kw)


PARAMS: dict[str, Param] = {
    "width": _p(40, "int", unit="cells", low=1, high=100_000, source=RUN2,
                doc="lattice width; the lattice is a torus"),
    "height": _p(40, "int", unit="cells", low=1, high=100_000, source=RUN2,
                 doc="lattice height"),
    "citizen_density": _p(0.7, unit="fraction", low=0.0, high=1.0, source=RUN2,
                          prior=Uniform(low=0.5, high=0.8),
                          doc="chance that a cell starts with a citizen"),
    "cop_density": _p(0.04, unit="fraction", low=0.0, high=1.0, source=RUN2,
                      prior=Uniform(low=0.02, high=0.1),
                      doc="chance that a cell starts with a cop (Mesa's constructor: 0.074)"),
    "citizen_vision": _p(7, "int", unit="cells", low=1, high=kern.MAX_VISION, source=RUN2,
                         doc="von Neumann radius (Manhattan distance) a citizen sees"),
    "cop_vision": _p(7, "int", unit="cells", low=1, high=kern.MAX_VISION, source=RUN2,
                     doc="von Neumann radius a cop sees"),
    "legitimacy": _p(0.82, unit="fraction", low=0.0, high=1.0, source=RUN2,
                     prior=Uniform(low=0.6, high=0.95),
                     doc="L, the regime's perceived legitimacy at the start; G = H(1 - L)"),
    "max_jail_term": _p(30, "int", unit="ticks", low=0, high=1_000_000_000, source=RUN2,
                        doc="J_max: a term is a uniform integer in 0..J_max"),
    "infinite_jail": _p(False, "bool", source=f"{PAPER}, Table 2, Runs 3-5 (J_max = inf)",
                        doc="life sentences: jailed citizens never come out"),
    "active_threshold": _p(0.1, unit="grievance", low=-1.0, high=1.0, source=RUN2,
                           doc="T: go active iff G - R * P > T"),
    "arrest_prob_constant": _p(2.3, unit="1", low=0.0, high=100.0, source=RUN2,
                               prior=Uniform(low=1.0, high=4.0),
                               doc="k, set so that P = 0.9 when C = A = 1"),
    "movement": _p(True, "bool", source=MESA,
                   doc="whether citizens and cops move (Mesa freezes both when off)"),
    "arrest_rounding": _p(
        "floor", "choice", choices=("round", "floor", "none"), source=NETLOGO,
        doc="f in P = 1 - exp(-k f(C/A)): round = Mesa (half to even), floor = NetLogo, "
            "none = the paper as printed (no outbursts)"),
    "legitimacy_schedule": _p(
        "constant", "choice", choices=("constant", "salami", "jump"), source=RUNS34,
        doc="salami: L falls by legitimacy_step each tick from legitimacy_change_tick down "
            "to legitimacy_floor (Run 3); jump: L drops to legitimacy_jump_to (Run 4)"),
    "legitimacy_change_tick": _p(77, "int", unit="tick", low=0, high=10_000_000,
                                 source=RUNS34, doc="first tick at the changed legitimacy"),
    "legitimacy_step": _p(0.01, unit="per tick", low=0.0, high=1.0,
                          source=f"{PAPER}, Run 3: 'small increments (of a percent per cycle)'",
                          doc="how much L falls each tick under salami tactics"),
    "legitimacy_floor": _p(0.2, unit="fraction", low=0.0, high=1.0,
                           source=f"{PAPER}, Run 3: L from 0.9 down to 0.2",
                           doc="where salami tactics stop"),
    "legitimacy_jump_to": _p(0.7, unit="fraction", low=0.0, high=1.0,
                             source=f"{PAPER}, Run 4: L 0.9 -> 0.7 at t = 77",
                             doc="L after the one jump"),
    "cop_schedule": _p("constant", "choice", choices=("constant", "reduce"),
                       source=f"{PAPER}, Run 5 (Fig. 11, cop reductions)",
                       doc="reduce: cops are taken off the lattice at random from "
                           "cop_reduction_tick on"),
    "cop_reduction_tick": _p(50, "int", unit="tick", low=0, high=10_000_000, assumption=True,
                             doc="first tick with fewer cops (t = 50 from the project's research "
                                 "notes, not checked against the paper's text)"),
    "cop_reduction_per_tick": _p(
        0.002, unit="share of initial cops per tick", low=0.0, high=1.0, assumption=True,
        doc="the force shrinks linearly by this share of its initial size each tick "
            "(0.002: gone after 500 ticks; the paper gives no figure)"),
    "cop_reduction_floor": _p(0.0, unit="share of initial cops", low=0.0, high=1.0,
                              assumption=True, doc="the share of the force that is never removed"),
    "outburst_level": _p(
        0.045, unit="share of citizens", low=0.0, high=1.0,
        source=f"{PAPER}, Fig. 5: outbursts counted above 50 actives (of ~1120 citizens)",
        doc="an outburst is under way while more than this share of citizens is active"),
}


def legitimacy_at(p: Any, t: int) -> float:
    """L at tick ``t`` under the schedule (Runs 3 and 4 of the paper)."""
    if p.legitimacy_schedule == "constant" or t < p.legitimacy_change_tick:
        return float(p.legitimacy)
    if p.legitimacy_schedule == "jump":
        return float(p.legitimacy_jump_to)
    fallen = p.legitimacy - p.legitimacy_step * (t - p.legitimacy_change_tick + 1)
    return float(max(fallen, min(p.legitimacy_floor, p.legitimacy)))


def cops_wanted(p: Any, t: int, initial: int) -> int:
    """How many cops Run 5's schedule leaves on the lattice at tick ``t``."""
    if p.cop_schedule == "constant" or t < p.cop_reduction_tick:
        return initial
    share = max(p.cop_reduction_floor,
                1.0 - p.cop_reduction_per_tick * (t - p.cop_reduction_tick + 1))
    return round(initial * share)


def outbursts(active: np.ndarray, level: float) -> list[tuple[int, int]]:
    """Outbursts as (start, end) steps, end exclusive.

    An outburst starts at a step where more than ``level`` citizens are active
    and the step before was at or below it; it ends at the first later step at
    or below ``level`` (or at the end of the series). This is the paper's
    "actives exceed 50" criterion (Fig. 5), with the level a parameter.
    """
    above = np.asarray(active) > level
    edges = np.diff(np.concatenate(([False], above, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def waits(spans: list[tuple[int, int]]) -> np.ndarray:
    """Ticks from the end of each outburst to the start of the next."""
    return np.array([b[0] - a[1] for a, b in pairwise(spans)], dtype=float)


@register
class EpsteinCivilViolence(Mechanism):
    name = "epstein"
    params = PARAMS
    series = {
        "active": Output("citizens active (rebelling)", "citizens", "int64"),
        "quiet": Output("citizens free and quiet", "citizens", "int64"),
        "jailed": Output("citizens in jail (Mesa's ARRESTED)", "citizens", "int64"),
        "cops": Output("cops on the lattice", "cops", "int64"),
        "legitimacy": Output("L in force during the step", "fraction"),
    }
    finals = {
        "outbursts": Output("number of outbursts (see outburst_level)", "outbursts", "int64"),
        "mean_wait": Output("mean ticks between outbursts (NaN with fewer than two)", "ticks"),
        "peak_active": Output("most citizens active at one step", "citizens", "int64"),
        "mean_active_share": Output("mean share of citizens active over steps 1..end",
                                    "fraction"),
    }

    def init(self, sim) -> None:
        p = self.p
        if p.citizen_density + p.cop_density > 1.0:
            raise InputError("citizen_density + cop_density must not exceed 1 "
                             f"(got {p.citizen_density} + {p.cop_density})")
        w, h = p.width, p.height
        self.pad = pad = max(p.citizen_vision, p.cop_vision)
        # Each cell independently: citizen, cop or empty (Mesa's random.choices).
        u = self.stream("placement").uniform(w * h)
        is_cit = u < p.citizen_density
        cit_cells = np.flatnonzero(is_cit)
        cop_cells = np.flatnonzero(~is_cit & (u < p.citizen_density + p.cop_density))
        self.n_cit = n_cit = int(cit_cells.size)
        cells = np.concatenate((cit_cells, cop_cells))  # slots: citizens, then cops
        n_all = int(cells.size)

        values = np.full(w * h, kern.EMPTY, dtype=np.int64)
        values[cit_cells] = kern.HELD
        values[cop_cells] = kern.COP_CELL
        lattice = kern.build_lattice(values.reshape(h, w), pad)
        self.prefix = self.alloc("prefix", lattice.size, np.uint16)
        self.prefix[:] = lattice
        self.x = self.alloc("x", n_all, np.int32)  # column; -1 for a cop taken off
        self.x[:] = cells % w
        self.y = self.alloc("y", n_all, np.int32)
        self.y[:] = cells // w
        self.occupant = self.alloc("occupant", w * h, np.int32, -1)
        self.occupant[cells] = np.arange(n_all, dtype=np.int32)
        self.state = self.alloc("state", n_cit, np.uint8, kern.QUIET)
        self.hardship = self.alloc("hardship", n_cit, np.float64)
        self.hardship[:] = self.stream("hardship").uniform(n_cit)
        self.risk = self.alloc("risk_aversion", n_cit, np.float64)
        self.risk[:] = self.stream("risk_aversion").uniform(n_cit)
        self.jail = self.alloc("jail_sentence", n_cit, np.int32, 0)
        self.counts = self.alloc("counts", 4, np.int64)
        kern.count_states(self.state, self.x, n_cit, self.counts)

        # Derived from parameters only, or overwritten before every read: not state.
        self.cit_rows = kern.vision_rows(p.citizen_vision, w, h, pad)
        self.cop_rows = kern.vision_rows(p.cop_vision, w, h, pad)
        self.p_table = kern.arrest_table(p.arrest_prob_constant, int(self.cit_rows[:, 2].sum()))
        self.p_grid = kern.arrest_grid(self.p_table, ROUNDINGS[p.arrest_rounding])
        self.small = (kern.small_radius(p.citizen_vision, w, h),
                      kern.small_radius(p.cop_vision, w, h))
        self._windows = tuple(kern.window_table(len(s), w, pad) for s in self.small)
        self._order = np.empty(n_all, dtype=np.int32)
        self._swap = np.empty(n_all, dtype=np.int32)
        self._rowsum = np.empty(max(len(self.cit_rows), len(self.cop_rows)), dtype=np.int64)
        self._counts = np.zeros(kern.BLOCK, dtype=np.uint16)  # lanes past the rows stay 0
        self._keys = tuple(self.stream(n).key for n in
                           ("order", "move", "arrest_pick", "jail_term", "cop_removal"))

    def step(self, sim) -> None:
        p, t = self.p, sim.t
        if p.cop_schedule == "reduce":
            extra = int(self.counts[3]) - cops_wanted(p, t, self.x.shape[0] - self.n_cit)
            if extra > 0:
                kern.remove_cops(self.prefix, self.occupant, self.x, self.y, p.width,
                                 p.height, self.pad, self.n_cit, extra, self._keys[4], t)
        kern.step_kernel(
            self.prefix, self.occupant, self.x, self.y, self.state, self.hardship, self.risk,
            self.jail, self._order, self._swap, self._rowsum, self._counts, p.width, p.height,
            self.pad, self.n_cit, self.cit_rows, self.cop_rows, *self.small, *self._windows,
            legitimacy_at(p, t),
            p.active_threshold, p.arrest_prob_constant, ROUNDINGS[p.arrest_rounding],
            self.p_table, self.p_grid, p.max_jail_term, p.infinite_jail, p.movement,
            *self._keys[:4], t,
        )
        kern.count_states(self.state, self.x, self.n_cit, self.counts)

    def record(self, sim) -> dict[str, Any]:
        c = self.counts
        return {"active": c[0], "quiet": c[1], "jailed": c[2], "cops": c[3],
                "legitimacy": legitimacy_at(self.p, sim.t)}

    def finalize(self, sim) -> dict[str, Any]:
        active = sim.results["active"][: sim.t + 1]
        spans = outbursts(active, self.p.outburst_level * self.n_cit)
        gaps = waits(spans)
        return {
            "outbursts": len(spans),
            "mean_wait": float(gaps.mean()) if gaps.size else float("nan"),
            "peak_active": int(active.max()),
            "mean_active_share": float(active[1:].mean() / max(self.n_cit, 1)),
        }
