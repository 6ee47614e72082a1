"""Function arguments beyond operands: quantities, DISTINCT, name=value and field name patterns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from datasets.odsql import ODSQLError, parse_group_by, parse_select, parse_where
from datasets.odsql.ast import (
    And,
    Comparison,
    Distinct,
    Field,
    FunctionCall,
    InRange,
    Literal,
    NamedArgument,
    NamePattern,
    Quantity,
    SelectItem,
    Star,
)


def call(text: str) -> FunctionCall:
    (item,) = parse_select(text)
    assert isinstance(item, SelectItem)
    return item.expression


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("1km", 1, "km"),
        ("1.5km", Decimal("1.5"), "km"),
        ("500 m", 500, "m"),
        ("1 day", 1, "day"),
        ("3 days", 3, "days"),
        ("2h", 2, "h"),
        ("1M", 1, "M"),
        ("10 mi", 10, "mi"),
    ],
)
def test_quantities(text, amount, unit):
    assert call(f"range(d, {text})").args[1] == Quantity(amount, unit)


def test_a_number_followed_by_a_keyword_is_still_a_number():
    tree = parse_where("x = 1 and y in [1..2] or z > 3")
    assert tree.operands[0] == And(
        (
            Comparison("=", Field(("x",)), Literal("number", 1)),
            InRange(Field(("y",)), Literal("number", 1), Literal("number", 2), True, True),
        )
    )


def test_distinct_argument():
    assert call("count(distinct city)").args == (Distinct(Field(("city",))),)


def test_named_arguments_are_lower_cased():
    args = call("geo_cluster(geo, 5, RADIUS=40)").args
    assert args[2] == NamedArgument("radius", Literal("number", 40))


def test_named_argument_needs_an_equal_sign():
    with pytest.raises(ODSQLError, match="name=value"):
        parse_where("now(years>1) < d")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("include(pop*)", "pop*"), ("exclude(*_id)", "*_id"), ("include(a*b)", "a*b"), ("include(*x*)", "*x*")],
)
def test_name_patterns(text, pattern):
    assert call(text).args == (NamePattern(pattern),)


def test_a_lone_star_stays_a_star():
    assert call("count(*)").args == (Star(),)
    groups = parse_group_by("range(x, *, 10, *)")
    assert groups[0].expression.args[1] == Star()


def test_distinct_is_a_keyword():
    with pytest.raises(ODSQLError):
        parse_where("distinct = 1")
    assert parse_where("`distinct` = 1") == Comparison("=", Field(("distinct",)), Literal("number", 1))
