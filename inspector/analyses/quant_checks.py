"""Quantization gaps, checked against TFLite's 8-bit quantization spec.

Source: tensorflow/tensorflow@v2.16.1:tensorflow/lite/g3doc/performance/quantization_spec.md
(per-op input/output restrictions, fixed output parameters, symmetric int8 weights, int32 bias
with scale input_scale * weight_scale and zero point 0, symmetric int16 activations for 16x8).
Each check is a pure function of the model returning findings; target-independent.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from inspector.analyses.quantization import (
    QuantizationSummary,
    float_islands,
    op_domain,
    summarize,
)
from inspector.findings import Finding
from inspector.model import Model, Operator, Subgraph, Tensor

SPEC = "tensorflow/tensorflow@v2.16.1:tensorflow/lite/g3doc/performance/quantization_spec.md"
QUANT_TYPES = ("INT8", "UINT8", "INT16")

_BINARY = frozenset({"ADD", "SUB", "MUL", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM", "PRELU"})
_UNARY_ARITH = frozenset(
    {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "TRANSPOSE_CONV",
        "BATCH_MATMUL",
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
        "SOFTMAX",
        "LOGISTIC",
        "TANH",
        "MEAN",
        "SUM",
        "RESIZE_BILINEAR",
        "HARD_SWISH",
        "LEAKY_RELU",
        "RELU",
        "RELU6",
        "L2_NORMALIZATION",
        "LOG_SOFTMAX",
        "REDUCE_MAX",
        "REDUCE_MIN",
    }
)
_WEIGHT_SLOT = {"CONV_2D": 1, "DEPTHWISE_CONV_2D": 1, "FULLY_CONNECTED": 1, "TRANSPOSE_CONV": 1}
_BIAS_SLOT = {"CONV_2D": 2, "DEPTHWISE_CONV_2D": 2, "FULLY_CONNECTED": 2, "TRANSPOSE_CONV": 3}
_INPUT_SLOT = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 0, "FULLY_CONNECTED": 0, "TRANSPOSE_CONV": 2}
# (scale, zero point) the spec fixes for outputs, by op and output type.
FIXED_OUTPUT = {
    "SOFTMAX": {"INT8": (1 / 256, -128), "UINT8": (1 / 256, 0), "INT16": (1 / 32768, 0)},
    "LOGISTIC": {"INT8": (1 / 256, -128), "UINT8": (1 / 256, 0), "INT16": (1 / 32768, 0)},
    "TANH": {"INT8": (1 / 128, 0), "UINT8": (1 / 128, 128), "INT16": (1 / 32768, 0)},
    "LOG_SOFTMAX": {"INT8": (16 / 256, 127), "UINT8": (16 / 256, 255)},
    "L2_NORMALIZATION": {"INT8": (1 / 128, 0), "UINT8": (1 / 128, 128)},
}
# Ops whose data inputs and outputs must share (scale, zero point): the spec's
# "restriction: input and outputs must all have same scale/zero_point".
SHARED_PARAMS = {
    "AVERAGE_POOL_2D": (0,),
    "MAX_POOL_2D": (0,),
    "CONCATENATION": None,
    "PAD": (0,),
    "PADV2": (0,),
    "RESHAPE": (0,),
    "SQUEEZE": (0,),
    "TRANSPOSE": (0,),
    "GATHER": (0,),
    "SPACE_TO_DEPTH": (0,),
    "DEPTH_TO_SPACE": (0,),
    "SPACE_TO_BATCH_ND": (0,),
    "BATCH_TO_SPACE_ND": (0,),
    "STRIDED_SLICE": (0,),
    "SLICE": (0,),
    "SPLIT": (1,),
    "SPLIT_V": (0,),
    "MAXIMUM": (0, 1),
    "MINIMUM": (0, 1),
    "RESIZE_BILINEAR": (0,),
    "RESIZE_NEAREST_NEIGHBOR": (0,),
    "PACK": None,
    "UNPACK": (0,),
    "TILE": (0,),
}


def _finding(
    model: Model,
    code: str,
    severity: str,
    message: str,
    sg: int | None = None,
    op: Operator | None = None,
    tensor: int | None = None,
) -> Finding:
    return Finding(
        path=model.path,
        subgraph=sg,
        op=op.index if op is not None else None,
        code=code,
        target=None,
        severity=severity,
        message=message,
        tensor=tensor,
        opcode=op.name if op is not None else None,
        source=SPEC,
    )


def _tensor(sg: Subgraph, op: Operator, slot: int, outputs: bool = False) -> Tensor | None:
    idx = op.outputs if outputs else op.inputs
    return sg.tensors[idx[slot]] if slot < len(idx) and idx[slot] >= 0 else None


def _quant_io(sg: Subgraph, op: Operator) -> Iterator[tuple[str, Tensor]]:
    """The data tensors of an arithmetic op that must carry quantization when 8/16-bit."""
    slots: tuple[int, ...]
    if op.opcode in _BINARY:
        slots = (0, 1)
    elif op.opcode == "CONCATENATION":
        slots = tuple(range(len(op.inputs)))
    elif op.opcode in _UNARY_ARITH:
        slots = (_INPUT_SLOT.get(op.opcode, 0),)
    else:
        return
    for s in slots:
        t = _tensor(sg, op, s)
        if t is not None and not t.is_constant:
            yield f"input {s}", t
    t = _tensor(sg, op, 0, outputs=True)
    if t is not None:
        yield "output 0", t


def check_missing_params(model: Model) -> Iterator[Finding]:
    for sg in model.subgraphs:
        for op in sg.operators:
            for label, t in _quant_io(sg, op):
                if t.dtype in QUANT_TYPES and not t.is_quantized:
                    yield _finding(
                        model,
                        "Q003",
                        "error",
                        f"{op.name} {label} {t.name!r} is {t.dtype} without scale/zero point",
                        sg.index,
                        op,
                        t.index,
                    )


def check_weights(model: Model) -> Iterator[Finding]:
    for sg in model.subgraphs:
        for op in sg.operators:
            slot = _WEIGHT_SLOT.get(op.opcode)
            w = _tensor(sg, op, slot) if slot is not None else None
            if w is None or not w.is_constant or w.dtype != "INT8" or not w.is_quantized:
                continue
            if np.any(w.zero_point != 0):
                yield _finding(
                    model,
                    "Q004",
                    "warning",
                    f"{op.name} weights {w.name!r} have zero point "
                    f"{int(w.zero_point[np.flatnonzero(w.zero_point)[0]])} (int8 weights must be "
                    "symmetric)",
                    sg.index,
                    op,
                    w.index,
                )
            channels = (
                w.shape[3]
                if op.opcode == "DEPTHWISE_CONV_2D" and len(w.shape) == 4
                else (w.shape[0] if w.shape else 1)
            )
            if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D") and w.scale.size == 1 and channels > 1:
                yield _finding(
                    model,
                    "Q005",
                    "info",
                    f"{op.name} weights {w.name!r} use one scale for {channels} output channels",
                    sg.index,
                    op,
                    w.index,
                )


def check_bias(model: Model) -> Iterator[Finding]:
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.opcode not in _BIAS_SLOT:
                continue
            x = _tensor(sg, op, _INPUT_SLOT[op.opcode])
            w = _tensor(sg, op, _WEIGHT_SLOT[op.opcode])
            b = _tensor(sg, op, _BIAS_SLOT[op.opcode])
            if x is None or w is None or b is None:
                continue
            if not (x.is_quantized and w.is_quantized and b.is_quantized):
                continue
            if b.dtype not in ("INT32", "INT64") or w.dtype not in ("INT8", "UINT8", "INT4"):
                continue
            expected = float(x.scale[0]) * w.scale.astype(np.float64)
            actual = b.scale.astype(np.float64)
            if actual.size not in (1, expected.size) and expected.size not in (1, actual.size):
                continue
            expected, actual = np.broadcast_arrays(expected, actual)
            bad = ~np.isclose(actual, expected, rtol=1e-3, atol=0.0)
            if np.any(bad):
                c = int(np.flatnonzero(bad)[0])
                yield _finding(
                    model,
                    "Q006",
                    "warning",
                    f"{op.name} bias {b.name!r} scale {actual[c]:.6g} (channel {c}) is not input "
                    f"scale x weight scale = {expected[c]:.6g}",
                    sg.index,
                    op,
                    b.index,
                )
            if np.any(b.zero_point != 0):
                yield _finding(
                    model,
                    "Q006",
                    "warning",
                    f"{op.name} bias {b.name!r} has a non-zero zero point",
                    sg.index,
                    op,
                    b.index,
                )


def check_fixed_outputs(model: Model) -> Iterator[Finding]:
    for sg in model.subgraphs:
        for op in sg.operators:
            table = FIXED_OUTPUT.get(op.opcode)
            out = _tensor(sg, op, 0, outputs=True)
            if table is None or out is None or not out.is_quantized or out.dtype not in table:
                continue
            scale, zp = table[out.dtype]
            got_scale, got_zp = (
                float(out.scale[0]),
                int(out.zero_point[0]) if out.zero_point.size else 0,
            )
            if not math.isclose(got_scale, scale, rel_tol=1e-5) or got_zp != zp:
                yield _finding(
                    model,
                    "Q007",
                    "warning",
                    f"{op.name} {out.dtype} output {out.name!r} has scale {got_scale:.6g} and zero "
                    f"point {got_zp}; the spec fixes {scale:.6g} and {zp}",
                    sg.index,
                    op,
                    out.index,
                )


def check_shared_params(model: Model) -> Iterator[Finding]:
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.opcode not in SHARED_PARAMS:
                continue
            shared = SHARED_PARAMS[op.opcode]
            slots = tuple(range(len(op.inputs))) if shared is None else shared
            tensors = [t for s in slots if (t := _tensor(sg, op, s)) is not None]
            tensors += [sg.tensors[i] for i in op.outputs if i >= 0]
            tensors = [t for t in tensors if t.is_quantized and t.dtype in QUANT_TYPES]
            if len(tensors) < 2:
                continue
            ref = tensors[-1] if op.outputs else tensors[0]  # compare with the (first) output
            ref = sg.tensors[op.outputs[0]] if op.outputs and op.outputs[0] >= 0 else ref
            if not ref.is_quantized:
                continue
            for t in tensors:
                if t is ref:
                    continue
                if (t.scale.size, t.zero_point.size) != (1, 1) or (
                    ref.scale.size,
                    ref.zero_point.size,
                ) != (1, 1):
                    continue
                if not math.isclose(float(t.scale[0]), float(ref.scale[0]), rel_tol=1e-6) or int(
                    t.zero_point[0]
                ) != int(ref.zero_point[0]):
                    yield _finding(
                        model,
                        "Q008",
                        "warning",
                        f"{op.name} {t.name!r} (scale {float(t.scale[0]):.6g}, zero point "
                        f"{int(t.zero_point[0])}) differs from output {ref.name!r} (scale "
                        f"{float(ref.scale[0]):.6g}, zero point {int(ref.zero_point[0])})",
                        sg.index,
                        op,
                        t.index,
                    )
                    break


def check_scales(model: Model) -> Iterator[Finding]:
    for sg in model.subgraphs:
        for t in sg.tensors:
            if not t.is_quantized:
                continue
            s = t.scale.astype(np.float64)
            bad = ~np.isfinite(s) | (s <= 0)
            if np.any(bad):
                v = s[np.flatnonzero(bad)[0]]
                yield _finding(
                    model,
                    "Q009",
                    "error",
                    f"tensor {t.name!r} has quantization scale {v}",
                    sg.index,
                    tensor=t.index,
                )
                continue
            tiny = s < np.finfo(np.float32).tiny
            if np.any(tiny):
                yield _finding(
                    model,
                    "Q009",
                    "warning",
                    f"tensor {t.name!r} has a subnormal scale {s[tiny][0]:.3g}",
                    sg.index,
                    tensor=t.index,
                )
            elif (
                not t.is_constant
                and t.dtype in ("INT8", "UINT8")
                and (s.max() > 1e6 or s.min() < 1e-12)
            ):
                yield _finding(
                    model,
                    "Q009",
                    "warning",
                    f"activation {t.name!r} has an implausible scale {s.max():.3g} "
                    f"(range of about {s.max() * 255:.3g})",
                    sg.index,
                    tensor=t.index,
                )


def check_int16_zero_points(model: Model) -> Iterator[Finding]:
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.dtype == "INT16" and not t.is_constant and t.is_quantized and np.any(t.zero_point):
                yield _finding(
                    model,
                    "Q011",
                    "warning",
                    f"int16 activation {t.name!r} has zero point {int(t.zero_point[0])}",
                    sg.index,
                    tensor=t.index,
                )


def check_islands_and_hybrids(model: Model, summary: QuantizationSummary) -> Iterator[Finding]:
    for sg_index, op_index in summary.hybrid_ops:
        op = model.subgraphs[sg_index].operators[op_index]
        yield _finding(
            model,
            "Q002",
            "info",
            f"{op.name} computes in float with integer weights (dynamic-range)",
            sg_index,
            op,
        )
    float_ops = set(summary.float_ops)
    for sg in model.subgraphs:
        members = sorted(i for s, i in float_ops if s == sg.index)
        for island in float_islands(sg, members):
            first = sg.operators[island[0]]
            names = ", ".join(sorted({sg.operators[i].name for i in island}))
            yield _finding(
                model,
                "Q001",
                "warning",
                f"float island of {len(island)} op{'s' if len(island) > 1 else ''} ({names}) "
                "inside the quantized model",
                sg.index,
                first,
            )


CHECKS = (
    check_missing_params,
    check_weights,
    check_bias,
    check_fixed_outputs,
    check_shared_params,
    check_scales,
    check_int16_zero_points,
)


def quantization_findings(
    model: Model, summary: QuantizationSummary | None = None
) -> list[Finding]:
    """Every quantization-gap finding; ``summary`` is the model's, when the caller has it."""
    out = list(check_islands_and_hybrids(model, summary or summarize(model)))
    return out + [f for check in CHECKS for f in check(model)]


__all__ = ["quantization_findings", "op_domain"]
