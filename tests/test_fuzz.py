"""Mutation fuzzing of the read path, under an address-space cap, with a fixed seed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from corpus import corpus_dir, sample_models

HERE = Path(__file__).resolve().parent
CORPUS_PICKS = [
    "gh_esphome_micro-wake-word-models/vad.tflite",  # CALL_ONCE, resource variables
    "gh_google-ai-edge_LiteRT_quantization-testdata/lstm_calibrated.tflite",
    "gh_google-ai-edge_LiteRT_litert-testdata/blockwise_quantized.tflite",
    "gh_tensorflow_tflite-support/mobilenet_v1_0.25_224_quant.tflite",
]


def _files() -> list[str]:
    files = [str(p) for p in sample_models() if "small_cnn" in p.stem or "int16" in p.stem]
    corpus = corpus_dir()
    if corpus is not None:
        files += [str(corpus / rel) for rel in CORPUS_PICKS if (corpus / rel).is_file()]
    return files


def test_thousands_of_mutants_never_crash_hang_or_leak() -> None:
    files = _files()
    out = subprocess.run(
        [sys.executable, str(HERE / "fuzz_worker.py"), "20261130", "3000", *files],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["failures"] == [], report["failures"][:5]
    assert report["slowest"] < 2.0
    assert report["mutants"] == 3000 and report["rejected"] > 300
