"""Readers: bytes of a resource to fields and raw records, one module per extractor type.

``open_source(extractor, params, stream)`` validates the params against the catalogue
(``datasets.pipeline.extractors``), opens the stream and returns a ``Source`` whose ``fields`` are
known at once and whose ``rows()`` stream ``(row number, {field name: raw value})``. CSV and XLSX
values are strings, JSON values are Python values as decoded; typing happens later in the pipeline.

``settled_params(extractor, params, stream)`` first decides a CSV's encoding over the whole stream
(``encoding.settle_encoding``): previews, the save check and publishing read with its params.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from datasets.pipeline.extractors import validate_params
from datasets.pipeline.readers.base import DEFAULT_LIMITS, NoDataRowsError, ReadLimits, Source
from datasets.pipeline.readers.csv_reader import open_csv
from datasets.pipeline.readers.encoding import EncodingDecision, settle_encoding
from datasets.pipeline.readers.geojson_reader import open_geojson
from datasets.pipeline.readers.json_reader import open_json
from datasets.pipeline.readers.xlsx_reader import open_xlsx

__all__ = ["EncodingDecision", "NoDataRowsError", "ReadLimits", "Source", "open_source", "settled_params"]

READERS = {"csvfile": open_csv, "jsonfile": open_json, "geojsonfile": open_geojson, "xlsfile": open_xlsx}


def open_source(
    extractor: str, params: dict[str, Any] | None, stream: BinaryIO, *, limits: ReadLimits = DEFAULT_LIMITS
) -> Source:
    """Open ``stream`` (binary, seekable) with ``extractor``; see the module docstring.

    Raises UnknownExtractorError, InvalidExtractorParameterError, or SourceError with a human reason.
    """
    checked = validate_params(extractor, params)
    stream.seek(0)
    return READERS[extractor](checked, stream, limits)


def settled_params(
    extractor: str, params: dict[str, Any] | None, stream: BinaryIO
) -> tuple[dict[str, Any], EncodingDecision | None]:
    """(params to open ``stream`` with, the encoding decision): a CSV's declared encoding is checked over
    every byte and replaced when it fails; other extractors' params are returned as given, with None.

    Raises UnknownExtractorError or InvalidExtractorParameterError like ``open_source``.
    """
    if extractor != "csvfile":
        return params or {}, None
    checked = validate_params(extractor, params)
    decision = settle_encoding(stream, checked["encoding"])
    return {**checked, "encoding": decision.used}, decision
