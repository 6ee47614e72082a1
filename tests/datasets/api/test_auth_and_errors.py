"""Authentication schemes, throttling and the error envelope across the management API."""

import logging

import pytest
from rest_framework.test import APIClient

from datasets.api.management.views.datasets import DatasetListView
from tests.conftest import assert_status, basic_client

URL = "/api/management/v2/datasets/"


@pytest.mark.django_db
def test_no_credentials_is_401_with_a_challenge(anonymous_api):
    response = anonymous_api.get(URL)
    body = assert_status(response, 401)
    assert body["error_key"] == "AuthenticationRequiredException"
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


@pytest.mark.django_db
def test_wrong_password_is_401(alice):
    body = assert_status(basic_client("alice", "wrong").get(URL), 401)
    assert body["message"] == "Invalid username/password."


@pytest.mark.django_db
def test_inactive_user_cannot_authenticate(alice):
    alice.is_active = False
    alice.save()
    assert_status(basic_client("alice", "alice-password-1").get(URL), 401)


@pytest.mark.django_db
def test_session_needs_csrf_for_writes(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    assert_status(client.get(URL), 200)
    body = assert_status(client.post(URL, {}, format="json"), 403)
    assert "CSRF" in body["message"]


@pytest.mark.django_db
def test_method_not_allowed_is_405_envelope(alice_api):
    body = assert_status(alice_api.delete(URL), 405)
    assert body["error_key"] == "MethodNotAllowedException"


@pytest.mark.django_db
def test_html_is_never_answered(alice_api):
    response = alice_api.get(URL, HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("application/json")
    response = alice_api.get("/api/management/v2/nothing/here/")
    assert response["Content-Type"] == "application/json"
    assert assert_status(response, 404)["error_key"] == "NotFoundException"


@pytest.mark.django_db
def test_too_large_body_is_413(alice_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = assert_status(alice_api.post(URL, {"metas": {"default": {"title": "x" * 5000}}}, format="json"), 413)
    assert body["error_key"] == "PayloadTooLargeException"


@pytest.mark.django_db
def test_throttling_answers_429_with_retry_after(alice_api, settings):
    settings.API_THROTTLE_USER = "3/minute"
    for _ in range(3):
        assert_status(alice_api.get(URL), 200)
    response = alice_api.get(URL)
    body = assert_status(response, 429)
    assert body["error_key"] == "ThrottledException"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.django_db
def test_anonymous_throttling(anonymous_api, settings):
    settings.API_THROTTLE_ANON = "2/minute"
    anonymous_api.get("/api/management/v2/")
    anonymous_api.get("/api/management/v2/")
    assert_status(anonymous_api.get("/api/management/v2/"), 429)


@pytest.mark.django_db
def test_unexpected_error_is_500_envelope_with_logged_request_id(alice, monkeypatch, caplog):
    def explode(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(DatasetListView, "get", explode)
    client = basic_client("alice", "alice-password-1")
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR):
        response = client.get(URL, HTTP_X_REQUEST_ID="req-12345678")
    body = assert_status(response, 500)
    assert body["error_key"] == "InternalErrorException"
    assert body["raw_params"] == {"request_id": "req-12345678"}
    assert response["X-Request-ID"] == "req-12345678"
    assert "req-12345678" in caplog.text
    assert "boom" in caplog.text


def test_forged_request_ids_are_replaced(client, db):
    response = client.get("/api/management/v2/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_the_api_keeps_answering_when_the_throttle_store_is_down(alice_api, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    assert_status(alice_api.get(URL), 200)
    assert "throttling skipped, Redis unreachable" in caplog.text


@pytest.mark.django_db
def test_anonymous_callers_are_counted_by_the_anonymous_rate_only(anonymous_api, settings):
    settings.API_THROTTLE_ANON = "3/minute"
    settings.API_THROTTLE_USER = "1/minute"
    for _ in range(3):
        assert_status(anonymous_api.get("/api/management/v2/"), 200)
    response = anonymous_api.get("/api/management/v2/")
    assert_status(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_each_user_has_a_counter_of_their_own(alice_api, chief_api, settings):
    settings.API_THROTTLE_USER = "2/hour"
    for _ in range(2):
        assert_status(alice_api.get(URL), 200)
    assert_status(alice_api.get(URL), 429)
    assert_status(chief_api.get(URL), 200)
