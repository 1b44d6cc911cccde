"""Hexagon delegate (LiteRT, Qualcomm DSPs through Hexagon NN): predicates for rules/hexagon.toml.

Encodes ``IsNodeSupportedByHexagon`` in ``tflite/delegates/hexagon/utils.cc`` at LiteRT commit
19a1585ff7c66779793d339fa7f85fc5a58f4db0 (``L<n>`` are line numbers there). Most of it is data
(types per input, constant operands, option ranges); this module adds:

* ``hexagon_param``: an option as read from ``node->builtin_data``, i.e. the zero-filled C
  struct when the op has no options table (dilation 0, padding and mirror-pad mode "unknown"),
  which the delegate then rejects;
* the two compound DEPTHWISE_CONV_2D rules and the FULLY_CONNECTED filter quantization rule.
"""

from __future__ import annotations

from inspector.predicates import OpContext, Predicate, builtin_param, register

PREDICATES: dict[str, Predicate] = {}


def _dilated(ctx: OpContext) -> bool:
    return (builtin_param(ctx, "dilation_h_factor") or 0) != 1 or (
        builtin_param(ctx, "dilation_w_factor") or 0
    ) != 1


@register(
    PREDICATES,
    "hexagon_dw_dilation",
    "D008",
    "with a dilation factor other than 1, both strides must be 1",
)
def _hexagon_dw_dilation(ctx: OpContext) -> list[str]:
    """DEPTHWISE_CONV_2D L320-330."""
    if not _dilated(ctx):
        return []
    sh, sw = builtin_param(ctx, "stride_h") or 0, builtin_param(ctx, "stride_w") or 0
    if sh != 1 or sw != 1:
        dh = builtin_param(ctx, "dilation_h_factor") or 0
        dw = builtin_param(ctx, "dilation_w_factor") or 0
        return [f"dilation {dh}x{dw} with stride {sh}x{sw}"]
    return []


@register(
    PREDICATES,
    "hexagon_dw_multiplier",
    "D008",
    "depth_multiplier must be 1, unless input 0 is 4-D with 1 channel and there is no dilation",
)
def _hexagon_dw_multiplier(ctx: OpContext) -> list[str]:
    """DEPTHWISE_CONV_2D L332-339."""
    mult = builtin_param(ctx, "depth_multiplier") or 0
    if mult == 1:
        return []
    pairs = ctx.tensors("input0")
    x = pairs[0][1] if pairs else None
    if not _dilated(ctx) and x is not None and len(x.shape) == 4 and x.shape[3] == 1:
        return []
    shape = list(x.shape) if x is not None else None
    return [
        f"depth_multiplier is {mult}, input 0 has shape {shape}"
        + (", dilated" if _dilated(ctx) else "")
    ]


@register(
    PREDICATES,
    "hexagon_fc_filter",
    "D004",
    "the filter (input 1) must not be quantized blockwise or per channel",
)
def _hexagon_fc_filter(ctx: OpContext) -> list[str]:
    """FULLY_CONNECTED L209-223: TfLiteQuantization.type as InterpreterBuilder sets it:
    blockwise when the details say so; affine (checked for more than one scale) when there are
    scales and no blockwise/multi-axis details."""
    pairs = ctx.tensors("input1")
    if not pairs:
        return []
    q = pairs[0][1].quantization
    if q is None:
        return []
    kind = (q.details or {}).get("type")
    if kind == "BlockwiseQuantization":
        return ["input 1 is quantized blockwise"]
    if kind != "MultiAxisQuantization" and q.scale.size > 1:
        return [f"input 1 is quantized per channel ({q.scale.size} scales)"]
    return []
