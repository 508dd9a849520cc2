"""The simulation: mechanisms in a fixed order over preallocated arrays.

``Sim`` knows nothing of scenario files, the CLI or the results store: it is
given mechanism classes, parameter values, a timeline and a seed. The
scenarios package turns a YAML file into those; experiments drive many Sims.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType, SimpleNamespace
from typing import Any

import numpy as np

from inevitable.engine.mechanism import Mechanism
from inevitable.engine.params import Param
from inevitable.engine.result import RunResult
from inevitable.engine.rng import Stream
from inevitable.engine.timeline import Timeline
from inevitable.errors import InputError


def declared_params(mechanisms: Iterable[type[Mechanism]]) -> dict[str, Param]:
    """All parameters of a model; a name declared twice must be declared identically."""
    out: dict[str, Param] = {}
    owner: dict[str, str] = {}
    for m in mechanisms:
        for name, decl in m.params.items():
            if name in out and out[name] != decl:
                raise TypeError(
                    f"parameter '{name}' is declared differently by {owner[name]} and {m.name}"
                )
            out[name] = decl
            owner[name] = m.name
    return out


def resolve_params(
    decls: Mapping[str, Param], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Defaults overlaid with ``overrides``, each checked against its declaration."""
    values = {name: d.default for name, d in decls.items()}
    for name, value in (overrides or {}).items():
        if name not in decls:
            raise InputError(f"unknown parameter '{name}' (known: {', '.join(sorted(decls))})")
        values[name] = decls[name].coerce(name, value)
    return values


class Sim:
    """One stochastic run of a model.

    >>> sim = Sim([MyMechanism], timeline=Timeline(100), seed=1)  # doctest: +SKIP
    >>> result = sim.run()                                         # doctest: +SKIP
    """

    def __init__(
        self,
        mechanisms: Sequence[type[Mechanism]],
        *,
        timeline: Timeline,
        seed: int = 0,
        params: Mapping[str, Any] | None = None,
        events: Sequence[Any] = (),
        data: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.mechanism_classes = tuple(mechanisms)
        self.decls = declared_params(self.mechanism_classes)
        self.params = MappingProxyType(resolve_params(self.decls, params))
        self.p = SimpleNamespace(**self.params)
        self.timeline = timeline
        self.seed = int(seed)
        self.events = tuple(events)
        self._events_by_step: dict[int, list] = {}
        for e in self.events:
            if isinstance(e, dict) and "step" in e:
                self._events_by_step.setdefault(e["step"], []).append(e)
        # scenario data that mechanisms read (e.g. strategies); JSON-ready
        self.data = dict(data or {})
        self.meta = dict(meta or {})
        self.t = 0
        self.state: dict[str, np.ndarray] = {}
        self._streams: dict[str, Stream] = {}
        self.series_decls = {}
        for m in self.mechanism_classes:
            for name, out in m.series.items():
                if name in self.series_decls:
                    raise TypeError(f"series '{name}' is declared by two mechanisms")
                self.series_decls[name] = out
        self.results = {
            name: np.zeros(timeline.steps + 1, dtype=out.dtype)
            for name, out in self.series_decls.items()
        }
        self.mechanisms: list[Mechanism] = [cls(self) for cls in self.mechanism_classes]
        for m in self.mechanisms:
            m.init(self)
            m.freeze()
        self._record()

    # -- services for mechanisms ---------------------------------------------
    def alloc(self, key: str, shape, dtype, fill=0) -> np.ndarray:
        if key in self.state:
            raise KeyError(f"state array '{key}' allocated twice")
        arr = np.full(shape, fill, dtype=dtype)
        self.state[key] = arr
        return arr

    def stream(self, name: str) -> Stream:
        s = self._streams.get(name)
        if s is None:
            s = self._streams[name] = Stream(self.seed, name, self._clock)
        return s

    def events_at(self, step: int) -> list:
        """The scenario's events dated at ``step``, in file order."""
        return self._events_by_step.get(step, [])

    def _clock(self) -> int:
        return self.t

    @property
    def steps(self) -> int:
        return self.timeline.steps

    # -- the loop ----------------------------------------------------------------
    def step(self) -> None:
        if self.t >= self.timeline.steps:
            raise RuntimeError(f"the run has already reached its last step ({self.t})")
        self.t += 1
        for m in self.mechanisms:
            m.step(self)
        self._record()

    def _record(self) -> None:
        results, t = self.results, self.t
        for m in self.mechanisms:
            for name, value in m.record(self).items():
                results[name][t] = value

    def run(
        self, until: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> RunResult:
        """Step to ``until`` (default: the end) and return the result so far."""
        stop = self.timeline.steps if until is None else min(int(until), self.timeline.steps)
        while self.t < stop:
            self.step()
            if progress is not None:
                progress(self.t, self.timeline.steps)
        return self.result()

    def result(self) -> RunResult:
        finals: dict[str, Any] = {}
        if self.t == self.timeline.steps:
            for name in self.series_decls:
                finals[name] = self.results[name][self.t].item()
            for m in self.mechanisms:
                finals.update(m.finalize(self))
        return RunResult(
            series={k: v[: self.t + 1].copy() for k, v in self.results.items()},
            final=finals,
            labels=self.timeline.labels()[: self.t + 1],
            seed=self.seed,
            params=dict(self.params),
            meta=dict(self.meta),
        )

    # -- snapshots ------------------------------------------------------------------
    def snapshot(self):
        """The full state at the current step (see :mod:`inevitable.engine.snapshot`)."""
        from inevitable.engine.snapshot import Snapshot

        return Snapshot.of(self)
