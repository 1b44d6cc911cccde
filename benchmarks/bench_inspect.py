"""Speed and memory of `tflite-inspector inspect`, side by side with the peer tools.

    python benchmarks/bench_inspect.py [--runs N] [MODEL]

Rows, each a whole process (start-up included), median wall time and peak RSS:
- tflite-inspector inspect MODEL
- a bare walk of the same file with the `tflite` package (the floor for a Python tool on
  this stack: import, then touch every op and tensor once)
- TensorFlow's tf.lite.experimental.Analyzer.analyze (needs TensorFlow: set TF_PYTHON to a
  Python that has it, e.g. TF_PYTHON=/path/to/venv/bin/python)
Then a generated model carrying 1 GB of constant data (written to a temporary file, removed
afterwards): inspect must stay under 100 MiB, because the parser never reads weight bytes.

Targets (issue 2): inspect <= 0.3 s and <= 64 MiB on a MobileNetV2-sized int8 model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import corpus_dir, measure, ours, print_table, tf_python

DEFAULT_MODEL = "gh_google-coral_test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite"

BARE_WALK = """
import sys, tflite
buf = open(sys.argv[1], 'rb').read()
m = tflite.Model.GetRootAs(buf, 0)
n = 0
for s in range(m.SubgraphsLength()):
    sg = m.Subgraphs(s)
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i); t.Name(); t.ShapeAsNumpy(); t.Type(); q = t.Quantization()
        if q is not None: q.ScaleAsNumpy(); q.ZeroPointAsNumpy()
        n += 1
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i); op.InputsAsNumpy(); op.OutputsAsNumpy(); op.OpcodeIndex()
        n += 1
print(n)
"""

ANALYZER = (
    "import sys, tensorflow as tf; tf.lite.experimental.Analyzer.analyze(model_path=sys.argv[1])"
)


def write_big_model(path: Path, gigabytes: float = 1.0) -> None:
    """A FULLY_CONNECTED model whose weights (1 GB of int8) sit after the flatbuffer, as the
    converter lays out models over 2 GB (Buffer.offset/size)."""
    import flatbuffers
    import tflite

    n = int(gigabytes * (1 << 30))
    rows = n // 4096
    head_size = 0
    # Two passes: the flatbuffer's size decides where the data starts.
    for attempt in range(2):
        b = flatbuffers.Builder(1024)
        offset = 0 if attempt == 0 else head_size
        bufs = []
        tflite.BufferStart(b)
        bufs.append(tflite.BufferEnd(b))
        tflite.BufferStart(b)
        tflite.BufferAddOffset(b, offset if offset else 2)
        tflite.BufferAddSize(b, rows * 4096)
        bufs.append(tflite.BufferEnd(b))
        tensors = []
        for name, shape, buf in (
            ("x", [1, 4096], 0),
            ("w", [rows, 4096], 1),
            ("y", [1, rows], 0),
        ):
            nm = b.CreateString(name)
            tflite.TensorStartShapeVector(b, len(shape))
            for d in reversed(shape):
                b.PrependInt32(d)
            sv = b.EndVector()
            tflite.QuantizationParametersStartScaleVector(b, 1)
            b.PrependFloat32(0.01)
            sc = b.EndVector()
            tflite.QuantizationParametersStartZeroPointVector(b, 1)
            b.PrependInt64(0)
            zp = b.EndVector()
            tflite.QuantizationParametersStart(b)
            tflite.QuantizationParametersAddScale(b, sc)
            tflite.QuantizationParametersAddZeroPoint(b, zp)
            qp = tflite.QuantizationParametersEnd(b)
            tflite.TensorStart(b)
            tflite.TensorAddShape(b, sv)
            tflite.TensorAddType(b, 9)  # INT8
            tflite.TensorAddBuffer(b, buf)
            tflite.TensorAddName(b, nm)
            tflite.TensorAddQuantization(b, qp)
            tensors.append(tflite.TensorEnd(b))
        tflite.OperatorStartInputsVector(b, 3)
        for i in (-1, 1, 0):
            b.PrependInt32(i)
        iv = b.EndVector()
        tflite.OperatorStartOutputsVector(b, 1)
        b.PrependInt32(2)
        ov = b.EndVector()
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, 0)
        tflite.OperatorAddInputs(b, iv)
        tflite.OperatorAddOutputs(b, ov)
        op = tflite.OperatorEnd(b)
        tflite.SubGraphStartTensorsVector(b, 3)
        for t in reversed(tensors):
            b.PrependUOffsetTRelative(t)
        tv = b.EndVector()
        tflite.SubGraphStartInputsVector(b, 1)
        b.PrependInt32(0)
        si = b.EndVector()
        tflite.SubGraphStartOutputsVector(b, 1)
        b.PrependInt32(2)
        so = b.EndVector()
        tflite.SubGraphStartOperatorsVector(b, 1)
        b.PrependUOffsetTRelative(op)
        opv = b.EndVector()
        tflite.SubGraphStart(b)
        tflite.SubGraphAddTensors(b, tv)
        tflite.SubGraphAddInputs(b, si)
        tflite.SubGraphAddOutputs(b, so)
        tflite.SubGraphAddOperators(b, opv)
        sg = tflite.SubGraphEnd(b)
        tflite.OperatorCodeStart(b)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(b, 9)
        tflite.OperatorCodeAddBuiltinCode(b, 9)
        tflite.OperatorCodeAddVersion(b, 1)
        oc = tflite.OperatorCodeEnd(b)
        tflite.ModelStartOperatorCodesVector(b, 1)
        b.PrependUOffsetTRelative(oc)
        ocv = b.EndVector()
        tflite.ModelStartSubgraphsVector(b, 1)
        b.PrependUOffsetTRelative(sg)
        sgv = b.EndVector()
        tflite.ModelStartBuffersVector(b, 2)
        for x in reversed(bufs):
            b.PrependUOffsetTRelative(x)
        bv = b.EndVector()
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, 3)
        tflite.ModelAddOperatorCodes(b, ocv)
        tflite.ModelAddSubgraphs(b, sgv)
        tflite.ModelAddBuffers(b, bv)
        b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
        head = bytes(b.Output())
        head_size = (len(head) + 15) // 16 * 16
    with open(path, "wb") as f:
        f.write(head.ljust(head_size, b"\0"))
        chunk = bytes(range(256)) * 4096  # 1 MiB of real (non-sparse) data
        remaining = rows * 4096
        while remaining:
            f.write(chunk[: min(len(chunk), remaining)])
            remaining -= min(len(chunk), remaining)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "model", nargs="?", help="model to inspect (default: a MobileNetV2 int8 from the corpus)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-big", action="store_true", help="skip the 1 GB model")
    args = parser.parse_args()
    model = args.model
    if model is None:
        corpus = corpus_dir()
        if corpus is None:
            print("no model given and no corpus found (TFLITE_CORPUS)", file=sys.stderr)
            return 2
        model = str(corpus / DEFAULT_MODEL)
    size = Path(model).stat().st_size
    rows = [
        measure("tflite-inspector inspect", [*ours(), "inspect", model], args.runs),
        measure("bare walk (tflite package)", [sys.executable, "-c", BARE_WALK, model], args.runs),
    ]
    tfpy = tf_python()
    if tfpy:
        rows.append(
            measure(
                "tf.lite.experimental.Analyzer",
                [tfpy, "-c", ANALYZER, model],
                max(1, min(args.runs, 3)),
            )
        )
    else:
        print("(Analyzer skipped: set TF_PYTHON to a Python with TensorFlow)")
    print_table(f"inspect {Path(model).name} ({size / 2**20:.1f} MiB)", rows)
    if not args.skip_big:
        with tempfile.TemporaryDirectory() as tmp:
            big = Path(tmp) / "big_1gb.tflite"
            write_big_model(big)
            rows = [measure("tflite-inspector inspect", [*ours(), "inspect", str(big)], 3)]
            print_table(
                f"inspect a model with 1 GB of constant data "
                f"({big.stat().st_size / 2**30:.2f} GiB file; target < 100 MiB)",
                rows,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
