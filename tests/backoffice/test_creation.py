"""Creating a dataset, renaming it and uploading a resource from the back-office, through the services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Change, Dataset, Ruleset
from tests.backoffice.conftest import DATASETS, logged_in
from tests.conftest import grant
from tests.data import data_file, late_accent_cp1252
from tests.datasets.api.conftest import TREES_CSV

pytestmark = pytest.mark.django_db

EMPTY_INLINES = {
    "metadata_values-TOTAL_FORMS": "0",
    "metadata_values-INITIAL_FORMS": "0",
    "rulesets-TOTAL_FORMS": "0",
    "rulesets-INITIAL_FORMS": "0",
}


@pytest.fixture
def creator(django_user_model):
    """Staff who may create datasets (and so edit their own), nothing more."""
    user = django_user_model.objects.create_user("cora", password="cora-password-1", is_staff=True)
    return grant(user, "create_dataset")


def test_add_page_is_for_creators(root_client, creator, outsider_client):
    assert root_client.get(f"{DATASETS}add/").status_code == 200
    assert logged_in(creator).get(f"{DATASETS}add/").status_code == 200
    assert outsider_client.get(f"{DATASETS}add/").status_code == 403


def test_creating_a_dataset_goes_through_the_service(creator):
    client = logged_in(creator)
    response = client.post(f"{DATASETS}add/", {"dataset_id": "parks", "visibility": "domain", **EMPTY_INLINES})
    assert response.status_code == 302
    dataset = Dataset.objects.get(dataset_id="parks")
    assert (dataset.owner, dataset.visibility, dataset.status) == (creator, "domain", "idle")
    creation = Change.objects.get(dataset=dataset)
    assert creation.user == creator
    assert creation.diff["dataset"] == [
        {"path": ["dataset_id"], "old_value": None, "new_value": "parks", "operation_type": "create"}
    ]
    # The owner may edit the dataset they made.
    assert client.get(f"{DATASETS}{dataset.pk}/change/").status_code == 200


def test_renaming_is_recorded_and_keeps_the_owner(creator, trees):
    Dataset.objects.filter(pk=trees.pk).update(owner=creator)
    client = logged_in(creator)
    response = client.post(
        f"{DATASETS}{trees.pk}/change/", {"dataset_id": "street-trees", "visibility": "restricted", **EMPTY_INLINES}
    )
    assert response.status_code == 302
    dataset = Dataset.objects.get(pk=trees.pk)
    assert (dataset.dataset_id, dataset.owner) == ("street-trees", creator)
    rename = Change.objects.filter(dataset=trees, sections=["dataset"]).first()
    assert rename.diff["dataset"] == [
        {"path": ["dataset_id"], "old_value": "trees", "new_value": "street-trees", "operation_type": "update"}
    ]


def upload(client, dataset, content: bytes, name: str = "more.csv", **fields):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(f"{DATASETS}{dataset.pk}/resources/add/", {"file": file, **fields})


def test_uploading_a_csv_adds_a_guessed_resource_and_shows_its_preview(editor_client, trees):
    semicolons = b"name;height\nOak;12\nElm;7\n"
    response = upload(editor_client, trees, semicolons, title="More trees")
    resource = trees.resources.order_by("-position").first()
    assert response.status_code == 302
    assert response["Location"] == f"{DATASETS}{trees.pk}/resources/{resource.resource_uid}/preview/"
    assert (resource.title, resource.type, resource.params["separator"]) == ("More trees", "csvfile", ";")
    assert resource.url.startswith("odsfile://")
    assert trees.resources.count() == 2
    preview = editor_client.get(response["Location"])
    names = [field["name"] for field in preview.context["preview"]["fields"]]
    assert names == ["name", "height"]
    assert preview.context["rows"] == [["Oak", "12"], ["Elm", "7"]]


def test_an_upload_with_ragged_rows_and_a_late_accent_is_saved_and_its_preview_says_so(editor_client, trees):
    response = upload(editor_client, trees, data_file("ragged.csv"), name="ragged.csv")
    preview = editor_client.get(response["Location"]).content.decode()
    assert 'id="preview-record-errors"' in preview
    assert "Row has 2 values but the header has 3 columns: the missing values are null" in preview
    response = upload(editor_client, trees, late_accent_cp1252(), name="late.csv")
    assert trees.resources.order_by("-position").first().params["encoding"] == "cp1252"  # guessed from across the file
    resource = trees.resources.order_by("-position").first()
    resource.params = {**resource.params, "encoding": "utf-8"}  # as an API client might have declared it
    resource.save()
    preview = editor_client.get(response["Location"]).content.decode()
    assert (
        'id="preview-encoding">Read as cp1252: the declared encoding, utf-8, cannot decode the byte at offset 121017'
        in (preview)
    )


def test_an_unreadable_upload_is_refused_with_its_reason(editor_client, trees):
    response = upload(editor_client, trees, b"\x00\x01\x02garbage", name="bad.csv", type="xlsfile")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert trees.resources.count() == 1


def test_uploading_needs_the_edit_right(django_user_model, trees, hidden, editor_client):
    publisher = django_user_model.objects.create_user("pat", password="pat-password-1", is_staff=True)
    Ruleset.objects.create(dataset=trees, kind="user", user=publisher, permissions=["publish_dataset"])
    assert upload(logged_in(publisher), trees, TREES_CSV).status_code == 403
    assert upload(editor_client, hidden, TREES_CSV).status_code == 404
    assert trees.resources.count() == 1 and hidden.resources.count() == 1


def test_upload_page_renders(editor_client, trees):
    response = editor_client.get(f"{DATASETS}{trees.pk}/resources/add/")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert (
        f'href="{DATASETS}{trees.pk}/resources/add/"'
        in editor_client.get(f"{DATASETS}{trees.pk}/change/").content.decode()
    )
