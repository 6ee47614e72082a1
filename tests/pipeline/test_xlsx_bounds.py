"""Hostile workbooks are refused from their archive's directory, or read within a bounded memory.

Scaled down from the reported 1.6 MB workbook whose shared strings inflated to 300 MB (under the
200:1 ratio cap): openpyxl parsed the whole table when it opened the workbook, for a preview too.
"""

from __future__ import annotations

import io
import random
import time
import tracemalloc
from dataclasses import replace

import openpyxl
import pytest

from datasets.pipeline.core import SourceError
from datasets.pipeline.guess import guess_extractor_params
from datasets.pipeline.readers import open_source
from datasets.pipeline.readers.base import DEFAULT_LIMITS, MB
from tests.pipeline.hostile_xlsx import (
    SHEET_PART,
    rewritten,
    unused_strings,
    with_dimension,
    with_external_link,
    workbook,
)

ROWS = [["name", "year"], ["Oak", "1990"], ["Ash", "2001"]]
RECORDS = [(1, {"name": "Oak", "year": "1990"}), (2, {"name": "Ash", "year": "2001"})]


def read(data: bytes, **limits: int) -> list:
    with open_source("xlsfile", {}, io.BytesIO(data), limits=replace(DEFAULT_LIMITS, **limits)) as source:
        return list(source.rows())


def test_a_shared_strings_table_over_the_bound_is_refused_naming_it():
    data = workbook(ROWS, unused_strings(1500, 2000))  # a 3 MB table
    with pytest.raises(SourceError) as refused:
        read(data, max_xlsx_shared_strings_bytes=2 * MB)
    assert str(refused.value) == (
        "Cannot read the resource: the XLSX file is too large to read: its shared strings (xl/sharedStrings.xml) "
        "would uncompress to 2.9 MB; at most 2 MB is allowed"
    )
    assert read(data, max_xlsx_shared_strings_bytes=4 * MB) == RECORDS


def test_guessing_refuses_the_same_table():
    data = workbook(ROWS, unused_strings(1500, 2000))
    limits = replace(DEFAULT_LIMITS, max_xlsx_shared_strings_bytes=2 * MB)
    with pytest.raises(SourceError, match="its shared strings"):
        guess_extractor_params("xlsfile", data[:1024], io.BytesIO(data), limits=limits)


def test_a_sheet_declaring_more_cells_than_allowed_is_refused_from_its_dimension():
    data = with_dimension(workbook(ROWS), "A1:CV200000")  # 100 columns x 200,000 rows
    with pytest.raises(SourceError) as refused:
        read(data, max_xlsx_cells=1_000_000)
    assert str(refused.value) == (
        "Cannot read the resource: the XLSX sheet xl/worksheets/sheet1.xml has about 20000000 cells "
        "(its dimension A1:CV200000); "
        "at most 1000000 cells per sheet are allowed"
    )


def test_a_sheet_whose_dimension_understates_it_is_bounded_by_its_size():
    rows = [["name", "year"], *([f"tree {n}", str(n)] for n in range(400))]
    data = with_dimension(workbook(rows), "A1")
    with pytest.raises(SourceError, match=r"has about \d+ cells \(a \d+ bytes sheet part\); at most 500 cells"):
        read(data, max_xlsx_cells=500)
    assert len(read(data, max_xlsx_cells=10_000)) == 400


def test_an_oversized_part_parsed_whole_is_refused():
    noise = random.Random(3).randbytes(MB).hex().encode()  # 2 MB that deflate too little to look like a bomb
    data = rewritten(workbook(ROWS), {"xl/styles.xml": lambda styles: styles + noise})
    with pytest.raises(SourceError, match=r"its part xl/styles.xml would uncompress to 2.0 MB; at most 1 MB"):
        read(data, max_xlsx_part_bytes=MB)


def test_external_links_are_not_read():
    """openpyxl reads each external workbook's cached copy whole by default; the reader never uses them."""
    noise = random.Random(5).randbytes(MB).hex().encode()  # 2 MB, not even XML
    data = with_external_link(workbook(ROWS), b"<externalLink>" + noise)
    assert read(data, max_xlsx_part_bytes=MB) == RECORDS


def test_cells_read_their_shared_strings_whatever_their_order():
    rows = [["name", "kind"], ["Oak", "tree"], ["tree", "Oak"], ["Ash", "tree"]]
    data = workbook(rows, unused_strings(10, 50))
    assert [record for _, record in read(data)] == [
        {"name": "Oak", "kind": "tree"},
        {"name": "tree", "kind": "Oak"},
        {"name": "Ash", "kind": "tree"},
    ]


def test_a_cell_pointing_past_the_table_is_a_damaged_file():
    past_the_end = {SHEET_PART: lambda sheet: sheet.replace(b"<v>4</v>", b"<v>99</v>")}
    data = rewritten(workbook(ROWS), past_the_end)
    with pytest.raises(SourceError, match="damaged or truncated"):
        read(data)


def test_a_hostile_table_under_the_bounds_is_read_in_bounded_memory_and_time():
    """A 48 MB table in a 0.5 MB file: only the strings the cells use are parsed (openpyxl held all 48 MB)."""
    data = workbook(ROWS, unused_strings(24_000, 2000))
    assert len(data) < MB
    tracemalloc.start()  # counts what Python and the XML parser allocate from here on
    try:
        started = time.perf_counter()
        records = read(data)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert records == RECORDS
    assert peak < 8 * MB, f"{peak / MB:.1f} MB"
    assert seconds < 3


def test_a_first_row_using_the_last_of_many_short_strings_reads_faster_than_openpyxl():
    """The worst case of a lazy table: the table is parsed to its end, at a fraction of openpyxl's cost
    (the reported workbook held millions of short strings; openpyxl took minutes)."""
    count = 200_000
    filler = "".join(f"<si><t>{index:07d}</t></si>" for index in range(count)).encode()
    last = count + 5  # after the 6 strings of ROWS
    data = rewritten(
        workbook(ROWS, filler), {SHEET_PART: lambda sheet: sheet.replace(b"<v>2</v>", b"<v>%d</v>" % last)}
    )
    started = time.perf_counter()
    openpyxl.load_workbook(io.BytesIO(data), read_only=True).close()  # parses the whole table at open
    openpyxl_seconds = time.perf_counter() - started
    started = time.perf_counter()
    records = read(data)
    seconds = time.perf_counter() - started
    assert records[0] == (1, {"name": f"{count - 1:07d}", "year": "1990"})
    assert seconds < openpyxl_seconds / 2, (seconds, openpyxl_seconds)
