"""``lint --format github``: GitHub Actions workflow commands, one annotation per finding."""

from __future__ import annotations

from inspector.findings import Finding

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        where = f" (subgraph {f.subgraph}, op {f.op})" if f.op is not None else ""
        title = f"{f.code} [{f.target}]" if f.target else f.code
        lines.append(
            f"::{_LEVEL[f.severity]} file={_escape(f.path, True)},title={_escape(title, True)}"
            f"::{_escape(f.message + where)}"
        )
    return "\n".join(lines)
