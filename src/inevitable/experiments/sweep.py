"""Run many specs on a backend, through the results store, with progress.

Every experiment goes through :func:`sweep`: it asks the store which runs it
already has, ships the rest to the backend in batches, stores each batch as
it completes, and returns the final values in the order the specs were given
(so results never depend on which worker finished first).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from inevitable.backends import make_backend
from inevitable.backends.base import check_backend
from inevitable.errors import InputError
from inevitable.experiments.runs import Record, RunSpec, batches, execute
from inevitable.scenarios.loader import Scenario, scenario
from inevitable.store.runstore import RunStore


@dataclass
class SweepResult:
    specs: list[RunSpec]
    finals: list[dict[str, Any]]
    series: dict[str, dict] = field(default_factory=dict)  # key -> series, when asked
    computed: int = 0
    reused: int = 0
    # per spec, the values at the (series, step) probes asked for, in their order
    probes: list[tuple[float, ...]] | None = None


def as_scenario(ref: Scenario | str | Path) -> Scenario:
    return ref if isinstance(ref, Scenario) else scenario(ref)


def sweep(
    sc: Scenario,
    specs: Sequence[RunSpec],
    *,
    backend=None,
    workers: int | None = None,
    scheduler: str | None = None,
    store: RunStore | str | Path | None = None,
    experiment: str | None = None,
    series: bool = False,
    batch_size: int | None = None,
    progress: bool | str | Callable[[str, int, int], None] = True,
    label: str = "runs",
    probes: Sequence[tuple[str, int]] | None = None,
) -> SweepResult:
    """Run ``specs`` (those not already in ``store``) and return their final values.

    ``progress``: True for a progress bar, "lines" for one line on stderr per
    stored batch (for logs and batch jobs), False for silence, or a function
    called as ``progress(label, runs done, runs in all)`` after each batch
    (reused runs count as done; the web server's jobs report through it).
    ``probes``: (series, step) pairs whose values each run sends back (as
    ``SweepResult.probes``) instead of whole series. With a store, probed runs
    are stored with their series, so that a later sweep can read the probes
    from the store instead of running again.
    """
    check_backend(backend)
    if workers is not None and workers < 1:
        raise InputError("must be at least 1", "--workers")
    specs = list(specs)
    keys = [s.key(sc.hash) for s in specs]
    own_store = store is not None and not isinstance(store, RunStore)
    db = RunStore(store) if own_store else store
    try:
        have = db.existing(keys) if db is not None else {}
        todo = [s for s, k in zip(specs, keys, strict=True) if k not in have]
        # a run stored without its series must run again if series are wanted
        got: dict[str, dict] = dict(have)
        series_out: dict[str, dict] = {}
        probes = tuple(probes or ())
        probe_out: dict[str, tuple[float, ...]] = {}
        keep_series = series or (bool(probes) and db is not None)
        if keep_series and db is not None:
            found = db.series_of(have, None if series else [n for n, _ in probes])
            for k in list(have):
                stored = found.get(k)
                try:
                    if stored is None:
                        raise KeyError(k)
                    if probes:
                        probe_out[k] = tuple(float(stored[n][i]) for n, i in probes)
                except (KeyError, IndexError):
                    del got[k]
                    continue
                if series:
                    series_out[k] = stored
            todo = [s for s, k in zip(specs, keys, strict=True) if k not in got]
        computed = 0
        report = progress if callable(progress) else None
        if report is not None:
            report(label, len(specs) - len(todo), len(specs))
        if todo:
            be = make_backend(backend, workers, scheduler)
            size = batch_size or max(1, min(32, len(todo) // (4 * getattr(be, "workers", 1)
                                                               or 1) or 1))
            work = batches(sc, todo, size, keep_series, probes)
            last = -1e9
            try:
                with Progress(TextColumn("{task.description}"), BarColumn(),
                              MofNCompleteColumn(), TimeRemainingColumn(),
                              disable=progress is not True, transient=True) as bar:
                    task = bar.add_task(label, total=len(todo))
                    for records in be.map_unordered(execute, work):
                        _take(records, got, series_out, db, sc, experiment, probe_out)
                        computed += len(records)
                        bar.update(task, advance=len(records))
                        if report is not None:
                            report(label, len(specs) - len(todo) + computed, len(specs))
                        if progress == "lines" and (computed == len(todo)
                                                    or time.monotonic() - last > 2.0):
                            last = time.monotonic()
                            print(f"{label}: {computed}/{len(todo)} runs done"
                                  + (" and stored" if db is not None else ""),
                                  file=sys.stderr, flush=True)
            finally:
                be.close()
        if db is not None and experiment is not None and have:
            db.link(experiment, have)
        return SweepResult(specs=specs, finals=[got[k] for k in keys],
                           series=series_out if series else {},
                           computed=computed, reused=len(specs) - computed,
                           probes=[probe_out[k] for k in keys] if probes else None)
    finally:
        if own_store and db is not None:
            db.close()


def _take(records: list[Record], got, series_out, db, sc, experiment,
          probe_out: dict | None = None) -> None:
    if db is not None:
        db.add(sc, records, experiment)
    for r in records:
        got[r.key] = r.final
        if r.series is not None:
            series_out[r.key] = r.series
        if r.probes is not None and probe_out is not None:
            probe_out[r.key] = r.probes
