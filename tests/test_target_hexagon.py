"""The ``hexagon`` target (rules/hexagon.toml, inspector/targets/hexagon.py).

No oracle can run here (the delegate needs a Qualcomm DSP and libhexagon_nn_skel), so every
encoded constraint has a built one-op model on each side of it: the accepted side has no
failure, the rejected side fails only that constraint (expected rule code and upstream source).
The partition limits (4 partitions of at least 2 ops) are tested on small graphs; corpus models
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
from inspector.engine import check_op, evaluate
from inspector.model import Model
from inspector.parse import load, parse_bytes
from inspector.predicates import OpContext
from inspector.profiles import resolve_target

PROFILE = resolve_target("hexagon")


@dataclass
class T:
    """A tensor of a built model: ``const`` gives it data (``data`` or zeros); 8-bit tensors
    get a scale (per channel when ``scale`` is a list)."""

    shape: list[int]
    dtype: str = "UINT8"
    const: bool = False
    data: Any = None
    scale: Any = None

    def add(self, m: ModelBuilder, name: str, output: bool = False) -> int:
        data = None
        if self.const or self.data is not None:
            values = self.data if self.data is not None else np.zeros(self.shape)
            data = np.asarray(values, numpy_dtype(self.dtype)).reshape(self.shape)
        scale = self.scale
        if scale is None and self.dtype in ("UINT8", "INT8"):
            scale = 0.1
        return m.tensor(
            name,
            self.dtype,
            self.shape,
            data=data,
            scale=scale,
            input=data is None and not output,
            output=output,
        )


def C(shape: list[int], dtype: str = "INT32", data: Any = None, **kw: Any) -> T:  # noqa: N802
    return T(shape, dtype, const=True, data=data, **kw)


def build(
    op: str,
    ins: list[T | None],
    outs: list[T] | None = None,
    options: tuple[str, dict[str, Any]] | None = None,
    version: int = 1,
) -> Model:
    m = ModelBuilder()
    idx = [-1 if s is None else s.add(m, f"in{i}") for i, s in enumerate(ins)]
    outs = [T([1, 4, 4, 3])] if outs is None else outs
    out = [s.add(m, f"out{i}", output=True) for i, s in enumerate(outs)]
    m.op(op, idx, out, options=options, version=version)
    return parse_bytes(m.build())


def failures(model: Model, op: int = 0) -> list:
    sg = model.main
    return check_op(OpContext(model, sg, sg.operators[op], options=PROFILE.options), PROFILE)


X = T([1, 4, 4, 3])
XI8 = T([1, 4, 4, 3], "INT8")
XF = T([1, 4, 4, 3], "FLOAT32")
U = "utils.cc"
ARITH = {"ADD": "AddOptions", "MUL": "MulOptions", "SUB": "SubOptions"}
ARITH_SRC = {"ADD": ("L143-146", "L147-149"), "MUL": ("L152-155", "L156-159"),
             "SUB": ("L162-165", "L166-168")}  # fmt: skip
OP_SRC = {"ADD": "L142-150", "MUL": "L151-160", "SUB": "L161-169"}


def arith(op: str, a: T = X, b: T | None = X, fn: str = "NONE", version: int = 1) -> Model:
    ins = [a] if b is None else [a, b]
    return build(op, ins, options=(ARITH[op], {"fused_activation_function": fn}), version=version)


def unary(op: str, x: T = X, version: int = 1, options: Any = None, outs: Any = None) -> Model:
    return build(op, [x], outs, options=options, version=version)


def conv(op: str = "CONV_2D", version: int = 1, **kw: Any) -> Model:
    dw = op == "DEPTHWISE_CONV_2D"
    x = kw.pop("x", X)
    w = kw.pop("w", C([1, 3, 3, 3] if dw else [3, 3, 3, 3], "UINT8"))
    b = kw.pop("b", C([3], "INT32"))
    opts = {"stride_w": 1, "stride_h": 1, "dilation_w_factor": 1, "dilation_h_factor": 1}
    if dw:
        opts["depth_multiplier"] = 1
    opts.update(kw.pop("opts", {}))
    name = "DepthwiseConv2DOptions" if dw else "Conv2DOptions"
    options = None if kw.pop("no_options", False) else (name, opts)
    return build(op, [x, w, b], options=options, version=version)


def fc(**kw: Any) -> Model:
    ins = kw.pop("ins", None) or [T([1, 8]), C([4, 8], "UINT8"), C([4], "INT32")]
    opts = dict({"fused_activation_function": "NONE"}, **kw.pop("opts", {}))
    return build(
        "FULLY_CONNECTED",
        ins,
        [T([1, 4])],
        options=("FullyConnectedOptions", opts),
        version=kw.pop("version", 1),
    )


def fc_blockwise() -> Model:
    """FULLY_CONNECTED whose filter carries BlockwiseQuantization details (set on the parsed
    tensor: ModelBuilder writes no quantization details)."""
    model = fc()
    sg = model.main
    filt = sg.tensors[sg.operators[0].inputs[1]]
    q = dataclasses.replace(filt.quantization, details={"type": "BlockwiseQuantization"})
    tensors = list(sg.tensors)
    tensors[filt.index] = dataclasses.replace(filt, quantization=q)
    model.subgraphs = (dataclasses.replace(sg, tensors=tuple(tensors)),)
    return model


def pool(op: str, padding: str = "SAME", fh: int = 2, fw: int = 2, fn: str = "NONE", n: int = 1):
    opts = {"padding": padding, "filter_height": fh, "filter_width": fw, "stride_w": 1,
            "stride_h": 1, "fused_activation_function": fn}  # fmt: skip
    return build(op, [X] * n, options=("Pool2DOptions", opts))


def tconv(ins: list[T] | None = None, version: int = 1, **opts: Any) -> Model:
    ins = ins or [C([4], "INT32", [1, 4, 4, 3]), C([3, 3, 3, 3], "UINT8"), X]
    options = None if opts.get("none") else ("TransposeConvOptions", dict({"padding": "SAME",
                                              "stride_w": 1, "stride_h": 1}, **opts))  # fmt: skip
    return build("TRANSPOSE_CONV", ins, options=options, version=version)


def sslice(begin: T | None = None, end: T | None = None, **opts: Any) -> Model:
    b = begin or C([4], "INT32", [0, 0, 0, 0])
    e = end or C([4], "INT32", [1, 2, 2, 3])
    s = C([4], "INT32", [1, 1, 1, 1])
    return build("STRIDED_SLICE", [X, b, e, s], [T([1, 2, 2, 3])],
                 options=("StridedSliceOptions", opts))  # fmt: skip


def mirror(mode: int | None) -> Model:
    options = None if mode is None else ("MirrorPadOptions", {"mode": mode})
    return build("MIRROR_PAD", [X, C([4, 2], "INT32")], options=options)


CASES: list[tuple[str, Any, Any]] = [
    # every input and output of rank <= 4
    ("rank4", lambda: unary("TANH"), None),
    (
        "rank5",
        lambda: unary("TANH", T([1, 1, 4, 4, 3]), outs=[T([1, 1, 4, 4, 3])]),
        ("D006", f"{U}:L123-137"),
    ),
    ("unlisted-op", lambda: unary("ABS"), ("D001", None)),
    ("sum-disabled", lambda: build("SUM", [X, C([1], "INT32", [1])]), ("D001", f"{U}:L170-174")),
    # ADD / MUL / SUB
    *[
        case
        for op in ("ADD", "MUL", "SUB")
        for case in [
            (f"{op}-uint8", lambda op=op: arith(op), None),
            (f"{op}-int8", lambda op=op: arith(op, XI8, XI8), None),
            (
                f"{op}-float-in1",
                lambda op=op: arith(op, X, XF),
                ("D003", f"{U}:{ARITH_SRC[op][0]}"),
            ),
            (
                f"{op}-1-input",
                lambda op=op: arith(op, X, None),
                ("D010", f"{U}:{ARITH_SRC[op][0]}"),
            ),
            (f"{op}-relu6", lambda op=op: arith(op, fn="RELU6"), None),
            (f"{op}-tanh", lambda op=op: arith(op, fn="TANH"), ("D008", f"{U}:{ARITH_SRC[op][1]}")),
            (f"{op}-v2", lambda op=op: arith(op, version=2), None),
            (f"{op}-v3", lambda op=op: arith(op, version=3), ("D002", f"{U}:{OP_SRC[op]}")),
        ]
    ],
    # MEAN
    ("mean-ok", lambda: build("MEAN", [X, C([2], "INT32", [1, 2])]), None),
    (
        "mean-int64-axes",
        lambda: build("MEAN", [X, C([2], "INT64", [1, 2])]),
        ("D003", f"{U}:L176-178"),
    ),
    ("mean-dynamic-axes", lambda: build("MEAN", [X, T([2], "INT32")]), ("D005", f"{U}:L179")),
    # MIRROR_PAD
    ("mirror-reflect", lambda: mirror(0), None),
    ("mirror-symmetric", lambda: mirror(1), None),
    ("mirror-no-options", lambda: mirror(None), ("D008", f"{U}:L186-190")),
    (
        "mirror-dynamic",
        lambda: build(
            "MIRROR_PAD", [X, T([4, 2], "INT32")], options=("MirrorPadOptions", {"mode": 0})
        ),
        ("D005", f"{U}:L184"),
    ),
    # PAD
    ("pad-ok", lambda: build("PAD", [X, C([4, 2], "INT32")]), None),
    ("pad-int64", lambda: build("PAD", [X, C([4, 2], "INT64")]), ("D003", f"{U}:L195-199")),
    (
        "pad-3-inputs",
        lambda: build("PAD", [X, C([4, 2], "INT32"), C([1], "UINT8")]),
        ("D010", f"{U}:L195-199"),
    ),
    ("pad-dynamic", lambda: build("PAD", [X, T([4, 2], "INT32")]), ("D005", f"{U}:L199")),
    # FULLY_CONNECTED
    ("fc-ok", lambda: fc(), None),
    ("fc-no-bias", lambda: fc(ins=[T([1, 8]), C([4, 8], "UINT8"), None]), None),
    ("fc-2-inputs", lambda: fc(ins=[T([1, 8]), C([4, 8], "UINT8")]), ("D010", f"{U}:L202-207")),
    (
        "fc-float-filter",
        lambda: fc(ins=[T([1, 8]), C([4, 8], "FLOAT32"), C([4], "INT32")]),
        ("D003", f"{U}:L202-207"),
    ),
    (
        "fc-per-channel",
        lambda: fc(ins=[T([1, 8], "INT8"), C([4, 8], "INT8", scale=[0.1] * 4), C([4], "INT32")]),
        ("D004", f"{U}:L209-223"),
    ),
    ("fc-blockwise", fc_blockwise, ("D004", f"{U}:L209-223")),
    (
        "fc-dynamic-bias",
        lambda: fc(ins=[T([1, 8]), C([4, 8], "UINT8"), T([4], "INT32")]),
        ("D005", f"{U}:L225-229"),
    ),
    ("fc-relu", lambda: fc(opts={"fused_activation_function": "RELU"}), None),
    (
        "fc-tanh",
        lambda: fc(opts={"fused_activation_function": "TANH"}),
        ("D008", f"{U}:L231-238", "activation"),
    ),
    (
        "fc-keep-num-dims",
        lambda: fc(opts={"keep_num_dims": True}),
        ("D008", f"{U}:L231-238", "keep_num_dims"),
    ),
    (
        "fc-shuffled",
        lambda: fc(opts={"weights_format": "SHUFFLED4x16INT8"}),
        ("D008", f"{U}:L231-238", "weights_format"),
    ),
    ("fc-v4", lambda: fc(version=4), None),
    ("fc-v5", lambda: fc(version=5), ("D002", f"{U}:L201-239")),
    # CONCATENATION and PACK
    *[
        case
        for op, src in (
            ("CONCATENATION", ("L242-244", "L245-250")),
            ("PACK", ("L446-448", "L449-454")),
        )  # fmt: skip
        for case in [
            (f"{op}-mixed-8bit", lambda op=op: build(op, [X, XI8]), None),
            (f"{op}-float", lambda op=op: build(op, [X, XF]), ("D003", f"{U}:{src[1]}")),
            (f"{op}-no-input", lambda op=op: build(op, []), ("D010", f"{U}:{src[0]}")),
            (f"{op}-no-output", lambda op=op: build(op, [X], []), ("D010", f"{U}:{src[0]}")),
        ]
    ],
    # MAX_POOL_2D, AVERAGE_POOL_2D
    ("maxpool-same-12", lambda: pool("MAX_POOL_2D", fh=12, fw=12), None),
    ("maxpool-same-h13", lambda: pool("MAX_POOL_2D", fh=13), ("D008", f"{U}:L259-264", "height")),
    ("maxpool-same-w13", lambda: pool("MAX_POOL_2D", fw=13), ("D008", f"{U}:L259-264", "width")),
    ("maxpool-valid-13", lambda: pool("MAX_POOL_2D", "VALID", 13, 13), None),
    ("maxpool-relu", lambda: pool("MAX_POOL_2D", fn="RELU"), ("D008", f"{U}:L265")),
    ("maxpool-float", lambda: unary("MAX_POOL_2D", XF), ("D003", f"{U}:L254-255")),
    ("avgpool-ok", lambda: pool("AVERAGE_POOL_2D"), None),
    ("avgpool-relu", lambda: pool("AVERAGE_POOL_2D", fn="RELU"), ("D008", f"{U}:L270-273")),
    ("avgpool-2-inputs", lambda: pool("AVERAGE_POOL_2D", n=2), ("D010", f"{U}:L268-273")),
    # TRANSPOSE_CONV
    ("tconv-3-inputs", lambda: tconv(), None),
    (
        "tconv-4-inputs",
        lambda: tconv(
            [C([4], "INT32", [1, 4, 4, 3]), C([3, 3, 3, 3], "UINT8"), X, C([3], "INT32")]
        ),
        None,
    ),  # fmt: skip
    (
        "tconv-float-bias",
        lambda: tconv(
            [C([4], "INT32", [1, 4, 4, 3]), C([3, 3, 3, 3], "UINT8"), X, C([3], "FLOAT32")]
        ),
        ("D003", f"{U}:L276-291"),
    ),  # fmt: skip
    (
        "tconv-2-inputs",
        lambda: tconv([C([4], "INT32", [1, 4, 4, 3]), C([3, 3, 3, 3], "UINT8")]),
        ("D010", f"{U}:L276-291"),
    ),
    ("tconv-stride3", lambda: tconv(stride_h=3, stride_w=3), None),
    ("tconv-stride4", lambda: tconv(stride_w=4), ("D008", f"{U}:L292-297", "stride_w")),
    ("tconv-valid", lambda: tconv(padding="VALID"), None),
    ("tconv-no-options", lambda: tconv(none=True), ("D008", f"{U}:L292-297", "padding")),
    ("tconv-v3", lambda: tconv(version=3), None),
    ("tconv-v4", lambda: tconv(version=4), ("D002", f"{U}:L275-298")),
    # CONV_2D
    ("conv-ok", lambda: conv(), None),
    ("conv-int8", lambda: conv(x=XI8, w=C([3, 3, 3, 3], "INT8")), None),
    ("conv-int8-bias", lambda: conv(b=C([3], "INT8")), ("D003", f"{U}:L300-304")),
    ("conv-stride3", lambda: conv(opts={"stride_h": 3, "stride_w": 3}), None),
    ("conv-stride4", lambda: conv(opts={"stride_h": 4}), ("D008", f"{U}:L305-311", "stride_h")),
    (
        "conv-dilation2",
        lambda: conv(opts={"dilation_w_factor": 2}),
        ("D008", f"{U}:L305-311", "dilation_w"),
    ),
    ("conv-no-options", lambda: conv(no_options=True), ("D008", f"{U}:L305-311", "dilation")),
    ("conv-relu-n1", lambda: conv(opts={"fused_activation_function": "RELU_N1_TO_1"}), None),
    (
        "conv-tanh",
        lambda: conv(opts={"fused_activation_function": "TANH"}),
        ("D008", f"{U}:L305-311", "activation"),
    ),
    ("conv-v3", lambda: conv(version=3), None),
    ("conv-v4", lambda: conv(version=4), ("D002", f"{U}:L299-312")),
    # DEPTHWISE_CONV_2D
    ("dw-ok", lambda: conv("DEPTHWISE_CONV_2D"), None),
    ("dw-dilated-stride1", lambda: conv("DEPTHWISE_CONV_2D", opts={"dilation_h_factor": 2}), None),
    (
        "dw-dilated-stride2",
        lambda: conv("DEPTHWISE_CONV_2D", opts={"dilation_h_factor": 2, "stride_w": 2}),
        ("D008", f"{U}:L320-330"),
    ),  # fmt: skip
    (
        "dw-mult2-1-channel",
        lambda: conv("DEPTHWISE_CONV_2D", x=T([1, 4, 4, 1]), opts={"depth_multiplier": 2}),
        None,
    ),  # fmt: skip
    (
        "dw-mult2-3-channels",
        lambda: conv("DEPTHWISE_CONV_2D", opts={"depth_multiplier": 2}),
        ("D008", f"{U}:L332-339"),
    ),
    (
        "dw-mult2-dilated",
        lambda: conv(
            "DEPTHWISE_CONV_2D",
            x=T([1, 4, 4, 1]),
            opts={"depth_multiplier": 2, "dilation_w_factor": 2},
        ),
        ("D008", f"{U}:L332-339"),
    ),  # fmt: skip
    ("dw-filter-h2", lambda: conv("DEPTHWISE_CONV_2D", w=C([1, 2, 3, 3], "UINT8")), None),
    (
        "dw-filter-h1",
        lambda: conv("DEPTHWISE_CONV_2D", w=C([1, 1, 3, 3], "UINT8")),
        ("D006", f"{U}:L341-344"),
    ),
    (
        "dw-stride4",
        lambda: conv("DEPTHWISE_CONV_2D", opts={"stride_w": 4}),
        ("D008", f"{U}:L346-349", "stride_w"),
    ),
    (
        "dw-tanh",
        lambda: conv("DEPTHWISE_CONV_2D", opts={"fused_activation_function": "TANH"}),
        ("D008", f"{U}:L346-349", "activation"),
    ),
    (
        "dw-float-filter",
        lambda: conv("DEPTHWISE_CONV_2D", w=C([1, 3, 3, 3], "FLOAT32")),
        ("D003", f"{U}:L314-318"),
    ),
    ("dw-v4", lambda: conv("DEPTHWISE_CONV_2D", version=4), ("D002", f"{U}:L313-350")),
    # RESHAPE
    ("reshape-ok", lambda: build("RESHAPE", [X, C([2], "INT32", [1, 48])], [T([1, 48])]), None),
    (
        "reshape-3-inputs",
        lambda: build("RESHAPE", [X, C([2], "INT32", [1, 48]), X], [T([1, 48])]),
        ("D010", f"{U}:L352-355"),
    ),
    (
        "reshape-float",
        lambda: build("RESHAPE", [XF, C([2], "INT32", [1, 48])], [T([1, 48])]),
        ("D003", f"{U}:L352-355"),
    ),
    (
        "reshape-v2",
        lambda: build("RESHAPE", [X, C([2], "INT32", [1, 48])], [T([1, 48])], version=2),
        ("D002", f"{U}:L351-357"),
    ),  # fmt: skip
    # one 8-bit input
    *[
        case
        for op, src, v in (
            ("SOFTMAX", "L358-361", (1, 2)),
            ("HARD_SWISH", "L362-369", (1, 1)),
            ("RELU", "L362-369", (2, 2)),
            ("RELU6", "L362-369", (1, 2)),
            ("TANH", "L362-369", (1, 2)),
            ("LOGISTIC", "L362-369", (1, 2)),
            ("NEG", "L407-410", (1, 1)),
            ("SPACE_TO_DEPTH", "L415-419", (1, 2)),
            ("DEPTH_TO_SPACE", "L415-419", (1, 2)),
            ("QUANTIZE", "L420-423", (1, 2)),
        )  # fmt: skip
        for case in [
            (f"{op}-uint8", lambda op=op, v=v: unary(op, version=v[1]), None),
            (f"{op}-int8", lambda op=op, v=v: unary(op, XI8, version=v[0]), None),
            (f"{op}-float", lambda op=op, v=v: unary(op, XF, version=v[1]), ("D003", f"{U}:{src}")),
            (
                f"{op}-2-inputs",
                lambda op=op, v=v: build(op, [X, X], version=v[1]),
                ("D010", f"{U}:{src}"),
            ),
            (
                f"{op}-v{v[1] + 1}",
                lambda op=op, v=v: unary(op, version=v[1] + 1),
                ("D002", PROFILE.ops[op].source),
            ),
        ]
    ],
    ("relu-v1", lambda: unary("RELU"), ("D002", f"{U}:L362-369")),
    # RESIZE_*, L2_NORMALIZATION, ARG_*
    *[
        case
        for op, src, v in (
            ("RESIZE_BILINEAR", ("L399-400", "L401"), 3),
            ("RESIZE_NEAREST_NEIGHBOR", ("L371-373", "L374"), 3),
        )  # fmt: skip
        for case in [
            (
                f"{op}-ok",
                lambda op=op, v=v: build(op, [X, C([2], "INT32", [8, 8])], version=v),
                None,
            ),
            (
                f"{op}-int64-size",
                lambda op=op: build(op, [X, C([2], "INT64", [8, 8])]),
                ("D003", f"{U}:{src[0]}"),
            ),
            (
                f"{op}-dynamic-size",
                lambda op=op: build(op, [X, T([2], "INT32")]),
                ("D005", f"{U}:{src[1]}"),
            ),
            (
                f"{op}-v4",
                lambda op=op: build(op, [X, C([2], "INT32", [8, 8])], version=4),
                ("D002", PROFILE.ops[op].source),
            ),
        ]
    ],
    (
        "resize-3-values",
        lambda: build("RESIZE_BILINEAR", [X, C([3], "INT32", [8, 8, 3])]),
        ("D006", f"{U}:L404-405"),
    ),
    ("l2norm-ok", lambda: unary("L2_NORMALIZATION", options=("L2NormOptions", {})), None),
    (
        "l2norm-relu",
        lambda: unary(
            "L2_NORMALIZATION", options=("L2NormOptions", {"fused_activation_function": "RELU"})
        ),
        ("D008", f"{U}:L379-381"),
    ),  # fmt: skip
    (
        "argmax-ok",
        lambda: build("ARG_MAX", [X, C([1], "INT32", [3])], [T([1, 4, 4], "INT32")]),
        None,
    ),
    (
        "argmin-int64-axis",
        lambda: build("ARG_MIN", [X, C([1], "INT64", [3])], [T([1, 4, 4], "INT32")]),
        ("D003", f"{U}:L383-386"),
    ),
    # SPLIT, TRANSPOSE, MINIMUM/MAXIMUM, SLICE
    (
        "split-ok",
        lambda: build("SPLIT", [C([], "INT32", 3), X], [T([1, 4, 4, 3])], version=2),
        None,
    ),
    (
        "split-dynamic-axis",
        lambda: build("SPLIT", [T([], "INT32"), X], [T([1, 4, 4, 3])]),
        ("D005", f"{U}:L393-396"),
    ),
    (
        "split-axis-last",
        lambda: build("SPLIT", [C([1, 4, 4, 3], "UINT8"), C([], "INT32", 3)]),
        ("D003", f"{U}:L388-390"),
    ),
    ("transpose-ok", lambda: build("TRANSPOSE", [X, C([4], "INT32", [0, 2, 1, 3])]), None),
    (
        "transpose-int64-perm",
        lambda: build("TRANSPOSE", [X, C([4], "INT64", [0, 2, 1, 3])]),
        ("D003", f"{U}:L411-414"),
    ),
    ("minimum-ok", lambda: build("MINIMUM", [X, X]), None),
    ("minimum-float", lambda: build("MINIMUM", [X, XF]), ("D003", f"{U}:L424-428")),
    ("maximum-float", lambda: build("MAXIMUM", [XF, X]), ("D003", f"{U}:L429-433")),
    (
        "slice-int64",
        lambda: build("SLICE", [X, C([4], "INT64"), C([4], "INT64", [1, 2, 2, 3])]),
        None,
    ),
    (
        "slice-dynamic-begin",
        lambda: build("SLICE", [X, T([4], "INT32"), C([4], "INT32", [1, 2, 2, 3])]),
        ("D005", f"{U}:L435-438"),
    ),  # fmt: skip
    (
        "slice-float-size",
        lambda: build("SLICE", [X, C([4], "INT32"), C([4], "FLOAT32", [1, 2, 2, 3])]),
        ("D003", f"{U}:L439-442"),
    ),  # fmt: skip
    # STRIDED_SLICE
    ("sslice-ok", lambda: sslice(), None),
    ("sslice-dynamic-end", lambda: sslice(end=T([4], "INT32")), ("D005", f"{U}:L464-469")),
    ("sslice-begin-mask", lambda: sslice(begin_mask=1), None),
    ("sslice-ellipsis", lambda: sslice(ellipsis_mask=1), ("D008", f"{U}:L470-473", "ellipsis")),
    ("sslice-new-axis", lambda: sslice(new_axis_mask=1), ("D008", f"{U}:L470-473", "new_axis")),
    # INT8-only ops at version 2
    ("sqdiff-int8", lambda: build("SQUARED_DIFFERENCE", [XI8, XI8], version=2), None),
    (
        "sqdiff-uint8",
        lambda: build("SQUARED_DIFFERENCE", [X, X], version=2),
        ("D003", f"{U}:L475-478"),
    ),
    ("sqdiff-v1", lambda: build("SQUARED_DIFFERENCE", [XI8, XI8]), ("D002", f"{U}:L475-478")),
    ("rsqrt-int8", lambda: unary("RSQRT", XI8, version=2), None),
    ("rsqrt-uint8", lambda: unary("RSQRT", X, version=2), ("D003", f"{U}:L479-481")),
]


# -- derived from the profile: versions, input counts and input types of every op -----------------
OK: dict[str, Any] = {
    "ADD": lambda: arith("ADD"),
    "ARG_MAX": lambda: build("ARG_MAX", [X, C([1], "INT32", [3])], [T([1, 4, 4], "INT32")]),
    "ARG_MIN": lambda: build("ARG_MIN", [X, C([1], "INT32", [3])], [T([1, 4, 4], "INT32")]),
    "AVERAGE_POOL_2D": lambda: pool("AVERAGE_POOL_2D"),
    "CONCATENATION": lambda: build("CONCATENATION", [X, X]),
    "CONV_2D": lambda: conv(),
    "DEPTH_TO_SPACE": lambda: unary("DEPTH_TO_SPACE"),
    "DEPTHWISE_CONV_2D": lambda: conv("DEPTHWISE_CONV_2D"),
    "FULLY_CONNECTED": lambda: fc(),
    "HARD_SWISH": lambda: unary("HARD_SWISH"),
    "L2_NORMALIZATION": lambda: unary("L2_NORMALIZATION", options=("L2NormOptions", {})),
    "LOGISTIC": lambda: unary("LOGISTIC"),
    "MAX_POOL_2D": lambda: pool("MAX_POOL_2D"),
    "MAXIMUM": lambda: build("MAXIMUM", [X, X]),
    "MEAN": lambda: build("MEAN", [X, C([2], "INT32", [1, 2])]),
    "MINIMUM": lambda: build("MINIMUM", [X, X]),
    "MIRROR_PAD": lambda: mirror(0),
    "MUL": lambda: arith("MUL"),
    "NEG": lambda: unary("NEG"),
    "PACK": lambda: build("PACK", [X, X]),
    "PAD": lambda: build("PAD", [X, C([4, 2], "INT32")]),
    "QUANTIZE": lambda: unary("QUANTIZE"),
    "RELU": lambda: unary("RELU", version=2),
    "RELU6": lambda: unary("RELU6"),
    "RESHAPE": lambda: build("RESHAPE", [X, C([2], "INT32", [1, 48])], [T([1, 48])]),
    "RESIZE_BILINEAR": lambda: build("RESIZE_BILINEAR", [X, C([2], "INT32", [8, 8])]),
    "RESIZE_NEAREST_NEIGHBOR": lambda: build(
        "RESIZE_NEAREST_NEIGHBOR", [X, C([2], "INT32", [8, 8])]
    ),
    "RSQRT": lambda: unary("RSQRT", XI8, version=2),
    "SLICE": lambda: build("SLICE", [X, C([4], "INT32"), C([4], "INT32", [1, 2, 2, 3])]),
    "SOFTMAX": lambda: unary("SOFTMAX"),
    "SPACE_TO_DEPTH": lambda: unary("SPACE_TO_DEPTH"),
    "SPLIT": lambda: build("SPLIT", [C([], "INT32", 3), X]),
    "SQUARED_DIFFERENCE": lambda: build("SQUARED_DIFFERENCE", [XI8, XI8], version=2),
    "STRIDED_SLICE": lambda: sslice(),
    "SUB": lambda: arith("SUB"),
    "TANH": lambda: unary("TANH"),
    "TRANSPOSE": lambda: build("TRANSPOSE", [X, C([4], "INT32", [0, 2, 1, 3])]),
    "TRANSPOSE_CONV": lambda: tconv(),
}


def _edit_op(model: Model, **changes: Any) -> Model:
    sg = model.main
    ops = (dataclasses.replace(sg.operators[0], **changes), *sg.operators[1:])
    model.subgraphs = (dataclasses.replace(sg, operators=ops),)
    return model


def _retype(model: Model, tensor: int, dtype: str) -> Model:
    sg = model.main
    tensors = list(sg.tensors)
    tensors[tensor] = dataclasses.replace(tensors[tensor], dtype=dtype)
    model.subgraphs = (dataclasses.replace(sg, tensors=tuple(tensors)),)
    return model


SUPPORTED = sorted(n for n, s in PROFILE.ops.items() if s.supported)


def test_every_supported_op_has_an_accepted_model() -> None:
    assert sorted(OK) == SUPPORTED
    for op in SUPPORTED:
        assert failures(OK[op]()) == [], op


@pytest.mark.parametrize("op", SUPPORTED)
def test_versions(op: str) -> None:
    lo, hi = PROFILE.ops[op].versions
    for v, ok in ((lo, True), (hi, True), (hi + 1, False), (lo - 1, lo == 1)):
        if v < 1:
            continue
        got = failures(_edit_op(OK[op](), version=v))
        assert [(f.code, f.source) for f in got] == (
            [] if ok else [("D002", PROFILE.ops[op].source)]
        )


def _count_constraints(op: str) -> list:
    return [c for c in PROFILE.ops[op].constraints if c.check == "num_inputs"]


@pytest.mark.parametrize("op", [op for op in SUPPORTED if _count_constraints(op)])
def test_input_counts(op: str) -> None:
    (c,) = _count_constraints(op)
    model = OK[op]()
    inputs = model.main.operators[0].inputs
    n = len(inputs)
    if "max" in c.params:
        assert n == c.params["max"] or op == "TRANSPOSE_CONV"
        got = failures(
            _edit_op(OK[op](), inputs=(*inputs, *([inputs[0]] * (c.params["max"] + 1 - n))))
        )
        assert [(f.code, f.source) for f in got] == [("D010", c.source)]
    if c.params.get("min", 0) > 0:
        got = failures(_edit_op(OK[op](), inputs=inputs[: c.params["min"] - 1]))
        assert ("D010", c.source) in [(f.code, f.source) for f in got]
        assert {f.code for f in got} == {"D010"}


_TYPE_CASES = [
    pytest.param(op, c, id=f"{op}-{c.params['tensors']}")
    for op in SUPPORTED
    for c in PROFILE.ops[op].constraints
    if c.check == "dtype"
]


@pytest.mark.parametrize("op, c", _TYPE_CASES)
def test_input_types(op: str, c: Any) -> None:
    model = OK[op]()
    sel = c.params["tensors"]
    pos = 0 if sel == "inputs" else int(sel[len("input") :])
    inputs = model.main.operators[0].inputs
    if pos >= len(inputs) or inputs[pos] < 0:
        pytest.skip("the accepted model has no such input")
    for dtype in c.params["allowed"]:
        assert failures(_retype(OK[op](), inputs[pos], dtype)) == [], dtype
    bad = "FLOAT32" if "FLOAT32" not in c.params["allowed"] else "INT16"
    got = failures(_retype(model, inputs[pos], bad))
    assert [(f.code, f.source) for f in got] == [("D003", c.source)]


@pytest.mark.parametrize("make, expected", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_constraint(make: Any, expected: tuple | None) -> None:
    got = failures(make())
    if expected is None:
        assert got == []
        return
    assert {(f.code, f.source) for f in got} == {expected[:2]}, [f.text() for f in got]
    if len(expected) > 2:
        assert all(expected[2] in f.text() for f in got), [f.text() for f in got]


def test_every_constraint_of_the_profile_is_exercised() -> None:
    """Each (code, source) of the profile is rejected by a case above, or by the derived
    version, input count and input type tests."""
    tested = {c[2][:2] for c in CASES if c[2] is not None}
    encoded = {(c.rule_code, c.source) for c in PROFILE.generic}
    for spec in PROFILE.ops.values():
        derived = {"num_inputs", "dtype"} if spec.supported else set()
        encoded |= {(c.rule_code, c.source) for c in spec.constraints if c.check not in derived}
        if not spec.supported:
            encoded.add(("D001", spec.source))
    assert encoded - tested == set()


def test_depthwise_without_options_fails_both_compound_rules() -> None:
    got = failures(conv("DEPTHWISE_CONV_2D", no_options=True))
    assert {f.source for f in got} == {f"{U}:L320-330", f"{U}:L332-339"}


# -- partitioning: the 4 largest partitions of at least 2 ops ---------------------------------
def _chain(ops: list[str]) -> Model:
    m = ModelBuilder()
    t = m.tensor("t0", "UINT8", [1, 4], input=True, scale=0.1, zero_point=0)
    m.chain(t, ops, "UINT8", [1, 4], versions={"RELU": 2}, scale=0.1, zero_point=0)
    return parse_bytes(m.build())


def test_at_most_four_partitions_of_at_least_two_ops() -> None:
    # ABS is not taken: partitions of sizes 2, 3, 2, 2, 2 and a single TANH.
    plan = "TANH TANH ABS TANH TANH TANH ABS TANH TANH ABS TANH TANH ABS TANH TANH ABS TANH"
    r = evaluate(_chain(plan.split()), PROFILE)
    sizes = sorted(len(p.ops) for _, p in r.partitions)
    assert sizes == [2, 2, 2, 3]
    dropped = [v for v in r.fallback if v.opcode == "TANH"]
    assert len(dropped) == 3 and all(f.code == "P002" for v in dropped for f in v.failures)


def test_profile_defaults() -> None:
    assert PROFILE.partitioning.max_partitions == 4
    assert PROFILE.partitioning.min_ops_per_partition == 2
    assert len([s for s in PROFILE.ops.values() if s.supported]) == 38


# -- corpus ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rel, delegated, total",
    [
        ("gh_google-coral_test_data/mobilenet_v1_0.25_128_quant.tflite", 31, 31),
        ("gh_google-coral_test_data/deeplabv3_mnv2_dm05_pascal_quant.tflite", 72, 72),
        ("gh_zhenhuaw-me_tflite2onnx/mobilenet_v1_0.25_128.tflite", 0, 31),  # float
    ],
)
def test_corpus(rel: str, delegated: int, total: int) -> None:
    r = evaluate(load(corpus_path(rel)), PROFILE)
    assert (len(r.delegated), len(r.verdicts)) == (delegated, total)
