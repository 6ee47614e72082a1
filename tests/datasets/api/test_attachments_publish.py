"""Attachments and alternative exports on the public side: snapshotted at publish, listed by the Explore API
and the catalog's pages, downloadable by anonymous visitors of a visible dataset, gone once unpublished."""

import pytest
from django.test import Client

from datasets.models import Dataset, Ruleset
from datasets.services.configuration import PublishConfiguration
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv, stored_file

BASE = "/api/management/v2"
EXPLORE = "/api/explore/v2.1/catalog/datasets"
GUIDE = b'{"guide": "how the parks are counted"}'
DUMP = b"name,height\nOak,20\nElm,15\n"
ROWS = [{"name": "Oak", "height": "20"}, {"name": "Elm", "height": "15"}]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def parks(chief_api, alice, run_worker):
    """A published, domain-visible dataset with one attachment and one alternative export."""
    uid = publish_public_csv(chief_api, alice, run_worker, "parks", rows_csv(ROWS))
    guide = stored_file(GUIDE, "guide (v1).json", alice)
    dump = stored_file(DUMP, "parks-full.csv", alice)
    attachment = assert_status(
        chief_api.post(f"{BASE}/datasets/{uid}/attachments", {"url": guide.url, "title": "Guide"}, format="json"), 201
    )
    export = assert_status(
        chief_api.post(f"{BASE}/datasets/{uid}/alternative_exports", {"url": dump.url}, format="json"), 201
    )
    republish(chief_api, run_worker, uid)
    return {"uid": uid, "attachment": attachment["attachment_uid"], "export": export["export_uid"], "guide": guide}


def republish(api, run_worker, uid):
    assert_status(api.put(f"{BASE}/datasets/{uid}/publish"), 202)
    run_worker()


def test_published_attachments_are_listed_for_anonymous_visitors(anonymous_api, parks):
    body = assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments"), 200)
    href = f"http://testserver{EXPLORE}/parks/attachments/{parks['attachment']}"
    assert body["attachments"] == [
        {"href": href, "metas": {"mime-type": "application/json", "title": "Guide", "id": parks["attachment"]}}
    ]


def test_anonymous_visitors_download_an_attachment_from_its_href(anonymous_api, parks):
    href = assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments/"), 200)["attachments"][0]["href"]
    response = anonymous_api.get(href)
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == GUIDE
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="guide_v1.json"'


def test_edits_after_publish_stay_private_until_the_next_publish(chief_api, alice, anonymous_api, run_worker, parks):
    uid = parks["uid"]
    assert_status(chief_api.delete(f"{BASE}/datasets/{uid}/attachments/{parks['attachment']}"), 200)
    other = stored_file(b"notes", "notes.txt", alice)
    added = assert_status(chief_api.post(f"{BASE}/datasets/{uid}/attachments", {"url": other.url}, format="json"), 201)
    assert assert_status(chief_api.get(f"{BASE}/datasets/{uid}/"), 200)["has_unpublished_changes"] is True
    listed = assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments"), 200)["attachments"]
    assert [item["metas"]["id"] for item in listed] == [parks["attachment"]]
    assert anonymous_api.get(f"{EXPLORE}/parks/attachments/{parks['attachment']}").status_code == 200
    unknown = assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments/{added['attachment_uid']}"), 404)
    assert unknown["error_code"] == "NotFound"

    republish(chief_api, run_worker, uid)
    listed = assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments"), 200)["attachments"]
    assert [(item["metas"]["id"], item["metas"]["title"]) for item in listed] == [
        (added["attachment_uid"], "notes.txt")
    ]
    assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments/{parks['attachment']}"), 404)


def test_unpublish_removes_them_from_public_view(chief_api, anonymous_api, run_worker, parks):
    assert_status(chief_api.put(f"{BASE}/datasets/{parks['uid']}/unpublish"), 202)
    run_worker()
    for path in (
        f"{EXPLORE}/parks/attachments",
        f"{EXPLORE}/parks/attachments/{parks['attachment']}",
        f"{EXPLORE}/parks/alternative_exports/{parks['export']}",
    ):
        assert assert_status(anonymous_api.get(path), 404)["error_code"] == "DatasetNotFound"
    assert Client().get("/explore/dataset/parks/export/").status_code == 404
    # The configuration stays for the next publish.
    listed = assert_status(chief_api.get(f"{BASE}/datasets/{parks['uid']}/attachments"), 200)
    assert [item["attachment_uid"] for item in listed] == [parks["attachment"]]


def test_a_hidden_dataset_shows_no_attachment(anonymous_api, parks):
    Dataset.objects.filter(dataset_uid=parks["uid"]).update(visibility=Dataset.Visibility.RESTRICTED)
    assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments"), 404)
    assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments/{parks['attachment']}"), 404)


def test_a_published_attachment_whose_file_was_removed_is_left_out(anonymous_api, parks):
    parks["guide"].delete()
    assert assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments"), 200)["attachments"] == []
    assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments/{parks['attachment']}"), 404)


def test_the_information_tab_links_the_attachments(parks):
    page = Client().get("/explore/dataset/parks/").content.decode()
    assert f'href="http://testserver{EXPLORE}/parks/attachments/{parks["attachment"]}">Guide</a>' in page


def test_the_export_menu_offers_the_alternative_exports(parks):
    page = Client().get("/explore/dataset/parks/export/").content.decode()
    href = f"{EXPLORE}/parks/alternative_exports/{parks['export']}"
    assert f'<a href="{href}" data-mime-type="text/csv" download>parks-full.csv</a>' in page
    response = Client().get(href)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DUMP
    assert response["Content-Disposition"] == 'attachment; filename="parks-full.csv"'


def test_alternative_exports_are_withheld_from_callers_who_read_part_of_the_data(anonymous_api, parks):
    """A static file cannot hide a field: with a field hidden, it is neither offered nor served."""
    Ruleset.objects.create(
        dataset=Dataset.objects.get(dataset_uid=parks["uid"]), kind="default", visible_fields=["name"]
    )
    response = Client().get("/explore/dataset/parks/export/")
    assert response.status_code == 200
    assert "alternative_exports" not in response.content.decode()
    error = assert_status(anonymous_api.get(f"{EXPLORE}/parks/alternative_exports/{parks['export']}"), 404)
    assert error["error_code"] == "NotFound"
    # Attachments describe the dataset, not its records: still offered.
    assert anonymous_api.get(f"{EXPLORE}/parks/attachments/{parks['attachment']}").status_code == 200


def test_a_scheduled_run_republishes_the_lists_it_was_given(parks):
    """A scheduled run rebuilds its configuration from the served version's: the lists must survive that trip."""
    stored = Dataset.objects.get(dataset_uid=parks["uid"]).current_version.configuration
    assert [item["attachment_uid"] for item in stored["attachments"]] == [parks["attachment"]]
    rebuilt = PublishConfiguration.from_snapshot(stored).snapshot()
    assert (rebuilt["attachments"], rebuilt["alternative_exports"]) == (
        stored["attachments"],
        stored["alternative_exports"],
    )


def test_the_dataset_object_carries_its_attachments(anonymous_api, parks):
    listed = assert_status(anonymous_api.get(f"{EXPLORE}/parks/attachments"), 200)["attachments"]
    assert listed and assert_status(anonymous_api.get(f"{EXPLORE}/parks"), 200)["attachments"] == listed
    catalog = assert_status(anonymous_api.get(EXPLORE, {"where": "dataset_id='parks'"}), 200)
    assert [item["attachments"] for item in catalog["results"]] == [listed]
    selected = assert_status(anonymous_api.get(f"{EXPLORE}/parks", {"select": "dataset_id"}), 200)
    assert "attachments" not in selected
