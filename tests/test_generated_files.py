"""Generated files are checked, not trusted: each test prints the command that regenerates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from inspector.parse import _option_fields
from inspector.schema_tables import BuiltinOptions, BuiltinOptions2

ROOT = Path(__file__).resolve().parent.parent


def test_schema_tables_match_the_pinned_schema() -> None:
    result = subprocess.run(
        [sys.executable, "tools/gen_schema_tables.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_decoded_option_keys_are_the_schema_field_names() -> None:
    text = re.sub(r"//[^\n]*", "", (ROOT / "tools" / "schema.fbs").read_text())
    checked = 0
    for name in [*BuiltinOptions.values(), *BuiltinOptions2.values()]:
        fields = _option_fields(name)
        if fields is None:  # newer than the tflite package: reported as TFL006 when met
            continue
        table = re.search(rf"\btable {name}\b[^{{]*\{{(.*?)\}}", text, re.S)
        assert table, name
        schema_fields = {f.split(":")[0].strip() for f in table.group(1).split(";") if ":" in f}
        assert {key for _, key, _ in fields} <= schema_fields, name
        checked += 1
    assert checked >= 140


def test_docs_and_profile_schema_are_fresh() -> None:
    """docs/rules.md, docs/predicates.md, docs/targets/*.md, rules/profile.schema.json."""
    result = subprocess.run([sys.executable, "tools/gen_docs.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_builtin_and_example_profiles_validate_against_the_json_schema() -> None:
    import json

    import jsonschema

    from inspector.profiles import builtin_profile_paths
    from inspector.tomlcompat import tomllib

    schema = json.loads((ROOT / "rules" / "profile.schema.json").read_text())
    paths = [*builtin_profile_paths().values(), ROOT / "docs" / "examples" / "my_npu.toml"]
    for path in paths:
        jsonschema.validate(tomllib.loads(Path(path).read_text()), schema)
