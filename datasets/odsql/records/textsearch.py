"""Text queries of ``search()`` and ``suggest()``: user words as ``to_tsquery`` input, with prefix matching.

``plainto_tsquery`` ignores operators but cannot mark a word as a prefix, and ``to_tsquery`` would read the
user's ``&``, ``|``, ``!``, ``<->``, ``:*`` and parentheses as syntax. So the words are split on whitespace here
and each one goes to ``to_tsquery`` as a quoted operand (``'it''s':*``): inside quotes nothing is an operator,
PostgreSQL's parser still splits and normalises the word as it did when building the ``fts`` column (``Foo-Bar``
becomes ``'foo-bar' <-> 'foo' <-> 'bar'``), and a word with no letters or digits (``&``) simply drops out. The
whole query is one bound parameter.

Fuzzy matching (the original engine allows a Levenshtein distance of 1 or 2 in ``search()`` terms) is left out:
PostgreSQL's text search has no fuzzy operator, and ``pg_trgm`` similarity over every word of every record
would not use the ``fts`` column. A query of no words, or only punctuation, matches nothing.
"""

from __future__ import annotations

PREFIX = ":*"


def quoted(word: str) -> str:
    """A word as one quoted ``to_tsquery`` operand: a quote is doubled, a backslash escaped."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def words(text: str) -> list[str]:
    # NUL cannot travel in a PostgreSQL text parameter; it separates words like a space.
    return text.replace("\x00", " ").split()


def search_tsquery(text: str) -> str:
    """``search()``: every word must be found, the last one as a prefix (``new yo`` finds "New York")."""
    parts = [quoted(word) for word in words(text)]
    if parts:
        parts[-1] += PREFIX
    return " & ".join(parts)


def suggest_tsquery(text: str) -> str:
    """``suggest()``: every word is a prefix (``film`` finds film, films, filmography)."""
    return " & ".join(quoted(word) + PREFIX for word in words(text))
