"""Write the whole report: verdict.json, report.md, report.html and the figures.

Every file is written to a temporary name beside it and renamed into place, so
a reader (or a killed run) never sees half a file, and a verdict that fails
validation writes nothing at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inevitable.errors import InputError
from inevitable.report import static
from inevitable.report.document import build_document
from inevitable.report.html import document_html
from inevitable.report.markdown import document_md
from inevitable.report.schema import validate_verdict
from inevitable.report.tables import Numbers
from inevitable.store import files


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return files.atomic_write(path, lambda tmp: tmp.write_bytes(data))


def verdict_json(verdict: dict[str, Any]) -> str:
    """The verdict as strict JSON (no NaN: validation has turned them into null)."""
    return json.dumps(verdict, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_report(verdict: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Validate ``verdict`` and write the report into ``out_dir``.

    Returns the written files by their path relative to ``out_dir``:
    ``verdict.json``, ``report.md``, ``report.html`` and ``figures/<id>.png``
    and ``.svg`` for each figure.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("is a file, not a directory; give a directory for the report",
                         str(out))
    verdict = validate_verdict(verdict)
    doc = build_document(verdict, Numbers(verdict))
    written: dict[str, Path] = {}
    for fig in doc.figures.values():
        for ext in ("png", "svg"):
            rel = f"figures/{fig.file}.{ext}"
            written[rel] = atomic_write(out / rel, static.render(fig.static, ext))
    written["verdict.json"] = atomic_write(out / "verdict.json", verdict_json(verdict).encode())
    written["report.md"] = atomic_write(out / "report.md", document_md(doc).encode())
    written["report.html"] = atomic_write(out / "report.html", document_html(doc).encode())
    return written
