"""Command-line options shared by the commands (lint, report, ...): one definition each."""

from __future__ import annotations

import argparse
import fnmatch
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from inspector.errors import UsageError

if TYPE_CHECKING:
    from inspector.lint import LintOptions


def split(values: list[str] | None) -> list[str]:
    """Repeated and comma-separated values: ["a,b", "c"] -> ["a", "b", "c"]."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def expand_paths(paths: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Files as given; directories walked (sorted) for ``*.tflite``, minus ``exclude`` globs."""
    patterns = list(exclude)
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".tflite")]
            out += [f for f in found if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
        else:
            out.append(p)
    return out


def target_options(args: argparse.Namespace, config: Any) -> tuple[tuple[str, str, Any], ...]:
    """--android-api N and --target-option TARGET.KEY=VALUE (values parsed as TOML)."""
    from inspector.tomlcompat import tomllib

    out: list[tuple[str, str, Any]] = []
    api = args.android_api or config.get("android-api")
    if api is not None:
        out.append(("nnapi", "android_api", int(api)))
    for item in args.target_option or []:
        key, sep, raw = item.partition("=")
        target, dot, name = key.partition(".")
        if not sep or not dot:
            raise UsageError(f"--target-option {item!r}: expected TARGET.KEY=VALUE")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out.append((target.strip(), name.strip(), value))
    return tuple(out)


def lint_options(args: argparse.Namespace) -> tuple[LintOptions, Any]:
    """Targets, rule selection and target settings from flags over the config file."""
    from inspector.catalog import resolve_selectors
    from inspector.config import load_config
    from inspector.lint import LintOptions
    from inspector.profiles import builtin_profile_paths

    config = load_config(args.config)
    csrc = str(config.path) if config.path else "config"
    targets = split(args.target)
    if not targets:
        targets = [
            config.resolve_path(t) if t.endswith((".toml", ".yaml", ".yml", ".json")) else t
            for t in config.get("targets") or []
        ] or list(builtin_profile_paths())
    select = None
    if args.select or config.get("select"):
        src = "--select" if args.select else csrc
        select = frozenset(resolve_selectors(split(args.select) or config.get("select"), src))
    ignore_sel = split(args.ignore) or config.get("ignore") or []
    ignore = frozenset(resolve_selectors(ignore_sel, "--ignore" if args.ignore else csrc))
    options = LintOptions(
        targets=tuple(targets),
        select=select,
        ignore=ignore,
        runtime_version=args.runtime_version or config.get("runtime-version"),
        target_options=target_options(args, config),
    )
    return options, config


def convert_options(args: argparse.Namespace) -> Any:
    from inspector.convert import ConvertOptions

    return ConvertOptions.build(
        quantize=args.quantize,
        io=args.io,
        calibration=args.calibration,
        calibration_random=args.calibration_random,
        allow_flex=args.allow_flex,
        preset=args.preset,
    )


def add_convert_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("converting SavedModel / Keras sources (needs the [convert] extra)")
    g.add_argument(
        "--quantize",
        choices=("none", "dynamic", "float16", "int8", "int16x8"),
        help="quantization mode (default: none, or the --for preset's)",
    )
    g.add_argument(
        "--calibration",
        metavar="FILE_OR_DIR",
        help="representative data: .npy/.npz (one array per input, first axis = "
        "samples) or a folder of images resized to the input",
    )
    g.add_argument(
        "--calibration-random",
        type=int,
        metavar="N",
        help="calibrate on N random samples (checks delegate support; unfit for "
        "accuracy, flagged C004)",
    )
    g.add_argument(
        "--io",
        choices=("float", "int8", "uint8"),
        help="model input/output type for --quantize int8 (default float)",
    )
    g.add_argument(
        "--allow-flex",
        action="store_true",
        help="allow Select TensorFlow (Flex) ops the builtins lack",
    )
    g.add_argument(
        "--for",
        dest="preset",
        choices=("edgetpu", "gpu", "tflm", "ethos-u", "xnnpack"),
        help="preset for a target: edgetpu = int8 with uint8 I/O, gpu = float16, "
        "tflm/ethos-u = int8 with int8 I/O, xnnpack = int8 with float I/O",
    )


def add_target_flags(p: argparse.ArgumentParser) -> None:
    """Which targets and rules, the config file, and the targets' settings (lint, report)."""
    p.add_argument(
        "-t",
        "--target",
        action="append",
        metavar="T[,T...]",
        help="built-in target name(s) or a profile file (default: the configured targets, "
        "else every built-in target; see `tflite-inspector targets`)",
    )
    p.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these rule codes or prefixes (e.g. D,P001)",
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
        help="for the nnapi target: the Android API level of the device (27..35)",
    )
    p.add_argument(
        "--target-option",
        action="append",
        metavar="TARGET.KEY=VALUE",
        help="set an option a target profile declares (see `tflite-inspector targets T`)",
    )
