"""What the dataset page's map and analyze tabs need, from the dataset, its visible fields and its
``visualization`` metadata.

``{% explore_viz dataset fields query profile as viz %}`` gives the tabs (templates/explore/tabs/map.html and
analyze.html) one dict, rendered as ``data-*`` attributes read by static/explore/map.js and analyze.js.
``fields`` must be the fields the visitor may see (the caller's ``shown_fields``): a field the ruleset hides
never reaches the page, even when the visualization metadata names it (tooltip fields, default analysis).

``visualization`` fields honoured: ``map_disabled``, ``map_marker_color``, ``map_tooltip_disabled``,
``map_tooltip_title`` (a field name), ``map_tooltip_fields``, ``analyze_disabled`` and ``analyze_default``, a
query string in the analyze form's own vocabulary (``x=city&agg=sum&y=population&chart=pie``, see
``datasets.selectors.analyze_default``: group-by field, its date period or bucket width, aggregate, numeric
field of the aggregate, chart type). Without it, the default is chosen from the data: ``profile`` (a
``datasets.selectors.field_profile`` profile, given by the page's view) answers what the fields' values are like.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings

from datasets.selectors.analyze_default import AGGREGATES, CHART_TYPES, Profile, analyze_default, periods_of

register = template.Library()

GEO_TYPES = ("geo_shape", "geo_point_2d")  # the map draws the first geo field, shapes before points
NUMERIC_TYPES = ("int", "double")
GROUPABLE_TYPES = ("text", "int", "double", "boolean", "date", "datetime")
# The largest groups a plain grouping draws (bars of thousands of names or ids say nothing); a date period or
# a numeric range is drawn in order up to the API's bound.
TOP_GROUPS = 50
DEFAULT_MARKER_COLOR = "#2a81cb"
COLOR_PATTERN = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


@register.simple_tag
def explore_viz(
    dataset: Any, fields: Iterable[Any] | None, query: Any = None, profile: Profile | None = None
) -> dict[str, Any]:
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
        "analyze": analyze_config(metas, numeric, groupable, profile),
    }


def as_dict(field: Any) -> dict[str, Any]:
    """A field as the tabs read it; ``periods`` are the date groupings it offers (none but for dates)."""
    if isinstance(field, dict):
        name, kind, label = field["name"], field["type"], field.get("label")
        annotations = field.get("annotations") or []
    else:
        name, kind, label = field.name, field.type, getattr(field, "label", "")
        annotations = getattr(field, "annotations", None) or []
    periods = " ".join(periods_of(kind))
    return {"name": name, "type": kind, "label": label or name, "annotations": annotations, "periods": periods}


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


def analyze_config(metas: dict, numeric: list[dict], groupable: list[dict], profile: Profile | None) -> dict[str, Any]:
    default = analyze_default(metas.get("analyze_default") or "", groupable, numeric, profile)
    return {
        "disabled": bool(metas.get("analyze_disabled")),
        "available": bool(groupable) and not metas.get("analyze_disabled"),
        "group_fields": groupable,
        "numeric_fields": numeric,
        "aggregates": AGGREGATES,
        "chart_types": CHART_TYPES,
        "default": urlencode(default),
        "limit": 20000,
        "top": TOP_GROUPS,
    }


@register.filter
def as_json(value: Any) -> str:
    """``value`` as JSON text, for a ``data-*`` attribute (the template's autoescape quotes it)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
