"""The report's structure-versus-agency section: Sobol indices, their gate, their convergence.

Like every table of the report, these fetch numbers of the verdict by path
(:class:`~inevitable.report.tables.Numbers`) and compute none. An index whose
95% half-width exceeds the verdict's ``precision`` is printed with "too few
runs to say" and the base samples it would need, never as if it were a
finding. A verdict written before the gate existed (no ``agency``, no
``convergence``) still renders, with the old wording and without the gate.
"""

from __future__ import annotations

from typing import Any

from inevitable.report.tables import Numbers, Table


def _precise(s: dict[str, Any]) -> bool:
    a = s.get("agency")
    return a is not None and not a.get("too_few_runs")


def agency_title(v: dict[str, Any], nums: Numbers) -> str:
    """A figure title's words for the share of agency: the number only if it is a finding."""
    s = v["sensitivity"]
    share = f"agency {nums('sensitivity.agency_share', 'index')}"
    return share + (": too few runs to say" if s.get("agency") is not None
                    and not _precise(s) else "")


def agency_paragraphs(v: dict[str, Any], nums: Numbers) -> list[str]:
    """What the section measures, and the share of agency if it is precise enough."""
    s = v["sensitivity"]
    o = s["outcome"]
    if s.get("agency") is None or not s.get("contrast"):
        return [f"How much of the variation in {o} does the Opposition's strategy explain, "
                "and how much the objective conditions? The strategy's total Sobol index is "
                f"{nums('sensitivity.agency_share', 'index')}. A total index well above the "
                "first-order one means the factor matters through its interactions."]
    ref, alt = s["contrast"]
    design = (f"{nums('sensitivity.samples', 'int')} base samples of Saltelli's design, "
              f"{nums('sensitivity.runs', 'int')} runs, "
              f"{nums('sensitivity.replicates', 'int')} seed(s) per point")
    what = (f"How much of the variation in {o} does the Opposition's strategy explain, and "
            "how much the objective conditions? The strategy enters as a choice between "
            f"two, equally likely: the reference, {ref} (the strategy history followed, "
            f"where the scenario has one), and the best alternative the headline found, {alt}; "
            "every other strategy is left out, so the answer does not change with how many "
            "strategies are on the menu. The strategy's total Sobol index is the share of "
            "agency: the share of the variance that would vanish if one knew which of the two "
            "was followed, its interactions with the conditions included. One minus it is "
            f"what the conditions explain on their own, structure ({design}; both levels of "
            "the strategy run on the same seeds). A total index well above the first-order "
            "one means the factor matters through its interactions.")
    t = s.get("theory")
    if t is not None and t in v.get("theories", {}).get("posterior", {}):
        # the design is one theory's: say which, since a theory that shuts the strategy's
        # channels would read as "structure" what is its own assumption
        what += (f" The design runs under one theory, {t}, the one the calibration favours "
                 f"({nums(f'theories.posterior.{t}', 'prob')}), with every parameter but the "
                 "conditions at its scenario value; the other theories' shares were not "
                 f"computed, so this is {t}'s share, not one averaged over the theories.")
    a = s["agency"]
    gate = nums("sensitivity.precision", "index")
    share = (f"{nums('sensitivity.agency.estimate', 'index')} "
             f"±{nums('sensitivity.agency.half_width', 'index')}")
    if s.get("constant"):
        found = (f"{o} was the same in every run, so there is no variance to share between "
                 f"the conditions and the strategy: the strategy's total index reads {share} "
                 f"there, and means nothing (a finding needs ±{gate} on a design whose runs "
                 "differ).")
    elif a.get("too_few_runs"):
        found = (f"Agency: too few runs to say. The strategy's total index, {share}, is wider "
                 f"than the ±{gate} a finding needs (95% bootstrap half-width); about "
                 f"{nums('sensitivity.agency.samples_needed', 'int')} base samples "
                 f"({nums('sensitivity.agency.runs_needed', 'int')} runs) would be needed. "
                 "That is an estimate: it takes the half-width to shrink as one over the "
                 "square root of the base samples.")
    else:
        found = (f"Agency: {share} of the variance of {o} (95% bootstrap half-width, within "
                 f"the ±{gate} a finding needs); structure, the rest.")
    return [what, found]


def _row_precision(s: dict[str, Any], nums: Numbers, i: int) -> str:
    if s.get("constant"):
        return "no variance"
    need = {k: s[f"{k}_samples_needed"][i] for k in ("S1", "ST")}
    if need["S1"] is None and need["ST"] is None:
        return f"within ±{nums('sensitivity.precision', 'index')}"
    parts = [f"{nums(f'sensitivity.{k}_samples_needed[{i}]', 'int')} ({label})"
             for k, label in (("S1", "first order"), ("ST", "total")) if need[k] is not None]
    return "too few runs to say; needs about " + " / ".join(parts) + " base samples"


def sensitivity_table(v: dict[str, Any], nums: Numbers) -> Table:
    s = v["sensitivity"]
    gated = "S1_samples_needed" in s and "ST_samples_needed" in s
    t = Table("table-sensitivity", f"Sobol indices of {s['outcome']}: the share of its "
              "variance each factor explains alone (first order) and with its interactions "
              "(total), with 95% bootstrap half-widths"
              + ("; an index is a finding only within the precision shown" if gated else ""),
              ["factor", "first order", "±", "total", "±"] + (["precision"] if gated else []),
              [False, True, True, True, True] + ([False] if gated else []))
    for i, name in enumerate(s["names"]):
        row = [name, nums(f"sensitivity.S1[{i}]", "index"),
               nums(f"sensitivity.S1_conf[{i}]", "index"),
               nums(f"sensitivity.ST[{i}]", "index"),
               nums(f"sensitivity.ST_conf[{i}]", "index")]
        t.rows.append(row + ([_row_precision(s, nums, i)] if gated else []))
    return t


def convergence_table(v: dict[str, Any], nums: Numbers) -> Table | None:
    s = v["sensitivity"]
    levels = s.get("convergence") or []
    if not levels:
        return None
    t = Table("table-sensitivity-convergence", f"Sobol indices of {s['outcome']} against the "
              "base samples: each row from the first N base samples of the same design (its "
              "nested prefix, no extra runs), with 95% bootstrap half-widths",
              ["base samples", "runs", "factor", "first order", "±", "total", "±"],
              [True, True, False, True, True, True, True])
    for j, lv in enumerate(levels):
        p = f"sensitivity.convergence[{j}]"
        for i, name in enumerate(s["names"]):
            t.rows.append([nums(f"{p}.samples", "int"), nums(f"{p}.runs", "int"),
                           name + (" (no variance)" if lv.get("constant") else ""),
                           nums(f"{p}.S1[{i}]", "index"), nums(f"{p}.S1_conf[{i}]", "index"),
                           nums(f"{p}.ST[{i}]", "index"), nums(f"{p}.ST_conf[{i}]", "index")])
    return t
