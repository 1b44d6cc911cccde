"""A finding: one problem, at one place, for one target, under one rule code."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Finding:
    path: str
    subgraph: int | None
    op: int | None
    code: str
    target: str | None
    severity: str
    message: str
    tensor: int | None = None
    opcode: str | None = None
    source: str | None = field(default=None, compare=False)  # upstream file:line encoded

    def __reduce__(self) -> tuple:
        # Positional, not a field dict: --jobs ships tens of thousands of findings between
        # processes, and this halves their pickled size and time.
        return (
            Finding,
            (
                self.path, self.subgraph, self.op, self.code, self.target, self.severity,
                self.message, self.tensor, self.opcode, self.source,
            ),
        )  # fmt: skip

    def sort_key(self) -> tuple:
        """Deterministic order: by file, then model-level findings, then op order."""
        return (
            self.path,
            -1 if self.subgraph is None else self.subgraph,
            -1 if self.op is None else self.op,
            self.target or "",
            self.code,
            self.message,
        )

    @property
    def key(self) -> tuple:
        """Identity for baselines: stable across runs, independent of message wording."""
        return (self.code, self.target, self.subgraph, self.op, self.tensor, self.opcode)
