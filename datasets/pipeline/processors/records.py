"""Record processors: ``skip_record`` drops the records matching a condition."""

from __future__ import annotations

from datasets.pipeline.core import Record
from datasets.pipeline.processors.base import Step
from datasets.pipeline.record_expressions import parse_expression, to_text, truthy


class SkipRecord(Step):
    """``skip_record``: drop records where ``condition`` is true, or (simple form) where ``field`` equals ``value``.

    In the simple form a missing value counts as the empty text, so ``{"field": "x"}`` drops empty ``x``.
    """

    name = "skip_record"

    def setup(self) -> None:
        condition = self.args.get("condition")
        self.condition = None if condition is None else parse_expression(condition)

    def input_fields(self) -> list[tuple[str, str]]:
        if self.condition is None:
            return [("field", self.args["field"])]
        return [("condition", name) for name in self.condition.field_names]

    def apply(self, record: Record) -> Record | None:
        return None if self.drops(record) else record

    def drops(self, record: Record) -> bool:
        if self.condition is not None:
            return truthy(self.condition.evaluate(record))
        return to_text(record.get(self.args["field"])) == self.args["value"]


class DeleteRecord(SkipRecord):
    """``delete_record``: delete the records matching ``condition``, or where ``field`` matches ``value``.

    As Opendatasoft's "Delete record" processor: with ``exact_match`` (the default) the field must
    equal the value; without it, containing the value is enough. Every publish reloads the whole
    source, so the records are deleted from the published version (there is no history of records
    to purge).
    """

    name = "delete_record"

    def drops(self, record: Record) -> bool:
        if self.condition is not None or self.args["exact_match"]:
            return super().drops(record)
        return self.args["value"] in to_text(record.get(self.args["field"]))
