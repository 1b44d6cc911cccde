"""The ``gpu`` target (rules/gpu.toml, inspector/targets/gpu.py): LiteRT's GPU delegate.

No oracle can run here (no GPU, and LiteRT's model analyzer at the pinned ref never fills its
GPU-incompatibility list, so it calls every model compatible). So every constraint is tested
from both sides on tiny built models: a model just inside passes, one just outside fails with
exactly the expected constraint (rule code, source line, requirement). A coverage test checks
that every constraint of the profile fires in at least one failing case, and every op with a
version cap is tried at its cap and one above. Then the selector's FP16-DEQUANTIZE folding,
comparison/CAST chains and the one-partition limit, and corpus sanity checks.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_path, require_corpus

from inspector.engine import FP16_HELPER_SOURCE, TargetResult, evaluate
from inspector.model import Model
from inspector.parse import load, parse_bytes
from inspector.profiles import resolve_target

PROFILE = resolve_target("gpu")
F32, F16, I8, I32, BOOL = "FLOAT32", "FLOAT16", "INT8", "INT32", "BOOL"
ACT = (1, 4, 4, 4)


# -- a small model DSL -------------------------------------------------------------------------
@dataclass(eq=False)
class T:
    """A tensor; the same object used twice is the same tensor."""

    dtype: str = F32
    shape: tuple[int, ...] = ACT
    data: Any = None  # a constant when given
    scale: Any = None
    zero_point: Any = None
    variable: bool = False
    qdim: int = 0


def K(dtype: str = F32, shape: tuple[int, ...] = ACT, values: Any = None) -> T:
    np_type = {F32: np.float32, F16: np.float16, I32: np.int32, "INT64": np.int64}.get(
        dtype, np.int8 if dtype == I8 else np.int16 if dtype == "INT16" else np.uint8
    )
    arr = np.zeros(shape, np_type) if values is None else np.asarray(values, np_type)
    return T(dtype, tuple(shape), arr.reshape(shape))


def Q(shape: tuple[int, ...] = ACT, dtype: str = I8) -> T:
    """A per-tensor quantized 8-bit activation."""
    return T(dtype, shape, scale=0.5, zero_point=0)


def V(dtype: str = I32, shape: tuple[int, ...] = (1,)) -> T:
    """A variable tensor: not constant, not type-checked (kTfLiteArenaRwPersistent)."""
    return T(dtype, shape, variable=True)


@dataclass
class N:
    name: str
    ins: list[T | None]
    outs: list[T]
    options: tuple[str, dict[str, Any]] | None = None
    version: int = 1
    custom: str | None = None
    custom_options: int = 0


def build(ops: list[N]) -> Model:
    m = ModelBuilder()
    ids: dict[int, int] = {}
    produced = {id(t) for o in ops for t in o.outs}
    consumed = {id(t) for o in ops for t in o.ins if t is not None}

    def tensor(t: T | None) -> int:
        if t is None:
            return -1
        if id(t) not in ids:
            ids[id(t)] = m.tensor(
                f"t{len(ids)}",
                t.dtype,
                list(t.shape),
                data=t.data,
                scale=t.scale,
                zero_point=t.zero_point,
                quantized_dimension=t.qdim,
                is_variable=t.variable,
                input=t.data is None and not t.variable and id(t) not in produced,
                output=id(t) in produced and id(t) not in consumed,
            )
        return ids[id(t)]

    for o in ops:
        opname = "CUSTOM" if o.custom else o.name
        m.op(opname, [tensor(t) for t in o.ins], [tensor(t) for t in o.outs],
             options=o.options, version=o.version, custom=o.custom)  # fmt: skip
    model = parse_bytes(m.build())
    if any(o.custom_options for o in ops):  # the builder writes no custom options
        sg = model.subgraphs[0]
        patched = tuple(
            dataclasses.replace(op, custom_options_size=ops[op.index].custom_options)
            for op in sg.operators
        )
        model.subgraphs = (dataclasses.replace(sg, operators=patched), *model.subgraphs[1:])
    return model


def run(ops: list[N]) -> TargetResult:
    return evaluate(build(ops), PROFILE)


def fired(ops: list[N], index: int = 0) -> set[tuple[str, str | None, str]]:
    v = run(ops).verdicts[(0, index)]
    return {(f.code, f.source, f.requirement) for f in v.failures}


# -- option tables -----------------------------------------------------------------------------
def conv_opts(**kw: Any) -> tuple[str, dict[str, Any]]:
    base = dict(padding="SAME", stride_w=1, stride_h=1, dilation_w_factor=1,
                dilation_h_factor=1, fused_activation_function="NONE")  # fmt: skip
    return ("Conv2DOptions", {**base, **kw})


def dw_opts(**kw: Any) -> tuple[str, dict[str, Any]]:
    return ("DepthwiseConv2DOptions", {**conv_opts(depth_multiplier=2)[1], **kw})


def pool_opts(**kw: Any) -> tuple[str, dict[str, Any]]:
    base = dict(padding="VALID", stride_w=1, stride_h=1, filter_width=2, filter_height=2,
                fused_activation_function="NONE")  # fmt: skip
    return ("Pool2DOptions", {**base, **kw})


def lstm_opts(**kw: Any) -> tuple[str, dict[str, Any]]:
    base = dict(fused_activation_function="TANH", cell_clip=0.0, proj_clip=0.0, kernel_type="FULL")
    return ("LSTMOptions", {**base, **kw})


# -- canonical accepted models, one per supported op (op 0 is the op under test) -----------------
UNARY = ["ABS", "COS", "ELU", "EXP", "FLOOR", "GELU", "LOG", "LOGISTIC", "NEG", "RSQRT",
         "SIGN", "SIN", "SQRT", "SQUARE", "TANH"]  # fmt: skip
BINARY = ["DIV", "FLOOR_DIV", "FLOOR_MOD", "MAXIMUM", "MINIMUM", "POW", "SQUARED_DIFFERENCE",
          "SUB", "LOGICAL_AND"]  # fmt: skip
COMPARISONS = ["EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL"]
REDUCE = ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD"]
POOL = ["AVERAGE_POOL_2D", "MAX_POOL_2D"]
PADS = ["PAD", "PADV2", "MIRROR_PAD"]
RELUS = ["RELU", "RELU6", "RELU_0_TO_1", "RELU_N1_TO_1", "LEAKY_RELU"]


def _pad(name: str, v: int = 1, pads: T | None = None, **kw: Any) -> list[N]:
    ins = [T(), pads if pads is not None else K(I32, (4, 2))]
    if name == "PADV2":
        ins.append(K(F32, (), 0.0))
    opts = ("MirrorPadOptions", {"mode": kw.get("mode", 0)}) if name == "MIRROR_PAD" else None
    return [N(name, ins, [T()], opts, v)]


def _lstm_full(v: int = 1, n_inputs: int = 24, outs: int = 1, **kw: Any) -> list[N]:
    ins: list[T | None] = [T(F32, (1, 8))]
    ins += [K(F32, (4, 8)) for _ in range(4)] + [K(F32, (4, 4)) for _ in range(4)]
    ins += [None] * 3 + [K(F32, (4,)) for _ in range(4)] + [None, None]
    ins += [V(F32, (1, 4)), V(F32, (1, 4))] + [None] * 4
    return [N("LSTM", ins[:n_inputs], [T(F32, (1, 4)) for _ in range(outs)], lstm_opts(**kw), v)]


def _lstm_basic(v: int = 1, bias: T | None = None, depth: int = 16, **kw: Any) -> list[N]:
    ins = [T(F32, (1, 8)), T(F32, (1, 4)), K(F32, (16, 12)), bias or K(F32, (16,)), T(F32, (1, 4))]
    outs = [T(F32, (1, 4)), T(F32, (1, 4)), T(F32, (1, 12)), T(F32, (1, depth))]
    return [N("LSTM", ins, outs, lstm_opts(kernel_type="BASIC", **kw), v)]


def _cmp(name: str, v: int = 1) -> list[N]:
    b, f = T(BOOL), T(F32)
    return [N(name, [T(), T()], [b], version=v), N("CAST", [b], [f]), N("ABS", [f], [T()])]


def _one_hot(idx: T | None = None, on: T | None = None, axis: int = -1, v: int = 1) -> list[N]:
    ins = [idx or T(I32, (1, 3)), K(I32, (), 5), on or K(F32, (), 1.0), K(F32, (), 0.0)]
    return [N("ONE_HOT", ins, [T(F32, (1, 3, 5))], ("OneHotOptions", {"axis": axis}), v)]


OK: dict[str, Callable[[int], list[N]]] = {
    **{n: (lambda v, n=n: [N(n, [T()], [T()], version=v)]) for n in UNARY},
    **{n: (lambda v, n=n: [N(n, [T(), T()], [T()], version=v)]) for n in BINARY},
    **{n: (lambda v, n=n: _cmp(n, v)) for n in COMPARISONS},
    **{n: (lambda v, n=n: [N(n, [T(), K(I32, (1,), [1])], [T()], version=v)]) for n in REDUCE},
    **{n: (lambda v, n=n: [N(n, [T()], [T()], pool_opts(), v)]) for n in POOL},
    **{n: (lambda v, n=n: _pad(n, v)) for n in PADS},
    **{n: (lambda v, n=n: [N(n, [T()], [T()], version=v)]) for n in RELUS},
    "ADD": lambda v: [N("ADD", [T(), T()], [T()], version=v)],
    "ADD_N": lambda v: [N("ADD_N", [T(), T()], [T()], version=v)],
    "BATCH_MATMUL": lambda v: [
        N("BATCH_MATMUL", [T(F32, (1, 4, 8)), T(F32, (1, 8, 4))], [T(F32, (1, 4, 4))], version=v)
    ],  # fmt: skip
    "CAST": lambda v: [N("CAST", [T()], [T(I32)], version=v)],
    "CONCATENATION": lambda v: [
        N(
            "CONCATENATION",
            [T(), T()],
            [T(F32, (1, 4, 4, 8))],
            ("ConcatenationOptions", {"axis": 3}),
            v,
        )
    ],  # fmt: skip
    "CONV_2D": lambda v: [
        N(
            "CONV_2D",
            [T(F32, (1, 4, 4, 3)), K(F32, (8, 3, 3, 3)), K(F32, (8,))],
            [T(F32, (1, 4, 4, 8))],
            conv_opts(),
            v,
        )
    ],  # fmt: skip
    "CUMSUM": lambda v: [N("CUMSUM", [T(), K(I32, (), 3)], [T()], version=v)],
    "DENSIFY": lambda v: [N("DENSIFY", [K(F32, (4, 4))], [T(F32, (4, 4))], version=v)],
    "DEPTHWISE_CONV_2D": lambda v: [
        N(
            "DEPTHWISE_CONV_2D",
            [T(), K(F32, (1, 3, 3, 8)), K(F32, (8,))],
            [T(F32, (1, 4, 4, 8))],
            dw_opts(),
            v,
        )  # fmt: skip
    ],
    "DEPTH_TO_SPACE": lambda v: [
        N(
            "DEPTH_TO_SPACE",
            [T(F32, (1, 2, 2, 8))],
            [T()],
            ("DepthToSpaceOptions", {"block_size": 2}),
            v,
        )
    ],  # fmt: skip
    "DEQUANTIZE": lambda v: [N("DEQUANTIZE", [Q()], [T()], version=v)],
    "FULLY_CONNECTED": lambda v: [
        N(
            "FULLY_CONNECTED",
            [T(F32, (1, 8)), K(F32, (4, 8)), K(F32, (4,))],
            [T(F32, (1, 4))],
            ("FullyConnectedOptions", {"weights_format": "DEFAULT"}),
            v,
        )  # fmt: skip
    ],
    "GATHER": lambda v: [
        N(
            "GATHER",
            [T(F32, (4, 8)), T(I32, (3,))],
            [T(F32, (3, 8))],
            ("GatherOptions", {"axis": 0}),
            v,
        )
    ],  # fmt: skip
    "HARD_SWISH": lambda v: [N("HARD_SWISH", [T()], [T()], version=v)],
    "LSTM": lambda v: _lstm_full(v),
    "MUL": lambda v: [N("MUL", [T(), T()], [T()], version=v)],
    "ONE_HOT": lambda v: _one_hot(v=v),
    "PACK": lambda v: [
        N("PACK", [T(F32, (4, 4)), T(F32, (4, 4))], [T(F32, (2, 4, 4))], version=v)
    ],  # fmt: skip
    "PRELU": lambda v: [N("PRELU", [T(), K(F32, (1, 1, 4))], [T()], version=v)],
    "QUANTIZE": lambda v: [N("QUANTIZE", [T()], [Q()], version=v)],
    "RESHAPE": lambda v: [
        N("RESHAPE", [T(), K(I32, (2,), [1, 64])], [T(F32, (1, 64))], version=v)
    ],  # fmt: skip
    "RESIZE_BILINEAR": lambda v: [
        N(
            "RESIZE_BILINEAR",
            [T(), K(I32, (2,), [8, 8])],
            [T(F32, (1, 8, 8, 4))],
            ("ResizeBilinearOptions", {"align_corners": True, "half_pixel_centers": False}),
            v,
        )
    ],
    "RESIZE_NEAREST_NEIGHBOR": lambda v: [
        N(
            "RESIZE_NEAREST_NEIGHBOR",
            [T(), K(I32, (2,), [8, 8])],
            [T(F32, (1, 8, 8, 4))],
            version=v,
        )  # fmt: skip
    ],
    "SELECT": lambda v: [N("SELECT", [T(BOOL), T(), T()], [T()], version=v)],
    "SELECT_V2": lambda v: [N("SELECT_V2", [T(BOOL), T(), T()], [T()], version=v)],
    "SLICE": lambda v: [
        N(
            "SLICE",
            [T(), K(I32, (4,)), K(I32, (4,), [1, 2, 2, 2])],
            [T(F32, (1, 2, 2, 2))],
            version=v,
        )
    ],  # fmt: skip
    "SOFTMAX": lambda v: [N("SOFTMAX", [T()], [T()], ("SoftmaxOptions", {"beta": 1.0}), v)],
    "SPACE_TO_DEPTH": lambda v: [
        N(
            "SPACE_TO_DEPTH",
            [T()],
            [T(F32, (1, 2, 2, 16))],
            ("SpaceToDepthOptions", {"block_size": 2}),
            v,
        )
    ],  # fmt: skip
    "SPLIT": lambda v: [
        N(
            "SPLIT",
            [K(I32, (), 3), T(F32, (1, 4, 4, 8))],
            [T(), T()],
            ("SplitOptions", {"num_splits": 2}),
            v,
        )
    ],  # fmt: skip
    "SPLIT_V": lambda v: [
        N(
            "SPLIT_V",
            [T(F32, (1, 4, 4, 8)), K(I32, (2,), [4, 4]), K(I32, (), 3)],
            [T(), T()],
            ("SplitVOptions", {"num_splits": 2}),
            v,
        )
    ],  # fmt: skip
    "STRIDED_SLICE": lambda v: [
        N(
            "STRIDED_SLICE",
            [T(), K(I32, (4,)), K(I32, (4,), [1, 4, 4, 4]), K(I32, (4,), [1] * 4)],
            [T()],
            ("StridedSliceOptions", {"shrink_axis_mask": 0}),
            v,
        )  # fmt: skip
    ],
    "TILE": lambda v: [N("TILE", [T(), K(I32, (4,), [1, 1, 1, 1])], [T()], version=v)],
    "TRANSPOSE": lambda v: [N("TRANSPOSE", [T(), K(I32, (4,), [0, 2, 1, 3])], [T()], version=v)],
    "TRANSPOSE_CONV": lambda v: [
        N(
            "TRANSPOSE_CONV",
            [K(I32, (4,), [1, 8, 8, 4]), K(F32, (4, 3, 3, 4)), T()],
            [T(F32, (1, 8, 8, 4))],
            ("TransposeConvOptions", {"padding": "SAME", "stride_w": 2, "stride_h": 2}),
            v,
        )
    ],
    "UNPACK": lambda v: [
        N(
            "UNPACK",
            [T(F32, (2, 4, 4))],
            [T(F32, (4, 4)), T(F32, (4, 4))],
            ("UnpackOptions", {"num": 2, "axis": 0}),
            v,
        )
    ],  # fmt: skip
    "custom:Convolution2DTransposeBias": lambda v: [
        N(
            "",
            [T(), K(F32, (4, 3, 3, 4)), K(F32, (4,))],
            [T(F32, (1, 8, 8, 4))],
            version=v,
            custom="Convolution2DTransposeBias",
            custom_options=16,
        )  # fmt: skip
    ],
    "custom:MaxPoolingWithArgmax2D": lambda v: [
        N(
            "",
            [T()],
            [T(F32, (1, 2, 2, 4)), T(F32, (1, 2, 2, 4))],
            version=v,
            custom="MaxPoolingWithArgmax2D",
            custom_options=28,
        )  # fmt: skip
    ],
    "custom:MaxUnpooling2D": lambda v: [
        N(
            "",
            [T(F32, (1, 2, 2, 4)), T(F32, (1, 2, 2, 4))],
            [T()],
            version=v,
            custom="MaxUnpooling2D",
            custom_options=28,
        )  # fmt: skip
    ],
    "custom:Resampler": lambda v: [
        N("", [T(), T(F32, (1, 4, 4, 2))], [T()], version=v, custom="Resampler")
    ],
}


def test_every_supported_op_has_an_accepted_model() -> None:
    supported = {k for k, s in PROFILE.ops.items() if s.supported}
    assert supported == set(OK)
    for name, make in OK.items():
        assert fired(make(1)) == set(), name


@pytest.mark.parametrize(
    "name", sorted(k for k, s in PROFILE.ops.items() if s.supported and s.versions)
)
def test_version_caps(name: str) -> None:
    spec = PROFILE.ops[name]
    lo, hi = spec.versions  # type: ignore[misc]
    assert fired(OK[name](hi)) == set()
    got = fired(OK[name](hi + 1))
    assert got == {("D002", spec.source, f"{name} versions {lo}..{hi} are supported")}


# -- one constraint at a time --------------------------------------------------------------------
@dataclass
class Case:
    id: str
    ops: Callable[[], list[N]]
    fails: set[tuple[str, str]] = field(default_factory=set)  # {(code, source)}; empty: passes
    index: int = 0  # the op under test
    text: str = ""  # a piece of the requirement, where one source has two constraints


def c(id: str, ops: Callable[[], list[N]], *fails: tuple[str, str], index: int = 0,
      text: str = "") -> Case:  # fmt: skip
    return Case(id, ops, set(fails), index, text)


GC = "gpu_compatibility.cc:"
MB = "model_builder.cc:"
IN_TYPES = ("D003", MB + "L3308-3317")
OUT_TYPES = ("D003", MB + "L3309-3317")
ACTIVATION = ("D008", GC + "L83-99")
STRIDES = ("D008", GC + "L190-197")
DILATIONS = ("D008", GC + "L199-206")
QUANT = ("D004", "model_builder_helper.cc:L163-176")


def _family_cases() -> list[Case]:
    out: list[Case] = []
    for n in UNARY:
        out += [
            c(
                f"{n}-const-operand",
                lambda n=n: [N(n, [T(), K()], [T()])],
                ("D010", GC + "L1162-1164"),
                text="one input",
            ),  # fmt: skip
            c(
                f"{n}-two-outputs",
                lambda n=n: [N(n, [T()], [T(), T()])],
                ("D010", GC + "L1162-1164"),
                text="outputs",
            ),  # fmt: skip
        ]
    for n in BINARY:
        out += [
            c(f"{n}-one-const-ok", lambda n=n: [N(n, [T(), K()], [T()])]),
            c(
                f"{n}-two-consts",
                lambda n=n: [N(n, [K(), K()], [T()])],
                ("D010", GC + "L1187-1197"),
                text="two inputs",
            ),  # fmt: skip
            c(
                f"{n}-two-outputs",
                lambda n=n: [N(n, [T(), T()], [T(), T()])],
                ("D010", GC + "L1187-1197"),
                text="outputs",
            ),  # fmt: skip
        ]
    for n in ("DIV", "SUB"):
        opts = "DivOptions" if n == "DIV" else "SubOptions"
        out += [
            c(f"{n}-relu6-ok", lambda n=n, o=opts: [
                N(n, [T(), T()], [T()], (o, {"fused_activation_function": "RELU6"}))]),
            c(f"{n}-sign-bit", lambda n=n, o=opts: [
                N(n, [T(), T()], [T()], (o, {"fused_activation_function": "SIGN_BIT"}))],
              ACTIVATION),
        ]  # fmt: skip
    for n in COMPARISONS:
        out += [
            c(f"{n}-graph-output", lambda n=n: [N(n, [T(), T()], [T(BOOL)])],
              ("D010", MB + "L1073-1080")),  # fmt: skip
            c(f"{n}-two-readers", lambda n=n: (lambda b: [
                N(n, [T(), T()], [b]), N("CAST", [b], [T()]), N("CAST", [b], [T()])])(T(BOOL)),
              ("D010", MB + "L1073-1080")),
            c(f"{n}-cast-to-int", lambda n=n: (lambda b: [
                N(n, [T(), T()], [b]), N("CAST", [b], [T(I32)])])(T(BOOL)),
              ("D010", MB + "L1081-1093")),
            c(f"{n}-select-ok", lambda n=n: (lambda b: [
                N(n, [T(), T()], [b]), N("SELECT_V2", [b, T(), T()], [T()])])(T(BOOL))),
            c(f"{n}-int32-output", lambda n=n: (lambda b: [
                N(n, [T(), T()], [b]), N("CAST", [b], [T()])])(T(I32)),
              ("D003", MB + "L3318-3320")),
            c(f"{n}-int32-inputs", lambda n=n: (lambda b: [
                N(n, [T(I32), T(I32)], [b]), N("CAST", [b], [T()])])(T(BOOL)), IN_TYPES),
        ]  # fmt: skip
    for n in REDUCE:
        out += [
            c(
                f"{n}-runtime-axes",
                lambda n=n: [N(n, [K(), V(I32, (1,))], [T()])],
                ("D005", GC + "L234-237"),
            ),  # fmt: skip
            c(
                f"{n}-int64-axes",
                lambda n=n: [N(n, [T(), K("INT64", (1,), [1])], [T()])],
                ("D003", GC + "L238-242"),
            ),  # fmt: skip
            c(
                f"{n}-extra-const",
                lambda n=n: [N(n, [T(), K(I32, (1,), [1]), K()], [T()])],
                ("D010", GC + "L139-156"),
                text="axes",
            ),  # fmt: skip
            c(
                f"{n}-two-outputs",
                lambda n=n: [N(n, [T(), K(I32, (1,), [1])], [T(), T()])],
                ("D010", GC + "L139-156"),
                text="outputs",
            ),  # fmt: skip
        ]
    for n in POOL:
        out += [
            c(f"{n}-filter-1-ok", lambda n=n: [N(n, [T()], [T()], pool_opts(filter_width=1))]),
            c(f"{n}-filter-0", lambda n=n: [N(n, [T()], [T()], pool_opts(filter_width=0))],
              ("D008", GC + "L215-222")),
            c(f"{n}-stride-0", lambda n=n: [N(n, [T()], [T()], pool_opts(stride_h=0))], STRIDES),
            c(f"{n}-sign-bit", lambda n=n: [
                N(n, [T()], [T()], pool_opts(fused_activation_function="SIGN_BIT"))], ACTIVATION),
            c(f"{n}-two-runtime", lambda n=n: [N(n, [T(), T()], [T()], pool_opts())],
              ("D010", GC + "L255-258"), text="one input"),
            c(f"{n}-two-outputs", lambda n=n: [N(n, [T()], [T(), T()], pool_opts())],
              ("D010", GC + "L255-258"), text="outputs"),
            c(f"{n}-no-options", lambda n=n: [N(n, [T()], [T()])],
              ("D008", GC + "L215-222"), STRIDES),
        ]  # fmt: skip
    for n in PADS:
        out += [
            c(f"{n}-3x2-ok", lambda n=n: _pad(n, pads=K(I32, (3, 2)))),
            c(f"{n}-runtime-paddings", lambda n=n: _pad(n, pads=V(I32, (4, 2))),
              ("D010", GC + "L1117-1119"), text="paddings"),
            c(f"{n}-two-outputs",
              lambda n=n: [N(n, _pad(n)[0].ins, [T(), T()], _pad(n)[0].options)],
              ("D010", GC + "L1117-1119"), text="outputs"),
            c(f"{n}-no-paddings", lambda n=n: [N(n, [T()], [T()], _pad(n)[0].options)],
              ("D010", GC + "L1120")),
            c(f"{n}-rank-3-paddings", lambda n=n: _pad(n, pads=K(I32, (4, 2, 1))),
              ("D006", GC + "L1121-1126")),
            c(f"{n}-5x2-paddings", lambda n=n: _pad(n, pads=K(I32, (5, 2))),
              ("D006", GC + "L1127-1132")),
            c(f"{n}-4x3-paddings", lambda n=n: _pad(n, pads=K(I32, (4, 3))),
              ("D006", GC + "L1128-1132")),
        ]  # fmt: skip
    for n in ("DEPTH_TO_SPACE", "HARD_SWISH", "QUANTIZE", "RESHAPE", "RESIZE_BILINEAR",
              "RESIZE_NEAREST_NEIGHBOR", "SPACE_TO_DEPTH", "TILE", "TRANSPOSE"):  # fmt: skip
        base = OK[n](1)[0]
        out += [
            c(f"{n}-two-runtime", lambda b=base: [N(b.name, [*b.ins[:1], V(I32, (2,))], b.outs,
                                                    b.options)],
              ("D010", GC + "L116-125")),
            c(f"{n}-two-outputs", lambda b=base: [N(b.name, b.ins, [*b.outs, T()], b.options)],
              ("D010", GC + "L126-131")),
        ]  # fmt: skip
    for n in ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV"):
        b = OK[n](1)[0]
        data = 2 if n == "TRANSPOSE_CONV" else 0
        runtime_w = [*b.ins]
        runtime_w[1] = T(F32, b.ins[1].shape)  # type: ignore[union-attr]
        three = (
            [*runtime_w, T(F32, (4,))] if n == "TRANSPOSE_CONV" else [*runtime_w[:2], T(F32, (8,))]
        )
        consts = [K(t.dtype, t.shape) if t is not None else None for t in b.ins]
        out += [
            c(f"{n}-runtime-weights-ok",
              lambda b=b, w=runtime_w: [N(b.name, w, b.outs, b.options)]),
            c(f"{n}-all-constant", lambda b=b, k=consts: [N(b.name, k, b.outs, b.options)],
              ("D010", GC + "L172-177")),
            c(f"{n}-three-runtime", lambda b=b, t=three: [N(b.name, t, b.outs, b.options)],
              ("D010", GC + "L172-177")),
            c(f"{n}-two-outputs", lambda b=b: [N(b.name, b.ins, [*b.outs, T()], b.options)],
              ("D010", GC + "L178-183")),
            c(f"{n}-no-weights", lambda b=b, d=data: [N(b.name, [b.ins[d]], b.outs, b.options)],
              ("D010", GC + "L184-186")),
            c(f"{n}-stride-0", lambda b=b: [N(b.name, b.ins, b.outs,
                                              (b.options[0], {**b.options[1], "stride_w": 0}))],
              STRIDES),
        ]  # fmt: skip
        if n != "TRANSPOSE_CONV":
            out += [
                c(f"{n}-dilation-0", lambda b=b: [N(b.name, b.ins, b.outs, (b.options[0], {
                    **b.options[1], "dilation_h_factor": 0}))], DILATIONS),
                c(f"{n}-sign-bit", lambda b=b: [N(b.name, b.ins, b.outs, (b.options[0], {
                    **b.options[1], "fused_activation_function": "SIGN_BIT"}))], ACTIVATION),
                c(f"{n}-tanh-ok", lambda b=b: [N(b.name, b.ins, b.outs, (b.options[0], {
                    **b.options[1], "fused_activation_function": "TANH"}))]),
            ]  # fmt: skip
    return out


def _dw(x: T = None, w: T = None, bias: Any = "k", y: T = None, mult: int = 2) -> list[N]:  # type: ignore[assignment]
    b = K(F32, (8,)) if bias == "k" else bias
    return [N("DEPTHWISE_CONV_2D", [x or T(), w or K(F32, (1, 3, 3, 8)), b],
              [y or T(F32, (1, 4, 4, 8))], dw_opts(depth_multiplier=mult))]  # fmt: skip


def _cast_chain(**kw: Any) -> list[N]:
    """LESS -> bool -> CAST -> float -> ABS; kw bends one link."""
    b = kw.get("b") or T(BOOL)
    f = T(F32)
    ops = [] if kw.get("no_producer") else [N("LESS", [T(), T()], [b])]
    ops.append(N("CAST", [b], [f]))
    if not kw.get("output_leaves"):
        ops.append(N("ABS", [f], [T()]))
    if kw.get("second_reader"):
        ops.append(N("SELECT_V2", [b, T(), T()], [T()]))
    return ops


def _sel(name: str = "SELECT_V2", cond: T | None = None, a: T | None = None,
         b: T | None = None, out: T | None = None) -> list[N]:  # fmt: skip
    return [N(name, [cond or T(BOOL), a or T(), b or T()], [out or T()])]


CASES: list[Case] = [
    *_family_cases(),
    # every op: IsAllAllowedTensors
    c("rank-5-constant", lambda: [N("CONCATENATION", [T(), K(F32, (1, 1, 4, 4, 4))], [T()],
                                    ("ConcatenationOptions", {"axis": 1}))],
      ("D006", MB + "L3060-3064")),
    c("rank-5-runtime", lambda: [N("ABS", [T(F32, (1, 1, 4, 4, 4))], [T(F32, (1, 1, 4, 4, 4))])],
      ("D006", MB + "L3060-3064")),
    c("int32-runtime-input", lambda: [N("ADD", [T(I32), K()], [T()])], IN_TYPES),
    c("int32-constant-input-ok", lambda: [N("ADD", [T(), K(I32)], [T()])]),
    c("int32-variable-input-ok", lambda: [N("ADD", [T(), V(I32, ACT)], [T()])]),
    c("int16-runtime-input", lambda: [N("ABS", [T("INT16")], [T()])], IN_TYPES),
    c("uint8-quantized-ok", lambda: [N("ABS", [Q(dtype="UINT8")], [Q(dtype="UINT8")])]),
    c("int32-output", lambda: [N("ABS", [T()], [T(I32)])], OUT_TYPES),
    c("bool-output", lambda: [N("ABS", [T()], [T(BOOL)])], OUT_TYPES),
    c("int8-unquantized", lambda: [N("ABS", [T(I8)], [Q()])], QUANT),
    c("int8-per-channel",
      lambda: [N("ABS", [Q()], [T(I8, scale=[0.5] * 4, zero_point=[0] * 4, qdim=3)])], QUANT),
    # ADD / MUL broadcasting (kStandard)
    c("ADD-3d-to-4d-ok", lambda: [N("ADD", [T(), T(F32, (4, 4, 4))], [T()])]),
    c("ADD-3d-to-batch-2", lambda: [N("ADD", [T(F32, (2, 4, 4, 4)), T(F32, (4, 4, 4))],
                                          [T(F32, (2, 4, 4, 4))])], ("D006", GC + "L484-527")),
    c("ADD-1x1-ok", lambda: [N("ADD", [T(F32, (1, 1)), T()], [T()])]),
    c("ADD-bc-ok",
      lambda: [N("ADD", [T(F32, (2, 4, 4, 8)), T(F32, (2, 8))], [T(F32, (2, 4, 4, 8))])]),
    c("ADD-1x4", lambda: [N("ADD", [T(), T(F32, (1, 3))], [T()])], ("D006", GC + "L484-527")),
    c("ADD-rank-1-ok", lambda: [N("ADD", [T(), T(F32, (4,))], [T()])]),
    c("ADD-one-input", lambda: [N("ADD", [T()], [T()])], ("D010", GC + "L539-541")),
    c("ADD_N-three", lambda: [N("ADD_N", [T(), T(), T()], [T()])], ("D010", GC + "L552-556")),
    c("MUL-one-input", lambda: [N("MUL", [T()], [T()])], ("D010", GC + "L918-920")),
    c("MUL-4x3", lambda: [N("MUL", [T(), T(F32, (4, 3))], [T()])], ("D006", GC + "L923-929")),
    c("MUL-sign-bit", lambda: [N("MUL", [T(), T()], [T()],
                                 ("MulOptions", {"fused_activation_function": "SIGN_BIT"}))],
      ACTIVATION),
    # BATCH_MATMUL
    c("BATCH_MATMUL-three-inputs", lambda: [N("BATCH_MATMUL", [T(), T(), T()], [T()])],
      ("D010", GC + "L562-568"), text="inputs"),
    c("BATCH_MATMUL-two-outputs", lambda: [N("BATCH_MATMUL", [T(), T()], [T(), T()])],
      ("D010", GC + "L562-568"), text="outputs"),
    # CAST
    c("CAST-int32-to-float-ok", lambda: [N("CAST", [T(I32)], [T()])]),
    c("CAST-f16-to-int32", lambda: [N("CAST", [T(F16)], [T(I32)])], ("D003", GC + "L637-655")),
    c("CAST-constant", lambda: [N("CAST", [K()], [T(I32)])], ("D010", GC + "L634-636")),
    c("CAST-two-outputs", lambda: [N("CAST", [T()], [T(I32), T(I32)])],
      ("D010", GC + "L634-636"), text="outputs"),
    c("CAST-int64-in", lambda: [N("CAST", [T("INT64")], [T()])], ("D003", GC + "L637-655"),
      ("D003", MB + "L3321-3328")),
    c("CAST-int64-out", lambda: [N("CAST", [T()], [T("INT64")])], ("D003", GC + "L637-655"),
      ("D003", MB + "L3321-3328")),
    c("CAST-bool-chain-ok", lambda: _cast_chain(), index=1),
    c("CAST-bool-graph-input", lambda: _cast_chain(no_producer=True),
      ("D010", MB + "L386-393"), index=0),
    c("CAST-bool-two-readers", lambda: _cast_chain(second_reader=True),
      ("D010", MB + "L388-393"), index=1),
    c("CAST-bool-output-leaves", lambda: _cast_chain(output_leaves=True),
      ("D010", MB + "L394-400"), index=1),
    # CUMSUM
    c("CUMSUM-three-inputs", lambda: [N("CUMSUM", [T(), K(I32, (), 3), K()], [T()])],
      ("D010", GC + "L308-310"), text="inputs"),
    c("CUMSUM-two-outputs", lambda: [N("CUMSUM", [T(), K(I32, (), 3)], [T(), T()])],
      ("D010", GC + "L308-310"), text="outputs"),
    c("CUMSUM-int8", lambda: [N("CUMSUM", [Q(), K(I32, (), 3)], [Q()])], ("D003", GC + "L314-315")),
    c("CUMSUM-f16-ok", lambda: [N("CUMSUM", [T(F16), K(I32, (), 3)], [T(F16)])]),
    c("CUMSUM-mixed", lambda: [N("CUMSUM", [T(), K(I32, (), 3)], [T(F16)])], ("D003", GC + "L316")),
    c("CUMSUM-int64-axis", lambda: [N("CUMSUM", [T(), K("INT64", (), 3)], [T()])],
      ("D003", GC + "L317")),
    c("CUMSUM-runtime-axis", lambda: [N("CUMSUM", [T(), V(I32, ())], [T()])],
      ("D005", GC + "L318")),
    # DENSIFY
    c("DENSIFY-runtime", lambda: [N("DENSIFY", [T(F32, (4, 4))], [T(F32, (4, 4))])],
      ("D010", GC + "L677-679"), text="sparse"),
    c("DENSIFY-two-outputs", lambda: [N("DENSIFY", [K(F32, (4, 4))], [T(), T()])],
      ("D010", GC + "L677-679"), text="outputs"),
    # DEPTHWISE_CONV_2D shapes
    c("DW-rank-3-input", lambda: _dw(x=T(F32, (4, 4, 4))), ("D006", GC + "L281-289")),
    c("DW-multiplier-1", lambda: _dw(mult=1), ("D006", GC + "L290-303")),
    c("DW-batch-2-out", lambda: _dw(y=T(F32, (2, 4, 4, 8))), ("D006", GC + "L290-303")),
    c("DW-bias-4", lambda: _dw(bias=K(F32, (4,))), ("D006", GC + "L290-303")),
    c("DW-filter-4", lambda: _dw(w=K(F32, (1, 3, 3, 4))), ("D006", GC + "L290-303")),
    c("DW-no-bias-8", lambda: _dw(bias=None), ("D006", GC + "L290-303")),
    c("DW-no-bias-1-channel-ok", lambda: _dw(x=T(F32, (1, 4, 4, 1)), w=K(F32, (1, 3, 3, 1)),
                                             bias=None, y=T(F32, (1, 4, 4, 1)), mult=1)),
    c("DW-no-options", lambda: [N("DEPTHWISE_CONV_2D", _dw()[0].ins, _dw()[0].outs)],
      STRIDES, DILATIONS, ("D006", GC + "L290-303")),
    # DEPTH_TO_SPACE / SPACE_TO_DEPTH
    c("DEPTH_TO_SPACE-block-1", lambda: [N("DEPTH_TO_SPACE", [T()], [T()],
                                           ("DepthToSpaceOptions", {"block_size": 1}))],
      ("D008", GC + "L690-697")),
    c("SPACE_TO_DEPTH-block-1", lambda: [N("SPACE_TO_DEPTH", [T()], [T()],
                                           ("SpaceToDepthOptions", {"block_size": 1}))],
      ("D008", GC + "L992-999")),
    # DEQUANTIZE
    c("DEQUANTIZE-two-inputs", lambda: [N("DEQUANTIZE", [Q(), K()], [T()])],
      ("D010", GC + "L702-708"), text="inputs"),
    c("DEQUANTIZE-two-outputs", lambda: [N("DEQUANTIZE", [Q()], [T(), T()])],
      ("D010", GC + "L702-708"), text="outputs"),
    c("DEQUANTIZE-int16-constant", lambda: [N("DEQUANTIZE", [K("INT16")], [T()])],
      ("D003", GC + "L709-711")),
    c("DEQUANTIZE-int8-constant-ok", lambda: [N("DEQUANTIZE", [K(I8)], [T()])]),
    # FULLY_CONNECTED
    c("FC-shuffled", lambda: [N("FULLY_CONNECTED", OK["FULLY_CONNECTED"](1)[0].ins,
                                [T(F32, (1, 4))],
                                ("FullyConnectedOptions", {"weights_format": "SHUFFLED4x16INT8"}))],
      ("D008", GC + "L803-808")),
    c("FC-runtime-weights-ok", lambda: [N("FULLY_CONNECTED", [T(F32, (1, 8)), T(F32, (4, 8))],
                                          [T(F32, (1, 4))])]),
    c("FC-three-runtime", lambda: [N("FULLY_CONNECTED", [T(F32, (1, 8)), T(F32, (4, 8)),
                                                         T(F32, (4,))], [T(F32, (1, 4))])],
      ("D010", GC + "L809-812")),
    c("FC-constant-input", lambda: [N("FULLY_CONNECTED", [K(F32, (1, 8)), T(F32, (4, 8))],
                                      [T(F32, (1, 4))])], ("D010", GC + "L813-816")),
    c("FC-keep-dims-ok", lambda: [N("FULLY_CONNECTED", [T(F32, (1, 2, 8)), K(F32, (4, 8))],
                                    [T(F32, (1, 2, 4))],
                                    ("FullyConnectedOptions", {"keep_num_dims": True}))]),
    c("FC-keep-dims-rank", lambda: [N("FULLY_CONNECTED", [T(F32, (1, 2, 8)), K(F32, (4, 8))],
                                      [T(F32, (2, 4))],
                                      ("FullyConnectedOptions", {"keep_num_dims": True}))],
      ("D006", GC + "L817-829")),
    c("FC-no-keep-dims-ok", lambda: [N("FULLY_CONNECTED", [T(F32, (1, 2, 8)), K(F32, (4, 8))],
                                       [T(F32, (2, 4))])]),
    # GATHER
    c("GATHER-two-consts", lambda: [N("GATHER", [K(F32, (4, 8)), K(I32, (3,))], [T(F32, (3, 8))])],
      ("D010", GC + "L834-844"), text="two inputs"),
    c("GATHER-two-outputs", lambda: [N("GATHER", [T(F32, (4, 8)), T(I32, (3,))], [T(), T()])],
      ("D010", GC + "L834-844"), text="outputs"),
    c("GATHER-const-indices-ok", lambda: [N("GATHER", [T(F32, (4, 8)), K(I32, (3,))],
                                            [T(F32, (3, 8))])]),
    c("GATHER-rank-2-indices", lambda: [N("GATHER", [T(F32, (4, 8)), T(I32, (3, 1))],
                                          [T(F32, (3, 1, 8))])], ("D006", GC + "L845-847")),
    c("GATHER-int64-indices", lambda: [N("GATHER", [T(F32, (4, 8)), K("INT64", (3,))],
                                         [T(F32, (3, 8))])], ("D003", GC + "L848-850")),
    c("GATHER-int64-params", lambda: [N("GATHER", [T("INT64", (4, 8)), T(I32, (3,))],
                                        [T(F32, (3, 8))])], ("D003", MB + "L3340-3342")),
    # LOGICAL_AND
    c("LOGICAL_AND-bool-ok", lambda: [N("LOGICAL_AND", [T(BOOL), T(BOOL)], [T(BOOL)])]),
    c("LOGICAL_AND-int32-in", lambda: [N("LOGICAL_AND", [T(I32), T(BOOL)], [T(BOOL)])],
      ("D003", MB + "L3336-3339"), text="inputs"),
    c("LOGICAL_AND-int32-out", lambda: [N("LOGICAL_AND", [T(BOOL), T(BOOL)], [T(I32)])],
      ("D003", MB + "L3336-3339"), text="outputs"),
    # LSTM
    c("LSTM-20-inputs-ok", lambda: _lstm_full(n_inputs=20)),
    c("LSTM-21-inputs", lambda: _lstm_full(n_inputs=21), ("D010", GC + "L861-866")),
    c("LSTM-full-two-outputs", lambda: _lstm_full(outs=2), ("D010", GC + "L867-872")),
    c("LSTM-full-relu", lambda: _lstm_full(fused_activation_function="RELU"),
      ("D008", GC + "L873-878")),
    c("LSTM-basic-ok", lambda: _lstm_basic()),
    c("LSTM-basic-runtime-bias", lambda: _lstm_basic(bias=T(F32, (16,))), ("D010", GC + "L882-885"),
      text="3 run-time"),
    c("LSTM-basic-3-outputs", lambda: [N("LSTM", _lstm_basic()[0].ins, _lstm_basic()[0].outs[:3],
                                         _lstm_basic()[0].options)],
      ("D010", GC + "L882-885"), text="4 outputs"),
    c("LSTM-basic-depth-6", lambda: _lstm_basic(depth=6), ("D006", GC + "L886-890")),
    c("LSTM-basic-relu", lambda: _lstm_basic(fused_activation_function="RELU"),
      ("D008", GC + "L891-895")),
    c("LSTM-basic-cell-clip", lambda: _lstm_basic(cell_clip=1.0), ("D008", GC + "L896-901")),
    # MIRROR_PAD
    c("MIRROR_PAD-symmetric", lambda: _pad("MIRROR_PAD", mode=1), ("D008", GC + "L1106-1116")),
    c("MIRROR_PAD-no-options", lambda: [N("MIRROR_PAD", [T(), K(I32, (4, 2))], [T()])],
      ("D008", GC + "L1106-1116")),
    # ONE_HOT
    c("ONE_HOT-three-inputs", lambda: [N("ONE_HOT", _one_hot()[0].ins[:3], _one_hot()[0].outs,
                                         _one_hot()[0].options)], ("D010", GC + "L325-327")),
    c("ONE_HOT-two-outputs", lambda: [N("ONE_HOT", _one_hot()[0].ins, [T(), T()],
                                        _one_hot()[0].options)], ("D010", GC + "L325-327")),
    c("ONE_HOT-int64-indices", lambda: _one_hot(idx=K("INT64", (1, 3))), ("D003", GC + "L333-335")),
    c("ONE_HOT-axis-3-ok", lambda: _one_hot(axis=3)),
    c("ONE_HOT-axis-1", lambda: _one_hot(axis=1), ("D008", GC + "L338-343")),
    c("ONE_HOT-2x3", lambda: _one_hot(idx=T(I32, (2, 3))), ("D006", GC + "L344-353")),
    c("ONE_HOT-rank-4-batch-ok", lambda: _one_hot(idx=T(I32, (2, 1, 1, 3)))),
    c("ONE_HOT-int-on", lambda: _one_hot(on=K(I32, (), 1)), ("D003", GC + "L355-358")),
    c("ONE_HOT-runtime-on", lambda: _one_hot(on=V(F32, ())), ("D005", GC + "L359")),
    c("ONE_HOT-two-on", lambda: _one_hot(on=K(F32, (2,))), ("D006", GC + "L360-367")),
    c("ONE_HOT-1x1-on", lambda: _one_hot(on=K(F32, (1, 1))), ("D006", GC + "L360-361")),
    c("ONE_HOT-runtime-int64-depth", lambda: [N("ONE_HOT", [T(I32, (1, 3)), T("INT64", ()),
                                                            *_one_hot()[0].ins[2:]],
                                                [T(F32, (1, 3, 5))],
                                                ("OneHotOptions", {"axis": -1}))],
      ("D003", MB + "L3329-3331")),
    # RESIZE_BILINEAR
    c("RESIZE-both-flags", lambda: [N("RESIZE_BILINEAR", OK["RESIZE_BILINEAR"](1)[0].ins,
                                      [T(F32, (1, 8, 8, 4))],
                                      ("ResizeBilinearOptions",
                                       {"align_corners": True, "half_pixel_centers": True}))],
      ("D008", GC + "L1069-1072")),
    c("RESIZE-half-pixel-ok", lambda: [N("RESIZE_BILINEAR", OK["RESIZE_BILINEAR"](1)[0].ins,
                                         [T(F32, (1, 8, 8, 4))],
                                         ("ResizeBilinearOptions", {"half_pixel_centers": True}))]),
    # SELECT / SELECT_V2
    *[
        case
        for n in ("SELECT", "SELECT_V2")
        for case in (
            c(f"{n}-two-inputs", lambda n=n: [N(n, [T(BOOL), T()], [T()])],
              ("D010", GC + "L372-374"), text="inputs"),
            c(f"{n}-two-outputs", lambda n=n: [N(n, [T(BOOL), T(), T()], [T(), T()])],
              ("D010", GC + "L372-374"), text="outputs"),
            c(f"{n}-float-cond-ok", lambda n=n: _sel(n, cond=T())),
            c(f"{n}-int8-cond", lambda n=n: _sel(n, cond=Q()), ("D003", GC + "L379-383")),
            c(f"{n}-cond-4x1-ok", lambda n=n: _sel(n, cond=T(BOOL, (4, 1)))),
            c(f"{n}-cond-3-channels", lambda n=n: _sel(n, cond=T(BOOL, (1, 4, 4, 3))),
              ("D006", GC + "L384-397")),
            c(f"{n}-scalar-if-ok", lambda n=n: _sel(n, a=K(F32, ()))),
            c(f"{n}-one-value-if-ok", lambda n=n: _sel(n, a=T(F32, (1,)))),
            c(f"{n}-two-values-if", lambda n=n: _sel(n, a=T(F32, (2,))), ("D006", GC + "L398-407")),
            c(f"{n}-runtime-2d-if", lambda n=n: _sel(n, T(BOOL, (4, 4)), T(F32, (4, 4)),
                                                     T(F32, (4, 4)), T(F32, (4, 4))),
              ("D006", GC + "L398-407"), ("D006", GC + "L408-417")),
            c(f"{n}-constant-2d-ok", lambda n=n: _sel(n, T(BOOL, (4, 4)), K(F32, (4, 4)),
                                                      K(F32, (4, 4)), T(F32, (4, 4)))),
            c(f"{n}-smaller-else", lambda n=n: _sel(n, b=T(F32, (1, 4, 4, 1))),
              ("D006", GC + "L408-417")),
            c(f"{n}-int32-if", lambda n=n: _sel(n, a=T(I32)), ("D003", MB + "L3332-3335")),
        )
    ],  # fmt: skip
    # SLICE / STRIDED_SLICE
    c("SLICE-two-inputs", lambda: [N("SLICE", [T(), K(I32, (4,))], [T()])],
      ("D010", GC + "L963-967")),
    c("SLICE-rank-3-ok", lambda: [N("SLICE", [T(F32, (1, 4, 4)), K(I32, (3,)), K(I32, (3,))],
                                    [T(F32, (1, 4, 4))])]),
    c("SLICE-rank-2", lambda: [N("SLICE", [T(F32, (4, 4)), K(I32, (2,)), K(I32, (2,))],
                                 [T(F32, (4, 4))])], ("D006", GC + "L968-973")),
    c("STRIDED_SLICE-shrink", lambda: [N("STRIDED_SLICE", OK["STRIDED_SLICE"](1)[0].ins, [T()],
                                         ("StridedSliceOptions", {"shrink_axis_mask": 1}))],
      ("D008", GC + "L1012-1023")),
    c("STRIDED_SLICE-begin-mask-ok", lambda: [N("STRIDED_SLICE", OK["STRIDED_SLICE"](1)[0].ins,
                                                [T()],
                                                ("StridedSliceOptions", {"begin_mask": 15}))]),
    c("STRIDED_SLICE-three-inputs", lambda: [N("STRIDED_SLICE", OK["STRIDED_SLICE"](1)[0].ins[:3],
                                               [T()])], ("D010", GC + "L1025-1027")),
    c("STRIDED_SLICE-rank-2", lambda: [N("STRIDED_SLICE", [T(F32, (4, 4)), K(I32, (2,)),
                                                           K(I32, (2,)), K(I32, (2,))],
                                         [T(F32, (4, 4))])], ("D006", GC + "L1028-1032")),
    # SOFTMAX
    c("SOFTMAX-beta-2", lambda: [N("SOFTMAX", [T()], [T()], ("SoftmaxOptions", {"beta": 2.0}))],
      ("D008", GC + "L978-983")),
    c("SOFTMAX-no-options", lambda: [N("SOFTMAX", [T()], [T()])], ("D008", GC + "L978-983")),
    # custom ops
    c("C2DTB-no-weights", lambda: [N("", [T()], [T()], custom="Convolution2DTransposeBias",
                                     custom_options=16)], ("D010", GC + "L423")),
    c("C2DTB-no-options", lambda: [N("", OK["custom:Convolution2DTransposeBias"](1)[0].ins, [T()],
                                     custom="Convolution2DTransposeBias")],
      ("D010", GC + "L424-425")),
    c("ARGMAX-no-options", lambda: [N("", [T()], [T(), T()], custom="MaxPoolingWithArgmax2D")],
      ("D010", GC + "L248-250")),
    c("ARGMAX-two-runtime", lambda: [N("", [T(), T()], [T(), T()], custom="MaxPoolingWithArgmax2D",
                                       custom_options=28)], ("D010", GC + "L251-253"), text="one"),
    c("ARGMAX-one-output", lambda: [N("", [T()], [T()], custom="MaxPoolingWithArgmax2D",
                                      custom_options=28)], ("D010", GC + "L251-253"), text="two"),
    c("UNPOOL-const-indices", lambda: [N("", [T(), K()], [T()], custom="MaxUnpooling2D",
                                         custom_options=28)],
      ("D010", GC + "L434-436"), text="two"),
    c("UNPOOL-two-outputs", lambda: [N("", [T(), T()], [T(), T()], custom="MaxUnpooling2D",
                                       custom_options=28)],
      ("D010", GC + "L434-436"), text="outputs"),
    c("UNPOOL-no-options", lambda: [N("", [T(), T()], [T()], custom="MaxUnpooling2D")],
      ("D010", GC + "L437-438")),
    c("RESAMPLER-const-warp",
      lambda: [N("", [T(), K(F32, (1, 4, 4, 2))], [T()], custom="Resampler")],
      ("D010", GC + "L445-447"), text="two"),
    c("RESAMPLER-two-outputs", lambda: [N("", [T(), T(F32, (1, 4, 4, 2))], [T(), T()],
                                          custom="Resampler")], ("D010", GC + "L445-447"),
      text="outputs"),
    c("RESAMPLER-rank-3", lambda: [N("", [T(F32, (1, 4, 4)), T(F32, (1, 4, 4, 2))], [T()],
                                     custom="Resampler")], ("D006", GC + "L450-452")),
    c("RESAMPLER-batch", lambda: [N("", [T(), T(F32, (2, 4, 4, 2))], [T()], custom="Resampler")],
      ("D006", GC + "L453-455")),
    c("RESAMPLER-warp-1", lambda: [N("", [T(), T(F32, (1, 4, 4, 1))], [T()], custom="Resampler")],
      ("D006", GC + "L456-458")),
]  # fmt: skip


def _matches(case: Case, got: set[tuple[str, str | None, str]]) -> bool:
    if {(code, src) for code, src, _ in got} != case.fails or len(got) != len(case.fails):
        return False
    return not case.text or all(case.text in req for _, _, req in got)


@pytest.mark.parametrize("case", CASES, ids=[x.id for x in CASES])
def test_constraint(case: Case) -> None:
    got = fired(case.ops(), case.index)
    assert _matches(case, got), sorted(got)


def test_every_constraint_fires_in_some_case() -> None:
    seen: set[tuple[str, str | None, str]] = set()
    for case in CASES:
        if not case.fails:
            continue
        m = build(case.ops())
        op = m.main.operators[case.index]
        key = f"custom:{op.custom_code}" if op.opcode == "CUSTOM" else op.opcode
        v = evaluate(m, PROFILE).verdicts[(0, case.index)]
        seen |= {(key, f.source, f.requirement) for f in v.failures}
        seen |= {("*", f.source, f.requirement) for f in v.failures}
    opengl = PROFILE.with_options(backend="opengl")
    for name in ("SPLIT", "SPLIT_V"):  # constraints of a target option: under its other value
        v = evaluate(build(OK[name](1)), opengl).verdicts[(0, 0)]
        seen |= {(name, f.source, f.requirement) for f in v.failures}
    missing = []
    for g in PROFILE.generic:
        if ("*", g.source, g.requirement()) not in seen:
            missing.append(("generic", g.source))
    for name, spec in PROFILE.ops.items():
        for con in spec.constraints:
            if (name, con.source, con.requirement()) not in seen:
                missing.append((name, con.source, con.requirement()))
    assert not missing


@pytest.mark.parametrize("name", ["SPLIT", "SPLIT_V"])
def test_opengl_backend_excludes_split(name: str) -> None:
    model = build(OK[name](1))
    assert evaluate(model, PROFILE).verdicts[(0, 0)].accepted  # OpenCL, the default
    (f,) = evaluate(model, PROFILE.with_options(backend="opengl")).verdicts[(0, 0)].failures
    assert (f.code, f.source, f.detail) == ("D010", "delegate.cc:L1536-1540", "backend is opengl")


def test_unsupported_ops_say_why() -> None:
    for name in ("CEIL", "BITCAST", "TOPK_V2", "BATCH_TO_SPACE_ND", "SQUEEZE"):
        m = [N(name, [T()], [T()])]
        (code, source, req), = fired(m)  # fmt: skip
        assert code == "D001" and name in req
        assert source == (MB + "L3286" if name != "SQUEEZE" else None)
    (code, _, req), = fired([N("", [T()], [T()], custom="LiteRtMaxUnpooling2D")])  # fmt: skip
    assert code == "D001" and "LiteRtMaxUnpooling2D" in req


# -- the selector: FP16 weights, chains, the partition limit -------------------------------------
def _fp16_conv(tail: list[str] = ()) -> list[N]:  # type: ignore[assignment]
    w = T(F32, (8, 3, 3, 3))
    y = T(F32, (1, 4, 4, 8))
    ops = [N("DEQUANTIZE", [K(F16, (8, 3, 3, 3))], [w]),
           N("CONV_2D", [T(F32, (1, 4, 4, 3)), w, K(F32, (8,))], [y], conv_opts())]  # fmt: skip
    for name in tail:
        nxt = T(F32, (1, 4, 4, 8))
        ops.append(N("", [y], [nxt], custom=name) if name.islower() else N(name, [y], [nxt]))
        y = nxt
    return ops


def test_fp16_weights_are_folded_and_delegated_with_the_whole_graph() -> None:
    r = run(_fp16_conv(["ABS"]))
    assert r.delegated == [(0, 0), (0, 1), (0, 2)] and len(r.partitions) == 1


def test_fp16_dequantize_stays_on_cpu_in_partial_delegation() -> None:
    r = run(_fp16_conv(["ABS", "unknown_op"]))
    (f,) = r.verdicts[(0, 0)].failures
    assert (f.code, f.source) == ("D010", FP16_HELPER_SOURCE)
    assert [k for k in r.delegated] == [(0, 1), (0, 2)]


def test_fp16_dequantize_output_counts_as_constant() -> None:
    """Consumers are checked as if they read the FP16 constant (RemapFp16InputTensors)."""
    w = T(F32, (4, 4))  # a rank-2 SELECT_V2 branch must be constant: the folded one is
    ops = [
        N("DEQUANTIZE", [K(F16, (4, 4))], [w]),
        N("SELECT_V2", [T(BOOL, (4, 4)), w, K(F32, ())], [T(F32, (4, 4))]),
    ]
    assert run(ops).delegated == [(0, 0), (0, 1)]
    w = T()  # a one-argument op needs a run-time input: the folded one is not
    r = run([N("DEQUANTIZE", [K(F16)], [w]), N("ABS", [w], [T()])])
    assert fired([N("DEQUANTIZE", [K(F16)], [w]), N("ABS", [w], [T()])], 1) == {
        ("D010", GC + "L1162-1164", "the op must have one input, computed at run time")
    }
    assert r.delegated == []


def test_cpu_fp16_dequantize_can_split_the_graph() -> None:
    """A delegated op before the FP16 DEQUANTIZE in the plan ends up in its own partition; the
    limit of 1 partition keeps the larger one."""
    w, a, b, y = (
        T(F32, (8, 3, 3, 3)),
        T(F32, (1, 4, 4, 3)),
        T(F32, (1, 4, 4, 3)),
        T(F32, (1, 4, 4, 8)),
    )
    ops = [
        N("ABS", [T(F32, (1, 4, 4, 3))], [a]),
        N("NEG", [a], [b]),
        N("DEQUANTIZE", [K(F16, (8, 3, 3, 3))], [w]),
        N("CONV_2D", [b, w, K(F32, (8,))], [y], conv_opts()),
        N("", [y], [T(F32, (1, 4, 4, 8))], custom="unknown_op"),
    ]  # fmt: skip
    r = run(ops)
    assert r.delegated == [(0, 0), (0, 1)]
    assert [f.code for f in r.verdicts[(0, 3)].failures] == ["P002"]
    ops.insert(0, ops.pop(2))  # the DEQUANTIZE first: one partition of three ops
    r = run(ops)
    assert r.delegated == [(0, 1), (0, 2), (0, 3)] and len(r.partitions) == 1


def test_only_the_largest_partition_is_delegated() -> None:
    x, a, b, c2 = T(), T(), T(), T()
    ops = [N("ABS", [x], [a]), N("", [a], [b], custom="unknown_op"), N("ABS", [b], [c2]),
           N("NEG", [c2], [T()])]  # fmt: skip
    r = run(ops)
    assert r.delegated == [(0, 2), (0, 3)] and len(r.partitions) == 1
    assert [f.code for f in r.verdicts[(0, 0)].failures] == ["P002"]


def test_comparison_and_cast_chain_is_delegated_whole() -> None:
    r = run(_cast_chain())
    assert r.delegated == [(0, 0), (0, 1), (0, 2)] and len(r.partitions) == 1


# -- corpus sanity --------------------------------------------------------------------------------
def _manifest() -> list[dict[str, str]]:
    require_corpus()
    with open(corpus_path("MANIFEST.tsv"), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.corpus
def test_compiled_flex_and_custom_op_models_are_not_fully_delegated() -> None:
    rows = [r for r in _manifest()
            if any(k in r["what"] for k in ("Edge TPU compiled", "Flex", "custom ops:",
                                            "Vela-compiled"))]  # fmt: skip
    assert len(rows) >= 40
    checked = 0
    for r in rows:
        try:
            model = load(str(corpus_path(r["path"])))
        except Exception:  # unreadable files are the reader's business
            continue
        result = evaluate(model, PROFILE)
        assert result.fallback, r["path"]
        assert any(f.code in ("D001", "D012", "D013") for v in result.fallback for f in v.failures)
        checked += 1
    assert checked >= 40


@pytest.mark.corpus
def test_float_mobilenet_is_fully_delegated_in_one_partition() -> None:
    r = evaluate(load(str(corpus_path("gh_zhenhuaw-me_tflite2onnx/mobilenet_v1_0.25_128.tflite"))),
                 PROFILE)  # fmt: skip
    assert len(r.delegated) == len(r.verdicts) == 31 and len(r.partitions) == 1
    assert not [f for f in r.findings if f.code.startswith(("D", "P"))]


@pytest.mark.corpus
def test_squeeze_at_the_end_costs_the_softmax_too() -> None:
    path = "gh_tensorflow_tflite-support/mobilenet_v1_0.25_224_1_default_1.tflite"
    r = evaluate(load(str(corpus_path(path))), PROFILE)
    assert [(v.opcode, [f.code for f in v.failures]) for v in r.fallback] == [
        ("SQUEEZE", ["D001"]),
        ("SOFTMAX", ["P002"]),
    ]


@pytest.mark.corpus
def test_quantized_mobilenets_are_delegated() -> None:
    """ENABLE_QUANT is on by default: 8-bit models with per-tensor activations run."""
    for path in ("gh_tensorflow_tflite-support/mobilenet_v2_1.0_224_quant.tflite",
                 "gh_google-coral_test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite"):  # fmt: skip
        r = evaluate(load(str(corpus_path(path))), PROFILE)
        assert not r.fallback, (path, [(v.opcode, v.failures) for v in r.fallback][:3])
