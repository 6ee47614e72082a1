"""Turning the text of ODSQL literals and names into Python values, and LIKE patterns into regexes.

Shared by both compilers (dataset lists and records tables), so it stays free of Django and of SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from datasets.odsql.errors import ODSQLError

ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
ESCAPE_PATTERN = re.compile(r"\\(.)", re.DOTALL)

# date'2017', date'2017-04', date'2017-04-03', with '-' or '/' between the parts.
DATE_ONLY_PATTERN = re.compile(r"([0-9]{4})(?:[-/]([0-9]{1,2})(?:[-/]([0-9]{1,2}))?)?")
# A date, then 'T' or a space, then the time (and optionally a zone), for datetime.fromisoformat.
DATETIME_PATTERN = re.compile(r"([0-9]{4})[-/]([0-9]{2})[-/]([0-9]{2})[T ]([0-9:.]+(?:Z|[+-][0-9:]+)?)")


def unescape(body: str) -> str:
    r"""The characters of a quoted literal: ``\n``, ``\t``, ``\r`` are control characters, ``\x`` is ``x``."""
    return ESCAPE_PATTERN.sub(lambda match: ESCAPES.get(match.group(1), match.group(1)), body)


def string_value(token: str) -> str:
    """The value of a quoted string token such as ``"a \\"b\\""`` or ``'it\\'s'``."""
    return unescape(token[1:-1])


def prefixed_body(token: str) -> str:
    """The unescaped text between the quotes of ``date'…'`` or ``geom'…'``."""
    return unescape(token[token.index("'") + 1 : -1])


def number_value(text: str, negative: bool) -> int | Decimal:
    """An int for ``12``, a Decimal for ``3.14`` (exact, unlike a float); negated when ``negative``."""
    value: int | Decimal = Decimal(text) if "." in text else int(text)
    return -value if negative else value


def date_value(text: str, position: int) -> dt.date | dt.datetime:
    """A date for ``2017``, ``2017-04``, ``2017-04-03`` or ``2018/04/01`` (missing parts are 1).

    A datetime when a time follows (``2017-04-03T08:02``, seconds and a zone optional); it is naive unless
    the text names a zone. Anything else, or an impossible date, raises ``ODSQLError`` at ``position``.
    """
    text = text.strip()
    try:
        match = DATE_ONLY_PATTERN.fullmatch(text)
        if match:
            return dt.date(*(int(part) if part else 1 for part in match.groups()))
        match = DATETIME_PATTERN.fullmatch(text)
        if match:
            year, month, day, time = match.groups()
            return dt.datetime.fromisoformat(f"{year}-{month}-{day}T{time.replace('Z', '+00:00')}")
    except ValueError as error:
        raise ODSQLError(f"Syntax error at position {position}: invalid date {text!r} ({error})", position) from None
    raise ODSQLError(
        f"Syntax error at position {position}: invalid date {text!r}; expected YYYY-MM-DD or YYYY/MM/DD, "
        "optionally followed by THH:MM[:SS]",
        position,
    )


def path_segments(text: str) -> tuple[str, ...]:
    """``default.title`` -> ``("default", "title")``; back-quoted segments lose their quotes, dots inside stay."""
    segments = re.findall(r"`([^`]+)`|([A-Za-z0-9_]+)", text)
    return tuple(quoted or plain for quoted, plain in segments)


def like_regex(pattern: str) -> str:
    """An anchored regex for an ODSQL LIKE pattern: ``*`` is any run of characters, ``\\*`` a literal star.

    Every other character is literal (``%`` and ``_`` too), escaped with ``re.escape``: it puts a backslash
    before non-alphanumeric characters only, which PostgreSQL regexes read as that character itself.
    """
    pieces = re.split(r"(\\.|\*)", pattern, flags=re.DOTALL)
    regex = "".join(
        ".*" if piece == "*" else re.escape(piece[1] if len(piece) == 2 and piece[0] == "\\" else piece)
        for piece in pieces
    )
    return f"^{regex}$"
