"""Compare two models for code review: ops, size, MACs, quantization, and findings per target.

Ops are matched by opcode and the name of their first output tensor (names survive
re-conversion far better than op indices); unmatched ops are added or removed. Findings are
matched by code, target, op name and message, so a finding that only moved does not show.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from inspector.analyses.macs import op_macs
from inspector.analyses.quantization import summarize
from inspector.findings import Finding
from inspector.lint import LintOptions, lint_model, load_profiles
from inspector.model import Model, Operator, Subgraph
from inspector.parse import load


@dataclass
class ModelDiff:
    old: str
    new: str
    size: tuple[int, int]
    macs: tuple[int, int]
    ops: tuple[int, int]
    scheme: tuple[str, str]
    io: tuple[str, str]
    added_ops: list[str] = field(default_factory=list)
    removed_ops: list[str] = field(default_factory=list)
    changed_ops: list[str] = field(default_factory=list)
    op_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> old/new summary
    new_findings: list[Finding] = field(default_factory=list)
    fixed_findings: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.added_ops
            or self.removed_ops
            or self.changed_ops
            or self.new_findings
            or self.fixed_findings
            or self.size[0] != self.size[1]
            or self.scheme[0] != self.scheme[1]
        )


def _op_key(sg: Subgraph, op: Operator) -> tuple[int, str, str]:
    out = sg.tensors[op.outputs[0]].name if op.outputs and op.outputs[0] >= 0 else f"#{op.index}"
    return (sg.index, op.name, out)


def _op_label(sg: Subgraph, op: Operator) -> str:
    out = sg.tensors[op.outputs[0]].name if op.outputs and op.outputs[0] >= 0 else ""
    where = f"subgraph {sg.index} " if sg.index else ""
    return f"{where}{op.name} -> {out!r}" if out else f"{where}{op.name} #{op.index}"


def _signature(sg: Subgraph, op: Operator) -> tuple:
    dtypes = tuple(sg.tensors[i].dtype if i >= 0 else "-" for i in (*op.inputs, *op.outputs))
    shapes = tuple(sg.tensors[i].shape if i >= 0 else () for i in (*op.inputs, *op.outputs))
    return (op.version, tuple(sorted(op.options.items())), dtypes, shapes)


def _describe_change(sg0: Subgraph, a: Operator, sg1: Subgraph, b: Operator) -> str:
    parts = []
    if a.version != b.version:
        parts.append(f"version {a.version} -> {b.version}")
    for k in sorted(set(a.options) | set(b.options)):
        if a.options.get(k) != b.options.get(k):
            parts.append(f"{k} {a.options.get(k)} -> {b.options.get(k)}")
    da = [sg0.tensors[i].dtype for i in a.inputs if i >= 0]
    db = [sg1.tensors[i].dtype for i in b.inputs if i >= 0]
    if da != db:
        parts.append(f"input types {'/'.join(da)} -> {'/'.join(db)}")
    oa = [sg0.tensors[i].dtype for i in a.outputs if i >= 0]
    ob = [sg1.tensors[i].dtype for i in b.outputs if i >= 0]
    if oa != ob:
        parts.append(f"output types {'/'.join(oa)} -> {'/'.join(ob)}")
    sa = [sg0.tensors[i].shape for i in a.outputs if i >= 0]
    sb = [sg1.tensors[i].shape for i in b.outputs if i >= 0]
    if sa != sb:
        parts.append(f"output shape {list(map(list, sa))} -> {list(map(list, sb))}")
    return f"{_op_label(sg1, b)}: " + ", ".join(parts or ["inputs changed"])


def _ops(model: Model) -> dict[tuple, tuple[Subgraph, Operator]]:
    out: dict[tuple, tuple[Subgraph, Operator]] = {}
    for sg in model.subgraphs:
        for op in sg.operators:
            out.setdefault(_op_key(sg, op), (sg, op))
    return out


def _finding_key(f: Finding) -> tuple:
    return (f.code, f.target, f.opcode, f.message)


def diff_models(old_path: str, new_path: str, options: LintOptions) -> ModelDiff:
    old, new = load(old_path), load(new_path)
    profiles = load_profiles(options)
    r_old = lint_model(old_path, profiles, options, old)
    r_new = lint_model(new_path, profiles, options, new)
    q_old, q_new = summarize(old), summarize(new)

    def macs(m: Model) -> int:
        return sum(op_macs(sg, op) for sg in m.subgraphs for op in sg.operators)

    def io(q: Any) -> str:
        return f"{'/'.join(q.inputs)} -> {'/'.join(q.outputs)}"

    d = ModelDiff(
        old=old_path,
        new=new_path,
        size=(old.file_size, new.file_size),
        macs=(macs(old), macs(new)),
        ops=(
            sum(len(s.operators) for s in old.subgraphs),
            sum(len(s.operators) for s in new.subgraphs),
        ),
        scheme=(q_old.scheme, q_new.scheme),
        io=(io(q_old), io(q_new)),
    )
    a, b = _ops(old), _ops(new)
    d.removed_ops = [_op_label(*a[k]) for k in a if k not in b]
    d.added_ops = [_op_label(*b[k]) for k in b if k not in a]
    d.changed_ops = [
        _describe_change(*a[k], *b[k])
        for k in a
        if k in b and _signature(*a[k]) != _signature(*b[k])
    ]
    ca = Counter(op.name for sg in old.subgraphs for op in sg.operators)
    cb = Counter(op.name for sg in new.subgraphs for op in sg.operators)
    d.op_counts = {k: (ca[k], cb[k]) for k in sorted(set(ca) | set(cb)) if ca[k] != cb[k]}
    for name in r_new.targets:
        t0, t1 = r_old.targets.get(name), r_new.targets[name]
        if t0 is None:
            continue
        d.targets[name] = {
            key: (t0[key], t1[key])
            for key in ("ops_delegated_pct", "partitions", "macs_on_cpu_pct")
        }
        d.targets[name]["fallback"] = (len(t0["fallback_ops"]), len(t1["fallback_ops"]))
    old_keys = Counter(_finding_key(f) for f in r_old.findings)
    new_keys = Counter(_finding_key(f) for f in r_new.findings)
    d.new_findings = _unmatched(r_new.findings, old_keys)
    d.fixed_findings = _unmatched(r_old.findings, new_keys)
    return d


def _unmatched(findings: list[Finding], other: Counter) -> list[Finding]:
    left = Counter(other)
    out = []
    for f in findings:
        k = _finding_key(f)
        if left[k]:
            left[k] -= 1
        else:
            out.append(f)
    return out


# -- rendering ---------------------------------------------------------------------------------
def _delta(a: float, b: float, unit: str = "", *, pct: bool = False) -> str:
    if a == b:
        return f"{a:,}{unit} (unchanged)" if not pct else f"{a:.1f}% (unchanged)"
    if pct:
        return f"{a:.1f}% -> {b:.1f}%"
    change = f"{(b - a) / a * 100:+.1f}%" if a else "new"
    return f"{a:,}{unit} -> {b:,}{unit} ({change})"


def render_text(d: ModelDiff, markdown: bool = False) -> str:
    h = "### " if markdown else ""
    bullet = "- " if markdown else "  "
    lines = [f"{h}{d.old} -> {d.new}", ""]
    rows = [
        ("size", _delta(*d.size, " B")),
        ("MACs", _delta(*d.macs)),
        ("ops", _delta(*d.ops)),
        (
            "quantization",
            f"{d.scheme[0]} -> {d.scheme[1]}"
            if d.scheme[0] != d.scheme[1]
            else f"{d.scheme[0]} (unchanged)",
        ),
        (
            "I/O types",
            f"{d.io[0]}  =>  {d.io[1]}" if d.io[0] != d.io[1] else f"{d.io[0]} (unchanged)",
        ),
    ]
    if markdown:
        lines += ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    else:
        lines += [f"  {k:<13} {v}" for k, v in rows]
    if d.targets:
        lines += ["", f"{h}Targets" if markdown else "targets:"]
        if markdown:
            lines += [
                "| target | ops delegated | partitions | MACs on CPU | fallback ops |",
                "|---|---|---|---|---|",
            ]
        for name, t in d.targets.items():
            cells = [
                _delta(t["ops_delegated_pct"][0], t["ops_delegated_pct"][1], pct=True),
                _delta(t["partitions"][0], t["partitions"][1]),
                _delta(t["macs_on_cpu_pct"][0], t["macs_on_cpu_pct"][1], pct=True),
                _delta(t["fallback"][0], t["fallback"][1]),
            ]
            if markdown:
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
            else:
                lines.append(
                    f"  {name:<10} ops {cells[0]}; partitions {cells[1]}; "
                    f"MACs on CPU {cells[2]}; fallback ops {cells[3]}"
                )
    for title, items in (
        ("Ops added", d.added_ops),
        ("Ops removed", d.removed_ops),
        ("Ops changed", d.changed_ops),
    ):
        if items:
            lines += [
                "",
                f"{h}{title} ({len(items)})" if markdown else f"{title.lower()} ({len(items)}):",
            ]
            lines += [f"{bullet}{x}" for x in items[:50]]
            if len(items) > 50:
                lines.append(f"{bullet}... {len(items) - 50} more")
    if d.op_counts:
        counts = ", ".join(f"{k} {a}->{b}" for k, (a, b) in d.op_counts.items())
        lines += ["", f"{'**Op counts:** ' if markdown else 'op counts: '}{counts}"]
    for title, found in (("New findings", d.new_findings), ("Fixed findings", d.fixed_findings)):
        if found:
            lines += [
                "",
                f"{h}{title} ({len(found)})" if markdown else f"{title.lower()} ({len(found)}):",
            ]
            for f in found[:50]:
                target = f"[{f.target}] " if f.target else ""
                code = f"`{f.code}`" if markdown else f.code
                lines.append(f"{bullet}{code} {target}{f.message}")
            if len(found) > 50:
                lines.append(f"{bullet}... {len(found) - 50} more")
    if not d.changed:
        lines += ["", "no differences in ops, quantization or findings"]
    return "\n".join(lines).rstrip() + "\n"
