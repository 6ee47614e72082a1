"""Bounds an XLSX archive must fit before openpyxl parses any of it, read from the archive itself.

The zip directory gives each part's uncompressed size, and Python's zipfile never inflates a member
past it, so these checks cost a directory read and a few kilobytes of each sheet:

* the shared-strings table, which a full read holds in memory (``xlsx_strings``), is at most
  ``max_xlsx_shared_strings_bytes`` uncompressed;
* the parts openpyxl parses whole (manifest, relationships, workbook, styles, theme, properties) are at
  most ``max_xlsx_part_bytes`` each;
* each worksheet holds at most ``max_xlsx_cells`` cells, estimated from its ``<dimension ref="A1:Z1000">``
  when it starts with one, and from its size otherwise (the larger of the two: some producers write a
  dimension of just "A1").

Each refusal is a SourceError naming the part, the measured value and the bound.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from typing import cast

from openpyxl.packaging.manifest import Manifest
from openpyxl.utils.cell import column_index_from_string
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_SHARED_STRINGS, SHARED_STRINGS, WORKSHEET_TYPE
from openpyxl.xml.functions import fromstring

from datasets.pipeline.core import SourceError
from datasets.pipeline.readers.base import MB, ReadLimits, human_size

# Where a sheet's dimension is written (after sheetPr), well within its first kilobytes.
SHEET_HEAD_BYTES = 16 * 1024
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')
# `<c><v>1</v></c>`: no cell with a value takes fewer bytes, so a sheet's size bounds its cells.
MIN_CELL_BYTES = 15
WHOLE_PART_NAMES = {ARC_CONTENT_TYPES, "xl/workbook.xml", "xl/styles.xml"}
WHOLE_PART_PREFIXES = ("xl/theme/", "docProps/")


def check_parts(archive: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse an archive whose shared strings, whole-parsed parts or sheets pass ``limits``."""
    sizes = {member.filename: member.file_size for member in archive.infolist()}
    for name, size in sizes.items():
        if _parsed_whole(name) and size > limits.max_xlsx_part_bytes:
            raise _too_large(f"its part {name}", size, limits.max_xlsx_part_bytes)
    manifest = _manifest(archive)
    for name in _shared_strings_parts(manifest) & sizes.keys():
        if sizes[name] > limits.max_xlsx_shared_strings_bytes:
            raise _too_large(f"its shared strings ({name})", sizes[name], limits.max_xlsx_shared_strings_bytes)
    for name in sorted(_worksheet_parts(manifest, sizes)):
        _check_cells(archive, name, sizes[name], limits)


def sheet_cells(archive: zipfile.ZipFile, name: str, size: int) -> tuple[int, str]:
    """(estimated cells of worksheet part ``name``, how the estimate was made)."""
    by_size = size // MIN_CELL_BYTES
    declared = _declared_dimension(archive, name)
    if declared is not None and declared[0] >= by_size:
        return declared
    return by_size, f"a {approximate_size(size)} sheet part"


def approximate_size(size: int) -> str:
    """'300.0 MB' past a megabyte, bytes below."""
    return f"{size / MB:.1f} MB" if size >= MB else f"{size} bytes"


def _check_cells(archive: zipfile.ZipFile, name: str, size: int, limits: ReadLimits) -> None:
    cells, basis = sheet_cells(archive, name, size)
    if cells > limits.max_xlsx_cells:
        raise SourceError(
            reason=f"the XLSX sheet {name} has about {cells} cells ({basis}); "
            f"at most {limits.max_xlsx_cells} cells per sheet are allowed"
        )


def _declared_dimension(archive: zipfile.ZipFile, name: str) -> tuple[int, str] | None:
    try:
        with archive.open(name) as part:
            head = part.read(SHEET_HEAD_BYTES)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
        return None  # openpyxl reports the damaged part with the reader's own message
    found = DIMENSION.search(head)
    if found is None:
        return None
    first_column, first_row, last_column, last_row = (group.decode() if group else None for group in found.groups())
    if last_column is None or last_row is None:
        return 1, f"its dimension {first_column}{first_row}"
    columns = abs(column_index_from_string(last_column) - column_index_from_string(cast(str, first_column))) + 1
    rows = abs(int(last_row) - int(cast(str, first_row))) + 1
    return columns * rows, f"its dimension {first_column}{first_row}:{last_column}{last_row}"


def _manifest(archive: zipfile.ZipFile) -> Manifest | None:
    """The content-types manifest (already bounded as a whole-parsed part), None when absent or unreadable."""
    try:
        return Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))  # type: ignore[arg-type]  # stubs want their own tree type
    except Exception:  # a missing or malformed manifest: openpyxl refuses the workbook as damaged
        return None


def _shared_strings_parts(manifest: Manifest | None) -> set[str]:
    declared = manifest.find(SHARED_STRINGS) if manifest is not None else None
    return {ARC_SHARED_STRINGS} | ({declared.PartName[1:]} if declared is not None else set())


def _worksheet_parts(manifest: Manifest | None, sizes: dict[str, int]) -> set[str]:
    declared = {part.PartName[1:] for part in manifest.findall(WORKSHEET_TYPE)} if manifest is not None else set()
    conventional = {name for name in sizes if name.startswith("xl/worksheets/") and name.endswith(".xml")}
    return (declared & sizes.keys()) | conventional


def _parsed_whole(name: str) -> bool:
    return name in WHOLE_PART_NAMES or name.endswith(".rels") or name.startswith(WHOLE_PART_PREFIXES)


def _too_large(what: str, size: int, limit: int) -> SourceError:
    return SourceError(
        reason=f"the XLSX file is too large to read: {what} would uncompress to {approximate_size(size)}; "
        f"at most {human_size(limit)} is allowed"
    )
