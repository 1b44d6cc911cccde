"""`tflite-inspector lint`: exit codes, formats, configuration, baselines, parallel runs.

These tests use the example user profile (docs/examples/my_npu.toml), so they check the engine
and CLI independently of the built-in targets, whose verdicts have oracle tests of their own.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from cli_helpers import assert_one_line_error, run_cli
from corpus import ROOT, sample_models, shared_file

NPU = str(ROOT / "docs" / "examples" / "my_npu.toml")
LINE = re.compile(
    r"^(?P<path>[^:]+)(:(?P<sg>\d+):(?P<op>\d+))?: (?P<code>[A-Z]+\d{3})( \[[\w.-]+\])? .+$"
)


def _sample(stem: str) -> str:
    return str(next(p for p in sample_models() if p.stem == stem))


def test_text_lines_and_default_exit_status() -> None:
    result = run_cli("lint", "-t", NPU, "--quiet", _sample("small_cnn_float32"))
    assert result.returncode == 0, result.stderr  # warnings only; default --fail-on error
    lines = result.stdout.strip().splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    conv = [line for line in lines if line.startswith(_sample("small_cnn_float32") + ":0:0: D003")]
    assert conv == [
        f"{_sample('small_cnn_float32')}:0:0: D003 [my-npu] CONV_2D falls back to the CPU: "
        "activation tensors must be of type INT8 (input 0 is FLOAT32; output 0 is FLOAT32)"
    ]


def test_fail_on_warning_gives_1_and_exit_zero_gives_0() -> None:
    args = ("lint", "-t", NPU, "--fail-on", "warning", _sample("small_cnn_int8"))
    assert run_cli(*args).returncode == 1
    assert run_cli(*args, "--exit-zero").returncode == 0


def test_an_unreadable_model_gives_2_and_the_others_are_still_linted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"TFL3" * 4)
    result = run_cli("lint", "-t", NPU, "--format", "json", str(bad), _sample("small_cnn_int8"))
    assert result.returncode == 2
    assert_one_line_error(result, str(bad))
    doc = json.loads(result.stdout)
    assert [m["path"] for m in doc["models"]] == [str(bad), _sample("small_cnn_int8")]
    assert "error" in doc["models"][0] and doc["models"][1]["findings"]


def test_json_has_the_documented_keys() -> None:
    result = run_cli("lint", "-t", NPU, "--format", "json", _sample("small_cnn_int8"))
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, json.loads((ROOT / "inspector/schemas/lint.schema.json").read_text()))
    target = doc["models"][0]["targets"]["my-npu"]
    for key in (
        "delegated_ops",
        "fallback_ops",
        "partitions",
        "ops_delegated_pct",
        "macs_total",
        "macs_on_cpu_pct",
    ):
        assert key in target
    fallback = target["fallback_ops"][0]
    assert set(fallback) >= {"subgraph", "op", "opcode", "reasons"}
    finding = doc["models"][0]["findings"][0]
    assert set(finding) >= {"code", "severity", "target", "subgraph", "op", "tensor", "message"}
    assert doc["models"][0]["quantization"]["scheme"] == "int8"


def test_sarif_is_valid_against_the_official_schema() -> None:
    schema = json.loads(shared_file("schemas/sarif-schema-2.1.0.json").read_text())
    result = run_cli("lint", "-t", NPU, "--format", "sarif", _sample("small_cnn_int8"))
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert all(r["ruleId"] in ids for r in run["results"]) and run["results"]
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}


def test_github_annotations() -> None:
    result = run_cli("lint", "-t", NPU, "--format", "github", _sample("small_cnn_int8"))
    lines = result.stdout.strip().splitlines()
    assert lines and all(re.match(r"^::(warning|error|notice) file=[^,]+,title=", x) for x in lines)


def test_select_and_ignore_by_code_and_prefix() -> None:
    only = run_cli("lint", "-t", NPU, "--quiet", "--select", "D007", _sample("small_cnn_int8"))
    codes = {LINE.match(x)["code"] for x in only.stdout.splitlines()}
    assert codes == {"D007"}
    rest = run_cli("lint", "-t", NPU, "--quiet", "--ignore", "D,P003,H", _sample("small_cnn_int8"))
    assert rest.stdout.strip() == ""
    bad = run_cli("lint", "-t", NPU, "--select", "X999", _sample("small_cnn_int8"))
    assert_one_line_error(bad, "unknown rule selector 'X999'")


def test_config_section_of_the_nearest_pyproject(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    shutil.copy(_sample("small_cnn_int8"), model)
    shutil.copy(NPU, tmp_path / "npu.toml")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tflite-inspector]\ntargets = ["npu.toml"]\nselect = ["P003"]\nfail-on = "warning"\n'
    )
    sub = tmp_path / "deeper"
    sub.mkdir()
    result = run_cli("lint", "--quiet", "../m.tflite", cwd=sub)
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip().endswith("the target takes none of the 7 ops")
    (tmp_path / "pyproject.toml").write_text('[tool.tflite-inspector]\nfail_on = "warning"\n')
    bad = run_cli("lint", "m.tflite", cwd=tmp_path)
    assert_one_line_error(bad, "pyproject.toml", "unknown key 'fail_on'")


def test_baseline_accepts_existing_findings(tmp_path: Path) -> None:
    base = str(tmp_path / "baseline.json")
    model = _sample("small_cnn_int8")
    wrote = run_cli("lint", "-t", NPU, "--baseline", base, "--write-baseline", model)
    assert wrote.returncode == 0 and Path(base).is_file()
    again = run_cli("lint", "-t", NPU, "--quiet", "--fail-on", "info", "--baseline", base, model)
    assert again.returncode == 0 and again.stdout.strip() == ""
    other = run_cli("lint", "-t", NPU, "--quiet", "--baseline", base, _sample("small_cnn_float32"))
    assert other.stdout.strip()  # findings of another model are not in the baseline


def test_directory_walk_and_parallel_jobs_give_the_same_output() -> None:
    one = run_cli("lint", "-t", NPU, "--format", "json", "--jobs", "1", str(ROOT / "samples"))
    two = run_cli("lint", "-t", NPU, "--format", "json", "--jobs", "2", str(ROOT / "samples"))
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout
    assert len(json.loads(one.stdout)["models"]) == len(sample_models())


def test_unknown_target_and_bad_profile_are_usage_errors(tmp_path: Path) -> None:
    result = run_cli("lint", "-t", "no-such-npu", _sample("small_cnn_int8"))
    assert_one_line_error(result, "unknown target 'no-such-npu'")
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(NPU).read_text().replace('ref = "v1.0.0"', 'ref = "main"'))
    result = run_cli("lint", "-t", str(bad), _sample("small_cnn_int8"))
    assert_one_line_error(result, "bad.toml", "is a branch; pin an immutable tag or commit")


@pytest.mark.parametrize(
    "edit, message",
    [
        (('check = "static_shape"', 'check = "static_shapes"'), "unknown check 'static_shapes'"),
        (('tensors = "all"', 'tensors = "all"\nlimit = 3'), "takes no parameter 'limit'"),
        (("[ops.RESHAPE]", "[ops.RESHAPEX]"), "unknown op 'RESHAPEX'"),
        (('kind = "accelerator"', 'kind = "gpu"'), "profile.kind: must be one of"),
        (("format_version = 1", "format_version = 1\nextra = 2"), "unknown key 'extra'"),
    ],
)
def test_validate_profile_names_the_key_at_fault(tmp_path: Path, edit, message) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text(Path(NPU).read_text().replace(*edit, 1))
    assert_one_line_error(run_cli("validate-profile", str(bad)), str(bad), message)
    assert run_cli("validate-profile", NPU).returncode == 0


def test_yaml_and_json_profiles_work_like_toml(tmp_path: Path) -> None:
    import yaml

    from inspector.tomlcompat import tomllib

    data = tomllib.loads(Path(NPU).read_text())
    (tmp_path / "npu.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "npu.json").write_text(json.dumps(data))
    outs = [
        run_cli("lint", "-t", str(p), "--format", "json", _sample("small_cnn_int8")).stdout
        for p in (NPU, tmp_path / "npu.yaml", tmp_path / "npu.json")
    ]
    assert (
        json.loads(outs[0])["models"][0]["targets"]
        == json.loads(outs[1])["models"][0]["targets"]
        == json.loads(outs[2])["models"][0]["targets"]
    )


def test_rules_and_targets_commands() -> None:
    result = run_cli("rules", "D001")
    assert result.returncode == 0 and "Why it matters" in result.stdout
    assert_one_line_error(run_cli("rules", "Z123"), "unknown rule 'Z123'")
    listing = run_cli("rules", "--format", "json")
    assert {"code", "why", "fix"} <= set(json.loads(listing.stdout)[0])
    shown = run_cli("targets", NPU)
    assert shown.returncode == 0 and "### CONV_2D" in shown.stdout


def test_a_precompiled_model_is_reported_once_per_other_target() -> None:
    from corpus import corpus_path

    model = str(corpus_path("gh_google-coral_test_data/mobilenet_v1_0.25_128_quant_edgetpu.tflite"))
    doc = json.loads(run_cli("lint", "-t", NPU, "-t", "edgetpu", "--format", "json", model).stdout)
    findings = doc["models"][0]["findings"]
    npu = [f for f in findings if f["target"] == "my-npu"]
    assert {f["code"] for f in npu} == {"D013"}
    assert any(f["op"] is None and "already compiled for Edge TPU" in f["message"] for f in npu)
    tpu = doc["models"][0]["targets"]["edgetpu"]
    assert tpu["precompiled_for"] == "Edge TPU" and tpu["ops_delegated_pct"] == 100.0


def test_jobs_must_be_positive() -> None:
    assert_one_line_error(run_cli("lint", "--jobs", "0", _sample("small_cnn_int8")), "--jobs")


def test_a_model_the_target_refuses_whole_is_one_finding() -> None:
    from corpus import corpus_path

    model = str(corpus_path("gh_google-ai-edge_LiteRT_litert-testdata/simple_logical_or_op.tflite"))
    doc = json.loads(run_cli("lint", "-t", "ethos-u", "--format", "json", model).stdout)
    (m,) = doc["models"]
    vela = [f for f in m["findings"] if f["target"] == "ethos-u"]
    assert len(vela) == 1 and vela[0]["op"] is None and vela[0]["code"] == "D010"
    assert "Vela refuses the whole model" in vela[0]["message"]
    assert m["targets"]["ethos-u"]["refused"].startswith("Vela refuses the whole model")


def test_output_rendered_in_workers_equals_the_full_renderers(tmp_path: Path) -> None:
    """Text and piped JSON are rendered per model where it was linted; with a baseline the
    full renderers run. An empty baseline must change nothing, byte for byte."""
    empty = tmp_path / "empty.json"
    empty.write_text('{"format_version": 1, "findings": []}')
    models = [str(p) for p in sample_models()]
    for fmt in ("text", "json"):
        fast = run_cli("lint", "-t", NPU, "--format", fmt, "--jobs", "2", *models)
        full = run_cli("lint", "-t", NPU, "--format", fmt, "--baseline", str(empty), *models)
        assert fast.returncode == full.returncode
        assert fast.stdout == full.stdout and fast.stdout


def test_an_unknown_selector_is_a_profile_error(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    text = Path(NPU).read_text()
    bad.write_text(text.replace('kind = "accelerator"', 'kind = "accelerator"\nselector = "magic"'))
    assert_one_line_error(run_cli("validate-profile", str(bad)), "profile.selector", "'magic'")
