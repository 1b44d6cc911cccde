"""Plain typed objects for a parsed TFLite model.

Nothing here knows about flatbuffers: :mod:`inspector.parse` builds these objects and keeps the
file mapped, so constant data is only read (as a zero-copy numpy view) when someone asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inspector.dtypes import numpy_dtype


@dataclass(frozen=True)
class Issue:
    """A soft problem found while reading a model: kept, later reported as a lint finding."""

    code: str
    message: str
    subgraph: int | None = None
    op: int | None = None
    tensor: int | None = None


@dataclass(frozen=True, eq=False)
class Quantization:
    scale: np.ndarray  # float32, possibly empty
    zero_point: np.ndarray  # int64, possibly empty
    quantized_dimension: int = 0
    min: np.ndarray | None = None
    max: np.ndarray | None = None
    details: dict[str, Any] | None = None  # e.g. {"type": "BlockwiseQuantization", ...}

    @property
    def is_quantized(self) -> bool:
        """True when the tensor carries affine parameters (at least one scale)."""
        return self.scale.size > 0

    @property
    def per_channel(self) -> bool:
        return self.scale.size > 1


@dataclass(frozen=True)
class Buffer:
    index: int
    offset: int  # absolute byte offset in the file; 0 with size 0 for an empty buffer
    size: int
    external: bool = False  # stored after the flatbuffer (models over 2 GB)


@dataclass(frozen=True, eq=False)
class Tensor:
    index: int
    name: str
    dtype: str  # schema name: FLOAT32, INT8, ... or UNKNOWN_<code>
    dtype_code: int
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...] | None
    buffer: int
    quantization: Quantization | None
    is_variable: bool = False
    has_sparsity: bool = False
    has_rank: bool = False
    constant_bytes: int = 0  # bytes of constant data (0 for activations)

    @property
    def is_constant(self) -> bool:
        return self.constant_bytes > 0

    @property
    def is_dynamic(self) -> bool:
        """True when a dimension is only known at run time (-1 in shape_signature)."""
        return self.shape_signature is not None and any(d < 0 for d in self.shape_signature)

    @property
    def num_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= max(d, 0)
        return n

    @property
    def scale(self) -> np.ndarray:
        return self.quantization.scale if self.quantization else np.zeros(0, np.float32)

    @property
    def zero_point(self) -> np.ndarray:
        return self.quantization.zero_point if self.quantization else np.zeros(0, np.int64)

    @property
    def is_quantized(self) -> bool:
        return self.quantization is not None and self.quantization.is_quantized


@dataclass(frozen=True)
class OperatorCode:
    index: int
    builtin_code: int  # max(deprecated_builtin_code, builtin_code)
    name: str  # builtin name, custom code for CUSTOM, UNKNOWN_<code> if not in the schema
    custom_code: str | None
    version: int
    deprecated_builtin_code: int = 0


@dataclass(frozen=True, eq=False)
class Operator:
    index: int
    opcode_index: int
    opcode: str  # builtin name, or "CUSTOM"
    builtin_code: int
    custom_code: str | None
    version: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    intermediates: tuple[int, ...] = ()
    options_type: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    custom_options_size: int = 0
    called_subgraphs: tuple[int, ...] = ()  # WHILE/IF/CALL_ONCE/... bodies

    @property
    def name(self) -> str:
        """The op's display name: the custom code for custom ops."""
        return self.custom_code if self.opcode == "CUSTOM" and self.custom_code else self.opcode


@dataclass(frozen=True, eq=False)
class Subgraph:
    index: int
    name: str
    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]

    def tensor(self, index: int) -> Tensor | None:
        return self.tensors[index] if 0 <= index < len(self.tensors) else None


@dataclass(frozen=True)
class SignatureDef:
    key: str
    subgraph_index: int
    inputs: tuple[tuple[str, int], ...]  # (name, tensor index)
    outputs: tuple[tuple[str, int], ...]


@dataclass(frozen=True, eq=False)
class Metadata:
    name: str
    buffer: int
    size: int
    value: Any = None  # decoded where the entry is known (string, dict)


@dataclass(eq=False)
class Model:
    path: str
    file_size: int
    schema_version: int
    description: str
    operator_codes: tuple[OperatorCode, ...]
    subgraphs: tuple[Subgraph, ...]
    buffers: tuple[Buffer, ...]
    signatures: tuple[SignatureDef, ...]
    metadata: tuple[Metadata, ...]
    warnings: list[Issue]
    data: Any = field(repr=False, default=None)  # the mapped file (mmap or bytes)

    def buffer_bytes(self, index: int) -> memoryview:
        """The bytes of buffer ``index`` as a view into the mapped file (no copy)."""
        buf = self.buffers[index]
        return memoryview(self.data)[buf.offset : buf.offset + buf.size]

    def tensor_data(self, subgraph: int, tensor: int) -> np.ndarray | None:
        """The constant value of a tensor as a read-only numpy view, or None for activations."""
        t = self.subgraphs[subgraph].tensors[tensor]
        if not t.is_constant:
            return None
        buf = self.buffers[t.buffer]
        dt = numpy_dtype(t.dtype)
        if dt is None or t.has_sparsity:
            return np.frombuffer(self.data, np.uint8, count=buf.size, offset=buf.offset)
        count = buf.size // dt.itemsize
        arr = np.frombuffer(self.data, dt, count=count, offset=buf.offset)
        return arr.reshape(t.shape) if arr.size == t.num_elements else arr

    @property
    def main(self) -> Subgraph:
        return self.subgraphs[0]

    def metadata_value(self, name: str) -> Any:
        for m in self.metadata:
            if m.name == name:
                return m.value
        return None
