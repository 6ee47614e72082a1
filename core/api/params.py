"""Query parameters of the management API: each view declares the ones it accepts; nothing else gets in.

One rule for every endpoint (API decision 34):

* a view declares, per HTTP method, the parameters it reads (``declared_params = {"GET": (ROWS, PAGE)}``);
* every endpoint also accepts the common ones: ``apikey`` (authentication), ``expand`` (checked against the
  view's ``expandable``) and ``timezone`` (the zone the response's datetimes are rendered in);
* a parameter nobody declared is a 400 naming it and listing the accepted ones, instead of being ignored;
* a single-valued parameter given twice (``sort=a&sort=b``) is a 400: which one wins would be a guess;
* the view reads parsed values from ``self.params``; an empty value (``rows=``) is the default.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.http import QueryDict

from core.errors import InvalidFieldError, ManagementAPIError
from core.input_guard import MAX_QUERY_INTEGER
from core.timezones import zone_named

UTC = ZoneInfo("UTC")
# The zone of the response being built: set from ``timezone`` for the request, UTC otherwise (reference §2.6).
RESPONSE_ZONE: contextvars.ContextVar[ZoneInfo] = contextvars.ContextVar("response_zone", default=UTC)

Parser = Callable[[str, str], Any]


class UnknownParameterError(ManagementAPIError):
    """Query parameters the endpoint does not declare: refused rather than silently ignored."""

    error_key = "UnknownRequestParameterException"
    raw_message = "Unknown query parameter(s) {parameters}; accepted here: {accepted}"


@dataclass(frozen=True)
class QueryParam:
    """One accepted query parameter: ``parse(name, raw)`` turns a raw value into what the view reads.

    ``many`` parameters may repeat and are read as the list of their non-empty values; the others are read
    once, ``default`` when absent or empty. ``schema_type`` and ``description`` document it in OpenAPI.
    """

    name: str
    parse: Parser
    default: Any = None
    many: bool = False
    description: str = ""
    schema_type: type = str

    def read(self, raws: list[str]) -> Any:
        if self.many:
            return [self.parse(self.name, raw) for raw in raws if raw.strip()]
        if len(raws) > 1:
            raise InvalidFieldError(field=self.name, detail=f"given {len(raws)} times; expected once")
        if not raws or raws[0] == "":
            return self.default
        return self.parse(self.name, raws[0])


# --- parsers: each raises the 400 naming its parameter ----------------------------------------------


def text(name: str, raw: str) -> str:
    return raw


def boolean(name: str, raw: str) -> bool:
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise InvalidFieldError(field=name, detail=f"expected true or false, got '{raw}'")


def integer(minimum: int, maximum: int = MAX_QUERY_INTEGER) -> Parser:
    """An integer between ``minimum`` and ``maximum`` (inclusive).

    The default bound is PostgreSQL's integer, so that a page number times a page size stays a valid offset.
    """

    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise InvalidFieldError(field=name, detail=f"expected an integer, got '{raw}'") from None
        if not minimum <= value <= maximum:
            raise InvalidFieldError(field=name, detail=f"must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def one_of(values: Iterable[str]) -> Parser:
    choices = tuple(values)

    def parse(name: str, raw: str) -> str:
        if raw not in choices:
            raise InvalidFieldError(field=name, detail=f"'{raw}'; expected one of {', '.join(choices)}")
        return raw

    return parse


def time_zone(name: str, raw: str) -> ZoneInfo:
    """An IANA zone id such as ``Europe/Paris``."""
    zone = zone_named(raw)
    if zone is None:
        raise InvalidFieldError(
            field=name, detail=f"unknown time zone '{raw}'; expected an IANA id such as Europe/Paris"
        )
    return zone


# --- the parameters every endpoint accepts, and shared ones ------------------------------------------

APIKEY = QueryParam("apikey", text, description="API key (the Authorization header is preferred)")
EXPAND = QueryParam("expand", text, many=True, description="Comma-separated attributes to show in full")
TIMEZONE = QueryParam(
    "timezone", time_zone, default=UTC, description="IANA time zone the response's datetimes are rendered in (UTC)"
)
COMMON = (APIKEY, EXPAND, TIMEZONE)
PAGE = QueryParam("page", integer(1), default=1, schema_type=int, description="Page number from 1")


def rows(default: int, maximum: int, what: str) -> QueryParam:
    """``rows``: how many items a page holds."""
    return QueryParam(
        "rows",
        integer(1, maximum),
        default=default,
        schema_type=int,
        description=f"{what} per page, 1 to {maximum} (default {default})",
    )


def parse_query(query: QueryDict, accepted: Mapping[str, QueryParam]) -> dict[str, Any]:
    """Every accepted parameter's value (its default when absent); an undeclared one is a 400."""
    unknown = sorted(set(query) - set(accepted))
    if unknown:
        raise UnknownParameterError(parameters=", ".join(unknown), accepted=", ".join(sorted(accepted)))
    return {name: param.read(query.getlist(name)) for name, param in accepted.items()}


def local_iso(moment: dt.datetime | None) -> str | None:
    """``moment`` in ISO 8601, in the zone the request asked for (UTC by default)."""
    return moment.astimezone(RESPONSE_ZONE.get()).isoformat() if moment else None
