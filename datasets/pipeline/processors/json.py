"""JSON processors: ``extract_from_json`` reads one value at a dotted path of a JSON object or text."""

from __future__ import annotations

import json
import re
from typing import Any

from datasets.pipeline.core import RecordFailure
from datasets.pipeline.expression import shown
from datasets.pipeline.processors.base import FieldToOutputStep

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
