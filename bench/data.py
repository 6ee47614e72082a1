"""Benchmark inputs: a CSV of N rows and 10 typed columns, generated once and cached under var/bench/."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
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


def csv_file(rows: int) -> Path:
    """The cached CSV of ``rows`` rows (seeded: the same bytes every time)."""
    path = CACHE_DIR / f"rows-{rows}.csv"
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(row(rng, n))
    temporary.rename(path)
    return path
