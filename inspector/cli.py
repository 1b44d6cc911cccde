"""Command line: the only module that prints or chooses an exit status.

Exit status: 0 nothing to report at or above ``--fail-on``; 1 findings at or above it;
2 usage error or a model that cannot be read (the other models are still processed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence

from inspector import __version__
from inspector.errors import InspectorError, ModelFormatError, UsageError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
PROG = "tflite-inspector"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as ruff does
        self.print_usage(sys.stderr)
        raise SystemExit(f"{self.prog}: error: {message}")


def _err(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given; directories walked (sorted) for ``*.tflite``."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".tflite")]
            out += found
        else:
            out.append(p)
    return out


# -- inspect -------------------------------------------------------------------------------
def cmd_inspect(args: argparse.Namespace) -> int:
    from inspector.analyses.quantization import summarize
    from inspector.analyses.stats import model_stats
    from inspector.parse import load
    from inspector.render import inspect_json, inspect_text

    status = EXIT_OK
    docs = []
    texts = []
    for path in args.models:
        try:
            model = load(path)
        except ModelFormatError as exc:
            _err(str(exc))
            status = EXIT_ERROR
            continue
        stats = model_stats(model)
        quant = summarize(model)
        if args.format == "json":
            docs.append(inspect_json.model_json(model, stats, quant))
        else:
            parts = [inspect_text.summary_text(model, stats, quant)]
            if args.ops:
                parts.append(inspect_text.ops_table(model))
            if args.tensors:
                parts.append(inspect_text.tensors_table(model))
            texts.append("\n\n".join(parts))
    if args.format == "json":
        if docs or status == EXIT_OK:
            doc = docs[0] if len(args.models) == 1 and docs else docs
            print(json.dumps(doc, indent=2, ensure_ascii=False))
    elif texts:
        print("\n\n".join(texts))
    return status


# -- parser --------------------------------------------------------------------------------
INSPECT_HELP = """\
Summarise one or more .tflite models: size, schema version, subgraphs, signatures, op and
dtype histograms, parameter count, constant bytes by dtype, the quantization scheme
(float32, float16, dynamic-range, int8, int16x8, mixed), I/O tensors with their
quantization, metadata, and anything odd the reader noticed.

examples:
  tflite-inspector inspect model.tflite
  tflite-inspector inspect model.tflite --ops --tensors
  tflite-inspector inspect --format json model.tflite | jq .quantization
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "See what will happen to a TFLite / LiteRT model on each delegate before it "
            "ships: which ops each target takes, where quantization is missing, how the "
            "graph is partitioned."
        ),
        epilog=(
            "exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error or "
            "unreadable model.\nRun 'tflite-inspector COMMAND --help' for a command's options."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "inspect",
        help="summarise models (structure, quantization, metadata)",
        description=INSPECT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("models", nargs="+", metavar="MODEL", help=".tflite files or directories")
    p.add_argument("--ops", action="store_true", help="also print the operator table")
    p.add_argument("--tensors", action="store_true", help="also print the tensor table")
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="output format (json: one object per model, schema in docs/json.md)",
    )
    p.set_defaults(func=cmd_inspect, expand=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return EXIT_ERROR
        return int(exc.code or 0)
    if getattr(args, "expand", False):
        args.models = expand_paths(args.models)
        if not args.models:
            _err("no .tflite files found in the given directories")
            return EXIT_ERROR
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except InspectorError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # an internal bug: one line, the traceback on request
        if os.environ.get("TFLITE_INSPECTOR_DEBUG"):
            raise
        _err(
            f"internal error: {type(exc).__name__}: {exc} (set TFLITE_INSPECTOR_DEBUG=1 "
            "for the traceback, and please report it)"
        )
        return EXIT_ERROR


__all__ = ["main", "main_exit", "UsageError"]


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
