"""Baselines: accept the findings a model has today, report only new ones.

The file is JSON: ``{"format_version": 1, "findings": [{"path", "code", "target", "subgraph",
"op", "opcode", "tensor"}]}``. Messages are not part of a finding's identity, so rewording a
message does not resurface an accepted finding.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from inspector.errors import UsageError
from inspector.findings import Finding

FIELDS = ("path", "code", "target", "subgraph", "op", "opcode", "tensor")


def _key(entry: dict) -> tuple:
    return tuple(entry.get(k) for k in FIELDS)


def _finding_key(f: Finding) -> tuple:
    return (f.path, f.code, f.target, f.subgraph, f.op, f.opcode, f.tensor)


def write_baseline(path: str, findings: Iterable[Finding]) -> int:
    entries = [
        dict(zip(FIELDS, _finding_key(f), strict=True))
        for f in sorted(findings, key=Finding.sort_key)
    ]
    tmp = Path(path).with_suffix(Path(path).suffix + ".tmp")
    tmp.write_text(json.dumps({"format_version": 1, "findings": entries}, indent=1) + "\n")
    tmp.replace(path)  # never leave a half-written baseline behind
    return len(entries)


def read_baseline(path: str) -> Counter[tuple]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsageError(
            f"{path}: no such baseline file (create it with --write-baseline)"
        ) from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not a baseline file ({exc})") from None
    if not isinstance(data, dict) or data.get("format_version") != 1:
        raise UsageError(f"{path}: not a tflite-inspector baseline (format_version 1)")
    return Counter(_key(e) for e in data.get("findings", []))


def filter_baseline(findings: list[Finding], accepted: Counter[tuple]) -> list[Finding]:
    remaining = Counter(accepted)
    out = []
    for f in findings:
        k = _finding_key(f)
        if remaining[k] > 0:
            remaining[k] -= 1
        else:
            out.append(f)
    return out
