"""Oracle: which ops the real XNNPACK delegate takes (ai-edge-litert 2.3.0), per subgraph.

``spy_models(paths)`` runs every model through ``ai_edge_litert.interpreter.Interpreter`` with
its default options (the lazy default XNNPACK delegate, applied at the start of
``allocate_tensors()`` to every subgraph) in worker SUBPROCESSES, and returns for each model and
each subgraph the original op indices folded into XNNPACK's DELEGATE nodes and the number of
those nodes (the partitions).

How the mapping is read. ``Interpreter._get_ops_details()`` is not enough: replaced nodes stay in
the node table (only the execution plan changes), DELEGATE nodes are appended after the N
original nodes, and only subgraph 0 is visible. So after ``allocate_tensors()`` a no-op "spy"
delegate, built with ctypes, is applied through ``_interpreter.ModifyGraphWithDelegate``. The
runtime calls its ``Prepare(context, delegate)`` once per subgraph, in index order, skipping
subgraphs named ``VALIDATION:*`` (``Interpreter::ModifyGraphWithDelegateImpl``). Prepare reads
``context->GetExecutionPlan`` and ``context->GetNodeAndRegistration`` for every node; a
DELEGATE node (builtin code 51) carries a ``TfLiteDelegateParams*`` in ``builtin_data`` whose
``nodes_to_replace`` are the original node indices of that partition. The spy replaces nothing.
Its flags are ``kTfLiteDelegateFlagsAllowDynamicTensors`` so the runtime prepares no op first.

The delegate runs before any op is prepared, so models whose ``allocate_tensors()`` then fails
(unresolved custom ops, ...) are still observed; ``allocate_error`` records the failure.

Struct offsets (LP64, ``tflite/core/c/common.h``): ``TfLiteContext.GetExecutionPlan`` @8,
``.GetNodeAndRegistration`` @56; ``TfLiteNode.inputs`` @0, ``.outputs`` @8,
``.builtin_data`` @40, ``.delegate`` @64; ``TfLiteRegistration.builtin_code`` @40;
``TfLiteDelegateParams.nodes_to_replace`` @8.

Workers: ``jobs`` subprocesses each take a share of the models and answer one JSON line per
model. A worker that crashes or exceeds ``timeout`` seconds on a model is killed; that model is
recorded with an ``error`` and a fresh worker continues with the rest. Nothing here imports the
code under test; model structure (subgraph names, op counts) is read with the ``tflite``
flatbuffer package.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

DELEGATE_CODE = 51  # BuiltinOperator_DELEGATE
_BEGIN = "@@BEGIN "
_RESULT = "@@RESULT "


@dataclass
class SubgraphResult:
    index: int
    name: str
    num_ops: int
    delegated: list[int]  # sorted original op indices taken by XNNPACK
    partitions: list[list[int]]  # nodes_to_replace of each DELEGATE node, in plan order


@dataclass
class ModelResult:
    path: str
    error: str | None = None  # the worker crashed, timed out or raised
    allocate_error: str | None = None  # allocate_tensors() failed after delegation
    subgraphs: dict[int, SubgraphResult] = field(default_factory=dict)
    skipped_subgraphs: list[int] = field(default_factory=list)  # VALIDATION:* subgraphs

    @property
    def delegated(self) -> set[tuple[int, int]]:
        return {(s.index, i) for s in self.subgraphs.values() for i in s.delegated}

    @property
    def delegate_applied(self) -> bool:
        """False when applying the default delegate itself failed (allocate_tensors reports
        "Failed to apply the default TensorFlow Lite delegate"); nothing was delegated then."""
        return "Failed to apply the default TensorFlow Lite delegate" not in (
            self.allocate_error or ""
        )

    @property
    def num_partitions(self) -> int:
        return sum(len(s.partitions) for s in self.subgraphs.values())


# -- in the worker: one model ------------------------------------------------------------------
def _model_structure(path: str) -> list[tuple[str, int]]:
    """(name, number of ops) of every subgraph, from the flatbuffer."""
    import tflite

    m = tflite.Model.GetRootAs(Path(path).read_bytes(), 0)
    out = []
    for i in range(m.SubgraphsLength()):
        sg = m.Subgraphs(i)
        out.append(((sg.Name() or b"").decode(errors="replace"), sg.OperatorsLength()))
    return out


def _spy(interp) -> list[dict]:
    """Apply the spy delegate; one record per Prepare call (= per eligible subgraph)."""
    import ctypes

    prepare_t = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
    getplan_t = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
    getnode_t = ctypes.CFUNCTYPE(
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_void_p),
    )

    class Delegate(ctypes.Structure):
        _fields_ = [
            ("data_", ctypes.c_void_p),
            ("Prepare", prepare_t),
            ("CopyFromBufferHandle", ctypes.c_void_p),
            ("CopyToBufferHandle", ctypes.c_void_p),
            ("FreeBufferHandle", ctypes.c_void_p),
            ("flags", ctypes.c_int64),
            ("opaque_delegate_builder", ctypes.c_void_p),
        ]

    def ptr(addr: int) -> int | None:
        return ctypes.c_void_p.from_address(addr).value

    def int_array(p: int | None) -> list[int]:
        if not p:
            return []
        n = ctypes.c_int.from_address(p).value
        return list((ctypes.c_int * n).from_address(p + 4))

    calls: list[dict] = []

    def prepare(ctx: int, _delegate: int) -> int:
        rec: dict = {}
        try:
            getplan = getplan_t(ptr(ctx + 8))
            getnode = getnode_t(ptr(ctx + 56))
            plan_p = ctypes.c_void_p()
            if getplan(ctx, ctypes.byref(plan_p)) != 0:
                raise RuntimeError("GetExecutionPlan failed")
            plan = int_array(plan_p.value)
            nodes = []
            i = 0
            while True:  # every node of the table: the originals, then the DELEGATE nodes
                n_p, r_p = ctypes.c_void_p(), ctypes.c_void_p()
                if getnode(ctx, i, ctypes.byref(n_p), ctypes.byref(r_p)) != 0 or not n_p.value:
                    break
                n, r = n_p.value, r_p.value
                code = ctypes.c_int32.from_address(r + 40).value
                replaced = None
                if code == DELEGATE_CODE and ptr(n + 64) and ptr(n + 40):
                    replaced = int_array(ptr(ptr(n + 40) + 8))
                nodes.append(replaced)
                i += 1
            rec["plan"] = plan
            rec["num_nodes"] = len(nodes)
            rec["partitions"] = [nodes[i] for i in plan if nodes[i] is not None]
        except Exception as exc:  # never let an exception cross into C
            rec["error"] = repr(exc)
        calls.append(rec)
        return 0

    callback = prepare_t(prepare)
    delegate = Delegate(None, callback, None, None, None, 1, None)  # 1: AllowDynamicTensors
    interp._interpreter.ModifyGraphWithDelegate(ctypes.addressof(delegate))
    return calls


def spy_one(path: str) -> dict:
    """Run one model in THIS process (the worker); a JSON-able dict."""
    import warnings

    warnings.simplefilter("ignore")
    from ai_edge_litert.interpreter import Interpreter

    structure = _model_structure(path)
    interp = Interpreter(model_path=path)
    out: dict = {"error": None, "allocate_error": None}
    try:
        interp.allocate_tensors()
    except Exception as exc:  # the delegate was applied before the failure
        out["allocate_error"] = str(exc)[:300]
    calls = _spy(interp)
    eligible = [i for i, (name, _) in enumerate(structure) if not name.startswith("VALIDATION:")]
    out["skipped_subgraphs"] = [i for i in range(len(structure)) if i not in eligible]
    if len(calls) != len(eligible):
        out["error"] = f"spy called {len(calls)} times for {len(eligible)} subgraphs"
    subgraphs = []
    for rec, si in zip(calls, eligible, strict=False):
        name, num_ops = structure[si]
        if "error" in rec:
            out["error"] = f"subgraph {si}: {rec['error']}"
            continue
        if rec["num_nodes"] - len(rec["partitions"]) != num_ops:
            out["error"] = (
                f"subgraph {si}: {rec['num_nodes']} nodes with {len(rec['partitions'])} "
                f"DELEGATE nodes, but the file has {num_ops} ops"
            )
        subgraphs.append(
            {
                "index": si,
                "name": name,
                "num_ops": num_ops,
                "delegated": sorted(i for p in rec["partitions"] for i in p),
                "partitions": rec["partitions"],
            }
        )
    out["subgraphs"] = subgraphs
    del interp
    return out


def _worker() -> None:
    """Read a JSON list of paths on stdin; answer BEGIN/RESULT lines on the real stdout."""
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything native code prints goes to stderr, never into the protocol
    paths = json.loads(sys.stdin.readline())
    for i, path in enumerate(paths):
        out.write(f"{_BEGIN}{i}\n")
        out.flush()
        try:
            res = spy_one(path)
        except Exception as exc:
            res = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        out.write(_RESULT + json.dumps(res) + "\n")
        out.flush()


# -- in the parent: workers --------------------------------------------------------------------
def _to_result(path: str, raw: dict) -> ModelResult:
    return ModelResult(
        path=path,
        error=raw.get("error"),
        allocate_error=raw.get("allocate_error"),
        subgraphs={
            s["index"]: SubgraphResult(
                s["index"], s["name"], s["num_ops"], s["delegated"], s["partitions"]
            )
            for s in raw.get("subgraphs", [])
        },
        skipped_subgraphs=raw.get("skipped_subgraphs", []),
    )


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session (start_new_session)
    except ProcessLookupError:
        pass
    proc.wait()


def _run_share(paths: list[str], timeout: float) -> dict[str, ModelResult]:
    results: dict[str, ModelResult] = {}
    pending = list(paths)
    while pending:
        with tempfile.TemporaryFile("w+") as err:
            proc = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,
            )
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(pending) + "\n")
            proc.stdin.close()
            lines: queue.Queue[str | None] = queue.Queue()

            def read(stream=proc.stdout, q=lines) -> None:
                for line in stream:
                    q.put(line)
                q.put(None)

            threading.Thread(target=read, daemon=True).start()
            current: int | None = None
            while True:
                try:
                    line = lines.get(timeout=timeout)
                except queue.Empty:
                    _kill(proc)
                    i = current or 0
                    results[pending[i]] = ModelResult(pending[i], error=f"timeout after {timeout}s")
                    break
                if line is None:  # the worker exited
                    rc = proc.wait()
                    if current is not None and pending[current] not in results:
                        err.seek(0)
                        tail = " | ".join(err.read().strip().splitlines()[-3:])
                        results[pending[current]] = ModelResult(
                            pending[current], error=f"worker died (rc={rc}): {tail}"[:500]
                        )
                    break
                if line.startswith(_BEGIN):
                    current = int(line[len(_BEGIN) :])
                elif line.startswith(_RESULT) and current is not None:
                    results[pending[current]] = _to_result(
                        pending[current], json.loads(line[len(_RESULT) :])
                    )
        done = set(results)
        if all(p in done for p in pending):
            break
        if current is None:  # the worker died before starting any model
            for p in pending:
                results.setdefault(p, ModelResult(p, error="worker failed to start"))
            break
        pending = [p for p in pending if p not in done]
    return results


def spy_models(
    paths: list[str | Path], jobs: int = 2, timeout: float = 120.0
) -> dict[str, ModelResult]:
    """XNNPACK's delegation of every model, keyed by the path as given (as a string)."""
    names = [str(p) for p in paths]
    shares = [names[i::jobs] for i in range(jobs) if names[i::jobs]]
    results: dict[str, ModelResult] = {}
    with ThreadPoolExecutor(max(1, len(shares))) as pool:
        for part in pool.map(lambda s: _run_share(s, timeout), shares):
            results.update(part)
    return results


def spy_model(path: str | Path, timeout: float = 120.0) -> ModelResult:
    return spy_models([path], jobs=1, timeout=timeout)[str(path)]


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        _worker()
    else:  # python xnnpack_spy.py MODEL...: print each model's delegation
        for p, r in spy_models(sys.argv[1:]).items():
            print(p, r.error or "", r.allocate_error or "")
            for s in r.subgraphs.values():
                print(
                    f"  sg {s.index}: {len(s.delegated)}/{s.num_ops} ops, "
                    f"{len(s.partitions)} partitions"
                )
