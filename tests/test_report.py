"""The HTML report: view model, escaping, self-containedness, the command, the vendored layout
library. Browser checks (real Chromium) live in test_report_browser.py.

``large_model_bytes`` and ``hostile_model_bytes`` are shared with the browser test and
benchmarks/bench_report.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import SAMPLES, corpus_dir

from inspector import report_cli
from inspector.lint import LintOptions, lint_model, load_profiles
from inspector.parse import load, parse_bytes
from inspector.report import build_view_model, json_script, render_report
from inspector.resources import templates_dir

ROOT = Path(__file__).resolve().parent.parent
MY_NPU = str(ROOT / "docs" / "examples" / "my_npu.toml")
MOBILENET = "gh_google-coral_test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(2)>'
CONV = ("Conv2DOptions", {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                          "fused_activation_function": "RELU6"})  # fmt: skip
DWCONV = ("DepthwiseConv2DOptions", {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                                     "depth_multiplier": 1})  # fmt: skip


# -- models built for these tests ------------------------------------------------------------
def _conv(m: ModelBuilder, x: int, name: str, c: int, depthwise: bool = False) -> int:
    """An int8 conv (or depthwise conv) with per-channel symmetric weights and an int32 bias."""
    shape = [1, 3, 3, c] if depthwise else [c, 1, 1, c]
    rng = np.random.default_rng(len(m.sg.tensors))
    w = m.tensor(
        f"{name}/weights",
        "INT8",
        shape,
        data=rng.integers(-127, 127, size=shape, dtype=np.int8),
        scale=[0.02 + 0.001 * i for i in range(c)],
        zero_point=[0] * c,
        quantized_dimension=3 if depthwise else 0,
    )
    b = m.tensor(f"{name}/bias", "INT32", [c], data=np.zeros(c, np.int32), scale=[1e-4] * c)
    y = m.tensor(name, "INT8", [1, 16, 16, c], scale=0.05, zero_point=-3)
    if depthwise:
        m.op("DEPTHWISE_CONV_2D", [x, w, b], [y], options=DWCONV, version=3)
    else:
        m.op("CONV_2D", [x, w, b], [y], options=CONV, version=3)
    return y


def large_model_bytes(n_ops: int = 5000, channels: int = 8, residual: bool = True) -> bytes:
    """An int8 residual CNN with at least ``n_ops`` ops: conv/depthwise/conv/add blocks, a
    LOGISTIC every 40 blocks (unsupported by the example NPU: fallback and partitions) and a
    float island (DEQUANTIZE, float ops, QUANTIZE) every 100 blocks. Without ``residual``
    the blocks have no ADD: long straight chains of ops."""
    m = ModelBuilder(description="generated: large residual int8 CNN")
    c = channels
    x_f = m.tensor("input", "FLOAT32", [1, 16, 16, c], input=True)
    x = m.tensor("input/q", "INT8", [1, 16, 16, c], scale=0.05, zero_point=-3)
    m.op("QUANTIZE", [x_f], [x])
    block = 0
    while len(m.sg.ops) < n_ops - 2:
        name = f"block{block}"
        a = _conv(m, x, f"{name}/expand", c)
        b = _conv(m, a, f"{name}/depthwise", c, depthwise=True)
        p = _conv(m, b, f"{name}/project", c)
        if residual:
            y = m.tensor(f"{name}/add", "INT8", [1, 16, 16, c], scale=0.05, zero_point=-3)
            m.op("ADD", [x, p], [y], options=("AddOptions", {}))
            x = y
        else:
            x = p
        if block % 40 == 39:
            z = m.tensor(f"{name}/gate", "INT8", [1, 16, 16, c], scale=1 / 256, zero_point=-128)
            m.op("LOGISTIC", [x], [z])
            x = z
        if block % 100 == 10:
            f1 = m.tensor(f"{name}/float/in", "FLOAT32", [1, 16, 16, c])
            m.op("DEQUANTIZE", [x], [f1])
            f2 = m.tensor(f"{name}/float/tanh", "FLOAT32", [1, 16, 16, c])
            m.op("TANH", [f1], [f2])
            f3 = m.tensor(f"{name}/float/mul", "FLOAT32", [1, 16, 16, c])
            m.op("MUL", [f2, f1], [f3], options=("MulOptions", {}))
            q = m.tensor(f"{name}/float/q", "INT8", [1, 16, 16, c], scale=0.05, zero_point=-3)
            m.op("QUANTIZE", [f3], [q])
            x = q
        block += 1
    out = m.tensor("output", "FLOAT32", [1, 16, 16, c], output=True)
    m.op("DEQUANTIZE", [x], [out])
    return m.build()


def hostile_model_bytes() -> bytes:
    """A model whose names try to inject markup: tensor, op (custom code), subgraph,
    description and metadata names, plus a second subgraph."""
    m = ModelBuilder(description=f"desc {XSS_SCRIPT} {XSS_IMG}")
    x = m.tensor(f"in {XSS_SCRIPT}", "INT8", [1, 8, 8, 4], scale=0.1, zero_point=0, input=True)
    w = m.tensor(
        f"w {XSS_IMG}",
        "INT8",
        [4, 1, 1, 4],
        data=np.ones((4, 1, 1, 4), np.int8),
        scale=[0.01, 0.02, 0.03, 1e-12],  # one degenerate channel: an outlier
        zero_point=[0, 0, 0, 0],
    )
    y = m.tensor(f"conv {XSS_IMG}", "INT8", [1, 8, 8, 4], scale=0.1, zero_point=0)
    m.op("CONV_2D", [x, w, -1], [y], options=CONV)
    z = m.tensor(f"custom out {XSS_SCRIPT}", "INT8", [1, 8, 8, 4], scale=0.1, zero_point=0)
    m.op("CUSTOM", [y], [z], custom=f"MyOp{XSS_SCRIPT}{XSS_IMG}")
    o = m.tensor(f"out {XSS_IMG}", "INT8", [1, 8, 8, 4], scale=0.1, zero_point=0, output=True)
    m.op("RELU", [z], [o])
    m.subgraphs[0].name = f"main {XSS_SCRIPT}"
    m.add_subgraph(f"second {XSS_IMG}")
    a = m.tensor(f"sg1 in {XSS_SCRIPT}", "FLOAT32", [4], input=True)
    b = m.tensor(f"sg1 out {XSS_IMG}", "FLOAT32", [4], output=True)
    m.op("TANH", [a], [b])
    m.add_metadata(f"meta {XSS_SCRIPT}", XSS_IMG.encode())
    return m.build()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def report_html(paths: list[Path | str], targets: tuple[str, ...] = (MY_NPU,)) -> str:
    options = LintOptions(targets=targets)
    profiles = load_profiles(options)
    entries = [(load(str(p)), lint_model(str(p), profiles, options)) for p in paths]
    return render_report(build_view_model(entries))


def view_of(paths: list[Path | str], targets: tuple[str, ...] = (MY_NPU,)) -> dict:
    options = LintOptions(targets=targets)
    profiles = load_profiles(options)
    entries = [(load(str(p)), lint_model(str(p), profiles, options)) for p in paths]
    return build_view_model(entries)


def embedded_data(html: str) -> list[dict]:
    blocks = re.findall(
        r'<script type="application/json" class="model-data"[^>]*>(.*?)</script>', html, re.S
    )
    return [json.loads(b) for b in blocks]


SAMPLE = SAMPLES / "small_cnn_int8.tflite"


# -- the view model ---------------------------------------------------------------------------
def test_view_model_has_header_cards_findings_and_graph_data(tmp_path: Path) -> None:
    path = write(tmp_path, "large.tflite", large_model_bytes(400))
    view = view_of([path])
    json.dumps(view, allow_nan=False, default=str)  # plain data
    assert view["targets"] == [{"name": "my-npu", "title": "Example NPU (int8 only)"}]
    (m,) = view["models"]
    assert m["name"] == "large.tflite" and m["error"] is None
    h = m["header"]
    assert h["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert h["schema_version"] == 3 and h["description"].startswith("generated")
    assert h["n_ops"] >= 400
    (card,) = m["targets"]
    assert card["name"] == "my-npu" and card["level"] == "warn"
    assert card["headline"] == "Partially delegated"
    assert 0 < card["ops_pct"] < 100 and card["partitions"] >= 2 and card["transitions"] >= 2
    opcodes = {f["opcode"] for f in card["fallback"]}
    assert {"LOGISTIC", "QUANTIZE"} <= opcodes
    assert all(f["reason"] and f["href"].startswith("#m0-op-0-") for f in card["fallback"])
    assert m["findings_total"] == len(m["data"]["findings"]) > 0
    assert m["float_islands"] and m["float_ops_total"] >= 2
    data = m["data"]
    sg = data["subgraphs"][0]
    assert len(sg["ops"]) == h["n_ops"] and len(sg["tensors"]) == h["n_tensors"]
    (t,) = data["targets"]
    assert len(t["status"][0]) == h["n_ops"] and set(t["status"][0]) <= {"d", "f"}
    assert t["partitions"] and t["reasons"]
    # a conv's op row: name, opcode, version, inputs, outputs, options, MACs, float flag
    conv = next(op for op in sg["ops"] if op[1] == "CONV_2D")
    assert conv[5]["fused_activation_function"] == "RELU6" and conv[6] > 0 and conv[7] == 0
    w = sg["tensors"][conv[3][1]]
    assert w[1] == "INT8" and w[4] == "c" and w[5]["n"] == 8 and w[5]["ax"] == 0


def test_charts_cover_bytes_macs_and_scale_outliers(tmp_path: Path) -> None:
    path = write(tmp_path, "hostile.tflite", hostile_model_bytes())
    charts = view_of([path])["models"][0]["charts"]
    assert charts["bytes_by_dtype"]["rows"][0]["label"] == "INT8"
    assert charts["bytes_by_op"]["rows"][0]["label"] == "CONV_2D"
    assert charts["macs_by_type"]["rows"][0]["label"] == "CONV_2D"
    assert charts["macs_top_ops"]["rows"][0]["href"] == "#m0-op-0-0"
    scales = charts["scales"]
    assert scales["n_wt"] == 4 and scales["n_act"] >= 4
    assert any(b["outliers"] for b in scales["bins"])
    (o,) = [o for o in scales["outliers"] if o["kind"] == "weights"]
    assert o["name"].startswith("w ") and o["channels"] == 1 and o["of"] == 4


def test_model_without_targets_and_unreadable_model(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.tflite", b"not a model at all")
    good = SAMPLE
    options = LintOptions(targets=())
    entries = [(load(str(good)), lint_model(str(good), [], options))]
    entries.append((None, lint_model(str(bad), [], options)))
    view = build_view_model(entries)
    assert [m["error"] is None for m in view["models"]] == [True, False]
    html = render_report(view)
    assert "No targets were evaluated" in html
    assert "cannot be read" in html and "bad.tflite" in html
    assert len(embedded_data(html)) == 1


def test_several_models_get_an_index_and_one_section_each(tmp_path: Path) -> None:
    a = write(tmp_path, "a.tflite", large_model_bytes(60))
    html = report_html([a, SAMPLE])
    assert 'id="index"' in html
    assert 'href="#m0"' in html and 'href="#m1"' in html
    assert 'id="m0"' in html and 'id="m1"' in html
    assert [d["id"] for d in embedded_data(html)] == ["m0", "m1"]


# -- escaping and self-containedness -------------------------------------------------------------
def test_hostile_names_are_escaped_everywhere(tmp_path: Path) -> None:
    path = write(tmp_path, 'evil"><svg onload=alert(3)>.tflite', hostile_model_bytes())
    html = report_html([path])
    # exactly the report's own script elements, nothing injected
    assert len(re.findall(r"<script\b", html)) == 3
    assert XSS_SCRIPT not in html and "<img" not in html and "<svg onload" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the description, as text
    (data,) = embedded_data(html)
    names = {t[0] for sg in data["subgraphs"] for t in sg["tensors"]}
    assert f"in {XSS_SCRIPT}" in names and f"w {XSS_IMG}" in names
    assert data["subgraphs"][0]["ops"][1][0] == f"MyOp{XSS_SCRIPT}{XSS_IMG}"
    assert data["subgraphs"][1]["name"] == f"second {XSS_IMG}"


def test_json_script_cannot_close_the_script_element() -> None:
    text = str(json_script({"a": "</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_report_is_self_contained(tmp_path: Path) -> None:
    html = report_html([write(tmp_path, "m.tflite", large_model_bytes(60)), SAMPLE])
    assert not re.search(r"""\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""",
                         html, re.I)  # fmt: skip
    assert not re.search(r"<(?:link|iframe|img|object|embed|base)\b", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(?!#)", html)  # CSS url(): only local #fragments
    assert "@import" not in html
    scripts = re.findall(r"<script(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S)
    assert len(scripts) == 2
    for js in scripts:
        assert not re.search(r"\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon", js)
        assert not re.search(r"\bimport\s*\(|^\s*import\s", js, re.M)
        assert "sourceMappingURL" not in js
        assert "<!--" not in js and "</script" not in js.lower()
        assert not re.search(r"\b(?:src|href)\s*=\s*['\"]https?:", js)
    # the CSP allows exactly those two scripts, and nothing to be loaded
    csp = re.search(r'Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert csp.count("'sha256-") == 2 and "unsafe-inline" not in csp.split("style-src")[0]


def test_vendored_dagre_matches_its_record() -> None:
    vendor = templates_dir().joinpath("vendor")
    js = vendor.joinpath("dagre.min.js").read_bytes()
    record = vendor.joinpath("VENDORED.md").read_text(encoding="utf-8")
    assert hashlib.sha256(js).hexdigest() in record
    assert "@dagrejs/dagre" in record and "3.1.3" in record and "MIT" in record
    assert templates_dir().joinpath("__init__.py").is_file()


def test_render_is_deterministic(tmp_path: Path) -> None:
    path = write(tmp_path, "m.tflite", large_model_bytes(60))
    assert report_html([path]) == report_html([path])


def test_large_model_report_stays_small_enough(tmp_path: Path) -> None:
    path = write(tmp_path, "large.tflite", large_model_bytes(5000))
    model = parse_bytes(path.read_bytes(), str(path))
    assert sum(len(sg.operators) for sg in model.subgraphs) >= 5000
    html = report_html([path])
    assert len(html.encode()) < 8_000_000


@pytest.mark.corpus
def test_mobilenet_v2_report_is_under_2_mb() -> None:
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("model corpus not found (TFLITE_CORPUS, default ../shared/models)")
    html = report_html([corpus / MOBILENET])
    assert len(html.encode()) < 2_000_000
    (data,) = embedded_data(html)
    assert len(data["subgraphs"][0]["ops"]) > 60


# -- the command ------------------------------------------------------------------------------
def run_report(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    report_cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["report", *argv])
    return report_cli.cmd_report(args)


def test_command_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert run_report(str(SAMPLE), "-o", str(out), "-t", MY_NPU) == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "small_cnn_int8.tflite" in html
    assert "wrote" in capsys.readouterr().err


def test_command_keeps_going_past_an_unreadable_model(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.tflite", b"\0" * 64)
    out = tmp_path / "r.html"
    assert run_report(str(SAMPLE), str(bad), "-o", str(out), "-t", MY_NPU) == 2
    html = out.read_text(encoding="utf-8")
    assert "bad.tflite" in html and "small_cnn_int8.tflite" in html


def test_nothing_is_written_when_no_model_can_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.tflite", b"\0" * 64)
    out = tmp_path / "r.html"
    assert run_report(str(bad), "-o", str(out), "-t", MY_NPU) == 2
    assert not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.tflite" in err[0]


def test_command_walks_directories(tmp_path: Path) -> None:
    write(tmp_path, "a.tflite", SAMPLE.read_bytes())
    write(tmp_path, "b.tflite", SAMPLE.read_bytes())
    out = tmp_path / "out" / "r.html"
    out.parent.mkdir()
    assert run_report(str(tmp_path), "-o", str(out), "-t", MY_NPU) == 0
    assert len(embedded_data(out.read_text(encoding="utf-8"))) == 2


def test_registered_in_the_cli_when_wired(tmp_path: Path) -> None:
    from inspector.cli import build_parser

    try:
        args = build_parser().parse_args(["report", str(SAMPLE), "-o", str(tmp_path / "r.html")])
    except SystemExit:
        pytest.skip("the report command is not registered in inspector/cli.py yet")
    assert args.func is report_cli.cmd_report


# -- changes since a baseline model, and the standalone diff page ----------------------------
FLOAT = SAMPLES / "small_cnn_float32.tflite"


def test_standalone_diff_page_has_every_part_and_runs_nothing() -> None:
    from inspector.diff import diff_models
    from inspector.report import render_diff_html

    d = diff_models(str(FLOAT), str(SAMPLE), LintOptions(targets=(MY_NPU, "xnnpack")))
    html = render_diff_html(d)
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    csp = re.search(r'Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "script-src 'none'" in csp and "default-src 'none'" in csp
    assert not re.search(r"<(?:link|iframe|img|object|embed|base)\b", html, re.I)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Changes since" in text and "small_cnn_float32.tflite" in text
    assert re.search(r"size\s+9\.3 KiB \(9,508 B\)\s+6\.5 KiB \(6,640 B\)\s+-30\.2%", text)
    assert re.search(r"quantization\s+float32\s+int8\s+changed", text)
    assert re.search(r"Ops changed\s+7", text) and "version 1 -&gt; 3" in html
    assert re.search(r"Fixed findings\s+7", text)
    # xnnpack: SOFTMAX falls back in the int8 model, so the verdict got worse
    row = re.search(r'<tr data-target="xnnpack" data-verdict="(\w+)">(.*?)</tr>', html, re.S)
    assert row.group(1) == "worse" and "85.7%" in row.group(2) and "+1" in row.group(2)
    assert re.search(r"New findings\s+\d", text) and "D003" in html


def test_diff_format_html_from_the_command_line() -> None:
    from cli_helpers import run_cli

    result = run_cli("diff", "--format", "html", "-t", MY_NPU, str(FLOAT), str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and "Changes since" in result.stdout


def test_baseline_adds_changes_since_old_to_the_report(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run_report("--baseline", str(FLOAT), str(SAMPLE), "-t", f"{MY_NPU},xnnpack",
                      "-o", str(out)) == 0  # fmt: skip
    html = out.read_text(encoding="utf-8")
    section = re.search(r'<section class="changes" id="m0-changes".*?</section>', html, re.S)
    assert section, "no changes section"
    changes = section.group(0)
    assert "small_cnn_float32.tflite" in changes and "-30.2%" in changes
    # a new finding links to its op in the new model's graph
    assert 'href="#m0-op-0-6"' in changes and "SOFTMAX" in changes
    assert html.index('id="m0-changes"') < html.index('class="tabs"')  # above the tabs
    assert len(embedded_data(html)) == 1


def test_baseline_usage_errors(tmp_path: Path) -> None:
    from inspector.errors import UsageError

    with pytest.raises(UsageError, match="one model"):
        run_report("--baseline", str(FLOAT), str(SAMPLE), str(FLOAT), "-o", str(tmp_path / "r"))
    with pytest.raises(UsageError, match="no such file"):
        run_report("--baseline", str(tmp_path / "nope.tflite"), str(SAMPLE), "-o", "-")


# -- a model converted from a source (the view only; test_report_sources.py converts) --------
def converted_entries(tmp_path: Path) -> list:
    """The sample as if converted from a SavedModel, with measured layers (one not finite,
    hostile tensor names), and a source whose conversion failed."""
    import dataclasses

    from inspector.findings import Finding
    from inspector.lint import ModelReport
    from inspector.quant_error import LayerError
    from inspector.report import ModelExtras
    from inspector.sources import Converted

    errors = [(float("inf"), 0.5), (0.12, 0.9), (0.03, 0.97), (0.004, 0.9999)]
    layers = [LayerError(f"t{i} {XSS_SCRIPT}", i, "CONV_2D", "INT8", 0.01, 1.0, rel, cos)
              for i, (rel, cos) in enumerate(errors)]  # fmt: skip
    settings = {"quantize": "int8", "io": "int8", "calibration": "/data/calib.npz",
                "allow_flex": False}  # fmt: skip
    c3 = Finding("/src/saved", None, None, "C003", None, "warning", "converter: op not quantized")
    conv = Converted("/src/saved", str(SAMPLE), settings, "2.21.0", [c3], layers)
    options = LintOptions(targets=(MY_NPU,))
    report = lint_model(str(SAMPLE), load_profiles(options), options)
    report = dataclasses.replace(report, path=conv.source, findings=[*report.findings, c3])
    c2 = Finding("/src/flex", None, None, "C002", None, "error", "no TFLite builtin: tf.Det")
    bad = Converted("/src/flex", None, {"quantize": "none", "io": "float"}, "2.21.0", [c2])
    failed = ModelReport(path=bad.source, error="no TFLite builtin: tf.Det", findings=[c2])
    return [(load(str(SAMPLE)), report, ModelExtras(converted=conv)),
            (None, failed, ModelExtras(converted=bad))]  # fmt: skip


def test_conversion_settings_findings_and_layer_error(tmp_path: Path) -> None:
    view = build_view_model(converted_entries(tmp_path))
    m, failed = view["models"]
    conv = m["conversion"]
    assert conv["chips"] == ["quantize int8", "I/O int8", "calibration calib.npz",
                             "TensorFlow 2.21.0"]  # fmt: skip
    assert ("calibration", "/data/calib.npz") in conv["rows"]
    assert conv["flagged"] == 3 and conv["layers_total"] == 4
    assert [r["rel_rmse_text"] for r in conv["layers"]] == ["inf", "12.00%", "3.00%", "0.40%"]
    assert conv["layers"][0]["href"] == "#m0-op-0-0"
    bars = conv["chart"]["bars"]
    assert bars[0]["frac"] == 1.0 and 0 < conv["chart"]["threshold"] < 1
    html = render_report(view)
    assert "C003" in {s for d in embedded_data(html) for s in d["strings"]}
    assert 'data-tab="qerror"' in html and 'class="grid qerror-table"' in html
    assert html.count('<g class="qbar flagged"') == 3 and html.count('<g class="qbar"') == 1
    assert XSS_SCRIPT not in html
    assert "This source could not be converted" in html and "C002" in html
    assert failed["error_findings"][0]["code"] == "C002"
