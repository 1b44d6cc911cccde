"""Predicates the ``tflm`` profile (rules/tflm.toml) needs beyond the generic ones.

TFLM's reference kernels accept fixed combinations of tensor types (input, filter, output),
reject some types outright (strings cannot even be materialised as temporary tensors), need
certain optional LSTM inputs to be absent, and pin some output quantization parameters
(int8 softmax). Each predicate states the requirement as data in the profile.
"""

from __future__ import annotations

from typing import Any

from inspector.engine import Failure, check_op
from inspector.model import Model, Subgraph
from inspector.predicates import OpContext, Predicate, register
from inspector.profiles import Profile

PREDICATES: dict[str, Predicate] = {}


def _dtypes(ctx: OpContext, tensors: list[str]) -> list[str]:
    out = []
    for sel in tensors:
        found = ctx.tensors(sel)
        out.append(found[0][1].dtype if found else "NONE")
    return out


@register(
    PREDICATES,
    "dtype_combo",
    "D003",
    "types of {tensors} must be one of {combos}",
    tensors=(list, True),
    combos=(list, True),
)
def _dtype_combo(ctx: OpContext, tensors: list[str], combos: list[list[str]]) -> list[str]:
    """The types of ``tensors`` (in order; NONE for a missing one) must be one of ``combos``."""
    got = _dtypes(ctx, tensors)
    if any(list(c) == got for c in combos):
        return []
    names = " / ".join(s.replace("input", "input ").replace("output", "output ") for s in tensors)
    return [f"{names} are {' / '.join(got)}"]


@register(
    PREDICATES,
    "dtype_not",
    "D003",
    "{tensors} must not be of type {forbidden}",
    tensors=((str, list), True),
    forbidden=(list, True),
)
def _dtype_not(ctx: OpContext, tensors: Any, forbidden: list[str]) -> list[str]:
    return [f"{n} is {t.dtype}" for n, t in ctx.tensors(tensors) if t.dtype in forbidden]


@register(
    PREDICATES,
    "absent",
    "D010",
    "{tensors} must be absent (optional inputs left out)",
    tensors=(list, True),
)
def _absent(ctx: OpContext, tensors: list[str]) -> list[str]:
    return [f"{s.replace('input', 'input ')} is given" for s in tensors if ctx.tensors(s)]


@register(
    PREDICATES,
    "variable",
    "D010",
    "{tensors} must be variable tensors",
    tensors=(list, True),
)
def _variable(ctx: OpContext, tensors: list[str]) -> list[str]:
    return [f"{n} is not a variable" for n, t in ctx.tensors(tensors) if not t.is_variable]


@register(
    PREDICATES,
    "output_quantization",
    "D004",
    "{tensors} must be quantized with scale {scale} and zero point {zero_point}",
    tensors=((str, list), True),
    scale=(float, True),
    zero_point=(int, True),
    tolerance=(float, False),
)
def _output_quantization(
    ctx: OpContext, tensors: Any, scale: float, zero_point: int, tolerance: float = 0.0
) -> list[str]:
    out = []
    for n, t in ctx.tensors(tensors):
        if not t.is_quantized:
            out.append(f"{n} is not quantized")
            continue
        s, z = float(t.scale[0]), int(t.zero_point[0]) if t.zero_point.size else 0
        if abs(s - scale) > tolerance * scale or z != zero_point:
            out.append(f"{n} has scale {s:.6g} and zero point {z}")
    return out


@register(
    PREDICATES,
    "squeeze_dims",
    "D006",
    "each squeezed dimension must exist and have size 1 (input rank at most 8)",
)
def _squeeze_dims(ctx: OpContext) -> list[str]:
    found = ctx.tensors("input0")
    if not found:
        return []
    shape = found[0][1].shape
    if len(shape) > 8:
        return [f"input 0 has rank {len(shape)}"]
    out = []
    for d in ctx.op.options.get("squeeze_dims") or []:
        i = d + len(shape) if d < 0 else d
        if not 0 <= i < len(shape):
            out.append(f"dimension {d} does not exist in shape {list(shape)}")
        elif shape[i] != 1:
            out.append(f"dimension {d} of shape {list(shape)} is {shape[i]}")
    return out


@register(
    PREDICATES,
    "svdf_shapes",
    "D006",
    "input and output must be 2-D, and output must be [batch, num_filters / rank]",
)
def _svdf_shapes(ctx: OpContext) -> list[str]:
    inp, feat, out_t = ctx.tensors("input0"), ctx.tensors("input1"), ctx.tensors("output0")
    if not (inp and feat and out_t):
        return []
    x, w, y = inp[0][1].shape, feat[0][1].shape, out_t[0][1].shape
    rank = int(ctx.op.options.get("rank") or 1)
    if len(x) != 2 or len(y) != 2 or not w:
        return [f"input 0 has shape {list(x)}, output 0 has shape {list(y)}"]
    if rank <= 0 or w[0] % rank:
        return [f"{w[0]} filters are not a multiple of rank {rank}"]
    if y[0] != x[0] or y[1] != w[0] // rank:
        return [f"output 0 has shape {list(y)}, expected [{x[0]}, {w[0] // rank}]"]
    return []


def tflm_selector(model: Model, sg: Subgraph, profile: Profile) -> dict[int, list[Failure]]:
    """Every op checked against the profile; compiled-for-an-accelerator ops are unresolved
    custom ops here ("Failed to get registration from op code CUSTOM"), not D013."""
    from inspector.targets.cpu import precompiled_as_unresolved

    out: dict[int, list[Failure]] = {}
    for op in sg.operators:
        failures = check_op(OpContext(model, sg, op), profile)
        precompiled_as_unresolved(op, failures, profile.title)
        out[op.index] = failures
    return out


SELECTORS = {"tflm": tflm_selector}
