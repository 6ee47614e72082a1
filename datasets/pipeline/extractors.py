"""The extractor catalogue (reference §10.3) and the validation of a resource's ``params``.

Each extractor is ``{"type", "label", "parameters": [...]}``; a parameter has ``name, label, type,
description, default, is_mandatory`` and, for closed lists, ``choices``. Parameter types are
"string", "boolean" and "integer"; ``sheet`` also takes an integer (a 1-based sheet index).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Any

from datasets.pipeline.core import InvalidExtractorParameterError, UnknownExtractorError
from datasets.pipeline.formats import DEFAULT_NULL_MARKERS, time_zone

JSON_FORMATS = ("auto", "array", "jsonl")


def _param(name: str, label: str, type_: str, description: str, default: Any, choices: tuple = ()) -> dict[str, Any]:
    spec = {
        "name": name,
        "label": label,
        "type": type_,
        "description": description,
        "default": default,
        "is_mandatory": False,
    }
    if choices:
        spec["choices"] = list(choices)
    return spec


_HEADERS = _param(
    "headers_first_row",
    "Headers on first row",
    "boolean",
    "Whether the first row of the table holds the column names; otherwise columns are named Column 1, Column 2…",
    True,
)
_FIRST_ROW = _param(
    "first_row_no",
    "First row",
    "integer",
    "The line (row) number where the table starts; lines above it are skipped.",
    1,
)

# How values are written: every extractor takes these (``formats.py`` applies them).
_VALUE_PARAMS = [
    _param(
        "null_markers",
        "Null markers",
        "array",
        "Values that stand for a missing value in columns of numbers, dates or booleans (a text column keeps "
        "them); null (the default) means: " + ", ".join(DEFAULT_NULL_MARKERS) + ".",
        None,
    ),
    _param(
        "decimal_mark",
        "Decimal mark",
        "string",
        "The decimal mark of number columns whose values do not show it (1,500 reads both ways); auto: "
        "the mark the other columns show, else a point.",
        "auto",
        ("auto", ".", ","),
    ),
    _param(
        "date_order",
        "Date order",
        "string",
        "The order of dates like 01/02/2012 when no date of their column shows it (a first part above 12 is a day).",
        "dmy",
        ("dmy", "mdy"),
    ),
    _param(
        "timezone",
        "Time zone",
        "string",
        "The IANA time zone of date-times written without one (Europe/Paris…); null means the platform's default.",
        None,
    ),
]

EXTRACTORS: list[dict[str, Any]] = [
    {
        "type": "csvfile",
        "label": "CSV File",
        "parameters": [
            _param("separator", "Separator", "string", "The character separating the values of a row (\\t: tab).", ","),
            _param(
                "encoding",
                "Encoding",
                "string",
                "The character encoding of the file (utf-8, cp1252, utf-16…).",
                "utf-8",
            ),
            _HEADERS,
            _FIRST_ROW,
            _param(
                "doublequote",
                "Double quote",
                "boolean",
                "Whether a doubled quote character inside a quoted value stands for one quote.",
                True,
            ),
            _param(
                "quotechar",
                "Quote character",
                "string",
                "The character quoting values that contain the separator or a newline.",
                '"',
            ),
        ],
    },
    {
        "type": "jsonfile",
        "label": "JSON File",
        "parameters": [
            _param(
                "format",
                "Format",
                "string",
                "A JSON array of objects, JSON Lines (one object per line), or auto-detected.",
                "auto",
                JSON_FORMATS,
            ),
            _param(
                "json_path",
                "JSON path",
                "string",
                "Dotted path to the array of objects inside the top-level object, e.g. data.items.",
                None,
            ),
        ],
    },
    {"type": "geojsonfile", "label": "GeoJSON File", "parameters": []},
    {
        "type": "xlsfile",
        "label": "Excel Workbook (XLSX)",
        "parameters": [
            _param(
                "sheet",
                "Sheet",
                "string",
                "The sheet to read: its name or its 1-based position; the first sheet by default.",
                None,
            ),
            _HEADERS,
            _FIRST_ROW,
        ],
    },
]
# Every extractor takes them; a resource stores them only when set (left out: the default).
VALUE_PARAMETERS = frozenset(parameter["name"] for parameter in _VALUE_PARAMS)
for _extractor in EXTRACTORS:
    _extractor["parameters"].extend(dict(parameter) for parameter in _VALUE_PARAMS)
_BY_TYPE = {extractor["type"]: extractor for extractor in EXTRACTORS}
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "boolean": (bool,), "integer": (int,), "array": (list,)}
_TYPE_WORDS = {"string": "a string", "boolean": "true or false", "integer": "an integer", "array": "a list"}
MAX_NULL_MARKERS = 50
MAX_NULL_MARKER_CHARS = 50
_EXTRA_TYPES: dict[str, tuple[type, ...]] = {"sheet": (int,)}


def extractor_types() -> list[str]:
    """The known extractor names, in catalogue order."""
    return list(_BY_TYPE)


def extractor_spec(extractor: str) -> dict[str, Any]:
    """The catalogue entry of ``extractor``; UnknownExtractorError when there is none."""
    try:
        return _BY_TYPE[extractor]
    except (KeyError, TypeError):
        raise UnknownExtractorError(extractor=extractor, known=", ".join(_BY_TYPE)) from None


def validate_params(extractor: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """Checked params with defaults filled in; a null value means the default.

    The value parameters (``VALUE_PARAMETERS``: null markers, decimal mark, date order, zone) are
    kept only when set, so a resource's params list what its publisher chose.

    Raises UnknownExtractorError, or InvalidExtractorParameterError naming the faulty parameter
    (unknown name, wrong type, value out of range).
    """
    spec = extractor_spec(extractor)
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise InvalidExtractorParameterError(parameter="params", extractor=extractor, reason="params must be an object")
    known = {parameter["name"]: parameter for parameter in spec["parameters"]}
    for name in params:
        if name not in known:
            reason = f"unknown parameter; known parameters: {', '.join(known) or '(none)'}"
            raise InvalidExtractorParameterError(parameter=name, extractor=extractor, reason=reason)
    checked = {
        name: _check(extractor, parameter, params.get(name))
        for name, parameter in known.items()
        if name not in VALUE_PARAMETERS or params.get(name) is not None
    }
    _check_together(extractor, checked)
    return checked


def _check(extractor: str, parameter: dict[str, Any], value: Any) -> Any:
    name = parameter["name"]
    if value is None:
        return parameter["default"]
    accepted = _PYTHON_TYPES[parameter["type"]] + _EXTRA_TYPES.get(name, ())
    # bool is an int subclass: true must not pass for first_row_no, nor 1 for a boolean.
    if not isinstance(value, accepted) or (isinstance(value, bool) and parameter["type"] != "boolean"):
        raise _invalid(name, extractor, f"must be {_TYPE_WORDS[parameter['type']]}, not {type(value).__name__}")
    if "choices" in parameter and value not in parameter["choices"]:
        raise _invalid(name, extractor, f"must be one of {', '.join(parameter['choices'])}")
    rule = _RULES.get(name)
    return rule(extractor, value) if rule else value


def _separator(extractor: str, value: str) -> str:
    value = {"\\t": "\t", "tab": "\t"}.get(value, value)
    return _one_character("separator", extractor, value)


def _quotechar(extractor: str, value: str) -> str:
    return _one_character("quotechar", extractor, value)


def _one_character(name: str, extractor: str, value: str) -> str:
    if len(value) != 1:
        raise _invalid(name, extractor, f"must be a single character, not {value!r}")
    if value in "\r\n":
        raise _invalid(name, extractor, "cannot be a line break")
    return value


def _encoding(extractor: str, value: str) -> str:
    try:
        # Encoding a character rejects codecs that are not text encodings (base64, rot13, zlib…).
        "a".encode(value)
        codecs.getincrementaldecoder(value)
    except LookupError:
        raise _invalid("encoding", extractor, f"unknown text encoding {value!r}") from None
    return value


def _first_row_no(extractor: str, value: int) -> int:
    if value < 1:
        raise _invalid("first_row_no", extractor, "must be 1 or more (lines are counted from 1)")
    return value


def _sheet(extractor: str, value: int | str) -> int | str:
    if isinstance(value, int) and value < 1:
        raise _invalid("sheet", extractor, "a sheet position counts from 1")
    if isinstance(value, str) and not value.strip():
        raise _invalid("sheet", extractor, "must not be blank")
    return value


def _json_path(extractor: str, value: str) -> str | None:
    value = value.strip().strip(".")
    if value and any(not part for part in value.split(".")):
        raise _invalid("json_path", extractor, f"{value!r} has an empty segment")
    return value or None


def _null_markers(extractor: str, value: list[Any]) -> list[str]:
    if len(value) > MAX_NULL_MARKERS:
        raise _invalid("null_markers", extractor, f"at most {MAX_NULL_MARKERS} markers are allowed")
    for marker in value:
        if not isinstance(marker, str) or not marker.strip() or len(marker) > MAX_NULL_MARKER_CHARS:
            reason = f"each marker must be a non-blank string of at most {MAX_NULL_MARKER_CHARS} characters"
            raise _invalid("null_markers", extractor, reason)
    return value


def _timezone(extractor: str, value: str) -> str:
    try:
        time_zone(value)
    except ValueError:
        raise _invalid("timezone", extractor, f"unknown IANA time zone {value!r}") from None
    return value


def _check_together(extractor: str, checked: dict[str, Any]) -> None:
    if extractor == "csvfile" and checked["separator"] == checked["quotechar"]:
        raise _invalid("quotechar", extractor, "must differ from the separator")
    if extractor == "jsonfile" and checked["json_path"] and checked["format"] == "jsonl":
        raise _invalid("json_path", extractor, "a JSON path applies to one JSON document, not to JSON Lines")


def _invalid(name: str, extractor: str, reason: str) -> InvalidExtractorParameterError:
    return InvalidExtractorParameterError(parameter=name, extractor=extractor, reason=reason)


_RULES: dict[str, Callable[[str, Any], Any]] = {
    "separator": _separator,
    "quotechar": _quotechar,
    "encoding": _encoding,
    "first_row_no": _first_row_no,
    "sheet": _sheet,
    "json_path": _json_path,
    "null_markers": _null_markers,
    "timezone": _timezone,
}
