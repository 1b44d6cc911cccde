"""Packaging: package data found from an installed wheel; no TensorFlow on the lint path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_importing_inspector_and_inspecting_does_not_import_tensorflow() -> None:
    code = (
        "import sys; from inspector.cli import main; "
        "main(['inspect', '--format', 'json', 'samples/small_cnn_int8.tflite']); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'jax')]; "
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp / "dist").glob("tflite_inspector-*.whl"))
    target = tmp / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return target


def test_wheel_ships_rules_and_templates_as_package_data(installed_wheel: Path) -> None:
    assert (installed_wheel / "inspector" / "rules" / "__init__.py").is_file()
    assert (installed_wheel / "inspector" / "templates" / "__init__.py").is_file()
    assert (installed_wheel / "inspector" / "schemas" / "inspect.schema.json").is_file()
    code = (
        "import inspector, inspector.resources as r; "
        "print(inspector.__file__); print(r.rules_dir()); print(r.templates_dir())"
    )
    env = {**os.environ, "PYTHONPATH": str(installed_wheel)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=installed_wheel.parent,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split("\n")
    assert all(line.startswith(str(installed_wheel)) for line in out[:3]), out


def test_installed_console_entry_inspects_a_sample(installed_wheel: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed_wheel)}
    sample = ROOT / "samples" / "small_cnn_int8.tflite"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from inspector.cli import main_exit; main_exit()",
            "inspect",
            str(sample),
        ],
        cwd=installed_wheel.parent,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "full-integer int8" in result.stdout
