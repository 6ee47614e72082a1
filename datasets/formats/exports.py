"""The formats a dataset exports to: each one's file extension, content type, writer and the options it accepts.

The Explore API's exports (``datasets.api.explore.exports``) write them; the catalog pages link one export per
format. An option's reader raises the ``ExploreError`` naming it (400), before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from datasets.access.errors import bad_parameter
from datasets.formats import writers

BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class ExportFormat:
    """A dataset export format: its file extension, content type, writer and the options it accepts."""

    extension: str
    content_type: str
    writer: Callable[..., Iterator[bytes]]
    options: dict[str, Callable[[str, str], Any]] = field(default_factory=dict)
    names_projection: bool = False  # the writer takes ``epsg`` to declare a projection other than WGS 84


def boolean(name: str, raw: str) -> bool:
    if raw.lower() not in BOOLEANS:
        raise bad_parameter(name, f"expected true or false, got '{raw}'")
    return BOOLEANS[raw.lower()]


def one_of(*allowed: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        if raw not in allowed:
            raise bad_parameter(name, f"'{raw}'; expected one of {', '.join(allowed)}")
        return raw

    return parse


def separator(name: str, raw: str) -> str:
    """A list separator: a short text that cannot break a CSV line."""
    if not 1 <= len(raw) <= 5 or "\n" in raw or "\r" in raw:
        raise bad_parameter(name, "expected 1 to 5 characters, no line break")
    return raw


FORMATS = {
    "csv": ExportFormat(
        "csv",
        "text/csv; charset=utf-8",
        writers.write_csv,
        {
            "delimiter": one_of(";", ",", "tab", "\t", "|"),
            "list_separator": separator,
            "quote_all": boolean,
            "with_bom": boolean,
        },
    ),
    "json": ExportFormat("json", "application/json", writers.write_json),
    "jsonl": ExportFormat("jsonl", "application/jsonl", writers.write_jsonl),
    "geojson": ExportFormat("geojson", "application/geo+json", writers.write_geojson, names_projection=True),
    "xlsx": ExportFormat(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", writers.write_xlsx
    ),
    "parquet": ExportFormat(
        "parquet",
        "application/vnd.apache.parquet",
        writers.write_parquet,
        {"parquet_compression": one_of("snappy", "zstd")},
    ),
}
WRITER_ARGUMENTS = {"parquet_compression": "compression"}
