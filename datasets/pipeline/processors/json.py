"""JSON processors: ``extract_from_json`` reads one value at a dotted path of a JSON object or text;
``expand_json_array`` turns a record holding a JSON array into one record per element."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from datasets.pipeline.core import Record, RecordFailure
from datasets.pipeline.processors.base import FieldToOutputStep, Step
from datasets.pipeline.record_expressions import is_blank, shown

BRACKET_INDEX_RE = re.compile(r"\[(\d+)\]")


def parse_path(path: str) -> list[str]:
    """Segments of ``a.b.0.c`` (also ``$.a.b[0].c``); raises ValueError with the reason."""
    text = BRACKET_INDEX_RE.sub(r".\1", path.strip())
    if text == "$":
        return []
    text = text.removeprefix("$.")
    segments = text.split(".")
    if not text or any(not segment for segment in segments):
        raise ValueError(f"'{path}' is not a dotted path such as 'a.b.0.c'")
    return segments


def follow(document: Any, segments: list[str]) -> Any:
    """The value at ``segments`` in ``document``, or None when the path leads nowhere."""
    value = document
    for segment in segments:
        if isinstance(value, dict):
            value = value.get(segment)
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return None
    return value


def load(value: Any, field: str) -> Any:
    """A JSON document from an already-parsed value or a JSON text."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise RecordFailure(
            'Invalid JSON "{value}": {reason}', field=field, value=shown(value), reason=reason
        ) from None


class ExtractFromJson(FieldToOutputStep):
    """``extract_from_json``: ``output_field`` receives the value at ``path`` (objects and lists stay as they are)."""

    name = "extract_from_json"

    def setup(self) -> None:
        self.segments = parse_path(self.args["path"])

    def transform(self, value: Any, output: str) -> Any:
        return follow(load(value, output), self.segments)


class ExpandJsonArray(Step):
    """``expand_json_array``: one record per element of the JSON array in ``json_array_field``.

    The array is the field's value (a list, or a JSON text), or the value at ``path`` inside it.
    Each copy of the record holds one element in ``output_field`` (``json_array_field`` by
    default); objects stay objects, for ``extract_from_json`` to pick their keys. A blank value or
    an empty array keeps the record once with a null element; a value that is not an array is a
    record error (the record is kept, the element null).
    """

    name = "expand_json_array"

    def setup(self) -> None:
        path = self.args.get("path")
        self.segments = None if path is None else parse_path(path)

    def input_fields(self) -> list[tuple[str, str]]:
        return [("json_array_field", self.args["json_array_field"])]

    def output_fields(self) -> list[str]:
        return [self.args["output_field"]]

    def apply(self, record: Record) -> list[Record]:
        output = self.args["output_field"]
        elements = self.elements(record.get(self.args["json_array_field"]), output)
        if not elements:
            record[output] = None
            return [record]
        expanded = []
        for element in elements:
            # Deep copies: a later processor changing a list in one record must not change its siblings.
            copied = copy.deepcopy(record)
            copied[output] = element
            expanded.append(copied)
        return expanded

    def elements(self, value: object, output: str) -> list[object]:
        if is_blank(value):
            return []
        document = load(value, output)
        array = document if self.segments is None else follow(document, self.segments)
        if array is None:
            return []
        if not isinstance(array, list):
            raise RecordFailure('Not a JSON array: "{value}"', field=output, value=shown(value))
        return array
