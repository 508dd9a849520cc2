"""The report's layout, measured in headless Chromium: nothing overlaps, nothing runs off.

A figure drawn over the table below it, or a table whose last columns lie
past the edge of the page, hides numbers the reader came for. Each report is
opened at 1300 and 800 px wide with every folded table unfolded, and the
page's own bounding boxes (getBoundingClientRect) are checked: no figure
(its box, its plot's SVG, any image in it) intersects another block of the
page, and no table, figure or block reaches past the content column or
makes the page scroll sideways.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from synthetic import synthetic_verdict
from test_report import CHROMIUM, CHROMIUM_ARGS

from inevitable.report import write_report

WIDTHS = (1300, 800)
SLACK = 1.0  # px: sub-pixel rounding between a box and its neighbour

# every box of the page as {kind, id, box}; a figure's plot SVGs and images too
MEASURE = """() => {
  const main = document.querySelector('main');
  const m = main.getBoundingClientRect();
  const pad = parseFloat(getComputedStyle(main).paddingRight);
  const padl = parseFloat(getComputedStyle(main).paddingLeft);
  const box = el => { const r = el.getBoundingClientRect();
    return {left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX,
            bottom: r.bottom + scrollY, width: r.width, height: r.height}; };
  const name = el => el.id || (el.closest('[id]') || {id: '?'}).id + ' ' + el.tagName;
  const blocks = Array.from(main.querySelectorAll(
      'h2, p, ul, pre, summary, .table-wrap, table, figure, figcaption, .figure-plot'))
    .filter(el => el.getClientRects().length > 0)
    .map(el => ({el, name: name(el), tag: el.tagName, box: box(el)}));
  const figures = Array.from(main.querySelectorAll('figure')).map(f => ({
    name: f.id, parts: [f, ...f.querySelectorAll('svg.main-svg, img')]
      .filter(el => el.getClientRects().length > 0)
      .map(el => ({tag: el.tagName, box: box(el)})),
    related: blocks.filter(b => f.contains(b.el) || b.el.contains(f)).map(b => b.name)}));
  const tables = Array.from(main.querySelectorAll('table')).map(t => ({
    name: t.id, box: box(t),
    wrap: t.parentElement.scrollWidth - t.parentElement.clientWidth}));
  return {content: {left: m.left + scrollX + padl, right: m.right + scrollX - pad},
          page: {scroll: document.documentElement.scrollWidth,
                 client: document.documentElement.clientWidth},
          blocks: blocks.map(b => ({name: b.name, tag: b.tag, box: b.box})),
          figures, tables,
          drawn: Array.from(document.querySelectorAll('.figure-plot'))
            .filter(el => el.querySelector('.main-svg .trace')).length,
          plots: document.querySelectorAll('.figure-plot').length};
}"""


def overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """The area two boxes share, less SLACK on every side (0 when they only touch)."""
    w = min(a["right"], b["right"]) - max(a["left"], b["left"]) - SLACK
    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) - SLACK
    return max(w, 0.0) * max(h, 0.0)


def problems(seen: dict[str, Any]) -> list[str]:
    """Every overlap and overrun on a measured page, in words."""
    out = []
    right = seen["content"]["right"] + SLACK
    left = seen["content"]["left"] - SLACK
    if seen["page"]["scroll"] > seen["page"]["client"]:
        out.append(f"the page scrolls sideways ({seen['page']['scroll']} px of content in "
                   f"{seen['page']['client']} px)")
    for f in seen["figures"]:
        for part in f["parts"]:
            if part["box"]["right"] > right or part["box"]["left"] < left:
                out.append(f"figure {f['name']} ({part['tag']}) spans "
                           f"{part['box']['left']:.0f}-{part['box']['right']:.0f} px, past "
                           f"the content column {left:.0f}-{right:.0f}")
            for b in seen["blocks"]:
                if b["name"] in f["related"] or b["name"] == f["name"]:
                    continue
                if overlap(part["box"], b["box"]) > 0:
                    out.append(f"figure {f['name']} ({part['tag']}) overlaps {b['name']}")
    for t in seen["tables"]:
        if t["box"]["right"] > right:
            out.append(f"table {t['name']} ends at {t['box']['right']:.0f} px, past the "
                       f"content column's {right:.0f}")
        if t["wrap"] > 0:
            out.append(f"table {t['name']} scrolls sideways by {t['wrap']} px")
    return out


def measure(html: Path, width: int) -> dict[str, Any]:
    """Open ``html`` offline at ``width`` px, unfold every table, wait for the plots, measure."""
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed ([test] extra)")
    url = html.resolve().as_uri()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
            page.goto(url, wait_until="load")
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.figure-plot'))"
                ".every(el => el.querySelector('.main-svg'))", timeout=15_000)
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            page.wait_for_timeout(300)  # let the unfolded tables and any resize settle
            return page.evaluate(MEASURE)
        finally:
            browser.close()


def flagship_shaped() -> dict[str, Any]:
    """The synthetic verdict with the flagship's widest parts: its outcomes (chances,
    indices and months side by side in the comparison) and its whole claims ledger."""
    from inevitable.scenarios.loader import scenario

    sc = scenario("soviet-1923")
    v = synthetic_verdict()
    outcomes = {name: o.kind for name, o in sc.spec.outcomes.items()}
    for k, arm in enumerate(v["compare"]["arms"]):
        for name, kind in outcomes.items():
            if kind != "binary":  # an index in [0, 1] or a month index, as printed
                mid = 26.8 + k if kind == "month" else 0.127 + k / 1000
                arm[name] = {"value": mid, "low": -7.03e-4 - mid, "high": 2 * mid + 0.05,
                             "n": 400}
            else:
                arm.setdefault(name, {"value": 0.5, "low": 0.45, "high": 0.55, "n": 400})
    v["compare"]["outcomes"] = list(outcomes)
    v["units"] = {n: "probability" if kind == "binary" else "number"
                  for n, kind in outcomes.items()}
    words = ("supported", "contradicted", "undecided", "cannot test here", "not tested")
    v["claims"] = [{"id": c.id, "author": c.author, "page": c.page, "kind": c.kind,
                    "says": c.says, "verdict": words[i % len(words)],
                    "evidence": f"effect of the mechanism 'repression_on' on defeat: "
                                f"+{i % 90}.5% [+{i % 50}.0%, +{i % 90 + 9}.0%]",
                    "confidence": ("high", "medium", "low")[i % 3]}
                   for i, c in enumerate(sc.spec.claims)]
    return v


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """The synthetic verdict (every table, four strategies), the same with the flagship's
    outcomes and ledger, and a computed toy verdict."""
    from inevitable.experiments.verdict import verdict

    out = {"synthetic": write_report(synthetic_verdict(),
                                     tmp_path_factory.mktemp("layout-synthetic")),
           "flagship-shaped": write_report(flagship_shaped(),
                                           tmp_path_factory.mktemp("layout-flagship"))}
    toy = verdict("toy", "quick", backend="serial", progress=False)
    out["toy"] = write_report(toy, tmp_path_factory.mktemp("layout-toy"))
    return {k: v["report.html"] for k, v in out.items()}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["synthetic", "flagship-shaped", "toy"])
def test_no_figure_overlaps_and_no_table_runs_off_the_page(reports, which, width):
    seen = measure(reports[which], width)
    assert seen["plots"] > 0 and seen["drawn"] == seen["plots"]  # it measured drawn figures
    assert seen["tables"] and seen["blocks"]
    found = problems(seen)
    assert not found, f"{which} at {width} px:\n" + "\n".join(found[:20])


def test_the_check_sees_an_overlap_and_an_overrun():
    # two boxes that share a corner overlap; two that only touch do not
    a = {"left": 0, "top": 0, "right": 100, "bottom": 100}
    assert overlap(a, {"left": 50, "top": 90, "right": 150, "bottom": 200}) > 0
    assert overlap(a, {"left": 0, "top": 100, "right": 100, "bottom": 200}) == 0
    seen = {"content": {"left": 20, "right": 780}, "page": {"scroll": 900, "client": 800},
            "blocks": [{"name": "table-x", "tag": "TABLE",
                        "box": {"left": 20, "top": 380, "right": 900, "bottom": 500}}],
            "figures": [{"name": "fig-a", "related": [], "parts": [
                {"tag": "svg", "box": {"left": 20, "top": 0, "right": 780, "bottom": 400}}]}],
            "tables": [{"name": "table-x", "wrap": 120,
                        "box": {"left": 20, "top": 380, "right": 900, "bottom": 500}}]}
    found = problems(seen)
    assert any("overlaps table-x" in p for p in found)
    assert any("ends at 900 px" in p for p in found)
    assert any("scrolls sideways by 120" in p for p in found)
    assert any("page scrolls sideways" in p for p in found)
