"""The code stays ruff-clean (lint and format), as CI would check it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["inspector", "tests", "tools", "samples", "benchmarks"]


def _ruff() -> list[str]:
    exe = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(exe).exists():
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    return [exe]


def test_ruff_check() -> None:
    paths = [p for p in PATHS if (ROOT / p).exists()]
    result = subprocess.run([*_ruff(), "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_ruff_format() -> None:
    paths = [p for p in PATHS if (ROOT / p).exists()]
    result = subprocess.run(
        [*_ruff(), "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_mypy() -> None:
    exe = shutil.which("mypy") or str(Path(sys.executable).parent / "mypy")
    if not Path(exe).exists():
        pytest.skip("mypy is not installed (pip install -e '.[test]')")
    result = subprocess.run([exe, "inspector"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
