"""Generate ``inspector/schema_tables.py`` from the pinned LiteRT ``schema.fbs``.

The ``tflite`` package on PyPI lags the runtime: it does not know the newest tensor types
(INT2, UINT4, FLOAT8_*) nor the newest builtin operators. Names come from the schema the
runtime was built from, pinned here, so the parser can name every code it knows and report
the rest as unknown.

    python tools/gen_schema_tables.py            # rewrite inspector/schema_tables.py
    python tools/gen_schema_tables.py --check    # exit 1 if the file is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tools" / "schema.fbs"
OUTPUT = ROOT / "inspector" / "schema_tables.py"
SOURCE = (
    "google-ai-edge/LiteRT@19a1585ff7c66779793d339fa7f85fc5a58f4db0:"
    "tflite/converter/schema/schema.fbs"
)
ENUMS = (
    "TensorType",
    "BuiltinOperator",
    "ActivationFunctionType",
    "Padding",
    "FullyConnectedOptionsWeightsFormat",
    "LSHProjectionType",
    "CombinerType",
    "MirrorPadMode",
    "LSTMKernelType",
    "RngAlgorithm",
    "ReduceWindowFunction",
    "CustomOptionsFormat",
    "DimensionType",
)
UNIONS = ("BuiltinOptions", "BuiltinOptions2", "QuantizationDetails")


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def parse_enum(text: str, name: str) -> dict[int, str]:
    match = re.search(rf"\benum {name}\s*:\s*\w+\s*\{{(.*?)\}}", text, re.S)
    if match is None:
        raise SystemExit(f"enum {name} not found in {SCHEMA}")
    values: dict[int, str] = {}
    nxt = 0
    for item in match.group(1).split(","):
        item = re.sub(r"\(.*?\)", "", item).strip()
        if not item:
            continue
        if "=" in item:
            key, value = (part.strip() for part in item.split("=", 1))
            nxt = int(value)
        else:
            key = item
        values[nxt] = key
        nxt += 1
    return values


def parse_union(text: str, name: str) -> dict[int, str]:
    match = re.search(rf"\bunion {name}\s*\{{(.*?)\}}", text, re.S)
    if match is None:
        raise SystemExit(f"union {name} not found in {SCHEMA}")
    members = [re.sub(r"\(.*?\)", "", m).strip() for m in match.group(1).split(",") if m.strip()]
    return {i + 1: m for i, m in enumerate(members)}


def render() -> str:
    text = _strip_comments(SCHEMA.read_text())
    version = re.search(r"file_identifier\s+\"(\w+)\"", text)
    lines = [
        '"""Enum and union tables of the TFLite schema. GENERATED, do not edit.',
        "",
        f"Source: {SOURCE}",
        "Regenerate: python tools/gen_schema_tables.py",
        '"""',
        "",
        f"SCHEMA_SOURCE = {SOURCE!r}",
        f"FILE_IDENTIFIER = {version.group(1) if version else 'TFL3'!r}",
        "",
    ]
    for enum in ENUMS:
        lines.append(f"{enum}: dict[int, str] = {{")
        lines += [f"    {k}: {v!r}," for k, v in sorted(parse_enum(text, enum).items())]
        lines += ["}", ""]
    for union in UNIONS:
        lines.append(f"{union}: dict[int, str] = {{")
        lines += [f"    {k}: {v!r}," for k, v in sorted(parse_union(text, union).items())]
        lines += ["}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args()
    content = render()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != content:
            print(f"{OUTPUT} is stale: run python tools/gen_schema_tables.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(content)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
