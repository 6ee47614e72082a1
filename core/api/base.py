"""What every view of the management API shares (datasets, jobs): authentication, throttling, declared
query parameters, the actor; the throttles serve the Explore API too.

Nothing here knows datasets: who the caller acts as (user, API key, their rights) is built by the function
``settings.API_ACTOR`` names, so that the jobs endpoints get the same actor as the dataset endpoints.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from contextvars import Token
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.module_loading import import_string
from redis.exceptions import RedisError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from core.api.expand import Expand
from core.api.params import COMMON, RESPONSE_ZONE, QueryParam, parse_query
from core.errors import InvalidFieldError
from core.ratelimit import Window, count_hit

logger = logging.getLogger(__name__)


class WindowThrottle(SimpleRateThrottle):
    """A fixed-window counter in Redis: one INCR and EXPIRE per request, sent together in one round trip.

    DRF's own throttles keep a list of request times per client and read then write it (two round trips and a
    list that grows with the rate); a counter per window is enough to bound a rate. Counting lives in the
    cache's Redis; when Redis is unreachable the API keeps answering, unthrottled: refusing every request
    because the counter store is down would turn a Redis outage into a full API outage (/health reports Redis
    as down meanwhile).
    """

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        self.now = self.timer()
        window = Window.aligned(self.now, cast(int, self.duration))
        try:
            # The cache backend's own client (config.cache): same server, same connection pool.
            client = self.cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # config.cache's Redis backend
            counted = count_hit(client, self.cache.make_key(f"{ident}:{window.number}"), window)
        except RedisError as error:
            logger.warning("throttling skipped, Redis unreachable: %s", error)
            return True
        self.window_end = counted.reset
        return counted.count <= cast(int, self.num_requests)

    def wait(self) -> float:
        """Seconds until the current window ends (at least 1, for a Retry-After header)."""
        return max(1.0, self.window_end - self.now)


class AnonThrottle(WindowThrottle, AnonRateThrottle):
    """Per client IP, for unauthenticated calls; the rate is read at call time so tests can change it."""

    def get_rate(self) -> str:
        return settings.API_THROTTLE_ANON


class UserThrottle(WindowThrottle, UserRateThrottle):
    """Per user, for authenticated calls only (anonymous ones are the AnonThrottle's)."""

    def get_rate(self) -> str:
        return settings.API_THROTTLE_USER

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


# The mixin below is only ever combined with APIView: it is typed as one.
if TYPE_CHECKING:
    _APIViewBase = APIView
else:
    _APIViewBase = object


class DeclaredParamsMixin(_APIViewBase):
    """Reads the query string as the view declares it (``core.api.params``).

    ``declared_params`` maps an HTTP method to the parameters it accepts besides the common ones; after
    authentication, permissions and throttling, anything else is a 400. Handlers read ``self.params``
    and ``self.expanded``; datetimes of the response follow ``timezone``.
    """

    declared_params: Mapping[str, tuple[QueryParam, ...]] = {}
    expandable: tuple[str, ...] = ()
    zone_token: Token[ZoneInfo] | None

    @classmethod
    def accepted_params(cls, method: str) -> dict[str, QueryParam]:
        declared = cls.declared_params.get("GET" if method.upper() == "HEAD" else method.upper(), ())
        return {param.name: param for param in (*COMMON, *declared)}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.params = parse_query(request.query_params, self.accepted_params(cast(str, request.method)))
        self.expanded = Expand.from_values(self.params["expand"], self.expandable)
        self.zone_token = RESPONSE_ZONE.set(self.params["timezone"])

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if (token := getattr(self, "zone_token", None)) is not None:
            RESPONSE_ZONE.reset(token)
            self.zone_token = None
        return super().finalize_response(request, response, *args, **kwargs)


@functools.cache
def actor_factory(path: str) -> Callable[[Request], Any]:
    return import_string(path)


class BaseAPIView(DeclaredParamsMixin, APIView):
    """Base of the management API views: authenticated, throttled, JSON in and out."""

    # drf-spectacular describes an operation whose view has no docstring of its own with the first docstring
    # up its classes: this one's text is in the committed OpenAPI description, so rewording it changes that.

    permission_classes = [IsAuthenticated]
    throttle_classes = [AnonThrottle, UserThrottle]

    @property
    def actor(self) -> Any:
        """Who the request acts as, as ``settings.API_ACTOR`` builds it from the request."""
        return actor_factory(settings.API_ACTOR)(self.request)

    def expand(self, request: Request) -> Expand:
        """The parsed ``expand`` of this request (checked in ``initial``)."""
        return self.expanded


def json_object(
    request: Request, allowed: set[str], required: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The request body as a JSON object with only ``allowed`` keys and every ``required`` one."""
    data = request.data
    if not isinstance(data, dict):
        raise InvalidFieldError(field="body", detail="expected a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidFieldError(field=unknown[0], detail=f"unknown attribute; accepted: {', '.join(sorted(allowed))}")
    missing = sorted(required - set(data))
    if missing:
        raise InvalidFieldError(field=missing[0], detail="This field is required.")
    return data
