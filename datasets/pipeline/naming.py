"""Technical field names from source headers: deterministic, short, unique, never a keyword."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 63  # PostgreSQL's identifier limit
# Words a field may not be called: ODSQL's structural keywords (function names such as ``year``
# stay usable: ODSQL tells them apart by the parenthesis) and the records table's own columns.
RESERVED = frozenset(
    [
        "and",
        "or",
        "not",
        "in",
        "is",
        "like",
        "null",
        "true",
        "false",
        "as",
        "asc",
        "desc",
        "by",
        "select",
        "where",
        "group",
        "order",
        "limit",
        "offset",
        "record_id",
        "record_timestamp",
        "fts",
    ]
)


def slug(label: str) -> str:
    """Lowercase ASCII letters, digits and underscores; accents folded; never empty, never a keyword."""
    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii").lower()
    name = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    if not name:
        name = "field"
    if name[0].isdigit():
        name = f"f_{name}"
    name = name[:MAX_NAME_BYTES].rstrip("_")
    return f"{name}_field" if name in RESERVED else name


def unique_names(labels: list[str], taken: set[str] | None = None) -> list[str]:
    """One slug per label, in order, made unique with ``_2``, ``_3``… suffixes (within 63 bytes).

    The same labels always give the same names, so republishing a file keeps its field names.
    """
    used = set(taken or ())
    names = []
    for index, label in enumerate(labels):
        base = slug(label) if label and label.strip() else f"column_{index + 1}"
        name, number = base, 1
        while name in used:
            number += 1
            suffix = f"_{number}"
            name = base[: MAX_NAME_BYTES - len(suffix)] + suffix
        used.add(name)
        names.append(name)
    return names
