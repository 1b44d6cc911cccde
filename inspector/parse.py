"""Read a ``.tflite`` file into :mod:`inspector.model` objects.

The only module that touches the flatbuffer (through the ``tflite`` package's generated
accessors). The file is memory-mapped; constant data is never copied, only located.

Every offset, length and index the parser follows is checked against the file before it is
used, so a truncated, hostile or future-version file raises one :class:`ModelFormatError`
naming the file and the object where reading stopped, and never loops over a bogus length.
Problems the runtime tolerates are kept as :class:`~inspector.model.Issue` warnings.
"""

from __future__ import annotations

import mmap
import os
import re
import struct
from functools import cache
from typing import Any

import numpy as np
import tflite
from flatbuffers import number_types as N
from flatbuffers.table import Table

from inspector import dtypes
from inspector.errors import ModelFormatError
from inspector.model import (
    Buffer,
    Issue,
    Metadata,
    Model,
    Operator,
    OperatorCode,
    Quantization,
    SignatureDef,
    Subgraph,
    Tensor,
)
from inspector.schema_tables import (
    ActivationFunctionType,
    BuiltinOperator,
    BuiltinOptions,
    BuiltinOptions2,
    CombinerType,
    FullyConnectedOptionsWeightsFormat,
    LSHProjectionType,
    LSTMKernelType,
    MirrorPadMode,
    Padding,
    QuantizationDetails,
    ReduceWindowFunction,
    RngAlgorithm,
)

IDENTIFIER = b"TFL3"
SUPPORTED_SCHEMA_VERSION = 3
MAX_NAME_BYTES = 1 << 20  # a name longer than 1 MiB is cut (and reported), never read whole
MAX_RANK = 64  # the runtime has no hard limit; no real model comes near this

# Enum-valued option fields, decoded to their schema names.
_OPTION_ENUMS: dict[str, dict[int, str]] = {
    "fused_activation_function": ActivationFunctionType,
    "activation": ActivationFunctionType,
    "padding": Padding,
    "weights_format": FullyConnectedOptionsWeightsFormat,
    "combiner": CombinerType,
    "kernel_type": LSTMKernelType,
    "algorithm": RngAlgorithm,
    "reduce_function": ReduceWindowFunction,
}
_OPTION_ENUMS_BY_TABLE: dict[tuple[str, str], dict[int, str]] = {
    ("MirrorPadOptions", "mode"): MirrorPadMode,
    ("LSHProjectionOptions", "type"): LSHProjectionType,
}

# Slots (vtable offsets) of fields read without the generated accessors: strings are read
# through a bounded reader, and fields newer than the ``tflite`` package are read directly.
_SLOT_MODEL_DESCRIPTION = 10
_SLOT_SUBGRAPH_NAME = 12
_SLOT_TENSOR_NAME = 10
_SLOT_TENSOR_EXTERNAL_BUFFER = 26
_SLOT_OPCODE_DEPRECATED_CODE = 4
_SLOT_OPCODE_CUSTOM_CODE = 6
_SLOT_OPCODE_BUILTIN_CODE = 10
_SLOT_METADATA_NAME = 4
_SLOT_SIGNATURE_KEY = 8
_SLOT_TENSORMAP_NAME = 4
_SLOT_BUFFER_DATA = 4


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@cache
def _option_fields(class_name: str) -> tuple[tuple[str, str, bool], ...] | None:
    """(method, json_key, is_vector) for every field of a generated options table."""
    cls = getattr(tflite, class_name, None)
    if cls is None or not isinstance(cls, type):
        return None
    methods = {m for m in vars(cls) if not m.startswith("_") and callable(getattr(cls, m))}
    fields = []
    for m in sorted(methods):
        if (
            m in {"Init"}
            or m.startswith("GetRootAs")
            or m.endswith(("BufferHasIdentifier", "AsNumpy", "Length", "IsNone"))
        ):
            continue
        if m + "Type" in methods:  # union value accessor; its type is read instead
            continue
        fields.append((m, _snake(m), m + "Length" in methods))
    return tuple(fields)


class _Reader:
    def __init__(self, data: Any, path: str) -> None:
        self.data = data
        self.size = len(data)
        self.path = path
        self.where = "file header"
        self.warnings: list[Issue] = []

    # -- low-level bounded reads -------------------------------------------------------
    def fail(self, message: str) -> ModelFormatError:
        return ModelFormatError(f"{self.path}: {self.where}: {message}")

    def count(self, n: int, what: str, elem_size: int = 4) -> int:
        """Check a vector length against the file before anything loops over it."""
        if n < 0 or n * elem_size > self.size:
            raise self.fail(f"{what} claims {n} entries, more than the file can hold")
        return n

    def numpy(self, value: Any, what: str) -> np.ndarray:
        """Normalise a generated ``...AsNumpy()`` result (0 when the field is absent)."""
        if isinstance(value, int):
            return np.zeros(0, np.int32)
        return value

    def string(self, tab: Table, slot: int, what: str) -> str:
        o = tab.Offset(slot)
        if o == 0:
            return ""
        start = o + tab.Pos
        start = start + tab.Get(N.UOffsetTFlags, start)
        if start < 0 or start + 4 > self.size:
            raise self.fail(f"{what} string points outside the file")
        length = tab.Get(N.UOffsetTFlags, start)
        if start + 4 + length > self.size:
            raise self.fail(f"{what} string of {length} bytes runs past the end of the file")
        if length > MAX_NAME_BYTES:
            self.warn("TFL005", f"{what} is {length} bytes long; only the first 1 MiB is read")
            length = MAX_NAME_BYTES
        raw = bytes(memoryview(self.data)[start + 4 : start + 4 + length])
        return raw.decode("utf-8", errors="replace")

    def slot_int(self, tab: Table, slot: int, flags: Any, default: int = 0) -> int:
        o = tab.Offset(slot)
        return default if o == 0 else int(tab.Get(flags, o + tab.Pos))

    def warn(self, code: str, message: str, **where: Any) -> None:
        self.warnings.append(Issue(code, message, **where))

    # -- model ---------------------------------------------------------------------------
    def model(self) -> Model:
        if self.size < 8:
            raise self.fail(f"file is {self.size} bytes, too short to be a TFLite model")
        root = struct.unpack_from("<I", self.data, 0)[0]
        ident = bytes(self.data[4:8])
        if ident != IDENTIFIER:
            if ident.startswith(b"vers") or bytes(self.data[:7]) == b"version":
                raise self.fail("this is a Git LFS pointer, not the model: run `git lfs pull`")
            raise self.fail(
                f"not a TFLite flatbuffer (file identifier {ident!r}, expected {IDENTIFIER!r})"
            )
        if root + 4 > self.size:
            raise self.fail("root table offset points outside the file")
        m = tflite.Model.GetRootAs(self.data, 0)
        self.where = "model"
        version = m.Version()
        if version != SUPPORTED_SCHEMA_VERSION:
            raise self.fail(
                f"schema version {version} is not supported (TFLite runtimes read version "
                f"{SUPPORTED_SCHEMA_VERSION})"
            )
        description = self.string(m._tab, _SLOT_MODEL_DESCRIPTION, "description")

        self.where = "buffers"
        buffers = tuple(self.buffer(m, i) for i in range(self.count(m.BuffersLength(), "buffers")))

        opcodes = tuple(
            self.opcode(m, i) for i in range(self.count(m.OperatorCodesLength(), "operator_codes"))
        )

        self.where = "model"
        n_sub = self.count(m.SubgraphsLength(), "subgraphs")
        if n_sub == 0:
            raise self.fail("the model has no subgraph")
        subgraphs = tuple(self.subgraph(m, i, opcodes, buffers, n_sub) for i in range(n_sub))

        signatures = tuple(
            self.signature(m, i, subgraphs)
            for i in range(self.count(m.SignatureDefsLength(), "signature_defs"))
        )
        metadata = tuple(
            self.metadata(m, i, buffers) for i in range(self.count(m.MetadataLength(), "metadata"))
        )
        self.where = "model"
        return Model(
            path=self.path,
            file_size=self.size,
            schema_version=version,
            description=description,
            operator_codes=opcodes,
            subgraphs=subgraphs,
            buffers=buffers,
            signatures=signatures,
            metadata=metadata,
            warnings=self.warnings,
            data=self.data,
        )

    def buffer(self, m: Any, i: int) -> Buffer:
        self.where = f"buffers[{i}]"
        b = m.Buffers(i)
        if b is None:
            return Buffer(i, 0, 0)
        tab = b._tab
        o = tab.Offset(_SLOT_BUFFER_DATA)
        if o:
            start = tab.Vector(o)
            n = tab.VectorLen(o)
            if start < 0 or start + n > self.size:
                raise self.fail(f"data of {n} bytes runs past the end of the file")
            if n:
                return Buffer(i, start, n)
        offset, size = int(b.Offset()), int(b.Size())
        if offset > 1:
            if offset + size > self.size:
                raise self.fail(
                    f"external data at offset {offset} + {size} bytes lies past the end of the "
                    f"file ({self.size} bytes)"
                )
            return Buffer(i, offset, size, external=True)
        return Buffer(i, 0, 0)

    def opcode(self, m: Any, i: int) -> OperatorCode:
        self.where = f"operator_codes[{i}]"
        oc = m.OperatorCodes(i)
        # Raw slots: the tflite package's BuiltinCode() returns the deprecated field for
        # every code below 127, which misreads files that only set builtin_code.
        deprecated = self.slot_int(oc._tab, _SLOT_OPCODE_DEPRECATED_CODE, N.Int8Flags)
        builtin = self.slot_int(oc._tab, _SLOT_OPCODE_BUILTIN_CODE, N.Int32Flags)
        code = max(deprecated, builtin)
        custom = self.string(oc._tab, _SLOT_OPCODE_CUSTOM_CODE, "custom_code") or None
        name = BuiltinOperator.get(code)
        if name is None:
            name = f"UNKNOWN_{code}"
            self.warn(
                "TFL001",
                f"operator code {i} uses builtin code {code}, unknown to the schema "
                "(an op of a newer runtime?)",
            )
        elif name != "CUSTOM" and custom:
            self.warn(
                "TFL002",
                f"operator code {i} is builtin {name} but also names custom code {custom!r}; "
                "the runtime uses the builtin",
            )
        if deprecated != builtin and deprecated != 127 and min(deprecated, builtin) != 0:
            self.warn(
                "TFL002",
                f"operator code {i}: deprecated_builtin_code {deprecated} and builtin_code "
                f"{builtin} disagree; using {code}",
            )
        version = int(oc.Version())
        return OperatorCode(i, code, name, custom, version, deprecated)

    # -- subgraphs -----------------------------------------------------------------------
    def subgraph(
        self,
        m: Any,
        si: int,
        opcodes: tuple[OperatorCode, ...],
        buffers: tuple[Buffer, ...],
        n_sub: int,
    ) -> Subgraph:
        self.where = f"subgraphs[{si}]"
        sg = m.Subgraphs(si)
        name = self.string(sg._tab, _SLOT_SUBGRAPH_NAME, "name")
        n_tensors = self.count(sg.TensorsLength(), "tensors")
        tensors = tuple(self.tensor(sg, si, ti, buffers, n_tensors) for ti in range(n_tensors))
        self.where = f"subgraphs[{si}]"
        inputs = self.indices(sg.InputsAsNumpy(), n_tensors, "inputs", optional=False)
        outputs = self.indices(sg.OutputsAsNumpy(), n_tensors, "outputs", optional=False)
        n_ops = self.count(sg.OperatorsLength(), "operators")
        operators = tuple(
            self.operator(sg, si, oi, opcodes, n_tensors, n_sub) for oi in range(n_ops)
        )
        return Subgraph(si, name, tensors, operators, inputs, outputs)

    def indices(self, arr: Any, n: int, what: str, optional: bool) -> tuple[int, ...]:
        arr = self.numpy(arr, what)
        lo = -1 if optional else 0
        if arr.size and (int(arr.min()) < lo or int(arr.max()) >= n):
            bad = next(int(v) for v in arr if not lo <= int(v) < n)
            raise self.fail(f"{what} refers to tensor {bad}, but the subgraph has {n} tensors")
        return tuple(int(v) for v in arr)

    def tensor(
        self, sg: Any, si: int, ti: int, buffers: tuple[Buffer, ...], n_tensors: int
    ) -> Tensor:
        self.where = f"subgraphs[{si}].tensors[{ti}]"
        t = sg.Tensors(ti)
        tab = t._tab
        name = self.string(tab, _SLOT_TENSOR_NAME, "name")
        shape_arr = self.numpy(t.ShapeAsNumpy(), "shape")
        if shape_arr.size > MAX_RANK:
            raise self.fail(f"shape has rank {shape_arr.size}")
        shape = tuple(int(d) for d in shape_arr)
        sig_arr = t.ShapeSignatureAsNumpy()
        # An empty signature means "same as shape", as the runtime reads it.
        shape_signature = (
            tuple(int(d) for d in sig_arr)
            if not isinstance(sig_arr, int) and sig_arr.size
            else None
        )
        if shape_signature is not None and len(shape_signature) > MAX_RANK:
            raise self.fail(f"shape_signature has rank {len(shape_signature)}")
        code = int(t.Type())
        dtype = dtypes.dtype_name(code)
        if not dtypes.is_known(dtype):
            self.warn(
                "TFL003",
                f"tensor {name!r} has element type {code}, unknown to the schema",
                subgraph=si,
                tensor=ti,
            )
        buf_index = int(t.Buffer())
        if buf_index and buf_index >= len(buffers):  # buffer 0 is never looked up
            raise self.fail(f"buffer {buf_index} is out of range ({len(buffers)} buffers)")
        quant = self.quantization(t, shape, n_tensors)
        has_sparsity = t.Sparsity() is not None
        external = self.slot_int(tab, _SLOT_TENSOR_EXTERNAL_BUFFER, N.Uint32Flags)
        if external:
            self.warn(
                "TFL004",
                f"tensor {name!r} refers to external buffer {external}, kept outside the file",
                subgraph=si,
                tensor=ti,
            )
        constant_bytes = buffers[buf_index].size if buf_index else 0
        if any(d < 0 for d in shape):  # the runtime's BytesRequired refuses these
            raise self.fail(f"tensor {name!r} has a negative dimension in shape {list(shape)}")
        n_elements = 1
        for d in shape:
            n_elements *= max(d, 0)
        if n_elements > 1 << 62:
            raise self.fail(f"shape {list(shape)} overflows the element count")
        if constant_bytes and not has_sparsity:
            need = dtypes.packed_bytes(dtype, n_elements)
            if need is not None and need != constant_bytes:
                unpacked = dtypes.bits(dtype)
                if not (unpacked and unpacked < 8 and constant_bytes == n_elements):
                    raise self.fail(
                        f"constant tensor {name!r} ({dtype}{list(shape)}) needs {need} bytes "
                        f"but buffer {buf_index} holds {constant_bytes}"
                    )
        return Tensor(
            index=ti,
            name=name,
            dtype=dtype,
            dtype_code=code,
            shape=shape,
            shape_signature=shape_signature,
            buffer=buf_index,
            quantization=quant,
            is_variable=bool(t.IsVariable()),
            has_sparsity=has_sparsity,
            has_rank=bool(t.HasRank()),
            constant_bytes=constant_bytes,
        )

    def quantization(self, t: Any, shape: tuple[int, ...], n_tensors: int) -> Quantization | None:
        q = t.Quantization()
        if q is None:
            return None
        scale = self.numpy(q.ScaleAsNumpy(), "scale").astype(np.float32, copy=False)
        zero_point = self.numpy(q.ZeroPointAsNumpy(), "zero_point").astype(np.int64, copy=False)
        qmin = q.MinAsNumpy()
        qmax = q.MaxAsNumpy()
        qdim = int(q.QuantizedDimension())
        details = self.quant_details(q, n_tensors)
        if details is None and scale.size:
            # The checks InterpreterBuilder::ParseQuantization makes before it loads a model.
            if zero_point.size != scale.size:
                raise self.fail(
                    f"quantization has {scale.size} scales but {zero_point.size} zero points"
                )
            if qdim < 0 or (shape and qdim >= len(shape)):
                raise self.fail(f"quantized_dimension must be in [0, {len(shape)}), was {qdim}")
            if scale.size != 1 and shape and scale.size != shape[qdim]:
                raise self.fail(
                    f"{scale.size} scales for a dimension of size {shape[qdim]} "
                    "(must be 1 or the size of the quantized dimension)"
                )
        return Quantization(
            scale=scale,
            zero_point=zero_point,
            quantized_dimension=qdim,
            min=None if isinstance(qmin, int) else qmin,
            max=None if isinstance(qmax, int) else qmax,
            details=details,
        )

    def quant_details(self, q: Any, n_tensors: int) -> dict[str, Any] | None:
        kind = int(q.DetailsType())
        if kind == 0:
            return None
        name = QuantizationDetails.get(kind, f"UNKNOWN_{kind}")
        table = q.Details()
        out: dict[str, Any] = {"type": name}
        if table is None:
            raise self.fail(f"quantization details of type {name} are missing")
        if name in ("BlockwiseQuantization", "MultiAxisQuantization"):
            out["scales"] = self.slot_int(table, 4, N.Int32Flags)
            out["zero_points"] = self.slot_int(table, 6, N.Int32Flags, -1)
            out["block_size"] = self.slot_int(table, 8, N.Int32Flags)
            if not 0 <= out["scales"] < n_tensors:
                raise self.fail(f"{name} scales tensor {out['scales']} is out of range")
            if not -1 <= out["zero_points"] < n_tensors:
                raise self.fail(f"{name} zero_points tensor {out['zero_points']} is out of range")
        elif name == "CustomQuantization":
            o = table.Offset(4)
            out["custom_bytes"] = int(table.VectorLen(o)) if o else 0
        return out

    def operator(
        self,
        sg: Any,
        si: int,
        oi: int,
        opcodes: tuple[OperatorCode, ...],
        n_tensors: int,
        n_sub: int,
    ) -> Operator:
        self.where = f"subgraphs[{si}].operators[{oi}]"
        op = sg.Operators(oi)
        idx = int(op.OpcodeIndex())
        if idx >= len(opcodes):
            raise self.fail(f"opcode_index {idx} is out of range ({len(opcodes)} operator codes)")
        oc = opcodes[idx]
        inputs = self.indices(op.InputsAsNumpy(), n_tensors, "inputs", optional=True)
        outputs = self.indices(op.OutputsAsNumpy(), n_tensors, "outputs", optional=True)
        intermediates = self.indices(
            op.IntermediatesAsNumpy(), n_tensors, "intermediates", optional=True
        )
        options_type, options = self.options(op)
        called = tuple(
            int(v)
            for k, v in sorted(options.items())
            if k.endswith("subgraph_index") and isinstance(v, int)
        ) + tuple(
            int(x)
            for k, v in sorted(options.items())
            if k.endswith("subgraph_indices") and isinstance(v, list)
            for x in v
        )
        for s in called:
            if not 0 <= s < n_sub:
                raise self.fail(
                    f"{oc.name} calls subgraph {s}, but the model has {n_sub} subgraphs"
                )
        custom_size = int(op.CustomOptionsLength()) if not op.CustomOptionsIsNone() else 0
        large_offset = int(op.LargeCustomOptionsOffset())
        if large_offset > 1:
            large_size = int(op.LargeCustomOptionsSize())
            if large_offset + large_size > self.size:
                raise self.fail("large custom options lie past the end of the file")
            custom_size = large_size
        self.count(custom_size, "custom_options", 1)
        return Operator(
            index=oi,
            opcode_index=idx,
            opcode=oc.name,
            builtin_code=oc.builtin_code,
            custom_code=oc.custom_code,
            version=oc.version,
            inputs=inputs,
            outputs=outputs,
            intermediates=intermediates,
            options_type=options_type,
            options=options,
            custom_options_size=custom_size,
            called_subgraphs=called,
        )

    def options(self, op: Any) -> tuple[str | None, dict[str, Any]]:
        kind = int(op.BuiltinOptionsType())
        table_names = BuiltinOptions
        table = op.BuiltinOptions()
        if kind == 0:
            kind = int(op.BuiltinOptions2Type())
            table_names = BuiltinOptions2
            table = op.BuiltinOptions2()
        if kind == 0:
            return None, {}
        name = table_names.get(kind, f"UNKNOWN_{kind}")
        fields = _option_fields(name)
        if table is None:
            return name, {}
        if fields is None:
            self.warn(
                "TFL006", f"options table {name} is unknown to the tflite package; not decoded"
            )
            return name, {}
        obj = getattr(tflite, name)()
        obj.Init(table.Bytes, table.Pos)
        out: dict[str, Any] = {}
        for method, key, is_vector in fields:
            if is_vector:
                arr = getattr(obj, method + "AsNumpy", None)
                if arr is None:
                    continue
                vector = self.numpy(arr(), key)
                out[key] = [v.item() for v in vector[:4096]]
                continue
            value: Any = getattr(obj, method)()
            if isinstance(value, bytes):
                value = value[:MAX_NAME_BYTES].decode("utf-8", errors="replace")
            elif isinstance(value, (bool, np.bool_)):
                value = bool(value)
            elif isinstance(value, (int, np.integer)):
                enum = _OPTION_ENUMS_BY_TABLE.get((name, key)) or _OPTION_ENUMS.get(key)
                value = enum.get(int(value), int(value)) if enum else int(value)
            elif isinstance(value, (float, np.floating)):
                value = float(value)
            elif value is None:
                continue
            else:  # nested table: not needed by any analysis
                continue
            out[key] = value
        return name, out

    # -- signatures and metadata ---------------------------------------------------------
    def signature(self, m: Any, i: int, subgraphs: tuple[Subgraph, ...]) -> SignatureDef:
        self.where = f"signature_defs[{i}]"
        s = m.SignatureDefs(i)
        key = self.string(s._tab, _SLOT_SIGNATURE_KEY, "signature_key")
        sub = int(s.SubgraphIndex())
        if sub >= len(subgraphs):
            raise self.fail(f"subgraph_index {sub} is out of range ({len(subgraphs)} subgraphs)")
        n_tensors = len(subgraphs[sub].tensors)

        def maps(n: int, get: Any, what: str) -> tuple[tuple[str, int], ...]:
            out = []
            for j in range(self.count(n, what)):
                tm = get(j)
                name = self.string(tm._tab, _SLOT_TENSORMAP_NAME, f"{what}[{j}].name")
                idx = int(tm.TensorIndex())
                if idx >= n_tensors:
                    raise self.fail(f"{what}[{j}] refers to tensor {idx} of {n_tensors}")
                out.append((name, idx))
            return tuple(out)

        inputs = maps(s.InputsLength(), s.Inputs, "inputs")
        outputs = maps(s.OutputsLength(), s.Outputs, "outputs")
        return SignatureDef(key, sub, inputs, outputs)

    def metadata(self, m: Any, i: int, buffers: tuple[Buffer, ...]) -> Metadata:
        self.where = f"metadata[{i}]"
        md = m.Metadata(i)
        name = self.string(md._tab, _SLOT_METADATA_NAME, "name")
        b = int(md.Buffer())
        if b >= len(buffers):
            raise self.fail(f"buffer {b} is out of range ({len(buffers)} buffers)")
        buf = buffers[b]
        value: Any = None
        try:
            value = decode_metadata(name, memoryview(self.data)[buf.offset : buf.offset + buf.size])
        except Exception as exc:  # a broken metadata entry must not hide the model
            self.warn("TFL007", f"metadata {name!r} could not be decoded: {exc}")
        return Metadata(name, b, buf.size, value)


# -- metadata decoders ---------------------------------------------------------------------
_MODEL_TYPES = {
    0: "NONE",
    1: "TF_SAVED_MODEL",
    2: "KERAS_MODEL",
    3: "TF_CONCRETE_FUNCTIONS",
    4: "TF_GRAPH_DEF",
    5: "TF_SESSION",
    6: "JAX",
    7: "PYTORCH",
}
_OPTIMIZATION_MODES = {
    1001: "PTQ_FLOAT16",
    1002: "PTQ_DYNAMIC_RANGE",
    1003: "PTQ_FULL_INTEGER",
    1004: "PTQ_INT16",
    2000: "QUANTIZATION_AWARE_TRAINING",
    3001: "RANDOM_SPARSITY",
    3002: "BLOCK_SPARSITY",
    3003: "STRUCTURED_SPARSITY",
}


def _root(data: memoryview) -> Table:
    if len(data) < 8:
        raise ValueError("too short")
    pos = struct.unpack_from("<I", data, 0)[0]
    if pos + 4 > len(data):
        raise ValueError("root offset outside the entry")
    return Table(data, pos)


def _tstr(tab: Table, slot: int) -> str | None:
    o = tab.Offset(slot)
    if not o:
        return None
    s = tab.String(o + tab.Pos)
    return s.decode("utf-8", errors="replace")[:4096]


def _subtable(tab: Table, slot: int) -> Table | None:
    o = tab.Offset(slot)
    return Table(tab.Bytes, tab.Indirect(o + tab.Pos)) if o else None


def decode_metadata(name: str, data: memoryview) -> Any:
    """Decode the metadata entries whose format is public; others stay None."""
    if name == "min_runtime_version":
        return bytes(data).split(b"\0", 1)[0].decode("ascii", errors="replace")
    if name == "CONVERSION_METADATA":
        root = _root(data)
        out: dict[str, Any] = {}
        env = _subtable(root, 4)
        if env is not None:
            out["tensorflow_version"] = _tstr(env, 4)
            o = env.Offset(6)
            out["api_version"] = env.Get(N.Uint32Flags, o + env.Pos) if o else 0
            o = env.Offset(8)
            mt = env.Get(N.Int32Flags, o + env.Pos) if o else 0
            out["model_type"] = _MODEL_TYPES.get(mt, str(mt))
        opts = _subtable(root, 6)
        if opts is not None:
            o = opts.Offset(4)
            modes = []
            if o:
                n = opts.VectorLen(o)
                if n > 64:
                    raise ValueError("too many optimization modes")
                start = opts.Vector(o)
                for j in range(n):
                    v = opts.Get(N.Int32Flags, start + 4 * j)
                    modes.append(_OPTIMIZATION_MODES.get(v, str(v)))
            out["optimization_modes"] = modes
            for slot, key in ((6, "allow_custom_ops"), (8, "enable_select_tf_ops")):
                o = opts.Offset(slot)
                out[key] = bool(opts.Get(N.BoolFlags, o + opts.Pos)) if o else False
        return out
    if name == "TFLITE_METADATA":
        root = _root(data)
        fields = {
            "name": 4,
            "description": 6,
            "version": 8,
            "author": 12,
            "license": 14,
            "min_parser_version": 18,
        }
        return {k: v for k, slot in fields.items() if (v := _tstr(root, slot)) is not None}
    return None


# -- entry points --------------------------------------------------------------------------
def parse_bytes(data: Any, path: str = "<bytes>") -> Model:
    """Parse an in-memory model (bytes, bytearray, memoryview or mmap)."""
    reader = _Reader(data, path)
    try:
        return reader.model()
    except ModelFormatError:
        raise
    except RecursionError as exc:
        raise reader.fail("nesting too deep") from exc
    except MemoryError as exc:
        raise reader.fail("ran out of memory (a length field is probably corrupt)") from exc
    except Exception as exc:  # a bad offset surfaces as struct/index/value errors
        detail = str(exc) or type(exc).__name__
        raise reader.fail(f"corrupt flatbuffer ({detail})") from exc


def load(path: str | os.PathLike[str]) -> Model:
    """Map a ``.tflite`` file and parse it; raise :class:`ModelFormatError` on any failure."""
    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise ModelFormatError(f"{p}: the file is empty")
            data: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except IsADirectoryError:
        raise ModelFormatError(f"{p}: is a directory, not a model file") from None
    except FileNotFoundError:
        raise ModelFormatError(f"{p}: no such file") from None
    except PermissionError:
        raise ModelFormatError(f"{p}: permission denied") from None
    except OSError as exc:
        raise ModelFormatError(f"{p}: cannot read ({exc.strerror or exc})") from None
    return parse_bytes(data, p)
