"""The engine on tiny built models: partitioning as the runtime does it, limits, prefix mode,
every failing constraint kept, generic exceptions, `when` conditions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from builders import ModelBuilder
from corpus import ROOT

from inspector.analyses.macs import op_macs
from inspector.analyses.partition import limit_partitions, partition_graph
from inspector.engine import evaluate
from inspector.parse import parse_bytes
from inspector.profiles import Partitioning, load_profile

NPU = ROOT / "docs" / "examples" / "my_npu.toml"


def _chain(ops: list[str]) -> ModelBuilder:
    """x -> op0 -> op1 -> ... float tensors of shape [1, 4]."""
    m = ModelBuilder()
    m.chain(m.tensor("t0", "FLOAT32", [1, 4], input=True), ops, "FLOAT32", [1, 4])
    return m


def _profile(tmp_path: Path, body: str, partitioning: str = "") -> object:
    path = tmp_path / "p.toml"
    path.write_text(
        'format_version = 1\n[profile]\nname = "t"\ntitle = "T"\nkind = "delegate"\n'
        'version = "1"\n[profile.source]\nrepo = "x/y"\npath = "a.cc"\nref = "v1"\n'
        + (f"[partitioning]\n{partitioning}\n" if partitioning else "")
        + body
    )
    return load_profile(path)


def test_partitions_alternate_along_a_chain() -> None:
    sg = parse_bytes(_chain(["ABS", "NEG", "ABS", "ABS", "NEG", "ABS"]).build()).main
    parts = partition_graph(sg, {0, 2, 3, 5})
    assert [(p.delegated, p.ops) for p in parts] == [
        (True, (0,)),
        (False, (1,)),
        (True, (2, 3)),
        (False, (4,)),
        (True, (5,)),
    ]
    assert parts[0].outputs == (1,) and parts[2].inputs == (2,)


def test_independent_branches_merge_into_one_partition() -> None:
    # x -> ABS -> a ;  x -> NEG(cpu) -> b ; (a, b) -> ADD -> y : ABS and ADD cannot merge, but
    # two independent delegated branches before the CPU op do.
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [4], input=True)
    a = m.tensor("a", "FLOAT32", [4])
    c = m.tensor("c", "FLOAT32", [4])
    b = m.tensor("b", "FLOAT32", [4])
    y = m.tensor("y", "FLOAT32", [4], output=True)
    m.op("ABS", [x], [a])
    m.op("NEG", [x], [b])  # CPU
    m.op("EXP", [x], [c])  # independent of NEG: joins ABS's partition
    m.op("ADD", [a, b], [y])
    sg = parse_bytes(m.build()).main
    parts = [p for p in partition_graph(sg, {0, 2, 3}) if p.delegated]
    assert [p.ops for p in parts] == [(0, 2), (3,)]


def test_side_effect_ops_keep_their_order() -> None:
    m = ModelBuilder()
    handles = [m.tensor(f"r{i}", "RESOURCE", []) for i in range(3)]
    for r in handles:
        m.op("VAR_HANDLE", [], [r])
    sg = parse_bytes(m.build()).main
    # Ops touching RESOURCE tensors are chained: 0 -> 1 -> 2, so 0 and 2 cannot merge.
    assert [p.ops for p in partition_graph(sg, {0, 2})] == [(0,), (1,), (2,)]
    no_edges = partition_graph(sg, {0, 2}, side_effect_edges=False)
    assert [p.ops for p in no_edges] == [(0, 2), (1,)]


def test_limit_keeps_the_largest_partitions() -> None:
    sg = parse_bytes(_chain(["ABS", "NEG", "ABS", "ABS", "NEG", "ABS"]).build()).main
    kept, dropped = limit_partitions(partition_graph(sg, {0, 2, 3, 5}), 1, 1)
    assert [p.ops for p in kept] == [(2, 3)] and dropped == {0, 5}
    kept, dropped = limit_partitions(partition_graph(sg, {0, 2, 3, 5}), 0, 2)
    assert [p.ops for p in kept] == [(2, 3)] and dropped == {0, 5}


def test_every_failing_constraint_is_reported_not_only_the_first(tmp_path: Path) -> None:
    profile = _profile(
        tmp_path,
        '[ops.ABS]\n[[ops.ABS.constraints]]\ncheck = "dtype"\ntensors = "input0"\n'
        'allowed = ["INT8"]\nsource = "L1"\n[[ops.ABS.constraints]]\ncheck = "rank"\n'
        'tensors = "input0"\nmax = 1\nsource = "L2"\n',
    )
    r = evaluate(parse_bytes(_chain(["ABS"]).build()), profile)
    (v,) = r.fallback
    assert [(f.code, f.source) for f in v.failures] == [("D003", "L1"), ("D006", "L2")]
    assert {f.code for f in r.findings} == {"D003", "D006", "P003"}


def test_when_conditions_and_generic_exceptions(tmp_path: Path) -> None:
    profile = _profile(
        tmp_path,
        '[[generic]]\ncheck = "rank"\ntensors = "all"\nmax = 1\nexcept_ops = ["NEG"]\n'
        '[ops.ABS]\n[ops.NEG]\n[[ops.NEG.constraints]]\ncheck = "rank"\ntensors = "input0"\n'
        'max = 0\nwhen = [{check = "dtype", tensors = "input0", allowed = ["INT8"]}]\n',
    )
    r = evaluate(parse_bytes(_chain(["ABS", "NEG"]).build()), profile)
    assert not r.verdicts[(0, 0)].accepted  # generic rank limit applies to ABS
    assert r.verdicts[(0, 1)].accepted  # NEG is excepted, and its own rule applies to INT8 only


def test_prefix_mode_stops_at_the_first_rejected_op(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "[ops.ABS]\n", 'mode = "prefix"')
    r = evaluate(parse_bytes(_chain(["ABS", "NEG", "ABS"]).build()), profile)
    assert r.delegated == [(0, 0)]
    assert r.verdicts[(0, 2)].failures[0].code == "D010"


def test_max_partitions_moves_small_partitions_to_the_cpu(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "[ops.ABS]\n", "max_partitions = 1")
    r = evaluate(parse_bytes(_chain(["ABS", "NEG", "ABS", "ABS"]).build()), profile)
    assert r.delegated == [(0, 2), (0, 3)] and len(r.partitions) == 1
    assert r.verdicts[(0, 0)].failures[0].code == "P002"


def test_macs_of_the_main_compute_ops() -> None:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [1, 8, 8, 3], input=True)
    w = m.tensor("w", "FLOAT32", [4, 3, 3, 3], data=np.zeros((4, 3, 3, 3), np.float32))
    y = m.tensor("y", "FLOAT32", [1, 6, 6, 4])
    dw = m.tensor("dw", "FLOAT32", [1, 3, 3, 4], data=np.zeros((1, 3, 3, 4), np.float32))
    z = m.tensor("z", "FLOAT32", [1, 4, 4, 4])
    fw = m.tensor("fw", "FLOAT32", [10, 64], data=np.zeros((10, 64), np.float32))
    f = m.tensor("f", "FLOAT32", [1, 10], output=True)
    m.op("CONV_2D", [x, w, -1], [y])
    m.op("DEPTHWISE_CONV_2D", [y, dw, -1], [z])
    m.op("FULLY_CONNECTED", [z, fw, -1], [f])
    sg = parse_bytes(m.build()).main
    conv, dwc, fc = (op_macs(sg, op) for op in sg.operators)
    assert conv == 3 * 3 * (6 * 6 * 4) * 3
    assert dwc == 3 * 3 * (4 * 4 * 4)
    assert fc == 10 * 64


def test_partitioning_dataclass_defaults_match_the_runtime() -> None:
    assert dataclasses.asdict(Partitioning()) == {
        "mode": "graph",
        "greedy": True,
        "side_effect_edges": True,
        "max_partitions": 0,
        "min_ops_per_partition": 1,
        "full_delegation_ignores_limits": False,
    }


def test_example_profile_loads() -> None:
    p = load_profile(NPU)
    assert p.name == "my-npu" and "CONV_2D" in p.ops and p.partitioning.max_partitions == 4


def test_target_options_gate_constraints_and_can_be_set_per_run(tmp_path: Path) -> None:
    profile = _profile(
        tmp_path,
        '[ops.ABS]\n[[ops.ABS.constraints]]\ncheck = "target_option"\nname = "api"\n'
        'min = 29\nmessage = "ABS needs API 29"\n',
    )
    profile = dataclasses.replace(profile, options={"api": 27})
    model = parse_bytes(_chain(["ABS"]).build())
    (v,) = evaluate(model, profile).fallback
    assert v.failures[0].text() == "ABS needs API 29 (api is 27)"
    assert evaluate(model, profile.with_options(api=30)).delegated == [(0, 0)]


def test_profile_header_options_and_integer_io_load_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'format_version = 1\n[profile]\nname = "t"\ntitle = "T"\nkind = "accelerator"\n'
        'version = "1"\ninteger_io = true\n[profile.options]\napi = 29\n'
        '[profile.source]\nrepo = "x/y"\npath = "a.cc"\nref = "v1"\n[ops.ABS]\n'
    )
    p = load_profile(path)
    assert p.integer_io and p.options == {"api": 29}
    assert p.with_options(api=31).options == {"api": 31}


def test_custom_op_without_code_and_compiled_blobs_on_a_runtime(tmp_path: Path) -> None:
    m = ModelBuilder()
    x = m.tensor("x", "FLOAT32", [4], input=True)
    y = m.tensor("y", "FLOAT32", [4])
    z = m.tensor("z", "FLOAT32", [4], output=True)
    m.op("CUSTOM", [x], [y], custom="")
    m.op("CUSTOM", [y], [z], custom="edgetpu-custom-op")
    model = parse_bytes(m.build())
    runtime = _profile(tmp_path, "[ops.ABS]\n")
    runtime = dataclasses.replace(runtime, kind="runtime")
    a, b = evaluate(model, runtime).fallback
    assert a.failures[0].code == "D011" and "no custom_code" in a.failures[0].requirement
    assert b.failures[0].code == "D011" and "compiled for Edge TPU" in b.failures[0].requirement
    delegate = _profile(tmp_path, "[ops.ABS]\n")
    a, b = evaluate(model, delegate).fallback
    assert (a.failures[0].code, b.failures[0].code) == ("D001", "D013")
