"""An uploaded file is used by URL (``odsfile://``) only by whoever may ``GET`` it: its uploader, a domain-wide
editor or a superuser (``datasets.services.files.file_for_user``); anybody else gets the answer a missing file gets."""

from __future__ import annotations

import pytest

from datasets.models import AlternativeExport, Attachment, Resource, Ruleset
from datasets.services import dataset_create
from datasets.services.apikeys import apikey_create
from tests.conftest import assert_status, basic_client, grant
from tests.datasets.api.conftest import TREES_CSV, stored_file

BASE = "/api/management/v2"
pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_file(alice):
    return stored_file(TREES_CSV, "trees.csv", alice)


@pytest.fixture
def bobs_dataset(bob):
    return dataset_create(owner=bob, dataset_id="bobs")


def resource_body(url: str, title: str = "Trees") -> dict:
    return {"url": url, "title": title, "type": "csvfile", "params": {"separator": ","}}


def uses_of(api, dataset_uid: str, url: str) -> dict[str, object]:
    """Every request naming ``url``: attach as resource, attachment or alternative export, preview unsaved, both
    guesses; the responses by name."""
    link = {"url": url, "title": "Methodology"}
    return {
        "attach": api.post(f"{BASE}/datasets/{dataset_uid}/resources/", resource_body(url), format="json"),
        "attachment": api.post(f"{BASE}/datasets/{dataset_uid}/attachments/", link, format="json"),
        "alternative export": api.post(f"{BASE}/datasets/{dataset_uid}/alternative_exports/", link, format="json"),
        "preview": api.post(f"{BASE}/datasets/{dataset_uid}/resource_preview", resource_body(url), format="json"),
        "guess": api.post(f"{BASE}/guess_extractors/", {"url": url}, format="json"),
        "guess params": api.post(
            f"{BASE}/guess_extractor_params/", {"url": url, "extractor": "csvfile"}, format="json"
        ),
    }


def assert_refused_as_missing(responses: dict, url: str) -> None:
    for name, response in responses.items():
        body = assert_status(response, 400)
        assert body["error_key"] == "InvalidRequestParameterException", name
        assert f"no uploaded file {url}" in body["message"], name
        assert "Oak" not in response.content.decode(), name


def test_another_publishers_file_is_neither_attached_nor_read(bob_api, bobs_dataset, alices_file):
    assert_status(bob_api.get(f"{BASE}/files/{alices_file.file_id}"), 404)
    assert_refused_as_missing(uses_of(bob_api, bobs_dataset.dataset_uid, alices_file.url), alices_file.url)
    assert not Resource.objects.exists()
    assert not Attachment.objects.exists() and not AlternativeExport.objects.exists()
    missing = "odsfile://fi_doesnotexist"
    assert_refused_as_missing(uses_of(bob_api, bobs_dataset.dataset_uid, missing), missing)


def test_the_uploader_uses_their_own_file(alice, alice_api, alices_file):
    dataset = dataset_create(owner=alice, dataset_id="trees")
    for name, response in uses_of(alice_api, dataset.dataset_uid, alices_file.url).items():
        assert response.status_code in (200, 201), (name, response.content)
    assert Resource.objects.get(dataset=dataset).url == alices_file.url


@pytest.mark.parametrize("persona", ["domain editor", "superuser"])
def test_a_domain_editor_or_superuser_uses_any_file(django_user_model, bobs_dataset, alices_file, persona):
    if persona == "superuser":
        user = django_user_model.objects.create_superuser("root", "root@example.org", "root-password-1")
    else:
        user = grant(django_user_model.objects.create_user("ed", "ed@example.org", "ed-password-1"), "edit_dataset")
    api = basic_client(user.get_username(), f"{user.get_username()}-password-1")
    for name, response in uses_of(api, bobs_dataset.dataset_uid, alices_file.url).items():
        assert response.status_code in (200, 201), (name, response.content)


def test_an_api_key_without_edit_rights_opens_only_its_owners_files(chief, alices_file):
    own = stored_file(TREES_CSV, "own.csv", chief)
    _, key = apikey_create(owner=chief, permissions=["create_dataset"])
    api = basic_client("chief", "chief-password-1")
    api.credentials(HTTP_AUTHORIZATION=f"Apikey {key}")
    refused = assert_status(api.post(f"{BASE}/guess_extractors/", {"url": alices_file.url}, format="json"), 400)
    assert refused["error_key"] == "InvalidRequestParameterException"
    assert_status(api.post(f"{BASE}/guess_extractors/", {"url": own.url}, format="json"), 200)


def test_a_file_whose_uploader_is_unknown_is_for_domain_editors_only(alice_api, chief_api, alice, chief):
    orphan = stored_file(TREES_CSV, "orphan.csv", None)
    mine = dataset_create(owner=alice, dataset_id="mine")
    refused = alice_api.post(f"{BASE}/datasets/{mine.dataset_uid}/resources/", resource_body(orphan.url), format="json")
    assert assert_status(refused, 400)["error_key"] == "InvalidRequestParameterException"
    chiefs = dataset_create(owner=chief, dataset_id="chiefs")
    added = chief_api.post(f"{BASE}/datasets/{chiefs.dataset_uid}/resources/", resource_body(orphan.url), format="json")
    assert assert_status(added, 201)["url"] == orphan.url


def test_a_co_editor_keeps_a_resources_file_but_cannot_swap_in_another(alice, alice_api, bob_api, bob, alices_file):
    dataset = dataset_create(owner=alice, dataset_id="shared")
    Ruleset.objects.create(dataset=dataset, kind=Ruleset.Kind.USER, user=bob, permissions=["edit_dataset"])
    resources = f"{BASE}/datasets/{dataset.dataset_uid}/resources/"
    uid = assert_status(alice_api.post(resources, resource_body(alices_file.url), format="json"), 201)["resource_uid"]
    renamed = bob_api.put(f"{resources}{uid}", resource_body(alices_file.url, "Renamed"), format="json")
    assert assert_status(renamed, 200)["title"] == "Renamed"
    other = stored_file(TREES_CSV, "other.csv", alice)
    swapped = bob_api.put(f"{resources}{uid}", resource_body(other.url, "Swapped"), format="json")
    assert assert_status(swapped, 400)["error_key"] == "InvalidRequestParameterException"
    kept = Resource.objects.get(resource_uid=uid)
    assert (kept.url, kept.title) == (alices_file.url, "Renamed")
