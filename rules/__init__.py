"""Target profiles and rule metadata (data files), shipped as ``inspector.rules``."""
