"""Keras model definitions for the bundled sample TFLite models.

Each function returns a fresh, *uncompiled* ``keras.Model``. They are shared by
``build_samples.py`` and are meant to be reused by converter front-ends, so keep
them small, deterministic (pass ``seed``) and free of side effects.
"""

from __future__ import annotations

import keras
from keras import layers


def mnist_mlp(seed: int = 0) -> keras.Model:
    """The MNIST MLP from the TFLite primer.

    Input(28, 28) -> Flatten -> Dense(128, relu) -> Dense(10, softmax).
    """
    init = keras.initializers.GlorotUniform
    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(128, activation="relu", kernel_initializer=init(seed), name="dense")(x)
    outputs = layers.Dense(
        10, activation="softmax", kernel_initializer=init(seed + 1), name="probs"
    )(x)
    return keras.Model(inputs, outputs, name="mnist_mlp")


def small_cnn(seed: int = 0) -> keras.Model:
    """A small CNN on 28x28x1 images.

    Conv2D(8, 3, relu) -> DepthwiseConv2D(3) -> MaxPool -> Conv2D(16, 3, stride 2, relu)
    -> GlobalAveragePooling -> Dense(10) -> softmax.
    """
    init = keras.initializers.GlorotUniform
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(8, 3, activation="relu", kernel_initializer=init(seed), name="conv1")(inputs)
    x = layers.DepthwiseConv2D(3, depthwise_initializer=init(seed + 1), name="dwconv")(x)
    x = layers.MaxPooling2D(name="pool")(x)
    x = layers.Conv2D(
        16,
        3,
        strides=2,
        activation="relu",
        kernel_initializer=init(seed + 2),
        name="conv2",
    )(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(10, kernel_initializer=init(seed + 3), name="logits")(x)
    outputs = layers.Softmax(name="probs")(x)
    return keras.Model(inputs, outputs, name="small_cnn")


MODELS = {
    "mnist_mlp": mnist_mlp,
    "small_cnn": small_cnn,
}
