"""Quantization-gap (Q) and hygiene (H) rules: each from both sides, on built models."""

from __future__ import annotations

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_path, sample_models

from inspector.analyses.hygiene import hygiene_findings
from inspector.analyses.quant_checks import quantization_findings
from inspector.parse import load, parse_bytes


def _codes(data: bytes) -> list[str]:
    model = parse_bytes(data)
    return sorted(f.code for f in quantization_findings(model) + hygiene_findings(model))


def _fc(
    *,
    x_scale=0.5,
    w_zp=0,
    w_scale=0.1,
    b_scale=None,
    b_zp=0,
    per_tensor=True,
    out=("INT8", 0.25, 0),
    x_dtype="INT8",
) -> bytes:
    m = ModelBuilder()
    x = m.tensor(
        "x",
        x_dtype,
        [1, 4],
        input=True,
        **({"scale": x_scale, "zero_point": 0} if x_dtype != "FLOAT32" else {}),
    )
    w = m.tensor(
        "w",
        "INT8",
        [3, 4],
        data=np.ones((3, 4), np.int8),
        scale=[w_scale] * (1 if per_tensor else 3),
        zero_point=[w_zp] * (1 if per_tensor else 3),
    )
    b = m.tensor(
        "b",
        "INT32",
        [3],
        data=np.zeros(3, np.int32),
        scale=[b_scale if b_scale is not None else x_scale * w_scale],
        zero_point=[b_zp],
    )
    dtype, scale, zp = out
    y = m.tensor(
        "y",
        dtype,
        [1, 3],
        output=True,
        **({"scale": scale, "zero_point": zp} if scale is not None else {}),
    )
    m.op("FULLY_CONNECTED", [x, w, b], [y])
    return m.build()


def test_a_clean_int8_fc_has_no_findings() -> None:
    assert _codes(_fc()) == []


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"w_zp": 3}, "Q004"),
        ({"b_scale": 0.2}, "Q006"),
        ({"b_zp": 5}, "Q006"),
        ({"out": ("INT8", None, None)}, "Q003"),
        ({"out": ("INT8", 0.0, 0)}, "Q009"),
        ({"out": ("INT8", float("nan"), 0)}, "Q009"),
        ({"out": ("INT8", 1e-40, 0)}, "Q009"),
        ({"out": ("INT8", 1e9, 0)}, "Q009"),
        ({"out": ("FLOAT32", None, None), "x_dtype": "FLOAT32"}, "Q002"),
    ],
)
def test_each_quantization_rule_fires_alone(kwargs, code) -> None:
    assert _codes(_fc(**kwargs)) == [code]


def _unary(op: str, dtype: str, scale: float, zp: int, options=None) -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", dtype, [1, 8], input=True, scale=0.1, zero_point=0)
    y = m.tensor("y", dtype, [1, 8], output=True, scale=scale, zero_point=zp)
    m.op(op, [x], [y], options=options)
    return m.build()


@pytest.mark.parametrize(
    "op, dtype, good, bad",
    [
        ("SOFTMAX", "INT8", (1 / 256, -128), (1 / 256, 0)),
        ("LOGISTIC", "UINT8", (1 / 256, 0), (1 / 128, 0)),
        ("TANH", "INT8", (1 / 128, 0), (1 / 256, 0)),
        ("TANH", "INT16", (1 / 32768, 0), (1 / 32768, 3)),
    ],
)
def test_fixed_output_parameters(op, dtype, good, bad) -> None:
    opts = ("SoftmaxOptions", {"beta": 1.0}) if op == "SOFTMAX" else None
    assert "Q007" not in _codes(_unary(op, dtype, *good, options=opts))
    assert "Q007" in _codes(_unary(op, dtype, *bad, options=opts))


def test_shared_params_on_concatenation() -> None:
    def concat(scale_b: float) -> bytes:
        m = ModelBuilder()
        a = m.tensor("a", "INT8", [1, 2], input=True, scale=0.1, zero_point=1)
        b = m.tensor("b", "INT8", [1, 2], input=True, scale=scale_b, zero_point=1)
        y = m.tensor("y", "INT8", [1, 4], output=True, scale=0.1, zero_point=1)
        m.op("CONCATENATION", [a, b], [y], options=("ConcatenationOptions", {"axis": 1}))
        return m.build()

    assert _codes(concat(0.1)) == []
    assert _codes(concat(0.2)) == ["Q008"]


def test_int16_zero_point_and_per_tensor_conv_weights() -> None:
    assert _codes(_unary("RELU", "INT16", 0.1, 0)) == []
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 4, 4, 2], input=True, scale=0.1, zero_point=0)
    w = m.tensor("w", "INT8", [3, 1, 1, 2], data=np.ones((3, 1, 1, 2), np.int8), scale=0.1)
    y = m.tensor("y", "INT8", [1, 4, 4, 3], output=True, scale=0.2, zero_point=0)
    m.op("CONV_2D", [x, w, -1], [y], options=("Conv2DOptions", {"padding": "VALID"}))
    assert _codes(m.build()) == ["Q005"]


def test_int16_activation_with_nonzero_zero_point() -> None:
    codes = _codes(_unary("RELU", "INT16", 0.1, 7))
    assert codes == ["Q011"]  # the output; the input has zero point 0


def test_float_island_inside_an_int8_model() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 4], input=True, scale=0.1, zero_point=0)
    f = m.tensor("f", "FLOAT32", [1, 4])
    g = m.tensor("g", "FLOAT32", [1, 4])
    q = m.tensor("q", "INT8", [1, 4], scale=0.1, zero_point=0)
    y = m.tensor("y", "INT8", [1, 4], output=True, scale=0.1, zero_point=0)
    m.op("DEQUANTIZE", [x], [f])
    m.op("EXP", [f], [g])
    m.op("QUANTIZE", [g], [q])
    m.op("RELU", [q], [y])
    findings = quantization_findings(parse_bytes(m.build()))
    assert [(f.code, f.op) for f in findings] == [("Q001", 1)]


def test_hygiene_unused_tensor_and_buffer_and_custom_ops() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [4], input=True)
    y = m.tensor("y", "FLOAT32", [4], output=True)
    m.tensor("orphan", "FLOAT32", [4], data=np.zeros(4, np.float32))
    m.buffer(b"\x01" * 32)  # no tensor points at it
    m.op("CUSTOM", [x], [y], custom="MyKernel")
    assert _codes(m.build()) == ["H001", "H002", "H005"]


def test_flex_and_dynamic_shapes_on_real_models() -> None:
    flex = load(corpus_path("gh_google-ai-edge_LiteRT_tflite-testdata/multi_add_flex.tflite"))
    assert "H004" in {f.code for f in hygiene_findings(flex)}
    sample = load(next(p for p in sample_models() if p.stem == "small_cnn_int8"))
    assert [f.code for f in hygiene_findings(sample)] == ["H003"]
    assert quantization_findings(sample) == []


def test_float_io_on_an_integer_model_for_a_target_that_needs_integer_io() -> None:
    from corpus import ROOT

    from inspector.lint import LintOptions, lint_model, load_profiles

    options = LintOptions(targets=(str(ROOT / "rules" / "edgetpu.toml"),))
    profiles = load_profiles(options)
    samples = {p.stem: str(p) for p in sample_models()}
    floatio = lint_model(samples["small_cnn_int8_floatio"], profiles, options)
    q010 = [f for f in floatio.findings if f.code == "Q010"]
    assert [(f.target, f.tensor) for f in q010] == [("edgetpu", 0), ("edgetpu", 18)]
    intio = lint_model(samples["small_cnn_int8"], profiles, options)
    assert not [f for f in intio.findings if f.code == "Q010"]


def test_samples_schemes_hybrid_and_float_ops() -> None:
    from inspector.analyses.quantization import summarize

    for path in sample_models():
        q = summarize(load(path))
        dynamic = path.stem.endswith("_dynamic")
        assert bool(q.hybrid_ops) == dynamic, path.name
        if path.stem.endswith("_int8"):  # full int8 with int8 I/O
            assert q.float_ops == () and q.inputs == ("INT8",) and q.outputs == ("INT8",)


def _edited_sample(edit) -> bytes:
    """A real sample with its quantization parameters edited in place (the parser's numpy
    views are writable when the model is a bytearray)."""
    data = bytearray(next(p for p in sample_models() if p.stem == "small_cnn_int8").read_bytes())
    model = parse_bytes(data)
    edit(model.main)
    return bytes(data)


def _op(sg, name):
    return next(op for op in sg.operators if op.opcode == name)


@pytest.mark.parametrize(
    "code, edit",
    [
        # SOFTMAX output must be 1/256, -128
        ("Q007", lambda sg: sg.tensors[_op(sg, "SOFTMAX").outputs[0]].scale.__setitem__(0, 0.01)),
        # bias scale = input scale x weight scale
        ("Q006", lambda sg: sg.tensors[_op(sg, "CONV_2D").inputs[2]].scale.__setitem__(0, 1.0)),
        # int8 weights are symmetric
        ("Q004", lambda sg: sg.tensors[_op(sg, "CONV_2D").inputs[1]].zero_point.__setitem__(0, 3)),
        # MAX_POOL_2D keeps its input's parameters
        (
            "Q008",
            lambda sg: sg.tensors[_op(sg, "MAX_POOL_2D").outputs[0]].scale.__setitem__(0, 9.0),
        ),
        # a scale must be positive and finite
        ("Q009", lambda sg: sg.tensors[_op(sg, "MEAN").outputs[0]].scale.__setitem__(0, -1.0)),
    ],
)
def test_each_spec_rule_fires_on_an_edited_real_model(code, edit) -> None:
    before = {f.code for f in quantization_findings(load(str(next(
        p for p in sample_models() if p.stem == "small_cnn_int8"))))}  # fmt: skip
    assert code not in before
    after = quantization_findings(parse_bytes(_edited_sample(edit)))
    assert code in {f.code for f in after}
