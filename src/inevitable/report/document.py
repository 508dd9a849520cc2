"""The report as a list of sections of plain blocks, written once.

report.md and report.html render the same document, so their prose, tables
and numbers cannot drift apart. Prose here only quotes numbers through
:class:`~inevitable.report.tables.Numbers` (a number of verdict.json by its
path); it never computes one, so the report shows no number the JSON lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inevitable.report import bounds as bnd
from inevitable.report import discrimination as dsc
from inevitable.report import sensitivity as sens
from inevitable.report import uncertainty as unc
from inevitable.report.figures import Figure, build_figures
from inevitable.report.tables import (
    Numbers,
    Table,
    assumption_order,
    assumptions_table,
    claims_table,
    compare_tables,
    curve_tables,
    differences_table,
    discovery_tables,
    fans_table,
    key_numbers,
    posterior_table,
    reproducibility_table,
    theory_name,
)


@dataclass
class Para:
    text: str
    style: str = ""  # "lead" (the headline), "note" (small print)


@dataclass
class Items:
    items: list[str]


@dataclass
class Code:
    text: str


@dataclass
class Details:
    """Long tables: folded on the page, printed in full in Markdown."""

    summary: str
    blocks: list[Any]


Block = Para | Items | Code | Details | Table | Figure


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list[Section]
    figures: dict[str, Figure]


def _sentence(text: str) -> str:
    """A note as a sentence: capital first letter, one full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


def _answer(v: dict[str, Any], nums: Numbers) -> Section:
    a = v["answer"]
    s = Section("answer", "The answer", [
        Para(a["headline"], "lead"), Para(" ".join(a["sentences"])),
        Para(f"The outcome, {v['outcome']['name']}: {v['outcome']['doc']}"),
        key_numbers(v, nums)])
    labels = v["theories"].get("labels") or {}
    if labels:
        s.blocks.append(Para("The theories compared:"))
        s.blocks.append(Items([f"{k}: {labels[k]}" for k in v["theories"]["posterior"]
                               if k in labels]))
    s.blocks.append(Para(
        "Brackets are 95% intervals. The inevitability of the outcome from a date, under a "
        "theory, is one minus the best chance that any strategy in the set has of avoiding "
        "it if adopted from that date, given the history up to it. Each number holds under "
        "its theory and the assumptions listed below; neither the theories nor the "
        "assumptions are certain, and the last sections say how much they matter.", "note"))
    return s


def _averaged(v: dict[str, Any], nums: Numbers) -> Section | None:
    if not v["answer"].get("averaged"):
        return None
    # the answer says where the values came from; a verdict.json written before it
    # did drew the calibrated parameters from the posterior and the rest from priors
    drawn = v["answer"].get("drawn", "the calibrated ones from that theory's posterior, "
                            "every other uncertain one from its prior").removeprefix("their ")
    return Section("averaged", "What the headline includes", [
        Para("Every run of the headline draws a theory (in proportion to its posterior "
             f"probability) and its parameter values ({drawn}); every strategy runs on the "
             "same draws and seeds, so the differences are paired. A number whose 95% "
             "interval is wider than ±3 points is marked too few runs to say, with the runs "
             "it would need."),
        unc.averaged_table(v, nums), Para(unc.variance_sentence(v, nums))])


def _plausibility(v: dict[str, Any], nums: Numbers) -> Section | None:
    if not v.get("plausibility") or not v.get("headline_within_bounds"):
        return None
    s = Section("plausibility", "Inside the bounds of history", [
        Para("The record constrains the runs of the strategy actually followed, not an "
             "alternative's: an alternative may win only in worlds no source reports. The "
             "scenario declares how far its finals ever went, from historical analogues "
             "with their sources; a run beyond any of them breaks the bounds. Counted on the "
             "headline's own runs, no new ones:"),
        Items(bnd.bound_items(v, nums)), bnd.plausibility_table(v, nums)])
    s.blocks += [Para(p) for p in bnd.outside_sentences(v, nums)]
    s.blocks += [Para(bnd.within_sentence(v, nums)), bnd.within_table(v, nums),
                 Details("Each bound, strategy by strategy", [bnd.per_bound_table(v, nums)])]
    return s


def _beliefs(v: dict[str, Any], nums: Numbers) -> Section | None:
    if not v.get("tipping") and not v.get("beliefs"):
        return None
    summary, points = unc.tipping_tables(v, nums)
    s = Section("beliefs", "What you would have to believe", [
        Para("The parameters the headline difference follows most across its draws, and "
             "for each of the top ones the difference with it held at points of its "
             "prior, the rest drawn as in the headline: the tipping point is where the "
             "sign flips, the prior mass says how much of what one might believe favours "
             "the alternative."),
        unc.screen_table(v, nums), summary, Details("Every point of the tipping curves",
                                                    [points])])
    m = unc.map_table(v, nums)
    if m is not None:
        s.blocks.append(m)
    s.blocks += [Para(p) for p in unc.beliefs_paragraphs(v, nums)]
    return s


def _survival(v: dict[str, Any], nums: Numbers) -> Section | None:
    if not v.get("survival"):
        return None
    s = Section("survival", "Avoided, or only postponed?", [
        Para("Each run's time of defeat gives the share of runs still standing month by "
             "month (in verdict.json, per strategy and theory); here, how many stood at "
             "the end, and of those spared the outcome, how many were defeated later."),
        unc.survival_table(v, nums)])
    record = unc.record_paragraph(v, nums)
    if record:
        s.blocks.append(Para(record))
    s.blocks += [Para(p) for p in unc.unreachable_paragraphs(v, nums)]
    return s


def _curve(v: dict[str, Any], nums: Numbers, figs: dict[str, Figure]) -> Section:
    return Section("curve", "When did the fight become lost?", [
        Para("For each date, every strategy is started from the history as it stood then, "
             "and the best of them is chosen on one half of the seeds and measured on the "
             "other half, so the choice of the best is not flattered by luck."),
        figs["fig-curve"],
        Details("The curve in numbers", curve_tables(v, nums)),
    ])


def _compare(v: dict[str, Any], nums: Numbers, figs: dict[str, Figure]) -> Section:
    c = v["compare"]
    s = Section("strategies", "What could the Opposition have done?", [
        Para(f"Each strategy was run on the same {nums('compare.reps', 'int')} seeds under "
             "each theory (common random numbers): two arms differ only by the strategy, so "
             f"a difference between them is not luck. The reference is '{c['reference']}'.")])
    if v.get("strategies"):
        s.blocks.append(Items([f"{k}: {d}" for k, d in v["strategies"].items()]))
    s.blocks += [figs["fig-compare"], *compare_tables(v, nums)]
    if c["differences"]:
        s.blocks.append(Details("Paired differences", [differences_table(v, nums)]))
    return s


def _definition(v: dict[str, Any], nums: Numbers) -> Section | None:
    if not v.get("definition"):
        return None
    s = Section("definition", "If the outcome were defined otherwise",
                [Para(unc.definition_paragraph(v, nums))])
    t = unc.definition_table(v, nums)
    if t is not None:
        s.blocks.append(t)
    return s


def _fans(v: dict[str, Any], nums: Numbers, figs: dict[str, Figure]) -> Section:
    s = Section("series", "What the runs looked like", [
        Para("The runs month by month: the middle line is the median over the runs, the "
             "bands hold half and nine tenths of them.")])
    s.blocks += [figs[k] for k in ("fig-gap", "fig-fans") if k in figs]
    if v["fans"]:
        s.blocks.append(fans_table(v, nums))
    return s


def _agency(v: dict[str, Any], nums: Numbers, figs: dict[str, Figure]) -> Section:
    s = Section("agency", "Structure or agency?",
                [Para(p) for p in sens.agency_paragraphs(v, nums)])
    s.blocks += [figs["fig-sensitivity"], sens.sensitivity_table(v, nums)]
    table = sens.convergence_table(v, nums)
    if table is not None:
        s.blocks += [Para("Enough base samples? The same indices from the first eighth, "
                          "quarter and half of the design's base samples, and from all of "
                          "them: an index that still moves between the last two by more "
                          "than its interval was not settled."),
                     *[figs[k] for k in ("fig-sensitivity-convergence",) if k in figs],
                     Details("The indices against the base samples", [table])]
    return s


def _conditions(v: dict[str, Any], nums: Numbers) -> Section:
    s = Section("conditions", "Under which conditions could it be avoided?", [
        Para("Scenario discovery searches the priors of the objective conditions for the "
             "region where the outcome is avoided most often. Density is the share of runs "
             "in that region that avoid it; coverage, the share of all avoiding runs it "
             "holds; mass, the share of all runs in it.")])
    if not v["discovery"]:
        s.blocks.append(Para("No region of the conditions was found where the outcome is "
                             "avoided noticeably more often than elsewhere."))
        return s
    s.blocks.append(Items([f"{d['strategy']} under {theory_name(d['theory'])}: {d['in_words']}"
                           for d in v["discovery"]]))
    s.blocks += discovery_tables(v, nums)
    return s


def _theories(v: dict[str, Any], nums: Numbers, figs: dict[str, Figure]) -> Section:
    th = v["theories"]
    return Section("theories", "Which theory does the record favour?", [
        Para(f"Each theory was run against the historical record ({th['method']}, "
             f"{nums('theories.simulations', 'int')} simulations). {th['note']}"),
        figs["fig-posterior"], posterior_table(v, nums)])


def _discrimination(v: dict[str, Any], nums: Numbers) -> Section | None:
    if not v.get("discrimination"):
        return None
    d = v["discrimination"]
    s = Section("discrimination", "Which targets tell the theories apart?", [
        Para(dsc.method_paragraph(v, nums)), Para(dsc.summary_paragraph(v, nums)),
        dsc.discrimination_table(v, nums), Para(dsc.CAVEATS, "note")])
    if d.get("notes"):
        s.blocks.append(Items([_sentence(n) for n in d["notes"]]))
    s.blocks += [Para(f"The rule: {d['rule']}"),
                 Details("Each theory against each target", [dsc.fits_table(v, nums)])]
    return s


def _claims(v: dict[str, Any], nums: Numbers, figs: dict[str, Figure]) -> Section:
    s = Section("claims", "The claims ledger", [
        Para("The claims of the authors, paraphrased, each with what the model says about it "
             "and how sure it is. 'Not tested' means no experiment in this verdict bears on "
             "the claim.")])
    rule = (v.get("judging") or {}).get("rule")
    if rule:
        s.blocks.append(Para(f"The rule: {rule}"))
    if "fig-claims" in figs:
        s.blocks.append(figs["fig-claims"])
    s.blocks.append(claims_table(v, nums))
    return s


def _identification(v: dict[str, Any], nums: Numbers) -> Section:
    s = Section("identification", "What the record can and cannot tell",
                [Para(p) for p in v["identification"]])
    order = assumption_order(v)
    if order:
        i = order[0]
        a = v["assumptions"][i]
        p = f"assumptions[{i}]"
        s.blocks.append(Para(
            f"The verdict moves most with {a['name']} ({a['doc']}): it is "
            f"{nums(f'{p}.verdict_at_low', 'prob')} with {a['name']} at "
            f"{nums(f'{p}.low', 'number')} and {nums(f'{p}.verdict_at_high', 'prob')} at "
            f"{nums(f'{p}.high', 'number')}. {_sentence(a['note'])}"))
    return s


def _assumptions(v: dict[str, Any], nums: Numbers, figs: dict[str, Figure]) -> Section:
    s = Section("assumptions", "The assumptions the verdict rests on")
    if "fig-assumptions" in figs:
        s.blocks += [figs["fig-assumptions"], assumptions_table(v, nums)]
    else:
        s.blocks.append(Para("No assumption was varied for this verdict."))
    return s


def _reproducibility(v: dict[str, Any], nums: Numbers) -> Section:
    return Section("reproducibility", "Reproducibility", [
        Para("The same command, on the same versions, gives the same numbers:"),
        Code(v["reproducibility"]["command"]), reproducibility_table(v, nums)])


def build_document(verdict: dict[str, Any], nums: Numbers | None = None) -> Document:
    """The whole report, from a validated verdict."""
    nums = nums or Numbers(verdict)
    figs = build_figures(verdict, nums)
    sc = verdict["scenario"]
    sections = [
        _answer(verdict, nums), _averaged(verdict, nums), _plausibility(verdict, nums),
        _curve(verdict, nums, figs),
        _compare(verdict, nums, figs), _beliefs(verdict, nums), _survival(verdict, nums),
        _definition(verdict, nums),
        _fans(verdict, nums, figs), _agency(verdict, nums, figs), _conditions(verdict, nums),
        _theories(verdict, nums, figs), _discrimination(verdict, nums),
        _claims(verdict, nums, figs),
        _identification(verdict, nums), _assumptions(verdict, nums, figs),
        _reproducibility(verdict, nums),
    ]
    kept = [s for s in sections if s is not None]
    subtitle = (f"{sc['title']} (scenario {sc['name']}), "
                f"{verdict['reproducibility']['created']}")
    return Document(verdict["question"], subtitle, kept, figs)
