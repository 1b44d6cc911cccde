"""Model hygiene: dead tensors and buffers, dynamic shapes, Flex and custom ops."""

from __future__ import annotations

from collections.abc import Iterator

from inspector.findings import Finding
from inspector.model import Model

VENDOR_OPS = frozenset({"edgetpu-custom-op", "ethos-u", "DISPATCH_OP"})


def _f(
    model: Model,
    code: str,
    severity: str,
    message: str,
    sg: int | None = None,
    tensor: int | None = None,
) -> Finding:
    return Finding(model.path, sg, None, code, None, severity, message, tensor=tensor)


def _names(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def unused_tensors(model: Model) -> Iterator[Finding]:
    for sg in model.subgraphs:
        used = set(sg.inputs) | set(sg.outputs)
        for op in sg.operators:
            used.update(op.inputs)
            used.update(op.outputs)
            used.update(op.intermediates)
        for t in sg.tensors:
            d = t.quantization.details if t.quantization else None
            if d:
                used.update(v for k, v in d.items() if k in ("scales", "zero_points"))
        for sig in model.signatures:
            if sig.subgraph_index == sg.index:
                used.update(i for _, i in (*sig.inputs, *sig.outputs))
        dead = [t for t in sg.tensors if t.index not in used]
        if dead:
            size = sum(t.constant_bytes for t in dead)
            yield _f(
                model,
                "H001",
                "info",
                f"{len(dead)} tensor{'s' if len(dead) > 1 else ''} in subgraph {sg.index} "
                f"{'are' if len(dead) > 1 else 'is'} never used ({_names([t.name for t in dead])})"
                + (f", holding {size:,} bytes of constant data" if size else ""),
                sg.index,
                dead[0].index,
            )


def unused_buffers(model: Model) -> Iterator[Finding]:
    used = {t.buffer for sg in model.subgraphs for t in sg.tensors}
    used |= {m.buffer for m in model.metadata}
    orphans = [b for b in model.buffers if b.size and b.index not in used]
    if orphans:
        size = sum(b.size for b in orphans)
        yield _f(
            model,
            "H002",
            "info",
            f"{len(orphans)} buffer{'s' if len(orphans) > 1 else ''} with {size:,} bytes "
            "of data are not referenced by any tensor or metadata",
        )


def dynamic_shapes(model: Model) -> Iterator[Finding]:
    main = model.main
    dyn = [main.tensors[i] for i in main.inputs if main.tensors[i].is_dynamic]
    n = sum(t.is_dynamic for sg in model.subgraphs for t in sg.tensors)
    if n:
        where = (
            f"inputs {_names([t.name for t in dyn])}"
            if dyn
            else "tensors computed inside the model"
        )
        yield _f(model, "H003", "info", f"{n} tensors have dynamic dimensions, starting at {where}")


def custom_and_flex_ops(model: Model) -> Iterator[Finding]:
    codes = sorted(
        {
            op.custom_code or ""
            for sg in model.subgraphs
            for op in sg.operators
            if op.opcode == "CUSTOM"
        }
    )
    flex = [c for c in codes if c.startswith("Flex")]
    custom = [c for c in codes if not c.startswith("Flex") and c not in VENDOR_OPS]
    if flex:
        yield _f(model, "H004", "warning", f"Select TensorFlow ops: {_names(flex, 10)}")
    if custom:
        yield _f(model, "H005", "info", f"custom ops: {_names(custom, 10)}")


CHECKS = (unused_tensors, unused_buffers, dynamic_shapes, custom_and_flex_ops)


def hygiene_findings(model: Model) -> list[Finding]:
    return [f for check in CHECKS for f in check(model)]
