"""Retired records tables: a republish, an unpublish or a deletion never drops a table in its own job; the
housekeeping pass does, after the grace period, and a DROP that fails leaves what is served untouched."""

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from datasets.models import Dataset, PublishedVersion, RetiredTable
from datasets.services.retired_tables import drop_retired_tables
from datasets.tasks import publish as publish_job
from datasets.tasks.outcome import recover_dataset_after_dead_job
from jobs.models import Job
from tests.conftest import assert_status
from tests.datasets.api.conftest import stored_file

BASE = "/api/management/v2"
EXPLORE = "/api/explore/v2.1/catalog/datasets"
pytestmark = pytest.mark.django_db(transaction=True)


def table_exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"records.{table}"])
        return cursor.fetchone()[0]


def current(uid: str) -> PublishedVersion:
    return Dataset.objects.select_related("current_version").get(dataset_uid=uid).current_version


def republish_with_three_rows(api, alice, uid: str, run_worker) -> None:
    resource = Dataset.objects.get(dataset_uid=uid).resources.get()
    bigger = stored_file(b"name,year\nOak,1990\nElm,2001\nAsh,2010\n", "more.csv", alice)
    body = {"url": bigger.url, "type": "csvfile", "title": "Trees"}
    assert_status(api.put(f"{BASE}/datasets/{uid}/resources/{resource.resource_uid}", body, format="json"), 200)
    assert_status(api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()


def served_count(api) -> int:
    return assert_status(api.get(f"{EXPLORE}/trees/records?limit=1"), 200)["total_count"]


@pytest.fixture
def republished(chief_api, alice, trees, run_worker):
    """``trees`` published twice: (uid, the retired first table, the served second one)."""
    uid, _ = trees
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()
    first = current(uid).table_name
    republish_with_three_rows(chief_api, alice, uid, run_worker)
    return uid, first, current(uid).table_name


def test_a_republish_retires_the_old_table_and_housekeeping_drops_it_after_the_grace(chief_api, republished, settings):
    uid, old, new = republished
    assert old != new and table_exists(old)
    assert RetiredTable.objects.get(table_name=old).dataset_uid == uid
    settings.RETIRED_TABLE_GRACE_SECONDS = 3600
    assert drop_retired_tables() == []
    assert table_exists(old)
    settings.RETIRED_TABLE_GRACE_SECONDS = 0
    assert drop_retired_tables() == [old]
    assert (table_exists(old), table_exists(new)) == (False, True)
    assert not RetiredTable.objects.exists()
    assert served_count(chief_api) == 3


def test_a_drop_that_fails_leaves_the_new_version_served_and_is_tried_again(chief_api, republished, settings):
    _uid, old, new = republished
    settings.RETIRED_TABLE_GRACE_SECONDS = 0
    settings.RETIRED_TABLE_LOCK_TIMEOUT_MS = 100
    # A long export still reading the old table holds its lock: the DROP gives up after the lock timeout.
    reader = psycopg.connect(**connection.get_connection_params())
    try:
        reader.execute(sql.SQL("SELECT count(*) FROM records.{}").format(sql.Identifier(old)))
        assert drop_retired_tables() == []
        retired = RetiredTable.objects.get(table_name=old)
        assert retired.attempts == 1 and "lock timeout" in retired.last_error
        assert table_exists(old) and current(_uid).table_name == new
        assert served_count(chief_api) == 3
        assert chief_api.get(f"{EXPLORE}/trees/exports/csv").status_code == 200
    finally:
        reader.close()
    assert drop_retired_tables() == [old]
    assert served_count(chief_api) == 3


def test_a_table_served_again_is_never_dropped(republished, settings):
    uid, old, _new = republished
    Dataset.objects.filter(dataset_uid=uid).update(current_version=PublishedVersion.objects.get(table_name=old))
    settings.RETIRED_TABLE_GRACE_SECONDS = 0
    assert drop_retired_tables() == []
    assert table_exists(old) and not RetiredTable.objects.exists()


def test_the_dead_job_recovery_leaves_retired_tables_to_housekeeping(republished):
    uid, old, new = republished
    job = Job.objects.filter(dataset__dataset_uid=uid).latest("created_at")
    with connection.cursor() as cursor:  # the staging table a dead worker left behind
        cursor.execute(
            sql.SQL("CREATE TABLE records.{} (x int)").format(sql.Identifier(f"{uid}_v9")).as_string(cursor.connection)
        )
    recover_dataset_after_dead_job(job)
    assert (table_exists(old), table_exists(new), table_exists(f"{uid}_v9")) == (True, True, False)


def test_nothing_after_the_swap_commit_drops_the_table_the_dataset_points_to(
    chief_api, alice, trees, run_worker, monkeypatch
):
    uid, _ = trees

    def failing_set(self, phase, done, total=None):
        if phase == "swap":
            raise RuntimeError("progress could not be written")
        return original(self, phase, done, total)

    original = publish_job.Progress.set
    monkeypatch.setattr(publish_job.Progress, "set", failing_set)
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()
    served = current(uid)
    assert served is not None and table_exists(served.table_name)
    assert served_count(chief_api) == 2
