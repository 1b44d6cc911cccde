"""Speed of `tflite-inspector lint`: one model against every target, and a directory in parallel.

    python benchmarks/bench_lint.py [--runs N] [--dir DIR]

Targets (issue 3): lint of a MobileNetV2-sized int8 model against all built-in targets in
<= 0.5 s whole process; a directory of ~300 models with --jobs 2 at least 1.7x faster than
--jobs 1 (the corpus by default: every readable model, errors included, as users run it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common import corpus_dir, measure, ours, print_table

DEFAULT_MODEL = "gh_google-coral_test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", help="directory of models for the --jobs comparison")
    parser.add_argument("--model", help="model for the single-model figure")
    args = parser.parse_args()
    corpus = corpus_dir()
    model = args.model or (str(corpus / DEFAULT_MODEL) if corpus else None)
    folder = args.dir or (str(corpus) if corpus else None)
    if model is None or folder is None:
        print("no corpus found: pass --model and --dir", file=sys.stderr)
        return 2
    n = len(list(Path(folder).rglob("*.tflite")))
    single = [
        measure("lint, all targets", [*ours(), "lint", "--quiet", "--exit-zero", model], args.runs),
        measure("inspect (for scale)", [*ours(), "inspect", model], args.runs),
    ]
    print_table(f"lint {Path(model).name}", single)
    runs = max(1, min(args.runs, 3))
    rows = [
        measure(
            f"lint --jobs {j} ({n} models)",
            [
                *ours(),
                "lint",
                "--quiet",
                "--exit-zero",
                "--format",
                "json",
                "--jobs",
                str(j),
                folder,
            ],
            runs,
            ok_codes=(0, 1, 2),  # the corpus holds deliberately broken models: exit 2 is right
        )
        for j in (1, 2)
    ]
    print_table("lint a directory", rows)
    if rows[0].ok and rows[1].ok:
        print(
            f"  speed-up with --jobs 2: {rows[0].seconds / rows[1].seconds:.2f}x (target >= 1.7x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
