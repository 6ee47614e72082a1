"""Publish, unpublish and abort take no body: none or ``{}`` is accepted, anything else is a 400 naming it.

Before, the body was never read, so a client sending options (``{"force": true}``) or garbage believed
they were taken into account.
"""

import pytest

from datasets.models import Dataset
from jobs.models import Job
from tests.conftest import assert_status

BASE = "/api/management/v2"
pytestmark = pytest.mark.django_db(transaction=True)


def action(api, uid: str, name: str, body, **kwargs):
    return api.put(f"{BASE}/datasets/{uid}/{name}", body, **kwargs)


@pytest.mark.parametrize("name", ["publish", "unpublish", "abort_processing"])
class TestRefusedBodies:
    def test_unknown_attributes_are_a_400_naming_one(self, chief_api, trees, name):
        uid, _ = trees
        body = assert_status(action(chief_api, uid, name, {"force": True, "async": False}, format="json"), 400)
        assert body["error_key"] == "InvalidRequestParameterException"
        assert body["raw_params"] == {"field": "async", "detail": "unknown attribute; this action takes no body"}
        assert not Job.objects.exists()

    @pytest.mark.parametrize("text", ["[]", '["publish"]', '"now"', "1", "null"])
    def test_a_body_other_than_an_object_is_a_400(self, chief_api, trees, name, text):
        uid, _ = trees
        body = assert_status(action(chief_api, uid, name, text, content_type="application/json"), 400)
        assert body["raw_params"] == {"field": "body", "detail": "this action takes no body; send none or {}"}
        assert not Job.objects.exists()

    def test_malformed_json_is_a_400(self, chief_api, trees, name):
        uid, _ = trees
        response = action(chief_api, uid, name, "{publish", content_type="application/json")
        assert assert_status(response, 400)["error_key"] == "InvalidJSONException"
        assert not Job.objects.exists()
        assert Dataset.objects.get(dataset_uid=uid).status == Dataset.Status.IDLE


class TestAcceptedBodies:
    @pytest.mark.parametrize("kwargs", [{}, {"data": {}, "format": "json"}])
    def test_no_body_or_an_empty_object_publishes(self, chief_api, trees, run_worker, kwargs):
        uid, _ = trees
        job = assert_status(chief_api.put(f"{BASE}/datasets/{uid}/publish", **kwargs), 202)
        run_worker()
        assert Job.objects.get(job_uid=job["job_uid"]).state == Job.State.DONE
        assert Dataset.objects.get(dataset_uid=uid).is_published
