"""What the back-office's step form offers for a new processor or field specification: the fields at its place
in the stack, the fields guessed for its arguments and date formats suggested by the data.

A new processor goes after the existing processors and before every field specification, so it sees the first
resource's preview without specifications; a new specification goes last and sees the whole preview. All of
it is a convenience: with no resource, or one that cannot be read now, there is nothing to offer (``None``)
and the form falls back to text inputs, while the services still check what is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import ManagementAPIError
from datasets.models import Dataset
from datasets.pipeline.core import Field
from datasets.pipeline.processors import guess_processor_params
from datasets.pipeline.processors.guess import best_first, date_format_suggestions
from datasets.services.preview import resource_preview


@dataclass(frozen=True)
class StepInputs:
    """``fields``: the preview's fields (dicts with name, label, type) at the new step's place;
    ``guesses``: per field argument, its candidate field names, best first; ``date_formats``: strptime
    formats, those matching the data first."""

    fields: list[dict[str, Any]]
    guesses: dict[str, list[str]] = field(default_factory=dict)
    date_formats: list[str] = field(default_factory=list)


def step_inputs(dataset: Dataset, *, processor: str | None) -> StepInputs | None:
    """The inputs of a new processor named ``processor`` (``None``: a field specification), or None when the
    dataset has no resource or its first resource cannot be read now."""
    resource = dataset.resources.order_by("position", "id").first()
    if resource is None:
        return None
    spec = {"url": resource.url, "type": resource.type, "params": resource.params}
    try:
        shown = resource_preview(dataset=dataset, resource=spec, specifications=processor is None)
    except (ManagementAPIError, OSError):  # SourceError and fetch errors included: the form still works
        return None
    orders = {item["name"]: item.get("inference", {}).get("date_order") for item in shown["fields"]}
    return StepInputs(
        fields=shown["fields"],
        guesses=guessed_fields(processor, shown) if processor else {},
        date_formats=date_format_suggestions(orders, shown["records"]),
    )


def guessed_fields(processor: str, shown: dict[str, Any]) -> dict[str, list[str]]:
    """Per argument, the candidate field names of ``guess_processor_params``, best first."""
    fields = [Field.from_dict(item) for item in shown["fields"]]
    try:
        guesses = guess_processor_params(processor, fields, shown["records"])
    except ManagementAPIError:  # an unknown processor: the form says so, nothing to guess
        return {}
    return {argument: best_first(argument, list(candidates)) for argument, candidates in guesses.items()}
