"""Judging the claims ledger: each testable claim against the study's numbers.

A claim carries a ``test`` in the scenario file saying which number speaks
to it and in which direction. The rules are deliberately simple and stated
in the evidence text, so a reader can disagree with a rule rather than with
a hidden judgement. A claim without a test is reported as "not tested",
with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

THEORY_FOR, THEORY_AGAINST = 0.5, 0.15
AGENCY_LOW, AGENCY_HIGH = 0.1, 0.3
CURVE_LOW, CURVE_HIGH = 0.5, 0.9


def _pct(x: float) -> str:
    return f"{x:.0%}"


def judge_claims(sc, *, probs: dict, favoured, compare, outcome: str, agency: float | None,
                 curve: list, ablations: Callable[[str], Any]) -> list[dict[str, Any]]:
    out = []
    cache: dict[str, Any] = {}
    for c in sc.spec.claims:
        verdict, evidence, confidence = _judge(c.test, probs, favoured, compare, outcome,
                                               agency, curve, ablations, cache)
        out.append({"id": c.id, "author": c.author, "page": c.page, "kind": c.kind,
                    "says": c.says, "verdict": verdict, "evidence": evidence,
                    "confidence": confidence})
    return out


def _judge(t, probs, favoured, compare, outcome, agency, curve, ablations, cache):
    if t is None:
        return ("not tested", "an interpretation or a fact of the record that no experiment "
                "here measures", "low")
    if t.kind == "theory":
        p = probs.get(t.theory)
        if p is None:
            return "not tested", "no calibration weighed the theories", "low"
        text = f"posterior probability of theory {t.theory}: {_pct(p)}"
        if p >= THEORY_FOR and t.theory == favoured:
            return "supported", text, "high" if p >= 0.8 else "medium"
        if p < THEORY_AGAINST:
            return "contradicted", text, "high" if p < 0.05 else "medium"
        return "undecided", text, "low"
    if t.kind == "difference":
        o = t.outcome or outcome
        d = next((x for x in compare.differences if x.strategy == t.strategy
                  and x.reference == t.reference and x.outcome == o), None)
        if d is None:
            return "not tested", f"no comparison of {t.strategy} with {t.reference}", "low"
        return _signed(d.estimate, t.sign, f"{t.strategy} vs {t.reference}, change in {o} "
                       f"under theory {favoured}")
    if t.kind == "agency":
        if agency is None:
            return "not tested", "no sensitivity analysis", "low"
        text = f"the strategy explains {_pct(agency)} of the variance of {outcome} (Sobol)"
        low = agency < AGENCY_LOW
        high = agency > AGENCY_HIGH
        if (t.level == "low" and low) or (t.level == "high" and high):
            return "supported", text, "medium"
        if (t.level == "low" and high) or (t.level == "high" and low):
            return "contradicted", text, "medium"
        return "undecided", text, "low"
    if t.kind == "curve":
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
    if t.kind == "ablation":
        if t.switch not in cache:
            cache[t.switch] = ablations(t.switch)
        return _signed(cache[t.switch], t.sign, f"effect of the mechanism '{t.switch}' on "
                       f"{t.outcome or outcome}")
    return "not tested", f"unknown test kind {t.kind}", "low"


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
    return "undecided", text, "low"
