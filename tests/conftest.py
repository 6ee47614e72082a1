"""Shared fixtures: personas, an isolated Redis database, and a real in-process RQ worker."""

from __future__ import annotations

import base64
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, urlunsplit

import django_rq
import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test.signals import clear_cache_handlers
from rest_framework.test import APIClient

from datasets.models import Dataset, PublishedVersion
from datasets.services import dataset_create
from datasets.store import export_slots
from jobs.workers import SimpleWorker

# Tests use their own Redis database so a developer's queues (db 0) are never flushed.
TEST_REDIS_DB = 15


def redis_url_for_tests() -> str:
    if "TEST_REDIS_URL" in os.environ:
        return os.environ["TEST_REDIS_URL"]
    return urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{TEST_REDIS_DB}"))


def free_port() -> int:
    """A TCP port nothing listens on right now, for servers a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A local HTTP server on 127.0.0.1 answering with ``handler``: its base URL while the block runs."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session", autouse=True)
def _isolated_redis():
    url = redis_url_for_tests()
    settings.RQ_QUEUES = {name: {**config, "URL": url} for name, config in settings.RQ_QUEUES.items()}
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    # Django reads CACHES once; without this the cache (throttles, quotas, cache.clear()) stays on db 0.
    clear_cache_handlers(setting="CACHES")
    django_rq.get_connection("default").flushdb()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """PBKDF2's deliberate slowness is per request under HTTP Basic; tests make thousands."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    """Uploaded files of a test land in its own folder, never in the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def _free_export_slots(monkeypatch):
    """Every export slot free at each test's start: the test client's responses form reference cycles, so an
    export a test never reads gives its slot back only when the garbage collector runs (a server closes them)."""
    monkeypatch.setattr(export_slots, "_semaphore", None)


@pytest.fixture(autouse=True)
def _plain_http(settings):
    """The test client speaks http; production settings would redirect it to https."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def redis():
    """The tests' Redis database, emptied before each test that asks for it."""
    connection = django_rq.get_connection("default")
    connection.flushdb()
    return connection


@pytest.fixture
def run_worker(redis):
    """Drain the default queue with a real RQ worker in this process (burst mode, no fork)."""

    def drain() -> SimpleWorker:
        worker = SimpleWorker([django_rq.get_queue("default")], connection=redis)
        worker.work(burst=True)
        return worker

    return drain


def grant(user, *names: str):
    """Give domain permissions (datasets.<name>) to a user; returns the user, reloaded."""
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="datasets", codename__in=names))
    return type(user).objects.get(pk=user.pk)


def basic_client(username: str, password: str) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def assert_status(response, code: int):
    """Assert the status code, showing the body when it differs; returns the parsed JSON body (or None)."""
    body = response.content.decode()
    assert response.status_code == code, f"{response.status_code} != {code}: {body[:2000]}"
    return response.json() if body else None


@pytest.fixture
def alice(django_user_model):
    """A publisher: may create datasets, and so edit her own."""
    return grant(
        django_user_model.objects.create_user("alice", "alice@example.org", "alice-password-1"), "create_dataset"
    )


@pytest.fixture
def bob(django_user_model):
    """Another publisher, who must not see alice's datasets."""
    return grant(django_user_model.objects.create_user("bob", "bob@example.org", "bob-password-1"), "create_dataset")


@pytest.fixture
def chief(django_user_model):
    """An editor-in-chief: edits and publishes every dataset."""
    user = django_user_model.objects.create_user("chief", "chief@example.org", "chief-password-1")
    return grant(user, "create_dataset", "edit_dataset", "publish_dataset")


@pytest.fixture
def reader(django_user_model):
    """May publish every dataset, so sees them in the management API, but may not edit them."""
    return grant(
        django_user_model.objects.create_user("rita", "rita@example.org", "rita-password-1"), "publish_dataset"
    )


@pytest.fixture
def alice_api(alice):
    return basic_client("alice", "alice-password-1")


@pytest.fixture
def bob_api(bob):
    return basic_client("bob", "bob-password-1")


@pytest.fixture
def chief_api(chief):
    return basic_client("chief", "chief-password-1")


@pytest.fixture
def reader_api(reader):
    return basic_client("rita", "rita-password-1")


@pytest.fixture
def anonymous_api():
    return APIClient()


@pytest.fixture
def staff(django_user_model):
    """A team member of the back-office who explores every restricted dataset (a domain-wide right)."""
    user = django_user_model.objects.create_user("sam", "sam@example.org", "sam-password-1", is_staff=True)
    return grant(user, "explore_restricted_dataset")


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "root-password-1")


def mark_published(dataset: Dataset) -> Dataset:
    """Give the dataset a current version snapshotting its metadata, as a publish would (without records)."""
    metas = {}
    for row in dataset.metadata_values.exclude(value=None):
        metas.setdefault(row.template, {})[row.name] = row.value
    version = PublishedVersion.objects.create(
        dataset=dataset, number=1, table_name=f"{dataset.dataset_uid}_v1", metadata=metas
    )
    Dataset.objects.filter(pk=dataset.pk).update(current_version=version, is_published=True)
    dataset.refresh_from_db()
    return dataset


@pytest.fixture
def public_dataset(alice):
    return mark_published(
        dataset_create(
            owner=alice,
            dataset_id="trees",
            metas={"default": {"title": "Street trees", "description": "Trees of the city", "keyword": ["nature"]}},
            visibility=Dataset.Visibility.DOMAIN,
        )
    )


@pytest.fixture
def restricted_dataset(alice):
    return mark_published(
        dataset_create(owner=alice, dataset_id="salaries", metas={"default": {"title": "Staff salaries"}})
    )
