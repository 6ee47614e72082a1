"""Editing metadata by template in the back-office, through the metadata service."""

from __future__ import annotations

import pytest

from datasets.models import Change, MetadataValue, Ruleset
from tests.backoffice.conftest import DATASETS, logged_in

pytestmark = pytest.mark.django_db


def url(dataset, template: str) -> str:
    return f"{DATASETS}{dataset.pk}/metadata/{template}/"


def stored(dataset, template: str) -> dict:
    rows = MetadataValue.objects.filter(dataset=dataset, template=template).exclude(value=None)
    return {row.name: row.value for row in rows}


@pytest.mark.parametrize("client_name", ["root_client", "editor_client"])
def test_metadata_form_renders_with_current_values(request, client_name, trees):
    response = request.getfixturevalue(client_name).get(url(trees, "default"))
    assert response.status_code == 200
    assert response.context["form"]["title"].value() == "Trees"
    assert 'id="metadata-save"' in response.content.decode()


def test_change_page_links_every_template(editor_client, trees):
    body = editor_client.get(f"{DATASETS}{trees.pk}/change/").content.decode()
    for template in ("default", "internal", "visualization", "dcat"):
        assert f'href="{url(trees, template)}"' in body


def test_saving_the_visualization_template_is_one_change(editor, editor_client, trees):
    changes = Change.objects.filter(dataset=trees).count()
    data = {
        "map_marker_color": "#ff0000",
        "table_fields": "name\nyear\n",
        "map_disabled": "true",
        "table_default_sort_direction": "desc",
    }
    response = editor_client.post(url(trees, "visualization"), data)
    assert response.status_code == 302 and response["Location"] == f"{DATASETS}{trees.pk}/change/"
    assert stored(trees, "visualization") == {
        "map_marker_color": "#ff0000",
        "table_fields": ["name", "year"],
        "map_disabled": True,
        "table_default_sort_direction": "desc",
    }
    assert Change.objects.filter(dataset=trees).count() == changes + 1
    newest = Change.objects.filter(dataset=trees).first()
    assert (newest.user, newest.sections, len(newest.diff["metadata"])) == (editor, ["metadata"], 4)


def test_emptying_a_value_removes_it(editor_client, trees):
    response = editor_client.post(url(trees, "default"), {"title": ""})
    assert response.status_code == 302
    assert "title" not in stored(trees, "default")


def test_an_invalid_value_is_shown_and_nothing_is_written(editor_client, trees):
    changes = Change.objects.count()
    response = editor_client.post(url(trees, "visualization"), {"map_marker_color": "red", "map_disabled": "true"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'id="metadata-errors"' in response.content.decode()
    assert stored(trees, "visualization") == {}
    assert Change.objects.count() == changes


def test_metadata_needs_the_edit_right_to_save(django_user_model, trees):
    publisher = django_user_model.objects.create_user("pat", password="pat-password-1", is_staff=True)
    Ruleset.objects.create(dataset=trees, kind="user", user=publisher, permissions=["publish_dataset"])
    client = logged_in(publisher)
    page = client.get(url(trees, "default"))
    assert page.status_code == 200 and 'id="metadata-save"' not in page.content.decode()
    assert client.post(url(trees, "default"), {"title": "Hacked"}).status_code == 403
    assert stored(trees, "default")["title"] == "Trees"


def test_unknown_template_and_hidden_dataset_are_404(editor_client, trees, hidden):
    assert editor_client.get(url(trees, "nothing")).status_code == 404
    assert editor_client.get(url(hidden, "default")).status_code == 404
