"""Fixed-window counters in Redis, the one way the platform counts requests against a limit.

The API throttles, the Explore quotas and the login throttle all count with these. A counter is one Redis
key per window, incremented by each hit; its count against a limit bounds a rate without keeping a list of
hit times. Two kinds of window:

* a window of the clock (``Window``: aligned on its length with ``Window.aligned``, or any start and end,
  such as a calendar month). The caller names the window in the key, so a key counts only within its window
  whatever its expiry (the expiry just clears it away later), and the reset time is the window's end, the same
  for every client. ``count_hit``: INCR and EXPIRE sent together.
* a window opened by a key's first hit (``count_hits_from_first``): the key lives ``length`` seconds from its
  first hit and later hits do not push that back, so the window runs from the first hit.

Each call is one round trip: its commands are pipelined without MULTI (a counter needs no more). The Redis
client is a parameter, so this module knows nothing of Django's cache; Redis errors
(``redis.exceptions.RedisError``) reach the caller, which decides whether to fail open and logs its choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis import Redis


@dataclass(frozen=True)
class Window:
    """A window of the clock: from ``start`` (included) to ``end`` (excluded), in seconds since the epoch.

    ``number`` is an aligned window's ordinal since the epoch (``start // length``), for naming it in keys.
    """

    start: float
    end: float
    number: int | None = None

    @classmethod
    def aligned(cls, now: float, length: int) -> Window:
        """The window of ``length`` seconds holding ``now``, windows following each other from the epoch."""
        number = int(now // length)
        return cls(start=number * length, end=(number + 1) * length, number=number)


@dataclass(frozen=True)
class WindowCount:
    """The hits counted in a window of the clock, the last one included, and when the window ends (epoch s)."""

    count: int
    reset: float


@dataclass(frozen=True)
class KeyCount:
    """A counter as Redis holds it: its count (0 without a key) and its key's time to live in seconds
    (Redis's TTL: -2 without a key, -1 for a key that never expires)."""

    count: int
    ttl: int


def count_hit(client: Redis, key: str, window: Window, *, ttl: int | None = None) -> WindowCount:
    """One hit on ``key``, the counter of ``window``: INCR, and EXPIRE ``ttl`` seconds from now (by default the
    window's length, enough for a key that counts only until the window ends)."""
    keep = ttl if ttl is not None else math.ceil(window.end - window.start)
    pipeline = client.pipeline(transaction=False)
    pipeline.incr(key)
    pipeline.expire(key, keep)
    count, _ = pipeline.execute()
    return WindowCount(count=count, reset=window.end)


def count_hits_from_first(client: Redis, keys: Sequence[str], length: int) -> list[int]:
    """One hit on each of ``keys``, each key's window opening at its first hit and lasting ``length`` seconds
    (the key is created with that expiry, which later hits leave alone); the counts, in the order of ``keys``."""
    pipeline = client.pipeline(transaction=False)
    for key in keys:
        pipeline.set(key, 0, ex=length, nx=True)
        pipeline.incr(key)
    replies = pipeline.execute()
    return [int(count) for count in replies[1::2]]


def read_counts(client: Redis, keys: Sequence[str]) -> list[KeyCount]:
    """The counters of ``keys`` and their time to live, without counting a hit, in the order of ``keys``."""
    pipeline = client.pipeline(transaction=False)
    for key in keys:
        pipeline.get(key)
        pipeline.ttl(key)
    replies = pipeline.execute()
    return [KeyCount(count=int(replies[i] or 0), ttl=replies[i + 1]) for i in range(0, len(replies), 2)]
