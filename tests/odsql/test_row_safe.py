"""Which where conditions may run outside a publisher's filter: only those that cannot fail on any row."""

import pytest
from psycopg import sql

from datasets.odsql.records.access import guarded
from datasets.odsql.records.values import Fragment
from datasets.odsql.records.where import where_is_row_safe


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
