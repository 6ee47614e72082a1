"""Shared fixtures: personas, an isolated Redis database, and a real in-process RQ worker."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit, urlunsplit

import django_rq
import pytest
from django.conf import settings
from rq import SimpleWorker

from datasets.models import Dataset
from datasets.services import dataset_create

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


@pytest.fixture(scope="session", autouse=True)
def _isolated_redis():
    settings.RQ_QUEUES = {name: {**config, "URL": redis_url_for_tests()} for name, config in settings.RQ_QUEUES.items()}
    django_rq.get_connection("default").flushdb()


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


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.org", "alice-password-1")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sam", "sam@example.org", "sam-password-1", is_staff=True)


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "root-password-1")


@pytest.fixture
def public_dataset(alice):
    return dataset_create(
        owner=alice,
        dataset_id="trees",
        metas={"default": {"title": "Street trees", "description": "Trees of the city", "keywords": ["nature"]}},
        visibility=Dataset.Visibility.DOMAIN,
    )


@pytest.fixture
def restricted_dataset(alice):
    return dataset_create(owner=alice, dataset_id="salaries", metas={"default": {"title": "Staff salaries"}})
