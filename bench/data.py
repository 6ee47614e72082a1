"""Benchmark inputs, generated once (seeded: the same bytes every time) and cached under var/bench/.

- ``csv_file(rows)``: N rows of 10 typed columns (ids, numbers, names, dates, categories, coordinates, text).
- ``transport_csv_file(rows)``: N rows (340,000 by default) of 19 columns shaped like public transport
  statistics: ints, small-cardinality codes, a ``YYYY-MM-DD HH:MM:SS`` timestamp, and ``NA`` for about 3 %
  of the counts and of some codes.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
CACHE_DIR = PROJECT_DIR / "var" / "bench"
HEADER = ["id", "count", "price", "name", "day", "category", "latitude", "longitude", "comment", "active"]
CATEGORIES = [f"category {n:02d}" for n in range(50)]
WORDS = [
    "tree",
    "street",
    "city",
    "park",
    "river",
    "bridge",
    "school",
    "market",
    "station",
    "garden",
    "museum",
    "library",
]

TRANSPORT_ROWS = 340_000
TRANSPORT_HEADER = [
    "measured_at",
    "year",
    "month",
    "day_of_week",
    "hour",
    "line_code",
    "mode",
    "operator_code",
    "stop_id",
    "stop_code",
    "direction",
    "day_type",
    "passengers_in",
    "passengers_out",
    "trips",
    "vehicles",
    "delay_minutes",
    "occupancy_pct",
    "zone",
]
# The equivalent typed table of ``psql \copy`` (the publish types ints as bigint).
TRANSPORT_COLUMNS = {
    "measured_at": "timestamp",
    **dict.fromkeys(["year", "month", "day_of_week", "hour"], "bigint"),
    **dict.fromkeys(["line_code", "mode", "operator_code"], "text"),
    "stop_id": "bigint",
    "stop_code": "text",
    "direction": "bigint",
    "day_type": "text",
    **dict.fromkeys(["passengers_in", "passengers_out", "trips", "vehicles"], "bigint"),
    **dict.fromkeys(["delay_minutes", "occupancy_pct", "zone"], "bigint"),
}
MISSING = "NA"
MISSING_SHARE = 0.03
# (line code, mode, operator code): 16 metro, 60 bus, 13 tram and 5 RER lines.
LINES = (
    [(f"M{n}", "metro", "RATP") for n in range(1, 17)]
    + [(f"B{n}", "bus", "RATP" if n < 200 else "OPTILE") for n in range(20, 380, 6)]
    + [(f"T{n}", "tram", "RATP" if n < 10 else "SNCF") for n in range(1, 14)]
    + [(f"R{letter}", "rer", "SNCF" if letter in "CDE" else "RATP") for letter in "ABCDE"]
)
STOPS = 2_000
DAY_TYPES = {5: "SAM", 6: "DIM"}  # by date.weekday(); every other day is a working day
FIRST_HOUR = datetime(2023, 1, 1)
HOURS = 2 * 365 * 24


def row(rng: random.Random, n: int) -> list[str]:
    day = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
    return [
        str(n),
        str(rng.randrange(1_000_000)),
        f"{rng.uniform(0, 10_000):.2f}",
        f"Name {rng.randrange(100_000)}",
        day.isoformat(),
        rng.choice(CATEGORIES),
        f"{rng.uniform(42.0, 51.0):.6f}",
        f"{rng.uniform(-4.0, 8.0):.6f}",
        " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 12))),
        rng.choice(["true", "false"]),
    ]


def maybe_missing(rng: random.Random, value: object) -> str:
    """``value`` as text, or ``NA`` for about MISSING_SHARE of the calls."""
    return MISSING if rng.random() < MISSING_SHARE else str(value)


def transport_row(rng: random.Random, n: int) -> list[str]:
    """One hourly count of one line at one stop in one direction."""
    at = FIRST_HOUR + timedelta(hours=rng.randrange(HOURS), minutes=rng.choice((0, 15, 30, 45)))
    line, mode, operator = rng.choice(LINES)
    stop = rng.randrange(STOPS)
    rush = at.hour in (7, 8, 9, 17, 18, 19)
    passengers_in = rng.randrange(400 if rush else 120)
    trips = rng.randrange(1, 13 if rush else 7)
    return [
        at.strftime("%Y-%m-%d %H:%M:%S"),
        str(at.year),
        str(at.month),
        str(at.isoweekday()),
        str(at.hour),
        line,
        mode,
        maybe_missing(rng, operator),
        maybe_missing(rng, 100_000 + stop),
        f"STP{stop:04d}",
        str(rng.randrange(2)),
        maybe_missing(rng, DAY_TYPES.get(at.weekday(), "JOB")),
        maybe_missing(rng, passengers_in),
        maybe_missing(rng, max(0, passengers_in + rng.randrange(-40, 41))),
        maybe_missing(rng, trips),
        maybe_missing(rng, rng.randrange(1, trips + 1)),
        maybe_missing(rng, rng.randrange(-5, 16)),
        maybe_missing(rng, rng.randrange(0, 131)),
        maybe_missing(rng, rng.randrange(1, 6)),
    ]


def cached(
    path: Path, header: list[str], make_row: Callable[[random.Random, int], list[str]], rows: int, seed: int
) -> Path:
    """``path``, written once with ``header`` and ``rows`` rows of ``make_row`` (seeded with ``seed``)."""
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n in range(rows):
            writer.writerow(make_row(rng, n))
    temporary.rename(path)
    return path


def csv_file(rows: int) -> Path:
    """The cached 10-column CSV of ``rows`` rows (seeded: the same bytes every time)."""
    return cached(CACHE_DIR / f"rows-{rows}.csv", HEADER, row, rows, seed=42)


def transport_csv_file(rows: int = TRANSPORT_ROWS) -> Path:
    """The cached 19-column transport-statistics CSV of ``rows`` rows (seeded: the same bytes every time)."""
    return cached(CACHE_DIR / f"transport-{rows}.csv", TRANSPORT_HEADER, transport_row, rows, seed=19)
