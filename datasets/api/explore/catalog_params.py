"""Request parameters of the Explore endpoints beyond the catalog's selection: ``lang`` and boolean flags.

Each reader raises the Explore error naming its parameter (400), before any query runs. ``where``,
``refine``/``exclude`` and ``timezone`` are read by ``datasets.selectors.catalog_query``, which the catalog
pages share.
"""

from __future__ import annotations

from rest_framework.request import Request

from datasets.access.errors import bad_parameter

# Reference §4: the languages ``lang`` accepts.
LANGUAGES = ("en", "fr", "nl", "pt", "it", "ar", "de", "es", "ca", "eu", "sv")
FLAGS = {"true": True, "false": False}


def flag(request: Request, name: str) -> bool:
    """A boolean parameter, false when absent (``include_links``, ``include_app_metas``)."""
    raw = request.query_params.get(name, "false")
    if raw.lower() not in FLAGS:
        raise bad_parameter(name, f"expected true or false, got '{raw}'")
    return FLAGS[raw.lower()]


def lang_of(request: Request) -> str:
    """``lang``: accepted and checked; the catalog has no language-dependent output yet (no date_format)."""
    raw = request.query_params.get("lang", "fr")
    if raw not in LANGUAGES:
        raise bad_parameter("lang", f"'{raw}'; expected one of {', '.join(LANGUAGES)}")
    return raw
