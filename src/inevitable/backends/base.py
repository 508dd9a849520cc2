"""The backend interface and the factory the API and CLI use."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from inevitable.errors import InputError


class Backend(Protocol):
    name: str

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in whatever order they finish."""
        ...

    def close(self) -> None: ...


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


BACKENDS = ("serial", "processes", "dask")


def check_backend(name: str | None) -> None:
    """Refuse an unknown backend name before any work starts."""
    if isinstance(name, str) and name not in BACKENDS:
        raise InputError(f"unknown backend '{name}' (use serial, processes or dask)",
                         "--backend")


def make_backend(name: str | Backend | None = None, workers: int | None = None,
                 scheduler: str | None = None) -> Backend:
    """``serial``, ``processes`` (default, all cores) or ``dask`` (a LocalCluster, or
    the cluster at ``scheduler``, e.g. ``tcp://host:8786``)."""
    if name is None:
        name = "processes"
    if not isinstance(name, str):
        return name
    check_backend(name)
    if workers is not None and workers < 1:
        raise InputError("must be at least 1", "--workers")
    if name == "serial":
        from inevitable.backends.serial import SerialBackend

        return SerialBackend()
    if name == "processes":
        from inevitable.backends.processes import ProcessBackend

        return ProcessBackend(workers or default_workers())
    if name == "dask":
        from inevitable.backends.dask import DaskBackend

        return DaskBackend(workers=workers, scheduler=scheduler)
    raise InputError(f"unknown backend '{name}' (use serial, processes or dask)", "--backend")
