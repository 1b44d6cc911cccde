"""``tflite-inspector report``: one self-contained HTML file for one or more models.

Registered by :mod:`inspector.cli` (``report_cli.add_parser(sub)``). Exit status: 0 the report
was written; 2 usage error, or a model that cannot be read (the report is still written, with
that model's error in its section).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

REPORT_HELP = """\
Write one self-contained HTML report (CSS, JavaScript and SVG inline; it opens from disk and
makes no network request) for one or more models: file header and metadata, one verdict card
per target (share of ops and MACs delegated, partitions, CPU<->delegate hops, fallback ops with
reasons), a sortable and filterable findings table, an interactive graph coloured by target
with partitions outlined and float islands highlighted, operator and tensor tables, and charts
(bytes by dtype and op type, MACs, quantization scales with outliers marked). Several models
give one page with an index.

examples:
  tflite-inspector report model.tflite -o report.html
  tflite-inspector report -t xnnpack,my_npu.toml models/ -o models.html
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` command to the CLI's subparsers; returns its parser."""
    p = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report (verdicts, findings, interactive graph)",
        description=REPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("models", nargs="+", metavar="MODEL", help=".tflite files or directories")
    p.add_argument(
        "-o",
        "--output",
        default="report.html",
        metavar="FILE.html",
        help="where to write the report (default: report.html; '-' for stdout)",
    )
    p.add_argument(
        "-t",
        "--target",
        action="append",
        metavar="T[,T...]",
        help="built-in target name(s) or a profile file (default: the configured targets, "
        "else every built-in target)",
    )
    p.add_argument(
        "--select", action="append", metavar="CODES", help="only these rule codes or prefixes"
    )
    p.add_argument(
        "--ignore", action="append", metavar="CODES", help="leave out these rule codes or prefixes"
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: [tool.tflite-inspector] of the nearest pyproject.toml)",
    )
    p.add_argument(
        "--runtime-version",
        metavar="X.Y",
        help="for the cpu target: flag ops and op versions newer than this LiteRT runtime",
    )
    p.add_argument(
        "--android-api",
        type=int,
        metavar="N",
        help="for the nnapi target: the Android API level of the device",
    )
    p.add_argument(
        "--target-option",
        action="append",
        metavar="TARGET.KEY=VALUE",
        help="set an option a target profile declares (see `tflite-inspector targets T`)",
    )
    p.add_argument("--title", help="page title (default: the model's file name)")
    p.set_defaults(func=cmd_report)
    return p


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def cmd_report(args: argparse.Namespace) -> int:
    from inspector.catalog import resolve_selectors
    from inspector.cli import _target_options, expand_paths
    from inspector.config import load_config
    from inspector.errors import ModelFormatError, UsageError
    from inspector.lint import LintOptions, ModelReport, lint_model, load_profiles
    from inspector.parse import load
    from inspector.profiles import builtin_profile_paths
    from inspector.report import build_view_model, render_report

    config = load_config(args.config)
    csrc = str(config.path) if config.path else "config"
    targets = _split(args.target)
    if not targets:
        targets = [
            config.resolve_path(t) if t.endswith((".toml", ".yaml", ".yml", ".json")) else t
            for t in config.get("targets") or []
        ] or list(builtin_profile_paths())
    select = None
    if args.select or config.get("select"):
        src = "--select" if args.select else csrc
        select = frozenset(resolve_selectors(_split(args.select) or config.get("select"), src))
    ignore_sel = _split(args.ignore) or config.get("ignore") or []
    ignore = frozenset(resolve_selectors(ignore_sel, "--ignore" if args.ignore else csrc))
    options = LintOptions(
        targets=tuple(targets),
        select=select,
        ignore=ignore,
        runtime_version=args.runtime_version or config.get("runtime-version"),
        target_options=_target_options(args, config),
    )
    profiles = load_profiles(options)  # every profile validated before any model is read
    paths = expand_paths(args.models, config.get("exclude", []))
    if not paths:
        raise UsageError("no .tflite files found in the given paths")
    status = 0
    entries = []
    for path in paths:
        try:
            model = load(path)
        except ModelFormatError as exc:
            print(f"tflite-inspector: error: {exc}", file=sys.stderr)
            entries.append((None, ModelReport(path=path, error=str(exc))))
            status = 2
            continue
        entries.append((model, lint_model(path, profiles, options)))
    html = render_report(build_view_model(entries, title=args.title))
    if args.output == "-":
        sys.stdout.write(html)
        return status
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise UsageError(f"{args.output}: the folder {out_dir} does not exist")
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(html)
    n = len(entries)
    print(
        f"wrote {args.output} ({len(html.encode('utf-8')):,} bytes, {n} model{'s' * (n != 1)})",
        file=sys.stderr,
    )
    return status
