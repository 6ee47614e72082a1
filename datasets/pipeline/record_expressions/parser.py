"""The recursive-descent parser and the parsed ``Expression`` (see the package docstring for the grammar)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from datasets.pipeline.core import Record
from datasets.pipeline.record_expressions.functions import FUNCTIONS, Function
from datasets.pipeline.record_expressions.nodes import (
    Arithmetic,
    Call,
    Comparison,
    Conditional,
    FieldReference,
    Literal,
    Logic,
    Node,
    Not,
    Sign,
)
from datasets.pipeline.record_expressions.tokens import WRAPPED_RE, Token, describe, tokenize
from datasets.pipeline.record_expressions.values import COMPARISONS, MAX_DEPTH, MAX_LENGTH, ExpressionSyntaxError


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
                f"expected '{symbol}' {context}, found {describe(self.current)}", self.current.position
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
            raise ExpressionSyntaxError(f"unexpected {describe(self.current)}", self.current.position)
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
        raise ExpressionSyntaxError(f"expected a value, found {describe(token)}", token.position)

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
