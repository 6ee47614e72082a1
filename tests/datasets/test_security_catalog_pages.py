"""Catalog HTML pages under dataset security: which datasets exist for whom, and which fields a page shows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from datasets.models import Dataset, PublishedVersion, Ruleset
from datasets.services import dataset_create
from tests.conftest import mark_published

pytestmark = pytest.mark.django_db

FIELDS = [
    {"name": "employee", "label": "Employee name", "type": "text", "annotations": []},
    {"name": "department", "label": "Department code", "type": "text", "annotations": []},
    {"name": "salary_eur", "label": "Annual salary", "type": "double", "annotations": []},
]


def published(owner, dataset_id: str, title: str, visibility: str) -> Dataset:
    dataset = mark_published(
        dataset_create(owner=owner, dataset_id=dataset_id, metas={"default": {"title": title}}, visibility=visibility)
    )
    PublishedVersion.objects.filter(pk=dataset.current_version_id).update(fields=FIELDS)
    return dataset


@pytest.fixture
def salaries(alice):
    return published(alice, "salaries", "Staff salaries", Dataset.Visibility.RESTRICTED)


@pytest.fixture
def services(alice):
    return published(alice, "services", "Public services", Dataset.Visibility.DOMAIN)


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("rita", "rita@example.org", "rita-password-1")


def page(client, dataset_id: str):
    return client.get(f"/explore/dataset/{dataset_id}/")


def shown(response) -> set[str]:
    """Which of FIELDS' names and labels the page shows."""
    html = response.content.decode()
    return {text for field in FIELDS for text in (field["name"], field["label"]) if text in html}


def names_and_labels(*names: str) -> set[str]:
    return {text for field in FIELDS if field["name"] in names for text in (field["name"], field["label"])}


ALL = names_and_labels("employee", "department", "salary_eur")


def test_anonymous_visitors_see_domain_datasets_with_every_field(client, services, salaries):
    home = client.get("/").content.decode()
    assert "Public services" in home and "Staff salaries" not in home
    assert 'href="/explore/dataset/services/"' in home
    response = page(client, "services")
    assert response.status_code == 200
    assert shown(response) == ALL


def test_restricted_and_unknown_datasets_do_not_exist_for_anonymous_visitors(client, salaries):
    assert page(client, "salaries").status_code == 404
    assert page(client, "nothing-here").status_code == 404


def test_restricted_datasets_do_not_exist_for_users_without_a_ruleset(client, reader, salaries):
    client.force_login(reader)
    assert "Staff salaries" not in client.get("/").content.decode()
    response = page(client, "salaries")
    assert response.status_code == 404
    assert "Staff salaries" not in response.content.decode()


def test_a_user_ruleset_opens_a_restricted_dataset_with_its_fields_only(client, reader, salaries):
    Ruleset.objects.create(dataset=salaries, kind="user", user=reader, visible_fields=["employee", "department"])
    client.force_login(reader)
    assert "Staff salaries" in client.get("/").content.decode()
    response = page(client, "salaries")
    assert response.status_code == 200
    assert shown(response) == names_and_labels("employee", "department")


def test_a_default_ruleset_hides_fields_from_anonymous_visitors(client, services):
    Ruleset.objects.create(dataset=services, kind="default", visible_fields=["department"])
    assert shown(page(client, "services")) == names_and_labels("department")


def test_group_rulesets_show_the_union_of_their_fields(client, reader, salaries):
    first, second = Group.objects.create(name="hr"), Group.objects.create(name="finance")
    reader.groups.add(first, second)
    Ruleset.objects.create(dataset=salaries, kind="group", group=first, visible_fields=["employee"])
    Ruleset.objects.create(dataset=salaries, kind="group", group=second, visible_fields=["salary_eur"])
    client.force_login(reader)
    assert shown(page(client, "salaries")) == names_and_labels("employee", "salary_eur")


def test_without_visible_data_the_page_shows_metadata_only(client, services):
    Ruleset.objects.create(dataset=services, kind="default", is_data_visible=False)
    response = page(client, "services")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Public services" in html
    assert "The data of this dataset is not available to you" in html
    assert shown(response) == set()
    assert "/records" not in html


def test_staff_with_the_explore_right_see_everything_despite_rulesets(client, staff, salaries, services):
    Ruleset.objects.create(dataset=services, kind="default", visible_fields=["department"])
    client.force_login(staff)
    home = client.get("/").content.decode()
    assert "Staff salaries" in home and "Public services" in home
    assert shown(page(client, "salaries")) == ALL
    assert shown(page(client, "services")) == ALL


def test_a_ruleset_of_someone_else_changes_nothing_for_the_visitor(client, reader, django_user_model, salaries):
    other = django_user_model.objects.create_user("otto")
    Ruleset.objects.create(dataset=salaries, kind="user", user=other)
    client.force_login(reader)
    assert page(client, "salaries").status_code == 404


def test_unpublished_datasets_have_no_page(client, alice):
    dataset_create(owner=alice, dataset_id="draft", metas={"default": {"title": "Draft"}}, visibility="domain")
    assert page(client, "draft").status_code == 404
