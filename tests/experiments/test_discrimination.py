"""The discrimination table: a theory on the record is favoured, noise is not a finding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inevitable.errors import InputError
from inevitable.experiments.discrimination import (
    MIN_GAP,
    discriminate,
    simulate,
)
from inevitable.experiments.targets import Target, all_targets
from inevitable.scenarios.loader import parse


def value(tid: str, v: float, sd: float) -> Target:
    return Target(tid, "x", None, None, v, sd, None, None, False, 25)


def window(tid: str, low: float, high: float, event: bool = False) -> Target:
    return Target(tid, "m", None, None, None, None, low, high, event, 25)


RNG = np.random.default_rng(12)


def test_a_theory_on_the_record_is_favoured_over_one_far_away():
    t = value("members", 100.0, 5.0)
    on = RNG.normal(100, 5, (80, 1))
    far = RNG.normal(160, 5, (80, 1))  # twelve sds off
    d = discriminate([t], {"A": on, "B": far})
    row = d.rows[0]
    assert row.discriminates and row.best == "A"
    assert row.favours == ("A",) and row.behind == ("B",) and row.against == "B"
    assert row.reading == "favours A over B"
    assert row.log_ratio >= MIN_GAP and row.log_ratio_low > 0
    assert row.fits["A"].low <= row.fits["A"].log_likelihood <= row.fits["A"].high
    assert row.fits["A"].mean_error < 2 < 10 < row.fits["B"].mean_error
    assert row.fits["A"].agree > 0.8 and row.fits["B"].agree == 0.0
    # the order of the theories does not change the answer
    assert discriminate([t], {"B": far, "A": on}).rows[0].reading == "favours A over B"


def test_identical_runs_do_not_discriminate():
    targets = [value("v", 10.0, 1.0), window("w", 0.0, 1.0)]
    runs = np.column_stack([RNG.normal(10.5, 2, 40), RNG.uniform(-1, 2, 40)])
    d = discriminate(targets, {"T": runs, "C": runs.copy(), "N": runs.copy()})
    for row in d.rows:
        assert not row.discriminates and row.reading == "does not discriminate"
        assert row.log_ratio == 0.0 and row.favours == () and row.behind == ()
        assert len({f.log_likelihood for f in row.fits.values()}) == 1
    assert d.summary()["discriminating"] == 0


def test_noise_between_draws_of_the_same_runs_is_not_a_finding():
    # 40 targets, two theories whose runs come from one distribution: nothing to find
    targets = [value(f"t{j}", 0.0, 1.0) for j in range(40)]
    a, b = RNG.normal(0.5, 1.5, (60, 40)), RNG.normal(0.5, 1.5, (60, 40))
    d = discriminate(targets, {"A": a, "B": b})
    assert d.summary()["discriminating"] == 0
    assert all(r.reading == "does not discriminate" for r in d.rows)


def test_a_precise_but_tiny_gap_is_not_worth_a_mention():
    # B sits exactly one half-width outside the range in every run: certain, but the
    # record is only e^0.5 times more likely under A
    small = discriminate([window("w", 0.0, 1.0)],
                         {"A": np.full((50, 1), 0.5), "B": np.full((50, 1), 1.5)})
    row = small.rows[0]
    assert row.log_ratio == pytest.approx(0.5) and row.log_ratio_low > 0  # certain
    assert row.log_ratio < MIN_GAP and not row.discriminates


def test_an_event_that_never_happens_is_read_as_after_the_last_step():
    # -1 is "never", read as steps + 1 = 25 here: far before a 60-82 window
    d = discriminate([window("turn", 60.0, 82.0, event=True)],
                     {"A": np.full((50, 1), 70.0), "B": np.full((50, 1), -1.0)})
    row = d.rows[0]
    assert row.fits["B"].mean_error == pytest.approx((60 - 25) / 11)
    assert row.log_ratio == pytest.approx(0.5 * ((60 - 25) / 11) ** 2)
    assert row.reading == "favours A over B"


def test_three_theories_two_on_the_record_and_rows_sorted_by_power():
    targets = [value("flat", 0.0, 1.0), value("sharp", 0.0, 1.0), value("mild", 0.0, 1.0)]
    n = 100
    runs = {}
    for th, shift in (("T", 0.0), ("C", 0.1), ("N", 1.0)):
        runs[th] = np.column_stack([RNG.normal(0, 1, n),  # the same for every theory
                                    RNG.normal(8 * shift, 0.5, n),  # N eight sds off
                                    RNG.normal(3 * shift, 0.5, n)])  # N three sds off
    d = discriminate(targets, runs)
    by_id = {r.target.id: r for r in d.rows}
    assert set(by_id["sharp"].favours) == {"T", "C"} and by_id["sharp"].behind == ("N",)
    assert by_id["sharp"].reading.startswith("favours ") and "over N" in by_id["sharp"].reading
    assert not by_id["flat"].discriminates
    assert [r.target.id for r in d.rows][:2] == ["sharp", "mild"]  # the largest gap first
    s = d.summary()
    assert s["discriminating"] == 2 and s["against"] == {"T": 0, "C": 0, "N": 2}
    assert s["favouring"]["T"] == s["favouring"]["C"] == 2


def test_a_run_that_cannot_compute_the_quantity_counts_as_far():
    t = value("x", 0.0, 1.0)
    d = discriminate([t], {"A": RNG.normal(0, 1, (100, 1)), "B": np.full((100, 1), np.nan)})
    row = d.rows[0]
    assert math.isinf(row.fits["B"].mean_error) and math.isinf(row.fits["B"].log_likelihood)
    assert row.discriminates and row.behind == ("B",)
    both = discriminate([t], {"A": np.full((9, 1), np.nan), "B": np.full((9, 1), np.nan)})
    assert both.rows[0].reading == "no run computed it" and not both.rows[0].discriminates


def test_a_few_runs_cannot_tell_even_a_stark_difference():
    # three runs on the record against three fifty sds off: the record may still be
    # the rare outcome of B, for all three runs can show (a ratio point estimate of
    # 1250 nats, but the bounds overlap)
    t = value("x", 0.0, 1.0)
    d = discriminate([t], {"A": np.zeros((3, 1)), "B": np.full((3, 1), 50.0)})
    row = d.rows[0]
    assert row.log_ratio == pytest.approx(1250.0) and row.log_ratio_low < 0
    assert not row.discriminates
    assert row.reading == "does not discriminate"
    # and the same contrast over 100 runs each is a finding
    many = discriminate([t], {"A": np.zeros((100, 1)), "B": np.full((100, 1), 50.0)})
    assert many.rows[0].reading == "favours A over B"
    assert 0 < many.rows[0].log_ratio_low < math.log(100 / 6.6) + 0.01  # what 100 runs resolve


def test_the_bounds_are_those_of_a_count():
    from inevitable.experiments.discrimination import bounds

    lo, hi = bounds(0, 100)
    assert lo == 0 and hi == pytest.approx(1 - math.exp(math.log(0.0013499) / 100), rel=1e-3)
    lo, hi = bounds(100, 100)
    assert hi == 1 and lo == pytest.approx(math.exp(math.log(0.0013499) / 100), rel=1e-3)
    lo, hi = bounds(37.5, 100)
    assert lo < 0.375 < hi
    assert bounds(37.5, 100, threshold=2.0)[0] > lo  # a laxer threshold, a narrower interval


def test_bad_input_is_one_line():
    t = value("x", 0.0, 1.0)
    with pytest.raises(InputError, match="two theories or more"):
        discriminate([t], {"A": np.zeros((10, 1))})
    with pytest.raises(InputError, match=r"expected \(runs, 1\) simulated values"):
        discriminate([t], {"A": np.zeros((10, 1)), "B": np.zeros((10, 2))})
    with pytest.raises(InputError, match="at least one target"):
        discriminate([], {"A": np.zeros((10, 0)), "B": np.zeros((10, 0))})


def test_the_table_as_json_has_every_field():
    t = [value("v", 1.0, 0.5), window("w", 0.0, 2.0)]
    d = discriminate(t, {"A": RNG.normal(1, 0.5, (30, 2)), "B": RNG.normal(5, 0.5, (30, 2))},
                     strategy="historical", method="test runs")
    out = d.to_dict()
    assert set(out) >= {"theories", "strategy", "method", "runs", "threshold", "min_gap",
                        "rule", "summary", "rows", "notes"}
    assert out["runs"] == {"A": 30, "B": 30} and out["strategy"] == "historical"
    row = out["rows"][0]
    assert set(row) >= {"target", "quantity", "date", "fits", "best", "favours", "behind",
                        "against", "log_ratio", "log_ratio_low", "discriminates", "reading"}
    assert set(row["fits"]["A"]) == {"runs", "mean_error", "agree", "log_likelihood", "low",
                                     "high"}
    assert {"value", "sd"} <= set(out["rows"][0]) or {"low", "high"} <= set(out["rows"][0])


TOY = parse("""
name: toy-told
title: toy hazard with targets, for the discrimination table
mechanisms: [toy-hazard]
time: {unit: tick, steps: 24}
parameters:
  hazard: {prior: {dist: uniform, low: 0.05, high: 0.07}, source: t}
  effect: {prior: {dist: uniform, low: 0.9, high: 1.0}, source: t}
outcomes:
  defeat: {final: defeat, doc: defeated by the last step}
targets:
- {id: alive-24, quantity: alive, date: "24", low: 0.9, high: 1.0, source: t}
- {id: defeat-step, quantity: defeat_step, value: 12, sd: 4, source: t}
""", "toy-told.yaml")


def test_simulated_runs_favour_the_theory_under_which_resisting_works():
    # under A resisting all but removes the hazard, so about 93% of runs stand at the
    # end (as the record says) against 23% under B, where it does nothing: a log ratio
    # of about log(0.93 / 0.23) = 1.4
    d = simulate(TOY, None, ["A", "B"], "resist", 300, 0, backend="serial", progress=False)
    rows = {r.target.id: r for r in d.rows}
    assert rows["alive-24"].reading == "favours A over B"
    assert d.runs == {"A": 300, "B": 300} and "resist" in d.method
    assert [t.id for t in all_targets(TOY)] == ["alive-24", "defeat-step"]
    # yielding, the theories are the same model: different draws, no finding
    same = simulate(TOY, None, ["A", "B"], "yield", 300, 0, backend="serial", progress=False)
    assert same.summary()["discriminating"] == 0


def test_in_words_names_the_strongest_target_or_says_none():
    from inevitable.experiments.discrimination import in_words

    t = [value("members", 100.0, 5.0), value("strikes", 0.0, 1.0)]
    same = RNG.normal(0, 1, 40)
    told = discriminate(t, {"A": np.column_stack([RNG.normal(100, 5, 40), same]),
                            "B": np.column_stack([RNG.normal(160, 5, 40), same])})
    text = in_words(told.to_dict())
    assert text.startswith("1 of 2 targets tell the theories apart (40 runs per theory)")
    assert "the strongest, members, favours A over B by" in text
    runs = np.column_stack([same, same])
    none = discriminate(t, {"A": runs, "B": runs[:30]})
    assert in_words(none.to_dict()) == ("Target by target, none of the 2 targets tells the "
                                        "theories apart beyond Monte Carlo error (runs per "
                                        "theory: A 40, B 30).")


def test_too_few_runs_to_tell_anything_are_said_so():
    from inevitable.experiments.discrimination import resolution, runs_needed

    assert runs_needed() == 10
    assert resolution([9, 9]) < 0 < resolution([10, 10]) < resolution([100, 100])
    t = value("x", 0.0, 1.0)
    d = discriminate([t], {"A": np.zeros((8, 1)), "B": np.full((8, 1), 50.0)})
    assert not d.rows[0].discriminates and d.resolution < 0
    assert d.notes and "it takes 10 runs per theory at least" in d.notes[0]
    assert discriminate([t], {"A": np.zeros((12, 1)), "B": np.full((12, 1), 50.0)}).rows[
        0].discriminates
