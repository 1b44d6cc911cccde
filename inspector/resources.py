"""Find the package data (``rules/``, ``templates/``) installed or in a source checkout."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def _data_dir(name: str) -> Traversable:
    try:
        root = resources.files(f"inspector.{name}")
        if root.is_dir():
            return root
    except ModuleNotFoundError:
        pass
    # Running from a source checkout without installing: the folders sit beside the package.
    return Path(__file__).resolve().parent.parent / name


def rules_dir() -> Traversable:
    return _data_dir("rules")


def templates_dir() -> Traversable:
    return _data_dir("templates")
