"""CORS on the public Explore API: every origin may read it, errors included, and its preflights are answered;
never with credentials, and nothing on the management API, the admin or the catalog pages."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import assert_status

pytestmark = pytest.mark.django_db

ORIGIN = "https://app.example.net"
EXPLORE = "/api/explore/v2.1"
PREFLIGHT = {"HTTP_ORIGIN": ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"}
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
)


def cors_headers(response) -> dict[str, str]:
    return {name: response[name] for name in CORS_HEADERS if name in response}


@pytest.fixture
def browser() -> Client:
    """An anonymous browser on another site."""
    return Client(HTTP_ORIGIN=ORIGIN)


@pytest.mark.parametrize(
    "path",
    [
        f"{EXPLORE}/catalog/datasets",
        f"{EXPLORE}/catalog/datasets/trees",
        f"{EXPLORE}/catalog/facets",
        f"{EXPLORE}/catalog/exports/json",
        f"{EXPLORE}/catalog/datasets/trees/datapackage.json",
    ],
)
def test_explore_reads_and_exports_may_be_read_from_any_origin(browser, public_dataset, path):
    response = browser.get(path)
    assert response.status_code == 200
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "Content-Disposition, ETag, Retry-After, X-Request-ID",
    }
    assert cors_headers(browser.head(path))["Access-Control-Allow-Origin"] == "*"


def test_explore_errors_may_be_read_from_any_origin(browser):
    """A browser application shows the API's error, not an opaque network failure."""
    body = assert_status(browser.get(f"{EXPLORE}/catalog/datasets/nowhere/records"), 404)
    assert body["error_code"]
    response = browser.get(f"{EXPLORE}/catalog/datasets?where=(((")
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    assert browser.get(f"{EXPLORE}/no/such/route")["Access-Control-Allow-Origin"] == "*"


def test_a_throttled_explore_read_may_be_read_with_its_retry_after(browser, settings):
    settings.API_THROTTLE_ANON = "1/minute"
    assert_status(browser.get(f"{EXPLORE}/catalog/datasets"), 200)
    response = browser.get(f"{EXPLORE}/catalog/datasets")
    assert response.status_code == 429
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in response["Access-Control-Expose-Headers"]


def test_a_preflight_is_answered_without_reaching_the_view_or_its_throttle(browser, settings):
    settings.API_THROTTLE_ANON = "1/minute"
    for _ in range(3):
        response = browser.options(
            f"{EXPLORE}/catalog/datasets/trees/records",
            **PREFLIGHT,
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
        )
        assert response.status_code == 204
        assert response.content == b""
        assert cors_headers(response) == {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Max-Age": "86400",
        }
        assert response["X-Content-Type-Options"] == "nosniff"
    assert_status(browser.get(f"{EXPLORE}/catalog/datasets"), 200)  # preflights used none of the one allowed read


def test_writes_to_explore_get_no_cors_headers(browser):
    response = browser.post(f"{EXPLORE}/catalog/datasets", {}, content_type="application/json")
    assert response.status_code == 405
    assert cors_headers(response) == {}


@pytest.mark.parametrize(
    "path",
    ["/api/management/v2/", "/api/management/v2/datasets/", "/admin/login/", "/", "/explore/dataset/trees/"],
)
def test_the_management_api_admin_and_pages_get_no_cors_headers(browser, public_dataset, path):
    assert cors_headers(browser.get(path)) == {}
    preflight = browser.options(path, **PREFLIGHT)
    assert preflight.status_code != 204
    assert cors_headers(preflight) == {}
