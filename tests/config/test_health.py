from datetime import UTC, datetime, timedelta
from unittest import mock

import django_rq
import pytest
from django.db import OperationalError, connection
from rq.utils import utcformat

from jobs.workers import SimpleWorker


@pytest.fixture
def live_worker(redis):
    worker = SimpleWorker([django_rq.get_queue("default")], connection=redis, name="health-probe")
    worker.register_birth()
    worker.heartbeat()
    yield worker
    worker.register_death()


def test_all_up_with_a_worker_is_ok(client, db, live_worker):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is True
    assert body["workers"] == {"ok": True, "count": 1, "queues": ["default"]}
    assert "no-cache" in response["Cache-Control"]


def test_without_workers_the_site_is_degraded_but_serving(client, db, redis):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["workers"] == {"ok": False, "count": 0, "queues": []}


def test_a_worker_whose_heartbeat_stopped_is_not_counted(client, db, live_worker, redis):
    stale = datetime.now(UTC) - timedelta(minutes=30)
    redis.hset(live_worker.key, "last_heartbeat", utcformat(stale))
    assert client.get("/health").json()["workers"]["count"] == 0


def test_redis_down_answers_503(client, db, settings):
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0", "SOCKET_TIMEOUT": 1}}
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["redis"]["ok"] is False
    assert body["redis"]["error"]
    assert body["database"]["ok"] is True


def test_database_down_answers_503(client, db, redis):
    refused = OperationalError("connection refused\nsecond line")
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "connection refused"}
