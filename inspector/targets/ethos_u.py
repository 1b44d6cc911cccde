"""Arm Ethos-U as compiled by Vela 5.2.0: the predicates, selector and MAC total of ``ethos-u``.

Vela 5.2.0 compiles TFLite models with its C++ "Regor" core by default (``vela.py``
L1249-1250; the Python ``tflite_supported_operators.py`` is the deprecated legacy core). Paths
below are inside ``ethosu/regor/`` of the ethos-u-vela 5.2.0 source release:

- ``tflite/tflite_reader.cpp`` turns each TFLite op into a Regor op: inputs get a *usage*
  (IFM, Weights, Scales = bias, Params, State) from ``tflite_mapping.cpp`` L408-640, shapes come
  from ``shape_signature`` when present (a dynamic first axis becomes 1, L477-503), and a fused
  activation is split into an op of its own (``UnFuseActivation`` L924-960).
- ``tflite/tflite_supported_operators.cpp`` and ``..._u55.cpp`` (used for every U55 and U65
  configuration) hold the constraints the profile ``rules/ethos-u.toml`` lists; the checks that
  need Regor's view of an op (usages, shapes, kernels) are the ``vela_*`` predicates below.
- ``compiler/tflite_graph_optimiser.cpp`` L3283-3315 ``SupportedOperatorChecks``: a failing op
  becomes a CPU op; an op and the activation split off it go to the CPU together. Before it,
  ``RewriteSpaceToBatchConvBatchToSpace`` (L1599-1706) folds SPACE_TO_BATCH_ND, a convolution
  and BATCH_TO_SPACE_ND into one dilated NPU convolution when that convolution passes.
- ``tflite/tflite_model_semantics.cpp`` runs first and aborts the whole compilation on its first
  violation, as does a BOOL graph input or output (``compiler/graphir_optimiser.cpp``
  ``ConvertBool8Tensors`` inserts a NotEqual/And op the U55 cannot run,
  ``compiler/scheduler_packing.cpp`` L386-399). The selector reports such a model as every op
  failing with a D010 failure that says Vela refuses the model.

``vela_nn_macs`` predicts Vela's "Neural network macs" summary line from a result.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from inspector import dtypes
from inspector.engine import Failure, check_op
from inspector.model import Model, Operator, Subgraph, Tensor
from inspector.predicates import OpContext, Predicate, register
from inspector.profiles import Profile

PREDICATES: dict[str, Predicate] = {}

_SEMANTICS = "tflite_model_semantics.cpp"
_READER = "tflite_reader.cpp"

# -- Regor's view of an op: tensor usages (tflite_mapping.cpp L408-640) ----------------------
_USAGES: dict[str, str] = {
    "ABS": "IFM0",
    "ADD": "IFM0 IFM1",
    "ARG_MAX": "IFM0 Params0",
    "ARG_MIN": "IFM0 Params0",
    "AVERAGE_POOL_2D": "IFM0",
    "BATCH_MATMUL": "IFM0 IFM1",
    "BATCH_TO_SPACE_ND": "IFM0 Params0 Params1",
    "BIDIRECTIONAL_SEQUENCE_LSTM": "IFM0 Weights0",
    "BIDIRECTIONAL_SEQUENCE_RNN": "IFM0 Weights0",
    "CAST": "IFM0",
    "CEIL": "IFM0",
    "CONV_2D": "IFM0 Weights0 Scales0",
    "TRANSPOSE_CONV": "Params0 Weights0 IFM0 Scales0",
    "COS": "IFM0",
    "CUMSUM": "IFM0",
    "DENSIFY": "IFM0",
    "DEPTH_TO_SPACE": "IFM0",
    "DEPTHWISE_CONV_2D": "IFM0 Weights0 Scales0",
    "DEQUANTIZE": "IFM0",
    "DIV": "IFM0 IFM1",
    "ELU": "IFM0",
    "EQUAL": "IFM0 IFM1",
    "EXP": "IFM0",
    "EXPAND_DIMS": "IFM0",
    "FAKE_QUANT": "IFM0",
    "FLOOR": "IFM0",
    "FLOOR_DIV": "IFM0 IFM1",
    "FLOOR_MOD": "IFM0 IFM1",
    "FULLY_CONNECTED": "IFM0 Weights0 Scales0",
    "GELU": "IFM0",
    "GATHER_ND": "IFM0 IFM1",
    "GATHER": "IFM0 IFM1",
    "GREATER": "IFM0 IFM1",
    "GREATER_EQUAL": "IFM0 IFM1",
    "HARD_SWISH": "IFM0",
    "HASHTABLE_LOOKUP": "IFM0",
    "L2_NORMALIZATION": "IFM0",
    "L2_POOL_2D": "IFM0",
    "LOCAL_RESPONSE_NORMALIZATION": "IFM0",
    "LSH_PROJECTION": "Params0 IFM0 Params1",
    "LEAKY_RELU": "IFM0",
    "LESS": "IFM0 IFM1",
    "LESS_EQUAL": "IFM0 IFM1",
    "LOG": "IFM0",
    "LOG_SOFTMAX": "IFM0",
    "LOGICAL_AND": "IFM0 IFM1",
    "LOGICAL_NOT": "IFM0 IFM1",
    "LOGICAL_OR": "IFM0 IFM1",
    "LSTM": "IFM0 Weights0",
    "MATRIX_DIAG": "IFM0",
    "MATRIX_SET_DIAG": "IFM0 IFM1",
    "MAX_POOL_2D": "IFM0",
    "MEAN": "IFM0 Params0",
    "MIRROR_PAD": "IFM0 Params0",
    "MUL": "IFM0 IFM1",
    "NEG": "IFM0",
    "NON_MAX_SUPPRESSION_V4": "IFM0 IFM1 Params0 Params1 Params2",
    "NON_MAX_SUPPRESSION_V5": "IFM0 IFM1 Params0 Params1 Params2 Params3",
    "NOT_EQUAL": "IFM0 IFM1",
    "ONE_HOT": "IFM0 Params0",
    "PACK": "IFM0",
    "PAD": "IFM0 Params0",
    "PADV2": "IFM0 Params0 Params1",
    "POW": "IFM0 IFM1",
    "PRELU": "IFM0 Params0",
    "QUANTIZE": "IFM0",
    "RANK": "IFM0",
    "REDUCE_ALL": "IFM0 Params0",
    "REDUCE_ANY": "IFM0 Params0",
    "REDUCE_MAX": "IFM0 Params0",
    "REDUCE_MIN": "IFM0 Params0",
    "REDUCE_PROD": "IFM0 Params0",
    "SUM": "IFM0 Params0",
    "RELU": "IFM0",
    "RELU_0_TO_1": "IFM0",
    "RELU6": "IFM0",
    "RELU_N1_TO_1": "IFM0",
    "RESHAPE": "IFM0 Params0",
    "RESIZE_BILINEAR": "IFM0 Params0",
    "RESIZE_NEAREST_NEIGHBOR": "IFM0 Params0",
    "ROUND": "IFM0",
    "RSQRT": "IFM0",
    "REVERSE_SEQUENCE": "IFM0 Params0",
    "REVERSE_V2": "IFM0 Params0",
    "RNN": "IFM0 Weights0",
    "SCATTER_ND": "IFM0 IFM1 Params0",
    "SEGMENT_SUM": "IFM0 Params0",
    "SELECT": "IFM0 IFM1 IFM2",
    "SELECT_V2": "IFM0 IFM1 IFM2",
    "SHAPE": "IFM0",
    "SIN": "IFM0",
    "SKIP_GRAM": "IFM0",
    "LOGISTIC": "IFM0",
    "SLICE": "IFM0 Params0 Params1",
    "SOFTMAX": "IFM0",
    "SPACE_TO_BATCH_ND": "IFM0 Params0 Params1",
    "SPACE_TO_DEPTH": "IFM0",
    "SPARSE_TO_DENSE": "IFM0",
    "SPLIT": "Params0 IFM0",
    "SPLIT_V": "IFM0 Params0 Params1",
    "SQRT": "IFM0",
    "SQUARE": "IFM0",
    "SQUARED_DIFFERENCE": "IFM0 IFM1",
    "SQUEEZE": "IFM0",
    "STRIDED_SLICE": "IFM0 Params0 Params1 Params2",
    "SUB": "IFM0 IFM1",
    "SVDF": "IFM0 Weights0 Weights1 Scales0 State0",
    "TANH": "IFM0",
    "TILE": "IFM0 Params0",
    "TOPK_V2": "IFM0 Params0",
    "TRANSPOSE": "IFM0 Params0",
    "UNIQUE": "IFM0",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "IFM0 Weights0 Weights1 Weights2 Weights3 Weights4 Weights5 "
    "Weights6 Weights7 Weights8 Weights9 Weights10 Scales0 Scales1 Scales2 Scales3 Weights11 "
    "Scales4 State0 State1 Scales5 Scales6 Scales7 Scales8",
    "UNIDIRECTIONAL_SEQUENCE_RNN": "IFM0 Weights0",
    "UNPACK": "IFM0",
    "ASSIGN_VARIABLE": "Params0 IFM0",
    "READ_VARIABLE": "Params0",
    "WHERE": "IFM0",
    "ZEROS_LIKE": "IFM0",
}
# Every input of these is an IFM (op_type.hpp IsVariadic).
_VARIADIC = frozenset(
    {"CONCATENATION", "CONCAT_EMBEDDINGS", "PACK", "MAXIMUM", "MINIMUM", "ADD_N", "CUSTOM"}
)
# Ops whose unknown OFM shape the reader takes from the IFMs (tflite_reader.cpp L338-357).
_UNARY_EW = frozenset({"ABS", "GELU", "ELU", "LEAKY_RELU", "NEG", "LOGICAL_NOT", "QUANTIZE"})
_BINARY_EW = frozenset(
    {
        "ADD",
        "SUB",
        "MUL",
        "MINIMUM",
        "MAXIMUM",
        "DIV",
        "LOGICAL_AND",
        "LOGICAL_OR",
        "EQUAL",
        "GREATER",
        "GREATER_EQUAL",
        "NOT_EQUAL",
    }
)
_SIGNED = frozenset({"INT4", "INT8", "INT16", "INT32", "INT64"})


@dataclass(frozen=True)
class Conn:
    """One tensor connection of a Regor op: usage kind (IFM, OFM, Weights, Scales, Params,
    State, Scratch), its index within that kind, and the tensor."""

    kind: str
    index: int
    tensor: int
    label: str  # "input 2", "output 0": where the user finds it

    @property
    def feature_map(self) -> bool:
        return self.kind in ("IFM", "OFM")


def _usage_list(opcode: str) -> list[tuple[str, int]]:
    spec = _USAGES.get(opcode, "")
    out = []
    for word in spec.split():
        kind = word.rstrip("0123456789")
        out.append((kind, int(word[len(kind) :])))
    return out


def connections(op: Operator) -> tuple[list[Conn], int]:
    """The op's connections as ``tflite_reader.cpp`` L263-369 makes them, and its IFM count
    (0 means Regor adds a shapeless placeholder IFM)."""
    conns: list[Conn] = []
    ifm_count = 0
    usages = [] if op.opcode in _VARIADIC else _usage_list(op.opcode)
    i = 0
    for kind, idx in usages:
        if i >= len(op.inputs):
            break
        t = op.inputs[i]
        if t >= 0:
            conns.append(Conn(kind, idx, t, f"input {i}"))
        if kind == "IFM":
            ifm_count += 1
        i += 1
    for j in range(i, len(op.inputs)):
        t = op.inputs[j]
        if t >= 0:
            conns.append(Conn("IFM", ifm_count, t, f"input {j}"))
            ifm_count += 1
    for k, t in enumerate(op.intermediates):
        conns.append(Conn("Scratch", k, t, f"intermediate {k}"))
    for k, t in enumerate(op.outputs):
        if t >= 0:
            conns.append(Conn("OFM", k, t, f"output {k}"))
    return conns, ifm_count


def _conn(ctx: OpContext, kind: str, index: int = 0) -> Conn | None:
    return next((c for c in _conns(ctx) if c.kind == kind and c.index == index), None)


def _conns(ctx: OpContext) -> list[Conn]:
    key = ("vela_conns", id(ctx.op))
    cached = ctx.state.get(key)
    if cached is None or cached[0] is not ctx.op:
        cached = (ctx.op, connections(ctx.op))
        ctx.state[key] = cached
    return cached[1][0]


def _ifm_count(ctx: OpContext) -> int:
    _conns(ctx)
    return ctx.state[("vela_conns", id(ctx.op))][1][1]


# -- shapes as Regor reads them ----------------------------------------------------------------
Shape = tuple[int, ...]


def _elements_of_buffer(t: Tensor) -> int:
    b = dtypes.bits(t.dtype)
    return t.constant_bytes * 8 // b if b else t.constant_bytes


def regor_shapes(sg: Subgraph) -> list[Shape | None]:
    """Each tensor's shape as ``tflite_reader.cpp`` L477-503 and L338-357 read it: the
    signature when present (dynamic first axis -> 1), a constant's element count when the shape
    is empty, an inferred OFM shape for element-wise ops; ``None`` for a shapeless tensor."""
    shapes: list[Shape | None] = []
    for t in sg.tensors:
        if t.shape_signature:
            s = list(t.shape_signature)
            if s[0] == -1:
                s[0] = 1
        else:
            s = list(t.shape)
        if not s and t.is_constant:
            s = [_elements_of_buffer(t)]
        shapes.append(tuple(s) if s else None)
    for op in sg.operators:
        conns, _ = connections(op)
        ifms = [shapes[c.tensor] for c in conns if c.kind == "IFM"]
        for o in op.outputs:
            if o < 0 or shapes[o] is not None:
                continue
            if op.opcode in _UNARY_EW and ifms:
                shapes[o] = ifms[0]
            elif op.opcode in _BINARY_EW and len(ifms) >= 2 and ifms[0] and ifms[1]:
                shapes[o] = _broadcast_max(ifms[0], ifms[1])
    return shapes


def _broadcast_max(a: Shape, b: Shape) -> Shape:
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    return tuple(max(x, y) for x, y in zip(a, b, strict=True))


def _shape(ctx: OpContext, t: int) -> Shape | None:
    shapes = ctx.state.get("vela_shapes")
    if shapes is None or ctx.state.get("vela_shapes_sg") is not ctx.sg:
        shapes = regor_shapes(ctx.sg)
        ctx.state["vela_shapes"] = shapes
        ctx.state["vela_shapes_sg"] = ctx.sg
    return shapes[t]


def _pad4(s: Sequence[int], value: int = 1) -> list[int]:
    return [value] * (4 - len(s)) + list(s)


def _elements(s: Sequence[int] | None) -> int:
    return math.prod(s) if s else 0


# -- quantization as Regor reads it ------------------------------------------------------------
def _quant(t: Tensor) -> tuple[tuple[float, ...], tuple[int, ...], int]:
    """(scales, zero points, dimension); empty unless both vectors are given (reader L516)."""
    q = t.quantization
    if q is None or q.scale.size == 0 or q.zero_point.size == 0:
        return (), (), 0
    return (
        tuple(float(x) for x in q.scale),
        tuple(int(z) for z in q.zero_point),
        q.quantized_dimension,
    )


def _bits(t: Tensor) -> int:
    return dtypes.bits(t.dtype) or 0


def _values(ctx: OpContext, t: int) -> np.ndarray | None:
    data = ctx.model.tensor_data(ctx.sg.index, t)
    if data is None:
        return None
    return np.asarray(data).reshape(-1)


def _tensor(ctx: OpContext, c: Conn) -> Tensor:
    return ctx.sg.tensors[c.tensor]


# -- generic predicates (tflite_supported_operators.cpp, ..._u55.cpp) ------------------------
@register(
    PREDICATES, "vela_static_dims", "D007", "only the first dimension of tensors can be dynamic"
)
def _static_dims(ctx: OpContext) -> list[str]:
    for c in _conns(ctx):
        s = _shape(ctx, c.tensor)
        if s and any(d < 0 for d in s):
            return [f"{c.label} has shape {list(s)}"]
    return []


@register(
    PREDICATES,
    "vela_fm_dtypes",
    "D003",
    "feature-map (IFM/OFM) data types must be one of {allowed}",
    allowed=(list, True),
)
def _fm_dtypes(ctx: OpContext, allowed: list[str]) -> list[str]:
    if _ifm_count(ctx) == 0:
        return ["the op has no input, so Regor adds a placeholder IFM without a data type"]
    if not ctx.op.outputs:
        return ["the op has no output, so Regor adds a placeholder OFM without a data type"]
    for c in _conns(ctx):
        t = _tensor(ctx, c)
        if c.feature_map and t.dtype not in allowed:
            return [f"{c.label} ({c.kind}) is {t.dtype}"]
    return []


@register(PREDICATES, "vela_has_shape", "D006", "tensors must have a constant shape")
def _has_shape(ctx: OpContext) -> list[str]:
    for c in _conns(ctx):
        if _shape(ctx, c.tensor) is None:
            return [f"{c.label} is shapeless (rank 0 and not constant)"]
    return []


@register(PREDICATES, "vela_has_ifm", "D010", "the op must have at least one IFM")
def _has_ifm(ctx: OpContext) -> list[str]:
    if _ifm_count(ctx) and _conn(ctx, "IFM", 0) is None:
        return ["its first IFM is missing"]
    return []


@register(PREDICATES, "vela_has_ofm", "D010", "the op must have at least one OFM")
def _has_ofm(ctx: OpContext) -> list[str]:
    if ctx.op.outputs and _conn(ctx, "OFM", 0) is None:
        return ["its first output is missing"]
    return []


@register(
    PREDICATES,
    "vela_quantized",
    "D004",
    "input(s), output and weight tensors must have quantization parameters "
    "(IFM/OFM except INT32, INT64 and BOOL ones, and the weights)",
)
def _quantized(ctx: OpContext) -> list[str]:
    for c in _conns(ctx):
        t = _tensor(ctx, c)
        if t.dtype in ("INT64", "BOOL"):
            continue
        fm = c.feature_map and (t.dtype != "INT32" or ctx.op.opcode == "QUANTIZE")
        if (fm or (c.kind == "Weights" and c.index == 0)) and not _quant(t)[0]:
            return [f"{c.label} ({t.dtype}) has no quantization parameters"]
    return []


@register(
    PREDICATES,
    "vela_scale_shift",
    "D009",
    "quantization scales must give a non-negative shift (scale < 2^31)",
)
def _scale_shift(ctx: OpContext) -> list[str]:
    for c in _conns(ctx):
        for s in _quant(_tensor(ctx, c))[0]:
            if math.isfinite(s) and s != 0 and math.frexp(s)[1] > 31:
                return [f"{c.label} has scale {s:g}"]
    return []


@register(PREDICATES, "vela_per_axis", "D004", "per-axis quantization is not supported")
def _per_axis(ctx: OpContext) -> list[str]:
    for c in _conns(ctx):
        scales, zps, _ = _quant(_tensor(ctx, c))
        if len(scales) > 1 or len(zps) > 1:
            return [f"{c.label} has {len(scales)} scales"]
    return []


@register(PREDICATES, "vela_weights_8bit", "D003", "weight tensors must be 8-bit")
def _weights_8bit(ctx: OpContext) -> list[str]:
    c = _conn(ctx, "Weights")
    if c is not None and _bits(_tensor(ctx, c)) != 8:
        return [f"{c.label} is {_tensor(ctx, c).dtype}"]
    return []


@register(
    PREDICATES,
    "vela_weight_sum",
    "D010",
    "the sum of absolute (weight - zero point) per output channel must not exceed {limit}",
    limit=(int, True),
)
def _weight_sum(ctx: OpContext, limit: int) -> list[str]:
    c = _conn(ctx, "Weights")
    if c is None:
        return []
    w = _tensor(ctx, c)
    values = _values(ctx, c.tensor)
    s = _shape(ctx, c.tensor)
    if values is None or not s:
        return []
    shape = list(s)
    if ctx.op.opcode == "FULLY_CONNECTED" and len(shape) >= 2:
        shape = [shape[0], 1, 1, shape[-1]]
    shape = _pad4(shape)
    depthwise = ctx.op.opcode == "DEPTHWISE_CONV_2D"
    if depthwise:
        max_acc = 255 * shape[1] * shape[2]
    else:
        max_acc = 255 * math.prod(shape) // max(shape[0], 1)
    if max_acc < limit or values.size != math.prod(shape):
        return []
    zps = _quant(w)[1]
    v = values.astype(np.int64).reshape(shape)
    if depthwise:
        per_out = v[0].reshape(-1, shape[3])  # (h*w, channels)
        zp = np.array(zps if len(zps) > 1 else (zps or (0,)) * shape[3])[: shape[3]]
        sums = np.abs(per_out - zp).sum(axis=0)
    else:
        per_out = v.reshape(shape[0], -1)
        zp = np.array(zps if len(zps) > 1 else (zps or (0,)) * shape[0])[: shape[0]]
        sums = np.abs(per_out - zp[:, None]).sum(axis=1)
    worst = int(sums.max()) if sums.size else 0
    if worst > limit:
        return [f"an output channel sums to {worst}"]
    return []


@register(PREDICATES, "vela_bias_shape", "D006", "bias values must be stored in the channel axis")
def _bias_shape(ctx: OpContext) -> list[str]:
    c = _conn(ctx, "Scales")
    s = _shape(ctx, c.tensor) if c else None
    if c is not None and s and _elements(s) > s[-1]:
        return [f"{c.label} has shape {list(s)}"]
    return []


@register(PREDICATES, "vela_bias_const", "D005", "bias tensors must be constant")
def _bias_const(ctx: OpContext) -> list[str]:
    c = _conn(ctx, "Scales")
    if c is not None and not _tensor(ctx, c).is_constant:
        return [f"{c.label} is computed at run time"]
    return []


@register(
    PREDICATES,
    "vela_bias_dtype",
    "D003",
    "bias tensors must be one of {allowed}",
    allowed=(list, True),
)
def _bias_dtype(ctx: OpContext, allowed: list[str]) -> list[str]:
    c = _conn(ctx, "Scales")
    if c is not None and _tensor(ctx, c).dtype not in allowed:
        return [f"{c.label} is {_tensor(ctx, c).dtype}"]
    return []


@register(
    PREDICATES,
    "vela_bias_range",
    "D010",
    "INT64 bias values must not exceed {max}",
    max=(int, True),
)
def _bias_range(ctx: OpContext, max: int) -> list[str]:
    c = _conn(ctx, "Scales")
    if c is None or _tensor(ctx, c).dtype != "INT64":
        return []
    v = _values(ctx, c.tensor)
    if v is not None and v.size and int(v.max()) > max:
        return [f"{c.label} holds {int(v.max())}"]
    return []


@register(
    PREDICATES,
    "vela_zero_points",
    "D004",
    "zero points must be 0 for 32-bit feature maps and non-negative for unsigned ones",
)
def _zero_points(ctx: OpContext) -> list[str]:
    for c in _conns(ctx):
        if not c.feature_map:
            continue
        t = _tensor(ctx, c)
        for zp in _quant(t)[1]:
            if (_bits(t) == 32 and zp != 0) or (t.dtype not in _SIGNED and zp < 0):
                return [f"{c.label} ({t.dtype}) has zero point {zp}"]
    return []


@register(
    PREDICATES,
    "vela_reject_bits",
    "D003",
    "{bits}-bit feature maps are not supported",
    bits=(int, True),
)
def _reject_bits(ctx: OpContext, bits: int) -> list[str]:
    for c in _conns(ctx):
        t = _tensor(ctx, c)
        if c.feature_map and _bits(t) == bits:
            return [f"{c.label} ({c.kind}) is {t.dtype}"]
    return []


# -- kernels -----------------------------------------------------------------------------------
def _kernel(ctx: OpContext) -> tuple[int, int, int, int, int, int] | None:
    """(kw, kh, stride_w, stride_h, dilation_w, dilation_h) as the reader sets them."""
    o = ctx.op.options
    name = ctx.op.opcode
    if name in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D"):
        kw, kh = int(o.get("filter_width", 1)), int(o.get("filter_height", 1))
    elif name in ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV"):
        w = _conn(ctx, "Weights")
        s = _shape(ctx, w.tensor) if w else None
        if not s:
            return None
        s4 = _pad4(s)
        kw, kh = s4[2], s4[1]
    else:
        return (1, 1, int(o.get("stride_w", 1)), int(o.get("stride_h", 1)), 1, 1)
    return (
        kw,
        kh,
        int(o.get("stride_w", 1)),
        int(o.get("stride_h", 1)),
        int(o.get("dilation_w_factor", 1)),
        int(o.get("dilation_h_factor", 1)),
    )


def _needed_padding(size: int, stride: int, filt: int) -> int:
    out = -(-size // stride)
    return max(0, (out - 1) * stride + filt - size)


def _padding_is_zero(ctx: OpContext, k: tuple[int, int, int, int, int, int]) -> bool:
    """Regor's ``Kernel::Padding().IsZero()``: SAME padding that needs no pixels is zero too."""
    if ctx.op.options.get("padding") != "SAME" or ctx.op.opcode == "TRANSPOSE_CONV":
        return True
    ifm = _conn(ctx, "IFM")
    s = _shape(ctx, ifm.tensor) if ifm else None
    if not s:
        return True
    s4 = _pad4(s)
    kw, kh, sw, sh, dw, dh = k
    xpad = _needed_padding(s4[2], sw, dw * (kw - 1) + 1)
    ypad = _needed_padding(s4[1], sh, dh * (kh - 1) + 1)
    return xpad == 0 and ypad == 0


@register(
    PREDICATES,
    "vela_unrolled_stride",
    "D008",
    "stride > 3 is only supported if dilation is 1 and padding is VALID (or the strided OFM "
    "dimension is 1)",
)
def _unrolled_stride(ctx: OpContext) -> list[str]:
    k = _kernel(ctx)
    ofm = _conn(ctx, "OFM")
    s = _shape(ctx, ofm.tensor) if ofm else None
    if k is None or not s:
        return []
    s4 = _pad4(s)
    width, height = s4[-2], s4[-3]
    kw, kh, sw, sh, dw, dh = k
    if (sw <= 3 or width == 1) and (sh <= 3 or height == 1):
        return []
    if _padding_is_zero(ctx, k) and dw == 1 and dh == 1:
        return []
    return [f"stride is {sw}x{sh} with padding or dilation"]


@register(PREDICATES, "vela_kernel_stride", "D008", "kernel stride must be in the range (1, 3)")
def _kernel_stride(ctx: OpContext) -> list[str]:
    k = _kernel(ctx)
    if k and (k[2] > 3 or k[3] > 3):
        return [f"stride is {k[2]}x{k[3]}"]
    return []


@register(
    PREDICATES,
    "vela_avgpool_kernel",
    "D008",
    "if padding is VALID (no padding needed), kernel height <= 256 and width * height <= 65536; "
    "otherwise kernel width and height <= 8",
)
def _avgpool_kernel(ctx: OpContext) -> list[str]:
    k = _kernel(ctx)
    if k is None:
        return []
    w, h = k[0], k[1]
    if _padding_is_zero(ctx, k):
        if not 1 <= h <= 256 or h * w > 65536:
            return [f"kernel is {w}x{h} (no padding)"]
    elif not 1 <= w <= 8 or not 1 <= h <= 8:
        return [f"kernel is {w}x{h} with padding"]
    return []


@register(
    PREDICATES,
    "vela_maxpool_kernel",
    "D008",
    "kernel height must be <= 256 and width * height <= 65536",
)
def _maxpool_kernel(ctx: OpContext) -> list[str]:
    k = _kernel(ctx)
    if k and (not 1 <= k[1] <= 256 or k[0] * k[1] > 65536):
        return [f"kernel is {k[0]}x{k[1]}"]
    return []


# -- op-specific predicates --------------------------------------------------------------------
@register(
    PREDICATES,
    "vela_const_params",
    "D005",
    "parameter tensors must be constant",
)
def _const_params(ctx: OpContext) -> list[str]:
    for c in _conns(ctx):
        if c.kind == "Params" and not _tensor(ctx, c).is_constant:
            return [f"{c.label} is computed at run time"]
    return []


@register(
    PREDICATES,
    "vela_matching_quant",
    "D004",
    "both input quantization parameters must match the OFM quantization parameters",
)
def _matching_quant(ctx: OpContext) -> list[str]:
    ofm = _conn(ctx, "OFM")
    if ofm is None:
        return []
    ref = _quant(_tensor(ctx, ofm))
    for i in (0, 1):
        c = _conn(ctx, "IFM", i)
        if c is not None and _quant(_tensor(ctx, c)) != ref:
            return [f"{c.label} scale/zero point differ from the output's"]
    return []


@register(
    PREDICATES,
    "vela_fc_weight_shape",
    "D006",
    "FullyConnected weights must be on the form O,1,1,...,1,I",
)
def _fc_weight_shape(ctx: OpContext) -> list[str]:
    c = _conn(ctx, "Weights")
    s = _shape(ctx, c.tensor) if c else None
    if c is not None and (not s or len(s) < 2 or _elements(s) != s[0] * s[-1]):
        return [f"{c.label} has shape {list(s or ())}"]
    return []


@register(
    PREDICATES,
    "vela_tconv_shape",
    "D006",
    "OFM must equal IFM * stride (SAME padding) or IFM * stride + max(kernel - stride, 0) "
    "(VALID padding)",
)
def _tconv_shape(ctx: OpContext) -> list[str]:
    k = _kernel(ctx)
    ifm, ofm = _conn(ctx, "IFM"), _conn(ctx, "OFM")
    si = _shape(ctx, ifm.tensor) if ifm else None
    so = _shape(ctx, ofm.tensor) if ofm else None
    if k is None or not si or not so:
        return []
    i4, o4 = _pad4(si), _pad4(so)
    kw, kh, sw, sh = k[:4]
    if ctx.op.options.get("padding") == "SAME":
        want = (i4[2] * sw, i4[1] * sh)
    else:
        want = (i4[2] * sw + max(kw - sw, 0), i4[1] * sh + max(kh - sh, 0))
    if want != (o4[2], o4[1]):
        return [f"OFM width x height is {o4[2]}x{o4[1]}, expected {want[0]}x{want[1]}"]
    return []


@register(
    PREDICATES,
    "vela_tconv_strides",
    "D008",
    "stride WxH must be 1x1 or 2x2, or 2x1 if IFM height and kernel height are 1, or 1x2 if "
    "IFM width and kernel width are 1",
)
def _tconv_strides(ctx: OpContext) -> list[str]:
    k = _kernel(ctx)
    ifm = _conn(ctx, "IFM")
    s = _shape(ctx, ifm.tensor) if ifm else None
    if k is None or not s:
        return []
    kw, kh, sw, sh = k[:4]
    i4 = _pad4(s)
    if not (1 <= sw <= 2 and 1 <= sh <= 2):
        return [f"stride is {sw}x{sh}"]
    if (sw, sh) == (1, 2) and not (i4[2] == 1 and kw == 1):
        return ["stride is 1x2"]
    if (sw, sh) == (2, 1) and not (i4[1] == 1 and kh == 1):
        return ["stride is 2x1"]
    return []


@register(
    PREDICATES,
    "vela_ifm_dtype",
    "D003",
    "the IFM must be one of {allowed} (same type as the OFM: {same_as_ofm})",
    allowed=(list, True),
    same_as_ofm=(bool, False),
)
def _ifm_dtype(ctx: OpContext, allowed: list[str], same_as_ofm: bool = False) -> list[str]:
    ifm, ofm = _conn(ctx, "IFM"), _conn(ctx, "OFM")
    if ifm is None:
        return []
    ti = _tensor(ctx, ifm)
    if ti.dtype not in allowed:
        return [f"{ifm.label} is {ti.dtype}"]
    if same_as_ofm and ofm is not None and _tensor(ctx, ofm).dtype != ti.dtype:
        return [f"IFM is {ti.dtype} and OFM is {_tensor(ctx, ofm).dtype}"]
    return []


@register(PREDICATES, "vela_same_shape", "D006", "IFM and OFM shapes must match")
def _same_shape(ctx: OpContext) -> list[str]:
    ifm, ofm = _conn(ctx, "IFM"), _conn(ctx, "OFM")
    if ifm is None or ofm is None:
        return []
    si, so = _shape(ctx, ifm.tensor), _shape(ctx, ofm.tensor)
    if si != so:
        return [f"IFM {list(si or ())} and OFM {list(so or ())}"]
    return []


@register(
    PREDICATES,
    "vela_softmax_wh",
    "D006",
    "the product of IFM width and height must be at most 65536",
)
def _softmax_wh(ctx: OpContext) -> list[str]:
    ifm = _conn(ctx, "IFM")
    s = _shape(ctx, ifm.tensor) if ifm else None
    if s:
        s4 = _pad4(s)
        if s4[-2] * s4[-3] > 65536:
            return [f"W*H is {s4[-2] * s4[-3]}"]
    return []


@register(PREDICATES, "vela_transpose_dims", "D006", "the permutation must have at most 8 axes")
def _transpose_dims(ctx: OpContext) -> list[str]:
    c = _conn(ctx, "Params")
    s = _shape(ctx, c.tensor) if c else None
    if s and s[-1] > 8:
        return [f"{c.label} has {s[-1]} entries"]  # type: ignore[union-attr]
    return []


@register(
    PREDICATES,
    "vela_params_dtype",
    "D003",
    "the parameter tensor must be one of {allowed}",
    allowed=(list, True),
)
def _params_dtype(ctx: OpContext, allowed: list[str]) -> list[str]:
    c = _conn(ctx, "Params")
    if c is not None and _tensor(ctx, c).dtype not in allowed:
        return [f"{c.label} is {_tensor(ctx, c).dtype}"]
    return []


def _axis_values(ctx: OpContext) -> list[int] | None:
    c = _conn(ctx, "Params")
    if c is None:
        return None
    v = _values(ctx, c.tensor)
    if v is None:
        return None
    s = _shape(ctx, c.tensor)
    count = 1 if not s else s[-1]
    return [int(x) for x in v[:count]]


def _mean_mask(ctx: OpContext) -> tuple[list[int], list[int]] | None:
    """(IFM shape padded to 4D, reduced-axis mask padded to 4D)."""
    ifm = _conn(ctx, "IFM")
    s = _shape(ctx, ifm.tensor) if ifm else None
    axes = _axis_values(ctx)
    if not s or axes is None:
        return None
    mask = [0] * len(s)
    for a in axes:
        if -len(s) <= a < len(s):
            mask[a] = 1
    return _pad4(s), _pad4(mask, 0)


@register(PREDICATES, "vela_unit_batch", "D006", "batch must be 1")
def _unit_batch(ctx: OpContext) -> list[str]:
    ifm = _conn(ctx, "IFM")
    s = _shape(ctx, ifm.tensor) if ifm else None
    if s and _pad4(s)[-4] > 1:
        return [f"IFM shape is {list(s)}"]
    return []


@register(
    PREDICATES,
    "vela_mean_depth",
    "D010",
    "reduction over depth is only supported if any of IFM height, width or depth is 1",
)
def _mean_depth(ctx: OpContext) -> list[str]:
    mm = _mean_mask(ctx)
    if mm is None:
        return []
    s4, m4 = mm
    if m4[-1] and not any(d == 1 for d in s4[1:4]):
        return [f"IFM shape is {s4}"]
    return []


@register(
    PREDICATES,
    "vela_mean_axis_size",
    "D006",
    "each reduced axis must be at most {max}",
    max=(int, True),
)
def _mean_axis_size(ctx: OpContext, max: int) -> list[str]:
    mm = _mean_mask(ctx)
    if mm is None:
        return []
    s4, m4 = mm
    big = [d for d, m in zip(s4, m4, strict=False) if m and d > max]
    return [f"a reduced axis has {big[0]} elements"] if big else []


@register(
    PREDICATES,
    "vela_mean_elements",
    "D006",
    "the number of reduced elements must be at most 2^24 (INT8), 2^23 (UINT8) or 2^16 (INT16)",
)
def _mean_elements(ctx: OpContext) -> list[str]:
    mm = _mean_mask(ctx)
    ifm = _conn(ctx, "IFM")
    if mm is None or ifm is None:
        return []
    s4, m4 = mm
    n = math.prod(d for d, m in zip(s4, m4, strict=False) if m)
    limit = {"INT8": 1 << 24, "UINT8": 1 << 23, "INT16": 1 << 16}.get(_tensor(ctx, ifm).dtype)
    if limit is not None and n > limit:
        return [f"{n} elements are reduced"]
    return []


@register(
    PREDICATES,
    "vela_strided_slice",
    "D010",
    "the slice must represent a volume; strides must be non-negative and only over W or H",
)
def _strided_slice(ctx: OpContext) -> list[str]:
    ifm = _conn(ctx, "IFM")
    params = [_conn(ctx, "Params", i) for i in range(3)]
    s = _shape(ctx, ifm.tensor) if ifm else None
    if not s or any(p is None for p in params):
        return []
    vals = [_values(ctx, p.tensor) for p in params]  # type: ignore[union-attr]
    if any(v is None for v in vals):
        return []
    begin, end, strides = ([int(x) for x in v] for v in vals)  # type: ignore[union-attr]
    o = ctx.op.options
    bm, em = int(o.get("begin_mask", 0)), int(o.get("end_mask", 0))
    ellipsis, shrink = int(o.get("ellipsis_mask", 0)), int(o.get("shrink_axis_mask", 0))
    n = len(s)
    offset, size, stride = [0] * n, list(s), [1] * n
    spec = min(len(begin), len(end), len(strides))
    j = 0
    for i in range(spec):
        if ellipsis & (1 << i):
            j = n - (spec - i - 1)
            continue
        if j >= n:
            break
        is_shrink = bool(shrink & (1 << i))
        if not bm & (1 << i) or is_shrink:
            b = begin[i] + s[j] if begin[i] < 0 else begin[i]
            b = min(max(b, 0), s[j] - 1)
            offset[j] = b
            size[j] = 1 if is_shrink else s[j] - b
        if not em & (1 << i) and not is_shrink:
            e = end[i] + s[j] if end[i] < 0 else end[i]
            e = min(max(e, 1), s[j])
            size[j] = e - offset[j]
        stride[j] = strides[i]
        j += 1
    outer = [stride[k] for k in range(n) if k not in (n - 2, n - 3)]
    if math.prod(outer) != 1:
        return ["a stride over an axis other than H or W is not 1"]
    if any(x < 0 for x in stride):
        return ["a stride is negative"]
    if not any(x > 0 for x in size):
        return [f"the slice shape is {size}"]
    return []


def _lstm_present(ctx: OpContext, kind: str, indices: Iterable[int]) -> list[int]:
    return [i for i in indices if _conn(ctx, kind, i) is not None]


@register(
    PREDICATES, "vela_lstm_no_cifg", "D010", "implicit (CIFG) gate calculation is not supported"
)
def _lstm_no_cifg(ctx: OpContext) -> list[str]:
    missing = sorted(set(range(8)) - set(_lstm_present(ctx, "Weights", range(8))))
    return [f"gate weight {missing[0]} is missing"] if missing else []


@register(PREDICATES, "vela_lstm_no_peephole", "D010", "the peephole variant is not supported")
def _lstm_no_peephole(ctx: OpContext) -> list[str]:
    return ["peephole weights are given"] if _lstm_present(ctx, "Weights", (8, 9, 10)) else []


@register(PREDICATES, "vela_lstm_no_projection", "D010", "projection is not supported")
def _lstm_no_projection(ctx: OpContext) -> list[str]:
    if _lstm_present(ctx, "Weights", (11,)) or _lstm_present(ctx, "Scales", (4,)):
        return ["projection weights or bias are given"]
    return []


@register(PREDICATES, "vela_lstm_no_norm", "D010", "gate normalization is not supported")
def _lstm_no_norm(ctx: OpContext) -> list[str]:
    return (
        ["normalization coefficients are given"]
        if _lstm_present(ctx, "Scales", range(5, 9))
        else []
    )


@register(PREDICATES, "vela_num_splits", "D010", "num_splits must match the number of outputs")
def _num_splits(ctx: OpContext) -> list[str]:
    n = int(ctx.op.options.get("num_splits", 0))
    if n != len(ctx.op.outputs):
        return [f"num_splits is {n} with {len(ctx.op.outputs)} outputs"]
    return []


@register(PREDICATES, "vela_reverse_axes", "D008", "the axis attribute is not supported")
def _reverse_axes(ctx: OpContext) -> list[str]:
    c = _conn(ctx, "Params")
    s = _shape(ctx, c.tensor) if c else None
    if s and _elements(s) > 0:
        return [f"{c.label} names {_elements(s)} axis(es)"]  # type: ignore[union-attr]
    return []


def _is_matmul(ctx: OpContext) -> bool:
    if ctx.op.opcode != "FULLY_CONNECTED":
        return True
    w = _conn(ctx, "Weights")
    return w is not None and not _tensor(ctx, w).is_constant


@register(
    PREDICATES,
    "vela_matmul_reduced_axis",
    "D006",
    "if a MatMul (or FC with run-time weights): the reduced axis must be at most {max}",
    max=(int, True),
)
def _matmul_reduced_axis(ctx: OpContext, max: int) -> list[str]:
    ifm = _conn(ctx, "IFM")
    s = _shape(ctx, ifm.tensor) if ifm else None
    if not _is_matmul(ctx) or not s:
        return []
    k = s[-2] if ctx.op.options.get("adj_x") and len(s) >= 2 else s[-1]
    return [f"the reduced axis has {k} elements"] if k > max else []


@register(
    PREDICATES,
    "vela_matmul_ofm_depth",
    "D006",
    "if a MatMul (or FC with run-time weights): OFM depth must be at most {max}",
    max=(int, True),
)
def _matmul_ofm_depth(ctx: OpContext, max: int) -> list[str]:
    ofm = _conn(ctx, "OFM")
    s = _shape(ctx, ofm.tensor) if ofm else None
    if not _is_matmul(ctx) or not s:
        return []
    return [f"OFM depth is {s[-1]}"] if s[-1] > max else []


@register(
    PREDICATES,
    "vela_matmul_ifm_int8",
    "D003",
    "if a MatMul (or FC with run-time weights): the IFM must be INT8",
)
def _matmul_ifm_int8(ctx: OpContext) -> list[str]:
    ifm = _conn(ctx, "IFM")
    if not _is_matmul(ctx) or ifm is None:
        return []
    t = _tensor(ctx, ifm)
    return [f"{ifm.label} is {t.dtype}"] if t.dtype != "INT8" else []


@register(
    PREDICATES,
    "vela_argmax_depth",
    "D006",
    "IFM depth must be at most {max}",
    max=(int, True),
)
def _argmax_depth(ctx: OpContext, max: int) -> list[str]:
    ifm = _conn(ctx, "IFM")
    s = _shape(ctx, ifm.tensor) if ifm else None
    return [f"IFM depth is {s[-1]}"] if s and s[-1] > max else []


@register(
    PREDICATES, "vela_argmax_axis", "D008", "the operation must be along the depth (last) axis"
)
def _argmax_axis(ctx: OpContext) -> list[str]:
    ifm = _conn(ctx, "IFM")
    s = _shape(ctx, ifm.tensor) if ifm else None
    axes = _axis_values(ctx)
    if not s or not axes:
        return []
    if axes[0] not in (len(s) - 1, -1):
        return [f"axis is {axes[0]} for a rank-{len(s)} IFM"]
    return []


_T_NONE, _T_NWHC, _T_NHCW = 0x76543210, 0x76543120, 0x76543201
_T_NWCH, _T_NCHW, _T_NCWH = 0x76543102, 0x76543021, 0x76543012


def _transpose_type(perm: Sequence[int]) -> int:
    """``TransposeTypeFromShape`` (compiler/shape_util.hpp L38-47)."""
    n = len(perm)
    mask = 0
    for v in perm:
        mask = (mask << 4) | ((n - 1 - v) & 0xF)
    offset = 0x76543210 & ~(0xFFFFFFFF >> (4 * (8 - n))) if n < 8 else 0
    return (mask + offset) & 0xFFFFFFFF


def _perm(ctx: OpContext) -> list[int] | None:
    return _axis_values(ctx)


@register(
    PREDICATES,
    "vela_transpose_32bit",
    "D006",
    "if the IFM is INT32: rank <= 4; NHWC: C <= 2^15; NWHC: H, W <= 2^16, C <= 2^14; "
    "NHCW: N*H, W, C <= 2^16; other permutations are unsupported",
)
def _transpose_32bit(ctx: OpContext) -> list[str]:
    ifm = _conn(ctx, "IFM")
    if ifm is None or _tensor(ctx, ifm).dtype != "INT32":
        return []
    s = _shape(ctx, ifm.tensor)
    perm = _perm(ctx)
    if not s or perm is None or len(perm) > 8:
        return []
    s4 = _pad4(s)
    if len(s4) > 4:
        return [f"the IFM has rank {len(s4)}"]
    t = _transpose_type(perm)
    n, h, w, c = s4
    if t == _T_NONE:
        ok = c <= 1 << 15
    elif t == _T_NWHC:
        ok = n <= 1 and h <= 1 << 16 and w <= 1 << 16 and c <= 1 << 14
    elif t == _T_NHCW:
        ok = n * h <= 1 << 16 and w <= 1 << 16 and c <= 1 << 16
    else:
        return [f"permutation {perm} is unsupported for INT32"]
    return [] if ok else [f"IFM shape {list(s)} is out of range"]


@register(
    PREDICATES,
    "vela_transpose_8_16bit",
    "D006",
    "if the IFM is 8- or 16-bit: NWHC/NHCW/NCWH/NWCH/NCHW on 3D (or leading axes 1) needs "
    "H, W, C <= 2^16; other permutations need the product of any N-2 axes <= 2^16",
)
def _transpose_8_16bit(ctx: OpContext) -> list[str]:
    ifm = _conn(ctx, "IFM")
    if ifm is None or _bits(_tensor(ctx, ifm)) > 16:
        return []
    s = _shape(ctx, ifm.tensor)
    perm = _perm(ctx)
    if not s or perm is None or len(perm) > 8:
        return []
    t = _transpose_type(perm)
    if t == _T_NONE:
        return []
    rank = len(s)
    if (rank <= 3 or math.prod(s[:-3]) == 1) and t in (_T_NWHC, _T_NHCW, _T_NCWH, _T_NWCH, _T_NCHW):
        # ReshapeToHWC (compiler/shape_util.hpp L100-105)
        hwc = _pad4(s)[-3:] if rank <= 3 else [math.prod(s[:-2]), s[-2], s[-1]]
        if any(d > 1 << 16 for d in hwc):
            return [f"IFM shape {list(s)} is out of range"]
        return []
    total = math.prod(s)
    if total > 0:
        for i in range(rank):
            for j in range(i + 1, rank):
                if total // (s[i] * s[j]) > 1 << 16:
                    return [f"IFM shape {list(s)}: a product of N-2 axes exceeds 2^16"]
    return []


@register(
    PREDICATES,
    "vela_resize",
    "D008",
    "unless the IFM is 1x1 or IFM and OFM sizes match: equal W and H scale factors (or the "
    "OFM dimension with a different factor is 1 with factor 1), a power of two 2x/4x/8x "
    "(2x with half_pixel_centers)",
)
def _resize(ctx: OpContext) -> list[str]:
    ifm, ofm = _conn(ctx, "IFM"), _conn(ctx, "OFM")
    si = _shape(ctx, ifm.tensor) if ifm else None
    so = _shape(ctx, ofm.tensor) if ofm else None
    if not si or not so:
        return []
    o = ctx.op.options
    half = bool(o.get("half_pixel_centers")) and ctx.op.opcode == "RESIZE_BILINEAR"
    align = bool(o.get("align_corners"))
    i4, o4 = _pad4(si), _pad4(so)
    ih, iw, oh, ow = i4[-3], i4[-2], o4[-3], o4[-2]
    if ih == 1 and iw == 1:
        return []
    if ih == oh and iw == ow:
        return ["half_pixel_centers with equal sizes"] if half else []
    f32 = np.float32
    if align:
        hs = f32(1) if oh == 1 else f32(oh - 1) / f32(ih - 1)
        ws = f32(1) if ow == 1 else f32(ow - 1) / f32(iw - 1)
    else:
        hs, ws = f32(oh) / f32(ih), f32(ow) / f32(iw)
    if hs != ws:
        if not ((oh == 1 and hs == 1) or (ow == 1 and ws == 1)):
            return [f"H and W scale factors differ ({float(hs):g}, {float(ws):g})"]
        if half:
            return ["H and W scale factors differ with half_pixel_centers"]
    up = float(max(hs, ws))
    limit = 2 if half else 8
    if not (up == int(up) and int(up) > 1 and int(up) & (int(up) - 1) == 0 and up <= limit):
        return [f"scale factor is {up:g}"]
    return []


# -- whole-model refusals: tflite_model_semantics.cpp and BOOL graph I/O ----------------------
@dataclass(frozen=True)
class Refusal:
    constraint: str
    detail: str
    source: str

    def failure(self) -> Failure:
        return Failure(
            "D010",
            f"Vela refuses the whole model (compilation fails): {self.constraint}",
            self.detail,
            self.source,
        )


class _Refused(Exception):
    def __init__(self, constraint: str, detail: str, line: int) -> None:
        super().__init__(constraint)
        self.refusal = Refusal(constraint, detail, f"{_SEMANTICS}:L{line}")


def _file_shape(t: Tensor) -> Shape:
    """``ShapeFromTens`` (L231-246): the file's shape, an empty shape read as [1]."""
    return t.shape if t.shape else (1,)


def _is_dynamic(t: Tensor) -> bool:
    """``IsDynamicShape`` (L258-262) of the signature: a negative axis after the first."""
    sig = t.shape_signature or _file_shape(t)
    rest = sig[1:] if len(sig) > 1 else sig
    return any(d < 0 for d in rest)


def _semantic_ifm(op: Operator, kind: str = "IFM", index: int = 0) -> int | None:
    """``TensorFromUsage`` (L107-141): the input with this usage, None if the op has none."""
    if op.opcode in _VARIADIC:
        pos = index if kind == "IFM" else None
    else:
        lst = _usage_list(op.opcode)
        pos = next((i for i, u in enumerate(lst) if u == (kind, index)), None)
    if pos is None:
        return None
    if pos >= len(op.inputs) or op.inputs[pos] < 0:
        raise _Refused("Index out of bounds", "most likely missing inputs or output", 94)
    return op.inputs[pos]


class _Sem:
    """One op under ``TFLiteModelSemantics::Check`` (L1129-1175)."""

    def __init__(self, model: Model, sg: Subgraph, op: Operator) -> None:
        self.model, self.sg, self.op = model, sg, op

    def t(self, kind: str = "IFM", index: int = 0) -> Tensor | None:
        if kind == "OFM":
            if index >= len(self.op.outputs) or self.op.outputs[index] < 0:
                raise _Refused("Index out of bounds", "most likely missing inputs or output", 94)
            return self.sg.tensors[self.op.outputs[index]]
        i = _semantic_ifm(self.op, kind, index)
        return None if i is None else self.sg.tensors[i]

    def fail(self, constraint: str, extra: str, line: int) -> None:
        ofm = self.op.outputs[0] if self.op.outputs else -1
        name = self.sg.tensors[ofm].name if ofm >= 0 else ""
        raise _Refused(
            constraint,
            f"{self.op.opcode} op {self.op.index} ('{name}') in subgraph {self.sg.index}: {extra}",
            line,
        )

    def data(self, t: Tensor, line: int) -> np.ndarray:
        v = self.model.tensor_data(self.sg.index, t.index)
        if v is None:
            raise _Refused(
                "a parameter the semantic checks read is not constant",
                f"{self.op.opcode} op {self.op.index} in subgraph {self.sg.index}: "
                f"'{t.name}' has no data",
                line,
            )
        return np.asarray(v).reshape(-1)

    # -- the checks ------------------------------------------------------------------------
    def quant_scale_inf(self) -> None:  # L342
        if not self.op.inputs or not self.op.outputs:
            return
        ifm, ofm = self.t("IFM"), self.t("OFM")
        if ifm is None or ofm is None or ifm.quantization is None or ofm.quantization is None:
            return
        if ifm.scale.size and ofm.scale.size:
            with np.errstate(all="ignore"):
                r = np.float32(ifm.scale[0]) / np.float32(ofm.scale[0])
            if not np.isfinite(r):
                self.fail(
                    "Input and Output tensors must have quantization scales that fit within "
                    "float32 precision",
                    f"(IFM Scale / OFM Scale)={float(r)}",
                    342,
                )

    def matching_in_out_types(self) -> None:  # L441
        ifm, ofm = self.t("IFM"), self.t("OFM")
        if ifm is not None and ofm is not None and ifm.dtype != ofm.dtype:
            self.fail(
                "IFM and OFM types must match",
                f"IFM type={ifm.dtype} and OFM type={ofm.dtype}",
                441,
            )

    def conv_groups(self) -> None:  # L369, L392
        ifm, w = self.t("IFM"), self.t("Weights")
        if ifm is None or w is None:
            return
        depth, kic = _file_shape(ifm)[-1], _file_shape(w)[-1]
        if kic <= 0 or depth < 0:
            raise _Refused("Out of bounds", f"filter kernel depth {kic}", 381)
        if depth % kic:
            self.fail(
                "IFM depth must be a whole multiple of the filter kernel depth",
                f"IFM depth = {depth} and filter kernel depth = {kic}",
                369,
            )
        groups, koc = depth // kic, _file_shape(w)[0]
        if groups == 0:
            raise _Refused("Out of bounds", "zero convolution groups", 406)
        if koc % groups:
            self.fail(
                "Number of filter kernels must be equally divisible by the number of "
                "convolution groups",
                f"Conv Groups = {groups}, filter kernels = {koc}",
                392,
            )

    def depthwise(self) -> None:  # L417
        ifm, ofm = self.t("IFM"), self.t("OFM")
        if ifm is None or ofm is None:
            return
        mult = int(self.op.options.get("depth_multiplier", 0))
        if _file_shape(ifm)[-1] * mult != _file_shape(ofm)[-1]:
            self.fail(
                "OFM depth must be a equal to IFM depth times depth multiplier",
                f"OFM depth = {_file_shape(ofm)[-1]}, IFM depth = {_file_shape(ifm)[-1]} and "
                f"depth multiplier = {mult}",
                417,
            )

    def concat(self) -> None:  # L572, L587, L606
        ofm = self.t("OFM")
        assert ofm is not None
        rank = len(ofm.shape)
        axis = int(self.op.options.get("axis", 0))
        if axis < -rank or axis > rank:
            self.fail(
                "Axis must be in the interval [-rank(OFM),rank(OFM))",
                f"OFM rank={rank}, Attribute axis={axis}",
                572,
            )
        for i in self.op.inputs:
            t = self.sg.tensors[i] if i >= 0 else None
            if t is not None and len(t.shape) != rank:
                self.fail(
                    "All Input ranks must match the OFM rank",
                    f"Found rank mismatch: OFM rank={rank}, IFM rank={len(t.shape)}",
                    587,
                )
        oshape = _file_shape(ofm)
        a = axis + len(oshape) if axis < 0 else axis
        acc = 0
        for i in self.op.inputs:
            if i < 0:
                continue
            ishape = _file_shape(self.sg.tensors[i])
            for d, size in enumerate(ishape):
                if d != a:
                    if d < len(oshape) and size != oshape[d]:
                        self.fail(
                            "All Input dimensions must match OFM dimension in all axes except "
                            "the one defined by the axis attribute",
                            f"IFM shape={list(ishape)}, OFM shape={list(oshape)}",
                            606,
                        )
                else:
                    acc += size
        sig = ofm.shape_signature or oshape
        if 0 <= a < len(oshape) and acc != oshape[a] and not (a < len(sig) and sig[a] == -1):
            self.fail(
                "All Input dimensions must match OFM dimension in all axes except the one "
                "defined by the axis attribute",
                f"sum of IFM dim size in concat axis={acc}, OFM concat axis dim size={oshape[a]}",
                642,
            )

    def either_shapes(self) -> None:  # L831
        ifm, ofm = self.t("IFM"), self.t("OFM")
        if ifm is None or ofm is None:
            return
        i4, o4 = _pad4(_file_shape(ifm)), _pad4(_file_shape(ofm))
        valid = i4 == o4
        ifm2 = self.t("IFM", 1) if not valid and self._has_ifm2() else None
        i24: list[int] = []
        if ifm2 is not None and not valid:
            i24 = _pad4(_file_shape(ifm2))
            n = min(len(i4), len(i24))
            ok = all(i4[k] == i24[k] or i4[k] == 1 or i24[k] == 1 for k in range(n))
            valid = i24 == o4 or (ok and list(_broadcast_max(tuple(i4), tuple(i24))) == o4)
        if not valid:
            self.fail(
                "At least one Input's shape must match the OFM's shape, or the union of the "
                "Input shapes must equal the OFM shape if Inputs are broadcast-able",
                f"IFM shape={i4}, IFM2 shape={i24} and OFM shape={o4}",
                831,
            )

    def _has_ifm2(self) -> bool:
        if self.op.opcode in _VARIADIC:
            return True
        return ("IFM", 1) in _usage_list(self.op.opcode)

    def add_mul_sub(self) -> None:  # L715, L728, L741
        ifm, ifm2, ofm = self.t("IFM"), self.t("IFM", 1), self.t("OFM")
        assert ifm is not None and ifm2 is not None and ofm is not None
        if ifm.dtype != ifm2.dtype:
            self.fail(
                "Both Input data types must match",
                f"Op has ifm_dtype={ifm2.dtype} and ifm2_dtype={ifm.dtype}",
                715,
            )
        ints = ("INT4", "INT8", "INT16", "INT32", "INT64")
        uints = ("UINT8", "UINT16", "UINT32", "UINT64")
        if ifm.dtype in ints and ofm.dtype not in ints:
            self.fail(
                "For IFM that are signed, OFM must also be signed",
                f"IFM type={ifm.dtype} and OFM type={ofm.dtype}",
                728,
            )
        if ifm.dtype in uints and not (ifm.dtype == ofm.dtype or ofm.dtype == "INT32"):
            self.fail(
                "For IFM that are unsigned, OFM must either be the same type or int32",
                f"IFM type={ifm.dtype} and OFM type={ofm.dtype}",
                741,
            )

    def reshape(self) -> None:  # L922, L956
        ifm, ofm = self.t("IFM"), self.t("OFM")
        assert ifm is not None and ofm is not None
        if ifm.quantization and ofm.quantization and ifm.scale.size and ofm.scale.size:
            if np.float32(ifm.scale[0]) != np.float32(ofm.scale[0]):
                self.fail(
                    "Input and output quantisation must match",
                    f"IFM scale={ifm.scale[0]}, OFM scale={ofm.scale[0]}",
                    922,
                )
        static = not _is_dynamic(ifm) and not _is_dynamic(ofm)
        if static and math.prod(_file_shape(ifm)) != math.prod(_file_shape(ofm)):
            self.fail(
                "Input and output number of elements must match",
                f"IFM shape={list(ifm.shape)}, OFM shape={list(ofm.shape)}",
                956,
            )

    def softmax(self) -> None:  # L478, L454, L467
        ifm, ofm = self.t("IFM"), self.t("OFM")
        assert ifm is not None and ofm is not None
        if _file_shape(ifm) != _file_shape(ofm):
            self.fail(
                "IFM and OFM shapes must match",
                f"IFM shape={list(ifm.shape)} and OFM shape={list(ofm.shape)}",
                478,
            )
        if ifm.dtype != ofm.dtype and not (ifm.dtype == "INT8" and ofm.dtype == "INT16"):
            self.fail(
                "IFM and OFM types must match or upcast",
                f"IFM type={ifm.dtype} and OFM type={ofm.dtype}",
                454,
            )
        beta = float(self.op.options.get("beta", 0.0))
        if beta < 0:
            self.fail("Beta attr must to be positive", f"Attribute beta={beta}", 467)

    def split(self) -> None:  # L493, L509
        ifm, dim_t = self.t("IFM"), self.t("Params")
        assert ifm is not None and dim_t is not None
        dim = int(self.data(dim_t, 498)[0])
        rank = len(ifm.shape)
        if dim <= -rank or dim > rank:
            self.fail(
                "Split dim size must be in the interval [-rank(IFM),rank(IFM))",
                f"IFM rank={rank}, and Input split_dim={dim}",
                493,
            )
        d = dim + len(_file_shape(ifm)) if dim < 0 else dim
        if not 0 <= d < len(ifm.shape):
            raise _Refused("Out of bounds", f"split_dim {dim}", 520)
        size = ifm.shape[d]
        n = int(self.op.options.get("num_splits", 0))
        if size == 0 or n < 0 or size < 0:
            raise _Refused("Out of bounds", f"split size {size}, num_splits {n}", 527)
        if n != 0 and size % n:
            self.fail(
                "Size of dim to split must be divisible by the number of splits",
                f"split_dim size={size}, Attribute num_splits={n}",
                509,
            )

    def split_v(self) -> None:  # L537
        sizes_t = self.t("Params")
        assert sizes_t is not None
        n = _file_shape(sizes_t)[0]
        if n <= 0:
            raise _Refused("Out of Bounds", "empty size_splits", 548)
        values = self.data(sizes_t, 554)[:n]
        if int((values == -1).sum()) > 1:
            self.fail(
                "Only one size is allowed to be inferred",
                f"Input size_splits={values.tolist()}",
                537,
            )

    def input_count(self, n: int, line: int) -> None:  # L652, L664
        if len(self.op.inputs) != n:
            self.fail(
                f"Must have {n} input tensors", f"Number of inputs={len(self.op.inputs)}", line
            )

    def fully_connected(self) -> None:  # L939
        if self.op.options.get("keep_num_dims"):
            ifm, ofm = self.t("IFM"), self.t("OFM")
            assert ifm is not None and ofm is not None
            if len(_file_shape(ifm)) != len(_file_shape(ofm)):
                self.fail(
                    "IFM and OFM ranks must match",
                    f"IFM rank={len(_file_shape(ifm))}, OFM rank={len(_file_shape(ofm))}",
                    939,
                )

    def pad(self) -> None:  # L664, L676
        self.input_count(2, 664)
        ifm, ofm, pad = self.t("IFM"), self.t("OFM"), self.t("Params")
        assert ifm is not None and ofm is not None and pad is not None
        if _is_dynamic(ofm):
            return
        ishape, oshape = _file_shape(ifm), _file_shape(ofm)
        values = self.data(pad, 696)
        for d, size in enumerate(ishape):
            if 2 * d + 1 >= values.size:
                raise _Refused("Out of bounds", "padding tensor too small", 214)
            padded = size + int(values[2 * d]) + int(values[2 * d + 1])
            if d >= len(oshape) or padded != oshape[d]:
                self.fail(
                    "Shape of OFM must equal the IFM shape plus padding",
                    f"Found mismatch for dim={d}, padded output size in dim={padded}",
                    676,
                )

    def input_8bit(self) -> None:  # L767
        ifm = self.t("IFM")
        if ifm is not None and ifm.dtype not in ("INT8", "UINT8"):
            self.fail("IFM has to be 8bit", f"IFM type={ifm.dtype}", 767)

    def argmax_output(self) -> None:  # L791
        ofm = self.t("OFM")
        if ofm is not None and ofm.dtype not in ("INT32", "INT64"):
            self.fail(
                "For IFM that are signed, OFM must also be signed", f"OFM type={ofm.dtype}", 791
            )

    def lstm(self) -> None:  # L755, L441, L973, L987, L998
        ifm, ofm = self.t("IFM"), self.t("OFM")
        assert ifm is not None and ofm is not None
        if ifm.dtype not in ("INT8", "INT16"):
            self.fail("IFM must be INT8 or INT16", f"IFM type={ifm.dtype}", 755)
        self.matching_in_out_types()
        if len(_file_shape(ifm)) != 3 or len(_file_shape(ofm)) != 3:
            self.fail(
                "IFM and OFM must have 3D shape",
                f"IFM rank={len(_file_shape(ifm))}, OFM rank={len(_file_shape(ofm))}",
                973,
            )
        if len(self.op.inputs) != 24:
            self.fail(
                "Must have 24 input const tensors", f"Number of inputs={len(self.op.inputs)}", 987
            )
        if len(self.op.intermediates) != 5:
            self.fail(
                "Must have 5 intermediate tensors",
                f"Number of intermediates={len(self.op.intermediates)}",
                998,
            )

    def gather(self) -> None:  # L803
        idx = self.t("IFM", 1)
        if idx is not None and idx.dtype not in ("INT16", "INT32", "INT64"):
            self.fail("IFM2 must be INT16, INT32 or INT64", f"IFM2 type={idx.dtype}", 803)
        self.matching_in_out_types()

    def transpose(self) -> None:  # L779, L815
        params, ifm = self.t("Params"), self.t("IFM")
        assert params is not None and ifm is not None
        if params.dtype not in ("INT32", "UINT32"):
            self.fail("Params must be INT32 or UINT32", f"Params type={params.dtype}", 779)
        if len(_file_shape(ifm)) != _file_shape(params)[-1]:
            self.fail(
                "Permutation vector size must match IFM rank",
                f"Params shape={list(params.shape)}, IFM shape={list(ifm.shape)}",
                815,
            )

    def batch_matmul(self) -> None:  # L860, L885
        a, b, ofm = self.t("IFM"), self.t("IFM", 1), self.t("OFM")
        assert a is not None and b is not None and ofm is not None
        sa, sb, so = _file_shape(a), _file_shape(b), _file_shape(ofm)
        if len(sa) < 2 or len(sb) < 2 or len(so) < 2:
            self.fail(
                "BatchMatMul inputs and output must have rank at least 2",
                f"IFM shape={list(sa)}, IFM2 shape={list(sb)} and OFM shape={list(so)}",
                860,
            )
        rank = max(len(sa), len(sb))
        if len(so) != rank:
            self.fail(
                "BatchMatMul output rank must match the broadcasted input rank",
                f"IFM rank={len(sa)}, IFM2 rank={len(sb)} and OFM rank={len(so)}",
                860,
            )
        pa, pb = (1,) * (rank - len(sa)) + sa, (1,) * (rank - len(sb)) + sb
        for k in range(rank - 2):
            if pa[k] != pb[k] and pa[k] != 1 and pb[k] != 1:
                self.fail(
                    "BatchMatMul input leading dimensions must be equal or 1",
                    f"IFM shape={list(sa)}, IFM2 shape={list(sb)} and OFM shape={list(so)}",
                    885,
                )
        want = [max(x, y) for x, y in zip(pa, pb, strict=True)]
        want[-2:] = so[-2:]
        if tuple(want) != so:
            self.fail(
                "BatchMatMul output leading dimensions must match the broadcasted input shape",
                f"IFM shape={list(sa)}, IFM2 shape={list(sb)} and OFM shape={list(so)}",
                885,
            )

    def run(self) -> None:
        name = self.op.opcode
        self.quant_scale_inf()
        if name == "CONV_2D":
            self.conv_groups()
        elif name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            self.matching_in_out_types()
        elif name == "CONCATENATION":
            self.concat()
        if name in (
            "MINIMUM",
            "MAXIMUM",
            "ADD",
            "MUL",
            "SUB",
            "ABS",
            "EXP",
            "GELU",
            "ELU",
            "LEAKY_RELU",
            "RSQRT",
            "SQUARED_DIFFERENCE",
        ):
            self.either_shapes()
        if name in ("ABS", "EXP", "GELU", "ELU", "LEAKY_RELU", "RSQRT", "MINIMUM", "MAXIMUM"):
            self.matching_in_out_types()
        if name in ("ADD", "MUL", "SUB"):
            self.add_mul_sub()
        if name in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
            self.reshape()
        if name == "DEPTHWISE_CONV_2D":
            self.depthwise()
        elif name == "SOFTMAX":
            self.softmax()
        elif name == "SPLIT":
            self.split()
        elif name == "SPLIT_V":
            self.split_v()
        elif name == "STRIDED_SLICE":
            self.input_count(4, 652)
        elif name == "FULLY_CONNECTED":
            self.fully_connected()
        elif name == "PAD":
            self.pad()
        elif name == "HARD_SWISH":
            self.input_8bit()
            self.matching_in_out_types()
        elif name == "ARG_MAX":
            self.input_8bit()
            self.argmax_output()
        elif name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            self.lstm()
        elif name == "GATHER":
            self.gather()
        elif name == "TRANSPOSE":
            self.transpose()
        elif name == "BATCH_MATMUL":
            self.batch_matmul()


def _model_checks(model: Model) -> None:
    # ConstraintEmptyConstTensors (L264): the set of written tensor indices is shared by all
    # subgraphs, as in Vela.
    written: set[int] = set()
    for sg in model.subgraphs:
        written.update(sg.inputs)
        for op in sg.operators:
            written.update(op.outputs)
        for op in sg.operators:
            for i in op.inputs:
                if i < 0 or i in written:
                    continue
                t = sg.tensors[i]
                if t.buffer == 0 or t.is_variable:
                    continue
                if 0 <= t.buffer < len(model.buffers) and model.buffers[t.buffer].size == 0:
                    raise _Refused(
                        "Constant tensors must not have empty buffers",
                        f"tensor '{t.name}' in subgraph {sg.index} has an empty buffer",
                        264,
                    )
    # ConstraintTensQuantScale (L320)
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.quantization is not None and not np.all(np.isfinite(t.scale)):
                raise _Refused(
                    "Tensor Quantization scales must be finite",
                    f"tensor '{t.name}' in subgraph {sg.index}",
                    320,
                )


def _bool_io(model: Model) -> Refusal | None:
    for sg in model.subgraphs:
        for kind, op_type, tensors in (
            ("input", "NotEqual", sg.inputs),
            ("output", "And", sg.outputs),
        ):
            for i in tensors:
                t = sg.tensors[i] if 0 <= i < len(sg.tensors) else None
                if t is not None and t.dtype == "BOOL" and t.shape:
                    return Refusal(
                        f"Non-passthrough operation ({op_type}) could not run on NPU",
                        f"subgraph {sg.index} has the BOOL graph {kind} '{t.name}'; Vela "
                        f"converts it with a {op_type} op the NPU cannot run",
                        "scheduler_packing.cpp:L386",
                    )
    return None


# Memo of model_refusal per parsed model (the selector asks once per subgraph, the engine
# once more); weak, so a model's entry goes with the model.
_REFUSALS: weakref.WeakKeyDictionary[Model, Refusal | None] = weakref.WeakKeyDictionary()


def model_refusal(model: Model) -> Refusal | None:
    """Why Vela 5.2.0 refuses to compile this model at all, or None."""
    if model in _REFUSALS:
        return _REFUSALS[model]
    result: Refusal | None = None
    try:
        _model_checks(model)
        for sg in model.subgraphs:
            for op in sg.operators:
                _Sem(model, sg, op).run()
    except _Refused as exc:
        result = exc.refusal
    except (IndexError, ValueError, KeyError) as exc:  # malformed ops: Vela throws too
        result = Refusal("the model cannot be parsed", repr(exc), f"{_SEMANTICS}:L1129")
    if result is None:
        result = _bool_io(model)
    _REFUSALS[model] = result
    return result


# -- the selector ------------------------------------------------------------------------------
# Options tables whose fused activation the reader splits into an op (tflite_reader.cpp L556-882)
_UNFUSED = frozenset(
    {
        "Conv2DOptions",
        "DepthwiseConv2DOptions",
        "TransposeConvOptions",
        "Pool2DOptions",
        "FullyConnectedOptions",
        "ConcatenationOptions",
        "AddOptions",
        "SubOptions",
        "DivOptions",
        "MulOptions",
        "L2NormOptions",
        "SVDFOptions",
    }
)
_ACTIVATIONS = {
    "RELU": "RELU",
    "RELU_N1_TO_1": "RELU_N1_TO_1",
    "RELU6": "RELU6",
    "TANH": "TANH",
    "SIGN_BIT": None,  # OpType::SignBit: no TFLite builtin, never supported
}


def fused_activation(op: Operator) -> str | None:
    """The activation Regor splits off this op ('RELU', ..., 'SIGN_BIT'), or None."""
    if op.options_type not in _UNFUSED or len(op.outputs) != 1:
        return None
    act = op.options.get("fused_activation_function", "NONE")
    return None if act in (None, "NONE") else str(act)


def _activation_failures(
    model: Model, sg: Subgraph, op: Operator, profile: Profile, state: dict[str, Any]
) -> list[Failure]:
    act = fused_activation(op)
    if act is None:
        return []
    if _ACTIVATIONS.get(act) is None:
        return [
            Failure(
                "D008",
                f"the fused activation {act} becomes an op Vela does not support",
                "",
                f"{_READER}:L924",
            )
        ]
    out = op.outputs[0]
    synth = replace(op, opcode=act, inputs=(out,), outputs=(out,), options={}, intermediates=())
    return [
        Failure(f.code, f"fused {act}: {f.requirement}", f.detail, f.source)
        for f in check_op(OpContext(model, sg, synth, state=state), profile)
    ]


def _readers(sg: Subgraph) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for op in sg.operators:
        for t in op.inputs:
            if t >= 0:
                out.setdefault(t, []).append(op.index)
    return out


def _writers(sg: Subgraph) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for op in sg.operators:
        for t in op.outputs:
            if t >= 0:
                out.setdefault(t, []).append(op.index)
    return out


def _squeezed(s: Sequence[int] | None) -> tuple[int, ...]:
    return tuple(d for d in (s or ()) if d != 1)


def _space_to_batch_folds(
    model: Model, sg: Subgraph, profile: Profile, state: dict[str, Any]
) -> dict[int, list[int]]:
    """``RewriteSpaceToBatchConvBatchToSpace``: conv op -> the ops folded into it, for each
    SPACE_TO_BATCH_ND -> [reshape] -> CONV_2D/DEPTHWISE_CONV_2D -> [reshape] -> BATCH_TO_SPACE_ND
    chain whose folded convolution passes every check."""
    readers, writers = _readers(sg), _writers(sg)
    ops = sg.operators
    shapes = state["vela_shapes"]
    out: dict[int, list[int]] = {}

    def single_path(t: int) -> bool:
        return len(readers.get(t, [])) == 1 and len(writers.get(t, [])) == 1

    for op in ops:
        if op.opcode not in ("CONV_2D", "DEPTHWISE_CONV_2D") or not op.inputs or not op.outputs:
            continue
        ifm, ofm = op.inputs[0], op.outputs[0]
        if ifm < 0 or ofm < 0 or fused_activation(op) is not None:
            continue
        prev = writers.get(ifm, [None])[0]
        nxt = readers.get(ofm, [None])[0]
        folded: list[int] = []
        if prev is not None and ops[prev].opcode in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
            p = ops[prev]
            pin, pout = p.inputs[0], p.outputs[0]
            if _squeezed(shapes[pin]) == _squeezed(shapes[pout]) and single_path(pin):
                if single_path(pout):
                    folded.append(prev)
                    prev = writers.get(pin, [None])[0]
        if nxt is not None and ops[nxt].opcode in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
            n = ops[nxt]
            nin, nout = n.inputs[0], n.outputs[0]
            if _squeezed(shapes[nin]) == _squeezed(shapes[nout]) and single_path(nin):
                if single_path(nout):
                    folded.append(nxt)
                    nxt = readers.get(nout, [None])[0]
        if prev is None or nxt is None:
            continue
        if ops[prev].opcode != "SPACE_TO_BATCH_ND" or ops[nxt].opcode != "BATCH_TO_SPACE_ND":
            continue
        if len(readers.get(ifm, [])) != 1 or len(readers.get(ofm, [])) != 1:
            continue
        block = _values_of(model, sg, ops[prev].inputs[1]) if len(ops[prev].inputs) > 1 else None
        dil_h = int(block[0]) if block is not None and block.size else 1
        dil_w = int(block[1]) if block is not None and block.size > 1 else dil_h
        options = dict(op.options, dilation_h_factor=dil_h, dilation_w_factor=dil_w)
        synth = replace(
            op,
            inputs=(ops[prev].inputs[0], *op.inputs[1:]),
            outputs=(ops[nxt].outputs[0],),
            options=options,
        )
        if not check_op(OpContext(model, sg, synth, state=state), profile):
            out[op.index] = [prev, nxt, *folded]
    return out


def _values_of(model: Model, sg: Subgraph, t: int) -> np.ndarray | None:
    if t < 0:
        return None
    v = model.tensor_data(sg.index, t)
    return None if v is None else np.asarray(v).reshape(-1)


def _live_ops(sg: Subgraph) -> set[int]:
    """Ops that precede a graph output; the reader drops the others (tflite_reader.cpp
    L421-435). An op without outputs gets a placeholder graph output, so it stays."""
    writers = _writers(sg)
    stack = [w for t in sg.outputs for w in writers.get(t, [])]
    stack += [op.index for op in sg.operators if not op.outputs]
    live: set[int] = set()
    while stack:
        i = stack.pop()
        if i in live:
            continue
        live.add(i)
        op = sg.operators[i]
        for t in (*op.inputs, *op.intermediates):
            if t >= 0:
                stack.extend(w for w in writers.get(t, []) if w not in live)
    return live


def select(model: Model, sg: Subgraph, profile: Profile) -> dict[int, list[Failure]]:
    """Vela's placement: whole-model refusal, else each op's constraints, plus the activation
    split off it and the SPACE_TO_BATCH_ND folding. Ops whose result reaches no graph output
    are dropped by Vela: they are reported as taken (nothing of them runs on the CPU)."""
    refusal = model_refusal(model)
    if refusal is not None:
        return {op.index: [refusal.failure()] for op in sg.operators}
    state: dict[str, Any] = {"vela_shapes": regor_shapes(sg), "vela_shapes_sg": sg}
    live = _live_ops(sg)
    failures = {
        op.index: check_op(OpContext(model, sg, op, state=state), profile)
        if op.index in live
        else []
        for op in sg.operators
    }
    for op in sg.operators:
        if op.index in live and not failures[op.index]:
            failures[op.index] = _activation_failures(model, sg, op, profile, state)
    for conv, folded in _space_to_batch_folds(model, sg, profile, state).items():
        for i in (conv, *folded):
            failures[i] = []
    return failures


SELECTORS = {"ethos-u": select}


# -- Vela's "Neural network macs" -------------------------------------------------------------
# Why an ethos-u MAC total differs from the sum of inspector/analyses/macs.py over the NPU ops:
# Regor lowers some ops into others (ethos_u55_performance.cpp L51-104 then counts the lowered
# ops). The effects below are modelled from Regor's rewrites and checked against Vela on the
# corpus (tests/test_target_ethos_u.py):
#
# - memory-only ops (RESHAPE, CONCATENATION, PACK, UNPACK, SPLIT, SLICE, STRIDED_SLICE, PAD, ...)
#   cost nothing when Regor can fold them into a neighbour's addressing, else one MemoryCopy of
#   the moved elements (graphir_optimiser.cpp RemoveReshape L1834, MoveSplitSliceToConsumer
#   L3478, MoveConcatSliceToProducer L3580, RewritePad L1122, ReplacePadByExplicitPadding L1036;
#   tflite_graph_optimiser.cpp RewritePack L651, ConvertMirrorPad L2611);
# - a standalone activation right after the op producing its input is chained into that op
#   and costs 0 (scheduler_packing.cpp CanPack L719), unless a shallow activation was reshaped
#   after a shape-dependent producer;
# - RESIZE_*, TILE, ARG_MAX, 16-bit LEAKY_RELU and UNIDIRECTIONAL_SEQUENCE_LSTM are decomposed
#   (scheduler_decompose.cpp LegaliseResize L1919, ConvertResizeBilinearHPCToDepthwise L1805;
#   graphir_optimiser.cpp RewriteTile L2509, RewriteArgmax L3043; tflite_graph_optimiser.cpp
#   ConvertLeakyRelu16bit L114; compiler/lstm.cpp).
_RESHAPES = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS"})
_SLICES = frozenset({"SPLIT", "SPLIT_V", "SLICE", "STRIDED_SLICE"})
# IsDataLayout/IsReshape producers cannot write into a concatenation (graphir L3627-3632).
_LAYOUT = frozenset(
    {
        *_RESHAPES,
        *_SLICES,
        "CONCATENATION",
        "PACK",
        "UNPACK",
        "PAD",
        "PADV2",
        "MIRROR_PAD",
        "REVERSE_V2",
        "TILE",
        "TRANSPOSE",
        "GATHER",
        "SCATTER_ND",
    }
)
_ELEMENTWISE = frozenset(
    {"ADD", "SUB", "MUL", "MINIMUM", "MAXIMUM", "ABS", "NEG", "SQUARED_DIFFERENCE"}
)
_CHAINABLE = frozenset(
    {
        "LOGISTIC",
        "TANH",
        "RELU",
        "RELU6",
        "RELU_N1_TO_1",
        "RELU_0_TO_1",
        "HARD_SWISH",
        "GELU",
        "ELU",
        "EXP",
        "LOG",
        "RSQRT",
        "LEAKY_RELU",
    }
)
_PRODUCERS = frozenset(
    {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "TRANSPOSE_CONV",
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
        *_ELEMENTWISE,
    }
)


class _MacGraph:
    def __init__(self, model: Model, sg: Subgraph, accepted: set[int]) -> None:
        self.model, self.sg, self.accepted = model, sg, accepted
        self.readers, self.writers = _readers(sg), _writers(sg)
        self.shapes = regor_shapes(sg)
        self.outputs = set(sg.outputs)
        self.inputs = set(sg.inputs)

    def elements(self, t: int) -> int:
        s = self.shapes[t] if t >= 0 else None
        return _elements(s) if s else (1 if t >= 0 else 0)

    def writer(self, t: int) -> Operator | None:
        w = self.writers.get(t, [])
        return self.sg.operators[w[0]] if len(w) == 1 else None

    def on_cpu(self, i: int) -> bool:
        return i not in self.accepted

    def source(self, t: int) -> int:
        """Look through reshapes Regor removes without a copy."""
        seen = 0
        while seen < 64:
            w = self.writer(t)
            if w is None or w.opcode not in _RESHAPES or w.index not in self.accepted:
                return t
            if self.reshape_copies(w):
                return t
            t = w.inputs[0]
            seen += 1
        return t

    def fixed(self, t: int) -> bool:
        """A graph input/output, constant, variable or CPU-written tensor."""
        tensor = self.sg.tensors[t]
        if t in self.inputs or t in self.outputs or tensor.is_constant or tensor.is_variable:
            return True
        return any(self.on_cpu(w) for w in self.writers.get(t, []))

    def reshape_copies(self, op: Operator) -> bool:
        """RemoveReshape (graphir_optimiser.cpp L1834-1867) inserts a copy."""
        ifm, ofm = op.inputs[0], op.outputs[0]
        src = self.source(ifm)
        ifm_fixed = self.fixed(src)
        ofm_fixed = (
            ofm in self.outputs
            or self.sg.tensors[ofm].is_variable
            or any(self.on_cpu(r) for r in self.readers.get(ofm, []))
        )
        many = len(self.readers.get(src, [])) > 1 and self.shapes[src] != self.shapes[ofm]
        return (ifm_fixed and ofm_fixed) or many

    def written_in_place(self, t: int, batch_ok: bool = True) -> bool:
        """MoveConcatSliceToProducer: the producer writes straight into the concatenation."""
        if t < 0 or self.fixed(t) or len(self.readers.get(t, [])) != 1:
            return False
        w = self.writer(t)
        if w is None or w.index not in self.accepted or w.opcode in _LAYOUT:
            return False
        s = self.shapes[t] or ()
        if w.opcode not in _ELEMENTWISE and len(s) > 3 and math.prod(s[:-3]) > 1:
            return False
        return batch_ok

    def slice_folds(self, t: int) -> bool:
        """MoveSplitSliceToConsumer: every consumer reads the slice itself."""
        if t in self.outputs or self.sg.tensors[t].is_variable:
            return False
        readers = self.readers.get(t, [])
        for r in readers:
            op = self.sg.operators[r]
            if self.on_cpu(r) or op.opcode in _RESHAPES or op.opcode in ("TILE", "GATHER"):
                return False
            if op.opcode in ("PACK", "UNPACK") or op.opcode in _SLICES:
                return False  # the consumer already reads a slice (or reshapes)
        return bool(readers)

    def chained(self, op: Operator) -> bool:
        """A standalone activation chained into the op that produces its input."""
        if not op.inputs or op.inputs[0] < 0:
            return False
        t = op.inputs[0]
        w = self.writer(t)
        if w is None or w.index not in self.accepted or w.opcode not in _PRODUCERS:
            return False
        if fused_activation(w) is not None or t in self.outputs:
            return False
        so = self.shapes[op.outputs[0]]
        if len(self.readers.get(t, [])) != 1 or self.shapes[t] != so:
            return False
        return not _reshaped_apart(w, so)

    def pad_folds(self, op: Operator) -> bool:
        """ReplacePadByExplicitPadding (graphir_optimiser.cpp L1036-1119) for every reader."""
        if op.opcode != "PAD" or len(op.inputs) < 2:
            return False
        ifm, ofm = op.inputs[0], op.outputs[0]
        pads = _values_of(self.model, self.sg, op.inputs[1])
        s = self.shapes[ifm]
        readers = self.readers.get(ofm, [])
        if pads is None or not s or not readers or ofm in self.outputs:
            return False
        ti, to = self.sg.tensors[ifm], self.sg.tensors[ofm]
        if ti.dtype != to.dtype or _quant(ti)[:2] != _quant(to)[:2]:
            return False
        pads = pads.reshape(-1, 2)
        if len(pads) != len(s):
            return False
        s4 = _pad4(s)
        p4 = [[0, 0]] * (4 - len(pads)) + pads.tolist()
        if any(p4[a] != [0, 0] for a in (0, 3)):
            return False
        for r in readers:
            conv = self.sg.operators[r]
            if r not in self.accepted or conv.opcode not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                return False
            if conv.inputs[0] != ofm:
                return False
            ctx = OpContext(self.model, self.sg, conv, state={"vela_shapes": self.shapes})
            ctx.state["vela_shapes_sg"] = self.sg
            k = _kernel(ctx)
            if k is None or not _padding_is_zero(ctx, k):
                return False
            kw, kh, sw, sh, dw, dh = k
            fw, fh = dw * (kw - 1) + 1, dh * (kh - 1) + 1
            top, bottom = p4[1]
            left, right = p4[2]
            bottom = _pad_after(s4[1], sh, fh, top, bottom)
            right = _pad_after(s4[2], sw, fw, left, right)
            if left >= fw or right >= fw or top >= fh or bottom >= fh:
                return False
        return True


def _reshaped_apart(producer: Operator, act_shape: Shape | None) -> bool:
    """SchedulerPacking reshapes a shallow element-wise-like op (activation included) of over
    16 elements and depth < 8 to raise its depth (scheduler_packing.cpp L203-229); CanPack then
    refuses to chain it to a shape-dependent producer: a convolution, or a kernel other than
    1x1 with stride 1 (L763-768)."""
    if not act_shape or _elements(act_shape) <= 16 or act_shape[-1] >= 8:
        return False
    if producer.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV"):
        return True
    o = producer.options
    kernel = (int(o.get("filter_width", 1)), int(o.get("filter_height", 1)))
    stride = (int(o.get("stride_w", 1)), int(o.get("stride_h", 1)))
    return kernel != (1, 1) or stride != (1, 1)


def _cmod(a: int, b: int) -> int:
    return int(math.fmod(a, b))


def _pad_after(size: int, stride: int, filt: int, before: int, after: int) -> int:
    total = _needed_padding(size, stride, filt)
    diff = _cmod(after, stride) - _cmod(total - before, stride)
    return max(0, after - diff - (0 if diff >= 0 else stride))


def _resize_macs(g: _MacGraph, op: Operator) -> int:
    si, so = g.shapes[op.inputs[0]], g.shapes[op.outputs[0]]
    if not si or not so:
        return 0
    i4, o4 = _pad4(si), _pad4(so)
    n, ih, iw, c = i4
    oh, ow = o4[1], o4[2]
    out = _elements(so)
    if (ih, iw) == (oh, ow):
        return out  # RewriteIdentityResize: a copy
    o = op.options
    scale = max(oh // max(ih, 1), ow // max(iw, 1))
    if ih == 1 and iw == 1 and scale not in (2, 4, 8):
        return 0  # RewriteResize (graphir_optimiser.cpp L3168): a broadcast ADD of zeros
    if op.opcode == "RESIZE_BILINEAR" and o.get("half_pixel_centers") and scale == 2:
        # reflect-pad copies, then four interleaved 2x2 depthwise convolutions
        copies = n * c * (ih * iw + 2 * iw + 2 * (ih + 2))
        return copies + 4 * 4 * n * (oh - 1) * (ow - 1) * c
    macs, h, w = 0, ih, iw
    while scale > 2:  # 2x nearest-neighbour steps into intermediates
        h, w, scale = h * 2, w * 2, scale // 2
        macs += n * h * w * c
    kernel = scale * scale if op.opcode == "RESIZE_BILINEAR" else 1
    return macs + kernel * out


def _tile_macs(g: _MacGraph, op: Operator) -> int:
    s = g.shapes[op.inputs[0]]
    mult = _values_of(g.model, g.sg, op.inputs[1]) if len(op.inputs) > 1 else None
    if not s or mult is None or len(mult) != len(s):
        return g.elements(op.outputs[0])
    cur, macs = list(s), 0
    for axis in reversed(range(len(s))):
        if int(mult[axis]) > 1:
            cur[axis] *= int(mult[axis])
            macs += math.prod(cur)
    return macs


def _pad_fill(g: _MacGraph, op: Operator) -> int:
    so = g.shapes[op.outputs[0]]
    pads = _values_of(g.model, g.sg, op.inputs[1]) if len(op.inputs) > 1 else None
    if not so or pads is None:
        return 0
    total = _elements(so)
    pads = pads.reshape(-1, 2)
    return sum(
        (int(b) + int(a)) * (total // so[ax]) for ax, (b, a) in enumerate(pads[: len(so)]) if so[ax]
    )


def _mirror_pad_macs(g: _MacGraph, op: Operator) -> int:
    si, so = g.shapes[op.inputs[0]], g.shapes[op.outputs[0]]
    pads = _values_of(g.model, g.sg, op.inputs[1]) if len(op.inputs) > 1 else None
    if not si or not so or pads is None:
        return g.elements(op.outputs[0])
    i4, o4 = _pad4(si), _pad4(so)
    p = [[0, 0]] * (4 - len(si)) + pads.reshape(-1, 2).tolist()
    rows = (p[1][0] + p[1][1]) * i4[0] * i4[2] * i4[3]
    cols = (p[2][0] + p[2][1]) * o4[0] * o4[1] * o4[3]
    main = 0 if g.written_in_place(op.inputs[0]) else _elements(si)
    return main + rows + cols


def _lstm_extra(g: _MacGraph, op: Operator) -> int:
    """Beyond the gate MACs of macs.py: Regor's decomposition adds, per time step, five LUT
    activations and one copy of the hidden state, plus two copies (compiler/lstm.cpp)."""
    si, so = g.shapes[op.inputs[0]], g.shapes[op.outputs[0]]
    if not si or not so or len(so) != 3:
        return 0
    time_major = bool(op.options.get("time_major"))
    steps, batch = (so[0], so[1]) if time_major else (so[1], so[0])
    units = so[-1]
    return (6 * steps + 2) * units * batch


def _vela_op_macs(g: _MacGraph, op: Operator, base: int) -> int:
    name = op.opcode
    ins = [t for t in op.inputs if t >= 0]
    if name == "CONCATENATION":
        return sum(g.elements(t) for t in ins if not g.written_in_place(t))
    if name == "PACK":
        return sum(g.elements(t) for t in ins)
    if name == "UNPACK":
        return sum(g.elements(t) for t in op.outputs)
    if name in _SLICES:
        return sum(g.elements(t) for t in op.outputs if t >= 0 and not g.slice_folds(t))
    if name in _RESHAPES:
        return g.elements(op.inputs[0]) if g.reshape_copies(op) else 0
    if name in ("PAD", "PADV2"):
        if g.pad_folds(op):
            return 0
        copy = 0 if g.written_in_place(op.inputs[0]) else g.elements(op.inputs[0])
        return _pad_fill(g, op) + copy
    if name == "MIRROR_PAD":
        return _mirror_pad_macs(g, op)
    if name == "TILE":
        return _tile_macs(g, op)
    if name in ("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"):
        return _resize_macs(g, op)
    if name == "ARG_MAX":
        s = g.shapes[op.inputs[0]]
        return g.elements(op.outputs[0]) * (2 * s[-1] + 1) if s else 0
    if name == "LEAKY_RELU" and g.sg.tensors[op.inputs[0]].dtype == "INT16":
        return 0  # ConvertLeakyRelu16bit: element-wise MUL and MAXIMUM
    if name in _CHAINABLE and g.chained(op):
        return 0
    if name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        return base + _lstm_extra(g, op)
    act = fused_activation(op)
    if act is not None and op.outputs and _reshaped_apart(op, g.shapes[op.outputs[0]]):
        return base + g.elements(op.outputs[0])  # the split-off activation runs on its own
    return base


def vela_nn_macs(model: Model, result: Any) -> int:
    """Predict Vela's "Neural network macs" from an ``ethos-u`` result: the MACs of the ops it
    places on the NPU, as Regor counts them after lowering (see the notes above)."""
    if model_refusal(model) is not None:
        return 0
    total = 0
    by_sg: dict[int, dict[int, Any]] = {}
    for (s, i), v in result.verdicts.items():
        by_sg.setdefault(s, {})[i] = v
    for s, verdicts in by_sg.items():
        sg = model.subgraphs[s]
        live = _live_ops(sg)
        accepted = {i for i, v in verdicts.items() if v.accepted and i in live}
        if not accepted:
            continue
        g = _MacGraph(model, sg, accepted)
        for i in sorted(accepted):
            total += _vela_op_macs(g, sg.operators[i], verdicts[i].macs)
    return total


# Hooks the engine looks up (inspector/targets/__init__.py: target_hook).
target_macs = vela_nn_macs
