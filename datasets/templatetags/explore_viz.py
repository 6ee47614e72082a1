"""What the dataset page's map and analyze tabs need, from the dataset, its visible fields and its
``visualization`` metadata.

``{% explore_viz dataset fields as viz %}`` gives the tabs (templates/explore/tabs/map.html and analyze.html)
one dict, rendered as ``data-*`` attributes read by static/explore/map.js and analyze.js. ``fields`` must be
the fields the visitor may see (the caller's ``shown_fields``): a field the ruleset hides never reaches the
page, even when the visualization metadata names it (tooltip fields, default analysis).

``visualization`` fields honoured: ``map_disabled``, ``map_marker_color``, ``map_tooltip_disabled``,
``map_tooltip_title`` (a field name), ``map_tooltip_fields``, ``analyze_disabled`` and ``analyze_default``, a
query string in the analyze form's own vocabulary (``x=city&agg=sum&y=population&chart=pie``, see
``ANALYZE_PARAMS``: group-by field, aggregate, numeric field of the aggregate, chart type).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django import template
from django.conf import settings

register = template.Library()

GEO_TYPES = ("geo_shape", "geo_point_2d")  # the map draws the first geo field, shapes before points
NUMERIC_TYPES = ("int", "double")
GROUPABLE_TYPES = ("text", "int", "double", "boolean", "date", "datetime")
AGGREGATES = ("count", "sum", "avg", "min", "max")
CHART_TYPES = ("bar", "line", "pie")
ANALYZE_PARAMS = ("x", "agg", "y", "chart")
DEFAULT_MARKER_COLOR = "#2a81cb"
COLOR_PATTERN = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


@register.simple_tag
def explore_viz(dataset: Any, fields: Iterable[Any] | None, query: Any = None) -> dict[str, Any]:
    """The configuration of the map and analyze tabs of ``dataset`` for a visitor who sees ``fields``
    (published ``Field`` objects or dicts with ``name``, ``type`` and ``label``). ``query``, the page's view
    (``datasets.catalog.table.TableQuery``: search text and refinements), filters what the tabs draw."""
    fields = [as_dict(field) for field in fields or []]
    metas = (dataset.public_metas or {}).get("visualization") or {}
    names = {field["name"] for field in fields}
    geo_fields = [field["name"] for kind in GEO_TYPES for field in fields if field["type"] == kind]
    numeric = [field for field in fields if field["type"] in NUMERIC_TYPES]
    groupable = [field for field in fields if field["type"] in GROUPABLE_TYPES]
    return {
        "dataset_id": dataset.dataset_id,
        "api_base": "/api/explore/v2.1",
        "filters": filter_params(query),
        "map": map_config(metas, fields, names, geo_fields),
        "analyze": analyze_config(metas, names, numeric, groupable),
    }


def as_dict(field: Any) -> dict[str, Any]:
    if isinstance(field, dict):
        return {"name": field["name"], "type": field["type"], "label": field.get("label") or field["name"]}
    return {"name": field.name, "type": field.type, "label": getattr(field, "label", "") or field.name}


def filter_params(query: Any) -> str:
    """The Explore ``where``/``refine`` parameters of the page's view as a query string (no sort: the tabs
    order their own requests)."""
    if query is None or not hasattr(query, "explore_params"):
        return ""
    params = query.explore_params()
    params.pop("order_by", None)
    return params.urlencode()


def map_config(metas: dict, fields: list[dict], names: set[str], geo_fields: list[str]) -> dict[str, Any]:
    types = {field["name"]: field["type"] for field in fields}
    tooltip_disabled = bool(metas.get("map_tooltip_disabled"))
    chosen = [name for name in metas.get("map_tooltip_fields") or [] if name in names and name not in geo_fields]
    # Without a choice the popup lists every visible field but the geo ones (their value is the marker itself).
    tooltip_fields = chosen or [field["name"] for field in fields if field["name"] not in geo_fields]
    title = metas.get("map_tooltip_title")
    color = metas.get("map_marker_color") or ""
    return {
        "disabled": bool(metas.get("map_disabled")),
        "available": bool(geo_fields) and not metas.get("map_disabled"),
        "geo_fields": geo_fields,
        "geo_field": geo_fields[0] if geo_fields else "",
        # map.js clusters points on the server; shapes are drawn whole (the export, at most ``limit``).
        "geo_type": types.get(geo_fields[0], "") if geo_fields else "",
        "tooltip_fields": [] if tooltip_disabled else tooltip_fields,
        "tooltip_title": title if title in names and not tooltip_disabled else "",
        "tooltip_disabled": tooltip_disabled,
        "marker_color": color if COLOR_PATTERN.fullmatch(color) else DEFAULT_MARKER_COLOR,
        "labels": {field["name"]: field["label"] for field in fields},
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
        "limit": 5000,
    }


def analyze_config(metas: dict, names: set[str], numeric: list[dict], groupable: list[dict]) -> dict[str, Any]:
    return {
        "disabled": bool(metas.get("analyze_disabled")),
        "available": bool(groupable) and not metas.get("analyze_disabled"),
        "group_fields": groupable,
        "numeric_fields": numeric,
        "aggregates": AGGREGATES,
        "chart_types": CHART_TYPES,
        "default": analyze_default(metas.get("analyze_default") or "", groupable, numeric),
        "limit": 20000,
    }


def analyze_default(text: str, groupable: list[dict], numeric: list[dict]) -> str:
    """The default form state as a query string: the metadata's ``analyze_default`` with what does not name a
    visible field or a known aggregate or chart dropped, else the first groupable field counted in bars."""
    given = dict(pair for pair in parse_qsl(text.lstrip("?")) if pair[0] in ANALYZE_PARAMS)
    group_names = {field["name"] for field in groupable}
    numeric_names = {field["name"] for field in numeric}
    state = {"x": groupable[0]["name"] if groupable else "", "agg": "count", "y": "", "chart": "bar"}
    if given.get("x") in group_names:
        state["x"] = given["x"]
    # sum/avg/min/max need a visible numeric field; count needs none.
    if given.get("agg") in AGGREGATES and given.get("agg") != "count" and given.get("y") in numeric_names:
        state["agg"], state["y"] = given["agg"], given["y"]
    if given.get("chart") in CHART_TYPES:
        state["chart"] = given["chart"]
    return urlencode(state)


@register.filter
def as_json(value: Any) -> str:
    """``value`` as JSON text, for a ``data-*`` attribute (the template's autoescape quotes it)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
