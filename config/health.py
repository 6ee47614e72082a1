"""``/health``: can this web process reach PostgreSQL and Redis, and do workers listen?"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import django_rq
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from redis.exceptions import RedisError
from rq import Worker
from rq.worker import BaseWorker

# A worker refreshes its heartbeat at least this often while alive (rq's worker_ttl is 420 s;
# it beats every job and between idle waits), so an older heartbeat means a dead worker.
WORKER_HEARTBEAT_MAX_AGE = timedelta(seconds=420)


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "error": str(error).strip().splitlines()[0]}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def live_workers(redis) -> list[BaseWorker]:
    oldest = datetime.now(UTC) - WORKER_HEARTBEAT_MAX_AGE
    return [w for w in Worker.all(connection=redis) if w.last_heartbeat and w.last_heartbeat >= oldest]


def check_redis_and_workers() -> tuple[dict[str, Any], dict[str, Any]]:
    started = time.perf_counter()
    try:
        redis = django_rq.get_connection("default")
        redis.ping()
        latency = round((time.perf_counter() - started) * 1000, 2)
        workers = live_workers(redis)
    except RedisError as error:
        return {"ok": False, "error": str(error)}, {"ok": False, "count": None}
    queues = sorted({name for worker in workers for name in worker.queue_names()})
    return {"ok": True, "latency_ms": latency}, {"ok": bool(workers), "count": len(workers), "queues": queues}


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL and Redis answer, else 503.

    No live worker is reported as ``"status": "degraded"`` with 200: the web side still serves
    reads, only jobs wait. Monitoring should alert on ``workers.count == 0``.
    """
    database = check_database()
    redis, workers = check_redis_and_workers()
    up = database["ok"] and redis["ok"]
    status = "ok" if up and workers["ok"] else ("degraded" if up else "down")
    body = {"status": status, "database": database, "redis": redis, "workers": workers}
    return JsonResponse(body, status=200 if up else 503)
