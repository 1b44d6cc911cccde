"""The whole corpus against every built-in target: no crash, no traceback, every code documented."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_cli
from corpus import require_corpus, runtime_check

from inspector.catalog import load_catalog


@pytest.mark.corpus
def test_the_whole_corpus_lints_against_all_targets() -> None:
    corpus = require_corpus()
    result = run_cli("lint", "--format", "json", "--jobs", "2", str(corpus), timeout=900)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2  # the deliberately broken files are unreadable, nothing else
    errors = result.stderr.strip().splitlines()
    assert all(line.startswith("tflite-inspector: error: ") for line in errors)
    unreadable = {m["path"] for m in json.loads(result.stdout)["models"] if "error" in m}
    expected = {str(corpus / p) for p, (r, _) in runtime_check().items() if r == "LOAD_FAIL"}
    assert unreadable == expected
    doc = json.loads(result.stdout)
    codes = {f["code"] for m in doc["models"] for f in m["findings"]}
    catalog = load_catalog()
    assert codes <= set(catalog), codes - set(catalog)
    for code in sorted(codes):
        shown = run_cli("rules", code)
        assert shown.returncode == 0 and catalog[code].name in shown.stdout
