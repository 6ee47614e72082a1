"""A small demo catalog so a fresh install shows something; loaded by ``manage.py load_demo``."""

DEMO_DATASETS = [
    {
        "dataset_id": "bike-counters",
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
