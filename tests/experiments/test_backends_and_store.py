"""Same bits on every backend; a sweep killed with -9 resumes to the same results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

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


def test_a_results_path_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "x"
    f.write_text("")
    with pytest.raises(InputError, match="not a results directory"):
        RunStore(f)


def _cli(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "inevitable.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_sweep_killed_with_sigkill_resumes_to_exactly_the_uninterrupted_results(tmp_path):
    args = ["compare", "soviet-1923", "--strategies", "historical,class-struggle",
            "--theories", "C", "--reps", "24", "--backend", "serial"]
    killed = tmp_path / "killed"
    proc = _cli(*args, "--results", str(killed), cwd=tmp_path)
    # wait until a batch has been stored, then kill without warning
    line = ""
    while "stored" not in line:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            pytest.fail("the sweep ended before it stored anything")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    resumed = _cli(*args, "--results", str(killed), cwd=tmp_path)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    computed, reused = _counts(out)
    assert reused > 0 and computed + reused == 48

    clean = _cli(*args, "--results", str(tmp_path / "clean"), cwd=tmp_path)
    clean.communicate(timeout=300)
    assert clean.returncode == 0
    with RunStore(killed) as a, RunStore(tmp_path / "clean") as b:
        rows_a = a.con.execute("SELECT key, final FROM runs ORDER BY key").fetchall()
        rows_b = b.con.execute("SELECT key, final FROM runs ORDER BY key").fetchall()
    assert len(rows_a) == 48 and rows_a == rows_b


def _counts(out: str) -> tuple[int, int]:
    line = next(line for line in out.splitlines() if "runs computed" in line)
    words = line.split()
    return int(words[0]), int(words[3])
