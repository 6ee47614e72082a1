"""ODSQL, the query language of the Explore API: a lark grammar and an immutable syntax tree.

Only the ``where`` clause is parsed for now. ``parse_where(text)`` answers an ``ast.Node`` or raises
``ODSQLError``; compilers for dataset lists and records tables live next to the code that owns those tables.
"""

from . import ast
from .errors import ODSQLError
from .parser import MAX_LENGTH, parse_where

__all__ = ["MAX_LENGTH", "ODSQLError", "ast", "parse_where"]
