"""ODSQL, the query language of the Explore API: a lark grammar and an immutable syntax tree.

``parse_where(text)`` answers an ``ast.Node``; ``parse_select``, ``parse_group_by`` and ``parse_order_by``
answer tuples of clause items. All raise ``ODSQLError``; compilers for dataset lists and records tables live
next to the code that owns those tables.
"""

from datasets.odsql import ast
from datasets.odsql.errors import ODSQLError
from datasets.odsql.parser import MAX_LENGTH, parse_group_by, parse_order_by, parse_select, parse_where

__all__ = ["MAX_LENGTH", "ODSQLError", "ast", "parse_group_by", "parse_order_by", "parse_select", "parse_where"]
