"""Multiply-accumulates per op, with Vela's conventions so totals are comparable.

Formulas (Vela 5.2.0 Regor ``ethos_u55_performance.cpp`` L426-430 for the first four):

- CONV_2D: kernel_h * kernel_w * output elements * filter input channels
- DEPTHWISE_CONV_2D: kernel_h * kernel_w * output elements
- AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D: filter_h * filter_w * output elements
- FULLY_CONNECTED: output elements * filter input size; BATCH_MATMUL: output elements * K
- TRANSPOSE_CONV: kernel_h * kernel_w * output elements * input channels (Vela runs it as a
  convolution over the zero-upsampled input)
- CONV_3D: kernel_d * kernel_h * kernel_w * output elements * filter input channels
- MEAN / SUM (reductions): input elements
- standalone activations (LOGISTIC, TANH, RELU*, PRELU, LEAKY_RELU, HARD_SWISH, ...) and
  SOFTMAX: output elements (SOFTMAX: twice, a max and a sum pass)
- binary elementwise (ADD, SUB, MUL, ...) and data movement: 0, as Vela counts them.
- UNIDIRECTIONAL_SEQUENCE_LSTM, LSTM: time steps * batch * (per gate present: units * (input
  size + output size)), plus output size * units with a projection; the gate matrix products
  Vela's LSTM decomposition runs (``compiler/lstm.cpp``). RNN, UNIDIRECTIONAL_SEQUENCE_RNN: time
  steps * batch * units * (input size + units).

Vela's own total ("Neural network macs") also counts the copies and decompositions its lowering
adds and drops what it folds away; ``inspector.targets.ethos_u.vela_nn_macs`` predicts that.

Shapes are the file's static shapes (dynamic dimensions count as their placeholder, usually 1).
"""

from __future__ import annotations

from inspector.model import Operator, Subgraph

_UNARY_MAC_OPS = frozenset(
    {
        "LOGISTIC",
        "TANH",
        "RELU",
        "RELU6",
        "RELU_N1_TO_1",
        "RELU_0_TO_1",
        "PRELU",
        "LEAKY_RELU",
        "HARD_SWISH",
        "ELU",
        "GELU",
        "RSQRT",
        "SQRT",
        "EXP",
        "LOG",
        "QUANTIZE",
        "DEQUANTIZE",
    }
)
_REDUCE_OPS = frozenset({"MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD"})


def _elements(sg: Subgraph, index: int) -> int:
    if index < 0:
        return 0
    return sg.tensors[index].num_elements


def _shape(sg: Subgraph, index: int) -> tuple[int, ...]:
    return sg.tensors[index].shape if index >= 0 else ()


def op_macs(sg: Subgraph, op: Operator) -> int:
    name = op.opcode
    ins, outs = op.inputs, op.outputs
    out = _elements(sg, outs[0]) if outs else 0
    try:
        if name == "CONV_2D":
            f = _shape(sg, ins[1])
            return f[1] * f[2] * out * f[3]
        if name == "DEPTHWISE_CONV_2D":
            f = _shape(sg, ins[1])
            return f[1] * f[2] * out
        if name == "CONV_3D":
            f = _shape(sg, ins[1])  # [d, h, w, in, out]
            return f[0] * f[1] * f[2] * out * f[3]
        if name == "TRANSPOSE_CONV":
            f = _shape(sg, ins[1])  # [out_c, h, w, in_c]
            return f[1] * f[2] * out * f[3]
        if name in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D"):
            o = op.options
            return int(o.get("filter_height", 1)) * int(o.get("filter_width", 1)) * out
        if name == "FULLY_CONNECTED":
            f = _shape(sg, ins[1])
            return out * f[-1]
        if name == "BATCH_MATMUL":
            a = _shape(sg, ins[0])
            k = a[-2] if op.options.get("adj_x") else a[-1]
            return out * k
        if name in ("UNIDIRECTIONAL_SEQUENCE_LSTM", "LSTM"):
            return _lstm_macs(sg, op, out)
        if name in ("RNN", "UNIDIRECTIONAL_SEQUENCE_RNN"):
            w = _shape(sg, ins[1])  # [units, input]
            units = w[0]
            return (out // max(units, 1)) * units * (w[1] + units)
        if name in _REDUCE_OPS:
            return _elements(sg, ins[0])
        if name == "SOFTMAX":
            return 2 * out
        if name in _UNARY_MAC_OPS:
            return out
    except (IndexError, TypeError):
        return 0  # a malformed op: the validity checks report it
    return 0


def _lstm_macs(sg: Subgraph, op: Operator, out: int) -> int:
    ins = op.inputs
    forget = _shape(sg, ins[2])  # input_to_forget_weights [units, input]
    recurrent = _shape(sg, ins[6])  # recurrent_to_forget_weights [units, output]
    units, size_in, size_out = forget[0], forget[1], recurrent[1]
    gates = sum(1 for i in (1, 2, 3, 4) if i < len(ins) and ins[i] >= 0)
    per_step = gates * units * (size_in + size_out)
    if len(ins) > 16 and ins[16] >= 0:  # projection_weights [output, units]
        per_step += size_out * units
    return (out // max(size_out, 1)) * per_step


def subgraph_macs(sg: Subgraph) -> list[int]:
    return [op_macs(sg, op) for op in sg.operators]
