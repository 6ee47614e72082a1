"""The ODSQL syntax tree: immutable nodes shared by every clause and every compiler.

Parsers build these nodes; compilers (dataset lists, records tables) walk them and decide what is
meaningful for their own fields. The tree stays close to the text: it keeps literals typed but does
not resolve field names, so one tree can be checked against different schemas.

Every node carries ``position``, the 0-based character offset where it starts in the source text, for
error messages. It takes no part in equality, so tests and caches compare trees by shape only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# Literal kinds, the ``kind`` of a ``Literal``.
STRING = "string"
NUMBER = "number"
BOOLEAN = "boolean"
NULL = "null"
DATE = "date"
GEOM = "geom"

LiteralValue = str | int | Decimal | bool | None | dt.date | dt.datetime


@dataclass(frozen=True)
class Node:
    """Base of every node; ``position`` is where the node starts in the source text."""

    position: int = field(default=0, compare=False, kw_only=True)


# Operands: what predicates test.


@dataclass(frozen=True)
class Field(Node):
    """A field reference; ``path`` holds its dot-separated segments, back-quotes removed."""

    path: tuple[str, ...]

    @property
    def name(self) -> str:
        """The dotted name, as a user would write it without back-quotes."""
        return ".".join(self.path)


@dataclass(frozen=True)
class Literal(Node):
    """A typed constant.

    ``kind`` is one of ``string`` (str), ``number`` (int, or Decimal when written with a fraction),
    ``boolean`` (bool), ``null`` (None), ``date`` (datetime.date, or datetime.datetime when a time is given;
    naive unless the text names a zone) and ``geom`` (the WKT or GeoJSON text, unparsed).
    """

    kind: str
    value: LiteralValue


@dataclass(frozen=True)
class Star(Node):
    """``*``: every field, as in ``search(*, "text")``."""


@dataclass(frozen=True)
class FunctionCall(Node):
    """``name(arg, ...)``; ``name`` is lower-cased, ``args`` are operands or ``Star``."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Quantity(Node):
    """A number with a unit, as a function argument: ``1km``, ``500 m``, ``1 day``, ``2h``.

    ``unit`` is kept as written (``m`` is a metre in ``within_distance`` and a minute in ``range``); the
    function that receives it decides what it means.
    """

    amount: int | Decimal
    unit: str


@dataclass(frozen=True)
class Distinct(Node):
    """``DISTINCT operand``, as in ``count(distinct f)``."""

    operand: Node


@dataclass(frozen=True)
class NamedArgument(Node):
    """``name=value`` as a function argument: ``geo_cluster(geo, 5, radius=40)``, ``now(years=-1)``."""

    name: str
    value: Node


@dataclass(frozen=True)
class NamePattern(Node):
    """A field name pattern of ``include()`` / ``exclude()``: ``pop*``, ``*_id``; ``*`` is any run of characters."""

    pattern: str


# Predicates: what the boolean operators combine.


@dataclass(frozen=True)
class Comparison(Node):
    """``left op right`` with ``op`` one of ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class InList(Node):
    """``subject IN (value, ...)``: equal to one of the listed literals."""

    subject: Node
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class InRange(Node):
    """``subject IN [low..high]``; a bracket facing outwards (``]low`` or ``high[``) excludes its bound."""

    subject: Node
    low: Literal
    high: Literal
    low_inclusive: bool
    high_inclusive: bool


@dataclass(frozen=True)
class Membership(Node):
    """``value IN field``: ``value`` is one of the values of the (multivalued) ``field``."""

    value: Node
    field: Field


@dataclass(frozen=True)
class IsNull(Node):
    """``subject IS NULL``, or ``subject IS NOT NULL`` when ``negated``."""

    subject: Node
    negated: bool = False


@dataclass(frozen=True)
class IsBool(Node):
    """``subject IS TRUE`` (``value`` True) or ``subject IS FALSE`` (``value`` False)."""

    subject: Node
    value: bool


@dataclass(frozen=True)
class Like(Node):
    """``subject LIKE "pattern"``; the pattern is kept as written (after string unescaping).

    In ODSQL patterns ``*`` stands for any run of characters (not SQL's ``%``, which is literal here, as is
    ``_``), and ``\\*`` for a literal star: write ``"a\\\\*"`` in the query, since the string literal itself
    consumes one level of backslashes. Compilers decide on case sensitivity.
    """

    subject: Node
    pattern: str


@dataclass(frozen=True)
class FullText(Node):
    """A bare string used as a condition: every word of ``text`` must be found."""

    text: str


@dataclass(frozen=True)
class And(Node):
    """All ``operands`` hold (two or more, flattened from a chain of ``AND``)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    """At least one of ``operands`` holds (two or more, flattened from a chain of ``OR``)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    """``NOT operand``."""

    operand: Node


# Clause items of select, group_by and order_by (see clauses.lark).


@dataclass(frozen=True)
class BinaryOp(Node):
    """Arithmetic ``left op right`` with ``op`` one of ``+``, ``-``, ``*``, ``/``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class SelectItem(Node):
    """One item of ``select`` or ``group_by``: ``expression [AS label]``.

    ``text`` names the result column: the label, or else the expression as written (``count(*)``).
    """

    expression: Node
    label: str | None = None
    text: str = ""


@dataclass(frozen=True)
class OrderItem(Node):
    """One item of ``order_by``: ``expression [ASC|DESC]``."""

    expression: Node
    descending: bool = False
