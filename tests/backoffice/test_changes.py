"""The changes history of a dataset in the back-office: readable diffs, and restoring through the service."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from datasets.models import Change, Dataset, MetadataValue, Ruleset
from datasets.services.metadata import metadata_set
from datasets.services.security import access_policy_set
from tests.backoffice.conftest import DATASETS, logged_in

pytestmark = pytest.mark.django_db


def changes_url(dataset: Dataset) -> str:
    return f"{DATASETS}{dataset.pk}/changes/"


def restore(client, dataset: Dataset, change: Change):
    return client.post(f"{changes_url(dataset)}{change.change_uid}/restore/")


def title_of(dataset: Dataset) -> str:
    return MetadataValue.objects.get(dataset=dataset, template="default", name="title").value


@pytest.fixture
def retitled(trees, root) -> Change:
    """The title of trees changed from "Trees" to "Trees of the city"."""
    metadata_set(dataset=trees, template="default", name="title", value="Trees of the city", user=root)
    return Change.objects.filter(dataset=trees).first()


@pytest.mark.parametrize("client_name", ["root_client", "editor_client", "viewer_client"])
def test_changes_page_renders_the_diff(request, client_name, trees, retitled):
    response = request.getfixturevalue(client_name).get(changes_url(trees))
    assert response.status_code == 200
    body = response.content.decode()
    [rows] = [item["rows"] for item in response.context["changes"] if item["change"] == retitled]
    assert rows == [
        {
            "section": "metadata",
            "path": "default › title",
            "operation": "update",
            "old": "Trees",
            "new": "Trees of the city",
        }
    ]
    assert f'id="change-{retitled.change_uid}"' in body
    assert f'id="restore-{retitled.change_uid}"' in body
    assert len(response.context["changes"]) == Change.objects.filter(dataset=trees).count()


def test_restore_puts_the_old_state_back_as_a_new_change(editor, editor_client, trees, retitled):
    before = Change.objects.filter(dataset=trees).count()
    response = restore(editor_client, trees, retitled)
    assert response.status_code == 302 and response["Location"] == changes_url(trees)
    assert title_of(trees) == "Trees"
    assert Change.objects.filter(dataset=trees).count() == before + 1
    newest = Change.objects.filter(dataset=trees).first()
    assert (newest.user, newest.sections) == (editor, ["metadata"])
    assert newest.diff["metadata"][0]["new_value"] == "Trees"


def test_restoring_security_needs_the_security_rights(root, root_client, viewer_client, trees):
    access_policy_set(dataset=trees, policy="domain", user=root)
    change = Change.objects.filter(dataset=trees).first()
    assert change.sections == ["security"]
    page = viewer_client.get(changes_url(trees)).content.decode()
    assert f'id="restore-{change.change_uid}"' not in page
    assert restore(viewer_client, trees, change).status_code == 403
    assert Dataset.objects.get(pk=trees.pk).visibility == "domain"
    assert restore(root_client, trees, change).status_code == 302
    assert Dataset.objects.get(pk=trees.pk).visibility == "restricted"


def test_restore_needs_the_edit_right(django_user_model, trees, retitled):
    publisher = django_user_model.objects.create_user("pat", password="pat-password-1", is_staff=True)
    Ruleset.objects.create(dataset=trees, kind="user", user=publisher, permissions=["publish_dataset"])
    client = logged_in(publisher)
    response = client.get(changes_url(trees))
    assert response.status_code == 200
    assert "restore-" not in response.content.decode()
    count = Change.objects.count()
    assert restore(client, trees, retitled).status_code == 403
    assert (Change.objects.count(), title_of(trees)) == (count, "Trees of the city")


def test_changes_out_of_scope_unknown_or_not_posted_are_refused(
    editor_client, outsider_client, member_client, trees, hidden, retitled
):
    hidden_change = Change.objects.filter(dataset=hidden).first()
    assert editor_client.get(changes_url(hidden)).status_code == 404
    assert restore(editor_client, hidden, hidden_change).status_code == 404
    assert outsider_client.get(changes_url(trees)).status_code == 404
    assert editor_client.post(f"{changes_url(trees)}ch_nothing/restore/").status_code == 404
    # A change of another dataset cannot be restored through this one.
    assert restore(editor_client, trees, hidden_change).status_code == 404
    assert editor_client.get(f"{changes_url(trees)}{retitled.change_uid}/restore/").status_code == 405
    response = member_client.get(changes_url(trees))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert title_of(trees) == "Trees of the city"


def test_empty_history(root_client):
    dataset = Dataset.objects.create(dataset_id="bare")
    response = root_client.get(changes_url(dataset))
    assert response.status_code == 200
    assert 'id="changes-empty"' in response.content.decode()


def test_change_list_is_scoped_and_links_the_history(django_user_model, trees, hidden, retitled):
    user = django_user_model.objects.create_user("cleo", password="cleo-password-1", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename="view_change"))
    Ruleset.objects.create(dataset=trees, kind="user", user=user, permissions=["edit_dataset"])
    response = logged_in(user).get("/admin/datasets/change/")
    assert response.status_code == 200
    listed = {change.dataset_id for change in response.context["cl"].result_list}
    assert listed == {trees.pk}
    assert f'href="{changes_url(trees)}#change-{retitled.change_uid}"' in response.content.decode()
