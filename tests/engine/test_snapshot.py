"""Snapshot and branch: equal, bit for bit, to an uninterrupted run."""

from __future__ import annotations

import numpy as np
import pytest

from inevitable.engine import Sim, Snapshot, Timeline
from inevitable.engine.registry import mechanism
from inevitable.errors import InputError
from inevitable.scenarios.loader import scenario


def _assert_same_run(a: Sim, b: Sim):
    assert a.t == b.t
    for k in a.state:
        assert np.array_equal(a.state[k], b.state[k]), k
    for k in a.results:
        assert np.array_equal(a.results[k], b.results[k]), k


@pytest.mark.parametrize("t", [0, 1, 17, 59])
def test_branch_is_bit_identical_to_full_run(t):
    make = lambda: Sim([mechanism("test-walkers")], timeline=Timeline(60), seed=11)  # noqa: E731
    full = make()
    full.run()
    part = make()
    part.run(until=t)
    branch = part.snapshot().branch()
    branch.run()
    _assert_same_run(full, branch)
    assert branch.result().final == full.result().final


def test_snapshot_written_to_disk_and_read_back_continues_identically(tmp_path):
    sc = scenario("granovetter")
    full = sc.sim(seed=4, params={"sd": 0.2})
    full.run()
    part = sc.sim(seed=4, params={"sd": 0.2})
    part.run(until=3)
    path = part.snapshot().save(tmp_path / "snap.npz")
    again = Snapshot.load(path).branch()
    assert again.t == 3
    again.run()
    _assert_same_run(full, again)


def test_branch_may_change_parameters_from_the_branch_point_on():
    make = lambda drift: Sim([mechanism("test-walkers")], timeline=Timeline(40),  # noqa: E731
                             seed=2, params={"drift": drift})
    base = make(0.0)
    base.run(until=20)
    arm = base.snapshot().branch(params={"drift": 0.8})
    arm.run()
    straight = make(0.8)
    straight.run()
    assert np.array_equal(arm.results["mean_position"][:21], base.results["mean_position"][:21])
    assert arm.results["mean_position"][-1] > base.results["mean_position"][20]
    assert not np.array_equal(arm.results["mean_position"], straight.results["mean_position"])


def test_branch_rejects_a_parameter_that_changes_the_state_shape():
    sim = Sim([mechanism("test-walkers")], timeline=Timeline(10), seed=0)
    sim.run(until=5)
    with pytest.raises(InputError, match="shape"):
        sim.snapshot().branch(params={"walkers": 7})


def test_loading_a_file_that_is_not_a_snapshot_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_text("not a zip")
    with pytest.raises(InputError, match="cannot read snapshot"):
        Snapshot.load(bad)
