"""The ``tflm`` target against the tflite-micro Python interpreter it describes.

Claim under test: a model whose ops all pass the ``tflm`` profile (no error-severity D finding)
loads AND invokes once (zero inputs) in ``tflite_micro.runtime.Interpreter``; a model the
profile rejects fails to load or to invoke. Every corpus model is run for real
(tests/oracles/tflm.py: 2 worker processes that take one model after another and are replaced
when one crashes or hangs, a fixed 256 MiB arena, 30 s timeout per model; 35-60 s in all,
most of it the one model that never returns). Models the parser cannot read count as rejected.
"""

from __future__ import annotations

import os
import re
import subprocess

import numpy as np
import pytest
from builders import ModelBuilder
from corpus import corpus_path, require_corpus, runtime_check
from oracles.tflm import run_many, run_tflm

from inspector.engine import TargetResult, evaluate
from inspector.errors import InspectorError
from inspector.parse import load, parse_bytes
from inspector.profiles import resolve_target

pytest.importorskip("tflite_micro")

# Corpus models where the profile and the interpreter disagree, and why.
KNOWN_MISMATCHES = {
    "gh_google-ai-edge_LiteRT_tflite-testdata/add_unknown_dimensions.tflite": (
        "ADD's output tensor has shape [] in the file (LiteRT infers [1, N, 3, 3] when it "
        "allocates); TFLM does no shape inference and aborts at invoke (rc=-6). The profile "
        "does not check shape consistency."
    ),
    "gh_google-ai-edge_LiteRT_tflite-testdata/conv_huge_im2col.tflite": (
        "needs a 744 MiB arena (more than the 256 MiB the oracle gives); the profile does not "
        "predict memory"
    ),
    "gh_google-ai-edge_LiteRT_tflite-testdata/nested_while.tflite": (
        "loads, but with the oracle's all-zero input the WHILE condition never turns false, so "
        "invoke() loops until the timeout (an input artefact: LiteRT would loop too)"
    ),
    "gh_google-ai-edge_LiteRT_tflite-testdata/string_input_model_with_signature.tflite": (
        "no operators, only a STRING subgraph input: TFLM cannot allocate a STRING tensor, but "
        "the profile's STRING rule is per op and there is no op to report it on"
    ),
    "gh_tensorflow_tflite-micro/person_detect.tflite": (
        "the parser rejects the file (quantized_dimension 3 on a 1-D tensor, which LiteRT "
        "refuses too); TFLM ignores the field and runs the model"
    ),
}
MIN_AGREEMENT = 0.98


def _tflm():
    return resolve_target("tflm")


def _errors(r: TargetResult) -> list:
    return [f for f in r.findings if f.severity == "error" and f.code.startswith("D")]


def _accepted(rel: str) -> tuple[bool, str]:
    """(the profile says it runs, the first reason it does not)."""
    try:
        errors = _errors(evaluate(load(str(corpus_path(rel))), _tflm()))
    except InspectorError as exc:
        return False, f"unreadable: {exc}"
    return not errors, errors[0].message if errors else ""


@pytest.fixture(scope="module")
def tflm_runs() -> dict[str, bool]:
    require_corpus()
    rels = sorted(runtime_check())
    results = run_many([str(corpus_path(r)) for r in rels], jobs=2, timeout=30)
    return {r: results[str(corpus_path(r))].runs for r in rels}


@pytest.mark.corpus
@pytest.mark.oracle
def test_profile_agrees_with_the_interpreter(tflm_runs: dict[str, bool]) -> None:
    disagreements = {}
    for rel, runs in tflm_runs.items():
        accepted, reason = _accepted(rel)
        if accepted != runs:
            disagreements[rel] = f"profile {'accepts' if accepted else 'rejects'} ({reason}); " + (
                "TFLM runs it" if runs else "TFLM does not"
            )
    unlisted = {k: v for k, v in disagreements.items() if k not in KNOWN_MISMATCHES}
    assert not unlisted, "\n".join(f"{k}: {v}" for k, v in unlisted.items())
    stale = sorted(set(KNOWN_MISMATCHES) & set(tflm_runs) - set(disagreements))
    assert not stale, f"these now agree; remove them from KNOWN_MISMATCHES: {stale}"
    agreement = 1 - len(disagreements) / len(tflm_runs)
    assert agreement >= MIN_AGREEMENT, f"{agreement:.1%}"


@pytest.mark.corpus
def test_rejections_name_the_cause() -> None:
    """Spot checks: the kinds of failure the interpreter reports, and how the profile says it."""
    require_corpus()
    cases = {
        "gh_google-coral_test_data/mobilenet_v1_0.25_128_quant.tflite": "Hybrid models",
        "gh_google-ai-edge_LiteRT_tflite-testdata/add_quantized.tflite": "UINT8",
        "gh_google-ai-edge_LiteRT_quantization-testdata/argmax.tflite": "INT64",
        "gh_tensorflow_tflite-micro/person_detect_vela.tflite": "ethos-u",
        "gh_google-ai-edge_LiteRT_litert-testdata/fallback_model.tflite": "SCATTER_ND",
    }
    for rel, word in cases.items():
        accepted, reason = _accepted(rel)
        assert not accepted and word in reason, (rel, reason)


def _git_show(repo: str, ref: str, path: str) -> str | None:
    p = subprocess.run(["git", "-C", repo, "show", f"{ref}:{path}"], capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else None


def test_profile_lists_exactly_the_resolver_ops() -> None:
    """The ops of rules/tflm.toml are the PythonOpsResolver's Add* calls at the cited commit."""
    profile = _tflm()
    repo = os.environ.get("TFLM_REPO", "/work/.mirror/tensorflow+tflite-micro/repo")
    ref = profile.source.ref
    resolver = _git_show(repo, ref, profile.source.path)
    header = _git_show(repo, ref, "tensorflow/lite/micro/micro_mutable_op_resolver.h")
    if resolver is None or header is None:
        pytest.skip(f"tflite-micro sources at {ref[:12]} not found in {repo}")
    names = {}
    for m in re.finditer(r"TfLiteStatus (Add\w+)\((.*?)\)\s*\{(.*?)\n  \}", header, re.S):
        builtin = re.search(r"BuiltinOperator_(\w+)", m.group(3))
        custom = re.search(r'AddCustom\(\s*"([^"]+)"', m.group(3))
        names[m.group(1)] = (
            builtin.group(1) if builtin else f"custom:{custom.group(1)}" if custom else None
        )
    calls = re.findall(r"^\s*(Add\w+)\(\);", resolver, re.M)
    registered = {names[c] for c in calls if names[c]}  # AddEthosU: no name, registers nothing
    assert len(calls) == 118 and "AddEthosU" in calls
    supported = {k for k, spec in profile.ops.items() if spec.supported}
    assert supported == registered
    assert not profile.ops["custom:ethos-u"].supported


# -- one op, both sides ----------------------------------------------------------------------
def _binary(
    opname: str, dtype: str, *, version: int = 1, quant: bool = False, options=None
) -> bytes:
    m = ModelBuilder()
    q = {"scale": 0.5, "zero_point": 0} if quant else {}
    a = m.tensor("a", dtype, [1, 4], input=True, **q)
    b = m.tensor("b", dtype, [1, 4], input=True, **q)
    y = m.tensor("y", dtype, [1, 4], output=True, **q)
    m.op(opname, [a, b], [y], options=options, version=version)
    return m.build()


def _fc(input_dtype: str, weight_dtype: str) -> bytes:
    m = ModelBuilder()
    wq = {"scale": 0.02} if weight_dtype == "INT8" else {}
    xq = {"scale": 0.1, "zero_point": 0} if input_dtype == "INT8" else {}
    x = m.tensor("x", input_dtype, [1, 8], input=True, **xq)
    w = m.tensor(
        "w", weight_dtype, [4, 8], data=np.ones((4, 8), np.dtype(weight_dtype.lower())), **wq
    )
    y = m.tensor("y", input_dtype, [1, 4], output=True, **xq)
    m.op("FULLY_CONNECTED", [x, w, -1], [y], options=("FullyConnectedOptions", {}))
    return m.build()


def _softmax_int8(output_zero_point: int) -> bytes:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 10], input=True, scale=0.1, zero_point=0)
    y = m.tensor("y", "INT8", [1, 10], output=True, scale=1 / 256, zero_point=output_zero_point)
    m.op("SOFTMAX", [x], [y], options=("SoftmaxOptions", {"beta": 1.0}))
    return m.build()


def _both(data: bytes) -> tuple[list, object]:
    return _errors(evaluate(parse_bytes(data, "built.tflite"), _tflm())), run_tflm(data)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_binary("ADD", "FLOAT32", options=("AddOptions", {})), id="add-float"),
        pytest.param(
            _binary("ADD", "FLOAT32", version=99, options=("AddOptions", {})),
            id="add-version-99",  # TFLM ignores op versions
        ),
        pytest.param(_binary("MUL", "INT8", quant=True, options=("MulOptions", {})), id="mul-i8"),
        pytest.param(_fc("INT8", "INT8"), id="fc-int8"),
        pytest.param(_softmax_int8(-128), id="softmax-int8"),
    ],
)
def test_accepted_models_run(data: bytes) -> None:
    errors, result = _both(data)
    assert not errors, [f.message for f in errors]
    assert result.runs, result.error


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("data", "ours", "theirs"),
    [
        pytest.param(
            _binary("ADD", "UINT8", quant=True, options=("AddOptions", {})),
            "UINT8",
            "Type UINT8 (3) not supported",
            id="add-uint8",
        ),
        pytest.param(
            _fc("FLOAT32", "INT8"),
            "no hybrid",
            "Input type: FLOAT32 with filter type: INT8 not supported",
            id="fc-hybrid",
        ),
        pytest.param(
            _binary("FLOOR_MOD", "INT32"), "INT32", "not supported by FLOOR_MOD", id="floormod-i32"
        ),
        pytest.param(
            _binary("ATAN2", "FLOAT32"),
            "ATAN2 is not supported",
            "Didn't find op for builtin opcode 'ATAN2'",
            id="atan2-unregistered",
        ),
        pytest.param(
            _softmax_int8(0), "zero point 0", "failed to prepare", id="softmax-int8-bad-zero-point"
        ),
    ],
)
def test_rejected_models_fail(data: bytes, ours: str, theirs: str) -> None:
    errors, result = _both(data)
    assert errors and ours in errors[0].message, [f.message for f in errors]
    assert not result.runs and theirs in result.error, result.error


@pytest.mark.oracle
def test_precompiled_custom_op_is_unresolved() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "INT8", [1, 4], input=True, scale=0.1)
    y = m.tensor("y", "INT8", [1, 4], output=True, scale=0.1)
    m.op("CUSTOM", [x], [y], custom="ethos-u")
    errors, result = _both(m.build())
    assert [f.code for f in errors] == ["D011"] and "ethos-u" in errors[0].message
    assert not result.loads and "Failed to get registration from op code CUSTOM" in result.error
