"""Evaluate a model against target profiles: per-op verdicts, partitions, MACs, findings.

Pure functions: nothing here prints, exits or reads configuration.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from inspector.analyses.macs import subgraph_macs
from inspector.analyses.partition import Partition, limit_partitions, partition_graph
from inspector.catalog import load_catalog
from inspector.findings import Finding
from inspector.model import Model, Subgraph
from inspector.predicates import OpContext
from inspector.profiles import Constraint, Profile, op_key

# Custom codes of ops that a compiler for one accelerator folded other ops into, and the
# built-in target that runs them (None: a vendor NPU we have no target for).
PRECOMPILED_OPS = {
    "edgetpu-custom-op": "Edge TPU",
    "ethos-u": "Arm Ethos-U",
    "DISPATCH_OP": "a LiteRT NPU (vendor dispatch)",
}
PRECOMPILED_OWNER = {"edgetpu-custom-op": "edgetpu", "ethos-u": "ethos-u"}


@dataclass(frozen=True)
class Failure:
    code: str
    requirement: str
    detail: str = ""
    source: str | None = None

    def text(self) -> str:
        return f"{self.requirement} ({self.detail})" if self.detail else self.requirement


@dataclass(frozen=True)
class OpVerdict:
    subgraph: int
    op: int
    opcode: str  # display name (custom code for custom ops)
    accepted: bool
    failures: tuple[Failure, ...]
    macs: int


@dataclass
class TargetResult:
    profile: Profile
    verdicts: dict[tuple[int, int], OpVerdict]
    partitions: list[tuple[int, Partition]]  # delegated partitions kept, (subgraph, partition)
    transitions: int  # boundaries between delegate and CPU subsets in the runtime's plan
    precompiled_for: str | None = None
    findings: list[Finding] = field(default_factory=list)
    refused: Failure | None = None  # the target refuses the whole model (e.g. Vela fails)
    target_macs: int | None = None  # the target's own count, where it has one (Vela's)

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def delegated(self) -> list[tuple[int, int]]:
        return sorted(k for k, v in self.verdicts.items() if v.accepted)

    @property
    def fallback(self) -> list[OpVerdict]:
        return [v for _, v in sorted(self.verdicts.items()) if not v.accepted]

    @property
    def macs_total(self) -> int:
        return sum(v.macs for v in self.verdicts.values())

    @property
    def macs_on_cpu(self) -> int:
        return sum(v.macs for v in self.verdicts.values() if not v.accepted)

    @property
    def ops_delegated_pct(self) -> float:
        n = len(self.verdicts)
        return 100.0 * len(self.delegated) / n if n else 0.0

    @property
    def macs_on_cpu_pct(self) -> float:
        total = self.macs_total
        return 100.0 * self.macs_on_cpu / total if total else 0.0


# -- checking one op -------------------------------------------------------------------------
def _applies(ctx: OpContext, c: Constraint) -> bool:
    return all(not pred.fn(ctx, **params) for pred, params in c.when)


def run_constraints(ctx: OpContext, constraints: Iterable[Constraint]) -> list[Failure]:
    """Every failure of every applicable constraint (never stops at the first)."""
    out: list[Failure] = []
    for c in constraints:
        if not _applies(ctx, c):
            continue
        for detail in c.predicate.fn(ctx, **c.params):
            out.append(Failure(c.rule_code, c.requirement(), detail, c.source))
    return out


def check_op(ctx: OpContext, profile: Profile) -> list[Failure]:
    op = ctx.op
    key = op_key(op.opcode, op.custom_code)
    spec = profile.ops.get(key)
    if spec is None or not spec.supported:
        return [_unsupported(op.opcode, op.custom_code, profile, spec.source if spec else None)]
    failures: list[Failure] = []
    if spec.versions and not spec.versions[0] <= op.version <= spec.versions[1]:
        failures.append(
            Failure(
                "D002",
                f"{key} versions {spec.versions[0]}..{spec.versions[1]} are supported",
                f"version is {op.version}",
                spec.versions_source or spec.source,
            )
        )
    generic = [c for c in profile.generic if key not in c.except_ops]
    failures += run_constraints(ctx, generic)
    failures += run_constraints(ctx, spec.constraints)
    return failures


def _unsupported(opcode: str, custom: str | None, profile: Profile, source: str | None) -> Failure:
    if opcode == "CUSTOM":
        code = custom or ""
        if not code:
            return Failure(
                "D011" if profile.kind == "runtime" else "D001",
                "a CUSTOM op without a custom code cannot be resolved (the runtime refuses it: "
                "Operator with CUSTOM builtin_code has no custom_code)",
                "",
                source,
            )
        if code in PRECOMPILED_OPS and profile.kind == "runtime":
            return Failure(
                "D011",
                f"custom op {code!r} (compiled for {PRECOMPILED_OPS[code]}) has no kernel in "
                f"{profile.title}: it runs only with its vendor delegate",
                "",
                source,
            )
        if code in PRECOMPILED_OPS:
            return Failure("D013", f"{code} is compiled for {PRECOMPILED_OPS[code]}", "", source)
        if code.startswith("Flex"):
            return Failure(
                "D012", f"Select TensorFlow op {code} needs the Flex delegate", "", source
            )
        if profile.kind == "runtime":
            return Failure(
                "D011", f"custom op {code!r} has no kernel in {profile.title}", "", source
            )
        return Failure(
            "D001", f"custom op {code!r} is not supported by {profile.title}", "", source
        )
    if opcode.startswith("UNKNOWN_"):
        return Failure(
            "D001", f"operator code {opcode[8:]} is unknown to {profile.title}", "", source
        )
    return Failure("D001", f"{opcode} is not supported by {profile.title}", "", source)


Selector = Callable[[Model, Subgraph, Profile], dict[int, list[Failure]]]


def default_selector(model: Model, sg: Subgraph, profile: Profile) -> dict[int, list[Failure]]:
    return {
        op.index: check_op(OpContext(model, sg, op, options=profile.options), profile)
        for op in sg.operators
    }


FP16_HELPER_SOURCE = "tflite/delegates/utils.cc:L201-320"


def fp16_weight_dequantize(sg: Subgraph) -> dict[int, int]:
    """DEQUANTIZE ops of constant FLOAT16 weights: op index -> the FLOAT16 tensor
    (FP16GraphPartitionHelper::IsNodeSupported's IsDequantizeConstFloat16, utils.cc L239-254)."""
    out = {}
    for op in sg.operators:
        if op.opcode != "DEQUANTIZE" or not op.inputs or op.inputs[0] < 0 or not op.outputs:
            continue
        t = sg.tensors[op.inputs[0]]
        if t.dtype == "FLOAT16" and t.is_constant and op.outputs[0] >= 0:
            out[op.index] = op.inputs[0]
    return out


def fp16_helper_selector(model: Model, sg: Subgraph, profile: Profile) -> dict[int, list[Failure]]:
    """FP16GraphPartitionHelper (utils.cc L201-320), shared by the GPU, NNAPI and Core ML
    delegates: a DEQUANTIZE of constant FLOAT16 weights is not offered to the delegate; its
    consumers are checked as if they read the FLOAT16 constant directly
    (RemapFp16InputTensors, L295-320). Those DEQUANTIZE ops are delegated only when every
    other op is (full delegation, L206-214); otherwise they stay on the CPU."""
    dequant = fp16_weight_dequantize(sg)
    remap = {sg.operators[i].outputs[0]: t for i, t in dequant.items()}
    failures: dict[int, list[Failure]] = {}
    for op in sg.operators:
        if op.index in dequant:
            continue
        seen = op
        if any(t in remap for t in op.inputs):
            seen = dataclasses.replace(op, inputs=tuple(remap.get(t, t) for t in op.inputs))
        failures[op.index] = check_op(OpContext(model, sg, seen, options=profile.options), profile)
    full = all(not f for f in failures.values())
    for i in dequant:
        failures[i] = (
            []
            if full
            else [
                Failure(
                    "D010",
                    "a DEQUANTIZE of constant FLOAT16 weights is delegated only together with "
                    "every other op of the graph; its consumers read the FLOAT16 weights directly",
                    "another op of the graph is not delegated",
                    FP16_HELPER_SOURCE,
                )
            ]
        )
    return failures


def _selector(profile: Profile) -> Selector:
    if profile.selector == "default":
        return default_selector
    if profile.selector == "fp16-helper":
        return fp16_helper_selector
    from inspector.targets import target_selector

    sel = target_selector(profile.selector)
    assert sel is not None, profile.selector  # checked when the profile was loaded
    return sel


# -- a whole target --------------------------------------------------------------------------
def _subgraphs(model: Model, profile: Profile) -> list[Subgraph]:
    sgs = list(model.subgraphs) if profile.subgraphs == "all" else [model.main]
    return [
        sg for sg in sgs if not any(sg.name.startswith(p) for p in profile.skip_subgraph_prefixes)
    ]


def evaluate(
    model: Model, profile: Profile, macs: dict[int, list[int]] | None = None
) -> TargetResult:
    """``macs``: per subgraph, each op's MACs (``model_macs``), when the caller lints the
    model against several targets and computed them once."""
    select = _selector(profile)
    part = profile.partitioning
    verdicts: dict[tuple[int, int], OpVerdict] = {}
    kept: list[tuple[int, Partition]] = []
    hops = 0
    for sg in _subgraphs(model, profile):
        failures = select(model, sg, profile)
        for op in sg.operators:  # a compiled blob runs on the accelerator it was compiled for
            if PRECOMPILED_OWNER.get(op.custom_code or "") == profile.name:
                failures[op.index] = []
        sg_macs = macs[sg.index] if macs is not None else subgraph_macs(sg)
        if part.mode == "prefix":
            accepted = _prefix(sg, failures)
        else:
            accepted = {i for i, f in failures.items() if not f}
        if part.mode == "graph":
            subsets = partition_graph(
                sg, accepted, greedy=part.greedy, side_effect_edges=part.side_effect_edges
            )
            everything = len(accepted) == len(sg.operators)
            if everything and part.full_delegation_ignores_limits:
                delegated, dropped = [p for p in subsets if p.delegated], set[int]()
            else:
                delegated, dropped = limit_partitions(
                    subsets, part.max_partitions, part.min_ops_per_partition
                )
            for i in dropped:
                accepted.discard(i)
                failures[i] = [
                    Failure(
                        "P002", _dropped_reason(part.max_partitions, part.min_ops_per_partition)
                    )
                ]
            if dropped:
                subsets = partition_graph(
                    sg, accepted, greedy=part.greedy, side_effect_edges=part.side_effect_edges
                )
                delegated = [p for p in subsets if p.delegated]
        else:
            subsets = partition_graph(sg, accepted, greedy=False, side_effect_edges=False)
            delegated = [p for p in subsets if p.delegated]
        kept += [(sg.index, p) for p in delegated]
        hops += max(0, len(subsets) - 1)
        for op in sg.operators:
            verdicts[(sg.index, op.index)] = OpVerdict(
                sg.index,
                op.index,
                op.name,
                op.index in accepted,
                tuple(failures.get(op.index, ())) if op.index not in accepted else (),
                sg_macs[op.index],
            )
    precompiled = next(
        (
            PRECOMPILED_OPS[op.custom_code]
            for sg in model.subgraphs
            for op in sg.operators
            if op.custom_code in PRECOMPILED_OPS
        ),
        None,
    )
    result = TargetResult(profile, verdicts, kept, hops, precompiled)
    from inspector.targets import target_hook

    refusal_fn = target_hook(profile.extension, "model_refusal")
    refusal = refusal_fn(model) if refusal_fn is not None else None
    if refusal is not None:
        result.refused = refusal.failure()
    macs_fn = target_hook(profile.extension, "target_macs")
    if macs_fn is not None and refusal is None:
        result.target_macs = macs_fn(model, result)
    result.findings = target_findings(model, result)
    return result


def model_macs(model: Model) -> dict[int, list[int]]:
    return {sg.index: subgraph_macs(sg) for sg in model.subgraphs}


def _dropped_reason(max_partitions: int, min_ops: int) -> str:
    limits = []
    if max_partitions:
        limits.append(f"is not among the {max_partitions} largest")
    if min_ops > 1:
        limits.append(f"has fewer than {min_ops} ops")
    return f"its partition {' or '.join(limits)}, so the delegate leaves it on the CPU"


def _prefix(sg: Subgraph, failures: dict[int, list[Failure]]) -> set[int]:
    """Compilers that map ops only up to the first unsupported one in execution order."""
    accepted: set[int] = set()
    for op in sg.operators:
        if failures.get(op.index):
            break
        accepted.add(op.index)
    for op in sg.operators:
        if op.index not in accepted and not failures.get(op.index):
            failures[op.index] = [
                Failure(
                    "D010",
                    "follows an unsupported op in execution order; the compiler "
                    "maps ops only up to the first one it rejects",
                )
            ]
    return accepted


# -- findings ---------------------------------------------------------------------------------
def target_findings(model: Model, r: TargetResult) -> list[Finding]:
    catalog = load_catalog()
    p = r.profile
    verb = "cannot run" if p.kind == "runtime" else "falls back to the CPU"
    if r.refused is not None:  # one finding for the model, not one per op
        f = r.refused
        return [
            Finding(
                model.path,
                None,
                None,
                f.code,
                p.name,
                "error" if p.kind == "runtime" else p.severity,
                f.text(),
                source=_source_text(p, f.source),
            )
        ]
    out: list[Finding] = []
    for v in r.fallback:
        # One finding per failed constraint: its details (one per tensor) joined.
        grouped: dict[tuple[str, str, str | None], list[str]] = {}
        for f in v.failures:
            grouped.setdefault((f.code, f.requirement, f.source), []).append(f.detail)
        for (code, requirement, source), details in grouped.items():
            severity = (
                p.severity
                if code.startswith("D0") and code not in ("D011", "D012", "D013")
                else catalog[code].severity
            )
            detail = "; ".join(d for d in details if d)
            text = f"{requirement} ({detail})" if detail else requirement
            out.append(
                Finding(
                    path=model.path,
                    subgraph=v.subgraph,
                    op=v.op,
                    code=code,
                    target=p.name,
                    severity=severity,
                    message=f"{v.opcode} {verb}: {text}",
                    opcode=v.opcode,
                    source=sys.intern(_source_text(p, source)),
                )
            )
    n_ops = len(r.verdicts)
    n_fallback = len(r.fallback)
    owners = {
        PRECOMPILED_OWNER.get(op.custom_code or "")
        for sg in model.subgraphs
        for op in sg.operators
        if op.custom_code in PRECOMPILED_OPS
    }
    if r.precompiled_for and p.name not in owners:
        # Say it once instead of reporting the compiled model as one big fallback.
        out.append(
            _model_finding(
                model,
                "D013",
                p.name,
                "info",
                f"the model is already compiled for {r.precompiled_for}; {p.name} cannot run the "
                "compiled part: lint the model from before compilation to compare targets",
            )
        )
        return out
    if p.kind != "runtime" and n_ops:
        if not r.delegated:
            out.append(
                _model_finding(
                    model,
                    "P003",
                    p.name,
                    catalog["P003"].severity,
                    f"the target takes none of the {n_ops} ops",
                )
            )
        elif n_fallback:
            out.append(
                _model_finding(
                    model,
                    "P001",
                    p.name,
                    "info",
                    f"{n_fallback} of {n_ops} ops fall back to the CPU; "
                    f"{r.macs_on_cpu_pct:.1f}% of {r.macs_total:,} MACs stay on the CPU",
                )
            )
        if len(r.partitions) > 1:
            out.append(
                _model_finding(
                    model,
                    "P002",
                    p.name,
                    "warning" if len(r.partitions) > 2 else "info",
                    f"the graph is cut into {len(r.partitions)} partitions with "
                    f"{r.transitions} CPU<->delegate transitions",
                )
            )
    return out


def _source_text(p: Profile, source: str | None) -> str:
    """Where the constraint comes from: the profile's file and line, or another file of the
    same repository and ref when the constraint names one."""
    if not source:
        return str(p.source)
    if "/" in source and not source.startswith(("L", "#")):
        return f"{p.source.repo}@{p.source.ref[:12]}:{source}"
    return f"{p.source} {source}"


def _model_finding(model: Model, code: str, target: str, severity: str, message: str) -> Finding:
    return Finding(model.path, None, None, code, target, severity, message)


def model_findings(model: Model) -> list[Finding]:
    """The reader's warnings (TFL codes) as findings."""
    catalog = load_catalog()
    return [
        Finding(
            model.path,
            w.subgraph,
            w.op,
            w.code,
            None,
            catalog[w.code].severity,
            w.message,
            tensor=w.tensor,
        )
        for w in model.warnings
        if w.code in catalog
    ]
