"""Every file the runtime cannot load, and worse, gives exit 2 and one clear line."""

from __future__ import annotations

import os
import random
import resource
import time
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run_cli
from corpus import corpus_params, corpus_path, sample_models

# The runtime's own reasons for the LOAD_FAIL rows, and what we say instead.
LOAD_FAIL_REASON = {
    "invalid_model.tflite": "not a TFLite flatbuffer",
    "test_model_broken.tflite": "not a TFLite flatbuffer",
    "ds_cnn_l_quantized.tflite": "Git LFS pointer",
    "lstm_calibrated2.tflite": "negative dimension",
    "lstm_quantized2.tflite": "negative dimension",
    "transpose.tflite": "schema version 2 is not supported",
    "0_subgraphs.tflite": "no subgraph",
    "person_detect.tflite": "quantized_dimension must be in",
}


def _timed(*args: str):
    t0 = time.perf_counter()
    result = run_cli(*args)
    return result, time.perf_counter() - t0


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_params("LOAD_FAIL"))
def test_models_the_runtime_refuses_give_one_line_and_exit_2(rel: str) -> None:
    path = corpus_path(rel)
    result, seconds = _timed("inspect", str(path))
    assert_one_line_error(result, str(path), LOAD_FAIL_REASON[path.name])
    assert seconds < 3  # the budget is 1 s of our own work; the rest is interpreter start-up


@pytest.mark.parametrize("fraction", [0.0005, 0.01, 0.1, 0.37, 0.5, 0.9, 0.999])
def test_truncated_models(tmp_path: Path, fraction: float) -> None:
    src = next(p for p in sample_models() if p.stem == "mnist_mlp_int8")
    data = src.read_bytes()
    cut = tmp_path / "cut.tflite"
    cut.write_bytes(data[: max(1, int(len(data) * fraction))])
    result = run_cli("inspect", str(cut))
    assert_one_line_error(result, str(cut))


def test_random_bytes_empty_file_directory_and_missing_path(tmp_path: Path) -> None:
    rnd = tmp_path / "random.tflite"
    rnd.write_bytes(random.Random(7).randbytes(4096))
    empty = tmp_path / "empty.tflite"
    empty.write_bytes(b"")
    folder = tmp_path / "folder.tflite"
    folder.mkdir()
    for path, needle in [
        (rnd, "not a TFLite flatbuffer"),
        (empty, "the file is empty"),
        (folder, "no .tflite files found"),
        (tmp_path / "missing.tflite", "no such file"),
    ]:
        result = run_cli("inspect", str(path))
        assert_one_line_error(result, needle)


def test_a_bad_model_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\0" * 64)
    good = sample_models()[0]
    result = run_cli("inspect", str(bad), str(good))
    assert result.returncode == 2
    assert str(good) in result.stdout
    assert_one_line_error(result, str(bad))


def test_memory_stays_bounded_on_bad_input(tmp_path: Path) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    huge = tmp_path / "huge_claim.tflite"
    data = bytearray(next(p for p in sample_models() if p.stem == "small_cnn_int8").read_bytes())
    data[-64:] = b"\xff" * 64
    huge.write_bytes(bytes(data))
    run_cli("inspect", str(huge))
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert max(before, after) < 300 * 1024  # KiB: the whole child, Python and numpy included


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_cli_never_tracebacks_on_mutants(tmp_path: Path) -> None:
    from fuzz_worker import mutate

    rng = random.Random(2026)
    src = next(p for p in sample_models() if p.stem == "small_cnn_int8").read_bytes()
    for i in range(12):
        path = tmp_path / f"m{i}.tflite"
        path.write_bytes(mutate(src, rng))
        result = run_cli("inspect", "--format", "json", str(path))
        assert result.returncode in (0, 1, 2), result
        assert "Traceback" not in result.stderr
