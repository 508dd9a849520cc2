"""The results store: one DuckDB file of runs, series in Parquet beside it.

Every run is a row keyed by its :meth:`RunSpec.key` (scenario content hash,
code version, parameters, branch, seed), with its provenance and final
values. A sweep asks the store which keys it already holds and runs only the
others, committing each finished batch in one transaction; a sweep killed at
any point and started again therefore completes with exactly the results of
an uninterrupted one, nothing run twice and nothing stored twice.

What a kill can leave is only ever a whole batch or none of it. A batch's
series file is written under a temporary name, synced and renamed whole
before the one transaction that stores its rows (and names the file)
commits; DuckDB's write-ahead log drops, when the store is next opened, a
transaction that never committed. Opening the store then removes what such a
writer can leave beside the database: temporary series files, and whole
series files that no stored run names (written, but their rows never
committed). A run stored earlier without its series gets them when a later
sweep that wants series computes it again, so no sweep after that one has to.

Only the process that drives a sweep writes; workers compute and return.
Within that process several threads may share one store (the web server
runs jobs side by side): every method holds the store's lock, because a
DuckDB connection must not be used by two threads at once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from inevitable.errors import InputError
from inevitable.store.files import atomic_write, check_target, reason, writing

DB_NAME = "inevitable.duckdb"
# held from writing a batch's series file to committing its rows, so that a
# store opened meanwhile on the same directory in this process does not take
# the file for a dead writer's leftover
_WRITING = threading.Lock()
_RUN_COLUMNS = ("key", "scenario", "scenario_hash", "code_version", "theory", "strategy",
                "branch", "seed", "spec", "final", "series_file", "created")
_RUN_TYPES = (pa.string(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(),
              pa.int32(), pa.int64(), pa.string(), pa.string(), pa.string(), pa.timestamp("us"))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key VARCHAR PRIMARY KEY,
    scenario VARCHAR,
    scenario_hash VARCHAR,
    code_version VARCHAR,
    theory VARCHAR,
    strategy VARCHAR,
    branch INTEGER,
    seed BIGINT,
    spec VARCHAR,
    final VARCHAR,
    series_file VARCHAR,
    created TIMESTAMP
);
CREATE TABLE IF NOT EXISTS experiments (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR,
    scenario VARCHAR,
    request VARCHAR,
    created TIMESTAMP
);
CREATE TABLE IF NOT EXISTS experiment_runs (
    experiment VARCHAR,
    key VARCHAR,
    PRIMARY KEY (experiment, key)
);
"""


def _serialised(method):
    """Run a store method under the store's lock (one thread at a time)."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class RunStore:
    """Open (or create) the store in ``directory``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.RLock()
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError("is a file, not a results directory", str(directory))
        try:
            (self.directory / "series").mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.directory / DB_NAME))
        except OSError as exc:
            raise InputError(f"cannot open the results store ({reason(exc)})",
                             str(directory)) from None
        except duckdb.Error as exc:
            raise InputError(f"cannot open the results store: {exc}", str(directory)) from None
        self.con.execute(_SCHEMA)
        self._sweep_leftovers()

    def _sweep_leftovers(self) -> None:
        """Remove the series files a killed writer left behind.

        A ``.part`` file is a series file its writer never finished; a
        ``.parquet`` file that no run names is one whose rows never committed.
        Neither is anything but garbage once its writer is gone, and it is
        gone: DuckDB lets one process at a time open the store for writing
        (this one, now), and within this process every writer holds the
        module's lock from the file to the commit, taken here too.
        """
        with _WRITING:
            folder = self.directory / "series"
            named = {f for (f,) in self.con.execute(
                "SELECT DISTINCT series_file FROM runs WHERE series_file IS NOT NULL"
            ).fetchall()}
            for f in folder.iterdir():
                dead = f.name.endswith(".part") or (f.suffix == ".parquet"
                                                    and f.name not in named)
                if dead and f.is_file():
                    f.unlink(missing_ok=True)

    @_serialised
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading -----------------------------------------------------------
    @_serialised
    def existing(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Final values of the runs among ``keys`` that are already stored."""
        keys = list(keys)
        if not keys:
            return {}
        # one Arrow table, not a row per key: a sweep of thousands asks for all at once
        self.con.register("_wanted", pa.table({"key": pa.array(keys, pa.string())}))
        try:
            rows = self.con.execute(
                "SELECT r.key, r.final FROM runs r JOIN _wanted w USING (key)").fetchall()
        finally:
            self.con.unregister("_wanted")
        return {k: json.loads(f) for k, f in rows}

    @_serialised
    def count(self) -> int:
        return self.con.execute("SELECT count(*) FROM runs").fetchall()[0][0]

    @_serialised
    def table(self) -> pa.Table:
        """All runs, one row each (final values as JSON text)."""
        rel = self.con.sql(
            "SELECT key, scenario, scenario_hash, code_version, theory, strategy, branch, "
            "seed, spec, final, series_file, created FROM runs ORDER BY created, key")
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
        return fetch()

    @_serialised
    def summary(self) -> list[tuple]:
        return self.con.execute(
            "SELECT scenario, theory, strategy, count(*) AS runs FROM runs "
            "GROUP BY ALL ORDER BY ALL").fetchall()

    def series(self, key: str) -> dict[str, np.ndarray]:
        """The series of one stored run; KeyError if it has none."""
        found = self.series_of([key])
        if key not in found:
            raise KeyError(f"no series stored for run {key}")
        return found[key]

    @_serialised
    def series_of(self, keys: Iterable[str], names: Iterable[str] | None = None
                  ) -> dict[str, dict[str, np.ndarray]]:
        """The series of those ``keys`` whose runs have them stored (``names`` only, if given).

        A batch's runs share one Parquet file, so the keys are grouped by file
        and each file is read once: read key by key, a rerun of a 261,000-run
        calibration spent longer reading its probes back than the runs had
        taken to compute (docs/performance.md).
        """
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        self.con.register("_wanted", pa.table({"key": pa.array(keys, pa.string())}))
        try:
            rows = self.con.execute(
                "SELECT r.series_file, r.key FROM runs r JOIN _wanted w USING (key) "
                "WHERE r.series_file IS NOT NULL ORDER BY ALL").fetchall()
        finally:
            self.con.unregister("_wanted")
        by_file: dict[str, list[str]] = {}
        for file, key in rows:
            by_file.setdefault(file, []).append(key)
        wanted = None if names is None else sorted(set(names))
        out: dict[str, dict[str, np.ndarray]] = {}
        for file, file_keys in by_file.items():
            filters = [("key", "in", file_keys)]
            if wanted is not None:
                filters.append(("name", "in", wanted))
            t = pq.read_table(self.directory / "series" / file, filters=filters,
                              columns=["key", "name", "value"], read_dictionary=["key", "name"])
            _split(t, out)
        return out

    # -- writing -----------------------------------------------------------
    @_serialised
    def add(self, scenario, records: list, experiment: str | None = None) -> None:
        """Store a finished batch of runs: all of it, or (killed, failed) none of it.

        The rows go in as one Arrow table in one transaction: row by row,
        DuckDB took about 6 ms a run, a hundred times what the compiled toy
        takes to compute one, so storing was most of a toy sweep. A run
        already stored keeps its row, except that it takes the series file if
        it had none (a sweep that wants series reran it for them, and must not
        have to again).
        """
        if not records:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        version = _code_version()
        with _WRITING:  # no store of this process sweeps leftovers meanwhile
            series_file = self._write_series(records)
            rows = []
            # one row per key (a sweep given the same spec twice computes it twice)
            for r in {r.key: r for r in reversed(records)}.values():
                spec = r.spec
                rows.append((r.key, scenario.name, scenario.hash, version,
                             _str(spec.effective("theory")), _str(spec.effective("strategy")),
                             spec.branch, int(spec.seed),
                             json.dumps(spec.to_dict(), sort_keys=True),
                             json.dumps(r.final, sort_keys=True),
                             series_file if r.series is not None else None, now))
            batch = pa.table([pa.array(col, t) for col, t in
                              zip(zip(*rows, strict=True), _RUN_TYPES, strict=True)],
                             names=list(_RUN_COLUMNS))
            cols = ", ".join(_RUN_COLUMNS)
            self.con.register("_batch", batch)
            try:
                self.con.execute("BEGIN TRANSACTION")
                try:
                    self.con.execute(
                        f"INSERT INTO runs ({cols}) SELECT {cols} FROM _batch "
                        "ON CONFLICT (key) DO UPDATE SET series_file = EXCLUDED.series_file "
                        "WHERE runs.series_file IS NULL")
                    if experiment is not None:
                        self._link(experiment, [r.key for r in records])
                    self.con.execute("COMMIT")
                except BaseException:
                    self.con.execute("ROLLBACK")
                    if series_file is not None:
                        self._drop_if_unnamed(series_file)
                    raise
            finally:
                self.con.unregister("_batch")

    @_serialised
    def link(self, experiment: str, keys: Iterable[str]) -> None:
        """Record that ``experiment`` used these (already stored) runs, all or none."""
        keys = list(keys)
        if not keys:
            return
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._link(experiment, keys)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def _link(self, experiment: str, keys: list[str]) -> None:
        """Insert the links inside the caller's transaction."""
        self.con.register("_links", pa.table({"experiment": pa.array([experiment] * len(keys),
                                                                     pa.string()),
                                              "key": pa.array(keys, pa.string())}))
        try:
            self.con.execute("INSERT INTO experiment_runs SELECT experiment, key FROM _links "
                             "ON CONFLICT DO NOTHING")
        finally:
            self.con.unregister("_links")

    def _drop_if_unnamed(self, name: str) -> None:
        """Remove a series file no stored run names (its batch was rolled back)."""
        named = self.con.execute("SELECT 1 FROM runs WHERE series_file = ? LIMIT 1",
                                 [name]).fetchall()
        if not named:
            (self.directory / "series" / name).unlink(missing_ok=True)

    @_serialised
    def add_experiment(self, kind: str, scenario, request: dict[str, Any]) -> str:
        body = json.dumps({"kind": kind, "scenario": scenario.hash, "request": request},
                          sort_keys=True, default=str)
        ident = hashlib.sha256(body.encode()).hexdigest()[:16]
        self.con.execute(
            "INSERT INTO experiments VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [ident, kind, scenario.name, body, datetime.now(UTC).replace(tzinfo=None)])
        return ident

    def _write_series(self, records: list) -> str | None:
        with_series = [r for r in records if r.series is not None]
        if not with_series:
            return None
        keys, steps, names, values = [], [], [], []
        for r in with_series:
            for name, arr in r.series.items():
                n = len(arr)
                keys.extend([r.key] * n)
                steps.extend(range(n))
                names.extend([name] * n)
                values.extend(np.asarray(arr, dtype=np.float64).tolist())
        digest = hashlib.sha256("".join(sorted(r.key for r in with_series)).encode())
        name = f"{digest.hexdigest()[:24]}.parquet"
        table = pa.table({"key": keys, "step": steps, "name": names, "value": values})

        def write(tmp: Path) -> None:
            pq.write_table(table, tmp)
            with open(tmp, "rb") as fh:  # on disk before the rows that name it commit
                os.fsync(fh.fileno())

        atomic_write(self.directory / "series" / name, write)
        return name

    @_serialised
    def export(self, path: str | Path) -> Path:
        """Write the runs table to ``.csv``, ``.parquet`` or ``.json``."""
        path = Path(path)
        table = self.table()
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet", ".json"):
            raise InputError(f"unsupported export format '{suffix or '(none)'}'; use .csv, "
                             ".parquet or .json", f"--export {path}")
        check_target(path, "--export", (".csv", ".parquet", ".json"))

        def write(tmp: Path) -> None:
            if suffix == ".parquet":
                pq.write_table(table, tmp)
            elif suffix == ".csv":
                import pyarrow.csv as pacsv

                pacsv.write_csv(table, tmp)
            else:
                tmp.write_text(json.dumps(table.to_pylist(), default=str, indent=1))

        with writing(path, "--export"):
            return atomic_write(path, write)


def _split(t: pa.Table, out: dict[str, dict[str, np.ndarray]]) -> None:
    """Cut a series file's rows into one array per (run, series).

    The writer puts each run's series one after another, every series's steps
    in order, so a (key, name) pair is one contiguous block of rows.
    """
    if t.num_rows == 0:
        return
    t = t.unify_dictionaries()  # row groups may each carry their own dictionary
    key = t.column("key").combine_chunks()
    name = t.column("name").combine_chunks()
    k_idx = key.indices.to_numpy(zero_copy_only=False)
    n_idx = name.indices.to_numpy(zero_copy_only=False)
    value = t.column("value").to_numpy()
    starts = np.flatnonzero(np.r_[True, (np.diff(k_idx) != 0) | (np.diff(n_idx) != 0)])
    stops = np.r_[starts[1:], len(value)]
    k_names = key.dictionary.to_pylist()
    n_names = name.dictionary.to_pylist()
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        out.setdefault(k_names[k_idx[a]], {})[n_names[n_idx[a]]] = value[a:b].copy()


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def _code_version() -> str:
    from inevitable import __version__

    return __version__
