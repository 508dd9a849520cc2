"""Background jobs for the web application: shared fairly, bounded, never a crash.

Ensembles, game turns and verdicts take seconds to minutes, so a request
only enqueues a job and returns its id; the page polls the job for its
progress and result. Identical requests share one job, so a page reloaded or
twenty users asking the same question cost one computation.

Nothing one client does may starve the others, so the queue is not first
come, first served. Each client (see :func:`inevitable.web.routes.client_of`)
has its own first-in-first-out line; a runner thread that is free takes the
first job of the client it served least recently, and runs at most
``per_client_running`` jobs of one client at a time. One client's ten large
ensembles therefore delay another client's one small request by at most the
jobs already running, and (with the fair worker pool,
:mod:`inevitable.backends.fair`) not even by those. Each job runs with its
client as the pool's share key, so the pool splits the workers' time between
clients, not between jobs.

The queue is bounded: at most ``max_waiting`` jobs wait in all (a full queue
refuses new work with a clear message, HTTP 429, and loses nothing already
accepted), at most ``per_client`` of them from one client (so one user cannot
fill it), and some kinds of job (verdicts) have their own, smaller bound.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inevitable.backends.fair import sharing
from inevitable.errors import InputError

Work = Callable[[Callable[[str, int, int], None]], Any]

LOCAL = "local"  # the client of jobs submitted from this process, not over HTTP


class QueueFull(Exception):
    """The server is at one of its bounds of waiting jobs: try again later."""


@dataclass
class Job:
    id: str
    kind: str
    request: dict[str, Any]
    work: Work = field(repr=False)
    client: str = LOCAL
    state: str = "queued"  # queued -> running -> done | failed
    label: str = ""
    done: int = 0
    total: int = 0
    result: Any = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    seq: int = 0  # the order of submission: breaks ties between clients

    def to_dict(self, position: int | None = None, with_result: bool = True) -> dict[str, Any]:
        # the client is left out: it is another user's address
        out = {"id": self.id, "kind": self.kind, "state": self.state,
               "progress": {"label": self.label, "done": self.done, "total": self.total},
               "queue_position": position, "request": self.request,
               "created": self.created, "started": self.started, "finished": self.finished,
               "error": self.error}
        if with_result:
            out["result"] = self.result
        return out


class _Rotation:
    """The waiting jobs: one FIFO per client, served least recently served first.

    Kept apart from the threads so that the queue can ask it, on a copy, in
    which order the waiting jobs would start (the queue positions).
    """

    def __init__(self) -> None:
        self.lines: dict[str, deque[Job]] = {}  # only clients with waiting jobs
        self.served: dict[str, int] = {}  # client -> turn it was last served at
        self.turn = 0

    def __len__(self) -> int:
        return sum(len(q) for q in self.lines.values())

    def waiting(self, client: str) -> int:
        return len(self.lines.get(client, ()))

    def push(self, job: Job) -> None:
        self.lines.setdefault(job.client, deque()).append(job)

    def take(self, busy: Callable[[str], bool] = lambda c: False) -> Job | None:
        """The next job: the first of the least recently served client not ``busy``.

        A client never served counts as served at turn 0; ties go to the client
        whose first waiting job came first.
        """
        ready = [c for c in self.lines if not busy(c)]
        if not ready:
            return None
        client = min(ready, key=lambda c: (self.served.get(c, 0), self.lines[c][0].seq))
        line = self.lines[client]
        job = line.popleft()
        if not line:
            del self.lines[client]
        self.turn += 1
        self.served[client] = self.turn
        if len(self.served) > 10_000:  # forget idle clients (they count as new again)
            self.served = {c: t for c, t in self.served.items() if c in self.lines}
        return job

    def order(self) -> list[Job]:
        """The waiting jobs in the order they would start if nothing else arrived."""
        copy = _Rotation()
        copy.lines = {c: deque(q) for c, q in self.lines.items()}
        copy.served = dict(self.served)
        copy.turn = self.turn
        out = []
        while (job := copy.take()) is not None:
            out.append(job)
        return out


class JobQueue:
    """Run jobs on ``runners`` threads, fairly between clients, within the bounds.

    ``max_waiting``: jobs waiting in all; ``per_client``: of those, from one
    client (``None``: no bound of its own); ``per_client_running``: jobs of one
    client running at once; ``limits``: kind -> most jobs of that kind queued
    or running at once; ``keep``: finished jobs remembered.
    """

    def __init__(self, runners: int = 2, max_waiting: int = 64, keep: int = 500,
                 limits: dict[str, int] | None = None, per_client: int | None = None,
                 per_client_running: int = 1) -> None:
        self.max_waiting = max_waiting
        self.per_client = per_client
        self.per_client_running = per_client_running
        self.limits = dict(limits or {})
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._by_request: dict[str, str] = {}
        self._waiting = _Rotation()
        self._running: dict[str, int] = {}  # client -> its jobs running now
        self._seq = itertools.count(1)
        self._closed = False
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._threads = [threading.Thread(target=self._run, name=f"job-runner-{i}",
                                          daemon=True) for i in range(runners)]
        for t in self._threads:
            t.start()

    def submit(self, kind: str, request: dict[str, Any], work: Work,
               client: str = LOCAL) -> Job:
        """Queue ``work`` (a function of a progress callback) for ``client``.

        The same request gets the same job, whoever sends it (it stays in the
        line of the client who sent it first). A request over a bound raises
        :class:`QueueFull` with a one-line message saying which bound.
        """
        digest = hashlib.sha256(json.dumps([kind, request], sort_keys=True,
                                           default=str).encode()).hexdigest()
        with self._lock:
            known = self._jobs.get(self._by_request.get(digest, ""))
            if known is not None and known.state != "failed":
                return known
            if len(self._waiting) >= self.max_waiting:
                raise QueueFull(f"the server has {self.max_waiting} jobs waiting; "
                                "try again in a moment")
            mine = self._waiting.waiting(client)
            if self.per_client is not None and mine >= self.per_client:
                raise QueueFull(f"you already have {mine} jobs waiting, the most one client "
                                "may have; try again when one of them has started")
            bound = self.limits.get(kind)
            if bound is not None and sum(j.kind == kind and j.state in ("queued", "running")
                                         for j in self._jobs.values()) >= bound:
                raise QueueFull(f"at most {bound} {kind} job(s) at a time; one is under "
                                "way, try again when it is done")
            job = Job(uuid.uuid4().hex, kind, request, work, client=client,
                      seq=next(self._seq))
            self._jobs[job.id] = job
            self._by_request[digest] = job.id
            self._forget_old()
            self._waiting.push(job)
            self._wake.notify()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def positions(self) -> dict[str, int]:
        """Job id -> how many waiting jobs start before it, as the round-robin goes."""
        with self._lock:
            return {j.id: i for i, j in enumerate(self._waiting.order())}

    def position(self, job: Job) -> int | None:
        """How many waiting jobs start before this one (None once it runs).

        The round-robin order, not the order of arrival: a client's later job
        counts every other client's turn ahead of it, and a newcomer's first
        job may overtake jobs that came before it. Another newcomer can still
        overtake it, so the number can grow while the job waits.
        """
        if job.state != "queued":
            return None
        return self.positions().get(job.id)

    def recent(self, n: int = 50) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())[-n:]

    def counts(self) -> dict[str, int]:
        with self._lock:
            states = [j.state for j in self._jobs.values()]
        return {s: states.count(s) for s in ("queued", "running", "done", "failed")}

    def close(self) -> None:
        """Stop the runners once their current jobs end; waiting jobs stay waiting."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()

    def _forget_old(self) -> None:
        """Drop the oldest finished jobs beyond ``keep`` (results live in the store)."""
        finished = [j for j in self._jobs.values() if j.state in ("done", "failed")]
        for j in finished[:max(0, len(finished) - self.keep)]:
            del self._jobs[j.id]
        alive = set(self._jobs)
        self._by_request = {d: i for d, i in self._by_request.items() if i in alive}

    def _busy(self, client: str) -> bool:
        return self._running.get(client, 0) >= self.per_client_running

    def _next(self) -> Job | None:
        """Wait for a job this runner may start; None once the queue is closed."""
        with self._lock:
            while True:
                if self._closed:
                    return None
                job = self._waiting.take(self._busy)
                if job is not None:
                    self._running[job.client] = self._running.get(job.client, 0) + 1
                    job.state, job.started = "running", time.time()
                    return job
                self._wake.wait()

    def _run(self) -> None:
        while (job := self._next()) is not None:

            def progress(label: str, done: int, total: int, job: Job = job) -> None:
                job.label, job.done, job.total = label, done, total

            try:
                with sharing(job.client):
                    job.result = job.work(progress)
                job.state = "done"
            except InputError as exc:
                job.error, job.state = str(exc), "failed"
            except Exception as exc:  # a bug: report it on the job, keep the server up
                job.error, job.state = f"internal error: {type(exc).__name__}: {exc}", "failed"
            job.finished = time.time()
            with self._lock:
                left = self._running[job.client] - 1
                if left:
                    self._running[job.client] = left
                else:
                    del self._running[job.client]
                self._wake.notify_all()  # the client's next job may start now
