"""Security objects as the reference (§14) shows them: the default ruleset's ``["*"]`` and the unknown user."""

import pytest

from datasets.models import Dataset, Ruleset
from tests.conftest import assert_status, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset_uid(alice, alice_api):
    grant(alice, "edit_dataset", "manage_dataset")  # security needs both
    return assert_status(alice_api.post("/api/management/v2/datasets/", {}, format="json"), 201)["dataset_uid"]


def test_default_ruleset_shows_every_field_as_a_star_and_round_trips(alice_api, dataset_uid):
    url = f"/api/management/v2/datasets/{dataset_uid}/security/default"
    fetched = assert_status(alice_api.get(url), 200)
    assert fetched["visible_fields"] == ["*"]
    # Sending back what was read is accepted and keeps its meaning: every field visible.
    assert assert_status(alice_api.put(url, fetched, format="json"), 200) == fetched
    stored = Ruleset.objects.get(dataset__dataset_uid=dataset_uid, kind=Ruleset.Kind.DEFAULT)
    assert stored.visible_fields == ["*"]
    restricted = assert_status(alice_api.put(url, {**fetched, "visible_fields": []}, format="json"), 200)
    assert restricted["visible_fields"] == []
    assert assert_status(alice_api.delete(url), 200)["visible_fields"] == ["*"]


def test_a_ruleset_for_an_unknown_user_is_the_documented_404(alice_api, dataset_uid):
    url = f"/api/management/v2/datasets/{dataset_uid}/security/users"
    error = assert_status(alice_api.post(url, {"user": {"username": "ghost"}, "filter_query": ""}, format="json"), 404)
    assert error == {
        "status_code": 404,
        "error_key": "UnknownUsernameException",
        "message": "Unknown username: ghost",
        "raw_message": "Unknown username: {username}",
        "raw_params": {"username": "ghost"},
    }
    assert not Ruleset.objects.filter(dataset=Dataset.objects.get(dataset_uid=dataset_uid)).exists()
    # A malformed user stub stays a 400 naming the attribute.
    error = assert_status(alice_api.post(url, {"user": {"username": 7}}, format="json"), 400)
    assert error["raw_params"]["field"] == "user.username"
