"""Command line: the only module that prints or chooses an exit status.

Exit status: 0 nothing to report at or above ``--fail-on``; 1 findings at or above it;
2 usage error or a model that cannot be read (the other models are still processed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from inspector import __version__
from inspector.cli_options import (
    add_convert_flags,
    add_target_flags,
    convert_options,
    expand_paths,
    lint_options,
    split,
)
from inspector.errors import InspectorError, ModelFormatError, UsageError

if TYPE_CHECKING:  # the lint machinery is imported by the commands that use it
    from inspector.lint import LintOptions, ModelReport

LINT_FORMATS = ("text", "json", "sarif", "github")

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
PROG = "tflite-inspector"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, as ruff does
        self.print_usage(sys.stderr)
        raise SystemExit(f"{self.prog}: error: {message}")


def _err(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


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


# -- lint ----------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _profiles(options: LintOptions) -> tuple:
    from inspector.lint import load_profiles

    return tuple(load_profiles(options))


def _lint_one(args: tuple[str, LintOptions]) -> ModelReport:
    from inspector.lint import lint_model

    path, options = args
    return lint_model(path, _profiles(options), options)


def _progress(done: int, total: int, path: str) -> None:
    name = path if len(path) < 50 else "..." + path[-47:]
    sys.stderr.write(f"\r[{done}/{total}] {name:<50}")
    if done == total:
        sys.stderr.write("\r" + " " * 70 + "\r")
    sys.stderr.flush()


@dataclass
class Rendered:
    """One model's share of the text or JSON output, rendered where it was linted, so that
    with --jobs only strings cross the process boundary and this process only joins them."""

    path: str
    error: str | None
    lines: list[str]
    summary: list[str]
    json: str | None
    severities: Counter[str]


def _render_one(args: tuple[str, LintOptions, str]) -> Rendered:
    from inspector.render import lint_json, lint_text

    path, options, fmt = args
    r = _lint_one((path, options))  # findings come sorted
    counts = Counter(f.severity for f in r.findings)
    if fmt == "json":
        doc = json.dumps(lint_json.model_json(r, r.findings), ensure_ascii=False)
        return Rendered(r.path, r.error, [], [], doc, counts)
    lines = [lint_text.finding_line(f) for f in r.findings]
    return Rendered(r.path, r.error, lines, lint_text.summary_lines(r), None, counts)


def _join_rendered(rendered: list[Rendered], fmt: str, summary: bool) -> str:
    """The same bytes the full renderers give: findings sorted by path first, models in
    input order, compact JSON."""
    from inspector.render import lint_json, lint_text

    if fmt == "json":
        head = json.dumps(lint_json.envelope(), ensure_ascii=False)
        assert head.endswith("[]}")
        return head[:-3] + "[" + ", ".join(r.json or "" for r in rendered) + "]}"
    lines = [line for r in sorted(rendered, key=lambda r: r.path) for line in r.lines]
    if summary:
        lines += [line for r in rendered for line in r.summary]
        lines.append(lint_text.footer(sum((r.severities for r in rendered), Counter())))
    return "\n".join(lines)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def run_lint(paths: list[str], options: LintOptions, jobs: int, progress: bool) -> list:
    return run_parallel(_lint_one, [(p, options) for p in paths], jobs, progress)


def run_parallel(fn: Callable[[Any], Any], work: list[tuple], jobs: int, progress: bool) -> list:
    """``fn`` over ``work`` (tuples whose first item is a model path), in input order."""
    paths = [w[0] for w in work]
    reports = []
    if jobs > 1 and len(paths) > 1:
        from concurrent.futures import ProcessPoolExecutor

        # Largest models first, in small chunks: sizes vary a thousandfold, and a big model
        # left for the end would keep one worker busy while the other idles. Results are put
        # back in the order the models were given.
        order = sorted(range(len(work)), key=lambda i: -_size(paths[i]))
        chunk = max(1, min(4, len(work) // (jobs * 8)))
        done: list[Any] = [None] * len(work)
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = pool.map(fn, [work[i] for i in order], chunksize=chunk)
            for n, (i, r) in enumerate(zip(order, results, strict=True), 1):
                done[i] = r
                if progress:
                    _progress(n, len(work), r.path)
        reports = [r for r in done if r is not None]
    else:
        for i, w in enumerate(work, 1):
            reports.append(fn(w))
            if progress:
                _progress(i, len(work), w[0])
    return reports


def cmd_lint(args: argparse.Namespace) -> int:
    from inspector.baseline import filter_baseline, read_baseline, write_baseline

    options, config = lint_options(args)
    csrc = str(config.path) if config.path else "config"
    fail_on = args.fail_on or config.get("fail-on", "error")
    if fail_on not in ("error", "warning", "info"):
        raise UsageError(f"{csrc}: fail-on must be error, warning or info, not {fail_on!r}")
    fmt = args.format or config.get("format", "text")
    if fmt not in LINT_FORMATS:
        raise UsageError(f"{csrc}: format must be one of {', '.join(LINT_FORMATS)}")
    _profiles(options)  # load and validate every profile before any model
    paths, converted = _with_sources(args, config)
    if not paths and not converted:
        raise UsageError("no .tflite files found in the given paths")
    jobs = args.jobs if args.jobs is not None else config.get("jobs", 1)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    progress = fmt == "text" and sys.stderr.isatty() and len(paths) > 3 and not args.quiet
    baseline = args.baseline or (config.resolve_path(config.get("baseline"))
                                 if config.get("baseline") else None)  # fmt: skip
    # The common case (text, or JSON into a pipe, no baseline, no conversion) is rendered in
    # the workers; the rest goes through the full renderers below.
    if (fmt == "text" or (fmt == "json" and not sys.stdout.isatty())) and not (
        baseline or args.write_baseline or converted
    ):
        rendered = run_parallel(_render_one, [(p, options, fmt) for p in paths], jobs, progress)
        for item in rendered:
            if item.error:
                _err(item.error)
        out = _join_rendered(rendered, fmt, summary=not args.quiet)
        if out:
            print(out)
        severities: Counter[str] = sum((item.severities for item in rendered), Counter())
        errors = any(item.error for item in rendered)
        return _lint_status(errors, severities, fail_on, args.exit_zero)
    reports = run_lint(paths, options, jobs, progress)
    reports, extra = _merge_converted(reports, converted)
    findings = sorted([f for r in reports for f in r.findings] + extra, key=lambda f: f.sort_key())
    if args.write_baseline:
        if not baseline:
            raise UsageError("--write-baseline needs --baseline FILE (or baseline in the config)")
        n = write_baseline(baseline, findings)
        print(f"wrote {n} findings to {baseline}", file=sys.stderr)
        return EXIT_ERROR if any(r.error for r in reports) else EXIT_OK
    if baseline:
        findings = filter_baseline(findings, read_baseline(baseline))
    for r in reports:
        if r.error:
            _err(r.error)
    if fmt == "text":
        from inspector.render import lint_text

        out = lint_text.render(reports, findings, summary=not args.quiet)
    elif fmt == "json":
        from inspector.render import lint_json

        # Indented for a person at a terminal; compact when piped (a directory of models gives
        # megabytes, and the indenting encoder is five times slower than the compact one).
        indent = 2 if sys.stdout.isatty() else None
        out = json.dumps(lint_json.render(reports, findings), indent=indent, ensure_ascii=False)
    elif fmt == "sarif":
        from inspector.render import sarif

        out = json.dumps(sarif.render(findings), indent=2, ensure_ascii=False)
    else:
        from inspector.render import github

        out = github.render(findings)
    if out:
        print(out)
    errors = any(r.error for r in reports)
    return _lint_status(errors, Counter(f.severity for f in findings), fail_on, args.exit_zero)


def _lint_status(errors: bool, severities: Counter[str], fail_on: str, exit_zero: bool) -> int:
    """2 when a model could not be read; 1 when a finding reaches --fail-on; else 0."""
    from inspector.findings import severity_rank

    if errors:
        return EXIT_ERROR
    threshold = severity_rank(fail_on)
    if not exit_zero and any(severity_rank(sv) >= threshold for sv, n in severities.items() if n):
        return EXIT_FINDINGS
    return EXIT_OK


def _with_sources(args: argparse.Namespace, config: Any) -> tuple[list[str], list]:
    """Model paths to lint; SavedModel/Keras sources are converted first (see convert)."""
    from inspector.convert import is_source_model

    sources = [m for m in args.models if is_source_model(m)]
    rest = [m for m in args.models if m not in sources]
    paths = expand_paths(rest, config.get("exclude", [])) if rest else []
    if not sources:
        return paths, []
    from inspector.sources import convert_sources

    converted = convert_sources(sources, convert_options(args))
    return paths + [c.tflite_path for c in converted if c.tflite_path], converted


def _merge_converted(reports: list, converted: list) -> tuple[list, list]:
    """Report converted models under their source path, with the converter's findings."""
    import dataclasses

    from inspector.sources import relabel

    path_map = {c.tflite_path: c.source for c in converted if c.tflite_path}
    out = []
    for r in reports:
        if r.path in path_map:
            r = dataclasses.replace(
                r, path=path_map[r.path], findings=relabel(r.findings, path_map)
            )
        out.append(r)
    extra = [f for c in converted for f in c.findings]
    for c in converted:
        if c.tflite_path is None:
            from inspector.lint import ModelReport

            out.append(ModelReport(path=c.source, error=None))
    return out, extra


def cmd_diff(args: argparse.Namespace) -> int:
    from inspector.diff import diff_models, render_text
    from inspector.profiles import builtin_profile_paths

    targets = split(args.target) or list(builtin_profile_paths())
    from inspector.lint import LintOptions

    options = LintOptions(targets=tuple(targets))
    d = diff_models(args.old, args.new, options)
    if args.format == "html":
        try:
            from inspector.report import render_diff_html
        except ImportError:
            raise UsageError("--format html needs the report module") from None
        print(render_diff_html(d))
    else:
        print(render_text(d, markdown=args.format == "markdown"), end="")
    return EXIT_FINDINGS if args.exit_code and d.changed else EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    from inspector.analyses.quantization import summarize
    from inspector.convert import convert, is_source_model
    from inspector.parse import parse_bytes
    from inspector.render.lint_text import finding_line

    if not is_source_model(args.source):
        raise UsageError(f"{args.source}: not a SavedModel directory, .keras or .h5 file")
    options = convert_options(args)
    if args.measure:
        from inspector.sources import convert_sources

        (conv,) = convert_sources([args.source], options)
        findings = conv.findings
        data = Path(conv.tflite_path).read_bytes() if conv.tflite_path else None
        layers = conv.layers
    else:
        result = convert(args.source, options)
        findings, data, layers = result.findings, result.tflite, []
    for f in findings:
        print(finding_line(f))
    if data is None:
        return EXIT_FINDINGS
    out = Path(args.output)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)  # never leave a half-written model behind
    scheme = summarize(parse_bytes(data, str(out))).scheme
    print(f"wrote {out} ({len(data):,} bytes, quantization: {scheme})")
    if layers:
        print("\nper-layer quantization error (worst first):")
        print(f"  {'op':>4}  {'opcode':<20} {'rel RMSE':>9} {'cosine':>8}  tensor")
        for e in layers[: args.measure_top]:
            print(
                f"  {e.op:>4}  {e.opcode:<20} {100 * e.rel_rmse:>8.2f}% {e.cosine:>8.4f}  "
                f"{e.tensor}"
            )
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from inspector.catalog import load_catalog
    from inspector.docs import rule_markdown, rules_markdown, rules_text

    catalog = load_catalog()
    if args.code:
        code = args.code.upper()
        if code not in catalog:
            raise UsageError(f"unknown rule {args.code!r} (see `tflite-inspector rules`)")
        print(rule_markdown(catalog[code]))
        return EXIT_OK
    if args.format == "json":
        print(json.dumps([vars(r) for r in catalog.values()], indent=2))
    elif args.format == "markdown":
        print(rules_markdown())
    else:
        print(rules_text())
    return EXIT_OK


def cmd_targets(args: argparse.Namespace) -> int:
    from inspector.docs import target_markdown, targets_text
    from inspector.profiles import resolve_target

    if args.name:
        print(target_markdown(resolve_target(args.name)))
    else:
        print(targets_text())
    return EXIT_OK


def cmd_validate_profile(args: argparse.Namespace) -> int:
    from inspector.profiles import load_profile

    status = EXIT_OK
    for path in args.profiles:
        try:
            p = load_profile(path)
        except UsageError as exc:
            _err(str(exc))
            status = EXIT_ERROR
            continue
        n = sum(len(o.constraints) for o in p.ops.values()) + len(p.generic)
        print(f"{path}: ok ({p.name}: {len(p.ops)} ops, {n} constraints)")
    return status


# -- parser --------------------------------------------------------------------------------
DIFF_HELP = """\
Compare two models: ops added, removed or changed (matched by opcode and output tensor name),
size and MAC deltas, quantization scheme and I/O types, each target's verdict (ops delegated,
partitions, MACs on CPU), and the findings that appear or disappear.

examples:
  tflite-inspector diff old.tflite new.tflite
  tflite-inspector diff --format markdown main.tflite pr.tflite > comment.md

git: show model changes in `git diff` (text):
  git config diff.tflite.textconv "tflite-inspector inspect --ops"
  echo '*.tflite diff=tflite' >> .gitattributes
"""

CONVERT_HELP = """\
Convert a SavedModel directory, .keras or .h5 file to .tflite with TensorFlow's TFLiteConverter,
in any quantization mode. Converter errors become findings naming the TensorFlow ops involved.
`lint` and `report` accept the same sources and flags, converting on the fly.

examples:
  tflite-inspector convert saved_model/ -o model.tflite
  tflite-inspector convert model.keras -o model_int8.tflite --quantize int8 --calibration data.npz
  tflite-inspector convert model.keras -o m.tflite --for edgetpu --calibration images/ --measure
  tflite-inspector lint model.keras --quantize int8 --calibration-random 32 -t xnnpack

exit status: 0 converted, 1 conversion failed (findings printed), 2 usage error or no TensorFlow.
"""

LINT_HELP = """\
Check models against targets and report, per target, which ops it takes, which fall back to
the CPU (with the exact constraint that failed), how many partitions the graph is cut into and
what share of the MACs stays on the CPU.

examples:
  tflite-inspector lint model.tflite                      # every built-in target
  tflite-inspector lint -t xnnpack,ethos-u models/        # a directory, two targets
  tflite-inspector lint -t my_npu.toml model.tflite       # your own target profile
  tflite-inspector lint --format sarif models/ > lint.sarif
  tflite-inspector lint --baseline .tflite-baseline.json --write-baseline models/

configuration: [tool.tflite-inspector] in the nearest pyproject.toml, e.g.
  targets = ["xnnpack", "cpu"]
  ignore = ["P002"]
  fail-on = "warning"
"""

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
            "start here:\n"
            "  tflite-inspector lint model.tflite                 # verdicts of every target\n"
            "  tflite-inspector report model.tflite -o r.html     # the same, as a web page\n"
            "  tflite-inspector lint -t xnnpack,gpu --format sarif models/ > lint.sarif\n\n"
            "exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error or "
            "unreadable model.\nRun 'tflite-inspector COMMAND --help' for a command's options; "
            "rule codes: tflite-inspector rules."
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

    p = sub.add_parser(
        "lint",
        help="check models against targets (delegates, runtimes, NPUs)",
        description=LINT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("models", nargs="+", metavar="MODEL", help=".tflite files or directories")
    add_target_flags(p)
    p.add_argument("--baseline", metavar="FILE", help="report only findings not in this baseline")
    p.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="lowest severity that makes the exit status 1 (default: error)",
    )
    p.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when findings reach --fail-on (2 still means an error)",
    )
    p.add_argument(
        "--format",
        choices=LINT_FORMATS,
        help="text (default), json, sarif (GitHub code scanning) or github annotations",
    )

    p.add_argument(
        "--write-baseline",
        action="store_true",
        help="write the current findings to --baseline FILE and exit",
    )
    p.add_argument("-j", "--jobs", type=int, metavar="N", help="lint N models in parallel")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="findings only: no per-target summary, no progress",
    )
    add_convert_flags(p)
    p.set_defaults(func=cmd_lint)

    from inspector import report_cli

    report_cli.add_parser(sub)

    p = sub.add_parser(
        "diff",
        help="compare two models for code review (ops, size, MACs, quantization, findings)",
        description=DIFF_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.add_argument(
        "-t",
        "--target",
        action="append",
        metavar="T[,T...]",
        help="targets whose verdicts and findings to compare (default: all built-in)",
    )
    p.add_argument(
        "--format",
        choices=("text", "markdown", "html"),
        default="text",
        help="markdown fits a pull-request comment",
    )
    p.add_argument("--exit-code", action="store_true", help="exit 1 when the models differ")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "convert",
        help="convert a SavedModel / Keras model to .tflite (needs the [convert] extra)",
        description=CONVERT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="SRC", help="SavedModel directory, .keras or .h5 file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.tflite")
    p.add_argument(
        "--measure",
        action="store_true",
        help="also run float and quantized models on the calibration data and print "
        "the per-layer error",
    )
    p.add_argument(
        "--measure-top",
        type=int,
        default=10,
        metavar="N",
        help="layers to list with --measure (default 10)",
    )
    add_convert_flags(p)
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser(
        "rules",
        help="explain rule codes (all, or one)",
        description="Explain the rule codes: what each checks, why it matters and "
        "how to fix it. Generated from the one definition in rules/rules.toml.",
    )
    p.add_argument("code", nargs="?", help="a rule code, e.g. D001")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser(
        "targets",
        help="list targets, or show one target's ops and constraints",
        description="List the built-in targets with the upstream source each "
        "encodes; with NAME (or a profile file), every op it takes and its "
        "constraints, as Markdown.",
    )
    p.add_argument("name", nargs="?", help="a target name or profile file")
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser(
        "validate-profile",
        help="check target profile files you wrote",
        description="Validate target profiles (TOML/YAML/JSON): unknown keys, "
        "checks, parameters, op names and unpinned sources are errors naming "
        "the file and key.",
    )
    p.add_argument("profiles", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate_profile)
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
