"""The parquet and xlsx export writers: parquet streams row group by row group, xlsx is bounded and cleans up."""

import datetime as dt
import io
import os
import tempfile

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl.worksheet import _writer as openpyxl_writer

from datasets.access.errors import ExploreError
from datasets.formats import writers

COLUMNS = ["id", "name", "share", "open", "day", "at", "where", "tags"]
TYPES = ["int", "text", "double", "boolean", "date", "datetime", "geo_point_2d", "text[]"]
AT = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)


def row(n: int) -> tuple:
    return (
        n,
        None if n % 7 == 0 else f"name {n}",
        n / 4,
        n % 2 == 0,
        dt.date(2020, 1, 1) + dt.timedelta(days=n),
        AT + dt.timedelta(minutes=n),
        {"lon": 2.0 + n / 1000, "lat": 48.0},
        ["a", str(n)],
    )


def expected(n: int) -> dict:
    values = row(n)
    return {
        **dict(zip(COLUMNS[:6], values[:6], strict=True)),
        "where": f"48.0, {2.0 + n / 1000}",
        "tags": f"a,{n}",
    }


class CountedBatches:
    """Batches of ``size`` rows out of ``total``, counting how many were taken."""

    def __init__(self, total: int, size: int) -> None:
        self.total, self.size, self.taken = total, size, 0

    def __iter__(self):
        for start in range(0, self.total, self.size):
            self.taken += 1
            yield [row(n) for n in range(start, min(start + self.size, self.total))]


def test_parquet_yields_each_row_group_before_reading_the_rest(monkeypatch):
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 12)
    batches = CountedBatches(100, 4)
    chunks = writers.write_parquet(COLUMNS, TYPES, batches)
    first = next(chunks)
    assert first.startswith(b"PAR1")
    assert batches.taken == 3  # one row group of 12 rows, out of 25 batches
    content = first + b"".join(chunks)
    assert batches.taken == 25
    parquet = pq.ParquetFile(io.BytesIO(content))
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [12] * 8 + [4]
    table = parquet.read()
    assert table.schema == writers.arrow_schema(COLUMNS, TYPES)
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    records = table.to_pylist()
    assert len(records) == 100
    assert records == [expected(n) for n in range(100)]
    assert records[-1] == expected(99)


def test_parquet_row_groups_are_large_by_default_and_bounded_by_bytes(monkeypatch):
    def batches(total):
        return ([(n, f"text {n}") for n in range(start, min(start + 2000, total))] for start in range(0, total, 2000))

    content = b"".join(writers.write_parquet(["id", "name"], ["int", "text"], batches(70_000)))
    metadata = pq.ParquetFile(io.BytesIO(content)).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sizes == [66_000, 4_000]  # batches gathered up to 64 Ki rows, not one row group per batch
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_BYTES", 1)
    content = b"".join(writers.write_parquet(["id", "name"], ["int", "text"], batches(10_000)))
    table = pq.read_table(io.BytesIO(content))
    assert table.column("id").to_pylist() == list(range(10_000))
    assert pq.ParquetFile(io.BytesIO(content)).num_row_groups == 5  # every 2,000-row batch reaches the bound


def test_parquet_needs_no_temporary_file(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("no temporary file")

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    content = b"".join(writers.write_parquet(COLUMNS, TYPES, CountedBatches(10, 3), compression="zstd"))
    assert pq.read_table(io.BytesIO(content)).to_pylist() == [expected(n) for n in range(10)]
    empty = pq.read_table(io.BytesIO(b"".join(writers.write_parquet(COLUMNS, TYPES, iter(())))))
    assert empty.num_rows == 0 and empty.column_names == COLUMNS


@pytest.fixture
def temporary_files(monkeypatch):
    """Every temporary file the xlsx writer opens, and openpyxl's sheet files left on disk afterwards."""
    opened = []
    original = tempfile.TemporaryFile

    def tracked(*args, **kwargs):
        file = original(*args, **kwargs)
        opened.append(file)
        return file

    monkeypatch.setattr(tempfile, "TemporaryFile", tracked)
    before = set(openpyxl_writer.ALL_TEMP_FILES)
    yield opened
    left = [path for path in openpyxl_writer.ALL_TEMP_FILES if path not in before and os.path.exists(path)]
    assert left == [], "openpyxl's sheet file was left on disk"
    assert opened and all(file.closed for file in opened)


def test_xlsx_up_to_a_sheet_of_rows_is_written_whole(monkeypatch, temporary_files):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 11)
    content = b"".join(writers.write_xlsx(["id"], ["int"], ([(n,)] * 1 for n in range(10))))
    rows = list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    assert rows == [("id",)] + [(n,) for n in range(10)]


def test_xlsx_past_a_sheet_of_rows_is_refused_not_cut(monkeypatch, temporary_files):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 11)
    chunks = writers.write_xlsx(["id"], ["int"], ([(n,), (n + 100,)] for n in range(6)))
    with pytest.raises(ExploreError) as refused:
        next(chunks)
    assert (refused.value.status_code, refused.value.error_code) == (400, "ExportTooLarge")
    assert "at most 10 records" in refused.value.message


def test_xlsx_temporary_files_go_when_the_rows_fail(temporary_files):
    def failing():
        yield [(1,), (2,)]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        b"".join(writers.write_xlsx(["id"], ["int"], failing()))


def test_xlsx_temporary_file_goes_when_the_client_leaves(temporary_files):
    chunks = writers.write_xlsx(["id"], ["int"], ([(n,)] for n in range(10)))
    assert next(chunks).startswith(b"PK")
    chunks.close()
