"""The site's entry points: catalog, admin, management API root, RQ dashboard, error bodies."""

import pytest
from django.test import RequestFactory

from config.errors import handler500
from datasets.models import Dataset


@pytest.mark.parametrize("path", ["/api/management/v2/", "/api/management/v2"])
def test_management_api_root_answers_json(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["api"], body["version"]) == ("management", "v2")
    assert {"rel": "self", "href": "http://testserver/api/management/v2/"} in body["links"]


def test_unknown_api_path_answers_the_json_envelope(client, db):
    response = client.get("/api/management/v2/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "status_code": 404,
        "error_key": "NotFoundException",
        "message": "Not found: /api/management/v2/nothing-here",
        "raw_message": "Not found: {path}",
        "raw_params": {"path": "/api/management/v2/nothing-here"},
    }


def test_wrong_method_on_api_answers_405_envelope(client, db):
    response = client.delete("/api/management/v2/")
    assert response.status_code == 405
    assert response.json()["error_key"] == "MethodNotAllowedException"
    assert response.json()["raw_params"] == {"method": "DELETE"}


def test_api_internal_error_is_json_with_a_request_id(caplog):
    request = RequestFactory().get("/api/management/v2/boom")
    response = handler500(request)
    assert response.status_code == 500
    import json

    body = json.loads(response.content)
    assert body["error_key"] == "InternalErrorException"
    request_id = body["raw_params"]["request_id"]
    assert len(request_id) == 32
    assert request_id in caplog.text


def test_page_404_outside_the_api_stays_html(client, db):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_admin_requires_login_and_accepts_a_superuser(client, admin_user):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.login(username="root", password="root-password-1")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/jobs/job/").status_code == 200
    assert client.get("/admin/datasets/dataset/").status_code == 200


def test_rq_dashboard_is_for_superusers_only(client, alice, staff, admin_user, redis):
    assert client.get("/admin/rq/").status_code == 302
    client.force_login(alice)
    assert client.get("/admin/rq/").status_code == 302
    # A publisher is staff: the dashboard would let them stop, delete or requeue other datasets' jobs.
    client.force_login(staff)
    assert client.get("/admin/rq/").status_code == 403
    assert client.get("/admin/rq/queues/0/").status_code == 403
    assert client.get("/admin/rq/stats.json").status_code == 403
    assert client.post("/admin/rq/queues/0/empty/").status_code == 403
    assert client.post("/admin/rq/queues/actions/0/", {"action": "delete", "job_ids": ["x"]}).status_code == 403
    client.force_login(admin_user)
    response = client.get("/admin/rq/")
    assert response.status_code == 200
    assert b"default" in response.content
    assert client.get("/admin/rq/queues/0/").status_code == 200


def test_with_https_on_pages_redirect_but_health_probes_do_not(client, db, redis, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"
    assert client.get("/health").status_code == 200


def test_admin_deletes_datasets_through_the_service(client, admin_user, public_dataset):
    client.force_login(admin_user)
    url = f"/admin/datasets/dataset/{public_dataset.pk}/delete/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Dataset.objects.filter(pk=public_dataset.pk).exists()


def test_admin_freezes_the_id_of_a_published_dataset(client, admin_user, public_dataset):
    client.force_login(admin_user)
    html = client.get(f"/admin/datasets/dataset/{public_dataset.pk}/change/").content.decode()
    assert 'name="dataset_id"' not in html


def test_the_favicon_is_served_and_linked(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/").content.decode()
