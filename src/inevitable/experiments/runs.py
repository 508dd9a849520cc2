"""Runs as data: what to run, its key, and how a batch of runs is executed.

A :class:`RunSpec` says everything that decides a run's result: parameters,
seed, and optionally a branch step with the parameters that apply from it on.
Its key hashes that together with the scenario's content hash and the code
version, so the same run always has the same key, on any machine; the
results store uses it to never run anything twice.

Batches are what backends ship to workers: the scenario's text (so a remote
worker needs no file) and a list of specs. Specs that share a history up to
a branch are run once up to it, snapshotted, and branched.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inevitable import __version__
from inevitable.engine.registry import compiled_runner
from inevitable.engine.result import RunResult
from inevitable.errors import InputError
from inevitable.scenarios.loader import Scenario, parse


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class RunSpec:
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    branch: int | None = None
    branch_params: Mapping[str, Any] = field(default_factory=dict)

    def key(self, scenario_hash: str) -> str:
        body = {"scenario": scenario_hash, "code": __version__, "params": dict(self.params),
                "seed": int(self.seed), "branch": self.branch,
                "branch_params": dict(self.branch_params)}
        return hashlib.sha256(_canon(body).encode()).hexdigest()[:24]

    def effective(self, name: str, default: Any = None) -> Any:
        """A parameter's value as the run ends (branch parameters win)."""
        return self.branch_params.get(name, self.params.get(name, default))

    def to_dict(self) -> dict[str, Any]:
        return {"params": dict(self.params), "seed": int(self.seed), "branch": self.branch,
                "branch_params": dict(self.branch_params)}


@dataclass(frozen=True)
class Batch:
    scenario_text: str
    scenario_source: str
    specs: tuple[RunSpec, ...]
    series: bool = False
    # (series, step) values to send back for each run (e.g. for calibration
    # targets), read before the scenario's output filter; cheaper than series
    probes: tuple[tuple[str, int], ...] = ()


@dataclass
class Record:
    key: str
    spec: RunSpec
    final: dict[str, Any]
    series: dict[str, np.ndarray] | None = None
    probes: tuple[float, ...] | None = None


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def execute(batch: Batch, compiled: bool = True) -> list[Record]:
    """Run every spec of a batch.

    Where the model has a compiled runner (the flagship and the toy do), the
    whole batch is one compiled call; otherwise each run steps a Sim, and
    runs that share a history up to a branch run it once and branch from a
    snapshot. Both paths give the same bits (``compiled=False`` forces the
    Sim path, for tests and benchmarks).
    """
    # workers receive text, not paths; parse keeps what it has read in this process
    sc = parse(batch.scenario_text, batch.scenario_source)
    runner = compiled_runner(sc.mechanisms) if compiled else None
    if runner is not None:
        return _execute_compiled(sc, batch, runner)
    out: list[Record] = []
    groups: dict[tuple, list[RunSpec]] = defaultdict(list)
    for spec in batch.specs:
        if spec.branch is None:
            raw = sc.sim(spec.seed, spec.params).run()
            probed = _probe(raw, batch.probes)
            out.append(_record(sc, spec, sc.finish(raw), batch.series, probed))
        else:
            groups[(_canon(dict(spec.params)), spec.seed, spec.branch)].append(spec)
    for specs in groups.values():
        first = specs[0]
        trunk = sc.sim(first.seed, first.params)
        trunk.run(until=first.branch)
        snap = trunk.snapshot()
        for spec in specs:
            arm = snap.branch(params=sc.check_overrides(spec.branch_params))
            raw = arm.run()
            probed = _probe(raw, batch.probes)
            out.append(_record(sc, spec, sc.finish(raw), batch.series, probed))
    return out


def _execute_compiled(sc: Scenario, batch: Batch, runner) -> list[Record]:
    for spec in batch.specs:
        if spec.branch is not None and not 0 <= spec.branch <= sc.timeline.steps:
            raise InputError(f"cannot branch at step {spec.branch} of a run of "
                             f"{sc.timeline.steps} steps")
    runs = [(s.seed, s.params, s.branch, s.branch_params) for s in batch.specs]
    labels = sc.timeline.labels()
    out = []
    for spec, (series, final) in zip(batch.specs, runner(sc, runs), strict=True):
        raw = RunResult(series=series, final=final, labels=labels, seed=spec.seed,
                        params=dict(spec.params), meta={})
        probed = _probe(raw, batch.probes)
        out.append(_record(sc, spec, sc.finish(raw), batch.series, probed))
    return out


def _probe(result, probes: tuple[tuple[str, int], ...]) -> tuple[float, ...] | None:
    if not probes:
        return None
    return tuple(float(result.series[name][step]) for name, step in probes)


def _record(sc: Scenario, spec: RunSpec, result, want_series: bool,
            probed: tuple[float, ...] | None = None) -> Record:
    final = {k: _plain(v) for k, v in result.final.items()}
    return Record(key=spec.key(sc.hash), spec=spec, final=final,
                  series=dict(result.series) if want_series else None, probes=probed)


def batches(sc: Scenario, specs: list[RunSpec], size: int, series: bool = False,
            probes: tuple[tuple[str, int], ...] = ()) -> list[Batch]:
    """Cut specs into batches, keeping runs that share a branch trunk together."""
    by_trunk: dict[tuple, list[RunSpec]] = defaultdict(list)
    for spec in specs:
        trunk = (None, spec.seed) if spec.branch is None else (
            _canon(dict(spec.params)), spec.seed, spec.branch)
        by_trunk[trunk].append(spec)
    out: list[Batch] = []
    current: list[RunSpec] = []
    for group in by_trunk.values():
        current.extend(group)
        if len(current) >= size:
            out.append(Batch(sc.text, sc.source, tuple(current), series, probes))
            current = []
    if current:
        out.append(Batch(sc.text, sc.source, tuple(current), series, probes))
    return out
