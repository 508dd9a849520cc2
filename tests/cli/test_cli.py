"""The CLI verbs, and their refusals: status 2, one line, nothing written."""

from __future__ import annotations

import json
import os

import pyarrow.parquet as pq
import pytest

from inevitable.cli import parse_sets
from inevitable.store.files import read_parquet_meta


def test_parse_sets_reads_json_else_text():
    assert parse_sets(["a=1", "b=[0,0.01]", "c=round", "d=true", "e=0.7"]) == {
        "a": 1, "b": [0, 0.01], "c": "round", "d": True, "e": 0.7}


def test_scenarios_lists_builtins_one_line_each(cli):
    code, out, _ = cli("scenarios")
    assert code == 0
    lines = out.strip().splitlines()
    assert any(line.startswith("granovetter") for line in lines)
    assert all(len(line.split()) > 1 for line in lines)


def test_check_accepts_a_builtin_and_a_file(cli, tmp_path):
    code, out, _ = cli("check", "granovetter")
    assert code == 0 and out.startswith("ok: granovetter")


def test_run_writes_json_with_series_final_and_metadata(cli, tmp_path):
    path = tmp_path / "run.json"
    code, _, _ = cli("run", "granovetter", "--set", "thresholds=[0,0.01,0.02]",
                     "--seed", "4", "--steps", "5", "--out", str(path))
    assert code == 0
    data = json.loads(path.read_text())
    assert data["series"]["participation"] == pytest.approx([0, 1 / 3, 1, 1, 1, 1])
    assert len(data["series"]["participation"]) == 6  # step 0 included
    assert data["final"]["participants"] == 3
    assert data["seed"] == 4 and data["scenario"] == "granovetter"
    assert data["parameters"]["thresholds"] == [0.0, 0.01, 0.02]
    assert "code_version" in data and "scenario_hash" in data


def test_run_writes_csv_and_parquet_with_the_same_numbers(cli, tmp_path):
    args = ("run", "granovetter", "--set", "sd=0.2", "--seed", "2")
    assert cli(*args, "--out", str(tmp_path / "r.json"))[0] == 0
    assert cli(*args, "--out", str(tmp_path / "r.csv"))[0] == 0
    assert cli(*args, "--out", str(tmp_path / "r.parquet"))[0] == 0
    want = json.loads((tmp_path / "r.json").read_text())["series"]["participation"]
    rows = (tmp_path / "r.csv").read_text().strip().splitlines()
    assert rows[0] == "step,time,participation"
    assert [float(r.split(",")[2]) for r in rows[1:]] == want
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.column("participation").to_pylist() == want
    assert read_parquet_meta(tmp_path / "r.parquet")["seed"] == 2


def test_run_without_out_prints_a_summary(cli):
    code, out, _ = cli("run", "granovetter", "--seed", "1")
    assert code == 0 and "participation" in out and "final:" in out


BAD = [
    (("run", "nope"), "unknown scenario 'nope'"),
    (("run", "granovetter", "--set", "sdd=0.1"),
     "--set sdd: unknown parameter 'sdd'; did you mean 'sd'?"),
    (("run", "granovetter", "--set", "sd=abc"),
     "--set sd: parameter 'sd' must be a number, got 'abc'"),
    (("run", "granovetter", "--set", "sd=-1"), "below its minimum"),
    (("run", "granovetter", "--set", "distribution=gamma"), "must be one of uniform, normal"),
    (("run", "granovetter", "--set", "sd"), "--set: expected KEY=VALUE, got 'sd'"),
    (("run", "granovetter", "--steps", "0"), "--steps: must be at least 1"),
    (("check", "missing.yaml"), "missing.yaml: no such file"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_exits_2_with_one_line(cli, args, message):
    code, out, err = cli(*args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert message in err
    assert "Traceback" not in out + err


def test_bad_yaml_file_names_its_line(cli, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("name: x\ntitle: [unclosed\n")
    code, _, err = cli("check", str(f))
    assert code == 2 and err.startswith(f"error: {f}:") and "malformed YAML" in err


def test_a_bad_bound_exits_2_with_one_line_naming_its_place(cli, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("name: x\ntitle: t\nmechanisms: [toy-hazard]\ntime: {unit: tick, steps: 4}\n"
                 "bounds:\n- {id: b, final: defeat_step, min: 9, max: 3, source: s}\n")
    code, out, err = cli("check", str(f))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in out + err
    assert err == f"error: {f}:6: bounds.0: 'min' (9) is above 'max' (3)\n"


@pytest.mark.parametrize("name", ["r.txt", "r", "nodir/r.json"])
def test_bad_output_path_writes_nothing(cli, tmp_path, name):
    target = tmp_path / name
    code, _, err = cli("run", "granovetter", "--out", str(target))
    assert code == 2 and err.startswith("error: --out")
    assert list(tmp_path.iterdir()) == []


def test_bad_parameter_with_out_writes_nothing(cli, tmp_path):
    code, _, _ = cli("run", "granovetter", "--set", "sd=x", "--out", str(tmp_path / "r.json"))
    assert code == 2 and list(tmp_path.iterdir()) == []


def test_unreadable_scenario_file(cli, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_bytes(b"\xff\xfe\x00")
    code, _, err = cli("run", str(f))
    assert code == 2 and "cannot read" in err


def test_the_package_offers_the_experiments_by_name():
    import inevitable as inv

    c = inv.compare("toy", reps=10, backend="serial", progress=False)
    assert c.arm("yield", "A").estimates["defeat"].n == 10
    assert inv.months("1923-11", "1924-02") == ["1923-11", "1923-12", "1924-01", "1924-02"]
    with pytest.raises(AttributeError):
        inv.nonexistent  # noqa: B018


@pytest.mark.parametrize("verb", [["run", "toy"], ["compare", "toy", "--reps", "4",
                                                   "--backend", "serial"]])
def test_out_where_the_system_refuses_a_file_is_one_line(cli, tmp_path, verb):
    # /proc accepts no new files whatever the permissions say
    extra = ["--results", str(tmp_path / "store")] if verb[0] == "compare" else []
    code, _, err = cli(*verb, *extra, "--out", "/proc/x.json")
    assert code == 2
    assert err.strip().count("\n") == 0
    assert err.startswith("error: --out /proc/x.json: cannot write there")


# -- outputs that cannot be written: one line, status 2, checked before any run ------------

NOWHERE = "/proc/inevitable-nowhere"  # a directory no one can create a file in, root or not
needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
QUICK = ("--backend", "serial")

UNWRITABLE = [
    (("run", "toy", "--out", f"{NOWHERE}.json"), f"--out {NOWHERE}.json"),
    (("compare", "toy", "--reps", "4", *QUICK, "--out", f"{NOWHERE}.json"),
     f"--out {NOWHERE}.json"),
    (("compare", "toy", "--reps", "4", *QUICK, "--results", NOWHERE), f"--results {NOWHERE}"),
    (("curve", "toy", "--branches", "4", "--reps", "4", *QUICK, "--out", f"{NOWHERE}.json"),
     f"--out {NOWHERE}.json"),
    (("sensitivity", "toy", "--samples", "4", *QUICK, "--out", f"{NOWHERE}.json"),
     f"--out {NOWHERE}.json"),
    (("discover", "toy", "--params", "hazard", "--samples", "8", *QUICK, "--out",
      f"{NOWHERE}.json"), f"--out {NOWHERE}.json"),
    (("calibrate", "toy", "--particles", "4", *QUICK, "--out", f"{NOWHERE}.json"),
     f"--out {NOWHERE}.json"),
    (("validate", "toy", *QUICK, "--out", f"{NOWHERE}.json"), f"--out {NOWHERE}.json"),
    (("verdict", "toy", "--budget", "quick", *QUICK, "--out", NOWHERE), f"--out {NOWHERE}"),
    (("verdict", "toy", "--budget", "quick", *QUICK, "--results", f"{NOWHERE}/r"),
     f"--results {NOWHERE}/r"),
    (("play", "--moves", "historical", *QUICK, "--results", NOWHERE), f"--results {NOWHERE}"),
    (("serve", "--results", NOWHERE), f"--results {NOWHERE}"),
]


@needs_proc
@pytest.mark.parametrize(("args", "names"), UNWRITABLE, ids=lambda x: " ".join(x[:1])
                         if isinstance(x, tuple) else None)
def test_an_unwritable_output_is_one_line_and_status_2_before_any_run(cli, tmp_path,
                                                                     monkeypatch, args, names):
    monkeypatch.chdir(tmp_path)  # the default --results and --out land here, if anywhere
    results = ("--results", str(tmp_path / "results")) if "--results" not in args and \
        args[0] not in ("run", "serve", "play") else ()
    code, out, err = cli(*args, *results)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith(f"error: {names}: cannot write there ("), err
    assert "Traceback" not in out + err
    # checked before anything ran: no results store was made, no file left
    assert list(tmp_path.iterdir()) == []


@needs_proc
def test_an_unwritable_export_is_one_line_and_status_2(cli, tmp_path):
    results = tmp_path / "results"
    assert cli("compare", "toy", "--reps", "2", *QUICK, "--results", str(results))[0] == 0
    code, _, err = cli("runs", "--results", str(results), "--export", f"{NOWHERE}.csv")
    assert code == 2
    assert err == f"error: --export {NOWHERE}.csv: cannot write there (No such file or directory)\n"


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_part(tmp_path):
    import errno

    from inevitable.errors import InputError
    from inevitable.store.files import atomic_write, writing

    target = tmp_path / "r.json"
    target.write_text("the old result")

    def half(tmp):
        tmp.write_text('{"half": ')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(InputError) as refused, writing(target):
        atomic_write(target, half)
    assert str(refused.value) == f"--out {target}: cannot write there (No space left on device)"
    assert target.read_text() == "the old result"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize(("args", "message"), [
    (("--budget", "huge"), "unknown budget 'huge'"),
    (("--budget", "5"), "at least 20"),
    (("--posterior", "missing.json"), "missing.json: no such file"),
    (("--prior", "effect"), "--prior: expected NAME=PRIOR, got 'effect'"),
    (("--prior", "efect={dist: uniform, low: 0, high: 1}"),
     "--prior efect: unknown parameter 'efect'; did you mean 'effect'?"),
    (("--prior", "effect=0.5"), "--prior effect: expected a prior such as"),
    (("--prior", "effect={dist: uniform, low: 0"), "--prior effect: '{dist: uniform, low: 0' "
                                                   "is not a prior written as in a scenario"),
    (("--prior", "effect={dist: cauchy, low: 0, high: 1}"),
     "--prior effect: prior: Input tag 'cauchy'"),
    (("--prior", "effect={dist: uniform, low: 0, high: 2}"),
     "--prior effect: prior: prior support [0.0, 2.0] leaves the parameter's range"),
    (("--prior", "effect={dist: uniform, low: 0.8, high: 0.2}"),
     "--prior effect: prior: high (0.2) must exceed low (0.8)"),
    (("--prior", "strategy={dist: uniform, low: 0, high: 1}"),
     "--prior strategy: a choice parameter has no prior to replace"),
])
def test_bad_verdict_input_exits_2_with_one_line_and_writes_nothing(cli, tmp_path, args,
                                                                    message):
    out_dir = tmp_path / "report"
    code, _, err = cli("verdict", "toy", "--out", str(out_dir), "--results",
                       str(tmp_path / "results"), *args)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ")
    assert message in err
    assert not out_dir.exists() and not (tmp_path / "results").exists()


def test_a_bad_posterior_file_exits_2_with_one_line(cli, tmp_path):
    bad = tmp_path / "post.json"
    bad.write_text('{"format": "something else"}')
    code, _, err = cli("verdict", "toy", "--posterior", str(bad), "--out", str(tmp_path / "r"))
    assert code == 2 and err.count("\n") == 1 and "not a posterior file" in err
    assert not (tmp_path / "r").exists()


def test_a_prior_for_a_calibrated_parameter_is_refused_not_ignored(cli, tmp_path):
    # the shipped posterior calibrates levy_rate: the verdict never draws it from a prior
    from inevitable.experiments.verdict import shipped_posterior

    assert "levy_rate" in shipped_posterior("soviet-1923").params
    out_dir = tmp_path / "report"
    code, _, err = cli("verdict", "soviet-1923", "--prior",
                       "levy_rate={dist: uniform, low: 0.01, high: 0.02}", "--out", str(out_dir),
                       "--results", str(tmp_path / "results"))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: --prior levy_rate: calibrated by the posterior")
    assert not out_dir.exists() and not (tmp_path / "results").exists()


def test_a_prior_override_replaces_the_prior_everywhere_the_study_draws():
    from inevitable.experiments.averaged import plan
    from inevitable.scenarios.loader import scenario

    sc = scenario("toy")
    moved = sc.with_priors({"effect": {"dist": "uniform", "low": 0.9, "high": 1.0}})
    assert moved.priors["effect"].support == (0.9, 1.0)
    assert moved.priors["hazard"] == sc.priors["hazard"]  # the others as they were
    assert moved.hash != sc.hash  # a different study, never mixed with the original's runs
    drawn = [d.params["effect"] for d in plan(moved, {"A": 1.0}, 50)]
    assert min(drawn) >= 0.9 and max(drawn) <= 1.0
    assert min(d.params["effect"] for d in plan(sc, {"A": 1.0}, 50)) < 0.9


TOY_WITH_TARGETS = """\
name: toy-cal
title: toy hazard with targets
mechanisms: [toy-hazard]
time: {unit: tick, steps: 24}
targets:
- {id: defeat-step, quantity: defeat_step, value: 12, sd: 4, source: t}
"""


def test_calibrate_prints_its_budget_before_it_starts_and_keeps_to_it(cli, tmp_path):
    out_file = tmp_path / "post.json"
    (tmp_path / "toy-cal.yaml").write_text(TOY_WITH_TARGETS)
    code, _, err = cli("calibrate", str(tmp_path / "toy-cal.yaml"), "--particles", "8",
                       "--generations", "6",
                       "--budget", "60", *QUICK, "--results", str(tmp_path / "r"),
                       "--out", str(out_file))
    assert code == 0, err
    first = err.splitlines()[0]
    assert first.startswith("budget: at most 60 runs at ") and "roughly" in first
    post = json.loads(out_file.read_text())
    assert post["n_simulations"] <= 60 and post["settings"]["budget"] == 60


def test_a_calibration_budget_too_small_is_one_line_and_nothing_runs(cli, tmp_path):
    (tmp_path / "toy-cal.yaml").write_text(TOY_WITH_TARGETS)
    code, _, err = cli("calibrate", str(tmp_path / "toy-cal.yaml"), "--particles", "8",
                         "--budget", "10", *QUICK, "--results", str(tmp_path / "r"),
                         "--out", str(tmp_path / "p.json"))
    assert code == 2
    assert err == ("error: --budget: must allow at least 16 runs (the screen and a first "
                   "generation of 8 particles x 1 replicate(s)); got 10\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy-cal.yaml"]
