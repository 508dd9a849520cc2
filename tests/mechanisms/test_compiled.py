"""The compiled runners equal the Sim, bit for bit, whatever the batch.

The Sim steps the mechanisms one Python call at a time and is the model's
reference; the compiled runners (the flagship's and the toy's) run whole
batches in one call. Every series and final of every run must be the same
bits on both paths, in batches of any size, on any backend, with branches.
"""

from __future__ import annotations

import numpy as np
import pytest

from inevitable.experiments.runs import RunSpec, batches, execute
from inevitable.experiments.sweep import sweep
from inevitable.mechanisms.soviet.compiled import _pairwise_sum
from inevitable.scenarios.loader import scenario


def _same(a, b) -> None:
    """Two lists of records agree in every final and every series, bit for bit."""
    assert [r.key for r in a] == [r.key for r in b]
    for x, y in zip(a, b, strict=True):
        assert x.final == y.final, x.spec
        assert {k: type(v) for k, v in x.final.items()} == \
            {k: type(v) for k, v in y.final.items()}
        assert x.series.keys() == y.series.keys()
        for name in x.series:
            assert np.asarray(x.series[name]).tobytes() == \
                np.asarray(y.series[name]).tobytes(), (x.spec, name)


def _both(sc, specs, size=None):
    (lone,) = batches(sc, specs, len(specs), series=True)
    compiled = [r for b in batches(sc, specs, size or len(specs), series=True)
                for r in execute(b)]
    by_key = {r.key: r for r in compiled}
    reference = execute(lone, compiled=False)
    return reference, [by_key[r.key] for r in reference]


FLAGSHIP_CASES = [
    *[{"theory": th, "strategy": st} for th in "TCN"
      for st in ("historical", "class-struggle", "switch", "bloc-holding-demands")],
    {"strategy": "switch", "switch_date": "1926-06"},
    {"path": "organise-faction,back-the-strikers", "hold_last": True},
    {"path": "historical,class-struggle"},
    {"repression_on": False}, {"coalitions_on": False}, {"patronage_on": False},
    {"policy_on": False}, {"mobilisation_on": False}, {"international_on": False},
    {"recruitment_on": False}, {"retention_on": False, "theory": "T"},
    {"agency_effect": 0.9, "sympathy_1923": 0.45, "patronage_rate": 0.005},
    {"scale": 1000, "workforce": 3_100_000, "members_1923": 360_000, "officials": 11_000},
    # a split prepared, then the expulsion: the prepared organisation shelters and recruits
    {"theory": "N", "strategy": "class-struggle", "split_shelter": 0.9, "split_recruit": 0.08,
     "split_build": 0.3},
    {"strategy": "class-struggle", "expel_control": 0.5, "split_shelter": 0.8,
     "split_recruit": 0.1},
    {"theory": "T", "strategy": "class-struggle-no-split"},
    {"student_share": 0.11, "army_share": 0.03, "student_army_moscow": 0.45,
     "student_army_leaning": 0.55, "army_discipline": 0.25},
    # more cells asked for than there are non-bench members: they are cut to whole cells
    {"worker_member_share": 0.85, "student_share": 0.1, "army_share": 0.2, "scale": 500},
]


def test_flagship_compiled_equals_sim_bit_for_bit():
    sc = scenario("soviet-1923")
    specs = [RunSpec(params=p, seed=s) for i, p in enumerate(FLAGSHIP_CASES)
             for s in (i, 100 + i)]
    reference, compiled = _both(sc, specs)
    _same(reference, compiled)
    # the cases are not all alike: the comparison has something to compare
    assert len({r.final["defeat_month"] for r in reference}) > 3
    assert len({round(r.final["cadre_peak"]) for r in reference}) > 10
    # and the split's organisation was prepared before an expulsion, and then acted
    split = [r for r in reference if r.spec.params.get("split_recruit", 0) > 0
             and r.final["expulsion_month"] >= 0]
    assert len(split) >= 3
    assert all(r.series["split_prepared"][r.final["expulsion_month"]] > 0 for r in split)


def test_flagship_branches_equal_snapshot_branching():
    sc = scenario("soviet-1923")
    specs = [RunSpec(params={"theory": th}, seed=s, branch=b,
                     branch_params={"strategy": "class-struggle"})
             for th in "TC" for s in (3, 4) for b in (0, 20, 55)]
    specs.append(RunSpec(params={"strategy": "class-struggle"}, seed=5, branch=30,
                         branch_params={"strategy": "historical", "police_growth": 4.0}))
    # the split's benefits switched on after the expulsion (about month 40 under N)
    specs.append(RunSpec(params={"theory": "N", "strategy": "class-struggle"}, seed=6,
                         branch=50, branch_params={"split_shelter": 1.0, "split_recruit": 0.1}))
    reference, compiled = _both(sc, specs)
    _same(reference, compiled)


@pytest.mark.parametrize("size", [1, 3, 7])
def test_flagship_bits_do_not_depend_on_batch_size(size):
    sc = scenario("soviet-1923")
    specs = [RunSpec(params={"strategy": st}, seed=s) for s in range(4)
             for st in ("historical", "class-struggle")]
    reference, compiled = _both(sc, specs, size=size)
    _same(reference, compiled)


def test_flagship_bits_do_not_depend_on_backend(tmp_path):
    sc = scenario("soviet-1923")
    specs = [RunSpec(params={"strategy": st}, seed=s) for s in range(6)
             for st in ("historical", "class-struggle")]
    serial = sweep(sc, specs, backend="serial", series=True, progress=False)
    procs = sweep(sc, specs, backend="processes", workers=2, series=True, progress=False,
                  batch_size=5)
    assert serial.finals == procs.finals
    for k in serial.series:
        for name, v in serial.series[k].items():
            assert np.asarray(v).tobytes() == np.asarray(procs.series[k][name]).tobytes()


def test_toy_compiled_equals_sim_bit_for_bit():
    sc = scenario("toy")
    specs = [RunSpec(params={"strategy": st, "theory": th, "hazard": h}, seed=s)
             for st in ("yield", "resist") for th in "AB" for h in (0.05, 0.3)
             for s in range(5)]
    specs += [RunSpec(params={"hazard": 0.2}, seed=s, branch=b,
                      branch_params={"strategy": "resist"}) for s in range(5) for b in (0, 7)]
    reference, compiled = _both(sc, specs, size=4)
    _same(reference, compiled)
    assert 0 < sum(r.final["defeat"] for r in reference) < len(reference)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 127, 128, 129, 1000, 4099, 20000])
def test_pairwise_sum_matches_numpy(n):
    x = (np.random.default_rng(n).random(n) ** 3).astype(np.float32)
    assert _pairwise_sum(x, 0, n) == x.sum()
