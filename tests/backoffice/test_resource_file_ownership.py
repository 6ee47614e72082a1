"""In the back-office too, a resource names an uploaded file only if its author may use it (``file_for_user``)."""

from __future__ import annotations

import pytest

from datasets.models import Resource
from tests.backoffice.conftest import DATASETS
from tests.datasets.api.conftest import TREES_CSV, stored_file

pytestmark = pytest.mark.django_db


def add_url(dataset) -> str:
    return f"{DATASETS}{dataset.pk}/resources/add-url/"


def test_another_users_file_cannot_be_named_by_its_url(editor_client, trees, alice):
    theirs = stored_file(TREES_CSV, "theirs.csv", alice)
    response = editor_client.post(add_url(trees), {"url": theirs.url, "type": "csvfile"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [f"Invalid value for 'url': no uploaded file {theirs.url}"]
    assert not Resource.objects.filter(url=theirs.url).exists()


def test_the_editors_own_upload_can_be_named_by_its_url(editor, editor_client, trees):
    own = stored_file(TREES_CSV, "own.csv", editor)
    response = editor_client.post(add_url(trees), {"url": own.url, "type": "csvfile"})
    assert response.status_code == 302
    assert trees.resources.filter(url=own.url).exists()
