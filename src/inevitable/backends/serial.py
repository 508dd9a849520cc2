"""Everything in this process: for debugging, profiling and tiny jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any


class SerialBackend:
    name = "serial"

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass
