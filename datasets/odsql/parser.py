"""Parsing ODSQL text with the lark grammar, and turning lark's failures into ``ODSQLError``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import cast

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedToken, VisitError

from datasets.odsql import ast
from datasets.odsql.errors import ODSQLError, shown, syntax_error
from datasets.odsql.transformer import ClauseTransformer, WhereTransformer

MAX_LENGTH = 2_000
# Deep nesting would exhaust Python's recursion in the transformer and in every compiler after it.
MAX_DEPTH = 50

# Built once at import: building an LALR table is far slower than parsing.
PARSER = lark.Lark(
    (Path(__file__).parent / "where.lark").read_text(encoding="utf-8"),
    start="where",
    parser="lalr",
    lexer="basic",
    propagate_positions=True,
)
TRANSFORMER = WhereTransformer()
# select, group_by and order_by: the where grammar plus clauses.lark, in a parser of their own so that the
# keywords AS, ASC and DESC do not change how `where` expressions are read.
CLAUSE_PARSER = lark.Lark(
    "\n".join((Path(__file__).parent / name).read_text(encoding="utf-8") for name in ("where.lark", "clauses.lark")),
    start=["select_clause", "group_by_clause", "order_by_clause"],
    parser="lalr",
    lexer="basic",
    propagate_positions=True,
)


# The same queries come back again and again (a page, its next page, a dashboard's refresh) and syntax
# trees are immutable: keeping the last few thousand saves the parse on the hot path.
PARSE_CACHE_SIZE = 4096


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_where(text: str) -> ast.Node:
    """Parse an ODSQL ``where`` expression into a syntax tree (see ``ast.py``).

    In a condition position, a bare ``Field`` is a boolean field, a bare ``FunctionCall`` a predicate
    function (``search``, ``startswith``, ...) and a bare string a ``FullText`` node. Raises ``ODSQLError``
    for an empty or over-long text (more than 2,000 characters), a syntax error, a bad date or too much nesting.
    """
    _check_size(text)
    tree = _parse_tree(text)
    _check_depth(tree)
    try:
        return TRANSFORMER.transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, ODSQLError):
            raise error.orig_exc from None
        raise


def parse_select(text: str) -> tuple[ast.Node, ...]:
    """Parse a ``select`` clause into ``Star`` and ``SelectItem`` nodes (same limits and errors as ``parse_where``)."""
    return _parse_clause(text, "select_clause")


def parse_group_by(text: str) -> tuple[ast.SelectItem, ...]:
    """Parse a ``group_by`` clause into ``SelectItem`` nodes."""
    return _parse_clause(text, "group_by_clause")


def parse_order_by(text: str) -> tuple[ast.OrderItem, ...]:
    """Parse an ``order_by`` clause into ``OrderItem`` nodes."""
    return _parse_clause(text, "order_by_clause")


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse_clause(text: str, start: str) -> tuple:
    _check_size(text)
    tree = _parse_tree(text, CLAUSE_PARSER, start)
    _check_depth(tree)
    try:
        return ClauseTransformer(text).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, ODSQLError):
            raise error.orig_exc from None
        raise


def _check_size(text: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ODSQLError("Syntax error: the expression is empty", None)
    if len(text) > MAX_LENGTH:
        raise ODSQLError(f"The expression is too long: {len(text):,} characters, at most {MAX_LENGTH:,}", None)


def _parse_tree(text: str, grammar: lark.Lark = PARSER, start: str | None = None) -> lark.Tree:
    """Feed the tokens one by one, so a failure can say what the parser would have accepted at that point."""
    parser = grammar.parse_interactive(text, start=start)
    before = last_token = None
    try:
        for token in parser.iter_parse():
            # iter_parse feeds the token after yielding it: keep the state from before each token.
            before, last_token = parser.copy(deepcopy_values=False), token
        before = parser.copy(deepcopy_values=False)
        return parser.feed_eof(last_token)
    except UnexpectedCharacters as error:
        raise _character_error(text, cast(int, error.pos_in_stream), parser) from None
    except UnexpectedToken as error:
        raise _token_error(text, error.token, before) from None


def _token_error(text: str, token: lark.Token, before) -> ODSQLError:
    if token.type == "$END":
        return syntax_error(len(text), "end of the expression", before.accepts())
    return syntax_error(cast(int, token.start_pos), shown(str(token)), before.accepts())


def _character_error(text: str, position: int, parser) -> ODSQLError:
    character = text[position]
    if character in "\"'`":
        what = "field name" if character == "`" else "string"
        return ODSQLError(f"Syntax error at position {position}: unterminated {what} starting here", position)
    return syntax_error(position, f"character {shown(character)}", parser.accepts())


def _check_depth(tree: lark.Tree) -> None:
    """Walk the tree without recursion and refuse it past ``MAX_DEPTH`` levels."""
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            position = node.meta.start_pos
            raise ODSQLError(f"Syntax error at position {position}: nested more than {MAX_DEPTH} levels deep", position)
        pending.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
