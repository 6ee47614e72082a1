"""The load a column batch at a time (``tasks.batch_load``) stores what the record path stored, errors included.

The record path is the pipeline's ``run`` (typed records) into ``Loader.write``, with errors kept by
``RecordErrors`` as they come. Both load the same messy CSV into two tables of the real database:
the rows (record ids included) and the kept record errors (with their rows, fields, messages and
record ids) must be identical, whatever the batch size, with or without processors, id fields or
a record limit.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from datasets.pipeline.batches import BatchedSource
from datasets.pipeline.core import Field
from datasets.pipeline.processors import build_processor
from datasets.pipeline.readers import open_source, validate_params
from datasets.pipeline.readers.base import ReadLimits
from datasets.pipeline.runner import formats_of, infer, run, separators_of, types_of
from datasets.pipeline.specifications import FieldSpecifications
from datasets.services.record_errors import RecordErrors
from datasets.store import Loader, create_table, table_name
from datasets.tasks.batch_load import BatchWriter
from tests.store.conftest import fetch

MESSY = (
    "id;count;price;day;label;flag;tags;moment\n"
    "1;12;1,50;31/01/2024;a;oui;x|y;2024-01-31 10:00:00\n"
    "2;NA;2,25;01/02/2024;b;non;;2024-01-31 11:00:00\n"
    "3;007;NA;2024-02-30;c\\d;vrai;z;NA\n"
    "\n"
    "4;x;3;15/03/2024;line\ttab;faux;u|v|w;2024-13-01 00:00:00\n"
    "5;5;4,5\n"
    "6;6;5,75;16/03/2024;f;oui;t;2024-02-01 12:00:00;extra;more\n"
    "7;-8;0,001;17/03/2024;caf\udce9;non;s;2024-02-01T12:30:00\n"
    "8;9223372036854775807;1e5;18/03/2024;;;;\n"
    "9;9;6;19/03/2024;g;oui;r;2024-02-02 00:00:00\n"
).encode("utf-8", "surrogateescape")  # one stray byte (0xe9) in UTF-8


def opened(data: bytes):
    # The declared encoding is kept (not settled over the bytes): the stray latin-1 byte is undecodable.
    params = validate_params("csvfile", {"encoding": "utf-8", "separator": ";"})
    return open_source("csvfile", params, io.BytesIO(data), limits=ReadLimits())


def inferred(data: bytes, steps, specs) -> tuple[list[Field], dict]:
    with opened(data) as source:
        fields, details, _count = infer(source, steps, specs, resource_uid="re_1")
    return fields, details


def by_records(cursor, table, data, steps, specs, limit) -> RecordErrors:
    """The record path, as the publish ran it before the column batches."""
    fields, details = inferred(data, steps, specs)
    create_table(cursor, table, fields)
    errors, loaded = RecordErrors(), 0
    with Loader(cursor, table, fields) as loader, opened(data) as source:
        records = run(
            source,
            steps,
            specs,
            resource_uid="re_1",
            types=types_of(fields),
            separators=separators_of(fields),
            formats=formats_of(details),
            on_error=errors,
        )
        for row, record in records:
            if loaded >= limit:
                break
            errors.written(row, loader.write(record))
            loaded += 1
    return errors


def by_batches(cursor, table, data, steps, specs, limit, batch_rows) -> RecordErrors:
    fields, details = inferred(data, steps, specs)
    create_table(cursor, table, fields)
    errors, loaded = RecordErrors(), 0
    with Loader(cursor, table, fields) as loader, opened(data) as source:
        writer = BatchWriter(
            loader,
            fields,
            formats=formats_of(details),
            separators=separators_of(fields),
            errors=errors,
            resource_uid="re_1",
        )
        counted = BatchedSource(source, 2, lambda _rows: None)
        for batch in writer.batches(counted, steps, specs, batch_rows):
            room = limit - loaded
            limited = len(batch) > room
            loaded += len(writer.write(batch.cut(room) if limited else batch))
            if limited:
                break
    return errors


def stored(cursor, table) -> list[tuple]:
    return fetch(cursor, f'SELECT * FROM records."{table}" ORDER BY record_id')  # noqa: S608 - a test table


def tables() -> Iterator[tuple[str, str]]:
    version = 1
    while True:
        yield table_name("da_tst001", version), table_name("da_tst002", version)
        version += 1


def compare(cursor, data: bytes, steps=(), specs=None, limit=10**9, batch_rows=3) -> RecordErrors:
    specs = specs or FieldSpecifications()
    record_table, batch_table = next(TABLES)
    expected = by_records(cursor, record_table, data, list(steps), specs, limit)
    actual = by_batches(cursor, batch_table, data, list(steps), specs, limit, batch_rows)
    assert stored(cursor, batch_table) == stored(cursor, record_table)
    assert actual.as_dicts() == expected.as_dicts()
    assert actual.count == expected.count
    return actual


TABLES = tables()
# Declared types: values they cannot read are conversion errors (inferred types read every value).
DECLARED = FieldSpecifications(
    [
        ("fs_1", "type", {"field": "count", "type": "int"}),
        ("fs_2", "type", {"field": "day", "type": "date"}),
        ("fs_3", "type", {"field": "moment", "type": "datetime"}),
        ("fs_4", "type", {"field": "flag", "type": "boolean"}),
    ]
)


@pytest.mark.parametrize("batch_rows", [1, 2, 3, 4, 100])
def test_a_messy_csv_loads_the_same_in_batches_of_any_size(cursor, batch_rows):
    errors = compare(cursor, MESSY, specs=DECLARED, batch_rows=batch_rows)
    messages = [error["message"] for error in errors.as_dicts()]
    assert any("Cannot convert" in message for message in messages)
    assert any("Row has 3 values" in message for message in messages)
    assert any("not valid utf-8" in message for message in messages)
    assert all(error["record_id"] for error in errors.as_dicts() if error["row"] > 0)


def test_processors_take_the_record_path_inside_batches(cursor):
    steps = [
        build_processor("skip_record", {"field": "id", "value": "5"}, "pr_skip01"),
        build_processor("split", {"field": "tags", "separator": "|", "output_field": "tags"}, "pr_split1"),
    ]
    compare(cursor, MESSY, steps=steps, specs=DECLARED)


def test_renamed_deleted_and_declared_fields_load_the_same(cursor):
    specs = FieldSpecifications(
        [
            ("fs_1", "rename", {"from_name": "label", "to_name": "title"}),
            ("fs_2", "delete", {"field": "tags"}),
            ("fs_3", "type", {"field": "count", "type": "double"}),
            ("fs_4", "annotate", {"field": "id", "annotation": "id", "args": []}),
        ]
    )
    compare(cursor, MESSY, specs=specs)


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 4, 5])
def test_a_record_limit_cuts_where_the_record_path_stops(cursor, limit):
    compare(cursor, MESSY, specs=DECLARED, limit=limit, batch_rows=3)


def test_a_clean_csv_takes_the_whole_column_forms(cursor):
    lines = ["id,price,day,name,ok"] + [f"{n},{n}.50,2024-01-{n % 28 + 1:02d},name {n},true" for n in range(50)]
    errors = compare(cursor, ("\n".join(lines) + "\n").encode(), batch_rows=20)
    assert errors.count == 0
