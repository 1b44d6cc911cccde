"""``report`` straight from a SavedModel / Keras source: converted with lint's flags, then the
report shows the conversion settings, the converter's findings and the per-layer quantization
error (table and plot), checked in the HTML and in headless Chromium.

TensorFlow runs only in child processes (the sources are built, and the command is run, in a
subprocess), as in test_convert.py.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest
from cli_helpers import run_cli
from test_report import MY_NPU, embedded_data

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None,
    reason="TensorFlow not installed (pip install -e '.[convert]')",
)
CHROMIUM = os.environ.get("TFLITE_INSPECTOR_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def int8_report(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the SavedModel, converted to int8 with the calibration data."""
    out = tmp_path_factory.mktemp("report") / "saved.html"
    result = run_cli(
        "report", str(sources / "mlp_saved"), "--quantize", "int8",
        "--calibration", str(sources / "calib.npz"), "-t", f"{MY_NPU},xnnpack", "-o", str(out),
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stderr
    return out


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_report_of_a_saved_model_shows_settings_and_layer_error(
    sources: Path, int8_report: Path
) -> None:
    html = int8_report.read_text(encoding="utf-8")
    text = _text(html)
    # the header names the source and the conversion settings
    assert re.search(r'<h1 class="model-name"[^>]*>mlp_saved</h1>', html)
    assert f"converted from {sources / 'mlp_saved'}" in text
    for chip in ("quantize int8", "I/O float", "calibration calib.npz", "TensorFlow 2."):
        assert f'<span class="chip conv">{chip}' in html, chip
    assert "conversion: calibration" in text and str(sources / "calib.npz") in text
    # the converted model is int8 and was linted
    (data,) = embedded_data(html)
    assert data["name"] == "mlp_saved" and data["subgraphs"][0]["ops"]
    assert {t["name"] for t in data["targets"]} == {"my-npu", "xnnpack"}
    # the per-layer error: a row per measured layer, op links, plot bars
    rows = re.findall(r'<tr class="(flagged)?" data-op="(\d+)">(.*?)</tr>', html, re.S)
    assert len(rows) >= 3
    opcodes = {re.search(r'<td class="mono">(\w+)</td>', r[2]).group(1) for r in rows}
    assert "FULLY_CONNECTED" in opcodes
    ops = {int(r[1]) for r in rows}
    assert all(0 <= op < len(data["subgraphs"][0]["ops"]) for op in ops)
    assert html.count('class="qbar') == len(rows)
    percents = [float(x) for x in re.findall(r'<td class="num">([\d.]+)%</td>', html)]
    assert percents == sorted(percents, reverse=True) and percents[0] < 5  # worst first


def test_converter_findings_join_the_findings_and_a_failed_source_is_shown(
    sources: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    result = run_cli(
        "report", str(sources / "mlp.keras"), str(sources / "flex_saved"), "--quantize", "int8",
        "--calibration-random", "4", "-t", MY_NPU, "-o", str(out), timeout=600,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr  # one source could not be converted
    assert "flex_saved: these TensorFlow ops have no TFLite builtin" in result.stderr
    html = out.read_text(encoding="utf-8")
    (data,) = embedded_data(html)  # only the converted model has a graph
    s = data["strings"]
    codes = [s[f[1]] for f in data["findings"]]
    assert "C004" in codes  # random calibration: a converter finding in the findings table
    assert 'class="chip conv">calibration random (4 samples' in html
    failed = html[html.index('id="m1"') :]
    assert "This source could not be converted" in failed
    assert "C002" in failed and "MatrixDeterminant" in failed


def test_the_layer_table_renders_in_chromium(int8_report: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(int8_report.resolve().as_uri(), wait_until="load")
        assert page.locator("section#m0 .convline").is_visible()
        page.click("section#m0 .tabs button[data-tab='qerror']")
        table = page.locator("section#m0 table.qerror-table")
        assert table.is_visible()
        rows = table.locator("tbody tr")
        assert rows.count() >= 3
        first = rows.first.locator("td").all_inner_texts()
        assert first[0].startswith("#") and first[4].endswith("%") and float(first[6]) > 0.9
        box = page.locator("section#m0 svg.qerr-plot").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
        assert page.locator("section#m0 svg.qerr-plot g.qbar").count() == rows.count()
        # a layer's op link opens the graph on that op
        op = int(first[0].lstrip("#"))
        rows.first.locator("a").click()
        assert page.locator("section#m0 .panel[data-panel='graph']").is_visible()
        assert f"op #{op} " in page.locator("section#m0 .details").inner_text()
        # the converter and findings tabs render too
        page.click("section#m0 .tabs button[data-tab='findings']")
        assert page.locator("section#m0 table.findings tbody tr").count() >= 1
        browser.close()
    assert errors == [], errors
    assert requests == [int8_report.resolve().as_uri()], requests
