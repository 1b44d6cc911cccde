"""Lint one model against target profiles: the pure core of ``tflite-inspector lint``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inspector.analyses.hygiene import hygiene_findings
from inspector.analyses.quant_checks import quantization_findings
from inspector.analyses.quantization import QuantizationSummary, summarize
from inspector.engine import TargetResult, evaluate, model_findings, model_macs
from inspector.errors import ModelFormatError
from inspector.findings import Finding, severity_rank
from inspector.model import Model
from inspector.parse import load
from inspector.profiles import Profile, resolve_target


@dataclass(frozen=True)
class LintOptions:
    targets: tuple[str, ...]
    select: frozenset[str] | None = None  # codes; None = all
    ignore: frozenset[str] = frozenset()
    runtime_version: str | None = None
    # (target, option, value): settings chosen at lint time, e.g. ("nnapi", "android_api", 30)
    target_options: tuple[tuple[str, str, Any], ...] = ()


@dataclass
class ModelReport:
    path: str
    error: str | None = None
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)  # JSON-ready summaries
    findings: list[Finding] = field(default_factory=list)
    quantization: dict[str, Any] | None = None


def load_profiles(options: LintOptions) -> list[Profile]:
    profiles = []
    for spec in options.targets:
        p = resolve_target(spec)
        if options.runtime_version and p.kind == "runtime" and p.name == "cpu":
            p = dataclasses.replace(p, runtime_version=options.runtime_version)
        values = {k: v for t, k, v in options.target_options if t == p.name}
        if values:
            p = p.with_options(**values)
        profiles.append(p)
    return profiles


def target_summary(r: TargetResult) -> dict[str, Any]:
    return {
        "title": r.profile.title,
        "kind": r.profile.kind,
        "source": str(r.profile.source),
        "ops_total": len(r.verdicts),
        "delegated_ops": [list(k) for k in r.delegated],
        "fallback_ops": [
            {
                "subgraph": v.subgraph,
                "op": v.op,
                "opcode": v.opcode,
                "macs": v.macs,
                "reasons": [f.text() for f in v.failures],
                "codes": sorted({f.code for f in v.failures}),
            }
            for v in r.fallback
        ],
        "partitions": len(r.partitions),
        "partition_ops": [[sg, list(p.ops)] for sg, p in r.partitions],
        "transitions": r.transitions,
        "ops_delegated_pct": round(r.ops_delegated_pct, 2),
        "macs_total": r.macs_total,
        "macs_on_cpu": r.macs_on_cpu,
        "macs_on_cpu_pct": round(r.macs_on_cpu_pct, 2),
        "precompiled_for": r.precompiled_for,
        "refused": r.refused.text() if r.refused else None,
        "macs_target": r.target_macs,
    }


def quantization_json(q: QuantizationSummary) -> dict[str, Any]:
    return {
        "scheme": q.scheme,
        "io": {"inputs": list(q.inputs), "outputs": list(q.outputs)},
        "float_ops": [list(x) for x in q.float_ops],
        "hybrid_ops": [list(x) for x in q.hybrid_ops],
    }


def float_io_findings(model: Model, q: QuantizationSummary, profile: Profile) -> list[Finding]:
    """Q010: a full-integer model whose I/O stays float, for targets that need integer I/O."""
    if q.scheme not in ("int8", "int16x8"):
        return []
    main = model.main
    out = []
    for kind, indices in (("input", main.inputs), ("output", main.outputs)):
        for i in indices:
            t = main.tensors[i]
            if t.dtype == "FLOAT32":
                out.append(
                    Finding(
                        model.path,
                        0,
                        None,
                        "Q010",
                        profile.name,
                        "warning",
                        f"model {kind} {t.name!r} is FLOAT32 on a full-integer model; "
                        f"{profile.name} needs integer I/O, so the conversion runs on the CPU",
                        tensor=i,
                    )  # fmt: skip
                )
    return out


def selected(f: Finding, options: LintOptions) -> bool:
    if options.select is not None and f.code not in options.select:
        return False
    return f.code not in options.ignore


def lint_model(
    path: str, profiles: Iterable[Profile], options: LintOptions, model: Model | None = None
) -> ModelReport:
    """Lint the model at ``path`` (parsed here unless the caller already has ``model``)."""
    if model is None:
        try:
            model = load(path)
        except ModelFormatError as exc:
            return ModelReport(path=path, error=str(exc))
    quant = summarize(model)
    report = ModelReport(path=path, quantization=quantization_json(quant))
    findings = model_findings(model) + quantization_findings(model, quant) + hygiene_findings(model)
    macs = model_macs(model)
    for profile in profiles:
        result = evaluate(model, profile, macs)
        report.targets[profile.name] = target_summary(result)
        findings += result.findings
        if profile.integer_io and not result.precompiled_for:
            findings += float_io_findings(model, quant, profile)
    report.findings = sorted((f for f in findings if selected(f, options)), key=Finding.sort_key)
    return report


def worst(findings: Iterable[Finding]) -> int:
    return max((severity_rank(f.severity) for f in findings), default=-1)
