"""Core ML delegate (LiteRT): predicates and the FP16-aware node selection.

Encodes ``tflite/delegates/coreml/coreml_delegate.mm`` and its builders under
``tflite/delegates/coreml/builders/`` at LiteRT commit 19a1585ff7c66779793d339fa7f85fc5a58f4db0
(``L<n>`` are line numbers there). The per-op rules are data in ``rules/coreml.toml``; this
module holds what data cannot say:

* predicates for the few checks specific to Core ML (4-D broadcast rules of ADD/MUL, the
  concatenation axis, MEAN's reduction axes, PAD's batch/channel paddings, RESHAPE's new
  shape); options are checked with the generic ``builtin_option``, which sees the
  zero-filled C struct of an op
  without an options table (softmax beta 0.0, concatenation axis 0, MEAN keep_dims false,
  MIRROR_PAD mode "unknown"), as the delegate does;
* node selection through the engine's shared selector ``fp16-helper``: the delegate
  partitions with ``FP16GraphPartitionHelper``
  (``tflite/delegates/utils.cc`` L201-320). A DEQUANTIZE of a constant FLOAT16 tensor is
  rejected, and every later op reading its output is checked as if it read the FLOAT16
  constant itself (so FP16 weights count as constant). When every other op is taken, the
  whole graph, those DEQUANTIZE ops included, goes to Core ML ("full delegation").
"""

from __future__ import annotations

import numpy as np

from inspector.model import Tensor
from inspector.predicates import OpContext, Predicate, builtin_param, register

PREDICATES: dict[str, Predicate] = {}
_SEL = (str, list)


def _tensor(ctx: OpContext, selector: str) -> Tensor | None:
    pairs = ctx.tensors(selector)
    return pairs[0][1] if pairs else None


def _shape4(t: Tensor) -> list[int]:
    """Get4DShape (builders/util.cc L29-39): leading 1s up to rank 4."""
    return [1] * (4 - len(t.shape)) + list(t.shape)


@register(
    PREDICATES,
    "coreml_broadcast",
    "D006",
    "inputs 0 and 1 must broadcast the Core ML way (as [B, H, W, C]): batches equal unless "
    "one input is a constant scalar, H and W equal unless one input is 1x1 there, channels "
    "equal unless one input has 1",
)
def _coreml_broadcast(ctx: OpContext) -> list[str]:
    """IsBroadcastable (builders/util.cc L44-84); rank > 4 is a separate ``rank`` check."""
    a, b = _tensor(ctx, "input0"), _tensor(ctx, "input1")
    if a is None or b is None or len(a.shape) > 4 or len(b.shape) > 4:
        return []
    s0, s1 = _shape4(a), _shape4(b)
    text = f"shapes {list(a.shape)} and {list(b.shape)}"

    def const_scalar(t: Tensor) -> bool:
        return ctx.is_constant(t) and t.num_elements == 1

    if s0[0] != s1[0] and not (const_scalar(a) or const_scalar(b)):
        return [f"{text}: batch sizes differ and neither input is a constant scalar"]
    if (s0[1], s0[2]) != (s1[1], s1[2]) and (s0[1], s0[2]) != (1, 1) and (s1[1], s1[2]) != (1, 1):
        return [f"{text}: height/width differ and neither is 1x1"]
    if s0[3] != s1[3] and s0[3] != 1 and s1[3] != 1:
        return [f"{text}: channels differ and neither is 1"]
    return []


@register(
    PREDICATES,
    "coreml_concat_axis",
    "D008",
    "axis must be the channel (last) axis: 2 or -1 for 3-D inputs, 3 or -1 for 4-D inputs",
)
def _coreml_concat_axis(ctx: OpContext) -> list[str]:
    """IsConcatenationOpSupported (builders/concatenation_op_builder.cc L80-81); the rank of
    input 0 (3 or 4) is a separate ``rank`` check."""
    x = _tensor(ctx, "input0")
    if x is None or len(x.shape) not in (3, 4):
        return []
    axis = builtin_param(ctx, "axis") or 0
    if axis not in (len(x.shape) - 1, -1):
        return [f"axis is {axis} for {len(x.shape)}-D inputs"]
    return []


@register(
    PREDICATES,
    "coreml_single_batch",
    "D006",
    "every dimension of input 0 but the last must be 1 (Core ML 2 fully connected layers take "
    "one vector)",
)
def _coreml_single_batch(ctx: OpContext) -> list[str]:
    """builders/fully_connected_op_builder.cc L173-177: dims[rank-1] == NumElements(input)."""
    x = _tensor(ctx, "input0")
    if x is None or not x.shape:
        return []
    if x.shape[-1] != x.num_elements:
        return [f"input 0 has shape {list(x.shape)}"]
    return []


def _int_values(ctx: OpContext, t: Tensor) -> np.ndarray | None:
    data = ctx.model.tensor_data(ctx.sg.index, t.index)
    if data is None or t.dtype not in ("INT32", "INT64"):
        return None
    return np.asarray(data).reshape(-1)


def _cxx_mod(a: int, m: int) -> int:
    """C++ ``%``: the result has the sign of the dividend."""
    r = abs(a) % m
    return -r if a < 0 else r


@register(
    PREDICATES,
    "coreml_mean_axes",
    "D008",
    "the reduction axes (input 1) must all be height or width (1, 2, -3 or -2 of a 4-D input)",
)
def _coreml_mean_axes(ctx: OpContext) -> list[str]:
    """IsMeanOpSupported (builders/pooling_layer_builder.cc L156-164): axis_mask[(a + 4) % 4]
    with mask {false, true, true, false}. The axes are read without checking they are
    constant; axes computed at run time are not judged here."""
    axes = _tensor(ctx, "input1")
    if axes is None:
        return []
    data = _int_values(ctx, axes)
    if data is None:
        return []
    bad = [int(a) for a in data if _cxx_mod(int(a) + 4, 4) not in (1, 2)]
    return [f"axes include {bad[0]}"] if bad else []


@register(
    PREDICATES,
    "coreml_pad_values",
    "D010",
    "the batch (first row) and channel (last row) paddings must be 0",
)
def _coreml_pad_values(ctx: OpContext) -> list[str]:
    """IsPadOpSupported (builders/pad_op_builder.cc L116-129) reads the paddings as int32
    (GetTensorData<int32_t>): values 0-1 and 6-7. For INT64 paddings these are the two halves of
    the batch "before" value and of the height "after" value."""
    p = _tensor(ctx, "input1")
    if p is None or not p.is_constant:
        return []
    raw = np.frombuffer(bytes(ctx.model.buffer_bytes(p.buffer)), dtype="<i4")
    if raw.size < 8:
        return []
    out = []
    if raw[0] or raw[1]:
        out.append(f"int32 paddings 0-1 are {int(raw[0])}, {int(raw[1])} (batch)")
    if raw[6] or raw[7]:
        out.append(f"int32 paddings 6-7 are {int(raw[6])}, {int(raw[7])} (channel)")
    return out


@register(
    PREDICATES,
    "coreml_reshape_new_shape",
    "D010",
    "the new shape (option new_shape) must have 3 or 4 dimensions",
)
def _coreml_reshape_new_shape(ctx: OpContext) -> list[str]:
    """IsReshapeOpSupported (builders/reshape_op_builder.cc L130-134), one input: num_dimensions
    of TfLiteReshapeParams, 0 without an options table or a new_shape vector."""
    shape = ctx.op.options.get("new_shape") or []
    if len(shape) not in (3, 4):
        return [f"new_shape is {list(shape)}"]
    return []


# -- the selector ------------------------------------------------------------------------------
# Node selection is the engine's FP16GraphPartitionHelper (selector "fp16-helper").
