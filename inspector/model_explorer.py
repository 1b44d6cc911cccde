"""Per-op target verdicts as node data for Google's Model Explorer (``ai-edge-model-explorer``).

Model Explorer loads a JSON overlay ("node data") on top of a graph: per graph id, a
``GraphNodeData`` whose ``results`` map node ids to a value and colours. One file is one overlay,
so each target gets its own file, a ``ModelNodeData``: ``{graph_id: GraphNodeData}``, in the
exact layout ``model_explorer.node_data_builder.ModelNodeData.to_json_string`` writes. Nothing
here imports that package; the tests read the files back with its classes.

Ids are the ones Model Explorer's built-in TFLite adapter (``ai_edge_model_explorer_adapter``,
``ConvertFlatbufferDirectlyToJson``) gives, checked against it in tests/test_model_explorer.py:

* graph id: the subgraph's name; without one, the key of the first signature on that subgraph
  (a non-empty key); without that, ``main`` for subgraph 0 and ``subgraph_<i>`` for the others.
  Two subgraphs can end up with one id (the adapter does not make them unique); the overlay
  then carries the first one's verdicts and :func:`node_data` says which subgraphs it left out.
* node id: the op's index in its subgraph, as a string (the adapter numbers its input, output
  and constant nodes after the ops).

Each op a target looked at gets a string value with its own background colour: ``delegated``
(green) or ``cpu: <the first reason it falls back>`` (red) for a delegate; ``supported`` or
``unsupported: <reason>`` for a runtime target (the cpu and tflm kernels). Model Explorer shows
the value on the node and in its side panel, and counts the labels on group nodes.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from inspector.model import Model

OK_COLOR = "#8fd6ad"
FALLBACK_COLOR = "#f4a3a3"
MAX_REASON = 160


def graph_ids(model: Model) -> list[str]:
    """The graph id Model Explorer's TFLite adapter gives each subgraph, in subgraph order."""
    by_subgraph: dict[int, str] = {}
    for s in model.signatures:
        if s.key and s.subgraph_index not in by_subgraph:
            by_subgraph[s.subgraph_index] = s.key
    return [
        sg.name
        or by_subgraph.get(sg.index)
        or ("main" if sg.index == 0 else f"subgraph_{sg.index}")
        for sg in model.subgraphs
    ]


def _reason_text(reasons: list[str]) -> str:
    text = reasons[0] if reasons else "not supported"
    if len(text) > MAX_REASON:
        text = text[: MAX_REASON - 1] + "\u2026"
    if len(reasons) > 1:
        text += f" (+{len(reasons) - 1} more)"
    return text


def _graph_node_data(name: str, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A ``GraphNodeData`` as ``asdict`` + ``remove_none`` lays it out (every field kept)."""
    return {
        "results": results,
        "name": name,
        "thresholds": [],
        "gradient": [],
        "hideInAggregatedStatsTable": False,
        "hideInChildrenStatsTable": False,
        "showExpandedSummaryOnGroupNode": False,
        "showLabelCountColumnsInChildrenStatsTable": False,
    }


def node_data(model: Model, target: str, summary: dict[str, Any]) -> tuple[dict[str, Any], list]:
    """One target's verdicts as a ``ModelNodeData`` dict (graph id -> ``GraphNodeData``), and
    the subgraphs left out because an earlier subgraph has the same graph id."""
    runtime = summary.get("kind") == "runtime"
    ok_label, bad_label = ("supported", "unsupported") if runtime else ("delegated", "cpu")
    per_sg: dict[int, dict[str, dict[str, Any]]] = {sg.index: {} for sg in model.subgraphs}
    for sg, op in summary.get("delegated_ops", []):
        if sg in per_sg:
            per_sg[sg][str(op)] = {"value": ok_label, "bgColor": OK_COLOR}
    for f in summary.get("fallback_ops", []):
        if f["subgraph"] in per_sg:
            value = f"{bad_label}: {_reason_text(list(f.get('reasons') or []))}"
            per_sg[f["subgraph"]][str(f["op"])] = {"value": value, "bgColor": FALLBACK_COLOR}
    out: dict[str, Any] = {}
    skipped = []
    for sg, gid in zip(model.subgraphs, graph_ids(model), strict=True):
        if gid in out:
            skipped.append((sg.index, gid))
            continue
        results = dict(sorted(per_sg[sg.index].items(), key=lambda kv: int(kv[0])))
        out[gid] = _graph_node_data(f"{target} verdicts", results)
    return out, skipped


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def output_paths(output: str, targets: list[str]) -> dict[str, str]:
    """Where each target's overlay goes: ``output`` itself for one target; for several,
    ``<stem>.<target>.json`` beside it (one overlay per file is what Model Explorer loads)."""
    if len(targets) == 1:
        return {targets[0]: output}
    stem, ext = os.path.splitext(output)
    out: dict[str, str] = {}
    for t in targets:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", t).strip("._") or "target"
        path = f"{stem}.{safe}{ext or '.json'}"
        n = 2
        while path in out.values():
            path = f"{stem}.{safe}-{n}{ext or '.json'}"
            n += 1
        out[t] = path
    return out
