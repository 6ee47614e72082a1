"""The syntax tree of an expression: each node evaluates itself against one record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datasets.pipeline.core import Record
from datasets.pipeline.record_expressions.functions import FUNCTIONS
from datasets.pipeline.record_expressions.values import arithmetic, as_number, checked, compare, is_blank, truthy


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
