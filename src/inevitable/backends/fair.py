"""Local worker processes shared fairly between the sweeps that use them at once.

The web server runs several jobs at a time on one pool of worker processes.
A plain process pool is first come, first served at the level of batches: a
large ensemble that has queued its batches holds a small request's batches
behind all of them. :class:`FairProcessBackend` instead keeps at most one
batch per worker in the pool and, each time a worker comes free, gives it the
next batch of the *share* that has had the least work so far (start-time fair
queueing, with a batch's cost its number of runs). A share is whatever the
caller puts in :func:`sharing` around its sweep; the job queue puts the
job's client there, so the workers' time is split between clients, not
between jobs, and a client with one small request waits for at most one
batch per worker before its own batches run. Within a share, the sweep that
started first is served first.

A share that has been idle starts again level with the others (it banks no
credit while it asks for nothing). Results are the same bits as on every
other backend: scheduling decides only when a batch runs, not what it
computes.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import queue
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_share: ContextVar[Hashable] = ContextVar("inevitable_share", default=None)


@contextmanager
def sharing(key: Hashable) -> Iterator[None]:
    """Sweeps run inside this block count as ``key``'s work on a fair backend."""
    token = _share.set(key)
    try:
        yield
    finally:
        _share.reset(token)


def cost_of(task: Any) -> int:
    """A batch costs its number of runs; anything else costs one."""
    specs = getattr(task, "specs", None)
    return max(1, len(specs)) if specs is not None else 1


@dataclass(eq=False)
class _Stream:
    """One ``map_unordered`` call: its tasks, and where its results go."""

    share: Hashable
    order: int
    fn: Callable[[Any], Any]
    tasks: Iterator[Any]
    results: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    submitted: int = 0


@dataclass
class _End:
    """No more tasks: the stream's consumer expects ``submitted`` results in all."""

    submitted: int


@dataclass
class _Failed:
    error: BaseException


_STOP = object()


class FairProcessBackend:
    """A process pool of ``workers`` whose time is shared fairly between shares."""

    name = "processes"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        # every change of the scheduler's state is an event handled by one thread,
        # so the state needs no lock and pool callbacks never wait for one
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._order = itertools.count()
        self._open: list[_Stream] = []  # streams whose caller still reads them
        self._active: list[_Stream] = []  # of those, the ones that may have tasks left
        self._inflight: dict[Future, ProcessPoolExecutor] = {}  # batch -> its pool
        self._finish: dict[Hashable, float] = {}  # share -> virtual finish of its last batch
        self._vtime = 0.0
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="fair-pool", daemon=True)
        self._thread.start()

    # -- the callers' side -------------------------------------------------------------
    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task as they finish, in the caller's share."""
        if self._closed:
            raise RuntimeError("the worker pool was closed")
        stream = _Stream(_share.get(), next(self._order), fn, iter(tasks))
        self._events.put(("open", stream, None))
        received, expected = 0, None
        try:
            while expected is None or received < expected:
                item = stream.results.get()
                if isinstance(item, _End):
                    expected = item.submitted
                elif isinstance(item, _Failed):
                    raise item.error
                else:
                    received += 1
                    yield item.result()  # a worker's exception is raised here
        finally:
            self._events.put(("close", stream, None))

    def close(self) -> None:
        self._closed = True
        self._events.put((_STOP, None, None))
        self._thread.join(30)

    # -- the scheduler's side (one thread) ---------------------------------------------
    def _loop(self) -> None:
        while True:
            what, stream, future = self._events.get()
            if what is _STOP:
                break
            if what == "open":
                self._open.append(stream)
                self._active.append(stream)
            elif what == "close":
                self._open.remove(stream)
                if stream in self._active:
                    self._active.remove(stream)
            elif what == "done":
                pool = self._inflight.pop(future, None)
                # a cancelled batch was queued in a pool that broke (below)
                broken = future.cancelled() or isinstance(future.exception(), BrokenProcessPool)
                if broken and pool is not None and pool is self._pool:
                    # a worker died (killed, out of memory): its sweeps fail, later
                    # ones get a fresh pool instead of the broken one
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = None
                stream.results.put(_Failed(BrokenProcessPool("a worker process died"))
                                   if future.cancelled() else future)
            self._fill()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        for s in self._open:  # their remaining results will never come
            s.results.put(_Failed(RuntimeError("the worker pool was closed")))

    def _fill(self) -> None:
        """Give every free worker the next batch of the share owed the most."""
        while len(self._inflight) < self.workers and self._active:
            stream, start = self._pick()
            try:
                task = next(stream.tasks)
            except StopIteration:
                self._active.remove(stream)
                stream.results.put(_End(stream.submitted))
                continue
            except Exception as exc:  # the caller's task list failed: its sweep fails
                self._active.remove(stream)
                stream.results.put(_Failed(exc))
                continue
            try:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(self.workers,
                                                     mp_context=mp.get_context("spawn"))
                future = self._pool.submit(stream.fn, task)
            except BrokenProcessPool as exc:
                self._pool = None
                self._active.remove(stream)
                stream.results.put(_Failed(exc))
                continue
            stream.submitted += 1
            self._inflight[future] = self._pool
            self._vtime = start
            self._finish[stream.share] = start + cost_of(task)
            future.add_done_callback(
                lambda f, s=stream: self._events.put(("done", s, f)))
        # a share whose last batch finished (virtually) before now has no claim left
        self._finish = {k: v for k, v in self._finish.items() if v > self._vtime}

    def _pick(self) -> tuple[_Stream, float]:
        """The stream to serve: its share's start tag lowest, then the oldest stream."""
        def start(s: _Stream) -> float:
            return max(self._vtime, self._finish.get(s.share, 0.0))

        best = min(self._active, key=lambda s: (start(s), s.order))
        return best, start(best)
