"""The report's tables, built once and rendered twice (Markdown and HTML).

A table cell never holds a number computed here: every number is fetched from
the verdict by its path (``compare.arms[3].defeat.low``) and written through
:func:`inevitable.report.formatting.fmt`. :class:`Numbers` records each path it
formats, which is how the tests know that every number of verdict.json is in
the report and that the report shows no number verdict.json lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from inevitable.report.formatting import Kind, diff_kind, fmt

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``a.b[2].c`` -> ``['a', 'b', 2, 'c']``."""
    return [int(i) if i else k for k, i in _PART.findall(path)]


def join_path(parts: list[str | int] | tuple) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    return out


class Numbers:
    """Formats numbers of the verdict by path, and remembers which it formatted."""

    def __init__(self, verdict: dict[str, Any]) -> None:
        self.verdict = verdict
        self.used: dict[str, tuple[Kind, str]] = {}

    def get(self, path: str) -> Any:
        node: Any = self.verdict
        for part in parse_path(path):
            node = node[part]
        return node

    def __call__(self, path: str, kind: Kind) -> str:
        text = fmt(self.get(path), kind)
        self.used[path] = (kind, text)
        return text

    def interval(self, path: str, kind: Kind = "prob") -> str:
        """``value [low, high]`` of the estimate at ``path``."""
        est = self.get(path) or {}
        value = self(f"{path}.value", kind)
        if est.get("low") is None and est.get("high") is None:
            return value
        return f"{value} [{self(f'{path}.low', kind)}, {self(f'{path}.high', kind)}]"

    def runs(self, paths: list[str]) -> str:
        """The distinct run counts ``n`` of several estimates, e.g. ``200``."""
        texts: list[str] = []
        for p in paths:
            if self.get(p).get("n") is not None:
                t = self(f"{p}.n", "int")
                if t not in texts:
                    texts.append(t)
        return ", ".join(texts) or "n/a"


@dataclass
class Table:
    """A captioned table; ``numeric[j]`` marks a column of numbers only."""

    id: str
    caption: str
    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]] = field(default_factory=list)
    tags: tuple[int, ...] = ()  # columns whose cells are categories (drawn as badges)
    filterable: bool = False  # long tables get a filter box on the page


def outcome_kind(verdict: dict[str, Any], outcome: str) -> Kind:
    """How an outcome's estimates are written: percentages for chances.

    ``units[outcome]`` decides when given; otherwise an outcome whose every
    estimate lies in [0, 1] is taken to be a probability.
    """
    unit = (verdict.get("units") or {}).get(outcome)
    if unit is not None:
        return "prob" if unit == "probability" else "number"
    for arm in verdict["compare"]["arms"]:
        est = arm.get(outcome) or {}
        for key in ("value", "low", "high"):
            x = est.get(key)
            if x is not None and not 0 <= x <= 1:
                return "number"
    return "prob"


def theory_name(t: str | None) -> str:
    return t if t is not None else "-"


def theory_order(verdict: dict[str, Any]) -> list[str | None]:
    """Theories from the most to the least probable on the record, then the rest."""
    post = verdict["theories"]["posterior"]
    seen = [x["theory"] for x in [*verdict["curve"]["points"], *verdict["compare"]["arms"]]]
    ordered = sorted(post, key=lambda t: -post[t])
    return ordered + [t for t in dict.fromkeys(seen) if t not in post]


def key_numbers(verdict: dict[str, Any], nums: Numbers) -> Table:
    """The answer's numbers: given, or the curve's first and last branch per theory."""
    t = Table("table-key-numbers", "The numbers behind the answer (95% intervals)",
              ["what", "estimate", "runs"], [False, True, True])
    given = verdict["answer"].get("numbers")
    if given:
        for i, k in enumerate(given):
            kind: Kind = "prob" if k.get("kind", "probability") == "probability" else "number"
            p = f"answer.numbers[{i}]"
            t.rows.append([k["label"], nums.interval(p, kind), nums.runs([p])])
        return t
    points = verdict["curve"]["points"]
    for th in theory_order(verdict):
        idx = [i for i, p in enumerate(points) if p["theory"] == th]
        for i in dict.fromkeys([idx[0], idx[-1]] if idx else []):
            p = points[i]
            path = f"curve.points[{i}].inevitability"
            t.rows.append([f"inevitability of {verdict['curve']['outcome']} from "
                           f"{p['branch']} under {theory_name(th)} (best: {p['best']})",
                           nums.interval(path), nums.runs([path])])
    return t


def posterior_table(verdict: dict[str, Any], nums: Numbers) -> Table:
    labels = verdict["theories"].get("labels") or {}
    t = Table("table-posterior", "How well each theory reproduces the record "
              "(posterior probability)", ["theory", "reading", "posterior"],
              [False, False, True])
    for th in sorted(verdict["theories"]["posterior"],
                     key=lambda k: -verdict["theories"]["posterior"][k]):
        t.rows.append([th, labels.get(th, ""), nums(f"theories.posterior.{th}", "prob")])
    return t


COMPARE_COLUMNS = 3  # outcomes per table: more intervals side by side overrun an 800 px page


def compare_tables(verdict: dict[str, Any], nums: Numbers) -> list[Table]:
    """The arms' estimates, at most COMPARE_COLUMNS outcomes to a table (the first
    holds the headline outcome), so that no table is wider than the page."""
    c = verdict["compare"]
    groups = [c["outcomes"][k:k + COMPARE_COLUMNS]
              for k in range(0, len(c["outcomes"]), COMPARE_COLUMNS)]
    tables = []
    for g, outs in enumerate(groups):
        more = f", continued ({g + 1} of {len(groups)})" if g else ""
        t = Table("table-compare" + (f"-{g + 1}" if g else ""),
                  f"Chance of each outcome by theory and strategy (95% intervals){more}",
                  ["theory", "strategy", *outs, "runs"],
                  [False, False, *[True] * len(outs), True])
        for i, arm in enumerate(c["arms"]):
            paths = [f"compare.arms[{i}].{o}" for o in outs]
            t.rows.append([theory_name(arm["theory"]), arm["strategy"],
                           *[nums.interval(p, outcome_kind(verdict, o))
                             for p, o in zip(paths, outs, strict=True)],
                           nums.runs(paths)])
        tables.append(t)
    return tables


def differences_table(verdict: dict[str, Any], nums: Numbers) -> Table:
    c = verdict["compare"]
    t = Table("table-differences", "Paired differences against the reference strategy "
              "(same seeds in both arms; 95% intervals)",
              ["theory", "strategy", "outcome", "minus", "difference", "unpaired interval",
               "runs saved by pairing", "runs"],
              [False, False, False, False, True, True, True, True])
    for i, d in enumerate(c["differences"]):
        kind = outcome_kind(verdict, d["outcome"])
        p = f"compare.differences[{i}]"
        hw: Kind = "pm_pts" if kind == "prob" else "number"
        t.rows.append([theory_name(d["theory"]), d["strategy"], d["outcome"], d["reference"],
                       nums.interval(p, diff_kind(kind)),
                       nums(f"{p}.unpaired_half_width", hw),
                       nums(f"{p}.runs_saved_by_pairing", "prob"), nums.runs([p])])
    return t


def curve_tables(verdict: dict[str, Any], nums: Numbers) -> list[Table]:
    cv = verdict["curve"]
    tables = []
    for th in theory_order(verdict):
        idx = [i for i, p in enumerate(cv["points"]) if p["theory"] == th]
        if not idx:
            continue
        t = Table(f"table-curve-{theory_name(th)}",
                  f"Inevitability curve under {theory_name(th)}: chance of "
                  f"{cv['outcome']} with the best strategy from each date, and each "
                  "strategy's chance of avoiding it (95% intervals)",
                  ["from", "best strategy", "inevitability",
                   *[f"avoid: {s}" for s in cv["strategies"]], "runs"],
                  [False, False, True, *[True] * len(cv["strategies"]), True])
        for i in idx:
            p = cv["points"][i]
            base = f"curve.points[{i}]"
            avoid = [f"{base}.avoid.{s}" if s in p["avoid"] else None
                     for s in cv["strategies"]]
            t.rows.append([p["branch"], p["best"], nums.interval(f"{base}.inevitability"),
                           *[nums.interval(a) if a else "n/a" for a in avoid],
                           nums.runs([f"{base}.inevitability", *[a for a in avoid if a]])])
        tables.append(t)
    return tables


def fans_table(verdict: dict[str, Any], nums: Numbers) -> Table:
    """The fans' last month; the full series are in verdict.json and the figures."""
    t = Table("table-fans", "Where the key series end: median and 90% band over the runs",
              ["strategy", "series", "month", "5%", "median", "95%"],
              [False, False, False, True, True, True])
    for st, series in verdict["fans"].items():
        for name, f in series.items():
            j = len(f["labels"]) - 1
            p = f"fans.{st}.{name}"
            t.rows.append([st, name, f["labels"][j], nums(f"{p}.q05[{j}]", "number"),
                           nums(f"{p}.q50[{j}]", "number"), nums(f"{p}.q95[{j}]", "number")])
    return t


def discovery_tables(verdict: dict[str, Any], nums: Numbers) -> list[Table]:
    found = Table("table-discovery", "Conditions under which the outcome is avoided "
                  "(scenario discovery, PRIM)",
                  ["strategy", "theory", "in plain words", "density", "coverage", "mass"],
                  [False, False, False, True, True, True])
    boxes = Table("table-discovery-boxes", "The same conditions as parameter ranges",
                  ["strategy", "theory", "parameter", "from", "to"],
                  [False, False, False, True, True])
    for i, d in enumerate(verdict["discovery"]):
        p = f"discovery[{i}]"
        found.rows.append([d["strategy"], theory_name(d["theory"]), d["in_words"],
                           nums(f"{p}.density", "prob"), nums(f"{p}.coverage", "prob"),
                           nums(f"{p}.mass", "prob")])
        for name in d["box"]:
            boxes.rows.append([d["strategy"], theory_name(d["theory"]), name,
                               nums(f"{p}.box.{name}[0]", "number"),
                               nums(f"{p}.box.{name}[1]", "number")])
    return [found, boxes]


VERDICT_WORDS = {"supported": "supported", "contradicted": "contradicted",
                 "undecided": "undecided", "cannot test here": "cannot test here",
                 "not tested": "not tested"}


def claims_table(verdict: dict[str, Any], nums: Numbers) -> Table:
    # author and page share a column: one column fewer keeps the ledger within an
    # 800 px page
    t = Table("table-claims", "The claims ledger: what each author says, and what the "
              "model says about it", ["claim", "author, page", "kind", "says",
                                      "the model says", "how sure", "evidence"],
              [False] * 7, tags=(4, 5), filterable=True)
    for c in verdict["claims"]:
        source = f"{c['author']}, p. {c['page']}" if c["page"] else c["author"]
        t.rows.append([c["id"], source, c["kind"], c["says"],
                       VERDICT_WORDS[c["verdict"]], c["confidence"], c["evidence"]])
    return t


def assumption_order(verdict: dict[str, Any]) -> list[int]:
    """Assumptions by how far they move the verdict, largest first."""
    def swing(i: int) -> float:
        a = verdict["assumptions"][i]
        lo, hi = a["verdict_at_low"], a["verdict_at_high"]
        return -abs(hi - lo) if lo is not None and hi is not None else 0.0
    return sorted(range(len(verdict["assumptions"])), key=swing)


def assumptions_table(verdict: dict[str, Any], nums: Numbers) -> Table:
    t = Table("table-assumptions", "The assumptions the verdict rests on most: the verdict "
              "with each set to the low and the high end of its plausible range",
              ["assumption", "what it is", "low", "high", "verdict at low",
               "verdict at high", "note"],
              [False, False, True, True, True, True, False])
    for i in assumption_order(verdict):
        a = verdict["assumptions"][i]
        p = f"assumptions[{i}]"
        t.rows.append([a["name"], a["doc"], nums(f"{p}.low", "number"),
                       nums(f"{p}.high", "number"), nums(f"{p}.verdict_at_low", "prob"),
                       nums(f"{p}.verdict_at_high", "prob"), a["note"]])
    return t


def reproducibility_table(verdict: dict[str, Any], nums: Numbers) -> Table:
    r = verdict["reproducibility"]
    b = verdict["budget"]
    t = Table("table-reproducibility", "How to get these numbers again",
              ["what", "value"], [False, False])
    t.rows += [["scenario", f"{verdict['scenario']['name']} ({verdict['scenario']['title']})"],
               ["scenario hash", r["scenario_hash"]],
               ["seed", nums("reproducibility.seed", "int")],
               ["budget", f"{b['name']}: {nums('budget.reps', 'int')} runs per arm, "
                          f"{nums('budget.seconds', 'seconds')}"],
               ["inevitable", r["inevitable"]], ["Python", r["python"]],
               ["NumPy", r["numpy"]], ["Numba", r["numba"]], ["created", r["created"]]]
    return t


def all_numbers(verdict: dict[str, Any]) -> dict[str, tuple[Kind, str]]:
    """Every number the report shows: path -> (kind, text). Used by the tests."""
    from inevitable.report.markdown import render_markdown

    nums = Numbers(verdict)
    render_markdown(verdict, nums=nums)
    return nums.used
