"""The xnnpack target against the real XNNPACK delegate of ai-edge-litert 2.3.0.

Oracle: ``tests/oracles/xnnpack_spy.py`` runs the default Python interpreter (lazy XNNPACK
delegate, QS8+QU8) in worker subprocesses and reads, for every subgraph, which original ops each
DELEGATE node replaced. For every corpus model the runtime allocates (RUNTIME_CHECK ``OK``, and
``ALLOC_FAIL`` ones, where the delegate runs before the failing op is prepared) the ops we
predict delegated and the number of partitions (per subgraph and in total) must be the
runtime's; the few models that differ are listed with the reason.

Unit tests build one-op models with tests/builders.py and check, from both sides, that exactly
the expected constraint fires; the same models are then run through the oracle.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_models, corpus_path, require_corpus

from inspector.catalog import load_catalog
from inspector.engine import TargetResult, evaluate
from inspector.parse import load, parse_bytes
from inspector.profiles import resolve_target
from inspector.targets.xnnpack import PREDICATES

MIN_MODEL_MATCH_RATE = 0.98

# Corpus models whose prediction differs from the runtime, and why. The test fails if one of
# them starts to match (remove it) or another model stops matching.
KNOWN_MISMATCHES = {
    "gh_google-ai-edge_LiteRT_tflite-testdata/add_shared_tensors.tflite": (
        "op 0 reads and writes tensor 1; the interpreter drops it when building the graph, so "
        "the runtime's node 0 is the file's op 1 and the two op lists cannot be compared"
    ),
}


@pytest.fixture(scope="module")
def profile():
    return resolve_target("xnnpack")


def _per_subgraph(result: TargetResult) -> dict[int, tuple[set[int], int]]:
    """subgraph -> (ops we predict delegated, number of delegated partitions)."""
    ops: dict[int, set[int]] = defaultdict(set)
    for (sg, op), v in result.verdicts.items():
        taken = ops[sg]  # every evaluated subgraph, even with nothing delegated
        if v.accepted:
            taken.add(op)
    parts = Counter(sg for sg, _ in result.partitions)
    return {sg: (taken, parts[sg]) for sg, taken in ops.items()}


def _oracle_per_subgraph(res) -> dict[int, tuple[set[int], int]]:
    return {s.index: (set(s.delegated), len(s.partitions)) for s in res.subgraphs.values()}


def _difference(ours: dict, theirs: dict) -> str:
    """'' when equal, else a short description of every differing subgraph."""
    lines = []
    for sg in sorted(set(ours) | set(theirs)):
        o_ops, o_n = ours.get(sg, (set(), 0))
        t_ops, t_n = theirs.get(sg, (set(), 0))
        if o_ops != t_ops or o_n != t_n:
            lines.append(
                f"subgraph {sg}: only ours {sorted(o_ops - t_ops)}, only runtime "
                f"{sorted(t_ops - o_ops)}, partitions ours {o_n} runtime {t_n}"
            )
    return "; ".join(lines)


# -- the corpus against the runtime ---------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_oracle():
    require_corpus()
    pytest.importorskip("ai_edge_litert.interpreter")
    from oracles.xnnpack_spy import spy_models

    rels = corpus_models("OK", "ALLOC_FAIL")
    start = time.perf_counter()
    results = spy_models([str(corpus_path(r)) for r in rels], jobs=2)
    seconds = time.perf_counter() - start
    return {r: results[str(corpus_path(r))] for r in rels}, seconds


@pytest.mark.corpus
@pytest.mark.oracle
def test_corpus_delegation_equals_the_runtime(corpus_oracle, profile) -> None:
    oracle, seconds = corpus_oracle
    compared = mismatches = 0
    ops_total = ops_equal = 0
    found: dict[str, str] = {}
    for rel, res in oracle.items():
        if not res.delegate_applied:  # the default delegate itself failed: nothing to compare
            continue
        compared += 1
        result = evaluate(load(corpus_path(rel)), profile)
        ours, theirs = _per_subgraph(result), _oracle_per_subgraph(res)
        for sg, (ops, _) in theirs.items():
            mine = ours.get(sg, (set(), 0))[0]
            n = sum(1 for s, _ in result.verdicts if s == sg)
            ops_total += n
            ops_equal += n - len(ops ^ mine)
        diff = res.error or _difference(ours, theirs)
        if diff:
            mismatches += 1
            found[rel] = diff
    rate = (compared - mismatches) / compared
    summary = (
        f"{compared - mismatches}/{compared} models ({rate:.1%}) and {ops_equal}/{ops_total} ops "
        f"match the runtime; oracle {seconds:.1f}s"
    )
    print(summary)
    unexpected = {k: v for k, v in found.items() if k not in KNOWN_MISMATCHES}
    fixed = sorted(set(KNOWN_MISMATCHES) - set(found))
    assert not unexpected, f"{summary}\nnew mismatches:\n" + "\n".join(
        f"  {k}: {v}" for k, v in sorted(unexpected.items())
    )
    assert not fixed, f"now matching, remove from KNOWN_MISMATCHES: {fixed}"
    assert rate >= MIN_MODEL_MATCH_RATE, summary
    assert compared >= 300, summary  # the comparison really ran over the corpus


# -- built models: exactly the expected constraint fires -----------------------------------------
def _f32(m: ModelBuilder, name: str, shape: list[int], **kw) -> int:
    return m.tensor(name, "FLOAT32", shape, **kw)


def _const(m: ModelBuilder, name: str, values: np.ndarray, dtype: str | None = None, **kw) -> int:
    dt = dtype or {np.float32: "FLOAT32", np.int32: "INT32", np.float16: "FLOAT16"}.get(
        values.dtype.type, "INT8"
    )
    return m.tensor(name, dt, list(values.shape), data=values, **kw)


_CONV_OPTS = {
    "padding": "VALID",
    "stride_w": 1,
    "stride_h": 1,
    "dilation_w_factor": 1,
    "dilation_h_factor": 1,
}


def conv2d(bias: bool = True, fp16_weights: bool = False) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [1, 5, 5, 2], input=True)
    w_values = np.ones((3, 3, 3, 2), np.float32)
    if fp16_weights:
        w16 = _const(m, "w16", w_values.astype(np.float16))
        w = _f32(m, "w", [3, 3, 3, 2])
        m.op("DEQUANTIZE", [w16], [w])
    else:
        w = _const(m, "w", w_values)
    b = _const(m, "b", np.zeros(3, np.float32)) if bias else -1
    y = _f32(m, "y", [1, 3, 3, 3], output=True)
    m.op("CONV_2D", [x, w, b], [y], options=("Conv2DOptions", _CONV_OPTS))
    return m


def add_int8(s0: float, s1: float, s_out: float) -> ModelBuilder:
    m = ModelBuilder()
    a = m.tensor("a", "INT8", [1, 4], scale=s0, zero_point=0, input=True)
    b = m.tensor("b", "INT8", [1, 4], scale=s1, zero_point=0, input=True)
    y = m.tensor("y", "INT8", [1, 4], scale=s_out, zero_point=0, output=True)
    m.op("ADD", [a, b], [y], options=("AddOptions", {"fused_activation_function": "NONE"}))
    return m


def mul_int8(s0: float, s1: float, s_out: float) -> ModelBuilder:
    m = ModelBuilder()
    a = m.tensor("a", "INT8", [1, 4], scale=s0, zero_point=0, input=True)
    b = m.tensor("b", "INT8", [1, 4], scale=s1, zero_point=0, input=True)
    y = m.tensor("y", "INT8", [1, 4], scale=s_out, zero_point=0, output=True)
    m.op("MUL", [a, b], [y], options=("MulOptions", {"fused_activation_function": "NONE"}))
    return m


def softmax(beta: float) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [1, 8], input=True)
    y = _f32(m, "y", [1, 8], output=True)
    m.op("SOFTMAX", [x], [y], options=("SoftmaxOptions", {"beta": beta}))
    return m


def concatenation(n: int) -> ModelBuilder:
    m = ModelBuilder()
    xs = [_f32(m, f"x{i}", [1, 2], input=True) for i in range(n)]
    y = _f32(m, "y", [1, 2 * n], output=True)
    m.op("CONCATENATION", xs, [y], options=("ConcatenationOptions", {"axis": 1}))
    return m


def concatenation_uint8(out_scale: float) -> ModelBuilder:
    m = ModelBuilder()
    xs = [m.tensor(f"x{i}", "UINT8", [1, 2], scale=0.5, zero_point=128, input=True) for i in (0, 1)]
    y = m.tensor("y", "UINT8", [1, 4], scale=out_scale, zero_point=128, output=True)
    m.op("CONCATENATION", xs, [y], options=("ConcatenationOptions", {"axis": 1}))
    return m


def fp16_dequantize_into_rejected_add() -> ModelBuilder:
    """FP16 constant -> DEQUANTIZE -> ADD with a TANH activation (rejected)."""
    m = ModelBuilder()
    x = _f32(m, "x", [1, 4], input=True)
    c16 = _const(m, "c16", np.ones(4, np.float16))
    c = _f32(m, "c", [4])
    y = _f32(m, "y", [1, 4], output=True)
    m.op("DEQUANTIZE", [c16], [c])
    m.op("ADD", [x, c], [y], options=("AddOptions", {"fused_activation_function": "TANH"}))
    return m


def fully_connected(constant_weights: bool) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [1, 4], input=True)
    if constant_weights:
        w = _const(m, "w", np.ones((3, 4), np.float32))
    else:
        w = _f32(m, "w", [3, 4], input=True)
    y = _f32(m, "y", [1, 3], output=True)
    m.op("FULLY_CONNECTED", [x, w, -1], [y], options=("FullyConnectedOptions", {}))
    return m


def fully_connected_int8_per_channel_dequantize() -> ModelBuilder:
    """Per-channel INT8 weights dequantized by a DEQUANTIZE: folded into the FC."""
    m = ModelBuilder()
    x = _f32(m, "x", [1, 4], input=True)
    w8 = _const(
        m, "w8", np.ones((3, 4), np.int8), "INT8", scale=[0.1, 0.2, 0.3], zero_point=[0, 0, 0]
    )
    w = _f32(m, "w", [3, 4])
    y = _f32(m, "y", [1, 3], output=True)
    m.op("DEQUANTIZE", [w8], [w])
    m.op("FULLY_CONNECTED", [x, w, -1], [y], options=("FullyConnectedOptions", {}))
    return m


def depthwise_dynamic_range() -> ModelBuilder:
    """FLOAT32 input with INT8 weights: depthwise has no dynamic-range kernel."""
    m = ModelBuilder()
    x = _f32(m, "x", [1, 4, 4, 2], input=True)
    w = _const(m, "w", np.ones((1, 3, 3, 2), np.int8), "INT8", scale=0.1, zero_point=0)
    b = _const(m, "b", np.zeros(2, np.float32))
    y = _f32(m, "y", [1, 2, 2, 2], output=True)
    opts = dict(_CONV_OPTS, depth_multiplier=1)
    m.op("DEPTHWISE_CONV_2D", [x, w, b], [y], options=("DepthwiseConv2DOptions", opts))
    return m


def reshape(new_shape: list[int]) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [2, 3], input=True)
    s = _const(m, "s", np.array(new_shape, np.int32))
    out = [6] if new_shape == [-1] else new_shape
    y = _f32(m, "y", out, output=True)
    m.op("RESHAPE", [x, s], [y])
    return m


def quantize(in_type: str, out_type: str) -> ModelBuilder:
    m = ModelBuilder()
    q = {"scale": 0.1, "zero_point": 0 if in_type != "UINT8" else 128}
    x = m.tensor("x", in_type, [1, 4], input=True, **(q if in_type != "FLOAT32" else {}))
    y = m.tensor(
        "y", out_type, [1, 4], scale=0.1, zero_point=0 if out_type == "INT8" else 128, output=True
    )
    m.op("QUANTIZE", [x], [y])
    return m


def average_pool(dtype: str) -> ModelBuilder:
    m = ModelBuilder()
    q = {"scale": 0.1, "zero_point": 0} if dtype == "INT8" else {}
    x = m.tensor("x", dtype, [1, 4, 4, 1], input=True, **q)
    y = m.tensor("y", dtype, [1, 2, 2, 1], output=True, **q)
    opts = {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2}
    m.op("AVERAGE_POOL_2D", [x], [y], options=("Pool2DOptions", dict(opts, filter_height=2)))
    return m


def max_pool(filter_size: int, stride: int) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [1, 4, 4, 1], input=True)
    y = _f32(m, "y", [1, 2, 2, 1], output=True)
    opts = {"padding": "VALID", "stride_w": stride, "stride_h": stride}
    opts |= {"filter_width": filter_size, "filter_height": filter_size}
    m.op("MAX_POOL_2D", [x], [y], options=("Pool2DOptions", opts))
    return m


def split(n: int) -> ModelBuilder:
    m = ModelBuilder()
    axis = _const(m, "axis", np.array(1, np.int32))
    x = _f32(m, "x", [1, 2 * n], input=True)
    ys = [_f32(m, f"y{i}", [1, 2], output=True) for i in range(n)]
    m.op("SPLIT", [axis, x], ys, options=("SplitOptions", {"num_splits": n}))
    return m


def prelu(constant_slope: bool) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [1, 4], input=True)
    if constant_slope:
        a = _const(m, "a", np.full(4, 0.1, np.float32))
    else:
        a = _f32(m, "a", [4], input=True)
    y = _f32(m, "y", [1, 4], output=True)
    m.op("PRELU", [x, a], [y])
    return m


def leaky_relu(alpha: float) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [1, 4], input=True)
    y = _f32(m, "y", [1, 4], output=True)
    m.op("LEAKY_RELU", [x], [y], options=("LeakyReluOptions", {"alpha": alpha}))
    return m


def transpose_conv(input_size: int) -> ModelBuilder:
    """SAME, stride 2, output 4x4: the runtime derives a 2x2 input."""
    m = ModelBuilder()
    shape = _const(m, "shape", np.array([1, 4, 4, 1], np.int32))
    w = _const(m, "w", np.ones((1, 3, 3, 1), np.float32))
    x = _f32(m, "x", [1, input_size, input_size, 1], input=True)
    y = _f32(m, "y", [1, 4, 4, 1], output=True)
    opts = {"padding": "SAME", "stride_w": 2, "stride_h": 2}
    m.op("TRANSPOSE_CONV", [shape, w, x], [y], options=("TransposeConvOptions", opts))
    return m


def variable(scalar: bool) -> ModelBuilder:
    """VAR_HANDLE -> ASSIGN_VARIABLE -> READ_VARIABLE on one resource."""
    m = ModelBuilder()
    shape = [] if scalar else [2, 2]
    r = m.tensor("r", "RESOURCE", [])
    x = _f32(m, "x", shape, input=True)
    y = _f32(m, "y", shape, output=True)
    m.op("VAR_HANDLE", [], [r])
    m.op("ASSIGN_VARIABLE", [r, x], [])
    m.op("READ_VARIABLE", [r], [y])
    return m


def read_without_var_handle() -> ModelBuilder:
    m = ModelBuilder()
    r = m.tensor("r", "RESOURCE", [], input=True)
    y = _f32(m, "y", [2, 2], output=True)
    m.op("READ_VARIABLE", [r], [y])
    return m


def empty_primary_subgraph() -> ModelBuilder:
    """Subgraph 0 has no op: the interpreter never applies the default delegate."""
    m = ModelBuilder()
    _f32(m, "x", [4], input=True, output=True)
    m.add_subgraph("other")
    x = _f32(m, "x", [4], input=True)
    y = _f32(m, "y", [4], output=True)
    m.op("ABS", [x], [y])
    return m


def unary(op: str, dtype: str = "FLOAT32", q: dict | None = None, options=None) -> ModelBuilder:
    m = ModelBuilder()
    x = m.tensor("x", dtype, [1, 4], input=True, **(q or {}))
    y = m.tensor("y", dtype, [1, 4], output=True, **(q or {}))
    m.op(op, [x], [y], options=options)
    return m


def conv2d_fp16_bias() -> ModelBuilder:
    """FP32 filter with an FP16 bias unpacked by a DEQUANTIZE that only feeds the bias: the
    runtime sees the bias as FLOAT16 ("skipped" dequantize) and rejects the pair."""
    m = ModelBuilder()
    x = _f32(m, "x", [1, 5, 5, 2], input=True)
    w = _const(m, "w", np.ones((3, 3, 3, 2), np.float32))
    b16 = _const(m, "b16", np.zeros(3, np.float16))
    b = _f32(m, "b", [3])
    y = _f32(m, "y", [1, 3, 3, 3], output=True)
    m.op("DEQUANTIZE", [b16], [b])
    m.op("CONV_2D", [x, w, b], [y], options=("Conv2DOptions", _CONV_OPTS))
    return m


def batch_matmul_int8(per_channel_b: bool) -> ModelBuilder:
    m = ModelBuilder()
    a = m.tensor("a", "INT8", [1, 2, 4], scale=0.1, zero_point=0, input=True)
    bq = {"scale": [0.1, 0.2, 0.3], "zero_point": [0, 0, 0], "quantized_dimension": 2}
    if not per_channel_b:
        bq = {"scale": 0.1, "zero_point": 0}
    b = _const(m, "b", np.ones((1, 4, 3), np.int8), "INT8", **bq)
    y = m.tensor("y", "INT8", [1, 2, 3], scale=0.5, zero_point=0, output=True)
    m.op("BATCH_MATMUL", [a, b], [y], options=("BatchMatMulOptions", {}))
    return m


def fully_connected_int8(weight_zero_point: int) -> ModelBuilder:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 4], scale=0.1, zero_point=0, input=True)
    w = _const(m, "w", np.ones((3, 4), np.int8), "INT8", scale=0.1, zero_point=weight_zero_point)
    y = m.tensor("y", "INT8", [1, 3], scale=0.5, zero_point=0, output=True)
    m.op("FULLY_CONNECTED", [x, w, -1], [y], options=("FullyConnectedOptions", {}))
    return m


def slice_op(size: list[int]) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [2, 4], input=True)
    begin = _const(m, "begin", np.array([0, 1], np.int32))
    sz = _const(m, "size", np.array(size, np.int32))
    y = _f32(m, "y", [2, 3], output=True)
    m.op("SLICE", [x, begin, sz], [y])
    return m


def strided_slice(stride: int, shrink_axis_mask: int = 0) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [2, 4], input=True)
    begin = _const(m, "begin", np.array([0, 0], np.int32))
    end = _const(m, "end", np.array([2, 4], np.int32))
    strides = _const(m, "strides", np.array([1, stride], np.int32))
    y = _f32(m, "y", [2, 4 // stride], output=True)
    opts = {"shrink_axis_mask": shrink_axis_mask}
    m.op("STRIDED_SLICE", [x, begin, end, strides], [y], options=("StridedSliceOptions", opts))
    return m


def mean(axes_dtype: str) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [2, 4], input=True)
    np_type = np.int32 if axes_dtype == "INT32" else np.int64
    axes = m.tensor("axes", axes_dtype, [1], data=np.array([1], np_type))
    y = _f32(m, "y", [2], output=True)
    m.op("MEAN", [x, axes], [y], options=("ReducerOptions", {"keep_dims": False}))
    return m


def pad(with_value: bool) -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [1, 2], input=True)
    p = _const(m, "p", np.array([[0, 0], [1, 1]], np.int32))
    inputs = [x, p]
    if with_value:
        inputs.append(_const(m, "v", np.zeros([], np.float32)))
    y = _f32(m, "y", [1, 4], output=True)
    m.op("PAD", inputs, [y])
    return m


def dequantize(dtype: str) -> ModelBuilder:
    """A DEQUANTIZE of a run-time tensor: the element-wise path."""
    m = ModelBuilder()
    q = {"scale": 0.1, "zero_point": 0} if dtype == "INT8" else {}
    x = m.tensor("x", dtype, [1, 4], input=True, **q)
    y = _f32(m, "y", [1, 4], output=True)
    m.op("DEQUANTIZE", [x], [y])
    return m


def requantize(out_scale: float) -> ModelBuilder:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 4], scale=1.0, zero_point=0, input=True)
    y = m.tensor("y", "INT8", [1, 4], scale=out_scale, zero_point=0, output=True)
    m.op("QUANTIZE", [x], [y])
    return m


def resize_bilinear(dtype: str) -> ModelBuilder:
    m = ModelBuilder()
    x = m.tensor("x", dtype, [1, 2, 2, 1], input=True)
    size = _const(m, "size", np.array([4, 4], np.int32))
    y = m.tensor("y", dtype, [1, 4, 4, 1], output=True)
    m.op("RESIZE_BILINEAR", [x, size], [y], options=("ResizeBilinearOptions", {}))
    return m


def expand_dims() -> ModelBuilder:
    m = ModelBuilder()
    x = _f32(m, "x", [4], input=True)
    axis = _const(m, "axis", np.array([0], np.int32))
    y = _f32(m, "y", [1, 4], output=True)
    m.op("EXPAND_DIMS", [x, axis], [y])
    return m


def concatenation_negative_axis() -> ModelBuilder:
    m = ModelBuilder()
    xs = [_f32(m, f"x{i}", [1, 2], input=True) for i in range(2)]
    y = _f32(m, "y", [1, 4], output=True)
    m.op("CONCATENATION", xs, [y], options=("ConcatenationOptions", {"axis": -1}))
    return m


@dataclass(frozen=True)
class Case:
    build: Callable[[], ModelBuilder]
    op: int  # the op under test (subgraph 0 unless sg is set)
    expect: tuple[str, str] | None  # (code, source) of the one failure, None if accepted
    sg: int = 0


CASES = {
    "conv2d_with_bias": Case(conv2d, 0, None),
    "conv2d_without_bias": Case(lambda: conv2d(bias=False), 0, ("D010", "L4018-4023")),
    "add_int8_scale_ratio_inside": Case(lambda: add_int8(0.5, 0.5, 1.0), 0, None),
    "add_int8_scale_ratio_lower_bound_is_inclusive": Case(
        lambda: add_int8(1 / 1024, 0.5, 1.0), 0, None
    ),
    "add_int8_input0_scale_ratio_too_small": Case(
        lambda: add_int8(1e-4, 0.5, 1.0), 0, ("D009", "L4456-4460")
    ),
    "add_int8_input1_scale_ratio_256_excluded": Case(
        lambda: add_int8(0.5, 256.0, 1.0), 0, ("D009", "L4461-4463")
    ),
    "mul_int8_product_scale_too_small": Case(
        lambda: mul_int8(1e-3, 1e-3, 1.0), 0, ("D009", "L4484-4488")
    ),
    "softmax_beta_1": Case(lambda: softmax(1.0), 0, None),
    "softmax_beta_2": Case(lambda: softmax(2.0), 0, ("D008", "L6026-6033")),
    "concatenation_5_inputs": Case(lambda: concatenation(5), 0, None),
    "concatenation_6_inputs": Case(lambda: concatenation(6), 0, ("D010", "L3903-3905")),
    "concatenation_uint8_same_scale": Case(lambda: concatenation_uint8(0.5), 0, None),
    "concatenation_uint8_other_scale": Case(
        lambda: concatenation_uint8(0.25), 0, ("D004", "L3928-3954")
    ),
    "static_fp16_dequantize_folded": Case(lambda: conv2d(fp16_weights=True), 0, None),
    "conv2d_with_fp16_weights": Case(lambda: conv2d(fp16_weights=True), 1, None),
    "static_dequantize_kept_for_rejected_consumer": Case(
        fp16_dequantize_into_rejected_add, 0, ("D010", "L7409-7417")
    ),
    "add_with_tanh_activation": Case(fp16_dequantize_into_rejected_add, 1, ("D008", "L4464-4470")),
    "static_int8_per_channel_dequantize_folded": Case(
        fully_connected_int8_per_channel_dequantize, 0, None
    ),
    "fully_connected_constant_weights": Case(lambda: fully_connected(True), 0, None),
    "fully_connected_computed_weights": Case(
        lambda: fully_connected(False), 0, ("D005", "L4963-4967")
    ),
    "depthwise_float_input_int8_filter": Case(depthwise_dynamic_range, 0, ("D003", "L4271-4278")),
    "reshape_to_2d": Case(lambda: reshape([1, 6]), 0, None),
    "reshape_flatten_minus_1": Case(lambda: reshape([-1]), 0, ("D010", "L5803-5830")),
    "quantize_float_to_int8": Case(lambda: quantize("FLOAT32", "INT8"), 0, None),
    "quantize_int8_to_uint8": Case(lambda: quantize("INT8", "UINT8"), 0, ("D003", "L4695-4736")),
    "average_pool_float": Case(lambda: average_pool("FLOAT32"), 0, None),
    "average_pool_int8": Case(lambda: average_pool("INT8"), 0, ("D003", "L3515-3520")),
    "max_pool_1x1_filter_stride_2": Case(lambda: max_pool(1, 2), 0, ("D008", "L5251-5252")),
    "max_pool_2x2": Case(lambda: max_pool(2, 2), 0, None),
    "split_in_2": Case(lambda: split(2), 0, None),
    "split_in_5": Case(lambda: split(5), 0, ("D010", "L6138-6139")),
    "prelu_constant_slope": Case(lambda: prelu(True), 0, None),
    "prelu_computed_slope": Case(lambda: prelu(False), 0, ("D005", "L4498-4502")),
    "leaky_relu_alpha_0": Case(lambda: leaky_relu(0.0), 0, ("D008", "L4654-4661")),
    "transpose_conv_same_padding": Case(lambda: transpose_conv(2), 0, None),
    "transpose_conv_input_size_mismatch": Case(
        lambda: transpose_conv(3), 0, ("D008", "L6973-6981")
    ),
    "var_handle_taken_with_its_read": Case(lambda: variable(False), 0, None),
    "read_variable": Case(lambda: variable(False), 2, None),
    "read_variable_scalar": Case(lambda: variable(True), 2, ("D006", "L5714-5716")),
    "var_handle_taken_with_its_assign": Case(lambda: variable(True), 0, None),
    "read_variable_without_var_handle": Case(read_without_var_handle, 0, ("D010", "L5721-5727")),
    "empty_primary_subgraph": Case(
        empty_primary_subgraph, 0, ("D010", "tflite/core/interpreter.cc L334"), sg=1
    ),
    "softmax_without_options_has_beta_0": Case(lambda: unary("SOFTMAX"), 0, ("D008", "L6026-6033")),
    "elu_uint8": Case(
        lambda: unary("ELU", "UINT8", {"scale": 0.1, "zero_point": 128}), 0, ("D003", "L4635-4640")
    ),
    "logistic_uint8": Case(
        lambda: unary("LOGISTIC", "UINT8", {"scale": 1 / 256, "zero_point": 0}), 0, None
    ),
    "relu6_int8": Case(
        lambda: unary("RELU6", "INT8", {"scale": 0.1, "zero_point": 0}), 0, ("D003", "L4624-4627")
    ),
    "conv2d_fp32_filter_fp16_bias": Case(conv2d_fp16_bias, 1, ("D003", "L4037-4039")),
    "fp16_bias_dequantize_kept": Case(conv2d_fp16_bias, 0, ("D010", "L7409-7417")),
    "batch_matmul_int8_per_tensor": Case(lambda: batch_matmul_int8(False), 0, None),
    "batch_matmul_int8_per_channel_rhs": Case(
        lambda: batch_matmul_int8(True), 0, ("D003", "L3629-3634")
    ),
    "fully_connected_int8_zero_point_0": Case(lambda: fully_connected_int8(0), 0, None),
    "fully_connected_int8_zero_point_3": Case(
        lambda: fully_connected_int8(3), 0, ("D004", "L5032-5039")
    ),
    "slice_explicit_size": Case(lambda: slice_op([2, 3]), 0, None),
    "slice_size_minus_1": Case(lambda: slice_op([2, -1]), 0, ("D010", "L5982-5998")),
    "strided_slice_unit_strides": Case(lambda: strided_slice(1), 0, None),
    "strided_slice_stride_2": Case(lambda: strided_slice(2), 0, ("D010", "L6277-6286")),
    "strided_slice_shrink_axis": Case(lambda: strided_slice(1, 1), 0, ("D008", "L6251-6254")),
    "mean_int32_axes": Case(lambda: mean("INT32"), 0, None),
    "mean_int64_axes": Case(lambda: mean("INT64"), 0, ("D003", "L5318-5320")),
    "pad_2_inputs": Case(lambda: pad(False), 0, None),
    "pad_with_constant_value_input": Case(lambda: pad(True), 0, ("D010", "L5618-5619")),
    "dequantize_runtime_int8": Case(lambda: dequantize("INT8"), 0, None),
    "dequantize_runtime_fp16": Case(lambda: dequantize("FLOAT16"), 0, ("D003", "L4629-4631")),
    "requantize_int8_ratio_128": Case(lambda: requantize(1 / 128), 0, None),
    "requantize_int8_ratio_256": Case(lambda: requantize(1 / 256), 0, ("D009", "L4707-4720")),
    "resize_bilinear_float32": Case(lambda: resize_bilinear("FLOAT32"), 0, None),
    "resize_bilinear_float16": Case(lambda: resize_bilinear("FLOAT16"), 0, ("D003", "L5860-5862")),
    "expand_dims_never": Case(expand_dims, 0, ("D001", "L4859-4864")),
    "concatenation_negative_axis": Case(concatenation_negative_axis, 0, None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_exactly_the_expected_constraint_fires(name: str, profile) -> None:
    case = CASES[name]
    result = evaluate(parse_bytes(case.build().build()), profile)
    verdict = result.verdicts[(case.sg, case.op)]
    fired = [(f.code, f.source) for f in verdict.failures]
    if case.expect is None:
        assert verdict.accepted and not fired
    else:
        # one constraint, possibly failing on several tensors
        assert not verdict.accepted and set(fired) == {case.expect}, [
            f.text() for f in verdict.failures
        ]


def test_static_dequantize_joins_its_consumers_partition(profile) -> None:
    result = evaluate(parse_bytes(conv2d(fp16_weights=True).build()), profile)
    assert [p.ops for _, p in result.partitions] == [(0, 1)]


@pytest.mark.oracle
def test_built_models_agree_with_the_runtime(tmp_path: Path, profile) -> None:
    """Every unit-test model, through the real delegate: same ops and partitions."""
    pytest.importorskip("ai_edge_litert.interpreter")
    from oracles.xnnpack_spy import spy_models

    paths = {}
    for name, case in CASES.items():
        paths[name] = tmp_path / f"{name}.tflite"
        paths[name].write_bytes(case.build().build())
    oracle = spy_models(list(paths.values()), jobs=2)
    wrong = {}
    for name, path in paths.items():
        res = oracle[str(path)]
        assert res.error is None, (name, res.error)
        ours = _per_subgraph(evaluate(parse_bytes(path.read_bytes()), profile))
        diff = _difference(ours, _oracle_per_subgraph(res))
        if diff:
            wrong[name] = diff
    assert not wrong, wrong


# -- the profile itself --------------------------------------------------------------------------
def test_every_constraint_cites_the_delegate_source(profile) -> None:
    assert profile.source.ref == "19a1585ff7c66779793d339fa7f85fc5a58f4db0"
    catalog = load_catalog()
    for name, spec in profile.ops.items():
        for c in spec.constraints:
            assert c.source and c.source.startswith("L"), (name, c.check)
            assert c.rule_code in catalog, (name, c.check)
    for pred in PREDICATES.values():
        assert pred.code in catalog, pred.name
