"""The dataset back-office pages render for whoever may manage the dataset, and only for them."""

from __future__ import annotations

import csv
import io

import pytest

from datasets.models import Dataset
from tests.backoffice.conftest import DATASETS
from tests.datasets.api.conftest import TREES_CSV

pytestmark = pytest.mark.django_db


def source_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(TREES_CSV.decode())))


def test_list_shows_badges_with_text(root_client, trees, hidden):
    response = root_client.get(DATASETS)
    assert response.status_code == 200
    body = response.content.decode()
    assert {d.dataset_id for d in response.context["cl"].result_list} == {"trees", "hidden"}
    assert '<span class="badge badge-status-idle">Idle</span>' in body
    assert '<span class="badge badge-published-no">Draft</span>' in body
    assert '<span class="badge badge-visibility-restricted">Restricted</span>' in body
    assert "backoffice/backoffice.css" in body


def test_list_filters_by_status(root_client, trees, hidden):
    Dataset.objects.filter(pk=hidden.pk).update(status="error")
    response = root_client.get(DATASETS, {"status__exact": "error"})
    assert [d.dataset_id for d in response.context["cl"].result_list] == ["hidden"]


def test_list_is_scoped_for_limited_staff(editor_client, trees, hidden):
    response = editor_client.get(DATASETS)
    assert response.status_code == 200
    assert [d.dataset_id for d in response.context["cl"].result_list] == ["trees"]


def test_outsiders_and_non_staff_are_refused(outsider_client, member_client, trees):
    assert outsider_client.get(DATASETS).status_code == 403
    assert outsider_client.get(f"{DATASETS}{trees.pk}/change/").status_code == 403
    login = member_client.get(DATASETS)
    assert login.status_code == 302 and "/admin/login/" in login["Location"]


@pytest.mark.parametrize("client_name", ["root_client", "editor_client"])
def test_change_page_shows_actions_metadata_and_pipeline(request, client_name, trees):
    client = request.getfixturevalue(client_name)
    response = client.get(f"{DATASETS}{trees.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    for marker in ('id="action-publish"', 'id="action-unpublish"', 'id="action-abort"', "csrfmiddlewaretoken"):
        assert marker in body
    resource = trees.resources.get()
    assert f'id="preview-{resource.resource_uid}"' in body
    assert 'id="metadata-default"' in body and "Trees" in body
    assert f'href="{DATASETS}{trees.pk}/changes/"' in body
    assert 'id="dataset-status">Status: Idle' in body


def test_change_page_without_publish_right_has_no_buttons(viewer_client, trees):
    body = viewer_client.get(f"{DATASETS}{trees.pk}/change/").content.decode()
    assert 'id="action-publish"' not in body
    assert "You may not publish this dataset." in body


def test_preview_renders_the_first_rows_as_a_table(editor_client, trees):
    resource = trees.resources.get()
    response = editor_client.get(f"{DATASETS}{trees.pk}/resources/{resource.resource_uid}/preview/")
    assert response.status_code == 200
    expected = source_rows()
    rows = response.context["rows"]
    names = [field["name"] for field in response.context["preview"]["fields"]]
    assert len(rows) == len(expected)
    assert rows[0][names.index("name")] == expected[0]["name"]
    assert rows[1][names.index("note")] == expected[1]["note"]
    assert 'id="preview-table"' in response.content.decode()


def test_preview_of_an_unknown_resource_or_hidden_dataset_is_404(editor_client, trees, hidden):
    assert editor_client.get(f"{DATASETS}{trees.pk}/resources/re_nothing/preview/").status_code == 404
    resource = hidden.resources.get()
    assert editor_client.get(f"{DATASETS}{hidden.pk}/resources/{resource.resource_uid}/preview/").status_code == 404
