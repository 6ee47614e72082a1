"""Request parameters the catalog endpoints share: ``where``, ``refine``/``exclude``, ``lang``, ``timezone``, flags.

Each reader raises the Explore error naming its parameter (400), before any query runs.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Q
from rest_framework.request import Request

from core.timezones import zone_named
from datasets.api.explore.errors import bad_parameter
from datasets.selectors.catalog import CATALOG_FACETS, catalog_where, refine_exclude

# Reference §4: the languages ``lang`` accepts.
LANGUAGES = ("en", "fr", "nl", "pt", "it", "ar", "de", "es", "ca", "eu", "sv")
FLAGS = {"true": True, "false": False}


def flag(request: Request, name: str) -> bool:
    """A boolean parameter, false when absent (``include_links``, ``include_app_metas``)."""
    raw = request.query_params.get(name, "false")
    if raw.lower() not in FLAGS:
        raise bad_parameter(name, f"expected true or false, got '{raw}'")
    return FLAGS[raw.lower()]


def timezone_of(request: Request) -> ZoneInfo:
    """``timezone``: an IANA (CLDR) zone id such as ``Europe/Paris``; UTC when absent."""
    raw = request.query_params.get("timezone", "UTC")
    zone = zone_named(raw)
    if zone is None:
        raise bad_parameter("timezone", f"unknown time zone '{raw}'; expected an id such as Europe/Paris")
    return zone


def lang_of(request: Request) -> str:
    """``lang``: accepted and checked; the catalog has no language-dependent output yet (no date_format)."""
    raw = request.query_params.get("lang", "fr")
    if raw not in LANGUAGES:
        raise bad_parameter("lang", f"'{raw}'; expected one of {', '.join(LANGUAGES)}")
    return raw


def facet_pairs(request: Request, parameter: str) -> list[tuple[str, str]]:
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


def catalog_filter(request: Request) -> Q:
    """``where`` (several ANDed) and ``refine``/``exclude``, as one condition on annotated catalog datasets."""
    tz = timezone_of(request)
    where = catalog_where(text for text in request.query_params.getlist("where") if text.strip())
    refined = facet_condition(request, "refine", lambda pairs: refine_exclude(pairs, [], tz))
    excluded = facet_condition(request, "exclude", lambda pairs: refine_exclude([], pairs, tz))
    return where & refined & excluded


def facet_condition(request: Request, parameter: str, build) -> Q:
    """``build(pairs)`` for one facet parameter; a malformed ``modified`` period is an error naming it."""
    try:
        return build(facet_pairs(request, parameter))
    except ValueError as error:
        raise bad_parameter(parameter, str(error)) from None
