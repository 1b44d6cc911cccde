"""Lint output for people and pre-commit: one finding a line, then a short summary."""

from __future__ import annotations

from collections import Counter

from inspector.findings import Finding
from inspector.lint import ModelReport


def finding_line(f: Finding) -> str:
    where = f"{f.path}:{f.subgraph}:{f.op}" if f.op is not None else f.path
    target = f" [{f.target}]" if f.target else ""
    return f"{where}: {f.code}{target} {f.message}"


def target_line(name: str, t: dict) -> str:
    if t["kind"] == "runtime":
        n_bad = len(t["fallback_ops"])
        verdict = "runs" if not n_bad else f"{n_bad} of {t['ops_total']} ops cannot run"
        return f"{name}: {verdict}"
    parts = [
        f"{len(t['delegated_ops'])}/{t['ops_total']} ops ({t['ops_delegated_pct']:.1f}%)",
        f"{t['partitions']} partition{'s' if t['partitions'] != 1 else ''}",
        f"{t['macs_on_cpu_pct']:.1f}% of MACs on CPU",
    ]
    if t.get("precompiled_for"):
        parts.append(f"model is compiled for {t['precompiled_for']}")
    return f"{name}: " + ", ".join(parts)


def summary_lines(r: ModelReport) -> list[str]:
    if r.error or not r.targets:
        return []
    return [f"{r.path}:"] + [f"  {target_line(n, t)}" for n, t in r.targets.items()]


def footer(counts: Counter[str]) -> str:
    total = sum(counts.values())
    if not total:
        return "No findings."
    detail = ", ".join(f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s])
    return f"Found {total} finding{'s' if total != 1 else ''} ({detail})."


def render(reports: list[ModelReport], findings: list[Finding], summary: bool = True) -> str:
    lines = [finding_line(f) for f in findings]
    if summary:
        for r in reports:
            lines += summary_lines(r)
        lines.append(footer(Counter(f.severity for f in findings)))
    return "\n".join(lines)
