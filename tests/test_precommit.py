"""The repository works as a pre-commit hook (.pre-commit-hooks.yaml), tried with the real
`pre-commit try-repo` in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import ROOT, sample_models

PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
pytestmark = pytest.mark.skipif(
    not Path(PRE_COMMIT).exists() or shutil.which("git") is None,
    reason="needs pre-commit (pip install -e '.[test]') and git",
)


def clean_int8_conv() -> bytes:
    """A model the example NPU profile takes whole: static int8 conv + pool, symmetric weights."""
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 8, 8, 3], input=True, scale=0.05, zero_point=-3)
    w = m.tensor(
        "w",
        "INT8",
        [4, 3, 3, 3],
        data=np.ones((4, 3, 3, 3), np.int8),
        scale=[0.01] * 4,
        zero_point=[0] * 4,
    )
    b = m.tensor("b", "INT32", [4], data=np.zeros(4, np.int32), scale=[0.0005] * 4)
    y = m.tensor("y", "INT8", [1, 6, 6, 4], scale=0.1, zero_point=0)
    z = m.tensor("z", "INT8", [1, 3, 3, 4], output=True, scale=0.1, zero_point=0)
    m.op(
        "CONV_2D",
        [x, w, b],
        [y],
        version=3,
        options=(
            "Conv2DOptions",
            {"padding": "VALID", "stride_w": 1, "stride_h": 1, "fused_activation_function": "RELU"},
        ),
    )
    m.op(
        "MAX_POOL_2D",
        [y],
        [z],
        version=2,
        options=(
            "Pool2DOptions",
            {
                "padding": "VALID",
                "stride_w": 2,
                "stride_h": 2,
                "filter_width": 2,
                "filter_height": 2,
            },
        ),
    )
    return m.build()


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture()
def user_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "user"
    repo.mkdir()
    _git(repo, "init", "-q")
    shutil.copy(ROOT / "docs" / "examples" / "my_npu.toml", repo / "npu.toml")
    (repo / "pyproject.toml").write_text(
        '[tool.tflite-inspector]\ntargets = ["npu.toml"]\nfail-on = "warning"\n'
    )
    shutil.copy(
        next(p for p in sample_models() if p.stem == "small_cnn_float32"), repo / "float.tflite"
    )
    (repo / "clean.tflite").write_bytes(clean_int8_conv())
    _git(repo, "add", ".")
    return repo


def _try_repo(repo: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(ROOT), "tflite-inspector", "--files", *files],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_hook_blocks_a_failing_model_and_passes_a_clean_one(user_repo: Path) -> None:
    bad = _try_repo(user_repo, "float.tflite")
    assert bad.returncode != 0, bad.stdout + bad.stderr
    assert "D003" in bad.stdout and "float.tflite" in bad.stdout
    good = _try_repo(user_repo, "clean.tflite")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
