"""Full text that forgives accents and case, on a real records table: bare strings, ``search()`` and ``suggest()``
over the stored ``fts`` column, over a computed document (a caller who cannot see every field) and over named
fields; and on a table published before the search configuration (its ``fts`` built with ``simple``), which
must still find what it found."""

from __future__ import annotations

import pytest
from psycopg import sql

from datasets.odsql.records import RecordsQuery, compile_records_query
from datasets.odsql.records.values import Schema
from datasets.odsql.records.where import compile_where
from datasets.pipeline.core import Field
from datasets.store.tables import FTS, SCHEMA
from tests.odsql.tables import loaded_table

TABLE = "da_tstaccent01_v1"
FIELDS = [
    Field(name="name", label="Name"),
    Field(name="tags", label="Tags", annotations=[{"name": "multivalued", "args": [";"]}]),
    Field(name="size", label="Size", type="int"),
]
ROWS = [
    {"name": "Orléans", "tags": ["centre"], "size": 0},
    {"name": "SAINT-ÉTIENNE", "tags": ["loire"], "size": 1},
    {"name": "Chicago", "tags": ["illinois"], "size": 2},
    {"name": "Orleans parish", "tags": ["louisiane"], "size": 3},
    {"name": "Zürich Straße", "tags": ["Genève"], "size": 4},
    {"name": "Lyon", "tags": ["rhône"], "size": 5},
]


@pytest.fixture
def cursor(transactional_db):
    yield from loaded_table(TABLE, FIELDS, ROWS)


@pytest.fixture
def legacy(cursor):
    """The table as published before the search configuration: ``fts`` is ``to_tsvector('simple', ...)``."""
    table = sql.Identifier(SCHEMA, TABLE)
    cursor.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(table, sql.Identifier(FTS)))
    cursor.execute(
        sql.SQL(
            "ALTER TABLE {} ADD COLUMN {} tsvector GENERATED ALWAYS AS"
            " (to_tsvector('simple'::regconfig,"
            " coalesce(name, '') || ' ' || coalesce(records.immutable_text_join(tags), '')))"
            " STORED"
        ).format(table, sql.Identifier(FTS))
    )
    return cursor


def matching(cursor, where: str) -> list[int]:
    compiled = compile_records_query(
        RecordsQuery(where=where, select="size", limit=100, order_by="size"), TABLE, FIELDS
    )
    cursor.execute(compiled.sql, compiled.params)
    return [row[0] for row in cursor.fetchall()]


def matching_computed(cursor, where: str) -> list[int]:
    """The sizes ``where`` selects when full text reads a document computed from the fields (hidden fields)."""
    condition = compile_where(where, Schema(FIELDS, stored_fts=False))
    assert condition is not None
    statement = sql.SQL("SELECT size FROM {} WHERE {} ORDER BY size").format(
        sql.Identifier(SCHEMA, TABLE), condition.sql
    )
    cursor.execute(statement, condition.params)
    return [row[0] for row in cursor.fetchall()]


EXPECTED = [
    ('"orleans"', [0, 3]),
    ('"ORLÉANS"', [0, 3]),
    ('"Orléans"', [0, 3]),
    ('"saint etienne"', [1]),
    ('"saint-etienne"', [1]),
    ('"zurich strasse"', [4]),  # unaccent's rules: ü -> u, ß -> ss
    ('"geneve"', [4]),
    ('"RHONE"', [5]),
    ('"chica"', []),  # a bare string is whole words (reference §7.3)
    ('"chicago"', [2]),
    ('search("orl")', [0, 3]),
    ('search("orlé")', [0, 3]),
    ('suggest("chica")', [2]),
    ('suggest("CHICA ILL")', [2]),
    ('suggest("éti")', [1]),
    ('search(name, "orleans")', [0, 3]),
    ('suggest(tags, "gene")', [4]),
    ('suggest(name, "gene")', []),
    ('"orleans" AND NOT "parish"', [0]),
]


@pytest.mark.parametrize(("where", "expected"), EXPECTED)
def test_full_text_ignores_accents_and_case(cursor, where, expected):
    assert matching(cursor, where) == expected
    assert matching_computed(cursor, where) == expected


def test_the_fts_column_stores_unaccented_lowercase_words(cursor):
    cursor.execute(sql.SQL("SELECT fts::text FROM {} WHERE size = 0").format(sql.Identifier(SCHEMA, TABLE)))
    assert cursor.fetchone()[0] == "'centre':2 'orleans':1"


@pytest.mark.parametrize(
    "text", ["&|!():*'", "orl&|!", "'orleans'", "orleans:*", "(orleans", "!orleans", "orl\\", "a <-> b", ":*"]
)
def test_tsquery_metacharacters_are_plain_text(cursor, text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    for where in (f'"{escaped}"', f'search("{escaped}")', f'suggest("{escaped}")', f'suggest(name, "{escaped}")'):
        found = matching(cursor, where)
        # The words of the text, read without their punctuation, decide; here only "orleans"/"orl" can match,
        # "orl" as a prefix only (not in a bare string, whole words).
        assert set(found) <= {0, 3}, (where, found)
        if "orleans" in text or ("orl" in text and not where.startswith('"')):
            assert found == [0, 3], where


def test_a_table_published_with_simple_still_finds_its_words(legacy):
    # Its vectors keep accents: what it found before (the accented word as written, any case) it still finds,
    # and the unaccented reading of the query finds the words written without accents too.
    assert matching(legacy, '"Orléans"') == [0, 3]
    assert matching(legacy, '"ORLÉANS"') == [0, 3]
    assert matching(legacy, 'suggest("orlé")') == [0, 3]
    assert matching(legacy, '"chicago"') == [2]
    assert matching(legacy, 'suggest("chica")') == [2]
    # Unaccented words meet the ones written without accents; "Orléans" needs a republish for them.
    assert matching(legacy, '"orleans"') == [3]
    # A named field's document is computed with the search configuration, whatever the table's column.
    assert matching(legacy, 'search(name, "orleans")') == [0, 3]
