"""`tflite-inspector inspect`: text, tables, JSON against its published schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from cli_helpers import run_cli
from corpus import corpus_params, corpus_path, sample_models

from inspector.analyses.quantization import summarize
from inspector.analyses.stats import model_stats
from inspector.parse import load
from inspector.render.inspect_json import model_json

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "inspector/schemas/inspect.schema.json").read_text()
)


def _sample(stem: str) -> Path:
    return next(p for p in sample_models() if p.stem == stem)


def test_text_summary_names_what_a_reviewer_needs() -> None:
    result = run_cli("inspect", str(_sample("small_cnn_int8")))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for needle in [
        "6,640 bytes, schema v3",
        "full-integer int8; INT8 in, INT8 out",
        "CONV_2D x2",
        "scale=0.00392151 zp=-128",
        "signature",
        "serving_default",
        "CONVERSION_METADATA",
        "optimization_modes=['PTQ_FULL_INTEGER']",
    ]:
        assert needle in out, needle


def test_ops_and_tensors_tables() -> None:
    result = run_cli("inspect", "--ops", "--tensors", str(_sample("small_cnn_float32")))
    assert result.returncode == 0
    assert "DEPTHWISE_CONV_2D" in result.stdout
    assert "fused_activation_function=RELU" in result.stdout
    assert "[?,28,28,1]" in result.stdout


def test_json_has_the_documented_keys_and_validates() -> None:
    result = run_cli("inspect", "--format", "json", str(_sample("mnist_mlp_int8")))
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    sg = doc["subgraphs"][0]
    fc = next(o for o in sg["operators"] if o["opcode"] == "FULLY_CONNECTED")
    weights = sg["tensors"][fc["inputs"][1]]
    assert weights["dtype"] == "INT8" and weights["is_constant"]
    assert len(weights["quantization"]["scale"]) == weights["shape"][0]  # per-channel
    assert doc["quantization"]["scheme"] == "int8"


def test_json_for_several_models_is_a_list() -> None:
    paths = [str(p) for p in sample_models()[:3]]
    doc = json.loads(run_cli("inspect", "--format", "json", *paths).stdout)
    assert [d["path"] for d in doc] == paths


def test_optional_inputs_are_minus_one() -> None:
    path = corpus_path("gh_google-ai-edge_LiteRT_quantization-testdata/single_conv_no_bias.tflite")
    doc = json.loads(run_cli("inspect", "--format", "json", str(path)).stdout)
    assert doc["subgraphs"][0]["operators"][0]["inputs"][2] == -1


def test_output_is_deterministic() -> None:
    args = ("inspect", "--format", "json", str(_sample("small_cnn_int16x8")))
    assert run_cli(*args).stdout == run_cli(*args).stdout


def test_help_teaches() -> None:
    result = run_cli("inspect", "--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and "--format" in result.stdout
    bad = run_cli("inspect", "--format", "xml", str(_sample("small_cnn_int8")))
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_params("OK", "ALLOC_FAIL"))
def test_every_loadable_corpus_model_renders_valid_json(rel: str) -> None:
    model = load(corpus_path(rel))
    doc = json.loads(json.dumps(model_json(model, model_stats(model), summarize(model))))
    jsonschema.validate(doc, SCHEMA)
