"""Which where conditions may run outside a publisher's filter: only those that cannot fail on any row."""

import pytest
from psycopg import sql

from datasets.odsql.records import RecordsQuery, compile_records_query
from datasets.odsql.records.access import TableAccess, guarded
from datasets.odsql.records.values import Fragment
from datasets.odsql.records.where import where_is_row_safe
from datasets.pipeline.core import Field


@pytest.mark.parametrize(
    "where",
    [
        None,
        "",
        'city = "Paris"',
        "population > 1000",
        '"Paris" = city',
        "population in (1, 2, 3)",
        "population in [1..5]",
        "city is null",
        "active is true",
        "active",
        'city like "Pa*"',
        '"x" in tags',
        '"free text"',
        'search(city, "par")',
        'suggest("par")',
        'startswith(city, "P")',
        'city = "Paris" and not (population < 10 or city = "Lyon")',
        "day >= date'2020-01-01'",
    ],
)
def test_plain_field_conditions_are_row_safe(where):
    assert where_is_row_safe(where) is True


@pytest.mark.parametrize(
    "where",
    [
        "year(day) = 2020",
        'lower(city) = "paris"',
        "population > ratio",
        "within_distance(geo, geom'POINT(2 48)', 1km)",
        "intersects(zone, geom'POINT(2 48)')",
        'city = "Paris" and year(day) = 2020',
        'city = "Paris" or length(city) > 3',
        "day > now()",
    ],
)
def test_computed_conditions_are_not(where):
    assert where_is_row_safe(where) is False


def test_only_row_safe_conditions_leave_the_case_guard():
    restriction = Fragment(sql.SQL("region = %s"), ("North",))
    condition = Fragment(sql.SQL("city = %s"), ("Paris",))
    plain = guarded(restriction, condition, row_safe=True)
    assert plain.sql.as_string(None) == "(region = %s) AND (city = %s)" and plain.params == ("North", "Paris")
    kept = guarded(restriction, condition)
    assert "CASE WHEN (region = %s) THEN (city = %s) ELSE FALSE END" in kept.sql.as_string(None)
    assert kept.params == ("North", "North", "Paris")


FIELDS = [Field(name="city", label="City"), Field(name="population", label="Population", type="int")]
NORTH = TableAccess(tuple(FIELDS), Fragment(sql.SQL("region = %s"), ("North",)), digest="north")
LENGTH = 'char_length("city")::bigint'
COMPUTED_BOUNDS = f"({LENGTH} IS NULL OR ({LENGTH} >= %s::bigint AND {LENGTH} < %s::bigint))"
FIELD_BOUNDS = '("population" IS NULL OR ("population" >= %s::bigint AND "population" < %s::bigint))'


def compiled_where(access: TableAccess | None = NORTH, **clauses) -> tuple[str, list]:
    """The row filter of a grouped count: the WHERE of its subquery, and the parameters that follow the group keys'."""
    query = RecordsQuery(select="count(*) as n", **clauses)
    compiled = compile_records_query(query, "da_guard_v1", FIELDS, access=access)
    text = compiled.count_sql.as_string(None)
    where = text[text.index(" WHERE ") + len(" WHERE ") : text.index(' AS "odsql_rows"') - 1]
    return where, compiled.count_params[2:]  # the range's own CASE takes the first two (its bounds)


def test_the_bounds_of_a_computed_range_are_evaluated_under_the_publishers_filter():
    where, params = compiled_where(group_by="range(length(city), 1, 10) as r", where="length(city) < 50")
    user = f"({LENGTH} < %s::bigint)"
    assert where == f"((region = %s) AND CASE WHEN (region = %s) THEN ({user} AND {COMPUTED_BOUNDS}) ELSE FALSE END)"
    assert params == ["North", "North", 50, 1, 10]
    alone, params = compiled_where(group_by="range(length(city), 1, 10) as r")
    assert alone == f"((region = %s) AND CASE WHEN (region = %s) THEN ({COMPUTED_BOUNDS}) ELSE FALSE END)"
    assert params == ["North", "North", 1, 10]


def test_the_bounds_of_a_range_of_a_plain_field_stay_a_plain_conjunct():
    where, params = compiled_where(group_by="range(population, 1, 10) as r", where="length(city) < 50")
    guarded_where = f"(region = %s) AND CASE WHEN (region = %s) THEN (({LENGTH} < %s::bigint)) ELSE FALSE END"
    assert where == f"(({guarded_where}) AND ({FIELD_BOUNDS}))"
    assert params == ["North", "North", 50, 1, 10]


def test_without_a_filter_the_bounds_are_a_plain_condition():
    where, params = compiled_where(None, group_by="range(length(city), 1, 10) as r")
    assert (where, params) == (f"({COMPUTED_BOUNDS})", [1, 10])
