"""Fixtures of the back-office tests: logged-in clients for a superuser and for staff with limited rights."""

from __future__ import annotations

import pytest
from django.test import Client

from datasets.models import Dataset, Ruleset
from datasets.services import dataset_create
from datasets.services.processing import resource_add
from tests.conftest import grant
from tests.datasets.api.conftest import TREES_CSV, stored_file

DATASETS = "/admin/datasets/dataset/"
JOBS = "/admin/jobs/job/"
# Day-first dates, decimal commas, NA for missing values, coordinates, a column of codes.
PARKS_CSV = (
    "name;planted;height;lat;lon;code\n"
    "Chêne;31/01/2001;12,5;48.8566;2.3522;A1\n"
    "Tilleul;15/03/1999;NA;48.8606;2.3376;B2\n"
    "Platane;02/11/1987;20,25;48.8530;2.3499;17\n"
    "Érable;28/06/2010;7,75;48.8462;2.3371;C4\n"
).encode()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "root-password-1")


@pytest.fixture
def root_client(root) -> Client:
    return logged_in(root)


@pytest.fixture
def editor(django_user_model):
    """Staff with no domain-wide right: may edit and publish only what a ruleset grants them."""
    return django_user_model.objects.create_user("eddie", "eddie@example.org", "eddie-password-1", is_staff=True)


@pytest.fixture
def editor_client(editor) -> Client:
    return logged_in(editor)


@pytest.fixture
def viewer(django_user_model):
    """Staff who may only edit (not publish) the datasets a ruleset grants them."""
    return django_user_model.objects.create_user("vera", "vera@example.org", "vera-password-1", is_staff=True)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return logged_in(viewer)


@pytest.fixture
def outsider_client(django_user_model) -> Client:
    """Staff without any right on any dataset."""
    return logged_in(django_user_model.objects.create_user("otto", password="otto-password-1", is_staff=True))


@pytest.fixture
def member_client(django_user_model) -> Client:
    """Not staff, though allowed to publish every dataset through the API."""
    user = grant(django_user_model.objects.create_user("mia", password="mia-password-1"), "publish_dataset")
    return logged_in(user)


def csv_dataset(dataset_id: str, owner=None, content: bytes = TREES_CSV) -> Dataset:
    """A dataset with one uploaded CSV resource, made through the services."""
    dataset = dataset_create(owner=owner, dataset_id=dataset_id, metas={"default": {"title": dataset_id.title()}})
    file = stored_file(content, f"{dataset_id}.csv", owner)
    resource_add(dataset=dataset, body={"url": file.url, "type": "csvfile", "title": "Source"}, user=owner)
    return Dataset.objects.get(pk=dataset.pk)


@pytest.fixture
def trees(editor, viewer) -> Dataset:
    """A CSV dataset the editor may edit and publish, and the viewer may only edit."""
    dataset = csv_dataset("trees")
    Ruleset.objects.create(dataset=dataset, kind="user", user=editor, permissions=["edit_dataset", "publish_dataset"])
    Ruleset.objects.create(dataset=dataset, kind="user", user=viewer, permissions=["edit_dataset"])
    return dataset


@pytest.fixture
def hidden() -> Dataset:
    """A dataset nobody but the superuser may manage."""
    return csv_dataset("hidden")
