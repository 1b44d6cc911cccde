"""Build small .tflite models in memory, for tests that need one precise op or defect.

m = ModelBuilder()
x = m.tensor("x", "FLOAT32", [1, 8, 8, 3], input=True)
w = m.tensor("w", "FLOAT32", [4, 3, 3, 3], data=np.ones((4, 3, 3, 3), np.float32))
y = m.tensor("y", "FLOAT32", [1, 6, 6, 4], output=True)
m.op("CONV_2D", [x, w, -1], [y], options=("Conv2DOptions", {"stride_w": 1, ...}))
data = m.build()  # bytes of a valid flatbuffer
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flatbuffers
import numpy as np
import tflite

from inspector.schema_tables import BuiltinOperator, BuiltinOptions, TensorType

_CODES = {v: k for k, v in BuiltinOperator.items()}
_TYPES = {v: k for k, v in TensorType.items()}
_OPTIONS = {v: k for k, v in BuiltinOptions.items()}


@dataclass
class _Tensor:
    name: str
    dtype: int
    shape: list[int]
    buffer: int
    scale: list[float] | None = None
    zero_point: list[int] | None = None
    quantized_dimension: int = 0
    shape_signature: list[int] | None = None
    is_variable: bool = False


@dataclass
class _Op:
    opcode: int
    inputs: list[int]
    outputs: list[int]
    options: tuple[str, dict[str, Any]] | None = None


@dataclass
class _Subgraph:
    tensors: list[_Tensor] = field(default_factory=list)
    ops: list[_Op] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    name: str = ""


class ModelBuilder:
    def __init__(self, description: str = "built by tests", version: int = 3) -> None:
        self.version = version
        self.description = description
        self.buffers: list[bytes] = [b""]
        self.opcodes: list[tuple[int, str | None, int]] = []  # (code, custom, version)
        self.subgraphs = [_Subgraph(name="main")]
        self.metadata: list[tuple[str, int]] = []

    @property
    def sg(self) -> _Subgraph:
        return self.subgraphs[-1]

    def add_subgraph(self, name: str = "") -> int:
        self.subgraphs.append(_Subgraph(name=name))
        return len(self.subgraphs) - 1

    def buffer(self, data: bytes) -> int:
        self.buffers.append(data)
        return len(self.buffers) - 1

    def tensor(
        self,
        name: str,
        dtype: str | int,
        shape: list[int],
        *,
        data: np.ndarray | bytes | None = None,
        scale: list[float] | float | None = None,
        zero_point: list[int] | int | None = None,
        quantized_dimension: int = 0,
        shape_signature: list[int] | None = None,
        input: bool = False,
        output: bool = False,
        is_variable: bool = False,
    ) -> int:
        code = _TYPES[dtype] if isinstance(dtype, str) else dtype
        buf = 0
        if data is not None:
            raw = data.tobytes() if isinstance(data, np.ndarray) else data
            buf = self.buffer(raw)
        if isinstance(scale, (int, float)):
            scale = [float(scale)]
        if isinstance(zero_point, int):
            zero_point = [zero_point]
        if scale is not None and zero_point is None:
            zero_point = [0] * len(scale)
        t = _Tensor(
            name,
            code,
            list(shape),
            buf,
            scale,
            zero_point,
            quantized_dimension,
            shape_signature,
            is_variable,
        )
        self.sg.tensors.append(t)
        index = len(self.sg.tensors) - 1
        if input:
            self.sg.inputs.append(index)
        if output:
            self.sg.outputs.append(index)
        return index

    def opcode(self, name: str | int, version: int = 1, custom: str | None = None) -> int:
        code = _CODES[name] if isinstance(name, str) else name
        key = (code, custom, version)
        if key not in self.opcodes:
            self.opcodes.append(key)
        return self.opcodes.index(key)

    def op(
        self,
        name: str | int,
        inputs: list[int],
        outputs: list[int],
        *,
        options: tuple[str, dict[str, Any]] | None = None,
        version: int = 1,
        custom: str | None = None,
    ) -> int:
        idx = self.opcode(name, version, custom)
        self.sg.ops.append(_Op(idx, list(inputs), list(outputs), options))
        return len(self.sg.ops) - 1

    def chain(
        self,
        start: int,
        ops: list[str],
        dtype: str,
        shape: list[int],
        *,
        prefix: str = "t",
        versions: dict[str, int] | None = None,
        **tensor_kwargs: Any,
    ) -> int:
        """One-input ops in a row after tensor ``start``, each writing a fresh tensor of
        ``dtype``/``shape`` (named ``<prefix>1``...); the last one is a subgraph output.
        Returns the last tensor (``start`` when ``ops`` is empty)."""
        t = start
        for i, name in enumerate(ops):
            nxt = self.tensor(f"{prefix}{i + 1}", dtype, shape, output=i == len(ops) - 1,
                              **tensor_kwargs)  # fmt: skip
            self.op(name, [t], [nxt], version=(versions or {}).get(name, 1))
            t = nxt
        return t

    def add_metadata(self, name: str, data: bytes) -> None:
        self.metadata.append((name, self.buffer(data)))

    # -- serialisation ---------------------------------------------------------------------
    def build(self) -> bytes:
        b = flatbuffers.Builder(1024)

        def ivec(start: Any, values: list[int], kind: str = "Int32") -> int:
            start(b, len(values))
            for v in reversed(values):
                getattr(b, f"Prepend{kind}")(v)
            return b.EndVector()

        def tvec(start: Any, offsets: list[int]) -> int:
            start(b, len(offsets))
            for o in reversed(offsets):
                b.PrependUOffsetTRelative(o)
            return b.EndVector()

        buffers = []
        for data in self.buffers:
            data_off = b.CreateByteVector(data) if data else None
            tflite.BufferStart(b)
            if data_off is not None:
                tflite.BufferAddData(b, data_off)
            buffers.append(tflite.BufferEnd(b))

        opcodes = []
        for code, custom, version in self.opcodes:
            custom_off = b.CreateString(custom) if custom else None
            tflite.OperatorCodeStart(b)
            tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
            tflite.OperatorCodeAddBuiltinCode(b, code)
            if custom_off is not None:
                tflite.OperatorCodeAddCustomCode(b, custom_off)
            tflite.OperatorCodeAddVersion(b, version)
            opcodes.append(tflite.OperatorCodeEnd(b))

        subgraphs = []
        for sg in self.subgraphs:
            tensors = []
            for t in sg.tensors:
                name = b.CreateString(t.name)
                shape = ivec(tflite.TensorStartShapeVector, t.shape)
                sig = (
                    ivec(tflite.TensorStartShapeSignatureVector, t.shape_signature)
                    if t.shape_signature is not None
                    else None
                )
                quant = None
                if t.scale is not None:
                    tflite.QuantizationParametersStartScaleVector(b, len(t.scale))
                    for v in reversed(t.scale):
                        b.PrependFloat32(v)
                    scale = b.EndVector()
                    zp = ivec(
                        tflite.QuantizationParametersStartZeroPointVector,
                        t.zero_point or [],
                        "Int64",
                    )
                    tflite.QuantizationParametersStart(b)
                    tflite.QuantizationParametersAddScale(b, scale)
                    tflite.QuantizationParametersAddZeroPoint(b, zp)
                    tflite.QuantizationParametersAddQuantizedDimension(b, t.quantized_dimension)
                    quant = tflite.QuantizationParametersEnd(b)
                tflite.TensorStart(b)
                tflite.TensorAddShape(b, shape)
                tflite.TensorAddType(b, t.dtype)
                tflite.TensorAddBuffer(b, t.buffer)
                tflite.TensorAddName(b, name)
                if quant is not None:
                    tflite.TensorAddQuantization(b, quant)
                if sig is not None:
                    tflite.TensorAddShapeSignature(b, sig)
                if t.is_variable:
                    tflite.TensorAddIsVariable(b, True)
                tensors.append(tflite.TensorEnd(b))
            ops = []
            for op in sg.ops:
                ins = ivec(tflite.OperatorStartInputsVector, op.inputs)
                outs = ivec(tflite.OperatorStartOutputsVector, op.outputs)
                opt_type, opt_off = 0, None
                if op.options is not None:
                    opt_name, values = op.options
                    opt_type = _OPTIONS[opt_name]
                    opt_off = _build_options(b, opt_name, values)
                tflite.OperatorStart(b)
                tflite.OperatorAddOpcodeIndex(b, op.opcode)
                tflite.OperatorAddInputs(b, ins)
                tflite.OperatorAddOutputs(b, outs)
                if opt_off is not None:
                    tflite.OperatorAddBuiltinOptionsType(b, opt_type)
                    tflite.OperatorAddBuiltinOptions(b, opt_off)
                ops.append(tflite.OperatorEnd(b))
            tv = tvec(tflite.SubGraphStartTensorsVector, tensors)
            iv = ivec(tflite.SubGraphStartInputsVector, sg.inputs)
            ov = ivec(tflite.SubGraphStartOutputsVector, sg.outputs)
            opv = tvec(tflite.SubGraphStartOperatorsVector, ops)
            name = b.CreateString(sg.name)
            tflite.SubGraphStart(b)
            tflite.SubGraphAddTensors(b, tv)
            tflite.SubGraphAddInputs(b, iv)
            tflite.SubGraphAddOutputs(b, ov)
            tflite.SubGraphAddOperators(b, opv)
            tflite.SubGraphAddName(b, name)
            subgraphs.append(tflite.SubGraphEnd(b))

        metadata = []
        for name, buf in self.metadata:
            n = b.CreateString(name)
            tflite.MetadataStart(b)
            tflite.MetadataAddName(b, n)
            tflite.MetadataAddBuffer(b, buf)
            metadata.append(tflite.MetadataEnd(b))

        desc = b.CreateString(self.description)
        bv = tvec(tflite.ModelStartBuffersVector, buffers)
        ocv = tvec(tflite.ModelStartOperatorCodesVector, opcodes)
        sgv = tvec(tflite.ModelStartSubgraphsVector, subgraphs)
        mdv = tvec(tflite.ModelStartMetadataVector, metadata) if metadata else None
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, self.version)
        tflite.ModelAddOperatorCodes(b, ocv)
        tflite.ModelAddSubgraphs(b, sgv)
        tflite.ModelAddDescription(b, desc)
        tflite.ModelAddBuffers(b, bv)
        if mdv is not None:
            tflite.ModelAddMetadata(b, mdv)
        root = tflite.ModelEnd(b)
        b.Finish(root, file_identifier=b"TFL3")
        return bytes(b.Output())


def _camel(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_"))


def _build_options(b: flatbuffers.Builder, name: str, values: dict[str, Any]) -> int:
    module = getattr(tflite, name)
    start = getattr(tflite, f"{name}Start")
    end = getattr(tflite, f"{name}End")
    from inspector.parse import _OPTION_ENUMS

    start(b)
    for key, value in values.items():
        if isinstance(value, str):
            enum = _OPTION_ENUMS[key]
            value = {v: k for k, v in enum.items()}[value]
        getattr(tflite, f"{name}Add{_camel(key)}")(b, value)
    del module
    return end(b)
