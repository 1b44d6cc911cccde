"""``lint --format json``: schema in docs/json.md and inspector/schemas/lint.schema.json."""

from __future__ import annotations

from typing import Any

from inspector import __version__
from inspector.findings import Finding
from inspector.lint import ModelReport

FORMAT_VERSION = 1


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "target": f.target,
        "subgraph": f.subgraph,
        "op": f.op,
        "opcode": f.opcode,
        "tensor": f.tensor,
        "message": f.message,
        "source": f.source,
    }


def model_json(r: ModelReport, findings: list[Finding]) -> dict[str, Any]:
    doc: dict[str, Any] = {"path": r.path}
    if r.error:
        doc["error"] = r.error
    else:
        doc["quantization"] = r.quantization
        doc["targets"] = r.targets
    doc["findings"] = [finding_json(f) for f in findings]
    return doc


def envelope() -> dict[str, Any]:
    """The document around the models (``models`` left empty)."""
    return {"format_version": FORMAT_VERSION, "tool_version": __version__, "models": []}


def render(reports: list[ModelReport], findings: list[Finding]) -> dict[str, Any]:
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    doc = envelope()
    doc["models"] = [model_json(r, by_path.get(r.path, [])) for r in reports]
    return doc
