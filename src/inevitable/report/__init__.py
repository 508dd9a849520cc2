"""The verdict report: a verdict dict -> verdict.json, report.md, report.html, figures.

The experiments produce a plain dict (the contract is in
docs/verdict-schema.md); this package only checks and renders it:

>>> from inevitable.report import write_report
>>> paths = write_report(verdict, "results/verdict")  # doctest: +SKIP
"""

from inevitable.report.formatting import fmt, fmt_interval
from inevitable.report.html import write_html
from inevitable.report.markdown import write_markdown
from inevitable.report.schema import SCHEMA_ID, json_schema, validate_verdict
from inevitable.report.write import write_report

__all__ = ["SCHEMA_ID", "fmt", "fmt_interval", "json_schema", "validate_verdict", "write_html",
           "write_markdown", "write_report"]
