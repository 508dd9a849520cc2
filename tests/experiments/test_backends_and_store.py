"""Same bits on every backend; a sweep killed with -9 resumes to the same results."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from inevitable.errors import InputError
from inevitable.experiments.runs import RunSpec
from inevitable.experiments.sweep import sweep
from inevitable.scenarios.loader import scenario
from inevitable.store.runstore import RunStore

SPECS = [RunSpec(params={"strategy": s, "theory": "C"}, seed=i)
         for s in ("historical", "class-struggle") for i in range(3)]


def _finals(backend, **kw):
    sc = scenario("soviet-1923")
    return sweep(sc, SPECS, backend=backend, progress=False, batch_size=2, **kw).finals


def test_serial_processes_and_dask_give_the_same_bits():
    serial = _finals("serial")
    assert _finals("processes", workers=2) == serial
    pytest.importorskip("dask.distributed")
    assert _finals("dask", workers=2) == serial


def test_branch_runs_equal_full_runs_with_the_switch_done_by_parameters():
    sc = scenario("toy")
    branched = [RunSpec(params={"strategy": "yield"}, seed=i, branch=8,
                        branch_params={"strategy": "resist"}) for i in range(20)]
    res = sweep(sc, branched, backend="serial", progress=False)
    for spec, final in zip(branched, res.finals, strict=True):
        trunk = sc.sim(spec.seed, {"strategy": "yield"})
        trunk.run(until=8)
        arm = trunk.snapshot().branch(params={"strategy": "resist"}).run()
        assert arm.final["defeat"] == final["defeat"]
        assert arm.final["defeat_step"] == final["defeat_step"]


def test_store_reuses_runs_and_never_duplicates(tmp_path):
    sc = scenario("toy")
    specs = [RunSpec(params={"strategy": "resist"}, seed=i) for i in range(30)]
    first = sweep(sc, specs[:20], backend="serial", store=tmp_path, progress=False)
    assert first.computed == 20
    second = sweep(sc, specs, backend="serial", store=tmp_path, progress=False)
    assert second.computed == 10 and second.reused == 20
    assert second.finals[:20] == first.finals
    with RunStore(tmp_path) as db:
        assert db.count() == 30


def test_store_keeps_series_when_asked(tmp_path):
    sc = scenario("toy")
    specs = [RunSpec(params={"strategy": "yield"}, seed=i) for i in range(4)]
    res = sweep(sc, specs, backend="serial", store=tmp_path, series=True, progress=False)
    key = specs[2].key(sc.hash)
    with RunStore(tmp_path) as db:
        stored = db.series(key)
    assert (stored["alive"] == res.series[key]["alive"]).all()


def test_series_read_back_in_bulk_are_the_computed_ones_bit_for_bit(tmp_path):
    """Many runs across several batch files, read in one call, and probes reused."""
    sc = scenario("toy")
    specs = [RunSpec(params={"strategy": s}, seed=i) for i in range(9) for s in ("yield", "resist")]
    first = sweep(sc, specs, backend="serial", store=tmp_path, series=True, batch_size=4,
                  progress=False)
    keys = [s.key(sc.hash) for s in specs]
    with RunStore(tmp_path) as db:
        assert len(list((tmp_path / "series").glob("*.parquet"))) > 1
        got = db.series_of([*keys, "no-such-key"])
        some = db.series_of(keys[:3], names=["alive"])
    assert set(got) == set(keys)
    for k in keys:
        assert set(got[k]) == set(first.series[k])
        for name, arr in first.series[k].items():
            assert np.array_equal(got[k][name], arr)
    assert all(set(v) == {"alive"} for v in some.values()) and len(some) == 3
    probes = [("alive", 0), ("alive", 5)]
    again = sweep(sc, specs, backend="serial", store=tmp_path, probes=probes, progress=False)
    assert again.computed == 0
    assert again.probes == [tuple(float(first.series[k]["alive"][i]) for _, i in probes)
                            for k in keys]


def test_a_results_path_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "x"
    f.write_text("")
    with pytest.raises(InputError, match="not a results directory"):
        RunStore(f)


def test_a_run_stored_without_series_takes_them_when_a_series_sweep_reruns_it(tmp_path):
    sc = scenario("toy")
    specs = [RunSpec(params={"strategy": "yield"}, seed=i) for i in range(6)]
    plain = sweep(sc, specs, backend="serial", store=tmp_path, progress=False)
    wanted = sweep(sc, specs, backend="serial", store=tmp_path, series=True, progress=False)
    assert wanted.computed == 6  # the store had no series for them
    again = sweep(sc, specs, backend="serial", store=tmp_path, series=True, progress=False)
    assert again.computed == 0 and again.reused == 6
    assert again.finals == wanted.finals == plain.finals
    key = specs[1].key(sc.hash)
    assert (again.series[key]["alive"] == wanted.series[key]["alive"]).all()


def test_a_batch_that_fails_before_its_commit_stores_nothing(tmp_path, monkeypatch):
    sc = scenario("toy")
    specs = [RunSpec(params={"strategy": "resist"}, seed=i) for i in range(8)]

    def refuse(self, experiment, keys):  # the last statement before the commit
        raise OSError("disk full")

    monkeypatch.setattr(RunStore, "_link", refuse)
    with RunStore(tmp_path) as db:
        exp = db.add_experiment("test", sc, {})
        with pytest.raises(OSError, match="disk full"):
            sweep(sc, specs, backend="serial", store=db, series=True, experiment=exp,
                  batch_size=8, progress=False)
        assert db.count() == 0
    assert list((tmp_path / "series").iterdir()) == []  # its series file went too
    monkeypatch.undo()
    res = sweep(sc, specs, backend="serial", store=tmp_path, progress=False)
    assert res.computed == 8


def test_what_a_writer_killed_before_its_commit_leaves_is_removed_when_the_store_opens(
        tmp_path):
    sc = scenario("toy")
    specs = [RunSpec(params={"strategy": "yield"}, seed=i) for i in range(4)]
    sweep(sc, specs, backend="serial", store=tmp_path, series=True, progress=False)
    folder = tmp_path / "series"
    kept = sorted(p.name for p in folder.iterdir())
    half = folder / ".abc.parquet.0123456789ab.part"
    half.write_bytes(b"PAR1 half a file")  # killed mid-file
    whole = folder / "0123456789abcdef01234567.parquet"
    whole.write_bytes((folder / kept[0]).read_bytes())  # killed after the file, before the rows
    with RunStore(tmp_path) as db:
        assert db.count() == 4
        assert len(db.series(specs[0].key(sc.hash))["alive"]) > 0
    assert sorted(p.name for p in folder.iterdir()) == kept


def _cli(*args: str, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "inevitable.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _counts(out: str) -> tuple[int, int]:
    """(computed, reused) from the line compare prints at the end."""
    line = next(line for line in out.splitlines() if "runs computed" in line)
    words = line.split()
    return int(words[0]), int(words[3])


def _first_stored(proc: subprocess.Popen, timeout: float) -> int:
    """Wait (reading stderr) until the CLI says a batch is stored; how many runs it said.

    The store itself cannot be looked at meanwhile: DuckDB lets one process
    at a time open it. The line is printed only after the batch's commit, so
    it is a lower bound on what the store must hold after the kill.
    """
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stderr:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"no batch stored in {timeout} s")
        if not line:
            pytest.fail("the sweep ended before it stored anything")
        if m := re.search(r"(\d+)/\d+ runs done and stored", line):
            return int(m.group(1))


# 60 flagship runs, four batches of 15 on the serial backend: the kill lands
# after the first commit with three batches (seconds of work) still to go
KILLED = ["compare", "soviet-1923", "--strategies", "historical,class-struggle",
          "--theories", "C", "--reps", "30", "--backend", "serial"]
TOTAL = 60


def test_a_compare_killed_midway_leaves_only_whole_runs_and_the_rerun_reuses_every_one(
        tmp_path):
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    killed_out, clean_out = tmp_path / "killed.json", tmp_path / "clean.json"
    # the uninterrupted run into a fresh store goes alongside, to save time
    reference = _cli(*KILLED, "--results", str(clean), "--out", str(clean_out), cwd=tmp_path)
    proc = _cli(*KILLED, "--results", str(killed), "--out", str(killed_out), cwd=tmp_path)
    try:
        reported = _first_stored(proc, timeout=120)
        proc.send_signal(signal.SIGKILL)  # no warning, no clean-up
        assert proc.wait(30) == -signal.SIGKILL, "the sweep finished before the kill"
        _, err = reference.communicate(timeout=120)
        assert reference.returncode == 0, err
    finally:
        for p in (proc, reference):
            if p.poll() is None:
                p.kill()
                p.wait()

    with RunStore(clean) as db:
        want = {k: (spec, final) for k, spec, final in db.con.execute(
            "SELECT key, spec, final FROM runs").fetchall()}
    assert len(want) == TOTAL

    # the killed store opens cleanly and holds whole runs only, each as the
    # uninterrupted run stored it; nothing reported stored was lost
    with RunStore(killed) as db:
        rows = db.con.execute("SELECT key, spec, final, series_file FROM runs").fetchall()
    stored = len(rows)
    assert reported <= stored < TOTAL, (reported, stored)
    for key, spec, final, series_file in rows:
        assert want[key] == (spec, final)
        assert series_file is None  # compare keeps no series
    assert not [p for p in killed.rglob("*") if p.name.endswith(".part")]
    assert not killed_out.exists() and not list(tmp_path.glob(".killed.json*"))

    # the rerun computes exactly the runs that were missing and ends where the
    # uninterrupted run did, bit for bit
    rerun = _cli(*KILLED, "--results", str(killed), "--out", str(killed_out), cwd=tmp_path)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert _counts(out) == (TOTAL - stored, stored)
    assert killed_out.read_text() == clean_out.read_text()
    with RunStore(killed) as db:
        got = {k: (spec, final) for k, spec, final in db.con.execute(
            "SELECT key, spec, final FROM runs").fetchall()}
    assert got == want
