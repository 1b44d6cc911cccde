"""The ``ethos-u`` target against the real Vela 5.2.0 compiler (oracle: tests/oracles/vela.py).

Corpus model set, a deterministic rule: every corpus model (all RUNTIME_CHECK results) that our
reader loads and in which at least one operator output is INT8, UINT8 or INT16 -- the quantized
models Vela is made for. Vela runs once per model (two processes in parallel, default
``ethos-u55-256`` configuration); a model Vela refuses must be one we predict it refuses. For
the others, every op's NPU/CPU placement, the number of ethos-u custom ops (partitions) and the
"Neural network macs" line are compared with our prediction.

Measured on the 2-core machine, shared with other jobs: Vela costs 48 s of CPU for the 120
models; the whole file took 61 s wall at a load average of 4 and 143 s at 7.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_models, corpus_path, require_corpus
from oracles.vela import VelaResult, run_many, run_vela_on_bytes, vela_executable

from inspector.analyses.macs import op_macs
from inspector.engine import TargetResult, evaluate
from inspector.model import Model
from inspector.parse import load, parse_bytes
from inspector.profiles import resolve_target
from inspector.targets.ethos_u import model_refusal, vela_nn_macs

needs_vela = pytest.mark.skipif(vela_executable() is None, reason="vela 5.2.0 is not installed")

# Ops whose placement differs from Vela's, and why: (model, subgraph, op) -> reason.
KNOWN_MISMATCHES: dict[tuple[str, int, int], str] = {}
# Models whose predicted "Neural network macs" differ from Vela's, and why.
KNOWN_MAC_DIFFERENCES: dict[str, str] = {}
# Models whose number of ethos-u custom ops differs from our partition count, and why.
KNOWN_PARTITION_DIFFERENCES = {
    "gh_google-coral_test_data/movenet_single_pose_lightning_ptq.tflite": (
        "Vela packs ops in its own scheduled order (graph_packing.cpp), which splits 13 runs "
        "where the runtime's greedy partitioner finds 8"
    ),
    "gh_google-coral_test_data/movenet_single_pose_lightning_ptq_edgetpu.tflite": (
        "as above: 12 ethos-u ops for 7 greedy partitions"
    ),
}
MIN_MATCH_RATE = 0.98


def _selected(model: Model) -> bool:
    return any(
        sg.tensors[t].dtype in ("INT8", "UINT8", "INT16")
        for sg in model.subgraphs
        for op in sg.operators
        for t in op.outputs
        if t >= 0
    )


@dataclass
class Comparison:
    ops: int = 0
    mismatched: dict[tuple[str, int, int], str] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)  # disagreement on refusing
    macs: dict[str, tuple[int | None, int]] = field(default_factory=dict)
    partitions: dict[str, tuple[int, int]] = field(default_factory=dict)
    models: int = 0
    refused: int = 0  # models Vela refuses (and we predict it)
    vela_seconds: float = 0.0


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    root = require_corpus()
    profile = resolve_target("ethos-u")
    models: dict[str, Model] = {}
    for rel in corpus_models():
        try:
            model = load(str(corpus_path(rel)))
        except Exception:  # our reader refuses it: not in the set
            continue
        if _selected(model):
            models[rel] = model
    assert len(models) > 100, f"only {len(models)} models selected from {root}"
    vela = run_many([str(corpus_path(rel)) for rel in models], jobs=2, timeout=300)
    out = Comparison(models=len(models))
    for rel, model in models.items():
        theirs: VelaResult = vela[str(corpus_path(rel))]
        out.vela_seconds += theirs.seconds
        refusal = model_refusal(model)
        if not theirs.ok or refusal is not None:
            if theirs.ok != (refusal is None):
                out.refusals[rel] = f"Vela: {theirs.error or 'compiles'}; ours: {refusal}"
            else:
                out.refused += 1
            continue
        ours = evaluate(model, profile)
        _compare_ops(rel, ours, theirs, out)
        predicted = vela_nn_macs(model, ours)
        if predicted != theirs.nn_macs:
            out.macs[rel] = (theirs.nn_macs, predicted)
        if len(ours.partitions) != sum(theirs.npu_custom_ops):
            out.partitions[rel] = (sum(theirs.npu_custom_ops), len(ours.partitions))
    return out


def _compare_ops(rel: str, ours: TargetResult, theirs: VelaResult, out: Comparison) -> None:
    for (s, i), verdict in ours.verdicts.items():
        out.ops += 1
        on_cpu = (s, i) in theirs.cpu_ops
        if on_cpu == verdict.accepted:
            why = "; ".join(f.text() for f in verdict.failures) or "accepted"
            out.mismatched[(rel, s, i)] = f"{verdict.opcode}: Vela CPU={on_cpu}, ours: {why}"


@pytest.mark.corpus
@pytest.mark.oracle
@needs_vela
def test_refusals_agree_with_vela(comparison: Comparison) -> None:
    assert not comparison.refusals, comparison.refusals
    assert comparison.refused >= 3  # the set holds models Vela refuses: the check is exercised


@pytest.mark.corpus
@pytest.mark.oracle
@needs_vela
def test_placement_agrees_with_vela(comparison: Comparison) -> None:
    unexpected = {k: v for k, v in comparison.mismatched.items() if k not in KNOWN_MISMATCHES}
    assert not unexpected, unexpected
    stale = set(KNOWN_MISMATCHES) - set(comparison.mismatched)
    assert not stale, f"KNOWN_MISMATCHES entries that now match: {sorted(stale)}"
    rate = 1 - len(comparison.mismatched) / comparison.ops
    assert rate >= MIN_MATCH_RATE, f"{rate:.4f} of {comparison.ops} ops"


@pytest.mark.corpus
@pytest.mark.oracle
@needs_vela
def test_nn_macs_equal_vela(comparison: Comparison) -> None:
    unexpected = {k: v for k, v in comparison.macs.items() if k not in KNOWN_MAC_DIFFERENCES}
    assert not unexpected, unexpected
    stale = set(KNOWN_MAC_DIFFERENCES) - set(comparison.macs)
    assert not stale, f"KNOWN_MAC_DIFFERENCES entries that now match: {sorted(stale)}"


@pytest.mark.corpus
@pytest.mark.oracle
@needs_vela
def test_partitions_equal_vela_custom_ops(comparison: Comparison) -> None:
    unexpected = {
        k: v for k, v in comparison.partitions.items() if k not in KNOWN_PARTITION_DIFFERENCES
    }
    assert not unexpected, unexpected
    stale = set(KNOWN_PARTITION_DIFFERENCES) - set(comparison.partitions)
    assert not stale, f"KNOWN_PARTITION_DIFFERENCES entries that now match: {sorted(stale)}"


# -- one op, both sides: our verdict and Vela's on tiny built models ------------------------------
def _q(scale: float = 0.05, zero_point: int = 0) -> dict:
    return {"scale": scale, "zero_point": zero_point}


def _conv(
    *,
    dtype: str = "INT8",
    size: int = 8,
    stride: int = 1,
    padding: str = "SAME",
    in_depth: int = 3,
    kernel_depth: int = 3,
    weight_dtype: str = "INT8",
    bias_const: bool = True,
    activation: str = "NONE",
) -> bytes:
    m = ModelBuilder()
    q = _q() if dtype != "FLOAT32" else {}
    x = m.tensor("x", dtype, [1, size, size, in_depth], input=True, **q)
    wdata = np.ones((4, 3, 3, kernel_depth), np.dtype(weight_dtype.lower()))
    wq = {"scale": 0.02} if dtype != "FLOAT32" else {}
    w = m.tensor("w", weight_dtype, [4, 3, 3, kernel_depth], data=wdata, **wq)
    bq = {"scale": 0.001} if dtype != "FLOAT32" else {}
    bias_type = "INT32" if dtype != "FLOAT32" else "FLOAT32"
    if bias_const:
        bias = m.tensor("b", bias_type, [4], data=np.zeros(4, np.dtype(bias_type.lower())), **bq)
    else:
        bias = m.tensor("b", bias_type, [4], input=True, **bq)
    out = -(-size // stride) if padding == "SAME" else (size - 3) // stride + 1
    y = m.tensor("y", dtype, [1, out, out, 4], output=True, **q)
    opts = {
        "padding": padding,
        "stride_w": stride,
        "stride_h": stride,
        "dilation_w_factor": 1,
        "dilation_h_factor": 1,
        "fused_activation_function": activation,
    }
    m.op("CONV_2D", [x, w, bias], [y], options=("Conv2DOptions", opts))
    return m.build()


def _depthwise(stride: int) -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 16, 16, 4], input=True, **_q())
    w = m.tensor("w", "INT8", [1, 3, 3, 4], data=np.ones((1, 3, 3, 4), np.int8), scale=0.02)
    b = m.tensor("b", "INT32", [4], data=np.zeros(4, np.int32), scale=0.001)
    out = (16 - 3) // stride + 1
    y = m.tensor("y", "INT8", [1, out, out, 4], output=True, **_q())
    opts = {
        "padding": "VALID",
        "stride_w": stride,
        "stride_h": stride,
        "depth_multiplier": 1,
        "dilation_w_factor": 1,
        "dilation_h_factor": 1,
    }
    m.op("DEPTHWISE_CONV_2D", [x, w, b], [y], options=("DepthwiseConv2DOptions", opts))
    return m.build()


def _binary(
    opname: str,
    dtype: str = "INT8",
    *,
    shape: tuple[int, ...] = (1, 4, 4, 2),
    qa: dict | None = None,
    qy: dict | None = None,
    signature: list[int] | None = None,
    activation: str | None = None,
) -> bytes:
    m = ModelBuilder()
    qa = _q() if qa is None else qa
    qy = _q() if qy is None else qy
    a = m.tensor("a", dtype, list(shape), input=True, shape_signature=signature, **qa)
    b = m.tensor("b", dtype, list(shape), input=True, shape_signature=signature, **_q())
    y = m.tensor("y", dtype, list(shape), output=True, shape_signature=signature, **qy)
    table = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}.get(opname)
    if table:
        options = (table, {"fused_activation_function": activation or "NONE"})
    elif opname in ("MAXIMUM", "MINIMUM"):
        options = ("MaximumMinimumOptions", {})
    else:
        options = None
    m.op(opname, [a, b], [y], options=options)
    return m.build()


def _concat(dtype: str) -> bytes:
    m = ModelBuilder()
    q = _q() if dtype == "INT8" else {}
    a = m.tensor("a", dtype, [1, 4, 4, 2], input=True, **q)
    b = m.tensor("b", dtype, [1, 4, 4, 2], input=True, **q)
    y = m.tensor("y", dtype, [1, 4, 4, 4], output=True, **q)
    opts = {"axis": 3, "fused_activation_function": "NONE"}
    m.op("CONCATENATION", [a, b], [y], options=("ConcatenationOptions", opts))
    return m.build()


def _pool(opname: str, kernel: int, padding: str) -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 20, 20, 4], input=True, **_q())
    out = 20 if padding == "SAME" else 20 - kernel + 1
    y = m.tensor("y", "INT8", [1, out, out, 4], output=True, **_q())
    opts = {
        "padding": padding,
        "stride_w": 1,
        "stride_h": 1,
        "filter_width": kernel,
        "filter_height": kernel,
    }
    m.op(opname, [x], [y], options=("Pool2DOptions", opts))
    return m.build()


def _unary(
    opname: str,
    in_shape: list[int],
    out_shape: list[int],
    params: np.ndarray | None = None,
    *,
    options: tuple[str, dict] | None = None,
    out_dtype: str = "INT8",
    params_const: bool = True,
) -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", in_shape, input=True, **_q())
    ins = [x]
    if params is not None:
        if params_const:
            ins.append(m.tensor("p", "INT32", list(params.shape), data=params))
        else:
            ins.append(m.tensor("p", "INT32", list(params.shape), input=True))
    oq = _q() if out_dtype == "INT8" else {}
    y = m.tensor("y", out_dtype, out_shape, output=True, **oq)
    m.op(opname, ins, [y], options=options)
    return m.build()


def _fc_weight_sum() -> bytes:
    m = ModelBuilder()
    k = 66000  # 127 * 66000 > 127 * 2^16 = 8323072
    x = m.tensor("x", "INT8", [1, k], input=True, **_q())
    w = m.tensor("w", "INT8", [1, k], data=np.full((1, k), 127, np.int8), scale=0.01)
    y = m.tensor("y", "INT8", [1, 1], output=True, **_q())
    m.op("FULLY_CONNECTED", [x, w, -1], [y], options=("FullyConnectedOptions", {}))
    return m.build()


def _batch_matmul(dtype: str) -> bytes:
    m = ModelBuilder()
    a = m.tensor("a", dtype, [1, 4, 8], input=True, **_q())
    b = m.tensor("b", dtype, [1, 8, 6], input=True, **_q())
    y = m.tensor("y", dtype, [1, 4, 6], output=True, **_q())
    m.op("BATCH_MATMUL", [a, b], [y], options=("BatchMatMulOptions", {}))
    return m.build()


def _transpose_conv(stride: int) -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 4, 4, 2], input=True, **_q())
    size = 4 * stride
    shape = m.tensor("s", "INT32", [4], data=np.array([1, size, size, 3], np.int32))
    w = m.tensor("w", "INT8", [3, 3, 3, 2], data=np.ones((3, 3, 3, 2), np.int8), scale=0.02)
    y = m.tensor("y", "INT8", [1, size, size, 3], output=True, **_q())
    opts = {"padding": "SAME", "stride_w": stride, "stride_h": stride}
    m.op("TRANSPOSE_CONV", [shape, w, x, -1], [y], options=("TransposeConvOptions", opts))
    return m.build()


def _dequantize() -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 8], input=True, **_q())
    y = m.tensor("y", "FLOAT32", [1, 8], output=True)
    m.op("DEQUANTIZE", [x], [y])
    return m.build()


def _bool_input() -> bytes:
    m = ModelBuilder()
    c = m.tensor("c", "BOOL", [1, 4], input=True)
    a = m.tensor("a", "INT8", [1, 4], input=True, **_q())
    b = m.tensor("b", "INT8", [1, 4], input=True, **_q())
    y = m.tensor("y", "INT8", [1, 4], output=True, **_q())
    m.op("SELECT_V2", [c, a, b], [y])
    return m.build()


def _dead_op() -> bytes:
    m = ModelBuilder()
    a = m.tensor("a", "INT8", [1, 4, 4, 2], input=True, **_q())
    b = m.tensor("b", "INT8", [1, 4, 4, 2], input=True, **_q())
    y = m.tensor("y", "INT8", [1, 4, 4, 2], output=True, **_q())
    unused = m.tensor("unused", "FLOAT32", [1, 4, 4, 2])
    m.op("ADD", [a, b], [y], options=("AddOptions", {"fused_activation_function": "NONE"}))
    m.op("DEQUANTIZE", [a], [unused])  # reaches no graph output: Vela drops it
    return m.build()


def _dilated_conv() -> bytes:
    """SPACE_TO_BATCH_ND -> CONV_2D -> BATCH_TO_SPACE_ND, as TensorFlow writes a dilated conv."""
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 8, 8, 4], input=True, **_q())
    block = m.tensor("block", "INT32", [2], data=np.array([2, 2], np.int32))
    pads = m.tensor("pads", "INT32", [2, 2], data=np.array([[2, 2], [2, 2]], np.int32))
    s2b = m.tensor("s2b", "INT8", [4, 6, 6, 4], **_q())
    w = m.tensor("w", "INT8", [4, 3, 3, 4], data=np.ones((4, 3, 3, 4), np.int8), scale=0.02)
    bias = m.tensor("bias", "INT32", [4], data=np.zeros(4, np.int32), scale=0.001)
    conv = m.tensor("conv", "INT8", [4, 4, 4, 4], **_q())
    crops = m.tensor("crops", "INT32", [2, 2], data=np.zeros((2, 2), np.int32))
    y = m.tensor("y", "INT8", [1, 8, 8, 4], output=True, **_q())
    m.op("SPACE_TO_BATCH_ND", [x, block, pads], [s2b])
    opts = {
        "padding": "VALID",
        "stride_w": 1,
        "stride_h": 1,
        "dilation_w_factor": 1,
        "dilation_h_factor": 1,
    }
    m.op("CONV_2D", [s2b, w, bias], [conv], options=("Conv2DOptions", opts))
    m.op("BATCH_TO_SPACE_ND", [conv, block, crops], [y])
    return m.build()


def _strided_slice(stride_h: int, stride_c: int) -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 4, 4, 8], input=True, **_q())
    begin = m.tensor("begin", "INT32", [4], data=np.zeros(4, np.int32))
    end = m.tensor("end", "INT32", [4], data=np.array([1, 4, 4, 8], np.int32))
    strides = m.tensor("strides", "INT32", [4], data=np.array([1, stride_h, 1, stride_c], np.int32))
    y = m.tensor("y", "INT8", [1, 4 // stride_h, 4, 8 // stride_c], output=True, **_q())
    m.op("STRIDED_SLICE", [x, begin, end, strides], [y], options=SLICE_OPTS)
    return m.build()


SLICE_OPTS = (
    "StridedSliceOptions",
    {"begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0, "new_axis_mask": 0, "shrink_axis_mask": 0},
)
RESIZE_OPTS = (
    "ResizeNearestNeighborOptions",
    {"align_corners": False, "half_pixel_centers": False},
)

# (id, model, op index under test, expected: None = NPU, a rule code = CPU, "refused")
CASES: list[tuple[str, Callable[[], bytes], int, str | None]] = [
    ("conv-int8", lambda: _conv(), 0, None),
    ("conv-float", lambda: _conv(dtype="FLOAT32"), 0, "D003"),
    ("conv-stride4-valid", lambda: _conv(size=17, stride=4, padding="VALID"), 0, None),
    ("conv-stride4-same-padded", lambda: _conv(size=17, stride=4), 0, "D008"),
    ("conv-int16-weights", lambda: _conv(weight_dtype="INT16"), 0, "D003"),
    ("conv-runtime-bias", lambda: _conv(bias_const=False), 0, "D005"),
    ("conv-groups-refused", lambda: _conv(in_depth=2), 0, "refused"),
    ("depthwise-stride3", lambda: _depthwise(3), 0, None),
    ("depthwise-stride4", lambda: _depthwise(4), 0, "D008"),
    ("add-int8", lambda: _binary("ADD"), 0, None),
    ("add-int32", lambda: _binary("ADD", "INT32", qa={}, qy={}), 0, None),
    (
        "add-per-axis",
        lambda: _binary(
            "ADD", qa={"scale": [0.05, 0.1], "zero_point": [0, 0], "quantized_dimension": 3}
        ),
        0,
        "D004",
    ),
    ("add-unquantized", lambda: _binary("ADD", qa={}, qy={}), 0, "D004"),
    ("add-int64", lambda: _binary("ADD", "INT64", qa={}, qy={}), 0, "D003"),
    ("sub-uint8", lambda: _binary("SUB", "UINT8", qa=_q(0.05, 128), qy=_q(0.05, 128)), 0, None),
    ("sub-uint8-negative-zero-point", lambda: _binary("SUB", "UINT8", qy=_q(0.05, -3)), 0, "D004"),
    ("add-dynamic-batch", lambda: _binary("ADD", signature=[-1, 4, 4, 2]), 0, None),
    ("add-dynamic-height", lambda: _binary("ADD", signature=[1, -1, 4, 2]), 0, "D007"),
    (
        "add-int32-fused-relu",
        lambda: _binary("ADD", "INT32", qa={}, qy={}, activation="RELU"),
        0,
        "D003",
    ),
    ("maximum-quant-mismatch", lambda: _binary("MAXIMUM", qy=_q(0.1)), 0, "D004"),
    ("concat-int8", lambda: _concat("INT8"), 0, None),
    ("concat-int32", lambda: _concat("INT32"), 0, "D003"),
    ("avgpool-valid-9x9", lambda: _pool("AVERAGE_POOL_2D", 9, "VALID"), 0, None),
    ("avgpool-same-9x9", lambda: _pool("AVERAGE_POOL_2D", 9, "SAME"), 0, "D008"),
    (
        "mean-depth",
        lambda: _unary(
            "MEAN",
            [1, 4, 4, 8],
            [1, 4, 4],
            np.array([3], np.int32),
            options=("ReducerOptions", {"keep_dims": False}),
        ),
        0,
        "D010",
    ),
    (
        "mean-hw",
        lambda: _unary(
            "MEAN",
            [1, 4, 4, 8],
            [1, 8],
            np.array([1, 2], np.int32),
            options=("ReducerOptions", {"keep_dims": False}),
        ),
        0,
        None,
    ),
    ("strided-slice-h-stride", lambda: _strided_slice(2, 1), 0, None),
    ("strided-slice-channel-stride", lambda: _strided_slice(1, 2), 0, "D010"),
    (
        "resize-x2",
        lambda: _unary(
            "RESIZE_NEAREST_NEIGHBOR",
            [1, 4, 4, 2],
            [1, 8, 8, 2],
            np.array([8, 8], np.int32),
            options=RESIZE_OPTS,
        ),
        0,
        None,
    ),
    (
        "resize-x3",
        lambda: _unary(
            "RESIZE_NEAREST_NEIGHBOR",
            [1, 4, 4, 2],
            [1, 12, 12, 2],
            np.array([12, 12], np.int32),
            options=RESIZE_OPTS,
        ),
        0,
        "D008",
    ),
    (
        "softmax-wh-overflow",
        lambda: _unary(
            "SOFTMAX", [1, 300, 300, 2], [1, 300, 300, 2], options=("SoftmaxOptions", {"beta": 1.0})
        ),
        0,
        "D006",
    ),
    (
        "argmax-depth-200",
        lambda: _unary(
            "ARG_MAX",
            [1, 4, 200],
            [1, 4],
            np.array([2], np.int32),
            options=("ArgMaxOptions", {"output_type": 2}),
            out_dtype="INT32",
        ),
        0,
        "D006",
    ),
    (
        "reverse-axis",
        lambda: _unary("REVERSE_V2", [1, 4, 4, 2], [1, 4, 4, 2], np.array([1], np.int32)),
        0,
        "D008",
    ),
    (
        "pad-runtime-paddings-refused",
        lambda: _unary(
            "PAD", [1, 4, 4, 2], [1, 6, 6, 2], np.zeros((4, 2), np.int32), params_const=False
        ),
        0,
        "refused",
    ),
    ("fc-weight-sum", _fc_weight_sum, 0, "D010"),
    ("batch-matmul-int8", lambda: _batch_matmul("INT8"), 0, None),
    ("batch-matmul-int16", lambda: _batch_matmul("INT16"), 0, "D003"),
    ("transpose-conv-stride2", lambda: _transpose_conv(2), 0, None),
    ("transpose-conv-stride3", lambda: _transpose_conv(3), 0, "D008"),
    ("dequantize-unsupported", _dequantize, 0, "D001"),
    ("bool-graph-input-refused", _bool_input, 0, "refused"),
    ("dead-op-dropped", _dead_op, 1, None),
    ("space-to-batch-folded", _dilated_conv, 0, None),
]


@pytest.fixture(scope="module")
def profile():
    return resolve_target("ethos-u")


@pytest.mark.oracle
@needs_vela
@pytest.mark.parametrize(
    ("build", "index", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_built_model_both_sides(profile, build, index: int, expected: str | None) -> None:
    data = build()
    ours = evaluate(parse_bytes(data, "built.tflite"), profile)
    theirs = run_vela_on_bytes(data)
    verdict = ours.verdicts[(0, index)]
    if expected == "refused":
        assert not theirs.ok, "Vela compiled the model"
        assert all(not v.accepted for v in ours.verdicts.values())
        assert all(
            v.failures[0].code == "D010" and "Vela refuses the whole model" in v.failures[0].text()
            for v in ours.verdicts.values()
        )
        return
    assert theirs.ok, theirs.error
    assert ((0, index) in theirs.cpu_ops) == (expected is not None)
    if expected is None:
        assert verdict.accepted, [f.text() for f in verdict.failures]
    else:
        assert not verdict.accepted
        assert expected in {f.code for f in verdict.failures}, [f.text() for f in verdict.failures]


def test_fused_activation_failure_is_named(profile) -> None:
    data = _binary("ADD", "INT32", qa={}, qy={}, activation="RELU")
    verdict = evaluate(parse_bytes(data), profile).verdicts[(0, 0)]
    assert [f.code for f in verdict.failures] == ["D003"]
    assert verdict.failures[0].requirement.startswith("fused RELU: 32-bit feature maps")


def test_space_to_batch_chain_is_one_npu_op(profile) -> None:
    result = evaluate(parse_bytes(_dilated_conv()), profile)
    assert all(v.accepted for v in result.verdicts.values())
    assert len(result.partitions) == 1


def test_profile_lists_regor_u55_op_set(profile) -> None:
    assert len(profile.ops) == 55  # s_supportedOpTypes minus the internal MemoryCopy
    assert "DEQUANTIZE" not in profile.ops and "GATHER" not in profile.ops
    for spec in profile.ops.values():
        assert spec.source and spec.source.startswith("tflite_supported_operators_u55.cpp:L")
        assert all(c.source for c in spec.constraints)
    assert all(c.source for c in profile.generic)


# -- MACs: the formulas on built models, and Vela's totals ------------------------------------
def _macs(data: bytes) -> int:
    sg = parse_bytes(data).main
    return op_macs(sg, sg.operators[0])


def test_macs_conv() -> None:
    # kernel 3x3, OFM 1x8x8x4, 3 input channels
    assert _macs(_conv()) == 3 * 3 * (8 * 8 * 4) * 3


def test_macs_depthwise() -> None:
    assert _macs(_depthwise(1)) == 3 * 3 * (14 * 14 * 4)


def test_macs_fully_connected() -> None:
    assert _macs(_fc_weight_sum()) == 1 * 66000


def test_macs_pooling() -> None:
    assert _macs(_pool("MAX_POOL_2D", 3, "VALID")) == 3 * 3 * (18 * 18 * 4)
    assert _macs(_pool("AVERAGE_POOL_2D", 9, "SAME")) == 9 * 9 * (20 * 20 * 4)


def test_macs_transpose_conv() -> None:
    # kernel 3x3 * OFM elements (1x8x8x3) * input channels 2: Vela's convention
    assert _macs(_transpose_conv(2)) == 3 * 3 * (8 * 8 * 3) * 2


def test_macs_batch_matmul() -> None:
    assert _macs(_batch_matmul("INT8")) == (4 * 6) * 8


def _lstm(steps: int, size_in: int, units: int) -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, steps, size_in], input=True, **_q())
    ins = [x]
    for i in range(4):
        w = np.ones((units, size_in), np.int8)
        ins.append(m.tensor(f"wi{i}", "INT8", [units, size_in], data=w, scale=0.01))
    for i in range(4):
        w = np.ones((units, units), np.int8)
        ins.append(m.tensor(f"wr{i}", "INT8", [units, units], data=w, scale=0.01))
    ins += [-1, -1, -1]  # no peephole
    for i in range(4):
        ins.append(m.tensor(f"b{i}", "INT32", [units], data=np.zeros(units, np.int32)))
    ins += [-1, -1]  # no projection
    ins.append(m.tensor("h", "INT8", [1, units], is_variable=True, **_q()))
    ins.append(m.tensor("c", "INT16", [1, units], is_variable=True, scale=2**-11))
    ins += [-1, -1, -1, -1]
    y = m.tensor("y", "INT8", [1, steps, units], output=True, **_q())
    m.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y])
    return m.build()


def test_macs_lstm_gates() -> None:
    # 28 steps * 4 gates * 20 units * (28 inputs + 20 recurrent)
    assert _macs(_lstm(28, 28, 20)) == 28 * 4 * 20 * (28 + 20)


def _concat_after_conv() -> bytes:
    """conv -> concat(conv output, graph input): the conv writes in place, the input is copied."""
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 8, 8, 3], input=True, **_q())
    w = m.tensor("w", "INT8", [4, 1, 1, 3], data=np.ones((4, 1, 1, 3), np.int8), scale=0.02)
    b = m.tensor("b", "INT32", [4], data=np.zeros(4, np.int32), scale=0.001)
    c = m.tensor("c", "INT8", [1, 8, 8, 4], **_q())
    z = m.tensor("z", "INT8", [1, 8, 8, 2], input=True, **_q())
    y = m.tensor("y", "INT8", [1, 8, 8, 6], output=True, **_q())
    opts = {"padding": "VALID", "stride_w": 1, "stride_h": 1}
    m.op("CONV_2D", [x, w, b], [c], options=("Conv2DOptions", opts))
    m.op("CONCATENATION", [c, z], [y], options=("ConcatenationOptions", {"axis": 3}))
    return m.build()


def _conv_then_logistic(depth: int) -> bytes:
    """A LOGISTIC chained into the convolution before it, unless shallower than 8 channels."""
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 8, 8, 3], input=True, **_q())
    w = m.tensor("w", "INT8", [depth, 1, 1, 3], data=np.ones((depth, 1, 1, 3), np.int8), scale=0.02)
    b = m.tensor("b", "INT32", [depth], data=np.zeros(depth, np.int32), scale=0.001)
    c = m.tensor("c", "INT8", [1, 8, 8, depth], **_q())
    y = m.tensor("y", "INT8", [1, 8, 8, depth], output=True, scale=1 / 256, zero_point=-128)
    opts = {"padding": "VALID", "stride_w": 1, "stride_h": 1}
    m.op("CONV_2D", [x, w, b], [c], options=("Conv2DOptions", opts))
    m.op("LOGISTIC", [c], [y])
    return m.build()


@pytest.mark.oracle
@needs_vela
@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(lambda: _conv(), 3 * 3 * 8 * 8 * 4 * 3, id="conv"),
        pytest.param(lambda: _depthwise(1), 3 * 3 * 14 * 14 * 4, id="depthwise"),
        pytest.param(lambda: _pool("AVERAGE_POOL_2D", 9, "VALID"), 81 * 12 * 12 * 4, id="pool"),
        pytest.param(lambda: _transpose_conv(2), 3 * 3 * 8 * 8 * 3 * 2, id="transpose-conv"),
        pytest.param(_concat_after_conv, 8 * 8 * 4 * 3 + 8 * 8 * 2, id="concat-copies-input"),
        pytest.param(lambda: _conv_then_logistic(8), 8 * 8 * 8 * 3, id="logistic-chained"),
        pytest.param(
            lambda: _conv_then_logistic(4), 8 * 8 * 4 * 3 + 8 * 8 * 4, id="logistic-shallow"
        ),
        pytest.param(
            lambda: _conv(activation="RELU"), 3 * 3 * 8 * 8 * 4 * 3 + 8 * 8 * 4, id="relu-shallow"
        ),
        pytest.param(lambda: _concat("INT8"), 2 * 4 * 4 * 2, id="concat-of-graph-inputs"),
        pytest.param(
            lambda: _unary(
                "PAD",
                [1, 4, 4, 2],
                [1, 6, 6, 2],
                np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32),
            ),
            (1 + 1) * 6 * 2 + (1 + 1) * 6 * 2 + 4 * 4 * 2,
            id="pad-fill-and-copy",
        ),
        pytest.param(
            lambda: _unary(
                "RESIZE_NEAREST_NEIGHBOR",
                [1, 4, 4, 2],
                [1, 16, 16, 2],
                np.array([16, 16], np.int32),
                options=RESIZE_OPTS,
            ),
            8 * 8 * 2 + 16 * 16 * 2,
            id="resize-x4",
        ),
    ],
)
def test_nn_macs_of_built_models_equal_vela(profile, build, expected: int | None) -> None:
    data = build()
    model = parse_bytes(data, "built.tflite")
    predicted = vela_nn_macs(model, evaluate(model, profile))
    if expected is not None:
        assert predicted == expected
    theirs = run_vela_on_bytes(data)
    assert theirs.ok, theirs.error
    assert predicted == theirs.nn_macs
