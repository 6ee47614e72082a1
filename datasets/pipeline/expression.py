"""A small, safe expression language for the ``expression`` and ``skip_record`` processors.

An expression is read by a tokenizer and a recursive-descent parser into a tree of nodes, then
evaluated against one record. Python source is never evaluated: names can only be fields of the
record or functions of the whitelist below, and there is no attribute access and no indexing
other than ``record['field name']``.

Grammar (lowest precedence first; Opendatasoft's ``{{ … }}`` wrapper is optional)::

    expression  := logic_or ('?' expression ':' expression)?
    logic_or    := logic_and (('or' | '||') logic_and)*
    logic_and   := negation (('and' | '&&') negation)*
    negation    := ('not' | '!') negation | comparison
    comparison  := sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)?
    sum         := product (('+' | '-') product)*
    product     := unary (('*' | '/' | '%') unary)*
    unary       := ('-' | '+') unary | primary
    primary     := number | string | true | false | null | name '(' arguments? ')'
                 | record '[' string ']' | name | $name | '(' expression ')'

``not`` / ``!`` bind looser than comparisons (``!a == b`` is ``!(a == b)``), as Python's ``not``.
Values follow CSV habits: numeric strings compare as numbers, ``null`` and blank text are equal,
and the texts ``"false"`` and ``"0"`` are false.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from datasets.pipeline.core import Record, RecordFailure

MAX_LENGTH = 2000
MAX_DEPTH = 50
MAX_TEXT = 1_000_000  # a bound on the texts replace()/concat()/+ may build, so nesting cannot explode
MAX_NUMBER_TEXT = 100  # longer digit strings are not numbers (and would be slow to parse)
LARGEST_INT = 2**63  # integer results beyond this become floats, keeping arithmetic cheap
EXCERPT = 100
ROUNDING_CONTEXT = Context(prec=40)  # 16 significant digits of a float + 15 decimals fit

__all__ = [
    "Expression",
    "ExpressionSyntaxError",
    "is_blank",
    "numeric",
    "parse_expression",
    "shown",
    "to_text",
    "truthy",
]


class ExpressionSyntaxError(ValueError):
    """The expression cannot be read: ``message`` says why, ``position`` where (0-based, in the source text)."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} at position {position}")


# ---------------------------------------------------------------------------------------------- values


NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
FALSE_TEXTS = frozenset({"", "false", "0"})


def to_text(value: Any) -> str:
    """The text form of a record value: ``null`` is empty, booleans are ``true``/``false``, JSON for the rest."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # 3.0 prints as "3", the way a spreadsheet or JavaScript shows it.
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def is_blank(value: Any) -> bool:
    """``null`` or a text of spaces only: an empty CSV cell and a missing value are the same thing."""
    return value is None or (isinstance(value, str) and not value.strip())


def truthy(value: Any) -> bool:
    """Truth of a value; the texts ``""``, ``"0"`` and ``"false"`` are false because CSV values are texts."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_TEXTS
    if isinstance(value, bool | int | float):
        return bool(value)
    return len(value) > 0


def shown(value: Any) -> str:
    """A short text of a value for error messages."""
    if value is None:
        return "null"
    text = to_text(value)
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def numeric(value: Any) -> int | float | None:
    """The number a value stands for (numbers and numeric texts), else None; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > MAX_NUMBER_TEXT or not NUMBER_RE.fullmatch(text):
        return None
    if any(mark in text for mark in ".eE"):
        number = float(text)
        return number if math.isfinite(number) else None
    return checked(int(text))


def as_number(value: Any) -> int | float:
    """``numeric()`` or a RecordFailure: the value was meant to be a number."""
    number = numeric(value)
    if number is None:
        raise RecordFailure('Cannot use "{value}" as a number', value=shown(value))
    return number


def checked(number: int | float) -> int | float:
    """Big integers become floats; infinities and NaN stop the evaluation."""
    if isinstance(number, int) and abs(number) > LARGEST_INT:
        number = float(number)
    if isinstance(number, float) and not math.isfinite(number):
        raise RecordFailure("Number out of range in the expression")
    return number


def bounded(text: str) -> str:
    """Refuse texts longer than MAX_TEXT, the only way an expression could use a lot of memory."""
    if len(text) > MAX_TEXT:
        raise RecordFailure("Text longer than {limit} characters in the expression", limit=MAX_TEXT)
    return text


# ---------------------------------------------------------------------------------------------- operators


def _divide(left: int | float, right: int | float) -> int | float:
    if isinstance(left, int) and isinstance(right, int) and left % right == 0:
        return left // right
    return left / right


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "%": operator.mod,
}
ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
COMPARISONS = ("==", "!=", *ORDERING)


def arithmetic(symbol: str, left: Any, right: Any) -> Any:
    """``+`` joins texts when either side is a text; otherwise numbers, and ``null`` gives ``null``."""
    if symbol == "+" and (isinstance(left, str) or isinstance(right, str)):
        return bounded(to_text(left) + to_text(right))
    if left is None or right is None:
        return None
    left_number, right_number = as_number(left), as_number(right)
    try:
        return checked(ARITHMETIC[symbol](left_number, right_number))
    except ZeroDivisionError:
        raise RecordFailure("Division by zero in the expression") from None
    except OverflowError:
        raise RecordFailure("Number out of range in the expression") from None


def equal(left: Any, right: Any) -> bool:
    """Equality with CSV semantics: blank equals null, numeric texts compare as numbers."""
    if is_blank(left) or is_blank(right):
        return is_blank(left) and is_blank(right)
    left_number, right_number = numeric(left), numeric(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    return to_text(left) == to_text(right)


def compare(symbol: str, left: Any, right: Any) -> bool:
    """``==``/``!=`` via equal(); orderings compare numbers when both sides are numeric, else texts."""
    if symbol in ("==", "!="):
        return equal(left, right) == (symbol == "==")
    if left is None or right is None:
        return False  # as in SQL: null is neither smaller nor greater than anything
    left_number, right_number = numeric(left), numeric(right)
    if left_number is None or right_number is None:
        return ORDERING[symbol](to_text(left), to_text(right))
    return ORDERING[symbol](left_number, right_number)


# ---------------------------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class Function:
    """A whitelisted function: its arity (``maximum`` None = any number) and its implementation."""

    minimum: int
    maximum: int | None
    call: Callable[..., Any]


def _now() -> datetime:
    return datetime.now(UTC)


def _whole(value: Any, function: str, argument: str) -> int:
    number = as_number(value)
    if isinstance(number, float) and not number.is_integer():
        raise RecordFailure(
            'Argument {argument} of {function}() must be a whole number, got "{value}"',
            argument=argument,
            function=function,
            value=shown(value),
        )
    return int(number)


def _text_function(transform: Callable[[str], str]) -> Callable[[Any], str | None]:
    return lambda value: None if value is None else transform(to_text(value))


def _length(value: Any) -> int | None:
    if value is None:
        return None
    return len(value) if isinstance(value, list) else len(to_text(value))


def _replace(value: Any, old: Any, new: Any) -> str | None:
    if value is None:
        return None
    old_text = to_text(old)
    if not old_text:
        return to_text(value)  # replacing "" would insert `new` between every character
    return bounded(to_text(value).replace(old_text, to_text(new)))


def _substring(value: Any, start: Any, length: Any = None) -> str | None:
    if value is None:
        return None
    text = to_text(value)[_whole(start, "substring", "start") :]
    if length is None:
        return text
    count = _whole(length, "substring", "length")
    if count < 0:
        raise RecordFailure("Argument length of substring() must not be negative, got {value}", value=count)
    return text[:count]


def _contains(value: Any, part: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, list):
        return any(to_text(item) == to_text(part) for item in value)
    return to_text(part) in to_text(value)


def _affix_test(method: str) -> Callable[[Any, Any], bool]:
    return lambda value, affix: value is not None and getattr(to_text(value), method)(to_text(affix))


def _number(value: Any) -> int | float | None:
    return None if is_blank(value) else as_number(value)


def _integer(value: Any) -> int | None:
    return None if is_blank(value) else int(as_number(value))


def _round(value: Any, digits: Any = 0) -> int | float | None:
    """Half away from zero (2.5 -> 3), not Python's banker's rounding."""
    if is_blank(value):
        return None
    number, places = as_number(value), _whole(digits, "round", "digits")
    if not 0 <= places <= 15:
        raise RecordFailure("Argument digits of round() must be between 0 and 15, got {value}", value=places)
    if isinstance(number, int):
        return number
    if number.is_integer():  # also every float beyond 2**52, which Decimal would need many digits for
        return number if places else int(number)
    # repr() is the shortest text of the float: 1.005 rounds to 1.01, as the user wrote it.
    rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, ROUNDING_CONTEXT)
    return float(rounded) if places else int(rounded)


def _absolute(value: Any) -> int | float | None:
    return None if is_blank(value) else checked(abs(as_number(value)))


def _concat(*values: Any) -> str:
    return bounded("".join(to_text(value) for value in values))


def _coalesce(*values: Any) -> Any:
    return next((value for value in values if not is_blank(value)), None)


def _date_part(part: str) -> Callable[[Any], int | None]:
    def extract(value: Any) -> int | None:
        if is_blank(value):
            return None
        try:
            moment = datetime.fromisoformat(to_text(value).strip())
        except ValueError:
            raise RecordFailure('Cannot read "{value}" as a date', value=shown(value)) from None
        return getattr(moment, part)

    return extract


FUNCTIONS: dict[str, Function] = {
    "len": Function(1, 1, _length),
    "lower": Function(1, 1, _text_function(str.lower)),
    "upper": Function(1, 1, _text_function(str.upper)),
    "trim": Function(1, 1, _text_function(str.strip)),
    "replace": Function(3, 3, _replace),
    "substring": Function(2, 3, _substring),
    "contains": Function(2, 2, _contains),
    "startswith": Function(2, 2, _affix_test("startswith")),
    "endswith": Function(2, 2, _affix_test("endswith")),
    "number": Function(1, 1, _number),
    "int": Function(1, 1, _integer),
    "round": Function(1, 2, _round),
    "abs": Function(1, 1, _absolute),
    "concat": Function(0, None, _concat),
    "coalesce": Function(1, None, _coalesce),
    "isnull": Function(1, 1, is_blank),
    "year": Function(1, 1, _date_part("year")),
    "month": Function(1, 1, _date_part("month")),
    "day": Function(1, 1, _date_part("day")),
    "now": Function(0, 0, lambda: _now().replace(microsecond=0).isoformat()),
}


# ---------------------------------------------------------------------------------------------- tree


class Node:
    """A node of the syntax tree: evaluates itself against a record."""

    def evaluate(self, record: Record) -> Any:
        raise NotImplementedError

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True)
class Literal(Node):
    """A number, string, ``true``, ``false`` or ``null``."""

    value: Any

    def evaluate(self, record: Record) -> Any:
        return self.value


@dataclass(frozen=True)
class FieldReference(Node):
    """A field of the record (``name``, ``$name`` or ``record['name']``); missing fields are ``null``."""

    name: str

    def evaluate(self, record: Record) -> Any:
        return record.get(self.name)


@dataclass(frozen=True)
class Call(Node):
    """A call of a whitelisted function; arguments are evaluated first, left to right."""

    name: str
    arguments: tuple[Node, ...]

    def evaluate(self, record: Record) -> Any:
        return FUNCTIONS[self.name].call(*(argument.evaluate(record) for argument in self.arguments))

    def children(self) -> tuple[Node, ...]:
        return self.arguments


@dataclass(frozen=True)
class Sign(Node):
    """Unary ``-`` or ``+``: the operand as a number (``null`` and blank stay ``null``)."""

    symbol: str
    operand: Node

    def evaluate(self, record: Record) -> Any:
        value = self.operand.evaluate(record)
        if is_blank(value):
            return None
        number = as_number(value)
        return checked(-number) if self.symbol == "-" else number

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Not(Node):
    """``not`` / ``!``: the negated truth of the operand."""

    operand: Node

    def evaluate(self, record: Record) -> bool:
        return not truthy(self.operand.evaluate(record))

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Arithmetic(Node):
    """``first op operand op operand…`` of one precedence level, folded left in a loop (no deep recursion)."""

    first: Node
    rest: tuple[tuple[str, Node], ...]

    def evaluate(self, record: Record) -> Any:
        value = self.first.evaluate(record)
        for symbol, operand in self.rest:
            value = arithmetic(symbol, value, operand.evaluate(record))
        return value

    def children(self) -> tuple[Node, ...]:
        return (self.first, *(operand for _, operand in self.rest))


@dataclass(frozen=True)
class Comparison(Node):
    """One comparison; chains such as ``a < b < c`` are refused by the parser."""

    symbol: str
    left: Node
    right: Node

    def evaluate(self, record: Record) -> bool:
        return compare(self.symbol, self.left.evaluate(record), self.right.evaluate(record))

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Logic(Node):
    """``and`` (``every=True``) or ``or`` over operands, short-circuiting; always a boolean."""

    every: bool
    operands: tuple[Node, ...]

    def evaluate(self, record: Record) -> bool:
        for operand in self.operands:
            if truthy(operand.evaluate(record)) != self.every:
                return not self.every
        return self.every

    def children(self) -> tuple[Node, ...]:
        return self.operands


@dataclass(frozen=True)
class Conditional(Node):
    """``condition ? then : otherwise``; only the chosen branch is evaluated."""

    condition: Node
    then: Node
    otherwise: Node

    def evaluate(self, record: Record) -> Any:
        branch = self.then if truthy(self.condition.evaluate(record)) else self.otherwise
        return branch.evaluate(record)

    def children(self) -> tuple[Node, ...]:
        return (self.condition, self.then, self.otherwise)


# ---------------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    """``kind`` is one of number, string, literal, name, field, op, end."""

    kind: str
    value: Any
    position: int


TOKEN_RE = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<field>\$[A-Za-z0-9_]+)
    |(?P<op>==|!=|<=|>=|&&|\|\||[-+*/%<>!?:(),\[\]])""",
    re.VERBOSE,
)
KEYWORD_LITERALS = {"true": True, "false": False, "null": None}
KEYWORD_OPERATORS = frozenset({"and", "or", "not"})
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
HINTS = {"=": " (use '==' to compare)", "&": " (use '&&' or 'and')", "|": " (use '||' or 'or')"}
WRAPPED_RE = re.compile(r"\s*\{\{(.*)\}\}\s*", re.DOTALL)


def _read_string(text: str, start: int, offset: int) -> tuple[str, int]:
    """The string literal opening at ``start`` and the index after it; backslash escapes quotes and itself."""
    quote, index = text[start], start + 1
    parts: list[str] = []
    while index < len(text):
        char = text[index]
        if char == quote:
            return "".join(parts), index + 1
        if char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            parts.append(ESCAPES.get(escaped, "\\" + escaped))
            index += 2
            continue
        parts.append(char)
        index += 1
    raise ExpressionSyntaxError("unterminated string", offset + start)


def _number_value(text: str, position: int) -> int | float:
    if any(mark in text for mark in ".eE"):
        value = float(text)
        if not math.isfinite(value):
            raise ExpressionSyntaxError("number too large", position)
        return value
    value = int(text)
    return float(value) if value > LARGEST_INT else value


def _token(kind: str, text: str, position: int) -> Token:
    if kind == "number":
        return Token("number", _number_value(text, position), position)
    if kind == "field":
        return Token("field", text[1:], position)
    if kind == "name" and text in KEYWORD_LITERALS:
        return Token("literal", KEYWORD_LITERALS[text], position)
    if kind == "name" and text in KEYWORD_OPERATORS:
        return Token("op", text, position)
    return Token(kind, text, position)


def tokenize(text: str, offset: int = 0) -> Iterator[Token]:
    """The tokens of ``text``, ending with an ``end`` token; positions are shifted by ``offset``.

    A generator: the parser reads it lazily, so errors are reported in reading order.
    """
    index = 0
    while index < len(text):
        if text[index] in "'\"":
            value, after = _read_string(text, index, offset)
            yield Token("string", value, offset + index)
            index = after
            continue
        match = TOKEN_RE.match(text, index)
        if match is None:
            char = text[index]
            raise ExpressionSyntaxError(f"unexpected character {char!r}{HINTS.get(char, '')}", offset + index)
        if match.lastgroup != "space":
            yield _token(match.lastgroup or "", match.group(), offset + index)
        index = match.end()
    yield Token("end", None, offset + len(text))


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "string":
        return f"string {token.value!r}"
    return f"'{to_text(token.value)}'"


# ---------------------------------------------------------------------------------------------- parser


class Parser:
    """Recursive descent over the tokens; ``depth`` counts nesting so hostile input cannot exhaust the stack."""

    def __init__(self, tokens: Iterator[Token]) -> None:
        self.tokens = tokens
        self.current = next(tokens)
        self.depth = 0

    def advance(self) -> Token:
        """The current token; the next one becomes current (the ``end`` token is never passed)."""
        token = self.current
        self.current = next(self.tokens)
        return token

    def accept(self, *symbols: str) -> Token | None:
        if self.current.kind == "op" and self.current.value in symbols:
            return self.advance()
        return None

    def expect(self, symbol: str, context: str) -> Token:
        token = self.accept(symbol)
        if token is None:
            raise ExpressionSyntaxError(
                f"expected '{symbol}' {context}, found {_describe(self.current)}", self.current.position
            )
        return token

    def nested(self, parse: Callable[[], Node], position: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionSyntaxError(f"expression nested more than {MAX_DEPTH} levels deep", position)
        try:
            return parse()
        finally:
            self.depth -= 1

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise ExpressionSyntaxError("empty expression", self.current.position)
        node = self.expression()
        if self.current.kind != "end":
            raise ExpressionSyntaxError(f"unexpected {_describe(self.current)}", self.current.position)
        return node

    def expression(self) -> Node:
        condition = self.logic(every=False)
        question = self.accept("?")
        if question is None:
            return condition
        then = self.nested(self.expression, question.position)
        self.expect(":", "in 'condition ? value : other value'")
        otherwise = self.nested(self.expression, question.position)
        return Conditional(condition, then, otherwise)

    def logic(self, every: bool) -> Node:
        symbols = ("and", "&&") if every else ("or", "||")
        operand = (lambda: self.negation()) if every else (lambda: self.logic(every=True))
        operands = [operand()]
        while self.accept(*symbols):
            operands.append(operand())
        return operands[0] if len(operands) == 1 else Logic(every, tuple(operands))

    def negation(self) -> Node:
        token = self.accept("not", "!")
        if token is None:
            return self.comparison()
        return Not(self.nested(self.negation, token.position))

    def comparison(self) -> Node:
        left = self.chain(self.product, ("+", "-"))
        token = self.accept(*COMPARISONS)
        if token is None:
            return left
        node = Comparison(token.value, left, self.chain(self.product, ("+", "-")))
        if self.current.kind == "op" and self.current.value in COMPARISONS:
            raise ExpressionSyntaxError("comparisons cannot be chained; combine them with 'and'", self.current.position)
        return node

    def product(self) -> Node:
        return self.chain(self.unary, ("*", "/", "%"))

    def chain(self, operand: Callable[[], Node], symbols: tuple[str, ...]) -> Node:
        first, rest = operand(), []
        while token := self.accept(*symbols):
            rest.append((token.value, operand()))
        return Arithmetic(first, tuple(rest)) if rest else first

    def unary(self) -> Node:
        token = self.accept("-", "+")
        if token is None:
            return self.primary()
        return Sign(token.value, self.nested(self.unary, token.position))

    def primary(self) -> Node:
        token = self.current
        if token.kind in ("number", "string", "literal"):
            return Literal(self.advance().value)
        if token.kind == "field":
            return FieldReference(self.advance().value)
        if token.kind == "name":
            return self.name()
        if self.accept("("):
            node = self.nested(self.expression, token.position)
            self.expect(")", "to close '('")
            return node
        raise ExpressionSyntaxError(f"expected a value, found {_describe(token)}", token.position)

    def name(self) -> Node:
        token = self.advance()
        if self.accept("("):
            return self.call(token)
        if token.value == "record" and self.accept("["):
            return self.record_item(token)
        return FieldReference(token.value)

    def call(self, name: Token) -> Node:
        function = FUNCTIONS.get(name.value)
        if function is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionSyntaxError(f"unknown function '{name.value}' (functions: {known})", name.position)
        arguments: list[Node] = []
        if not self.accept(")"):
            arguments.append(self.nested(self.expression, name.position))
            while self.accept(","):
                arguments.append(self.nested(self.expression, name.position))
            self.expect(")", f"to close the arguments of {name.value}()")
        _check_arity(name, function, len(arguments))
        return Call(name.value, tuple(arguments))

    def record_item(self, name: Token) -> Node:
        key = self.current
        if key.kind != "string":
            raise ExpressionSyntaxError("only record['field name'] indexing is supported", key.position)
        self.advance()
        self.expect("]", "after record['…'")
        return FieldReference(key.value)


def _check_arity(name: Token, function: Function, count: int) -> None:
    if function.minimum <= count and (function.maximum is None or count <= function.maximum):
        return
    if function.maximum is None:
        expected = f"at least {function.minimum}"
    elif function.minimum == function.maximum:
        expected = str(function.minimum)
    else:
        expected = f"{function.minimum} to {function.maximum}"
    plural = "" if expected in ("1", "at least 1") else "s"
    raise ExpressionSyntaxError(f"{name.value}() takes {expected} argument{plural}, got {count}", name.position)


# ---------------------------------------------------------------------------------------------- entry point


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children():
        yield from _walk(child)


@dataclass(frozen=True)
class Expression:
    """A parsed expression: evaluate it against records, list the fields it reads."""

    source: str
    root: Node

    def evaluate(self, record: Record) -> Any:
        """The value of the expression for ``record``; raises RecordFailure on a runtime problem."""
        return self.root.evaluate(record)

    @property
    def field_names(self) -> list[str]:
        """The fields the expression reads, in order of first appearance."""
        names = (node.name for node in _walk(self.root) if isinstance(node, FieldReference))
        return list(dict.fromkeys(names))


def parse_expression(source: str) -> Expression:
    """Parse ``source`` (bare, or wrapped in ``{{ … }}``); raises ExpressionSyntaxError with a position."""
    if len(source) > MAX_LENGTH:
        raise ExpressionSyntaxError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    wrapped = WRAPPED_RE.fullmatch(source)
    body, offset = (wrapped.group(1), wrapped.start(1)) if wrapped else (source, 0)
    return Expression(source, Parser(tokenize(body, offset)).parse())
