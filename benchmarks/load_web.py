"""Load test of the web application on loopback: simulated users against a real server.

    python benchmarks/load_web.py --users 20 --seconds 60
    python benchmarks/load_web.py --users 20 --seconds 60 --max-waiting 4   # see 429s
    python benchmarks/load_web.py --json load.json
    python benchmarks/load_web.py --mode fairness           # 19 large ensembles, 1 small
    python benchmarks/load_web.py --mode fairness --heavy 8  # 8 large, 11 browsing, 1 small

Starts ``inevitable serve`` in a subprocess (uvicorn, the process backend with
--workers worker processes, a fresh temporary results directory), waits for
/api/health, warms the workers up with one tiny ensemble, then lets --users
simulated users explore for --seconds each. A user loops over what a person
on the pages does: load a page (/explorer, /scenario, /play), read the
scenario (GET /api/scenarios/soviet-1923), run a small ensemble (two arms,
8-16 runs each, seeds, theories and branch months varied, now and then the
explorer's default request so that identical requests meet), or play a game
turn (8-16 runs), and polls the job until it is done, as the page does.

Recorded: per request type the latency (p50, p95, max); per job the time from
submit to done (as the user saw it, and on the server); errors (any 5xx, a
connection error or time-out, an unexpected 4xx, a failed job); 429s (the user
waits Retry-After and submits again; counted); lost jobs (accepted but never
done or failed by the end of the grace period, or a job id that 404s while it
is polled). After the users stop, jobs still running are polled to the end
(--grace seconds). Runs per second count the runs the server computed and
stored (its results store after shutdown) over the time the users ran plus
the drain. Exits 1 if there was any error or lost job.

``--mode fairness`` asks whether anyone starves: of --users clients, --heavy
(default: all but one) each keep one large ensemble going (two arms of
--large-reps runs, new seeds each time, so nothing is shared or reused), the
rest but one browse as in the default mode, and once every heavy user's job
is running and the workers have been full for --settle seconds, one light
user submits --small-count small ensembles (two arms of --small-reps runs),
one after another, and times each from submit to result, polling every
0.1 s. Every user sends its own X-Inevitable-Client id, as the pages do.
Exits 1 if a small request took longer than --limit seconds, or on any error.
The machine's load average is recorded at the start and the end: the
latency means little without it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

SCENARIO = "soviet-1923"
PAGES = ("/explorer", "/scenario", "/play")
ASSETS = ("/static/app.css", "/static/common.js", "/vendor/plotly.min.js")
STRATEGIES = ("historical", "class-struggle", "switch", "bloc-holding-demands")
THEORIES = ("T", "C", "N")
BRANCHES = (None, None, "1923-08", "1924-02", "1925-12", "1926-10", "1927-05")
# what many users ask the same (the pages' defaults): identical requests share a job
POPULAR_ENSEMBLE = {"scenario": SCENARIO, "theory": "C", "reps": 8, "seed": 0,
                    "arms": [{"strategy": "historical"}, {"strategy": "class-struggle"}]}
POPULAR_TURN = {"scenario": SCENARIO, "theory": "C", "seed": 0, "reps": 8,
                "moves": ["back-the-strikers"]}
ACTIONS = (("page", 3), ("scenario", 2), ("ensemble", 3), ("turn", 3))
CLIENT_HEADER = "X-Inevitable-Client"  # each simulated user is its own browser


class Stats:
    """Everything the users saw, shared between their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.job_wait: dict[str, list[float]] = defaultdict(list)   # submit -> done, client
        self.job_server: dict[str, list[float]] = defaultdict(list)  # created -> finished
        self.errors: list[str] = []
        self.status: Counter[str] = Counter()
        self.throttled = 0  # 429 answers
        self.throttle_wait = 0.0
        self.lost: list[str] = []
        self.submitted = Counter()  # kind -> accepted submissions
        self.jobs: dict[str, dict] = {}  # job id -> its final state (distinct jobs)
        self.actions = Counter()

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


class User(threading.Thread):
    def __init__(self, n: int, base: str, stats: Stats, until: float, grace_until: float,
                 poll: float, seed: int) -> None:
        super().__init__(name=f"user-{n}", daemon=True)
        self.n, self.stats, self.until, self.grace_until = n, stats, until, grace_until
        self.poll = poll
        self.rng = random.Random(seed)
        self.client = httpx.Client(base_url=base, timeout=60.0,
                                   headers={CLIENT_HEADER: f"load-user-{n}"})
        self.junctures: list[dict] = []
        self.assets_loaded = False

    # -- one request, timed --------------------------------------------------------------
    def request(self, kind: str, method: str, path: str, ok=(200,), **kw) -> httpx.Response | None:
        t = time.perf_counter()
        try:
            r = self.client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.stats.error(f"{kind}: {method} {path}: {type(exc).__name__}: {exc}")
            return None
        dt = time.perf_counter() - t
        with self.stats.lock:
            self.stats.latency[kind].append(dt)
            self.stats.status[f"{r.status_code}"] += 1
        if r.status_code >= 500:
            self.stats.error(f"{kind}: {method} {path}: {r.status_code} {r.text[:200]}")
        elif r.status_code not in ok:
            self.stats.error(f"{kind}: {method} {path}: unexpected {r.status_code} "
                             f"{r.text[:200]}")
        return r

    # -- what a user does ----------------------------------------------------------------
    def run(self) -> None:
        try:
            self.page("/play")
            while time.monotonic() < self.until:
                action = self.rng.choices([a for a, _ in ACTIONS],
                                          [w for _, w in ACTIONS])[0]
                with self.stats.lock:
                    self.stats.actions[action] += 1
                if action == "page":
                    self.page(self.rng.choice(PAGES))
                elif action == "scenario":
                    self.request("scenario", "GET", f"/api/scenarios/{SCENARIO}")
                elif action == "ensemble":
                    self.job("ensemble", "/api/ensembles", self.ensemble())
                else:
                    self.job("turn", "/api/play/turn", self.turn())
                time.sleep(self.rng.uniform(0.1, 0.5))  # reading the page
        except Exception as exc:  # a bug in the load test itself: count it, never hide it
            self.stats.error(f"user {self.n}: {type(exc).__name__}: {exc}")
        finally:
            self.client.close()

    def page(self, path: str) -> None:
        self.request("page", "GET", path)
        if not self.assets_loaded:  # a browser fetches the assets once, then caches them
            for a in ASSETS:
                self.request("asset", "GET", a)
            self.assets_loaded = True
        if path == "/play" and not self.junctures:
            r = self.request("game", "GET", f"/api/play/{SCENARIO}")
            if r is not None and r.status_code == 200:
                self.junctures = r.json()["junctures"]

    def ensemble(self) -> dict:
        if self.rng.random() < 0.25:
            return dict(POPULAR_ENSEMBLE)
        other = self.rng.choice(STRATEGIES[1:])
        body = {"scenario": SCENARIO, "theory": self.rng.choice(THEORIES),
                "reps": self.rng.randint(8, 16), "seed": self.rng.randint(0, 40),
                "arms": [{"strategy": "historical"}, {"strategy": other}]}
        branch = self.rng.choice(BRANCHES)
        if branch is not None:
            body["branch"] = branch
        return body

    def turn(self) -> dict:
        if self.rng.random() < 0.25 or not self.junctures:
            return dict(POPULAR_TURN)
        n = self.rng.randint(1, len(self.junctures))
        moves = [self.rng.choice(j["moves"]) for j in self.junctures[:n]]
        return {"scenario": SCENARIO, "theory": self.rng.choice(("C", "C", "T", "N")),
                "seed": self.rng.randint(0, 10), "reps": self.rng.randint(8, 16),
                "moves": moves}

    def job(self, kind: str, path: str, body: dict) -> None:
        """Submit (again after Retry-After while the queue is full), then poll to the end."""
        while True:
            t0 = time.perf_counter()
            r = self.request(f"submit {kind}", "POST", path, ok=(202, 429), json=body)
            if r is None or r.status_code not in (202, 429):
                return
            if r.status_code == 202:
                break
            wait = float(r.headers.get("retry-after", "1"))
            with self.stats.lock:
                self.stats.throttled += 1
                self.stats.throttle_wait += wait
            if time.monotonic() + wait >= self.until:
                return  # the user leaves rather than wait past the end: nothing was accepted
            time.sleep(wait)
        job_id = r.json()["id"]
        with self.stats.lock:
            self.stats.submitted[kind] += 1
        while True:
            if time.monotonic() > self.grace_until:
                with self.stats.lock:
                    self.stats.lost.append(f"{job_id} ({kind}): not finished in time")
                return
            time.sleep(self.poll)
            p = self.request("poll job", "GET", f"/api/jobs/{job_id}", ok=(200, 404))
            if p is None:
                continue  # counted as an error; try again
            if p.status_code == 404:
                with self.stats.lock:
                    self.stats.lost.append(f"{job_id} ({kind}): 404 while polled")
                return
            if p.status_code != 200:
                continue
            job = p.json()
            if job["state"] in ("done", "failed"):
                break
        waited = time.perf_counter() - t0
        with self.stats.lock:
            self.stats.job_wait[kind].append(waited)
            if job_id not in self.stats.jobs:
                self.stats.job_server[kind].append(job["finished"] - job["created"])
            self.stats.jobs[job_id] = {"kind": kind, "state": job["state"],
                                       "runs": job["progress"]["total"]}
        if job["state"] == "failed":
            self.stats.error(f"{kind} job {job_id} failed: {job['error']}")


# -- the server ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(results: Path, port: int, workers: int, max_waiting: int, log: Path):
    cmd = [sys.executable, "-m", "inevitable.cli", "serve", "--host", "127.0.0.1",
           "--port", str(port), "--results", str(results), "--workers", str(workers),
           "--max-waiting", str(max_waiting)]
    out = log.open("w")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server did not come up:\n{log.read_text()}")


def stop_server(proc: subprocess.Popen) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # uvicorn shuts down: the lifespan closes the service
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode


def warm_up(base: str) -> float:
    """One tiny ensemble, so the workers have compiled the model before users come."""
    t = time.perf_counter()
    with httpx.Client(base_url=base, timeout=60) as c:
        job = c.post("/api/ensembles", json={"arms": [{"strategy": "historical"}], "reps": 2,
                                             "seed": 10**6}).json()
        while job["state"] not in ("done", "failed"):
            time.sleep(0.2)
            job = c.get(f"/api/jobs/{job['id']}").json()
        if job["state"] != "done":
            raise SystemExit(f"warm-up job failed: {job['error']}")
    return time.perf_counter() - t


# -- the report --------------------------------------------------------------------------------

def quantiles(xs: list[float]) -> dict[str, float | int | None]:
    if not xs:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    s = sorted(xs)

    def q(p: float) -> float:
        return s[min(len(s) - 1, max(0, round(p * (len(s) - 1))))]

    return {"n": len(s), "p50": q(0.5), "p95": q(0.95), "max": s[-1]}


def report(out: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    def ms(x):
        return "-" if x is None else f"{1000 * x:.0f}"

    def sec(x):
        return "-" if x is None else f"{x:.1f}"

    console = Console(width=100)
    t = Table(title=f"{out['users']} users for {out['seconds']} s against a server with "
                    f"{out['workers']} worker processes (latency, ms)")
    for col in ("request", "n", "p50", "p95", "max"):
        t.add_column(col, justify="left" if col == "request" else "right")
    for kind, q in out["latency"].items():
        t.add_row(kind, str(q["n"]), ms(q["p50"]), ms(q["p95"]), ms(q["max"]))
    console.print(t)
    j = Table(title="jobs: submit to done (s)")
    for col in ("job", "seen by", "n", "p50", "p95", "max"):
        j.add_column(col, justify="left" if col in ("job", "seen by") else "right")
    for kind in out["job_wait"]:
        for who, src in (("user", out["job_wait"]), ("server", out["job_server"])):
            q = src[kind]
            j.add_row(kind, who, str(q["n"]), sec(q["p50"]), sec(q["p95"]), sec(q["max"]))
    console.print(j)
    c = out["counts"]
    console.print(
        f"requests {c['requests']} ({c['requests_per_s']:.1f}/s), statuses {c['statuses']}\n"
        f"jobs accepted {c['accepted']} ({c['distinct_jobs']} distinct: identical requests "
        f"shared), done {c['done']}, failed {c['failed']}\n"
        f"429s {c['throttled']} (waited {c['throttle_wait']:.0f} s in all, then submitted "
        f"again), errors {len(out['errors'])}, lost jobs {len(out['lost'])}\n"
        f"runs computed and stored {c['runs_computed']} in {c['wall']:.1f} s: "
        f"{c['runs_per_s']:.1f} runs/s; runs delivered in results {c['runs_delivered']}; "
        f"warm-up {out['warm_up_s']:.1f} s", highlight=False)
    for e in out["errors"][:20]:
        console.print(f"error: {e}", highlight=False, markup=False)
    for e in out["lost"][:20]:
        console.print(f"lost: {e}", highlight=False, markup=False)


# -- the fairness mode: 19 large ensembles and one small request ------------------------------

def ensemble_body(reps: int, seed: int) -> dict:
    return {"scenario": SCENARIO, "theory": "C", "reps": reps, "seed": seed,
            "arms": [{"strategy": "historical"}, {"strategy": "class-struggle"}]}


def submit_and_wait(c: httpx.Client, body: dict, poll: float, stop: threading.Event | None,
                    timeout: float) -> tuple[float | None, dict | None]:
    """Seconds from submit to result (None if not done in ``timeout``), and the job."""
    t0 = time.perf_counter()
    while True:
        r = c.post("/api/ensembles", json=body)
        if r.status_code == 202:
            break
        if r.status_code != 429:
            raise RuntimeError(f"submit: {r.status_code} {r.text[:200]}")
        time.sleep(float(r.headers.get("retry-after", "1")))
    job = r.json()
    while job["state"] not in ("done", "failed"):
        if (stop is not None and stop.is_set()) or time.perf_counter() - t0 > timeout:
            return None, job
        time.sleep(poll)
        job = c.get(f"/api/jobs/{job['id']}").json()
    if job["state"] == "failed":
        raise RuntimeError(f"job failed: {job['error']}")
    return time.perf_counter() - t0, job


def wait_until_running(base: str, jobs: int, timeout: float) -> dict:
    """Poll /api/health until ``jobs`` jobs are running; the counts then."""
    deadline = time.monotonic() + timeout
    while True:
        counts = httpx.get(f"{base}/api/health", timeout=10).json()["jobs"]
        if counts["running"] >= jobs or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


def fairness(a, base: str) -> dict:
    stop = threading.Event()
    heavy_done: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def heavy(n: int) -> None:
        with httpx.Client(base_url=base, timeout=60,
                          headers={CLIENT_HEADER: f"heavy-{n}"}) as c:
            k = 0
            while not stop.is_set():
                try:
                    took, _ = submit_and_wait(c, ensemble_body(a.large_reps, 10_000 * (n + 1) + k),
                                              1.0, stop, 3600)
                except Exception as exc:  # counted, never hidden
                    with lock:
                        errors.append(f"heavy user {n}: {exc}")
                    return
                if took is not None:
                    with lock:
                        heavy_done.append(took)
                k += 1

    threads = [threading.Thread(target=heavy, args=(n,), daemon=True)
               for n in range(a.heavy)]
    browsing = Stats()
    forever = time.monotonic() + 10 * 24 * 3600  # until told to stop (below)
    browsers = [User(n, base, browsing, forever, forever, a.poll, a.seed * 1000 + n)
                for n in range(a.users - 1 - a.heavy)]
    load_start = os.getloadavg()
    for t in [*threads, *browsers]:
        t.start()
    # the heavy jobs have all started (one runs per client), then fill the workers a while
    wait_until_running(base, a.heavy, timeout=120)
    time.sleep(a.settle)
    small: list[float | None] = []
    with httpx.Client(base_url=base, timeout=60, headers={CLIENT_HEADER: "light"}) as c:
        load = c.get("/api/health").json()["jobs"]
        for k in range(a.small_count):
            try:
                took, job = submit_and_wait(c, ensemble_body(a.small_reps, 900_000 + k), 0.1,
                                            None, a.limit * 10)
            except Exception as exc:
                errors.append(f"light user: {exc}")
                break
            small.append(took)
            where = ("" if took is None else
                     f"; on the server {job['started'] - job['created']:.2f} s queued, "
                     f"{job['finished'] - job['started']:.2f} s running")
            print(f"small request {k + 1}: " + ("not answered in time" if took is None else
                  f"{took:.2f} s to result ({job['progress']['total']} runs{where})"), flush=True)
            time.sleep(a.pause)
    load_end = os.getloadavg()
    stop.set()
    end = time.monotonic()
    for u in browsers:  # finish the job under way, then leave
        u.until, u.grace_until = end, end + a.grace
    for t in [*threads, *browsers]:
        t.join(a.grace + 30)
    answered = [x for x in small if x is not None]
    return {"mode": "fairness", "users": a.users, "heavy_users": a.heavy,
            "browsing_users": len(browsers), "workers": a.workers,
            "large_reps": a.large_reps, "small_reps": a.small_reps, "settle_s": a.settle,
            "command": "python benchmarks/load_web.py " + " ".join(sys.argv[1:]),
            "load_average_start": load_start, "load_average_end": load_end,
            "jobs_when_small_started": load,
            "small_s": small, "small": quantiles(answered),
            "unanswered": len(small) - len(answered),
            "heavy_jobs_done": len(heavy_done), "heavy": quantiles(heavy_done),
            "browsing_jobs": {k: quantiles(v) for k, v in sorted(browsing.job_wait.items())},
            "errors": errors + browsing.errors + browsing.lost}


def main_fairness(a) -> int:
    if a.heavy is None:
        a.heavy = a.users - 1
    if a.users < 2 or not 1 <= a.heavy <= a.users - 1:
        raise SystemExit("--mode fairness needs --users 2 or more and --heavy between 1 and "
                         "--users - 1")
    with tempfile.TemporaryDirectory(prefix="inevitable-load-") as tmp:
        log = Path(tmp) / "server.log"
        proc, base = start_server(Path(tmp) / "results", free_port(), a.workers,
                                  a.max_waiting, log)
        try:
            warm = warm_up(base)
            out = fairness(a, base)
        finally:
            code = stop_server(proc)
        server_log = log.read_text()
    out["warm_up_s"] = warm
    if code not in (0, None) and code != -signal.SIGINT:
        out["errors"].append(f"the server exited with {code}")
    if "Traceback" in server_log:
        out["errors"].append("the server's log has a traceback:\n" + server_log[-3000:])
    q, h = out["small"], out["heavy"]
    print(f"{a.heavy} heavy users (ensembles of 2 x {a.large_reps} runs), "
          f"{out['browsing_users']} browsing and one light user (2 x {a.small_reps} runs) on "
          f"{a.workers} worker processes; jobs when the light user started: "
          f"{out['jobs_when_small_started']}; load average "
          f"{out['load_average_start'][0]:.1f} at the start, "
          f"{out['load_average_end'][0]:.1f} at the end")
    if q["n"]:
        print(f"small request, submit to result: p50 {q['p50']:.2f} s, max {q['max']:.2f} s "
              f"({q['n']} answered, {out['unanswered']} not)")
    print(f"heavy ensembles finished meanwhile: {h['n']}"
          + (f" (p50 {h['p50']:.0f} s each)" if h["n"] else ""))
    for e in out["errors"]:
        print(f"error: {e}")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n")
    slow = out["unanswered"] or (q["n"] and q["max"] > a.limit)
    return 1 if out["errors"] or slow or not q["n"] else 0


def main() -> int:
    ap = argparse.ArgumentParser(description="load test of the web application on loopback")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2, help="server worker processes")
    ap.add_argument("--max-waiting", type=int, default=64, help="the server's queue bound")
    ap.add_argument("--grace", type=float, default=300.0,
                    help="seconds after the end for jobs under way to finish")
    ap.add_argument("--poll", type=float, default=0.5, help="seconds between job polls")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="write the numbers here")
    ap.add_argument("--mode", choices=("explore", "fairness"), default="explore")
    ap.add_argument("--heavy", type=int, default=None,
                    help="fairness: users keeping a large ensemble going (default: all but "
                         "the light one); the others but the light one browse")
    ap.add_argument("--large-reps", type=int, default=400,
                    help="fairness: runs per arm of a heavy user's ensemble")
    ap.add_argument("--small-reps", type=int, default=8,
                    help="fairness: runs per arm of the light user's ensemble")
    ap.add_argument("--small-count", type=int, default=5,
                    help="fairness: small requests, one after another")
    ap.add_argument("--settle", type=float, default=10.0,
                    help="fairness: seconds the heavy users' jobs all run before the light "
                         "user asks")
    ap.add_argument("--pause", type=float, default=2.0,
                    help="fairness: seconds between the light user's requests")
    ap.add_argument("--limit", type=float, default=10.0,
                    help="fairness: a small request slower than this fails the check")
    a = ap.parse_args()
    if a.users < 1 or a.seconds <= 0 or a.workers < 1 or a.max_waiting < 1:
        ap.error("--users, --seconds, --workers and --max-waiting must be positive")
    if a.mode == "fairness":
        return main_fairness(a)

    with tempfile.TemporaryDirectory(prefix="inevitable-load-") as tmp:
        results = Path(tmp) / "results"
        log = Path(tmp) / "server.log"
        proc, base = start_server(results, free_port(), a.workers, a.max_waiting, log)
        try:
            warm = warm_up(base)
            stats = Stats()
            start = time.monotonic()
            until = start + a.seconds
            users = [User(i, base, stats, until, until + a.grace, a.poll, a.seed * 1000 + i)
                     for i in range(a.users)]
            for u in users:
                u.start()
            for u in users:
                u.join(a.seconds + a.grace + 120)
                if u.is_alive():
                    stats.error(f"{u.name} did not stop")
            wall = time.monotonic() - start
            health = httpx.get(f"{base}/api/health", timeout=10).json()
        finally:
            code = stop_server(proc)
        server_log = log.read_text()
        from inevitable.store.runstore import RunStore

        with RunStore(results) as store:
            computed = max(0, store.count() - 2)  # less the warm-up's two runs
    if code not in (0, None) and code != -signal.SIGINT:
        stats.error(f"the server exited with {code}")
    if "Traceback" in server_log:
        stats.error("the server's log has a traceback:\n" + server_log[-3000:])

    requests = sum(len(v) for v in stats.latency.values())
    out = {
        "users": a.users, "seconds": a.seconds, "workers": a.workers,
        "max_waiting": a.max_waiting, "poll_s": a.poll, "seed": a.seed,
        "command": "python benchmarks/load_web.py " + " ".join(sys.argv[1:]),
        "warm_up_s": warm,
        "latency": {k: quantiles(v) for k, v in sorted(stats.latency.items())},
        "job_wait": {k: quantiles(v) for k, v in sorted(stats.job_wait.items())},
        "job_server": {k: quantiles(stats.job_server[k]) for k in sorted(stats.job_wait)},
        "counts": {
            "requests": requests, "requests_per_s": requests / wall,
            "statuses": dict(sorted(stats.status.items())),
            "actions": dict(stats.actions),
            "accepted": sum(stats.submitted.values()),
            "distinct_jobs": len(stats.jobs),
            "done": sum(j["state"] == "done" for j in stats.jobs.values()),
            "failed": sum(j["state"] == "failed" for j in stats.jobs.values()),
            "throttled": stats.throttled, "throttle_wait": stats.throttle_wait,
            "runs_computed": computed,
            "runs_delivered": sum(j["runs"] for j in stats.jobs.values()),
            "wall": wall, "runs_per_s": computed / wall,
            "server_jobs": health["jobs"],
        },
        "errors": stats.errors, "lost": stats.lost,
    }
    report(out)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n")
    return 1 if stats.errors or stats.lost else 0


if __name__ == "__main__":
    sys.exit(main())
