import datetime as dt

import psycopg
import pytest

from datasets.store import SCHEMA, Loader, count_rows, create_table, record_id, table_name
from tests.store.conftest import fetch, field

FIELDS = [
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
SHAPES = {
    "Point": ({"type": "Point", "coordinates": [2.35, 48.85]}, "POINT(2.35 48.85)"),
    "MultiPoint": ({"type": "MultiPoint", "coordinates": [[0.0, 0.0], [1.5, 2.5]]}, "MULTIPOINT((0 0),(1.5 2.5))"),
    "LineString": ({"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]}, "LINESTRING(0 0,1 1)"),
    "MultiLineString": (
        {"type": "MultiLineString", "coordinates": [[[0.0, 0.0], [1.0, 1.0]], [[2.0, 2.0], [3.0, 3.0]]]},
        "MULTILINESTRING((0 0,1 1),(2 2,3 3))",
    ),
    "Polygon": (
        {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]},
        "POLYGON((0 0,1 0,1 1,0 0))",
    ),
    "MultiPolygon": (
        {"type": "MultiPolygon", "coordinates": [[[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]},
        "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))",
    ),
    "GeometryCollection": (
        {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Point", "coordinates": [1.0, 2.0]},
                {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0, 9.0]]},
            ],
        },
        "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))",
    ),
}


def load(cursor, table, fields, records) -> int:
    create_table(cursor, table, fields)
    loader = Loader(cursor, table, fields, batch_rows=2)  # small batches: several flushes in every test
    for record in records:
        loader.write(record)
    return loader.close()


FULL_RECORD = {
    "title": "Paris",
    "tags": ["capital", "city"],
    "population": 2_102_650,
    "ratio": 0.1 + 0.2,
    "open": True,
    "day": dt.date(2024, 1, 31),
    "moment": dt.datetime(2024, 6, 1, 12, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    "location": (48.85, 2.35),
    "shape": SHAPES["Polygon"][0],
}


@pytest.mark.django_db(transaction=True)
def test_every_type_round_trips_including_nulls(cursor):
    table = table_name("da_tst001", 1)
    assert load(cursor, table, FIELDS, [FULL_RECORD, {"title": None}, {}]) == 3
    rows = fetch(
        cursor,
        f"SELECT title, tags, population, ratio, open, day, moment, ST_Y(location), ST_X(location),"
        f" ST_SRID(location), ST_AsText(shape), ST_SRID(shape) FROM {SCHEMA}.{table} ORDER BY title NULLS LAST",
    )
    expected = [FULL_RECORD[name] for name in ("title", "tags", "population", "ratio", "open", "day", "moment")]
    assert rows[0] == (*expected, 48.85, 2.35, 4326, "POLYGON((0 0,1 0,1 1,0 0))", 4326)
    assert rows[1] == rows[2] == (None,) * 12


@pytest.mark.django_db(transaction=True)
def test_every_geojson_type_loads(cursor):
    table = table_name("da_tst001", 1)
    records = [{"kind": kind, "shape": shape} for kind, (shape, _) in SHAPES.items()]
    load(cursor, table, [field("kind"), field("shape", "geo_shape")], records)
    rows = dict(fetch(cursor, f"SELECT kind, ST_AsText(shape) FROM {SCHEMA}.{table}"))
    assert rows == {kind: wkt for kind, (_, wkt) in SHAPES.items()}


@pytest.mark.django_db(transaction=True)
def test_extreme_numbers_and_points(cursor):
    table = table_name("da_tst001", 1)
    fields = [field("n", "int"), field("x", "double"), field("p", "geo_point_2d")]
    records = [
        {"n": 2**63 - 1, "x": 1e-300, "p": (-90.0, 180.0)},
        {"n": -(2**63), "x": -1.5e300, "p": (1e-07, -0.0)},
    ]
    load(cursor, table, fields, records)
    rows = fetch(cursor, f"SELECT n, x, ST_Y(p), ST_X(p) FROM {SCHEMA}.{table} ORDER BY n")
    assert rows == [(-(2**63), -1.5e300, 1e-07, 0.0), (2**63 - 1, 1e-300, -90.0, 180.0)]


TRICKY_TEXTS = [
    "tab\there",
    "new\nline",
    "carriage\r\nreturn",
    "back\\slash \\N \\t \\\\",
    "\\N",
    "\\.",
    "quotes ' \" `",
    "braces {a,b} and NULL",
    "  spaces kept  ",
    "",
    "accents é 日本 🚀",
    "control \x01\x1f chars",
]


@pytest.mark.django_db(transaction=True)
def test_tricky_text_round_trips_exactly(cursor):
    table = table_name("da_tst001", 1)
    records = [{"position": index, "text": text} for index, text in enumerate(TRICKY_TEXTS)]
    load(cursor, table, [field("position", "int"), field("text")], records)
    rows = fetch(cursor, f"SELECT text FROM {SCHEMA}.{table} ORDER BY position")
    assert [row[0] for row in rows] == TRICKY_TEXTS


@pytest.mark.django_db(transaction=True)
def test_tricky_multivalued_items_round_trip_exactly(cursor):
    table = table_name("da_tst001", 1)
    records = [
        {"position": 0, "tags": TRICKY_TEXTS},
        {"position": 1, "tags": []},
        {"position": 2, "tags": "a lone string"},
        {"position": 3, "tags": ["NULL", "null", None, 'say "hi"']},
        {"position": 4, "tags": [1, True, "x"]},
    ]
    load(cursor, table, [field("position", "int"), field("tags", "text", "multivalued")], records)
    rows = fetch(cursor, f"SELECT tags FROM {SCHEMA}.{table} ORDER BY position")
    assert [row[0] for row in rows] == [
        TRICKY_TEXTS,
        [],
        ["a lone string"],
        ["NULL", "null", None, 'say "hi"'],
        ["1", "true", "x"],
    ]


@pytest.mark.django_db(transaction=True)
def test_nul_characters_are_dropped_and_lone_surrogates_replaced(cursor):
    table = table_name("da_tst001", 1)
    records = [{"text": "a\x00b", "tags": ["c\x00d"]}, {"text": "bad \ud800 surrogate"}]
    load(cursor, table, [field("text"), field("tags", "text", "multivalued")], records)
    rows = fetch(cursor, f"SELECT text, tags FROM {SCHEMA}.{table} ORDER BY text")
    assert rows == [("ab", ["cd"]), ("bad ? surrogate", None)]


@pytest.mark.django_db(transaction=True)
def test_non_string_values_of_a_text_field_load_as_json_text(cursor):
    table = table_name("da_tst001", 1)
    records = [{"text": ["a", "b"]}, {"text": {"k": 1}}, {"text": dt.date(2024, 1, 2)}, {"text": True}, {"text": 7}]
    load(cursor, table, [field("text")], records)
    rows = fetch(cursor, f"SELECT text FROM {SCHEMA}.{table}")
    assert sorted(row[0] for row in rows) == sorted(["2024-01-02", "7", '["a", "b"]', '{"k": 1}', "true"])


@pytest.mark.django_db(transaction=True)
def test_full_text_column_covers_text_and_multivalued_fields(cursor):
    table = table_name("da_tst001", 1)
    fields = [field("name"), field("comment"), field("tags", "text", "multivalued"), field("n", "int")]
    records = [
        {"name": "Tour Eiffel", "comment": None, "tags": ["Monument", "iron"], "n": 1},
        {"name": "Louvre", "comment": "Museum of art, Paris", "tags": None, "n": 2},
        {"name": None, "comment": None, "tags": None, "n": 3},
    ]
    load(cursor, table, fields, records)

    def matching(words: str) -> list[int]:
        query = f"SELECT n FROM {SCHEMA}.{table} WHERE fts @@ plainto_tsquery('simple', %s) ORDER BY n"
        return [row[0] for row in fetch(cursor, query, [words])]

    assert matching("eiffel") == [1]
    assert matching("MONUMENT iron") == [1]
    assert matching("paris") == [2]
    assert matching("museum art") == [2]
    assert matching("1") == []  # numbers are not text fields
    assert fetch(cursor, f"SELECT fts::text FROM {SCHEMA}.{table} WHERE n = 3") == [("",)]


@pytest.mark.django_db(transaction=True)
def test_record_ids_come_from_id_fields_or_the_whole_record(cursor):
    with_ids = [field("code", "text", "id"), field("name"), field("day", "date")]
    without = [field("code"), field("name"), field("day", "date")]
    record = {"code": "75056", "name": "Paris", "day": dt.date(2024, 1, 31), "ignored": "not a field"}
    tables = [table_name("da_tst001", number) for number in (1, 2, 3)]
    load(cursor, tables[0], with_ids, [record])
    load(cursor, tables[1], without, [record, {**record, "name": "Lyon"}])
    load(cursor, tables[2], without, [{key: value for key, value in record.items() if key != "ignored"}])
    assert fetch(cursor, f"SELECT record_id FROM {SCHEMA}.{tables[0]}") == [(record_id(record, ["code"]),)]
    first, other = (row[0] for row in fetch(cursor, f"SELECT record_id FROM {SCHEMA}.{tables[1]} ORDER BY name DESC"))
    assert first != other
    assert fetch(cursor, f"SELECT record_id FROM {SCHEMA}.{tables[2]}") == [(first,)]
    assert len(first) == 40


@pytest.mark.django_db(transaction=True)
def test_whole_record_ids_are_the_same_in_every_load(cursor):
    fields = [field("day", "date"), field("moment", "datetime"), field("point", "geo_point_2d")]
    moment = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    records = [{"day": dt.date(2024, 1, 31), "moment": moment, "point": (1.0, 2.0)}, {"day": None}]
    ids = []
    for number in (1, 2):
        table = table_name("da_tst001", number)
        load(cursor, table, fields, [dict(record) for record in records])
        ids.append(sorted(row[0] for row in fetch(cursor, f"SELECT record_id FROM {SCHEMA}.{table}")))
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 2


@pytest.mark.django_db(transaction=True)
def test_sql_keywords_as_field_names_are_quoted(cursor):
    table = table_name("da_tst001", 1)
    fields = [field("order", "int", "sortable"), field("select"), field("user", "text", "facet"), field("Group")]
    load(cursor, table, fields, [{"order": 1, "select": "x", "user": "u", "Group": "G"}])
    rows = fetch(cursor, f'SELECT "order", "select", "user", "Group" FROM {SCHEMA}.{table}')
    assert rows == [(1, "x", "u", "G")]


@pytest.mark.django_db(transaction=True)
def test_an_exception_inside_with_aborts_the_copy(cursor):
    table = table_name("da_tst001", 1)
    create_table(cursor, table, [field("a")])
    with (
        pytest.raises(RuntimeError, match="reader failed"),
        Loader(cursor, table, [field("a")], batch_rows=1) as loader,
    ):
        loader.write({"a": "kept?"})
        loader.write({"a": "kept?"})
        raise RuntimeError("reader failed")
    assert count_rows(cursor, table) == 0  # the connection is usable and nothing was kept


@pytest.mark.django_db(transaction=True)
def test_with_block_closes_and_counts(cursor):
    table = table_name("da_tst001", 1)
    create_table(cursor, table, [field("a")])
    with Loader(cursor, table, [field("a")]) as loader:
        for index in range(5):
            loader.write({"a": str(index)})
    assert loader.close() == loader.rows == 5  # close() twice is harmless
    assert count_rows(cursor, table) == 5


@pytest.mark.django_db(transaction=True)
def test_abort_discards_the_stream_and_a_server_error_surfaces_at_close(cursor):
    table = table_name("da_tst001", 1)
    create_table(cursor, table, [field("shape", "geo_shape")])
    loader = Loader(cursor, table, [field("shape", "geo_shape")])
    loader.write({"shape": SHAPES["Point"][0]})
    loader.abort()
    loader.abort()  # idempotent
    assert count_rows(cursor, table) == 0
    unclosed = {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]]}
    loader = Loader(cursor, table, [field("shape", "geo_shape")])
    loader.write({"shape": unclosed})
    with pytest.raises(psycopg.errors.InternalError_):
        loader.close()
    assert count_rows(cursor, table) == 0
