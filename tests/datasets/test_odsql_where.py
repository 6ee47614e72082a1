"""The ODSQL ``where`` parser alone: tree shapes, literals, positions and every error message."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from datasets.odsql import MAX_LENGTH, ODSQLError, parse_where
from datasets.odsql.ast import (
    And,
    Comparison,
    Field,
    FullText,
    FunctionCall,
    InList,
    InRange,
    IsBool,
    IsNull,
    Like,
    Literal,
    Membership,
    Not,
    Or,
    Star,
)


def f(*path: str) -> Field:
    return Field(path)


def s(value: str) -> Literal:
    return Literal("string", value)


def n(value) -> Literal:
    return Literal("number", value)


def eq(name: str, value: Literal) -> Comparison:
    return Comparison("=", f(name), value)


# Constructs.


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op):
    assert parse_where(f"year {op} 2020") == Comparison(op, f("year"), n(2020))


def test_comparison_without_spaces():
    assert parse_where('title="x"and year>=-3') == And((eq("title", s("x")), Comparison(">=", f("year"), n(-3))))


def test_and_binds_tighter_than_or():
    assert parse_where("a OR b AND c") == Or((f("a"), And((f("b"), f("c")))))
    assert parse_where("a AND b OR c") == Or((And((f("a"), f("b"))), f("c")))


def test_parentheses_override_precedence():
    assert parse_where("(a OR b) AND c") == And((Or((f("a"), f("b"))), f("c")))


def test_chains_are_flattened():
    assert parse_where("a or b or c") == Or((f("a"), f("b"), f("c")))
    assert parse_where("a and b and c and d") == And((f("a"), f("b"), f("c"), f("d")))


def test_not_binds_tighter_than_and():
    assert parse_where("NOT a AND b") == And((Not(f("a")), f("b")))
    assert parse_where("not not a") == Not(Not(f("a")))
    assert parse_where("NOT (a OR b)") == Not(Or((f("a"), f("b"))))


def test_keywords_are_case_insensitive():
    expected = Or((And((f("a"), Not(IsNull(f("b"), negated=True)))), InList(f("c"), (n(1),))))
    assert parse_where("a AnD nOt b Is NoT nUlL oR c iN (1)") == expected
    assert parse_where("x = TRUE or y = False") == Or(
        (eq("x", Literal("boolean", True)), eq("y", Literal("boolean", False)))
    )


def test_names_that_start_with_a_keyword_are_fields():
    assert parse_where("android = 1 and order = 2 and nothing") == And(
        (eq("android", n(1)), eq("order", n(2)), f("nothing"))
    )


def test_in_list():
    assert parse_where('city IN ("Paris", "Nantes")') == InList(f("city"), (s("Paris"), s("Nantes")))
    assert parse_where("x in(1,2.5,-3)") == InList(f("x"), (n(1), n(Decimal("2.5")), n(-3)))


@pytest.mark.parametrize(
    ("text", "low_inclusive", "high_inclusive"),
    [("[1..10]", True, True), ("]1..10[", False, False), ("[1..10[", True, False), ("]1..10]", False, True)],
)
def test_in_range_brackets(text, low_inclusive, high_inclusive):
    assert parse_where(f"x IN {text}") == InRange(f("x"), n(1), n(10), low_inclusive, high_inclusive)


def test_in_range_of_dates_and_decimals():
    assert parse_where("d in [date'2017'..date'2018']") == InRange(
        f("d"), Literal("date", dt.date(2017, 1, 1)), Literal("date", dt.date(2018, 1, 1)), True, True
    )
    assert parse_where("x IN [1.5..2.5]") == InRange(f("x"), n(Decimal("1.5")), n(Decimal("2.5")), True, True)


def test_membership():
    assert parse_where('"Paris" IN cities') == Membership(s("Paris"), f("cities"))


def test_is_null_and_is_not_null():
    assert parse_where("f is null") == IsNull(f("f"), negated=False)
    assert parse_where("f IS NOT NULL") == IsNull(f("f"), negated=True)


def test_is_true_is_false_and_bare_boolean():
    assert parse_where("f is true") == IsBool(f("f"), True)
    assert parse_where("f IS FALSE") == IsBool(f("f"), False)
    assert parse_where("published") == f("published")


def test_like_keeps_the_pattern():
    assert parse_where('title LIKE "Street*"') == Like(f("title"), "Street*")
    assert parse_where(r'title like "a\\*b"') == Like(f("title"), r"a\*b")


def test_full_text():
    assert parse_where('"tree" AND NOT "dog"') == And((FullText("tree"), Not(FullText("dog"))))
    assert parse_where("'two words'") == FullText("two words")


def test_function_calls():
    assert parse_where('search(title, description, "text")') == FunctionCall(
        "search", (f("title"), f("description"), s("text"))
    )
    assert parse_where('SEARCH("text")') == FunctionCall("search", (s("text"),))
    assert parse_where('search(*, "film")') == FunctionCall("search", (Star(), s("film")))
    assert parse_where('startswith(title, "SECRET")') == FunctionCall("startswith", (f("title"), s("SECRET")))
    assert parse_where('suggest(*, "fil")') == FunctionCall("suggest", (Star(), s("fil")))


def test_function_call_as_operand():
    assert parse_where("d > now()") == Comparison(">", f("d"), FunctionCall("now", ()))


def test_literal_on_the_left():
    assert parse_where('"x" = title') == Comparison("=", s("x"), f("title"))


# Literals.


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"plain"', "plain"),
        ("'single'", "single"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'it\'s'", "it's"),
        (r'"back\\slash"', "back\\slash"),
        (r'"line\nbreak\ttab"', "line\nbreak\ttab"),
        (r'"\x"', "x"),
        ("\"a 'quote'\"", "a 'quote'"),
        ('""', ""),
        ('"été ✓"', "été ✓"),
    ],
)
def test_string_literals(text, value):
    assert parse_where(f"x = {text}") == eq("x", s(value))


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("0", 0), ("-7", -7), ("3.14", Decimal("3.14")), ("-0.5", Decimal("-0.5")), ("- 2", -2)],
)
def test_number_literals(text, value):
    node = parse_where(f"x = {text}")
    assert node == eq("x", n(value))
    assert type(node.right.value) is type(value)


def test_boolean_and_null_literals():
    assert parse_where("x = true").right == Literal("boolean", True)
    assert parse_where("x = FALSE").right == Literal("boolean", False)
    assert parse_where("x = Null").right == Literal("null", None)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("date'2017-04-03'", dt.date(2017, 4, 3)),
        ("date'2018/04/01'", dt.date(2018, 4, 1)),
        ("DATE'2017'", dt.date(2017, 1, 1)),
        ("date'2017-04'", dt.date(2017, 4, 1)),
        ("date'2017-04-03T08:02'", dt.datetime(2017, 4, 3, 8, 2)),
        ("date'2017-04-03 08:02:05'", dt.datetime(2017, 4, 3, 8, 2, 5)),
        ("date'2017/04/03T08:02'", dt.datetime(2017, 4, 3, 8, 2)),
        ("date'2017-04-03T08:02:05Z'", dt.datetime(2017, 4, 3, 8, 2, 5, tzinfo=dt.UTC)),
        (
            "date'2017-04-03T08:02+02:00'",
            dt.datetime(2017, 4, 3, 8, 2, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        ),
    ],
)
def test_date_literals(text, value):
    literal = parse_where(f"d = {text}").right
    assert literal == Literal("date", value)
    assert type(literal.value) is type(value)


def test_geom_literal_keeps_its_text():
    assert parse_where("g = geom'POINT(1 1)'").right == Literal("geom", "POINT(1 1)")
    geojson = """geom'{"type": "Point", "coordinates": [1, 2]}'"""
    assert parse_where(f"g = {geojson}").right == Literal("geom", '{"type": "Point", "coordinates": [1, 2]}')


# Field names.


def test_dotted_and_back_quoted_field_names():
    assert parse_where("default.title = 1").left == f("default", "title")
    assert parse_where("explore.download_count > 100").left == f("explore", "download_count")
    assert parse_where("`12` = 1").left == f("12")
    assert parse_where("`and` = 1").left == f("and")
    assert parse_where("default.`and`.`a b` = 1").left == f("default", "and", "a b")
    assert parse_where("2020_count = 1").left == f("2020_count")
    assert parse_where("`default.title` = 1").left.name == "default.title"


def test_date_and_geom_are_ordinary_field_names_without_a_quote():
    assert parse_where("date = 1 and geom") == And((eq("date", n(1)), f("geom")))


# Nodes.


def test_positions_are_character_offsets():
    node = parse_where('a = 1 OR NOT title LIKE "x*"')
    assert node.position == 0
    assert (node.operands[0].position, node.operands[0].right.position) == (0, 4)
    negation = node.operands[1]
    assert (negation.position, negation.operand.position, negation.operand.subject.position) == (9, 13, 13)
    call = parse_where('  search(*, "x")')
    assert (call.position, call.args[0].position, call.args[1].position) == (2, 9, 12)


def test_equality_ignores_positions_and_nodes_are_frozen():
    assert parse_where("a=1") == parse_where("  a   =   1  ")
    assert hash(parse_where("a=1")) == hash(parse_where(" a = 1"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_where("a = 1").op = "!="


def test_field_name_property_joins_segments():
    assert f("default", "title").name == "default.title"


def test_longest_accepted_expression():
    text = "x = " + " " * (MAX_LENGTH - 5) + "1"
    assert len(text) == MAX_LENGTH
    assert parse_where(text) == eq("x", n(1))


# Errors.


def error_of(text: str) -> ODSQLError:
    with pytest.raises(ODSQLError) as caught:
        parse_where(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        (
            'xy IN ("a", and)',
            12,
            "Syntax error at position 12: unexpected 'and'; expected a value",
        ),
        (
            "a = ",
            4,
            "Syntax error at position 4: unexpected end of the expression; expected a field name or a value",
        ),
        (
            "a = 1 b",
            6,
            "Syntax error at position 6: unexpected 'b'; expected AND, OR or the end of the expression",
        ),
        (
            "a = 1 and",
            9,
            "Syntax error at position 9: unexpected end of the expression; expected a field name, a value, NOT or '('",
        ),
        (
            "x y",
            2,
            "Syntax error at position 2: unexpected 'y'; expected an operator (=, !=, <, <=, >, >=, IN, IS, LIKE), "
            "'(', AND, OR or the end of the expression",
        ),
        (
            "f is",
            4,
            "Syntax error at position 4: unexpected end of the expression; expected NOT, NULL, TRUE or FALSE",
        ),
        (
            "f is not true",
            9,
            "Syntax error at position 9: unexpected 'true'; expected NULL",
        ),
        (
            "f in ()",
            6,
            "Syntax error at position 6: unexpected ')'; expected a value",
        ),
        (
            "f in [1..",
            9,
            "Syntax error at position 9: unexpected end of the expression; expected a value",
        ),
        (
            "f in [1, 2]",
            7,
            "Syntax error at position 7: unexpected ','; expected '..'",
        ),
        (
            'f in "y"',
            5,
            "Syntax error at position 5: unexpected '\"y\"'; expected a field name, a bracket ([ or ]) or '('",
        ),
        (
            "f like title",
            7,
            "Syntax error at position 7: unexpected 'title'; expected a string",
        ),
        (
            "(a = 1",
            6,
            "Syntax error at position 6: unexpected end of the expression; expected ')', AND or OR",
        ),
        (
            "a = 1)",
            5,
            "Syntax error at position 5: unexpected ')'; expected AND, OR or the end of the expression",
        ),
        (
            "a == 1",
            3,
            "Syntax error at position 3: unexpected '='; expected a field name or a value",
        ),
        (
            "and = 1",
            0,
            "Syntax error at position 0: unexpected 'and'; expected a field name, a value, NOT or '('",
        ),
        (
            "12",
            2,
            "Syntax error at position 2: unexpected end of the expression; "
            "expected an operator (=, !=, <, <=, >, >=, IN, IS, LIKE)",
        ),
        (
            'search(*, "x"',
            13,
            "Syntax error at position 13: unexpected end of the expression; expected ',' or ')'",
        ),
        (
            "a = @",
            4,
            "Syntax error at position 4: unexpected character '@'; expected a field name or a value",
        ),
        (
            "a = 1 ; drop table x",
            6,
            "Syntax error at position 6: unexpected character ';'; expected AND, OR or the end of the expression",
        ),
        (
            f'title = "{"x" * 40}" "y"',
            51,
            "Syntax error at position 51: unexpected '\"y\"'; expected AND, OR or the end of the expression",
        ),
        (
            f"{'a' * 40} b",
            41,
            "Syntax error at position 41: unexpected 'b'; expected an operator (=, !=, <, <=, >, >=, IN, IS, LIKE), "
            "'(', AND, OR or the end of the expression",
        ),
    ],
)
def test_syntax_errors_say_what_was_expected_and_where(text, position, message):
    error = error_of(text)
    assert (error.position, error.message) == (position, message)
    assert str(error) == message


def test_long_tokens_are_shortened_in_messages():
    error = error_of(f'a = 1 "{"z" * 50}"')
    assert error.message.startswith("Syntax error at position 6: unexpected '\"" + "z" * 28 + "…'")


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ('title = "abc', 8, "Syntax error at position 8: unterminated string starting here"),
        ("title = 'abc", 8, "Syntax error at position 8: unterminated string starting here"),
        ("`title = 1", 0, "Syntax error at position 0: unterminated field name starting here"),
        ("d = date'2017", 8, "Syntax error at position 8: unterminated string starting here"),
    ],
)
def test_unterminated_quotes(text, position, message):
    error = error_of(text)
    assert (error.position, error.message) == (position, message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("d = date'2017-13-01'", "Syntax error at position 4: invalid date '2017-13-01' (month must be in 1..12)"),
        (
            "d = date'2017-02-30T10:00'",
            "Syntax error at position 4: invalid date '2017-02-30T10:00' (day is out of range for month)",
        ),
        (
            "d = date'yesterday'",
            "Syntax error at position 4: invalid date 'yesterday'; expected YYYY-MM-DD or YYYY/MM/DD, "
            "optionally followed by THH:MM[:SS]",
        ),
        (
            "d = date'2017-04-03T25:00'",
            "Syntax error at position 4: invalid date '2017-04-03T25:00' (hour must be in 0..23)",
        ),
    ],
)
def test_bad_dates(text, message):
    error = error_of(text)
    assert (error.position, error.message) == (4, message)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_expression(text):
    error = error_of(text)
    assert (error.position, error.message) == (None, "Syntax error: the expression is empty")


def test_too_long_expression():
    error = error_of("x = " + " " * (MAX_LENGTH - 4) + "1")
    assert (error.position, error.message) == (None, "The expression is too long: 2,001 characters, at most 2,000")


def test_dotted_function_name():
    error = error_of("a.b(1) = 2")
    assert (error.position, error.message) == (0, "Syntax error at position 0: invalid function name 'a.b'")


def test_too_much_nesting():
    error = error_of("not " * 60 + "a")
    assert (error.position, error.message) == (200, "Syntax error at position 200: nested more than 50 levels deep")


def test_many_parentheses_alone_do_not_nest():
    assert parse_where("(" * 200 + "a" + ")" * 200) == f("a")


def test_errors_are_plain_exceptions_with_message_and_position():
    error = ODSQLError("boom", 3)
    assert isinstance(error, Exception)
    assert (error.message, error.position, str(error)) == ("boom", 3, "boom")
