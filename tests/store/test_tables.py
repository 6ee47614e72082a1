import pytest
from psycopg import sql

from datasets.store import (
    SCHEMA,
    RecordsTableLimitError,
    count_rows,
    create_table,
    dataset_tables,
    drop_table,
    table_name,
)
from datasets.store.tables import MAX_FIELDS
from tests.store.conftest import fetch, field

ALL_TYPES = [
    field("title"),
    field("tags", "text", "multivalued"),
    field("population", "int"),
    field("ratio", "double"),
    field("open", "boolean"),
    field("day", "date"),
    field("moment", "datetime"),
    field("location", "geo_point_2d"),
    field("shape", "geo_shape"),
]


def column_types(cursor, table: str) -> dict[str, str]:
    """Column name -> ``format_type`` (which shows geometry typmods: ``geometry(Point,4326)``)."""
    rows = fetch(
        cursor,
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
        " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        [f"{SCHEMA}.{table}"],
    )
    return dict(rows)


@pytest.mark.django_db(transaction=True)
def test_create_table_types_every_field(cursor):
    table = table_name("da_tst001", 1)
    create_table(cursor, table, ALL_TYPES)
    assert column_types(cursor, table) == {
        "record_id": "text",
        "title": "text",
        "tags": "text[]",
        "population": "bigint",
        "ratio": "double precision",
        "open": "boolean",
        "day": "date",
        "moment": "timestamp with time zone",
        "location": "geometry(Point,4326)",
        "shape": "geometry(Geometry,4326)",
        "fts": "tsvector",
    }
    rows = fetch(
        cursor,
        "SELECT column_name, is_nullable, is_generated FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s AND column_name IN ('record_id', 'fts', 'title')",
        [SCHEMA, table],
    )
    assert sorted(rows) == [("fts", "YES", "ALWAYS"), ("record_id", "NO", "NEVER"), ("title", "YES", "NEVER")]
    rows = fetch(cursor, "SELECT relpersistence FROM pg_class WHERE oid = %s::regclass", [f"{SCHEMA}.{table}"])
    assert rows == [("p",)]  # a normal, crash-safe table


@pytest.mark.django_db(transaction=True)
def test_a_table_without_text_fields_still_has_an_empty_fts(cursor):
    table = table_name("da_tst001", 1)
    create_table(cursor, table, [field("n", "int")])
    cursor.execute(sql.SQL("INSERT INTO {} (record_id, n) VALUES ('a', 1)").format(sql.Identifier(SCHEMA, table)))
    assert fetch(cursor, f"SELECT fts::text FROM {SCHEMA}.{table}") == [("",)]


@pytest.mark.parametrize(
    "fields",
    [
        [field("name"), field("name", "int")],
        [field("record_id")],
        [field("fts")],
        [field("x" * 64)],
        [field("bad", "money")],
    ],
)
@pytest.mark.django_db(transaction=True)
def test_create_table_rejects_bad_schemas(cursor, fields):
    with pytest.raises(ValueError):
        create_table(cursor, table_name("da_tst001", 1), fields)
    assert dataset_tables(cursor, "da_tst001") == []


@pytest.mark.django_db(transaction=True)
def test_dataset_tables_lists_versions_in_order_and_drop_table_removes_them(cursor):
    for version in (10, 2, 1):
        create_table(cursor, table_name("da_tst001", version), [field("a")])
    create_table(cursor, table_name("da_tst002", 1), [field("a")])
    assert dataset_tables(cursor, "da_tst001") == ["da_tst001_v1", "da_tst001_v2", "da_tst001_v10"]
    drop_table(cursor, "da_tst001_v2")
    drop_table(cursor, "da_tst001_v2")  # already gone: not an error
    assert dataset_tables(cursor, "da_tst001") == ["da_tst001_v1", "da_tst001_v10"]
    assert dataset_tables(cursor, "da_tst002") == ["da_tst002_v1"]
    assert dataset_tables(cursor, "da_tst003") == []
    assert count_rows(cursor, "da_tst001_v1") == 0


@pytest.mark.django_db(transaction=True)
def test_dataset_tables_rejects_an_invalid_uid(cursor):
    with pytest.raises(ValueError):
        dataset_tables(cursor, "da_%")


@pytest.mark.django_db(transaction=True)
def test_the_text_join_function_is_created_once_and_is_immutable(cursor):
    create_table(cursor, table_name("da_tst001", 1), [field("tags", "text", "multivalued")])
    create_table(cursor, table_name("da_tst001", 2), [field("tags", "text", "multivalued")])
    rows = fetch(
        cursor,
        "SELECT p.provolatile FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = %s AND p.proname = 'immutable_text_join'",
        [SCHEMA],
    )
    assert rows == [("i",)]


@pytest.mark.django_db(transaction=True)
def test_fixed_width_columns_come_first_widest_alignment_first(cursor):
    """No padding between fixed-width columns: an 8-byte value after a boolean would waste 7 bytes of every row."""
    table = table_name("da_tst001", 1)
    create_table(cursor, table, ALL_TYPES)
    assert list(column_types(cursor, table)) == [
        "population",
        "ratio",
        "moment",
        "day",
        "open",
        "record_id",
        "title",
        "tags",
        "location",
        "shape",
        "fts",
    ]


@pytest.mark.django_db(transaction=True)
def test_more_fields_than_postgresql_has_columns_are_refused_with_a_clear_error(cursor):
    fields = [field(f"f{number}", "int") for number in range(MAX_FIELDS + 1)]
    with pytest.raises(RecordsTableLimitError, match="1599 fields, at most 1598"):
        create_table(cursor, table_name("da_tst001", 1), fields)
    create_table(cursor, table_name("da_tst001", 2), fields[:MAX_FIELDS])
    assert len(column_types(cursor, table_name("da_tst001", 2))) == 1600


def distinct_words() -> str:
    """Distinct made-up words, ~2.2 MB of lexemes uncapped: over the tsvector limit."""
    return " ".join(f"w{number:x}q" for number in range(300_000))


def hyphenated_wide_letters() -> str:
    """``𠀀𠀁-𠀂𠀃 …``, the costliest text per character measured (7.7 tsvector bytes, see FTS_MAX_CHARACTERS):
    ~5 MB uncapped."""
    letters = [chr(code) for code in range(0x20000, 0x20000 + 400)]
    pairs = (first + second for first in letters for second in letters)
    return " ".join(next(pairs) + "-" + next(pairs) for _ in range(70_000))


@pytest.mark.parametrize("make_text", [distinct_words, hyphenated_wide_letters])
@pytest.mark.django_db(transaction=True)
def test_text_over_the_tsvector_limit_is_stored_whole_and_indexed_up_to_the_cap(cursor, make_text):
    table = table_name("da_tst001", 1)
    create_table(cursor, table, [field("title"), field("body"), field("tags", "text", "multivalued")])
    text = "firstword " + make_text() + " lastword"
    insert = sql.SQL("INSERT INTO {} (record_id, title, body, tags) VALUES ('a', %s, %s, %s)")
    cursor.execute(insert.format(sql.Identifier(SCHEMA, table)), ["Title", text, ["tagged", "labels"]])
    stored, has_first, has_last, has_title, has_tag = fetch(
        cursor,
        sql.SQL(
            "SELECT body, fts @@ 'firstword'::tsquery, fts @@ 'lastword'::tsquery, fts @@ 'title'::tsquery,"
            " fts @@ 'tagged'::tsquery FROM {}"
        ).format(sql.Identifier(SCHEMA, table)),
    )[0]
    assert stored == text  # the value stays whole; only what full text reads is capped
    # Full text reads the first FTS_MAX_CHARACTERS characters of the text fields in schema order: the title and
    # the start of the body, not the body's end nor the tags after it.
    assert (has_title, has_first, has_last, has_tag) == (True, True, False, False)
