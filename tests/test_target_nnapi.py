"""The ``nnapi`` target (rules/nnapi.toml, inspector/targets/nnapi.py) on tiny built models.

No NNAPI runs here, so every constraint of the profile is pinned by a pair of one-op models:
one just inside it (the op is taken) and one just outside (the op falls back with exactly that
constraint's failure). Version limits, unconditional API-level minimums and unconditional type
lists are derived from the profile itself; every other constraint has a hand-written pair in
``CASES``.
``test_every_constraint_is_exercised`` checks that no constraint is left without a pair.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_path

from inspector.dtypes import numpy_dtype
from inspector.engine import FP16_HELPER_SOURCE as FP16_DEQUANTIZE_SOURCE
from inspector.engine import Failure, evaluate
from inspector.engine import fp16_helper_selector as nnapi_selector
from inspector.parse import load, parse_bytes
from inspector.profiles import resolve_target

NNAPI = resolve_target("nnapi")


# -- a small language for one-op models -----------------------------------------------------------
@dataclass
class T:
    """A tensor: constant when ``const`` (``values`` or zeros), quantized when ``scale``."""

    dtype: str
    shape: list[int]
    const: bool = False
    values: Any = None
    scale: Any = None
    zp: Any = None
    qdim: int = 0
    variable: bool = False


def f32(*shape: int) -> T:
    return T("FLOAT32", list(shape))


def c(dtype: str, values: Any, shape: list[int] | None = None) -> T:
    arr = np.asarray(values)
    return T(dtype, list(arr.shape) if shape is None else shape, const=True, values=values)


def q(dtype: str, *shape: int, scale: Any = 0.5, zp: Any = 0) -> T:
    return T(dtype, list(shape), scale=scale, zp=zp)


@dataclass
class Spec:
    op: str
    ins: list[T | None]
    outs: list[T]
    opts: tuple[str, dict[str, Any]] | None = None
    version: int = 1
    post: dict[str, Any] = field(default_factory=dict)  # options set after parsing (vectors)


def build(spec: Spec) -> Any:
    m = ModelBuilder()
    idx = []
    for i, t in enumerate(spec.ins):
        if t is None:
            idx.append(-1)
            continue
        data = None
        if t.const:
            vals = np.zeros(t.shape) if t.values is None else t.values
            data = np.asarray(vals).astype(numpy_dtype(t.dtype)).reshape(t.shape)
        idx.append(
            m.tensor(
                f"in{i}",
                t.dtype,
                t.shape,
                data=data,
                scale=t.scale,
                zero_point=t.zp,
                quantized_dimension=t.qdim,
                input=not t.const and not t.variable,
                is_variable=t.variable,
            )
        )
    outs = [
        m.tensor(f"out{i}", t.dtype, t.shape, scale=t.scale, zero_point=t.zp, output=True)
        for i, t in enumerate(spec.outs)
    ]
    m.op(spec.op, idx, outs, options=spec.opts, version=spec.version)
    model = parse_bytes(m.build())
    model.main.operators[0].options.update(spec.post)
    return model


def failures(spec: Spec, api: int) -> list[Failure]:
    model = build(spec)
    return nnapi_selector(model, model.main, NNAPI.with_options(android_api=api))[0]


# -- mutations: each returns a function that edits a copy of the base spec ------------------------
Mut = Callable[[Spec], None]


def V(n: int) -> Mut:
    return lambda s: setattr(s, "version", n)


def I(i: int, t: T | None = None, **kw: Any) -> Mut:  # noqa: E743
    def f(s: Spec) -> None:
        if t is not None or not kw:
            s.ins[i] = t
        else:
            for k, v in kw.items():
                setattr(s.ins[i], k, v)

    return f


def O(i: int, t: T | None = None, **kw: Any) -> Mut:  # noqa: E743
    def f(s: Spec) -> None:
        if t is not None:
            s.outs[i] = t
        else:
            for k, v in kw.items():
                setattr(s.outs[i], k, v)

    return f


def OPT(**kw: Any) -> Mut:
    def f(s: Spec) -> None:
        table, values = s.opts or ("", {})
        s.opts = (table, {**values, **kw})

    return f


def POST(**kw: Any) -> Mut:
    return lambda s: s.post.update(kw)


def NIN(n: int, extra: T | None = None) -> Mut:
    """Keep the first n inputs, or pad with ``extra`` (a float constant) up to n."""

    def f(s: Spec) -> None:
        if n <= len(s.ins):
            del s.ins[n:]
        else:
            s.ins += [
                copy.deepcopy(extra or c("FLOAT32", [0.0, 0.0])) for _ in range(n - len(s.ins))
            ]

    return f


def QALL(dtype: str, scale: float = 0.5, zp: int = 0) -> Mut:
    """Every non-constant float tensor becomes ``dtype`` quantized."""

    def f(s: Spec) -> None:
        for t in [*s.ins, *s.outs]:
            if t is not None and t.dtype == "FLOAT32" and not t.const:
                t.dtype, t.scale, t.zp = dtype, scale, zp

    return f


def DT(dtype: str) -> Mut:
    """Input 0 and output 0 become ``dtype`` (quantized when 8/16-bit)."""

    def f(s: Spec) -> None:
        for t in (s.ins[0], s.outs[0]):
            assert t is not None
            t.dtype = dtype
            if dtype in ("UINT8", "INT8", "INT16"):
                t.scale, t.zp = 0.5, 128 if dtype == "UINT8" else 0

    return f


def apply(base: Spec, muts: Iterable[Mut]) -> Spec:
    s = copy.deepcopy(base)
    for m in muts:
        m(s)
    return s


# -- one passing model per op (taken from its minimum API level up) -------------------------------
def unary(op: str, opts: tuple[str, dict[str, Any]] | None = None) -> Spec:
    return Spec(op, [f32(1, 4)], [f32(1, 4)], opts)


def binary(op: str, table: str | None = None, out: str = "FLOAT32") -> Spec:
    return Spec(op, [f32(1, 4), f32(1, 4)], [T(out, [1, 4])], (table, {}) if table else None)


def reduce(op: str, dtype: str = "FLOAT32") -> Spec:
    return Spec(op, [T(dtype, [1, 4]), c("INT32", [1])], [T(dtype, [1])], ("ReducerOptions", {}))


def lstm_basic() -> Spec:
    u8 = 1 / 128
    return Spec(
        "LSTM",
        [
            q("UINT8", 1, 2, scale=u8, zp=128),
            q("UINT8", 1, 2, scale=u8, zp=128),
            T("UINT8", [8, 4], const=True, scale=0.5, zp=128),
            c("INT32", [0] * 8),
            q("INT16", 1, 2, scale=16 / 32768),
        ],
        [q("UINT8", 1, 2, scale=u8, zp=128), q("INT16", 1, 2, scale=16 / 32768)],
        ("LSTMOptions", {"kernel_type": "BASIC"}),
    )


POOL = ("Pool2DOptions", {"filter_width": 2, "filter_height": 2, "stride_w": 2, "stride_h": 2})
CONV = (
    "Conv2DOptions",
    {"stride_w": 1, "stride_h": 1, "dilation_w_factor": 1, "dilation_h_factor": 1},
)
DW = (
    "DepthwiseConv2DOptions",
    {
        "stride_w": 1,
        "stride_h": 1,
        "depth_multiplier": 1,
        "dilation_w_factor": 1,
        "dilation_h_factor": 1,
    },
)
W22 = c("FLOAT32", np.zeros((2, 2)))

BASES: dict[str, tuple[Spec, int]] = {  # op -> (model taken from that API level on, level)
    "ADD": (binary("ADD", "AddOptions"), 27),
    "ARG_MAX": (
        Spec(
            "ARG_MAX",
            [f32(1, 4), c("INT32", [1])],
            [T("INT32", [1])],
            ("ArgMaxOptions", {"output_type": 2}),
        ),
        29,
    ),
    "ARG_MIN": (
        Spec(
            "ARG_MIN",
            [f32(1, 4), c("INT32", [1])],
            [T("INT32", [1])],
            ("ArgMinOptions", {"output_type": 2}),
        ),
        29,
    ),
    "MUL": (binary("MUL", "MulOptions"), 27),
    "AVERAGE_POOL_2D": (Spec("AVERAGE_POOL_2D", [f32(1, 4, 4, 1)], [f32(1, 2, 2, 1)], POOL), 27),
    "MAX_POOL_2D": (Spec("MAX_POOL_2D", [f32(1, 4, 4, 1)], [f32(1, 2, 2, 1)], POOL), 27),
    "L2_POOL_2D": (Spec("L2_POOL_2D", [f32(1, 4, 4, 1)], [f32(1, 2, 2, 1)], POOL), 27),
    "CONV_2D": (
        Spec(
            "CONV_2D",
            [f32(1, 4, 4, 2), c("FLOAT32", np.zeros((3, 1, 1, 2))), c("FLOAT32", [0.0] * 3)],
            [f32(1, 4, 4, 3)],
            CONV,
        ),
        27,
    ),
    "DEPTHWISE_CONV_2D": (
        Spec(
            "DEPTHWISE_CONV_2D",
            [f32(1, 4, 4, 2), c("FLOAT32", np.zeros((1, 1, 1, 2))), c("FLOAT32", [0.0] * 2)],
            [f32(1, 4, 4, 2)],
            DW,
        ),
        27,
    ),
    "FULLY_CONNECTED": (
        Spec(
            "FULLY_CONNECTED",
            [f32(1, 4), c("FLOAT32", np.zeros((3, 4))), c("FLOAT32", [0.0] * 3)],
            [f32(1, 3)],
            ("FullyConnectedOptions", {}),
        ),
        27,
    ),
    "HARD_SWISH": (unary("HARD_SWISH"), 27),
    "SOFTMAX": (unary("SOFTMAX", ("SoftmaxOptions", {"beta": 1.0})), 27),
    "RESHAPE": (Spec("RESHAPE", [f32(1, 4), c("INT32", [2, 2])], [f32(2, 2)]), 27),
    "RESIZE_BILINEAR": (
        Spec(
            "RESIZE_BILINEAR",
            [f32(1, 2, 2, 1), c("INT32", [4, 4])],
            [f32(1, 4, 4, 1)],
            ("ResizeBilinearOptions", {}),
        ),
        27,
    ),
    "RESIZE_NEAREST_NEIGHBOR": (
        Spec(
            "RESIZE_NEAREST_NEIGHBOR",
            [f32(1, 2, 2, 1), c("INT32", [4, 4])],
            [f32(1, 4, 4, 1)],
            ("ResizeNearestNeighborOptions", {}),
        ),
        29,
    ),
    "SQUEEZE": (Spec("SQUEEZE", [f32(1, 4)], [f32(4)], post={"squeeze_dims": [0]}), 28),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": (
        Spec("UNIDIRECTIONAL_SEQUENCE_LSTM", [f32(1, 1, 2)] + [W22] * 23, [f32(1, 1, 2)]),
        29,
    ),
    "L2_NORMALIZATION": (
        Spec("L2_NORMALIZATION", [f32(1, 1, 1, 4)], [f32(1, 1, 1, 4)], ("L2NormOptions", {})),
        27,
    ),
    "LOCAL_RESPONSE_NORMALIZATION": (
        Spec("LOCAL_RESPONSE_NORMALIZATION", [f32(1, 1, 1, 4)], [f32(1, 1, 1, 4)]),
        27,
    ),
    "LSH_PROJECTION": (
        Spec(
            "LSH_PROJECTION",
            [W22, f32(3, 2), c("FLOAT32", [1.0] * 3)],
            [T("INT32", [2])],
            ("LSHProjectionOptions", {"type": 2}),
        ),
        27,
    ),
    "CONCATENATION": (
        Spec(
            "CONCATENATION",
            [f32(1, 2), f32(1, 2)],
            [f32(1, 4)],
            ("ConcatenationOptions", {"axis": 1}),
        ),
        27,
    ),
    "DEQUANTIZE": (Spec("DEQUANTIZE", [q("UINT8", 1, 4, zp=128)], [f32(1, 4)]), 27),
    "DENSIFY": (Spec("DENSIFY", [c("FLOAT32", [0.0] * 4)], [f32(4)]), 30),
    "FLOOR": (unary("FLOOR"), 27),
    "RELU": (unary("RELU"), 27),
    "RELU_N1_TO_1": (unary("RELU_N1_TO_1"), 27),
    "RELU6": (unary("RELU6"), 27),
    "LOGISTIC": (unary("LOGISTIC"), 27),
    "TANH": (unary("TANH"), 27),
    "SUB": (binary("SUB", "SubOptions"), 28),
    "DIV": (binary("DIV", "DivOptions"), 28),
    "PAD": (Spec("PAD", [f32(1, 2), c("INT32", [[0, 0], [1, 1]])], [f32(1, 4)]), 28),
    "PADV2": (
        Spec("PADV2", [f32(1, 2), c("INT32", [[0, 0], [1, 1]]), c("FLOAT32", 0.0)], [f32(1, 4)]),
        29,
    ),
    "UNIDIRECTIONAL_SEQUENCE_RNN": (
        Spec(
            "UNIDIRECTIONAL_SEQUENCE_RNN",
            [f32(1, 1, 2), W22, W22, c("FLOAT32", [0.0] * 2), T("FLOAT32", [1, 2], variable=True)],
            [f32(1, 1, 2)],
        ),
        29,
    ),
    "SPACE_TO_BATCH_ND": (
        Spec(
            "SPACE_TO_BATCH_ND",
            [f32(1, 2, 2, 1), c("INT32", [2, 2]), c("INT32", [[0, 0], [0, 0]])],
            [f32(4, 1, 1, 1)],
        ),
        28,
    ),
    "BATCH_TO_SPACE_ND": (
        Spec(
            "BATCH_TO_SPACE_ND",
            [f32(4, 1, 1, 1), c("INT32", [2, 2]), c("INT32", [[0, 0], [0, 0]])],
            [f32(1, 2, 2, 1)],
        ),
        28,
    ),
    "STRIDED_SLICE": (
        Spec(
            "STRIDED_SLICE",
            [f32(1, 4), c("INT32", [0, 0]), c("INT32", [1, 2]), c("INT32", [1, 1])],
            [f32(1, 2)],
            ("StridedSliceOptions", {}),
        ),
        28,
    ),
    "TRANSPOSE": (Spec("TRANSPOSE", [f32(1, 4), c("INT32", [1, 0])], [f32(4, 1)]), 28),
    "ABS": (unary("ABS"), 29),
    "EXP": (unary("EXP"), 29),
    "LOG": (unary("LOG"), 29),
    "POW": (binary("POW"), 29),
    "RSQRT": (unary("RSQRT"), 29),
    "SLICE": (Spec("SLICE", [f32(1, 4), c("INT32", [0, 0]), c("INT32", [1, 2])], [f32(1, 2)]), 29),
    "COS": (unary("COS"), 29),
    "SIN": (unary("SIN"), 29),
    "TRANSPOSE_CONV": (
        Spec(
            "TRANSPOSE_CONV",
            [c("INT32", [1, 4, 4, 1]), c("FLOAT32", np.zeros((1, 3, 3, 1))), f32(1, 4, 4, 1)],
            [f32(1, 4, 4, 1)],
            ("TransposeConvOptions", {"stride_w": 1, "stride_h": 1}),
        ),
        29,
    ),
    "SQRT": (unary("SQRT"), 29),
    "RNN": (
        Spec(
            "RNN",
            [f32(1, 2), W22, W22, c("FLOAT32", [0.0] * 2), T("FLOAT32", [1, 2], variable=True)],
            [f32(1, 2)],
            ("RNNOptions", {}),
        ),
        27,
    ),
    "SPACE_TO_DEPTH": (
        Spec(
            "SPACE_TO_DEPTH",
            [f32(1, 2, 2, 1)],
            [f32(1, 1, 1, 4)],
            ("SpaceToDepthOptions", {"block_size": 2}),
        ),
        27,
    ),
    "SVDF": (
        Spec(
            "SVDF",
            [f32(1, 2), W22, W22, c("FLOAT32", [0.0] * 2), T("FLOAT32", [1, 4], variable=True)],
            [f32(1, 2)],
            ("SVDFOptions", {"rank": 1}),
        ),
        28,
    ),
    "LSTM": (Spec("LSTM", [f32(1, 2)] + [W22] * 19, [f32(1, 2)], ("LSTMOptions", {})), 28),
    "MEAN": (reduce("MEAN"), 28),
    "EMBEDDING_LOOKUP": (
        Spec("EMBEDDING_LOOKUP", [T("INT32", [2]), c("FLOAT32", np.zeros((3, 2)))], [f32(2, 2)]),
        27,
    ),
    "HASHTABLE_LOOKUP": (
        Spec(
            "HASHTABLE_LOOKUP",
            [T("INT32", [2]), c("INT32", [1, 2, 3]), c("FLOAT32", np.zeros((3, 2)))],
            [f32(2, 2), T("UINT8", [2])],
        ),
        27,
    ),
    "MAXIMUM": (binary("MAXIMUM"), 29),
    "MINIMUM": (binary("MINIMUM"), 29),
    "CAST": (Spec("CAST", [f32(1, 4)], [T("INT32", [1, 4])]), 29),
    "LEAKY_RELU": (unary("LEAKY_RELU", ("LeakyReluOptions", {"alpha": 0.2})), 29),
    "PRELU": (Spec("PRELU", [f32(1, 4), c("FLOAT32", [0.2] * 4)], [f32(1, 4)]), 29),
    "TILE": (Spec("TILE", [f32(1, 4), c("INT32", [2, 1])], [f32(2, 4)]), 29),
    "LOGICAL_OR": (
        Spec("LOGICAL_OR", [T("BOOL", [1, 4]), T("BOOL", [1, 4])], [T("BOOL", [1, 4])]),
        29,
    ),
    "LOGICAL_AND": (
        Spec("LOGICAL_AND", [T("BOOL", [1, 4]), T("BOOL", [1, 4])], [T("BOOL", [1, 4])]),
        29,
    ),
    "LOGICAL_NOT": (Spec("LOGICAL_NOT", [T("BOOL", [1, 4])], [T("BOOL", [1, 4])]), 29),
    "LESS": (binary("LESS", out="BOOL"), 29),
    "LESS_EQUAL": (binary("LESS_EQUAL", out="BOOL"), 29),
    "GREATER": (binary("GREATER", out="BOOL"), 29),
    "GREATER_EQUAL": (binary("GREATER_EQUAL", out="BOOL"), 29),
    "EQUAL": (binary("EQUAL", out="BOOL"), 29),
    "NOT_EQUAL": (binary("NOT_EQUAL", out="BOOL"), 29),
    "NEG": (unary("NEG"), 29),
    "TOPK_V2": (Spec("TOPK_V2", [f32(1, 4), c("INT32", 2)], [f32(1, 2), T("INT32", [1, 2])]), 29),
    "SELECT": (Spec("SELECT", [T("BOOL", [1, 4]), f32(1, 4), f32(1, 4)], [f32(1, 4)]), 29),
    "GATHER": (
        Spec("GATHER", [f32(4, 2), T("INT32", [2])], [f32(2, 2)], ("GatherOptions", {"axis": 0})),
        29,
    ),
    "BIDIRECTIONAL_SEQUENCE_LSTM": (
        Spec("BIDIRECTIONAL_SEQUENCE_LSTM", [f32(1, 1, 2)] + [W22] * 47, [f32(1, 1, 4)]),
        29,
    ),
    "EXPAND_DIMS": (Spec("EXPAND_DIMS", [f32(4), c("INT32", 0)], [f32(1, 4)]), 29),
    "SPLIT": (
        Spec(
            "SPLIT",
            [c("INT32", 1), f32(1, 4)],
            [f32(1, 2), f32(1, 2)],
            ("SplitOptions", {"num_splits": 2}),
        ),
        29,
    ),
    "SPLIT_V": (
        Spec(
            "SPLIT_V",
            [f32(1, 4), c("INT32", [1, 3]), c("INT32", 1)],
            [f32(1, 1), f32(1, 3)],
            ("SplitVOptions", {"num_splits": 2}),
        ),
        30,
    ),
    "LOG_SOFTMAX": (unary("LOG_SOFTMAX"), 29),
    "QUANTIZE": (Spec("QUANTIZE", [f32(1, 4)], [q("UINT8", 1, 4, zp=128)]), 29),
    "REDUCE_ANY": (reduce("REDUCE_ANY", "BOOL"), 29),
    "REDUCE_MIN": (reduce("REDUCE_MIN"), 29),
    "REDUCE_MAX": (reduce("REDUCE_MAX"), 29),
    "DEPTH_TO_SPACE": (
        Spec(
            "DEPTH_TO_SPACE",
            [f32(1, 1, 1, 4)],
            [f32(1, 2, 2, 1)],
            ("DepthToSpaceOptions", {"block_size": 2}),
        ),
        27,
    ),
    "REDUCE_PROD": (reduce("REDUCE_PROD"), 29),
    "SUM": (reduce("SUM"), 29),
    "ELU": (unary("ELU"), 30),
    "FILL": (Spec("FILL", [c("INT32", [2, 2]), T("FLOAT32", [])], [f32(2, 2)]), 30),
    "PACK": (
        Spec(
            "PACK", [f32(2), f32(2)], [f32(2, 2)], ("PackOptions", {"axis": 0, "values_count": 2})
        ),
        30,
    ),
    "UNPACK": (
        Spec("UNPACK", [f32(2, 2)], [f32(2), f32(2)], ("UnpackOptions", {"axis": 0, "num": 2})),
        30,
    ),
    "SQUARED_DIFFERENCE": (binary("SQUARED_DIFFERENCE"), 28),
    "BATCH_MATMUL": (
        Spec(
            "BATCH_MATMUL", [f32(2, 2, 3), f32(2, 3, 2)], [f32(2, 2, 2)], ("BatchMatMulOptions", {})
        ),
        33,
    ),
    "MIRROR_PAD": (
        Spec(
            "MIRROR_PAD",
            [f32(1, 2), c("INT32", [[0, 0], [1, 1]])],
            [f32(1, 4)],
            ("MirrorPadOptions", {"mode": 0}),
        ),
        34,
    ),
    "REVERSE_V2": (Spec("REVERSE_V2", [f32(1, 4), c("INT32", [1])], [f32(1, 4)]), 34),
}


# -- the hand-written pairs -----------------------------------------------------------------------
@dataclass
class Case:
    """Inside: ``inside`` mutations at ``api`` are taken. Outside: ``outside`` at ``api_out``
    (default ``api``) fail with exactly one failure, whose source ends with ``src`` and whose
    requirement contains ``req``."""

    ops: tuple[str, ...]
    src: str
    inside: list[Mut]
    outside: list[Mut]
    api: int = 30
    api_out: int | None = None
    req: str = ""


def C(ops: str, src: str, inside: list[Mut], outside: list[Mut], api: int = 30, **kw: Any) -> Case:
    return Case(tuple(ops.split()), src, inside, outside, api, **kw)


def U8CONV(s: Spec) -> None:
    """A UINT8 conv/dw/fc that satisfies the pre-API-29 rules (0.5 * 0.5 < 1)."""
    s.ins[0].dtype, s.ins[0].scale, s.ins[0].zp = "UINT8", 0.5, 128
    s.ins[1].dtype, s.ins[1].scale, s.ins[1].zp = "UINT8", 0.5, 128
    s.ins[2].dtype, s.ins[2].scale = "INT32", 0.25
    s.outs[0].dtype, s.outs[0].scale, s.outs[0].zp = "UINT8", 1.0, 128


CASES: list[Case] = [
    # ADD / MUL: input types by API level, INT32 activation, ranks
    C("ADD", "L2382-2383", [DT("INT8")], [DT("INT32")], 29),
    C("ADD", "L2374-2375", [DT("INT32")], [DT("INT16")], 30),
    C("MUL", "L2440-2441", [DT("INT32")], [DT("INT16")], 30),
    C("MUL", "L2448-2449", [DT("INT8")], [DT("INT32")], 29),
    C(
        "ADD",
        "L2376-2380",
        [DT("INT32"), OPT(fused_activation_function="NONE")],
        [DT("INT32"), OPT(fused_activation_function="RELU")],
    ),
    C(
        "MUL",
        "L2442-2446",
        [DT("INT32"), OPT(fused_activation_function="NONE")],
        [DT("INT32"), OPT(fused_activation_function="RELU")],
    ),
    C("ADD", "L2385-2391", [I(1, shape=[1, 1, 1, 4])], [I(1, shape=[1, 1, 1, 1, 4])]),
    C("MUL", "L2451-2457", [I(0, shape=[1, 1, 1, 4])], [I(0, shape=[1, 1, 1, 1, 4])]),
    # MUL's version limit follows is_accelerator_specified (true from API 29 by default)
    C("MUL", "L2437-2438", [V(2)], [V(3)], 28),
    C("MUL", "L2435-2436", [V(3)], [V(4)], 29),
    # ARG_MAX / ARG_MIN axis and output type
    C(
        "ARG_MAX ARG_MIN",
        "L2405-2414",
        [I(1, c("INT64", [1]))],
        [I(1, T("INT64", [1]))],
        req="must be constant",
    ),
    C(
        "ARG_MAX ARG_MIN",
        "L2405-2414",
        [I(1, c("INT64", [2**31 - 1]))],
        [I(1, c("INT64", [2**31]))],
        req="fit in INT32",
    ),
    C("ARG_MAX", "L2420-2425", [OPT(output_type=2)], [OPT(output_type=4)]),
    C("ARG_MIN", "L2426-2431", [OPT(output_type=2)], [OPT(output_type=4)]),
    # pools
    C(
        "AVERAGE_POOL_2D",
        "L2465-2470",
        [QALL("UINT8", zp=128), OPT(filter_width=16, filter_height=16)],
        [QALL("UINT8", zp=128), OPT(filter_width=16, filter_height=17)],
        28,
    ),
    C(
        "L2_POOL_2D",
        "L2481-2487",
        [OPT(fused_activation_function="NONE")],
        [OPT(fused_activation_function="RELU")],
        28,
    ),
    # CONV_2D before API 29, bias, dilation, groups
    C("CONV_2D", "L2494-2497", [], [I(1, T("INT8", [3, 1, 1, 2], const=True, scale=0.5))], 28),
    C(
        "CONV_2D",
        "L2494-2498",
        [U8CONV],
        [U8CONV, I(0, dtype="INT8", zp=0), I(1, dtype="INT8", zp=0)],
        28,
    ),
    C("CONV_2D", "L2500-2508", [U8CONV], [U8CONV, I(1, scale=[0.5] * 3, zp=[128] * 3)], 28),
    C("CONV_2D", "L2512-2514", [U8CONV, O(0, scale=0.26)], [U8CONV, O(0, scale=0.25)], 28),
    C("CONV_2D", "L2518-2520", [I(2, None)], [NIN(2)]),
    C(
        "CONV_2D",
        "L2521-2525",
        [OPT(dilation_w_factor=1)],
        [OPT(dilation_w_factor=2)],
        28,
        req="dilation_w",
    ),
    C(
        "CONV_2D",
        "L2521-2525",
        [OPT(dilation_h_factor=1)],
        [OPT(dilation_h_factor=2)],
        28,
        req="dilation_h",
    ),
    C("CONV_2D", "L2527-2531", [], [I(1, c("FLOAT32", np.zeros((3, 1, 1, 1))))], 28),
    C("DEPTHWISE_CONV_2D", "L2537-2538", [U8CONV], [U8CONV, I(0, dtype="INT8", zp=0)], 28),
    C(
        "DEPTHWISE_CONV_2D",
        "L2540-2542",
        [U8CONV, O(0, scale=0.26)],
        [U8CONV, O(0, scale=0.25)],
        28,
    ),
    C(
        "DEPTHWISE_CONV_2D",
        "L2545-2552",
        [OPT(dilation_w_factor=1)],
        [OPT(dilation_w_factor=2)],
        28,
    ),
    C(
        "DEPTHWISE_CONV_2D",
        "L2545-2552",
        [OPT(dilation_h_factor=1)],
        [OPT(dilation_h_factor=2)],
        28,
    ),
    C(
        "FULLY_CONNECTED",
        "L2557-2560",
        [O(0, dtype="INT8", scale=0.5)],
        [O(0, dtype="INT16", scale=0.5)],
    ),
    C("FULLY_CONNECTED", "L2561-2564", [], [I(1, T("INT8", [3, 4], const=True, scale=0.5))], 28),
    C("FULLY_CONNECTED", "L2561-2565", [U8CONV], [U8CONV, I(0, dtype="INT8", zp=0)], 28),
    C("FULLY_CONNECTED", "L2567-2570", [U8CONV, O(0, scale=0.26)], [U8CONV, O(0, scale=0.25)], 28),
    C("FULLY_CONNECTED", "L2572-2576", [OPT(keep_num_dims=False)], [OPT(keep_num_dims=True)], 29),
    # SOFTMAX ranks
    C(
        "SOFTMAX",
        "L2594-2598",
        [DT("FLOAT32"), I(0, shape=[1, 1, 1, 4])],
        [I(0, shape=[1, 1, 1, 1, 4])],
    ),
    C("SOFTMAX", "L2599-2604", [I(0, shape=[1, 1, 1, 4])], [I(0, shape=[1, 1, 4])], 28),
    # RESHAPE
    C("RESHAPE", "L2609-2610", [DT("INT8")], [DT("INT32")], 32),
    C("RESHAPE", "L2611-2612", [DT("INT32")], [DT("INT16")], 33),
    C("RESHAPE", "L2614-2617", [I(0, shape=[1, 1, 1, 4])], [I(0, shape=[1, 1, 1, 1, 4])]),
    C("RESHAPE", "L2618-2621", [O(0, shape=[1, 1, 2, 2])], [O(0, shape=[1, 1, 1, 2, 2])]),
    C("RESHAPE", "L2622-2626", [], [I(1, T("INT32", [2]))]),
    C("RESHAPE", "L2628-2640", [NIN(1), POST(new_shape=[2, 2])], [NIN(1), POST(new_shape=[0])]),
    # RESIZE_*
    C("RESIZE_BILINEAR", "L2645-2649", [], [I(0, shape=[2, 2, 1])]),
    C("RESIZE_BILINEAR", "L2651-2653", [], [NIN(1)]),
    C("RESIZE_NEAREST_NEIGHBOR", "L2688-2690", [], [NIN(1)]),
    C("RESIZE_BILINEAR", "L2654-2658", [], [I(1, T("INT32", [2]))]),
    C("RESIZE_NEAREST_NEIGHBOR", "L2691-2695", [], [I(1, T("INT32", [2]))]),
    C("RESIZE_BILINEAR", "L2660-2665", [], [O(0, shape=[1, 4, 6, 1])], 28),
    C("RESIZE_BILINEAR", "L2667-2672", [OPT(align_corners=False)], [OPT(align_corners=True)], 29),
    C(
        "RESIZE_BILINEAR",
        "L2667-2675",
        [OPT(half_pixel_centers=False)],
        [OPT(half_pixel_centers=True)],
        29,
    ),
    C(
        "RESIZE_NEAREST_NEIGHBOR",
        "L2697-2702",
        [OPT(align_corners=False)],
        [OPT(align_corners=True)],
        29,
    ),
    C(
        "RESIZE_NEAREST_NEIGHBOR",
        "L2697-2705",
        [OPT(half_pixel_centers=False)],
        [OPT(half_pixel_centers=True)],
        29,
    ),
    C("RESIZE_BILINEAR", "L2677-2680", [], [QALL("UINT8", zp=128)], 28),
    # SQUEEZE on API 28
    C("SQUEEZE", "L2713-2717", [POST(squeeze_dims=[0])], [POST(squeeze_dims=[])], 28),
    # recurrent ops
    C(
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "L2725-2727",
        [],
        [I(2, T("INT8", [2, 2], const=True, scale=0.5))],
    ),
    C("UNIDIRECTIONAL_SEQUENCE_LSTM", "L2729-2731", [NIN(20)], [NIN(21)]),
    C(
        "UNIDIRECTIONAL_SEQUENCE_RNN",
        "L2936-2938",
        [],
        [I(1, T("INT8", [2, 2], const=True, scale=0.5))],
    ),
    C(
        "BIDIRECTIONAL_SEQUENCE_LSTM",
        "L3340-3342",
        [],
        [I(2, T("INT8", [2, 2], const=True, scale=0.5))],
    ),
    C("RNN", "L3037-3039", [], [NIN(4)]),
    C("SVDF", "L3057-3059", [], [NIN(4)]),
    C("LSTM", "L3082-3085", [], [I(2, T("INT8", [2, 2], const=True, scale=0.5))], 28),
    C("LSTM", "L3134-3136", [NIN(24)], [NIN(24)], 29, api_out=28),
    C(
        "LSTM",
        "L3144-3147",
        [NIN(24), I(4, dtype="UINT8", scale=0.5)],
        [NIN(24), I(4, dtype="INT8", scale=0.5)],
        29,
    ),
    C(
        "LSTM",
        "L3139-3143",
        [NIN(24), I(4, dtype="INT8", scale=0.5)],
        [NIN(24), I(4, dtype="INT16", scale=0.5)],
        30,
    ),
    # the basic LSTM kernel (5 inputs)
    C(
        "LSTM",
        "L3094-3097",
        [lambda s: _replace(s, lstm_basic())],
        [lambda s: _replace(s, lstm_basic()), I(2, dtype="INT8", zp=0)],
        28,
    ),
    C(
        "LSTM",
        "L3099-3104",
        [lambda s: _replace(s, lstm_basic())],
        [lambda s: _replace(s, lstm_basic()), I(0, zp=127)],
        28,
    ),
    C(
        "LSTM",
        "L3106-3111",
        [lambda s: _replace(s, lstm_basic())],
        [lambda s: _replace(s, lstm_basic()), O(0, scale=1 / 64)],
        28,
    ),
    C(
        "LSTM",
        "L3113-3118",
        [lambda s: _replace(s, lstm_basic()), O(1, scale=0.1)],
        [lambda s: _replace(s, lstm_basic()), O(1, scale=0.1, zp=5)],
        28,
    ),
    C(
        "LSTM",
        "L3120-3130",
        [lambda s: _replace(s, lstm_basic()), O(1, zp=5)],
        [lambda s: _replace(s, lstm_basic()), I(3, T("INT32", [8]))],
        28,
    ),
    # L2_NORMALIZATION, LSH_PROJECTION, CONCATENATION
    C("L2_NORMALIZATION", "L2736-2737", [], [QALL("UINT8", zp=128)], 28),
    C("L2_NORMALIZATION", "L2736-2742", [], [I(0, shape=[1, 1, 4]), O(0, shape=[1, 1, 4])], 28),
    C(
        "L2_NORMALIZATION",
        "L2744-2747",
        [OPT(fused_activation_function="NONE")],
        [OPT(fused_activation_function="RELU")],
    ),
    C("LSH_PROJECTION", "L2755-2762", [OPT(type=1), NIN(2)], [OPT(type=1), NIN(2)], 29, api_out=28),
    C("LSH_PROJECTION", "L2755-2766", [OPT(type=1), NIN(2)], [OPT(type=1)], 29),
    C(
        "CONCATENATION",
        "L2771-2774",
        [OPT(fused_activation_function="NONE")],
        [OPT(fused_activation_function="RELU")],
    ),
    C("CONCATENATION", "L2775-2777", [I(0, shape=[1, 1, 1, 2])], [I(0, shape=[1, 1, 1, 1, 2])]),
    C(
        "CONCATENATION",
        "L2783-2793",
        [QALL("UINT8", zp=128)],
        [QALL("UINT8", zp=128), I(1, scale=0.25)],
        28,
    ),
    # DEQUANTIZE, DENSIFY
    C("DEQUANTIZE", "L2807-2809", [V(2)], [V(3)]),
    C("DEQUANTIZE", "L2812-2813", [], [I(0, dtype="INT8", zp=0)], 28),
    C("DEQUANTIZE", "L2814-2815", [I(0, dtype="INT8", zp=0)], [I(0, dtype="INT16", zp=0)], 29),
    C("DEQUANTIZE", "L2817-2824", [I(0, dtype="INT8", zp=0)], [I(0, dtype="INT8", zp=1)], 29),
    C("DENSIFY", "L2830-2835", [], [I(0, f32(4))]),
    # TANH, SUB, DIV
    C("TANH", "L2851-2855", [], [QALL("UINT8", zp=128)], 28, req="before Android API 29"),
    C("TANH", "L2851-2855", [QALL("UINT8", zp=128)], [DT("INT16")], 29, req="from Android API 29"),
    C("SUB", "L2861-2868", [], [QALL("UINT8", zp=128)], 28, req="on Android API 28"),
    C("SUB", "L2861-2868", [QALL("INT8")], [DT("INT32")], 29, req="on Android API 29"),
    C("SUB", "L2861-2868", [DT("INT32")], [DT("INT16")], 30, req="from Android API 30"),
    C(
        "SUB",
        "L2869-2873",
        [DT("INT32"), OPT(fused_activation_function="NONE")],
        [DT("INT32"), OPT(fused_activation_function="RELU")],
    ),
    C("SUB", "L2875-2881", [I(1, shape=[1, 1, 1, 4])], [I(1, shape=[1, 1, 1, 1, 4])]),
    C("DIV", "L2890-2896", [I(0, shape=[1, 1, 1, 4])], [I(0, shape=[1, 1, 1, 1, 4])]),
    C(
        "SQUARED_DIFFERENCE",
        "L3594-3600",
        [I(0, shape=[1, 1, 1, 4])],
        [I(0, shape=[1, 1, 1, 1, 4])],
    ),
    # PAD / PADV2
    C("PAD PADV2", "L2905-2910", [I(0, shape=[1, 1])], [I(0, shape=[1, 0])]),
    C("PAD PADV2", "L2912-2914", [NIN(2)], [NIN(1)]),
    C(
        "PAD",
        "L2916-2922",
        [NIN(3, c("FLOAT32", 0.0))],
        [NIN(3, c("FLOAT32", 0.0))],
        29,
        api_out=28,
    ),
    C("PADV2", "L2916-2922", [], [], 29, api_out=28),
    C("PAD PADV2", "L2923-2928", [NIN(2)], [NIN(2), QALL("UINT8", zp=128)], 28),
    # BATCH_TO_SPACE_ND crops, TRANSPOSE, TRANSPOSE_CONV
    C("BATCH_TO_SPACE_ND", "L2949-2954", [], [I(2, c("INT32", [[0, 0], [0, 1]]))]),
    C("TRANSPOSE", "L2969-2973", [], [NIN(1)], req="must be given"),
    C("TRANSPOSE", "L2969-2973", [], [I(1, T("INT32", [2]))], req="must be constant"),
    C("TRANSPOSE_CONV", "L3021-3027", [], [NIN(1)], req="number of inputs"),
    C("TRANSPOSE_CONV", "L3021-3027", [], [I(1, f32(1, 3, 3, 1))], req="must be constant"),
    # RSQRT by feature level
    C("RSQRT", "L2988-2989", [], [QALL("INT8")], 33),
    C("RSQRT", "L2990-2991", [QALL("INT8")], [DT("INT16")], 34),
    # MEAN and the reductions
    C("MEAN", "L3160-3163", [], [QALL("UINT8", zp=128)], 28),
    C("MEAN", "L3155-3159", [QALL("INT8")], [DT("INT16")], 29),
    C("MEAN", "L3165-3168", [], [O(0, shape=[])]),
    C("MEAN", "L3169-3171", [I(0, shape=[1, 1, 1, 4])], [I(0, shape=[1, 1, 1, 1, 4])]),
    C("REDUCE_PROD SUM", "L3479-3481", [], [O(0, shape=[])]),
    C("REDUCE_ANY", "L3451-3453", [], [O(0, shape=[])]),
    C("REDUCE_MIN REDUCE_MAX", "L3464-3466", [], [I(0, shape=[])]),
    # MAXIMUM / MINIMUM scalars
    C("MAXIMUM MINIMUM", "L3193-3197", [I(0, c("FLOAT32", 1.0))], [I(0, T("FLOAT32", []))]),
    C("MAXIMUM MINIMUM", "L3199-3203", [I(1, c("FLOAT32", 1.0))], [I(1, T("FLOAT32", []))]),
    # CAST by API level
    C("CAST", "L3225-3227", [I(0, q("UINT8", 1, 4, zp=128))], [I(0, q("INT8", 1, 4))], 29),
    C("CAST", "L3229-3234", [O(0, q("UINT8", 1, 4, zp=128))], [O(0, q("INT8", 1, 4))], 29),
    C("CAST", "L3214-3216", [I(0, q("INT8", 1, 4))], [I(0, q("INT16", 1, 4))], 30),
    C("CAST", "L3218-3224", [O(0, q("INT8", 1, 4))], [O(0, q("INT16", 1, 4))], 30),
    # TOPK_V2, SELECT, GATHER, EXPAND_DIMS, SPLIT, SPLIT_V
    C("TOPK_V2", "L3297-3301", [], [I(1, T("INT32", []))], req="must be constant"),
    C("SELECT", "L3310-3317", [], [I(0, T("BOOL", [1, 1]))]),
    C("GATHER", "L3332-3334", [], [I(1, T("INT32", [])), O(0, shape=[2])]),
    C("EXPAND_DIMS", "L3351-3354", [], [I(1, T("INT32", []))], req="must be constant"),
    C("SPLIT", "L3365-3367", [I(1, q("UINT8", 1, 4, zp=128))], [I(1, q("INT8", 1, 4))], 29),
    C("SPLIT", "L3362-3364", [I(1, q("INT8", 1, 4))], [I(1, q("INT16", 1, 4))], 30),
    C("SPLIT", "L3369-3372", [], [I(0, T("INT32", []))], req="must be constant"),
    C("SPLIT_V", "L3384-3392", [], [I(1, c("INT32", [[1, 3]]))], req="vector"),
    C("SPLIT_V", "L3384-3392", [], [I(1, T("INT32", [2]))], req="must be constant"),
    C("SPLIT_V", "L3387-3395", [], [I(2, T("INT32", []))], req="must be constant"),
    C("SPLIT_V", "L3396-3404", [I(1, c("INT32", [1, -1]))], [I(1, c("INT32", [0, 4]))]),
    C("SPLIT_V", "L3396-3404", [I(1, c("INT32", [3, -1]))], [I(1, c("INT32", [4, -1]))]),
    # QUANTIZE
    C("QUANTIZE", "L3424-3429", [I(0, q("INT8", 1, 4))], [I(0, q("INT8", 1, 4, scale=0.0))]),
    C("QUANTIZE", "L3431-3435", [], [O(0, q("INT8", 1, 4))], 29),
    C("QUANTIZE", "L3436-3439", [O(0, q("INT8", 1, 4))], [O(0, q("INT16", 1, 4))], 30),
    C("QUANTIZE", "L3441-3445", [], [O(0, q("UINT8", 1, 4, scale=0.0, zp=128))]),
    # FILL
    C("FILL", "L3500-3503", [], [I(0, T("INT32", [2]))]),
    C("FILL", "L3509-3522", [I(0, c("INT64", [2, 2**31 - 1]))], [I(0, c("INT64", [2, 2**31]))]),
    C("FILL", "L3528-3537", [I(1, c("INT64", 2**31 - 1))], [I(1, c("INT64", 2**31))]),
    # PACK / UNPACK
    C(
        "PACK",
        "L3545-3547",
        [DT("INT32"), I(1, T("INT32", [2]))],
        [DT("INT16"), I(1, q("INT16", 2))],
        33,
    ),
    C(
        "PACK",
        "L3548-3549",
        [DT("INT8"), I(1, q("INT8", 2))],
        [DT("UINT8"), I(1, q("UINT8", 2, zp=128))],
        32,
    ),
    C("PACK", "L3550-3556", [OPT(axis=0)], [OPT(axis=1)], 32),
    C("PACK", "L3550-3556", [OPT(axis=-2)], [OPT(axis=-1)], 32),
    C("UNPACK", "L3566-3568", [I(0, shape=[1, 2]), OPT(axis=-2)], [I(0, shape=[2]), OPT(axis=-2)]),
    C("UNPACK", "L3569-3572", [I(0, shape=[1, 1, 1, 2])], [I(0, shape=[1, 1, 1, 1, 2])]),
    C("UNPACK", "L3573-3579", [OPT(axis=0)], [OPT(axis=1)]),
    C("UNPACK", "L3573-3579", [OPT(axis=-2)], [OPT(axis=-1)]),
    # SQUARED_DIFFERENCE types by API level
    C("SQUARED_DIFFERENCE", "L3591-3592", [], [QALL("UINT8", zp=128)], 28),
    C("SQUARED_DIFFERENCE", "L3589-3590", [QALL("UINT8", zp=128)], [QALL("INT8")], 29),
    C("SQUARED_DIFFERENCE", "L3586-3588", [DT("INT32")], [DT("INT16")], 30),
    # BATCH_MATMUL
    C("BATCH_MATMUL", "L3606-3609", [QALL("INT8")], [QALL("INT16")], 33),
    C("BATCH_MATMUL", "L3610-3612", [], [I(1, q("INT8", 2, 3, 2))], 33),
    C(
        "BATCH_MATMUL",
        "L3613-3616",
        [I(0, shape=[1, 1, 2, 3]), I(1, shape=[1, 1, 3, 2])],
        [I(0, shape=[1, 1, 1, 2, 3]), I(1, shape=[1, 1, 1, 3, 2])],
        33,
    ),
    C(
        "BATCH_MATMUL",
        "L3617-3619",
        [I(0, shape=[2, 3]), I(1, shape=[3, 2])],
        [I(1, shape=[1, 3, 2])],
        33,
    ),
    # MIRROR_PAD / REVERSE_V2
    C("MIRROR_PAD", "L3626-3629", [OPT(mode=1)], [OPT(mode=2)], 34),
    C("MIRROR_PAD", "L3631-3636", [I(0, shape=[1, 1])], [I(0, shape=[1, 0])], 34),
    C("MIRROR_PAD", "L3637-3639", [], [NIN(3, c("INT32", 0))], 34),
    C("REVERSE_V2", "L3646-3648", [], [NIN(1)], 34),
]


def _replace(s: Spec, other: Spec) -> None:
    s.__dict__.update(copy.deepcopy(other).__dict__)


# -- derived pairs: op versions, API minimums, unconditional dtypes -------------------------------
_DTYPE_SKIP = {("BATCH_MATMUL", "input0")}  # both inputs move together (same_dtype); hand-written
_FAIL_TYPE = "INT16"  # no NNAPI check allows it


def _derived() -> list[Case]:
    out = []
    for name, spec in NNAPI.ops.items():
        base_api = BASES[name][1]
        for con in spec.constraints:
            p = con.params
            if con.when:
                continue
            src = con.source.rsplit(":", 1)[-1]
            if con.check == "version":
                out.append(Case((name,), src, [V(p["max"])], [V(p["max"] + 1)], max(base_api, 30)))
            elif con.check == "target_option":
                lo = p["min"]
                if name == "PADV2" and lo == 28:  # a 2-input PADV2 (the 3rd input needs API 29)
                    out.append(Case((name,), src, [NIN(2)], [NIN(2)], lo, lo - 1))
                else:
                    out.append(Case((name,), src, [], [], lo, lo - 1))
            elif con.check == "dtype" and isinstance(p["tensors"], str):
                sel = p["tensors"]
                if (name, sel) in _DTYPE_SKIP:
                    continue
                kind, i = (
                    ("input", int(sel[5:])) if sel.startswith("input") else ("output", int(sel[6:]))
                )
                mut = (I if kind == "input" else O)(i, dtype=_FAIL_TYPE, scale=0.5)
                out.append(Case((name,), src, [], [mut], max(base_api, 30)))
    return out


ALL_CASES = _derived() + CASES


def _params() -> list[Any]:
    out = []
    for case in ALL_CASES:
        for op in case.ops:
            out.append(pytest.param(op, case, id=f"{op}-{case.src}-{case.req or case.api}"))
    return out


@pytest.mark.parametrize(("op", "case"), _params())
def test_constraint_inside_and_outside(op: str, case: Case) -> None:
    base = BASES[op][0]
    inside = failures(apply(base, case.inside), case.api)
    assert inside == [], [f.text() for f in inside]
    outside = failures(apply(base, case.outside), case.api_out or case.api)
    assert len(outside) == 1, [f.text() for f in outside]
    (f,) = outside
    assert f.source is not None and f.source.endswith(case.src), f.source
    assert case.req in f.requirement


def _fired(op: str, case: Case) -> tuple[str, str, str]:
    (f,) = failures(apply(BASES[op][0], case.outside), case.api_out or case.api)
    return op, f.source or "", f.requirement


def test_every_constraint_is_exercised() -> None:
    """Each constraint of the profile is the one failure of at least one outside model."""
    fired = {_fired(op, case) for case in ALL_CASES for op in case.ops}
    wanted = {
        (op, c.source or "", c.requirement()) for op, s in NNAPI.ops.items() for c in s.constraints
    }
    assert wanted - fired == set()


@pytest.mark.parametrize("op", sorted(BASES))
def test_base_model_is_taken_from_its_level_up(op: str) -> None:
    base, lo = BASES[op]
    for api in range(lo, 36):
        assert failures(base, api) == [], (op, api)
    if lo > 27:
        assert failures(base, lo - 1) != []


def test_profile_covers_validate_and_declares_the_api_option() -> None:
    assert set(NNAPI.ops) == set(BASES) and len(NNAPI.ops) == 94
    assert NNAPI.options == {"android_api": 30}
    assert (NNAPI.partitioning.max_partitions, NNAPI.partitioning.min_ops_per_partition) == (3, 1)
    # every constraint of an op is told apart by its source line and requirement
    for name, spec in NNAPI.ops.items():
        keys = [(c.source, c.requirement()) for c in spec.constraints]
        assert len(keys) == len(set(keys)), name


def test_below_api_27_nothing_is_taken() -> None:
    (f,) = failures(BASES["FLOOR"][0], 26)
    assert f.source == "nnapi_delegate.cc:L6837-6839" and f.code == "D010"
    assert failures(BASES["FLOOR"][0], 27) == []


def test_api_gated_constraints_do_not_apply_on_the_other_side() -> None:
    """Where only the level changes, the same model is taken at the other level."""
    taken = [
        ("AVERAGE_POOL_2D", 29, [QALL("UINT8", zp=128), OPT(filter_width=16, filter_height=17)]),
        ("L2_POOL_2D", 29, [OPT(fused_activation_function="RELU")]),
        ("CONV_2D", 29, [OPT(dilation_w_factor=2)]),
        ("CONV_2D", 29, [I(1, T("INT8", [3, 1, 1, 2], const=True, scale=0.5))]),
        ("FULLY_CONNECTED", 30, [OPT(keep_num_dims=True)]),
        ("RESIZE_BILINEAR", 30, [OPT(align_corners=True, half_pixel_centers=True)]),
        ("SQUEEZE", 29, [POST(squeeze_dims=[])]),
        ("DEQUANTIZE", 30, [I(0, dtype="INT8", zp=1)]),
        ("DEQUANTIZE", 30, [I(0, T("FLOAT16", [1, 4])), V(3)]),  # computed FLOAT16: taken as is
        ("PACK", 33, [OPT(axis=-1)]),
        ("RESHAPE", 33, [DT("INT32")]),
        ("RSQRT", 34, [QALL("INT8")]),
        ("LSTM", 29, [I(2, T("INT8", [2, 2], const=True, scale=0.5))]),
        ("LSH_PROJECTION", 28, [OPT(type=2)]),
    ]
    for op, api, muts in taken:
        assert failures(apply(BASES[op][0], muts), api) == [], (op, api)
    # a computed FLOAT16 DEQUANTIZE needs API 30
    (f,) = failures(apply(BASES["DEQUANTIZE"][0], [I(0, T("FLOAT16", [1, 4]))]), 29)
    assert f.source == "nnapi_delegate.cc:L2814-2815"


# -- node selection: FP16 weights, partitions -----------------------------------------------------
def _fp16_graph(consumer_first: bool, extra: str | None = None) -> Any:
    """w16 (constant FLOAT16) -> DEQUANTIZE -> w; ADD(w, x) or ADD(x, w); then ``extra``."""
    m = ModelBuilder()
    w16 = m.tensor("w16", "FLOAT16", [1, 4], data=np.ones((1, 4), np.float16))
    w = m.tensor("w", "FLOAT32", [1, 4])
    x = m.tensor("x", "FLOAT32", [1, 4], input=True)
    y = m.tensor("y", "FLOAT32", [1, 4], output=extra is None)
    m.op("DEQUANTIZE", [w16], [w], version=3)
    m.op("ADD", [w, x] if consumer_first else [x, w], [y], options=("AddOptions", {}))
    if extra:
        z = m.tensor("z", "FLOAT32", [1, 4], output=True)
        m.op(extra, [y], [z])
    return parse_bytes(m.build())


def test_fp16_weights_go_with_full_delegation() -> None:
    r = evaluate(_fp16_graph(consumer_first=False), NNAPI)
    assert r.delegated == [(0, 0), (0, 1)] and len(r.partitions) == 1


def test_fp16_weights_consumers_are_validated_with_float16_inputs() -> None:
    r = evaluate(_fp16_graph(consumer_first=True), NNAPI)
    assert r.delegated == []
    dq, add = r.verdicts[(0, 0)], r.verdicts[(0, 1)]
    assert [f.source for f in dq.failures] == [FP16_DEQUANTIZE_SOURCE]
    assert [f.detail for f in add.failures] == ["input 0 is FLOAT16"]


def test_fp16_weights_stay_on_the_cpu_in_partial_delegation() -> None:
    r = evaluate(_fp16_graph(consumer_first=False, extra="SIGN"), NNAPI)
    assert r.delegated == [(0, 1)]
    assert [f.code for f in r.verdicts[(0, 0)].failures] == ["D010"]
    assert [f.code for f in r.verdicts[(0, 2)].failures] == ["D001"]


def test_only_the_three_largest_partitions_are_delegated() -> None:
    # ABS taken, SIGN not: partitions of 1, 2, 1, 3 and 1 ABS ops
    ops = ["ABS", "SIGN", "ABS", "ABS", "SIGN", "ABS", "SIGN", "ABS", "ABS", "ABS", "SIGN", "ABS"]
    m = ModelBuilder()
    m.chain(m.tensor("t0", "FLOAT32", [1, 4], input=True), ops, "FLOAT32", [1, 4])
    r = evaluate(parse_bytes(m.build()), NNAPI)
    assert [p.ops for _, p in r.partitions] == [(0,), (2, 3), (7, 8, 9)]
    assert [f.code for f in r.verdicts[(0, 5)].failures] == ["P002"]
    assert [f.code for f in r.verdicts[(0, 11)].failures] == ["P002"]


# -- corpus: the same model at different API levels -----------------------------------------------
FC_QAT = "gh_google-ai-edge_LiteRT_quantization-testdata/fc_qat.tflite"


def test_corpus_fc_qat_verdict_changes_with_the_api_level() -> None:
    """QUANTIZE(uint8->int8) -> RESHAPE -> FULLY_CONNECTED(int8) -> QUANTIZE(int8->uint8)."""
    model = load(corpus_path(FC_QAT))
    ops = [op.opcode for op in model.main.operators]
    assert ops == ["QUANTIZE", "RESHAPE", "FULLY_CONNECTED", "QUANTIZE"]

    def run(api: int) -> Any:
        return evaluate(model, NNAPI.with_options(android_api=api))

    r27, r29, r31 = run(27), run(29), run(31)
    # API 27: QUANTIZE needs NNAPI 1.2 and an int8 FULLY_CONNECTED needs API 29: only RESHAPE
    assert r27.delegated == [(0, 1)]
    assert {(v.op, f.source) for v in r27.fallback for f in v.failures} == {
        (0, "nnapi_delegate.cc:L3418-3419"),
        (0, "nnapi_delegate.cc:L3431-3435"),
        (2, "nnapi_delegate.cc:L2561-2565"),
        (3, "nnapi_delegate.cc:L3418-3419"),
    }
    # API 29: only the QUANTIZE to int8 is left out (int8 outputs need NNAPI 1.3)
    assert r29.delegated == [(0, 1), (0, 2), (0, 3)]
    assert [(v.op, [f.source for f in v.failures]) for v in r29.fallback] == [
        (0, ["nnapi_delegate.cc:L3431-3435"])
    ]
    # API 31 (feature level 5): the whole model in one partition
    assert r31.delegated == [(0, 0), (0, 1), (0, 2), (0, 3)] and len(r31.partitions) == 1
    assert run(28).delegated == r27.delegated and run(30).delegated == r31.delegated


def test_lint_sets_the_android_api_per_run() -> None:
    from inspector.lint import LintOptions, load_profiles

    opts = LintOptions(targets=("nnapi",), target_options=(("nnapi", "android_api", 27),))
    (p,) = load_profiles(opts)
    assert p.options == {"android_api": 27}
    r = evaluate(load(corpus_path(FC_QAT)), p)
    assert r.delegated == [(0, 1)]
