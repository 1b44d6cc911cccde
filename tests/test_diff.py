"""`tflite-inspector diff`: a float and an int8 conversion of the same model."""

from __future__ import annotations

from cli_helpers import run_cli
from corpus import ROOT, sample_models

NPU = str(ROOT / "docs" / "examples" / "my_npu.toml")


def _sample(stem: str) -> str:
    return str(next(p for p in sample_models() if p.stem == stem))


def test_diff_names_the_quantization_change_and_the_findings_that_differ() -> None:
    result = run_cli("diff", "-t", NPU, _sample("small_cnn_float32"), _sample("small_cnn_int8"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "quantization  float32 -> int8" in out
    assert "I/O types     FLOAT32 -> FLOAT32  =>  INT8 -> INT8" in out
    assert "size          9,508 B -> 6,640 B (-30.2%)" in out
    assert "fixed findings (7):" in out
    assert "D004 [my-npu] CONV_2D falls back to the CPU: input 1 must be quantized" in out
    assert "version 1 -> 3, input types FLOAT32/FLOAT32/FLOAT32 -> INT8/INT8/INT32" in out


def test_markdown_fits_a_pull_request_comment() -> None:
    result = run_cli(
        "diff",
        "-t",
        NPU,
        "--format",
        "markdown",
        _sample("small_cnn_int8"),
        _sample("small_cnn_float32"),
    )
    out = result.stdout
    assert out.startswith("### ") and "| quantization | int8 -> float32 |" in out
    assert "### New findings (7)" in out and "- `D003` [my-npu]" in out


def test_identical_models_and_exit_code() -> None:
    same = run_cli(
        "diff", "-t", NPU, "--exit-code", _sample("small_cnn_int8"), _sample("small_cnn_int8")
    )
    assert same.returncode == 0 and "no differences" in same.stdout
    other = run_cli(
        "diff", "-t", NPU, "--exit-code", _sample("small_cnn_int8"), _sample("mnist_mlp_int8")
    )
    assert other.returncode == 1
    assert "ops added" in other.stdout and "ops removed" in other.stdout


def test_diff_of_an_unreadable_model_is_one_line(tmp_path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"nope")
    result = run_cli("diff", _sample("small_cnn_int8"), str(bad))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
