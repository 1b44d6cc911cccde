"""Converter front-end, end to end: the TFLite primer's MNIST MLP in all five modes, from a
SavedModel and a .keras file; Flex handling; the per-layer error; no TensorFlow -> one line.

TensorFlow runs only in child processes: the rest of the suite never imports it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run_cli
from corpus import ROOT

from inspector.analyses.quantization import op_domain
from inspector.parse import load

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None,
    reason="TensorFlow not installed (pip install -e '.[convert]')",
)
NPU = str(ROOT / "docs" / "examples" / "my_npu.toml")


MODES = [
    ("none", [], "float32", 1e-5),
    ("dynamic", [], "dynamic-range", 0.05),
    ("float16", [], "float16", 1e-2),
    ("int8", ["--calibration", "{calib}"], "int8", 0.05),
    ("int16x8", ["--calibration", "{calib}"], "int16x8", 0.02),
]


def _run_tflite(path: Path, x: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(path))
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    results = []
    for sample in x:
        interp.resize_tensor_input(inp["index"], [1, *sample.shape])
        interp.allocate_tensors()
        data = sample[None]
        if inp["dtype"] != np.float32:
            scale, zp = inp["quantization"]
            data = np.clip(np.round(data / scale + zp), -128, 127).astype(inp["dtype"])
        interp.set_tensor(inp["index"], data)
        interp.invoke()
        y = interp.get_tensor(out["index"]).astype(np.float32)
        if out["dtype"] != np.float32:
            scale, zp = out["quantization"]
            y = (y - zp) * scale
        results.append(y[0])
    return np.stack(results)


@pytest.mark.parametrize("source", ["mlp.keras", "mlp_saved"])
@pytest.mark.parametrize("mode, extra, scheme, tol", MODES)
def test_every_mode_gives_its_scheme_and_runs_close_to_keras(
    sources: Path,
    tmp_path: Path,
    source: str,
    mode: str,
    extra: list[str],
    scheme: str,
    tol: float,
) -> None:
    out = tmp_path / f"{mode}.tflite"
    args = [a.format(calib=sources / "calib.npz") for a in extra]
    result = run_cli(
        "convert", str(sources / source), "-o", str(out), "--quantize", mode, *args, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""  # TensorFlow's own logging does not leak
    doc = json.loads(run_cli("inspect", "--format", "json", str(out)).stdout)
    assert doc["quantization"]["scheme"] == scheme
    model = load(out)
    sg = model.main
    if mode == "float16":
        deq = [op for op in sg.operators if op.opcode == "DEQUANTIZE"]
        assert deq and all(sg.tensors[op.inputs[0]].dtype == "FLOAT16" for op in deq)
    if mode in ("int8", "int16x8"):
        assert {op_domain(sg, op) for op in sg.operators} <= {"int8", "int16", "neutral"}
        for op in sg.operators:
            if op.opcode == "FULLY_CONNECTED":
                w = sg.tensors[op.inputs[1]]
                assert w.dtype == "INT8" and w.scale.size == w.shape[0]  # per channel
    x = np.load(sources / "calib.npz")["image"]
    expected = np.load(sources / "expected.npz")["probs"]
    np.testing.assert_allclose(_run_tflite(out, x), expected, atol=tol)


def test_int8_io_preset_and_measured_error(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "tflm.tflite"
    result = run_cli(
        "convert",
        str(sources / "mlp.keras"),
        "-o",
        str(out),
        "--for",
        "tflm",
        "--calibration",
        str(sources / "calib.npz"),
        "--measure",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(run_cli("inspect", "--format", "json", str(out)).stdout)
    assert doc["quantization"]["io"] == {"inputs": ["INT8"], "outputs": ["INT8"]}
    assert "per-layer quantization error" in result.stdout
    rows = [line for line in result.stdout.splitlines() if "FULLY_CONNECTED" in line]
    assert len(rows) == 2 and all("%" in r for r in rows)


def test_int8_calibrated_from_a_folder_of_images(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "cnn.tflite"
    result = run_cli("convert", str(sources / "cnn.keras"), "-o", str(out), "--quantize", "int8",
                     "--calibration", str(sources / "images"), timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(run_cli("inspect", "--format", "json", str(out)).stdout)
    assert doc["quantization"]["scheme"] == "int8"


def test_flex_needs_allow_flex_and_is_then_flagged_by_lint(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "flex.tflite"
    refused = run_cli("convert", str(sources / "flex_saved"), "-o", str(out), timeout=600)
    assert refused.returncode == 1 and not out.exists()
    assert "C002" in refused.stdout and "tf.MatrixDeterminant" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr
    ok = run_cli(
        "convert", str(sources / "flex_saved"), "-o", str(out), "--allow-flex", timeout=600
    )
    assert ok.returncode == 0, ok.stderr
    lint = run_cli("lint", "-t", NPU, "--quiet", str(out))
    assert "D012 [my-npu] FlexMatrixDeterminant" in lint.stdout
    assert "H004" in lint.stdout


def test_lint_takes_a_source_model_directly(sources: Path) -> None:
    result = run_cli(
        "lint",
        "-t",
        NPU,
        "--format",
        "json",
        str(sources / "mlp_saved"),
        "--quantize",
        "int8",
        "--calibration-random",
        "8",
        timeout=600,
    )
    doc = json.loads(result.stdout)
    (model,) = doc["models"]
    assert model["path"] == str(sources / "mlp_saved")
    assert model["quantization"]["scheme"] == "int8"
    codes = {f["code"] for f in model["findings"]}
    assert "C004" in codes  # random calibration is flagged


def test_without_tensorflow_convert_says_how_to_install(tmp_path: Path, sources: Path) -> None:
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "tensorflow.py").write_text("raise ImportError('blocked for the test')\n")
    result = run_cli(
        "convert",
        str(sources / "mlp.keras"),
        "-o",
        str(tmp_path / "x.tflite"),
        env={"PYTHONPATH": f"{blocker}:{ROOT}"},
    )
    assert_one_line_error(result, "pip install 'tflite-inspector[convert]'")
