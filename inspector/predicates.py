"""Predicates: the small functions that target profiles name in their constraints.

A predicate takes an :class:`OpContext` and keyword parameters from the profile, and returns
every failure it finds as a short detail ("input 1 is FLOAT16"); an empty list means the
constraint holds. Its ``doc`` is a template filled from the same parameters, so the sentence a
user reads and the check that runs share their numbers (Vela's docstring trick).

Generic predicates below work for any target and are what user profiles use. Target-specific
predicates (XNNPACK's type classes, ...) live in ``inspector/targets/`` and register the same way.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from inspector.model import Model, Operator, Subgraph, Tensor

Check = Callable[..., list[str]]


@dataclass
class OpContext:
    model: Model
    sg: Subgraph
    op: Operator
    # Tensors a selector treats as constant although they are computed (XNNPACK's
    # "quasi-static" outputs of static DEQUANTIZE nodes), and other per-target state.
    quasi_static: set[int] = field(default_factory=set)
    state: dict[Any, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)  # the profile's target options

    def slot(self, kind: str, i: int) -> Tensor | None:
        idx = self.op.inputs if kind == "input" else self.op.outputs
        if i < 0:
            i += len(idx)
        if not 0 <= i < len(idx) or idx[i] < 0:
            return None
        return self.sg.tensors[idx[i]]

    def tensors(self, selector: str | Sequence[str]) -> list[tuple[str, Tensor]]:
        """(label, tensor) pairs for a selector; optional (-1) inputs are left out."""
        if not isinstance(selector, str):
            return [pair for s in selector for pair in self.tensors(s)]
        op, sg = self.op, self.sg
        if selector in ("inputs", "outputs"):
            kind = selector[:-1]
            idx = op.inputs if kind == "input" else op.outputs
            return [(f"{kind} {i}", sg.tensors[t]) for i, t in enumerate(idx) if t >= 0]
        if selector == "all":
            return self.tensors("inputs") + self.tensors("outputs")
        if selector == "activations":
            return [(n, t) for n, t in self.tensors("all") if not self.is_constant(t)]
        if selector == "constant_inputs":
            return [(n, t) for n, t in self.tensors("inputs") if self.is_constant(t)]
        if selector == "inputs_after_first":
            return self.tensors("inputs")[1:]
        for kind in ("input", "output"):
            if selector.startswith(kind) and selector[len(kind) :].lstrip("-").isdigit():
                i = int(selector[len(kind) :])
                t = self.slot(kind, i)
                return [] if t is None else [(f"{kind} {i if i >= 0 else 'last'}", t)]
        raise ValueError(f"unknown tensor selector {selector!r}")

    def is_constant(self, t: Tensor) -> bool:
        return t.is_constant or t.index in self.quasi_static


@dataclass(frozen=True)
class Predicate:
    name: str
    code: str  # the rule code its failures are reported under
    doc: str  # requirement sentence, a template over the parameters
    params: Mapping[str, tuple[type | tuple[type, ...], bool]]  # name -> (type, required)
    fn: Check

    def describe(self, params: Mapping[str, Any]) -> str:
        """The requirement sentence, filled from the parameters; unset ones are dropped."""
        values = {}
        for k in self.params:
            v = params.get(k, self.defaults.get(k))
            values[k] = selector_text(v) if k in _SELECTOR_PARAMS else _fmt(v)
        text = self.doc.format(**values)
        # Drop clauses whose parameter was not given ("between 0 and None" reads badly).
        text = re.sub(r" \(?[a-z_-]+: None\)?,?", "", text)
        text = re.sub(r"(/ )?(between None and None|one of None)( /)?", "", text)
        text = re.sub(r"between (\S+) and None", r"at least \1", text)
        text = re.sub(r"between None and (\S+)", r"at most \1", text)
        text = text.replace("must be  ", "must be ").rstrip(" /")
        return re.sub(r"\s+", " ", text.replace("(, ", "(").replace(", )", ")")).strip()

    @property
    def defaults(self) -> dict[str, Any]:
        sig = inspect.signature(self.fn)
        return {
            k: p.default
            for k, p in sig.parameters.items()
            if p.default is not inspect.Parameter.empty
        }


_SELECTOR_PARAMS = {"tensors", "numerator", "denominator"}
_SELECTOR_WORDS = {
    "inputs": "all inputs",
    "outputs": "all outputs",
    "all": "all tensors",
    "activations": "activation tensors",
    "constant_inputs": "constant inputs",
    "inputs_after_first": "inputs after the first",
}


def selector_text(value: Any) -> str:
    """'input1' -> 'input 1'; lists joined: the words users read in messages and docs."""
    if isinstance(value, (list, tuple)):
        return " and ".join(selector_text(v) for v in value)
    v = str(value)
    if v in _SELECTOR_WORDS:
        return _SELECTOR_WORDS[v]
    m = re.fullmatch(r"(input|output)(-?\d+)", v)
    if m:
        return (
            f"{m.group(1)} {m.group(2)}" if not m.group(2).startswith("-") else f"last {m.group(1)}"
        )
    return v


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def register(
    registry: dict[str, Predicate],
    name: str,
    code: str,
    doc: str,
    /,
    **params: tuple[type | tuple[type, ...], bool],
) -> Callable[[Check], Check]:
    def deco(fn: Check) -> Check:
        if name in registry:
            raise ValueError(f"predicate {name} registered twice")
        registry[name] = Predicate(name, code, doc, params, fn)
        return fn

    return deco


GENERIC: dict[str, Predicate] = {}
_SEL = (str, list)


@register(
    GENERIC,
    "dtype",
    "D003",
    "{tensors} must be of type {allowed}",
    tensors=(_SEL, True),
    allowed=(list, True),
)
def _dtype(ctx: OpContext, tensors: Any, allowed: list[str]) -> list[str]:
    return [f"{n} is {t.dtype}" for n, t in ctx.tensors(tensors) if t.dtype not in allowed]


@register(GENERIC, "same_dtype", "D003", "{tensors} must have the same type", tensors=(_SEL, True))
def _same_dtype(ctx: OpContext, tensors: Any) -> list[str]:
    pairs = ctx.tensors(tensors)
    types = {t.dtype for _, t in pairs}
    if len(types) <= 1:
        return []
    return ["types differ: " + ", ".join(f"{n} {t.dtype}" for n, t in pairs)]


@register(
    GENERIC,
    "quantized",
    "D004",
    "{tensors} must be quantized "
    "(per-channel: {per_channel}, axis: {axis}, symmetric: {symmetric})",
    tensors=(_SEL, True),
    per_channel=(str, False),
    axis=(int, False),
    symmetric=(bool, False),
)
def _quantized(
    ctx: OpContext,
    tensors: Any,
    per_channel: str = "allowed",
    axis: int | None = None,
    symmetric: bool = False,
) -> list[str]:
    out = []
    for n, t in ctx.tensors(tensors):
        q = t.quantization
        if q is None or not q.is_quantized:
            out.append(f"{n} has no quantization parameters")
            continue
        if per_channel == "forbidden" and q.per_channel:
            out.append(f"{n} is quantized per channel ({q.scale.size} scales)")
        if per_channel == "required" and not q.per_channel:
            out.append(f"{n} is quantized per tensor")
        if axis is not None and q.per_channel and q.quantized_dimension != axis:
            out.append(f"{n} is quantized along axis {q.quantized_dimension}")
        if symmetric and any(int(z) != 0 for z in q.zero_point):
            out.append(f"{n} has a non-zero zero point")
    return out


@register(
    GENERIC,
    "zero_point",
    "D004",
    "{tensors} zero point must be {equals}",
    tensors=(_SEL, True),
    equals=(int, True),
)
def _zero_point(ctx: OpContext, tensors: Any, equals: int) -> list[str]:
    return [
        f"{n} zero point is {int(t.zero_point[0])}"
        for n, t in ctx.tensors(tensors)
        if t.zero_point.size and any(int(z) != equals for z in t.zero_point)
    ]


@register(
    GENERIC,
    "same_quantization",
    "D004",
    "{tensors} must share scale and zero point",
    tensors=(_SEL, True),
)
def _same_quant(ctx: OpContext, tensors: Any) -> list[str]:
    pairs = [(n, t) for n, t in ctx.tensors(tensors) if t.is_quantized]
    if len(pairs) < 2:
        return []
    ref_n, ref = pairs[0]
    out = []
    for n, t in pairs[1:]:
        if (
            t.scale.tolist() != ref.scale.tolist()
            or t.zero_point.tolist() != ref.zero_point.tolist()
        ):
            out.append(f"{n} scale/zero point differ from {ref_n}")
    return out


@register(GENERIC, "constant", "D005", "{tensors} must be constant", tensors=(_SEL, True))
def _constant(ctx: OpContext, tensors: Any) -> list[str]:
    return [
        f"{n} is computed at run time" for n, t in ctx.tensors(tensors) if not ctx.is_constant(t)
    ]


@register(
    GENERIC, "present", "D010", "{tensors} must be given (not optional)", tensors=(list, True)
)
def _present(ctx: OpContext, tensors: list[str]) -> list[str]:
    return [f"{s} is missing" for s in tensors if not ctx.tensors(s)]


@register(
    GENERIC,
    "rank",
    "D006",
    "{tensors} rank must be between {min} and {max}",
    tensors=(_SEL, True),
    min=(int, False),
    max=(int, False),
)
def _rank(ctx: OpContext, tensors: Any, min: int = 0, max: int = 64) -> list[str]:
    return [
        f"{n} has rank {len(t.shape)}"
        for n, t in ctx.tensors(tensors)
        if not min <= len(t.shape) <= max
    ]


@register(
    GENERIC,
    "dims_positive",
    "D006",
    "{tensors} must have no zero or negative dimension",
    tensors=(_SEL, True),
)
def _dims_positive(ctx: OpContext, tensors: Any) -> list[str]:
    return [
        f"{n} has shape {list(t.shape)}"
        for n, t in ctx.tensors(tensors)
        if min(t.shape, default=1) <= 0
    ]


@register(
    GENERIC,
    "dim",
    "D006",
    "{tensors} dimension {axis} must be between {min} and {max} and a multiple of {multiple_of}",
    tensors=(_SEL, True),
    axis=(int, True),
    min=(int, False),
    max=(int, False),
    multiple_of=(int, False),
)
def _dim(
    ctx: OpContext,
    tensors: Any,
    axis: int,
    min: int = 1,
    max: int = 2**31,
    multiple_of: int = 1,
) -> list[str]:
    out = []
    for n, t in ctx.tensors(tensors):
        if not -len(t.shape) <= axis < len(t.shape):
            out.append(f"{n} has no dimension {axis}")
            continue
        d = t.shape[axis]
        if not min <= d <= max or d % multiple_of:
            out.append(f"{n} dimension {axis} is {d}")
    return out


@register(
    GENERIC,
    "elements",
    "D006",
    "{tensors} must have at most {max} elements",
    tensors=(_SEL, True),
    max=(int, True),
)
def _elements(ctx: OpContext, tensors: Any, max: int) -> list[str]:
    return [
        f"{n} has {t.num_elements} elements"
        for n, t in ctx.tensors(tensors)
        if t.num_elements > max
    ]


@register(
    GENERIC, "static_shape", "D007", "{tensors} must have static shapes", tensors=(_SEL, True)
)
def _static_shape(ctx: OpContext, tensors: Any) -> list[str]:
    return [
        f"{n} has a dynamic shape {list(t.shape_signature or ())}"
        for n, t in ctx.tensors(tensors)
        if t.is_dynamic
    ]


@register(
    GENERIC,
    "option",
    "D008",
    "option {name} must be one of {allowed} / between {min} and {max}",
    name=(str, True),
    allowed=(list, False),
    min=((int, float), False),
    max=((int, float), False),
)
def _option(
    ctx: OpContext,
    name: str,
    allowed: list[Any] | None = None,
    min: float | None = None,
    max: float | None = None,
) -> list[str]:
    if name not in ctx.op.options:
        return []  # the schema default applies; profiles state defaults they reject explicitly
    value = ctx.op.options[name]
    if allowed is not None and value not in allowed:
        return [f"{name} is {value}"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if (min is not None and value < min) or (max is not None and value > max):
            return [f"{name} is {value}"]
    return []


@register(
    GENERIC,
    "version",
    "D002",
    "op version must be between {min} and {max}",
    min=(int, False),
    max=(int, False),
)
def _version(ctx: OpContext, min: int = 1, max: int = 2**31) -> list[str]:
    v = ctx.op.version
    return [] if min <= v <= max else [f"version is {v}"]


@register(
    GENERIC,
    "num_inputs",
    "D010",
    "number of inputs (optional ones included) must be between {min} and {max} / one of {allowed}",
    min=(int, False),
    max=(int, False),
    allowed=(list, False),
)
def _num_inputs(
    ctx: OpContext,
    min: int | None = None,
    max: int | None = None,
    allowed: list[int] | None = None,
) -> list[str]:
    """Entries of the op's inputs vector, optional (-1) ones included, as node->inputs->size."""
    n = len(ctx.op.inputs)
    if allowed is not None and n not in allowed:
        return [f"it has {n} inputs"]
    if (min is not None and n < min) or (max is not None and n > max):
        return [f"it has {n} inputs"]
    return []


@register(
    GENERIC,
    "dtype_not",
    "D003",
    "{tensors} must not be of type {forbidden}",
    tensors=(_SEL, True),
    forbidden=(list, True),
)
def _dtype_not(ctx: OpContext, tensors: Any, forbidden: list[str]) -> list[str]:
    return [f"{n} is {t.dtype}" for n, t in ctx.tensors(tensors) if t.dtype in forbidden]


@register(
    GENERIC,
    "num_outputs",
    "D010",
    "number of outputs must be between {min} and {max}",
    min=(int, False),
    max=(int, False),
)
def _num_outputs(ctx: OpContext, min: int = 0, max: int = 2**31) -> list[str]:
    n = len(ctx.op.outputs)
    return [] if min <= n <= max else [f"it has {n} outputs"]


@register(
    GENERIC,
    "scale_ratio",
    "D009",
    "scale of {numerator} / scale of {denominator} must be in [{min}, {max})",
    numerator=(list, True),
    denominator=(list, True),
    min=(float, True),
    max=(float, True),
)
def _scale_ratio(
    ctx: OpContext, numerator: list[str], denominator: list[str], min: float, max: float
) -> list[str]:
    def product(sels: list[str]) -> float | None:
        p = 1.0
        for s in sels:
            pairs = ctx.tensors(s)
            if not pairs or not pairs[0][1].is_quantized:
                return None
            p *= float(pairs[0][1].scale[0])
        return p

    num, den = product(numerator), product(denominator)
    if num is None or den is None or den == 0:
        return []
    r = num / den
    if math.isnan(r) or not min <= r < max:
        return [f"the ratio is {r:.3g}"]
    return []


@register(
    GENERIC, "custom_code", "D001", "custom code must be one of {allowed}", allowed=(list, True)
)
def _custom_code(ctx: OpContext, allowed: list[str]) -> list[str]:
    code = ctx.op.custom_code
    return [] if code in allowed else [f"custom code is {code!r}"]


@register(
    GENERIC,
    "target_option",
    "D010",
    "target option {name} must be between {min} and {max} / one of {allowed}",
    name=(str, True),
    min=((int, float), False),
    max=((int, float), False),
    allowed=(list, False),
)
def _target_option(
    ctx: OpContext,
    name: str,
    min: float | None = None,
    max: float | None = None,
    allowed: list[Any] | None = None,
) -> list[str]:
    """A setting of the target chosen at lint time, e.g. ``android_api`` for NNAPI."""
    value = ctx.options.get(name)
    if value is None:
        return [f"{name} is not set"]
    if allowed is not None and value not in allowed:
        return [f"{name} is {value}"]
    if (min is not None and value < min) or (max is not None and value > max):
        return [f"{name} is {value}"]
    return []


# The C structs behind ``node->builtin_data`` are value-initialized when an op has no options
# table (LiteRT tflite/core/api/flatbuffer_conversions.cc fills them only from a table), so a
# delegate then reads zeros: strides 0, beta 0.0, and for enums their zero value.
_ZERO_OPTION = {
    "fused_activation_function": "NONE",  # kTfLiteActNone
    "padding": "UNKNOWN",  # kTfLitePaddingUnknown
    "mode": "UNKNOWN",  # kTfLiteMirrorPaddingUnknown
    "weights_format": "DEFAULT",
}


def builtin_param(ctx: OpContext, name: str) -> Any:
    """An option as a delegate reads it from ``node->builtin_data``; None when the op's
    options table has no such field (not an option of this op)."""
    opts = ctx.op.options
    if name in opts:
        return opts[name]
    if not opts:
        return _ZERO_OPTION.get(name, 0)
    return None


@register(
    GENERIC,
    "builtin_option",
    "D008",
    "option {name} must be one of {allowed} / between {min} and {max}",
    name=((str, list), True),
    allowed=(list, False),
    min=((int, float), False),
    max=((int, float), False),
)
def _builtin_option(
    ctx: OpContext,
    name: Any,
    allowed: list[Any] | None = None,
    min: float | None = None,
    max: float | None = None,
) -> list[str]:
    """Like ``option``, but as the runtime sees it: an op without an options table has the
    zero-filled C struct (see ``builtin_param``), which the delegate then checks."""
    out = []
    for key in [name] if isinstance(name, str) else name:
        value = builtin_param(ctx, key)
        if value is None:
            continue
        missing = "" if ctx.op.options else " (no options table)"
        if allowed is not None and value not in allowed:
            out.append(f"{key} is {value}{missing}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if (min is not None and value < min) or (max is not None and value > max):
                out.append(f"{key} is {value}{missing}")
    return out
