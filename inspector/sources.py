"""Let lint and report take a SavedModel / Keras source directly: convert it, measure the
quantization error when there is calibration data, then hand a .tflite to the usual path."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.convert import ConvertOptions, convert
from inspector.findings import Finding
from inspector.quant_error import LayerError, error_findings, measure


@dataclass
class Converted:
    source: str
    tflite_path: str | None  # None when conversion failed
    settings: dict[str, Any]
    tf_version: str
    findings: list[Finding] = field(default_factory=list)
    layers: list[LayerError] = field(default_factory=list)


def convert_sources(
    sources: list[str],
    options: ConvertOptions,
    workdir: str | None = None,
    measure_error: bool = True,
) -> list[Converted]:
    out = []
    tmp = workdir or tempfile.mkdtemp(prefix="tflite-inspector-")
    for i, src in enumerate(sources):
        result = convert(src, options)
        conv = Converted(src, None, options.settings(), result.tf_version, list(result.findings))
        if result.ok and result.tflite is not None:
            path = Path(tmp) / f"{i}_{Path(src.rstrip('/')).stem or 'model'}.tflite"
            path.write_bytes(result.tflite)
            conv.tflite_path = str(path)
            if measure_error and options.quantize in ("int8", "int16x8"):
                conv.layers = _measure(src, options, result.tflite, result.samples)
                conv.findings += error_findings(src, conv.layers)
        out.append(conv)
    return out


def _measure(
    src: str, options: ConvertOptions, quantized: bytes, samples: list[list[Any]]
) -> list[LayerError]:
    """Run the float conversion beside the quantized one on the calibration data the
    quantized conversion used."""
    float_result = convert(src, dataclasses.replace(options, quantize="none", io="float"))
    if not float_result.ok or float_result.tflite is None:
        return []
    return measure(float_result.tflite, quantized, samples)


def relabel(findings: list[Finding], path_map: dict[str, str]) -> list[Finding]:
    """Findings on a converted temp file, reported against the source the user named."""
    return [
        dataclasses.replace(f, path=path_map.get(f.path, f.path)) if f.path in path_map else f
        for f in findings
    ]
