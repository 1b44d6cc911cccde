"""Oracle: what the real Edge TPU compiler did, read from published original/compiled twins.

No Edge TPU compiler runs here (it is a closed binary for x86-64 Linux, not on PyPI). Coral
publishes models next to their compiled twins instead (``X.tflite`` and ``X_edgetpu.tflite``).
In a compiled file, the ops the compiler mapped are folded into one custom op
``edgetpu-custom-op``; the ops it rejected stay as ordinary ops under the tensor names they had
in the original. So the ops the compiler left on the CPU are the compiled file's ops other than
``edgetpu-custom-op``, mapped back to the original by op code and output tensor names.

Pairing rule (``find_twins``): a compiled file is ``<stem>_edgetpu.tflite``; its original is
the ``<base>.tflite`` in the same folder, not itself compiled, whose ``<base>`` is ``<stem>`` or
the longest prefix of ``<stem>`` followed by ``_`` (co-compiled files are named
``<base>_cocompiled_with_<other>_edgetpu.tflite``). A candidate is kept only when the tensor
names agree: every tensor an op of the compiled file writes (the custom op included) and every
input and output of its subgraphs has a tensor of the same name in the original. Files that
have no such original (segments of a pipelined model, compiled-only downloads) are not pairs.

Both models are read with the ``tflite`` flatbuffer package, not with the code under test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import tflite

from oracles.flatbuffer import op_name

EDGETPU_OP = "CUSTOM:edgetpu-custom-op"
SUFFIX = "_edgetpu.tflite"

# Per subgraph: (op name, input tensor names, output tensor names); CUSTOM as "CUSTOM:<code>".
Ops = list[list[tuple[str, list[str], list[str]]]]


@dataclass
class Graph:
    ops: Ops
    inputs: list[list[str]]  # per subgraph: names of its input tensors
    outputs: list[list[str]]
    names: list[set[str]]  # per subgraph: every tensor name


def read_graph(path: str | os.PathLike[str]) -> Graph:
    with open(path, "rb") as f:
        buf = f.read()
    m = tflite.Model.GetRootAsModel(buf, 0)
    g = Graph([], [], [], [])
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        tnames = []
        for t in range(sg.TensorsLength()):
            n = sg.Tensors(t).Name()
            tnames.append(n.decode("utf-8", "replace") if n else "")

        def name(t: int, tnames: list[str] = tnames) -> str:
            return tnames[t] if 0 <= t < len(tnames) else ""

        ops = []
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            opname = op_name(m, op)
            ins = [name(op.Inputs(j)) for j in range(op.InputsLength()) if op.Inputs(j) >= 0]
            outs = [name(op.Outputs(j)) for j in range(op.OutputsLength()) if op.Outputs(j) >= 0]
            ops.append((opname, ins, outs))
        g.ops.append(ops)
        g.inputs.append([name(sg.Inputs(j)) for j in range(sg.InputsLength())])
        g.outputs.append([name(sg.Outputs(j)) for j in range(sg.OutputsLength())])
        g.names.append(set(tnames))
    return g


def names_agree(original: Graph, compiled: Graph) -> bool:
    """Every tensor the compiled model's ops write, and its graph inputs and outputs, exist
    under the same name in the same subgraph of the original."""
    if len(compiled.ops) > len(original.ops):
        return False
    for s, ops in enumerate(compiled.ops):
        wanted = set(compiled.inputs[s]) | set(compiled.outputs[s])
        for _, _, outs in ops:
            wanted |= set(outs)
        wanted.discard("")
        if not wanted <= original.names[s]:
            return False
    return True


@dataclass(frozen=True)
class Twin:
    original: Path
    compiled: Path


def find_twins(root: str | os.PathLike[str]) -> list[Twin]:
    """Every original/compiled pair under ``root`` (see the module docstring for the rule)."""
    out = []
    for dirpath, _, files in os.walk(root):
        plain = {f[: -len(".tflite")] for f in files if f.endswith(".tflite")}
        plain = {b for b in plain if not b.endswith("_edgetpu")}
        for f in sorted(files):
            if not f.endswith(SUFFIX):
                continue
            stem = f[: -len(SUFFIX)]
            cands = sorted(
                (b for b in plain if b == stem or stem.startswith(b + "_")), key=len, reverse=True
            )
            for base in cands:
                orig = Path(dirpath) / f"{base}.tflite"
                comp = Path(dirpath) / f
                try:
                    ok = names_agree(read_graph(orig), read_graph(comp))
                except Exception:  # not a flatbuffer the tflite package can walk
                    ok = False
                if ok:
                    out.append(Twin(orig, comp))
                    break
    return sorted(out, key=lambda t: str(t.compiled))


@dataclass
class TwinResult:
    twin: Twin
    cpu_ops: set[tuple[int, int]] = field(default_factory=set)  # original (subgraph, op)
    n_ops: list[int] = field(default_factory=list)  # original ops per subgraph
    edgetpu_ops: list[int] = field(default_factory=list)  # custom ops per compiled subgraph
    unmapped: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)


def compiler_cpu_ops(twin: Twin) -> TwinResult:
    """The original's ops that the compiler left outside ``edgetpu-custom-op``.

    Each non-custom op of the compiled file is matched to the unused original op of the same
    op code and the same output tensor names (for ops without outputs: the same input names).
    Ops that match nothing are listed in ``unmapped``.
    """
    orig, comp = read_graph(twin.original), read_graph(twin.compiled)
    res = TwinResult(twin, n_ops=[len(s) for s in orig.ops])
    for s, ops in enumerate(comp.ops):
        res.edgetpu_ops.append(sum(1 for o in ops if o[0] == EDGETPU_OP))
        cand = orig.ops[s]
        used: set[int] = set()
        for opname, ins, outs in ops:
            if opname == EDGETPU_OP:
                continue
            key = outs if outs else ins
            slot = 2 if outs else 1
            hit = next(
                (
                    i
                    for i, c in enumerate(cand)
                    if i not in used and c[0] == opname and c[slot] == key
                ),
                None,
            )
            if hit is None:
                res.unmapped.append((s, opname, tuple(outs)))
                continue
            used.add(hit)
            res.cpu_ops.add((s, hit))
    return res
