"""One run to one file: ``.json``, ``.csv`` or ``.parquet``, chosen by extension;
and the checks and the writing every output path of the CLI goes through.

Files are written to a temporary name beside the target and renamed into
place, so an interrupted write never leaves a half file where a good one was.
A target is checked before any run (:func:`check_target`,
:func:`check_directory`): the directory must exist and take a file, tried by
creating and removing one, since permission bits say nothing on a read-only
or virtual file system (``/proc``) or to root. A write that fails anyway
(the disk filled meanwhile) is an :class:`~inevitable.errors.InputError`
naming the path, and leaves no temporary file behind.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq

from inevitable.engine.result import RunResult
from inevitable.errors import InputError

FORMATS = (".json", ".csv", ".parquet")


def reason(exc: OSError) -> str:
    """What the system said, without the errno and the path we name ourselves."""
    return exc.strerror or str(exc).splitlines()[0] or type(exc).__name__


def _new_file(directory: Path, prefix: str, suffix: str) -> Path:
    """Create an empty file of a new, unique name in ``directory``.

    Unlike :func:`tempfile.mkstemp` it is created with the mode the user's umask
    gives (a result renamed into place must not end up readable by its owner only).
    """
    while True:
        path = directory / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path


def _probe(directory: Path, where: str) -> None:
    """Create and remove a file in ``directory``: the one sure test that it takes one."""
    try:
        _new_file(directory, ".inevitable-", ".probe").unlink()
    except OSError as exc:
        raise InputError(f"cannot write there ({reason(exc)})", where) from None


def check_target(path: str | Path, option: str = "--out",
                 formats: tuple[str, ...] = FORMATS) -> Path:
    """Fail early (before any run) if ``path`` cannot receive a result."""
    path = Path(path)
    where = f"{option} {path}"
    if path.suffix.lower() not in formats:
        raise InputError(
            f"unsupported output format '{path.suffix or '(none)'}'; use one of "
            f"{', '.join(formats)}", where)
    if path.is_dir():
        raise InputError("is a directory", where)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"directory '{parent}' does not exist", where)
    if not os.access(parent, os.W_OK):
        raise InputError(f"directory '{parent}' is not writable", where)
    _probe(parent, where)
    return path


def check_directory(path: str | Path, option: str) -> Path:
    """Fail early if ``path`` is not, and cannot be made, a directory that takes files.

    Nothing is created: a directory that does not exist yet is checked by
    its nearest existing ancestor, where it would be made.
    """
    path = Path(path)
    where = f"{option} {path}"
    if path.exists() and not path.is_dir():
        raise InputError("is a file, not a directory", where)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"'{existing}' is a file, not a directory", where)
    _probe(existing, where)
    return path


@contextmanager
def writing(path: str | Path, option: str = "--out") -> Iterator[None]:
    """Turn a failed write into one line naming the option and the path."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot write there ({reason(exc)})", f"{option} {path}") from None


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    The temporary file has a unique name (two writers never share one) and is
    removed whatever happens; the target is either the old file or the whole
    new one.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    tmp = _new_file(parent, f".{path.name}.", ".part")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` whole or not at all (a reader never sees half a JSON file)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_result(result: RunResult, path: str | Path) -> Path:
    """Write one run to ``path`` in the format its extension names, whole or not at all."""
    path = check_target(path)
    suffix = path.suffix.lower()

    def write(tmp: Path) -> None:
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

    with writing(path):
        return atomic_write(path, write)


def read_parquet_meta(path: str | Path) -> dict:
    """The run's metadata (seed, parameters, final values) stored in a Parquet file."""
    schema = pq.read_schema(path)
    return json.loads(schema.metadata[b"inevitable"])


__all__ = ["FORMATS", "atomic_write", "check_directory", "check_target", "read_parquet_meta",
           "write_result", "write_text", "writing"]
