import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from datasets.models import Dataset
from datasets.services import dataset_create, metadata_set
from tests.conftest import mark_published


def test_visitor_sees_public_datasets_only(client, public_dataset, restricted_dataset):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Street trees" in html
    assert "Trees of the city" in html
    assert "nature" in html
    assert "Staff salaries" not in html
    assert "1 dataset" in html


def test_staff_also_see_restricted_datasets(client, staff, public_dataset, restricted_dataset):
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert "Street trees" in html
    assert "Staff salaries" in html
    assert "2 datasets" in html


def test_empty_catalog_says_so(client, db):
    html = client.get("/").content.decode()
    assert "no dataset is published yet." in html.lower()


def test_catalog_pages_by_twenty_with_constant_queries(client, alice, django_assert_max_num_queries):
    def publish_sets(numbers):
        for number in numbers:
            mark_published(
                dataset_create(
                    owner=alice,
                    dataset_id=f"set-{number:02d}",
                    metas={"default": {"title": f"Set {number:02d}"}},
                    visibility=Dataset.Visibility.DOMAIN,
                )
            )

    publish_sets(range(3))
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    publish_sets(range(3, 25))
    # The page, its count, the facet counts, the rulesets of the page's datasets (the cards' readable counts)
    # and the session/user lookups: the same for 3 datasets as for a full page, not one more per dataset.
    with django_assert_max_num_queries(6) as full:
        first = client.get("/").content.decode()
    assert len(full) == len(few)
    assert "Set 00" in first and "Set 19" in first and "Set 20" not in first
    second = client.get("/?page=2").content.decode()
    assert "Set 24" in second and "Set 19" not in second
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("page", ["abc", "-1", "999"])
def test_bad_page_numbers_fall_back_to_a_valid_page(client, public_dataset, page):
    response = client.get(f"/?page={page}")
    assert response.status_code == 200
    assert "Street trees" in response.content.decode()


def test_unpublished_datasets_are_not_listed(client, alice):
    dataset_create(owner=alice, dataset_id="draft", metas={"default": {"title": "Draft"}}, visibility="domain")
    assert "Draft" not in client.get("/").content.decode()


def test_the_catalog_shows_metadata_as_published_not_later_edits(client, public_dataset, alice):
    metadata_set(dataset=public_dataset, template="default", name="title", value="Renamed later", user=alice)
    html = client.get("/").content.decode()
    assert "Street trees" in html
    assert "Renamed later" not in html
