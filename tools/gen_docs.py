"""Generate docs/rules.md, docs/predicates.md and docs/targets/<name>.md from their sources.

python tools/gen_docs.py           # write
python tools/gen_docs.py --check   # exit 1 when a file is stale (the test suite runs this)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import json  # noqa: E402

from inspector.docs import (  # noqa: E402
    predicates_markdown,
    profile_json_schema,
    rules_markdown,
    target_markdown,
)
from inspector.profiles import builtin_profile_paths, load_profile  # noqa: E402


def outputs() -> dict[Path, str]:
    files = {
        ROOT / "docs" / "rules.md": rules_markdown(),
        ROOT / "docs" / "predicates.md": predicates_markdown(),
        ROOT / "rules" / "profile.schema.json": json.dumps(profile_json_schema(), indent=2) + "\n",
    }
    for name, path in builtin_profile_paths().items():
        files[ROOT / "docs" / "targets" / f"{name}.md"] = target_markdown(load_profile(path))
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    files = outputs()
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    known = set(files)
    orphans = [p for p in (ROOT / "docs" / "targets").glob("*.md") if p not in known]
    if args.check:
        for p in stale + orphans:
            print(f"{p.relative_to(ROOT)} is stale: run python tools/gen_docs.py", file=sys.stderr)
        return 1 if stale or orphans else 0
    for p in orphans:
        p.unlink()
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files[p])
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
