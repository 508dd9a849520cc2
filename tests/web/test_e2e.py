"""The four pages end to end: Debian's Chromium against a real server, offline.

A module-scoped fixture starts the application with uvicorn in a subprocess
(a free port, a temporary results store holding one fake verdict, two worker
processes, small bounds) and each test drives the pages with Playwright:
every request must go to 127.0.0.1, and no page may log an error. A
screenshot of every page and state goes to artefacts/web/.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "artefacts" / "web"
FAKE_VERDICT = "20260101-000000-soviet-1923"
VERDICT_CYCLE = ("supported", "contradicted", "undecided", "not tested")
SCENARIO = "soviet-1923"

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium); "
                "the browser tests drive the system's Chromium and never download one",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                               "([test] extra)")
httpx = pytest.importorskip("httpx", reason="httpx is not installed ([test] extra)")


# -- the server --------------------------------------------------------------------------

@dataclass
class Server:
    base: str
    results: Path

    def get(self, path: str):
        r = httpx.get(self.base + path, timeout=30)
        r.raise_for_status()
        return r.json()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fake_verdict(results: Path) -> None:
    """A verdict directory as the service lists it, its claims judged in turn."""
    from inevitable.scenarios.loader import scenario

    sc = scenario(SCENARIO)
    claims = [{"id": c.id, "author": c.author, "page": c.page, "kind": c.kind, "says": c.says,
               "verdict": VERDICT_CYCLE[i % len(VERDICT_CYCLE)],
               "evidence": f"fake evidence {i} for the browser tests", "confidence": "low"}
              for i, c in enumerate(sc.spec.claims)]
    d = results / "verdicts" / FAKE_VERDICT
    d.mkdir(parents=True)
    verdict = {
        "schema": "fake", "scenario": {"name": sc.name, "title": sc.title, "hash": sc.hash},
        "question": sc.spec.question,
        "answer": {"headline": "A fake verdict for the browser tests.", "sentences": []},
        "budget": {"name": "quick", "reps": 24, "seconds": 0.0},
        "claims": claims,
        "reproducibility": {"created": "2026-01-01 00:00 UTC", "seed": 0,
                            "command": "written by tests/web/test_e2e.py"},
    }
    (d / "verdict.json").write_text(json.dumps(verdict))
    (d / "report.html").write_text("<!doctype html><html><head><meta charset='utf-8'><title>Fake "
                                   "verdict</title></head><body><h1 id='fake-report'>A fake "
                                   "verdict for the browser tests</h1></body></html>")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    results = tmp_path_factory.mktemp("web-results")
    _fake_verdict(results)
    port = _free_port()
    code = ("import uvicorn\n"
            "from inevitable.web.app import create_app\n"
            f"app = create_app(results={str(results)!r}, workers=2, max_reps=40)\n"
            f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')\n")
    log_path = results / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT,
                                cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the server's own process group
                proc.wait()

    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop()
            pytest.fail(f"the server did not answer /api/health:\n{log_path.read_text()}")
        time.sleep(0.2)
    try:
        yield Server(base, results)
    finally:
        stop()


# -- the browser -------------------------------------------------------------------------

@dataclass
class Watch:
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        return [u for u in self.requests if urlparse(u).scheme not in ("data", "blob", "about")
                and urlparse(u).hostname != "127.0.0.1"]

    def assert_clean(self, allow_status: tuple[int, ...] = ()) -> None:
        assert not self.foreign(), f"requests to other hosts: {self.foreign()}"
        assert not self.failed, f"failed requests: {self.failed}"
        errors = [e for e in self.errors
                  if not any(f"status of {s}" in e for s in allow_status)]
        assert not errors, f"console errors: {errors}"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def context(browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.base)
    ctx.set_default_timeout(60_000)
    watch = Watch()

    def offline(route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watch.requests.append(route.request.url)
            route.abort()

    ctx.route("**/*", offline)

    def new_page():
        page = ctx.new_page()
        page.on("console", lambda m: watch.errors.append(f"{m.text} ({m.location.get('url')})")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: watch.errors.append(f"page error: {e}"))
        page.on("request", lambda r: watch.requests.append(r.url))
        page.on("requestfailed", lambda r: watch.failed.append(f"{r.url}: {r.failure}"))
        return page

    ctx.watch = watch
    ctx.new_watched_page = new_page
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_watched_page()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def watch_progress(page) -> None:
    """Remember whether a job's progress bar ever showed (it may be brief)."""
    page.evaluate("""() => {
        window.__sawProgress = false;
        new MutationObserver(() => {
            if (document.querySelector('.progress-bar')) window.__sawProgress = true;
        }).observe(document.body, {childList: true, subtree: true});
    }""")


# -- the tests ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, ready", [
    ("scenario", "#argument-map .claim-node"),
    ("explorer", "#run"),
    ("verdicts", "#verdict-list"),
    ("play", "#start"),
])
def test_each_page_opens_offline_without_errors(page, context, name, ready):
    page.goto(f"/{name}")
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    assert page.locator("header nav a.active").inner_text().lower() == name
    assert page.locator("main .error").count() == 0
    shot(page, name)
    context.watch.assert_clean()
    assert any(urlparse(u).path == "/vendor/plotly.min.js" for u in context.watch.requests)


def test_the_argument_map_has_a_node_per_claim(page, context, server):
    sc = server.get(f"/api/scenarios/{SCENARIO}")
    assert sc["claims"], "the flagship has a claims ledger"
    page.goto(f"/scenario?name={SCENARIO}")
    page.wait_for_selector("#argument-map .claim-node")
    claims = page.locator("#argument-map .claim-node")
    assert claims.count() == len(sc["claims"])
    assert page.locator("#argument-map .author-node").count() == len(
        {c["author"] for c in sc["claims"]})
    relations = sum(1 for c in sc["claims"] for r in c["relations"]
                    for k in ("supports", "disputes", "refines") if k in r)
    drawn = sum(page.locator(f"#argument-map .edge.{k}").count()
                for k in ("supports", "disputes", "refines"))
    assert drawn == relations
    # coloured by the fake verdict in the store, with a legend of the values present
    assert sc["verdict_of"] == "2026-01-01 00:00 UTC"
    first = sc["claims"][0]
    node = page.locator(f"#argument-map .claim-node[data-id='{first['id']}']")
    assert node.get_attribute("data-verdict") == first["verdict"] == VERDICT_CYCLE[0]
    legend = page.locator("#map-legend").inner_text()
    for v in VERDICT_CYCLE:
        assert v in legend
    fills = page.eval_on_selector_all("#argument-map .claim-node circle",
                                      "cs => new Set(cs.map(c => c.getAttribute('fill'))).size")
    assert fills == len(VERDICT_CYCLE)
    # clicking a claim shows its text and evidence
    node.click()
    detail = page.locator("#claim-detail")
    assert first["says"][:60] in detail.inner_text()
    assert first["evidence"] in detail.inner_text()
    # the parameters table filters
    page.fill("#parameter-filter", "levy_rate")
    visible = page.locator("#parameters-table tbody tr:visible")
    assert 1 <= visible.count() < len(sc["parameters"])
    assert "levy_rate" in visible.first.inner_text()
    shot(page, "scenario-claim")
    context.watch.assert_clean()


def test_the_explorer_runs_an_ensemble_and_draws_it(page, context):
    page.goto("/explorer")
    page.wait_for_selector("#run")
    page.fill("#reps", "8")
    assert page.input_value("#arm-0-strategy") == "historical"
    assert page.input_value("#arm-1-strategy") == "class-struggle"
    watch_progress(page)
    page.click("#run")
    page.wait_for_selector("#fan-chart .main-svg")
    assert page.evaluate("window.__sawProgress"), "no progress bar while the job ran"
    traces = page.locator("#fan-chart .scatterlayer .trace").count()
    assert traces >= 2 * 3, f"{traces} traces in the fan chart"
    assert page.evaluate("document.getElementById('fan-chart').data.length") == traces
    table = page.locator("#prob-table")
    head = table.locator("thead").text_content()
    assert "historical" in head and "class-struggle" in head
    defeat = table.locator("tbody tr[data-outcome='defeat']").inner_text()
    assert "%" in defeat and "[" in defeat and "pts" in defeat  # both arms and the difference
    assert page.locator("#prob-chart .barlayer .trace").count() == 2  # one bar trace per arm
    shot(page, "explorer-results")
    context.watch.assert_clean()


def test_a_bad_rule_shows_the_servers_message(page, context):
    page.goto("/explorer")
    page.wait_for_selector("#run")
    page.select_option("#arm-1-strategy", "__own__")
    page.locator(".rule-when").first.fill("foo > 1")
    page.click("#rule-check")
    error = page.locator("#rule-error")
    error.wait_for(state="visible")
    assert "'foo'" in error.inner_text()
    shot(page, "explorer-rule-error")
    page.locator(".rule-when").first.fill('month >= "1925-01" and cadre_share > 0.1')
    page.click("#rule-check")
    page.locator("#rule-ok").wait_for(state="visible")
    assert not error.is_visible()
    context.watch.assert_clean(allow_status=(422,))  # the refused check, and nothing else
    assert sum("status of 422" in e for e in context.watch.errors) == 1


def _summary_numbers(page) -> dict[str, str]:
    return {k: page.locator(f"#{k}").inner_text()
            for k in ("sum-yours", "sum-historical", "sum-versus", "sum-best", "path-table",
                      "turns")}


def test_play_a_whole_game_then_replay_it_from_its_permalink(page, context):
    page.goto("/play?reps=4&seed=7")
    page.wait_for_selector("#start")
    assert page.input_value("#reps") == "4" and page.input_value("#seed") == "7"
    shot(page, "play-start")
    page.click("#start")
    preferred = ["back-the-strikers", "historical", "class-struggle", "organise-faction"]
    chosen = []
    for i in range(40):
        page.wait_for_selector("#juncture button.move:not([disabled])")
        offered = page.eval_on_selector_all("#juncture button.move",
                                            "bs => bs.map(b => b.dataset.move)")
        assert offered[0] == "historical"
        assert page.locator("#juncture button.move[data-move='historical']").inner_text() \
            .startswith("As it happened")
        move = preferred[i % len(preferred)]
        move = move if move in offered else offered[-1]
        if i == 0:
            shot(page, "play-juncture")
        page.click(f"#juncture button.move[data-move='{move}']")
        chosen.append(move)
        page.wait_for_selector("#next, #finish")
        result = page.locator("#turn-result").inner_text()
        assert result.count("%") >= 4 and "pts" in result
        if i == 0:
            shot(page, "play-turn")
        if page.locator("#finish").count():
            page.click("#finish")
            break
        page.click("#next")
    page.wait_for_selector("#game-summary")
    assert page.locator("#odds-chart .scatterlayer .trace").count() == 2
    shot(page, "play-summary")
    numbers = _summary_numbers(page)
    href = page.get_attribute("#permalink", "href")
    query = dict(p.split("=", 1) for p in urlparse(href).query.split("&"))
    assert urlparse(href).path == "/play"
    assert query == {"scenario": SCENARIO, "theory": "C", "seed": "7", "reps": "4",
                     "moves": ",".join(chosen)}
    context.watch.assert_clean()

    replay = context.new_watched_page()
    replay.goto(href)
    replay.wait_for_selector("#game-summary")
    assert replay.locator("#turns tbody tr").count() == len(chosen)
    assert _summary_numbers(replay) == numbers
    shot(replay, "play-replay")
    context.watch.assert_clean()


def test_the_verdicts_page_lists_reports_and_runs_one(page, context, server):
    page.goto("/verdicts")
    page.wait_for_selector("#verdict-list")
    row = page.locator(f"#verdict-list tr[data-id='{FAKE_VERDICT}']")
    assert "A fake verdict for the browser tests." in row.inner_text()
    link = row.locator("a.report-link")
    assert link.get_attribute("href") == f"/verdicts/{FAKE_VERDICT}/report.html"
    shot(page, "verdicts-list")
    # a new verdict on the toy scenario (seconds with the quick budget)
    before = page.locator("#verdict-list tbody tr").count()
    page.select_option("#verdict-scenario", "toy")
    page.select_option("#verdict-budget", "quick")
    watch_progress(page)
    page.click("#verdict-run")
    page.wait_for_selector("#new-report")
    assert page.evaluate("window.__sawProgress")
    assert page.locator("#verdict-list tbody tr").count() == before + 1
    new = page.get_attribute("#new-report", "href")
    assert new.startswith("/verdicts/") and new.endswith("-toy/report.html")
    shot(page, "verdicts-run")
    context.watch.assert_clean()
    # the reports open
    link.click()
    page.wait_for_selector("#fake-report")
    page.goto(new)
    page.wait_for_load_state("load")
    assert page.title()
    context.watch.assert_clean()
