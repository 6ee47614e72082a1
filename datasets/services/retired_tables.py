"""Records tables taken out of service, and the housekeeping step that drops them after a grace period.

Why not drop at once: a request that resolved the old version just before a swap would then fail with an
undefined table (a 500), and a long export still reading the old table would block the publish job's DROP.
So the transaction that stops serving a table only writes a ``RetiredTable`` row, and ``drop_retired_tables``
(run on every pass of ``manage.py jobs_reconcile``) drops it ``RETIRED_TABLE_GRACE_SECONDS`` later, waiting at
most ``RETIRED_TABLE_LOCK_TIMEOUT_MS`` for readers: a DROP that fails is counted and tried again next pass.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from datasets.models import Dataset, RetiredTable
from datasets.store import drop_table

logger = logging.getLogger(__name__)


def retire_table(dataset_uid: str, table: str) -> None:
    """Mark ``table`` for dropping after the grace period; call it in the transaction that stops serving it."""
    RetiredTable.objects.get_or_create(table_name=table, defaults={"dataset_uid": dataset_uid})


def retired_table_names(dataset_uid: str) -> set[str]:
    """Tables of the dataset waiting out their grace period (the dead-job recovery leaves them alone)."""
    return set(RetiredTable.objects.filter(dataset_uid=dataset_uid).values_list("table_name", flat=True))


def drop_retired_tables() -> list[str]:
    """Drop every retired table whose grace period is over; the names dropped, oldest first."""
    due = timezone.now() - timedelta(seconds=settings.RETIRED_TABLE_GRACE_SECONDS)
    dropped = []
    for retired in RetiredTable.objects.filter(retired_at__lte=due):
        if drop_one(retired):
            dropped.append(retired.table_name)
    return dropped


def drop_one(retired: RetiredTable) -> bool:
    """Drop one retired table in a transaction of its own; a failure is recorded on the row, not raised."""
    try:
        with transaction.atomic():
            if Dataset.objects.filter(current_version__table_name=retired.table_name).exists():
                # Served again (a dataset pointed back at it): it is no longer retired.
                retired.delete()
                return False
            with connection.cursor() as cursor:
                lock_timeout = f"{settings.RETIRED_TABLE_LOCK_TIMEOUT_MS}ms"
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
                drop_table(cursor.cursor, retired.table_name)
            retired.delete()
    except (DatabaseError, psycopg.Error) as error:  # the raw cursor raises psycopg's own
        RetiredTable.objects.filter(pk=retired.pk).update(attempts=retired.attempts + 1, last_error=str(error)[:500])
        logger.warning("retired records table %s not dropped yet: %s", retired.table_name, error)
        return False
    return True
