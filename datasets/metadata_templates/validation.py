"""Checking and normalising a metadata value against its field definition before it is stored.

``validate_value(field, value)`` returns what to store or raises ``InvalidMetadataValueError`` (400) with a short
reason. ``None`` always means "no value"; so does a text, HTML or list value with nothing left once stripped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import nh3

from core.errors import ManagementAPIError
from datasets.metadata_templates.definitions import FieldDefinition

MAX_TEXT_LENGTH = 5_000
MAX_HTML_LENGTH = 100_000
MAX_LIST_ITEMS = 500

HTML_TAGS = frozenset(
    {"p", "br", "strong", "em", "b", "i", "u", "a", "ul", "ol", "li", "blockquote", "code", "pre"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "img"}
)
HTML_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}}
# Without an explicit list, javascript: or data: URLs could survive in href/src.
HTML_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# nh3 strips unknown tags but keeps their text; a script's or a style's text must go too.
HTML_DROPPED_CONTENT = frozenset({"script", "style"})

# [0-9] rather than \d, which would also match non-ASCII digits.
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
COLOR_PATTERN = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class InvalidMetadataValueError(ManagementAPIError):
    """A metadata value does not conform to its field definition."""

    status_code = 400
    error_key = "InvalidMetadataValueException"
    raw_message = "Invalid value for metadata {template}.{name}: {reason}"


class _Invalid(Exception):
    """Raised by the checkers below with only a reason; ``validate_value`` adds the field's names."""


def _type_name(value: object) -> str:
    return type(value).__name__


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise _Invalid(f"must be at most {limit} characters, got {len(text)}")


def _check_choice(field: FieldDefinition, value: str) -> None:
    if field.choice_values is not None and value not in field.choice_values:
        raise _Invalid(f"{value!r} is not one of the allowed choices")


def _check_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(char.isspace() for char in value):
        raise _Invalid(f"{value!r} is not an http or https URL")


def _check_email(value: str) -> None:
    if not EMAIL_PATTERN.fullmatch(value):
        raise _Invalid(f"{value!r} is not an email address")


def _check_color(value: str) -> None:
    if not COLOR_PATTERN.fullmatch(value):
        raise _Invalid(f"{value!r} is not a color; expected #rgb or #rrggbb")


# Checks beyond the type, keyed by (template, field); they run on the stripped, non-empty text.
EXTRA_CHECKS: dict[tuple[str, str], Callable[[str], None]] = {
    ("default", "references"): _check_url,
    ("visualization", "map_marker_color"): _check_color,
    ("visualization", "calendar_event_color"): _check_color,
    ("dcat", "contact_email"): _check_email,
}


def _validate_text(field: FieldDefinition, value: object) -> str | None:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {_type_name(value)}")
    text = value.strip()
    if not text:
        return None
    _check_length(text, MAX_TEXT_LENGTH)
    _check_choice(field, text)
    extra_check = EXTRA_CHECKS.get((field.template, field.name))
    if extra_check is not None:
        extra_check(text)
    return text


def _validate_html(field: FieldDefinition, value: object) -> str | None:
    if not isinstance(value, str):
        raise _Invalid(f"expected an HTML string, got {_type_name(value)}")
    # The limit applies to what was sent, so the sanitiser never works on an oversized body.
    _check_length(value, MAX_HTML_LENGTH)
    cleaned = nh3.clean(
        value,
        tags=set(HTML_TAGS),
        clean_content_tags=set(HTML_DROPPED_CONTENT),
        attributes=HTML_ATTRIBUTES,
        url_schemes=set(HTML_URL_SCHEMES),
    ).strip()
    return cleaned or None


def _validate_multitext(field: FieldDefinition, value: object) -> list[str] | None:
    if not isinstance(value, list):
        raise _Invalid(f"expected a list of strings, got {_type_name(value)}")
    items: dict[str, None] = {}  # a dict keeps the first occurrence of each item, in order
    for position, item in enumerate(value):
        if not isinstance(item, str):
            raise _Invalid(f"expected a list of strings, item {position} is {_type_name(item)}")
        text = item.strip()
        if text:
            _check_length(text, MAX_TEXT_LENGTH)
            _check_choice(field, text)
            items[text] = None
    if len(items) > MAX_LIST_ITEMS:
        raise _Invalid(f"must have at most {MAX_LIST_ITEMS} items, got {len(items)}")
    return list(items) or None


def _validate_date(field: FieldDefinition, value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a date string YYYY-MM-DD, got {_type_name(value)}")
    text = value.strip()
    # date.fromisoformat alone would also take "20240301" or week dates; only the documented form is allowed.
    if not DATE_PATTERN.fullmatch(text):
        raise _Invalid(f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise _Invalid(f"{value!r} is not a real date") from None


def _validate_datetime(field: FieldDefinition, value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected an ISO 8601 datetime string, got {_type_name(value)}")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Invalid(f"{value!r} is not an ISO 8601 datetime") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # a naive value is read as UTC, as the API documents
    try:
        return moment.astimezone(dt.UTC).isoformat()
    except OverflowError:
        raise _Invalid(f"{value!r} is out of the supported datetime range") from None


def _validate_boolean(field: FieldDefinition, value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected a boolean, got {_type_name(value)}")
    return value


def _validate_int(field: FieldDefinition, value: object) -> int:
    # bool is a subclass of int in Python, but true/false is not a number in JSON.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"expected an integer, got {_type_name(value)}")
    return value


def _validate_double(field: FieldDefinition, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"expected a number, got {_type_name(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise _Invalid("the number is too large") from None
    if not math.isfinite(number):
        raise _Invalid(f"expected a finite number, got {number}")
    return number


VALIDATORS: dict[str, Callable[[FieldDefinition, object], object]] = {
    "text": _validate_text,
    "multitext": _validate_multitext,
    "html": _validate_html,
    "date": _validate_date,
    "datetime": _validate_datetime,
    "boolean": _validate_boolean,
    "int": _validate_int,
    "double": _validate_double,
}


def validate_value(field: FieldDefinition, value: object) -> object:
    """Check ``value`` against ``field`` and return the normalised value to store.

    ``None`` means "no value" and is returned as is. Raises ``InvalidMetadataValueError`` with a short reason.
    """
    if value is None:
        return None
    try:
        return VALIDATORS[field.type](field, value)
    except _Invalid as invalid:
        raise InvalidMetadataValueError(template=field.template, name=field.name, reason=str(invalid)) from None
