"""The compiled processor (``Step``) and the helpers the processor families share."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

from datasets.pipeline.core import Field, InvalidProcessorArgumentError, Record, RecordFailure
from datasets.pipeline.record_expressions import is_blank, shown, to_text


class Step:
    """One compiled processor of a dataset's stack.

    ``fields()`` says what the schema becomes after this step, ``apply()`` transforms one record.
    Subclasses set ``name`` and describe themselves through ``input_fields()`` (the fields they read,
    which must exist) and ``output_fields()`` (the fields they write, created when missing).
    """

    name: ClassVar[str] = ""
    output_type: ClassVar[str] = "text"  # type of the fields the step creates

    def __init__(self, args: dict[str, Any], uid: str) -> None:
        self.args = args
        self.uid = uid
        self.setup()

    def setup(self) -> None:
        """Compile what the arguments need (regexps, expressions) once, not once per record."""

    def input_fields(self) -> list[tuple[str, str]]:
        """``(argument name, field name)`` of each field the step reads."""
        return []

    def output_fields(self) -> list[str]:
        """Names of the fields the step writes."""
        return []

    def fields(self, fields: list[Field]) -> list[Field]:
        """The schema after this step; InvalidProcessorArgumentError if an input field does not exist."""
        names = [field.name for field in fields]
        for argument, name in self.input_fields():
            if name not in names:
                raise self.missing_field(argument, name, names)
        return with_outputs(fields, self.output_fields(), self.output_type)

    def apply(self, record: Record) -> Record | list[Record] | None:
        """The transformed record (possibly the same dict), None to drop it, or several records."""
        raise NotImplementedError

    def missing_field(self, argument: str, name: str, names: list[str]) -> InvalidProcessorArgumentError:
        available = ", ".join(names) or "(none)"
        return InvalidProcessorArgumentError(
            processor=self.name,
            argument=argument,
            reason=f"no field '{name}' at this point of the pipeline; fields: {available}",
            processor_uid=self.uid,
        )


class FieldToOutputStep(Step):
    """A step that reads ``field`` and writes ``output_field``; a blank input gives None.

    Subclasses implement ``transform(value, output)`` for non-blank values.
    """

    def input_fields(self) -> list[tuple[str, str]]:
        return [("field", self.args["field"])]

    def output_fields(self) -> list[str]:
        return [self.args["output_field"]]

    def apply(self, record: Record) -> Record:
        value, output = record.get(self.args["field"]), self.args["output_field"]
        record[output] = None if is_blank(value) else self.transform(value, output)
        return record

    def transform(self, value: Any, output: str) -> Any:
        raise NotImplementedError


def with_outputs(fields: list[Field], outputs: list[str], field_type: str) -> list[Field]:
    """``fields`` plus a new Field per missing output; existing outputs keep their place (and get a non-text type)."""
    result = list(fields)
    for name in outputs:
        index = next((position for position, field in enumerate(result) if field.name == name), None)
        if index is None:
            result.append(Field(name=name, label=name, type=field_type, original_name=None))
        elif field_type != "text":
            result[index] = dataclasses.replace(result[index], type=field_type)
    return result


def text_of(value: Any, field: str) -> str:
    """The text a processor works on: scalars become text; an object cannot."""
    if isinstance(value, dict):
        raise RecordFailure('Cannot process the object "{value}" as text', field=field, value=shown(value))
    return to_text(value)


def map_text(value: Any, transform: Callable[[str], Any], field: str) -> Any:
    """``transform`` applied to a value of the targeted field: None stays None, lists item by item."""
    if value is None:
        return None
    if isinstance(value, list):
        return [map_text(item, transform, field) for item in value]
    return transform(text_of(value, field))


def map_strings(value: Any, transform: Callable[[str], Any]) -> Any:
    """``transform`` applied to texts only (and texts in lists): for ``all_fields``, numbers stay numbers."""
    if isinstance(value, str):
        return transform(value)
    if isinstance(value, list):
        return [map_strings(item, transform) for item in value]
    return value
