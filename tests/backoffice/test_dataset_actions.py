"""Publish, unpublish and abort from the back-office: buttons and bulk actions go through the services."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from datasets.models import Dataset, Ruleset
from jobs.models import Job
from tests.backoffice.conftest import DATASETS, csv_dataset
from tests.datasets.api.conftest import TREES_CSV

pytestmark = pytest.mark.django_db


def action(client, dataset: Dataset, name: str):
    return client.post(f"{DATASETS}{dataset.pk}/action/", {"action": name})


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def reloaded(dataset: Dataset) -> Dataset:
    return Dataset.objects.get(pk=dataset.pk)


@pytest.mark.django_db(transaction=True)
def test_publish_button_queues_a_job_that_a_worker_finishes(editor, editor_client, trees, run_worker):
    response = action(editor_client, trees, "publish")
    assert response.status_code == 302 and response["Location"] == f"{DATASETS}{trees.pk}/change/"
    job = Job.objects.get(dataset=trees)
    assert (job.function, job.state, job.user) == ("publish", "waiting", editor)
    assert reloaded(trees).status == "queued"
    assert texts(response) == [f"Publishing trees queued as job {job.job_uid}."]
    run_worker()
    job.refresh_from_db()
    dataset = reloaded(trees)
    assert job.state == "done"
    assert (dataset.status, dataset.is_published) == ("idle", True)
    expected_rows = len(list(csv.DictReader(io.StringIO(TREES_CSV.decode()))))
    assert dataset.current_version.record_count == expected_rows


def test_publish_twice_reports_the_precondition_and_queues_nothing_more(editor_client, trees):
    action(editor_client, trees, "publish")
    response = action(editor_client, trees, "publish")
    assert response.status_code == 302
    assert Job.objects.filter(dataset=trees).count() == 1
    assert "status is 'queued'" in texts(response)[-1]


@pytest.mark.django_db(transaction=True)
def test_unpublish_button(editor_client, trees, run_worker):
    action(editor_client, trees, "publish")
    run_worker()
    response = action(editor_client, trees, "unpublish")
    assert response.status_code == 302
    job = Job.objects.filter(dataset=trees).first()
    assert (job.function, job.state) == ("unpublish", "waiting")
    run_worker()
    assert reloaded(trees).is_published is False


def test_abort_button_moves_a_processing_dataset_to_aborting(editor_client, trees):
    Dataset.objects.filter(pk=trees.pk).update(status="processing")
    response = action(editor_client, trees, "abort")
    assert response.status_code == 302
    assert reloaded(trees).status == "aborting_processing"
    assert texts(response) == ["Processing of trees is being aborted."]


def test_abort_on_an_idle_dataset_is_refused_with_a_message(editor_client, trees):
    response = action(editor_client, trees, "abort")
    assert reloaded(trees).status == "idle"
    [message] = texts(response)
    assert message.startswith("trees: ") and "must be one of 'processing'" in message


def test_actions_need_the_publish_right(viewer_client, trees):
    assert action(viewer_client, trees, "publish").status_code == 403
    assert not Job.objects.exists()
    assert reloaded(trees).status == "idle"


def test_actions_on_a_dataset_out_of_scope_are_not_found(editor_client, hidden):
    assert action(editor_client, hidden, "publish").status_code == 404
    assert not Job.objects.exists()


def test_unknown_action_and_get_are_refused(editor_client, trees):
    response = action(editor_client, trees, "explode")
    assert texts(response) == ["Unknown action 'explode'."]
    assert editor_client.get(f"{DATASETS}{trees.pk}/action/").status_code == 405
    assert not Job.objects.exists()


def test_actions_need_a_csrf_token(editor, trees):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert action(client, trees, "publish").status_code == 403
    assert not Job.objects.exists()


def test_non_staff_are_sent_to_the_login(member_client, trees):
    response = action(member_client, trees, "publish")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Job.objects.exists()


def bulk(client, name: str, *datasets: Dataset):
    data = {"action": name, "_selected_action": [str(dataset.pk) for dataset in datasets]}
    return client.post(DATASETS, data)


@pytest.mark.django_db(transaction=True)
def test_bulk_publish_queues_one_job_per_dataset(root_client, trees, hidden, run_worker):
    response = bulk(root_client, "publish_selected", trees, hidden)
    assert response.status_code == 302
    assert set(Job.objects.values_list("dataset__dataset_id", "function")) == {
        ("trees", "publish"),
        ("hidden", "publish"),
    }
    run_worker()
    assert set(Dataset.objects.filter(is_published=True).values_list("dataset_id", flat=True)) == {"trees", "hidden"}


@pytest.mark.django_db(transaction=True)
def test_bulk_unpublish_and_abort(root_client, trees, hidden, run_worker):
    bulk(root_client, "publish_selected", trees, hidden)
    run_worker()
    bulk(root_client, "unpublish_selected", trees, hidden)
    assert Job.objects.filter(function="unpublish", state="waiting").count() == 2
    run_worker()
    assert not Dataset.objects.filter(is_published=True).exists()
    Dataset.objects.filter(pk=trees.pk).update(status="processing")
    response = bulk(root_client, "abort_selected", trees, hidden)
    assert reloaded(trees).status == "aborting_processing"
    assert reloaded(hidden).status == "idle"
    messages = texts(response)
    assert "Processing of trees is being aborted." in messages
    assert any(text.startswith("hidden: ") for text in messages)


def test_bulk_publish_skips_datasets_without_the_publish_right(editor, editor_client, trees):
    draft = csv_dataset("draft")
    Ruleset.objects.create(dataset=draft, kind="user", user=editor, permissions=["edit_dataset"])
    response = bulk(editor_client, "publish_selected", trees, draft)
    assert list(Job.objects.values_list("dataset__dataset_id", flat=True)) == ["trees"]
    assert "draft: you may not publish this dataset." in texts(response)
