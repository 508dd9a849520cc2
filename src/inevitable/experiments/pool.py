"""One backend kept open across the many sweeps of an iterative experiment.

:func:`~inevitable.experiments.sweep.sweep` closes the backend it is given
when it returns, which is right for one-shot experiments. Calibration runs a
sweep per round of proposals; starting worker processes (or a Dask cluster)
for each would cost more than the runs. :func:`kept_open` hands sweeps a
wrapper whose ``close`` does nothing and closes the real backend once, at the
end, if it made it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from inevitable.backends import make_backend
from inevitable.backends.base import check_backend


class _KeptOpen:
    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.name = getattr(inner, "name", "backend")
        self.workers = getattr(inner, "workers", 1) or 1

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        return self._inner.map_unordered(fn, tasks)

    def close(self) -> None:
        """Sweeps call this; the real backend stays up until :func:`kept_open` ends."""


@contextmanager
def kept_open(backend=None, workers: int | None = None, scheduler: str | None = None):
    """A backend for several sweeps; one the caller passed in is left open."""
    check_backend(backend)
    owned = backend is None or isinstance(backend, str)
    be = make_backend(backend, workers, scheduler)
    try:
        yield _KeptOpen(be)
    finally:
        if owned:
            be.close()
