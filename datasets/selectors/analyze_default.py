"""The analyze tab's first chart: the ``visualization`` metadata's ``analyze_default`` when it names what the
visitor sees, else a chart chosen from the data, never thousands of bars of height 1.

The state is the analyze form's own vocabulary (``ANALYZE_PARAMS``): ``x`` the group-by field, ``period`` a date
grouping of a date/datetime ``x`` (year, month, day, hour), ``width`` the bucket width of a numeric ``x``,
``agg`` count/sum/avg/min/max of the numeric field ``y``, ``chart`` bar/line/pie.

From the data, the first that applies:

1. a field annotated ``facet`` (the publisher said it is a category), counted;
2. a low-cardinality field (2 to ``LOW_CARDINALITY`` distinct values in a sample of the records), counted;
3. a date/datetime field as a histogram by the finest period giving at most ``MAX_BARS`` bars over its range
   (hour, day, month, year; by year when its range is unknown);
4. a numeric field's distribution in about ``NUMERIC_BUCKETS`` equal-width ranges of a round width;
5. the first groupable field, counted (the page then shows its largest groups only, with a note).

``profile`` answers the questions about values (``field_profile``); the choice itself reads nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qsl

from datasets.selectors.field_profile import UnknownProfile

AGGREGATES = ("count", "sum", "avg", "min", "max")
CHART_TYPES = ("bar", "line", "pie")
ANALYZE_PARAMS = ("x", "period", "width", "agg", "y", "chart")
TEMPORAL_TYPES = ("date", "datetime")
NUMERIC_TYPES = ("int", "double")
CATEGORY_TYPES = ("text", "int", "boolean")  # what a count by value can be read from
PERIODS = ("year", "month", "day", "hour")
DATE_PERIODS = ("year", "month", "day")  # a date has no hours
LOW_CARDINALITY = 30
MAX_BARS = 60
NUMERIC_BUCKETS = 20


class Profile(Protocol):
    def distinct_counts(self, names: list[str]) -> dict[str, int]: ...

    def span(self, name: str) -> tuple[Any, Any] | None: ...


def periods_of(field_type: str) -> tuple[str, ...]:
    """The date groupings a field of ``field_type`` offers (none for a field that is not a date)."""
    if field_type == "datetime":
        return PERIODS
    return DATE_PERIODS if field_type == "date" else ()


def analyze_default(
    text: str, groupable: list[dict], numeric: list[dict], profile: Profile | None = None
) -> dict[str, str]:
    """The first state of the analyze form (see the module's docstring); empty values are left out."""
    given = dict(pair for pair in parse_qsl(text.lstrip("?")) if pair[0] in ANALYZE_PARAMS)
    types = {field["name"]: field["type"] for field in groupable}
    if given.get("x") in types:
        state = {"x": given["x"], "agg": "count", "chart": "bar"}
        state |= grouping(given, types[given["x"]])
    else:
        state = from_data(groupable, numeric, profile or UnknownProfile())
    numeric_names = {field["name"] for field in numeric}
    # sum/avg/min/max need a visible numeric field; count needs none.
    if given.get("agg") in AGGREGATES and given.get("agg") != "count" and given.get("y") in numeric_names:
        state["agg"], state["y"] = given["agg"], given["y"]
    if given.get("chart") in CHART_TYPES:
        state["chart"] = given["chart"]
    return {name: state[name] for name in ANALYZE_PARAMS if state.get(name)}


def grouping(given: dict[str, str], field_type: str) -> dict[str, str]:
    """The metadata's ``period`` or ``width`` when it fits the type of its ``x``."""
    if given.get("period") in periods_of(field_type):
        return {"period": given["period"]}
    if field_type in NUMERIC_TYPES and valid_width(given.get("width", "")):
        return {"width": given["width"]}
    return {}


def valid_width(text: str) -> bool:
    try:
        width = Decimal(text)
    except ArithmeticError:
        return False
    return width.is_finite() and width > 0


def from_data(groupable: list[dict], numeric: list[dict], profile: Profile) -> dict[str, str]:
    """The default chosen from the fields and their values (steps 1 to 5 of the module's docstring)."""
    count = {"agg": "count", "chart": "bar"}
    if not groupable:
        return {"x": "", **count}
    categories = [field for field in groupable if field["type"] in CATEGORY_TYPES]
    for field in categories:
        if any(note.get("name") == "facet" for note in field.get("annotations") or ()):
            return {"x": field["name"], **count}
    distinct = profile.distinct_counts([field["name"] for field in categories])
    for field in categories:
        if 2 <= distinct.get(field["name"], 0) <= LOW_CARDINALITY:
            return {"x": field["name"], **count}
    for field in groupable:
        if field["type"] in TEMPORAL_TYPES:
            period = period_for(periods_of(field["type"]), profile.span(field["name"]))
            return {"x": field["name"], "period": period, **count}
    if numeric:
        name = numeric[0]["name"]
        return {"x": name, "width": width_for(profile.span(name), numeric[0]["type"]), **count}
    return {"x": groupable[0]["name"], **count}


def period_for(periods: tuple[str, ...], span: tuple[Any, Any] | None) -> str:
    """The finest of ``periods`` that cuts ``span`` in at most ``MAX_BARS`` bars; a year without a span."""
    if span is None:
        return "year"
    low, high = span
    for period in reversed(periods):
        if buckets(period, low, high) <= MAX_BARS:
            return period
    return "year"


def buckets(period: str, low: dt.date, high: dt.date) -> int:
    """How many ``period`` buckets ``[low, high]`` touches (datetimes compared as given, in UTC)."""
    if period == "year":
        return high.year - low.year + 1
    if period == "month":
        return (high.year - low.year) * 12 + high.month - low.month + 1
    if period == "day":
        return (as_date(high) - as_date(low)).days + 1
    seconds = (high - low).total_seconds()
    return int(seconds // 3600) + 2  # both ends may fall in partial hours


def as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def width_for(span: tuple[Any, Any] | None, field_type: str) -> str:
    """A round width (1, 2 or 5 times a power of ten) cutting ``span`` in at most ``NUMERIC_BUCKETS`` ranges; no
    width (each value its own group) without a span or for a single value."""
    if span is None or span[1] <= span[0]:
        return ""
    raw = (float(span[1]) - float(span[0])) / NUMERIC_BUCKETS
    power = 10 ** math.floor(math.log10(raw))
    # The tolerance keeps 5 × 0.01 a fit for 0.05 whatever the last bit of either float.
    width = next(step * power for step in (1, 2, 5, 10) if step * power >= raw * (1 - 1e-9))
    if field_type == "int":
        width = max(1, round(width))
    # Decimal prints 0.2 as 0.2, not 0.20000000000000001, and 1E+3 as 1000 once normalized and formatted.
    return format(Decimal(str(width)).normalize(), "f")
