"""Predicates and the node selection of the ``edgetpu`` profile (rules/edgetpu.toml).

The Edge TPU compiler is closed source; the profile encodes Coral's documented requirements
("TensorFlow models on the Edge TPU", Edge TPU Compiler 16.0) and what Coral's published
original/compiled model twins show. The predicates here state the documented limitations the
generic ones cannot: the 3-D tensor model (only the 3 innermost dimensions may exceed 1),
"not on the batch dimension", zero-padding concatenations, unit strides, equal dilations, and
the resize sizes the compiler maps.

The selector builds ONE Edge TPU subgraph, as the compiler does by default. Walking the ops in
execution order, an op is mapped when it passes its constraints and none of its inputs comes
from an op the compiler leaves on the CPU *after* the Edge TPU subgraph (an op that depends,
directly or through other CPU ops, on a mapped op). Rejected ops that depend on no mapped op
(e.g. a CAST or float QUANTIZE of the model input) run on the CPU *before* the custom op, so
ops that consume them can still be mapped; supported ops on branches that do not pass through
a post-TPU CPU op stay mapped even when they come later in execution order. The docs word it
as "the unsupported op and everything after it runs on the CPU"; the twins (movenet's input
CAST/QUANTIZE and its heatmap branches after the first ARG_MAX) show this graph form. Ops on
resource variables and control flow keep their order (a READ_VARIABLE after an ASSIGN_VARIABLE
that follows a mapped op is itself after the Edge TPU subgraph), and a subgraph that already
holds an ``edgetpu-custom-op`` gets no second Edge TPU subgraph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inspector.engine import Failure, check_op
from inspector.model import Model, Operator, Subgraph, Tensor
from inspector.predicates import OpContext, Predicate, register
from inspector.profiles import Profile

PREDICATES: dict[str, Predicate] = {}
_SEL = (str, list)

EDGETPU_CUSTOM_OP = "edgetpu-custom-op"
# Where the selector's own failure comes from: the docs' partitioning note, as the twins show it.
SINGLE_SUBGRAPH_SOURCE = "models-intro#compiling (graph form: compiled twins)"


def _values(ctx: OpContext, t: Tensor) -> np.ndarray | None:
    """The constant data of a tensor, flattened (None if computed at run time)."""
    data = ctx.model.tensor_data(ctx.sg.index, t.index)
    return None if data is None else np.asarray(data).reshape(-1)


def _first(ctx: OpContext, selector: str) -> Tensor | None:
    pairs = ctx.tensors(selector)
    return pairs[0][1] if pairs else None


def _batch_axes(rank: int) -> set[int]:
    """The batch dimension the docs mean: axis 0 of a 4-D (NHWC) tensor. Tensors of rank 3 or
    less are [y][x][z] to the Edge TPU and have none."""
    return {0} if rank == 4 else set()


# -- shapes --------------------------------------------------------------------------------
@register(
    PREDICATES,
    "tpu_rank",
    "D006",
    "{tensors} may have more than {max} dimensions only if every dimension but the {max} "
    "innermost is 1",
    tensors=(_SEL, True),
    max=(int, False),
)
def _tpu_rank(ctx: OpContext, tensors: Any, max: int = 3) -> list[str]:
    out = []
    for n, t in ctx.tensors(tensors):
        outer = t.shape[:-max] if len(t.shape) > max else ()
        if any(d != 1 for d in outer):
            out.append(f"{n} has shape {list(t.shape)}")
    return out


@register(
    PREDICATES,
    "same_options",
    "D008",
    "options {names} must be equal",
    names=(list, True),
)
def _same_options(ctx: OpContext, names: list[str]) -> list[str]:
    values = [ctx.op.options.get(n, 1) for n in names]  # dilation factors default to 1
    if len(set(values)) <= 1:
        return []
    return [", ".join(f"{n} is {v}" for n, v in zip(names, values, strict=True))]


@register(
    PREDICATES,
    "not_batch_axis",
    "D008",
    "{what} must not include the batch dimension (axis 0 of a 4-D {tensors})",
    tensors=(str, True),
    what=(str, True),
    option=(str, False),
    axes=(str, False),
)
def _not_batch_axis(
    ctx: OpContext, tensors: str, what: str, option: str | None = None, axes: str | None = None
) -> list[str]:
    """The axes an op works on, read from an option (PACK) or a constant input (MEAN, SPLIT),
    must miss the batch dimension of ``tensors``. Computed axes are a D005 elsewhere."""
    t = _first(ctx, tensors)
    if t is None:
        return []
    rank = len(t.shape)
    if option is not None:
        if option not in ctx.op.options:
            return []
        values = [int(ctx.op.options[option])]
    else:
        a = _first(ctx, axes or "input1")
        data = None if a is None else _values(ctx, a)
        if data is None:
            return []
        values = [int(v) for v in data]
    hit = sorted({v % rank for v in values} & _batch_axes(rank)) if rank else []
    return [f"{what} is {values} on a tensor of shape {list(t.shape)}"] if hit else []


@register(
    PREDICATES,
    "reduce_depth_multiple",
    "D006",
    "when the reduction includes the innermost (z) dimension, its size must be a multiple "
    "of {multiple}",
    multiple=(int, True),
)
def _reduce_depth_multiple(ctx: OpContext, multiple: int) -> list[str]:
    x, a = _first(ctx, "input0"), _first(ctx, "input1")
    data = None if a is None else _values(ctx, a)
    if x is None or data is None or not x.shape:
        return []
    rank = len(x.shape)
    if (rank - 1) in {int(v) % rank for v in data} and x.shape[-1] % multiple:
        return [f"the z dimension of shape {list(x.shape)} is reduced"]
    return []


@register(
    PREDICATES,
    "pad_not_batch",
    "D008",
    "paddings must not pad the batch dimension (axis 0 of a 4-D input)",
)
def _pad_not_batch(ctx: OpContext) -> list[str]:
    x, p = _first(ctx, "input0"), _first(ctx, "input1")
    data = None if p is None else _values(ctx, p)
    if x is None or data is None or len(x.shape) != 4 or data.size < 2:
        return []
    before, after = int(data[0]), int(data[1])
    return [f"batch padding is [{before}, {after}]"] if before or after else []


# -- values --------------------------------------------------------------------------------
@register(
    PREDICATES,
    "all_values",
    "D010",
    "{tensors} must be constant with every element equal to {equals}",
    tensors=(_SEL, True),
    equals=((int, float), True),
)
def _all_values(ctx: OpContext, tensors: Any, equals: float) -> list[str]:
    out = []
    for n, t in ctx.tensors(tensors):
        data = _values(ctx, t)
        if data is None:
            out.append(f"{n} is computed at run time")
        elif data.size and not np.all(data == equals):
            out.append(f"{n} is {data.tolist()[:8]}")
    return out


@register(
    PREDICATES,
    "zero_padding_concat",
    "D010",
    "if an input is constant, there must be exactly 2 inputs and the constant must be all "
    "zeros (a zero-padding)",
)
def _zero_padding_concat(ctx: OpContext) -> list[str]:
    inputs = ctx.tensors("inputs")
    consts = [(n, t) for n, t in inputs if ctx.is_constant(t)]
    if not consts:
        return []
    out = []
    if len(inputs) != 2:
        out.append(f"{len(inputs)} inputs, {len(consts)} of them constant")
    for n, t in consts:
        data = _values(ctx, t)
        if data is None:
            continue
        zp = int(t.zero_point[0]) if t.zero_point.size else 0
        if np.any(data.astype(np.int64) != zp):
            out.append(f"constant {n} is not all zeros")
    return out


# -- resize --------------------------------------------------------------------------------
@register(
    PREDICATES,
    "resize_factor",
    "D006",
    "each spatial output size must be at most {max} times the input size",
    max=((int, float), True),
)
def _resize_factor(ctx: OpContext, max: float) -> list[str]:
    x, y = _first(ctx, "input0"), _first(ctx, "output0")
    if x is None or y is None or len(x.shape) != 4 or len(y.shape) != 4:
        return []
    out = []
    for axis, label in ((1, "height"), (2, "width")):
        i, o = x.shape[axis], y.shape[axis]
        if i > 0 and o / i > max:
            out.append(f"{label} {i} -> {o} ({o / i:g}x)")
    return out


# -- node selection ------------------------------------------------------------------------
_SIDE_EFFECT_OPS = frozenset({"IF", "WHILE", "CALL_ONCE"})


def _side_effect(sg: Subgraph, op: Operator) -> bool:
    """Ops that must keep their order (resource variables, control flow), as TFLite keeps it
    (inspector/analyses/partition.py): the compiler cannot move one across another."""
    if op.opcode in _SIDE_EFFECT_OPS:
        return True
    return any(t >= 0 and sg.tensors[t].dtype == "RESOURCE" for t in (*op.inputs, *op.outputs))


def _single_subgraph(sg: Subgraph, failures: dict[int, list[Failure]]) -> None:
    """Leave on the CPU every supported op that depends on a post-TPU CPU op (see module doc)."""
    precompiled = next((op for op in sg.operators if op.custom_code == EDGETPU_CUSTOM_OP), None)
    producer = {t: op.index for op in sg.operators for t in op.outputs if t >= 0}
    mapped: set[int] = set()
    after: set[int] = set()  # CPU ops that depend on a mapped op
    last_side_effect: int | None = None
    for op in sg.operators:
        deps = {producer[t] for t in op.inputs if t >= 0 and t in producer}
        if _side_effect(sg, op):
            if last_side_effect is not None:
                deps.add(last_side_effect)
            last_side_effect = op.index
        if failures[op.index]:
            if deps & (mapped | after):
                after.add(op.index)
            continue
        if precompiled is not None:
            failures[op.index] = [
                Failure(
                    "D010",
                    "the subgraph already holds its Edge TPU subgraph (edgetpu-custom-op); "
                    "the compiler makes one per model",
                    f"op {precompiled.index} is {EDGETPU_CUSTOM_OP}",
                    SINGLE_SUBGRAPH_SOURCE,
                )
            ]
            continue
        blockers = sorted(deps & after)
        if blockers:
            b = sg.operators[blockers[0]]
            failures[op.index] = [
                Failure(
                    "D010",
                    "an input comes from an op that runs on the CPU after the Edge TPU "
                    "subgraph; the compiler makes one Edge TPU subgraph, so ops downstream "
                    "of a rejected op stay on the CPU",
                    f"op {b.index} ({b.name}) runs on the CPU",
                    SINGLE_SUBGRAPH_SOURCE,
                )
            ]
            after.add(op.index)
        else:
            mapped.add(op.index)


def edgetpu_selector(model: Model, sg: Subgraph, profile: Profile) -> dict[int, list[Failure]]:
    failures = {
        op.index: check_op(OpContext(model, sg, op, options=profile.options), profile)
        for op in sg.operators
    }
    _single_subgraph(sg, failures)
    return failures


SELECTORS = {"edgetpu": edgetpu_selector}
