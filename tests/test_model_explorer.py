"""``report --format model-explorer``: per-op verdicts as Model Explorer node data.

The files are read back with the package's own dataclasses (``model_explorer.node_data_builder``)
and their graph and node ids are compared with the ids Model Explorer's built-in TFLite adapter
gives the same models. The adapter (a compiled library) runs in a child process. Both parts skip
when ``ai-edge-model-explorer`` is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from builders import ModelBuilder
from corpus import SAMPLES, corpus_dir
from test_report import MY_NPU, hostile_model_bytes, run_report, write

from inspector.lint import LintOptions, lint_model, load_profiles
from inspector.model_explorer import (
    FALLBACK_COLOR,
    OK_COLOR,
    graph_ids,
    node_data,
    output_paths,
)
from inspector.parse import load

SAMPLE = SAMPLES / "small_cnn_int8.tflite"
CORPUS_MODELS = [
    "gh_esphome_micro-wake-word-models/alexa.tflite",  # two named subgraphs, CALL_ONCE
    "gh_google-ai-edge_LiteRT_tflite-testdata/add.tflite",  # unnamed: the signature key
    "gh_google-coral_test_data/movenet_single_pose_lightning_ptq.tflite",
]
HAVE_ME = importlib.util.find_spec("model_explorer") is not None
needs_me = pytest.mark.skipif(
    not HAVE_ME,
    reason="ai-edge-model-explorer is not installed (pip install ai-edge-model-explorer)",
)
ADAPTER = """
import json, sys
import ai_edge_model_explorer_adapter as a
out = {}
for path in sys.argv[1:]:
    graphs = json.loads(a.ConvertFlatbufferDirectlyToJson(a.VisualizeConfig(), path))
    out[path] = [[g["id"], {n["id"]: n["label"] for n in g["nodes"]}]
                 for c in graphs for g in c["subgraphs"]]
print(json.dumps(out))
"""


def unnamed_subgraphs_model() -> bytes:
    """Three subgraphs without names (the adapter calls them main, subgraph_1, subgraph_2)."""
    m = ModelBuilder()
    m.subgraphs[0].name = ""
    a = m.tensor("a", "FLOAT32", [4], input=True)
    b = m.tensor("b", "FLOAT32", [4], output=True)
    m.op("TANH", [a], [b])
    for _ in range(2):
        m.add_subgraph("")
        a = m.tensor("a", "INT8", [4], scale=0.1, zero_point=0, input=True)
        b = m.tensor("b", "INT8", [4], scale=0.1, zero_point=0)
        m.op("RELU", [a], [b])
        c = m.tensor("c", "FLOAT32", [4], output=True)
        m.op("DEQUANTIZE", [b], [c])
    return m.build()


def verdicts(path: Path, targets: tuple[str, ...] = (MY_NPU, "xnnpack")) -> dict:
    options = LintOptions(targets=targets)
    report = lint_model(str(path), load_profiles(options), options)
    model = load(str(path))
    return {t: node_data(model, t, s)[0] for t, s in report.targets.items()}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("me")
    paths = [
        SAMPLE,
        write(tmp, "unnamed.tflite", unnamed_subgraphs_model()),
        write(tmp, "hostile.tflite", hostile_model_bytes()),
    ]
    corpus = corpus_dir()
    if corpus is not None:
        paths += [corpus / m for m in CORPUS_MODELS if (corpus / m).is_file()]
    return paths


@pytest.fixture(scope="module")
def adapter_graphs(models: list[Path]) -> dict[str, list]:
    """Model Explorer's own TFLite adapter on every model: [graph id, {node id: label}]."""
    if importlib.util.find_spec("ai_edge_model_explorer_adapter") is None:
        pytest.skip("ai-edge-model-explorer (and its adapter) is not installed")
    result = subprocess.run(
        [sys.executable, "-c", ADAPTER, *map(str, models)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


# -- ids ---------------------------------------------------------------------------------------
def test_graph_ids_follow_the_adapter_rules(tmp_path: Path) -> None:
    assert graph_ids(load(str(SAMPLE))) == ["main"]
    path = write(tmp_path, "u.tflite", unnamed_subgraphs_model())
    assert graph_ids(load(str(path))) == ["main", "subgraph_1", "subgraph_2"]
    hostile = load(str(write(tmp_path, "h.tflite", hostile_model_bytes())))
    assert graph_ids(hostile) == [sg.name for sg in hostile.subgraphs]


@needs_me
def test_node_and_graph_ids_are_the_adapters(models: list[Path], adapter_graphs: dict) -> None:
    for path in models:
        model = load(str(path))
        graphs = adapter_graphs[str(path)]
        assert [g[0] for g in graphs] == graph_ids(model), path
        for target, data in verdicts(path).items():
            assert list(data) == [g[0] for g in graphs], (path, target)
            for (gid, nodes), sg in zip(graphs, model.subgraphs, strict=True):
                results = data[gid]["results"]
                assert results, (path, target, gid)
                for node_id in results:
                    op = sg.operators[int(node_id)]
                    assert node_id in nodes, (path, gid, node_id)
                    assert nodes[node_id].lower() == op.name.lower(), (path, node_id)


# -- the files ---------------------------------------------------------------------------------
@needs_me
def test_files_load_with_model_explorers_own_classes(tmp_path: Path) -> None:
    from model_explorer.node_data_builder import GraphNodeData, ModelNodeData, NodeDataResult

    out = tmp_path / "v.json"
    assert run_report("--format", "model-explorer", "-t", MY_NPU, "-o", str(out), str(SAMPLE)) == 0
    raw = json.loads(out.read_text(encoding="utf-8"))
    rebuilt = ModelNodeData(
        graphsData={
            gid: GraphNodeData(
                **{k: v for k, v in g.items() if k != "results"},
                results={n: NodeDataResult(**r) for n, r in g["results"].items()},
            )
            for gid, g in raw.items()
        }
    )
    # the package writes exactly what we wrote: same fields, same values
    assert json.loads(rebuilt.to_json_string()) == raw
    main = rebuilt.graphsData["main"]
    assert main.name == "my-npu verdicts"
    values = {n: r.value for n, r in main.results.items()}
    assert set(values) == {str(i) for i in range(7)}
    # the example NPU takes no op of this model: every one falls back, with its reason
    assert all(v.startswith("cpu: ") and len(v) > 6 for v in values.values())
    assert {r.bgColor for r in main.results.values()} == {FALLBACK_COLOR}


def test_verdict_values_and_colours() -> None:
    data = verdicts(SAMPLE, ("xnnpack", "cpu"))
    xnn = data["xnnpack"]["main"]["results"]
    assert xnn["0"] == {"value": "delegated", "bgColor": OK_COLOR}
    assert xnn["6"]["value"].startswith("cpu: ") and xnn["6"]["bgColor"] == FALLBACK_COLOR
    assert "must be of type FLOAT32" in xnn["6"]["value"]  # the reason, as lint gives it
    cpu = data["cpu"]["main"]["results"]
    assert {r["value"] for r in cpu.values()} == {"supported"}  # a runtime target's words


def test_one_file_per_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "verdicts.json"
    args = ["--format", "model-explorer", "-t", f"xnnpack,gpu,{MY_NPU}", "-o", str(out)]
    assert run_report(*args, str(SAMPLE)) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["verdicts.gpu.json", "verdicts.my-npu.json", "verdicts.xnnpack.json"]
    for p in tmp_path.iterdir():
        assert list(json.loads(p.read_text(encoding="utf-8"))) == ["main"]
    assert "wrote" in capsys.readouterr().err
    assert output_paths("a/v.json", ["x y", "x?y"]) == {
        "x y": "a/v.x_y.json",
        "x?y": "a/v.x_y-2.json",
    }


def test_usage_errors(tmp_path: Path) -> None:
    from inspector.errors import UsageError

    with pytest.raises(UsageError, match="one model"):
        run_report("--format", "model-explorer", "-t", "xnnpack", str(SAMPLE), str(SAMPLE))
    with pytest.raises(UsageError, match="stdout"):
        run_report("--format", "model-explorer", "-t", "xnnpack,gpu", "-o", "-", str(SAMPLE))
    with pytest.raises(UsageError, match="--baseline"):
        run_report("--format", "model-explorer", "--baseline", str(SAMPLE), str(SAMPLE))
