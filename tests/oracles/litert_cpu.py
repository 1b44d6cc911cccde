"""Oracle: the stock LiteRT interpreter (ai-edge-litert 2.3.0), run in a subprocess.

``run_litert(path)`` builds ``ai_edge_litert.interpreter.Interpreter`` with the builtin op
resolver (``BUILTIN_WITHOUT_DEFAULT_DELEGATES`` unless ``delegates=True``: the ``cpu`` target
is the builtin kernels, XNNPACK is a target of its own), calls ``allocate_tensors()`` and,
with ``invoke=True``, ``invoke()`` on zero-filled inputs. The stage that failed and the
runtime's own message come back; a crash or a hang is a failure of its stage, never of the
test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

_CHILD = r"""
import json, sys
import numpy as np
from ai_edge_litert import interpreter as L
path, delegates, invoke = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
def emit(stage, ok, error=None):
    print("@@LITERT@@" + json.dumps({"stage": stage, "ok": ok, "error": error}), flush=True)
kind = L.OpResolverType.BUILTIN if delegates else L.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
try:
    it = L.Interpreter(model_path=path, experimental_op_resolver_type=kind)
except Exception as e:
    emit("load", False, str(e)); sys.exit(0)
emit("load", True)
try:
    it.allocate_tensors()
except Exception as e:
    emit("allocate", False, str(e)); sys.exit(0)
emit("allocate", True)
if invoke:
    try:
        for d in it.get_input_details():
            if d["dtype"] in (np.bytes_, np.object_):
                continue
            it.set_tensor(d["index"], np.zeros([max(1, int(x)) for x in d["shape"]], d["dtype"]))
        it.invoke()
    except Exception as e:
        emit("invoke", False, str(e)); sys.exit(0)
    emit("invoke", True)
"""


@dataclass(frozen=True)
class LiteRTResult:
    stage: str  # the last stage reached: load, allocate or invoke
    ok: bool  # that stage succeeded
    error: str = ""  # the runtime's message (or "timeout", "crashed with rc=N")

    @property
    def allocates(self) -> bool:
        return self.stage == "invoke" or (self.stage == "allocate" and self.ok)


def run_litert(
    model: str | bytes, *, invoke: bool = False, delegates: bool = False, timeout: float = 60
) -> LiteRTResult:
    """Load, allocate (and invoke) one model in a fresh interpreter process."""
    if isinstance(model, bytes):
        with tempfile.NamedTemporaryFile(suffix=".tflite", delete=False) as f:
            f.write(model)
        try:
            return run_litert(f.name, invoke=invoke, delegates=delegates, timeout=timeout)
        finally:
            os.unlink(f.name)
    args = [sys.executable, "-c", _CHILD, model, str(int(delegates)), str(int(invoke))]
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return LiteRTResult("load", False, f"timeout after {timeout}s")
    events = [
        json.loads(line[len("@@LITERT@@") :])
        for line in p.stdout.splitlines()
        if line.startswith("@@LITERT@@")
    ]
    if not events:
        return LiteRTResult("load", False, f"crashed with rc={p.returncode}: {p.stderr[-500:]}")
    last = events[-1]
    if last["ok"] and p.returncode != 0:
        nxt = {"load": "allocate", "allocate": "invoke"}.get(last["stage"], last["stage"])
        return LiteRTResult(nxt, False, f"crashed with rc={p.returncode}: {p.stderr[-500:]}")
    return LiteRTResult(last["stage"], last["ok"], last["error"] or "")
