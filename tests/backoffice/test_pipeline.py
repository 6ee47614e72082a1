"""Processors and field specifications from the back-office: previewed without being kept, added, removed."""

from __future__ import annotations

import pytest

from datasets.models import Change, Processor, Ruleset
from tests.backoffice.conftest import DATASETS, logged_in

pytestmark = pytest.mark.django_db

DELETE_NOTE = {"step": "processor:delete_field", "label": "No notes", "arg_field": "note"}
RENAME_NAME = {"step": "specification:rename", "arg_from_name": "name", "arg_to_name": "species"}


def step_url(dataset) -> str:
    return f"{DATASETS}{dataset.pk}/steps/add/"


def field_names(response) -> list[str]:
    return [field["name"] for field in response.context["preview"]["fields"]]


def test_preview_shows_the_effect_and_keeps_nothing(editor_client, trees):
    changes = Change.objects.count()
    response = editor_client.post(step_url(trees), {**DELETE_NOTE, "preview": "1"})
    assert response.status_code == 200
    names = field_names(response)
    assert "note" not in names and "name" in names
    assert [row[names.index("name")] for row in response.context["rows"]] == ["Oak", "Elm"]
    assert 'id="preview-table"' in response.content.decode()
    assert not trees.processors.exists()
    assert Change.objects.count() == changes


def test_adding_a_processor_and_a_specification_goes_through_the_services(editor, editor_client, trees):
    assert editor_client.post(step_url(trees), {**DELETE_NOTE, "save": "1"}).status_code == 302
    assert editor_client.post(step_url(trees), {**RENAME_NAME, "save": "1"}).status_code == 302
    processor = trees.processors.get()
    assert (processor.name, processor.label, processor.args["field"]) == ("delete_field", "No notes", "note")
    specification = trees.field_specifications.get()
    assert (specification.name, specification.args["to_name"]) == ("rename", "species")
    newest = Change.objects.filter(dataset=trees).first()
    assert (newest.user, newest.sections) == (editor, ["fields_specifications"])
    preview = editor_client.get(f"{DATASETS}{trees.pk}/resources/{trees.resources.get().resource_uid}/preview/")
    names = field_names(preview)
    assert "species" in names and "name" not in names and "note" not in names
    page = editor_client.get(f"{DATASETS}{trees.pk}/change/").content.decode()
    assert f'id="step-delete-{processor.processor_uid}"' in page


def test_invalid_steps_are_refused_with_the_reason(editor_client, trees):
    unknown_field = editor_client.post(step_url(trees), {**DELETE_NOTE, "arg_field": "nope", "save": "1"})
    assert unknown_field.status_code == 200 and "arg_field" in unknown_field.context["form"].errors
    missing = editor_client.post(step_url(trees), {**DELETE_NOTE, "arg_field": "", "save": "1"})
    assert missing.status_code == 200 and missing.context["form"].errors["arg_field"] == ["This field is required."]
    assert 'id="step-errors"' in missing.content.decode()
    refused = editor_client.post(step_url(trees), {**RENAME_NAME, "arg_to_name": "Species!", "save": "1"})
    assert refused.status_code == 200
    assert (
        "Invalid argument 'to_name' for field specification rename" in refused.context["form"].errors["arg_to_name"][0]
    )
    assert not Processor.objects.exists() and not trees.field_specifications.exists()


def test_removing_a_step(editor_client, trees):
    editor_client.post(step_url(trees), {**DELETE_NOTE, "save": "1"})
    uid = trees.processors.get().processor_uid
    assert editor_client.get(f"{DATASETS}{trees.pk}/steps/{uid}/delete/").status_code == 405
    assert editor_client.post(f"{DATASETS}{trees.pk}/steps/{uid}/delete/").status_code == 302
    assert not trees.processors.exists()
    assert editor_client.post(f"{DATASETS}{trees.pk}/steps/{uid}/delete/").status_code == 404


def test_steps_need_the_edit_right(django_user_model, editor_client, trees, hidden):
    publisher = django_user_model.objects.create_user("pat", password="pat-password-1", is_staff=True)
    Ruleset.objects.create(dataset=trees, kind="user", user=publisher, permissions=["publish_dataset"])
    client = logged_in(publisher)
    assert client.get(step_url(trees)).status_code == 403
    assert client.post(step_url(trees), {**DELETE_NOTE, "save": "1"}).status_code == 403
    assert editor_client.post(step_url(hidden), {**DELETE_NOTE, "save": "1"}).status_code == 404
    assert not Processor.objects.exists()


def test_a_type_that_would_null_values_is_a_warning_in_the_step_preview(editor_client, trees):
    forced = {"step": "specification:type", "arg_field": "name", "arg_type": "int"}
    response = editor_client.post(step_url(trees), {**forced, "preview": "1"})
    assert response.status_code == 200
    name = next(field for field in response.context["preview"]["fields"] if field["name"] == "name")
    assert (name["type"], name["inference"]["unreadable"]) == ("int", 2)
    page = response.content.decode()
    assert 'class="errornote preview-warning"' in page
    assert "2 of 2 values (100%) of name cannot be read as int and would be null (e.g. &quot;Oak&quot;)" in page
    assert "2 values read as null" in page
