"""Classify a model's quantization scheme, and each op's numeric domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from inspector.dtypes import FLOAT_TYPES
from inspector.model import Model, Operator, Subgraph, Tensor

Domain = Literal["float", "int8", "int16", "hybrid", "neutral"]
BOUNDARY_OPS = frozenset({"QUANTIZE", "DEQUANTIZE"})
QUANT_ACTIVATION_TYPES = frozenset({"INT8", "UINT8", "INT16"})
WEIGHT_TYPES = frozenset({"INT8", "UINT8", "INT4", "INT2", "UINT4"})


def _quantized(t: Tensor) -> bool:
    return t.dtype in QUANT_ACTIVATION_TYPES and t.is_quantized


def op_domain(sg: Subgraph, op: Operator) -> Domain:
    """The numeric domain an op computes in, judged from its non-constant tensors.

    ``hybrid`` is a float op reading integer constant weights directly (dynamic-range
    quantization). Ops that only move integers, shapes or strings are ``neutral``.
    QUANTIZE/DEQUANTIZE are boundaries, also ``neutral``.
    """
    if op.opcode in BOUNDARY_OPS:
        return "neutral"
    tensors = [sg.tensors[i] for i in (*op.inputs, *op.outputs) if i >= 0]
    activations = [t for t in tensors if not t.is_constant]
    if any(t.dtype in FLOAT_TYPES for t in activations):
        weights = [sg.tensors[i] for i in op.inputs if i >= 0 and sg.tensors[i].is_constant]
        if op.opcode != "CUSTOM" and any(
            w.dtype in WEIGHT_TYPES and w.is_quantized for w in weights
        ):
            return "hybrid"
        return "float"
    quantized = [t for t in activations if _quantized(t)]
    if any(t.dtype == "INT16" for t in quantized):
        return "int16"
    if quantized:
        return "int8"
    return "neutral"


@dataclass(frozen=True)
class QuantizationSummary:
    scheme: str  # float32 | float16 | dynamic-range | int8 | int16x8 | mixed
    inputs: tuple[str, ...]  # dtypes of the main subgraph's inputs
    outputs: tuple[str, ...]
    float_ops: tuple[tuple[int, int], ...]  # (subgraph, op) computing in float
    hybrid_ops: tuple[tuple[int, int], ...]
    float16_weights: bool
    dequantized_int_weights: bool  # int weights expanded to float by DEQUANTIZE


def summarize(model: Model) -> QuantizationSummary:
    domains: dict[str, list[tuple[int, int]]] = {
        "float": [],
        "int8": [],
        "int16": [],
        "hybrid": [],
        "neutral": [],
    }
    f16 = False
    deq_int = False
    for sg in model.subgraphs:
        for op in sg.operators:
            domains[op_domain(sg, op)].append((sg.index, op.index))
            if op.opcode == "DEQUANTIZE" and op.inputs and op.inputs[0] >= 0:
                src = sg.tensors[op.inputs[0]]
                if src.is_constant and src.dtype == "FLOAT16":
                    f16 = True
                elif src.is_constant and src.dtype in WEIGHT_TYPES:
                    deq_int = True
    has_float = bool(domains["float"])
    has_hybrid = bool(domains["hybrid"])
    has_int8 = bool(domains["int8"])
    has_int16 = bool(domains["int16"])
    integer = has_int8 or has_int16
    if integer and (has_float or has_hybrid):
        scheme = "mixed"
    elif has_int16:
        scheme = "int16x8" if not has_int8 else "mixed"
    elif has_int8:
        scheme = "int8"
    elif has_hybrid:
        scheme = "dynamic-range" if not (f16 or deq_int) else "mixed"
    elif f16 and not deq_int:
        scheme = "float16"
    elif deq_int:
        scheme = "mixed"
    else:
        scheme = "float32"
    main = model.main
    return QuantizationSummary(
        scheme=scheme,
        inputs=tuple(main.tensors[i].dtype for i in main.inputs),
        outputs=tuple(main.tensors[i].dtype for i in main.outputs),
        float_ops=tuple(domains["float"]) if integer else (),
        hybrid_ops=tuple(domains["hybrid"]),
        float16_weights=f16,
        dequantized_int_weights=deq_int,
    )


def float_islands(sg: Subgraph, members: list[int]) -> list[list[int]]:
    """Connected groups of the ops ``members`` (sorted indices of float ops of ``sg``), joined
    by the activations they pass each other; each group sorted, groups in order."""
    member = set(members)
    producer = {t: op.index for op in sg.operators if op.index in member for t in op.outputs}
    parent = {i: i for i in members}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in members:
        for t in sg.operators[i].inputs:
            j = producer.get(t)
            if j is not None:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in members:
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values())
