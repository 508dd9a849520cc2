"""Snapshots: the full state of a run at one step, to branch from.

Because random draws are a pure function of (seed, stream, step, slot), the
state arrays, the recorded series and the clock are all there is; restoring
them and stepping on gives, bit for bit, what an uninterrupted run gives. A
branch may change parameters (a strategy adopted from that month on, say), as
long as they do not change the shape of the state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inevitable.engine.registry import mechanism
from inevitable.engine.sim import Sim
from inevitable.engine.timeline import Timeline
from inevitable.errors import InputError

FORMAT = "inevitable-snapshot/1"


@dataclass
class Snapshot:
    t: int
    seed: int
    mechanisms: tuple[str, ...]
    params: dict[str, Any]
    timeline: Timeline
    state: dict[str, np.ndarray]
    results: dict[str, np.ndarray]
    meta: dict[str, Any]
    events: tuple[Any, ...] = ()
    data: dict[str, Any] | None = None

    @classmethod
    def of(cls, sim: Sim) -> Snapshot:
        return cls(
            t=sim.t,
            seed=sim.seed,
            mechanisms=tuple(m.name for m in sim.mechanisms),
            params=dict(sim.params),
            timeline=sim.timeline,
            state={k: v.copy() for k, v in sim.state.items()},
            results={k: v[: sim.t + 1].copy() for k, v in sim.results.items()},
            meta=dict(sim.meta),
            events=sim.events,
            data=sim.data,
        )

    def branch(
        self, params: Mapping[str, Any] | None = None, steps: int | None = None
    ) -> Sim:
        """A new Sim at step ``t`` with this state; ``params`` override the snapshot's."""
        classes = [mechanism(n) for n in self.mechanisms]
        merged = {**self.params, **dict(params or {})}
        timeline = self.timeline if steps is None else self.timeline.with_steps(steps)
        if timeline.steps < self.t:
            raise InputError(f"cannot branch at step {self.t} into a run of {timeline.steps} steps")
        sim = Sim(
            classes, timeline=timeline, seed=self.seed, params=merged,
            events=self.events, data=self.data, meta=self.meta,
        )
        if set(sim.state) != set(self.state):
            raise InputError("snapshot does not match the model's state arrays")
        for key, arr in self.state.items():
            target = sim.state[key]
            if target.shape != arr.shape or target.dtype != arr.dtype:
                raise InputError(
                    f"snapshot array '{key}' has shape {arr.shape} {arr.dtype}, the model "
                    f"expects {target.shape} {target.dtype} (a parameter changed its size?)"
                )
            np.copyto(target, arr)
        for key, arr in self.results.items():
            sim.results[key][: self.t + 1] = arr
        sim.t = self.t
        return sim

    # -- files -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the snapshot as one ``.npz`` file (no pickles)."""
        path = Path(path)
        header = {
            "format": FORMAT,
            "t": self.t,
            "seed": self.seed,
            "mechanisms": list(self.mechanisms),
            "params": self.params,
            "timeline": {"steps": self.timeline.steps, "unit": self.timeline.unit,
                         "start": self.timeline.start},
            "meta": self.meta,
            "events": list(self.events),
            "data": self.data or {},
        }
        arrays = {f"state/{k}": v for k, v in self.state.items()}
        arrays.update({f"results/{k}": v for k, v in self.results.items()})
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(bytes(z["header"]).decode())
                state = {k[6:]: z[k] for k in z.files if k.startswith("state/")}
                results = {k[8:]: z[k] for k in z.files if k.startswith("results/")}
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"cannot read snapshot: {exc}", str(path)) from None
        if header.get("format") != FORMAT:
            raise InputError(f"not an {FORMAT} file", str(path))
        tl = header["timeline"]
        return cls(
            t=header["t"], seed=header["seed"], mechanisms=tuple(header["mechanisms"]),
            params=header["params"], timeline=Timeline(**tl), state=state, results=results,
            meta=header["meta"], events=tuple(header.get("events", ())),
            data=header.get("data", {}),
        )
