"""The rule catalog (``rules/rules.toml``): every code the tool reports, defined once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from inspector.errors import UsageError
from inspector.findings import SEVERITIES
from inspector.resources import rules_dir
from inspector.tomlcompat import tomllib

REQUIRED = ("code", "name", "severity", "summary", "why", "fix", "status", "since")
STATUSES = ("preview", "stable", "deprecated")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    why: str
    fix: str
    status: str
    since: str

    @property
    def prefix(self) -> str:
        return self.code.rstrip("0123456789")


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, Rule]:
    data = tomllib.loads((rules_dir() / "rules.toml").read_text(encoding="utf-8"))
    rules: dict[str, Rule] = {}
    for entry in data.get("rule", []):
        missing = [k for k in REQUIRED if not entry.get(k)]
        if missing:
            raise UsageError(f"rules.toml: rule {entry.get('code', '?')} lacks {missing}")
        if entry["severity"] not in SEVERITIES or entry["status"] not in STATUSES:
            raise UsageError(f"rules.toml: rule {entry['code']} has a bad severity or status")
        if entry["code"] in rules:
            raise UsageError(f"rules.toml: code {entry['code']} defined twice")
        rules[entry["code"]] = Rule(**{k: " ".join(entry[k].split()) for k in REQUIRED})
    return rules


def resolve_selectors(selectors: list[str], source: str) -> set[str]:
    """Codes matched by selectors (codes, prefixes like ``D`` or ``D00``, or rule names).

    An unknown selector is an error naming where it came from, never a silent no-op.
    """
    catalog = load_catalog()
    out: set[str] = set()
    for sel in selectors:
        sel = sel.strip()
        if not sel:
            continue
        if sel.upper() == "ALL":
            out |= set(catalog)
            continue
        matched = {c for c, r in catalog.items() if c.startswith(sel.upper()) or r.name == sel}
        if not matched:
            raise UsageError(f"{source}: unknown rule selector {sel!r}")
        out |= matched
    return out
