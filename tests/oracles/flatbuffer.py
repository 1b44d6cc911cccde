"""Op names straight from a flatbuffer, for the oracles that read model files themselves.

Independent of the code under test (no ``inspector`` import). The ``tflite`` package's
``OperatorCode.BuiltinCode()`` returns the deprecated field for every code below 127, which
misreads files that set only ``builtin_code``; the two fields are read from their raw slots and
the larger wins, as the TFLite runtime's ``GetBuiltinCode`` does.
"""

from __future__ import annotations

import tflite
from flatbuffers import number_types as N

_OPNAMES = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
_DEPRECATED_SLOT, _BUILTIN_SLOT = 4, 10  # OperatorCode fields 0 and 3 in schema.fbs


def _slot(tab: object, slot: int, flags: object) -> int:
    o = tab.Offset(slot)  # type: ignore[attr-defined]
    return int(tab.Get(flags, o + tab.Pos)) if o else 0  # type: ignore[attr-defined]


def op_name(model: tflite.Model, op: tflite.Operator) -> str:
    """The op's builtin name, or ``CUSTOM:<custom code>``."""
    oc = model.OperatorCodes(op.OpcodeIndex())
    deprecated = _slot(oc._tab, _DEPRECATED_SLOT, N.Int8Flags)
    code = max(deprecated, _slot(oc._tab, _BUILTIN_SLOT, N.Int32Flags))
    if code == tflite.BuiltinOperator.CUSTOM:
        cc = oc.CustomCode()
        return "CUSTOM:" + (cc.decode("utf-8", "replace") if cc else "")
    return _OPNAMES.get(code, str(code))
