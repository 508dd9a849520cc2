"""The report's sections on uncertainty: the averaged headline, beliefs, survival.

Like every table of the report, these only fetch numbers of the verdict by
path and format them (:class:`~inevitable.report.tables.Numbers`), so the
tests' check that report.md and verdict.json agree covers them too. A
finding flagged ``too_few_runs`` is printed with the runs it would need,
never as if it were precise.
"""

from __future__ import annotations

from typing import Any

from inevitable.report.formatting import Kind
from inevitable.report.tables import Numbers, Table, theory_name


def _precision(nums: Numbers, path: str, f: dict[str, Any]) -> str:
    if f.get("too_few_runs"):
        return f"too few runs to say; needs about {nums(f'{path}.runs_needed', 'int')}"
    return "precise (within ±3 pts)"


def _interval(nums: Numbers, path: str, kind: Kind) -> str:
    return (f"{nums(f'{path}.estimate', kind)} [{nums(f'{path}.low', kind)}, "
            f"{nums(f'{path}.high', kind)}]")


def averaged_table(v: dict[str, Any], nums: Numbers) -> Table:
    t = Table("table-averaged", "The headline, posterior predictive and model-averaged: "
              "95% intervals over seeds, parameter draws and theories",
              ["what", "theory", "estimate", "runs", "precision"],
              [False, False, True, True, False])
    for i, f in enumerate(v["answer"].get("averaged") or []):
        p = f"answer.averaged[{i}]"
        kind: Kind = "prob" if f["kind"] == "probability" else "pts"
        t.rows.append([f["label"], "all, weighted", _interval(nums, p, kind),
                       nums(f"{p}.runs", "int"), _precision(nums, p, f)])
        for th, g in (f.get("per_theory") or {}).items():
            q = f"{p}.per_theory.{th}"
            t.rows.append(["", th, _interval(nums, q, kind), nums(f"{q}.runs", "int"),
                           _precision(nums, q, g)])
    return t


def variance_sentence(v: dict[str, Any], nums: Numbers) -> str:
    c = v["compare"]
    runs = ""
    if "draws" in c and "seeds_per_draw" in c:
        runs = (f" Each arm ran {nums('compare.draws', 'int')} draws of theory and "
                f"parameters, each on {nums('compare.seeds_per_draw', 'int')} seeds, the same "
                f"in every arm ({c.get('stopped', '')}).")
    split = v["answer"].get("variance")
    if not split:
        return runs.strip()
    return (f"Of the variance of a run's outcome with the {c['reference']} strategy, "
            f"{nums('answer.variance.seeds', 'prob')} is luck (seeds), "
            f"{nums('answer.variance.parameters', 'prob')} the parameters and "
            f"{nums('answer.variance.theories', 'prob')} which theory holds (law of total "
            "variance)." + runs)


def tipping_tables(v: dict[str, Any], nums: Numbers) -> list[Table]:
    alt = (v.get("beliefs") or {}).get("alternative", "the best alternative")
    ref = v["compare"]["reference"]
    summary = Table("table-tipping", f"Tipping points: where {alt} stops beating {ref} "
                    "(n/a: the sign never flips in the prior range)",
                    ["parameter", "tipping point", f"prior mass favouring {alt}"],
                    [False, True, True])
    points = Table("table-tipping-points", f"{alt} minus {ref}, change in the chance, with "
                   "one parameter held at quantiles of its prior",
                   ["parameter", "value", "prior quantile", "difference", "runs", "precision"],
                   [False, True, True, True, True, False])
    for i, tp in enumerate(v.get("tipping") or []):
        p = f"tipping[{i}]"
        summary.rows.append([tp["parameter"], nums(f"{p}.threshold", "number"),
                             nums(f"{p}.prior_mass_favouring_alternative", "prob")])
        for j, pt in enumerate(tp["points"]):
            q = f"{p}.points[{j}]"
            points.rows.append([tp["parameter"], nums(f"{q}.value", "number"),
                                nums(f"{q}.quantile", "prob"), _interval(nums, q, "pts"),
                                nums(f"{q}.runs", "int"), _precision(nums, q, pt)])
    return [summary, points]


def screen_table(v: dict[str, Any], nums: Numbers) -> Table:
    t = Table("table-screen", "The parameters the headline difference follows most (rank "
              "correlation across the headline's draws)",
              ["parameter", "rank correlation", "beyond chance at 95%"], [False, True, False])
    for i, s in enumerate((v.get("beliefs") or {}).get("screen") or []):
        t.rows.append([s["name"], nums(f"beliefs.screen[{i}].rho", "index"),
                       "yes" if s["significant"] else "no"])
    return t


def map_table(v: dict[str, Any], nums: Numbers) -> Table | None:
    m = (v.get("beliefs") or {}).get("map")
    if not m:
        return None
    a, b = m["parameters"]
    t = Table("table-map", f"The headline difference over {a} (rows) and {b} (columns)",
              [f"{a} (rows) by {b}"] + [nums(f"beliefs.map.y[{j}]", "number")
                                 for j in range(len(m["y"]))],
              [True] * (len(m["y"]) + 1))
    for i in range(len(m["x"])):
        t.rows.append([nums(f"beliefs.map.x[{i}]", "number")]
                      + [nums(f"beliefs.map.difference[{i}][{j}]", "pts")
                         for j in range(len(m["y"]))])
    return t


def beliefs_paragraphs(v: dict[str, Any], nums: Numbers) -> list[str]:
    b = v.get("beliefs") or {}
    out = []
    if b.get("map"):
        out.append(f"Over the grid of the top two, {b['alternative']} beats "
                   f"{v['compare']['reference']} on "
                   f"{nums('beliefs.map.prior_mass_favouring_alternative', 'prob')} of it.")
    s = b.get("sceptical")
    if s:
        priors = ", ".join(f"{k} ~ {q}" for k, q in s["priors"].items())
        out.append(f"A sceptic who believes the deeds of the Opposition count for little "
                   f"({priors}, whatever the record says of them) finds the headline "
                   f"difference {_interval(nums, 'beliefs.sceptical', 'pts')} on "
                   f"{nums('beliefs.sceptical.runs', 'int')} runs; "
                   f"{_precision(nums, 'beliefs.sceptical', s)}.")
    return out


def survival_table(v: dict[str, Any], nums: Numbers) -> Table:
    s = v.get("survival") or {}
    t = Table("table-survival", "Avoided or postponed: runs standing at the end of the run, "
              "and of the runs spared the outcome, those defeated later and those never",
              ["strategy", "theory", "runs", "standing at the end", "postponed", "avoided"],
              [False, False, True, True, True, True])
    for i, c in enumerate(s.get("curves") or []):
        p = f"survival.curves[{i}]"
        t.rows.append([c["strategy"], theory_name(c["theory"]), nums(f"{p}.runs", "int"),
                       nums(f"{p}.survive_to_end", "prob"), nums(f"{p}.postponed", "prob"),
                       nums(f"{p}.avoided", "prob")])
    return t


def unreachable_paragraphs(v: dict[str, Any], nums: Numbers) -> list[str]:
    out = []
    for i, u in enumerate((v.get("survival") or {}).get("unreachable") or []):
        p = f"survival.unreachable[{i}]"
        out.append(f"'{u['outcome']}' was never reached in any of "
                   f"{nums(f'{p}.runs', 'int')} runs: unreachable in this model as run "
                   f"here, not a measured 0% (its chance is below "
                   f"{nums(f'{p}.upper_bound', 'prob')} at 95%).")
    return out


def record_paragraph(v: dict[str, Any], nums: Numbers) -> str | None:
    """Why the strategy followed is not defeated in every run: its runs against the
    record's own months of the outcome (verdict.json ``survival.record``)."""
    r = (v.get("survival") or {}).get("record")
    if not r:
        return None
    p = "survival.record"
    return (f"The record dates the outcome ({r['target']}) to {r['low']} .. {r['high']}. "
            f"Of the {nums(f'{p}.runs', 'int')} headline runs of '{r['strategy']}', the "
            f"strategy followed, {nums(f'{p}.within', 'prob')} met it in those months, "
            f"{nums(f'{p}.before', 'prob')} earlier ({nums(f'{p}.before_by_half_a_year', 'prob')}"
            f" more than six months earlier), {nums(f'{p}.after', 'prob')} later "
            f"and {nums(f'{p}.never', 'prob')} never in the run. The calibration fits the "
            "dates only as well as this, so the chance of the outcome under the strategy "
            "followed is below the record's certainty by what came too late or never, and "
            "what came too early is a history other than the one recorded.")


def _distinct(nums: Numbers, paths: list[str], kind: Kind) -> str:
    """Several numbers that are usually equal (runs behind paired findings), once each."""
    texts: list[str] = []
    for p in paths:
        t = nums(p, kind)
        if t not in texts:
            texts.append(t)
    return ", ".join(texts)


def definition_table(v: dict[str, Any], nums: Numbers) -> Table | None:
    """The headline on the grid of cut-offs and thresholds (verdict.json ``definition``)."""
    d = v.get("definition") or {}
    if not d.get("rows"):
        return None
    ref, alt = d["reference"], d["alternative"]
    has_threshold = d.get("threshold") is not None
    headers = ["cut-off"] + (["threshold"] if has_threshold else []) + [
        ref, alt, f"{alt} minus {ref}", "runs", "precision", "best there"]
    numeric = [False] + ([True] if has_threshold else []) + [True, True, True, True, False,
                                                            False]
    t = Table("table-definition", f"The headline with the outcome defined otherwise: the "
              f"chance of {d['outcome']} with {ref} and with {alt}, and the paired "
              "difference (95% intervals). Precision: the runs each of the three would need "
              "for ±3 pts (- where it has them); best there: the strategy least often "
              "reaching it (- where only these two ran)", headers, numeric)
    for i, r in enumerate(d["rows"]):
        p = f"definition.rows[{i}]"
        parts = ("reference", "alternative", "difference")
        needed = [nums(f"{p}.{k}.runs_needed", "int") if r[k].get("too_few_runs") else "-"
                  for k in parts]
        precision = ("precise" if needed == ["-"] * 3
                     else "too few runs; needs " + " / ".join(needed))
        row = [r["cutoff"] + (" (the headline)" if r["own"] else "")]
        if has_threshold:
            row.append(nums(f"{p}.threshold", "number"))
        row += [_interval(nums, f"{p}.reference", "prob"),
                _interval(nums, f"{p}.alternative", "prob"),
                _interval(nums, f"{p}.difference", "pts"),
                _distinct(nums, [f"{p}.{k}.runs" for k in parts], "int"), precision,
                r["best"] if r["best"] is not None else "-"]
        t.rows.append(row)
    return t


def definition_paragraph(v: dict[str, Any], nums: Numbers) -> str:
    """How the grid was made, quoting the scenario's own definition."""
    d = v.get("definition") or {}
    if not d.get("rows"):
        return d.get("note", "")
    cut = d["cutoff"]
    where = (f"its cut-off ({cut['parameter']}, {cut['value']} in the scenario)"
             if cut.get("parameter") else f"the step it came by (the run's last, {cut['value']})")
    text = (f"'{d['outcome']}' is a definition, not a fact of the record. The headline is "
            f"recomputed with {where} moved: that needs no new runs, since each run records "
            f"when it came ({d['time']})")
    th = d.get("threshold")
    if th:
        text += (f"; and with its threshold ({th['parameter']}, "
                 f"{nums('definition.threshold.value', 'number')} in the scenario) moved, "
                 "which reruns part of the headline's draws, on the same parameters and "
                 f"seeds, for {d['reference']} and {d['alternative']} only")
    draws = _distinct(nums, [f"definition.rows[{i}].draws" for i in range(len(d["rows"]))],
                      "int")
    return text + (f". The alternative is the headline's in every row; the rows rest on "
                   f"{draws} parameter draws.")
