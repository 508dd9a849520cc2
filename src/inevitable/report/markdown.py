"""report.md: the report as plain Markdown, with the static figures as images.

Numeric table columns are right-aligned (``---:``) and hold numbers only, each
written by the shared formatter; that is also how the tests find them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inevitable.report.document import Code, Details, Document, Items, Para, build_document
from inevitable.report.figures import Figure
from inevitable.report.tables import Numbers, Table


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_md(t: Table) -> str:
    head = "| " + " | ".join(_cell(h) for h in t.headers) + " |"
    rule = "|" + "|".join("---:" if n else "---" for n in t.numeric) + "|"
    rows = ["| " + " | ".join(_cell(c) for c in r) + " |" for r in t.rows]
    return "\n".join([f"*{t.caption}*", "", head, rule, *rows])


def figure_md(f: Figure) -> str:
    return (f"![{f.title}](figures/{f.file}.png)\n\n"
            f"*Figure ({f.id}): {f.title_sentence} {f.caption}*")


def block_md(b: Any) -> str:
    if isinstance(b, Para):
        return f"**{b.text}**" if b.style == "lead" else (
            f"<small>{b.text}</small>" if b.style == "note" else b.text)
    if isinstance(b, Items):
        return "\n".join(f"- {i}" for i in b.items)
    if isinstance(b, Code):
        return f"```sh\n{b.text}\n```"
    if isinstance(b, Details):
        return "\n\n".join([f"**{b.summary}**", *(block_md(x) for x in b.blocks)])
    if isinstance(b, Table):
        return table_md(b)
    if isinstance(b, Figure):
        return figure_md(b)
    raise TypeError(f"unknown block {type(b).__name__}")


def document_md(doc: Document) -> str:
    parts = [f"# {doc.title}", f"*{doc.subtitle}*", "## Contents",
             "\n".join(f"{i}. [{s.title}](#{s.id})" for i, s in enumerate(doc.sections, 1))]
    for s in doc.sections:
        parts.append(f'<a id="{s.id}"></a>\n\n## {s.title}')
        parts += [block_md(b) for b in s.blocks]
    return "\n\n".join(parts) + "\n"


def render_markdown(verdict: dict[str, Any], nums: Numbers | None = None) -> str:
    """The Markdown text of the report for a validated verdict."""
    return document_md(build_document(verdict, nums))


def write_markdown(verdict: dict[str, Any], path: str | Path) -> Path:
    """Validate ``verdict`` and write report.md to ``path`` (atomically)."""
    from inevitable.report.schema import validate_verdict
    from inevitable.report.write import atomic_write

    verdict = validate_verdict(verdict)
    return atomic_write(Path(path), render_markdown(verdict).encode())
