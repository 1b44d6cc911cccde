"""Shared helpers of the benchmark scripts: run a command, report wall time and peak RSS."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path | None:
    env = os.environ.get("TFLITE_CORPUS")
    path = Path(env) if env else ROOT.parent / "shared" / "models"
    return path if (path / "MANIFEST.tsv").is_file() else None


@dataclass
class Measure:
    label: str
    seconds: float  # median whole-process wall time
    peak_mib: float  # max peak RSS over the runs
    ok: bool
    note: str = ""


def measure(
    label: str,
    cmd: list[str],
    runs: int = 5,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    ok_codes: tuple[int, ...] = (0, 1),
) -> Measure:
    times: list[float] = []
    peak = 0.0
    ok = True
    note = ""
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
            cwd=cwd or ROOT,
        )
        stderr = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - t0)
        peak = max(peak, usage.ru_maxrss / 1024)  # ru_maxrss is KiB on Linux
        if os.waitstatus_to_exitcode(status) not in ok_codes:
            ok = False
            note = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
            note = note[0][:120]
    return Measure(label, statistics.median(times), peak, ok, note)


def print_table(title: str, rows: list[Measure]) -> None:
    print(f"\n{title}")
    width = max(len(r.label) for r in rows)
    print(f"  {'':<{width}}  {'wall (median)':>13}  {'peak RSS':>10}")
    for r in rows:
        if r.ok:
            print(f"  {r.label:<{width}}  {r.seconds:>11.3f} s  {r.peak_mib:>6.1f} MiB")
        else:
            print(f"  {r.label:<{width}}  {'failed':>13}  {r.note}")


def ours() -> list[str]:
    """How users start the tool: the console script if installed beside this Python."""
    script = Path(sys.executable).parent / "tflite-inspector"
    return [str(script)] if script.exists() else [sys.executable, "-m", "inspector"]


def tf_python() -> str | None:
    """A Python that has TensorFlow: $TF_PYTHON, or this one if it can import tensorflow."""
    env = os.environ.get("TF_PYTHON")
    if env:
        return env
    probe = subprocess.run([sys.executable, "-c", "import tensorflow"], capture_output=True)
    return sys.executable if probe.returncode == 0 else None
