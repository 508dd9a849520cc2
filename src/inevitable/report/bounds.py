"""The report's section on plausibility: runs beyond history's bounds, the headline inside.

Numbers come from verdict.json ``plausibility`` and ``headline_within_bounds``
by path, through :class:`~inevitable.report.tables.Numbers`, like every other
table, so the check that report.md and verdict.json agree covers them. A
strategy with most runs beyond the bounds is named in a plain sentence:
its chance is a statement about worlds the period never produced.
"""

from __future__ import annotations

from typing import Any

from inevitable.report.formatting import Kind
from inevitable.report.tables import Numbers, Table

_PLACE = "plausibility"
_WITHIN = "headline_within_bounds"


def _interval(nums: Numbers, path: str, kind: Kind) -> str:
    return (f"{nums(f'{path}.estimate', kind)} [{nums(f'{path}.low', kind)}, "
            f"{nums(f'{path}.high', kind)}]")


def _needs(nums: Numbers, path: str, f: dict[str, Any]) -> str | None:
    """The runs a flagged finding would need; None for a precise one."""
    return nums(f"{path}.runs_needed", "int") if f.get("too_few_runs") else None


def _precision(parts: dict[str, str | None]) -> str:
    """'precise', or which of the row's numbers needs how many runs for ±3 pts."""
    flagged = {k: n for k, n in parts.items() if n is not None}
    if not flagged:
        return "precise"
    if len(parts) == 1:
        return f"too few runs; needs {next(iter(flagged.values()))}"
    return "too few runs: " + ", ".join(f"{k} needs {n}" for k, n in flagged.items())


def _sentence(text: str) -> str:
    """A note as a sentence: capital first letter, one full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


def bound_items(v: dict[str, Any], nums: Numbers) -> list[str]:
    """Each bound in words, with its figure, its source and its note."""
    out = []
    for i, b in enumerate(v[_PLACE]["bounds"]):
        p = f"{_PLACE}.bounds[{i}]"
        limits = []
        if b.get("min") is not None:
            limits.append(f"at least {nums(f'{p}.min', 'number')}")
        if b.get("max") is not None:
            limits.append(f"at most {nums(f'{p}.max', 'number')}")
        text = f"{b['id']}: {b['final']} {' and '.join(limits)}. Source: {_sentence(b['source'])}"
        if b.get("note"):
            text += f" {_sentence(b['note'])}"
        out.append(text)
    return out


def plausibility_table(v: dict[str, Any], nums: Numbers) -> Table:
    """Per strategy: the share beyond any bound, and the chance over the runs inside."""
    o = v[_PLACE]["outcome"]
    t = Table("table-plausibility", f"Runs beyond the bounds from history, per strategy, and "
              f"the chance of {o} over each strategy's runs inside every bound (95% "
              "intervals, model-averaged). Precision: the runs each share would need for ±3 pts",
              ["strategy", "runs", "beyond a bound", "runs beyond", f"{o} inside the bounds",
               "runs inside", "precision"],
              [False, True, True, True, True, True, False])
    for i, row in enumerate(v[_PLACE]["strategies"]):
        p = f"{_PLACE}.strategies[{i}]"
        out, inside = f"{p}.outside", f"{p}.chance_within_bounds"
        t.rows.append([row["strategy"], nums(f"{out}.runs", "int"), _interval(nums, out, "prob"),
                       nums(f"{out}.count", "int"), _interval(nums, inside, "prob"),
                       nums(f"{inside}.runs", "int"),
                       _precision({"beyond": _needs(nums, out, row["outside"]),
                                   "inside": _needs(nums, inside,
                                                    row["chance_within_bounds"])})])
    return t


def per_bound_table(v: dict[str, Any], nums: Numbers) -> Table:
    """Each bound on its own: which bound the runs break."""
    t = Table("table-plausibility-bounds", "Runs beyond each bound, per strategy (95% "
              "intervals, model-averaged)",
              ["bound", "strategy", "runs", "beyond it", "runs beyond", "precision"],
              [False, False, True, True, True, False])
    for b in v[_PLACE]["bounds"]:
        for i, row in enumerate(v[_PLACE]["strategies"]):
            p = f"{_PLACE}.strategies[{i}].per_bound.{b['id']}"
            f = row["per_bound"][b["id"]]
            t.rows.append([b["id"], row["strategy"], nums(f"{p}.runs", "int"),
                           _interval(nums, p, "prob"),
                           nums(f"{p}.count", "int"), _precision({"beyond": _needs(nums, p, f)})])
    return t


def within_table(v: dict[str, Any], nums: Numbers) -> Table:
    """The three headline numbers, over the pairs inside every bound."""
    h = v[_WITHIN]
    t = Table("table-within-bounds", f"The headline inside the bounds: {h['reference']} and "
              f"{h['alternative']} over the (draw, seed) pairs where both stay inside every "
              "bound (95% intervals)", ["what", "estimate", "runs", "precision"],
              [False, True, True, False])
    for i, r in enumerate(h["rows"]):
        p = f"{_WITHIN}.rows[{i}]"
        kind: Kind = "prob" if r["kind"] == "probability" else "pts"
        t.rows.append([r["label"], _interval(nums, p, kind), nums(f"{p}.runs", "int"),
                       _precision({"it": _needs(nums, p, r)})])
    return t


def within_sentence(v: dict[str, Any], nums: Numbers) -> str:
    """The one sentence: the headline difference inside the bounds against the full one."""
    h = v[_WITHIN]
    if not h["kept"]:
        return (f"None of the {nums(f'{_WITHIN}.pairs', 'int')} (draw, seed) pairs kept "
                f"{h['reference']} and {h['alternative']} inside every bound, so the headline "
                "cannot be given inside the bounds.")
    text = (f"Keeping a (draw, seed) pair only if {h['reference']} and {h['alternative']} both "
            f"stay inside every bound in it ({nums(f'{_WITHIN}.kept', 'int')} of "
            f"{nums(f'{_WITHIN}.pairs', 'int')} pairs), {h['alternative']} minus "
            f"{h['reference']} changes the chance of {h['outcome']} by "
            f"{_interval(nums, f'{_WITHIN}.rows[2]', 'pts')}")
    full = [i for i, f in enumerate(v["answer"].get("averaged") or [])
            if f.get("kind") == "difference"]
    if full:
        text += (f", against {_interval(nums, f'answer.averaged[{full[0]}]', 'pts')} over "
                 "all runs")
    if h.get("weights"):
        weights = ", ".join(f"{t} {nums(f'{_WITHIN}.weights.{t}', 'prob')}"
                            for t in h["weights"])
        text += (f"; the theories weigh {weights} among the kept pairs, since the bounds "
                 "may remove some theories' worlds more than others'")
    return text + "."


def outside_sentences(v: dict[str, Any], nums: Numbers) -> list[str]:
    """A plain sentence for each strategy with most of its runs beyond the bounds."""
    out = []
    o = v[_PLACE]["outcome"]
    for i, row in enumerate(v[_PLACE]["strategies"]):
        if not row["most_outside"]:
            continue
        p = f"{_PLACE}.strategies[{i}].outside"
        out.append(f"Most runs of {row['strategy']} lie outside the bounds "
                   f"({_interval(nums, p, 'prob')} of them break one): its chance of {o} "
                   "over all runs describes worlds beyond anything the sources report, and "
                   "only its runs inside the bounds speak to the history that could have "
                   "happened.")
    return out
