"""Build the converter tests' source models (run in a subprocess: it imports TensorFlow).

    python build_sources.py OUT_DIR

Writes: mlp.keras, mlp_saved/ (SavedModel via Keras export), calib.npz (input "image", 16
samples), expected.npz (the Keras model's outputs on those samples), flex_saved/ (a SavedModel
whose MatrixDeterminant has no TFLite builtin), cnn.keras (NHWC image input) and images/
(six grey PNGs of another size, to calibrate it from a folder).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "samples"))
from sample_models import mnist_mlp, small_cnn  # noqa: E402


class _FlexModule(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32)])
    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return tf.nn.relu(x) + tf.linalg.det(tf.reshape(x, [2, 2]))


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    tf.keras.utils.set_random_seed(0)
    model = mnist_mlp()
    rng = np.random.default_rng(0)
    # Digit-like inputs: mostly zeros with bright strokes, so activations have real ranges.
    x = (rng.random((16, 28, 28)) > 0.8).astype(np.float32) * rng.random((16, 28, 28)).astype(
        np.float32
    )
    model.save(out / "mlp.keras")
    model.export(str(out / "mlp_saved"), verbose=False)
    np.savez(out / "calib.npz", image=x)
    np.savez(out / "expected.npz", probs=model.predict(x, verbose=0))
    tf.saved_model.save(_FlexModule(), str(out / "flex_saved"))
    small_cnn().save(out / "cnn.keras")  # one NHWC image input: calibrated from a folder
    images = out / "images"
    images.mkdir(exist_ok=True)
    for i in range(6):
        pixels = rng.integers(0, 256, (40, 36, 1), dtype=np.uint8)  # resized to 28x28
        tf.io.write_file(str(images / f"img{i}.png"), tf.io.encode_png(pixels))


if __name__ == "__main__":
    main()
