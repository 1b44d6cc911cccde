"""Build the sample ``.tflite`` models bundled with tflite-inspector.

The models let the tool and its tests run without TensorFlow installed. Each
Keras model from ``sample_models.py`` is trained for one epoch on seeded
synthetic data (no dataset download) and converted with
tflite-inspector's converter front-end (``inspector.convert``, the code behind
``tflite-inspector convert``) in six variants:

* ``float32``      - no optimization
* ``dynamic``      - ``Optimize.DEFAULT``, no representative dataset
                     (dynamic-range int8 weights, float activations)
* ``float16``      - ``Optimize.DEFAULT`` + ``supported_types=[tf.float16]``
* ``int8_floatio`` - full integer (``TFLITE_BUILTINS_INT8``), float32 I/O
* ``int8``         - full integer with int8 input and output tensors
* ``int16x8``      - int16 activations / int8 weights
                     (``EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8``)

Output files are named ``<model>_<variant>.tflite``.

Usage::

    pip install tensorflow-cpu
    python samples/build_samples.py            # writes next to this script
    python samples/build_samples.py --out DIR  # writes into DIR
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.dont_write_bytecode = True  # keep samples/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the inspector package
import sample_models  # noqa: E402

SEED = 0
NUM_TRAIN = 512
NUM_CALIBRATION = 64
VARIANTS = ("float32", "dynamic", "float16", "int8_floatio", "int8", "int16x8")


def set_seeds(seed: int = SEED) -> None:
    random.seed(seed)
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def synthetic_data(
    input_shape: tuple[int, ...], n: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random images in [0, 1] with labels from a fixed random projection."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, *input_shape), dtype=np.float32)
    proj = rng.standard_normal((int(np.prod(input_shape)), 10)).astype(np.float32)
    y = np.argmax(x.reshape(n, -1) @ proj, axis=1).astype(np.int64)
    return x, y


def train(model: tf.keras.Model, seed: int) -> None:
    x, y = synthetic_data(model.input_shape[1:], NUM_TRAIN, seed)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)


# Each variant is a call to tflite-inspector's own converter front-end (inspector.convert),
# the same code path as `tflite-inspector convert SRC --quantize MODE ...`.
VARIANT_OPTIONS = {
    "float32": {"quantize": "none"},
    "dynamic": {"quantize": "dynamic"},
    "float16": {"quantize": "float16"},
    "int8_floatio": {"quantize": "int8", "io": "float"},
    "int8": {"quantize": "int8", "io": "int8"},
    "int16x8": {"quantize": "int16x8"},
}


def build(out_dir: Path) -> list[tuple[str, int]]:
    from inspector.convert import ConvertOptions, convert

    out_dir.mkdir(parents=True, exist_ok=True)
    built = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, (name, factory) in enumerate(sample_models.MODELS.items()):
            seed = SEED + 100 * index
            set_seeds(seed)
            model = factory(seed=seed)
            train(model, seed)
            source = Path(tmp) / f"{name}.keras"
            model.save(source)
            calib, _ = synthetic_data(model.input_shape[1:], NUM_CALIBRATION, seed + 1)
            calib_path = Path(tmp) / f"{name}_calibration.npy"
            np.save(calib_path, calib)
            for variant in VARIANTS:
                set_seeds(seed)
                options = ConvertOptions.build(
                    calibration=str(calib_path), **VARIANT_OPTIONS[variant]
                )
                result = convert(str(source), options)
                if not result.ok or result.tflite is None:
                    raise SystemExit(
                        f"{name} {variant}: " + "; ".join(f.message for f in result.findings)
                    )
                path = out_dir / f"{name}_{variant}.tflite"
                path.write_bytes(result.tflite)
                built.append((path.name, len(result.tflite)))
                print(f"built {path} ({len(result.tflite):,} bytes)", flush=True)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="output directory (default: the directory containing this script)",
    )
    args = parser.parse_args(argv)
    print(f"TensorFlow {tf.__version__}")
    built = build(args.out)
    print(f"\n{len(built)} models written to {args.out}:")
    for filename, size in built:
        print(f"  {filename:<32} {size:>9,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
