"""The model as a ``networkx.MultiDiGraph``: operators and tensors as nodes.

Node keys are tuples so the subgraph is always part of a node's identity:

- ``("op", subgraph, index)`` with ``kind="op"``, ``opcode``, ``version``, ``options``;
- ``("tensor", subgraph, index)`` with ``kind="tensor"``, ``dtype``, ``shape``, ``scale``,
  ``zero_point``, ``quantized_dimension``, ``is_constant``;
- ``("subgraph", index)`` with ``kind="subgraph"``, the target of control-flow edges.

Edges: tensor -> op (``slot`` = input position, ``role="input"``), op -> tensor (``slot`` =
output position, ``role="output"``), and op -> subgraph (``role="calls"``) for WHILE, IF,
CALL_ONCE and the other ops whose options name subgraphs.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from inspector.model import Model

Node = tuple


def op_node(subgraph: int, index: int) -> Node:
    return ("op", subgraph, index)


def tensor_node(subgraph: int, index: int) -> Node:
    return ("tensor", subgraph, index)


def build_graph(model: Model) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(path=model.path)
    for sg in model.subgraphs:
        g.add_node(("subgraph", sg.index), kind="subgraph", name=sg.name)
        for t in sg.tensors:
            q = t.quantization
            g.add_node(
                tensor_node(sg.index, t.index),
                kind="tensor",
                name=t.name,
                dtype=t.dtype,
                shape=t.shape,
                shape_signature=t.shape_signature,
                scale=q.scale if q else None,
                zero_point=q.zero_point if q else None,
                quantized_dimension=q.quantized_dimension if q else None,
                is_constant=t.is_constant,
                is_variable=t.is_variable,
            )
        for op in sg.operators:
            node = op_node(sg.index, op.index)
            g.add_node(
                node,
                kind="op",
                opcode=op.opcode,
                custom_code=op.custom_code,
                version=op.version,
                options=op.options,
            )
            for slot, ti in enumerate(op.inputs):
                if ti >= 0:
                    g.add_edge(tensor_node(sg.index, ti), node, role="input", slot=slot)
            for slot, ti in enumerate(op.outputs):
                if ti >= 0:
                    g.add_edge(node, tensor_node(sg.index, ti), role="output", slot=slot)
            for callee in op.called_subgraphs:
                g.add_edge(node, ("subgraph", callee), role="calls", slot=0)
    return g


def producers(g: nx.MultiDiGraph, tensor: Node) -> list[Node]:
    """Ops that write ``tensor`` (normally one; none for inputs and constants)."""
    return sorted({u for u, _, r in g.in_edges(tensor, data="role") if r == "output"})


def consumers(g: nx.MultiDiGraph, tensor: Node) -> list[Node]:
    """Ops that read ``tensor``, in execution order."""
    return sorted({v for _, v, r in g.out_edges(tensor, data="role") if r == "input"})


def constants(g: nx.MultiDiGraph, subgraph: int | None = None) -> list[Node]:
    return sorted(
        n
        for n, d in g.nodes(data=True)
        if d["kind"] == "tensor" and d["is_constant"] and (subgraph is None or n[1] == subgraph)
    )


def op_inputs(g: nx.MultiDiGraph, op: Node) -> list[Node]:
    """Input tensors of ``op`` in slot order (optional inputs left out)."""
    edges = [(d["slot"], u) for u, _, d in g.in_edges(op, data=True) if d["role"] == "input"]
    return [u for _, u in sorted(edges)]


def topological_ops(g: nx.MultiDiGraph, subgraph: int = 0) -> Iterator[Node]:
    """Ops of one subgraph in a dependency order (ties broken by execution order)."""
    ops = [n for n, d in g.nodes(data=True) if d["kind"] == "op" and n[1] == subgraph]
    dep = nx.DiGraph()
    dep.add_nodes_from(ops)
    for op in ops:
        for t in op_inputs(g, op):
            for p in producers(g, t):
                if p != op:
                    dep.add_edge(p, op)
    return iter(nx.lexicographical_topological_sort(dep))
