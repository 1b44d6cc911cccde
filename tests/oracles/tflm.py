"""Oracle: the tflite-micro Python interpreter (``tflite_micro``), run in subprocesses.

For each model: ``tflite_micro.runtime.Interpreter.from_bytes`` (the constructor runs
``MicroInterpreter::AllocateTensors()``: every kernel's Init and Prepare), then, with
``invoke=True``, one ``invoke()`` on zero-filled inputs of the declared shapes (Eval-time type
switches only fail there). The reason reported is what the C++ side prints (MicroPrintf, on
stderr); the Python exception alone says only "TFLM failed to allocate tensors". A crash
(some malformed models segfault) or a hang (nested WHILE) is a failure of its stage, never of
the test process.

``run_tflm`` uses a fresh process per model. ``run_many`` keeps ``jobs`` worker processes that
take one model after another (starting Python with numpy and tflite_micro costs more than most
models), and replaces a worker that crashed or ran past the timeout.

Arena rule: every model gets the same ``ARENA_BYTES`` (256 MiB), far above what any corpus
model needs except one (conv_huge_im2col asks for 744 MiB), so that kernels and types decide,
not memory: the ``tflm`` profile does not predict arena size. The Python API's own default
(10 x the file size) is too small for many models.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

ARENA_BYTES = 256 << 20
_MARK = "@@TFLM@@"
_CHILD = r"""
import json, sys
import numpy as np
import tflite
from tflite_micro import runtime

def emit(stage, ok, error=None):
    sys.stdout.flush()
    print("@@TFLM@@" + json.dumps({"stage": stage, "ok": ok, "error": error}), flush=True)

def one(path, arena, invoke):
    data = open(path, "rb").read()
    try:
        it = runtime.Interpreter.from_bytes(data, arena_size=arena)
    except Exception as e:
        return emit("load", False, f"{type(e).__name__}: {e}")
    emit("load", True)
    if not invoke:
        return
    try:
        for i in range(tflite.Model.GetRootAsModel(data, 0).Subgraphs(0).InputsLength()):
            d = it.get_input_details(i)
            it.set_input(np.zeros([int(x) for x in d["shape"]], dtype=d["dtype"]), i)
        it.invoke()
    except Exception as e:
        return emit("invoke", False, f"{type(e).__name__}: {e}")
    emit("invoke", True)

if sys.argv[1] == "--serve":
    for line in sys.stdin:
        req = json.loads(line)
        one(req["path"], req["arena"], req["invoke"])
        emit("done", True)
else:
    one(sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1")
"""


@dataclass(frozen=True)
class TFLMResult:
    stage: str  # the last stage reached: load or invoke
    ok: bool  # that stage succeeded
    error: str = ""  # the runtime's messages, or "timeout"/"crashed"

    @property
    def loads(self) -> bool:
        return self.stage == "invoke" or self.ok

    @property
    def runs(self) -> bool:
        """Loaded and invoked (or load only, when invoke was not asked for) without error."""
        return self.ok


def _result(events: list[dict], log: list[str], died: str | None) -> TFLMResult:
    messages = " | ".join(line.strip() for line in log[-10:] if line.strip())
    if not events:
        return TFLMResult("load", False, f"{died or 'no answer'}: {messages}"[-1500:])
    last = events[-1]
    if died is not None and last["ok"]:
        nxt = "invoke" if last["stage"] == "load" else last["stage"]
        return TFLMResult(nxt, False, f"{died}: {messages}"[-1500:])
    error = "" if last["ok"] else f"{messages} || {last['error']}"[-1500:]
    return TFLMResult(last["stage"], last["ok"], error)


def run_tflm(
    model: str | bytes,
    *,
    invoke: bool = True,
    arena_bytes: int = ARENA_BYTES,
    timeout: float = 30,
) -> TFLMResult:
    """Load (and invoke) one model in a fresh interpreter process."""
    if isinstance(model, bytes):
        with tempfile.NamedTemporaryFile(suffix=".tflite", delete=False) as f:
            f.write(model)
        try:
            return run_tflm(f.name, invoke=invoke, arena_bytes=arena_bytes, timeout=timeout)
        finally:
            os.unlink(f.name)
    args = [sys.executable, "-c", _CHILD, model, str(arena_bytes), str(int(invoke))]
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return TFLMResult("load", False, f"timeout after {timeout}s")
    events, log = [], []
    for line in (p.stderr + "\n" + p.stdout).splitlines():
        if line.startswith(_MARK):
            events.append(json.loads(line[len(_MARK) :]))
        else:
            log.append(line)
    return _result(events, log, f"crashed (rc={p.returncode})" if p.returncode else None)


class _Worker:
    """One ``--serve`` process; stderr is merged into stdout so messages stay in order."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def run(self, path: str, arena: int, invoke: bool, timeout: float) -> tuple[TFLMResult, bool]:
        """(result, whether this worker is still usable)."""
        assert self.proc.stdin is not None
        req = {"path": path, "arena": arena, "invoke": invoke}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        events: list[dict] = []
        log: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                return _result(events, log, f"timeout after {timeout}s"), False
            if line is None:
                rc = self.proc.wait()
                return _result(events, log, f"crashed (rc={rc})"), False
            if not line.startswith(_MARK):
                log.append(line)
                continue
            event = json.loads(line[len(_MARK) :])
            if event["stage"] == "done":
                return _result(events, log, None), True
            events.append(event)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def run_many(
    paths: Iterable[str],
    *,
    jobs: int = 2,
    invoke: bool = True,
    arena_bytes: int = ARENA_BYTES,
    timeout: float = 30,
) -> dict[str, TFLMResult]:
    """Every model through ``jobs`` long-lived worker processes (replaced when one dies)."""
    todo: queue.Queue[str] = queue.Queue()
    paths = list(paths)
    for p in paths:
        todo.put(p)
    results: dict[str, TFLMResult] = {}

    def work() -> None:
        worker = _Worker()
        try:
            while True:
                try:
                    path = todo.get_nowait()
                except queue.Empty:
                    return
                results[path], alive = worker.run(path, arena_bytes, invoke, timeout)
                if not alive:
                    worker = _Worker()
        finally:
            worker.close()

    with ThreadPoolExecutor(jobs) as pool:
        for f in [pool.submit(work) for _ in range(jobs)]:
            f.result()
    return {p: results[p] for p in paths}
