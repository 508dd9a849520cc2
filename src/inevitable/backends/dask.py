"""A Dask cluster: a local one, or any scheduler (SLURM via dask-jobqueue).

    inevitable compare soviet-1923 --backend dask                  # local cluster
    inevitable compare soviet-1923 --backend dask --scheduler tcp://head:8786

See docs/clusters.md for a SLURM recipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from inevitable.errors import InputError


class DaskBackend:
    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is a dependency
            raise InputError("the dask backend needs 'dask[distributed]' installed") from None
        self._cluster = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout="20s")
            else:
                from inevitable.backends.base import default_workers

                self._cluster = LocalCluster(n_workers=workers or default_workers(),
                                             threads_per_worker=1, processes=True,
                                             dashboard_address=None)
                self._client = Client(self._cluster)
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler: {exc}", "--scheduler") from None

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        from dask.distributed import as_completed

        futures = self._client.map(fn, list(tasks), pure=False)
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
