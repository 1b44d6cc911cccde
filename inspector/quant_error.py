"""Measured quantization error: run the float and the quantized model on the same data and
compare every quantized op output with its float counterpart.

Per layer: RMSE relative to the float activation's range over the data (0 = exact, 0.01 =
1% of the range), and cosine similarity of the flattened activations. Tensors are matched by
name (the converter keeps op output names across quantization modes); the quantized values
are dequantized with their own scale and zero point.

Needs a TFLite interpreter: ``ai_edge_litert`` (preferred) or TensorFlow's ``tf.lite``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from inspector.findings import Finding

REL_RMSE_WARN = 0.05
COSINE_WARN = 0.98
MAX_SAMPLES = 32


@dataclass(frozen=True)
class LayerError:
    tensor: str
    op: int  # index of the producing op in the quantized model
    opcode: str
    dtype: str
    rmse: float
    range: float
    rel_rmse: float
    cosine: float

    @property
    def flagged(self) -> bool:
        return self.rel_rmse > REL_RMSE_WARN or self.cosine < COSINE_WARN


def _interpreter(model: bytes) -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        return Interpreter(
            model_content=model,
            experimental_preserve_all_tensors=True,
            experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
    except ImportError:
        import tensorflow as tf

        return tf.lite.Interpreter(model_content=model, experimental_preserve_all_tensors=True)


def _run(interp: Any, sample: list[np.ndarray]) -> dict[str, np.ndarray]:
    inputs = interp.get_input_details()
    for d, x in zip(inputs, sample, strict=False):
        if d["dtype"] != np.float32 and x.dtype == np.float32:  # integer I/O: quantize
            scale, zp = d["quantization"]
            info = np.iinfo(d["dtype"])
            x = np.clip(np.round(x / scale + zp), info.min, info.max)
        interp.set_tensor(d["index"], np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]))
    interp.invoke()
    out = {}
    for d in interp.get_tensor_details():
        try:
            out[d["name"]] = interp.get_tensor(d["index"])
        except ValueError:
            continue
    return out


def measure(
    float_model: bytes, quant_model: bytes, samples: list[list[np.ndarray]]
) -> list[LayerError]:
    """Per-layer error, worst first. ``samples``: one list of input arrays per sample."""
    from inspector.parse import parse_bytes

    qm = parse_bytes(quant_model, "<quantized>")
    main = qm.main
    producers = {t: op for op in main.operators for t in op.outputs}
    targets = {
        t.name: (producers[t.index], t)
        for t in main.tensors
        if t.index in producers
        and t.is_quantized
        and t.dtype in ("INT8", "UINT8", "INT16")
        and not t.is_constant
    }
    f_interp = _interpreter(float_model)
    q_interp = _interpreter(quant_model)
    f_interp.allocate_tensors()
    q_interp.allocate_tensors()
    sums: dict[str, list[float]] = {}
    vectors: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    for sample in samples[:MAX_SAMPLES]:
        fv = _run(f_interp, sample)
        qv = _run(q_interp, sample)
        for name, (_, t) in targets.items():
            if name not in fv or name not in qv:
                continue
            ref = np.asarray(fv[name], dtype=np.float64).ravel()
            raw = np.asarray(qv[name], dtype=np.float64).ravel()
            if ref.size != raw.size:
                continue
            deq = (raw - float(t.zero_point[0])) * float(t.scale[0])
            acc = sums.setdefault(name, [0.0, 0.0, np.inf, -np.inf])
            acc[0] += float(np.sum((deq - ref) ** 2))
            acc[1] += ref.size
            acc[2] = min(acc[2], float(ref.min()))
            acc[3] = max(acc[3], float(ref.max()))
            vectors.setdefault(name, ([], []))[0].append(ref)
            vectors[name][1].append(deq)
    out = []
    for name, (sq, n, lo, hi) in sums.items():
        op, t = targets[name]
        rmse = float(np.sqrt(sq / n)) if n else 0.0
        rng = hi - lo
        ref = np.concatenate(vectors[name][0])
        deq = np.concatenate(vectors[name][1])
        denom = float(np.linalg.norm(ref) * np.linalg.norm(deq))
        cosine = float(np.dot(ref, deq) / denom) if denom else (1.0 if rmse == 0 else 0.0)
        out.append(
            LayerError(
                name,
                op.index,
                op.name,
                t.dtype,
                rmse,
                rng,
                rmse / rng if rng > 0 else (0.0 if rmse == 0 else float("inf")),
                cosine,
            )
        )
    return sorted(out, key=lambda e: (-e.rel_rmse, e.op))


def error_findings(path: str, layers: list[LayerError], worst: int = 5) -> list[Finding]:
    flagged = [e for e in layers if e.flagged][:worst]
    return [
        Finding(
            path,
            0,
            e.op,
            "Q012",
            None,
            "warning",
            f"{e.opcode} output {e.tensor!r} is off by {100 * e.rel_rmse:.1f}% of its range "
            f"(RMSE {e.rmse:.4g}, cosine {e.cosine:.4f}) against the float model",
            opcode=e.opcode,
        )
        for e in flagged
    ]
