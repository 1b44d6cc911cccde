"""The HTML report: a plain view-model dict built from a model and its lint result, rendered
with jinja2 (autoescaping on) from ``templates/`` into one self-contained file.

Pure: nothing here prints, exits or touches the network. :func:`build_view_model` turns
``(Model, ModelReport)`` pairs into JSON-ready dicts; :func:`render_report` turns that dict into
HTML with CSS, JavaScript (the vendored dagre layout library included) and SVG inline, so the
page opens from disk with no request of any kind. The templates never call the engine: every
number they show is in the view model.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup

from inspector import __version__
from inspector.analyses.quantization import float_islands as islands_of
from inspector.analyses.stats import model_stats
from inspector.diff import ModelDiff
from inspector.engine import model_macs
from inspector.findings import SEVERITIES, Finding
from inspector.lint import ModelReport
from inspector.model import Model, Subgraph, Tensor
from inspector.quant_error import COSINE_WARN, REL_RMSE_WARN, LayerError
from inspector.render.inspect_json import tensor_bytes
from inspector.render.inspect_text import SCHEME_TEXT
from inspector.resources import templates_dir

if TYPE_CHECKING:
    from inspector.sources import Converted

VIEW_VERSION = 1
MAX_SCALES_SHOWN = 8  # per tensor in the details panel; the histogram sees all of them
MAX_LIST = 64  # longest option list kept verbatim
TOP_BARS = 14
DAGRE = "vendor/dagre.min.js"
MAX_CHANGES = 200  # ops added/removed/changed and findings listed per kind
MAX_LAYERS = 500  # rows of the per-layer error table
LAYER_BARS = 60  # bars of the per-layer error plot


@dataclass
class ModelExtras:
    """What a report shows beside the model itself: the changes since a baseline model
    (``report --baseline``) and how it was converted from a SavedModel / Keras source."""

    diff: ModelDiff | None = None
    converted: Converted | None = None


# (model or None when unreadable, its lint report[, extras])
ReportInput = (
    tuple[Model | None, ModelReport] | tuple[Model | None, ModelReport, ModelExtras | None]
)


# -- formatting ------------------------------------------------------------------------------
def human_bytes(n: int | float | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return str(n)


def human_count(n: int | float | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:,.0f}"


def _pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    if 99.95 <= value < 100:
        return ">99.9%"
    if 0 < value < 0.05:
        return "<0.1%"
    return f"{value:.1f}%".replace(".0%", "%")


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _num(x: Any) -> Any:
    """A JSON-safe number: non-finite floats become strings (JSON has no NaN)."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    f = float(x)
    if math.isfinite(f):
        return float(f"{f:.7g}")
    return str(f)


def _plain(value: Any, depth: int = 0) -> Any:
    """Options and metadata values made JSON-ready (bounded lists, no NaN, no bytes)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, np.integer, np.floating, np.bool_)):
        return _num(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        return f"<{len(raw)} bytes>"
    if depth > 4:
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
        out = [_plain(v, depth + 1) for v in items[:MAX_LIST]]
        if len(items) > MAX_LIST:
            out.append(f"\u2026 {len(items) - MAX_LIST} more")
        return out
    return str(value)


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(
            f"{k}={_value_text(v)}" for k, v in value.items() if v not in (None, [], "")
        )
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v) for v in value)
    return str(value)


def shape_text(shape: Iterable[int] | None) -> str:
    if shape is None:
        return ""
    return "[" + ",".join("?" if d < 0 else str(d) for d in shape) + "]"


def op_anchor(model_id: str, subgraph: int, op: int) -> str:
    return f"#{model_id}-op-{subgraph}-{op}"


def tensor_anchor(model_id: str, subgraph: int, tensor: int) -> str:
    return f"#{model_id}-t-{subgraph}-{tensor}"


# -- targets -------------------------------------------------------------------------------
def target_card(name: str, s: dict[str, Any], model_id: str) -> dict[str, Any]:
    """One verdict card: what a target does with the model, from lint's JSON-ready summary."""
    runtime = s.get("kind") == "runtime"
    total = int(s.get("ops_total", 0))
    ok = len(s.get("delegated_ops", []))
    fallback = s.get("fallback_ops", [])
    macs_total = int(s.get("macs_total", 0))
    macs_cpu = int(s.get("macs_on_cpu", 0))
    macs_ok_pct = 100.0 * (macs_total - macs_cpu) / macs_total if macs_total else None
    ops_pct = 100.0 * ok / total if total else None
    if total == 0:
        level, headline = "na", "No ops evaluated"
    elif not fallback:
        level, headline = "good", "Runs every op" if runtime else "Fully delegated"
    elif ok == 0:
        level, headline = "bad", "Cannot run the model" if runtime else "Nothing delegated"
    else:
        n = len(fallback)
        share = macs_ok_pct if macs_ok_pct is not None else ops_pct
        level = "bad" if runtime or (share is not None and share < 50) else "warn"
        headline = f"{n} op{'s' if n != 1 else ''} cannot run" if runtime else "Partially delegated"
    groups: dict[str, dict[str, Any]] = {}
    for f in fallback:
        g = groups.setdefault(
            f["opcode"],
            {
                "opcode": f["opcode"],
                "count": 0,
                "macs": 0,
                "reasons": Counter(),
                "href": op_anchor(model_id, f["subgraph"], f["op"]),
            },
        )
        g["count"] += 1
        g["macs"] += int(f.get("macs") or 0)
        g["reasons"].update(f.get("reasons") or [])
    ordered = sorted(groups.values(), key=lambda g: (-g["count"], -g["macs"], g["opcode"]))
    fallback_groups = [
        {
            "opcode": g["opcode"],
            "count": g["count"],
            "macs": g["macs"],
            "macs_text": human_count(g["macs"]),
            "href": g["href"],
            "reason": g["reasons"].most_common(1)[0][0] if g["reasons"] else "",
            "more_reasons": max(0, len(g["reasons"]) - 1),
        }
        for g in ordered
    ]
    return {
        "name": name,
        "title": s.get("title") or name,
        "kind": s.get("kind", ""),
        "runtime": runtime,
        "level": level,
        "headline": headline,
        "ops_total": total,
        "ops_ok": ok,
        "ops_pct": ops_pct,
        "ops_pct_text": _pct(ops_pct),
        "ops_label": "ops supported" if runtime else "ops delegated",
        "macs_total": macs_total,
        "macs_total_text": human_count(macs_total),
        "macs_ok_pct": macs_ok_pct,
        "macs_ok_pct_text": _pct(macs_ok_pct),
        "macs_label": "MACs supported" if runtime else "MACs delegated",
        "partitions": int(s.get("partitions", 0)),
        "transitions": int(s.get("transitions", 0)),
        "precompiled_for": s.get("precompiled_for"),
        "fallback_count": len(fallback),
        "fallback": fallback_groups[:5],
        "fallback_more": max(0, len(fallback_groups) - 5),
    }


def _status_strings(model: Model, s: dict[str, Any]) -> list[str]:
    """Per subgraph, one character per op: d delegated, f fallback, - not looked at."""
    out = [["-"] * len(sg.operators) for sg in model.subgraphs]
    for sg, op in s.get("delegated_ops", []):
        if sg < len(out) and op < len(out[sg]):
            out[sg][op] = "d"
    for f in s.get("fallback_ops", []):
        sg, op = f["subgraph"], f["op"]
        if sg < len(out) and op < len(out[sg]):
            out[sg][op] = "f"
    return ["".join(x) for x in out]


class Strings:
    """A string table: repeated texts (messages, reasons, sources) are sent once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.items: list[str] = []

    def __call__(self, text: str | None) -> int:
        if text is None:
            return -1
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.items)
            self.items.append(text)
        return i


def _target_data(model: Model, name: str, s: dict[str, Any], strings: Strings) -> dict[str, Any]:
    return {
        "name": name,
        "title": s.get("title") or name,
        "kind": s.get("kind", ""),
        "status": _status_strings(model, s),
        "partitions": [[sg, list(ops)] for sg, ops in s.get("partition_ops", [])],
        "reasons": {
            f"{f['subgraph']}:{f['op']}": [strings(r) for r in f.get("reasons") or []]
            for f in s.get("fallback_ops", [])
        },
    }


# -- tensors and ops -------------------------------------------------------------------------
def _quant_data(t: Tensor) -> dict[str, Any] | None:
    q = t.quantization
    if q is None:
        return None
    out: dict[str, Any] = {}
    if q.scale.size:
        scales = q.scale
        out["s"] = [_num(v) for v in scales[:MAX_SCALES_SHOWN]]
        out["z"] = [_num(v) for v in q.zero_point[:MAX_SCALES_SHOWN]]
        out["n"] = int(scales.size)
        out["ax"] = int(q.quantized_dimension)
        if scales.size > 1:
            out["lo"] = _num(np.min(scales))
            out["hi"] = _num(np.max(scales))
    if q.min is not None and len(q.min):
        out["min"] = [_num(v) for v in q.min[:MAX_SCALES_SHOWN]]
    if q.max is not None and len(q.max):
        out["max"] = [_num(v) for v in q.max[:MAX_SCALES_SHOWN]]
    if q.details:
        out["details"] = _plain(q.details)
    return out or None


def _tensor_data(t: Tensor) -> list[Any]:
    kind = "c" if t.is_constant else ("v" if t.is_variable else "a")
    sig = list(t.shape_signature) if t.is_dynamic and t.shape_signature is not None else 0
    return [t.name, t.dtype, list(t.shape), tensor_bytes(t), kind, _quant_data(t) or 0, sig]


def _subgraph_data(sg: Subgraph, macs: list[int], float_ops: set[int]) -> dict[str, Any]:
    ops = []
    for op in sg.operators:
        ops.append(
            [
                op.name,
                op.opcode,
                op.version,
                list(op.inputs),
                list(op.outputs),
                _plain(op.options) if op.options else 0,
                macs[op.index],
                1 if op.index in float_ops else 0,
                list(op.called_subgraphs),
            ]
        )
    return {
        "name": sg.name,
        "inputs": list(sg.inputs),
        "outputs": list(sg.outputs),
        "tensors": [_tensor_data(t) for t in sg.tensors],
        "ops": ops,
    }


def float_islands(model: Model, float_ops: Iterable[Sequence[int]]) -> list[dict[str, Any]]:
    """Connected groups of float ops (joined by the activations they pass each other)."""
    by_sg: dict[int, set[int]] = defaultdict(set)
    for sg_i, op_i in float_ops:
        by_sg[sg_i].add(op_i)
    islands = []
    for sg_index in sorted(by_sg):
        sg = model.subgraphs[sg_index]
        for ops in islands_of(sg, sorted(by_sg[sg_index])):
            islands.append(
                {
                    "subgraph": sg_index,
                    "ops": ops,
                    "opcodes": [sg.operators[i].name for i in ops[:6]],
                    "more": max(0, len(ops) - 6),
                }
            )
    return islands


# -- charts ----------------------------------------------------------------------------------
def _bars(items: Sequence[tuple[str, float, str, str | None]], limit: int = TOP_BARS) -> dict:
    items = [x for x in items if x[1] > 0]
    rest = items[limit:]
    items = items[:limit]
    top = max((v for _, v, _, _ in items), default=0) or 1
    rows = [
        {"label": _short(label), "full": label, "value": v, "text": text, "frac": v / top,
         "href": href}
        for label, v, text, href in items
    ]  # fmt: skip
    return {"rows": rows, "more": len(rest), "more_value": sum(v for _, v, _, _ in rest)}


def _scale_chart(model: Model, model_id: str) -> dict[str, Any]:
    """Histogram of quantization scales (log10), activations vs weights, outliers marked.

    A scale is an outlier when it is zero, negative or not finite; when it lies more than 3
    interquartile ranges (at least 0.3 decades) beyond the quartiles of its group (activation
    scales, or weight scales per channel; groups of 8 or more); or, for per-channel weights,
    when it is more than 1000x away from the median channel of its own tensor.
    """
    values: dict[str, list[np.ndarray]] = {"act": [], "wt": []}
    owners: dict[str, list[tuple[int, int]]] = {"act": [], "wt": []}
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.is_quantized:
                kind = "wt" if t.is_constant else "act"
                values[kind].append(np.asarray(t.scale, dtype=np.float64).ravel())
                owners[kind].append((sg.index, t.index))
    result: dict[str, Any] = {"n_act": 0, "n_wt": 0, "bins": [], "outliers": [], "fences": {}}
    per_kind: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # kind -> (log10 scale, flagged)
    outliers = []
    for kind in ("act", "wt"):
        if not values[kind]:
            continue
        s = np.concatenate(values[kind])
        result[f"n_{kind}"] = int(s.size)
        valid = np.isfinite(s) & (s > 0)
        logs = np.full(s.shape, np.nan)
        logs[valid] = np.log10(s[valid])
        flagged = ~valid
        why = np.full(s.shape, "", dtype=object)
        why[~valid] = "not a positive finite scale"
        good = logs[valid]
        if good.size >= 8:
            q1, q3 = np.percentile(good, [25, 75])
            iqr = max(float(q3 - q1), 0.3)
            lo_f, hi_f = float(q1 - 3 * iqr), float(q3 + 3 * iqr)
            result["fences"][kind] = [lo_f, hi_f]
            with np.errstate(invalid="ignore"):
                low, high = valid & (logs < lo_f), valid & (logs > hi_f)
            why[low], why[high] = "far below the others", "far above the others"
            flagged = flagged | low | high
        start = 0
        for (sg_i, t_i), arr in zip(owners[kind], values[kind], strict=True):
            n = arr.size
            lv = logs[start : start + n]
            if n > 1 and np.isfinite(lv).any():
                med = float(np.nanmedian(lv))
                with np.errstate(invalid="ignore"):
                    odd = np.isfinite(lv) & (np.abs(lv - med) > 3) & ~flagged[start : start + n]
                if odd.any():
                    flagged[start : start + n] |= odd
                    why[start : start + n][odd] = "over 1000x from its tensor's median channel"
            seg = flagged[start : start + n]
            if seg.any():
                j = int(np.flatnonzero(seg)[0])
                vals = lv[seg]
                dist = (
                    float(np.nanmax(np.abs(vals - np.nanmedian(logs))))
                    if np.isfinite(vals).any()
                    else 99.0
                )
                t = model.subgraphs[sg_i].tensors[t_i]
                outliers.append(
                    {
                        "kind": "weights" if kind == "wt" else "activations",
                        "name": t.name or f"#{t_i}",
                        "subgraph": sg_i,
                        "tensor": t_i,
                        "href": tensor_anchor(model_id, sg_i, t_i),
                        "scale": f"{float(arr[j]):.3g}",
                        "channels": int(seg.sum()),
                        "of": n,
                        "why": str(why[start + j]),
                        "dist": dist,
                    }
                )
            start += n
        per_kind[kind] = (logs, flagged)
    outliers.sort(key=lambda o: (-float(o["dist"]), o["subgraph"], o["tensor"]))
    result["outliers_total"] = len(outliers)
    result["outliers"] = [{k: v for k, v in o.items() if k != "dist"} for o in outliers[:20]]
    finite = [logs[np.isfinite(logs)] for logs, _ in per_kind.values()]
    finite = [f for f in finite if f.size]
    if not finite:
        return result
    logs_all = np.concatenate(finite)
    lo, hi = math.floor(float(logs_all.min())), math.ceil(float(logs_all.max()))
    if hi <= lo:
        hi = lo + 1
    width = 0.25
    while (hi - lo) / width > 64:
        width *= 2
    n_bins = int(math.ceil((hi - lo) / width))
    edges = lo + width * np.arange(n_bins + 1)
    zeros = np.zeros(n_bins, dtype=int)
    counts = {}
    out_counts = zeros.copy()
    for kind, (logs, flagged) in per_kind.items():
        ok = np.isfinite(logs)
        counts[kind] = np.histogram(logs[ok], bins=edges)[0]
        out_counts = out_counts + np.histogram(logs[ok & flagged], bins=edges)[0]
    act, wt = counts.get("act", zeros), counts.get("wt", zeros)
    top = max(int((act + wt).max()), 1)
    result["bins"] = [
        {
            "x": i / n_bins,
            "w": 1 / n_bins,
            "act": int(act[i]) / top,
            "wt": int(wt[i]) / top,
            "n_act": int(act[i]),
            "n_wt": int(wt[i]),
            "outliers": int(out_counts[i]),
            "range": f"1e{edges[i]:.2f} .. 1e{edges[i + 1]:.2f}",
        }
        for i in range(n_bins)
    ]
    result["top"] = top
    result["ticks"] = [{"x": (d - lo) / (hi - lo), "label": f"1e{d}"} for d in range(lo, hi + 1)]
    result["fence_marks"] = [
        {"x": (v - lo) / (hi - lo), "kind": kind}
        for kind, pair in result["fences"].items()
        for v in pair
        if lo <= v <= hi
    ]
    return result


def _charts(model: Model, macs: dict[int, list[int]], model_id: str) -> dict[str, Any]:
    stats = model_stats(model)
    by_dtype = [(k, v, human_bytes(v), None) for k, v in stats.constant_bytes.items()]
    by_op: Counter[str] = Counter()
    seen: set[int] = set()
    macs_by_type: Counter[str] = Counter()
    top_ops = []
    act_by_dtype: Counter[str] = Counter()
    for sg in model.subgraphs:
        for t in sg.tensors:
            if not t.is_constant:
                b = tensor_bytes(t)
                if b:
                    act_by_dtype[t.dtype] += b
        for op in sg.operators:
            for i in op.inputs:
                if i < 0:
                    continue
                t = sg.tensors[i]
                if t.is_constant and t.buffer not in seen:
                    seen.add(t.buffer)
                    by_op[op.name] += t.constant_bytes
            m = macs[sg.index][op.index]
            macs_by_type[op.name] += m
            if m:
                top_ops.append((m, sg.index, op.index, op.name))
    top_ops.sort(key=lambda x: (-x[0], x[1], x[2]))
    return {
        "bytes_by_dtype": _bars(by_dtype),
        "act_bytes_by_dtype": _bars(
            [(k, v, human_bytes(v), None) for k, v in act_by_dtype.most_common()]
        ),
        "bytes_by_op": _bars(
            [(k, v, human_bytes(v), None) for k, v in sorted(by_op.items(), key=_desc)]
        ),
        "macs_by_type": _bars(
            [(k, v, human_count(v), None) for k, v in sorted(macs_by_type.items(), key=_desc)]
        ),
        "macs_top_ops": _bars(
            [
                (
                    f"{name} #{op}" + (f" (sg {sg})" if sg else ""),
                    m,
                    human_count(m),
                    op_anchor(model_id, sg, op),
                )
                for m, sg, op, name in top_ops
            ]
        ),  # fmt: skip
        "ops_by_type": _bars([(k, v, f"{v:,}", None) for k, v in stats.op_histogram.items()]),
        "scales": _scale_chart(model, model_id),
    }


def _desc(kv: tuple[str, int]) -> tuple[int, str]:
    return (-kv[1], kv[0])


# -- changes since a baseline model (inspector.diff) ------------------------------------------
def _change(a: float, b: float, better: str | None) -> tuple[str, str]:
    """Text of the change from a to b, and its class: good, bad, changed or same. ``better``:
    "up" or "down" when that direction is an improvement, None when neither is."""
    if a == b:
        return "unchanged", "same"
    text = f"{(b - a) / a * 100:+.1f}%" if a else "new"
    if better is None:
        return text, "changed"
    return text, "good" if (b > a) == (better == "up") else "bad"


def _pt(x: float) -> str:
    """A change of percentage points; one that rounds to 0.0 still shows its sign."""
    text = f"{x:+.1f} pt"
    return text if text[1:4] != "0.0" else f"{text[0]}<0.1 pt"


def _where(f: Finding) -> str:
    if f.op is None:
        return "model" if f.subgraph is None else f"subgraph {f.subgraph}"
    where = f"op {f.op}" + (f" in subgraph {f.subgraph}" if f.subgraph else "")
    return f"{where} ({f.opcode})" if f.opcode else where


def _finding_view(f: Finding, model_id: str | None) -> dict[str, Any]:
    href = None
    if model_id is not None and f.op is not None:
        href = op_anchor(model_id, f.subgraph or 0, f.op)
    return {
        "severity": f.severity,
        "code": f.code,
        "target": f.target or "",
        "where": _where(f),
        "message": f.message,
        "href": href,
    }


def _limited(items: Sequence[Any]) -> dict[str, Any]:
    return {
        "rows": list(items[:MAX_CHANGES]),
        "more": max(0, len(items) - MAX_CHANGES),
        "n": len(items),
    }


def diff_view(d: ModelDiff, model_id: str | None = None) -> dict[str, Any]:
    """What changed from ``d.old`` to ``d.new``, as plain data for ``_changes.html.j2``.
    ``model_id``: the report section of the new model, so new findings link to their op."""

    def num_row(
        label: str, pair: tuple[int, int], fmt: Any, better: str | None
    ) -> tuple[dict, str]:
        text, cls = _change(pair[0], pair[1], better)
        return {"label": label, "old": fmt(pair[0]), "new": fmt(pair[1]), "change": text}, cls

    def text_row(label: str, pair: tuple[str, str]) -> tuple[dict, str]:
        text = "unchanged" if pair[0] == pair[1] else "changed"
        return {"label": label, "old": pair[0], "new": pair[1], "change": text}, (
            "same" if pair[0] == pair[1] else "changed"
        )

    summary = [
        {**row, "cls": cls}
        for row, cls in (
            num_row("size", d.size, lambda n: f"{human_bytes(n)} ({n:,} B)", None),
            num_row("MACs", d.macs, lambda n: f"{human_count(n)} ({n:,})", "down"),
            num_row("operators", d.ops, lambda n: f"{n:,}", None),
            text_row("quantization", d.scheme),
            text_row("I/O types", d.io),
        )
    ]
    targets = []
    for name, t in d.targets.items():
        cells = []
        for key, label, better, pct in (
            ("ops_delegated_pct", "ops delegated", "up", True),
            ("partitions", "partitions", "down", False),
            ("macs_on_cpu_pct", "MACs on CPU", "down", True),
            ("fallback", "fallback ops", "down", False),
        ):
            a, b = t[key]
            same = a == b
            cls = "same" if same else ("good" if (b > a) == (better == "up") else "bad")
            fmt = (lambda v: _pct(float(v))) if pct else (lambda v: f"{int(v):,}")
            delta = "" if same else (_pt(b - a) if pct else f"{int(b - a):+,}")
            cell = {"label": label, "old": fmt(a), "new": fmt(b), "delta": delta, "cls": cls}
            cells.append(cell)
        worse = any(c["cls"] == "bad" for c in cells)
        improved = any(c["cls"] == "good" for c in cells)
        verdict = {
            (True, False): "worse",
            (False, True): "better",
            (True, True): "mixed",
            (False, False): "unchanged",
        }[(worse, improved)]
        targets.append({"name": name, "cells": cells, "verdict": verdict})
    op_counts = [
        {"opcode": k, "old": a, "new": b, "delta": f"{b - a:+d}", "cls": "up" if b > a else "down"}
        for k, (a, b) in d.op_counts.items()
    ]
    return {
        "old": d.old,
        "new": d.new,
        "old_name": os.path.basename(d.old) or d.old,
        "new_name": os.path.basename(d.new) or d.new,
        "changed": d.changed,
        "summary": summary,
        "targets": targets,
        "added_ops": _limited(d.added_ops),
        "removed_ops": _limited(d.removed_ops),
        "changed_ops": _limited(d.changed_ops),
        "op_counts": op_counts,
        "new_findings": _limited([_finding_view(f, model_id) for f in d.new_findings]),
        "fixed_findings": _limited([_finding_view(f, None) for f in d.fixed_findings]),
    }


# -- conversion from a SavedModel / Keras source (inspector.sources) -------------------------
def _layer_row(e: LayerError, model_id: str) -> dict[str, Any]:
    finite = math.isfinite(e.rel_rmse)
    return {
        "op": e.op,
        "opcode": e.opcode,
        "tensor": e.tensor,
        "dtype": e.dtype,
        "rel_rmse": _num(e.rel_rmse),
        "rel_rmse_text": f"{100 * e.rel_rmse:.2f}%" if finite else "inf",
        "rmse_text": f"{e.rmse:.4g}",
        "cosine": _num(e.cosine),
        "cosine_text": f"{e.cosine:.4f}",
        "flagged": e.flagged,
        "href": op_anchor(model_id, 0, e.op),
    }


def _layer_chart(layers: Sequence[LayerError], model_id: str) -> dict[str, Any]:
    """Bars of relative RMSE per layer, worst first. The scale fits the worst layer; the
    warning threshold is drawn when it is on that scale (the worst layer is above half of it),
    else the caption says every layer is far below it."""
    shown = list(layers[:LAYER_BARS])
    finite = [e.rel_rmse for e in shown if math.isfinite(e.rel_rmse)]
    worst = max(finite, default=0.0)
    top = worst * 1.15 if worst > 0 else REL_RMSE_WARN
    if worst >= REL_RMSE_WARN / 2:
        top = max(top, REL_RMSE_WARN * 1.15)
    bars = []
    for i, e in enumerate(shown):
        frac = min(1.0, e.rel_rmse / top) if math.isfinite(e.rel_rmse) else 1.0
        bars.append(
            {"i": i, "frac": frac, "label": f"#{e.op} {e.opcode}", **_layer_row(e, model_id)}
        )
    return {
        "bars": bars,
        "more": max(0, len(layers) - len(shown)),
        "top_text": _pct_text(top),
        "threshold": REL_RMSE_WARN / top,
        "threshold_text": f"{100 * REL_RMSE_WARN:g}%",
    }


def _pct_text(x: float) -> str:
    """A fraction as a percentage with two significant digits at least."""
    p = 100 * x
    return f"{p:.1f}%" if p >= 1 else f"{p:.2g}%"


def conversion_view(c: Converted, model_id: str) -> dict[str, Any]:
    """The conversion settings, TensorFlow version and measured per-layer error."""
    s = dict(c.settings)
    calibration = s.get("calibration")
    rows = [
        ("source", c.source),
        ("quantize", s.get("quantize", "none")),
        ("I/O type", s.get("io", "float")),
        ("calibration", calibration or "none"),
    ]
    if s.get("preset"):
        rows.append(("preset", f"--for {s['preset']}"))
    rows.append(("Flex ops allowed", "yes" if s.get("allow_flex") else "no"))
    rows.append(("TensorFlow", c.tf_version or "?"))
    chips = [f"quantize {s.get('quantize', 'none')}", f"I/O {s.get('io', 'float')}"]
    if calibration and str(calibration).startswith("random"):
        chips.append(f"calibration {calibration}")
    elif calibration:
        chips.append(f"calibration {os.path.basename(str(calibration).rstrip('/'))}")
    if s.get("preset"):
        chips.append(f"--for {s['preset']}")
    if c.tf_version:
        chips.append(f"TensorFlow {c.tf_version}")
    layers = list(c.layers)
    return {
        "source": c.source,
        "rows": rows,
        "chips": chips,
        "layers": [_layer_row(e, model_id) for e in layers[:MAX_LAYERS]],
        "layers_total": len(layers),
        "layers_more": max(0, len(layers) - MAX_LAYERS),
        "flagged": sum(1 for e in layers if e.flagged),
        "measured": bool(layers),
        "rel_rmse_warn": f"{100 * REL_RMSE_WARN:g}%",
        "cosine_warn": f"{COSINE_WARN:g}",
        "chart": _layer_chart(layers, model_id) if layers else None,
    }


# -- one model -------------------------------------------------------------------------------
def _finding_row(f: Finding, strings: Strings) -> list[Any]:
    """severity, code, target, subgraph, op, opcode, tensor, message, source; texts as
    indices into the string table (-1: none)."""
    return [strings(f.severity), strings(f.code), strings(f.target), f.subgraph, f.op,
            strings(f.opcode), f.tensor, strings(f.message), strings(f.source)]  # fmt: skip


def _signature_io(
    model: Model, sg_index: int, pairs: tuple[tuple[str, int], ...], model_id: str
) -> list[dict[str, Any]]:
    sg = model.subgraphs[sg_index] if 0 <= sg_index < len(model.subgraphs) else None
    out = []
    for name, i in pairs:
        t = sg.tensor(i) if sg is not None else None
        out.append(
            {
                "name": name,
                "tensor": i,
                "dtype": t.dtype if t else "",
                "shape": shape_text(t.shape_signature or t.shape) if t else "",
                "href": tensor_anchor(model_id, sg_index, i),
            }
        )
    return out


def _sha256(model: Model) -> str:
    if model.data is not None:
        return hashlib.sha256(model.data).hexdigest()
    h = hashlib.sha256()
    with open(model.path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_view(
    model: Model | None, report: ModelReport, model_id: str, extras: ModelExtras | None = None
) -> dict[str, Any]:
    name = os.path.basename(report.path.rstrip("/")) or report.path
    findings = list(report.findings)
    counts = Counter(f.severity for f in findings)
    extras = extras or ModelExtras()
    conversion = (
        conversion_view(extras.converted, model_id) if extras.converted is not None else None
    )
    base: dict[str, Any] = {
        "id": model_id,
        "name": name,
        "path": report.path,
        "error": report.error,
        "counts": {s: counts.get(s, 0) for s in reversed(SEVERITIES)},
        "findings_total": len(findings),
        "conversion": conversion,
        "changes": diff_view(extras.diff, model_id) if extras.diff is not None else None,
    }
    if model is None or report.error:
        base["error"] = report.error or "the model could not be read"
        base["error_findings"] = [_finding_view(f, None) for f in findings]
        return base
    stats = model_stats(model)
    quant = report.quantization or {}
    float_ops = {(int(sg), int(op)) for sg, op in quant.get("float_ops", [])}
    macs = model_macs(model)
    conversion = model.metadata_value("CONVERSION_METADATA")
    tflite_meta = model.metadata_value("TFLITE_METADATA")
    io_in = "/".join(sorted(set(quant.get("io", {}).get("inputs", [])))) or "none"
    io_out = "/".join(sorted(set(quant.get("io", {}).get("outputs", [])))) or "none"
    main = model.main
    scheme = quant.get("scheme", "")
    facts = [
        ("size", f"{human_bytes(model.file_size)} ({model.file_size:,} bytes)"),
        ("schema", f"v{model.schema_version}"),
        ("operators", f"{stats.n_operators:,}"),
        ("tensors", f"{stats.n_tensors:,}"),
        ("subgraphs", f"{stats.n_subgraphs}"),
        ("parameters", f"{human_count(stats.parameters)} ({stats.parameters:,})"),
        ("weights", human_bytes(stats.constant_bytes_total)),
        ("I/O", f"{io_in} in, {io_out} out"),
    ]
    runtime = model.metadata_value("min_runtime_version")
    header = {
        "file_size": model.file_size,
        "file_size_text": human_bytes(model.file_size),
        "sha256": _sha256(model),
        "schema_version": model.schema_version,
        "description": model.description,
        "scheme": scheme,
        "scheme_text": SCHEME_TEXT.get(scheme, scheme),
        "min_runtime_version": runtime if isinstance(runtime, str) else None,
        "conversion": [
            (k, _value_text(v)) for k, v in (conversion or {}).items() if v not in (None, "", [])
        ]
        if isinstance(conversion, dict)
        else [],
        "tflite_metadata": [(k, _value_text(v)) for k, v in (tflite_meta or {}).items()]
        if isinstance(tflite_meta, dict)
        else [],
        "facts": facts,
        "n_ops": stats.n_operators,
        "n_tensors": stats.n_tensors,
    }
    signatures = [
        {
            "key": s.key,
            "subgraph": s.subgraph_index,
            "inputs": _signature_io(model, s.subgraph_index, s.inputs, model_id),
            "outputs": _signature_io(model, s.subgraph_index, s.outputs, model_id),
        }
        for s in model.signatures
    ]
    metadata = [
        {"name": m.name, "size": m.size, "size_text": human_bytes(m.size),
         "value": _short(_value_text(m.value), 400)}
        for m in model.metadata
    ]  # fmt: skip
    io_rows = []
    for kind, idxs in (("input", main.inputs), ("output", main.outputs)):
        for i in idxs:
            t = main.tensor(i)
            if t is None:
                continue
            q = t.quantization
            qtext = ""
            if q is not None and q.scale.size == 1:
                zp = int(q.zero_point[0]) if q.zero_point.size else 0
                qtext = f"scale {float(q.scale[0]):.6g}, zero point {zp}"
            elif q is not None and q.scale.size > 1:
                qtext = f"per-channel ({q.scale.size}), axis {q.quantized_dimension}"
            io_rows.append(
                {
                    "kind": kind,
                    "name": t.name,
                    "dtype": t.dtype,
                    "shape": shape_text(t.shape_signature or t.shape),
                    "quant": qtext,
                    "href": tensor_anchor(model_id, 0, i),
                }
            )
    cards = [target_card(n, s, model_id) for n, s in report.targets.items()]
    islands = float_islands(model, sorted(float_ops))
    for isl in islands:
        isl["href"] = op_anchor(model_id, isl["subgraph"], isl["ops"][0])
    strings = Strings()
    data = {
        "v": VIEW_VERSION,
        "id": model_id,
        "name": name,
        "targets": [_target_data(model, n, s, strings) for n, s in report.targets.items()],
        "subgraphs": [
            _subgraph_data(sg, macs[sg.index], {op for s_, op in float_ops if s_ == sg.index})
            for sg in model.subgraphs
        ],
        "findings": [_finding_row(f, strings) for f in findings],
        "islands": [[i["subgraph"], i["ops"]] for i in islands],
        "strings": strings.items,
    }
    base.update(
        {
            "header": header,
            "io": io_rows,
            "signatures": signatures,
            "metadata": metadata,
            "warnings": [f"{w.code} {w.message}" for w in model.warnings],
            "targets": cards,
            "float_islands": islands,
            "float_ops_total": len(float_ops),
            "hybrid_ops_total": len(quant.get("hybrid_ops", [])),
            "charts": _charts(model, macs, model_id),
            "subgraph_names": [
                {"index": sg.index, "name": sg.name, "ops": len(sg.operators)}
                for sg in model.subgraphs
            ],
            "findings_rules": sorted({f.code for f in findings}),
            "findings_targets": sorted({f.target for f in findings if f.target}),
            "data": data,
        }
    )
    return base


def build_view_model(
    entries: Sequence[ReportInput], *, tool_version: str = __version__, title: str | None = None
) -> dict[str, Any]:
    """The whole report as plain data: one entry per model (its ``Model``, or None when it
    could not be read, its lint :class:`ModelReport`, and optionally :class:`ModelExtras`)."""
    models = [
        model_view(e[0], e[1], f"m{i}", e[2] if len(e) > 2 else None)  # type: ignore[misc]
        for i, e in enumerate(entries)
    ]
    targets: dict[str, str] = {}
    for r in (e[1] for e in entries):
        for name, s in r.targets.items():
            targets.setdefault(name, s.get("title") or name)
    if title is None:
        title = models[0]["name"] if len(models) == 1 else f"{len(models)} models"
    return {
        "view_version": VIEW_VERSION,
        "tool_version": tool_version,
        "title": title,
        "targets": [{"name": n, "title": t} for n, t in targets.items()],
        "models": models,
    }


# -- rendering -------------------------------------------------------------------------------
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)
_SOURCE_MAP = re.compile(r"^\s*//[#@] sourceMappingURL=.*$", re.MULTILINE)


def _read_template_file(name: str) -> str | None:
    node = templates_dir()
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return None
        node = node.joinpath(part)
    if not node.is_file():
        return None
    return node.read_text(encoding="utf-8")


def _js(name: str) -> Markup:
    """A script file made safe to inline: no source-map request, no early ``</script>``."""
    text = _read_template_file(name)
    if text is None:
        raise FileNotFoundError(f"templates/{name} is missing")
    text = _SOURCE_MAP.sub("", text)
    return Markup(_SCRIPT_END.sub(r"<\\/\1", text))


def _css(name: str) -> Markup:
    text = _read_template_file(name)
    if text is None:
        raise FileNotFoundError(f"templates/{name} is missing")
    if "</" in text:
        raise ValueError(f"templates/{name} must not contain '</'")
    return Markup(text)


def json_script(value: Any) -> Markup:
    """JSON to embed in ``<script type="application/json">``: no ``<``, ``>`` or ``&``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return Markup(text)


def _environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(_read_template_file),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json_script"] = json_script
    env.filters["pct"] = _pct
    return env


def render_report(view: dict[str, Any]) -> str:
    """The report as one self-contained HTML document."""
    env = _environment()
    assets = {
        "css": _css("report/report.css"),
        "js": _js("report/report.js"),
        "dagre": _js(DAGRE),
    }
    # Only these two exact scripts may run (CSP hashes): an injected handler or script would not.
    csp = " ".join(f"'sha256-{_b64_sha256(assets[k])}'" for k in ("dagre", "js"))
    return env.get_template("report/report.html.j2").render(
        view=view, assets=assets, csp_scripts=Markup(csp)
    )


def render_diff_html(d: ModelDiff, *, tool_version: str = __version__) -> str:
    """``diff --format html``: the changes from ``d.old`` to ``d.new`` as one standalone page
    (the report's stylesheet and its "Changes" section; no script at all)."""
    view = diff_view(d)
    return (
        _environment()
        .get_template("report/diff.html.j2")
        .render(view=view, tool_version=tool_version, assets={"css": _css("report/report.css")})
    )


def _b64_sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
