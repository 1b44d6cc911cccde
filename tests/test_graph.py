"""The networkx view: nodes carry tensor facts, edges keep slots, control flow is linked."""

from __future__ import annotations

import numpy as np
from builders import ModelBuilder
from corpus import corpus_path, sample_models

from inspector.graph import (
    build_graph,
    constants,
    consumers,
    op_inputs,
    op_node,
    producers,
    tensor_node,
    topological_ops,
)
from inspector.parse import load, parse_bytes


def test_sample_graph_nodes_and_edges() -> None:
    path = next(p for p in sample_models() if p.stem == "small_cnn_int8")
    model = load(path)
    g = build_graph(model)
    ops = [n for n, d in g.nodes(data=True) if d["kind"] == "op"]
    assert len(ops) == len(model.main.operators)
    conv = op_node(0, 0)
    assert g.nodes[conv]["opcode"] == "CONV_2D"
    weights = op_inputs(g, conv)[1]
    attrs = g.nodes[weights]
    assert attrs["is_constant"] and attrs["dtype"] == "INT8"
    assert attrs["scale"].size == attrs["shape"][0] and attrs["quantized_dimension"] == 0
    assert weights in constants(g)
    assert producers(g, weights) == []
    out = model.main.operators[0].outputs[0]
    assert producers(g, tensor_node(0, out)) == [conv]
    assert consumers(g, tensor_node(0, out)) == [op_node(0, 1)]
    assert list(topological_ops(g)) == [op_node(0, i) for i in range(len(ops))]


def test_slots_survive_a_tensor_used_twice() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [4], input=True)
    y = m.tensor("y", "FLOAT32", [4], output=True)
    m.op("MUL", [x, x], [y])
    g = build_graph(parse_bytes(m.build()))
    slots = sorted(d["slot"] for _, _, d in g.in_edges(op_node(0, 0), data=True))
    assert slots == [0, 1]


def test_topological_order_follows_data_not_file_order() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [4], input=True)
    a = m.tensor("a", "FLOAT32", [4])
    b = m.tensor("b", "FLOAT32", [4], output=True)
    m.op("ABS", [a], [b])  # listed first, but reads what the second op writes
    m.op("NEG", [x], [a])
    g = build_graph(parse_bytes(m.build()))
    assert list(topological_ops(g)) == [op_node(0, 1), op_node(0, 0)]


def test_control_flow_edges_link_ops_to_called_subgraphs() -> None:
    model = load(corpus_path("gh_esphome_micro-wake-word-models/vad.tflite"))
    g = build_graph(model)
    calls = [(u, v) for u, v, r in g.edges(data="role") if r == "calls"]
    assert calls and all(v[0] == "subgraph" for _, v in calls)
    assert {g.nodes[u]["opcode"] for u, _ in calls} == {"CALL_ONCE"}
    assert np.all([v[1] < len(model.subgraphs) for _, v in calls])
