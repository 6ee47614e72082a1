"""IANA time zones named by users (query parameters, schedules, formats): one test of whether a name is a zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_named(name: str) -> ZoneInfo | None:
    """The zone ``name`` names, or None when it names none.

    zoneinfo reads a file per name: besides an unknown zone (``ZoneInfoNotFoundError``) it raises ``ValueError``
    for a path-like name and ``OSError`` for a directory (``Europe``) or a name too long for a file name.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
