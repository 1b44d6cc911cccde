"""Code that some built-in targets need beyond the generic predicates.

Each module ``inspector/targets/<name>.py`` may define ``PREDICATES`` (a dict of
:class:`~inspector.predicates.Predicate`, built with ``register``) and ``SELECTORS`` (name ->
selector function, for delegates whose node selection is more than "check every op", such as
XNNPACK's static-unpack DEQUANTIZE handling). Profiles name them with ``predicates = "<name>"``
and ``selector = "<name>"``. User profiles need none of this.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = ("xnnpack", "ethos_u", "tflm", "cpu", "gpu", "nnapi", "coreml", "hexagon", "edgetpu")


def _module(name: str) -> Any | None:
    mod = name.replace("-", "_")
    if mod not in _MODULES:
        return None
    try:
        return importlib.import_module(f"inspector.targets.{mod}")
    except ModuleNotFoundError:
        return None


def target_predicates(name: str) -> dict[str, Any] | None:
    m = _module(name)
    return None if m is None else dict(getattr(m, "PREDICATES", {}))


def target_hook(name: str | None, attr: str) -> Any | None:
    """An optional function a built-in target module offers to the engine:

    - ``model_refusal(model)``: why the target refuses the whole model (an object with
      ``failure()`` returning an engine Failure), or None;
    - ``target_macs(model, result)``: the target's own MAC count for what it runs (e.g. Vela's
      "Neural network macs"), given the engine's TargetResult.
    """
    if not name:
        return None
    m = _module(name)
    return getattr(m, attr, None) if m is not None else None


def target_selector(name: str) -> Any | None:
    for mod in _MODULES:
        m = _module(mod)
        if m is not None and name in getattr(m, "SELECTORS", {}):
            return m.SELECTORS[name]
    return None
