"""Generate the ``cpu`` target from the LiteRT sources it encodes.

Reads, at one pinned LiteRT commit (the one ai-edge-litert 2.3.0 was built from):

- ``tflite/core/kernels/register.cc``: the ``BuiltinOpResolver`` constructor. ``AddBuiltin(op,
  reg)`` registers version 1 only, ``AddBuiltin(op, reg, min, max)`` versions min..max, and
  ``AddCustom(name, reg)`` a custom op at version 1 (tflite/mutable_op_resolver.cc:60-100);
  ``FindOp`` looks up the exact (op, version) pair. -> ``rules/cpu.toml``
- ``tflite/converter/tools/versioning/runtime_version.cc``: the converter's table of the
  minimum TFLite runtime version each (op, version) needs.
  -> ``rules/data/cpu_runtime_versions.json``

    python tools/gen_cpu_profile.py            # rewrite both files
    python tools/gen_cpu_profile.py --check    # exit 1 if either file is stale

The sources come from a git directory (``--repo``, or ``$LITERT_REPO``, default the local
mirror ``/work/.mirror/google-ai-edge+LiteRT/repo``) through ``git show REF:PATH``, so a bare
mirror and a normal checkout both work.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "rules" / "cpu.toml"
VERSIONS = ROOT / "rules" / "data" / "cpu_runtime_versions.json"
REPO_NAME = "google-ai-edge/LiteRT"
REF = "19a1585ff7c66779793d339fa7f85fc5a58f4db0"
REGISTER = "tflite/core/kernels/register.cc"
RUNTIME_VERSION = "tflite/converter/tools/versioning/runtime_version.cc"
RESOLVER_PATHS = (
    REGISTER,
    "tflite/mutable_op_resolver.cc",
    "tflite/core/api/op_resolver.cc",
    "tflite/core/interpreter_builder.cc",
    RUNTIME_VERSION,
)
DEFAULT_REPO = "/work/.mirror/google-ai-edge+LiteRT/repo"


def default_repo() -> str:
    return os.environ.get("LITERT_REPO", DEFAULT_REPO)


def git_show(repo: str, path: str, ref: str = REF) -> str:
    result = subprocess.run(
        ["git", "-C", repo, "show", f"{ref}:{path}"], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"cannot read {ref}:{path} from {repo}: {result.stderr.strip()}")
    return result.stdout


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


def _split_args(args: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in args:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def parse_register(text: str) -> tuple[dict[str, tuple[int, int, int]], dict[str, tuple[int, int]]]:
    """(builtins: op -> (min, max, line), customs: name -> (version, line))."""
    start = text.index("BuiltinOpResolver::BuiltinOpResolver()")
    end = text.index("\n}", start)
    body = text[start:end]
    base = text[:start].count("\n") + 1
    builtins: dict[str, tuple[int, int, int]] = {}
    customs: dict[str, tuple[int, int]] = {}
    for m in re.finditer(r"\b(AddBuiltin|AddCustom)\s*\((.*?)\)\s*;", body, flags=re.S):
        kind, args = m.group(1), _split_args(_strip_comments(m.group(2)))
        line = base + body[: m.start()].count("\n")
        if kind == "AddBuiltin":
            op = re.fullmatch(r"BuiltinOperator_(\w+)", args[0])
            if op is None:
                raise SystemExit(f"{REGISTER}:{line}: cannot read op {args[0]!r}")
            if len(args) == 2:
                lo, hi = 1, 1
            elif len(args) == 3:
                lo = hi = int(args[2])
            elif len(args) == 4:
                lo, hi = int(args[2]), int(args[3])
            else:
                raise SystemExit(f"{REGISTER}:{line}: unexpected AddBuiltin arguments {args}")
            name = op.group(1)
            if name in builtins:  # a second registration adds versions
                old_lo, old_hi, old_line = builtins[name]
                if lo > old_hi + 1 or hi < old_lo - 1:
                    raise SystemExit(f"{REGISTER}:{line}: {name} versions are not contiguous")
                lo, hi, line = min(lo, old_lo), max(hi, old_hi), old_line
            builtins[name] = (lo, hi, line)
        else:
            name_m = re.fullmatch(r'"([^"]+)"', args[0])
            if name_m is None:
                raise SystemExit(f"{REGISTER}:{line}: cannot read custom op {args[0]!r}")
            version = int(args[2]) if len(args) > 2 else 1
            customs[name_m.group(1)] = (version, line)
    if not builtins:
        raise SystemExit(f"{REGISTER}: no AddBuiltin call found")
    return builtins, customs


def parse_runtime_versions(text: str) -> dict[str, dict[str, str]]:
    """op -> {version: minimum runtime version} from FindMinimumRuntimeVersionForOp's map."""
    start = text.index("FindMinimumRuntimeVersionForOp")
    body = _strip_comments(text[start:])
    table: dict[str, dict[str, str]] = {}
    for m in re.finditer(r'\{\{BuiltinOperator_(\w+),\s*(\d+)\},\s*"([\d.]+)"\}', body):
        table.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
    if len(table) < 50:
        raise SystemExit(f"{RUNTIME_VERSION}: the op version map was not found")
    return {
        op: dict(sorted(v.items(), key=lambda kv: int(kv[0]))) for op, v in sorted(table.items())
    }


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def render_profile(
    builtins: dict[str, tuple[int, int, int]], customs: dict[str, tuple[int, int]]
) -> str:
    paths = ", ".join(json.dumps(p) for p in RESOLVER_PATHS)
    out = [
        f"# Generated by tools/gen_cpu_profile.py from {REPO_NAME}@{REF}:{REGISTER}.",
        "# Do not edit: regenerate with `python tools/gen_cpu_profile.py`.",
        "format_version = 1",
        "",
        "[profile]",
        'name = "cpu"',
        'title = "LiteRT CPU runtime (builtin op resolver)"',
        'kind = "runtime"',
        'severity = "error"',
        'selector = "cpu"',
        'version = "ai-edge-litert 2.3.0 BuiltinOpResolver"',
        'description = """The kernels the stock LiteRT interpreter registers '
        "(tflite::ops::builtin::BuiltinOpResolver): each builtin op at the versions it is "
        "registered for, and the few custom ops it registers by default. Another builtin version "
        'fails to load ("Didn\'t find op for builtin opcode"); another custom op fails '
        "allocate_tensors() unless the application registers it, and Select TF (Flex) ops need "
        "the Flex delegate. With --runtime-version, ops that need a newer TFLite runtime (the "
        'converter\'s runtime_version.cc table) are reported too."""',
        "",
        "[profile.source]",
        f'repo = "{REPO_NAME}"',
        f'path = "{REGISTER}"',
        f'ref = "{REF}"',
        f"paths = [{paths}]",
        "",
    ]
    for name in sorted(builtins):
        lo, hi, line = builtins[name]
        out += [f"[ops.{name}]", f"versions = [{lo}, {hi}]", f'source = "L{line}"', ""]
    for name in sorted(customs):
        version, line = customs[name]
        out += [
            f"[ops.{_toml_key('custom:' + name)}]",
            f"versions = [{version}, {version}]",
            f'source = "L{line}"',
            "",
        ]
    return "\n".join(out).rstrip("\n") + "\n"


def render_versions(table: dict[str, dict[str, str]]) -> str:
    meta = {
        "_meta": {
            "source": f"{REPO_NAME}@{REF}:{RUNTIME_VERSION}",
            "generated_by": "tools/gen_cpu_profile.py",
            "meaning": "op -> {op version: minimum TFLite runtime version}; "
            "pairs missing here have no known minimum (the converter skips them too)",
        }
    }
    return json.dumps({**meta, **table}, indent=1) + "\n"


def generate(repo: str) -> dict[Path, str]:
    builtins, customs = parse_register(git_show(repo, REGISTER))
    table = parse_runtime_versions(git_show(repo, RUNTIME_VERSION))
    return {PROFILE: render_profile(builtins, customs), VERSIONS: render_versions(table)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default=default_repo(), help="LiteRT git directory or checkout")
    ap.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    args = ap.parse_args(argv)
    files = generate(args.repo)
    stale = []
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if args.check:
            stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"stale: {', '.join(stale)}; run `python tools/gen_cpu_profile.py`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
