"""The job queue shares its runners fairly: round-robin over clients, each in its own
line, within the bounds; the fair worker pool shares the workers between clients.

Scheduling is tested without timing where it can be: a first job that blocks on an
event holds the only runner while the others are submitted, so the order in which
the rest start is decided by the queue alone.
"""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from inevitable.backends.fair import FairProcessBackend, sharing
from inevitable.experiments.runs import RunSpec, batches, execute
from inevitable.scenarios.loader import scenario
from inevitable.web.app import create_app
from inevitable.web.jobs import JobQueue, QueueFull


class Log:
    """Jobs that record the order they start in; the first may hold the runner."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gate = threading.Event()
        self.holding = threading.Event()
        self._lock = threading.Lock()

    def job(self, name: str, hold: bool = False):
        def work(progress):
            with self._lock:
                self.started.append(name)
            if hold:
                self.holding.set()
                assert self.gate.wait(30)
            return name

        return work


def _until(cond, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_one_job_of_client_b_runs_second_not_after_client_as_ten():
    q = JobQueue(runners=1, max_waiting=20)
    log = Log()
    try:
        jobs = [q.submit("ensemble", {"a": 0}, log.job("A0", hold=True), client="A")]
        assert log.holding.wait(10)
        jobs += [q.submit("ensemble", {"a": i}, log.job(f"A{i}"), client="A")
                 for i in range(1, 10)]
        b = q.submit("ensemble", {"b": 0}, log.job("B0"), client="B")
        assert q.position(b) == 0  # next, though nine of A's came before it
        assert q.position(jobs[1]) == 1
        log.gate.set()
        _until(lambda: len(log.started) == 11)
        assert log.started[:3] == ["A0", "B0", "A1"]
        assert log.started == ["A0", "B0", *(f"A{i}" for i in range(1, 10))]
    finally:
        log.gate.set()
        q.close()


def test_without_a_running_job_the_clients_alternate_from_the_start():
    q = JobQueue(runners=0, max_waiting=20)  # no runner: only the order is asked
    a = [q.submit("k", {"a": i}, lambda p: None, client="A") for i in range(10)]
    b = q.submit("k", {"b": 0}, lambda p: None, client="B")
    assert q.position(b) == 1  # within the first two, not eleventh
    assert [q.position(j) for j in a] == [0, 2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_queue_positions_are_the_order_the_jobs_then_start_in():
    q = JobQueue(runners=1, max_waiting=20)
    log = Log()
    try:
        q.submit("k", {"x": 0}, log.job("X0", hold=True), client="X")
        assert log.holding.wait(10)
        names = ["A0", "A1", "A2", "B0", "C0", "C1", "B1", "A3"]
        jobs = {n: q.submit("k", {"n": n}, log.job(n), client=n[0]) for n in names}
        predicted = sorted(names, key=lambda n: q.position(jobs[n]))
        assert sorted(q.position(j) for j in jobs.values()) == list(range(len(names)))
        log.gate.set()
        _until(lambda: len(log.started) == len(names) + 1)
        assert log.started[1:] == predicted
        # round-robin: each client's first job before anyone's second
        assert predicted[:3] == ["A0", "B0", "C0"]
    finally:
        log.gate.set()
        q.close()


def test_a_client_runs_one_job_at_a_time_while_others_start_at_once():
    q = JobQueue(runners=3, max_waiting=20)
    log = Log()
    try:
        first = q.submit("k", {"a": 0}, log.job("A0", hold=True), client="A")
        assert log.holding.wait(10)
        second = q.submit("k", {"a": 1}, log.job("A1"), client="A")
        other = q.submit("k", {"b": 0}, log.job("B0"), client="B")
        _until(lambda: other.state == "done")
        assert second.state == "queued" and first.state == "running"  # runners were free
        log.gate.set()
        _until(lambda: second.state == "done")
    finally:
        log.gate.set()
        q.close()


def test_the_bound_on_waiting_jobs_holds_across_clients_and_loses_nothing():
    q = JobQueue(runners=1, max_waiting=3)
    log = Log()
    try:
        q.submit("k", {"n": 0}, log.job("held", hold=True), client="A")
        assert log.holding.wait(10)
        accepted = [q.submit("k", {"n": i}, log.job(str(i)), client=c)
                    for i, c in ((1, "A"), (2, "B"), (3, "C"))]
        with pytest.raises(QueueFull, match=r"^the server has 3 jobs waiting; try again"):
            q.submit("k", {"n": 4}, log.job("4"), client="D")
        # an identical request shares its job and is never refused
        assert q.submit("k", {"n": 2}, log.job("again"), client="D") is accepted[1]
        log.gate.set()
        _until(lambda: all(j.state == "done" for j in accepted))
        assert sorted(j.result for j in accepted) == ["1", "2", "3"]
    finally:
        log.gate.set()
        q.close()


def test_one_client_may_hold_only_its_share_of_the_waiting_slots():
    q = JobQueue(runners=1, max_waiting=6, per_client=3)
    log = Log()
    try:
        q.submit("k", {"n": 0}, log.job("held", hold=True), client="A")
        assert log.holding.wait(10)
        for i in range(1, 4):
            q.submit("k", {"n": i}, log.job(str(i)), client="A")
        with pytest.raises(QueueFull) as refused:
            q.submit("k", {"n": 4}, log.job("4"), client="A")
        message = str(refused.value)
        assert message == ("you already have 3 jobs waiting, the most one client may have; "
                           "try again when one of them has started")
        assert "\n" not in message
        assert q.submit("k", {"n": 5}, log.job("5"), client="B").state == "queued"
        log.gate.set()
        _until(lambda: q.counts()["done"] == 5)
        q.submit("k", {"n": 4}, log.job("4"), client="A")  # room again
    finally:
        log.gate.set()
        q.close()


def test_a_kind_keeps_its_own_bound_whoever_asks():
    q = JobQueue(runners=1, max_waiting=10, limits={"verdict": 1})
    log = Log()
    try:
        q.submit("verdict", {"s": 0}, log.job("v", hold=True), client="A")
        assert log.holding.wait(10)
        with pytest.raises(QueueFull, match="at most 1 verdict job"):
            q.submit("verdict", {"s": 1}, log.job("w"), client="B")
    finally:
        log.gate.set()
        q.close()


# -- over HTTP: who is a client -------------------------------------------------------------

def test_the_api_tells_browsers_apart_and_refuses_a_clients_extra_jobs(tmp_path):
    app = create_app(results=tmp_path, backend="serial", max_reps=16, runners=1, max_waiting=4)
    with TestClient(app) as c:
        jobs = c.app.state.service.jobs
        log = Log()
        try:
            jobs.submit("block", {}, log.job("held", hold=True))
            assert log.holding.wait(10)

            def post(who: str, seed: int):
                return c.post("/api/ensembles", headers={"X-Inevitable-Client": who},
                              json={"arms": [{"strategy": "historical"}], "reps": 2,
                                    "seed": seed})

            assert post("a", 1).status_code == 202
            assert post("a", 2).status_code == 202
            r = post("a", 3)
            assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
            assert r.json() == {"detail": "you already have 2 jobs waiting, the most one "
                                          "client may have; try again when one of them has "
                                          "started"}
            b = post("b", 4)
            assert b.status_code == 202
            assert b.json()["queue_position"] == 1  # after a's first, before a's second
            listed = {j["id"]: j["queue_position"] for j in c.get("/api/jobs").json()}
            assert listed[b.json()["id"]] == 1
        finally:
            log.gate.set()
        _until(lambda: jobs.counts()["queued"] == 0 and jobs.counts()["running"] == 0,
               timeout=120)
        assert jobs.counts()["failed"] == 0


# -- the fair worker pool ----------------------------------------------------------------

def test_the_fair_pool_gives_the_same_bits_as_running_in_this_process():
    sc = scenario("toy")
    specs = [RunSpec(params={"strategy": s}, seed=i) for s in ("yield", "resist")
             for i in range(12)]
    work = batches(sc, specs, 3)
    here = sorted((r.key, r.final["defeat"]) for b in work for r in execute(b))
    pool = FairProcessBackend(2)
    try:
        there = sorted((r.key, r.final["defeat"]) for records in pool.map_unordered(execute, work)
                       for r in records)
    finally:
        pool.close()
    assert there == here


def test_a_small_sweep_of_another_share_overtakes_a_large_one_already_running():
    pool = FairProcessBackend(2)
    seen: list[str] = []
    lock = threading.Lock()

    def consume(share: str, tasks: list[float]) -> None:
        with sharing(share):
            for _ in pool.map_unordered(time.sleep, tasks):
                with lock:
                    seen.append(share)

    try:
        list(pool.map_unordered(time.sleep, [0.0, 0.0]))  # the workers are up
        large = threading.Thread(target=consume, args=("large", [0.2] * 30))
        large.start()
        _until(lambda: seen.count("large") >= 2)
        small = threading.Thread(target=consume, args=("small", [0.01] * 4))
        small.start()
        small.join(30)
        large.join(60)
    finally:
        pool.close()
    assert seen.count("small") == 4 and seen.count("large") == 30
    # first come, first served would put all 30 large batches first; fairly, the small
    # sweep waits for about one batch per worker
    before = seen[:max(i for i, s in enumerate(seen) if s == "small")].count("large")
    assert before <= 8, seen


def test_among_many_busy_shares_a_small_sweep_is_not_served_one_turn_in_n():
    # what twenty users look like to the pool: with strict turns (start-time fair
    # queueing) a small request gets one batch in every seven here and waits for
    # about eighteen others; by recent use it is the least served, batch after batch
    pool = FairProcessBackend(2)
    seen: list[str] = []
    lock = threading.Lock()

    def consume(share: str, tasks: list[float]) -> None:
        with sharing(share):
            for _ in pool.map_unordered(time.sleep, tasks):
                with lock:
                    seen.append(share)

    large = [f"large-{n}" for n in range(6)]
    try:
        list(pool.map_unordered(time.sleep, [0.0, 0.0]))  # the workers are up
        threads = [threading.Thread(target=consume, args=(name, [0.05] * 20))
                   for name in large]
        for t in threads:
            t.start()
        _until(lambda: all(seen.count(name) >= 6 for name in large), 60)
        small = threading.Thread(target=consume, args=("small", [0.01] * 4))
        small.start()
        small.join(30)
        for t in threads:
            t.join(60)
    finally:
        pool.close()
    assert seen.count("small") == 4 and len(seen) == 124
    mine = [i for i, s in enumerate(seen) if s == "small"]
    # others' batches that finished while it was under way (at most one or two
    # per worker: those running when it came, and none of the next ones)
    assert mine[-1] - mine[0] - 3 <= 6, seen


def test_a_failing_task_fails_its_own_sweep_only():
    pool = FairProcessBackend(1)
    try:
        with pytest.raises(TypeError):
            list(pool.map_unordered(time.sleep, ["not a number"]))
        assert list(pool.map_unordered(abs, [-1, -2])) in ([1, 2], [2, 1])
    finally:
        pool.close()
