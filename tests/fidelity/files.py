"""Generated tables written as files: CSV (any separator, encoding and line end), JSON, JSON Lines,
GeoJSON and XLSX (openpyxl), the way the tools behind public portals write them."""

from __future__ import annotations

import codecs
import csv
import io
import json
from typing import Any

import openpyxl

from tests.fidelity.contract import MISSING, Table


def write(table: Table) -> bytes:
    """The bytes of ``table`` in its format."""
    return WRITERS[table.format.family](table)


def write_csv(table: Table) -> bytes:
    file_format = table.format
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=file_format.separator, lineterminator=file_format.line_end)
    writer.writerow([column.name for column in table.columns])
    writer.writerows([column.cells[row].text for column in table.columns] for row in range(table.rows))
    return encoded(buffer.getvalue(), file_format.encoding)


def encoded(text: str, encoding: str) -> bytes:
    """``utf-16`` is little-endian with its BOM; ``utf-16-be`` gets its BOM too (the contract's UTF-16 has one)."""
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(encoding)


def json_objects(table: Table, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One object per row; a MISSING cell leaves its key out."""
    return [
        {
            column.name: column.cells[row].data
            for column in table.columns
            if column.name not in skip and column.cells[row].data is not MISSING
        }
        for row in range(table.rows)
    ]


def write_json(table: Table) -> bytes:
    return json.dumps(json_objects(table), ensure_ascii=False, indent=1).encode()


def write_jsonl(table: Table) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in json_objects(table)).encode()


def write_geojson(table: Table) -> bytes:
    """A FeatureCollection: the ``geometry`` column is each feature's geometry, the others its properties."""
    shapes = next(column for column in table.columns if column.name == "geometry").cells
    features = [
        {"type": "Feature", "geometry": shape.data, "properties": properties}
        for shape, properties in zip(shapes, json_objects(table, skip=("geometry",)), strict=True)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def write_xlsx(table: Table) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([column.name for column in table.columns])
    for row in range(table.rows):
        sheet.append([None if (data := column.cells[row].data) is MISSING else data for column in table.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WRITERS = {"csv": write_csv, "json": write_json, "jsonl": write_jsonl, "geojson": write_geojson, "xlsx": write_xlsx}
