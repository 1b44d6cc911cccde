"""Parser: samples, in-memory models with one precise feature or defect each."""

from __future__ import annotations

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import sample_models

from inspector.analyses.quantization import summarize
from inspector.errors import ModelFormatError
from inspector.parse import load, parse_bytes


def _conv_model(**conv_options: object) -> ModelBuilder:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [1, 8, 8, 3], input=True)
    w = m.tensor("w", "FLOAT32", [4, 3, 3, 3], data=np.ones((4, 3, 3, 3), np.float32))
    y = m.tensor("y", "FLOAT32", [1, 6, 6, 4], output=True)
    opts = {"padding": "VALID", "stride_w": 1, "stride_h": 1, **conv_options}
    m.op("CONV_2D", [x, w, -1], [y], options=("Conv2DOptions", opts), version=2)
    return m


def test_every_sample_parses_with_the_scheme_its_name_says() -> None:
    expected = {
        "float32": "float32",
        "dynamic": "dynamic-range",
        "float16": "float16",
        "int8_floatio": "int8",
        "int8": "int8",
        "int16x8": "int16x8",
    }
    samples = sample_models()
    assert len(samples) == 12
    for path in samples:
        variant = next(v for v in sorted(expected, key=len, reverse=True) if path.stem.endswith(v))
        model = load(path)
        assert summarize(model).scheme == expected[variant], path.name
        assert not model.warnings


def test_int8_io_sample_has_int8_io_and_float_io_sample_has_float() -> None:
    samples = {p.stem: p for p in sample_models()}
    q = summarize(load(samples["small_cnn_int8"]))
    assert q.inputs == ("INT8",) and q.outputs == ("INT8",)
    q = summarize(load(samples["small_cnn_int8_floatio"]))
    assert q.inputs == ("FLOAT32",) and q.outputs == ("FLOAT32",)


def test_options_are_decoded_with_schema_names_and_enum_names() -> None:
    model = parse_bytes(_conv_model(fused_activation_function="RELU6", dilation_h_factor=2).build())
    op = model.main.operators[0]
    assert op.opcode == "CONV_2D" and op.version == 2
    assert op.options["fused_activation_function"] == "RELU6"
    assert op.options["padding"] == "VALID"
    assert op.options["dilation_h_factor"] == 2
    assert op.inputs == (0, 1, -1)


def test_constant_data_is_a_view_into_the_file_not_a_copy(tmp_path) -> None:
    path = tmp_path / "conv.tflite"
    path.write_bytes(_conv_model().build())
    model = load(path)
    w = model.tensor_data(0, 1)
    assert w is not None and w.shape == (4, 3, 3, 3) and float(w.sum()) == 108.0
    assert not w.flags.owndata and not w.flags.writeable
    assert model.tensor_data(0, 0) is None


def test_unknown_opcode_and_dtype_are_reported_not_fatal() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [4], input=True)
    y = m.tensor("y", 30, [4], output=True)  # a tensor type no schema knows yet
    m.op(250, [x], [y])  # a builtin code beyond the pinned schema
    model = parse_bytes(m.build())
    assert model.main.operators[0].opcode == "UNKNOWN_250"
    assert model.main.tensors[1].dtype == "UNKNOWN_30"
    assert {w.code for w in model.warnings} == {"TFL001", "TFL003"}


def test_types_newer_than_the_tflite_package_are_named() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "INT2", [4], input=True)
    y = m.tensor("y", "FLOAT8_E4M3FN", [4], output=True)
    m.op("CAST", [x], [y])
    model = parse_bytes(m.build())
    assert [t.dtype for t in model.main.tensors] == ["INT2", "FLOAT8_E4M3FN"]
    assert not model.warnings


def test_custom_op_and_builtin_with_custom_name() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [4], input=True)
    y = m.tensor("y", "FLOAT32", [4])
    z = m.tensor("z", "FLOAT32", [4], output=True)
    m.op("CUSTOM", [x], [y], custom="MyOp")
    m.op("ABS", [y], [z], custom="NotAbs")
    model = parse_bytes(m.build())
    a, b = model.main.operators
    assert (a.opcode, a.custom_code, a.name) == ("CUSTOM", "MyOp", "MyOp")
    assert (b.opcode, b.name) == ("ABS", "ABS")
    assert [w.code for w in model.warnings] == ["TFL002"]


def test_control_flow_subgraph_references_are_checked() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [1], input=True)
    y = m.tensor("y", "FLOAT32", [1], output=True)
    m.op("CALL_ONCE", [], [], options=("CallOnceOptions", {"init_subgraph_index": 1}))
    m.op("ABS", [x], [y])
    with pytest.raises(ModelFormatError, match="calls subgraph 1, but the model has 1"):
        parse_bytes(m.build(), "cf.tflite")
    m.add_subgraph("init")
    model = parse_bytes(m.build())
    assert model.main.operators[0].called_subgraphs == (1,)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda m: setattr(m, "version", 4), "schema version 4 is not supported"),
        (lambda m: m.sg.ops[0].outputs.__setitem__(0, 9), "refers to tensor 9"),
        (lambda m: m.sg.tensors[1].__setattr__("buffer", 7), "buffer 7 is out of range"),
        (lambda m: m.sg.tensors[1].__setattr__("shape", [4, 3, 3, 2]), "needs 288 bytes"),
        (lambda m: m.sg.tensors[0].__setattr__("shape", [1, -1, 8, 3]), "negative dimension"),
        (lambda m: m.sg.ops[0].__setattr__("opcode", 3), "opcode_index 3 is out of range"),
    ],
)
def test_hard_errors_name_file_object_and_problem(mutate, message) -> None:
    m = _conv_model()
    mutate(m)
    with pytest.raises(ModelFormatError, match=message) as exc:
        parse_bytes(m.build(), "bad.tflite")
    assert str(exc.value).startswith("bad.tflite: ")


@pytest.mark.parametrize(
    "scale, zp, qdim, message",
    [
        ([0.1, 0.2], [0], 0, "2 scales but 1 zero points"),
        ([0.1] * 4, [0] * 4, 4, "quantized_dimension must be in"),
        ([0.1] * 3, [0] * 3, 0, "3 scales for a dimension of size 4"),
    ],
)
def test_quantization_parameters_checked_as_the_runtime_does(scale, zp, qdim, message) -> None:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 4], input=True, scale=0.5, zero_point=0)
    w = m.tensor(
        "w",
        "INT8",
        [4, 4],
        data=np.zeros((4, 4), np.int8),
        scale=scale,
        zero_point=zp,
        quantized_dimension=qdim,
    )
    y = m.tensor("y", "INT8", [1, 4], output=True, scale=0.5, zero_point=0)
    m.op("FULLY_CONNECTED", [x, w, -1], [y])
    with pytest.raises(ModelFormatError, match=message):
        parse_bytes(m.build())


def test_metadata_min_runtime_version_is_decoded() -> None:
    m = _conv_model()
    m.add_metadata("min_runtime_version", b"2.3.0\0\0\0\0\0\0\0\0\0\0\0")
    m.add_metadata("vendor_blob", b"\x01\x02")
    model = parse_bytes(m.build())
    assert model.metadata_value("min_runtime_version") == "2.3.0"
    assert [(x.name, x.size) for x in model.metadata][1] == ("vendor_blob", 2)


def test_samples_carry_conversion_metadata() -> None:
    model = load(next(p for p in sample_models() if p.stem == "small_cnn_int8"))
    conv = model.metadata_value("CONVERSION_METADATA")
    assert conv["model_type"] == "KERAS_MODEL"
    assert conv["optimization_modes"] == ["PTQ_FULL_INTEGER"]
