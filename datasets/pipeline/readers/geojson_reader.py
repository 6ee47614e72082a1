"""The ``geojsonfile`` reader: the features of a FeatureCollection (or of a bare array of Features).

Each feature is one record: a ``geometry`` field first (the GeoJSON geometry dict, or None), then
the properties' keys, gathered as the JSON reader gathers keys. The features array is streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from datasets.pipeline.core import Field, SourceError
from datasets.pipeline.readers.base import ReadLimits, Source
from datasets.pipeline.readers.json_reader import KeyedFields, json_objects, open_scanner, read_ahead, seek_key
from datasets.pipeline.readers.json_scanner import JsonScanner


def open_geojson(params: dict[str, Any], stream: BinaryIO, limits: ReadLimits) -> Source:
    """Open a GeoJSON stream; raises SourceError when it is not a FeatureCollection or a Feature list."""
    scanner = open_scanner(stream, limits, "GeoJSON")
    first = scanner.peek()
    if first == "{":
        _goto_features(scanner)
    elif first != "[":
        raise SourceError(reason=f"the file is not GeoJSON: it starts with {first!r}")
    features = _features(json_objects(scanner.iter_array(), limits))
    geometry = Field(name="geometry", label="Geometry", type="geo_shape", original_name="geometry")
    keyed = KeyedFields([geometry], limits)
    ahead = read_ahead(scanner, features)
    for _, properties in ahead:
        for key in properties:
            keyed.name_of(key)
    return Source(
        keyed.fields, enumerate(_records(keyed, ahead, features), start=1), "the GeoJSON file has no features"
    )


def _goto_features(scanner: JsonScanner) -> None:
    seen: dict[str, Any] = {}
    found = seek_key(scanner, "features", seen)
    kind = seen.get("type", "FeatureCollection")
    if kind != "FeatureCollection":
        raise SourceError(reason=f"the file is not a GeoJSON FeatureCollection: its type is {kind!r}")
    if not found or scanner.peek() != "[":
        raise SourceError(reason="the file is not GeoJSON: the top-level object has no 'features' array")


def _features(objects: Iterator[dict[str, Any]]) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(geometry, properties) of each Feature, checking the shape GeoJSON requires."""
    for row, feature in enumerate(objects, start=1):
        if feature.get("type") != "Feature":
            raise SourceError(reason=f"row {row} is not a GeoJSON Feature (its type is {feature.get('type')!r})")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise SourceError(reason=f"row {row} has properties that are not a JSON object")
        yield feature.get("geometry"), properties


def _records(keyed: KeyedFields, ahead: list, features: Iterator[tuple[Any, dict[str, Any]]]) -> Iterator[dict]:
    for shape, properties in ahead:
        yield keyed.record(properties, {"geometry": shape})
    for shape, properties in features:
        yield keyed.record(properties, {"geometry": shape})
