"""Django set-up shared by the benchmarks: settings, and a Redis database of their own."""

import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_REDIS_DB = 14


def setup_django() -> None:
    """Configure Django and point RQ at a Redis database no running worker listens to."""
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    django.setup()
    logging.getLogger("rq").setLevel(logging.WARNING)
    url = urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{BENCH_REDIS_DB}"))
    settings.RQ_QUEUES = {name: {**config, "URL": url} for name, config in settings.RQ_QUEUES.items()}


def noop() -> None:
    """A job body that does nothing: the baseline for queue overhead."""
