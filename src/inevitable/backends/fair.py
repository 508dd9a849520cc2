"""Local worker processes shared fairly between the sweeps that use them at once.

The web server runs several jobs at a time on one pool of worker processes.
A plain process pool is first come, first served at the level of batches: a
large ensemble that has queued its batches holds a small request's batches
behind all of them. :class:`FairProcessBackend` instead keeps at most one
batch per worker in the pool and, each time a worker comes free, gives it the
next batch of the *share* that has used the workers least lately: its runs
dispatched, each counted with a weight that halves every ``half_life``
seconds. A share is whatever the caller puts in :func:`sharing` around its
sweep; the job queue puts the job's client there, so the workers' time is
split between clients, not between jobs. Shares that all keep the workers
busy end up with equal shares of them; a client with one small request has
used little lately, so its batches take the next free workers and it waits
for about one batch per worker, not for the others' backlog. Within a share,
the sweep that started first is served first.

Why recent use and not strict turns: with twenty clients, strict turns
would give a small request a twentieth of the workers for its whole
duration, while it could have finished in the time of a batch or two.
Usage decays, so a client that computed a lot an hour ago is not held back
now. Results are the same bits as on every other backend: scheduling decides
only when a batch runs, not what it computes.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import queue
import threading
import time
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

    def __init__(self, workers: int, half_life: float = 60.0) -> None:
        self.workers = workers
        self.half_life = half_life
        self._pool: ProcessPoolExecutor | None = None
        # every change of the scheduler's state is an event handled by one thread,
        # so the state needs no lock and pool callbacks never wait for one
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._order = itertools.count()
        self._open: list[_Stream] = []  # streams whose caller still reads them
        self._active: list[_Stream] = []  # of those, the ones that may have tasks left
        self._inflight: dict[Future, ProcessPoolExecutor] = {}  # batch -> its pool
        self._usage: dict[Hashable, tuple[float, float]] = {}  # share -> (runs, as at time)
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
        """Give every free worker the next batch of the share that used the workers least."""
        while len(self._inflight) < self.workers and self._active:
            now = time.monotonic()
            stream = self._pick(now)
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
            self._usage[stream.share] = (self._used(stream.share, now) + cost_of(task), now)
            future.add_done_callback(
                lambda f, s=stream: self._events.put(("done", s, f)))
        if len(self._usage) > 1000:  # forget shares whose use has all but decayed
            now = time.monotonic()
            self._usage = {k: v for k, v in self._usage.items() if self._used(k, now) > 0.01}

    def _used(self, share: Hashable, now: float) -> float:
        """The share's runs dispatched lately, each weighted by 2^-(its age / half_life)."""
        runs, at = self._usage.get(share, (0.0, now))
        return runs * 0.5 ** ((now - at) / self.half_life)

    def _pick(self, now: float) -> _Stream:
        """The stream to serve: its share's recent use lowest, then the oldest stream."""
        return min(self._active, key=lambda s: (self._used(s.share, now), s.order))
