"""The ``cpu`` target: what the stock LiteRT interpreter (BuiltinOpResolver) can run.

The profile (rules/cpu.toml, generated from register.cc by tools/gen_cpu_profile.py) lists
every registered builtin with its version range and the default custom ops; ``check_op``
applies it. This selector adds what the data cannot say:

- a custom op compiled for an accelerator (edgetpu-custom-op, ethos-u, DISPATCH_OP) is, for
  this runtime, just an unresolved custom op: ``allocate_tensors()`` fails with "Encountered
  unresolved custom op" (tflite/core/subgraph.cc), so it is D011 here, not the informational
  D013 a delegate gets;
- with ``profile.runtime_version`` (``--runtime-version X.Y``), an op version whose minimum
  TFLite runtime in the converter's table (runtime_version.cc, copied into
  rules/data/cpu_runtime_versions.json) is newer than X.Y is D002.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from inspector.engine import PRECOMPILED_OPS, Failure, check_op
from inspector.model import Model, Operator, Subgraph
from inspector.predicates import OpContext
from inspector.profiles import Profile
from inspector.resources import rules_dir

RUNTIME_VERSIONS_SOURCE = "tflite/converter/tools/versioning/runtime_version.cc"


@lru_cache(maxsize=1)
def runtime_versions() -> dict[str, dict[int, str]]:
    """op -> {op version: minimum TFLite runtime version} (runtime_version.cc)."""
    raw: dict[str, Any] = json.loads(
        rules_dir()
        .joinpath("data")
        .joinpath("cpu_runtime_versions.json")
        .read_text(encoding="utf-8")
    )
    return {
        op: {int(v): rt for v, rt in table.items()}
        for op, table in raw.items()
        if not op.startswith("_")
    }


def version_key(version: str) -> tuple[int, int, int]:
    """'2.10' -> (2, 10, 0): compared as the converter does, missing parts read as 0."""
    parts = [int(x) for x in re.findall(r"\d+", version)[:3]]
    if not parts:
        raise ValueError(f"not a runtime version: {version!r}")
    return tuple(parts + [0] * (3 - len(parts)))  # type: ignore[return-value]


def min_runtime_version(opcode: str, version: int) -> str | None:
    """The oldest TFLite runtime that has this op version, if the converter's table knows."""
    return runtime_versions().get(opcode, {}).get(version)


def _runtime_failure(op: Operator, wanted: str) -> Failure | None:
    if op.opcode == "CUSTOM":
        return None
    needed = min_runtime_version(op.opcode, op.version)
    if needed is None or version_key(needed) <= version_key(wanted):
        return None
    return Failure(
        "D002",
        f"{op.opcode} version {op.version} needs TFLite runtime {needed} or newer",
        f"--runtime-version is {wanted}",
        RUNTIME_VERSIONS_SOURCE,
    )


def precompiled_as_unresolved(op: Operator, failures: list[Failure], title: str) -> None:
    """For a runtime, an op compiled for an accelerator is an unresolved custom op (D011)."""
    code = op.custom_code or ""
    for i, f in enumerate(failures):
        if f.code == "D013" and code in PRECOMPILED_OPS:
            failures[i] = Failure(
                "D011",
                f"custom op {code!r} has no kernel in {title}",
                f"it is compiled for {PRECOMPILED_OPS[code]}; only that accelerator's "
                "delegate or kernel runs it",
                f.source,
            )


def cpu_selector(model: Model, sg: Subgraph, profile: Profile) -> dict[int, list[Failure]]:
    out: dict[int, list[Failure]] = {}
    for op in sg.operators:
        failures = check_op(OpContext(model, sg, op), profile)
        precompiled_as_unresolved(op, failures, profile.title)
        if profile.runtime_version:
            f = _runtime_failure(op, profile.runtime_version)
            if f is not None:
                failures.append(f)
        out[op.index] = failures
    return out


SELECTORS = {"cpu": cpu_selector}
