"""The ``inspect --format json`` document. Its schema is documented in docs/json.md and
checked by ``inspector/schemas/inspect.schema.json``; keys are only ever added."""

from __future__ import annotations

from typing import Any

from inspector.analyses.quantization import QuantizationSummary
from inspector.analyses.stats import ModelStats
from inspector.dtypes import packed_bytes
from inspector.model import Model, Quantization, Tensor

SCHEMA_VERSION = 1


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values] if values is not None else []


def quantization_json(q: Quantization | None) -> dict[str, Any]:
    if q is None:
        return {"scale": [], "zero_point": [], "quantized_dimension": 0}
    out: dict[str, Any] = {
        "scale": _floats(q.scale),
        "zero_point": [int(v) for v in q.zero_point],
        "quantized_dimension": q.quantized_dimension,
    }
    if q.min is not None and len(q.min):
        out["min"] = _floats(q.min)
    if q.max is not None and len(q.max):
        out["max"] = _floats(q.max)
    if q.details:
        out["details"] = dict(q.details)
    return out


def tensor_bytes(t: Tensor) -> int | None:
    """Bytes of constant data, or of the activation buffer when the shape is static."""
    if t.is_constant:
        return t.constant_bytes
    if t.is_dynamic:
        return None
    return packed_bytes(t.dtype, t.num_elements)


def tensor_json(t: Tensor) -> dict[str, Any]:
    return {
        "index": t.index,
        "name": t.name,
        "dtype": t.dtype,
        "shape": list(t.shape),
        "shape_signature": list(t.shape_signature) if t.shape_signature is not None else None,
        "is_constant": t.is_constant,
        "is_variable": t.is_variable,
        "buffer": t.buffer,
        "bytes": tensor_bytes(t),
        "sparse": t.has_sparsity,
        "quantization": quantization_json(t.quantization),
    }


def model_json(model: Model, stats: ModelStats, quant: QuantizationSummary) -> dict[str, Any]:
    return {
        "format_version": SCHEMA_VERSION,
        "path": model.path,
        "file_size": model.file_size,
        "schema_version": model.schema_version,
        "description": model.description,
        "quantization": {
            "scheme": quant.scheme,
            "io": {"inputs": list(quant.inputs), "outputs": list(quant.outputs)},
            "float_ops": [list(x) for x in quant.float_ops],
            "hybrid_ops": [list(x) for x in quant.hybrid_ops],
        },
        "stats": {
            "subgraphs": stats.n_subgraphs,
            "operators": stats.n_operators,
            "tensors": stats.n_tensors,
            "parameters": stats.parameters,
            "constant_bytes": stats.constant_bytes_total,
            "constant_bytes_by_dtype": stats.constant_bytes,
            "op_histogram": stats.op_histogram,
            "dtype_histogram": stats.dtype_histogram,
        },
        "subgraphs": [
            {
                "index": sg.index,
                "name": sg.name,
                "inputs": list(sg.inputs),
                "outputs": list(sg.outputs),
                "tensors": [tensor_json(t) for t in sg.tensors],
                "operators": [
                    {
                        "index": op.index,
                        "opcode": op.opcode,
                        "custom_code": op.custom_code,
                        "version": op.version,
                        "inputs": list(op.inputs),
                        "outputs": list(op.outputs),
                        "options_type": op.options_type,
                        "options": op.options,
                        "called_subgraphs": list(op.called_subgraphs),
                    }
                    for op in sg.operators
                ],
            }
            for sg in model.subgraphs
        ],
        "signatures": [
            {
                "key": s.key,
                "subgraph": s.subgraph_index,
                "inputs": [{"name": n, "tensor": i} for n, i in s.inputs],
                "outputs": [{"name": n, "tensor": i} for n, i in s.outputs],
            }
            for s in model.signatures
        ],
        "metadata": [
            {"name": m.name, "buffer": m.buffer, "size": m.size, "value": m.value}
            for m in model.metadata
        ],
        "warnings": [
            {
                "code": w.code,
                "message": w.message,
                "subgraph": w.subgraph,
                "op": w.op,
                "tensor": w.tensor,
            }
            for w in model.warnings
        ],
    }
