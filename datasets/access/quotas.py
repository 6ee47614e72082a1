"""API call quotas of security rulesets (``api_calls_quota``), counted in Redis per dataset and caller.

A quota ``{"limit": N, "unit": u}`` allows N Explore calls on one dataset per caller in each window of
the unit. Windows are fixed and aligned on the unit in UTC (a ``day`` runs from midnight to midnight, a
``month`` is the calendar month), so the reset time in the 429 body is the same for every caller and
easy to explain. A caller is its user when authenticated (an API key counts as its owner), else its
client IP as DRF's throttles derive it (``REMOTE_ADDR``, or ``X-Forwarded-For`` with ``NUM_PROXIES``).

Counting is one INCR and one EXPIRE sent together (one round trip: ``core.ratelimit``). When Redis is
unreachable the call is allowed and the failure logged: a Redis outage should not become an Explore outage,
and /health reports Redis as down meanwhile (the API throttles make the same choice).
"""

from __future__ import annotations

import hashlib
import logging
import math
from datetime import UTC, datetime

from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from core.ratelimit import Window, count_hit
from datasets.access.caller import Caller
from datasets.access.errors import QuotaExceeded
from datasets.access.visibility import DataAccess
from datasets.models import Dataset

logger = logging.getLogger(__name__)

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}
UNITS = (*UNIT_SECONDS, "month")


def current_time() -> datetime:
    """Now, in UTC (a function so tests can move the clock)."""
    return datetime.now(UTC)


def quota_window(unit: str, now: datetime) -> tuple[datetime, datetime]:
    """The start and end (exclusive) of the ``unit`` window holding ``now``, aligned in UTC."""
    if unit == "month":
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
        return start, end
    window = Window.aligned(now.timestamp(), UNIT_SECONDS[unit])
    return datetime.fromtimestamp(window.start, UTC), datetime.fromtimestamp(window.end, UTC)


def caller_identity(request, caller: Caller) -> str:
    """``user:<pk>`` for an authenticated caller, else ``ip:<client address>``."""
    if caller.is_authenticated:
        return f"user:{caller.user.pk}"
    return f"ip:{BaseThrottle().get_ident(request)}"


def quota_key(dataset_pk: int, identity: str, unit: str, start: datetime) -> str:
    # The identity may come from a header (X-Forwarded-For): hashed, it keeps keys short and plain.
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return cache.make_key(f"quota:{dataset_pk}:{digest}:{unit}:{int(start.timestamp())}")


def count_call(key: str, window: Window, ttl: int) -> int | None:
    """Add one call to ``key``, the counter of ``window`` (kept ``ttl`` seconds); the new count, or None if
    Redis is unreachable."""
    try:
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # config.cache's Redis backend
        counted = count_hit(client, key, window, ttl=ttl)
    except RedisError as error:
        logger.warning("quota not enforced, Redis unreachable: %s", error)
        return None
    return counted.count


def enforce_quota(request, caller: Caller, dataset: Dataset | int, access: DataAccess) -> None:
    """Count one Explore call on ``dataset`` (a Dataset or its pk) for ``caller``; raise ``QuotaExceeded`` past
    the quota of ``access`` (the Explore exception handler answers it as the reference's 429)."""
    quota = access.quota
    if not quota:
        return
    limit, unit = quota.get("limit"), quota.get("unit")
    if unit not in UNITS or not isinstance(limit, int):
        # The management API validates quotas; a bad one in the database must not break reads.
        logger.warning("ignoring malformed api_calls_quota %r", quota)
        return
    dataset_pk = dataset.pk if isinstance(dataset, Dataset) else int(dataset)
    now = current_time()
    start, end = quota_window(unit, now)
    remaining = max(1, math.ceil((end - now).total_seconds()))
    key = quota_key(dataset_pk, caller_identity(request, caller), unit, start)
    # Kept a little past the window's end: the key names its window, so a late expiry costs nothing.
    count = count_call(key, Window(start.timestamp(), end.timestamp()), remaining + 5)
    if count is not None and count > limit:
        raise QuotaExceeded(limit, unit, end, retry_after=remaining)
