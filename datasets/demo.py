"""A small demo catalog so a fresh install shows something; loaded by ``manage.py load_demo``.

Each dataset gets a generated CSV resource (seeded, so every install has the same records)
and, where it has coordinates, a ``create_geopoint`` processor.
"""

import csv
import io
import random
from datetime import date, timedelta

CITY_CENTRE = (48.8566, 2.3522)


def near_centre(rng: random.Random) -> tuple[str, str]:
    return f"{CITY_CENTRE[0] + rng.uniform(-0.05, 0.05):.5f}", f"{CITY_CENTRE[1] + rng.uniform(-0.08, 0.08):.5f}"


def bike_rows(rng: random.Random) -> list[list[str]]:
    counters = [(f"Counter {n}", *near_centre(rng)) for n in range(1, 9)]
    start = date(2024, 5, 1)
    return [
        [name, (start + timedelta(days=day)).isoformat(), str(rng.randrange(80, 2400)), lat, lon]
        for day in range(30)
        for name, lat, lon in counters
    ]


def toilet_rows(rng: random.Random) -> list[list[str]]:
    hours = ["06:00-22:00", "24/7", "08:00-20:00"]
    return [
        [
            f"Toilet {n}",
            f"{rng.randrange(1, 200)} {rng.choice(['rue', 'avenue', 'quai'])} {n}",
            rng.choice(hours),
            rng.choice(["true", "false"]),
            *near_centre(rng),
        ]
        for n in range(1, 61)
    ]


def air_rows(rng: random.Random) -> list[list[str]]:
    stations = ["Centre", "North", "East", "Airport", "Harbour"]
    start = date(2024, 1, 1)
    return [
        [
            station,
            (start + timedelta(days=day)).isoformat(),
            f"{rng.uniform(8, 60):.1f}",
            f"{rng.uniform(5, 45):.1f}",
            f"{rng.uniform(3, 30):.1f}",
        ]
        for day in range(60)
        for station in stations
    ]


def tree_rows(rng: random.Random) -> list[list[str]]:
    species = ["Plane tree", "Chestnut", "Lime", "Maple", "Ash", "Oak", "Cherry"]
    return [
        [rng.choice(species), f"{rng.uniform(3, 30):.1f}", str(rng.randrange(1890, 2024)), *near_centre(rng)]
        for _ in range(300)
    ]


def demo_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


GEOPOINT = {
    "name": "create_geopoint",
    "args": {"latitude_field": "lat", "longitude_field": "lon", "output_field": "location"},
}

DEMO_DATASETS = [
    {
        "dataset_id": "bike-counters",
        "csv": (["counter", "day", "count", "lat", "lon"], bike_rows),
        "processors": [GEOPOINT],
        "metas": {
            "default": {
                "title": "Bicycle counters",
                "description": "Hourly counts from the automatic bicycle counters on the city's cycle lanes.",
                "keyword": ["mobility", "cycling", "traffic"],
                "theme": ["Transport, Movements"],
                "license": "Open Database License (ODbL)",
                "publisher": "City mobility department",
            }
        },
    },
    {
        "dataset_id": "public-toilets",
        "csv": (["name", "address", "opening_hours", "accessible", "lat", "lon"], toilet_rows),
        "processors": [GEOPOINT],
        "metas": {
            "default": {
                "title": "Public toilets",
                "description": "Location, opening hours and accessibility of the public toilets.",
                "keyword": ["equipment", "accessibility"],
                "theme": ["Spatial planning, Town planning, Buildings, Equipment, Housing"],
                "license": "Licence Ouverte v2.0",
                "publisher": "Public works",
            }
        },
    },
    {
        "dataset_id": "air-quality-stations",
        "csv": (["station", "day", "no2", "pm10", "pm25"], air_rows),
        "processors": [],
        "metas": {
            "default": {
                "title": "Air quality measurements",
                "description": "Daily averages of NO2, PM10 and PM2.5 at the regional monitoring stations.",
                "keyword": ["environment", "air", "pollution"],
                "theme": ["Environment"],
                "license": "CC BY 4.0",
                "publisher": "Regional air quality agency",
            }
        },
    },
    {
        "dataset_id": "street-trees",
        "csv": (["species", "height_m", "planted", "lat", "lon"], tree_rows),
        "processors": [GEOPOINT],
        "metas": {
            "default": {
                "title": "Street trees",
                "description": "Species, height and planting year of the trees along streets and in parks.",
                "keyword": ["environment", "trees", "nature"],
                "theme": ["Environment"],
                "license": "Open Database License (ODbL)",
                "publisher": "Parks and gardens",
            }
        },
    },
]
