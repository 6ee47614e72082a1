"""Hostile requests for every operation of the management API's OpenAPI description, deterministically.

Each operation gets one request per hostile value per position: every path parameter, every query parameter
and every leaf (and one key) of a body built from its request schema, plus a body nested 100,000 levels deep.
Strings get a NUL and a lone surrogate, integers 10^20 (beyond bigint), numbers 1e400 (infinity once parsed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

COMMITTED = Path(__file__).resolve().parents[3] / "datasets" / "api" / "management" / "openapi-v2.json"
SPEC = json.loads(COMMITTED.read_text())

NUL = "a\x00b"
SURROGATE = "\ud800"
HUGE = 10**20
HUGE_FLOAT_JSON = "1e400"
DEEP = 100_000
# In a URL: the NUL percent-encoded, and 10^20 as a path segment or query value.
PATH_HOSTILE = {"nul": "%00", "huge": str(HUGE)}
QUERY_HOSTILE = {"nul": NUL, "huge": str(HUGE), "negative_huge": str(-HUGE)}
STRING_HOSTILE = {"nul": NUL, "surrogate": SURROGATE}
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class HostileRequest:
    """One request of the walk: ``label`` says which position holds which hostile value."""

    method: str
    path: str
    label: str
    query: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # raw JSON text, so that 1e400 and deep nesting travel as written
    form: dict[str, str] | None = None  # multipart fields


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema behind a ``$ref`` (and the first branch of ``allOf``/``oneOf``/``anyOf``)."""
    while True:
        if "$ref" in schema:
            schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        elif any(key in schema for key in ("allOf", "oneOf", "anyOf")):
            schema = next(schema[key][0] for key in ("allOf", "oneOf", "anyOf") if key in schema)
        else:
            return schema


def sample(schema: dict[str, Any], depth: int = 0) -> Any:
    """A plausible value of ``schema``: the first enum value, "x", 1, or objects and arrays of those."""
    schema = resolve(schema)
    if "enum" in schema and schema["enum"]:
        return next((value for value in schema["enum"] if value is not None), "x")
    kind = schema.get("type")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(schema.get("items", {}), depth + 1)] if depth < 6 else []
    if kind == "object" or "properties" in schema:
        if depth >= 6:
            return {}
        properties = {name: sample(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties")
        if not properties and extra not in (None, False):
            properties["x"] = sample(extra if isinstance(extra, dict) else {}, depth + 1)
        return properties
    return "x"


def leaf_positions(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """``(path, leaf)`` for every scalar of ``value``; an empty object or array counts as a leaf too."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaf_positions(child, (*path, key))
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from leaf_positions(child, (*path, index))
    else:
        yield path, value


def replaced(value: Any, path: tuple, new: Any) -> Any:
    """A copy of ``value`` with the item at ``path`` replaced by ``new``."""
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def hostile_bodies(baseline: Any) -> Iterator[tuple[str, str]]:
    """``(label, raw JSON)``: each leaf of ``baseline`` replaced by each hostile value, a hostile key, deep nesting."""
    for path, leaf in leaf_positions(baseline):
        where = ".".join(map(str, path)) or "body"
        if isinstance(leaf, bool) or not isinstance(leaf, int | float):
            for name, hostile in STRING_HOSTILE.items():
                yield f"{where}={name}", json.dumps(replaced(baseline, path, hostile))
        if not isinstance(leaf, bool) and isinstance(leaf, int | float | str):
            yield f"{where}=huge", json.dumps(replaced(baseline, path, HUGE))
            marker = 123456789.5
            yield f"{where}=1e400", json.dumps(replaced(baseline, path, marker)).replace(str(marker), HUGE_FLOAT_JSON)
    if isinstance(baseline, dict):
        yield "key=nul", json.dumps({**baseline, NUL: "x"})
    yield "deep", "[" * DEEP + "]" * DEEP


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(path template, method, operation)`` of every operation the description lists."""
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def hostile_requests(path: str, method: str, operation: dict, known: dict[str, str]) -> Iterator[HostileRequest]:
    """Every hostile request of one operation; ``known`` fills path parameters with existing objects' ids."""
    parameters = operation.get("parameters", [])
    path_names = [parameter["name"] for parameter in parameters if parameter["in"] == "path"]
    filled = {name: quote(known.get(name, "x"), safe="") for name in path_names}
    base = path.format(**filled)
    for name in path_names:
        for label, hostile in PATH_HOSTILE.items():
            yield HostileRequest(method, path.format(**{**filled, name: hostile}), f"path {name}={label}")
    # A parameter the operation does not declare: its value is stored nowhere, but it is read all the same.
    yield HostileRequest(method, base, "query undeclared=nul", query={"undeclared": NUL})
    for parameter in (parameter for parameter in parameters if parameter["in"] == "query"):
        for label, hostile in QUERY_HOSTILE.items():
            yield HostileRequest(method, base, f"query {parameter['name']}={label}", query={parameter["name"]: hostile})
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        baseline = sample(content["application/json"].get("schema", {}))
        for label, body in hostile_bodies(baseline):
            yield HostileRequest(method, base, f"body {label}", body=body)
    if "multipart/form-data" in content:
        # A multipart body is UTF-8 bytes: a lone surrogate cannot travel in it, a NUL can.
        yield HostileRequest(method, base, "form field=nul", form={"description": NUL})
        yield HostileRequest(method, base, "form file name=nul", form={"file": NUL})
