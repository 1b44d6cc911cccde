"""The HTML report in a real browser: headless Chromium (the system's /usr/bin/chromium) driven
by Playwright's Python package. No browser is ever downloaded.

Checks: corpus reports load with no console error and no network request; the findings filters
work; clicking a graph node shows its details; hostile names stay text and run nothing; a
5,000-op model renders and stays responsive. Writes artifacts/report-first-screen.png.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from corpus import SAMPLES, corpus_dir
from test_report import (
    MOBILENET,
    MY_NPU,
    XSS_IMG,
    XSS_SCRIPT,
    hostile_model_bytes,
    large_model_bytes,
    report_html,
    write,
)

from inspector.profiles import builtin_profile_paths

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed (pip install playwright; no browser download needed, "
    "the system Chromium is used)",
)

CHROMIUM = os.environ.get("TFLITE_INSPECTOR_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CORPUS_MODELS = [
    MOBILENET,
    "gh_esphome_micro-wake-word-models/alexa.tflite",  # two subgraphs, CALL_ONCE
    "gh_google-coral_test_data/movenet_single_pose_lightning_ptq.tflite",  # float islands
    "gh_google-coral_test_data/mobilenet_v1_0.25_128_quant_edgetpu.tflite",  # precompiled
]

if not Path(CHROMIUM).is_file():
    pytest.skip(
        f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set "
        "TFLITE_INSPECTOR_CHROMIUM)",
        allow_module_level=True,
    )


def targets() -> tuple[str, ...]:
    """The example profile, plus the built-in targets a reviewer looks at first when shipped."""
    builtin = builtin_profile_paths()
    return (MY_NPU, *(t for t in ("xnnpack", "gpu", "cpu") if t in builtin))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # a broken install: say so rather than fail every test
            pytest.skip(f"Chromium at {CHROMIUM} does not start under Playwright: {exc}")
        yield b
        b.close()


class Page:
    """A page that records console errors, page errors, requests and dialogs."""

    def __init__(self, browser: Any, path: Path, width: int = 1440, height: int = 900) -> None:
        self.url = path.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", dialog)
        start = time.perf_counter()
        self.page.goto(self.url, wait_until="load")
        self.load_seconds = time.perf_counter() - start

    def check_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.requests == [self.url], self.requests

    def tab(self, section: str, name: str) -> None:
        self.page.click(f'section#{section} .tabs button[data-tab="{name}"]')

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    pages: list[Page] = []

    def opener(path: Path, **kw: Any) -> Page:
        pages.append(Page(browser, path, **kw))
        return pages[-1]

    yield opener
    for p in pages:
        p.close()


def mobilenet_or_sample() -> Path:
    corpus = corpus_dir()
    return corpus / MOBILENET if corpus is not None else SAMPLES / "small_cnn_int8.tflite"


# -- tests -----------------------------------------------------------------------------------
def test_first_screen_screenshot_and_load_time(tmp_path: Path, open_page: Any) -> None:
    html = report_html([mobilenet_or_sample()], targets())
    assert len(html.encode()) < 2_000_000
    p = open_page(write(tmp_path, "report.html", html.encode()))
    assert p.load_seconds < 2.0, p.load_seconds
    timing = p.page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
    )  # ms from navigation start to the end of load, scripts included
    assert timing < 2000, timing
    assert p.page.locator("article.card").count() == len(targets())
    ARTIFACTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "report-first-screen.png"))
    p.check_clean()


def test_corpus_reports_load_with_no_error_and_no_request(tmp_path: Path, open_page: Any) -> None:
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("model corpus not found (TFLITE_CORPUS, default ../shared/models)")
    paths = [corpus / m for m in CORPUS_MODELS]
    html = report_html(paths, targets())
    p = open_page(write(tmp_path, "corpus.html", html.encode()))
    page = p.page
    assert page.locator("table.index-table tbody tr").count() == len(paths)
    for i in range(len(paths)):
        sid = f"m{i}"
        for name in ("graph", "ops", "tensors", "charts", "model", "findings"):
            p.tab(sid, name)
        p.tab(sid, "graph")
        page.wait_for_selector(f"section#{sid} g.node")
        nodes = page.locator(f"section#{sid} g.node[data-kind='op']")
        nodes.first.click()
        assert page.locator(f"section#{sid} .details .dtitle").inner_text()
        # every target can colour the graph; "no target" too
        select = page.locator(f"section#{sid} select[data-control='target']")
        for value in select.locator("option").evaluate_all("os => os.map(o => o.value)"):
            select.select_option(value)
            page.wait_for_selector(f"section#{sid} g.node")
    # the model with two subgraphs: switch to the second one
    alexa = "m1"
    p.tab(alexa, "graph")
    page.locator(f"section#{alexa} .js-graph select[data-control='subgraph']").select_option("1")
    page.locator(f"section#{alexa} g.node[data-kind='op']").first.click()
    assert "subgraph 1" in page.locator(f"section#{alexa} .details .dsub").first.inner_text()
    # float islands are marked on the graph of the mixed model
    p.tab("m2", "graph")
    page.wait_for_selector("section#m2 .graph-wrap.show-float")
    assert page.locator("section#m2 .islands li").count() >= 1
    p.check_clean()


def test_findings_filters_change_the_visible_rows(tmp_path: Path, open_page: Any) -> None:
    path = write(tmp_path, "m.tflite", large_model_bytes(400))
    p = open_page(write(tmp_path, "r.html", report_html([path], targets()).encode()))
    page = p.page
    rows = page.locator("section#m0 table.findings tbody tr:not(.empty)")

    def visible() -> list[dict[str, str]]:
        return rows.evaluate_all(
            "rs => rs.map(r => ({sev: r.dataset.sev, rule: r.dataset.rule, "
            "target: r.dataset.target}))"
        )

    everything = visible()
    assert len(everything) > 5
    assert {r["target"] for r in everything} >= {"my-npu"}
    # severity toggles
    page.click("section#m0 button[data-sev='warning']")
    assert all(r["sev"] != "warning" for r in visible())
    assert len(visible()) < len(everything)
    page.click("section#m0 button[data-sev='warning']")
    assert len(visible()) == len(everything)
    # target
    page.select_option("section#m0 select[data-filter='target']", "my-npu")
    only = visible()
    assert only and all(r["target"] == "my-npu" for r in only) and len(only) < len(everything)
    # rule
    page.select_option("section#m0 select[data-filter='rule']", "D001")
    assert visible() and all(r["rule"] == "D001" for r in visible())
    # text
    page.fill("section#m0 input[data-filter='text']", "LOGISTIC")
    assert visible() and all(r["rule"] == "D001" for r in visible())
    page.fill("section#m0 input[data-filter='text']", "no finding says this")
    assert visible() == []
    # sorting by a column header
    page.fill("section#m0 input[data-filter='text']", "")
    page.select_option("section#m0 select[data-filter='rule']", "")
    page.select_option("section#m0 select[data-filter='target']", "")
    page.click("section#m0 table.findings th:has-text('rule')")
    codes = [r["rule"] for r in visible()]
    assert codes == sorted(codes)
    p.check_clean()


def test_clicking_a_node_shows_its_details(tmp_path: Path, open_page: Any) -> None:
    path = write(tmp_path, "m.tflite", large_model_bytes(60))
    p = open_page(write(tmp_path, "r.html", report_html([path], targets()).encode()))
    page = p.page
    p.tab("m0", "graph")
    node = page.locator("section#m0 g.node[data-op='1']")
    node.click()
    details = page.locator("section#m0 .details")
    text = details.inner_text()
    assert "CONV_2D" in text and "op #1" in text
    assert "block0/expand/weights" in text and "INT8 [8,1,1,8]" in text  # input, dtype, shape
    assert "per-channel: 8 scales on axis 0" in text  # quantization parameters
    assert "scale 0.05, zero point -3" in text
    assert "fused_activation_function" in text and "RELU6" in text  # options
    assert "my-npu" in text
    assert "sel" in (node.get_attribute("class") or "")
    # a finding's link jumps to its op in the graph
    p.tab("m0", "findings")
    link = page.locator("section#m0 table.findings a.oplink").first
    target_op = link.get_attribute("href").rsplit("-", 1)[1]
    link.click()
    assert page.locator("section#m0 .panel[data-panel='graph']").is_visible()
    assert f"op #{target_op} " in details.inner_text()
    # zoom and pan move the view
    before = page.locator("section#m0 g.world").get_attribute("transform")
    page.locator("section#m0 .graph-view").hover()
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(50)
    assert page.locator("section#m0 g.world").get_attribute("transform") != before
    p.check_clean()


def test_hostile_names_are_shown_as_text_and_run_nothing(tmp_path: Path, open_page: Any) -> None:
    path = write(tmp_path, "evil.tflite", hostile_model_bytes())
    p = open_page(write(tmp_path, "r.html", report_html([path], targets()).encode()))
    page = p.page
    assert XSS_SCRIPT in page.locator("section#m0 .description").inner_text()
    for name in ("graph", "ops", "tensors", "charts", "model", "findings"):
        p.tab("m0", name)
    p.tab("m0", "graph")
    page.locator("section#m0 g.node[data-op='1']").click()  # the custom op
    text = page.locator("section#m0 .details").inner_text()
    assert f"MyOp{XSS_SCRIPT}{XSS_IMG}" in text
    assert f"conv {XSS_IMG}" in text and f"custom out {XSS_SCRIPT}" in text
    page.locator("section#m0 .details .linkish", has_text="custom out").first.click()
    assert f"custom out {XSS_SCRIPT}" in page.locator("section#m0 .details .dtitle").inner_text()
    page.locator("section#m0 .js-graph select[data-control='subgraph']").select_option("1")
    page.locator("section#m0 g.node[data-op='0']").click()
    assert f"sg1 in {XSS_SCRIPT}" in page.locator("section#m0 .details").inner_text()
    p.tab("m0", "tensors")
    assert f"w {XSS_IMG}" in page.locator("section#m0 table.tensors").inner_text()
    p.tab("m0", "model")
    assert (
        f"meta {XSS_SCRIPT}" in page.locator("section#m0 .panel[data-panel='model']").inner_text()
    )
    # nothing was injected: no image, no extra script, no handler ran
    assert page.evaluate("() => document.querySelectorAll('img, iframe, object').length") == 0
    assert page.evaluate("() => document.scripts.length") == 3
    page.wait_for_timeout(200)
    p.check_clean()


def test_a_5000_op_model_renders_and_stays_responsive(tmp_path: Path, open_page: Any) -> None:
    path = write(tmp_path, "large.tflite", large_model_bytes(5000))
    html = report_html([path], (MY_NPU,))
    p = open_page(write(tmp_path, "r.html", html.encode()))
    page = p.page
    page.evaluate(
        """() => { window.__longest = 0; new PerformanceObserver(list => {
             for (const e of list.getEntries()) window.__longest = Math.max(window.__longest,
             e.duration); }).observe({type: 'longtask', buffered: false}); }"""
    )
    start = time.perf_counter()
    p.tab("m0", "graph")
    page.wait_for_selector("section#m0 g.node[data-op='0']")
    first_nodes = time.perf_counter() - start
    assert first_nodes < 3.0, first_nodes
    # while the rest is laid out in the background, the page answers input quickly
    for _ in range(5):
        t = time.perf_counter()
        page.mouse.move(500, 500)
        page.mouse.wheel(0, -120)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        assert time.perf_counter() - t < 1.0
    # jump to an op far down: laid out on demand, selected, detailed
    page.fill("section#m0 input[data-control='find']", "4900")
    page.press("section#m0 input[data-control='find']", "Enter")
    assert "op #4900 " in page.locator("section#m0 .details").inner_text()
    page.wait_for_selector("section#m0 g.node.sel[data-op='4900']", timeout=60_000)
    # only what is in view is in the DOM
    assert page.locator("section#m0 g.node").count() < 600
    longest = page.evaluate("() => window.__longest")
    assert longest < 1500, longest
    # tables page their rows
    p.tab("m0", "ops")
    assert page.locator("section#m0 table.ops tbody tr").count() <= 300
    p.tab("m0", "findings")
    assert page.locator("section#m0 table.findings tbody tr").count() <= 300
    p.check_clean()


def test_long_chains_collapse_and_expand(tmp_path: Path, open_page: Any) -> None:
    path = write(tmp_path, "chain.tflite", large_model_bytes(1200, residual=False))
    p = open_page(write(tmp_path, "r.html", report_html([path], (MY_NPU,)).encode()))
    page = p.page
    p.tab("m0", "graph")
    chain = page.locator("section#m0 g.node[data-kind='chain']").first
    chain.wait_for()
    chain.click()
    details = page.locator("section#m0 .details")
    assert "ops in a straight chain" in details.inner_text()
    first = int(details.locator(".chainlist li").first.inner_text().split()[0].lstrip("#"))
    details.locator("button", has_text="Expand this chain").click()
    page.wait_for_selector(f"section#m0 g.node.sel[data-op='{first}']")
    # an op inside a collapsed chain: the chain opens when a link leads there
    page.evaluate("() => window.tfliteReport.route('#m0-op-0-1000')")
    page.wait_for_selector("section#m0 g.node.sel[data-op='1000']", timeout=60_000)
    assert "op #1000 " in details.inner_text()
    p.check_clean()


def test_changes_since_a_baseline_and_the_diff_page(tmp_path: Path, open_page: Any) -> None:
    from test_report import run_report

    from inspector.diff import diff_models
    from inspector.lint import LintOptions
    from inspector.report import render_diff_html

    old, new = SAMPLES / "small_cnn_float32.tflite", SAMPLES / "small_cnn_int8.tflite"
    out = tmp_path / "review.html"
    assert run_report("--baseline", str(old), str(new), "-t", ",".join(targets()),
                      "-o", str(out)) == 0  # fmt: skip
    p = open_page(out)
    page = p.page
    changes = page.locator("section#m0-changes")
    assert changes.is_visible()
    assert "Changes since small_cnn_float32.tflite" in changes.locator("h2").inner_text()
    xnn = changes.locator("table.diff-targets tr[data-target='xnnpack']")
    assert xnn.get_attribute("data-verdict") == "worse"
    # nothing in the section is cut off: its tables fit inside it
    width = changes.bounding_box()["width"]
    for table in ("table.diff-summary", "table.diff-findings.new"):
        assert changes.locator(table).bounding_box()["width"] <= width
    ARTIFACTS.mkdir(exist_ok=True)
    changes.screenshot(path=str(ARTIFACTS / "report-changes.png"))
    # a new finding's link opens the graph on its op
    changes.locator("table.diff-findings.new a").first.click()
    assert page.locator("section#m0 .panel[data-panel='graph']").is_visible()
    assert "op #6 " in page.locator("section#m0 .details").inner_text()
    p.check_clean()
    # the standalone page of `diff --format html`: same section, no script at all
    d = diff_models(str(old), str(new), LintOptions(targets=targets()))
    q = open_page(write(tmp_path, "diff.html", render_diff_html(d).encode()))
    assert q.page.locator("section.changes table.diff-targets tbody tr").count() == len(targets())
    assert q.page.evaluate("() => document.scripts.length") == 0
    q.check_clean()
