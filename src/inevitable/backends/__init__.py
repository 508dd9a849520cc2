"""Where runs execute: in this process, in local processes, or on a Dask cluster.

Every backend maps :func:`inevitable.experiments.runs.execute` over batches
and yields results as they complete; because a run's numbers depend only on
its spec (counter-based random streams), the results are the same bits on
every backend and for any number of workers.
"""

from __future__ import annotations

from inevitable.backends.base import Backend, make_backend

__all__ = ["Backend", "make_backend"]
