"""Judging the claims ledger by a printed rule.

A claim carries a ``test`` in the scenario file saying which number speaks
to it and in which direction. The rule is stated once, in :data:`RULE`, and
the report prints it, so a reader can disagree with the rule rather than
with a hidden judgement:

* a claim about a theory is supported only at a posterior probability of at
  least 0.75 (a Bayes factor of 3 or more against two equal rivals),
  contradicted at 0.25 or less, and undecided in between;
* a claim about a difference needs an interval that includes parameter and
  theory uncertainty (the posterior-predictive, model-averaged paired
  difference) and excludes zero;
* a claim the model cannot represent, or whose test gives zero by
  construction (two strategies that act identically in every paired run),
  is "cannot test here", with the reason, rather than "undecided" as if it
  had been tested;
* a claim without a test is "not tested".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from inevitable.experiments.sensitivity import PRECISION
from inevitable.experiments.stats import Estimate

THEORY_FOR, THEORY_AGAINST = 0.75, 0.25
AGENCY_LOW, AGENCY_HIGH = 0.1, 0.3
CURVE_LOW, CURVE_HIGH = 0.5, 0.9
AGENCY_PRECISION = PRECISION  # an agency share wider than this (95% half-width) decides nothing

RULE = (f"A theory claim is supported at a posterior probability of at least "
        f"{THEORY_FOR:.2f} (a Bayes factor of 3 or more), contradicted at {THEORY_AGAINST:.2f} "
        "or less, otherwise undecided. A difference claim is supported or contradicted only "
        "when the 95% interval of the posterior-predictive, model-averaged paired difference "
        "(seeds, parameters and theories all varied) excludes zero. An agency claim needs "
        f"the strategy's share within ±{AGENCY_PRECISION:.2f}. A curve claim needs the "
        f"inevitability interval wholly above {CURVE_HIGH:.0%} (high) or below {CURVE_LOW:.0%} "
        "(low). A claim the model cannot represent, or whose test is zero by construction, "
        "is 'cannot test here', with the reason; a claim without a test is 'not tested'.")

CANNOT = "cannot test here"


@dataclass(frozen=True)
class DifferenceEvidence:
    """A paired difference as a claim sees it."""

    estimate: Estimate
    identical: bool  # every paired run gave the same outcome in both arms
    scope: str  # how it was computed, e.g. "model-averaged over theories and parameters"


Differences = Mapping[tuple[str, str, str], DifferenceEvidence]


def _pct(x: float) -> str:
    return f"{x:.0%}"


def judge_claims(sc, *, probs: dict, favoured, differences: Differences, outcome: str,
                 agency: float | None, curve: list, ablations: Callable[[str], Any],
                 agency_half_width: float | None = None,
                 agency_samples_needed: int | None = None) -> list[dict[str, Any]]:
    """Every claim of the ledger with its verdict, evidence and confidence.

    ``agency`` is the strategy's share of the outcome's variance (its total
    Sobol index in the contrast of the strategy followed with the best
    alternative), ``agency_half_width`` its 95% half-width and
    ``agency_samples_needed`` the base samples that would make it precise.
    """
    out = []
    cache: dict[str, Any] = {}
    for c in sc.spec.claims:
        verdict, evidence, confidence = _judge(sc, c.test, probs, favoured, differences,
                                               outcome,
                                               (agency, agency_half_width, agency_samples_needed),
                                               curve,
                                               ablations, cache)
        out.append({"id": c.id, "author": c.author, "page": c.page, "kind": c.kind,
                    "says": c.says, "verdict": verdict, "evidence": evidence,
                    "confidence": confidence})
    return out


def judge_theory(p: float | None, theory: str) -> tuple[str, str, str]:
    if p is None:
        return "not tested", "no calibration weighed the theories", "low"
    text = f"posterior probability of theory {theory}: {_pct(p)}"
    if p >= THEORY_FOR:
        return "supported", text, "high" if p >= 0.9 else "medium"
    if p <= THEORY_AGAINST:
        return "contradicted", text, "high" if p <= 0.1 else "medium"
    return "undecided", text + f" (between {THEORY_AGAINST:.2f} and {THEORY_FOR:.2f})", "low"


def judge_difference(ev: DifferenceEvidence | None, sign: str, what: str
                     ) -> tuple[str, str, str]:
    if ev is None:
        return CANNOT, f"no comparison of {what} was run", "low"
    if ev.identical:
        return (CANNOT, f"{what}: the two strategies act identically in this model (every "
                f"one of {ev.estimate.n} paired runs had the same outcome), so the test is "
                "zero by construction", "low")
    return _signed(ev.estimate, sign, f"{what} ({ev.scope})")


def judge_agency(share: float | None, half: float | None, need: int | None, level: str,
                 outcome: str) -> tuple[str, str, str]:
    """An agency claim: only a share within ±AGENCY_PRECISION decides anything.

    ``share`` is the strategy's total Sobol index (the strategy followed
    against the best alternative), ``half`` its 95% half-width and ``need``
    the base samples the square-root rule says would make it precise.
    """
    if share is None:
        return "not tested", "no sensitivity analysis", "low"
    text = (f"the strategy explains {_pct(share)} of the variance of {outcome} (Sobol "
            "total index, the strategy followed against the best alternative)")
    if half is None:
        return "undecided", text + ": no interval", "low"
    if not half <= AGENCY_PRECISION:
        more = f" (about {need} base samples would do, an estimate)" if need else ""
        return "undecided", text + f" ±{half:.2f}: too few runs to say{more}", "low"
    if (level == "low" and share < AGENCY_LOW) or (level == "high" and share > AGENCY_HIGH):
        return "supported", text, "medium"
    if (level == "low" and share > AGENCY_HIGH) or (level == "high" and share < AGENCY_LOW):
        return "contradicted", text, "medium"
    return "undecided", text, "low"


def _judge(sc, t, probs, favoured, differences, outcome, agency, curve, ablations, cache):
    if t is None:
        return ("not tested", "an interpretation or a fact of the record that no experiment "
                "here measures", "low")
    if t.kind == "theory":
        if probs and t.theory not in probs:
            return CANNOT, f"the model has no theory '{t.theory}'", "low"
        return judge_theory(probs.get(t.theory), t.theory)
    if t.kind == "difference":
        o = t.outcome or outcome
        ref = t.reference or ("historical" if "historical" in sc.spec.strategies else None)
        if t.strategy not in sc.spec.strategies or ref not in sc.spec.strategies:
            return CANNOT, f"the model has no strategy '{t.strategy}' or '{ref}'", "low"
        return judge_difference(differences.get((t.strategy, ref, o)), t.sign,
                                f"{t.strategy} vs {ref}, change in {o}")
    if t.kind == "agency":
        return judge_agency(*agency, t.level, outcome)
    if t.kind == "curve":
        return _curve(t, curve, favoured)
    if t.kind == "ablation":
        if t.switch not in sc.decls:
            return CANNOT, f"the model has no mechanism switch '{t.switch}'", "low"
        if t.switch not in cache:
            cache[t.switch] = ablations(t.switch)
        return _signed(cache[t.switch], t.sign, f"effect of the mechanism '{t.switch}' on "
                       f"{t.outcome or outcome}")
    return CANNOT, f"unknown test kind {t.kind}", "low"


def _curve(t, curve, favoured):
    if not curve:
        return "not tested", "no inevitability curve", "low"
    p = curve[0] if t.at == "first" else curve[-1]
    e = p.inevitability
    text = (f"inevitability at {p.branch} under theory {favoured}: {_pct(e.value)} "
            f"[{_pct(e.low)}, {_pct(e.high)}]")
    if t.level == "high":
        if e.low >= CURVE_HIGH:
            return "supported", text, "high"
        if e.high < CURVE_HIGH:
            return "contradicted", text, "medium"
    else:
        if e.high <= CURVE_LOW:
            return "supported", text, "high"
        if e.low > CURVE_LOW:
            return "contradicted", text, "medium"
    return "undecided", text, "low"


def _signed(e, sign, what: str):
    text = f"{what}: {e.value:+.1%} [{e.low:+.1%}, {e.high:+.1%}] (paired)"
    if sign == "negative":
        if e.high < 0:
            return "supported", text, "high" if e.high < -0.05 else "medium"
        if e.low > 0:
            return "contradicted", text, "high"
    else:
        if e.low > 0:
            return "supported", text, "high" if e.low > 0.05 else "medium"
        if e.high < 0:
            return "contradicted", text, "high"
    return "undecided", text + " (the interval includes zero)", "low"
