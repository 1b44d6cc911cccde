"""XNNPACK delegate (ai-edge-litert 2.3.0): predicates and the node-selection pipeline.

Everything here encodes ``tflite/delegates/xnnpack/xnnpack_delegate.cc`` at LiteRT commit
19a1585ff7c66779793d339fa7f85fc5a58f4db0; ``L<n>`` are line numbers in that file. The per-op
rules are data in ``rules/xnnpack.toml``; this module holds what data cannot say:

* predicates for XNNPACK's tensor type classes (``CheckTensorFloatOrQUInt8Type`` & co.), its
  option checks (with the runtime's zero-filled defaults when an op has no options table) and
  the few shape/value rules specific to one op;
* the selector ``xnnpack``: ``Delegate::PrepareOpsToDelegate`` (L7205-7705). It walks the
  ops in order and, unlike a plain "check every op" selector,
  - sets aside DEQUANTIZE/DENSIFY ops that only unpack constant weights ("static unpack",
    L7298-7401) and treats their outputs as constant ("quasi-static") for later ops;
  - drops such an unpack op again when an op consuming its output is rejected (L7409-7417);
  - takes a VAR_HANDLE only when a READ_VARIABLE/ASSIGN_VARIABLE of its resource was taken
    (L7432-7439, ``ResourceInfo`` L483-531).

Default flags of the Python interpreter: QS8 and QU8 on (signed and unsigned 8-bit quantized
ops are taken), dynamic fully-connected off, dynamically quantized ops on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inspector.engine import Failure, check_op
from inspector.model import Model, Subgraph, Tensor
from inspector.predicates import OpContext, Predicate, register
from inspector.predicates import builtin_param as _param
from inspector.profiles import Profile

PREDICATES: dict[str, Predicate] = {}

XNN_MAX_TENSOR_DIMS = 6
_SEL = (str, list)
_F32 = np.float32
_TINY = float(np.finfo(np.float32).tiny)


# -- tensor helpers: what the runtime's TfLiteTensor holds before any op is prepared -------------
def _qkind(t: Tensor) -> str:
    """TfLiteQuantization.type as InterpreterBuilder::ParseQuantization sets it."""
    q = t.quantization
    if q is None:
        return "none"
    kind = (q.details or {}).get("type")
    if kind == "BlockwiseQuantization":
        return "blockwise"
    if kind == "MultiAxisQuantization":
        return "multiaxis"
    return "affine" if q.scale.size else "none"


def _per_tensor(t: Tensor) -> bool:
    """Affine with one scale on dimension 0 (the check in every 8-bit type class)."""
    q = t.quantization
    return (
        _qkind(t) == "affine" and q is not None and q.quantized_dimension == 0 and q.scale.size == 1
    )


def _legacy(t: Tensor) -> tuple[float, int]:
    """TfLiteTensor.params: (scale, zero point) if per-tensor affine, else (0, 0)."""
    q = t.quantization
    if _qkind(t) == "affine" and q is not None and q.scale.size == 1:
        return float(_F32(q.scale[0])), int(q.zero_point[0]) if q.zero_point.size else 0
    return 0.0, 0


def _normal_positive(x: float) -> bool:
    x = float(_F32(x))
    return math.isfinite(x) and x >= _TINY


_ZP_RANGE = {"qint8": (-128, 127), "quint8": (0, 255), "qint32": (0, 0)}


def _validate_quantized(kind: str, zp: int, scale: float, rank: int) -> str | None:
    """xnn_validate_quantized_tensor (XNNPACK src/tensor.c)."""
    lo, hi = _ZP_RANGE[kind]
    if rank > XNN_MAX_TENSOR_DIMS:
        return f"rank {rank} exceeds {XNN_MAX_TENSOR_DIMS}"
    if not lo <= zp <= hi:
        return f"zero point {zp} is outside [{lo}, {hi}]"
    if not _normal_positive(scale):
        return f"scale {scale:g} is not a positive normal number"
    return None


def _validate_channelwise(
    kind: str, zp: int, scales: np.ndarray, shape: Sequence[int], channel_dim: int
) -> str | None:
    """xnn_validate_channelwise_quantized_tensor (XNNPACK src/tensor.c)."""
    rank = len(shape)
    if rank == 0:
        return "per-channel quantization of a scalar"
    if rank > XNN_MAX_TENSOR_DIMS:
        return f"rank {rank} exceeds {XNN_MAX_TENSOR_DIMS}"
    if not 0 <= channel_dim < rank:
        return f"quantized dimension {channel_dim} is out of range"
    lo, hi = _ZP_RANGE[kind]
    if not lo <= zp <= hi:
        return f"zero point {zp} is outside [{lo}, {hi}]"
    for c in range(min(shape[channel_dim], scales.size)):
        if not _normal_positive(scales[c]):
            return f"scale {float(scales[c]):g} of channel {c} is not a positive normal number"
    return None


def _values(ctx: OpContext, t: Tensor) -> np.ndarray | None:
    """The constant data of an integer tensor, flattened (None if computed at run time)."""
    data = ctx.model.tensor_data(ctx.sg.index, t.index)
    if data is None or t.dtype not in ("INT32", "INT64"):
        return None
    return np.asarray(data).reshape(-1)


def _tensor(ctx: OpContext, selector: str) -> Tensor | None:
    pairs = ctx.tensors(selector)
    return pairs[0][1] if pairs else None


# -- type classes --------------------------------------------------------------------------------
@register(
    PREDICATES,
    "xnn_quantization",
    "D004",
    "{tensors}, when quantized, must use {scheme} quantization (axis: {axis})",
    tensors=(_SEL, True),
    scheme=(str, True),
    axis=(int, False),
)
def _xnn_quantization(
    ctx: OpContext, tensors: Any, scheme: str, axis: int | None = None
) -> list[str]:
    """The quantization half of XNNPACK's type classes (the element types are a ``dtype``).

    per_tensor  CheckTensorFloatOrQUInt8Type & co. (L2284-2444): INT8/UINT8 affine with one
                scale on dimension 0.
    channelwise CheckTensorFloat32OrQCInt8Type(axis) (L2446-2554): INT8 per-tensor or
                per-channel along ``axis`` with scales and zero point XNNPACK accepts; UINT8
                per-tensor, validated.
    filter      CheckTensorFilterType(axis) (L2556-2670): INT8/INT4/INT2 affine (per-channel
                along ``axis``; INT2 only per-channel) or blockwise with a block size multiple
                of 32; any other quantization passes. UINT8 per-tensor.
    bias        CheckTensorFloat32OrFloat16OrQCInt32Type (L2711-2769): INT32 affine on
                dimension 0 with zero point 0 and valid scales.
    """
    out = []
    for n, t in ctx.tensors(tensors):
        kind = _qkind(t)
        q = t.quantization
        if scheme == "per_tensor":
            if t.dtype in ("INT8", "UINT8") and not _per_tensor(t):
                out.append(f"{n} is {t.dtype} {_describe_quant(t)}")
        elif scheme == "channelwise":
            if t.dtype == "INT8":
                if kind != "affine" or q is None:
                    out.append(f"{n} is INT8 {_describe_quant(t)}")
                    continue
                want = (axis or 0) + (len(t.shape) if (axis or 0) < 0 else 0)
                zp = int(q.zero_point[0]) if q.zero_point.size else 0
                if q.scale.size > 1:
                    if q.quantized_dimension != want:
                        out.append(f"{n} is quantized along dimension {q.quantized_dimension}")
                        continue
                    err = _validate_channelwise("qint8", zp, q.scale, t.shape, want)
                else:
                    err = _validate_quantized("qint8", zp, float(q.scale[0]), len(t.shape))
                if err:
                    out.append(f"{n}: {err}")
            elif t.dtype == "UINT8":
                if not _per_tensor(t):
                    out.append(f"{n} is UINT8 {_describe_quant(t)}")
                    continue
                scale, zp = _legacy(t)
                err = _validate_quantized("quint8", zp, scale, len(t.shape))
                if err:
                    out.append(f"{n}: {err}")
        elif scheme == "filter":
            if t.dtype in ("INT8", "INT4", "INT2"):
                if kind == "affine" and q is not None:
                    if q.scale.size > 1 and q.quantized_dimension != (axis or 0):
                        out.append(f"{n} is quantized along dimension {q.quantized_dimension}")
                    elif t.dtype == "INT2" and (
                        not 0 <= q.quantized_dimension < len(t.shape)
                        or q.scale.size != t.shape[q.quantized_dimension]
                    ):
                        out.append(f"{n} is INT2 but not quantized per channel")
                elif kind == "blockwise" and q is not None:
                    block = int((q.details or {}).get("block_size", 0))
                    if block % 32:
                        out.append(f"{n} has block size {block}, not a multiple of 32")
            elif t.dtype == "UINT8" and not _per_tensor(t):
                out.append(f"{n} is UINT8 {_describe_quant(t)}")
        elif scheme == "bias":
            if t.dtype == "INT32":
                if kind != "affine" or q is None or q.quantized_dimension != 0:
                    out.append(f"{n} is INT32 {_describe_quant(t)}")
                    continue
                if q.scale.size > 1:
                    err = _validate_channelwise("qint32", 0, q.scale, t.shape, 0)
                else:
                    zp = int(q.zero_point[0]) if q.zero_point.size else 0
                    err = _validate_quantized("qint32", zp, float(q.scale[0]), len(t.shape))
                if err:
                    out.append(f"{n}: {err}")
        else:
            raise ValueError(f"unknown quantization scheme {scheme!r}")
    return out


def _describe_quant(t: Tensor) -> str:
    kind = _qkind(t)
    q = t.quantization
    if kind == "none" or q is None:
        return "without quantization parameters"
    if kind != "affine":
        return f"with {kind} quantization"
    if q.scale.size > 1:
        return f"quantized per channel along dimension {q.quantized_dimension}"
    return f"quantized on dimension {q.quantized_dimension}"


@register(
    PREDICATES,
    "xnn_static",
    "D005",
    "{tensors} must be a constant stored in the model",
    tensors=(_SEL, True),
)
def _xnn_static(ctx: OpContext, tensors: Any) -> list[str]:
    """CheckTensorStaticAllocation (L3011-3026) where the caller makes no exception for
    weights unpacked by a DEQUANTIZE (shapes, axes, paddings, permutations)."""
    return [f"{n} is computed at run time" for n, t in ctx.tensors(tensors) if not t.is_constant]


# -- options (builtin_data) -------------------------------------------------------------------
@register(
    PREDICATES,
    "xnn_pool_params",
    "D008",
    "strides and filter sizes must be positive, each stride at most the filter size, "
    "and a 1x1 filter needs stride 1",
)
def _xnn_pool_params(ctx: OpContext) -> list[str]:
    """CheckPoolingParams (L2113-2172)."""
    sw, sh = _param(ctx, "stride_w") or 0, _param(ctx, "stride_h") or 0
    fw, fh = _param(ctx, "filter_width") or 0, _param(ctx, "filter_height") or 0
    text = f"filter {fw}x{fh}, stride {sw}x{sh}"
    if min(sw, sh, fw, fh) <= 0 or sw > fw or sh > fh or (fw == fh == 1 and max(sw, sh) > 1):
        return [text]
    return []


@register(
    PREDICATES,
    "xnn_depth_multiplier",
    "D008",
    "depth_multiplier must be positive and divide the output channels (filter dimension 3)",
)
def _xnn_depth_multiplier(ctx: OpContext) -> list[str]:
    """CheckDepthwiseConvolutionParams (L1959-2002), output_channels = filter dims[3]."""
    mult = _param(ctx, "depth_multiplier") or 0
    f = _tensor(ctx, "input1")
    channels = f.shape[3] if f is not None and len(f.shape) == 4 else None
    if mult <= 0 or (channels is not None and channels % mult):
        return [f"depth_multiplier is {mult} for {channels} output channels"]
    return []


# -- tensor relations ---------------------------------------------------------------------------
def _type_seen(ctx: OpContext, t: Tensor) -> str:
    """GetTensorType (L2805-2810): FLOAT16 for the FP32 output of a skipped FP16 DEQUANTIZE."""
    return "FLOAT16" if t.index in ctx.state.get("fp16_skipped", ()) else t.dtype


@register(
    PREDICATES,
    "xnn_filter_bias_types",
    "D003",
    "a float filter needs a bias of the same type (an FP16 filter may have an FP32 bias)",
)
def _xnn_filter_bias_types(ctx: OpContext) -> list[str]:
    """CheckFilterAndBiasTypes (L2812-2831) on inputs 1 and 2."""
    f, b = _tensor(ctx, "input1"), _tensor(ctx, "input2")
    if f is None or b is None:
        return []
    ft, bt = _type_seen(ctx, f), _type_seen(ctx, b)
    if ft in ("FLOAT16", "FLOAT32") and bt != ft and not (ft == "FLOAT16" and bt == "FLOAT32"):
        return [f"filter is {ft}, bias is {bt}"]
    return []


@register(
    PREDICATES,
    "xnn_input_filter_types",
    "D003",
    "input 0 and the filter (input 1) must have the same type, except {allow}",
    allow=(list, False),
)
def _xnn_input_filter_types(ctx: OpContext, allow: list[str] | None = None) -> list[str]:
    """The "mixed types" checks of CONV_2D (L4049-4059), DEPTHWISE_CONV_2D (L4271-4278) and
    FULLY_CONNECTED (L5011-5030); ``allow`` lists "INPUT:FILTER" pairs (dynamic range)."""
    x, f = _tensor(ctx, "input0"), _tensor(ctx, "input1")
    if x is None or f is None or x.dtype == f.dtype:
        return []
    if f"{x.dtype}:{f.dtype}" in (allow or []):
        return []
    return [f"input 0 is {x.dtype}, filter is {f.dtype}"]


@register(
    PREDICATES,
    "xnn_conv_groups",
    "D006",
    "input 0 must have at least as many channels as the filter (dimension 3)",
)
def _xnn_conv_groups(ctx: OpContext) -> list[str]:
    """groups = input_channels / filter_input_channels must not be 0 (L4061-4073)."""
    x, f = _tensor(ctx, "input0"), _tensor(ctx, "input1")
    if x is None or f is None or len(x.shape) != 4 or len(f.shape) != 4 or f.shape[3] <= 0:
        return []
    if x.shape[3] // f.shape[3] == 0:
        return [f"input has {x.shape[3]} channels, filter {f.shape[3]}"]
    return []


@register(
    PREDICATES,
    "xnn_legacy_zero_point",
    "D004",
    "{tensors} zero point must be {equals}",
    tensors=(_SEL, True),
    equals=(int, True),
)
def _xnn_legacy_zero_point(ctx: OpContext, tensors: Any, equals: int) -> list[str]:
    """TfLiteTensor.params.zero_point: only per-tensor quantization has one (else it is 0)."""
    out = []
    for n, t in ctx.tensors(tensors):
        zp = _legacy(t)[1]
        if zp != equals:
            out.append(f"{n} zero point is {zp}")
    return out


@register(
    PREDICATES,
    "xnn_same_legacy_quantization",
    "D004",
    "{tensors} must have the same per-tensor scale and zero point",
    tensors=(_SEL, True),
)
def _xnn_same_legacy_quantization(ctx: OpContext, tensors: Any) -> list[str]:
    """Exact (float ==) equality of TfLiteTensor.params with the LAST tensor named:
    CONCATENATION with a UINT8 output (L3928-3954), RESHAPE with an 8-bit output (L5768-5788).
    """
    pairs = ctx.tensors(tensors)
    if len(pairs) < 2:
        return []
    ref_n, ref = pairs[-1]
    rs, rz = _legacy(ref)
    out = []
    for n, t in pairs[:-1]:
        s, z = _legacy(t)
        if z != rz:
            out.append(f"{n} zero point {z} differs from {ref_n} zero point {rz}")
        elif s != rs:
            out.append(f"{n} scale {s:g} differs from {ref_n} scale {rs:g}")
    return out


@register(PREDICATES, "xnn_concat_axis", "D008", "axis must be less than the rank of every input")
def _xnn_concat_axis(ctx: OpContext) -> list[str]:
    """L3913-3925: a negative axis passes."""
    axis = _param(ctx, "axis") or 0
    return [
        f"axis {axis} with {n} of rank {len(t.shape)}"
        for n, t in ctx.tensors("inputs")
        if axis >= len(t.shape)
    ]


@register(
    PREDICATES,
    "xnn_shape_tensor",
    "D006",
    "{tensors} must be 1-D (or have only leading dimensions of size 1)",
    tensors=(_SEL, True),
)
def _xnn_shape_tensor(ctx: OpContext, tensors: Any) -> list[str]:
    """CheckShapeTensorShape(squeeze_dims=true) (L2975-3009): rank 1, or all but the last
    dimension 1 (so a rank-0 shape tensor passes)."""
    return [
        f"{n} has shape {list(t.shape)}"
        for n, t in ctx.tensors(tensors)
        if len(t.shape) != 1 and any(d != 1 for d in t.shape[:-1])
    ]


@register(
    PREDICATES,
    "xnn_reshape_new_shape",
    "D010",
    "the new shape must not be [-1] or [0] (a flatten to 1-D)",
)
def _xnn_reshape_new_shape(ctx: OpContext) -> list[str]:
    """L5792-5830: the new shape comes from input 1 when there are 2 inputs, else from the
    new_shape option; a single -1 (or 0) is rejected."""
    if len(ctx.op.inputs) == 2:
        shape_t = _tensor(ctx, "input1")
        data = _values(ctx, shape_t) if shape_t is not None and shape_t.dtype == "INT32" else None
        if data is None:
            return []  # rejected by the type/constant checks
        shape = [int(v) for v in data]
    else:
        shape = list(ctx.op.options.get("new_shape") or [])
    if len(shape) == 1 and shape[0] in (-1, 0):
        return [f"new shape is {shape}"]
    return []


@register(
    PREDICATES,
    "xnn_values",
    "D010",
    "values of {tensors} must be between {min} and {max}",
    tensors=(_SEL, True),
    min=(int, False),
    max=(int, False),
    first=(int, False),
)
def _xnn_values(
    ctx: OpContext,
    tensors: Any,
    min: int | None = None,
    max: int | None = None,
    first: int | None = None,
) -> list[str]:
    """Bounds on the values of constant integer tensors (sizes, paddings, strides); only the
    first ``first`` values when the runtime reads only those."""
    out = []
    for n, t in ctx.tensors(tensors):
        data = _values(ctx, t)
        if data is None:
            continue
        if first is not None:
            data = data[:first]
        bad = [
            int(v) for v in data if (min is not None and v < min) or (max is not None and v > max)
        ]
        if bad:
            out.append(f"{n} holds {bad[0]}")
    return out


@register(
    PREDICATES,
    "xnn_dims_match",
    "D006",
    "{tensors} must have the same size in dimension {axis}",
    tensors=(_SEL, True),
    axis=(int, True),
)
def _xnn_dims_match(ctx: OpContext, tensors: Any, axis: int) -> list[str]:
    """CheckTensorsDimensionMatch (L3044-3060)."""
    pairs = [(n, t) for n, t in ctx.tensors(tensors) if len(t.shape) > axis]
    sizes = {t.shape[axis] for _, t in pairs}
    if len(sizes) > 1:
        return [", ".join(f"{n} has {t.shape[axis]}" for n, t in pairs)]
    return []


@register(
    PREDICATES,
    "xnn_length_is_rank",
    "D006",
    "{tensors} must be 1-D with one value per dimension of input 0",
    tensors=(_SEL, True),
)
def _xnn_length_is_rank(ctx: OpContext, tensors: Any) -> list[str]:
    """STRIDED_SLICE CheckParamTensorShape (L6317-6336)."""
    x = _tensor(ctx, "input0")
    rank = len(x.shape) if x is not None else 0
    return [
        f"{n} has shape {list(t.shape)} for an input of rank {rank}"
        for n, t in ctx.tensors(tensors)
        if len(t.shape) != 1 or t.shape[0] != rank
    ]


@register(
    PREDICATES,
    "xnn_block_divides",
    "D006",
    "input 0 height and width (dimensions 1 and 2) must be multiples of block_size",
)
def _xnn_block_divides(ctx: OpContext) -> list[str]:
    """SPACE_TO_DEPTH L6092-6108 (the input is assumed 4-D)."""
    block = _param(ctx, "block_size") or 0
    x = _tensor(ctx, "input0")
    if block <= 1 or x is None:
        return []
    if len(x.shape) < 3:
        return [f"input 0 has shape {list(x.shape)}"]
    if x.shape[1] % block or x.shape[2] % block:
        return [f"input 0 is {x.shape[1]}x{x.shape[2]}, block_size {block}"]
    return []


@register(
    PREDICATES,
    "xnn_nonempty_reduction",
    "D010",
    "there must be at least one reduction axis (and not axis 0 of a scalar)",
)
def _xnn_nonempty_reduction(ctx: OpContext) -> list[str]:
    """VisitReduceNode L5327-5337."""
    axes, x = _tensor(ctx, "input1"), _tensor(ctx, "input0")
    if axes is None or x is None:
        return []
    if axes.num_elements <= 0:
        return ["no reduction axis"]
    data = _values(ctx, axes)
    if axes.num_elements == 1 and data is not None and data.size and data[0] == 0 and not x.shape:
        return ["axis 0 of a scalar"]
    return []


@register(
    PREDICATES,
    "xnn_paddings_shape",
    "D006",
    "the paddings (input 1) must have shape [rank of input 0, 2]",
)
def _xnn_paddings_shape(ctx: OpContext) -> list[str]:
    """CheckPaddingsTensorShape (L2925-2958) as PAD calls it (L5633-5635)."""
    x, p = _tensor(ctx, "input0"), _tensor(ctx, "input1")
    if x is None or p is None:
        return []
    if list(p.shape) != [len(x.shape), 2]:
        return [f"paddings have shape {list(p.shape)} for an input of rank {len(x.shape)}"]
    return []


# -- element-wise specials -----------------------------------------------------------------------
def _scale_or_nan(t: Tensor) -> float:
    """GetTensorScaleOrDefault(t, NaN) (L3062-3086)."""
    if t.dtype in ("INT8", "UINT8") and _per_tensor(t) and t.quantization is not None:
        return float(_F32(t.quantization.scale[0]))
    return math.nan


@register(
    PREDICATES,
    "xnn_leaky_relu_alpha",
    "D008",
    "alpha must be a non-zero normal number",
)
def _xnn_leaky_relu_alpha(ctx: OpContext) -> list[str]:
    """L4655-4661."""
    alpha = float(_F32(_param(ctx, "alpha") or 0.0))
    if not (math.isfinite(alpha) and abs(alpha) >= _TINY):
        return [f"alpha is {alpha:g}"]
    return []


@register(
    PREDICATES,
    "xnn_leaky_relu_scales",
    "D009",
    "with 8-bit tensors, input/output scale must be in [1/256, 128] and times alpha in "
    "[-127.99609375, 128] with magnitude at least 1/256",
)
def _xnn_leaky_relu_scales(ctx: OpContext) -> list[str]:
    """L4662-4687, in float32 like the runtime."""
    x, y = _tensor(ctx, "input0"), _tensor(ctx, "output0")
    if x is None or y is None:
        return []
    si, so = _scale_or_nan(x), _scale_or_nan(y)
    if not (_normal_positive(si) and _normal_positive(so)):
        return []
    pos = _F32(si) / _F32(so)
    if pos < _F32(1.0 / 256.0) or pos > _F32(128.0):
        return [f"input/output scale is {float(pos):g}"]
    neg = pos * _F32(_param(ctx, "alpha") or 0.0)
    if neg < _F32(-127.99609375) or neg > _F32(128.0) or abs(neg) < _F32(1.0 / 256.0):
        return [f"input/output scale times alpha is {float(neg):g}"]
    return []


def _xnn_datatype(t: Tensor) -> str:
    """GetXNNPackDatatype (L234-452), for the types the checks let through."""
    if t.dtype == "FLOAT32":
        return "fp32"
    if t.dtype == "FLOAT16":
        return "fp16"
    if t.dtype == "UINT8":
        return "quint8" if _qkind(t) == "affine" else "invalid"
    if t.dtype == "INT8":
        kind, q = _qkind(t), t.quantization
        if kind == "affine" and q is not None:
            return "qint8" if q.scale.size == 1 else "qcint8"
        return "qbint4" if kind == "blockwise" else "invalid"
    return "invalid"


@register(
    PREDICATES,
    "xnn_quantize_types",
    "D003",
    "an 8-bit input must be requantized to the same type (INT8 to INT8, UINT8 to UINT8)",
)
def _xnn_quantize_types(ctx: OpContext) -> list[str]:
    """QUANTIZE L4696-4736: float input to anything; qint8->qint8, quint8->quint8."""
    x, y = _tensor(ctx, "input0"), _tensor(ctx, "output0")
    if x is None or y is None:
        return []
    dx, dy = _xnn_datatype(x), _xnn_datatype(y)
    if dx in ("fp32", "fp16") or (dx in ("qint8", "quint8") and dx == dy):
        return []
    return [f"{x.dtype} to {y.dtype}"]


@register(
    PREDICATES,
    "xnn_requantize_scale",
    "D009",
    "input scale / output scale must be in [1/256, 128]",
)
def _xnn_requantize_scale(ctx: OpContext) -> list[str]:
    """QUANTIZE L4707-4720, only for INT8->INT8 and UINT8->UINT8; float32 arithmetic."""
    x, y = _tensor(ctx, "input0"), _tensor(ctx, "output0")
    if x is None or y is None:
        return []
    dx = _xnn_datatype(x)
    if dx not in ("qint8", "quint8") or dx != _xnn_datatype(y):
        return []
    with np.errstate(all="ignore"):
        r = _F32(_scale_or_nan(x)) / _F32(_scale_or_nan(y))
    if r < _F32(1.0 / 256.0) or r > _F32(128.0):
        return [f"the ratio is {float(r):.3g}"]
    return []


# -- matrix multiplication -------------------------------------------------------------------
@register(
    PREDICATES,
    "xnn_bmm_types",
    "D003",
    "inputs 0 and 1 must have the same XNNPACK datatype (FLOAT32 x INT8 is dynamic range)",
)
def _xnn_bmm_types(ctx: OpContext) -> list[str]:
    """BATCH_MATMUL L3597-3634: per-channel INT8 (qcint8) differs from per-tensor (qint8)."""
    a, b = _tensor(ctx, "input0"), _tensor(ctx, "input1")
    if a is None or b is None:
        return []
    if a.dtype == "FLOAT32" and b.dtype == "INT8":
        return []
    da, db = _xnn_datatype(a), _xnn_datatype(b)
    if da != db:
        return [f"input 0 is {da}, input 1 is {db}"]
    return []


@register(
    PREDICATES,
    "xnn_bmm_zero_point",
    "D004",
    "a statically quantized INT8 input 1 must have zero point 0",
)
def _xnn_bmm_zero_point(ctx: OpContext) -> list[str]:
    """BATCH_MATMUL L3600-3620: zero_point[0] if per-channel, else the legacy zero point."""
    a, b = _tensor(ctx, "input0"), _tensor(ctx, "input1")
    if a is None or b is None or b.dtype != "INT8" or a.dtype == "FLOAT32":
        return []
    q = b.quantization
    if _qkind(b) == "none" or q is None:
        return []
    zp = (int(q.zero_point[0]) if q.zero_point.size else 0) if q.scale.size > 1 else _legacy(b)[1]
    return [f"input 1 zero point is {zp}"] if zp else []


@register(
    PREDICATES,
    "xnn_fc_bias_elements",
    "D006",
    "the bias (input 2) must have one element per output channel (filter dimension 0)",
)
def _xnn_fc_bias_elements(ctx: OpContext) -> list[str]:
    """FULLY_CONNECTED L4980-4989."""
    f, b = _tensor(ctx, "input1"), _tensor(ctx, "input2")
    if f is None or b is None or len(f.shape) != 2:
        return []
    if b.num_elements != f.shape[0]:
        return [f"bias has {b.num_elements} elements for {f.shape[0]} output channels"]
    return []


@register(
    PREDICATES,
    "xnn_version_not",
    "D002",
    "op version must not be {versions}",
    versions=(list, True),
)
def _xnn_version_not(ctx: OpContext, versions: list[int]) -> list[str]:
    return [f"version is {ctx.op.version}"] if ctx.op.version in versions else []


# -- transposed convolution ----------------------------------------------------------------------
def _custom_options(ctx: OpContext) -> bytes:
    """The raw custom_options of a custom op (MediaPipe ops copy them into a C struct)."""
    if not ctx.op.custom_options_size or ctx.model.data is None:
        return b""
    import tflite

    cache = ctx.state.setdefault("custom_options", {})
    key = (ctx.sg.index, ctx.op.index)
    if key not in cache:
        m = tflite.Model.GetRootAs(ctx.model.data, 0)
        op = m.Subgraphs(ctx.sg.index).Operators(ctx.op.index)
        cache[key] = b"" if op.CustomOptionsIsNone() else op.CustomOptionsAsNumpy().tobytes()
    return cache[key]


_C_PADDING = {0: "UNKNOWN", 1: "SAME", 2: "VALID"}  # TfLitePadding
_C_ACTIVATION = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}


def _mediapipe_struct(ctx: OpContext, names: Sequence[str]) -> dict[str, Any]:
    """SafeCopyCustomData: up to sizeof(struct) bytes of custom_options over a zeroed struct
    whose first field (padding) is kTfLitePaddingUnknown; every field is a 32-bit int."""
    raw = _custom_options(ctx)[: 4 * len(names)]
    raw += bytes(4 * len(names) - len(raw))
    values = np.frombuffer(raw, "<i4").tolist()
    out: dict[str, Any] = dict(zip(names, values, strict=True))
    out["padding"] = _C_PADDING.get(out["padding"], out["padding"])
    if "activation" in out:
        out["activation"] = _C_ACTIVATION.get(out["activation"], out["activation"])
    return out


_DECONV_FIELDS = ("padding", "stride_w", "stride_h", "activation")
_POOL_FIELDS = ("padding", "stride_w", "stride_h", "filter_width", "filter_height", "activation")


def _tconv_padding_error(
    padding: Any,
    in_h: int,
    in_w: int,
    k_h: int,
    k_w: int,
    s_h: int,
    s_w: int,
    out_h: int,
    out_w: int,
) -> str | None:
    """CalculateTransposeConvPaddings (L1804-1884), dilation 1."""
    if padding == "VALID":
        if k_h > out_h or k_w > out_w:
            return f"kernel {k_h}x{k_w} is larger than the output {out_h}x{out_w}"
        return None
    if padding == "SAME":

        def expected(size: int, stride: int) -> int:  # ComputeOutSize(SAME), 0 if invalid
            return (size + stride - 1) // stride if size >= 0 and stride > 0 else 0

        eh, ew = expected(out_h, s_h), expected(out_w, s_w)
        if s_h <= 0 or s_w <= 0 or k_h <= 0 or k_w <= 0:
            eh = ew = 0
        if (eh, ew) != (in_h, in_w):
            return f"input {in_h}x{in_w} does not match output {out_h}x{out_w} with stride"
        if k_h < s_h or k_w < s_w:
            return f"stride {s_h}x{s_w} is larger than the kernel {k_h}x{k_w}"
        return None
    return f"padding is {padding}"


@register(
    PREDICATES,
    "xnn_tconv_shapes",
    "D006",
    "output_shape (input 0) must have 4 values, its channels must equal filter dimension 0, "
    "and filter dimension 3 must equal the input's channels",
)
def _xnn_tconv_shapes(ctx: OpContext) -> list[str]:
    """TRANSPOSE_CONV L6864-6872, L6949-6965."""
    shape_t, f, x = (_tensor(ctx, s) for s in ("input0", "input1", "input2"))
    if shape_t is None or f is None or x is None:
        return []
    data = _values(ctx, shape_t) if shape_t.dtype == "INT32" else None
    if data is None or len(shape_t.shape) != 1:
        return []
    if shape_t.shape[0] != 4 or data.size < 4:
        return [f"output_shape has {shape_t.shape[0]} values"]
    if len(f.shape) != 4 or len(x.shape) != 4:
        return []
    if f.shape[0] != data[3]:
        return [f"filter has {f.shape[0]} output channels, output_shape {int(data[3])}"]
    if f.shape[3] != x.shape[3]:
        return [f"filter has {f.shape[3]} input channels, input {x.shape[3]}"]
    return []


@register(
    PREDICATES,
    "xnn_tconv_padding",
    "D008",
    "padding must be VALID with the kernel no larger than the output, or SAME with the input "
    "size TFLite derives from output size and stride and the kernel at least the stride",
)
def _xnn_tconv_padding(ctx: OpContext) -> list[str]:
    """TRANSPOSE_CONV L6973-6981: sizes from output_shape (input 0), filter (input 1) and
    input (input 2); the MediaPipe custom op (L5438-5458) from its tensors and custom options.
    """
    if ctx.op.opcode == "CUSTOM":
        p = _mediapipe_struct(ctx, _DECONV_FIELDS)
        x, f, y = (_tensor(ctx, s) for s in ("input0", "input1", "output0"))
        if x is None or f is None or y is None or len(y.shape) != 4:
            return []
        out_h, out_w = y.shape[1], y.shape[2]
        padding, s_w, s_h = p["padding"], p["stride_w"], p["stride_h"]
    else:
        shape_t, f, x = (_tensor(ctx, s) for s in ("input0", "input1", "input2"))
        data = _values(ctx, shape_t) if shape_t is not None else None
        if data is None or data.size < 4 or f is None or x is None:
            return []
        out_h, out_w = int(data[1]), int(data[2])
        padding, s_w, s_h = _param(ctx, "padding"), _param(ctx, "stride_w"), _param(ctx, "stride_h")
    if len(f.shape) != 4 or len(x.shape) != 4:
        return []
    err = _tconv_padding_error(
        padding, x.shape[1], x.shape[2], f.shape[1], f.shape[2], s_h or 0, s_w or 0, out_h, out_w
    )
    return [err] if err else []


# -- MediaPipe custom ops -------------------------------------------------------------------
@register(
    PREDICATES,
    "xnn_mediapipe_params",
    "D008",
    "the op's parameters (custom options) must have positive strides, {kind} rules, padding "
    "SAME or VALID and no TANH/SIGN/SIGMOID activation",
    kind=(str, True),
)
def _xnn_mediapipe_params(ctx: OpContext, kind: str) -> list[str]:
    """CheckMediaPipeTransposedConvolutionParams (L2004-2019) for ``deconv``;
    CheckMediaPipePoolParams (L2021-2098) + CalculatePadding for ``pool``."""
    if kind == "deconv":
        p = _mediapipe_struct(ctx, _DECONV_FIELDS)
        if p["stride_w"] <= 0 or p["stride_h"] <= 0:
            return [f"stride {p['stride_w']}x{p['stride_h']}"]
        return []
    p = _mediapipe_struct(ctx, _POOL_FIELDS)
    sw, sh, fw, fh = p["stride_w"], p["stride_h"], p["filter_width"], p["filter_height"]
    if min(sw, sh, fw, fh) <= 0 or fw != sw or fh != sh:
        return [f"filter {fw}x{fh}, stride {sw}x{sh}"]
    if p["activation"] not in ("NONE", "RELU", "RELU_N1_TO_1", "RELU6"):
        return [f"activation is {p['activation']}"]
    if p["padding"] not in ("SAME", "VALID"):
        return [f"padding is {p['padding']}"]
    return []


# -- attention -----------------------------------------------------------------------------------
@register(
    PREDICATES,
    "xnn_sdpa_shapes",
    "D006",
    "query, key and value must have the same last dimension, and the mask's last dimension "
    "must equal dimension 1 of key and value",
)
def _xnn_sdpa_shapes(ctx: OpContext) -> list[str]:
    """VisitDotAttentionNode L6432-6444."""
    q, k, v = (_tensor(ctx, s) for s in ("input0", "input1", "input2"))
    if q is None or k is None or v is None or not (q.shape and k.shape and v.shape):
        return []
    if not q.shape[-1] == k.shape[-1] == v.shape[-1]:
        return [f"last dimensions {q.shape[-1]}, {k.shape[-1]}, {v.shape[-1]}"]
    mask = _tensor(ctx, "input3") if len(ctx.op.inputs) > 3 else None
    if mask is not None and mask.shape and len(k.shape) > 1 and len(v.shape) > 1:
        if not k.shape[1] == v.shape[1] == mask.shape[-1]:
            return [f"mask last dimension {mask.shape[-1]}, key/value dimension 1 {k.shape[1]}"]
    return []


# -- resource variables --------------------------------------------------------------------------
@register(
    PREDICATES,
    "xnn_var_handle_used",
    "D010",
    "a READ_VARIABLE or ASSIGN_VARIABLE of this variable, later in the same subgraph, must "
    "also be taken by XNNPACK",
)
def _xnn_var_handle_used(ctx: OpContext) -> list[str]:
    """VAR_HANDLE is always rejected while visiting (L7128-7134) and added after the loop for
    every resource that got a proxy value (L7432-7439). The selector fills the state."""
    if ctx.op.index in ctx.state.get("var_handles_taken", ()):
        return []
    return ["no taken READ_VARIABLE/ASSIGN_VARIABLE uses its resource"]


# -- the selector ------------------------------------------------------------------------------
@dataclass
class _Resource:
    """ResourceInfo (L483-531) of one resource tensor in the subgraph being prepared."""

    var_handle: int = -1
    global_id: tuple[str, str] | None = None
    proxy: Tensor | None = None


def _static_dequantize(ctx: OpContext) -> bool:
    """L7298-7320: a DEQUANTIZE that unpacks constant FP16/INT8 weights to FP32."""
    op = ctx.op
    if op.opcode != "DEQUANTIZE" or len(op.inputs) != 1 or len(op.outputs) != 1:
        return False
    x, y = ctx.sg.tensors[op.inputs[0]], ctx.sg.tensors[op.outputs[0]]
    int8_ok = x.dtype == "INT8" and _qkind(x) != "none"  # quantization.params != nullptr
    return (
        not x.has_sparsity
        and (x.is_constant or x.index in ctx.quasi_static)
        and (x.dtype == "FLOAT16" or int8_ok)
        and y.dtype == "FLOAT32"
    )


def _static_densify(ctx: OpContext) -> bool:
    """L7374-7388: a DENSIFY of a constant sparse FP16/INT8/FP32 tensor."""
    op = ctx.op
    if op.opcode != "DENSIFY" or len(op.inputs) != 1 or len(op.outputs) != 1:
        return False
    x, y = ctx.sg.tensors[op.inputs[0]], ctx.sg.tensors[op.outputs[0]]
    return (
        x.is_constant
        and x.has_sparsity
        and x.dtype in ("FLOAT16", "INT8", "FLOAT32")
        and y.dtype == x.dtype
    )


def _fp16_skipped(sg: Subgraph, op_index: int, consumers: dict[int, list[int]]) -> bool:
    """L7322-7350: an FP16 DEQUANTIZE whose every consumer takes its output as a weight or bias
    (not input 0) of FULLY_CONNECTED/CONV_2D/DEPTHWISE_CONV_2D is "skipped"; the filter/bias type
    check then sees FLOAT16."""
    out = sg.operators[op_index].outputs[0]
    for c in consumers.get(out, ()):
        cop = sg.operators[c]
        if cop.opcode not in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
            return False
        if cop.inputs and cop.inputs[0] == out:
            return False
    return True


_SRC_SELECT = "L7274-7430"


def _fail(requirement: str, detail: str = "", source: str = _SRC_SELECT) -> Failure:
    return Failure("D010", requirement, detail, source)


def select(model: Model, sg: Subgraph, profile: Profile) -> dict[int, list[Failure]]:
    """Delegate::PrepareOpsToDelegate (L7205-7705) for one subgraph: op index -> failures."""
    if not model.subgraphs[0].operators:
        # Interpreter::ApplyLazyDelegateProviders (interpreter.cc L334) skips the default
        # delegate when the primary subgraph is "fully delegated", i.e. has no op.
        reason = _fail(
            "XNNPACK is applied only when the primary subgraph has ops",
            "subgraph 0 is empty",
            "tflite/core/interpreter.cc L334",
        )
        return {op.index: [reason] for op in sg.operators}

    consumers: dict[int, list[int]] = defaultdict(list)  # L7235-7247
    for op in sg.operators:
        for t in op.inputs:
            consumers[t].append(op.index)

    quasi_static: set[int] = set()  # outputs of static-unpack ops
    producer: dict[int, int] = {}  # quasi-static tensor -> its static-unpack op
    static_unpack: set[int] = set()  # static-unpack ops still to be delegated
    fp16_skipped: set[int] = set()
    resources: dict[int, _Resource] = defaultdict(_Resource)
    state: dict[str, Any] = {"fp16_skipped": fp16_skipped}
    failures: dict[int, list[Failure]] = {}
    var_handles: list[int] = []

    for op in sg.operators:  # L7274-7430, the execution plan is the file order
        ctx = OpContext(model, sg, op, quasi_static, state)
        if op.opcode == "CUSTOM" and op.custom_code == "moe":
            failures[op.index] = [
                Failure(
                    "D001",
                    "the MoE custom op is replaced by XNNPACK's own MoE kernel, one op per "
                    "partition, which this inspector does not model",
                    "",
                    "L7288-7296",
                )
            ]
            continue
        if _static_dequantize(ctx) or _static_densify(ctx):  # L7298-7401
            out = op.outputs[0]
            if op.opcode == "DEQUANTIZE" and sg.tensors[op.inputs[0]].dtype == "FLOAT16":
                if _fp16_skipped(sg, op.index, consumers):
                    fp16_skipped.add(out)
            static_unpack.add(op.index)
            producer[out] = op.index
            quasi_static.add(out)
            continue
        if op.opcode == "VAR_HANDLE":  # VisitVarHandleNode L7115-7137: recorded, rejected
            r = resources[op.outputs[0]] if op.outputs else _Resource()
            gid = (
                str(op.options.get("container") or ""),
                str(op.options.get("shared_name") or ""),
            )
            if r.global_id is None or r.global_id == gid:  # ResourceInfo::SetVarHandle
                r.global_id, r.var_handle = gid, op.index
            var_handles.append(op.index)
            continue
        found = check_op(ctx, profile)
        if not found and op.opcode in ("READ_VARIABLE", "ASSIGN_VARIABLE"):
            found = _add_proxy_value(sg, op.opcode, op.inputs, op.outputs, resources)
        if found:
            # L7409-7417: a rejected op keeps the static-unpack ops feeding it on the CPU.
            for t in op.inputs:
                if t in producer:
                    static_unpack.discard(producer[t])
        failures[op.index] = found

    # L7432-7439: VAR_HANDLEs of resources that got a proxy value.
    state["var_handles_taken"] = {r.var_handle for r in resources.values() if r.proxy is not None}
    for i in var_handles:
        failures[i] = check_op(OpContext(model, sg, sg.operators[i], quasi_static, state), profile)

    # L7674-7681: the static-unpack ops still in the set.
    for i in producer.values():
        failures[i] = (
            []
            if i in static_unpack
            else [
                _fail(
                    "an op that unpacks constant weights is taken only if every op consuming "
                    "its output is taken",
                    "a consumer stays on the CPU",
                    "L7409-7417",
                )
            ]
        )
    return failures


def _add_proxy_value(
    sg: Subgraph,
    opcode: str,
    inputs: Sequence[int],
    outputs: Sequence[int],
    resources: dict[int, _Resource],
) -> list[Failure]:
    """ResourceInfo::AddProxyValue (L505-523) from READ_VARIABLE (L5721-5727) and
    ASSIGN_VARIABLE (L3483-3489): the resource must come from a VAR_HANDLE visited earlier in
    this subgraph, and every value read or assigned must have the same type and shape."""
    value_slots = outputs if opcode == "READ_VARIABLE" else inputs[1:]
    if not inputs or inputs[0] < 0 or not value_slots or value_slots[0] < 0:
        return [_fail("the op must name a resource and a value")]
    value_index = value_slots[0]
    value = sg.tensors[value_index]
    r = resources[inputs[0]]
    if r.var_handle < 0:
        source = "L5721-5727" if opcode == "READ_VARIABLE" else "L3483-3489"
        return [
            _fail(
                "the resource must come from a VAR_HANDLE earlier in the same subgraph",
                f"tensor {inputs[0]} has none",
                source,
            )
        ]
    if r.proxy is None:
        r.proxy = value
    elif r.proxy.dtype != value.dtype or tuple(r.proxy.shape) != tuple(value.shape):
        return [
            _fail(
                "every value read from or assigned to a variable must have the same type and shape",
                f"{value.dtype}{list(value.shape)} vs {r.proxy.dtype}{list(r.proxy.shape)}",
                "L505-523",
            )
        ]
    return []


SELECTORS = {"xnnpack": select}
