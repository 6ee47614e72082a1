"""ODSQLError and the wording of syntax errors: what was found, where, and what would have been accepted."""

from __future__ import annotations

from collections.abc import Iterable

# Every terminal that starts a literal; when the parser accepts them all it simply wants "a value".
VALUE_TERMINALS = frozenset({"STRING", "NUMBER", "MINUS", "TRUE", "FALSE", "NULL", "DATE", "GEOM"})
OPERATOR_TERMINALS = frozenset({"COMPARISON_OP", "_IN", "_IS", "_LIKE"})

# How each terminal is named in messages, in the order messages list them.
TERMINAL_WORDS = {
    "PATH": "a field name",
    "VALUE": "a value",
    "OPERATOR": "an operator (=, !=, <, <=, >, >=, IN, IS, LIKE)",
    "STRING": "a string",
    "NUMBER": "a number",
    "NOT": "NOT",
    "NULL": "NULL",
    "TRUE": "TRUE",
    "FALSE": "FALSE",
    "COMPARISON_OP": "a comparison operator",
    "_IN": "IN",
    "_IS": "IS",
    "_LIKE": "LIKE",
    "STAR": "'*'",
    "BRACKET": "a bracket ([ or ])",
    "_DOTDOT": "'..'",
    "_LPAR": "'('",
    "_COMMA": "','",
    "_RPAR": "')'",
    "_AND": "AND",
    "_OR": "OR",
    "$END": "the end of the expression",
}
MAX_SHOWN_TOKEN = 30


class ODSQLError(Exception):
    """An ODSQL expression that cannot be parsed; ``position`` is a 0-based character offset, or None.

    ``message`` is complete and meant for users, e.g.
    ``Syntax error at position 12: unexpected 'and'; expected a value``.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def describe_expected(terminals: Iterable[str]) -> str:
    """``{"_AND", "_OR", "$END"}`` -> ``"AND, OR or the end of the expression"``."""
    names = set(terminals)
    if names >= {"STRING", "NUMBER"}:
        names = (names - VALUE_TERMINALS) | {"VALUE"}
    if "COMPARISON_OP" in names and names >= OPERATOR_TERMINALS:
        names = (names - OPERATOR_TERMINALS) | {"OPERATOR"}
    words = [word for name, word in TERMINAL_WORDS.items() if name in names]
    words += sorted(name for name in names if name not in TERMINAL_WORDS)  # never expected: a grammar change
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def shown(text: str) -> str:
    """A token as messages quote it, shortened when long."""
    if len(text) > MAX_SHOWN_TOKEN:
        text = text[: MAX_SHOWN_TOKEN - 1] + "…"
    return repr(text)


def syntax_error(position: int, found: str, expected: Iterable[str]) -> ODSQLError:
    """The error for an unexpected ``found`` (already worded) at ``position``."""
    wanted = describe_expected(expected)
    message = f"Syntax error at position {position}: unexpected {found}"
    if wanted:
        message += f"; expected {wanted}"
    return ODSQLError(message, position)
