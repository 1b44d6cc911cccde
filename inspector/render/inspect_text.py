"""Human-readable ``inspect`` output: a summary, and optional op and tensor tables."""

from __future__ import annotations

from typing import Any

from inspector.analyses.quantization import QuantizationSummary
from inspector.analyses.stats import ModelStats
from inspector.model import Model, Tensor
from inspector.render.inspect_json import tensor_bytes

SCHEME_TEXT = {
    "float32": "float32 (not quantized)",
    "float16": "float16 weights (dequantized to float32 at load)",
    "dynamic-range": "dynamic-range (int8 weights, float activations)",
    "int8": "full-integer int8",
    "int16x8": "full-integer int16 activations x int8 weights",
    "mixed": "mixed (integer and float compute in one model)",
}


def _num(n: int) -> str:
    return f"{n:,}"


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def shape_text(t: Tensor) -> str:
    dims = t.shape_signature if t.shape_signature is not None else t.shape
    return "[" + ",".join("?" if d < 0 else str(d) for d in dims) + "]"


def quant_text(t: Tensor, limit: int = 3) -> str:
    q = t.quantization
    if q is None or not q.is_quantized:
        if q is not None and q.details:
            return q.details.get("type", "")
        return ""
    if q.scale.size == 1:
        return (
            f"scale={float(q.scale[0]):.6g} zp={int(q.zero_point[0]) if q.zero_point.size else 0}"
        )
    return f"per-channel({q.scale.size}) axis={q.quantized_dimension}"


def tensor_line(t: Tensor) -> str:
    q = quant_text(t)
    return f"{t.name or '#' + str(t.index)}  {t.dtype}{shape_text(t)}" + (f"  {q}" if q else "")


def _histogram(h: dict[str, int], limit: int = 12) -> str:
    items = [f"{k} x{v}" for k, v in list(h.items())[:limit]]
    if len(h) > limit:
        items.append(f"... {len(h) - limit} more")
    return ", ".join(items)


def _value(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={val}" for k, val in v.items() if val not in (None, [], ""))
    return "" if v is None else str(v)


def summary_text(model: Model, stats: ModelStats, quant: QuantizationSummary) -> str:
    main = model.main
    rows: list[tuple[str, str]] = [
        ("size", f"{_num(model.file_size)} bytes, schema v{model.schema_version}"),
    ]
    if model.description:
        rows.append(("description", model.description))
    io = f"{'/'.join(sorted(set(quant.inputs)))} in, {'/'.join(sorted(set(quant.outputs)))} out"
    rows.append(("quantization", f"{SCHEME_TEXT.get(quant.scheme, quant.scheme)}; {io}"))
    rows.append(
        (
            "size of graph",
            f"{stats.n_subgraphs} subgraph(s), {_num(stats.n_operators)} ops, "
            f"{_num(stats.n_tensors)} tensors, {_num(stats.parameters)} parameters",
        )
    )
    rows.append(
        (
            "constant data",
            f"{_bytes(stats.constant_bytes_total)}"
            + (
                " (" + ", ".join(f"{k} {_bytes(v)}" for k, v in stats.constant_bytes.items()) + ")"
                if stats.constant_bytes
                else ""
            ),
        )
    )
    rows.append(("ops", _histogram(stats.op_histogram)))
    rows.append(("dtypes", _histogram(stats.dtype_histogram)))
    for i in main.inputs:
        rows.append(("input", tensor_line(main.tensors[i])))
    for i in main.outputs:
        rows.append(("output", tensor_line(main.tensors[i])))
    for sg in model.subgraphs[1:]:
        rows.append(("subgraph", f"#{sg.index} {sg.name or '(unnamed)'}: {len(sg.operators)} ops"))
    for s in model.signatures:
        ins = ", ".join(n for n, _ in s.inputs)
        outs = ", ".join(n for n, _ in s.outputs)
        rows.append(
            ("signature", f"{s.key or '(no key)'} (subgraph {s.subgraph_index}): {ins} -> {outs}")
        )
    for m in model.metadata:
        value = _value(m.value)
        rows.append(
            ("metadata", f"{m.name} ({_num(m.size)} bytes)" + (f": {value}" if value else ""))
        )
    for w in model.warnings:
        rows.append(("warning", f"{w.code} {w.message}"))
    width = max(len(k) for k, _ in rows)
    return "\n".join([model.path] + [f"  {k:<{width}}  {v}" for k, v in rows])


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows]
    return "\n".join(lines)


def _options_text(options: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in options.items())


def ops_table(model: Model) -> str:
    out = []
    for sg in model.subgraphs:
        rows = [
            [
                str(op.index),
                op.name,
                str(op.version),
                ",".join(map(str, op.inputs)),
                ",".join(map(str, op.outputs)),
                _options_text(op.options),
            ]
            for op in sg.operators
        ]
        out.append(f"subgraph {sg.index} {sg.name}".rstrip())
        out.append(_table(["#", "op", "v", "inputs", "outputs", "options"], rows))
    return "\n".join(out)


def tensors_table(model: Model) -> str:
    out = []
    for sg in model.subgraphs:
        rows = []
        for t in sg.tensors:
            b = tensor_bytes(t)
            rows.append(
                [
                    str(t.index),
                    t.name,
                    t.dtype,
                    shape_text(t),
                    "const" if t.is_constant else ("var" if t.is_variable else ""),
                    "" if b is None else _num(b),
                    quant_text(t),
                ]
            )
        out.append(f"subgraph {sg.index} {sg.name}".rstrip())
        out.append(_table(["#", "name", "dtype", "shape", "kind", "bytes", "quantization"], rows))
    return "\n".join(out)
