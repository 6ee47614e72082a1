"""Names and identifiers of the records store: table names, record ids, index names, lock keys.

Everything here is deterministic: the same inputs give the same outputs in every process and on
every run, because record ids are exposed by the Explore API and must survive a republish.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

DATASET_UID = re.compile(r"da_[a-z0-9]{6}")
MAX_IDENTIFIER_BYTES = 63  # PostgreSQL silently truncates longer names; we never let it
HASH_SUFFIX_CHARS = 8


def check_dataset_uid(dataset_uid: str) -> str:
    """``dataset_uid`` itself when it looks like ``da_x7k2p9``, else ValueError (it ends up in table names)."""
    if not isinstance(dataset_uid, str) or not DATASET_UID.fullmatch(dataset_uid):
        raise ValueError(f"invalid dataset uid {dataset_uid!r}: expected da_ followed by 6 lowercase letters or digits")
    return dataset_uid


def table_name(dataset_uid: str, version: int) -> str:
    """The records table of one published version: ``da_x7k2p9_v3``."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"invalid version {version!r}: expected a positive integer")
    return f"{check_dataset_uid(dataset_uid)}_v{version}"


def iso_date(value: dt.date) -> str:
    """A date, or a datetime in UTC, in ISO 8601: the canonical text of both in ids and in COPY."""
    if isinstance(value, dt.datetime) and value.utcoffset():
        # The same instant written with two offsets is the same record: aware values are shown in UTC.
        value = value.astimezone(dt.UTC)
    return value.isoformat()


def canonical_value(value: Any) -> str:
    """JSON fallback for the values conversion produces that JSON lacks: dates and datetimes."""
    if isinstance(value, dt.date):
        return iso_date(value)
    raise TypeError(f"cannot make a record id from a {type(value).__name__}")


# One encoder for every record: json.dumps would build a new one per call (~1 µs of 13 per row).
CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=canonical_value)


def payload_record_id(payload: dict[str, Any]) -> str:
    """sha1 hex of the canonical JSON of ``payload`` (see ``record_id``)."""
    return hashlib.sha1(CANONICAL_JSON.encode(payload).encode("ascii")).hexdigest()


def record_id(record: dict[str, Any], id_fields: list[str] | None) -> str:
    """Stable record id: sha1 hex of the canonical JSON of the id fields' values, or of the whole record.

    Canonical JSON: keys sorted, no spaces, ASCII only (lone surrogates cannot break it), dates and
    datetimes (in UTC) in ISO 8601, geo points as ``[lat, lon]``. Field names are part of the hashed
    object, so renaming an id field changes the ids; the order of ``id_fields`` does not.
    """
    return payload_record_id({name: record.get(name) for name in id_fields} if id_fields else record)


def index_name(table: str, column: str, suffix: str) -> str:
    """``<table>_<column>_<suffix>``, or when over 63 bytes, cut and ended by a hash of the full name.

    Index names share the schema's namespace with tables, so they must be unique across tables:
    the table name leads, and the hash of the untrimmed name keeps two long columns apart.
    """
    name = f"{table}_{column}_{suffix}"
    encoded = name.encode()
    if len(encoded) <= MAX_IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha1(encoded).hexdigest()[:HASH_SUFFIX_CHARS]
    head = encoded[: MAX_IDENTIFIER_BYTES - HASH_SUFFIX_CHARS - 1].decode(errors="ignore")
    return f"{head}_{digest}"


def advisory_lock_key(dataset_uid: str) -> int:
    """A signed 64-bit key for ``pg_advisory_xact_lock``, the same for a dataset in every process.

    The ``records-swap:`` prefix keeps these keys apart from locks other code derives from the uid.
    """
    digest = hashlib.sha256(f"records-swap:{check_dataset_uid(dataset_uid)}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
