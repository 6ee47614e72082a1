"""From lark's parse tree to the ODSQL syntax tree of ``ast.py``: one method per grammar rule."""

from __future__ import annotations

from lark import Token, Transformer, v_args

from datasets.odsql import ast
from datasets.odsql.errors import ODSQLError
from datasets.odsql.literals import date_value, number_value, path_segments, prefixed_body, string_value


def _at(meta) -> dict[str, int]:
    return {"position": meta.start_pos}


@v_args(meta=True)
class WhereTransformer(Transformer):
    """Builds ``ast`` nodes bottom-up; every node gets the start offset of its text as ``position``."""

    # Boolean structure.

    def or_expr(self, meta, children):
        return ast.Or(tuple(children), **_at(meta))

    def and_expr(self, meta, children):
        return ast.And(tuple(children), **_at(meta))

    def negation(self, meta, children):
        _not, operand = children
        return ast.Not(operand, **_at(meta))

    # Predicates.

    def full_text(self, meta, children):
        return ast.FullText(string_value(children[0]), **_at(meta))

    def comparison(self, meta, children):
        left, op, right = children
        return ast.Comparison(str(op), left, right, **_at(meta))

    def in_list(self, meta, children):
        subject, *values = children
        return ast.InList(subject, tuple(values), **_at(meta))

    def in_range(self, meta, children):
        subject, opening, low, high, closing = children
        return ast.InRange(subject, low, high, opening == "[", closing == "]", **_at(meta))

    def membership(self, meta, children):
        value, field = children
        return ast.Membership(value, field, **_at(meta))

    def is_null(self, meta, children):
        negated = any(isinstance(child, Token) and child.type == "NOT" for child in children)
        return ast.IsNull(children[0], negated, **_at(meta))

    def is_bool(self, meta, children):
        subject, keyword = children
        return ast.IsBool(subject, keyword.type == "TRUE", **_at(meta))

    def like(self, meta, children):
        subject, pattern = children
        return ast.Like(subject, string_value(pattern), **_at(meta))

    # Operands.

    def field(self, meta, children):
        return ast.Field(path_segments(children[0]), **_at(meta))

    def function_call(self, meta, children):
        name, *args = children
        name = str(name)
        if not name.replace("_", "").isalnum():
            # The lexer reads `a.b(` as one dotted name; functions have plain names.
            position = meta.start_pos
            raise ODSQLError(f"Syntax error at position {position}: invalid function name {name!r}", position)
        return ast.FunctionCall(name.lower(), tuple(_argument(arg) for arg in args), **_at(meta))

    def quantity(self, meta, children):
        text = str(children[0])
        split = len(text) - len(text.lstrip("0123456789."))
        amount = number_value(text[:split], negative=False)
        return ast.Quantity(amount, text[split:].strip(), **_at(meta))

    def distinct(self, meta, children):
        return ast.Distinct(children[-1], **_at(meta))

    def named_argument(self, meta, children):
        name, op, value = children
        if str(op) != "=" or not str(name).replace("_", "").isalnum():
            position = meta.start_pos
            raise ODSQLError(f"Syntax error at position {position}: a named argument is written name=value", position)
        return ast.NamedArgument(str(name).lower(), value, **_at(meta))

    def name_pattern(self, meta, children):
        pattern = "".join("*" if child.type == "STAR" else ".".join(path_segments(child)) for child in children)
        return ast.NamePattern(pattern, **_at(meta))

    # Literals.

    def string(self, meta, children):
        return ast.Literal(ast.STRING, string_value(children[0]), **_at(meta))

    def number(self, meta, children):
        return ast.Literal(ast.NUMBER, number_value(children[-1], negative=len(children) == 2), **_at(meta))

    def true(self, meta, children):
        return ast.Literal(ast.BOOLEAN, True, **_at(meta))

    def false(self, meta, children):
        return ast.Literal(ast.BOOLEAN, False, **_at(meta))

    def null(self, meta, children):
        return ast.Literal(ast.NULL, None, **_at(meta))

    def date(self, meta, children):
        return ast.Literal(ast.DATE, date_value(prefixed_body(children[0]), meta.start_pos), **_at(meta))

    def geom(self, meta, children):
        return ast.Literal(ast.GEOM, prefixed_body(children[0]), **_at(meta))


def _argument(arg):
    """Function arguments are operands, or a ``*`` token that becomes ``Star``."""
    if isinstance(arg, Token) and arg.type == "STAR":
        return ast.Star(position=arg.start_pos)
    return arg


@v_args(meta=True)
class ClauseTransformer(WhereTransformer):
    """Builds the items of ``select``, ``group_by`` and ``order_by``; operands are built as in ``where``.

    One instance per parse: it keeps the ``source`` text to record how an unlabelled expression was written
    (the name of its result column).
    """

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    def select_clause(self, meta, children):
        return tuple(children)

    group_by_clause = order_by_clause = select_clause

    def select_all(self, meta, children):
        return ast.Star(**_at(meta))

    def select_expr(self, meta, children):
        expression, *label = children
        name = _label(label)
        text = name or self.source[meta.start_pos : meta.end_pos].strip()
        return ast.SelectItem(expression, name, text, **_at(meta))

    group_item = select_expr

    def order_item(self, meta, children):
        expression, *direction = children
        descending = bool(direction) and direction[0].type == "DESC"
        return ast.OrderItem(expression, descending, **_at(meta))

    def binary(self, meta, children):
        left, op, right = children
        return ast.BinaryOp(str(op), left, right, **_at(meta))


def _label(tokens: list[Token]) -> str | None:
    """A label must be a plain ASCII name: it becomes a column name of the result."""
    if not tokens:
        return None
    name, position = str(tokens[0]), tokens[0].start_pos
    if not name.isascii() or not name.replace("_", "").isalnum():
        raise ODSQLError(f"Syntax error at position {position}: invalid label {name!r}", position)
    return name
