import psycopg
import pytest
from django.db import connection, transaction
from psycopg import sql

from datasets.store import SCHEMA, FinishReport, Loader, count_rows, create_table, finish_table, index_name, table_name
from datasets.store.indexes import indexed_fields
from tests.store.conftest import fetch, field

FIELDS = [
    field("title"),
    field("category", "text", "facet"),
    field("code", "text", "id"),
    field("label", "text", "sortable"),
    field("tags", "text", "multivalued", "facet"),
    field("keywords", "text", "multivalued"),
    field("population", "int"),
    field("ratio", "double"),
    field("open", "boolean"),
    field("day", "date"),
    field("moment", "datetime"),
    field("location", "geo_point_2d"),
    field("shape", "geo_shape"),
]


def load(cursor, table, fields, records) -> None:
    create_table(cursor, table, fields)
    with Loader(cursor, table, fields) as loader:
        for record in records:
            loader.write(record)


def indexes(cursor, table: str) -> dict[str, str]:
    """Index name -> access method and column, e.g. ``btree(population)``."""
    rows = fetch(
        cursor, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s", [SCHEMA, table]
    )
    return {name: definition.split(" USING ", 1)[1].replace(" ", "") for name, definition in rows}


@pytest.mark.django_db(transaction=True)
def test_finish_table_builds_every_index_and_analyzes(cursor):
    table = table_name("da_tst001", 1)
    load(cursor, table, FIELDS, [{"code": str(number), "title": f"t{number}"} for number in range(20)])
    assert finish_table(cursor, table, FIELDS) == FinishReport(duplicate_ids=0, skipped_indexes=[])
    assert indexes(cursor, table) == expected_indexes("da_tst001_v1_{}_{}".format)
    constraints = fetch(
        cursor, "SELECT conname, contype FROM pg_constraint WHERE conrelid = %s::regclass", [f"{SCHEMA}.{table}"]
    )
    assert constraints == [("da_tst001_v1_record_id_pkey", "p")]
    # Column statistics exist only once ANALYZE ran.
    analyzed = fetch(
        cursor, "SELECT count(*) > 0 FROM pg_stats WHERE schemaname = %s AND tablename = %s", [SCHEMA, table]
    )
    assert analyzed == [(True,)]


@pytest.mark.django_db(transaction=True)
def test_builds_on_two_connections_give_the_same_table(cursor):
    table = table_name("da_tst001", 1)
    load(cursor, table, FIELDS, [{"code": str(number), "title": f"t{number}"} for number in range(20)])
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as second, second.cursor() as other:
        assert finish_table(cursor, table, FIELDS, more_cursors=(other,)) == FinishReport()
    assert indexes(cursor, table) == expected_indexes("da_tst001_v1_{}_{}".format)
    constraints = fetch(
        cursor, "SELECT conname, contype FROM pg_constraint WHERE conrelid = %s::regclass", [f"{SCHEMA}.{table}"]
    )
    assert constraints == [("da_tst001_v1_record_id_pkey", "p")]


@pytest.mark.django_db(transaction=True)
def test_repeated_ids_on_two_connections_keep_every_row(cursor):
    table = table_name("da_tst001", 1)
    fields = [field("code", "text", "id"), field("name")]
    load(cursor, table, fields, [{"code": "a", "name": "x"}, {"code": "a", "name": "y"}])
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as second, second.cursor() as other:
        assert finish_table(cursor, table, fields, more_cursors=(other,)) == FinishReport(duplicate_ids=1)
    assert count_rows(cursor, table) == 2
    assert "da_tst001_v1_record_id_pkey" not in indexes(cursor, table)


def expected_indexes(name) -> dict[str, str]:
    """Field btrees end with record_id so that filtered pages, ordered by record_id, need no sort."""
    return {
        name("record_id", "pkey"): "btree(record_id)",
        name("category", "idx"): "btree(category,record_id)",
        name("code", "idx"): "btree(code,record_id)",
        name("label", "idx"): "btree(label,record_id)",
        name("tags", "gin"): "gin(tags)",
        name("population", "idx"): "btree(population,record_id)",
        name("ratio", "idx"): "btree(ratio,record_id)",
        name("day", "idx"): "btree(day,record_id)",
        name("moment", "idx"): "btree(moment,record_id)",
        name("location", "gist"): "gist(location)",
        name("shape", "gist"): "gist(shape)",
        name("shape", "geog"): "gist(((shape)::geography))",
        name("fts", "gin"): "gin(fts)",
    }


@pytest.mark.django_db(transaction=True)
def test_duplicate_ids_keep_every_row_and_get_a_plain_index(cursor):
    table = table_name("da_tst001", 1)
    fields = [field("code", "text", "id"), field("name")]
    records = [
        {"code": "a", "name": "first"},
        {"code": "a", "name": "second"},
        {"code": "a", "name": "third"},
        {"code": "b"},
    ]
    load(cursor, table, fields, records)
    assert finish_table(cursor, table, fields) == FinishReport(duplicate_ids=2, skipped_indexes=[])
    assert count_rows(cursor, table) == 4
    assert indexes(cursor, table)[index_name(table, "record_id", "idx")] == "btree(record_id)"
    assert fetch(cursor, "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass", [f"{SCHEMA}.{table}"]) == [
        (0,)
    ]


@pytest.mark.django_db(transaction=True)
def test_identical_records_without_id_fields_are_duplicates_too(cursor):
    table = table_name("da_tst001", 1)
    fields = [field("name")]
    load(cursor, table, fields, [{"name": "same"}, {"name": "same"}])
    assert finish_table(cursor, table, fields).duplicate_ids == 1


@pytest.mark.django_db(transaction=True)
def test_text_too_long_for_a_btree_is_left_unindexed_instead_of_failing(cursor):
    table = table_name("da_tst001", 1)
    fields = [field("summary", "text", "sortable"), field("category", "text", "facet")]
    # Random-looking text: a repeated string would compress below the btree limit.
    long_text = "".join(chr(0x4E00 + (index * 7919) % 20000) for index in range(3000))
    load(cursor, table, fields, [{"summary": long_text, "category": "a"}])
    assert finish_table(cursor, table, fields) == FinishReport(duplicate_ids=0, skipped_indexes=["summary"])
    assert index_name(table, "summary", "idx") not in indexes(cursor, table)
    assert index_name(table, "category", "idx") in indexes(cursor, table)


@pytest.mark.django_db(transaction=True)
def test_long_column_names_get_unique_trimmed_index_names(cursor):
    table = table_name("da_tst001", 1)
    fields = [field("a" * 55 + "_first", "int"), field("a" * 55 + "_second", "int")]
    load(cursor, table, fields, [{}])
    finish_table(cursor, table, fields)
    names = [name for name in indexes(cursor, table) if name.startswith("da_tst001_v1_aaa")]
    assert len(names) == 2 and all(len(name.encode()) <= 63 for name in names)


@pytest.mark.django_db(transaction=True)
def test_an_empty_table_finishes(cursor):
    table = table_name("da_tst001", 1)
    load(cursor, table, FIELDS, [])
    assert finish_table(cursor, table, FIELDS) == FinishReport()
    assert count_rows(cursor, table) == 0


@pytest.mark.django_db(transaction=True)
def test_finish_table_inside_a_transaction_with_duplicates(cursor):
    """The failed primary key only rolls back to a savepoint: the caller's transaction goes on."""
    table = table_name("da_tst001", 1)
    fields = [field("code", "text", "id")]
    with cursor.connection.transaction():
        load(cursor, table, fields, [{"code": "a"}, {"code": "a"}])
        assert finish_table(cursor, table, fields).duplicate_ids == 1
    assert count_rows(cursor, table) == 2


@pytest.mark.django_db(transaction=True)
def test_advisory_lock_key_is_accepted_by_postgres(cursor):
    from datasets.store import advisory_lock_key

    with cursor.connection.transaction():
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_lock_key("da_tst001")])
        locks = fetch(cursor, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
    assert locks == [(1,)]


@pytest.mark.django_db(transaction=True)
def test_finish_table_inside_a_django_atomic_block_with_duplicates(cursor):
    """Publish workers may wrap the load in ``transaction.atomic``: the fallback must not break it."""
    table = table_name("da_tst001", 1)
    fields = [field("code", "text", "id")]
    with transaction.atomic():
        load(cursor, table, fields, [{"code": "a"}, {"code": "a"}, {"code": "b"}])
        assert finish_table(cursor, table, fields).duplicate_ids == 1
        assert count_rows(cursor, table) == 3
    assert count_rows(cursor, table) == 3


@pytest.mark.django_db(transaction=True)
def test_a_filtered_page_reads_the_index_in_record_id_order(cursor):
    table = table_name("da_tst001", 1)
    load(cursor, table, FIELDS, [{"code": str(n), "category": f"c{n % 3}"} for n in range(3000)])
    finish_table(cursor, table, FIELDS)
    cursor.execute("SET enable_seqscan = off")
    plan = fetch(
        cursor,
        sql.SQL("EXPLAIN SELECT code FROM {} WHERE category = %s ORDER BY record_id LIMIT 10").format(
            sql.Identifier(SCHEMA, table)
        ),
        ["c1"],
    )
    text = "\n".join(row[0] for row in plan)
    assert "Sort" not in text
    cursor.execute("RESET enable_seqscan")


MANY_NUMBERS = [
    field("name"),
    field("category", "text", "facet"),
    *(field(f"n{number:02d}", "int") for number in range(25)),
    field("rank", "double", "sortable"),
    field("sorted_by", "text"),
    field("tags", "text", "multivalued"),
    field("location", "geo_point_2d"),
]


def test_indexed_fields_are_the_annotated_the_wanted_and_a_bounded_default():
    annotated = {"category", "rank"}
    first_numbers = {f"n{number:02d}" for number in range(20)}
    assert indexed_fields(MANY_NUMBERS) == annotated | first_numbers
    wanted = {"sorted_by", "n24", "tags", "location", "missing"}  # geometries get GiST anyway; unknown names: ignored
    assert indexed_fields(MANY_NUMBERS, wanted, 2) == annotated | {"sorted_by", "n24", "tags", "n00", "n01"}
    assert indexed_fields(MANY_NUMBERS, default_count=0) == annotated


@pytest.mark.django_db(transaction=True)
def test_finish_table_builds_btrees_only_for_the_indexed_fields(cursor):
    table = table_name("da_tst001", 1)
    load(cursor, table, MANY_NUMBERS, [{"name": "a", "n00": 1}])
    finish_table(cursor, table, MANY_NUMBERS, wanted={"sorted_by", "tags"}, default_count=3)
    name = "da_tst001_v1_{}_{}".format
    assert indexes(cursor, table) == {
        name("record_id", "pkey"): "btree(record_id)",
        name("category", "idx"): "btree(category,record_id)",
        name("rank", "idx"): "btree(rank,record_id)",
        name("sorted_by", "idx"): "btree(sorted_by,record_id)",
        name("tags", "gin"): "gin(tags)",
        name("n00", "idx"): "btree(n00,record_id)",
        name("n01", "idx"): "btree(n01,record_id)",
        name("n02", "idx"): "btree(n02,record_id)",
        name("location", "gist"): "gist(location)",
        name("fts", "gin"): "gin(fts)",
    }
