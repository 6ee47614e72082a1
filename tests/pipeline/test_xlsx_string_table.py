"""The streamed shared-strings table reads every entry as openpyxl did, and refuses a DOCTYPE."""

from __future__ import annotations

import io

import pytest
from openpyxl.reader.strings import read_string_table

from datasets.pipeline.core import SourceError
from datasets.pipeline.readers import open_source
from datasets.pipeline.readers.xlsx_string_table import CHUNK_BYTES, DoctypeRefused, table_entries
from tests.pipeline.hostile_xlsx import MAIN_NS, STRINGS_PART, rewritten, workbook

ENTRIES = [
    "<si><t>plain</t></si>",
    '<si><t xml:space="preserve">  spaced  </t></si>',
    "<si><t/></si>",
    "<si><t>a &amp; b &lt;c&gt; &#233;t&#xE9;</t></si>",
    "<si><r><rPr><b/></rPr><t>bold </t></r><r><t>and plain</t></r></si>",
    '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>',
    "<si><t>_x005F_x000D_ kept escaped</t></si>",
    "<si><t>line\nbreak</t></si>",
]


def table(entries: list[str]) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">{"".join(entries)}</sst>'.encode()


def test_entries_read_as_openpyxl_reads_them():
    data = table(ENTRIES)
    assert list(table_entries(io.BytesIO(data))) == read_string_table(io.BytesIO(data))


def test_entries_spanning_chunks_read_whole():
    entries = [f"<si><t>{index:06d}{'x' * 5000}</t></si>" for index in range(3 * CHUNK_BYTES // 5000)]
    data = table(entries)
    assert list(table_entries(io.BytesIO(data))) == read_string_table(io.BytesIO(data))


def test_a_doctype_is_refused():
    bomb = b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    data = table(["<si><t>&b;</t></si>"]).replace(b"?>", b"?>" + bomb, 1)
    with pytest.raises(DoctypeRefused):
        list(table_entries(io.BytesIO(data)))


def test_a_workbook_whose_table_declares_a_doctype_is_damaged():
    declared = rewritten(workbook([["name"], ["Oak"]]), {STRINGS_PART: lambda strings: b"<!DOCTYPE sst>" + strings})
    with (
        pytest.raises(SourceError, match="damaged or truncated"),
        open_source("xlsfile", {}, io.BytesIO(declared)) as source,
    ):
        list(source.rows())
