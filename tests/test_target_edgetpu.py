"""The ``edgetpu`` target (rules/edgetpu.toml, inspector/targets/edgetpu.py).

Oracle: no Edge TPU compiler runs here. Coral publishes original models next to their compiled
twins; for every pair in the corpus (pairing rule: tests/oracles/edgetpu_twins.py) the ops our
verdict leaves on the CPU must be exactly the ops the compiler left outside
``edgetpu-custom-op``. Every documented constraint is also tested on built models, just inside
and just outside, asserting the rule code and that exactly that constraint fired.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_dir
from oracles.edgetpu_twins import EDGETPU_OP, compiler_cpu_ops, find_twins

from inspector.engine import Failure, evaluate
from inspector.parse import load, parse_bytes
from inspector.profiles import Constraint, resolve_target
from inspector.targets.edgetpu import SINGLE_SUBGRAPH_SOURCE

P = resolve_target("edgetpu")
_CORPUS = corpus_dir()
TWINS = find_twins(_CORPUS) if _CORPUS is not None else []


# -- corpus acceptance: the compiled twins ---------------------------------------------------
def _twin_id(t: Any) -> str:
    return str(t.compiled.relative_to(_CORPUS)) if _CORPUS else str(t)


@pytest.mark.parametrize(
    "twin",
    TWINS or [pytest.param(None, marks=pytest.mark.skip(reason="no Edge TPU twins in corpus"))],
    ids=_twin_id if TWINS else None,
)
def test_cpu_ops_match_the_compiled_twin(twin: Any) -> None:
    oracle = compiler_cpu_ops(twin)
    assert oracle.unmapped == [], "every op outside the custom op maps back to the original"
    r = evaluate(load(twin.original), P)
    ours = {(v.subgraph, v.op) for v in r.fallback}
    assert ours == oracle.cpu_ops, {
        "we send to the CPU, the compiler mapped": sorted(ours - oracle.cpu_ops),
        "we map, the compiler left on the CPU": sorted(oracle.cpu_ops - ours),
    }
    assert oracle.edgetpu_ops[0] == (1 if r.delegated else 0), "one Edge TPU subgraph"


def test_the_corpus_has_twins_of_both_kinds() -> None:
    if _CORPUS is None:
        pytest.skip("model corpus not found")
    results = [compiler_cpu_ops(t) for t in TWINS]
    assert any(not r.cpu_ops for r in results), "a fully mapped pair"
    assert any(r.cpu_ops for r in results), "a partly mapped pair"


@pytest.mark.parametrize(
    "twin",
    TWINS or [pytest.param(None, marks=pytest.mark.skip(reason="no Edge TPU twins in corpus"))],
    ids=_twin_id if TWINS else None,
)
def test_a_compiled_twin_runs_only_its_custom_op_on_the_edge_tpu(twin: Any) -> None:
    # One Edge TPU subgraph per model: what the compiler left outside the custom op stays on
    # the CPU when the compiled file is linted again.
    r = evaluate(load(twin.compiled), P)
    assert r.precompiled_for == "Edge TPU"
    for v in r.verdicts.values():
        if v.opcode == "edgetpu-custom-op":
            assert v.accepted or [f.code for f in v.failures] == ["D013"]
        else:
            assert not v.accepted, v


# -- the pairing rule and the oracle, on built files ----------------------------------------
def _pair_model(names: tuple[str, str], compiled: bool) -> bytes:
    m = ModelBuilder()
    x = _act(m, names[0], [1, 4])
    a = _act(m, "a", [1, 4])
    y = _act(m, names[1], [1, 4])
    m.sg.inputs.append(x)
    m.sg.outputs.append(y)
    if compiled:
        m.op("CUSTOM", [x], [a], custom="edgetpu-custom-op")
    else:
        m.op("ADD", [x, x], [a], options=("AddOptions", {}))
    m.op("HARD_SWISH", [a], [y])
    return m.build()


def test_pairing_rule_and_oracle(tmp_path: Path) -> None:
    (tmp_path / "net.tflite").write_bytes(_pair_model(("x", "y"), False))
    (tmp_path / "net_edgetpu.tflite").write_bytes(_pair_model(("x", "y"), True))
    (tmp_path / "net_cocompiled_with_other_edgetpu.tflite").write_bytes(
        _pair_model(("x", "y"), True)
    )
    (tmp_path / "net_head_edgetpu.tflite").write_bytes(_pair_model(("x", "z"), True))
    twins = find_twins(tmp_path)
    assert [(t.original.name, t.compiled.name) for t in twins] == [
        ("net.tflite", "net_cocompiled_with_other_edgetpu.tflite"),
        ("net.tflite", "net_edgetpu.tflite"),
    ]  # net_head_edgetpu writes "z", which net.tflite lacks: not its twin
    res = compiler_cpu_ops(twins[1])
    assert res.cpu_ops == {(0, 1)} and res.edgetpu_ops == [1] and not res.unmapped
    assert EDGETPU_OP == "CUSTOM:edgetpu-custom-op"


# -- built models ----------------------------------------------------------------------------
@dataclass
class A:  # an activation (graph input), 8-bit quantized unless told. A computed axes or
    # paddings tensor is built as one too, so that only the "must be constant" constraint fires.
    shape: list[int]
    dtype: str = "INT8"
    quant: bool = True
    sig: list[int] | None = None
    variable: bool = False


@dataclass
class K:  # a constant
    values: Any
    dtype: str = "INT32"
    quant: bool = False


def _act(m: ModelBuilder, name: str, shape: list[int], dtype: str = "INT8") -> int:
    return m.tensor(name, dtype, shape, scale=0.1, zero_point=0)


def _tensor(m: ModelBuilder, name: str, spec: A | K) -> int:
    if isinstance(spec, A):
        q = {"scale": 0.1, "zero_point": 0} if spec.quant else {}
        return m.tensor(
            name, spec.dtype, spec.shape, shape_signature=spec.sig, is_variable=spec.variable, **q
        )
    arr = np.asarray(spec.values, dtype=np.dtype(spec.dtype.lower()))
    q = {"scale": 0.1, "zero_point": 0} if spec.quant else {}
    return m.tensor(name, spec.dtype, list(arr.shape), data=arr, **q)


def one_op(
    op: str,
    ins: list[A | K | None],
    outs: list[A],
    options: tuple[str, dict[str, Any]] | None = None,
) -> ModelBuilder:
    m = ModelBuilder()
    idx = []
    for i, spec in enumerate(ins):
        if spec is None:
            idx.append(-1)
            continue
        t = _tensor(m, f"in{i}", spec)
        if isinstance(spec, A) and not spec.variable:
            m.sg.inputs.append(t)
        idx.append(t)
    o = [_tensor(m, f"out{i}", s) for i, s in enumerate(outs)]
    m.sg.outputs.extend(o)
    m.op(op, idx, o, options=options)
    return m


def failures(m: ModelBuilder, op: int = 0) -> tuple[Failure, ...]:
    return evaluate(parse_bytes(m.build()), P).verdicts[(0, op)].failures


def constraint(where: str, check: str, n: int = 0) -> Constraint:
    pool = P.generic if where == "generic" else P.ops[where].constraints
    found = [c for c in pool if c.check == check]
    return found[n]


def assert_only(fails: tuple[Failure, ...], c: Constraint) -> None:
    assert fails, "the constraint did not fire"
    assert {(f.code, f.requirement, f.source) for f in fails} == {
        (c.rule_code, c.requirement(), c.source)
    }, [f.text() for f in fails]


X4 = [1, 8, 8, 4]
POOL = ("Pool2DOptions", {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                          "filter_width": 2, "filter_height": 2})  # fmt: skip


def conv(dil: tuple[int, int] = (1, 1), weights: A | K | None = None, act: str = "NONE"):
    w = weights or K(np.ones((8, 3, 3, 4)), "INT8", quant=True)
    opts = {"padding": "SAME", "stride_w": 1, "stride_h": 1, "fused_activation_function": act,
            "dilation_w_factor": dil[0], "dilation_h_factor": dil[1]}  # fmt: skip
    return one_op("CONV_2D", [A(X4), w, K(np.zeros(8))], [A([1, 8, 8, 8])],
                  ("Conv2DOptions", opts))  # fmt: skip


def dwconv(dil: tuple[int, int] = (1, 1), weights: A | K | None = None):
    w = weights or K(np.ones((1, 3, 3, 4)), "INT8", quant=True)
    opts = {"padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 1,
            "dilation_w_factor": dil[0], "dilation_h_factor": dil[1]}  # fmt: skip
    return one_op("DEPTHWISE_CONV_2D", [A(X4), w, K(np.zeros(4))], [A(X4)],
                  ("DepthwiseConv2DOptions", opts))  # fmt: skip


def fc(weights: A | K | None = None, out: list[int] | None = None, fmt: str = "DEFAULT"):
    batch = (out or [1, 10])[0]
    w = weights or K(np.ones((10, 16)), "INT8", quant=True)
    return one_op("FULLY_CONNECTED", [A([batch, 16]), w, K(np.zeros(10))], [A(out or [1, 10])],
                  ("FullyConnectedOptions", {"weights_format": fmt}))  # fmt: skip


def concat(inputs: list[A | K], act: str = "NONE"):
    c = sum(s.shape[-1] if isinstance(s, A) else np.shape(s.values)[-1] for s in inputs)
    opts = {"axis": 3, "fused_activation_function": act}
    return one_op("CONCATENATION", inputs, [A([1, 4, 4, c])], ("ConcatenationOptions", opts))


def reduce(op: str, axes: list[int] | A, shape: list[int] = X4):
    ax = axes if isinstance(axes, A) else K(axes)
    kept = [] if isinstance(axes, A) else [a % len(shape) for a in axes]
    out = [d for i, d in enumerate(shape) if i not in kept] or [1]
    return one_op(op, [A(shape), ax], [A(out)], ("ReducerOptions", {"keep_dims": False}))


def pack(axis: int, shape: list[int]):
    # One value, so that packing on axis 0 leaves a batch of 1 (a batch of 2 also breaks the
    # 3-innermost rule).
    out = list(shape)
    out.insert(axis, 1)
    return one_op("PACK", [A(shape)], [A(out)], ("PackOptions", {"values_count": 1, "axis": axis}))


def pad(paddings: Any):
    # The output keeps a batch of 1 even when the batch is padded, so that only the padding
    # constraint fires (a batch of 2 also breaks the 3-innermost rule).
    p = paddings if isinstance(paddings, A) else K(paddings)
    return one_op("PAD", [A(X4), p], [A([1, 10, 10, 4])])


def split(axis: int | A):
    # One split along the batch of 1, two along the others.
    ax = axis if isinstance(axis, A) else K(np.int32(axis))
    n = 1 if axis == 0 else 2
    part = [1, 4, 4, 4] if n == 1 else [1, 4, 4, 2]
    return one_op(
        "SPLIT", [ax, A([1, 4, 4, 4])], [A(part)] * n, ("SplitOptions", {"num_splits": n})
    )


def resize(op: str, out_hw: tuple[int, int]):
    opts = ("ResizeBilinearOptions" if op == "RESIZE_BILINEAR" else "ResizeNearestNeighborOptions",
            {"align_corners": False, "half_pixel_centers": True})  # fmt: skip
    return one_op(op, [A(X4), K(list(out_hw))], [A([1, *out_hw, 4])], opts)


def softmax(shape: list[int]):
    return one_op("SOFTMAX", [A(shape)], [A(shape)], ("SoftmaxOptions", {"beta": 1.0}))


def strided_slice(strides: list[int] | A, ellipsis: int = 0, new_axis: int = 0):
    s = strides if isinstance(strides, A) else K(strides)
    opts = {"begin_mask": 0, "end_mask": 0, "ellipsis_mask": ellipsis,
            "new_axis_mask": new_axis, "shrink_axis_mask": 0}  # fmt: skip
    return one_op("STRIDED_SLICE", [A(X4), K([0, 0, 0, 0]), K([1, 4, 4, 4]), s],
                  [A([1, 4, 4, 4])], ("StridedSliceOptions", opts))  # fmt: skip


def lstm(x: A | None = None, w: A | K | None = None):
    wi = w or K(np.ones((20, 8)), "INT8", quant=True)
    wr = K(np.ones((20, 20)), "INT8", quant=True)
    b = K(np.zeros(20))
    ins: list[A | K | None] = [x or A([1, 5, 8]), wi, wi, wi, wi, wr, wr, wr, wr,
                               None, None, None, b, b, b, b, None, None,
                               A([1, 20], variable=True), A([1, 20], "INT16", variable=True),
                               None, None, None, None]  # fmt: skip
    opts = {"fused_activation_function": "TANH", "cell_clip": 0.0, "proj_clip": 0.0,
            "time_major": False}  # fmt: skip
    return one_op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [A([1, 5, 20])],
                  ("UnidirectionalSequenceLSTMOptions", opts))  # fmt: skip


def transpose_conv(weights: A | K | None = None):
    w = weights or K(np.ones((4, 3, 3, 4)), "INT8", quant=True)
    opts = {"padding": "SAME", "stride_w": 2, "stride_h": 2}
    ins = [K([1, 16, 16, 4]), w, A(X4)]
    return one_op("TRANSPOSE_CONV", ins, [A([1, 16, 16, 4])], ("TransposeConvOptions", opts))


def unary(op: str, x: A, options: tuple[str, dict[str, Any]] | None = None):
    return one_op(op, [x], [A(x.shape)], options)


ZEROS = K(np.zeros((1, 4, 4, 2)), "INT8", quant=True)
ONES = K(np.ones((1, 4, 4, 2)), "INT8", quant=True)

# (id, model just inside, model just outside, (where, check, n), rule code)
CASES = [
    ("static-shape", unary("RELU", A(X4, sig=[1, 8, 8, 4])),
     unary("RELU", A(X4, sig=[-1, 8, 8, 4])), ("generic", "static_shape", 0), "D007"),
    ("8-bit", unary("RELU", A(X4, "UINT8")), unary("RELU", A(X4, "INT16")),
     ("generic", "dtype", 0), "D003"),
    ("quantized", unary("RELU", A(X4)), unary("RELU", A(X4, quant=False)),
     ("generic", "quantized", 0), "D004"),
    ("3-innermost", unary("RELU", A([1, 1, 8, 8, 4])), unary("RELU", A([2, 8, 8, 4])),
     ("generic", "tpu_rank", 0), "D006"),
    ("weights-constant", fc(), fc(A([10, 16])), ("FULLY_CONNECTED", "constant", 0), "D005"),
    ("weights-8-bit", conv(), conv(weights=K(np.ones((8, 3, 3, 4)), "INT16", quant=True)),
     ("CONV_2D", "dtype", 0), "D003"),
    ("weights-quantized", dwconv(), dwconv(weights=K(np.ones((1, 3, 3, 4)), "INT8")),
     ("DEPTHWISE_CONV_2D", "quantized", 0), "D004"),
    ("conv-dilation", conv((2, 2)), conv((1, 2)), ("CONV_2D", "same_options", 0), "D008"),
    ("dwconv-dilation", dwconv((2, 2)), dwconv((2, 1)),
     ("DEPTHWISE_CONV_2D", "same_options", 0), "D008"),
    ("avgpool-activation", unary("AVERAGE_POOL_2D", A(X4), POOL),
     unary("AVERAGE_POOL_2D", A(X4), (POOL[0], {**POOL[1], "fused_activation_function": "RELU"})),
     ("AVERAGE_POOL_2D", "option", 0), "D008"),
    ("maxpool-activation", unary("MAX_POOL_2D", A(X4), POOL),
     unary("MAX_POOL_2D", A(X4), (POOL[0], {**POOL[1], "fused_activation_function": "RELU6"})),
     ("MAX_POOL_2D", "option", 0), "D008"),
    ("concat-activation", concat([A([1, 4, 4, 2]), A([1, 4, 4, 2])]),
     concat([A([1, 4, 4, 2]), A([1, 4, 4, 2])], "RELU"), ("CONCATENATION", "option", 0), "D008"),
    ("concat-zero-constant", concat([A([1, 4, 4, 2]), ZEROS]), concat([A([1, 4, 4, 2]), ONES]),
     ("CONCATENATION", "zero_padding_concat", 0), "D010"),
    ("concat-two-inputs", concat([A([1, 4, 4, 2]), ZEROS]),
     concat([A([1, 4, 4, 2]), A([1, 4, 4, 2]), ZEROS]),
     ("CONCATENATION", "zero_padding_concat", 0), "D010"),
    ("fc-weights-format", fc(), fc(fmt="SHUFFLED4x16INT8"),
     ("FULLY_CONNECTED", "option", 0), "D008"),
    ("fc-1d-output", fc(out=[1, 10]), fc(out=[2, 10]), ("FULLY_CONNECTED", "tpu_rank", 0), "D006"),
    ("lstm-8-bit-io", lstm(), lstm(x=A([1, 5, 8], "FLOAT32", quant=False)),
     ("UNIDIRECTIONAL_SEQUENCE_LSTM", "dtype", 0), "D003"),
    ("lstm-weights-constant", lstm(), lstm(w=A([20, 8])),
     ("UNIDIRECTIONAL_SEQUENCE_LSTM", "constant", 0), "D005"),
    ("mean-axes-constant", reduce("MEAN", [1, 2]), reduce("MEAN", A([2])),
     ("MEAN", "constant", 0), "D005"),
    ("mean-batch", reduce("MEAN", [1, 2]), reduce("MEAN", [0, 1]),
     ("MEAN", "not_batch_axis", 0), "D008"),
    ("mean-z-multiple-of-4", reduce("MEAN", [3], [1, 4, 4, 8]), reduce("MEAN", [-1], [1, 4, 4, 6]),
     ("MEAN", "reduce_depth_multiple", 0), "D006"),
    ("sum-batch", reduce("SUM", [1]), reduce("SUM", [0]), ("SUM", "not_batch_axis", 0), "D008"),
    ("reduce-max-batch", reduce("REDUCE_MAX", [-1]), reduce("REDUCE_MAX", [-4]),
     ("REDUCE_MAX", "not_batch_axis", 0), "D008"),
    ("reduce-min-batch", reduce("REDUCE_MIN", [2]), reduce("REDUCE_MIN", [0]),
     ("REDUCE_MIN", "not_batch_axis", 0), "D008"),
    ("pack-batch", pack(1, [1, 4, 4]), pack(0, [1, 4, 4]), ("PACK", "not_batch_axis", 0), "D008"),
    ("pad-constant", pad([[0, 0], [1, 1], [1, 1], [0, 0]]), pad(A([4, 2])),
     ("PAD", "constant", 0), "D005"),
    ("pad-batch", pad([[0, 0], [1, 1], [1, 1], [0, 0]]), pad([[0, 1], [1, 1], [1, 1], [0, 0]]),
     ("PAD", "pad_not_batch", 0), "D008"),
    ("prelu-alpha", one_op("PRELU", [A(X4), K(np.ones((1, 1, 4)), "INT8", quant=True)], [A(X4)]),
     one_op("PRELU", [A(X4), K(np.ones((1, 8, 4)), "INT8", quant=True)], [A(X4)]),
     ("PRELU", "tpu_rank", 0), "D006"),
    ("resize-bilinear-2x", resize("RESIZE_BILINEAR", (16, 16)), resize("RESIZE_BILINEAR", (16, 17)),
     ("RESIZE_BILINEAR", "resize_factor", 0), "D006"),
    ("resize-nearest-2x", resize("RESIZE_NEAREST_NEIGHBOR", (16, 8)),
     resize("RESIZE_NEAREST_NEIGHBOR", (24, 8)),
     ("RESIZE_NEAREST_NEIGHBOR", "resize_factor", 0), "D006"),
    ("softmax-1d", softmax([1, 1, 10]), softmax([1, 2, 10]), ("SOFTMAX", "tpu_rank", 0), "D006"),
    ("softmax-16000", softmax([1, 16000]), softmax([1, 16001]), ("SOFTMAX", "elements", 0), "D006"),
    ("split-axis-constant", split(3), split(A([])),
     ("SPLIT", "constant", 0), "D005"),
    ("split-batch", split(3), split(0), ("SPLIT", "not_batch_axis", 0), "D008"),
    ("strided-slice-strides", strided_slice([1, 1, 1, 1]), strided_slice([1, 2, 1, 1]),
     ("STRIDED_SLICE", "all_values", 0), "D010"),
    ("strided-slice-ellipsis", strided_slice([1, 1, 1, 1]), strided_slice([1, 1, 1, 1], 1),
     ("STRIDED_SLICE", "option", 0), "D008"),
    ("strided-slice-new-axis", strided_slice([1, 1, 1, 1]), strided_slice([1, 1, 1, 1], 0, 2),
     ("STRIDED_SLICE", "option", 1), "D008"),
    ("tile-multiples", one_op("TILE", [A([1, 1, 1, 4]), K([1, 4, 4, 1])], [A([1, 4, 4, 4])]),
     one_op("TILE", [A([1, 1, 1, 4]), A([4])], [A([1, 4, 4, 4])]),
     ("TILE", "constant", 0), "D005"),
    ("transpose-conv-constant", transpose_conv(), transpose_conv(A([1, 3, 3, 4])),
     ("TRANSPOSE_CONV", "constant", 0), "D005"),
    ("transpose-conv-8-bit", transpose_conv(),
     transpose_conv(K(np.ones((4, 3, 3, 4)), "INT16", quant=True)),
     ("TRANSPOSE_CONV", "dtype", 0), "D003"),
]  # fmt: skip


@pytest.mark.parametrize(("good", "bad", "where", "code"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_constraint_both_sides(good: ModelBuilder, bad: ModelBuilder, where: tuple, code: str):
    assert failures(good) == ()
    c = constraint(*where)
    assert c.rule_code == code
    assert_only(failures(bad), c)


def test_every_constraint_is_tested_on_both_sides() -> None:
    tested = {id(constraint(*c[3])) for c in CASES}
    every = {id(c): (name, c.check) for name, spec in P.ops.items() for c in spec.constraints}
    every.update({id(c): ("generic", c.check) for c in P.generic})
    assert sorted(v for k, v in every.items() if k not in tested) == []


PLAIN = ["ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"]
UNARY = ["LOGISTIC", "TANH", "RELU", "RELU6", "RELU_N1_TO_1", "RSQRT", "L2_NORMALIZATION",
         "QUANTIZE"]  # fmt: skip


@pytest.mark.parametrize("op", PLAIN + UNARY)
def test_documented_ops_are_mapped(op: str) -> None:
    ins = [A(X4), A(X4)] if op in PLAIN else [A(X4)]
    assert failures(one_op(op, ins, [A(X4, "UINT8")])) == ()


@pytest.mark.parametrize(
    ("op", "ins", "out"),
    [
        ("EXPAND_DIMS", [A([8, 4]), K(np.int32(0))], [1, 8, 4]),
        ("SQUEEZE", [A([1, 8, 4])], [8, 4]),
        ("RESHAPE", [A(X4), K([1, 64, 4])], [1, 64, 4]),
        ("SLICE", [A(X4), K([0, 0, 0, 0]), K([1, 4, 4, 4])], [1, 4, 4, 4]),
        ("SPACE_TO_DEPTH", [A(X4)], [1, 4, 4, 16]),
        ("TRANSPOSE", [A([1, 8, 4]), K([0, 2, 1])], [1, 4, 8]),
    ],
)
def test_documented_shape_ops_are_mapped(op: str, ins: list, out: list[int]) -> None:
    assert failures(one_op(op, ins, [A(out)])) == ()


@pytest.mark.parametrize("op", ["ARG_MAX", "CAST", "DEQUANTIZE", "GATHER", "HARD_SWISH", "DIV"])
def test_unlisted_ops_are_not_supported(op: str) -> None:
    fails = failures(one_op(op, [A(X4)], [A(X4)]))
    assert [f.code for f in fails] == ["D001"]


def test_bidirectional_lstm_is_listed_as_not_supported() -> None:
    fails = failures(one_op("BIDIRECTIONAL_SEQUENCE_LSTM", [A([1, 5, 8])], [A([1, 5, 40])]))
    assert [(f.code, f.source) for f in fails] == [
        ("D001", P.ops["BIDIRECTIONAL_SEQUENCE_LSTM"].source)
    ]


def test_lstm_int16_state_is_accepted_but_int16_elsewhere_is_not() -> None:
    assert failures(lstm()) == ()  # the variable cell state is INT16
    assert_only(failures(unary("TANH", A(X4, "INT16"))), constraint("generic", "dtype"))


# -- one Edge TPU subgraph (the selector) --------------------------------------------------
def _graph(ops: list[tuple[str, list[str], list[str]]], dtypes: dict[str, str] | None = None):
    """Ops over named [1, 4, 4, 8] int8 tensors; names never written are graph inputs."""
    m = ModelBuilder()
    dtypes = dtypes or {}
    idx: dict[str, int] = {}
    written = {o for _, _, outs in ops for o in outs}
    for _, ins, outs in ops:
        for n in [*ins, *outs]:
            if n not in idx:
                dt = dtypes.get(n, "INT8")
                q = {} if dt in ("FLOAT32", "RESOURCE") else {"scale": 0.1, "zero_point": 0}
                shape = [] if dt == "RESOURCE" else [1, 4, 4, 8]
                idx[n] = m.tensor(n, dt, shape, input=n not in written, **q)
    for name, ins, outs in ops:
        custom = name[7:] if name.startswith("CUSTOM:") else None
        m.op("CUSTOM" if custom else name, [idx[n] for n in ins], [idx[n] for n in outs],
             custom=custom)  # fmt: skip
    m.sg.outputs.extend(idx[o] for o in written if not any(o in i for _, i, _ in ops))
    return evaluate(parse_bytes(m.build()), P)


def _cpu(r: Any) -> dict[int, list[str]]:
    return {v.op: [f.code for f in v.failures] for v in r.fallback}


def test_rejected_input_ops_run_before_the_edge_tpu_subgraph() -> None:
    # x(float) -> QUANTIZE -> q -> ADD -> a -> RELU -> y : the QUANTIZE of a float model input
    # runs on the CPU first; the ops it feeds are still mapped (movenet's CAST/QUANTIZE).
    r = _graph([("QUANTIZE", ["x"], ["q"]), ("ADD", ["q", "q"], ["a"]), ("RELU", ["a"], ["y"])],
               {"x": "FLOAT32"})  # fmt: skip
    assert _cpu(r) == {0: ["D003"]} and len(r.partitions) == 1


def test_ops_downstream_of_a_rejected_op_stay_on_the_cpu() -> None:
    r = _graph([("ADD", ["x", "x"], ["a"]), ("HARD_SWISH", ["a"], ["b"]),
                ("RELU", ["b"], ["c"]), ("ADD", ["c", "x"], ["y"])])  # fmt: skip
    assert _cpu(r) == {1: ["D001"], 2: ["D010"], 3: ["D010"]}
    f = r.verdicts[(0, 2)].failures[0]
    assert f.source == SINGLE_SUBGRAPH_SOURCE and f.detail == "op 1 (HARD_SWISH) runs on the CPU"


def test_a_branch_that_avoids_the_rejected_op_stays_mapped() -> None:
    # a -> HARD_SWISH (CPU) and a -> MUL: the MUL comes later in execution order but does not
    # depend on the rejected op (movenet's heatmap branches after its first ARG_MAX).
    r = _graph([("ADD", ["x", "x"], ["a"]), ("HARD_SWISH", ["a"], ["b"]),
                ("MUL", ["a", "a"], ["c"])])  # fmt: skip
    assert _cpu(r) == {1: ["D001"]}


def test_resource_ops_keep_their_order() -> None:
    # The second READ_VARIABLE must follow the ASSIGN_VARIABLE, which follows a mapped ADD, so
    # the ADD it feeds is downstream of a post-TPU CPU op.
    r = _graph([("VAR_HANDLE", [], ["h"]), ("READ_VARIABLE", ["h"], ["s"]),
                ("ADD", ["x", "s"], ["a"]), ("ASSIGN_VARIABLE", ["h", "a"], []),
                ("READ_VARIABLE", ["h"], ["s2"]), ("ADD", ["s2", "x"], ["y"])],
               {"h": "RESOURCE"})  # fmt: skip
    assert _cpu(r) == {0: ["D001"], 1: ["D001"], 3: ["D001"], 4: ["D001"], 5: ["D010"]}


def test_a_compiled_model_gets_no_second_edge_tpu_subgraph() -> None:
    r = _graph([("CUSTOM:edgetpu-custom-op", ["x"], ["a"]), ("ADD", ["a", "a"], ["y"])])
    assert r.precompiled_for == "Edge TPU"
    assert r.verdicts[(0, 1)].failures[0].code == "D010"
    assert r.verdicts[(0, 0)].accepted or _cpu(r)[0] == ["D013"]


def test_only_the_primary_subgraph_is_checked() -> None:
    assert P.subgraphs == "primary" and P.partitioning.mode == "graph"
