"""Workbooks built to be hostile: a shared-strings table far larger than the cells that use it, a sheet
declaring more cells than it holds. Scaled down from the reported 1.6 MB file whose table inflated to 300 MB.

openpyxl writes text cells inline, so the workbooks here are written part by part, as Excel writes them:
text cells (``t="s"``) hold an index into ``xl/sharedStrings.xml``.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils.cell import get_column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS_PART = "xl/sharedStrings.xml"
SHEET_PART = "xl/worksheets/sheet1.xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def workbook(rows: list[list[str]], unused: bytes = b"") -> bytes:
    """A one-sheet workbook of ``rows`` whose texts are shared strings, ``unused`` entries after them."""
    table: dict[str, int] = {}
    sheet_rows = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{get_column_letter(column)}{number}" t="s"><v>{table.setdefault(text, len(table))}</v></c>'
            for column, text in enumerate(row, start=1)
        )
        sheet_rows.append(f'<row r="{number}">{cells}</row>')
    width = max(map(len, rows))
    sheet = (
        f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:{get_column_letter(width)}{len(rows)}"/>'
        f"<sheetData>{''.join(sheet_rows)}</sheetData></worksheet>"
    ).encode()
    entries = "".join(f"<si><t>{escape(text)}</t></si>" for text in table).encode()
    strings = f'<sst xmlns="{MAIN_NS}">'.encode() + entries + unused + b"</sst>"
    return rewritten(_empty_workbook(), {SHEET_PART: lambda _: sheet, STRINGS_PART: lambda _: strings})


def unused_strings(count: int, length: int, seed: int = 11) -> bytes:
    """``count`` distinct ``<si>`` entries of ``length`` characters: a few random letters in filler text,
    so they deflate well but under the 200:1 ratio the reader refuses as a zip bomb."""
    chooser = random.Random(seed)
    filler = "lorem ipsum dolor sit amet " * (length // 27 + 1)
    entries = []
    for index in range(count):
        noise = "".join(chooser.choices("abcdefghijklmnopqrstuvwxyz", k=12))
        entries.append(f"<si><t>{index:08d}{noise}{filler}"[: length + 8] + "</t></si>")
    return "".join(entries).encode()


def rewritten(data: bytes, parts: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """``data`` with each part in ``parts`` replaced by ``change(old bytes) -> new bytes`` (deflated);
    a part ``data`` lacks is added as ``change(b"")``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        names = set()
        for member in source.infolist():
            names.add(member.filename)
            content = source.read(member)
            change = parts.get(member.filename)
            target.writestr(member.filename, change(content) if change else content)
        for name, change in parts.items():
            if name not in names:
                target.writestr(name, change(b""))
    return buffer.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """``data`` whose sheet declares the dimension ``ref`` instead of its true one."""

    def declare(sheet: bytes) -> bytes:
        start = sheet.index(b"<dimension ")
        end = sheet.index(b"/>", start) + 2
        return sheet[:start] + f'<dimension ref="{ref}"/>'.encode() + sheet[end:]

    return rewritten(data, {SHEET_PART: declare})


def _empty_workbook() -> bytes:
    """openpyxl's one-sheet workbook with the shared-strings part declared in its manifest."""
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    override = f'<Override PartName="/{STRINGS_PART}" ContentType="{STRINGS_TYPE}"/></Types>'.encode()
    return rewritten(buffer.getvalue(), {"[Content_Types].xml": lambda types: types.replace(b"</Types>", override)})


def with_external_link(data: bytes, link: bytes) -> bytes:
    """``data`` whose workbook refers to an external workbook whose cached copy is the part ``link``."""
    target = "externalLinks/externalLink1.xml"
    relation = (
        f'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" '
        f'Target="{target}" Id="rId99" /></Relationships>'
    ).encode()
    reference = b'<externalReferences><externalReference r:id="rId99"/></externalReferences><definedNames'
    return rewritten(
        data,
        {
            "xl/_rels/workbook.xml.rels": lambda rels: rels.replace(b"</Relationships>", relation),
            "xl/workbook.xml": lambda book: book.replace(b"<definedNames", reference, 1),
            f"xl/{target}": lambda _: link,
        },
    )
