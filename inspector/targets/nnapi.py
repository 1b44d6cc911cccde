"""NNAPI delegate (LiteRT ``tflite/delegates/nnapi``): predicates and node selection.

Everything here encodes google-ai-edge/LiteRT at 19a1585ff7c66779793d339fa7f85fc5a58f4db0;
``L<n>`` are lines of ``tflite/delegates/nnapi/nnapi_delegate.cc`` there. The per-op rules are
data in ``rules/nnapi.toml`` (``NNAPIDelegateKernel::Validate``); this module holds what the
generic predicates cannot say:

* predicates for Validate's checks that compare two tensors, read constant values or use the
  runtime's legacy per-tensor quantization parameters (``TfLiteTensor.params``, which are 0 for
  per-channel tensors);
* node selection through the engine's shared selector ``fp16-helper``, as
  ``StatefulNnApiDelegate::DoPrepare`` (L6825-7093). A graph with a
  DEQUANTIZE of *constant* FLOAT16 weights goes through ``FP16GraphPartitionHelper``
  (``GetSupportedOpsWithFp16WeightRemapping``, L6793-6823; ``tflite/delegates/utils.cc``
  L202-277): each consumer of such a DEQUANTIZE is validated with the FLOAT16 weights as its
  input, the DEQUANTIZE ops themselves are never "supported", and they are delegated only when
  every other op is (full delegation); otherwise they stay on the CPU.

The Android API level is the profile option ``android_api`` (``--android-api N``); how a level
stands for Validate's ``android_sdk_version`` / feature level is in the profile's description.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inspector.model import Tensor
from inspector.predicates import OpContext, Predicate, register

PREDICATES: dict[str, Predicate] = {}

_SEL = (str, list)
_QUANT8 = ("UINT8", "INT8")  # IsQuantized (L184-193)
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _tensor(ctx: OpContext, selector: str) -> Tensor | None:
    pairs = ctx.tensors(selector)
    return pairs[0][1] if pairs else None


def _legacy(t: Tensor) -> tuple[float, int]:
    """TfLiteTensor.params: (scale, zero point) of a per-tensor quantization, else (0, 0)
    (GetLegacyQuantization in the interpreter)."""
    q = t.quantization
    if q is None or q.scale.size != 1:
        return 0.0, 0
    zp = int(q.zero_point[0]) if q.zero_point.size else 0
    return float(np.float32(q.scale[0])), zp


def _label(selector: str) -> str:
    for kind in ("input", "output"):
        if selector.startswith(kind) and selector[len(kind) :].isdigit():
            return f"{kind} {selector[len(kind) :]}"
    return selector


def _api(ctx: OpContext) -> int:
    return int(ctx.options.get("android_api") or 0)


@register(
    PREDICATES,
    "not_hybrid",
    "D003",
    "must not be hybrid (FLOAT32 input 0 with 8-bit quantized {weights})",
    weights=(str, True),
)
def _not_hybrid(ctx: OpContext, weights: str) -> list[str]:
    """IsHybridOperator (L386-432): a FLOAT32 input with UINT8/INT8 weights."""
    x, w = _tensor(ctx, "input0"), _tensor(ctx, weights)
    if x is None or w is None or x.dtype != "FLOAT32" or w.dtype not in _QUANT8:
        return []
    return [f"input 0 is FLOAT32 and {_label(weights)} is {w.dtype}"]


@register(
    PREDICATES,
    "restricted_scales",
    "D009",
    "input 0 scale * input 1 scale must be below output 0 scale",
)
def _restricted_scales(ctx: OpContext) -> list[str]:
    """ExpectIsRestrictedScalesCompliant (L2220-2234), on the legacy per-tensor params."""
    x, w, y = _tensor(ctx, "input0"), _tensor(ctx, "input1"), _tensor(ctx, "output0")
    if x is None or w is None or y is None:
        return []
    sx, sw, sy = _legacy(x)[0], _legacy(w)[0], _legacy(y)[0]
    if float(np.float32(sx) * np.float32(sw)) < sy:
        return []
    return [f"{sx:.6g} * {sw:.6g} is not below {sy:.6g}"]


@register(
    PREDICATES,
    "dims_equal",
    "D006",
    "{a} dimension {a_axis} must equal {b} dimension {b_axis}",
    a=(str, True),
    a_axis=(int, True),
    b=(str, True),
    b_axis=(int, True),
)
def _dims_equal(ctx: OpContext, a: str, a_axis: int, b: str, b_axis: int) -> list[str]:
    ta, tb = _tensor(ctx, a), _tensor(ctx, b)
    if ta is None or tb is None or len(ta.shape) <= a_axis or len(tb.shape) <= b_axis:
        return []
    da, db = ta.shape[a_axis], tb.shape[b_axis]
    if da == db:
        return []
    return [f"{_label(a)} dimension {a_axis} is {da}, {_label(b)} dimension {b_axis} is {db}"]


@register(
    PREDICATES,
    "rank_in",
    "D006",
    "{tensors} rank must be one of {allowed}",
    tensors=(_SEL, True),
    allowed=(list, True),
)
def _rank_in(ctx: OpContext, tensors: Any, allowed: list[int]) -> list[str]:
    return [
        f"{n} has rank {len(t.shape)}"
        for n, t in ctx.tensors(tensors)
        if len(t.shape) not in allowed
    ]


@register(
    PREDICATES,
    "same_shape",
    "D006",
    "{tensors} must have the same shape",
    tensors=(list, True),
)
def _same_shape(ctx: OpContext, tensors: list[str]) -> list[str]:
    pairs = ctx.tensors(tensors)
    if len({t.shape for _, t in pairs}) <= 1:
        return []
    return ["shapes differ: " + ", ".join(f"{n} {list(t.shape)}" for n, t in pairs)]


@register(
    PREDICATES,
    "reshape_new_shape",
    "D008",
    "with no shape input, option new_shape must name at least one dimension",
)
def _reshape_new_shape(ctx: OpContext) -> list[str]:
    """L2628-2641: num_dimensions of TfLiteReshapeParams (0 without the option; [0] is the
    legacy spelling of a scalar)."""
    shape = list(ctx.op.options.get("new_shape") or [])
    if shape == [0]:
        shape = []
    return [] if shape else [f"new_shape is {shape or '[]'}"]


@register(
    PREDICATES,
    "option_nonempty",
    "D008",
    "option {name} must not be empty",
    name=(str, True),
)
def _option_nonempty(ctx: OpContext, name: str) -> list[str]:
    """An absent vector option reads as empty (zero-initialised builtin data)."""
    return [] if ctx.op.options.get(name) else [f"{name} is empty"]


@register(
    PREDICATES,
    "quant_params",
    "D004",
    "{tensors} must be quantized with scale {scale} and zero point {zero_point}",
    tensors=(_SEL, True),
    scale=(float, True),
    zero_point=(int, True),
    either=(bool, False),
)
def _quant_params(
    ctx: OpContext, tensors: Any, scale: float, zero_point: int, either: bool = False
) -> list[str]:
    """Exact legacy params; with ``either`` the scale or the zero point matching is enough."""
    out = []
    for n, t in ctx.tensors(tensors):
        s, z = _legacy(t)
        ok_s, ok_z = s == float(np.float32(scale)), z == zero_point
        if not ((ok_s or ok_z) if either else (ok_s and ok_z)):
            out.append(f"{n} has scale {s:.6g} and zero point {z}")
    return out


@register(
    PREDICATES,
    "scale_positive",
    "D004",
    "{tensors} must have a positive per-tensor scale",
    tensors=(_SEL, True),
)
def _scale_positive(ctx: OpContext, tensors: Any) -> list[str]:
    out = []
    for n, t in ctx.tensors(tensors):
        s = _legacy(t)[0]
        if not s > 0:
            per_channel = t.quantization is not None and t.quantization.scale.size > 1
            out.append(f"{n} is quantized per channel" if per_channel else f"{n} has scale {s:g}")
    return out


def _int_values(ctx: OpContext, t: Tensor) -> np.ndarray | None:
    data = ctx.model.tensor_data(ctx.sg.index, t.index)
    if data is None:
        return None
    return np.asarray(data).reshape(-1)


@register(
    PREDICATES,
    "int32_range",
    "D010",
    "constant INT64 values of {tensors} must fit in INT32",
    tensors=(_SEL, True),
    first_only=(bool, False),
)
def _int32_range(ctx: OpContext, tensors: Any, first_only: bool = False) -> list[str]:
    """Only constant INT64 tensors are checked; ``first_only``: Validate reads
    ``*data.i64`` (one element), as for ARG_MAX's axis and FILL's value."""
    out = []
    for n, t in ctx.tensors(tensors):
        if t.dtype != "INT64" or not t.is_constant:
            continue
        values = _int_values(ctx, t)
        if values is None or values.size == 0:
            continue
        if first_only:
            values = values[:1]
        bad = [int(v) for v in values if not _INT32_MIN <= int(v) <= _INT32_MAX]
        if bad:
            out.append(f"{n} holds {bad[0]}")
    return out


@register(
    PREDICATES,
    "crops_zero",
    "D010",
    "the crops (input 2) must be a constant 2x2 INT32 tensor of zeros",
)
def _crops_zero(ctx: OpContext) -> list[str]:
    """L2949-2954: crops.data.i32 must be set (constant), 16 bytes, four zeros."""
    t = _tensor(ctx, "input2")
    if t is None:
        return ["input 2 is missing"]
    if not t.is_constant:
        return ["input 2 is computed at run time"]
    data = ctx.model.tensor_data(ctx.sg.index, t.index)
    raw = b"" if data is None else np.asarray(data).tobytes()
    if len(raw) != 16:
        return [f"input 2 has {len(raw)} bytes"]
    if any(np.frombuffer(raw, dtype="<i4")):
        return [f"input 2 is {np.frombuffer(raw, dtype='<i4').tolist()}"]
    return []


@register(
    PREDICATES,
    "split_sizes_nonzero",
    "D010",
    "size_splits must have no zero size, and the size it leaves open (-1) must not be zero",
)
def _split_sizes_nonzero(ctx: OpContext) -> list[str]:
    """L3396-3405 (ComputeSplitVUnknownSplitSize, L614-636); checked only when size_splits is a
    constant INT32 vector and the axis a constant INT32, as upstream."""
    x, sizes, axis = _tensor(ctx, "input0"), _tensor(ctx, "input1"), _tensor(ctx, "input2")
    if x is None or sizes is None or axis is None:
        return []
    if not (sizes.dtype == "INT32" and len(sizes.shape) == 1 and sizes.is_constant):
        return []
    if not (axis.dtype == "INT32" and axis.is_constant):
        return []
    values, axis_v = _int_values(ctx, sizes), _int_values(ctx, axis)
    if values is None or axis_v is None or axis_v.size == 0:
        return []
    sizes_list = [int(v) for v in values]
    if any(v == 0 for v in sizes_list):
        return [f"size_splits is {sizes_list}"]
    if -1 in values:
        a = int(axis_v[0])
        a = a + len(x.shape) if a < 0 else a
        if 0 <= a < len(x.shape):
            rest = x.shape[a] - sum(v for v in values if v != -1)
            if rest == 0:
                return [f"size_splits {values} leaves 0 elements for -1"]
    return []


@register(
    PREDICATES,
    "no_broadcast_batch",
    "D006",
    "input 0 and input 1 must have the same rank and batch dimensions (no broadcast)",
)
def _no_broadcast_batch(ctx: OpContext) -> list[str]:
    """IsBroadcastBatchMatMul (L371-384)."""
    a, b = _tensor(ctx, "input0"), _tensor(ctx, "input1")
    if a is None or b is None:
        return []
    if len(a.shape) != len(b.shape) or a.shape[:-2] != b.shape[:-2]:
        return [f"input 0 is {list(a.shape)}, input 1 is {list(b.shape)}"]
    return []


@register(
    PREDICATES,
    "axis_not_last",
    "D008",
    "option axis must not be -1 or the rank of input 0 plus {offset}",
    offset=(int, True),
)
def _axis_not_last(ctx: OpContext, offset: int) -> list[str]:
    """PACK (L3550-3556, offset 0) and UNPACK (L3575-3579, offset -1); zero when absent."""
    x = _tensor(ctx, "input0")
    axis = int(ctx.op.options.get("axis", 0))
    if x is None:
        return []
    if axis == -1 or axis == len(x.shape) + offset:
        return [f"axis is {axis} and input 0 has rank {len(x.shape)}"]
    return []


@register(
    PREDICATES,
    "filter_area",
    "D008",
    "filter_width * filter_height must be at most {max}",
    max=(int, True),
)
def _filter_area(ctx: OpContext, max: int) -> list[str]:
    o = ctx.op.options
    w, h = int(o.get("filter_width", 0)), int(o.get("filter_height", 0))
    return [] if w * h <= max else [f"the window is {w}x{h}"]


@register(
    PREDICATES,
    "not_fp16_passthrough",
    "D010",
    "is not a DEQUANTIZE of a computed FLOAT16 tensor at Android API 30 or later",
)
def _not_fp16_passthrough(ctx: OpContext) -> list[str]:
    """A condition: L2801-2806 accept such a DEQUANTIZE before any other check."""
    x = _tensor(ctx, "input0")
    if x is not None and _api(ctx) >= 30 and x.dtype == "FLOAT16" and not x.is_constant:
        return ["it is one"]
    return []


# Node selection is the engine's FP16GraphPartitionHelper (selector "fp16-helper"):
# StatefulNnApiDelegate::DoPrepare (L6893-6911) partitions through it.
