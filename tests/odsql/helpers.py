"""Independent references for the geographic and text predicates: spherical geometry, ray casting, word matching.

Plain Python on purpose: the tests compare PostGIS and PostgreSQL text search with these, never with themselves.
"""

from __future__ import annotations

import math
import re

EARTH_RADIUS = 6_371_008.8  # the mean radius of WGS 84, the sphere within_distance measures on


def destination(origin: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    """The point ``metres`` away from ``origin`` (lon, lat) along ``bearing`` degrees, on a sphere."""
    lon, lat = map(math.radians, origin)
    angle, theta = metres / EARTH_RADIUS, math.radians(bearing)
    lat2 = math.asin(math.sin(lat) * math.cos(angle) + math.cos(lat) * math.sin(angle) * math.cos(theta))
    lon2 = lon + math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(lat), math.cos(angle) - math.sin(lat) * math.sin(lat2)
    )
    return (math.degrees(lon2) + 540) % 360 - 180, math.degrees(lat2)


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(math.sqrt(h))


def inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    """Ray casting: does a horizontal ray from ``point`` cross the ring's edges an odd number of times?"""
    x, y = point
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def text_matches(document: str, query: str, every_word_prefix: bool) -> bool:
    """Python's reading of the query: every word found, as a prefix when it is the last (search) or always.

    A word of several tokens (``b&b``) is a phrase: its tokens must follow each other in the document.
    """
    found = tokens(document)
    words = [parts for parts in (tokens(word) for word in query.split()) if parts]

    def same(token: str, part: str, prefix: bool) -> bool:
        return token.startswith(part) if prefix else token == part

    def phrase_at(start: int, parts: list[str], prefix: bool) -> bool:
        window = found[start : start + len(parts)]
        return len(window) == len(parts) and all(same(t, p, prefix) for t, p in zip(window, parts, strict=True))

    for index, parts in enumerate(words):
        prefix = every_word_prefix or index == len(words) - 1
        if not any(phrase_at(start, parts, prefix) for start in range(len(found))):
            return False
    return bool(words)


def assert_within(found: list[int], distances: dict[int, float], metres: float) -> None:
    """``found`` (sorted) is every key whose distance is within ``metres``; values within 0.1% of the radius may
    go either way (PostGIS computes the great circle with its own formula and radius)."""
    inside = sorted(key for key, distance in distances.items() if distance < 0.999 * metres)
    outside = {key for key, distance in distances.items() if distance > 1.001 * metres}
    assert set(inside) <= set(found) and not set(found) & outside
    assert found == sorted(found) and len(found) <= len(inside) + 1  # a random value in the band: one at most
