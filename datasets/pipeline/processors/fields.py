"""Field processors: copy, add, delete a field, and compute one with an expression."""

from __future__ import annotations

import copy

from datasets.pipeline.core import Field, Record, RecordFailure
from datasets.pipeline.processors.base import Step
from datasets.pipeline.record_expressions import parse_expression


class CopyField(Step):
    """``copy_field``: ``to_field`` (new or existing) receives the value of ``from_field``."""

    name = "copy_field"

    def input_fields(self) -> list[tuple[str, str]]:
        return [("from_field", self.args["from_field"])]

    def output_fields(self) -> list[str]:
        return [self.args["to_field"]]

    def apply(self, record: Record) -> Record:
        # A deep copy: a later processor changing a list in one field must not change the other.
        record[self.args["to_field"]] = copy.deepcopy(record.get(self.args["from_field"]))
        return record


class AddField(Step):
    """``add_field``: a field holding the same text ``value`` in every record."""

    name = "add_field"

    def output_fields(self) -> list[str]:
        return [self.args["field"]]

    def apply(self, record: Record) -> Record:
        record[self.args["field"]] = self.args["value"]
        return record


class DeleteField(Step):
    """``delete_field``: the field disappears from the schema and from the records."""

    name = "delete_field"

    def input_fields(self) -> list[tuple[str, str]]:
        return [("field", self.args["field"])]

    def fields(self, fields: list[Field]) -> list[Field]:
        kept = super().fields(fields)
        return [field for field in kept if field.name != self.args["field"]]

    def apply(self, record: Record) -> Record:
        record.pop(self.args["field"], None)
        return record


class ExpressionStep(Step):
    """``expression``: ``output_field`` receives the value of ``expression`` computed on the record."""

    name = "expression"

    def setup(self) -> None:
        self.expression = parse_expression(self.args["expression"])

    def input_fields(self) -> list[tuple[str, str]]:
        return [("expression", name) for name in self.expression.field_names]

    def output_fields(self) -> list[str]:
        return [self.args["output_field"]]

    def apply(self, record: Record) -> Record:
        output = self.args["output_field"]
        try:
            record[output] = self.expression.evaluate(record)
        except RecordFailure as failure:
            # The evaluator does not know which field it computes; the runner needs it.
            raise RecordFailure(failure.raw_message, field=output, **failure.raw_params) from failure
        return record
