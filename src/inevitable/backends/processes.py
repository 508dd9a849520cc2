"""Local worker processes, one per core by default.

Workers are started with 'spawn' so that no thread or lock state of the
parent (Dask, numba's threading layer, a web server) is copied into them.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class ProcessBackend:
    name = "processes"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        # several threads may share one backend (the web server's jobs)
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.workers,
                                                 mp_context=mp.get_context("spawn"))
            return self._pool

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        try:
            yield from self._map(fn, tasks)
        except BrokenProcessPool:
            # a worker died (killed, out of memory): this sweep fails, the next one
            # gets a fresh pool instead of the broken one
            with self._lock:
                self._pool = None
            raise

    def _map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        pool = self._executor()
        pending = set()
        tasks = iter(tasks)
        # keep a bounded number of tasks in flight so huge sweeps stream
        for task in tasks:
            pending.add(pool.submit(fn, task))
            if len(pending) >= 4 * self.workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                yield f.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
