"""The expression language: parsing, precedence, CSV-friendly semantics, functions, errors, limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from datasets.pipeline.core import RecordFailure
from datasets.pipeline.record_expressions import ExpressionSyntaxError, parse_expression
from datasets.pipeline.record_expressions import functions as expression_functions

FUNCTION_LIST = (
    "abs, coalesce, concat, contains, day, endswith, int, isnull, len, lower, month, now, number, replace, "
    "round, startswith, substring, trim, upper, year"
)


def evaluate(source: str, record: dict | None = None):
    return parse_expression(source).evaluate(record or {})


def syntax_error(source: str) -> ExpressionSyntaxError:
    with pytest.raises(ExpressionSyntaxError) as excinfo:
        parse_expression(source)
    return excinfo.value


def failure(source: str, record: dict | None = None) -> RecordFailure:
    with pytest.raises(RecordFailure) as excinfo:
        evaluate(source, record)
    return excinfo.value


# ---------------------------------------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("100 / 10 / 5", 2),
        ("7 % 4 * 2", 6),
        ("-2 * 3", -6),
        ("- -2", 2),
        ("+'4'", 4),
        ("2 * -3 + 1", -5),
        ("1 + 2 > 2 and 3 < 4", True),
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("not 1 == 2", True),
        ("!false && true", True),
        ("false || !true", False),
        ("not not true", True),
        ("!'a' == 'a'", False),
        ("(!'a') == 'a'", False),
        ("!'a' == 'b'", True),
        ("true ? 1 : 0", 1),
        ("false ? 1 : false ? 2 : 3", 3),
        ("true ? false ? 1 : 2 : 3", 2),
        ("1 < 2 ? 'a' : 'b'", "a"),
        ("1 + 1 == 2 ? 'yes' : 'no'", "yes"),
    ],
)
def test_precedence_and_associativity(source, expected):
    result = evaluate(source)
    assert result == expected
    assert type(result) is type(expected)


def test_long_operator_chains_do_not_recurse():
    source = "+".join(["1"] * 999)
    assert len(source) == 1997
    assert evaluate(source) == 999


# ---------------------------------------------------------------------------------------------- literals and fields


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("42", 42),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("'single'", "single"),
        ('"double"', "double"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'a\nb\tc\\d'", "a\nb\tc\\d"),
        (r"'\d+'", "\\d+"),
        ("true", True),
        ("false", False),
        ("null", None),
        ("99999999999999999999", 1e20),
    ],
)
def test_literals(source, expected):
    assert evaluate(source) == expected


def test_field_references_in_every_form():
    record = {"my_column": "a", "a b": "b", "record": "c", "2col": "d"}
    assert evaluate("my_column + $my_column + record['a b'] + record + $2col", record) == "aabcd"
    assert evaluate('record["a b"]', record) == "b"


def test_missing_field_is_null():
    assert evaluate("missing", {}) is None
    assert evaluate("isnull(missing)", {}) is True


def test_field_names_lists_references_once_in_order():
    parsed = parse_expression("a + $b + record['c d'] + upper(a) + (b ? e : 'x')")
    assert parsed.field_names == ["a", "b", "c d", "e"]


def test_opendatasoft_braces_are_optional():
    assert evaluate("{{my_column > 0 ? 'positive' : 'negative'}}", {"my_column": "3"}) == "positive"
    assert evaluate("  {{ my_column > 0 ? 'positive' : 'negative' }}  ", {"my_column": "-3"}) == "negative"
    assert parse_expression("{{ a }}").source == "{{ a }}"


# ---------------------------------------------------------------------------------------------- semantics


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        ("'a' + 1", {}, "a1"),
        ("1 + '2'", {}, "12"),
        ("x + y", {"x": "1", "y": "2"}, "12"),
        ("number(x) + number(y)", {"x": "1", "y": "2"}, 3),
        ("x - y", {"x": "5", "y": "2"}, 3),
        ("x * 2", {"x": "1.5"}, 3.0),
        ("7 / 2", {}, 3.5),
        ("-7 % 3", {}, 2),
        ("x + 1", {"x": 2.5}, 3.5),
        ("x + 1", {"x": None}, None),
        ("null * 2", {}, None),
        ("x + 'a'", {"x": None}, "a"),
        ("'n=' + 3.0", {}, "n=3"),
        ("'v' + true", {}, "vtrue"),
        ("'tags: ' + tags", {"tags": ["a", "b"]}, 'tags: ["a", "b"]'),
    ],
)
def test_arithmetic_and_concatenation(source, record, expected):
    result = evaluate(source, record)
    assert result == expected
    assert type(result) is type(expected)


def test_exact_integer_division_stays_an_integer():
    assert type(evaluate("6 / 3")) is int
    assert evaluate("6 / 4") == 1.5


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        ("x > 10", {"x": "9"}, False),
        ("'9' > '10'", {}, False),
        ("x >= 9", {"x": " 9 "}, True),
        ("x == 5", {"x": "5.0"}, True),
        ("x != 5", {"x": "5"}, False),
        ("'b' > 'a'", {}, True),
        ("'abc' < 'abd'", {}, True),
        ("'10' < 'abc'", {}, True),
        ("'2024-01-05' > '2023-12-31'", {}, True),
        ("x == null", {"x": ""}, True),
        ("x == null", {}, True),
        ("x == ''", {"x": None}, True),
        ("x != null", {"x": "a"}, True),
        ("x == 0", {"x": None}, False),
        ("x > 1", {"x": None}, False),
        ("x < 1", {"x": None}, False),
        ("x <= x", {"x": None}, False),
        ("flag == true", {"flag": "true"}, True),
        ("flag == 1", {"flag": True}, False),
        ("x == 'Paris'", {"x": "Paris"}, True),
        ("x == 'paris'", {"x": "Paris"}, False),
    ],
)
def test_comparisons(source, record, expected):
    assert evaluate(source, record) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("false", "n"),
        ("FALSE ", "n"),
        ("0", "n"),
        ("", "n"),
        ("  ", "n"),
        (None, "n"),
        (0, "n"),
        (0.0, "n"),
        ([], "n"),
        (False, "n"),
        ("no", "y"),
        ("true", "y"),
        ("0.0", "y"),
        (2, "y"),
        (["a"], "y"),
        ({"k": 1}, "y"),
    ],
)
def test_truthiness(value, expected):
    assert evaluate("flag ? 'y' : 'n'", {"flag": value}) == expected


def test_logic_operators_return_booleans_and_short_circuit():
    assert evaluate("'a' or 'b'") is True
    assert evaluate("'a' and ''") is False
    assert evaluate("false and 1 / 0") is False
    assert evaluate("true or number('x')") is True
    assert evaluate("true ? 1 : 1 / 0") == 1


# ---------------------------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("source", "record", "expected"),
    [
        ("len('abc')", {}, 3),
        ("len(x)", {"x": ["a", "b"]}, 2),
        ("len(12)", {}, 2),
        ("len(null)", {}, None),
        ("lower('AbC')", {}, "abc"),
        ("upper('éa')", {}, "ÉA"),
        ("upper(12)", {}, "12"),
        ("lower(null)", {}, None),
        ("trim('  a b  ')", {}, "a b"),
        ("replace('a-b-c', '-', '+')", {}, "a+b+c"),
        ("replace('abc', '', 'x')", {}, "abc"),
        ("replace(null, 'a', 'b')", {}, None),
        ("replace(1.5, '.', ',')", {}, "1,5"),
        ("substring('hello', 1)", {}, "ello"),
        ("substring('hello', 1, 3)", {}, "ell"),
        ("substring('hello', -3)", {}, "llo"),
        ("substring('hello', '1', '2')", {}, "el"),
        ("substring('hello', 10)", {}, ""),
        ("substring(null, 1)", {}, None),
        ("contains('hello', 'ell')", {}, True),
        ("contains('hello', 'xyz')", {}, False),
        ("contains(tags, 'b')", {"tags": ["a", "b"]}, True),
        ("contains(tags, 'bb')", {"tags": ["a", "b"]}, False),
        ("contains(null, 'a')", {}, False),
        ("startswith('hello', 'he')", {}, True),
        ("startswith(null, 'he')", {}, False),
        ("endswith('hello', 'lo')", {}, True),
        ("endswith('hello', 'he')", {}, False),
        ("number('12')", {}, 12),
        ("number(' 1.5 ')", {}, 1.5),
        ("number('-3e2')", {}, -300.0),
        ("number('')", {}, None),
        ("number(null)", {}, None),
        ("int('12.9')", {}, 12),
        ("int('-12.9')", {}, -12),
        ("int(null)", {}, None),
        ("round(2.5)", {}, 3),
        ("round(-2.5)", {}, -3),
        ("round(1.005, 2)", {}, 1.01),
        ("round(3.14159, 3)", {}, 3.142),
        ("round('7')", {}, 7),
        ("round(0.125, 2)", {}, 0.13),
        ("round(3.0)", {}, 3),
        ("round(3.0, 1)", {}, 3.0),
        ("round(1e20, 2)", {}, 1e20),
        ("round(123456789012345.5, 15)", {}, 123456789012345.5),
        ("round(null)", {}, None),
        ("abs(-3)", {}, 3),
        ("abs('-1.5')", {}, 1.5),
        ("abs(null)", {}, None),
        ("concat('a', 1, null, true)", {}, "a1true"),
        ("concat()", {}, ""),
        ("coalesce(null, '', 'x', 'y')", {}, "x"),
        ("coalesce(a, b)", {"b": 0}, 0),
        ("coalesce(null)", {}, None),
        ("isnull(null)", {}, True),
        ("isnull('')", {}, True),
        ("isnull(' ')", {}, True),
        ("isnull(0)", {}, False),
        ("isnull('a')", {}, False),
        ("year('2024-03-15')", {}, 2024),
        ("month('2024-03-15T10:00:00Z')", {}, 3),
        ("day('2024-03-15 10:00')", {}, 15),
        ("year(null)", {}, None),
    ],
)
def test_functions(source, record, expected):
    result = evaluate(source, record)
    assert result == expected
    assert type(result) is type(expected)


def test_now_is_an_iso_utc_datetime_without_microseconds(monkeypatch):
    monkeypatch.setattr(expression_functions, "_now", lambda: datetime(2024, 5, 1, 12, 30, 45, 123456, tzinfo=UTC))
    assert evaluate("now()") == "2024-05-01T12:30:45+00:00"
    assert evaluate("year(now())") == 2024


def test_now_uses_the_clock():
    value = evaluate("now()")
    assert datetime.fromisoformat(value).tzinfo is not None
    assert value.endswith("+00:00")


# ---------------------------------------------------------------------------------------------- runtime failures


@pytest.mark.parametrize(
    ("source", "record", "raw_message", "raw_params"),
    [
        ("1 / 0", {}, "Division by zero in the expression", {}),
        ("x / y", {"x": "1", "y": "0"}, "Division by zero in the expression", {}),
        ("x % 0", {"x": 3}, "Division by zero in the expression", {}),
        ("'abc' * 2", {}, 'Cannot use "{value}" as a number', {"value": "abc"}),
        ("true * 2", {}, 'Cannot use "{value}" as a number', {"value": "true"}),
        ("-'abc'", {}, 'Cannot use "{value}" as a number', {"value": "abc"}),
        ("x - 1", {"x": ["a"]}, 'Cannot use "{value}" as a number', {"value": '["a"]'}),
        ("number('abc')", {}, 'Cannot use "{value}" as a number', {"value": "abc"}),
        ("number(x)", {"x": "1e999"}, 'Cannot use "{value}" as a number', {"value": "1e999"}),
        ("1e308 * 10", {}, "Number out of range in the expression", {}),
        ("year('15/03/2024')", {}, 'Cannot read "{value}" as a date', {"value": "15/03/2024"}),
        (
            "substring('hello', 1.5)",
            {},
            'Argument {argument} of {function}() must be a whole number, got "{value}"',
            {"argument": "start", "function": "substring", "value": "1.5"},
        ),
        (
            "substring('hello', 0, -1)",
            {},
            "Argument length of substring() must not be negative, got {value}",
            {"value": -1},
        ),
        ("round(1, 16)", {}, "Argument digits of round() must be between 0 and 15, got {value}", {"value": 16}),
    ],
)
def test_runtime_failures(source, record, raw_message, raw_params):
    error = failure(source, record)
    assert error.raw_message == raw_message
    assert error.raw_params == raw_params
    assert error.field is None


def test_failure_message_is_rendered_and_long_values_are_cut():
    error = failure("number(x)", {"x": "z" * 150})
    assert error.raw_params == {"value": "z" * 100 + "…"}
    assert str(error) == f'Cannot use "{"z" * 100}…" as a number'


def test_texts_cannot_grow_without_bound():
    error = failure("concat(x, x)", {"x": "a" * 600_000})
    assert error.raw_message == "Text longer than {limit} characters in the expression"
    assert error.raw_params == {"limit": 1_000_000}
    assert failure("x + x", {"x": "a" * 600_000}).raw_params == {"limit": 1_000_000}
    assert failure("replace(x, 'a', 'aa')", {"x": "a" * 600_000}).raw_params == {"limit": 1_000_000}


# ---------------------------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("source", "message", "position"),
    [
        ("", "empty expression", 0),
        ("   ", "empty expression", 3),
        ("{{ }}", "empty expression", 3),
        ("1 +", "expected a value, found end of expression", 3),
        ("{{ 1 + }}", "expected a value, found end of expression", 7),
        ("(1 + 2", "expected ')' to close '(', found end of expression", 6),
        ("'abc", "unterminated string", 0),
        ("x == 'abc", "unterminated string", 5),
        ("a = 1", "unexpected character '=' (use '==' to compare)", 2),
        ("a & b", "unexpected character '&' (use '&&' or 'and')", 2),
        ("a | b", "unexpected character '|' (use '||' or 'or')", 2),
        ("1 2", "unexpected '2'", 2),
        ("a b", "unexpected 'b'", 2),
        ("'a' 'b'", "unexpected string 'b'", 4),
        ("foo(1)", f"unknown function 'foo' (functions: {FUNCTION_LIST})", 0),
        ("len()", "len() takes 1 argument, got 0", 0),
        ("x + substring('a')", "substring() takes 2 to 3 arguments, got 1", 4),
        ("coalesce()", "coalesce() takes at least 1 argument, got 0", 0),
        ("now(1)", "now() takes 0 arguments, got 1", 0),
        ("lower('a'", "expected ')' to close the arguments of lower(), found end of expression", 9),
        ("record[0]", "only record['field name'] indexing is supported", 7),
        ("record['a'", "expected ']' after record['…', found end of expression", 10),
        ("x[0]", "unexpected '['", 1),
        ("$", "unexpected character '$'", 0),
        ("$ x", "unexpected character '$'", 0),
        ("a.b", "unexpected character '.'", 1),
        ("1 < 2 < 3", "comparisons cannot be chained; combine them with 'and'", 6),
        ("true ? 1", "expected ':' in 'condition ? value : other value', found end of expression", 8),
        ("1e999", "number too large", 0),
        ("*2", "expected a value, found '*'", 0),
        ("{{ 1 + 1 }", "unexpected character '{'", 0),
    ],
)
def test_syntax_errors_have_a_message_and_a_position(source, message, position):
    error = syntax_error(source)
    assert (error.message, error.position) == (message, position)
    assert str(error) == f"{message} at position {position}"


def test_syntax_error_is_a_value_error():
    assert issubclass(ExpressionSyntaxError, ValueError)


@pytest.mark.parametrize(
    ("source", "message", "position"),
    [
        ("__import__('os').system('x')", f"unknown function '__import__' (functions: {FUNCTION_LIST})", 0),
        ("eval('1 + 1')", f"unknown function 'eval' (functions: {FUNCTION_LIST})", 0),
        ("exec('x = 1')", f"unknown function 'exec' (functions: {FUNCTION_LIST})", 0),
        ("getattr(x, '__class__')", f"unknown function 'getattr' (functions: {FUNCTION_LIST})", 0),
        ("().__class__", "expected a value, found ')'", 1),
        ("''.__class__.__mro__", "unexpected character '.'", 2),
        ("record.__class__", "unexpected character '.'", 6),
        ("lower.__globals__", "unexpected character '.'", 5),
        ("[].__class__", "expected a value, found '['", 0),
        ("x[0:1]", "unexpected '['", 1),
        ("lambda: 1", "unexpected ':'", 6),
        ("`ls`", "unexpected character '`'", 0),
    ],
)
def test_hostile_inputs_are_syntax_errors(source, message, position):
    error = syntax_error(source)
    assert (error.message, error.position) == (message, position)


# ---------------------------------------------------------------------------------------------- limits


def test_length_limit():
    assert evaluate("1" + " " * 1999) == 1
    error = syntax_error("1" + " " * 2000)
    assert (error.message, error.position) == ("expression longer than 2000 characters", 2000)


@pytest.mark.parametrize(
    ("opening", "closing", "operand"),
    [("(", ")", "1"), ("-", "", "1"), ("not ", "", "1"), ("abs(", ")", "1"), ("true ? ", " : 0", "1")],
)
def test_nesting_limit(opening, closing, operand):
    assert evaluate(opening * 50 + operand + closing * 50) in (1, True)
    error = syntax_error(opening * 51 + operand + closing * 51)
    assert error.message == "expression nested more than 50 levels deep"


def test_nesting_limit_position_points_at_the_51st_level():
    assert syntax_error("(" * 60 + "1" + ")" * 60).position == 50
