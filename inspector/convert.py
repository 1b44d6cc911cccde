"""Converter front-end: SavedModel / .keras / .h5 -> .tflite with TensorFlow's TFLiteConverter.

TensorFlow is an optional extra (``pip install tflite-inspector[convert]``) and is imported
only inside these functions, never by the lint path. The converter only produces a
``.tflite``; everything after that is the same path as for any model.

Converter failures and warnings become findings (C codes) naming the ops the converter named,
never tracebacks.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inspector.errors import UsageError
from inspector.findings import Finding

QUANTIZE_MODES = ("none", "dynamic", "float16", "int8", "int16x8")
IO_TYPES = ("float", "int8", "uint8")
PRESETS = {
    "edgetpu": {"quantize": "int8", "io": "uint8"},
    "gpu": {"quantize": "float16", "io": "float"},
    "tflm": {"quantize": "int8", "io": "int8"},
    "ethos-u": {"quantize": "int8", "io": "int8"},
    "xnnpack": {"quantize": "int8", "io": "float"},
}
INSTALL_HINT = "converting needs TensorFlow: pip install 'tflite-inspector[convert]'"


def is_source_model(path: str) -> bool:
    """A SavedModel directory, or a Keras .keras / .h5 file."""
    p = Path(path)
    if p.is_dir():
        return (p / "saved_model.pb").is_file() or (p / "saved_model.pbtxt").is_file()
    return p.suffix.lower() in (".keras", ".h5", ".hdf5") and p.is_file()


@dataclass(frozen=True)
class ConvertOptions:
    quantize: str = "none"
    io: str = "float"
    calibration: str | None = None
    calibration_random: int | None = None
    allow_flex: bool = False
    preset: str | None = None

    @classmethod
    def build(
        cls,
        quantize: str | None = None,
        io: str | None = None,
        calibration: str | None = None,
        calibration_random: int | None = None,
        allow_flex: bool = False,
        preset: str | None = None,
    ) -> ConvertOptions:
        base = PRESETS.get(preset or "", {})
        if preset and preset not in PRESETS:
            raise UsageError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
        q = quantize or base.get("quantize", "none")
        if q not in QUANTIZE_MODES:
            raise UsageError(f"--quantize must be one of {', '.join(QUANTIZE_MODES)}")
        io_type = io or base.get("io", "float")
        if io_type not in IO_TYPES:
            raise UsageError(f"--io must be one of {', '.join(IO_TYPES)}")
        if io_type != "float" and q not in ("int8",):
            raise UsageError(f"--io {io_type} needs --quantize int8")
        if q in ("int8", "int16x8") and not calibration and not calibration_random:
            raise UsageError(
                f"--quantize {q} needs calibration data: --calibration FILE_OR_FOLDER "
                "(.npy/.npz or images), or --calibration-random N (unfit for accuracy)"
            )
        return cls(q, io_type, calibration, calibration_random, allow_flex, preset)

    def settings(self) -> dict[str, Any]:
        out: dict[str, Any] = {"quantize": self.quantize, "io": self.io}
        if self.preset:
            out["preset"] = self.preset
        if self.calibration:
            out["calibration"] = self.calibration
        if self.calibration_random:
            out["calibration"] = f"random ({self.calibration_random} samples, unfit for accuracy)"
        out["allow_flex"] = self.allow_flex
        return out


@dataclass
class ConvertResult:
    source: str
    options: ConvertOptions
    tflite: bytes | None
    findings: list[Finding] = field(default_factory=list)
    tf_version: str = ""
    log: str = ""
    samples: list[list[np.ndarray]] = field(default_factory=list)  # calibration data used

    @property
    def ok(self) -> bool:
        return self.tflite is not None


def _finding(source: str, code: str, severity: str, message: str) -> Finding:
    return Finding(source, None, None, code, None, severity, message)


def import_tensorflow() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        # TensorFlow's C++ side logs to fd 2 while importing; keep the CLI's stderr clean.
        with tempfile.TemporaryFile(mode="w+") as sink, _redirect_fd2(sink):
            import tensorflow as tf
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    return tf


def _load_keras(tf: Any, path: str) -> Any:
    try:
        return tf.keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for a bad file
        raise UsageError(f"{path}: cannot load the Keras model ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def input_specs(tf: Any, source: str) -> list[tuple[str, tuple[int, ...], Any]]:
    """(name, shape with batch 1, numpy dtype) of each model input."""
    if Path(source).is_dir():
        loaded = tf.saved_model.load(source)
        fn = loaded.signatures.get("serving_default") or next(iter(loaded.signatures.values()))
        specs = fn.structured_input_signature[1]
        items = sorted(specs.items())
        return [
            (name, tuple(1 if d is None else d for d in spec.shape), spec.dtype.as_numpy_dtype)
            for name, spec in items
        ]
    model = _load_keras(tf, source)
    return [
        (t.name, tuple(1 if d is None else d for d in t.shape), np.dtype(t.dtype))
        for t in model.inputs
    ]


def calibration_samples(
    specs: list[tuple[str, tuple[int, ...], Any]], options: ConvertOptions, tf: Any
) -> list[list[np.ndarray]]:
    """Samples as one list of arrays (one per model input) each, batch dimension 1."""
    if options.calibration_random:
        rng = np.random.default_rng(0)
        return [
            [rng.random(shape, dtype=np.float32).astype(dtype) for _, shape, dtype in specs]
            for _ in range(options.calibration_random)
        ]
    path = Path(options.calibration or "")
    if path.is_dir():
        return _image_samples(path, specs, tf)
    if path.suffix == ".npy":
        arrays = [np.load(path)]
    elif path.suffix == ".npz":
        with np.load(path) as data:
            keys = list(data.keys())
            names = [name for name, _, _ in specs]
            order = names if set(names) <= set(keys) else keys
            arrays = [data[k] for k in order]
    else:
        raise UsageError(f"{path}: calibration data must be .npy, .npz or a folder of images")
    if len(arrays) != len(specs):
        raise UsageError(f"{path}: {len(arrays)} arrays for a model with {len(specs)} inputs")
    n = min(len(a) for a in arrays)
    if n == 0:
        raise UsageError(f"{path}: no calibration samples")
    out = []
    for i in range(n):
        sample = []
        for a, (name, shape, dtype) in zip(arrays, specs, strict=True):
            x = np.asarray(a[i], dtype=dtype)
            if x.size != int(np.prod(shape)):
                raise UsageError(
                    f"{path}: sample {i} for input {name!r} has shape {list(x.shape)}, "
                    f"expected {list(shape[1:])} (first axis = samples)"
                )
            sample.append(x.reshape(shape))
        out.append(sample)
    return out


def _image_samples(folder: Path, specs: list, tf: Any) -> list[list[np.ndarray]]:
    if len(specs) != 1 or len(specs[0][1]) != 4:
        raise UsageError(f"{folder}: image folders calibrate models with one NHWC image input")
    _, shape, dtype = specs[0]
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp", ".gif")
    )
    if not files:
        raise UsageError(f"{folder}: no images (.png, .jpg, .bmp, .gif)")
    out = []
    for p in files:
        img = tf.io.decode_image(
            tf.io.read_file(str(p)), channels=shape[3], expand_animations=False
        )
        img = tf.image.resize(tf.cast(img, tf.float32) / 255.0, shape[1:3])
        out.append([np.asarray(img, dtype=dtype).reshape(shape)])
    return out


def _converter(tf: Any, source: str) -> Any:
    if Path(source).is_dir():
        return tf.lite.TFLiteConverter.from_saved_model(source)
    return tf.lite.TFLiteConverter.from_keras_model(_load_keras(tf, source))


_FLEX_RE = re.compile(r"Flex ops: ([^\n]+)")
_TF_OPS_RE = re.compile(r"\btf\.([A-Z][A-Za-z0-9]+)")


def _failure_findings(source: str, text: str) -> list[Finding]:
    """Turn the converter's error text into findings naming the ops."""
    findings = []
    flex = sorted(set(_TF_OPS_RE.findall(text)))
    m = _FLEX_RE.search(text)
    if m:
        flex = sorted({x.strip().removeprefix("Flex") for x in m.group(1).split(",")} | set(flex))
    if flex or "Select TensorFlow op" in text or "SELECT_TF_OPS" in text:
        ops = ", ".join(f"tf.{x}" for x in flex) or "(the converter did not name them)"
        findings.append(
            _finding(
                source,
                "C002",
                "error",
                f"these TensorFlow ops have no TFLite builtin: {ops}; convert with --allow-flex "
                "to keep them as Select TF (Flex) ops, or replace them",
            )
        )
    else:
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        errors = [x for x in lines if "error" in x.lower()] or lines
        first = (errors or ["unknown error"])[0][:400]
        findings.append(_finding(source, "C001", "error", f"conversion failed: {first}"))
    return findings


def _warning_findings(source: str, log: str) -> list[Finding]:
    out = []
    seen = set()
    for line in log.splitlines():
        low = line.lower()
        if (
            "not quantized" in low
            or "cannot be quantized" in low
            or "unable to quantize" in low
            or "skipping quantization" in low
        ):
            text = line.strip()[:300]
            if text not in seen:
                seen.add(text)
                out.append(_finding(source, "C003", "warning", f"converter: {text}"))
    return out


def convert(
    source: str, options: ConvertOptions, progress: Callable[[str], None] | None = None
) -> ConvertResult:
    """Convert a SavedModel/Keras model. Never raises for conversion problems: they come back
    as findings; raises UsageError only for a missing TensorFlow or unusable input."""
    if not is_source_model(source):
        raise UsageError(f"{source}: not a SavedModel directory, .keras or .h5 file")
    tf = import_tensorflow()
    result = ConvertResult(source=source, options=options, tflite=None, tf_version=tf.__version__)
    if options.calibration_random:
        result.findings.append(
            _finding(
                source,
                "C004",
                "warning",
                f"calibrated on {options.calibration_random} random samples: the "
                "quantization ranges say nothing about real data (fine for checking "
                "delegate support, unfit for accuracy)",
            )
        )
    converter = _converter(tf, source)
    ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    q = options.quantize
    if q != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if q == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if q in ("int8", "int16x8"):
        specs = input_specs(tf, source)
        samples = calibration_samples(specs, options, tf)
        result.samples = samples

        def representative() -> Iterator[list[np.ndarray]]:
            yield from samples

        converter.representative_dataset = representative
        if q == "int8":
            ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            if options.io != "float":
                io_type = tf.int8 if options.io == "int8" else tf.uint8
                converter.inference_input_type = io_type
                converter.inference_output_type = io_type
        else:
            ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    if options.allow_flex:
        ops = [*ops, tf.lite.OpsSet.SELECT_TF_OPS]
    converter.target_spec.supported_ops = ops
    captured = io.StringIO()
    with (
        tempfile.TemporaryFile(mode="w+") as err,
        _redirect_fd2(err),
        contextlib.redirect_stdout(captured),
        contextlib.redirect_stderr(captured),
    ):
        try:
            result.tflite = bytes(converter.convert())
        except Exception as exc:  # ConverterError and friends
            result.log = str(exc)
        err.seek(0)
        native = err.read()
    result.log = "\n".join(x for x in (result.log, captured.getvalue(), native) if x)
    if result.tflite is None:
        result.findings += _failure_findings(source, result.log)
    else:
        result.findings += _warning_findings(source, result.log)
    return result


@contextlib.contextmanager
def _redirect_fd2(target: Any) -> Iterator[None]:
    """Capture what TensorFlow's C++ code writes to file descriptor 2."""
    saved = os.dup(2)
    try:
        os.dup2(target.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
