"""One run to one file: ``.json``, ``.csv`` or ``.parquet``, chosen by extension.

Files are written to a temporary name beside the target and renamed into
place, so an interrupted write never leaves a half file where a good one was.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pyarrow.parquet as pq

from inevitable.engine.result import RunResult
from inevitable.errors import InputError

FORMATS = (".json", ".csv", ".parquet")


def check_target(path: str | Path) -> Path:
    """Fail early (before any run) if ``path`` cannot receive a result."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            f"unsupported output format '{path.suffix or '(none)'}'; use one of "
            f"{', '.join(FORMATS)}", f"--out {path}")
    if path.is_dir():
        raise InputError("is a directory", f"--out {path}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"directory '{parent}' does not exist", f"--out {path}")
    if not os.access(parent, os.W_OK):
        raise InputError(f"directory '{parent}' is not writable", f"--out {path}")
    # permissions are not the whole story (/proc, read-only mounts, quotas):
    # create and remove a file where the result will go, before any run
    probe = parent / f".{path.name}.probe-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"cannot write there ({exc.strerror or exc})", f"--out {path}") from None
    return path


def write_result(result: RunResult, path: str | Path) -> Path:
    path = check_target(path)
    tmp = path.with_name(f".{path.name}.part")
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            tmp.write_text(json.dumps(result.to_dict()) + "\n")
        elif suffix == ".csv":
            with open(tmp, "w", newline="") as fh:
                w = csv.writer(fh)
                names = list(result.series)
                w.writerow(["step", "time", *names])
                for i, label in enumerate(result.labels):
                    w.writerow([i, label, *(result.series[n][i].item() for n in names)])
        else:
            table = result.to_frame()
            meta = {k: v for k, v in result.to_dict().items() if k not in ("series", "time")}
            table = table.replace_schema_metadata({"inevitable": json.dumps(meta)})
            pq.write_table(table, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_parquet_meta(path: str | Path) -> dict:
    """The run's metadata (seed, parameters, final values) stored in a Parquet file."""
    schema = pq.read_schema(path)
    return json.loads(schema.metadata[b"inevitable"])


__all__ = ["FORMATS", "check_target", "read_parquet_meta", "write_result"]
