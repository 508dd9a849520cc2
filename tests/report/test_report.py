"""The verdict report: schema, numbers that agree everywhere, a page that works offline."""

from __future__ import annotations

import copy
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from synthetic import synthetic_verdict

from inevitable.errors import InputError
from inevitable.report import (
    fmt,
    fmt_interval,
    json_schema,
    validate_verdict,
    write_html,
    write_markdown,
    write_report,
)
from inevitable.report.tables import all_numbers, join_path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# a number as the shared formatter writes it: 68.3%, +12.3 pts, ±4.1 pts, 0.0123, 2.00e+07, n/a
TOKEN = re.compile(r"n/a|±\d+\.\d pts|[+-]?\d+(?:\.\d+)?(?:e[+-]\d+)?(?:%| pts| s)?")


@pytest.fixture(scope="module")
def verdict() -> dict[str, Any]:
    return synthetic_verdict()


@pytest.fixture(scope="module")
def report(tmp_path_factory, verdict) -> dict[str, Path]:
    """The written report's files, by path relative to its directory."""
    return write_report(verdict, tmp_path_factory.mktemp("report"))


def numeric_leaves(node: Any, path: tuple = ()) -> dict[str, Any]:
    """Every number of a JSON tree (and every null where a number may stand), by path."""
    out: dict[str, Any] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            out.update(numeric_leaves(v, (*path, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.update(numeric_leaves(v, (*path, i)))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        out[join_path(path)] = node
    return out


def md_tables(md: str) -> list[tuple[list[str], list[bool], list[list[str]]]]:
    """Markdown tables as (headers, right-aligned columns, rows)."""
    def cells(line: str) -> list[str]:
        parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        return [p.strip().replace("\\|", "|") for p in parts]

    lines, tables, i = md.splitlines(), [], 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.fullmatch(r"\|(-+:?\|)+", lines[i + 1]):
            headers = cells(lines[i])
            numeric = [r.endswith(":") for r in lines[i + 1].strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            tables.append((headers, numeric, rows))
        else:
            i += 1
    return tables


# (a) the schema ------------------------------------------------------------------------

def test_schema_accepts_a_complete_verdict(verdict):
    cleaned = validate_verdict(verdict)
    assert cleaned == json.loads(json.dumps(verdict))


def _break(path: str, value: Any = "<delete>"):
    def mutate(v: dict) -> None:
        parts = [int(p) if p.isdigit() else p for p in path.split("/")]
        node = v
        for p in parts[:-1]:
            node = node[p]
        if value == "<delete>":
            del node[parts[-1]]
        else:
            node[parts[-1]] = value
    return mutate


@pytest.mark.parametrize(("mutate", "message"), [
    (_break("curve"), "verdict.curve: Field required"),
    (_break("schema", "inevitable-verdict/2"), "unknown schema 'inevitable-verdict/2'"),
    (_break("theories/posterior/T", 0.5), "posterior must sum to 1"),
    (_break("compare/arms/2/defeat/low", 0.99), "compare.arms[2].defeat: low (0.99) is above"),
    (_break("compare/arms/1/survives"), "arms[1] (class-struggle) has no estimate for 'survives'"),
    (_break("curve/points/3/best", "wait-and-see"), "points[3].best 'wait-and-see' is not in"),
    (_break("curve/points/0/branch", "June 1923"), "curve.points[0].branch: String should match"),
    (_break("claims/0/verdict", "probably"), "verdict.claims[0].verdict: Input should be"),
    (_break("fans/historical/fear/q50", [0.1] * 10), "q50 has 10 values for 84 labels"),
    (_break("answer/sentences", ["Only one."]), "verdict.answer.sentences: List should have"),
    (_break("sensitivity/ST", [0.1]), "ST has 1 values for 6 names"),
    (_break("sensitivity/convergence/1/ST", [0.1]), "convergence[1].ST has 1 values for 6"),
    (_break("sensitivity/convergence/2/samples", 16), "convergence samples [16, 32, 16, 128]"),
    (_break("sensitivity/samples", 256), "the last convergence level has 128 samples"),
    (_break("sensitivity/agency/samples_needed", 0), "samples_needed: Input should be greater"),
    (_break("sensitivity/agency/too_few_runs", True), "too few runs, but no samples_needed"),
    (_break("budget/name", "huge"), "verdict.budget.name: Input should be"),
    (_break("reproducibility/seed", "abc"), "verdict.reproducibility.seed: Input should be"),
    (_break("verdikt", 1), "verdict.verdikt: Extra inputs are not permitted"),
    (_break("plausibility/strategies/1/per_bound/cadre-at-most-100k"),
     "strategies[1] (class-struggle) lacks bounds ['cadre-at-most-100k']"),
    (_break("plausibility/bounds/0/source"),
     "verdict.plausibility.bounds[0].source: Field required"),
    (_break("headline_within_bounds/kept", 401), "kept (401) exceeds pairs (400)"),
    (_break("headline_within_bounds/rows/0/low", 0.99),
     "headline_within_bounds.rows[0]: estimate (0.95) is outside [0.99, 1.0]"),
])
def test_schema_rejects_a_broken_verdict_with_a_clear_message(verdict, mutate, message):
    broken = copy.deepcopy(verdict)
    mutate(broken)
    with pytest.raises(InputError) as err:
        validate_verdict(broken)
    assert message in str(err.value)


def test_schema_lists_every_problem_at_once(verdict):
    broken = copy.deepcopy(verdict)
    del broken["curve"]
    broken["claims"][0]["confidence"] = "total"
    with pytest.raises(InputError) as err:
        validate_verdict(broken)
    assert "verdict.curve" in str(err.value) and "claims[0].confidence" in str(err.value)


def test_non_finite_numbers_become_null_and_read_n_a(verdict, tmp_path):
    v = copy.deepcopy(verdict)
    v["compare"]["differences"][0]["runs_saved_by_pairing"] = float("nan")
    v["sensitivity"]["ST_conf"][0] = float("inf")
    paths = write_report(v, tmp_path)
    saved = json.loads(paths["verdict.json"].read_text())
    assert saved["compare"]["differences"][0]["runs_saved_by_pairing"] is None
    assert saved["sensitivity"]["ST_conf"][0] is None
    assert "| strategy | 0.180 | 0.030 | 0.270 | n/a |" in paths["report.md"].read_text()


def test_docs_hold_the_schema_the_code_checks():
    text = (ROOT / "docs" / "verdict-schema.md").read_text()
    block = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert block, "docs/verdict-schema.md has no ```json block"
    assert json.loads(block.group(1)) == json_schema(), (
        "docs/verdict-schema.md is out of date: paste "
        "json.dumps(inevitable.report.json_schema(), indent=2)")


# (b) numbers -----------------------------------------------------------------------------

def test_formatter_writes_each_kind_one_way():
    assert fmt(0.6834, "prob") == "68.3%"
    assert fmt(-1e-9, "prob") == "0.0%"
    assert fmt(0.123, "pts") == "+12.3 pts" and fmt(-0.0004, "pts") == "0.0 pts"
    assert fmt(0.041, "pm_pts") == "±4.1 pts"
    assert fmt(400, "int") == "400" and fmt(117.34, "seconds") == "117.3 s"
    assert fmt(-0.002, "index") == "-0.002" and fmt(-0.0002, "index") == "0.000"
    assert fmt(0.012345) == "0.0123" and fmt(0.01) == "0.01" and fmt(1234.5) == "1234"
    assert fmt(None, "prob") == "n/a" and fmt(float("nan")) == "n/a"
    assert fmt_interval({"value": 0.42, "low": 0.354, "high": 0.489}) == "42.0% [35.4%, 48.9%]"


def assert_json_numbers_are_in_md(paths: dict[str, Path]) -> None:
    saved = json.loads(paths["verdict.json"].read_text())
    md = paths["report.md"].read_text()
    shown = all_numbers(saved)
    leaves = numeric_leaves(saved)
    # the fans' full monthly series live in verdict.json and the figures; the md quotes
    # their last month only
    # and so do the survival curves' monthly shares (the md gives the end of each)
    missing = [p for p in leaves if p not in shown and not p.startswith("fans.")
               and ".alive[" not in p]
    assert not missing, f"numbers of verdict.json not in report.md: {missing[:10]}"
    for path, (kind, text) in shown.items():
        value = saved
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
            value = value[int(part[1:-1])] if part.startswith("[") else value[part]
        assert text == fmt(value, kind), path
        assert text in md, f"{path} = {text} is not in report.md"


def assert_md_numbers_are_json_numbers(paths: dict[str, Path]) -> int:
    saved = json.loads(paths["verdict.json"].read_text())
    md = paths["report.md"].read_text()
    allowed = {text for _, text in all_numbers(saved).values()}
    checked = 0
    for headers, numeric, rows in md_tables(md):
        for row in rows:
            for j, cell in enumerate(row):
                if not numeric[j]:
                    continue
                tokens = TOKEN.findall(cell)
                assert tokens, f"empty numeric cell in column '{headers[j]}'"
                assert re.fullmatch(r"[\s\[\],]*", TOKEN.sub("", cell)), (
                    f"text besides numbers in '{headers[j]}': {cell!r}")
                stray = [t for t in tokens if t not in allowed]
                assert not stray, f"{stray} in column '{headers[j]}' are not in verdict.json"
                checked += len(tokens)
    return checked


def test_every_number_of_verdict_json_is_in_report_md(report):
    assert_json_numbers_are_in_md(report)


def test_every_number_in_report_md_tables_is_a_number_of_verdict_json(report):
    assert assert_md_numbers_are_json_numbers(report) > 500  # it looked at the tables


def test_unusual_verdicts_keep_md_and_json_equal(verdict, tmp_path):
    """Given key numbers, a non-probability outcome, no theories, empty sections."""
    v = copy.deepcopy(verdict)
    v["answer"]["numbers"] = [
        {"label": "inevitability from 1923-06 under C", "value": 0.58, "low": 0.511,
         "high": 0.646, "n": 200, "kind": "probability"},
        {"label": "months to the left turn", "value": 61.37, "low": 58.2, "high": 64.9,
         "n": 400, "kind": "number"}]
    del v["units"]
    v["compare"]["outcomes"].append("left_turn_month")
    for i, arm in enumerate(v["compare"]["arms"]):
        arm["theory"] = None
        arm["left_turn_month"] = {"value": 60 + i / 3, "low": 57.5 + i / 3,
                                  "high": 62.5 + i / 3, "n": 400}
    v["compare"]["differences"] = [
        {"theory": None, "strategy": "class-struggle", "reference": "historical",
         "outcome": "left_turn_month", "value": -2.25, "low": -3.5, "high": -1.0, "n": 400,
         "unpaired_half_width": 2.1, "runs_saved_by_pairing": 0.65}]
    v["curve"]["points"] = [dict(p, theory=None) for p in v["curve"]["points"]
                            if p["theory"] == "C"]
    v["discovery"], v["assumptions"], v["claims"] = [], [], []
    paths = write_report(v, tmp_path)
    assert_json_numbers_are_in_md(paths)
    assert assert_md_numbers_are_json_numbers(paths) > 100
    md = paths["report.md"].read_text()
    assert "| months to the left turn | 61.4 [58.2, 64.9] | 400 |" in md
    assert "-2.25 [-3.5, -1]" in md
    assert "figures/assumptions.png" not in md and "No assumption was varied" in md


def test_report_md_rows_hold_their_own_arms_numbers(report, verdict):
    paths = report
    tables = md_tables(paths["report.md"].read_text())
    compare = next(t for t in tables if t[0][:3] == ["theory", "strategy", "defeat"])
    c = verdict["compare"]
    for arm, row in zip(c["arms"], compare[2], strict=True):
        assert row[:2] == [arm["theory"], arm["strategy"]]
        assert row[2:5] == [fmt_interval(arm[o]) for o in c["outcomes"]]
        assert row[5] == str(c["reps"])
    curves = [t for t in tables if t[0][:3] == ["from", "best strategy", "inevitability"]]
    assert len(curves) == 3
    rows = [r for t in curves for r in t[2]]
    for p in verdict["curve"]["points"]:
        row = next(r for r in rows if r[0] == p["branch"] and r[2] ==
                   fmt_interval(p["inevitability"]))
        assert row[1] == p["best"]
        assert row[3:7] == [fmt_interval(p["avoid"][s]) for s in verdict["curve"]["strategies"]]
    posterior = next(t for t in tables if t[0] == ["theory", "reading", "posterior"])
    assert {r[0]: r[2] for r in posterior[2]} == {
        k: fmt(v, "prob") for k, v in verdict["theories"]["posterior"].items()}


def test_the_plausibility_section_shows_each_strategys_runs_beyond_the_bounds(report, verdict):
    md = report["report.md"].read_text()
    tables = md_tables(md)
    rows = next(t for t in tables if t[0][:3] == ["strategy", "runs", "beyond a bound"])[2]
    p = verdict["plausibility"]
    for row, s in zip(rows, p["strategies"], strict=True):
        assert row[0] == s["strategy"]
        assert row[2] == fmt_interval({"value": s["outside"]["estimate"],
                                       "low": s["outside"]["low"], "high": s["outside"]["high"]})
        assert row[3] == str(s["outside"]["count"])
    # the one strategy with most of its runs outside is named, plainly, and no other
    assert "Most runs of class-struggle lie outside the bounds" in md
    assert md.count("Most runs of") == 1
    h = verdict["headline_within_bounds"]
    assert f"({h['kept']} of {h['pairs']} pairs)" in md
    assert "cadre_peak at most 100000" in md
    within = next(t for t in tables if t[0] == ["what", "estimate", "runs", "precision"]
                  and t[2][0][2] == str(h["kept"]))
    assert len(within[2]) == 3


def test_without_bounds_there_is_no_plausibility_section(verdict, tmp_path):
    v = copy.deepcopy(verdict)
    del v["plausibility"], v["headline_within_bounds"]
    md = write_markdown(v, tmp_path / "r.md").read_text()
    assert "Inside the bounds of history" not in md


def test_the_discrimination_table_shows_each_targets_fits_and_reading(report, verdict):
    md = report["report.md"].read_text()
    page = report["report.html"].read_text()
    d = verdict["discrimination"]
    tables = md_tables(md)
    head = ["target", "record", *d["theories"], "reading", "log ratio", "at least"]
    rows = next(t for t in tables if t[0] == head)[2]
    assert [r[0] for r in rows] == [r["target"] for r in d["rows"]]
    for row, r in zip(rows, d["rows"], strict=True):
        assert row[2:5] == [fmt(r["fits"][t]["mean_error"]) for t in d["theories"]]
        assert row[5] == r["reading"]
        assert row[6:] == [fmt(r["log_ratio"]), fmt(r["log_ratio_low"])]
    assert rows[0][5] == "favours T, C over N"  # the synthetic members target
    assert "does not discriminate" in {r[5] for r in rows}
    assert "1 of 4 targets tell the theories apart beyond Monte Carlo error" in md
    fits = next(t for t in tables if t[0][:3] == ["target", "theory", "runs"])[2]
    assert len(fits) == len(d["rows"]) * len(d["theories"])
    assert 'id="table-discrimination"' in page and "Which targets tell the theories apart?" in page


def test_without_discrimination_there_is_no_such_section(verdict, tmp_path):
    v = copy.deepcopy(verdict)
    del v["discrimination"]
    md = write_markdown(v, tmp_path / "r.md").read_text()
    assert "Which targets tell the theories apart" not in md


def test_a_discrimination_row_must_agree_with_itself(verdict):
    v = copy.deepcopy(verdict)
    v["discrimination"]["rows"][0]["discriminates"] = False
    with pytest.raises(InputError, match="'discriminates' must be true exactly when"):
        validate_verdict(v)
    v = copy.deepcopy(verdict)
    del v["discrimination"]["rows"][1]["fits"]["N"]
    with pytest.raises(InputError, match=r"rows\[1\]: theories \['N'\] have no fit"):
        validate_verdict(v)
    v = copy.deepcopy(verdict)
    v["discrimination"]["rows"][2]["fits"]["X"] = v["discrimination"]["rows"][2]["fits"]["T"]
    with pytest.raises(InputError, match=r"rows\[2\] \(cadre-1926-07\) has fits for"):
        validate_verdict(v)


def test_the_answer_and_the_claims_are_in_both_reports(report, verdict):
    paths = report
    md, page = paths["report.md"].read_text(), paths["report.html"].read_text()
    for s in verdict["answer"]["sentences"]:
        assert s in md
    for c in verdict["claims"]:
        assert c["says"] in md and c["says"] in page
    text = re.sub(r"<[^>]+>", "", page)  # a number cell's pieces sit in spans
    assert fmt_interval(verdict["curve"]["points"][0]["inevitability"]) in text


# (c) files and a self-contained page ----------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_report_files_are_written(report):
    paths = report
    out = paths["verdict.json"].parent
    figures = sorted(p for p in paths if p.startswith("figures/"))
    assert {"verdict.json", "report.md", "report.html"} <= set(paths)
    assert len(figures) == 18  # 9 figures, as PNG and SVG
    for rel in figures:
        data = paths[rel].read_bytes()
        if rel.endswith(".png"):
            assert data.startswith(b"\x89PNG\r\n\x1a\n"), rel
        else:
            assert data.lstrip().startswith(b"<?xml") and b"<svg" in data[:1000], rel
        assert (out / rel).exists()
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"


def test_html_is_self_contained(report):
    paths = report
    page = paths["report.html"].read_text()
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert not (tag == "script" and "src" in attrs), f"external script {attrs}"
        assert not (tag == "link" and attrs.get("rel") in ("stylesheet", "preload")), attrs
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"(https?:)?//", value), f"<{tag} {key}={value}>"
    assert page.count("* plotly.js v") == 1, "plotly.js must be inlined exactly once"
    figures = [a["id"] for t, a in parser.tags if t == "figure"]
    assert figures and all(f.startswith("fig-") for f in figures)
    assert page.count("<figcaption>") == len(figures)


def test_report_refuses_a_file_as_its_directory(verdict, tmp_path):
    target = tmp_path / "verdict"
    target.write_text("not a directory")
    with pytest.raises(InputError, match="is a file"):
        write_report(verdict, target)


def test_a_broken_verdict_writes_nothing(verdict, tmp_path):
    broken = copy.deepcopy(verdict)
    del broken["answer"]
    with pytest.raises(InputError):
        write_report(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_html_and_markdown_can_be_written_alone(verdict, tmp_path):
    assert write_markdown(verdict, tmp_path / "r.md").read_text().startswith("# Was the")
    assert "<!DOCTYPE html>" in write_html(verdict, tmp_path / "r.html").read_text()[:20]


# (d) the page in a browser ---------------------------------------------------------------

def open_in_chromium(paths: dict[str, Path], shot: str, claims_filter: str | None = None):
    """Open a written report offline in headless Chromium; return what it saw.

    (console errors, network requests attempted, [figure id, drawn, captioned],
    claims rows left visible by the filter or None)
    """
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed ([test] extra)")
    url = paths["report.html"].resolve().as_uri()
    errors: list[str] = []
    requests: list[str] = []
    visible = None
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def offline(route):
                if route.request.url != url:
                    requests.append(route.request.url)
                    route.abort()
                else:
                    route.continue_()

            page.route("**/*", offline)
            page.goto(url, wait_until="load")
            page.wait_for_function(
                "document.querySelectorAll('.figure-plot').length > 0 && "
                "Array.from(document.querySelectorAll('.figure-plot'))"
                ".every(el => el.querySelector('.main-svg'))", timeout=15_000)
            # drawn = a plotly SVG with at least one trace in it, and a caption
            drawn = page.evaluate(
                "Array.from(document.querySelectorAll('figure')).map(f => "
                "[f.id, !!f.querySelector('.figure-plot .main-svg .trace'), "
                "!!f.querySelector('figcaption')])")
            if claims_filter is not None:
                page.fill("input[data-filter='table-claims']", claims_filter)
                visible = page.locator("#table-claims tbody tr:visible").count()
            artefacts = ROOT / "artefacts"
            artefacts.mkdir(exist_ok=True)
            page.screenshot(path=str(artefacts / shot), full_page=True)
        finally:
            browser.close()
    return errors, requests, drawn, visible


def test_html_opens_offline_in_chromium_with_every_figure_drawn(report):
    errors, requests, drawn, visible = open_in_chromium(report, "report.png", "Marot")
    n_figures = len([p for p in report if p.endswith(".png")])
    assert not errors, f"console errors: {errors}"
    assert not requests, f"the page asked the network for {requests}"
    assert len(drawn) == n_figures
    assert all(has_plot and has_caption for _, has_plot, has_caption in drawn), drawn
    assert visible == 2  # the claims filter works
    assert (ROOT / "artefacts" / "report.png").stat().st_size > 50_000
