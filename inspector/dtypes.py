"""Tensor element types: schema names, sizes and numpy equivalents."""

from __future__ import annotations

import numpy as np

from inspector.schema_tables import TensorType

# bits per element; None where the size is not fixed (STRING, RESOURCE, VARIANT)
_BITS: dict[str, int | None] = {
    "FLOAT32": 32,
    "FLOAT16": 16,
    "INT32": 32,
    "UINT8": 8,
    "INT64": 64,
    "STRING": None,
    "BOOL": 8,
    "INT16": 16,
    "COMPLEX64": 64,
    "INT8": 8,
    "FLOAT64": 64,
    "COMPLEX128": 128,
    "UINT64": 64,
    "RESOURCE": None,
    "VARIANT": None,
    "UINT32": 32,
    "UINT16": 16,
    "INT4": 4,
    "BFLOAT16": 16,
    "INT2": 2,
    "UINT4": 4,
    "FLOAT8_E4M3FN": 8,
    "FLOAT8_E5M2": 8,
}

_NUMPY: dict[str, str] = {
    "FLOAT32": "<f4",
    "FLOAT16": "<f2",
    "INT32": "<i4",
    "UINT8": "u1",
    "INT64": "<i8",
    "BOOL": "?",
    "INT16": "<i2",
    "COMPLEX64": "<c8",
    "INT8": "i1",
    "FLOAT64": "<f8",
    "COMPLEX128": "<c16",
    "UINT64": "<u8",
    "UINT32": "<u4",
    "UINT16": "<u2",
}

FLOAT_TYPES = frozenset(
    {"FLOAT32", "FLOAT16", "BFLOAT16", "FLOAT64", "FLOAT8_E4M3FN", "FLOAT8_E5M2"}
)
INTEGER_QUANT_TYPES = frozenset({"INT8", "UINT8", "INT16", "INT4", "UINT4", "INT2"})


def dtype_name(code: int) -> str:
    """Schema name of a TensorType code; ``UNKNOWN_<code>`` for codes the schema does not know."""
    return TensorType.get(code, f"UNKNOWN_{code}")


def is_known(name: str) -> bool:
    return not name.startswith("UNKNOWN_")


def bits(name: str) -> int | None:
    return _BITS.get(name)


def packed_bytes(name: str, elements: int) -> int | None:
    """Bytes needed to store ``elements`` values of this type (sub-byte types are packed)."""
    b = _BITS.get(name)
    if b is None:
        return None
    return (elements * b + 7) // 8


def numpy_dtype(name: str) -> np.dtype | None:
    code = _NUMPY.get(name)
    return np.dtype(code) if code else None
