"""Publish, republish, unpublish, abort and errors, through the API and a real RQ worker."""

import pytest
from django.db import connection
from psycopg import sql

from datasets.models import Dataset, PublishedVersion
from datasets.pipeline.core import Field
from datasets.services.retired_tables import drop_retired_tables
from datasets.tasks import batch_load
from datasets.tasks import publish as publish_job
from datasets.tasks.outcome import recover_dataset_after_dead_job
from jobs.models import Job
from jobs.reconciler import WorkerDiedError
from tests.conftest import assert_status
from tests.datasets.api.conftest import TREES_CSV, stored_file

BASE = "/api/management/v2"
pytestmark = pytest.mark.django_db(transaction=True)


def table_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'records' AND tablename = %s", [table])
        if cursor.fetchone()[0] == 0:
            return -1
        cursor.execute(
            sql.SQL("SELECT count(*) FROM records.{}").format(sql.Identifier(table)).as_string(cursor.connection)
        )
        return cursor.fetchone()[0]


def publish(api, uid, expected=202):
    return assert_status(api.put(f"{BASE}/datasets/{uid}/publish"), expected)


@pytest.fixture
def published(chief_api, trees, run_worker):
    uid, _resource = trees
    publish(chief_api, uid)
    run_worker()
    return uid


def current(uid) -> PublishedVersion:
    return Dataset.objects.select_related("current_version").get(dataset_uid=uid).current_version


def test_publish_goes_through_the_worker(chief_api, trees, run_worker, redis):
    uid, _ = trees
    response = chief_api.put(f"{BASE}/datasets/{uid}/publish")
    job = assert_status(response, 202)
    assert response["Location"] == f"/api/management/v2/jobs/{job['job_uid']}"
    assert (job["state"], job["function"], job["dataset_uid"], job["job_id"]) == (
        "waiting",
        "publish",
        uid,
        job["job_uid"],
    )
    assert assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status"), 200)["name"] == "queued"

    run_worker()

    done = assert_status(chief_api.get(f"{BASE}/jobs/{job['job_uid']}"), 200)
    assert done["state"] == "done"
    assert done["result"]["records"] == 2
    assert (done["result"]["duplicate_record_ids"], done["result"]["unindexed_fields"]) == (0, [])
    phases = {phase["name"]: phase for phase in done["progresses"]}
    assert set(phases) == {"extract", "read", "load", "index", "swap"}
    assert phases["read"]["done"] == phases["read"]["total"] == len(TREES_CSV)
    assert (phases["load"]["done"], phases["load"]["unit"]) == (2, "rows")
    status = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status"), 200)
    assert (status["name"], status["published"], status["records_errors"]) == ("idle", True, 0)
    version = current(uid)
    assert table_rows(version.table_name) == 2
    assert [field["name"] for field in version.fields][:2] == ["name", "year"]
    assert list(version.metadata) == ["default"] and list(version.metadata["default"]) == ["modified"]


def test_republish_serves_the_old_rows_until_the_swap(chief_api, alice, published, run_worker, settings):
    old = current(published)
    resource = Dataset.objects.get(dataset_uid=published).resources.get()
    bigger = stored_file(b"name,year\nOak,1990\nElm,2001\nAsh,2010\n", "more.csv", alice)
    body = {"url": bigger.url, "type": "csvfile", "title": "Trees"}
    assert_status(
        chief_api.put(f"{BASE}/datasets/{published}/resources/{resource.resource_uid}", body, format="json"), 200
    )
    publish(chief_api, published)
    assert current(published).table_name == old.table_name
    assert table_rows(old.table_name) == 2
    run_worker()
    new = current(published)
    assert new.number == old.number + 1
    assert table_rows(new.table_name) == 3
    # Retired, not dropped: a request that resolved the old version just before the swap finishes on it.
    assert table_rows(old.table_name) == 2
    assert drop_retired_tables() == []
    settings.RETIRED_TABLE_GRACE_SECONDS = 0
    assert drop_retired_tables() == [old.table_name]
    assert table_rows(old.table_name) == -1


def test_unpublish_drops_the_records_and_keeps_the_configuration(chief_api, published, run_worker, settings):
    table = current(published).table_name
    job = assert_status(chief_api.put(f"{BASE}/datasets/{published}/unpublish"), 202)
    assert job["function"] == "unpublish"
    run_worker()
    dataset = Dataset.objects.get(dataset_uid=published)
    assert (dataset.status, dataset.is_published, dataset.current_version) == ("idle", False, None)
    assert chief_api.get(f"/api/explore/v2.1/catalog/datasets/{dataset.dataset_id}/records").status_code == 404
    assert Job.objects.get(job_uid=job["job_uid"]).result == {"retired": table}
    settings.RETIRED_TABLE_GRACE_SECONDS = 0
    assert drop_retired_tables() == [table]
    assert table_rows(table) == -1
    assert dataset.resources.count() == 1
    assert Job.objects.get(job_uid=job["job_uid"]).state == "done"


def test_actions_are_refused_outside_their_origin_states(chief_api, trees, redis):
    uid, _ = trees
    publish(chief_api, uid)
    body = publish(chief_api, uid, expected=400)
    assert body["error_key"] == "InvalidDatasetStatusPreconditionException"
    assert body["raw_params"] == {"current_status": "queued", "authorized_origin_status": "idle, error, limit_reached"}
    assert body["message"] == (
        "Invalid precondition, dataset status is 'queued' but must be one of 'idle, error, limit_reached'"
    )
    assert_status(chief_api.put(f"{BASE}/datasets/{uid}/unpublish"), 400)
    abort = assert_status(chief_api.put(f"{BASE}/datasets/{uid}/abort_processing"), 400)
    assert abort["raw_params"] == {"current_status": "queued", "authorized_origin_status": "processing"}
    assert Job.objects.filter(dataset__dataset_uid=uid).count() == 1


def test_publishing_needs_the_publish_permission(alice_api, reader_api, trees, redis):
    uid, _ = trees
    body = assert_status(alice_api.put(f"{BASE}/datasets/{uid}/publish"), 403)
    assert body["raw_params"]["permission"] == "publish_dataset"
    assert_status(reader_api.put(f"{BASE}/datasets/{uid}/publish"), 202)


def test_abort_keeps_the_previous_version(chief_api, published, run_worker, monkeypatch, settings):
    old = current(published)
    settings.PUBLISH_BATCH_ROWS = 1
    original = publish_job.Progress.set

    def abort_during_load(self, phase, done, total=None):
        original(self, phase, done, total)
        if phase == "load" and done == 1:
            assert_status(chief_api.put(f"{BASE}/datasets/{published}/abort_processing"), 200)

    monkeypatch.setattr(publish_job.Progress, "set", abort_during_load)
    job = publish(chief_api, published)
    run_worker()
    assert Job.objects.get(job_uid=job["job_uid"]).state == "aborted"
    dataset = Dataset.objects.get(dataset_uid=published)
    assert (dataset.status, dataset.current_version_id) == ("idle", old.pk)
    assert table_rows(old.table_name) == 2
    assert table_rows(f"{published}_v{old.number + 1}") == -1


class CountingSource:
    """A source counting the rows the inference pass took from it; ``on_row(rows)`` runs after each row."""

    def __init__(self, source, on_row) -> None:
        self.source, self.on_row, self.read = source, on_row, 0

    @property
    def fields(self):
        return self.source.fields

    @property
    def problems(self):
        return self.source.problems

    @property
    def positional(self):
        return getattr(self.source, "positional", False)

    def rows(self):
        return self.counted(self.source.rows())

    def value_rows(self):
        return self.counted(self.source.value_rows())

    def counted(self, rows):
        for item in rows:
            self.read += 1
            self.on_row(self.read)
            yield item


def records_tables_of(uid: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'records' AND tablename LIKE %s", [f"{uid}\\_v%"]
        )
        return sorted(row[0] for row in cursor.fetchall())


def test_an_abort_during_inference_stops_it_within_one_batch(
    chief_api, alice, published, run_worker, monkeypatch, settings
):
    old, batch, total = current(published), 10, 1000
    resource = Dataset.objects.get(dataset_uid=published).resources.get()
    many = stored_file(
        b"name,year\n" + b"".join(b"T%d,%d\n" % (i, 1900 + i % 100) for i in range(total)), "m.csv", alice
    )
    body = {"url": many.url, "type": "csvfile", "title": "Trees"}
    assert_status(
        chief_api.put(f"{BASE}/datasets/{published}/resources/{resource.resource_uid}", body, format="json"), 200
    )
    settings.PUBLISH_BATCH_ROWS = batch
    sources: list[CountingSource] = []

    def abort_after_the_first_batch(rows: int) -> None:
        if rows == batch:
            assert_status(chief_api.put(f"{BASE}/datasets/{published}/abort_processing"), 200)

    original_infer = publish_job.infer

    def counted_infer(source, *args, **kwargs):
        sources.append(CountingSource(source, abort_after_the_first_batch))
        return original_infer(sources[-1], *args, **kwargs)

    monkeypatch.setattr(publish_job, "infer", counted_infer)
    job = publish(chief_api, published)
    run_worker()

    assert len(sources) == 1 and sources[0].read <= 2 * batch  # stopped within one batch of the abort
    ended = Job.objects.get(job_uid=job["job_uid"])
    assert ended.state == "aborted"
    phases = {phase["name"]: phase for phase in ended.progresses}
    assert list(phases) == ["extract", "read", "load", "index", "swap"]
    assert (phases["extract"]["unit"], phases["load"]["done"]) == ("rows", 0)
    assert batch <= phases["extract"]["done"] <= sources[0].read  # reported per batch, before the whole read
    dataset = Dataset.objects.get(dataset_uid=published)
    assert (dataset.status, dataset.current_version_id) == ("idle", old.pk)
    records = assert_status(chief_api.get(f"/api/explore/v2.1/catalog/datasets/{dataset.dataset_id}/records"), 200)
    assert records["total_count"] == 2
    assert records_tables_of(published) == [old.table_name]


def test_an_abort_during_a_load_whose_processors_drop_most_records_stops_it_within_one_batch(
    chief_api, alice, published, run_worker, monkeypatch, settings
):
    old, batch, total = current(published), 10, 1000
    dataset = Dataset.objects.get(dataset_uid=published)
    rows = b"".join(b"%s,%d\n" % (b"keep" if i < 5 else b"drop", 1900 + i % 100) for i in range(total))
    many = stored_file(b"name,year\n" + rows, "m.csv", alice)
    body = {"url": many.url, "type": "csvfile", "title": "Trees"}
    resource = dataset.resources.get()
    assert_status(
        chief_api.put(f"{BASE}/datasets/{published}/resources/{resource.resource_uid}", body, format="json"), 200
    )
    skip = {"name": "skip_record", "args": {"field": "name", "value": "drop"}}
    assert_status(chief_api.post(f"{BASE}/datasets/{published}/processors/", skip, format="json"), 201)
    settings.PUBLISH_BATCH_ROWS = batch
    sources: list[CountingSource] = []

    def abort_after_the_first_batch(rows: int) -> None:
        if rows == batch:
            assert_status(chief_api.put(f"{BASE}/datasets/{published}/abort_processing"), 200)

    original_batches = batch_load.record_batches

    def counted_batches(source, *args, **kwargs):
        sources.append(CountingSource(source, abort_after_the_first_batch))
        return original_batches(sources[-1], *args, **kwargs)

    monkeypatch.setattr(batch_load, "record_batches", counted_batches)
    job = publish(chief_api, published)
    run_worker()

    # Five records in a thousand rows: counting loaded records, the abort would wait for the whole file.
    assert len(sources) == 1 and sources[0].read <= 2 * batch
    assert Job.objects.get(job_uid=job["job_uid"]).state == "aborted"
    assert Dataset.objects.get(dataset_uid=published).current_version_id == old.pk
    assert records_tables_of(published) == [old.table_name]


def test_a_job_the_reconciler_failed_cannot_swap_in(chief_api, published, run_worker, monkeypatch):
    old = current(published)
    original = publish_job.PublishRun.swap

    def failed_by_the_reconciler_first(self, *args, **kwargs):
        # The reconciler decided this worker was dead: the job fails, the dataset recovers, its staging tables go.
        job = Job.objects.get(pk=self.job.pk)
        assert job.fail(WorkerDiedError(job_uid=job.job_uid, reason="no heartbeat for 120 s").as_dict())
        recover_dataset_after_dead_job(job)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(publish_job.PublishRun, "swap", failed_by_the_reconciler_first)
    job = publish(chief_api, published)
    run_worker()
    dataset = Dataset.objects.get(dataset_uid=published)
    assert (dataset.status, dataset.current_version_id) == ("error", old.pk)
    assert "stopped before finishing" in dataset.status_error["message"]
    assert not PublishedVersion.objects.filter(dataset=dataset, number=old.number + 1).exists()
    assert Job.objects.get(job_uid=job["job_uid"]).error["error_key"] == "WorkerDiedException"
    assert table_rows(old.table_name) == 2
    records = assert_status(chief_api.get(f"/api/explore/v2.1/catalog/datasets/{dataset.dataset_id}/records"), 200)
    assert records["total_count"] == 2


def test_a_failed_publish_reports_the_error_and_keeps_the_previous_version(chief_api, published, run_worker):
    old = current(published)
    resource = Dataset.objects.get(dataset_uid=published).resources.get()
    from datasets.models import File
    from datasets.services.files import file_path

    file_path(File.objects.get(file_id=resource.url.removeprefix("odsfile://"))).write_bytes(b"")
    job = publish(chief_api, published)
    run_worker()
    failed = Job.objects.get(job_uid=job["job_uid"])
    assert failed.state == "error"
    assert failed.error["error_key"] == "InvalidSourceException"
    status = assert_status(chief_api.get(f"{BASE}/datasets/{published}/status"), 200)
    assert status["name"] == "error"
    assert "empty" in status["message"]
    assert current(published).pk == old.pk
    assert table_rows(old.table_name) == 2
    assert table_rows(f"{published}_v{old.number + 1}") == -1
    publish(chief_api, published)  # error is an origin state: publishing again is allowed


def test_the_record_limit_ends_in_limit_reached(chief_api, trees, run_worker, settings):
    settings.MAX_RECORDS_PER_DATASET = 1
    uid, _ = trees
    job = publish(chief_api, uid)
    run_worker()
    assert Job.objects.get(job_uid=job["job_uid"]).result["limit_reached"] is True
    dataset = Dataset.objects.get(dataset_uid=uid)
    assert (dataset.status, dataset.is_published) == ("limit_reached", True)
    assert table_rows(dataset.current_version.table_name) == 1


def test_record_errors_are_counted_and_listed(chief_api, trees, run_worker):
    uid, _ = trees
    spec = {"name": "type", "args": {"field": "note", "type": "int"}}
    assert_status(chief_api.post(f"{BASE}/datasets/{uid}/fields_specifications/", spec, format="json"), 201)
    publish(chief_api, uid)
    run_worker()
    status = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status"), 200)
    assert (status["name"], status["records_errors"]) == ("idle", 2)
    errors = assert_status(chief_api.get(f"{BASE}/datasets/{uid}/status/records_errors"), 200)
    assert [(error["row"], error["field_uid"]) for error in errors] == [(1, "note"), (2, "note")]
    assert errors[0]["message"] == 'Cannot convert "big old" to "int"'


def test_jobs_list_shows_the_jobs_of_visible_datasets_and_filters(chief_api, alice_api, bob_api, trees, redis):
    uid, _ = trees
    job = publish(chief_api, uid)
    listed = assert_status(chief_api.get(f"{BASE}/jobs/", {"dataset_uid": uid, "state": "waiting"}), 200)
    assert [item["job_uid"] for item in listed] == [job["job_uid"]]
    # The dataset's owner reads its jobs whoever started them (as in the back-office); others get a 404.
    assert [item["job_uid"] for item in assert_status(alice_api.get(f"{BASE}/jobs/"), 200)] == [job["job_uid"]]
    assert assert_status(bob_api.get(f"{BASE}/jobs/"), 200) == []
    assert_status(bob_api.get(f"{BASE}/jobs/{job['job_uid']}"), 404)
    assert assert_status(chief_api.get(f"{BASE}/jobs/", {"state": "sleeping"}), 400)["raw_params"]["field"] == "state"


def test_deleting_a_published_dataset_drops_its_records(chief_api, published, settings):
    table = current(published).table_name
    assert chief_api.delete(f"{BASE}/datasets/{published}/").status_code == 204
    assert not Dataset.objects.filter(dataset_uid=published).exists()
    assert table_rows(table) == 2  # retired: dropped by housekeeping once the grace period is over
    settings.RETIRED_TABLE_GRACE_SECONDS = 0
    assert drop_retired_tables() == [table]
    assert table_rows(table) == -1


def test_a_dataset_cannot_be_deleted_while_a_job_works_on_it(chief_api, trees, redis):
    uid, _ = trees
    publish(chief_api, uid)
    body = assert_status(chief_api.delete(f"{BASE}/datasets/{uid}/"), 400)
    assert body["error_key"] == "InvalidDatasetStatusPreconditionException"
    assert Dataset.objects.filter(dataset_uid=uid).exists()


def test_an_active_job_left_on_an_idle_dataset_answers_409(chief_api, trees, redis):
    uid, _ = trees
    stray = Job.objects.create(function="publish", dataset=Dataset.objects.get(dataset_uid=uid))
    body = assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish"), 409)
    assert body["error_key"] == "ConflictException"
    assert stray.job_uid in body["message"]
    assert Dataset.objects.get(dataset_uid=uid).status == "idle"


def test_every_resource_is_published_into_one_table(chief_api, alice, trees, run_worker):
    uid, _ = trees
    extra = stored_file(b"name,year,height\nAsh,2010,12.5\n", "extra.csv", alice)
    body = {"url": extra.url, "type": "csvfile", "title": "More trees"}
    assert_status(chief_api.post(f"{BASE}/datasets/{uid}/resources/", body, format="json"), 201)
    publish(chief_api, uid)
    run_worker()
    version = current(uid)
    assert version.record_count == 3
    types = {field["name"]: field["type"] for field in version.fields}
    assert (types["year"], types["height"]) == ("int", "double")
    assert table_rows(version.table_name) == 3


def test_types_of_several_resources_widen_to_fit_all():
    first = [Field("n", "n", "int"), Field("d", "d", "date"), Field("t", "t", "int")]
    second = [Field("n", "n", "double"), Field("d", "d", "datetime"), Field("t", "t", "boolean"), Field("x", "x")]
    merged = publish_job.merged_fields([first, second])
    assert [(field.name, field.type) for field in merged] == [
        ("n", "double"),
        ("d", "datetime"),
        ("t", "text"),
        ("x", "text"),
    ]
