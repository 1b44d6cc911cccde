"""Counts a reader wants first: op and dtype histograms, parameters, constant bytes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from inspector.model import Model


@dataclass(frozen=True)
class ModelStats:
    n_subgraphs: int
    n_operators: int
    n_tensors: int
    op_histogram: dict[str, int]  # op display name -> count, most frequent first
    dtype_histogram: dict[str, int]  # tensor dtype -> count
    parameters: int  # elements of constant tensors
    constant_bytes: dict[str, int]  # dtype -> bytes of constant data
    constant_bytes_total: int


def _sorted(c: Counter[str]) -> dict[str, int]:
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def model_stats(model: Model) -> ModelStats:
    ops: Counter[str] = Counter()
    types: Counter[str] = Counter()
    const: Counter[str] = Counter()
    params = 0
    seen_buffers: set[int] = set()
    n_ops = n_tensors = 0
    for sg in model.subgraphs:
        n_ops += len(sg.operators)
        n_tensors += len(sg.tensors)
        ops.update(op.name for op in sg.operators)
        for t in sg.tensors:
            types[t.dtype] += 1
            if t.is_constant and t.buffer not in seen_buffers:  # shared buffers count once
                seen_buffers.add(t.buffer)
                const[t.dtype] += t.constant_bytes
                params += t.num_elements
    return ModelStats(
        n_subgraphs=len(model.subgraphs),
        n_operators=n_ops,
        n_tensors=n_tensors,
        op_histogram=_sorted(ops),
        dtype_histogram=_sorted(types),
        parameters=params,
        constant_bytes=_sorted(const),
        constant_bytes_total=sum(const.values()),
    )
