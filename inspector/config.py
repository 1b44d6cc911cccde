"""``[tool.tflite-inspector]`` in the nearest pyproject.toml, merged under the CLI flags.

An unknown key is an error naming the file and the key (never a silent no-op).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.errors import UsageError
from inspector.tomlcompat import tomllib

SECTION = "tflite-inspector"
KEYS = {
    "targets": list,
    "select": list,
    "ignore": list,
    "fail-on": str,
    "format": str,
    "baseline": str,
    "runtime-version": str,
    "jobs": int,
    "android-api": int,
    "exclude": list,
}


@dataclass(frozen=True)
class Config:
    values: dict[str, Any]
    path: Path | None  # where it came from (None: defaults only)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def resolve_path(self, value: str) -> str:
        """Paths in a config file are relative to that file."""
        if self.path is None or Path(value).is_absolute():
            return value
        return str(self.path.parent / value)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml (walking up from ``start``) that has our section."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if SECTION in data.get("tool", {}):
                return candidate
    return None


def load_config(explicit: str | None, start: Path | None = None) -> Config:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"{path}: no such config file")
    else:
        found = find_pyproject((start or Path.cwd()).resolve())
        if found is None:
            return Config({}, None)
        path = found
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    section = data.get("tool", {}).get(SECTION)
    if section is None:
        if path.name == "pyproject.toml":
            raise UsageError(f"{path}: no [tool.{SECTION}] section")
        section = data  # a standalone config file holds the keys at its top level
    for key, value in section.items():
        if key not in KEYS:
            raise UsageError(
                f"{path}: [tool.{SECTION}]: unknown key {key!r} (known: {', '.join(sorted(KEYS))})"
            )
        if not isinstance(value, KEYS[key]):
            raise UsageError(f"{path}: [tool.{SECTION}]: {key!r} must be a {KEYS[key].__name__}")
    return Config(dict(section), path)
