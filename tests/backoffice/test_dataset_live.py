"""The dataset page's live state, the edits waiting for a publish, and pages that show a publisher what they
need (titles, record counts, readable values) and leave the internals to superusers."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from datasets.models import Dataset, Processor, Ruleset
from datasets.services import recording_change
from datasets.services.metadata import metadata_bulk_set
from datasets.services.processing import resource_update
from jobs.models import RecordError
from tests.backoffice.conftest import DATASETS, JOBS, csv_dataset
from tests.datasets.api.conftest import TREES_CSV

pytestmark = pytest.mark.django_db(transaction=True)


def source_rows_count() -> int:
    return TREES_CSV.decode().strip().count("\n")  # lines after the header


def state(client, dataset: Dataset):
    response = client.get(f"{DATASETS}{dataset.pk}/state/")
    assert response.status_code == 200, response.content[:500]
    return response.json()


def publish(client, dataset: Dataset, run_worker) -> None:
    response = client.post(f"{DATASETS}{dataset.pk}/action/", {"action": "publish"})
    assert response.status_code == 302
    run_worker()


def retitle(client, dataset: Dataset, title: str) -> None:
    """Through the metadata page (and so the metadata service), as a publisher does."""
    response = client.post(f"{DATASETS}{dataset.pk}/metadata/default/", {"title": title})
    assert response.status_code == 302


def change_page(client, dataset: Dataset) -> str:
    response = client.get(f"{DATASETS}{dataset.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def banner(body: str) -> str:
    """The pending-changes banner's opening tag (its ``hidden`` attribute says whether it shows)."""
    match = re.search(r'<div class="backoffice-pending" id="pending-changes"[^>]*>', body)
    assert match, "no pending-changes banner on the page"
    return match.group(0)


def test_state_of_a_draft(editor_client, trees):
    body = state(editor_client, trees)
    assert body["dataset_id"] == "trees"
    assert (body["status"], body["status_display"], body["status_error"]) == ("idle", "Idle", None)
    assert (body["is_published"], body["published_at"], body["record_count"], body["public_url"]) == (
        False,
        None,
        None,
        None,
    )
    # Never published: everything is unpublished, but nothing "waits" on a publish the page could name.
    assert (body["has_unpublished_changes"], body["shows_pending"], body["pending_changes"]) == (True, False, [])
    assert (body["job"], body["jobs"], body["active"]) == (None, [], False)


def test_state_follows_a_publish_then_an_edit_then_a_republish(editor, editor_client, trees, run_worker):
    editor_client.post(f"{DATASETS}{trees.pk}/action/", {"action": "publish"})
    queued = state(editor_client, trees)
    assert (queued["status"], queued["active"], queued["job"]["state"], queued["job"]["finished"]) == (
        "queued",
        True,
        "waiting",
        False,
    )
    run_worker()

    published = state(editor_client, trees)
    assert (published["status"], published["is_published"], published["active"]) == ("idle", True, False)
    assert published["record_count"] == source_rows_count()
    assert published["public_url"] == "/explore/dataset/trees/"
    assert published["published_at"] is not None
    job = published["job"]
    assert (job["function"], job["state"], job["percent"], job["finished"]) == ("publish", "done", 100, True)
    assert job["url"] == f"{JOBS}{job['id']}/change/"
    assert [row["state"] for row in published["jobs"]] == ["done"]
    assert (published["shows_pending"], published["pending_changes"]) == (False, [])

    retitle(editor_client, trees, "Street trees")
    edited = state(editor_client, trees)
    assert (edited["is_published"], edited["has_unpublished_changes"], edited["shows_pending"]) == (True, True, True)
    assert edited["pending_changes"] == [{"section": "metadata", "label": "Metadata", "names": ["title"]}]
    assert Dataset.objects.get(pk=trees.pk).title == "Trees"  # the public side keeps the published title

    publish(editor_client, trees, run_worker)
    republished = state(editor_client, trees)
    assert (republished["shows_pending"], republished["pending_changes"]) == (False, [])
    assert [row["state"] for row in republished["jobs"]] == ["done", "done"]
    assert Dataset.objects.get(pk=trees.pk).title == "Street trees"


def test_pending_changes_group_by_section_and_leave_security_out(editor, editor_client, trees, run_worker):
    publish(editor_client, trees, run_worker)
    items = [
        {"template_name": "default", "metadata_name": "description", "value": "Trees."},
        {"template_name": "dcat", "metadata_name": "creator", "value": "Parks"},
    ]
    metadata_bulk_set(dataset=trees, items=items, user=editor)
    retitle(editor_client, trees, "Street trees")
    resource = trees.resources.get()
    resource_update(resource=resource, body={"url": resource.url, "type": "csvfile", "title": "Renamed"}, user=editor)
    body = state(editor_client, trees)
    assert body["pending_changes"] == [
        {"section": "metadata", "label": "Metadata", "names": ["dcat.creator", "description", "title"]},
        {"section": "resources", "label": "Resources", "names": [resource.resource_uid]},
    ]


def test_a_security_change_alone_is_not_pending(editor, editor_client, trees, run_worker):
    publish(editor_client, trees, run_worker)
    ruleset = Ruleset.objects.get(dataset=trees, user=editor)
    # Security takes effect at once (a live section): nothing about it waits for a publish.
    with transaction.atomic(), recording_change(dataset=trees, user=editor, sections=("security",)):
        ruleset.visible_fields = ["name"]
        ruleset.save()
    body = state(editor_client, trees)
    assert (body["shows_pending"], body["pending_changes"]) == (False, [])


def test_change_page_shows_the_banner_only_while_edits_wait(editor_client, trees, run_worker):
    draft = change_page(editor_client, trees)
    assert "hidden" in banner(draft)
    assert 'id="dataset-published">Not published' in draft
    assert 'id="dataset-public-link" hidden' in draft

    publish(editor_client, trees, run_worker)
    published = change_page(editor_client, trees)
    assert "hidden" in banner(published)
    assert 'id="dataset-published">Published<' in published
    assert 'href="/explore/dataset/trees/" id="dataset-public-link">View the public page' in published

    retitle(editor_client, trees, "Street trees")
    edited = change_page(editor_client, trees)
    assert "hidden" not in banner(edited)
    assert "Edits wait for a publish" in edited and "<li>Metadata: title</li>" in edited
    assert 'value="publish" id="publish-changes"' in edited
    assert 'id="dataset-published">Published · changes pending' in edited
    assert f'data-state-url="{DATASETS}{trees.pk}/state/"' in edited and "backoffice/dataset-live.js" in edited


def test_state_is_scoped_like_the_other_pages(editor_client, outsider_client, client, trees, hidden):
    assert editor_client.get(f"{DATASETS}{hidden.pk}/state/").status_code == 404
    assert outsider_client.get(f"{DATASETS}{trees.pk}/state/").status_code == 404
    assert editor_client.get(f"{DATASETS}nope/state/").status_code == 404
    assert editor_client.post(f"{DATASETS}{trees.pk}/state/").status_code == 405
    anonymous = client.get(f"{DATASETS}{trees.pk}/state/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_changelist_shows_titles_and_record_counts_in_constant_queries(editor, editor_client, trees, run_worker):
    publish(editor_client, trees, run_worker)
    retitle(editor_client, trees, "Street trees")
    with CaptureQueriesContext(connection) as one:
        body = editor_client.get(DATASETS).content.decode()
    assert ">Street trees</a>" in body  # the title as edited, linking to the page
    assert f'<td class="field-record_count">{source_rows_count()}</td>' in body
    assert '<span class="badge badge-published-pending">Published · changes pending</span>' in body

    for name in ("oaks", "elms"):
        Ruleset.objects.create(
            dataset=csv_dataset(name), kind="user", user=editor, permissions=["edit_dataset", "publish_dataset"]
        )
    with CaptureQueriesContext(connection) as three:
        body = editor_client.get(DATASETS).content.decode()
    assert ">Oaks</a>" in body and ">Elms</a>" in body
    assert '<td class="field-record_count">—</td>' in body
    assert len(three.captured_queries) == len(one.captured_queries)


def test_publisher_sees_no_internals_and_one_metadata_view(editor_client, trees):
    Dataset.objects.filter(pk=trees.pk).update(
        status="error", status_error={"message": "The source is gone.", "raw_message": "HTTP {code}", "raw_params": {}}
    )
    metadata_bulk_set(
        dataset=trees,
        items=[{"template_name": "default", "metadata_name": "keyword", "value": ["nature", "urban"]}],
        user=None,
    )
    body = change_page(editor_client, trees)
    assert "The source is gone." in body
    for internal in ("raw_message", "Status user", "Current version", "metadata_values-TOTAL_FORMS", "5:default"):
        assert internal not in body, internal
    # The publication state is the live panel's; form fields of it would go stale while a job runs.
    for stale in ("field-is_published", "field-published_at", "field-status_since", "field-status "):
        assert stale not in body, stale
    assert "<td>nature, urban</td>" in body and "[&quot;nature&quot;" not in body
    assert "/history/" not in body and 'id="backoffice-changes-link"' in body


def test_superuser_keeps_the_internals(root_client, trees):
    body = change_page(root_client, trees)
    assert "field-is_published" in body
    for internal in ("Status user", "Current version", "Status error", "metadata_values-TOTAL_FORMS"):
        assert internal in body, internal
    assert "/history/" not in body


def test_publisher_form_cannot_write_the_internals(editor, editor_client, trees):
    """The internals are out of the publisher's form, not editable fields there."""
    response = editor_client.post(
        f"{DATASETS}{trees.pk}/change/",
        {
            "dataset_id": "trees",
            "visibility": "restricted",
            "status_user": str(editor.pk),
            "status_error": '{"message": "forged"}',
            "status": "idle",
            "is_published": "on",
            "rulesets-TOTAL_FORMS": "0",
            "rulesets-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (200, 302)
    dataset = Dataset.objects.get(pk=trees.pk)
    assert (dataset.status_user, dataset.status_error, dataset.is_published) == (None, None, False)


def test_jobs_and_changes_lists_name_datasets_by_title(editor, editor_client, trees, run_worker):
    editor.user_permissions.add(*Permission.objects.filter(codename="view_change"))
    publish(editor_client, trees, run_worker)
    assert "Trees (trees)" in editor_client.get(JOBS).content.decode()
    assert "Trees (trees)" in editor_client.get("/admin/datasets/change/").content.decode()


def test_keyword_help_is_one_sentence(editor_client, trees):
    body = editor_client.get(f"{DATASETS}{trees.pk}/metadata/default/").content.decode()
    assert "One keyword per line." in body and "Hit Enter" not in body


def test_record_errors_are_counted_per_field(editor_client, trees, run_worker):
    publish(editor_client, trees, run_worker)
    job = Dataset.objects.get(pk=trees.pk).current_version.job
    for row, field in ((1, "year"), (2, "year"), (2, "when")):
        RecordError.objects.create(job=job, row=row, field=field, raw_message="Not a {kind}", raw_params={"kind": "x"})
    body = change_page(editor_client, trees)
    table = body[body.index('id="record-error-counts"') :]
    assert re.search(r'<th scope="row">year</th><td>2</td>.*<th scope="row">when</th><td>1</td>', table, re.S)


def test_steps_show_their_arguments_as_names_and_values(editor_client, trees):
    args = {"latitude_field": "lat", "longitude_field": "lon", "keep": True, "names": ["a", "b"]}
    Processor.objects.create(dataset=trees, position=0, name="create_geopoint", args=args)

    body = change_page(editor_client, trees)

    cell = body[body.index('id="dataset-processors"') :].split("<td>")[4].split("</td>")[0]
    assert sorted(cell.split("; ")) == ["keep: yes", "latitude_field: lat", "longitude_field: lon", "names: a, b"]
    assert "{&#x27;latitude_field&#x27;" not in body
