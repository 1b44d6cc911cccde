"""The ``cpu`` target against the stock LiteRT interpreter (ai-edge-litert 2.3.0).

Corpus acceptance uses RUNTIME_CHECK.tsv (allocate_tensors() of every corpus model with
ai-edge-litert 2.3.0): a model refused for an unresolved custom op or a Select TF op is flagged
naming that op; a model that allocates gets no error. Unit tests build one op and run the real
interpreter (tests/oracles/litert_cpu.py) on the same bytes.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_params, corpus_path, runtime_check
from oracles.litert_cpu import run_litert

from inspector.engine import TargetResult, evaluate
from inspector.parse import load, parse_bytes
from inspector.profiles import resolve_target
from inspector.targets.cpu import min_runtime_version, runtime_versions, version_key

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import gen_cpu_profile  # noqa: E402

# Models the runtime allocates (RUNTIME_CHECK "OK") although our target says they cannot run.
KNOWN_OK_BUT_FLAGGED = {
    # FlexMultinomial (node 9) comes after nodes with dynamic outputs: allocate_tensors() only
    # prepares nodes up to the first dynamic one, so the Flex op fails at invoke() instead
    # (checked below with the real interpreter).
    "gh_tensorflow_examples/planestrike_tf_agents.tflite": "FlexMultinomial",
}
_UNRESOLVED = re.compile(r"Encountered unresolved custom op: (.+?)\. See instructions")
_NODE = re.compile(r"Node number \d+ \(([^)]+)\) failed to prepare")


def _cpu(runtime_version: str | None = None):
    p = resolve_target("cpu")
    return dataclasses.replace(p, runtime_version=runtime_version) if runtime_version else p


def _errors(r: TargetResult) -> list:
    return [f for f in r.findings if f.severity == "error" and f.code.startswith("D")]


def _refusals() -> list[str]:
    return [
        rel
        for rel, (res, detail) in runtime_check().items()
        if res == "ALLOC_FAIL"
        and ("unresolved custom op" in detail or "Select TensorFlow op" in detail)
    ]


# -- the profile is generated --------------------------------------------------------------
def test_profile_is_fresh() -> None:
    repo = gen_cpu_profile.default_repo()
    probe = subprocess.run(
        ["git", "-C", repo, "cat-file", "-e", f"{gen_cpu_profile.REF}^{{commit}}"],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"LiteRT sources at {gen_cpu_profile.REF[:12]} not found in {repo}")
    result = subprocess.run(
        [sys.executable, "tools/gen_cpu_profile.py", "--check", "--repo", repo],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_profile_lists_every_builtin_with_a_version_range() -> None:
    p = _cpu()
    assert p.kind == "runtime" and p.severity == "error" and p.selector == "cpu"
    builtins = {k: v for k, v in p.ops.items() if not k.startswith("custom:")}
    assert len(builtins) >= 170
    assert all(spec.versions and spec.source for spec in p.ops.values())
    assert builtins["BROADCAST_TO"].versions == (2, 4)  # v1 was rolled back
    assert {k for k in p.ops if k.startswith("custom:")} == {
        "custom:NumericVerify",
        "custom:Mfcc",
        "custom:AudioSpectrogram",
        "custom:TFLite_Detection_PostProcess",
        "custom:aeq.hadamard_rotation",
    }
    assert runtime_versions()["CONV_2D"][1] == "1.5.0"


# -- corpus acceptance ---------------------------------------------------------------------
def _refusal_params() -> list:
    rels = sorted(_refusals())
    return rels or [pytest.param("", marks=pytest.mark.skip(reason="model corpus not found"))]


@pytest.mark.corpus
@pytest.mark.parametrize("rel", _refusal_params())
def test_refused_custom_and_flex_ops_are_flagged_by_name(rel: str) -> None:
    detail = runtime_check()[rel][1]
    m = _UNRESOLVED.search(detail) or _NODE.search(detail)
    if m is None:  # the Flex message is cut before the node name: ask the runtime
        oracle = run_litert(str(corpus_path(rel)))
        assert not oracle.allocates
        m = _NODE.search(oracle.error)
    assert m, detail
    op = m.group(1)
    found = _errors(evaluate(load(str(corpus_path(rel))), _cpu()))
    named = [f for f in found if f.code in ("D011", "D012") and op in f.message]
    assert named, f"{op} not flagged: {[f.message for f in found]}"
    assert named[0].code == ("D012" if op.startswith("Flex") else "D011")


def test_every_refusal_row_is_covered() -> None:
    if not runtime_check():
        pytest.skip("model corpus not found")
    # 46 unresolved custom ops + 7 Select TF ops in RUNTIME_CHECK.tsv (notes/cpu/runtime_check.md)
    assert len(_refusals()) == 53


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_params("OK"))
def test_models_the_runtime_allocates_are_not_flagged(rel: str) -> None:
    errors = _errors(evaluate(load(str(corpus_path(rel))), _cpu()))
    if rel in KNOWN_OK_BUT_FLAGGED:
        assert [f.opcode for f in errors] == [KNOWN_OK_BUT_FLAGGED[rel]]
        return
    assert not errors, [f.message for f in errors]


@pytest.mark.corpus
@pytest.mark.oracle
@pytest.mark.parametrize("rel", sorted(KNOWN_OK_BUT_FLAGGED))
def test_known_ok_but_flagged_models_fail_at_invoke(rel: str) -> None:
    result = run_litert(str(corpus_path(rel)), invoke=True)
    assert result.stage == "invoke" and not result.ok
    assert f"({KNOWN_OK_BUT_FLAGGED[rel]}) failed to prepare" in result.error


# -- one op, both sides ----------------------------------------------------------------------
def _add_model(version: int = 1, custom: str | None = None) -> bytes:
    m = ModelBuilder()
    a = m.tensor("a", "FLOAT32", [1, 4], input=True)
    b = m.tensor("b", "FLOAT32", [1, 4], data=np.ones((1, 4), np.float32))
    y = m.tensor("y", "FLOAT32", [1, 4], output=True)
    if custom:
        m.op("CUSTOM", [a, b], [y], custom=custom, version=version)
    else:
        m.op("ADD", [a, b], [y], options=("AddOptions", {}), version=version)
    return m.build()


def _evaluate(data: bytes, runtime_version: str | None = None) -> TargetResult:
    return evaluate(parse_bytes(data, "built.tflite"), _cpu(runtime_version))


@pytest.mark.oracle
def test_registered_op_version_runs_on_both_sides() -> None:
    data = _add_model(version=6)
    assert not _errors(_evaluate(data))
    result = run_litert(data, invoke=True)
    assert result.ok and result.stage == "invoke", result.error


@pytest.mark.oracle
def test_op_version_newer_than_registered_is_refused_on_both_sides() -> None:
    data = _add_model(version=7)
    errors = _errors(_evaluate(data))
    assert [f.code for f in errors] == ["D002"]
    assert "ADD versions 1..6" in errors[0].message and "version is 7" in errors[0].message
    result = run_litert(data)
    assert result.stage == "load" and not result.ok
    assert "Didn't find op for builtin opcode 'ADD' version '7'" in result.error


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("custom", "code"), [("MyCustomOp", "D011"), ("FlexAddV2", "D012")], ids=["custom", "flex"]
)
def test_unregistered_custom_op_is_refused_on_both_sides(custom: str, code: str) -> None:
    data = _add_model(custom=custom)
    errors = _errors(_evaluate(data))
    assert [f.code for f in errors] == [code] and custom in errors[0].message
    result = run_litert(data)
    assert result.stage == "allocate" and not result.ok
    expected = "unresolved custom op" if code == "D011" else "Select TensorFlow op"
    assert expected in result.error


def test_default_custom_ops_are_accepted_at_version_1_only() -> None:
    assert not _errors(_evaluate(_add_model(custom="TFLite_Detection_PostProcess")))
    errors = _errors(_evaluate(_add_model(custom="TFLite_Detection_PostProcess", version=2)))
    assert [f.code for f in errors] == ["D002"]


def test_precompiled_ops_cannot_run_on_the_cpu() -> None:
    errors = _errors(_evaluate(_add_model(custom="edgetpu-custom-op")))
    assert [f.code for f in errors] == ["D011"]
    assert "edgetpu-custom-op" in errors[0].message and "Edge TPU" in errors[0].message


# -- --runtime-version -----------------------------------------------------------------------
def test_runtime_version_older_than_the_op_needs_is_reported() -> None:
    assert min_runtime_version("ADD", 5) == "2.13.0"
    errors = _errors(_evaluate(_add_model(version=5), runtime_version="2.12"))
    assert [f.code for f in errors] == ["D002"]
    msg = errors[0].message
    assert "2.13.0" in msg and "2.12" in msg and "ADD version 5" in msg


@pytest.mark.parametrize("wanted", ["2.13", "2.13.0", "2.14.1", "3"])
def test_runtime_version_new_enough_is_silent(wanted: str) -> None:
    assert not _errors(_evaluate(_add_model(version=5), runtime_version=wanted))


def test_runtime_version_compares_numerically() -> None:
    assert version_key("2.10") > version_key("2.9.9")
    assert version_key("2.10") == version_key("2.10.0")
    # ops the converter's table does not know are not guessed at
    assert min_runtime_version("ADD", 99) is None
    assert not _errors(_evaluate(_add_model(custom="Mfcc"), runtime_version="1.0"))
