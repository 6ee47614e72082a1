"""``geojoin``: copy the fields of the record of another published dataset whose shape holds a point.

The pipeline does not read the database: what another dataset holds comes from a ``ShapeLookup``
the application registers once (``use_shape_lookup``; see ``datasets.services.shape_lookup``).
Without one (pure tests, a tool running the pipeline alone), a geojoin cannot be compiled and
says so as an argument error.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from datasets.pipeline.core import Field, InvalidProcessorArgumentError, Record
from datasets.pipeline.processors.base import Step
from datasets.pipeline.processors.geo import pair
from datasets.pipeline.record_expressions import is_blank

GEO_TYPES = ("geo_point_2d", "geo_shape")


class ShapeLookup(Protocol):
    """Where a geojoin reads the shapes of the datasets it joins with."""

    def fields(self, dataset_id: str) -> list[Field] | None:
        """The fields of published dataset ``dataset_id`` when a geojoin may read it, else None."""

    def match(self, dataset_id: str, shape_field: str, names: list[str], point: list[float]) -> Record | None:
        """The ``names`` values of the first record whose ``shape_field`` holds ``[lat, lon]``, or None."""


_lookup: ShapeLookup | None = None


def use_shape_lookup(lookup: ShapeLookup | None) -> ShapeLookup | None:
    """Register (or, with None, forget) the lookup every geojoin compiled afterwards reads; returns the previous one."""
    global _lookup  # noqa: PLW0603 - one application-wide service, registered at start-up
    previous, _lookup = _lookup, lookup
    return previous


def reference_problem(dataset_id: str, shape_field: str | None, names: list[str] | None) -> tuple[str, str] | None:
    """``(argument, reason)`` when the reference dataset cannot serve this join, else None."""
    if _lookup is None:
        return "dataset_id", "joining with another dataset is not available here"
    fields = _lookup.fields(dataset_id)
    if fields is None:
        return "dataset_id", f"no published dataset '{dataset_id}' open to everyone"
    shapes = [field.name for field in fields if field.type == "geo_shape"]
    if shape_field is not None and shape_field not in shapes:
        return "shape_field", f"'{shape_field}' is not a geo_shape field of '{dataset_id}'; geo_shape fields: " + (
            ", ".join(shapes) or "(none)"
        )
    if not shapes:
        return "dataset_id", f"'{dataset_id}' has no geo_shape field"
    copyable = [field.name for field in fields if field.type not in GEO_TYPES]
    unknown = [name for name in names or () if name not in copyable]
    if unknown:
        return "fields", f"'{unknown[0]}' is not a field of '{dataset_id}' that can be copied; fields: " + (
            ", ".join(copyable) or "(none)"
        )
    return None


class GeoJoin(Step):
    """``geojoin``: the point in ``field`` looked up in the shapes of dataset ``dataset_id``.

    The ``fields`` of the first record whose ``shape_field`` holds the point (all its non-geo
    fields by default; the first geo_shape field by default) are copied under their names, with
    their types; no match (or a blank point) gives nulls.
    """

    name = "geojoin"

    def setup(self) -> None:
        dataset_id = self.args["dataset_id"]
        problem = reference_problem(dataset_id, self.args.get("shape_field"), self.args.get("fields"))
        if problem is not None:
            argument, reason = problem
            raise InvalidProcessorArgumentError(
                processor=self.name, argument=argument, reason=reason, processor_uid=self.uid
            )
        assert _lookup is not None  # reference_problem checked it
        self.lookup = _lookup
        reference = self.lookup.fields(dataset_id) or []
        self.shape_field = self.args.get("shape_field") or next(f.name for f in reference if f.type == "geo_shape")
        wanted = self.args.get("fields")
        self.copied = [f for f in reference if f.type not in GEO_TYPES and (wanted is None or f.name in wanted)]

    def input_fields(self) -> list[tuple[str, str]]:
        return [("field", self.args["field"])]

    def fields(self, fields: list[Field]) -> list[Field]:
        result = super().fields(fields)
        names = [field.name for field in result]
        for copied in self.copied:
            field = dataclasses.replace(copied, original_name=None, annotations=[])
            if copied.name in names:
                result[names.index(copied.name)] = field
            else:
                result.append(field)
        return result

    def apply(self, record: Record) -> Record:
        value = record.get(self.args["field"])
        names = [field.name for field in self.copied]
        found = None
        if not is_blank(value):
            point = pair(value, self.args["field"])
            found = self.lookup.match(self.args["dataset_id"], self.shape_field, names, point)
        for name in names:
            record[name] = None if found is None else found.get(name)
        return record
