"""The results store: one DuckDB file of runs, series in Parquet beside it.

Every run is a row keyed by its :meth:`RunSpec.key` (scenario content hash,
code version, parameters, branch, seed), with its provenance and final
values. A sweep asks the store which keys it already holds and runs only the
others, committing each finished batch in one transaction; a sweep killed at
any point and started again therefore completes with exactly the results of
an uninterrupted one, nothing run twice and nothing stored twice.

Only the process that drives a sweep writes; workers compute and return.
Within that process several threads may share one store (the web server
runs jobs side by side): every method holds the store's lock, because a
DuckDB connection must not be used by two threads at once.
"""

from __future__ import annotations

import functools
import hashlib
import json
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

DB_NAME = "inevitable.duckdb"

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
        except (OSError, duckdb.Error) as exc:
            raise InputError(f"cannot open the results store: {exc}", str(directory)) from None
        self.con.execute(_SCHEMA)

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
        self.con.execute("CREATE OR REPLACE TEMP TABLE wanted (key VARCHAR)")
        self.con.executemany("INSERT INTO wanted VALUES (?)", [(k,) for k in keys])
        rows = self.con.execute(
            "SELECT r.key, r.final FROM runs r JOIN wanted w USING (key)").fetchall()
        return {k: json.loads(f) for k, f in rows}

    @_serialised
    def count(self) -> int:
        return self.con.execute("SELECT count(*) FROM runs").fetchone()[0]

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

    @_serialised
    def series(self, key: str) -> dict[str, np.ndarray]:
        row = self.con.execute("SELECT series_file FROM runs WHERE key = ?", [key]).fetchone()
        if row is None or row[0] is None:
            raise KeyError(f"no series stored for run {key}")
        t = pq.read_table(self.directory / "series" / row[0], filters=[("key", "=", key)])
        out: dict[str, list] = {}
        for name, value in zip(t.column("name").to_pylist(), t.column("value").to_pylist(),
                               strict=True):
            out.setdefault(name, []).append(value)
        return {k: np.asarray(v) for k, v in out.items()}

    # -- writing -----------------------------------------------------------
    @_serialised
    def add(self, scenario, records: list, experiment: str | None = None) -> None:
        """Store a finished batch of runs in one transaction."""
        if not records:
            return
        series_file = self._write_series(records)
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = []
        for r in records:
            spec = r.spec
            branch = spec.branch
            rows.append((r.key, scenario.name, scenario.hash, _code_version(),
                         _str(spec.effective("theory")), _str(spec.effective("strategy")),
                         branch, int(spec.seed), json.dumps(spec.to_dict(), sort_keys=True),
                         json.dumps(r.final, sort_keys=True),
                         series_file if r.series is not None else None, now))
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.executemany(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING", rows)
            if experiment is not None:
                self.con.executemany(
                    "INSERT INTO experiment_runs VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [(experiment, r.key) for r in records])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    @_serialised
    def link(self, experiment: str, keys: Iterable[str]) -> None:
        """Record that ``experiment`` used these (already stored) runs."""
        self.con.executemany("INSERT INTO experiment_runs VALUES (?, ?) ON CONFLICT DO NOTHING",
                             [(experiment, k) for k in keys])

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
        path = self.directory / "series" / name
        tmp = path.with_name(name + ".part")
        pq.write_table(pa.table({"key": keys, "step": steps, "name": names, "value": values}),
                       tmp)
        tmp.replace(path)
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
        if not (path.parent if str(path.parent) else Path(".")).is_dir():
            raise InputError(f"directory '{path.parent}' does not exist", f"--export {path}")
        tmp = path.with_name(f".{path.name}.part")
        if suffix == ".parquet":
            pq.write_table(table, tmp)
        elif suffix == ".csv":
            import pyarrow.csv as pacsv

            pacsv.write_csv(table, tmp)
        else:
            tmp.write_text(json.dumps(table.to_pylist(), default=str, indent=1))
        tmp.replace(path)
        return path


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def _code_version() -> str:
    from inevitable import __version__

    return __version__
