"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

``tool.driver.rules[]`` comes from the rule catalog (the same text as ``tflite-inspector
rules``); each result carries its own level, because one rule's severity varies by target.
Models are binary files, so a result points at the file and names the op as a logical location.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from inspector import __version__
from inspector.catalog import load_catalog
from inspector.findings import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    return rel.replace(os.sep, "/")


def render(findings: list[Finding]) -> dict[str, Any]:
    catalog = load_catalog()
    used = sorted({f.code for f in findings})
    codes = sorted(catalog)
    rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.why},
            "help": {
                "text": f"{r.why}\n\nFix: {r.fix}",
                "markdown": f"{r.why}\n\n**Fix:** {r.fix}",
            },
            "defaultConfiguration": {"level": _LEVEL[r.severity]},
            "properties": {"status": r.status, "since": r.since},
        }
        for r in (catalog[c] for c in codes)
    ]
    index = {c: i for i, c in enumerate(codes)}
    results = []
    for f in findings:
        logical = []
        if f.op is not None:
            logical.append(
                {
                    "name": f"{f.opcode}" if f.opcode else f"op {f.op}",
                    "fullyQualifiedName": f"subgraph[{f.subgraph}].operators[{f.op}]",
                    "kind": "function",
                }
            )
        fingerprint = hashlib.sha256(
            "|".join(map(str, (f.path, f.code, f.target, f.subgraph, f.op, f.opcode))).encode()
        ).hexdigest()
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _LEVEL[f.severity],
                "message": {"text": f"[{f.target}] {f.message}" if f.target else f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(f.path)},
                            "region": {"startLine": 1},
                        },
                        "logicalLocations": logical,
                    }
                ],
                "partialFingerprints": {"tfliteInspector/v1": fingerprint},
                "properties": {
                    "target": f.target,
                    "subgraph": f.subgraph,
                    "op": f.op,
                    "source": f.source,
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tflite-inspector",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {"rulesUsed": used},
            }
        ],
    }
