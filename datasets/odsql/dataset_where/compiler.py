"""The ``where`` parameter of the management API dataset list, compiled into a ``Q`` on ``Dataset``.

The ODSQL text is parsed by ``datasets.odsql`` and each node becomes a Django condition; user values only
ever reach SQL as bound parameters. Fields are ``dataset_id`` (or ``datasetid``), ``dataset_uid``,
``visibility``, ``status``, ``published``, ``last_modified``, ``created_at`` and metadata, written
``<template>.<name>`` or, for the ``default`` template, just ``<name>``. Metadata conditions test the
``MetadataValue`` row of the dataset through EXISTS, so a dataset without the value fails ``=`` and passes ``!=``.

The same compiler serves other dataset lists with other names (the Explore catalog reads the published
snapshot): a ``Vocabulary`` says how names resolve and where bare full text looks.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any, cast

from django.db.models import Q

from datasets.odsql import ODSQLError, ast, parse_where
from datasets.odsql.dataset_where.fields import (
    BOOLEAN,
    LIST,
    TEXT,
    InvalidWhereError,
    Target,
    any_metadata_contains,
    resolve_field,
)
from datasets.odsql.dataset_where.values import comparison_pairs, describe
from datasets.odsql.literals import like_regex

__all__ = ["MANAGEMENT", "InvalidWhereError", "Vocabulary", "dataset_where_q"]

# `"x" = title` reads as `title = "x"`; the operator turns around with its operands.
MIRRORED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class Vocabulary:
    """What the names of a ``where`` mean: ``resolve`` turns a field name into a target (or raises
    ``InvalidWhereError``), ``anywhere`` is the condition for one word of bare full text (``"bus"``)."""

    resolve: Callable[[ast.Field], Target]
    anywhere: Callable[[str], Q]


MANAGEMENT = Vocabulary(resolve_field, lambda word: Q(dataset_id__icontains=word) | any_metadata_contains(word))
# The node compilers are dispatched through tables by node type; the vocabulary of the compilation in
# progress travels beside them instead of through every signature.
_vocabulary: ContextVar[Vocabulary] = ContextVar("dataset_where_vocabulary", default=MANAGEMENT)


def dataset_where_q(text: str, vocabulary: Vocabulary = MANAGEMENT) -> Q:
    """The datasets an ODSQL ``where`` text selects, as a ``Q`` for ``Dataset.objects.filter``.

    Raises ``InvalidWhereError`` (400, ``InvalidWhereClauseException``) for a syntax error, an unknown
    field, a literal of the wrong type or a construct datasets do not support.
    """
    try:
        tree = parse_where(text)
    except ODSQLError as error:
        raise InvalidWhereError(reason=error.message) from None
    token = _vocabulary.set(vocabulary)
    try:
        return condition(tree)
    finally:
        _vocabulary.reset(token)


def condition(node: ast.Node) -> Q:
    """The ``Q`` for one node in a condition position."""
    compiler = COMPILERS.get(type(node))
    if compiler is None:
        raise InvalidWhereError(reason=f"{describe(node)} at position {node.position} is not a condition")
    return compiler(node)


def field_of(node: ast.Node) -> Target:
    """The dataset field an operand names; anything but a field name is refused."""
    if not isinstance(node, ast.Field):
        raise InvalidWhereError(reason=f"expected a field name at position {node.position}, got {describe(node)}")
    return _vocabulary.get().resolve(node)


def _comparison(node: ast.Comparison) -> Q:
    left, op, right = node.left, node.op, node.right
    if isinstance(left, ast.Literal) and isinstance(right, ast.Field):
        left, op, right = right, MIRRORED[op], left
    field = field_of(left)
    if op == "!=":
        # The negation of `=`: datasets without a value are different from anything.
        return ~field.matching(field.lookups(comparison_pairs(field, "=", right)))
    return field.matching(field.lookups(comparison_pairs(field, op, right)))


def _in_list(node: ast.InList) -> Q:
    field = field_of(node.subject)
    one_of = reduce(or_, (field.lookups(comparison_pairs(field, "=", value)) for value in node.values))
    return field.matching(one_of)


def _in_range(node: ast.InRange) -> Q:
    field = field_of(node.subject)
    low = comparison_pairs(field, ">=" if node.low_inclusive else ">", node.low)
    high = comparison_pairs(field, "<=" if node.high_inclusive else "<", node.high)
    return field.matching(field.lookups(low + high))


def _membership(node: ast.Membership) -> Q:
    # `"x" IN keyword` is `keyword = "x"`: the list holds "x" (or the single value is "x").
    field = field_of(node.field)
    return field.matching(field.lookups(comparison_pairs(field, "=", node.value)))


def _is_null(node: ast.IsNull) -> Q:
    field = field_of(node.subject)
    present = field.matching(field.present())
    return present if node.negated else ~present


def _boolean_field(node: ast.Node, value: bool) -> Q:
    field = field_of(node)
    if field.kind != BOOLEAN:
        raise InvalidWhereError(
            reason=f"'{field.name}' at position {node.position} is not a boolean field; use it in a comparison"
        )
    return field.matching(field.lookups([("exact", value)]))


def _like(node: ast.Like) -> Q:
    field = text_field_of(node.subject, "LIKE")
    return field.matching(field.lookups([("iregex", like_regex(node.pattern))]))


def text_field_of(node: ast.Node, usage: str) -> Target:
    """The field ``node`` names, which must hold text for ``usage`` (LIKE, startswith) to apply."""
    field = field_of(node)
    if field.kind not in (TEXT, LIST):
        raise InvalidWhereError(
            reason=f"{usage} applies to text fields only, not to '{field.name}' at position {node.position}"
        )
    return field


def _full_text(node: ast.FullText) -> Q:
    return words_in(node.text, fields=None)


def words_in(text: str, fields: list[Target] | None) -> Q:
    """Every word of ``text`` is in one of ``fields`` (None: where the vocabulary's full text looks), ignoring case.

    Words are split on white space; an empty text selects every dataset.
    """
    found = Q()
    for word in text.split():
        if fields is None:
            found &= _vocabulary.get().anywhere(word)
        else:
            found &= reduce(or_, (field.matching(field.contains_word(word)) for field in fields))
    return found


def _function(node: ast.FunctionCall) -> Q:
    compiler = FUNCTIONS.get(node.name)
    if compiler is None:
        known = ", ".join(f"{name}()" for name in FUNCTIONS)
        raise InvalidWhereError(
            reason=f"function {node.name}() at position {node.position} is not supported here; use {known}"
        )
    return compiler(node)


def _search(node: ast.FunctionCall) -> Q:
    """``search("text")``, ``search(*, "text")`` or ``search(field, ..., "text")``."""
    *targets, text = node.args or (None,)
    if not isinstance(text, ast.Literal) or text.kind != ast.STRING:
        raise InvalidWhereError(reason=f"search() at position {node.position} expects a string as last argument")
    if all(isinstance(target, ast.Star) for target in targets):
        return words_in(cast(str, text.value), fields=None)
    return words_in(cast(str, text.value), fields=[field_of(target) for target in targets])


def _startswith(node: ast.FunctionCall) -> Q:
    """``startswith(field, "prefix")``: a case-sensitive prefix of the value (of one item, for a list)."""
    if len(node.args) != 2 or not isinstance(node.args[1], ast.Literal) or node.args[1].kind != ast.STRING:
        raise InvalidWhereError(
            reason=f'startswith() at position {node.position} expects a field and a string: startswith(f, "X")'
        )
    field = text_field_of(node.args[0], "startswith()")
    return field.matching(field.lookups([("startswith", node.args[1].value)]))


FUNCTIONS: dict[str, Callable[[ast.FunctionCall], Q]] = {"search": _search, "startswith": _startswith}


def _and(node: ast.And) -> Q:
    return reduce(and_, (condition(operand) for operand in node.operands))


def _or(node: ast.Or) -> Q:
    return reduce(or_, (condition(operand) for operand in node.operands))


def _not(node: ast.Not) -> Q:
    return ~condition(node.operand)


COMPILERS: dict[type, Callable[[Any], Q]] = {  # each takes the node type it is keyed by
    ast.And: _and,
    ast.Or: _or,
    ast.Not: _not,
    ast.Comparison: _comparison,
    ast.InList: _in_list,
    ast.InRange: _in_range,
    ast.Membership: _membership,
    ast.IsNull: _is_null,
    ast.IsBool: lambda node: _boolean_field(node.subject, node.value),
    ast.Field: lambda node: _boolean_field(node, True),  # a bare boolean field: `published`
    ast.Like: _like,
    ast.FullText: _full_text,
    ast.FunctionCall: _function,
}
