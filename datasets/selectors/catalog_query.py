"""The catalog's selection read from query parameters: ``where``, ``refine``/``exclude`` and the ``timezone`` their
periods are read in. ``/catalog/datasets``, ``/catalog/facets``, the catalog exports and the catalog home page
select datasets with it, so they always agree.

``params`` is anything with ``query_params`` (a DRF request, or the page's ``Explored``). Each reader raises
the ``ExploreError`` naming its parameter (400), before any query runs.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Q

from core.timezones import zone_named
from datasets.access.errors import bad_parameter
from datasets.selectors.catalog import CATALOG_FACETS, catalog_where, refine_exclude


def timezone_of(request) -> ZoneInfo:
    """``timezone``: an IANA (CLDR) zone id such as ``Europe/Paris``; UTC when absent."""
    raw = request.query_params.get("timezone", "UTC")
    zone = zone_named(raw)
    if zone is None:
        raise bad_parameter("timezone", f"unknown time zone '{raw}'; expected an id such as Europe/Paris")
    return zone


def facet_pairs(request, parameter: str) -> list[tuple[str, str]]:
    """``refine`` or ``exclude`` values as ``(facet, value)``; the facet must be a catalog facet."""
    pairs = []
    for raw in request.query_params.getlist(parameter):
        name, separator, value = raw.partition(":")
        if not separator or name not in CATALOG_FACETS:
            raise bad_parameter(
                parameter, f"'{raw}'; expected <facet>:<value> with a facet among {', '.join(CATALOG_FACETS)}"
            )
        pairs.append((name, value))
    return pairs


def catalog_filter(request) -> Q:
    """``where`` (several ANDed) and ``refine``/``exclude``, as one condition on annotated catalog datasets."""
    tz = timezone_of(request)
    where = catalog_where(text for text in request.query_params.getlist("where") if text.strip())
    refined = facet_condition(request, "refine", lambda pairs: refine_exclude(pairs, [], tz))
    excluded = facet_condition(request, "exclude", lambda pairs: refine_exclude([], pairs, tz))
    return where & refined & excluded


def facet_condition(request, parameter: str, build) -> Q:
    """``build(pairs)`` for one facet parameter; a malformed ``modified`` period is an error naming it."""
    try:
        return build(facet_pairs(request, parameter))
    except ValueError as error:
        raise bad_parameter(parameter, str(error)) from None
