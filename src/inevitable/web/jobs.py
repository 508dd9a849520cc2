"""Background jobs for the web application: a bounded queue, never a crash.

Ensembles, game turns and verdicts take seconds to minutes, so a request
only enqueues a job and returns its id; the page polls the job for its
progress and result. A few runner threads take jobs in order and run them on
the server's one shared pool of worker processes. The queue is bounded (a
full queue refuses new work with a clear message, HTTP 429, and loses
nothing already accepted) and some kinds of job (verdicts) have their own,
smaller bound. Identical requests share one job, so a page reloaded or
twenty users asking the same question cost one computation.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inevitable.errors import InputError

Work = Callable[[Callable[[str, int, int], None]], Any]


class QueueFull(Exception):
    """The server is at its bound of waiting jobs: try again later."""


@dataclass
class Job:
    id: str
    kind: str
    request: dict[str, Any]
    work: Work = field(repr=False)
    state: str = "queued"  # queued -> running -> done | failed
    label: str = ""
    done: int = 0
    total: int = 0
    result: Any = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None

    def to_dict(self, position: int | None = None, with_result: bool = True) -> dict[str, Any]:
        out = {"id": self.id, "kind": self.kind, "state": self.state,
               "progress": {"label": self.label, "done": self.done, "total": self.total},
               "queue_position": position, "request": self.request,
               "created": self.created, "started": self.started, "finished": self.finished,
               "error": self.error}
        if with_result:
            out["result"] = self.result
        return out


class JobQueue:
    """Run jobs on ``runners`` threads; hold at most ``max_waiting`` in the queue."""

    def __init__(self, runners: int = 2, max_waiting: int = 64, keep: int = 500,
                 limits: dict[str, int] | None = None) -> None:
        self.max_waiting = max_waiting
        self.limits = dict(limits or {})  # kind -> most jobs of that kind at once
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._by_request: dict[str, str] = {}
        self._waiting: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, name=f"job-runner-{i}",
                                          daemon=True) for i in range(runners)]
        for t in self._threads:
            t.start()

    def submit(self, kind: str, request: dict[str, Any], work: Work) -> Job:
        """Queue ``work`` (a function of a progress callback); same request, same job."""
        digest = hashlib.sha256(json.dumps([kind, request], sort_keys=True,
                                           default=str).encode()).hexdigest()
        with self._lock:
            known = self._jobs.get(self._by_request.get(digest, ""))
            if known is not None and known.state != "failed":
                return known
            active = [j for j in self._jobs.values() if j.state in ("queued", "running")]
            if sum(j.state == "queued" for j in active) >= self.max_waiting:
                raise QueueFull(f"the server has {self.max_waiting} jobs waiting; "
                                "try again in a moment")
            bound = self.limits.get(kind)
            if bound is not None and sum(j.kind == kind for j in active) >= bound:
                raise QueueFull(f"at most {bound} {kind} job(s) at a time; one is under "
                                "way, try again when it is done")
            job = Job(uuid.uuid4().hex, kind, request, work)
            self._jobs[job.id] = job
            self._by_request[digest] = job.id
            self._forget_old()
        self._waiting.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def position(self, job: Job) -> int | None:
        """How many queued jobs are ahead of this one (None once it runs)."""
        if job.state != "queued":
            return None
        with self._lock:
            queued = [j for j in self._jobs.values() if j.state == "queued"]
        return next((i for i, j in enumerate(queued) if j.id == job.id), None)

    def recent(self, n: int = 50) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())[-n:]

    def counts(self) -> dict[str, int]:
        with self._lock:
            states = [j.state for j in self._jobs.values()]
        return {s: states.count(s) for s in ("queued", "running", "done", "failed")}

    def close(self) -> None:
        for _ in self._threads:
            self._waiting.put(None)

    def _forget_old(self) -> None:
        """Drop the oldest finished jobs beyond ``keep`` (results live in the store)."""
        finished = [j for j in self._jobs.values() if j.state in ("done", "failed")]
        for j in finished[:max(0, len(finished) - self.keep)]:
            del self._jobs[j.id]
        alive = set(self._jobs)
        self._by_request = {d: i for d, i in self._by_request.items() if i in alive}

    def _run(self) -> None:
        while True:
            job = self._waiting.get()
            if job is None:
                return
            job.state, job.started = "running", time.time()

            def progress(label: str, done: int, total: int, job: Job = job) -> None:
                job.label, job.done, job.total = label, done, total

            try:
                job.result = job.work(progress)
                job.state = "done"
            except InputError as exc:
                job.error, job.state = str(exc), "failed"
            except Exception as exc:  # a bug: report it on the job, keep the server up
                job.error, job.state = f"internal error: {type(exc).__name__}: {exc}", "failed"
            job.finished = time.time()
