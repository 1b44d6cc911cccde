"""Target profiles: which ops a target takes and each op's constraints, as data.

A profile is a TOML (or YAML/JSON) file: a ``[profile]`` header naming the upstream source it
encodes, optional ``[partitioning]``, ``[[generic]]`` constraints applied to every op (minus
``except_ops``), reusable ``[templates.NAME]`` lists, and one ``[ops.NAME]`` table per op the
target supports, each with ``constraints``. A constraint names a predicate (``check``), its
parameters inline, and optionally ``when`` (conditions under which it applies), ``message``
(a requirement sentence replacing the predicate's own), ``code`` and ``source`` (upstream
line). The format is documented in docs/profiles.md; ``tflite-inspector validate-profile``
checks a file and names the key at fault.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector import __version__
from inspector.catalog import load_catalog
from inspector.errors import UsageError
from inspector.findings import SEVERITIES
from inspector.predicates import GENERIC, Predicate
from inspector.resources import rules_dir
from inspector.schema_tables import BuiltinOperator
from inspector.tomlcompat import tomllib

FORMAT_VERSION = 1
KINDS = ("delegate", "runtime", "accelerator")
CONSTRAINT_KEYS = {"check", "when", "message", "code", "source", "id"}
OP_KEYS = {
    "constraints",
    "templates",
    "source",
    "note",
    "supported",
    "versions",
    "versions_source",
}
HEADER_KEYS = {
    "name",
    "title",
    "kind",
    "description",
    "version",
    "min_tool_version",
    "selector",
    "predicates",
    "severity",
    "subgraphs",
    "skip_subgraph_prefixes",
    "source",
    "runtime_version",
    "options",
    "integer_io",
}
SOURCE_KEYS = {"repo", "path", "ref", "paths", "url"}
PARTITION_KEYS = {
    "greedy",
    "side_effect_edges",
    "max_partitions",
    "min_ops_per_partition",
    "mode",
    "full_delegation_ignores_limits",
}
TOP_KEYS = {"format_version", "profile", "partitioning", "generic", "templates", "ops"}
_BRANCHES = {"main", "master", "head", "nightly", "trunk", "develop", "latest"}
_OP_NAMES = set(BuiltinOperator.values())


@dataclass(frozen=True)
class Constraint:
    check: str
    params: Mapping[str, Any]
    predicate: Predicate
    when: tuple[tuple[Predicate, Mapping[str, Any]], ...] = ()
    message: str | None = None
    code: str | None = None
    source: str | None = None
    except_ops: frozenset[str] = frozenset()

    @property
    def rule_code(self) -> str:
        return self.code or self.predicate.code

    def requirement(self) -> str:
        return self.message or self.predicate.describe(self.params)


@dataclass(frozen=True)
class OpSpec:
    name: str
    constraints: tuple[Constraint, ...]
    supported: bool = True
    versions: tuple[int, int] | None = None
    source: str | None = None
    note: str | None = None
    versions_source: str | None = None


@dataclass(frozen=True)
class Partitioning:
    mode: str = "graph"  # graph: TFLite's partitioner; prefix: ops up to the first rejected one
    greedy: bool = True
    side_effect_edges: bool = True
    max_partitions: int = 0  # 0: no limit
    min_ops_per_partition: int = 1
    # Delegates that take the whole graph when every op is supported, before any limit applies
    # (e.g. the Core ML delegate, tflite/delegates/utils.cc L206-214).
    full_delegation_ignores_limits: bool = False


@dataclass(frozen=True)
class Source:
    repo: str
    path: str
    ref: str
    paths: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.repo}@{self.ref[:12]}:{self.path}"


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    kind: str
    version: str
    source: Source
    description: str = ""
    severity: str = "warning"
    selector: str = "default"
    subgraphs: str = "all"
    skip_subgraph_prefixes: tuple[str, ...] = ()
    partitioning: Partitioning = field(default_factory=Partitioning)
    generic: tuple[Constraint, ...] = ()
    ops: Mapping[str, OpSpec] = field(default_factory=dict)
    path: str = ""
    predicates: Mapping[str, Predicate] = field(default_factory=dict)
    runtime_version: str | None = None
    # Settings of the target that users choose at lint time (e.g. nnapi's android_api); the
    # profile gives their defaults and `target_option` constraints read them.
    options: Mapping[str, Any] = field(default_factory=dict)
    integer_io: bool = False  # the target needs integer model inputs and outputs (Q010)
    extension: str | None = None  # the built-in target module named by `predicates`

    def with_options(self, **values: Any) -> Profile:
        unknown = sorted(set(values) - set(self.options))
        if unknown:
            raise UsageError(f"target {self.name} has no option {unknown[0]!r}")
        return dataclasses.replace(self, options={**self.options, **values})


def op_key(opcode: str, custom_code: str | None) -> str:
    """How profiles name an op: the builtin name, or ``custom:<code>`` for custom ops."""
    return f"custom:{custom_code or ''}" if opcode == "CUSTOM" else opcode


# -- loading ---------------------------------------------------------------------------------
def _read(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
        if suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise UsageError(
                    f"{path}: YAML profiles need PyYAML (pip install pyyaml)"
                ) from None
            data = yaml.safe_load(text)
            if not isinstance(data, dict):
                raise UsageError(f"{path}: the document must be a mapping")
            return data
    except UsageError:
        raise
    except Exception as exc:  # each parser has its own error type
        raise UsageError(f"{path}: cannot parse: {exc}") from None
    raise UsageError(f"{path}: profiles are .toml, .yaml or .json files")


def _version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


class _Loader:
    def __init__(self, path: Path, predicates: Mapping[str, Predicate]) -> None:
        self.path = path
        self.predicates = predicates
        self.codes = load_catalog()

    def fail(self, where: str, message: str) -> UsageError:
        return UsageError(f"{self.path}: {where}: {message}")

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            raise self.fail(
                where, f"unknown key {extra[0]!r} (allowed: {', '.join(sorted(allowed))})"
            )

    def constraint(self, raw: Any, where: str, generic: bool = False) -> Constraint:
        if not isinstance(raw, Mapping):
            raise self.fail(where, "a constraint must be a table")
        check = raw.get("check")
        if not isinstance(check, str) or check not in self.predicates:
            raise self.fail(where, f"unknown check {check!r} (see docs/predicates.md)")
        pred = self.predicates[check]
        reserved = CONSTRAINT_KEYS | ({"except_ops"} if generic else set())
        params = {k: v for k, v in raw.items() if k not in reserved}
        self.params(pred, params, where)
        when = []
        for i, cond in enumerate(raw.get("when", [])):
            w = f"{where}.when[{i}]"
            if not isinstance(cond, Mapping) or cond.get("check") not in self.predicates:
                raise self.fail(
                    w, f"unknown check {cond.get('check') if isinstance(cond, Mapping) else cond!r}"
                )
            cpred = self.predicates[cond["check"]]
            cparams = {k: v for k, v in cond.items() if k != "check"}
            self.params(cpred, cparams, w)
            when.append((cpred, cparams))
        code = raw.get("code")
        if code is not None and code not in self.codes:
            raise self.fail(where, f"unknown rule code {code!r}")
        except_ops = raw.get("except_ops", [])
        if generic:
            for op in except_ops:
                self.op_name(op, f"{where}.except_ops")
        return Constraint(
            check=check,
            params=params,
            predicate=pred,
            when=tuple(when),
            message=raw.get("message"),
            code=code,
            source=str(raw["source"]) if "source" in raw else None,
            except_ops=frozenset(except_ops),
        )

    def params(self, pred: Predicate, params: Mapping[str, Any], where: str) -> None:
        for key, value in params.items():
            if key not in pred.params:
                raise self.fail(
                    where,
                    f"check {pred.name!r} takes no parameter {key!r} "
                    f"(it takes: {', '.join(pred.params) or 'none'})",
                )
            typ, _ = pred.params[key]
            ok_types = typ if isinstance(typ, tuple) else (typ,)
            if float in ok_types and isinstance(value, int):
                continue
            if not isinstance(value, ok_types) or isinstance(value, bool) and bool not in ok_types:
                raise self.fail(where, f"parameter {key!r} of {pred.name!r} has the wrong type")
        for key, (_, required) in pred.params.items():
            if required and key not in params:
                raise self.fail(where, f"check {pred.name!r} needs parameter {key!r}")

    def op_name(self, name: str, where: str) -> str:
        if name in _OP_NAMES or name.startswith("custom:"):
            return name
        raise self.fail(
            where, f"unknown op {name!r} (builtin names as in the schema, or custom:CODE)"
        )

    def load(self, data: Mapping[str, Any]) -> Profile:
        self.unknown_keys(data, TOP_KEYS, "top level")
        fmt = data.get("format_version", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            raise self.fail("format_version", f"is {fmt}; this tool reads {FORMAT_VERSION}")
        header = data.get("profile")
        if not isinstance(header, Mapping):
            raise self.fail("profile", "missing [profile] table")
        minimum = header.get("min_tool_version")
        if minimum and _version_tuple(str(minimum)) > _version_tuple(__version__):
            raise self.fail(
                "profile.min_tool_version",
                f"tflite-inspector {minimum} needed, {__version__} installed",
            )
        self.unknown_keys(header, HEADER_KEYS, "profile")
        for key in ("name", "title", "kind", "version", "source"):
            if key not in header:
                raise self.fail("profile", f"missing key {key!r}")
        if header["kind"] not in KINDS:
            raise self.fail("profile.kind", f"must be one of {', '.join(KINDS)}")
        severity = header.get("severity", "warning")
        if severity not in SEVERITIES:
            raise self.fail("profile.severity", f"must be one of {', '.join(SEVERITIES)}")
        src = header["source"]
        if not isinstance(src, Mapping):
            raise self.fail("profile.source", "must be a table with repo, path and ref")
        self.unknown_keys(src, SOURCE_KEYS, "profile.source")
        for key in ("repo", "path", "ref"):
            if not src.get(key):
                raise self.fail("profile.source", f"missing key {key!r}")
        if str(src["ref"]).lower() in _BRANCHES:
            raise self.fail(
                "profile.source.ref",
                f"{src['ref']!r} is a branch; pin an immutable tag or commit",
            )
        selector = str(header.get("selector", "default"))
        if selector not in ("default", "fp16-helper"):
            from inspector.targets import target_selector

            if target_selector(selector) is None:
                raise self.fail(
                    "profile.selector",
                    f"unknown selector {selector!r} (use 'default' or 'fp16-helper')",
                )
        if not isinstance(header.get("options", {}), Mapping):
            raise self.fail("profile.options", "must be a table of option defaults")
        part = data.get("partitioning", {})
        self.unknown_keys(part, PARTITION_KEYS, "partitioning")
        if part.get("mode", "graph") not in ("graph", "prefix"):
            raise self.fail("partitioning.mode", "must be 'graph' or 'prefix'")
        templates: dict[str, list[Constraint]] = {}
        for tname, items in data.get("templates", {}).items():
            templates[tname] = [
                self.constraint(c, f"templates.{tname}[{i}]") for i, c in enumerate(items)
            ]
        generic = tuple(
            self.constraint(c, f"generic[{i}]", generic=True)
            for i, c in enumerate(data.get("generic", []))
        )
        ops: dict[str, OpSpec] = {}
        for name, spec in data.get("ops", {}).items():
            where = f"ops.{name}"
            self.op_name(name, where)
            if not isinstance(spec, Mapping):
                raise self.fail(where, "must be a table")
            self.unknown_keys(spec, OP_KEYS, where)
            constraints: list[Constraint] = []
            for t in spec.get("templates", []):
                if t not in templates:
                    raise self.fail(f"{where}.templates", f"unknown template {t!r}")
                constraints += templates[t]
            constraints += [
                self.constraint(c, f"{where}.constraints[{i}]")
                for i, c in enumerate(spec.get("constraints", []))
            ]
            versions = spec.get("versions")
            if versions is not None and (
                not isinstance(versions, list) or len(versions) != 2 or versions[0] > versions[1]
            ):
                raise self.fail(f"{where}.versions", "must be [min, max]")
            ops[name] = OpSpec(
                name=name,
                constraints=tuple(constraints),
                supported=bool(spec.get("supported", True)),
                versions=tuple(versions) if versions else None,  # type: ignore[arg-type]
                source=str(spec["source"]) if "source" in spec else None,
                note=spec.get("note"),
                versions_source=str(spec["versions_source"]) if "versions_source" in spec else None,
            )
        return Profile(
            name=str(header["name"]),
            title=str(header["title"]),
            kind=str(header["kind"]),
            version=str(header["version"]),
            source=Source(
                str(src["repo"]), str(src["path"]), str(src["ref"]), tuple(src.get("paths", ()))
            ),
            description=" ".join(str(header.get("description", "")).split()),
            severity=severity,
            selector=str(header.get("selector", "default")),
            subgraphs=str(header.get("subgraphs", "all")),
            skip_subgraph_prefixes=tuple(header.get("skip_subgraph_prefixes", ())),
            partitioning=Partitioning(**part),
            generic=generic,
            ops=ops,
            path=str(self.path),
            predicates=self.predicates,
            runtime_version=header.get("runtime_version"),
            options=dict(header.get("options", {})),
            integer_io=bool(header.get("integer_io", False)),
            extension=header.get("predicates"),
        )


def predicate_set(name: str | None) -> dict[str, Predicate]:
    """The generic predicates plus, for built-in targets, their own set."""
    preds = dict(GENERIC)
    if name:
        from inspector.targets import target_predicates

        extra = target_predicates(name)
        if extra is None:
            raise UsageError(f"unknown predicate set {name!r}")
        preds.update(extra)
    return preds


def load_profile(path: str | Path) -> Profile:
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{p}: no such profile file")
    data = _read(p)
    header = data.get("profile") if isinstance(data, Mapping) else None
    preds = predicate_set(header.get("predicates") if isinstance(header, Mapping) else None)
    return _Loader(p, preds).load(data)


def builtin_profile_paths() -> dict[str, Path]:
    root = rules_dir()
    out = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):  # type: ignore[union-attr]
        if entry.name.endswith(".toml") and entry.name != "rules.toml":
            out[entry.name[: -len(".toml")]] = Path(str(entry))
    return out


def resolve_target(spec: str) -> Profile:
    """A built-in target by name, or a profile file by path."""
    builtin = builtin_profile_paths()
    if spec in builtin:
        return load_profile(builtin[spec])
    if any(spec.endswith(s) for s in (".toml", ".yaml", ".yml", ".json")) or "/" in spec:
        return load_profile(spec)
    raise UsageError(
        f"unknown target {spec!r} (built-in: {', '.join(builtin) or 'none'}; "
        "or give a profile file path)"
    )
