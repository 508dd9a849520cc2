"""The JSON API: clear 4xx refusals, results equal to the Python API's, shared and
bounded jobs, no file outside the results store.

Every app here runs its jobs on the serial backend with a small ``max_reps``
and a fresh results directory, so the module stays fast and binds nothing.
"""

from __future__ import annotations

import json
import math
import threading
import time

import pytest
from fastapi.testclient import TestClient

import inevitable as inv
from inevitable.game import game, turn
from inevitable.web.app import create_app
from inevitable.web.jobs import JobQueue, QueueFull
from inevitable.web.service import FAN_SERIES

MAX_REPS = 16
TWO_ARMS = [{"strategy": "historical"}, {"strategy": "class-struggle"}]
SERIAL = {"backend": "serial", "progress": False}


def _app(results, **options):
    return TestClient(create_app(results=results, backend="serial", max_reps=MAX_REPS,
                                 runners=1, **options))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with _app(tmp_path_factory.mktemp("results")) as c:
        yield c


def refused(r, status: int | None, *words: str) -> str:
    """A 4xx (``status`` if given) whose body is exactly one line ``{"detail": ...}``."""
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    if status is not None:
        assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"detail"}, body
    detail = body["detail"]
    assert isinstance(detail, str) and detail
    assert "\n" not in detail and "\r" not in detail, detail
    assert "Traceback" not in r.text and "internal error" not in detail
    for w in words:
        assert w in detail, (w, detail)
    return detail


def wait(c: TestClient, job_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        r = c.get(f"/api/jobs/{job_id}")
        assert r.status_code == 200, r.text
        job = r.json()
        if job["state"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['state']}"
        time.sleep(0.05)


def run(c: TestClient, path: str, body: dict) -> dict:
    r = c.post(path, json=body)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/jobs/{r.json()['id']}"
    job = wait(c, r.json()["id"])
    assert job["state"] == "done", job["error"]
    return job["result"]


def plain(x):
    """As JSON carries it: tuples as lists, non-finite floats as null."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


# -- bad input: one-line 4xx naming the field ------------------------------------------------

BAD = [
    # (method, path, body, status, words in the detail)
    ("get", "/api/scenarios/nope", None, 404, ["scenario", "unknown scenario 'nope'"]),
    ("get", "/api/play/nope", None, 404, ["scenario", "'nope'"]),
    ("post", "/api/ensembles", {"scenario": "nope", "arms": TWO_ARMS, "reps": 4}, 404,
     ["scenario", "'nope'", "soviet-1923"]),
    ("post", "/api/strategies/check", {"scenario": "nope", "rules": [{"do": {"platform": 1}}]},
     404, ["scenario", "'nope'"]),
    ("get", "/api/jobs/0123456789abcdef", None, 404, ["job", "'0123456789abcdef'"]),
    # strategies and rules
    ("post", "/api/ensembles", {"arms": [{"strategy": "nope"}], "reps": 4}, 422,
     ["arms.0.strategy", "unknown strategy 'nope'", "class-struggle"]),
    ("post", "/api/ensembles", {"arms": [TWO_ARMS[0], {"strategy": "no-such"}], "reps": 4},
     422, ["arms.1.strategy", "'no-such'"]),
    ("post", "/api/ensembles", {"arms": [TWO_ARMS[0], TWO_ARMS[0]], "reps": 4}, 422,
     ["arms", "same strategy"]),
    ("post", "/api/ensembles", {"arms": [{}], "reps": 4}, 422, ["arms.0", "'strategy' or"]),
    ("post", "/api/ensembles", {"arms": [{"strategy": "historical",
                                          "rules": [{"do": {"platform": 1}}]}], "reps": 4},
     422, ["arms.0", "either"]),
    ("post", "/api/ensembles", {"arms": [{"rules": [{"do": {"no_such_action": 1}}]}],
                                "reps": 4}, 422, ["rules", "unknown action 'no_such_action'"]),
    ("post", "/api/ensembles", {"arms": [{"rules": [{"do": {"platform": 1}}]},
                                         {"rules": [{"do": {"abstain": 1}}]}], "reps": 4},
     422, ["arms", "at most one arm"]),
    ("post", "/api/strategies/check", {"scenario": "soviet-1923", "rules": [
        {"when": "sympathy > 0.3 and no_such_name < 2", "do": {"platform": 1}}]}, 422,
     ["rules", "rule 0", "unknown name 'no_such_name'"]),
    ("post", "/api/strategies/check", {"scenario": "soviet-1923", "rules": [
        {"do": {"platform": 1}}, {"do": {"bogus": 0.5}}]}, 422,
     ["rules", "rule 1", "unknown action 'bogus'"]),
    ("post", "/api/strategies/check", {"scenario": "soviet-1923", "rules": [
        {"when": "__import__('os').system('true')", "do": {"platform": 1}}]}, 422,
     ["rules", "not allowed"]),
    ("post", "/api/strategies/check", {"scenario": "soviet-1923", "rules": [
        {"when": "sympathy >", "do": {"platform": 1}}]}, 422, ["rules", "cannot parse"]),
    ("post", "/api/strategies/check", {"scenario": "soviet-1923", "rules": [
        {"do": {"platform": 1.5}}]}, 422, ["rules.0.do.platform"]),
    ("post", "/api/strategies/check", {"scenario": "soviet-1923", "rules": [
        {"do": {"platform": 1}, "then": 2}]}, 422, ["rules.0.then", "Extra inputs"]),
    # the toy's strategy is a choice, not the rule language: refused, not a failed job
    ("post", "/api/strategies/check", {"scenario": "toy", "rules": [{"do": {"platform": 1}}]},
     422, ["rules", "no strategies to write"]),
    ("post", "/api/ensembles", {"scenario": "toy", "arms": [{"rules": [{"do": {"a": 1}}]}],
                                "reps": 4}, 422, ["rules", "no strategies to write"]),
    # sizes and seeds
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": MAX_REPS + 1}, 422,
     ["reps", f"at most {MAX_REPS}"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 10**30}, 422, ["reps"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 1}, 422, ["reps"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS * 2, "reps": 4}, 422, ["arms"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "seed": -1}, 422, ["seed"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "seed": 2**31}, 422, ["seed"]),
    ("post", "/api/play/turn", {"moves": ["lie-low"], "reps": 4, "seed": 2**31}, 422,
     ["seed"]),
    ("get", "/api/play/soviet-1923?seed=-3", None, 422, ["seed"]),
    ("get", "/api/play/soviet-1923?seed=banana", None, 422, ["seed"]),
    ("post", "/api/play/turn", {"moves": ["lie-low"], "reps": MAX_REPS + 1}, 422,
     ["reps", f"at most {MAX_REPS}"]),
    ("get", f"/api/play/soviet-1923?reps={MAX_REPS + 1}", None, 422, ["reps"]),
    ("post", "/api/play/turn", {"moves": ["lie-low"], "reps": 3}, 422, ["reps"]),
    # theories
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "theory": "X"}, 422,
     ["theory", "unknown theory 'X'"]),
    ("post", "/api/play/turn", {"moves": ["lie-low"], "reps": 4, "theory": "X"}, 422,
     ["theory", "'X'"]),
    # parameters: only those with a prior, inside its support
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "params": {"scale": 100}}, 422,
     ["params.scale", "only parameters with a prior"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "params": {"no_such": 1}}, 422,
     ["params.no_such", "unknown parameter 'no_such'"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "params": {"levy_rate": 0.5}},
     422, ["params.levy_rate", "outside the prior's support [0.01, 0.06]"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "params": {"levy_rate": -1}},
     422, ["params.levy_rate"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "params": {"levy_rate": "x"}},
     422, ["params.levy_rate", "number"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "params": {"levy_rate": True}},
     422, ["params.levy_rate"]),
    # an integer too large for a float (was a 500: OverflowError)
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "params": {"levy_rate": 10**400}},
     422, ["params.levy_rate"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "params": {"workforce": 10**400}},
     422, ["params.workforce"]),
    # branches
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "branch": "1923-13"}, 422,
     ["branch", "'1923-13'"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "branch": "1935-01"}, 422,
     ["branch", "outside the run"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "branch": "1923-01"}, 422,
     ["branch", "outside the run"]),
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "branch": "May 1925"}, 422,
     ["branch"]),
    # moves
    ("post", "/api/play/turn", {"moves": ["bloc-trading-demands"], "reps": 4}, 422,
     ["moves", "'bloc-trading-demands'", "not offered at 1923-08"]),
    ("post", "/api/play/turn", {"moves": ["no-such-move"], "reps": 4}, 422,
     ["moves", "'no-such-move'"]),
    ("post", "/api/play/turn", {"moves": ["historical"] * 12, "reps": 4}, 422,
     ["moves", "12 moves for 11 junctures"]),
    ("post", "/api/play/turn", {"moves": ["historical"] * 41, "reps": 4}, 422, ["moves"]),
    ("post", "/api/play/turn", {"moves": [], "reps": 4}, 422, ["moves", "at least one"]),
    ("post", "/api/play/turn", {"moves": ["lie-low,demonstrate"], "reps": 4}, 422, ["moves"]),
    ("post", "/api/play/summary", {"moves": ["lie-low"], "reps": 4}, 422,
     ["moves", "11 moves, got 1"]),
    # extra fields, at every level
    ("post", "/api/ensembles", {"arms": TWO_ARMS, "reps": 4, "workers": 64}, 422,
     ["workers", "Extra inputs are not permitted"]),
    ("post", "/api/ensembles", {"arms": [{"strategy": "historical", "x": 1}], "reps": 4}, 422,
     ["arms.0.x", "Extra inputs"]),
    ("post", "/api/play/turn", {"moves": ["lie-low"], "reps": 4, "backend": "dask"}, 422,
     ["backend", "Extra inputs"]),
    ("post", "/api/verdicts", {"budget": "quick", "store": "/tmp"}, 422, ["store"]),
    # verdict budgets
    ("post", "/api/verdicts", {"budget": "thorough"}, 422, ["budget", "not allowed"]),
    ("post", "/api/verdicts", {"budget": 10**400}, 422, ["budget"]),
    ("post", "/api/verdicts", {"scenario": "granovetter"}, 422, ["scenario", "no outcomes"]),
    # not JSON, not an object
    ("post", "/api/ensembles", "[1, 2]", 422, []),
    ("post", "/api/ensembles", "{not json", 422, []),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "words"), BAD,
                         ids=[f"{m} {p} {json.dumps(b)[:60] if b else ''}"
                              for m, p, b, *_ in BAD])
def test_bad_input_gets_a_one_line_4xx_naming_the_field(client, method, path, body, status,
                                                         words):
    if isinstance(body, str):
        r = client.request(method.upper(), path, content=body,
                           headers={"content-type": "application/json"})
    else:
        r = client.request(method.upper(), path, json=body)
    refused(r, status, *words)


def test_bad_input_starts_no_job(client):
    def total():
        return sum(client.get("/api/health").json()["jobs"].values())

    before = total()
    for method, path, body, *_ in BAD:
        if method == "post" and path != "/api/strategies/check" and not isinstance(body, str):
            client.post(path, json=body)
    assert total() == before


@pytest.mark.parametrize("when", [
    "9" * 399,                          # an integer no float holds (was a 500: OverflowError)
    "month > '1925-01' and month < '\\ud800'",  # a lone surrogate quoted back (was a 500)
    "sympathy >\n0.3 and\n",            # a newline quoted back: still one line
])
def test_strange_conditions_are_refused_on_one_line(client, when):
    r = client.post("/api/strategies/check",
                    json={"scenario": "soviet-1923", "rules": [{"when": when,
                                                                  "do": {"platform": 1}}]})
    refused(r, 422, "rules")


def test_a_good_rule_checks_and_a_scenario_and_its_game_describe_themselves(client):
    r = client.post("/api/strategies/check", json={"scenario": "soviet-1923", "rules": [
        {"when": "month >= '1925-12' and cadre_share > 0.2", "do": {"platform": 1}}]})
    assert r.status_code == 200 and r.json() == {"ok": True, "rules": 1}
    sc = client.get("/api/scenarios/soviet-1923").json()
    assert sc["name"] == "soviet-1923" and sc["theories"] == ["T", "C", "N"]
    assert {s["name"] for s in sc["strategies"]} >= {"historical", "class-struggle"}
    g = client.get("/api/play/soviet-1923?theory=N&seed=3&reps=8").json()
    assert (g["theory"], g["seed"], g["reps"], len(g["junctures"])) == ("N", 3, 8, 11)
    assert g == plain(game("soviet-1923", "N", 3, 8).to_dict())


# -- results equal the Python API's, bit for bit ---------------------------------------------

def _fans():
    sc = inv.scenario("soviet-1923")
    return [f for f in FAN_SERIES if f in {n for c in sc.mechanisms for n in c.series}]


def test_an_ensemble_equals_compare_bit_for_bit(client):
    body = {"arms": TWO_ARMS, "theory": "C", "reps": 6, "seed": 17, "branch": "1925-12",
            "params": {"levy_rate": 0.03}}
    got = run(client, "/api/ensembles", body)
    want = plain(inv.compare("soviet-1923", strategies=["historical", "class-struggle"],
                             theories=["C"], reps=6, seed=17, params={"levy_rate": 0.03},
                             branch="1925-12", fans=_fans(), outcomes=got["outcomes"],
                             **SERIAL).to_dict())
    assert "defeat" in got["outcomes"]  # the outcomes the page shows, as the server chose
    assert got["arms"] == want["arms"]  # estimates and fans, every float exactly
    assert got["differences"] == want["differences"]
    for key in ("seeds", "reps", "reference", "outcomes", "scenario_hash", "params", "branch"):
        assert got[key] == want[key], key
    assert got["theory"] == "C"
    # a repeat (the same job) and a fresh job on stored runs give the same numbers
    again = run(client, "/api/ensembles", {**body, "arms": list(reversed(TWO_ARMS))})
    assert {a["strategy"]: a["defeat"] for a in again["arms"]} == \
        {a["strategy"]: a["defeat"] for a in got["arms"]}


def test_an_ensemble_with_your_own_rules_equals_compare_on_the_same_scenario_copy(client):
    rules = [{"when": "month >= '1924-06' and sympathy > 0.2",
              "do": {"support_strikes": 1.0, "appeal_workers": 0.5}}]
    got = run(client, "/api/ensembles", {"arms": [{"strategy": "historical"},
                                                  {"rules": rules}],
                                         "theory": "T", "reps": 4, "seed": 3})
    copy = inv.scenario("soviet-1923").with_strategies(
        {"your-strategy": {"doc": "a strategy written in the explorer", "rules": rules}},
        where="rules")
    want = plain(inv.compare(copy, strategies=["historical", "your-strategy"], theories=["T"],
                             reps=4, seed=3, fans=_fans(), outcomes=got["outcomes"],
                             **SERIAL).to_dict())
    assert got["arms"] == want["arms"] and got["differences"] == want["differences"]
    assert got["scenario_hash"] == copy.hash != inv.scenario("soviet-1923").hash


def test_an_ensemble_without_a_theory_runs_the_scenarios_own(client):
    got = run(client, "/api/ensembles", {"arms": [{"strategy": "switch"}], "reps": 3,
                                         "seed": 40})
    want = plain(inv.compare("soviet-1923", strategies=["switch"], theories=["C"], reps=3,
                             seed=40, fans=_fans(), outcomes=got["outcomes"],
                             **SERIAL).to_dict())
    assert inv.scenario("soviet-1923").values["theory"] == "C"
    assert got["theory"] == "C" and got["arms"] == want["arms"]


def test_a_game_turn_equals_turn_bit_for_bit(client):
    moves = ["historical", "lie-low", "class-struggle"]
    got = run(client, "/api/play/turn", {"theory": "C", "seed": 9, "reps": 5, "moves": moves})
    want = turn(game("soviet-1923", "C", 9, 5), moves, backend="serial").to_dict()
    assert got == plain(want)
    assert got["juncture"] == 2 and got["move"] == "class-struggle"


def test_a_game_replayed_from_its_permalink_gives_identical_numbers(tmp_path):
    moves = ["historical", "go-to-the-workers"] + ["historical"] * 8 + ["demonstrate"]
    body = {"theory": "N", "seed": 21, "reps": 4, "moves": moves}
    with _app(tmp_path / "a") as a:
        first = run(a, "/api/play/summary", body)
        first_turn = run(a, "/api/play/turn", {**body, "moves": moves[:2]})
    link = first["permalink"]
    assert link == {"scenario": "soviet-1923", "theory": "N", "seed": 21, "reps": 4,
                    "moves": ",".join(moves)}
    # another server, another store: the permalink alone replays the game
    replay = {**link, "moves": link["moves"].split(",")}
    with _app(tmp_path / "b") as b:
        again = run(b, "/api/play/summary", replay)
        again_turn = run(b, "/api/play/turn", {**replay, "moves": replay["moves"][:2]})
    assert again == first
    assert again_turn == first_turn
    for key in ("yours", "historical", "versus_historical"):
        assert again[key]["n"] == 4 and again[key] == first[key]


# -- jobs: shared, bounded, never lost --------------------------------------------------------

def test_identical_requests_share_one_job_and_different_ones_do_not(client):
    body = {"arms": TWO_ARMS, "reps": 2, "seed": 1234, "theory": "N"}
    same = {"seed": 1234, "theory": "N", "scenario": "soviet-1923", "reps": 2, "params": {},
            "arms": [{"strategy": "historical", "rules": None}, {"strategy": "class-struggle"}]}
    ids = [client.post("/api/ensembles", json=b).json()["id"] for b in (body, same, body)]
    assert len(set(ids)) == 1
    other = client.post("/api/ensembles", json={**body, "seed": 1235}).json()["id"]
    assert other != ids[0]
    wait(client, ids[0])
    wait(client, other)
    # a finished job is still the answer to its request
    assert client.post("/api/ensembles", json=body).json()["id"] == ids[0]
    turn_body = {"theory": "N", "seed": 5, "reps": 4, "moves": ["lie-low"]}
    t1 = client.post("/api/play/turn", json=turn_body).json()["id"]
    assert client.post("/api/play/turn", json={**turn_body, "scenario": "soviet-1923"}
                       ).json()["id"] == t1
    wait(client, t1)
    listed = {j["id"] for j in client.get("/api/jobs").json()}
    assert {ids[0], other, t1} <= listed


def _blocker(gate: threading.Event, value, started: threading.Event | None = None):
    def work(progress):
        if started is not None:
            started.set()
        progress("waiting", 0, 1)
        assert gate.wait(30)
        return value

    return work


def _until(cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_full_queue_refuses_clearly_and_loses_no_accepted_job():
    q = JobQueue(runners=1, max_waiting=3)
    gate, started = threading.Event(), threading.Event()
    try:
        running = q.submit("k", {"i": 0}, _blocker(gate, 0, started))
        assert started.wait(10)
        accepted = [running] + [q.submit("k", {"i": i}, _blocker(gate, i)) for i in (1, 2, 3)]
        assert [q.position(j) for j in accepted] == [None, 0, 1, 2]
        for i in (4, 5):
            with pytest.raises(QueueFull, match="3 jobs waiting; try again"):
                q.submit("k", {"i": i}, _blocker(gate, i))
        assert q.submit("k", {"i": 2}, _blocker(gate, -1)) is accepted[2]  # shared, not refused
        assert q.counts() == {"queued": 3, "running": 1, "done": 0, "failed": 0}
        gate.set()
        _until(lambda: all(j.state == "done" for j in accepted))
        assert [q.get(j.id).result for j in accepted] == [0, 1, 2, 3]
        assert q.counts() == {"queued": 0, "running": 0, "done": 4, "failed": 0}
        late = q.submit("k", {"i": 4}, _blocker(gate, 4))  # room again
        _until(lambda: late.state == "done")
    finally:
        gate.set()
        q.close()


def test_a_kind_with_its_own_bound_and_a_job_that_raises_do_not_stop_the_queue():
    q = JobQueue(runners=1, max_waiting=10, limits={"verdict": 1})
    gate = threading.Event()
    try:
        v = q.submit("verdict", {"seed": 0}, _blocker(gate, "v"))
        with pytest.raises(QueueFull, match="at most 1 verdict job"):
            q.submit("verdict", {"seed": 1}, _blocker(gate, "w"))

        def boom(progress):
            raise ZeroDivisionError("boom")

        bad = q.submit("ensemble", {"x": 1}, boom)
        ok = q.submit("ensemble", {"x": 2}, lambda progress: 42)
        gate.set()
        _until(lambda: ok.state == "done")
        assert v.result == "v" and bad.state == "failed" and ok.result == 42
        assert bad.error == "internal error: ZeroDivisionError: boom"
        # a failed request may be tried again: a new job, not the failed one
        assert q.submit("ensemble", {"x": 1}, lambda progress: 1) is not bad
    finally:
        gate.set()
        q.close()


def test_the_api_answers_429_with_retry_after_when_the_queue_is_full(tmp_path):
    with _app(tmp_path, max_waiting=1) as c:
        jobs = c.app.state.service.jobs
        gate, started = threading.Event(), threading.Event()
        try:
            busy = jobs.submit("block", {"n": 0}, _blocker(gate, 0, started))
            assert started.wait(10)
            waiting = jobs.submit("block", {"n": 1}, _blocker(gate, 1))
            body = {"arms": TWO_ARMS, "reps": 2, "seed": 77}
            r = c.post("/api/ensembles", json=body)
            refused(r, 429, "1 jobs waiting", "try again")
            assert int(r.headers["retry-after"]) > 0
            r = c.post("/api/play/turn", json={"moves": ["lie-low"], "reps": 4})
            refused(r, 429, "jobs waiting")
            assert c.get("/api/health").json()["jobs"]["queued"] == 1
        finally:
            gate.set()
        _until(lambda: busy.state == waiting.state == "done")
        result = run(c, "/api/ensembles", body)  # accepted once there is room
        assert result["reps"] == 2
        assert c.get(f"/api/jobs/{waiting.id}").json()["result"] == 1


# -- the verdict files: only inside the results store ----------------------------------------

VID = "20240102-030405-soviet-1923"


@pytest.fixture
def store(tmp_path):
    results = tmp_path / "results"
    d = results / "verdicts" / VID
    (d / "figures").mkdir(parents=True)
    (d / "verdict.json").write_text(json.dumps({
        "scenario": {"name": "soviet-1923"}, "budget": {"name": "quick"},
        "answer": {"headline": "not inevitable"}, "claims": [],
        "reproducibility": {"created": "2024-01-02T03:04:05Z"}}))
    (d / "report.html").write_text("<html>the report</html>")
    (d / "figures" / "fan.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("TOP-SECRET")
    (results / "secret.json").write_text('{"x": "TOP-SECRET"}')
    (d / "figures" / "notes.txt").write_text("TOP-SECRET")  # a file no report names
    with _app(results) as c:
        yield c


def test_verdict_files_are_served_from_the_store(store):
    assert [v["id"] for v in store.get("/api/verdicts").json()] == [VID]
    assert store.get(f"/api/verdicts/{VID}").json()["answer"]["headline"] == "not inevitable"
    r = store.get(f"/verdicts/{VID}/report.html")
    assert r.status_code == 200 and r.text == "<html>the report</html>"
    assert store.get(f"/verdicts/{VID}/figures/fan.svg").status_code == 200


@pytest.mark.parametrize("path", [
    "/verdicts/..%2F..%2Fetc/passwd",
    "/verdicts/..%2F..%2F..%2Fsecret.txt",
    f"/verdicts/{VID}/..%2F..%2F..%2Fsecret.txt",
    f"/verdicts/{VID}/..%2F..%2Fsecret.json",
    f"/verdicts/{VID}/%2E%2E/%2E%2E/secret.json",
    f"/verdicts/{VID}/figures/..%2F..%2F..%2F..%2Fsecret.txt",
    f"/verdicts/{VID}/figures/notes.txt",
    f"/verdicts/{VID}/%2Fetc%2Fpasswd",
    f"/verdicts/{VID}/report.html%00.txt",
    "/verdicts/%2E%2E/secret.json",
    "/verdicts/..%5C..%5Csecret.txt/report.html",
    f"/verdicts/{VID}%2F..%2F..%2F/secret.json",
    "/verdicts/20240102-030405-SOVIET/report.html",
    "/verdicts/20240102-030405-nope/report.html",
    "/verdicts/x/report.html",
    "/api/verdicts/..%2F..%2Fsecret",
    "/api/verdicts/..%2Fsecret.json",
    "/api/verdicts/not-a-verdict",
    "/api/verdicts/20240102-030405-nope",
    f"/api/verdicts/{VID}%2F..%2F..%2Fsecret",
])
def test_nothing_outside_a_report_can_be_read(store, path):
    r = store.get(path)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert "TOP-SECRET" not in r.text and "root:" not in r.text
    if r.headers.get("content-type", "").startswith("application/json"):
        refused(r, None)


def test_the_serve_command_is_there(cli):
    code, out, _ = cli("serve", "--help")
    assert code == 0
    for option in ("--port", "--results", "--workers", "--max-reps", "--max-waiting"):
        assert option in out
