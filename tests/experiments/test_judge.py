"""The claims ledger is judged by the printed rule, and says when it cannot test."""

from __future__ import annotations

import pytest

from inevitable.experiments.judge import (
    CANNOT,
    RULE,
    DifferenceEvidence,
    judge_agency,
    judge_difference,
    judge_theory,
)
from inevitable.experiments.stats import Estimate


@pytest.mark.parametrize(("p", "verdict"), [
    (0.52, "undecided"), (0.74, "undecided"), (0.75, "supported"), (0.95, "supported"),
    (0.26, "undecided"), (0.25, "contradicted"), (0.002, "contradicted")])
def test_a_theory_claim_needs_a_posterior_of_three_to_one(p, verdict):
    assert judge_theory(p, "C")[0] == verdict


def test_a_coin_toss_between_theories_supports_neither():
    assert judge_theory(0.52, "C")[0] == judge_theory(0.48, "T")[0] == "undecided"


def _ev(value, low, high, identical=False):
    return DifferenceEvidence(Estimate(value, low, high, 800), identical, "model-averaged")


def test_a_difference_claim_needs_an_interval_that_excludes_zero():
    assert judge_difference(_ev(-0.3, -0.4, -0.2), "negative", "x vs y")[0] == "supported"
    assert judge_difference(_ev(0.3, 0.2, 0.4), "negative", "x vs y")[0] == "contradicted"
    verdict, evidence, _ = judge_difference(_ev(-0.3, -0.6, 0.01), "negative", "x vs y")
    assert verdict == "undecided" and "includes zero" in evidence
    assert "model-averaged" in evidence  # it says what the interval includes


def test_a_difference_that_is_zero_by_construction_cannot_be_tested():
    verdict, evidence, _ = judge_difference(_ev(0.0, 0.0, 0.0, identical=True), "negative",
                                            "bloc-holding-demands vs historical")
    assert verdict == CANNOT
    assert "act identically" in evidence and "800 paired runs" in evidence
    assert judge_difference(None, "negative", "a vs b")[0] == CANNOT


def test_the_rule_states_the_thresholds_the_code_uses():
    assert "0.75" in RULE and "0.25" in RULE and "excludes zero" in RULE
    assert "cannot test here" in RULE


def test_an_agency_claim_needs_a_share_within_five_points():
    verdict, evidence, _ = judge_agency(0.05, 0.13, 1024, "low", "defeat")
    assert verdict == "undecided"
    assert "±0.13: too few runs to say (about 1024 base samples would do" in evidence
    assert judge_agency(0.05, 0.04, None, "low", "defeat")[0] == "supported"
    assert judge_agency(0.45, 0.05, None, "low", "defeat")[0] == "contradicted"
    assert judge_agency(0.45, 0.051, 512, "low", "defeat")[0] == "undecided"
    assert judge_agency(0.2, 0.01, None, "high", "defeat")[0] == "undecided"
    assert judge_agency(None, None, None, "low", "defeat")[0] == "not tested"


def test_a_claim_is_judged_against_its_own_reference_strategy():
    """marot-should-prepare-split is judged on the split alone (class-struggle against
    the same strategy without its split rule), not against the historical strategy."""
    from inevitable.experiments.judge import judge_claims
    from inevitable.scenarios.loader import scenario

    sc = scenario("soviet-1923")
    key = ("class-struggle", "class-struggle-no-split", "defeat")

    def verdict_of(differences):
        out = judge_claims(sc, probs={"C": 1.0}, favoured="C", differences=differences,
                           outcome="defeat", agency=None, curve=[],
                           ablations=lambda s: Estimate(0.0, -0.1, 0.1, 10))
        return next(c for c in out if c["id"] == "marot-should-prepare-split")

    split = verdict_of({key: _ev(-0.2, -0.3, -0.1),
                        ("class-struggle", "historical", "defeat"): _ev(0.2, 0.1, 0.3)})
    assert split["verdict"] == "supported"
    assert "class-struggle vs class-struggle-no-split" in split["evidence"]
    assert verdict_of({key: _ev(0.2, 0.1, 0.3)})["verdict"] == "contradicted"
    assert verdict_of({})["verdict"] == CANNOT  # no such comparison was run
