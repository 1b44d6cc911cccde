"""Oracle: the real Arm Vela compiler (ethos-u-vela 5.2.0), run in a subprocess.

``run_vela(path)`` compiles one model with the default configuration (``ethos-u55-256``,
default system config and memory mode; Vela 5.2.0 then uses its C++ "Regor" core) into a
temporary directory and reads back, machine-readably:

- which ORIGINAL ops stay on the CPU: every operator of the output ``*_vela.tflite`` that is
  not the custom op ``ethos-u`` is a CPU op; it is mapped back to the original
  ``(subgraph, op index)`` by opcode and output tensor names (Vela keeps tensor names), falling
  back to input names (ops without outputs, e.g. ASSIGN_VARIABLE) and, for unnamed tensors, to
  the first unused op of the same opcode (recorded in ``positional``);
- how many ``ethos-u`` custom ops each subgraph of the output holds (Vela's partitions);
- the summary line ``Neural network macs N`` (Regor's ``PerformanceResult.macCount``, summed
  over every compiled subgraph; CPU ops count 0);
- with ``debug_db=True``, per-op MACs from ``--enable-debug-db`` (table ``perf``, keyed by
  the op's index in its subgraph through table ``source``; Vela only keeps the last compiled
  subgraph's table, so these are complete for single-subgraph models only).

The original and output models are read with the ``tflite`` flatbuffer package, not with the
code under test. ``--show-cpu-operations`` is not used: it crashes on some models in 5.2.0.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import tflite

from oracles.flatbuffer import op_name

VELA_VERSION = "5.2.0"
_MACS = re.compile(r"Neural network macs\s+(\d+)")


def vela_executable() -> str | None:
    """The ``vela`` beside this interpreter (the venv), else the one on PATH."""
    here = Path(sys.executable).parent / "vela"
    if here.exists():
        return str(here)
    return shutil.which("vela")


@dataclass
class VelaResult:
    path: str
    error: str | None = None  # Vela refused or crashed: the last lines of its output
    cpu_ops: set[tuple[int, int]] = field(default_factory=set)  # (subgraph, op)
    n_ops: list[int] = field(default_factory=list)  # original ops per subgraph
    npu_custom_ops: list[int] = field(default_factory=list)  # ethos-u ops per output subgraph
    nn_macs: int | None = None
    op_macs: dict[tuple[int, int], int] = field(default_factory=dict)
    positional: list[tuple[int, int]] = field(default_factory=list)  # mapped by position only
    unmapped: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


Ops = list[list[tuple[str, list[str | None], list[str | None], tuple]]]


def _read_ops(path: str) -> Ops:
    """Per subgraph: (opcode name, input names, output names, (type, shape) of every input and
    output); CUSTOM as 'CUSTOM:<code>'."""
    with open(path, "rb") as f:
        buf = f.read()
    m = tflite.Model.GetRootAsModel(buf, 0)
    out: Ops = []
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)

        def name(t: int, sg: tflite.SubGraph = sg) -> str | None:
            if t < 0:
                return None
            n = sg.Tensors(t).Name()
            return n.decode("utf-8", "replace") if n else ""

        def sig(t: int, sg: tflite.SubGraph = sg) -> tuple:
            if t < 0:
                return ()
            x = sg.Tensors(t)
            return (x.Type(), tuple(x.Shape(k) for k in range(x.ShapeLength())))

        ops = []
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            opname = op_name(m, op)
            ins_i = [op.Inputs(j) for j in range(op.InputsLength())]
            outs_i = [op.Outputs(j) for j in range(op.OutputsLength())]
            ins, outs = [name(t) for t in ins_i], [name(t) for t in outs_i]
            ops.append((opname, ins, outs, tuple(sig(t) for t in ins_i + outs_i)))
        out.append(ops)
    return out


def _named(name: str | None) -> bool:
    """A tensor name that identifies the tensor (Regor writes '<unnamed>' for missing ones)."""
    return name is not None and name not in ("", "<unnamed>")


def _names(names: list[str | None]) -> list[str | None]:
    return [n for n in names if _named(n)]


def _map_back(orig: Ops, compiled: Ops, res: VelaResult) -> None:
    for s, ops in enumerate(compiled):
        res.npu_custom_ops.append(sum(1 for o in ops if o[0] == "CUSTOM:ethos-u"))
        cand = orig[s] if s < len(orig) else []
        used: set[int] = set()
        for opname, ins, outs, types in ops:
            if opname == "CUSTOM:ethos-u":
                continue
            outs_n = [o for o in outs if _named(o)]
            ins_l = [x for x in ins if _named(x)]
            ins_n = set(ins_l)
            same = [i for i, c in enumerate(cand) if i not in used and c[0] == opname]

            hit = next((i for i in same if outs_n and _names(cand[i][2]) == outs_n), None)
            if hit is None and not any(o is not None for o in outs) and ins_l:
                hit = next((i for i in same if _names(cand[i][1]) == ins_l), None)
            if hit is None:
                hit = next((i for i in same if set(outs_n) & set(_names(cand[i][2]))), None)
            if hit is None:
                overlap = [(len(ins_n & set(_names(cand[i][1]))), i) for i in same]
                best = max(overlap, default=(0, None))
                hit = best[1] if best[0] > 0 else None
            if hit is None and same:
                # unnamed tensors: the first unused op of this opcode whose tensor types and
                # shapes match (else simply the first one)
                hit = next((i for i in same if cand[i][3] == types), same[0])
                res.positional.append((s, hit))
            if hit is None:
                res.unmapped.append((s, opname))
                continue
            used.add(hit)
            res.cpu_ops.add((s, hit))


def _debug_db(path: str, res: VelaResult) -> None:
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    for tab in ET.parse(path).getroot():
        rows = list(csv.reader(io.StringIO((tab.text or "").strip())))
        if rows:
            tables[tab.attrib["name"]] = (rows[0], rows[1:])

    def column(table: str, name: str) -> list[str]:
        hdr, rows = tables.get(table, ([], []))
        return [r[hdr.index(name)] for r in rows] if name in hdr else []

    src: dict[str, tuple[int, int]] = {}
    sg, prev = 0, None
    for sid, key in zip(column("source", "id"), column("source", "ext_key"), strict=False):
        k = int(key)
        if k < 0:
            continue
        if prev is not None and k <= prev:
            sg += 1
        prev = k
        src[sid] = (sg, k)
    for sid, macs in zip(column("perf", "source_id"), column("perf", "mac_count"), strict=False):
        if sid in src:
            res.op_macs[src[sid]] = res.op_macs.get(src[sid], 0) + int(macs or 0)


def run_vela(
    path: str | os.PathLike[str],
    *,
    accelerator: str = "ethos-u55-256",
    timeout: float = 300,
    debug_db: bool = False,
) -> VelaResult:
    path = str(path)
    res = VelaResult(path)
    exe = vela_executable()
    if exe is None:
        raise RuntimeError("vela is not installed (pip install ethos-u-vela==5.2.0)")
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="vela_oracle_")
    try:
        try:
            orig = _read_ops(path)
        except Exception as exc:  # not a flatbuffer the tflite package can walk
            res.error = f"unreadable model: {exc!r}"
            return res
        res.n_ops = [len(s) for s in orig]
        cmd = [exe, path, "--output-dir", tmp, "--accelerator-config", accelerator]
        if debug_db:
            cmd.append("--enable-debug-db")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            res.error = f"timeout after {timeout}s"
            return res
        text = p.stdout + "\n" + p.stderr
        base = Path(path).stem
        out = os.path.join(tmp, base + "_vela.tflite")
        if p.returncode != 0 or not os.path.exists(out):
            res.error = "\n".join(text.strip().splitlines()[-6:])
            return res
        m = _MACS.search(text)
        res.nn_macs = int(m.group(1)) if m else None
        _map_back(orig, _read_ops(out), res)
        db = os.path.join(tmp, base + "_debug.xml")
        if debug_db and os.path.exists(db):
            _debug_db(db, res)
        return res
    finally:
        res.seconds = time.monotonic() - t0
        shutil.rmtree(tmp, ignore_errors=True)


def run_vela_on_bytes(data: bytes, name: str = "built", **kwargs: object) -> VelaResult:
    """``run_vela`` on an in-memory model (written to a temporary file)."""
    tmp = tempfile.mkdtemp(prefix="vela_model_")
    try:
        path = os.path.join(tmp, f"{name}.tflite")
        with open(path, "wb") as f:
            f.write(data)
        return run_vela(path, **kwargs)  # type: ignore[arg-type]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_many(paths: list[str], *, jobs: int = 2, **kwargs: object) -> dict[str, VelaResult]:
    """``run_vela`` on each path, ``jobs`` Vela processes at a time."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = pool.map(lambda p: run_vela(p, **kwargs), paths)  # type: ignore[arg-type]
        return dict(zip(paths, results, strict=True))
