"""The one way tests reach the third-party model corpus.

``TFLITE_CORPUS`` names the folder (default ``../shared/models`` beside the checkout). It
holds ``MANIFEST.tsv`` and ``RUNTIME_CHECK.tsv``; files are read in place, never copied.
"""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def corpus_dir() -> Path | None:
    env = os.environ.get("TFLITE_CORPUS")
    path = Path(env) if env else ROOT.parent / "shared" / "models"
    return path if (path / "MANIFEST.tsv").is_file() else None


def require_corpus() -> Path:
    path = corpus_dir()
    if path is None:
        pytest.skip(
            "model corpus not found: set TFLITE_CORPUS to the folder with MANIFEST.tsv "
            "(default ../shared/models)"
        )
    return path


@lru_cache(maxsize=1)
def runtime_check() -> dict[str, tuple[str, str]]:
    """path (relative to the corpus) -> (result, detail) from RUNTIME_CHECK.tsv."""
    path = corpus_dir()
    if path is None:
        return {}
    with open(path / "RUNTIME_CHECK.tsv", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {r["path"]: (r["result"], r["detail"] or "") for r in rows}


def corpus_models(*results: str) -> list[str]:
    """Relative paths of corpus models whose runtime result is one of ``results``."""
    return sorted(p for p, (r, _) in runtime_check().items() if not results or r in results)


def corpus_params(*results: str) -> list[str]:
    """For ``pytest.mark.parametrize``: one id per model, or one skipped id if absent."""
    models = corpus_models(*results)
    return models or [pytest.param("", marks=pytest.mark.skip(reason="model corpus not found"))]


def corpus_path(rel: str) -> Path:
    return require_corpus() / rel


def sample_models() -> list[Path]:
    return sorted(SAMPLES.glob("*.tflite"))


def shared_file(rel: str) -> Path:
    """A file of ../shared (schemas, ...) beside the corpus; skip when absent."""
    corpus = corpus_dir()
    base = corpus.parent if corpus is not None else ROOT.parent / "shared"
    path = base / rel
    if not path.is_file():
        pytest.skip(f"{rel} not found beside the corpus")
    return path
