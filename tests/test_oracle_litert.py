"""The parser against the real runtime: every corpus model LiteRT loads must read the same.

Oracle: ``ai_edge_litert.interpreter.Interpreter`` 2.3.0, tensor details read before
``allocate_tensors()``; op order and names from ``_get_ops_details()`` of an interpreter with
no default delegate (so no op is folded into a DELEGATE node).
"""

from __future__ import annotations

import numpy as np
import pytest
from corpus import corpus_params, corpus_path

from inspector import dtypes
from inspector.parse import load

litert = pytest.importorskip("ai_edge_litert.interpreter")

# Where the interpreter reports something other than the file says, and why.
KNOWN_DIFFERENCES = {
    # Op 0 reads and writes tensor 1 (invalid); the interpreter drops it when building.
    "gh_google-ai-edge_LiteRT_tflite-testdata/add_shared_tensors.tflite": "ops",
}
# numpy has no type for these; the interpreter reports them as object (INT4 as int8).
_NUMPY_AS = {"RESOURCE": np.object_, "VARIANT": np.object_, "STRING": np.bytes_, "INT4": np.int8}


def _interpreter(path: str):
    return litert.Interpreter(
        model_path=path,
        experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )


@pytest.mark.corpus
@pytest.mark.oracle
@pytest.mark.parametrize("rel", corpus_params("OK", "ALLOC_FAIL"))
def test_tensors_and_ops_equal_the_interpreter(rel: str) -> None:
    path = str(corpus_path(rel))
    model = load(path)
    interp = _interpreter(path)
    main = model.main
    details = interp.get_tensor_details()
    assert len(details) == len(main.tensors)
    for d in details:
        t = main.tensors[d["index"]]
        where = f"tensor {t.index} {t.name!r}"
        assert d["name"] == t.name, where
        assert list(d["shape"]) == list(t.shape), where
        sig = t.shape_signature if t.shape_signature is not None else t.shape
        assert list(d["shape_signature"]) == list(sig), where
        expected = _NUMPY_AS.get(t.dtype) or dtypes.numpy_dtype(t.dtype)
        assert np.dtype(d["dtype"]) == np.dtype(expected), where
        q = d["quantization_parameters"]
        scale, zero_point = t.scale, t.zero_point
        details_ = t.quantization.details if t.quantization else None
        if details_ and details_["type"] == "BlockwiseQuantization":
            # The interpreter reports the values of the scale tensor the details point to.
            scale = model.tensor_data(0, details_["scales"]).ravel().astype(np.float32)
            zero_point = np.zeros(0, np.int64)
        np.testing.assert_array_equal(q["scales"], scale, err_msg=where)
        if details_ is None:
            np.testing.assert_array_equal(q["zero_points"], zero_point, err_msg=where)
        if scale.size > 1:
            assert q["quantized_dimension"] == t.quantization.quantized_dimension, where
    if KNOWN_DIFFERENCES.get(rel) == "ops":
        return
    ops = interp._get_ops_details()
    assert [o["op_name"] for o in ops] == [op.name for op in main.operators]
    for o, op in zip(ops, main.operators, strict=False):
        assert list(o["inputs"]) == list(op.inputs)
        assert list(o["outputs"]) == list(op.outputs)
