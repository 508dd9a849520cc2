"""report.html: one self-contained page that opens offline.

plotly.js is inlined once in the head, the figures' data sit in one JSON
block and are drawn by a short script; there is no request to any server, so
the file can be mailed, archived or opened on a train. The page is the same
document as report.md (see :mod:`inevitable.report.document`) with the
figures made interactive.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import plotly.io as pio
from plotly.offline import get_plotlyjs

from inevitable.report.document import Code, Details, Document, Items, Para, build_document
from inevitable.report.figures import Figure
from inevitable.report.tables import Numbers, Table

PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

CSS = """
:root { --ink:#1a1a1a; --muted:#555; --rule:#d8d8d8; --bg:#fff; --accent:#0072B2;
        --soft:#f5f7f9; }
* { box-sizing: border-box; }
html { font-size: 17px; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.55;
       font-family: Charter, 'Bitstream Charter', 'Sitka Text', Cambria, Georgia, serif; }
header, main, footer { max-width: 68rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 2rem; border-bottom: 1px solid var(--rule); }
h1, h2, h3, nav, table, figcaption, .note, summary, .filter, footer {
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial,
               sans-serif; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .3rem; }
h2 { font-size: 1.35rem; margin: 2.6rem 0 .6rem; padding-top: .6rem;
     border-top: 3px solid var(--accent); }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
p, ul { max-width: 44rem; }
p.lead { font-size: 1.35rem; font-weight: 600; line-height: 1.35; margin: .8rem 0; }
p.note { font-size: .85rem; color: var(--muted); }
nav { margin: 1rem 0 1.5rem; }
nav ol { columns: 2; column-gap: 2rem; padding-left: 1.4rem; margin: .3rem 0; max-width: none; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover, nav a:focus { text-decoration: underline; }
a { color: var(--accent); }
figure { margin: 1.5rem 0; }
.figure-plot { width: 100%; min-height: 320px; border: 1px solid var(--rule); border-radius: 4px; }
figcaption { font-size: .9rem; color: var(--muted); margin-top: .4rem; max-width: 50rem; }
figcaption strong { color: var(--ink); }
/* a table fits the column: a number and its interval may go on two lines (each kept
   whole), headers wrap; the scroll box is a last resort the layout test forbids */
.table-wrap { overflow-x: auto; margin: 1rem 0; max-width: 100%; }
table { border-collapse: collapse; font-size: .85rem; min-width: 50%; max-width: 100%; }
caption { text-align: left; font-size: .85rem; color: var(--muted); padding-bottom: .3rem;
          caption-side: top; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--rule); vertical-align: top;
         text-align: left; overflow-wrap: break-word; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num > span { white-space: nowrap; }
tr:hover td { background: #fafafa; }
.tag { display: inline-block; padding: 0 .45rem; border-radius: .7rem; font-size: .8rem;
       border: 1px solid currentColor; white-space: nowrap; }
.tag-supported { color: #006b4f; } .tag-contradicted { color: #a33a00; }
.tag-undecided { color: #7a5600; } .tag-not-tested { color: #555; }
.tag-cannot-test-here { color: #1f5f8b; }
.tag-high { color: #1a1a1a; font-weight: 700; } .tag-medium { color: #333; }
.tag-low { color: #666; border-style: dashed; }
details { margin: 1rem 0; } summary { cursor: pointer; color: var(--accent); }
pre { background: var(--soft); padding: .8rem 1rem; overflow-x: auto; border-radius: 4px;
      font-size: .85rem; }
.filter { margin: .5rem 0; font-size: .9rem; }
.filter input { font: inherit; padding: .2rem .4rem; min-width: 18rem; }
footer { margin-top: 3rem; padding: 1rem 1.25rem 2rem; color: var(--muted); font-size: .85rem;
         border-top: 1px solid var(--rule); }
/* narrow pages: smaller tables, and badges may wrap (after the rules they override) */
@media (max-width: 60rem) {
  table { font-size: .78rem; }
  th, td { padding: .25rem .35rem; }
  .tag { white-space: normal; }
}
@media print { nav, .filter, .modebar { display: none !important; } h2 { break-before: auto; } }
"""

SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("figure-data").textContent);
  var config = JSON.parse(document.getElementById("figure-config").textContent);
  Object.keys(data.figures).forEach(function (id) {
    var el = document.getElementById("plot-" + id);
    if (!el) { console.error("no container for figure " + id); return; }
    if (typeof Plotly === "undefined") {
      el.textContent = "This figure needs JavaScript; see the static figure files.";
      return;
    }
    var spec = data.figures[id];
    spec.layout.template = data.template;
    Plotly.newPlot(el, spec.data, spec.layout, config);
  });
  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), function (box) {
    var rows = document.querySelectorAll("#" + box.dataset.filter + " tbody tr");
    box.addEventListener("input", function () {
      var q = box.value.toLowerCase();
      Array.prototype.forEach.call(rows, function (tr) {
        tr.hidden = q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
})();
"""


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _number_cell(text: str) -> str:
    """A number and its interval as two unbreakable pieces: ``62.0% [57.2%, 66.8%]``.

    A narrow page may put the interval under the number, but never splits
    ``-27.9 pts`` or ``[57.2%, 66.8%]`` across lines.
    """
    head, sep, rest = text.partition(" [")
    pieces = [head, "[" + rest] if sep else [text]
    return " ".join(f"<span>{escape(p)}</span>" for p in pieces)


def table_html(t: Table) -> str:
    head = "".join(f'<th scope="col"{" class=num" if n else ""}>{escape(h)}</th>'
                   for h, n in zip(t.headers, t.numeric, strict=True))
    body = []
    for row in t.rows:
        cells = []
        for j, c in enumerate(row):
            if j in t.tags:
                cells.append(f'<td><span class="tag tag-{_slug(c)}">{escape(c)}</span></td>')
            elif t.numeric[j]:
                cells.append(f'<td class="num">{_number_cell(c)}</td>')
            else:
                cells.append(f"<td>{escape(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    box = ""
    if t.filterable:
        box = (f'<p class="filter"><label>Filter: <input type="search" data-filter="{t.id}" '
               f'placeholder="a word, an author, a verdict"></label></p>')
    return (f'{box}<div class="table-wrap"><table id="{t.id}"><caption>{escape(t.caption)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            "</table></div>")


def figure_html(f: Figure, number: int) -> str:
    label = escape(f"{f.title_sentence} {f.caption}", quote=True)
    return (f'<figure id="{f.id}"><div class="figure-plot" id="plot-{f.id}" role="img" '
            f'aria-label="{label}"></div><figcaption><strong>Figure {number}. '
            f"{escape(f.title_sentence)}</strong> {escape(f.caption)}</figcaption></figure>")


def block_html(b: Any, numbers: dict[str, int]) -> str:
    if isinstance(b, Para):
        return f'<p class="{b.style}">{escape(b.text)}</p>' if b.style else \
            f"<p>{escape(b.text)}</p>"
    if isinstance(b, Items):
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Code):
        return f"<pre><code>{escape(b.text)}</code></pre>"
    if isinstance(b, Details):
        inner = "".join(block_html(x, numbers) for x in b.blocks)
        return f"<details><summary>{escape(b.summary)}</summary>{inner}</details>"
    if isinstance(b, Table):
        return table_html(b)
    if isinstance(b, Figure):
        return figure_html(b, numbers[b.id])
    raise TypeError(f"unknown block {type(b).__name__}")


def _script_json(obj: Any) -> str:
    """JSON safe inside a <script> element: no ``</`` can close it early."""
    return json.dumps(obj, separators=(",", ":")).replace("</", "<\\/").replace("<!--",
                                                                               "<\\!--")


def figure_data(doc: Document) -> dict[str, Any]:
    """The figures' plotly specs, with the (shared) template stored once."""
    figures, template = {}, None
    for f in doc.figures.values():
        spec = json.loads(pio.to_json(f.plotly, validate=False))
        template = spec["layout"].pop("template", template)
        figures[f.id] = {"data": spec["data"], "layout": spec["layout"]}
    return {"figures": figures, "template": template}


def document_html(doc: Document) -> str:
    numbers = {fid: i for i, fid in enumerate(doc.figures, 1)}
    toc = "".join(f'<li><a href="#{s.id}">{escape(s.title)}</a></li>' for s in doc.sections)
    body = "".join(
        f'<section id="{s.id}" aria-labelledby="h-{s.id}"><h2 id="h-{s.id}">'
        f"{escape(s.title)}</h2>" + "".join(block_html(b, numbers) for b in s.blocks)
        + "</section>" for s in doc.sections)
    plotly_js = get_plotlyjs()
    if "</script" in plotly_js.lower():  # never in a release so far; guard the page anyway
        plotly_js = plotly_js.replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="inevitable">
<title>{escape(doc.title)}</title>
<style>{CSS}</style>
<script>{plotly_js}</script>
</head>
<body>
<header>
<h1>{escape(doc.title)}</h1>
<p class="subtitle">{escape(doc.subtitle)}</p>
<nav aria-label="Contents"><strong>Contents</strong><ol>{toc}</ol></nav>
</header>
<main>{body}</main>
<footer>Made by inevitable. This page is self-contained: it needs no network. The same
numbers are in verdict.json and report.md beside it, and the figures as PNG and SVG files in
figures/.</footer>
<script type="application/json" id="figure-data">{_script_json(figure_data(doc))}</script>
<script type="application/json" id="figure-config">{_script_json(PLOT_CONFIG)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""


def render_html(verdict: dict[str, Any], nums: Numbers | None = None) -> str:
    """The HTML page of the report for a validated verdict."""
    return document_html(build_document(verdict, nums))


def write_html(verdict: dict[str, Any], path: str | Path) -> Path:
    """Validate ``verdict`` and write report.html to ``path`` (atomically)."""
    from inevitable.report.schema import validate_verdict
    from inevitable.report.write import atomic_write

    verdict = validate_verdict(verdict)
    return atomic_write(Path(path), render_html(verdict).encode())
