"""``tflite-inspector report``: one self-contained HTML file for one or more models (or, with
``--format model-explorer``, each target's per-op verdicts as Model Explorer node data).

Registered by :mod:`inspector.cli` (``report_cli.add_parser(sub)``). Exit status: 0 the report
was written; 2 usage error, or a model that cannot be read or a source that cannot be converted
(the report is still written, with that model's error in its section, unless no model at
all could be read: then nothing is written).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from inspector.cli_options import lint_options

REPORT_HELP = """\
Write one self-contained HTML report (CSS, JavaScript and SVG inline; it opens from disk and
makes no network request) for one or more models: file header and metadata, one verdict card
per target (share of ops and MACs delegated, partitions, CPU<->delegate hops, fallback ops with
reasons), a sortable and filterable findings table, an interactive graph coloured by target
with partitions outlined and float islands highlighted, operator and tensor tables, and charts
(bytes by dtype and op type, MACs, quantization scales with outliers marked). Several models
give one page with an index.

A SavedModel directory, .keras or .h5 file is converted first (the converter flags below, as
for lint); the report then shows the conversion settings, the converter's findings and, for
int8/int16x8 with calibration data, the measured quantization error of every layer.

--baseline OLD adds "Changes since OLD" to the report of the one model given: ops added,
removed and changed, size and MACs, quantization, per-target verdicts, findings that appear or
disappear.

--format model-explorer writes, instead of HTML, each target's per-op verdicts as node data
for Google's Model Explorer (pip install ai-edge-model-explorer): one JSON file per target
(-o FILE for one target; FILE's stem + .TARGET.json for several), to load with the model in
Model Explorer's "node data" menu.

examples:
  tflite-inspector report model.tflite -o report.html
  tflite-inspector report -t xnnpack,my_npu.toml models/ -o models.html
  tflite-inspector report --baseline main.tflite pr.tflite -o review.html
  tflite-inspector report saved_model/ --quantize int8 --calibration calib.npz -o r.html
  tflite-inspector report --format model-explorer -t xnnpack -o verdicts.json model.tflite
"""

FORMATS = ("html", "model-explorer")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` command to the CLI's subparsers; returns its parser."""
    from inspector.cli_options import add_convert_flags, add_target_flags

    p = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report (verdicts, findings, interactive graph)",
        description=REPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "models",
        nargs="+",
        metavar="MODEL",
        help=".tflite files or directories; SavedModel directories, .keras or .h5 files",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default: report.html, or verdicts.json for model-explorer; "
        "'-' for stdout)",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="html",
        help="html (default), or model-explorer: per-op verdicts as Model Explorer node data",
    )
    p.add_argument(
        "--baseline",
        metavar="OLD.tflite",
        help="add the changes since this model (ops, size, MACs, quantization, verdicts, "
        "findings) to the report of the one MODEL given",
    )
    add_target_flags(p)
    p.add_argument("--title", help="page title (default: the model's file name)")
    add_convert_flags(p)
    p.set_defaults(func=cmd_report)
    return p


def _entries(args: argparse.Namespace, options: Any, config: Any, workdir: str) -> tuple:
    """(model, report, extras, tflite path) per model in the order given, and the exit status.
    Sources are converted first (in ``workdir``) and reported under their own path."""
    import dataclasses

    from inspector.cli_options import convert_options, expand_paths
    from inspector.convert import is_source_model
    from inspector.errors import ModelFormatError, UsageError
    from inspector.lint import ModelReport, lint_model, load_profiles
    from inspector.parse import load
    from inspector.report import ModelExtras
    from inspector.sources import convert_sources, relabel

    profiles = load_profiles(options)  # every profile validated before any model is read
    sources = [m for m in args.models if is_source_model(m)]
    converted = {}
    if sources:
        converted = {c.source: c for c in convert_sources(sources, convert_options(args), workdir)}
    status = 0
    out: list[tuple[Any, Any, Any, Any]] = []

    def lint_one(path: str) -> tuple[Any, Any]:
        nonlocal status
        try:
            model = load(path)
        except ModelFormatError as exc:
            print(f"tflite-inspector: error: {exc}", file=sys.stderr)
            status = 2
            return None, ModelReport(path=path, error=str(exc))
        return model, lint_model(path, profiles, options, model)

    for arg in args.models:
        if arg not in converted:
            for path in expand_paths([arg], config.get("exclude", [])):
                model, report = lint_one(path)
                out.append((model, report, None, path))
            continue
        c = converted[arg]
        extras = ModelExtras(converted=c)
        if c.tflite_path is None:
            errors = [f.message for f in c.findings if f.severity == "error"]
            msg = errors[0] if errors else "the converter produced no model"
            print(f"tflite-inspector: error: {c.source}: {msg}", file=sys.stderr)
            status = 2
            report = ModelReport(path=c.source, error=msg, findings=list(c.findings))
            out.append((None, report, extras, None))
            continue
        model, report = lint_one(c.tflite_path)
        findings = relabel(report.findings, {c.tflite_path: c.source}) + list(c.findings)
        report = dataclasses.replace(
            report, path=c.source, findings=sorted(findings, key=lambda f: f.sort_key())
        )
        out.append((model, report, extras, c.tflite_path))
    if not out:
        raise UsageError("no .tflite files found in the given paths")
    return out, status


def _write(output: str, text: str) -> int:
    from inspector.errors import UsageError

    if output == "-":
        sys.stdout.write(text)
        return len(text.encode("utf-8"))
    out_dir = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(out_dir):
        raise UsageError(f"{output}: the folder {out_dir} does not exist")
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
    return len(text.encode("utf-8"))


def cmd_report(args: argparse.Namespace) -> int:
    import tempfile

    from inspector.errors import UsageError

    options, config = lint_options(args)
    if args.baseline and args.format != "html":
        raise UsageError("--baseline goes with the HTML report (--format html)")
    with tempfile.TemporaryDirectory(prefix="tflite-inspector-") as workdir:
        entries, status = _entries(args, options, config, workdir)
        if all(model is None for model, _, _, _ in entries):
            return status  # every model failed, each said so on stderr: nothing to report
        if args.format == "model-explorer":
            return _model_explorer(args, entries, status)
        if args.baseline:
            _add_baseline(args, options, entries)
        from inspector.report import build_view_model, render_report

        html = render_report(
            build_view_model([(m, r, x) for m, r, x, _ in entries], title=args.title)
        )
    output = args.output or "report.html"
    size = _write(output, html)
    if output != "-":
        n = len(entries)
        print(f"wrote {output} ({size:,} bytes, {n} model{'s' * (n != 1)})", file=sys.stderr)
    return status


def _add_baseline(args: argparse.Namespace, options: Any, entries: list) -> None:
    """The changes from --baseline OLD to the one model given, in that model's extras."""
    import dataclasses

    from inspector.convert import is_source_model
    from inspector.diff import diff_models
    from inspector.errors import UsageError
    from inspector.report import ModelExtras

    if len(entries) != 1:
        raise UsageError(f"--baseline compares with one model; {len(entries)} were given")
    if is_source_model(args.baseline):
        raise UsageError(f"--baseline {args.baseline}: give the old model as a .tflite file")
    if not os.path.isfile(args.baseline):
        raise UsageError(f"--baseline {args.baseline}: no such file")
    model, report, extras, path = entries[0]
    if model is None or path is None:
        return  # the new model cannot be read: its error is the report
    d = diff_models(args.baseline, path, options)
    d.new = report.path  # a converted source is named as the user named it
    d.new_findings = [dataclasses.replace(f, path=report.path) for f in d.new_findings]
    entries[0] = (model, report, dataclasses.replace(extras or ModelExtras(), diff=d), path)


def _model_explorer(args: argparse.Namespace, entries: list, status: int) -> int:
    from inspector.errors import UsageError
    from inspector.model_explorer import node_data, output_paths, to_json

    if len(entries) != 1:
        raise UsageError(
            f"--format model-explorer writes the node data of one model; {len(entries)} were given"
        )
    model, report, _, _ = entries[0]
    if model is None:
        return status or 2
    if not report.targets:
        raise UsageError("--format model-explorer needs at least one target (--target)")
    output = args.output or "verdicts.json"
    paths = output_paths(output, list(report.targets))
    if output == "-" and len(paths) > 1:
        raise UsageError("-o - (stdout) takes one target's node data; give one --target")
    for target, summary in report.targets.items():
        data, skipped = node_data(model, target, summary)
        for index, gid in skipped:
            print(
                f"tflite-inspector: warning: {report.path}: subgraph {index} has the same "
                f"Model Explorer graph id as an earlier one ({gid!r}); its verdicts are left out",
                file=sys.stderr,
            )
        _write(paths[target], to_json(data))
        if paths[target] != "-":
            n = len(summary.get("delegated_ops", [])) + len(summary.get("fallback_ops", []))
            print(
                f"wrote {paths[target]} ({target}: {n} op verdicts, {len(data)} graph"
                f"{'s' * (len(data) != 1)})",
                file=sys.stderr,
            )
    return status
