"""tflite-inspector: what a TFLite / LiteRT model will do on each delegate, before it ships."""

__version__ = "0.1.0"
