"""Group the ops a delegate accepts into partitions, as the TFLite runtime does.

A port of ``PartitionGraphIntoIndependentNodeSubsets`` (LiteRT ``tflite/graph_info.cc``
L69-337 @ 19a1585, called from ``Subgraph::PartitionGraph``, ``tflite/core/subgraph.cc``
L511-521): greedy layering over the execution plan that alternates between "delegated" and
"not delegated" subsets, each subset taking every ready node of its kind, scanning the plan
repeatedly. Ops touching RESOURCE tensors and control-flow ops are chained by control edges so
they keep their order (``Subgraph::OpMightHaveSideEffect``, subgraph.cc L1203-1217).

On top of it, ``GraphPartitionHelper`` (``tflite/delegates/utils.cc``), used by the GPU and
NNAPI delegates, keeps only the largest ``max_partitions`` partitions with at least
``min_ops_per_partition`` ops; the ops of dropped partitions run on the CPU.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from inspector.model import Subgraph

_SIDE_EFFECT_OPS = frozenset({"IF", "WHILE", "CALL_ONCE"})
_NOT_READY = -1
_ALWAYS_READY = -2


@dataclass(frozen=True)
class Partition:
    delegated: bool
    ops: tuple[int, ...]  # in the order the runtime assigned them
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


def _side_effect(sg: Subgraph, op_index: int) -> bool:
    op = sg.operators[op_index]
    if op.opcode in _SIDE_EFFECT_OPS:
        return True
    return any(t >= 0 and sg.tensors[t].dtype == "RESOURCE" for t in (*op.inputs, *op.outputs))


def partition_graph(
    sg: Subgraph,
    accepted: Iterable[int],
    *,
    greedy: bool = True,
    side_effect_edges: bool = True,
    disable_node_fusion: bool = False,
) -> list[Partition]:
    """All subsets, delegated and not, in the order the runtime builds them."""
    accepted = set(accepted)
    ops = sg.operators
    n = len(ops)
    tensor_epoch = [_ALWAYS_READY] * len(sg.tensors)
    for op in ops:
        for t in op.outputs:
            if t >= 0:
                tensor_epoch[t] = _NOT_READY
    node_epoch = [_NOT_READY] * n
    successors: dict[int, list[int]] = {}
    incoming = [0] * n
    if greedy and side_effect_edges:
        last = -1
        for i in range(n):
            if _side_effect(sg, i):
                if last != -1:
                    successors.setdefault(last, []).append(i)
                    incoming[i] += 1
                last = i
    subsets: list[dict] = []

    def update(i: int) -> bool:
        cur = subsets[-1]
        if disable_node_fusion and cur["ops"]:
            return False
        if node_epoch[i] != _NOT_READY or incoming[i]:
            return False
        op = ops[i]
        if any(t >= 0 and tensor_epoch[t] == _NOT_READY for t in op.inputs):
            return False
        kind = i in accepted
        if cur["type"] is None:
            cur["type"] = kind
        elif cur["type"] != kind:
            return False
        epoch = len(subsets) - 1
        node_epoch[i] = epoch
        cur["ops"].append(i)
        for t in op.outputs:
            if t >= 0:
                tensor_epoch[t] = epoch
        for t in op.inputs:
            if t < 0:
                continue
            e = tensor_epoch[t]
            if e != epoch:
                cur["inputs"].add(t)
                if e >= 0:
                    subsets[e]["outputs"].add(t)
        for j in successors.get(i, ()):
            incoming[j] -= 1
        return True

    while True:
        subsets.append({"type": None, "ops": [], "inputs": set(), "outputs": set()})
        while True:
            did = stop = False
            for i in range(n):
                if update(i):
                    did = True
                elif did and not greedy:
                    stop = True
                    break
            if stop or not did:
                break
        if not subsets[-1]["ops"]:
            subsets.pop()
            break
    for t in sg.outputs:
        e = tensor_epoch[t] if 0 <= t < len(tensor_epoch) else _ALWAYS_READY
        if e >= 0:
            subsets[e]["outputs"].add(t)
    return [
        Partition(
            bool(s["type"]),
            tuple(s["ops"]),
            tuple(sorted(s["inputs"])),
            tuple(sorted(s["outputs"])),
        )
        for s in subsets
    ]


def limit_partitions(
    partitions: list[Partition], max_partitions: int, min_ops: int
) -> tuple[list[Partition], set[int]]:
    """GraphPartitionHelper's choice: the largest ``max_partitions`` delegated partitions with
    at least ``min_ops`` ops (ties keep the earlier one). Returns (kept, ops moved to the CPU)."""
    delegated = [p for p in partitions if p.delegated and len(p.ops) >= min_ops]
    if max_partitions > 0 and len(delegated) > max_partitions:
        order = sorted(range(len(delegated)), key=lambda k: (-len(delegated[k].ops), k))
        keep_idx = set(order[:max_partitions])
        delegated = [p for k, p in enumerate(delegated) if k in keep_idx]
    kept = {id(p) for p in delegated}
    dropped = {i for p in partitions if p.delegated and id(p) not in kept for i in p.ops}
    return delegated, dropped
