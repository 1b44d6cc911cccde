"""LiteRT GPU delegate (OpenCL/OpenGL, TfLiteGpuDelegateV2): predicates and node selection.

Encodes google-ai-edge/LiteRT at 19a1585ff7c66779793d339fa7f85fc5a58f4db0. Two files say what
the delegate takes, and they disagree; the delegate's own code decides:

* ``tflite/delegates/gpu/common/model_builder.cc`` (the delegate): ``NewOperationParser``
  (L3080-3287) names the ops that have a parser, each parser's ``IsSupported`` caps the op
  version (``CheckMaxSupportedOpVersion``) and mostly calls ``CheckGpuDelegateCompatibility``;
  a few parsers (comparisons, CAST from bool, RELU*, PRELU, UNPACK) skip it. Then
  ``GetOpsToReplace`` (L3290-3352) filters every node's tensors: no rank 5+, and every tensor
  the runtime computes must be FLOAT32/FLOAT16 (INT8/UINT8 too, the quantized ops being
  enabled by default), with a few per-op extras (BOOL, INT32).
* ``tflite/tools/versioning/gpu_compatibility.cc``: ``CheckGpuDelegateCompatibility``, the
  per-op operand/option checks, called by the parsers with ``GpuCompatibilityFlags::kStandard``
  (so ADD/MUL broadcasting is the narrow kind). It also lists ops that have no parser
  (BITCAST, CEIL, ROUND, TOPK_V2, ...): those are not delegated whatever it says.

The per-op rules are data in ``rules/gpu.toml``; this module holds the predicates they need
and relies on the engine's shared selector ``fp16-helper``: ``FP16GraphPartitionHelper``
(``tflite/delegates/utils.cc``
L201-320). A DEQUANTIZE of a constant FLOAT16 tensor is not taken itself; its consumers are
checked as if they read the FLOAT16 constant directly (so it counts as a constant), and only
when every other op of the subgraph is taken are these DEQUANTIZE ops delegated too (full
delegation, no partition limit). Otherwise they stay on the CPU and the partition limit of
the default options (``max_delegated_partitions = 1``) keeps the largest partition only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from inspector.model import Tensor
from inspector.predicates import OpContext, Predicate, register
from inspector.predicates import builtin_param as _param

PREDICATES: dict[str, Predicate] = {}
_SEL = (str, list)

# Tensors the interpreter allocates as kTfLiteDynamic (interpreter_builder / subgraph.cc
# SetTensorParametersReadWrite) rather than kTfLiteArenaRw: the type filter skips them.
_DYNAMIC_TYPES = {"STRING", "RESOURCE", "VARIANT"}


def _runtime(ctx: OpContext, t: Tensor) -> bool:
    """OpSignatureTensorSpec.is_const is ``allocation_type == kTfLiteMmapRo``."""
    return not ctx.is_constant(t)


def _consumers(ctx: OpContext, tensor: int) -> list[int]:
    """GetTensorInfo (model_builder.cc L270-298): one entry per input slot reading the tensor."""
    cache = ctx.state.setdefault("consumers", {})
    key = id(ctx.sg)
    if key not in cache:
        found: dict[int, list[int]] = defaultdict(list)
        for op in ctx.sg.operators:
            for t in op.inputs:
                if t >= 0:
                    found[t].append(op.index)
        cache[key] = found
    return cache[key].get(tensor, [])


def _producers(ctx: OpContext, tensor: int) -> list[int]:
    return [op.index for op in ctx.sg.operators if tensor in op.outputs]


# -- tensor filters (GetOpsToReplace) ------------------------------------------------------
@register(
    PREDICATES,
    "gpu_runtime_dtype",
    "D003",
    "{tensors}, when computed at run time, must be of type {allowed}",
    tensors=(_SEL, True),
    allowed=(list, True),
)
def _gpu_runtime_dtype(ctx: OpContext, tensors: Any, allowed: list[str]) -> list[str]:
    """IsAllAllowedTensors (model_builder.cc L3055-3077): only kTfLiteArenaRw tensors are
    type-checked, i.e. not constants, variables (kTfLiteArenaRwPersistent) nor STRING/RESOURCE/
    VARIANT tensors (kTfLiteDynamic)."""
    return [
        f"{n} is {t.dtype}"
        for n, t in ctx.tensors(tensors)
        if _runtime(ctx, t)
        and not t.is_variable
        and t.dtype not in _DYNAMIC_TYPES
        and t.dtype not in allowed
    ]


@register(
    PREDICATES,
    "gpu_quant_per_tensor",
    "D004",
    "{tensors}, when INT8/UINT8 and computed at run time, must be quantized per tensor",
    tensors=(_SEL, True),
)
def _gpu_quant_per_tensor(ctx: OpContext, tensors: Any) -> list[str]:
    """ObjectReader::ReadNonConstantTensor -> PopulateQuantParams (model_builder_helper.cc
    L163-176): the float copy of an 8-bit activation needs one scale and zero point."""
    out = []
    for n, t in ctx.tensors(tensors):
        if not _runtime(ctx, t) or t.dtype not in ("INT8", "UINT8"):
            continue
        if not t.is_quantized:
            out.append(f"{n} has no quantization parameters")
        elif t.quantization is not None and t.quantization.per_channel:
            out.append(f"{n} is quantized per channel ({t.scale.size} scales)")
    return out


# -- operand counts (gpu_compatibility.cc helpers) -----------------------------------------
def _counts(ctx: OpContext) -> tuple[int, int]:
    """GetNumberOfRuntimeInputs (L103-111) and the const count of CheckInputsConstsOutputs
    (L139-156); optional (-1) inputs are neither."""
    pairs = ctx.tensors("inputs")
    runtime = sum(1 for _, t in pairs if _runtime(ctx, t))
    return runtime, len(pairs) - runtime


@register(
    PREDICATES,
    "gpu_operands",
    "D010",
    "the op must have (run-time, constant) inputs {combos} (-1: any number)",
    combos=(list, True),
)
def _gpu_operands(ctx: OpContext, combos: list[list[int]]) -> list[str]:
    runtime, const = _counts(ctx)
    for r, c in combos:
        if r == runtime and c in (-1, const):
            return []
    return [f"it has {runtime} run-time and {const} constant inputs"]


@register(
    PREDICATES,
    "gpu_runtime_inputs",
    "D010",
    "the number of inputs computed at run time must be between {min} and {max}",
    min=(int, False),
    max=(int, False),
)
def _gpu_runtime_inputs(ctx: OpContext, min: int = 0, max: int = 2**31) -> list[str]:
    runtime, _ = _counts(ctx)
    return [] if min <= runtime <= max else [f"it has {runtime} run-time inputs"]


@register(
    PREDICATES,
    "gpu_not_constant",
    "D010",
    "{tensors} must be computed at run time, not constant",
    tensors=(_SEL, True),
)
def _gpu_not_constant(ctx: OpContext, tensors: Any) -> list[str]:
    return [f"{n} is constant" for n, t in ctx.tensors(tensors) if not _runtime(ctx, t)]


@register(
    PREDICATES,
    "gpu_custom_options",
    "D010",
    "the custom op must carry its parameters (custom options)",
)
def _gpu_custom_options(ctx: OpContext) -> list[str]:
    """RetrieveCustomInitialData (gpu_compatibility.cc L73-81) fails on an empty buffer."""
    return [] if ctx.op.custom_options_size > 0 else ["it has no custom options"]


# -- options ----------------------------------------------------------------------------------
@register(
    PREDICATES,
    "gpu_dtype_pairs",
    "D003",
    "the types of input 0 and output 0 must be one of {combos}",
    combos=(list, True),
)
def _gpu_dtype_pairs(ctx: OpContext, combos: list[list[str]]) -> list[str]:
    a, b = ctx.tensors("input0"), ctx.tensors("output0")
    got = [a[0][1].dtype if a else "NONE", b[0][1].dtype if b else "NONE"]
    return [] if got in [list(c) for c in combos] else [f"{got[0]} -> {got[1]}"]


@register(
    PREDICATES,
    "gpu_broadcast",
    "D006",
    "inputs 0 and 1 of different ranks (both above 1) broadcast only as [1,h,w,c] with "
    "[h,w,c], [1,1] or [b,c] (b and c matching)",
)
def _gpu_broadcast(ctx: OpContext) -> list[str]:
    """CheckAddMulBroadcastCompatibility (gpu_compatibility.cc L484-527) with the runtime's
    kStandard flags, not the offline kEnhancedBroadcast."""
    a, b = ctx.tensors("input0"), ctx.tensors("input1")
    if not a or not b:
        return []
    d0, d1 = list(a[0][1].shape), list(b[0][1].shape)
    if len(d0) <= 1 or len(d1) <= 1 or len(d0) == len(d1):
        return []
    longer, shorter = (d0, d1) if len(d0) >= len(d1) else (d1, d0)
    ok = False
    if len(longer) == 4 and len(shorter) == 3 and longer[0] == 1:
        ok = True
    elif len(longer) == 4 and len(shorter) == 2 and longer[0] == 1 and shorter == [1, 1]:
        ok = True
    elif (
        len(longer) == 4
        and len(shorter) == 2
        and longer[0] == shorter[0]
        and longer[3] == shorter[1]
    ):
        ok = True
    return [] if ok else [f"input 0 is {d0}, input 1 is {d1}"]


@register(
    PREDICATES,
    "gpu_depthwise_channels",
    "D006",
    "output channels must equal filter dimension 3 and input channels x depth_multiplier, "
    "the batch must be kept, and the bias must have one value per output channel",
)
def _gpu_depthwise_channels(ctx: OpContext) -> list[str]:
    """CheckDepthwiseConvGpuDelegateCompatibility (gpu_compatibility.cc L276-304), after the
    rank-4 checks; an absent bias (-1) still counts as one element (L279, L301)."""
    x, w, y = ctx.slot("input", 0), ctx.slot("input", 1), ctx.slot("output", 0)
    if x is None or w is None or y is None or not len(x.shape) == len(w.shape) == len(y.shape) == 4:
        return []
    out = []
    mult = _param(ctx, "depth_multiplier") or 0
    if x.shape[0] != y.shape[0]:
        out.append(f"input batch {x.shape[0]} != output batch {y.shape[0]}")
    if w.shape[3] != y.shape[3]:
        out.append(f"filter dimension 3 is {w.shape[3]}, output channels {y.shape[3]}")
    if y.shape[3] != x.shape[3] * mult:
        out.append(
            f"output channels {y.shape[3]} != input channels {x.shape[3]} x depth_multiplier {mult}"
        )
    if len(ctx.op.inputs) > 2:
        bias = ctx.slot("input", 2)
        n = bias.num_elements if bias is not None else 1
        if n != y.shape[3]:
            out.append(f"bias has {n} elements" + ("" if bias is not None else " (absent)"))
    return out


@register(
    PREDICATES,
    "gpu_same_rank",
    "D006",
    "{tensors} must have the same rank",
    tensors=(list, True),
)
def _gpu_same_rank(ctx: OpContext, tensors: list[str]) -> list[str]:
    pairs = ctx.tensors(tensors)
    ranks = {len(t.shape) for _, t in pairs}
    if len(ranks) <= 1:
        return []
    return [", ".join(f"{n} has rank {len(t.shape)}" for n, t in pairs)]


@register(
    PREDICATES,
    "gpu_same_dim",
    "D006",
    "{tensors} must have the same dimension {axis}",
    tensors=(list, True),
    axis=(int, True),
)
def _gpu_same_dim(ctx: OpContext, tensors: list[str], axis: int) -> list[str]:
    pairs = [(n, t) for n, t in ctx.tensors(tensors) if -len(t.shape) <= axis < len(t.shape)]
    dims = {t.shape[axis] for _, t in pairs}
    if len(dims) <= 1:
        return []
    return [", ".join(f"{n} has {t.shape[axis]}" for n, t in pairs)]


@register(
    PREDICATES,
    "gpu_one_hot_axis",
    "D008",
    "option axis must be -1 or equal the size of the last dimension of input 0",
)
def _gpu_one_hot_axis(ctx: OpContext) -> list[str]:
    """CheckOneHotGpuDelegateCompatibility (gpu_compatibility.cc L338-343): the axis is
    compared with the last dimension's size, as written."""
    axis = _param(ctx, "axis")
    idx = ctx.slot("input", 0)
    if axis is None or idx is None or axis == -1:
        return []
    if not idx.shape or axis != idx.shape[-1]:
        return [f"axis is {axis}, input 0 is {list(idx.shape)}"]
    return []


@register(
    PREDICATES,
    "gpu_one_hot_singletons",
    "D006",
    "input 0 may be larger than 1 only in its last dimension (and its first, if of rank 4)",
)
def _gpu_one_hot_singletons(ctx: OpContext) -> list[str]:
    """CheckOneHotGpuDelegateCompatibility (gpu_compatibility.cc L344-353)."""
    idx = ctx.slot("input", 0)
    if idx is None:
        return []
    dims = list(idx.shape)
    for i in range(len(dims) - 1):
        if len(dims) > 3 and i == 0:
            continue
        if dims[i] != 1:
            return [f"input 0 is {dims}"]
    return []


@register(
    PREDICATES,
    "gpu_select_condition",
    "D006",
    "input 0 (the condition) must broadcast to the output's trailing dimensions",
)
def _gpu_select_condition(ctx: OpContext) -> list[str]:
    """CheckSelectV2GpuDelegateCompatibility (gpu_compatibility.cc L384-397)."""
    cond, out = ctx.slot("input", 0), ctx.slot("output", 0)
    if cond is None or out is None or not cond.shape:
        return []
    c, o = list(cond.shape), list(out.shape)
    offset = len(o) - len(c)
    if offset < 0 or any(c[i] != o[offset + i] and c[i] != 1 for i in range(len(c))):
        return [f"condition is {c}, output is {o}"]
    return []


@register(
    PREDICATES,
    "gpu_select_branch",
    "D006",
    "{tensors} must have the output's shape or hold one value, and must be constant if of rank 2",
    tensors=(str, True),
)
def _gpu_select_branch(ctx: OpContext, tensors: str) -> list[str]:
    """CheckSelectV2GpuDelegateCompatibility (gpu_compatibility.cc L398-417)."""
    pairs, out = ctx.tensors(tensors), ctx.slot("output", 0)
    if not pairs or out is None:
        return []
    n, t = pairs[0]
    dims, o = list(t.shape), list(out.shape)
    if dims and dims != o and (len(dims) > 1 or dims[0] > 1):
        return [f"{n} is {dims}, output is {o}"]
    if _runtime(ctx, t) and len(dims) == 2:
        return [f"{n} is a rank-2 tensor computed at run time"]
    return []


# -- graph context ----------------------------------------------------------------------------
@register(
    PREDICATES,
    "gpu_consumers",
    "D010",
    "{tensors} must be read by exactly {count} op(s)",
    tensors=(str, True),
    count=(int, True),
)
def _gpu_consumers(ctx: OpContext, tensors: str, count: int) -> list[str]:
    out = []
    for n, t in ctx.tensors(tensors):
        k = len(_consumers(ctx, t.index))
        if k != count:
            out.append(f"{n} is read by {k} ops" + (" (a subgraph output)" if not k else ""))
    return out


@register(
    PREDICATES,
    "gpu_producers",
    "D010",
    "{tensors} must be produced by exactly {count} op(s) of the subgraph",
    tensors=(str, True),
    count=(int, True),
)
def _gpu_producers(ctx: OpContext, tensors: str, count: int) -> list[str]:
    out = []
    for n, t in ctx.tensors(tensors):
        k = len(_producers(ctx, t.index))
        if k != count:
            out.append(f"{n} is produced by {k} ops")
    return out


@register(
    PREDICATES,
    "gpu_consumer_is",
    "D010",
    "the op reading {tensors} must be one of {ops} with output 0 of type {dtypes}",
    tensors=(str, True),
    ops=(list, True),
    dtypes=(list, True),
)
def _gpu_consumer_is(ctx: OpContext, tensors: str, ops: list[str], dtypes: list[str]) -> list[str]:
    """ElementwiseOperationParser::IsSupported for comparisons (model_builder.cc L1073-1093);
    silent unless there is exactly one reader (``gpu_consumers`` reports that)."""
    out = []
    for n, t in ctx.tensors(tensors):
        readers = _consumers(ctx, t.index)
        if len(readers) != 1:
            continue
        nxt = ctx.sg.operators[readers[0]]
        y = ctx.sg.tensors[nxt.outputs[0]] if nxt.outputs and nxt.outputs[0] >= 0 else None
        if nxt.opcode not in ops or y is None or y.dtype not in dtypes:
            out.append(f"{n} is read by {nxt.name} with output {y.dtype if y else 'NONE'}")
    return out


# Node selection is the engine's FP16GraphPartitionHelper (selector "fp16-helper"),
# which GetOpsToReplace (model_builder.cc L3290-3352) goes through.
