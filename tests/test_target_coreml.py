"""The ``coreml`` target (rules/coreml.toml, inspector/targets/coreml.py).

No oracle can run here (the Core ML delegate needs iOS/macOS), so every encoded constraint has a
built one-op model on each side of it: the accepted side has no failure, the rejected side
exactly one, with the expected rule code and upstream source. Node selection (FP16 DEQUANTIZE
handling, full delegation) and the partition limits are tested on small graphs; corpus models
are sanity-checked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_path

from inspector.dtypes import numpy_dtype
from inspector.engine import FP16_HELPER_SOURCE, evaluate
from inspector.engine import fp16_helper_selector as select
from inspector.model import Model
from inspector.parse import load, parse_bytes
from inspector.profiles import resolve_target

PROFILE = resolve_target("coreml")


@dataclass
class T:
    """A tensor of a built model: ``const`` gives it data (``data`` or zeros)."""

    shape: list[int]
    dtype: str = "FLOAT32"
    const: bool = False
    data: Any = None
    scale: float | None = None

    def add(self, m: ModelBuilder, name: str, output: bool = False) -> int:
        data = None
        if self.const or self.data is not None:
            values = self.data if self.data is not None else np.zeros(self.shape)
            data = np.asarray(values, numpy_dtype(self.dtype)).reshape(self.shape)
        return m.tensor(
            name,
            self.dtype,
            self.shape,
            data=data,
            scale=self.scale,
            zero_point=0 if self.scale is not None else None,
            input=data is None and not output,
            output=output,
        )


def C(shape: list[int], dtype: str = "FLOAT32", data: Any = None) -> T:  # noqa: N802
    return T(shape, dtype, const=True, data=data)


def build(
    op: str,
    ins: list[T | None],
    outs: list[T] | None = None,
    options: tuple[str, dict[str, Any]] | None = None,
    version: int = 1,
) -> Model:
    m = ModelBuilder()
    idx = [-1 if s is None else s.add(m, f"in{i}") for i, s in enumerate(ins)]
    out = [s.add(m, f"out{i}", output=True) for i, s in enumerate(outs or [T([1, 4, 4, 3])])]
    m.op(op, idx, out, options=options, version=version)
    return parse_bytes(m.build())


def failures(model: Model, op: int = 0, **options: Any) -> list:
    profile = PROFILE.with_options(**options) if options else PROFILE
    return select(model, model.main, profile)[op]


X4 = T([1, 4, 4, 3])
CONV = ("Conv2DOptions", {"stride_w": 1, "stride_h": 1, "padding": "SAME"})
DW = ("DepthwiseConv2DOptions", {"stride_w": 1, "stride_h": 1, "depth_multiplier": 1})
ACT = {
    "ADD": "AddOptions",
    "MUL": "MulOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "CONCATENATION": "ConcatenationOptions",
}
POOL = {"filter_width": 2, "filter_height": 2, "stride_w": 1, "stride_h": 1}


def conv(op: str, **kw: Any) -> Model:
    """CONV_2D / DEPTHWISE_CONV_2D with constant 3x3 weights and bias unless overridden."""
    w = kw.pop("w", C([3, 3, 3, 3]) if op == "CONV_2D" else C([1, 3, 3, 3]))
    b = kw.pop("b", C([3]))
    opts = dict((CONV if op == "CONV_2D" else DW)[1], **kw.pop("opts", {}))
    name = "Conv2DOptions" if op == "CONV_2D" else "DepthwiseConv2DOptions"
    ins = [X4, w] if b == "omit" else [X4, w, b]
    return build(op, ins, options=(name, opts), version=kw.pop("version", 1))


def fc(**kw: Any) -> Model:
    x = kw.pop("x", T([1, 8]))
    w = kw.pop("w", C([4, 8]))
    b = kw.pop("b", C([4]))
    opts = dict({"fused_activation_function": "NONE"}, **kw.pop("opts", {}))
    ins = [x, w] if b == "omit" else [x, w, b]
    return build(
        "FULLY_CONNECTED",
        ins,
        [T([1, 4])],
        options=("FullyConnectedOptions", opts),
        version=kw.pop("version", 1),
    )


def pad(
    op: str = "PAD", p: Any = None, dtype: str = "INT32", shape: Any = None, **kw: Any
) -> Model:
    values = [[0, 0], [1, 1], [1, 1], [0, 0]] if p is None else p
    paddings = T(shape or [4, 2], dtype) if kw.get("dynamic") else C(shape or [4, 2], dtype, values)
    ins: list[T | None] = [X4, paddings]
    options = None
    if op == "PADV2":
        ins.append(C([1], "FLOAT32", [0.5]))
    if op == "MIRROR_PAD":
        options = ("MirrorPadOptions", {"mode": kw.get("mode", 0)})
    return build(op, ins, [T([1, 6, 6, 3])], options=options)


def mean(axes: list[int], keep_dims: bool | None = True, x: T = X4, dynamic: bool = False) -> Model:
    a = T([len(axes)], "INT32") if dynamic else C([len(axes)], "INT32", axes)
    options = None if keep_dims is None else ("ReducerOptions", {"keep_dims": keep_dims})
    return build("MEAN", [x, a], [T([1, 1, 1, 3])], options=options)


def reshape(shape: list[int] | None = None, dtype: str = "INT32", dynamic: bool = False) -> Model:
    """RESHAPE with the new shape as input 1."""
    n = len(shape or [])
    s = T([n], dtype) if dynamic else C([n], dtype, shape)
    return build("RESHAPE", [X4, s], [T([1, 16, 3])])


def reshape1(new_shape: list[int] | None) -> Model:
    """RESHAPE with one input; ``new_shape`` in ReshapeOptions (None: no options table). The
    vector is set on the parsed op: ModelBuilder writes scalar options only."""
    model = build("RESHAPE", [X4], [T([1, 16, 3])])
    if new_shape is not None:
        set_options(model, 0, {"new_shape": new_shape})
    return model


def set_options(model: Model, op: int, options: dict[str, Any]) -> None:
    sg = model.main
    ops = list(sg.operators)
    ops[op] = dataclasses.replace(ops[op], options=options)
    model.subgraphs = (dataclasses.replace(sg, operators=tuple(ops)), *model.subgraphs[1:])


# -- every constraint, one model just inside and one just outside ------------------------------
MM = "coreml_delegate.mm"
UTIL = "builders/util.cc"
CB = "builders/convolution_op_builder.cc"
FCB = "builders/fully_connected_op_builder.cc"
PB = "builders/pad_op_builder.cc"
MB = "builders/pooling_layer_builder.cc"
RB = "builders/reshape_op_builder.cc"
CCB = "builders/concatenation_op_builder.cc"


def act(op: str, fn: str, x: T = X4, **extra: Any) -> Model:
    opts = dict(extra, fused_activation_function=fn)
    ins = [x, x] if op in ("ADD", "MUL", "CONCATENATION") else [x]
    if op == "CONCATENATION":
        opts.setdefault("axis", 3)
    if op.endswith("POOL_2D"):
        opts.update(POOL, padding="SAME")
    return build(op, ins, options=(ACT[op], opts))


def binary(op: str, a: T, b: T) -> Model:
    return build(op, [a, b], options=(ACT[op], {"fused_activation_function": "NONE"}))


def concat(rank: int, axis: int | None, n: int = 2) -> Model:
    x = T([1, 4, 4, 3][4 - rank :] if rank <= 4 else [1, 1, 4, 4, 3])
    options = None if axis is None else ("ConcatenationOptions", {"axis": axis})
    return build("CONCATENATION", [x] * n, options=options)


def unary(op: str, dtype: str = "FLOAT32", version: int = 1, options: Any = None) -> Model:
    x = T([1, 4, 4, 3], dtype, scale=0.1 if dtype in ("INT8", "UINT8") else None)
    return build(op, [x], options=options, version=version)


CASES = [
    # generic: the device needs a Neural Engine unless enabled_devices = "all"
    ("ane-default", lambda: unary("RELU"), {}, None),
    (
        "ane-missing",
        lambda: unary("RELU"),
        {"has_neural_engine": False},
        ("D010", f"{MM}:L337-346"),
    ),
    (
        "ane-all-devices",
        lambda: unary("RELU"),
        {"has_neural_engine": False, "enabled_devices": "all"},
        None,
    ),
    # generic: input 0 FLOAT32 (no full-integer ops)
    ("float-input", lambda: unary("TANH"), {}, None),
    ("int8-input", lambda: unary("TANH", "INT8"), {}, ("D003", f"{MM}:L60-69")),
    ("fp16-input", lambda: unary("LOGISTIC", "FLOAT16"), {}, ("D003", f"{MM}:L60-69")),
    # op list and versions
    ("unlisted-op", lambda: unary("ABS"), {}, ("D001", None)),
    ("relu-v1", lambda: unary("RELU"), {}, None),
    ("relu-v2", lambda: unary("RELU", version=2), {}, ("D002", f"{MM}:L123-125")),
    ("dw-v2", lambda: conv("DEPTHWISE_CONV_2D", version=2), {}, None),
    ("dw-v3", lambda: conv("DEPTHWISE_CONV_2D", version=3), {}, ("D002", f"{MM}:L93-95")),
    ("fc-v6", lambda: fc(version=6), {}, None),
    ("fc-v7", lambda: fc(version=7), {}, ("D002", f"{MM}:L96-98")),
    *[
        (f"{op.lower()}-ok", lambda op=op: unary(op), {}, None)
        for op in ("HARD_SWISH", "LOGISTIC", "RELU", "RELU_N1_TO_1", "RELU6", "TANH")
    ],
    # ADD / MUL: input 1 type, rank, broadcast
    *[
        case
        for op in ("ADD", "MUL")
        for case in [
            (f"{op}-same-shape", lambda op=op: binary(op, X4, X4), {}, None),
            (
                f"{op}-int32-in1",
                lambda op=op: binary(op, X4, T([1, 4, 4, 3], "INT32")),
                {},
                ("D003", f"{UTIL}:L86-89"),
            ),
            (f"{op}-fp16-const-in1", lambda op=op: binary(op, X4, C([3], "FLOAT16")), {}, None),
            (
                f"{op}-fp16-dynamic-in1",
                lambda op=op: binary(op, X4, T([3], "FLOAT16")),
                {},
                ("D005", f"{UTIL}:L86-89"),
            ),
            (f"{op}-rank4", lambda op=op: binary(op, X4, T([4, 4, 3])), {}, None),
            (
                f"{op}-rank5",
                lambda op=op: binary(op, T([1, 1, 4, 4, 3]), X4),
                {},
                ("D006", f"{UTIL}:L45-47"),
            ),
        ]
    ],
    ("bcast-batch-const-scalar", lambda: binary("ADD", T([2, 4, 4, 3]), C([1])), {}, None),
    (
        "bcast-batch",
        lambda: binary("ADD", T([2, 4, 4, 3]), T([1, 4, 4, 3])),
        {},
        ("D006", f"{UTIL}:L64-83"),
    ),
    (
        "bcast-batch-dynamic-scalar",
        lambda: binary("ADD", T([2, 4, 4, 3]), T([1])),
        {},
        ("D006", f"{UTIL}:L64-83"),
    ),
    ("bcast-hw-1x1", lambda: binary("MUL", X4, T([1, 1, 1, 3])), {}, None),
    ("bcast-hw", lambda: binary("MUL", X4, T([1, 2, 2, 3])), {}, ("D006", f"{UTIL}:L64-83")),
    ("bcast-c-1", lambda: binary("ADD", X4, T([1, 4, 4, 1])), {}, None),
    ("bcast-c", lambda: binary("ADD", X4, T([1, 4, 4, 2])), {}, ("D006", f"{UTIL}:L64-83")),
    # pooling: no fused activation
    *[
        case
        for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D")
        for case in [
            (f"{op}-none", lambda op=op: act(op, "NONE"), {}, None),
            (f"{op}-no-options", lambda op=op: build(op, [X4]), {}, None),
            (
                f"{op}-relu",
                lambda op=op: act(op, "RELU"),
                {},
                ("D008", f"{MM}:L{83 if op[0] == 'A' else 105}-{86 if op[0] == 'A' else 108}"),
            ),
        ]
    ],
    # CONCATENATION
    ("concat-none", lambda: act("CONCATENATION", "NONE"), {}, None),
    ("concat-relu", lambda: act("CONCATENATION", "RELU"), {}, ("D008", f"{CCB}:L74")),
    ("concat-2-inputs", lambda: concat(4, 3, n=2), {}, None),
    ("concat-1-input", lambda: concat(4, 3, n=1), {}, ("D010", f"{CCB}:L75")),
    ("concat-rank3", lambda: concat(3, 2), {}, None),
    ("concat-rank2", lambda: concat(2, 1), {}, ("D006", f"{CCB}:L77-82")),
    ("concat-rank5", lambda: concat(5, 4), {}, ("D006", f"{CCB}:L77-82")),
    ("concat-4d-axis-last", lambda: concat(4, -1), {}, None),
    ("concat-4d-axis1", lambda: concat(4, 2), {}, ("D008", f"{CCB}:L80-81")),
    ("concat-3d-axis0", lambda: concat(3, 0), {}, ("D008", f"{CCB}:L80-81")),
    ("concat-no-options", lambda: concat(4, None), {}, ("D008", f"{CCB}:L80-81")),
    # CONV_2D and DEPTHWISE_CONV_2D
    *[
        case
        for op in ("CONV_2D", "DEPTHWISE_CONV_2D")
        for case in [
            (f"{op}-ok", lambda op=op: conv(op), {}, None),
            (
                f"{op}-tanh",
                lambda op=op: conv(op, opts={"fused_activation_function": "TANH"}),
                {},
                None,
            ),
            (
                f"{op}-sign-bit",
                lambda op=op: conv(op, opts={"fused_activation_function": "SIGN_BIT"}),
                {},
                ("D008", f"{CB}:L335-337"),
            ),
            (
                f"{op}-dynamic-weights",
                lambda op=op: conv(op, w=T([1, 3, 3, 3])),
                {},
                ("D005", f"{CB}:L346-348"),
            ),
            (f"{op}-fp16-weights", lambda op=op: conv(op, w=C([1, 3, 3, 3], "FLOAT16")), {}, None),
            (f"{op}-kernel-h-16384", lambda op=op: conv(op, w=C([1, 16384, 1, 3])), {}, None),
            (
                f"{op}-kernel-h-16385",
                lambda op=op: conv(op, w=C([1, 16385, 1, 3])),
                {},
                ("D006", f"{CB}:L345-352", "height"),
            ),
            (
                f"{op}-kernel-w-16385",
                lambda op=op: conv(op, w=C([1, 1, 16385, 3])),
                {},
                ("D006", f"{CB}:L345-352", "width"),
            ),
            (f"{op}-no-bias", lambda op=op: conv(op, b=None), {}, ("D010", f"{CB}:L358-361")),
            (f"{op}-2-inputs", lambda op=op: conv(op, b="omit"), {}, ("D010", f"{CB}:L358-361")),
            (
                f"{op}-dynamic-bias",
                lambda op=op: conv(op, b=T([3])),
                {},
                ("D005", f"{CB}:L358-361"),
            ),
        ]
    ],
    # TRANSPOSE_CONV: inputs (output_shape, weights, input)
    (
        "tconv-ok",
        lambda: build(
            "TRANSPOSE_CONV",
            [C([4], "INT32", [1, 4, 4, 3]), C([3, 3, 3, 3]), X4],
            options=("TransposeConvOptions", {"padding": "SAME"}),
        ),
        {},
        None,
    ),
    (
        "tconv-int8-input",
        lambda: build(
            "TRANSPOSE_CONV",
            [C([4], "INT32", [1, 4, 4, 3]), C([3, 3, 3, 3]), T([1, 4, 4, 3], "INT8", scale=0.1)],
            options=("TransposeConvOptions", {"padding": "SAME"}),
        ),
        {},
        ("D003", f"{MM}:L60-69"),
    ),
    (
        "tconv-dynamic-shape",
        lambda: build(
            "TRANSPOSE_CONV",
            [T([4], "INT32"), C([3, 3, 3, 3]), X4],
            options=("TransposeConvOptions", {"padding": "SAME"}),
        ),
        {},
        ("D005", f"{CB}:L353-356"),
    ),
    (
        "tconv-dynamic-weights",
        lambda: build(
            "TRANSPOSE_CONV",
            [C([4], "INT32", [1, 4, 4, 3]), T([3, 3, 3, 3]), X4],
            options=("TransposeConvOptions", {"padding": "SAME"}),
        ),
        {},
        ("D005", f"{CB}:L346-348"),
    ),
    (
        "tconv-kernel-16385",
        lambda: build(
            "TRANSPOSE_CONV",
            [C([4], "INT32", [1, 4, 4, 3]), C([3, 16385, 1, 3]), X4],
            options=("TransposeConvOptions", {"padding": "SAME"}),
        ),
        {},
        ("D006", f"{CB}:L345-352"),
    ),
    # FULLY_CONNECTED
    ("fc-ok", lambda: fc(), {}, None),
    (
        "fc-shuffled",
        lambda: fc(opts={"weights_format": "SHUFFLED4x16INT8"}),
        {},
        ("D008", f"{FCB}:L159-161"),
    ),
    ("fc-fp16-weights", lambda: fc(w=C([4, 8], "FLOAT16"), b=C([4], "FLOAT16")), {}, None),
    (
        "fc-int8-weights",
        lambda: fc(w=T([4, 8], "INT8", const=True, scale=0.1)),
        {},
        ("D003", f"{FCB}:L170-172"),
    ),
    ("fc-dynamic-weights", lambda: fc(w=T([4, 8])), {}, ("D005", f"{FCB}:L170-172")),
    ("fc-rank3-single", lambda: fc(x=T([1, 1, 8])), {}, None),
    ("fc-batch2", lambda: fc(x=T([2, 4])), {}, ("D006", f"{FCB}:L173-177")),
    ("fc-int32-bias", lambda: fc(b=C([4], "INT32")), {}, ("D003", f"{FCB}:L179-185")),
    ("fc-dynamic-bias", lambda: fc(b=T([4])), {}, ("D005", f"{FCB}:L179-185")),
    ("fc-relu6", lambda: fc(opts={"fused_activation_function": "RELU6"}), {}, None),
    (
        "fc-sign-bit",
        lambda: fc(opts={"fused_activation_function": "SIGN_BIT"}),
        {},
        ("D008", f"{FCB}:L187-190"),
    ),
    (
        "fc-sign-bit-2-inputs",
        lambda: fc(b="omit", opts={"fused_activation_function": "SIGN_BIT"}),
        {},
        ("D008", f"{FCB}:L187-190"),
    ),
    # quirk: with an omitted bias (-1) the check returns kTfLiteError (true) before the activation
    (
        "fc-sign-bit-omitted-bias",
        lambda: fc(b=None, opts={"fused_activation_function": "SIGN_BIT"}),
        {},
        None,
    ),
    # PAD, PADV2, MIRROR_PAD: constant [4, 2] paddings, none on batch and channel
    *[
        case
        for op in ("PAD", "PADV2", "MIRROR_PAD")
        for case in [
            (f"{op}-hw", lambda op=op: pad(op), {}, None),
            (f"{op}-dynamic", lambda op=op: pad(op, dynamic=True), {}, ("D005", f"{PB}:L105-110")),
            (
                f"{op}-3d",
                lambda op=op: pad(op, [[1, 1], [1, 1], [0, 0]], shape=[3, 2]),
                {},
                ("D006", f"{PB}:L111-115"),
            ),
            (
                f"{op}-batch",
                lambda op=op: pad(op, [[0, 1], [1, 1], [1, 1], [0, 0]]),
                {},
                ("D010", f"{PB}:L116-129"),
            ),
            (
                f"{op}-channel",
                lambda op=op: pad(op, [[0, 0], [1, 1], [1, 1], [1, 0]]),
                {},
                ("D010", f"{PB}:L116-129"),
            ),
        ]
    ],
    # INT64 paddings are read as int32: values 6-7 are the height "after" padding
    ("pad-int64-h-before", lambda: pad("PAD", [[0, 0], [1, 0], [1, 1], [0, 0]], "INT64"), {}, None),
    (
        "pad-int64-h-after",
        lambda: pad("PAD", [[0, 0], [0, 1], [1, 1], [0, 0]], "INT64"),
        {},
        ("D010", f"{PB}:L116-129"),
    ),
    ("mirror-symmetric", lambda: pad("MIRROR_PAD", mode=1), {}, ("D008", f"{PB}:L135-141")),
    (
        "mirror-no-options",
        lambda: build("MIRROR_PAD", [X4, C([4, 2], "INT32")]),
        {},
        ("D008", f"{PB}:L135-141"),
    ),
    # MEAN
    ("mean-hw", lambda: mean([1, 2]), {}, None),
    ("mean-hw-negative", lambda: mean([-3, -2]), {}, None),
    ("mean-hw-wraps", lambda: mean([5, 6]), {}, None),  # (a + 4) % 4
    ("mean-channel", lambda: mean([1, 3]), {}, ("D008", f"{MB}:L156-164")),
    ("mean-last", lambda: mean([-1]), {}, ("D008", f"{MB}:L156-164")),
    ("mean-dynamic-axes", lambda: mean([1, 2], dynamic=True), {}, None),
    ("mean-keep-dims-false", lambda: mean([1, 2], keep_dims=False), {}, ("D008", f"{MB}:L148-151")),
    ("mean-no-options", lambda: mean([1, 2], keep_dims=None), {}, ("D008", f"{MB}:L148-151")),
    ("mean-rank3", lambda: mean([1, 2], x=T([4, 4, 3])), {}, ("D006", f"{MB}:L152-155")),
    # RESHAPE: only for Core ML 2
    ("reshape-coreml3", lambda: reshape([1, 16, 3]), {}, ("D010", f"{RB}:L127-129")),
    ("reshape-coreml2", lambda: reshape([1, 16, 3]), {"coreml_version": 2}, None),
    ("reshape-4-values", lambda: reshape([1, 4, 4, 3]), {"coreml_version": 2}, None),
    (
        "reshape-2-values",
        lambda: reshape([1, 48]),
        {"coreml_version": 2},
        ("D006", f"{RB}:L143-146", "3 or 4 values"),
    ),
    (
        "reshape-5-values",
        lambda: reshape([1, 1, 4, 4, 3]),
        {"coreml_version": 2},
        ("D006", f"{RB}:L143-146", "3 or 4 values"),
    ),
    (
        "reshape-dynamic-shape",
        lambda: reshape([1, 16, 3], dynamic=True),
        {"coreml_version": 2},
        ("D005", f"{RB}:L136-142"),
    ),
    (
        "reshape-int64-shape",
        lambda: reshape([1, 16, 3], "INT64"),
        {"coreml_version": 2},
        ("D003", f"{RB}:L143-146"),
    ),
    (
        "reshape-2d-shape",
        lambda: build("RESHAPE", [X4, C([3, 1], "INT32", [1, 16, 3])], [T([1, 16, 3])]),
        {"coreml_version": 2},
        ("D006", f"{RB}:L143-146", "1-D"),
    ),
    ("reshape1-3-dims", lambda: reshape1([1, 16, 3]), {"coreml_version": 2}, None),
    (
        "reshape1-2-dims",
        lambda: reshape1([1, 48]),
        {"coreml_version": 2},
        ("D010", f"{RB}:L130-134"),
    ),
    (
        "reshape1-no-options",
        lambda: reshape1(None),
        {"coreml_version": 2},
        ("D010", f"{RB}:L130-134"),
    ),
    # RESIZE_BILINEAR
    (
        "resize-const",
        lambda: build(
            "RESIZE_BILINEAR",
            [X4, C([2], "INT32", [8, 8])],
            [T([1, 8, 8, 3])],
            options=("ResizeBilinearOptions", {}),
        ),
        {},
        None,
    ),
    (
        "resize-dynamic",
        lambda: build(
            "RESIZE_BILINEAR",
            [X4, T([2], "INT32")],
            [T([1, 8, 8, 3])],
            options=("ResizeBilinearOptions", {}),
        ),
        {},
        ("D005", "builders/resize_bilinear_op_builder.cc:L97-102"),
    ),
    # SOFTMAX: beta 1 only
    (
        "softmax-beta1",
        lambda: unary("SOFTMAX", options=("SoftmaxOptions", {"beta": 1.0})),
        {},
        None,
    ),
    (
        "softmax-beta2",
        lambda: unary("SOFTMAX", options=("SoftmaxOptions", {"beta": 2.0})),
        {},
        ("D008", f"{MM}:L139-143"),
    ),
    ("softmax-no-options", lambda: unary("SOFTMAX"), {}, ("D008", f"{MM}:L139-143")),
]


@pytest.mark.parametrize("make, options, expected", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_constraint(make: Any, options: dict, expected: tuple | None) -> None:
    got = failures(make(), **options)
    if expected is None:
        assert got == []
        return
    assert [(f.code, f.source) for f in got] == [expected[:2]], [f.text() for f in got]
    if len(expected) > 2:
        assert expected[2] in got[0].requirement


def test_every_constraint_of_the_profile_is_exercised() -> None:
    """Each (code, source) the profile can report appears as a rejected case above."""
    tested = {c[3][:2] for c in CASES if c[3] is not None}
    encoded = {(c.rule_code, c.source) for c in PROFILE.generic}
    for spec in PROFILE.ops.values():
        encoded |= {(c.rule_code, c.source) for c in spec.constraints}
        if spec.versions and spec.versions != (1, 1) or spec.name == "RELU":
            encoded.add(("D002", spec.source))
    assert encoded - tested == set()


# -- node selection: FP16 weights, full delegation, partition limits ---------------------------
def _graph(ops: list[str], fp16_weights: bool = True, dequant_into: str = "weights") -> Model:
    """x -> [DEQUANTIZE fp16 w] -> CONV_2D -> then each op of ``ops`` (unary, float)."""
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [1, 4, 4, 3], input=True)
    if fp16_weights:
        w16 = m.tensor("w16", "FLOAT16", [3, 3, 3, 3], data=np.ones((3, 3, 3, 3), np.float16))
        w = m.tensor("w", "FLOAT32", [3, 3, 3, 3])
        m.op("DEQUANTIZE", [w16], [w], version=3)
    else:
        w = m.tensor("w", "FLOAT32", [3, 3, 3, 3], data=np.ones((3, 3, 3, 3), np.float32))
    b = m.tensor("b", "FLOAT32", [3], data=np.zeros(3, np.float32))
    t = m.tensor("y0", "FLOAT32", [1, 4, 4, 3], output=not ops)
    m.op("CONV_2D", [x, w, b], [t], options=CONV)
    m.chain(t, ops, "FLOAT32", [1, 4, 4, 3], prefix="y")
    return parse_bytes(m.build())


def test_fp16_weights_count_as_constant_and_their_dequantize_stays_on_the_cpu() -> None:
    model = _graph(["RELU", "ABS"])
    got = select(model, model.main, PROFILE)
    assert [(f.code, f.source) for f in got[0]] == [("D010", FP16_HELPER_SOURCE)]
    assert got[1] == [] and got[2] == []  # CONV_2D reads the FP16 weights as a constant
    assert [f.code for f in got[3]] == ["D001"]  # ABS
    r = evaluate(model, PROFILE)
    assert r.delegated == [(0, 1), (0, 2)] and len(r.partitions) == 1


def test_full_delegation_takes_the_fp16_dequantize_too() -> None:
    r = evaluate(_graph(["RELU"]), PROFILE)
    assert r.delegated == [(0, 0), (0, 1), (0, 2)] and not r.fallback


def test_without_the_fp16_helper_dequantized_weights_would_not_be_constant() -> None:
    # An INT8 DEQUANTIZE is not remapped: the CONV_2D weights are computed at run time.
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [1, 4, 4, 3], input=True)
    w8 = m.tensor("w8", "INT8", [3, 3, 3, 3], data=np.ones((3, 3, 3, 3), np.int8), scale=0.1)
    w = m.tensor("w", "FLOAT32", [3, 3, 3, 3])
    b = m.tensor("b", "FLOAT32", [3], data=np.zeros(3, np.float32))
    y = m.tensor("y", "FLOAT32", [1, 4, 4, 3], output=True)
    m.op("DEQUANTIZE", [w8], [w])
    m.op("CONV_2D", [x, w, b], [y], options=CONV)
    model = parse_bytes(m.build())
    got = select(model, model.main, PROFILE)
    assert [f.code for f in got[0]] == ["D001"]  # DEQUANTIZE is not a Core ML op
    assert [(f.code, f.source) for f in got[1]] == [("D005", f"{CB}:L346-348")]


def test_an_fp16_constant_as_input_0_is_not_float32() -> None:
    m = ModelBuilder()
    c16 = m.tensor("c16", "FLOAT16", [1, 4, 4, 3], data=np.ones((1, 4, 4, 3), np.float16))
    c = m.tensor("c", "FLOAT32", [1, 4, 4, 3])
    x = m.tensor("x", "FLOAT32", [1, 4, 4, 3], input=True)
    y = m.tensor("y", "FLOAT32", [1, 4, 4, 3], output=True)
    z = m.tensor("z", "FLOAT32", [1, 4, 4, 3], output=True)
    m.op("DEQUANTIZE", [c16], [c], version=3)
    m.op("ADD", [c, x], [y], options=("AddOptions", {}))
    m.op("ADD", [x, c], [z], options=("AddOptions", {}))
    model = parse_bytes(m.build())
    got = select(model, model.main, PROFILE)
    assert [(f.code, f.source) for f in got[1]] == [("D003", f"{MM}:L60-69")]
    assert got[2] == []


def test_partitions_of_one_op_stay_on_the_cpu() -> None:
    r = evaluate(_graph(["ABS", "RELU"], fp16_weights=False), PROFILE)
    assert r.delegated == [] and {f.code for v in r.fallback for f in v.failures} >= {"P002"}
    r = evaluate(_graph(["RELU", "ABS", "RELU", "TANH"], fp16_weights=False), PROFILE)
    assert r.delegated == [(0, 0), (0, 1), (0, 3), (0, 4)] and len(r.partitions) == 2


def test_a_fully_supported_one_op_graph_is_delegated() -> None:
    # FP16GraphPartitionHelper delegates a fully supported graph without applying
    # min_nodes_per_partition (utils.cc L206-214): [partitioning] full_delegation_ignores_limits.
    r = evaluate(_graph([], fp16_weights=False), PROFILE)
    assert r.delegated == [(0, 0)]


def test_profile_defaults() -> None:
    assert PROFILE.partitioning.max_partitions == 0
    assert PROFILE.partitioning.min_ops_per_partition == 2
    assert PROFILE.options == {
        "coreml_version": 3,
        "enabled_devices": "with_neural_engine",
        "has_neural_engine": True,
    }
    assert len([s for s in PROFILE.ops.values() if s.supported]) == 22


# -- corpus ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rel, delegated, total",
    [
        ("gh_google-ai-edge_LiteRT_tflite-testdata/mobilenet_like_model.tflite", 6, 6),
        ("gh_zhenhuaw-me_tflite2onnx/conv-quant-fp16.float32.tflite", 3, 3),
        ("gh_tensorflow_tflite-support/deeplabv3.tflite", 70, 70),
        # RESHAPE to [1, 1001] is refused, which leaves SOFTMAX alone in a 1-op partition
        ("gh_zhenhuaw-me_tflite2onnx/mobilenet_v1_0.25_128.tflite", 29, 31),
        # full-integer: input 0 is never FLOAT32
        ("gh_google-coral_test_data/mobilenet_v1_0.25_128_quant.tflite", 0, 31),
    ],
)
def test_corpus(rel: str, delegated: int, total: int) -> None:
    r = evaluate(load(corpus_path(rel)), PROFILE)
    assert (len(r.delegated), len(r.verdicts)) == (delegated, total)
    if delegated == 0:
        assert any(f.code == "P003" for f in r.findings)
